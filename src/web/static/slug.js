// Suggests a dataset's address from its Czech title while the curator
// types it, until they write an address of their own. Without script the
// server makes the same address from the title when the field is empty.
(function () {
  var title = document.getElementById('title_cs');
  var slug = document.getElementById('slug');
  if (!title || !slug) return;
  var own = slug.value !== '';
  slug.addEventListener('input', function () { own = slug.value !== ''; });
  function fromTitle(s) {
    var out = s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
      .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    if (out.length > 80) {
      out = out.slice(0, 80);
      var cut = out.lastIndexOf('-');
      if (cut > 0) out = out.slice(0, cut);
    }
    return out;
  }
  title.addEventListener('input', function () {
    if (!own) slug.value = fromTitle(title.value);
  });
})();

// Maps of the portal's layers (Leaflet, served by the portal). A map
// element says what to show in data attributes:
//   data-geojson  a GeoJSON document to show whole (a small layer, one page
//                 of features);
//   data-items    an OGC API Features items URL: the features in view,
//                 fetched again as the map moves;
//   data-bbox     "west,south,east,north": a bounding box as a rectangle;
//   data-tiles    a tile URL template; without it the map has a plain
//                 background; data-attribution its credit.
// The feature list beside each map is the accessible alternative: the map
// adds nothing a keyboard or screen reader user cannot read there.
(function () {
  "use strict";
  if (!window.L) { return; }
  var style = { color: "#2362a2", weight: 2, fillOpacity: 0.25 };

  function popup(feature) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = "#" + feature.id;
    box.appendChild(title);
    var list = document.createElement("dl");
    var props = feature.properties || {};
    Object.keys(props).slice(0, 12).forEach(function (k) {
      var v = props[k];
      if (v === null || v === "") { return; }
      if (typeof v === "object") { v = v.cs || JSON.stringify(v); }
      var dt = document.createElement("dt");
      dt.textContent = k;
      var dd = document.createElement("dd");
      dd.textContent = String(v);
      list.appendChild(dt);
      list.appendChild(dd);
    });
    box.appendChild(list);
    return box;
  }

  function layerOf(data) {
    return L.geoJSON(data, {
      style: function () { return style; },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 6, color: style.color, weight: 2, fillOpacity: 0.6 });
      },
      onEachFeature: function (f, layer) { layer.bindPopup(function () { return popup(f); }); }
    });
  }

  function bboxOf(text) {
    var b = (text || "").split(",").map(Number);
    if (b.length !== 4 || b.some(isNaN)) { return null; }
    return L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
  }

  function status(el, text) {
    var s = el.parentNode && el.parentNode.querySelector(".map-status");
    if (s) { s.textContent = text; }
  }

  function init(el) {
    // No renderer padding: the overlay stays the map's size, so it never
    // makes the page wider than a phone's screen.
    var map = L.map(el, { zoomSnap: 0.5, attributionControl: true, renderer: L.svg({ padding: 0 }) });
    map.attributionControl.setPrefix("");
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, {
        maxZoom: 19,
        attribution: el.dataset.attribution || ""
      }).addTo(map);
    }
    var box = bboxOf(el.dataset.bbox);
    if (box) {
      L.rectangle(box, { color: "#c52a3a", weight: 2, fill: false, interactive: false }).addTo(map);
      map.fitBounds(box, { padding: [8, 8] });
    } else {
      map.setView([50.46, 13.41], 12);
    }
    if (el.dataset.geojson) {
      fetch(el.dataset.geojson, { headers: { Accept: "application/geo+json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          var layer = layerOf(data).addTo(map);
          var b = layer.getBounds();
          if (b.isValid()) { map.fitBounds(b, { padding: [12, 12], maxZoom: 17 }); }
          el.dataset.loaded = String((data.features || []).length);
        })
        .catch(function () { status(el, el.dataset.failed || ""); });
    }
    if (el.dataset.items) {
      var shown = null;
      var timer = null;
      var load = function () {
        var b = map.getBounds();
        var q = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(6); }).join(",");
        var url = el.dataset.items + (el.dataset.items.indexOf("?") < 0 ? "?" : "&") + "f=json&limit=1000&bbox=" + q;
        fetch(url, { headers: { Accept: "application/geo+json" } })
          .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
          .then(function (data) {
            if (shown) { map.removeLayer(shown); }
            shown = layerOf(data).addTo(map);
            el.dataset.loaded = String(data.numberReturned);
            if (data.numberMatched > data.numberReturned && el.dataset.more) {
              status(el, el.dataset.more.replace("{n}", data.numberReturned).replace("{m}", data.numberMatched));
            } else {
              status(el, "");
            }
          })
          .catch(function () { status(el, el.dataset.failed || ""); });
      };
      map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 150); });
      load();
    }
  }

  document.querySelectorAll(".map[data-bbox], .map[data-geojson], .map[data-items]").forEach(init);
})();

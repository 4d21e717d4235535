//! Reading values out of a set of triples by subject and predicate: what
//! the harvester needs of a foreign catalog and the dataset page of a
//! record read back from the projection. Subjects (and `node` values) are
//! keyed as N-Triples terms (`<iri>`, `_:b`), so blank nodes work too.

use std::collections::HashMap;

use oxigraph::model::{NamedOrBlankNodeRef, TermRef, TripleRef};

/// The graph indexed by subject (blank nodes too: a harvested contact point
/// may be one), borrowing the triples: the dataset page reads its record
/// straight from the projection's snapshot this way, without copying a term.
pub struct Graph<'a> {
    /// By an IRI, or a blank node's label: the one always has a scheme and a
    /// colon, the other never does.
    by_subject: HashMap<&'a str, Vec<TripleRef<'a>>>,
}

fn raw<'a>(s: NamedOrBlankNodeRef<'a>) -> &'a str {
    match s {
        NamedOrBlankNodeRef::NamedNode(n) => n.as_str(),
        NamedOrBlankNodeRef::BlankNode(b) => b.as_str(),
    }
}

/// `<iri>` or `_:label` to what `by_subject` is keyed by.
fn subject_key(key: &str) -> &str {
    key.strip_prefix('<')
        .and_then(|k| k.strip_suffix('>'))
        .or_else(|| key.strip_prefix("_:"))
        .unwrap_or(key)
}

fn term_key(t: TermRef<'_>) -> Option<String> {
    match t {
        TermRef::NamedNode(n) => Some(format!("<{}>", n.as_str())),
        TermRef::BlankNode(b) => Some(format!("_:{}", b.as_str())),
        _ => None,
    }
}

impl<'a> Graph<'a> {
    pub fn new(triples: impl IntoIterator<Item = TripleRef<'a>>) -> Graph<'a> {
        let mut by_subject: HashMap<&'a str, Vec<TripleRef<'a>>> = HashMap::new();
        for t in triples {
            by_subject.entry(raw(t.subject)).or_default().push(t);
        }
        Graph { by_subject }
    }

    fn objects(&self, subject: &str, prefix: &str, local: &str) -> Vec<TermRef<'a>> {
        let wanted = |p: &str| {
            p.len() == prefix.len() + local.len() && p.starts_with(prefix) && p.ends_with(local)
        };
        self.by_subject
            .get(subject_key(subject))
            .map(|ts| {
                ts.iter()
                    .filter(|t| wanted(t.predicate.as_str()))
                    .map(|t| t.object)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn iris(&self, subject: &str, prefix: &str, local: &str) -> Vec<String> {
        self.objects(subject, prefix, local)
            .into_iter()
            .filter_map(|o| match o {
                TermRef::NamedNode(n) => Some(n.as_str().to_string()),
                _ => None,
            })
            .collect()
    }

    pub fn iri(&self, subject: &str, prefix: &str, local: &str) -> Option<String> {
        self.iris(subject, prefix, local).into_iter().next()
    }

    /// Literal values in a language; `cs` also takes untagged literals.
    pub fn texts(&self, subject: &str, prefix: &str, local: &str, lang: &str) -> Vec<String> {
        self.objects(subject, prefix, local)
            .into_iter()
            .filter_map(|o| match o {
                TermRef::Literal(l)
                    if l.language()
                        .map(|x| x.eq_ignore_ascii_case(lang))
                        .unwrap_or(lang == "cs") =>
                {
                    Some(l.value().trim().to_string())
                }
                _ => None,
            })
            .filter(|v| !v.is_empty())
            .collect()
    }

    pub fn text(&self, subject: &str, prefix: &str, local: &str, lang: &str) -> Option<String> {
        self.texts(subject, prefix, local, lang).into_iter().next()
    }

    pub fn literal(&self, subject: &str, prefix: &str, local: &str) -> Option<String> {
        self.objects(subject, prefix, local)
            .into_iter()
            .find_map(|o| match o {
                TermRef::Literal(l) => Some(l.value().trim().to_string()),
                _ => None,
            })
    }

    /// Whether the graph says anything about this subject.
    pub fn has(&self, subject: &str) -> bool {
        self.by_subject.contains_key(subject_key(subject))
    }

    pub fn node(&self, subject: &str, prefix: &str, local: &str) -> Option<String> {
        self.objects(subject, prefix, local)
            .into_iter()
            .find_map(term_key)
    }
}

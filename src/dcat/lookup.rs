//! Reading values out of a set of triples by subject and predicate: what
//! the harvester needs of a foreign catalog and the dataset page of a
//! record read back from the projection. Subjects (and `node` values) are
//! keyed as N-Triples terms (`<iri>`, `_:b`), so blank nodes work too.

use std::collections::HashMap;

use oxigraph::model::{NamedOrBlankNode, Term, Triple};

/// The graph indexed by subject (blank nodes too: a harvested contact point
/// may be one).
pub struct Graph<'a> {
    by_subject: HashMap<String, Vec<&'a Triple>>,
}

fn key(s: &NamedOrBlankNode) -> String {
    s.to_string()
}

fn term_key(t: &Term) -> Option<String> {
    match t {
        Term::NamedNode(n) => Some(NamedOrBlankNode::from(n.clone()).to_string()),
        Term::BlankNode(b) => Some(NamedOrBlankNode::from(b.clone()).to_string()),
        _ => None,
    }
}

impl<'a> Graph<'a> {
    pub fn new(triples: &'a [Triple]) -> Graph<'a> {
        let mut by_subject: HashMap<String, Vec<&Triple>> = HashMap::new();
        for t in triples {
            by_subject.entry(key(&t.subject)).or_default().push(t);
        }
        Graph { by_subject }
    }

    fn objects(&self, subject: &str, prefix: &str, local: &str) -> Vec<&'a Term> {
        let p = format!("{prefix}{local}");
        self.by_subject
            .get(subject)
            .map(|ts| {
                ts.iter()
                    .filter(|t| t.predicate.as_str() == p)
                    .map(|t| &t.object)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn iris(&self, subject: &str, prefix: &str, local: &str) -> Vec<String> {
        self.objects(subject, prefix, local)
            .into_iter()
            .filter_map(|o| match o {
                Term::NamedNode(n) => Some(n.as_str().to_string()),
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
                Term::Literal(l)
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
                Term::Literal(l) => Some(l.value().trim().to_string()),
                _ => None,
            })
    }

    /// Whether the graph says anything about this subject.
    pub fn has(&self, subject: &str) -> bool {
        self.by_subject.contains_key(subject)
    }

    pub fn node(&self, subject: &str, prefix: &str, local: &str) -> Option<String> {
        self.objects(subject, prefix, local)
            .into_iter()
            .find_map(term_key)
    }
}

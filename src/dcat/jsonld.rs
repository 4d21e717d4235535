//! JSON-LD in the shape DCAT-AP-CZ ("Rozhraní katalogů otevřených dat",
//! 2024-05-28) prescribes: one compact object per document, with the
//! standard's remote context and its Czech keys, that the national JSON
//! Schemas accept. It is written from the projection's triples with the
//! context's term table below, so any graph (a harvested one too) comes out;
//! a predicate the context lacks (dct:issued, dct:license …) keeps its full
//! IRI as key with explicit value objects, which is still the same RDF.
//!
//! The compact form has no room for the typing triples of objects it names by
//! IRI (`dct:Location` on a RÚIAN IRI, say); Turtle, RDF/XML and N-Triples
//! carry them.

use std::collections::HashMap;
use std::io::Write;

use oxigraph::model::{Literal, Term, Triple};
use serde_json::{Map, Value, json};

use super::graph::Iris;
use super::ns::{DCAT, DCT, FOAF, PU, RDF, VCARD, XSD};
use crate::catalog::model::RUIAN_PREFIX;
use crate::error::AppError;

pub const CONTEXT: &str = "https://ofn.gov.cz/dcat-ap-cz-rozhraní-katalogů-otevřených-dat/2024-05-28/kontexty/rozhraní-katalogů-otevřených-dat.jsonld";

/// How a key's values are written, as the context and the schemas want.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// An IRI string (an array if the graph has several).
    Id,
    /// An array of IRI strings.
    Ids,
    /// `{"cs": "…", "en": "…"}`.
    Lang,
    /// `{"cs": ["…"], "en": ["…"]}`.
    Langs,
    /// An embedded object when the document describes the node, else its IRI.
    Node,
    /// An array of embedded objects.
    Nodes,
    /// A string of this XSD type.
    Typed(&'static str),
}

/// The context's terms: predicate IRI, key, shape. Where several keys share a
/// predicate (dct:spatial, dcat:theme, dct:conformsTo), `key_for` picks.
const TERMS: &[(&str, &str, &str, Shape)] = &[
    (DCT, "title", "název", Shape::Lang),
    (DCT, "description", "popis", Shape::Lang),
    (DCT, "publisher", "poskytovatel", Shape::Id),
    (DCAT, "dataset", "datová_sada", Shape::Ids),
    (FOAF, "homepage", "domovská_stránka", Shape::Id),
    (DCAT, "theme", "téma", Shape::Ids),
    (
        DCT,
        "accrualPeriodicity",
        "periodicita_aktualizace",
        Shape::Id,
    ),
    (DCAT, "keyword", "klíčové_slovo", Shape::Langs),
    (DCT, "spatial", "geografické_území", Shape::Ids),
    (DCT, "temporal", "časové_pokrytí", Shape::Node),
    (DCAT, "startDate", "začátek", Shape::Typed("date")),
    (DCAT, "endDate", "konec", Shape::Typed("date")),
    (DCAT, "inSeries", "je_součástí", Shape::Id),
    (DCAT, "contactPoint", "kontaktní_bod", Shape::Node),
    (VCARD, "fn", "jméno", Shape::Lang),
    (VCARD, "hasEmail", "e-mail", Shape::Id),
    (FOAF, "page", "dokumentace", Shape::Id),
    (DCT, "conformsTo", "specifikace", Shape::Ids),
    (
        DCAT,
        "spatialResolutionInMeters",
        "prostorové_rozlišení_v_metrech",
        Shape::Typed("decimal"),
    ),
    (
        DCAT,
        "temporalResolution",
        "časové_rozlišení",
        Shape::Typed("duration"),
    ),
    (DCAT, "distribution", "distribuce", Shape::Nodes),
    (PU, "specifikace", "podmínky_užití", Shape::Node),
    (PU, "autorské-dílo", "autorské_dílo", Shape::Id),
    (PU, "autor", "autor", Shape::Lang),
    (
        PU,
        "databáze-jako-autorské-dílo",
        "databáze_jako_autorské_dílo",
        Shape::Id,
    ),
    (PU, "autor-databáze", "autor_databáze", Shape::Lang),
    (
        PU,
        "databáze-chráněná-zvláštními-právy",
        "databáze_chráněná_zvláštními_právy",
        Shape::Id,
    ),
    (PU, "osobní-údaje", "osobní_údaje", Shape::Id),
    (DCAT, "accessURL", "přístupové_url", Shape::Id),
    (DCAT, "downloadURL", "soubor_ke_stažení", Shape::Id),
    (DCT, "format", "formát", Shape::Id),
    (DCAT, "mediaType", "typ_média", Shape::Id),
    (DCAT, "compressFormat", "typ_média_komprese", Shape::Id),
    (DCAT, "packageFormat", "typ_média_balíčku", Shape::Id),
    (DCAT, "accessService", "přístupová_služba", Shape::Node),
    (DCAT, "endpointURL", "přístupový_bod", Shape::Id),
    (
        DCAT,
        "endpointDescription",
        "popis_přístupového_bodu",
        Shape::Id,
    ),
    (DCAT, "servesDataset", "poskytuje_datovou_sadu", Shape::Ids),
    (
        "http://data.europa.eu/r5r/",
        "applicableLegislation",
        "právní_předpis",
        Shape::Ids,
    ),
    (
        "http://data.europa.eu/r5r/",
        "hvdCategory",
        "kategorie_hvd",
        Shape::Ids,
    ),
];

/// The context's names for classes.
const TYPES: &[(&str, &str, &str)] = &[
    (DCAT, "Catalog", "Katalog"),
    (DCAT, "Dataset", "Datová sada"),
    (DCAT, "DatasetSeries", "Datová série"),
    (DCAT, "Distribution", "Distribuce"),
    (DCAT, "DataService", "Datová služba"),
    (VCARD, "Organization", "Organizace"),
    (DCT, "PeriodOfTime", "Časový interval"),
    (PU, "Specifikace", "Specifikace podmínek užití"),
];

/// The term table as an inverse map, also the context document the harvester
/// and the tests expand our output with when the standard's URL is out of
/// reach (this machine has no internet).
pub fn context_document() -> Value {
    let mut ctx = Map::new();
    ctx.insert("@language".into(), json!("cs"));
    ctx.insert("iri".into(), json!("@id"));
    ctx.insert("typ".into(), json!("@type"));
    for (ns, local, name) in TYPES {
        ctx.insert((*name).into(), json!(format!("{ns}{local}")));
    }
    let mut put = |key: &str, iri: String, shape: Shape| {
        let def = match shape {
            Shape::Id | Shape::Ids | Shape::Node | Shape::Nodes => {
                json!({"@id": iri, "@type": "@id"})
            }
            Shape::Lang | Shape::Langs => json!({"@id": iri, "@container": "@language"}),
            Shape::Typed(t) => json!({"@id": iri, "@type": format!("{XSD}{t}")}),
        };
        ctx.insert(key.into(), def);
    };
    for (ns, local, key, shape) in TERMS {
        put(key, format!("{ns}{local}"), *shape);
    }
    // The keys that share a predicate with one above.
    put("prvek_rúian", format!("{DCT}spatial"), Shape::Ids);
    put("prostorové_pokrytí", format!("{DCT}spatial"), Shape::Nodes);
    put("koncept_euroVoc", format!("{DCAT}theme"), Shape::Ids);
    put("schéma", format!("{DCT}conformsTo"), Shape::Id);
    json!({ "@context": ctx })
}

/// `described`: the document says more of the object than its type (a
/// dataset's bounding-box location), so it is embedded.
fn key_for(
    predicate: &str,
    object: &Term,
    subject_types: &[String],
    described: bool,
) -> Option<(&'static str, Shape)> {
    let iri = match object {
        Term::NamedNode(n) => n.as_str(),
        _ => "",
    };
    let spatial = is(predicate, DCT, "spatial");
    if spatial && iri.starts_with(RUIAN_PREFIX) {
        return Some(("prvek_rúian", Shape::Ids));
    }
    if spatial && described {
        return Some(("prostorové_pokrytí", Shape::Nodes));
    }
    if is(predicate, DCAT, "theme") && iri.starts_with(crate::catalog::model::EUROVOC_PREFIX) {
        return Some(("koncept_euroVoc", Shape::Ids));
    }
    if is(predicate, DCT, "conformsTo") && subject_types.iter().any(|t| is(t, DCAT, "Distribution"))
    {
        return Some(("schéma", Shape::Id));
    }
    TERMS
        .iter()
        .find(|(ns, local, _, _)| is(predicate, ns, local))
        .map(|(_, _, key, shape)| (*key, *shape))
}

/// Whether `iri` is `ns` + `local`, without building the string.
fn is(iri: &str, ns: &str, local: &str) -> bool {
    iri.strip_prefix(ns) == Some(local)
}

fn expanded(term: &Term) -> Value {
    match term {
        Term::NamedNode(n) => json!({"@id": n.as_str()}),
        Term::BlankNode(b) => json!({"@id": format!("_:{}", b.as_str())}),
        Term::Literal(l) => literal_object(l),
        #[expect(
            unreachable_patterns,
            reason = "RDF-star triple terms, not in our graphs"
        )]
        _ => Value::Null,
    }
}

fn literal_object(l: &Literal) -> Value {
    match l.language() {
        Some(lang) => json!({"@value": l.value(), "@language": lang}),
        None => json!({"@value": l.value(), "@type": l.datatype().as_str()}),
    }
}

struct Graph<'a> {
    by_subject: HashMap<&'a str, Vec<&'a Triple>>,
}

impl<'a> Graph<'a> {
    fn new(triples: &'a [Triple]) -> Graph<'a> {
        let mut by_subject: HashMap<&str, Vec<&Triple>> = HashMap::new();
        for t in triples {
            if let oxigraph::model::NamedOrBlankNode::NamedNode(s) = &t.subject {
                by_subject.entry(s.as_str()).or_default().push(t);
            }
        }
        Graph { by_subject }
    }

    /// The node as a compact object; `path` guards against cycles.
    fn node(&self, iri: &str, path: &mut Vec<String>) -> Map<String, Value> {
        let mut obj = Map::new();
        obj.insert("iri".into(), json!(iri));
        let triples = self.by_subject.get(iri).cloned().unwrap_or_default();
        let rdf_type = format!("{RDF}type");
        let types: Vec<String> = triples
            .iter()
            .filter(|t| t.predicate.as_str() == rdf_type)
            .filter_map(|t| match &t.object {
                Term::NamedNode(n) => Some(n.as_str().to_string()),
                _ => None,
            })
            .collect();
        let names: Vec<Value> = types
            .iter()
            .map(|t| {
                TYPES
                    .iter()
                    .find(|(ns, local, _)| is(t, ns, local))
                    .map(|(_, _, name)| json!(name))
                    .unwrap_or_else(|| json!(t))
            })
            .collect();
        match names.len() {
            0 => {}
            1 => {
                obj.insert("typ".into(), names[0].clone());
            }
            _ => {
                obj.insert("typ".into(), Value::Array(names));
            }
        }
        path.push(iri.to_string());
        for t in triples.iter().filter(|t| t.predicate.as_str() != rdf_type) {
            let described = match &t.object {
                Term::NamedNode(n) => self
                    .by_subject
                    .get(n.as_str())
                    .is_some_and(|ts| ts.iter().any(|x| x.predicate.as_str() != rdf_type)),
                _ => false,
            };
            match key_for(t.predicate.as_str(), &t.object, &types, described) {
                Some((key, shape)) => self.put(&mut obj, key, shape, &t.object, path),
                None => {
                    let value = match &t.object {
                        // A node this document describes (a hydra view, say)
                        // is embedded, as the context's own node keys are.
                        Term::NamedNode(n)
                            if self.by_subject.contains_key(n.as_str())
                                && !path.iter().any(|p| p == n.as_str()) =>
                        {
                            Value::Object(self.node(n.as_str(), path))
                        }
                        other => expanded(other),
                    };
                    push_value(&mut obj, t.predicate.as_str(), value, false)
                }
            }
        }
        path.pop();
        obj
    }

    fn put(
        &self,
        obj: &mut Map<String, Value>,
        key: &str,
        shape: Shape,
        object: &Term,
        path: &mut Vec<String>,
    ) {
        match (shape, object) {
            (Shape::Id | Shape::Ids, Term::NamedNode(n)) => {
                push_value(obj, key, json!(n.as_str()), shape == Shape::Ids);
            }
            (Shape::Node | Shape::Nodes, Term::NamedNode(n)) => {
                let value = if self.by_subject.contains_key(n.as_str())
                    && !path.iter().any(|p| p == n.as_str())
                {
                    Value::Object(self.node(n.as_str(), path))
                } else {
                    json!(n.as_str())
                };
                push_value(obj, key, value, shape == Shape::Nodes);
            }
            (Shape::Lang | Shape::Langs, Term::Literal(l)) => {
                let lang = l.language().unwrap_or("@none").to_string();
                let map = obj
                    .entry(key.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = map {
                    push_value(map, &lang, json!(l.value()), shape == Shape::Langs);
                }
            }
            (Shape::Typed(t), Term::Literal(l)) if is(l.datatype().as_str(), XSD, t) => {
                push_value(obj, key, json!(l.value()), false);
            }
            // A value the term cannot carry (a literal where an IRI belongs,
            // say, from a harvested graph) keeps its meaning under the full IRI.
            _ => {}
        }
    }
}

/// Adds a value under a key: an array when `many` or once a second value
/// comes, a single value otherwise.
fn push_value(obj: &mut Map<String, Value>, key: &str, value: Value, many: bool) {
    match obj.get_mut(key) {
        None if many => {
            obj.insert(key.to_string(), Value::Array(vec![value]));
        }
        None => {
            obj.insert(key.to_string(), value);
        }
        Some(Value::Array(a)) => a.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
    }
}

fn with_context(node: Map<String, Value>) -> Value {
    let mut doc = Map::new();
    doc.insert("@context".into(), json!(CONTEXT));
    doc.extend(node);
    Value::Object(doc)
}

fn write_json(doc: &Value, out: impl Write) -> Result<(), AppError> {
    serde_json::to_writer(out, doc).map_err(|e| AppError::Internal(e.into()))
}

/// The dataset document: the dataset with its distributions, terms of use,
/// contact point and temporal coverage embedded.
pub fn dataset(iri: &str, triples: &[Triple], out: impl Write) -> Result<(), AppError> {
    let graph = Graph::new(triples);
    let node = graph.node(iri, &mut Vec::new());
    write_json(&with_context(node), out)
}

/// The catalog document: the catalog with its contact point and the IRIs of
/// its datasets (of one page, with the hydra view, when asked for a page).
pub fn catalog(iris: &Iris, triples: &[Triple], out: impl Write) -> Result<(), AppError> {
    let graph = Graph::new(triples);
    let mut node = graph.node(&iris.catalog(), &mut Vec::new());
    // An empty catalog still says it lists datasets (the schema wants the key).
    node.entry("datová_sada").or_insert_with(|| json!([]));
    write_json(&with_context(node), out)
}

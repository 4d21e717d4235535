//! A published dataset's record read back from the projection, so the
//! dataset page of a visitor who is not logged in needs neither the database
//! nor the blocking pool (the same fast path the dataset's RDF documents
//! take). The projection holds everything the page shows but a few facts
//! that are not RDF (the record's id for its history, the example mark, the
//! publisher's slug, the harvest source, the order of the distributions);
//! those are kept beside it as `Facts`. A test renders every page both ways
//! and compares them.

use std::collections::HashMap;
use std::sync::Arc;

use super::store::Snapshot;
use oxigraph::model::{GraphNameRef, NamedNodeRef, TermRef, TripleRef};

use super::graph::Iris;
use super::lookup::Graph;
use super::ns::{DCAT, DCT, FOAF, IANA_MEDIA_TYPES, SKOS, SPDX, VCARD};
use crate::catalog::model::{Dataset, DatasetRecord, Distribution, Publisher, RUIAN_PREFIX};
use crate::error::AppError;

/// What the page shows that the triples do not carry.
#[derive(Clone)]
pub struct Facts {
    pub id: Box<str>,
    pub is_example: bool,
    pub publisher: Arc<Publisher>,
    /// Where a harvested dataset came from.
    pub source: Option<Arc<str>>,
    /// Distribution ids in the curator's order.
    pub distributions: Box<[Box<str>]>,
    /// The last change (`dct:modified`).
    pub modified: chrono::NaiveDateTime,
}

/// A term's key in `Graph` (N-Triples form).
fn at(iri: &str) -> String {
    format!("<{iri}>")
}

/// The record as the page shows it; `None` when the projection has no such
/// published dataset.
pub fn read(
    store: &Snapshot,
    iris: &Iris,
    slug: &str,
    facts: &Facts,
) -> Result<Option<DatasetRecord>, AppError> {
    let iri = iris.dataset(slug);
    let Ok(node) = NamedNodeRef::new(&iri) else {
        return Ok(None);
    };
    let owned = super::projection::owned(store, node);
    if owned.is_empty() {
        return Ok(None);
    }
    let doc = Graph::new(owned.iter().map(|q| TripleRef::from(*q)));
    let ds = at(&iri);
    let node = |p: &str, local: &str| doc.iri(&ds, p, local);
    let mut themes = doc.iris(&ds, DCAT, "theme");
    themes.sort();
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let temporal = doc.node(&ds, DCT, "temporal");
    let contact = doc.node(&ds, DCAT, "contactPoint");
    let contact_email = contact
        .as_deref()
        .and_then(|c| doc.iri(c, VCARD, "hasEmail"))
        .map(|e| e.trim_start_matches("mailto:").to_string());
    let bbox = doc
        .iris(&ds, DCT, "spatial")
        .iter()
        .filter_map(|l| doc.literal(&at(l), DCAT, "bbox"))
        .find_map(|wkt| super::graph::bbox_from_wkt(&wkt));
    let identifier = doc.literal(&ds, DCT, "identifier");
    // A distribution the store does not hold (the facts and the store are
    // replaced one after the other) is left out rather than shown empty.
    let distributions = facts
        .distributions
        .iter()
        .map(|id| (at(&iris.distribution(slug, id)), id))
        .filter(|(key, _)| doc.has(key))
        .enumerate()
        .map(|(i, (key, id))| distribution(&doc, &key, id, i, facts))
        .collect();
    Ok(Some(DatasetRecord {
        dataset: Dataset {
            id: facts.id.to_string(),
            slug: slug.to_string(),
            publisher_id: facts.publisher.id.clone(),
            status: crate::catalog::model::DatasetStatus::Published,
            title_cs: doc.text(&ds, DCT, "title", "cs").unwrap_or_default(),
            title_en: doc.text(&ds, DCT, "title", "en"),
            description_cs: doc.text(&ds, DCT, "description", "cs").unwrap_or_default(),
            description_en: doc.text(&ds, DCT, "description", "en"),
            frequency_iri: node(DCT, "accrualPeriodicity").unwrap_or_default(),
            spatial_iri: doc
                .iris(&ds, DCT, "spatial")
                .into_iter()
                .find(|s| s.starts_with(RUIAN_PREFIX))
                .unwrap_or_default(),
            temporal_start: temporal
                .as_deref()
                .and_then(|t| doc.literal(t, DCAT, "startDate")),
            temporal_end: temporal
                .as_deref()
                .and_then(|t| doc.literal(t, DCAT, "endDate")),
            contact_name: contact
                .as_deref()
                .filter(|_| contact_email.is_some())
                .and_then(|c| doc.text(c, VCARD, "fn", "cs")),
            contact_email,
            documentation_url: node(FOAF, "page"),
            is_example: facts.is_example,
            withdrawn_reason: None,
            published_at: doc
                .literal(&ds, DCT, "issued")
                .and_then(|t| chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%SZ").ok()),
            origin_iri: identifier.filter(|i| *i != iri),
            harvest_source_id: None,
            conforms_to: node(DCT, "conformsTo"),
            bbox_west: bbox.map(|b| b[0]),
            bbox_south: bbox.map(|b| b[1]),
            bbox_east: bbox.map(|b| b[2]),
            bbox_north: bbox.map(|b| b[3]),
        },
        themes,
        keywords_cs: sorted(doc.texts(&ds, DCAT, "keyword", "cs")),
        keywords_en: sorted(doc.texts(&ds, DCAT, "keyword", "en")),
        distributions,
    }))
}

/// The terms of use are not on the page and not read: their fields stay
/// empty.
fn distribution(doc: &Graph<'_>, key: &str, id: &str, i: usize, facts: &Facts) -> Distribution {
    let service = doc.node(key, DCAT, "accessService");
    let of_service = |ns: &str, local: &str| service.as_deref().and_then(|s| doc.iri(s, ns, local));
    Distribution {
        id: id.to_string(),
        dataset_id: facts.id.to_string(),
        position: i as i32 + 1,
        title_cs: doc.text(key, DCT, "title", "cs").unwrap_or_default(),
        title_en: doc.text(key, DCT, "title", "en"),
        download_url: doc.iri(key, DCAT, "downloadURL"),
        access_url: doc.iri(key, DCAT, "accessURL").unwrap_or_default(),
        media_type: doc
            .iri(key, DCAT, "mediaType")
            .map(|m| m.trim_start_matches(IANA_MEDIA_TYPES).to_string())
            .unwrap_or_default(),
        format_iri: doc.iri(key, DCT, "format").unwrap_or_default(),
        byte_size: doc
            .literal(key, DCAT, "byteSize")
            .and_then(|b| b.parse().ok()),
        licence_iri: doc.iri(key, DCT, "license"),
        tou_author_work: String::new(),
        tou_db_author_work: String::new(),
        tou_db_sui_generis: String::new(),
        tou_personal_data: String::new(),
        conforms_to: doc.iri(key, DCT, "conformsTo"),
        service_endpoint_url: of_service(DCAT, "endpointURL"),
        service_description_url: of_service(DCAT, "endpointDescription"),
        service_conforms_to: of_service(DCT, "conformsTo"),
        // Not in the RDF; the public page does not show it (only the
        // curator's, which is read from the database).
        managed_by: None,
        checksum_sha256: doc
            .node(key, SPDX, "checksum")
            .and_then(|n| doc.literal(&n, SPDX, "checksumValue")),
    }
}

/// The labels of these vocabulary IRIs in one language, from the concepts'
/// `skos:prefLabel` in the catalog graph.
pub fn labels<'a>(
    store: &Snapshot,
    iris: &Iris,
    concepts: impl IntoIterator<Item = &'a str>,
    english: bool,
) -> HashMap<String, String> {
    let graph = iris.catalog();
    let lang = if english { "en" } else { "cs" };
    let pref_label = format!("{SKOS}prefLabel");
    let pref = NamedNodeRef::new_unchecked(&pref_label);
    concepts
        .into_iter()
        .filter_map(|c| {
            let subject = NamedNodeRef::new_unchecked(c);
            let label = store
                .quads_for_pattern(
                    Some(subject.into()),
                    Some(pref),
                    None,
                    Some(GraphNameRef::NamedNode(NamedNodeRef::new_unchecked(&graph))),
                )
                .find_map(|q| match q.object {
                    TermRef::Literal(l) if l.language() == Some(lang) => {
                        Some(l.value().to_string())
                    }
                    _ => None,
                })?;
            Some((c.to_string(), label))
        })
        .collect()
}

//! The RDF documents the catalog serves, read from the projection: the
//! catalog (paged), one dataset with its distributions, and the full dump.

use std::io::Write;

use oxigraph::io::RdfSerializer;
use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNodeRef, Term, TermRef, Triple};

use super::format::Format;
use super::graph::Iris;
use super::ns::{DCAT, DCT, HYDRA, PREFIXES, PU, RDF};
use super::store::Snapshot;
use crate::error::AppError;

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("RDF document: {e}"))
}

fn named(iri: &str) -> Result<NamedNode, AppError> {
    NamedNode::new(iri).map_err(internal)
}

/// The dataset's complete record: what it owns (dataset, distributions,
/// contact point, period), the terms-of-use specifications and the publisher
/// it names in full, and the types of the other things it points to, so one
/// request gives a harvester everything. `None` when the projection has no
/// such published dataset.
/// How much of what a dataset points to outside itself a document carries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Refs {
    /// The publisher and terms of use in full, the type of everything else:
    /// a document that stands alone (Turtle, RDF/XML, N-Triples).
    All,
    /// Without the types of nodes named by IRI only, which the compact
    /// JSON-LD has no room for (but a licence's: dct:license has no key in
    /// the context, so the licence shows as a typed node).
    Compact,
    /// Only what the dataset owns: the page, which takes the publisher from
    /// elsewhere and does not show the terms of use.
    None,
}

pub fn dataset(
    store: &Snapshot,
    iris: &Iris,
    slug: &str,
    refs: Refs,
) -> Result<Option<Vec<Triple>>, AppError> {
    let iri = named(&iris.dataset(slug))?;
    let owned = super::projection::owned(store, iri.as_ref());
    if owned.is_empty() {
        return Ok(None);
    }
    let cat = named(&iris.catalog())?;
    let mut triples: Vec<Triple> = vec![Triple::new(
        cat,
        named(&format!("{DCAT}dataset"))?,
        iri.clone(),
    )];
    let rdf_type = named(&format!("{RDF}type"))?;
    // What the dataset points to outside itself, each node once: the
    // publisher and terms of use in full, the rest by type only; without
    // `types`, only the licences' type (the JSON-LD has no key for
    // dct:license, so it shows the licence as a typed node).
    let mut referenced: Vec<(NamedNode, bool, bool)> = Vec::new();
    for q in owned {
        let t = Triple::from(q.into_owned());
        if let Term::NamedNode(o) = &t.object {
            // The dataset itself (a data service's `servesDataset`) is its
            // own too, so its type is not listed twice.
            let own = o
                .as_str()
                .strip_prefix(iri.as_str())
                .is_some_and(|r| r.is_empty() || r.starts_with('/') || r.starts_with('#'));
            if !own && t.predicate != rdf_type {
                let p = t.predicate.as_str();
                let full = p.strip_prefix(DCT) == Some("publisher")
                    || p.strip_prefix(PU) == Some("specifikace");
                let wanted = match refs {
                    Refs::All => true,
                    Refs::Compact => full || p.strip_prefix(DCT) == Some("license"),
                    Refs::None => false,
                };
                match referenced.iter_mut().find(|(n, _, _)| n == o) {
                    Some(entry) => {
                        entry.1 |= full;
                        entry.2 |= wanted;
                    }
                    None => referenced.push((o.clone(), full, wanted)),
                }
            }
        }
        triples.push(t);
    }
    for (node, full, _) in referenced.into_iter().filter(|(_, _, wanted)| *wanted) {
        let predicate = (!full).then_some(rdf_type.as_ref());
        triples.extend(
            store
                .quads_for_pattern(Some(node.as_ref().into()), predicate, None, None)
                .map(|q| Triple::from(q.into_owned())),
        );
    }
    Ok(Some(triples))
}

/// One page of the catalog: the catalog graph (catalog, publishers, the
/// concepts it uses) and the IRIs of its datasets on that page, with a hydra
/// view to the neighbouring pages when the catalog has more than one.
pub fn catalog(
    store: &Snapshot,
    iris: &Iris,
    page: usize,
    per_page: usize,
    document_url: &str,
) -> Result<Vec<Triple>, AppError> {
    let cat = named(&iris.catalog())?;
    let mut triples: Vec<Triple> = store
        .quads_for_pattern(
            None,
            None,
            None,
            Some(GraphNameRef::NamedNode(cat.as_ref())),
        )
        .map(|q| Triple::from(q.into_owned()))
        .collect();
    let has_dataset = named(&format!("{DCAT}dataset"))?;
    let mut all: Vec<String> = store
        .quads_for_pattern(
            Some(NamedOrBlankNodeRef::from(cat.as_ref())),
            Some(has_dataset.as_ref()),
            None,
            None,
        )
        .filter_map(|q| match q.object {
            TermRef::NamedNode(n) => Some(n.as_str().to_string()),
            _ => None,
        })
        .collect();
    all.sort_unstable();
    let pages = all.len().div_ceil(per_page).max(1);
    let page = page.clamp(1, pages);
    for d in all.iter().skip((page - 1) * per_page).take(per_page) {
        triples.push(Triple::new(cat.clone(), has_dataset.clone(), named(d)?));
    }
    if pages > 1 {
        let view = named(&page_url(document_url, page, per_page))?;
        let typ = named(&format!("{RDF}type"))?;
        let hydra = |local: &str| named(&format!("{HYDRA}{local}"));
        triples.push(Triple::new(
            view.clone(),
            typ,
            hydra("PartialCollectionView")?,
        ));
        triples.push(Triple::new(cat.clone(), hydra("view")?, view.clone()));
        let mut link = |rel: &str, p: usize| -> Result<(), AppError> {
            triples.push(Triple::new(
                view.clone(),
                hydra(rel)?,
                named(&page_url(document_url, p, per_page))?,
            ));
            Ok(())
        };
        link("first", 1)?;
        link("last", pages)?;
        if page > 1 {
            link("previous", page - 1)?;
        }
        if page < pages {
            link("next", page + 1)?;
        }
    }
    Ok(triples)
}

pub fn page_url(document_url: &str, page: usize, per_page: usize) -> String {
    format!("{document_url}?page={page}&per_page={per_page}")
}

/// Writes triples with the usual prefixes (Turtle, RDF/XML) or plainly.
pub fn write(format: Format, triples: &[Triple], out: impl Write) -> Result<(), AppError> {
    let mut serializer = RdfSerializer::from_format(format.rdf_format());
    for (prefix, iri) in PREFIXES {
        serializer = serializer.with_prefix(prefix, iri).map_err(internal)?;
    }
    let mut w = serializer.for_writer(out);
    for t in triples {
        w.serialize_triple(t).map_err(internal)?;
    }
    w.finish().map_err(internal)?;
    Ok(())
}

/// Streams every triple of the projection into `out` (the dump): the store
/// is read quad by quad, so the document is never whole in memory.
pub fn dump(store: &Snapshot, format: Format, out: impl Write) -> std::io::Result<u64> {
    let mut serializer = RdfSerializer::from_format(format.rdf_format());
    for (prefix, iri) in PREFIXES {
        serializer = serializer
            .with_prefix(prefix, iri)
            .map_err(std::io::Error::other)?;
    }
    let mut w = serializer.for_writer(out);
    let mut n = 0;
    for q in store.iter() {
        w.serialize_triple(q)?;
        n += 1;
    }
    w.finish()?;
    Ok(n)
}

//! What a change in the audit log means to the catalog's views (its list
//! index here, the RDF projection in `dcat`).

use std::collections::BTreeSet;

use crate::audit::follow::Changes;

/// Object types whose change redoes what is derived from the catalog as a
/// whole (its record, its publishers, its vocabularies).
pub const CATALOG_TYPES: [&str; 3] = ["catalog", "publisher", "vocab_concept"];
/// Every object type a catalog view follows.
pub const FOLLOWED: &[&str] = &["catalog", "publisher", "vocab_concept", "dataset"];
/// Past this many changed datasets, one rebuild is cheaper than redoing each.
const REBUILD_ABOVE: usize = 2_000;

#[derive(Debug, Default)]
pub struct CatalogChanges {
    /// Start over.
    pub rebuild: bool,
    /// The catalog record, a publisher or a vocabulary concept changed.
    pub catalog: bool,
    /// Ids of the datasets that changed, in any way (including status).
    pub datasets: BTreeSet<String>,
}

pub fn of(changes: &Changes) -> CatalogChanges {
    let datasets = changes.ids_of("dataset");
    CatalogChanges {
        rebuild: changes.rebuild || datasets.len() > REBUILD_ABOVE,
        catalog: changes.touches(&CATALOG_TYPES),
        datasets,
    }
}

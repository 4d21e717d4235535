//! The open data catalog: catalog record, publishers, vocabularies.
//! (Datasets and distributions arrive with the DCAT issue.)

pub mod curation;
pub mod datasets;
pub mod editing;
pub mod listing;
pub mod model;
pub mod routes;
pub mod seed;
pub mod store;

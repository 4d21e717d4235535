//! The open data catalog: the catalog record, publishers, vocabularies,
//! datasets and their distributions. The pattern every domain with writes
//! copies (see `src/README.md`): `model` (types, lifecycle), `input` (the one
//! validator), `forms` (HTML forms), `service` (policy and write path),
//! `store` (queries), `routes` and `curation` (thin handlers).

pub mod curation;
pub mod forms;
pub mod input;
pub mod listing;
pub mod model;
pub mod routes;
pub mod seed;
pub mod service;
pub mod store;

use crate::audit::registry::{ObjectKind, Publicity, Registry};

/// The catalog's object types in the audit log: its record, publishers and
/// vocabularies are public data; a dataset's history is public from its
/// first publication.
pub fn register_audit(audit: &mut Registry) {
    for name in ["catalog", "publisher", "vocab_concept"] {
        audit.register(ObjectKind {
            name,
            publicity: Publicity::Public,
        });
    }
    audit.register(ObjectKind {
        name: "dataset",
        publicity: Publicity::From(store::history_public_since),
    });
}

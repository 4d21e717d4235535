//! The open data catalog: the catalog record, publishers, vocabularies,
//! datasets and their distributions. The pattern every domain with writes
//! copies (see `src/README.md`): `model` (types, lifecycle), `input` (the one
//! validator), `forms` (HTML forms), `service` (policy and write path),
//! `store` (queries), `routes` and `curation` (thin handlers).

pub mod changes;
pub mod curation;
pub mod forms;
pub mod input;
pub mod listing;
pub mod model;
pub mod publisher_admin;
pub mod routes;
pub mod seed;
pub mod service;
pub mod store;

use std::collections::HashMap;
use std::sync::Arc;

use crate::audit::registry::{ObjectKind, Publicity, Registry};
use crate::db::DbConnection;
use crate::error::AppError;

/// A published dataset as a view outside the catalog holds it in memory
/// (the RDF projection in `dcat` registers itself as this): the public page
/// reads from it without the database when it is fresh. The catalog does
/// not know who implements it.
pub struct PublishedPage {
    pub record: model::DatasetRecord,
    pub publisher: Arc<model::Publisher>,
    /// Where a harvested dataset came from.
    pub source: Option<String>,
    /// Labels of the vocabulary terms it uses, in the page's language.
    pub labels: HashMap<String, String>,
    /// Its last change.
    pub modified: Option<chrono::NaiveDateTime>,
}

pub trait PublishedPages: Send + Sync {
    /// Makes the view fresh, with one database read however many requests
    /// ask at once.
    fn refresh<'a>(
        &'a self,
        pool: &'a crate::db::Pool,
    ) -> futures_util::future::LocalBoxFuture<'a, Result<(), AppError>>;
    /// The page of a published dataset, when the view was caught up less
    /// than a moment ago and holds it; `None` sends the reader to the
    /// database.
    fn fresh_page(&self, slug: &str, english: bool) -> Result<Option<PublishedPage>, AppError>;
    /// Catches the view up (a database read keeps it fresh for the next
    /// visitors).
    fn keep_fresh(&self, conn: &mut DbConnection) -> Result<(), AppError>;
    /// Where the harvest source `id` reads from.
    fn source_location(
        &self,
        conn: &mut DbConnection,
        id: &str,
    ) -> Result<Option<String>, AppError>;
}

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
    // Where a harvest reads from (a location may hold credentials).
    audit.register(ObjectKind {
        name: "harvest_source",
        publicity: Publicity::Private,
    });
}

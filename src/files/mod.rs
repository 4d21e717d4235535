//! Files: a distribution can be a file the portal stores. Curators upload
//! it (form or streamed API body) and replace it with new versions behind
//! the same download URL; citizens download it (ETag, Range, gzip) and
//! preview a table; developers query the table through a JSON API.
//!
//! Reads the catalog (datasets and their distributions) and writes a
//! dataset only through the catalog's store, inside the audited
//! transaction of its own write path (`service`).

pub mod model;
pub mod query;
pub mod routes;
pub mod seed;
pub mod service;
pub mod storage;
pub mod store;
pub mod table;
pub mod xlsx;

/// At start: removes what an interrupted upload left behind.
pub fn sweep(
    conn: &mut crate::db::DbConnection,
    data_dir: &std::path::Path,
) -> anyhow::Result<usize> {
    let referenced = store::all_hashes(conn)?;
    Ok(storage::Storage::new(data_dir).sweep(&referenced)?)
}

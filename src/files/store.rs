//! Queries of the files domain: versions and imported tables. Nothing
//! here decides who may do what.

use diesel::prelude::*;
use diesel::result::OptionalExtension;

use super::model::FileVersion;
use super::table::Field;
use crate::db::DbConnection;
use crate::db::schema::{data_tables, file_versions};

/// A distribution's versions, newest first.
pub fn versions(conn: &mut DbConnection, distribution_id: &str) -> QueryResult<Vec<FileVersion>> {
    file_versions::table
        .filter(file_versions::distribution_id.eq(distribution_id))
        .order(file_versions::version.desc())
        .select(FileVersion::as_select())
        .load(conn)
}

/// One version, or the newest when `version` is `None`.
pub fn version(
    conn: &mut DbConnection,
    distribution_id: &str,
    version: Option<i32>,
) -> QueryResult<Option<FileVersion>> {
    let q = file_versions::table
        .filter(file_versions::distribution_id.eq(distribution_id))
        .select(FileVersion::as_select());
    match version {
        Some(v) => q
            .filter(file_versions::version.eq(v))
            .first(conn)
            .optional(),
        None => q
            .order(file_versions::version.desc())
            .first(conn)
            .optional(),
    }
}

pub fn insert_version(conn: &mut DbConnection, v: &FileVersion) -> QueryResult<()> {
    diesel::insert_into(file_versions::table)
        .values(v)
        .execute(conn)
        .map(|_| ())
}

/// Deletes a distribution's versions; answers the hashes they named.
pub fn delete_versions(conn: &mut DbConnection, distribution_id: &str) -> QueryResult<Vec<String>> {
    let hashes: Vec<String> = file_versions::table
        .filter(file_versions::distribution_id.eq(distribution_id))
        .select(file_versions::sha256)
        .distinct()
        .load(conn)?;
    diesel::delete(file_versions::table.filter(file_versions::distribution_id.eq(distribution_id)))
        .execute(conn)?;
    Ok(hashes)
}

/// Whether any version still names these bytes.
pub fn is_referenced(conn: &mut DbConnection, sha256: &str) -> QueryResult<bool> {
    let n: i64 = file_versions::table
        .filter(file_versions::sha256.eq(sha256))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Every stored file's hash, for the sweep at start.
pub fn all_hashes(conn: &mut DbConnection) -> QueryResult<std::collections::HashSet<String>> {
    Ok(file_versions::table
        .select(file_versions::sha256)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// An imported table: which file version and sheet it holds, its columns.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::data_tables)]
pub struct DataTable {
    pub id: String,
    pub distribution_id: String,
    pub file_version: i32,
    pub sheet: i32,
    pub sheet_name: Option<String>,
    pub table_name: String,
    /// The columns as JSON (`Vec<Field>`).
    pub fields: String,
    pub row_count: i64,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub imported_at: chrono::NaiveDateTime,
}

impl DataTable {
    pub fn fields(&self) -> Vec<Field> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }
}

/// A distribution's tables (one per sheet), first sheet first.
pub fn tables(conn: &mut DbConnection, distribution_id: &str) -> QueryResult<Vec<DataTable>> {
    data_tables::table
        .filter(data_tables::distribution_id.eq(distribution_id))
        .order(data_tables::sheet.asc())
        .select(DataTable::as_select())
        .load(conn)
}

/// Puts `new` in the place of the distribution's tables; answers the
/// names of the tables it replaced (to drop after the commit).
pub fn replace_tables(
    conn: &mut DbConnection,
    distribution_id: &str,
    new: &[DataTable],
) -> QueryResult<Vec<String>> {
    let old: Vec<String> = data_tables::table
        .filter(data_tables::distribution_id.eq(distribution_id))
        .select(data_tables::table_name)
        .load(conn)?;
    diesel::delete(data_tables::table.filter(data_tables::distribution_id.eq(distribution_id)))
        .execute(conn)?;
    for t in new {
        diesel::insert_into(data_tables::table)
            .values(t)
            .execute(conn)?;
    }
    Ok(old)
}

//! The one place that names a backend: what `MultiConnection` cannot express.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::DbConnection;

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
pub struct ColumnInfo {
    #[diesel(sql_type = Text)]
    pub table_name: String,
    #[diesel(sql_type = Text)]
    pub column_name: String,
}

/// Every user table and column, sorted, without the migration bookkeeping.
pub fn columns(conn: &mut DbConnection) -> QueryResult<Vec<ColumnInfo>> {
    let mut cols = match conn {
        DbConnection::Pg(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations'",
        )
        .load::<ColumnInfo>(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
             AND m.name <> '__diesel_schema_migrations'",
        )
        .load::<ColumnInfo>(c)?,
    };
    cols.sort();
    Ok(cols)
}

pub fn backend_name(conn: &DbConnection) -> &'static str {
    match conn {
        DbConnection::Pg(_) => "postgresql",
        DbConnection::Sqlite(_) => "sqlite",
    }
}

/// Refreshes the planner's statistics. SQLite has none until asked, and
/// without them it drives the catalog list from the status index (every
/// dataset is published) instead of the selective filter; PostgreSQL's
/// autovacuum keeps its own.
pub fn analyze(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query("ANALYZE").execute(c).map(|_| ()),
        DbConnection::Pg(_) => Ok(()),
    }
}

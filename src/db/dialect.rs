//! The one place that names a backend: what `MultiConnection` cannot express.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::DbConnection;

/// One column as both backends can describe it: its table, name, type (in
/// one vocabulary: text, integer, bigint, boolean, double, timestamp) and
/// whether it takes NULL.
#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
pub struct ColumnInfo {
    #[diesel(sql_type = Text)]
    pub table_name: String,
    #[diesel(sql_type = Text)]
    pub column_name: String,
    #[diesel(sql_type = Text)]
    pub data_type: String,
    #[diesel(sql_type = Text)]
    pub is_nullable: String,
}

/// The backends' type names in one vocabulary (`BIGINT` and `int8`,
/// `DOUBLE PRECISION` and `REAL`, `TIMESTAMP` and `timestamp without time
/// zone` are the same column to the code).
fn kind(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let k = if t.contains("bigint") || t == "int8" {
        "bigint"
    } else if t.contains("int") {
        "integer"
    } else if t.contains("bool") {
        "boolean"
    } else if t.contains("double") || t.contains("real") || t.contains("float") {
        "double"
    } else if t.contains("timestamp") {
        "timestamp"
    } else if t.contains("text") || t.contains("char") {
        "text"
    } else {
        return t;
    };
    k.to_string()
}

/// Every user table and column, sorted, without the migration bookkeeping.
pub fn columns(conn: &mut DbConnection) -> QueryResult<Vec<ColumnInfo>> {
    let mut cols = match conn {
        DbConnection::Pg(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             data_type::text AS data_type, is_nullable::text AS is_nullable \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations'",
        )
        .load::<ColumnInfo>(c)?,
        // A primary key column takes no NULL in PostgreSQL whatever it says;
        // SQLite reports it as it was declared.
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
             CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 'NO' ELSE 'YES' END AS is_nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
             AND m.name <> '__diesel_schema_migrations'",
        )
        .load::<ColumnInfo>(c)?,
    };
    for c in &mut cols {
        c.data_type = kind(&c.data_type);
    }
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

/// Writes a consistent copy of an SQLite database to `path` (a new file),
/// from one snapshot, while other connections go on writing.
pub fn vacuum_into(conn: &mut DbConnection, path: &str) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(path)
            .execute(c)
            .map(|_| ()),
        DbConnection::Pg(_) => Err(diesel::result::Error::QueryBuilderError(
            "VACUUM INTO is SQLite's".into(),
        )),
    }
}

/// A value bound into a statement whose shape is known only at run time
/// (the tables of imported files): its SQL type goes with it, as
/// PostgreSQL types a NULL by its parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bind<'a> {
    Int(Option<i64>),
    Num(Option<f64>),
    Text(Option<&'a str>),
}

/// The column types of those tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Int,
    Num,
    Text,
}

pub fn column_type(conn: &DbConnection, t: ColumnType) -> &'static str {
    match (conn, t) {
        (DbConnection::Pg(_), ColumnType::Int) => "BIGINT",
        (DbConnection::Pg(_), ColumnType::Num) => "DOUBLE PRECISION",
        (DbConnection::Sqlite(_), ColumnType::Int) => "INTEGER",
        (DbConnection::Sqlite(_), ColumnType::Num) => "REAL",
        (_, ColumnType::Text) => "TEXT",
    }
}

/// A row's columns as one JSON array text, the shape `load_texts` reads
/// whatever the table's columns are.
pub fn json_row(conn: &DbConnection, columns: &[String]) -> String {
    match conn {
        DbConnection::Pg(_) => format!("json_build_array({})::text", columns.join(", ")),
        DbConnection::Sqlite(_) => format!("json_array({})", columns.join(", ")),
    }
}

/// `?` placeholders as the backend writes them (`$1`, `$2`, … for
/// PostgreSQL). The statements passed here hold no literal `?`: every
/// value is a bind.
fn placeholders(conn: &DbConnection, sql: &str) -> String {
    match conn {
        DbConnection::Sqlite(_) => sql.to_string(),
        DbConnection::Pg(_) => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(ch);
                }
            }
            out
        }
    }
}

macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        use diesel::sql_types::{BigInt, Double, Nullable};
        let mut q = $query;
        for b in $binds {
            q = match *b {
                Bind::Int(v) => q.bind::<Nullable<BigInt>, _>(v),
                Bind::Num(v) => q.bind::<Nullable<Double>, _>(v),
                Bind::Text(v) => q.bind::<Nullable<Text>, _>(v),
            };
        }
        q
    }};
}

/// The two-argument minimum and maximum functions (SQLite's scalar `min`
/// and `max`, PostgreSQL's `LEAST` and `GREATEST`).
pub fn least_greatest(conn: &DbConnection) -> (&'static str, &'static str) {
    match conn {
        DbConnection::Sqlite(_) => ("min", "max"),
        DbConnection::Pg(_) => ("LEAST", "GREATEST"),
    }
}

/// Runs a statement with run-time binds (`?` placeholders).
pub fn execute(conn: &mut DbConnection, sql: &str, binds: &[Bind<'_>]) -> QueryResult<usize> {
    let sql = placeholders(conn, sql);
    match conn {
        DbConnection::Sqlite(c) => bind_all!(
            diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>(),
            binds
        )
        .execute(c),
        DbConnection::Pg(c) => {
            bind_all!(diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>(), binds).execute(c)
        }
    }
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    t: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows of a query with run-time binds, on either backend.
pub fn load_by_name<T>(
    conn: &mut DbConnection,
    sql: &str,
    binds: &[Bind<'_>],
) -> QueryResult<Vec<T>>
where
    T: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
{
    let sql = placeholders(conn, sql);
    match conn {
        DbConnection::Sqlite(c) => bind_all!(
            diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>(),
            binds
        )
        .load(c),
        DbConnection::Pg(c) => {
            bind_all!(diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>(), binds).load(c)
        }
    }
}

/// A query with run-time binds whose one column is text named `t`.
pub fn load_texts(
    conn: &mut DbConnection,
    sql: &str,
    binds: &[Bind<'_>],
) -> QueryResult<Vec<String>> {
    let rows: Vec<TextRow> = load_by_name(conn, sql, binds)?;
    Ok(rows.into_iter().map(|r| r.t).collect())
}

/// A query with run-time binds whose one column is a count named `n`.
pub fn load_count(conn: &mut DbConnection, sql: &str, binds: &[Bind<'_>]) -> QueryResult<i64> {
    let rows: Vec<CountRow> = load_by_name(conn, sql, binds)?;
    Ok(rows.first().map_or(0, |r| r.n))
}

/// Drops tables made at run time (an imported file's), ignoring those
/// already gone: a failed drop leaves only an unnamed table behind.
pub fn drop_tables<'a>(conn: &mut DbConnection, names: impl IntoIterator<Item = &'a str>) {
    for name in names {
        if let Err(e) = execute(conn, &format!("DROP TABLE IF EXISTS {name}"), &[]) {
            log::warn!("dropping {name}: {e}");
        }
    }
}

/// Most values one statement may bind (SQLite's limit is 32,766,
/// PostgreSQL's 65,535).
pub const MAX_BINDS: usize = 30_000;

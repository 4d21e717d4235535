use radnice::db::{self, dialect};

use crate::support::TestDb;

/// The tables and columns both backends must end up with, as the SQLite
/// migration defines them; the PostgreSQL run compares against it.
fn sqlite_reference() -> Vec<dialect::ColumnInfo> {
    dialect::columns(&mut TestDb::sqlite_only().connect()).expect("columns")
}

#[actix_web::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let db = TestDb::new();
    let mut conn = db.connect();
    let mine = dialect::columns(&mut conn).expect("columns");
    let reference = sqlite_reference();
    assert!(
        mine.len() > 50,
        "expected the whole schema, got {} columns",
        mine.len()
    );
    // Only the columns that differ, so that a failure names them.
    let fmt = |c: &dialect::ColumnInfo| {
        format!(
            "{}.{} {} {}",
            c.table_name,
            c.column_name,
            c.data_type,
            if c.is_nullable == "YES" {
                "NULL"
            } else {
                "NOT NULL"
            }
        )
    };
    let only_here: Vec<String> = mine
        .iter()
        .filter(|c| !reference.contains(c))
        .map(fmt)
        .collect();
    let only_sqlite: Vec<String> = reference
        .iter()
        .filter(|c| !mine.contains(c))
        .map(fmt)
        .collect();
    assert!(
        only_here.is_empty() && only_sqlite.is_empty(),
        "the {} schema differs from the SQLite schema:\n  {} has {:?}\n  SQLite has {:?}",
        dialect::backend_name(&conn),
        dialect::backend_name(&conn),
        only_here,
        only_sqlite
    );
}

#[actix_web::test]
async fn migrations_go_up_down_and_up_again() {
    let db = TestDb::new();
    let mut conn = db.connect();
    let before = dialect::columns(&mut conn).expect("columns");
    db::revert_all(&mut conn).expect("down");
    assert!(
        dialect::columns(&mut conn).expect("columns").is_empty(),
        "down leaves tables behind"
    );
    db::migrate(&mut conn).expect("up again");
    assert_eq!(dialect::columns(&mut conn).expect("columns"), before);
}

#[test]
fn an_unreachable_database_is_one_clear_error() {
    let target = db::DbTarget::from_config(
        Some("postgres://nobody@127.0.0.1:1/none"),
        std::path::Path::new("."),
    )
    .expect("target");
    let err = db::connect(&target).expect_err("must fail").to_string();
    assert!(
        err.starts_with("cannot connect to the database postgres://nobody@127.0.0.1:1/none"),
        "{err}"
    );
    assert!(!err.contains('\n'), "one line: {err}");
}

#[test]
fn database_urls_with_other_schemes_are_refused() {
    let err = db::DbTarget::from_config(Some("mysql://x@y/z"), std::path::Path::new("."))
        .expect_err("refused");
    assert!(err.contains("postgres://"), "{err}");
}

#[test]
fn passwords_in_database_urls_are_not_printed() {
    let t = db::DbTarget::from_config(Some("postgres://u:secret@h/db"), std::path::Path::new("."))
        .expect("t");
    assert!(!t.describe().contains("secret"));
}

#[test]
fn stored_times_have_the_precision_both_backends_keep() {
    use chrono::Timelike;
    for _ in 0..100 {
        assert_eq!(db::now().nanosecond() % 1000, 0);
    }
}

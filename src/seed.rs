//! Loads the seed content in `catalog/`: every file is parsed and checked
//! first, then everything is written in one transaction. A bad file names
//! its path, line and field, and nothing is half-loaded. Running it twice
//! changes nothing (and writes no audit rows).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::audit::{self, Actor};
use crate::db::DbConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SeedError {}

pub struct SeedFile {
    pub path: PathBuf,
    pub text: String,
}

impl SeedFile {
    pub fn read(path: &Path) -> Result<SeedFile, SeedError> {
        let text = std::fs::read_to_string(path).map_err(|e| SeedError {
            file: path.to_path_buf(),
            line: None,
            column: None,
            field: None,
            message: format!("cannot read: {e}"),
        })?;
        Ok(SeedFile {
            path: path.to_path_buf(),
            text,
        })
    }

    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, SeedError> {
        toml::from_str(&self.text).map_err(|e| {
            let message = e.message().trim().to_string();
            let (line, column, key) = match e.span() {
                Some(span) => {
                    let (l, c) = self.line_col(span.start);
                    (Some(l), Some(c), self.key_on_line(l))
                }
                None => (None, None, None),
            };
            // serde names a missing field in its message; otherwise the key
            // on the line the parser pointed at is the field.
            let field = backticked(&message).or(key);
            SeedError {
                file: self.path.clone(),
                line,
                column,
                field,
                message,
            }
        })
    }

    pub fn error_at(
        &self,
        span: Range<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> SeedError {
        let (line, column) = self.line_col(span.start);
        SeedError {
            file: self.path.clone(),
            line: Some(line),
            column: Some(column),
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before
            .rsplit('\n')
            .next()
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        (line, col)
    }

    fn key_on_line(&self, line: usize) -> Option<String> {
        let text = self.text.lines().nth(line.checked_sub(1)?)?;
        let (key, _) = text.split_once('=')?;
        let key = key.trim().trim_matches('"');
        (!key.is_empty() && !key.contains(' ')).then(|| key.to_string())
    }
}

fn backticked(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let end = msg[start..].find('`')? + start;
    Some(msg[start..end].to_string())
}

/// The `*.toml` files of a seed subdirectory, sorted; none when it is absent
/// (unless `required`, when a missing directory is the error).
pub fn toml_files(dir: &Path, required: bool) -> Result<Vec<PathBuf>, SeedError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(_) if !required => return Ok(Vec::new()),
        Err(e) => {
            return Err(SeedError {
                file: dir.to_path_buf(),
                line: None,
                column: None,
                field: None,
                message: format!("cannot list: {e}"),
            });
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Everything the seed directory holds, parsed and checked.
pub struct SeedSet {
    pub catalog: crate::catalog::seed::CatalogSeed,
    pub strategies: Vec<crate::strategy::seed::StrategySeed>,
}

pub fn load(dir: &Path) -> Result<SeedSet, SeedError> {
    if !dir.is_dir() {
        return Err(SeedError {
            file: dir.to_path_buf(),
            line: None,
            column: None,
            field: None,
            message: "the seed directory does not exist".to_string(),
        });
    }
    let catalog = crate::catalog::seed::load(dir)?;
    let strategies = crate::strategy::seed::load(dir, &catalog)?;
    Ok(SeedSet {
        catalog,
        strategies,
    })
}

/// Writes the set in one transaction; returns how many objects changed.
/// `base` is the public base URL the strategies' open data links to.
pub fn apply(conn: &mut DbConnection, set: &SeedSet, base: &str) -> anyhow::Result<u64> {
    let actor = Actor::system("seed");
    let changes = audit::write_tx(conn, |c| -> Result<u64, diesel::result::Error> {
        let before = audit_seq(c)?;
        crate::catalog::seed::apply(c, &actor, &set.catalog)?;
        for s in &set.strategies {
            crate::strategy::seed::apply(c, &actor, s, base)?;
        }
        Ok((audit_seq(c)? - before) as u64)
    })?;
    Ok(changes)
}

fn audit_seq(c: &mut DbConnection) -> diesel::QueryResult<i64> {
    use crate::db::schema::audit_head;
    use diesel::prelude::*;
    audit_head::table.select(audit_head::seq).first(c)
}

pub fn run(conn: &mut DbConnection, dir: &Path, base: &str) -> anyhow::Result<u64> {
    let set = load(dir).map_err(|e| anyhow::anyhow!("seed error: {e}"))?;
    apply(conn, &set, base)
}

/// Whether the database has never been seeded (no catalog record yet).
pub fn is_empty(conn: &mut DbConnection) -> diesel::QueryResult<bool> {
    use crate::db::schema::catalog_record;
    use diesel::prelude::*;
    let n: i64 = catalog_record::table.count().get_result(conn)?;
    Ok(n == 0)
}

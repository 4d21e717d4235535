//! `radnice backup DIR`: a consistent copy of an SQLite installation,
//! written while the server runs. The database goes through SQLite's
//! `VACUUM INTO`, which reads one snapshot (writers go on; the copy is as of
//! its start) and writes a compact file; the data directory's other
//! contents (stored files, once there are) are copied beside it. DIR is then
//! a data directory: `radnice --data-dir DIR serve` runs on it, which is
//! also how a backup is restored. PostgreSQL installations are backed up
//! with `pg_dump` (the README says how).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::DbTarget;

/// The database file's name in a data directory.
const DB_FILE: &str = "radnice.sqlite3";

/// Writes the backup; answers how many bytes it holds.
pub fn write(target: &DbTarget, data_dir: &Path, dir: &Path) -> anyhow::Result<u64> {
    let DbTarget::Sqlite(db_path) = target else {
        bail!(
            "this installation runs on PostgreSQL: back it up with pg_dump, e.g. \
             `pg_dump --format=custom --file=radnice.dump \"$DATABASE_URL\"`, and \
             restore with pg_restore (see the README)"
        );
    };
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!(
            "{} is not empty: a backup goes to a new directory",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let copy = dir.join(DB_FILE);
    let mut conn = super::DbTarget::Sqlite(db_path.clone())
        .establish()
        .context("opening the database")?;
    super::dialect::vacuum_into(&mut conn, &copy.to_string_lossy())
        .context("copying the database")?;
    let mut bytes = std::fs::metadata(&copy)?.len();
    // Everything else of the data directory but the live database and its
    // journal files.
    if data_dir.exists() {
        for entry in std::fs::read_dir(data_dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(DB_FILE) {
                continue;
            }
            bytes += copy_tree(&entry.path(), &dir.join(&name))?;
        }
    }
    Ok(bytes)
}

fn copy_tree(from: &Path, to: &PathBuf) -> anyhow::Result<u64> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        let mut n = 0;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            n += copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(n)
    } else {
        Ok(std::fs::copy(from, to)?)
    }
}

//! The seed's example files (`catalog/files.toml`): each a file of its own
//! under the seed directory, stored as a file distribution of its dataset.
//! Every file is read and checked before anything is stored, so a bad one
//! names its path and line and nothing of it is loaded; loading again
//! changes nothing, and a file that changed becomes its distribution's
//! next version.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::model::is_stored_file;
use super::service::{self, By, ReadAs, Target, Titles};
use super::storage::Storage;
use crate::audit::Actor;
use crate::audit::follow::Views;
use crate::db::DbConnection;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    file: Vec<Entry>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct Entry {
    dataset: String,
    path: PathBuf,
    title_cs: String,
    title_en: Option<String>,
}

fn manifest(dir: &Path) -> anyhow::Result<Vec<Entry>> {
    let path = dir.join("files.toml");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    let m: Manifest =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(m.file)
}

/// Reads and checks every example file (as an upload would be checked).
pub fn check(dir: &Path, max_rows: u64) -> anyhow::Result<()> {
    for e in manifest(dir)? {
        let path = dir.join(&e.path);
        let size = std::fs::metadata(&path)
            .map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))?
            .len();
        let name = e.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Err(err) = service::check_file(&path, size, name, ReadAs::default(), max_rows) {
            let detail = match &err {
                crate::error::AppError::Validation(errors) => errors
                    .iter()
                    .map(|f| format!("line {}: {}", f.line.unwrap_or(0), f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            };
            anyhow::bail!("{}: {detail}", path.display());
        }
    }
    Ok(())
}

/// Stores the example files whose datasets have no such file yet, and a
/// new version of those that changed; answers how many it stored.
pub fn run(
    conn: &mut DbConnection,
    storage: &Storage,
    views: &Views,
    dir: &Path,
    base: &str,
    max_rows: u64,
) -> anyhow::Result<u64> {
    check(dir, max_rows)?;
    let actor = Actor::system("seed");
    let mut stored = 0;
    for e in manifest(dir)? {
        let Some(rec) = crate::catalog::store::record_by_slug(conn, &e.dataset)? else {
            anyhow::bail!("files.toml: no dataset {:?} in the seed", e.dataset);
        };
        let path = dir.join(&e.path);
        let existing = rec
            .distributions
            .iter()
            .find(|d| is_stored_file(d) && d.title_cs == e.title_cs);
        let target = match existing {
            None => Target::New,
            // A curator's own version replaced the example: it stays.
            Some(d) if !d.is_example_data() => continue,
            Some(d) => {
                let sha = super::storage::sha256_of(&path)?;
                if d.checksum_sha256.as_deref() == Some(sha.as_str()) {
                    continue;
                }
                Target::Version(d.id.clone())
            }
        };
        let titles = Titles {
            cs: Some(e.title_cs.clone()),
            en: e.title_en.clone(),
            example: true,
        };
        service::add_local_file(
            conn,
            storage,
            views,
            By::System(&actor),
            &e.dataset,
            &target,
            &path,
            &titles,
            max_rows,
            base,
        )
        .map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))?;
        stored += 1;
    }
    Ok(stored)
}

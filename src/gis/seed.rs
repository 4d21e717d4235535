//! The seed's example layers (`catalog/layers.toml`): small layers in
//! S-JTSK made for this repository, imported into their datasets as
//! examples. Every layer is read and checked before anything is stored; a
//! dataset that has a layer keeps it (a curator's import is never
//! replaced by the seed's).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::read::{self, Options};
use super::service::{self, Marks};
use crate::audit::Actor;
use crate::audit::follow::Views;
use crate::db::DbConnection;
use crate::files::service::By;
use crate::files::storage::Storage;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    layer: Vec<Entry>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct Entry {
    dataset: String,
    path: PathBuf,
    /// The open formal norm the data follows, if one exists.
    conforms_to: Option<String>,
}

fn manifest(dir: &Path) -> anyhow::Result<Vec<Entry>> {
    let path = dir.join("layers.toml");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    let m: Manifest =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(m.layer)
}

fn read_one(dir: &Path, e: &Entry) -> anyhow::Result<read::Parsed> {
    let path = dir.join(&e.path);
    let name = e.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    read::read(&path, name, &Options::default()).map_err(|problems| {
        let detail = problems
            .iter()
            .map(|p| format!("{} {}", p.feature.as_deref().unwrap_or("-"), p.message))
            .collect::<Vec<_>>()
            .join("; ");
        anyhow::anyhow!("{}: {detail}", path.display())
    })
}

/// Reads and checks every example layer.
pub fn check(dir: &Path) -> anyhow::Result<()> {
    for e in manifest(dir)? {
        read_one(dir, &e)?;
    }
    Ok(())
}

/// Imports the example layers of datasets that have none; answers how
/// many it imported.
pub fn run(
    conn: &mut DbConnection,
    storage: &Storage,
    views: &Views,
    dir: &Path,
    base: &str,
) -> anyhow::Result<u64> {
    let actor = Actor::system("seed");
    let mut n = 0;
    for e in manifest(dir)? {
        let Some(rec) = crate::catalog::store::record_by_slug(conn, &e.dataset)? else {
            anyhow::bail!("layers.toml: no dataset {:?} in the seed", e.dataset);
        };
        if super::store::layer_of_dataset(conn, &rec.dataset.id)?.is_some() {
            continue;
        }
        let parsed = read_one(dir, &e)?;
        let name = e.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let marks = Marks {
            example: true,
            conforms_to: e.conforms_to.clone(),
        };
        service::import(
            conn,
            storage,
            views,
            By::System(&actor),
            &e.dataset,
            name,
            parsed,
            &marks,
            base,
        )
        .map_err(|err| anyhow::anyhow!("{}: {err}", dir.join(&e.path).display()))?;
        n += 1;
    }
    Ok(n)
}

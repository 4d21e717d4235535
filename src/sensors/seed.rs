//! The seed's example stations (`catalog/sensors.toml`): registered with
//! their datastreams, linked to their datasets and marked as examples.
//! A dataset that has a station of that name keeps it (loading twice
//! changes nothing; a curator's edits stay).

use std::path::Path;

use serde::Deserialize;

use super::input::{self, DatastreamInput, StationInput};
use super::service;
use super::store;
use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::error::AppError;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    station: Vec<Station>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Station {
    dataset: String,
    /// The operator's code of the station (`CHMU-01`), kept in its
    /// properties.
    code: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    location_name: String,
    longitude: f64,
    latitude: f64,
    #[serde(default)]
    datastream: Vec<Stream>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Stream {
    name: String,
    #[serde(default)]
    description: String,
    property_uri: String,
    property_name: String,
    unit_ucum: String,
    #[serde(default)]
    unit_symbol: String,
    #[serde(default)]
    unit_name: String,
    #[serde(default)]
    sensor_name: String,
    valid_min: Option<f64>,
    valid_max: Option<f64>,
    alert_above: Option<f64>,
    alert_below: Option<f64>,
    expected_interval_s: Option<i64>,
    /// Which example series `radnice demo-sensors` writes for it.
    demo: super::demo::Kind,
}

impl Stream {
    fn input(&self) -> DatastreamInput {
        DatastreamInput {
            name: self.name.clone(),
            description: self.description.clone(),
            property_uri: self.property_uri.clone(),
            property_name: self.property_name.clone(),
            unit_ucum: self.unit_ucum.clone(),
            unit_symbol: self.unit_symbol.clone(),
            unit_name: self.unit_name.clone(),
            sensor_name: self.sensor_name.clone(),
            sensor_metadata: String::new(),
            valid_min: self.valid_min,
            valid_max: self.valid_max,
            alert_above: self.alert_above,
            alert_below: self.alert_below,
            expected_interval_s: self.expected_interval_s,
        }
    }
}

fn manifest(dir: &Path) -> anyhow::Result<Vec<Station>> {
    let path = dir.join("sensors.toml");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    let m: Manifest =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(m.station)
}

/// The properties of an example station: its code, the example mark,
/// and the example series of each datastream (by name).
fn properties(s: &Station) -> serde_json::Map<String, serde_json::Value> {
    let demo: serde_json::Map<String, serde_json::Value> = s
        .datastream
        .iter()
        .map(|d| (d.name.clone(), serde_json::json!(d.demo)))
        .collect();
    let mut p = serde_json::Map::new();
    p.insert("code".into(), s.code.clone().into());
    p.insert("example".into(), true.into());
    p.insert(super::demo::PROPERTY.into(), demo.into());
    p
}

/// Checks every station and datastream with the registry's validators,
/// before anything is stored.
pub fn check(dir: &Path) -> anyhow::Result<()> {
    for s in manifest(dir)? {
        let station = StationInput {
            publisher: "-".into(),
            name: s.name.clone(),
            description: s.description.clone(),
            properties: properties(&s),
            longitude: Some(s.longitude),
            latitude: Some(s.latitude),
            location_name: s.location_name.clone(),
            dataset: Some(s.dataset.clone()),
        };
        input::station(&station)
            .map_err(|e| anyhow::anyhow!("sensors.toml: station {:?}: {e:?}", s.name))?;
        for d in &s.datastream {
            input::datastream(&d.input())
                .map_err(|e| anyhow::anyhow!("sensors.toml: datastream {:?}: {e:?}", d.name))?;
        }
    }
    Ok(())
}

/// Registers the example stations that their datasets do not have yet;
/// answers how many it registered. One audited transaction.
pub fn run(conn: &mut DbConnection, dir: &Path) -> anyhow::Result<u64> {
    let stations = manifest(dir)?;
    let actor = Actor::system("seed");
    let n = audit::write_tx(conn, |c| -> Result<u64, AppError> {
        let mut n = 0;
        for s in &stations {
            let rec = crate::catalog::store::record_by_slug(c, &s.dataset)?.ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "sensors.toml: no dataset {:?} in the seed",
                    s.dataset
                ))
            })?;
            if store::things_of_dataset(c, &rec.dataset.id)?
                .iter()
                .any(|t| t.name == s.name)
            {
                continue;
            }
            let at = service::now();
            let thing = service::add_thing(
                c,
                &actor,
                super::model::Thing {
                    id: 0,
                    publisher_id: rec.dataset.publisher_id.clone(),
                    dataset_id: Some(rec.dataset.id.clone()),
                    name: s.name.clone(),
                    description: s.description.clone(),
                    properties: serde_json::Value::Object(properties(s)).to_string(),
                    longitude: s.longitude,
                    latitude: s.latitude,
                    location_name: s.location_name.clone(),
                    is_example: true,
                    accepted: 0,
                    duplicates: 0,
                    rejected: 0,
                    flagged: 0,
                    created_at: at,
                    updated_at: at,
                },
            )?;
            for d in &s.datastream {
                service::add_datastream(
                    c,
                    &actor,
                    service::new_datastream(&d.input(), thing.id, at),
                )?;
            }
            n += 1;
        }
        Ok(n)
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(n)
}

//! The GIS domain's write path. An import, in this order: the right to
//! change the dataset (before the body is read), the file read and every
//! feature checked (`read`), the GeoJSON and CSV exports written and moved
//! into place, the features written under a feature set of their own, and
//! then one audited transaction that points the layer at the new set and
//! writes the dataset's distributions (a new version of each export, the
//! OGC API service) and its bounding box. A failure before the commit
//! leaves the layer as it was; the old exports stay downloadable as
//! earlier versions.

use std::io::Write;

use serde_json::Value;

use super::model::{EXAMPLE, Layer, MANAGED_BY, OGC_STANDARD};
use super::read::{Feature, Parsed};
use super::store::{self, FeatureRow};
use crate::audit::follow::Views;
use crate::catalog::model::{DatasetRecord, Distribution};
use crate::db::DbConnection;
use crate::error::AppError;
use crate::files::model::FileVersion;
use crate::files::service::{By, Target};
use crate::files::storage::{Storage, TempFile};

/// What an import answers.
#[derive(Debug, serde::Serialize)]
pub struct Imported {
    pub collection: String,
    pub features: usize,
    pub bbox: [f64; 4],
    pub crs: &'static str,
    pub version: i32,
}

/// What the seed says of its example layers.
#[derive(Clone, Debug, Default)]
pub struct Marks {
    pub example: bool,
    /// The Czech open formal norm the data follows (`dct:conformsTo` of
    /// the GeoJSON distribution).
    pub conforms_to: Option<String>,
}

/// The dataset the user may change. Called before the body is read, and
/// again in the transaction that stores the layer.
pub fn check(conn: &mut DbConnection, by: By<'_>, slug: &str) -> Result<DatasetRecord, AppError> {
    crate::files::service::check_target_by(conn, by, slug, &Target::New)
}

/// A property value as a CSV cell.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn write_geojson(out: &mut dyn Write, features: &[Feature], name: &str) -> std::io::Result<()> {
    write!(
        out,
        r#"{{"type":"FeatureCollection","name":{},"features":["#,
        Value::String(name.to_string())
    )?;
    for (i, f) in features.iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        write!(
            out,
            r#"{{"type":"Feature","id":{},"geometry":{},"properties":{}}}"#,
            i + 1,
            f.geometry.to_geojson(),
            serde_json::to_string(&f.properties).unwrap_or_else(|_| "{}".into())
        )?;
    }
    out.write_all(b"]}\n")
}

fn write_csv(out: &mut dyn Write, parsed: &Parsed) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut head: Vec<String> = vec!["fid".into()];
    head.extend(parsed.fields.iter().map(|f| f.name.clone()));
    head.extend(["lon".into(), "lat".into(), "wkt".into()]);
    w.write_record(&head)?;
    for (i, f) in parsed.features.iter().enumerate() {
        let mut row: Vec<String> = vec![(i + 1).to_string()];
        row.extend(
            parsed
                .fields
                .iter()
                .map(|d| cell(f.properties.get(&d.name))),
        );
        // A point's own position; for a line or an area the middle of its
        // box, which a spreadsheet user can still put on a map.
        let (lon, lat) = match f.geometry.first() {
            Some(p) if f.geometry.is_point() => (p[0], p[1]),
            _ => ((f.bbox[0] + f.bbox[2]) / 2.0, (f.bbox[1] + f.bbox[3]) / 2.0),
        };
        row.push(super::geometry::num(lon));
        row.push(super::geometry::num(lat));
        row.push(f.geometry.to_wkt());
        w.write_record(&row)?;
    }
    w.flush()
}

fn io(e: std::io::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing a layer's exports: {e}"))
}

/// Stores a read layer as the dataset's layer.
#[expect(
    clippy::too_many_arguments,
    reason = "one write path, each a distinct input"
)]
pub fn import(
    conn: &mut DbConnection,
    storage: &Storage,
    views: &Views,
    by: By<'_>,
    slug: &str,
    source_name: &str,
    parsed: Parsed,
    marks: &Marks,
    base: &str,
) -> Result<Imported, AppError> {
    let rec = check(conn, by, slug)?;
    let stem = rec.dataset.slug.clone();
    // The exports, written from the checked features before anything is
    // stored, so what is downloaded is what the API serves.
    let geojson = storage
        .create(|w| write_geojson(w, &parsed.features, &stem))
        .map_err(io)?;
    let csv = storage.create(|w| write_csv(w, &parsed)).map_err(io)?;
    let sizes = (geojson.size as i64, csv.size as i64);
    let hashes = (geojson.sha256.clone(), csv.sha256.clone());
    persist(storage, geojson)?;
    persist(storage, csv)?;

    let set = crate::db::new_id();
    let rows: Vec<FeatureRow> = parsed
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| FeatureRow {
            fid: i as i64 + 1,
            geometry: f.geometry.to_geojson(),
            properties: serde_json::to_string(&f.properties).unwrap_or_else(|_| "{}".into()),
            bbox: f.bbox,
            time: parsed
                .time_field
                .as_ref()
                .and_then(|t| f.properties.get(t))
                .and_then(super::read::instant),
        })
        .collect();
    if let Err(e) = store::insert_features(conn, &set, &rows) {
        store::delete_set(conn, &set);
        return Err(AppError::Internal(anyhow::anyhow!("storing features: {e}")));
    }
    drop(rows);

    let actor = match by {
        By::User(u) => u.actor(),
        By::System(a) => a.clone(),
    };
    let written = crate::audit::write_tx(conn, |c| {
        let mut rec = check(c, by, slug)?;
        let old = store::layer_of_dataset(c, &rec.dataset.id)?;
        let id = |pick: fn(&Layer) -> &String| {
            old.as_ref()
                .map(|l| pick(l).clone())
                .unwrap_or_else(crate::db::new_id)
        };
        let ids = (
            id(|l| &l.geojson_distribution_id),
            id(|l| &l.csv_distribution_id),
            id(|l| &l.service_distribution_id),
        );
        let collection = old
            .as_ref()
            .map(|l| l.collection.clone())
            .unwrap_or_else(|| rec.dataset.slug.clone());
        let base = base.trim_end_matches('/');
        let managed = if marks.example { EXAMPLE } else { MANAGED_BY };
        let title = rec.dataset.title_cs.clone();
        let title_en = rec
            .dataset
            .title_en
            .clone()
            .unwrap_or_else(|| title.clone());
        let prefix = if marks.example {
            ("Ukázková data: ", "Example data: ")
        } else {
            ("", "")
        };
        let own_slug = rec.dataset.slug.clone();
        let download = |id: &str| format!("{base}/datasets/{own_slug}/distributions/{id}/download");
        let mut upsert = |id: &str, f: &dyn Fn(&mut Distribution)| {
            if !rec.distributions.iter().any(|d| d.id == id) {
                let d = crate::files::service::new_distribution(&rec, id, "");
                rec.distributions.push(d);
            }
            if let Some(d) = rec.distributions.iter_mut().find(|d| d.id == id) {
                f(d);
                d.managed_by = Some(managed.to_string());
            }
        };
        upsert(&ids.0, &|d| {
            d.title_cs = format!("{}{title} (GeoJSON)", prefix.0);
            d.title_en = Some(format!("{}{title_en} (GeoJSON)", prefix.1));
            d.download_url = Some(download(&ids.0));
            d.access_url = download(&ids.0);
            d.media_type = "application/geo+json".into();
            d.format_iri = crate::files::model::Kind::of("x.geojson").format_iri();
            d.byte_size = Some(sizes.0);
            d.checksum_sha256 = Some(hashes.0.clone());
            if marks.conforms_to.is_some() {
                d.conforms_to = marks.conforms_to.clone();
            }
        });
        upsert(&ids.1, &|d| {
            d.title_cs = format!("{}{title} (CSV se souřadnicemi)", prefix.0);
            d.title_en = Some(format!("{}{title_en} (CSV with coordinates)", prefix.1));
            d.download_url = Some(download(&ids.1));
            d.access_url = download(&ids.1);
            d.media_type = "text/csv".into();
            d.format_iri = crate::files::model::Kind::of("x.csv").format_iri();
            d.byte_size = Some(sizes.1);
            d.checksum_sha256 = Some(hashes.1.clone());
        });
        let service_url = format!("{base}/ogc/collections/{collection}");
        upsert(&ids.2, &|d| {
            d.title_cs = format!("{title}: OGC API Features");
            d.title_en = Some(format!("{title_en}: OGC API Features"));
            d.download_url = None;
            d.access_url = service_url.clone();
            // What the service answers in: every distribution has a media
            // type in the catalog (a curator's form and a harvester check
            // it), and DCAT-AP-CZ tells a service from a file by its
            // download URL, not by this.
            d.media_type = "application/geo+json".into();
            d.format_iri = crate::files::model::Kind::of("x.geojson").format_iri();
            d.byte_size = None;
            d.checksum_sha256 = None;
            d.service_endpoint_url = Some(format!("{base}/ogc"));
            d.service_description_url = Some(format!("{base}/ogc/api"));
            d.service_conforms_to = Some(OGC_STANDARD.to_string());
        });
        let [w, s, e, n] = parsed.bbox;
        rec.dataset.bbox_west = Some(round(w));
        rec.dataset.bbox_south = Some(round(s));
        rec.dataset.bbox_east = Some(round(e));
        rec.dataset.bbox_north = Some(round(n));
        crate::catalog::store::save_record(c, &actor, &rec, None)?;

        let version = old.as_ref().map_or(1, |l| l.version + 1);
        let user_id = match by {
            By::User(u) => Some(u.id.clone()),
            By::System(_) => None,
        };
        for (dist, sha, size, media, ext) in [
            (
                &ids.0,
                &hashes.0,
                sizes.0,
                "application/geo+json",
                "geojson",
            ),
            (&ids.1, &hashes.1, sizes.1, "text/csv", "csv"),
        ] {
            let previous = crate::files::store::version(c, dist, None)?;
            crate::files::store::insert_version(
                c,
                &FileVersion {
                    id: crate::db::new_id(),
                    distribution_id: dist.clone(),
                    dataset_id: rec.dataset.id.clone(),
                    version: previous.map_or(1, |v| v.version + 1),
                    sha256: sha.clone(),
                    byte_size: size,
                    media_type: media.to_string(),
                    file_name: format!("{}.{ext}", rec.dataset.slug),
                    created_at: crate::db::now(),
                    created_by: user_id.clone(),
                },
            )?;
        }
        let layer = Layer {
            id: old
                .as_ref()
                .map(|l| l.id.clone())
                .unwrap_or_else(crate::db::new_id),
            dataset_id: rec.dataset.id.clone(),
            collection: collection.clone(),
            version,
            feature_set: set.clone(),
            source_name: source_name.to_string(),
            source_crs: parsed.crs.code().to_string(),
            feature_count: parsed.features.len() as i64,
            bbox_west: w,
            bbox_south: s,
            bbox_east: e,
            bbox_north: n,
            fields: serde_json::to_string(&parsed.fields).unwrap_or_else(|_| "[]".into()),
            time_field: parsed.time_field.clone(),
            geojson_distribution_id: ids.0.clone(),
            csv_distribution_id: ids.1.clone(),
            service_distribution_id: ids.2.clone(),
            is_example: marks.example,
            imported_at: crate::db::now(),
            imported_by: user_id,
        };
        store::save_layer(c, &layer)?;
        Ok::<_, AppError>((
            Imported {
                collection,
                features: parsed.features.len(),
                bbox: parsed.bbox,
                crs: parsed.crs.code(),
                version,
            },
            old.map(|l| l.feature_set),
        ))
    });
    match written {
        Ok((imported, old_set)) => {
            if let Some(old) = old_set {
                store::delete_set(conn, &old);
            }
            views.after_commit(conn, &["dataset"]);
            Ok(imported)
        }
        Err(e) => {
            store::delete_set(conn, &set);
            Err(e)
        }
    }
}

fn persist(storage: &Storage, temp: TempFile) -> Result<(), AppError> {
    storage.persist(temp, true).map(|_| ()).map_err(io)
}

/// A bounding box to the catalog's precision (about a centimetre).
fn round(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

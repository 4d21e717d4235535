//! A dataset that publishes stations has managed distributions that are
//! always current: the observations of all its stations as CSV and JSON
//! (the whole history, and the last 30 days), streamed live from the
//! store, and the SensorThings API as a data service. Its temporal
//! coverage follows the data: from the day of the first observation to
//! the day of the last (Europe/Prague), so its `dct:modified` moves when
//! new days arrive, without a record written per batch.
//!
//! The distributions are `managed_by = "sensor"` (`sensor:example` while
//! every station is the seed's example): a curator edits the rest of the
//! dataset, not these.

use diesel::QueryResult;

use super::store;
use crate::audit::Actor;
use crate::catalog::model::{Distribution, EXAMPLE_SUFFIX, SENSORTHINGS_STANDARD};
use crate::db::DbConnection;

pub const MANAGED_BY: &str = "sensor";

/// How many days the "recent" distributions hold.
pub const RECENT_DAYS: u32 = 30;

fn ours(d: &Distribution) -> bool {
    d.managed_by
        .as_deref()
        .is_some_and(|m| m == MANAGED_BY || m.strip_suffix(EXAMPLE_SUFFIX) == Some(MANAGED_BY))
}

/// One managed distribution as it should be.
struct Wanted {
    access_url: String,
    download: bool,
    title_cs: String,
    title_en: String,
    media_type: &'static str,
    format: &'static str,
}

fn wanted(base: &str, slug: &str, example: bool) -> Vec<Wanted> {
    let (pre_cs, pre_en) = if example {
        ("Ukázková data: ", "Example data: ")
    } else {
        ("", "")
    };
    let url = |ext: &str, recent: bool| {
        let tail = if recent {
            format!("?days={RECENT_DAYS}")
        } else {
            String::new()
        };
        format!("{base}/datasets/{slug}/observations.{ext}{tail}")
    };
    let mut out = Vec::new();
    for (ext, code, media_type) in [
        ("csv", "CSV", "text/csv"),
        ("json", "JSON", "application/json"),
    ] {
        out.push(Wanted {
            access_url: url(ext, false),
            download: true,
            title_cs: format!("{pre_cs}Měření všech stanic, celá historie ({code})"),
            title_en: format!("{pre_en}Observations of all stations, full history ({code})"),
            media_type,
            format: code,
        });
        out.push(Wanted {
            access_url: url(ext, true),
            download: true,
            title_cs: format!("{pre_cs}Měření všech stanic, posledních {RECENT_DAYS} dní ({code})"),
            title_en: format!(
                "{pre_en}Observations of all stations, last {RECENT_DAYS} days ({code})"
            ),
            media_type,
            format: code,
        });
    }
    out.push(Wanted {
        access_url: format!("{base}{}", super::sta::ROOT),
        download: false,
        title_cs: format!("{pre_cs}Rozhraní OGC SensorThings API"),
        title_en: format!("{pre_en}OGC SensorThings API"),
        media_type: "application/json",
        format: "JSON",
    });
    out
}

/// The Prague day of a time in microseconds, as ISO 8601.
fn day(t: i64) -> Option<String> {
    let utc = super::model::from_micros(t)?;
    Some(
        utc.with_timezone(&chrono_tz::Europe::Prague)
            .date_naive()
            .to_string(),
    )
}

/// Makes dataset `dataset_id`'s managed distributions and temporal
/// coverage match its stations; writes (and audits) only what differs.
/// Answers whether it wrote. A dataset without stations loses them.
pub fn ensure(
    conn: &mut DbConnection,
    actor: &Actor,
    dataset_id: &str,
    base: &str,
) -> QueryResult<bool> {
    let Some((before, _)) = crate::catalog::store::record_by_id(conn, dataset_id)? else {
        return Ok(false);
    };
    let base = base.trim_end_matches('/');
    let things = store::things_of_dataset(conn, dataset_id)?;
    let mut rec = before.clone();
    let (mut old, kept): (Vec<Distribution>, Vec<Distribution>) =
        rec.distributions.into_iter().partition(ours);
    rec.distributions = kept;
    if !things.is_empty() {
        let example = things.iter().all(|t| t.is_example);
        let managed = if example {
            format!("{MANAGED_BY}{EXAMPLE_SUFFIX}")
        } else {
            MANAGED_BY.to_string()
        };
        let mut made = Vec::new();
        for w in wanted(base, &rec.dataset.slug, example) {
            let mut d = match old.iter().position(|d| d.access_url == w.access_url) {
                Some(i) => old.remove(i),
                None => crate::files::service::new_distribution(&rec, &crate::db::new_id(), ""),
            };
            d.title_cs = w.title_cs;
            d.title_en = Some(w.title_en);
            d.download_url = w.download.then(|| w.access_url.clone());
            d.media_type = w.media_type.to_string();
            d.format_iri = format!(
                "http://publications.europa.eu/resource/authority/file-type/{}",
                w.format
            );
            // Live data: its size changes with every batch.
            d.byte_size = None;
            d.checksum_sha256 = None;
            if w.download {
                d.service_endpoint_url = None;
                d.service_description_url = None;
                d.service_conforms_to = None;
            } else {
                d.service_endpoint_url = Some(w.access_url.clone());
                d.service_description_url = Some(w.access_url.clone());
                d.service_conforms_to = Some(SENSORTHINGS_STANDARD.to_string());
            }
            d.access_url = w.access_url;
            d.managed_by = Some(managed.clone());
            made.push(d);
        }
        // The live data first: it is what the dataset is about.
        made.append(&mut rec.distributions);
        rec.distributions = made;
        let ids: Vec<i64> = things.iter().map(|t| t.id).collect();
        let streams = store::datastreams_of(conn, &ids)?;
        if let Some(first) = streams.iter().filter_map(|d| d.first_time).min() {
            rec.dataset.temporal_start = day(first);
        }
        if let Some(last) = streams.iter().filter_map(|d| d.last_time).max() {
            rec.dataset.temporal_end = day(last);
        }
    }
    if rec == before {
        return Ok(false);
    }
    crate::catalog::store::save_record(conn, actor, &rec, None)?;
    Ok(true)
}

/// `ensure` for every dataset that has stations or our distributions,
/// in one audited transaction; answers how many it wrote.
pub fn ensure_all(conn: &mut DbConnection, base: &str) -> QueryResult<u64> {
    let actor = Actor::system("sensor-open-data");
    crate::audit::write_tx(conn, |c| -> QueryResult<u64> {
        let mut ids: Vec<String> = store::things(c)?
            .into_iter()
            .filter_map(|t| t.dataset_id)
            .collect();
        ids.extend(crate::catalog::store::datasets_with_managed(c, MANAGED_BY)?);
        ids.sort();
        ids.dedup();
        let mut n = 0;
        for id in ids {
            if ensure(c, &actor, &id, base)? {
                n += 1;
            }
        }
        Ok(n)
    })
}

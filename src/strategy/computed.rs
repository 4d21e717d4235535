//! KPIs that take their values from the portal's own data: a query the
//! system owns, run for each period that has ended and has no value yet,
//! stored as a verified measurement whose source names the query and the
//! time it ran (no person states it, so no second person verifies it). The
//! value is the catalog as it stands when the query runs, which is at most
//! one scheduling tick after the period ends.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::kpi;
use super::model::{Measurement, MeasurementState};
use crate::audit::Actor;
use crate::db::DbConnection;
use crate::db::schema::{datasets, distributions, kpis, measurements};

/// The queries a KPI's `source` may name.
pub const QUERIES: [&str; 3] = [
    "catalog:published_datasets",
    "catalog:open_format_share",
    "catalog:timely_share",
];

const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";

/// Open, machine-readable formats (EU file types): data a program reads
/// without a proprietary tool.
const OPEN_FORMATS: [&str; 14] = [
    "CSV",
    "TSV",
    "JSON",
    "JSON_LD",
    "GEOJSON",
    "XML",
    "RDF_XML",
    "RDF_TURTLE",
    "RDF_N_TRIPLES",
    "GML",
    "KML",
    "GPKG",
    "ODS",
    "TXT",
];

/// How long a dataset of a declared frequency may go without a change and
/// still count as updated on time; frequencies without a rhythm (irregular,
/// unknown, never, continuous) are left out of the share.
fn allowed_age(frequency_iri: &str) -> Option<i64> {
    let code = frequency_iri.strip_prefix(FREQUENCY)?;
    Some(match code {
        "DAILY" | "DAILY_2" => 2,
        "WEEKLY" | "WEEKLY_2" | "WEEKLY_3" => 8,
        "BIWEEKLY" => 15,
        "MONTHLY" | "MONTHLY_2" | "MONTHLY_3" => 32,
        "BIMONTHLY" => 62,
        "QUARTERLY" => 93,
        "ANNUAL_2" | "ANNUAL_3" | "BIANNUAL" => 184,
        "ANNUAL" => 367,
        "BIENNIAL" => 732,
        "TRIENNIAL" => 1097,
        _ => return None,
    })
}

/// The value of a query now, or `None` for a query it does not know.
pub fn value_of(
    conn: &mut DbConnection,
    query: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<f64>> {
    let published: Vec<(String, String, NaiveDateTime)> = datasets::table
        .filter(datasets::status.eq("published"))
        .select((datasets::id, datasets::frequency_iri, datasets::updated_at))
        .load(conn)?;
    Ok(match query {
        "catalog:published_datasets" => Some(published.len() as f64),
        "catalog:open_format_share" => {
            if published.is_empty() {
                return Ok(None);
            }
            // The seed's example files are no data of the city's.
            let formats: Vec<(String, String)> = distributions::table
                .inner_join(datasets::table)
                .filter(datasets::status.eq("published"))
                .filter(
                    distributions::managed_by
                        .is_null()
                        .or(distributions::managed_by
                            .not_like(format!("%{}", crate::catalog::model::EXAMPLE_SUFFIX))),
                )
                .select((distributions::dataset_id, distributions::format_iri))
                .load(conn)?;
            let mut open: HashMap<&str, bool> = HashMap::new();
            for (id, format) in &formats {
                let is_open = format
                    .strip_prefix(FILE_TYPE)
                    .is_some_and(|c| OPEN_FORMATS.contains(&c));
                *open.entry(id.as_str()).or_default() |= is_open;
            }
            let n = published
                .iter()
                .filter(|(id, _, _)| open.get(id.as_str()) == Some(&true))
                .count();
            Some(100.0 * n as f64 / published.len() as f64)
        }
        "catalog:timely_share" => {
            let rhythmic: Vec<(i64, NaiveDateTime)> = published
                .iter()
                .filter_map(|(_, f, t)| Some((allowed_age(f)?, *t)))
                .collect();
            if rhythmic.is_empty() {
                return Ok(None);
            }
            let on_time = rhythmic
                .iter()
                .filter(|(days, t)| (now - *t).num_days() <= *days)
                .count();
            Some(100.0 * on_time as f64 / rhythmic.len() as f64)
        }
        _ => None,
    })
}

/// Stores the value of every computed KPI for its last ended period that
/// has none; returns how many were stored. Audited as the system's.
pub fn run(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<usize> {
    let computed: Vec<(String, String, String, kpi::Frequency)> = kpis::table
        .filter(kpis::source.eq_any(QUERIES))
        .select((kpis::id, kpis::code, kpis::source, kpis::frequency))
        .load(conn)?;
    let actor = Actor::system("computed KPI");
    let mut stored = 0;
    for (id, code, query, frequency) in computed {
        let (start, end) = kpi::due_period(frequency, today, 0);
        let wrote = crate::audit::write_tx(conn, |c| {
            let have: i64 = measurements::table
                .filter(measurements::kpi_id.eq(&id))
                .filter(measurements::period_start.eq(start.to_string()))
                .filter(measurements::period_end.eq(end.to_string()))
                .count()
                .get_result(c)?;
            if have > 0 {
                return Ok(false);
            }
            let now = crate::db::now();
            let Some(value) = value_of(c, &query, now)? else {
                return Ok(false);
            };
            let m = Measurement {
                id: crate::db::new_id(),
                kpi_id: id.clone(),
                period_start: start.to_string(),
                period_end: end.to_string(),
                value: (value * 100.0).round() / 100.0,
                state: MeasurementState::Verified,
                supersedes: None,
                superseded_by: None,
                source: format!("{query} @ {}", now.and_utc().format("%Y-%m-%dT%H:%MZ")),
                note: None,
                recorded_by: None,
                recorded_at: now,
                submitted_by: None,
                verified_by: None,
                is_example: false,
            };
            diesel::insert_into(measurements::table)
                .values(&m)
                .execute(c)?;
            let label = format!(
                "{code} {}",
                kpi::label_of_period(&m.period_start, &m.period_end)
            );
            crate::audit::store::record_change(
                c,
                &actor,
                "measurement",
                &m.id,
                &label,
                None,
                Some(&m),
            )?;
            Ok::<_, diesel::result::Error>(true)
        })?;
        stored += usize::from(wrote);
    }
    Ok(stored)
}

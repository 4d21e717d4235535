//! What the public sensor pages show, read from the store: a dataset's
//! stations with the latest value of each datastream, a datastream's
//! chart window over the rollups, and the window of a download.

use chrono::{NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

use super::model::{DAY, Datastream, HOUR, MICROS_PER_HOUR, SUSPECT, Thing, from_micros, micros};
use super::store::{self, Bucket};
use crate::db::DbConnection;
use crate::error::{AppError, FieldError};

/// The longest download or chart window a request may name: one
/// datastream's ten years are 5 million ten-minute rows, streamed.
const MAX_DAYS: i64 = 3_660;

/// A latest value as a page shows it.
#[derive(Debug, Serialize)]
pub struct Reading {
    pub value: f64,
    /// Europe/Prague, `YYYY-MM-DD HH:MM`.
    pub time: String,
    pub suspect: bool,
    /// Beyond an alert threshold.
    pub alert: bool,
}

#[derive(Debug, Serialize)]
pub struct StreamView {
    pub id: i64,
    pub name: String,
    pub property: String,
    pub unit: String,
    pub count: i64,
    pub latest: Option<Reading>,
}

#[derive(Debug, Serialize)]
pub struct StationView {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub location_name: String,
    pub longitude: f64,
    pub latitude: f64,
    pub example: bool,
    pub streams: Vec<StreamView>,
}

pub fn unit(d: &Datastream) -> String {
    if d.unit_symbol.is_empty() {
        d.unit_ucum.clone()
    } else {
        d.unit_symbol.clone()
    }
}

fn prague_minute(t: i64) -> String {
    from_micros(t)
        .map(|u| crate::web::local_time(&u.naive_utc()))
        .unwrap_or_default()
}

/// The stations of `things` with their datastreams and latest values.
pub fn stations(
    conn: &mut DbConnection,
    things: Vec<Thing>,
) -> diesel::QueryResult<Vec<StationView>> {
    let ids: Vec<i64> = things.iter().map(|t| t.id).collect();
    let streams = store::datastreams_of(conn, &ids)?;
    let ds_ids: Vec<i64> = streams.iter().map(|d| d.id).collect();
    let latest: std::collections::HashMap<i64, store::Latest> = store::latest(conn, &ds_ids)?
        .into_iter()
        .map(|l| (l.datastream, l))
        .collect();
    Ok(things
        .into_iter()
        .map(|t| StationView {
            id: t.id,
            streams: streams
                .iter()
                .filter(|d| d.thing_id == t.id)
                .map(|d| StreamView {
                    id: d.id,
                    name: d.name.clone(),
                    property: d.property_name.clone(),
                    unit: unit(d),
                    count: d.observation_count,
                    latest: latest.get(&d.id).map(|l| Reading {
                        value: l.value,
                        time: prague_minute(l.time),
                        suspect: l.quality == SUSPECT,
                        alert: d.alert_above.is_some_and(|a| l.value > a)
                            || d.alert_below.is_some_and(|b| l.value < b),
                    }),
                })
                .collect(),
            name: t.name,
            description: t.description,
            location_name: t.location_name,
            longitude: t.longitude,
            latitude: t.latitude,
            example: t.is_example,
        })
        .collect())
}

/// The stations as GeoJSON points whose properties a map's popup shows.
pub fn geojson(stations: &[StationView], page_url: &str) -> serde_json::Value {
    let features: Vec<serde_json::Value> = stations
        .iter()
        .map(|s| {
            let mut props = serde_json::Map::new();
            props.insert("název".into(), s.name.clone().into());
            if !s.location_name.is_empty() {
                props.insert("místo".into(), s.location_name.clone().into());
            }
            for d in &s.streams {
                let text = match &d.latest {
                    Some(r) => format!(
                        "{} {} ({}){}",
                        crate::web::chart::tick(r.value),
                        d.unit,
                        r.time,
                        if r.suspect { " ?" } else { "" }
                    ),
                    None => "–".into(),
                };
                props.insert(d.property.clone(), text.into());
            }
            if s.example {
                props.insert("ukázka".into(), "ano".into());
            }
            props.insert("url".into(), format!("{page_url}#stanice-{}", s.id).into());
            serde_json::json!({
                "type": "Feature",
                "id": s.id,
                "geometry": {"type": "Point", "coordinates": [s.longitude, s.latitude]},
                "properties": props,
            })
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

// --- Windows ------------------------------------------------------------------

/// The chart's range, as the page's links name it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Range {
    Day,
    Week,
    Month,
    Year,
}

impl Range {
    pub fn days(self) -> i64 {
        match self {
            Range::Day => 1,
            Range::Week => 7,
            Range::Month => 30,
            Range::Year => 365,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    Hour,
    Day,
}

impl Step {
    pub fn span(self) -> i16 {
        match self {
            Step::Hour => HOUR,
            Step::Day => DAY,
        }
    }

    pub fn width(self) -> i64 {
        match self {
            Step::Hour => MICROS_PER_HOUR,
            Step::Day => 24 * MICROS_PER_HOUR,
        }
    }
}

/// A chart's query: which datastream, range and step, and the last day.
#[derive(Debug, Default, Deserialize)]
pub struct ChartQuery {
    pub datastream: Option<i64>,
    pub range: Option<Range>,
    pub step: Option<Step>,
    /// `YYYY-MM-DD`, the window's last day in Prague.
    pub end: Option<String>,
}

/// The start of a Prague day, in microseconds.
pub fn midnight(d: NaiveDate) -> i64 {
    chrono_tz::Europe::Prague
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or(0, |m| micros(m.with_timezone(&chrono::Utc)))
}

pub fn prague_day(t: i64) -> NaiveDate {
    from_micros(t)
        .map(|u| u.with_timezone(&chrono_tz::Europe::Prague).date_naive())
        .unwrap_or_default()
}

fn date(field: &str, text: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (1970..=9999).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| AppError::Validation(vec![FieldError::new(field, "sensor_date_invalid")]))
}

/// A chart's window: `[from, to)` of whole Prague days.
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    pub range: Range,
    pub step: Step,
    pub first: NaiveDate,
    pub last: NaiveDate,
    #[serde(skip)]
    pub from: i64,
    #[serde(skip)]
    pub to: i64,
}

/// The window a query names; without an end, the window ends on the day
/// of the datastream's last observation (or today). A year is charted
/// by days, a day by hours.
pub fn window(q: &ChartQuery, last_time: Option<i64>, now: i64) -> Result<Window, AppError> {
    let range = q.range.unwrap_or(Range::Week);
    let step = match (range, q.step) {
        (Range::Year, _) => Step::Day,
        (Range::Day, _) => Step::Hour,
        (_, Some(s)) => s,
        (Range::Week, None) => Step::Hour,
        (Range::Month, None) => Step::Day,
    };
    let last = match q.end.as_deref().filter(|e| !e.trim().is_empty()) {
        Some(e) => date("end", e)?,
        None => prague_day(last_time.unwrap_or(now)),
    };
    let first = last - chrono::Days::new(range.days() as u64 - 1);
    Ok(Window {
        range,
        step,
        first,
        last,
        from: midnight(first),
        to: midnight(last + chrono::Days::new(1)),
    })
}

/// A chart's buckets.
pub fn buckets(conn: &mut DbConnection, ds: i64, w: &Window) -> diesel::QueryResult<Vec<Bucket>> {
    store::rollups(conn, ds, w.step.span(), w.from, w.to)
}

/// A download's query: one datastream or all, and the window: the last
/// `days` days, or from one day to another (Prague days, both included),
/// or everything.
#[derive(Debug, Default, Deserialize)]
pub struct DownloadQuery {
    pub datastream: Option<i64>,
    pub days: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `[lo, hi]` in microseconds, both included.
pub fn download_window(q: &DownloadQuery, now: i64) -> Result<(i64, i64), AppError> {
    let bad = |f: &str, code: &str| AppError::Validation(vec![FieldError::new(f, code)]);
    if let Some(days) = q.days {
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(bad("days", "sensor_days_range"));
        }
        return Ok((now - days * 24 * MICROS_PER_HOUR, i64::MAX));
    }
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let lo = match nonempty(&q.from) {
        Some(f) => midnight(date("from", &f)?),
        None => 0,
    };
    let hi = match nonempty(&q.to) {
        Some(t) => midnight(date("to", &t)? + chrono::Days::new(1)) - 1,
        None => i64::MAX,
    };
    if hi < lo {
        return Err(bad("to", "sensor_window_inverted"));
    }
    Ok((lo, hi))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test that fails says where")]
mod tests {
    use super::*;

    #[test]
    fn a_window_ends_on_the_data_and_a_year_is_charted_by_days() {
        // 2026-12-07 12:00 UTC.
        let now = 1_796_644_800_000_000;
        let w = window(&ChartQuery::default(), Some(now - 3 * 86_400_000_000), now).unwrap();
        assert_eq!(w.last.to_string(), "2026-12-04");
        assert_eq!(w.first.to_string(), "2026-11-28");
        assert_eq!(w.step, Step::Hour);
        assert_eq!((w.to - w.from) / MICROS_PER_HOUR, 7 * 24);
        let y = ChartQuery {
            range: Some(Range::Year),
            step: Some(Step::Hour),
            end: Some("2026-03-31".into()),
            ..Default::default()
        };
        let w = window(&y, None, now).unwrap();
        assert_eq!(w.step, Step::Day);
        // Both clock changes fall in it: 365 whole days of hours.
        assert_eq!((w.to - w.from) / MICROS_PER_HOUR, 365 * 24);
        let bad = ChartQuery {
            end: Some("zítra".into()),
            ..Default::default()
        };
        assert!(window(&bad, None, now).is_err());
    }

    #[test]
    fn a_download_window_takes_whole_days() {
        let now = 1_796_644_800_000_000;
        let q = DownloadQuery {
            from: Some("2026-12-01".into()),
            to: Some("2026-12-01".into()),
            ..Default::default()
        };
        let (lo, hi) = download_window(&q, now).unwrap();
        assert_eq!(hi - lo + 1, 24 * MICROS_PER_HOUR);
        let back = DownloadQuery {
            from: Some("2026-12-02".into()),
            to: Some("2026-12-01".into()),
            ..Default::default()
        };
        assert!(download_window(&back, now).is_err());
        let many = DownloadQuery {
            days: Some(100_000),
            ..Default::default()
        };
        assert!(download_window(&many, now).is_err());
    }
}

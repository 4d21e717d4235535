//! Example observations for the seed's example stations (`radnice
//! demo-sensors --days N`): plausible series, not measurements. They are
//! written only to stations marked as examples, whose pages and
//! downloads say so. The episodes are placed relative to the run's time;
//! a second run adds only the times not yet stored (the others are
//! duplicates and keep their values).

use std::collections::HashMap;
use std::f64::consts::TAU;

use chrono::{Datelike, TimeZone, Timelike};
use serde::{Deserialize, Serialize};

use super::model::{MICROS_PER_HOUR, Observation, Stream};
use super::store;
use crate::db::DbConnection;

/// The station property that maps a datastream's name to its series.
pub const PROPERTY: &str = "demo";

const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// Which example series a datastream gets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// PM10 (µg/m³): morning and evening peaks of traffic and heating,
    /// and a three-day smog episode of a winter inversion that ends four
    /// days before now, over the daily limit of 50.
    Pm10,
    /// A river level (cm): a base flow at half of the first flood alert
    /// level and a rain event two days ago that passes the second.
    Flood,
    /// Road surface temperature (°C): below zero each night, above by
    /// day.
    Road,
    /// A bridge deck: as a road, a degree and a half colder.
    Bridge,
    /// Air temperature (°C), damper than the surface's.
    Air,
    /// Occupied spaces of a car park whose capacity is the valid maximum:
    /// full on working days, quiet at weekends.
    Parking,
}

/// A number in [0, 1) fixed by the datastream and the time (SplitMix64).
fn noise(ds: i64, t: i64) -> f64 {
    let mut z = (ds as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(t as u64);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The hour of the day in Prague, with its fraction, and whether the day
/// is a working day.
fn local(t: i64) -> (f64, bool) {
    let Some(utc) = super::model::from_micros(t) else {
        return (0.0, true);
    };
    let l = chrono_tz::Europe::Prague.from_utc_datetime(&utc.naive_utc());
    let hour = f64::from(l.hour()) + f64::from(l.minute()) / 60.0;
    (hour, l.weekday().number_from_monday() <= 5)
}

fn bump(x: f64, centre: f64, width: f64) -> f64 {
    (-((x - centre) / width).powi(2)).exp()
}

/// The example value of `kind` at `t` for datastream `d`; `now` places
/// the episodes.
pub fn value(kind: Kind, d: &super::model::Datastream, t: i64, now: i64) -> f64 {
    let (hour, workday) = local(t);
    let jitter = noise(d.id, t) - 0.5;
    let days_ago = (now - t) as f64 / MICROS_PER_DAY as f64;
    let slow = (TAU * days_ago / 6.0).sin();
    let v = match kind {
        Kind::Pm10 => {
            let daily = 16.0 + 14.0 * bump(hour, 8.0, 1.6) + 18.0 * bump(hour, 19.5, 2.2);
            // The episode: days 7 to 4 before now.
            let smog = 60.0 * (1.0 - ((days_ago - 5.5) / 1.6).powi(2)).max(0.0);
            let station = 1.0 - 0.12 * (d.id % 3) as f64;
            (daily * station + smog + 3.0 * slow + 8.0 * jitter).max(2.0)
        }
        Kind::Flood => {
            let alert = d.alert_above.unwrap_or(80.0);
            let base = 0.5 * alert + 2.0 * slow;
            // Rises for six hours from 2 days 6 hours ago, then recedes.
            let since = 2.25 - days_ago;
            let wave = if since < 0.0 {
                0.0
            } else if since < 0.25 {
                let x = since / 0.25;
                x * x * (3.0 - 2.0 * x)
            } else {
                (-(since - 0.25) / 0.75).exp()
            };
            base + 1.0 * alert * wave + 1.5 * jitter
        }
        Kind::Road | Kind::Bridge => {
            let cold = if kind == Kind::Bridge { 1.5 } else { 0.0 };
            1.0 + 5.0 * (TAU * (hour - 8.0) / 24.0).sin() + 2.0 * slow - cold + 0.4 * jitter
        }
        Kind::Air => 1.8 + 3.5 * (TAU * (hour - 9.0) / 24.0).sin() + 2.0 * slow + 0.3 * jitter,
        Kind::Parking => {
            let capacity = d.valid_max.unwrap_or(100.0);
            let share = if workday {
                0.12 + 0.75 * (bump(hour, 11.5, 3.8)).min(1.0)
            } else {
                0.08 + 0.35 * bump(hour, 13.0, 3.0)
            };
            (capacity * share + 6.0 * jitter)
                .round()
                .clamp(0.0, capacity)
        }
    };
    (v * 10.0).round() / 10.0
}

/// What a run wrote.
#[derive(Debug, Default, PartialEq)]
pub struct Written {
    pub datastreams: u64,
    pub accepted: u64,
    pub duplicates: u64,
}

/// Writes `days` days up to `now` of example observations to every
/// datastream of an example station that names its series. In batches,
/// through the ingestion's store.
pub fn run(conn: &mut DbConnection, days: u32, now: i64) -> diesel::QueryResult<Written> {
    let mut out = Written::default();
    let things: Vec<_> = store::things(conn)?
        .into_iter()
        .filter(|t| t.is_example)
        .collect();
    let ids: Vec<i64> = things.iter().map(|t| t.id).collect();
    let kinds: HashMap<i64, serde_json::Map<String, serde_json::Value>> = things
        .iter()
        .map(|t| {
            let p = serde_json::from_str::<serde_json::Value>(&t.properties)
                .ok()
                .and_then(|v| v.get(PROPERTY).and_then(|m| m.as_object()).cloned())
                .unwrap_or_default();
            (t.id, p)
        })
        .collect();
    let from = now - i64::from(days) * MICROS_PER_DAY;
    for d in store::datastreams_of(conn, &ids)? {
        let Some(kind) = kinds
            .get(&d.thing_id)
            .and_then(|m| m.get(&d.name))
            .and_then(|k| serde_json::from_value::<Kind>(k.clone()).ok())
        else {
            continue;
        };
        let step = d.expected_interval_s.unwrap_or(600).max(60) * 1_000_000;
        let stream = Stream {
            id: d.id,
            thing_id: d.thing_id,
            valid_min: d.valid_min,
            valid_max: d.valid_max,
        };
        let streams = HashMap::from([(d.id, stream)]);
        let mut t = from.div_euclid(step) * step + step;
        let mut batch = Vec::with_capacity(10_000);
        while t <= now {
            batch.push(Observation {
                datastream: d.id,
                time: t,
                value: value(kind, &d, t, now),
            });
            t += step;
            if batch.len() == 10_000 || t > now {
                let s = store::insert(conn, &streams, &batch, &HashMap::new())?;
                out.accepted += s.accepted;
                out.duplicates += s.duplicates;
                batch.clear();
            }
        }
        out.datastreams += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(alert: Option<f64>, max: Option<f64>) -> super::super::model::Datastream {
        let input = super::super::input::DatastreamInput {
            valid_min: Some(0.0),
            valid_max: max,
            alert_above: alert,
            expected_interval_s: Some(600),
            ..Default::default()
        };
        super::super::model::Datastream {
            id: 7,
            ..super::super::service::new_datastream(&input, 1, chrono::NaiveDateTime::default())
        }
    }

    // 2026-12-07 12:00 UTC, a Monday.
    const NOW: i64 = 1_796_644_800_000_000;

    fn series(kind: Kind, d: &super::super::model::Datastream, days: i64) -> Vec<(i64, f64)> {
        (0..days * 144)
            .map(|i| {
                let t = NOW - i * 600_000_000;
                (t, value(kind, d, t, NOW))
            })
            .collect()
    }

    #[test]
    fn the_series_show_what_their_datasets_are_about() {
        let pm = series(Kind::Pm10, &ds(Some(50.0), Some(1000.0)), 10);
        let over = |lo: f64, hi: f64| {
            pm.iter()
                .filter(|(t, _)| (NOW - t) as f64 / MICROS_PER_DAY as f64 >= lo)
                .filter(|(t, _)| ((NOW - t) as f64 / (MICROS_PER_DAY as f64)) < hi)
                .map(|(_, v)| *v)
                .sum::<f64>()
                / 144.0
        };
        assert!(
            over(5.0, 6.0) > 50.0,
            "the smog day's mean passes the limit"
        );
        assert!(over(1.0, 2.0) < 50.0, "an ordinary day's does not");

        let flood = series(Kind::Flood, &ds(Some(95.0), Some(500.0)), 4);
        let peak = flood.iter().map(|(_, v)| *v).fold(f64::MIN, f64::max);
        assert!(
            peak > 130.0,
            "the rain event passes the second level: {peak}"
        );
        assert!(flood[0].1 < 95.0, "and has receded by now");

        let road = series(Kind::Road, &ds(None, Some(80.0)), 2);
        assert!(road.iter().any(|(_, v)| *v < 0.0) && road.iter().any(|(_, v)| *v > 0.0));

        let park = ds(None, Some(120.0));
        let all = series(Kind::Parking, &park, 7);
        assert!(all.iter().all(|(_, v)| (0.0..=120.0).contains(v)));
        // Monday at noon is busier than Sunday at noon.
        let monday = value(Kind::Parking, &park, NOW, NOW);
        let sunday = value(Kind::Parking, &park, NOW - MICROS_PER_DAY, NOW);
        assert!(monday > sunday + 30.0, "{monday} vs {sunday}");
    }
}

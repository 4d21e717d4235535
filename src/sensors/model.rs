//! The sensor domain's types. Times are microseconds since 1970 (UTC), as
//! the tables keep them.

use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeZone, Utc};
use diesel::prelude::*;
use serde::Serialize;

/// An observation inside its datastream's valid range.
pub const GOOD: i16 = 0;
/// An observation outside the valid range: kept and shown as suspect.
pub const SUSPECT: i16 = 1;

/// The rollup spans: an hour (UTC; Prague's offsets are whole hours, so
/// it is a Prague hour too) and a calendar day in Europe/Prague.
pub const HOUR: i16 = 1;
pub const DAY: i16 = 2;

pub const MICROS_PER_HOUR: i64 = 3_600_000_000;

/// A station (SensorThings' Thing with its one Location).
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::sensor_things)]
pub struct Thing {
    pub id: i64,
    pub publisher_id: String,
    pub dataset_id: Option<String>,
    pub name: String,
    pub description: String,
    /// A JSON object's text.
    pub properties: String,
    pub longitude: f64,
    pub latitude: f64,
    pub location_name: String,
    pub is_example: bool,
    /// Ingestion counters, kept as batches are stored.
    pub accepted: i64,
    pub duplicates: i64,
    pub rejected: i64,
    pub flagged: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A datastream of a station, with its sensor and observed property.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::sensor_datastreams)]
pub struct Datastream {
    pub id: i64,
    pub thing_id: i64,
    pub name: String,
    pub description: String,
    pub property_uri: String,
    pub property_name: String,
    /// The unit's UCUM code, such as `ug/m3` or `cm`.
    pub unit_ucum: String,
    pub unit_symbol: String,
    pub unit_name: String,
    pub sensor_name: String,
    pub sensor_metadata: String,
    pub valid_min: Option<f64>,
    pub valid_max: Option<f64>,
    pub alert_above: Option<f64>,
    pub alert_below: Option<f64>,
    pub expected_interval_s: Option<i64>,
    /// Maintained as observations arrive.
    pub observation_count: i64,
    pub first_time: Option<i64>,
    pub last_time: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Thing {
    /// What the audit log keeps of a station: the registry's fields, not
    /// the ingestion counters (they change with every batch, unaudited).
    pub fn record(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "publisher_id": self.publisher_id,
            "dataset_id": self.dataset_id,
            "name": self.name,
            "description": self.description,
            "properties": serde_json::from_str::<serde_json::Value>(&self.properties)
                .unwrap_or(serde_json::Value::Null),
            "longitude": self.longitude,
            "latitude": self.latitude,
            "location_name": self.location_name,
            "is_example": self.is_example,
        })
    }
}

impl Datastream {
    /// What the audit log keeps of a datastream: not its counts.
    pub fn record(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "thing_id": self.thing_id,
            "name": self.name,
            "description": self.description,
            "property_uri": self.property_uri,
            "property_name": self.property_name,
            "unit_ucum": self.unit_ucum,
            "unit_symbol": self.unit_symbol,
            "unit_name": self.unit_name,
            "sensor_name": self.sensor_name,
            "sensor_metadata": self.sensor_metadata,
            "valid_min": self.valid_min,
            "valid_max": self.valid_max,
            "alert_above": self.alert_above,
            "alert_below": self.alert_below,
            "expected_interval_s": self.expected_interval_s,
        })
    }
}

/// A station's device token as its curator sees it (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::sensor_tokens)]
pub struct DeviceToken {
    pub id: String,
    pub thing_id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Device tokens start so, and a user's API tokens differently (`rdn_`),
/// so one header tells which table holds the secret.
pub const DEVICE_TOKEN_PREFIX: &str = "rdd_";

/// One observation as it is stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub datastream: i64,
    pub time: i64,
    pub value: f64,
}

/// What storing needs to know of a datastream: its station and range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stream {
    pub id: i64,
    pub thing_id: i64,
    pub valid_min: Option<f64>,
    pub valid_max: Option<f64>,
}

impl Stream {
    pub fn quality(&self, value: f64) -> i16 {
        let below = self.valid_min.is_some_and(|m| value < m);
        let above = self.valid_max.is_some_and(|m| value > m);
        if below || above { SUSPECT } else { GOOD }
    }
}

pub fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub fn from_micros(t: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(t)
}

/// The start of the UTC hour that holds `t`.
pub fn hour_of(t: i64) -> i64 {
    t.div_euclid(MICROS_PER_HOUR) * MICROS_PER_HOUR
}

/// The start (as UTC microseconds) of the Prague calendar day that holds
/// the hour starting at `hour`. A day is 23, 24 or 25 hours long.
pub fn day_of_hour(hour: i64) -> i64 {
    let Some(t) = from_micros(hour) else {
        return hour;
    };
    let local = t.with_timezone(&chrono_tz::Europe::Prague).date_naive();
    // Midnight exists in Prague every day (the clocks change at 2:00 and
    // 3:00), so `earliest` always answers.
    chrono_tz::Europe::Prague
        .from_local_datetime(&local.and_time(NaiveTime::MIN))
        .earliest()
        .map_or(hour, |m| micros(m.with_timezone(&Utc)))
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a test that fails says where")]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        micros(
            DateTime::parse_from_rfc3339(s)
                .expect("time")
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn days_are_prague_days_across_the_clock_changes() {
        // 23:30 UTC on 1 July is 01:30 on 2 July in Prague (CEST).
        let t = at("2026-07-01T23:30:00Z");
        assert_eq!(day_of_hour(hour_of(t)), at("2026-07-02T00:00:00+02:00"));
        // In winter Prague is UTC+1.
        let t = at("2026-01-15T23:10:00Z");
        assert_eq!(day_of_hour(hour_of(t)), at("2026-01-16T00:00:00+01:00"));
        // 29 March 2026 has 23 hours: its last hour is still that day.
        let t = at("2026-03-29T21:59:00Z");
        assert_eq!(day_of_hour(hour_of(t)), at("2026-03-29T00:00:00+01:00"));
        let t = at("2026-03-29T22:00:00Z");
        assert_eq!(day_of_hour(hour_of(t)), at("2026-03-30T00:00:00+02:00"));
        // 25 October 2026 has 25 hours.
        let t = at("2026-10-25T22:59:00Z");
        assert_eq!(day_of_hour(hour_of(t)), at("2026-10-25T00:00:00+02:00"));
    }

    #[test]
    fn hours_before_1970_floor_down() {
        assert_eq!(hour_of(-1), -MICROS_PER_HOUR);
        assert_eq!(hour_of(MICROS_PER_HOUR + 5), MICROS_PER_HOUR);
    }

    #[test]
    fn values_outside_the_range_are_suspect_not_dropped() {
        let s = Stream {
            id: 1,
            thing_id: 1,
            valid_min: Some(0.0),
            valid_max: Some(1000.0),
        };
        assert_eq!(s.quality(-0.5), SUSPECT);
        assert_eq!(s.quality(0.0), GOOD);
        assert_eq!(s.quality(1000.5), SUSPECT);
    }
}

//! A batch of observations as a device or gateway sends it: a JSON array
//! `[{"datastream": ID, "time": RFC 3339, "value": number}]` or a CSV body
//! with the header `datastream,time,value`. Each item is checked on its
//! own: a bad one gets its reason and the others go on.

use serde_json::Value;
use serde_json::value::RawValue;

use super::model::{MICROS_PER_HOUR, Observation, micros};
use crate::error::AppError;

/// Items in one batch; a larger batch is refused whole (send several).
pub const MAX_ITEMS: usize = 100_000;
/// How far ahead of the server's clock a time may be (a device's clock
/// runs a little fast; a year ahead is a wrong clock).
pub const MAX_AHEAD: i64 = MICROS_PER_HOUR;

/// One item's reason for not being stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rejected {
    pub index: usize,
    /// A machine-readable reason: `datastream`, `time`, `value`,
    /// `unknown_datastream`, `not_allowed`, `malformed`.
    pub code: &'static str,
    pub reason: &'static str,
    /// The item's datastream when it could be read: its station counts
    /// the refusal.
    #[serde(skip)]
    pub datastream: Option<i64>,
}

impl Rejected {
    pub fn new(index: usize, code: &'static str) -> Rejected {
        let reason = match code {
            "datastream" => "datastream musí být celé číslo (@iot.id datového proudu)",
            "time" => "time musí být čas podle RFC 3339 mezi rokem 1970 a nejvýše hodinou napřed",
            "value" => "value musí být konečné číslo",
            "unknown_datastream" => "takový datový proud neexistuje",
            "not_allowed" => "tento token nesmí zapisovat do tohoto datového proudu",
            _ => "položka má mít datastream, time a value",
        };
        Rejected {
            index,
            code,
            reason,
            datastream: None,
        }
    }
}

/// A batch read: the good items with their positions, and the bad ones.
#[derive(Debug, Default)]
pub struct Batch {
    pub items: Vec<(usize, Observation)>,
    pub rejected: Vec<Rejected>,
}

/// More items than one batch takes: 413, as a body over the limit.
fn too_many() -> AppError {
    AppError::PayloadTooLarge
}

/// Reads a batch; `csv` says the body is CSV. `now` is the server's time
/// in microseconds. A body that is not an array (or a CSV without its
/// header) is a 400 for the whole batch.
pub fn read(body: &[u8], csv: bool, now: i64) -> Result<Batch, AppError> {
    if csv {
        read_csv(body, now)
    } else {
        read_json(body, now)
    }
}

fn time_of(text: &str, now: i64) -> Option<i64> {
    let t = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    let t = micros(t.with_timezone(&chrono::Utc));
    (0..=now.saturating_add(MAX_AHEAD))
        .contains(&t)
        .then_some(t)
}

pub(crate) fn item(
    index: usize,
    ds: Option<i64>,
    time: Option<&str>,
    value: Option<f64>,
    now: i64,
) -> Result<Observation, Rejected> {
    let datastream = ds.ok_or_else(|| Rejected::new(index, "datastream"))?;
    let of = |code| Rejected {
        datastream: Some(datastream),
        ..Rejected::new(index, code)
    };
    let time = time
        .and_then(|t| time_of(t, now))
        .ok_or_else(|| of("time"))?;
    let value = value.filter(|v| v.is_finite()).ok_or_else(|| of("value"))?;
    Ok(Observation {
        datastream,
        time,
        value,
    })
}

fn read_json(body: &[u8], now: i64) -> Result<Batch, AppError> {
    if crate::bounds::json_depth(body) > crate::bounds::MAX_DOCUMENT_DEPTH {
        return Err(AppError::bad_request("the JSON is nested too deeply", None));
    }
    // The outline first: each item is then read on its own, so one bad
    // item is that item's reason, not the batch's.
    let items: Vec<&RawValue> = serde_json::from_slice(body).map_err(|e| {
        AppError::bad_request(
            format!("the body must be a JSON array of observations: {e}"),
            None,
        )
    })?;
    if items.len() > MAX_ITEMS {
        return Err(too_many());
    }
    let mut out = Batch::default();
    for (index, raw) in items.into_iter().enumerate() {
        // An object, not anything serde would read into one (an array).
        let Ok(x) = serde_json::from_str::<serde_json::Map<String, Value>>(raw.get()) else {
            out.rejected.push(Rejected::new(index, "malformed"));
            continue;
        };
        let ds = x.get("datastream").and_then(Value::as_i64);
        let time = x.get("time").and_then(Value::as_str);
        let value = x.get("value").and_then(Value::as_f64);
        match item(index, ds, time, value, now) {
            Ok(o) => out.items.push((index, o)),
            Err(r) => out.rejected.push(r),
        }
    }
    Ok(out)
}

fn read_csv(body: &[u8], now: i64) -> Result<Batch, AppError> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    let header = r
        .headers()
        .map_err(|e| AppError::bad_request(format!("the CSV cannot be read: {e}"), None))?
        .clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
    };
    let (Some(d), Some(t), Some(v)) = (col("datastream"), col("time"), col("value")) else {
        return Err(AppError::bad_request(
            "the CSV's header must name datastream, time and value",
            None,
        ));
    };
    let mut out = Batch::default();
    for (index, rec) in r.records().enumerate() {
        if index >= MAX_ITEMS {
            return Err(too_many());
        }
        let Ok(rec) = rec else {
            out.rejected.push(Rejected::new(index, "malformed"));
            continue;
        };
        let ds = rec.get(d).and_then(|s| s.parse::<i64>().ok());
        let value = rec.get(v).and_then(|s| s.parse::<f64>().ok());
        match item(index, ds, rec.get(t), value, now) {
            Ok(o) => out.items.push((index, o)),
            Err(x) => out.rejected.push(x),
        }
    }
    Ok(out)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test that fails says where")]
mod tests {
    use super::*;

    // 2027-01-15: the items of July 2026 are in the past.
    const NOW: i64 = 1_800_000_000_000_000;

    #[test]
    fn each_bad_item_has_its_reason_and_the_good_ones_go_on() {
        let body = br#"[
            {"datastream": 1, "time": "2026-07-01T10:00:00Z", "value": 21.5},
            {"datastream": "x", "time": "2026-07-01T10:00:00Z", "value": 1},
            {"datastream": 1, "time": "1969-12-31T23:59:59Z", "value": 1},
            {"datastream": 1, "time": "2099-01-01T00:00:00Z", "value": 1},
            {"datastream": 1, "time": "2026-07-01T10:00:00Z", "value": "dvacet"},
            [1, 2, 3],
            {"datastream": 2, "time": "2026-07-01T12:00:00+02:00", "value": 3}
        ]"#;
        let b = read(body, false, NOW).unwrap();
        assert_eq!(
            b.items.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            vec![0, 6]
        );
        assert_eq!(
            b.items[1].1.time, b.items[0].1.time,
            "12:00+02:00 is 10:00Z"
        );
        let codes: Vec<_> = b.rejected.iter().map(|r| (r.index, r.code)).collect();
        assert_eq!(
            codes,
            vec![
                (1, "datastream"),
                (2, "time"),
                (3, "time"),
                (4, "value"),
                (5, "malformed")
            ]
        );
    }

    #[test]
    fn a_csv_batch_reads_as_the_json_one() {
        let body = b"datastream,time,value\n1,2026-07-01T10:00:00Z,21.5\n1,zitra,3\n";
        let b = read(body, true, NOW).unwrap();
        assert_eq!(b.items.len(), 1);
        assert_eq!(
            b.rejected
                .iter()
                .map(|r| (r.index, r.code, r.datastream))
                .collect::<Vec<_>>(),
            vec![(1, "time", Some(1))]
        );
        assert!(read(b"a,b\n1,2\n", true, NOW).is_err());
    }

    #[test]
    fn a_body_that_is_no_array_is_refused_whole() {
        assert!(read(br#"{"datastream": 1}"#, false, NOW).is_err());
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(read(deep.as_bytes(), false, NOW).is_err());
    }
}

// --- The registry -----------------------------------------------------------

use crate::error::FieldError;

/// The longest name; descriptions and metadata may be longer.
pub const MAX_NAME: usize = 200;
pub const MAX_TEXT: usize = 4_000;
/// A station's `properties` as JSON text.
pub const MAX_PROPERTIES: usize = 16 * 1024;

/// A station as a curator or a SensorThings client describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StationInput {
    /// The publisher's slug (the form offers the user's publishers).
    pub publisher: String,
    pub name: String,
    pub description: String,
    /// A JSON object.
    pub properties: serde_json::Map<String, Value>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub location_name: String,
    /// The slug of the catalog dataset that publishes the station's data.
    pub dataset: Option<String>,
}

/// A datastream with its sensor and observed property.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatastreamInput {
    pub name: String,
    pub description: String,
    pub property_uri: String,
    pub property_name: String,
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
}

fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, required: bool, max: usize) {
    if required && value.trim().is_empty() {
        errors.push(FieldError::new(field, "field_required"));
    } else if value.chars().count() > max
        || value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.push(FieldError::new(field, "field_too_long"));
    }
}

/// Checks a station; the errors name the form's fields.
pub fn station(i: &StationInput) -> Result<(), Vec<FieldError>> {
    let mut e = Vec::new();
    text(&mut e, "publisher", &i.publisher, true, MAX_NAME);
    text(&mut e, "name", &i.name, true, MAX_NAME);
    text(&mut e, "description", &i.description, false, MAX_TEXT);
    text(&mut e, "location_name", &i.location_name, false, MAX_NAME);
    match i.longitude {
        None => e.push(FieldError::new("longitude", "field_required")),
        Some(x) if !(-180.0..=180.0).contains(&x) => {
            e.push(FieldError::new("longitude", "sensor_longitude_range"))
        }
        Some(_) => {}
    }
    match i.latitude {
        None => e.push(FieldError::new("latitude", "field_required")),
        Some(y) if !(-90.0..=90.0).contains(&y) => {
            e.push(FieldError::new("latitude", "sensor_latitude_range"))
        }
        Some(_) => {}
    }
    let props = serde_json::to_string(&i.properties).unwrap_or_default();
    if props.len() > MAX_PROPERTIES
        || crate::bounds::json_depth(props.as_bytes()) > crate::bounds::MAX_DOCUMENT_DEPTH
    {
        e.push(FieldError::new("properties", "sensor_properties_too_large"));
    }
    if e.is_empty() { Ok(()) } else { Err(e) }
}

/// A UCUM code as devices and vocabularies write it: printable ASCII
/// without spaces (`ug/m3`, `cm`, `Cel`, `%`, `1`).
fn ucum(code: &str) -> bool {
    !code.is_empty() && code.len() <= 50 && code.bytes().all(|b| b.is_ascii_graphic())
}

/// Checks a datastream; the errors name the form's fields.
pub fn datastream(i: &DatastreamInput) -> Result<(), Vec<FieldError>> {
    let mut e = Vec::new();
    text(&mut e, "name", &i.name, true, MAX_NAME);
    text(&mut e, "description", &i.description, false, MAX_TEXT);
    text(&mut e, "property_name", &i.property_name, true, MAX_NAME);
    text(&mut e, "unit_symbol", &i.unit_symbol, false, 20);
    text(&mut e, "unit_name", &i.unit_name, false, MAX_NAME);
    text(&mut e, "sensor_name", &i.sensor_name, false, MAX_NAME);
    text(
        &mut e,
        "sensor_metadata",
        &i.sensor_metadata,
        false,
        MAX_TEXT,
    );
    let uri = i.property_uri.trim();
    if uri.is_empty() {
        e.push(FieldError::new("property_uri", "field_required"));
    } else if uri.len() > 500
        || !url::Url::parse(uri).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        e.push(FieldError::new("property_uri", "url_invalid"));
    }
    if !ucum(i.unit_ucum.trim()) {
        e.push(FieldError::new("unit_ucum", "sensor_ucum_invalid"));
    }
    for (field, v) in [
        ("valid_min", i.valid_min),
        ("valid_max", i.valid_max),
        ("alert_above", i.alert_above),
        ("alert_below", i.alert_below),
    ] {
        if v.is_some_and(|v| !v.is_finite()) {
            e.push(FieldError::new(field, "field_number"));
        }
    }
    if let (Some(lo), Some(hi)) = (i.valid_min, i.valid_max)
        && lo > hi
    {
        e.push(FieldError::new("valid_max", "sensor_range_inverted"));
    }
    if i.expected_interval_s
        .is_some_and(|s| !(1..=31 * 86_400).contains(&s))
    {
        e.push(FieldError::new(
            "expected_interval_s",
            "sensor_interval_range",
        ));
    }
    if e.is_empty() { Ok(()) } else { Err(e) }
}

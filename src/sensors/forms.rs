//! The registry's HTML forms: a station and a datastream as a curator
//! types them, read into the inputs the one validator checks. Numbers
//! take a decimal comma, as Czech keyboards write them.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::input::{DatastreamInput, StationInput};
use super::model::{Datastream, Thing};
use crate::error::FieldError;

/// A version a form sends back: the `updated_at` it started from.
fn version_of(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f").ok()
}

pub fn version_text(t: &NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

fn number(errors: &mut Vec<FieldError>, field: &str, text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match t
        .replace(',', ".")
        .replace(['\u{a0}', ' '], "")
        .parse::<f64>()
    {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            errors.push(FieldError::new(field, "field_number"));
            None
        }
    }
}

fn show(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StationForm {
    pub publisher: String,
    pub dataset: String,
    pub name: String,
    pub description: String,
    pub location_name: String,
    pub longitude: String,
    pub latitude: String,
    pub version: String,
}

impl StationForm {
    pub fn of(t: &Thing, publisher: &str, dataset: Option<&str>) -> StationForm {
        StationForm {
            publisher: publisher.to_string(),
            dataset: dataset.unwrap_or_default().to_string(),
            name: t.name.clone(),
            description: t.description.clone(),
            location_name: t.location_name.clone(),
            longitude: t.longitude.to_string(),
            latitude: t.latitude.to_string(),
            version: version_text(&t.updated_at),
        }
    }

    /// The input, keeping the properties the station had (the form does
    /// not show them; SensorThings clients set them).
    pub fn input(
        &self,
        properties: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(StationInput, Option<NaiveDateTime>), Vec<FieldError>> {
        let mut e = Vec::new();
        let longitude = number(&mut e, "longitude", &self.longitude);
        let latitude = number(&mut e, "latitude", &self.latitude);
        let input = StationInput {
            publisher: self.publisher.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            properties,
            longitude,
            latitude,
            location_name: self.location_name.clone(),
            dataset: Some(self.dataset.clone()).filter(|d| !d.trim().is_empty()),
        };
        if let Err(more) = super::input::station(&input) {
            for m in more {
                if !e.iter().any(|x| x.field == m.field) {
                    e.push(m);
                }
            }
        }
        if e.is_empty() {
            Ok((input, version_of(&self.version)))
        } else {
            Err(e)
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DatastreamForm {
    pub name: String,
    pub description: String,
    pub property_uri: String,
    pub property_name: String,
    pub unit_ucum: String,
    pub unit_symbol: String,
    pub unit_name: String,
    pub sensor_name: String,
    pub sensor_metadata: String,
    pub valid_min: String,
    pub valid_max: String,
    pub alert_above: String,
    pub alert_below: String,
    pub expected_interval_s: String,
    pub version: String,
}

impl DatastreamForm {
    pub fn of(d: &Datastream) -> DatastreamForm {
        DatastreamForm {
            name: d.name.clone(),
            description: d.description.clone(),
            property_uri: d.property_uri.clone(),
            property_name: d.property_name.clone(),
            unit_ucum: d.unit_ucum.clone(),
            unit_symbol: d.unit_symbol.clone(),
            unit_name: d.unit_name.clone(),
            sensor_name: d.sensor_name.clone(),
            sensor_metadata: d.sensor_metadata.clone(),
            valid_min: show(d.valid_min),
            valid_max: show(d.valid_max),
            alert_above: show(d.alert_above),
            alert_below: show(d.alert_below),
            expected_interval_s: d
                .expected_interval_s
                .map(|s| s.to_string())
                .unwrap_or_default(),
            version: version_text(&d.updated_at),
        }
    }

    pub fn input(&self) -> Result<(DatastreamInput, Option<NaiveDateTime>), Vec<FieldError>> {
        let mut e = Vec::new();
        let valid_min = number(&mut e, "valid_min", &self.valid_min);
        let valid_max = number(&mut e, "valid_max", &self.valid_max);
        let alert_above = number(&mut e, "alert_above", &self.alert_above);
        let alert_below = number(&mut e, "alert_below", &self.alert_below);
        let interval = self.expected_interval_s.trim();
        let expected_interval_s = if interval.is_empty() {
            None
        } else {
            match interval.parse::<i64>() {
                Ok(s) => Some(s),
                Err(_) => {
                    e.push(FieldError::new(
                        "expected_interval_s",
                        "sensor_interval_range",
                    ));
                    None
                }
            }
        };
        let input = DatastreamInput {
            name: self.name.clone(),
            description: self.description.clone(),
            property_uri: self.property_uri.clone(),
            property_name: self.property_name.clone(),
            unit_ucum: self.unit_ucum.clone(),
            unit_symbol: self.unit_symbol.clone(),
            unit_name: self.unit_name.clone(),
            sensor_name: self.sensor_name.clone(),
            sensor_metadata: self.sensor_metadata.clone(),
            valid_min,
            valid_max,
            alert_above,
            alert_below,
            expected_interval_s,
        };
        if let Err(more) = super::input::datastream(&input) {
            for m in more {
                if !e.iter().any(|x| x.field == m.field) {
                    e.push(m);
                }
            }
        }
        if e.is_empty() {
            Ok((input, version_of(&self.version)))
        } else {
            Err(e)
        }
    }
}

/// A device token's name, and a revocation's nothing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    pub name: String,
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test that fails says where")]
mod tests {
    use super::*;

    #[test]
    fn decimal_commas_read_and_bad_numbers_name_their_field() {
        let f = StationForm {
            publisher: "mesto".into(),
            name: "Stanice".into(),
            longitude: "13,4132".into(),
            latitude: "50.4598".into(),
            ..Default::default()
        };
        let (i, v) = f.input(Default::default()).unwrap();
        assert_eq!(i.longitude, Some(13.4132));
        assert_eq!(v, None);
        let bad = StationForm {
            longitude: "východ".into(),
            ..f
        };
        let e = bad.input(Default::default()).unwrap_err();
        assert_eq!(
            e.iter().map(|x| x.field.as_str()).collect::<Vec<_>>(),
            vec!["longitude"]
        );
        let d = DatastreamForm {
            name: "PM10".into(),
            property_uri: "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/5".into(),
            property_name: "PM10".into(),
            unit_ucum: "ug/m3".into(),
            valid_min: "0".into(),
            valid_max: "1 000,5".into(),
            expected_interval_s: "deset".into(),
            ..Default::default()
        };
        let e = d.input().unwrap_err();
        assert_eq!(e[0].field, "expected_interval_s");
        let ok = DatastreamForm {
            expected_interval_s: "600".into(),
            ..d
        };
        assert_eq!(ok.input().unwrap().0.valid_max, Some(1000.5));
    }
}

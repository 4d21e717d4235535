//! SensorThings' entities over the registry. The registry keeps what the
//! city has (a station with its one position, datastreams with their
//! sensor and observed property); SensorThings splits it into eight entity
//! types. Their ids follow from the registry's:
//! - Thing, Location, HistoricalLocation, FeatureOfInterest: the station's
//!   id (a station has one position, so one of each);
//! - Datastream and Sensor: the datastream's id;
//! - ObservedProperty: the smallest id of the datastreams that observe the
//!   same property (its URI);
//! - Observation: `'{datastream}-{microseconds}'`, its key in the table.

use std::collections::HashMap;

use chrono::SecondsFormat;
use serde_json::{Map, Value, json};

use crate::sensors::filter::{Subject, Val};
use crate::sensors::model::{Datastream, SUSPECT, Thing, from_micros};
use crate::sensors::store::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Thing,
    Location,
    HistoricalLocation,
    Datastream,
    Sensor,
    ObservedProperty,
    Observation,
    FeatureOfInterest,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Thing,
        Kind::Location,
        Kind::HistoricalLocation,
        Kind::Datastream,
        Kind::Sensor,
        Kind::ObservedProperty,
        Kind::Observation,
        Kind::FeatureOfInterest,
    ];
}

impl Kind {
    /// The entity set's name in URLs.
    pub fn set(self) -> &'static str {
        match self {
            Kind::Thing => "Things",
            Kind::Location => "Locations",
            Kind::HistoricalLocation => "HistoricalLocations",
            Kind::Datastream => "Datastreams",
            Kind::Sensor => "Sensors",
            Kind::ObservedProperty => "ObservedProperties",
            Kind::Observation => "Observations",
            Kind::FeatureOfInterest => "FeaturesOfInterest",
        }
    }

    pub fn from_set(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.set() == name)
    }

    /// The navigation properties: name, target, and whether it is a set.
    pub fn navs(self) -> &'static [(&'static str, Kind, bool)] {
        match self {
            Kind::Thing => &[
                ("Locations", Kind::Location, true),
                ("HistoricalLocations", Kind::HistoricalLocation, true),
                ("Datastreams", Kind::Datastream, true),
            ],
            Kind::Location => &[
                ("Things", Kind::Thing, true),
                ("HistoricalLocations", Kind::HistoricalLocation, true),
            ],
            Kind::HistoricalLocation => &[
                ("Thing", Kind::Thing, false),
                ("Locations", Kind::Location, true),
            ],
            Kind::Datastream => &[
                ("Thing", Kind::Thing, false),
                ("Sensor", Kind::Sensor, false),
                ("ObservedProperty", Kind::ObservedProperty, false),
                ("Observations", Kind::Observation, true),
            ],
            Kind::Sensor | Kind::ObservedProperty => &[("Datastreams", Kind::Datastream, true)],
            Kind::Observation => &[
                ("Datastream", Kind::Datastream, false),
                ("FeatureOfInterest", Kind::FeatureOfInterest, false),
            ],
            Kind::FeatureOfInterest => &[("Observations", Kind::Observation, true)],
        }
    }

    pub fn nav(self, name: &str) -> Option<(Kind, bool)> {
        self.navs()
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, k, many)| (*k, *many))
    }
}

/// An entity, borrowed from the registry it was read from.
#[derive(Debug, Clone, Copy)]
pub enum Ent<'g> {
    Thing(&'g Thing),
    Location(&'g Thing),
    HistoricalLocation(&'g Thing),
    Datastream(&'g Datastream),
    Sensor(&'g Datastream),
    /// The datastream whose id is the property's.
    ObservedProperty(&'g Datastream),
    Observation(&'g Datastream, Row),
    FeatureOfInterest(&'g Thing),
}

/// What a navigation property leads to.
pub enum Rel<'g> {
    One(Ent<'g>),
    Many(Vec<Ent<'g>>),
    /// The observations of these datastreams (read from the table, paged).
    Observations(Vec<&'g Datastream>),
}

/// An id in a URL: `Things(1)` or `Observations('3-1767225600000000')`.
#[derive(Debug, Clone, PartialEq)]
pub enum Id {
    Num(i64),
    Text(String),
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Id::Num(n) => write!(f, "{n}"),
            Id::Text(t) => write!(f, "'{t}'"),
        }
    }
}

impl Id {
    fn num(&self) -> Option<i64> {
        match self {
            Id::Num(n) => Some(*n),
            Id::Text(t) => t.parse().ok(),
        }
    }
}

pub fn observation_id(ds: i64, time: i64) -> String {
    format!("{ds}-{time}")
}

/// The datastream and time of an Observation's id.
pub fn parse_observation_id(id: &Id) -> Option<(i64, i64)> {
    match id {
        Id::Text(t) => {
            let (a, b) = t.split_once('-')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        }
        Id::Num(_) => None,
    }
}

/// A time as SensorThings writes it: RFC 3339 in UTC, to the microsecond
/// when it has a fraction.
pub fn time_text(us: i64) -> String {
    from_micros(us)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_default()
}

fn point(t: &Thing) -> Value {
    json!({"type": "Point", "coordinates": [t.longitude, t.latitude]})
}

fn place_name(t: &Thing) -> &str {
    if t.location_name.trim().is_empty() {
        &t.name
    } else {
        &t.location_name
    }
}

const MEASUREMENT: &str = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement";
const UCUM: &str = "http://unitsofmeasure.org/ucum.html";

/// The registry as SensorThings entities, with the service's address for
/// the links.
pub struct Graph {
    pub things: Vec<Thing>,
    pub streams: Vec<Datastream>,
    /// The service root, absolute: `https://…/sta/v1.1`.
    pub base: String,
    thing_at: HashMap<i64, usize>,
    stream_at: HashMap<i64, usize>,
    streams_of: HashMap<i64, Vec<usize>>,
    /// Observed property URI → its id (the smallest datastream id).
    property_id: HashMap<String, i64>,
}

impl Graph {
    /// `things` and `streams` by id.
    pub fn new(things: Vec<Thing>, streams: Vec<Datastream>, base: String) -> Graph {
        let thing_at = things.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        let stream_at = streams.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
        let mut streams_of: HashMap<i64, Vec<usize>> = HashMap::new();
        let mut property_id: HashMap<String, i64> = HashMap::new();
        for (i, d) in streams.iter().enumerate() {
            streams_of.entry(d.thing_id).or_default().push(i);
            property_id.entry(d.property_uri.clone()).or_insert(d.id);
        }
        Graph {
            things,
            streams,
            base,
            thing_at,
            stream_at,
            streams_of,
            property_id,
        }
    }

    pub fn thing(&self, id: i64) -> Option<&Thing> {
        self.thing_at.get(&id).map(|&i| &self.things[i])
    }

    pub fn stream(&self, id: i64) -> Option<&Datastream> {
        self.stream_at.get(&id).map(|&i| &self.streams[i])
    }

    fn streams_of_thing(&self, id: i64) -> Vec<&Datastream> {
        self.streams_of
            .get(&id)
            .map(|v| v.iter().map(|&i| &self.streams[i]).collect())
            .unwrap_or_default()
    }

    fn property_of<'g>(&'g self, d: &'g Datastream) -> &'g Datastream {
        self.property_id
            .get(&d.property_uri)
            .and_then(|&id| self.stream(id))
            .unwrap_or(d)
    }

    /// Every entity of a registry kind (not Observations), by id.
    pub fn all(&self, kind: Kind) -> Rel<'_> {
        let things = || self.things.iter();
        let streams = || self.streams.iter();
        Rel::Many(match kind {
            Kind::Thing => things().map(Ent::Thing).collect(),
            Kind::Location => things().map(Ent::Location).collect(),
            Kind::HistoricalLocation => things().map(Ent::HistoricalLocation).collect(),
            Kind::FeatureOfInterest => things().map(Ent::FeatureOfInterest).collect(),
            Kind::Datastream => streams().map(Ent::Datastream).collect(),
            Kind::Sensor => streams().map(Ent::Sensor).collect(),
            Kind::ObservedProperty => streams()
                .filter(|d| self.property_id.get(&d.property_uri) == Some(&d.id))
                .map(Ent::ObservedProperty)
                .collect(),
            Kind::Observation => return Rel::Observations(streams().collect()),
        })
    }

    /// A registry entity by its id (Observations are read from the table).
    pub fn find(&self, kind: Kind, id: &Id) -> Option<Ent<'_>> {
        let n = id.num()?;
        Some(match kind {
            Kind::Thing => Ent::Thing(self.thing(n)?),
            Kind::Location => Ent::Location(self.thing(n)?),
            Kind::HistoricalLocation => Ent::HistoricalLocation(self.thing(n)?),
            Kind::FeatureOfInterest => Ent::FeatureOfInterest(self.thing(n)?),
            Kind::Datastream => Ent::Datastream(self.stream(n)?),
            Kind::Sensor => Ent::Sensor(self.stream(n)?),
            Kind::ObservedProperty => {
                let d = self.stream(n)?;
                (self.property_id.get(&d.property_uri) == Some(&n))
                    .then_some(Ent::ObservedProperty(d))?
            }
            Kind::Observation => return None,
        })
    }

    /// Where a navigation property of `e` leads; `None` when `e` has none
    /// of that name.
    pub fn related<'g>(&'g self, e: Ent<'g>, nav: &str) -> Option<Rel<'g>> {
        let of_thing = |t: &'g Thing| self.thing(t.id).map(Ent::Thing);
        Some(match (e, nav) {
            (Ent::Thing(t), "Locations") => Rel::Many(vec![Ent::Location(t)]),
            (Ent::Thing(t), "HistoricalLocations") => Rel::Many(vec![Ent::HistoricalLocation(t)]),
            (Ent::Thing(t), "Datastreams") => Rel::Many(
                self.streams_of_thing(t.id)
                    .into_iter()
                    .map(Ent::Datastream)
                    .collect(),
            ),
            (Ent::Location(t), "Things") => Rel::Many(of_thing(t).into_iter().collect()),
            (Ent::Location(t), "HistoricalLocations") => {
                Rel::Many(vec![Ent::HistoricalLocation(t)])
            }
            (Ent::HistoricalLocation(t), "Thing") => Rel::One(Ent::Thing(t)),
            (Ent::HistoricalLocation(t), "Locations") => Rel::Many(vec![Ent::Location(t)]),
            (Ent::Datastream(d), "Thing") => Rel::One(Ent::Thing(self.thing(d.thing_id)?)),
            (Ent::Datastream(d), "Sensor") => Rel::One(Ent::Sensor(d)),
            (Ent::Datastream(d), "ObservedProperty") => {
                Rel::One(Ent::ObservedProperty(self.property_of(d)))
            }
            (Ent::Datastream(d), "Observations") => Rel::Observations(vec![d]),
            (Ent::Sensor(d), "Datastreams") => Rel::Many(vec![Ent::Datastream(d)]),
            (Ent::ObservedProperty(d), "Datastreams") => Rel::Many(
                self.streams
                    .iter()
                    .filter(|x| x.property_uri == d.property_uri)
                    .map(Ent::Datastream)
                    .collect(),
            ),
            (Ent::Observation(d, _), "Datastream") => Rel::One(Ent::Datastream(d)),
            (Ent::Observation(d, _), "FeatureOfInterest") => {
                Rel::One(Ent::FeatureOfInterest(self.thing(d.thing_id)?))
            }
            (Ent::FeatureOfInterest(t), "Observations") => {
                Rel::Observations(self.streams_of_thing(t.id))
            }
            _ => return None,
        })
    }
}

impl Ent<'_> {
    pub fn kind(&self) -> Kind {
        match self {
            Ent::Thing(_) => Kind::Thing,
            Ent::Location(_) => Kind::Location,
            Ent::HistoricalLocation(_) => Kind::HistoricalLocation,
            Ent::Datastream(_) => Kind::Datastream,
            Ent::Sensor(_) => Kind::Sensor,
            Ent::ObservedProperty(_) => Kind::ObservedProperty,
            Ent::Observation(..) => Kind::Observation,
            Ent::FeatureOfInterest(_) => Kind::FeatureOfInterest,
        }
    }

    pub fn id(&self) -> Value {
        match self {
            Ent::Thing(t)
            | Ent::Location(t)
            | Ent::HistoricalLocation(t)
            | Ent::FeatureOfInterest(t) => json!(t.id),
            Ent::Datastream(d) | Ent::Sensor(d) | Ent::ObservedProperty(d) => json!(d.id),
            Ent::Observation(d, r) => json!(observation_id(d.id, r.time)),
        }
    }

    /// `Things(1)`, `Observations('3-1767225600000000')`.
    pub fn path(&self) -> String {
        match self.id() {
            Value::String(s) => format!("{}('{s}')", self.kind().set()),
            other => format!("{}({other})", self.kind().set()),
        }
    }
}

impl Graph {
    pub fn self_link(&self, e: &Ent<'_>) -> String {
        format!("{}/{}", self.base, e.path())
    }

    /// The entity's JSON: its properties, `@iot.id`, `@iot.selfLink` and
    /// the navigation links.
    pub fn body(&self, e: &Ent<'_>) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("@iot.id".into(), e.id());
        let link = self.self_link(e);
        m.insert("@iot.selfLink".into(), json!(link));
        let props = match e {
            Ent::Thing(t) => json!({
                "name": t.name,
                "description": t.description,
                "properties": serde_json::from_str::<Value>(&t.properties)
                    .unwrap_or_else(|_| json!({})),
            }),
            Ent::Location(t) => json!({
                "name": place_name(t),
                "description": t.description,
                "encodingType": "application/geo+json",
                "location": point(t),
            }),
            Ent::HistoricalLocation(t) => json!({
                "time": time_text(t.updated_at.and_utc().timestamp_micros()),
            }),
            Ent::Datastream(d) => {
                let span = match (d.first_time, d.last_time) {
                    (Some(a), Some(b)) => json!(format!("{}/{}", time_text(a), time_text(b))),
                    _ => Value::Null,
                };
                let mut p = Map::new();
                p.insert("ucum".into(), json!(d.unit_ucum));
                for (k, v) in [
                    ("validMin", d.valid_min),
                    ("validMax", d.valid_max),
                    ("alertAbove", d.alert_above),
                    ("alertBelow", d.alert_below),
                ] {
                    if let Some(v) = v {
                        p.insert(k.into(), json!(v));
                    }
                }
                if let Some(s) = d.expected_interval_s {
                    p.insert("expectedIntervalSeconds".into(), json!(s));
                }
                let mut x = json!({
                    "name": d.name,
                    "description": d.description,
                    "observationType": MEASUREMENT,
                    "unitOfMeasurement": {
                        "name": d.unit_name,
                        "symbol": d.unit_symbol,
                        "definition": UCUM,
                    },
                    "phenomenonTime": span,
                    "resultTime": span,
                    "properties": p,
                });
                if let Some(t) = self.thing(d.thing_id) {
                    x["observedArea"] = point(t);
                }
                x
            }
            Ent::Sensor(d) => {
                let url = d.sensor_metadata.starts_with("http://")
                    || d.sensor_metadata.starts_with("https://");
                json!({
                    "name": d.sensor_name,
                    "description": d.sensor_name,
                    "encodingType": if url { "text/html" } else { "text/plain" },
                    "metadata": d.sensor_metadata,
                })
            }
            Ent::ObservedProperty(d) => json!({
                "name": d.property_name,
                "definition": d.property_uri,
                "description": d.property_name,
            }),
            Ent::Observation(_, r) => {
                let t = time_text(r.time);
                json!({
                    "phenomenonTime": t,
                    "resultTime": t,
                    "result": r.value,
                    "resultQuality": if r.quality == SUSPECT { json!("suspect") } else { Value::Null },
                })
            }
            Ent::FeatureOfInterest(t) => json!({
                "name": place_name(t),
                "description": t.description,
                "encodingType": "application/geo+json",
                "feature": point(t),
            }),
        };
        if let Value::Object(p) = props {
            m.extend(p);
        }
        for (nav, _, _) in e.kind().navs() {
            m.insert(
                format!("{nav}@iot.navigationLink"),
                json!(format!("{link}/{nav}")),
            );
        }
        m
    }

    /// A property or a path through navigation properties, for `$filter`
    /// and `$orderby`.
    pub fn value(&self, e: &Ent<'_>, path: &[String]) -> Val {
        let Some(first) = path.first() else {
            return Val::Null;
        };
        if let Some((_, false)) = e.kind().nav(first) {
            return match self.related(*e, first) {
                Some(Rel::One(x)) => self.value(&x, &path[1..]),
                _ => Val::Null,
            };
        }
        // Observations are filtered row by row: no JSON is built for them.
        if let Ent::Observation(d, r) = e {
            return match (first.as_str(), path.len()) {
                ("id" | "@iot.id", 1) => Val::Str(observation_id(d.id, r.time)),
                ("phenomenonTime" | "resultTime", 1) => Val::Time(r.time),
                ("result", 1) => Val::Num(r.value),
                ("resultQuality", 1) if r.quality == SUSPECT => Val::Str("suspect".into()),
                _ => Val::Null,
            };
        }
        if path.len() == 1 && (first == "id" || first == "@iot.id") {
            return match e.id() {
                Value::Number(n) => n.as_f64().map_or(Val::Null, Val::Num),
                _ => Val::Null,
            };
        }
        if let (Ent::HistoricalLocation(t), "time") = (e, first.as_str()) {
            return Val::Time(t.updated_at.and_utc().timestamp_micros());
        }
        let body = self.body(e);
        let key = if first == "id" { "@iot.id" } else { first };
        let mut v = body.get(key);
        for step in &path[1..] {
            v = v.and_then(|x| x.get(step));
        }
        match v {
            Some(Value::Number(n)) => n.as_f64().map_or(Val::Null, Val::Num),
            Some(Value::String(s)) => Val::Str(s.clone()),
            Some(Value::Bool(b)) => Val::Bool(*b),
            _ => Val::Null,
        }
    }
}

/// An entity as `$filter` sees it.
pub struct Subj<'a, 'g> {
    pub g: &'a Graph,
    pub e: Ent<'g>,
}

impl Subject for Subj<'_, '_> {
    fn get(&self, path: &[String]) -> Val {
        self.g.value(&self.e, path)
    }
}

//! SensorThings' Create-Update-Delete and `CreateObservations`, mapped on
//! the registry's audited writes and on ingestion. What the registry
//! cannot hold is refused with the reason, never dropped in silence:
//! a Thing has exactly one Location (a station stands somewhere); a Sensor
//! and an ObservedProperty are created with their Datastream (deep, or by
//! the `@iot.id` of one that has them); results are numbers.

use serde_json::{Map, Value, json};

use super::graph::{Ent, Graph, Id, Kind, observation_id};
use super::{Segment, resolve};
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::sensors::input::{self, Batch, DatastreamInput, StationInput};
use crate::sensors::model::{Datastream, Observation, Thing, micros};
use crate::sensors::service::{self, Sender};
use crate::sensors::store;

/// What a write answers: its status, its `Location`, its body.
pub struct Written {
    pub created: bool,
    pub location: Option<String>,
    pub body: Value,
}

fn bad(field: &str, detail: impl Into<String>) -> AppError {
    AppError::bad_request(detail.into(), Some(field))
}

fn user(sender: &Sender) -> Result<&CurrentUser, AppError> {
    match sender {
        Sender::User(u) => Ok(u),
        // A device writes its station's observations, nothing else.
        Sender::Device { .. } => Err(AppError::Forbidden),
    }
}

fn object<'v>(v: &'v Value, what: &str) -> Result<&'v Map<String, Value>, AppError> {
    v.as_object()
        .ok_or_else(|| bad(what, format!("{what} must be a JSON object")))
}

fn text(m: &Map<String, Value>, key: &str) -> Result<Option<String>, AppError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(key, format!("{key} must be a text"))),
    }
}

/// Sets `field` to the text at `key`, when the JSON has one.
fn set_text(field: &mut String, m: &Map<String, Value>, key: &str) -> Result<(), AppError> {
    if let Some(v) = text(m, key)? {
        *field = v;
    }
    Ok(())
}

fn number(m: &Map<String, Value>, key: &str) -> Result<Option<f64>, AppError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| bad(key, format!("{key} must be a number"))),
    }
}

/// The `@iot.id` of a reference such as `"Thing": {"@iot.id": 1}`.
fn reference(v: &Value) -> Option<i64> {
    v.get("@iot.id").and_then(Value::as_i64)
}

/// A GeoJSON Point (bare, or a Feature's geometry): longitude, latitude.
fn point(v: &Value) -> Result<(f64, f64), AppError> {
    let g = match v.get("type").and_then(Value::as_str) {
        Some("Feature") => v.get("geometry").unwrap_or(&Value::Null),
        _ => v,
    };
    let c = g.get("coordinates").and_then(Value::as_array);
    match (g.get("type").and_then(Value::as_str), c) {
        (Some("Point"), Some(c)) if c.len() >= 2 => match (c[0].as_f64(), c[1].as_f64()) {
            (Some(x), Some(y)) => Ok((x, y)),
            _ => Err(bad("location", "the Point's coordinates are numbers")),
        },
        _ => Err(bad(
            "location",
            "a station's location is a GeoJSON Point (a station stands at one place)",
        )),
    }
}

fn station_of(conn: &mut DbConnection, t: &Thing) -> Result<StationInput, AppError> {
    service::station_input(conn, t)
}

/// A Location's fields onto a station.
fn locate(i: &mut StationInput, loc: &Value) -> Result<(), AppError> {
    let m = object(loc, "Location")?;
    let (x, y) = point(m.get("location").unwrap_or(&Value::Null))?;
    i.longitude = Some(x);
    i.latitude = Some(y);
    set_text(&mut i.location_name, m, "name")?;
    Ok(())
}

/// A Thing's JSON onto a station (`i` holds what it had).
fn thing_fields(
    conn: &mut DbConnection,
    user: &CurrentUser,
    i: &mut StationInput,
    m: &Map<String, Value>,
) -> Result<(), AppError> {
    set_text(&mut i.name, m, "name")?;
    set_text(&mut i.description, m, "description")?;
    if let Some(p) = m.get("properties") {
        let mut p = object(p, "properties")?.clone();
        // The publisher and the catalog dataset are the registry's own
        // fields; a client names them among the properties.
        if let Some(v) = p.remove("publisher") {
            i.publisher = v
                .as_str()
                .ok_or_else(|| bad("publisher", "properties.publisher is a publisher's slug"))?
                .to_string();
        }
        if let Some(v) = p.remove("dataset") {
            i.dataset = v.as_str().map(str::to_string);
        }
        i.properties = p;
    }
    if let Some(l) = m.get("Locations") {
        match l.as_array().map(Vec::as_slice) {
            Some([one]) => locate(i, one)?,
            _ => {
                return Err(bad(
                    "Locations",
                    "a station has exactly one Location: send one",
                ));
            }
        }
    }
    if i.publisher.trim().is_empty() {
        let mine = crate::auth::store::publishers_of(conn, &user.id)?;
        match mine.as_slice() {
            [one] => i.publisher = one.clone(),
            _ => {
                return Err(bad(
                    "publisher",
                    "say the station's publisher (its slug) in properties.publisher",
                ));
            }
        }
    }
    Ok(())
}

fn datastream_of(d: &Datastream) -> DatastreamInput {
    DatastreamInput {
        name: d.name.clone(),
        description: d.description.clone(),
        property_uri: d.property_uri.clone(),
        property_name: d.property_name.clone(),
        unit_ucum: d.unit_ucum.clone(),
        unit_symbol: d.unit_symbol.clone(),
        unit_name: d.unit_name.clone(),
        sensor_name: d.sensor_name.clone(),
        sensor_metadata: d.sensor_metadata.clone(),
        valid_min: d.valid_min,
        valid_max: d.valid_max,
        alert_above: d.alert_above,
        alert_below: d.alert_below,
        expected_interval_s: d.expected_interval_s,
    }
}

/// The UCUM code of a unit a client gives by its symbol only.
fn ucum_of_symbol(symbol: &str) -> String {
    match symbol.trim() {
        "°C" | "℃" => "Cel",
        "µg/m³" | "μg/m³" | "µg/m3" | "μg/m3" => "ug/m3",
        "m³/s" => "m3/s",
        "m³" => "m3",
        "km/h" => "km/h",
        s => s,
    }
    .to_string()
}

fn sensor_fields(i: &mut DatastreamInput, m: &Map<String, Value>) -> Result<(), AppError> {
    set_text(&mut i.sensor_name, m, "name")?;
    match m.get("metadata") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => i.sensor_metadata = s.clone(),
        Some(other) => i.sensor_metadata = other.to_string(),
    }
    Ok(())
}

/// A Datastream's JSON onto a datastream (`i` holds what it had).
fn datastream_fields(
    conn: &mut DbConnection,
    i: &mut DatastreamInput,
    m: &Map<String, Value>,
) -> Result<(), AppError> {
    const MEASUREMENT: &str = "OM_Measurement";
    set_text(&mut i.name, m, "name")?;
    set_text(&mut i.description, m, "description")?;
    if let Some(t) = text(m, "observationType")?
        && !t.ends_with(MEASUREMENT)
    {
        return Err(bad(
            "observationType",
            "this service keeps numeric results: the observationType is OM_Measurement",
        ));
    }
    let props = match m.get("properties") {
        Some(p) => Some(object(p, "properties")?),
        None => None,
    };
    if let Some(u) = m.get("unitOfMeasurement") {
        let u = object(u, "unitOfMeasurement")?;
        i.unit_name = text(u, "name")?.unwrap_or_default();
        i.unit_symbol = text(u, "symbol")?.unwrap_or_default();
        let from_definition = text(u, "definition")?
            .and_then(|d| d.split_once('#').map(|(_, code)| code.to_string()))
            .filter(|c| !c.starts_with("para"));
        i.unit_ucum = props
            .and_then(|p| p.get("ucum"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(from_definition)
            .unwrap_or_else(|| ucum_of_symbol(&i.unit_symbol));
    }
    if let Some(p) = props {
        if let Some(code) = p.get("ucum").and_then(Value::as_str) {
            i.unit_ucum = code.to_string();
        }
        i.valid_min = number(p, "validMin")?.or(i.valid_min);
        i.valid_max = number(p, "validMax")?.or(i.valid_max);
        i.alert_above = number(p, "alertAbove")?.or(i.alert_above);
        i.alert_below = number(p, "alertBelow")?.or(i.alert_below);
        if let Some(s) = number(p, "expectedIntervalSeconds")? {
            i.expected_interval_s = Some(s as i64);
        }
    }
    if let Some(s) = m.get("Sensor") {
        match reference(s) {
            Some(id) => {
                let d = store::datastream(conn, id)?
                    .ok_or_else(|| bad("Sensor", format!("there is no Sensor {id}")))?;
                i.sensor_name = d.sensor_name;
                i.sensor_metadata = d.sensor_metadata;
            }
            None => sensor_fields(i, object(s, "Sensor")?)?,
        }
    }
    if let Some(p) = m.get("ObservedProperty") {
        match reference(p) {
            Some(id) => {
                let d = store::datastream(conn, id)?.ok_or_else(|| {
                    bad(
                        "ObservedProperty",
                        format!("there is no ObservedProperty {id}"),
                    )
                })?;
                i.property_uri = d.property_uri;
                i.property_name = d.property_name;
            }
            None => {
                let p = object(p, "ObservedProperty")?;
                set_text(&mut i.property_name, p, "name")?;
                set_text(&mut i.property_uri, p, "definition")?;
            }
        }
    }
    Ok(())
}

/// A new datastream of station `thing` from its JSON.
fn new_datastream(
    conn: &mut DbConnection,
    user: &CurrentUser,
    thing: i64,
    v: &Value,
) -> Result<Datastream, AppError> {
    let m = object(v, "Datastream")?;
    for part in ["unitOfMeasurement", "Sensor", "ObservedProperty"] {
        if !m.contains_key(part) {
            return Err(bad(part, format!("a new Datastream needs its {part}")));
        }
    }
    let mut i = DatastreamInput::default();
    datastream_fields(conn, &mut i, m)?;
    service::create_datastream(conn, user, thing, &i)
}

fn graph_of(conn: &mut DbConnection, base: &str, thing: i64) -> Result<Graph, AppError> {
    let t = store::thing(conn, thing)?.ok_or(AppError::NotFound)?;
    let ds = store::datastreams_of(conn, &[thing])?;
    Ok(Graph::new(vec![t], ds, base.to_string()))
}

fn created(g: &Graph, e: Ent<'_>) -> Written {
    Written {
        created: true,
        location: Some(g.self_link(&e)),
        body: Value::Object(g.body(&e)),
    }
}

/// `POST` to a collection.
pub fn create(
    conn: &mut DbConnection,
    sender: &Sender,
    base: &str,
    segs: &[Segment],
    body: &Value,
) -> Result<Written, AppError> {
    let names: Vec<&str> = segs.iter().map(|s| s.name.as_str()).collect();
    let parent = |i: usize| match segs.get(i).and_then(|s| s.id.clone()) {
        Some(Id::Num(n)) => Ok(n),
        _ => Err(AppError::Missing("address the parent by its id".into())),
    };
    match (names.as_slice(), segs.last().and_then(|s| s.id.as_ref())) {
        (_, Some(_)) => Err(AppError::MethodNotAllowed(
            "POST creates in a collection: PATCH or DELETE an entity".into(),
        )),
        (["Things"], None) => {
            let u = user(sender)?;
            let m = object(body, "Thing")?;
            if !m.contains_key("Locations") {
                return Err(bad(
                    "Locations",
                    "a new station needs its Location (where it stands)",
                ));
            }
            let id = crate::audit::store::write_tx(conn, |c| -> Result<i64, AppError> {
                let mut i = StationInput::default();
                thing_fields(c, u, &mut i, m)?;
                let t = service::create_thing(c, u, &i, site(base))?;
                if let Some(list) = m.get("Datastreams") {
                    let list = list
                        .as_array()
                        .ok_or_else(|| bad("Datastreams", "Datastreams is an array"))?;
                    for d in list {
                        new_datastream(c, u, t.id, d)?;
                    }
                }
                Ok(t.id)
            })?;
            let g = graph_of(conn, base, id)?;
            let t = g.thing(id).ok_or(AppError::NotFound)?;
            Ok(created(&g, Ent::Thing(t)))
        }
        (["Datastreams"], None) | (["Things", "Datastreams"], None) => {
            let u = user(sender)?;
            let thing = if names.len() == 2 {
                parent(0)?
            } else {
                body.get("Thing").and_then(reference).ok_or_else(|| {
                    bad(
                        "Thing",
                        "a new Datastream names its Thing: {\"@iot.id\": …}",
                    )
                })?
            };
            let d = new_datastream(conn, u, thing, body)?;
            let g = graph_of(conn, base, thing)?;
            let d = g.stream(d.id).ok_or(AppError::NotFound)?;
            Ok(created(&g, Ent::Datastream(d)))
        }
        (["Observations"], None) | (["Datastreams", "Observations"], None) => {
            let ds = if names.len() == 2 {
                parent(0)?
            } else {
                body.get("Datastream").and_then(reference).ok_or_else(|| {
                    bad(
                        "Datastream",
                        "a new Observation names its Datastream: {\"@iot.id\": …}",
                    )
                })?
            };
            create_observation(conn, sender, base, ds, body)
        }
        (["Locations"], None) | (["Things", "Locations"], None) => {
            let u = user(sender)?;
            let thing = if names.len() == 2 {
                parent(0)?
            } else {
                let things = body.get("Things").and_then(Value::as_array);
                match things.map(Vec::as_slice) {
                    Some([one]) => reference(one),
                    _ => None,
                }
                .ok_or_else(|| {
                    bad(
                        "Things",
                        "a Location belongs to one station: \"Things\": [{\"@iot.id\": …}]",
                    )
                })?
            };
            let before = service::editable_thing(conn, u, thing)?;
            let mut i = station_of(conn, &before)?;
            locate(&mut i, body)?;
            service::update_thing(conn, u, thing, &i, None, site(base))?;
            let g = graph_of(conn, base, thing)?;
            let t = g.thing(thing).ok_or(AppError::NotFound)?;
            Ok(created(&g, Ent::Location(t)))
        }
        (["Sensors"] | ["ObservedProperties"], None) => Err(bad(
            names[0],
            "a Sensor or an ObservedProperty is created with its Datastream \
             (inside the new Datastream, or by the @iot.id of one that has it)",
        )),
        (["HistoricalLocations"] | ["FeaturesOfInterest"], None) => Err(bad(
            names[0],
            "a station's HistoricalLocation and FeatureOfInterest follow from its Location",
        )),
        _ => Err(AppError::MethodNotAllowed(
            "POST creates in an entity set or a navigation collection".into(),
        )),
    }
}

fn observation_of(
    index: usize,
    ds: i64,
    time: Option<&Value>,
    result: Option<&Value>,
    now: i64,
) -> Result<Observation, input::Rejected> {
    let now_text = super::graph::time_text(now);
    let time = match time {
        None | Some(Value::Null) => Some(now_text.as_str()),
        Some(t) => t.as_str(),
    };
    input::item(index, Some(ds), time, result.and_then(Value::as_f64), now)
}

fn create_observation(
    conn: &mut DbConnection,
    sender: &Sender,
    base: &str,
    ds: i64,
    body: &Value,
) -> Result<Written, AppError> {
    let m = object(body, "Observation")?;
    let now = micros(chrono::Utc::now());
    if m.get("phenomenonTime")
        .and_then(Value::as_str)
        .is_some_and(|t| t.contains('/'))
    {
        return Err(bad(
            "phenomenonTime",
            "an Observation here is at one time, not over an interval",
        ));
    }
    let o = match observation_of(0, ds, m.get("phenomenonTime"), m.get("result"), now) {
        Ok(o) => o,
        Err(r) => {
            return Err(match r.code {
                "time" => bad(
                    "phenomenonTime",
                    "phenomenonTime is an RFC 3339 time between 1970 and an hour from now",
                ),
                _ => bad("result", "result is a finite number"),
            });
        }
    };
    let report = service::ingest(
        conn,
        sender,
        Batch {
            items: vec![(0, o)],
            rejected: Vec::new(),
        },
    )?;
    if let Some(r) = report.rejected.first() {
        return Err(match r.code {
            "unknown_datastream" => AppError::Missing(format!("there is no Datastream {ds}")),
            "not_allowed" => AppError::Forbidden,
            _ => bad("Observation", r.reason),
        });
    }
    let row = store::observation(conn, ds, o.time)?.ok_or(AppError::NotFound)?;
    if report.duplicates == 1 && row.value != o.value {
        return Err(AppError::Conflict(format!(
            "Datastream {ds} has an Observation at {} with the result {}: \
             PATCH Observations('{}') to change it",
            super::graph::time_text(o.time),
            row.value,
            observation_id(ds, o.time)
        )));
    }
    let d = store::datastream(conn, ds)?.ok_or(AppError::NotFound)?;
    let g = Graph::new(Vec::new(), vec![d], base.to_string());
    let d = &g.streams[0];
    // Sent again with the same result: the one stored, as if created.
    Ok(created(&g, Ent::Observation(d, row)))
}

/// The most observations one `CreateObservations` takes, as a batch.
pub const MAX_CREATE: usize = input::MAX_ITEMS;

/// `POST CreateObservations`: per datastream, `components` and a
/// `dataArray`. Answers, row by row in the order sent, the new
/// observation's address or `"error"`; the good rows are stored.
pub fn create_observations(
    conn: &mut DbConnection,
    sender: &Sender,
    base: &str,
    body: &Value,
) -> Result<Written, AppError> {
    let groups = body.as_array().ok_or_else(|| {
        bad(
            "CreateObservations",
            "the body is an array of {Datastream, components, dataArray}",
        )
    })?;
    let now = micros(chrono::Utc::now());
    let mut batch = Batch::default();
    let mut keys: Vec<Option<(i64, i64)>> = Vec::new();
    for g in groups {
        let ds = g.get("Datastream").and_then(reference);
        let comps: Vec<&str> = g
            .get("components")
            .and_then(Value::as_array)
            .map(|c| c.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let at = |name: &str| comps.iter().position(|c| *c == name);
        let (time_at, result_at) = (at("phenomenonTime"), at("result"));
        let rows = g
            .get("dataArray")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if keys.len() + rows.len() > MAX_CREATE {
            return Err(AppError::PayloadTooLarge);
        }
        for row in rows {
            let index = keys.len();
            let cells = row.as_array();
            let cell = |i: Option<usize>| cells.zip(i).and_then(|(c, i)| c.get(i));
            let read = match (ds, result_at) {
                (Some(ds), Some(_)) => {
                    observation_of(index, ds, cell(time_at), cell(result_at), now).ok()
                }
                _ => None,
            };
            match read {
                Some(o) => {
                    keys.push(Some((o.datastream, o.time)));
                    batch.items.push((index, o));
                }
                None => keys.push(None),
            }
        }
    }
    let report = service::ingest(conn, sender, batch)?;
    for r in &report.rejected {
        if let Some(k) = keys.get_mut(r.index) {
            *k = None;
        }
    }
    let answer: Vec<Value> = keys
        .into_iter()
        .map(|k| match k {
            Some((ds, t)) => json!(format!(
                "{base}/{}('{}')",
                Kind::Observation.set(),
                observation_id(ds, t)
            )),
            None => json!("error"),
        })
        .collect();
    Ok(Written {
        created: true,
        location: None,
        body: Value::Array(answer),
    })
}

/// Applies a JSON Patch (RFC 6902: add, replace, remove, test) to `doc`.
fn json_patch(doc: &mut Value, ops: &Value) -> Result<(), AppError> {
    let ops = ops
        .as_array()
        .ok_or_else(|| bad("patch", "a JSON Patch is an array of operations"))?;
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
        let path = op.get("path").and_then(Value::as_str).unwrap_or("");
        let (parent, last) = path
            .rsplit_once('/')
            .ok_or_else(|| bad("patch", format!("“{path}” is not a JSON Pointer")))?;
        let last = last.replace("~1", "/").replace("~0", "~");
        let missing = || bad("patch", format!("{path} is not in the entity"));
        match kind {
            "test" => {
                if doc.pointer(path) != op.get("value") {
                    return Err(AppError::Conflict(format!("the test of {path} failed")));
                }
            }
            "add" | "replace" => {
                let value = op.get("value").cloned().unwrap_or(Value::Null);
                let target = doc
                    .pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                    .ok_or_else(missing)?;
                if kind == "replace" && !target.contains_key(&last) {
                    return Err(missing());
                }
                target.insert(last, value);
            }
            "remove" => {
                doc.pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                    .and_then(|t| t.remove(&last))
                    .ok_or_else(missing)?;
            }
            other => {
                return Err(bad(
                    "patch",
                    format!("the JSON Patch operation “{other}” is not one this service applies"),
                ));
            }
        }
    }
    Ok(())
}

/// `PATCH` (a JSON merge, or a JSON Patch when `json_patch`) and `PUT`
/// (taken as PATCH, as FROST-Server does) of one entity.
pub fn update(
    conn: &mut DbConnection,
    sender: &Sender,
    base: &str,
    segs: &[Segment],
    body: &Value,
    patch: bool,
) -> Result<Written, AppError> {
    let g = Graph::new(
        store::things(conn)?,
        store::datastreams(conn)?,
        base.to_string(),
    );
    let e = match resolve(conn, &g, segs)? {
        super::Target::Entity(e) => e,
        _ => {
            return Err(AppError::MethodNotAllowed(
                "a collection is not changed as a whole: address one entity".into(),
            ));
        }
    };
    let merged = if patch {
        let mut doc = Value::Object(g.body(&e));
        json_patch(&mut doc, body)?;
        doc
    } else {
        body.clone()
    };
    let m = object(&merged, e.kind().set())?;
    match e {
        Ent::Thing(t) => {
            let u = user(sender)?;
            let mut i = station_of(conn, t)?;
            thing_fields(conn, u, &mut i, m)?;
            service::update_thing(conn, u, t.id, &i, None, site(base))?;
        }
        Ent::Location(t) => {
            let u = user(sender)?;
            let mut i = station_of(conn, t)?;
            locate(&mut i, &merged)?;
            service::update_thing(conn, u, t.id, &i, None, site(base))?;
        }
        Ent::Datastream(d) => {
            let u = user(sender)?;
            let mut i = datastream_of(d);
            datastream_fields(conn, &mut i, m)?;
            service::update_datastream(conn, u, d.id, &i, None)?;
        }
        Ent::Sensor(d) => {
            let u = user(sender)?;
            let mut i = datastream_of(d);
            sensor_fields(&mut i, m)?;
            service::update_datastream(conn, u, d.id, &i, None)?;
        }
        Ent::Observation(d, r) => {
            let u = user(sender)?;
            if let Some(t) = m.get("phenomenonTime").and_then(Value::as_str)
                && chrono::DateTime::parse_from_rfc3339(t).map(|t| t.timestamp_micros())
                    != Ok(r.time)
            {
                return Err(bad(
                    "phenomenonTime",
                    "an Observation's phenomenonTime is its key: delete it and create it anew",
                ));
            }
            let value = number(m, "result")?
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad("result", "result is a finite number"))?;
            correct(conn, u, d, r.time, Some(value))?;
        }
        _ => {
            return Err(bad(
                e.kind().set(),
                "this entity follows from a station or a datastream: change that instead",
            ));
        }
    }
    Ok(Written {
        created: false,
        location: None,
        body: Value::Null,
    })
}

/// Replaces or deletes one observation, audited on its datastream (a
/// correction is rare and worth its row; ingestion is not audited).
fn correct(
    conn: &mut DbConnection,
    user: &CurrentUser,
    d: &Datastream,
    time: i64,
    value: Option<f64>,
) -> Result<(), AppError> {
    crate::audit::store::write_tx(conn, |c| {
        let d = service::editable_datastream(c, user, d.id)?;
        let before = store::observation(c, d.id, time)?.ok_or(AppError::NotFound)?;
        let stream = crate::sensors::model::Stream {
            id: d.id,
            thing_id: d.thing_id,
            valid_min: d.valid_min,
            valid_max: d.valid_max,
        };
        store::correct(c, &stream, time, value)?;
        let at = super::graph::time_text(time);
        crate::audit::store::record_change(
            c,
            &user.actor(),
            service::DATASTREAM,
            &d.id.to_string(),
            &d.name,
            Some(&json!({"observation": {"phenomenonTime": at, "result": before.value}})),
            Some(
                &json!({"observation": value.map(|v| json!({"phenomenonTime": at, "result": v}))}),
            ),
        )?;
        Ok(())
    })
}

/// The portal's base URL of the API's `base` (the dataset links of a
/// station write are the portal's).
fn site(base: &str) -> &str {
    base.strip_suffix(super::ROOT).unwrap_or(base)
}

/// `DELETE` of one entity.
pub fn delete(
    conn: &mut DbConnection,
    sender: &Sender,
    base: &str,
    segs: &[Segment],
) -> Result<(), AppError> {
    let g = Graph::new(
        store::things(conn)?,
        store::datastreams(conn)?,
        base.to_string(),
    );
    let e = match resolve(conn, &g, segs)? {
        super::Target::Entity(e) => e,
        _ => {
            return Err(AppError::MethodNotAllowed(
                "a collection is not changed as a whole: address one entity".into(),
            ));
        }
    };
    let u = user(sender)?;
    match e {
        Ent::Thing(t) => service::delete_thing(conn, u, t.id, site(base)),
        Ent::Datastream(d) => service::delete_datastream(conn, u, d.id),
        Ent::Observation(d, r) => correct(conn, u, d, r.time, None),
        _ => Err(bad(
            e.kind().set(),
            "this entity follows from a station or a datastream: delete that instead",
        )),
    }
}

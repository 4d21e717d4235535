//! OGC SensorThings API 1.1 at `/sta/v1.1`: the Sensing Core, the
//! Filtering class, Create-Update-Delete and `CreateObservations`, over
//! the sensor registry and the observation table. Reads are public;
//! writes take a device token or a user's API token (`routes::sender_of`).

pub mod graph;
pub mod query;
pub mod read;
pub mod routes;
pub mod write;

use graph::{Ent, Graph, Id, Kind, Rel, parse_observation_id};

use crate::db::DbConnection;
use crate::error::AppError;

/// Where the service lives under the portal's base address.
pub const ROOT: &str = "/sta/v1.1";

/// The conformance classes the service meets (the service root says so).
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
];

/// One step of a resource path.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub name: String,
    pub id: Option<Id>,
}

/// The longest resource path, in segments.
const MAX_SEGMENTS: usize = 12;

fn missing(what: impl Into<String>) -> AppError {
    AppError::Missing(what.into())
}

/// Reads a resource path below the root (`Things(1)/Datastreams`,
/// `Observations('3-1767225600000000')`), percent-decoded.
pub fn segments(path: &str) -> Result<Vec<Segment>, AppError> {
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| AppError::bad_request("the path is not UTF-8", None))?;
    let mut out = Vec::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if out.len() == MAX_SEGMENTS {
            return Err(missing("the path is longer than any this service has"));
        }
        let (name, id) = match part.find('(') {
            Some(i) => {
                let inner = part[i + 1..]
                    .strip_suffix(')')
                    .ok_or_else(|| AppError::bad_request(format!("“{part}” lacks its )"), None))?;
                let id = if let Some(t) = inner.strip_prefix('\'') {
                    let t = t.strip_suffix('\'').ok_or_else(|| {
                        AppError::bad_request(
                            format!("the id in “{part}” lacks its closing '"),
                            None,
                        )
                    })?;
                    Id::Text(t.replace("''", "'"))
                } else {
                    Id::Num(inner.trim().parse().map_err(|_| {
                        AppError::bad_request(
                            format!("the id in “{part}” is a number or a quoted text"),
                            None,
                        )
                    })?)
                };
                (&part[..i], Some(id))
            }
            None => (part, None),
        };
        out.push(Segment {
            name: name.to_string(),
            id,
        });
    }
    Ok(out)
}

/// What a resource path addresses.
pub enum Target<'g> {
    Entity(Ent<'g>),
    /// A collection, with its path under the root for next links.
    Collection(Rel<'g>, String),
    /// A property of an entity; `true` for its `/$value`.
    Property(Ent<'g>, String, bool),
    /// `/$ref`: the addresses of the entity or the collection's members.
    Refs(Box<Target<'g>>),
}

/// Finds the observation with this id among `streams`.
fn observation<'g>(
    conn: &mut DbConnection,
    streams: &[&'g crate::sensors::model::Datastream],
    id: &Id,
) -> Result<Ent<'g>, AppError> {
    let (ds, time) = parse_observation_id(id)
        .ok_or_else(|| missing("an Observation's id is 'datastream-time'"))?;
    let d = streams
        .iter()
        .find(|d| d.id == ds)
        .ok_or_else(|| missing(format!("there is no Observation {ds}-{time} here")))?;
    let row = crate::sensors::store::observation(conn, ds, time)?
        .ok_or_else(|| missing(format!("there is no Observation {ds}-{time}")))?;
    Ok(Ent::Observation(d, row))
}

/// Resolves a resource path.
pub fn resolve<'g>(
    conn: &mut DbConnection,
    g: &'g Graph,
    segs: &[Segment],
) -> Result<Target<'g>, AppError> {
    let Some((first, rest)) = segs.split_first() else {
        return Err(missing("the service root has no entity"));
    };
    let kind = Kind::from_set(&first.name)
        .ok_or_else(|| missing(format!("there is no entity set {}", first.name)))?;
    let mut cur = match &first.id {
        Some(id) if kind == Kind::Observation => {
            let all: Vec<_> = g.streams.iter().collect();
            Target::Entity(observation(conn, &all, id)?)
        }
        Some(id) => Target::Entity(
            g.find(kind, id)
                .ok_or_else(|| missing(format!("there is no {}({id})", first.name)))?,
        ),
        None => Target::Collection(g.all(kind), first.name.clone()),
    };
    let mut i = 0;
    while i < rest.len() {
        let s = &rest[i];
        if s.name == "$ref" && s.id.is_none() && i + 1 == rest.len() {
            return Ok(Target::Refs(Box::new(cur)));
        }
        let Target::Entity(e) = cur else {
            return Err(missing(format!(
                "a collection has no {}: address one of its entities by id",
                s.name
            )));
        };
        match (g.related(e, &s.name), &s.id) {
            (Some(Rel::One(x)), None) => cur = Target::Entity(x),
            (Some(Rel::Many(xs)), Some(id)) => {
                let want = serde_json::to_value(match id {
                    Id::Num(n) => serde_json::json!(n),
                    Id::Text(t) => serde_json::json!(t),
                })
                .unwrap_or_default();
                cur = Target::Entity(
                    xs.into_iter()
                        .find(|x| x.id() == want)
                        .ok_or_else(|| missing(format!("{} has no such {}", e.path(), s.name)))?,
                );
            }
            (Some(Rel::Observations(streams)), Some(id)) => {
                cur = Target::Entity(observation(conn, &streams, id)?)
            }
            (Some(rel), None) => {
                cur = Target::Collection(rel, format!("{}/{}", e.path(), s.name));
            }
            (Some(Rel::One(_)), Some(_)) => {
                return Err(missing(format!("{} is one entity: it takes no id", s.name)));
            }
            (None, None) => {
                let value = match rest.get(i + 1) {
                    Some(v) if v.name == "$value" && i + 2 == rest.len() => true,
                    None => false,
                    Some(_) => {
                        return Err(missing(format!(
                            "{} is a property: nothing is below it",
                            s.name
                        )));
                    }
                };
                if !g.body(&e).contains_key(&s.name) || s.name.contains('@') {
                    return Err(missing(format!(
                        "{} has no property {}",
                        e.kind().set(),
                        s.name
                    )));
                }
                return Ok(Target::Property(e, s.name.clone(), value));
            }
            (None, Some(_)) => {
                return Err(missing(format!(
                    "{} has no navigation property {}",
                    e.kind().set(),
                    s.name
                )));
            }
        }
        i += 1;
    }
    Ok(cur)
}

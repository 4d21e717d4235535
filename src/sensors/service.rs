//! Ingestion: a read batch is checked against the registry and the
//! sender's rights, item by item, and its good items are stored in one
//! transaction. Observations are not audited (append-only, idempotent,
//! and their volume would swamp the chain); the registry is.

use std::collections::HashMap;

use serde::Serialize;

use chrono::NaiveDateTime;

use super::input::{Batch, DatastreamInput, MAX_NAME, Rejected, StationInput};
use super::model::{DEVICE_TOKEN_PREFIX, Datastream, DeviceToken, Observation, Thing};
use super::store;
use crate::audit::{self, Actor};
use crate::auth::CurrentUser;
use crate::catalog::service::Policy;
use crate::db::DbConnection;
use crate::error::{AppError, FieldError};

/// The answer to a batch.
#[derive(Debug, Serialize, PartialEq)]
pub struct Report {
    pub accepted: u64,
    pub duplicates: u64,
    /// Of the accepted, how many lie outside their datastream's valid
    /// range (stored and shown as suspect).
    pub flagged: u64,
    pub rejected: Vec<Rejected>,
}

/// Stores what `user` may write of `batch`. A datastream of a station
/// whose publisher the user does not curate (an admin curates all) is
/// each item's `not_allowed`; an unknown one its `unknown_datastream`.
pub fn ingest(
    conn: &mut DbConnection,
    sender: &Sender,
    batch: Batch,
) -> diesel::QueryResult<Report> {
    let Batch {
        items,
        mut rejected,
    } = batch;
    let mut ids: Vec<i64> = items
        .iter()
        .map(|(_, o)| o.datastream)
        .chain(rejected.iter().filter_map(|r| r.datastream))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let streams = store::streams(conn, &ids)?;
    // One rights check per station.
    let mut allowed: HashMap<i64, bool> = HashMap::new();
    for s in streams.values() {
        if let std::collections::hash_map::Entry::Vacant(e) = allowed.entry(s.thing_id) {
            let ok = match store::thing(conn, s.thing_id)? {
                Some(t) => sender.may_write(conn, &t)?,
                None => false,
            };
            e.insert(ok);
        }
    }
    let may = |ds: i64| {
        streams
            .get(&ds)
            .filter(|s| allowed.get(&s.thing_id).copied().unwrap_or(false))
    };
    let mut good: Vec<Observation> = Vec::with_capacity(items.len());
    for (index, o) in items {
        if !streams.contains_key(&o.datastream) {
            rejected.push(Rejected::new(index, "unknown_datastream"));
        } else if may(o.datastream).is_none() {
            rejected.push(Rejected::new(index, "not_allowed"));
        } else {
            good.push(o);
        }
    }
    // An item refused for its time or value counts against its station,
    // when the sender may write there (nobody else inflates a counter).
    let mut refused_of: HashMap<i64, u64> = HashMap::new();
    for r in &rejected {
        if let Some(s) = r.datastream.and_then(may) {
            *refused_of.entry(s.thing_id).or_default() += 1;
        }
    }
    let stored = store::insert(conn, &streams, &good, &refused_of)?;
    rejected.sort_by_key(|r| r.index);
    Ok(Report {
        accepted: stored.accepted,
        duplicates: stored.duplicates,
        flagged: stored.flagged,
        rejected,
    })
}

// --- The registry -------------------------------------------------------------

/// Who writes: a station's device token (its own datastreams' observations
/// only) or a signed-in user (an admin, or a curator of the station's
/// publisher).
#[derive(Clone, Debug)]
pub enum Sender {
    Device { token_id: String, thing_id: i64 },
    User(CurrentUser),
}

impl Sender {
    fn may_write(&self, conn: &mut DbConnection, thing: &Thing) -> diesel::QueryResult<bool> {
        match self {
            Sender::Device { thing_id, .. } => Ok(*thing_id == thing.id),
            Sender::User(u) => Policy::may_act_for(conn, u, &thing.publisher_id),
        }
    }

    pub fn actor(&self) -> Actor {
        match self {
            Sender::User(u) => u.actor(),
            Sender::Device { token_id, .. } => Actor {
                id: None,
                label: format!("device token {token_id}"),
            },
        }
    }
}

fn invalid(errors: Vec<FieldError>) -> AppError {
    AppError::Validation(errors)
}

fn thing_label(t: &Thing) -> String {
    t.name.clone()
}

/// The station `id` if `user` may change it: 404 when there is none, 403
/// when it is another publisher's.
pub fn editable_thing(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i64,
) -> Result<Thing, AppError> {
    let t = store::thing(conn, id)?.ok_or(AppError::NotFound)?;
    if !Policy::may_act_for(conn, user, &t.publisher_id)? {
        return Err(AppError::Forbidden);
    }
    Ok(t)
}

/// The publisher's id and the dataset's id the input names, checked
/// against the user's rights.
fn resolve(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &StationInput,
) -> Result<(String, Option<String>), AppError> {
    let publisher = crate::catalog::store::publisher_by_slug(conn, input.publisher.trim())?
        .ok_or_else(|| {
            invalid(vec![FieldError::new(
                "publisher",
                "dataset_publisher_unknown",
            )])
        })?;
    if !Policy::may_act_for(conn, user, &publisher.id)? {
        return Err(AppError::Forbidden);
    }
    let dataset = match input
        .dataset
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(slug) => {
            let rec = crate::catalog::store::record_by_slug(conn, slug)?.ok_or_else(|| {
                invalid(vec![FieldError::new("dataset", "sensor_dataset_unknown")])
            })?;
            // The dataset publishes the station's data: it is the same
            // publisher's, and one the user may change.
            if rec.dataset.publisher_id != publisher.id {
                return Err(invalid(vec![FieldError::new(
                    "dataset",
                    "sensor_dataset_other_publisher",
                )]));
            }
            Some(rec.dataset.id)
        }
    };
    Ok((publisher.id, dataset))
}

/// Now, to the microsecond both databases keep (a version compared with
/// the stored one must be the stored one).
pub(crate) fn now() -> NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

/// Registers a station. Audited.
pub fn create_thing(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &StationInput,
    base: &str,
) -> Result<Thing, AppError> {
    super::input::station(input).map_err(invalid)?;
    audit::write_tx(conn, |c| {
        let (publisher_id, dataset_id) = resolve(c, user, input)?;
        let at = now();
        let t = Thing {
            id: 0,
            publisher_id,
            dataset_id,
            name: input.name.trim().to_string(),
            description: input.description.trim().to_string(),
            properties: serde_json::to_string(&input.properties)
                .map_err(|e| AppError::Internal(e.into()))?,
            longitude: input.longitude.unwrap_or_default(),
            latitude: input.latitude.unwrap_or_default(),
            location_name: input.location_name.trim().to_string(),
            is_example: false,
            accepted: 0,
            duplicates: 0,
            rejected: 0,
            flagged: 0,
            created_at: at,
            updated_at: at,
        };
        let t = add_thing(c, &user.actor(), t)?;
        publish(c, &user.actor(), [&t.dataset_id], base)?;
        Ok(t)
    })
}

/// Keeps the managed distributions of the datasets a station write
/// touched (`open_data`), in the write's transaction.
fn publish<'a>(
    conn: &mut DbConnection,
    actor: &Actor,
    datasets: impl IntoIterator<Item = &'a Option<String>>,
    base: &str,
) -> Result<(), AppError> {
    for id in datasets.into_iter().flatten() {
        super::open_data::ensure(conn, actor, id, base)?;
    }
    Ok(())
}

/// Stores a new station under the next id and audits it; `t.id` is
/// ignored. The registry's one way in (forms, SensorThings, the seed).
pub fn add_thing(conn: &mut DbConnection, actor: &Actor, mut t: Thing) -> Result<Thing, AppError> {
    t.id = store::add_thing(conn, &t)?;
    audit::store::record_change(
        conn,
        actor,
        THING,
        &t.id.to_string(),
        &thing_label(&t),
        None,
        Some(&t.record()),
    )?;
    Ok(t)
}

/// Changes a station's registry fields. `version` is the `updated_at`
/// the editor started from (a form's hidden field), if it says.
pub fn update_thing(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i64,
    input: &StationInput,
    version: Option<NaiveDateTime>,
    base: &str,
) -> Result<Thing, AppError> {
    super::input::station(input).map_err(invalid)?;
    audit::write_tx(conn, |c| {
        let before = editable_thing(c, user, id)?;
        if version.is_some_and(|v| v != before.updated_at) {
            return Err(AppError::Stale);
        }
        let (publisher_id, dataset_id) = resolve(c, user, input)?;
        let after = Thing {
            publisher_id,
            dataset_id,
            name: input.name.trim().to_string(),
            description: input.description.trim().to_string(),
            properties: serde_json::to_string(&input.properties)
                .map_err(|e| AppError::Internal(e.into()))?,
            longitude: input.longitude.unwrap_or(before.longitude),
            latitude: input.latitude.unwrap_or(before.latitude),
            location_name: input.location_name.trim().to_string(),
            updated_at: now(),
            ..before.clone()
        };
        store::update_thing(c, &after)?;
        audit::store::record_change(
            c,
            &user.actor(),
            THING,
            &id.to_string(),
            &thing_label(&after),
            Some(&before.record()),
            Some(&after.record()),
        )?;
        publish(
            c,
            &user.actor(),
            [&before.dataset_id, &after.dataset_id],
            base,
        )?;
        Ok(after)
    })
}

/// Deletes a station with its datastreams, their observations and its
/// tokens. Audited, a row for each datastream and the station.
pub fn delete_thing(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i64,
    base: &str,
) -> Result<(), AppError> {
    audit::write_tx(conn, |c| {
        let before = editable_thing(c, user, id)?;
        for d in store::datastreams_of(c, &[id])? {
            store::delete_datastream(c, d.id)?;
            audit::store::record_change(
                c,
                &user.actor(),
                DATASTREAM,
                &d.id.to_string(),
                &d.name,
                Some(&d.record()),
                None,
            )?;
        }
        store::delete_thing(c, id)?;
        audit::store::record_change(
            c,
            &user.actor(),
            THING,
            &id.to_string(),
            &thing_label(&before),
            Some(&before.record()),
            None,
        )?;
        publish(c, &user.actor(), [&before.dataset_id], base)?;
        Ok(())
    })
}

fn datastream_of(input: &DatastreamInput, base: Datastream) -> Datastream {
    Datastream {
        name: input.name.trim().to_string(),
        description: input.description.trim().to_string(),
        property_uri: input.property_uri.trim().to_string(),
        property_name: input.property_name.trim().to_string(),
        unit_ucum: input.unit_ucum.trim().to_string(),
        unit_symbol: input.unit_symbol.trim().to_string(),
        unit_name: input.unit_name.trim().to_string(),
        sensor_name: input.sensor_name.trim().to_string(),
        sensor_metadata: input.sensor_metadata.trim().to_string(),
        valid_min: input.valid_min,
        valid_max: input.valid_max,
        alert_above: input.alert_above,
        alert_below: input.alert_below,
        expected_interval_s: input.expected_interval_s,
        ..base
    }
}

/// A datastream of the station `thing_id` as `input` describes it, not
/// yet stored and without observations.
pub fn new_datastream(input: &DatastreamInput, thing_id: i64, at: NaiveDateTime) -> Datastream {
    datastream_of(
        input,
        Datastream {
            id: 0,
            thing_id,
            name: String::new(),
            description: String::new(),
            property_uri: String::new(),
            property_name: String::new(),
            unit_ucum: String::new(),
            unit_symbol: String::new(),
            unit_name: String::new(),
            sensor_name: String::new(),
            sensor_metadata: String::new(),
            valid_min: None,
            valid_max: None,
            alert_above: None,
            alert_below: None,
            expected_interval_s: None,
            observation_count: 0,
            first_time: None,
            last_time: None,
            created_at: at,
            updated_at: at,
        },
    )
}

/// Adds a datastream to a station. Audited.
pub fn create_datastream(
    conn: &mut DbConnection,
    user: &CurrentUser,
    thing_id: i64,
    input: &DatastreamInput,
) -> Result<Datastream, AppError> {
    super::input::datastream(input).map_err(invalid)?;
    audit::write_tx(conn, |c| {
        editable_thing(c, user, thing_id)?;
        let d = new_datastream(input, thing_id, now());
        add_datastream(c, &user.actor(), d)
    })
}

/// Stores a new datastream under the next id and audits it.
pub fn add_datastream(
    conn: &mut DbConnection,
    actor: &Actor,
    mut d: Datastream,
) -> Result<Datastream, AppError> {
    d.id = store::add_datastream(conn, &d)?;
    audit::store::record_change(
        conn,
        actor,
        DATASTREAM,
        &d.id.to_string(),
        &d.name,
        None,
        Some(&d.record()),
    )?;
    Ok(d)
}

/// The datastream `id` if `user` may change its station.
pub fn editable_datastream(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i64,
) -> Result<Datastream, AppError> {
    let d = store::datastream(conn, id)?.ok_or(AppError::NotFound)?;
    editable_thing(conn, user, d.thing_id)?;
    Ok(d)
}

/// Changes a datastream's registry fields (its observations stay; a new
/// valid range marks what arrives from now on). Audited.
pub fn update_datastream(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i64,
    input: &DatastreamInput,
    version: Option<NaiveDateTime>,
) -> Result<Datastream, AppError> {
    super::input::datastream(input).map_err(invalid)?;
    audit::write_tx(conn, |c| {
        let before = editable_datastream(c, user, id)?;
        if version.is_some_and(|v| v != before.updated_at) {
            return Err(AppError::Stale);
        }
        let after = datastream_of(
            input,
            Datastream {
                updated_at: now(),
                ..before.clone()
            },
        );
        store::update_datastream(c, &after)?;
        audit::store::record_change(
            c,
            &user.actor(),
            DATASTREAM,
            &id.to_string(),
            &after.name,
            Some(&before.record()),
            Some(&after.record()),
        )?;
        Ok(after)
    })
}

/// Deletes a datastream with its observations. Audited.
pub fn delete_datastream(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i64,
) -> Result<(), AppError> {
    audit::write_tx(conn, |c| {
        let before = editable_datastream(c, user, id)?;
        store::delete_datastream(c, id)?;
        audit::store::record_change(
            c,
            &user.actor(),
            DATASTREAM,
            &id.to_string(),
            &before.name,
            Some(&before.record()),
            None,
        )?;
        Ok(())
    })
}

/// Creates a device token for a station; the secret is answered once and
/// only its hash kept. Audited (without the secret).
pub fn create_token(
    conn: &mut DbConnection,
    user: &CurrentUser,
    thing_id: i64,
    name: &str,
) -> Result<(DeviceToken, String), AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(invalid(vec![FieldError::new("name", "field_required")]));
    }
    audit::write_tx(conn, |c| {
        let t = editable_thing(c, user, thing_id)?;
        let secret = format!("{DEVICE_TOKEN_PREFIX}{}", crate::auth::random_secret());
        let id = uuid::Uuid::now_v7().to_string();
        let token = store::add_token(
            c,
            &id,
            thing_id,
            name,
            &crate::auth::sha256_hex(&secret),
            now(),
        )?;
        audit::store::record_change(
            c,
            &user.actor(),
            TOKEN,
            &id,
            &format!("{} / {}", t.name, name),
            None,
            Some(&token),
        )?;
        Ok((token, secret))
    })
}

/// Revokes a station's device token. Audited.
pub fn revoke_token(
    conn: &mut DbConnection,
    user: &CurrentUser,
    thing_id: i64,
    token_id: &str,
) -> Result<(), AppError> {
    audit::write_tx(conn, |c| {
        let t = editable_thing(c, user, thing_id)?;
        let before = store::token(c, token_id)?
            .filter(|k| k.thing_id == thing_id)
            .ok_or(AppError::NotFound)?;
        if before.revoked_at.is_some() {
            return Ok(());
        }
        store::revoke_token(c, token_id, now())?;
        let after = store::token(c, token_id)?.ok_or(AppError::NotFound)?;
        audit::store::record_change(
            c,
            &user.actor(),
            TOKEN,
            token_id,
            &format!("{} / {}", t.name, after.name),
            Some(&before),
            Some(&after),
        )?;
        Ok(())
    })
}

/// The audit log's object types of the registry.
pub const THING: &str = "sensor_thing";
pub const DATASTREAM: &str = "sensor_datastream";
pub const TOKEN: &str = "sensor_token";

// --- A station's dataset ------------------------------------------------------

/// Creates a draft dataset in the catalog for station `thing_id`, its
/// DCAT-AP-CZ metadata filled from the registry (title, a description
/// naming what is measured in which unit and how often, keywords, a
/// frequency from the expected interval, the station's place as the
/// bounding box, the publisher's contact), and links the station to it;
/// the station's managed distributions follow. Answers the slug. The
/// curator reviews the draft and publishes it.
pub fn create_dataset(
    conn: &mut DbConnection,
    views: &crate::audit::follow::Views,
    user: &CurrentUser,
    thing_id: i64,
    base: &str,
) -> Result<String, AppError> {
    let t = editable_thing(conn, user, thing_id)?;
    if t.dataset_id.is_some() {
        return Err(invalid(vec![FieldError::new(
            "dataset",
            "sensor_has_dataset",
        )]));
    }
    let publisher = crate::catalog::store::publisher_by_id(conn, &t.publisher_id)?;
    let streams = store::datastreams_of(conn, &[t.id])?;
    let describe = |every: &str| -> Vec<String> {
        streams
            .iter()
            .map(|d| {
                let unit = if d.unit_symbol.is_empty() {
                    &d.unit_ucum
                } else {
                    &d.unit_symbol
                };
                match d.expected_interval_s {
                    Some(s) => format!(
                        "{} ({unit}, {every} {} min)",
                        d.property_name,
                        (s + 59) / 60
                    ),
                    None => format!("{} ({unit})", d.property_name),
                }
            })
            .collect()
    };
    let (what, what_en) = (describe("každých"), describe("every"));
    let interval = streams.iter().filter_map(|d| d.expected_interval_s).min();
    let frequency = match interval {
        Some(s) if s < 3_600 => "UPDATE_CONT",
        Some(s) if s <= 3_600 => "HOURLY",
        Some(s) if s <= 86_400 => "DAILY",
        _ => "IRREG",
    };
    let place = if t.location_name.is_empty() {
        t.name.clone()
    } else {
        format!("{}, {}", t.name, t.location_name)
    };
    let mut keywords_cs: Vec<String> = streams.iter().map(|d| d.property_name.clone()).collect();
    keywords_cs.extend(["senzory".to_string(), "IoT".to_string()]);
    let (lon, lat) = (t.longitude, t.latitude);
    // A box of about 200 m around the station: DCAT-AP-CZ's bbox.
    let d = 0.001;
    let input = crate::catalog::input::DatasetInput {
        slug: String::new(),
        publisher: publisher.slug.clone(),
        title_cs: format!("Měření ze stanice {}", t.name),
        title_en: Some(format!("Observations of the station {}", t.name)),
        description_cs: format!(
            "Průběžná měření stanice {place}: {}. Hodnoty mimo platný rozsah jsou označené jako podezřelé.",
            what.join("; ")
        ),
        description_en: Some(format!(
            "Continuous observations of the station {place}: {}. Values outside the valid range are marked as suspect.",
            what_en.join("; ")
        )),
        themes: vec!["http://publications.europa.eu/resource/authority/data-theme/ENVI".into()],
        frequency: format!(
            "http://publications.europa.eu/resource/authority/frequency/{frequency}"
        ),
        spatial: "https://linked.cuzk.cz/resource/ruian/stat/1".into(),
        keywords_cs,
        keywords_en: vec!["sensors".into(), "IoT".into()],
        temporal_start: None,
        temporal_end: None,
        contact_name: Some(publisher.name_cs.clone()),
        contact_email: publisher.email.clone(),
        documentation_url: None,
        eurovoc: Vec::new(),
        conforms_to: None,
        bbox: Some(crate::catalog::input::BboxInput {
            west: lon - d,
            south: lat - d,
            east: lon + d,
            north: lat + d,
        }),
        distributions: Vec::new(),
        ..Default::default()
    };
    let saved = match crate::catalog::service::save(
        conn,
        views,
        user,
        &input,
        crate::catalog::service::Mode::Create,
    )? {
        Ok(s) => s,
        Err(errors) => return Err(invalid(errors)),
    };
    let mut station = station_input(conn, &t)?;
    station.dataset = Some(saved.slug.clone());
    update_thing(conn, user, t.id, &station, Some(t.updated_at), base)?;
    views.after_commit(conn, &["dataset"]);
    Ok(saved.slug)
}

/// A stored station as the registry's input (to change one field).
pub fn station_input(conn: &mut DbConnection, t: &Thing) -> Result<StationInput, AppError> {
    let publisher = crate::catalog::store::publisher_by_id(conn, &t.publisher_id)?;
    let dataset = match &t.dataset_id {
        Some(id) => crate::catalog::store::record_by_id(conn, id)?.map(|(r, _)| r.dataset.slug),
        None => None,
    };
    Ok(StationInput {
        publisher: publisher.slug,
        name: t.name.clone(),
        description: t.description.clone(),
        properties: serde_json::from_str(&t.properties).unwrap_or_default(),
        longitude: Some(t.longitude),
        latitude: Some(t.latitude),
        location_name: t.location_name.clone(),
        dataset,
    })
}

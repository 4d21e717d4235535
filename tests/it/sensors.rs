//! Sensor storage: observations once per datastream and time, with the
//! latest value, counts and rollups kept as batches are stored.

use chrono::{DateTime, Utc};
use radnice::sensors::model::{DAY, Datastream, HOUR, Observation, Thing, micros};
use radnice::sensors::store;

use crate::support::TestApp;

fn at(s: &str) -> i64 {
    micros(
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc),
    )
}

/// A PM10 station of the city with one datastream valid from 0 to 1,000
/// µg/m³; answers the station's and the datastream's ids.
pub fn pm10_station(app: &TestApp) -> (i64, i64) {
    station_of(app, "statutarni-mesto-chomutov")
}

/// The same station, of the given publisher.
pub fn station_of(app: &TestApp, publisher: &str) -> (i64, i64) {
    let mut conn = app.conn();
    let publisher = radnice::catalog::store::publisher_by_slug(&mut conn, publisher)
        .expect("q")
        .expect("publisher");
    let now = Utc::now().naive_utc();
    let thing = store::add_thing(
        &mut conn,
        &Thing {
            id: 0,
            publisher_id: publisher.id,
            dataset_id: None,
            name: "Chomutov, Školní".into(),
            description: "Měřicí stanice kvality ovzduší".into(),
            properties: "{}".into(),
            longitude: 13.4129,
            latitude: 50.4607,
            location_name: "Školní ulice".into(),
            is_example: false,
            accepted: 0,
            duplicates: 0,
            rejected: 0,
            flagged: 0,
            created_at: now,
            updated_at: now,
        },
    )
    .expect("thing");
    let ds = store::add_datastream(
        &mut conn,
        &Datastream {
            id: 0,
            thing_id: thing,
            name: "PM10".into(),
            description: "Suspendované částice PM10, hodinové hodnoty".into(),
            property_uri: "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/5".into(),
            property_name: "PM10".into(),
            unit_ucum: "ug/m3".into(),
            unit_symbol: "µg/m³".into(),
            unit_name: "mikrogram na metr krychlový".into(),
            sensor_name: "Prachoměr".into(),
            sensor_metadata: String::new(),
            valid_min: Some(0.0),
            valid_max: Some(1000.0),
            alert_above: Some(50.0),
            alert_below: None,
            expected_interval_s: Some(3600),
            observation_count: 0,
            first_time: None,
            last_time: None,
            created_at: now,
            updated_at: now,
        },
    )
    .expect("datastream");
    (thing, ds)
}

#[actix_web::test]
async fn a_batch_is_stored_once_and_keeps_the_latest_value_counts_and_rollups() {
    let app = TestApp::start().await;
    let (thing, ds) = pm10_station(&app);
    let obs = |t: &str, v: f64| Observation {
        datastream: ds,
        time: at(t),
        value: v,
    };
    let mut conn = app.conn();
    let streams = store::streams(&mut conn, &[ds, 999]).expect("streams");
    assert_eq!(streams.len(), 1, "an unknown datastream is not there");

    // 23:30 UTC on 1 July is already 2 July in Prague.
    let first = vec![
        obs("2026-07-01T10:00:00Z", 20.0),
        obs("2026-07-01T10:30:00Z", 40.0),
        obs("2026-07-01T11:00:00Z", 30.0),
        obs("2026-07-01T10:00:00Z", 99.0),
        obs("2026-07-01T12:00:00Z", -3.0),
        obs("2026-07-01T23:30:00Z", 10.0),
    ];
    let none = std::collections::HashMap::new();
    let stored = store::insert(&mut conn, &streams, &first, &none).expect("insert");
    assert_eq!(stored.new, vec![true, true, true, false, true, true]);
    assert_eq!(
        (stored.accepted, stored.duplicates, stored.flagged),
        (5, 1, 1)
    );

    // Sent again with one new one: only that one is stored.
    let mut again = first.clone();
    again.push(obs("2026-07-01T09:00:00Z", 60.0));
    let mut rejected = std::collections::HashMap::new();
    rejected.insert(thing, 2);
    let stored = store::insert(&mut conn, &streams, &again, &rejected).expect("insert");
    assert_eq!(
        (stored.accepted, stored.duplicates, stored.flagged),
        (1, 6, 0)
    );

    let d = store::datastream(&mut conn, ds).expect("q").expect("ds");
    assert_eq!(d.observation_count, 6);
    assert_eq!(d.first_time, Some(at("2026-07-01T09:00:00Z")));
    assert_eq!(d.last_time, Some(at("2026-07-01T23:30:00Z")));
    let t = store::thing(&mut conn, thing).expect("q").expect("thing");
    assert_eq!(
        (t.accepted, t.duplicates, t.rejected, t.flagged),
        (6, 7, 2, 1)
    );

    // The latest is the newest in time, not the last sent (09:00 came last).
    let latest = store::latest(&mut conn, &[ds]).expect("latest");
    assert_eq!(latest.len(), 1);
    assert_eq!(
        (latest[0].time, latest[0].value),
        (at("2026-07-01T23:30:00Z"), 10.0)
    );

    // The suspect −3 is kept but not averaged; the duplicate 99 is not.
    let hours = store::rollups(
        &mut conn,
        ds,
        HOUR,
        at("2026-07-01T00:00:00Z"),
        at("2026-07-02T00:00:00Z"),
    )
    .expect("hours");
    let got: Vec<(i64, i64, f64, f64, f64)> = hours
        .iter()
        .map(|b| (b.bucket, b.n, b.mean(), b.min_value, b.max_value))
        .collect();
    assert_eq!(
        got,
        vec![
            (at("2026-07-01T09:00:00Z"), 1, 60.0, 60.0, 60.0),
            (at("2026-07-01T10:00:00Z"), 2, 30.0, 20.0, 40.0),
            (at("2026-07-01T11:00:00Z"), 1, 30.0, 30.0, 30.0),
            (at("2026-07-01T23:00:00Z"), 1, 10.0, 10.0, 10.0),
        ]
    );
    let days = store::rollups(
        &mut conn,
        ds,
        DAY,
        at("2026-06-30T00:00:00Z"),
        at("2026-07-03T00:00:00Z"),
    )
    .expect("days");
    let got: Vec<(i64, i64, f64, f64, f64)> = days
        .iter()
        .map(|b| (b.bucket, b.n, b.mean(), b.min_value, b.max_value))
        .collect();
    assert_eq!(
        got,
        vec![
            (at("2026-07-01T00:00:00+02:00"), 4, 37.5, 20.0, 60.0),
            (at("2026-07-02T00:00:00+02:00"), 1, 10.0, 10.0, 10.0),
        ]
    );
}

/// A gateway sends a JSON batch and then a CSV one with a curator's API
/// token: the good items are stored, a re-sent one is a duplicate, each
/// bad one says why, and a station of another publisher is not the
/// curator's to write.
#[actix_web::test]
async fn a_batch_over_http_stores_the_good_items_and_says_why_of_the_others() {
    use reqwest::Method;
    use serde_json::{Value, json};
    let app = TestApp::start().await;
    let (thing, ds) = pm10_station(&app);
    let (_, elsewhere) = station_of(&app, "technicke-sluzby-mesta-chomutova");
    let api = crate::catalog::curator(&app, "cidla@chomutov.test", &["statutarni-mesto-chomutov"]);
    let batch = json!([
        {"datastream": ds, "time": "2026-07-01T10:00:00Z", "value": 21.5},
        {"datastream": ds, "time": "2026-07-01T11:00:00+02:00", "value": 1200},
        {"datastream": ds, "time": "2026-07-01T10:00:00Z", "value": 22},
        {"datastream": ds, "time": "2099-01-01T00:00:00Z", "value": 1},
        {"datastream": ds, "time": "2026-07-01T12:00:00Z", "value": "hodně"},
        {"datastream": 9999, "time": "2026-07-01T10:00:00Z", "value": 1},
        {"datastream": elsewhere, "time": "2026-07-01T10:00:00Z", "value": 1}
    ]);
    let r: Value = api
        .post("/api/v1/observations", &batch)
        .await
        .expect(200)
        .json();
    assert_eq!(
        (
            r["accepted"].clone(),
            r["duplicates"].clone(),
            r["flagged"].clone()
        ),
        (json!(2), json!(1), json!(1)),
        "{r}"
    );
    let reasons: Vec<(u64, String)> = r["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|x| {
            (
                x["index"].as_u64().expect("index"),
                x["code"].as_str().expect("code").to_string(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            (3, "time".to_string()),
            (4, "value".to_string()),
            (5, "unknown_datastream".to_string()),
            (6, "not_allowed".to_string()),
        ]
    );
    assert!(
        r["rejected"][0]["reason"]
            .as_str()
            .is_some_and(|s| s.contains("RFC 3339"))
    );

    // The same as CSV: the first row is a duplicate now.
    let csv = format!(
        "datastream,time,value\n{ds},2026-07-01T10:00:00Z,21.5\n{ds},2026-07-01T13:00:00Z,18\n"
    );
    let r: Value = api
        .request(Method::POST, "/api/v1/observations")
        .body("text/csv", csv)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(
        (r["accepted"].clone(), r["duplicates"].clone()),
        (json!(1), json!(1)),
        "{r}"
    );

    let mut conn = app.conn();
    let d = store::datastream(&mut conn, ds).expect("q").expect("ds");
    assert_eq!(d.observation_count, 3);
    let t = store::thing(&mut conn, thing).expect("q").expect("thing");
    assert_eq!(
        (t.accepted, t.duplicates, t.rejected, t.flagged),
        (3, 2, 2, 1)
    );
    let other = store::datastream(&mut conn, elsewhere)
        .expect("q")
        .expect("ds");
    assert_eq!(
        other.observation_count, 0,
        "nothing written to another's station"
    );
    drop(conn);

    // No token, a browser session, a wrong type, a body that is no array.
    app.api()
        .post("/api/v1/observations", &batch)
        .await
        .expect(401);
    api.request(Method::POST, "/api/v1/observations")
        .body("application/xml", "<a/>")
        .send()
        .await
        .expect(415);
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    api.request(Method::POST, "/api/v1/observations")
        .body("application/json", deep)
        .send()
        .await
        .expect(400);
    api.request(Method::POST, "/api/v1/observations")
        .body("application/json", "{\"datastream\": 1}")
        .send()
        .await
        .expect(400);
}

pub fn user_of(
    p: &crate::support::client::Person,
    roles: &[radnice::auth::Role],
) -> radnice::auth::CurrentUser {
    radnice::auth::CurrentUser {
        id: p.id.clone(),
        email: p.email.clone(),
        display_name: p.email.clone(),
        roles: roles.to_vec(),
        via_token: false,
    }
}

/// A curator registers a station and its datastream, edits and deletes
/// them: each change is in the audit log with its after-image, bad input
/// is refused field by field, another publisher's station is not his,
/// and the chain still verifies.
#[actix_web::test]
async fn the_registry_is_audited_checked_and_the_curators_own() {
    use diesel::prelude::*;
    use radnice::auth::Role;
    use radnice::db::schema::audit_log;
    use radnice::error::AppError;
    use radnice::sensors::input::{DatastreamInput, StationInput};
    use radnice::sensors::service;
    let app = TestApp::start().await;
    let p = app.person(
        "registr@chomutov.test",
        &[Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let user = user_of(&p, &[Role::Curator]);
    let mut conn = app.conn();
    let station = StationInput {
        publisher: "statutarni-mesto-chomutov".into(),
        name: "Hladinoměr Chomutovka, Bezručovo údolí".into(),
        description: "Ultrazvukový hladinoměr".into(),
        longitude: Some(13.3915),
        latitude: Some(50.4571),
        location_name: "Most u Kamencového jezera".into(),
        ..StationInput::default()
    };
    let t = service::create_thing(&mut conn, &user, &station, "http://localhost").expect("station");
    let level = DatastreamInput {
        name: "Výška hladiny".into(),
        property_uri: "http://vocabs.lter-europe.net/EnvThes/21341".into(),
        property_name: "Výška vodní hladiny".into(),
        unit_ucum: "cm".into(),
        unit_symbol: "cm".into(),
        unit_name: "centimetr".into(),
        valid_min: Some(0.0),
        valid_max: Some(600.0),
        alert_above: Some(250.0),
        expected_interval_s: Some(600),
        ..DatastreamInput::default()
    };
    let d = service::create_datastream(&mut conn, &user, t.id, &level).expect("datastream");
    assert_eq!(d.thing_id, t.id);

    // Bad input: each field says what is wrong, nothing is stored.
    let bad = StationInput {
        name: String::new(),
        longitude: Some(200.0),
        latitude: None,
        ..station.clone()
    };
    match service::create_thing(&mut conn, &user, &bad, "http://localhost") {
        Err(AppError::Validation(errors)) => {
            let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            fields.sort_unstable();
            assert_eq!(fields, vec!["latitude", "longitude", "name"]);
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    let inverted = DatastreamInput {
        valid_min: Some(10.0),
        valid_max: Some(1.0),
        unit_ucum: "c m".into(),
        ..level.clone()
    };
    match service::create_datastream(&mut conn, &user, t.id, &inverted) {
        Err(AppError::Validation(errors)) => {
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, vec!["unit_ucum", "valid_max"]);
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    // Another publisher's station, and a dataset of another publisher.
    let other = StationInput {
        publisher: "technicke-sluzby-mesta-chomutova".into(),
        ..station.clone()
    };
    assert!(matches!(
        service::create_thing(&mut conn, &user, &other, "http://localhost"),
        Err(AppError::Forbidden)
    ));
    let (foreign, _) = {
        drop(conn);
        let s = station_of(&app, "technicke-sluzby-mesta-chomutova");
        conn = app.conn();
        s
    };
    assert!(matches!(
        service::update_thing(
            &mut conn,
            &user,
            foreign,
            &station,
            None,
            "http://localhost"
        ),
        Err(AppError::Forbidden)
    ));

    // An edit from a stale version is refused; from the current one kept.
    let moved = StationInput {
        latitude: Some(50.4580),
        ..station.clone()
    };
    let stale = t.updated_at - chrono::Duration::seconds(1);
    assert!(matches!(
        service::update_thing(
            &mut conn,
            &user,
            t.id,
            &moved,
            Some(stale),
            "http://localhost"
        ),
        Err(AppError::Stale)
    ));
    let t2 = service::update_thing(
        &mut conn,
        &user,
        t.id,
        &moved,
        Some(t.updated_at),
        "http://localhost",
    )
    .expect("edit");
    assert_eq!(t2.latitude, 50.4580);

    let rows: Vec<(String, String, Option<String>)> = audit_log::table
        .filter(audit_log::object_type.like("sensor_%"))
        .order(audit_log::seq.asc())
        .select((
            audit_log::object_type,
            audit_log::action,
            audit_log::after_json,
        ))
        .load(&mut *conn)
        .expect("rows");
    // The seed's example stations come first.
    let rows: Vec<_> = rows.into_iter().rev().take(3).rev().collect();
    let kinds: Vec<(&str, &str)> = rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
    assert_eq!(
        kinds,
        vec![
            ("sensor_thing", "create"),
            ("sensor_datastream", "create"),
            ("sensor_thing", "update"),
        ]
    );
    assert!(
        rows[2].2.as_deref().is_some_and(|j| j.contains("50.458")),
        "{:?}",
        rows[2].2
    );

    service::delete_thing(&mut conn, &user, t.id, "http://localhost").expect("delete");
    assert!(store::thing(&mut conn, t.id).expect("q").is_none());
    assert!(store::datastream(&mut conn, d.id).expect("q").is_none());
    let deletes: i64 = audit_log::table
        .filter(audit_log::object_type.like("sensor_%"))
        .filter(audit_log::action.eq("delete"))
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert_eq!(deletes, 2, "the datastream and the station");
    let report = radnice::audit::verify(&mut conn).expect("verify");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

/// A station's device token writes its own datastreams, as a Bearer token
/// or as the password of HTTP Basic (as SensorThings clients send it), and
/// nothing of another station; a revoked token is refused, and so is the
/// API token of a user who curates nothing.
#[actix_web::test]
async fn a_device_token_writes_its_own_station_only() {
    use radnice::auth::Role;
    use radnice::sensors::service;
    use reqwest::Method;
    use serde_json::{Value, json};
    let app = TestApp::start().await;
    let (thing, ds) = pm10_station(&app);
    let (_, other) = pm10_station(&app);
    let p = app.person(
        "stanice@chomutov.test",
        &[Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let user = user_of(&p, &[Role::Curator]);
    let (token, secret) =
        service::create_token(&mut app.conn(), &user, thing, "Brána LoRaWAN").expect("token");
    assert!(secret.starts_with("rdd_"));

    let device = app.api_with(&secret);
    let batch = json!([
        {"datastream": ds, "time": "2026-07-01T10:00:00Z", "value": 21.5},
        {"datastream": other, "time": "2026-07-01T10:00:00Z", "value": 3}
    ]);
    let r: Value = device
        .post("/api/v1/observations", &batch)
        .await
        .expect(200)
        .json();
    assert_eq!(r["accepted"], json!(1), "{r}");
    assert_eq!(r["rejected"][0]["code"], json!("not_allowed"), "{r}");

    // HTTP Basic with any user name and the token as the password.
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("brana:{secret}"));
    let r: Value = app
        .api()
        .request(Method::POST, "/api/v1/observations")
        .header("Authorization", &format!("Basic {basic}"))
        .json(&json!([{"datastream": ds, "time": "2026-07-01T11:00:00Z", "value": 20}]))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(r["accepted"], json!(1), "{r}");
    let wrong = base64::engine::general_purpose::STANDARD.encode("brana:rdd_nope");
    app.api()
        .request(Method::POST, "/api/v1/observations")
        .header("Authorization", &format!("Basic {wrong}"))
        .json(&batch)
        .send()
        .await
        .expect(401);

    service::revoke_token(&mut app.conn(), &user, thing, &token.id).expect("revoke");
    device
        .post("/api/v1/observations", &batch)
        .await
        .expect(401);
    let listed = store::tokens_of(&mut app.conn(), thing).expect("tokens");
    assert!(listed[0].revoked_at.is_some() && listed[0].last_used_at.is_some());

    // A working group member's API token writes no observations.
    let wg = app.person("pracovni@chomutov.test", &[Role::WorkingGroup], &[]);
    app.api_of(&wg)
        .post("/api/v1/observations", &batch)
        .await
        .expect(403);
    let d = store::datastream(&mut app.conn(), ds)
        .expect("q")
        .expect("ds");
    assert_eq!(d.observation_count, 2);
}

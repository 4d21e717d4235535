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

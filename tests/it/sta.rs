//! The SensorThings API: what a client reads (entities, navigation,
//! filters, counts, next links, expansions), what it writes (through the
//! registry's audited writes and ingestion), and FROST's own Python client
//! driving it end to end.

use chrono::{DateTime, Duration, Utc};
use radnice::sensors::model::{HOUR, Observation, micros};
use radnice::sensors::store;
use serde_json::{Value, json};

use crate::sensors::{pm10_station, station_of};
use crate::support::{Api, TestApp};

/// Where the tests' app says it lives (its configured public base).
const PUBLIC: &str = "https://data.example.cz";

fn at(s: &str) -> i64 {
    micros(
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc),
    )
}

fn query(path: &str, pairs: &[(&str, String)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    format!("{path}?{}", q.finish())
}

/// Three days of a reading every ten minutes from 00:05 on 1 July 2026;
/// one of them (the 100th) far outside the valid range. Answers the
/// observations.
fn three_days(app: &TestApp, ds: i64) -> Vec<Observation> {
    let start = DateTime::parse_from_rfc3339("2026-07-01T00:05:00Z")
        .expect("t")
        .with_timezone(&Utc);
    let batch: Vec<Observation> = (0..432)
        .map(|i| Observation {
            datastream: ds,
            time: micros(start + Duration::minutes(10 * i)),
            value: if i == 100 {
                1200.0
            } else {
                20.0 + (i % 70) as f64
            },
        })
        .collect();
    let mut conn = app.conn();
    let streams = store::streams(&mut conn, &[ds]).expect("q");
    store::insert(
        &mut conn,
        &streams,
        &batch,
        &std::collections::HashMap::new(),
    )
    .expect("insert");
    batch
}

async fn read(api: &Api, path: &str) -> Value {
    api.get(path).await.expect(200).json()
}

/// The path of one of the app's own absolute links.
fn local(link: &Value) -> String {
    let s = link.as_str().expect("a link");
    s.strip_prefix(PUBLIC).expect("our base").to_string()
}

#[actix_web::test]
async fn a_client_reads_stations_datastreams_and_observations_as_sensorthings_says() {
    let app = TestApp::start().await;
    let (thing, ds) = pm10_station(&app);
    let (_, other) = station_of(&app, "technicke-sluzby-mesta-chomutova");
    let obs = three_days(&app, ds);
    three_days(&app, other);
    let api = app.api();

    let root = read(&api, "/sta/v1.1").await;
    assert_eq!(root["value"].as_array().expect("sets").len(), 8);
    assert!(
        root["serverSettings"]["conformance"]
            .as_array()
            .expect("conformance")
            .iter()
            .any(|c| c
                .as_str()
                .is_some_and(|c| c.ends_with("/create-update-delete")))
    );

    let reply = api
        .get(&format!("/sta/v1.1/Things({thing})"))
        .await
        .expect(200);
    assert_eq!(reply.header("access-control-allow-origin"), "*");
    let t = reply.json();
    assert_eq!(t["name"], "Chomutov, Školní");
    assert_eq!(t["@iot.id"], thing);
    assert_eq!(
        t["Datastreams@iot.navigationLink"],
        format!("{PUBLIC}/sta/v1.1/Things({thing})/Datastreams")
    );
    let loc = read(&api, &format!("/sta/v1.1/Things({thing})/Locations")).await;
    assert_eq!(
        loc["value"][0]["location"]["coordinates"],
        json!([13.4129, 50.4607])
    );
    let d = read(&api, &format!("/sta/v1.1/Datastreams({ds})")).await;
    assert_eq!(d["unitOfMeasurement"]["symbol"], "µg/m³");
    assert_eq!(d["properties"]["ucum"], "ug/m3");
    assert_eq!(
        d["phenomenonTime"],
        "2026-07-01T00:05:00Z/2026-07-03T23:55:00Z"
    );
    let p = read(
        &api,
        &format!("/sta/v1.1/Datastreams({ds})/ObservedProperty"),
    )
    .await;
    assert_eq!(
        p["definition"],
        "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/5"
    );
    // Both stations (and the seed's two) measure PM10: one
    // ObservedProperty for all their datastreams.
    let props = read(
        &api,
        "/sta/v1.1/ObservedProperties?$count=true&$filter=definition%20eq%20%27http://dd.eionet.europa.eu/vocabulary/aq/pollutant/5%27",
    )
    .await;
    assert_eq!(props["@iot.count"], 1);
    let of_prop = read(
        &api,
        &format!("/sta/v1.1/ObservedProperties({})/Datastreams", p["@iot.id"]),
    )
    .await;
    assert_eq!(of_prop["value"].as_array().expect("list").len(), 4);
    let name = api
        .get(&format!("/sta/v1.1/Things({thing})/name/$value"))
        .await
        .expect(200);
    assert_eq!(name.body, "Chomutov, Školní");
    let only = read(&api, &format!("/sta/v1.1/Things({thing})?$select=name,id")).await;
    let keys: Vec<&String> = only.as_object().expect("object").keys().collect();
    assert_eq!(keys, vec!["@iot.id", "name"], "{only}");

    // Newest first, in pages of 100 through the next links: every
    // observation once, in order.
    let mut next = Some(format!(
        "/sta/v1.1/Datastreams({ds})/Observations?$top=100&$orderby=phenomenonTime%20desc"
    ));
    let mut times = Vec::new();
    let mut pages = 0;
    while let Some(path) = next {
        let page = read(&api, &path).await;
        pages += 1;
        for o in page["value"].as_array().expect("value") {
            times.push(at(o["phenomenonTime"].as_str().expect("time")));
        }
        next = page.get("@iot.nextLink").map(local);
    }
    assert_eq!(pages, 5);
    let mut want: Vec<i64> = obs.iter().map(|o| o.time).collect();
    want.reverse();
    assert_eq!(times, want);

    // A count over a range that starts and ends inside hours: exact.
    let (lo, hi) = (at("2026-07-02T00:30:00Z"), at("2026-07-02T12:30:00Z"));
    let inside = obs.iter().filter(|o| o.time >= lo && o.time < hi).count();
    let counted = read(
        &api,
        &query(
            &format!("/sta/v1.1/Datastreams({ds})/Observations"),
            &[
                ("$count", "true".into()),
                ("$top", "0".into()),
                (
                    "$filter",
                    "phenomenonTime ge 2026-07-02T00:30:00Z and phenomenonTime lt 2026-07-02T12:30:00Z"
                        .into(),
                ),
            ],
        ),
    )
    .await;
    assert_eq!(counted["@iot.count"], inside, "{counted}");
    assert_eq!(counted["value"], json!([]));
    // A filter on results is checked row by row, across the collection.
    let high = obs.iter().filter(|o| o.value > 85.0).count();
    let filtered = read(
        &api,
        &query(
            "/sta/v1.1/Observations",
            &[
                ("$count", "true".into()),
                ("$filter", format!("result gt 85 and Datastream/id eq {ds}")),
                ("$top", "1000".into()),
            ],
        ),
    )
    .await;
    assert_eq!(filtered["@iot.count"], high);
    assert_eq!(filtered["value"].as_array().expect("value").len(), high);
    // The value outside the valid range is kept and said to be suspect.
    let suspect = read(
        &api,
        &query(
            &format!("/sta/v1.1/Datastreams({ds})/Observations"),
            &[("$filter", "resultQuality eq 'suspect'".into())],
        ),
    )
    .await;
    assert_eq!(suspect["value"][0]["result"], 1200.0);
    let id = suspect["value"][0]["@iot.id"]
        .as_str()
        .expect("id")
        .to_string();
    let one = read(&api, &format!("/sta/v1.1/Observations('{id}')")).await;
    assert_eq!(one["result"], 1200.0);
    let its = read(&api, &format!("/sta/v1.1/Observations('{id}')/Datastream")).await;
    assert_eq!(its["@iot.id"], ds);

    // Both datastreams merged in time order: ties by datastream.
    let merged = read(
        &api,
        "/sta/v1.1/Observations?$orderby=phenomenonTime&$top=4",
    )
    .await;
    let order: Vec<(i64, String)> = merged["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|o| {
            let id = o["@iot.id"].as_str().expect("id");
            let (d, _) = id.split_once('-').expect("id");
            (
                d.parse().expect("ds"),
                o["phenomenonTime"].as_str().expect("t").into(),
            )
        })
        .collect();
    assert_eq!(order[0].1, order[1].1);
    assert_eq!((order[0].0, order[1].0), (ds, other));
    assert!(order[2].1 > order[0].1);

    // A station with its datastreams and the latest reading of each.
    let expanded = read(
        &api,
        &query(
            "/sta/v1.1/Things",
            &[
                ("$filter", format!("id eq {thing}")),
                (
                    "$expand",
                    "Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))".into(),
                ),
            ],
        ),
    )
    .await;
    let ds0 = &expanded["value"][0]["Datastreams"][0];
    let last = obs.last().expect("last");
    assert_eq!(ds0["Observations"][0]["result"], last.value, "{expanded}");
    assert!(ds0["Observations@iot.nextLink"].is_string());
    let by_thing = read(
        &api,
        &query(
            "/sta/v1.1/Datastreams",
            &[
                ("$filter", format!("Thing/id eq {thing}")),
                ("$count", "true".into()),
            ],
        ),
    )
    .await;
    assert_eq!(by_thing["@iot.count"], 1);

    // Bad requests say what is wrong, and where.
    let bad = api
        .get(&query(
            "/sta/v1.1/Observations",
            &[("$filter", "result gt".into())],
        ))
        .await
        .expect(400)
        .json();
    assert!(
        bad["detail"]
            .as_str()
            .expect("detail")
            .contains("character"),
        "{bad}"
    );
    api.get("/sta/v1.1/Widgets").await.expect(404);
    api.get(&format!("/sta/v1.1/Things({thing})/Frobs"))
        .await
        .expect(404);
    api.get("/sta/v1.1/Things?$frobnicate=1").await.expect(400);
    api.get("/sta/v1.1/Observations?$orderby=result")
        .await
        .expect(400);
}

/// Writes go through the registry's audited path and through ingestion:
/// a device writes its station's observations and nothing else; a
/// re-sent observation is no error, a contradicting one is a conflict; a
/// correction or a deletion brings the counts and rollups along.
#[actix_web::test]
async fn writes_go_through_the_registry_and_ingestion() {
    use radnice::auth::Role;
    use radnice::sensors::service;
    let app = TestApp::start().await;
    let (thing, ds) = pm10_station(&app);
    let p = app.person(
        "sta@chomutov.test",
        &[Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let curator = app.api_of(&p);
    let user = crate::sensors::user_of(&p, &[Role::Curator]);
    let (_, secret) = service::create_token(&mut app.conn(), &user, thing, "Brána").expect("token");
    let device = app.api_with(&secret);

    let station = json!({
        "name": "Teploměr vozovky, Palackého",
        "description": "Teplota povrchu vozovky",
        "Locations": [{
            "name": "Palackého ulice",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [13.4101, 50.4633]}
        }],
        "Datastreams": [{
            "name": "Teplota povrchu",
            "description": "Teplota povrchu vozovky",
            "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            "unitOfMeasurement": {"name": "stupeň Celsia", "symbol": "°C", "definition": "http://unitsofmeasure.org/ucum.html"},
            "Sensor": {"name": "Silniční čidlo", "encodingType": "text/plain", "metadata": "RS-2"},
            "ObservedProperty": {"name": "Teplota povrchu vozovky", "definition": "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0395/"}
        }]
    });
    app.api()
        .post("/sta/v1.1/Things", &station)
        .await
        .expect(401);
    device.post("/sta/v1.1/Things", &station).await.expect(403);
    let mut unlocated = station.clone();
    unlocated.as_object_mut().expect("o").remove("Locations");
    curator
        .post("/sta/v1.1/Things", &unlocated)
        .await
        .expect(400);
    let created = curator.post("/sta/v1.1/Things", &station).await.expect(201);
    let location = local(&json!(created.location()));
    let t = read(&curator, &format!("{location}?$expand=Datastreams")).await;
    assert_eq!(t["name"], "Teploměr vozovky, Palackého");
    let new_ds = &t["Datastreams"][0];
    assert_eq!(new_ds["properties"]["ucum"], "Cel", "{t}");
    let new_thing = t["@iot.id"].as_i64().expect("id");
    {
        use diesel::prelude::*;
        use radnice::db::schema::audit_log;
        let audited: Vec<(String, String)> = audit_log::table
            .filter(audit_log::object_type.like("sensor_%"))
            .select((audit_log::object_type, audit_log::object_id))
            .load(&mut app.conn())
            .expect("audit");
        assert!(audited.contains(&("sensor_thing".into(), new_thing.to_string())));
        assert!(audited.contains(&("sensor_datastream".into(), new_ds["@iot.id"].to_string())));
    }

    // The device: its own datastream's observations, once.
    let obs = json!({"phenomenonTime": "2026-07-01T10:00:00Z", "result": 21.5});
    let path = format!("/sta/v1.1/Datastreams({ds})/Observations");
    let first = device.post(&path, &obs).await.expect(201);
    assert!(first.location().ends_with(&format!(
        "Observations('{ds}-{}')",
        at("2026-07-01T10:00:00Z")
    )));
    device.post(&path, &obs).await.expect(201);
    device
        .post(
            &path,
            &json!({"phenomenonTime": "2026-07-01T10:00:00Z", "result": 30}),
        )
        .await
        .expect(409);
    device
        .post(
            &path,
            &json!({"phenomenonTime": "2026-07-01T10:00:00Z/2026-07-01T11:00:00Z", "result": 3}),
        )
        .await
        .expect(400);
    device
        .post(
            &path,
            &json!({"phenomenonTime": "2026-07-01T11:00:00Z", "result": "vysoko"}),
        )
        .await
        .expect(400);
    device
        .post(
            &format!("/sta/v1.1/Datastreams({})/Observations", new_ds["@iot.id"]),
            &obs,
        )
        .await
        .expect(403);
    device
        .request(
            reqwest::Method::DELETE,
            &format!(
                "/sta/v1.1/Observations('{ds}-{}')",
                at("2026-07-01T10:00:00Z")
            ),
        )
        .send()
        .await
        .expect(403);

    // A batch: the bad row says "error" in its place, the others are kept.
    let batch = json!([{
        "Datastream": {"@iot.id": ds},
        "components": ["phenomenonTime", "result"],
        "dataArray": [
            ["2026-07-01T10:10:00Z", 20.0],
            ["zítra", 1.0],
            ["2026-07-01T10:20:00Z", 40.0]
        ]
    }]);
    let links = device
        .post("/sta/v1.1/CreateObservations", &batch)
        .await
        .expect(201)
        .json();
    assert_eq!(links[1], "error");
    assert!(
        links[0]
            .as_str()
            .expect("link")
            .ends_with(&format!("('{ds}-{}')", at("2026-07-01T10:10:00Z")))
    );
    let hour = |app: &TestApp| {
        store::rollups(
            &mut app.conn(),
            ds,
            HOUR,
            at("2026-07-01T10:00:00Z"),
            at("2026-07-01T11:00:00Z"),
        )
        .expect("q")[0]
    };
    assert_eq!(
        (hour(&app).n, hour(&app).mean()),
        (3, (21.5 + 20.0 + 40.0) / 3.0)
    );

    // A correction and a deletion, by the curator.
    let id = format!("{ds}-{}", at("2026-07-01T10:20:00Z"));
    let req = curator
        .request(
            reqwest::Method::PATCH,
            &format!("/sta/v1.1/Observations('{id}')"),
        )
        .json(&json!({"result": 25.0}));
    req.send().await.expect(200);
    assert_eq!(hour(&app).mean(), (21.5 + 20.0 + 25.0) / 3.0);
    curator
        .request(
            reqwest::Method::DELETE,
            &format!("/sta/v1.1/Observations('{id}')"),
        )
        .send()
        .await
        .expect(200);
    assert_eq!(hour(&app).n, 2);
    let count = read(
        &curator,
        &format!("/sta/v1.1/Datastreams({ds})/Observations?$count=true"),
    )
    .await;
    assert_eq!(count["@iot.count"], 2);
    let latest = store::latest(&mut app.conn(), &[ds]).expect("latest");
    assert_eq!(latest[0].time, at("2026-07-01T10:10:00Z"));

    // A JSON Patch of a station, and a datastream's new description.
    curator
        .request(
            reqwest::Method::PATCH,
            &format!("/sta/v1.1/Things({new_thing})"),
        )
        .body(
            "application/json-patch+json",
            json!([{"op": "replace", "path": "/name", "value": "Teploměr vozovky"}]).to_string(),
        )
        .send()
        .await
        .expect(200);
    assert_eq!(
        read(&curator, &format!("/sta/v1.1/Things({new_thing})")).await["name"],
        "Teploměr vozovky"
    );
    curator
        .request(
            reqwest::Method::DELETE,
            &format!("/sta/v1.1/Things({new_thing})"),
        )
        .send()
        .await
        .expect(200);
    curator
        .get(&format!("/sta/v1.1/Things({new_thing})"))
        .await
        .expect(404);
}

/// FROST's Python client, as an integrator uses it: a station created
/// deep, observations one by one and as a data array (a bad row answers
/// "error"), filtered reads across next links, a JSON Patch, an update,
/// a deletion, with the token sent as HTTP Basic's password.
#[actix_web::test]
async fn frost_sta_client_creates_reads_and_batch_creates() {
    use radnice::auth::Role;
    let app = TestApp::start_here().await;
    let p = app.person(
        "integrator@chomutov.test",
        &[Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let (_, secret) = radnice::auth::store::create_token(
        &mut app.conn(),
        &radnice::audit::Actor::system("test"),
        &p.id,
        "frost",
    )
    .expect("token");
    let script = crate::support::manifest_dir().join("tests/it/sta/frost.py");
    let url = app.url("/sta/v1.1");
    let out = actix_web::rt::task::spawn_blocking(move || {
        crate::gis::python(
            "frost_sta_client",
            &std::fs::read_to_string(script).expect("script"),
            &[&url, &secret, "statutarni-mesto-chomutov"],
        )
    })
    .await
    .expect("python");
    let Some(out) = out else {
        return;
    };
    let got: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(got["thing_name"], "Hladinoměr Chomutovka");
    assert_eq!(got["unit"], "cm");
    let batch = got["batch"].as_array().expect("batch");
    assert_eq!(batch.len(), 6);
    assert_eq!(batch[5], "error", "the bad row answers error: {got}");
    assert!(
        batch[..5]
            .iter()
            .all(|l| l.as_str().is_some_and(|l| l.contains("/Observations('"))),
        "{got}"
    );
    let all: Vec<f64> = (100..110).map(f64::from).collect();
    assert_eq!(got["all_results"], json!(all));
    assert_eq!(got["high"], json!([107.0, 108.0, 109.0]));
    assert_eq!(got["count_from_10_02"], 8);
    assert_eq!(got["patched_name"], "Hladinoměr Chomutovka, most");
    assert_eq!(
        got["updated_description"],
        "Povodňový hladinoměr (upraveno)"
    );
    assert_eq!(got["count_after_delete"], 9);
    let ds = got["datastream"].as_i64().expect("ds");
    let d = store::datastream(&mut app.conn(), ds)
        .expect("q")
        .expect("ds");
    assert_eq!((d.unit_ucum.as_str(), d.observation_count), ("cm", 9));
}

/// The hostile queries and bodies of the security issue's helpers: a
/// `$filter` nested 10,000 deep, an `$expand` of everything on a large
/// collection, a `CreateObservations` over the body limit, a deeply nested
/// body. Each is refused with the reason; the server goes on answering.
#[actix_web::test]
async fn hostile_queries_and_bodies_are_refused_and_the_server_goes_on() {
    use crate::support::attack::{self, nested};
    let app = TestApp::start_with(attack::configure).await;
    let (thing, ds) = pm10_station(&app);
    let p = app.person(
        "utok@chomutov.test",
        &[radnice::auth::Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let curator = app.api_of(&p);
    // 120 stations with a thousand observations each.
    let mut all = vec![ds];
    for _ in 0..119 {
        all.push(pm10_station(&app).1);
    }
    let start = at("2026-07-01T00:00:00Z");
    let batch: Vec<Observation> = all
        .iter()
        .flat_map(|&d| {
            (0..1000).map(move |i| Observation {
                datastream: d,
                time: start + i * 60_000_000,
                value: i as f64,
            })
        })
        .collect();
    let mut conn = app.conn();
    let streams = store::streams(&mut conn, &all).expect("q");
    store::insert(&mut conn, &streams, &batch, &Default::default()).expect("insert");
    drop(conn);
    let api = app.api();

    for depth in [10_000, 4_000] {
        let f = nested("(", "result gt 1", ")", depth);
        let r = api
            .get(&query("/sta/v1.1/Observations", &[("$filter", f)]))
            .await
            .expect(400)
            .json();
        assert!(r["detail"].is_string(), "{r}");
    }
    let deep_not = format!("{}result gt 1", "not ".repeat(1_500));
    api.get(&query("/sta/v1.1/Observations", &[("$filter", deep_not)]))
        .await
        .expect(400);

    let everything = "Locations,HistoricalLocations,Datastreams($top=10000;$expand=Sensor,\
        ObservedProperty,Thing,Observations($top=10000;$expand=FeatureOfInterest,Datastream))";
    let t0 = std::time::Instant::now();
    let r = api
        .get(&query(
            "/sta/v1.1/Things",
            &[("$top", "10000".into()), ("$expand", everything.into())],
        ))
        .await
        .expect(400)
        .json();
    assert!(
        r["detail"].as_str().expect("detail").contains("entities"),
        "{r}"
    );
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        t0.elapsed()
    );
    // What is asked of a bounded answer is answered.
    let fine = read(
        &api,
        &query(
            "/sta/v1.1/Things",
            &[
                ("$filter", format!("id eq {thing}")),
                ("$expand", everything.into()),
            ],
        ),
    )
    .await;
    assert_eq!(
        fine["value"][0]["Datastreams"][0]["Observations"]
            .as_array()
            .expect("observations")
            .len(),
        1000
    );

    // Over the body limit: 413, nothing stored.
    let row = "[\"2026-07-02T00:00:00Z\", 1.0],";
    let huge = format!(
        "[{{\"Datastream\": {{\"@iot.id\": {ds}}}, \"components\": [\"phenomenonTime\", \"result\"], \"dataArray\": [{}[\"2026-07-02T00:00:00Z\", 1.0]]}}]",
        row.repeat(17 * 1024 * 1024 / row.len())
    );
    let got = curator
        .request(reqwest::Method::POST, "/sta/v1.1/CreateObservations")
        .body("application/json", huge)
        .send()
        .await;
    assert_eq!(got.status, 413);
    let deep = nested("[", "1", "]", 100_000);
    curator
        .request(reqwest::Method::POST, "/sta/v1.1/Observations")
        .body("application/json", deep)
        .send()
        .await
        .expect(400);
    let d = store::datastream(&mut app.conn(), ds)
        .expect("q")
        .expect("ds");
    assert_eq!(d.observation_count, 1000);
    let target = attack::Target {
        base: app.base.clone(),
        app: None,
    };
    target.assert_alive().await;
}

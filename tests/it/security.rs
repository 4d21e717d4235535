//! The attack suite (issue: one anonymous request must not take the portal
//! down). Each test reproduces one attack through real HTTP and checks both
//! the answer and that the server goes on serving. With
//! `RADNICE_ATTACK_URL` set they run against an external server (see
//! `tests/attack.sh`).

use std::time::{Duration, Instant};

use crate::support::attack::{self, Target, client, flood, nested};

async fn sparql_get(target: &Target, query: &str, accept: &str) -> (u16, String) {
    let res = client(Duration::from_secs(60))
        .get(target.url("/sparql"))
        .query(&[("query", query)])
        .header("Accept", accept)
        .send()
        .await
        .expect("GET /sparql");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

async fn sparql_post(
    target: &Target,
    query: &str,
    timeout: Duration,
) -> Result<(u16, String), String> {
    let res = client(timeout)
        .post(target.url("/sparql"))
        .header("Content-Type", "application/sparql-query")
        .header("Accept", "application/sparql-results+json")
        .body(query.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    Ok((status, res.text().await.map_err(|e| e.to_string())?))
}

const JSON: &str = "application/sparql-results+json";
/// A query that runs for minutes on any catalog, buffering little: a
/// cartesian product of four slices of 300 triples each (8.1 × 10⁹ rows).
const CROSS_JOIN: &str = "SELECT (COUNT(*) AS ?n) WHERE { \
    { SELECT * WHERE { ?a ?b ?c } LIMIT 300 } { SELECT * WHERE { ?d ?e ?f } LIMIT 300 } \
    { SELECT * WHERE { ?g ?h ?i } LIMIT 300 } { SELECT * WHERE { ?j ?k ?l } LIMIT 300 } }";

#[actix_web::test]
async fn sparql_nested_10000_deep_is_refused_and_the_server_lives() {
    let target = Target::start().await;
    let filter = format!(
        "SELECT * WHERE {{ ?s ?p ?o FILTER({}) }} LIMIT 1",
        nested("(", "?o", ")", 10_000)
    );
    let groups = format!("SELECT * WHERE {}", nested("{", "?s ?p ?o", "}", 10_000));
    let lists = format!(
        "SELECT * WHERE {{ ?s ?p {} }}",
        nested("(", "1", ")", 10_000)
    );
    // The bracket count is what the parser recurses on; a syntax error
    // further on must not matter.
    let broken = format!(
        "SELECT * WHERE {{ ?s ?p ?o FILTER({} }}",
        nested("(", "?o", ")", 900)
    );
    for query in [&filter, &groups, &lists, &broken] {
        let (status, body) = sparql_get(&target, query, JSON).await;
        assert_eq!(status, 400, "{}", &body[..body.len().min(300)]);
        assert!(body.contains("64"), "the limit is named: {body}");
        let (status, html) = sparql_get(&target, query, "text/html").await;
        assert_eq!(status, 400);
        assert!(html.contains("hlouběji"), "Czech page explains it");
        target.assert_alive().await;
    }
    // Within the limit, a nested query still runs.
    let ok = format!(
        "SELECT * WHERE {{ ?s ?p ?o FILTER({}) }} LIMIT 1",
        nested("(", "BOUND(?o)", ")", 60)
    );
    assert_eq!(sparql_get(&target, &ok, JSON).await.0, 200);
}

#[actix_web::test]
async fn sparql_large_queries_are_refused_before_work_that_cannot_be_stopped() {
    let target = Target::start().await;
    // Flat chains nest in the parsed tree without brackets, and the
    // optimiser's set-up grows faster than linearly with the number of
    // operators, path steps and triple patterns; none of it can be
    // interrupted, so each must be refused before it starts or stay small
    // enough to end at once. After each, a small query gets a slot at once.
    let budget = radnice::dcat::sparql::MAX_QUERY_BYTES - 200;
    let patterns = |n: usize| {
        (0..n)
            .map(|i| format!("?s{i} ?p ?s{} .", i + 1))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let cases = [
        (
            format!(
                "SELECT ?x WHERE {{ BIND({}1 AS ?x) }}",
                "1+".repeat(budget / 2)
            ),
            400,
        ),
        (
            format!("ASK {{ FILTER({}false) }}", "false||".repeat(budget / 7)),
            400,
        ),
        (
            format!(
                "SELECT * WHERE {{ ?s {}dct:title ?o }} LIMIT 1",
                "dct:title/".repeat(budget / 10)
            ),
            400,
        ),
        (
            format!(
                "SELECT * WHERE {{ ?s {}dct:title ?o }} LIMIT 1",
                "dct:title/".repeat(60)
            ),
            200,
        ),
        (
            format!(
                "SELECT * WHERE {{ ?s {}dct:title ?o }} LIMIT 1",
                "(dct:title|dct:description)/".repeat(70)
            ),
            400,
        ),
        (
            format!(
                "SELECT * WHERE {{ ?s ?p ?o FILTER({}true) }} LIMIT 1",
                "!".repeat(budget - 100)
            ),
            400,
        ),
        (
            format!("SELECT * WHERE {{ {} }} LIMIT 1", patterns(65)),
            400,
        ),
        (
            format!("SELECT * WHERE {{ {} }} LIMIT 1", patterns(64)),
            200,
        ),
        (
            format!("SELECT ?x WHERE {{ BIND({}1 AS ?x) }}", "1+".repeat(450)),
            200,
        ),
    ];
    for (query, expected) in &cases {
        let (status, body) = sparql_post(&target, query, Duration::from_secs(60))
            .await
            .expect("answered");
        assert_eq!(
            status,
            *expected,
            "{}…: {}",
            &query[..60],
            &body[..body.len().min(300)]
        );
        let started = Instant::now();
        let (status, _) = sparql_post(&target, "ASK { ?s ?p ?o }", Duration::from_secs(60))
            .await
            .expect("answered");
        assert_eq!(status, 200, "a slot is free after {}…", &query[..60]);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
    let too_long = format!(
        "SELECT * WHERE {{ ?s ?p ?o }} #{}",
        "x".repeat(radnice::dcat::sparql::MAX_QUERY_BYTES)
    );
    let (status, body) = sparql_post(&target, &too_long, Duration::from_secs(60))
        .await
        .expect("answered");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("65536"), "{body}");
}

#[actix_web::test]
async fn eight_cross_joins_end_by_the_time_limit_and_the_site_keeps_answering() {
    let target = Target::start().await;
    let limit = Duration::from_millis(attack::TIMEOUT_MS);
    type Answer = (Result<(u16, String), String>, Duration);
    let attacks: Vec<attack::Attack<'_, Answer>> = (0..8)
        .map(|_| {
            let target = &target;
            Box::pin(async move {
                let started = Instant::now();
                let r = sparql_post(target, CROSS_JOIN, Duration::from_secs(120)).await;
                (r, started.elapsed())
            }) as _
        })
        .collect();
    let started = Instant::now();
    let (answers, probe) = flood(&target, &["/healthz", "/datasets/pasport-zelene"], attacks).await;
    for (answer, took) in &answers {
        let (status, body) = answer.as_ref().expect("every query is answered");
        assert_eq!(*status, 503, "{body}");
        // Stopped by the clock, by a budget (on a large catalog the
        // cartesian product's buffer fills first), or sent away for now.
        assert!(
            ["2000 ms", "20000", "najednou"]
                .iter()
                .any(|why| body.contains(why)),
            "{body}"
        );
        assert!(
            *took < limit + Duration::from_secs(5),
            "ended by the limit, took {took:?}"
        );
    }
    assert!(probe.failures.is_empty(), "{:?}", probe.failures);
    assert!(!probe.latencies.is_empty(), "probed while the queries ran");
    eprintln!(
        "8 cross joins: ended after {:?}; /healthz and a dataset page: {} probes, worst {:?}",
        started.elapsed(),
        probe.latencies.len(),
        probe.worst()
    );
    // The slots are free again: a small query runs at once.
    let (status, _) = sparql_get(&target, "ASK { ?s ?p ?o }", JSON).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn a_query_past_the_slots_waits_briefly_then_gets_503_with_retry_after() {
    let target = Target::start().await;
    let busy: Vec<_> = (0..attack::CONCURRENCY)
        .map(|_| sparql_post(&target, CROSS_JOIN, Duration::from_secs(60)))
        .collect();
    let late = async {
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        client(Duration::from_secs(60))
            .post(target.url("/sparql"))
            .header("Content-Type", "application/sparql-query")
            .header("Accept", JSON)
            .body("ASK { ?s ?p ?o }")
            .send()
            .await
            .expect("answered")
    };
    let (_, res) = futures_util::join!(futures_util::future::join_all(busy), late);
    assert_eq!(res.status().as_u16(), 503);
    assert!(
        res.headers().get("retry-after").is_some(),
        "Retry-After is sent"
    );
    let body = res.text().await.expect("body");
    assert!(
        body.contains("application/problem+json") || body.contains("\"status\":503"),
        "{body}"
    );
}

#[actix_web::test]
async fn a_client_that_leaves_frees_its_slot() {
    let target = Target::start().await;
    // Both slots taken by clients that give up after half a second.
    let leaving: Vec<_> = (0..attack::CONCURRENCY)
        .map(|_| sparql_post(&target, CROSS_JOIN, Duration::from_millis(500)))
        .collect();
    for r in futures_util::future::join_all(leaving).await {
        assert!(r.is_err(), "the client gave up first");
    }
    // Their evaluations stop with them, well before the time limit.
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let (status, body) = sparql_post(&target, "ASK { ?s ?p ?o }", Duration::from_secs(60))
        .await
        .expect("answered");
    assert_eq!(status, 200, "{body}");
    assert!(
        started.elapsed() < Duration::from_millis(attack::TIMEOUT_MS),
        "{:?}",
        started.elapsed()
    );
}

#[actix_web::test]
async fn sorting_or_grouping_too_many_solutions_is_refused_with_the_reason() {
    let target = Target::start().await;
    for query in [
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1",
        "SELECT ?a ?d (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f } GROUP BY ?a ?d ?c LIMIT 1",
        "SELECT DISTINCT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 100000",
    ] {
        let started = Instant::now();
        let (status, body) = sparql_get(&target, query, JSON).await;
        assert_eq!(status, 503, "{query}: {body}");
        assert!(body.contains(&attack::MAX_HELD.to_string()), "{body}");
        assert!(
            started.elapsed() < Duration::from_millis(attack::TIMEOUT_MS),
            "stopped by the budget, not the clock"
        );
    }
    target.assert_alive().await;
}

#[actix_web::test]
async fn a_string_that_doubles_is_refused_with_the_reason() {
    let target = Target::start().await;
    let mut binds = String::from("BIND(\"lol\" AS ?v0) ");
    for i in 1..=40 {
        binds.push_str(&format!("BIND(CONCAT(?v{p}, ?v{p}) AS ?v{i}) ", p = i - 1));
    }
    let chained = format!("SELECT ?v40 WHERE {{ {binds} }}");
    let group = "SELECT (GROUP_CONCAT(STR(?o)) AS ?all) WHERE { ?a ?b ?c . ?d ?e ?o }";
    for query in [chained.as_str(), group] {
        let (status, body) = sparql_get(&target, query, JSON).await;
        assert_eq!(status, 503, "{body}");
        assert!(
            body.contains(&attack::MAX_STRING.to_string())
                || body.contains(&attack::MAX_HELD.to_string()),
            "{body}"
        );
    }
    target.assert_alive().await;
}

#[actix_web::test]
async fn federated_queries_are_refused_with_400() {
    let target = Target::start().await;
    let (status, body) = sparql_get(
        &target,
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        JSON,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("SERVICE"), "{body}"); // An unknown function is the query's fault too, not a 500.
    let (status, body) = sparql_get(
        &target,
        "SELECT * WHERE { ?s ?p ?o FILTER(<https://example.org/f>(?o)) } LIMIT 1",
        JSON,
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

// --- login, password change, redirects -------------------------------------

use crate::support::{Client, PASSWORD, TestApp, csrf_from};
use radnice::auth::Role;

async fn login_attempt(c: &Client, token: &str, email: &str, pw: &str) -> u16 {
    c.post_form(
        "/login",
        &[("csrf_token", token), ("email", email), ("password", pw)],
    )
    .await
    .status()
    .as_u16()
}

#[actix_web::test]
async fn sixty_parallel_logins_get_no_more_tries_than_the_limit() {
    let app = TestApp::start().await;
    app.add_user("kurator@example.cz", PASSWORD, &[Role::Curator]);
    let c = app.client();
    let token = c.csrf("/login").await;
    let limit = app.state.config.login_attempts_per_minute;
    let attempts = (0..60).map(|i| {
        let pw = if i == 59 {
            PASSWORD
        } else {
            "wrong password 123"
        };
        login_attempt(&c, &token, "kurator@example.cz", pw)
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let tried = statuses.iter().filter(|s| **s != 429).count();
    assert!(
        tried <= limit,
        "{tried} attempts were checked: {statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 60 - tried);
}

#[actix_web::test]
async fn the_current_password_check_is_throttled_and_a_change_ends_other_sessions() {
    let app = TestApp::start().await;
    let user = app.add_user("kurator@example.cz", PASSWORD, &[Role::Curator]);
    let api_token = app.add_token(&user.id);
    let here = app.client();
    here.login("kurator@example.cz", PASSWORD).await;
    let elsewhere = app.client();
    elsewhere.login("kurator@example.cz", PASSWORD).await;

    let limit = app.state.config.login_attempts_per_minute;
    let change = |current: &'static str, revoke: bool| {
        let here = &here;
        async move {
            let mut fields = vec![
                ("current_password", current),
                ("new_password", "a new long passphrase"),
            ];
            if revoke {
                fields.push(("revoke_tokens", "1"));
            }
            here.submit("/account/password", &fields).await
        }
    };
    for _ in 0..limit {
        change("not my password", false).await.expect(422);
    }
    let res = change(PASSWORD, false).await;
    assert_eq!(res.status, 429, "even the right password waits");
    app.state
        .throttle
        .succeed(&format!("password-change:{}", user.id), "127.0.0.1");

    change(PASSWORD, true).await.expect(303);
    assert_eq!(
        here.get("/account").await.status().as_u16(),
        200,
        "this session stays"
    );
    assert_eq!(
        elsewhere.get("/account").await.status().as_u16(),
        303,
        "the other session ended"
    );
    let res = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&api_token)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 401, "the token was revoked as asked");
}

#[actix_web::test]
async fn next_cannot_lead_off_site_or_break_the_response() {
    let app = TestApp::start().await;
    app.add_user("kurator@example.cz", PASSWORD, &[Role::Curator]);
    let c = app.client();
    for next in [
        "/%09/evil.example/path",
        "/%5C/evil.example",
        "/%0d%0aSet-Cookie:%20x=1",
    ] {
        let res = c.get(&format!("/lang/en?next={next}")).await;
        assert_eq!(res.status().as_u16(), 303, "{next}");
        assert_eq!(res.headers()["location"], "/", "{next}");
        let (_, html) = c.get_text(&format!("/login?next={next}")).await;
        assert!(html.contains("name=\"next\" value=\"/\""), "{next}");
    }
    let token = c.csrf("/login").await;
    let res = c
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "kurator@example.cz"),
                ("password", PASSWORD),
                ("next", "/\t/evil.example/path"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    // Not off site: to the user's start page, as without a `next`.
    assert_eq!(res.headers()["location"], "/work");
    assert!(csrf_from("name=\"csrf_token\" value=\"x\"").is_some());
}

#[actix_web::test]
async fn a_wrong_bearer_token_on_a_page_is_401_not_a_redirect_loop() {
    let app = TestApp::start().await;
    let res = app
        .client()
        .http
        .get(app.url("/account"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.headers().get("location").is_none());
}

/// POSTs `body` to the dataset API with an optional bearer token.
async fn post_dataset(
    app: &TestApp,
    token: Option<&str>,
    content_type: &str,
    body: String,
) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(app.url("/api/v1/datasets"))
        .header("Content-Type", content_type)
        .header("Accept", "application/json")
        .body(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("POST");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

#[actix_web::test]
async fn json_with_the_wrong_content_type_is_415() {
    let app = TestApp::start().await;
    let user = app.add_user("kurator@example.cz", PASSWORD, &[Role::Curator]);
    let token = app.add_token(&user.id);
    let (status, body) = post_dataset(&app, Some(&token), "text/plain", "{}".into()).await;
    assert_eq!(status, 415);
    assert!(body.contains("\"status\":415"), "{body}");
}

// --- harvesting: ownership, hostile documents, SSRF, bodies before auth ----

const FORESTS: &str = "mestske-lesy-chomutov";
const CITY: &str = "statutarni-mesto-chomutov";

async fn upload(
    c: &Client,
    publisher: &str,
    name: &str,
    body: Vec<u8>,
    source: &str,
) -> (u16, String) {
    let token = c.csrf("/harvest").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .text("publisher", publisher.to_string())
        .text("location", "")
        .text("source", source.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(body).file_name(name.to_string()),
        );
    let res = c
        .http
        .post(c.url("/harvest"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

async fn harvest_url(c: &Client, publisher: &str, url: &str) -> (u16, String) {
    let token = c.csrf("/harvest").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .text("publisher", publisher.to_string())
        .text("location", url.to_string());
    let res = c
        .http
        .post(c.url("/harvest"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

fn dataset_publisher(app: &TestApp, slug: &str) -> Option<(String, String)> {
    use diesel::prelude::*;
    use radnice::db::schema::{datasets, publishers};
    datasets::table
        .inner_join(publishers::table)
        .filter(datasets::slug.eq(slug))
        .select((publishers::slug, datasets::status))
        .first(&mut app.conn())
        .optional()
        .expect("query")
}

#[actix_web::test]
async fn a_curator_of_another_publisher_cannot_take_over_harvested_datasets() {
    let app = TestApp::start().await;
    crate::catalog::curator(&app, "lesy@chomutov.test", &[FORESTS]);
    crate::catalog::curator(&app, "mesto@chomutov.test", &[CITY]);
    let forests = app.client();
    forests.login("lesy@chomutov.test", PASSWORD).await;
    let city = app.client();
    city.login("mesto@chomutov.test", PASSWORD).await;

    let theirs = crate::harvest::source(&[("lesy", "Lesní cesty"), ("louky", "Louky")]);
    let (status, html) = upload(&forests, FORESTS, "lkod.ttl", theirs.into_bytes(), "").await;
    assert_eq!(status, 200, "{html}");
    let lesy = "mestske-lesy-chomutov-lesy";
    assert_eq!(
        dataset_publisher(&app, lesy),
        Some((FORESTS.into(), "published".into()))
    );

    // Same file name, another publisher: a source of its own.
    let mine = crate::harvest::source(&[("lesy", "Převzato jinam")]);
    let (status, html) = upload(&city, CITY, "lkod.ttl", mine.into_bytes(), "").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        dataset_publisher(&app, lesy),
        Some((FORESTS.into(), "published".into()))
    );
    assert_eq!(
        dataset_publisher(&app, "mestske-lesy-chomutov-louky"),
        Some((FORESTS.into(), "published".into())),
        "nothing of the first source was withdrawn"
    );
    let (_, page) = forests.get_text(&format!("/datasets/{lesy}")).await;
    assert!(page.contains("Lesní cesty") && !page.contains("Převzato jinam"));

    // Each sees only the sources of the publishers it acts for, and cannot
    // aim an upload at the other's source.
    let (_, forests_page) = forests.get_text("/harvest").await;
    let (_, city_page) = city.get_text("/harvest").await;
    let source_id = {
        use diesel::prelude::*;
        use radnice::db::schema::{harvest_sources, publishers};
        harvest_sources::table
            .filter(
                harvest_sources::publisher_id.eq_any(
                    publishers::table
                        .filter(publishers::slug.eq(FORESTS))
                        .select(publishers::id),
                ),
            )
            .select(harvest_sources::id)
            .first::<String>(&mut app.conn())
            .expect("forests' source")
    };
    assert!(forests_page.contains(&source_id));
    assert!(
        !city_page.contains(&source_id),
        "the other publisher's source is not listed"
    );
    let again = crate::harvest::source(&[("lesy", "Převzato jinam")]);
    let (status, _) = upload(&city, CITY, "lkod.ttl", again.into_bytes(), &source_id).await;
    assert_eq!(status, 422);
    assert_eq!(
        dataset_publisher(&app, lesy),
        Some((FORESTS.into(), "published".into()))
    );

    // Every source and every run is in the audit log.
    use diesel::prelude::*;
    use radnice::db::schema::audit_log;
    let audited: i64 = audit_log::table
        .filter(audit_log::object_type.eq("harvest_source"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(audited, 4, "two sources created, two harvests run");
}

#[actix_web::test]
async fn hostile_documents_are_refused_and_the_server_lives() {
    let app = TestApp::start().await;
    crate::catalog::curator(&app, "lesy@chomutov.test", &[FORESTS]);
    let c = app.client();
    c.login("lesy@chomutov.test", PASSWORD).await;
    let (status, html) = upload(
        &c,
        FORESTS,
        "bomba.rdf",
        attack::xml_entity_bomb().into_bytes(),
        "",
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("XML entit"), "{html}");
    // An entity used as an abbreviation, as real RDF/XML does, still parses.
    let abbreviation = "<?xml version=\"1.0\"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY dct \"http://purl.org/dc/terms/\"> ]>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:dct=\"&dct;\"><rdf:Description rdf:about=\"https://example.org/d\"><dct:title>x</dct:title></rdf:Description></rdf:RDF>\n";
    assert!(radnice::dcat::harvest::check_xml_entities(abbreviation.as_bytes()).is_ok());

    let deep_turtle = format!(
        "@prefix ex: <https://example.org/> .\nex:a ex:p {} .\n",
        nested("[ ex:p ", "ex:b", " ]", 10_000)
    );
    let deep_list = format!(
        "@prefix ex: <https://example.org/> .\nex:a ex:p {} .\n",
        nested("( ", "1", " )", 10_000)
    );
    let deep_jsonld = format!(
        "{}\"x\"{}",
        "{\"@id\": \"https://example.org/a\", \"https://example.org/p\": ".repeat(10_000),
        "}".repeat(10_000)
    );
    let deep_array = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_xml = format!(
        "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:ex=\"https://example.org/\"><rdf:Description rdf:about=\"https://example.org/a\">{}x{}</rdf:Description></rdf:RDF>",
        "<ex:p><rdf:Description>".repeat(10_000),
        "</rdf:Description></ex:p>".repeat(10_000)
    );
    for (name, body) in [
        ("hluboky.ttl", deep_turtle),
        ("seznamy.ttl", deep_list),
        ("hluboky.jsonld", deep_jsonld),
        ("pole.jsonld", deep_array),
        ("hluboky.rdf", deep_xml),
    ] {
        let (status, html) = upload(&c, FORESTS, name, body.into_bytes(), "").await;
        assert_eq!(status, 422, "{name}");
        assert!(
            html.contains("nests") || html.contains("nestin") || html.contains(":"),
            "{name}"
        );
        assert_eq!(c.get("/healthz").await.status().as_u16(), 200, "{name}");
    }
}

/// A listener on loopback that counts the connections it accepts.
fn listener() -> (std::net::TcpListener, u16) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.set_nonblocking(true).expect("nonblocking");
    let port = l.local_addr().expect("addr").port();
    (l, port)
}

fn accepted(l: &std::net::TcpListener) -> usize {
    std::iter::from_fn(|| l.accept().ok()).count()
}

#[actix_web::test]
async fn harvesting_never_reaches_loopback_and_says_only_that_it_is_not_allowed() {
    let app = TestApp::start().await;
    crate::catalog::curator(&app, "lesy@chomutov.test", &[FORESTS]);
    let c = app.client();
    c.login("lesy@chomutov.test", PASSWORD).await;
    let (l, port) = listener();
    for url in [
        format!("http://127.0.0.1:{port}/lkod.ttl"),
        format!("http://localhost:{port}/lkod.ttl"),
        format!("http://2130706433:{port}/lkod.ttl"),
        format!("http://[::1]:{port}/lkod.ttl"),
    ] {
        let (status, html) = harvest_url(&c, FORESTS, &url).await;
        assert_eq!(status, 422, "{url}: {html}");
        assert!(html.contains("address not allowed"), "{url}");
        assert!(
            !html.contains("refused") && !html.contains("os error"),
            "no connection details"
        );
    }
    // A closed port reads the same as any unreachable source.
    let closed = {
        let (l2, p2) = listener();
        drop(l2);
        p2
    };
    let (status, html) = harvest_url(&c, FORESTS, &format!("http://127.0.0.1:{closed}/")).await;
    assert_eq!(status, 422);
    assert!(html.contains("address not allowed"));
    // Dataset IRIs listed by an uploaded catalog are fetched by the same rule.
    let listing = format!(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<https://obec.example.cz/lkod> a dcat:Catalog ; dcat:dataset <http://127.0.0.1:{port}/ds/1> .\n"
    );
    let (status, html) = upload(&c, FORESTS, "seznam.ttl", listing.into_bytes(), "").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("address not allowed"));
    assert_eq!(accepted(&l), 0, "nothing reached the local listener");
}

#[actix_web::test]
async fn anonymous_bodies_are_refused_before_they_are_read() {
    let app = TestApp::start().await;
    // The JSON API: 401, not a 400 that lists the fields.
    let (status, body) = post_dataset(&app, None, "application/json", "{}".into()).await;
    assert_eq!(status, 401);
    assert!(!body.contains("missing field"), "no field list: {body}");
    // A signed-in user without the role: 403, body unread.
    let user = app.add_user("wg@chomutov.test", PASSWORD, &[Role::WorkingGroup]);
    let token = app.add_token(&user.id);
    let (status, _) = post_dataset(&app, Some(&token), "application/json", "{".into()).await;
    assert_eq!(status, 403);
    // An anonymous upload trickling in is answered before it is sent whole.
    let (status, took) = attack::slow_body(
        &app.url("/harvest"),
        &[("Content-Type", "multipart/form-data; boundary=x")],
        10 * 64 * 1024,
        64 * 1024,
        Duration::from_millis(500),
    )
    .await;
    eprintln!("anonymous upload: {status:?} after {took:?}");
    assert!(matches!(status, Ok(401) | Err(_)), "{status:?}");
    assert!(
        took < Duration::from_secs(4),
        "answered before the body ended: {took:?}"
    );
    // A curator's form without the token first is refused before the file.
    crate::catalog::curator(&app, "lesy@chomutov.test", &[FORESTS]);
    let c = app.client();
    c.login("lesy@chomutov.test", PASSWORD).await;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(vec![b'x'; 1024]).file_name("a.ttl"),
        )
        .text("csrf_token", c.csrf("/harvest").await);
    let res = c
        .http
        .post(c.url("/harvest"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 403);
}

#[actix_web::test]
async fn slow_bodies_are_cut_off_and_starve_nobody() {
    let target = Target::start().await;
    let url = target.url("/sparql");
    let headers = [("Content-Type", "application/sparql-query")];
    let attacks: Vec<attack::Attack<'_, (Result<u16, String>, Duration)>> = (0..20)
        .map(|_| {
            Box::pin(attack::slow_body(
                &url,
                &headers,
                2_000,
                100,
                Duration::from_millis(250),
            )) as _
        })
        .collect();
    let (answers, probe) = flood(&target, &["/healthz", "/datasets/pasport-zelene"], attacks).await;
    let limit = Duration::from_millis(attack::BODY_TIMEOUT_MS);
    for (status, took) in &answers {
        // Cut off at the deadline: a 400, or the connection closed.
        assert!(!matches!(status, Ok(200)), "{status:?}");
        assert!(
            *took < limit + Duration::from_secs(3),
            "cut off at the deadline, took {took:?}"
        );
    }
    assert!(probe.failures.is_empty(), "{:?}", probe.failures);
    assert!(!probe.latencies.is_empty());
    eprintln!(
        "20 slow bodies: /healthz and a dataset page, {} probes, worst {:?}",
        probe.latencies.len(),
        probe.worst()
    );
}

#[actix_web::test]
async fn deeply_nested_json_bodies_are_refused() {
    let app = TestApp::start().await;
    let api = crate::catalog::curator(&app, "lesy@chomutov.test", &[FORESTS]);
    let token = api.token.expect("a token");
    let body = format!(
        "{{\"title\": {}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let (status, _) = post_dataset(&app, Some(&token), "application/json", body).await;
    assert_eq!(status, 400);
    assert_eq!(app.client().get("/healthz").await.status().as_u16(), 200);
}

/// Answers every connection with a redirect to `location`, then closes it.
fn redirecting(location: String) -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in l.incoming().flatten().take(10) {
            use std::io::{Read, Write};
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    port
}

#[actix_web::test]
async fn every_redirect_hop_is_checked_again() {
    use radnice::dcat::harvest::{self, Options};
    use radnice::fetch::{Cidr, Fetcher, Policy};
    // The operator allows one intranet host (127.0.0.1); it redirects to
    // another loopback address that is not allowed, where a listener waits.
    let target = std::net::TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    target.set_nonblocking(true).expect("nonblocking");
    let target_port = target.local_addr().expect("addr").port();
    let port = redirecting(format!("http://127.0.0.2:{target_port}/lkod.ttl"));
    let opts = Options {
        rewrite: Vec::new(),
        fetcher: Fetcher::new(Policy {
            allow: vec![Cidr::parse("127.0.0.1/32").expect("cidr")],
        }),
    };
    let url = format!("http://127.0.0.1:{port}/lkod.ttl");
    let result =
        actix_web::rt::task::spawn_blocking(move || harvest::read(&url, &opts).map(|_| ()))
            .await
            .expect("join");
    let message = result.expect_err("the redirect is refused").to_string();
    assert!(message.contains("address not allowed"), "{message}");
    assert_eq!(
        accepted(&target),
        0,
        "nothing reached the redirect's target"
    );
}

/// Made-up reset links are refused with a lookup, never a password hash:
/// otherwise anyone could make the server spend tens of milliseconds and
/// 19 MiB per request.
#[actix_web::test]
async fn made_up_reset_links_cost_no_password_hash() {
    let app = TestApp::start().await;
    let c = app.client();
    let token = c.csrf("/login").await;
    radnice::auth::password::watch("heslo-jen-pro-tento-test");
    let attempts = (0..40).map(|i| {
        let c = &c;
        let token = token.clone();
        async move {
            c.post_form(
                &format!(
                    "/password-reset/{}",
                    radnice::auth::sha256_hex(&format!("x{i}"))
                ),
                &[
                    ("csrf_token", &token),
                    ("new_password", "heslo-jen-pro-tento-test"),
                ],
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 410), "{statuses:?}");
    assert_eq!(
        radnice::auth::password::watched_hashes(),
        0,
        "a made-up link made the server hash a password"
    );
}

/// Uploads are streamed, checked and imported off the executor: four
/// large CSV imports, two ZIP bombs and four uploads trickling in, all at
/// once, and the site keeps answering; each gets its own answer.
#[actix_web::test]
async fn uploads_and_zip_bombs_at_once_starve_nobody() {
    let app = TestApp::start_with(attack::configure).await;
    let target = Target {
        base: app.base.clone(),
        app: None,
    };
    let curator = crate::catalog::curator(&app, "nahrava@chomutov.test", &[CITY]);
    let token = curator.token.clone().expect("token");
    let auth = format!("Bearer {token}");
    let mut csv = String::from("id;ulice;plocha;datum\n");
    for i in 0..50_000 {
        csv.push_str(&format!(
            "{i};Zahradní {};{},5;1. 2. 2026\n",
            i % 97,
            i % 1000
        ));
    }
    let url = |name: &str| {
        target.url(&format!(
            "/api/v1/datasets/parkoviste/distributions/upload?name={name}"
        ))
    };
    type Answer = (String, Result<u16, String>, Duration);
    let mut attacks: Vec<attack::Attack<'_, Answer>> = Vec::new();
    for i in 0..4 {
        let (u, a, body) = (url(&format!("velky-{i}.csv")), auth.clone(), csv.clone());
        attacks.push(Box::pin(async move {
            let started = Instant::now();
            let r = attack::client(Duration::from_secs(300))
                .post(u)
                .header("Authorization", a)
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| e.to_string());
            ("csv".to_string(), r, started.elapsed())
        }));
    }
    for i in 0..2 {
        let (u, a) = (url(&format!("bomba-{i}.xlsx")), auth.clone());
        attacks.push(Box::pin(async move {
            let started = Instant::now();
            let r = attack::client(Duration::from_secs(300))
                .post(u)
                .header("Authorization", a)
                .body(attack::zip_bomb(100))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| e.to_string());
            ("bomb".to_string(), r, started.elapsed())
        }));
    }
    let slow_url = url("pomalu.csv");
    for _ in 0..4 {
        let (u, a) = (slow_url.clone(), auth.clone());
        attacks.push(Box::pin(async move {
            // 32 KiB a second, below the 64 KiB a second a body must keep:
            // cut off after its allowance of 1 s + 4 s.
            let (r, took) = attack::slow_body(
                &u,
                &[("Authorization", a.as_str())],
                4 * 64 * 1024,
                16 * 1024,
                Duration::from_millis(500),
            )
            .await;
            ("slow".to_string(), r, took)
        }));
    }
    let (answers, probe) = flood(&target, &["/healthz", "/datasets/pasport-zelene"], attacks).await;
    for (what, status, took) in &answers {
        match what.as_str() {
            "csv" => assert_eq!(status, &Ok(201), "a large CSV is stored ({took:?})"),
            "bomb" => assert_eq!(status, &Ok(422), "a ZIP bomb is refused ({took:?})"),
            // Cut off at its deadline: a 400, or the connection closed.
            _ => {
                assert!(!matches!(status, Ok(201)), "{status:?} after {took:?}");
                assert!(*took < Duration::from_secs(8), "cut off in time: {took:?}");
            }
        }
    }
    assert!(probe.failures.is_empty(), "{:?}", probe.failures);
    assert!(!probe.latencies.is_empty(), "probed while the uploads ran");
    eprintln!(
        "4 imports, 2 ZIP bombs, 4 slow uploads: {} probes, worst {:?}",
        probe.latencies.len(),
        probe.worst()
    );
    assert!(
        probe.worst() < Duration::from_secs(3),
        "the site answered slowly: {:?}",
        probe.worst()
    );
    target.assert_alive().await;
}

/// Layer imports are read, reprojected and checked off the executor, two
/// at a time: four layers of 30,000 S-JTSK points, two ZIP bombs sent as
/// Shapefiles and two 200-level nested GeometryCollections, all at once,
/// while a citizen reads the land-use plan through OGC API Features. Each import
/// gets its own answer and the site keeps answering.
#[actix_web::test]
async fn layer_imports_and_hostile_layers_at_once_starve_nobody() {
    let app = TestApp::start_with(attack::configure).await;
    let target = Target {
        base: app.base.clone(),
        app: None,
    };
    let curator = crate::catalog::curator(&app, "vrstvy@chomutov.test", &[CITY]);
    let auth = format!("Bearer {}", curator.token.clone().expect("token"));
    let mut csv = String::from("id;druh;X;Y\n");
    for i in 0..30_000 {
        let (x, y) = (
            -812_000.0 + f64::from(i % 200) * 5.0,
            -995_000.0 + f64::from(i / 200) * 5.0,
        );
        csv.push_str(&format!("{i};lípa;{x:.2};{y:.2}\n"));
    }
    let deep = format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[{{\"type\":\"Feature\",\"properties\":{{}},\"geometry\":{}}}]}}",
        nested(
            "{\"type\":\"GeometryCollection\",\"geometries\":[",
            "{\"type\":\"Point\",\"coordinates\":[13.4,50.46]}",
            "]}",
            200
        )
    );
    let url =
        |slug: &str, name: &str| target.url(&format!("/api/v1/datasets/{slug}/layers?name={name}"));
    type Answer = (&'static str, Result<u16, String>, Duration);
    let post =
        |u: String, a: String, body: Vec<u8>, what: &'static str| -> attack::Attack<'_, Answer> {
            Box::pin(async move {
                let started = Instant::now();
                let r = attack::client(Duration::from_secs(300))
                    .post(u)
                    .header("Authorization", a)
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .map_err(|e| e.to_string());
                (what, r, started.elapsed())
            })
        };
    let mut attacks: Vec<attack::Attack<'_, Answer>> = Vec::new();
    for slug in [
        "parkoviste",
        "pasport-zelene",
        "hriste",
        "pozemky-ve-vlastnictvi-mesta",
    ] {
        attacks.push(post(
            url(slug, "body.csv"),
            auth.clone(),
            csv.clone().into_bytes(),
            "layer",
        ));
    }
    for _ in 0..2 {
        attacks.push(post(
            url("uzemni-plan", "plan.zip"),
            auth.clone(),
            attack::zip_bomb(100),
            "bomb",
        ));
        attacks.push(post(
            url("uzemni-plan", "plan.geojson"),
            auth.clone(),
            deep.clone().into_bytes(),
            "deep",
        ));
    }
    let before = crate::gis::layer_row(&app, "uzemni-plan").expect("the example layer");
    let (answers, probe) = flood(
        &target,
        &["/healthz", "/ogc/collections/uzemni-plan/items?limit=50"],
        attacks,
    )
    .await;
    for (what, status, took) in &answers {
        match *what {
            "layer" => assert_eq!(status, &Ok(201), "a layer is imported ({took:?})"),
            _ => assert_eq!(status, &Ok(422), "{what} is refused ({took:?})"),
        }
    }
    assert_eq!(
        crate::gis::layer_row(&app, "uzemni-plan").as_ref(),
        Some(&before),
        "the refused layers left the example layer as it was"
    );
    assert!(probe.failures.is_empty(), "{:?}", probe.failures);
    assert!(!probe.latencies.is_empty(), "probed while the imports ran");
    eprintln!(
        "4 layer imports, 2 ZIP bombs, 2 nested layers: {} probes, worst {:?}",
        probe.latencies.len(),
        probe.worst()
    );
    assert!(
        probe.worst() < Duration::from_secs(3),
        "the site answered slowly: {:?}",
        probe.worst()
    );
    target.assert_alive().await;
}

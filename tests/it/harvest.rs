//! Harvesting another DCAT catalog: from a file, over HTTP (another Radnice,
//! its DCAT-AP-CZ JSON-LD and Turtle), from the curators' page, and broken
//! sources that must leave everything as it was.

use diesel::prelude::*;
use radnice::audit::Actor;
use radnice::catalog::store;
use radnice::dcat::harvest::{self, HarvestError, Options};

use crate::support::{PASSWORD, TestApp};

const PUBLISHER: &str = "mestske-lesy-chomutov";

/// A harvest from the command line is another process's write: pages and
/// documents that visitors get from memory show it within 0.1 s.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
}

pub fn source(datasets: &[(&str, &str)]) -> String {
    let mut ttl = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n@prefix pu: <https://data.gov.cz/slovník/podmínky-užití/> .\n\n<https://obec.example.cz/lkod> a dcat:Catalog ; dct:title \"Katalog obce\"@cs .\n",
    );
    for (id, title) in datasets {
        ttl.push_str(&format!(
            r#"
<https://obec.example.cz/lkod> dcat:dataset <https://obec.example.cz/datové-sady/{id}> .
<https://obec.example.cz/datové-sady/{id}> a dcat:Dataset ;
  dct:title "{title}"@cs, "{title} (en)"@en ;
  dct:description "Popis: {title}."@cs ;
  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/ENVI> ;
  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/ANNUAL> ;
  dcat:keyword "les"@cs, "forest"@en ;
  dct:spatial <https://linked.cuzk.cz/resource/ruian/obec/563170> ;
  dcat:distribution <https://obec.example.cz/datové-sady/{id}/distribuce/csv> .
<https://obec.example.cz/datové-sady/{id}/distribuce/csv> a dcat:Distribution ;
  dcat:accessURL <https://obec.example.cz/soubory/{id}.csv> ;
  dcat:downloadURL <https://obec.example.cz/soubory/{id}.csv> ;
  dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
  dcat:mediaType <http://www.iana.org/assignments/media-types/text/csv> ;
  pu:specifikace [ a pu:Specifikace ;
    pu:autorské-dílo <https://data.gov.cz/podmínky-užití/neobsahuje-autorská-díla/> ;
    pu:databáze-jako-autorské-dílo <https://data.gov.cz/podmínky-užití/není-autorskoprávně-chráněnou-databází/> ;
    pu:databáze-chráněná-zvláštními-právy <https://data.gov.cz/podmínky-užití/není-chráněna-zvláštním-právem-pořizovatele-databáze/> ;
    pu:osobní-údaje <https://data.gov.cz/podmínky-užití/neobsahuje-osobní-údaje/> ] .
"#
        ));
    }
    ttl
}

fn write(dir: &tempfile::TempDir, name: &str, body: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, body).expect("write");
    path.to_string_lossy().into_owned()
}

fn count_datasets(app: &TestApp) -> i64 {
    radnice::db::schema::datasets::table
        .count()
        .get_result(&mut *app.conn())
        .expect("count")
}

#[actix_web::test]
async fn a_second_harvest_updates_what_changed_and_withdraws_what_vanished() {
    let app = TestApp::start().await;
    let dir = tempfile::tempdir().expect("tmp");
    let actor = Actor::system("test");
    let first = write(
        &dir,
        "lkod.ttl",
        &source(&[("lesy", "Lesní cesty"), ("studny", "Studánky")]),
    );
    let report = harvest::run(
        &mut app.conn(),
        &actor,
        &first,
        PUBLISHER,
        &Options::default(),
    )
    .expect("harvest");
    settle().await;
    assert_eq!(report.created.len(), 2, "{report:?}");
    assert_eq!(
        report.created,
        vec!["mestske-lesy-chomutov-lesy", "mestske-lesy-chomutov-studny"]
    );
    let rec = store::record_by_slug(&mut app.conn(), "mestske-lesy-chomutov-lesy")
        .expect("q")
        .expect("harvested");
    assert_eq!(
        rec.dataset.status,
        radnice::catalog::model::DatasetStatus::Published
    );
    assert_eq!(
        rec.dataset.origin_iri.as_deref(),
        Some("https://obec.example.cz/datové-sady/lesy")
    );
    assert_eq!(rec.distributions.len(), 1);
    assert_eq!(rec.distributions[0].media_type, "text/csv");
    // The page says where it came from; the RDF keeps the original identifier.
    let (status, html) = app
        .client()
        .get_text("/datasets/mestske-lesy-chomutov-lesy")
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Převzato sklizní z katalogu")
            && html.contains("https://obec.example.cz/datové-sady/lesy")
    );
    let ttl = reqwest::get(app.url("/datasets/mestske-lesy-chomutov-lesy.ttl"))
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    assert!(
        ttl.contains("\"https://obec.example.cz/datové-sady/lesy\""),
        "{ttl}"
    );

    // The same source again changes nothing.
    let again = harvest::run(
        &mut app.conn(),
        &actor,
        &first,
        PUBLISHER,
        &Options::default(),
    )
    .expect("harvest");
    settle().await;
    assert_eq!(
        (again.created.len(), again.updated.len(), again.unchanged),
        (0, 0, 2)
    );

    // The source changes: one title, one dataset gone, one it cannot take.
    let mut changed = source(&[("lesy", "Lesní cesty a stezky")]);
    changed.push_str(
        "<https://obec.example.cz/datové-sady/bez-uzemi> a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> \"Bez území\"@cs ; <http://purl.org/dc/terms/description> \"x\"@cs ; <http://www.w3.org/ns/dcat#theme> <http://publications.europa.eu/resource/authority/data-theme/ENVI> .\n",
    );
    std::fs::write(&first, changed).expect("write");
    let report = harvest::run(
        &mut app.conn(),
        &actor,
        &first,
        PUBLISHER,
        &Options::default(),
    )
    .expect("harvest");
    settle().await;
    assert_eq!(report.updated, vec!["mestske-lesy-chomutov-lesy"]);
    assert_eq!(report.withdrawn, vec!["mestske-lesy-chomutov-studny"]);
    assert_eq!(report.rejected.len(), 1);
    assert!(
        report.rejected[0].1.contains("RÚIAN"),
        "{:?}",
        report.rejected
    );
    let (status, html) = app
        .client()
        .get_text("/datasets/mestske-lesy-chomutov-studny")
        .await;
    assert_eq!(status, 410);
    assert!(html.contains("již není ve zdrojovém katalogu"));
    let (_, html) = app
        .client()
        .get_text("/datasets/mestske-lesy-chomutov-lesy")
        .await;
    assert!(html.contains("Lesní cesty a stezky"));

    // It comes back: published again under the same slug.
    std::fs::write(
        &first,
        source(&[("lesy", "Lesní cesty a stezky"), ("studny", "Studánky")]),
    )
    .expect("write");
    let report = harvest::run(
        &mut app.conn(),
        &actor,
        &first,
        PUBLISHER,
        &Options::default(),
    )
    .expect("harvest");
    settle().await;
    assert_eq!(report.updated, vec!["mestske-lesy-chomutov-studny"]);
    assert_eq!(
        app.client()
            .get("/datasets/mestske-lesy-chomutov-studny")
            .await
            .status()
            .as_u16(),
        200
    );
}

#[actix_web::test]
async fn broken_rdf_is_reported_with_line_and_column_and_nothing_is_imported() {
    let app = TestApp::start().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut broken = source(&[("lesy", "Lesní cesty")]);
    broken.push_str("<https://obec.example.cz/x> dct:title \"neukončený řetězec .\n");
    let line = broken.lines().count() as u64;
    let path = write(&dir, "broken.ttl", &broken);
    let before = count_datasets(&app);
    let head = radnice::db::data_version(&mut app.conn()).expect("head");
    match harvest::run(
        &mut app.conn(),
        &Actor::system("test"),
        &path,
        PUBLISHER,
        &Options::default(),
    ) {
        Err(HarvestError::Parse {
            line: l, column, ..
        }) => {
            assert_eq!(l, line, "the parser's line");
            assert!(column > 1, "and column");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert_eq!(count_datasets(&app), before, "nothing imported");
    assert_eq!(
        radnice::db::data_version(&mut app.conn()).expect("head"),
        head,
        "nothing written"
    );

    // The command line says the same and fails.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_radnice"))
        .arg("--data-dir")
        .arg(app.db.dir.path())
        .envs(app.db.url.iter().map(|u| ("DATABASE_URL", u.as_str())))
        .args(["harvest", &path, "--publisher", PUBLISHER])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("broken.ttl:{line}:")), "{stderr}");
    assert_eq!(count_datasets(&app), before);

    // A file that is not there, and one without datasets.
    let missing = dir.path().join("neni.ttl").to_string_lossy().into_owned();
    assert!(matches!(
        harvest::run(
            &mut app.conn(),
            &Actor::system("test"),
            &missing,
            PUBLISHER,
            &Options::default()
        ),
        Err(HarvestError::Fetch { .. })
    ));
    let empty = write(
        &dir,
        "prazdny.ttl",
        "<https://a.cz/k> a <http://www.w3.org/ns/dcat#Catalog> .",
    );
    assert!(matches!(
        harvest::run(
            &mut app.conn(),
            &Actor::system("test"),
            &empty,
            PUBLISHER,
            &Options::default()
        ),
        Err(HarvestError::Empty(_))
    ));
}

#[actix_web::test]
async fn another_radnice_is_harvested_over_http_from_its_lkod_documents() {
    let source_app = TestApp::start().await;
    let mut api = crate::catalog::distribution(
        "http://publications.europa.eu/resource/authority/file-type/JSON",
        "application/json",
        crate::catalog::CC_BY,
    );
    api.download_url = None;
    api.access_url = "https://data.example.cz/sparql".into();
    api.service_endpoint_url = Some("https://data.example.cz/sparql".into());
    api.service_conforms_to = Some("https://www.w3.org/TR/sparql11-protocol/".into());
    crate::catalog::add_distributions(&source_app, "hriste", vec![api]);
    let app = TestApp::start().await;
    // Its IRIs say https://data.example.cz; it is served on 127.0.0.1.
    // Loopback is refused unless the configuration allows it.
    let opts = Options {
        rewrite: vec![("https://data.example.cz".into(), source_app.base.clone())],
        fetcher: radnice::fetch::Fetcher::new(radnice::fetch::Policy {
            allow: vec![radnice::fetch::Cidr::parse("127.0.0.0/8").expect("cidr")],
        }),
    };
    for (n, doc) in ["/catalog", "/catalog.jsonld"].into_iter().enumerate() {
        let url = format!("{}{doc}", source_app.base);
        // Off the test's thread: the source server answers on this runtime.
        let mut conn = app.conn();
        let o = opts.clone();
        let report = actix_web::rt::task::spawn_blocking(move || {
            harvest::run(&mut conn, &Actor::system("test"), &url, PUBLISHER, &o)
        })
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("{doc}: {e}"));
        assert_eq!(
            report.documents, 14,
            "{doc}: the catalog and its 13 datasets"
        );
        assert_eq!(report.created.len(), 13, "{doc}: {report:?}");
        assert!(report.rejected.is_empty(), "{doc}: {:?}", report.rejected);
        let slug = if n == 0 {
            "mestske-lesy-chomutov-hriste"
        } else {
            "mestske-lesy-chomutov-hriste-2"
        };
        let rec = store::record_by_slug(&mut app.conn(), slug)
            .expect("q")
            .expect(slug);
        assert_eq!(
            rec.dataset.origin_iri.as_deref(),
            Some("https://data.example.cz/datasets/hriste")
        );
        assert_eq!(rec.dataset.title_cs, "Dětská hřiště a sportoviště");
        // EuroVoc, the box and the specification come through both
        // serialisations, as does a data service.
        assert!(
            rec.themes
                .iter()
                .any(|t| t == "http://eurovoc.europa.eu/853"),
            "{doc}"
        );
        // The box is the source's example layer's.
        let source_box = store::record_by_slug(&mut source_app.conn(), "hriste")
            .expect("q")
            .expect("hriste")
            .dataset
            .bbox();
        assert!(source_box.is_some());
        assert_eq!(rec.dataset.bbox(), source_box, "{doc}");
        assert_eq!(
            rec.dataset.conforms_to.as_deref(),
            Some("https://ofn.gov.cz/sportoviště/2020-07-01/")
        );
        let service = rec
            .distributions
            .iter()
            .find(|d| d.service_endpoint_url.is_some())
            .unwrap_or_else(|| panic!("{doc}: no data service in {:?}", rec.distributions));
        assert_eq!(
            service.service_conforms_to.as_deref(),
            Some("https://www.w3.org/TR/sparql11-protocol/")
        );
        assert_eq!(service.download_url, None);
    }
}

#[actix_web::test]
async fn a_curator_harvests_an_uploaded_file_from_the_page() {
    let app = TestApp::start().await;
    crate::catalog::curator(&app, "kurator@chomutov.test", &[PUBLISHER]);
    let c = app.client();
    // Anonymous users are sent to log in.
    assert_eq!(c.get("/harvest").await.status().as_u16(), 303);
    c.login("kurator@chomutov.test", PASSWORD).await;
    let token = c.csrf("/harvest").await;
    let form = |token: &str| {
        reqwest::multipart::Form::new()
            .text("csrf_token", token.to_string())
            .text("publisher", PUBLISHER)
            .text("location", "")
            .part(
                "file",
                reqwest::multipart::Part::bytes(source(&[("lesy", "Lesní cesty")]).into_bytes())
                    .file_name("lkod.ttl"),
            )
    };
    let res = c
        .http
        .post(c.url("/harvest"))
        .multipart(form("spatny"))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 403, "no CSRF token, no harvest");
    let res = c
        .http
        .post(c.url("/harvest"))
        .multipart(form(&token))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("Výsledek sklizně") && html.contains("mestske-lesy-chomutov-lesy"),
        "{html}"
    );
    assert_eq!(
        c.get("/datasets/mestske-lesy-chomutov-lesy")
            .await
            .status()
            .as_u16(),
        200
    );
    // A publisher the curator does not act for is refused.
    let other = reqwest::multipart::Form::new()
        .text("csrf_token", token.clone())
        .text("publisher", "statutarni-mesto-chomutov")
        .text("location", "https://obec.example.cz/lkod");
    let res = c
        .http
        .post(c.url("/harvest"))
        .multipart(other)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 403);
    // A broken upload shows where it broke and takes nothing.
    let broken = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .text("publisher", PUBLISHER)
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"<a> <b> .\n".to_vec()).file_name("zly.ttl"),
        );
    let res = c
        .http
        .post(c.url("/harvest"))
        .multipart(broken)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("soubor:zly.ttl#") && html.contains(":1:"),
        "{html}"
    );
}

/// Serves whatever `body` holds as Turtle (status 200), or 500 when it is
/// empty, to any number of requests.
fn catalog_server(body: std::sync::Arc<std::sync::Mutex<String>>) -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in l.incoming().flatten() {
            use std::io::{Read, Write};
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let text = body.lock().map(|b| b.clone()).unwrap_or_default();
            let _ = if text.is_empty() {
                write!(
                    stream,
                    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            } else {
                write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                )
            };
        }
    });
    port
}

/// A web source is harvested again on its schedule: what the municipality
/// added arrives under its publisher; a failure is noted on the source and
/// shown on the harvest page, and nothing stored is lost.
#[actix_web::test]
async fn web_sources_are_harvested_again_on_schedule_and_failures_are_shown() {
    let body = std::sync::Arc::new(std::sync::Mutex::new(source(&[("lesy", "Lesní cesty")])));
    let port = catalog_server(body.clone());
    let app = TestApp::start_with(|c| {
        c.fetch_allow = vec![radnice::fetch::Cidr::parse("127.0.0.0/8").expect("cidr")];
    })
    .await;
    let url = format!("http://127.0.0.1:{port}/lkod.ttl");
    let opts = Options::from_config(&app.state.config);
    let mut conn = app.conn();
    let u = url.clone();
    let report = actix_web::rt::task::spawn_blocking(move || {
        harvest::run(&mut conn, &Actor::system("test"), &u, PUBLISHER, &opts)
    })
    .await
    .expect("join")
    .expect("first harvest");
    assert_eq!(report.created.len(), 1);
    // Not due yet: tried just now.
    assert_eq!(
        radnice::dcat::harvesting::run_due(&app.state)
            .await
            .expect("run"),
        0
    );

    // A day and more later, the source lists a second dataset.
    *body.lock().expect("lock") = source(&[("lesy", "Lesní cesty"), ("studanky", "Studánky")]);
    let age = |app: &TestApp| {
        use radnice::db::schema::harvest_sources;
        diesel::update(harvest_sources::table)
            .set(
                harvest_sources::last_attempt_at
                    .eq(Some(radnice::db::now() - chrono::Duration::hours(25))),
            )
            .execute(&mut *app.conn())
            .expect("age");
    };
    age(&app);
    assert_eq!(
        radnice::dcat::harvesting::run_due(&app.state)
            .await
            .expect("run"),
        1
    );
    let rec = store::record_by_slug(&mut app.conn(), "mestske-lesy-chomutov-studanky")
        .expect("q")
        .expect("harvested on schedule");
    let forests = store::publisher_by_slug(&mut app.conn(), PUBLISHER)
        .expect("q")
        .expect("p");
    assert_eq!(
        rec.dataset.publisher_id, forests.id,
        "under the source's publisher"
    );

    // The source breaks: the failure is noted, the datasets stay.
    body.lock().expect("lock").clear();
    age(&app);
    assert_eq!(
        radnice::dcat::harvesting::run_due(&app.state)
            .await
            .expect("run"),
        1
    );
    assert!(
        store::record_by_slug(&mut app.conn(), "mestske-lesy-chomutov-lesy")
            .expect("q")
            .is_some()
    );
    let curator = app.person(
        "lesy@chomutov.test",
        &[radnice::auth::Role::Curator],
        &[PUBLISHER],
    );
    let page = app
        .browser_of(&curator)
        .await
        .page("/harvest")
        .await
        .expect(200);
    assert!(page.contains("každých 24 hodin"), "{}", page.body);
    assert!(
        page.contains(">selhal</span>") && page.contains("500"),
        "{}",
        page.body
    );
}

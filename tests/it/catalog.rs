use radnice::audit::Actor;
use radnice::catalog::model::DatasetStatus;
use radnice::catalog::model::{DatasetRecord, Distribution, terms};
use radnice::catalog::store;

use crate::support::{Api, Csrf, TestApp};

pub const CSV: &str = "http://publications.europa.eu/resource/authority/file-type/CSV";
const GEOJSON: &str = "http://publications.europa.eu/resource/authority/file-type/GEOJSON";
pub const CC_BY: &str = "https://creativecommons.org/licenses/by/4.0/";
const CC0: &str = "https://creativecommons.org/publicdomain/zero/1.0/";

pub fn distribution(format: &str, media: &str, licence: &str) -> Distribution {
    Distribution {
        id: radnice::db::new_id(),
        dataset_id: String::new(),
        position: 0,
        title_cs: format!("Soubor {media}"),
        title_en: None,
        download_url: Some(format!(
            "https://data.example.cz/soubory/{}",
            radnice::db::new_id()
        )),
        access_url: "https://data.example.cz/soubory/".to_string(),
        media_type: media.to_string(),
        format_iri: format.to_string(),
        byte_size: Some(1234),
        licence_iri: Some(licence.to_string()),
        tou_author_work: licence.to_string(),
        tou_db_author_work: terms::NOT_AUTHOR_DATABASE.to_string(),
        tou_db_sui_generis: terms::NO_SUI_GENERIS.to_string(),
        tou_personal_data: terms::NO_PERSONAL_DATA.to_string(),
        conforms_to: None,
        service_endpoint_url: None,
        service_description_url: None,
        service_conforms_to: None,
        managed_by: None,
        checksum_sha256: None,
    }
}

/// A SensorThings API as a data-service distribution, with the endpoint's
/// description and the specification it implements.
pub fn data_service() -> Distribution {
    let endpoint = "https://data.example.cz/sta/v1.1";
    Distribution {
        download_url: None,
        access_url: endpoint.into(),
        service_endpoint_url: Some(endpoint.into()),
        service_description_url: Some(format!("{endpoint}/api")),
        service_conforms_to: Some("https://docs.ogc.org/is/18-088/18-088.html".into()),
        managed_by: None,
        checksum_sha256: None,
        ..distribution(CSV, "application/json", CC_BY)
    }
}

/// Gives a seeded dataset real distributions, as a curator would.
pub fn add_distributions(app: &TestApp, slug: &str, dists: Vec<Distribution>) -> DatasetRecord {
    let mut conn = app.conn();
    let mut rec = store::record_by_slug(&mut conn, slug)
        .expect("q")
        .expect("dataset");
    rec.distributions = dists;
    store::save_record(&mut conn, &Actor::system("test"), &rec, None).expect("save");
    store::record_by_slug(&mut conn, slug)
        .expect("q")
        .expect("dataset")
}

/// A draft that was never published, copied from a seeded dataset under a
/// new slug (the seed has no drafts, and a published dataset can never
/// become one again).
pub fn add_draft(app: &TestApp, from: &str, slug: &str) -> DatasetRecord {
    copy_dataset(app, from, slug, DatasetStatus::Draft)
}

/// A seeded dataset copied under a new slug, in the given state, with
/// distributions of its own.
pub fn copy_dataset(app: &TestApp, from: &str, slug: &str, status: DatasetStatus) -> DatasetRecord {
    let mut conn = app.conn();
    let mut rec = store::record_by_slug(&mut conn, from)
        .expect("q")
        .expect("dataset");
    rec.dataset.id = radnice::db::new_id();
    rec.dataset.slug = slug.to_string();
    if status == DatasetStatus::Draft {
        rec.dataset.published_at = None;
    }
    rec.dataset.status = status;
    for d in &mut rec.distributions {
        d.id = radnice::db::new_id();
    }
    store::save_record(&mut conn, &Actor::system("test"), &rec, None).expect("save");
    store::record_by_slug(&mut conn, slug)
        .expect("q")
        .expect("dataset")
}

#[actix_web::test]
async fn the_seed_has_the_example_datasets_the_strategy_names() {
    let app = TestApp::start().await;
    let list: serde_json::Value = app
        .client()
        .get("/api/v1/datasets")
        .await
        .json()
        .await
        .expect("json");
    // The ten examples and the strategy's three open-data datasets.
    assert_eq!(list["total"], 13);
    let slugs: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| d["slug"].as_str().expect("slug"))
        .collect();
    for s in [
        "pasport-zelene",
        "pozemky-ve-vlastnictvi-mesta",
        "verejne-osvetleni",
        "parkoviste",
        "hriste",
        "uzemni-plan",
        "kvalita-ovzdusi-pm10",
        "povodnova-cidla",
        "silnicni-meteostanice",
        "obsazenost-parkovist",
    ] {
        assert!(slugs.contains(&s), "{s}");
    }
    // Examples all but the strategy's own data, which is real.
    for d in list["items"].as_array().expect("items") {
        let strategy = d["slug"]
            .as_str()
            .is_some_and(|s| s.starts_with("chomutov-ict-2020-2024-"));
        assert_eq!(d["is_example"], !strategy, "{d}");
    }
    let d: serde_json::Value = app
        .client()
        .get("/api/v1/datasets/kvalita-ovzdusi-pm10")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        d["spatial"],
        "https://linked.cuzk.cz/resource/ruian/obec/562971"
    );
    assert_eq!(
        d["frequency"],
        "http://publications.europa.eu/resource/authority/frequency/HOURLY"
    );
    assert!(
        d["themes"]
            .as_array()
            .expect("themes")
            .contains(&serde_json::json!(
                "http://publications.europa.eu/resource/authority/data-theme/ENVI"
            ))
    );
    assert!(
        d["keywords_cs"]
            .as_array()
            .expect("kw")
            .contains(&serde_json::json!("PM10"))
    );
}

#[actix_web::test]
async fn filters_narrow_the_list_and_combine() {
    let app = TestApp::start().await;
    add_distributions(
        &app,
        "pasport-zelene",
        vec![
            distribution(GEOJSON, "application/geo+json", CC_BY),
            distribution(CSV, "text/csv", CC_BY),
        ],
    );
    add_distributions(&app, "parkoviste", vec![distribution(CSV, "text/csv", CC0)]);
    let c = app.client();
    let get = |q: &'static str| {
        let c = &c;
        async move {
            let v: serde_json::Value = c
                .get(&format!("/api/v1/datasets?{q}"))
                .await
                .json()
                .await
                .expect("json");
            let mut slugs: Vec<String> = v["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|d| d["slug"].as_str().expect("s").to_string())
                .collect();
            slugs.sort();
            (v["total"].as_i64().expect("total"), slugs)
        }
    };
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let (n, _) = get("").await;
    assert_eq!(n, 13);
    let q = format!("format={}", enc(GEOJSON));
    let v: serde_json::Value = c
        .get(&format!("/api/v1/datasets?{q}"))
        .await
        .json()
        .await
        .expect("json");
    // This test's GeoJSON link and the four other example layers' GeoJSON
    // (the car parks' layer was replaced by this test's CSV).
    assert_eq!(v["total"], 5);
    let q = format!("format={}&licence={}", enc(CSV), enc(CC0));
    let v: serde_json::Value = c
        .get(&format!("/api/v1/datasets?{q}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["slug"], "parkoviste");
    let (n, slugs) = get("publisher=technicke-sluzby-mesta-chomutova").await;
    assert_eq!(
        (n, slugs),
        (
            2,
            vec![
                "silnicni-meteostanice".to_string(),
                "verejne-osvetleni".to_string()
            ]
        )
    );
    let (n, _) = get("keyword=senzory").await;
    assert_eq!(n, 4);
    let q = format!(
        "theme={}&keyword=senzory",
        enc("http://publications.europa.eu/resource/authority/data-theme/TRAN")
    );
    let v: serde_json::Value = c
        .get(&format!("/api/v1/datasets?{q}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        v["total"], 2,
        "TRAN and sensors: road weather and parking occupancy"
    );
    let (n, slugs) = get("publisher=nikdo").await;
    assert_eq!((n, slugs.len()), (0, 0));

    // The HTML list offers the same filters with counts and shows formats.
    let (status, html) = c
        .get_text(&format!("/datasets?format={}", enc(GEOJSON)))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Nalezené datové sady: 5"), "{html}");
    assert!(
        html.contains("Pasport zeleně</a>")
            && html.contains("Územní plán Chomutova</a>")
            && !html.contains("Parkoviště</a>")
    );
    // Counts are within the filter: four GeoJSON datasets are the city's,
    // one its technical services' (street lighting's layer), and CSV is
    // still offered with what choosing it instead would give.
    assert!(html.contains("Statutární město Chomutov (4)"));
    assert!(html.contains("Technické služby města Chomutova, příspěvková organizace (1)"));
    assert!(html.contains("CSV (13)"), "{html}");
}

#[actix_web::test]
async fn the_list_pages_and_a_bad_page_number_is_a_clear_error() {
    let app = TestApp::start().await;
    let api = app.api();
    // 13 datasets fit one page of 20: page 2 is past the end, a 404 that
    // says so, not an empty page.
    let problem = api.get("/api/v1/datasets?page=2").await.expect(404).json();
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("last page, 1")),
        "{problem}"
    );
    let page = app.client().page("/datasets?page=99").await.expect(404);
    assert!(page.contains("Tato strana seznamu neexistuje."));
    assert!(
        page.contains("href=\"/datasets?page=1\""),
        "a link to the last page"
    );
    assert!(!page.contains("Žádná datová sada"), "{}", page.body);
    // With a filter, the pager's links keep it, with no stray `&`.
    let page = app
        .client()
        .page("/datasets?keyword=senzory&page=7")
        .await
        .expect(404);
    assert!(page.contains("href=\"/datasets?keyword=senzory&amp;page=1\""));
    let body = api.get("/api/v1/datasets?page=0").await.expect(400).json();
    assert_eq!(body["field"], "page");
    api.get("/api/v1/datasets?page=abc").await.expect(400);
}

/// `format=CSV` and `theme=TRAN`, the short codes CKAN users type, filter
/// as their EU authority table IRIs do, in the page and in the API.
#[actix_web::test]
async fn short_format_and_theme_codes_filter_like_their_iris() {
    let app = TestApp::start().await;
    add_distributions(
        &app,
        "parkoviste",
        vec![distribution(CSV, "text/csv", CC_BY)],
    );
    let api = app.api();
    let by_iri = api
        .get("/api/v1/datasets?format=http%3A%2F%2Fpublications.europa.eu%2Fresource%2Fauthority%2Ffile-type%2FCSV")
        .await
        .expect(200)
        .json();
    let by_code = api
        .get("/api/v1/datasets?format=csv")
        .await
        .expect(200)
        .json();
    assert_eq!(by_code["total"], by_iri["total"]);
    assert!(
        by_code["total"].as_i64().is_some_and(|n| n >= 1),
        "{by_code}"
    );
    let tran = api
        .get("/api/v1/datasets?theme=TRAN")
        .await
        .expect(200)
        .json();
    assert!(tran["total"].as_i64().is_some_and(|n| n >= 2), "{tran}");
    let page = app.client().page("/datasets?format=CSV").await.expect(200);
    assert!(page.contains("Parkoviště"));
}

#[actix_web::test]
async fn the_dataset_page_shows_metadata_distributions_and_how_to_cite() {
    let app = TestApp::start().await;
    let rec = add_distributions(
        &app,
        "pasport-zelene",
        vec![distribution(GEOJSON, "application/geo+json", CC_BY)],
    );
    let (status, html) = app.client().get_text("/datasets/pasport-zelene").await;
    assert_eq!(status, 200);
    for text in [
        "Pasport zeleně",
        "Ukázková datová sada",
        "Statutární město Chomutov",
        "Životní prostředí",
        "ročně",
        "https://linked.cuzk.cz/resource/ruian/obec/562971",
        "GeoJSON",
        "Creative Commons Uveďte původ 4.0",
        "Stáhnout",
        "Jak citovat",
        "https://data.example.cz/datasets/pasport-zelene",
    ] {
        assert!(html.contains(text), "missing {text}");
    }
    assert!(html.contains(rec.distributions[0].download_url.as_deref().expect("url")));
    assert!(html.contains(&format!("/history/dataset/{}", rec.dataset.id)));
    // A citizen reads the territory by its name and the dates as days.
    assert!(
        html.contains("<dd>Chomutov <span class=\"muted\">(<a href=\"https://linked.cuzk.cz/resource/ruian/obec/562971\">RÚIAN</a>)</span></dd>"),
        "{html}"
    );
    let today = radnice::web::local_time(&chrono::Utc::now().naive_utc())[..10].to_string();
    assert!(html.contains("<dt>Zveřejněno</dt>") && html.contains("<dt>Naposledy změněno</dt>"));
    assert!(
        html.contains(&format!("<time datetime=\"{today}\">{today}</time>")),
        "modified today"
    );
    // The publisher's page lists its datasets, and the publishers their counts.
    let publisher = app
        .client()
        .page("/publishers/statutarni-mesto-chomutov")
        .await
        .expect(200);
    // Eight examples and the strategy's three.
    assert!(publisher.contains("Datové sady: 11"), "{}", publisher.body);
    assert!(publisher.contains("href=\"/datasets/pasport-zelene\""));
    let all = app.client().page("/publishers").await.expect(200);
    assert!(
        all.contains("<a href=\"/datasets?publisher=statutarni-mesto-chomutov\">11</a>"),
        "{}",
        all.body
    );
    // The history is public and shows the change that added the distribution.
    let (status, hist) = app
        .client()
        .get_text(&format!("/history/dataset/{}", rec.dataset.id))
        .await;
    assert_eq!(status, 200);
    // Four changes, all by the system (the seed, its example file, its
    // example layer, then this test): the public sees "systém", not the
    // internal actor names.
    assert_eq!(hist.matches("<td>systém</td>").count(), 4, "{hist}");
    assert!(!hist.contains("system:"));
}

#[actix_web::test]
async fn a_withdrawn_dataset_keeps_its_url_with_410_and_a_draft_is_not_public() {
    let app = TestApp::start().await;
    {
        let mut conn = app.conn();
        let mut rec = store::record_by_slug(&mut conn, "uzemni-plan")
            .expect("q")
            .expect("d");
        rec.dataset.status = DatasetStatus::Withdrawn;
        rec.dataset.withdrawn_reason = Some("Nahrazeno novým územním plánem.".into());
        store::save_record(&mut conn, &Actor::system("test"), &rec, None).expect("save");
        // A draft that was never published (a published dataset can no
        // longer become one).
        let mut rec = store::record_by_slug(&mut conn, "hriste")
            .expect("q")
            .expect("d");
        rec.dataset.slug = "nove-hriste".into();
        rec.dataset.id = radnice::db::new_id();
        rec.dataset.status = DatasetStatus::Draft;
        rec.dataset.published_at = None;
        store::save_record(&mut conn, &Actor::system("test"), &rec, None).expect("save");
    }
    let c = app.client();
    let (status, html) = c.get_text("/datasets/uzemni-plan").await;
    assert_eq!(status, 410);
    assert!(
        html.contains("Datová sada byla stažena")
            && html.contains("Nahrazeno novým územním plánem.")
    );
    let res = c.get("/api/v1/datasets/uzemni-plan").await;
    assert_eq!(res.status().as_u16(), 410);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(c.get("/datasets/nove-hriste").await.status().as_u16(), 404);
    // Nor is a draft's history.
    let draft = store::record_by_slug(&mut app.conn(), "nove-hriste")
        .expect("q")
        .expect("d");
    assert_eq!(
        c.get(&format!("/history/dataset/{}", draft.dataset.id))
            .await
            .status()
            .as_u16(),
        303
    );
    let v: serde_json::Value = c.get("/api/v1/datasets").await.json().await.expect("json");
    assert_eq!(
        v["total"], 12,
        "the seed's thirteen less the withdrawn one; not the draft"
    );
}

pub fn dataset_json(slug: &str) -> serde_json::Value {
    serde_json::json!({
        "slug": slug,
        "publisher": "statutarni-mesto-chomutov",
        "title_cs": "Stromy ve správě města",
        "title_en": "Trees managed by the city",
        "description_cs": "Jednotlivé stromy ve správě města s druhem a obvodem kmene.",
        "themes": ["http://publications.europa.eu/resource/authority/data-theme/ENVI"],
        "frequency": "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
        "spatial": "https://linked.cuzk.cz/resource/ruian/obec/562971",
        "keywords_cs": ["stromy", "zeleň"],
        "keywords_en": ["trees"],
        "temporal_start": "2024-01-01",
        "contact_email": "podatelna@chomutov.cz",
        "distributions": [{
            "title_cs": "Stromy (CSV)",
            "download_url": "https://data.example.cz/soubory/stromy.csv",
            "format": CSV,
            "licence": CC_BY,
            "terms": {
                "author_work": CC_BY,
                "db_author_work": terms::NOT_AUTHOR_DATABASE,
                "db_sui_generis": terms::NO_SUI_GENERIS,
                "personal_data": terms::NO_PERSONAL_DATA
            }
        }]
    })
}

/// A curator acting for the city, with a bearer token.
/// A curator of these publishers (slugs), through the API.
pub fn curator(app: &TestApp, email: &str, publishers: &[&str]) -> Api {
    let p = app.person(email, &[radnice::auth::Role::Curator], publishers);
    app.api_of(&p)
}

#[actix_web::test]
async fn a_curator_creates_publishes_and_withdraws_a_dataset_through_the_api() {
    let app = TestApp::start().await;
    let api = curator(
        &app,
        "kurator@chomutov.test",
        &["statutarni-mesto-chomutov"],
    );
    let res = api
        .post("/api/v1/datasets", &dataset_json("stromy"))
        .await
        .expect(201);
    assert_eq!(res.location(), "/api/v1/datasets/stromy");
    let created = res.json();
    assert_eq!(created["status"], "draft");
    assert_eq!(
        created["distributions"][0]["media_type"], "text/csv",
        "media type from the file type"
    );
    assert_eq!(
        created["distributions"][0]["access_url"],
        "https://data.example.cz/soubory/stromy.csv"
    );
    // A draft is not public.
    app.client().page("/datasets/stromy").await.expect(404);

    api.post_empty("/api/v1/datasets/stromy/publish")
        .await
        .expect(200);
    let html = app.client().page("/datasets/stromy").await.expect(200);
    assert!(html.contains("Stromy ve správě města") && html.contains("stromy.csv"));
    assert!(
        !html.contains("Ukázková datová sada"),
        "a curator's dataset is not an example"
    );

    // An edit keeps the status; the slug cannot change.
    let mut edited = dataset_json("stromy");
    edited["title_cs"] = serde_json::json!("Stromy ve správě statutárního města");
    let body = api
        .put("/api/v1/datasets/stromy", &edited)
        .await
        .expect(200)
        .json();
    assert_eq!(body["status"], "published");
    api.put("/api/v1/datasets/stromy", &dataset_json("jine-stromy"))
        .await
        .expect(422);

    api.post(
        "/api/v1/datasets/stromy/withdraw",
        &serde_json::json!({"reason": "Data přešla do pasportu zeleně."}),
    )
    .await
    .expect(200);
    app.client().page("/datasets/stromy").await.expect(410);

    // Every step is in the dataset's history, with who did it.
    let id = created["id"].as_str().expect("id");
    let hist = app
        .client()
        .page(&format!("/history/dataset/{id}"))
        .await
        .expect(200)
        .body;
    // The public sees the role, never the curator's e-mail address, and
    // only from the first publication: the draft's creation stays private.
    assert_eq!(
        hist.matches("<td>Kurátor dat</td>").count(),
        3,
        "publish, edit, withdraw"
    );
    assert!(!hist.contains("vytvoření"), "{hist}");
    assert!(!hist.contains("kurator@chomutov.test"), "{hist}");
    // Each move is its own action, and a change shows its fields.
    assert!(hist.contains("<td>zveřejnění</td>") && hist.contains("<td>zrušení zveřejnění</td>"));
    assert!(hist.contains("Data přešla do pasportu zeleně."));
    assert!(
        hist.contains("<td><code>title_cs</code></td><td class=\"wrap\">Stromy ve správě města</td><td class=\"wrap\">Stromy ve správě statutárního města</td>"),
        "{hist}"
    );
    let report = radnice::audit::verify(&mut app.conn()).expect("verify");
    assert!(report.ok());
}

/// The write table (`writes.rs`) covers who may send what; this is the
/// lifecycle's answer to one who may, on a move the state does not have.
#[actix_web::test]
async fn a_curator_of_the_publisher_gets_the_lifecycle_answer_not_a_refusal() {
    let app = TestApp::start().await;
    let other = curator(
        &app,
        "ts@chomutov.test",
        &["technicke-sluzby-mesta-chomutova"],
    );
    // Publishing his publisher's published example again is not a move
    // its lifecycle has (409, naming the one it has); withdrawing it is.
    let problem = other
        .post_empty("/api/v1/datasets/verejne-osvetleni/publish")
        .await
        .expect(409)
        .json();
    assert_eq!(problem["allowed"], serde_json::json!(["withdrawn"]));
    other
        .post(
            "/api/v1/datasets/verejne-osvetleni/withdraw",
            &serde_json::json!({"reason": "Nahrazeno."}),
        )
        .await
        .expect(200);
}

#[actix_web::test]
async fn invalid_datasets_get_field_errors_and_nothing_is_stored() {
    let app = TestApp::start().await;
    let api = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    let mut bad = dataset_json("Špatný slug");
    bad["title_cs"] = serde_json::json!(" ");
    bad["themes"] =
        serde_json::json!(["http://publications.europa.eu/resource/authority/data-theme/NOPE"]);
    bad["frequency"] = serde_json::json!("http://example.org/weekly");
    bad["spatial"] = serde_json::json!("https://example.org/chomutov");
    bad["keywords_cs"] = serde_json::json!([]);
    bad["temporal_start"] = serde_json::json!("1. 1. 2024");
    bad["distributions"][0]["format"] = serde_json::json!("http://example.org/csv");
    bad["distributions"][0]["download_url"] = serde_json::json!("ftp://data.example.cz/x.csv");
    bad["distributions"][0]["terms"]["personal_data"] = serde_json::json!("maybe");
    let res = api.post("/api/v1/datasets", &bad).await.expect(422);
    assert_eq!(res.header("content-type"), "application/problem+json");
    let body = res.json();
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("f"))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "distributions[0].download_url",
            "distributions[0].format",
            "distributions[0].media_type",
            "distributions[0].terms.personal_data",
            "frequency",
            "keywords_cs",
            "slug",
            "spatial",
            "temporal_start",
            "themes",
            "title_cs",
        ]
    );
    let v = app.api().get("/api/v1/datasets").await.json();
    assert_eq!(v["total"], 13, "nothing stored");

    // A slug already in use, and a body that is not the right shape.
    api.post("/api/v1/datasets", &dataset_json("pasport-zelene"))
        .await
        .expect(422);
    let mut missing = dataset_json("x");
    missing.as_object_mut().expect("obj").remove("frequency");
    let body = api
        .post("/api/v1/datasets", &missing)
        .await
        .expect(400)
        .json();
    assert_eq!(body["field"], "frequency");
}

#[actix_web::test]
async fn editing_an_example_through_the_api_keeps_its_status_and_example_mark() {
    let app = TestApp::start().await;
    let api = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    let mut body = dataset_json("hriste");
    body["title_cs"] = serde_json::json!("Dětská hřiště");
    body["distributions"] = serde_json::json!([]);
    let rec = api
        .put("/api/v1/datasets/hriste", &body)
        .await
        .expect(200)
        .json();
    assert_eq!(rec["title_cs"], "Dětská hřiště");
    assert_eq!(rec["status"], "published");
    assert_eq!(rec["is_example"], true);
    // Withdrawing needs a reason.
    api.post(
        "/api/v1/datasets/hriste/withdraw",
        &serde_json::json!({"reason": "  "}),
    )
    .await
    .expect(422);
    app.client().page("/datasets/hriste").await.expect(200);
}

#[actix_web::test]
async fn a_curator_edits_and_deletes_one_distribution_and_the_others_keep_their_iris() {
    let app = TestApp::start().await;
    let kurator = app.person(
        "kurator@chomutov.test",
        &[radnice::auth::Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let rec = add_distributions(
        &app,
        "pasport-zelene",
        vec![
            distribution(CSV, "text/csv", CC_BY),
            distribution(GEOJSON, "application/geo+json", CC_BY),
            distribution(CSV, "text/csv", CC0),
        ],
    );
    let ids: Vec<String> = rec.distributions.iter().map(|d| d.id.clone()).collect();
    let c = app.browser_of(&kurator).await;
    let edit = format!("/datasets/pasport-zelene/distributions/{}/edit", ids[1]);
    let form = c.page(&edit).await.expect(200);
    assert!(
        form.contains("Soubor application/geo+json"),
        "the form is filled"
    );
    let fields = |size: &'static str| {
        [
            ("title_cs", "Zeleň v GeoJSON"),
            (
                "download_url",
                "https://data.example.cz/soubory/zelen.geojson",
            ),
            ("format", GEOJSON),
            ("byte_size", size),
            ("licence", CC_BY),
            ("author_work", CC_BY),
            ("db_author_work", terms::NOT_AUTHOR_DATABASE),
            ("db_sui_generis", terms::NO_SUI_GENERIS),
            ("personal_data", terms::NO_PERSONAL_DATA),
        ]
    };
    // A bad number comes back on the form; nothing changes.
    c.submit(&edit, &fields("hodně")).await.expect(422);
    c.submit(&edit, &fields("2048")).await.expect(303);
    let after = store::record_by_slug(&mut app.conn(), "pasport-zelene")
        .expect("q")
        .expect("dataset");
    assert_eq!(after.distributions[1].id, ids[1], "an edit keeps the id");
    assert_eq!(after.distributions[1].title_cs, "Zeleň v GeoJSON");
    assert_eq!(after.distributions[1].byte_size, Some(2048));

    // Deleting the first leaves the others with their ids (and IRIs).
    c.submit(
        &format!("/datasets/pasport-zelene/distributions/{}/delete", ids[0]),
        &[],
    )
    .await
    .expect(303);
    let after = store::record_by_slug(&mut app.conn(), "pasport-zelene")
        .expect("q")
        .expect("dataset");
    let left: Vec<&str> = after.distributions.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(left, vec![ids[1].as_str(), ids[2].as_str()]);
    let ttl = app.client().page("/datasets/pasport-zelene.ttl").await.body;
    assert!(!ttl.contains(&ids[0]) && ttl.contains(&ids[1]) && ttl.contains(&ids[2]));
    // Without a valid CSRF token, or without signing in: refused.
    let delete = format!("/datasets/pasport-zelene/distributions/{}/delete", ids[1]);
    c.submit_with(&delete, &[], Csrf::Token("spatny".into()))
        .await
        .expect(403);
    app.client().submit(&delete, &[]).await.expect(401);
    assert_eq!(
        store::record_by_slug(&mut app.conn(), "pasport-zelene")
            .expect("q")
            .expect("dataset")
            .distributions
            .len(),
        2
    );
}

#[actix_web::test]
async fn the_list_sorts_in_czech_counts_facets_within_the_filter_and_follows_every_write() {
    let app = TestApp::start().await;
    let c = app.client();
    let slugs = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|d| d["title_cs"].as_str().expect("t").to_string())
            .collect()
    };
    // Czech alphabetical order: "Č" after "C", "Ch" after "H", "Ú" with "U".
    let mut conn = app.conn();
    for (slug, title) in [
        ("ulice", "Ulice a náměstí"),
        ("chodniky", "Chodníky"),
        ("cesty", "Cesty"),
    ] {
        let mut rec = store::record_by_slug(&mut conn, "hriste")
            .expect("q")
            .expect("dataset");
        rec.dataset.id = radnice::db::new_id();
        rec.dataset.slug = slug.into();
        rec.dataset.title_cs = title.into();
        // Written by another process: the list still shows it at once.
        store::save_record(&mut conn, &Actor::system("jiný proces"), &rec, None).expect("save");
    }
    let v: serde_json::Value = c.get("/api/v1/datasets").await.json().await.expect("json");
    assert_eq!(v["total"], 16);
    let titles = slugs(&v);
    let at = |t: &str| {
        titles
            .iter()
            .position(|x| x.starts_with(t))
            .unwrap_or_else(|| panic!("{t} not in {titles:?}"))
    };
    assert!(at("Cesty") < at("Dětská hřiště"), "{titles:?}");
    assert!(at("Dětská hřiště") < at("Chodníky"), "{titles:?}");
    assert!(at("Chodníky") < at("Kvalita ovzduší"), "{titles:?}");
    assert!(at("Ulice a náměstí") < at("Územní plán"), "{titles:?}");
    assert!(at("Územní plán") < at("Veřejné osvětlení"), "{titles:?}");

    // Facets count within the other filters: with the TRAN theme chosen the
    // theme facet still offers every theme those datasets' other filters
    // allow, and the publisher facet counts only TRAN datasets.
    let tran = "http%3A%2F%2Fpublications.europa.eu%2Fresource%2Fauthority%2Fdata-theme%2FTRAN";
    let (status, html) = c.get_text(&format!("/datasets?theme={tran}")).await;
    assert_eq!(status, 200);
    let (_, all) = c.get_text("/datasets").await;
    let count_of = |html: &str, label: &str| -> Option<u32> {
        let start = html.find(&format!("{label} ("))? + label.len() + 2;
        html[start..].split(')').next()?.parse().ok()
    };
    let tran_total: u32 = {
        let v: serde_json::Value = c
            .get(&format!("/api/v1/datasets?theme={tran}"))
            .await
            .json()
            .await
            .expect("json");
        v["total"].as_u64().expect("total") as u32
    };
    assert!(tran_total >= 2);
    let city = "Statutární město Chomutov";
    // Every publisher option's count, summed: each TRAN dataset once.
    let publisher_counts = |html: &str| -> u32 {
        let start = html.find("id=\"f-publisher\"").expect("publisher filter");
        let block = &html[start..start + html[start..].find("</select>").expect("end")];
        block
            .split("</option>")
            .filter_map(|o| o.rsplit_once('(')?.1.strip_suffix(')')?.parse::<u32>().ok())
            .sum()
    };
    assert_eq!(
        publisher_counts(&html),
        tran_total,
        "publishers counted within TRAN"
    );
    assert_eq!(publisher_counts(&all), 16);
    assert!(count_of(&all, city).expect("city") > count_of(&html, city).unwrap_or(0));
    // Other themes stay on offer with what choosing them instead would give.
    assert_eq!(
        count_of(&html, "Doprava"),
        Some(tran_total),
        "the chosen theme"
    );
    assert_eq!(
        count_of(&html, "Životní prostředí"),
        count_of(&all, "Životní prostředí")
    );

    // A withdrawn dataset leaves the list and its counts.
    let mut rec = store::record_by_slug(&mut conn, "cesty")
        .expect("q")
        .expect("dataset");
    rec.dataset.status = DatasetStatus::Withdrawn;
    rec.dataset.withdrawn_reason = Some("Sloučeno.".into());
    store::save_record(&mut conn, &Actor::system("jiný proces"), &rec, None).expect("save");
    let v: serde_json::Value = c.get("/api/v1/datasets").await.json().await.expect("json");
    assert_eq!(v["total"], 15);
    assert!(!slugs(&v).contains(&"Cesty".to_string()));
}

/// The page between `<main` and `</main>`: what differs for a logged-in
/// reader is the header.
fn main_of(html: &str) -> &str {
    let start = html.find("<main").expect("<main");
    let end = html.find("</main>").expect("</main>");
    &html[start..end]
}

#[actix_web::test]
async fn the_dataset_page_reads_the_same_from_memory_as_from_the_database() {
    let app = TestApp::start().await;
    // Every kind of field: a file with a schema, a data service, a
    // temporal coverage, a named contact, EuroVoc and a box (seeded).
    let api = data_service();
    let mut file = distribution(GEOJSON, "application/geo+json", CC0);
    file.conforms_to = Some("https://data.example.cz/schemata/pm10.json".into());
    file.title_en = Some("PM10 (GeoJSON)".into());
    let mut rec = add_distributions(&app, "kvalita-ovzdusi-pm10", vec![file, api]);
    rec.dataset.temporal_start = Some("2024-01-01".into());
    rec.dataset.temporal_end = Some("2024-12-31".into());
    rec.dataset.contact_name = Some("Odbor informatiky".into());
    rec.dataset.documentation_url = Some("https://data.example.cz/dokumentace/pm10".into());
    store::save_record(&mut app.conn(), &Actor::system("test"), &rec, None).expect("save");

    // A logged-in reader (no curator rights) is always served from the
    // database; a visitor from memory while the projection is fresh.
    app.add_user(
        "ctenar@chomutov.test",
        crate::support::PASSWORD,
        &[radnice::auth::Role::WorkingGroup],
    );
    let reader = app.client();
    reader
        .login("ctenar@chomutov.test", crate::support::PASSWORD)
        .await;
    let visitor = app.client();
    let slugs: Vec<String> = {
        let v: serde_json::Value = visitor
            .get("/api/v1/datasets")
            .await
            .json()
            .await
            .expect("json");
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|d| d["slug"].as_str().expect("slug").to_string())
            .collect()
    };
    assert_eq!(slugs.len(), 13);
    for lang in ["cs", "en"] {
        if lang == "en" {
            for c in [&reader, &visitor] {
                assert_eq!(c.get("/lang/en?next=/").await.status().as_u16(), 303);
            }
        }
        for slug in &slugs {
            let path = format!("/datasets/{slug}");
            let (status, from_db) = reader.get_text(&path).await;
            assert_eq!(status, 200);
            app.state.rdf.current(&mut app.conn()).expect("catch up");
            assert!(
                app.state.rdf.fresh_page(slug).is_some(),
                "{slug} is in memory"
            );
            let (status, from_memory) = visitor.get_text(&path).await;
            assert_eq!(status, 200);
            assert_eq!(main_of(&from_memory), main_of(&from_db), "{slug} ({lang})");
        }
    }
    assert!(
        visitor
            .get("/lang/cs?next=/")
            .await
            .status()
            .is_redirection()
    );
    app.state.rdf.current(&mut app.conn()).expect("catch up");
    let (_, page) = visitor.get_text("/datasets/kvalita-ovzdusi-pm10").await;
    assert!(page.contains(
        "Odbor informatiky, <a href=\"mailto:podatelna@chomutov.cz\">podatelna@chomutov.cz</a>"
    ));
    assert!(page.contains("2024-01-01 – 2024-12-31"));
    assert!(page.contains("https://data.example.cz/sta/v1.1"));

    // A renamed publisher reaches the page read from memory too.
    let mut p =
        radnice::catalog::store::publisher_by_slug(&mut app.conn(), "statutarni-mesto-chomutov")
            .expect("q")
            .expect("publisher");
    p.name_cs = "Statutární město Chomutov (magistrát)".into();
    radnice::catalog::store::upsert_publisher(&mut app.conn(), &Actor::system("test"), &p)
        .expect("rename");
    app.state.rdf.current(&mut app.conn()).expect("catch up");
    assert!(app.state.rdf.fresh_page("kvalita-ovzdusi-pm10").is_some());
    let (_, page) = visitor.get_text("/datasets/kvalita-ovzdusi-pm10").await;
    assert!(page.contains("Statutární město Chomutov (magistrát)"));
}

/// What `GET /api/v1/datasets/{slug}` answers goes back with `PUT`
/// unchanged, read-only fields and managed distributions included; a
/// curator's token reads the publisher's drafts, nobody else's.
#[actix_web::test]
async fn the_api_round_trips_and_a_curator_reads_his_drafts() {
    let app = TestApp::start().await;
    let api = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    let mut file = distribution(CSV, "text/csv", CC_BY);
    file.managed_by = Some("file".into());
    add_distributions(
        &app,
        "kvalita-ovzdusi-pm10",
        vec![distribution(CSV, "text/csv", CC_BY), file],
    );
    let read = api
        .get("/api/v1/datasets/kvalita-ovzdusi-pm10")
        .await
        .expect(200);
    let body = read.json();
    assert_eq!(body["publisher"], "statutarni-mesto-chomutov");
    assert!(body.get("publisher_id").is_none() && body.get("frequency_iri").is_none());
    assert!(
        body["eurovoc"].as_array().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    assert!(body["bbox"]["west"].is_number(), "{body}");
    let written = api
        .request(
            reqwest::Method::PUT,
            "/api/v1/datasets/kvalita-ovzdusi-pm10",
        )
        .header("If-Match", read.header("etag"))
        .json(&body)
        .send()
        .await
        .expect(200)
        .json();
    // Nothing the client could not change moved; the file is still the
    // system's.
    let strip = |mut v: serde_json::Value| {
        v.as_object_mut().expect("object").remove("published_at");
        v
    };
    assert_eq!(strip(written.clone()), strip(body.clone()));
    assert_eq!(written["distributions"][1]["managed"], true);

    // A draft: its publisher's curator reads it, the public and another
    // publisher's curator do not.
    add_draft(&app, "hriste", "novy-koncept");
    let draft = api
        .get("/api/v1/datasets/novy-koncept")
        .await
        .expect(200)
        .json();
    assert_eq!(draft["status"], "draft");
    app.api()
        .get("/api/v1/datasets/novy-koncept")
        .await
        .expect(404);
    curator(
        &app,
        "ts@chomutov.test",
        &["technicke-sluzby-mesta-chomutova"],
    )
    .get("/api/v1/datasets/novy-koncept")
    .await
    .expect(404);
}

/// The admin creates a publisher, edits it and chooses its curators; the
/// chosen curator then publishes for it, the public sees it, and a bad IČO
/// or a non-curator is a field error that stores nothing.
#[actix_web::test]
async fn an_admin_creates_a_publisher_and_chooses_its_curators() {
    let app = TestApp::start().await;
    let admin = app
        .signed_in("admin@chomutov.test", &[radnice::auth::Role::Admin])
        .await;
    let kurator = app.person("k@chomutov.test", &[radnice::auth::Role::Curator], &[]);
    let ps = app.person(
        "ps@chomutov.test",
        &[radnice::auth::Role::WorkingGroup],
        &[],
    );
    let fields = |ico: &'static str| {
        [
            ("slug", "obec-blatno"),
            ("name_cs", "Obec Blatno"),
            ("name_en", "Municipality of Blatno"),
            ("kind", "municipality"),
            ("ico", ico),
            ("homepage", "https://www.blatno.cz/"),
            ("email", "Obec@Blatno.cz"),
        ]
    };
    let page = admin
        .submit("/admin/publishers", &fields("12345678"))
        .await
        .expect(422);
    assert!(page.contains("IČO má osm číslic a platnou kontrolní číslici."));
    admin
        .submit("/admin/publishers", &fields(""))
        .await
        .expect(303);
    admin
        .submit("/admin/publishers", &fields(""))
        .await
        .expect(422);
    let public = app.client().page("/publishers").await.expect(200);
    assert!(public.contains("Obec Blatno"));

    // Its curators: a working-group member cannot be one.
    let edit = |curator: &str| {
        vec![
            ("name_cs", "Obec Blatno".to_string()),
            ("kind", "municipality".to_string()),
            ("email", "podatelna@blatno.cz".to_string()),
            ("curators", curator.to_string()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.submit("/admin/publishers/obec-blatno", &pairs).await
        }
    };
    let page = send(edit(&ps.id)).await.expect(422);
    assert!(page.contains("Vybrat lze jen uživatele s rolí kurátora."));
    send(edit(&kurator.id)).await.expect(303);
    let form = admin
        .page("/admin/publishers/obec-blatno")
        .await
        .expect(200);
    assert!(form.contains("Změny jsou uložené.") && form.contains("podatelna@blatno.cz"));
    assert_eq!(
        radnice::auth::store::publishers_of(&mut app.conn(), &kurator.id).expect("p"),
        ["obec-blatno"]
    );
    // The curator now publishes for it.
    let mut body = dataset_json("blatno-hriste");
    body["publisher"] = "obec-blatno".into();
    app.api_of(&kurator)
        .post("/api/v1/datasets", &body)
        .await
        .expect(201);
    // Only the admin manages publishers.
    app.browser_of(&kurator)
        .await
        .page("/admin/publishers")
        .await
        .expect(403);
    let report = radnice::audit::verify(&mut app.conn()).expect("verify");
    assert!(report.ok());
}

/// In English the list is ordered by the English titles.
#[actix_web::test]
async fn the_english_list_is_ordered_by_english_titles() {
    let app = TestApp::start().await;
    let c = app.client();
    c.get("/lang/en?next=/").await;
    let page = c.page("/datasets").await.expect(200);
    let titles: Vec<String> = page
        .body
        .split("<article class=\"dataset-item\">")
        .skip(1)
        .filter_map(|a| {
            let start = a.find("\">")? + 2;
            let end = a[start..].find("</a>")? + start;
            Some(a[start..end].to_string())
        })
        .collect();
    assert_eq!(titles.len(), 13, "{titles:?}");
    let mut sorted = titles.clone();
    sorted.sort_by_key(|t| t.to_lowercase());
    assert_eq!(titles, sorted);
    assert!(
        titles.iter().any(|t| t == "Urban greenery register"),
        "{titles:?}"
    );
}

/// EU data themes and EuroVoc concepts are separate facets, each counted
/// within the other's choice, and both filters combine.
#[actix_web::test]
async fn eu_themes_and_eurovoc_are_separate_facets() {
    let app = TestApp::start().await;
    let page = app.client().page("/datasets").await.expect(200);
    let select = |html: &str, id: &str| -> String {
        let start = html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id}"));
        html[start..start + html[start..].find("</select>").expect("end")].to_string()
    };
    let themes = select(&page.body, "f-theme");
    let eurovoc = select(&page.body, "f-eurovoc");
    assert!(themes.contains("data-theme/ENVI") && !themes.contains("eurovoc.europa.eu"));
    assert!(eurovoc.contains("eurovoc.europa.eu") && !eurovoc.contains("data-theme/"));
    // Number of datasets with EuroVoc concept 2825 and theme ENVI, both ways.
    let api = app.api();
    let both = api
        .get("/api/v1/datasets?eurovoc=2825&theme=ENVI")
        .await
        .expect(200)
        .json()["total"]
        .as_i64()
        .expect("total");
    let envi = api
        .get("/api/v1/datasets?theme=ENVI")
        .await
        .expect(200)
        .json()["total"]
        .as_i64()
        .expect("total");
    assert!(both >= 1 && both <= envi, "{both} of {envi}");
    // With a EuroVoc concept chosen, the theme facet counts within it, and
    // the EuroVoc facet still offers the others.
    let page = app
        .client()
        .page("/datasets?eurovoc=2825")
        .await
        .expect(200);
    let themes = select(&page.body, "f-theme");
    assert!(
        themes.contains(&format!("Životní prostředí ({both})")),
        "{themes}"
    );
    let eurovoc = select(&page.body, "f-eurovoc");
    assert!(eurovoc.matches("<option").count() > 2, "{eurovoc}");
}

/// In English the keyword facet offers the datasets' English keywords, in
/// Czech their Czech ones, and a keyword filter finds a dataset by either,
/// so a link shared from one language works in the other.
#[actix_web::test]
async fn the_keyword_facet_speaks_the_pages_language() {
    let app = TestApp::start().await;
    let keywords = |html: &str| -> String {
        let start = html.find("id=\"f-keyword\"").expect("keyword facet");
        html[start..start + html[start..].find("</select>").expect("end")].to_string()
    };
    let cs = app.client();
    let czech = keywords(&cs.page("/datasets").await.expect(200).body);
    assert!(czech.contains(">senzory (4)<"), "{czech}");
    assert!(!czech.contains(">sensors"), "{czech}");
    let en = app.client();
    en.get("/lang/en?next=/").await;
    let english = keywords(&en.page("/datasets").await.expect(200).body);
    assert!(english.contains(">sensors (4)<"), "{english}");
    assert!(!english.contains(">senzory"), "{english}");
    for (client, word) in [(&cs, "sensors"), (&en, "senzory")] {
        let page = client
            .page(&format!("/datasets?keyword={word}"))
            .await
            .expect(200);
        assert!(
            page.contains("Nalezené datové sady: 4") || page.contains("Datasets found: 4"),
            "{word}: {}",
            page.body
        );
    }
}

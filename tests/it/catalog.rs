use radnice::audit::Actor;
use radnice::catalog::datasets;
use radnice::catalog::model::{DatasetRecord, Distribution, terms};

use crate::support::TestApp;

const CSV: &str = "http://publications.europa.eu/resource/authority/file-type/CSV";
const GEOJSON: &str = "http://publications.europa.eu/resource/authority/file-type/GEOJSON";
const CC_BY: &str = "https://creativecommons.org/licenses/by/4.0/";
const CC0: &str = "https://creativecommons.org/publicdomain/zero/1.0/";

fn distribution(format: &str, media: &str, licence: &str) -> Distribution {
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
    }
}

/// Gives a seeded dataset real distributions, as a curator would.
fn add_distributions(app: &TestApp, slug: &str, dists: Vec<Distribution>) -> DatasetRecord {
    let mut conn = app.conn();
    let mut rec = datasets::record_by_slug(&mut conn, slug)
        .expect("q")
        .expect("dataset");
    rec.distributions = dists;
    datasets::save_record(&mut conn, &Actor::system("test"), &rec).expect("save");
    datasets::record_by_slug(&mut conn, slug)
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
    assert_eq!(list["total"], 10);
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
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|d| d["is_example"] == true)
    );
    let d: serde_json::Value = app
        .client()
        .get("/api/v1/datasets/kvalita-ovzdusi-pm10")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        d["spatial_iri"],
        "https://linked.cuzk.cz/resource/ruian/obec/562971"
    );
    assert_eq!(
        d["frequency_iri"],
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
    assert_eq!(n, 10);
    let q = format!("format={}", enc(CSV));
    let v: serde_json::Value = c
        .get(&format!("/api/v1/datasets?{q}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["total"], 2);
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
    let (status, html) = c.get_text(&format!("/datasets?format={}", enc(CSV))).await;
    assert_eq!(status, 200);
    assert!(html.contains("Nalezené datové sady: 2"));
    assert!(
        html.contains("Pasport zeleně")
            && html.contains("Parkoviště")
            && !html.contains("Územní plán Chomutova</a>")
    );
    assert!(html.contains("Technické služby města Chomutova, příspěvková organizace (2)"));
}

#[actix_web::test]
async fn the_list_pages_and_a_bad_page_number_is_a_clear_error() {
    let app = TestApp::start().await;
    let c = app.client();
    let v: serde_json::Value = c
        .get("/api/v1/datasets?page=2")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        v["items"].as_array().expect("items").len(),
        0,
        "10 datasets fit one page of 20"
    );
    let res = c.get("/api/v1/datasets?page=0").await;
    assert_eq!(res.status().as_u16(), 400);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["field"], "page");
    let res = c.get("/api/v1/datasets?page=abc").await;
    assert_eq!(res.status().as_u16(), 400);
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
    // The history is public and shows the change that added the distribution.
    let (status, hist) = app
        .client()
        .get_text(&format!("/history/dataset/{}", rec.dataset.id))
        .await;
    assert_eq!(status, 200);
    assert!(hist.contains("system:test") && hist.contains("system:seed"));
}

#[actix_web::test]
async fn a_withdrawn_dataset_keeps_its_url_with_410_and_a_draft_is_not_public() {
    let app = TestApp::start().await;
    {
        let mut conn = app.conn();
        let mut rec = datasets::record_by_slug(&mut conn, "uzemni-plan")
            .expect("q")
            .expect("d");
        rec.dataset.status = "withdrawn".into();
        rec.dataset.withdrawn_reason = Some("Nahrazeno novým územním plánem.".into());
        datasets::save_record(&mut conn, &Actor::system("test"), &rec).expect("save");
        let mut rec = datasets::record_by_slug(&mut conn, "hriste")
            .expect("q")
            .expect("d");
        rec.dataset.status = "draft".into();
        datasets::save_record(&mut conn, &Actor::system("test"), &rec).expect("save");
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
    assert_eq!(c.get("/datasets/hriste").await.status().as_u16(), 404);
    // Nor is a draft's history.
    let draft = datasets::record_by_slug(&mut app.conn(), "hriste")
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
    assert_eq!(v["total"], 8, "neither is listed");
}

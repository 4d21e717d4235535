//! The catalog as linked data: serialisations, content negotiation, the
//! DCAT-AP-CZ JSON-LD, the projection following writes, the dump, and the
//! official DCAT-AP 3.0.1 SHACL shapes.

use std::collections::{BTreeSet, HashSet};

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedOrBlankNode, Term, Triple};
use radnice::audit::Actor;
use radnice::catalog::store;

use crate::catalog::{CC_BY, CSV, add_distributions, curator, dataset_json, distribution};
use crate::support::{TestApp, in_ci, manifest_dir};

const BASE: &str = "https://data.example.cz";

async fn fetch(app: &TestApp, path: &str, accept: Option<&str>) -> (u16, String, String) {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(a) = accept {
        req = req.header("Accept", a);
    }
    let res = req.send().await.expect("GET");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("ascii").to_string())
        .unwrap_or_default();
    (status, ct, res.text().await.expect("body"))
}

fn parse(format: RdfFormat, body: &str) -> HashSet<Triple> {
    RdfParser::from_format(format)
        .for_slice(body.as_bytes())
        .map(|q| Triple::from(q.expect("the document parses")))
        .collect()
}

/// Expands our DCAT-AP-CZ JSON-LD with the term table as the context (the
/// standard's URL is not reachable from a test machine).
fn parse_jsonld(body: &str) -> HashSet<Triple> {
    let context = serde_json::to_vec(&radnice::dcat::jsonld::context_document()).expect("json");
    RdfParser::from_format(RdfFormat::JsonLd {
        profile: oxigraph::io::JsonLdProfileSet::empty(),
    })
    .for_slice(body.as_bytes())
    .with_document_loader(move |url| {
        assert_eq!(
            url,
            radnice::dcat::jsonld::CONTEXT,
            "only the standard's context"
        );
        Ok(oxigraph::io::LoadedDocument {
            url: url.to_string(),
            content: context.clone(),
            format: RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfile::Context.into(),
            },
        })
    })
    .map(|q| Triple::from(q.expect("the JSON-LD expands")))
    .collect()
}

fn has(triples: &HashSet<Triple>, s: &str, p: &str, o: &str) -> bool {
    triples.iter().any(|t| {
        t.subject.to_string() == format!("<{s}>")
            && t.predicate.as_str() == p
            && match &t.object {
                Term::NamedNode(n) => n.as_str() == o,
                Term::Literal(l) => l.value() == o,
                _ => false,
            }
    })
}

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

#[actix_web::test]
async fn the_catalog_comes_in_four_serialisations_with_the_same_triples() {
    let app = TestApp::start().await;
    let mut graphs = Vec::new();
    for (ext, ct, format) in [
        ("ttl", "text/turtle", RdfFormat::Turtle),
        ("nt", "application/n-triples", RdfFormat::NTriples),
        ("rdf", "application/rdf+xml", RdfFormat::RdfXml),
    ] {
        let (status, content_type, body) = fetch(&app, &format!("/catalog.{ext}"), None).await;
        assert_eq!(status, 200, "/catalog.{ext}");
        assert!(content_type.starts_with(ct), "{ext}: {content_type}");
        graphs.push(parse(format, &body));
    }
    assert_eq!(graphs[0], graphs[1]);
    assert_eq!(graphs[0], graphs[2]);
    let cat = format!("{BASE}/catalog");
    let datasets: Vec<&Triple> = graphs[0]
        .iter()
        .filter(|t| t.predicate.as_str() == format!("{DCAT}dataset"))
        .collect();
    assert_eq!(datasets.len(), 13, "every published seed dataset is listed");
    assert!(has(&graphs[0], &cat, RDF_TYPE, &format!("{DCAT}Catalog")));
    assert!(has(
        &graphs[0],
        &cat,
        &format!("{DCT}publisher"),
        "https://rpp-opendata.egon.gov.cz/odrpp/zdroj/orgán-veřejné-moci/00261891"
    ));

    // The JSON-LD is the DCAT-AP-CZ catalog document with the same links.
    let (status, ct, body) = fetch(&app, "/catalog.jsonld", None).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/ld+json"));
    let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(doc["@context"], radnice::dcat::jsonld::CONTEXT);
    assert_eq!(doc["iri"], cat);
    assert_eq!(doc["typ"], "Katalog");
    assert!(doc["název"]["cs"].is_string() && doc["popis"]["cs"].is_string());
    let listed = doc["datová_sada"].as_array().expect("datasets");
    assert_eq!(listed.len(), 13);
    assert!(listed.iter().all(|d| {
        d.as_str()
            .expect("iri")
            .starts_with("https://data.example.cz/datasets/")
    }));
    let expanded = parse_jsonld(&body);
    for t in datasets {
        assert!(expanded.contains(t), "JSON-LD lacks {t}");
    }
}

#[actix_web::test]
async fn dataset_iris_negotiate_between_the_page_and_rdf() {
    let app = TestApp::start().await;
    let path = "/datasets/pasport-zelene";
    let (status, ct, body) = fetch(&app, path, Some("text/html,*/*;q=0.8")).await;
    assert_eq!((status, ct.starts_with("text/html")), (200, true));
    assert!(body.contains("Pasport zeleně"));
    for (accept, expected) in [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-triples", "application/n-triples"),
        (
            "text/turtle;q=0.5, application/ld+json;q=0.9",
            "application/ld+json",
        ),
        // NKOD sends no Accept; lkod-validator's fetch sends */*.
        ("*/*", "application/ld+json"),
    ] {
        let (status, ct, _) = fetch(&app, path, Some(accept)).await;
        assert_eq!(status, 200, "{accept}");
        assert!(ct.starts_with(expected), "{accept} gave {ct}");
    }
    let (_, ct, _) = fetch(&app, path, None).await;
    assert!(ct.starts_with("application/ld+json"), "no Accept gave {ct}");
    let res = reqwest::Client::new()
        .get(app.url("/datasets/pasport-zelene.ttl"))
        .header("Origin", "https://datagov-cz.github.io")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert_eq!(res.headers()["vary"], "Accept");
    // The catalog's IRI gives its document too, and a browser the list.
    let (_, ct, _) = fetch(&app, "/catalog", None).await;
    assert!(ct.starts_with("application/ld+json"));
    let res = app.client().get("/catalog").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/datasets");
    // Unknown datasets and formats are 404.
    assert_eq!(fetch(&app, "/datasets/nic.ttl", None).await.0, 404);
    assert_eq!(fetch(&app, "/catalog.xls", None).await.0, 404);
}

#[actix_web::test]
async fn a_dataset_document_is_a_complete_dcat_ap_cz_record_without_blank_nodes() {
    let app = TestApp::start().await;
    let mut pdf = distribution(
        "http://publications.europa.eu/resource/authority/file-type/PDF",
        "application/pdf",
        radnice::catalog::model::terms::NO_AUTHOR_WORK,
    );
    pdf.licence_iri = None;
    let rec = add_distributions(
        &app,
        "pasport-zelene",
        vec![distribution(CSV, "text/csv", CC_BY), pdf],
    );
    let iri = format!("{BASE}/datasets/pasport-zelene");
    let (status, _, body) = fetch(&app, "/datasets/pasport-zelene.jsonld", None).await;
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
    // The keys and shapes the national JSON Schema (datová-sada.json) requires.
    assert_eq!(doc["@context"], radnice::dcat::jsonld::CONTEXT);
    assert_eq!(
        doc["iri"], iri,
        "the document is about the IRI it is served at"
    );
    assert_eq!(doc["typ"], "Datová sada");
    assert_eq!(doc["název"]["cs"], "Pasport zeleně");
    assert!(doc["popis"]["cs"].is_string());
    assert!(
        doc["poskytovatel"]
            .as_str()
            .expect("publisher")
            .starts_with("https://rpp-opendata.egon.gov.cz/odrpp/zdroj/orgán-veřejné-moci/")
    );
    assert!(doc["téma"].as_array().expect("themes").iter().any(|t| {
        t.as_str()
            .expect("iri")
            .starts_with("http://publications.europa.eu/resource/authority/data-theme/")
    }));
    assert!(
        doc["periodicita_aktualizace"]
            .as_str()
            .expect("frequency")
            .starts_with("http://publications.europa.eu/resource/authority/frequency/")
    );
    assert!(
        doc["klíčové_slovo"]["cs"]
            .as_array()
            .is_some_and(|k| !k.is_empty())
    );
    assert_eq!(
        doc["prvek_rúian"],
        serde_json::json!(["https://linked.cuzk.cz/resource/ruian/obec/562971"])
    );
    let dists = doc["distribuce"].as_array().expect("distributions");
    assert_eq!(dists.len(), 2);
    let by_iri = |id: &str| {
        let want = format!("{iri}/distributions/{id}");
        dists
            .iter()
            .find(|d| d["iri"] == want)
            .unwrap_or_else(|| panic!("no distribution {want}"))
    };
    let csv = by_iri(&rec.distributions[0].id);
    let pdf = by_iri(&rec.distributions[1].id);
    assert_eq!(csv["typ"], "Distribuce");
    assert_eq!(
        csv["typ_média"],
        "http://www.iana.org/assignments/media-types/text/csv"
    );
    assert_eq!(csv["formát"], CSV);
    for key in ["přístupové_url", "soubor_ke_stažení"] {
        assert!(
            csv[key].as_str().expect(key).starts_with("https://"),
            "{key}"
        );
    }
    let tou = &csv["podmínky_užití"];
    assert_eq!(tou["typ"], "Specifikace podmínek užití");
    assert_eq!(tou["autorské_dílo"], CC_BY);
    assert_eq!(
        tou["autor"]["cs"], "Statutární město Chomutov",
        "a CC BY work names its author"
    );
    for key in [
        "databáze_jako_autorské_dílo",
        "databáze_chráněná_zvláštními_právy",
        "osobní_údaje",
    ] {
        assert!(
            tou[key]
                .as_str()
                .expect(key)
                .starts_with("https://data.gov.cz/podmínky-užití/")
        );
    }
    // The licence is embedded with its type (the document describes it).
    let licence = &csv["http://purl.org/dc/terms/license"];
    assert_eq!(licence["iri"], CC_BY, "{licence}");
    assert_eq!(licence["typ"], "http://purl.org/dc/terms/LicenseDocument");
    assert!(pdf.get("http://purl.org/dc/terms/license").is_none());
    assert!(pdf["podmínky_užití"].get("autor").is_none());
    assert_eq!(
        csv["http://www.w3.org/ns/dcat#byteSize"],
        serde_json::json!({"@value": "1234", "@type": "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"})
    );

    // The Turtle says the same, plus the typing of what it points to, and
    // every node has an IRI.
    let (_, _, ttl) = fetch(&app, "/datasets/pasport-zelene.ttl", None).await;
    let turtle = parse(RdfFormat::Turtle, &ttl);
    let expanded = parse_jsonld(&body);
    for t in &expanded {
        assert!(turtle.contains(t), "JSON-LD says what Turtle does not: {t}");
    }
    for t in &turtle {
        assert!(
            !matches!(t.subject, NamedOrBlankNode::BlankNode(_))
                && !matches!(t.object, Term::BlankNode(_)),
            "blank node in {t}"
        );
        let described = expanded.iter().any(|e| e.subject == t.subject);
        if described && t.predicate.as_str() != RDF_TYPE {
            assert!(expanded.contains(t), "JSON-LD lacks {t}");
        }
    }
    assert!(has(
        &turtle,
        "https://linked.cuzk.cz/resource/ruian/obec/562971",
        RDF_TYPE,
        &format!("{DCT}Location")
    ));
    assert!(has(
        &turtle,
        "http://www.iana.org/assignments/media-types/text/csv",
        RDF_TYPE,
        &format!("{DCT}MediaType")
    ));
    // The distribution's IRI leads to the same record.
    let dist_path = format!(
        "/datasets/pasport-zelene/distributions/{}",
        rec.distributions[0].id
    );
    let (status, _, again) = fetch(&app, &dist_path, Some("text/turtle")).await;
    assert_eq!((status, parse(RdfFormat::Turtle, &again)), (200, turtle));
    let res = app.client().get(&dist_path).await;
    assert_eq!(res.status().as_u16(), 303);
}

#[actix_web::test]
async fn the_projection_follows_every_write_in_the_same_request() {
    let app = TestApp::start().await;
    let api = curator(
        &app,
        "kurator@chomutov.test",
        &["statutarni-mesto-chomutov"],
    );
    let iri = format!("{BASE}/datasets/stromy");
    let listed = |ttl: &str| {
        has(
            &parse(RdfFormat::Turtle, ttl),
            &format!("{BASE}/catalog"),
            &format!("{DCAT}dataset"),
            &iri,
        )
    };

    api.post("/api/v1/datasets", &dataset_json("stromy"))
        .await
        .expect(201);
    assert_eq!(
        fetch(&app, "/datasets/stromy.ttl", None).await.0,
        404,
        "a draft is not published"
    );
    assert!(!listed(&fetch(&app, "/catalog.ttl", None).await.2));

    api.post_empty("/api/v1/datasets/stromy/publish")
        .await
        .expect(200);
    let (status, _, ttl) = fetch(&app, "/datasets/stromy.ttl", None).await;
    assert_eq!(status, 200);
    let g = parse(RdfFormat::Turtle, &ttl);
    assert!(has(
        &g,
        &iri,
        &format!("{DCT}title"),
        "Stromy ve správě města"
    ));
    assert!(
        g.iter()
            .any(|t| t.predicate.as_str() == format!("{DCT}issued"))
    );
    assert!(listed(&fetch(&app, "/catalog.ttl", None).await.2));

    let mut edited = dataset_json("stromy");
    edited["title_cs"] = serde_json::json!("Stromy ve správě statutárního města");
    api.put("/api/v1/datasets/stromy", &edited)
        .await
        .expect(200);
    let g = parse(
        RdfFormat::Turtle,
        &fetch(&app, "/datasets/stromy.ttl", None).await.2,
    );
    assert!(has(
        &g,
        &iri,
        &format!("{DCT}title"),
        "Stromy ve správě statutárního města"
    ));
    assert!(!has(
        &g,
        &iri,
        &format!("{DCT}title"),
        "Stromy ve správě města"
    ));

    api.post(
        "/api/v1/datasets/stromy/withdraw",
        &serde_json::json!({"reason": "Data přešla do pasportu zeleně."}),
    )
    .await
    .expect(200);
    let (status, _, body) = fetch(&app, "/datasets/stromy.ttl", None).await;
    assert_eq!(status, 410);
    assert!(body.contains("Data přešla do pasportu zeleně."));
    assert!(!listed(&fetch(&app, "/catalog.ttl", None).await.2));
}

#[actix_web::test]
async fn a_change_made_by_another_process_reaches_the_projection() {
    let app = TestApp::start().await;
    // Warm the projection, then change the database behind the server's back,
    // as `radnice seed` or a second server would.
    assert_eq!(fetch(&app, "/catalog.ttl", None).await.0, 200);
    let mut conn = app.conn();
    let mut rec = store::record_by_slug(&mut conn, "hriste")
        .expect("q")
        .expect("dataset");
    rec.dataset.title_cs = "Hřiště a sportoviště v obci".into();
    store::save_record(&mut conn, &Actor::system("jiný proces"), &rec, None).expect("save");
    // A dataset document may come from memory for 0.1 s after the last
    // check of the database; another process's write shows after that.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let g = parse(
        RdfFormat::Turtle,
        &fetch(&app, "/datasets/hriste.ttl", None).await.2,
    );
    assert!(has(
        &g,
        &format!("{BASE}/datasets/hriste"),
        &format!("{DCT}title"),
        "Hřiště a sportoviště v obci"
    ));
    // A change with no audit row (a repair by hand in the database) reaches
    // no view until `radnice reindex`, which rebuilds here and makes the
    // running server rebuild too.
    {
        use diesel::prelude::*;
        use radnice::db::schema::datasets as table;
        diesel::update(table::table.filter(table::slug.eq("hriste")))
            .set(table::title_cs.eq("Hřiště opravená ručně"))
            .execute(&mut conn)
            .expect("update by hand");
    }
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let before = fetch(&app, "/datasets/hriste.ttl", None).await.2;
    assert!(
        !before.contains("Hřiště opravená ručně"),
        "no view saw it yet"
    );
    let report = radnice::dcat::projection::reindex(&mut conn, BASE, &Actor::system("test"))
        .expect("reindex");
    assert_eq!(report.datasets, 13);
    assert!(report.triples > 200);
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let (status, _, after) = fetch(&app, "/datasets/hriste.ttl", None).await;
    assert_eq!(status, 200);
    assert!(
        after.contains("Hřiště opravená ručně"),
        "the running server followed the reindex:\n{after}"
    );
}

#[actix_web::test]
async fn the_catalog_pages_with_a_hydra_view_and_the_dump_streams_everything() {
    let app = TestApp::start().await;
    let (status, _, body) = fetch(&app, "/catalog.jsonld?page=2&per_page=4", None).await;
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(doc["datová_sada"].as_array().expect("page").len(), 4);
    let view = &doc["http://www.w3.org/ns/hydra/core#view"];
    let link = |rel: &str| view[format!("http://www.w3.org/ns/hydra/core#{rel}")]["@id"].clone();
    assert_eq!(link("next"), format!("{BASE}/catalog?page=3&per_page=4"));
    assert_eq!(
        link("previous"),
        format!("{BASE}/catalog?page=1&per_page=4")
    );
    assert_eq!(link("last"), format!("{BASE}/catalog?page=4&per_page=4"));
    let mut seen = BTreeSet::new();
    for page in 1..=4 {
        let (_, _, body) = fetch(
            &app,
            &format!("/catalog.jsonld?page={page}&per_page=4"),
            None,
        )
        .await;
        let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
        for d in doc["datová_sada"].as_array().expect("page") {
            seen.insert(d.as_str().expect("iri").to_string());
        }
    }
    assert_eq!(seen.len(), 13, "the pages together list every dataset once");

    let res = reqwest::Client::new()
        .get(app.url("/catalog/dump.nt"))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers().get("content-length").is_none(), "streamed");
    let dump = parse(RdfFormat::NTriples, &res.text().await.expect("body"));
    let catalog = parse(
        RdfFormat::Turtle,
        &fetch(&app, "/catalog.ttl", None).await.2,
    );
    assert!(catalog.is_subset(&dump));
    for slug in ["hriste", "pasport-zelene", "povodnova-cidla"] {
        let one = parse(
            RdfFormat::Turtle,
            &fetch(&app, &format!("/datasets/{slug}.ttl"), None).await.2,
        );
        assert!(one.is_subset(&dump), "{slug} is in the dump");
    }
    let (_, ct, ttl) = fetch(&app, "/catalog/dump.ttl", None).await;
    assert!(ct.starts_with("text/turtle"));
    assert_eq!(parse(RdfFormat::Turtle, &ttl), dump);
}

/// The seed catalog plus what the standards' checks must also see: a plain
/// file distribution, a file with a schema, and a data service with its
/// description and specification (the seed has EuroVoc, boxes and a
/// specification).
async fn app_with_every_kind_of_distribution() -> TestApp {
    let app = TestApp::start().await;
    add_distributions(
        &app,
        "pasport-zelene",
        vec![distribution(CSV, "text/csv", CC_BY)],
    );
    let mut file = distribution(CSV, "text/csv", CC_BY);
    file.conforms_to = Some("https://data.example.cz/schemata/pm10.json".into());
    add_distributions(
        &app,
        "kvalita-ovzdusi-pm10",
        vec![file, crate::catalog::data_service()],
    );
    app
}

/// The official context's URL, which every LKOD document must name as is.
const OFFICIAL_CONTEXT: &str = "https://ofn.gov.cz/dcat-ap-cz-rozhraní-katalogů-otevřených-dat/2024-05-28/kontexty/rozhraní-katalogů-otevřených-dat.jsonld";

/// A document's triples without those that touch a blank node, and how many
/// those were (blank node labels differ between serialisations).
fn ground(triples: &HashSet<Triple>) -> (BTreeSet<String>, usize) {
    let blank = |t: &Triple| {
        matches!(t.subject, NamedOrBlankNode::BlankNode(_))
            || matches!(t.object, Term::BlankNode(_))
    };
    (
        triples
            .iter()
            .filter(|t| !blank(t))
            .map(Triple::to_string)
            .collect(),
        triples.iter().filter(|t| blank(t)).count(),
    )
}

/// The LKOD documents against the standard itself, not our reading of it:
/// the official JSON Schemas (PyPI jsonschema, with the basic data types the
/// national validator ships) and the official JSON-LD context, which must
/// give the same triples as our Turtle.
#[actix_web::test]
async fn the_lkod_documents_pass_the_official_schemas_and_mean_the_same_under_the_official_context()
{
    let folder = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| manifest_dir().join(default))
    };
    let standard = folder(
        "RADNICE_DCAT_AP_CZ",
        "../shared/standards/dcat-ap-cz-2024-05-28",
    );
    let base_types = folder("RADNICE_LKOD_VALIDATOR", "../shared/tools/lkod-validator")
        .join("local-catalog-validator/specification/základní-datové-typy/2020-07-01");
    let context_file = standard.join("kontexty/rozhraní-katalogů-otevřených-dat.jsonld");
    let jsonschema_ok = std::process::Command::new("python3")
        .args(["-c", "import jsonschema, referencing"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !context_file.is_file() || !base_types.is_dir() || !jsonschema_ok {
        let why = format!(
            "DCAT-AP-CZ schema validation NOT RUN: context {} present: {}, basic types {} present: {}, jsonschema present: {}",
            context_file.display(),
            context_file.is_file(),
            base_types.display(),
            base_types.is_dir(),
            jsonschema_ok
        );
        assert!(!in_ci(), "{why}");
        eprintln!("{why}");
        return;
    }
    let app = app_with_every_kind_of_distribution().await;

    let official = std::fs::read(&context_file).expect("context");
    let expand = |body: &str| -> HashSet<Triple> {
        let official = official.clone();
        RdfParser::from_format(RdfFormat::JsonLd {
            profile: oxigraph::io::JsonLdProfileSet::empty(),
        })
        .for_slice(body.as_bytes())
        .with_document_loader(move |url| {
            assert_eq!(
                url, OFFICIAL_CONTEXT,
                "only the standard's context is loaded"
            );
            Ok(oxigraph::io::LoadedDocument {
                url: url.to_string(),
                content: official.clone(),
                format: RdfFormat::JsonLd {
                    profile: oxigraph::io::JsonLdProfile::Context.into(),
                },
            })
        })
        .map(|q| Triple::from(q.expect("expands with the official context")))
        .collect()
    };

    let dir = tempfile::tempdir().expect("dir");
    let (_, _, catalog) = fetch(&app, "/catalog.jsonld", None).await;
    let doc: serde_json::Value = serde_json::from_str(&catalog).expect("json");
    assert_eq!(
        doc["@context"], OFFICIAL_CONTEXT,
        "the context URL, literally"
    );
    let mut documents = vec![("katalog.json", "/catalog".to_string(), catalog.clone())];
    for iri in doc["datová_sada"].as_array().expect("datasets") {
        let iri = iri.as_str().expect("iri");
        let path = iri.strip_prefix(BASE).expect("our IRI").to_string();
        let (status, _, body) = fetch(&app, &format!("{path}.jsonld"), None).await;
        assert_eq!(status, 200, "{path}");
        let d: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(
            d["@context"], OFFICIAL_CONTEXT,
            "{path}: the context URL, literally"
        );
        documents.push(("datová-sada.json", path, body));
    }
    assert_eq!(documents.len(), 14, "the catalog and its 13 datasets");
    let mut args = vec![
        manifest_dir()
            .join("tests/dcat-ap-cz/validate.py")
            .display()
            .to_string(),
        standard.join("schémata").display().to_string(),
        base_types.display().to_string(),
    ];
    for (n, (schema, path, body)) in documents.iter().enumerate() {
        let file = dir.path().join(format!("{n}.jsonld"));
        std::fs::write(&file, body).expect("write");
        args.push(format!("{schema}={}", file.display()));
        // Under the official context the document means what it means under
        // our own term table (a key the standard does not define would be
        // dropped by the one and not the other), and nothing our Turtle does
        // not say (the Turtle catalog also carries the vocabularies' labels).
        let (official_ground, official_blank) = ground(&expand(body));
        let (ours_ground, ours_blank) = ground(&parse_jsonld(body));
        let only_ours: Vec<_> = ours_ground.difference(&official_ground).collect();
        let only_official: Vec<_> = official_ground.difference(&ours_ground).collect();
        assert!(
            only_ours.is_empty() && only_official.is_empty(),
            "{path}: only under our context {only_ours:#?}\nonly under the official one {only_official:#?}"
        );
        assert_eq!(
            official_blank, ours_blank,
            "{path}: triples with blank nodes"
        );
        let (_, _, ttl) = fetch(&app, &format!("{path}.ttl"), None).await;
        let (ttl_ground, _) = ground(&parse(RdfFormat::Turtle, &ttl));
        let unsaid: Vec<_> = official_ground.difference(&ttl_ground).collect();
        assert!(unsaid.is_empty(), "{path}: not in our Turtle {unsaid:#?}");
    }
    let out = std::process::Command::new("python3")
        .args(&args)
        .output()
        .expect("python3");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("14 documents, 0 errors"), "{report}");
}

/// The whole seed catalog against the official DCAT-AP 3.0.1 shapes (the
/// cardinalities in shapes.ttl, the class ranges in range.ttl), with pyshacl.
#[actix_web::test]
async fn the_seed_catalog_conforms_to_the_dcat_ap_shapes() {
    let shapes = std::env::var_os("RADNICE_DCAT_AP_SHAPES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../shared/standards/dcat-ap-3.0.1"));
    let pyshacl_ok = std::process::Command::new("pyshacl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !shapes.join("shapes.ttl").is_file() || !pyshacl_ok {
        let why = format!(
            "DCAT-AP SHACL validation NOT RUN: shapes in {} present: {}, pyshacl present: {}",
            shapes.display(),
            shapes.join("shapes.ttl").is_file(),
            pyshacl_ok
        );
        assert!(!in_ci(), "{why}");
        eprintln!("{why}");
        return;
    }
    let app = app_with_every_kind_of_distribution().await;
    let (status, _, dump) = fetch(&app, "/catalog/dump.ttl", None).await;
    assert_eq!(status, 200);
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("catalog.ttl");
    std::fs::write(&data, &dump).expect("write");
    for shape_file in ["shapes.ttl", "range.ttl"] {
        let out = tokio::process::Command::new("pyshacl")
            .args(["-s"])
            .arg(shapes.join(shape_file))
            .args(["-sf", "turtle", "-df", "turtle"])
            .arg(&data)
            .output()
            .await
            .expect("pyshacl");
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && report.contains("Conforms: True"),
            "{shape_file}:\n{report}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

async fn sparql(app: &TestApp, query: &str, accept: &str) -> (u16, String, String) {
    let res = reqwest::Client::new()
        .get(app.url("/sparql"))
        .query(&[("query", query)])
        .header("Accept", accept)
        .send()
        .await
        .expect("GET");
    let status = res.status().as_u16();
    let ct = res.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_string();
    (status, ct, res.text().await.expect("body"))
}

const PER_THEME: &str = "SELECT ?theme (COUNT(?d) AS ?n) WHERE { ?d a dcat:Dataset ; dcat:theme ?theme } GROUP BY ?theme ORDER BY DESC(?n) ?theme";

#[actix_web::test]
async fn sparql_answers_select_and_ask_in_every_results_format() {
    let app = TestApp::start().await;
    let (status, ct, body) = sparql(&app, PER_THEME, "application/sparql-results+json").await;
    assert_eq!(status, 200, "{body}");
    assert!(ct.starts_with("application/sparql-results+json"));
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    let rows = json["results"]["bindings"].as_array().expect("rows");
    let total: u64 = rows
        .iter()
        .map(|r| {
            r["n"]["value"]
                .as_str()
                .expect("n")
                .parse::<u64>()
                .expect("number")
        })
        .sum();
    let themes_in_db: i64 = {
        use diesel::prelude::*;
        radnice::db::schema::dataset_themes::table
            .count()
            .get_result(&mut *app.conn())
            .expect("count")
    };
    assert_eq!(total as i64, themes_in_db, "one row per dataset and theme");
    assert!(
        rows[0]["theme"]["value"]
            .as_str()
            .expect("iri")
            .starts_with("http://publications.europa.eu/resource/authority/data-theme/")
    );

    let (status, ct, csv) = sparql(&app, PER_THEME, "text/csv").await;
    assert_eq!((status, ct.starts_with("text/csv")), (200, true));
    assert!(csv.starts_with("theme,n\r\n"), "{csv}");
    assert_eq!(csv.lines().count(), rows.len() + 1);
    let (_, ct, tsv) = sparql(&app, PER_THEME, "text/tab-separated-values").await;
    assert!(ct.starts_with("text/tab-separated-values") && tsv.starts_with("?theme\t?n"));
    let (_, ct, xml) = sparql(&app, PER_THEME, "application/sparql-results+xml").await;
    assert!(
        ct.starts_with("application/sparql-results+xml")
            && xml.contains("<variable name=\"theme\"/>")
    );
    // The format parameter wins over Accept.
    let res = reqwest::Client::new()
        .get(app.url("/sparql"))
        .query(&[("query", PER_THEME), ("format", "tsv")])
        .header("Accept", "text/csv")
        .send()
        .await
        .expect("GET");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/tab-separated-values")
    );

    let (status, _, body) = sparql(
        &app,
        "ASK { <https://data.example.cz/datasets/hriste> a dcat:Dataset }",
        "application/sparql-results+json",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).expect("json")["boolean"],
        true
    );
}

#[actix_web::test]
async fn sparql_construct_and_describe_come_as_rdf_by_post_too() {
    let app = TestApp::start().await;
    let http = reqwest::Client::new();
    let res = http
        .post(app.url("/sparql"))
        .header("Content-Type", "application/sparql-query")
        .header("Accept", "application/n-triples")
        .body("CONSTRUCT { ?d dct:title ?t } WHERE { ?d a dcat:Dataset ; dct:title ?t FILTER(lang(?t) = 'cs') }")
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("application/n-triples")
    );
    assert_eq!(
        parse(RdfFormat::NTriples, &res.text().await.expect("body")).len(),
        13
    );

    let res = http
        .post(app.url("/sparql"))
        .form(&[(
            "query",
            "DESCRIBE <https://data.example.cz/datasets/hriste>",
        )])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/turtle")
    );
    let g = parse(RdfFormat::Turtle, &res.text().await.expect("body"));
    assert!(has(
        &g,
        &format!("{BASE}/datasets/hriste"),
        RDF_TYPE,
        &format!("{DCAT}Dataset")
    ));

    let (status, ct, body) = sparql(
        &app,
        "CONSTRUCT WHERE { ?s a dcat:Catalog }",
        "application/ld+json",
    )
    .await;
    assert_eq!((status, ct.starts_with("application/ld+json")), (200, true));
    assert!(body.contains("https://data.example.cz/catalog"));

    // A browser may preflight a POST from another origin.
    let res = http
        .request(reqwest::Method::OPTIONS, app.url("/sparql"))
        .header("Origin", "https://example.org")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("OPTIONS");
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
}

#[actix_web::test]
async fn sparql_refuses_updates_and_explains_syntax_errors() {
    let app = TestApp::start().await;
    let (status, ct, body) = sparql(
        &app,
        "SELECT ?s WHERE { ?s ?p }",
        "application/sparql-results+json",
    )
    .await;
    assert_eq!(status, 400);
    assert!(ct.starts_with("application/problem+json"), "{ct}");
    let problem: serde_json::Value = serde_json::from_str(&body).expect("json");
    let detail = problem["detail"].as_str().expect("detail");
    assert!(
        detail.starts_with("Řádek 1, sloupec 26: konec dotazu; očekáváno: "),
        "the place, the word found and what fits: {problem}"
    );
    assert!(
        detail.ends_with("SELECT ?s WHERE { ?s ?p }\n                         ^"),
        "{detail}"
    );
    // On the page, in the user's language, with the query's line marked.
    let page = app
        .client()
        .page("/sparql?query=SELEKT%20%3Fs%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D")
        .await
        .expect(400);
    assert!(
        page.contains(
            "Řádek 1, sloupec 1: nalezeno „SELEKT“; očekáváno: SELECT, CONSTRUCT, ASK, DESCRIBE."
        ),
        "{}",
        page.body
    );
    assert!(page.contains("id=\"query-error\""));
    let english = app
        .client()
        .http
        .get(app.url("/sparql?query=SELEKT"))
        .header("Cookie", "radnice_lang=en")
        .send()
        .await
        .expect("GET");
    let english = crate::support::Reply::read(english).await.expect(400);
    assert!(
        english.contains("Line 1, column 1: found &quot;SELEKT&quot;; expected: SELECT"),
        "{}",
        english.body
    );
    // An update is not a query here, however it comes.
    let (status, _, _) = sparql(
        &app,
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "application/sparql-results+json",
    )
    .await;
    assert_eq!(status, 400);
    let http = reqwest::Client::new();
    for res in [
        http.post(app.url("/sparql"))
            .form(&[("update", "CLEAR ALL")])
            .send()
            .await
            .expect("POST"),
        http.post(app.url("/sparql"))
            .header("Content-Type", "application/sparql-update")
            .body("CLEAR ALL")
            .send()
            .await
            .expect("POST"),
    ] {
        assert_eq!(res.status().as_u16(), 403);
    }
    let (_, _, body) = sparql(
        &app,
        "ASK { ?d a dcat:Dataset }",
        "application/sparql-results+json",
    )
    .await;
    assert!(body.contains("true"), "nothing was cleared");
    // A browser gets the editor with the message, in its language.
    let (status, html) = app
        .client()
        .get_text("/sparql?query=SELECT%20%3Fs%20WHERE%20%7B")
        .await;
    assert_eq!(status, 400);
    assert!(html.contains("Dotaz se nepodařilo vyhodnotit") && html.contains("<textarea"));
}

#[actix_web::test]
async fn a_query_over_the_limits_gets_503_and_the_server_keeps_answering() {
    let app = TestApp::start_with(|c| {
        c.sparql_timeout_ms = 50;
        c.sparql_max_results = 5;
    })
    .await;
    let heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    let started = std::time::Instant::now();
    let (status, _, body) = sparql(&app, heavy, "application/sparql-results+json").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("50 ms"), "{body}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "stopped, not finished"
    );
    assert_eq!(app.client().get("/healthz").await.status().as_u16(), 200);

    let (status, _, body) = sparql(&app, "SELECT * WHERE { ?s ?p ?o }", "text/csv").await;
    assert_eq!(status, 503);
    // The cap is named in the reason (the problem document also holds
    // "status":503, so a bare '5' would prove nothing).
    assert!(body.contains("více než 5 řádků"), "{body}");
    let (status, _, body) = sparql(&app, "SELECT * WHERE { ?s ?p ?o } LIMIT 5", "text/csv").await;
    assert_eq!((status, body.lines().count()), (200, 6));
}

#[actix_web::test]
async fn the_sparql_page_runs_the_example_queries() {
    let app = TestApp::start().await;
    let c = app.client();
    let (status, html) = c.get_text("/sparql").await;
    assert_eq!(status, 200);
    assert!(html.contains("<textarea id=\"query\" name=\"query\""));
    for (key, query) in radnice::dcat::routes::EXAMPLES {
        let url = format!("/sparql?query={}", radnice::web::errors::url_escape(query));
        assert!(
            html.contains(&url.replace('&', "&amp;")) || html.contains(key),
            "{key} linked"
        );
        let (status, page) = c.get_text(&url).await;
        assert_eq!(status, 200, "{key}: {page}");
        assert!(page.contains("<table"), "{key} gives a table");
    }
    let (_, page) = c.get_text("/sparql?query=SELECT%20%3Ft%20WHERE%20%7B%20%3Fd%20dct%3Atitle%20%3Ft%20FILTER(lang(%3Ft)%3D%22cs%22)%20%7D").await;
    assert!(page.contains("Pasport zeleně"));
}

#[actix_web::test]
async fn eurovoc_a_bounding_box_conformity_and_a_data_service_are_published() {
    let app = TestApp::start().await;
    let api = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    const EUROVOC: &str = "http://eurovoc.europa.eu/2527";
    const SPEC: &str = "https://ofn.gov.cz/sportoviště/2020-07-01/";
    const ENDPOINT: &str = "https://data.example.cz/sta/v1.1";
    const STA: &str = "https://docs.ogc.org/is/18-088/18-088.html";
    let mut body = dataset_json("ovzdusi");
    body["eurovoc"] = serde_json::json!([EUROVOC]);
    body["conforms_to"] = serde_json::json!(SPEC);
    body["bbox"] =
        serde_json::json!({"west": 13.35, "south": 50.43, "east": 13.47, "north": 50.49});
    let terms = body["distributions"][0]["terms"].clone();
    body["distributions"]
        .as_array_mut()
        .expect("distributions")
        .push(serde_json::json!({
            "title_cs": "Měření v reálném čase (SensorThings API)",
            "format": "http://publications.europa.eu/resource/authority/file-type/JSON",
            "service_endpoint_url": ENDPOINT,
            "service_description_url": "https://data.example.cz/sta/v1.1/api",
            "service_conforms_to": STA,
            "terms": terms,
        }));

    // Bad values of the new fields: field errors, nothing stored.
    let mut bad = body.clone();
    bad["slug"] = serde_json::json!("ovzdusi-spatne");
    bad["eurovoc"] = serde_json::json!(["http://eurovoc.europa.eu/999999999"]);
    bad["bbox"] = serde_json::json!({"west": 13.47, "south": 50.43, "east": 13.35, "north": 50.49});
    bad["conforms_to"] = serde_json::json!("ofn");
    bad["distributions"][1]["download_url"] =
        serde_json::json!("https://data.example.cz/soubory/mereni.json");
    bad["distributions"][1]["service_description_url"] =
        serde_json::json!("http://data.example.cz/api");
    let problem = api.post("/api/v1/datasets", &bad).await.expect(422).json();
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "bbox",
            "conforms_to",
            "distributions[1].service_description_url",
            "distributions[1].service_endpoint_url",
            "eurovoc",
        ]
    );
    assert_eq!(
        fetch(&app, "/api/v1/datasets/ovzdusi-spatne", None).await.0,
        404
    );

    api.post("/api/v1/datasets", &body).await.expect(201);
    api.post_empty("/api/v1/datasets/ovzdusi/publish")
        .await
        .expect(200);

    let ds = format!("{BASE}/datasets/ovzdusi");
    let g = parse(
        RdfFormat::Turtle,
        &fetch(&app, "/datasets/ovzdusi.ttl", None).await.2,
    );
    assert!(has(&g, &ds, &format!("{DCAT}theme"), EUROVOC));
    assert!(has(
        &g,
        EUROVOC,
        RDF_TYPE,
        "http://www.w3.org/2004/02/skos/core#Concept"
    ));
    assert!(has(&g, &ds, &format!("{DCT}conformsTo"), SPEC));
    assert!(has(&g, SPEC, RDF_TYPE, &format!("{DCT}Standard")));
    let area = format!("{ds}#ohraničení");
    assert!(has(&g, &ds, &format!("{DCT}spatial"), &area));
    let bbox = g
        .iter()
        .find(|t| {
            t.subject.to_string() == format!("<{area}>")
                && t.predicate.as_str() == format!("{DCAT}bbox")
        })
        .expect("dcat:bbox");
    match &bbox.object {
        Term::Literal(l) => {
            assert_eq!(
                l.value(),
                "POLYGON((13.35 50.43, 13.47 50.43, 13.47 50.49, 13.35 50.49, 13.35 50.43))"
            );
            assert_eq!(
                l.datatype().as_str(),
                "http://www.opengis.net/ont/geosparql#wktLiteral"
            );
        }
        other => panic!("bbox is {other}"),
    }
    let rec = store::record_by_slug(&mut app.conn(), "ovzdusi")
        .expect("q")
        .expect("stored");
    let api = &rec.distributions[1];
    assert_eq!(api.download_url, None);
    assert_eq!(
        api.access_url, ENDPOINT,
        "the access URL defaults to the endpoint"
    );
    let dist = format!("{ds}/distributions/{}", api.id);
    let service = format!("{dist}#služba");
    assert!(has(&g, &dist, &format!("{DCAT}accessService"), &service));
    assert!(has(&g, &service, RDF_TYPE, &format!("{DCAT}DataService")));
    assert!(has(&g, &service, &format!("{DCAT}endpointURL"), ENDPOINT));
    assert!(has(
        &g,
        &service,
        &format!("{DCAT}endpointDescription"),
        "https://data.example.cz/sta/v1.1/api"
    ));
    assert!(has(&g, &service, &format!("{DCT}conformsTo"), STA));
    assert!(has(&g, &service, &format!("{DCAT}servesDataset"), &ds));
    assert!(has(
        &g,
        &service,
        &format!("{DCT}title"),
        "Měření v reálném čase (SensorThings API)"
    ));
    assert!(
        !g.iter()
            .any(|t| t.subject.to_string() == format!("<{dist}>")
                && t.predicate.as_str() == format!("{DCAT}downloadURL"))
    );

    // The DCAT-AP-CZ JSON-LD carries the same, under the standard's keys.
    let (_, _, body) = fetch(&app, "/datasets/ovzdusi.jsonld", None).await;
    let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        doc["typ"], "Datová sada",
        "one type, though the service names the dataset"
    );
    assert_eq!(doc["koncept_euroVoc"], serde_json::json!([EUROVOC]));
    assert_eq!(doc["specifikace"], serde_json::json!([SPEC]));
    assert_eq!(
        doc["prvek_rúian"],
        serde_json::json!(["https://linked.cuzk.cz/resource/ruian/obec/562971"])
    );
    assert_eq!(doc["prostorové_pokrytí"][0]["iri"], area);
    let services: Vec<&serde_json::Value> = doc["distribuce"]
        .as_array()
        .expect("distributions")
        .iter()
        .filter_map(|d| d.get("přístupová_služba"))
        .collect();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0]["typ"], "Datová služba");
    assert_eq!(services[0]["přístupový_bod"], ENDPOINT);
    let expanded = parse_jsonld(&body);
    for t in g.iter().filter(|t| {
        let s = t.subject.to_string();
        s == format!("<{area}>") || s == format!("<{service}>")
    }) {
        assert!(expanded.contains(t), "JSON-LD lacks {t}");
    }

    // The page shows them to people.
    let (status, html) = app.client().get_text("/datasets/ovzdusi").await;
    assert_eq!(status, 200);
    for text in [
        "Koncepty EuroVoc",
        "kvalita ovzduší",
        "Ohraničení území",
        "Západ 13.35°",
        "Splňuje specifikaci",
        "Datová služba",
        &format!("href=\"{ENDPOINT}\""),
    ] {
        assert!(html.contains(text), "page lacks {text}");
    }
}

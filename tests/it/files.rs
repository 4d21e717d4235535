//! Stored files: a curator uploads a file (streamed API body or the form),
//! citizens download it (ETag, Range, gzip, never as a page of the
//! portal) and preview a table, developers query the table; a new version
//! replaces the file behind the same URL and the old one stays; a bad file
//! is refused with its line and leaves nothing behind.

use std::io::Read;

use radnice::auth::Role;
use serde_json::Value;

use crate::catalog::curator;
use crate::support::attack;
use crate::support::{Api, Csrf, Reply, TestApp};

const HERE: &str = "statutarni-mesto-chomutov";

/// A CSV as a Czech spreadsheet exports it: windows-1250, `;`, decimal
/// commas, Czech dates, a thousands space.
fn czech_csv() -> Vec<u8> {
    let text = "název;počet;cena;revize\r\n\
                Hřiště U Žďáru;1 234;12,5;7. 12. 2026\r\n\
                Sportoviště Šumná;2;0,75;1. 1. 2025\r\n\
                Kůň a ďábel;17;3,25;15. 6. 2024\r\n";
    encoding_rs::WINDOWS_1250.encode(text).0.into_owned()
}

async fn upload(api: &Api, slug: &str, name: &str, body: Vec<u8>) -> Reply {
    api.request(
        reqwest::Method::POST,
        &format!("/api/v1/datasets/{slug}/distributions/upload?name={name}"),
    )
    .body("application/octet-stream", body)
    .send()
    .await
}

async fn put_version(api: &Api, slug: &str, id: &str, name: &str, body: Vec<u8>) -> Reply {
    api.request(
        reqwest::Method::PUT,
        &format!("/api/v1/datasets/{slug}/distributions/{id}/file?name={name}"),
    )
    .body("application/octet-stream", body)
    .send()
    .await
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn path_of(url: &str) -> String {
    url.split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
        .expect("a URL with a path")
}

async fn raw_get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client")
        .get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("GET")
}

/// A dataset as stored, to compare before and after.
fn record_json(app: &TestApp, slug: &str) -> String {
    let rec = radnice::catalog::store::record_by_slug(&mut app.conn(), slug)
        .expect("q")
        .expect("dataset");
    serde_json::to_string(&rec).expect("json")
}

/// What no failed upload may leave: a version, an imported table, a temp
/// file.
fn leftovers(app: &TestApp) -> (i64, usize, usize) {
    use diesel::prelude::*;
    let mut c = app.conn();
    let versions: i64 = radnice::db::schema::file_versions::table
        .count()
        .get_result(&mut *c)
        .expect("count");
    let tables = radnice::db::dialect::columns(&mut c)
        .expect("columns")
        .into_iter()
        .filter(|col| col.table_name.starts_with("ds_"))
        .map(|col| col.table_name)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let tmp = std::fs::read_dir(app.state.config.data_dir.join("files/tmp"))
        .map(|d| d.count())
        .unwrap_or(0);
    (versions, tables, tmp)
}

#[actix_web::test]
async fn a_czech_csv_is_uploaded_previewed_queried_and_downloaded() {
    let app = TestApp::start().await;
    let api = curator(&app, "soubory@chomutov.test", &[HERE]);
    let csv = czech_csv();
    let d = upload(&api, "hriste", "hriste.csv", csv.clone())
        .await
        .expect(201)
        .json();
    assert_eq!(d["managed"], true);
    assert_eq!(d["media_type"], "text/csv");
    assert_eq!(d["byte_size"], csv.len());
    assert_eq!(d["checksum"], sha256(&csv));
    assert_eq!(d["version"], 1);
    let id = d["id"].as_str().expect("id").to_string();
    let url = d["download_url"].as_str().expect("url").to_string();
    assert!(url.ends_with(&format!("/datasets/hriste/distributions/{id}/download")));
    // The dataset's own JSON has it, with the same fields.
    let dataset = app
        .api()
        .get("/api/v1/datasets/hriste")
        .await
        .expect(200)
        .json();
    let listed = dataset["distributions"]
        .as_array()
        .expect("distributions")
        .iter()
        .find(|x| x["id"] == id.as_str())
        .expect("the uploaded file is a distribution of the dataset")
        .clone();
    assert_eq!(listed, {
        let mut d = d.clone();
        d.as_object_mut().expect("object").remove("version");
        d
    });

    // Downloaded as stored, with its tag and its date.
    let path = path_of(&url);
    let res = raw_get(&app, &path, &[]).await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().expect("etag").to_string();
    assert_eq!(etag, format!("\"{}\"", sha256(&csv)));
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("sandbox")
    );
    let modified = res.headers()["last-modified"]
        .to_str()
        .expect("date")
        .to_string();
    assert_eq!(res.bytes().await.expect("body").as_ref(), csv.as_slice());
    // A client that has it is told so.
    let res = raw_get(&app, &path, &[("If-None-Match", &etag)]).await;
    assert_eq!(res.status(), 304);
    let res = raw_get(&app, &path, &[("If-Modified-Since", &modified)]).await;
    assert_eq!(res.status(), 304);
    // A part of it, and a part it does not have.
    let res = raw_get(&app, &path, &[("Range", "bytes=6-11")]).await;
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 6-11/{}", csv.len()).as_str()
    );
    assert_eq!(res.bytes().await.expect("body").as_ref(), &csv[6..12]);
    let res = raw_get(&app, &path, &[("Range", "bytes=-5")]).await;
    assert_eq!(
        res.bytes().await.expect("body").as_ref(),
        &csv[csv.len() - 5..]
    );
    let res = raw_get(
        &app,
        &path,
        &[("Range", &format!("bytes={}-", csv.len() + 10))],
    )
    .await;
    assert_eq!(res.status(), 416);
    // An If-Range of another version asks for the whole file.
    let res = raw_get(
        &app,
        &path,
        &[("Range", "bytes=0-1"), ("If-Range", "\"old\"")],
    )
    .await;
    assert_eq!(res.status(), 200);
    // Gzipped for a client that accepts it, the same bytes once unpacked.
    let res = raw_get(&app, &path, &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let packed = res.bytes().await.expect("body");
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(packed.as_ref())
        .read_to_end(&mut unpacked)
        .expect("gzip");
    assert_eq!(unpacked, csv);
    // HEAD says the size without the body.
    let head = reqwest::Client::new()
        .head(app.url(&path))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"],
        csv.len().to_string().as_str()
    );

    // The table API reads the columns typed and the text decoded.
    let table = app
        .api()
        .get(&format!("/api/v1/tables/{id}"))
        .await
        .expect(200)
        .json();
    assert_eq!(table["total"], 3);
    let types: Vec<(&str, &str)> = table["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap_or(""),
                f["type"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            ("název", "string"),
            ("počet", "integer"),
            ("cena", "number"),
            ("revize", "date")
        ]
    );
    assert_eq!(table["records"][0]["název"], "Hřiště U Žďáru");
    assert_eq!(table["records"][0]["počet"], 1234);
    assert_eq!(table["records"][0]["cena"], 12.5);
    assert_eq!(table["records"][0]["revize"], "2026-12-07");
    // Filters compare in the column's type; a search ignores case and
    // diacritics; sorts go both ways; pages are offsets.
    let get = |q: &str| {
        let api = app.api();
        let path = format!("/api/v1/tables/{id}?{q}");
        async move { api.get(&path).await.expect(200).json() }
    };
    let names = |v: &Value| -> Vec<String> {
        v["records"]
            .as_array()
            .expect("records")
            .iter()
            .map(|r| r["název"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let by_price = get("filter%5Bcena%5D=0%2C75").await;
    assert_eq!(names(&by_price), ["Sportoviště Šumná"]);
    assert_eq!(by_price["total"], 1);
    assert_eq!(names(&get("q=KUN%20dabel").await), ["Kůň a ďábel"]);
    assert_eq!(
        names(&get("sort=-po%C4%8Det").await),
        ["Hřiště U Žďáru", "Kůň a ďábel", "Sportoviště Šumná"]
    );
    assert_eq!(
        names(&get("sort=revize&limit=1&offset=1").await),
        ["Sportoviště Šumná"]
    );
    let none = get("filter%5Bpo%C4%8Det%5D=nic").await;
    assert_eq!(none["total"], 0);
    let problem = app
        .api()
        .get(&format!("/api/v1/tables/{id}?sort=neni"))
        .await
        .expect(422)
        .json();
    assert_eq!(problem["errors"][0]["field"], "sort");
    app.api()
        .get(&format!("/api/v1/tables/{id}?limit=100000"))
        .await
        .expect(422);
    // A search longer than 200 characters, or more than 20 filters.
    app.api()
        .get(&format!("/api/v1/tables/{id}?q={}", "a".repeat(201)))
        .await
        .expect(422);
    let many: String = (0..21)
        .map(|i| format!("&filter%5Bn%C3%A1zev%5D={i}"))
        .collect();
    app.api()
        .get(&format!("/api/v1/tables/{id}?{many}"))
        .await
        .expect(422);
    // The schema describes the file as it is written.
    let schema = app
        .api()
        .get(&format!("/api/v1/tables/{id}/schema"))
        .await
        .expect(200)
        .json();
    assert_eq!(schema["fields"][2]["type"], "number");
    assert_eq!(schema["fields"][2]["decimalChar"], ",");

    // The preview page shows the decoded text, sorted as asked.
    let page = app
        .client()
        .page(&format!(
            "/datasets/hriste/distributions/{id}/preview?sort=-cena"
        ))
        .await
        .expect(200);
    let first = page.body.find("Hřiště U Žďáru").expect("decoded text");
    let second = page.body.find("Kůň a ďábel").expect("decoded text");
    assert!(first < second, "sorted by price, descending");
    assert!(page.contains("aria-sort=\"descending\""));
    assert!(page.contains("12,5"), "numbers as Czech writes them");
    // The dataset page links the preview.
    let dataset_page = app.client().page("/datasets/hriste").await.expect(200);
    assert!(dataset_page.contains(&format!("/datasets/hriste/distributions/{id}/preview")));
    // The RDF says its size and checksum.
    let ttl = app
        .client()
        .page("/datasets/hriste.ttl")
        .await
        .expect(200)
        .body;
    assert!(ttl.contains(&sha256(&csv)), "{ttl}");
    assert!(ttl.contains("checksumAlgorithm_sha256"), "{ttl}");
}

#[actix_web::test]
async fn a_new_version_replaces_the_file_behind_the_same_url_and_the_old_stays() {
    let app = TestApp::start().await;
    let api = curator(&app, "verze@chomutov.test", &[HERE]);
    let v1 = b"rok,pocet\n2024,10\n2025,12\n".to_vec();
    let d = upload(&api, "parkoviste", "parkoviste.csv", v1.clone())
        .await
        .expect(201)
        .json();
    let id = d["id"].as_str().expect("id").to_string();
    let path = path_of(d["download_url"].as_str().expect("url"));
    let v2 = b"rok,pocet,poznamka\n2024,10,\n2025,12,\n2026,15,odhad\n".to_vec();
    let d2 = put_version(&api, "parkoviste", &id, "parkoviste-2026.csv", v2.clone())
        .await
        .expect(200)
        .json();
    assert_eq!(d2["id"], id.as_str());
    assert_eq!(d2["version"], 2);
    assert_eq!(d2["checksum"], sha256(&v2));
    assert_eq!(d2["download_url"], d["download_url"]);
    let now = raw_get(&app, &path, &[]).await;
    assert_eq!(now.bytes().await.expect("body").as_ref(), v2.as_slice());
    let old = raw_get(&app, &format!("{path}?version=1"), &[]).await;
    assert!(
        old.headers()["cache-control"]
            .to_str()
            .expect("cache")
            .contains("immutable")
    );
    assert_eq!(old.bytes().await.expect("body").as_ref(), v1.as_slice());
    raw_get(&app, &format!("{path}?version=3"), &[])
        .await
        .error_for_status()
        .expect_err("no third version");
    let versions = app
        .api()
        .get(&format!(
            "/api/v1/datasets/parkoviste/distributions/{id}/versions"
        ))
        .await
        .expect(200)
        .json();
    let listed: Vec<i64> = versions["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["version"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(listed, [2, 1]);
    assert_eq!(versions["versions"][1]["checksum"], sha256(&v1));
    // The table is the new version's.
    let table = app
        .api()
        .get(&format!("/api/v1/tables/{id}"))
        .await
        .expect(200)
        .json();
    assert_eq!(table["total"], 3);
    assert_eq!(table["fields"][2]["name"], "poznamka");
    let page = app
        .client()
        .page(&format!("/datasets/parkoviste/distributions/{id}/preview"))
        .await
        .expect(200);
    assert!(page.contains("parkoviste-2026.csv") && page.contains("?version=1"));
    // A bad new version is refused and the current one stays.
    let problem = put_version(&api, "parkoviste", &id, "x.csv", b"a,b\n1\n".to_vec())
        .await
        .expect(422)
        .json();
    assert_eq!(problem["errors"][0]["line"], 2);
    let now = raw_get(&app, &path, &[]).await;
    assert_eq!(now.bytes().await.expect("body").as_ref(), v2.as_slice());
    assert_eq!(
        app.api()
            .get(&format!("/api/v1/tables/{id}"))
            .await
            .expect(200)
            .json()["total"],
        3
    );
    // Only a stored file gets versions: a typed link is no file.
    let rec = crate::catalog::add_distributions(
        &app,
        "uzemni-plan",
        vec![crate::catalog::distribution(
            crate::catalog::CSV,
            "text/csv",
            crate::catalog::CC_BY,
        )],
    );
    let link = rec.distributions[0].id.clone();
    put_version(&api, "uzemni-plan", &link, "a.csv", v1.clone())
        .await
        .expect(409);
}

#[actix_web::test]
async fn bad_files_are_refused_with_their_line_and_nothing_is_left_behind() {
    let app = TestApp::start().await;
    let api = curator(&app, "spatne@chomutov.test", &[HERE]);
    let before = record_json(&app, "hriste");
    // The seed's example files are there already.
    let clean = leftovers(&app);
    let wide: String = (0..10_000).map(|i| format!("c{i},")).collect::<String>() + "x\n1\n";
    let mut mixed = "název,počet\nčeský,1\n".as_bytes().to_vec();
    mixed.extend(encoding_rs::WINDOWS_1250.encode("žluťoučký,2\n").0.iter());
    // Each refusal says what is wrong in words and where.
    let cases: Vec<(&str, Vec<u8>, &str, Option<i64>)> = vec![
        (
            "ragged.csv",
            b"a;b;c\n1;2;3\n4;5\n".to_vec(),
            "počet polí",
            Some(3),
        ),
        (
            "quote.csv",
            b"a,b\n1,2\n3,\"never closed\n4,5\n".to_vec(),
            "Uvozovky",
            Some(3),
        ),
        ("mixed.csv", mixed, "jiném kódování", Some(3)),
        ("empty.csv", Vec::new(), "prázdný", None),
        ("empty.pdf", Vec::new(), "prázdný", None),
        ("wide.csv", wide.into_bytes(), "sloupců", Some(1)),
        ("bomb.xlsx", attack::zip_bomb(50), "ZIP bomba", None),
        (
            "not-a-zip.xlsx",
            b"PK\x03\x04 nothing".to_vec(),
            "XLSX",
            None,
        ),
    ];
    for (name, body, words, line) in cases {
        let problem = upload(&api, "hriste", name, body).await.expect(422).json();
        let detail = problem["errors"][0]["detail"].as_str().unwrap_or("");
        assert!(detail.contains(words), "{name}: {problem}");
        assert_eq!(problem["errors"][0]["line"].as_i64(), line, "{name}");
        assert_eq!(leftovers(&app), clean, "{name} left something behind");
        attack::Target {
            base: app.base.clone(),
            app: None,
        }
        .assert_alive()
        .await;
    }
    assert_eq!(record_json(&app, "hriste"), before);
    // The problem is in the reader's language.
    let problem = api
        .request(
            reqwest::Method::POST,
            "/api/v1/datasets/hriste/distributions/upload?name=r.csv",
        )
        .header("Accept-Language", "en")
        .body("text/csv", "a;b\n1\n")
        .send()
        .await
        .expect(422);
    assert!(
        problem.contains("another number of fields"),
        "{}",
        problem.body
    );
    // Anything else is stored as it is, without a table.
    let pdf = upload(&api, "hriste", "revize.pdf", b"%PDF-1.4 example".to_vec())
        .await
        .expect(201)
        .json();
    let id = pdf["id"].as_str().expect("id");
    app.api()
        .get(&format!("/api/v1/tables/{id}"))
        .await
        .expect(404);
    // A name is needed; an unknown encoding is a field error.
    app.api_of(&app.person("b@chomutov.test", &[Role::Curator], &[HERE]))
        .request(
            reqwest::Method::POST,
            "/api/v1/datasets/hriste/distributions/upload",
        )
        .body("text/csv", "a\n1\n")
        .send()
        .await
        .expect(400);
    let problem = api
        .request(
            reqwest::Method::POST,
            "/api/v1/datasets/hriste/distributions/upload?name=a.csv&encoding=klingon",
        )
        .body("text/csv", "a\n1\n")
        .send()
        .await
        .expect(422)
        .json();
    assert_eq!(problem["errors"][0]["field"], "encoding");
}

#[actix_web::test]
async fn a_file_that_a_browser_would_run_is_only_ever_an_attachment() {
    let app = TestApp::start().await;
    let api = curator(&app, "html@chomutov.test", &[HERE]);
    for (name, body) in [
        ("page.html", "<script>alert(document.cookie)</script>"),
        (
            "image.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
        ),
        ("x.js", "alert(1)"),
    ] {
        let d = upload(&api, "hriste", name, body.as_bytes().to_vec())
            .await
            .expect(201)
            .json();
        let res = raw_get(
            &app,
            &path_of(d["download_url"].as_str().expect("url")),
            &[],
        )
        .await;
        let h = res.headers();
        assert!(
            h["content-disposition"]
                .to_str()
                .expect("disposition")
                .starts_with("attachment"),
            "{name}"
        );
        assert_eq!(
            h["content-security-policy"], "default-src 'none'; sandbox",
            "{name}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
    }
    // A Czech name survives in the header's UTF-8 form.
    let d = upload(&api, "hriste", "Hřiště%20Žďár.pdf", b"%PDF".to_vec())
        .await
        .expect(201)
        .json();
    let res = raw_get(
        &app,
        &path_of(d["download_url"].as_str().expect("url")),
        &[],
    )
    .await;
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .expect("ascii header")
        .to_string();
    assert!(disposition.starts_with("inline"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''H%C5%99i%C5%A1t%C4%9B%20%C5%BD%C4%8F%C3%A1r%2Epdf"),
        "{disposition}"
    );
}

#[actix_web::test]
async fn uploads_need_a_curator_of_the_publisher_before_the_body_is_read() {
    let app = TestApp::start_with(|c| c.file_limit = 64 * 1024).await;
    let elsewhere = curator(
        &app,
        "jinde@chomutov.test",
        &["technicke-sluzby-mesta-chomutova"],
    );
    upload(&elsewhere, "hriste", "a.csv", b"a\n1\n".to_vec())
        .await
        .expect(403);
    upload(&app.api(), "hriste", "a.csv", b"a\n1\n".to_vec())
        .await
        .expect(401);
    // A body over the limit: refused from its declared length, and from
    // what arrives when it declares none.
    let api = curator(&app, "limit@chomutov.test", &[HERE]);
    let clean = leftovers(&app);
    upload(&api, "hriste", "big.csv", vec![b'a'; 65 * 1024])
        .await
        .expect(413);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..20).map(|_| Ok(vec![b'a'; 8 * 1024])).collect();
    let streamed = api
        .request(
            reqwest::Method::POST,
            "/api/v1/datasets/hriste/distributions/upload?name=big.csv",
        )
        .body(
            "text/csv",
            reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)),
        )
        .send()
        .await;
    assert_eq!(streamed.status, 413, "{}", streamed.body);
    assert_eq!(leftovers(&app), clean);
    // A draft's file is its curators' until it is published.
    crate::catalog::add_draft(&app, "hriste", "koncept-se-souborem");
    let d = upload(&api, "koncept-se-souborem", "a.csv", b"a\n1\n".to_vec())
        .await
        .expect(201)
        .json();
    let path = path_of(d["download_url"].as_str().expect("url"));
    assert_eq!(raw_get(&app, &path, &[]).await.status(), 404);
    let id = d["id"].as_str().expect("id");
    app.api()
        .get(&format!("/api/v1/tables/{id}"))
        .await
        .expect(404);
    api.get(&format!("/api/v1/tables/{id}")).await.expect(200);
}

/// An XLSX with two sheets, written the way a spreadsheet program does
/// (inline strings, numbers, a date as ISO text).
fn workbook() -> Vec<u8> {
    use std::io::Write;
    let sheet = |rows: &[&[&str]]| -> String {
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
        );
        for (r, row) in rows.iter().enumerate() {
            x.push_str(&format!("<row r=\"{}\">", r + 1));
            for (c, v) in row.iter().enumerate() {
                let cell = format!("{}{}", (b'A' + c as u8) as char, r + 1);
                if v.parse::<f64>().is_ok() {
                    x.push_str(&format!("<c r=\"{cell}\"><v>{v}</v></c>"));
                } else {
                    x.push_str(&format!(
                        "<c r=\"{cell}\" t=\"inlineStr\"><is><t>{v}</t></is></c>"
                    ));
                }
            }
            x.push_str("</row>");
        }
        x.push_str("</sheetData></worksheet>");
        x
    };
    let parts = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/worksheets/sheet2.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>".to_string(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".to_string(),
        ),
        (
            "xl/workbook.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Hřiště\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"Revize\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>".to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet2.xml\"/></Relationships>".to_string(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            sheet(&[
                &["název", "kapacita", "plocha"],
                &["Hřiště Zahradní", "25", "120.5"],
                &["Hřiště Kadaňská", "40", "310.25"],
            ]),
        ),
        (
            "xl/worksheets/sheet2.xml",
            sheet(&[&["hřiště", "revize"], &["Zahradní", "2026-05-04"]]),
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in parts {
        zip.start_file(name, opts).expect("zip");
        zip.write_all(body.as_bytes()).expect("zip");
    }
    zip.finish().expect("zip").into_inner()
}

#[actix_web::test]
async fn a_workbook_is_previewed_sheet_by_sheet() {
    let app = TestApp::start().await;
    let api = curator(&app, "xlsx@chomutov.test", &[HERE]);
    let d = upload(&api, "hriste", "hriste.xlsx", workbook())
        .await
        .expect(201)
        .json();
    assert_eq!(
        d["media_type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let id = d["id"].as_str().expect("id");
    let first = app
        .api()
        .get(&format!("/api/v1/tables/{id}"))
        .await
        .expect(200)
        .json();
    assert_eq!(first["total"], 2);
    assert_eq!(first["fields"][1]["type"], "integer");
    assert_eq!(first["fields"][2]["type"], "number");
    assert_eq!(first["records"][1]["název"], "Hřiště Kadaňská");
    assert_eq!(first["records"][1]["plocha"], 310.25);
    let second = app
        .api()
        .get(&format!("/api/v1/tables/{id}?sheet=1"))
        .await
        .expect(200)
        .json();
    assert_eq!(second["fields"][1]["type"], "date");
    let page = app
        .client()
        .page(&format!(
            "/datasets/hriste/distributions/{id}/preview?sheet=1"
        ))
        .await
        .expect(200);
    assert!(page.contains("Revize") && page.contains("2026-05-04"));
}

#[actix_web::test]
async fn a_curator_uploads_through_the_form_choosing_the_encoding() {
    let app = TestApp::start().await;
    let p = app.person("formular@chomutov.test", &[Role::Curator], &[HERE]);
    let browser = app.browser_of(&p).await;
    browser
        .page("/datasets/hriste/distributions/upload")
        .await
        .expect(200);
    let token = browser.session_token().await;
    // ISO-8859-2, which the curator names.
    let body = encoding_rs::ISO_8859_2
        .encode("obec;počet\nŽďár;3\nŠumná;4\n")
        .0
        .into_owned();
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token.clone())
        .text("title", "Hřiště podle obcí")
        .text("encoding", "iso-8859-2")
        .text("delimiter", "auto")
        .part(
            "file",
            reqwest::multipart::Part::bytes(body)
                .file_name("obce.csv")
                .mime_str("text/csv")
                .expect("mime"),
        );
    let res = browser
        .http
        .post(browser.url("/datasets/hriste/distributions/upload"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.ends_with("/preview"), "{location}");
    let page = browser.page(&location).await.expect(200);
    assert!(page.contains("Hřiště podle obcí") && page.contains("Žďár"));
    // Without a file the form comes back with its error.
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .text("title", "Nic");
    let res = browser
        .http
        .post(browser.url("/datasets/hriste/distributions/upload"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 422);
    // Anonymous: 401 before the body, as every form.
    let anonymous = app
        .client()
        .submit_multipart("/datasets/hriste/distributions/upload", &[], Csrf::None)
        .await;
    assert_eq!(anonymous.status, 401);
}

#[actix_web::test]
async fn what_an_interrupted_upload_left_is_swept_at_start() {
    let app = TestApp::start().await;
    let dir = app.state.config.data_dir.join("files/tmp");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("half-an-upload"), b"abc").expect("write");
    let removed =
        radnice::files::sweep(&mut app.conn(), &app.state.config.data_dir).expect("sweep");
    assert_eq!(removed, 1);
    assert!(!dir.join("half-an-upload").exists());
}

/// A stored file distribution of `slug` (as the seed stores its examples),
/// for tests that need one to act on; answers its id.
pub fn stored_file(app: &TestApp, slug: &str, name: &str, bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    let actor = radnice::audit::Actor::system("test");
    let stored = radnice::files::service::add_local_file(
        &mut app.conn(),
        &radnice::files::storage::Storage::new(&app.state.config.data_dir),
        &app.state.views,
        radnice::files::service::By::System(&actor),
        slug,
        &radnice::files::service::Target::New,
        &path,
        &radnice::files::service::Titles::default(),
        app.state.config.table_max_rows,
        &app.state.config.base(),
    )
    .expect("stored file");
    stored.distribution.id
}

#[actix_web::test]
async fn a_file_is_removed_with_all_its_versions_and_its_bytes() {
    let app = TestApp::start().await;
    let api = curator(&app, "mazani@chomutov.test", &[HERE]);
    let storage = radnice::files::storage::Storage::new(&app.state.config.data_dir);
    let v1 = b"a,b\n1,2\n".to_vec();
    let v2 = b"a,b\n1,2\n3,4\n".to_vec();
    let d = upload(&api, "parkoviste", "omylem.csv", v1.clone())
        .await
        .expect(201)
        .json();
    let id = d["id"].as_str().expect("id").to_string();
    put_version(&api, "parkoviste", &id, "omylem.csv", v2.clone())
        .await
        .expect(200);
    // The same bytes as version 2 in another distribution: they stay.
    let other = upload(&api, "parkoviste", "kopie.csv", v2.clone())
        .await
        .expect(201)
        .json();
    let path = path_of(d["download_url"].as_str().expect("url"));
    // Someone else's curator may not.
    curator(
        &app,
        "jinde@chomutov.test",
        &["technicke-sluzby-mesta-chomutova"],
    )
    .delete(&format!(
        "/api/v1/datasets/parkoviste/distributions/{id}/file"
    ))
    .await
    .expect(403);
    api.delete(&format!(
        "/api/v1/datasets/parkoviste/distributions/{id}/file"
    ))
    .await
    .expect(204);
    assert_eq!(raw_get(&app, &path, &[]).await.status(), 404);
    assert_eq!(
        raw_get(&app, &format!("{path}?version=1"), &[])
            .await
            .status(),
        404
    );
    app.api()
        .get(&format!("/api/v1/tables/{id}"))
        .await
        .expect(404);
    let dataset = app
        .api()
        .get("/api/v1/datasets/parkoviste")
        .await
        .expect(200)
        .json();
    assert!(
        !dataset["distributions"]
            .as_array()
            .expect("distributions")
            .iter()
            .any(|x| x["id"] == id.as_str())
    );
    assert!(
        !storage.blob(&sha256(&v1)).exists(),
        "version 1's bytes are gone"
    );
    assert!(
        storage.blob(&sha256(&v2)).exists(),
        "another distribution holds them"
    );
    let copy = path_of(other["download_url"].as_str().expect("url"));
    assert_eq!(raw_get(&app, &copy, &[]).await.status(), 200);
    // The removal is the dataset's newest audited change.
    let (before, after): (Option<String>, Option<String>) = {
        use diesel::prelude::*;
        use radnice::db::schema::audit_log;
        audit_log::table
            .filter(audit_log::object_id.eq(dataset["id"].as_str().expect("dataset id")))
            .order(audit_log::seq.desc())
            .select((audit_log::before_json, audit_log::after_json))
            .first(&mut *app.conn())
            .expect("audit row")
    };
    assert!(before.unwrap_or_default().contains("omylem.csv"));
    assert!(!after.unwrap_or_default().contains("omylem.csv"));

    // The form on the preview page does the same.
    let p = app.person("formular-mazani@chomutov.test", &[Role::Curator], &[HERE]);
    let browser = app.browser_of(&p).await;
    let other_id = other["id"].as_str().expect("id");
    let preview = browser
        .page(&format!(
            "/datasets/parkoviste/distributions/{other_id}/preview"
        ))
        .await
        .expect(200);
    assert!(preview.contains(&format!(
        "/datasets/parkoviste/distributions/{other_id}/file/delete"
    )));
    let res = browser
        .submit(
            &format!("/datasets/parkoviste/distributions/{other_id}/file/delete"),
            &[],
        )
        .await
        .expect(303);
    assert_eq!(res.location(), "/datasets/parkoviste");
    assert!(!storage.blob(&sha256(&v2)).exists());
}

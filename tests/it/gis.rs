//! GIS layers: a curator imports a layer in S-JTSK or WGS 84 (GeoJSON,
//! zipped Shapefile, CSV with coordinates); it is published as GeoJSON and
//! CSV distributions with versions, through OGC API Features (read here
//! by the OWSLib client too) and on the dataset's map; a bad layer is
//! refused naming its feature, and the layer published before stays.

use std::io::Write;

use serde_json::{Value, json};

use crate::catalog::curator;
use crate::support::{Api, Reply, TestApp, attack, in_ci};

const HERE: &str = "statutarni-mesto-chomutov";

/// Chomutov, 13.4175 E 50.4605 N, in S-JTSK East North (pyproj).
const TOWN: (f64, f64) = (-807_690.602_7, -991_720.289_7);

async fn import(api: &Api, slug: &str, query: &str, body: Vec<u8>) -> Reply {
    api.request(
        reqwest::Method::POST,
        &format!("/api/v1/datasets/{slug}/layers?{query}"),
    )
    .body("application/octet-stream", body)
    .send()
    .await
}

/// A grid of lamps in S-JTSK around the town, `n` of them, in a CSV as a
/// surveyor's export has it (X and Y columns, `;`).
fn lamps_csv(n: usize) -> Vec<u8> {
    let mut s = String::from("id;ulice;instalace;X;Y\n");
    for i in 0..n {
        let (x, y) = (
            TOWN.0 + (i % 100) as f64 * 5.0,
            TOWN.1 + (i / 100) as f64 * 5.0,
        );
        s.push_str(&format!(
            "VO-{i};Husova;2024-0{}-01;{x:.2};{y:.2}\n",
            1 + i % 9
        ));
    }
    s.into_bytes()
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value, reqwest::header::HeaderMap) {
    let res = reqwest::Client::new()
        .get(app.url(path))
        .header("Accept", "application/geo+json, application/json")
        .send()
        .await
        .expect("GET");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::Null),
        headers,
    )
}

pub fn layer_row(app: &TestApp, slug: &str) -> Option<radnice::gis::model::Layer> {
    let rec = radnice::catalog::store::record_by_slug(&mut app.conn(), slug)
        .expect("q")
        .expect("dataset");
    radnice::gis::store::layer_of_dataset(&mut app.conn(), &rec.dataset.id).expect("q")
}

#[actix_web::test]
async fn an_s_jtsk_csv_layer_is_published_as_geojson_csv_and_ogc_api_features() {
    let app = TestApp::start().await;
    let api = curator(&app, "gis@chomutov.test", &[HERE]);
    let res = import(&api, "povodnova-cidla", "name=lampy.csv", lamps_csv(250))
        .await
        .expect(201)
        .json();
    assert_eq!(res["collection"], "povodnova-cidla");
    assert_eq!(res["features"], 250);
    assert_eq!(res["crs"], "EPSG:5514");
    let bbox: Vec<f64> = serde_json::from_value(res["bbox"].clone()).expect("bbox");
    assert!(
        (bbox[0] - 13.4175).abs() < 1e-4 && (bbox[1] - 50.4605).abs() < 1e-4,
        "{bbox:?}"
    );

    // The collection, with its extent, from any origin.
    let (status, c, headers) = get_json(&app, "/ogc/collections/povodnova-cidla").await;
    assert_eq!(status, 200);
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(c["itemType"], "feature");
    assert_eq!(c["extent"]["spatial"]["bbox"][0][0].as_f64(), Some(bbox[0]));
    let (_, all, _) = get_json(&app, "/ogc/collections").await;
    assert!(
        all["collections"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["id"] == "povodnova-cidla")
    );

    // The layer's own GeoJSON says which lamps lie in the south-west
    // quarter of its box; the items API, through its index, finds the same.
    let d = app
        .api()
        .get("/api/v1/datasets/povodnova-cidla")
        .await
        .expect(200)
        .json();
    let dists = d["distributions"]
        .as_array()
        .expect("distributions")
        .clone();
    let dl = |v: &Value| {
        let u = v["download_url"].as_str().expect("url").to_string();
        u[u.find("/datasets").expect("path")..].to_string()
    };
    let geojson = dists
        .iter()
        .find(|x| x["media_type"] == "application/geo+json" && x["download_url"].is_string())
        .cloned()
        .expect("the GeoJSON export");
    let (status, fc, _) = get_json(&app, &dl(&geojson)).await;
    assert_eq!(status, 200);
    let features = fc["features"].as_array().expect("features");
    assert_eq!(features.len(), 250);
    let quarter = [
        bbox[0],
        bbox[1],
        (bbox[0] + bbox[2]) / 2.0,
        (bbox[1] + bbox[3]) / 2.0,
    ];
    let inside: Vec<i64> = features
        .iter()
        .filter(|f| {
            let c = &f["geometry"]["coordinates"];
            let (x, y) = (c[0].as_f64().unwrap_or(0.0), c[1].as_f64().unwrap_or(0.0));
            x >= quarter[0] && x <= quarter[2] && y >= quarter[1] && y <= quarter[3]
        })
        .map(|f| f["id"].as_i64().expect("id"))
        .collect();
    assert!(inside.len() > 30 && inside.len() < 250, "{}", inside.len());
    let q = format!(
        "/ogc/collections/povodnova-cidla/items?bbox={},{},{},{}&limit=30",
        quarter[0], quarter[1], quarter[2], quarter[3]
    );
    let (status, page, headers) = get_json(&app, &q).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(headers["content-type"], "application/geo+json");
    assert_eq!(page["numberMatched"], inside.len());
    assert_eq!(page["numberReturned"], 30);
    let f = &page["features"][0];
    assert_eq!(f["properties"]["ulice"], "Husova");
    assert_eq!(f["geometry"]["type"], "Point");
    // Paging by the `next` link reads every one of them once.
    let mut seen: Vec<i64> = page["features"]
        .as_array()
        .expect("f")
        .iter()
        .map(|f| f["id"].as_i64().expect("id"))
        .collect();
    let mut next = page["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == "next")
        .cloned();
    while let Some(l) = next {
        let href = l["href"].as_str().expect("href");
        let path = &href[href.find("/ogc").expect("path")..];
        let (_, p, _) = get_json(&app, path).await;
        seen.extend(
            p["features"]
                .as_array()
                .expect("f")
                .iter()
                .map(|f| f["id"].as_i64().expect("id")),
        );
        next = p["links"]
            .as_array()
            .expect("links")
            .iter()
            .find(|l| l["rel"] == "next")
            .cloned();
    }
    assert_eq!(seen, inside);
    // datetime filters on the layer's date column.
    let (_, p, _) = get_json(
        &app,
        "/ogc/collections/povodnova-cidla/items?datetime=2024-02-01/2024-03-31&limit=1",
    )
    .await;
    assert_eq!(p["numberMatched"], 56, "{p}");
    // One feature; an unknown one; a parameter the API does not define.
    let (status, one, _) = get_json(&app, "/ogc/collections/povodnova-cidla/items/7").await;
    assert_eq!(status, 200);
    assert_eq!(one["id"], 7);
    assert_eq!(one["properties"]["id"], "VO-6");
    assert_eq!(
        get_json(&app, "/ogc/collections/povodnova-cidla/items/9999")
            .await
            .0,
        404
    );
    assert_eq!(
        get_json(&app, "/ogc/collections/povodnova-cidla/items?barva=modra")
            .await
            .0,
        400
    );
    assert_eq!(
        get_json(&app, "/ogc/collections/povodnova-cidla/items?bbox=1,2,3")
            .await
            .0,
        400
    );
    assert_eq!(
        get_json(&app, "/ogc/collections/povodnova-cidla/items?limit=0")
            .await
            .0,
        400
    );

    // The dataset has its box and the three distributions.
    assert!(
        (d["bbox"]["west"].as_f64().unwrap_or(0.0) - bbox[0]).abs() < 1e-6,
        "{}",
        d["bbox"]
    );
    let csv = dists
        .iter()
        .find(|x| {
            x["title_cs"]
                .as_str()
                .is_some_and(|t| t.contains("CSV se souřadnicemi"))
        })
        .expect("the CSV export");
    let service = dists
        .iter()
        .find(|x| {
            x["service_endpoint_url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/ogc"))
        })
        .expect("the OGC API service");
    assert!(
        service["service_endpoint_url"]
            .as_str()
            .expect("url")
            .ends_with("/ogc")
    );
    let text = app.client().get(&dl(csv)).await.text().await.expect("csv");
    let head = text.lines().next().expect("header");
    assert_eq!(head, "fid,id,ulice,instalace,lon,lat,wkt");
    assert!(
        text.lines().nth(1).expect("row").contains(",POINT (13.417"),
        "{text:.300}"
    );

    // Imported again: the layer is replaced, the old export stays.
    let res = import(&api, "povodnova-cidla", "name=lampy.csv", lamps_csv(10))
        .await
        .expect(201)
        .json();
    assert_eq!(res["version"], 2);
    let (_, p, _) = get_json(&app, "/ogc/collections/povodnova-cidla/items").await;
    assert_eq!(p["numberMatched"], 10);
    let (_, old, _) = get_json(&app, &format!("{}?version=1", dl(&geojson))).await;
    assert_eq!(old["features"].as_array().expect("features").len(), 250);
    let (_, new, _) = get_json(&app, &dl(&geojson)).await;
    assert_eq!(new["features"].as_array().expect("features").len(), 10);
    // The DCAT view says where the service is and what the box is.
    let ttl = app
        .client()
        .get("/datasets/povodnova-cidla.ttl")
        .await
        .text()
        .await
        .expect("ttl");
    assert!(ttl.contains("dcat:endpointURL"), "{ttl:.400}");
    assert!(ttl.contains("dcat:bbox"));
}

/// A zipped Shapefile in S-JTSK with its `.prj` and a windows-1250 `.dbf`
/// named by its `.cpg`.
fn shapefile_zip(with_prj: Option<&str>, cpg: bool) -> Vec<u8> {
    use shapefile::dbase::{self, FieldValue};
    let dir = tempfile::tempdir().expect("tmp");
    let shp = dir.path().join("parcely.shp");
    let table = dbase::TableWriterBuilder::with_encoding(dbase::encoding::EncodingRs::from(
        encoding_rs::WINDOWS_1250,
    ))
    .add_character_field("NAZEV".try_into().expect("name"), 50)
    .add_numeric_field("VYMERA".try_into().expect("name"), 10, 0);
    {
        let mut w = shapefile::Writer::from_path(&shp, table).expect("writer");
        for (i, name) in ["Žlutá louka", "Pod Kamenným vrchem"].iter().enumerate() {
            let (x, y) = (TOWN.0 + i as f64 * 200.0, TOWN.1);
            let ring = vec![
                shapefile::Point::new(x, y),
                shapefile::Point::new(x, y + 100.0),
                shapefile::Point::new(x + 100.0, y + 100.0),
                shapefile::Point::new(x + 100.0, y),
                shapefile::Point::new(x, y),
            ];
            let polygon = shapefile::Polygon::new(shapefile::PolygonRing::Outer(ring));
            let mut rec = dbase::Record::default();
            rec.insert(
                "NAZEV".into(),
                FieldValue::Character(Some(name.to_string())),
            );
            rec.insert("VYMERA".into(), FieldValue::Numeric(Some(10_000.0)));
            w.write_shape_and_record(&polygon, &rec).expect("write");
        }
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for ext in ["shp", "shx", "dbf"] {
        zip.start_file(format!("parcely.{ext}"), opts)
            .expect("entry");
        zip.write_all(&std::fs::read(shp.with_extension(ext)).expect("read"))
            .expect("write");
    }
    if let Some(prj) = with_prj {
        zip.start_file("parcely.prj", opts).expect("entry");
        zip.write_all(prj.as_bytes()).expect("write");
    }
    if cpg {
        zip.start_file("parcely.cpg", opts).expect("entry");
        zip.write_all(b"1250").expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

const KROVAK_PRJ: &str = r#"PROJCS["S-JTSK_Krovak_East_North",GEOGCS["GCS_S_JTSK",DATUM["D_S_JTSK",SPHEROID["Bessel_1841",6377397.155,299.1528128]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Krovak"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Pseudo_Standard_Parallel_1",78.5],PARAMETER["Scale_Factor",0.9999],PARAMETER["Azimuth",30.28813975277778],PARAMETER["Longitude_Of_Center",24.83333333333333],PARAMETER["Latitude_Of_Center",49.5],PARAMETER["X_Scale",-1.0],PARAMETER["Y_Scale",1.0],PARAMETER["XY_Plane_Rotation",90.0],UNIT["Meter",1.0]]"#;

#[actix_web::test]
async fn a_zipped_shapefile_in_s_jtsk_is_imported_with_its_czech_attributes() {
    let app = TestApp::start().await;
    let api = curator(&app, "gis@chomutov.test", &[HERE]);
    let res = import(
        &api,
        "pozemky-ve-vlastnictvi-mesta",
        "name=parcely.zip",
        shapefile_zip(Some(KROVAK_PRJ), true),
    )
    .await
    .expect(201)
    .json();
    assert_eq!(res["features"], 2);
    assert_eq!(res["crs"], "EPSG:5514");
    let (_, p, _) = get_json(&app, "/ogc/collections/pozemky-ve-vlastnictvi-mesta/items").await;
    let f = &p["features"][0];
    assert_eq!(f["properties"]["NAZEV"], "Žlutá louka");
    assert_eq!(f["properties"]["VYMERA"], 10_000);
    assert_eq!(f["geometry"]["type"], "Polygon");
    let ring = f["geometry"]["coordinates"][0].as_array().expect("ring");
    assert_eq!(ring.len(), 5);
    let lon = ring[0][0].as_f64().expect("lon");
    assert!((lon - 13.4175).abs() < 1e-4, "{lon}");
}

#[actix_web::test]
async fn a_bad_layer_is_refused_naming_its_feature_and_the_published_one_stays() {
    let app = TestApp::start().await;
    let api = curator(&app, "gis@chomutov.test", &[HERE]);
    import(&api, "hriste", "name=hriste.csv", seed_playgrounds())
        .await
        .expect(201);
    let before = layer_row(&app, "hriste").expect("the layer");
    let feature = |id: &str, geometry: Value| json!({"type": "Feature", "id": id, "properties": {}, "geometry": geometry});
    let point = json!({"type": "Point", "coordinates": [13.4, 50.4]});
    let fc = |features: Vec<Value>| {
        serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features}))
            .expect("json")
    };
    let mut nested = point.clone();
    for _ in 0..200 {
        nested = json!({"type": "GeometryCollection", "geometries": [nested]});
    }
    let bowtie = json!({"type": "Polygon", "coordinates": [[[13.40, 50.40], [13.41, 50.41], [13.41, 50.40], [13.40, 50.41], [13.40, 50.40]]]});
    let cases: Vec<(&str, Vec<u8>, &str, Option<&str>)> = vec![
        (
            "name=x.geojson",
            fc(vec![feature("A", point.clone()), feature("B", bowtie)]),
            "gis_self_intersection",
            Some("2 (B)"),
        ),
        (
            "name=x.geojson",
            fc(vec![feature(
                "A",
                json!({"type": "Point", "coordinates": [213.4, 50.4]}),
            )]),
            "gis_coordinates_out_of_range",
            Some("1 (A)"),
        ),
        (
            "name=x.geojson",
            fc(vec![
                feature("A", point.clone()),
                feature("hluboko", nested),
            ]),
            "gis_geometry_too_deep",
            Some("2 (hluboko)"),
        ),
        (
            "name=x.geojson",
            b"{\"type\": \"FeatureCollection\", \"features\": [".to_vec(),
            "gis_json_invalid",
            None,
        ),
        (
            "name=x.zip",
            shapefile_zip(None, true),
            "gis_shapefile_no_prj",
            None,
        ),
        (
            "name=x.zip",
            shapefile_zip(
                Some(r#"PROJCS["WGS_1984_UTM_Zone_33N",GEOGCS["GCS_WGS_1984"]]"#),
                true,
            ),
            "gis_prj_unknown",
            Some("WGS_1984_UTM_Zone_33N"),
        ),
        (
            "name=x.zip",
            escaping_zip(),
            "gis_zip_unsafe_name",
            Some("../../etc/parcely.shp"),
        ),
        ("name=x.zip", attack::zip_bomb(300), "zip_bomb", None),
        (
            "name=x.csv",
            b"nazev;poloha\nA;u mostu\n".to_vec(),
            "gis_csv_no_coordinates",
            None,
        ),
        (
            "name=x.shp",
            b"whatever".to_vec(),
            "gis_format_unknown",
            None,
        ),
    ];
    for (query, body, key, feature) in cases {
        let res = import(&api, "hriste", query, body).await;
        assert_eq!(res.status, 422, "{key}: {}", res.body);
        let problem = res.json();
        let errors = problem["errors"].as_array().expect("errors");
        let detail = app
            .state
            .i18n
            .text(radnice::web::i18n::Lang::Cs, key)
            .to_string();
        assert!(
            errors.iter().any(
                |e| e["detail"] == detail.as_str() && feature.is_none_or(|f| e["feature"] == f)
            ),
            "{key} {feature:?}: {problem}"
        );
    }
    // Nothing of any of them is published; the layer is as it was.
    assert_eq!(layer_row(&app, "hriste").as_ref(), Some(&before));
    let (_, p, _) = get_json(&app, "/ogc/collections/hriste/items").await;
    assert_eq!(p["numberMatched"], before.feature_count);
    use diesel::prelude::*;
    let sets: Vec<String> = radnice::db::schema::gis_features::table
        .select(radnice::db::schema::gis_features::feature_set)
        .distinct()
        .load(&mut *app.conn())
        .expect("sets");
    let layers: i64 = radnice::db::schema::gis_layers::table
        .count()
        .get_result(&mut *app.conn())
        .expect("n");
    assert_eq!(sets.len() as i64, layers, "no feature set outside a layer");
    // The server is unharmed.
    assert_eq!(app.client().get("/healthz").await.status(), 200);
}

/// A ZIP whose Shapefile's name climbs out of the archive.
fn escaping_zip() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("../../etc/parcely.shp", opts)
        .expect("entry");
    zip.write_all(b"x").expect("write");
    zip.finish().expect("zip").into_inner()
}

/// Runs a Python snippet; `None` when Python or its module is missing
/// (under CI that fails the test instead).
pub fn python(module: &str, code: &str, args: &[&str]) -> Option<String> {
    let has = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        let why = format!("{module} (PyPI) NOT RUN: the module is missing");
        assert!(!in_ci(), "{why}");
        eprintln!("{why}");
        return None;
    }
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).to_string())
}

#[test]
fn s_jtsk_is_turned_into_wgs84_as_pyproj_does_over_the_whole_republic() {
    // A grid over the republic, Aš to Jablunkov, computed by PROJ itself
    // (pyproj) with the same 7-parameter shift: the portal's reprojection
    // must agree within a few centimetres everywhere.
    let code = r#"
import json
from pyproj import Transformer
t = Transformer.from_crs("EPSG:4326", "+proj=krovak +lat_0=49.5 +lon_0=24.83333333333333 +alpha=30.28813972222222 +k=0.9999 +x_0=0 +y_0=0 +ellps=bessel +towgs84=572.213,85.334,461.94,4.9732,1.529,5.2484,3.5378 +units=m +no_defs", always_xy=True)
out = []
for i in range(11):
    for j in range(6):
        lon, lat = 12.1 + i * 0.66, 48.6 + j * 0.46
        x, y = t.transform(lon, lat)
        out.append([lon, lat, x, y])
print(json.dumps(out))
"#;
    let Some(out) = python("pyproj", code, &[]) else {
        return;
    };
    let points: Vec<[f64; 4]> = serde_json::from_str(out.trim()).expect("points");
    assert_eq!(points.len(), 66);
    let mut worst = 0.0f64;
    for [lon, lat, x, y] in points {
        let mut to = radnice::gis::crs::ToWgs84::new(radnice::gis::crs::Crs::Sjtsk).expect("proj");
        let p = to.convert(x, y).expect("in range");
        // Degrees to metres at this latitude.
        let dx = (p[0] - lon) * 111_320.0 * lat.to_radians().cos();
        let dy = (p[1] - lat) * 110_540.0;
        worst = worst.max((dx * dx + dy * dy).sqrt());
    }
    assert!(worst < 0.05, "worst difference {worst} m");
}

/// The seed's playgrounds (a CSV with lat/lon columns) as a layer.
fn seed_playgrounds() -> Vec<u8> {
    std::fs::read(crate::support::manifest_dir().join("catalog/files/hriste.csv"))
        .expect("seed file")
}

#[actix_web::test]
async fn owslib_reads_the_layers_as_a_gis_client_does() {
    let app = TestApp::start().await;
    let api = curator(&app, "gis@chomutov.test", &[HERE]);
    import(&api, "hriste", "name=hriste.csv", seed_playgrounds())
        .await
        .expect(201);
    let code = r#"
import sys, json
from owslib.ogcapi.features import Features
w = Features(sys.argv[1])
ids = [c["id"] for c in w.collections()["collections"]]
items = w.collection_items("hriste", limit=5)
box = w.collection_items("hriste", bbox=[13.43, 50.45, 13.45, 50.46])
one = w.collection_item("hriste", "1")
print(json.dumps({"conformance": w.conformance()["conformsTo"], "ids": ids,
    "n": len(items["features"]), "matched": items["numberMatched"],
    "box": [f["properties"]["id"] for f in box["features"]], "one": one["properties"]["id"]}))
"#;
    let url = app.url("/ogc");
    // The server answers on this thread's runtime: the client waits on
    // another.
    let out = actix_web::rt::task::spawn_blocking(move || python("owslib", code, &[&url]))
        .await
        .expect("python");
    let Some(out) = out else {
        return;
    };
    let got: Value = serde_json::from_str(out.trim()).expect("json");
    assert!(
        got["conformance"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c.as_str().is_some_and(|c| c.ends_with("/conf/core")))
    );
    assert!(
        got["ids"]
            .as_array()
            .expect("ids")
            .iter()
            .any(|x| x == "hriste"),
        "{got}"
    );
    assert_eq!(got["n"], 5);
    assert_eq!(got["matched"], 14);
    // Zahradní (13.43931, 50.4551) and Pod Břízami (13.44297, 50.4632).
    assert_eq!(got["box"], json!(["H001"]), "{got}");
    assert_eq!(got["one"], "H001");
}

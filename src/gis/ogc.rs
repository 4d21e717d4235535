//! OGC API Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) over the
//! imported layers: `/ogc` and below, readable from any origin. A layer is
//! a collection named by its dataset's slug; its features are numbered
//! from 1 in the order they were imported.
//!
//! A query names only what the API defines (`f`, `bbox`, `bbox-crs`,
//! `crs`, `limit`, `offset`, `datetime`); anything else is a 400, as the
//! standard asks. `bbox` goes through the layer's R-tree; the page's
//! features are then read by number, their GeoJSON as it was stored.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::index::{Filter, Matched};
use super::model::{CRS84, Layer, OGC_CONFORMANCE};
use super::store::{self, About};
use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::web::Page;

/// Features on a page unless `limit` says, and at most.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 10_000;

/// The formats a response can take.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Html,
}

/// A query's parameters, each checked.
struct Params {
    format: Format,
    bbox: Option<[f64; 4]>,
    limit: usize,
    offset: usize,
    datetime: Option<(Option<i64>, Option<i64>)>,
    /// The query as given, for the links.
    raw: Vec<(String, String)>,
}

fn bad(detail: &str, field: &str) -> AppError {
    AppError::bad_request(detail.to_string(), Some(field))
}

fn format_of(req: &HttpRequest, f: Option<&str>) -> AppResult<Format> {
    match f {
        Some("json") | Some("geojson") => Ok(Format::Json),
        Some("html") => Ok(Format::Html),
        Some(_) => Err(bad("f must be json or html", "f")),
        None => {
            let accept = req
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            // A browser asks for HTML first; a client for JSON or anything.
            let html = accept.find("text/html");
            let json = accept.find("json");
            Ok(match (html, json) {
                (Some(h), Some(j)) if h < j => Format::Html,
                (Some(_), None) => Format::Html,
                _ => Format::Json,
            })
        }
    }
}

fn parse_params(req: &HttpRequest, allowed: &[&str]) -> AppResult<Params> {
    let raw: Vec<(String, String)> = serde_html_form::from_str(req.query_string())
        .map_err(|_| bad("the query is not readable", "query"))?;
    if raw.len() > 20 {
        return Err(bad("too many parameters", "query"));
    }
    let get = |k: &str| {
        raw.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    if let Some((k, _)) = raw.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        return Err(bad(&format!("unknown parameter {k}"), k));
    }
    for (k, v) in &raw {
        if v.len() > 200 {
            return Err(bad("a parameter is too long", k));
        }
    }
    for k in ["crs", "bbox-crs"] {
        if let Some(c) = get(k)
            && c != CRS84
            && super::crs::Crs::parse(c) != Some(super::crs::Crs::Wgs84)
        {
            return Err(bad("only CRS84 is served", k));
        }
    }
    let bbox = match get("bbox") {
        None => None,
        Some(b) => {
            let n: Vec<f64> = b
                .split(',')
                .map(|x| x.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| bad("bbox must be four or six numbers", "bbox"))?;
            let b = match n.as_slice() {
                [w, s, e, n] => [*w, *s, *e, *n],
                [w, s, _, e, n, _] => [*w, *s, *e, *n],
                _ => return Err(bad("bbox must be four or six numbers", "bbox")),
            };
            if b.iter().any(|x| !x.is_finite()) || b[1] > b[3] || b[1] < -90.0 || b[3] > 90.0 {
                return Err(bad("bbox is not a box of longitudes and latitudes", "bbox"));
            }
            if b[0] > b[2] {
                return Err(bad("a bbox across the antimeridian is not served", "bbox"));
            }
            Some(b)
        }
    };
    let limit = match get("limit") {
        None => DEFAULT_LIMIT,
        Some(l) => match l.parse::<usize>() {
            Ok(0) | Err(_) => return Err(bad("limit must be a positive integer", "limit")),
            // A larger limit is no error: the page is the largest served.
            Ok(n) => n.min(MAX_LIMIT),
        },
    };
    let offset = match get("offset") {
        None => 0,
        Some(o) => o
            .parse::<usize>()
            .map_err(|_| bad("offset must be a non-negative integer", "offset"))?,
    };
    let datetime = get("datetime").map(parse_interval).transpose()?;
    Ok(Params {
        format: format_of(req, get("f"))?,
        bbox,
        limit,
        offset,
        datetime,
        raw,
    })
}

/// `2026-01-01`, `2026-01-01T10:00:00Z`, `a/b`, `../b`, `a/..`.
fn parse_interval(s: &str) -> AppResult<(Option<i64>, Option<i64>)> {
    let end = |p: &str, last: bool| -> AppResult<Option<i64>> {
        if p.is_empty() || p == ".." {
            return Ok(None);
        }
        let t = super::read::instant(&Value::String(p.to_string())).ok_or_else(|| {
            bad(
                "datetime is not an RFC 3339 date, time or interval",
                "datetime",
            )
        })?;
        // A date alone is the whole day.
        let whole_day = last && !p.contains('T');
        Ok(Some(if whole_day { t + 86_399 } else { t }))
    };
    match s.split_once('/') {
        Some((a, b)) => {
            let (a, b) = (end(a, false)?, end(b, true)?);
            if let (Some(x), Some(y)) = (a, b)
                && x > y
            {
                return Err(bad("datetime ends before it starts", "datetime"));
            }
            Ok((a, b))
        }
        None => Ok((end(s, false)?, end(s, true)?)),
    }
}

fn base(state: &AppState) -> String {
    format!("{}/ogc", state.config.base())
}

fn link(href: String, rel: &str, kind: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": kind, "title": title})
}

fn json_response(v: &Value, kind: &str) -> HttpResponse {
    crate::web::headers::open(
        HttpResponse::Ok()
            .content_type(kind.to_string())
            .body(v.to_string()),
    )
}

/// A collection the request may read: a published dataset's layer, or a
/// draft's for the curators of its publisher.
async fn visible(
    state: &web::Data<AppState>,
    identity: &Identity,
    id: String,
) -> AppResult<(Layer, About)> {
    let user = identity.user().cloned();
    crate::db::run(&state.pool, move |c| {
        let (layer, about) = store::collection(c, &id)?.ok_or(AppError::NotFound)?;
        if about.status != "published" {
            let curator = match &user {
                Some(u) => crate::catalog::service::Policy::may_act_for(c, u, &about.publisher_id)?,
                None => false,
            };
            if !curator {
                return Err(AppError::NotFound);
            }
        }
        Ok((layer, about))
    })
    .await
    .map_err(AppError::from)
}

fn title(about: &About, page: &Page) -> String {
    match page.lang {
        crate::web::i18n::Lang::En => about.title_en.clone().unwrap_or(about.title_cs.clone()),
        _ => about.title_cs.clone(),
    }
}

fn collection_json(state: &AppState, layer: &Layer, about: &About) -> Value {
    let b = base(state);
    let c = &layer.collection;
    let mut v = json!({
        "id": c,
        "title": about.title_cs,
        "description": about.description_cs,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {"spatial": {"bbox": [layer.bbox()], "crs": CRS84}},
        "links": [
            link(format!("{b}/collections/{c}"), "self", "application/json", "Tato kolekce"),
            link(format!("{b}/collections/{c}?f=html"), "alternate", "text/html", "HTML"),
            link(format!("{b}/collections/{c}/items"), "items", "application/geo+json", "Prvky"),
            link(format!("{b}/collections/{c}/items?f=html"), "items", "text/html", "Prvky (HTML)"),
            link(format!("{}/datasets/{}", state.config.base(), about.slug), "describedby", "text/html", "Datová sada"),
        ],
        "numberOfFeatures": layer.feature_count,
    });
    if let Some(t) = &about.title_en {
        v["title_en"] = json!(t);
    }
    if layer.time_field.is_some() {
        v["extent"]["temporal"] = json!({"interval": [[null, null]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"});
    }
    v
}

/// `GET /ogc`: the landing page.
pub async fn landing(req: HttpRequest, page: Page) -> AppResult<HttpResponse> {
    let p = parse_params(&req, &["f"])?;
    let b = base(&page.state);
    let v = json!({
        "title": format!("{}: OGC API Features", page.t("site_name")),
        "description": page.t("ogc_description"),
        "links": [
            link(b.clone(), "self", "application/json", "Tento dokument"),
            link(format!("{b}?f=html"), "alternate", "text/html", "HTML"),
            link(format!("{b}/api"), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "OpenAPI"),
            link(format!("{b}/api?f=html"), "service-doc", "text/html", "Dokumentace API"),
            link(format!("{b}/conformance"), "conformance", "application/json", "Shoda se standardem"),
            link(format!("{b}/collections"), "data", "application/json", "Kolekce"),
        ],
    });
    if p.format == Format::Json {
        return Ok(json_response(&v, "application/json"));
    }
    let layers = published(&page.state).await?;
    let mut ctx = page.context();
    ctx.insert("collections", &collections_for_page(&layers, &page));
    render(&page, "gis/landing.html", &ctx)
}

async fn published(state: &web::Data<AppState>) -> AppResult<Vec<(Layer, About)>> {
    crate::db::run(&state.pool, |c| {
        store::published_layers(c).map_err(AppError::from)
    })
    .await
    .map_err(AppError::from)
}

fn collections_for_page(layers: &[(Layer, About)], page: &Page) -> Vec<Value> {
    layers
        .iter()
        .map(|(l, a)| {
            json!({"id": l.collection, "title": title(a, page), "slug": a.slug,
                   "count": l.feature_count, "bbox": l.bbox()})
        })
        .collect()
}

/// `GET /ogc/conformance`.
pub async fn conformance(req: HttpRequest) -> AppResult<HttpResponse> {
    parse_params(&req, &["f"])?;
    Ok(json_response(
        &json!({"conformsTo": OGC_CONFORMANCE}),
        "application/json",
    ))
}

/// `GET /ogc/collections`.
pub async fn collections(req: HttpRequest, page: Page) -> AppResult<HttpResponse> {
    let p = parse_params(&req, &["f"])?;
    let layers = published(&page.state).await?;
    if p.format == Format::Html {
        let mut ctx = page.context();
        ctx.insert("collections", &collections_for_page(&layers, &page));
        return render(&page, "gis/landing.html", &ctx);
    }
    let b = base(&page.state);
    let v = json!({
        "links": [
            link(format!("{b}/collections"), "self", "application/json", "Kolekce"),
            link(format!("{b}/collections?f=html"), "alternate", "text/html", "HTML"),
        ],
        "collections": layers.iter().map(|(l, a)| collection_json(&page.state, l, a)).collect::<Vec<_>>(),
    });
    Ok(json_response(&v, "application/json"))
}

/// `GET /ogc/collections/{id}`.
pub async fn collection(
    req: HttpRequest,
    page: Page,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let p = parse_params(&req, &["f"])?;
    let (layer, about) = visible(&page.state, &page.identity, id.into_inner()).await?;
    if p.format == Format::Html {
        return Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/ogc/collections/{}/items?f=html", layer.collection),
            ))
            .finish());
    }
    Ok(json_response(
        &collection_json(&page.state, &layer, &about),
        "application/json",
    ))
}

/// The query string of a link: the request's own parameters with some
/// replaced.
fn query_with(raw: &[(String, String)], set: &[(&str, String)]) -> String {
    let mut out: Vec<(String, String)> = raw
        .iter()
        .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
        .cloned()
        .collect();
    out.extend(set.iter().map(|(k, v)| (k.to_string(), v.clone())));
    serde_html_form::to_string(&out).unwrap_or_default()
}

/// What a page of items holds.
struct ItemsPage {
    matched: usize,
    rows: Vec<(i64, String, String)>,
}

async fn items_of(state: &web::Data<AppState>, layer: Layer, p: &Params) -> AppResult<ItemsPage> {
    let filter = Filter {
        bbox: p.bbox,
        // A layer without a date or time property has no temporal extent:
        // `datetime` then filters nothing (as most servers do).
        time: p.datetime.filter(|_| layer.time_field.is_some()),
    };
    let (offset, limit) = (p.offset, p.limit);
    let st = state.clone();
    crate::db::run(&state.pool, move |c| {
        let index = st.gis.get(c, &layer)?;
        let matched: Matched = index.query(filter);
        let fids = matched.page(offset, limit);
        let rows = store::features(c, &layer.feature_set, &fids)?;
        Ok::<_, AppError>(ItemsPage {
            matched: matched.len(),
            rows,
        })
    })
    .await
    .map_err(AppError::from)
}

/// `GET /ogc/collections/{id}/items`.
pub async fn items(req: HttpRequest, page: Page, id: web::Path<String>) -> AppResult<HttpResponse> {
    let p = parse_params(
        &req,
        &[
            "f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime",
        ],
    )?;
    let (layer, about) = visible(&page.state, &page.identity, id.into_inner()).await?;
    let fields = layer.fields();
    let collection = layer.collection.clone();
    let got = items_of(&page.state, layer.clone(), &p).await?;
    let b = format!("{}/collections/{collection}/items", base(&page.state));
    let returned = got.rows.len();
    let more = p.offset + returned < got.matched;
    if p.format == Format::Html {
        let features: Vec<Value> = got
            .rows
            .iter()
            .map(|(fid, _, props)| {
                let props: Value = serde_json::from_str(props).unwrap_or(Value::Null);
                let cells: Vec<String> = fields
                    .iter()
                    .map(|f| shown(props.get(&f.name), page.lang))
                    .collect();
                json!({"fid": fid, "cells": cells})
            })
            .collect();
        let mut ctx = page.context();
        ctx.insert("layer", &layer);
        ctx.insert("about", &about);
        ctx.insert("title", &title(&about, &page));
        ctx.insert("fields", &fields);
        ctx.insert("features", &features);
        ctx.insert("matched", &got.matched);
        ctx.insert("first", &(p.offset + 1));
        ctx.insert("last", &(p.offset + returned));
        ctx.insert(
            "next",
            &more.then(|| {
                format!(
                    "?{}",
                    query_with(&p.raw, &[("offset", (p.offset + p.limit).to_string())])
                )
            }),
        );
        ctx.insert(
            "prev",
            &(p.offset > 0).then(|| {
                format!(
                    "?{}",
                    query_with(
                        &p.raw,
                        &[("offset", p.offset.saturating_sub(p.limit).to_string())]
                    )
                )
            }),
        );
        // The map shows this page's features, fetched from the origin the
        // page came from (a path: the base URL may name another host, as
        // behind a proxy, and the CSP allows only this one).
        ctx.insert(
            "map_url",
            &format!(
                "/ogc/collections/{}/items?{}",
                layer.collection,
                query_with(&p.raw, &[("f", "json".into())])
            ),
        );
        ctx.insert("tile_url", &page.state.config.tile_url);
        ctx.insert("tile_attribution", &page.state.config.tile_attribution);
        return render(&page, "gis/items.html", &ctx);
    }
    let mut body = String::with_capacity(
        64 + got
            .rows
            .iter()
            .map(|r| r.1.len() + r.2.len() + 48)
            .sum::<usize>(),
    );
    body.push_str(r#"{"type":"FeatureCollection","features":["#);
    for (i, (fid, g, props)) in got.rows.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(r#"{"type":"Feature","id":"#);
        body.push_str(&fid.to_string());
        body.push_str(r#","geometry":"#);
        body.push_str(g);
        body.push_str(r#","properties":"#);
        body.push_str(props);
        body.push('}');
    }
    let mut links = vec![
        link(
            format!("{b}?{}", query_with(&p.raw, &[])),
            "self",
            "application/geo+json",
            "Tato stránka",
        ),
        link(
            format!("{b}?{}", query_with(&p.raw, &[("f", "html".into())])),
            "alternate",
            "text/html",
            "HTML",
        ),
        link(
            format!("{}/collections/{collection}", base(&page.state)),
            "collection",
            "application/json",
            "Kolekce",
        ),
    ];
    if more {
        links.push(link(
            format!(
                "{b}?{}",
                query_with(&p.raw, &[("offset", (p.offset + p.limit).to_string())])
            ),
            "next",
            "application/geo+json",
            "Další stránka",
        ));
    }
    if p.offset > 0 {
        links.push(link(
            format!(
                "{b}?{}",
                query_with(
                    &p.raw,
                    &[("offset", p.offset.saturating_sub(p.limit).to_string())]
                )
            ),
            "prev",
            "application/geo+json",
            "Předchozí stránka",
        ));
    }
    body.push_str(r#"],"numberMatched":"#);
    body.push_str(&got.matched.to_string());
    body.push_str(r#","numberReturned":"#);
    body.push_str(&returned.to_string());
    body.push_str(r#","timeStamp":"#);
    body.push_str(&json!(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()).to_string());
    body.push_str(r#","links":"#);
    body.push_str(&Value::Array(links).to_string());
    body.push('}');
    Ok(crate::web::headers::open(
        HttpResponse::Ok()
            .content_type("application/geo+json")
            .body(body),
    ))
}

/// A property value as a person reads it: text as it is, a multilingual
/// text (`{"cs": …, "en": …}`) in the page's language, the rest as JSON.
fn shown(v: Option<&Value>, lang: crate::web::i18n::Lang) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        // A thing with a name (OFN's `provozovatel`): its name.
        Some(Value::Object(m)) if m.get("název").is_some_and(Value::is_object) => {
            shown(m.get("název"), lang)
        }
        Some(Value::Object(m)) if m.contains_key("cs") => {
            let want = if lang == crate::web::i18n::Lang::En {
                "en"
            } else {
                "cs"
            };
            m.get(want)
                .or_else(|| m.get("cs"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        }
        Some(other) => other.to_string(),
    }
}

/// `GET /ogc/collections/{id}/items/{fid}`.
pub async fn item(
    req: HttpRequest,
    page: Page,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let p = parse_params(&req, &["f", "crs"])?;
    let (id, fid) = path.into_inner();
    let (layer, about) = visible(&page.state, &page.identity, id).await?;
    let set = layer.feature_set.clone();
    let rows = crate::db::run(&page.state.pool, move |c| {
        store::features(c, &set, &[fid]).map_err(AppError::from)
    })
    .await
    .map_err(AppError::from)?;
    let (fid, g, props) = rows.into_iter().next().ok_or(AppError::NotFound)?;
    let b = format!("{}/collections/{}", base(&page.state), layer.collection);
    if p.format == Format::Html {
        let props: Value = serde_json::from_str(&props).unwrap_or(Value::Null);
        let rows: Vec<Value> = layer
            .fields()
            .iter()
            .map(|f| json!({"name": f.name, "value": shown(props.get(&f.name), page.lang)}))
            .collect();
        let mut ctx = page.context();
        ctx.insert("layer", &layer);
        ctx.insert("about", &about);
        ctx.insert("title", &title(&about, &page));
        ctx.insert("fid", &fid);
        ctx.insert("rows", &rows);
        ctx.insert(
            "map_url",
            &format!("/ogc/collections/{}/items/{fid}?f=json", layer.collection),
        );
        ctx.insert("tile_url", &page.state.config.tile_url);
        ctx.insert("tile_attribution", &page.state.config.tile_attribution);
        return render(&page, "gis/item.html", &ctx);
    }
    let links = json!([
        link(
            format!("{b}/items/{fid}"),
            "self",
            "application/geo+json",
            "Tento prvek"
        ),
        link(
            format!("{b}/items/{fid}?f=html"),
            "alternate",
            "text/html",
            "HTML"
        ),
        link(b.clone(), "collection", "application/json", "Kolekce"),
    ]);
    let body = format!(
        r#"{{"type":"Feature","id":{fid},"geometry":{g},"properties":{props},"links":{links}}}"#
    );
    Ok(crate::web::headers::open(
        HttpResponse::Ok()
            .content_type("application/geo+json")
            .body(body),
    ))
}

/// An HTML page with a map: the CSP lets the base map's tiles in.
fn render(page: &Page, template: &str, ctx: &tera::Context) -> AppResult<HttpResponse> {
    let mut res = page.render(template, ctx)?;
    if let Some(csp) = crate::web::headers::map_csp(page.state.config.tile_origin().as_deref()) {
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_str(&csp)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("csp: {e}")))?,
        );
    }
    Ok(crate::web::headers::open(res))
}

/// `GET /ogc/api`: the OpenAPI 3.0 definition of this API.
pub async fn api(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let p = parse_params(&req, &["f"])?;
    let doc = openapi(&state);
    if p.format == Format::Html {
        let pretty = serde_json::to_string_pretty(&doc).unwrap_or_default();
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>OGC API Features: OpenAPI</title><link rel=\"stylesheet\" href=\"/static/radnice.css\"></head><body><main><h1>OGC API Features: OpenAPI 3.0</h1><pre>{}</pre></main></body></html>",
                html_escape(&pretty)
            )));
    }
    Ok(json_response(
        &doc,
        "application/vnd.oai.openapi+json;version=3.0",
    ))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn openapi(state: &AppState) -> Value {
    let f = json!({"name": "f", "in": "query", "required": false, "schema": {"type": "string", "enum": ["json", "html"]}});
    let id = json!({"name": "collectionId", "in": "path", "required": true, "schema": {"type": "string"}});
    let ok = |d: &str, kind: &str| json!({"200": {"description": d, "content": {kind: {}}}, "400": {"description": "Bad request"}, "404": {"description": "Not found"}});
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Radnice: OGC API Features", "version": "1.0.0",
                 "description": "The city's GIS layers (OGC API Features Part 1: Core)."},
        "servers": [{"url": base(state)}],
        "paths": {
            "/": {"get": {"summary": "Landing page", "operationId": "getLandingPage", "parameters": [f], "responses": ok("Landing page", "application/json")}},
            "/conformance": {"get": {"summary": "Conformance classes", "operationId": "getConformance", "parameters": [f], "responses": ok("Conformance", "application/json")}},
            "/api": {"get": {"summary": "This document", "operationId": "getApi", "parameters": [f], "responses": ok("OpenAPI", "application/vnd.oai.openapi+json;version=3.0")}},
            "/collections": {"get": {"summary": "Collections", "operationId": "getCollections", "parameters": [f], "responses": ok("Collections", "application/json")}},
            "/collections/{collectionId}": {"get": {"summary": "One collection", "operationId": "describeCollection", "parameters": [id, f], "responses": ok("Collection", "application/json")}},
            "/collections/{collectionId}/items": {"get": {
                "summary": "Features of a collection", "operationId": "getFeatures",
                "parameters": [id, f,
                    {"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                     "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
                    {"name": "bbox-crs", "in": "query", "required": false, "schema": {"type": "string", "enum": [CRS84]}},
                    {"name": "crs", "in": "query", "required": false, "schema": {"type": "string", "enum": [CRS84]}},
                    {"name": "limit", "in": "query", "required": false,
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
                    {"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "default": 0}},
                    {"name": "datetime", "in": "query", "required": false, "schema": {"type": "string"}}],
                "responses": ok("Features", "application/geo+json")}},
            "/collections/{collectionId}/items/{featureId}": {"get": {
                "summary": "One feature", "operationId": "getFeature",
                "parameters": [id, {"name": "featureId", "in": "path", "required": true, "schema": {"type": "integer"}}, f],
                "responses": ok("Feature", "application/geo+json")}}
        }
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test that fails says where")]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(
            parse_interval("2026-01-01/..").unwrap(),
            (Some(1_767_225_600), None)
        );
        assert_eq!(
            parse_interval("2026-01-01").unwrap(),
            (Some(1_767_225_600), Some(1_767_225_600 + 86_399))
        );
        assert!(parse_interval("2026-02-01/2026-01-01").is_err());
        assert!(parse_interval("včera").is_err());
    }
}

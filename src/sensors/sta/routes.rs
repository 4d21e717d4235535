//! The SensorThings handlers: one resource below the root takes every
//! method; the path says what is addressed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::graph::{Graph, Kind};
use super::read::Reader;
use super::{CONFORMANCE, ROOT, Target, query, resolve, segments, write};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::sensors::routes::Sent;
use crate::sensors::store;

/// The largest body of a single write; `CreateObservations` takes a
/// batch's (`sensors::routes::BATCH_LIMIT`).
pub const WRITE_LIMIT: usize = 1024 * 1024;

fn base(state: &AppState) -> String {
    format!("{}{ROOT}", state.config.base())
}

fn json(status: actix_web::http::StatusCode, body: Vec<u8>) -> HttpResponse {
    crate::web::headers::open(
        HttpResponse::build(status)
            .content_type("application/json")
            .body(body),
    )
}

/// `GET /sta/v1.1`: the entity sets and the conformance classes.
pub async fn root(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let base = base(&state);
    let sets: Vec<Value> = Kind::ALL
        .iter()
        .map(|k| json!({"name": k.set(), "url": format!("{base}/{}", k.set())}))
        .collect();
    let doc = json!({
        "value": sets,
        "serverSettings": {"conformance": CONFORMANCE},
    });
    Ok(json(
        actix_web::http::StatusCode::OK,
        doc.to_string().into_bytes(),
    ))
}

fn tail(req: &HttpRequest) -> String {
    req.uri()
        .path()
        .strip_prefix(ROOT)
        .unwrap_or_default()
        .to_string()
}

/// What a read answers: JSON, or a property's `$value` as text.
enum Answer {
    Json(Vec<u8>),
    Text(String),
}

/// `GET` of any resource path below the root.
pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let segs = segments(&tail(&req))?;
    let opts = query::parse(req.uri().query().unwrap_or_default())?;
    let base = base(&state);
    let answer = crate::db::run(&state.pool, move |c| -> Result<Answer, AppError> {
        let g = Graph::new(store::things(c)?, store::datastreams(c)?, base);
        let now = crate::sensors::model::micros(chrono::Utc::now());
        let mut r = Reader::new(&g, now);
        let doc = match resolve(c, &g, &segs)? {
            Target::Entity(e) => r.entity(c, e, &opts)?,
            Target::Collection(rel, path) => r.list(c, rel, &opts, &path)?.document(),
            Target::Property(e, name, raw) => {
                let v = g.body(&e).remove(&name).unwrap_or(Value::Null);
                if raw {
                    return Ok(Answer::Text(match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    }));
                }
                json!({ name: v })
            }
            Target::Refs(t) => {
                let refs = query::Options {
                    select: Some(vec!["selfLink".into()]),
                    ..opts
                };
                match *t {
                    Target::Entity(e) => json!({"@iot.selfLink": g.self_link(&e)}),
                    Target::Collection(rel, path) => {
                        r.list(c, rel, &refs, &format!("{path}/$ref"))?.document()
                    }
                    _ => return Err(AppError::Missing("only entities have a $ref".into())),
                }
            }
        };
        Ok(Answer::Json(doc.to_string().into_bytes()))
    })
    .await?;
    Ok(match answer {
        Answer::Json(b) => json(actix_web::http::StatusCode::OK, b),
        Answer::Text(t) => crate::web::headers::open(
            HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .body(t),
        ),
    })
}

fn body_json(req: &HttpRequest, bytes: &[u8]) -> Result<(Value, bool), AppError> {
    let patch = match crate::sensors::routes::media_type(req).as_str() {
        "application/json" => false,
        "application/json-patch+json" => true,
        _ => return Err(AppError::UnsupportedMediaType),
    };
    if crate::bounds::json_depth(bytes) > crate::bounds::MAX_DOCUMENT_DEPTH {
        return Err(AppError::bad_request("the JSON is nested too deeply", None));
    }
    let v = serde_json::from_slice(bytes)
        .map_err(|e| AppError::bad_request(format!("the body is not JSON: {e}"), None))?;
    Ok((v, patch))
}

fn written(w: write::Written) -> HttpResponse {
    let status = if w.created {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    let mut res = HttpResponse::build(status);
    if let Some(l) = &w.location {
        res.insert_header((header::LOCATION, l.clone()));
    }
    if w.body.is_null() {
        res.finish()
    } else {
        res.content_type("application/json")
            .body(w.body.to_string())
    }
}

/// `POST`: an entity into a collection, or `CreateObservations`.
pub async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Sent<web::Bytes>,
) -> AppResult<HttpResponse> {
    let segs = segments(&tail(&req))?;
    let Sent {
        sender,
        body: bytes,
    } = body;
    let batch = matches!(segs.as_slice(), [s] if s.name == "CreateObservations" && s.id.is_none());
    if !batch && bytes.len() > WRITE_LIMIT {
        return Err(AppError::PayloadTooLarge);
    }
    let (v, _) = body_json(&req, &bytes)?;
    let base = base(&state);
    let st = state.clone();
    let w = crate::db::run(&state.pool, move |c| {
        if batch {
            write::create_observations(c, &sender, &base, &v)
        } else {
            let w = write::create(c, &sender, &base, &segs, &v)?;
            st.views.after_commit(c, REGISTRY_CHANGES);
            Ok(w)
        }
    })
    .await?;
    Ok(written(w))
}

/// What a registry write may change besides the registry: a station's
/// dataset gets or loses its managed distributions.
const REGISTRY_CHANGES: &[&str] = &["dataset"];

/// `PATCH` (JSON merge or JSON Patch) and `PUT` of one entity.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Sent<web::Bytes>,
) -> AppResult<HttpResponse> {
    let segs = segments(&tail(&req))?;
    let Sent {
        sender,
        body: bytes,
    } = body;
    if bytes.len() > WRITE_LIMIT {
        return Err(AppError::PayloadTooLarge);
    }
    let (v, patch) = body_json(&req, &bytes)?;
    let base = base(&state);
    let st = state.clone();
    let w = crate::db::run(&state.pool, move |c| {
        let w = write::update(c, &sender, &base, &segs, &v, patch)?;
        st.views.after_commit(c, REGISTRY_CHANGES);
        Ok::<_, AppError>(w)
    })
    .await?;
    Ok(written(w))
}

/// `DELETE` of one entity.
pub async fn delete(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let segs = segments(&tail(&req))?;
    let sender = crate::sensors::routes::sender_of(&req).await?;
    let base = base(&state);
    let st = state.clone();
    crate::db::run(&state.pool, move |c| {
        write::delete(c, &sender, &base, &segs)?;
        st.views.after_commit(c, REGISTRY_CHANGES);
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(HttpResponse::Ok().finish())
}

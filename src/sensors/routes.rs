//! The sensor domain's handlers: a batch of observations.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{input, service};
use crate::AppState;
use crate::auth::guard::{Authorized, EditCatalog};
use crate::error::{AppError, AppResult};
use crate::files::routes::api_user;

/// The largest batch body: 100,000 items of about 80 bytes fit.
pub const BATCH_LIMIT: usize = 16 * 1024 * 1024;

/// `POST /api/v1/observations`: a JSON array or a CSV body (by its
/// `Content-Type`), sent with an API token of an admin or of a curator of
/// the stations' publisher. Answers what was stored and why each refused
/// item was.
pub(crate) async fn api_observations(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Authorized<EditCatalog, web::Bytes>,
) -> AppResult<HttpResponse> {
    api_user(&body.user)?;
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let csv = match media.as_str() {
        "application/json" => false,
        "text/csv" => true,
        _ => return Err(AppError::UnsupportedMediaType),
    };
    let user = body.user.clone();
    let bytes = body.body;
    // Reading 100,000 items is work: off the executor, with the store.
    let report = crate::db::run(&state.pool, move |c| {
        let now = super::model::micros(chrono::Utc::now());
        let batch = match input::read(&bytes, csv, now) {
            Ok(b) => b,
            Err(e) => return Ok(Err(e)),
        };
        service::ingest(c, &user, batch).map(Ok)
    })
    .await??;
    Ok(HttpResponse::Ok().json(report))
}

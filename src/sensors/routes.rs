//! The sensor domain's handlers: a batch of observations, and who sent it.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;

use super::model::DEVICE_TOKEN_PREFIX;
use super::service::{self, Sender};
use super::{input, store};
use crate::AppState;
use crate::auth::Role;
use crate::error::{AppError, AppResult};

/// The largest batch body: 100,000 items of about 80 bytes fit.
pub const BATCH_LIMIT: usize = 16 * 1024 * 1024;

/// The secret an `Authorization` header carries: a Bearer token, or the
/// password of HTTP Basic (what SensorThings clients such as FROST's
/// send; the user name is not read).
pub fn secret_of(req: &HttpRequest) -> Option<String> {
    use base64::Engine;
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.trim().split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.trim().to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (_, password) = text.split_once(':')?;
        return Some(password.to_string());
    }
    None
}

/// Resolves the sender of a write: a station's device token, or the API
/// token of an admin or a curator. None given is 401, a wrong one 401, a
/// user of another role 403.
pub async fn sender_of(req: &HttpRequest) -> Result<Sender, AppError> {
    let secret = secret_of(req).ok_or(AppError::Unauthenticated)?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
    let found = crate::db::run(&state.pool, move |c| {
        let hash = crate::auth::sha256_hex(&secret);
        if secret.starts_with(DEVICE_TOKEN_PREFIX) {
            return Ok::<_, diesel::result::Error>(
                store::thing_by_token(c, &hash)?
                    .map(|(token_id, thing_id)| Sender::Device { token_id, thing_id }),
            );
        }
        crate::auth::store::user_by_token(c, &secret)?
            .map(|u| crate::auth::identity::current_user(c, u, true).map(Sender::User))
            .transpose()
    })
    .await?
    .ok_or(AppError::Unauthenticated)?;
    if let Sender::User(u) = &found
        && !u.has(Role::Admin)
        && !u.has(Role::Curator)
    {
        return Err(AppError::Forbidden);
    }
    Ok(found)
}

/// A body read only after its sender is known (`sender_of`): an
/// anonymous batch is refused before a byte of it is read.
pub struct Sent<T> {
    pub sender: Sender,
    pub body: T,
}

impl<T: FromRequest + 'static> FromRequest for Sent<T>
where
    T::Error: Into<actix_web::Error>,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let sender = sender_of(&req).await?;
            let body = T::from_request(&req, &mut payload)
                .await
                .map_err(Into::into)?;
            Ok(Sent { sender, body })
        })
    }
}

/// A request's media type, lower case, without its parameters.
pub fn media_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// `POST /api/v1/observations`: a JSON array or a CSV body (by its
/// `Content-Type`), sent with a station's device token or the API token
/// of an admin or of a curator of the stations' publisher. Answers what
/// was stored and why each refused item was.
pub(crate) async fn api_observations(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Sent<web::Bytes>,
) -> AppResult<HttpResponse> {
    let csv = match media_type(&req).as_str() {
        "application/json" => false,
        "text/csv" => true,
        _ => return Err(AppError::UnsupportedMediaType),
    };
    let Sent {
        sender,
        body: bytes,
    } = body;
    // Reading 100,000 items is work: off the executor, with the store.
    let report = crate::db::run(&state.pool, move |c| {
        let now = super::model::micros(chrono::Utc::now());
        let batch = match input::read(&bytes, csv, now) {
            Ok(b) => b,
            Err(e) => return Ok(Err(e)),
        };
        service::ingest(c, &sender, batch).map(Ok)
    })
    .await??;
    Ok(HttpResponse::Ok().json(report))
}

//! CSRF, checked once for every route by `Guard`, a middleware: a handler
//! never verifies a token by hand, and a new route cannot forget to.
//!
//! The token a form carries is bound to the session: it is derived from the
//! session cookie's secret, so a token planted by another site (or another
//! subdomain that can set cookies) never matches a signed-in user's session.
//! A visitor without a session (the login form) has a random token in an
//! HttpOnly, SameSite=Lax cookie and sends it back in the form (double
//! submit). Every unsafe request that a browser could send with our cookies
//! carries the token: as the form field `csrf_token` (URL-encoded forms; the
//! first part of a multipart form), or as the `X-CSRF-Token` header.
//! Exempt: requests with a bearer token (no cookie is read for them), the
//! SPARQL endpoint (a query, not a write), and the JSON API, whose writes
//! never read the session cookie (`Identity`). Every other unsafe
//! request but the login needs a signed-in user, checked here before its
//! body is read: an anonymous one is 401 whatever its body.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use subtle::ConstantTimeEq;

use super::identity::SESSION_COOKIE;
use crate::error::AppError;

pub const COOKIE: &str = "radnice_csrf";
pub const FIELD: &str = "csrf_token";
/// Reset links' forms are sent by someone not signed in, as the login is;
/// the double-submit token guards them the same way.
const RESET_PREFIX: &str = "/password-reset/";
pub const HEADER: &str = "x-csrf-token";
/// The one form an anonymous visitor sends.
const LOGIN: &str = "/login";

/// The token of this request; `fresh` when the cookie must still be set.
#[derive(Clone, Debug)]
pub struct CsrfToken {
    pub value: String,
    pub fresh: bool,
}

fn is_token(v: &str) -> bool {
    v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The token a signed-in session's forms carry.
fn session_token(session: &str) -> String {
    super::sha256_hex(&format!("csrf\u{1f}{session}"))
}

/// Called for every request before the handler runs.
pub fn attach(req: &ServiceRequest) {
    let token = match (req.cookie(SESSION_COOKIE), req.cookie(COOKIE)) {
        (Some(s), _) => CsrfToken {
            value: session_token(s.value()),
            // The visitor's own cookie is kept for after the logout.
            fresh: req.cookie(COOKIE).is_none_or(|c| !is_token(c.value())),
        },
        (None, Some(c)) if is_token(c.value()) => CsrfToken {
            value: c.value().to_string(),
            fresh: false,
        },
        _ => CsrfToken {
            value: super::random_secret(),
            fresh: true,
        },
    };
    req.extensions_mut().insert(token);
}

/// The cookie of a visitor's own token; a response sets it when `fresh`.
/// With a session, the cookie holds a random token for after the logout,
/// not the session's one.
pub fn cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish()
}

/// The value of the cookie to set for this request, if one must be set.
pub fn cookie_value(req: &HttpRequest) -> Option<String> {
    let fresh = req.extensions().get::<CsrfToken>().is_some_and(|t| t.fresh);
    if !fresh {
        return None;
    }
    match req.cookie(SESSION_COOKIE) {
        // The page's token is the session's; the cookie gets its own.
        Some(_) => Some(super::random_secret()),
        None => Some(token_of(req)),
    }
}

pub fn token_of(req: &HttpRequest) -> String {
    req.extensions()
        .get::<CsrfToken>()
        .map(|t| t.value.clone())
        .unwrap_or_default()
}

/// The token a request must carry, or `None` when it needs none.
fn expected(req: &ServiceRequest) -> Option<String> {
    if req.method().is_safe() {
        return None;
    }
    if super::identity::bearer(req.request()).is_some() {
        return None;
    }
    // The API's writes never read the session cookie (`Identity`).
    if req.path() == "/sparql" || crate::web::is_api(req.request()) {
        return None;
    }
    let session = req.cookie(SESSION_COOKIE);
    Some(match session {
        Some(s) => session_token(s.value()),
        // No cookie: nothing can match, the request is refused.
        None => req
            .cookie(COOKIE)
            .map(|c| c.value().to_string())
            .filter(|v| is_token(v))
            .unwrap_or_default(),
    })
}

fn matches(expected: &str, submitted: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(submitted.trim().as_bytes()))
}

/// The middleware. Reads at most `limit` bytes of a URL-encoded body (the
/// same limit the handlers have) and gives them back to the handler.
pub struct Guard {
    pub limit: usize,
}

impl<S, B> Transform<S, ServiceRequest> for Guard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = GuardService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(GuardService {
            service: Rc::new(service),
            limit: self.limit,
        }))
    }
}

pub struct GuardService<S> {
    service: Rc<S>,
    limit: usize,
}

impl<S, B> Service<ServiceRequest> for GuardService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let limit = self.limit;
        Box::pin(async move {
            let Some(expected) = expected(&req) else {
                return service.call(req).await.map(|r| r.map_into_boxed_body());
            };
            // Every write but the login and a reset link's form is a
            // signed-in user's: an anonymous one is refused before a byte of
            // its body is read.
            if req.path() != LOGIN && !req.path().starts_with(RESET_PREFIX) {
                let identity =
                    match super::Identity::from_request(req.request(), &mut Payload::None).await {
                        Ok(identity) => identity,
                        Err(e) => return Ok(req.error_response(e)),
                    };
                if identity.user().is_none() {
                    return Ok(req.error_response(AppError::Unauthenticated));
                }
            }
            let header = req
                .headers()
                .get(HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let submitted = match header {
                Some(h) => Some(h),
                None => match submitted_in_body(&mut req, limit).await {
                    Ok(found) => found,
                    Err(e) => return Ok(req.error_response(e)),
                },
            };
            if !submitted.is_some_and(|s| matches(&expected, &s)) {
                return Ok(req.error_response(AppError::Csrf));
            }
            service.call(req).await.map(|r| r.map_into_boxed_body())
        })
    }
}

/// The `csrf_token` field of a form body, which is read and put back for
/// the handler: all of a URL-encoded one (up to `limit`), the first part of
/// a multipart one (where our forms put it).
async fn submitted_in_body(
    req: &mut ServiceRequest,
    limit: usize,
) -> Result<Option<String>, actix_web::Error> {
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut payload = req.take_payload();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge.into());
            }
            body.extend_from_slice(&chunk);
        }
        let body = body.freeze();
        let found = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned());
        req.set_payload(replay(body, None));
        return Ok(found);
    }
    if content_type.starts_with("multipart/form-data") {
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .next()
            .map(|b| b.trim_matches('"').to_string());
        // The boundary's case matters; the lower-cased copy only found it.
        let boundary = boundary.and_then(|b| {
            let raw = req.headers().get(actix_web::http::header::CONTENT_TYPE)?;
            let raw = raw.to_str().ok()?;
            let at = raw.to_ascii_lowercase().find(&b)?;
            raw.get(at..at + b.len()).map(str::to_string)
        });
        let mut head = BytesMut::new();
        let mut found = None;
        // The first part is a token and a few headers: 16 KiB is plenty.
        while head.len() < 16 * 1024 {
            match payload.next().await {
                Some(chunk) => head.extend_from_slice(&chunk?),
                None => break,
            }
            if let Some(b) = &boundary
                && let Some(v) = first_part_field(&head, b)
            {
                found = v;
                break;
            }
        }
        req.set_payload(replay(head.freeze(), Some(payload)));
        return Ok(found);
    }
    req.set_payload(payload);
    Ok(None)
}

/// The first part of a multipart body once it has been read whole:
/// `Some(Some(token))` when it is the CSRF field, `Some(None)` when it is
/// another field, `None` when more bytes are needed.
fn first_part_field(head: &[u8], boundary: &str) -> Option<Option<String>> {
    let text = String::from_utf8_lossy(head);
    let start = text.find(&format!("--{boundary}\r\n"))? + boundary.len() + 4;
    let rest = &text[start..];
    let headers_end = rest.find("\r\n\r\n")?;
    let headers = rest[..headers_end].to_ascii_lowercase();
    let value_start = headers_end + 4;
    let value_end = rest[value_start..].find(&format!("\r\n--{boundary}"))?;
    let named = headers.contains(&format!("name=\"{FIELD}\""));
    Some(named.then(|| rest[value_start..value_start + value_end].to_string()))
}

/// What was read, then the rest of the body.
fn replay(read: Bytes, rest: Option<Payload>) -> Payload {
    let first = futures_util::stream::once(async move { Ok(read) });
    match rest {
        None => Payload::Stream {
            payload: Box::pin(first),
        },
        Some(rest) => Payload::Stream {
            payload: Box::pin(first.chain(rest)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_multipart_part_is_read_only_when_whole() {
        let b = "XyZ";
        let body =
            "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ\r\n";
        assert_eq!(
            first_part_field(body.as_bytes(), b),
            Some(Some("abc".into()))
        );
        assert_eq!(first_part_field(&body.as_bytes()[..40], b), None);
        let other = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--XyZ";
        assert_eq!(first_part_field(other.as_bytes(), b), Some(None));
    }

    #[test]
    fn a_session_token_is_not_the_cookie_nor_empty() {
        let t = session_token("s");
        assert!(is_token(&t));
        assert!(matches(&t, &format!(" {t} ")));
        assert!(!matches("", ""));
        assert!(!matches(&t, "s"));
    }
}

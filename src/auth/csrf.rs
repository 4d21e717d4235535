//! CSRF: a double-submit token. Every visitor gets a random token in an
//! HttpOnly, SameSite=Lax cookie; every form carries the same token in a
//! hidden field; a POST whose field does not match the cookie is refused.
//! A cross-site page can neither read the cookie nor our forms.

use actix_web::HttpMessage;
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use subtle::ConstantTimeEq;

use crate::error::AppError;

pub const COOKIE: &str = "radnice_csrf";
pub const FIELD: &str = "csrf_token";

/// The token of this request; `fresh` when the cookie must still be set.
#[derive(Clone, Debug)]
pub struct CsrfToken {
    pub value: String,
    pub fresh: bool,
}

/// Called for every request before the handler runs.
pub fn attach(req: &actix_web::dev::ServiceRequest) {
    let token = match req.cookie(COOKIE) {
        Some(c) if c.value().len() == 64 && c.value().bytes().all(|b| b.is_ascii_hexdigit()) => {
            CsrfToken {
                value: c.value().to_string(),
                fresh: false,
            }
        }
        _ => CsrfToken {
            value: super::random_secret(),
            fresh: true,
        },
    };
    req.extensions_mut().insert(token);
}

pub fn cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish()
}

pub fn token_of(req: &HttpRequest) -> String {
    req.extensions()
        .get::<CsrfToken>()
        .map(|t| t.value.clone())
        .unwrap_or_default()
}

/// Every form POST calls this before anything else.
pub fn verify(req: &HttpRequest, submitted: &str) -> Result<(), AppError> {
    let Some(cookie) = req.cookie(COOKIE) else {
        return Err(AppError::Csrf);
    };
    let expected = cookie.value().as_bytes();
    if expected.is_empty() || !bool::from(expected.ct_eq(submitted.as_bytes())) {
        return Err(AppError::Csrf);
    }
    Ok(())
}

//! The message a page shows once after a form sent the browser on ("Změny
//! jsou uložené."): the redirect sets a short-lived cookie naming a message
//! of the i18n catalogue, the next page shows it and clears the cookie. Only
//! `flash_*` keys are shown, so a forged cookie can name nothing else.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{HttpRequest, HttpResponse};

const COOKIE: &str = "radnice_flash";
const PREFIX: &str = "flash_";

/// A 303 to `location` that shows the message `key` (a `flash_*` key of
/// the i18n catalogue) on the page it leads to.
pub fn see_other(location: &str, key: &'static str, secure: bool) -> HttpResponse {
    debug_assert!(key.starts_with(PREFIX));
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .cookie(
            Cookie::build(COOKIE, key)
                .path("/")
                .max_age(Duration::seconds(60))
                .same_site(SameSite::Lax)
                .secure(secure)
                .http_only(true)
                .finish(),
        )
        .finish()
}

/// The message key the request carries, if it is one.
pub fn of(req: &HttpRequest) -> Option<String> {
    let v = req.cookie(COOKIE)?.value().to_string();
    (v.starts_with(PREFIX)
        && v.len() <= 64
        && v.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    .then_some(v)
}

/// Clears the message once a page has shown it.
pub fn clear(res: &mut HttpResponse) {
    let mut gone = Cookie::build(COOKIE, "").path("/").finish();
    gone.make_removal();
    let _ = res.add_cookie(&gone);
}

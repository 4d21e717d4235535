//! Security headers on every response.

use actix_web::http::header::{HeaderName, HeaderValue};

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The policy of a page with a map: `CSP`, with the base map's tile
/// server allowed to send images. `None` when no tiles are configured
/// (the layout's policy then holds).
/// Lets a page's map load its base map's tiles: the response's CSP
/// admits the tile origin (none configured: the default CSP stays).
pub fn allow_map(res: &mut actix_web::HttpResponse, tile_origin: Option<&str>) {
    if let Some(csp) = map_csp(tile_origin)
        && let Ok(v) = actix_web::http::header::HeaderValue::from_str(&csp)
    {
        res.headers_mut()
            .insert(actix_web::http::header::CONTENT_SECURITY_POLICY, v);
    }
}

pub fn map_csp(tile_origin: Option<&str>) -> Option<String> {
    let origin = tile_origin?;
    Some(CSP.replace(
        "img-src 'self' data:;",
        &format!("img-src 'self' data: {origin};"),
    ))
}

pub fn apply(headers: &mut actix_web::http::header::HeaderMap, https: bool) {
    // A stored file's download brings its own, stricter policy (`files`).
    let own_policy = headers.contains_key("content-security-policy");
    let mut set = |name: &'static str, value: &'static str| {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    };
    if !own_policy {
        set("content-security-policy", CSP);
    }
    set("x-content-type-options", "nosniff");
    set("referrer-policy", "strict-origin-when-cross-origin");
    set("x-frame-options", "DENY");
    set("cross-origin-opener-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    if https {
        set(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
}

/// Marks a response as readable from any origin and as varying by Accept
/// (a public document whose URL also serves other formats).
pub fn open(mut res: actix_web::HttpResponse) -> actix_web::HttpResponse {
    use actix_web::http::header;
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    h.insert(header::VARY, header::HeaderValue::from_static("Accept"));
    res
}

/// The JSON API's reads are open to any origin, as the RDF documents are:
/// a page elsewhere may read the catalog from the browser. Writes are not
/// (they need a token, which a browser never sends across origins here).
pub fn open_api_reads(res: &mut actix_web::dev::ServiceResponse) {
    use actix_web::http::{Method, header};
    let req = res.request();
    if (req.path().starts_with("/api/v1/") || req.path().starts_with("/sta/"))
        && matches!(*req.method(), Method::GET | Method::HEAD)
    {
        res.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            header::HeaderValue::from_static("*"),
        );
    }
}

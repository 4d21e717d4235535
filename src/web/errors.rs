//! Turns every error response into a page the client can read: an HTML page
//! in the user's language for browsers, an RFC 9457 problem document for
//! JSON clients and everything under `/api/`.

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PayloadError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::AppState;
use crate::error::AppError;
use crate::web::Lang;

struct Described {
    title_key: &'static str,
    detail: Option<String>,
    field: Option<String>,
    fields: Vec<crate::error::FieldError>,
    /// A refused lifecycle step: the states that are allowed instead.
    allowed: Option<Vec<&'static str>>,
}

fn describe(res: &ServiceResponse<BoxBody>) -> Described {
    let status = res.status();
    let mut d = Described {
        title_key: match status {
            StatusCode::NOT_FOUND => "error_not_found",
            StatusCode::METHOD_NOT_ALLOWED => "error_method",
            StatusCode::PAYLOAD_TOO_LARGE => "error_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "error_media_type",
            s if s.is_client_error() => "error_bad_request",
            _ => "error_internal",
        },
        detail: None,
        field: None,
        fields: Vec::new(),
        allowed: None,
    };
    let Some(err) = res.response().error() else {
        return d;
    };
    if let Some(app) = err.as_error::<AppError>() {
        d.title_key = app.title_key();
        match app {
            AppError::BadRequest { detail, field } => {
                d.detail = Some(detail.clone());
                d.field = field.clone();
            }
            AppError::Validation(fields) => d.fields = fields.clone(),
            AppError::Transition { from, to, allowed } => {
                d.detail = Some(format!("{from} → {to}"));
                d.allowed = Some(allowed.clone());
            }
            AppError::Conflict(detail)
            | AppError::MethodNotAllowed(detail)
            | AppError::Missing(detail)
            | AppError::Gone(detail)
            | AppError::Unavailable(detail)
            | AppError::Busy { detail, .. } => d.detail = Some(detail.clone()),
            _ => {}
        }
    } else if let Some(json_err) = err.as_error::<JsonPayloadError>() {
        match json_err {
            JsonPayloadError::Deserialize(e) => {
                d.detail = Some(e.to_string());
                d.field = field_of_serde_message(&e.to_string());
            }
            JsonPayloadError::ContentType => d.title_key = "error_media_type",
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                d.title_key = "error_too_large"
            }
            other => d.detail = Some(other.to_string()),
        }
    } else if let Some(form_err) = err.as_error::<UrlencodedError>() {
        d.detail = Some(form_err.to_string());
        d.field = field_of_serde_message(&form_err.to_string());
    } else if err.as_error::<PayloadError>().is_some() || status.is_client_error() {
        d.detail = Some(err.to_string());
    }
    d
}

/// serde names the field in its message ("missing field `email`").
fn field_of_serde_message(msg: &str) -> Option<String> {
    let start = msg.find('`')?;
    let rest = &msg[start + 1..];
    let end = rest.find('`')?;
    Some(rest[..end].to_string())
}

pub fn wants_json(req: &HttpRequest) -> bool {
    if super::is_api(req) {
        return true;
    }
    let accept = req
        .headers()
        .get("Accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // A SPARQL client asks for results formats, not pages.
    let sparql = req.path() == "/sparql" && !accept.starts_with("text/html");
    sparql
        || ((accept.contains("application/json") || accept.contains("application/problem+json"))
            && !accept.contains("text/html"))
}

pub fn finish(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    // Only responses that carry an error get a new body: a form re-rendered
    // with its field errors (422) is already the page the user must see.
    if !(status.is_client_error() || status.is_server_error()) || res.response().error().is_none() {
        return res;
    }
    let described = describe(&res);
    let (req, old) = res.into_parts();
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return ServiceResponse::new(req, old);
    };
    let lang = Lang::of(&req);
    let title = state.i18n.text(lang, described.title_key).to_string();

    // A browser that must log in is sent to the login page instead. Not a
    // client that sent credentials (a wrong bearer token would be sent to a
    // login page that refuses the same token, and so on for ever), and never
    // the login page itself.
    if status == StatusCode::UNAUTHORIZED
        && !wants_json(&req)
        && req.method() == "GET"
        && req.headers().get("Authorization").is_none()
        && req.path() != "/login"
    {
        let next = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let location = format!("/login?next={}", url_escape(next));
        let res = HttpResponse::SeeOther()
            .insert_header(("Location", location))
            .finish();
        return ServiceResponse::new(req, res);
    }

    let mut builder = HttpResponse::build(status);
    for name in ["retry-after", "www-authenticate"] {
        if let Some(v) = old.headers().get(name) {
            builder.insert_header((name, v.clone()));
        }
    }
    if status == StatusCode::UNAUTHORIZED {
        builder.insert_header(("WWW-Authenticate", "Bearer realm=\"radnice\""));
    }
    let field_errors: Vec<serde_json::Value> = described
        .fields
        .iter()
        .map(|f| {
            let mut e = json!({"field": f.field, "detail": state.i18n.text(lang, &f.message)});
            if let (Some(line), Some(column)) = (f.line, f.column) {
                e["line"] = json!(line);
                e["column"] = json!(column);
            }
            if let Some(feature) = &f.feature {
                e["feature"] = json!(feature);
            }
            e
        })
        .collect();

    let res = if wants_json(&req) {
        let mut body = json!({
            "type": "about:blank",
            "title": title,
            "status": status.as_u16(),
            "instance": req.path(),
        });
        if let Some(detail) = &described.detail {
            body["detail"] = json!(detail);
        }
        if let Some(field) = &described.field {
            body["field"] = json!(field);
        }
        if !field_errors.is_empty() {
            body["errors"] = json!(field_errors);
        }
        if let Some(allowed) = &described.allowed {
            body["allowed"] = json!(allowed);
        }
        builder
            .content_type("application/problem+json")
            .body(body.to_string())
    } else {
        // The layout's variables as every page has them; the header still
        // shows who is signed in when the request got that far.
        let identity = req
            .extensions()
            .get::<crate::auth::Identity>()
            .cloned()
            .unwrap_or_default();
        let mut ctx = match super::Page::build(&req, identity) {
            Ok(page) => page.context(),
            Err(_) => tera::Context::new(),
        };
        ctx.insert("status", &status.as_u16());
        ctx.insert("title", &title);
        ctx.insert("detail", &described.detail);
        ctx.insert("field", &described.field);
        ctx.insert("errors", &field_errors);
        ctx.insert("allowed", &described.allowed);
        match state.templates.render("error.html", &ctx) {
            Ok(html) => builder.content_type("text/html; charset=utf-8").body(html),
            Err(e) => {
                log::error!("rendering error page: {e:#}");
                builder
                    .content_type("text/plain; charset=utf-8")
                    .body(title)
            }
        }
    };
    ServiceResponse::new(req, res)
}

pub fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

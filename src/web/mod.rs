//! The page kit every domain uses: page context, forms, i18n, static
//! assets, error pages and security headers. It names no domain: the route
//! table is `crate::routes`, the home page `crate::home`.

pub mod assets;
pub mod chart;
pub mod errors;
pub mod flash;
pub mod forms;
pub mod headers;
pub mod i18n;
pub mod showcase;

use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use rust_embed::RustEmbed;

use crate::AppState;
use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
pub use i18n::Lang;

#[derive(RustEmbed)]
#[folder = "templates/"]
#[include = "*.html"]
struct TemplateFiles;

/// Builds the tera instance once at start from the embedded templates.
pub fn templates() -> anyhow::Result<tera::Tera> {
    let mut tera = tera::Tera::new();
    let mut sources = Vec::new();
    for name in TemplateFiles::iter() {
        let file =
            TemplateFiles::get(&name).ok_or_else(|| anyhow::anyhow!("template {name} vanished"))?;
        let text = String::from_utf8(file.data.into_owned())
            .map_err(|_| anyhow::anyhow!("template {name} is not UTF-8"))?;
        sources.push((name.to_string(), text));
    }
    tera.register_filter("urlencode", |s: &str, _: tera::Kwargs, _: &tera::State| {
        errors::url_escape(s)
    });
    tera.register_filter("loc", localized);
    tera.register_filter("num", number);
    tera.add_raw_templates(sources)
        .map_err(|e| anyhow::anyhow!("templates: {e:#}"))?;
    Ok(tera)
}

/// `{{ d | loc(field="title") }}`: the English `title_en` on an English page
/// when it is filled, else the Czech `title_cs`, which every bilingual
/// value has. The page's language is its `lang` variable; `lang=` overrides
/// it where a component does not see the page's variables.
fn localized(
    value: &tera::Value,
    kwargs: tera::Kwargs,
    state: &tera::State,
) -> tera::TeraResult<tera::Value> {
    let field = kwargs.must_get::<&str>("field")?;
    let lang = match kwargs.get::<&str>("lang")? {
        Some(l) => l.to_string(),
        None => state.get::<String>("lang")?.unwrap_or_default(),
    };
    let pick = |suffix: &str| {
        value
            .get_from_path(&format!("{field}_{suffix}"))
            .filter(|v| v.is_truthy())
            .cloned()
    };
    let chosen = if lang == "en" { pick("en") } else { None };
    // A Czech text may go by the plain name (`title` beside `title_en`).
    Ok(chosen
        .or_else(|| pick("cs"))
        .or_else(|| {
            value
                .get_from_path(field)
                .filter(|v| v.is_truthy())
                .cloned()
        })
        .unwrap_or_else(|| tera::Value::from("")))
}

/// `{{ x | num }}`: a number as people of the page's language write it,
/// with at most `places` decimals (2 unless given) and none it does not
/// need: `70`, `0,53` in Czech, `0.53` in English. `{{ share | num(percent=true) }}`
/// writes a 0–1 share as a percentage with one decimal.
fn number(
    value: &tera::Value,
    kwargs: tera::Kwargs,
    state: &tera::State,
) -> tera::TeraResult<tera::Value> {
    let Some(mut v) = value.as_f64() else {
        return Ok(value.clone());
    };
    let percent = kwargs.get::<bool>("percent")?.unwrap_or(false);
    let mut places = kwargs.get::<i64>("places")?.unwrap_or(2).clamp(0, 6) as usize;
    if percent {
        v *= 100.0;
        places = places.min(1);
    }
    let lang = state.get::<String>("lang")?.unwrap_or_default();
    let text = format_number(v, places, lang != "en");
    Ok(tera::Value::from(
        if kwargs.get::<bool>("group")?.unwrap_or(false) {
            group_thousands(&text, lang != "en")
        } else {
            text
        },
    ))
}

/// A number with at most `places` decimals and no trailing zeros; a
/// decimal comma in Czech.
pub fn format_number(v: f64, places: usize, czech: bool) -> String {
    // Half away from zero, as people round (the formatter rounds to even).
    let scale = 10f64.powi(places as i32);
    let v = (v * scale).round() / scale;
    let mut s = format!("{v:.places$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".into();
    }
    if czech { s.replace('.', ",") } else { s }
}

/// Thousands apart, as each language writes money: `18 500 000` (a
/// no-break space) in Czech, `18,500,000` in English.
pub fn group_thousands(number: &str, czech: bool) -> String {
    let (sign, rest) = number.strip_prefix('-').map_or(("", number), |r| ("-", r));
    let split = rest.find([',', '.']).unwrap_or(rest.len());
    let (int, frac) = rest.split_at(split);
    let sep = if czech { '\u{a0}' } else { ',' };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    format!("{sign}{out}{frac}")
}

pub fn template_names() -> Vec<String> {
    TemplateFiles::iter().map(|n| n.to_string()).collect()
}

/// Everything a page needs from the request: language, user, CSRF token.
pub struct Page {
    pub lang: Lang,
    pub identity: Identity,
    pub csrf: String,
    pub path: String,
    pub state: web::Data<AppState>,
    /// The message the previous request left for this page (`flash`).
    pub flash: Option<String>,
}

impl FromRequest for Page {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let identity = Identity::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let identity = identity.await?;
            Page::build(&req, identity)
        })
    }
}

impl Page {
    pub fn build(req: &HttpRequest, identity: Identity) -> AppResult<Page> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
        Ok(Page {
            lang: Lang::of(req),
            identity,
            csrf: crate::auth::csrf::token_of(req),
            path: req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".to_string()),
            state,
            flash: flash::of(req),
        })
    }

    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.state.i18n.text(self.lang, key)
    }

    /// The options of a `ui.select` whose values are codes labelled in the
    /// i18n catalogue under `prefix` + code (a code without a label shows
    /// itself).
    pub fn options<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a str>,
        prefix: &str,
    ) -> Vec<serde_json::Value> {
        codes
            .into_iter()
            .map(|code| {
                let key = format!("{prefix}{code}");
                let label = self.state.i18n.text(self.lang, &key);
                let label = if label == key { code } else { label };
                serde_json::json!({ "value": code, "label": label })
            })
            .collect()
    }

    /// The layout's variables; a handler adds its own.
    pub fn context(&self) -> tera::Context {
        let mut ctx = tera::Context::new();
        ctx.insert_value("t", self.state.i18n.value(self.lang));
        ctx.insert("lang", self.lang.code());
        ctx.insert("other_lang", self.lang.other().code());
        ctx.insert("csrf_token", &self.csrf);
        ctx.insert("path", &self.path);
        ctx.insert("user", &self.identity.user());
        ctx.insert(
            "is_admin",
            &self.identity.user().is_some_and(|u| u.has(Role::Admin)),
        );
        // An unknown key comes back as itself: nothing to show.
        let flash = self
            .flash
            .as_deref()
            .map(|k| self.t(k))
            .filter(|m| !m.starts_with("flash_"));
        ctx.insert("flash", &flash);
        ctx
    }

    /// A 303 to `location` whose page says `key` (a `flash_*` message).
    pub fn see_other_saying(&self, location: &str, key: &'static str) -> HttpResponse {
        flash::see_other(location, key, self.state.config.base_is_https())
    }

    /// A template rendered to a string: a part of a page kept to be served
    /// again.
    pub fn render_part(&self, template: &str, ctx: &tera::Context) -> AppResult<String> {
        self.state
            .templates
            .render(template, ctx)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering {template}: {e:#}")))
    }

    pub fn render(&self, template: &str, ctx: &tera::Context) -> AppResult<HttpResponse> {
        self.render_status(actix_web::http::StatusCode::OK, template, ctx)
    }

    pub fn render_status(
        &self,
        status: actix_web::http::StatusCode,
        template: &str,
        ctx: &tera::Context,
    ) -> AppResult<HttpResponse> {
        let html = self
            .state
            .templates
            .render(template, ctx)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering {template}: {e:#}")))?;
        Ok(self.html(status, html))
    }

    /// A page already rendered (or put together from kept parts).
    pub fn html(&self, status: actix_web::http::StatusCode, html: String) -> HttpResponse {
        let mut res = HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html);
        if self.flash.is_some() {
            flash::clear(&mut res);
        }
        res
    }
}

/// The page of a paged list a query asks for: 1 when it says none; a
/// number below 1 or past any list's end (a million pages) is a clear 400,
/// and the offsets computed from it cannot overflow.
pub fn page_number(page: Option<i64>) -> AppResult<i64> {
    match page {
        None => Ok(1),
        Some(p) if (1..=1_000_000).contains(&p) => Ok(p),
        Some(_) => Err(AppError::bad_request(
            "page must be between 1 and 1000000",
            Some("page"),
        )),
    }
}

/// 200 for a form page, 422 for a form shown again with its field errors.
pub fn form_status(errors: &[crate::error::FieldError]) -> actix_web::http::StatusCode {
    if errors.is_empty() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A local path to return to after a redirect; anything else goes home.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(same_origin_path)
        .unwrap_or_else(|| "/".to_string())
}

/// A path on this site, as the browser will read it, or `None`. Browsers
/// drop tabs and newlines inside a URL and treat `\\` as `/`, so
/// `/%09/evil.example` (decoded: `/<TAB>/evil.example`) would become
/// `//evil.example`: any control character or backslash is refused, and what
/// is left must resolve against this site to this site. The answer is the
/// URL parser's own serialisation (non-ASCII percent-encoded, so it is a
/// valid header value).
fn same_origin_path(next: &str) -> Option<String> {
    if !next.starts_with('/')
        || next.starts_with("//")
        || next.chars().any(|c| c.is_control() || c == '\\')
    {
        return None;
    }
    const ORIGIN: &str = "http://radnice.invalid";
    let base = url::Url::parse(ORIGIN).ok()?;
    let url = base.join(next).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    let mut out = url.path().to_string();
    if let Some(q) = url.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = url.fragment() {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

/// A filter field of a query string: trimmed, at most 254 characters, and
/// absent when empty.
/// A filter form's filled fields: as the form's values (for the `ui`
/// components) and as the query string its pager links keep.
pub fn filter_fields(
    fields: &[(&'static str, &Option<String>)],
) -> (std::collections::BTreeMap<&'static str, String>, String) {
    let form: std::collections::BTreeMap<&'static str, String> = fields
        .iter()
        .filter_map(|(k, v)| filled(v).map(|v| (*k, v)))
        .collect();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&form)
        .finish();
    (form, query)
}

pub fn filled(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().chars().take(254).collect::<String>())
        .filter(|s| !s.is_empty())
}

/// A day filter (`YYYY-MM-DD`) as the start of that day; a clear 400 naming
/// the field when it is not one.
pub fn day(v: &Option<String>, field: &str) -> AppResult<Option<chrono::NaiveDateTime>> {
    match filled(v) {
        None => Ok(None),
        Some(d) => chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map(|d| d.and_hms_opt(0, 0, 0))
            .map_err(|_| {
                AppError::bad_request(
                    format!("{field}: expected YYYY-MM-DD, got {d:?}"),
                    Some(field),
                )
            }),
    }
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

/// Formats a stored UTC time for people: Europe/Prague, ISO-like.
pub fn local_time(t: &chrono::NaiveDateTime) -> String {
    use chrono::TimeZone;
    chrono_tz::Europe::Prague
        .from_utc_datetime(t)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Marks the request as an API call (JSON errors whatever the Accept says).
pub fn is_api(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/") || req.path().starts_with("/sta/")
}

pub fn request_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Gives a request's body a deadline: `base`, plus a second per 64 KiB
/// its Content-Length declares. Past it, reading the body fails (the
/// extractor answers 400, the connection is closed), so a client that
/// trickles a body in cannot hold a connection for ever. Requests without a
/// body are left as they are.
pub fn body_deadline(req: &mut actix_web::dev::ServiceRequest, base: std::time::Duration) {
    use actix_web::HttpMessage;
    use actix_web::dev::Payload;
    use futures_util::StreamExt;
    let headers = req.headers();
    let declared = headers
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let chunked = headers.contains_key(actix_web::http::header::TRANSFER_ENCODING);
    if declared.unwrap_or(0) == 0 && !chunked {
        return;
    }
    let allowance = base + std::time::Duration::from_secs(declared.unwrap_or(0) / (64 * 1024));
    let deadline = tokio::time::Instant::now() + allowance;
    let payload = req.take_payload();
    let timed = futures_util::stream::unfold(Some(payload), move |payload| async move {
        let mut payload = payload?;
        match tokio::time::timeout_at(deadline, payload.next()).await {
            Ok(Some(item)) => Some((item, Some(payload))),
            Ok(None) => None,
            Err(_) => Some((
                Err(actix_web::error::PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the request body took too long to arrive",
                ))),
                None,
            )),
        }
    });
    // Fused: readers such as the multipart parser poll again after the end.
    req.set_payload(Payload::Stream {
        payload: Box::pin(timed.fuse()),
    });
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site_as_browsers_read_it() {
        for off_site in [
            "/\t/evil.example/path",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\\evil.example",
            "\\/evil.example",
            "//evil.example",
            " //evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(off_site)), "/", "{off_site:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(
            safe_next(Some("/datasets?theme=ENVI&page=2#list")),
            "/datasets?theme=ENVI&page=2#list"
        );
        assert_eq!(safe_next(Some("/strategie/ř")), "/strategie/%C5%99");
        assert_eq!(safe_next(Some("/a/../b")), "/b");
    }
}

#[cfg(test)]
mod number_tests {
    use super::format_number;

    #[test]
    fn numbers_as_people_write_them() {
        assert_eq!(format_number(70.0, 2, true), "70");
        assert_eq!(format_number(0.53125, 2, true), "0,53");
        assert_eq!(format_number(0.53125, 2, false), "0.53");
        assert_eq!(format_number(99.7, 6, true), "99,7");
        assert_eq!(format_number(-0.001, 1, true), "0");
        assert_eq!(format_number(1250.5, 0, false), "1251");
        assert_eq!(format_number(66.5, 0, true), "67");
        assert_eq!(
            super::group_thousands("18500000", true),
            "18\u{a0}500\u{a0}000"
        );
        assert_eq!(super::group_thousands("-1234,5", true), "-1\u{a0}234,5");
        assert_eq!(super::group_thousands("999", false), "999");
        assert_eq!(super::group_thousands("1000", false), "1,000");
    }
}

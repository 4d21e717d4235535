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

// --- The public pages ---------------------------------------------------------

use super::view::{self, ChartQuery, DownloadQuery, StationView};
use crate::catalog::model::DatasetRecord;
use crate::web::Page;
use crate::web::i18n::Lang;

/// A dataset the request may read, with its stations.
fn readable(
    conn: &mut crate::db::DbConnection,
    user: Option<&crate::auth::CurrentUser>,
    slug: &str,
) -> Result<(DatasetRecord, Vec<super::model::Thing>), AppError> {
    let rec = crate::catalog::store::record_by_slug(conn, slug)?.ok_or(AppError::NotFound)?;
    let rec = crate::catalog::service::Policy::readable(conn, user, rec)?;
    let things = store::things_of_dataset(conn, &rec.dataset.id)?;
    Ok((rec, things))
}

fn title_of(rec: &DatasetRecord, lang: Lang) -> String {
    match (lang, &rec.dataset.title_en) {
        (Lang::En, Some(t)) => t.clone(),
        _ => rec.dataset.title_cs.clone(),
    }
}

/// One bucket as the table beside the chart shows it.
#[derive(serde::Serialize)]
struct BucketRow {
    time: String,
    mean: f64,
    min: f64,
    max: f64,
    n: i64,
}

/// What the page shows of the chosen datastream.
#[derive(serde::Serialize)]
struct Selected {
    id: i64,
    name: String,
    unit: String,
}

/// `GET /datasets/{slug}/observations`: the dataset's stations on a map
/// and in a table with their latest values, one datastream's chart over
/// a chosen window with its data table, and the downloads.
pub(crate) async fn dataset_page(
    page: Page,
    slug: web::Path<String>,
    q: web::Query<ChartQuery>,
) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    let q = q.into_inner();
    let user = page.identity.user().cloned();
    let now = super::model::micros(chrono::Utc::now());
    let (rec, stations, chosen) = crate::db::run(&page.state.pool, move |c| {
        let (rec, things) = readable(c, user.as_ref(), &slug)?;
        let stations = view::stations(c, things)?;
        let wanted = q.datastream;
        let pick = stations
            .iter()
            .flat_map(|s| s.streams.iter())
            .find(|d| wanted.is_none_or(|w| w == d.id))
            .map(|d| d.id);
        if wanted.is_some() && pick.is_none() {
            return Err(AppError::NotFound);
        }
        let chosen = match pick {
            None => None,
            Some(id) => {
                let d = store::datastream(c, id)?.ok_or(AppError::NotFound)?;
                let w = view::window(&q, d.last_time, now)?;
                let buckets = view::buckets(c, id, &w)?;
                Some((d, w, buckets))
            }
        };
        Ok::<_, AppError>((rec, stations, chosen))
    })
    .await?;
    let title = title_of(&rec, page.lang);
    let slug = rec.dataset.slug.clone();
    let mut ctx = page.context();
    ctx.insert("slug", &slug);
    ctx.insert("title", &title);
    ctx.insert("example", &stations.iter().any(|s| s.example));
    ctx.insert("stations", &stations);
    ctx.insert("tile_url", &page.state.config.tile_url);
    ctx.insert("tile_attribution", &page.state.config.tile_attribution);
    if let Some((d, w, buckets)) = chosen {
        let unit = view::unit(&d);
        let thresholds: Vec<f64> = [d.alert_above, d.alert_below]
            .into_iter()
            .flatten()
            .collect();
        let description = format!(
            "{} {} – {} ({}, {}).",
            page.t("sensor_chart_of"),
            w.first,
            w.last,
            unit,
            page.t(&format!("sensor_step_{}", step_name(w.step)))
        );
        let chart = super::chart::svg(
            &super::chart::Series {
                buckets: &buckets,
                width: w.step.width(),
                from: w.from,
                to: w.to,
                thresholds: &thresholds,
            },
            &super::chart::Labels {
                title: &format!("{}: {}", d.name, unit),
                description: &description,
            },
        );
        let rows: Vec<BucketRow> = buckets
            .iter()
            .map(|b| BucketRow {
                time: match w.step {
                    view::Step::Hour => crate::web::local_time(
                        &super::model::from_micros(b.bucket)
                            .unwrap_or_default()
                            .naive_utc(),
                    ),
                    view::Step::Day => view::prague_day(b.bucket).to_string(),
                },
                mean: b.mean(),
                min: b.min_value,
                max: b.max_value,
                n: b.n,
            })
            .collect();
        let days = chrono::Days::new(w.range.days() as u64);
        let href = |end: chrono::NaiveDate| {
            format!(
                "/datasets/{slug}/observations?datastream={}&range={}&step={}&end={end}",
                d.id,
                range_name(w.range),
                step_name(w.step)
            )
        };
        ctx.insert("prev_href", &href(w.last - days));
        ctx.insert("next_href", &href(w.last + days));
        ctx.insert(
            "form",
            &serde_json::json!({"end": w.last.to_string(), "from": w.first.to_string(), "to": w.last.to_string()}),
        );
        ctx.insert(
            "selected",
            &Selected {
                id: d.id,
                name: d.name.clone(),
                unit,
            },
        );
        ctx.insert("window", &w);
        ctx.insert("thresholds", &thresholds);
        ctx.insert("chart", &chart);
        ctx.insert("rows", &rows);
    }
    let mut res = page.render("sensors/observations.html", &ctx)?;
    if let Some(csp) = crate::web::headers::map_csp(page.state.config.tile_origin().as_deref())
        && let Ok(v) = header::HeaderValue::from_str(&csp)
    {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    Ok(crate::web::headers::open(res))
}

fn range_name(r: view::Range) -> &'static str {
    match r {
        view::Range::Day => "day",
        view::Range::Week => "week",
        view::Range::Month => "month",
        view::Range::Year => "year",
    }
}

fn step_name(s: view::Step) -> &'static str {
    match s {
        view::Step::Hour => "hour",
        view::Step::Day => "day",
    }
}

/// `GET /datasets/{slug}/stations.geojson`: the stations with their
/// latest values, for the map.
pub(crate) async fn stations_geojson(
    state: web::Data<AppState>,
    identity: crate::auth::Identity,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    let user = identity.user().cloned();
    let (rec, stations): (DatasetRecord, Vec<StationView>) =
        crate::db::run(&state.pool, move |c| {
            let (rec, things) = readable(c, user.as_ref(), &slug)?;
            Ok::<_, AppError>((rec, view::stations(c, things)?))
        })
        .await?;
    let page = format!("/datasets/{}/observations", rec.dataset.slug);
    Ok(crate::web::headers::open(
        HttpResponse::Ok()
            .content_type("application/geo+json")
            .json(view::geojson(&stations, &page)),
    ))
}

/// `GET /datasets/{slug}/observations.{csv|json}`: the observations of
/// the dataset's stations (or of one `datastream`) in a window, streamed.
pub(crate) async fn download(
    state: web::Data<AppState>,
    identity: crate::auth::Identity,
    path: web::Path<(String, String)>,
    q: web::Query<DownloadQuery>,
) -> AppResult<HttpResponse> {
    let (slug, ext) = path.into_inner();
    let format = super::download::Format::of(&ext).ok_or(AppError::NotFound)?;
    let q = q.into_inner();
    let now = super::model::micros(chrono::Utc::now());
    let (lo, hi) = view::download_window(&q, now)?;
    let user = identity.user().cloned();
    let (slug, columns) = crate::db::run(&state.pool, move |c| {
        let (rec, things) = readable(c, user.as_ref(), &slug)?;
        let ids: Vec<i64> = things.iter().map(|t| t.id).collect();
        let mut streams = store::datastreams_of(c, &ids)?;
        streams.sort_by_key(|d| d.id);
        if let Some(only) = q.datastream {
            streams.retain(|d| d.id == only);
            if streams.is_empty() {
                return Err(AppError::NotFound);
            }
        }
        let columns: Vec<super::download::Column> = streams
            .iter()
            .map(|d| {
                let t = things.iter().find(|t| t.id == d.thing_id);
                super::download::Column {
                    id: d.id,
                    station: t.map(|t| t.name.clone()).unwrap_or_default(),
                    property: d.property_name.clone(),
                    unit: d.unit_ucum.clone(),
                    example: t.is_some_and(|t| t.is_example),
                }
            })
            .collect();
        Ok::<_, AppError>((rec.dataset.slug, columns))
    })
    .await?;
    let body = super::download::body(state.pool.clone(), columns, lo, hi, format);
    Ok(crate::web::headers::open(
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, format.content_type()))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}-observations.{ext}\""),
            ))
            .streaming(body),
    ))
}

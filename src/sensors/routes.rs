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
    crate::web::headers::allow_map(&mut res, page.state.config.tile_origin().as_deref());
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

// --- The registry's pages -----------------------------------------------------

use super::forms::{DatastreamForm, StationForm, TokenForm};
use crate::auth::{CurrentUser, Permission, authorize};
use crate::error::FieldError;
use crate::web::forms::Form;

fn errors_map(page: &Page, errors: &[FieldError]) -> std::collections::HashMap<String, String> {
    errors
        .iter()
        .map(|e| (e.field.clone(), page.t(&e.message).to_string()))
        .collect()
}

/// A station as its list and page show it.
#[derive(serde::Serialize)]
struct StationRow {
    id: i64,
    name: String,
    location_name: String,
    publisher: String,
    dataset: Option<(String, String)>,
    streams: usize,
    example: bool,
}

/// `GET /sensors/stations`: every station, its publisher and dataset.
pub(crate) async fn stations_page(page: Page) -> AppResult<HttpResponse> {
    let rows = crate::db::run(&page.state.pool, |c| {
        let things = store::things(c)?;
        let ids: Vec<i64> = things.iter().map(|t| t.id).collect();
        let streams = store::datastreams_of(c, &ids)?;
        let publishers: std::collections::HashMap<String, String> =
            crate::catalog::store::list_publishers(c)?
                .into_iter()
                .map(|p| (p.id, p.name_cs))
                .collect();
        let mut rows = Vec::with_capacity(things.len());
        for t in things {
            let dataset = match &t.dataset_id {
                Some(id) => crate::catalog::store::record_by_id(c, id)?
                    .filter(|(r, _)| {
                        r.dataset.status == crate::catalog::model::DatasetStatus::Published
                    })
                    .map(|(r, _)| (r.dataset.slug, r.dataset.title_cs)),
                None => None,
            };
            rows.push(StationRow {
                id: t.id,
                streams: streams.iter().filter(|d| d.thing_id == t.id).count(),
                publisher: publishers.get(&t.publisher_id).cloned().unwrap_or_default(),
                name: t.name,
                location_name: t.location_name,
                dataset,
                example: t.is_example,
            });
        }
        Ok::<_, AppError>(rows)
    })
    .await?;
    let mut ctx = page.context();
    ctx.insert("stations", &rows);
    ctx.insert(
        "may_register",
        &page
            .identity
            .user()
            .is_some_and(|u| u.has(Role::Admin) || u.has(Role::Curator)),
    );
    page.render("sensors/stations.html", &ctx)
}

/// `GET /sensors/stations/{id}`: a station with its datastreams and their
/// latest values; its curator also sees the ingestion counters, the
/// device tokens and what may be changed.
pub(crate) async fn station_page(page: Page, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let user = page.identity.user().cloned();
    let (thing, view, publisher, dataset, curator, tokens) =
        crate::db::run(&page.state.pool, move |c| {
            let t = store::thing(c, id)?.ok_or(AppError::NotFound)?;
            let publisher = crate::catalog::store::publisher_by_id(c, &t.publisher_id)?;
            let curator = match &user {
                Some(u) => crate::catalog::service::Policy::may_act_for(c, u, &t.publisher_id)?,
                None => false,
            };
            let dataset = match &t.dataset_id {
                Some(d) => crate::catalog::store::record_by_id(c, d)?
                    .filter(|(r, _)| {
                        curator
                            || r.dataset.status == crate::catalog::model::DatasetStatus::Published
                    })
                    .map(|(r, _)| (r.dataset.slug, r.dataset.title_cs)),
                None => None,
            };
            let tokens = if curator {
                store::tokens_of(c, id)?
            } else {
                Vec::new()
            };
            let view = view::stations(c, vec![t.clone()])?.pop();
            Ok::<_, AppError>((t, view, publisher, dataset, curator, tokens))
        })
        .await?;
    let local = |t: &chrono::NaiveDateTime| crate::web::local_time(t);
    let tokens: Vec<serde_json::Value> = tokens
        .iter()
        .map(|k| {
            serde_json::json!({
                "id": k.id,
                "name": k.name,
                "created_at": local(&k.created_at),
                "last_used_at": k.last_used_at.as_ref().map(local),
                "revoked_at": k.revoked_at.as_ref().map(local),
            })
        })
        .collect();
    let mut ctx = page.context();
    ctx.insert("thing", &thing);
    ctx.insert("station", &view);
    ctx.insert("publisher", &publisher.name_cs);
    ctx.insert("dataset", &dataset);
    ctx.insert("curator", &curator);
    ctx.insert("tokens", &tokens);
    ctx.insert("map", &serde_json::json!({
        "bbox": [thing.longitude - 0.004, thing.latitude - 0.0025, thing.longitude + 0.004, thing.latitude + 0.0025],
        "label": format!("{}: {}", page.t("map_label"), thing.name),
    }));
    ctx.insert("tile_url", &page.state.config.tile_url);
    ctx.insert("tile_attribution", &page.state.config.tile_attribution);
    let mut res = page.render("sensors/station.html", &ctx)?;
    crate::web::headers::allow_map(&mut res, page.state.config.tile_origin().as_deref());
    Ok(res)
}

async fn render_station_form(
    page: &Page,
    user: &CurrentUser,
    editing: Option<i64>,
    form: &StationForm,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let publishers = crate::db::run(&page.state.pool, move |c| {
        crate::catalog::store::publishers_for(c, &u)
    })
    .await?;
    let mut ctx = page.context();
    ctx.insert("publishers", &publishers);
    ctx.insert("editing", &editing);
    ctx.insert("form", form);
    ctx.insert("errors", &errors_map(page, errors));
    page.render_status(
        crate::web::form_status(errors),
        "sensors/station_form.html",
        &ctx,
    )
}

fn registrar(page: &Page) -> AppResult<CurrentUser> {
    Ok(authorize(&page.identity, Permission::EditCatalog)?.clone())
}

/// The field errors of a service's refusal, or the refusal itself.
fn field_errors(e: AppError) -> Result<Vec<FieldError>, AppError> {
    match e {
        AppError::Validation(errors) => Ok(errors),
        other => Err(other),
    }
}

pub(crate) async fn new_station_form(page: Page) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    render_station_form(&page, &user, None, &StationForm::default(), &[]).await
}

pub(crate) async fn create_station(page: Page, form: Form<StationForm>) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let form = form.into_inner();
    let (input, _) = match form.input(Default::default()) {
        Ok(x) => x,
        Err(errors) => return render_station_form(&page, &user, None, &form, &errors).await,
    };
    let (u, st, base) = (user.clone(), page.state.clone(), page.state.config.base());
    let done = crate::db::run(&page.state.pool, move |c| {
        let r = service::create_thing(c, &u, &input, &base);
        if r.is_ok() {
            st.views.after_commit(c, &["dataset"]);
        }
        Ok::<_, AppError>(r)
    })
    .await?;
    match done {
        Ok(t) => Ok(page.see_other_saying(&format!("/sensors/stations/{}", t.id), "flash_saved")),
        Err(e) => {
            let errors = field_errors(e)?;
            render_station_form(&page, &user, None, &form, &errors).await
        }
    }
}

pub(crate) async fn edit_station_form(page: Page, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let id = id.into_inner();
    let u = user.clone();
    let form = crate::db::run(&page.state.pool, move |c| {
        let t = service::editable_thing(c, &u, id)?;
        let i = service::station_input(c, &t)?;
        Ok::<_, AppError>(StationForm::of(&t, &i.publisher, i.dataset.as_deref()))
    })
    .await?;
    render_station_form(&page, &user, Some(id), &form, &[]).await
}

pub(crate) async fn update_station(
    page: Page,
    id: web::Path<i64>,
    form: Form<StationForm>,
) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let id = id.into_inner();
    let form = form.into_inner();
    let (u, st, base, f) = (
        user.clone(),
        page.state.clone(),
        page.state.config.base(),
        form.clone(),
    );
    let done = crate::db::run(&page.state.pool, move |c| {
        let t = service::editable_thing(c, &u, id)?;
        let props = serde_json::from_str(&t.properties).unwrap_or_default();
        let (input, version) = match f.input(props) {
            Ok(x) => x,
            Err(errors) => return Ok(Err(AppError::Validation(errors))),
        };
        let r = service::update_thing(c, &u, id, &input, version, &base);
        if r.is_ok() {
            st.views.after_commit(c, &["dataset"]);
        }
        Ok::<_, AppError>(r.map(|_| ()))
    })
    .await?;
    match done {
        Ok(()) => Ok(page.see_other_saying(&format!("/sensors/stations/{id}"), "flash_saved")),
        Err(e) => {
            let errors = field_errors(e)?;
            render_station_form(&page, &user, Some(id), &form, &errors).await
        }
    }
}

pub(crate) async fn delete_station(page: Page, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let id = id.into_inner();
    let (st, base) = (page.state.clone(), page.state.config.base());
    crate::db::run(&page.state.pool, move |c| {
        service::delete_thing(c, &user, id, &base)?;
        st.views.after_commit(c, &["dataset"]);
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(page.see_other_saying("/sensors/stations", "flash_sensor_deleted"))
}

async fn render_datastream_form(
    page: &Page,
    station: &super::model::Thing,
    editing: Option<i64>,
    form: &DatastreamForm,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let mut ctx = page.context();
    ctx.insert("station", station);
    ctx.insert("editing", &editing);
    ctx.insert("form", form);
    ctx.insert("errors", &errors_map(page, errors));
    page.render_status(
        crate::web::form_status(errors),
        "sensors/datastream_form.html",
        &ctx,
    )
}

pub(crate) async fn new_datastream_form(page: Page, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let id = id.into_inner();
    let t = crate::db::run(&page.state.pool, move |c| {
        service::editable_thing(c, &user, id)
    })
    .await?;
    render_datastream_form(&page, &t, None, &DatastreamForm::default(), &[]).await
}

pub(crate) async fn create_datastream(
    page: Page,
    id: web::Path<i64>,
    form: Form<DatastreamForm>,
) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let id = id.into_inner();
    let form = form.into_inner();
    let f = form.clone();
    let (t, done) = crate::db::run(&page.state.pool, move |c| {
        let t = service::editable_thing(c, &user, id)?;
        let r = match f.input() {
            Ok((input, _)) => service::create_datastream(c, &user, id, &input).map(|_| ()),
            Err(errors) => Err(AppError::Validation(errors)),
        };
        Ok::<_, AppError>((t, r))
    })
    .await?;
    match done {
        Ok(()) => Ok(page.see_other_saying(&format!("/sensors/stations/{id}"), "flash_saved")),
        Err(e) => {
            let errors = field_errors(e)?;
            render_datastream_form(&page, &t, None, &form, &errors).await
        }
    }
}

pub(crate) async fn edit_datastream_form(
    page: Page,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let id = id.into_inner();
    let (t, d) = crate::db::run(&page.state.pool, move |c| {
        let d = service::editable_datastream(c, &user, id)?;
        let t = store::thing(c, d.thing_id)?.ok_or(AppError::NotFound)?;
        Ok::<_, AppError>((t, d))
    })
    .await?;
    render_datastream_form(&page, &t, Some(id), &DatastreamForm::of(&d), &[]).await
}

pub(crate) async fn update_datastream(
    page: Page,
    id: web::Path<i64>,
    form: Form<DatastreamForm>,
) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let id = id.into_inner();
    let form = form.into_inner();
    let f = form.clone();
    let (t, done) = crate::db::run(&page.state.pool, move |c| {
        let d = service::editable_datastream(c, &user, id)?;
        let t = store::thing(c, d.thing_id)?.ok_or(AppError::NotFound)?;
        let r = match f.input() {
            Ok((input, version)) => {
                service::update_datastream(c, &user, id, &input, version).map(|_| ())
            }
            Err(errors) => Err(AppError::Validation(errors)),
        };
        Ok::<_, AppError>((t, r))
    })
    .await?;
    match done {
        Ok(()) => Ok(page.see_other_saying(&format!("/sensors/stations/{}", t.id), "flash_saved")),
        Err(e) => {
            let errors = field_errors(e)?;
            render_datastream_form(&page, &t, Some(id), &form, &errors).await
        }
    }
}

pub(crate) async fn delete_datastream(page: Page, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let id = id.into_inner();
    let thing = crate::db::run(&page.state.pool, move |c| {
        let d = service::editable_datastream(c, &user, id)?;
        service::delete_datastream(c, &user, id)?;
        Ok::<_, AppError>(d.thing_id)
    })
    .await?;
    Ok(page.see_other_saying(
        &format!("/sensors/stations/{thing}"),
        "flash_sensor_deleted",
    ))
}

/// `POST /sensors/stations/{id}/tokens`: a new device token, whose
/// secret this answer shows once (never stored, never cached).
pub(crate) async fn create_token(
    page: Page,
    id: web::Path<i64>,
    form: Form<TokenForm>,
) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let id = id.into_inner();
    let name = form.into_inner().name;
    let (t, made) = crate::db::run(&page.state.pool, move |c| {
        let t = service::editable_thing(c, &user, id)?;
        let made = service::create_token(c, &user, id, &name);
        Ok::<_, AppError>((t, made))
    })
    .await?;
    let (token, secret) = match made {
        Ok(x) => x,
        Err(e) => {
            field_errors(e)?;
            return Ok(page.see_other_saying(
                &format!("/sensors/stations/{id}"),
                "flash_sensor_token_name",
            ));
        }
    };
    let mut ctx = page.context();
    ctx.insert("thing", &t);
    ctx.insert("token", &token);
    ctx.insert("secret", &secret);
    ctx.insert("base_url", &page.state.config.base());
    let mut res = page.render("sensors/token.html", &ctx)?;
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

pub(crate) async fn revoke_token(
    page: Page,
    path: web::Path<(i64, String)>,
) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let (id, token) = path.into_inner();
    crate::db::run(&page.state.pool, move |c| {
        service::revoke_token(c, &user, id, &token)
    })
    .await?;
    Ok(page.see_other_saying(
        &format!("/sensors/stations/{id}"),
        "flash_sensor_token_revoked",
    ))
}

/// `POST /sensors/stations/{id}/dataset`: a draft dataset for the station,
/// its metadata filled from the registry.
pub(crate) async fn create_dataset(page: Page, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = registrar(&page)?;
    let id = id.into_inner();
    let (st, base) = (page.state.clone(), page.state.config.base());
    let slug = crate::db::run(&page.state.pool, move |c| {
        service::create_dataset(c, &st.views, &user, id, &base)
    })
    .await?;
    Ok(page.see_other_saying(&format!("/datasets/{slug}"), "flash_sensor_dataset_created"))
}

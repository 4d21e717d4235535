//! The curators' harvest page: the sources harvested so far with their last
//! report, and a form that harvests a catalog from a URL or an uploaded file
//! for a publisher the curator acts for.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;

use super::harvest::{self, Document, HarvestError, Options, Report};
use crate::auth::{Permission, authorize};
use crate::catalog::store as catalog_store;
use crate::error::{AppError, AppResult};
use crate::web::Page;

/// Largest catalog file a curator can upload.
const MAX_UPLOAD: usize = 20 * 1024 * 1024;

pub(crate) async fn page_get(page: Page) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    render(&page, &user, None, None, StatusCode::OK).await
}

pub(crate) async fn render(
    page: &Page,
    user: &crate::auth::CurrentUser,
    report: Option<&Report>,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = user.clone();
    // A curator sees the sources of the publishers he acts for, no others.
    let (publishers, sources, all) = crate::db::run(&page.state.pool, move |c| {
        let publishers = catalog_store::publishers_for(c, &user)?;
        let ids: Vec<String> = publishers.iter().map(|p| p.id.clone()).collect();
        Ok::<_, diesel::result::Error>((
            publishers,
            harvest::sources_of(c, &ids)?,
            catalog_store::list_publishers(c)?,
        ))
    })
    .await?;
    let uploads: Vec<serde_json::Value> = sources
        .iter()
        .filter(|s| s.location.starts_with("soubor:"))
        .map(|s| serde_json::json!({"id": s.id, "location": s.location}))
        .collect();
    let sources: Vec<serde_json::Value> = sources
        .into_iter()
        .map(|s| {
            let report: Option<Report> = s
                .last_report
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok());
            let publisher = all
                .iter()
                .find(|p| p.id == s.publisher_id)
                .map(|p| p.name_cs.clone())
                .unwrap_or_default();
            serde_json::json!({
                "location": s.location,
                "publisher": publisher,
                "last": s.last_harvested_at.as_ref().map(crate::web::local_time),
                "attempt": s.last_attempt_at.as_ref().map(crate::web::local_time),
                "error": s.last_error,
                "scheduled": s.location.starts_with("http"),
                "report": report,
            })
        })
        .collect();
    let mut ctx = page.context();
    ctx.insert("publishers", &publishers);
    ctx.insert("sources", &sources);
    ctx.insert("every_hours", &page.state.config.harvest_every_hours);
    ctx.insert("uploads", &uploads);
    if let Some(r) = report {
        ctx.insert("report", r);
    }
    if let Some(e) = error {
        ctx.insert("error", &e);
    }
    page.render_status(status, "dcat/harvest.html", &ctx)
}

/// The form's fields, read from the multipart body with a size limit.
#[derive(Default)]
struct Fields {
    publisher: String,
    location: String,
    /// An earlier upload of the publisher to update instead of a new source.
    source: String,
    file: Option<(String, Vec<u8>)>,
}

/// Reads the form (the CSRF middleware has checked its first field, the
/// token, before any of the rest was read).
async fn read_fields(mut body: Multipart) -> AppResult<Fields> {
    let mut f = Fields::default();
    let mut total = 0usize;
    while let Some(field) = body.next().await {
        let mut field = field.map_err(|e| AppError::bad_request(e.to_string(), None))?;
        let name = field.name().unwrap_or("").to_string();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| AppError::bad_request(e.to_string(), None))?;
            total += chunk.len();
            if total > MAX_UPLOAD {
                return Err(AppError::PayloadTooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8_lossy(&bytes).trim().to_string();
        match name.as_str() {
            "publisher" => f.publisher = text(),
            "location" => f.location = text(),
            "source" => f.source = text(),
            "file" => {
                if let Some(name) = filename.filter(|n| !n.is_empty())
                    && !bytes.is_empty()
                {
                    f.file = Some((name, bytes));
                }
            }
            _ => {}
        }
    }
    Ok(f)
}

pub(crate) async fn page_post(page: Page, body: Multipart) -> AppResult<HttpResponse> {
    // Who asks, and the CSRF token, before the (up to 20 MiB) body.
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let fields = read_fields(body).await?;
    let t = |key: &str| page.t(key).to_string();
    let bad = |msg: String| {
        render(
            &page,
            &user,
            None,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    // The right to act for the publisher first: the form's other errors are
    // only for those who may send it.
    let slug = fields.publisher.clone();
    let u = user.clone();
    let publisher = crate::db::run(&page.state.pool, move |c| {
        let Some(p) = catalog_store::publisher_by_slug(c, &slug)? else {
            return Ok::<_, AppError>(None);
        };
        if !crate::catalog::service::Policy::may_act_for(c, &u, &p.id)? {
            return Err(AppError::Forbidden);
        }
        Ok(Some(p))
    })
    .await?;
    let Some(publisher) = publisher else {
        return bad(t("harvest_publisher_required")).await;
    };
    let (mut location, uploaded) = match (&fields.file, fields.location.is_empty()) {
        (Some((name, bytes)), _) => (harvest::upload_location(name), Some(bytes.clone())),
        (None, false) => (fields.location.clone(), None),
        (None, true) => return bad(t("harvest_source_required")).await,
    };
    if uploaded.is_none() && !(location.starts_with("https://") || location.starts_with("http://"))
    {
        return bad(t("harvest_url_invalid")).await;
    }
    // A new upload may update an earlier upload of the same publisher.
    if uploaded.is_some() && !fields.source.is_empty() {
        let id = fields.source.clone();
        let earlier =
            crate::db::run(&page.state.pool, move |c| harvest::source_by_id(c, &id)).await?;
        match earlier {
            Some(s) if s.publisher_id == publisher.id && s.location.starts_with("soubor:") => {
                location = s.location
            }
            _ => return bad(t("harvest_source_unknown")).await,
        }
    }
    // Reading and parsing touch no database; a broken source stops here.
    let loc = location.clone();
    let opts = Options::from_config(&page.state.config);
    let gathered = web::block(move || {
        let doc = match uploaded {
            Some(bytes) => Document {
                location: loc,
                bytes,
                content_type: None,
            },
            None => harvest::read(&loc, &opts)?,
        };
        harvest::gather(doc, &opts)
    })
    .await?;
    let (triples, documents) = match gathered {
        Ok(g) => g,
        Err(e) => return bad(format!("{}: {e}", t("harvest_failed"))).await,
    };
    let actor = user.actor();
    let state = page.state.clone();
    let outcome = crate::db::run(&page.state.pool, move |c| {
        let r = harvest::apply(c, &actor, &location, &publisher, &triples, documents);
        if r.is_ok() {
            state.views.after_commit(c, &["dataset", "harvest_source"]);
        }
        Ok::<_, AppError>(r)
    })
    .await?;
    match outcome {
        Ok(report) => render(&page, &user, Some(&report), None, StatusCode::OK).await,
        Err(HarvestError::Db(e)) => Err(e.into()),
        Err(e) => bad(format!("{}: {e}", t("harvest_failed"))).await,
    }
}

/// Harvests every web source that is due again (see
/// `Config::harvest_every_hours`), one after another: the fetch and the
/// parsing off the request threads and without a database connection, the
/// apply in one transaction; a failure is noted on the source (the harvest
/// page shows it) and the others go on. Answers how many were tried.
pub async fn run_due(state: &web::Data<crate::AppState>) -> Result<usize, AppError> {
    let every = state.config.harvest_every_hours;
    if every == 0 {
        return Ok(0);
    }
    let due = crate::db::run(&state.pool, move |c| harvest::due(c, every)).await?;
    let actor = crate::audit::Actor::system("harvest-schedule");
    for source in &due {
        let loc = source.location.clone();
        let opts = Options::from_config(&state.config);
        let gathered = web::block(move || {
            let doc = harvest::read(&loc, &opts)?;
            harvest::gather(doc, &opts)
        })
        .await?;
        let (id, location, publisher_id) = (
            source.id.clone(),
            source.location.clone(),
            source.publisher_id.clone(),
        );
        let a = actor.clone();
        let st = state.clone();
        let outcome = crate::db::run(&state.pool, move |c| {
            let failure = match gathered {
                Err(e) => Some(e.to_string()),
                Ok((triples, documents)) => {
                    let publisher = catalog_store::publisher_by_id(c, &publisher_id)?;
                    match harvest::apply(c, &a, &location, &publisher, &triples, documents) {
                        Ok(_) => None,
                        Err(e) => Some(e.to_string()),
                    }
                }
            };
            harvest::note_attempt(c, &id, failure.as_deref())?;
            st.views.after_commit(c, &["dataset", "harvest_source"]);
            Ok::<_, AppError>(failure)
        })
        .await?;
        match outcome {
            None => log::info!("scheduled harvest of {} done", source.location),
            Some(e) => log::warn!("scheduled harvest of {} failed: {e}", source.location),
        }
    }
    Ok(due.len())
}

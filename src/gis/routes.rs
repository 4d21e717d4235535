//! The GIS domain's handlers: a layer's import (API and form). The OGC
//! API's reads are in `ogc`.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::crs::Crs;
use super::read::{self, Format, Options};
use super::service::{self, Imported, Marks};
use crate::AppState;
use crate::auth::guard::{Authorized, EditCatalog};
use crate::auth::{CurrentUser, Permission, authorize};
use crate::catalog::model::DatasetRecord;
use crate::error::{AppError, AppResult, FieldError};
use crate::files::model::clean_name;
use crate::files::routes::{UploadQuery, api_user, check_declared, receive, storage};
use crate::files::service::{By, ReadAs};
use crate::files::storage::TempFile;
use crate::web::Page;

/// Imports at once: each reads its layer whole, so two at a time bound
/// the memory they take; a third waits its turn.
static IMPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

fn options(q: &UploadQuery) -> AppResult<Options> {
    let crs = match q
        .crs
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "auto")
    {
        None => None,
        Some(c) => Some(Crs::parse(c).ok_or_else(|| {
            AppError::Validation(vec![FieldError::new("crs", "gis_crs_unknown")])
        })?),
    };
    let col = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.chars().take(200).collect::<String>())
    };
    Ok(Options {
        crs,
        x: col(&q.x),
        y: col(&q.y),
        read_as: ReadAs::parse(q.encoding.as_deref(), q.delimiter.as_deref())?,
    })
}

/// Reads, checks and stores a received layer file.
async fn read_and_import(
    state: &web::Data<AppState>,
    user: CurrentUser,
    slug: String,
    name: String,
    opts: Options,
    temp: TempFile,
) -> AppResult<Imported> {
    let _turn = IMPORTS
        .acquire()
        .await
        .map_err(|_| AppError::Internal(anyhow::anyhow!("the import queue closed")))?;
    let n = name.clone();
    let (temp, parsed) = web::block(move || {
        let parsed = read::read(&temp.path, &n, &opts);
        (temp, parsed)
    })
    .await
    .map_err(|_| AppError::Internal(anyhow::anyhow!("reading a layer failed")))?;
    drop(temp);
    let parsed = parsed.map_err(AppError::Validation)?;
    let st = state.clone();
    let base = state.config.base();
    crate::db::run(&state.pool, move |c| {
        service::import(
            c,
            &storage(&st),
            &st.views,
            By::User(&user),
            &slug,
            &name,
            parsed,
            &Marks::default(),
            &base,
        )
    })
    .await
    .map_err(AppError::from)
}

fn file_name(q: &UploadQuery) -> AppResult<String> {
    let name = q
        .name
        .as_deref()
        .and_then(clean_name)
        .ok_or_else(|| AppError::bad_request("name=FILE is required", Some("name")))?;
    if Format::of(&name).is_none() {
        return Err(AppError::Validation(vec![FieldError::new(
            "name",
            "gis_format_unknown",
        )]));
    }
    Ok(name)
}

/// `POST /api/v1/datasets/{slug}/layers?name=FILE[&crs=EPSG:5514][&x=&y=]`:
/// the raw body is a layer file; the dataset's layer is created or
/// replaced by a new version (201).
pub(crate) async fn api_import(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: web::Query<UploadQuery>,
    body: Authorized<EditCatalog, web::Payload>,
) -> AppResult<HttpResponse> {
    let user = body.user;
    api_user(&user)?;
    let q = q.into_inner();
    let name = file_name(&q)?;
    let opts = options(&q)?;
    let limit = state.config.layer_limit;
    check_declared(&req, limit)?;
    let slug = slug.into_inner();
    let (u, s) = (user.clone(), slug.clone());
    crate::db::run(&state.pool, move |c| service::check(c, By::User(&u), &s)).await?;
    let temp = receive(storage(&state), limit, body.body).await?;
    let imported = read_and_import(&state, user, slug, name, opts, temp).await?;
    // Every import is a new version of the layer (its exports keep the
    // earlier ones): created, whether or not one came before.
    let mut res = HttpResponse::Created();
    let url = format!(
        "{}/ogc/collections/{}",
        state.config.base(),
        imported.collection
    );
    Ok(res
        .insert_header((header::LOCATION, url.clone()))
        .json(json!({
            "collection": imported.collection,
            "features": imported.features,
            "bbox": imported.bbox,
            "crs": imported.crs,
            "version": imported.version,
            "links": [
                {"rel": "collection", "href": url},
                {"rel": "items", "href": format!("{url}/items")},
            ],
        })))
}

/// `GET /datasets/{slug}/layer`: the import form.
pub(crate) async fn import_form(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let s = slug.into_inner();
    let rec = crate::db::run(&page.state.pool, move |c| {
        service::check(c, By::User(&user), &s)
    })
    .await?;
    render_form(&page, &rec, &[], actix_web::http::StatusCode::OK)
}

fn render_form(
    page: &Page,
    rec: &DatasetRecord,
    errors: &[FieldError],
    status: actix_web::http::StatusCode,
) -> AppResult<HttpResponse> {
    let mut ctx = page.context();
    ctx.insert("d", &rec.dataset);
    let by_field: std::collections::HashMap<&str, &str> = errors
        .iter()
        .map(|e| (e.field.as_str(), page.t(&e.message)))
        .collect();
    ctx.insert("errors", &by_field);
    let problems: Vec<serde_json::Value> = errors
        .iter()
        .map(|e| {
            json!({"feature": e.feature, "line": e.line, "column": e.column,
                   "text": page.t(&e.message)})
        })
        .collect();
    ctx.insert("problems", &problems);
    ctx.insert("layer_limit", &page.state.config.layer_limit);
    page.render_status(status, "gis/import.html", &ctx)
}

/// `POST /datasets/{slug}/layer`: the form, its file streamed to disk;
/// then to the dataset's page, where the map shows the layer.
pub(crate) async fn import(
    page: Page,
    slug: web::Path<String>,
    body: Multipart,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let slug = slug.into_inner();
    let (u, s) = (user.clone(), slug.clone());
    let rec = crate::db::run(&page.state.pool, move |c| {
        service::check(c, By::User(&u), &s)
    })
    .await?;
    let again = |errors: Vec<FieldError>| {
        let status = crate::web::form_status(&errors);
        render_form(&page, &rec, &errors, status)
    };
    let limit = page.state.config.layer_limit;
    let (q, temp) = match crate::files::routes::read_upload_form(&page.state, limit, body).await {
        Ok(read) => read,
        Err(AppError::PayloadTooLarge) => {
            return again(vec![FieldError::new("file", "file_too_large")]).map(|mut r| {
                *r.status_mut() = actix_web::http::StatusCode::PAYLOAD_TOO_LARGE;
                r
            });
        }
        Err(e) => return Err(e),
    };
    let Some(temp) = temp else {
        return again(vec![FieldError::new("file", "file_required")]);
    };
    let (name, opts) = match file_name(&q).and_then(|n| Ok((n, options(&q)?))) {
        Ok(x) => x,
        Err(AppError::Validation(errors)) => return again(errors),
        Err(AppError::BadRequest { .. }) => {
            return again(vec![FieldError::new("file", "gis_format_unknown")]);
        }
        Err(e) => return Err(e),
    };
    match read_and_import(&page.state, user, slug.clone(), name, opts, temp).await {
        Ok(_) => {
            Ok(page.see_other_saying(&format!("/datasets/{slug}#mapa"), "flash_layer_imported"))
        }
        Err(AppError::Validation(errors)) => again(errors),
        Err(e) => Err(e),
    }
}

//! The files domain's handlers: uploads (API and form), downloads, the
//! versions, the table API and the preview page. Thin: parse, call the
//! service or the query, answer.

use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;

use super::model::{FileVersion, Kind, clean_name, is_served_file};
use super::query::{self, TableQuery};
use super::service::{self, ReadAs, Target};
use super::storage::{GZIP_UP_TO, Piece, ReceiveError, Storage, TempFile};
use super::store;
use crate::AppState;
use crate::auth::guard::{Authorized, EditCatalog};
use crate::auth::{CurrentUser, Identity, Permission, authorize};
use crate::catalog::model::{DatasetRecord, Distribution};
use crate::error::{AppError, AppResult, FieldError};
use crate::web::Page;

/// What an upload's query says (the API) or its form's fields.
#[derive(Deserialize, Default, Debug)]
pub(crate) struct UploadQuery {
    pub(crate) name: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) encoding: Option<String>,
    pub(crate) delimiter: Option<String>,
    /// A GIS layer's form: its coordinate system and columns (`gis`).
    pub(crate) crs: Option<String>,
    pub(crate) x: Option<String>,
    pub(crate) y: Option<String>,
}

pub(crate) fn storage(state: &AppState) -> Storage {
    Storage::new(&state.config.data_dir)
}

/// Streams a body into a temp file (hashed as it comes), at most `limit`
/// bytes; the writer runs on a blocking thread and the body is never held
/// whole.
pub(crate) async fn receive<S, E>(storage: Storage, limit: u64, mut body: S) -> AppResult<TempFile>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Piece>(8);
    let writer = actix_web::rt::task::spawn_blocking(move || storage.receive(rx, limit));
    let mut failed: Option<ReceiveError> = None;
    let mut total = 0u64;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(c) => {
                total += c.len() as u64;
                if total > limit {
                    failed = Some(ReceiveError::TooLarge);
                    break;
                }
                if tx.send(Piece::Data(c)).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                failed = Some(ReceiveError::Aborted(e.to_string()));
                break;
            }
        }
    }
    if failed.is_none() {
        let _ = tx.send(Piece::End).await;
    }
    drop(tx);
    let written = writer
        .await
        .map_err(|_| AppError::Internal(anyhow::anyhow!("the upload's writer failed")))?;
    match (failed, written) {
        (Some(ReceiveError::TooLarge), _) | (None, Err(ReceiveError::TooLarge)) => {
            Err(AppError::PayloadTooLarge)
        }
        (Some(ReceiveError::Aborted(e)), _) | (None, Err(ReceiveError::Aborted(e))) => {
            Err(AppError::bad_request(e, Some("file")))
        }
        (Some(ReceiveError::Io(e)), _) | (None, Err(ReceiveError::Io(e))) => {
            Err(AppError::Internal(anyhow::anyhow!("receiving a file: {e}")))
        }
        (None, Ok(temp)) => Ok(temp),
    }
}

/// A declared body past the limit is refused before a byte is read.
pub(crate) fn check_declared(req: &HttpRequest, limit: u64) -> AppResult<()> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit => Err(AppError::PayloadTooLarge),
        _ => Ok(()),
    }
}

/// Checks and stores a received file; answers what was stored.
#[expect(
    clippy::too_many_arguments,
    reason = "one write path, each a distinct input"
)]
async fn check_and_store(
    state: &web::Data<AppState>,
    user: CurrentUser,
    slug: String,
    target: Target,
    name: String,
    title: Option<String>,
    read_as: ReadAs,
    temp: TempFile,
) -> AppResult<service::Stored> {
    let max_rows = state.config.table_max_rows;
    let n = name.clone();
    let (temp, checked) = web::block(move || {
        let checked = service::check_file(&temp.path, temp.size, &n, read_as, max_rows);
        (temp, checked)
    })
    .await
    .map_err(|_| AppError::Internal(anyhow::anyhow!("checking a file failed")))?;
    let checked = checked?;
    let st = state.clone();
    let base = state.config.base();
    crate::db::run(&state.pool, move |c| {
        service::store(
            c,
            &storage(&st),
            &st.views,
            service::By::User(&user),
            &slug,
            &target,
            &service::Titles {
                cs: title,
                en: None,
                example: false,
            },
            temp,
            checked,
            &base,
        )
    })
    .await
    .map_err(AppError::from)
}

pub(crate) fn api_user(user: &CurrentUser) -> AppResult<()> {
    if user.via_token {
        Ok(())
    } else {
        Err(AppError::Unauthenticated)
    }
}

fn stored_json(stored: &service::Stored) -> serde_json::Value {
    let mut v = crate::catalog::routes::distribution_json(&stored.distribution);
    v["version"] = serde_json::json!(stored.version.version);
    v
}

/// `POST /api/v1/datasets/{slug}/distributions/upload?name=FILE`: the raw
/// body is a file; a new file distribution, answered as the dataset's
/// distribution JSON (201, `Location` its download URL).
pub(crate) async fn api_upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: web::Query<UploadQuery>,
    body: Authorized<EditCatalog, web::Payload>,
) -> AppResult<HttpResponse> {
    api_upload_to(
        req,
        state,
        slug.into_inner(),
        Target::New,
        q.into_inner(),
        body,
    )
    .await
}

/// `PUT /api/v1/datasets/{slug}/distributions/{id}/file?name=FILE`: a new
/// version of a file distribution behind the same download URL.
pub(crate) async fn api_put_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: web::Query<UploadQuery>,
    body: Authorized<EditCatalog, web::Payload>,
) -> AppResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    api_upload_to(req, state, slug, Target::Version(id), q.into_inner(), body).await
}

async fn api_upload_to(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: String,
    target: Target,
    q: UploadQuery,
    body: Authorized<EditCatalog, web::Payload>,
) -> AppResult<HttpResponse> {
    let user = body.user;
    api_user(&user)?;
    let name = q
        .name
        .as_deref()
        .and_then(clean_name)
        .ok_or_else(|| AppError::bad_request("name=FILE is required", Some("name")))?;
    let read_as = ReadAs::parse(q.encoding.as_deref(), q.delimiter.as_deref())?;
    let limit = state.config.file_limit;
    check_declared(&req, limit)?;
    // The right to change this dataset before a byte of the body.
    let (u, s, t) = (user.clone(), slug.clone(), target.clone());
    crate::db::run(&state.pool, move |c| service::check_target(c, &u, &s, &t)).await?;
    let temp = receive(storage(&state), limit, body.body).await?;
    let created = matches!(target, Target::New);
    let stored = check_and_store(&state, user, slug, target, name, q.title, read_as, temp).await?;
    let mut res = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res
        .insert_header((
            header::LOCATION,
            stored.distribution.download_url.clone().unwrap_or_default(),
        ))
        .json(stored_json(&stored)))
}

// --- reading ------------------------------------------------------------------

/// A file distribution of a dataset the user may see: published for
/// everyone, a draft or a withdrawn one for the publisher's curators; a
/// withdrawn one is gone for the rest.
fn visible(
    conn: &mut crate::db::DbConnection,
    user: Option<&CurrentUser>,
    rec: Option<DatasetRecord>,
    distribution_id: &str,
) -> Result<(DatasetRecord, Distribution, bool), AppError> {
    let rec = rec.ok_or(AppError::NotFound)?;
    let curator = user.is_some_and(|u| {
        crate::catalog::service::Policy::may_act_for(conn, u, &rec.dataset.publisher_id)
            .unwrap_or(false)
    });
    let rec = crate::catalog::service::Policy::readable(conn, user, rec)?;
    let d = rec
        .distributions
        .iter()
        .find(|d| d.id == distribution_id && is_served_file(d))
        .cloned()
        .ok_or(AppError::NotFound)?;
    let may_edit = curator && !rec.dataset.is_harvested();
    Ok((rec, d, may_edit))
}

#[derive(Deserialize)]
pub(crate) struct VersionQuery {
    version: Option<i32>,
}

const CHUNK: u64 = 4 * 1024 * 1024;

type Read = actix_web::rt::task::JoinHandle<std::io::Result<Bytes>>;

/// Reads `n` bytes at `pos` on the blocking pool.
fn read_at(file: &Arc<std::fs::File>, pos: u64, n: u64) -> Read {
    let f = file.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let mut buf = vec![0u8; n as usize];
        f.read_exact_at(&mut buf, pos).map(|_| Bytes::from(buf))
    })
}

/// The bytes `start..start+len` of a file, a chunk at a time on the
/// blocking pool, the next chunk read while the last one is sent (no
/// thread is held between chunks, however slow the client), so memory
/// stays at two chunks whatever the file's size. Nothing is read before
/// the body is first polled (a HEAD request reads nothing).
fn file_stream(
    file: Arc<std::fs::File>,
    start: u64,
    len: u64,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    // `pos` and `left` say what is still to be read; `pending` is the read
    // under way.
    let state: (Arc<std::fs::File>, u64, u64, Option<Read>) = (file, start, len, None);
    futures_util::stream::unfold(state, |(file, mut pos, mut left, pending)| async move {
        let take = |pos: &mut u64, left: &mut u64| {
            let n = (*left).min(CHUNK);
            let read = read_at(&file, *pos, n);
            *pos += n;
            *left -= n;
            read
        };
        let current = match pending {
            Some(read) => read,
            None if left > 0 => take(&mut pos, &mut left),
            None => return None,
        };
        let next = (left > 0).then(|| take(&mut pos, &mut left));
        let failed = |e: String| Err(actix_web::error::ErrorInternalServerError(e));
        match current.await {
            Ok(Ok(bytes)) => Some((Ok(bytes), (file, pos, left, next))),
            Ok(Err(e)) => Some((failed(e.to_string()), (file, pos, 0, None))),
            Err(e) => Some((failed(e.to_string()), (file, pos, 0, None))),
        }
    })
}

/// The byte range a `Range` header asks for in a file of `size` bytes:
/// `Ok(None)` for the whole file (no header, several ranges, another
/// unit), `Err(())` when it cannot be satisfied.
fn byte_range(value: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = match (a.is_empty(), b.is_empty()) {
        (true, false) => {
            let suffix: u64 = b.parse().map_err(|_| ())?;
            if suffix == 0 {
                return Err(());
            }
            (size.saturating_sub(suffix), size.saturating_sub(1))
        }
        (false, _) => {
            let start: u64 = a.parse().map_err(|_| ())?;
            let end: u64 = if b.is_empty() {
                size.saturating_sub(1)
            } else {
                b.parse::<u64>()
                    .map_err(|_| ())?
                    .min(size.saturating_sub(1))
            };
            (start, end)
        }
        (true, true) => return Err(()),
    };
    if size == 0 || start >= size || start > end {
        return Err(());
    }
    Ok(Some((start, end - start + 1)))
}

fn matches_etag(value: Option<&str>, etag: &str) -> bool {
    value.is_some_and(|v| {
        v.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag)
    })
}

fn modified_time(v: &FileVersion) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(v.created_at.and_utc().timestamp().max(0) as u64)
}

/// `Content-Disposition` with the stored file name: plain ASCII and the
/// UTF-8 form (RFC 6266) for Czech names.
fn disposition(kind: &Kind, name: &str) -> String {
    let how = if kind.renders() {
        "attachment"
    } else {
        "inline"
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let utf8 = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("{how}; filename=\"{ascii}\"; filename*=UTF-8''{utf8}")
}

/// `GET|HEAD /datasets/{slug}/distributions/{id}/download[?version=N]`:
/// the file as stored, with its ETag (its SHA-256), Last-Modified and
/// Range; text under `GZIP_UP_TO` gzipped for clients that accept it.
/// It can never run as a page of the portal: `nosniff`, a sandboxing CSP,
/// and `attachment` for whatever a browser would render.
pub(crate) async fn download(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: web::Query<VersionQuery>,
) -> AppResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let wanted = q.version;
    let user = identity.user().cloned();
    let version = crate::db::run(&state.pool, move |c| {
        let rec = crate::catalog::store::record_by_slug(c, &slug)?;
        let (_, d, _) = visible(c, user.as_ref(), rec, &id)?;
        store::version(c, &d.id, wanted)?.ok_or(AppError::NotFound)
    })
    .await?;
    let storage = storage(&state);
    let kind = Kind::of(&version.file_name);
    let etag = format!("\"{}\"", version.sha256);
    let modified = modified_time(&version);
    let mut res = HttpResponse::Ok();
    res.insert_header((header::ETAG, etag.clone()))
        .insert_header((header::LAST_MODIFIED, header::HttpDate::from(modified)))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CONTENT_TYPE, version.media_type.clone()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            disposition(&kind, &version.file_name),
        ))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((
            header::CACHE_CONTROL,
            if wanted.is_some() {
                // A numbered version never changes.
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=0, must-revalidate"
            },
        ));
    let text_header = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let not_modified = match text_header(header::IF_NONE_MATCH) {
        Some(v) => matches_etag(Some(&v), &etag),
        None => req
            .get_header::<header::IfModifiedSince>()
            .is_some_and(|since| SystemTime::from(since.0) >= modified),
    };
    if not_modified {
        return Ok(res
            .status(actix_web::http::StatusCode::NOT_MODIFIED)
            .finish());
    }
    let blob = storage.blob(&version.sha256);
    let size = version.byte_size.max(0) as u64;
    // `If-Range` with another tag (or a date) asks for the whole file.
    let range_header = text_header(header::RANGE)
        .filter(|_| text_header(header::IF_RANGE).is_none_or(|v| v.trim() == etag));
    let range = match byte_range(range_header.as_deref(), size) {
        Ok(r) => r,
        Err(()) => {
            return Ok(res
                .status(actix_web::http::StatusCode::RANGE_NOT_SATISFIABLE)
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .finish());
        }
    };
    let accepts_gzip = text_header(header::ACCEPT_ENCODING).is_some_and(|v| {
        v.split(',')
            .any(|e| e.split(';').next().is_some_and(|e| e.trim() == "gzip"))
    });
    let gz = storage.gzipped(&version.sha256);
    let (file_path, start, len) = match range {
        Some((start, len)) => {
            res.status(actix_web::http::StatusCode::PARTIAL_CONTENT)
                .insert_header((
                    header::CONTENT_RANGE,
                    format!("bytes {start}-{}/{size}", start + len - 1),
                ));
            (blob, start, len)
        }
        None if accepts_gzip && kind.text && size <= GZIP_UP_TO && gz.exists() => {
            let gz_len = std::fs::metadata(&gz).map(|m| m.len()).unwrap_or(0);
            res.insert_header((header::CONTENT_ENCODING, "gzip"))
                // The compressed bytes are another entity.
                .insert_header((header::ETAG, format!("\"{}-gzip\"", version.sha256)));
            (gz, 0, gz_len)
        }
        None => (blob, 0, size),
    };
    let file = std::fs::File::open(&file_path)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("a stored file is missing: {e}")))?;
    Ok(res
        .no_chunking(len)
        .streaming(file_stream(Arc::new(file), start, len)))
}

/// `GET /api/v1/datasets/{slug}/distributions/{id}/versions`: every
/// version, newest first, each with its download URL.
pub(crate) async fn api_versions(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let user = identity.user().cloned();
    let (d, versions) = crate::db::run(&state.pool, move |c| {
        let rec = crate::catalog::store::record_by_slug(c, &slug)?;
        let (_, d, _) = visible(c, user.as_ref(), rec, &id)?;
        let versions = store::versions(c, &d.id)?;
        Ok::<_, AppError>((d, versions))
    })
    .await?;
    let url = d.download_url.unwrap_or_default();
    let items: Vec<serde_json::Value> = versions
        .iter()
        .map(|v| {
            serde_json::json!({
                "version": v.version,
                "file_name": v.file_name,
                "media_type": v.media_type,
                "byte_size": v.byte_size,
                "checksum": v.sha256,
                "created_at": format!("{}Z", v.created_at.format("%Y-%m-%dT%H:%M:%S")),
                "download_url": format!("{url}?version={}", v.version),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "versions": items })))
}

// --- tables ---------------------------------------------------------------------

/// The distribution's dataset, if the user may see it, and its tables.
async fn tables_of(
    state: &web::Data<AppState>,
    user: Option<CurrentUser>,
    distribution_id: String,
) -> AppResult<(DatasetRecord, Distribution, Vec<store::DataTable>)> {
    crate::db::run(&state.pool, move |c| {
        let rec = match crate::catalog::store::dataset_of_distribution(c, &distribution_id)? {
            Some(dataset_id) => {
                crate::catalog::store::record_by_id(c, &dataset_id)?.map(|(r, _)| r)
            }
            None => None,
        };
        let (rec, d, _) = visible(c, user.as_ref(), rec, &distribution_id)?;
        let tables = store::tables(c, &d.id)?;
        Ok::<_, AppError>((rec, d, tables))
    })
    .await
    .map_err(AppError::from)
}

fn pick_sheet(tables: Vec<store::DataTable>, sheet: Option<i32>) -> AppResult<store::DataTable> {
    if tables.is_empty() {
        return Err(AppError::Missing(
            "this distribution is not a table the portal reads".into(),
        ));
    }
    match sheet {
        None => tables.into_iter().next().ok_or(AppError::NotFound),
        Some(s) => tables
            .into_iter()
            .find(|t| t.sheet == s)
            .ok_or_else(|| AppError::Missing(format!("no sheet {s}"))),
    }
}

/// `GET /api/v1/tables/{distribution}?filter[col]=…&q=…&sort=col|-col&limit=…&offset=…`:
/// the rows of a stored table, in the manner of CKAN's DataStore.
pub(crate) async fn api_table(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let query = TableQuery::parse(req.query_string(), 100, 1000)?;
    let (_, d, tables) = tables_of(&state, identity.user().cloned(), id.into_inner()).await?;
    let table = pick_sheet(tables, query.sheet)?;
    let page = crate::db::run(&state.pool, move |c| query::run(c, &table, &query)).await?;
    let mut v = serde_json::to_value(&page).unwrap_or_default();
    v["distribution"] = serde_json::json!(d.id);
    Ok(HttpResponse::Ok().json(v))
}

/// `GET /api/v1/tables/{distribution}/schema`: the table's Frictionless
/// Table Schema, with the file's own conventions (decimal comma, Czech
/// dates).
pub(crate) async fn api_table_schema(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let query = TableQuery::parse(req.query_string(), 100, 1000)?;
    let (_, _, tables) = tables_of(&state, identity.user().cloned(), id.into_inner()).await?;
    let table = pick_sheet(tables, query.sheet)?;
    Ok(HttpResponse::Ok()
        .content_type("application/schema+json")
        .json(query::table_schema(&table)))
}

// --- pages ------------------------------------------------------------------------

/// `GET /datasets/{slug}/distributions/{id}/preview`: the file's facts,
/// its versions, and for a table a paged, sortable, searchable preview;
/// the curator's forms for a new version.
pub(crate) async fn preview_page(
    req: HttpRequest,
    page: Page,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let query = TableQuery::parse(req.query_string(), 25, 100)?;
    let user = page.identity.user().cloned();
    let found = crate::db::run(&page.state.pool, move |c| {
        let rec = crate::catalog::store::record_by_slug(c, &slug)?;
        let (rec, d, may_edit) = visible(c, user.as_ref(), rec, &id)?;
        let versions = store::versions(c, &d.id)?;
        let tables = store::tables(c, &d.id)?;
        let sheets: Vec<(i32, Option<String>)> = tables
            .iter()
            .map(|t| (t.sheet, t.sheet_name.clone()))
            .collect();
        let table = match query.sheet {
            Some(s) => tables.into_iter().find(|t| t.sheet == s),
            None => tables.into_iter().next(),
        };
        let preview = match &table {
            Some(t) => Some(query::run(c, t, &query)?),
            None => None,
        };
        Ok::<_, AppError>((rec, d, may_edit, versions, sheets, table, preview, query))
    })
    .await?;
    let (rec, d, may_edit, versions, sheets, table, preview, query) = found;
    let mut ctx = page.context();
    ctx.insert("d", &rec.dataset);
    ctx.insert("x", &d);
    ctx.insert("may_edit", &may_edit);
    let shown: Vec<serde_json::Value> = versions
        .iter()
        .map(|v| {
            serde_json::json!({
                "version": v.version,
                "file_name": v.file_name,
                "byte_size": v.byte_size,
                "sha256": v.sha256,
                "at": crate::web::local_time(&v.created_at),
            })
        })
        .collect();
    ctx.insert("versions", &shown);
    ctx.insert(
        "sheets",
        &sheets
            .iter()
            .map(|(i, n)| serde_json::json!({"index": i, "name": n}))
            .collect::<Vec<_>>(),
    );
    if let (Some(t), Some(p)) = (&table, &preview) {
        ctx.insert("sheet", &t.sheet);
        ctx.insert("encoding", &t.encoding);
        ctx.insert(
            "delimiter",
            &t.delimiter.as_deref().map(|d| match d {
                "\t" => "tab".to_string(),
                other => other.to_string(),
            }),
        );
        ctx.insert("preview", p);
        // Each column's header sorts by it, the second click the other way.
        let qs = |sort: Option<&str>| {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            if let Some(q) = &query.q {
                s.append_pair("q", q);
            }
            if let Some(sort) = sort {
                s.append_pair("sort", sort);
            }
            if let Some(sheet) = query.sheet {
                s.append_pair("sheet", &sheet.to_string());
            }
            s.finish()
        };
        let columns: Vec<serde_json::Value> = p
            .fields
            .iter()
            .map(|f| {
                let (aria, next) = match query.sort.as_deref() {
                    Some(s) if s == f.name => ("ascending", format!("-{}", f.name)),
                    Some(s) if s.strip_prefix('-') == Some(f.name.as_str()) => {
                        ("descending", f.name.clone())
                    }
                    _ => ("none", f.name.clone()),
                };
                serde_json::json!({
                    "name": f.name,
                    "type": f.kind,
                    "aria_sort": aria,
                    "href": format!("?{}", qs(Some(&next))),
                })
            })
            .collect();
        ctx.insert("columns", &columns);
        let here = qs(query.sort.as_deref());
        ctx.insert(
            "page_href",
            &if here.is_empty() {
                "?".to_string()
            } else {
                format!("?{here}&")
            },
        );
        ctx.insert("q", &query.q.clone().unwrap_or_default());
        ctx.insert("sort", &query.sort.clone().unwrap_or_default());
        let per_page = query.limit.max(1);
        let pages = (p.total + per_page - 1) / per_page;
        let current = query.offset / per_page + 1;
        ctx.insert("page_no", &current);
        ctx.insert("pages", &pages.max(1));
        ctx.insert("per_page", &per_page);
        ctx.insert("first_row", &(query.offset + 1).min(p.total));
        ctx.insert("last_row", &(query.offset + p.records.len() as i64));
    }
    page.render("files/preview.html", &ctx)
}

/// `GET /datasets/{slug}/distributions/upload`: the curator's form for a
/// new file.
pub(crate) async fn upload_form(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let slug = slug.into_inner();
    let s = slug.clone();
    let rec = crate::db::run(&page.state.pool, move |c| {
        service::check_target(c, &user, &s, &Target::New)
    })
    .await?;
    render_upload(&page, &rec, None, &[], actix_web::http::StatusCode::OK)
}

fn render_upload(
    page: &Page,
    rec: &DatasetRecord,
    version_of: Option<&Distribution>,
    errors: &[FieldError],
    status: actix_web::http::StatusCode,
) -> AppResult<HttpResponse> {
    let mut ctx = page.context();
    ctx.insert("d", &rec.dataset);
    ctx.insert("version_of", &version_of);
    // The fields' own errors for the form's components, and each problem
    // with where in the file it is.
    let by_field: std::collections::HashMap<&str, &str> = errors
        .iter()
        .map(|e| (e.field.as_str(), page.t(&e.message)))
        .collect();
    ctx.insert("errors", &by_field);
    let problems: Vec<serde_json::Value> = errors
        .iter()
        .map(
            |e| serde_json::json!({"line": e.line, "column": e.column, "text": page.t(&e.message)}),
        )
        .collect();
    ctx.insert("problems", &problems);
    ctx.insert("file_limit", &page.state.config.file_limit);
    page.render_status(status, "files/upload.html", &ctx)
}

/// The upload form's fields; the file, streamed, comes last.
pub(crate) async fn read_upload_form(
    state: &web::Data<AppState>,
    limit: u64,
    mut body: Multipart,
) -> AppResult<(UploadQuery, Option<TempFile>)> {
    let mut q = UploadQuery::default();
    let mut temp = None;
    while let Some(field) = body.next().await {
        let mut field = field.map_err(|e| AppError::bad_request(e.to_string(), None))?;
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let filename = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .map(str::to_string);
            let received = receive(storage(state), limit, &mut field).await?;
            if filename.as_deref().is_some_and(|n| !n.is_empty()) {
                q.name = filename;
                temp = Some(received);
            }
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| AppError::bad_request(e.to_string(), None))?;
            if bytes.len() + chunk.len() > 4096 {
                return Err(AppError::PayloadTooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        match name.as_str() {
            "title" => q.title = Some(text),
            "encoding" => q.encoding = Some(text),
            "delimiter" => q.delimiter = Some(text),
            "crs" => q.crs = Some(text),
            "x" => q.x = Some(text),
            "y" => q.y = Some(text),
            _ => {}
        }
    }
    Ok((q, temp))
}

/// `POST /datasets/{slug}/distributions/upload` (a new file) and
/// `POST /datasets/{slug}/distributions/{id}/file` (a new version): the
/// multipart form, its file streamed to disk.
pub(crate) async fn upload(
    page: Page,
    slug: web::Path<String>,
    body: Multipart,
) -> AppResult<HttpResponse> {
    form_upload(page, slug.into_inner(), Target::New, body).await
}

pub(crate) async fn upload_version(
    page: Page,
    path: web::Path<(String, String)>,
    body: Multipart,
) -> AppResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    form_upload(page, slug, Target::Version(id), body).await
}

async fn form_upload(
    page: Page,
    slug: String,
    target: Target,
    body: Multipart,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (u, s, t) = (user.clone(), slug.clone(), target.clone());
    let rec = crate::db::run(&page.state.pool, move |c| {
        service::check_target(c, &u, &s, &t)
    })
    .await?;
    let version_of = match &target {
        Target::Version(id) => rec.distributions.iter().find(|d| &d.id == id).cloned(),
        Target::New => None,
    };
    let again = |errors: Vec<FieldError>| {
        let status = crate::web::form_status(&errors);
        render_upload(&page, &rec, version_of.as_ref(), &errors, status)
    };
    let (q, temp) = match read_upload_form(&page.state, page.state.config.file_limit, body).await {
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
    let read_as = match ReadAs::parse(q.encoding.as_deref(), q.delimiter.as_deref()) {
        Ok(r) => r,
        Err(AppError::Validation(errors)) => return again(errors),
        Err(e) => return Err(e),
    };
    let name = q
        .name
        .as_deref()
        .and_then(clean_name)
        .unwrap_or_else(|| "soubor".to_string());
    let title = q.title.filter(|t| !t.trim().is_empty());
    match check_and_store(&page.state, user, slug, target, name, title, read_as, temp).await {
        Ok(stored) => Ok(page.see_other_saying(
            &format!(
                "/datasets/{}/distributions/{}/preview",
                stored.slug, stored.distribution.id
            ),
            "flash_file_stored",
        )),
        Err(AppError::Validation(errors)) => again(errors),
        Err(e) => Err(e),
    }
}

/// `DELETE /api/v1/datasets/{slug}/distributions/{id}/file`: the file
/// distribution and all its versions are removed (204).
pub(crate) async fn api_delete_file(
    state: web::Data<AppState>,
    identity: Identity,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = authorize(&identity, Permission::EditCatalog)?.clone();
    api_user(&user)?;
    let (slug, id) = path.into_inner();
    let st = state.clone();
    crate::db::run(&state.pool, move |c| {
        service::remove(c, &storage(&st), &st.views, &user, &slug, &id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /datasets/{slug}/distributions/{id}/file/delete`: the same from
/// the preview page's form; back to the dataset.
pub(crate) async fn delete_file(
    page: Page,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (slug, id) = path.into_inner();
    let st = page.state.clone();
    let s = slug.clone();
    crate::db::run(&page.state.pool, move |c| {
        service::remove(c, &storage(&st), &st.views, &user, &s, &id)
    })
    .await?;
    Ok(page.see_other_saying(&format!("/datasets/{slug}"), "flash_file_deleted"))
}

/// `GET /datasets/{slug}/distributions/{id}/file`: the form for a new
/// version of a file distribution.
pub(crate) async fn version_form(
    page: Page,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (slug, id) = path.into_inner();
    let target = Target::Version(id.clone());
    let rec = crate::db::run(&page.state.pool, move |c| {
        service::check_target(c, &user, &slug, &target)
    })
    .await?;
    let d = rec.distributions.iter().find(|d| d.id == id).cloned();
    render_upload(
        &page,
        &rec,
        d.as_ref(),
        &[],
        actix_web::http::StatusCode::OK,
    )
}

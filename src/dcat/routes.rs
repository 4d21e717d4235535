//! Handlers for the RDF documents: the catalog (LKOD entry point), each
//! dataset and distribution, and the streamed dump. Open to every origin
//! (CORS), as harvesters and browser apps read them from elsewhere.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::documents;
use super::format::{self, Format};
use crate::AppState;
use crate::catalog::datasets;
use crate::error::{AppError, AppResult};

/// Datasets listed per page of the catalog document.
pub const CATALOG_PAGE_SIZE: usize = 1_000;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/catalog", web::get().to(catalog))
        .route("/catalog.{ext}", web::get().to(catalog_suffix))
        .route("/catalog/dump.{ext}", web::get().to(dump))
        // Before `/datasets/{slug}`, which would take `x.ttl` as a slug.
        .route(
            "/datasets/{slug}.{ext:(ttl|jsonld|rdf|nt)}",
            web::get().to(dataset_suffix),
        );
}

/// After the curators' pages: `/datasets/{slug}/distributions/new` is a form.
pub fn late_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/datasets/{slug}/distributions/{id}",
        web::get().to(distribution),
    );
}

/// Marks a response as readable from any origin and as varying by Accept.
pub fn open(mut res: HttpResponse) -> HttpResponse {
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    h.insert(header::VARY, header::HeaderValue::from_static("Accept"));
    res
}

fn document(format: Format, body: Vec<u8>) -> HttpResponse {
    open(
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, format.content_type()))
            .body(body),
    )
}

/// `?page=N[&per_page=M]` asks for one page of the catalog with a hydra
/// view; without it the document lists every dataset, as NKOD reads only one
/// document per catalog (DCAT-AP-CZ defines no paging).
#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<usize>,
    per_page: Option<usize>,
}

impl PageQuery {
    fn paging(&self) -> (usize, usize) {
        match (self.page, self.per_page) {
            (None, None) => (1, usize::MAX),
            (page, per_page) => (
                page.unwrap_or(1),
                per_page
                    .unwrap_or(CATALOG_PAGE_SIZE)
                    .clamp(1, 10 * CATALOG_PAGE_SIZE),
            ),
        }
    }
}

async fn catalog(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    match format::negotiate(&req) {
        Some(f) => catalog_document(state, f, q.paging()).await,
        None => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/datasets"))
            .finish()),
    }
}

async fn catalog_suffix(
    state: web::Data<AppState>,
    ext: web::Path<String>,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let f = Format::from_ext(&ext).ok_or(AppError::NotFound)?;
    catalog_document(state, f, q.paging()).await
}

async fn catalog_document(
    state: web::Data<AppState>,
    f: Format,
    (page, per_page): (usize, usize),
) -> AppResult<HttpResponse> {
    let st = state.clone();
    let body = crate::db::run(&state.pool, move |c| {
        let store = st.rdf.current(c)?;
        let iris = st.rdf.iris();
        // The IRI of the catalog is its document's address too.
        let doc = documents::catalog(&store, iris, page, per_page, &iris.catalog())?;
        let mut out = Vec::new();
        match f {
            Format::JsonLd => super::jsonld::catalog(iris, &doc, &mut out)?,
            _ => documents::write(f, &doc.triples, &mut out)?,
        }
        Ok::<_, AppError>(out)
    })
    .await?;
    Ok(document(f, body))
}

/// The dataset's RDF for content negotiation on its HTML URL.
pub async fn dataset_document(
    state: web::Data<AppState>,
    slug: String,
    f: Format,
) -> AppResult<HttpResponse> {
    let st = state.clone();
    let body = crate::db::run(&state.pool, move |c| {
        let store = st.rdf.current(c)?;
        let iris = st.rdf.iris();
        let Some(triples) = documents::dataset(&store, iris, &slug)? else {
            // Not in the projection: withdrawn (410 with the reason) or
            // never published (404), as on the HTML page.
            let rec = datasets::record_by_slug(c, &slug)?.ok_or(AppError::NotFound)?;
            return Err(match rec.dataset.status.as_str() {
                "withdrawn" => AppError::Gone(rec.dataset.withdrawn_reason.unwrap_or_default()),
                _ => AppError::NotFound,
            });
        };
        let mut out = Vec::new();
        match f {
            Format::JsonLd => {
                super::jsonld::dataset(&iris.dataset(&slug), &triples, &mut out)?;
            }
            _ => documents::write(f, &triples, &mut out)?,
        }
        Ok(out)
    })
    .await?;
    Ok(document(f, body))
}

async fn dataset_suffix(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (slug, ext) = path.into_inner();
    let f = Format::from_ext(&ext).ok_or(AppError::NotFound)?;
    dataset_document(state, slug, f).await
}

/// A distribution's IRI: its dataset's document holds it, so RDF clients get
/// that and browsers the dataset page at the distribution.
async fn distribution(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    match format::negotiate(&req) {
        Some(f) => dataset_document(state, slug, f).await,
        None => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/datasets/{slug}#distribution-{id}"),
            ))
            .finish()),
    }
}

/// The whole projection as Turtle or N-Triples, streamed: a blocking task
/// writes into a bounded channel that the response body drains, so memory
/// stays flat however large the catalog.
async fn dump(state: web::Data<AppState>, ext: web::Path<String>) -> AppResult<HttpResponse> {
    let f = Format::from_ext(&ext)
        .filter(|f| matches!(f, Format::Turtle | Format::NTriples))
        .ok_or(AppError::NotFound)?;
    let st = state.clone();
    let store = crate::db::run(&state.pool, move |c| st.rdf.current(c)).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<web::Bytes>>(16);
    actix_web::rt::task::spawn_blocking(move || {
        let mut w = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
        };
        let result = documents::dump(&store, f, &mut w).and_then(|_| w.flush_chunk());
        if let Err(e) = result {
            // A client that went away closes the channel; nothing to tell.
            log::warn!("catalog dump stopped: {e}");
            let _ = tx.blocking_send(Err(e));
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok(open(
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, f.content_type()))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"catalog.{}\"", f.ext()),
            ))
            .streaming(body),
    ))
}

const CHUNK: usize = 64 * 1024;

struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<std::io::Result<web::Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn flush_chunk(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(web::Bytes::from(chunk)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush_chunk()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

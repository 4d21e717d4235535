//! Handlers for the RDF documents: the catalog (LKOD entry point), each
//! dataset and distribution, and the streamed dump. Open to every origin
//! (CORS), as harvesters and browser apps read them from elsewhere.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::documents;
use super::format::{self, Format};
use crate::AppState;
use crate::catalog::model::DatasetStatus;
use crate::catalog::store;
use crate::error::{AppError, AppResult};

/// Datasets listed per page of the catalog document.
pub const CATALOG_PAGE_SIZE: usize = 1_000;

use crate::web::headers::open;

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

pub(crate) async fn catalog(
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

pub(crate) async fn catalog_suffix(
    state: web::Data<AppState>,
    ext: web::Path<String>,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let f = Format::from_ext(&ext).ok_or(AppError::NotFound)?;
    catalog_document(state, f, q.paging()).await
}

pub(crate) async fn catalog_document(
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
            _ => documents::write(f, &doc, &mut out)?,
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
    // A published dataset from a freshly checked projection is answered
    // here, without the database and the hop to the blocking pool: its
    // document is a few dozen triples read from memory.
    state.rdf.refreshed(&state.pool).await?;
    if let Some(store) = state.rdf.fresh()
        && let Some(triples) = documents::dataset(&store, state.rdf.iris(), &slug, refs(f))?
    {
        return Ok(document(f, serialise(&state, &slug, f, &triples)?));
    }
    let st = state.clone();
    let body = crate::db::run(&state.pool, move |c| {
        let store = st.rdf.current(c)?;
        let iris = st.rdf.iris();
        let Some(triples) = documents::dataset(&store, iris, &slug, refs(f))? else {
            // Not in the projection: withdrawn (410 with the reason) or
            // never published (404), as on the HTML page.
            let rec = store::record_by_slug(c, &slug)?.ok_or(AppError::NotFound)?;
            return Err(match rec.dataset.status {
                DatasetStatus::Withdrawn => {
                    AppError::Gone(rec.dataset.withdrawn_reason.unwrap_or_default())
                }
                _ => AppError::NotFound,
            });
        };
        serialise(&st, &slug, f, &triples)
    })
    .await?;
    Ok(document(f, body))
}

fn refs(f: Format) -> documents::Refs {
    match f {
        Format::JsonLd => documents::Refs::Compact,
        _ => documents::Refs::All,
    }
}

fn serialise(
    state: &AppState,
    slug: &str,
    f: Format,
    triples: &[oxigraph::model::Triple],
) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    match f {
        Format::JsonLd => {
            super::jsonld::dataset(&state.rdf.iris().dataset(slug), triples, &mut out)?;
        }
        _ => documents::write(f, triples, &mut out)?,
    }
    Ok(out)
}

pub(crate) async fn dataset_suffix(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (slug, ext) = path.into_inner();
    let f = Format::from_ext(&ext).ok_or(AppError::NotFound)?;
    dataset_document(state, slug, f).await
}

/// A distribution's IRI: its dataset's document holds it, so RDF clients get
/// that and browsers the dataset page at the distribution.
pub(crate) async fn distribution(
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
pub(crate) async fn dump(
    state: web::Data<AppState>,
    ext: web::Path<String>,
) -> AppResult<HttpResponse> {
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

#[derive(Deserialize)]
pub struct SparqlParams {
    query: Option<String>,
    update: Option<String>,
    format: Option<String>,
}

/// Example queries on the editor page: (i18n key, query).
pub const EXAMPLES: [(&str, &str); 3] = [
    (
        "sparql_example_publishers",
        "SELECT ?publisher ?name (COUNT(?dataset) AS ?datasets)\nWHERE {\n  ?dataset a dcat:Dataset ;\n           dct:publisher ?publisher .\n  OPTIONAL { ?publisher foaf:name ?name FILTER(lang(?name) = \"cs\") }\n}\nGROUP BY ?publisher ?name\nORDER BY DESC(?datasets)",
    ),
    (
        "sparql_example_themes",
        "SELECT ?theme ?label (COUNT(?dataset) AS ?datasets)\nWHERE {\n  ?dataset a dcat:Dataset ;\n           dcat:theme ?theme .\n  OPTIONAL { ?theme skos:prefLabel ?label FILTER(lang(?label) = \"cs\") }\n}\nGROUP BY ?theme ?label\nORDER BY DESC(?datasets)",
    ),
    (
        "sparql_example_recent",
        "SELECT ?dataset ?title ?modified\nWHERE {\n  ?dataset a dcat:Dataset ;\n           dct:title ?title ;\n           dct:modified ?modified .\n  FILTER(lang(?title) = \"cs\")\n}\nORDER BY DESC(?modified)\nLIMIT 20",
    ),
];

pub(crate) async fn sparql_get(
    req: HttpRequest,
    page: crate::web::Page,
    q: web::Query<SparqlParams>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    sparql(req, page, q.query, q.update, q.format).await
}

pub(crate) async fn sparql_post(
    req: HttpRequest,
    page: crate::web::Page,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| AppError::bad_request("the request body is not UTF-8", None))?;
    let format = web::Query::<SparqlParams>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().format);
    match content_type.as_str() {
        "application/sparql-query" => sparql(req, page, Some(text), None, format).await,
        "application/sparql-update" => sparql(req, page, None, Some(text), format).await,
        "application/x-www-form-urlencoded" => {
            let p = form_params(&text);
            sparql(req, page, p.query, p.update, p.format.or(format)).await
        }
        _ => Err(AppError::UnsupportedMediaType),
    }
}

fn form_params(text: &str) -> SparqlParams {
    let mut p = SparqlParams {
        query: None,
        update: None,
        format: None,
    };
    for (k, v) in url::form_urlencoded::parse(text.as_bytes()) {
        match k.as_ref() {
            "query" => p.query = Some(v.into_owned()),
            "update" => p.update = Some(v.into_owned()),
            "format" => p.format = Some(v.into_owned()),
            _ => {}
        }
    }
    p
}

pub(crate) async fn sparql_preflight() -> HttpResponse {
    open(
        HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type, Accept"))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
            .finish(),
    )
}

/// The client's wished formats: `format=` first, then Accept by q-value.
fn wishes(req: &HttpRequest, format: Option<&str>) -> (Vec<String>, bool) {
    let mut w: Vec<String> = format
        .filter(|f| !f.trim().is_empty())
        .map(|f| vec![f.to_string()])
        .unwrap_or_default();
    let explicit = !w.is_empty();
    let accept: Vec<(String, f32)> = format::accepted(req)
        .into_iter()
        .filter(|(_, q)| *q > 0.0)
        .collect();
    let html = !explicit
        && accept
            .first()
            .is_some_and(|(m, _)| m == "text/html" || m == "application/xhtml+xml");
    w.extend(accept.into_iter().map(|(m, _)| m));
    (w, html)
}

pub(crate) async fn sparql(
    req: HttpRequest,
    page: crate::web::Page,
    query: Option<String>,
    update: Option<String>,
    format: Option<String>,
) -> AppResult<HttpResponse> {
    use super::sparql::{self as sp, SparqlError};
    let (wished, html) = wishes(&req, format.as_deref());
    let i18n = |key: &str| page.state.i18n.text(page.lang, key).to_string();
    if update.is_some() {
        return Err(AppError::Forbidden);
    }
    let query = query.filter(|q| !q.trim().is_empty());
    let Some(text) = query else {
        if html {
            return sparql_page(&page, None, None, None).map(open);
        }
        return Err(AppError::bad_request(
            i18n("sparql_missing_query"),
            Some("query"),
        ));
    };
    let state = page.state.clone();
    let limits = sp::Limits::from_config(&state.config);
    let message = |e: &SparqlError| e.message(i18n);
    // Refused before it takes a slot or a thread.
    let outcome = match sp::check_text(&text, &limits) {
        Err(e) => Err(e),
        Ok(()) => match state.sparql.slot().await {
            Err(e) => Err(e),
            Ok(slot) => {
                // The connection is held only to check the projection's
                // freshness; the query reads the snapshot without it.
                let rdf = state.clone();
                let store = crate::db::run(&state.pool, move |c| rdf.rdf.current(c)).await?;
                let wanted = if html {
                    sp::Wanted::Page
                } else {
                    sp::Wanted::Raw(wished)
                };
                state
                    .sparql
                    .answer(slot, store, text.clone(), wanted, limits)
                    .await
            }
        },
    };
    match outcome {
        Ok(sp::Answer::Raw(output, body)) => Ok(open(
            HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, output.content_type()))
                .body(body),
        )),
        Ok(sp::Answer::Page(answer)) => {
            sparql_page(&page, Some(&text), Some(answer), None).map(open)
        }
        Err(e) => {
            let status = if e.is_client_error() {
                actix_web::http::StatusCode::BAD_REQUEST
            } else if matches!(e, SparqlError::Other(_)) {
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR
            } else {
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE
            };
            if html {
                let mut res = sparql_page(&page, Some(&text), None, Some((status, message(&e))))?;
                if matches!(e, SparqlError::Busy) {
                    res.headers_mut().insert(
                        header::RETRY_AFTER,
                        header::HeaderValue::from(RETRY_AFTER_SECONDS),
                    );
                }
                return Ok(open(res));
            }
            Err(match e {
                SparqlError::Other(m) => AppError::Internal(anyhow::anyhow!("SPARQL: {m}")),
                SparqlError::Busy => AppError::Busy {
                    detail: message(&e),
                    retry_after: RETRY_AFTER_SECONDS,
                },
                e if e.is_client_error() => AppError::bad_request(message(&e), Some("query")),
                other => AppError::Unavailable(message(&other)),
            })
        }
    }
}

/// When a client told that every query slot is busy should try again.
const RETRY_AFTER_SECONDS: u64 = 5;

fn sparql_page(
    page: &crate::web::Page,
    query: Option<&str>,
    answer: Option<super::sparql::PageAnswer>,
    error: Option<(actix_web::http::StatusCode, String)>,
) -> AppResult<HttpResponse> {
    use super::sparql::PageAnswer;
    let mut ctx = page.context();
    let examples: Vec<serde_json::Value> = EXAMPLES
        .iter()
        .map(|(key, q)| serde_json::json!({"key": key, "query": q}))
        .collect();
    ctx.insert("examples", &examples);
    ctx.insert("query", &query.unwrap_or(EXAMPLES[1].1));
    ctx.insert("ran", &query.is_some());
    ctx.insert("base_url", &page.state.config.base());
    match answer {
        Some(PageAnswer::Table(t)) => {
            ctx.insert("variables", &t.variables);
            ctx.insert("rows", &t.rows);
        }
        Some(PageAnswer::Boolean(b)) => ctx.insert("boolean", &b),
        Some(PageAnswer::Graph(g)) => ctx.insert("graph", &g),
        None => {}
    }
    let status = match &error {
        Some((status, message)) => {
            ctx.insert("error", message);
            *status
        }
        None => actix_web::http::StatusCode::OK,
    };
    page.render_status(status, "dcat/sparql.html", &ctx)
}

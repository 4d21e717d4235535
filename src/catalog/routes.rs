//! Public pages and API of the catalog: datasets, publishers, vocabularies.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::input::DatasetInput;
use super::model::{DATASET_LIFECYCLE, DatasetFilter, DatasetRecord, DatasetStatus};
use super::service::{self, Mode, Policy};
use super::store;
use crate::AppState;
use crate::auth::{CurrentUser, Identity, Permission, authorize};
use crate::error::{AppError, AppResult, FieldError};
use crate::lifecycle::{State, TransitionInput};
use crate::web::{Lang, Page};

const PER_PAGE: i64 = 20;

#[derive(Deserialize, Serialize, Default, Clone)]
pub struct ListQuery {
    publisher: Option<String>,
    theme: Option<String>,
    eurovoc: Option<String>,
    format: Option<String>,
    keyword: Option<String>,
    licence: Option<String>,
    page: Option<i64>,
}

impl ListQuery {
    fn filter(&self) -> DatasetFilter {
        let clean = |v: &Option<String>| {
            v.as_ref()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        // A short code, as CKAN users type it (`format=CSV`, `theme=TRAN`),
        // stands for its EU authority table IRI.
        let code = |v: Option<String>, table: &str| {
            v.map(|s| {
                if s.contains(':') {
                    s
                } else {
                    format!(
                        "http://publications.europa.eu/resource/authority/{table}/{}",
                        s.to_ascii_uppercase()
                    )
                }
            })
        };
        DatasetFilter {
            publisher: clean(&self.publisher),
            theme: code(clean(&self.theme), "data-theme"),
            // A EuroVoc concept by its number, or its IRI.
            eurovoc: clean(&self.eurovoc).map(|e| {
                if e.contains(':') {
                    e
                } else {
                    format!("{}{e}", super::model::EUROVOC_PREFIX)
                }
            }),
            format: code(clean(&self.format), "file-type"),
            keyword: clean(&self.keyword),
            licence: clean(&self.licence),
        }
    }

    fn page(&self) -> AppResult<i64> {
        crate::web::page_number(self.page)
    }
}

/// The query string of a filter, for paging links.
fn query_string(f: &DatasetFilter) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            [
                ("publisher", &f.publisher),
                ("theme", &f.theme),
                ("eurovoc", &f.eurovoc),
                ("format", &f.format),
                ("keyword", &f.keyword),
                ("licence", &f.licence),
            ]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v.as_str()))),
        )
        .finish()
}

pub(crate) async fn datasets_page(page: Page, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let filter = q.filter();
    let page_no = q.page()?;
    let f = filter.clone();
    let state = page.state.clone();
    let english = page.lang == Lang::En;
    let list = crate::db::run(&page.state.pool, move |c| {
        state.listing.page_in(c, &f, page_no, PER_PAGE, english)
    })
    .await?;
    let (items, total, facets) = (&list.items, list.total, &list.facets);
    let labels: HashMap<&String, &String> = list
        .labels
        .iter()
        .map(|(k, (cs, en))| (k, if page.lang == Lang::En { en } else { cs }))
        .collect();
    let mut ctx = page.context();
    ctx.insert("items", &items);
    ctx.insert("total", &total);
    ctx.insert("facets", &facets);
    ctx.insert("filter", &filter);
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    ctx.insert("page_no", &page_no);
    ctx.insert("pages", &pages);
    // A page past the end (an old bookmark, a changed filter) is not found,
    // and says where the list ends.
    let past_end = page_no > pages;
    ctx.insert("past_end", &past_end);
    ctx.insert("query", &query_string(&filter));
    // The filters fold away on a phone; their summary says how many apply.
    let filter_count = [
        &filter.publisher,
        &filter.theme,
        &filter.eurovoc,
        &filter.format,
        &filter.keyword,
        &filter.licence,
    ]
    .iter()
    .filter(|v| v.is_some())
    .count();
    ctx.insert("filter_count", &filter_count);
    ctx.insert("labels", &labels);
    ctx.insert(
        "can_curate",
        &page
            .identity
            .user()
            .is_some_and(|u| u.has(crate::auth::Role::Curator) || u.has(crate::auth::Role::Admin)),
    );
    let status = if past_end {
        actix_web::http::StatusCode::NOT_FOUND
    } else {
        actix_web::http::StatusCode::OK
    };
    page.render_status(status, "catalog/datasets.html", &ctx)
}

/// A published dataset and its version (for the API's `ETag`).
pub(crate) async fn load_public(state: &AppState, slug: String) -> AppResult<(DatasetRecord, i64)> {
    let (rec, version) = crate::db::run(&state.pool, move |c| {
        let Some(rec) = store::record_by_slug(c, &slug)? else {
            return Ok::<_, AppError>(None);
        };
        let version = store::version(c, &rec.dataset.id)?;
        Ok(Some((rec, version)))
    })
    .await?
    .ok_or(AppError::NotFound)?;
    match rec.dataset.status {
        DatasetStatus::Published => Ok((rec, version)),
        DatasetStatus::Withdrawn => Err(AppError::Gone(
            rec.dataset
                .withdrawn_reason
                .clone()
                .unwrap_or_else(|| rec.dataset.title_cs.clone()),
        )),
        // Drafts are not public yet.
        DatasetStatus::Draft => Err(AppError::NotFound),
    }
}

/// The dataset's page for people; RDF clients asking for the same URL get
/// its document (`routes::dataset_or_document` decides).
pub(crate) async fn dataset_page(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    let english = page.lang == Lang::En;
    // A visitor who is not logged in sees the published record, which a
    // view holds in memory: read from it when it was checked less than
    // 0.1 s ago, without the database.
    if page.identity.user().is_none() {
        page.state.published.refresh(&page.state.pool).await?;
        if let Some(p) = page.state.published.fresh_page(&slug, english)? {
            let shown = Shown {
                labels: p.labels,
                source: p.source,
                modified: p.modified,
            };
            return render_dataset(&page, &p.record, &p.publisher, shown, None);
        }
    }
    let user = page.identity.user().cloned();
    let s2 = slug.clone();
    let state = page.state.clone();
    let found = crate::db::run(&page.state.pool, move |c| {
        // Keeps the memory view fresh for the visitors after this one.
        state.published.keep_fresh(c)?;
        let Some(rec) = store::record_by_slug(c, &s2)? else {
            return Ok::<_, AppError>(None);
        };
        let can_edit = Policy::allows(c, user.as_ref(), &rec);
        // A harvested draft or withdrawn record is seen by its publisher's
        // curators, though none may edit it.
        let can_see = can_edit
            || user.as_ref().is_some_and(|u| {
                Policy::may_act_for(c, u, &rec.dataset.publisher_id).unwrap_or(false)
            });
        let publisher = store::publisher_by_id(c, &rec.dataset.publisher_id)?;
        let source = match &rec.dataset.harvest_source_id {
            Some(id) => state.published.source_location(c, id)?,
            None => None,
        };
        let labels = state.listing.labels(c, rec.vocabulary_iris(), english)?;
        let modified = store::modified_of(c, &rec.dataset.id)?;
        let curation = match (&user, can_edit) {
            (Some(u), true) => Some(Curation {
                version: store::version(c, &rec.dataset.id)?,
                next: DATASET_LIFECYCLE
                    .next(rec.dataset.status, &u.roles)
                    .iter()
                    .map(|s| s.as_str())
                    .collect(),
                deletable: !rec.dataset.was_published(),
            }),
            _ => None,
        };
        let shown = Shown {
            labels,
            source,
            modified,
        };
        Ok(Some((rec, curation, can_see, publisher, shown)))
    })
    .await?;
    let (rec, curation, can_see, publisher, shown) = found.ok_or(AppError::NotFound)?;
    match rec.dataset.status {
        // The public reads why it is gone; its curators see the page with
        // the move that publishes it again.
        DatasetStatus::Withdrawn if curation.is_none() => {
            let mut ctx = page.context();
            ctx.insert("slug", &slug);
            ctx.insert(
                "reason",
                &rec.dataset.withdrawn_reason.clone().unwrap_or_default(),
            );
            return page.render_status(
                actix_web::http::StatusCode::GONE,
                "catalog/withdrawn.html",
                &ctx,
            );
        }
        // A draft is seen only by its publisher's curators.
        DatasetStatus::Draft if !can_see => return Err(AppError::NotFound),
        _ => {}
    }
    render_dataset(&page, &rec, &publisher, shown, curation)
}

/// What a dataset's page shows beside the record, from the database or
/// from the view in memory alike.
struct Shown {
    labels: HashMap<String, String>,
    source: Option<String>,
    modified: Option<chrono::NaiveDateTime>,
}

/// What a curator who may change the dataset is offered on its page.
#[derive(Serialize)]
struct Curation {
    /// The version the page shows, sent back by its forms.
    version: i64,
    /// The states the curator may move it to.
    next: Vec<&'static str>,
    /// A draft never published can be deleted.
    deletable: bool,
}

fn render_dataset(
    page: &Page,
    rec: &DatasetRecord,
    publisher: &super::model::Publisher,
    shown: Shown,
    curation: Option<Curation>,
) -> AppResult<HttpResponse> {
    let Shown {
        labels,
        source,
        modified,
    } = shown;
    // Dates a citizen reads: the day, in Prague.
    let day = |t: &chrono::NaiveDateTime| {
        crate::web::local_time(t)
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let (eurovoc, themes): (Vec<&String>, Vec<&String>) = rec
        .themes
        .iter()
        .partition(|t| t.starts_with(super::model::EUROVOC_PREFIX));
    let mut ctx = page.context();
    ctx.insert("d", rec);
    ctx.insert("themes", &themes);
    ctx.insert("eurovoc", &eurovoc);
    // The public sees no credentials a curator typed into a source URL.
    ctx.insert(
        "source",
        &source.as_deref().map(crate::fetch::public_location),
    );
    ctx.insert("can_edit", &curation.is_some());
    ctx.insert("curation", &curation);
    ctx.insert("publisher", publisher);
    ctx.insert("labels", &labels);
    ctx.insert("base_url", &page.state.config.base());
    // A file the portal stores downloads from under the dataset's own
    // IRI; such a file has its preview and versions page there too.
    let own = format!(
        "{}/datasets/{}/distributions/",
        page.state.config.base(),
        rec.dataset.slug
    );
    let stored: Vec<&str> = rec
        .distributions
        .iter()
        .filter(|x| x.download_url.as_deref() == Some(&format!("{own}{}/download", x.id)))
        .map(|x| x.id.as_str())
        .collect();
    ctx.insert("stored_files", &stored);
    // A SensorThings service of this portal: the dataset's stations have
    // their page (map, charts, downloads) under the dataset, and its map
    // shows them with their latest values.
    let base = page.state.config.base();
    let sensors = rec.distributions.iter().any(|d| {
        d.service_conforms_to.as_deref() == Some(super::model::SENSORTHINGS_STANDARD)
            && d.access_url.starts_with(&format!("{base}/"))
    });
    ctx.insert("sensor_page", &sensors);
    let map = if sensors {
        Some(serde_json::json!({
            "geojson": format!("/datasets/{}/stations.geojson", rec.dataset.slug),
            "bbox": rec.dataset.bbox(),
            "label": format!("{}: {}", page.t("map_label"), page.t("sensor_stations")),
        }))
    } else {
        map_of(rec, &stored, &base, page)
    };
    ctx.insert("map", &map);
    ctx.insert("tile_url", &page.state.config.tile_url);
    ctx.insert("tile_attribution", &page.state.config.tile_attribution);
    // Real data, not only the seed's example files: the example mark may go.
    ctx.insert(
        "has_data",
        &rec.distributions.iter().any(|x| !x.is_example_data()),
    );
    ctx.insert("issued", &rec.dataset.published_at.as_ref().map(day));
    ctx.insert("modified", &modified.as_ref().map(day));
    let mut res = page.render("catalog/dataset.html", &ctx)?;
    if map.is_some() {
        crate::web::headers::allow_map(&mut res, page.state.config.tile_origin().as_deref());
    }
    Ok(crate::web::headers::open(res))
}

/// A GeoJSON file this big or smaller shows on the map whole.
const MAP_WHOLE_UP_TO: i64 = 2 * 1024 * 1024;

/// What the dataset page's map shows, from the dataset's own metadata:
/// the features of an OGC API Features service this portal runs (those in
/// view), else a GeoJSON file it stores (small enough to load whole), and
/// the bounding box. `None`: nothing to put on a map.
fn map_of(
    rec: &DatasetRecord,
    stored: &[&str],
    base: &str,
    page: &Page,
) -> Option<serde_json::Value> {
    let own = |u: &str| u.starts_with(&format!("{base}/"));
    let service = rec.distributions.iter().find(|d| {
        d.service_conforms_to
            .as_deref()
            // The standard or its core class: both name Part 1.
            .is_some_and(|c| c.contains("/spec/ogcapi-features-1/1.0"))
            && own(&d.access_url)
    });
    let geojson = rec.distributions.iter().find(|d| {
        d.media_type == "application/geo+json"
            && stored.contains(&d.id.as_str())
            && d.byte_size.is_some_and(|s| s <= MAP_WHOLE_UP_TO)
    });
    let bbox = rec.dataset.bbox();
    if service.is_none() && geojson.is_none() && bbox.is_none() {
        return None;
    }
    let path = |u: &str| u.strip_prefix(base).unwrap_or(u).to_string();
    let title = match page.lang {
        crate::web::i18n::Lang::En => rec
            .dataset
            .title_en
            .as_deref()
            .unwrap_or(&rec.dataset.title_cs),
        _ => &rec.dataset.title_cs,
    };
    Some(serde_json::json!({
        "items": service.map(|d| format!("{}/items", path(&d.access_url))),
        "geojson": if service.is_none() { geojson.and_then(|d| d.download_url.as_deref()).map(path) } else { None },
        "list": service.map(|d| format!("{}/items?f=html", path(&d.access_url))),
        "bbox": bbox,
        "only_bbox": service.is_none() && geojson.is_none(),
        "label": format!("{}: {title}", page.t("map_label")),
    }))
}

#[derive(Serialize)]
struct ListResponse<T: Serialize> {
    total: i64,
    page: i64,
    per_page: i64,
    items: Vec<T>,
}

pub(crate) async fn api_datasets(
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let filter = q.filter();
    let page = q.page()?;
    let st = state.clone();
    let list = crate::db::run(&state.pool, move |c| {
        st.listing.page(c, &filter, page, PER_PAGE)
    })
    .await?;
    let pages = ((list.total + PER_PAGE - 1) / PER_PAGE).max(1);
    if page > pages {
        return Err(AppError::Missing(format!(
            "page {page} is past the last page, {pages}"
        )));
    }
    Ok(HttpResponse::Ok().json(ListResponse {
        total: list.total,
        page,
        per_page: PER_PAGE,
        items: list.items,
    }))
}

pub(crate) async fn api_dataset(
    identity: Identity,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    // The publisher's curators (by API token) read its drafts and
    // withdrawn datasets too; everyone else, what is published.
    let user = identity.user().cloned();
    let s2 = slug.clone();
    let own = crate::db::run(&state.pool, move |c| {
        let Some(user) = user else {
            return Ok::<_, AppError>(None);
        };
        let Some(rec) = store::record_by_slug(c, &s2)? else {
            return Ok(None);
        };
        if rec.dataset.status == DatasetStatus::Published
            || !Policy::may_act_for(c, &user, &rec.dataset.publisher_id)?
        {
            return Ok(None);
        }
        let version = store::version(c, &rec.dataset.id)?;
        Ok(Some((api_view(c, &rec)?, version)))
    })
    .await?;
    let (view, version) = match own {
        Some(found) => found,
        None => {
            let (rec, version) = load_public(&state, slug).await?;
            let view = crate::db::run(&state.pool, move |c| api_view(c, &rec)).await?;
            (view, version)
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(version)))
        .json(view))
}

/// A record as the API shows it, in the shape `PUT` takes, so that what a
/// client read it can send back unchanged: `publisher` (its slug),
/// `frequency` and `spatial` (IRIs), EU `themes` and `eurovoc` apart, the
/// `bbox` as one object, each distribution's `format`, `licence` and
/// `terms`; beside them the server's read-only fields (id, status, dates),
/// which `PUT` ignores. A distribution the system manages says
/// `"managed": true`: sent back, it is left as it is.
fn api_view(
    conn: &mut crate::db::DbConnection,
    rec: &DatasetRecord,
) -> Result<serde_json::Value, AppError> {
    let d = &rec.dataset;
    let publisher = store::publisher_by_id(conn, &d.publisher_id)?.slug;
    let (eurovoc, themes): (Vec<&String>, Vec<&String>) = rec
        .themes
        .iter()
        .partition(|t| t.starts_with(super::model::EUROVOC_PREFIX));
    let bbox = match (d.bbox_west, d.bbox_south, d.bbox_east, d.bbox_north) {
        (Some(west), Some(south), Some(east), Some(north)) => {
            serde_json::json!({"west": west, "south": south, "east": east, "north": north})
        }
        _ => serde_json::Value::Null,
    };
    let distributions: Vec<serde_json::Value> =
        rec.distributions.iter().map(distribution_json).collect();
    Ok(serde_json::json!({
        "id": d.id,
        "slug": d.slug,
        "status": d.status.as_str(),
        "is_example": d.is_example,
        "published_at": d.published_at,
        "withdrawn_reason": d.withdrawn_reason,
        "origin_iri": d.origin_iri,
        "harvested": d.harvest_source_id.is_some(),
        "publisher": publisher,
        "title_cs": d.title_cs,
        "title_en": d.title_en,
        "description_cs": d.description_cs,
        "description_en": d.description_en,
        "themes": themes,
        "eurovoc": eurovoc,
        "frequency": d.frequency_iri,
        "spatial": d.spatial_iri,
        "keywords_cs": rec.keywords_cs,
        "keywords_en": rec.keywords_en,
        "temporal_start": d.temporal_start,
        "temporal_end": d.temporal_end,
        "contact_name": d.contact_name,
        "contact_email": d.contact_email,
        "documentation_url": d.documentation_url,
        "conforms_to": d.conforms_to,
        "bbox": bbox,
        "distributions": distributions,
    }))
}

/// One distribution as the API shows it (in the dataset's `distributions`,
/// and as the answer to an upload): `checksum` is a stored file's SHA-256.
pub fn distribution_json(x: &super::model::Distribution) -> serde_json::Value {
    serde_json::json!({
        "id": x.id,
        "title_cs": x.title_cs,
        "title_en": x.title_en,
        "download_url": x.download_url,
        "access_url": x.access_url,
        "format": x.format_iri,
        "media_type": x.media_type,
        "byte_size": x.byte_size,
        "licence": x.licence_iri,
        "terms": {
            "author_work": x.tou_author_work,
            "db_author_work": x.tou_db_author_work,
            "db_sui_generis": x.tou_db_sui_generis,
            "personal_data": x.tou_personal_data,
        },
        "conforms_to": x.conforms_to,
        "service_endpoint_url": x.service_endpoint_url,
        "service_description_url": x.service_description_url,
        "service_conforms_to": x.service_conforms_to,
        "managed": x.is_managed(),
        "checksum": x.checksum_sha256,
    })
}

/// A dataset's version as an entity tag: the audit sequence number of its
/// last change, which moves with every change and only then.
fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// The version an `If-Match` names: `None` when there is none or it is `*`;
/// a tag that is not one of ours can only be stale (412).
fn if_match(req: &actix_web::HttpRequest) -> AppResult<Option<i64>> {
    let Some(value) = req.headers().get(actix_web::http::header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| AppError::PreconditionFailed)?
        .trim();
    if value == "*" {
        return Ok(None);
    }
    value
        .trim_start_matches("W/")
        .strip_prefix("\"v")
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .map(Some)
        .ok_or(AppError::PreconditionFailed)
}

pub(crate) async fn data_page(page: Page) -> AppResult<HttpResponse> {
    let (catalog, publishers, concepts) = crate::db::run(&page.state.pool, |c| {
        Ok::<_, diesel::result::Error>((
            store::catalog(c)?,
            store::list_publishers(c)?,
            store::concepts(c, None)?,
        ))
    })
    .await?;
    let mut ctx = page.context();
    ctx.insert("catalog", &catalog);
    ctx.insert("publishers", &publishers);
    let by_scheme = |s: &str| {
        concepts
            .iter()
            .filter(|c| c.scheme == s)
            .cloned()
            .collect::<Vec<_>>()
    };
    ctx.insert("themes", &by_scheme("theme"));
    ctx.insert("file_types", &by_scheme("file_type"));
    ctx.insert("frequencies", &by_scheme("frequency"));
    ctx.insert("licences", &by_scheme("licence"));
    ctx.insert("places", &by_scheme("place"));
    page.render("catalog/data.html", &ctx)
}

pub(crate) async fn publishers_page(page: Page) -> AppResult<HttpResponse> {
    let state = page.state.clone();
    let (publishers, counts) = crate::db::run(&page.state.pool, move |c| {
        let publishers = store::list_publishers(c)?;
        // The unfiltered list's publisher facet counts each one's datasets.
        let counts: HashMap<String, i64> = state
            .listing
            .page(c, &DatasetFilter::default(), 1, 1)?
            .facets
            .publishers
            .into_iter()
            .map(|f| (f.value, f.count))
            .collect();
        Ok::<_, AppError>((publishers, counts))
    })
    .await?;
    let mut ctx = page.context();
    ctx.insert("publishers", &publishers);
    ctx.insert("counts", &counts);
    page.render("catalog/publishers.html", &ctx)
}

pub(crate) async fn publisher_page(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    let state = page.state.clone();
    let (publisher, list) = crate::db::run(&page.state.pool, move |c| {
        let Some(p) = store::publisher_by_slug(c, &slug)? else {
            return Ok::<_, AppError>(None);
        };
        // Its published datasets, as the list shows them filtered by it.
        let filter = DatasetFilter {
            publisher: Some(p.slug.clone()),
            ..Default::default()
        };
        let list = state.listing.page(c, &filter, 1, PER_PAGE)?;
        Ok(Some((p, list)))
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let mut ctx = page.context();
    ctx.insert("publisher", &publisher);
    ctx.insert("items", &list.items);
    ctx.insert("total", &list.total);
    ctx.insert("themes", &list.facets.themes);
    page.render("catalog/publisher.html", &ctx)
}

pub(crate) async fn api_publishers(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let publishers = crate::db::run(&state.pool, store::list_publishers).await?;
    Ok(HttpResponse::Ok().json(publishers))
}

pub(crate) async fn api_vocabulary(
    state: web::Data<AppState>,
    scheme: web::Path<String>,
) -> AppResult<HttpResponse> {
    let scheme = scheme.into_inner();
    if !super::model::VOCAB_SCHEMES.contains(&scheme.as_str()) {
        return Err(AppError::NotFound);
    }
    let concepts = crate::db::run(&state.pool, move |c| store::concepts(c, Some(&scheme))).await?;
    Ok(HttpResponse::Ok().json(concepts))
}

// --- curators' writes (JSON API; bearer token) ------------------------------

/// The single check for dataset writes: the role, a bearer token (the JSON
/// API is not for cookie sessions), and the right to act for the publisher.
fn api_curator(identity: &Identity) -> AppResult<&CurrentUser> {
    let user = authorize(identity, Permission::EditCatalog)?;
    api_only(user)
}

fn api_only(user: &CurrentUser) -> AppResult<&CurrentUser> {
    if !user.via_token {
        return Err(AppError::Unauthenticated);
    }
    Ok(user)
}

/// A JSON body read only once the caller may edit the catalog.
type CuratorJson<T> = crate::auth::guard::Authorized<crate::auth::guard::EditCatalog, web::Json<T>>;

/// Saves through the curators' one write path and answers with the stored
/// record and its new `ETag`; field errors become a 422 problem, a stale
/// `If-Match` a 412.
pub(crate) async fn api_save(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    input: DatasetInput,
    mode: Mode,
) -> AppResult<(String, serde_json::Value, i64)> {
    let user = user.clone();
    let st = state.clone();
    crate::db::run(&state.pool, move |c| {
        let saved = match service::save(c, &st.views, &user, &input, mode) {
            Err(AppError::Stale) => return Err(AppError::PreconditionFailed),
            other => other?.map_err(AppError::Validation)?,
        };
        let rec = store::record_by_slug(c, &saved.slug)?.ok_or(AppError::NotFound)?;
        Ok((rec.dataset.slug.clone(), api_view(c, &rec)?, saved.version))
    })
    .await
    .map_err(crate::error::AppError::from)
}

pub(crate) async fn api_create_dataset(
    state: web::Data<AppState>,
    req: CuratorJson<DatasetInput>,
) -> AppResult<HttpResponse> {
    let user = api_only(&req.user)?;
    let input = without_managed(req.body.into_inner());
    let (slug, view, version) = api_save(&state, user, input, Mode::Create).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/datasets/{slug}")))
        .insert_header((actix_web::http::header::ETAG, etag(version)))
        .json(view))
}

pub(crate) async fn api_update_dataset(
    http: actix_web::HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: CuratorJson<DatasetInput>,
) -> AppResult<HttpResponse> {
    let user = api_only(&req.user)?;
    let version = if_match(&http)?;
    let input = without_managed(req.body.into_inner());
    if input.slug.trim() != slug.as_str() {
        // Public URLs and DCAT identifiers never change once given.
        return Err(AppError::Validation(vec![FieldError::new(
            "slug",
            "dataset_slug_immutable",
        )]));
    }
    let (_, view, version) = api_save(&state, user, input, Mode::Update { version }).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(version)))
        .json(view))
}

/// The distributions a client sent back as `"managed": true` are the
/// system's: the save keeps the stored ones whatever the body says.
fn without_managed(mut input: DatasetInput) -> DatasetInput {
    input.distributions.retain(|d| !d.managed);
    input
}

/// `POST /api/v1/datasets/{slug}/transition` with `{"to": …, "reason": …}`:
/// the one shape of every lifecycle move; a move the table does not allow
/// is a 409 whose problem document lists the allowed ones.
pub(crate) async fn api_transition_dataset(
    http: actix_web::HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: CuratorJson<TransitionInput>,
) -> AppResult<HttpResponse> {
    api_only(&req.user)?;
    let version = if_match(&http)?;
    move_dataset(
        req.user,
        state,
        slug.into_inner(),
        req.body.into_inner(),
        version,
    )
    .await
}

/// Alias of `transition` to `published`.
pub(crate) async fn api_publish_dataset(
    identity: Identity,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = api_curator(&identity)?.clone();
    let step = TransitionInput {
        to: "published".into(),
        reason: None,
    };
    move_dataset(user, state, slug.into_inner(), step, None).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    reason: String,
}

/// Alias of `transition` to `withdrawn`.
pub(crate) async fn api_withdraw_dataset(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: CuratorJson<WithdrawInput>,
) -> AppResult<HttpResponse> {
    api_only(&req.user)?;
    let step = TransitionInput {
        to: "withdrawn".into(),
        reason: Some(req.body.into_inner().reason),
    };
    move_dataset(req.user, state, slug.into_inner(), step, None).await
}

/// Moves a dataset for a user the caller has checked.
pub(crate) async fn move_dataset(
    user: CurrentUser,
    state: web::Data<AppState>,
    slug: String,
    step: TransitionInput,
    version: Option<i64>,
) -> AppResult<HttpResponse> {
    let st = state.clone();
    let view = crate::db::run(&state.pool, move |c| {
        let saved = match service::transition(c, &st.views, &user, &slug, &step, version) {
            Err(AppError::Stale) => Err(AppError::PreconditionFailed),
            other => other,
        }?;
        api_view(c, &saved)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Deletes a draft that was never published; one that was is withdrawn
/// instead (409 naming the moves it has).
pub(crate) async fn api_delete_dataset(
    http: actix_web::HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = api_curator(&identity)?.clone();
    let version = if_match(&http)?;
    let st = state.clone();
    let slug = slug.into_inner();
    crate::db::run(&state.pool, move |c| {
        match service::delete_draft(c, &st.views, &user, &slug, version) {
            Err(AppError::Stale) => Err(AppError::PreconditionFailed),
            other => other,
        }
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

//! Public pages and API of the catalog's publishers and vocabularies.

use actix_web::{HttpResponse, web};

use super::store;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::web::Page;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/data", web::get().to(data_page))
        .route("/publishers", web::get().to(publishers_page))
        .route("/publishers/{slug}", web::get().to(publisher_page))
        .route("/api/v1/publishers", web::get().to(api_publishers))
        .route(
            "/api/v1/vocabularies/{scheme}",
            web::get().to(api_vocabulary),
        );
}

async fn data_page(page: Page) -> AppResult<HttpResponse> {
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
    page.render("catalog/data.html", &ctx)
}

async fn publishers_page(page: Page) -> AppResult<HttpResponse> {
    let publishers = crate::db::run(&page.state.pool, store::list_publishers).await?;
    let mut ctx = page.context();
    ctx.insert("publishers", &publishers);
    page.render("catalog/publishers.html", &ctx)
}

async fn publisher_page(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    let publisher = crate::db::run(&page.state.pool, move |c| {
        store::publisher_by_slug(c, &slug)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let mut ctx = page.context();
    ctx.insert("publisher", &publisher);
    page.render("catalog/publisher.html", &ctx)
}

async fn api_publishers(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let publishers = crate::db::run(&state.pool, store::list_publishers).await?;
    Ok(HttpResponse::Ok().json(publishers))
}

async fn api_vocabulary(
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

//! Public pages and API of the strategies, their goals and measures.

use actix_web::{HttpResponse, web};

use super::store;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::web::Page;

pub(crate) async fn list_page(page: Page) -> AppResult<HttpResponse> {
    let strategies = crate::db::run(&page.state.pool, store::summaries).await?;
    let mut ctx = page.context();
    ctx.insert("strategies", &strategies);
    page.render("strategy/list.html", &ctx)
}

pub(crate) async fn detail_page(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    let detail = crate::db::run(&page.state.pool, move |c| store::detail(c, &slug))
        .await?
        .ok_or(AppError::NotFound)?;
    let mut ctx = page.context();
    ctx.insert("s", &detail);
    page.render("strategy/detail.html", &ctx)
}

pub(crate) async fn api_list(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let list = crate::db::run(&state.pool, store::summaries).await?;
    Ok(HttpResponse::Ok().json(list))
}

pub(crate) async fn api_detail(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    let detail = crate::db::run(&state.pool, move |c| store::detail(c, &slug))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(detail))
}

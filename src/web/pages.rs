//! Pages that belong to no domain: health, home, language switch.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde::Deserialize;

use super::{Lang, Page, safe_next};
use crate::AppState;
use crate::error::AppResult;

pub async fn healthz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    crate::db::run(&state.pool, |c| c.batch_execute("SELECT 1")).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok"))
}

pub async fn home(page: Page) -> AppResult<HttpResponse> {
    let state = page.state.clone();
    let summary = crate::db::run(&page.state.pool, move |c| {
        state
            .home_summary
            .get_or_compute(c, crate::catalog::store::home_summary)
    })
    .await?;
    let mut ctx = page.context();
    ctx.insert("summary", &*summary);
    page.render("home.html", &ctx)
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn api_docs(page: Page) -> AppResult<HttpResponse> {
    let mut ctx = page.context();
    ctx.insert("base_url", &page.state.config.base());
    page.render("api.html", &ctx)
}

pub async fn switch_lang(
    code: web::Path<String>,
    q: web::Query<NextQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let lang = Lang::parse(&code).ok_or(crate::error::AppError::NotFound)?;
    let cookie = Cookie::build(super::i18n::LANG_COOKIE, lang.code())
        .path("/")
        .max_age(actix_web::cookie::time::Duration::days(365))
        .same_site(SameSite::Lax)
        .secure(state.config.base_is_https())
        .http_only(true)
        .finish();
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", safe_next(q.next.as_deref())))
        .cookie(cookie)
        .finish())
}

//! Pages of the application as a whole, in the app layer: the home page
//! (which asks each domain for its summary: the domains know nothing of it),
//! the health check, the API overview, the language switch.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::web::{Lang, Page, safe_next};

/// What the home page shows: each domain's summary.
#[derive(Serialize, Debug, Clone, Default)]
pub struct HomeSummary {
    pub catalog: crate::catalog::model::CatalogSummary,
    pub strategies: Vec<crate::strategy::model::StrategySummary>,
}

fn summary(conn: &mut DbConnection) -> diesel::QueryResult<HomeSummary> {
    Ok(HomeSummary {
        catalog: crate::catalog::store::summary(conn)?,
        strategies: crate::strategy::store::summaries(conn)?,
    })
}

pub async fn healthz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    crate::db::run(&state.pool, |c| c.batch_execute("SELECT 1")).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok"))
}

pub async fn home(page: Page) -> AppResult<HttpResponse> {
    let state = page.state.clone();
    let summary = crate::db::run(&page.state.pool, move |c| {
        state.home_summary.get_or_compute(c, summary)
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
    let cookie = Cookie::build(crate::web::i18n::LANG_COOKIE, lang.code())
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

//! The pages the law and users expect of a public-sector portal: the
//! accessibility statement (Act 99/2019, in the structure its implementing
//! decree prescribes) and the privacy notice (what personal data the portal
//! keeps and why). The operator they name is the catalog's publisher.

use actix_web::HttpResponse;
use serde::Serialize;

use crate::catalog::store;
use crate::error::{AppError, AppResult};
use crate::web::{Lang, Page};

/// When this statement was prepared and last reviewed (the decree asks for
/// the date); a change of the portal's pages that affects accessibility
/// moves it.
const STATEMENT_DATE: &str = "2026-11-30";

#[derive(Serialize)]
struct Operator {
    name: String,
    email: Option<String>,
    homepage: Option<String>,
}

async fn operator(page: &Page) -> AppResult<Operator> {
    let english = page.lang == Lang::En;
    crate::db::run(&page.state.pool, move |c| {
        let Some(cat) = store::catalog(c)? else {
            return Ok::<_, AppError>(Operator {
                name: String::new(),
                email: None,
                homepage: None,
            });
        };
        let p = store::publisher_by_id(c, &cat.publisher_id)?;
        let name = match (english, p.name_en) {
            (true, Some(en)) => en,
            _ => p.name_cs,
        };
        Ok(Operator {
            name,
            email: cat.contact_email.or(p.email),
            homepage: cat.homepage.or(p.homepage),
        })
    })
    .await
    .map_err(AppError::from)
}

fn render(page: &Page, name: &str, operator: Operator) -> AppResult<HttpResponse> {
    let mut ctx = page.context();
    ctx.insert("operator", &operator);
    ctx.insert("base_url", &page.state.config.base());
    ctx.insert("statement_date", STATEMENT_DATE);
    ctx.insert("kept_days", &crate::auth::security_log::KEPT_DAYS);
    page.render(&format!("legal/{name}.{}.html", page.lang.code()), &ctx)
}

pub async fn accessibility(page: Page) -> AppResult<HttpResponse> {
    let op = operator(&page).await?;
    render(&page, "accessibility", op)
}

pub async fn privacy(page: Page) -> AppResult<HttpResponse> {
    let op = operator(&page).await?;
    render(&page, "privacy", op)
}

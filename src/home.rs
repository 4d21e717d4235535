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
    /// The days `catalog.recent` changed, in Prague.
    pub recent_days: Vec<Day>,
    pub strategies: Vec<crate::strategy::model::StrategySummary>,
    /// Each strategy's goals per status, today, by its slug.
    pub strategy_status:
        std::collections::BTreeMap<String, std::collections::BTreeMap<&'static str, usize>>,
}

/// A day as the home page shows it: in Prague.
#[derive(Serialize, Debug, Clone)]
pub struct Day(String);

fn summary(
    conn: &mut DbConnection,
    listing: &crate::catalog::listing::Listing,
) -> diesel::QueryResult<HomeSummary> {
    let mut catalog = crate::catalog::store::summary(conn)?;
    // The EU data themes with their counts, from the list's index; EuroVoc
    // concepts are finer than a front page needs.
    let (_, facets) = listing.facets(conn, &Default::default())?;
    catalog.themes = facets
        .themes
        .into_iter()
        .filter(|t| !t.value.starts_with(crate::catalog::model::EUROVOC_PREFIX))
        .collect();
    let days = catalog
        .recent
        .iter()
        .map(|d| {
            Day(crate::web::local_time(&d.changed_at)
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_string())
        })
        .collect();
    let strategies = crate::strategy::store::summaries(conn)?;
    let today = crate::strategy::dashboard::today();
    let mut strategy_status = std::collections::BTreeMap::new();
    for s in &strategies {
        if let Some(board) = crate::strategy::dashboard::dashboard(conn, &s.slug, today)? {
            strategy_status.insert(s.slug.clone(), board.counts);
        }
    }
    Ok(HomeSummary {
        catalog,
        recent_days: days,
        strategies,
        strategy_status,
    })
}

/// Whether the server and its database answer: the database was asked
/// less than `Health::WINDOW` ago, on a connection of its own (so the check
/// never queues behind page work), by one request however many ask at once.
pub async fn healthz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    state.health.check().await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok"))
}

/// How long the home page's figures are shown without asking the database
/// (another process's write shows within this; this process's at once).
const FRESH_FOR: std::time::Duration = std::time::Duration::from_millis(100);

pub async fn home(page: Page) -> AppResult<HttpResponse> {
    let summary = page
        .state
        .home_summary
        .get(&page.state.pool, FRESH_FOR, {
            let listing = page.state.listing.clone();
            move |c| summary(c, &listing)
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

/// The home page's figures as a view: a write of this process that the
/// figures show makes the next home page ask the database again.
pub struct HomeView(pub std::sync::Arc<crate::db::VersionedCache<HomeSummary>>);

impl crate::audit::follow::View for HomeView {
    fn name(&self) -> &'static str {
        "home"
    }

    fn follows(&self) -> &'static [&'static str] {
        &[
            "catalog",
            "publisher",
            "dataset",
            "strategy",
            "goal",
            "measure",
            "project",
            "kpi",
            "measurement",
            "status_report",
        ]
    }

    fn catch_up(&self, _: &mut DbConnection) -> Result<(), crate::error::AppError> {
        self.0.invalidate();
        Ok(())
    }
}

/// The health check's state: its own connection, and when the database last
/// answered it.
pub struct Health {
    pool: crate::db::Pool,
    answered: std::sync::Mutex<Option<std::time::Instant>>,
    asking: tokio::sync::Mutex<()>,
}

impl Health {
    /// How long an answer of the database stands for the next checks: a
    /// monitor polling every few seconds always gets a fresh one, a flood of
    /// checks costs one query per window.
    const WINDOW: std::time::Duration = std::time::Duration::from_millis(250);

    pub fn new(pool: crate::db::Pool) -> Health {
        Health {
            pool,
            answered: std::sync::Mutex::new(None),
            asking: tokio::sync::Mutex::new(()),
        }
    }

    fn recent(&self) -> bool {
        self.answered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|t| t.elapsed() < Self::WINDOW)
    }

    pub async fn check(&self) -> AppResult<()> {
        if self.recent() {
            return Ok(());
        }
        let _turn = self.asking.lock().await;
        if self.recent() {
            return Ok(());
        }
        crate::db::run(&self.pool, |c| c.batch_execute("SELECT 1")).await?;
        *self.answered.lock().unwrap_or_else(|p| p.into_inner()) = Some(std::time::Instant::now());
        Ok(())
    }
}

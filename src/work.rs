//! "Moje práce", where a signed-in user starts: what each of their roles
//! does here. A curator finds the datasets of their publishers in every
//! state with the next step each one has; an admin finds the accounts and
//! logs; the working group and the steering committee read what they will
//! track here and the strategy as it stands. The app layer asks each domain
//! for its part; the domains know nothing of this page.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::catalog::model::DatasetStatus;
use crate::catalog::store::{self as catalog_store, OwnDataset};
use crate::error::{AppError, AppResult};
use crate::lifecycle::State;
use crate::web::Page;

const PER_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct WorkQuery {
    page: Option<i64>,
}

#[derive(Serialize)]
struct Line {
    #[serde(flatten)]
    dataset: OwnDataset,
    status: &'static str,
    changed: String,
    /// The step the dataset waits for: `publish` (a draft), `edit` (it is
    /// out), `republish` (withdrawn), `source` (kept by a harvest).
    next: &'static str,
}

pub async fn page(page: Page, q: web::Query<WorkQuery>) -> AppResult<HttpResponse> {
    let Some(user) = page.identity.user().cloned() else {
        return Err(AppError::Unauthenticated);
    };
    let page_no = crate::web::page_number(q.page)?;
    let curates = user.has(Role::Curator) || user.has(Role::Admin);
    let admin = user.has(Role::Admin);
    let uid = user.id.clone();
    let own = if curates {
        let (rows, total, publishers) = crate::db::run(&page.state.pool, move |c| {
            let mut publishers = Vec::new();
            let ids = if admin {
                None
            } else {
                let slugs = crate::auth::store::publishers_of(c, &uid)?;
                for s in slugs {
                    if let Some(p) = catalog_store::publisher_by_slug(c, &s)? {
                        publishers.push(p);
                    }
                }
                Some(publishers.iter().map(|p| p.id.clone()).collect::<Vec<_>>())
            };
            let (rows, total) =
                catalog_store::datasets_of(c, ids.as_deref(), PER_PAGE, (page_no - 1) * PER_PAGE)?;
            Ok::<_, AppError>((rows, total, publishers))
        })
        .await?;
        Some((rows, total, publishers))
    } else {
        None
    };
    // The strategy's part: a member's projects and KPIs; the values that
    // wait for a verifier's second pair of eyes.
    let wg = user.has(Role::WorkingGroup);
    let verifier = user.has(Role::SteeringCommittee) || admin;
    let uid = user.id.clone();
    let (my_projects, my_kpis, to_verify) = crate::db::run(&page.state.pool, move |c| {
        let projects = if wg {
            crate::strategy::store::projects_of_member(c, &uid)?
        } else {
            Vec::new()
        };
        let kpis = if wg {
            crate::strategy::store::kpis_of_member(c, &uid)?
        } else {
            Vec::new()
        };
        let pending = if verifier {
            crate::strategy::store::submitted_values(c)?
                .into_iter()
                .filter(|(_, m)| m.submitted_by.as_deref() != Some(uid.as_str()))
                .map(|(code, m)| {
                    serde_json::json!({
                        "code": code,
                        "period": crate::strategy::kpi::label_of_period(&m.period_start, &m.period_end),
                        "value": m.value,
                    })
                })
                .collect()
        } else {
            Vec::<serde_json::Value>::new()
        };
        Ok::<_, AppError>((projects, kpis, pending))
    })
    .await?;
    let mut ctx = page.context();
    ctx.insert("my_projects", &my_projects);
    ctx.insert("my_kpis", &my_kpis);
    ctx.insert("to_verify", &to_verify);
    ctx.insert("verifier", &verifier);
    ctx.insert("curates", &curates);
    ctx.insert("admin", &admin);
    ctx.insert("working_group", &user.has(Role::WorkingGroup));
    ctx.insert("steering_committee", &user.has(Role::SteeringCommittee));
    if let Some((rows, total, publishers)) = own {
        // Whom a curator acts for: a new curator with no datasets yet sees
        // his publishers, or that he has none and whom to ask.
        ctx.insert("my_publishers", &publishers);
        let lines: Vec<Line> = rows
            .into_iter()
            .map(|d| Line {
                status: d.status.as_str(),
                changed: crate::web::local_time(&d.changed_at),
                next: match (d.harvested, d.status) {
                    (true, _) => "source",
                    (false, DatasetStatus::Draft) => "publish",
                    (false, DatasetStatus::Published) => "edit",
                    (false, DatasetStatus::Withdrawn) => "republish",
                },
                dataset: d,
            })
            .collect();
        ctx.insert("datasets", &lines);
        ctx.insert("total", &total);
        ctx.insert("page_no", &page_no);
        ctx.insert("pages", &((total + PER_PAGE - 1) / PER_PAGE).max(1));
    }
    page.render("work.html", &ctx)
}

/// Where a sign-in without a `next` leads.
pub const START: &str = "/work";

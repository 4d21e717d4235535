//! The admin's audit log with filters, and each object's history.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::registry::Visible;
use super::store::{self, Filter};
use crate::auth::{Permission, Role, authorize};
use crate::error::{AppError, AppResult};
use crate::web::Page;

#[derive(Deserialize, Default, serde::Serialize)]
pub struct AuditQuery {
    object_type: Option<String>,
    object_id: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
}

fn rows_for_view(rows: &[store::AuditRow]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|r| {
            serde_json::json!({
                "seq": r.seq,
                "at": crate::web::local_time(&r.at),
                "actor": r.actor_label,
                "action": r.action,
                "object_type": r.object_type,
                "object_id": r.object_id,
                "object_label": r.object_label,
                "changes": super::diff::fields(r.before_json.as_deref(), r.after_json.as_deref()),
            })
        })
        .collect()
}

const PER_PAGE: i64 = 50;

/// The actions the log's filter offers.
const ACTIONS: [&str; 10] = [
    "create",
    "update",
    "delete",
    "publish",
    "withdraw",
    "republish",
    "transition",
    "harvest",
    "password_change",
    "password_reset_link",
];

pub(crate) async fn audit_page(page: Page, q: web::Query<AuditQuery>) -> AppResult<HttpResponse> {
    authorize(&page.identity, Permission::ViewAuditLog)?;
    let q = q.into_inner();
    let filter = Filter {
        object_type: crate::web::filled(&q.object_type),
        object_id: crate::web::filled(&q.object_id),
        actor: crate::web::filled(&q.actor),
        action: crate::web::filled(&q.action),
        from: crate::web::day(&q.from, "from")?,
        // "to" is inclusive for people: up to the end of that day.
        to: crate::web::day(&q.to, "to")?.map(|d| d + chrono::Duration::days(1)),
    };
    let page_no = crate::web::page_number(q.page)?;
    let f = filter.clone();
    let (rows, more) = crate::db::run(&page.state.pool, move |c| {
        store::list(c, &f, page_no, PER_PAGE)
    })
    .await?;
    let mut ctx = page.context();
    ctx.insert("rows", &rows_for_view(&rows));
    ctx.insert(
        "object_types",
        &page.options(page.state.audit.names(), "audit_type_"),
    );
    ctx.insert("actions", &page.options(ACTIONS, "audit_action_"));
    ctx.insert("page_no", &page_no);
    ctx.insert("more", &more);
    let (form, base_query) = crate::web::filter_fields(&[
        ("object_type", &q.object_type),
        ("object_id", &q.object_id),
        ("actor", &q.actor),
        ("action", &q.action),
        ("from", &q.from),
        ("to", &q.to),
    ]);
    ctx.insert("form", &form);
    ctx.insert("base_query", &base_query);
    page.render("audit/log.html", &ctx)
}

/// How the public sees who made a change: the role, never the person
/// (the admin's log keeps the full actor). A person's e-mail address is
/// personal data and public pages do not show it.
fn public_actor(page: &Page, row: &store::AuditRow, roles: &HashMap<String, Vec<Role>>) -> String {
    let Some(id) = &row.actor_id else {
        return page.t("actor_system").to_string();
    };
    // The most telling role: what the person does for the city.
    let role = roles.get(id).and_then(|r| {
        [
            Role::Curator,
            Role::WorkingGroup,
            Role::SteeringCommittee,
            Role::Admin,
        ]
        .into_iter()
        .find(|x| r.contains(x))
    });
    match role {
        Some(r) => page.t(&format!("role_{}", r.as_str())).to_string(),
        None => page.t("actor_user").to_string(),
    }
}

pub(crate) async fn history_page(
    page: Page,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (object_type, object_id) = path.into_inner();
    let full = authorize(&page.identity, Permission::ViewAuditLog).is_ok();
    let (kind, id) = (object_type.clone(), object_id.clone());
    let state = page.state.clone();
    let visible = crate::db::run(&page.state.pool, move |c| {
        state.audit.visible(c, &kind, &id)
    })
    .await?;
    if !full && visible == Visible::No {
        // 401 to the anonymous, 403 to the signed-in without the right.
        authorize(&page.identity, Permission::ViewAuditLog)?;
    }
    let filter = Filter {
        object_type: Some(object_type.clone()),
        object_id: Some(object_id.clone()),
        from: match visible {
            Visible::From(at) if !full => Some(at),
            _ => None,
        },
        ..Filter::default()
    };
    let (rows, roles) = crate::db::run(&page.state.pool, move |c| {
        let (rows, _) = store::list(c, &filter, 1, 1000)?;
        let mut roles = HashMap::new();
        if !full {
            for id in rows.iter().filter_map(|r| r.actor_id.as_ref()) {
                if !roles.contains_key(id) {
                    roles.insert(id.clone(), crate::auth::store::roles_of(c, id)?);
                }
            }
        }
        Ok::<_, diesel::result::Error>((rows, roles))
    })
    .await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    let mut view = rows_for_view(&rows);
    if !full {
        for (v, row) in view.iter_mut().zip(&rows) {
            v["actor"] = serde_json::json!(public_actor(&page, row, &roles));
        }
    }
    let mut ctx = page.context();
    ctx.insert("label", &rows[0].object_label);
    ctx.insert("object_type", &object_type);
    ctx.insert("rows", &view);
    page.render("audit/history.html", &ctx)
}

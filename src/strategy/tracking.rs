//! The working group's and the committee's pages: a KPI's values to record,
//! submit, verify or return, and a project's monthly report form. Each
//! goes through the same service as the API (`service`); a form comes back
//! with its field errors, a done step goes to the next page with a message.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::model::{Measurement, MeasurementState};
use super::service::{self, MeasurementInput, ReportInput};
use super::store;
use crate::auth::{CurrentUser, Permission, Role, authorize};
use crate::error::{AppError, AppResult, FieldError};
use crate::lifecycle::TransitionInput;
use crate::web::forms::Form;
use crate::web::{Page, form_status};

#[derive(Deserialize, Default, serde::Serialize, Clone)]
pub struct ValueForm {
    #[serde(default)]
    pub period_start: String,
    #[serde(default)]
    pub period_end: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub supersedes: String,
}

#[derive(Deserialize)]
pub struct StepForm {
    pub to: String,
    #[serde(default)]
    pub reason: String,
}

fn tracker(page: &Page) -> AppResult<CurrentUser> {
    Ok(authorize(&page.identity, Permission::TrackStrategy)?.clone())
}

/// A KPI's values as its responsible member and the verifiers work on
/// them: the form for a new value, the values not yet verified with the
/// step each may take.
async fn render_values(
    page: &Page,
    user: &CurrentUser,
    code: String,
    form: &ValueForm,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let uid = user.id.clone();
    let u = user.clone();
    let (kpi, values, responsible) = crate::db::run(&page.state.pool, move |c| {
        let k = store::kpi_by_code(c, &code)?.ok_or(AppError::NotFound)?;
        let values: Vec<Measurement> = store::measurements_of(c, &k.id)?
            .into_iter()
            .filter(|m| m.superseded_by.is_none())
            .collect();
        let responsible = service::Policy::responsible(c, &u, &k.id)?;
        Ok::<_, AppError>((k, values, responsible))
    })
    .await?;
    let verifier = user.has(Role::Admin) || user.has(Role::SteeringCommittee);
    let lines: Vec<serde_json::Value> = values
        .iter()
        .rev()
        .map(|m| {
            let mut steps: Vec<&str> = Vec::new();
            match m.state {
                MeasurementState::Provisional if responsible => steps.push("submitted"),
                MeasurementState::Submitted
                    if verifier && m.submitted_by.as_deref() != Some(uid.as_str()) =>
                {
                    steps.extend(["verified", "provisional"]);
                }
                _ => {}
            }
            serde_json::json!({
                "id": m.id,
                "period": super::kpi::label_of_period(&m.period_start, &m.period_end),
                "period_start": m.period_start,
                "period_end": m.period_end,
                "value": m.value,
                "state": m.state,
                "source": m.source,
                "correction": m.supersedes.is_some(),
                "steps": steps,
            })
        })
        .collect();
    let map: std::collections::HashMap<&str, &str> = errors
        .iter()
        .map(|e| (e.field.as_str(), page.t(&e.message)))
        .collect();
    let mut ctx = page.context();
    ctx.insert("k", &kpi);
    ctx.insert("values", &lines);
    ctx.insert("responsible", &responsible);
    ctx.insert("verifier", &verifier);
    ctx.insert("form", form);
    ctx.insert("errors", &map);
    page.render_status(form_status(errors), "strategy/values.html", &ctx)
}

pub(crate) async fn values_page(page: Page, code: web::Path<String>) -> AppResult<HttpResponse> {
    let user = tracker(&page)?;
    render_values(&page, &user, code.into_inner(), &ValueForm::default(), &[]).await
}

/// Records a value from the form: provisional, or a correction.
pub(crate) async fn record_value(
    page: Page,
    code: web::Path<String>,
    form: Form<ValueForm>,
) -> AppResult<HttpResponse> {
    let user = tracker(&page)?;
    let code = code.into_inner();
    let form = form.into_inner();
    // A decimal comma is how people here write a number.
    let value = form.value.trim().replace(',', ".");
    let input = MeasurementInput {
        period_start: form.period_start.clone(),
        period_end: form.period_end.clone(),
        value: value
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        source: Some(form.source.clone()),
        note: Some(form.note.clone()),
        supersedes: Some(form.supersedes.trim().to_string()).filter(|s| !s.is_empty()),
    };
    let state = page.state.clone();
    let u = user.clone();
    let c2 = code.clone();
    let today = super::dashboard::today();
    let saved = crate::db::run(&page.state.pool, move |c| {
        service::record_measurement(c, &state.views, &u, &c2, &input, today)
    })
    .await
    .map_err(AppError::from);
    match saved {
        Ok(_) => Ok(page.see_other_saying(&format!("/kpis/{code}/values"), "flash_value_recorded")),
        Err(AppError::Validation(errors)) => {
            render_values(&page, &user, code, &form, &errors).await
        }
        Err(e) => Err(e),
    }
}

/// Submits, verifies or returns a value.
pub(crate) async fn move_value(
    page: Page,
    path: web::Path<(String, String)>,
    form: Form<StepForm>,
) -> AppResult<HttpResponse> {
    let user = tracker(&page)?;
    let (code, id) = path.into_inner();
    let form = form.into_inner();
    let step = TransitionInput {
        to: form.to,
        reason: Some(form.reason).filter(|r| !r.trim().is_empty()),
    };
    let state = page.state.clone();
    let c2 = code.clone();
    let moved = crate::db::run(&page.state.pool, move |c| {
        service::move_measurement(c, &state.views, &user, &c2, &id, &step)
    })
    .await?;
    let said = match moved.state {
        MeasurementState::Submitted => "flash_value_submitted",
        MeasurementState::Verified => "flash_value_verified",
        MeasurementState::Provisional => "flash_value_returned",
    };
    Ok(page.see_other_saying(&format!("/kpis/{code}/values"), said))
}

/// Moves a project from its page's form: the same service, policy and
/// lifecycle as the API; a refused move is the error page that names the
/// moves allowed.
pub(crate) async fn move_project(
    page: Page,
    code: web::Path<String>,
    form: Form<StepForm>,
) -> AppResult<HttpResponse> {
    let user = tracker(&page)?;
    let code = code.into_inner();
    let form = form.into_inner();
    let step = TransitionInput {
        to: form.to,
        reason: Some(form.reason).filter(|r| !r.trim().is_empty()),
    };
    let state = page.state.clone();
    let c2 = code.clone();
    crate::db::run(&page.state.pool, move |c| {
        service::move_project(c, &state.views, &user, &c2, &step)
    })
    .await?;
    Ok(page.see_other_saying(&format!("/projects/{code}"), "flash_project_moved"))
}

/// The moves a user may take with a project now: the lifecycle's steps for
/// the user's roles, a working-group member's only on his own projects, a
/// suspended project's only back to the state it left or to cancelled.
pub fn moves_for(
    conn: &mut crate::db::DbConnection,
    user: &CurrentUser,
    p: &super::model::Project,
) -> Result<Vec<(&'static str, bool)>, AppError> {
    use super::model::{PROJECT_LIFECYCLE, ProjectState};
    let mut roles: Vec<Role> = user
        .roles
        .iter()
        .copied()
        .filter(|r| matches!(r, Role::WorkingGroup | Role::SteeringCommittee))
        .collect();
    if roles == [Role::WorkingGroup]
        && !service::Policy::responsible_for_project(conn, user, &p.id)?
    {
        roles.clear();
    }
    Ok(PROJECT_LIFECYCLE
        .steps
        .iter()
        .filter(|s| s.from == p.state && s.roles.iter().any(|r| roles.contains(r)))
        .filter(|s| {
            p.state != ProjectState::Suspended
                || s.to == ProjectState::Cancelled
                || Some(s.to) == p.suspended_from
        })
        .map(|s| (crate::lifecycle::State::as_str(s.to), s.needs_reason))
        .collect())
}

#[derive(Deserialize, Default, serde::Serialize, Clone)]
pub struct ReportForm {
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub progress: String,
    #[serde(default)]
    pub health: String,
    #[serde(default)]
    pub health_reason: String,
    #[serde(default)]
    pub actual_start: String,
    #[serde(default)]
    pub actual_end: String,
    #[serde(default)]
    pub spent_czk: String,
    #[serde(default)]
    pub risks: String,
    #[serde(default)]
    pub next_steps: String,
    #[serde(default)]
    pub asks: String,
    /// "1" from the submit button, else a draft.
    #[serde(default)]
    pub submit: String,
}

async fn render_report_form(
    page: &Page,
    user: &CurrentUser,
    code: String,
    form: &ReportForm,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let (project, responsible, cadence) = crate::db::run(&page.state.pool, move |c| {
        let p = store::project_by_code(c, &code)?.ok_or(AppError::NotFound)?;
        let responsible = service::Policy::responsible_for_project(c, &u, &p.id)?;
        let cadence = store::strategy_by_id(c, &p.strategy_id)?.report_cadence;
        Ok::<_, AppError>((p, responsible, cadence))
    })
    .await?;
    if !responsible {
        return Err(AppError::Forbidden);
    }
    // The periods a report may be for: the last twelve of the strategy's
    // cadence that have ended.
    let today = super::dashboard::today();
    let months: Vec<serde_json::Value> = (0..12)
        .filter_map(|back| today.checked_sub_months(chrono::Months::new(back * cadence.months())))
        .map(|d| {
            let label = cadence.last_ended(d);
            serde_json::json!({ "value": label, "label": label })
        })
        .collect();
    let healths: Vec<serde_json::Value> = ["on_track", "at_risk", "off_track"]
        .iter()
        .map(|h| serde_json::json!({ "value": h, "label": page.t(&format!("project_health_{h}")) }))
        .collect();
    let mut shown = form.clone();
    if shown.period.is_empty() {
        shown.period = months
            .first()
            .and_then(|m| m["value"].as_str())
            .unwrap_or_default()
            .to_string();
    }
    if shown.progress.is_empty() {
        shown.progress = project.progress.to_string();
    }
    let map: std::collections::HashMap<&str, &str> = errors
        .iter()
        .map(|e| (e.field.as_str(), page.t(&e.message)))
        .collect();
    let mut ctx = page.context();
    ctx.insert("p", &project);
    ctx.insert("months", &months);
    ctx.insert("healths", &healths);
    ctx.insert("form", &shown);
    ctx.insert("errors", &map);
    page.render_status(form_status(errors), "strategy/report_form.html", &ctx)
}

pub(crate) async fn report_page(page: Page, code: web::Path<String>) -> AppResult<HttpResponse> {
    let user = tracker(&page)?;
    render_report_form(&page, &user, code.into_inner(), &ReportForm::default(), &[]).await
}

pub(crate) async fn file_report(
    page: Page,
    code: web::Path<String>,
    form: Form<ReportForm>,
) -> AppResult<HttpResponse> {
    let user = tracker(&page)?;
    let code = code.into_inner();
    let form = form.into_inner();
    let number = |s: &str| -> Option<serde_json::Value> {
        let s = s.trim().replace([' ', '\u{a0}'], "");
        if s.is_empty() {
            return None;
        }
        Some(
            s.parse::<i64>()
                .map_or(serde_json::Value::String(s), serde_json::Value::from),
        )
    };
    let filled = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let input = ReportInput {
        period: form.period.clone(),
        progress: number(&form.progress).unwrap_or(serde_json::Value::Null),
        health: form.health.clone(),
        health_reason: filled(&form.health_reason),
        actual_start: filled(&form.actual_start),
        actual_end: filled(&form.actual_end),
        spent_czk: number(&form.spent_czk),
        risks: filled(&form.risks),
        next_steps: filled(&form.next_steps),
        asks: filled(&form.asks),
        submit: form.submit == "1",
        corrects: None,
    };
    let state = page.state.clone();
    let u = user.clone();
    let c2 = code.clone();
    let today = super::dashboard::today();
    let saved = crate::db::run(&page.state.pool, move |c| {
        service::file_report(c, &state.views, &u, &c2, &input, today)
    })
    .await
    .map_err(AppError::from);
    match saved {
        Ok(r) => Ok(page.see_other_saying(
            &format!("/projects/{code}"),
            if r.state == super::model::ReportState::Submitted {
                "flash_report_submitted"
            } else {
                "flash_report_saved"
            },
        )),
        Err(AppError::Validation(errors)) => {
            render_report_form(&page, &user, code, &form, &errors).await
        }
        Err(e) => Err(e),
    }
}

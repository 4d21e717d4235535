//! The strategy's write path: authorise (role, then the object's policy),
//! validate, one transaction holding the change and its audit row, then
//! the views. Facts are appended: a KPI value is recorded as provisional,
//! moved by its lifecycle, and corrected by a new value that supersedes it.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Deserialize;

use super::kpi;
use super::model::{Kpi, MEASUREMENT_LIFECYCLE, Measurement, MeasurementState};
use crate::audit::follow::Views;
use crate::audit::store::Object;
use crate::auth::{CurrentUser, Role};
use crate::db::DbConnection;
use crate::db::schema::{kpi_members, measurements};
use crate::error::{AppError, FieldError};
use crate::lifecycle::{State, TransitionInput};

const MAX_SOURCE: usize = 200;
const MAX_NOTE: usize = 2_000;

/// A KPI value as the form, the API and the CSV import send it.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct MeasurementInput {
    pub period_start: String,
    pub period_end: String,
    /// A number; anything else is a field error, not a parse failure.
    pub value: serde_json::Value,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// The id of the value of the same period this one corrects.
    #[serde(default)]
    pub supersedes: Option<String>,
}

/// Who answers for a KPI: its responsible working-group members.
pub struct Policy;

impl Policy {
    pub fn responsible(
        conn: &mut DbConnection,
        user: &CurrentUser,
        kpi_id: &str,
    ) -> QueryResult<bool> {
        if !user.has(Role::WorkingGroup) {
            return Ok(false);
        }
        let n: i64 = kpi_members::table
            .filter(kpi_members::kpi_id.eq(kpi_id))
            .filter(kpi_members::user_id.eq(&user.id))
            .count()
            .get_result(conn)?;
        Ok(n > 0)
    }

    /// Who may take a measurement to `to`: its KPI's responsible member
    /// submits; an admin or a committee member who did not submit it
    /// verifies or returns it (four eyes).
    fn may_move(
        conn: &mut DbConnection,
        user: &CurrentUser,
        kpi_id: &str,
        m: &Measurement,
        to: &str,
    ) -> Result<(), AppError> {
        let allowed = match MeasurementState::parse(to) {
            Some(MeasurementState::Submitted) => Self::responsible(conn, user, kpi_id)?,
            Some(MeasurementState::Verified | MeasurementState::Provisional) => {
                (user.has(Role::Admin) || user.has(Role::SteeringCommittee))
                    && m.submitted_by.as_deref() != Some(user.id.as_str())
            }
            // An unknown state: the lifecycle names the allowed ones.
            None => return Ok(()),
        };
        if allowed {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

fn field(name: &str, key: &str) -> AppError {
    AppError::Validation(vec![FieldError::new(name, key)])
}

/// The period a value describes: whole periods of the KPI's frequency,
/// after its baseline year, not in the future. A refusal names the field
/// and the message.
fn period_of(
    k: &Kpi,
    start: &str,
    end: &str,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), (&'static str, &'static str)> {
    let start: NaiveDate = start
        .trim()
        .parse()
        .map_err(|_| ("period_start", "field_date"))?;
    let end: NaiveDate = end
        .trim()
        .parse()
        .map_err(|_| ("period_end", "field_date"))?;
    if start.year() <= k.baseline_year {
        return Err(("period_start", "measurement_before_baseline"));
    }
    if end > today {
        return Err(("period_end", "measurement_in_future"));
    }
    let label = kpi::label_of_period(&start.to_string(), &end.to_string());
    let whole = kpi::period_of_label(&label) == Some((start, end));
    let kind_ok = match k.frequency {
        kpi::Frequency::Yearly => label.len() == 4,
        kpi::Frequency::Quarterly => label.contains('Q'),
        kpi::Frequency::Monthly => label.len() == 7 && !label.contains('Q'),
    };
    if !whole || !kind_ok {
        return Err(("period_end", "measurement_not_a_period"));
    }
    Ok((start, end))
}

fn checked_period(
    k: &Kpi,
    input: &MeasurementInput,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), AppError> {
    period_of(k, &input.period_start, &input.period_end, today).map_err(|(f, m)| field(f, m))
}

/// Records a KPI value as provisional, or a correction of the period's
/// current value; the correction supersedes it when it is verified (until
/// then the public keeps seeing the verified one), and both are kept.
pub fn record_measurement(
    conn: &mut DbConnection,
    views: &Views,
    user: &CurrentUser,
    code: &str,
    input: &MeasurementInput,
    today: NaiveDate,
) -> Result<Measurement, AppError> {
    let actor = user.actor();
    let saved = crate::audit::write_tx(conn, |c| {
        let k = super::store::kpi_by_code(c, code)?.ok_or(AppError::NotFound)?;
        if !Policy::responsible(c, user, &k.id)? {
            return Err(AppError::Forbidden);
        }
        let (start, end) = checked_period(&k, input, today)?;
        let value = input
            .value
            .as_f64()
            .filter(|v| v.is_finite())
            .ok_or_else(|| field("value", "field_number"))?;
        let source = input.source.as_deref().map(str::trim).unwrap_or("");
        if source.chars().count() > MAX_SOURCE {
            return Err(field("source", "field_too_long"));
        }
        let note = input
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > MAX_NOTE) {
            return Err(field("note", "field_too_long"));
        }
        // The period's values still standing: its current value and any
        // correction of it waiting for verification.
        let open: Vec<Measurement> = measurements::table
            .filter(measurements::kpi_id.eq(&k.id))
            .filter(measurements::period_start.eq(start.to_string()))
            .filter(measurements::period_end.eq(end.to_string()))
            .filter(measurements::superseded_by.is_null())
            .select(Measurement::as_select())
            .load(c)?;
        let corrected = match &input.supersedes {
            None if open.is_empty() => None,
            None => return Err(field("period_start", "measurement_duplicate")),
            Some(old) => {
                let target = open
                    .iter()
                    .find(|m| m.id == *old)
                    .ok_or_else(|| field("supersedes", "measurement_nothing_to_correct"))?;
                // One correction at a time.
                if open.len() > 1 {
                    return Err(field("period_start", "measurement_duplicate"));
                }
                Some(target.id.clone())
            }
        };
        let m = Measurement {
            id: crate::db::new_id(),
            kpi_id: k.id.clone(),
            period_start: start.to_string(),
            period_end: end.to_string(),
            value,
            state: MeasurementState::Provisional,
            supersedes: corrected,
            superseded_by: None,
            source: if source.is_empty() {
                "manual".into()
            } else {
                source.to_string()
            },
            note: note.map(str::to_string),
            recorded_by: Some(user.id.clone()),
            recorded_at: crate::db::now(),
            submitted_by: None,
            verified_by: None,
            is_example: false,
        };
        diesel::insert_into(measurements::table)
            .values(&m)
            .execute(c)?;
        let label = format!(
            "{} {}",
            k.code,
            kpi::label_of_period(&m.period_start, &m.period_end)
        );
        crate::audit::store::record_change(
            c,
            &actor,
            "measurement",
            &m.id,
            &label,
            None,
            Some(&m),
        )?;
        Ok(m)
    })?;
    views.after_commit(conn, &["measurement"]);
    Ok(saved)
}

/// Moves a KPI value along its lifecycle (submit, verify, return).
pub fn move_measurement(
    conn: &mut DbConnection,
    views: &Views,
    user: &CurrentUser,
    code: &str,
    id: &str,
    step: &TransitionInput,
) -> Result<Measurement, AppError> {
    let actor = user.actor();
    let saved = crate::audit::write_tx(conn, |c| {
        let k = super::store::kpi_by_code(c, code)?.ok_or(AppError::NotFound)?;
        let m: Measurement = measurements::table
            .find(id)
            .filter(measurements::kpi_id.eq(&k.id))
            .select(Measurement::as_select())
            .first(c)
            .optional()?
            .ok_or(AppError::NotFound)?;
        Policy::may_move(c, user, &k.id, &m, &step.to)?;
        if m.superseded_by.is_some() {
            return Err(AppError::Conflict(
                "a superseded value does not move".into(),
            ));
        }
        let (to, moved) =
            MEASUREMENT_LIFECYCLE.check(user, m.state, &step.to, step.reason.as_deref())?;
        let after = Measurement {
            state: to,
            submitted_by: match to {
                MeasurementState::Submitted => Some(user.id.clone()),
                MeasurementState::Provisional => None,
                MeasurementState::Verified => m.submitted_by.clone(),
            },
            verified_by: (to == MeasurementState::Verified).then(|| user.id.clone()),
            ..m.clone()
        };
        diesel::update(measurements::table.find(&m.id))
            .set((
                measurements::state.eq(after.state),
                measurements::submitted_by.eq(&after.submitted_by),
                measurements::verified_by.eq(&after.verified_by),
            ))
            .execute(c)?;
        let label = format!(
            "{} {}",
            k.code,
            kpi::label_of_period(&m.period_start, &m.period_end)
        );
        crate::audit::store::record_move(
            c,
            &actor,
            Object {
                kind: "measurement",
                id: &m.id,
                label: &label,
            },
            &m,
            &after,
            &moved,
        )?;
        // A verified correction retires the value it corrects.
        if to == MeasurementState::Verified
            && let Some(old_id) = &m.supersedes
            && let Some(old) = measurements::table
                .find(old_id)
                .select(Measurement::as_select())
                .first(c)
                .optional()?
        {
            let retired = Measurement {
                superseded_by: Some(m.id.clone()),
                ..old.clone()
            };
            diesel::update(measurements::table.find(&old.id))
                .set(measurements::superseded_by.eq(&m.id))
                .execute(c)?;
            crate::audit::store::record_change(
                c,
                &actor,
                "measurement",
                &old.id,
                &label,
                Some(&old),
                Some(&retired),
            )?;
        }
        Ok(after)
    })?;
    views.after_commit(conn, &["measurement"]);
    Ok(saved)
}

/// Makes these users the KPI's responsible members (an admin's choice),
/// audited with the KPI.
pub fn set_kpi_members(
    conn: &mut DbConnection,
    actor: &crate::audit::Actor,
    kpi_id: &str,
    user_ids: &[String],
) -> QueryResult<()> {
    set_members(conn, actor, Charge::Kpi, kpi_id, user_ids)
}

// --- Status reports and project moves ---------------------------------------

use super::model::{Health, PROJECT_LIFECYCLE, Project, ProjectState, ReportState, StatusReport};
use crate::db::schema::{project_members, projects, reporting_periods, status_reports};

const MAX_TEXT: usize = 4_000;

/// A monthly status report as the API sends it. The project's state is
/// not sent: the report records the state the project is in.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// The month it reports on: `2026-11`.
    pub period: String,
    pub progress: serde_json::Value,
    pub health: String,
    #[serde(default)]
    pub health_reason: Option<String>,
    #[serde(default)]
    pub actual_start: Option<String>,
    #[serde(default)]
    pub actual_end: Option<String>,
    #[serde(default)]
    pub spent_czk: Option<serde_json::Value>,
    #[serde(default)]
    pub risks: Option<String>,
    #[serde(default)]
    pub next_steps: Option<String>,
    #[serde(default)]
    pub asks: Option<String>,
    /// Submit at once (public, immutable); otherwise a draft.
    #[serde(default)]
    pub submit: bool,
    /// The submitted report of the same period this one corrects.
    #[serde(default)]
    pub corrects: Option<String>,
}

impl Policy {
    /// The working-group members responsible for a project.
    pub fn responsible_for_project(
        conn: &mut DbConnection,
        user: &CurrentUser,
        project_id: &str,
    ) -> QueryResult<bool> {
        if !user.has(Role::WorkingGroup) {
            return Ok(false);
        }
        let n: i64 = project_members::table
            .filter(project_members::project_id.eq(project_id))
            .filter(project_members::user_id.eq(&user.id))
            .count()
            .get_result(conn)?;
        Ok(n > 0)
    }
}

fn text(v: &Option<String>, name: &str) -> Result<Option<String>, AppError> {
    let t = v.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if t.is_some_and(|t| t.chars().count() > MAX_TEXT) {
        return Err(field(name, "field_too_long"));
    }
    Ok(t.map(str::to_string))
}

fn day(v: &Option<String>, name: &str) -> Result<Option<String>, AppError> {
    match v.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(d) => d
            .parse::<NaiveDate>()
            .map(|d| Some(d.to_string()))
            .map_err(|_| field(name, "field_date")),
    }
}

/// The strategy's reporting periods of its cadence (monthly unless the
/// admin chose quarterly or yearly) from its first year up to the last one
/// that has ended before `today`, made where missing; reports are due the
/// strategy's grace days after a period ends.
pub fn ensure_periods(
    conn: &mut DbConnection,
    actor: &crate::audit::Actor,
    strategy_id: &str,
    first_year: i32,
    cadence: kpi::Frequency,
    today: NaiveDate,
) -> QueryResult<()> {
    let have: std::collections::HashSet<String> = reporting_periods::table
        .filter(reporting_periods::strategy_id.eq(strategy_id))
        .select(reporting_periods::period_start)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut month = NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap_or(today);
    while let Some(next) = month.checked_add_months(chrono::Months::new(cadence.months())) {
        if next > today {
            break;
        }
        if !have.contains(&month.to_string()) {
            super::store::ensure_period(
                conn,
                actor,
                strategy_id,
                (month, next.pred_opt().unwrap_or(next)),
            )?;
        }
        month = next;
    }
    Ok(())
}

/// Files a project's status report for a month: a draft, or submitted at
/// once (public and immutable; the project shows its progress, health and
/// spend). A correction of a submitted report is its next version.
pub fn file_report(
    conn: &mut DbConnection,
    views: &Views,
    user: &CurrentUser,
    code: &str,
    input: &ReportInput,
    today: NaiveDate,
) -> Result<StatusReport, AppError> {
    let actor = user.actor();
    let saved = crate::audit::write_tx(conn, |c| {
        let p = super::store::project_by_code(c, code)?.ok_or(AppError::NotFound)?;
        if !Policy::responsible_for_project(c, user, &p.id)? {
            return Err(AppError::Forbidden);
        }
        let progress = input
            .progress
            .as_i64()
            .filter(|v| (0..=100).contains(v))
            .ok_or_else(|| field("progress", "report_progress"))? as i32;
        let health =
            Health::parse(&input.health).ok_or_else(|| field("health", "report_health"))?;
        let health_reason = text(&input.health_reason, "health_reason")?;
        if health != Health::OnTrack && health_reason.is_none() {
            return Err(field("health_reason", "report_health_reason"));
        }
        let spent_czk = match &input.spent_czk {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(
                v.as_i64()
                    .filter(|v| *v >= 0)
                    .ok_or_else(|| field("spent_czk", "report_money"))?,
            ),
        };
        let strategy: super::model::Strategy = crate::db::schema::strategies::table
            .find(&p.strategy_id)
            .select(super::model::Strategy::as_select())
            .first(c)?;
        // A period of the strategy's cadence: a month, a quarter or a year.
        let (start, end) = kpi::period_of_label(&input.period)
            .filter(|(s, e)| kpi::months_spanned(*s, *e) == strategy.report_cadence.months())
            .ok_or_else(|| field("period", "report_period"))?;
        ensure_periods(
            c,
            &actor,
            &strategy.id,
            strategy.period_start,
            strategy.report_cadence,
            today,
        )?;
        let period_id: String = reporting_periods::table
            .filter(reporting_periods::strategy_id.eq(&strategy.id))
            .filter(reporting_periods::period_start.eq(start.to_string()))
            .filter(reporting_periods::period_end.eq(end.to_string()))
            .select(reporting_periods::id)
            .first(c)
            .optional()?
            .ok_or_else(|| field("period", "report_no_such_period"))?;
        let existing: Vec<StatusReport> = status_reports::table
            .filter(status_reports::project_id.eq(&p.id))
            .filter(status_reports::period_id.eq(&period_id))
            .order(status_reports::version.desc())
            .select(StatusReport::as_select())
            .load(c)?;
        let version = match (&input.corrects, existing.first()) {
            (None, None) => 1,
            (None, Some(_)) => return Err(field("period", "report_duplicate")),
            (Some(id), Some(latest))
                if *id == latest.id && latest.state == ReportState::Submitted =>
            {
                latest.version + 1
            }
            (Some(_), _) => return Err(field("corrects", "report_nothing_to_correct")),
        };
        let ts = crate::db::now();
        let r = StatusReport {
            id: crate::db::new_id(),
            project_id: p.id.clone(),
            period_id,
            version,
            state: if input.submit {
                ReportState::Submitted
            } else {
                ReportState::Draft
            },
            project_state: p.state,
            progress,
            health,
            health_reason,
            actual_start: day(&input.actual_start, "actual_start")?,
            actual_end: day(&input.actual_end, "actual_end")?,
            spent_czk,
            risks: text(&input.risks, "risks")?,
            next_steps: text(&input.next_steps, "next_steps")?,
            asks: text(&input.asks, "asks")?,
            author_id: Some(user.id.clone()),
            submitted_at: input.submit.then_some(ts),
            is_example: false,
        };
        diesel::insert_into(status_reports::table)
            .values((
                &r,
                status_reports::created_at.eq(ts),
                status_reports::updated_at.eq(ts),
            ))
            .execute(c)?;
        crate::audit::store::record_change(
            c,
            &actor,
            "status_report",
            &r.id,
            &p.code,
            None,
            Some(&r),
        )?;
        if input.submit {
            apply_report(c, &actor, &p, &r)?;
        }
        Ok(r)
    })?;
    views.after_commit(conn, &["status_report", "project"]);
    Ok(saved)
}

/// A submitted report is what the project shows: its progress, health,
/// spend and actual dates, as one audited change of the project.
fn apply_report(
    conn: &mut DbConnection,
    actor: &crate::audit::Actor,
    p: &Project,
    r: &StatusReport,
) -> QueryResult<()> {
    let after = Project {
        progress: r.progress,
        health: Some(r.health),
        spent_czk: r.spent_czk.or(p.spent_czk),
        actual_start: r.actual_start.clone().or_else(|| p.actual_start.clone()),
        actual_end: r.actual_end.clone().or_else(|| p.actual_end.clone()),
        reported_at: r.submitted_at,
        ..p.clone()
    };
    diesel::update(projects::table.find(&p.id))
        .set((&after, projects::updated_at.eq(crate::db::now())))
        .execute(conn)?;
    let label = format!("{} {}", p.code, p.title_cs);
    crate::audit::store::record_change(
        conn,
        actor,
        "project",
        &p.id,
        &label,
        Some(p),
        Some(&after),
    )?;
    Ok(())
}

/// Moves a project along chapter 4.1's lifecycle. The responsible member
/// takes the delivery steps; the committee approves, suspends, resumes
/// (only to the state the project left) and cancels.
pub fn move_project(
    conn: &mut DbConnection,
    views: &Views,
    user: &CurrentUser,
    code: &str,
    step: &TransitionInput,
) -> Result<Project, AppError> {
    let actor = user.actor();
    let saved = crate::audit::write_tx(conn, |c| {
        let p = super::store::project_by_code(c, code)?.ok_or(AppError::NotFound)?;
        // A working-group member moves only his own projects.
        if user.has(Role::WorkingGroup)
            && !user.has(Role::SteeringCommittee)
            && !Policy::responsible_for_project(c, user, &p.id)?
        {
            return Err(AppError::Forbidden);
        }
        if !user.has(Role::WorkingGroup) && !user.has(Role::SteeringCommittee) {
            return Err(AppError::Forbidden);
        }
        let (to, moved) =
            PROJECT_LIFECYCLE.check(user, p.state, &step.to, step.reason.as_deref())?;
        if p.state == ProjectState::Suspended
            && to != ProjectState::Cancelled
            && Some(to) != p.suspended_from
        {
            return Err(AppError::Transition {
                from: p.state.as_str(),
                to: to.as_str().to_string(),
                allowed: p
                    .suspended_from
                    .iter()
                    .map(|s| s.as_str())
                    .chain(std::iter::once(ProjectState::Cancelled.as_str()))
                    .collect(),
            });
        }
        let after = Project {
            state: to,
            suspended_from: (to == ProjectState::Suspended).then_some(p.state),
            ..p.clone()
        };
        diesel::update(projects::table.find(&p.id))
            .set((&after, projects::updated_at.eq(crate::db::now())))
            .execute(c)?;
        let label = format!("{} {}", p.code, p.title_cs);
        crate::audit::store::record_move(
            c,
            &actor,
            Object {
                kind: "project",
                id: &p.id,
                label: &label,
            },
            &p,
            &after,
            &moved,
        )?;
        Ok(after)
    })?;
    views.after_commit(conn, &["project"]);
    Ok(saved)
}

/// Makes these users a project's responsible members, audited with it.
pub fn set_project_members(
    conn: &mut DbConnection,
    actor: &crate::audit::Actor,
    project_id: &str,
    user_ids: &[String],
) -> QueryResult<()> {
    set_members(conn, actor, Charge::Project, project_id, user_ids)
}

/// What a working-group member is made responsible for.
#[derive(Clone, Copy)]
enum Charge {
    Project,
    Kpi,
}

/// Makes these users the responsible members of a project or KPI; one
/// audit row on the object when the set changed.
fn set_members(
    conn: &mut DbConnection,
    actor: &crate::audit::Actor,
    charge: Charge,
    id: &str,
    user_ids: &[String],
) -> QueryResult<()> {
    let before: Vec<String> = match charge {
        Charge::Project => project_members::table
            .filter(project_members::project_id.eq(id))
            .select(project_members::user_id)
            .order(project_members::user_id.asc())
            .load(conn)?,
        Charge::Kpi => kpi_members::table
            .filter(kpi_members::kpi_id.eq(id))
            .select(kpi_members::user_id)
            .order(kpi_members::user_id.asc())
            .load(conn)?,
    };
    let mut after = user_ids.to_vec();
    after.sort();
    after.dedup();
    if before == after {
        return Ok(());
    }
    match charge {
        Charge::Project => {
            diesel::delete(project_members::table.filter(project_members::project_id.eq(id)))
                .execute(conn)?
        }
        Charge::Kpi => {
            diesel::delete(kpi_members::table.filter(kpi_members::kpi_id.eq(id))).execute(conn)?
        }
    };
    // One statement per row: the multi-backend connection has no batch
    // insert.
    for u in &after {
        match charge {
            Charge::Project => diesel::insert_into(project_members::table)
                .values((
                    project_members::project_id.eq(id),
                    project_members::user_id.eq(u),
                ))
                .execute(conn)?,
            Charge::Kpi => diesel::insert_into(kpi_members::table)
                .values((kpi_members::kpi_id.eq(id), kpi_members::user_id.eq(u)))
                .execute(conn)?,
        };
    }
    let kind = match charge {
        Charge::Project => "project",
        Charge::Kpi => "kpi",
    };
    crate::audit::store::record_change(
        conn,
        actor,
        kind,
        id,
        "members",
        Some(&serde_json::json!({ "members": before })),
        Some(&serde_json::json!({ "members": after })),
    )?;
    Ok(())
}

// --- CSV import of KPI values ------------------------------------------------

/// The columns of a CSV import, in this order.
pub const CSV_COLUMNS: [&str; 6] = [
    "kpi",
    "period_start",
    "period_end",
    "value",
    "source",
    "note",
];
/// At most this many values in one file.
pub const CSV_MAX_ROWS: usize = 200_000;
/// At most this many errors are listed (the file is refused whole anyway).
const CSV_MAX_ERRORS: usize = 100;

/// Imports KPI values from CSV (`kpi,period_start,period_end,value,source,
/// note`, a header line first; a decimal point or comma) all or nothing:
/// every row is checked as the API checks one value, and a file with any
/// bad row stores none and names each bad row by line and column. Each
/// value is provisional, recorded by the caller, who must answer for its
/// KPI (a row of another's KPI refuses the file: 403). Returns how many
/// were stored.
pub fn import_csv(
    conn: &mut DbConnection,
    views: &Views,
    user: &CurrentUser,
    data: &[u8],
    today: NaiveDate,
) -> Result<usize, AppError> {
    let actor = user.actor();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(data);
    let header = reader
        .headers()
        .map_err(|_| AppError::Validation(vec![FieldError::at(1, 1, "header", "csv_header")]))?
        .clone();
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    if names.first().map(|n| n.trim_start_matches('\u{feff}')) != Some("kpi")
        || names[1..] != CSV_COLUMNS[1..]
    {
        return Err(AppError::Validation(vec![FieldError::at(
            1,
            1,
            "header",
            "csv_header",
        )]));
    }
    let stored = crate::audit::write_tx(conn, |c| {
        let mut errors: Vec<FieldError> = Vec::new();
        let mut kpis: std::collections::HashMap<String, Option<(Kpi, bool)>> = Default::default();
        let mut taken: std::collections::HashMap<
            String,
            std::collections::HashSet<(String, String)>,
        > = Default::default();
        let mut rows: Vec<(Measurement, String)> = Vec::new();
        let now = crate::db::now();
        for (i, record) in reader.records().enumerate() {
            if errors.len() >= CSV_MAX_ERRORS {
                break;
            }
            if i >= CSV_MAX_ROWS {
                errors.push(FieldError::at(i as u64 + 2, 1, "kpi", "csv_too_many_rows"));
                break;
            }
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(i as u64 + 2, |p| p.line());
                    errors.push(FieldError::at(line, 1, "kpi", "csv_malformed"));
                    continue;
                }
            };
            let line = record.position().map_or(i as u64 + 2, |p| p.line());
            let get = |col: usize| record.get(col).unwrap_or("").trim();
            let code = get(0);
            if !kpis.contains_key(code) {
                let k = super::store::kpi_by_code(c, code)?;
                let entry = match k {
                    Some(k) => {
                        let mine = Policy::responsible(c, user, &k.id)?;
                        let open: std::collections::HashSet<(String, String)> = measurements::table
                            .filter(measurements::kpi_id.eq(&k.id))
                            .filter(measurements::superseded_by.is_null())
                            .select((measurements::period_start, measurements::period_end))
                            .load(c)?
                            .into_iter()
                            .collect();
                        taken.insert(code.to_string(), open);
                        Some((k, mine))
                    }
                    None => None,
                };
                kpis.insert(code.to_string(), entry);
            }
            let Some(Some((k, mine))) = kpis.get(code) else {
                errors.push(FieldError::at(line, 1, "kpi", "csv_unknown_kpi"));
                continue;
            };
            // A value of a KPI the caller does not answer for refuses the
            // whole file, as the API refuses the one value.
            if !mine {
                return Err(AppError::Forbidden);
            }
            let (start, end) = match period_of(k, get(1), get(2), today) {
                Ok(p) => p,
                Err((f, m)) => {
                    errors.push(FieldError::at(
                        line,
                        if f == "period_start" { 2 } else { 3 },
                        f,
                        m,
                    ));
                    continue;
                }
            };
            let Some(value) = get(3)
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
            else {
                errors.push(FieldError::at(line, 4, "value", "field_number"));
                continue;
            };
            let source = get(4);
            let note = get(5);
            if source.chars().count() > MAX_SOURCE {
                errors.push(FieldError::at(line, 5, "source", "field_too_long"));
                continue;
            }
            if note.chars().count() > MAX_NOTE {
                errors.push(FieldError::at(line, 6, "note", "field_too_long"));
                continue;
            }
            let period = (start.to_string(), end.to_string());
            let Some(open) = taken.get_mut(code) else {
                continue;
            };
            if !open.insert(period.clone()) {
                errors.push(FieldError::at(
                    line,
                    2,
                    "period_start",
                    "measurement_duplicate",
                ));
                continue;
            }
            rows.push((
                Measurement {
                    id: crate::db::new_id(),
                    kpi_id: k.id.clone(),
                    period_start: period.0,
                    period_end: period.1,
                    value,
                    state: MeasurementState::Provisional,
                    supersedes: None,
                    superseded_by: None,
                    source: if source.is_empty() {
                        "csv".into()
                    } else {
                        source.to_string()
                    },
                    note: (!note.is_empty()).then(|| note.to_string()),
                    recorded_by: Some(user.id.clone()),
                    recorded_at: now,
                    submitted_by: None,
                    verified_by: None,
                    is_example: false,
                },
                k.code.clone(),
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        for (m, code) in &rows {
            diesel::insert_into(measurements::table)
                .values(m)
                .execute(c)?;
            let label = format!(
                "{code} {}",
                kpi::label_of_period(&m.period_start, &m.period_end)
            );
            crate::audit::store::record_change(
                c,
                &actor,
                "measurement",
                &m.id,
                &label,
                None,
                Some(m),
            )?;
        }
        Ok(rows.len())
    })?;
    views.after_commit(conn, &["measurement"]);
    Ok(stored)
}

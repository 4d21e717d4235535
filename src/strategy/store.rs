use diesel::prelude::*;

use super::model::{Goal, GoalDetail, Measure, Strategy, StrategyDetail, StrategySummary};
use crate::audit::store::Object;
use crate::audit::{self, Actor};
use crate::db::schema::{goals, measures, strategies};
use crate::db::{DbConnection, now};

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Strategy>> {
    strategies::table
        .order(strategies::period_start.desc())
        .select(Strategy::as_select())
        .load(conn)
}

pub fn by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Strategy>> {
    strategies::table
        .filter(strategies::slug.eq(slug))
        .select(Strategy::as_select())
        .first(conn)
        .optional()
}

pub fn goals_of(conn: &mut DbConnection, strategy_id: &str) -> QueryResult<Vec<Goal>> {
    goals::table
        .filter(goals::strategy_id.eq(strategy_id))
        .order(goals::position.asc())
        .select(Goal::as_select())
        .load(conn)
}

fn measures_of_goal(conn: &mut DbConnection, goal_id: &str) -> QueryResult<Vec<Measure>> {
    measures::table
        .filter(measures::goal_id.eq(goal_id))
        .order(measures::position.asc())
        .select(Measure::as_select())
        .load(conn)
}

pub fn detail(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<StrategyDetail>> {
    let Some(strategy) = by_slug(conn, slug)? else {
        return Ok(None);
    };
    let goals = goals_of(conn, &strategy.id)?;
    // One query for all measures, grouped by goal in memory.
    let all: Vec<Measure> = measures::table
        .inner_join(goals::table)
        .filter(goals::strategy_id.eq(&strategy.id))
        .order((goals::position.asc(), measures::position.asc()))
        .select(Measure::as_select())
        .load(conn)?;
    let goals = goals
        .into_iter()
        .map(|g| {
            let mine = all.iter().filter(|m| m.goal_id == g.id).cloned().collect();
            GoalDetail::new(g, mine)
        })
        .collect();
    Ok(Some(StrategyDetail { strategy, goals }))
}

pub fn summaries(conn: &mut DbConnection) -> QueryResult<Vec<StrategySummary>> {
    let mut out = Vec::new();
    for s in list(conn)? {
        let goal_count: i64 = goals::table
            .filter(goals::strategy_id.eq(&s.id))
            .count()
            .get_result(conn)?;
        let measure_count: i64 = measures::table
            .inner_join(goals::table)
            .filter(goals::strategy_id.eq(&s.id))
            .count()
            .get_result(conn)?;
        out.push(StrategySummary {
            slug: s.slug,
            title_cs: s.title_cs,
            title_en: s.title_en,
            period_start: s.period_start,
            period_end: s.period_end,
            goals: goal_count,
            measures: measure_count,
        });
    }
    Ok(out)
}

/// Upserts by slug; audit row only on change. Returns the stored id.
pub fn upsert_strategy(
    conn: &mut DbConnection,
    actor: &Actor,
    s: &Strategy,
) -> QueryResult<String> {
    let existing = by_slug(conn, &s.slug)?;
    let id = existing
        .as_ref()
        .map(|e| e.id.clone())
        .unwrap_or_else(|| s.id.clone());
    let wanted = Strategy {
        id: id.clone(),
        ..s.clone()
    };
    let ts = now();
    audit::store::save(
        conn,
        actor,
        Object {
            kind: "strategy",
            id: &id,
            label: &wanted.title_cs,
        },
        existing.as_ref(),
        &wanted,
        |c, exists| {
            if exists {
                diesel::update(strategies::table.find(&id))
                    .set((&wanted, strategies::updated_at.eq(ts)))
                    .execute(c)
            } else {
                diesel::insert_into(strategies::table)
                    .values((
                        &wanted,
                        strategies::created_at.eq(ts),
                        strategies::updated_at.eq(ts),
                    ))
                    .execute(c)
            }
        },
    )?;
    Ok(id)
}

/// Upserts by (strategy, chapter). Returns the stored id.
pub fn upsert_goal(conn: &mut DbConnection, actor: &Actor, g: &Goal) -> QueryResult<String> {
    let existing: Option<Goal> = goals::table
        .filter(goals::strategy_id.eq(&g.strategy_id))
        .filter(goals::chapter.eq(&g.chapter))
        .select(Goal::as_select())
        .first(conn)
        .optional()?;
    let id = existing
        .as_ref()
        .map(|e| e.id.clone())
        .unwrap_or_else(|| g.id.clone());
    let wanted = Goal {
        id: id.clone(),
        ..g.clone()
    };
    let ts = now();
    let label = format!("{} {}", wanted.chapter, wanted.title_cs);
    audit::store::save(
        conn,
        actor,
        Object {
            kind: "goal",
            id: &id,
            label: &label,
        },
        existing.as_ref(),
        &wanted,
        |c, exists| {
            if exists {
                diesel::update(goals::table.find(&id))
                    .set((&wanted, goals::updated_at.eq(ts)))
                    .execute(c)
            } else {
                diesel::insert_into(goals::table)
                    .values((&wanted, goals::created_at.eq(ts), goals::updated_at.eq(ts)))
                    .execute(c)
            }
        },
    )?;
    Ok(id)
}

/// A measure's text in both languages, as the seed gives it.
pub type MeasureText = (String, Option<String>);

/// Makes a goal's measures exactly `texts` (by position), auditing each change.
pub fn sync_measures(
    conn: &mut DbConnection,
    actor: &Actor,
    goal_id: &str,
    texts: &[MeasureText],
) -> QueryResult<()> {
    let existing = measures_of_goal(conn, goal_id)?;
    let ts = now();
    for (i, (text_cs, text_en)) in texts.iter().enumerate() {
        let position = i as i32 + 1;
        let old = existing.iter().find(|m| m.position == position);
        let wanted = Measure {
            id: old.map(|m| m.id.clone()).unwrap_or_else(crate::db::new_id),
            goal_id: goal_id.to_string(),
            position,
            text_cs: text_cs.clone(),
            text_en: text_en.clone(),
        };
        audit::store::save(
            conn,
            actor,
            Object {
                kind: "measure",
                id: &wanted.id,
                label: &wanted.text_cs,
            },
            old,
            &wanted,
            |c, exists| {
                if exists {
                    diesel::update(measures::table.find(&wanted.id))
                        .set((&wanted, measures::updated_at.eq(ts)))
                        .execute(c)
                } else {
                    diesel::insert_into(measures::table)
                        .values((
                            &wanted,
                            measures::created_at.eq(ts),
                            measures::updated_at.eq(ts),
                        ))
                        .execute(c)
                }
            },
        )?;
    }
    for old in existing
        .iter()
        .filter(|m| m.position as usize > texts.len())
    {
        diesel::delete(measures::table.find(&old.id)).execute(conn)?;
        audit::store::record_change(
            conn,
            actor,
            "measure",
            &old.id,
            &old.text_cs,
            Some(old),
            None,
        )?;
    }
    Ok(())
}

// --- Tracking: projects, KPIs, periods, reports, measurements -------------

use super::model::{Kpi, KpiTarget, Measurement, Project, ReportingPeriod, StatusReport};
use crate::db::schema::{
    kpi_targets, kpis, measurements, project_measures, projects, reporting_periods, status_reports,
};
use crate::lifecycle::State;

/// What the audit log keeps of a project: the row and the measures it
/// fulfils.
#[derive(serde::Serialize, PartialEq)]
struct ProjectRecord<'a> {
    #[serde(flatten)]
    project: &'a Project,
    measures: &'a [String],
}

/// What the audit log keeps of a KPI: the row and its yearly targets.
#[derive(serde::Serialize, PartialEq)]
struct KpiRecord<'a> {
    #[serde(flatten)]
    kpi: &'a Kpi,
    targets: &'a [(i32, f64)],
}

pub fn project_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Project>> {
    projects::table
        .filter(projects::code.eq(code))
        .select(Project::as_select())
        .first(conn)
        .optional()
}

pub fn measures_of_project(conn: &mut DbConnection, project_id: &str) -> QueryResult<Vec<String>> {
    project_measures::table
        .filter(project_measures::project_id.eq(project_id))
        .select(project_measures::measure_id)
        .order(project_measures::measure_id.asc())
        .load(conn)
}

/// Upserts a project by its code with the measures it fulfils (sorted
/// ids); one audit row when anything changed. Returns its id.
pub fn upsert_project(
    conn: &mut DbConnection,
    actor: &Actor,
    p: &Project,
    measures: &[String],
) -> QueryResult<String> {
    let existing = project_by_code(conn, &p.code)?;
    let id = existing
        .as_ref()
        .map_or_else(|| p.id.clone(), |e| e.id.clone());
    let old_measures = match &existing {
        Some(e) => measures_of_project(conn, &e.id)?,
        None => Vec::new(),
    };
    let wanted = Project {
        id: id.clone(),
        // The time of the latest report is the store's, not the seed's.
        reported_at: existing.as_ref().and_then(|e| e.reported_at),
        ..p.clone()
    };
    let before = existing.as_ref().map(|e| ProjectRecord {
        project: e,
        measures: &old_measures,
    });
    let after = ProjectRecord {
        project: &wanted,
        measures,
    };
    let ts = now();
    let label = format!("{} {}", wanted.code, wanted.title_cs);
    audit::store::save(
        conn,
        actor,
        Object {
            kind: "project",
            id: &id,
            label: &label,
        },
        before.as_ref(),
        &after,
        |c, exists| {
            if exists {
                diesel::update(projects::table.find(&id))
                    .set((&wanted, projects::updated_at.eq(ts)))
                    .execute(c)?;
            } else {
                diesel::insert_into(projects::table)
                    .values((
                        &wanted,
                        projects::created_at.eq(ts),
                        projects::updated_at.eq(ts),
                    ))
                    .execute(c)?;
            }
            diesel::delete(project_measures::table.filter(project_measures::project_id.eq(&id)))
                .execute(c)?;
            // One statement per row: the multi-backend connection has no
            // batch insert.
            let mut n = 0;
            for m in measures {
                n += diesel::insert_into(project_measures::table)
                    .values((
                        project_measures::project_id.eq(&id),
                        project_measures::measure_id.eq(m),
                    ))
                    .execute(c)?;
            }
            Ok(n)
        },
    )?;
    Ok(id)
}

/// The reporting period starting on `range.0`, made (and audited) when the
/// strategy has none yet; its reports are due the strategy's grace days
/// after it ends.
pub fn ensure_period(
    conn: &mut DbConnection,
    actor: &Actor,
    strategy_id: &str,
    range: (chrono::NaiveDate, chrono::NaiveDate),
) -> QueryResult<String> {
    let start = range.0.to_string();
    if let Some(id) = reporting_periods::table
        .filter(reporting_periods::strategy_id.eq(strategy_id))
        .filter(reporting_periods::period_start.eq(&start))
        .select(reporting_periods::id)
        .first::<String>(conn)
        .optional()?
    {
        return Ok(id);
    }
    let grace: i32 = strategies::table
        .find(strategy_id)
        .select(strategies::grace_days)
        .first(conn)?;
    let period = ReportingPeriod {
        id: crate::db::new_id(),
        strategy_id: strategy_id.to_string(),
        period_start: start,
        period_end: range.1.to_string(),
        // Due when the strategy's grace days after its end have passed
        // (the admin's setting; `late` counts from the same).
        due: (range.1 + chrono::Duration::days(i64::from(grace))).to_string(),
    };
    diesel::insert_into(reporting_periods::table)
        .values(&period)
        .execute(conn)?;
    let label = format!("{} – {}", period.period_start, period.period_end);
    audit::store::record_change(
        conn,
        actor,
        "reporting_period",
        &period.id,
        &label,
        None,
        Some(&period),
    )?;
    Ok(period.id)
}

/// A seeded report, written once: a project's report for a period that
/// already has one is left as it is (reports are corrected by versions,
/// not by the seed).
pub fn add_seed_report(
    conn: &mut DbConnection,
    actor: &Actor,
    r: &StatusReport,
    project_code: &str,
) -> QueryResult<()> {
    let exists: i64 = status_reports::table
        .filter(status_reports::project_id.eq(&r.project_id))
        .filter(status_reports::period_id.eq(&r.period_id))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(());
    }
    let ts = now();
    let report = StatusReport {
        submitted_at: Some(ts),
        ..r.clone()
    };
    diesel::insert_into(status_reports::table)
        .values((
            &report,
            status_reports::created_at.eq(ts),
            status_reports::updated_at.eq(ts),
        ))
        .execute(conn)?;
    diesel::update(projects::table.find(&r.project_id))
        .set(projects::reported_at.eq(ts))
        .execute(conn)?;
    audit::store::record_change(
        conn,
        actor,
        "status_report",
        &report.id,
        project_code,
        None,
        Some(&report),
    )?;
    Ok(())
}

pub fn kpi_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Kpi>> {
    kpis::table
        .filter(kpis::code.eq(code))
        .select(Kpi::as_select())
        .first(conn)
        .optional()
}

pub fn targets_of(conn: &mut DbConnection, kpi_id: &str) -> QueryResult<Vec<(i32, f64)>> {
    kpi_targets::table
        .filter(kpi_targets::kpi_id.eq(kpi_id))
        .order(kpi_targets::year.asc())
        .select((kpi_targets::year, kpi_targets::value))
        .load(conn)
}

/// Upserts a KPI by its code with its targets; one audit row when anything
/// changed. Returns its id.
pub fn upsert_kpi(
    conn: &mut DbConnection,
    actor: &Actor,
    k: &Kpi,
    targets: &[(i32, f64)],
) -> QueryResult<String> {
    let existing = kpi_by_code(conn, &k.code)?;
    let id = existing
        .as_ref()
        .map_or_else(|| k.id.clone(), |e| e.id.clone());
    let old_targets = match &existing {
        Some(e) => targets_of(conn, &e.id)?,
        None => Vec::new(),
    };
    let mut targets = targets.to_vec();
    targets.sort_by_key(|(y, _)| *y);
    let wanted = Kpi {
        id: id.clone(),
        ..k.clone()
    };
    let before = existing.as_ref().map(|e| KpiRecord {
        kpi: e,
        targets: &old_targets,
    });
    let after = KpiRecord {
        kpi: &wanted,
        targets: &targets,
    };
    let ts = now();
    let label = format!("{} {}", wanted.code, wanted.name_cs);
    audit::store::save(
        conn,
        actor,
        Object {
            kind: "kpi",
            id: &id,
            label: &label,
        },
        before.as_ref(),
        &after,
        |c, exists| {
            if exists {
                diesel::update(kpis::table.find(&id))
                    .set((&wanted, kpis::updated_at.eq(ts)))
                    .execute(c)?;
            } else {
                diesel::insert_into(kpis::table)
                    .values((&wanted, kpis::created_at.eq(ts), kpis::updated_at.eq(ts)))
                    .execute(c)?;
            }
            diesel::delete(kpi_targets::table.filter(kpi_targets::kpi_id.eq(&id))).execute(c)?;
            let mut n = 0;
            for (year, value) in &targets {
                n += diesel::insert_into(kpi_targets::table)
                    .values(KpiTarget {
                        kpi_id: id.clone(),
                        year: *year,
                        value: *value,
                    })
                    .execute(c)?;
            }
            Ok(n)
        },
    )?;
    Ok(id)
}

/// A seeded value, written once per KPI and period.
pub fn add_seed_measurement(
    conn: &mut DbConnection,
    actor: &Actor,
    m: &Measurement,
    kpi_code: &str,
) -> QueryResult<()> {
    let exists: i64 = measurements::table
        .filter(measurements::kpi_id.eq(&m.kpi_id))
        .filter(measurements::period_start.eq(&m.period_start))
        .filter(measurements::period_end.eq(&m.period_end))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(());
    }
    diesel::insert_into(measurements::table)
        .values(m)
        .execute(conn)?;
    let label = format!("{kpi_code} {} – {}", m.period_start, m.period_end);
    audit::store::record_change(conn, actor, "measurement", &m.id, &label, None, Some(m))?;
    Ok(())
}

/// A KPI's measurements, oldest period first (every state; the caller
/// picks what its reader may see).
pub fn measurements_of(conn: &mut DbConnection, kpi_id: &str) -> QueryResult<Vec<Measurement>> {
    measurements::table
        .filter(measurements::kpi_id.eq(kpi_id))
        .order((
            measurements::period_end.asc(),
            measurements::recorded_at.asc(),
        ))
        .select(Measurement::as_select())
        .load(conn)
}

/// A measurement's history is public once it is verified: it is never
/// edited before (a correction is a new measurement), so its history is its
/// value's.
pub fn measurement_public_since(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<crate::audit::registry::Visible> {
    use crate::audit::registry::Visible;
    let state: Option<super::model::MeasurementState> = measurements::table
        .find(id)
        .select(measurements::state)
        .first(conn)
        .optional()?;
    Ok(match state {
        Some(super::model::MeasurementState::Verified) => Visible::Whole,
        _ => Visible::No,
    })
}

/// A status report is public from its submission: its draft's edits stay
/// with its author.
pub fn report_public_since(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<crate::audit::registry::Visible> {
    use crate::audit::registry::Visible;
    let at: Option<Option<chrono::NaiveDateTime>> = status_reports::table
        .find(id)
        .select(status_reports::submitted_at)
        .first(conn)
        .optional()?;
    Ok(match at.flatten() {
        Some(t) => Visible::From(t),
        None => Visible::No,
    })
}

/// A project's public page: the project, its strategy's slug, the measures
/// it fulfils (goal chapter, position, text) and its submitted reports,
/// newest period first, each period's latest version first.
pub struct ProjectPage {
    pub project: Project,
    pub strategy: String,
    pub measures: Vec<(String, i32, String)>,
    pub reports: Vec<(String, String, StatusReport)>,
}

pub fn project_page(conn: &mut DbConnection, code: &str) -> QueryResult<Option<ProjectPage>> {
    let Some(project) = project_by_code(conn, code)? else {
        return Ok(None);
    };
    let strategy: String = strategies::table
        .find(&project.strategy_id)
        .select(strategies::slug)
        .first(conn)?;
    let measures: Vec<(String, i32, String)> = project_measures::table
        .inner_join(measures::table.inner_join(goals::table))
        .filter(project_measures::project_id.eq(&project.id))
        .order((goals::position.asc(), measures::position.asc()))
        .select((goals::chapter, measures::position, measures::text_cs))
        .load(conn)?;
    let reports: Vec<(String, String, StatusReport)> = status_reports::table
        .inner_join(reporting_periods::table)
        .filter(status_reports::project_id.eq(&project.id))
        .filter(status_reports::state.eq(super::model::ReportState::Submitted))
        .order((
            reporting_periods::period_start.desc(),
            status_reports::version.desc(),
        ))
        .select((
            reporting_periods::period_start,
            reporting_periods::period_end,
            StatusReport::as_select(),
        ))
        .load(conn)?;
    Ok(Some(ProjectPage {
        project,
        strategy,
        measures,
        reports,
    }))
}

/// The projects a working-group member answers for, by code.
pub fn projects_of_member(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<Project>> {
    use crate::db::schema::project_members;
    projects::table
        .inner_join(project_members::table)
        .filter(project_members::user_id.eq(user_id))
        .order(projects::code.asc())
        .select(Project::as_select())
        .load(conn)
}

/// The KPIs a working-group member answers for, by code.
pub fn kpis_of_member(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<Kpi>> {
    use crate::db::schema::kpi_members;
    kpis::table
        .inner_join(kpi_members::table)
        .filter(kpi_members::user_id.eq(user_id))
        .order(kpis::code.asc())
        .select(Kpi::as_select())
        .load(conn)
}

/// Values waiting for a second pair of eyes: submitted, with their KPI's
/// code, oldest first.
pub fn submitted_values(conn: &mut DbConnection) -> QueryResult<Vec<(String, Measurement)>> {
    measurements::table
        .inner_join(kpis::table)
        .filter(measurements::state.eq(super::model::MeasurementState::Submitted))
        .filter(measurements::superseded_by.is_null())
        .order(measurements::recorded_at.asc())
        .select((kpis::code, Measurement::as_select()))
        .load(conn)
}

/// A table as text: its header and its rows.
pub type Table = (Vec<&'static str>, Vec<Vec<String>>);

/// The public tables of a strategy, as rows under a header: its goals with
/// their measures, its projects, and its KPIs' verified values.
pub fn public_table(
    conn: &mut DbConnection,
    slug: &str,
    table: &str,
) -> QueryResult<Option<Table>> {
    let Some(strategy) = by_slug(conn, slug)? else {
        return Ok(None);
    };
    let opt = |v: Option<String>| v.unwrap_or_default();
    Ok(Some(match table {
        "goals" => {
            let rows: Vec<(String, Option<String>, String, i32, String)> = measures::table
                .inner_join(goals::table)
                .filter(goals::strategy_id.eq(&strategy.id))
                .order((goals::position.asc(), measures::position.asc()))
                .select((
                    goals::chapter,
                    goals::sc_code,
                    goals::title_cs,
                    measures::position,
                    measures::text_cs,
                ))
                .load(conn)?;
            (
                vec!["goal", "goal_code", "goal_title", "measure", "measure_text"],
                rows.into_iter()
                    .map(|(c, code, t, p, m)| vec![c, opt(code), t, p.to_string(), m])
                    .collect(),
            )
        }
        "projects" => {
            let rows: Vec<Project> = projects::table
                .filter(projects::strategy_id.eq(&strategy.id))
                .order(projects::code.asc())
                .select(Project::as_select())
                .load(conn)?;
            let links: Vec<(String, String, i32)> = project_measures::table
                .inner_join(measures::table.inner_join(goals::table))
                .filter(goals::strategy_id.eq(&strategy.id))
                .order((goals::position.asc(), measures::position.asc()))
                .select((
                    project_measures::project_id,
                    goals::chapter,
                    measures::position,
                ))
                .load(conn)?;
            (
                vec![
                    "project",
                    "title",
                    "measures",
                    "guarantor",
                    "funding",
                    "state",
                    "progress",
                    "health",
                    "budget_czk",
                    "spent_czk",
                    "planned_start",
                    "planned_end",
                    "actual_start",
                    "actual_end",
                    "example",
                ],
                rows.into_iter()
                    .map(|p| {
                        let measures: Vec<String> = links
                            .iter()
                            .filter(|(id, _, _)| *id == p.id)
                            .map(|(_, c, n)| format!("{c}/{n}"))
                            .collect();
                        vec![
                            p.code,
                            p.title_cs,
                            measures.join(" "),
                            p.guarantor,
                            p.funding.as_str().to_string(),
                            p.state.as_str().to_string(),
                            p.progress.to_string(),
                            p.health.map(|h| h.as_str().to_string()).unwrap_or_default(),
                            p.budget_czk.map(|v| v.to_string()).unwrap_or_default(),
                            p.spent_czk.map(|v| v.to_string()).unwrap_or_default(),
                            opt(p.planned_start),
                            opt(p.planned_end),
                            opt(p.actual_start),
                            opt(p.actual_end),
                            p.is_example.to_string(),
                        ]
                    })
                    .collect(),
            )
        }
        "kpi-values" => {
            let rows: Vec<(String, String, Measurement)> = measurements::table
                .inner_join(kpis::table.inner_join(goals::table))
                .filter(goals::strategy_id.eq(&strategy.id))
                .filter(measurements::state.eq(super::model::MeasurementState::Verified))
                .filter(measurements::superseded_by.is_null())
                .order((kpis::code.asc(), measurements::period_end.asc()))
                .select((kpis::code, kpis::unit, Measurement::as_select()))
                .load(conn)?;
            (
                vec![
                    "kpi",
                    "period_start",
                    "period_end",
                    "value",
                    "unit",
                    "source",
                    "recorded_at",
                    "example",
                ],
                rows.into_iter()
                    .map(|(code, unit, m)| {
                        vec![
                            code,
                            m.period_start,
                            m.period_end,
                            m.value.to_string(),
                            unit,
                            m.source,
                            m.recorded_at.and_utc().to_rfc3339(),
                            m.is_example.to_string(),
                        ]
                    })
                    .collect(),
            )
        }
        "reports" => {
            let rows: Vec<(String, String, String, StatusReport)> = status_reports::table
                .inner_join(projects::table)
                .inner_join(reporting_periods::table)
                .filter(projects::strategy_id.eq(&strategy.id))
                .filter(status_reports::state.eq(super::model::ReportState::Submitted))
                .order((
                    projects::code.asc(),
                    reporting_periods::period_start.asc(),
                    status_reports::version.asc(),
                ))
                .select((
                    projects::code,
                    reporting_periods::period_start,
                    reporting_periods::period_end,
                    StatusReport::as_select(),
                ))
                .load(conn)?;
            (
                vec![
                    "project",
                    "period",
                    "version",
                    "project_state",
                    "progress",
                    "health",
                    "health_reason",
                    "spent_czk",
                    "actual_start",
                    "actual_end",
                    "risks",
                    "next_steps",
                    "asks",
                    "submitted_at",
                    "example",
                ],
                rows.into_iter()
                    .map(|(code, start, end, r)| {
                        vec![
                            code,
                            super::kpi::label_of_period(&start, &end),
                            r.version.to_string(),
                            r.project_state.as_str().to_string(),
                            r.progress.to_string(),
                            r.health.as_str().to_string(),
                            opt(r.health_reason),
                            r.spent_czk.map(|v| v.to_string()).unwrap_or_default(),
                            opt(r.actual_start),
                            opt(r.actual_end),
                            opt(r.risks),
                            opt(r.next_steps),
                            opt(r.asks),
                            r.submitted_at
                                .map(|t| t.and_utc().to_rfc3339())
                                .unwrap_or_default(),
                            r.is_example.to_string(),
                        ]
                    })
                    .collect(),
            )
        }
        _ => return Ok(None),
    }))
}

/// Everything a strategy's RDF graph is made of: the strategy, its goals
/// with their measures, its projects with the (goal chapter, measure
/// position) pairs they fulfil.
pub struct StrategyForRdf {
    pub detail: StrategyDetail,
    pub projects: Vec<(Project, Vec<(String, i32)>)>,
}

pub fn strategy_for_rdf(
    conn: &mut DbConnection,
    slug: &str,
) -> QueryResult<Option<StrategyForRdf>> {
    let Some(detail) = detail(conn, slug)? else {
        return Ok(None);
    };
    let all: Vec<Project> = projects::table
        .filter(projects::strategy_id.eq(&detail.strategy.id))
        .order(projects::code.asc())
        .select(Project::as_select())
        .load(conn)?;
    let links: Vec<(String, String, i32)> = project_measures::table
        .inner_join(measures::table.inner_join(goals::table))
        .filter(goals::strategy_id.eq(&detail.strategy.id))
        .select((
            project_measures::project_id,
            goals::chapter,
            measures::position,
        ))
        .load(conn)?;
    let projects = all
        .into_iter()
        .map(|p| {
            let mine = links
                .iter()
                .filter(|(id, _, _)| *id == p.id)
                .map(|(_, c, n)| (c.clone(), *n))
                .collect();
            (p, mine)
        })
        .collect();
    Ok(Some(StrategyForRdf { detail, projects }))
}

/// A KPI as its RDF graph shows it: the KPI, its goal's IRI parts
/// (strategy slug, chapter) when it belongs to a goal, the code of its
/// project when it belongs to one, and its public values (verified, not
/// superseded), oldest period first.
pub struct KpiForRdf {
    pub kpi: Kpi,
    pub goal: Option<(String, String)>,
    pub project: Option<String>,
    pub values: Vec<Measurement>,
}

pub fn kpi_for_rdf(conn: &mut DbConnection, kpi_id: &str) -> QueryResult<Option<KpiForRdf>> {
    let Some(kpi) = kpis::table
        .find(kpi_id)
        .select(Kpi::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let goal = match &kpi.goal_id {
        Some(id) => goals::table
            .inner_join(strategies::table)
            .filter(goals::id.eq(id))
            .select((strategies::slug, goals::chapter))
            .first(conn)
            .optional()?,
        None => None,
    };
    let project = match &kpi.project_id {
        Some(id) => projects::table
            .find(id)
            .select(projects::code)
            .first(conn)
            .optional()?,
        None => None,
    };
    let values = measurements::table
        .filter(measurements::kpi_id.eq(kpi_id))
        .filter(measurements::state.eq(super::model::MeasurementState::Verified))
        .filter(measurements::superseded_by.is_null())
        .order(measurements::period_start.asc())
        .select(Measurement::as_select())
        .load(conn)?;
    Ok(Some(KpiForRdf {
        kpi,
        goal,
        project,
        values,
    }))
}

pub fn kpi_ids(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    kpis::table
        .order(kpis::code.asc())
        .select((kpis::id, kpis::code))
        .load(conn)
}

/// The KPIs (id, code) of those of these measurements that are verified:
/// only they are public, so only they change a KPI's published values (a
/// correction is verified in its turn). An import of provisional values
/// changes none.
pub fn kpis_of_verified(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    // Bounded IN lists: an import may change a hundred thousand values.
    for chunk in ids.chunks(500) {
        out.extend(
            measurements::table
                .inner_join(kpis::table)
                .filter(measurements::id.eq_any(chunk))
                .filter(measurements::state.eq(super::model::MeasurementState::Verified))
                .select((kpis::id, kpis::code))
                .distinct()
                .load::<(String, String)>(conn)?,
        );
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A report or a KPI value that is due and missing: who is late.
#[derive(serde::Serialize, Debug, Clone, PartialEq)]
pub struct Late {
    /// `report` or `value`.
    pub kind: &'static str,
    pub code: String,
    pub title: String,
    /// The period it is due for, as its label (`2026-10`, `2026-Q3`).
    pub period: String,
    pub due: chrono::NaiveDate,
    pub days_late: i64,
    /// The responsible members' names (an admin's page only).
    pub members: Vec<String>,
}

/// Who is late on `as_of`: every project under way (past "defined",
/// not closed, suspended or cancelled) without a submitted report for the
/// last month whose report is due, and every manually recorded KPI without
/// a submitted or verified value for its due period; most days late first.
pub fn late(
    conn: &mut DbConnection,
    strategy: &Strategy,
    as_of: chrono::NaiveDate,
) -> QueryResult<Vec<Late>> {
    use super::kpi::{due_period, label_of_period};
    use super::model::{MeasurementState, ProjectState, ReportState};
    use crate::db::schema::{kpi_members, project_members, users};
    use chrono::Datelike;
    let grace = i64::from(strategy.grace_days);
    let mut out = Vec::new();
    let members_of = |rows: Vec<(String, String)>, id: &str| -> Vec<String> {
        rows.iter()
            .filter(|(owner, _)| owner == id)
            .map(|(_, name)| name.clone())
            .collect()
    };

    let (start, end) = due_period(strategy.report_cadence, as_of, grace);
    let due = end + chrono::Duration::days(grace);
    let reported: Vec<String> = status_reports::table
        .inner_join(reporting_periods::table)
        .filter(reporting_periods::strategy_id.eq(&strategy.id))
        .filter(reporting_periods::period_start.eq(start.to_string()))
        .filter(status_reports::state.eq(ReportState::Submitted))
        .select(status_reports::project_id)
        .load(conn)?;
    let projects: Vec<Project> = projects::table
        .filter(projects::strategy_id.eq(&strategy.id))
        .order(projects::code.asc())
        .select(Project::as_select())
        .load(conn)?;
    let people: Vec<(String, String)> = project_members::table
        .inner_join(users::table)
        .filter(
            project_members::project_id
                .eq_any(projects.iter().map(|p| p.id.clone()).collect::<Vec<_>>()),
        )
        .order(users::display_name.asc())
        .select((project_members::project_id, users::display_name))
        .load(conn)?;
    for p in &projects {
        if !p.state.is_active() || p.state == ProjectState::Defined || reported.contains(&p.id) {
            continue;
        }
        out.push(Late {
            kind: "report",
            code: p.code.clone(),
            title: p.title_cs.clone(),
            period: label_of_period(&start.to_string(), &end.to_string()),
            due,
            days_late: (as_of - due).num_days(),
            members: members_of(people.clone(), &p.id),
        });
    }

    let kpis: Vec<Kpi> = kpis::table
        .left_join(goals::table)
        .left_join(projects::table)
        .filter(
            goals::strategy_id
                .eq(&strategy.id)
                .or(projects::strategy_id.eq(&strategy.id)),
        )
        .filter(kpis::source.eq("manual"))
        .order(kpis::code.asc())
        .select(Kpi::as_select())
        .load(conn)?;
    let people: Vec<(String, String)> = kpi_members::table
        .inner_join(users::table)
        .filter(kpi_members::kpi_id.eq_any(kpis.iter().map(|k| k.id.clone()).collect::<Vec<_>>()))
        .order(users::display_name.asc())
        .select((kpi_members::kpi_id, users::display_name))
        .load(conn)?;
    for k in &kpis {
        let (start, end) = due_period(k.frequency, as_of, grace);
        if start.year() <= k.baseline_year {
            continue;
        }
        let have: i64 = measurements::table
            .filter(measurements::kpi_id.eq(&k.id))
            .filter(measurements::period_start.eq(start.to_string()))
            .filter(measurements::period_end.eq(end.to_string()))
            .filter(
                measurements::state
                    .eq(MeasurementState::Submitted)
                    .or(measurements::state.eq(MeasurementState::Verified)),
            )
            .count()
            .get_result(conn)?;
        if have > 0 {
            continue;
        }
        let due = end + chrono::Duration::days(grace);
        out.push(Late {
            kind: "value",
            code: k.code.clone(),
            title: k.name_cs.clone(),
            period: label_of_period(&start.to_string(), &end.to_string()),
            due,
            days_late: (as_of - due).num_days(),
            members: members_of(people.clone(), &k.id),
        });
    }
    out.sort_by(|a, b| b.days_late.cmp(&a.days_late).then(a.code.cmp(&b.code)));
    Ok(out)
}

pub fn strategy_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Strategy> {
    strategies::table
        .find(id)
        .select(Strategy::as_select())
        .first(conn)
}

/// A strategy's projects and KPIs (of its goals and of its projects), by
/// code.
pub fn projects_and_kpis(
    conn: &mut DbConnection,
    strategy_id: &str,
) -> QueryResult<(Vec<Project>, Vec<Kpi>)> {
    let projects: Vec<Project> = projects::table
        .filter(projects::strategy_id.eq(strategy_id))
        .order(projects::code.asc())
        .select(Project::as_select())
        .load(conn)?;
    let kpis: Vec<Kpi> = kpis::table
        .left_join(goals::table)
        .left_join(projects::table)
        .filter(
            goals::strategy_id
                .eq(strategy_id)
                .or(projects::strategy_id.eq(strategy_id)),
        )
        .order(kpis::code.asc())
        .select(Kpi::as_select())
        .load(conn)?;
    Ok((projects, kpis))
}

/// The positions of a goal's measures that some project fulfils.
pub fn fulfilled_measure_positions(
    conn: &mut DbConnection,
    goal_id: &str,
) -> QueryResult<Vec<i32>> {
    project_measures::table
        .inner_join(measures::table)
        .filter(measures::goal_id.eq(goal_id))
        .select(measures::position)
        .distinct()
        .load(conn)
}

pub fn members_of_project(conn: &mut DbConnection, project_id: &str) -> QueryResult<Vec<String>> {
    use crate::db::schema::project_members;
    project_members::table
        .filter(project_members::project_id.eq(project_id))
        .select(project_members::user_id)
        .load(conn)
}

pub fn members_of_kpi(conn: &mut DbConnection, kpi_id: &str) -> QueryResult<Vec<String>> {
    use crate::db::schema::kpi_members;
    kpi_members::table
        .filter(kpi_members::kpi_id.eq(kpi_id))
        .select(kpi_members::user_id)
        .load(conn)
}

/// Whether a project or a KPI has this code: codes name both in URLs and
/// in the CSV import, so they never repeat across the two.
pub fn code_taken(conn: &mut DbConnection, code: &str) -> QueryResult<bool> {
    let p: i64 = projects::table
        .filter(projects::code.eq(code))
        .count()
        .get_result(conn)?;
    let k: i64 = kpis::table
        .filter(kpis::code.eq(code))
        .count()
        .get_result(conn)?;
    Ok(p + k > 0)
}

/// The strategy a KPI belongs to and what it is of (`goal:{chapter}` or
/// `project:{code}`).
pub fn strategy_of_kpi(
    conn: &mut DbConnection,
    k: &Kpi,
) -> QueryResult<Option<(Strategy, String)>> {
    if let Some(goal_id) = &k.goal_id {
        let (chapter, sid): (String, String) = goals::table
            .find(goal_id)
            .select((goals::chapter, goals::strategy_id))
            .first(conn)?;
        return Ok(Some((
            strategy_by_id(conn, &sid)?,
            format!("goal:{chapter}"),
        )));
    }
    if let Some(project_id) = &k.project_id {
        let (code, sid): (String, String) = projects::table
            .find(project_id)
            .select((projects::code, projects::strategy_id))
            .first(conn)?;
        return Ok(Some((
            strategy_by_id(conn, &sid)?,
            format!("project:{code}"),
        )));
    }
    Ok(None)
}

/// The year of a KPI's earliest recorded period, if any.
pub fn first_value_year(conn: &mut DbConnection, kpi_id: &str) -> QueryResult<Option<i32>> {
    let first: Option<String> = measurements::table
        .filter(measurements::kpi_id.eq(kpi_id))
        .select(diesel::dsl::min(measurements::period_start))
        .first(conn)?;
    Ok(first
        .and_then(|d| d.get(..4).map(str::to_string))
        .and_then(|y| y.parse().ok()))
}

//! The tracking part of a strategy's seed file: `[[project]]` with its
//! `[[project.report]]`s and `[[kpi]]` with its `values`. Checked whole
//! before anything is written (a wrong line names its line and field), then
//! applied through the audited upserts: a project or KPI by its code, a
//! report by project and period, a value by KPI and period. Applying the
//! same file again changes nothing.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Deserialize;
use toml::Spanned;

use super::kpi::{self, Direction, Frequency, Method};
use super::model::{
    Funding, Health, Kpi, Measurement, MeasurementState, Project, ProjectState, ReportState,
    StatusReport,
};
use crate::audit::Actor;
use crate::db::DbConnection;
use crate::lifecycle::State;
use crate::seed::{SeedError, SeedFile};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProjectEntry {
    code: Spanned<String>,
    title_cs: String,
    title_en: Option<String>,
    description_cs: String,
    guarantor: String,
    funding: Spanned<String>,
    budget_czk: Option<i64>,
    planned_start: Option<Spanned<String>>,
    planned_end: Option<Spanned<String>>,
    actual_start: Option<Spanned<String>>,
    actual_end: Option<Spanned<String>>,
    measures: Spanned<Vec<String>>,
    #[serde(default = "one")]
    weight: f64,
    state: Spanned<String>,
    #[serde(default)]
    example: bool,
    #[serde(default)]
    report: Vec<ReportEntry>,
}

fn one() -> f64 {
    1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportEntry {
    period: Spanned<String>,
    project_state: Spanned<String>,
    progress: Spanned<i32>,
    health: Spanned<String>,
    health_reason: Option<String>,
    spent_czk: Option<i64>,
    risks: Option<String>,
    next_steps: Option<String>,
    asks: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct KpiEntry {
    code: Spanned<String>,
    goal: Spanned<String>,
    name_cs: String,
    name_en: Option<String>,
    unit: String,
    direction: Spanned<String>,
    method: Spanned<String>,
    frequency: Spanned<String>,
    baseline_value: f64,
    baseline_year: Spanned<i32>,
    targets: Spanned<Vec<(i32, f64)>>,
    method_note_cs: String,
    #[serde(default = "manual")]
    source: String,
    #[serde(default)]
    example: bool,
    #[serde(default)]
    values: Vec<ValueEntry>,
}

fn manual() -> String {
    "manual".to_string()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueEntry {
    period: Spanned<String>,
    value: f64,
    state: Option<Spanned<String>>,
    note: Option<String>,
}

/// A project as the seed gives it: the measures it fulfils as (goal
/// chapter, position), and its reports by period.
#[derive(Clone, Debug)]
pub struct ProjectSeed {
    pub project: Project,
    pub measures: Vec<(String, i32)>,
    pub reports: Vec<((NaiveDate, NaiveDate), StatusReport)>,
}

#[derive(Clone, Debug)]
pub struct KpiSeed {
    pub kpi: Kpi,
    pub goal_chapter: String,
    pub targets: Vec<(i32, f64)>,
    pub values: Vec<Measurement>,
}

/// A code as the strategy's objects are named: capitals, digits and inner
/// hyphens (`P-SC7-02`, `KPI-SC1-01`), part of URLs and IRIs.
pub fn valid_code(code: &str) -> bool {
    (2..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-')
        && !code.ends_with('-')
}

fn date(
    file: &SeedFile,
    v: &Option<Spanned<String>>,
    field: &str,
) -> Result<Option<String>, SeedError> {
    match v {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s.get_ref(), "%Y-%m-%d")
            .map(|d| Some(d.to_string()))
            .map_err(|_| file.error_at(s.span(), field, "a date as YYYY-MM-DD")),
    }
}

fn parsed<S: State>(file: &SeedFile, v: &Spanned<String>, field: &str) -> Result<S, SeedError> {
    S::parse(v.get_ref()).ok_or_else(|| {
        let names: Vec<&str> = S::ALL.iter().map(|s| s.as_str()).collect();
        file.error_at(v.span(), field, format!("one of {}", names.join(", ")))
    })
}

fn period(file: &SeedFile, v: &Spanned<String>) -> Result<(NaiveDate, NaiveDate), SeedError> {
    kpi::period_of_label(v.get_ref()).ok_or_else(|| {
        file.error_at(
            v.span(),
            "period",
            "a year (2025), a quarter (2025-Q3) or a month (2025-07)",
        )
    })
}

pub(super) fn check_projects(
    file: &SeedFile,
    entries: Vec<ProjectEntry>,
    chapters: &HashSet<String>,
    measure_counts: &std::collections::HashMap<String, usize>,
) -> Result<Vec<ProjectSeed>, SeedError> {
    let mut codes = HashSet::new();
    let mut out = Vec::new();
    for p in entries {
        let code = p.code.get_ref();
        if !valid_code(code) {
            return Err(file.error_at(p.code.span(), "code", "a code such as P-SC7-02"));
        }
        if !codes.insert(code.clone()) {
            return Err(file.error_at(p.code.span(), "code", "two projects share this code"));
        }
        let mut measures = Vec::new();
        for m in p.measures.get_ref() {
            let parsed = m
                .split_once('/')
                .and_then(|(c, n)| Some((c.to_string(), n.parse::<i32>().ok()?)))
                .filter(|(c, n)| {
                    chapters.contains(c)
                        && *n >= 1
                        && measure_counts.get(c).is_some_and(|k| *n as usize <= *k)
                });
            let Some(parsed) = parsed else {
                return Err(file.error_at(
                    p.measures.span(),
                    "measures",
                    format!(
                        "{m:?} is not a measure of this strategy (chapter/position, e.g. 3.1.1/2)"
                    ),
                ));
            };
            measures.push(parsed);
        }
        if !(p.weight.is_finite() && p.weight > 0.0 && p.weight <= 100.0) {
            return Err(file.error_at(p.code.span(), "weight", "a weight above 0 and at most 100"));
        }
        let state: ProjectState = parsed(file, &p.state, "state")?;
        let mut reports = Vec::new();
        for r in &p.report {
            let range = period(file, &r.period)?;
            if !(0..=100).contains(r.progress.get_ref()) {
                return Err(file.error_at(r.progress.span(), "progress", "a percentage 0–100"));
            }
            let health: Health = parsed(file, &r.health, "health")?;
            if health != Health::OnTrack && r.health_reason.is_none() {
                return Err(file.error_at(
                    r.health.span(),
                    "health_reason",
                    "a project at risk or off track says why",
                ));
            }
            if reports.iter().any(|(p, _)| *p == range) {
                return Err(file.error_at(
                    r.period.span(),
                    "period",
                    "two reports for this period",
                ));
            }
            reports.push((
                range,
                StatusReport {
                    id: crate::db::new_id(),
                    project_id: String::new(),
                    period_id: String::new(),
                    version: 1,
                    state: ReportState::Submitted,
                    project_state: parsed(file, &r.project_state, "project_state")?,
                    progress: *r.progress.get_ref(),
                    health,
                    health_reason: r.health_reason.clone(),
                    actual_start: None,
                    actual_end: None,
                    spent_czk: r.spent_czk,
                    risks: r.risks.clone(),
                    next_steps: r.next_steps.clone(),
                    asks: r.asks.clone(),
                    author_id: None,
                    submitted_at: None,
                    is_example: p.example,
                },
            ));
        }
        reports.sort_by_key(|(range, _)| *range);
        // The project shows its latest report.
        let latest = reports.last().map(|(_, r)| r);
        out.push(ProjectSeed {
            project: Project {
                id: crate::db::new_id(),
                strategy_id: String::new(),
                code: code.clone(),
                title_cs: p.title_cs,
                title_en: p.title_en,
                description_cs: p.description_cs.trim().to_string(),
                guarantor: p.guarantor,
                funding: parsed::<Funding>(file, &p.funding, "funding")?,
                budget_czk: p.budget_czk,
                planned_start: date(file, &p.planned_start, "planned_start")?,
                planned_end: date(file, &p.planned_end, "planned_end")?,
                actual_start: date(file, &p.actual_start, "actual_start")?,
                actual_end: date(file, &p.actual_end, "actual_end")?,
                weight: p.weight,
                state,
                suspended_from: None,
                progress: latest.map_or(0, |r| r.progress),
                health: latest.map(|r| r.health),
                spent_czk: latest.and_then(|r| r.spent_czk),
                reported_at: None,
                is_example: p.example,
            },
            measures,
            reports,
        });
    }
    Ok(out)
}

pub(super) fn check_kpis(
    file: &SeedFile,
    entries: Vec<KpiEntry>,
    chapters: &HashSet<String>,
) -> Result<Vec<KpiSeed>, SeedError> {
    let mut codes = HashSet::new();
    let mut out = Vec::new();
    for k in entries {
        let code = k.code.get_ref();
        if !valid_code(code) {
            return Err(file.error_at(k.code.span(), "code", "a code such as KPI-SC1-01"));
        }
        if !codes.insert(code.clone()) {
            return Err(file.error_at(k.code.span(), "code", "two KPIs share this code"));
        }
        if !chapters.contains(k.goal.get_ref()) {
            return Err(file.error_at(
                k.goal.span(),
                "goal",
                "no goal of this strategy has this chapter",
            ));
        }
        let base_year = *k.baseline_year.get_ref();
        if !(1990..=2100).contains(&base_year) || !k.baseline_value.is_finite() {
            return Err(file.error_at(
                k.baseline_year.span(),
                "baseline_year",
                "a plausible year and a number",
            ));
        }
        let targets = k.targets.get_ref().clone();
        let mut years = HashSet::new();
        if targets.is_empty()
            || targets
                .iter()
                .any(|(y, v)| *y <= base_year || *y > 2100 || !v.is_finite() || !years.insert(*y))
        {
            return Err(file.error_at(
                k.targets.span(),
                "targets",
                "[[year, value], …]: each year after the baseline's, once",
            ));
        }
        let direction: Direction = parsed(file, &k.direction, "direction")?;
        let method: Method = parsed(file, &k.method, "method")?;
        let frequency: Frequency = parsed(file, &k.frequency, "frequency")?;
        let mut values = Vec::new();
        let mut periods = HashSet::new();
        for v in &k.values {
            let (start, end) = period(file, &v.period)?;
            if start.year() <= base_year {
                return Err(file.error_at(
                    v.period.span(),
                    "period",
                    "before or in the baseline year",
                ));
            }
            if !periods.insert((start, end)) || !v.value.is_finite() {
                return Err(file.error_at(
                    v.period.span(),
                    "period",
                    "a second value for this period",
                ));
            }
            let state = match &v.state {
                Some(s) => parsed(file, s, "state")?,
                None => MeasurementState::Verified,
            };
            values.push(Measurement {
                id: crate::db::new_id(),
                kpi_id: String::new(),
                period_start: start.to_string(),
                period_end: end.to_string(),
                value: v.value,
                state,
                supersedes: None,
                superseded_by: None,
                source: if k.example {
                    "example".to_string()
                } else {
                    "seed".to_string()
                },
                note: v.note.clone(),
                recorded_by: None,
                recorded_at: crate::db::now(),
                submitted_by: None,
                verified_by: None,
                is_example: k.example,
            });
        }
        out.push(KpiSeed {
            kpi: Kpi {
                id: crate::db::new_id(),
                code: code.clone(),
                goal_id: None,
                project_id: None,
                name_cs: k.name_cs,
                name_en: k.name_en,
                unit: k.unit,
                direction,
                method,
                frequency,
                baseline_value: k.baseline_value,
                baseline_year: base_year,
                method_note_cs: k.method_note_cs.trim().to_string(),
                source: k.source,
                is_example: k.example,
            },
            goal_chapter: k.goal.into_inner(),
            targets,
            values,
        });
    }
    Ok(out)
}

/// Writes the projects and KPIs of a stored strategy.
pub fn apply(
    conn: &mut DbConnection,
    actor: &Actor,
    strategy_id: &str,
    projects: &[ProjectSeed],
    kpis: &[KpiSeed],
) -> QueryResult<()> {
    use crate::db::schema::{goals, measures};
    let measure_ids: std::collections::HashMap<(String, i32), String> = measures::table
        .inner_join(goals::table)
        .filter(goals::strategy_id.eq(strategy_id))
        .select((goals::chapter, measures::position, measures::id))
        .load::<(String, i32, String)>(conn)?
        .into_iter()
        .map(|(c, p, id)| ((c, p), id))
        .collect();
    let goal_ids: std::collections::HashMap<String, String> = goals::table
        .filter(goals::strategy_id.eq(strategy_id))
        .select((goals::chapter, goals::id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    for p in projects {
        let mut measures: Vec<String> = p
            .measures
            .iter()
            .filter_map(|k| measure_ids.get(k).cloned())
            .collect();
        measures.sort();
        let project = Project {
            strategy_id: strategy_id.to_string(),
            ..p.project.clone()
        };
        let project_id = super::store::upsert_project(conn, actor, &project, &measures)?;
        for (range, report) in &p.reports {
            let period_id = super::store::ensure_period(conn, actor, strategy_id, *range)?;
            super::store::add_seed_report(
                conn,
                actor,
                &StatusReport {
                    project_id: project_id.clone(),
                    period_id,
                    ..report.clone()
                },
                &project.code,
            )?;
        }
    }
    for k in kpis {
        let kpi = Kpi {
            goal_id: goal_ids.get(&k.goal_chapter).cloned(),
            ..k.kpi.clone()
        };
        let kpi_id = super::store::upsert_kpi(conn, actor, &kpi, &k.targets)?;
        for v in &k.values {
            super::store::add_seed_measurement(
                conn,
                actor,
                &Measurement {
                    kpi_id: kpi_id.clone(),
                    ..v.clone()
                },
                &kpi.code,
            )?;
        }
    }
    Ok(())
}

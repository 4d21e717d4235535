//! How a strategy is doing, as the public, the steering committee and the
//! API read it: each KPI assessed from its verified values (see `kpi`),
//! each goal with its two bars kept apart (implementation: its projects'
//! weighted progress; results: its KPIs' mean attainment), its status and
//! its trend, and the list of what needs attention. Only public facts go
//! in: verified, not superseded values and submitted reports.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::kpi::{self, Assessment, Bands, Definition, Observation, Status, Trend};
use super::model::{Health, Kpi, MeasurementState, Project, ProjectState};
use crate::db::DbConnection;
use crate::db::schema::{
    goals, kpi_targets, kpis, measurements, measures, project_measures, projects, strategies,
};

/// Today as the city counts days.
pub fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Prague)
        .date_naive()
}

#[derive(Serialize, Debug, Clone)]
pub struct Baseline {
    pub value: f64,
    pub year: i32,
}

#[derive(Serialize, Debug, Clone)]
pub struct TargetView {
    pub year: i32,
    pub value: f64,
}

#[derive(Serialize, Debug, Clone)]
pub struct MeasurementView {
    /// The period as people write it: 2025, 2025-Q3, 2025-07.
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    pub value: f64,
    pub state: MeasurementState,
    pub source: String,
    pub note: Option<String>,
    pub recorded_at: String,
    pub is_example: bool,
}

/// A KPI with its data and assessment: the API's `GET /api/v1/kpis/{code}`.
#[derive(Serialize, Debug, Clone)]
pub struct KpiReport {
    /// The internal id (its history's address), not part of its IRI.
    pub id: String,
    pub code: String,
    /// Its strategy's slug.
    pub strategy: String,
    /// The goal's chapter.
    pub goal: Option<String>,
    pub project: Option<String>,
    pub name: String,
    pub name_en: Option<String>,
    pub unit: String,
    pub direction: kpi::Direction,
    pub method: kpi::Method,
    pub frequency: kpi::Frequency,
    pub method_note: String,
    pub source: String,
    pub baseline: Baseline,
    pub targets: Vec<TargetView>,
    pub measurements: Vec<MeasurementView>,
    pub latest: Option<f64>,
    pub attainment: Option<f64>,
    pub expected: Option<f64>,
    pub status: Status,
    pub trend: Option<Trend>,
    pub assessment: Assessment,
    pub as_of: NaiveDate,
    pub is_example: bool,
}

/// One goal on the dashboard.
#[derive(Serialize, Debug, Clone)]
pub struct GoalStatus {
    pub chapter: String,
    pub code: Option<String>,
    pub title: String,
    pub title_en: Option<String>,
    /// 0–100, the weighted mean of its projects' progress.
    pub implementation: Option<f64>,
    /// 0–1, the mean attainment of its KPIs with data.
    pub results: Option<f64>,
    pub status: Status,
    /// The results against a month before.
    pub trend: Option<Trend>,
    pub projects: Vec<String>,
    pub kpis: Vec<String>,
    /// Its KPIs without data for their due period.
    pub no_data: Vec<String>,
    /// Its cancelled projects, left out of the implementation bar.
    pub cancelled: Vec<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct Attention {
    pub kind: &'static str,
    pub code: String,
    pub what: &'static str,
}

#[derive(Serialize, Debug, Clone)]
pub struct Dashboard {
    pub strategy: String,
    pub as_of: NaiveDate,
    pub goals: Vec<GoalStatus>,
    /// Counts of goals per status.
    pub counts: BTreeMap<&'static str, usize>,
    pub attention: Vec<Attention>,
    /// The pages' lines of each project and KPI by code (the API names
    /// them by code only).
    #[serde(skip)]
    pub lines: Lines,
}

#[derive(Serialize, Debug, Clone, Default)]
pub struct Lines {
    pub projects: BTreeMap<String, ProjectLine>,
    pub kpis: BTreeMap<String, KpiLine>,
}

#[derive(Serialize, Debug, Clone)]
pub struct ProjectLine {
    pub code: String,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub guarantor: String,
    pub state: ProjectState,
    pub progress: i32,
    pub health: Option<Health>,
    pub budget_czk: Option<i64>,
    pub spent_czk: Option<i64>,
    pub is_example: bool,
}

#[derive(Serialize, Debug, Clone)]
pub struct KpiLine {
    pub code: String,
    pub name_cs: String,
    pub name_en: Option<String>,
    pub unit: String,
    pub status: Status,
    pub latest: Option<f64>,
    pub attainment: Option<f64>,
    pub is_example: bool,
}

fn definition(k: &Kpi, targets: &[(i32, f64)]) -> Definition {
    Definition {
        direction: k.direction,
        method: k.method,
        frequency: k.frequency,
        baseline_value: k.baseline_value,
        baseline_year: k.baseline_year,
        targets: targets.to_vec(),
    }
}

fn observation(start: &str, end: &str, value: f64) -> Option<Observation> {
    Some(Observation {
        period_start: start.parse().ok()?,
        period_end: end.parse().ok()?,
        value,
    })
}

/// The bands and grace of a strategy.
fn settings(conn: &mut DbConnection, strategy_id: &str) -> QueryResult<(Bands, i64)> {
    let (on_track, at_risk, grace): (f64, f64, i32) = strategies::table
        .find(strategy_id)
        .select((
            strategies::on_track_band,
            strategies::at_risk_band,
            strategies::grace_days,
        ))
        .first(conn)?;
    Ok((Bands { on_track, at_risk }, i64::from(grace)))
}

/// The assessment a month before, for the trend.
fn month_before(d: NaiveDate) -> NaiveDate {
    d.checked_sub_months(chrono::Months::new(1)).unwrap_or(d)
}

fn trend_of(direction: kpi::Direction, before: Option<f64>, now: Option<f64>) -> Option<Trend> {
    Some(kpi::trend(direction, before?, now?))
}

/// A KPI by its code, as of a day. `public`: only verified values (the
/// public and the API); otherwise every value not superseded.
pub fn kpi_report(
    conn: &mut DbConnection,
    code: &str,
    as_of: NaiveDate,
    public: bool,
) -> QueryResult<Option<KpiReport>> {
    let Some(k) = super::store::kpi_by_code(conn, code)? else {
        return Ok(None);
    };
    let targets = super::store::targets_of(conn, &k.id)?;
    let strategy_id: String = match (&k.goal_id, &k.project_id) {
        (Some(g), _) => goals::table
            .find(g)
            .select(goals::strategy_id)
            .first(conn)?,
        (None, Some(p)) => projects::table
            .find(p)
            .select(projects::strategy_id)
            .first(conn)?,
        (None, None) => return Ok(None),
    };
    let goal: Option<String> = match &k.goal_id {
        Some(g) => Some(goals::table.find(g).select(goals::chapter).first(conn)?),
        None => None,
    };
    let project: Option<String> = match &k.project_id {
        Some(p) => Some(projects::table.find(p).select(projects::code).first(conn)?),
        None => None,
    };
    let (bands, grace) = settings(conn, &strategy_id)?;
    let strategy: String = strategies::table
        .find(&strategy_id)
        .select(strategies::slug)
        .first(conn)?;
    let all = super::store::measurements_of(conn, &k.id)?;
    let shown: Vec<_> = all
        .into_iter()
        .filter(|m| m.superseded_by.is_none())
        .filter(|m| !public || m.state == MeasurementState::Verified)
        .collect();
    let verified: Vec<Observation> = shown
        .iter()
        .filter(|m| m.state == MeasurementState::Verified)
        .filter_map(|m| observation(&m.period_start, &m.period_end, m.value))
        .collect();
    let def = definition(&k, &targets);
    let a = def.assess(&verified, as_of, grace, bands);
    let before = def.assess(&verified, month_before(as_of), grace, bands);
    Ok(Some(KpiReport {
        goal,
        project,
        name: k.name_cs.clone(),
        name_en: k.name_en.clone(),
        unit: k.unit.clone(),
        direction: k.direction,
        method: k.method,
        frequency: k.frequency,
        method_note: k.method_note_cs.clone(),
        source: k.source.clone(),
        baseline: Baseline {
            value: k.baseline_value,
            year: k.baseline_year,
        },
        targets: targets
            .iter()
            .map(|(year, value)| TargetView {
                year: *year,
                value: *value,
            })
            .collect(),
        measurements: shown
            .into_iter()
            .map(|m| MeasurementView {
                period: kpi::label_of_period(&m.period_start, &m.period_end),
                period_start: m.period_start,
                period_end: m.period_end,
                value: m.value,
                state: m.state,
                source: m.source,
                note: m.note,
                recorded_at: crate::web::local_time(&m.recorded_at),
                is_example: m.is_example,
            })
            .collect(),
        latest: a.latest,
        attainment: a.attainment,
        expected: a.expected,
        status: a.status,
        trend: trend_of(k.direction, before.latest, a.latest),
        assessment: a,
        as_of,
        is_example: k.is_example,
        id: k.id,
        code: k.code,
        strategy,
    }))
}

/// The worst of a goal's signals: an off-track KPI or project makes it off
/// track, then at risk; with no KPI data and no project report it has no
/// data; otherwise it is on track (an achieved KPI counts as on track).
fn goal_status(kpis: &[Status], healths: &[Health]) -> Status {
    if kpis.contains(&Status::OffTrack) || healths.contains(&Health::OffTrack) {
        Status::OffTrack
    } else if kpis.contains(&Status::AtRisk) || healths.contains(&Health::AtRisk) {
        Status::AtRisk
    } else if kpis.iter().all(|s| *s == Status::NoData) && healths.is_empty() {
        Status::NoData
    } else {
        Status::OnTrack
    }
}

/// The dashboard of a strategy by its slug, as of a day: a handful of
/// queries whatever its size (goals, projects, links, KPIs, targets,
/// verified values), assessed in memory.
pub fn dashboard(
    conn: &mut DbConnection,
    slug: &str,
    as_of: NaiveDate,
) -> QueryResult<Option<Dashboard>> {
    let Some(strategy) = super::store::by_slug(conn, slug)? else {
        return Ok(None);
    };
    let (bands, grace) = settings(conn, &strategy.id)?;
    let goal_rows = super::store::goals_of(conn, &strategy.id)?;
    let project_rows: Vec<Project> = projects::table
        .filter(projects::strategy_id.eq(&strategy.id))
        .order(projects::code.asc())
        .select(Project::as_select())
        .load(conn)?;
    let links: Vec<(String, String)> = project_measures::table
        .inner_join(measures::table.inner_join(goals::table))
        .filter(goals::strategy_id.eq(&strategy.id))
        .select((project_measures::project_id, measures::goal_id))
        .distinct()
        .load(conn)?;
    let kpi_rows: Vec<Kpi> = kpis::table
        .inner_join(goals::table)
        .filter(goals::strategy_id.eq(&strategy.id))
        .order(kpis::code.asc())
        .select(Kpi::as_select())
        .load(conn)?;
    let kpi_ids: Vec<&str> = kpi_rows.iter().map(|k| k.id.as_str()).collect();
    let mut targets: HashMap<String, Vec<(i32, f64)>> = HashMap::new();
    for (id, year, value) in kpi_targets::table
        .filter(kpi_targets::kpi_id.eq_any(&kpi_ids))
        .select((kpi_targets::kpi_id, kpi_targets::year, kpi_targets::value))
        .load::<(String, i32, f64)>(conn)?
    {
        targets.entry(id).or_default().push((year, value));
    }
    let mut values: HashMap<String, Vec<Observation>> = HashMap::new();
    for (id, start, end, value) in measurements::table
        .filter(measurements::kpi_id.eq_any(&kpi_ids))
        .filter(measurements::state.eq(MeasurementState::Verified))
        .filter(measurements::superseded_by.is_null())
        .select((
            measurements::kpi_id,
            measurements::period_start,
            measurements::period_end,
            measurements::value,
        ))
        .load::<(String, String, String, f64)>(conn)?
    {
        if let Some(o) = observation(&start, &end, value) {
            values.entry(id).or_default().push(o);
        }
    }
    let before = month_before(as_of);
    let mut lines = Lines::default();
    for p in &project_rows {
        lines.projects.insert(
            p.code.clone(),
            ProjectLine {
                code: p.code.clone(),
                title_cs: p.title_cs.clone(),
                title_en: p.title_en.clone(),
                guarantor: p.guarantor.clone(),
                state: p.state,
                progress: p.progress,
                health: p.health,
                budget_czk: p.budget_czk,
                spent_czk: p.spent_czk,
                is_example: p.is_example,
            },
        );
    }
    let mut attention = Vec::new();
    let mut goals_out = Vec::new();
    for g in &goal_rows {
        let mine: Vec<&Project> = project_rows
            .iter()
            .filter(|p| links.iter().any(|(pid, gid)| *pid == p.id && *gid == g.id))
            .collect();
        let counted: Vec<(f64, f64)> = mine
            .iter()
            .filter(|p| p.state != ProjectState::Cancelled)
            .map(|p| (f64::from(p.progress), p.weight))
            .collect();
        let my_kpis: Vec<&Kpi> = kpi_rows
            .iter()
            .filter(|k| k.goal_id.as_deref() == Some(&g.id))
            .collect();
        let mut now = Vec::new();
        let mut then = Vec::new();
        let mut statuses = Vec::new();
        let mut no_data = Vec::new();
        for k in &my_kpis {
            let def = definition(k, targets.get(&k.id).map_or(&[][..], Vec::as_slice));
            let obs = values.get(&k.id).map_or(&[][..], Vec::as_slice);
            let a = def.assess(obs, as_of, grace, bands);
            let b = def.assess(obs, before, grace, bands);
            lines.kpis.insert(
                k.code.clone(),
                KpiLine {
                    code: k.code.clone(),
                    name_cs: k.name_cs.clone(),
                    name_en: k.name_en.clone(),
                    unit: k.unit.clone(),
                    status: a.status,
                    latest: a.latest,
                    attainment: a.attainment,
                    is_example: k.is_example,
                },
            );
            now.push(a.attainment);
            then.push(b.attainment);
            statuses.push(a.status);
            if a.status == Status::NoData {
                no_data.push(k.code.clone());
            }
        }
        let healths: Vec<Health> = mine
            .iter()
            .filter(|p| p.state.is_active())
            .filter_map(|p| p.health)
            .collect();
        let results = kpi::results(&now);
        let results_before = kpi::results(&then);
        goals_out.push(GoalStatus {
            chapter: g.chapter.clone(),
            code: g.sc_code.clone(),
            title: g.title_cs.clone(),
            title_en: g.title_en.clone(),
            implementation: kpi::implementation(&counted),
            results,
            status: goal_status(&statuses, &healths),
            trend: trend_of(kpi::Direction::Higher, results_before, results),
            projects: mine.iter().map(|p| p.code.clone()).collect(),
            kpis: my_kpis.iter().map(|k| k.code.clone()).collect(),
            no_data,
            cancelled: mine
                .iter()
                .filter(|p| p.state == ProjectState::Cancelled)
                .map(|p| p.code.clone())
                .collect(),
        });
    }
    // What needs the committee's attention: projects off track or at risk,
    // active projects past their planned end, KPIs off track or without
    // data.
    let today = as_of.to_string();
    for p in &project_rows {
        if !p.state.is_active() {
            continue;
        }
        match p.health {
            Some(Health::OffTrack) => attention.push(Attention {
                kind: "project",
                code: p.code.clone(),
                what: "off_track",
            }),
            Some(Health::AtRisk) => attention.push(Attention {
                kind: "project",
                code: p.code.clone(),
                what: "at_risk",
            }),
            _ => {}
        }
        if p.planned_end
            .as_deref()
            .is_some_and(|end| *end < *today.as_str())
            && !matches!(p.state, ProjectState::InOperation | ProjectState::Evaluated)
        {
            attention.push(Attention {
                kind: "project",
                code: p.code.clone(),
                what: "overdue",
            });
        }
    }
    for k in &kpi_rows {
        let def = definition(k, targets.get(&k.id).map_or(&[][..], Vec::as_slice));
        let obs = values.get(&k.id).map_or(&[][..], Vec::as_slice);
        let what = match def.assess(obs, as_of, grace, bands).status {
            Status::OffTrack => "off_track",
            Status::NoData => "no_data",
            _ => continue,
        };
        attention.push(Attention {
            kind: "kpi",
            code: k.code.clone(),
            what,
        });
    }
    let mut counts = BTreeMap::new();
    for s in [
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::NoData,
    ] {
        counts.insert(
            crate::lifecycle::State::as_str(s),
            goals_out.iter().filter(|g| g.status == s).count(),
        );
    }
    Ok(Some(Dashboard {
        strategy: strategy.slug,
        as_of,
        goals: goals_out,
        counts,
        attention,
        lines,
    }))
}

/// A strategy's page data as of today, per slug: read from the database
/// only when the data changed (a write of this process invalidates it at
/// once; another process's within `FRESH_FOR`) or the day turned. The
/// dashboard assesses every KPI from all its values, some milliseconds at
/// 200 KPIs with ten years of monthly values; this keeps that off the
/// page's every request.
#[derive(Default)]
pub struct Boards {
    by_slug: std::sync::Mutex<HashMap<String, std::sync::Arc<BoardCache>>>,
}

/// One strategy's board of today, or none when there is no such strategy.
type BoardCache = crate::db::VersionedCache<Option<std::sync::Arc<TodayBoard>>>;

/// What the strategy page and the dashboard API show for a day.
pub struct TodayBoard {
    pub day: NaiveDate,
    pub detail: super::model::StrategyDetail,
    pub board: Dashboard,
    /// The strategy page's content as rendered for each language (Czech,
    /// English), made by the first reader and dropped with the board.
    pub page: [std::sync::OnceLock<String>; 2],
    /// The dashboard API's answer, serialised by its first caller.
    pub json: std::sync::OnceLock<actix_web::web::Bytes>,
}

const FRESH_FOR: std::time::Duration = std::time::Duration::from_millis(100);

impl Boards {
    fn cache(&self, slug: &str) -> std::sync::Arc<BoardCache> {
        self.by_slug
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(slug.to_string())
            .or_default()
            .clone()
    }

    /// Today's page data of a strategy; `None` when there is no such
    /// strategy.
    pub async fn today(
        &self,
        pool: &crate::db::Pool,
        slug: &str,
    ) -> Result<std::sync::Arc<Option<std::sync::Arc<TodayBoard>>>, crate::error::AppError> {
        let cache = self.cache(slug);
        let day = today();
        let load = |slug: String| {
            move |c: &mut DbConnection| -> QueryResult<Option<std::sync::Arc<TodayBoard>>> {
                let Some(detail) = super::store::detail(c, &slug)? else {
                    return Ok(None);
                };
                let Some(board) = dashboard(c, &slug, day)? else {
                    return Ok(None);
                };
                Ok(Some(std::sync::Arc::new(TodayBoard {
                    day,
                    detail,
                    board,
                    page: Default::default(),
                    json: Default::default(),
                })))
            }
        };
        let got = cache.get(pool, FRESH_FOR, load(slug.to_string())).await?;
        if got.as_ref().as_ref().is_some_and(|b| b.day != day) {
            cache.invalidate();
            return Ok(cache.get(pool, FRESH_FOR, load(slug.to_string())).await?);
        }
        Ok(got)
    }

    fn invalidate_all(&self) {
        for c in self
            .by_slug
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            c.invalidate();
        }
    }
}

/// The boards as a view: a write of anything they show drops them.
pub struct BoardsView(pub std::sync::Arc<Boards>);

impl crate::audit::follow::View for BoardsView {
    fn name(&self) -> &'static str {
        "strategy boards"
    }

    fn follows(&self) -> &'static [&'static str] {
        &[
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
        self.0.invalidate_all();
        Ok(())
    }
}

//! The admin's pages for the strategies: create and edit a strategy (its
//! status bands and grace days too), its goals with their measures, its
//! projects and KPIs with the working-group members responsible for each,
//! and see who is late with a report or a value. A city keeps several
//! strategies and concepts here. Every change goes through the audited
//! store; the views (dashboards, RDF, the open data) follow it.

use std::collections::{BTreeMap, HashSet};

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::kpi::{Direction, Frequency, Method};
use super::model::{Funding, Goal, Kpi, Project, ProjectState, Strategy};
use super::store;
use crate::auth::{CurrentUser, Permission, Role, authorize};
use crate::error::{AppError, AppResult, FieldError};
use crate::lifecycle::State;
use crate::web::forms::Form;
use crate::web::{Page, form_status};

const SHORT: usize = 300;
const LONG: usize = 8_000;
const MAX_MEASURES: usize = 100;
const MAX_TARGETS: usize = 50;

fn admin(page: &Page) -> AppResult<CurrentUser> {
    Ok(authorize(&page.identity, Permission::ManageStrategy)?.clone())
}

fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Collects field errors; each field keeps its first.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn bad(&mut self, field: &str, key: &str) {
        if !self.0.iter().any(|e| e.field == field) {
            self.0.push(FieldError::new(field, key));
        }
    }

    /// A required text of at most `max` characters.
    fn text(&mut self, field: &str, v: &str, max: usize) -> String {
        let v = v.trim();
        if v.is_empty() {
            self.bad(field, "field_required");
        } else if v.chars().count() > max {
            self.bad(field, "field_too_long");
        }
        v.to_string()
    }

    /// An optional text of at most `max` characters.
    fn optional(&mut self, field: &str, v: &str, max: usize) -> Option<String> {
        let v = some(v);
        if v.as_deref().is_some_and(|v| v.chars().count() > max) {
            self.bad(field, "field_too_long");
        }
        v
    }

    fn year(&mut self, field: &str, v: &str) -> i32 {
        match v.trim().parse::<i32>() {
            Ok(y) if (1990..=2100).contains(&y) => y,
            _ => {
                self.bad(field, "admin_year_invalid");
                0
            }
        }
    }

    fn optional_year(&mut self, field: &str, v: &str) -> Option<i32> {
        some(v).map(|v| self.year(field, &v))
    }

    fn date(&mut self, field: &str, v: &str) -> Option<String> {
        let v = some(v)?;
        if v.parse::<chrono::NaiveDate>().is_err() {
            self.bad(field, "date_invalid");
        }
        Some(v)
    }

    /// A number as people write it here (a decimal comma too).
    fn number(&mut self, field: &str, v: &str) -> f64 {
        match v
            .trim()
            .replace([' ', '\u{a0}'], "")
            .replace(',', ".")
            .parse::<f64>()
        {
            Ok(n) if n.is_finite() => n,
            _ => {
                self.bad(field, "field_number");
                0.0
            }
        }
    }

    fn money(&mut self, field: &str, v: &str) -> Option<i64> {
        let v = some(v)?.replace([' ', '\u{a0}'], "");
        match v.parse::<i64>() {
            Ok(n) if (0..=1_000_000_000_000).contains(&n) => Some(n),
            _ => {
                self.bad(field, "report_money");
                None
            }
        }
    }

    fn done<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

fn choices<S: State>(page: &Page, all: &[S], prefix: &str) -> Vec<Choice> {
    all.iter()
        .map(|s| Choice {
            value: s.as_str().to_string(),
            label: page.t(&format!("{prefix}{}", s.as_str())).to_string(),
        })
        .collect()
}

fn cadences(page: &Page) -> Vec<Choice> {
    choices(
        page,
        &[Frequency::Monthly, Frequency::Quarterly, Frequency::Yearly],
        "kpi_frequency_",
    )
}

fn error_map<'a>(page: &'a Page, errors: &'a [FieldError]) -> BTreeMap<&'a str, &'a str> {
    errors
        .iter()
        .map(|e| (e.field.as_str(), page.t(&e.message)))
        .collect()
}

// --- Strategies -------------------------------------------------------------

#[derive(Deserialize, Serialize, Default, Clone, Debug)]
pub struct StrategyForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title_cs: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    description_cs: String,
    #[serde(default)]
    period_start: String,
    #[serde(default)]
    period_end: String,
    #[serde(default)]
    approving_body: String,
    #[serde(default)]
    document_title: String,
    /// The publisher's slug.
    #[serde(default)]
    publisher: String,
    #[serde(default)]
    spatial_iri: String,
    /// Percent of the expected progress.
    #[serde(default)]
    on_track_band: String,
    #[serde(default)]
    at_risk_band: String,
    #[serde(default)]
    grace_days: String,
    /// How often projects report (`monthly`, `quarterly`, `yearly`).
    #[serde(default)]
    report_cadence: String,
}

impl StrategyForm {
    fn of(s: &Strategy, publisher: Option<String>) -> StrategyForm {
        let percent = |v: f64| format!("{}", (v * 1000.0).round() / 10.0);
        StrategyForm {
            slug: s.slug.clone(),
            title_cs: s.title_cs.clone(),
            title_en: s.title_en.clone().unwrap_or_default(),
            description_cs: s.description_cs.clone(),
            period_start: s.period_start.to_string(),
            period_end: s.period_end.to_string(),
            approving_body: s.approving_body.clone().unwrap_or_default(),
            document_title: s.document_title.clone().unwrap_or_default(),
            publisher: publisher.unwrap_or_default(),
            spatial_iri: s.spatial_iri.clone().unwrap_or_default(),
            on_track_band: percent(s.on_track_band),
            at_risk_band: percent(s.at_risk_band),
            grace_days: s.grace_days.to_string(),
            report_cadence: s.report_cadence.as_str().to_string(),
        }
    }

    fn new_one() -> StrategyForm {
        StrategyForm {
            on_track_band: "95".into(),
            at_risk_band: "85".into(),
            grace_days: super::seed::GRACE_DAYS.to_string(),
            report_cadence: Frequency::Monthly.as_str().into(),
            ..StrategyForm::default()
        }
    }

    /// The strategy the form describes (its publisher still a slug).
    fn to_strategy(&self, existing: Option<&Strategy>) -> Result<Strategy, Vec<FieldError>> {
        let mut e = Errors::default();
        let slug = match existing {
            Some(s) => s.slug.clone(),
            None => match crate::catalog::model::Slug::parse(self.slug.trim()) {
                Some(s) => s.as_str().to_string(),
                None => {
                    e.bad("slug", "dataset_slug_invalid");
                    String::new()
                }
            },
        };
        let title_cs = e.text("title_cs", &self.title_cs, SHORT);
        let title_en = e.optional("title_en", &self.title_en, SHORT);
        let description_cs = e.text("description_cs", &self.description_cs, LONG);
        let start = e.year("period_start", &self.period_start);
        let end = e.year("period_end", &self.period_end);
        if start > 0 && end > 0 && end < start {
            e.bad("period_end", "date_before_start");
        }
        let approving_body = e.optional("approving_body", &self.approving_body, SHORT);
        let document_title = e.optional("document_title", &self.document_title, SHORT);
        let spatial_iri = some(&self.spatial_iri);
        if spatial_iri.as_deref().is_some_and(|s| {
            !s.starts_with(crate::catalog::model::RUIAN_PREFIX)
                || s.len() > 200
                || url::Url::parse(s).is_err()
        }) {
            e.bad("spatial_iri", "admin_spatial_invalid");
        }
        let on_track = e.number("on_track_band", &self.on_track_band) / 100.0;
        let at_risk = e.number("at_risk_band", &self.at_risk_band) / 100.0;
        if !(0.0..=1.0).contains(&on_track) {
            e.bad("on_track_band", "admin_band_invalid");
        }
        if !(0.0..=1.0).contains(&at_risk) || at_risk > on_track {
            e.bad("at_risk_band", "admin_band_order");
        }
        let grace = match self.grace_days.trim().parse::<i32>() {
            Ok(g) if (0..=90).contains(&g) => g,
            _ => {
                e.bad("grace_days", "admin_grace_invalid");
                0
            }
        };
        // Monthly unless chosen otherwise (a form without the field too).
        let cadence = if self.report_cadence.trim().is_empty() {
            Frequency::Monthly
        } else {
            Frequency::parse(self.report_cadence.trim()).unwrap_or_else(|| {
                e.bad("report_cadence", "admin_choice_invalid");
                Frequency::Monthly
            })
        };
        e.done(Strategy {
            id: existing.map_or_else(crate::db::new_id, |s| s.id.clone()),
            slug,
            title_cs,
            title_en,
            description_cs,
            period_start: start,
            period_end: end,
            approving_body,
            document_title,
            publisher_id: None,
            spatial_iri,
            on_track_band: on_track,
            at_risk_band: at_risk,
            grace_days: grace,
            report_cadence: cadence,
        })
    }
}

async fn render_strategies(
    page: &Page,
    form: &StrategyForm,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let (strategies, publishers) = crate::db::run(&page.state.pool, |c| {
        Ok::<_, AppError>((
            store::summaries(c)?,
            crate::catalog::store::list_publishers(c)?,
        ))
    })
    .await?;
    let mut ctx = page.context();
    ctx.insert("strategies", &strategies);
    ctx.insert("publishers", &publishers);
    ctx.insert("cadences", &cadences(page));
    ctx.insert("form", form);
    ctx.insert("errors", &error_map(page, errors));
    page.render_status(form_status(errors), "strategy/admin_strategies.html", &ctx)
}

pub(crate) async fn strategies_page(page: Page) -> AppResult<HttpResponse> {
    admin(&page)?;
    render_strategies(&page, &StrategyForm::new_one(), &[]).await
}

/// Resolves the form's publisher slug; an unknown one is a field error.
fn with_publisher(
    c: &mut crate::db::DbConnection,
    mut s: Strategy,
    slug: &str,
) -> Result<Result<Strategy, Vec<FieldError>>, AppError> {
    if slug.trim().is_empty() {
        return Ok(Ok(s));
    }
    match crate::catalog::store::publisher_by_slug(c, slug.trim())? {
        Some(p) => {
            s.publisher_id = Some(p.id);
            Ok(Ok(s))
        }
        None => Ok(Err(vec![FieldError::new(
            "publisher",
            "admin_publisher_unknown",
        )])),
    }
}

pub(crate) async fn create_strategy(
    page: Page,
    form: Form<StrategyForm>,
) -> AppResult<HttpResponse> {
    let user = admin(&page)?;
    let form = form.into_inner();
    let s = match form.to_strategy(None) {
        Ok(s) => s,
        Err(errors) => return render_strategies(&page, &form, &errors).await,
    };
    let state = page.state.clone();
    let publisher = form.publisher.clone();
    let outcome = crate::db::run(&page.state.pool, move |c| {
        if store::by_slug(c, &s.slug)?.is_some() {
            return Ok::<_, AppError>(Err(vec![FieldError::new("slug", "admin_slug_taken")]));
        }
        let s = match with_publisher(c, s, &publisher)? {
            Ok(s) => s,
            Err(errors) => return Ok(Err(errors)),
        };
        let base = state.config.base();
        crate::audit::write_tx(c, |c| -> Result<(), AppError> {
            store::upsert_strategy(c, &user.actor(), &s)?;
            super::open_data::ensure(c, &user.actor(), &s, &base)?;
            Ok(())
        })?;
        state.views.after_commit(c, &["strategy", "dataset"]);
        Ok(Ok(s.slug))
    })
    .await?;
    match outcome {
        Ok(slug) => Ok(page.see_other_saying(&format!("/admin/strategies/{slug}"), "flash_saved")),
        Err(errors) => render_strategies(&page, &form, &errors).await,
    }
}

/// Everything the strategy's admin page shows beside its form.
#[derive(Serialize)]
struct Overview {
    goals: Vec<Goal>,
    projects: Vec<Project>,
    kpis: Vec<Kpi>,
    late: Vec<store::Late>,
}

async fn render_strategy(
    page: &Page,
    s: &Strategy,
    form: &StrategyForm,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let s2 = s.clone();
    let today = super::dashboard::today();
    let (overview, publishers) = crate::db::run(&page.state.pool, move |c| {
        let goals = store::goals_of(c, &s2.id)?;
        let (projects, kpis) = store::projects_and_kpis(c, &s2.id)?;
        let late = store::late(c, &s2, today)?;
        Ok::<_, AppError>((
            Overview {
                goals,
                projects,
                kpis,
                late,
            },
            crate::catalog::store::list_publishers(c)?,
        ))
    })
    .await?;
    let mut ctx = page.context();
    ctx.insert("s", s);
    ctx.insert("o", &overview);
    ctx.insert("today", &today);
    ctx.insert("publishers", &publishers);
    ctx.insert("cadences", &cadences(page));
    ctx.insert("form", form);
    ctx.insert("errors", &error_map(page, errors));
    page.render_status(form_status(errors), "strategy/admin_strategy.html", &ctx)
}

async fn load_strategy(page: &Page, slug: String) -> AppResult<(Strategy, Option<String>)> {
    crate::db::run(&page.state.pool, move |c| {
        let s = store::by_slug(c, &slug)?.ok_or(AppError::NotFound)?;
        let publisher = match &s.publisher_id {
            Some(id) => Some(crate::catalog::store::publisher_by_id(c, id)?.slug),
            None => None,
        };
        Ok::<_, AppError>((s, publisher))
    })
    .await
    .map_err(AppError::from)
}

pub(crate) async fn strategy_page(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&page)?;
    let (s, publisher) = load_strategy(&page, slug.into_inner()).await?;
    render_strategy(&page, &s, &StrategyForm::of(&s, publisher), &[]).await
}

pub(crate) async fn update_strategy(
    page: Page,
    slug: web::Path<String>,
    form: Form<StrategyForm>,
) -> AppResult<HttpResponse> {
    let user = admin(&page)?;
    let (old, _) = load_strategy(&page, slug.into_inner()).await?;
    let form = form.into_inner();
    let s = match form.to_strategy(Some(&old)) {
        Ok(s) => s,
        Err(errors) => return render_strategy(&page, &old, &form, &errors).await,
    };
    let state = page.state.clone();
    let publisher = form.publisher.clone();
    let outcome = crate::db::run(&page.state.pool, move |c| {
        let s = match with_publisher(c, s, &publisher)? {
            Ok(s) => s,
            Err(errors) => return Ok::<_, AppError>(Err(errors)),
        };
        let base = state.config.base();
        crate::audit::write_tx(c, |c| -> Result<(), AppError> {
            store::upsert_strategy(c, &user.actor(), &s)?;
            super::open_data::ensure(c, &user.actor(), &s, &base)?;
            Ok(())
        })?;
        state.views.after_commit(c, &["strategy", "dataset"]);
        Ok(Ok(()))
    })
    .await?;
    match outcome {
        Ok(()) => {
            Ok(page.see_other_saying(&format!("/admin/strategies/{}", old.slug), "flash_saved"))
        }
        Err(errors) => render_strategy(&page, &old, &form, &errors).await,
    }
}

// --- Goals and their measures -----------------------------------------------

#[derive(Deserialize, Serialize, Default, Clone, Debug)]
pub struct GoalForm {
    #[serde(default)]
    chapter: String,
    #[serde(default)]
    sc_code: String,
    #[serde(default)]
    title_cs: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    description_cs: String,
    #[serde(default)]
    planned_start: String,
    #[serde(default)]
    planned_end: String,
    /// A checkbox: "on" when ticked.
    #[serde(default)]
    continues_after: String,
    #[serde(default)]
    owner: String,
    /// One measure a line.
    #[serde(default)]
    measures_cs: String,
    /// The same measures in English, line for line (optional).
    #[serde(default)]
    measures_en: String,
}

fn valid_chapter(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= 20
        && c.split('.').count() <= 6
        && c.split('.')
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

impl GoalForm {
    fn of(g: &Goal, measures: &[super::model::Measure]) -> GoalForm {
        let lines = |f: &dyn Fn(&super::model::Measure) -> String| {
            measures.iter().map(f).collect::<Vec<_>>().join("\n")
        };
        let en = lines(&|m| m.text_en.clone().unwrap_or_default());
        GoalForm {
            chapter: g.chapter.clone(),
            sc_code: g.sc_code.clone().unwrap_or_default(),
            title_cs: g.title_cs.clone(),
            title_en: g.title_en.clone().unwrap_or_default(),
            description_cs: g.description_cs.clone(),
            planned_start: g.planned_start.map(|y| y.to_string()).unwrap_or_default(),
            planned_end: g.planned_end.map(|y| y.to_string()).unwrap_or_default(),
            continues_after: if g.continues_after {
                "on".into()
            } else {
                String::new()
            },
            owner: g.owner.clone().unwrap_or_default(),
            measures_cs: lines(&|m| m.text_cs.clone()),
            measures_en: if en.trim().is_empty() {
                String::new()
            } else {
                en
            },
        }
    }

    fn to_goal(
        &self,
        strategy: &Strategy,
        existing: Option<&Goal>,
        position: i32,
    ) -> Result<(Goal, Vec<store::MeasureText>), Vec<FieldError>> {
        let mut e = Errors::default();
        let chapter = match existing {
            Some(g) => g.chapter.clone(),
            None => {
                let c = self.chapter.trim().to_string();
                if !valid_chapter(&c) {
                    e.bad("chapter", "admin_chapter_invalid");
                }
                c
            }
        };
        let sc_code = some(&self.sc_code);
        if sc_code
            .as_deref()
            .is_some_and(|c| !super::tracking_seed::valid_code(c) || c.len() > 10)
        {
            e.bad("sc_code", "admin_code_invalid");
        }
        let title_cs = e.text("title_cs", &self.title_cs, SHORT);
        let title_en = e.optional("title_en", &self.title_en, SHORT);
        let description_cs = e.text("description_cs", &self.description_cs, LONG);
        let planned_start = e.optional_year("planned_start", &self.planned_start);
        let planned_end = e.optional_year("planned_end", &self.planned_end);
        if let (Some(a), Some(b)) = (planned_start, planned_end)
            && b < a
        {
            e.bad("planned_end", "date_before_start");
        }
        let owner = e.optional("owner", &self.owner, SHORT);
        let cs: Vec<&str> = self
            .measures_cs
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let en: Vec<&str> = self
            .measures_en
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if cs.is_empty() {
            e.bad("measures_cs", "admin_measures_required");
        } else if cs.len() > MAX_MEASURES || cs.iter().any(|m| m.chars().count() > 2_000) {
            e.bad("measures_cs", "field_too_long");
        }
        if !en.is_empty() && en.len() != cs.len() {
            e.bad("measures_en", "admin_measures_en_count");
        } else if en.iter().any(|m| m.chars().count() > 2_000) {
            e.bad("measures_en", "field_too_long");
        }
        let measures = cs
            .iter()
            .enumerate()
            .map(|(i, m)| (m.to_string(), en.get(i).map(|s| s.to_string())))
            .collect();
        e.done((
            Goal {
                id: existing.map_or_else(crate::db::new_id, |g| g.id.clone()),
                strategy_id: strategy.id.clone(),
                chapter,
                sc_code,
                position: existing.map_or(position, |g| g.position),
                title_cs,
                title_en,
                description_cs,
                planned_start,
                planned_end,
                continues_after: !self.continues_after.is_empty(),
                period_note_cs: existing.and_then(|g| g.period_note_cs.clone()),
                period_note_en: existing.and_then(|g| g.period_note_en.clone()),
                owner,
            },
            measures,
        ))
    }
}

async fn render_goal(
    page: &Page,
    s: &Strategy,
    editing: Option<&Goal>,
    form: &GoalForm,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let mut ctx = page.context();
    ctx.insert("s", s);
    ctx.insert("editing", &editing);
    ctx.insert("form", form);
    ctx.insert("errors", &error_map(page, errors));
    page.render_status(form_status(errors), "strategy/admin_goal.html", &ctx)
}

async fn load_goal(
    page: &Page,
    slug: String,
    chapter: String,
) -> AppResult<(Strategy, Goal, Vec<super::model::Measure>)> {
    crate::db::run(&page.state.pool, move |c| {
        let s = store::by_slug(c, &slug)?.ok_or(AppError::NotFound)?;
        let d = store::detail(c, &slug)?.ok_or(AppError::NotFound)?;
        let g = d
            .goals
            .into_iter()
            .find(|g| g.goal.chapter == chapter)
            .ok_or(AppError::NotFound)?;
        Ok::<_, AppError>((s, g.goal, g.measures))
    })
    .await
    .map_err(AppError::from)
}

pub(crate) async fn new_goal_page(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&page)?;
    let (s, _) = load_strategy(&page, slug.into_inner()).await?;
    render_goal(&page, &s, None, &GoalForm::default(), &[]).await
}

pub(crate) async fn goal_page(
    page: Page,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    admin(&page)?;
    let (slug, chapter) = path.into_inner();
    let (s, g, measures) = load_goal(&page, slug, chapter).await?;
    render_goal(&page, &s, Some(&g), &GoalForm::of(&g, &measures), &[]).await
}

/// Writes a goal and its measures; a measure a project fulfils cannot go.
async fn save_goal(
    page: Page,
    user: CurrentUser,
    s: Strategy,
    old: Option<Goal>,
    form: GoalForm,
) -> AppResult<HttpResponse> {
    let s2 = s.clone();
    let old2 = old.clone();
    let f2 = form.clone();
    let state = page.state.clone();
    let outcome = crate::db::run(&page.state.pool, move |c| {
        let goals = store::goals_of(c, &s2.id)?;
        let position = goals.iter().map(|g| g.position).max().unwrap_or(0) + 1;
        let (goal, measures) = match f2.to_goal(&s2, old2.as_ref(), position) {
            Ok(v) => v,
            Err(errors) => return Ok::<_, AppError>(Err(errors)),
        };
        if old2.is_none() && goals.iter().any(|g| g.chapter == goal.chapter) {
            return Ok(Err(vec![FieldError::new("chapter", "admin_chapter_taken")]));
        }
        if let Some(old) = &old2
            && store::fulfilled_measure_positions(c, &old.id)?
                .iter()
                .any(|p| *p as usize > measures.len())
        {
            return Ok(Err(vec![FieldError::new(
                "measures_cs",
                "admin_measure_in_use",
            )]));
        }
        let chapter = goal.chapter.clone();
        crate::audit::write_tx(c, |c| -> Result<(), AppError> {
            let id = store::upsert_goal(c, &user.actor(), &goal)?;
            store::sync_measures(c, &user.actor(), &id, &measures)?;
            Ok(())
        })?;
        state.views.after_commit(c, &["goal", "measure"]);
        Ok(Ok(chapter))
    })
    .await?;
    match outcome {
        Ok(_) => Ok(page.see_other_saying(&format!("/admin/strategies/{}", s.slug), "flash_saved")),
        Err(errors) => render_goal(&page, &s, old.as_ref(), &form, &errors).await,
    }
}

pub(crate) async fn create_goal(
    page: Page,
    slug: web::Path<String>,
    form: Form<GoalForm>,
) -> AppResult<HttpResponse> {
    let user = admin(&page)?;
    let (s, _) = load_strategy(&page, slug.into_inner()).await?;
    save_goal(page, user, s, None, form.into_inner()).await
}

pub(crate) async fn update_goal(
    page: Page,
    path: web::Path<(String, String)>,
    form: Form<GoalForm>,
) -> AppResult<HttpResponse> {
    let user = admin(&page)?;
    let (slug, chapter) = path.into_inner();
    let (s, g, _) = load_goal(&page, slug, chapter).await?;
    save_goal(page, user, s, Some(g), form.into_inner()).await
}

// --- Projects ---------------------------------------------------------------

#[derive(Deserialize, Serialize, Default, Clone, Debug)]
pub struct ProjectForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    title_cs: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    description_cs: String,
    #[serde(default)]
    guarantor: String,
    #[serde(default)]
    funding: String,
    #[serde(default)]
    budget_czk: String,
    #[serde(default)]
    planned_start: String,
    #[serde(default)]
    planned_end: String,
    #[serde(default)]
    weight: String,
    /// Ids of the measures it fulfils.
    #[serde(default)]
    measures: Vec<String>,
    /// Ids of the responsible working-group members.
    #[serde(default)]
    members: Vec<String>,
}

impl ProjectForm {
    fn of(p: &Project, measures: Vec<String>, members: Vec<String>) -> ProjectForm {
        ProjectForm {
            code: p.code.clone(),
            title_cs: p.title_cs.clone(),
            title_en: p.title_en.clone().unwrap_or_default(),
            description_cs: p.description_cs.clone(),
            guarantor: p.guarantor.clone(),
            funding: p.funding.as_str().to_string(),
            budget_czk: p.budget_czk.map(|v| v.to_string()).unwrap_or_default(),
            planned_start: p.planned_start.clone().unwrap_or_default(),
            planned_end: p.planned_end.clone().unwrap_or_default(),
            weight: format!("{}", p.weight),
            measures,
            members,
        }
    }

    fn new_one() -> ProjectForm {
        ProjectForm {
            funding: Funding::CityBudget.as_str().into(),
            weight: "1".into(),
            ..ProjectForm::default()
        }
    }

    /// The project and its measures; state, progress, health and spend
    /// are the reports' and transitions', never the form's.
    fn to_project(
        &self,
        strategy: &Strategy,
        existing: Option<&Project>,
        measure_ids: &HashSet<String>,
    ) -> Result<(Project, Vec<String>), Vec<FieldError>> {
        let mut e = Errors::default();
        let code = match existing {
            Some(p) => p.code.clone(),
            None => {
                let c = self.code.trim().to_string();
                if !super::tracking_seed::valid_code(&c) {
                    e.bad("code", "admin_code_invalid");
                }
                c
            }
        };
        let title_cs = e.text("title_cs", &self.title_cs, SHORT);
        let title_en = e.optional("title_en", &self.title_en, SHORT);
        let description_cs = e.text("description_cs", &self.description_cs, LONG);
        let guarantor = e.text("guarantor", &self.guarantor, SHORT);
        let funding = Funding::parse(&self.funding).unwrap_or_else(|| {
            e.bad("funding", "admin_choice_invalid");
            Funding::CityBudget
        });
        let budget_czk = e.money("budget_czk", &self.budget_czk);
        let planned_start = e.date("planned_start", &self.planned_start);
        let planned_end = e.date("planned_end", &self.planned_end);
        if let (Some(a), Some(b)) = (&planned_start, &planned_end)
            && b < a
        {
            e.bad("planned_end", "date_before_start");
        }
        let weight = e.number("weight", &self.weight);
        if !(weight > 0.0 && weight <= 100.0) {
            e.bad("weight", "admin_weight_invalid");
        }
        let mut measures = self.measures.clone();
        measures.sort();
        measures.dedup();
        if measures.is_empty() {
            e.bad("measures", "admin_project_measures_required");
        } else if measures.iter().any(|m| !measure_ids.contains(m)) {
            e.bad("measures", "admin_choice_invalid");
        }
        let fresh = Project {
            id: crate::db::new_id(),
            strategy_id: strategy.id.clone(),
            code: code.clone(),
            title_cs: String::new(),
            title_en: None,
            description_cs: String::new(),
            guarantor: String::new(),
            funding,
            budget_czk: None,
            planned_start: None,
            planned_end: None,
            actual_start: None,
            actual_end: None,
            weight: 1.0,
            state: ProjectState::Defined,
            suspended_from: None,
            progress: 0,
            health: None,
            spent_czk: None,
            reported_at: None,
            is_example: false,
        };
        let base = existing.cloned().unwrap_or(fresh);
        e.done((
            Project {
                title_cs,
                title_en,
                description_cs,
                guarantor,
                funding,
                budget_czk,
                planned_start,
                planned_end,
                weight,
                ..base
            },
            measures,
        ))
    }
}

/// Working-group members, the people a project or KPI may be given to.
fn member_choices(c: &mut crate::db::DbConnection) -> Result<Vec<Choice>, AppError> {
    Ok(crate::auth::store::list_users(c)?
        .into_iter()
        .filter(|u| u.active && u.roles.contains(&Role::WorkingGroup))
        .map(|u| Choice {
            label: format!("{} ({})", u.display_name, u.email),
            value: u.id,
        })
        .collect())
}

/// Why a project or KPI cannot be saved under this code with these
/// members: a new one's code taken (codes never repeat across the two), or
/// someone chosen who is not an active working-group member.
fn unclaimable(
    c: &mut crate::db::DbConnection,
    creating: bool,
    code: &str,
    members: &[String],
) -> Result<Option<FieldError>, AppError> {
    if creating && store::code_taken(c, code)? {
        return Ok(Some(FieldError::new("code", "admin_code_taken")));
    }
    let allowed: Vec<String> = member_choices(c)?.into_iter().map(|m| m.value).collect();
    if members.iter().any(|m| !allowed.contains(m)) {
        return Ok(Some(FieldError::new("members", "admin_member_unknown")));
    }
    Ok(None)
}

fn measure_choices(detail: &super::model::StrategyDetail) -> Vec<Choice> {
    detail
        .goals
        .iter()
        .flat_map(|g| {
            g.measures.iter().map(move |m| Choice {
                value: m.id.clone(),
                label: format!("{}/{}: {}", g.goal.chapter, m.position, m.text_cs),
            })
        })
        .collect()
}

async fn render_project(
    page: &Page,
    s: &Strategy,
    editing: Option<&Project>,
    form: &ProjectForm,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let slug = s.slug.clone();
    let (measures, members) = crate::db::run(&page.state.pool, move |c| {
        let d = store::detail(c, &slug)?.ok_or(AppError::NotFound)?;
        Ok::<_, AppError>((measure_choices(&d), member_choices(c)?))
    })
    .await?;
    let mut ctx = page.context();
    ctx.insert("s", s);
    ctx.insert("editing", &editing);
    ctx.insert("form", form);
    ctx.insert("fundings", &choices(page, Funding::ALL, "project_funding_"));
    ctx.insert("measure_choices", &measures);
    ctx.insert("member_choices", &members);
    ctx.insert("errors", &error_map(page, errors));
    page.render_status(form_status(errors), "strategy/admin_project.html", &ctx)
}

pub(crate) async fn new_project_page(
    page: Page,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    admin(&page)?;
    let (s, _) = load_strategy(&page, slug.into_inner()).await?;
    render_project(&page, &s, None, &ProjectForm::new_one(), &[]).await
}

async fn load_project(page: &Page, code: String) -> AppResult<(Strategy, Project, ProjectForm)> {
    crate::db::run(&page.state.pool, move |c| {
        let p = store::project_by_code(c, &code)?.ok_or(AppError::NotFound)?;
        let s = store::strategy_by_id(c, &p.strategy_id)?;
        let measures = store::measures_of_project(c, &p.id)?;
        let members = store::members_of_project(c, &p.id)?;
        let form = ProjectForm::of(&p, measures, members);
        Ok::<_, AppError>((s, p, form))
    })
    .await
    .map_err(AppError::from)
}

pub(crate) async fn project_page(page: Page, code: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&page)?;
    let (s, p, form) = load_project(&page, code.into_inner()).await?;
    render_project(&page, &s, Some(&p), &form, &[]).await
}

async fn save_project(
    page: Page,
    user: CurrentUser,
    s: Strategy,
    old: Option<Project>,
    form: ProjectForm,
) -> AppResult<HttpResponse> {
    let (s2, old2, f2) = (s.clone(), old.clone(), form.clone());
    let state = page.state.clone();
    let outcome = crate::db::run(&page.state.pool, move |c| {
        let detail = store::detail(c, &s2.slug)?.ok_or(AppError::NotFound)?;
        let ids: HashSet<String> = detail
            .goals
            .iter()
            .flat_map(|g| g.measures.iter().map(|m| m.id.clone()))
            .collect();
        let (project, measures) = match f2.to_project(&s2, old2.as_ref(), &ids) {
            Ok(v) => v,
            Err(errors) => return Ok::<_, AppError>(Err(errors)),
        };
        if let Some(e) = unclaimable(c, old2.is_none(), &project.code, &f2.members)? {
            return Ok(Err(vec![e]));
        }
        let code = project.code.clone();
        crate::audit::write_tx(c, |c| -> Result<(), AppError> {
            let id = store::upsert_project(c, &user.actor(), &project, &measures)?;
            super::service::set_project_members(c, &user.actor(), &id, &f2.members)?;
            Ok(())
        })?;
        state.views.after_commit(c, &["project"]);
        Ok(Ok(code))
    })
    .await?;
    match outcome {
        Ok(code) => Ok(page.see_other_saying(&format!("/admin/projects/{code}"), "flash_saved")),
        Err(errors) => render_project(&page, &s, old.as_ref(), &form, &errors).await,
    }
}

pub(crate) async fn create_project(
    page: Page,
    slug: web::Path<String>,
    form: Form<ProjectForm>,
) -> AppResult<HttpResponse> {
    let user = admin(&page)?;
    let (s, _) = load_strategy(&page, slug.into_inner()).await?;
    save_project(page, user, s, None, form.into_inner()).await
}

pub(crate) async fn update_project(
    page: Page,
    code: web::Path<String>,
    form: Form<ProjectForm>,
) -> AppResult<HttpResponse> {
    let user = admin(&page)?;
    let (s, p, _) = load_project(&page, code.into_inner()).await?;
    save_project(page, user, s, Some(p), form.into_inner()).await
}

// --- KPIs -------------------------------------------------------------------

/// What a KPI may belong to, by the form's value: (goal id, project id).
type Owners = BTreeMap<String, (Option<String>, Option<String>)>;
/// A KPI's yearly targets.
type Targets = Vec<(i32, f64)>;

#[derive(Deserialize, Serialize, Default, Clone, Debug)]
pub struct KpiForm {
    #[serde(default)]
    code: String,
    /// `goal:{chapter}` or `project:{code}`.
    #[serde(default)]
    owner: String,
    #[serde(default)]
    name_cs: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    frequency: String,
    #[serde(default)]
    baseline_value: String,
    #[serde(default)]
    baseline_year: String,
    /// One `year: value` a line.
    #[serde(default)]
    targets: String,
    #[serde(default)]
    method_note_cs: String,
    /// `manual` or one of the portal's own queries.
    #[serde(default)]
    source: String,
    #[serde(default)]
    members: Vec<String>,
}

/// `2026: 20` lines, in any order; each year once, after the baseline's.
fn parse_targets(text: &str, baseline_year: i32) -> Option<Vec<(i32, f64)>> {
    let mut out: Vec<(i32, f64)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (y, v) = line.split_once([':', ';', '\t', '='])?;
        let y: i32 = y.trim().parse().ok()?;
        let v: f64 = v
            .trim()
            .replace([' ', '\u{a0}'], "")
            .replace(',', ".")
            .parse()
            .ok()?;
        if y <= baseline_year || y > 2100 || !v.is_finite() || out.iter().any(|(o, _)| *o == y) {
            return None;
        }
        out.push((y, v));
    }
    out.sort_by_key(|(y, _)| *y);
    (!out.is_empty() && out.len() <= MAX_TARGETS).then_some(out)
}

fn format_targets(targets: &[(i32, f64)]) -> String {
    targets
        .iter()
        .map(|(y, v)| format!("{y}: {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl KpiForm {
    fn new_one() -> KpiForm {
        KpiForm {
            direction: Direction::Higher.as_str().into(),
            method: Method::Linear.as_str().into(),
            frequency: Frequency::Yearly.as_str().into(),
            source: "manual".into(),
            ..KpiForm::default()
        }
    }

    fn of(k: &Kpi, owner: String, targets: &[(i32, f64)], members: Vec<String>) -> KpiForm {
        KpiForm {
            code: k.code.clone(),
            owner,
            name_cs: k.name_cs.clone(),
            name_en: k.name_en.clone().unwrap_or_default(),
            unit: k.unit.clone(),
            direction: k.direction.as_str().into(),
            method: k.method.as_str().into(),
            frequency: k.frequency.as_str().into(),
            baseline_value: format!("{}", k.baseline_value),
            baseline_year: k.baseline_year.to_string(),
            targets: format_targets(targets),
            method_note_cs: k.method_note_cs.clone(),
            source: k.source.clone(),
            members,
        }
    }

    /// The KPI and its targets; `owners` maps the form's owner values to
    /// (goal id, project id).
    fn to_kpi(
        &self,
        existing: Option<&Kpi>,
        owners: &Owners,
    ) -> Result<(Kpi, Targets), Vec<FieldError>> {
        let mut e = Errors::default();
        let code = match existing {
            Some(k) => k.code.clone(),
            None => {
                let c = self.code.trim().to_string();
                if !super::tracking_seed::valid_code(&c) {
                    e.bad("code", "admin_code_invalid");
                }
                c
            }
        };
        let (goal_id, project_id) = owners.get(self.owner.trim()).cloned().unwrap_or_else(|| {
            e.bad("owner", "admin_choice_invalid");
            (None, None)
        });
        let name_cs = e.text("name_cs", &self.name_cs, SHORT);
        let name_en = e.optional("name_en", &self.name_en, SHORT);
        let unit = e.text("unit", &self.unit, 50);
        let direction = Direction::parse(&self.direction).unwrap_or_else(|| {
            e.bad("direction", "admin_choice_invalid");
            Direction::Higher
        });
        let method = Method::parse(&self.method).unwrap_or_else(|| {
            e.bad("method", "admin_choice_invalid");
            Method::Linear
        });
        let frequency = Frequency::parse(&self.frequency).unwrap_or_else(|| {
            e.bad("frequency", "admin_choice_invalid");
            Frequency::Yearly
        });
        let baseline_value = e.number("baseline_value", &self.baseline_value);
        let baseline_year = e.year("baseline_year", &self.baseline_year);
        let targets = parse_targets(&self.targets, baseline_year).unwrap_or_else(|| {
            e.bad("targets", "admin_targets_invalid");
            Vec::new()
        });
        let method_note_cs = e.text("method_note_cs", &self.method_note_cs, LONG);
        let source = self.source.trim().to_string();
        if source != "manual" && !super::computed::QUERIES.contains(&source.as_str()) {
            e.bad("source", "admin_choice_invalid");
        }
        e.done((
            Kpi {
                id: existing.map_or_else(crate::db::new_id, |k| k.id.clone()),
                code,
                goal_id,
                project_id,
                name_cs,
                name_en,
                unit,
                direction,
                method,
                frequency,
                baseline_value,
                baseline_year,
                method_note_cs,
                source,
                is_example: existing.is_some_and(|k| k.is_example),
            },
            targets,
        ))
    }
}

/// What a KPI of this strategy may belong to: its goals and projects.
fn owner_choices(
    c: &mut crate::db::DbConnection,
    s: &Strategy,
) -> Result<(Vec<Choice>, Owners), AppError> {
    let mut list = Vec::new();
    let mut map = BTreeMap::new();
    for g in store::goals_of(c, &s.id)? {
        let key = format!("goal:{}", g.chapter);
        list.push(Choice {
            value: key.clone(),
            label: format!("{} {}", g.chapter, g.title_cs),
        });
        map.insert(key, (Some(g.id), None));
    }
    let (projects, _) = store::projects_and_kpis(c, &s.id)?;
    for p in projects {
        let key = format!("project:{}", p.code);
        list.push(Choice {
            value: key.clone(),
            label: format!("{} {}", p.code, p.title_cs),
        });
        map.insert(key, (None, Some(p.id)));
    }
    Ok((list, map))
}

async fn render_kpi(
    page: &Page,
    s: &Strategy,
    editing: Option<&Kpi>,
    form: &KpiForm,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let s2 = s.clone();
    let (owners, members) = crate::db::run(&page.state.pool, move |c| {
        Ok::<_, AppError>((owner_choices(c, &s2)?.0, member_choices(c)?))
    })
    .await?;
    let sources: Vec<Choice> = std::iter::once("manual")
        .chain(super::computed::QUERIES)
        .map(|q| Choice {
            value: q.to_string(),
            label: page
                .t(&format!("kpi_source_{}", q.replace(':', "_")))
                .to_string(),
        })
        .collect();
    let mut ctx = page.context();
    ctx.insert("s", s);
    ctx.insert("editing", &editing);
    ctx.insert("form", form);
    ctx.insert("owners", &owners);
    ctx.insert(
        "directions",
        &choices(
            page,
            &[Direction::Higher, Direction::Lower],
            "kpi_direction_",
        ),
    );
    ctx.insert(
        "methods",
        &choices(page, &[Method::Linear, Method::Cagr], "kpi_method_"),
    );
    ctx.insert(
        "frequencies",
        &choices(
            page,
            &[Frequency::Monthly, Frequency::Quarterly, Frequency::Yearly],
            "kpi_frequency_",
        ),
    );
    ctx.insert("sources", &sources);
    ctx.insert("member_choices", &members);
    ctx.insert("errors", &error_map(page, errors));
    page.render_status(form_status(errors), "strategy/admin_kpi.html", &ctx)
}

pub(crate) async fn new_kpi_page(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&page)?;
    let (s, _) = load_strategy(&page, slug.into_inner()).await?;
    render_kpi(&page, &s, None, &KpiForm::new_one(), &[]).await
}

async fn load_kpi(page: &Page, code: String) -> AppResult<(Strategy, Kpi, KpiForm)> {
    crate::db::run(&page.state.pool, move |c| {
        let k = store::kpi_by_code(c, &code)?.ok_or(AppError::NotFound)?;
        let (s, owner) = store::strategy_of_kpi(c, &k)?.ok_or(AppError::NotFound)?;
        let targets = store::targets_of(c, &k.id)?;
        let members = store::members_of_kpi(c, &k.id)?;
        let form = KpiForm::of(&k, owner, &targets, members);
        Ok::<_, AppError>((s, k, form))
    })
    .await
    .map_err(AppError::from)
}

pub(crate) async fn kpi_page(page: Page, code: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&page)?;
    let (s, k, form) = load_kpi(&page, code.into_inner()).await?;
    render_kpi(&page, &s, Some(&k), &form, &[]).await
}

async fn save_kpi(
    page: Page,
    user: CurrentUser,
    s: Strategy,
    old: Option<Kpi>,
    form: KpiForm,
) -> AppResult<HttpResponse> {
    let (s2, old2, f2) = (s.clone(), old.clone(), form.clone());
    let state = page.state.clone();
    let outcome = crate::db::run(&page.state.pool, move |c| {
        let (_, owners) = owner_choices(c, &s2)?;
        let (kpi, targets) = match f2.to_kpi(old2.as_ref(), &owners) {
            Ok(v) => v,
            Err(errors) => return Ok::<_, AppError>(Err(errors)),
        };
        // A value already recorded must stay after the baseline year.
        if let Some(first) = store::first_value_year(c, &kpi.id)?
            && first <= kpi.baseline_year
        {
            return Ok(Err(vec![FieldError::new(
                "baseline_year",
                "admin_baseline_after_values",
            )]));
        }
        if let Some(e) = unclaimable(c, old2.is_none(), &kpi.code, &f2.members)? {
            return Ok(Err(vec![e]));
        }
        let code = kpi.code.clone();
        crate::audit::write_tx(c, |c| -> Result<(), AppError> {
            let id = store::upsert_kpi(c, &user.actor(), &kpi, &targets)?;
            super::service::set_kpi_members(c, &user.actor(), &id, &f2.members)?;
            Ok(())
        })?;
        state.views.after_commit(c, &["kpi"]);
        Ok(Ok(code))
    })
    .await?;
    match outcome {
        Ok(code) => Ok(page.see_other_saying(&format!("/admin/kpis/{code}"), "flash_saved")),
        Err(errors) => render_kpi(&page, &s, old.as_ref(), &form, &errors).await,
    }
}

pub(crate) async fn create_kpi(
    page: Page,
    slug: web::Path<String>,
    form: Form<KpiForm>,
) -> AppResult<HttpResponse> {
    let user = admin(&page)?;
    let (s, _) = load_strategy(&page, slug.into_inner()).await?;
    save_kpi(page, user, s, None, form.into_inner()).await
}

pub(crate) async fn update_kpi(
    page: Page,
    code: web::Path<String>,
    form: Form<KpiForm>,
) -> AppResult<HttpResponse> {
    let user = admin(&page)?;
    let (s, k, _) = load_kpi(&page, code.into_inner()).await?;
    save_kpi(page, user, s, Some(k), form.into_inner()).await
}

#[cfg(test)]
mod tests {
    use super::{parse_targets, valid_chapter};

    #[test]
    fn targets_are_year_value_lines_after_the_baseline() {
        assert_eq!(
            parse_targets("2026: 20\n\n2028 : 60,5\n", 2024),
            Some(vec![(2026, 20.0), (2028, 60.5)])
        );
        assert_eq!(parse_targets("2024: 20", 2024), None, "the baseline's year");
        assert_eq!(parse_targets("2026: 1\n2026: 2", 2024), None, "twice");
        assert_eq!(parse_targets("2026 20", 2024), None);
        assert_eq!(parse_targets("", 2024), None);
    }

    #[test]
    fn chapters_are_dotted_numbers() {
        assert!(valid_chapter("3.1.10"));
        assert!(valid_chapter("4"));
        assert!(!valid_chapter("3..1"));
        assert!(!valid_chapter("3.1a"));
        assert!(!valid_chapter(""));
    }
}

//! Seed files of strategies: `strategies/*.toml`, one strategy each, with its
//! goals and each goal's measures.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::model::{Goal, Strategy};
use super::store::MeasureText;
use crate::audit::Actor;
use crate::catalog::seed::{CatalogSeed, valid_slug};
use crate::db::DbConnection;
use crate::seed::{SeedError, SeedFile};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategyFile {
    strategy: StrategyEntry,
    goal: Vec<GoalEntry>,
    #[serde(default)]
    project: Vec<super::tracking_seed::ProjectEntry>,
    #[serde(default)]
    kpi: Vec<super::tracking_seed::KpiEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategyEntry {
    slug: Spanned<String>,
    title_cs: String,
    title_en: Option<String>,
    description_cs: String,
    period_start: Spanned<i32>,
    period_end: Spanned<i32>,
    approving_body: Option<String>,
    document_title: Option<String>,
    publisher: Option<Spanned<String>>,
    /// RÚIAN IRI of the territory it covers.
    spatial: Option<Spanned<String>>,
}

/// The status bands and grace days a strategy starts with (the admin may
/// change them).
pub const ON_TRACK_BAND: f64 = 0.95;
pub const AT_RISK_BAND: f64 = 0.85;
pub const GRACE_DAYS: i32 = 15;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoalEntry {
    chapter: Spanned<String>,
    sc_code: Option<Spanned<String>>,
    title_cs: String,
    title_en: Option<String>,
    description_cs: String,
    planned_start: Option<Spanned<i32>>,
    planned_end: Option<Spanned<i32>>,
    #[serde(default)]
    continues_after: bool,
    period_note_cs: Option<String>,
    period_note_en: Option<String>,
    owner: Option<String>,
    measures: Spanned<Vec<String>>,
    measures_en: Option<Vec<String>>,
}

pub struct StrategySeed {
    pub strategy: Strategy,
    pub publisher_slug: Option<String>,
    pub goals: Vec<(Goal, Vec<MeasureText>)>,
    pub projects: Vec<super::tracking_seed::ProjectSeed>,
    pub kpis: Vec<super::tracking_seed::KpiSeed>,
}

pub fn load(dir: &Path, catalog: &CatalogSeed) -> Result<Vec<StrategySeed>, SeedError> {
    let files = crate::seed::toml_files(&dir.join("strategies"), false)?;
    let mut out = Vec::new();
    let mut slugs = HashSet::new();
    for path in files {
        let file = SeedFile::read(&path)?;
        let parsed: StrategyFile = file.parse()?;
        out.push(check(&file, parsed, catalog, &mut slugs)?);
    }
    Ok(out)
}

fn check(
    file: &SeedFile,
    parsed: StrategyFile,
    catalog: &CatalogSeed,
    slugs: &mut HashSet<String>,
) -> Result<StrategySeed, SeedError> {
    let s = parsed.strategy;
    if !valid_slug(s.slug.get_ref()) {
        return Err(file.error_at(
            s.slug.span(),
            "slug",
            "use lowercase letters, digits and hyphens",
        ));
    }
    if !slugs.insert(s.slug.get_ref().clone()) {
        return Err(file.error_at(
            s.slug.span(),
            "slug",
            "another strategy file uses this slug",
        ));
    }
    let (start, end) = (*s.period_start.get_ref(), *s.period_end.get_ref());
    if !(1990..=2100).contains(&start) {
        return Err(file.error_at(
            s.period_start.span(),
            "period_start",
            "not a plausible year",
        ));
    }
    if end < start || end > 2100 {
        return Err(file.error_at(
            s.period_end.span(),
            "period_end",
            "must be a year not before period_start",
        ));
    }
    if let Some(p) = &s.publisher
        && !catalog.has_publisher(p.get_ref())
    {
        return Err(file.error_at(
            p.span(),
            "publisher",
            format!("no publisher {:?} in publishers.toml", p.get_ref()),
        ));
    }
    if let Some(sp) = &s.spatial
        && !sp
            .get_ref()
            .starts_with(crate::catalog::model::RUIAN_PREFIX)
    {
        return Err(file.error_at(
            sp.span(),
            "spatial",
            format!("a RÚIAN IRI ({}…)", crate::catalog::model::RUIAN_PREFIX),
        ));
    }
    let mut chapters = HashSet::new();
    let mut codes = HashSet::new();
    let mut goals = Vec::new();
    for (i, g) in parsed.goal.into_iter().enumerate() {
        let chapter = g.chapter.get_ref();
        if chapter.is_empty()
            || !chapter
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(file.error_at(
                g.chapter.span(),
                "chapter",
                "a chapter number such as 3.1.10",
            ));
        }
        if !chapters.insert(chapter.clone()) {
            return Err(file.error_at(g.chapter.span(), "chapter", "two goals share this chapter"));
        }
        if let Some(code) = &g.sc_code {
            let c = code.get_ref();
            let ok = c
                .strip_prefix("SC")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if !ok {
                return Err(file.error_at(code.span(), "sc_code", "a code such as SC7"));
            }
            if !codes.insert(c.clone()) {
                return Err(file.error_at(code.span(), "sc_code", "two goals share this code"));
            }
        }
        for (year, name) in [
            (&g.planned_start, "planned_start"),
            (&g.planned_end, "planned_end"),
        ] {
            if let Some(y) = year
                && !(start..=end).contains(y.get_ref())
            {
                return Err(file.error_at(
                    y.span(),
                    name,
                    format!("outside the strategy's period {start}-{end}"),
                ));
            }
        }
        if g.planned_start.is_none() && g.planned_end.is_none() && g.period_note_cs.is_none() {
            return Err(file.error_at(
                g.chapter.span(),
                "period_note_cs",
                "a goal without a planned period needs a note that says why",
            ));
        }
        let measures = g.measures.get_ref();
        if measures.is_empty() || measures.iter().any(|m| m.trim().is_empty()) {
            return Err(file.error_at(
                g.measures.span(),
                "measures",
                "every goal lists its measures, none empty",
            ));
        }
        if let Some(en) = &g.measures_en
            && en.len() != measures.len()
        {
            return Err(file.error_at(
                g.measures.span(),
                "measures_en",
                "must have as many items as measures",
            ));
        }
        let texts = measures
            .iter()
            .enumerate()
            .map(|(j, m)| {
                let en = g.measures_en.as_ref().and_then(|e| e.get(j)).cloned();
                (m.trim().to_string(), en)
            })
            .collect();
        goals.push((
            Goal {
                id: crate::db::new_id(),
                strategy_id: String::new(),
                chapter: chapter.clone(),
                sc_code: g.sc_code.map(Spanned::into_inner),
                position: i as i32 + 1,
                title_cs: g.title_cs,
                title_en: g.title_en,
                description_cs: g.description_cs.trim().to_string(),
                planned_start: g.planned_start.map(Spanned::into_inner),
                planned_end: g.planned_end.map(Spanned::into_inner),
                continues_after: g.continues_after,
                period_note_cs: g.period_note_cs,
                period_note_en: g.period_note_en,
                owner: g.owner,
            },
            texts,
        ));
    }
    let measure_counts: std::collections::HashMap<String, usize> = goals
        .iter()
        .map(|(g, m): &(Goal, Vec<MeasureText>)| (g.chapter.clone(), m.len()))
        .collect();
    let projects =
        super::tracking_seed::check_projects(file, parsed.project, &chapters, &measure_counts)?;
    let kpis = super::tracking_seed::check_kpis(file, parsed.kpi, &chapters)?;
    Ok(StrategySeed {
        projects,
        kpis,
        strategy: Strategy {
            id: crate::db::new_id(),
            slug: s.slug.into_inner(),
            title_cs: s.title_cs,
            title_en: s.title_en,
            description_cs: s.description_cs.trim().to_string(),
            period_start: start,
            period_end: end,
            approving_body: s.approving_body,
            document_title: s.document_title,
            publisher_id: None,
            spatial_iri: s.spatial.map(Spanned::into_inner),
            on_track_band: ON_TRACK_BAND,
            at_risk_band: AT_RISK_BAND,
            grace_days: GRACE_DAYS,
            report_cadence: super::kpi::Frequency::Monthly,
        },
        publisher_slug: s.publisher.map(Spanned::into_inner),
        goals,
    })
}

pub fn apply(
    conn: &mut DbConnection,
    actor: &Actor,
    seed: &StrategySeed,
    base: &str,
) -> diesel::QueryResult<()> {
    let publisher_id = match &seed.publisher_slug {
        Some(slug) => crate::catalog::store::publisher_by_slug(conn, slug)?.map(|p| p.id),
        None => None,
    };
    // The seed file has no bands: the admin's choice survives a re-seed.
    let bands = super::store::by_slug(conn, &seed.strategy.slug)?
        .map(|s| {
            (
                s.on_track_band,
                s.at_risk_band,
                s.grace_days,
                s.report_cadence,
            )
        })
        .unwrap_or((
            ON_TRACK_BAND,
            AT_RISK_BAND,
            GRACE_DAYS,
            super::kpi::Frequency::Monthly,
        ));
    let strategy = Strategy {
        publisher_id,
        on_track_band: bands.0,
        at_risk_band: bands.1,
        grace_days: bands.2,
        report_cadence: bands.3,
        ..seed.strategy.clone()
    };
    let strategy_id = super::store::upsert_strategy(conn, actor, &strategy)?;
    for (goal, measures) in &seed.goals {
        let g = Goal {
            strategy_id: strategy_id.clone(),
            ..goal.clone()
        };
        let goal_id = super::store::upsert_goal(conn, actor, &g)?;
        super::store::sync_measures(conn, actor, &goal_id, measures)?;
    }
    super::tracking_seed::apply(conn, actor, &strategy_id, &seed.projects, &seed.kpis)?;
    let strategy = Strategy {
        id: strategy_id,
        ..strategy
    };
    super::open_data::ensure(conn, actor, &strategy, base)
}

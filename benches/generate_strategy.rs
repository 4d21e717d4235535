//! Fills a data directory for the strategy's figures: the seed, then 100
//! projects and 200 monthly KPIs on the ICT strategy's goals with ten
//! years of verified monthly values (24,000), written through the same
//! audited store as the seed; and, for the CSV import, a working-group
//! member with an API token who answers for 250 more monthly KPIs, and a
//! CSV of 100,000 of their values (the token and the file go to OUT_DIR).
//!
//! cargo bench --bench generate_strategy -- DATA_DIR OUT_DIR
//! (DATABASE_URL chooses PostgreSQL instead of SQLite in DATA_DIR.)

use std::fmt::Write as _;
use std::path::PathBuf;

use radnice::audit::Actor;
use radnice::auth::Role;
use radnice::strategy::kpi::{Direction, Frequency, Method};
use radnice::strategy::model::{
    Funding, Health, Kpi, Measurement, MeasurementState, Project, ProjectState,
};
use radnice::strategy::store;

/// `n` months from January of `first_year`: each one's first and last day.
fn months(first_year: i32, n: i32) -> anyhow::Result<Vec<(chrono::NaiveDate, chrono::NaiveDate)>> {
    (0..n)
        .map(|month| {
            let start = chrono::NaiveDate::from_ymd_opt(
                first_year + month / 12,
                (month % 12 + 1) as u32,
                1,
            )
            .ok_or_else(|| anyhow::anyhow!("month {month}"))?;
            let end = start
                .checked_add_months(chrono::Months::new(1))
                .and_then(|d| d.pred_opt())
                .ok_or_else(|| anyhow::anyhow!("month {month}"))?;
            Ok((start, end))
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let dir = PathBuf::from(
        args.first()
            .ok_or_else(|| anyhow::anyhow!("DATA_DIR missing"))?,
    );
    let out = PathBuf::from(
        args.get(1)
            .ok_or_else(|| anyhow::anyhow!("OUT_DIR missing"))?,
    );
    std::fs::create_dir_all(&dir)?;
    std::fs::create_dir_all(&out)?;
    let target =
        radnice::db::DbTarget::from_config(std::env::var("DATABASE_URL").ok().as_deref(), &dir)
            .map_err(|e| anyhow::anyhow!(e))?;
    let mut conn = radnice::db::connect_one(&target)?;
    radnice::seed::run(
        &mut conn,
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("catalog"),
        // `serve` points the strategy's open data at its own base on start.
        "http://localhost",
    )?;
    let actor = Actor::system("generate_strategy");
    let strategy = store::by_slug(&mut conn, "chomutov-ict-2020-2024")?
        .ok_or_else(|| anyhow::anyhow!("the seed's strategy is missing"))?;
    let goals = store::goals_of(&mut conn, &strategy.id)?;
    let measure_ids: Vec<(String, String)> = {
        use diesel::prelude::*;
        use radnice::db::schema::{goals, measures};
        measures::table
            .inner_join(goals::table)
            .filter(goals::strategy_id.eq(&strategy.id))
            .select((goals::id, measures::id))
            .load(&mut conn)?
    };
    let started = std::time::Instant::now();
    let states = [
        ProjectState::Defined,
        ProjectState::Procurement,
        ProjectState::InRealisation,
        ProjectState::InOperation,
    ];
    let healths = [Health::OnTrack, Health::AtRisk, Health::OffTrack];
    for i in 0..100 {
        let g = &goals[i % goals.len()];
        let mut measures: Vec<String> = measure_ids
            .iter()
            .filter(|(gid, _)| *gid == g.id)
            .map(|(_, m)| m.clone())
            .take(2)
            .collect();
        measures.sort();
        let p = Project {
            id: radnice::db::new_id(),
            strategy_id: strategy.id.clone(),
            code: format!("P-GEN-{i:03}"),
            title_cs: format!("Generovaný projekt {i}"),
            title_en: None,
            description_cs: "Projekt pro měření rychlosti přehledu.".into(),
            guarantor: "Odbor informačních technologií".into(),
            funding: Funding::CityBudget,
            budget_czk: Some(1_000_000 + 10_000 * i as i64),
            planned_start: Some("2022-01-01".into()),
            planned_end: Some("2027-12-31".into()),
            actual_start: None,
            actual_end: None,
            weight: 1.0 + (i % 3) as f64,
            state: states[i % states.len()],
            suspended_from: None,
            progress: (i * 7 % 101) as i32,
            health: Some(healths[i % healths.len()]),
            spent_czk: Some(500_000),
            reported_at: None,
            is_example: true,
        };
        store::upsert_project(&mut conn, &actor, &p, &measures)?;
    }
    let kpi = |code: String, goal: &str, baseline_year: i32| Kpi {
        id: radnice::db::new_id(),
        code,
        goal_id: Some(goal.to_string()),
        project_id: None,
        name_cs: "Generovaný ukazatel".into(),
        name_en: None,
        unit: "%".into(),
        direction: Direction::Higher,
        method: Method::Linear,
        frequency: Frequency::Monthly,
        baseline_value: 10.0,
        baseline_year,
        method_note_cs: "Generovaný ukazatel pro měření.".into(),
        source: "manual".into(),
        is_example: true,
    };
    for i in 0..200 {
        let g = &goals[i % goals.len()];
        let id = store::upsert_kpi(
            &mut conn,
            &actor,
            &kpi(format!("KPI-GEN-{i:03}"), &g.id, 2015),
            &[(2020, 40.0), (2025, 70.0), (2030, 100.0)],
        )?;
        // Ten years of monthly values, 2016–2025, in one transaction.
        let ten_years = months(2016, 120)?;
        radnice::audit::write_tx(&mut conn, |c| {
            for (month, (start, end)) in ten_years.iter().enumerate() {
                let value = Measurement {
                    id: radnice::db::new_id(),
                    kpi_id: id.clone(),
                    period_start: start.to_string(),
                    period_end: end.to_string(),
                    value: 10.0 + month as f64 * 0.5 + (i % 7) as f64,
                    state: MeasurementState::Verified,
                    supersedes: None,
                    superseded_by: None,
                    source: "generated".into(),
                    note: None,
                    recorded_by: None,
                    recorded_at: radnice::db::now(),
                    submitted_by: None,
                    verified_by: None,
                    is_example: true,
                };
                store::add_seed_measurement(c, &actor, &value, "KPI-GEN")?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
    }
    eprintln!(
        "100 projects, 200 KPIs, 24,000 values in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The CSV import's KPIs, member and file.
    let hash = radnice::auth::password::hash("bench-heslo-1234")?;
    let member = radnice::auth::store::create_user(
        &mut conn,
        &actor,
        radnice::auth::store::NewUser {
            email: "bench-ps@chomutov.test",
            display_name: "Pracovní skupina (bench)",
            password_hash: &hash,
            roles: &[Role::WorkingGroup],
            publishers: &[],
        },
    )?;
    let (_, token) = radnice::auth::store::create_token(&mut conn, &actor, &member.id, "bench")?;
    std::fs::write(out.join("token"), token)?;
    let mut csv = String::from("kpi,period_start,period_end,value,source,note\n");
    for i in 0..250 {
        let g = &goals[i % goals.len()];
        let code = format!("KPI-CSV-{i:03}");
        let id = store::upsert_kpi(
            &mut conn,
            &actor,
            &kpi(code.clone(), &g.id, 1990),
            &[(2030, 100.0)],
        )?;
        radnice::strategy::service::set_kpi_members(
            &mut conn,
            &actor,
            &id,
            std::slice::from_ref(&member.id),
        )?;
        // 400 months each: 1991-01 to 2024-04.
        for (month, (start, end)) in months(1991, 400)?.into_iter().enumerate() {
            let _ = writeln!(csv, "{code},{start},{end},{}.5,bench,", month % 90);
        }
    }
    std::fs::write(out.join("values.csv"), csv)?;
    eprintln!("CSV of 100,000 values written");
    Ok(())
}

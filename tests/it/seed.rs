use std::path::Path;

use diesel::prelude::*;
use radnice::db::schema::{audit_log, goals, measures, publishers};
use radnice::seed;

use crate::support::{TestApp, manifest_dir};

fn copy_catalog(to: &Path) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for e in std::fs::read_dir(from).expect("read dir") {
            let e = e.expect("entry");
            let target = to.join(e.file_name());
            if e.file_type().expect("type").is_dir() {
                copy(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), target).expect("copy");
            }
        }
    }
    copy(&manifest_dir().join("catalog"), to);
}

fn audit_count(app: &TestApp) -> i64 {
    audit_log::table
        .count()
        .get_result(&mut *app.conn())
        .expect("count")
}

#[actix_web::test]
async fn seeding_twice_changes_nothing() {
    let app = TestApp::start().await;
    let before = audit_count(&app);
    let changes = seed::run(
        &mut app.conn(),
        &manifest_dir().join("catalog"),
        &app.state.config.base(),
    )
    .expect("seed");
    assert_eq!(changes, 0);
    assert_eq!(audit_count(&app), before);
    let n: i64 = publishers::table
        .count()
        .get_result(&mut *app.conn())
        .expect("count");
    assert_eq!(n, 16);
}

#[actix_web::test]
async fn an_edited_seed_file_updates_only_what_changed() {
    let app = TestApp::start().await;
    let dir = tempfile::tempdir().expect("dir");
    copy_catalog(dir.path());
    let file = dir.path().join("strategies/chomutov-ict-2020-2024.toml");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(
        &file,
        text.replace(
            "Vybudování redundantní páteřní trasy",
            "Vybudování zálohované páteřní trasy",
        ),
    )
    .expect("write");
    let before = audit_count(&app);
    let changes = seed::run(&mut app.conn(), dir.path(), &app.state.config.base()).expect("seed");
    assert_eq!(changes, 1, "one measure changed");
    assert_eq!(audit_count(&app), before + 1);
    let texts: Vec<String> = measures::table
        .select(measures::text_cs)
        .load(&mut *app.conn())
        .expect("load");
    assert!(texts.iter().any(|t| t.starts_with("Vybudování zálohované")));
}

#[actix_web::test]
async fn a_broken_seed_file_is_named_with_line_and_field_and_nothing_is_loaded() {
    let app = TestApp::start().await;
    let before = audit_count(&app);
    let cases: [(&str, &str, &str, usize, &str); 8] = [
        // file, find, replace, expected line, expected field
        (
            "publishers.toml",
            "kind = \"company\"",
            "kind = \"corporation\"",
            0,
            "kind",
        ),
        (
            "strategies/chomutov-ict-2020-2024.toml",
            "title_cs = \"Internet věcí\"\n",
            "",
            0,
            "title_cs",
        ),
        (
            "catalog.toml",
            "publisher = \"statutarni-mesto-chomutov\"",
            "publisher = \"nikdo\"",
            9,
            "publisher",
        ),
        (
            "strategies/chomutov-ict-2020-2024.toml",
            "planned_end = 2024\nmeasures = [\n  \"Identifikace",
            "planned_end = 2031\nmeasures = [\n  \"Identifikace",
            0,
            "planned_end",
        ),
        // The tracking part: a measure the goal does not have, a report
        // off track without its reason, a value in the baseline year, a
        // KPI of a goal that does not exist.
        (
            "strategies/chomutov-ict-2020-2024.toml",
            "measures = [\"3.1.1/1\", \"3.1.1/2\"]",
            "measures = [\"3.1.1/1\", \"3.1.1/12\"]",
            0,
            "measures",
        ),
        (
            "strategies/chomutov-ict-2020-2024.toml",
            "health_reason = \"Termín září 2026",
            "next_steps = \"Termín září 2026",
            0,
            "health_reason",
        ),
        (
            "strategies/chomutov-ict-2020-2024.toml",
            "{ period = \"2020\", value = 5.0 }",
            "{ period = \"2019\", value = 5.0 }",
            0,
            "period",
        ),
        (
            "strategies/chomutov-ict-2020-2024.toml",
            "goal = \"3.1.10\"",
            "goal = \"3.1.13\"",
            0,
            "goal",
        ),
    ];
    for (file, find, replace, line, field) in cases {
        let dir = tempfile::tempdir().expect("dir");
        copy_catalog(dir.path());
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(find), "{file} lacks {find:?}");
        let broken = text.replacen(find, replace, 1);
        // Also change something valid elsewhere, to prove nothing half-loads.
        let pubs = dir.path().join("publishers.toml");
        std::fs::write(&path, &broken).expect("write");
        let p = std::fs::read_to_string(&pubs)
            .expect("read")
            .replace("Zoopark Chomutov, p.o.", "Zoopark Chomutov (změna)");
        std::fs::write(&pubs, p).expect("write");
        let err = seed::load(dir.path())
            .err()
            .unwrap_or_else(|| panic!("{file}: must fail"));
        assert!(err.file.ends_with(file), "{err}");
        assert_eq!(err.field.as_deref(), Some(field), "{err}");
        let err_line = err.line.expect("line");
        if line > 0 {
            assert_eq!(err_line, line, "{err}");
        }
        let shown = err.to_string();
        assert!(shown.contains(&format!("{file}:{err_line}:")), "{shown}");
        assert!(seed::run(&mut app.conn(), dir.path(), &app.state.config.base()).is_err());
    }
    assert_eq!(audit_count(&app), before, "nothing was written");
    let zoo: i64 = publishers::table
        .filter(publishers::name_cs.eq("Zoopark Chomutov (změna)"))
        .count()
        .get_result(&mut *app.conn())
        .expect("count");
    assert_eq!(zoo, 0);
}

#[actix_web::test]
async fn the_strategy_seed_has_all_twelve_goals_and_every_measure() {
    let app = TestApp::start().await;
    let rows: Vec<(String, Option<String>, i64)> = goals::table
        .left_join(measures::table)
        .group_by((goals::chapter, goals::sc_code, goals::position))
        .select((
            goals::chapter,
            goals::sc_code,
            diesel::dsl::count(measures::id.nullable()),
        ))
        .order(goals::position.asc())
        .load(&mut *app.conn())
        .expect("goals");
    let expected: [(&str, Option<&str>, i64); 12] = [
        ("3.1.1", Some("SC1"), 11),
        ("3.1.2", Some("SC2"), 8),
        ("3.1.3", Some("SC3"), 6),
        ("3.1.4", Some("SC4"), 5),
        ("3.1.5", Some("SC5"), 7),
        ("3.1.6", Some("SC6"), 3),
        ("3.1.7", Some("SC7"), 5),
        ("3.1.8", Some("SC8"), 6),
        ("3.1.9", Some("SC9"), 5),
        ("3.1.10", None, 3),
        ("3.1.11", Some("SC10"), 6),
        ("3.1.12", Some("SC11"), 6),
    ];
    let got: Vec<(&str, Option<&str>, i64)> = rows
        .iter()
        .map(|(c, s, n)| (c.as_str(), s.as_deref(), *n))
        .collect();
    assert_eq!(got, expected);
}

#[actix_web::test]
async fn the_home_page_follows_a_seed_run_by_another_process() {
    let app = TestApp::start().await;
    let c = app.client();
    let (_, html) = c.get_text("/").await;
    assert!(html.contains("opatření: <strong>71</strong>"), "{html}");
    // `radnice seed` run by an admin while the server runs adds a measure.
    let dir = tempfile::tempdir().expect("dir");
    copy_catalog(dir.path());
    let file = dir.path().join("strategies/chomutov-ict-2020-2024.toml");
    let text = std::fs::read_to_string(&file).expect("read");
    let text = text.replacen(
        "  \"Akreditace kurzů vzdělávání úředníků územní samosprávy\",\n",
        "  \"Akreditace kurzů vzdělávání úředníků územní samosprávy\",\n  \"Kurzy pro seniory v knihovně\",\n",
        1,
    );
    std::fs::write(&file, text).expect("write");
    let mut other = app.db.connect();
    assert_eq!(
        seed::run(&mut other, dir.path(), &app.state.config.base()).expect("seed"),
        1
    );
    // Another process's write shows within the home page's freshness
    // window (0.1 s), as on every page read from memory.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let (_, html) = c.get_text("/").await;
    assert!(
        html.contains("opatření: <strong>72</strong>"),
        "the home page is not stale"
    );
}

/// The seeded strategy tracks projects and KPIs: each project fulfils the
/// measures it names and carries its latest report; each KPI has its
/// targets and values; every invented one is marked as an example.
#[actix_web::test]
async fn the_strategy_seed_tracks_projects_and_kpis() {
    use radnice::db::schema::{kpis, measurements, project_measures, projects, status_reports};
    let app = TestApp::start().await;
    let mut c = app.conn();
    let project_rows: Vec<(String, String, i32, Option<String>, bool)> = projects::table
        .select((
            projects::code,
            projects::state,
            projects::progress,
            projects::health,
            projects::is_example,
        ))
        .order(projects::code.asc())
        .load(&mut *c)
        .expect("projects");
    assert_eq!(project_rows.len(), 7);
    assert!(
        project_rows.iter().all(|p| p.4),
        "invented projects are examples"
    );
    let sc1 = project_rows
        .iter()
        .find(|p| p.0 == "P-SC1-01")
        .expect("P-SC1-01");
    assert_eq!(
        (sc1.1.as_str(), sc1.2, sc1.3.as_deref()),
        ("in_realisation", 62, Some("at_risk"))
    );
    let links: i64 = project_measures::table
        .count()
        .get_result(&mut *c)
        .expect("links");
    assert_eq!(links, 16);
    let reports: i64 = status_reports::table
        .count()
        .get_result(&mut *c)
        .expect("reports");
    assert_eq!(reports, 7);
    let kpi_count: i64 = kpis::table.count().get_result(&mut *c).expect("kpis");
    assert_eq!(kpi_count, 10);
    let values: Vec<String> = measurements::table
        .select(measurements::state)
        .load(&mut *c)
        .expect("values");
    assert_eq!(values.len(), 21);
    assert_eq!(values.iter().filter(|s| *s == "submitted").count(), 1);
}

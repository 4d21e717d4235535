use crate::support::TestApp;

#[actix_web::test]
async fn the_api_lists_strategies_and_returns_one_with_goals_and_measures() {
    let app = TestApp::start().await;
    let c = app.client();
    let list: serde_json::Value = c
        .get("/api/v1/strategies")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list[0]["slug"], "chomutov-ict-2020-2024");
    assert_eq!(list[0]["goals"], 12);
    assert_eq!(list[0]["measures"], 71);

    let res = c.get("/api/v1/strategies/chomutov-ict-2020-2024").await;
    assert_eq!(res.status().as_u16(), 200);
    let s: serde_json::Value = res.json().await.expect("json");
    assert_eq!(s["period_start"], 2020);
    assert_eq!(s["period_end"], 2024);
    let goals = s["goals"].as_array().expect("goals");
    assert_eq!(goals.len(), 12);
    let sc1 = &goals[0];
    assert_eq!(sc1["chapter"], "3.1.1");
    assert_eq!(sc1["sc_code"], "SC1");
    assert_eq!(sc1["title_cs"], "Metropolitní síť");
    assert!(
        sc1["description_cs"]
            .as_str()
            .expect("d")
            .contains("metropolitní sítě SMCH")
    );
    assert_eq!(sc1["planned_period"]["start"], 2020);
    assert_eq!(sc1["planned_period"]["end"], 2024);
    assert_eq!(sc1["planned_period"]["continues_after"], true);
    assert_eq!(sc1["measures"].as_array().expect("m").len(), 11);
    assert!(
        sc1["measures"][1]["text_cs"]
            .as_str()
            .expect("t")
            .starts_with("Vybudování redundantní páteřní trasy")
    );

    let continues: Vec<&str> = goals
        .iter()
        .filter(|g| g["planned_period"]["continues_after"] == true)
        .map(|g| g["sc_code"].as_str().expect("code"))
        .collect();
    assert_eq!(continues, ["SC1", "SC6", "SC7"]);

    let g10 = goals
        .iter()
        .find(|g| g["chapter"] == "3.1.10")
        .expect("3.1.10");
    assert!(g10["sc_code"].is_null());
    assert!(g10["planned_period"]["start"].is_null());
    assert!(
        g10["planned_period"]["note_cs"]
            .as_str()
            .expect("note")
            .contains("4.1")
    );
    assert_eq!(
        g10["title_cs"],
        "Poskytování služeb obcím v rámci působnosti SMCH"
    );
    // SC10 and SC11 are chapters 3.1.11 and 3.1.12.
    let sc10 = goals.iter().find(|g| g["sc_code"] == "SC10").expect("SC10");
    assert_eq!(sc10["chapter"], "3.1.11");
}

#[actix_web::test]
async fn an_unknown_strategy_is_a_404_problem() {
    let app = TestApp::start().await;
    let res = app.client().get("/api/v1/strategies/neexistuje").await;
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[actix_web::test]
async fn the_public_strategy_page_shows_every_goal_with_its_measures() {
    let app = TestApp::start().await;
    let (status, html) = app
        .client()
        .get_text("/strategies/chomutov-ict-2020-2024")
        .await;
    assert_eq!(status, 200);
    for title in [
        "Metropolitní síť",
        "Poskytování služeb organizacím města",
        "Jednotný ekonomický systém organizací města",
        "Komunikace a sdílení dat s organizacemi města a externími subjekty",
        "Integrovaný kamerový systém SMCH",
        "Smart City Chomutov",
        "Internet věcí",
        "Informační gramotnost",
        "Občan, návštěvník a podnikatel",
        "Poskytování služeb obcím v rámci působnosti SMCH",
        "Komplexní informační systém SMCH",
        "Infrastruktura komplexního informačního systému SMCH",
    ] {
        assert!(html.contains(title), "missing goal {title}");
    }
    assert!(html.contains("Tabulka termínů v kapitole 4.1 tento cíl neuvádí"));
    assert!(html.contains("Vybudování a rozvoj OpenData portálu"));
    assert_eq!(html.matches("<section class=\"goal\"").count(), 12);
}

/// A KPI as the API gives it: baseline, targets, the public (verified)
/// values only, and the assessment with its inputs.
#[actix_web::test]
async fn a_kpi_answers_its_values_and_how_it_is_doing() {
    let app = TestApp::start().await;
    let api = app.api();
    let staff = api
        .get("/api/v1/kpis/KPI-SC1-02?as_of=2026-12-04")
        .await
        .expect(200)
        .json();
    assert_eq!(staff["code"], "KPI-SC1-02");
    assert_eq!(staff["goal"], "3.1.1");
    assert_eq!(staff["direction"], "higher");
    assert_eq!(staff["method"], "linear");
    assert_eq!(
        staff["baseline"],
        serde_json::json!({"value": 6.0, "year": 2019})
    );
    assert_eq!(
        staff["targets"],
        serde_json::json!([{"year": 2024, "value": 12.0}])
    );
    assert_eq!(staff["latest"], 12.0);
    assert_eq!(staff["attainment"], 1.0);
    assert_eq!(staff["status"], "achieved");
    assert_eq!(staff["measurements"].as_array().map(Vec::len), Some(3));

    // 70 % of the backbone in 2025, where 100 % was due in 2024.
    let backbone = api
        .get("/api/v1/kpis/KPI-SC1-01?as_of=2026-12-04")
        .await
        .expect(200)
        .json();
    assert_eq!(backbone["latest"], 70.0);
    assert_eq!(backbone["attainment"], 0.7);
    assert_eq!(backbone["expected"], 100.0);
    assert_eq!(backbone["status"], "off_track");
    // A year earlier, 2024's 60 against the 100 due then: off track too,
    // and the trend is measured against the month before.
    let earlier = api
        .get("/api/v1/kpis/KPI-SC1-01?as_of=2025-06-30")
        .await
        .expect(200)
        .json();
    assert_eq!(earlier["latest"], 60.0);

    // The third quarter's value is only submitted: the public sees the
    // second quarter's, which is not the due one, so: no data.
    let hosting = api
        .get("/api/v1/kpis/KPI-SC2-01?as_of=2026-12-04")
        .await
        .expect(200)
        .json();
    assert_eq!(hosting["status"], "no_data");
    assert_eq!(hosting["latest"], serde_json::Value::Null);
    let values = hosting["measurements"].as_array().expect("values");
    assert_eq!(values.len(), 1, "{values:?}");
    assert_eq!(values[0]["period_end"], "2026-06-30");
    assert_eq!(values[0]["state"], "verified");

    api.get("/api/v1/kpis/KPI-NEEXISTUJE").await.expect(404);
    api.get("/api/v1/kpis/KPI-SC1-01?as_of=vcera")
        .await
        .expect(400);
}

/// The dashboard: every goal with its two bars apart, its status, its
/// projects and KPIs, and what needs attention.
#[actix_web::test]
async fn the_dashboard_gives_each_goal_two_bars_and_a_status() {
    let app = TestApp::start().await;
    let board = app
        .api()
        .get("/api/v1/strategies/chomutov-ict-2020-2024/dashboard?as_of=2026-12-04")
        .await
        .expect(200)
        .json();
    assert_eq!(board["strategy"], "chomutov-ict-2020-2024");
    assert_eq!(board["as_of"], "2026-12-04");
    let goals = board["goals"].as_array().expect("goals");
    assert_eq!(goals.len(), 12);
    let g = &goals[0];
    assert_eq!(
        (g["chapter"].as_str(), g["code"].as_str()),
        (Some("3.1.1"), Some("SC1"))
    );
    // (62 × 3 + 80 × 1) / 4 projects' weights.
    assert_eq!(g["implementation"], 66.5);
    // Mean of 0.7, 1.0 and (32.5 − 24) / (40 − 24).
    let results = g["results"].as_f64().expect("results");
    assert!(
        (results - (0.7 + 1.0 + 0.53125) / 3.0).abs() < 1e-9,
        "{results}"
    );
    assert_eq!(g["status"], "off_track");
    assert_eq!(g["projects"], serde_json::json!(["P-SC1-01", "P-SC1-02"]));
    assert_eq!(
        g["kpis"],
        serde_json::json!(["KPI-SC1-01", "KPI-SC1-02", "KPI-SC1-03"])
    );
    // A goal with neither projects nor KPIs says so.
    let none = goals
        .iter()
        .find(|g| g["chapter"] == "3.1.4")
        .expect("3.1.4");
    assert_eq!(none["implementation"], serde_json::Value::Null);
    assert_eq!(none["results"], serde_json::Value::Null);
    assert_eq!(none["status"], "no_data");
    // 3.1.10 has no code.
    let ten = goals
        .iter()
        .find(|g| g["chapter"] == "3.1.10")
        .expect("3.1.10");
    assert_eq!(ten["code"], serde_json::Value::Null);
    let counted: u64 = board["counts"]
        .as_object()
        .expect("counts")
        .values()
        .filter_map(serde_json::Value::as_u64)
        .sum();
    assert_eq!(counted, 12);
    let attention = board["attention"].as_array().expect("attention");
    let has = |code: &str, what: &str| {
        attention
            .iter()
            .any(|a| a["code"] == code && a["what"] == what)
    };
    assert!(has("P-SC7-01", "off_track"), "{attention:?}");
    assert!(has("P-SC7-01", "overdue"), "{attention:?}");
    assert!(has("KPI-SC2-01", "no_data"), "{attention:?}");
    assert!(!has("P-SC3-01", "overdue"), "in operation is delivered");
    app.api()
        .get("/api/v1/strategies/neexistuje/dashboard")
        .await
        .expect(404);
}

/// A KPI's public page: its status in words, the calculation with its own
/// numbers, the chart as accessible SVG, and the data table beside it;
/// provisional or submitted values never show.
#[actix_web::test]
async fn a_kpi_page_shows_its_calculation_chart_and_values() {
    let app = TestApp::start().await;
    let page = app
        .client()
        .page("/kpis/KPI-SC1-01?as_of=2026-12-04")
        .await
        .expect(200);
    assert!(
        page.contains("Podíl páteřních prvků metropolitní sítě"),
        "{}",
        page.body
    );
    assert!(page.contains("mimo plán"));
    assert!(
        page.contains("(70 − 0) / (100 − 0) = 70 %"),
        "{}",
        page.body
    );
    assert!(
        page.contains("<dd>70 %</dd>") || page.contains("> 70 %</dd>"),
        "{}",
        page.body
    );
    assert!(page.contains("role=\"img\" aria-labelledby=\"chart-title chart-desc\""));
    assert!(page.contains("<title id=\"chart-title\">Podíl páteřních prvků"));
    // Six values in the table, each with its period.
    for year in 2020..=2025 {
        assert!(page.contains(&format!("<tr><td>{year}</td>")), "{year}");
    }
    assert!(page.contains("Ukázkový ukazatel"));
    let hosting = app
        .client()
        .page("/kpis/KPI-SC2-01?as_of=2026-12-04")
        .await
        .expect(200);
    assert!(hosting.contains("bez dat"));
    assert!(
        !hosting.contains("99,4") && !hosting.contains("99.4"),
        "a submitted value is not public"
    );
    assert!(
        hosting.contains("99,7 %"),
        "the verified one is, with a decimal comma"
    );
    app.client().page("/kpis/KPI-NIC").await.expect(404);
}

/// The public strategy page says how the strategy is doing: each goal's
/// two bars with their numbers, its status, what needs attention, and each
/// goal's projects (state, progress, health, budget and spend) and KPIs.
#[actix_web::test]
async fn the_strategy_page_shows_how_it_is_doing() {
    let app = TestApp::start().await;
    let page = app
        .client()
        .page("/strategies/chomutov-ict-2020-2024?as_of=2026-12-04")
        .await
        .expect(200);
    assert!(page.contains("Jak se strategie plní"));
    // 3.1.1: (62 × 3 + 80) / 4 = 66.5 % implementation, results 74.4 %.
    assert!(page.contains("</svg> 67 %"), "{}", page.body);
    assert!(page.contains("</svg> 74,4 %"), "{}", page.body);
    assert!(page.contains(
        "<a href=\"/projects/P-SC7-01\">P-SC7-01</a> Pilotní síť senzorů kvality ovzduší: mimo plán"
    ));
    assert!(page.contains("<a href=\"/kpis/KPI-SC2-01\">KPI-SC2-01</a> Dostupnost hostovaných služeb: chybí ověřená hodnota"));
    assert!(page.contains("href=\"/strategies/chomutov-ict-2020-2024/goals/3.1.1\""));
    assert!(page.contains("bez projektů"));
    // The goal's own page has its projects and KPIs.
    let goal = app
        .client()
        .page("/strategies/chomutov-ict-2020-2024/goals/3.1.1?as_of=2026-12-04")
        .await
        .expect(200);
    assert!(
        goal.contains("18\u{a0}500\u{a0}000 Kč / čerpáno 11\u{a0}200\u{a0}000 Kč"),
        "{}",
        goal.body
    );
    assert!(goal.contains("v realizaci"));
    assert!(goal.contains("</svg> 67 %"));
    assert!(goal.contains("<a href=\"/kpis/KPI-SC1-02\">KPI-SC1-02</a>"));
    assert!(goal.contains("Výměna aktivních prvků metropolitní sítě"));
    let ten = app
        .client()
        .page("/strategies/chomutov-ict-2020-2024/goals/3.1.10")
        .await
        .expect(200);
    assert!(ten.contains("Poskytování služeb obcím"));
    app.client()
        .page("/strategies/chomutov-ict-2020-2024/goals/9.9.9")
        .await
        .expect(404);
}

/// A project's public page: its facts, the measures it fulfils and its
/// submitted monthly reports, newest first.
#[actix_web::test]
async fn a_project_page_shows_its_reports() {
    let app = TestApp::start().await;
    let page = app.client().page("/projects/P-SC1-01").await.expect(200);
    assert!(page.contains("Modernizace páteře metropolitní sítě"));
    assert!(page.contains("18\u{a0}500\u{a0}000 Kč"));
    assert!(
        page.contains("3.1.1</a>/2: Vybudování redundantní páteřní trasy"),
        "{}",
        page.body
    );
    let nov = page.body.find("<td>2026-11<").expect("November");
    let oct = page.body.find("<td>2026-10<").expect("October");
    assert!(nov < oct, "newest first");
    // Each report says when it was submitted (Prague time).
    assert!(
        page.body[nov..oct].contains("odevzdáno 2026-"),
        "{}",
        page.body
    );
    assert!(page.contains("Dodávka přepínačů pro páteřní uzly se zpozdila"));
    app.client().page("/projects/P-NIC").await.expect(404);
}

/// The home page gives the strategy's status at a glance (goals per
/// status), linked to its dashboard.
#[actix_web::test]
async fn the_home_page_shows_the_strategys_status_at_a_glance() {
    let app = TestApp::start().await;
    let home = app.client().page("/").await.expect(200);
    assert!(
        home.contains("<a href=\"/strategies/chomutov-ict-2020-2024#status-heading\">Jak se strategie plní</a>"),
        "{}",
        home.body
    );
    let counted: usize = ["podle plánu", "ohroženo", "mimo plán", "bez dat"]
        .iter()
        .map(|label| {
            let at = home.body.find(&format!("{label}: ")).expect(label) + label.len() + 2;
            home.body[at..]
                .split('<')
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .expect("a count")
        })
        .sum();
    assert_eq!(counted, 12, "every goal counted once");
}

fn responsible_for(app: &TestApp, code: &str, people: &[&crate::support::client::Person]) {
    let mut c = app.conn();
    let kpi = radnice::strategy::store::kpi_by_code(&mut c, code)
        .expect("query")
        .expect("kpi");
    let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    radnice::strategy::service::set_kpi_members(
        &mut c,
        &radnice::audit::Actor::system("test"),
        &kpi.id,
        &ids,
    )
    .expect("members");
}

/// A KPI value's way to the public: the responsible member records it
/// (provisional) and submits it; a committee member who did not submit it
/// verifies it, and only then does the public see it. A correction keeps
/// the old value public until it is verified itself, and both stay.
#[actix_web::test]
async fn a_kpi_value_is_public_once_verified_by_other_eyes() {
    use radnice::auth::Role;
    let app = TestApp::start().await;
    let member = app.person("clen@chomutov.test", &[Role::WorkingGroup], &[]);
    let other = app.person("jiny@chomutov.test", &[Role::WorkingGroup], &[]);
    let committee = app.person("vybor@chomutov.test", &[Role::SteeringCommittee], &[]);
    responsible_for(&app, "KPI-SC2-01", &[&member]);
    let wg = app.api_of(&member);
    let path = "/api/v1/kpis/KPI-SC2-01/measurements";
    let value = serde_json::json!({
        "period_start": "2025-10-01", "period_end": "2025-12-31",
        "value": 99.8, "source": "Zabbix", "note": "bez výpadků"
    });
    // Not responsible for this KPI: refused, nothing stored.
    app.api_of(&other).post(path, &value).await.expect(403);
    let recorded = wg.post(path, &value).await.expect(201).json();
    assert_eq!(recorded["state"], "provisional");
    let id = recorded["id"].as_str().expect("id").to_string();
    let public = |app: &TestApp| {
        let api = app.api();
        async move {
            api.get("/api/v1/kpis/KPI-SC2-01?as_of=2026-01-20")
                .await
                .expect(200)
                .json()
        }
    };
    let seen = public(&app).await;
    assert_eq!(
        seen["measurements"].as_array().map(Vec::len),
        Some(1),
        "provisional is not public"
    );
    assert_eq!(seen["status"], "no_data");
    // The same period again is a field error.
    let dup = wg.post(path, &value).await.expect(422).json();
    assert!(dup.to_string().contains("period_start"), "{dup}");
    let step = |to: &str| serde_json::json!({"to": to});
    let transition = format!("{path}/{id}/transition");
    // The committee cannot submit for the member; the member cannot verify.
    app.api_of(&committee)
        .post(&transition, &step("submitted"))
        .await
        .expect(403);
    wg.post(&transition, &step("submitted")).await.expect(200);
    wg.post(&transition, &step("verified")).await.expect(403);
    let verified = app
        .api_of(&committee)
        .post(&transition, &step("verified"))
        .await
        .expect(200)
        .json();
    assert_eq!(verified["state"], "verified");
    let seen = public(&app).await;
    assert_eq!(seen["latest"], 99.8);
    assert_eq!(seen["measurements"].as_array().map(Vec::len), Some(2));

    // A correction: the verified value stays public until it is verified.
    let mut fix = value.clone();
    fix["value"] = 99.6.into();
    fix["supersedes"] = id.clone().into();
    let correction = wg.post(path, &fix).await.expect(201).json();
    assert_eq!(public(&app).await["latest"], 99.8);
    let cid = correction["id"].as_str().expect("id");
    let fix_step = format!("{path}/{cid}/transition");
    wg.post(&fix_step, &step("submitted")).await.expect(200);
    app.api_of(&committee)
        .post(&fix_step, &step("verified"))
        .await
        .expect(200);
    let seen = public(&app).await;
    assert_eq!(seen["latest"], 99.6);
    assert_eq!(
        seen["measurements"].as_array().map(Vec::len),
        Some(2),
        "the corrected one is no longer current"
    );
    // Both are kept, the old one marked.
    let old: Option<String> = {
        use diesel::prelude::*;
        use radnice::db::schema::measurements;
        measurements::table
            .find(&id)
            .select(measurements::superseded_by)
            .first(&mut *app.conn())
            .expect("old value kept")
    };
    assert_eq!(old.as_deref(), Some(cid));
    let report = radnice::audit::verify(&mut app.conn()).expect("verify");
    assert!(report.ok());
}

/// Bad KPI values: a field error each, in the user's language, nothing
/// stored.
#[actix_web::test]
async fn bad_kpi_values_are_field_errors_and_store_nothing() {
    use radnice::auth::Role;
    let app = TestApp::start().await;
    let member = app.person("clen@chomutov.test", &[Role::WorkingGroup], &[]);
    responsible_for(&app, "KPI-SC2-01", &[&member]);
    let wg = app.api_of(&member);
    let before = radnice::db::data_version(&mut app.conn()).expect("version");
    for (body, field) in [
        (
            serde_json::json!({"period_start": "2025-10-01", "period_end": "2025-12-31", "value": "hodně"}),
            "value",
        ),
        (
            serde_json::json!({"period_start": "2025-10-01", "period_end": "2025-11-30", "value": 1}),
            "period_end",
        ),
        (
            serde_json::json!({"period_start": "2019-10-01", "period_end": "2019-12-31", "value": 1}),
            "period_start",
        ),
        (
            serde_json::json!({"period_start": "2099-01-01", "period_end": "2099-03-31", "value": 1}),
            "period_end",
        ),
        (
            serde_json::json!({"period_start": "1. 10. 2025", "period_end": "2025-12-31", "value": 1}),
            "period_start",
        ),
        (
            serde_json::json!({"period_start": "2026-04-01", "period_end": "2026-06-30", "value": 1}),
            "period_start",
        ),
        (
            serde_json::json!({"period_start": "2025-10-01", "period_end": "2025-12-31", "value": 1, "supersedes": "0000"}),
            "supersedes",
        ),
    ] {
        let got = wg
            .post("/api/v1/kpis/KPI-SC2-01/measurements", &body)
            .await
            .expect(422)
            .json();
        assert!(
            got.to_string().contains(&format!("\"{field}\"")),
            "{body}: {got}"
        );
    }
    // An unknown field is refused too (the body is strict).
    wg.post(
        "/api/v1/kpis/KPI-SC2-01/measurements",
        &serde_json::json!({"period_start": "2025-10-01", "period_end": "2025-12-31", "value": 1, "stav": "verified"}),
    )
    .await
    .expect(400);
    assert_eq!(
        radnice::db::data_version(&mut app.conn()).expect("version"),
        before
    );
}

fn responsible_for_project(app: &TestApp, code: &str, people: &[&crate::support::client::Person]) {
    let mut c = app.conn();
    let p = radnice::strategy::store::project_by_code(&mut c, code)
        .expect("query")
        .expect("project");
    let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    radnice::strategy::service::set_project_members(
        &mut c,
        &radnice::audit::Actor::system("test"),
        &p.id,
        &ids,
    )
    .expect("members");
}

/// The working group files monthly reports: a draft stays private, a
/// submitted one is public and moves the project's bars; one per month, a
/// correction is the next version; bad reports are field errors.
#[actix_web::test]
async fn the_working_group_files_monthly_reports() {
    use radnice::auth::Role;
    let app = TestApp::start().await;
    let member = app.person("clen@chomutov.test", &[Role::WorkingGroup], &[]);
    responsible_for_project(&app, "P-SC7-01", &[&member]);
    let wg = app.api_of(&member);
    let path = "/api/v1/projects/P-SC7-01/reports";
    let before = radnice::db::data_version(&mut app.conn()).expect("v");
    for (body, field) in [
        (
            serde_json::json!({"period": "2026-08", "progress": 101, "health": "on_track"}),
            "progress",
        ),
        (
            serde_json::json!({"period": "2026-08", "progress": 50, "health": "off_track"}),
            "health_reason",
        ),
        (
            serde_json::json!({"period": "2026-08", "progress": 50, "health": "zelena"}),
            "health",
        ),
        (
            serde_json::json!({"period": "2099-01", "progress": 50, "health": "on_track"}),
            "period",
        ),
        (
            serde_json::json!({"period": "srpen", "progress": 50, "health": "on_track"}),
            "period",
        ),
        (
            serde_json::json!({"period": "2026-11", "progress": 50, "health": "on_track"}),
            "period",
        ),
        (
            serde_json::json!({"period": "2026-08", "progress": 50, "health": "on_track", "spent_czk": -5}),
            "spent_czk",
        ),
    ] {
        let got = wg.post(path, &body).await.expect(422).json();
        assert!(
            got.to_string().contains(&format!("\"{field}\"")),
            "{body}: {got}"
        );
    }
    assert_eq!(
        radnice::db::data_version(&mut app.conn()).expect("v"),
        before,
        "nothing stored"
    );
    // Someone else's project: refused.
    wg.post(
        "/api/v1/projects/P-SC1-01/reports",
        &serde_json::json!({"period": "2026-08", "progress": 50, "health": "on_track"}),
    )
    .await
    .expect(403);

    // A draft is the author's; the public list does not show it.
    wg.post(
        path,
        &serde_json::json!({"period": "2026-08", "progress": 35, "health": "on_track"}),
    )
    .await
    .expect(201);
    let public = app.api().get(path).await.expect(200).json();
    assert_eq!(
        public["reports"].as_array().map(Vec::len),
        Some(1),
        "{public}"
    );
    // A submitted one is public and moves the project.
    wg.post(
        path,
        &serde_json::json!({"period": "2026-09", "progress": 38, "health": "at_risk",
            "health_reason": "Čtyři místa bez připojení.", "spent_czk": 1000000, "submit": true}),
    )
    .await
    .expect(201);
    let page = app.client().page("/projects/P-SC7-01").await.expect(200);
    assert!(page.contains("<td>2026-09<br><span class=\"muted\">odevzdáno 20"));
    assert!(page.contains("Čtyři místa bez připojení."));
    assert!(
        page.contains("</svg> 38 %"),
        "the project shows its latest submitted report"
    );
    // A correction of November's report is its second version.
    let public = app.api().get(path).await.expect(200).json();
    let november = public["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .find(|r| r["period"] == "2026-11")
        .expect("November")
        .clone();
    wg.post(
        path,
        &serde_json::json!({"period": "2026-11", "progress": 41, "health": "off_track",
            "health_reason": "Opraveno: termín nedodržen.", "submit": true, "corrects": november["id"]}),
    )
    .await
    .expect(201);
    let public = app.api().get(path).await.expect(200).json();
    let versions: Vec<i64> = public["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .filter(|r| r["period"] == "2026-11")
        .filter_map(|r| r["version"].as_i64())
        .collect();
    assert_eq!(versions, vec![2, 1], "both kept, the correction first");
}

/// A project moves in order and by the right role: the responsible member
/// delivers, the committee suspends with a reason and resumes only to the
/// state the project left.
#[actix_web::test]
async fn a_project_moves_in_order_and_by_the_right_role() {
    use radnice::auth::Role;
    let app = TestApp::start().await;
    let member = app.person("clen@chomutov.test", &[Role::WorkingGroup], &[]);
    let stranger = app.person("cizi@chomutov.test", &[Role::WorkingGroup], &[]);
    let committee = app.person("vybor@chomutov.test", &[Role::SteeringCommittee], &[]);
    responsible_for_project(&app, "P-SC7-01", &[&member]);
    let path = "/api/v1/projects/P-SC7-01/transition";
    let to = |to: &str| serde_json::json!({"to": to});
    app.api_of(&stranger)
        .post(path, &to("in_operation"))
        .await
        .expect(403);
    let refused = app
        .api_of(&member)
        .post(path, &to("closed"))
        .await
        .expect(409)
        .json();
    assert!(refused.to_string().contains("in_operation"), "{refused}");
    app.api_of(&member)
        .post(path, &to("in_operation"))
        .await
        .expect(200);
    let sc = app.api_of(&committee);
    sc.post(path, &to("suspended")).await.expect(422);
    let suspended = sc
        .post(
            path,
            &serde_json::json!({"to": "suspended", "reason": "Čeká se na rozpočet 2027."}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(suspended["suspended_from"], "in_operation");
    app.api_of(&member)
        .post(path, &to("in_operation"))
        .await
        .expect(409);
    let wrong = sc
        .post(
            path,
            &serde_json::json!({"to": "in_realisation", "reason": "Pokračujeme."}),
        )
        .await
        .expect(409)
        .json();
    assert!(wrong.to_string().contains("in_operation"), "{wrong}");
    let resumed = sc
        .post(
            path,
            &serde_json::json!({"to": "in_operation", "reason": "Rozpočet schválen."}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(resumed["state"], "in_operation");
    assert_eq!(resumed["suspended_from"], serde_json::Value::Null);
    // The moves and their reasons are in the project's public history.
    let id = radnice::strategy::store::project_by_code(&mut app.conn(), "P-SC7-01")
        .expect("q")
        .expect("project")
        .id;
    let history = app
        .client()
        .page(&format!("/history/project/{id}"))
        .await
        .expect(200);
    assert!(
        history.contains("Čeká se na rozpočet 2027."),
        "{}",
        history.body
    );
    let report = radnice::audit::verify(&mut app.conn()).expect("verify");
    assert!(report.ok());
}

/// KPI values from CSV, all or nothing: a file with one bad row stores
/// nothing and names the row's line and column; a good file stores every
/// value as provisional.
#[actix_web::test]
async fn kpi_values_import_from_csv_all_or_nothing() {
    use radnice::auth::Role;
    let app = TestApp::start().await;
    let member = app.person("clen@chomutov.test", &[Role::WorkingGroup], &[]);
    responsible_for(&app, "KPI-SC2-01", &[&member]);
    responsible_for(&app, "KPI-SC8-01", &[&member]);
    let wg = app.api_of(&member);
    let send = |csv: String| {
        let wg = &wg;
        async move {
            wg.request(reqwest::Method::POST, "/api/v1/measurements.csv")
                .body("text/csv", csv)
                .send()
                .await
        }
    };
    let header = "kpi,period_start,period_end,value,source,note\n";
    let before = radnice::db::data_version(&mut app.conn()).expect("v");
    // Line 3's value is not a number, line 4's KPI does not exist.
    let bad = format!(
        "{header}KPI-SC2-01,2024-01-01,2024-03-31,99.5,Zabbix,\n\
         KPI-SC2-01,2024-04-01,2024-06-30,hodně,Zabbix,\n\
         KPI-NIC,2023-01-01,2023-12-31,50,,\n"
    );
    let got = send(bad).await.expect(422).json();
    let errors = got["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{got}");
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["column"].as_u64()),
        (Some(3), Some(4))
    );
    assert_eq!(errors[0]["field"], "value");
    assert_eq!(
        (errors[1]["line"].as_u64(), errors[1]["column"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(
        radnice::db::data_version(&mut app.conn()).expect("v"),
        before,
        "nothing stored"
    );
    // A value of a KPI this member does not answer for refuses the file.
    send(format!("{header}KPI-SC1-01,2023-01-01,2023-12-31,50,,\n"))
        .await
        .expect(403);
    // A wrong header, and a duplicate within the file.
    send("kpi;obdobi;hodnota\n".into()).await.expect(422);
    let dup = format!(
        "{header}KPI-SC2-01,2024-01-01,2024-03-31,99.5,,\nKPI-SC2-01,2024-01-01,2024-03-31,99.6,,\n"
    );
    let got = send(dup).await.expect(422).json();
    assert_eq!(got["errors"][0]["line"].as_u64(), Some(3), "{got}");
    // A good file: a decimal comma in quotes is read too.
    let good = format!(
        "{header}KPI-SC2-01,2024-01-01,2024-03-31,99.5,Zabbix,\n\
         KPI-SC2-01,2024-04-01,2024-06-30,\"99,7\",Zabbix,bez výpadků\n\
         KPI-SC8-01,2024-01-01,2024-12-31,33,HR,\n"
    );
    let got = send(good).await.expect(201).json();
    assert_eq!(got["imported"], 3);
    // Provisional: not public yet.
    let public = app
        .api()
        .get("/api/v1/kpis/KPI-SC8-01?as_of=2026-12-04")
        .await
        .expect(200)
        .json();
    assert!(!public.to_string().contains("\"value\":33.0"), "{public}");
    app.api()
        .request(reqwest::Method::POST, "/api/v1/measurements.csv")
        .body("text/csv", "kpi\n")
        .send()
        .await
        .expect(401);
}

/// The working group's pages: "Moje práce" lists a member's projects and
/// KPIs; the report form files a monthly report (a field error comes back
/// in the form); the values page records and submits a value, and the
/// committee verifies it from its own work page.
#[actix_web::test]
async fn the_working_group_works_in_its_pages() {
    use radnice::auth::Role;
    let app = TestApp::start().await;
    let member = app.person("clen@chomutov.test", &[Role::WorkingGroup], &[]);
    let committee = app.person("vybor@chomutov.test", &[Role::SteeringCommittee], &[]);
    responsible_for(&app, "KPI-SC2-01", &[&member]);
    responsible_for_project(&app, "P-SC7-01", &[&member]);
    let wg = app.browser_of(&member).await;
    let work = wg.page("/work").await.expect(200);
    assert!(work.contains("href=\"/projects/P-SC7-01/report\""));
    assert!(work.contains("href=\"/kpis/KPI-SC2-01/values\""));
    // Someone else's project has no form for him.
    wg.page("/projects/P-SC1-01/report").await.expect(403);
    wg.page("/projects/P-SC7-01/report").await.expect(200);
    let bad = wg
        .submit(
            "/projects/P-SC7-01/report",
            &[
                ("period", "2026-10"),
                ("progress", "150"),
                ("health", "on_track"),
                ("submit", "1"),
            ],
        )
        .await
        .expect(422);
    assert!(bad.contains("Postup je celé číslo 0–100."), "{}", bad.body);
    let done = wg
        .submit(
            "/projects/P-SC7-01/report",
            &[
                ("period", "2026-10"),
                ("progress", "36"),
                ("health", "at_risk"),
                ("health_reason", "Čekáme na připojení."),
                ("spent_czk", "1 050 000"),
                ("submit", "1"),
            ],
        )
        .await
        .expect(303);
    assert_eq!(done.location(), "/projects/P-SC7-01");
    let page = wg.page("/projects/P-SC7-01").await.expect(200);
    assert!(page.contains("Zpráva je odevzdaná a zveřejněná."));
    assert!(page.contains("1\u{a0}050\u{a0}000 Kč"));

    // A value: recorded, submitted, then verified by the committee.
    wg.submit(
        "/kpis/KPI-SC2-01/values",
        &[
            ("period_start", "2025-10-01"),
            ("period_end", "2025-12-31"),
            ("value", "99,8"),
        ],
    )
    .await
    .expect(303);
    let values = wg.page("/kpis/KPI-SC2-01/values").await.expect(200);
    assert!(values.contains("Hodnota je zapsaná jako předběžná."));
    let id = values
        .body
        .split("/kpis/KPI-SC2-01/values/")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("a value's step")
        .to_string();
    wg.submit(
        &format!("/kpis/KPI-SC2-01/values/{id}/transition"),
        &[("to", "submitted")],
    )
    .await
    .expect(303);
    let sc = app.browser_of(&committee).await;
    let work = sc.page("/work").await.expect(200);
    assert!(
        work.contains("KPI-SC2-01</a>, 2025-Q4: 99,8"),
        "{}",
        work.body
    );
    sc.submit(
        &format!("/kpis/KPI-SC2-01/values/{id}/transition"),
        &[("to", "verified")],
    )
    .await
    .expect(303);
    let public = app
        .api()
        .get("/api/v1/kpis/KPI-SC2-01?as_of=2026-01-20")
        .await
        .expect(200)
        .json();
    assert_eq!(public["latest"], 99.8);
}

/// The KPIs the portal measures itself: a run stores each one's value for
/// the month that ended, verified, its source naming the query and when it
/// ran; a second run stores nothing; a new dataset shows in the next
/// month's value.
#[actix_web::test]
async fn kpis_computed_from_the_catalog() {
    let app = TestApp::start().await;
    let day = |s: &str| s.parse::<chrono::NaiveDate>().expect("date");
    let stored = radnice::strategy::computed::run(&mut app.conn(), day("2026-12-04")).expect("run");
    assert_eq!(stored, 3);
    assert_eq!(
        radnice::strategy::computed::run(&mut app.conn(), day("2026-12-04")).expect("run"),
        0,
        "one value per period"
    );
    let count = app
        .api()
        .get("/api/v1/kpis/KPI-SC6-01?as_of=2026-12-04")
        .await
        .expect(200)
        .json();
    // The seed's ten and the strategy's three open-data datasets.
    assert_eq!(count["latest"], 13.0, "{count}");
    let value = &count["measurements"][0];
    assert_eq!(value["period"], "2026-11");
    assert_eq!(value["state"], "verified");
    assert!(
        value["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("catalog:published_datasets @ ")),
        "{value}"
    );
    // The seed's datasets have only example files, which are no data of
    // the city's; the strategy's three have CSV and JSON.
    let open = app
        .api()
        .get("/api/v1/kpis/KPI-SC6-02?as_of=2026-12-04")
        .await
        .expect(200)
        .json();
    let share = open["latest"].as_f64().expect("share");
    assert!((share - 300.0 / 13.0).abs() < 0.01, "{open}");
    // A dataset withdrawn before December's run shows in December's value.
    crate::catalog::curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"])
        .post(
            "/api/v1/datasets/parkoviste/withdraw",
            &serde_json::json!({"reason": "Nahrazeno novou datovou sadou parkovišť."}),
        )
        .await
        .expect(200);
    radnice::strategy::computed::run(&mut app.conn(), day("2027-01-02")).expect("run");
    let count = app
        .api()
        .get("/api/v1/kpis/KPI-SC6-01?as_of=2027-01-02")
        .await
        .expect(200)
        .json();
    assert_eq!(count["latest"], 12.0, "{count}");
}

/// The strategy's public tables download as CSV and JSON: goals with their
/// measures, projects, and verified KPI values only.
#[actix_web::test]
async fn the_strategys_tables_download_as_csv_and_json() {
    let app = TestApp::start().await;
    let c = app.client();
    let base = "/strategies/chomutov-ict-2020-2024";
    let goals = c.page(&format!("{base}/goals.csv")).await.expect(200);
    assert!(goals.header("content-type").starts_with("text/csv"));
    assert_eq!(goals.body.lines().count(), 1 + 71);
    assert!(
        goals
            .body
            .starts_with("goal,goal_code,goal_title,measure,measure_text\n")
    );
    let projects = c
        .page(&format!("{base}/projects.json"))
        .await
        .expect(200)
        .json();
    assert_eq!(projects.as_array().map(Vec::len), Some(7));
    let sc1 = projects
        .as_array()
        .expect("projects")
        .iter()
        .find(|p| p["project"] == "P-SC1-01")
        .expect("P-SC1-01");
    assert_eq!(sc1["measures"], "3.1.1/1 3.1.1/2");
    assert_eq!(sc1["budget_czk"], "18500000");
    let values = c.page(&format!("{base}/kpi-values.csv")).await.expect(200);
    assert!(
        values.contains("KPI-SC2-01,2026-04-01,2026-06-30,99.7,%"),
        "{}",
        values.body
    );
    assert!(!values.contains("99.4"), "a submitted value is not public");
    // One object's rows: a KPI's values, a project's reports, a goal's
    // measures, as their pages link them.
    let one = c
        .page(&format!("{base}/kpi-values.json?code=KPI-SC2-01"))
        .await
        .expect(200)
        .json();
    let one = one.as_array().expect("values");
    assert!(!one.is_empty() && one.iter().all(|v| v["kpi"] == "KPI-SC2-01"));
    let reports = c
        .page(&format!("{base}/reports.csv?code=P-SC1-01"))
        .await
        .expect(200);
    assert!(
        reports
            .body
            .starts_with("project,period,version,project_state,progress,health")
    );
    assert!(
        reports
            .body
            .lines()
            .skip(1)
            .all(|l| l.starts_with("P-SC1-01,"))
    );
    assert!(reports.body.lines().count() > 1);
    let measures = c
        .page(&format!("{base}/goals.csv?code=3.1.10"))
        .await
        .expect(200);
    assert!(
        measures
            .body
            .lines()
            .skip(1)
            .all(|l| l.starts_with("3.1.10,"))
    );
    let kpi = c.page("/kpis/KPI-SC2-01").await.expect(200);
    assert!(kpi.contains("kpi-values.csv?code=KPI-SC2-01"));
    c.page(&format!("{base}/tajne.csv")).await.expect(404);
    c.page("/strategies/neexistuje/goals.csv").await.expect(404);
}

/// A CSV larger than the import's limit is refused before it is parsed,
/// and nothing is stored.
#[actix_web::test]
async fn an_oversized_csv_is_refused_whole() {
    use radnice::auth::Role;
    let app = TestApp::start().await;
    let member = app.person("clen@chomutov.test", &[Role::WorkingGroup], &[]);
    responsible_for(&app, "KPI-SC2-01", &[&member]);
    let api = app.api_of(&member);
    let before = radnice::db::data_version(&mut app.conn()).expect("v");
    let mut csv = String::from("kpi,period_start,period_end,value,source,note\n");
    let line = "KPI-SC2-01,2024-01-01,2024-03-31,99.5,Zabbix,\n";
    while csv.len() <= 16 * 1024 * 1024 {
        csv.push_str(line);
    }
    api.request(reqwest::Method::POST, "/api/v1/measurements.csv")
        .body("text/csv", csv)
        .send()
        .await
        .expect(413);
    assert_eq!(
        radnice::db::data_version(&mut app.conn()).expect("v"),
        before
    );
}

async fn sparql_rows(app: &TestApp, query: &str) -> Vec<serde_json::Value> {
    let res = reqwest::Client::new()
        .get(app.url("/sparql"))
        .query(&[("query", query)])
        .header("Accept", "application/sparql-results+json")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 200);
    let json: serde_json::Value = res.json().await.expect("json");
    json["results"]["bindings"]
        .as_array()
        .expect("rows")
        .clone()
}

/// The strategy is open data: three datasets of the city whose files are
/// the live public tables, and its goals, measures, projects and KPI values
/// in the RDF projection (SKOS, Data Cube), which follows a new value.
#[actix_web::test]
async fn the_strategy_is_open_data_in_the_catalog_and_in_sparql() {
    use radnice::auth::Role;
    let app = TestApp::start().await;
    let base = app.state.config.base();
    let api = app.api();
    for (slug, table) in [
        ("chomutov-ict-2020-2024-cile-a-opatreni", "goals"),
        ("chomutov-ict-2020-2024-projekty", "projects"),
        ("chomutov-ict-2020-2024-hodnoty-ukazatelu", "kpi-values"),
    ] {
        let d = api
            .get(&format!("/api/v1/datasets/{slug}"))
            .await
            .expect(200)
            .json();
        assert_eq!(d["status"], "published", "{slug}");
        assert_eq!(d["is_example"], false);
        let files = d["distributions"].as_array().expect("distributions");
        assert_eq!(files.len(), 2, "{slug}");
        for (file, ext) in files.iter().zip(["csv", "json"]) {
            let url = format!("{base}/strategies/chomutov-ict-2020-2024/{table}.{ext}");
            assert_eq!(file["download_url"], url.as_str());
            assert_eq!(file["managed"], true);
            // The link downloads the current table.
            let path = url.trim_start_matches(&base);
            let got = app.client().page(path).await.expect(200);
            assert!(got.body.len() > 100, "{path}");
        }
    }
    // The strategy's page links its tables' datasets.
    let (_, page) = app
        .client()
        .get_text("/strategies/chomutov-ict-2020-2024")
        .await;
    assert!(
        page.contains("href=\"/datasets/chomutov-ict-2020-2024-hodnoty-ukazatelu\""),
        "{page}"
    );
    // The catalog's list has them beside the curators' datasets.
    let (_, html) = app
        .client()
        .get_text("/datasets?publisher=statutarni-mesto-chomutov")
        .await;
    assert!(html.contains("ověřené hodnoty ukazatelů (KPI)"), "{html}");

    let scheme = format!("{base}/strategies/chomutov-ict-2020-2024");
    let goals = sparql_rows(
        &app,
        &format!("SELECT ?g ?n WHERE {{ ?g skos:topConceptOf <{scheme}> ; skos:notation ?n FILTER(STRSTARTS(?n, \"3.\")) }}"),
    )
    .await;
    assert_eq!(goals.len(), 12);
    let measures = sparql_rows(
        &app,
        &format!("SELECT ?m WHERE {{ ?m skos:inScheme <{scheme}> ; skos:broader ?g }}"),
    )
    .await;
    assert_eq!(measures.len(), 71);
    let projects = sparql_rows(
        &app,
        "SELECT ?p WHERE { ?p a foaf:Project ; dct:identifier \"P-SC1-01\" ; dct:subject ?m . ?m skos:broader ?g }",
    )
    .await;
    assert_eq!(projects.len(), 2, "P-SC1-01 fulfils two measures of 3.1.1");

    let kpi = format!("{base}/kpis/KPI-SC2-01");
    let observations = format!(
        "SELECT ?period ?v WHERE {{ ?o a qb:Observation ; qb:dataSet <{kpi}> ; sdmx-dimension:refPeriod ?period ; sdmx-measure:obsValue ?v }} ORDER BY ?period"
    );
    let before = sparql_rows(&app, &observations).await;
    let public = app
        .api()
        .get("/api/v1/kpis/KPI-SC2-01")
        .await
        .expect(200)
        .json();
    let verified = public["measurements"]
        .as_array()
        .expect("values")
        .iter()
        .filter(|m| m["state"] == "verified")
        .count();
    assert_eq!(
        before.len(),
        verified,
        "only verified values are observations"
    );
    assert!(
        before.iter().any(|r| r["period"]["value"]
            == "http://reference.data.gov.uk/id/quarter/2026-Q2"
            && r["v"]["value"] == "99.7"),
        "{before:?}"
    );

    // A new value is an observation once verified, not before.
    let member = app.person("clen@chomutov.test", &[Role::WorkingGroup], &[]);
    let committee = app.person("vybor@chomutov.test", &[Role::SteeringCommittee], &[]);
    responsible_for(&app, "KPI-SC2-01", &[&member]);
    let wg = app.api_of(&member);
    let path = "/api/v1/kpis/KPI-SC2-01/measurements";
    let id = wg
        .post(
            path,
            &serde_json::json!({
                "period_start": "2025-10-01", "period_end": "2025-12-31",
                "value": 99.8, "source": "Zabbix"
            }),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let step = |to: &str| serde_json::json!({"to": to});
    let transition = format!("{path}/{id}/transition");
    wg.post(&transition, &step("submitted")).await.expect(200);
    assert_eq!(sparql_rows(&app, &observations).await.len(), before.len());
    app.api_of(&committee)
        .post(&transition, &step("verified"))
        .await
        .expect(200);
    let after = sparql_rows(&app, &observations).await;
    assert_eq!(after.len(), before.len() + 1);
    assert!(after.iter().any(|r| r["period"]["value"]
        == "http://reference.data.gov.uk/id/quarter/2025-Q4"
        && r["v"]["value"] == "99.8"));
}

/// An admin keeps a second strategy beside the ICT one: its goals and
/// measures, a project and a KPI with the member responsible for them.
/// Bad input is a field error that stores nothing; who is late is listed.
#[actix_web::test]
async fn an_admin_keeps_strategies_and_sees_who_is_late() {
    use diesel::prelude::*;
    use radnice::auth::Role;
    use radnice::db::schema::{goals, measures};
    let app = TestApp::start().await;
    let admin = app.signed_in("spravce@chomutov.test", &[Role::Admin]).await;
    let member = app.person("clen@chomutov.test", &[Role::WorkingGroup], &[]);
    app.browser_of(&member)
        .await
        .page("/admin/strategies")
        .await
        .expect(403);
    let strategy = |slug: &'static str, at_risk: &'static str| {
        vec![
            ("slug", slug),
            ("title_cs", "Strategie Smart City Chomutov"),
            ("title_en", "Smart City Strategy of Chomutov"),
            (
                "description_cs",
                "Koncepce chytrého města na léta 2025–2030.",
            ),
            ("period_start", "2025"),
            ("period_end", "2030"),
            ("publisher", "statutarni-mesto-chomutov"),
            (
                "spatial_iri",
                "https://linked.cuzk.cz/resource/ruian/obec/562971",
            ),
            ("on_track_band", "95"),
            ("at_risk_band", at_risk),
            ("grace_days", "15"),
            // Its projects report quarterly.
            ("report_cadence", "quarterly"),
        ]
    };
    let version = |app: &TestApp| radnice::db::data_version(&mut app.conn()).expect("v");
    let before = version(&app);
    let bad = admin
        .submit("/admin/strategies", &strategy("smart-city", "96"))
        .await
        .expect(422);
    assert!(bad.contains("nejvýše tolik jako hranice"), "{}", bad.body);
    assert_eq!(version(&app), before, "nothing stored");
    admin
        .submit("/admin/strategies", &strategy("smart-city", "85"))
        .await
        .expect(303);
    let taken = admin
        .submit("/admin/strategies", &strategy("smart-city", "85"))
        .await
        .expect(422);
    assert!(taken.contains("Strategie s touto adresou už je."));
    // Its open data is in the catalog at once.
    app.api()
        .get("/api/v1/datasets/smart-city-hodnoty-ukazatelu")
        .await
        .expect(200);

    let goal = |chapter: &'static str, measures: &'static str| {
        vec![
            ("chapter", chapter),
            ("sc_code", "SMART1"),
            ("title_cs", "Chytrá doprava"),
            ("description_cs", "Doprava řízená daty."),
            ("planned_start", "2025"),
            ("planned_end", "2027"),
            ("measures_cs", measures),
        ]
    };
    let bad = admin
        .submit(
            "/admin/strategies/smart-city/goals",
            &goal("1..1", "Senzory"),
        )
        .await
        .expect(422);
    assert!(bad.contains("Kapitola jsou čísla oddělená tečkou"));
    admin
        .submit(
            "/admin/strategies/smart-city/goals",
            &goal(
                "1.1",
                "Senzory obsazenosti parkovišť\nJednotná dopravní data",
            ),
        )
        .await
        .expect(303);
    let measure: String = measures::table
        .inner_join(goals::table)
        .filter(goals::chapter.eq("1.1"))
        .filter(measures::position.eq(2))
        .select(measures::id)
        .first(&mut *app.conn())
        .expect("measure 1.1/2");
    let project = |code: &'static str| {
        vec![
            ("code", code),
            ("title_cs", "Dopravní data"),
            ("description_cs", "Jednotné úložiště dopravních dat."),
            ("guarantor", "Odbor rozvoje"),
            ("funding", "irop"),
            ("budget_czk", "2 500 000"),
            ("planned_start", "2025-03-01"),
            ("planned_end", "2026-06-30"),
            ("weight", "2"),
            ("measures", measure.as_str()),
            ("members", member.id.as_str()),
        ]
    };
    admin
        .submit(
            "/admin/strategies/smart-city/projects",
            &project("P-SMART-01"),
        )
        .await
        .expect(303);
    // A code is a project's or a KPI's for good.
    let taken = admin
        .submit(
            "/admin/strategies/smart-city/projects",
            &project("KPI-SC1-01"),
        )
        .await
        .expect(422);
    assert!(taken.contains("Tento kód už má jiný projekt nebo ukazatel."));
    let kpi = |targets: &'static str| {
        vec![
            ("code", "KPI-SMART-01"),
            ("owner", "goal:1.1"),
            ("name_cs", "Parkoviště se senzory"),
            ("unit", "%"),
            ("direction", "higher"),
            ("frequency", "yearly"),
            ("baseline_value", "0"),
            ("baseline_year", "2024"),
            ("targets", targets),
            ("method", "linear"),
            (
                "method_note_cs",
                "Podíl parkovišť města se senzory obsazenosti.",
            ),
            ("source", "manual"),
            ("members", member.id.as_str()),
        ]
    };
    let before = version(&app);
    let bad = admin
        .submit("/admin/strategies/smart-city/kpis", &kpi("2023: 50"))
        .await
        .expect(422);
    assert!(bad.contains("po roce výchozí hodnoty"), "{}", bad.body);
    assert_eq!(version(&app), before, "nothing stored");
    admin
        .submit(
            "/admin/strategies/smart-city/kpis",
            &kpi("2027: 50\n2030: 100"),
        )
        .await
        .expect(303);

    // The member's work, the dashboard and the KPI's page follow.
    let work = app
        .browser_of(&member)
        .await
        .page("/work")
        .await
        .expect(200);
    assert!(work.contains("P-SMART-01") && work.contains("KPI-SMART-01"));
    let board = app
        .api()
        .get("/api/v1/strategies/smart-city/dashboard?as_of=2026-12-04")
        .await
        .expect(200)
        .json();
    assert_eq!(board["goals"][0]["chapter"], "1.1");
    assert_eq!(
        board["goals"][0]["projects"],
        serde_json::json!(["P-SMART-01"])
    );
    assert_eq!(
        board["goals"][0]["kpis"],
        serde_json::json!(["KPI-SMART-01"])
    );
    let k = app
        .api()
        .get("/api/v1/kpis/KPI-SMART-01")
        .await
        .expect(200)
        .json();
    assert_eq!(
        k["targets"],
        serde_json::json!([{"year": 2027, "value": 50.0}, {"year": 2030, "value": 100.0}])
    );

    // A measure a project fulfils cannot go.
    let before = version(&app);
    let bad = admin
        .submit(
            "/admin/strategies/smart-city/goals/1.1",
            &goal("1.1", "Senzory obsazenosti parkovišť"),
        )
        .await
        .expect(422);
    assert!(bad.contains("Opatření, která naplňuje některý projekt"));
    assert_eq!(version(&app), before, "nothing stored");

    // Who is late: the member's project has no report for the month due.
    let page = admin.page("/admin/strategies/smart-city").await.expect(200);
    assert!(page.contains("Kdo je pozadu"));
    let s = radnice::strategy::store::by_slug(&mut app.conn(), "smart-city")
        .expect("q")
        .expect("strategy");
    let day = |s: &str| s.parse::<chrono::NaiveDate>().expect("date");
    let late = |as_of: &str| {
        radnice::strategy::store::late(&mut app.conn(), &s, day(as_of)).expect("late")
    };
    // The KPI's 2025 value was due in January; a defined project owes no
    // report yet.
    let now = late("2026-12-04");
    assert_eq!(now.len(), 1, "{now:?}");
    assert_eq!(
        (now[0].code.as_str(), now[0].period.as_str()),
        ("KPI-SMART-01", "2025")
    );
    assert_eq!((now[0].due, now[0].days_late), (day("2026-01-15"), 323));
    assert_eq!(now[0].members, vec!["clen@chomutov.test".to_string()]);
    // Under way, it owes the third quarter's report from 15 October.
    let wg = app.api_of(&member);
    wg.post(
        "/api/v1/projects/P-SMART-01/transition",
        &serde_json::json!({"to": "intent_drafted"}),
    )
    .await
    .expect(200);
    let now = late("2026-12-04");
    let report = now
        .iter()
        .find(|l| l.code == "P-SMART-01")
        .expect("late report");
    assert_eq!((report.kind, report.period.as_str()), ("report", "2026-Q3"));
    assert_eq!((report.due, report.days_late), (day("2026-10-15"), 50));
    // A month is not a period of this strategy; the quarter is.
    let reports = "/api/v1/projects/P-SMART-01/reports";
    let report = |period: &str| serde_json::json!({"period": period, "progress": 10, "health": "on_track", "submit": true});
    let bad = wg
        .post(reports, &report("2026-09"))
        .await
        .expect(422)
        .json();
    assert!(bad.to_string().contains("period"), "{bad}");
    wg.post(reports, &report("2026-Q3")).await.expect(201);
    assert!(late("2026-12-04").iter().all(|l| l.code != "P-SMART-01"));
    let form = app
        .browser_of(&member)
        .await
        .page("/projects/P-SMART-01/report")
        .await
        .expect(200);
    assert!(form.contains("<option value=\"2026-Q3\""), "{}", form.body);

    // Every change is in the public history of its object.
    let report = radnice::audit::verify(&mut app.conn()).expect("verify");
    assert!(report.ok());
}

/// A project moves from its page: the committee suspends it with a reason
/// and may resume it only to the state it left; the responsible member
/// sees the delivery step, a citizen no form at all.
#[actix_web::test]
async fn a_project_moves_from_its_page_by_the_right_role() {
    use radnice::auth::Role;
    let app = TestApp::start().await;
    let committee = app
        .signed_in("vybor@chomutov.test", &[Role::SteeringCommittee])
        .await;
    let member = app.person("clen@chomutov.test", &[Role::WorkingGroup], &[]);
    responsible_for_project(&app, "P-SC7-01", &[&member]);
    let citizen = app.client().page("/projects/P-SC7-01").await.expect(200);
    assert!(!citizen.contains("/projects/P-SC7-01/transition"));
    let own = app
        .browser_of(&member)
        .await
        .page("/projects/P-SC7-01")
        .await
        .expect(200);
    assert!(
        own.contains("<option value=\"in_operation\""),
        "{}",
        own.body
    );
    assert!(!own.contains("<option value=\"suspended\""));

    // A suspension without a reason is refused and changes nothing.
    let before = radnice::db::data_version(&mut app.conn()).expect("v");
    committee
        .submit("/projects/P-SC7-01/transition", &[("to", "suspended")])
        .await
        .expect(422);
    assert_eq!(
        radnice::db::data_version(&mut app.conn()).expect("v"),
        before
    );
    committee
        .submit(
            "/projects/P-SC7-01/transition",
            &[("to", "suspended"), ("reason", "Čeká se na rozpočet.")],
        )
        .await
        .expect(303);
    let page = committee.page("/projects/P-SC7-01").await.expect(200);
    assert!(page.contains("Stav projektu je změněný."));
    assert!(page.contains("pozastaven ve stavu"));
    // Resuming offers the state it left and cancelling, nothing else.
    assert!(page.contains("<option value=\"in_realisation\""));
    assert!(page.contains("<option value=\"cancelled\""));
    assert!(!page.contains("<option value=\"procurement\""));
    let refused = committee
        .submit(
            "/projects/P-SC7-01/transition",
            &[("to", "procurement"), ("reason", "Znovu.")],
        )
        .await
        .expect(409);
    assert!(refused.contains("in_realisation") || refused.contains("v realizaci"));
}

/// The strategy page's content is kept between requests, one per language,
/// and a change to what it shows reaches the next reader.
#[actix_web::test]
async fn the_kept_strategy_page_follows_a_change_and_the_language() {
    use radnice::auth::Role;
    let app = TestApp::start().await;
    let path = "/strategies/chomutov-ict-2020-2024";
    let reader = app.client();
    let first = reader.page(path).await.expect(200);
    // The status table and the contents name the goal.
    assert_eq!(
        first
            .body
            .matches("3.1.1 (SC1) Metropolitní síť</a>")
            .count(),
        2,
        "{}",
        first.body
    );
    let english = app.client();
    assert_eq!(english.get("/lang/en?next=/").await.status().as_u16(), 303);
    let en = english.page(path).await.expect(200);
    assert_eq!(
        en.body
            .matches("3.1.1 (SC1) Metropolitan network</a>")
            .count(),
        2
    );
    assert!(!en.contains("Metropolitní síť</a>"));
    let admin = app.signed_in("spravce@chomutov.test", &[Role::Admin]).await;
    let goal = admin
        .page("/admin/strategies/chomutov-ict-2020-2024/goals/3.1.1")
        .await
        .expect(200);
    assert!(goal.contains("Metropolitní síť"));
    let measures: Vec<String> = {
        use diesel::prelude::*;
        use radnice::db::schema::{goals, measures};
        measures::table
            .inner_join(goals::table)
            .filter(goals::chapter.eq("3.1.1"))
            .order(measures::position.asc())
            .select(measures::text_cs)
            .load(&mut *app.conn())
            .expect("measures")
    };
    let joined = measures.join("\n");
    admin
        .submit(
            "/admin/strategies/chomutov-ict-2020-2024/goals/3.1.1",
            &[
                ("sc_code", "SC1"),
                ("title_cs", "Metropolitní optická síť"),
                ("title_en", "Metropolitan network"),
                ("description_cs", "Rozvoj metropolitní sítě."),
                ("planned_start", "2020"),
                ("planned_end", "2024"),
                ("continues_after", "on"),
                ("measures_cs", joined.as_str()),
            ],
        )
        .await
        .expect(303);
    let again = reader.page(path).await.expect(200);
    assert!(
        again.contains("Metropolitní optická síť"),
        "the change shows at once"
    );
}

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

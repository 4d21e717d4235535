use radnice::web::i18n::I18n;

use crate::support::TestApp;

#[test]
fn every_message_key_exists_in_both_languages() {
    let i18n = I18n::load().expect("catalogues parse");
    let missing = i18n.missing_keys();
    assert!(missing.is_empty(), "missing message keys: {missing:?}");
}

#[test]
fn every_key_used_in_templates_and_code_exists() {
    let i18n = I18n::load().expect("load");
    let keys: std::collections::HashSet<&String> = i18n.keys().collect();
    let mut used = Vec::new();
    let root = crate::support::manifest_dir();
    let mut stack = vec![root.join("templates")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let text = std::fs::read_to_string(&p).expect("read");
                // `t.key` where `t` stands alone (not `rest.key`, not `x.html`).
                let bytes = text.as_bytes();
                for (i, _) in text.match_indices("t.") {
                    let before = if i == 0 { b' ' } else { bytes[i - 1] };
                    if !matches!(before, b' ' | b'(' | b'{' | b'[' | b',') {
                        continue;
                    }
                    let key: String = text[i + 2..]
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    if !key.is_empty() {
                        used.push((p.display().to_string(), key));
                    }
                }
            }
        }
    }
    let unknown: Vec<_> = used.iter().filter(|(_, k)| !keys.contains(k)).collect();
    assert!(
        unknown.is_empty(),
        "templates use keys that no catalogue has: {unknown:?}"
    );
}

#[actix_web::test]
async fn every_template_renders_in_both_languages() {
    // Visiting the pages is the real render test; here every template must at
    // least compile, and the public pages render in Czech and English.
    let names = radnice::web::template_names();
    assert!(names.len() >= 14, "{names:?}");
    radnice::web::templates().expect("templates compile");
    let app = TestApp::start().await;
    for lang in ["cs", "en"] {
        let c = app.client();
        c.get(&format!("/lang/{lang}?next=/")).await;
        for path in [
            "/",
            "/data",
            "/publishers",
            "/publishers/statutarni-mesto-chomutov",
            "/strategies",
            "/strategies/chomutov-ict-2020-2024",
            "/datasets",
            "/datasets/pasport-zelene",
            "/api",
            "/login",
            "/nic",
        ] {
            let (status, html) = c.get_text(path).await;
            assert!(
                status == 200 || (path == "/nic" && status == 404),
                "{path} in {lang}: {status}"
            );
            assert!(
                html.contains(&format!("<html lang=\"{lang}\"")),
                "{path} in {lang}"
            );
        }
    }
}

#[actix_web::test]
async fn the_home_page_is_czech_and_the_switch_remembers_english() {
    let app = TestApp::start().await;
    let c = app.client();
    let (status, html) = c.get_text("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"cs\""));
    // The header navigation: Data, Senzory, Strategie, API.
    let nav = &html[html.find("<nav class=\"site-nav\"").expect("nav")..];
    let nav = &nav[..nav.find("</nav>").expect("end")];
    let order: Vec<usize> = [">Data<", ">Senzory<", ">Strategie<", ">API<"]
        .iter()
        .map(|l| {
            nav.find(l)
                .unwrap_or_else(|| panic!("{l} missing in {nav}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{nav}");
    // Senzory leads to the catalog's sensor datasets.
    let (status, sensors) = c.get_text("/datasets?keyword=senzory").await;
    assert_eq!(status, 200);
    assert!(sensors.contains("Nalezené datové sady: 4") && sensors.contains("Kvalita ovzduší"));
    assert!(html.contains("Otevřená data a ICT strategie města"));
    let res = c.get("/lang/en?next=/strategies").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/strategies");
    let (_, html) = c.get_text("/").await;
    assert!(html.contains("<html lang=\"en\""));
    assert!(html.contains("Open data and the city&#39;s ICT strategy"));
    // Open redirects are not possible through the switch.
    let res = c.get("/lang/cs?next=//evil.example").await;
    assert_eq!(res.headers()["location"], "/");
}

#[actix_web::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::start().await;
    let c = app.client();
    for path in [
        "/",
        "/nic",
        "/api/v1/strategies",
        "/static/radnice.css",
        "/healthz",
    ] {
        let res = c.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().expect("csp");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
    }
}

#[actix_web::test]
async fn pages_have_no_inline_script_and_assets_are_local() {
    let app = TestApp::start().await;
    let (_, html) = app.client().get_text("/").await;
    assert!(!html.contains("<script"), "no inline or external scripts");
    for tag in html.split("<link ").skip(1) {
        let href = tag
            .split("href=\"")
            .nth(1)
            .expect("href")
            .split('"')
            .next()
            .expect("value");
        assert!(href.starts_with('/'), "asset from another host: {href}");
        let res = app.client().get(href).await;
        assert_eq!(res.status().as_u16(), 200, "{href}");
    }
}

#[actix_web::test]
async fn unknown_routes_get_a_404_page_or_problem() {
    let app = TestApp::start().await;
    let c = app.client();
    let (status, html) = c.get_text("/neexistuje").await;
    assert_eq!(status, 404);
    assert!(html.contains("Stránka nenalezena"));
    let res = c
        .http
        .get(c.url("/neexistuje"))
        .header("Accept", "application/json")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["status"], 404);
    assert_eq!(body["title"], "Stránka nenalezena");
}

#[actix_web::test]
async fn malformed_json_is_a_400_problem_naming_the_field() {
    let app = TestApp::start().await;
    let admin = app.add_user(
        "admin@chomutov.test",
        crate::support::PASSWORD,
        &[radnice::auth::Role::Admin],
    );
    let token = app.add_token(&admin.id);
    let http = reqwest::Client::new();
    let res = http
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(r#"{"display_name": "X", "password": "dlouhe-heslo-123"}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["field"], "email", "{body}");

    let res = http
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(r#"{"email": 5,"#)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 400);
}

#[actix_web::test]
async fn a_body_over_the_limit_is_413() {
    let app = TestApp::start_with(|c| c.body_limit = 4096).await;
    let admin = app.add_user(
        "admin@chomutov.test",
        crate::support::PASSWORD,
        &[radnice::auth::Role::Admin],
    );
    let token = app.add_token(&admin.id);
    let big = format!(
        r#"{{"email": "a@b.cz", "display_name": "{}", "password": "x"}}"#,
        "x".repeat(10_000)
    );
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[actix_web::test]
async fn healthz_answers_when_the_database_does() {
    let app = TestApp::start().await;
    let (status, body) = app.client().get_text("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
}

#[actix_web::test]
async fn healthz_does_not_queue_behind_page_work() {
    let app = TestApp::start().await;
    // Every pooled connection is busy with page work...
    let size = app.state.pool.max_size() as usize;
    let held: Vec<_> = (0..size).map(|_| app.conn()).collect();
    assert_eq!(app.state.pool.state().idle_connections, 0);
    // ...and the health check still answers, at once, from its own.
    let started = std::time::Instant::now();
    let (status, _) = app.client().get_text("/healthz").await;
    assert_eq!(status, 200);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // A page that needs the database waits for a pooled connection meanwhile.
    let page = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        app.client().get("/datasets?page=1"),
    )
    .await;
    assert!(page.is_err(), "the page had no connection to use");
    drop(held);
}

#[actix_web::test]
async fn publishers_are_listed_with_the_city_first() {
    let app = TestApp::start().await;
    let list: serde_json::Value = app
        .client()
        .get("/api/v1/publishers")
        .await
        .json()
        .await
        .expect("json");
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 16);
    assert_eq!(list[0]["name_cs"], "Statutární město Chomutov");
    assert_eq!(list[0]["ico"], "00261891");
    let names: Vec<&str> = list
        .iter()
        .map(|p| p["name_cs"].as_str().expect("n"))
        .collect();
    for org in [
        "Městská policie Chomutov",
        "Dopravní podnik měst Chomutova a Jirkova a. s.",
        "Teplo Chomutov s.r.o.",
        "Chomutovská knihovna, příspěvková organizace",
    ] {
        assert!(names.contains(&org), "{org}");
    }
}

/// The front door shows what changed lately and the themes with their
/// counts, and follows a curator's change at once.
#[actix_web::test]
async fn the_home_page_shows_recent_datasets_and_themes_with_counts() {
    let app = TestApp::start().await;
    let home = app.client().page("/").await.expect(200);
    let recent = &home.body[home.body.find("id=\"home-recent\"").expect("recent")..];
    assert_eq!(
        recent[..recent.find("</section>").expect("end")]
            .matches("<li>")
            .count(),
        6,
        "the six newest of ten"
    );
    // Environment: the seed's ENVI datasets, with their count, linked to the
    // list filtered by the theme.
    let envi = "http%3A%2F%2Fpublications.europa.eu%2Fresource%2Fauthority%2Fdata-theme%2FENVI";
    let listed = app
        .api()
        .get(&format!("/api/v1/datasets?theme={envi}"))
        .await
        .json()["total"]
        .as_i64()
        .expect("total");
    assert!(
        home.contains(&format!(
            "<a href=\"/datasets?theme={envi}\">Životní prostředí</a> <span class=\"muted\">({listed})</span>"
        )),
        "{}",
        home.body
    );
    assert!(
        !home.contains("eurovoc.europa.eu"),
        "EuroVoc is the list's, not the front page's"
    );
    // A curator's edit puts the dataset first.
    let api = crate::catalog::curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    let mut body = crate::catalog::dataset_json("uzemni-plan");
    body["title_cs"] = "Územní plán Chomutova (aktualizace)".into();
    api.put("/api/v1/datasets/uzemni-plan", &body)
        .await
        .expect(200);
    let home = app.client().page("/").await.expect(200);
    let recent = &home.body[home.body.find("id=\"home-recent\"").expect("recent")..];
    let first = &recent[recent.find("<li>").expect("item")..];
    assert!(
        first.starts_with(
            "<li><a href=\"/datasets/uzemni-plan\">Územní plán Chomutova (aktualizace)</a>"
        ),
        "{first}"
    );
}

/// The accessibility statement in its prescribed parts and the privacy
/// notice, in both languages, linked from every page's footer; the API's
/// reads are open to other origins.
#[actix_web::test]
async fn the_legal_pages_are_there_and_api_reads_are_open_to_any_origin() {
    let app = TestApp::start().await;
    let home = app.client().page("/").await.expect(200);
    assert!(home.contains("href=\"/pristupnost\"") && home.contains("href=\"/soukromi\""));
    let a11y = app.client().page("/pristupnost").await.expect(200);
    for part in [
        "Prohlášení o přístupnosti",
        "zákonem č. 99/2019 Sb.",
        "Stav souladu",
        "Nepřístupný obsah",
        "Vypracování tohoto prohlášení o přístupnosti",
        "Zpětná vazba a kontaktní údaje",
        "Postup pro vymáhání",
        "Ministerstvu vnitra",
        "Statutární město Chomutov",
        "mailto:",
    ] {
        assert!(a11y.contains(part), "the statement lacks {part}");
    }
    let privacy = app.client().page("/soukromi").await.expect(200);
    for part in [
        "radnice_session",
        "radnice_lang",
        "Argon2",
        "180 dní",
        "uoou.gov.cz",
    ] {
        assert!(privacy.contains(part), "the notice lacks {part}");
    }
    let en = app.client();
    en.get("/lang/en?next=/").await;
    assert!(
        en.page("/pristupnost")
            .await
            .expect(200)
            .contains("Enforcement procedure")
    );
    assert!(
        en.page("/soukromi")
            .await
            .expect(200)
            .contains("Entries older than 180 days")
    );

    let read = app.api().get("/api/v1/datasets").await.expect(200);
    assert_eq!(read.header("access-control-allow-origin"), "*");
    let read = app.api().get("/api/v1/datasets/hriste").await.expect(200);
    assert_eq!(read.header("access-control-allow-origin"), "*");
    // A write is not opened to other origins.
    let write = app
        .api()
        .post("/api/v1/datasets", &serde_json::json!({}))
        .await;
    assert_eq!(write.status, 401);
    assert_eq!(write.header("access-control-allow-origin"), "");
}

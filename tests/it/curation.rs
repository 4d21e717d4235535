//! The curator's write path as the domain pattern sets it: the lifecycle
//! table, versions (a stale edit is refused and shows what changed), CSRF
//! bound to the session, harvested records read-only and checked by the same
//! validator, public history without personal data.

use radnice::audit::Actor;
use radnice::catalog::store;
use radnice::dcat::harvest::{self, Options};

use crate::catalog::{add_draft, curator, dataset_json};
use crate::support::{Client, PASSWORD, TestApp};

const ADMIN: &str = "admin@chomutov.test";

async fn transition(
    app: &TestApp,
    token: &str,
    slug: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/datasets/{slug}/transition")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("transition");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

#[actix_web::test]
async fn the_catalog_lifecycle_moves_only_along_its_table() {
    let app = TestApp::start().await;
    let token = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    let draft = add_draft(&app, "pasport-zelene", "novy-koncept");

    // A draft cannot be withdrawn: the refusal names the one move it has.
    let (status, problem) = transition(
        &app,
        &token,
        "novy-koncept",
        serde_json::json!({"to": "withdrawn", "reason": "x"}),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["allowed"], serde_json::json!(["published"]));
    assert_eq!(problem["type"], "about:blank");
    // An unknown state is refused the same way.
    let (status, problem) = transition(
        &app,
        &token,
        "novy-koncept",
        serde_json::json!({"to": "smazáno"}),
    )
    .await;
    assert_eq!(
        (status, &problem["allowed"]),
        (409, &serde_json::json!(["published"]))
    );

    let (status, body) = transition(
        &app,
        &token,
        "novy-koncept",
        serde_json::json!({"to": "published"}),
    )
    .await;
    assert_eq!(
        (status, &body["status"]),
        (200, &serde_json::json!("published"))
    );
    assert_eq!(
        app.client()
            .get("/datasets/novy-koncept")
            .await
            .status()
            .as_u16(),
        200
    );
    // A withdrawal says why; without a reason it is a field error.
    let (status, problem) = transition(
        &app,
        &token,
        "novy-koncept",
        serde_json::json!({"to": "withdrawn"}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "reason");
    // Nor may the reason, which the public reads, be a document.
    let (status, _) = transition(
        &app,
        &token,
        "novy-koncept",
        serde_json::json!({"to": "withdrawn", "reason": "x".repeat(2_001)}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = transition(
        &app,
        &token,
        "novy-koncept",
        serde_json::json!({"to": "withdrawn", "reason": "Nahrazeno jinou sadou."}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.client()
            .get("/datasets/novy-koncept")
            .await
            .status()
            .as_u16(),
        410
    );
    // A dataset that was out in public is never deleted, only withdrawn or
    // published again.
    let res = reqwest::Client::new()
        .delete(app.url("/api/v1/datasets/novy-koncept"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status().as_u16(), 409);
    let problem: serde_json::Value = res.json().await.expect("json");
    assert_eq!(problem["allowed"], serde_json::json!(["published"]));
    let (status, _) = transition(
        &app,
        &token,
        "novy-koncept",
        serde_json::json!({"to": "published"}),
    )
    .await;
    assert_eq!(status, 200);

    // Each move is in the public history as a change of state with its
    // reason.
    let (_, hist) = app
        .client()
        .get_text(&format!("/history/dataset/{}", draft.dataset.id))
        .await;
    assert_eq!(hist.matches("změna stavu").count(), 3, "{hist}");
    assert!(hist.contains("Nahrazeno jinou sadou."));

    // A draft never published can be deleted, and the deletion is audited
    // with the whole record.
    let other = add_draft(&app, "pasport-zelene", "omylem-zalozena");
    let res = reqwest::Client::new()
        .delete(app.url("/api/v1/datasets/omylem-zalozena"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status().as_u16(), 204);
    assert!(
        store::record_by_slug(&mut app.conn(), "omylem-zalozena")
            .expect("q")
            .is_none()
    );
    let (rows, _) = radnice::audit::store::list(
        &mut app.conn(),
        &radnice::audit::store::Filter {
            object_id: Some(other.dataset.id.clone()),
            action: Some("delete".into()),
            ..Default::default()
        },
        1,
        10,
    )
    .expect("audit");
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0]
            .before_json
            .as_deref()
            .is_some_and(|b| b.contains("omylem-zalozena"))
    );
}

#[actix_web::test]
async fn a_stale_form_is_refused_and_shows_what_changed_meanwhile() {
    let app = TestApp::start().await;
    let token = curator(&app, "api@chomutov.test", &["statutarni-mesto-chomutov"]);
    curator(&app, "form@chomutov.test", &["statutarni-mesto-chomutov"]);
    let c = app.client();
    c.login("form@chomutov.test", PASSWORD).await;
    let (_, form) = c.get_text("/datasets/pasport-zelene/edit").await;
    let version = value_of(&form, "version");
    let csrf = crate::support::csrf_from(&form).expect("csrf");

    // Someone else changes the title meanwhile.
    let mut changed = dataset_json("pasport-zelene");
    changed["title_cs"] = "Pasport zeleně (změněno přes API)".into();
    let res = reqwest::Client::new()
        .put(app.url("/api/v1/datasets/pasport-zelene"))
        .bearer_auth(&token)
        .json(&changed)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status().as_u16(), 200);

    let fields = |title: &str, version: &str| {
        vec![
            ("csrf_token".to_string(), csrf.clone()),
            ("version".to_string(), version.to_string()),
            (
                "publisher".to_string(),
                "statutarni-mesto-chomutov".to_string(),
            ),
            ("title_cs".to_string(), title.to_string()),
            (
                "description_cs".to_string(),
                "Popis z formuláře.".to_string(),
            ),
            (
                "themes".to_string(),
                "http://publications.europa.eu/resource/authority/data-theme/ENVI".to_string(),
            ),
            (
                "frequency".to_string(),
                "http://publications.europa.eu/resource/authority/frequency/ANNUAL".to_string(),
            ),
            (
                "spatial".to_string(),
                "https://linked.cuzk.cz/resource/ruian/obec/562971".to_string(),
            ),
            ("keywords_cs".to_string(), "zeleň".to_string()),
        ]
    };
    let post = |f: Vec<(String, String)>| {
        let c = &c;
        async move {
            let pairs: Vec<(&str, &str)> =
                f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let res = c.post_form("/datasets/pasport-zelene/edit", &pairs).await;
            let status = res.status().as_u16();
            (status, res.text().await.expect("body"))
        }
    };
    let (status, page) = post(fields("Pasport zeleně z formuláře", &version)).await;
    assert_eq!(status, 409);
    assert!(page.contains("id=\"changed-meanwhile\"") && page.contains("<code>title_cs</code>"));
    // What the user typed is still in the form; nothing was overwritten.
    assert!(page.contains("Pasport zeleně z formuláře"));
    let stored = store::record_by_slug(&mut app.conn(), "pasport-zelene")
        .expect("q")
        .expect("d");
    assert_eq!(stored.dataset.title_cs, "Pasport zeleně (změněno přes API)");
    // Sent again from the form as shown (its version is now the current
    // one), it saves.
    let newer = value_of(&page, "version");
    assert_ne!(newer, version);
    let (status, _) = post(fields("Pasport zeleně z formuláře", &newer)).await;
    assert_eq!(status, 303);
    let stored = store::record_by_slug(&mut app.conn(), "pasport-zelene")
        .expect("q")
        .expect("d");
    assert_eq!(stored.dataset.title_cs, "Pasport zeleně z formuláře");
}

/// The value of a hidden field of a page's form.
fn value_of(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("field") + marker.len();
    let end = html[start..].find('"').expect("end") + start;
    html[start..end].to_string()
}

#[actix_web::test]
async fn the_api_sends_an_etag_and_a_stale_if_match_is_412() {
    let app = TestApp::start().await;
    let token = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    let http = reqwest::Client::new();
    let res = http
        .get(app.url("/api/v1/datasets/pasport-zelene"))
        .send()
        .await
        .expect("get");
    let etag = res.headers()["etag"].to_str().expect("etag").to_string();
    assert!(etag.starts_with("\"v"), "{etag}");
    let put = |title: &str, if_match: Option<&str>| {
        let mut body = dataset_json("pasport-zelene");
        body["title_cs"] = title.into();
        let mut req = http
            .put(app.url("/api/v1/datasets/pasport-zelene"))
            .bearer_auth(&token)
            .json(&body);
        if let Some(m) = if_match {
            req = req.header("If-Match", m);
        }
        req.send()
    };
    let res = put("První změna", Some(&etag)).await.expect("put");
    assert_eq!(res.status().as_u16(), 200);
    let newer = res.headers()["etag"].to_str().expect("etag").to_string();
    assert_ne!(newer, etag);
    // The old tag is stale now: 412, and the first change stands.
    let res = put("Druhá změna", Some(&etag)).await.expect("put");
    assert_eq!(res.status().as_u16(), 412);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = put("Třetí změna", Some("\"něco jiného\""))
        .await
        .expect("put");
    assert_eq!(res.status().as_u16(), 412);
    let stored = store::record_by_slug(&mut app.conn(), "pasport-zelene")
        .expect("q")
        .expect("d");
    assert_eq!(stored.dataset.title_cs, "První změna");
    // Without If-Match the API does not check (a client that does not
    // track versions).
    let res = put("Bez podmínky", None).await.expect("put");
    assert_eq!(res.status().as_u16(), 200);
}

#[actix_web::test]
async fn the_csrf_token_is_bound_to_the_session_and_writes_need_a_user_first() {
    let app = TestApp::start().await;
    app.add_user(ADMIN, PASSWORD, &[radnice::auth::Role::Admin]);
    let alice = app.client();
    let before_login = alice.csrf("/login").await;
    alice.login(ADMIN, PASSWORD).await;
    let mallory = app.client();
    mallory.login(ADMIN, PASSWORD).await;
    let mallorys = mallory.csrf("/account").await;
    let alices = alice.csrf("/account").await;
    assert_ne!(alices, mallorys, "each session has its own token");
    assert_ne!(alices, before_login, "the token changes with the login");
    let revoke = |c: &Client, token: String| {
        let c = c.http.clone();
        let url = alice.url("/account/tokens");
        async move {
            c.post(url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(format!("name=t&csrf_token={token}"))
                .send()
                .await
                .expect("post")
                .status()
                .as_u16()
        }
    };
    // Another session's token, or the visitor token from before the login
    // (which the cookie still holds), do not pass for this session.
    assert_eq!(revoke(&alice, mallorys).await, 403);
    assert_eq!(revoke(&alice, before_login).await, 403);
    assert_eq!(revoke(&alice, String::new()).await, 403);
    assert_eq!(revoke(&alice, alices.clone()).await, 200);
    // The header is as good as the field (for scripts on our pages).
    let res = alice
        .http
        .post(alice.url("/account/tokens"))
        .header("X-CSRF-Token", &alices)
        .form(&[("name", "z hlavičky")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 200);

    // An anonymous write is refused before its body is read: a malformed
    // body does not change the answer, and no field list comes back.
    let anon = reqwest::Client::new();
    for (path, content_type) in [
        ("/datasets/new", "application/x-www-form-urlencoded"),
        ("/admin/users", "multipart/form-data; boundary=x"),
        ("/api/v1/datasets", "application/json"),
    ] {
        let res = anon
            .post(app.url(path))
            .header("Content-Type", content_type)
            .header("Accept", "application/json")
            .body("{{{ %%% not a body")
            .send()
            .await
            .expect("post");
        assert_eq!(res.status().as_u16(), 401, "{path}");
        let body = res.text().await.expect("body");
        assert!(
            !body.contains("title_cs") && !body.contains("missing field"),
            "{body}"
        );
    }
}

#[actix_web::test]
async fn harvested_records_pass_the_same_rules_and_stay_read_only() {
    let app = TestApp::start().await;
    let dir = tempfile::tempdir().expect("tmp");
    let long_title = "x".repeat(600);
    // A too long title, and a "file" that is a script, not a link.
    let ttl = crate::harvest::source(&[
        ("dobra", "Dobrá sada"),
        ("dlouha", &long_title),
        ("skript", "Skript"),
    ])
    .replace(
        "https://obec.example.cz/soubory/skript.csv",
        "javascript:alert(1)",
    );
    let path = dir.path().join("lkod.ttl");
    std::fs::write(&path, ttl).expect("write");
    let report = harvest::run(
        &mut app.conn(),
        &Actor::system("test"),
        &path.to_string_lossy(),
        "mestske-lesy-chomutov",
        &Options::default(),
    )
    .expect("harvest");
    assert_eq!(
        report.created,
        vec!["mestske-lesy-chomutov-dobra"],
        "{report:?}"
    );
    let why: Vec<&String> = report.rejected.iter().map(|(_, w)| w).collect();
    assert_eq!(why.len(), 2, "{report:?}");
    assert!(
        why.iter().any(|w| w.contains("title_cs: příliš dlouhé")),
        "{why:?}"
    );
    assert!(
        why.iter()
            .any(|w| w.contains("download_url: není odkaz http(s)")),
        "{why:?}"
    );

    // The harvested dataset is its source's: a curator of the publisher
    // sees where it comes from and cannot edit it here.
    let token = curator(&app, "lesy@chomutov.test", &["mestske-lesy-chomutov"]);
    curator(&app, "lesy-form@chomutov.test", &["mestske-lesy-chomutov"]);
    let c = app.client();
    c.login("lesy-form@chomutov.test", PASSWORD).await;
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let (status, page) = c.get_text("/datasets/mestske-lesy-chomutov-dobra").await;
    assert_eq!(status, 200);
    assert!(page.contains("Převzato z jiného katalogu"));
    assert!(!page.contains("/datasets/mestske-lesy-chomutov-dobra/edit"));
    assert_eq!(
        c.get("/datasets/mestske-lesy-chomutov-dobra/edit")
            .await
            .status()
            .as_u16(),
        409
    );
    let (status, _) = transition(
        &app,
        &token,
        "mestske-lesy-chomutov-dobra",
        serde_json::json!({"to": "withdrawn", "reason": "x"}),
    )
    .await;
    assert_eq!(status, 409);
}

#[actix_web::test]
async fn field_limits_hold_for_the_api() {
    let app = TestApp::start().await;
    let token = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    let mut body = dataset_json("prilis-mnoho");
    body["title_cs"] = "T".repeat(501).into();
    body["keywords_cs"] = (0..101).map(|i| format!("k{i}")).collect::<Vec<_>>().into();
    body["documentation_url"] = "javascript:alert(1)".into();
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/datasets"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 422);
    let problem: serde_json::Value = res.json().await.expect("json");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for f in ["title_cs", "keywords_cs", "documentation_url"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert!(
        store::record_by_slug(&mut app.conn(), "prilis-mnoho")
            .expect("q")
            .is_none()
    );
}

#[actix_web::test]
async fn managed_distributions_survive_the_curators_edits() {
    let app = TestApp::start().await;
    let token = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    // An uploaded file, as the files feature will add it.
    let mut file =
        crate::catalog::distribution(crate::catalog::CSV, "text/csv", crate::catalog::CC_BY);
    file.managed_by = Some("file".into());
    file.download_url = Some("http://127.0.0.1/soubory/pasport.csv".into());
    let link = crate::catalog::distribution(crate::catalog::CSV, "text/csv", crate::catalog::CC_BY);
    let rec = crate::catalog::add_distributions(&app, "pasport-zelene", vec![link, file]);
    let managed_id = rec.distributions[1].id.clone();

    let http = reqwest::Client::new();
    let got: serde_json::Value = http
        .get(app.url("/api/v1/datasets/pasport-zelene"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let managed: Vec<bool> = got["distributions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| d["managed"].as_bool().expect("managed"))
        .collect();
    assert_eq!(managed, [false, true]);

    // A PUT with the curator's links only (one, replacing the old link)
    // keeps the file.
    let res = http
        .put(app.url("/api/v1/datasets/pasport-zelene"))
        .bearer_auth(&token)
        .json(&dataset_json("pasport-zelene"))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status().as_u16(), 200);
    let after = store::record_by_slug(&mut app.conn(), "pasport-zelene")
        .expect("q")
        .expect("d");
    let kept: Vec<(&str, bool)> = after
        .distributions
        .iter()
        .map(|d| (d.title_cs.as_str(), d.is_managed()))
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(after.distributions[1].id, managed_id, "the file stayed");
    assert!(!kept[0].1 && kept[1].1);
    assert_eq!(
        after.distributions[0].title_cs,
        dataset_json("pasport-zelene")["distributions"][0]["title_cs"]
    );
    // A PUT cannot take the file over as a link.
    let mut body = dataset_json("pasport-zelene");
    body["distributions"][0]["id"] = managed_id.clone().into();
    let res = http
        .put(app.url("/api/v1/datasets/pasport-zelene"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status().as_u16(), 422);
    let problem: serde_json::Value = res.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "distributions[0].id");

    // The curator's forms neither edit nor delete it, and say why.
    curator(&app, "form@chomutov.test", &["statutarni-mesto-chomutov"]);
    let c = app.client();
    c.login("form@chomutov.test", PASSWORD).await;
    let (status, page) = c.get_text("/datasets/pasport-zelene").await;
    assert_eq!(status, 200);
    assert!(page.contains("spravuje systém"));
    assert!(!page.contains(&format!("/distributions/{managed_id}/edit")));
    let (status, _) = c
        .get_text(&format!(
            "/datasets/pasport-zelene/distributions/{managed_id}/edit"
        ))
        .await;
    assert_eq!(status, 409);
    let csrf = c.csrf("/datasets/pasport-zelene").await;
    let res = c
        .post_form(
            &format!("/datasets/pasport-zelene/distributions/{managed_id}/delete"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status().as_u16(), 409);
    let after = store::record_by_slug(&mut app.conn(), "pasport-zelene")
        .expect("q")
        .expect("d");
    assert_eq!(after.distributions.len(), 2);
}

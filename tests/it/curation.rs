//! The curator's write path as the domain pattern sets it: the lifecycle
//! table, versions (a stale edit is refused and shows what changed), CSRF
//! bound to the session, harvested records read-only and checked by the same
//! validator, public history without personal data.

use radnice::audit::Actor;
use radnice::catalog::store;
use radnice::dcat::harvest::{self, Options};
use serde_json::{Value, json};

use crate::catalog::{add_draft, curator, dataset_json};
use crate::support::{Api, Csrf, PASSWORD, Reply, TestApp};

const ADMIN: &str = "admin@chomutov.test";

async fn transition(api: &Api, slug: &str, body: Value) -> Reply {
    api.post(&format!("/api/v1/datasets/{slug}/transition"), &body)
        .await
}

#[actix_web::test]
async fn the_catalog_lifecycle_moves_only_along_its_table() {
    let app = TestApp::start().await;
    let api = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    let draft = add_draft(&app, "pasport-zelene", "novy-koncept");

    // A draft cannot be withdrawn: the refusal names the one move it has.
    let problem = transition(
        &api,
        "novy-koncept",
        json!({"to": "withdrawn", "reason": "x"}),
    )
    .await
    .expect(409)
    .json();
    assert_eq!(problem["allowed"], json!(["published"]));
    assert_eq!(problem["type"], "about:blank");
    // An unknown state is refused the same way.
    let problem = transition(&api, "novy-koncept", json!({"to": "smazáno"}))
        .await
        .expect(409)
        .json();
    assert_eq!(problem["allowed"], json!(["published"]));

    let body = transition(&api, "novy-koncept", json!({"to": "published"}))
        .await
        .expect(200)
        .json();
    assert_eq!(body["status"], "published");
    app.client()
        .page("/datasets/novy-koncept")
        .await
        .expect(200);
    // A withdrawal says why; without a reason it is a field error.
    let problem = transition(&api, "novy-koncept", json!({"to": "withdrawn"}))
        .await
        .expect(422)
        .json();
    assert_eq!(problem["errors"][0]["field"], "reason");
    // Nor may the reason, which the public reads, be a document.
    transition(
        &api,
        "novy-koncept",
        json!({"to": "withdrawn", "reason": "x".repeat(2_001)}),
    )
    .await
    .expect(422);
    transition(
        &api,
        "novy-koncept",
        json!({"to": "withdrawn", "reason": "Nahrazeno jinou sadou."}),
    )
    .await
    .expect(200);
    app.client()
        .page("/datasets/novy-koncept")
        .await
        .expect(410);
    // A dataset that was out in public is never deleted, only withdrawn or
    // published again.
    let problem = api
        .delete("/api/v1/datasets/novy-koncept")
        .await
        .expect(409)
        .json();
    assert_eq!(problem["allowed"], json!(["published"]));
    transition(&api, "novy-koncept", json!({"to": "published"}))
        .await
        .expect(200);

    // Each move is in the public history as a change of state with its
    // reason.
    let hist = app
        .client()
        .page(&format!("/history/dataset/{}", draft.dataset.id))
        .await;
    for action in ["zveřejnění", "zrušení zveřejnění", "opětovné zveřejnění"] {
        assert_eq!(
            hist.body.matches(&format!("<td>{action}</td>")).count(),
            1,
            "{action}: {}",
            hist.body
        );
    }
    assert!(hist.contains("Nahrazeno jinou sadou."));

    // A draft never published can be deleted, and the deletion is audited
    // with the whole record.
    let other = add_draft(&app, "pasport-zelene", "omylem-zalozena");
    api.delete("/api/v1/datasets/omylem-zalozena")
        .await
        .expect(204);
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
    let api = curator(&app, "api@chomutov.test", &["statutarni-mesto-chomutov"]);
    let editor = app.person(
        "form@chomutov.test",
        &[radnice::auth::Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let c = app.browser_of(&editor).await;
    let form = c.page("/datasets/pasport-zelene/edit").await.expect(200);
    let version = value_of(&form.body, "version");

    // Someone else changes the title meanwhile.
    let mut changed = dataset_json("pasport-zelene");
    changed["title_cs"] = "Pasport zeleně (změněno přes API)".into();
    api.put("/api/v1/datasets/pasport-zelene", &changed)
        .await
        .expect(200);

    let send = |title: &'static str, version: String| {
        let c = &c;
        async move {
            c.submit(
                "/datasets/pasport-zelene/edit",
                &[
                    ("version", &version),
                    ("publisher", "statutarni-mesto-chomutov"),
                    ("title_cs", title),
                    ("description_cs", "Popis z formuláře."),
                    (
                        "themes",
                        "http://publications.europa.eu/resource/authority/data-theme/ENVI",
                    ),
                    (
                        "frequency",
                        "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
                    ),
                    (
                        "spatial",
                        "https://linked.cuzk.cz/resource/ruian/obec/562971",
                    ),
                    ("keywords_cs", "zeleň"),
                ],
            )
            .await
        }
    };
    let page = send("Pasport zeleně z formuláře", version.clone())
        .await
        .expect(409);
    assert!(page.contains("id=\"changed-meanwhile\"") && page.contains("<code>title_cs</code>"));
    // What the user typed is still in the form; nothing was overwritten.
    assert!(page.contains("Pasport zeleně z formuláře"));
    let stored = store::record_by_slug(&mut app.conn(), "pasport-zelene")
        .expect("q")
        .expect("d");
    assert_eq!(stored.dataset.title_cs, "Pasport zeleně (změněno přes API)");
    // Sent again from the form as shown (its version is now the current
    // one), it saves.
    let newer = value_of(&page.body, "version");
    assert_ne!(newer, version);
    send("Pasport zeleně z formuláře", newer).await.expect(303);
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
    let api = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    let etag = api
        .get("/api/v1/datasets/pasport-zelene")
        .await
        .expect(200)
        .header("etag")
        .to_string();
    assert!(etag.starts_with("\"v"), "{etag}");
    let put = |title: &str, if_match: Option<&str>| {
        let mut body = dataset_json("pasport-zelene");
        body["title_cs"] = title.into();
        let mut req = api
            .request(reqwest::Method::PUT, "/api/v1/datasets/pasport-zelene")
            .json(&body);
        if let Some(m) = if_match {
            req = req.header("If-Match", m);
        }
        req.send()
    };
    let newer = put("První změna", Some(&etag))
        .await
        .expect(200)
        .header("etag")
        .to_string();
    assert_ne!(newer, etag);
    // The old tag is stale now: 412, and the first change stands.
    let res = put("Druhá změna", Some(&etag)).await.expect(412);
    assert_eq!(res.header("content-type"), "application/problem+json");
    put("Třetí změna", Some("\"něco jiného\""))
        .await
        .expect(412);
    let stored = store::record_by_slug(&mut app.conn(), "pasport-zelene")
        .expect("q")
        .expect("d");
    assert_eq!(stored.dataset.title_cs, "První změna");
    // Without If-Match the API does not check (a client that does not
    // track versions).
    put("Bez podmínky", None).await.expect(200);
}

#[actix_web::test]
async fn the_csrf_token_is_bound_to_the_session_and_writes_need_a_user_first() {
    let app = TestApp::start().await;
    let admin = app.person(ADMIN, &[radnice::auth::Role::Admin], &[]);
    let alice = app.client();
    let before_login = alice.session_token().await;
    alice.login(ADMIN, PASSWORD).await;
    let mallory = app.browser_of(&admin).await;
    let mallorys = mallory.session_token().await;
    let alices = alice.session_token().await;
    assert_ne!(alices, mallorys, "each session has its own token");
    assert_ne!(alices, before_login, "the token changes with the login");
    // Another session's token, or the visitor token from before the login
    // (which the cookie still holds), do not pass for this session.
    for token in [mallorys, before_login, String::new()] {
        alice
            .submit_with("/account/tokens", &[("name", "t")], Csrf::Token(token))
            .await
            .expect(403);
    }
    alice
        .submit_with(
            "/account/tokens",
            &[("name", "t")],
            Csrf::Token(alices.clone()),
        )
        .await
        .expect(200);
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
    for (path, content_type) in [
        ("/datasets/new", "application/x-www-form-urlencoded"),
        ("/admin/users", "multipart/form-data; boundary=x"),
        ("/api/v1/datasets", "application/json"),
    ] {
        let res = app
            .api()
            .request(reqwest::Method::POST, path)
            .header("Accept", "application/json")
            .body(content_type, "{{{ %%% not a body")
            .send()
            .await;
        assert_eq!(res.status, 401, "{path}");
        assert!(
            !res.contains("title_cs") && !res.contains("missing field"),
            "{}",
            res.body
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
    let api = curator(&app, "lesy@chomutov.test", &["mestske-lesy-chomutov"]);
    let editor = app.person(
        "lesy-form@chomutov.test",
        &[radnice::auth::Role::Curator],
        &["mestske-lesy-chomutov"],
    );
    let c = app.browser_of(&editor).await;
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let page = c
        .page("/datasets/mestske-lesy-chomutov-dobra")
        .await
        .expect(200);
    assert!(page.contains("Převzato z jiného katalogu"));
    assert!(!page.contains("/datasets/mestske-lesy-chomutov-dobra/edit"));
    c.page("/datasets/mestske-lesy-chomutov-dobra/edit")
        .await
        .expect(409);
    transition(
        &api,
        "mestske-lesy-chomutov-dobra",
        json!({"to": "withdrawn", "reason": "x"}),
    )
    .await
    .expect(409);
}

#[actix_web::test]
async fn field_limits_hold_for_the_api() {
    let app = TestApp::start().await;
    let api = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    let mut body = dataset_json("prilis-mnoho");
    body["title_cs"] = "T".repeat(501).into();
    body["keywords_cs"] = (0..101).map(|i| format!("k{i}")).collect::<Vec<_>>().into();
    body["documentation_url"] = "javascript:alert(1)".into();
    let problem = api.post("/api/v1/datasets", &body).await.expect(422).json();
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
    let api = curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    // An uploaded file, as the files feature will add it.
    let mut file =
        crate::catalog::distribution(crate::catalog::CSV, "text/csv", crate::catalog::CC_BY);
    file.managed_by = Some("file".into());
    file.download_url = Some("http://127.0.0.1/soubory/pasport.csv".into());
    let link = crate::catalog::distribution(crate::catalog::CSV, "text/csv", crate::catalog::CC_BY);
    let rec = crate::catalog::add_distributions(&app, "pasport-zelene", vec![link, file]);
    let managed_id = rec.distributions[1].id.clone();

    let got = app
        .api()
        .get("/api/v1/datasets/pasport-zelene")
        .await
        .json();
    let managed: Vec<bool> = got["distributions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| d["managed"].as_bool().expect("managed"))
        .collect();
    assert_eq!(managed, [false, true]);

    // A PUT with the curator's links only (one, replacing the old link)
    // keeps the file.
    api.put(
        "/api/v1/datasets/pasport-zelene",
        &dataset_json("pasport-zelene"),
    )
    .await
    .expect(200);
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
    let problem = api
        .put("/api/v1/datasets/pasport-zelene", &body)
        .await
        .expect(422)
        .json();
    assert_eq!(problem["errors"][0]["field"], "distributions[0].id");

    // The curator's forms neither edit nor delete it, and say why.
    let editor = app.person(
        "form@chomutov.test",
        &[radnice::auth::Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let c = app.browser_of(&editor).await;
    let page = c.page("/datasets/pasport-zelene").await.expect(200);
    assert!(page.contains("spravuje systém"));
    assert!(!page.contains(&format!("/distributions/{managed_id}/edit")));
    c.page(&format!(
        "/datasets/pasport-zelene/distributions/{managed_id}/edit"
    ))
    .await
    .expect(409);
    c.submit(
        &format!("/datasets/pasport-zelene/distributions/{managed_id}/delete"),
        &[],
    )
    .await
    .expect(409);
    let after = store::record_by_slug(&mut app.conn(), "pasport-zelene")
        .expect("q")
        .expect("d");
    assert_eq!(after.distributions.len(), 2);
}

/// Each form's end says what happened, once; withdrawing is named as what
/// it does and asks for the reason in the same form; a withdrawn dataset's
/// curator publishes it again from its page while the public gets 410.
#[actix_web::test]
async fn a_curator_is_told_what_happened_and_can_publish_a_withdrawn_dataset_again() {
    let app = TestApp::start().await;
    let editor = app.person(
        "kurator@chomutov.test",
        &[radnice::auth::Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let c = app.browser_of(&editor).await;
    let page = c.page("/datasets/pasport-zelene").await.expect(200);
    assert!(
        page.contains("Zrušit zveřejnění…"),
        "the action says what it does"
    );
    let actions = &page.body[page.body.find("curator-actions").expect("actions")..];
    let actions = &actions[..actions.find("</section>").expect("end")];
    assert!(
        !actions.contains(">Stáhnout"),
        "Stáhnout is for downloads only"
    );
    assert!(page.contains("name=\"reason\"") && page.contains("Ano, zrušit zveřejnění"));

    let res = c
        .submit(
            "/datasets/pasport-zelene/transition",
            &[
                ("to", "withdrawn"),
                ("reason", "Nahrazeno novým pasportem."),
            ],
        )
        .await
        .expect(303);
    assert!(
        res.header("set-cookie")
            .starts_with("radnice_flash=flash_withdrawn")
    );
    // The curator's next page says so, once.
    let page = c.page("/datasets/pasport-zelene").await.expect(200);
    assert!(page.contains("Zveřejnění je zrušené."), "{}", page.body);
    assert!(page.contains("Nahrazeno novým pasportem."));
    assert!(
        page.contains("value=\"published\""),
        "the move back is offered"
    );
    let again = c.page("/datasets/pasport-zelene").await.expect(200);
    assert!(!again.contains("Zveřejnění je zrušené."), "shown once");
    // The public reads the reason at the same address.
    let public = app
        .client()
        .page("/datasets/pasport-zelene")
        .await
        .expect(410);
    assert!(public.contains("Nahrazeno novým pasportem."));

    c.submit(
        "/datasets/pasport-zelene/transition",
        &[("to", "published")],
    )
    .await
    .expect(303);
    let page = c.page("/datasets/pasport-zelene").await.expect(200);
    assert!(page.contains("Datová sada je zveřejněná."));
    app.client()
        .page("/datasets/pasport-zelene")
        .await
        .expect(200);
    // A forged message cookie names nothing but a message.
    let res = c
        .http
        .get(c.url("/datasets"))
        .header("Cookie", "radnice_flash=dataset_withdraw_explain")
        .send()
        .await
        .expect("GET");
    let body = res.text().await.expect("body");
    assert!(!body.contains("id=\"flash\""));
}

/// A curator starts at "Moje práce": the publisher's datasets in every
/// state with the next step each has; another publisher's are not there;
/// the working group reads what it will do here, not "access denied".
#[actix_web::test]
async fn my_work_lists_the_curators_own_datasets_in_every_state() {
    let app = TestApp::start().await;
    add_draft(&app, "hriste", "koncept-hriste");
    let editor = app.person(
        "kurator@chomutov.test",
        &[radnice::auth::Role::Curator],
        &["technicke-sluzby-mesta-chomutova"],
    );
    let c = app.client();
    // Signing in without a page to return to leads to the work page.
    let res = c.try_login(&editor.email, PASSWORD).await.expect(303);
    assert_eq!(res.location(), "/work");
    let work = c.page("/work").await.expect(200);
    assert!(work.contains("Moje datové sady (2)"), "{}", work.body);
    assert!(work.contains("href=\"/datasets/verejne-osvetleni\""));
    assert!(
        !work.contains("koncept-hriste"),
        "another publisher's draft"
    );

    let city = app.person(
        "mesto@chomutov.test",
        &[radnice::auth::Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let c = app.browser_of(&city).await;
    c.submit(
        "/datasets/pasport-zelene/transition",
        &[("to", "withdrawn"), ("reason", "Přepracovává se.")],
    )
    .await
    .expect(303);
    let work = c.page("/work").await.expect(200);
    // Six examples, the strategy's three, two drafts and a withdrawn one.
    assert!(work.contains("Moje datové sady (12)"), "{}", work.body);
    let row = |slug: &str| {
        let at = work
            .body
            .find(&format!("<a href=\"/datasets/{slug}\">"))
            .expect(slug);
        work.body[at..at + work.body[at..].find("</tr>").expect("row end")].to_string()
    };
    assert!(
        row("pasport-zelene").contains("zveřejnění zrušeno")
            && row("pasport-zelene").contains("Zveřejnit znovu")
    );
    assert!(
        row("koncept-hriste").contains("koncept")
            && row("koncept-hriste").contains("Zkontrolovat a zveřejnit")
    );
    assert!(
        row("parkoviste").contains("zveřejněno")
            && row("parkoviste").contains("/datasets/parkoviste/edit")
    );
    // The newest change first.
    let first = work.body.find("<tbody>").expect("table");
    assert!(work.body[first..].find("pasport-zelene") < work.body[first..].find("parkoviste"));

    let wg = app
        .signed_in("ps@chomutov.test", &[radnice::auth::Role::WorkingGroup])
        .await;
    let work = wg.page("/work").await.expect(200);
    assert!(work.contains("Zatím vám správce nepřidělil žádný projekt ani ukazatel."));
    assert!(!work.contains("Moje datové sady"));
    app.client().page("/work").await.expect(303);
}

/// The seed's example mark: its "no data yet" notice never stands above a
/// download button, and a curator takes the mark off once there is data,
/// not before.
#[actix_web::test]
async fn a_curator_takes_the_example_mark_off_once_there_is_data() {
    let app = TestApp::start().await;
    let editor = app.person(
        "kurator@chomutov.test",
        &[radnice::auth::Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let c = app.browser_of(&editor).await;
    // Without distributions the notice says there is no data (every seed
    // dataset has an example file or layer: a copy without them).
    crate::catalog::copy_dataset(
        &app,
        "uzemni-plan",
        "regulacni-plan",
        radnice::catalog::model::DatasetStatus::Published,
    );
    crate::catalog::add_distributions(&app, "regulacni-plan", Vec::new());
    let page = c.page("/datasets/regulacni-plan").await.expect(200);
    assert!(page.contains("Data k ní zatím nejsou zveřejněna."));
    // Only the seed's example file: the notice says what it is, and the
    // mark cannot go.
    let page = c.page("/datasets/hriste").await.expect(200);
    assert!(page.contains("soubory označené jako ukázková data nejsou data města"));
    assert!(!page.contains("/datasets/hriste/unmark-example"));
    c.submit("/datasets/hriste/unmark-example", &[])
        .await
        .expect(409);

    crate::catalog::add_distributions(
        &app,
        "hriste",
        vec![crate::catalog::distribution(
            crate::catalog::CSV,
            "text/csv",
            crate::catalog::CC_BY,
        )],
    );
    let page = c.page("/datasets/hriste").await.expect(200);
    assert!(
        !page.contains("Data k ní zatím nejsou zveřejněna."),
        "not above a download"
    );
    assert!(page.contains("Odebrat označení ukázky"));
    c.submit("/datasets/hriste/unmark-example", &[])
        .await
        .expect(303);
    let page = c.page("/datasets/hriste").await.expect(200);
    assert!(page.contains("Označení ukázky je odebrané."));
    assert!(!page.contains("Ukázková datová sada"));
    let rec = store::record_by_slug(&mut app.conn(), "hriste")
        .expect("q")
        .expect("d");
    assert!(!rec.dataset.is_example);
    // The change is in the public history.
    let hist = app
        .client()
        .page(&format!("/history/dataset/{}", rec.dataset.id))
        .await
        .expect(200);
    assert!(hist.contains("<td>Kurátor dat</td>"));
}

/// A new dataset without an address takes one made of its title; a second
/// of the same title gets the next free one.
#[actix_web::test]
async fn a_dataset_without_a_slug_takes_one_made_of_its_title() {
    let app = TestApp::start().await;
    let editor = app.person(
        "kurator@chomutov.test",
        &[radnice::auth::Role::Curator],
        &["statutarni-mesto-chomutov"],
    );
    let c = app.browser_of(&editor).await;
    let fields = [
        ("publisher", "statutarni-mesto-chomutov"),
        ("title_cs", "Lavičky v městských parcích"),
        ("description_cs", "Umístění laviček."),
        (
            "themes",
            "http://publications.europa.eu/resource/authority/data-theme/REGI",
        ),
        (
            "frequency",
            "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
        ),
        (
            "spatial",
            "https://linked.cuzk.cz/resource/ruian/obec/562971",
        ),
        ("keywords_cs", "lavičky"),
    ];
    let res = c.submit("/datasets/new", &fields).await.expect(303);
    assert_eq!(res.location(), "/datasets/lavicky-v-mestskych-parcich");
    let res = c.submit("/datasets/new", &fields).await.expect(303);
    assert_eq!(res.location(), "/datasets/lavicky-v-mestskych-parcich-2");
    assert!(
        c.page("/datasets/new")
            .await
            .contains("src=\"/static/slug.js\"")
    );
}

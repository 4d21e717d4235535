use radnice::auth::Role;

use crate::support::{Client, PASSWORD, TestApp, csrf_from};

#[actix_web::test]
async fn admin_logs_in_creates_a_user_who_can_log_in_and_out() {
    let app = TestApp::start().await;
    app.add_user("admin@chomutov.test", PASSWORD, &[Role::Admin]);
    let admin = app.client();
    admin.login("admin@chomutov.test", PASSWORD).await;

    let token = admin.csrf("/admin/users").await;
    let res = admin
        .post_form(
            "/admin/users",
            &[
                ("csrf_token", &token),
                ("email", "Pracovnik@Chomutov.test"),
                ("display_name", "Jana Nováková"),
                ("password", "dlouhe-heslo-123"),
                ("roles", "working_group"),
                ("roles", "curator"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let (_, list) = admin.get_text("/admin/users").await;
    assert!(
        list.contains("pracovnik@chomutov.test"),
        "e-mail is stored lower-case"
    );
    // The admin makes the user a curator of the zoo.
    let id = radnice::auth::store::find_by_email(&mut app.conn(), "pracovnik@chomutov.test")
        .expect("q")
        .expect("u")
        .id;
    let token = admin.csrf(&format!("/admin/users/{id}")).await;
    let res = admin
        .post_form(
            &format!("/admin/users/{id}"),
            &[
                ("csrf_token", &token),
                ("display_name", "Jana Nováková"),
                ("roles", "working_group"),
                ("roles", "curator"),
                ("publishers", "zoopark-chomutov"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        radnice::auth::store::publishers_of(&mut app.conn(), &id).expect("p"),
        ["zoopark-chomutov"]
    );
    let res = admin
        .post_form(
            &format!("/admin/users/{id}"),
            &[
                ("csrf_token", &token),
                ("display_name", "Jana"),
                ("roles", "curator"),
                ("publishers", "nikdo"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("Neznámý poskytovatel.")
    );
    assert!(list.contains("Pracovní skupina") && list.contains("Kurátor dat"));

    let user = app.client();
    user.login("pracovnik@chomutov.test", "dlouhe-heslo-123")
        .await;
    let (status, account) = user.get_text("/account").await;
    assert_eq!(status, 200);
    assert!(account.contains("Jana Nováková"));
    // Not an admin: the user list is forbidden.
    assert_eq!(user.get("/admin/users").await.status().as_u16(), 403);

    let token = csrf_from(&account).expect("csrf");
    let res = user.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(res.status().as_u16(), 303);
    // After logout the account page sends the browser to the login page.
    let res = user.get("/account").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2Faccount");
}

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_account_look_the_same() {
    let app = TestApp::start().await;
    app.add_user("a@chomutov.test", PASSWORD, &[Role::Curator]);
    let c = app.client();
    let token = c.csrf("/login").await;
    let wrong_pw = c
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "a@chomutov.test"),
                ("password", "nope-nope-nope"),
            ],
        )
        .await;
    assert_eq!(wrong_pw.status().as_u16(), 401);
    let body_a = wrong_pw.text().await.expect("body");
    let no_user = c
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "b@chomutov.test"),
                ("password", "nope-nope-nope"),
            ],
        )
        .await;
    assert_eq!(no_user.status().as_u16(), 401);
    let body_b = no_user.text().await.expect("body");
    assert!(body_a.contains("Přihlášení se nezdařilo. Zkontrolujte e-mail a heslo."));
    let strip = |s: &str| {
        s.replace("a@chomutov.test", "")
            .replace("b@chomutov.test", "")
    };
    assert_eq!(
        strip(&body_a),
        strip(&body_b),
        "no hint which part was wrong"
    );
}

#[actix_web::test]
async fn five_failures_a_minute_then_429_even_with_the_right_password() {
    let app = TestApp::start().await;
    app.add_user("t@chomutov.test", PASSWORD, &[Role::Curator]);
    let c = app.client();
    let token = c.csrf("/login").await;
    for _ in 0..5 {
        let res = c
            .post_form(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("email", "t@chomutov.test"),
                    ("password", "wrong-password"),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 401);
    }
    let res = c
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "T@chomutov.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // Another account from the same address is not affected.
    app.add_user("u@chomutov.test", PASSWORD, &[Role::Curator]);
    c.login("u@chomutov.test", PASSWORD).await;
}

#[actix_web::test]
async fn a_form_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::start().await;
    app.add_user("admin@chomutov.test", PASSWORD, &[Role::Admin]);
    let c = app.client();
    c.login("admin@chomutov.test", PASSWORD).await;
    for token in [
        "",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let res = c
            .post_form(
                "/admin/users",
                &[
                    ("csrf_token", token),
                    ("email", "x@chomutov.test"),
                    ("display_name", "X"),
                    ("password", "dlouhe-heslo-123"),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 403);
        let body = res.text().await.expect("body");
        assert!(body.contains("Formulář vypršel"), "{body}");
    }
    let (_, list) = c.get_text("/admin/users").await;
    assert!(!list.contains("x@chomutov.test"));
}

#[actix_web::test]
async fn session_and_csrf_cookies_are_httponly_lax_and_secure_on_https() {
    // The test app's base URL is https://data.example.cz.
    let app = TestApp::start().await;
    app.add_user("c@chomutov.test", PASSWORD, &[Role::Curator]);
    let c = app.client();
    let res = c.get("/login").await;
    let csrf_cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        csrf_cookie.contains("HttpOnly")
            && csrf_cookie.contains("SameSite=Lax")
            && csrf_cookie.contains("Secure")
    );
    let token = csrf_from(&res.text().await.expect("body")).expect("csrf");
    let res = c
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "c@chomutov.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("radnice_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
            && session.contains("Secure"),
        "{session}"
    );
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .expect("ascii")
            .contains("max-age="),
        "HSTS when the base URL is https"
    );
}

#[actix_web::test]
async fn api_tokens_are_shown_once_stored_hashed_and_revocable() {
    let app = TestApp::start().await;
    let admin = app.add_user("admin@chomutov.test", PASSWORD, &[Role::Admin]);
    let c = app.client();
    c.login("admin@chomutov.test", PASSWORD).await;
    let token = c.csrf("/account").await;
    let res = c
        .post_form(
            "/account/tokens",
            &[("csrf_token", &token), ("name", "skript")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.expect("body");
    let start = html.find("value=\"rdn_").expect("token shown") + "value=\"".len();
    let secret = html[start..start + 68].to_string();
    // Shown only once.
    let (_, again) = c.get_text("/account").await;
    assert!(!again.contains(&secret));
    // Only the hash is stored.
    use diesel::prelude::*;
    use radnice::db::schema::api_tokens;
    let stored: Vec<String> = api_tokens::table
        .select(api_tokens::token_hash)
        .load(&mut *app.conn())
        .expect("load");
    assert!(!stored.contains(&secret));
    assert!(stored.contains(&radnice::auth::sha256_hex(&secret)));

    let http = reqwest::Client::new();
    let me = http
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status().as_u16(), 200);
    let me: serde_json::Value = me.json().await.expect("json");
    assert_eq!(me["email"], "admin@chomutov.test");
    // The account page now shows when it was last used.
    let (_, page) = c.get_text("/account").await;
    assert!(!page.contains("<td>—</td>"), "last-used time is recorded");

    // Revoke it; it stops working at once.
    let tokens = radnice::auth::store::tokens_of(&mut app.conn(), &admin.id).expect("tokens");
    let csrf = c.csrf("/account").await;
    let res = c
        .post_form(
            &format!("/account/tokens/{}/revoke", tokens[0].id),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let me = http
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status().as_u16(), 401);
    assert_eq!(me.headers()["content-type"], "application/problem+json");
}

#[actix_web::test]
async fn a_disabled_user_cannot_log_in_and_loses_his_session() {
    let app = TestApp::start().await;
    app.add_user("admin@chomutov.test", PASSWORD, &[Role::Admin]);
    let victim = app.add_user("v@chomutov.test", PASSWORD, &[Role::Curator]);
    let v = app.client();
    v.login("v@chomutov.test", PASSWORD).await;
    let admin = app.client();
    admin.login("admin@chomutov.test", PASSWORD).await;
    let token = admin.csrf(&format!("/admin/users/{}", victim.id)).await;
    let res = admin
        .post_form(
            &format!("/admin/users/{}", victim.id),
            &[
                ("csrf_token", &token),
                ("display_name", "V"),
                ("roles", "curator"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        v.get("/account").await.status().as_u16(),
        303,
        "session ended"
    );
    let c = app.client();
    let token = c.csrf("/login").await;
    let res = c
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "v@chomutov.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 401);
}

#[actix_web::test]
async fn an_admin_cannot_remove_his_own_admin_role() {
    let app = TestApp::start().await;
    let me = app.add_user("admin@chomutov.test", PASSWORD, &[Role::Admin]);
    let c = app.client();
    c.login("admin@chomutov.test", PASSWORD).await;
    let token = c.csrf(&format!("/admin/users/{}", me.id)).await;
    let res = c
        .post_form(
            &format!("/admin/users/{}", me.id),
            &[
                ("csrf_token", &token),
                ("display_name", "A"),
                ("roles", "curator"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
    let roles = radnice::auth::store::roles_of(&mut app.conn(), &me.id).expect("roles");
    assert_eq!(roles, vec![Role::Admin]);
}

#[actix_web::test]
async fn user_form_errors_are_per_field_and_nothing_is_stored() {
    let app = TestApp::start().await;
    app.add_user("admin@chomutov.test", PASSWORD, &[Role::Admin]);
    let c = app.client();
    c.login("admin@chomutov.test", PASSWORD).await;
    let token = c.csrf("/admin/users").await;
    let res = c
        .post_form(
            "/admin/users",
            &[
                ("csrf_token", &token),
                ("email", "not-an-email"),
                ("display_name", ""),
                ("password", "short"),
                ("roles", "mayor"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.expect("body");
    for msg in [
        "Zadejte platnou e-mailovou adresu.",
        "Zadejte jméno",
        "Heslo musí mít alespoň 10 znaků.",
        "Neznámá role.",
    ] {
        assert!(html.contains(msg), "missing {msg}");
    }
    assert!(
        html.contains("value=\"not-an-email\""),
        "the form keeps what was typed"
    );
    let users = radnice::auth::store::list_users(&mut app.conn()).expect("users");
    assert_eq!(users.len(), 1);

    // The same e-mail twice: a field error, not a 500.
    let res = c
        .post_form(
            "/admin/users",
            &[
                ("csrf_token", &token),
                ("email", "ADMIN@chomutov.test"),
                ("display_name", "A"),
                ("password", "dlouhe-heslo-123"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("Uživatel s tímto e-mailem už existuje.")
    );
}

/// A write route: label, path, form fields, expected status.
type Case = (&'static str, String, Vec<(&'static str, String)>, u16);

/// Every write route x every role (and anonymous) -> the expected status.
#[actix_web::test]
async fn write_routes_by_role_matrix() {
    let app = TestApp::start().await;
    let target = app.add_user("target@chomutov.test", PASSWORD, &[Role::Curator]);
    let roles: [(&str, Option<Role>); 5] = [
        ("anonymous", None),
        ("admin", Some(Role::Admin)),
        ("curator", Some(Role::Curator)),
        ("working_group", Some(Role::WorkingGroup)),
        ("steering_committee", Some(Role::SteeringCommittee)),
    ];
    // One distribution per role to edit and delete.
    let dist_ids: Vec<String> = crate::catalog::add_distributions(
        &app,
        "parkoviste",
        roles
            .iter()
            .map(|_| {
                crate::catalog::distribution(crate::catalog::CSV, "text/csv", crate::catalog::CC_BY)
            })
            .collect(),
    )
    .distributions
    .into_iter()
    .map(|d| d.id)
    .collect();
    // Drafts to publish: only the admin may, once each.
    crate::catalog::add_draft(&app, "hriste", "koncept-formular");
    crate::catalog::add_draft(&app, "hriste", "koncept-api");
    crate::catalog::add_draft(&app, "hriste", "koncept-prechod");
    for i in 0..5 {
        crate::catalog::add_draft(&app, "hriste", &format!("koncept-smazat-{i}"));
        crate::catalog::add_draft(&app, "hriste", &format!("koncept-api-smazat-{i}"));
    }
    crate::catalog::add_draft(&app, "hriste", "koncept-api-prechod");
    let mut failures = Vec::new();
    let mut covered = std::collections::BTreeSet::new();
    let version = |app: &TestApp| radnice::db::data_version(&mut app.conn()).expect("version");
    for (i, (name, role)) in roles.iter().enumerate() {
        let email = format!("{name}@chomutov.test");
        let client = app.client();
        let mut bearer = None;
        let mut own_token_id = "none".to_string();
        if let Some(role) = role {
            let u = app.add_user(&email, PASSWORD, &[*role]);
            client.login(&email, PASSWORD).await;
            bearer = Some(app.add_token(&u.id));
            let (to_revoke, _) = radnice::auth::store::create_token(
                &mut app.conn(),
                &radnice::audit::Actor::system("test"),
                &u.id,
                "revoke-me",
            )
            .expect("token");
            own_token_id = to_revoke.id;
        }
        let is_admin = *role == Some(Role::Admin);
        let signed_in = role.is_some();
        let expect = |admin_only: bool, ok: u16| -> u16 {
            match (signed_in, admin_only, is_admin) {
                (false, _, _) => 401,
                (true, true, false) => 403,
                _ => ok,
            }
        };
        let csrf = client.csrf("/login").await;
        let new_email = format!("new{i}@chomutov.test");
        let cases: Vec<Case> = vec![
            (
                "POST /admin/users",
                "/admin/users".into(),
                vec![
                    ("email", new_email.clone()),
                    ("display_name", "N".into()),
                    ("password", "dlouhe-heslo-123".into()),
                    ("roles", "curator".into()),
                ],
                expect(true, 303),
            ),
            (
                "POST /admin/users/{id}",
                format!("/admin/users/{}", target.id),
                vec![
                    ("display_name", format!("T{i}")),
                    ("roles", "curator".into()),
                    ("active", "1".into()),
                ],
                expect(true, 303),
            ),
            (
                "POST /account/tokens",
                "/account/tokens".into(),
                vec![("name", "t".into())],
                expect(false, 200),
            ),
            (
                "POST /account/tokens/{id}/revoke",
                format!("/account/tokens/{own_token_id}/revoke"),
                vec![],
                expect(false, 303),
            ),
            (
                "POST /account/password",
                "/account/password".into(),
                vec![
                    ("current_password", PASSWORD.into()),
                    ("new_password", PASSWORD.into()),
                ],
                expect(false, 303),
            ),
            (
                "POST /datasets/new",
                "/datasets/new".into(),
                vec![
                    ("slug", format!("formular-{i}")),
                    ("publisher", "statutarni-mesto-chomutov".into()),
                    ("title_cs", "T".into()),
                    ("description_cs", "D".into()),
                    ("themes", "http://publications.europa.eu/resource/authority/data-theme/GOVE".into()),
                    ("frequency", "http://publications.europa.eu/resource/authority/frequency/ANNUAL".into()),
                    ("spatial", "https://linked.cuzk.cz/resource/ruian/obec/562971".into()),
                    ("keywords_cs", "k".into()),
                ],
                expect(true, 303),
            ),
            (
                "POST /datasets/{slug}/edit",
                "/datasets/pasport-zelene/edit".into(),
                vec![
                    ("publisher", "statutarni-mesto-chomutov".into()),
                    ("title_cs", format!("Pasport zeleně {i}")),
                    ("description_cs", "D".into()),
                    ("themes", "http://publications.europa.eu/resource/authority/data-theme/ENVI".into()),
                    ("frequency", "http://publications.europa.eu/resource/authority/frequency/ANNUAL".into()),
                    ("spatial", "https://linked.cuzk.cz/resource/ruian/obec/562971".into()),
                    ("keywords_cs", "zeleň".into()),
                ],
                expect(true, 303),
            ),
            (
                "POST /datasets/{slug}/distributions/new",
                "/datasets/pasport-zelene/distributions/new".into(),
                vec![
                    ("title_cs", "CSV".into()),
                    ("download_url", "https://data.example.cz/a.csv".into()),
                    ("format", "http://publications.europa.eu/resource/authority/file-type/CSV".into()),
                    ("author_work", "https://data.gov.cz/podmínky-užití/neobsahuje-autorská-díla/".into()),
                    ("db_author_work", "https://data.gov.cz/podmínky-užití/není-autorskoprávně-chráněnou-databází/".into()),
                    ("db_sui_generis", "https://data.gov.cz/podmínky-užití/není-chráněna-zvláštním-právem-pořizovatele-databáze/".into()),
                    ("personal_data", "https://data.gov.cz/podmínky-užití/neobsahuje-osobní-údaje/".into()),
                ],
                expect(true, 303),
            ),
            (
                "POST /datasets/{slug}/distributions/{id}/edit",
                format!("/datasets/parkoviste/distributions/{}/edit", dist_ids[i]),
                vec![
                    ("title_cs", "CSV upravené".into()),
                    ("download_url", "https://data.example.cz/b.csv".into()),
                    ("format", "http://publications.europa.eu/resource/authority/file-type/CSV".into()),
                    ("author_work", "https://data.gov.cz/podmínky-užití/neobsahuje-autorská-díla/".into()),
                    ("db_author_work", "https://data.gov.cz/podmínky-užití/není-autorskoprávně-chráněnou-databází/".into()),
                    ("db_sui_generis", "https://data.gov.cz/podmínky-užití/není-chráněna-zvláštním-právem-pořizovatele-databáze/".into()),
                    ("personal_data", "https://data.gov.cz/podmínky-užití/neobsahuje-osobní-údaje/".into()),
                ],
                expect(true, 303),
            ),
            (
                "POST /datasets/{slug}/distributions/{id}/delete",
                format!("/datasets/parkoviste/distributions/{}/delete", dist_ids[i]),
                vec![],
                expect(true, 303),
            ),
            ("POST /datasets/{slug}/publish", "/datasets/koncept-formular/publish".into(), vec![], expect(true, 303)),
            (
                "POST /datasets/{slug}/withdraw",
                "/datasets/verejne-osvetleni/withdraw".into(),
                vec![("reason", "test".into())],
                expect(true, 303),
            ),
            (
                "POST /datasets/{slug}/transition",
                "/datasets/koncept-prechod/transition".into(),
                vec![("to", "published".into())],
                expect(true, 303),
            ),
            (
                "POST /datasets/{slug}/delete",
                format!("/datasets/koncept-smazat-{i}/delete"),
                vec![],
                expect(true, 303),
            ),
            ("POST /logout", "/logout".into(), vec![], expect(false, 303)),
        ];
        // The harvest page's form is multipart, its token the first part.
        {
            covered.insert("POST /harvest");
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", csrf.clone())
                .text("publisher", "statutarni-mesto-chomutov")
                .text("location", "ftp://nelze.example.cz/katalog.ttl");
            let before = version(&app);
            let got = client
                .http
                .post(client.url("/harvest"))
                .multipart(form)
                .send()
                .await
                .expect("harvest")
                .status()
                .as_u16();
            // Allowed, the bad address is a form error; refused, 401/403.
            let want = expect(true, 422);
            if got != want || version(&app) != before {
                failures.push(format!(
                    "POST /harvest as {name}: expected {want}, got {got}"
                ));
            }
            for (label, path, mut fields, want) in cases {
                covered.insert(label);
                let refused = matches!(want, 401 | 403);
                // Without the token, nobody's write passes, and nothing changes.
                if signed_in {
                    let pairs: Vec<(&str, &str)> =
                        fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let before = version(&app);
                    let got = client.post_form(&path, &pairs).await.status().as_u16();
                    if got != 403 || version(&app) != before {
                        failures.push(format!("{label} as {name} without CSRF: got {got}"));
                    }
                }
                fields.push(("csrf_token", csrf.clone()));
                let pairs: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let before = version(&app);
                let got = client.post_form(&path, &pairs).await.status().as_u16();
                if got != want {
                    failures.push(format!("{label} as {name}: expected {want}, got {got}"));
                }
                if refused && version(&app) != before {
                    failures.push(format!("{label} as {name}: refused, yet data changed"));
                }
            }
        }
        // The JSON API write, with a bearer token.
        let mut req = reqwest::Client::new().post(app.url("/api/v1/users")).json(&serde_json::json!({
            "email": format!("api{i}@chomutov.test"), "display_name": "A", "password": "dlouhe-heslo-123", "roles": ["curator"]
        }));
        if let Some(b) = &bearer {
            req = req.bearer_auth(b);
        }
        covered.insert("POST /api/v1/users");
        let before = version(&app);
        let got = req.send().await.expect("api").status().as_u16();
        let want = expect(true, 201);
        if got != want || (want >= 400 && version(&app) != before) {
            failures.push(format!(
                "POST /api/v1/users as {name}: expected {want}, got {got}"
            ));
        }
        // Dataset writes: admins, and curators of the publisher (this curator
        // acts for none, so 403 like the other roles).
        let delete_path = format!("/api/v1/datasets/koncept-api-smazat-{i}");
        let mut edited = crate::catalog::dataset_json("parkoviste");
        edited["title_cs"] = format!("Parkoviště {i}").into();
        let dataset_writes: [(&str, reqwest::Method, &str, Option<serde_json::Value>, u16); 6] = [
            (
                "POST /api/v1/datasets",
                reqwest::Method::POST,
                "/api/v1/datasets",
                Some(serde_json::json!({
                    "slug": format!("matice-{i}"), "publisher": "statutarni-mesto-chomutov",
                    "title_cs": "T", "description_cs": "D",
                    "themes": ["http://publications.europa.eu/resource/authority/data-theme/GOVE"],
                    "frequency": "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
                    "spatial": "https://linked.cuzk.cz/resource/ruian/obec/562971",
                    "keywords_cs": ["k"]
                })),
                expect(true, 201),
            ),
            (
                "PUT /api/v1/datasets/{slug}",
                reqwest::Method::PUT,
                "/api/v1/datasets/parkoviste",
                Some(edited),
                expect(true, 200),
            ),
            (
                "DELETE /api/v1/datasets/{slug}",
                reqwest::Method::DELETE,
                &delete_path,
                None,
                expect(true, 204),
            ),
            (
                "POST /api/v1/datasets/{slug}/transition",
                reqwest::Method::POST,
                "/api/v1/datasets/koncept-api-prechod/transition",
                Some(serde_json::json!({"to": "published"})),
                expect(true, 200),
            ),
            (
                "POST /api/v1/datasets/{slug}/publish",
                reqwest::Method::POST,
                "/api/v1/datasets/koncept-api/publish",
                None,
                expect(true, 200),
            ),
            (
                "POST /api/v1/datasets/{slug}/withdraw",
                reqwest::Method::POST,
                "/api/v1/datasets/parkoviste/withdraw",
                Some(serde_json::json!({"reason": "test"})),
                expect(true, 200),
            ),
        ];
        for (label, method, path, body, want) in dataset_writes {
            covered.insert(label);
            let before = version(&app);
            let mut req = reqwest::Client::new().request(method, app.url(path));
            if let Some(b) = &body {
                req = req.json(b);
            }
            if let Some(b) = &bearer {
                req = req.bearer_auth(b);
            }
            let got = req.send().await.expect("api").status().as_u16();
            if got != want {
                failures.push(format!("{label} as {name}: expected {want}, got {got}"));
            }
            if want >= 400 && version(&app) != before {
                failures.push(format!("{label} as {name}: refused, yet data changed"));
            }
        }
    }
    // Every unsafe route of the route table is in this table.
    let table = std::fs::read_to_string(crate::support::manifest_dir().join("src/routes.rs"))
        .expect("route table");
    let writes = table.matches(".post(").count()
        + table.matches(".put(").count()
        + table.matches(".delete(").count();
    // The login (anonymous by design, CSRF-checked in its own test) and
    // the SPARQL endpoint (a query) are the two unsafe-method routes that
    // are not writes.
    assert_eq!(
        covered.len(),
        writes - 2,
        "the route table has {writes} unsafe routes; this table covers {covered:?}"
    );
    assert!(
        failures.is_empty(),
        "authorisation matrix:\n{}",
        failures.join("\n")
    );
}

#[actix_web::test]
async fn the_json_api_refuses_cookie_sessions_for_writes() {
    let app = TestApp::start().await;
    app.add_user("admin@chomutov.test", PASSWORD, &[Role::Admin]);
    let c: Client = app.client();
    c.login("admin@chomutov.test", PASSWORD).await;
    let res = c
        .http
        .post(c.url("/api/v1/users"))
        .json(&serde_json::json!({"email": "z@chomutov.test", "display_name": "Z", "password": "dlouhe-heslo-123"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 401);
}

#[actix_web::test]
async fn api_validation_errors_name_the_fields() {
    let app = TestApp::start().await;
    let admin = app.add_user("admin@chomutov.test", PASSWORD, &[Role::Admin]);
    let token = app.add_token(&admin.id);
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .header("Cookie", "radnice_lang=en")
        .json(&serde_json::json!({"email": "bad", "display_name": "B", "password": "x"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 422);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.expect("json");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("f"))
        .collect();
    assert_eq!(fields, ["email", "password"]);
    assert_eq!(body["errors"][0]["detail"], "Enter a valid e-mail address.");
}

#[actix_web::test]
async fn the_admin_reads_sign_ins_failures_and_token_changes_in_the_security_log() {
    let app = TestApp::start().await;
    app.add_user("admin@chomutov.test", PASSWORD, &[Role::Admin]);
    app.add_user("kurator@chomutov.test", PASSWORD, &[Role::Curator]);
    // A wrong password, then the right one, a token, a sign-out.
    let k = app.client();
    let csrf = k.csrf("/login").await;
    let res = k
        .post_form(
            "/login",
            &[
                ("csrf_token", &csrf),
                ("email", "kurator@chomutov.test"),
                ("password", "spatne-heslo-123"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 401);
    k.login("kurator@chomutov.test", PASSWORD).await;
    let csrf = k.csrf("/account").await;
    let res = k
        .post_form(
            "/account/tokens",
            &[("csrf_token", &csrf), ("name", "skript")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let res = k.post_form("/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(res.status().as_u16(), 303);

    let admin = app.client();
    admin.login("admin@chomutov.test", PASSWORD).await;
    let (status, page) = admin
        .get_text("/admin/security?account=kurator%40chomutov.test")
        .await;
    assert_eq!(status, 200);
    for event in [
        "neúspěšné přihlášení",
        "wrong password",
        "přihlášení",
        "vytvoření tokenu",
        "skript",
        "odhlášení",
    ] {
        assert!(
            page.contains(&format!("<td>{event}</td>")),
            "{event} missing"
        );
    }
    assert!(!page.contains("spatne-heslo-123"), "no password in the log");
    let (_, only_failures) = admin.get_text("/admin/security?kind=login_failed").await;
    assert!(only_failures.contains("<td>neúspěšné přihlášení</td>"));
    assert!(!only_failures.contains("<td>vytvoření tokenu</td>"));
    // Only the admin reads it.
    let k = app.client();
    k.login("kurator@chomutov.test", PASSWORD).await;
    assert_eq!(k.get("/admin/security").await.status().as_u16(), 403);
    assert_eq!(
        app.client().get("/admin/security").await.status().as_u16(),
        303
    );
}

use radnice::auth::Role;

use crate::support::{Csrf, PASSWORD, TestApp};

const ADMIN: &str = "admin@chomutov.test";

#[actix_web::test]
async fn admin_logs_in_creates_a_user_who_can_log_in_and_out() {
    let app = TestApp::start().await;
    let admin = app.signed_in(ADMIN, &[Role::Admin]).await;

    admin
        .submit(
            "/admin/users",
            &[
                ("email", "Pracovnik@Chomutov.test"),
                ("display_name", "Jana Nováková"),
                ("password", "dlouhe-heslo-123"),
                ("roles", "working_group"),
                ("roles", "curator"),
            ],
        )
        .await
        .expect(303);
    let list = admin.page("/admin/users").await;
    assert!(
        list.contains("pracovnik@chomutov.test"),
        "e-mail is stored lower-case"
    );
    // The admin makes the user a curator of the zoo.
    let id = radnice::auth::store::find_by_email(&mut app.conn(), "pracovnik@chomutov.test")
        .expect("q")
        .expect("u")
        .id;
    let user_page = format!("/admin/users/{id}");
    admin
        .submit(
            &user_page,
            &[
                ("display_name", "Jana Nováková"),
                ("roles", "working_group"),
                ("roles", "curator"),
                ("publishers", "zoopark-chomutov"),
                ("active", "1"),
            ],
        )
        .await
        .expect(303);
    assert_eq!(
        radnice::auth::store::publishers_of(&mut app.conn(), &id).expect("p"),
        ["zoopark-chomutov"]
    );
    let res = admin
        .submit(
            &user_page,
            &[
                ("display_name", "Jana"),
                ("roles", "curator"),
                ("publishers", "nikdo"),
                ("active", "1"),
            ],
        )
        .await
        .expect(422);
    assert!(res.contains("Neznámý poskytovatel."));
    assert!(list.contains("Pracovní skupina") && list.contains("Kurátor dat"));

    let user = app.client();
    user.login("pracovnik@chomutov.test", "dlouhe-heslo-123")
        .await;
    let account = user.page("/account").await.expect(200);
    assert!(account.contains("Jana Nováková"));
    // Not an admin: the user list is forbidden.
    user.page("/admin/users").await.expect(403);

    // The account page's own sign-out form.
    user.submit_with("/logout", &[], Csrf::Token(account.csrf()))
        .await
        .expect(303);
    // After logout the account page sends the browser to the login page.
    let res = user.page("/account").await.expect(303);
    assert_eq!(res.location(), "/login?next=%2Faccount");
}

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_account_look_the_same() {
    let app = TestApp::start().await;
    app.person("a@chomutov.test", &[Role::Curator], &[]);
    let c = app.client();
    let wrong_pw = c
        .try_login("a@chomutov.test", "nope-nope-nope")
        .await
        .expect(401);
    let no_user = c
        .try_login("b@chomutov.test", "nope-nope-nope")
        .await
        .expect(401);
    assert!(wrong_pw.contains("Přihlášení se nezdařilo. Zkontrolujte e-mail a heslo."));
    let strip = |s: &str| {
        s.replace("a@chomutov.test", "")
            .replace("b@chomutov.test", "")
    };
    assert_eq!(
        strip(&wrong_pw.body),
        strip(&no_user.body),
        "no hint which part was wrong"
    );
}

#[actix_web::test]
async fn five_failures_a_minute_then_429_even_with_the_right_password() {
    let app = TestApp::start().await;
    app.person("t@chomutov.test", &[Role::Curator], &[]);
    let c = app.client();
    for _ in 0..5 {
        c.try_login("t@chomutov.test", "wrong-password")
            .await
            .expect(401);
    }
    let res = c.try_login("T@chomutov.test", PASSWORD).await.expect(429);
    assert!(res.headers.contains_key("retry-after"));
    // Another account from the same address is not affected.
    app.person("u@chomutov.test", &[Role::Curator], &[]);
    c.login("u@chomutov.test", PASSWORD).await;
}

#[actix_web::test]
async fn a_form_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::start().await;
    let c = app.signed_in(ADMIN, &[Role::Admin]).await;
    for csrf in [
        Csrf::None,
        Csrf::Token(String::new()),
        Csrf::Token("0".repeat(64)),
    ] {
        let res = c
            .submit_with(
                "/admin/users",
                &[
                    ("email", "x@chomutov.test"),
                    ("display_name", "X"),
                    ("password", "dlouhe-heslo-123"),
                ],
                csrf,
            )
            .await
            .expect(403);
        assert!(res.contains("Formulář vypršel"), "{}", res.body);
    }
    assert!(!c.page("/admin/users").await.contains("x@chomutov.test"));
}

#[actix_web::test]
async fn session_and_csrf_cookies_are_httponly_lax_and_secure_on_https() {
    // The test app's base URL is https://data.example.cz.
    let app = TestApp::start().await;
    app.person("c@chomutov.test", &[Role::Curator], &[]);
    let c = app.client();
    let login_page = c.page("/login").await;
    let csrf_cookie = login_page.header("set-cookie");
    assert!(
        csrf_cookie.contains("HttpOnly")
            && csrf_cookie.contains("SameSite=Lax")
            && csrf_cookie.contains("Secure")
    );
    let res = c
        .submit_with(
            "/login",
            &[("email", "c@chomutov.test"), ("password", PASSWORD)],
            Csrf::Token(login_page.csrf()),
        )
        .await
        .expect(303);
    let session = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .find(|c| c.starts_with("radnice_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
            && session.contains("Secure"),
        "{session}"
    );
    assert!(
        res.header("strict-transport-security").contains("max-age="),
        "HSTS when the base URL is https"
    );
}

#[actix_web::test]
async fn api_tokens_are_shown_once_stored_hashed_and_revocable() {
    let app = TestApp::start().await;
    let admin = app.person(ADMIN, &[Role::Admin], &[]);
    let c = app.browser_of(&admin).await;
    let html = c
        .submit("/account/tokens", &[("name", "skript")])
        .await
        .expect(200)
        .body;
    let start = html.find("value=\"rdn_").expect("token shown") + "value=\"".len();
    let secret = html[start..start + 68].to_string();
    // Shown only once.
    assert!(!c.page("/account").await.contains(&secret));
    // Only the hash is stored.
    use diesel::prelude::*;
    use radnice::db::schema::api_tokens;
    let stored: Vec<String> = api_tokens::table
        .select(api_tokens::token_hash)
        .load(&mut *app.conn())
        .expect("load");
    assert!(!stored.contains(&secret));
    assert!(stored.contains(&radnice::auth::sha256_hex(&secret)));

    let mut api = app.api();
    api.token = Some(secret);
    let me = api.get("/api/v1/me").await.expect(200).json();
    assert_eq!(me["email"], ADMIN);
    // The account page now shows when it was last used.
    assert!(
        !c.page("/account").await.contains("<td>—</td>"),
        "last-used time is recorded"
    );

    // Revoke it; it stops working at once.
    let tokens = radnice::auth::store::tokens_of(&mut app.conn(), &admin.id).expect("tokens");
    c.submit(&format!("/account/tokens/{}/revoke", tokens[0].id), &[])
        .await
        .expect(303);
    let me = api.get("/api/v1/me").await.expect(401);
    assert_eq!(me.header("content-type"), "application/problem+json");
}

#[actix_web::test]
async fn a_disabled_user_cannot_log_in_and_loses_his_session() {
    let app = TestApp::start().await;
    let victim = app.person("v@chomutov.test", &[Role::Curator], &[]);
    let v = app.browser_of(&victim).await;
    let admin = app.signed_in(ADMIN, &[Role::Admin]).await;
    admin
        .submit(
            &format!("/admin/users/{}", victim.id),
            &[("display_name", "V"), ("roles", "curator")],
        )
        .await
        .expect(303);
    assert_eq!(v.page("/account").await.status, 303, "session ended");
    app.client()
        .try_login("v@chomutov.test", PASSWORD)
        .await
        .expect(401);
}

#[actix_web::test]
async fn an_admin_cannot_remove_his_own_admin_role() {
    let app = TestApp::start().await;
    let me = app.person(ADMIN, &[Role::Admin], &[]);
    let c = app.browser_of(&me).await;
    c.submit(
        &format!("/admin/users/{}", me.id),
        &[("display_name", "A"), ("roles", "curator"), ("active", "1")],
    )
    .await
    .expect(422);
    let roles = radnice::auth::store::roles_of(&mut app.conn(), &me.id).expect("roles");
    assert_eq!(roles, vec![Role::Admin]);
}

#[actix_web::test]
async fn user_form_errors_are_per_field_and_nothing_is_stored() {
    let app = TestApp::start().await;
    let c = app.signed_in(ADMIN, &[Role::Admin]).await;
    let res = c
        .submit(
            "/admin/users",
            &[
                ("email", "not-an-email"),
                ("display_name", ""),
                ("password", "short"),
                ("roles", "mayor"),
            ],
        )
        .await
        .expect(422);
    for msg in [
        "Zadejte platnou e-mailovou adresu.",
        "Zadejte jméno",
        "Heslo musí mít alespoň 10 znaků.",
        "Neznámá role.",
    ] {
        assert!(res.contains(msg), "missing {msg}");
    }
    assert!(
        res.contains("value=\"not-an-email\""),
        "the form keeps what was typed"
    );
    let users = radnice::auth::store::list_users(&mut app.conn()).expect("users");
    assert_eq!(users.len(), 1);

    // The same e-mail twice: a field error, not a 500.
    let res = c
        .submit(
            "/admin/users",
            &[
                ("email", "ADMIN@chomutov.test"),
                ("display_name", "A"),
                ("password", "dlouhe-heslo-123"),
            ],
        )
        .await
        .expect(422);
    assert!(res.contains("Uživatel s tímto e-mailem už existuje."));
}

#[actix_web::test]
async fn api_validation_errors_name_the_fields() {
    let app = TestApp::start().await;
    let admin = app.person(ADMIN, &[Role::Admin], &[]);
    let res = app
        .api_of(&admin)
        .request(reqwest::Method::POST, "/api/v1/users")
        .header("Cookie", "radnice_lang=en")
        .json(&serde_json::json!({"email": "bad", "display_name": "B", "password": "x"}))
        .send()
        .await
        .expect(422);
    assert_eq!(res.header("content-type"), "application/problem+json");
    let body = res.json();
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
    let admin = app.signed_in(ADMIN, &[Role::Admin]).await;
    let kurator = app.person("kurator@chomutov.test", &[Role::Curator], &[]);
    // A wrong password, then the right one, a token, a sign-out.
    let k = app.client();
    k.try_login(&kurator.email, "spatne-heslo-123")
        .await
        .expect(401);
    k.login(&kurator.email, PASSWORD).await;
    k.submit("/account/tokens", &[("name", "skript")])
        .await
        .expect(200);
    k.submit("/logout", &[]).await.expect(303);

    let page = admin
        .page("/admin/security?account=kurator%40chomutov.test")
        .await
        .expect(200);
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
    let only_failures = admin.page("/admin/security?kind=login_failed").await;
    assert!(only_failures.contains("<td>neúspěšné přihlášení</td>"));
    assert!(!only_failures.contains("<td>vytvoření tokenu</td>"));
    // Only the admin reads it.
    app.browser_of(&kurator)
        .await
        .page("/admin/security")
        .await
        .expect(403);
    app.client().page("/admin/security").await.expect(303);
}

/// The security log keeps addresses and accounts for `KEPT_DAYS`, as the
/// privacy notice says, and no longer.
#[actix_web::test]
async fn the_security_log_forgets_events_older_than_it_keeps_them() {
    use diesel::prelude::*;
    use radnice::auth::security_log::{self, KEPT_DAYS, Kind, Who};
    use radnice::db::schema::security_events;
    let app = TestApp::start().await;
    let mut conn = app.conn();
    let old = radnice::db::now() - chrono::Duration::days(KEPT_DAYS + 1);
    let recent = radnice::db::now() - chrono::Duration::days(KEPT_DAYS - 1);
    for (id, at) in [("stara", old), ("nedavna", recent)] {
        diesel::insert_into(security_events::table)
            .values((
                security_events::id.eq(id),
                security_events::at.eq(at),
                security_events::kind.eq("login_failed"),
                security_events::account.eq("x@chomutov.test"),
                security_events::ip.eq("192.0.2.1"),
            ))
            .execute(&mut *conn)
            .expect("insert");
    }
    security_log::record(
        &mut conn,
        Kind::Logout,
        Who {
            user_id: None,
            account: "y@chomutov.test",
            ip: "192.0.2.2",
        },
        None,
    )
    .expect("record");
    let ids: Vec<String> = security_events::table
        .select(security_events::id)
        .load(&mut *conn)
        .expect("ids");
    assert!(!ids.contains(&"stara".to_string()), "{ids:?}");
    assert!(ids.contains(&"nedavna".to_string()), "{ids:?}");
}

/// An admin sends a user who forgot the password a one-time link by mail
/// (to a real SMTP server); the link sets a new password once, ends the
/// user's sessions, and then no longer works; the account page says when
/// the password changed.
#[actix_web::test]
async fn a_reset_link_by_mail_sets_a_new_password_once() {
    let Some(sink) = crate::support::smtp::Sink::start() else {
        return;
    };
    let url = sink.url();
    let app = TestApp::start_with(|c| c.smtp_url = Some(url)).await;
    let admin = app.signed_in(ADMIN, &[Role::Admin]).await;
    let user = app.person("zapomnel@chomutov.test", &[Role::Curator], &[]);
    let old_session = app.browser_of(&user).await;
    admin
        .submit(&format!("/admin/users/{}/reset-link", user.id), &[])
        .await
        .expect(303);
    let page = admin.page(&format!("/admin/users/{}", user.id)).await;
    assert!(page.contains("Odkaz pro obnovení hesla je odeslaný e-mailem."));
    assert!(
        !page.contains("/password-reset/"),
        "a mailed link is not shown"
    );

    let mut mail = Vec::new();
    for _ in 0..50 {
        mail = sink.messages();
        if !mail.is_empty() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(mail.len(), 1, "one message");
    let message = mail[0].replace("=\r\n", "").replace("=\n", "");
    assert!(message.contains("To: zapomnel@chomutov.test"), "{message}");
    let at = message.find("/password-reset/").expect("the link") + "/password-reset/".len();
    let secret: String = message[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(secret.len(), 64, "{message}");
    let path = format!("/password-reset/{secret}");

    // The person who got it, not signed in.
    let visitor = app.client();
    visitor.page(&path).await.expect(200);
    visitor
        .submit_with(
            &path,
            &[("new_password", "nove-heslo-po-resetu")],
            Csrf::None,
        )
        .await
        .expect(403);
    visitor
        .submit(&path, &[("new_password", "kratke")])
        .await
        .expect(422);
    let done = visitor
        .submit(&path, &[("new_password", "nove-heslo-po-resetu")])
        .await
        .expect(303);
    assert_eq!(done.location(), "/login");
    visitor.login(&user.email, "nove-heslo-po-resetu").await;
    app.client()
        .try_login(&user.email, PASSWORD)
        .await
        .expect(401);
    old_session.page("/account").await.expect(303);
    // Spent.
    app.client().page(&path).await.expect(410);
    let account = visitor.page("/account").await.expect(200);
    assert!(
        account.contains("Heslo naposledy změněno: <time>"),
        "{}",
        account.body
    );
}

/// Without a mail relay the admin is shown the link once; an expired link
/// does not work; the admin can also set a password directly.
#[actix_web::test]
async fn without_mail_the_admin_passes_the_link_on_and_links_expire() {
    let app = TestApp::start().await;
    let admin = app.signed_in(ADMIN, &[Role::Admin]).await;
    let user = app.person("u@chomutov.test", &[Role::Curator], &[]);
    let page = admin
        .submit(&format!("/admin/users/{}/reset-link", user.id), &[])
        .await
        .expect(200);
    assert!(page.contains("Odesílání pošty není nastavené"));
    let at = page.body.find("/password-reset/").expect("the link shown") + "/password-reset/".len();
    let secret: String = page.body[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    {
        use diesel::prelude::*;
        use radnice::db::schema::password_resets;
        diesel::update(password_resets::table)
            .set(password_resets::expires_at.eq(radnice::db::now() - chrono::Duration::minutes(1)))
            .execute(&mut *app.conn())
            .expect("expire");
    }
    app.client()
        .page(&format!("/password-reset/{secret}"))
        .await
        .expect(410);
    admin
        .submit(
            &format!("/admin/users/{}/password", user.id),
            &[("new_password", "heslo-od-spravce-1")],
        )
        .await
        .expect(303);
    app.client().login(&user.email, "heslo-od-spravce-1").await;
}

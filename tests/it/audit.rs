use diesel::prelude::*;
use radnice::audit;
use radnice::auth::Role;
use radnice::db::schema::audit_log;

use crate::support::{PASSWORD, TestApp};

#[actix_web::test]
async fn every_account_change_is_logged_with_before_and_after() {
    let app = TestApp::start().await;
    let c = app.signed_in("admin@chomutov.test", &[Role::Admin]).await;
    c.submit(
        "/admin/users",
        &[
            ("email", "k@chomutov.test"),
            ("display_name", "Karel"),
            ("password", "dlouhe-heslo-123"),
            ("roles", "curator"),
        ],
    )
    .await
    .expect(303);
    let k = radnice::auth::store::find_by_email(&mut app.conn(), "k@chomutov.test")
        .expect("q")
        .expect("user");
    c.submit(
        &format!("/admin/users/{}", k.id),
        &[
            ("display_name", "Karel Novák"),
            ("roles", "steering_committee"),
            ("active", "1"),
        ],
    )
    .await
    .expect(303);

    let rows: Vec<(String, String, Option<String>, Option<String>)> = audit_log::table
        .filter(audit_log::object_id.eq(&k.id))
        .order(audit_log::seq.asc())
        .select((
            audit_log::action,
            audit_log::actor_label,
            audit_log::before_json,
            audit_log::after_json,
        ))
        .load(&mut *app.conn())
        .expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, "create");
    assert_eq!(rows[0].1, "admin@chomutov.test");
    assert!(rows[0].2.is_none());
    assert_eq!(rows[1].0, "update");
    let before: serde_json::Value =
        serde_json::from_str(rows[1].2.as_deref().expect("before")).expect("json");
    let after: serde_json::Value =
        serde_json::from_str(rows[1].3.as_deref().expect("after")).expect("json");
    assert_eq!(before["display_name"], "Karel");
    assert_eq!(before["roles"], serde_json::json!(["curator"]));
    assert_eq!(after["display_name"], "Karel Novák");
    assert_eq!(after["roles"], serde_json::json!(["steering_committee"]));
    for r in &rows {
        assert!(
            !r.3.as_deref().unwrap_or("").contains("argon2"),
            "no password hash in the log"
        );
    }

    // The admin page lists it, filtered by object and by actor.
    let (status, page) = c
        .get_text(&format!("/admin/audit?object_type=user&object_id={}", k.id))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Karel Novák"));
    assert!(page.matches("<tr>").count() >= 3, "header + two rows");
    let (_, page) = c.get_text("/admin/audit?actor=nobody@else").await;
    assert!(page.contains("Žádné záznamy."));
    let (status, _) = c.get_text("/admin/audit?from=yesterday").await;
    assert_eq!(status, 400, "a malformed date is a clear error");
    // The object's own history page.
    let (status, hist) = c.get_text(&format!("/history/user/{}", k.id)).await;
    assert_eq!(status, 200);
    assert!(hist.contains("Karel Novák"));
}

#[actix_web::test]
async fn non_admins_cannot_read_the_audit_log_or_account_history() {
    let app = TestApp::start().await;
    let u = app.add_user(
        "c@chomutov.test",
        PASSWORD,
        &[Role::Curator, Role::WorkingGroup, Role::SteeringCommittee],
    );
    let c = app.client();
    c.login("c@chomutov.test", PASSWORD).await;
    assert_eq!(c.get("/admin/audit").await.status().as_u16(), 403);
    assert_eq!(
        c.get(&format!("/history/user/{}", u.id))
            .await
            .status()
            .as_u16(),
        403
    );
    // Public data's history is public.
    let anon = app.client();
    let strategy = radnice::strategy::store::by_slug(&mut app.conn(), "chomutov-ict-2020-2024")
        .expect("q")
        .expect("s");
    let (status, page) = anon
        .get_text(&format!("/history/strategy/{}", strategy.id))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("<td>systém</td>") && !page.contains("system:seed"));
}

#[actix_web::test]
async fn the_chain_verifies_and_detects_a_changed_or_deleted_row() {
    let app = TestApp::start().await;
    app.add_user("a@chomutov.test", PASSWORD, &[Role::Admin]);
    let mut conn = app.conn();
    let report = audit::verify(&mut conn).expect("verify");
    assert!(report.ok(), "{:?}", report.problems);
    assert!(report.rows > 100, "seed and user rows are chained");

    // Someone edits a row behind the application's back.
    diesel::update(audit_log::table.filter(audit_log::seq.eq(5)))
        .set(audit_log::actor_label.eq("someone-else"))
        .execute(&mut *conn)
        .expect("tamper");
    let report = audit::verify(&mut conn).expect("verify");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("row 5: its content was changed")),
        "{:?}",
        report.problems
    );

    // Deleting the newest row is caught by the head.
    let app2 = TestApp::start().await;
    let mut conn2 = app2.conn();
    let last: i64 = audit_log::table
        .select(diesel::dsl::max(audit_log::seq))
        .first::<Option<i64>>(&mut *conn2)
        .expect("max")
        .expect("rows");
    diesel::delete(audit_log::table.filter(audit_log::seq.eq(last)))
        .execute(&mut *conn2)
        .expect("delete");
    let report = audit::verify(&mut conn2).expect("verify");
    assert!(!report.ok());
    // Deleting one in the middle breaks the sequence and the link.
    diesel::delete(audit_log::table.filter(audit_log::seq.eq(10)))
        .execute(&mut *conn2)
        .expect("delete");
    let report = audit::verify(&mut conn2).expect("verify");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("row 11 follows row 9")),
        "{:?}",
        report.problems
    );
}

#[actix_web::test]
async fn concurrent_writers_keep_one_unbroken_chain() {
    let app = TestApp::start().await;
    let admin = app.add_user("admin@chomutov.test", PASSWORD, &[Role::Admin]);
    let token = app.add_token(&admin.id);
    let http = reqwest::Client::new();
    let mut futures = Vec::new();
    for i in 0..12 {
        let req = http
            .post(app.url("/api/v1/users"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"email": format!("p{i}@chomutov.test"), "display_name": "P", "password": "dlouhe-heslo-123"}));
        futures.push(async move { req.send().await.expect("send").status().as_u16() });
    }
    let statuses = futures_util::future::join_all(futures).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let report = audit::verify(&mut app.conn()).expect("verify");
    assert!(report.ok(), "{:?}", report.problems);
}

#[actix_web::test]
async fn a_view_outside_the_process_resumes_from_its_stored_position() {
    use radnice::audit::follow::stored;
    let app = TestApp::start().await;
    let mut conn = app.conn();
    // Never built: it must rebuild, and then stands at the head.
    let (changes, head) = stored::changes_after(&mut conn, 0, 100).expect("changes");
    assert!(changes.rebuild);
    stored::advance(&mut conn, "hledani", head).expect("advance");
    drop(conn);
    // Meanwhile a dataset changes...
    let mut rec = radnice::catalog::store::record_by_slug(&mut app.conn(), "hriste")
        .expect("q")
        .expect("d");
    rec.dataset.title_cs = "Dětská hřiště (změna)".into();
    radnice::catalog::store::save_record(
        &mut app.conn(),
        &audit::Actor::system("test"),
        &rec,
        None,
    )
    .expect("save");
    // ...and a process that starts again resumes where the view stood: it
    // gets that one change, not a rebuild.
    let restarted = radnice::AppState::new(app.state.config.clone()).expect("state");
    let mut conn = restarted.pool.get().expect("conn");
    let at = stored::position(&mut conn, "hledani").expect("position");
    assert_eq!(at, head);
    let (changes, upto) = stored::changes_after(&mut conn, at, 100).expect("changes");
    assert!(!changes.rebuild);
    assert_eq!(
        changes.ids_of("dataset").into_iter().collect::<Vec<_>>(),
        [rec.dataset.id.clone()]
    );
    assert_eq!(upto, head + 1);
    stored::advance(&mut conn, "hledani", upto).expect("advance");
    let (changes, _) = stored::changes_after(&mut conn, upto, 100).expect("changes");
    assert!(changes.rows.is_empty() && !changes.rebuild);
}

/// The admin filters the log by a chosen object type and by the action a
/// move was (publish, withdraw), and reads a change as its fields.
#[actix_web::test]
async fn the_admin_filters_by_object_type_and_move_and_reads_field_changes() {
    let app = TestApp::start().await;
    let admin = app.signed_in("admin@chomutov.test", &[Role::Admin]).await;
    let api = crate::catalog::curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    api.post(
        "/api/v1/datasets/parkoviste/withdraw",
        &serde_json::json!({"reason": "Zrušeno."}),
    )
    .await
    .expect(200);
    let page = admin.page("/admin/audit").await.expect(200);
    for (value, label) in [
        ("dataset", "datová sada"),
        ("user", "uživatel"),
        ("publisher", "poskytovatel"),
    ] {
        assert!(
            page.contains(&format!("<option value=\"{value}\">{label}</option>")),
            "{value}"
        );
    }
    let withdrawn = admin
        .page("/admin/audit?object_type=dataset&action=withdraw")
        .await
        .expect(200);
    assert!(withdrawn.contains("Parkoviště") && withdrawn.contains("<td>zrušení zveřejnění</td>"));
    // The filter form shows what is applied.
    assert!(
        withdrawn.contains("<option value=\"withdraw\" selected>"),
        "{}",
        withdrawn.body
    );
    assert!(withdrawn.contains("<option value=\"dataset\" selected>"));
    assert!(withdrawn.contains("<td><code>status</code></td><td class=\"wrap\">published</td><td class=\"wrap\">withdrawn</td>"), "{}", withdrawn.body);
    let none = admin
        .page("/admin/audit?object_type=dataset&action=publish")
        .await
        .expect(200);
    assert!(!none.contains("Parkoviště"));
}

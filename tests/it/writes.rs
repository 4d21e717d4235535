//! One table of every unsafe route, HTML and API, driven by who sends it
//! (anonymous, each role, a curator of the object's publisher, a curator of
//! another) and by the form's CSRF state (none, another session's, this
//! session's). Each attempt checks the status and, when it is refused, that
//! nothing changed (`data_version`). A new domain adds its rows to `rows`.

use radnice::auth::Role;
use radnice::catalog::model::DatasetStatus;
use reqwest::Method;
use serde_json::{Value, json};

use crate::catalog::{CC_BY, CSV, add_distributions, add_draft, copy_dataset, dataset_json};
use crate::support::{Api, Client, Csrf, Person, Reply, TestApp};

/// The publisher of the datasets the rows write to.
const HERE: &str = "statutarni-mesto-chomutov";
/// Another publisher of the seed.
const ELSEWHERE: &str = "technicke-sluzby-mesta-chomutova";

/// Who sends the request.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Admin,
    /// A curator of the publisher the row writes to.
    CuratorHere,
    /// A curator of another publisher.
    CuratorElsewhere,
    /// A curator who acts for no publisher yet.
    CuratorOfNone,
    WorkingGroup,
    SteeringCommittee,
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Admin,
    Who::CuratorHere,
    Who::CuratorElsewhere,
    Who::CuratorOfNone,
    Who::WorkingGroup,
    Who::SteeringCommittee,
];

/// Who a row lets through.
#[derive(Clone, Copy, Debug)]
enum May {
    /// Anyone signed in (their own account).
    SignedIn,
    /// Admins only.
    Admin,
    /// Admins and the curators of the object's publisher.
    Curators,
    /// The working-group member responsible for the KPI (not even an
    /// admin: a value is the member's statement).
    Responsible,
    /// A steering-committee member.
    Committee,
    /// Admins and every curator: the route says per item what the sender
    /// may not write (a batch of observations).
    AnyCurator,
}

impl Who {
    fn roles_and_publishers(self) -> (&'static [Role], &'static [&'static str]) {
        match self {
            Who::Anonymous => (&[], &[]),
            Who::Admin => (&[Role::Admin], &[]),
            Who::CuratorHere => (&[Role::Curator], &[HERE]),
            Who::CuratorElsewhere => (&[Role::Curator], &[ELSEWHERE]),
            Who::CuratorOfNone => (&[Role::Curator], &[]),
            Who::WorkingGroup => (&[Role::WorkingGroup], &[]),
            Who::SteeringCommittee => (&[Role::SteeringCommittee], &[]),
        }
    }

    /// The status this sender gets from a row that answers `ok` when
    /// allowed.
    fn expects(self, may: May, ok: u16) -> u16 {
        let allowed = match (self, may) {
            (Who::Anonymous, _) => return 401,
            (who, May::Responsible) => who == Who::WorkingGroup,
            (who, May::Committee) => who == Who::SteeringCommittee,
            (Who::Admin, _) => true,
            (_, May::SignedIn) => true,
            (_, May::Admin) => false,
            (who, May::Curators) => who == Who::CuratorHere,
            (who, May::AnyCurator) => matches!(
                who,
                Who::CuratorHere | Who::CuratorElsewhere | Who::CuratorOfNone
            ),
        };
        if allowed { ok } else { 403 }
    }
}

/// How a row is sent.
enum Send {
    /// A URL-encoded form of a page.
    Form(Vec<(&'static str, String)>),
    /// A multipart form (an upload), its CSRF token the first part.
    Multipart(Vec<(&'static str, String)>),
    /// A JSON API call with a bearer token.
    Json(Method, Option<Value>),
}

struct Row {
    /// The route as the route table names it.
    route: &'static str,
    path: String,
    send: Send,
    may: May,
    /// The status when allowed.
    ok: u16,
}

fn form(pairs: &[(&'static str, &str)]) -> Send {
    Send::Form(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

const LICENCE_FIELDS: [(&str, &str); 5] = [
    (
        "format",
        "http://publications.europa.eu/resource/authority/file-type/CSV",
    ),
    (
        "author_work",
        "https://data.gov.cz/podmínky-užití/neobsahuje-autorská-díla/",
    ),
    (
        "db_author_work",
        "https://data.gov.cz/podmínky-užití/není-autorskoprávně-chráněnou-databází/",
    ),
    (
        "db_sui_generis",
        "https://data.gov.cz/podmínky-užití/není-chráněna-zvláštním-právem-pořizovatele-databáze/",
    ),
    (
        "personal_data",
        "https://data.gov.cz/podmínky-užití/neobsahuje-osobní-údaje/",
    ),
];

const DATASET_FIELDS: [(&str, &str); 4] = [
    (
        "themes",
        "http://publications.europa.eu/resource/authority/data-theme/GOVE",
    ),
    (
        "frequency",
        "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
    ),
    (
        "spatial",
        "https://linked.cuzk.cz/resource/ruian/obec/562971",
    ),
    ("keywords_cs", "k"),
];

/// 2026-07-02T10:00:00Z, when the rows' stored observation was made.
const OBSERVED: i64 = 1_782_986_400_000_000;

/// The objects one sender's rows act on: each sender has their own, so
/// that what an allowed sender publishes or deletes is still there for the
/// next one to be refused on.
struct Objects {
    n: usize,
    /// A user the admin rows edit.
    target: String,
    /// A token of the sender's own to revoke.
    own_token: String,
    /// A distribution of `parkoviste` to edit, and one to delete.
    distributions: [String; 2],
    /// A provisional value of KPI-SC2-01 to submit by API, and one by form.
    measurement: String,
    measurement_form: String,
    /// The id of measure 3.1.1/1, which projects may fulfil.
    measure: String,
    /// A stored file of `parkoviste`, to give new versions.
    file: String,
    /// Two more to remove, by form and by API.
    doomed: [String; 2],
    /// A datastream of a station of `HERE`.
    datastream: i64,
    /// A station of `HERE` to edit (and give a dataset), one to delete
    /// with its datastream, and a device token of the first to revoke.
    station: i64,
    doomed_station: i64,
    doomed_datastream: i64,
    device_token: String,
}

impl Objects {
    fn prepare(app: &TestApp, n: usize, target: &str, own_token: String) -> Objects {
        for kind in [
            "formular",
            "api",
            "prechod",
            "api-prechod",
            "smazat",
            "api-smazat",
        ] {
            add_draft(app, "hriste", &format!("koncept-{kind}-{n}"));
        }
        for kind in ["formular", "api"] {
            copy_dataset(
                app,
                "pasport-zelene",
                &format!("stahnout-{kind}-{n}"),
                DatasetStatus::Published,
            );
        }
        let mut rec = radnice::catalog::store::record_by_slug(&mut app.conn(), "parkoviste")
            .expect("q")
            .expect("parkoviste");
        let mut dists = rec.distributions.clone();
        for _ in 0..2 {
            dists.push(crate::catalog::distribution(CSV, "text/csv", CC_BY));
        }
        rec = add_distributions(app, "parkoviste", dists);
        let len = rec.distributions.len();
        let measurement = provisional_value(app, &format!("2023-{:02}-01", 1 + 3 * (n % 4)), n / 4);
        let measurement_form = provisional_value(app, "2022-10-01", 0);
        let measure = {
            use diesel::prelude::*;
            use radnice::db::schema::{goals, measures};
            measures::table
                .inner_join(goals::table)
                .filter(goals::chapter.eq("3.1.1"))
                .filter(measures::position.eq(1))
                .select(measures::id)
                .first::<String>(&mut *app.conn())
                .expect("measure 3.1.1/1")
        };
        let file = crate::files::stored_file(app, "parkoviste", "obsazenost.csv", b"a,b\n1,2\n");
        let doomed = [
            crate::files::stored_file(app, "parkoviste", "formular.csv", b"a\n1\n"),
            crate::files::stored_file(app, "parkoviste", "api.csv", b"a\n2\n"),
        ];
        let (station, datastream) = crate::sensors::station_of(app, HERE);
        let (doomed_station, doomed_datastream) = crate::sensors::station_of(app, HERE);
        let device_token = format!("wt-{n}");
        radnice::sensors::store::add_token(
            &mut app.conn(),
            &device_token,
            station,
            "brána",
            &format!("hash-{n}"),
            chrono::Utc::now().naive_utc(),
        )
        .expect("token");
        // An observation for the SensorThings DELETE row.
        let mut conn = app.conn();
        let streams = radnice::sensors::store::streams(&mut conn, &[datastream]).expect("q");
        radnice::sensors::store::insert(
            &mut conn,
            &streams,
            &[radnice::sensors::model::Observation {
                datastream,
                time: OBSERVED,
                value: 1.0,
            }],
            &std::collections::HashMap::new(),
        )
        .expect("observation");
        Objects {
            datastream,
            station,
            doomed_station,
            doomed_datastream,
            device_token,
            doomed,
            file,
            measure,
            measurement,
            measurement_form,
            n,
            target: target.to_string(),
            own_token,
            distributions: [
                rec.distributions[len - 2].id.clone(),
                rec.distributions[len - 1].id.clone(),
            ],
        }
    }
}

/// A provisional value of KPI-SC2-01 for the quarter starting on `start`
/// (plus `years_back` years earlier, so that each sender has its own).
fn provisional_value(app: &TestApp, start: &str, years_back: usize) -> String {
    use diesel::prelude::*;
    use radnice::db::schema::measurements;
    let start: chrono::NaiveDate = start.parse().expect("date");
    let start = start
        .checked_sub_months(chrono::Months::new(12 * years_back as u32))
        .expect("date");
    let end = start
        .checked_add_months(chrono::Months::new(3))
        .and_then(|d| d.pred_opt())
        .expect("date");
    let mut c = app.conn();
    let kpi = radnice::strategy::store::kpi_by_code(&mut c, "KPI-SC2-01")
        .expect("q")
        .expect("kpi");
    let m = radnice::strategy::model::Measurement {
        id: radnice::db::new_id(),
        kpi_id: kpi.id,
        period_start: start.to_string(),
        period_end: end.to_string(),
        value: 99.0,
        state: radnice::strategy::model::MeasurementState::Provisional,
        supersedes: None,
        superseded_by: None,
        source: "test".into(),
        note: None,
        recorded_by: None,
        recorded_at: radnice::db::now(),
        submitted_by: None,
        verified_by: None,
        is_example: false,
    };
    diesel::insert_into(measurements::table)
        .values(&m)
        .execute(&mut *c)
        .expect("insert");
    m.id
}

/// Every unsafe route but the login and a reset link's form (anonymous by
/// design, CSRF-checked in their own tests) and the SPARQL endpoint (a query
/// sent by POST).
fn rows(o: &Objects) -> Vec<Row> {
    let n = o.n;
    let dataset_form = |title: String, slug: Option<String>| {
        let mut f: Vec<(&'static str, String)> = vec![
            ("publisher", HERE.into()),
            ("title_cs", title),
            ("description_cs", "D".into()),
        ];
        if let Some(s) = slug {
            f.push(("slug", s));
        }
        f.extend(DATASET_FIELDS.iter().map(|(k, v)| (*k, v.to_string())));
        Send::Form(f)
    };
    let distribution_form = |url: &str| {
        let mut f: Vec<(&'static str, String)> =
            vec![("title_cs", "CSV".into()), ("download_url", url.into())];
        f.extend(LICENCE_FIELDS.iter().map(|(k, v)| (*k, v.to_string())));
        Send::Form(f)
    };
    let mut edited = dataset_json("parkoviste");
    edited["title_cs"] = format!("Parkoviště {n}").into();
    let parkoviste_dist = |i: usize| &o.distributions[i];
    // Each sender its own quarter of 2024–2025 (none has a value yet).
    let quarter = {
        let start: chrono::NaiveDate = "2024-01-01".parse().expect("date");
        let start = start
            .checked_add_months(chrono::Months::new(3 * n as u32))
            .expect("date");
        let end = start
            .checked_add_months(chrono::Months::new(3))
            .and_then(|d| d.pred_opt())
            .expect("date");
        (start.to_string(), end.to_string())
    };
    // The CSV row's quarters: 2020–2021, none with a value.
    let csv_quarter = {
        let start: chrono::NaiveDate = "2020-01-01".parse().expect("date");
        let start = start
            .checked_add_months(chrono::Months::new(3 * n as u32))
            .expect("date");
        let end = start
            .checked_add_months(chrono::Months::new(3))
            .and_then(|d| d.pred_opt())
            .expect("date");
        (start.to_string(), end.to_string())
    };
    vec![
        // The strategy: a KPI value and its move.
        Row {
            route: "POST /api/v1/kpis/{code}/measurements",
            path: "/api/v1/kpis/KPI-SC2-01/measurements".into(),
            send: Send::Json(
                Method::POST,
                Some(serde_json::json!({
                    "period_start": quarter.0, "period_end": quarter.1, "value": 99.5
                })),
            ),
            may: May::Responsible,
            ok: 201,
        },
        Row {
            route: "POST /api/v1/kpis/{code}/measurements/{id}/transition",
            path: format!(
                "/api/v1/kpis/KPI-SC2-01/measurements/{}/transition",
                o.measurement
            ),
            send: Send::Json(Method::POST, Some(serde_json::json!({"to": "submitted"}))),
            may: May::Responsible,
            ok: 200,
        },
        // Only the responsible member's attempt stores anything, so one
        // period serves every sender.
        Row {
            route: "POST /kpis/{code}/values",
            path: "/kpis/KPI-SC2-01/values".into(),
            send: form(&[
                ("period_start", "2021-10-01"),
                ("period_end", "2021-12-31"),
                ("value", "99,2"),
            ]),
            may: May::Responsible,
            ok: 303,
        },
        Row {
            route: "POST /kpis/{code}/values/{id}/transition",
            path: format!("/kpis/KPI-SC2-01/values/{}/transition", o.measurement_form),
            send: form(&[("to", "submitted")]),
            may: May::Responsible,
            ok: 303,
        },
        Row {
            route: "POST /projects/{code}/report",
            path: "/projects/P-SC8-01/report".into(),
            send: form(&[
                ("period", "2025-06"),
                ("progress", "3"),
                ("health", "on_track"),
                ("submit", "1"),
            ]),
            may: May::Responsible,
            ok: 303,
        },
        Row {
            route: "POST /api/v1/measurements.csv",
            path: "/api/v1/measurements.csv".into(),
            send: Send::Json(
                Method::POST,
                Some(Value::String(format!(
                    "kpi,period_start,period_end,value,source,note\nKPI-SC2-01,{},{},99.1,,\n",
                    csv_quarter.0, csv_quarter.1
                ))),
            ),
            may: May::Responsible,
            ok: 201,
        },
        Row {
            route: "POST /api/v1/projects/{code}/reports",
            path: "/api/v1/projects/P-SC8-01/reports".into(),
            send: Send::Json(
                Method::POST,
                Some(serde_json::json!({
                    "period": format!("2026-{:02}", n + 1), "progress": 5, "health": "on_track", "submit": true
                })),
            ),
            may: May::Responsible,
            ok: 201,
        },
        Row {
            route: "POST /api/v1/projects/{code}/transition",
            path: "/api/v1/projects/P-SC5-01/transition".into(),
            send: Send::Json(
                Method::POST,
                Some(serde_json::json!({"to": "suspended", "reason": "Čeká se na rozpočet."})),
            ),
            may: May::Committee,
            ok: 200,
        },
        Row {
            route: "POST /projects/{code}/transition",
            path: "/projects/P-SC7-01/transition".into(),
            send: form(&[("to", "suspended"), ("reason", "Čeká se na rozpočet.")]),
            may: May::Committee,
            ok: 303,
        },
        // The strategy's administration: an admin's.
        Row {
            route: "POST /admin/strategies",
            path: "/admin/strategies".into(),
            send: form(&[
                ("slug", &format!("strategie-{n}")),
                ("title_cs", "Strategie Smart City"),
                ("description_cs", "Koncepce chytrého města."),
                ("period_start", "2025"),
                ("period_end", "2030"),
                ("publisher", HERE),
                ("on_track_band", "95"),
                ("at_risk_band", "85"),
                ("grace_days", "15"),
            ]),
            may: May::Admin,
            ok: 303,
        },
        Row {
            route: "POST /admin/strategies/{slug}",
            path: "/admin/strategies/chomutov-ict-2020-2024".into(),
            send: form(&[
                ("title_cs", &format!("Informační strategie {n}")),
                ("description_cs", "Koncepční dokument."),
                ("period_start", "2020"),
                ("period_end", "2024"),
                ("publisher", HERE),
                ("on_track_band", "90"),
                ("at_risk_band", "80"),
                ("grace_days", "20"),
            ]),
            may: May::Admin,
            ok: 303,
        },
        Row {
            route: "POST /admin/strategies/{slug}/goals",
            path: "/admin/strategies/chomutov-ict-2020-2024/goals".into(),
            send: form(&[
                ("chapter", &format!("9.{n}")),
                ("title_cs", "Nový cíl"),
                ("description_cs", "Popis cíle."),
                ("measures_cs", "První opatření\nDruhé opatření"),
            ]),
            may: May::Admin,
            ok: 303,
        },
        Row {
            route: "POST /admin/strategies/{slug}/goals/{chapter}",
            path: "/admin/strategies/chomutov-ict-2020-2024/goals/3.1.12".into(),
            send: form(&[
                ("title_cs", &format!("Vzdělávání {n}")),
                ("description_cs", "Popis cíle."),
                ("measures_cs", "Jediné opatření"),
            ]),
            may: May::Admin,
            ok: 303,
        },
        Row {
            route: "POST /admin/strategies/{slug}/projects",
            path: "/admin/strategies/chomutov-ict-2020-2024/projects".into(),
            send: form(&[
                ("code", &format!("P-ADM-{n}")),
                ("title_cs", "Nový projekt"),
                ("description_cs", "Popis projektu."),
                ("guarantor", "Odbor informatiky"),
                ("funding", "city_budget"),
                ("weight", "1"),
                ("measures", &o.measure),
            ]),
            may: May::Admin,
            ok: 303,
        },
        Row {
            route: "POST /admin/projects/{code}",
            path: "/admin/projects/P-SC1-01".into(),
            send: form(&[
                ("title_cs", &format!("Páteřní síť {n}")),
                ("description_cs", "Popis projektu."),
                ("guarantor", "Odbor informatiky"),
                ("funding", "irop"),
                ("weight", "2"),
                ("measures", &o.measure),
            ]),
            may: May::Admin,
            ok: 303,
        },
        Row {
            route: "POST /admin/strategies/{slug}/kpis",
            path: "/admin/strategies/chomutov-ict-2020-2024/kpis".into(),
            send: form(&[
                ("code", &format!("KPI-ADM-{n}")),
                ("owner", "goal:3.1.1"),
                ("name_cs", "Nový ukazatel"),
                ("unit", "%"),
                ("direction", "higher"),
                ("frequency", "yearly"),
                ("baseline_value", "10"),
                ("baseline_year", "2020"),
                ("targets", "2024: 50"),
                ("method", "linear"),
                ("method_note_cs", "Měří odbor."),
                ("source", "manual"),
            ]),
            may: May::Admin,
            ok: 303,
        },
        Row {
            route: "POST /admin/kpis/{code}",
            path: "/admin/kpis/KPI-SC1-01".into(),
            send: form(&[
                ("owner", "goal:3.1.1"),
                ("name_cs", &format!("Ukazatel {n}")),
                ("unit", "%"),
                ("direction", "higher"),
                ("frequency", "yearly"),
                ("baseline_value", "10"),
                ("baseline_year", "2019"),
                ("targets", "2024: 50"),
                ("method", "linear"),
                ("method_note_cs", "Měří odbor."),
                ("source", "manual"),
            ]),
            may: May::Admin,
            ok: 303,
        },
        // Accounts: an admin's.
        Row {
            route: "POST /admin/users",
            path: "/admin/users".into(),
            send: form(&[
                ("email", &format!("novy-{n}@chomutov.test")),
                ("display_name", "N"),
                ("password", "dlouhe-heslo-123"),
                ("roles", "curator"),
            ]),
            may: May::Admin,
            ok: 303,
        },
        Row {
            route: "POST /admin/users/{id}",
            path: format!("/admin/users/{}", o.target),
            send: form(&[
                ("display_name", &format!("T{n}")),
                ("roles", "curator"),
                ("active", "1"),
            ]),
            may: May::Admin,
            ok: 303,
        },
        Row {
            route: "POST /admin/publishers",
            path: "/admin/publishers".into(),
            send: form(&[
                ("slug", &format!("novy-poskytovatel-{n}")),
                ("name_cs", "Nový poskytovatel"),
                ("kind", "contributory_organisation"),
            ]),
            may: May::Admin,
            ok: 303,
        },
        Row {
            route: "POST /admin/publishers/{slug}",
            path: "/admin/publishers/chomutovska-knihovna".into(),
            send: form(&[
                ("name_cs", &format!("Chomutovská knihovna {n}")),
                ("kind", "contributory_organisation"),
            ]),
            may: May::Admin,
            ok: 303,
        },
        Row {
            route: "POST /admin/users/{id}/password",
            path: format!("/admin/users/{}/password", o.target),
            send: form(&[("new_password", "nove-dlouhe-heslo-1")]),
            may: May::Admin,
            ok: 303,
        },
        // No mail relay in the tests: the link is shown to the admin.
        Row {
            route: "POST /admin/users/{id}/reset-link",
            path: format!("/admin/users/{}/reset-link", o.target),
            send: form(&[]),
            may: May::Admin,
            ok: 200,
        },
        Row {
            route: "POST /api/v1/users",
            path: "/api/v1/users".into(),
            send: Send::Json(
                Method::POST,
                Some(json!({
                    "email": format!("api-{n}@chomutov.test"), "display_name": "A",
                    "password": "dlouhe-heslo-123", "roles": ["curator"]
                })),
            ),
            may: May::Admin,
            ok: 201,
        },
        // Accounts: one's own.
        Row {
            route: "POST /account/tokens",
            path: "/account/tokens".into(),
            send: form(&[("name", "t")]),
            may: May::SignedIn,
            ok: 200,
        },
        Row {
            route: "POST /account/tokens/{id}/revoke",
            path: format!("/account/tokens/{}/revoke", o.own_token),
            send: form(&[]),
            may: May::SignedIn,
            ok: 303,
        },
        Row {
            route: "POST /account/password",
            path: "/account/password".into(),
            send: form(&[
                ("current_password", crate::support::PASSWORD),
                ("new_password", crate::support::PASSWORD),
            ]),
            may: May::SignedIn,
            ok: 303,
        },
        // The catalog, in forms.
        Row {
            route: "POST /datasets/new",
            path: "/datasets/new".into(),
            send: dataset_form("T".into(), Some(format!("formular-{n}"))),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /datasets/{slug}/edit",
            path: "/datasets/pasport-zelene/edit".into(),
            send: dataset_form(format!("Pasport zeleně {n}"), None),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /datasets/{slug}/distributions/new",
            path: "/datasets/pasport-zelene/distributions/new".into(),
            send: distribution_form("https://data.example.cz/a.csv"),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /datasets/{slug}/distributions/{id}/edit",
            path: format!(
                "/datasets/parkoviste/distributions/{}/edit",
                parkoviste_dist(0)
            ),
            send: distribution_form("https://data.example.cz/b.csv"),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /datasets/{slug}/distributions/{id}/delete",
            path: format!(
                "/datasets/parkoviste/distributions/{}/delete",
                parkoviste_dist(1)
            ),
            send: form(&[]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /datasets/{slug}/publish",
            path: format!("/datasets/koncept-formular-{n}/publish"),
            send: form(&[]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /datasets/{slug}/withdraw",
            path: format!("/datasets/stahnout-formular-{n}/withdraw"),
            send: form(&[("reason", "test")]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /datasets/{slug}/transition",
            path: format!("/datasets/koncept-prechod-{n}/transition"),
            send: form(&[("to", "published")]),
            may: May::Curators,
            ok: 303,
        },
        // Allowed, it has no distributions to hold data: a conflict.
        Row {
            route: "POST /datasets/{slug}/unmark-example",
            path: "/datasets/hriste/unmark-example".into(),
            send: form(&[]),
            may: May::Curators,
            ok: 409,
        },
        Row {
            route: "POST /datasets/{slug}/delete",
            path: format!("/datasets/koncept-smazat-{n}/delete"),
            send: form(&[]),
            may: May::Curators,
            ok: 303,
        },
        // Allowed, the address is refused as a form error.
        Row {
            route: "POST /harvest",
            path: "/harvest".into(),
            send: Send::Multipart(vec![
                ("publisher", HERE.into()),
                ("location", "ftp://nelze.example.cz/katalog.ttl".into()),
            ]),
            may: May::Curators,
            ok: 422,
        },
        // Files: uploads by form (allowed, without a file: a form error)
        // and by API.
        Row {
            route: "POST /datasets/{slug}/distributions/upload",
            path: "/datasets/pasport-zelene/distributions/upload".into(),
            send: Send::Multipart(vec![("title", "Bez souboru".into())]),
            may: May::Curators,
            ok: 422,
        },
        Row {
            route: "POST /datasets/{slug}/layer",
            path: "/datasets/pasport-zelene/layer".into(),
            send: Send::Multipart(vec![("crs", "EPSG:5514".into())]),
            may: May::Curators,
            ok: 422,
        },
        Row {
            route: "POST /datasets/{slug}/distributions/{id}/file",
            path: format!("/datasets/parkoviste/distributions/{}/file", o.file),
            send: Send::Multipart(vec![("encoding", "auto".into())]),
            may: May::Curators,
            ok: 422,
        },
        Row {
            route: "POST /datasets/{slug}/distributions/{id}/file/delete",
            path: format!(
                "/datasets/parkoviste/distributions/{}/file/delete",
                o.doomed[0]
            ),
            send: form(&[]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "DELETE /api/v1/datasets/{slug}/distributions/{id}/file",
            path: format!(
                "/api/v1/datasets/parkoviste/distributions/{}/file",
                o.doomed[1]
            ),
            send: Send::Json(Method::DELETE, None),
            may: May::Curators,
            ok: 204,
        },
        Row {
            route: "POST /api/v1/datasets/{slug}/distributions/upload",
            path: "/api/v1/datasets/pasport-zelene/distributions/upload?name=stromy.csv".into(),
            send: Send::Json(
                Method::POST,
                Some(Value::String(format!("id,druh\n{n},lípa\n"))),
            ),
            may: May::Curators,
            ok: 201,
        },
        Row {
            route: "POST /api/v1/observations",
            path: "/api/v1/observations".into(),
            send: Send::Json(
                Method::POST,
                Some(Value::String(format!(
                    "datastream,time,value\n{},2026-07-01T10:00:00Z,{n}\n",
                    o.datastream
                ))),
            ),
            may: May::AnyCurator,
            ok: 200,
        },
        Row {
            route: "POST /sensors/stations",
            path: "/sensors/stations".into(),
            send: form(&[
                ("publisher", HERE),
                ("name", &format!("Stanice {n}")),
                ("latitude", "50,46"),
                ("longitude", "13,41"),
            ]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /sensors/stations/{id}/edit",
            path: format!("/sensors/stations/{}/edit", o.station),
            send: form(&[
                ("publisher", HERE),
                ("name", &format!("Stanice {n}")),
                ("latitude", "50.461"),
                ("longitude", "13.412"),
            ]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /sensors/stations/{id}/delete",
            path: format!("/sensors/stations/{}/delete", o.doomed_station),
            send: form(&[]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /sensors/stations/{id}/dataset",
            path: format!("/sensors/stations/{}/dataset", o.station),
            send: form(&[]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /sensors/stations/{id}/datastreams",
            path: format!("/sensors/stations/{}/datastreams", o.station),
            send: form(&[
                ("name", &format!("Teplota {n}")),
                ("property_name", "Teplota vzduchu"),
                (
                    "property_uri",
                    "http://vocab.nerc.ac.uk/standard_name/air_temperature/",
                ),
                ("unit_ucum", "Cel"),
            ]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /sensors/stations/{id}/tokens",
            path: format!("/sensors/stations/{}/tokens", o.station),
            send: form(&[("name", "brána")]),
            may: May::Curators,
            ok: 200,
        },
        Row {
            route: "POST /sensors/stations/{id}/tokens/{token}/revoke",
            path: format!(
                "/sensors/stations/{}/tokens/{}/revoke",
                o.station, o.device_token
            ),
            send: form(&[]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /sensors/datastreams/{id}/edit",
            path: format!("/sensors/datastreams/{}/edit", o.datastream),
            send: form(&[
                ("name", &format!("PM10 {n}")),
                ("property_name", "PM10"),
                (
                    "property_uri",
                    "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/5",
                ),
                ("unit_ucum", "ug/m3"),
            ]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /sensors/datastreams/{id}/delete",
            path: format!("/sensors/datastreams/{}/delete", o.doomed_datastream),
            send: form(&[]),
            may: May::Curators,
            ok: 303,
        },
        Row {
            route: "POST /sta/v1.1/{tail}",
            path: format!("/sta/v1.1/Datastreams({})/Observations", o.datastream),
            send: Send::Json(
                Method::POST,
                Some(json!({"phenomenonTime": "2026-07-03T10:00:00Z", "result": n})),
            ),
            may: May::Curators,
            ok: 201,
        },
        Row {
            route: "PUT /sta/v1.1/{tail}",
            path: format!("/sta/v1.1/Datastreams({})", o.datastream),
            send: Send::Json(
                Method::PUT,
                Some(json!({"description": format!("PM10 {n}")})),
            ),
            may: May::Curators,
            ok: 200,
        },
        Row {
            route: "DELETE /sta/v1.1/{tail}",
            path: format!("/sta/v1.1/Observations('{}-{OBSERVED}')", o.datastream),
            send: Send::Json(Method::DELETE, None),
            may: May::Curators,
            ok: 200,
        },
        Row {
            route: "POST /api/v1/datasets/{slug}/layers",
            path: "/api/v1/datasets/obsazenost-parkovist/layers?name=lampy.csv".into(),
            send: Send::Json(
                Method::POST,
                Some(Value::String(format!("id,lat,lon\n{n},50.46,13.41\n"))),
            ),
            may: May::Curators,
            ok: 201,
        },
        Row {
            route: "PUT /api/v1/datasets/{slug}/distributions/{id}/file",
            path: format!(
                "/api/v1/datasets/parkoviste/distributions/{}/file?name=obsazenost.csv",
                o.file
            ),
            send: Send::Json(Method::PUT, Some(Value::String(format!("a,b\n{n},3\n")))),
            may: May::Curators,
            ok: 200,
        },
        // The catalog, through the API.
        Row {
            route: "POST /api/v1/datasets",
            path: "/api/v1/datasets".into(),
            send: Send::Json(Method::POST, Some(api_dataset(&format!("matice-{n}")))),
            may: May::Curators,
            ok: 201,
        },
        Row {
            route: "PUT /api/v1/datasets/{slug}",
            path: "/api/v1/datasets/parkoviste".into(),
            send: Send::Json(Method::PUT, Some(edited)),
            may: May::Curators,
            ok: 200,
        },
        Row {
            route: "DELETE /api/v1/datasets/{slug}",
            path: format!("/api/v1/datasets/koncept-api-smazat-{n}"),
            send: Send::Json(Method::DELETE, None),
            may: May::Curators,
            ok: 204,
        },
        Row {
            route: "POST /api/v1/datasets/{slug}/transition",
            path: format!("/api/v1/datasets/koncept-api-prechod-{n}/transition"),
            send: Send::Json(Method::POST, Some(json!({"to": "published"}))),
            may: May::Curators,
            ok: 200,
        },
        Row {
            route: "POST /api/v1/datasets/{slug}/publish",
            path: format!("/api/v1/datasets/koncept-api-{n}/publish"),
            send: Send::Json(Method::POST, None),
            may: May::Curators,
            ok: 200,
        },
        Row {
            route: "POST /api/v1/datasets/{slug}/withdraw",
            path: format!("/api/v1/datasets/stahnout-api-{n}/withdraw"),
            send: Send::Json(Method::POST, Some(json!({"reason": "test"}))),
            may: May::Curators,
            ok: 200,
        },
        // Last: it ends the session the rows above were sent in.
        Row {
            route: "POST /logout",
            path: "/logout".into(),
            send: form(&[]),
            may: May::SignedIn,
            ok: 303,
        },
    ]
}

fn api_dataset(slug: &str) -> Value {
    json!({
        "slug": slug, "publisher": HERE,
        "title_cs": "T", "description_cs": "D",
        "themes": ["http://publications.europa.eu/resource/authority/data-theme/GOVE"],
        "frequency": "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
        "spatial": "https://linked.cuzk.cz/resource/ruian/obec/562971",
        "keywords_cs": ["k"]
    })
}

async fn send_form(browser: &Client, row: &Row, csrf: Csrf) -> Reply {
    match &row.send {
        Send::Form(f) | Send::Multipart(f) => {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            if matches!(row.send, Send::Multipart(_)) {
                browser.submit_multipart(&row.path, &pairs, csrf).await
            } else {
                browser.submit_with(&row.path, &pairs, csrf).await
            }
        }
        Send::Json(..) => unreachable!("a form row"),
    }
}

async fn send_api(api: &Api, method: &Method, path: &str, body: &Option<Value>) -> Reply {
    let mut req = api.request(method.clone(), path);
    match body {
        // A string body is a file sent as it is (a CSV import).
        Some(Value::String(text)) => req = req.body("text/csv", text.clone()),
        Some(b) => req = req.json(b),
        None => {}
    }
    req.send().await
}

/// The same API call with only the browser's session cookie.
async fn send_api_with_cookie(
    browser: &Client,
    method: &Method,
    path: &str,
    body: &Option<Value>,
) -> Reply {
    let mut req = browser.http.request(method.clone(), browser.url(path));
    match body {
        Some(Value::String(text)) => {
            req = req.header("Content-Type", "text/csv").body(text.clone());
        }
        Some(b) => req = req.json(b),
        None => {}
    }
    Reply::read(req.send().await.expect("request")).await
}

#[actix_web::test]
async fn every_unsafe_route_by_sender_and_csrf_state() {
    let app = TestApp::start().await;
    let target = app.person("cil@chomutov.test", &[Role::Curator], &[]);
    // Another signed-in session whose token the rows try to reuse.
    let elsewhere = app.signed_in("jinde@chomutov.test", &[Role::Admin]).await;
    let foreign_token = elsewhere.session_token().await;
    let version = |app: &TestApp| radnice::db::data_version(&mut app.conn()).expect("version");

    let mut failures: Vec<String> = Vec::new();
    let mut covered = std::collections::BTreeSet::new();
    for (n, who) in EVERYONE.into_iter().enumerate() {
        let (roles, publishers) = who.roles_and_publishers();
        let person: Option<Person> = (who != Who::Anonymous)
            .then(|| app.person(&format!("{who:?}@chomutov.test"), roles, publishers));
        let own_token = match &person {
            Some(p) => {
                radnice::auth::store::create_token(
                    &mut app.conn(),
                    &radnice::audit::Actor::system("test"),
                    &p.id,
                    "revoke-me",
                )
                .expect("token")
                .0
                .id
            }
            None => "none".into(),
        };
        let objects = Objects::prepare(&app, n, &target.id, own_token);
        if let (Some(p), Who::WorkingGroup) = (&person, who) {
            let kpi = radnice::strategy::store::kpi_by_code(&mut app.conn(), "KPI-SC2-01")
                .expect("q")
                .expect("kpi");
            radnice::strategy::service::set_kpi_members(
                &mut app.conn(),
                &radnice::audit::Actor::system("test"),
                &kpi.id,
                std::slice::from_ref(&p.id),
            )
            .expect("members");
            let project = radnice::strategy::store::project_by_code(&mut app.conn(), "P-SC8-01")
                .expect("q")
                .expect("project");
            radnice::strategy::service::set_project_members(
                &mut app.conn(),
                &radnice::audit::Actor::system("test"),
                &project.id,
                std::slice::from_ref(&p.id),
            )
            .expect("members");
        }
        let (browser, api) = match &person {
            Some(p) => (app.browser_of(p).await, app.api_of(p)),
            None => (app.client(), app.api()),
        };
        // The anonymous visitor's page token (a double-submit token).
        let own_page_token = browser.session_token().await;
        for row in rows(&objects) {
            covered.insert(row.route);
            let want = who.expects(row.may, row.ok);
            let mut check = |what: &str, got: &Reply, want: u16, before: i64| {
                if got.status != want {
                    failures.push(format!(
                        "{} as {who:?}{what}: expected {want}, got {}",
                        row.route, got.status
                    ));
                }
                if matches!(want, 401 | 403) && version(&app) != before {
                    failures.push(format!(
                        "{} as {who:?}{what}: refused, yet data changed",
                        row.route
                    ));
                }
            };
            match &row.send {
                Send::Form(_) | Send::Multipart(_) => {
                    // Without this session's token nothing passes: a signed-in
                    // sender gets 403, an anonymous one 401 before that.
                    let bad = if who == Who::Anonymous { 401 } else { 403 };
                    for (what, csrf) in [
                        (" without CSRF", Csrf::None),
                        (
                            " with another session's CSRF",
                            Csrf::Token(foreign_token.clone()),
                        ),
                    ] {
                        let before = version(&app);
                        let got = send_form(&browser, &row, csrf).await;
                        check(what, &got, bad, before);
                    }
                    let before = version(&app);
                    let got = send_form(&browser, &row, Csrf::Token(own_page_token.clone())).await;
                    check("", &got, want, before);
                }
                Send::Json(method, body) => {
                    if person.is_some() {
                        // A session cookie is not an API credential.
                        let before = version(&app);
                        let got = send_api_with_cookie(&browser, method, &row.path, body).await;
                        check(" with the session cookie only", &got, 401, before);
                    }
                    let before = version(&app);
                    let got = send_api(&api, method, &row.path, body).await;
                    check("", &got, want, before);
                }
            }
        }
    }
    // Every unsafe route of the route table is in this table.
    let table = std::fs::read_to_string(crate::support::manifest_dir().join("src/routes.rs"))
        .expect("route table");
    let writes = table.matches(".post(").count()
        + table.matches(".put(").count()
        + table.matches(".delete(").count();
    // The login, a reset link's form and the SPARQL endpoint are the three
    // that are not a signed-in user's writes.
    assert_eq!(
        covered.len(),
        writes - 3,
        "the route table has {writes} unsafe routes; this table covers {covered:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of the table's answers are wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

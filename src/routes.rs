//! The one route table: every route of the application, one block per
//! domain. Patterns are constrained so that no two of them match the same
//! request, and so the order of the blocks does not matter (a unit test
//! below proves it for every pattern). A new domain adds one block here and
//! touches no other domain.

use actix_web::web::{self, ServiceConfig, resource};

use crate::{audit, auth, catalog, dcat, files, gis, home, sensors, strategy};

/// The patterns, named once: the table and the overlap test share them.
pub mod paths {
    /// A slug, except `new` (the form for a new one): `[a-z0-9-]+` with that
    /// one word taken out (the router's regex has no look-ahead).
    pub const SLUG: &str = "{slug:(?:new[a-z0-9-]+|ne[a-vx-z0-9-][a-z0-9-]*|n[a-df-z0-9-][a-z0-9-]*|ne|n|[a-mo-z0-9-][a-z0-9-]*)}";
    /// Ids are UUIDs: hexadecimal and hyphens, never a word like `new`.
    pub const ID: &str = "{id:[0-9a-f-]+}";
    /// The sensor registry's ids are integers (SensorThings' `@iot.id`).
    pub const NUM: &str = "{id:[0-9]{1,18}}";
    /// A project's or KPI's code: capitals, digits and hyphens.
    pub const CODE: &str = "{code:[A-Z0-9-]{2,40}}";
    /// A goal's chapter of its strategy document: `3.1.10`.
    pub const CHAPTER: &str = "{chapter:[0-9]{1,3}(\\.[0-9]{1,3}){0,5}}";

    // The application.
    pub const HEALTH: &str = "/healthz";
    pub const HOME: &str = "/";
    pub const LANG: &str = "/lang/{code:[a-z]{2}}";
    pub const API_DOCS: &str = "/api";
    pub const COMPONENTS: &str = "/components";
    pub const ACCESSIBILITY: &str = "/pristupnost";
    pub const PRIVACY: &str = "/soukromi";
    pub const WORK: &str = "/work";
    pub const STATIC: &str = "/static/{path:.*}";
    pub const FAVICON: &str = "/favicon.ico";

    // Accounts.
    pub const LOGIN: &str = "/login";
    pub const LOGOUT: &str = "/logout";
    pub const ACCOUNT: &str = "/account";
    pub const PASSWORD: &str = "/account/password";
    pub const TOKENS: &str = "/account/tokens";
    pub const TOKEN_REVOKE: &str = "/account/tokens/{id:[0-9a-f-]+}/revoke";
    pub const USERS: &str = "/admin/users";
    pub const USER: &str = "/admin/users/{id:[0-9a-f-]+}";
    pub const USER_PASSWORD: &str = "/admin/users/{id:[0-9a-f-]+}/password";
    pub const USER_RESET: &str = "/admin/users/{id:[0-9a-f-]+}/reset-link";
    /// A one-time link to set a new password (anonymous by design).
    pub const RESET: &str = "/password-reset/{secret:[0-9a-f]{64}}";
    pub const API_ME: &str = "/api/v1/me";
    pub const API_USERS: &str = "/api/v1/users";

    // The audit log.
    pub const AUDIT: &str = "/admin/audit";
    pub const SECURITY: &str = "/admin/security";
    pub const HISTORY: &str = "/history/{object_type:[a-z_]+}/{object_id}";
}

/// Builds a dataset path from the named patterns.
fn dataset(rest: &str) -> String {
    format!("/datasets/{}{rest}", paths::SLUG)
}

pub fn table(cfg: &mut ServiceConfig) {
    use paths::*;

    // The application as a whole.
    cfg.service(resource(HEALTH).get(home::healthz))
        .service(resource(HOME).get(home::home))
        .service(resource(LANG).get(home::switch_lang))
        .service(resource(API_DOCS).get(home::api_docs))
        .service(resource(COMPONENTS).get(crate::web::showcase::page))
        .service(resource(ACCESSIBILITY).get(crate::legal::accessibility))
        .service(resource(PRIVACY).get(crate::legal::privacy))
        .service(resource(WORK).get(crate::work::page))
        .service(resource(STATIC).get(crate::web::assets::serve))
        .service(resource(FAVICON).get(crate::web::assets::favicon));

    // Accounts and users.
    {
        use auth::routes::*;
        cfg.service(resource(LOGIN).get(login_form).post(login))
            .service(resource(LOGOUT).post(logout))
            .service(resource(ACCOUNT).get(account))
            .service(resource(PASSWORD).post(change_password))
            .service(resource(TOKENS).post(create_token))
            .service(resource(TOKEN_REVOKE).post(revoke_token))
            .service(resource(USERS).get(users_page).post(create_user))
            .service(resource(USER).get(user_page).post(update_user))
            .service(resource(USER_PASSWORD).post(admin_set_password))
            .service(resource(USER_RESET).post(admin_reset_link))
            .service(resource(RESET).get(reset_form).post(reset_password))
            .service(resource(SECURITY).get(security_page))
            .service(resource(API_ME).get(api_me))
            .service(resource(API_USERS).get(api_users).post(api_create_user));
    }

    // The audit log and each object's history.
    {
        use audit::routes::*;
        cfg.service(resource(AUDIT).get(audit_page))
            .service(resource(HISTORY).get(history_page));
    }

    // The catalog: public pages and API, then the curators' forms.
    {
        use catalog::curation as cur;
        use catalog::routes::*;
        let dist = |rest: &str| dataset(&format!("/distributions/{ID}{rest}"));
        cfg.service(resource("/datasets").get(datasets_page))
            .service(resource(dataset("")).get(dataset_or_document))
            .service(resource("/data").get(data_page))
            .service(resource("/publishers").get(publishers_page))
            .service(resource(format!("/publishers/{SLUG}")).get(publisher_page))
            .service(
                resource("/api/v1/datasets")
                    .get(api_datasets)
                    .post(api_create_dataset),
            )
            .service(
                resource(format!("/api/v1/datasets/{SLUG}"))
                    .get(api_dataset)
                    .put(api_update_dataset)
                    .delete(api_delete_dataset),
            )
            .service(
                resource(format!("/api/v1/datasets/{SLUG}/transition"))
                    .post(api_transition_dataset),
            )
            .service(resource(format!("/api/v1/datasets/{SLUG}/publish")).post(api_publish_dataset))
            .service(
                resource(format!("/api/v1/datasets/{SLUG}/withdraw")).post(api_withdraw_dataset),
            )
            .service(resource("/api/v1/publishers").get(api_publishers))
            .service(resource("/api/v1/vocabularies/{scheme:[a-z_]+}").get(api_vocabulary))
            .service(
                resource("/datasets/new")
                    .get(cur::new_form)
                    .post(cur::create),
            )
            .service(
                resource(dataset("/edit"))
                    .get(cur::edit_form)
                    .post(cur::update),
            )
            .service(
                resource(dataset("/distributions/new"))
                    .get(cur::new_distribution_form)
                    .post(cur::add_distribution),
            )
            .service(
                resource(dist("/edit"))
                    .get(cur::edit_distribution_form)
                    .post(cur::update_distribution),
            )
            .service(resource(dist("/delete")).post(cur::delete_distribution))
            .service(resource(dataset("/transition")).post(cur::transition))
            .service(resource(dataset("/publish")).post(cur::publish))
            .service(resource(dataset("/withdraw")).post(cur::withdraw))
            .service(resource(dataset("/unmark-example")).post(cur::unmark_example))
            .service(
                resource("/admin/publishers")
                    .get(catalog::publisher_admin::list)
                    .post(catalog::publisher_admin::create),
            )
            .service(
                resource(format!("/admin/publishers/{SLUG}"))
                    .get(catalog::publisher_admin::edit_form)
                    .post(catalog::publisher_admin::update),
            )
            .service(resource(dataset("/delete")).post(cur::delete_draft));
    }

    // Files: stored distributions, their versions and tables.
    {
        use files::routes::*;
        let dist = |rest: &str| dataset(&format!("/distributions/{ID}{rest}"));
        cfg.service(
            resource(format!("/api/v1/datasets/{SLUG}/distributions/upload")).post(api_upload),
        )
        .service(
            resource(format!("/api/v1/datasets/{SLUG}/distributions/{ID}/file"))
                .put(api_put_file)
                .delete(api_delete_file),
        )
        .service(
            resource(format!(
                "/api/v1/datasets/{SLUG}/distributions/{ID}/versions"
            ))
            .get(api_versions),
        )
        .service(resource(format!("/api/v1/tables/{ID}")).get(api_table))
        .service(resource(format!("/api/v1/tables/{ID}/schema")).get(api_table_schema))
        .service(
            resource(dist("/download"))
                .get(download)
                .route(web::head().to(download)),
        )
        .service(resource(dist("/preview")).get(preview_page))
        .service(
            resource(dist("/file"))
                .get(version_form)
                .post(upload_version),
        )
        .service(resource(dist("/file/delete")).post(delete_file))
        .service(
            resource(dataset("/distributions/upload"))
                .get(upload_form)
                .post(upload),
        );
    }

    // Sensors: observations in batches.
    {
        use sensors::routes::*;
        cfg.service(
            resource("/api/v1/observations")
                .app_data(web::PayloadConfig::default().limit(BATCH_LIMIT))
                .post(api_observations),
        )
        .service(resource(dataset("/observations")).get(dataset_page))
        .service(resource(dataset("/stations.geojson")).get(stations_geojson))
        .service(resource(dataset("/observations.{ext:(csv|json)}")).get(download))
        .service(
            resource("/sensors/stations")
                .get(stations_page)
                .post(create_station),
        )
        .service(resource("/sensors/stations/new").get(new_station_form))
        .service(resource(format!("/sensors/stations/{NUM}")).get(station_page))
        .service(
            resource(format!("/sensors/stations/{NUM}/edit"))
                .get(edit_station_form)
                .post(update_station),
        )
        .service(resource(format!("/sensors/stations/{NUM}/delete")).post(delete_station))
        .service(resource(format!("/sensors/stations/{NUM}/dataset")).post(create_dataset))
        .service(
            resource(format!("/sensors/stations/{NUM}/datastreams/new")).get(new_datastream_form),
        )
        .service(resource(format!("/sensors/stations/{NUM}/datastreams")).post(create_datastream))
        .service(resource(format!("/sensors/stations/{NUM}/tokens")).post(create_token))
        .service(
            resource(format!("/sensors/stations/{NUM}/tokens/{{token}}/revoke")).post(revoke_token),
        )
        .service(
            resource(format!("/sensors/datastreams/{NUM}/edit"))
                .get(edit_datastream_form)
                .post(update_datastream),
        )
        .service(resource(format!("/sensors/datastreams/{NUM}/delete")).post(delete_datastream));
        use sensors::sta::{ROOT, routes as sta};
        cfg.service(resource([ROOT.to_string(), format!("{ROOT}/")]).get(sta::root))
            .service(
                resource(format!("{ROOT}/{{tail:.+}}"))
                    .app_data(web::PayloadConfig::default().limit(BATCH_LIMIT))
                    .get(sta::get)
                    .post(sta::post)
                    .patch(sta::update)
                    .put(sta::update)
                    .delete(sta::delete),
            );
    }

    // GIS: layer imports, and OGC API Features over the layers.
    {
        use gis::ogc;
        use gis::routes::*;
        cfg.service(resource(format!("/api/v1/datasets/{SLUG}/layers")).post(api_import))
            .service(resource(dataset("/layer")).get(import_form).post(import))
            // Clients (OWSLib) ask for the landing page with a slash.
            .service(resource(["/ogc", "/ogc/"]).get(ogc::landing))
            .service(resource("/ogc/conformance").get(ogc::conformance))
            .service(resource("/ogc/api").get(ogc::api))
            .service(resource("/ogc/collections").get(ogc::collections))
            .service(resource(format!("/ogc/collections/{SLUG}")).get(ogc::collection))
            .service(resource(format!("/ogc/collections/{SLUG}/items")).get(ogc::items))
            .service(
                resource(format!(
                    "/ogc/collections/{SLUG}/items/{{fid:[0-9]{{1,12}}}}"
                ))
                .get(ogc::item),
            );
    }

    // DCAT: the catalog as RDF, SPARQL, harvesting.
    {
        use dcat::routes::*;
        cfg.service(resource("/catalog").get(catalog))
            .service(resource("/catalog.{ext:[a-z]+}").get(catalog_suffix))
            .service(resource("/catalog/dump.{ext:[a-z.]+}").get(dump))
            .service(resource(dataset(".{ext:(ttl|jsonld|rdf|nt)}")).get(dataset_suffix))
            .service(resource(dataset(&format!("/distributions/{ID}"))).get(distribution))
            .service(
                resource("/sparql")
                    .get(sparql_get)
                    .post(sparql_post)
                    .route(web::method(actix_web::http::Method::OPTIONS).to(sparql_preflight)),
            )
            .service(
                resource("/harvest")
                    .get(dcat::harvesting::page_get)
                    .post(dcat::harvesting::page_post),
            );
    }

    // The strategy.
    {
        use strategy::admin;
        use strategy::routes::*;
        cfg.service(resource("/strategies").get(list_page))
            .service(resource(format!("/strategies/{SLUG}")).get(detail_page))
            .service(resource(format!("/strategies/{SLUG}/goals/{CHAPTER}")).get(goal_page))
            .service(
                resource(format!(
                    "/strategies/{SLUG}/{{table:(goals|projects|kpi-values|reports)}}.{{ext:(csv|json)}}"
                ))
                .get(table_download),
            )
            .service(resource("/api/v1/strategies").get(api_list))
            .service(resource(format!("/api/v1/strategies/{SLUG}")).get(api_detail))
            .service(resource(format!("/api/v1/strategies/{SLUG}/dashboard")).get(api_dashboard))
            .service(resource(format!("/api/v1/kpis/{CODE}")).get(api_kpi))
            .service(
                resource(format!("/api/v1/kpis/{CODE}/measurements")).post(api_record_measurement),
            )
            .service(
                resource(format!("/api/v1/kpis/{CODE}/measurements/{ID}/transition"))
                    .post(api_move_measurement),
            )
            .service(resource(format!("/kpis/{CODE}")).get(kpi_page))
            .service(resource(format!("/projects/{CODE}")).get(project_page))
            .service(
                resource(format!("/projects/{CODE}/report"))
                    .get(strategy::tracking::report_page)
                    .post(strategy::tracking::file_report),
            )
            .service(
                resource(format!("/projects/{CODE}/transition"))
                    .post(strategy::tracking::move_project),
            )
            .service(
                resource(format!("/kpis/{CODE}/values"))
                    .get(strategy::tracking::values_page)
                    .post(strategy::tracking::record_value),
            )
            .service(
                resource(format!("/kpis/{CODE}/values/{ID}/transition"))
                    .post(strategy::tracking::move_value),
            )
            .service(
                resource(format!("/api/v1/projects/{CODE}/reports"))
                    .get(api_reports)
                    .post(api_file_report),
            )
            .service(resource(format!("/api/v1/projects/{CODE}/transition")).post(api_move_project))
            .service(
                resource("/admin/strategies")
                    .get(admin::strategies_page)
                    .post(admin::create_strategy),
            )
            .service(
                resource(format!("/admin/strategies/{SLUG}"))
                    .get(admin::strategy_page)
                    .post(admin::update_strategy),
            )
            .service(
                resource(format!("/admin/strategies/{SLUG}/goals/new")).get(admin::new_goal_page),
            )
            .service(resource(format!("/admin/strategies/{SLUG}/goals")).post(admin::create_goal))
            .service(
                resource(format!("/admin/strategies/{SLUG}/goals/{CHAPTER}"))
                    .get(admin::goal_page)
                    .post(admin::update_goal),
            )
            .service(
                resource(format!("/admin/strategies/{SLUG}/projects/new"))
                    .get(admin::new_project_page),
            )
            .service(
                resource(format!("/admin/strategies/{SLUG}/projects")).post(admin::create_project),
            )
            .service(
                resource(format!("/admin/projects/{CODE}"))
                    .get(admin::project_page)
                    .post(admin::update_project),
            )
            .service(
                resource(format!("/admin/strategies/{SLUG}/kpis/new")).get(admin::new_kpi_page),
            )
            .service(resource(format!("/admin/strategies/{SLUG}/kpis")).post(admin::create_kpi))
            .service(
                resource(format!("/admin/kpis/{CODE}"))
                    .get(admin::kpi_page)
                    .post(admin::update_kpi),
            )
            .service(
                resource("/api/v1/measurements.csv")
                    .app_data(web::PayloadConfig::default().limit(CSV_LIMIT))
                    .post(api_import_csv),
            );
    }
}

/// A dataset's URL is its IRI: RDF clients get its document (dcat), people
/// its page (catalog). Deciding here keeps the catalog from naming dcat.
async fn dataset_or_document(
    req: actix_web::HttpRequest,
    page: crate::web::Page,
    slug: web::Path<String>,
) -> crate::error::AppResult<actix_web::HttpResponse> {
    match dcat::format::negotiate(&req) {
        Some(f) => dcat::routes::dataset_document(page.state.clone(), slug.into_inner(), f).await,
        None => catalog::routes::dataset_page(page, slug).await,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::dev::ResourceDef;

    use super::{dataset, paths};

    /// Every pattern of the table that could overlap another.
    fn patterns() -> Vec<String> {
        let dist = |rest: &str| dataset(&format!("/distributions/{}{rest}", paths::ID));
        vec![
            "/datasets".into(),
            dataset(""),
            "/datasets/new".into(),
            dataset("/edit"),
            dataset("/distributions/new"),
            dist(""),
            dist("/edit"),
            dist("/delete"),
            dist("/download"),
            dist("/preview"),
            dist("/file"),
            dist("/file/delete"),
            dataset("/distributions/upload"),
            dataset("/transition"),
            dataset("/publish"),
            dataset("/withdraw"),
            dataset("/unmark-example"),
            dataset("/delete"),
            dataset(".{ext:(ttl|jsonld|rdf|nt)}"),
            "/catalog".into(),
            "/catalog.{ext:[a-z]+}".into(),
            "/catalog/dump.{ext:[a-z.]+}".into(),
            format!("/api/v1/datasets/{}", paths::SLUG),
            format!("/api/v1/datasets/{}/transition", paths::SLUG),
            "/api/v1/datasets".into(),
            paths::USERS.into(),
            paths::USER.into(),
            format!("/api/v1/strategies/{}", paths::SLUG),
            format!("/api/v1/strategies/{}/dashboard", paths::SLUG),
            format!("/api/v1/kpis/{}", paths::CODE),
        ]
    }

    #[test]
    fn no_two_routes_match_the_same_path() {
        let defs: Vec<ResourceDef> = patterns()
            .iter()
            .map(|p| ResourceDef::new(p.as_str()))
            .collect();
        let id = "0193a7f0-1c2b-7d3e-8f40-123456789abc";
        for path in [
            "/datasets".to_string(),
            "/datasets/new".into(),
            "/datasets/news".into(),
            "/datasets/ne".into(),
            "/datasets/n".into(),
            "/datasets/newt-2".into(),
            "/datasets/pasport-zelene".into(),
            "/datasets/pasport-zelene.ttl".into(),
            "/datasets/pasport-zelene/edit".into(),
            "/datasets/pasport-zelene/distributions/new".into(),
            format!("/datasets/pasport-zelene/distributions/{id}"),
            format!("/datasets/pasport-zelene/distributions/{id}/edit"),
            format!("/datasets/pasport-zelene/distributions/{id}/download"),
            format!("/datasets/pasport-zelene/distributions/{id}/preview"),
            "/datasets/pasport-zelene/distributions/upload".into(),
            "/datasets/pasport-zelene/transition".into(),
            "/datasets/pasport-zelene/delete".into(),
            "/catalog".into(),
            "/catalog.ttl".into(),
            "/catalog/dump.nt.gz".into(),
            "/api/v1/datasets/stromy/transition".into(),
            format!("/admin/users/{id}"),
            "/api/v1/strategies/chomutov-ict-2020-2024".into(),
            "/api/v1/strategies/chomutov-ict-2020-2024/dashboard".into(),
            "/api/v1/kpis/KPI-SC1-01".into(),
        ] {
            let hits: Vec<&str> = defs
                .iter()
                .filter(|d| d.is_match(&path))
                .map(|d| d.pattern().unwrap_or(""))
                .collect();
            assert_eq!(hits.len(), 1, "{path} matches {hits:?}");
        }
        // A slug with a dot, or anything outside the alphabet, is no route.
        for path in [
            "/datasets/a.b",
            "/datasets/Velka",
            "/datasets/a/distributions/xyz",
            // `new` is no dataset's slug (the validator refuses it).
            "/api/v1/datasets/new",
            "/datasets/new.ttl",
            "/api/v1/kpis/kpi-sc1-01",
            "/api/v1/kpis/K",
        ] {
            assert!(!defs.iter().any(|d| d.is_match(path)), "{path}");
        }
    }
}

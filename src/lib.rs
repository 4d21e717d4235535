//! Radnice: a city's open data portal (DCAT-AP catalog) and ICT strategy
//! monitor in one server. This file wires config -> database -> app.

pub mod audit;
pub mod auth;
pub mod bounds;
pub mod catalog;
pub mod config;
pub mod db;
pub mod dcat;
pub mod error;
pub mod fetch;
pub mod files;
pub mod gis;
pub mod home;
pub mod legal;
pub mod lifecycle;
pub mod mail;
pub mod routes;
pub mod seed;
pub mod sensors;
pub mod strategy;
pub mod web;
pub mod work;

use std::path::PathBuf;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, web as aw};

pub use config::Config;

pub struct AppState {
    pub config: Config,
    pub pool: db::Pool,
    pub templates: tera::Tera,
    pub i18n: web::i18n::I18n,
    pub throttle: auth::throttle::LoginThrottle,
    /// The home page's figures, recomputed only after a change.
    pub home_summary: std::sync::Arc<db::VersionedCache<home::HomeSummary>>,
    /// Each strategy's page data as of today.
    pub boards: std::sync::Arc<strategy::dashboard::Boards>,
    /// The health check (its own connection, see `home::healthz`).
    pub health: home::Health,
    /// The public list of datasets and its facets, following the database
    /// (see `catalog::listing`).
    pub listing: std::sync::Arc<catalog::listing::Listing>,
    /// The catalog as RDF, following the database (see `dcat::projection`).
    pub rdf: std::sync::Arc<dcat::Projection>,
    /// Every view derived from the database, for the write paths to call
    /// after a commit (the two above, registered once).
    pub views: audit::follow::Views,
    /// Published dataset pages from memory (the RDF projection, as the
    /// catalog sees it without naming it).
    pub published: std::sync::Arc<dyn catalog::PublishedPages>,
    /// Bounds how many SPARQL queries run at once (see `dcat::sparql`).
    pub sparql: dcat::sparql::Runner,
    /// Each domain's audit object types and which histories are public.
    pub audit: audit::registry::Registry,
    /// The GIS layers' spatial indexes (see `gis::index`).
    pub gis: std::sync::Arc<gis::index::Indexes>,
}

/// Every domain's registrations with the audit log.
fn audit_registry() -> audit::registry::Registry {
    let mut registry = audit::registry::Registry::default();
    auth::register_audit(&mut registry);
    catalog::register_audit(&mut registry);
    strategy::register_audit(&mut registry);
    sensors::register_audit(&mut registry);
    registry
}

impl AppState {
    /// Connects (and migrates) the database and builds templates and messages.
    pub fn new(config: Config) -> anyhow::Result<AppState> {
        let target = db::DbTarget::from_config(config.database_url.as_deref(), &config.data_dir)
            .map_err(|e| anyhow::anyhow!(e))?;
        let pool = db::connect(&target)?;
        let health = home::Health::new(db::health_pool(&target)?);
        let listing = std::sync::Arc::new(catalog::listing::Listing::default());
        let rdf = std::sync::Arc::new(
            dcat::Projection::new(&config.base())?
                .with_source(std::sync::Arc::new(strategy::rdf::StrategyGraphs)),
        );
        let mut views = audit::follow::Views::default();
        views.register(rdf.clone());
        views.register(listing.clone());
        let home_summary = std::sync::Arc::new(db::VersionedCache::default());
        views.register(std::sync::Arc::new(home::HomeView(home_summary.clone())));
        let boards = std::sync::Arc::new(strategy::dashboard::Boards::default());
        views.register(std::sync::Arc::new(strategy::dashboard::BoardsView(
            boards.clone(),
        )));
        Ok(AppState {
            boards,
            templates: web::templates()?,
            i18n: web::i18n::I18n::load()?,
            throttle: auth::throttle::LoginThrottle::new(config.login_attempts_per_minute),
            home_summary,
            health,
            published: std::sync::Arc::new(rdf.clone()),
            listing,
            rdf,
            views,
            sparql: dcat::sparql::Runner::new(config.sparql_concurrency),
            audit: audit_registry(),
            gis: Default::default(),
            pool,
            config,
        })
    }

    /// Seeds from `dir` when the database has never been seeded.
    pub fn seed_if_empty(&self, dir: &std::path::Path) -> anyhow::Result<Option<u64>> {
        let mut conn = self.pool.get()?;
        if !seed::is_empty(&mut conn)? {
            return Ok(None);
        }
        // The example files are checked before anything is loaded.
        files::seed::check(dir, self.config.table_max_rows)?;
        gis::seed::check(dir)?;
        sensors::seed::check(dir)?;
        let n = seed::run(&mut conn, dir, &self.config.base())?;
        let stored = files::seed::run(
            &mut conn,
            &files::storage::Storage::new(&self.config.data_dir),
            // As the rest of the seed: the views are built after it.
            &audit::follow::Views::default(),
            dir,
            &self.config.base(),
            self.config.table_max_rows,
        )?;
        let layers = gis::seed::run(
            &mut conn,
            &files::storage::Storage::new(&self.config.data_dir),
            &audit::follow::Views::default(),
            dir,
            &self.config.base(),
        )?;
        let stations = sensors::seed::run(&mut conn, dir)?;
        sensors::open_data::ensure_all(&mut conn, &self.config.base())?;
        Ok(Some(n + stored + layers + stations))
    }
}

/// Where `serve` and `seed` find the seed content unless told otherwise.
pub fn default_seed_dir() -> PathBuf {
    std::env::var_os("RADNICE_SEED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("catalog"))
}

/// The whole application: routes, body limits, error pages, CSRF cookie,
/// security headers. Used by `serve` and by the tests alike.
pub fn app(
    state: aw::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.config.body_limit;
    let body_timeout = std::time::Duration::from_millis(state.config.body_timeout_ms);
    let https = state.config.base_is_https();
    App::new()
        .app_data(state)
        .app_data(
            aw::JsonConfig::default()
                .limit(limit)
                // actix answers a wrong content type with 400; it is 415.
                .error_handler(|err, _| match err {
                    actix_web::error::JsonPayloadError::ContentType => {
                        error::AppError::UnsupportedMediaType.into()
                    }
                    other => other.into(),
                }),
        )
        .app_data(aw::FormConfig::default().limit(limit))
        .app_data(aw::PayloadConfig::default().limit(limit))
        .configure(routes::table)
        .default_service(aw::to(|| async {
            Err::<actix_web::HttpResponse, _>(error::AppError::NotFound)
        }))
        // Inside the function below: it runs after the token is attached
        // and the body has its deadline.
        .wrap(auth::csrf::Guard { limit })
        .wrap_fn(move |mut req, srv| {
            web::body_deadline(&mut req, body_timeout);
            auth::csrf::attach(&req);
            let fut = srv.call(req);
            async move {
                let res = fut.await?.map_into_boxed_body();
                let mut res = web::errors::finish(res);
                let fresh = auth::csrf::cookie_value(res.request());
                // A response that sets its own CSRF cookie (login) wins.
                let sets_own = res
                    .response()
                    .cookies()
                    .any(|c| c.name() == auth::csrf::COOKIE);
                if let Some(token) = fresh
                    && !sets_own
                {
                    res.response_mut()
                        .add_cookie(&auth::csrf::cookie(&token, https))
                        .map_err(actix_web::error::ErrorInternalServerError)?;
                }
                web::headers::apply(res.headers_mut(), https);
                web::headers::open_api_reads(&mut res);
                Ok(res)
            }
        })
}

/// Harvests the web sources that are due, checking every ten minutes
/// (the first check a minute after the start).
fn schedule_harvests(state: aw::Data<AppState>) {
    if state.config.harvest_every_hours == 0 {
        return;
    }
    actix_web::rt::spawn(async move {
        actix_web::rt::time::sleep(std::time::Duration::from_secs(60)).await;
        loop {
            if let Err(e) = dcat::harvesting::run_due(&state).await {
                log::warn!("scheduled harvests: {e}");
            }
            actix_web::rt::time::sleep(std::time::Duration::from_secs(600)).await;
        }
    });
}

/// Moves the sensor datasets' temporal coverage (and so their
/// `dct:modified`) to the days the data has reached, every ten minutes:
/// a write per dataset and new day, not per batch.
fn schedule_sensor_coverage(state: aw::Data<AppState>) {
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(std::time::Duration::from_secs(600)).await;
            let views = state.clone();
            let base = state.config.base();
            match db::run(&state.pool, move |c| {
                let n = sensors::open_data::ensure_all(c, &base)?;
                if n > 0 {
                    views.views.after_commit(c, &["dataset"]);
                }
                Ok::<_, diesel::result::Error>(n)
            })
            .await
            {
                Ok(n) if n > 0 => log::info!("sensor datasets: coverage of {n} moved"),
                Ok(_) => {}
                Err(e) => log::warn!("sensor datasets: {}", error::AppError::from(e)),
            }
        }
    });
}

/// Computes the KPIs the portal measures itself (`strategy::computed`)
/// shortly after start and then every hour: a period's value lands within
/// an hour of its end.
fn schedule_computed_kpis(state: aw::Data<AppState>) {
    actix_web::rt::spawn(async move {
        actix_web::rt::time::sleep(std::time::Duration::from_secs(5)).await;
        loop {
            let today = strategy::dashboard::today();
            let views = state.clone();
            match db::run(&state.pool, move |c| {
                let n = strategy::computed::run(c, today)?;
                if n > 0 {
                    views.views.after_commit(c, &["measurement"]);
                }
                Ok::<_, diesel::result::Error>(n)
            })
            .await
            {
                Ok(n) if n > 0 => log::info!("computed KPIs: {n} values stored"),
                Ok(_) => {}
                Err(e) => log::warn!("computed KPIs: {}", error::AppError::from(e)),
            }
            actix_web::rt::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
}

/// Runs the HTTP server until it is stopped.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let bind = state.config.bind.clone();
    let state = aw::Data::new(state);
    schedule_harvests(state.clone());
    schedule_computed_kpis(state.clone());
    schedule_sensor_coverage(state.clone());
    log::info!("listening on http://{bind}");
    actix_web::HttpServer::new(move || app(state.clone()))
        // A client that closes its connection has gone: its request's work
        // (a SPARQL query, say) is dropped instead of running on.
        .h1_allow_half_closed(false)
        .bind(&bind)?
        .run()
        .await
}

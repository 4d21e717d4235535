//! Test harness: a fresh database per test, the app on a free port, an HTTP
//! client with a cookie jar, and helpers for forms with CSRF tokens.

#![allow(dead_code)]

pub mod attack;
pub mod client;
pub mod smtp;

pub use client::{Api, Csrf, Person, Reply};

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use radnice::auth::{Role, password, store};
use radnice::config::Overrides;
use radnice::{AppState, Config, audit, db};

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A database of its own for one test, removed when the test ends.
pub struct TestDb {
    pub url: Option<String>,
    admin_url: Option<String>,
    name: Option<String>,
    pub dir: tempfile::TempDir,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin_url) if admin_url.starts_with("postgres") => {
                use diesel::Connection;
                use diesel::connection::SimpleConnection;
                let name = format!("radnice_t_{}", uuid::Uuid::new_v4().simple());
                let mut admin = diesel::PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is not reachable: {e}"));
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL");
                url.set_path(&format!("/{name}"));
                TestDb {
                    url: Some(url.to_string()),
                    admin_url: Some(admin_url),
                    name: Some(name),
                    dir,
                }
            }
            Some(other) => panic!("TEST_DATABASE_URL must be postgres://…, got {other}"),
            None => TestDb {
                url: None,
                admin_url: None,
                name: None,
                dir,
            },
        }
    }

    /// A SQLite database whatever TEST_DATABASE_URL says.
    pub fn sqlite_only() -> TestDb {
        TestDb {
            url: None,
            admin_url: None,
            name: None,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.url.is_some()
    }

    pub fn config(&self) -> Config {
        let dir = self.dir.path().to_path_buf();
        let url = self.url.clone();
        Config::load_with_env(
            &Overrides {
                config_file: None,
                bind: Some("127.0.0.1:0".to_string()),
                data_dir: Some(dir),
            },
            move |k| match k {
                "DATABASE_URL" => url.clone(),
                "RADNICE_BASE_URL" => Some("https://data.example.cz".to_string()),
                _ => None,
            },
        )
        .expect("test config")
    }

    pub fn connect(&self) -> db::PooledConn {
        let cfg = self.config();
        let target =
            db::DbTarget::from_config(cfg.database_url.as_deref(), &cfg.data_dir).expect("target");
        db::connect(&target).expect("connect").get().expect("conn")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let (Some(admin_url), Some(name)) = (&self.admin_url, &self.name) {
            use diesel::Connection;
            use diesel::connection::SimpleConnection;
            if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

pub struct TestApp {
    pub db: TestDb,
    pub base: String,
    pub state: actix_web::web::Data<AppState>,
}

impl TestApp {
    /// Starts the app with the seed content loaded.
    pub async fn start() -> TestApp {
        Self::start_with(|_| {}).await
    }

    /// Started with its own address as its public base: for a client that
    /// follows the absolute links the app writes (next pages).
    pub async fn start_here() -> TestApp {
        Self::start_listening(|_| {}, true).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::start_listening(tweak, false).await
    }

    async fn start_listening(tweak: impl FnOnce(&mut Config), here: bool) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let db = TestDb::new();
        let mut config = db.config();
        if here {
            config.base_url = format!("http://127.0.0.1:{port}/").parse().expect("url");
        }
        tweak(&mut config);
        let state = AppState::new(config).expect("app state");
        state
            .seed_if_empty(&manifest_dir().join("catalog"))
            .expect("seed");
        let state = actix_web::web::Data::new(state);
        let s = state.clone();
        let server = actix_web::HttpServer::new(move || radnice::app(s.clone()))
            .workers(1)
            .h1_allow_half_closed(false)
            .disable_signals()
            .listen(listener)
            .expect("listen")
            .run();
        actix_web::rt::spawn(server);
        TestApp {
            db,
            base: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn client(&self) -> Client {
        Client::new(self)
    }

    pub fn conn(&self) -> db::PooledConn {
        self.state.pool.get().expect("pool")
    }

    /// Creates a user directly in the store (as the CLI does).
    pub fn add_user(&self, email: &str, pw: &str, roles: &[Role]) -> store::UserView {
        let hash = password::hash(pw).expect("hash");
        store::create_user(
            &mut self.conn(),
            &audit::Actor::system("test"),
            store::NewUser {
                email,
                display_name: email,
                password_hash: &hash,
                roles,
                publishers: &[],
            },
        )
        .expect("create user")
    }

    pub fn add_token(&self, user_id: &str) -> String {
        store::create_token(
            &mut self.conn(),
            &audit::Actor::system("test"),
            user_id,
            "test",
        )
        .expect("token")
        .1
    }
}

pub const PASSWORD: &str = "correct horse battery";

/// A browser-like client: keeps cookies, reads CSRF tokens from pages.
pub struct Client {
    pub http: reqwest::Client,
    base: String,
    pub jar: Arc<reqwest::cookie::Jar>,
}

impl Client {
    pub fn new(app: &TestApp) -> Client {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static(
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            ),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Client {
            http,
            base: app.base.clone(),
            jar,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.text().await.expect("body"))
    }

    /// The CSRF token of the form on `path` (GETs the page, keeps the cookie).
    pub async fn csrf(&self, path: &str) -> String {
        let (_, html) = self.get_text(path).await;
        csrf_from(&html).unwrap_or_else(|| panic!("no csrf_token on {path}"))
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter())
            .finish();
        self.http
            .post(self.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST")
    }

    /// Logs in through the form; panics unless it succeeds.
    pub async fn login(&self, email: &str, pw: &str) {
        let res = self.try_login(email, pw).await;
        assert_eq!(res.status, 303, "login of {email} should succeed");
    }
}

pub fn csrf_from(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

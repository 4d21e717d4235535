//! One typed configuration: defaults < config file < environment < flags.
//! Bad values are rejected at start with a message that names the source.

use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Clone, Debug)]
pub struct Config {
    pub bind: String,
    pub data_dir: PathBuf,
    /// Public base for links and RDF IRIs, without a trailing slash.
    pub base_url: url::Url,
    pub database_url: Option<String>,
    pub meili_url: Option<String>,
    pub meili_key: Option<String>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request body may take to arrive, in ms, plus one second
    /// per 64 KiB it declares: a client that trickles its body in
    /// ("slow loris") is cut off instead of holding the connection.
    pub body_timeout_ms: u64,
    pub session_hours: i64,
    /// Failed logins per account and address within a minute before 429.
    pub login_attempts_per_minute: usize,
    /// How long one SPARQL query may run before it is stopped (503).
    pub sparql_timeout_ms: u64,
    /// Most rows (or triples) one SPARQL answer may hold (503 beyond).
    pub sparql_max_results: usize,
    /// SPARQL queries evaluated at once; more wait briefly, then get 503.
    pub sparql_concurrency: usize,
    /// Solutions one query may hold in memory (sorting, grouping, joins).
    pub sparql_max_held: usize,
    /// Bytes of one string a query computes.
    pub sparql_max_string: usize,
    /// Bytes of computed strings one query keeps in its solutions.
    pub sparql_max_computed: usize,
    /// Bytes of one SPARQL answer.
    pub sparql_max_output: usize,
    /// Private address blocks that user-given URLs may still reach (an
    /// intranet catalog); public addresses always may.
    pub fetch_allow: Vec<crate::fetch::Cidr>,
    /// Where mail goes out (`crate::mail`): `smtp://host:port` (plain, a
    /// local relay), `smtp+starttls://user:pass@host:587` or
    /// `smtps://user:pass@host:465`; none: no mail is sent and what would
    /// be mailed is shown to the admin instead.
    pub smtp_url: Option<String>,
    /// The sender of the portal's mail.
    pub mail_from: String,
    /// How often web harvest sources are harvested again, in hours (0: only
    /// when a curator asks).
    pub harvest_every_hours: u64,
    /// Largest file a curator may upload, in bytes (streamed to disk, never
    /// held in memory).
    pub file_limit: u64,
    /// Most rows a tabular file may have for its preview and table API
    /// (a larger file is stored and downloads, but is not imported).
    pub table_max_rows: u64,
    /// Largest GIS layer file a curator may import, in bytes (a layer is
    /// read whole to check every feature before any is published).
    pub layer_limit: u64,
    /// The base map's tiles, `https://tile.example/{z}/{x}/{y}.png`; the
    /// pages' CSP then allows that origin. None: layers show on a plain
    /// background.
    pub tile_url: Option<String>,
    /// Who the tiles are from, shown on the map (the tiles' licence asks).
    pub tile_attribution: Option<String>,
}

/// The keys a config file may hold; all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    base_url: Option<String>,
    database_url: Option<String>,
    meili_url: Option<String>,
    meili_key: Option<String>,
    body_limit: Option<usize>,
    body_timeout_ms: Option<u64>,
    session_hours: Option<i64>,
    login_attempts_per_minute: Option<usize>,
    sparql_timeout_ms: Option<u64>,
    sparql_max_results: Option<usize>,
    sparql_concurrency: Option<usize>,
    sparql_max_held: Option<usize>,
    sparql_max_string: Option<usize>,
    sparql_max_computed: Option<usize>,
    sparql_max_output: Option<usize>,
    fetch_allow: Option<Vec<String>>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    harvest_every_hours: Option<u64>,
    file_limit: Option<u64>,
    table_max_rows: Option<u64>,
    layer_limit: Option<u64>,
    tile_url: Option<String>,
    tile_attribution: Option<String>,
}

/// What the command line says; `None` leaves the lower layers in force.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
}

impl Config {
    pub fn load(flags: &Overrides) -> Result<Config, String> {
        Self::load_with_env(flags, |k| std::env::var(k).ok())
    }

    pub fn load_with_env(
        flags: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, String> {
        let file = match &flags.config_file {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let env_nonempty = |k: &str| env(k).filter(|v| !v.trim().is_empty());

        let bind = flags
            .bind
            .clone()
            .or_else(|| env_nonempty("RADNICE_BIND"))
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".to_string());
        if bind
            .to_socket_addrs()
            .map(|mut a| a.next().is_none())
            .unwrap_or(true)
        {
            return Err(format!("bind address {bind:?} is not HOST:PORT"));
        }
        let data_dir = flags
            .data_dir
            .clone()
            .or_else(|| env_nonempty("RADNICE_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./data"));
        let base_raw = env_nonempty("RADNICE_BASE_URL")
            .or(file.base_url)
            .unwrap_or_else(|| format!("http://{bind}"));
        let base_url = parse_base_url(&base_raw)?;
        let database_url = env_nonempty("DATABASE_URL").or(file.database_url);
        let meili_url = env_nonempty("MEILI_URL").or(file.meili_url);
        let meili_key = env_nonempty("MEILI_KEY").or(file.meili_key);
        let smtp_url = env_nonempty("RADNICE_SMTP_URL").or(file.smtp_url);
        if let Some(u) = &smtp_url {
            crate::mail::Relay::parse(u).map_err(|e| format!("RADNICE_SMTP_URL: {e}"))?;
        }
        let mail_from = env_nonempty("RADNICE_MAIL_FROM")
            .or(file.mail_from)
            .unwrap_or_else(|| {
                format!(
                    "Radnice <noreply@{}>",
                    base_url.host_str().unwrap_or("localhost")
                )
            });
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!("RADNICE_MAIL_FROM {mail_from:?} is not an address"));
        }
        let harvest_every_hours = match env_nonempty("RADNICE_HARVEST_EVERY_HOURS") {
            Some(v) => v.parse().map_err(|_| {
                format!("RADNICE_HARVEST_EVERY_HOURS must be a number of hours, got {v:?}")
            })?,
            None => file.harvest_every_hours.unwrap_or(24),
        };
        let body_limit = match env_nonempty("RADNICE_BODY_LIMIT") {
            Some(v) => v
                .parse()
                .map_err(|_| format!("RADNICE_BODY_LIMIT must be a number of bytes, got {v:?}"))?,
            None => file.body_limit.unwrap_or(2 * 1024 * 1024),
        };
        if body_limit < 1024 {
            return Err(format!(
                "body_limit must be at least 1024 bytes, got {body_limit}"
            ));
        }
        let session_hours = file.session_hours.unwrap_or(12);
        if !(1..=24 * 30).contains(&session_hours) {
            return Err(format!(
                "session_hours must be 1..=720, got {session_hours}"
            ));
        }
        let login_attempts_per_minute = file.login_attempts_per_minute.unwrap_or(5);
        if login_attempts_per_minute == 0 {
            return Err("login_attempts_per_minute must be at least 1".to_string());
        }
        let number = |key: &str, file_value: Option<u64>, default: u64| -> Result<u64, String> {
            let v = match env_nonempty(key) {
                Some(v) => v
                    .parse::<u64>()
                    .map_err(|_| format!("{key} must be a whole number, got {v:?}"))?,
                None => file_value.unwrap_or(default),
            };
            if v == 0 {
                return Err(format!("{key} must be at least 1"));
            }
            Ok(v)
        };
        let sparql_timeout_ms =
            number("RADNICE_SPARQL_TIMEOUT_MS", file.sparql_timeout_ms, 10_000)?;
        let sparql_max_results = number(
            "RADNICE_SPARQL_MAX_RESULTS",
            file.sparql_max_results.map(|v| v as u64),
            100_000,
        )? as usize;
        let size = |key: &str, file_value: Option<usize>, default: usize| {
            number(key, file_value.map(|v| v as u64), default as u64).map(|v| v as usize)
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let sparql_concurrency =
            size("RADNICE_SPARQL_CONCURRENCY", file.sparql_concurrency, cores)?;
        let sparql_max_held = size("RADNICE_SPARQL_MAX_HELD", file.sparql_max_held, 1_000_000)?;
        let sparql_max_string = size(
            "RADNICE_SPARQL_MAX_STRING",
            file.sparql_max_string,
            1024 * 1024,
        )?;
        let sparql_max_computed = size(
            "RADNICE_SPARQL_MAX_COMPUTED",
            file.sparql_max_computed,
            64 * 1024 * 1024,
        )?;
        let sparql_max_output = size(
            "RADNICE_SPARQL_MAX_OUTPUT",
            file.sparql_max_output,
            64 * 1024 * 1024,
        )?;
        let fetch_allow = match env_nonempty("RADNICE_FETCH_ALLOW") {
            Some(v) => v.split(',').map(str::to_string).collect(),
            None => file.fetch_allow.unwrap_or_default(),
        }
        .iter()
        .filter(|c| !c.trim().is_empty())
        .map(|c| crate::fetch::Cidr::parse(c).map_err(|e| format!("fetch_allow: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
        let body_timeout_ms = number("RADNICE_BODY_TIMEOUT_MS", file.body_timeout_ms, 30_000)?;
        let file_limit = number(
            "RADNICE_FILE_LIMIT",
            file.file_limit,
            2 * 1024 * 1024 * 1024,
        )?;
        let table_max_rows = number("RADNICE_TABLE_MAX_ROWS", file.table_max_rows, 2_000_000)?;
        let layer_limit = number("RADNICE_LAYER_LIMIT", file.layer_limit, 256 * 1024 * 1024)?;
        let tile_url = env_nonempty("RADNICE_TILE_URL")
            .or(file.tile_url)
            .map(|t| parse_tile_url(&t))
            .transpose()?;
        let tile_attribution = env_nonempty("RADNICE_TILE_ATTRIBUTION").or(file.tile_attribution);
        Ok(Config {
            layer_limit,
            tile_url,
            tile_attribution,
            file_limit,
            table_max_rows,
            body_timeout_ms,
            fetch_allow,
            sparql_timeout_ms,
            sparql_max_results,
            sparql_concurrency,
            sparql_max_held,
            sparql_max_string,
            sparql_max_computed,
            sparql_max_output,
            bind,
            data_dir,
            base_url,
            database_url,
            meili_url,
            meili_key,
            smtp_url,
            mail_from,
            harvest_every_hours,
            body_limit,
            session_hours,
            login_attempts_per_minute,
        })
    }

    pub fn base_is_https(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// The public base as a string without a trailing slash.
    pub fn base(&self) -> String {
        self.base_url.as_str().trim_end_matches('/').to_string()
    }
}

fn read_file(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("config file {}: {e}", path.display()))
}

/// A tile URL template: http(s), a host, and `{z}`, `{x}` and `{y}`.
fn parse_tile_url(raw: &str) -> Result<String, String> {
    let probe = raw
        .replace("{z}", "1")
        .replace("{x}", "1")
        .replace("{y}", "1")
        .replace("{s}", "a");
    let url = url::Url::parse(&probe).map_err(|e| format!("RADNICE_TILE_URL {raw:?}: {e}"))?;
    let placeholders = ["{z}", "{x}", "{y}"].iter().all(|p| raw.contains(p));
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !placeholders {
        return Err(format!(
            "RADNICE_TILE_URL {raw:?} must be an http(s) URL with {{z}}, {{x}} and {{y}}"
        ));
    }
    Ok(raw.to_string())
}

impl Config {
    /// The origin of the tile server, for the map pages' CSP.
    pub fn tile_origin(&self) -> Option<String> {
        let t = self.tile_url.as_deref()?;
        let probe = t.replace("{s}", "a").replace(['{', '}'], "");
        let u = url::Url::parse(&probe).ok()?;
        let host = u.host_str()?;
        let host = if t.contains("{s}.") {
            host.replacen("a.", "*.", 1)
        } else {
            host.to_string()
        };
        Some(match u.port() {
            Some(p) => format!("{}://{host}:{p}", u.scheme()),
            None => format!("{}://{host}", u.scheme()),
        })
    }
}

fn parse_base_url(raw: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("RADNICE_BASE_URL {raw:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "RADNICE_BASE_URL {raw:?} must be an http(s) URL with a host"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "RADNICE_BASE_URL {raw:?} must not have a query or fragment"
        ));
    }
    Ok(url)
}

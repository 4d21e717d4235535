//! The relational database: the source of truth. One `MultiConnection` over
//! SQLite (embedded default) and PostgreSQL (production), our own pool manager,
//! embedded migrations for both backends.

pub mod backup;
pub mod dialect;
pub mod schema;

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Where the data lives, decided once from the URL scheme.
#[derive(Clone, Debug)]
pub enum DbTarget {
    Postgres(String),
    Sqlite(String),
}

impl DbTarget {
    /// `None` means SQLite in the data directory.
    pub fn from_config(database_url: Option<&str>, data_dir: &Path) -> Result<Self, String> {
        match database_url {
            None | Some("") => {
                let file = data_dir.join("radnice.sqlite3");
                Ok(DbTarget::Sqlite(file.to_string_lossy().into_owned()))
            }
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(DbTarget::Postgres(url.to_string()))
            }
            Some(url) if url.starts_with("sqlite://") => Ok(DbTarget::Sqlite(
                url.trim_start_matches("sqlite://").to_string(),
            )),
            Some(url) => Err(format!(
                "DATABASE_URL must start with postgres:// or sqlite://, got {:?}",
                redact(url)
            )),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DbTarget::Postgres(_))
    }

    /// A form of the target that is safe to print: no password.
    pub fn describe(&self) -> String {
        match self {
            DbTarget::Postgres(url) => redact(url),
            DbTarget::Sqlite(path) => format!("sqlite:{path}"),
        }
    }

    pub fn establish(&self) -> ConnectionResult<DbConnection> {
        match self {
            DbTarget::Postgres(url) => PgConnection::establish(url).map(DbConnection::Pg),
            DbTarget::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers run beside the one writer; the busy timeout
                // makes a second writer wait instead of failing at once.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<unparseable url>".to_string(),
    }
}

/// Our own r2d2 manager: diesel's multi-connection `establish` only says
/// "invalid connection url" when a server is down, which hides the cause.
#[derive(Clone, Debug)]
pub struct Manager {
    target: DbTarget,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        self.target.establish()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// Connects once (so an unreachable server is reported plainly) and runs the
/// pending migrations. The command line works on this one connection.
pub fn connect_one(target: &DbTarget) -> anyhow::Result<DbConnection> {
    if let DbTarget::Sqlite(path) = target
        && let Some(parent) = Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            anyhow::anyhow!("cannot create data directory {}: {e}", parent.display())
        })?;
    }
    let mut conn = target.establish().map_err(|e| {
        // libpq explains over several lines; the operator gets one.
        let reason = e
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        anyhow::anyhow!(
            "cannot connect to the database {}: {reason}",
            target.describe()
        )
    })?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// `connect_one`, then a pool for the server.
pub fn connect(target: &DbTarget) -> anyhow::Result<Pool> {
    drop(connect_one(target)?);
    // SQLite has one writer and answers from the page cache: more
    // connections than cores only add contention. A PostgreSQL connection
    // waits on the network and the server: enough of them that 32 busy
    // clients do not queue for one (the catalog bench's load).
    let size = if target.is_postgres() { 32 } else { 8 };
    // No minimum of idle connections: r2d2 would open replacements on its own
    // threads at any time, and a process that exits while one of them is
    // inside libpq can crash in libpq's exit handlers. Connections are opened
    // when asked for and then kept.
    let pool = r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        // A PostgreSQL connection can die with its server; a SQLite one is
        // a file handle that cannot, so its checkout needs no round trip.
        .test_on_check_out(target.is_postgres())
        .connection_timeout(Duration::from_secs(10))
        .build(Manager {
            target: target.clone(),
        })
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open the database pool for {}: {e}",
                target.describe()
            )
        })?;
    Ok(pool)
}

/// One connection of its own for the health check, so that `/healthz`
/// answers whether the database does, not how busy the page pool is.
pub fn health_pool(target: &DbTarget) -> anyhow::Result<Pool> {
    r2d2::Pool::builder()
        .max_size(1)
        .min_idle(Some(0))
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(2))
        .build(Manager {
            target: target.clone(),
        })
        .map_err(|e| anyhow::anyhow!("cannot open the health check's connection: {e}"))
}

pub fn migrate(conn: &mut DbConnection) -> anyhow::Result<()> {
    let result = match conn {
        DbConnection::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|_| ()),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| anyhow::anyhow!("database migration failed: {e}"))
}

/// Reverts every migration (used by the up-down-up test and `migrate --redo`).
pub fn revert_all(conn: &mut DbConnection) -> anyhow::Result<()> {
    let result = match conn {
        DbConnection::Pg(c) => c.revert_all_migrations(PG_MIGRATIONS).map(|_| ()),
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| anyhow::anyhow!("reverting migrations failed: {e}"))
}

/// The current UTC time at microsecond precision: what both backends store,
/// so a value read back equals the value written (the audit hash relies on it).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Runs blocking database work on the blocking pool, never on the executor.
/// The database layer names no web type: what can go wrong here is its own
/// `RunError`, which `error.rs` turns into the app's error.
pub async fn run<T, E, F>(pool: &Pool, f: F) -> Result<T, RunError<E>>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(RunError::Pool)?;
        f(&mut conn).map_err(RunError::Work)
    })
    .await
    .map_err(|_| RunError::Blocking)?
}

/// Why `run` failed: no connection, the blocking pool, or the work itself.
#[derive(Debug)]
pub enum RunError<E> {
    Pool(r2d2::Error),
    Blocking,
    Work(E),
}

/// The number of the newest audit row. Every change to stored data writes
/// one, in any process (server, CLI), so this is a cheap, exact version of
/// the data: a cache keyed on it is never stale.
pub fn data_version(conn: &mut DbConnection) -> QueryResult<i64> {
    use schema::audit_head;
    audit_head::table
        .filter(audit_head::id.eq(1))
        .select(audit_head::seq)
        .first(conn)
}

/// A value derived from the database, recomputed only when the data changed.
pub struct VersionedCache<T> {
    slot: std::sync::Mutex<Option<(i64, std::sync::Arc<T>)>>,
    /// When the version was last read; `None` after a write of this process
    /// (`invalidate`).
    checked: std::sync::Mutex<Option<std::time::Instant>>,
    /// One request at a time asks the database (`get`).
    refreshing: tokio::sync::Mutex<()>,
}

impl<T> Default for VersionedCache<T> {
    fn default() -> Self {
        VersionedCache {
            slot: std::sync::Mutex::new(None),
            checked: std::sync::Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> VersionedCache<T> {
    /// The value without asking the database, when its version was read
    /// less than `window` ago and no write of this process came since: only
    /// another process's write can be missed, for at most `window`.
    pub fn fresh(&self, window: std::time::Duration) -> Option<std::sync::Arc<T>> {
        let checked = (*self.checked.lock().unwrap_or_else(|p| p.into_inner()))?;
        if checked.elapsed() >= window {
            return None;
        }
        self.slot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(_, v)| v.clone())
    }

    /// A write of this process: the next read asks the database, and no
    /// reader is served the value from before it.
    pub fn invalidate(&self) {
        *self.checked.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The value for a request: from memory while fresh; when stale, one
    /// request asks the database while the others are served the value it
    /// replaces (only another process's write can be that late), so a busy
    /// page does not queue on the database every `window`.
    pub async fn get(
        self: &std::sync::Arc<Self>,
        pool: &Pool,
        window: std::time::Duration,
        compute: impl FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
    ) -> Result<std::sync::Arc<T>, RunError<diesel::result::Error>>
    where
        T: Send + Sync + 'static,
    {
        if let Some(v) = self.fresh(window) {
            return Ok(v);
        }
        let turn = match self.refreshing.try_lock() {
            Ok(turn) => turn,
            Err(_) => {
                let known = self
                    .slot
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .as_ref()
                    .map(|(_, v)| v.clone());
                if let Some(v) = known {
                    return Ok(v);
                }
                self.refreshing.lock().await
            }
        };
        if let Some(v) = self.fresh(window) {
            return Ok(v);
        }
        let me = self.clone();
        let value = run(pool, move |c| me.get_or_compute(c, compute)).await?;
        drop(turn);
        Ok(value)
    }

    pub fn get_or_compute(
        &self,
        conn: &mut DbConnection,
        compute: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
    ) -> QueryResult<std::sync::Arc<T>> {
        let read_at = std::time::Instant::now();
        let version = data_version(conn)?;
        let known = match self.slot.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some((v, value)) if *v == version => Some(value.clone()),
            _ => None,
        };
        let value = match known {
            Some(value) => value,
            None => {
                let value = std::sync::Arc::new(compute(conn)?);
                *self.slot.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((version, value.clone()));
                value
            }
        };
        *self.checked.lock().unwrap_or_else(|p| p.into_inner()) = Some(read_at);
        Ok(value)
    }
}

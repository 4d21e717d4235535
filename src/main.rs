//! The `radnice` command line: parse, load config, call into the library.

/// mimalloc instead of glibc's malloc: the RDF store is millions of small
/// allocations, and request handling allocates much per document; with glibc
/// a quarter of a JSON-LD request's time went to malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use radnice::auth::{Role, password, store};
use radnice::{AppState, Config, audit, config::Overrides, db, seed};

#[derive(Parser)]
#[command(
    name = "radnice",
    version,
    about = "Open data portal and ICT strategy monitor"
)]
struct Cli {
    /// Data directory (SQLite database, files).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Configuration file (TOML).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (seeds an empty database first).
    Serve {
        /// Address to listen on, HOST:PORT.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load the seed content (idempotent).
    Seed {
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Rebuild the RDF projection from the database; running servers follow.
    Reindex,
    /// Write example observations for the seed's example stations: the
    /// last DAYS days up to now (times already stored are kept).
    DemoSensors {
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
    /// Harvest another DCAT catalog (URL or file) for one of our publishers.
    Harvest {
        /// The catalog: an http(s) URL or a file (Turtle, JSON-LD, RDF/XML, N-Triples).
        source: String,
        /// Slug of the publisher the datasets are published for.
        #[arg(long)]
        publisher: String,
        /// Fetch IRIs starting with PREFIX from URL instead (PREFIX=URL), for
        /// a source whose IRIs are not where it is served.
        #[arg(long = "map", value_name = "PREFIX=URL")]
        maps: Vec<String>,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write a consistent copy of an SQLite installation to DIR while the
    /// server runs; DIR is then a data directory that `--data-dir DIR
    /// serve` runs on. (PostgreSQL: pg_dump, see the README.)
    Backup {
        /// A new or empty directory.
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        email: String,
        /// admin, curator, working_group, steering_committee (repeatable)
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long)]
        password_stdin: bool,
        /// Display name (defaults to the e-mail address).
        #[arg(long)]
        name: Option<String>,
        /// Slug of a publisher a curator acts for (repeatable).
        #[arg(long = "publisher")]
        publishers: Vec<String>,
    },
    /// Set a user's password, read from standard input; the user's
    /// sessions end.
    Passwd {
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; prints it once, on its last line.
    Create {
        email: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain of the audit log.
    Verify,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,actix_server=warn"),
    )
    .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("radnice: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli, bind: Option<String>) -> anyhow::Result<Config> {
    Config::load(&Overrides {
        config_file: cli.config.clone(),
        bind,
        data_dir: cli.data_dir.clone(),
    })
    .map_err(|e| anyhow::anyhow!("configuration: {e}"))
}

/// A password given on standard input (its line end taken off), strong
/// enough to be set.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut pw = String::new();
    std::io::stdin().read_to_string(&mut pw)?;
    let pw = pw.trim_end_matches(['\n', '\r']).to_string();
    password::check_strength(&pw).map_err(|_| {
        anyhow::anyhow!(
            "the password must have at least {} characters",
            password::MIN_LENGTH
        )
    })?;
    Ok(pw)
}

/// The one database connection a command-line task works on (migrated).
fn open_db(cli: &Cli) -> anyhow::Result<db::DbConnection> {
    let config = load_config(cli, None)?;
    let target = db::DbTarget::from_config(config.database_url.as_deref(), &config.data_dir)
        .map_err(|e| anyhow::anyhow!(e))?;
    db::connect_one(&target)
}

/// How many days of example observations a freshly seeded server gets.
const DEMO_DAYS: u32 = 30;
/// Ten years of ten-minute values of the seed's stations: 8 million rows.
const MAX_DEMO_DAYS: u32 = 3_660;

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Serve { bind } => {
            let config = load_config(&cli, bind.clone())?;
            let state = AppState::new(config)?;
            let dir = radnice::default_seed_dir();
            if dir.is_dir() {
                if let Some(n) = state.seed_if_empty(&dir)? {
                    log::info!(
                        "seeded an empty database from {} ({n} objects)",
                        dir.display()
                    );
                    // The example stations' pages have something to show.
                    let w = radnice::sensors::demo::run(
                        &mut *state.pool.get()?,
                        DEMO_DAYS,
                        radnice::sensors::model::micros(chrono::Utc::now()),
                    )?;
                    log::info!(
                        "wrote {} example observations to {} example datastreams",
                        w.accepted,
                        w.datastreams
                    );
                }
            } else {
                log::warn!(
                    "no seed directory at {}; starting without seed content",
                    dir.display()
                );
            }
            // Built before the first request, so harvesters never wait on it.
            let mut conn = state.pool.get()?;
            let swept = radnice::files::sweep(&mut conn, &state.config.data_dir)?;
            if swept > 0 {
                log::info!("removed {swept} files an interrupted upload left behind");
            }
            let swept = radnice::gis::sweep(&mut conn)?;
            if swept > 0 {
                log::info!("removed {swept} features an interrupted layer import left behind");
            }
            // The strategies' open data links to this server's base, which
            // may have changed since they were made.
            radnice::strategy::open_data::ensure_all(&mut conn, &state.config.base())?;
            radnice::sensors::open_data::ensure_all(&mut conn, &state.config.base())?;
            radnice::db::dialect::analyze(&mut conn)?;
            let report = state
                .rdf
                .rebuild(&mut conn)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            log::info!(
                "RDF projection: {} datasets, {} triples in {} ms",
                report.datasets,
                report.triples,
                report.millis
            );
            let started = std::time::Instant::now();
            let listed = state.listing.rebuild(&mut conn)?;
            log::info!(
                "dataset list index: {listed} datasets in {} ms",
                started.elapsed().as_millis()
            );
            drop(conn);
            actix_web::rt::System::new().block_on(radnice::serve(state))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let config = load_config(&cli, None)?;
            let target =
                db::DbTarget::from_config(config.database_url.as_deref(), &config.data_dir)
                    .map_err(|e| anyhow::anyhow!(e))?;
            db::connect_one(&target)?;
            println!("migrations applied to {}", target.describe());
            Ok(ExitCode::SUCCESS)
        }
        Command::Seed { dir } => {
            let config = load_config(&cli, None)?;
            let mut conn = open_db(&cli)?;
            let dir = dir.clone().unwrap_or_else(radnice::default_seed_dir);
            radnice::files::seed::check(&dir, config.table_max_rows)?;
            radnice::gis::seed::check(&dir)?;
            radnice::sensors::seed::check(&dir)?;
            let mut n = seed::run(&mut conn, &dir, &config.base())?;
            // A running server follows these writes through the audit log.
            n += radnice::files::seed::run(
                &mut conn,
                &radnice::files::storage::Storage::new(&config.data_dir),
                &radnice::audit::follow::Views::default(),
                &dir,
                &config.base(),
                config.table_max_rows,
            )?;
            n += radnice::gis::seed::run(
                &mut conn,
                &radnice::files::storage::Storage::new(&config.data_dir),
                &radnice::audit::follow::Views::default(),
                &dir,
                &config.base(),
            )?;
            n += radnice::sensors::seed::run(&mut conn, &dir)?;
            n += radnice::sensors::open_data::ensure_all(&mut conn, &config.base())?;
            println!("seed loaded from {}: {n} changes", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::DemoSensors { days } => {
            let mut conn = open_db(&cli)?;
            if *days > MAX_DEMO_DAYS {
                anyhow::bail!("--days is at most {MAX_DEMO_DAYS}");
            }
            let w = radnice::sensors::demo::run(
                &mut conn,
                *days,
                radnice::sensors::model::micros(chrono::Utc::now()),
            )?;
            println!(
                "example observations: {} written, {} already stored, {} datastreams",
                w.accepted, w.duplicates, w.datastreams
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Reindex => {
            let config = load_config(&cli, None)?;
            let mut conn = open_db(&cli)?;
            let report = radnice::dcat::projection::reindex(
                &mut conn,
                &config.base(),
                &radnice::audit::Actor::system("radnice reindex"),
            )?;
            println!(
                "RDF projection rebuilt: {} datasets, {} triples in {} ms",
                report.datasets, report.triples, report.millis
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Harvest {
            source,
            publisher,
            maps,
        } => {
            let mut rewrite = Vec::new();
            for m in maps {
                let (from, to) = m
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--map wants PREFIX=URL, got {m:?}"))?;
                rewrite.push((from.to_string(), to.to_string()));
            }
            let config = load_config(&cli, None)?;
            let mut conn = open_db(&cli)?;
            let report = radnice::dcat::harvest::run(
                &mut conn,
                &radnice::audit::Actor::system("radnice harvest"),
                source,
                publisher,
                &radnice::dcat::harvest::Options {
                    rewrite,
                    ..radnice::dcat::harvest::Options::from_config(&config)
                },
            )?;
            println!(
                "harvested {} ({} documents): {} new, {} updated, {} unchanged, {} withdrawn, {} rejected",
                report.location,
                report.documents,
                report.created.len(),
                report.updated.len(),
                report.unchanged,
                report.withdrawn.len(),
                report.rejected.len()
            );
            for (iri, why) in &report.rejected {
                println!("  rejected {iri}: {why}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    roles,
                    password_stdin,
                    name,
                    publishers,
                },
        } => {
            if !password_stdin {
                anyhow::bail!("give the password on standard input with --password-stdin");
            }
            let mut roles_parsed = Vec::new();
            for r in roles {
                let role = Role::parse(r).ok_or_else(|| {
                    anyhow::anyhow!(
                        "unknown role {r:?}; one of admin, curator, working_group, steering_committee"
                    )
                })?;
                roles_parsed.push(role);
            }
            if !store::valid_email(email) {
                anyhow::bail!("{email:?} is not an e-mail address");
            }
            let pw = password_from_stdin()?;
            let pw = pw.as_str();
            let mut conn = open_db(&cli)?;
            for slug in publishers {
                if radnice::catalog::store::publisher_by_slug(&mut conn, slug)?.is_none() {
                    anyhow::bail!("no publisher {slug:?} (see catalog/publishers.toml)");
                }
            }
            let hash = password::hash(pw)?;
            let display = name.clone().unwrap_or_else(|| email.clone());
            let user = store::create_user(
                &mut conn,
                &audit::Actor::system("cli"),
                store::NewUser {
                    email,
                    display_name: &display,
                    password_hash: &hash,
                    roles: &roles_parsed,
                    publishers,
                },
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("user {} created with id {}", user.email, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command:
                UserCommand::Passwd {
                    email,
                    password_stdin,
                },
        } => {
            if !password_stdin {
                anyhow::bail!("give the password on standard input with --password-stdin");
            }
            let pw = password_from_stdin()?;
            let pw = pw.as_str();
            let mut conn = open_db(&cli)?;
            let user = store::find_by_email(&mut conn, &email.trim().to_lowercase())?
                .ok_or_else(|| anyhow::anyhow!("no user {email:?}"))?;
            let hash = password::hash(pw)?;
            store::set_password(
                &mut conn,
                &audit::Actor::system("cli"),
                &user.id,
                store::PasswordChange {
                    password_hash: &hash,
                    keep_session: None,
                    revoke_tokens: false,
                },
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("password of {} set; their sessions ended", user.email);
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { dir } => {
            let config = load_config(&cli, None)?;
            let target =
                db::DbTarget::from_config(config.database_url.as_deref(), &config.data_dir)
                    .map_err(|e| anyhow::anyhow!(e))?;
            let written = db::backup::write(&target, &config.data_dir, dir)?;
            println!("backup written to {} ({written} bytes)", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command: TokenCommand::Create { email, name },
        } => {
            if name.trim().is_empty() {
                anyhow::bail!("the token needs a --name");
            }
            let mut conn = open_db(&cli)?;
            let user = store::find_by_email(&mut conn, email)?
                .ok_or_else(|| anyhow::anyhow!("no user {email:?}"))?;
            let (token, secret) =
                store::create_token(&mut conn, &audit::Actor::system("cli"), &user.id, name)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "token {:?} ({}) for {}; it is shown only now:",
                token.name, token.id, user.email
            );
            println!("{secret}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let mut conn = open_db(&cli)?;
            let report = audit::verify(&mut conn)?;
            if report.ok() {
                println!("audit log intact: {} rows", report.rows);
                Ok(ExitCode::SUCCESS)
            } else {
                for p in &report.problems {
                    println!("{p}");
                }
                println!(
                    "audit log BROKEN: {} problem(s) in {} rows",
                    report.problems.len(),
                    report.rows
                );
                Ok(ExitCode::from(2))
            }
        }
    }
}

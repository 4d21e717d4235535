//! The `radnice` binary as an admin uses it.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::TestDb;

fn radnice(db: &TestDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_radnice"));
    cmd.arg("--data-dir").arg(db.dir.path());
    match &db.url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL"),
    };
    cmd.env(
        "RADNICE_SEED_DIR",
        crate::support::manifest_dir().join("catalog"),
    );
    cmd
}

fn run_with_stdin(mut cmd: Command, input: &str) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

#[test]
fn user_add_token_create_and_audit_verify() {
    let db = TestDb::new();
    let out = radnice(&db).args(["seed"]).output().expect("seed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = radnice(&db).args(["seed"]).output().expect("seed again");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(": 0 changes"),
        "idempotent"
    );

    let mut cmd = radnice(&db);
    cmd.args([
        "user",
        "add",
        "admin@chomutov.test",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    let out = run_with_stdin(cmd, "tajne-heslo-123\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A curator for one publisher; an unknown publisher is refused.
    let mut cmd = radnice(&db);
    cmd.args([
        "user",
        "add",
        "kurator@chomutov.test",
        "--role",
        "curator",
        "--publisher",
        "zoopark-chomutov",
        "--password-stdin",
    ]);
    let out = run_with_stdin(cmd, "tajne-heslo-123\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = radnice(&db);
    cmd.args([
        "user",
        "add",
        "x@chomutov.test",
        "--role",
        "curator",
        "--publisher",
        "nikdo",
        "--password-stdin",
    ]);
    let out = run_with_stdin(cmd, "tajne-heslo-123\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no publisher \"nikdo\""));

    let out = radnice(&db)
        .args(["token", "create", "admin@chomutov.test", "--name", "ci"])
        .output()
        .expect("token");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("a line");
    assert!(
        last.starts_with("rdn_") && last.len() == 68 && !last.contains(' '),
        "token alone on its last line: {last:?}"
    );

    let out = radnice(&db)
        .args(["audit", "verify"])
        .output()
        .expect("verify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit log intact"));
}

#[test]
fn user_add_refuses_a_short_password_and_an_unknown_role() {
    let db = TestDb::new();
    let mut cmd = radnice(&db);
    cmd.args([
        "user",
        "add",
        "a@chomutov.test",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    let out = run_with_stdin(cmd, "kratke\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10 characters"));
    let mut cmd = radnice(&db);
    cmd.args([
        "user",
        "add",
        "a@chomutov.test",
        "--role",
        "starosta",
        "--password-stdin",
    ]);
    let out = run_with_stdin(cmd, "dlouhe-heslo-123\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role \"starosta\""));
}

#[test]
fn an_unreachable_database_at_start_is_one_line_and_a_failure() {
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_radnice"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("DATABASE_URL", "postgres://radnice@127.0.0.1:1/radnice")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with(
            "radnice: cannot connect to the database postgres://radnice@127.0.0.1:1/radnice"
        ),
        "{stderr}"
    );
}

#[test]
fn a_broken_seed_exits_non_zero_naming_file_line_and_field() {
    let db = TestDb::new();
    let seed = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(seed.path().join("vocabularies")).expect("mkdir");
    std::fs::write(
        seed.path().join("publishers.toml"),
        "[[publisher]]\nslug = \"mesto\"\nname_cs = \"Město\"\nkind = \"mesto\"\n",
    )
    .expect("w");
    std::fs::write(
        seed.path().join("catalog.toml"),
        "[catalog]\ntitle_cs = \"K\"\ndescription_cs = \"D\"\npublisher = \"mesto\"\n",
    )
    .expect("w");
    let out = radnice(&db)
        .args(["seed", "--dir"])
        .arg(seed.path())
        .output()
        .expect("seed");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("publishers.toml:4:8: field `kind`: unknown kind \"mesto\""),
        "{stderr}"
    );
}

/// The README's first command: `radnice serve` on an empty data dir migrates,
/// seeds and answers; a restart on the same data does not seed again.
#[test]
fn serve_seeds_an_empty_database_and_answers() {
    let db = TestDb::new();
    for round in 0..2 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let mut child = radnice(&db)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve");
        let mut up = false;
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                up = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        assert!(up, "the server did not start");
        let html = http_get(port, "/");
        let _ = child.kill();
        let out = child.wait_with_output().expect("wait");
        assert!(html.contains("<html lang=\"cs\""), "{html}");
        assert!(html.contains("opatření: <strong>71</strong>"), "{html}");
        let log = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            log.contains("seeded an empty database"),
            round == 0,
            "{log}"
        );
    }
}

/// A plain HTTP/1.1 GET without a client library: the test runs in a plain thread.
fn http_get(port: u16, path: &str) -> String {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
}

/// `radnice backup DIR` copies a running SQLite installation consistently;
/// the copy is a data directory a server runs on (the restore), with every
/// change made before it and an intact audit chain. On PostgreSQL it says
/// to use pg_dump.
#[actix_web::test]
async fn a_backup_of_a_running_server_restores_into_a_fresh_data_dir() {
    let app = crate::support::TestApp::start().await;
    let api = crate::catalog::curator(&app, "k@chomutov.test", &["statutarni-mesto-chomutov"]);
    api.post("/api/v1/datasets", &crate::catalog::dataset_json("stromy"))
        .await
        .expect(201);
    let target = tempfile::tempdir().expect("tmp");
    let backup = target.path().join("zaloha");
    let out = radnice(&app.db)
        .args(["backup"])
        .arg(&backup)
        .output()
        .expect("backup");
    if app.db.is_postgres() {
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        return;
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("backup written"));
    // A second backup into the same directory is refused.
    let again = radnice(&app.db)
        .args(["backup"])
        .arg(&backup)
        .output()
        .expect("backup");
    assert!(!again.status.success());

    let restored = crate::support::TestApp::start_with(|c| c.data_dir = backup.clone()).await;
    let draft = crate::catalog::curator(
        &restored,
        "k2@chomutov.test",
        &["statutarni-mesto-chomutov"],
    )
    .get("/api/v1/datasets/stromy")
    .await
    .expect(200)
    .json();
    assert_eq!(draft["title_cs"], "Stromy ve správě města");
    restored
        .client()
        .page("/datasets/pasport-zelene")
        .await
        .expect(200);
    let report = radnice::audit::verify(&mut restored.conn()).expect("verify");
    assert!(report.ok(), "{:?}", report.problems);
}

/// `radnice user passwd EMAIL --password-stdin` sets a new password (an
/// admin's way back in), audited, and a too short one is refused.
#[test]
fn user_passwd_sets_a_new_password() {
    let db = TestDb::new();
    let mut cmd = radnice(&db);
    cmd.args([
        "user",
        "add",
        "spravce@chomutov.test",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    let out = run_with_stdin(cmd, "puvodni-heslo-123\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = radnice(&db);
    cmd.args([
        "user",
        "passwd",
        "Spravce@chomutov.test",
        "--password-stdin",
    ]);
    let out = run_with_stdin(cmd, "kratke\n");
    assert!(!out.status.success(), "a short password is refused");
    let mut cmd = radnice(&db);
    cmd.args([
        "user",
        "passwd",
        "Spravce@chomutov.test",
        "--password-stdin",
    ]);
    let out = run_with_stdin(cmd, "nove-dlouhe-heslo-456\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut conn = db.connect();
    let user = radnice::auth::store::find_by_email(&mut conn, "spravce@chomutov.test")
        .expect("q")
        .expect("user");
    assert!(radnice::auth::password::verify(
        "nove-dlouhe-heslo-456",
        &user.password_hash
    ));
    assert!(!radnice::auth::password::verify(
        "puvodni-heslo-123",
        &user.password_hash
    ));
    let (rows, _) = radnice::audit::store::list(
        &mut conn,
        &radnice::audit::store::Filter {
            object_id: Some(user.id.clone()),
            action: Some("password_change".into()),
            ..Default::default()
        },
        1,
        10,
    )
    .expect("audit");
    assert_eq!(rows.len(), 1);
}

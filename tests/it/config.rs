use std::path::PathBuf;

use radnice::config::{Config, Overrides};

fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |k| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn defaults_work_with_nothing_set() {
    let c = Config::load_with_env(&Overrides::default(), |_| None).expect("defaults");
    assert_eq!(c.bind, "127.0.0.1:8080");
    assert_eq!(c.data_dir, PathBuf::from("./data"));
    assert_eq!(c.base(), "http://127.0.0.1:8080");
    assert!(c.database_url.is_none());
}

#[test]
fn file_then_environment_then_flags() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("radnice.toml");
    std::fs::write(&file, "bind = \"127.0.0.1:9000\"\ndata_dir = \"/srv/file\"\nbase_url = \"https://file.example.cz\"\n").expect("write");
    let flags = Overrides {
        config_file: Some(file.clone()),
        bind: None,
        data_dir: None,
    };
    let c = Config::load_with_env(&flags, |_| None).expect("file");
    assert_eq!(
        (c.bind.as_str(), c.data_dir.to_str()),
        ("127.0.0.1:9000", Some("/srv/file"))
    );
    let c = Config::load_with_env(
        &flags,
        env_of(&[
            ("RADNICE_BIND", "127.0.0.1:9100"),
            ("RADNICE_BASE_URL", "https://data.chomutov.cz"),
        ]),
    )
    .expect("env");
    assert_eq!(c.bind, "127.0.0.1:9100");
    assert_eq!(c.base(), "https://data.chomutov.cz");
    assert!(c.base_is_https());
    let flags = Overrides {
        bind: Some("127.0.0.1:9200".into()),
        data_dir: Some(PathBuf::from("/srv/flag")),
        ..flags
    };
    let c = Config::load_with_env(
        &flags,
        env_of(&[
            ("RADNICE_BIND", "127.0.0.1:9100"),
            ("RADNICE_DATA_DIR", "/srv/env"),
        ]),
    )
    .expect("flags");
    assert_eq!(
        (c.bind.as_str(), c.data_dir.to_str()),
        ("127.0.0.1:9200", Some("/srv/flag"))
    );
}

#[test]
fn bad_values_are_rejected_with_a_clear_message() {
    let e = Config::load_with_env(
        &Overrides::default(),
        env_of(&[("RADNICE_BASE_URL", "ftp://x")]),
    )
    .expect_err("bad");
    assert!(e.contains("RADNICE_BASE_URL"), "{e}");
    let e = Config::load_with_env(
        &Overrides {
            bind: Some("nonsense".into()),
            ..Default::default()
        },
        |_| None,
    )
    .expect_err("bad");
    assert!(e.contains("bind address"), "{e}");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "bnd = \"x\"\n").expect("write");
    let e = Config::load_with_env(
        &Overrides {
            config_file: Some(file),
            ..Default::default()
        },
        |_| None,
    )
    .expect_err("bad");
    assert!(e.contains("bnd"), "unknown keys are named: {e}");
}

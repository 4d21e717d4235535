//! The attack helpers: hostile inputs and load shapes that every public
//! input must survive (SPARQL, harvesting, and the uploads, GIS imports,
//! sensor batches and search queries that later domains add).
//!
//! Tests that use them run against the app started in-process, or, when
//! `RADNICE_ATTACK_URL` names a running server (a release binary started by
//! `tests/attack.sh` with the limits of `configure`), against that server.

use std::time::{Duration, Instant};

use radnice::Config;

use super::TestApp;

/// The limits the attack suite assumes; `tests/attack.sh` starts the
/// release binary with the same values (keep both in step).
pub const TIMEOUT_MS: u64 = 2_000;
pub const MAX_HELD: usize = 20_000;
pub const MAX_STRING: usize = 64 * 1024;
pub const CONCURRENCY: usize = 2;
pub const BODY_TIMEOUT_MS: u64 = 1_000;

pub fn configure(c: &mut Config) {
    c.sparql_timeout_ms = TIMEOUT_MS;
    c.sparql_max_held = MAX_HELD;
    c.sparql_max_string = MAX_STRING;
    c.sparql_concurrency = CONCURRENCY;
    c.body_timeout_ms = BODY_TIMEOUT_MS;
}

/// Where the attacks go: the in-process app, or an external server.
pub struct Target {
    pub base: String,
    pub app: Option<TestApp>,
}

impl Target {
    pub async fn start() -> Target {
        match std::env::var("RADNICE_ATTACK_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(base) => Target {
                base: base.trim_end_matches('/').to_string(),
                app: None,
            },
            None => {
                let app = TestApp::start_with(configure).await;
                Target {
                    base: app.base.clone(),
                    app: Some(app),
                }
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `/healthz` answers 200 within a generous limit.
    pub async fn assert_alive(&self) {
        let res = client(Duration::from_secs(30))
            .get(self.url("/healthz"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("the server no longer answers /healthz: {e}"));
        assert_eq!(res.status().as_u16(), 200, "/healthz");
    }
}

pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// `open` repeated `depth` times, then `inner`, then `close` as often.
pub fn nested(open: &str, inner: &str, close: &str, depth: usize) -> String {
    let mut s = String::with_capacity((open.len() + close.len()) * depth + inner.len());
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(inner);
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

/// "Billion laughs": ten levels of entities, each ten of the one below, in
/// under a kilobyte of RDF/XML (10^9 copies of "lol" when expanded).
pub fn xml_entity_bomb() -> String {
    let mut dtd = String::from("<!ENTITY lol0 \"lol\">\n");
    for level in 1..=9 {
        let refs: String = (0..10).map(|_| format!("&lol{};", level - 1)).collect();
        dtd.push_str(&format!("<!ENTITY lol{level} \"{refs}\">\n"));
    }
    format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rdf:RDF [\n{dtd}]>\n\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
         xmlns:dct=\"http://purl.org/dc/terms/\">\n\
         <rdf:Description rdf:about=\"https://example.org/d\"><dct:title>&lol9;</dct:title></rdf:Description>\n\
         </rdf:RDF>\n"
    )
}

/// What `/healthz` did while a flood ran.
#[derive(Debug, Default)]
pub struct Probe {
    pub latencies: Vec<Duration>,
    pub failures: Vec<String>,
}

impl Probe {
    pub fn worst(&self) -> Duration {
        self.latencies.iter().copied().max().unwrap_or_default()
    }
}

/// Runs `attacks` all at once and, meanwhile, asks `probe_path` every 50 ms
/// until they have all ended. Returns what the attacks gave and how the
/// probes fared (each probe with a generous timeout, so a slow answer is a
/// latency, not a failure).
pub type Attack<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>>;

pub async fn flood<'a, T>(
    target: &Target,
    probe_paths: &[&str],
    attacks: Vec<Attack<'a, T>>,
) -> (Vec<T>, Probe) {
    use futures_util::FutureExt;
    let done = std::rc::Rc::new(std::cell::Cell::new(false));
    let flag = done.clone();
    let attacks = futures_util::future::join_all(attacks).map(move |r| {
        flag.set(true);
        r
    });
    let probing = async {
        let http = client(Duration::from_secs(60));
        let mut probe = Probe::default();
        // Let the attacks take their slots first.
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        while !done.get() {
            for path in probe_paths {
                let started = Instant::now();
                match http.get(target.url(path)).send().await {
                    Ok(res) if res.status().is_success() => {
                        let _ = res.bytes().await;
                        probe.latencies.push(started.elapsed());
                    }
                    Ok(res) => probe.failures.push(format!("{path}: {}", res.status())),
                    Err(e) => probe.failures.push(format!("{path}: {e}")),
                }
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        probe
    };
    futures_util::join!(attacks, probing)
}

/// Sends `total` bytes of body in `chunk`-byte pieces, one every `pause`,
/// with the given headers, and returns the status (or the error) and how
/// long the server took to answer.
pub async fn slow_body(
    url: &str,
    headers: &[(&str, &str)],
    total: usize,
    chunk: usize,
    pause: Duration,
) -> (Result<u16, String>, Duration) {
    let pieces = total.div_ceil(chunk.max(1));
    let chunk_len = chunk;
    let stream = futures_util::stream::unfold(0usize, move |sent| async move {
        if sent >= pieces {
            return None;
        }
        actix_web::rt::time::sleep(pause).await;
        Some((
            Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'a'; chunk_len])),
            sent + 1,
        ))
    });
    let mut req = client(Duration::from_secs(120)).post(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let started = Instant::now();
    let res = req
        .header("Content-Length", (pieces * chunk).to_string())
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    (
        res.map(|r| r.status().as_u16()).map_err(|e| e.to_string()),
        started.elapsed(),
    )
}

/// A ZIP bomb dressed as a workbook: a valid XLSX archive whose one sheet
/// unpacks to `megabytes` MB of zeros from a few kilobytes (about 1:1000).
pub fn zip_bomb(megabytes: usize) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(megabytes >= 4096);
    zip.start_file("[Content_Types].xml", deflated)
        .expect("zip");
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>")
        .expect("zip");
    zip.start_file("xl/worksheets/sheet1.xml", deflated)
        .expect("zip");
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..megabytes {
        zip.write_all(&zeros).expect("zip");
    }
    zip.finish().expect("zip").into_inner()
}

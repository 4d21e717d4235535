//! Snapshots of what harvesters read: the seed catalog as Turtle and one
//! dataset's DCAT-AP-CZ JSON-LD, on both backends against the same files
//! (so they must also agree with each other). A renamed JSON-LD key, a lost
//! triple or a changed IRI shows as a diff in review; an intended change is
//! accepted by running the test with `INSTA_UPDATE=always` and committing
//! the `.snap` file. Times and generated ids are masked: they differ per run.

use std::collections::BTreeMap;

use oxigraph::io::{RdfFormat, RdfParser};

use crate::support::TestApp;

/// Generated ids (UUIDs) and stored times differ from run to run.
fn mask(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if is_uuid(rest) {
            out.push_str("[id]");
            i += 36;
        } else if let Some(n) = datetime_len(rest) {
            out.push_str("[time]");
            i += n;
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 36
        && (0..36).all(|k| match k {
            8 | 13 | 18 | 23 => b[k] == b'-',
            _ => b[k].is_ascii_hexdigit() && !b[k].is_ascii_uppercase(),
        })
}

/// `YYYY-MM-DDTHH:MM:SS` with optional fraction and zone.
fn datetime_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|k| b.get(k).is_some_and(u8::is_ascii_digit));
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':'))
    {
        return None;
    }
    let mut n = 19;
    while b
        .get(n)
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'.' | b'Z' | b'+' | b':'))
    {
        n += 1;
    }
    Some(n)
}

/// The document's triples as sorted N-Triples lines, blank nodes named by
/// what they say rather than by a generated label.
fn canonical_triples(format: RdfFormat, body: &str) -> String {
    let mut lines: Vec<String> = RdfParser::from_format(format)
        .for_slice(body.as_bytes())
        .map(|q| {
            let t = oxigraph::model::Triple::from(q.expect("the document parses"));
            let line = t.to_string();
            // `_:b0ab12…` -> `_:b`
            let mut out = String::new();
            let mut rest = line.as_str();
            while let Some(at) = rest.find("_:") {
                out.push_str(&rest[..at]);
                out.push_str("_:b");
                rest = &rest[at + 2..];
                rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
            }
            out.push_str(rest);
            mask(&out)
        })
        .collect();
    lines.sort();
    lines.dedup();
    lines.join("\n")
}

/// JSON with sorted keys and sorted arrays (JSON-LD arrays are sets here).
fn canonical_json(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => {
            let sorted: BTreeMap<String, serde_json::Value> = map
                .into_iter()
                .map(|(k, v)| (k, canonical_json(v)))
                .collect();
            serde_json::to_value(sorted).expect("json")
        }
        serde_json::Value::Array(items) => {
            let mut items: Vec<serde_json::Value> = items.into_iter().map(canonical_json).collect();
            items.sort_by_key(|v| v.to_string());
            serde_json::Value::Array(items)
        }
        other => other,
    }
}

#[actix_web::test]
async fn the_seed_catalog_and_a_dataset_document_match_their_snapshots() {
    let app = TestApp::start().await;
    let c = app.client();
    let res = c
        .http
        .get(c.url("/catalog.ttl"))
        .send()
        .await
        .expect("catalog");
    assert_eq!(res.status().as_u16(), 200);
    let ttl = res.text().await.expect("body");
    insta::assert_snapshot!("catalog_ttl", canonical_triples(RdfFormat::Turtle, &ttl));

    let res = c
        .http
        .get(c.url("/datasets/pasport-zelene.jsonld"))
        .send()
        .await
        .expect("jsonld");
    assert_eq!(res.status().as_u16(), 200);
    let doc: serde_json::Value = res.json().await.expect("json");
    let pretty = serde_json::to_string_pretty(&canonical_json(doc)).expect("json");
    insta::assert_snapshot!("pasport_zelene_jsonld", mask(&pretty));
}

#[test]
fn masking_hides_ids_and_times_only() {
    assert_eq!(
        mask(
            "<https://x/d/0193a7f0-1c2b-7d3e-8f40-123456789abc> \"2026-11-30T03:10:14.123456Z\" 2024-01-01"
        ),
        "<https://x/d/[id]> \"[time]\" 2024-01-01"
    );
}

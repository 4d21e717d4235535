//! Observations downloaded as CSV or JSON, streamed: page by page in key
//! order (datastream, then time), each page read with a connection taken
//! for that page only, so memory stays flat and a slow client holds no
//! connection while it reads.

use actix_web::web::Bytes;
use futures_util::Stream;

use super::model::{SUSPECT, from_micros};
use super::store;
use crate::db::Pool;
use crate::error::AppError;

/// Rows read and written per page.
const PAGE: i64 = 10_000;

/// A datastream's columns that each of its rows repeats.
#[derive(Debug, Clone)]
pub struct Column {
    pub id: i64,
    pub station: String,
    pub property: String,
    pub unit: String,
    pub example: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn of(ext: &str) -> Option<Format> {
        match ext {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

pub const CSV_HEADER: &str = "datastream,station,property,unit,time,value,quality,example\n";

fn time(t: i64) -> String {
    from_micros(t)
        .map(|u| u.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_default()
}

fn quality(q: i16) -> &'static str {
    if q == SUSPECT { "suspect" } else { "good" }
}

/// One page of rows in the format; `first` says no row came before.
fn write_rows(out: &mut Vec<u8>, f: Format, c: &Column, rows: &[store::Row], first: &mut bool) {
    match f {
        Format::Csv => {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(&mut *out);
            let id = c.id.to_string();
            let example = if c.example { "true" } else { "false" };
            for r in rows {
                let value = r.value.to_string();
                let _ = w.write_record([
                    id.as_str(),
                    &c.station,
                    &c.property,
                    &c.unit,
                    &time(r.time),
                    &value,
                    quality(r.quality),
                    example,
                ]);
            }
            let _ = w.flush();
        }
        Format::Json => {
            let fixed = format!(
                r#""datastream":{},"station":{},"property":{},"unit":{},"#,
                c.id,
                serde_json::Value::from(c.station.as_str()),
                serde_json::Value::from(c.property.as_str()),
                serde_json::Value::from(c.unit.as_str()),
            );
            for r in rows {
                if !*first {
                    out.extend_from_slice(b",\n");
                }
                *first = false;
                out.extend_from_slice(b"{");
                out.extend_from_slice(fixed.as_bytes());
                let _ = std::io::Write::write_fmt(
                    out,
                    format_args!(
                        r#""time":"{}","value":{},"quality":"{}","example":{}}}"#,
                        time(r.time),
                        serde_json::Value::from(r.value),
                        quality(r.quality),
                        c.example
                    ),
                );
            }
        }
    }
}

struct State {
    pool: Pool,
    columns: Vec<Column>,
    lo: i64,
    hi: i64,
    format: Format,
    /// The datastream being read, and the last time read of it.
    at: usize,
    after: Option<i64>,
    started: bool,
    first_row: bool,
    done: bool,
}

/// The observations of `columns` with a time in `[lo, hi]`, as a body.
pub fn body(
    pool: Pool,
    columns: Vec<Column>,
    lo: i64,
    hi: i64,
    format: Format,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    let state = State {
        pool,
        columns,
        lo,
        hi,
        format,
        at: 0,
        after: None,
        started: false,
        first_row: true,
        done: false,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        let mut out = Vec::with_capacity(1 << 20);
        if !s.started {
            s.started = true;
            out.extend_from_slice(match s.format {
                Format::Csv => CSV_HEADER.as_bytes(),
                Format::Json => b"[\n",
            });
        }
        // Fill about one page, across datastreams when one ends.
        while s.at < s.columns.len() {
            let c = s.columns[s.at].clone();
            let (lo, hi, after) = (s.lo, s.hi, s.after);
            let rows = crate::db::run(&s.pool, move |conn| {
                store::observations(conn, c.id, lo, hi, after, false, PAGE, 0)
            })
            .await;
            let rows = match rows {
                Ok(r) => r,
                Err(e) => {
                    s.done = true;
                    let e = AppError::from(e);
                    log::warn!("observation download stopped: {e}");
                    return Some((Err(actix_web::error::ErrorInternalServerError(e)), s));
                }
            };
            write_rows(
                &mut out,
                s.format,
                &s.columns[s.at],
                &rows,
                &mut s.first_row,
            );
            if (rows.len() as i64) < PAGE {
                s.at += 1;
                s.after = None;
            } else {
                s.after = rows.last().map(|r| r.time);
                break;
            }
        }
        if s.at >= s.columns.len() {
            s.done = true;
            if s.format == Format::Json {
                out.extend_from_slice(b"\n]\n");
            }
        }
        Some((Ok(Bytes::from(out)), s))
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test that fails says where")]
mod tests {
    use super::*;

    fn col() -> Column {
        Column {
            id: 3,
            station: "Chomutov, \"Školní\"".into(),
            property: "PM10".into(),
            unit: "µg/m³".into(),
            example: true,
        }
    }

    fn rows() -> Vec<store::Row> {
        vec![
            store::Row {
                time: 1_796_644_800_000_000,
                value: 21.5,
                quality: 0,
            },
            store::Row {
                time: 1_796_645_400_500_000,
                value: 1200.0,
                quality: SUSPECT,
            },
        ]
    }

    #[test]
    fn rows_read_back_as_csv_and_json() {
        let mut out = CSV_HEADER.as_bytes().to_vec();
        write_rows(&mut out, Format::Csv, &col(), &rows(), &mut true);
        let mut r = csv::Reader::from_reader(out.as_slice());
        let recs: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(recs.len(), 2);
        assert_eq!(&recs[0][1], "Chomutov, \"Školní\"");
        assert_eq!(&recs[0][4], "2026-12-07T12:00:00Z");
        assert_eq!(&recs[1][4], "2026-12-07T12:10:00.500Z");
        assert_eq!(&recs[1][6], "suspect");

        let mut out = b"[\n".to_vec();
        let mut first = true;
        write_rows(&mut out, Format::Json, &col(), &rows()[..1], &mut first);
        write_rows(&mut out, Format::Json, &col(), &rows()[1..], &mut first);
        out.extend_from_slice(b"\n]\n");
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        assert_eq!(v[0]["value"], 21.5);
        assert_eq!(v[1]["quality"], "suspect");
        assert_eq!(v[0]["station"], "Chomutov, \"Školní\"");
    }
}

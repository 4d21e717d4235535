//! Tabular files as tables: a CSV (or a workbook's sheet) is read once,
//! checked, its columns typed, and imported into a table of its own in the
//! database (`ds_…`, one column per field, an index on each of the first
//! `INDEXED_COLUMNS`), the way CKAN's DataStore keeps one table per
//! resource. Why not one generic row store: a filter or a sort on any
//! column is then an index look-up on both backends, where a store of
//! rows as JSON would re-read every row for each query.
//!
//! Reading a CSV is three passes over the stored file, each streamed: the
//! encoding (UTF-8 with or without BOM, else windows-1250, ISO-8859-2 or
//! whatever `chardetng` finds for a Czech text), then the rows (ragged rows,
//! a broken quote, an over-long cell or too many columns name their line),
//! the column types and the file's conventions (decimal comma, Czech
//! dates), then the import.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;
use crate::db::dialect::{self, Bind, ColumnType};
use crate::error::FieldError;

pub const MAX_COLUMNS: usize = 500;
pub const MAX_CELL: usize = 64 * 1024;
const MAX_NAME: usize = 200;
pub const INDEXED_COLUMNS: usize = 32;

/// A column's type, as Frictionless Table Schema names it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Integer,
    Number,
    Date,
    Datetime,
    String,
}

impl FieldType {
    fn column(self) -> ColumnType {
        match self {
            FieldType::Integer => ColumnType::Int,
            FieldType::Number => ColumnType::Num,
            _ => ColumnType::Text,
        }
    }
}

/// One column: its name in the file and what its values are.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// The file writes decimals with a comma (`12,5`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub decimal_comma: bool,
    /// The file writes dates the Czech way (`7. 12. 2026`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub czech_dates: bool,
}

/// How a CSV is read: detected, or as the curator said.
#[derive(Clone, Copy, Debug)]
pub struct CsvFormat {
    pub encoding: &'static Encoding,
    pub delimiter: u8,
}

/// What a problem in a file is: an i18n key and where.
fn problem(line: u64, column: u64, key: &str) -> FieldError {
    FieldError::at(line, column, "file", key)
}

// --- encoding and delimiter -------------------------------------------------

/// The encoding of a text file: UTF-8 when every byte is (a BOM too),
/// else the guess for a Czech text. A file that is UTF-8 up to a line and
/// not after it mixes two encodings: that line is named.
pub fn detect_encoding(path: &Path) -> Result<&'static Encoding, FieldError> {
    let mut f = BufReader::with_capacity(1 << 20, File::open(path).map_err(io)?);
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let mut buf = vec![0u8; 1 << 20];
    let mut carry: Vec<u8> = Vec::new();
    let mut line = 1u64;
    let mut multibyte = false;
    let mut invalid_at: Option<u64> = None;
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        detector.feed(chunk, false);
        if invalid_at.is_none() {
            carry.extend_from_slice(chunk);
            let rest: &[u8] = match std::str::from_utf8(&carry) {
                Ok(s) => {
                    multibyte |= !s.is_ascii();
                    line += s.bytes().filter(|b| *b == b'\n').count() as u64;
                    &[]
                }
                Err(e) => {
                    let (good, after) = carry.split_at(e.valid_up_to());
                    multibyte |= !good.is_ascii();
                    line += good.iter().filter(|b| **b == b'\n').count() as u64;
                    if e.error_len().is_some() {
                        invalid_at = Some(line);
                        &[]
                    } else {
                        // An incomplete sequence at the chunk's end.
                        after
                    }
                }
            };
            carry = rest.to_vec();
        }
    }
    detector.feed(&[], true);
    if !carry.is_empty() && invalid_at.is_none() {
        invalid_at = Some(line);
    }
    match invalid_at {
        None => Ok(encoding_rs::UTF_8),
        Some(at) if multibyte => Err(problem(at, 1, "table_mixed_encoding")),
        Some(_) => Ok(detector.guess(Some(b"cz"), chardetng::Utf8Detection::Deny)),
    }
}

/// The delimiter of a CSV: whichever of `;` `,` and tab its first line
/// (outside quotes) has most of; `,` when none.
pub fn detect_delimiter(path: &Path, encoding: &'static Encoding) -> Result<u8, FieldError> {
    let mut head = Vec::new();
    decoded(path, encoding)?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .map_err(io)?;
    let (mut quoted, mut counts) = (false, [0usize; 3]);
    for b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b';' if !quoted => counts[0] += 1,
            b',' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(1);
    Ok(match (best, counts[best]) {
        (_, 0) => b',',
        (0, _) => b';',
        (1, _) => b',',
        _ => b'\t',
    })
}

fn io(e: std::io::Error) -> FieldError {
    log::warn!("reading a stored file: {e}");
    FieldError::new("file", "table_unreadable")
}

fn decoded(path: &Path, encoding: &'static Encoding) -> Result<impl Read, FieldError> {
    let f = File::open(path).map_err(io)?;
    Ok(encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        // A UTF-8 or UTF-16 BOM wins over the guess, and is not data.
        .bom_override(true)
        .build(BufReader::with_capacity(1 << 20, f)))
}

fn reader(path: &Path, format: CsvFormat) -> Result<csv::Reader<impl Read>, FieldError> {
    Ok(csv::ReaderBuilder::new()
        .delimiter(format.delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(decoded(path, format.encoding)?))
}

// --- values -------------------------------------------------------------------

/// Digits, optionally grouped by thousands with a space (`1 234 567`, also
/// the no-break spaces Czech typesetting uses).
fn grouped_digits(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(s.to_string());
    }
    let groups: Vec<&str> = s.split([' ', '\u{a0}', '\u{202f}']).collect();
    let ok = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| groups.concat())
}

fn split_sign(s: &str) -> (&str, &str) {
    match s.as_bytes().first() {
        Some(b'-') => ("-", &s[1..]),
        Some(b'+') => ("", &s[1..]),
        _ => ("", s),
    }
}

/// An integer as a person writes it; a leading zero (`007`, a postcode,
/// an IČO) makes it a code, which stays text.
pub fn parse_int(raw: &str) -> Option<i64> {
    let (sign, digits) = split_sign(raw.trim());
    let d = grouped_digits(digits)?;
    if d.len() > 18 || (d.len() > 1 && d.starts_with('0')) {
        return None;
    }
    format!("{sign}{d}").parse().ok()
}

/// A decimal with a comma or a point, and whether it had the comma.
pub fn parse_number(raw: &str) -> Option<(f64, bool)> {
    let t = raw.trim();
    if let Some(i) = parse_int(t) {
        return Some((i as f64, false));
    }
    let (sign, body) = split_sign(t);
    let (int, frac, comma) = match body.rfind([',', '.']) {
        Some(i) => (&body[..i], &body[i + 1..], body.as_bytes()[i] == b','),
        None => return None,
    };
    let int = grouped_digits(int)?;
    if (int.len() > 1 && int.starts_with('0'))
        || frac.is_empty()
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() + frac.len() > 30
    {
        return None;
    }
    let v: f64 = format!("{sign}{int}.{frac}").parse().ok()?;
    v.is_finite().then_some((v, comma))
}

/// A date, ISO (`2026-12-07`) or Czech (`7. 12. 2026`, `07.12.2026`), as
/// ISO, and whether it was Czech.
pub fn parse_date(raw: &str) -> Option<(String, bool)> {
    let t = raw.trim();
    if t.len() == 10 && t.as_bytes()[4] == b'-' {
        let d = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
        return Some((d.format("%Y-%m-%d").to_string(), false));
    }
    let parts: Vec<&str> = t.split('.').map(str::trim).collect();
    if parts.len() != 3 || parts[2].len() != 4 || parts[0].is_empty() || parts[0].len() > 2 {
        return None;
    }
    let n = |s: &str| {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let d = chrono::NaiveDate::from_ymd_opt(n(parts[2])? as i32, n(parts[1])?, n(parts[0])?)?;
    Some((d.format("%Y-%m-%d").to_string(), true))
}

/// A date and time, ISO (`2026-12-07T10:30:00`, a space for the `T`, an
/// offset or `Z`) or Czech (`7. 12. 2026 10:30`), as ISO, and whether it
/// was Czech.
pub fn parse_datetime(raw: &str) -> Option<(String, bool)> {
    let t = raw.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some((
            dt.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            false,
        ));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(t, f) {
            return Some((dt.format("%Y-%m-%dT%H:%M:%S").to_string(), false));
        }
    }
    let (date, time) = t.rsplit_once(' ')?;
    let (day, _) = parse_date(date).filter(|(_, czech)| *czech)?;
    let time = chrono::NaiveTime::parse_from_str(time, "%H:%M:%S")
        .or_else(|_| chrono::NaiveTime::parse_from_str(time, "%H:%M"))
        .ok()?;
    Some((format!("{day}T{}", time.format("%H:%M:%S")), true))
}

/// A column's type so far, narrowed by each value it meets.
#[derive(Clone, Debug)]
struct Inference {
    int: bool,
    number: bool,
    date: bool,
    datetime: bool,
    seen: bool,
    comma: bool,
    czech: bool,
}

impl Default for Inference {
    fn default() -> Self {
        Inference {
            int: true,
            number: true,
            date: true,
            datetime: true,
            seen: false,
            comma: false,
            czech: false,
        }
    }
}

impl Inference {
    fn meet(&mut self, v: &str) {
        let v = v.trim();
        if v.is_empty() {
            return;
        }
        self.seen = true;
        if self.int && parse_int(v).is_none() {
            self.int = false;
        }
        if self.number && !self.int {
            match parse_number(v) {
                Some((_, comma)) => self.comma |= comma,
                None => self.number = false,
            }
        }
        if self.date {
            match parse_date(v) {
                Some((_, czech)) => self.czech |= czech,
                None => self.date = false,
            }
        }
        if self.datetime && !self.date {
            match parse_datetime(v) {
                Some((_, czech)) => self.czech |= czech,
                None => self.datetime = false,
            }
        }
    }

    fn kind(&self) -> FieldType {
        match self {
            Inference { seen: false, .. } => FieldType::String,
            Inference { int: true, .. } => FieldType::Integer,
            Inference { number: true, .. } => FieldType::Number,
            Inference { date: true, .. } => FieldType::Date,
            Inference { datetime: true, .. } => FieldType::Datetime,
            _ => FieldType::String,
        }
    }
}

/// A cell as stored: NULL when empty, else in its column's type.
fn bind<'a>(kind: FieldType, raw: &'a str, scratch: &'a mut String) -> Bind<'a> {
    let v = raw.trim();
    if v.is_empty() {
        return match kind {
            FieldType::Integer => Bind::Int(None),
            FieldType::Number => Bind::Num(None),
            _ => Bind::Text(None),
        };
    }
    match kind {
        FieldType::Integer => Bind::Int(parse_int(v)),
        FieldType::Number => Bind::Num(parse_number(v).map(|(n, _)| n)),
        FieldType::Date => {
            *scratch = parse_date(v).map(|(d, _)| d).unwrap_or_default();
            Bind::Text(Some(scratch.as_str()))
        }
        FieldType::Datetime => {
            *scratch = parse_datetime(v).map(|(d, _)| d).unwrap_or_default();
            Bind::Text(Some(scratch.as_str()))
        }
        FieldType::String => Bind::Text(Some(raw)),
    }
}

/// Lower case without diacritics, for a search that ignores both
/// (`Žatec` is found by `zatec`).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'á' | 'ä' | 'à' | 'â' | 'ą' => 'a',
            'č' | 'ć' | 'ç' => 'c',
            'ď' => 'd',
            'é' | 'ě' | 'ë' | 'è' | 'ê' | 'ę' => 'e',
            'í' | 'ï' | 'î' => 'i',
            'ĺ' | 'ľ' | 'ł' => 'l',
            'ň' | 'ń' => 'n',
            'ó' | 'ö' | 'ô' | 'ő' | 'ò' => 'o',
            'ŕ' | 'ř' => 'r',
            'š' | 'ś' => 's',
            'ť' => 't',
            'ú' | 'ů' | 'ü' | 'ű' | 'ù' | 'û' => 'u',
            'ý' | 'ÿ' => 'y',
            'ž' | 'ź' | 'ż' => 'z',
            'ß' => 's',
            other => other,
        };
        out.push(plain);
    }
    out
}

// --- reading a whole table -----------------------------------------------------

/// Rows of a table as they come, whatever the file: a CSV's records, a
/// sheet's rows. The first is the header.
pub trait Rows {
    /// The next row, with the line it starts on; `None` at the end.
    fn next_row(&mut self) -> Result<Option<(u64, Vec<String>)>, FieldError>;
}

pub struct CsvRows<R: Read> {
    reader: csv::Reader<R>,
    record: csv::StringRecord,
}

/// A CSV's rows as `format` reads them.
pub fn csv_rows(path: &Path, format: CsvFormat) -> Result<CsvRows<impl Read>, FieldError> {
    Ok(CsvRows {
        reader: reader(path, format)?,
        record: csv::StringRecord::new(),
    })
}

impl<R: Read> Rows for CsvRows<R> {
    fn next_row(&mut self) -> Result<Option<(u64, Vec<String>)>, FieldError> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line());
                Ok(Some((
                    line,
                    self.record.iter().map(str::to_string).collect(),
                )))
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                log::info!("a CSV that does not parse: {e}");
                Err(problem(line, 1, "table_unparsable"))
            }
        }
    }
}

/// What the first pass found: the columns and how many rows there are.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub fields: Vec<Field>,
    pub rows: u64,
}

/// Column names as a person reads them: trimmed, an empty one named by
/// its position, a repeated one numbered.
fn names(header: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let base: String = h.trim().chars().take(MAX_NAME).collect();
        let base = if base.is_empty() {
            format!("sloupec_{}", i + 1)
        } else {
            base
        };
        let mut name = base.clone();
        let mut n = 1;
        while out.contains(&name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        out.push(name);
    }
    out
}

/// The first pass: every row checked against the header, each column's
/// type narrowed. Nothing is written.
pub fn scan(rows: &mut dyn Rows, max_rows: u64) -> Result<Scanned, FieldError> {
    let Some((_, header)) = rows.next_row()? else {
        return Err(FieldError::new("file", "file_empty"));
    };
    if header.len() > MAX_COLUMNS {
        return Err(problem(1, MAX_COLUMNS as u64 + 1, "table_too_many_columns"));
    }
    let width = header.len();
    let mut infer = vec![Inference::default(); width];
    let mut count = 0u64;
    let mut last_multiline = None;
    while let Some((line, row)) = rows.next_row()? {
        if row.len() == 1 && row[0].trim().is_empty() && width > 1 {
            // A blank line is no row.
            continue;
        }
        if row.len() != width {
            let column = row.len().min(width) as u64 + 1;
            return Err(problem(line, column, "table_ragged_row"));
        }
        for (i, v) in row.iter().enumerate() {
            if v.len() > MAX_CELL {
                return Err(problem(line, i as u64 + 1, "table_cell_too_long"));
            }
            infer[i].meet(v);
        }
        last_multiline = row.iter().any(|v| v.contains('\n')).then_some(line);
        count += 1;
        if count > max_rows {
            return Err(problem(line, 1, "table_too_many_rows"));
        }
    }
    // A quote that never closes swallows the rest of the file into the last
    // row's cell: that row is where the quote opened.
    if let Some(line) = last_multiline {
        return Err(problem(line, 1, "table_broken_quote"));
    }
    let fields = names(&header)
        .into_iter()
        .zip(infer)
        .map(|(name, inf)| {
            let kind = inf.kind();
            Field {
                name,
                kind,
                decimal_comma: kind == FieldType::Number && inf.comma,
                czech_dates: matches!(kind, FieldType::Date | FieldType::Datetime) && inf.czech,
            }
        })
        .collect();
    Ok(Scanned {
        fields,
        rows: count,
    })
}

/// `c0`, `c1`, …: the columns of an imported table (the file's own names
/// never become SQL).
pub fn column(i: usize) -> String {
    format!("c{i}")
}

/// The second pass: the rows into a new table `name`, in transactions of
/// a bounded size so that other writers get their turn, then the
/// indexes. On failure the table is dropped.
pub fn import(
    conn: &mut DbConnection,
    name: &str,
    fields: &[Field],
    rows: &mut dyn Rows,
) -> Result<u64, FieldError> {
    let result = import_into(conn, name, fields, rows);
    if result.is_err() {
        // The batch that failed leaves its transaction open; without one
        // this is a harmless error.
        let _ = dialect::execute(conn, "ROLLBACK", &[]);
        dialect::drop_tables(conn, [name]);
    }
    result
}

fn import_into(
    conn: &mut DbConnection,
    name: &str,
    fields: &[Field],
    rows: &mut dyn Rows,
) -> Result<u64, FieldError> {
    let db = |e: diesel::result::Error| {
        log::warn!("importing a table: {e}");
        FieldError::new("file", "table_unreadable")
    };
    let id_type = match conn {
        DbConnection::Sqlite(_) => "INTEGER PRIMARY KEY",
        DbConnection::Pg(_) => "BIGINT PRIMARY KEY",
    };
    let mut ddl = format!("CREATE TABLE {name} (_id {id_type}, _search TEXT NOT NULL");
    for (i, f) in fields.iter().enumerate() {
        ddl.push_str(&format!(
            ", {} {}",
            column(i),
            dialect::column_type(conn, f.kind.column())
        ));
    }
    ddl.push(')');
    dialect::execute(conn, &ddl, &[]).map_err(db)?;
    let _ = rows.next_row()?; // the header
    let width = fields.len();
    let per_row = width + 2;
    let batch = (dialect::MAX_BINDS / per_row).clamp(1, 200);
    let row_sql = format!("({})", vec!["?"; per_row].join(", "));
    let mut cols = vec!["_id".to_string(), "_search".to_string()];
    cols.extend((0..width).map(column));
    let head = format!("INSERT INTO {name} ({}) VALUES ", cols.join(", "));
    let mut pending: Vec<Vec<String>> = Vec::with_capacity(batch);
    let mut n: u64 = 0;
    let mut in_tx = 0usize;
    dialect::execute(conn, "BEGIN", &[]).map_err(db)?;
    let flush = |conn: &mut DbConnection, pending: &mut Vec<Vec<String>>, first: u64| {
        if pending.is_empty() {
            return Ok(());
        }
        let searches: Vec<String> = pending.iter().map(|r| fold(&r.join(" "))).collect();
        let mut scratch: Vec<String> = vec![String::new(); pending.len() * width];
        let mut ids: Vec<i64> = Vec::with_capacity(pending.len());
        for i in 0..pending.len() {
            ids.push(first as i64 + i as i64 + 1);
        }
        let mut binds: Vec<Bind<'_>> = Vec::with_capacity(pending.len() * per_row);
        let mut scratch_iter = scratch.iter_mut();
        for (r, row) in pending.iter().enumerate() {
            binds.push(Bind::Int(Some(ids[r])));
            binds.push(Bind::Text(Some(searches[r].as_str())));
            for (i, v) in row.iter().enumerate() {
                let s = scratch_iter.next().ok_or(diesel::result::Error::NotFound)?;
                binds.push(bind(fields[i].kind, v, s));
            }
        }
        let sql = format!("{head}{}", vec![row_sql.as_str(); pending.len()].join(", "));
        dialect::execute(conn, &sql, &binds)?;
        pending.clear();
        Ok::<_, diesel::result::Error>(())
    };
    while let Some((_, row)) = rows.next_row()? {
        if row.len() == 1 && row[0].trim().is_empty() && width > 1 {
            continue;
        }
        if row.len() != width {
            return Err(FieldError::new("file", "table_changed"));
        }
        pending.push(row);
        if pending.len() == batch {
            let first = n;
            n += pending.len() as u64;
            flush(conn, &mut pending, first).map_err(db)?;
            in_tx += batch;
            if in_tx >= 50_000 {
                dialect::execute(conn, "COMMIT", &[]).map_err(db)?;
                dialect::execute(conn, "BEGIN", &[]).map_err(db)?;
                in_tx = 0;
            }
        }
    }
    let first = n;
    n += pending.len() as u64;
    flush(conn, &mut pending, first).map_err(db)?;
    dialect::execute(conn, "COMMIT", &[]).map_err(db)?;
    for i in 0..width.min(INDEXED_COLUMNS) {
        dialect::execute(
            conn,
            &format!("CREATE INDEX {name}_{i} ON {name} ({})", column(i)),
            &[],
        )
        .map_err(db)?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn czech_numbers_and_dates_are_read() {
        assert_eq!(parse_int("1 234"), Some(1234));
        assert_eq!(parse_int("-42"), Some(-42));
        assert_eq!(parse_int("007"), None);
        assert_eq!(parse_int("12 34"), None);
        assert_eq!(parse_number("12,5"), Some((12.5, true)));
        assert_eq!(parse_number("1 234,75"), Some((1234.75, true)));
        assert_eq!(parse_number("0.25"), Some((0.25, false)));
        assert_eq!(parse_number("1,2,3"), None);
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_date("7. 12. 2026"), Some(("2026-12-07".into(), true)));
        assert_eq!(parse_date("07.12.2026"), Some(("2026-12-07".into(), true)));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(
            parse_datetime("7. 12. 2026 10:30"),
            Some(("2026-12-07T10:30:00".into(), true))
        );
        assert_eq!(
            parse_datetime("2026-12-07 10:30:05"),
            Some(("2026-12-07T10:30:05".into(), false))
        );
    }

    #[test]
    fn a_column_takes_the_narrowest_type_all_its_values_have() {
        let kind = |vals: &[&str]| {
            let mut i = Inference::default();
            for v in vals {
                i.meet(v);
            }
            (i.kind(), i.comma, i.czech)
        };
        assert_eq!(kind(&["1", "2", ""]).0, FieldType::Integer);
        assert_eq!(kind(&["1", "2,5"]), (FieldType::Number, true, false));
        assert_eq!(kind(&["1. 1. 2026", "2026-01-02"]).0, FieldType::Date);
        assert_eq!(kind(&["1", "x"]).0, FieldType::String);
        assert_eq!(kind(&["43001", "04301"]).0, FieldType::String);
        assert_eq!(kind(&[""]).0, FieldType::String);
    }

    #[test]
    fn folding_drops_case_and_diacritics() {
        assert_eq!(fold("Žluťoučký KŮŇ"), "zlutoucky kun");
    }

    fn temp(bytes: &[u8]) -> tempfile::NamedTempFile {
        use std::io::Write;
        let mut f = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        f.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
        f
    }

    #[test]
    fn czech_encodings_are_told_apart() {
        let text = "název;počet\nŠumná Žďár šíře ťukání žluť;1\nPříliš žluťoučký kůň úpěl ďábelské ódy;2\n";
        for enc in [
            encoding_rs::UTF_8,
            encoding_rs::WINDOWS_1250,
            encoding_rs::ISO_8859_2,
        ] {
            let (bytes, _, _) = enc.encode(text);
            let f = temp(&bytes);
            assert_eq!(detect_encoding(f.path()).ok(), Some(enc), "{}", enc.name());
            assert_eq!(detect_delimiter(f.path(), enc).ok(), Some(b';'));
        }
        let mut mixed = "a,b\nčeský,1\n".as_bytes().to_vec();
        mixed.extend(encoding_rs::WINDOWS_1250.encode("český,2\n").0.iter());
        let f = temp(&mixed);
        assert_eq!(
            detect_encoding(f.path()).err().and_then(|e| e.line),
            Some(3)
        );
    }
}

//! Workbooks (XLSX) as tables, read with `calamine`. An XLSX is a ZIP
//! archive, and a ZIP can be a bomb (a few kilobytes that unpack to
//! gigabytes), so the archive is measured before calamine opens it: how
//! many entries, how large each unpacks to (actually unpacked, not as its
//! header claims), how large all of them together, and how much each
//! swells.

use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use super::table::Rows;
use crate::error::FieldError;

/// Most sheets imported of one workbook.
pub const MAX_SHEETS: usize = 20;
const MAX_ENTRIES: usize = 10_000;
/// What a whole workbook may unpack to.
pub const MAX_UNPACKED: u64 = 256 * 1024 * 1024;
/// How much a large entry may swell when unpacked (spreadsheet XML packs
/// well, rarely past 1:100; a bomb packs past 1:1000).
const MAX_RATIO: u64 = 200;

fn unreadable(detail: impl std::fmt::Display) -> FieldError {
    log::info!("a workbook that does not read: {detail}");
    FieldError::new("file", "xlsx_unreadable")
}

/// Refuses a workbook whose archive is a bomb, or no archive at all.
pub fn check_archive(path: &Path) -> Result<(), FieldError> {
    let f = std::fs::File::open(path).map_err(unreadable)?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(unreadable)?;
    if zip.len() > MAX_ENTRIES {
        return Err(FieldError::new("file", "zip_bomb"));
    }
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(unreadable)?;
        let packed = entry.compressed_size().max(1);
        if entry.size() > MAX_UNPACKED || total + entry.size() > MAX_UNPACKED {
            return Err(FieldError::new("file", "zip_bomb"));
        }
        // The header can lie: what counts is what comes out.
        let mut unpacked = 0u64;
        loop {
            let n = entry.read(&mut buf).map_err(unreadable)?;
            if n == 0 {
                break;
            }
            unpacked += n as u64;
            let swells = unpacked > 1024 * 1024 && unpacked / packed > MAX_RATIO;
            if total + unpacked > MAX_UNPACKED || swells {
                return Err(FieldError::new("file", "zip_bomb"));
            }
        }
        total += unpacked;
    }
    Ok(())
}

fn open(path: &Path) -> Result<Xlsx<std::io::BufReader<std::fs::File>>, FieldError> {
    calamine::open_workbook(path).map_err(unreadable)
}

pub fn sheet_names(path: &Path) -> Result<Vec<String>, FieldError> {
    Ok(open(path)?.sheet_names())
}

/// A sheet's rows, as text the way the CSV reader gives them.
pub struct SheetRows {
    rows: std::vec::IntoIter<Vec<String>>,
    line: u64,
}

/// One sheet, read whole (the archive was measured: it is bounded).
pub fn rows(path: &Path, sheet: &str) -> Result<SheetRows, FieldError> {
    let range = open(path)?.worksheet_range(sheet).map_err(unreadable)?;
    let first = range.start().map_or(0, |(row, _)| row as u64);
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(text).collect()).collect();
    Ok(SheetRows {
        rows: rows.into_iter(),
        line: first,
    })
}

impl Rows for SheetRows {
    fn next_row(&mut self) -> Result<Option<(u64, Vec<String>)>, FieldError> {
        Ok(self.rows.next().map(|r| {
            self.line += 1;
            (self.line, r)
        }))
    }
}

/// A cell as text: numbers as a program writes them, dates as ISO.
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => d.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}

//! Reading a layer from what a curator has: GeoJSON (RFC 7946, or the
//! 2008 form with a `crs` member as QGIS and older tools write it), a
//! zipped Shapefile (`.shp`, `.shx`, `.dbf`, `.prj`, `.cpg`) or a CSV with
//! coordinate columns. Every reader yields the same features in the
//! layer's own coordinates; `finish` turns them into WGS 84, checks each
//! geometry and names the feature whose is wrong.
//!
//! Input is hostile: the file was received within the layer limit, a ZIP
//! is checked for bombs and for names that climb out of it before a byte
//! of it is read, a Shapefile's record counts are checked against its
//! size before the reader allocates by them, and JSON nesting is bounded.

use std::io::{Cursor, Read};
use std::path::Path;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::crs::{Crs, ToWgs84, in_wgs84, looks_sjtsk};
use super::geometry::{self, Geometry};
use crate::error::FieldError;
use crate::files::service::ReadAs;
use crate::files::table::{self, Rows};

/// Features in one layer.
pub const MAX_FEATURES: usize = 1_000_000;
/// Properties of one feature, the length of a name and of a text value.
const MAX_PROPERTIES: usize = 500;
const MAX_NAME: usize = 200;
const MAX_TEXT: usize = 64 * 1024;
/// Problems reported at once; past them the curator has enough to fix.
const MAX_REPORTED: usize = 20;

/// What the curator said about the file, where reading would guess.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub crs: Option<Crs>,
    pub x: Option<String>,
    pub y: Option<String>,
    pub read_as: ReadAs,
}

/// One feature, read and checked: its geometry in WGS 84.
#[derive(Clone, Debug)]
pub struct Feature {
    pub geometry: Geometry,
    pub properties: Map<String, Value>,
    pub bbox: [f64; 4],
}

/// A property of the layer and what its values are.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct FieldDef {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A layer read from a file.
#[derive(Debug)]
pub struct Parsed {
    /// The system the file was in.
    pub crs: Crs,
    pub features: Vec<Feature>,
    pub fields: Vec<FieldDef>,
    /// The first property whose every value is a date or a time: what
    /// `datetime=` queries filter on.
    pub time_field: Option<String>,
    pub bbox: [f64; 4],
}

/// A feature before `finish`: in the file's coordinates, named for the
/// report.
struct Raw {
    label: String,
    geometry: Result<Geometry, &'static str>,
    properties: Map<String, Value>,
}

type Problems = Vec<FieldError>;

fn one(key: &str) -> Problems {
    vec![FieldError::new("file", key)]
}

/// What kind of layer file a name says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Shapefile,
    Csv,
}

impl Format {
    pub fn of(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "geojson" | "json" => Some(Format::GeoJson),
            "zip" => Some(Format::Shapefile),
            "csv" | "txt" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// Reads and checks a layer file. Runs on a blocking thread.
pub fn read(path: &Path, name: &str, opts: &Options) -> Result<Parsed, Problems> {
    let format = Format::of(name).ok_or_else(|| one("gis_format_unknown"))?;
    let (raw, declared) = match format {
        Format::GeoJson => geojson(path)?,
        Format::Shapefile => shapefile(path, opts.crs.is_some())?,
        Format::Csv => csv(path, opts)?,
    };
    finish(raw, opts.crs.or(declared))
}

fn label(n: usize, id: Option<&Value>) -> String {
    match id {
        Some(Value::String(s)) => format!("{n} ({})", s.chars().take(60).collect::<String>()),
        Some(Value::Number(x)) => format!("{n} ({x})"),
        _ => n.to_string(),
    }
}

// --- GeoJSON ----------------------------------------------------------------

#[derive(serde::Deserialize)]
struct Doc<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(borrow, default)]
    features: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    crs: Option<Value>,
}

#[derive(serde::Deserialize)]
struct RawFeature<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(borrow, default)]
    geometry: Option<&'a RawValue>,
    #[serde(borrow, default)]
    properties: Option<&'a RawValue>,
}

fn json_problem(e: &serde_json::Error) -> &'static str {
    if e.to_string().contains("recursion limit") {
        "gis_geometry_too_deep"
    } else {
        "gis_json_invalid"
    }
}

fn geojson(path: &Path) -> Result<(Vec<Raw>, Option<Crs>), Problems> {
    let bytes = std::fs::read(path).map_err(|_| one("gis_unreadable"))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| one("gis_json_not_utf8"))?;
    let text = text.trim_start_matches('\u{feff}');
    // The document's outline only: each feature stays raw text until it
    // is read alone, so nesting too deep is one feature's problem, found
    // and named, and skipping it needs no stack.
    let doc: Doc<'_> = serde_json::from_str(text).map_err(|e| {
        let mut p = FieldError::at(e.line() as u64, e.column() as u64, "file", json_problem(&e));
        if p.message == "gis_geometry_too_deep" {
            p.message = "gis_json_invalid".into();
        }
        vec![p]
    })?;
    let declared = match doc.crs.as_ref() {
        None => None,
        Some(c) => {
            let name = c
                .pointer("/properties/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Some(Crs::parse(name).ok_or_else(|| one("gis_crs_unknown"))?)
        }
    };
    let items: Vec<&RawValue> = match (doc.kind.as_deref(), doc.features) {
        (Some("FeatureCollection"), Some(f)) => f,
        (Some("Feature"), _) => {
            // One feature as the whole document.
            let whole: &RawValue =
                serde_json::from_str(text).map_err(|_| one("gis_json_invalid"))?;
            return Ok((geojson_features(&[whole])?, declared));
        }
        _ => return Err(one("gis_not_feature_collection")),
    };
    if items.len() > MAX_FEATURES {
        return Err(one("gis_too_many_features"));
    }
    Ok((geojson_features(&items)?, declared))
}

fn geojson_features(items: &[&RawValue]) -> Result<Vec<Raw>, Problems> {
    let mut out = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let f: RawFeature<'_> = match serde_json::from_str(item.get()) {
            Ok(f) => f,
            Err(e) => {
                problems.push(FieldError::in_feature(n.to_string(), json_problem(&e)));
                if problems.len() >= MAX_REPORTED {
                    break;
                }
                continue;
            }
        };
        let name = label(n, f.id.as_ref());
        if f.kind.as_deref() != Some("Feature") {
            problems.push(FieldError::in_feature(name, "gis_not_a_feature"));
            continue;
        }
        let geometry = match f.geometry.map(|g| serde_json::from_str::<Value>(g.get())) {
            None => Err("gis_geometry_missing"),
            Some(Err(e)) => Err(json_problem(&e)),
            Some(Ok(Value::Null)) => Err("gis_geometry_missing"),
            Some(Ok(v)) => geometry::from_geojson(&v),
        };
        let mut properties = match f.properties.map(|p| serde_json::from_str::<Value>(p.get())) {
            None | Some(Ok(Value::Null)) => Map::new(),
            Some(Ok(Value::Object(m))) => m,
            Some(Ok(_)) => {
                problems.push(FieldError::in_feature(name, "gis_properties_not_object"));
                continue;
            }
            Some(Err(e)) => {
                problems.push(FieldError::in_feature(name, json_problem(&e)));
                continue;
            }
        };
        // A feature's id is kept as a property when it has none of that
        // name: the items API names features by their number.
        if let Some(id) = f.id.filter(|v| v.is_string() || v.is_number()) {
            properties.entry("id".to_string()).or_insert(id);
        }
        out.push(Raw {
            label: name,
            geometry,
            properties,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

// --- Shapefile ----------------------------------------------------------------

/// Whether a name inside an archive stays inside it.
fn safe_entry(name: &str) -> bool {
    !(name.starts_with('/')
        || name.starts_with('\\')
        || name.contains('\0')
        || name.split(['/', '\\']).any(|part| part == "..")
        || name.as_bytes().get(1) == Some(&b':'))
}

fn shapefile(path: &Path, crs_given: bool) -> Result<(Vec<Raw>, Option<Crs>), Problems> {
    crate::files::xlsx::check_archive(path).map_err(|e| vec![e])?;
    let file = std::fs::File::open(path).map_err(|_| one("gis_unreadable"))?;
    let mut zip =
        zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|_| one("gis_zip_invalid"))?;
    let names: Vec<String> = (0..zip.len())
        .filter_map(|i| {
            zip.by_index(i)
                .ok()
                .and_then(|e| e.name().ok().map(|n| n.to_string()))
        })
        .collect();
    if let Some(bad) = names.iter().find(|n| !safe_entry(n)) {
        let mut p = FieldError::new("file", "gis_zip_unsafe_name");
        p.feature = Some(bad.chars().take(120).collect());
        return Err(vec![p]);
    }
    let shp: Vec<&String> = names
        .iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".shp") && !n.starts_with("__MACOSX"))
        .collect();
    let stem = match shp.as_slice() {
        [one_shp] => one_shp[..one_shp.len() - 4].to_string(),
        [] => return Err(one("gis_shapefile_no_shp")),
        _ => return Err(one("gis_shapefile_many")),
    };
    let mut part = |ext: &str| -> Result<Option<Vec<u8>>, Problems> {
        let want = format!("{stem}.{ext}").to_ascii_lowercase();
        let Some(name) = names.iter().find(|n| n.to_ascii_lowercase() == want) else {
            return Ok(None);
        };
        let mut entry = zip.by_name(name).map_err(|_| one("gis_zip_invalid"))?;
        let mut buf = Vec::new();
        entry
            .read_to_end(&mut buf)
            .map_err(|_| one("gis_zip_invalid"))?;
        Ok(Some(buf))
    };
    let shp_bytes = part("shp")?.ok_or_else(|| one("gis_shapefile_no_shp"))?;
    let dbf = part("dbf")?.ok_or_else(|| one("gis_shapefile_no_dbf"))?;
    let prj = part("prj")?;
    let cpg = part("cpg")?;
    let declared = match prj {
        Some(p) => {
            let wkt = String::from_utf8_lossy(&p).to_string();
            match Crs::from_prj(&wkt) {
                Ok(c) => Some(c),
                Err(_) if crs_given => None,
                Err(name) => {
                    let mut e = FieldError::new("file", "gis_prj_unknown");
                    e.feature = Some(name);
                    return Err(vec![e]);
                }
            }
        }
        None if crs_given => None,
        None => return Err(one("gis_shapefile_no_prj")),
    };
    check_shp(&shp_bytes).map_err(|n| {
        vec![FieldError::in_feature(
            n.to_string(),
            "gis_shapefile_broken",
        )]
    })?;
    let encoding = cpg
        .as_deref()
        .map(|c| {
            let label = String::from_utf8_lossy(c).trim().to_ascii_lowercase();
            let label = label
                .trim_start_matches("ansi ")
                .trim_start_matches("cp")
                .to_string();
            let label = if label.chars().all(|c| c.is_ascii_digit()) {
                format!("windows-{label}")
            } else {
                label
            };
            encoding_rs::Encoding::for_label(label.as_bytes()).ok_or_else(|| one("gis_cpg_unknown"))
        })
        .transpose()?
        // Without a `.cpg`, Czech software writes the Windows code page.
        .unwrap_or(encoding_rs::WINDOWS_1250);
    let mut shapes_reader = shapefile::ShapeReader::new(Cursor::new(shp_bytes))
        .map_err(|_| one("gis_shapefile_broken"))?;
    let mut records = shapefile::dbase::ReaderBuilder::new()
        .with_encoding(shapefile::dbase::encoding::EncodingRs::from(encoding))
        .build(Cursor::new(dbf))
        .map_err(|_| one("gis_dbf_broken"))?;
    let field_names: Vec<String> = records
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut rec_iter = records.iter_records();
    for (i, shape) in shapes_reader.iter_shapes().enumerate() {
        let n = i + 1;
        if n > MAX_FEATURES {
            return Err(one("gis_too_many_features"));
        }
        let shape = match shape {
            Ok(s) => s,
            Err(_) => {
                problems.push(FieldError::in_feature(
                    n.to_string(),
                    "gis_shapefile_broken",
                ));
                break;
            }
        };
        let record = match rec_iter.next() {
            Some(Ok(r)) => r,
            _ => {
                problems.push(FieldError::in_feature(n.to_string(), "gis_dbf_broken"));
                break;
            }
        };
        let mut values: std::collections::HashMap<String, shapefile::dbase::FieldValue> =
            record.into();
        let mut properties = Map::new();
        for name in &field_names {
            if let Some(v) = values.remove(name) {
                properties.insert(name.clone(), dbf_value(v));
            }
        }
        out.push(Raw {
            label: n.to_string(),
            geometry: from_shape(shape),
            properties,
        });
    }
    if problems.is_empty() {
        Ok((out, declared))
    } else {
        Err(problems)
    }
}

fn dbf_value(v: shapefile::dbase::FieldValue) -> Value {
    use shapefile::dbase::FieldValue as F;
    let num = |x: f64| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number);
    match v {
        F::Character(s) => s.map_or(Value::Null, |s| Value::String(s.trim_end().to_string())),
        F::Memo(s) => Value::String(s),
        F::Numeric(x) => x.map_or(Value::Null, |x| {
            if x.fract() == 0.0 && x.abs() < 9.0e15 {
                Value::from(x as i64)
            } else {
                num(x)
            }
        }),
        F::Float(x) => x.map_or(Value::Null, |x| num(x as f64)),
        F::Double(x) | F::Currency(x) => num(x),
        F::Integer(x) => Value::from(x),
        F::Logical(b) => b.map_or(Value::Null, Value::Bool),
        F::Date(d) => d.map_or(Value::Null, |d| {
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }),
        F::DateTime(t) => chrono::DateTime::from_timestamp(t.to_unix_timestamp(), 0)
            .map_or(Value::Null, |t| {
                Value::String(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            }),
    }
}

/// Checks a `.shp`'s records before the reader allocates by their counts:
/// each record within the file, its part and point counts within the
/// record. `Err` names the record.
fn check_shp(b: &[u8]) -> Result<(), usize> {
    let be = |at: usize| -> Option<i64> {
        b.get(at..at + 4)
            .map(|s| i32::from_be_bytes([s[0], s[1], s[2], s[3]]) as i64)
    };
    let le = |at: usize| -> Option<i64> {
        b.get(at..at + 4)
            .map(|s| i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as i64)
    };
    if b.len() < 100 || be(0) != Some(9994) {
        return Err(0);
    }
    let mut at = 100usize;
    let mut n = 0usize;
    while at < b.len() {
        n += 1;
        let len = be(at + 4).ok_or(n)? * 2;
        let start = at + 8;
        if len < 4 || start as i64 + len > b.len() as i64 {
            return Err(n);
        }
        let end = start + len as usize;
        let kind = le(start).ok_or(n)?;
        // Multipoint: box, count, points; polyline and polygon: box, parts,
        // points, part starts, points; each with M and Z arrays after.
        let need = match kind {
            8 | 18 | 28 => {
                let points = le(start + 36).ok_or(n)?;
                if points < 0 {
                    return Err(n);
                }
                40 + 16 * points
            }
            3 | 5 | 13 | 15 | 23 | 25 | 31 => {
                let parts = le(start + 36).ok_or(n)?;
                let points = le(start + 40).ok_or(n)?;
                if parts < 0 || points < 0 {
                    return Err(n);
                }
                44 + 4 * parts + 16 * points
            }
            _ => 4,
        };
        if need > len {
            return Err(n);
        }
        at = end;
    }
    Ok(())
}

fn xy<P: shapefile::record::traits::HasXY>(p: &P) -> geometry::Pos {
    [p.x(), p.y()]
}

fn ring_of<P: shapefile::record::traits::HasXY>(ps: &[P]) -> Vec<geometry::Pos> {
    ps.iter().map(xy).collect()
}

fn polygon_of<P: shapefile::record::traits::HasXY>(
    rings: &[shapefile::PolygonRing<P>],
) -> Geometry {
    // Each outer ring starts a polygon; its holes follow it (the order
    // Shapefile writers keep).
    let mut polygons: Vec<Vec<Vec<geometry::Pos>>> = Vec::new();
    for r in rings {
        match r {
            shapefile::PolygonRing::Outer(ps) => polygons.push(vec![ring_of(ps)]),
            shapefile::PolygonRing::Inner(ps) => match polygons.last_mut() {
                Some(p) => p.push(ring_of(ps)),
                None => polygons.push(vec![ring_of(ps)]),
            },
        }
    }
    if polygons.len() == 1 {
        Geometry::Polygon(polygons.remove(0))
    } else {
        Geometry::MultiPolygon(polygons)
    }
}

fn lines_of<P: shapefile::record::traits::HasXY>(parts: &[Vec<P>]) -> Geometry {
    let mut lines: Vec<Vec<geometry::Pos>> = parts.iter().map(|p| ring_of(p)).collect();
    if lines.len() == 1 {
        Geometry::LineString(lines.remove(0))
    } else {
        Geometry::MultiLineString(lines)
    }
}

fn from_shape(shape: shapefile::Shape) -> Result<Geometry, &'static str> {
    use shapefile::Shape as S;
    Ok(match shape {
        S::NullShape => return Err("gis_geometry_missing"),
        S::Point(p) => Geometry::Point(xy(&p)),
        S::PointM(p) => Geometry::Point(xy(&p)),
        S::PointZ(p) => Geometry::Point(xy(&p)),
        S::Multipoint(m) => Geometry::MultiPoint(ring_of(m.points())),
        S::MultipointM(m) => Geometry::MultiPoint(ring_of(m.points())),
        S::MultipointZ(m) => Geometry::MultiPoint(ring_of(m.points())),
        S::Polyline(l) => lines_of(l.parts()),
        S::PolylineM(l) => lines_of(l.parts()),
        S::PolylineZ(l) => lines_of(l.parts()),
        S::Polygon(p) => polygon_of(p.rings()),
        S::PolygonM(p) => polygon_of(p.rings()),
        S::PolygonZ(p) => polygon_of(p.rings()),
        S::Multipatch(_) => return Err("gis_geometry_type"),
    })
}

// --- CSV ----------------------------------------------------------------

/// Column names that hold coordinates, as `fold` writes them: the pair a
/// curator most likely means first.
const XY_NAMES: &[(&str, &str)] = &[
    ("lon", "lat"),
    ("lng", "lat"),
    ("longitude", "latitude"),
    ("zemepisna_delka", "zemepisna_sirka"),
    ("delka", "sirka"),
    ("x", "y"),
    ("souradnice_x", "souradnice_y"),
    ("sjtsk_x", "sjtsk_y"),
    ("x_sjtsk", "y_sjtsk"),
    ("east", "north"),
    ("easting", "northing"),
];

fn csv(path: &Path, opts: &Options) -> Result<(Vec<Raw>, Option<Crs>), Problems> {
    let encoding = match opts.read_as.encoding {
        Some(e) => e,
        None => table::detect_encoding(path).map_err(|e| vec![e])?,
    };
    let delimiter = match opts.read_as.delimiter {
        Some(d) => d,
        None => table::detect_delimiter(path, encoding).map_err(|e| vec![e])?,
    };
    let format = table::CsvFormat {
        encoding,
        delimiter,
    };
    let mut rows = table::csv_rows(path, format).map_err(|e| vec![e])?;
    let scanned = table::scan(&mut rows, MAX_FEATURES as u64).map_err(|e| vec![e])?;
    let folded: Vec<String> = scanned
        .fields
        .iter()
        .map(|f| table::fold(&f.name))
        .collect();
    let find = |want: &str| folded.iter().position(|n| *n == table::fold(want));
    let (xi, yi) = match (&opts.x, &opts.y) {
        (Some(x), Some(y)) => match (find(x), find(y)) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(vec![FieldError::new("x", "gis_csv_no_such_column")]),
        },
        (None, None) => XY_NAMES
            .iter()
            .find_map(|(x, y)| Some((find(x)?, find(y)?)))
            .ok_or_else(|| vec![FieldError::new("x", "gis_csv_no_coordinates")])?,
        _ => return Err(vec![FieldError::new("x", "gis_csv_x_and_y")]),
    };
    let mut rows = table::csv_rows(path, format).map_err(|e| vec![e])?;
    let _ = rows.next_row().map_err(|e| vec![e])?;
    let mut out = Vec::new();
    let mut n = 0usize;
    while let Some((line, row)) = rows.next_row().map_err(|e| vec![e])? {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        n += 1;
        let coord = |i: usize| {
            row.get(i)
                .and_then(|v| table::parse_number(v))
                .map(|(x, _)| x)
        };
        let geometry = match (coord(xi), coord(yi)) {
            (Some(x), Some(y)) => Ok(Geometry::Point([x, y])),
            _ => Err("gis_csv_coordinates_missing"),
        };
        let mut properties = Map::new();
        for (i, f) in scanned.fields.iter().enumerate() {
            if i == xi || i == yi {
                continue;
            }
            let raw = row.get(i).map(String::as_str).unwrap_or_default();
            properties.insert(f.name.clone(), typed(f.kind, raw));
        }
        out.push(Raw {
            label: format!("{n} ({line})"),
            geometry,
            properties,
        });
    }
    Ok((out, None))
}

/// A CSV cell as the JSON value its column's type says.
fn typed(kind: table::FieldType, raw: &str) -> Value {
    use table::FieldType as T;
    let raw = raw.trim();
    if raw.is_empty() {
        return Value::Null;
    }
    match kind {
        T::Integer => table::parse_int(raw).map_or_else(|| Value::String(raw.into()), Value::from),
        T::Number => table::parse_number(raw)
            .and_then(|(x, _)| serde_json::Number::from_f64(x))
            .map_or_else(|| Value::String(raw.into()), Value::Number),
        T::Date => table::parse_date(raw).map_or_else(|| raw.into(), |(d, _)| d.into()),
        T::Datetime => table::parse_datetime(raw).map_or_else(|| raw.into(), |(d, _)| d.into()),
        T::String => Value::String(raw.into()),
    }
}

// --- all formats ----------------------------------------------------------------

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(s) if table::parse_datetime(s).is_some() && s.contains('T') => "datetime",
        Value::String(s) if is_iso_date(s) => "date",
        Value::String(_) => "string",
        Value::Array(_) | Value::Object(_) => "object",
    }
}

fn is_iso_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// A value's instant in seconds since 1970 (UTC), for a date or a time.
pub fn instant(v: &Value) -> Option<i64> {
    let s = v.as_str()?;
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|t| t.and_utc().timestamp())
}

fn check_properties(p: &Map<String, Value>) -> Result<(), &'static str> {
    if p.len() > MAX_PROPERTIES {
        return Err("gis_too_many_properties");
    }
    for (k, v) in p {
        if k.chars().count() > MAX_NAME {
            return Err("gis_property_name_too_long");
        }
        let long = match v {
            Value::String(s) => s.len() > MAX_TEXT,
            Value::Array(_) | Value::Object(_) => v.to_string().len() > MAX_TEXT,
            _ => false,
        };
        if long {
            return Err("gis_property_too_long");
        }
    }
    Ok(())
}

/// Which system the features are in, when neither the curator nor the
/// file says: the numbers tell (S-JTSK's are hundreds of thousands of
/// metres, negative or not).
fn guess(raw: &[Raw]) -> Option<Crs> {
    let p = raw.iter().find_map(|r| r.geometry.as_ref().ok()?.first())?;
    if in_wgs84(p[0], p[1]) {
        Some(Crs::Wgs84)
    } else if looks_sjtsk(p[0], p[1]) {
        Some(Crs::Sjtsk)
    } else {
        None
    }
}

fn finish(raw: Vec<Raw>, crs: Option<Crs>) -> Result<Parsed, Problems> {
    if raw.is_empty() {
        return Err(one("gis_no_features"));
    }
    let crs = match crs.or_else(|| guess(&raw)) {
        Some(c) => c,
        None => {
            return Err(vec![FieldError::in_feature(
                raw[0].label.clone(),
                "gis_coordinates_out_of_range",
            )]);
        }
    };
    let mut to = ToWgs84::new(crs).map_err(|e| {
        log::error!("the S-JTSK projection: {e}");
        one("gis_crs_unknown")
    })?;
    let mut features = Vec::with_capacity(raw.len());
    let mut problems: Problems = Vec::new();
    let mut fields: Vec<(String, &'static str)> = Vec::new();
    let mut field_at: std::collections::HashMap<String, usize> = Default::default();
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for r in raw {
        let checked = r.geometry.and_then(|mut g| {
            // Rounded as they are served, so every box is that of the
            // geometry a client reads.
            g.map_positions(&mut |p| to.convert(p[0], p[1]).map(|[x, y]| [round7(x), round7(y)]))?;
            g.validate()?;
            Ok(g)
        });
        let checked = checked.and_then(|g| {
            check_properties(&r.properties)?;
            Ok(g)
        });
        match checked {
            Err(key) => {
                if problems.len() < MAX_REPORTED {
                    problems.push(FieldError::in_feature(r.label, key));
                }
            }
            Ok(g) => {
                let Some(b) = g.bbox() else {
                    problems.push(FieldError::in_feature(r.label, "gis_geometry_empty"));
                    continue;
                };
                for i in 0..2 {
                    bbox[i] = bbox[i].min(b[i]);
                    bbox[i + 2] = bbox[i + 2].max(b[i + 2]);
                }
                for (k, v) in &r.properties {
                    let kind = kind_of(v);
                    match field_at.get(k) {
                        None => {
                            field_at.insert(k.clone(), fields.len());
                            fields.push((k.clone(), kind));
                        }
                        Some(&i) => fields[i].1 = merge(fields[i].1, kind),
                    }
                }
                features.push(Feature {
                    geometry: g,
                    properties: r.properties,
                    bbox: b,
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let fields: Vec<FieldDef> = fields
        .into_iter()
        .map(|(name, kind)| FieldDef {
            name,
            // A column with no value at all reads as text.
            kind: if kind == "null" { "string" } else { kind }.to_string(),
        })
        .collect();
    let time_field = fields
        .iter()
        .find(|f| f.kind == "date" || f.kind == "datetime")
        .map(|f| f.name.clone());
    Ok(Parsed {
        crs,
        features,
        fields,
        time_field,
        bbox,
    })
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// The type of a column whose values were of two types.
fn merge(a: &'static str, b: &'static str) -> &'static str {
    match (a, b) {
        _ if a == b => a,
        ("null", x) | (x, "null") => x,
        ("integer", "number") | ("number", "integer") => "number",
        ("date", "datetime") | ("datetime", "date") => "datetime",
        _ => "string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_climb_out_of_an_archive_are_refused() {
        for bad in ["../x.shp", "/etc/passwd", "a/../../b", "C:\\x.shp", "..\\x"] {
            assert!(!safe_entry(bad), "{bad}");
        }
        for good in ["x.shp", "vrstva/x.dbf", "a..b.prj"] {
            assert!(safe_entry(good), "{good}");
        }
    }

    #[test]
    fn a_shp_that_lies_about_its_points_is_refused_before_reading() {
        let mut b = vec![0u8; 100];
        b[0..4].copy_from_slice(&9994i32.to_be_bytes());
        // Record 1: a polygon claiming two billion points in 48 bytes.
        b.extend_from_slice(&1i32.to_be_bytes());
        b.extend_from_slice(&24i32.to_be_bytes());
        let mut content = vec![0u8; 48];
        content[0..4].copy_from_slice(&5i32.to_le_bytes());
        content[36..40].copy_from_slice(&1i32.to_le_bytes());
        content[40..44].copy_from_slice(&i32::MAX.to_le_bytes());
        b.extend_from_slice(&content);
        assert_eq!(check_shp(&b), Err(1));
    }
}

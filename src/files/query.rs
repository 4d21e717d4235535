//! Reading an imported table: filters on columns, a search over every
//! cell that ignores case and diacritics, a sort on any column, pages.
//! Every value is a bind and every column a generated name (`c3`), so
//! nothing a client sends becomes SQL.

use serde::Serialize;

use super::store::DataTable;
use super::table::{self, Field, FieldType};
use crate::db::DbConnection;
use crate::db::dialect::{self, Bind};
use crate::error::{AppError, FieldError};

/// What a client asks of a table.
#[derive(Debug, Clone, Default)]
pub struct TableQuery {
    /// `filter[name]=value`: rows whose column equals the value.
    pub filters: Vec<(String, String)>,
    /// Words every row must contain somewhere.
    pub q: Option<String>,
    /// `name` ascending, `-name` descending.
    pub sort: Option<String>,
    pub limit: i64,
    pub offset: i64,
    /// A workbook's sheet (its index); the first when `None`.
    pub sheet: Option<i32>,
}

const MAX_FILTERS: usize = 20;
const MAX_Q: usize = 200;

fn bad(field: &str, key: &str) -> AppError {
    AppError::Validation(vec![FieldError::new(field, key)])
}

impl TableQuery {
    /// From a query string; `limit` defaults to `default_limit` and may
    /// not pass `max_limit`. `page=N` is the pages' way to say the offset.
    pub fn parse(query: &str, default_limit: i64, max_limit: i64) -> Result<TableQuery, AppError> {
        let mut t = TableQuery {
            limit: default_limit,
            ..TableQuery::default()
        };
        let mut page: Option<i64> = None;
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let number = |field: &str| -> Result<i64, AppError> {
                v.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0 && *n <= 100_000_000)
                    .ok_or_else(|| bad(field, "number_invalid"))
            };
            match k.as_ref() {
                "q" => {
                    let q = v.trim();
                    if q.chars().count() > MAX_Q {
                        return Err(bad("q", "field_too_long"));
                    }
                    t.q = (!q.is_empty()).then(|| q.to_string());
                }
                "sort" => t.sort = (!v.trim().is_empty()).then(|| v.trim().to_string()),
                "limit" => {
                    let n = number("limit")?;
                    if n == 0 || n > max_limit {
                        return Err(bad("limit", "table_limit_range"));
                    }
                    t.limit = n;
                }
                "offset" => t.offset = number("offset")?,
                "page" => page = Some(number("page")?.max(1)),
                "sheet" => t.sheet = Some(number("sheet")? as i32),
                key => {
                    if let Some(name) = key
                        .strip_prefix("filter[")
                        .and_then(|k| k.strip_suffix(']'))
                    {
                        if t.filters.len() >= MAX_FILTERS || v.len() > table::MAX_CELL {
                            return Err(bad(key, "table_filter_invalid"));
                        }
                        t.filters.push((name.to_string(), v.to_string()));
                    }
                }
            }
        }
        if let Some(p) = page {
            t.offset = (p - 1) * t.limit;
        }
        Ok(t)
    }
}

/// A page of a table as the API answers it.
#[derive(Serialize, Debug, Clone)]
pub struct TablePage {
    pub fields: Vec<Field>,
    pub records: Vec<serde_json::Map<String, serde_json::Value>>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// The column the rows are sorted by (`-` first for descending).
    pub sort: Option<String>,
}

/// The value a filter compares in the column's own type.
fn filter_bind<'a>(f: &Field, raw: &'a str, scratch: &'a mut String) -> Option<Bind<'a>> {
    let v = raw.trim();
    match f.kind {
        FieldType::Integer => table::parse_int(v).map(|n| Bind::Int(Some(n))),
        FieldType::Number => table::parse_number(v).map(|(n, _)| Bind::Num(Some(n))),
        FieldType::Date => {
            *scratch = table::parse_date(v)?.0;
            Some(Bind::Text(Some(scratch.as_str())))
        }
        FieldType::Datetime => {
            *scratch = table::parse_datetime(v)?.0;
            Some(Bind::Text(Some(scratch.as_str())))
        }
        FieldType::String => Some(Bind::Text(Some(raw))),
    }
}

/// Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'`.
fn like_escaped(word: &str) -> String {
    let mut s = String::with_capacity(word.len() + 2);
    s.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

pub fn run(conn: &mut DbConnection, t: &DataTable, q: &TableQuery) -> Result<TablePage, AppError> {
    let fields = t.fields();
    let index_of = |name: &str, field: &str| {
        fields
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| bad(field, "table_unknown_column"))
    };
    let mut scratch: Vec<String> = vec![String::new(); q.filters.len()];
    let mut binds: Vec<Bind<'_>> = Vec::new();
    let mut clauses: Vec<String> = Vec::new();
    let mut no_match = false;
    for ((name, value), s) in q.filters.iter().zip(scratch.iter_mut()) {
        let field = format!("filter[{name}]");
        let i = index_of(name, &field)?;
        match filter_bind(&fields[i], value, s) {
            Some(b) => {
                clauses.push(format!("{} = ?", table::column(i)));
                binds.push(b);
            }
            // A value the column cannot hold matches no row.
            None => no_match = true,
        }
    }
    let words: Vec<String> =
        q.q.as_deref()
            .map(|q| {
                q.split_whitespace()
                    .take(10)
                    .map(|w| like_escaped(&table::fold(w)))
                    .collect()
            })
            .unwrap_or_default();
    for w in &words {
        clauses.push("_search LIKE ? ESCAPE '\\'".to_string());
        binds.push(Bind::Text(Some(w.as_str())));
    }
    let order = match q.sort.as_deref() {
        None => "_id".to_string(),
        Some(s) => {
            let (name, desc) = match s.strip_prefix('-') {
                Some(n) => (n, true),
                None => (s, false),
            };
            let i = index_of(name, "sort")?;
            format!(
                "{} {}, _id",
                table::column(i),
                if desc { "DESC" } else { "ASC" }
            )
        }
    };
    let empty = TablePage {
        fields: fields.clone(),
        records: Vec::new(),
        total: 0,
        limit: q.limit,
        offset: q.offset,
        sort: q.sort.clone(),
    };
    if no_match {
        return Ok(empty);
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    let total = if clauses.is_empty() {
        t.row_count
    } else {
        dialect::load_count(
            conn,
            &format!("SELECT COUNT(*) AS n FROM {}{filter}", t.table_name),
            &binds,
        )?
    };
    let mut cols = vec!["_id".to_string()];
    cols.extend((0..fields.len()).map(table::column));
    let sql = format!(
        "SELECT {} AS t FROM {}{filter} ORDER BY {order} LIMIT {} OFFSET {}",
        dialect::json_row(conn, &cols),
        t.table_name,
        q.limit,
        q.offset
    );
    let rows = dialect::load_texts(conn, &sql, &binds)?;
    let records = rows
        .iter()
        .filter_map(|r| serde_json::from_str::<Vec<serde_json::Value>>(r).ok())
        .map(|values| {
            let mut values = values.into_iter();
            let mut m = serde_json::Map::new();
            m.insert("_id".into(), values.next().unwrap_or_default());
            for (f, v) in fields.iter().zip(values) {
                m.insert(f.name.clone(), v);
            }
            m
        })
        .collect();
    Ok(TablePage {
        records,
        total,
        ..empty
    })
}

/// The table's Frictionless Table Schema, describing the file as it is
/// written (its decimal comma, its Czech dates).
pub fn table_schema(t: &DataTable) -> serde_json::Value {
    let fields: Vec<serde_json::Value> = t
        .fields()
        .iter()
        .map(|f| {
            let mut v = serde_json::json!({"name": f.name, "type": f.kind});
            if f.decimal_comma {
                v["decimalChar"] = ",".into();
                v["groupChar"] = " ".into();
            }
            if f.czech_dates {
                v["format"] = "any".into();
            }
            v
        })
        .collect();
    serde_json::json!({
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "fields": fields,
        "missingValues": [""],
    })
}

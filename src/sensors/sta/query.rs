//! SensorThings' query options (`$top`, `$skip`, `$count`, `$filter`,
//! `$orderby`, `$select`, `$expand` with its nested options, and the
//! `$skiptoken` of our next links), read with bounds: the query's length,
//! the nesting of `$expand`, and `$filter`'s own.

use crate::error::AppError;
use crate::sensors::filter::{self, Expr};

/// The longest query string, in bytes.
pub const MAX_QUERY: usize = 16 * 1024;
/// How deep `$expand`s nest (`Things?$expand=Datastreams/Observations` is 2).
pub const MAX_EXPAND_DEPTH: usize = 5;
/// The largest page; a larger `$top` is cut to it (the next link goes on).
pub const MAX_TOP: usize = 10_000;
pub const DEFAULT_TOP: usize = 100;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub top: Option<usize>,
    pub skip: usize,
    pub count: bool,
    pub filter: Option<Expr>,
    /// Paths with `desc`.
    pub orderby: Vec<(Vec<String>, bool)>,
    pub select: Option<Vec<String>>,
    pub expand: Vec<Expand>,
    /// The last row of the previous page: datastream and time.
    pub skiptoken: Option<(i64, i64)>,
    /// The options as given, for the next page's link.
    pub raw: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Expand {
    pub nav: String,
    pub options: Options,
}

impl Options {
    pub fn top(&self) -> usize {
        self.top.unwrap_or(DEFAULT_TOP).min(MAX_TOP)
    }

    /// The query of the page after this one: the options as given, with
    /// `set` in place of `$skip` and `$skiptoken`.
    pub fn next_query(&self, set: (&str, String)) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.raw {
            if k != "$skip" && k != "$skiptoken" {
                q.append_pair(k, v);
            }
        }
        q.append_pair(set.0, &set.1);
        q.finish()
    }
}

fn bad(option: &str, detail: impl Into<String>) -> AppError {
    AppError::bad_request(detail.into(), Some(option))
}

/// Form decoding, as servlet containers do: `+` is a space, so a `+` of a
/// time's offset is sent as `%2B`.
fn decode(s: &str) -> Result<String, AppError> {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| bad("query", "the query is not UTF-8"))
}

/// Reads a request's query string.
pub fn parse(query: &str) -> Result<Options, AppError> {
    if query.len() > MAX_QUERY {
        return Err(bad(
            "query",
            format!("the query is longer than {MAX_QUERY} bytes"),
        ));
    }
    let mut pairs = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        pairs.push((decode(k)?, decode(v)?));
    }
    options(pairs, 1)
}

/// Splits at `sep` outside parentheses and quoted strings.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            c if c == sep && !quoted && depth == 0 => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn number(option: &str, v: &str) -> Result<usize, AppError> {
    v.trim().parse::<usize>().map_err(|_| {
        bad(
            option,
            format!("{option} must be a whole number ≥ 0, not “{v}”"),
        )
    })
}

fn path(s: &str) -> Vec<String> {
    s.trim().split('/').map(|p| p.trim().to_string()).collect()
}

fn options(pairs: Vec<(String, String)>, depth: usize) -> Result<Options, AppError> {
    let mut o = Options::default();
    for (k, v) in &pairs {
        match k.as_str() {
            "$top" => o.top = Some(number(k, v)?),
            "$skip" => o.skip = number(k, v)?,
            "$count" => {
                o.count = match v.trim() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(k, "$count is true or false")),
                }
            }
            "$filter" => {
                o.filter = Some(filter::parse(v).map_err(|e| bad(k, format!("$filter: {e}")))?)
            }
            "$orderby" => {
                for item in split_top(v, ',') {
                    let item = item.trim();
                    let (p, desc) = match item.rsplit_once(' ') {
                        Some((p, d)) if d.eq_ignore_ascii_case("desc") => (p, true),
                        Some((p, d)) if d.eq_ignore_ascii_case("asc") => (p, false),
                        _ => (item, false),
                    };
                    if p.trim().is_empty() {
                        return Err(bad(k, "an $orderby item names a property"));
                    }
                    o.orderby.push((path(p), desc));
                }
            }
            "$select" => {
                o.select = Some(
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            }
            "$expand" => {
                for item in split_top(v, ',') {
                    expand(&mut o.expand, item.trim(), depth)?;
                }
            }
            "$skiptoken" => {
                o.skiptoken = v
                    .split_once('.')
                    .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
                if o.skiptoken.is_none() {
                    return Err(bad(k, "this $skiptoken is not one of ours"));
                }
            }
            "$resultFormat" if v == "default" => {}
            other if other.starts_with('$') => {
                return Err(bad(
                    other,
                    format!("{other} is not a SensorThings query option this service knows"),
                ));
            }
            // Anything else (a cache breaker) is not ours to judge.
            _ => {}
        }
    }
    o.raw = pairs;
    Ok(o)
}

/// Adds `Nav($opts)` or `Nav/Nav2(...)` to `into`, merged with what is
/// there for the same navigation property.
fn expand(into: &mut Vec<Expand>, item: &str, depth: usize) -> Result<(), AppError> {
    if depth > MAX_EXPAND_DEPTH {
        return Err(bad(
            "$expand",
            format!("$expand nests at most {MAX_EXPAND_DEPTH} deep"),
        ));
    }
    if item.is_empty() {
        return Err(bad(
            "$expand",
            "an $expand item names a navigation property",
        ));
    }
    let (head, nested) = match item.find(['(', '/']) {
        Some(i) if item.as_bytes()[i] == b'/' => (&item[..i], Some(&item[i + 1..])),
        _ => (item, None),
    };
    let (name, opts) = match head.find('(') {
        Some(i) => {
            let inner = head[i + 1..]
                .strip_suffix(')')
                .ok_or_else(|| bad("$expand", format!("the ( in “{item}” is not closed")))?;
            let mut pairs = Vec::new();
            for part in split_top(inner, ';')
                .into_iter()
                .filter(|p| !p.trim().is_empty())
            {
                let (k, v) = part.split_once('=').ok_or_else(|| {
                    bad(
                        "$expand",
                        format!("“{part}” is not an option such as $top=5"),
                    )
                })?;
                pairs.push((k.trim().to_string(), v.trim().to_string()));
            }
            (head[..i].trim(), options(pairs, depth + 1)?)
        }
        None => (head.trim(), Options::default()),
    };
    let at = match into.iter().position(|e| e.nav == name) {
        Some(i) => {
            // A second mention with options of its own takes them.
            if !opts.raw.is_empty() {
                let nested = std::mem::take(&mut into[i].options.expand);
                into[i].options = Options {
                    expand: nested,
                    ..opts
                };
            }
            i
        }
        None => {
            into.push(Expand {
                nav: name.to_string(),
                options: opts,
            });
            into.len() - 1
        }
    };
    if let Some(rest) = nested {
        expand(&mut into[at].options.expand, rest, depth + 1)?;
    }
    Ok(())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test that fails says where")]
mod tests {
    use super::*;

    #[test]
    fn nested_expands_read_with_their_options() {
        let o = parse(
            "$expand=Datastreams($top=2;$expand=Observations($orderby=phenomenonTime%20desc;$top=1)),Locations&$top=3&$count=true",
        )
        .unwrap();
        assert_eq!(o.top, Some(3));
        assert!(o.count);
        assert_eq!(o.expand.len(), 2);
        let ds = &o.expand[0];
        assert_eq!((ds.nav.as_str(), ds.options.top), ("Datastreams", Some(2)));
        let obs = &ds.options.expand[0];
        assert_eq!(obs.nav, "Observations");
        assert_eq!(
            obs.options.orderby,
            vec![(vec!["phenomenonTime".to_string()], true)]
        );
        let p = parse("$expand=Datastreams/Observations,Datastreams/Thing").unwrap();
        assert_eq!(p.expand.len(), 1);
        assert_eq!(p.expand[0].options.expand.len(), 2);
    }

    #[test]
    fn expands_nest_only_so_deep() {
        let deep = format!("$expand={}", ["Datastreams"; 8].join("/"));
        assert!(parse(&deep).is_err());
        assert!(parse("$expand=Datastreams($top=x)").is_err());
        assert!(parse("$expand=Datastreams($top=1").is_err());
        assert!(parse("$frobnicate=1").is_err());
        assert!(parse("$top=-1").is_err());
    }

    #[test]
    fn a_plus_is_a_space_and_an_encoded_one_a_plus() {
        let o = parse("$filter=phenomenonTime+ge+2026-01-01T00:00:00%2B01:00").unwrap();
        assert!(o.filter.is_some());
    }
}

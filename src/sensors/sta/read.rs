//! Reading: collections with `$filter`, `$orderby`, `$skip`, `$top`,
//! `$count` and next links, entities with `$select` and `$expand`.
//!
//! The registry is small (thousands of stations, not millions), so its
//! collections are filtered and sorted in memory. Observations are read
//! from the table by key, one datastream's time range at a time:
//! - the simple conditions of `$filter`'s top-level `and`s on
//!   `phenomenonTime`/`resultTime` and `Datastream/id` narrow the range
//!   read; the whole expression is still checked on every row read;
//! - the next link carries the last row's key (`$skiptoken`), so page 5,000
//!   costs what page 1 does;
//! - `$count` comes from the datastreams' counters (no filter), from the
//!   hourly counts (a time range, a datastream), and otherwise by reading
//!   the narrowed range, which is bounded (`COUNT_SCAN_LIMIT`).
//!
//! Every answer is bounded: the page (`MAX_TOP`), the entities of one
//! answer with its expansions (`MAX_ENTITIES`), the rows one request reads.

use serde_json::{Map, Value, json};

use super::graph::{Ent, Graph, Rel, Subj};
use super::query::Options;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::sensors::filter::{self, Expr, Op, Val};
use crate::sensors::model::Datastream;
use crate::sensors::store::{self, Row};

/// The most entities one answer holds, its expansions included.
pub const MAX_ENTITIES: usize = 100_000;
/// The most observations one page reads while a filter rejects them; the
/// page then ends early, and its next link goes on from where it stopped.
pub const SCAN_LIMIT: usize = 500_000;
/// The most observations a `$count` with a row-by-row filter reads.
pub const COUNT_SCAN_LIMIT: usize = 2_000_000;
/// Rows read at a time while a filter is checked.
const CHUNK: i64 = 2_000;

fn bad(option: &str, detail: impl Into<String>) -> AppError {
    AppError::bad_request(detail.into(), Some(option))
}

/// One request's reading: the registry, the time `now()` means, and what
/// the answer has used of its bound.
pub struct Reader<'g> {
    pub g: &'g Graph,
    pub now: i64,
    entities: usize,
}

/// A page of a collection.
pub struct Listed {
    pub count: Option<i64>,
    pub items: Vec<Value>,
    pub next: Option<String>,
}

impl Listed {
    /// The collection's own document.
    pub fn document(self) -> Value {
        let mut m = Map::new();
        if let Some(c) = self.count {
            m.insert("@iot.count".into(), json!(c));
        }
        m.insert("value".into(), Value::Array(self.items));
        if let Some(n) = self.next {
            m.insert("@iot.nextLink".into(), json!(n));
        }
        Value::Object(m)
    }
}

impl<'g> Reader<'g> {
    pub fn new(g: &'g Graph, now: i64) -> Reader<'g> {
        Reader {
            g,
            now,
            entities: 0,
        }
    }

    fn charge(&mut self, n: usize) -> Result<(), AppError> {
        self.entities += n;
        if self.entities > MAX_ENTITIES {
            return Err(bad(
                "$expand",
                format!(
                    "the answer would hold more than {MAX_ENTITIES} entities: \
                     ask for fewer with $top, or expand less"
                ),
            ));
        }
        Ok(())
    }

    /// One entity's JSON with `$select` and `$expand` applied.
    pub fn entity(
        &mut self,
        conn: &mut DbConnection,
        e: Ent<'g>,
        o: &Options,
    ) -> Result<Value, AppError> {
        self.charge(1)?;
        let mut m = self.g.body(&e);
        if let Some(sel) = &o.select {
            m.retain(|k, _| {
                sel.iter().any(|s| {
                    k == s
                        || (s == "id" && k == "@iot.id")
                        || (s == "selfLink" && k == "@iot.selfLink")
                        || k.strip_suffix("@iot.navigationLink") == Some(s)
                })
            });
        }
        for x in &o.expand {
            let rel = self.g.related(e, &x.nav).ok_or_else(|| {
                bad(
                    "$expand",
                    format!("{} has no navigation property {}", e.kind().set(), x.nav),
                )
            })?;
            let link = format!("{}/{}", e.path(), x.nav);
            match rel {
                Rel::One(t) => {
                    let v = self.entity(conn, t, &x.options)?;
                    m.insert(x.nav.clone(), v);
                }
                rel => {
                    let l = self.list(conn, rel, &x.options, &link)?;
                    if let Some(c) = l.count {
                        m.insert(format!("{}@iot.count", x.nav), json!(c));
                    }
                    m.insert(x.nav.clone(), Value::Array(l.items));
                    if let Some(n) = l.next {
                        m.insert(format!("{}@iot.nextLink", x.nav), json!(n));
                    }
                }
            }
        }
        Ok(Value::Object(m))
    }

    /// A page of a collection; `path` is its address under the service
    /// root (`Datastreams(3)/Observations`), for the next link.
    pub fn list(
        &mut self,
        conn: &mut DbConnection,
        rel: Rel<'g>,
        o: &Options,
        path: &str,
    ) -> Result<Listed, AppError> {
        match rel {
            Rel::One(e) => Ok(Listed {
                count: o.count.then_some(1),
                items: vec![self.entity(conn, e, o)?],
                next: None,
            }),
            Rel::Many(ents) => self.registry(conn, ents, o, path),
            Rel::Observations(streams) => self.observations(conn, streams, o, path),
        }
    }

    fn registry(
        &mut self,
        conn: &mut DbConnection,
        ents: Vec<Ent<'g>>,
        o: &Options,
        path: &str,
    ) -> Result<Listed, AppError> {
        let g = self.g;
        let now = self.now;
        let mut ents: Vec<Ent<'g>> = match &o.filter {
            Some(f) => ents
                .into_iter()
                .filter(|e| filter::matches(f, &Subj { g, e: *e }, now))
                .collect(),
            None => ents,
        };
        if !o.orderby.is_empty() {
            let mut keyed: Vec<(Vec<Val>, Ent<'g>)> = ents
                .into_iter()
                .map(|e| {
                    let k = o.orderby.iter().map(|(p, _)| g.value(&e, p)).collect();
                    (k, e)
                })
                .collect();
            keyed.sort_by(|(a, _), (b, _)| {
                for (i, (_, desc)) in o.orderby.iter().enumerate() {
                    let ord = order(&a[i], &b[i]);
                    let ord = if *desc { ord.reverse() } else { ord };
                    if ord.is_ne() {
                        return ord;
                    }
                }
                std::cmp::Ordering::Equal
            });
            ents = keyed.into_iter().map(|(_, e)| e).collect();
        }
        let total = ents.len();
        let top = o.top();
        let skip = o.skip.min(total);
        let end = skip.saturating_add(top).min(total);
        let next = (end < total).then(|| {
            format!(
                "{}/{path}?{}",
                self.g.base,
                o.next_query(("$skip", end.to_string()))
            )
        });
        let mut items = Vec::with_capacity(end - skip);
        for e in &ents[skip..end] {
            items.push(self.entity(conn, *e, o)?);
        }
        Ok(Listed {
            count: o.count.then_some(total as i64),
            items,
            next,
        })
    }

    fn observations(
        &mut self,
        conn: &mut DbConnection,
        streams: Vec<&'g Datastream>,
        o: &Options,
        path: &str,
    ) -> Result<Listed, AppError> {
        let plan = Plan::of(streams, o)?;
        let count = if o.count {
            Some(self.count(conn, &plan)?)
        } else {
            None
        };
        let (rows, cursor) = if plan.by_time {
            self.merged(conn, &plan, o)?
        } else {
            self.by_key(conn, &plan, o)?
        };
        let next = cursor.map(|(ds, t)| {
            format!(
                "{}/{path}?{}",
                self.g.base,
                o.next_query(("$skiptoken", format!("{ds}.{t}")))
            )
        });
        let mut items = Vec::with_capacity(rows.len());
        for (d, r) in rows {
            items.push(self.entity(conn, Ent::Observation(d, r), o)?);
        }
        Ok(Listed { count, items, next })
    }

    fn keep(&self, plan: &Plan<'_, 'g>, d: &'g Datastream, r: Row) -> bool {
        plan.residual.is_none_or(|f| {
            filter::matches(
                f,
                &Subj {
                    g: self.g,
                    e: Ent::Observation(d, r),
                },
                self.now,
            )
        })
    }

    /// Datastream by datastream (by id), each in time order.
    #[expect(clippy::type_complexity, reason = "rows and the next cursor")]
    fn by_key(
        &self,
        conn: &mut DbConnection,
        plan: &Plan<'_, 'g>,
        o: &Options,
    ) -> Result<(Vec<(&'g Datastream, Row)>, Option<(i64, i64)>), AppError> {
        let want = o.top() + 1;
        let mut skip = if o.skiptoken.is_some() { 0 } else { o.skip };
        let mut out: Vec<(&'g Datastream, Row)> = Vec::with_capacity(want.min(10_001));
        let mut scanned = 0usize;
        let mut stopped = None;
        let desc = plan.desc;
        'streams: for &d in &plan.streams {
            let mut after = None;
            if let Some((cd, ct)) = o.skiptoken {
                if (!desc && d.id < cd) || (desc && d.id > cd) {
                    continue;
                }
                if d.id == cd {
                    after = Some(ct);
                }
            }
            if plan.residual.is_none() && skip > 0 && after.is_none() {
                let n = plan.count_of(conn, d)?;
                if skip as i64 >= n {
                    skip -= n as usize;
                    continue;
                }
            }
            let mut offset = if plan.residual.is_none() {
                std::mem::take(&mut skip) as i64
            } else {
                0
            };
            loop {
                let limit = if plan.residual.is_none() {
                    (want - out.len()) as i64
                } else {
                    CHUNK
                };
                let rows =
                    store::observations(conn, d.id, plan.lo, plan.hi, after, desc, limit, offset)?;
                offset = 0;
                for r in &rows {
                    scanned += 1;
                    if !self.keep(plan, d, *r) {
                        continue;
                    }
                    if skip > 0 {
                        skip -= 1;
                        continue;
                    }
                    out.push((d, *r));
                    if out.len() == want {
                        break 'streams;
                    }
                }
                if (rows.len() as i64) < limit {
                    break;
                }
                after = rows.last().map(|r| r.time);
                if scanned >= SCAN_LIMIT
                    && let Some(t) = after
                {
                    stopped = Some((d.id, t));
                    break 'streams;
                }
            }
        }
        let next = if out.len() == want {
            out.pop();
            out.last().map(|(d, r)| (d.id, r.time))
        } else {
            stopped
        };
        Ok((out, next))
    }

    /// All the datastreams' observations in time order (ties by
    /// datastream): each datastream's first rows after the cursor, merged.
    #[expect(clippy::type_complexity, reason = "rows and the next cursor")]
    fn merged(
        &self,
        conn: &mut DbConnection,
        plan: &Plan<'_, 'g>,
        o: &Options,
    ) -> Result<(Vec<(&'g Datastream, Row)>, Option<(i64, i64)>), AppError> {
        let skip = if o.skiptoken.is_some() { 0 } else { o.skip };
        let want = o.top() + 1;
        let need = skip.saturating_add(want);
        if need.saturating_mul(plan.streams.len()) > 2 * SCAN_LIMIT {
            return Err(bad(
                "$orderby",
                format!(
                    "ordering the observations of {} datastreams by time reads too much \
                     for this $top and $skip: ask one datastream (Datastreams(id)/Observations) \
                     or filter by Datastream/id",
                    plan.streams.len()
                ),
            ));
        }
        let desc = plan.desc;
        let mut all: Vec<(&'g Datastream, Row)> = Vec::new();
        let mut scanned = 0usize;
        for &d in &plan.streams {
            let (mut lo, mut hi) = (plan.lo, plan.hi);
            if let Some((cd, ct)) = o.skiptoken {
                if desc {
                    hi = hi.min(if d.id < cd { ct } else { ct.saturating_sub(1) });
                } else {
                    lo = lo.max(if d.id > cd { ct } else { ct.saturating_add(1) });
                }
            }
            let mut after = None;
            let mut got = 0usize;
            loop {
                let limit = if plan.residual.is_none() {
                    (need - got) as i64
                } else {
                    CHUNK
                };
                let rows = store::observations(conn, d.id, lo, hi, after, desc, limit, 0)?;
                for r in &rows {
                    scanned += 1;
                    if self.keep(plan, d, *r) && got < need {
                        all.push((d, *r));
                        got += 1;
                    }
                }
                if got == need || (rows.len() as i64) < limit {
                    break;
                }
                if scanned >= 2 * SCAN_LIMIT {
                    return Err(bad(
                        "$filter",
                        "this $filter rejects too many observations to order them by time: \
                         narrow it by phenomenonTime or Datastream/id",
                    ));
                }
                after = rows.last().map(|r| r.time);
            }
        }
        all.sort_by_key(|(d, r)| (r.time, d.id));
        if desc {
            all.reverse();
        }
        let mut page: Vec<_> = all.into_iter().skip(skip).take(want).collect();
        let next = if page.len() == want {
            page.pop();
            page.last().map(|(d, r)| (d.id, r.time))
        } else {
            None
        };
        Ok((page, next))
    }

    fn count(&self, conn: &mut DbConnection, plan: &Plan<'_, 'g>) -> Result<i64, AppError> {
        let mut total = 0i64;
        if plan.residual.is_none() {
            for &d in &plan.streams {
                total += plan.count_of(conn, d)?;
            }
            return Ok(total);
        }
        let mut scanned = 0usize;
        for &d in &plan.streams {
            let mut after = None;
            loop {
                let rows =
                    store::observations(conn, d.id, plan.lo, plan.hi, after, false, CHUNK, 0)?;
                scanned += rows.len();
                if scanned > COUNT_SCAN_LIMIT {
                    return Err(bad(
                        "$count",
                        format!(
                            "counting with this $filter would read more than \
                             {COUNT_SCAN_LIMIT} observations: counts are fast without a \
                             $filter, or with one that only bounds phenomenonTime and \
                             Datastream/id"
                        ),
                    ));
                }
                total += rows.iter().filter(|r| self.keep(plan, d, **r)).count() as i64;
                if (rows.len() as i64) < CHUNK {
                    break;
                }
                after = rows.last().map(|r| r.time);
            }
        }
        Ok(total)
    }
}

/// Null first, then as `$filter` compares; values of different types by
/// their type.
fn order(a: &Val, b: &Val) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn rank(v: &Val) -> u8 {
        match v {
            Val::Null => 0,
            Val::Bool(_) => 1,
            Val::Num(_) => 2,
            Val::Time(_) => 3,
            Val::Str(_) => 4,
        }
    }
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Val::Str(x), Val::Str(y)) => x.cmp(y),
        (Val::Time(x), Val::Time(y)) => x.cmp(y),
        (Val::Bool(x), Val::Bool(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// How an Observations query is read: which datastreams, which time
/// range, in which order, and what must still be checked row by row.
struct Plan<'o, 'g> {
    streams: Vec<&'g Datastream>,
    lo: i64,
    hi: i64,
    /// The filter, when the narrowing does not say all of it.
    residual: Option<&'o Expr>,
    /// Merged across datastreams in time order (else by datastream).
    by_time: bool,
    desc: bool,
}

fn time_literal(v: &Val) -> Option<i64> {
    match v {
        Val::Time(t) => Some(*t),
        Val::Str(s) => chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp_micros()),
        _ => None,
    }
}

impl<'o, 'g> Plan<'o, 'g> {
    fn of(mut streams: Vec<&'g Datastream>, o: &'o Options) -> Result<Plan<'o, 'g>, AppError> {
        let (mut lo, mut hi) = (i64::MIN, i64::MAX);
        let mut only: Vec<f64> = Vec::new();
        let mut residual = None;
        if let Some(f) = &o.filter {
            for c in filter::conjuncts(f) {
                let said = match filter::simple(c) {
                    Some((p, op, v))
                        if p.len() == 1 && (p[0] == "phenomenonTime" || p[0] == "resultTime") =>
                    {
                        match (op, time_literal(v)) {
                            (Op::Gt, Some(t)) => lo = lo.max(t.saturating_add(1)),
                            (Op::Ge, Some(t)) => lo = lo.max(t),
                            (Op::Lt, Some(t)) => hi = hi.min(t.saturating_sub(1)),
                            (Op::Le, Some(t)) => hi = hi.min(t),
                            (Op::Eq, Some(t)) => {
                                lo = lo.max(t);
                                hi = hi.min(t);
                            }
                            _ => residual = Some(f),
                        }
                        true
                    }
                    Some((p, Op::Eq, Val::Num(n)))
                        if p.len() == 2
                            && p[0] == "Datastream"
                            && (p[1] == "id" || p[1] == "@iot.id") =>
                    {
                        only.push(*n);
                        true
                    }
                    _ => false,
                };
                if !said {
                    residual = Some(f);
                }
            }
        }
        streams.retain(|d| {
            only.iter().all(|n| *n == d.id as f64)
                && d.observation_count > 0
                && d.first_time.is_some_and(|t| t <= hi)
                && d.last_time.is_some_and(|t| t >= lo)
        });
        let is = |p: &[String], names: &[&str]| p.len() == 1 && names.contains(&p[0].as_str());
        let (by_time, desc) = match o.orderby.as_slice() {
            [] => (false, false),
            [(p, d), rest @ ..]
                if is(p, &["phenomenonTime", "resultTime"])
                    && rest.iter().all(|(p, _)| is(p, &["id", "@iot.id"])) =>
            {
                (true, *d)
            }
            [(p, d)] if is(p, &["id", "@iot.id"]) => (false, *d),
            _ => {
                return Err(bad(
                    "$orderby",
                    "Observations are ordered by phenomenonTime, resultTime or id",
                ));
            }
        };
        if desc {
            streams.reverse();
        }
        Ok(Plan {
            by_time: by_time && streams.len() > 1,
            streams,
            lo,
            hi,
            residual,
            desc,
        })
    }

    /// How many observations of `d` lie in the plan's range: counters and
    /// hourly counts, no scan.
    fn count_of(&self, conn: &mut DbConnection, d: &Datastream) -> Result<i64, AppError> {
        if self.lo == i64::MIN && self.hi == i64::MAX {
            return Ok(d.observation_count);
        }
        let lo = self.lo.max(d.first_time.unwrap_or(0));
        let hi = self.hi.min(d.last_time.unwrap_or(0));
        Ok(store::count_between(conn, d.id, lo, hi)?)
    }
}

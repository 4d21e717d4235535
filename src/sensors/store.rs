//! The sensor tables' queries. Storing a batch keeps everything derived
//! from observations current in the same transaction: the latest value of
//! each datastream, its count and time span, the hourly and daily
//! rollups, and the station's counters. So charts, `$count` and "the
//! latest reading of every datastream" never scan raw observations.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double};

use super::model::{
    DAY, Datastream, DeviceToken, GOOD, HOUR, Observation, Stream, Thing, day_of_hour, hour_of,
};
use crate::db::DbConnection;
use crate::db::dialect::{self, Bind};
use crate::db::schema::{
    sensor_datastreams, sensor_hour_counts, sensor_latest, sensor_observations, sensor_rollups,
    sensor_things, sensor_tokens,
};

/// What a stored batch did, per observation and per station.
#[derive(Debug, Default, PartialEq)]
pub struct Stored {
    /// For each observation in the batch's order: new (`true`) or a
    /// duplicate of one already stored or earlier in the batch.
    pub new: Vec<bool>,
    pub accepted: u64,
    pub duplicates: u64,
    pub flagged: u64,
}

#[derive(QueryableByName)]
struct Key {
    #[diesel(sql_type = BigInt)]
    datastream: i64,
    #[diesel(sql_type = BigInt)]
    time: i64,
}

/// The datastreams of these ids that exist.
pub fn streams(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, Stream>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(dialect::MAX_BINDS) {
        let rows: Vec<(i64, i64, Option<f64>, Option<f64>)> = sensor_datastreams::table
            .filter(sensor_datastreams::id.eq_any(chunk))
            .select((
                sensor_datastreams::id,
                sensor_datastreams::thing_id,
                sensor_datastreams::valid_min,
                sensor_datastreams::valid_max,
            ))
            .load(conn)?;
        for (id, thing_id, valid_min, valid_max) in rows {
            out.insert(
                id,
                Stream {
                    id,
                    thing_id,
                    valid_min,
                    valid_max,
                },
            );
        }
    }
    Ok(out)
}

#[derive(Default)]
struct Roll {
    n: i64,
    total: f64,
    min: f64,
    max: f64,
}

impl Roll {
    fn add(&mut self, v: f64) {
        if self.n == 0 {
            self.min = v;
            self.max = v;
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        self.n += 1;
        self.total += v;
    }
}

/// Stores a batch whose datastreams are all in `streams`, in one
/// transaction: an observation already stored (same datastream and
/// time) is a duplicate and changes nothing.
pub fn insert(
    conn: &mut DbConnection,
    streams: &HashMap<i64, Stream>,
    batch: &[Observation],
    rejected: &HashMap<i64, u64>,
) -> QueryResult<Stored> {
    conn.transaction(|c| insert_tx(c, streams, batch, rejected))
}

fn insert_tx(
    conn: &mut DbConnection,
    streams: &HashMap<i64, Stream>,
    batch: &[Observation],
    rejected: &HashMap<i64, u64>,
) -> QueryResult<Stored> {
    // Twice in one batch: the first counts.
    let mut seen = HashSet::with_capacity(batch.len());
    let firsts: Vec<usize> = (0..batch.len())
        .filter(|&i| seen.insert((batch[i].datastream, batch[i].time)))
        .collect();
    let quality = |o: &Observation| {
        streams
            .get(&o.datastream)
            .map_or(GOOD, |s| s.quality(o.value))
    };

    const PER_ROW: usize = 4;
    let mut inserted: HashSet<(i64, i64)> = HashSet::with_capacity(firsts.len());
    for chunk in firsts.chunks(dialect::MAX_BINDS / PER_ROW) {
        let mut binds = Vec::with_capacity(chunk.len() * PER_ROW);
        for &i in chunk {
            let o = &batch[i];
            binds.extend([
                Bind::Int(Some(o.datastream)),
                Bind::Int(Some(o.time)),
                Bind::Num(Some(o.value)),
                Bind::Int(Some(i64::from(quality(o)))),
            ]);
        }
        let sql = format!(
            "INSERT INTO sensor_observations (datastream, time, value, quality) VALUES {} \
             ON CONFLICT (datastream, time) DO NOTHING RETURNING datastream, time",
            vec!["(?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        let keys: Vec<Key> = dialect::load_by_name(conn, &sql, &binds)?;
        inserted.extend(keys.into_iter().map(|k| (k.datastream, k.time)));
    }

    let mut out = Stored {
        new: Vec::with_capacity(batch.len()),
        ..Stored::default()
    };
    let mut firsts_iter = firsts.iter().peekable();
    // Per datastream: count, first and last time, the latest observation.
    let mut per_stream: BTreeMap<i64, (i64, i64, i64, Observation, i16)> = BTreeMap::new();
    // Per station: accepted, duplicates, flagged.
    let mut per_thing: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
    let mut rolls: BTreeMap<(i64, i16, i64), Roll> = BTreeMap::new();
    let mut counts: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    let mut day_of: HashMap<i64, i64> = HashMap::new();
    for (i, o) in batch.iter().enumerate() {
        let first = firsts_iter.next_if(|&&f| f == i).is_some();
        let is_new = first && inserted.contains(&(o.datastream, o.time));
        out.new.push(is_new);
        let thing = streams.get(&o.datastream).map_or(0, |s| s.thing_id);
        let counters = per_thing.entry(thing).or_default();
        if !is_new {
            out.duplicates += 1;
            counters.1 += 1;
            continue;
        }
        out.accepted += 1;
        counters.0 += 1;
        let q = quality(o);
        *counts.entry((o.datastream, hour_of(o.time))).or_default() += 1;
        let s = per_stream
            .entry(o.datastream)
            .or_insert((0, o.time, o.time, *o, q));
        s.0 += 1;
        s.1 = s.1.min(o.time);
        if o.time >= s.2 {
            s.2 = o.time;
            s.3 = *o;
            s.4 = q;
        }
        if q != GOOD {
            out.flagged += 1;
            counters.2 += 1;
            // A suspect value is kept and shown, but not averaged.
            continue;
        }
        let hour = hour_of(o.time);
        let day = *day_of.entry(hour).or_insert_with(|| day_of_hour(hour));
        rolls
            .entry((o.datastream, HOUR, hour))
            .or_default()
            .add(o.value);
        rolls
            .entry((o.datastream, DAY, day))
            .or_default()
            .add(o.value);
    }

    upsert_rollups(conn, &rolls)?;
    upsert_counts(conn, &counts)?;
    for (ds, (n, first, last, latest, q)) in &per_stream {
        dialect::execute(
            conn,
            "UPDATE sensor_datastreams SET observation_count = observation_count + ?, \
             first_time = CASE WHEN first_time IS NULL OR first_time > ? THEN ? ELSE first_time END, \
             last_time = CASE WHEN last_time IS NULL OR last_time < ? THEN ? ELSE last_time END \
             WHERE id = ?",
            &[
                Bind::Int(Some(*n)),
                Bind::Int(Some(*first)),
                Bind::Int(Some(*first)),
                Bind::Int(Some(*last)),
                Bind::Int(Some(*last)),
                Bind::Int(Some(*ds)),
            ],
        )?;
        dialect::execute(
            conn,
            "INSERT INTO sensor_latest (datastream, time, value, quality) VALUES (?, ?, ?, ?) \
             ON CONFLICT (datastream) DO UPDATE SET time = excluded.time, \
             value = excluded.value, quality = excluded.quality \
             WHERE excluded.time > sensor_latest.time",
            &[
                Bind::Int(Some(*ds)),
                Bind::Int(Some(latest.time)),
                Bind::Num(Some(latest.value)),
                Bind::Int(Some(i64::from(*q))),
            ],
        )?;
    }
    let mut things: Vec<i64> = per_thing.keys().copied().collect();
    things.extend(rejected.keys().filter(|t| !per_thing.contains_key(t)));
    for thing in things {
        let (a, d, f) = per_thing.get(&thing).copied().unwrap_or_default();
        let r = rejected.get(&thing).copied().unwrap_or(0);
        diesel::update(sensor_things::table.find(thing))
            .set((
                sensor_things::accepted.eq(sensor_things::accepted + a),
                sensor_things::duplicates.eq(sensor_things::duplicates + d),
                sensor_things::flagged.eq(sensor_things::flagged + f),
                sensor_things::rejected
                    .eq(sensor_things::rejected + i64::try_from(r).unwrap_or(i64::MAX)),
            ))
            .execute(conn)?;
    }
    Ok(out)
}

fn upsert_rollups(
    conn: &mut DbConnection,
    rolls: &BTreeMap<(i64, i16, i64), Roll>,
) -> QueryResult<()> {
    const PER_ROW: usize = 7;
    let (least, greatest) = dialect::least_greatest(conn);
    let rows: Vec<_> = rolls.iter().collect();
    for chunk in rows.chunks(dialect::MAX_BINDS / PER_ROW) {
        let mut binds = Vec::with_capacity(chunk.len() * PER_ROW);
        for ((ds, span, bucket), r) in chunk {
            binds.extend([
                Bind::Int(Some(*ds)),
                Bind::Int(Some(i64::from(*span))),
                Bind::Int(Some(*bucket)),
                Bind::Int(Some(r.n)),
                Bind::Num(Some(r.total)),
                Bind::Num(Some(r.min)),
                Bind::Num(Some(r.max)),
            ]);
        }
        let sql = format!(
            "INSERT INTO sensor_rollups (datastream, span, bucket, n, total, min_value, max_value) \
             VALUES {} ON CONFLICT (datastream, span, bucket) DO UPDATE SET \
             n = sensor_rollups.n + excluded.n, total = sensor_rollups.total + excluded.total, \
             min_value = {least}(sensor_rollups.min_value, excluded.min_value), \
             max_value = {greatest}(sensor_rollups.max_value, excluded.max_value)",
            vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        dialect::execute(conn, &sql, &binds)?;
    }
    Ok(())
}

fn upsert_counts(conn: &mut DbConnection, counts: &BTreeMap<(i64, i64), i64>) -> QueryResult<()> {
    const PER_ROW: usize = 3;
    let rows: Vec<_> = counts.iter().collect();
    for chunk in rows.chunks(dialect::MAX_BINDS / PER_ROW) {
        let mut binds = Vec::with_capacity(chunk.len() * PER_ROW);
        for ((ds, hour), n) in chunk {
            binds.extend([
                Bind::Int(Some(*ds)),
                Bind::Int(Some(*hour)),
                Bind::Int(Some(**n)),
            ]);
        }
        let sql = format!(
            "INSERT INTO sensor_hour_counts (datastream, hour, n) VALUES {} \
             ON CONFLICT (datastream, hour) DO UPDATE SET n = sensor_hour_counts.n + excluded.n",
            vec!["(?, ?, ?)"; chunk.len()].join(", ")
        );
        dialect::execute(conn, &sql, &binds)?;
    }
    Ok(())
}

/// One bucket of a rollup: its start, count, mean, minimum and maximum.
#[derive(Debug, Clone, Copy, PartialEq, Queryable, QueryableByName)]
pub struct Bucket {
    #[diesel(sql_type = BigInt)]
    pub bucket: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = Double)]
    pub total: f64,
    #[diesel(sql_type = Double)]
    pub min_value: f64,
    #[diesel(sql_type = Double)]
    pub max_value: f64,
}

impl Bucket {
    pub fn mean(&self) -> f64 {
        // Rollup rows exist only for n >= 1.
        self.total / self.n as f64
    }
}

/// A datastream's hourly or daily buckets from `from` (inclusive) to `to`
/// (exclusive), oldest first: one read of the rollup key's range.
pub fn rollups(
    conn: &mut DbConnection,
    datastream: i64,
    span: i16,
    from: i64,
    to: i64,
) -> QueryResult<Vec<Bucket>> {
    sensor_rollups::table
        .filter(sensor_rollups::datastream.eq(datastream))
        .filter(sensor_rollups::span.eq(span))
        .filter(sensor_rollups::bucket.ge(from))
        .filter(sensor_rollups::bucket.lt(to))
        .order(sensor_rollups::bucket.asc())
        .select((
            sensor_rollups::bucket,
            sensor_rollups::n,
            sensor_rollups::total,
            sensor_rollups::min_value,
            sensor_rollups::max_value,
        ))
        .load(conn)
}

/// The latest observation of each of these datastreams that has one.
#[derive(Debug, Clone, Copy, PartialEq, Queryable)]
pub struct Latest {
    pub datastream: i64,
    pub time: i64,
    pub value: f64,
    pub quality: i16,
}

pub fn latest(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Latest>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(dialect::MAX_BINDS) {
        out.extend(
            sensor_latest::table
                .filter(sensor_latest::datastream.eq_any(chunk))
                .select((
                    sensor_latest::datastream,
                    sensor_latest::time,
                    sensor_latest::value,
                    sensor_latest::quality,
                ))
                .load::<Latest>(conn)?,
        );
    }
    Ok(out)
}

/// Adds a station under the next free id (the caller's audited write
/// transaction serialises registry writes); answers the id.
pub fn add_thing(conn: &mut DbConnection, thing: &Thing) -> QueryResult<i64> {
    let next: Option<i64> = sensor_things::table
        .select(diesel::dsl::max(sensor_things::id))
        .first(conn)?;
    let id = next.unwrap_or(0) + 1;
    diesel::insert_into(sensor_things::table)
        .values(&Thing {
            id,
            ..thing.clone()
        })
        .execute(conn)?;
    Ok(id)
}

/// Adds a datastream under the next free id; answers the id.
pub fn add_datastream(conn: &mut DbConnection, ds: &Datastream) -> QueryResult<i64> {
    let next: Option<i64> = sensor_datastreams::table
        .select(diesel::dsl::max(sensor_datastreams::id))
        .first(conn)?;
    let id = next.unwrap_or(0) + 1;
    diesel::insert_into(sensor_datastreams::table)
        .values(&Datastream { id, ..ds.clone() })
        .execute(conn)?;
    Ok(id)
}

pub fn thing(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Thing>> {
    sensor_things::table
        .find(id)
        .select(Thing::as_select())
        .first(conn)
        .optional()
}

pub fn datastream(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Datastream>> {
    sensor_datastreams::table
        .find(id)
        .select(Datastream::as_select())
        .first(conn)
        .optional()
}

/// Every station, by id (the registry is small: thousands, not millions).
pub fn things(conn: &mut DbConnection) -> QueryResult<Vec<Thing>> {
    sensor_things::table
        .order(sensor_things::id.asc())
        .select(Thing::as_select())
        .load(conn)
}

/// The stations that publish into a catalog dataset.
pub fn things_of_dataset(conn: &mut DbConnection, dataset_id: &str) -> QueryResult<Vec<Thing>> {
    sensor_things::table
        .filter(sensor_things::dataset_id.eq(dataset_id))
        .order(sensor_things::id.asc())
        .select(Thing::as_select())
        .load(conn)
}

/// Every datastream, by id.
pub fn datastreams(conn: &mut DbConnection) -> QueryResult<Vec<Datastream>> {
    sensor_datastreams::table
        .order(sensor_datastreams::id.asc())
        .select(Datastream::as_select())
        .load(conn)
}

/// The datastreams of these stations, by id.
pub fn datastreams_of(conn: &mut DbConnection, things: &[i64]) -> QueryResult<Vec<Datastream>> {
    let mut out = Vec::new();
    for chunk in things.chunks(dialect::MAX_BINDS) {
        out.extend(
            sensor_datastreams::table
                .filter(sensor_datastreams::thing_id.eq_any(chunk))
                .select(Datastream::as_select())
                .load::<Datastream>(conn)?,
        );
    }
    out.sort_by_key(|d| d.id);
    Ok(out)
}

/// Writes a station's registry fields (not its counters).
pub fn update_thing(conn: &mut DbConnection, t: &Thing) -> QueryResult<()> {
    diesel::update(sensor_things::table.find(t.id))
        .set((
            sensor_things::publisher_id.eq(&t.publisher_id),
            sensor_things::dataset_id.eq(&t.dataset_id),
            sensor_things::name.eq(&t.name),
            sensor_things::description.eq(&t.description),
            sensor_things::properties.eq(&t.properties),
            sensor_things::longitude.eq(t.longitude),
            sensor_things::latitude.eq(t.latitude),
            sensor_things::location_name.eq(&t.location_name),
            sensor_things::is_example.eq(t.is_example),
            sensor_things::updated_at.eq(t.updated_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Writes a datastream's registry fields (not its counts).
pub fn update_datastream(conn: &mut DbConnection, d: &Datastream) -> QueryResult<()> {
    diesel::update(sensor_datastreams::table.find(d.id))
        .set((
            sensor_datastreams::name.eq(&d.name),
            sensor_datastreams::description.eq(&d.description),
            sensor_datastreams::property_uri.eq(&d.property_uri),
            sensor_datastreams::property_name.eq(&d.property_name),
            sensor_datastreams::unit_ucum.eq(&d.unit_ucum),
            sensor_datastreams::unit_symbol.eq(&d.unit_symbol),
            sensor_datastreams::unit_name.eq(&d.unit_name),
            sensor_datastreams::sensor_name.eq(&d.sensor_name),
            sensor_datastreams::sensor_metadata.eq(&d.sensor_metadata),
            sensor_datastreams::valid_min.eq(d.valid_min),
            sensor_datastreams::valid_max.eq(d.valid_max),
            sensor_datastreams::alert_above.eq(d.alert_above),
            sensor_datastreams::alert_below.eq(d.alert_below),
            sensor_datastreams::expected_interval_s.eq(d.expected_interval_s),
            sensor_datastreams::updated_at.eq(d.updated_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Deletes a datastream with its observations, latest value and rollups.
pub fn delete_datastream(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(sensor_observations::table.filter(sensor_observations::datastream.eq(id)))
        .execute(conn)?;
    diesel::delete(sensor_rollups::table.filter(sensor_rollups::datastream.eq(id)))
        .execute(conn)?;
    diesel::delete(sensor_latest::table.filter(sensor_latest::datastream.eq(id))).execute(conn)?;
    diesel::delete(sensor_hour_counts::table.filter(sensor_hour_counts::datastream.eq(id)))
        .execute(conn)?;
    diesel::delete(sensor_datastreams::table.find(id)).execute(conn)?;
    Ok(())
}

/// Deletes a station with its tokens (its datastreams go first, by the
/// caller, so each is audited).
pub fn delete_thing(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(sensor_tokens::table.filter(sensor_tokens::thing_id.eq(id))).execute(conn)?;
    diesel::delete(sensor_things::table.find(id)).execute(conn)?;
    Ok(())
}

// --- Device tokens -----------------------------------------------------------

pub fn add_token(
    conn: &mut DbConnection,
    id: &str,
    thing_id: i64,
    name: &str,
    hash: &str,
    now: chrono::NaiveDateTime,
) -> QueryResult<DeviceToken> {
    diesel::insert_into(sensor_tokens::table)
        .values((
            sensor_tokens::id.eq(id),
            sensor_tokens::thing_id.eq(thing_id),
            sensor_tokens::name.eq(name),
            sensor_tokens::token_hash.eq(hash),
            sensor_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    token(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

pub fn token(conn: &mut DbConnection, id: &str) -> QueryResult<Option<DeviceToken>> {
    sensor_tokens::table
        .find(id)
        .select(DeviceToken::as_select())
        .first(conn)
        .optional()
}

pub fn tokens_of(conn: &mut DbConnection, thing_id: i64) -> QueryResult<Vec<DeviceToken>> {
    sensor_tokens::table
        .filter(sensor_tokens::thing_id.eq(thing_id))
        .order(sensor_tokens::created_at.desc())
        .select(DeviceToken::as_select())
        .load(conn)
}

pub fn revoke_token(
    conn: &mut DbConnection,
    id: &str,
    now: chrono::NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(sensor_tokens::table.find(id))
        .set(sensor_tokens::revoked_at.eq(Some(now)))
        .execute(conn)
        .map(drop)
}

/// The station of a live device token (by its secret's hash), stamping
/// its last use.
pub fn thing_by_token(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<(String, i64)>> {
    let found: Option<(String, i64)> = sensor_tokens::table
        .filter(sensor_tokens::token_hash.eq(hash))
        .filter(sensor_tokens::revoked_at.is_null())
        .select((sensor_tokens::id, sensor_tokens::thing_id))
        .first(conn)
        .optional()?;
    if let Some((id, _)) = &found {
        diesel::update(sensor_tokens::table.find(id))
            .set(sensor_tokens::last_used_at.eq(Some(chrono::Utc::now().naive_utc())))
            .execute(conn)?;
    }
    Ok(found)
}

// --- Reading and correcting observations ------------------------------------

/// One stored observation of a datastream.
#[derive(Debug, Clone, Copy, PartialEq, Queryable)]
pub struct Row {
    pub time: i64,
    pub value: f64,
    pub quality: i16,
}

/// Up to `limit` observations of `ds` with a time in `[lo, hi]`, in time
/// order (`desc`: newest first), starting after `after` in that order:
/// one read of the key's range, whatever page it is.
#[expect(clippy::too_many_arguments, reason = "one key range's bounds")]
pub fn observations(
    conn: &mut DbConnection,
    ds: i64,
    lo: i64,
    hi: i64,
    after: Option<i64>,
    desc: bool,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<Row>> {
    use sensor_observations::dsl as o;
    // One lower and one upper bound: given two, SQLite ranges over one
    // and filters by the other, so a late page would read from the start.
    let (mut lo, mut hi) = (lo, hi);
    if let Some(a) = after {
        if desc {
            hi = hi.min(a.saturating_sub(1));
        } else {
            lo = lo.max(a.saturating_add(1));
        }
    }
    let mut q = o::sensor_observations
        .filter(o::datastream.eq(ds))
        .filter(o::time.ge(lo))
        .filter(o::time.le(hi))
        .select((o::time, o::value, o::quality))
        .into_boxed();
    q = if desc {
        q.order(o::time.desc())
    } else {
        q.order(o::time.asc())
    };
    q.limit(limit).offset(offset).load(conn)
}

/// The observation of `ds` at `time`.
pub fn observation(conn: &mut DbConnection, ds: i64, time: i64) -> QueryResult<Option<Row>> {
    use sensor_observations::dsl as o;
    o::sensor_observations
        .filter(o::datastream.eq(ds))
        .filter(o::time.eq(time))
        .select((o::time, o::value, o::quality))
        .first(conn)
        .optional()
}

fn raw_count(conn: &mut DbConnection, ds: i64, lo: i64, hi: i64) -> QueryResult<i64> {
    use sensor_observations::dsl as o;
    if lo > hi {
        return Ok(0);
    }
    o::sensor_observations
        .filter(o::datastream.eq(ds))
        .filter(o::time.ge(lo))
        .filter(o::time.le(hi))
        .count()
        .get_result(conn)
}

/// How many observations of `ds` lie in `[lo, hi]`: the whole hours from
/// the hourly counts, only the partial hours at the two ends counted in
/// the raw table. So a month costs 720 small rows, not 43,200 raw ones.
pub fn count_between(conn: &mut DbConnection, ds: i64, lo: i64, hi: i64) -> QueryResult<i64> {
    use super::model::MICROS_PER_HOUR as H;
    if lo > hi {
        return Ok(0);
    }
    // The first whole hour starts at or after lo; the whole hours end
    // (exclusive) at or before hi + 1.
    let first = if hour_of(lo) == lo {
        lo
    } else {
        hour_of(lo).saturating_add(H)
    };
    let end = hour_of(hi.saturating_add(1));
    if first >= end {
        return raw_count(conn, ds, lo, hi);
    }
    let whole = dialect::load_count(
        conn,
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM sensor_hour_counts \
         WHERE datastream = ? AND hour >= ? AND hour < ?",
        &[
            Bind::Int(Some(ds)),
            Bind::Int(Some(first)),
            Bind::Int(Some(end)),
        ],
    )?;
    Ok(whole + raw_count(conn, ds, lo, first - 1)? + raw_count(conn, ds, end, hi)?)
}

/// Replaces (`Some`) or deletes (`None`) the observation of `stream` at
/// `time`, and brings what is derived from it (its hour's and day's
/// rollups, the hourly count, the datastream's count and span, the latest
/// value) back in line with the raw rows, in one transaction. Answers
/// whether there was one. Corrections are rare: recomputing one hour and
/// one day from the raw table is cheap and cannot drift.
pub fn correct(
    conn: &mut DbConnection,
    stream: &Stream,
    time: i64,
    new: Option<f64>,
) -> QueryResult<bool> {
    conn.transaction(|c| {
        use sensor_observations::dsl as o;
        let ds = stream.id;
        let key = o::sensor_observations
            .filter(o::datastream.eq(ds))
            .filter(o::time.eq(time));
        if observation(c, ds, time)?.is_none() {
            return Ok(false);
        }
        let hour = hour_of(time);
        match new {
            Some(v) => {
                diesel::update(key)
                    .set((o::value.eq(v), o::quality.eq(stream.quality(v))))
                    .execute(c)?;
            }
            None => {
                diesel::delete(key).execute(c)?;
                let n = raw_count(c, ds, hour, hour + super::model::MICROS_PER_HOUR - 1)?;
                let counts = sensor_hour_counts::table
                    .filter(sensor_hour_counts::datastream.eq(ds))
                    .filter(sensor_hour_counts::hour.eq(hour));
                if n == 0 {
                    diesel::delete(counts).execute(c)?;
                } else {
                    diesel::update(counts)
                        .set(sensor_hour_counts::n.eq(n))
                        .execute(c)?;
                }
                let (first, last): (Option<i64>, Option<i64>) = o::sensor_observations
                    .filter(o::datastream.eq(ds))
                    .select((diesel::dsl::min(o::time), diesel::dsl::max(o::time)))
                    .first(c)?;
                diesel::update(sensor_datastreams::table.find(ds))
                    .set((
                        sensor_datastreams::observation_count
                            .eq(sensor_datastreams::observation_count - 1),
                        sensor_datastreams::first_time.eq(first),
                        sensor_datastreams::last_time.eq(last),
                    ))
                    .execute(c)?;
            }
        }
        let day = day_of_hour(hour);
        let next_day = day_of_hour(hour_of(day + 25 * super::model::MICROS_PER_HOUR));
        for (span, from, to) in [
            (HOUR, hour, hour + super::model::MICROS_PER_HOUR),
            (DAY, day, next_day),
        ] {
            rebuild_rollup(c, ds, span, from, to)?;
        }
        let newest: Option<Row> = o::sensor_observations
            .filter(o::datastream.eq(ds))
            .order(o::time.desc())
            .select((o::time, o::value, o::quality))
            .first(c)
            .optional()?;
        diesel::delete(sensor_latest::table.find(ds)).execute(c)?;
        if let Some(r) = newest {
            diesel::insert_into(sensor_latest::table)
                .values((
                    sensor_latest::datastream.eq(ds),
                    sensor_latest::time.eq(r.time),
                    sensor_latest::value.eq(r.value),
                    sensor_latest::quality.eq(r.quality),
                ))
                .execute(c)?;
        }
        Ok(true)
    })
}

/// One rollup bucket recomputed from the good raw rows of `[from, to)`.
fn rebuild_rollup(
    conn: &mut DbConnection,
    ds: i64,
    span: i16,
    from: i64,
    to: i64,
) -> QueryResult<()> {
    use sensor_observations::dsl as o;
    let values: Vec<f64> = o::sensor_observations
        .filter(o::datastream.eq(ds))
        .filter(o::time.ge(from))
        .filter(o::time.lt(to))
        .filter(o::quality.eq(GOOD))
        .select(o::value)
        .load(conn)?;
    diesel::delete(
        sensor_rollups::table
            .filter(sensor_rollups::datastream.eq(ds))
            .filter(sensor_rollups::span.eq(span))
            .filter(sensor_rollups::bucket.eq(from)),
    )
    .execute(conn)?;
    let mut r = Roll::default();
    values.iter().for_each(|v| r.add(*v));
    if r.n > 0 {
        upsert_rollups(conn, &BTreeMap::from([((ds, span, from), r)]))?;
    }
    Ok(())
}

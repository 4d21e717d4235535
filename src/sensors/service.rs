//! Ingestion: a read batch is checked against the registry and the
//! sender's rights, item by item, and its good items are stored in one
//! transaction. Observations are not audited (append-only, idempotent,
//! and their volume would swamp the chain); the registry is.

use std::collections::HashMap;

use serde::Serialize;

use super::input::{Batch, Rejected};
use super::model::Observation;
use super::store;
use crate::auth::CurrentUser;
use crate::catalog::service::Policy;
use crate::db::DbConnection;

/// The answer to a batch.
#[derive(Debug, Serialize, PartialEq)]
pub struct Report {
    pub accepted: u64,
    pub duplicates: u64,
    /// Of the accepted, how many lie outside their datastream's valid
    /// range (stored and shown as suspect).
    pub flagged: u64,
    pub rejected: Vec<Rejected>,
}

/// Stores what `user` may write of `batch`. A datastream of a station
/// whose publisher the user does not curate (an admin curates all) is
/// each item's `not_allowed`; an unknown one its `unknown_datastream`.
pub fn ingest(
    conn: &mut DbConnection,
    user: &CurrentUser,
    batch: Batch,
) -> diesel::QueryResult<Report> {
    let Batch {
        items,
        mut rejected,
    } = batch;
    let mut ids: Vec<i64> = items
        .iter()
        .map(|(_, o)| o.datastream)
        .chain(rejected.iter().filter_map(|r| r.datastream))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let streams = store::streams(conn, &ids)?;
    // One rights check per station.
    let mut allowed: HashMap<i64, bool> = HashMap::new();
    for s in streams.values() {
        if let std::collections::hash_map::Entry::Vacant(e) = allowed.entry(s.thing_id) {
            let ok = match store::thing(conn, s.thing_id)? {
                Some(t) => Policy::may_act_for(conn, user, &t.publisher_id)?,
                None => false,
            };
            e.insert(ok);
        }
    }
    let may = |ds: i64| {
        streams
            .get(&ds)
            .filter(|s| allowed.get(&s.thing_id).copied().unwrap_or(false))
    };
    let mut good: Vec<Observation> = Vec::with_capacity(items.len());
    for (index, o) in items {
        if !streams.contains_key(&o.datastream) {
            rejected.push(Rejected::new(index, "unknown_datastream"));
        } else if may(o.datastream).is_none() {
            rejected.push(Rejected::new(index, "not_allowed"));
        } else {
            good.push(o);
        }
    }
    // An item refused for its time or value counts against its station,
    // when the sender may write there (nobody else inflates a counter).
    let mut refused_of: HashMap<i64, u64> = HashMap::new();
    for r in &rejected {
        if let Some(s) = r.datastream.and_then(may) {
            *refused_of.entry(s.thing_id).or_default() += 1;
        }
    }
    let stored = store::insert(conn, &streams, &good, &refused_of)?;
    rejected.sort_by_key(|r| r.index);
    Ok(Report {
        accepted: stored.accepted,
        duplicates: stored.duplicates,
        flagged: stored.flagged,
        rejected,
    })
}

//! The spatial index: each layer's feature boxes in an R-tree in memory,
//! built on the first query of a feature set and kept until the layer has
//! a new one. A bbox query walks the tree, never the table; the features
//! of a page are then read by their numbers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::db::DbConnection;

type Entry = GeomWithData<Rectangle<[f64; 2]>, i64>;

pub struct Index {
    feature_set: String,
    tree: RTree<Entry>,
    /// Each feature's time by number (fid - 1), for `datetime=`.
    times: Vec<Option<i64>>,
    count: usize,
}

/// What a query asks of a layer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter {
    pub bbox: Option<[f64; 4]>,
    /// An interval, either end open: seconds since 1970, UTC.
    pub time: Option<(Option<i64>, Option<i64>)>,
}

/// Which features match: all of them (`count` numbered from 1), or those
/// listed, ascending.
pub enum Matched {
    All(usize),
    Some(Vec<i64>),
}

impl Matched {
    pub fn len(&self) -> usize {
        match self {
            Matched::All(n) => *n,
            Matched::Some(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The numbers of one page.
    pub fn page(&self, offset: usize, limit: usize) -> Vec<i64> {
        match self {
            Matched::All(n) => {
                let from = offset.min(*n);
                let to = offset.saturating_add(limit).min(*n);
                (from as i64 + 1..=to as i64).collect()
            }
            Matched::Some(v) => v.iter().skip(offset).take(limit).copied().collect(),
        }
    }
}

impl Index {
    fn build(conn: &mut DbConnection, feature_set: &str) -> diesel::QueryResult<Index> {
        let rows = super::store::envelopes(conn, feature_set)?;
        let mut times = vec![None; rows.len()];
        let mut entries = Vec::with_capacity(rows.len());
        for (fid, x0, y0, x1, y1, t) in rows {
            if let Some(slot) = times.get_mut((fid - 1) as usize) {
                *slot = t;
            }
            entries.push(GeomWithData::new(
                Rectangle::from_corners([x0, y0], [x1, y1]),
                fid,
            ));
        }
        Ok(Index {
            feature_set: feature_set.to_string(),
            count: entries.len(),
            tree: RTree::bulk_load(entries),
            times,
        })
    }

    pub fn query(&self, f: Filter) -> Matched {
        let time_ok = |fid: i64| match f.time {
            None => true,
            Some((from, to)) => match self.times.get((fid - 1) as usize).copied().flatten() {
                None => false,
                Some(t) => from.is_none_or(|a| t >= a) && to.is_none_or(|b| t <= b),
            },
        };
        match (f.bbox, f.time) {
            (None, None) => Matched::All(self.count),
            (None, Some(_)) => Matched::Some(
                (1..=self.count as i64)
                    .filter(|fid| time_ok(*fid))
                    .collect(),
            ),
            (Some(b), _) => {
                let env = AABB::from_corners([b[0], b[1]], [b[2], b[3]]);
                let mut v: Vec<i64> = self
                    .tree
                    .locate_in_envelope_intersecting(&env)
                    .map(|e| e.data)
                    .filter(|fid| time_ok(*fid))
                    .collect();
                v.sort_unstable();
                Matched::Some(v)
            }
        }
    }
}

/// The indexes of every layer queried since start, by layer id.
#[derive(Default)]
pub struct Indexes {
    map: Mutex<HashMap<String, Arc<Index>>>,
}

impl Indexes {
    /// The index of a layer's current feature set, built when missing or
    /// when the layer was imported again since.
    pub fn get(
        &self,
        conn: &mut DbConnection,
        layer: &super::model::Layer,
    ) -> diesel::QueryResult<Arc<Index>> {
        if let Ok(map) = self.map.lock()
            && let Some(i) = map.get(&layer.id)
            && i.feature_set == layer.feature_set
        {
            return Ok(i.clone());
        }
        // Built without the lock: another layer's queries go on meanwhile.
        let built = Arc::new(Index::build(conn, &layer.feature_set)?);
        if let Ok(mut map) = self.map.lock() {
            map.insert(layer.id.clone(), built.clone());
        }
        Ok(built)
    }
}

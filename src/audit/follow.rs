//! Following the audit log. Every change to stored data writes an audit row
//! in its own transaction, in any process, so the rows after the last one a
//! derived view applied say exactly what it must redo. The catalog's RDF
//! projection and its list index are such views; both keep a `Cursor` and
//! ask it for the changes on each read, which costs one primary-key read
//! when nothing changed. What a change means to a view is the view's
//! domain's business (`catalog::changes`): this module names no domain.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{audit_log, view_positions};

/// The audit object type `radnice reindex` writes to make every server
/// rebuild its views.
pub const REINDEX_TYPE: &str = "rdf_projection";

/// What changed between two points of the audit log.
#[derive(Debug, Default)]
pub struct Changes {
    /// Start over: never built, the log went back (a restored database), or
    /// `radnice reindex` asked for it.
    pub rebuild: bool,
    /// The objects that changed, as (object type, object id), in log order.
    pub rows: Vec<(String, String)>,
}

impl Changes {
    /// The ids of the changed objects of one type.
    pub fn ids_of(&self, kind: &str) -> BTreeSet<String> {
        self.rows
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// Whether an object of any of these types changed.
    pub fn touches(&self, kinds: &[&str]) -> bool {
        self.rows.iter().any(|(k, _)| kinds.contains(&k.as_str()))
    }
}

/// Where a derived view stands in the audit log.
pub struct Cursor {
    /// The audit sequence number the view reflects; 0 = never built.
    seen: AtomicI64,
    /// One catch-up at a time; readers of the view do not wait for it.
    writer: Mutex<()>,
    /// When the head was last read (microseconds after `epoch`); 0 = never.
    checked: AtomicU64,
    epoch: Instant,
    /// One freshness check at a time across requests (`refresh`).
    refreshing: tokio::sync::Mutex<()>,
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor {
            seen: AtomicI64::new(0),
            writer: Mutex::new(()),
            checked: AtomicU64::new(0),
            epoch: Instant::now(),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }
}

impl Cursor {
    /// Calls `apply` with the changes since the last call, if there are any,
    /// and moves on only when it succeeds, so a failed apply is retried by
    /// the next read. The head is read before the changes: a change landing
    /// meanwhile is applied again next time, which every view tolerates.
    pub fn follow<E>(
        &self,
        conn: &mut DbConnection,
        apply: impl FnOnce(&mut DbConnection, Changes) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<diesel::result::Error>,
    {
        let read_at = self.now();
        let head = crate::db::data_version(conn)?;
        if head == self.seen.load(Ordering::Acquire) {
            self.checked.fetch_max(read_at, Ordering::AcqRel);
            return Ok(());
        }
        let _one = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let seen = self.seen.load(Ordering::Acquire);
        if head == seen {
            self.checked.fetch_max(read_at, Ordering::AcqRel);
            return Ok(());
        }
        let changes = changes_between(conn, seen, head)?;
        apply(conn, changes)?;
        self.seen.store(head, Ordering::Release);
        self.checked.fetch_max(read_at, Ordering::AcqRel);
        Ok(())
    }

    /// Whether the view was caught up with a head read less than `window`
    /// ago. A reader may then skip the database: a write by this process
    /// catches the view up in its own request, so only another process's
    /// write can be missed, and for at most `window`.
    pub fn fresh(&self, window: Duration) -> bool {
        let checked = self.checked.load(Ordering::Acquire);
        checked != 0
            && self.seen.load(Ordering::Acquire) != 0
            && self.now().saturating_sub(checked) < window.as_micros() as u64
    }

    /// Makes the view fresh (checked less than `window` ago) with one check
    /// however many requests ask at once: the first stale caller runs
    /// `check` (a read of the log's head, on the blocking pool, with a
    /// pooled connection) while the others wait for it and then read the
    /// view from memory, instead of each queueing for a connection.
    pub async fn refresh<F, Fut, E>(&self, window: Duration, check: F) -> Result<(), E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(), E>>,
    {
        if self.fresh(window) {
            return Ok(());
        }
        let _turn = self.refreshing.lock().await;
        if self.fresh(window) {
            return Ok(());
        }
        check().await
    }

    fn now(&self) -> u64 {
        // Never 0, which means "never read".
        self.epoch.elapsed().as_micros() as u64 + 1
    }

    /// Rebuilds under the cursor's lock and marks the view as at `head`
    /// (read by `build` before it reads anything else).
    pub fn rebuild<T, E>(
        &self,
        conn: &mut DbConnection,
        build: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let _one = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let read_at = self.now();
        let head = crate::db::data_version(conn)?;
        let out = build(conn)?;
        self.seen.store(head, Ordering::Release);
        self.checked.fetch_max(read_at, Ordering::AcqRel);
        Ok(out)
    }
}

fn changes_between(conn: &mut DbConnection, seen: i64, head: i64) -> QueryResult<Changes> {
    if seen == 0 || head < seen {
        return Ok(Changes {
            rebuild: true,
            ..Changes::default()
        });
    }
    let rows: Vec<(String, String)> = audit_log::table
        .filter(audit_log::seq.gt(seen))
        .filter(audit_log::seq.le(head))
        .select((audit_log::object_type, audit_log::object_id))
        .load(conn)?;
    Ok(Changes {
        rebuild: rows.iter().any(|(k, _)| k == REINDEX_TYPE),
        rows,
    })
}

/// A view derived from the database that follows the audit log: the RDF
/// projection and the list index today, the search index and the sensor
/// rollups next. Each is registered once (`lib.rs`); the write path calls
/// `Views::after_commit` and does not know which views there are.
pub trait View: Send + Sync {
    fn name(&self) -> &'static str;
    /// The audit object types whose changes it reflects.
    fn follows(&self) -> &[&'static str];
    /// Brings the view up to the head of the log. A view outside the
    /// process keeps its position in the database, so a restart resumes.
    fn catch_up(&self, conn: &mut DbConnection) -> Result<(), crate::error::AppError>;
}

/// The registered views.
#[derive(Clone, Default)]
pub struct Views(Vec<Arc<dyn View>>);

impl Views {
    pub fn register(&mut self, view: Arc<dyn View>) {
        self.0.push(view);
    }

    /// Called once after a write committed, with the object types it
    /// changed: each view that follows one of them catches up now, so the
    /// writer's next read shows its write. The write stands whatever happens
    /// here: a failure is logged, and the view catches up on its next read.
    pub fn after_commit(&self, conn: &mut DbConnection, changed: &[&str]) {
        for view in &self.0 {
            if !view.follows().iter().any(|t| changed.contains(t)) {
                continue;
            }
            if let Err(e) = view.catch_up(conn) {
                log::error!("view {} did not follow a write: {e}", view.name());
            }
        }
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|v| v.name()).collect()
    }
}

/// The position of a view that lives outside the process (a search
/// server): kept in the database, so a restart resumes from it, and a view
/// that was down catches up with what it missed instead of rebuilding.
pub mod stored {
    use super::*;

    /// The audit sequence number the view `name` has applied (0: never).
    pub fn position(conn: &mut DbConnection, name: &str) -> QueryResult<i64> {
        Ok(view_positions::table
            .find(name)
            .select(view_positions::seq)
            .first(conn)
            .optional()?
            .unwrap_or(0))
    }

    /// Records that the view has applied everything up to `seq`.
    pub fn advance(conn: &mut DbConnection, name: &str, seq: i64) -> QueryResult<()> {
        let now = crate::db::now();
        let updated = diesel::update(view_positions::table.find(name))
            .set((
                view_positions::seq.eq(seq),
                view_positions::updated_at.eq(now),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(view_positions::table)
                .values((
                    view_positions::name.eq(name),
                    view_positions::seq.eq(seq),
                    view_positions::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    /// At most `limit` changes after `seq`, and the position they bring the
    /// view to: apply them, then `advance` to it. A view never built
    /// (`seq` 0) or ahead of the log (a restored database) must rebuild.
    pub fn changes_after(
        conn: &mut DbConnection,
        seq: i64,
        limit: i64,
    ) -> QueryResult<(Changes, i64)> {
        let head = crate::db::data_version(conn)?;
        if seq == 0 || seq > head {
            return Ok((
                Changes {
                    rebuild: true,
                    rows: Vec::new(),
                },
                head,
            ));
        }
        let rows: Vec<(i64, String, String)> = audit_log::table
            .filter(audit_log::seq.gt(seq))
            .order(audit_log::seq.asc())
            .limit(limit)
            .select((audit_log::seq, audit_log::object_type, audit_log::object_id))
            .load(conn)?;
        let upto = rows.last().map(|(s, _, _)| *s).unwrap_or(seq);
        let rebuild = rows.iter().any(|(_, k, _)| k == REINDEX_TYPE);
        Ok((
            Changes {
                rebuild,
                rows: rows.into_iter().map(|(_, k, id)| (k, id)).collect(),
            },
            upto,
        ))
    }
}

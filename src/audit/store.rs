use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::DbConnection;
use crate::db::schema::{audit_head, audit_log};

/// Who did it: a user, or the system itself (seed, CLI).
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: Option<String>,
    pub label: String,
}

impl Actor {
    pub fn system(label: &str) -> Actor {
        Actor {
            id: None,
            label: format!("system:{label}"),
        }
    }
}

/// One change to one object.
pub struct Entry<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub object_label: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Queryable, Selectable, Insertable, Serialize, Debug, Clone)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub object_label: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let sep = [0x1f_u8];
        let at = self.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
        let seq = self.seq.to_string();
        for part in [
            self.prev_hash.as_str(),
            seq.as_str(),
            at.as_str(),
            self.actor_id.as_deref().unwrap_or(""),
            self.actor_label.as_str(),
            self.action.as_str(),
            self.object_type.as_str(),
            self.object_id.as_str(),
            self.object_label.as_str(),
            self.before_json.as_deref().unwrap_or("\u{0}"),
            self.after_json.as_deref().unwrap_or("\u{0}"),
        ] {
            h.update(part.as_bytes());
            h.update(sep);
        }
        hex::encode(h.finalize())
    }
}

/// Runs `f` in one transaction that first takes the audit chain's lock.
///
/// The lock is a write to the single `audit_head` row, issued as the first
/// statement: on SQLite that takes the write lock up front (so a second writer
/// waits on the busy timeout instead of failing when it upgrades from a read),
/// on PostgreSQL it is a row lock that orders all writers. Without it two
/// writers could both link to the same previous row.
pub fn write_tx<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(|c| {
        diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
            .set(audit_head::seq.eq(audit_head::seq))
            .execute(c)?;
        f(c)
    })
}

/// Appends one row. Call it inside `write_tx`, after the change it records.
pub fn record(conn: &mut DbConnection, actor: &Actor, entry: Entry<'_>) -> QueryResult<i64> {
    let (seq, prev_hash): (i64, String) = audit_head::table
        .filter(audit_head::id.eq(1))
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
    let mut row = AuditRow {
        seq: seq + 1,
        at: crate::db::now(),
        actor_id: actor.id.clone(),
        actor_label: actor.label.clone(),
        action: entry.action.to_string(),
        object_type: entry.object_type.to_string(),
        object_id: entry.object_id.to_string(),
        object_label: entry.object_label.to_string(),
        before_json: entry.before.map(|v| v.to_string()),
        after_json: entry.after.map(|v| v.to_string()),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row.compute_hash();
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(conn)?;
    diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
        .set((audit_head::seq.eq(row.seq), audit_head::hash.eq(&row.hash)))
        .execute(conn)?;
    Ok(row.seq)
}

/// Records a change only when something changed; returns whether it did.
pub fn record_change<T: Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    object_type: &str,
    object_id: &str,
    object_label: &str,
    before: Option<&T>,
    after: Option<&T>,
) -> QueryResult<bool> {
    let to_json = |v: Option<&T>| v.and_then(|v| serde_json::to_value(v).ok());
    let (before, after) = (to_json(before), to_json(after));
    if before == after {
        return Ok(false);
    }
    let action = match (&before, &after) {
        (None, Some(_)) => "create",
        (Some(_), None) => "delete",
        _ => "update",
    };
    record(
        conn,
        actor,
        Entry {
            action,
            object_type,
            object_id,
            object_label,
            before,
            after,
        },
    )?;
    Ok(true)
}

/// Records a lifecycle move: the object before and after, the move (its
/// states and reason) kept in the after-image as `transition`.
pub fn record_move<T: Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    object: Object<'_>,
    before: &T,
    after: &T,
    moved: &crate::lifecycle::Moved,
) -> QueryResult<i64> {
    let mut after = serde_json::to_value(after).ok();
    if let Some(a) = after.as_mut() {
        a["transition"] = serde_json::to_value(moved).unwrap_or_default();
    }
    record(
        conn,
        actor,
        Entry {
            action: "transition",
            object_type: object.kind,
            object_id: object.id,
            object_label: object.label,
            before: serde_json::to_value(before).ok(),
            after,
        },
    )
}

/// Which object a change is about.
pub struct Object<'a> {
    pub kind: &'a str,
    pub id: &'a str,
    pub label: &'a str,
}

/// The one shape of every audited upsert: nothing happens when `wanted`
/// equals `existing`; otherwise `write` stores it (told whether the object
/// exists already) and the change is recorded. Returns whether it changed.
pub fn save<T: Serialize + PartialEq>(
    conn: &mut DbConnection,
    actor: &Actor,
    object: Object<'_>,
    existing: Option<&T>,
    wanted: &T,
    write: impl FnOnce(&mut DbConnection, bool) -> QueryResult<usize>,
) -> QueryResult<bool> {
    if existing == Some(wanted) {
        return Ok(false);
    }
    write(conn, existing.is_some())?;
    record_change(
        conn,
        actor,
        object.kind,
        object.id,
        object.label,
        existing,
        Some(wanted),
    )
}

/// The sequence number of the last change to one object (0: none). An
/// editor's version: a save from an older one is stale.
pub fn last_seq(conn: &mut DbConnection, object_type: &str, object_id: &str) -> QueryResult<i64> {
    Ok(audit_log::table
        .filter(audit_log::object_type.eq(object_type))
        .filter(audit_log::object_id.eq(object_id))
        .select(diesel::dsl::max(audit_log::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// The changes to one object after `seq`, oldest first: what an editor
/// with a stale version did not see.
pub fn changes_since(
    conn: &mut DbConnection,
    object_type: &str,
    object_id: &str,
    seq: i64,
) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::object_type.eq(object_type))
        .filter(audit_log::object_id.eq(object_id))
        .filter(audit_log::seq.gt(seq))
        .order(audit_log::seq.asc())
        .limit(100)
        .select(AuditRow::as_select())
        .load(conn)
}

/// The top-level fields whose value differs between a row's before and
/// after, for "what changed".
pub fn changed_fields(row: &AuditRow) -> Vec<String> {
    let parse = |j: &Option<String>| {
        j.as_deref()
            .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
            .unwrap_or(serde_json::Value::Null)
    };
    let (before, after) = (parse(&row.before_json), parse(&row.after_json));
    let keys: std::collections::BTreeSet<&String> = before
        .as_object()
        .into_iter()
        .chain(after.as_object())
        .flat_map(|o| o.keys())
        .collect();
    keys.into_iter()
        .filter(|k| before.get(k.as_str()) != after.get(k.as_str()))
        .cloned()
        .collect()
}

#[derive(Default, Debug, Clone)]
pub struct Filter {
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// Newest first, one page; also says whether an older page exists.
pub fn list(
    conn: &mut DbConnection,
    filter: &Filter,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<AuditRow>, bool)> {
    let mut q = audit_log::table.into_boxed();
    if let Some(t) = &filter.object_type {
        q = q.filter(audit_log::object_type.eq(t.clone()));
    }
    if let Some(id) = &filter.object_id {
        q = q.filter(audit_log::object_id.eq(id.clone()));
    }
    if let Some(a) = &filter.actor {
        q = q.filter(audit_log::actor_label.like(format!("%{}%", a.replace('%', ""))));
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_log::action.eq(a.clone()));
    }
    if let Some(from) = filter.from {
        q = q.filter(audit_log::at.ge(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(audit_log::at.lt(to));
    }
    let mut rows: Vec<AuditRow> = q
        .order(audit_log::seq.desc())
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page + 1)
        .select(AuditRow::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    Ok((rows, more))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows: i64,
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Walks the whole chain in seq order, in batches.
pub fn verify(conn: &mut DbConnection) -> QueryResult<VerifyReport> {
    let mut problems = Vec::new();
    let mut expected_prev = "0".repeat(64);
    let mut expected_seq = 1_i64;
    let mut after = 0_i64;
    loop {
        let batch: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.gt(after))
            .order(audit_log::seq.asc())
            .limit(1000)
            .select(AuditRow::as_select())
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
        for row in &batch {
            if row.seq != expected_seq {
                problems.push(format!(
                    "row {} follows row {}: rows are missing or inserted",
                    row.seq,
                    expected_seq - 1
                ));
            }
            if row.prev_hash != expected_prev {
                problems.push(format!(
                    "row {}: its link to the previous row does not match",
                    row.seq
                ));
            }
            if row.compute_hash() != row.hash {
                problems.push(format!("row {}: its content was changed", row.seq));
            }
            expected_prev = row.hash.clone();
            expected_seq = row.seq + 1;
            after = row.seq;
        }
    }
    let (head_seq, head_hash): (i64, String) = audit_head::table
        .filter(audit_head::id.eq(1))
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
    if head_seq != expected_seq - 1 || head_hash != expected_prev {
        problems.push(format!(
            "the chain ends at row {} but the head names row {head_seq}: rows at the end were deleted or the head was changed",
            expected_seq - 1
        ));
    }
    Ok(VerifyReport {
        rows: expected_seq - 1,
        problems,
    })
}

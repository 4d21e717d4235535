//! What each domain tells the audit log about its objects: the object
//! types it writes, and which of their histories the public may read, from
//! when. The audit module names no domain; the app registers each one at
//! start (`lib.rs`), so a new domain touches no other domain's file.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::DbConnection;

/// How much of one object's history the public may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visible {
    /// None of it (yet).
    No,
    /// All of it.
    Whole,
    /// The changes from this time on.
    From(NaiveDateTime),
}

/// How much of one object's history is public, asked of its domain.
pub type PublicSince = fn(&mut DbConnection, &str) -> QueryResult<Visible>;

/// Who may read the history of a kind of object.
#[derive(Clone, Copy)]
pub enum Publicity {
    /// Only the admin's audit log shows it (accounts, tokens, sources).
    Private,
    /// Anyone: public data from its first change.
    Public,
    /// Anyone, from the time the function gives (a dataset: its first
    /// publication; a draft's changes stay private).
    From(PublicSince),
}

#[derive(Clone, Copy)]
pub struct ObjectKind {
    pub name: &'static str,
    pub publicity: Publicity,
}

#[derive(Default)]
pub struct Registry {
    kinds: Vec<ObjectKind>,
}

impl Registry {
    pub fn register(&mut self, kind: ObjectKind) {
        self.kinds.retain(|k| k.name != kind.name);
        self.kinds.push(kind);
    }

    /// The registered object types' names, sorted (the log's filter offers
    /// them).
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.kinds.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names
    }

    /// Unregistered types are private.
    pub fn publicity(&self, name: &str) -> Publicity {
        self.kinds
            .iter()
            .find(|k| k.name == name)
            .map(|k| k.publicity)
            .unwrap_or(Publicity::Private)
    }

    /// How much of `id`'s history is public.
    pub fn visible(&self, conn: &mut DbConnection, name: &str, id: &str) -> QueryResult<Visible> {
        match self.publicity(name) {
            Publicity::Private => Ok(Visible::No),
            Publicity::Public => Ok(Visible::Whole),
            Publicity::From(since) => since(conn, id),
        }
    }
}

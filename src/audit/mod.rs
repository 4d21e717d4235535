//! Append-only audit log. Every change to stored data writes one row in the
//! same transaction as the change. Each row carries the hash of the row before
//! it, so a changed, inserted or deleted row breaks the chain and
//! `radnice audit verify` finds it.

pub mod diff;
pub mod follow;
pub mod registry;
pub mod routes;
pub mod store;

pub use store::{Actor, Entry, record, verify, write_tx};

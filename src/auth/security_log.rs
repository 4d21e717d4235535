//! The security log: sign-ins, failed sign-ins, sign-outs, password
//! changes, API tokens created and revoked, each with the account and the
//! address it came from, for the admin to read and filter
//! (`/admin/security`). It is not part of the audit chain (no domain data
//! changes) and never holds a password or a token.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::security_events;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Login,
    LoginFailed,
    Logout,
    PasswordChanged,
    PasswordChangeFailed,
    TokenCreated,
    TokenRevoked,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Login,
        Kind::LoginFailed,
        Kind::Logout,
        Kind::PasswordChanged,
        Kind::PasswordChangeFailed,
        Kind::TokenCreated,
        Kind::TokenRevoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Login => "login",
            Kind::LoginFailed => "login_failed",
            Kind::Logout => "logout",
            Kind::PasswordChanged => "password_changed",
            Kind::PasswordChangeFailed => "password_change_failed",
            Kind::TokenCreated => "token_created",
            Kind::TokenRevoked => "token_revoked",
        }
    }
}

#[derive(Queryable, Selectable, Serialize, Debug, Clone)]
#[diesel(table_name = security_events)]
pub struct Event {
    pub id: String,
    pub at: NaiveDateTime,
    pub kind: String,
    pub user_id: Option<String>,
    pub account: String,
    pub ip: String,
    pub detail: Option<String>,
}

/// Who and where: the account as typed or known, the client's address.
pub struct Who<'a> {
    pub user_id: Option<&'a str>,
    pub account: &'a str,
    pub ip: &'a str,
}

/// How long events are kept: addresses and accounts are personal data,
/// kept as long as an admin may need them to look into an incident (the
/// privacy notice says so).
pub const KEPT_DAYS: i64 = 180;

/// Records one event, and forgets those older than `KEPT_DAYS` (the index
/// on `at` makes that a short range delete). The account is cut to a sane
/// length: a failed login can name anything.
pub fn record(
    conn: &mut DbConnection,
    kind: Kind,
    who: Who<'_>,
    detail: Option<&str>,
) -> QueryResult<()> {
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    diesel::insert_into(security_events::table)
        .values((
            security_events::id.eq(crate::db::new_id()),
            security_events::at.eq(crate::db::now()),
            security_events::kind.eq(kind.as_str()),
            security_events::user_id.eq(who.user_id),
            security_events::account.eq(cut(who.account, 254)),
            security_events::ip.eq(cut(who.ip, 64)),
            security_events::detail.eq(detail.map(|d| cut(d, 200))),
        ))
        .execute(conn)?;
    let oldest = crate::db::now() - chrono::Duration::days(KEPT_DAYS);
    diesel::delete(security_events::table.filter(security_events::at.lt(oldest))).execute(conn)?;
    Ok(())
}

#[derive(Default, Debug, Clone)]
pub struct Filter {
    pub kind: Option<String>,
    pub account: Option<String>,
    pub ip: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// Newest first, one page; also says whether an older page exists.
pub fn list(
    conn: &mut DbConnection,
    filter: &Filter,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<Event>, bool)> {
    let mut q = security_events::table.into_boxed();
    if let Some(k) = &filter.kind {
        q = q.filter(security_events::kind.eq(k.clone()));
    }
    if let Some(a) = &filter.account {
        let pattern = format!("%{}%", a.replace(['%', '_'], ""));
        q = q.filter(security_events::account.like(pattern));
    }
    if let Some(ip) = &filter.ip {
        q = q.filter(security_events::ip.eq(ip.clone()));
    }
    if let Some(from) = filter.from {
        q = q.filter(security_events::at.ge(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(security_events::at.lt(to));
    }
    let mut rows: Vec<Event> = q
        .order((security_events::at.desc(), security_events::id.desc()))
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page + 1)
        .select(Event::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    Ok((rows, more))
}

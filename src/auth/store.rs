//! Queries for users, roles, sessions and API tokens. Writes that change an
//! account go through `audit::write_tx` and leave an audit row.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::Role;
use crate::audit::{self, Actor};
use crate::db::schema::{
    api_tokens, password_resets, publishers, sessions, user_publishers, user_roles, users,
};
use crate::db::{DbConnection, new_id, now};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What the audit log and the UI may see of a user: never the password hash.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub active: bool,
    pub roles: Vec<Role>,
    /// Slugs of the publishers a curator acts for.
    pub publishers: Vec<String>,
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn valid_email(email: &str) -> bool {
    let e = email.trim();
    match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.chars().any(char::is_whitespace)
                && e.len() <= 254
        }
        None => false,
    }
}

pub fn roles_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<Role>> {
    let names: Vec<String> = user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .select(user_roles::role)
        .load(conn)?;
    let mut roles: Vec<Role> = names.iter().filter_map(|r| Role::parse(r)).collect();
    roles.sort();
    Ok(roles)
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(normalize_email(email)))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn view(conn: &mut DbConnection, user: &UserRow) -> QueryResult<UserView> {
    Ok(UserView {
        id: user.id.clone(),
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        active: user.active,
        roles: roles_of(conn, &user.id)?,
        publishers: publishers_of(conn, &user.id)?,
    })
}

/// A publisher a curator can be assigned to: slug, Czech and English name.
/// (The assignment is the accounts' table; the publishers are the
/// catalog's rows, read here as the database has them.)
pub fn publisher_choices(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(String, String, Option<String>)>> {
    publishers::table
        .order((publishers::position.asc(), publishers::name_cs.asc()))
        .select((publishers::slug, publishers::name_cs, publishers::name_en))
        .load(conn)
}

/// Slugs of the publishers the user acts for, sorted.
pub fn publishers_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<String>> {
    user_publishers::table
        .inner_join(publishers::table)
        .filter(user_publishers::user_id.eq(user_id))
        .order(publishers::slug.asc())
        .select(publishers::slug)
        .load(conn)
}

/// Makes the user's publishers exactly these slugs (unknown slugs are the
/// caller's to refuse; here they are skipped).
fn set_publishers(conn: &mut DbConnection, user_id: &str, slugs: &[String]) -> QueryResult<()> {
    diesel::delete(user_publishers::table.filter(user_publishers::user_id.eq(user_id)))
        .execute(conn)?;
    let ids: Vec<String> = publishers::table
        .filter(publishers::slug.eq_any(slugs))
        .select(publishers::id)
        .load(conn)?;
    for pid in ids {
        diesel::insert_into(user_publishers::table)
            .values((
                user_publishers::user_id.eq(user_id),
                user_publishers::publisher_id.eq(pid),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn list_users(conn: &mut DbConnection) -> QueryResult<Vec<UserView>> {
    let rows: Vec<UserRow> = users::table
        .order(users::email.asc())
        .select(UserRow::as_select())
        .load(conn)?;
    let all_roles: Vec<(String, String)> = user_roles::table
        .select((user_roles::user_id, user_roles::role))
        .load(conn)?;
    let all_publishers: Vec<(String, String)> = user_publishers::table
        .inner_join(publishers::table)
        .order(publishers::slug.asc())
        .select((user_publishers::user_id, publishers::slug))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|u| {
            let mut roles: Vec<Role> = all_roles
                .iter()
                .filter(|(id, _)| *id == u.id)
                .filter_map(|(_, r)| Role::parse(r))
                .collect();
            roles.sort();
            let publishers = all_publishers
                .iter()
                .filter(|(id, _)| *id == u.id)
                .map(|(_, slug)| slug.clone())
                .collect();
            UserView {
                publishers,
                id: u.id,
                email: u.email,
                display_name: u.display_name,
                active: u.active,
                roles,
            }
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user with this e-mail already exists")]
    EmailTaken,
    #[error("no such user")]
    NotFound,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub roles: &'a [Role],
    pub publishers: &'a [String],
}

pub fn create_user(
    conn: &mut DbConnection,
    actor: &Actor,
    new: NewUser<'_>,
) -> Result<UserView, UserError> {
    audit::write_tx(conn, |c| {
        let email = normalize_email(new.email);
        if find_by_email(c, &email)?.is_some() {
            return Err(UserError::EmailTaken);
        }
        let id = new_id();
        let ts = now();
        diesel::insert_into(users::table)
            .values((
                users::id.eq(&id),
                users::email.eq(&email),
                users::display_name.eq(new.display_name.trim()),
                users::password_hash.eq(new.password_hash),
                users::active.eq(true),
                users::created_at.eq(ts),
                users::updated_at.eq(ts),
            ))
            .execute(c)?;
        set_roles(c, &id, new.roles)?;
        set_publishers(c, &id, new.publishers)?;
        let row = find_by_id(c, &id)?.ok_or(UserError::NotFound)?;
        let view = view(c, &row)?;
        audit::store::record_change(c, actor, "user", &id, &email, None, Some(&view))?;
        Ok(view)
    })
}

fn set_roles(conn: &mut DbConnection, user_id: &str, roles: &[Role]) -> QueryResult<()> {
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user_id))).execute(conn)?;
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    for role in roles {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(user_id),
                user_roles::role.eq(role.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub struct UserUpdate<'a> {
    pub display_name: &'a str,
    pub roles: &'a [Role],
    pub publishers: &'a [String],
    pub active: bool,
}

/// The ids of the users who act for the publisher.
pub fn curators_of(conn: &mut DbConnection, publisher_id: &str) -> QueryResult<Vec<String>> {
    user_publishers::table
        .filter(user_publishers::publisher_id.eq(publisher_id))
        .select(user_publishers::user_id)
        .load(conn)
}

/// Makes exactly these users (curators) act for the publisher: each user
/// whose set changes is audited as a change of that user.
pub fn set_curators_of(
    conn: &mut DbConnection,
    actor: &Actor,
    publisher_id: &str,
    user_ids: &[String],
) -> Result<(), UserError> {
    audit::write_tx(conn, |c| {
        let now_acting: Vec<String> = user_publishers::table
            .filter(user_publishers::publisher_id.eq(publisher_id))
            .select(user_publishers::user_id)
            .load(c)?;
        let mut touched: Vec<&String> = now_acting
            .iter()
            .filter(|u| !user_ids.contains(u))
            .chain(user_ids.iter().filter(|u| !now_acting.contains(u)))
            .collect();
        touched.sort();
        touched.dedup();
        for id in touched {
            let row = find_by_id(c, id)?.ok_or(UserError::NotFound)?;
            let before = view(c, &row)?;
            if user_ids.contains(id) {
                diesel::insert_into(user_publishers::table)
                    .values((
                        user_publishers::user_id.eq(id),
                        user_publishers::publisher_id.eq(publisher_id),
                    ))
                    .execute(c)?;
            } else {
                diesel::delete(
                    user_publishers::table
                        .filter(user_publishers::user_id.eq(id))
                        .filter(user_publishers::publisher_id.eq(publisher_id)),
                )
                .execute(c)?;
            }
            let after = view(c, &row)?;
            audit::store::record_change(
                c,
                actor,
                "user",
                id,
                &after.email,
                Some(&before),
                Some(&after),
            )?;
        }
        Ok(())
    })
}

pub fn update_user(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    upd: UserUpdate<'_>,
) -> Result<UserView, UserError> {
    audit::write_tx(conn, |c| {
        let row = find_by_id(c, id)?.ok_or(UserError::NotFound)?;
        let before = view(c, &row)?;
        diesel::update(users::table.find(id))
            .set((
                users::display_name.eq(upd.display_name.trim()),
                users::active.eq(upd.active),
                users::updated_at.eq(now()),
            ))
            .execute(c)?;
        set_roles(c, id, upd.roles)?;
        set_publishers(c, id, upd.publishers)?;
        if !upd.active {
            // A disabled account loses its sessions at once.
            diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(c)?;
        }
        let row = find_by_id(c, id)?.ok_or(UserError::NotFound)?;
        let after = view(c, &row)?;
        audit::store::record_change(
            c,
            actor,
            "user",
            id,
            &after.email,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// What else a password change ends: every other session of the user (a
/// stolen cookie stops working), and the API tokens when asked.
pub struct PasswordChange<'a> {
    pub password_hash: &'a str,
    /// The session the change was made in, which stays.
    pub keep_session: Option<&'a str>,
    pub revoke_tokens: bool,
}

pub fn set_password(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    change: PasswordChange<'_>,
) -> Result<(), UserError> {
    audit::write_tx(conn, |c| {
        let row = find_by_id(c, id)?.ok_or(UserError::NotFound)?;
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(change.password_hash),
                users::updated_at.eq(now()),
            ))
            .execute(c)?;
        let keep = change
            .keep_session
            .map(super::sha256_hex)
            .unwrap_or_default();
        diesel::delete(
            sessions::table
                .filter(sessions::user_id.eq(id))
                .filter(sessions::id.ne(keep)),
        )
        .execute(c)?;
        if change.revoke_tokens {
            diesel::update(
                api_tokens::table
                    .filter(api_tokens::user_id.eq(id))
                    .filter(api_tokens::revoked_at.is_null()),
            )
            .set(api_tokens::revoked_at.eq(Some(now())))
            .execute(c)?;
        }
        // The log says that the password changed, never what it is.
        audit::record(
            c,
            actor,
            audit::Entry {
                action: "password_change",
                object_type: "user",
                object_id: id,
                object_label: &row.email,
                before: None,
                after: None,
            },
        )?;
        Ok(())
    })
}

// --- password resets ------------------------------------------------------

/// How long a reset link works.
pub const RESET_HOURS: i64 = 24;

/// A one-time link for the user to set a new password: answers the secret
/// (which goes into the link, once) and stores only its hash. Earlier links
/// of the user stop working. Audited on the user, without the secret.
pub fn create_reset(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: &str,
) -> Result<String, UserError> {
    audit::write_tx(conn, |c| {
        let row = find_by_id(c, user_id)?.ok_or(UserError::NotFound)?;
        diesel::update(
            password_resets::table
                .filter(password_resets::user_id.eq(user_id))
                .filter(password_resets::used_at.is_null()),
        )
        .set(password_resets::used_at.eq(Some(now())))
        .execute(c)?;
        let secret = super::random_secret();
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::id.eq(super::sha256_hex(&secret)),
                password_resets::user_id.eq(user_id),
                password_resets::created_at.eq(now()),
                password_resets::expires_at.eq(now() + chrono::Duration::hours(RESET_HOURS)),
            ))
            .execute(c)?;
        audit::record(
            c,
            actor,
            audit::Entry {
                action: "password_reset_link",
                object_type: "user",
                object_id: user_id,
                object_label: &row.email,
                before: None,
                after: None,
            },
        )?;
        Ok(secret)
    })
}

/// The active user a reset link (still unused and unexpired) is for.
pub fn reset_user(conn: &mut DbConnection, secret: &str) -> QueryResult<Option<UserRow>> {
    let found: Option<String> = password_resets::table
        .filter(password_resets::id.eq(super::sha256_hex(secret)))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now()))
        .select(password_resets::user_id)
        .first(conn)
        .optional()?;
    Ok(match found {
        Some(id) => find_by_id(conn, &id)?.filter(|u| u.active),
        None => None,
    })
}

/// Spends the link and sets the password (every session of the user ends);
/// `Ok(None)` when the link does not work (any more).
pub fn use_reset(
    conn: &mut DbConnection,
    secret: &str,
    password_hash: &str,
) -> Result<Option<UserRow>, UserError> {
    audit::write_tx(conn, |c| {
        let Some(user) = reset_user(c, secret)? else {
            return Ok(None);
        };
        diesel::update(password_resets::table.find(super::sha256_hex(secret)))
            .set(password_resets::used_at.eq(Some(now())))
            .execute(c)?;
        set_password(
            c,
            &Actor {
                id: Some(user.id.clone()),
                label: user.email.clone(),
            },
            &user.id,
            PasswordChange {
                password_hash,
                keep_session: None,
                revoke_tokens: false,
            },
        )?;
        Ok(Some(user))
    })
}

/// When the user's password last changed (by themselves, an admin or a
/// reset link), from the audit log; `None` if never since the account was
/// made.
pub fn password_changed_at(
    conn: &mut DbConnection,
    user_id: &str,
) -> QueryResult<Option<chrono::NaiveDateTime>> {
    use crate::db::schema::audit_log;
    audit_log::table
        .filter(audit_log::object_type.eq("user"))
        .filter(audit_log::object_id.eq(user_id))
        .filter(audit_log::action.eq("password_change"))
        .select(diesel::dsl::max(audit_log::at))
        .first(conn)
}

// --- sessions -------------------------------------------------------------

/// Creates a session and returns the secret that goes into the cookie.
pub fn create_session(conn: &mut DbConnection, user_id: &str, hours: i64) -> QueryResult<String> {
    let secret = super::random_secret();
    let ts = now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(super::sha256_hex(&secret)),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(ts),
            sessions::expires_at.eq(ts + Duration::hours(hours)),
        ))
        .execute(conn)?;
    // Expired sessions of anyone are swept here rather than by a timer.
    diesel::delete(sessions::table.filter(sessions::expires_at.lt(ts))).execute(conn)?;
    Ok(secret)
}

pub fn delete_session(conn: &mut DbConnection, secret: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.find(super::sha256_hex(secret))).execute(conn)?;
    Ok(())
}

pub fn user_by_session(conn: &mut DbConnection, secret: &str) -> QueryResult<Option<UserRow>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(super::sha256_hex(secret)))
        .filter(sessions::expires_at.gt(now()))
        .filter(users::active.eq(true))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

// --- API tokens -----------------------------------------------------------

#[derive(Queryable, Selectable, Serialize, Debug, Clone, PartialEq)]
#[diesel(table_name = api_tokens)]
pub struct TokenView {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub const TOKEN_PREFIX: &str = "rdn_";

/// Creates a token; the secret is returned once and only its hash is kept.
pub fn create_token(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: &str,
    name: &str,
) -> Result<(TokenView, String), UserError> {
    audit::write_tx(conn, |c| {
        let owner = find_by_id(c, user_id)?.ok_or(UserError::NotFound)?;
        let secret = format!("{TOKEN_PREFIX}{}", super::random_secret());
        let id = new_id();
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::id.eq(&id),
                api_tokens::user_id.eq(user_id),
                api_tokens::name.eq(name.trim()),
                api_tokens::token_hash.eq(super::sha256_hex(&secret)),
                api_tokens::created_at.eq(now()),
            ))
            .execute(c)?;
        let view: TokenView = api_tokens::table
            .find(&id)
            .select(TokenView::as_select())
            .first(c)?;
        let label = format!("{} / {}", owner.email, view.name);
        audit::store::record_change(c, actor, "api_token", &id, &label, None, Some(&view))?;
        Ok((view, secret))
    })
}

pub fn tokens_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<TokenView>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::created_at.desc())
        .select(TokenView::as_select())
        .load(conn)
}

pub fn revoke_token(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: &str,
    token_id: &str,
) -> Result<(), UserError> {
    audit::write_tx(conn, |c| {
        let before: TokenView = api_tokens::table
            .find(token_id)
            .filter(api_tokens::user_id.eq(user_id))
            .select(TokenView::as_select())
            .first(c)
            .optional()?
            .ok_or(UserError::NotFound)?;
        if before.revoked_at.is_some() {
            return Ok(());
        }
        diesel::update(api_tokens::table.find(token_id))
            .set(api_tokens::revoked_at.eq(Some(now())))
            .execute(c)?;
        let after: TokenView = api_tokens::table
            .find(token_id)
            .select(TokenView::as_select())
            .first(c)?;
        audit::store::record_change(
            c,
            actor,
            "api_token",
            token_id,
            &after.name,
            Some(&before),
            Some(&after),
        )?;
        Ok(())
    })
}

/// Resolves a bearer secret and stamps its last-used time.
pub fn user_by_token(conn: &mut DbConnection, secret: &str) -> QueryResult<Option<UserRow>> {
    let hash = super::sha256_hex(secret);
    let found: Option<(String, UserRow)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(&hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(users::active.eq(true))
        .select((api_tokens::id, UserRow::as_select()))
        .first(conn)
        .optional()?;
    let Some((token_id, user)) = found else {
        return Ok(None);
    };
    diesel::update(api_tokens::table.find(token_id))
        .set(api_tokens::last_used_at.eq(Some(now())))
        .execute(conn)?;
    Ok(Some(user))
}

impl From<UserError> for crate::error::AppError {
    fn from(e: UserError) -> Self {
        use crate::error::{AppError, FieldError};
        match e {
            UserError::EmailTaken => {
                AppError::Validation(vec![FieldError::new("email", "user_email_taken")])
            }
            UserError::NotFound => AppError::NotFound,
            UserError::Db(e) => e.into(),
        }
    }
}

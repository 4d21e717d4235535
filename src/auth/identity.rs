//! Who is asking: a session cookie (browsers) or `Authorization: Bearer`
//! (API clients). Resolved once per request and cached in its extensions.

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;

use super::Role;
use super::store;
use crate::AppState;
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "radnice_session";

#[derive(Clone, Debug, Serialize)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub via_token: bool,
}

impl CurrentUser {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor {
            id: Some(self.id.clone()),
            label: self.email.clone(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Identity(Option<CurrentUser>);

impl Identity {
    pub fn user(&self) -> Option<&CurrentUser> {
        self.0.as_ref()
    }
}

/// The signed-in user of a session's or a token's account row.
pub fn current_user(
    conn: &mut crate::db::DbConnection,
    u: store::UserRow,
    via_token: bool,
) -> diesel::QueryResult<CurrentUser> {
    let roles = store::roles_of(conn, &u.id)?;
    Ok(CurrentUser {
        id: u.id,
        email: u.email,
        display_name: u.display_name,
        roles,
        via_token,
    })
}

pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

impl FromRequest for Identity {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(known) = req.extensions().get::<Identity>() {
            let known = known.clone();
            return Box::pin(async move { Ok(known) });
        }
        let req = req.clone();
        Box::pin(async move {
            let token = bearer(&req);
            // The JSON API's writes take a bearer token, never the session
            // cookie: a browser's cookie cannot be made to write through it
            // (and so it needs no CSRF token).
            let api_write = crate::web::is_api(&req) && !req.method().is_safe();
            let session = req
                .cookie(SESSION_COOKIE)
                .filter(|_| !api_write)
                .map(|c| c.value().to_string());
            if token.is_none() && session.is_none() {
                return Ok(Identity(None));
            }
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
            let via_token = token.is_some();
            let found = crate::db::run(&state.pool, move |c| {
                let row = match (&token, &session) {
                    (Some(t), _) => store::user_by_token(c, t)?,
                    (None, Some(s)) => store::user_by_session(c, s)?,
                    (None, None) => None,
                };
                row.map(|u| current_user(c, u, via_token)).transpose()
            })
            .await?;
            // A wrong bearer token is an error, not anonymity: the client
            // meant to authenticate and must learn that it failed.
            if via_token && found.is_none() {
                return Err(AppError::Unauthenticated);
            }
            let identity = Identity(found);
            req.extensions_mut().insert(identity.clone());
            Ok(identity)
        })
    }
}

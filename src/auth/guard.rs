//! `Authorized<P, T>`: a handler's body `T` is read only after the caller is
//! known and holds permission `P`. actix runs a handler's extractors
//! together, so a plain `web::Json<T>` beside `Identity` would read (and
//! judge) an anonymous body before the 401: an anonymous client learned the
//! field list from the 400, and an anonymous upload was buffered whole
//! before its 403.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::{CurrentUser, Identity, Permission, authorize};

/// A permission named as a type, for `Authorized`.
pub trait Needs {
    const PERMISSION: Permission;
}

pub struct EditCatalog;
impl Needs for EditCatalog {
    const PERMISSION: Permission = Permission::EditCatalog;
}

pub struct TrackStrategy;
impl Needs for TrackStrategy {
    const PERMISSION: Permission = Permission::TrackStrategy;
}

pub struct ManageUsers;
impl Needs for ManageUsers {
    const PERMISSION: Permission = Permission::ManageUsers;
}

pub struct Authorized<P, T> {
    pub user: CurrentUser,
    pub body: T,
    _permission: PhantomData<P>,
}

impl<P: Needs + 'static, T: FromRequest + 'static> FromRequest for Authorized<P, T>
where
    T::Error: Into<actix_web::Error>,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        // The body stays untouched until the check below has passed.
        let mut payload = payload.take();
        Box::pin(async move {
            let identity = Identity::from_request(&req, &mut Payload::None).await?;
            let user = authorize(&identity, P::PERMISSION)?.clone();
            let body = T::from_request(&req, &mut payload)
                .await
                .map_err(Into::into)?;
            Ok(Authorized {
                user,
                body,
                _permission: PhantomData,
            })
        })
    }
}

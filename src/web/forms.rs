//! HTML form bodies. Browsers send repeated fields for checkbox groups
//! (`roles=a&roles=b`); `serde_html_form` gathers them into a `Vec` for any
//! field typed so, and no list of such field names is kept here.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A URL-encoded form body, read within the app's body limit.
pub struct Form<T>(pub T);

impl<T> Form<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Form<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_form = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
        // Bounded by the app's `PayloadConfig`, like every other body.
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_form {
                return Err(AppError::UnsupportedMediaType.into());
            }
            let body = body.await?;
            serde_html_form::from_bytes::<T>(&body)
                .map(Form)
                .map_err(|e| AppError::bad_request(e.to_string(), None).into())
        })
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Checkboxes {
        #[serde(default)]
        roles: Vec<String>,
        name: String,
    }

    #[test]
    fn repeated_fields_become_a_list_without_naming_them() {
        let one: Result<Checkboxes, _> = serde_html_form::from_str("roles=a&name=x&roles=b");
        assert_eq!(
            one.ok(),
            Some(Checkboxes {
                roles: vec!["a".into(), "b".into()],
                name: "x".into()
            })
        );
        let none: Result<Checkboxes, _> = serde_html_form::from_str("name=y");
        assert_eq!(none.ok().map(|c| c.roles.len()), Some(0));
    }
}

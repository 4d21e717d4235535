//! One error type for the web boundary. A handler returns `AppError`; the
//! error middleware (`web::errors`) turns it into an HTML page or an RFC 9457
//! problem document in the user's language, whichever the client asked for.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    /// An i18n message key, translated when rendered.
    pub message: String,
    /// Where in an uploaded file (a CSV import): line and column, from 1.
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// Which feature of an imported GIS layer: its number from 1 and its
    /// id when it has one (`3 (H002)`).
    pub feature: Option<String>,
}

impl FieldError {
    pub fn new(field: &str, message_key: &str) -> Self {
        FieldError {
            field: field.to_string(),
            message: message_key.to_string(),
            line: None,
            column: None,
            feature: None,
        }
    }

    /// A problem of one feature of an imported layer.
    pub fn in_feature(feature: impl Into<String>, message_key: &str) -> Self {
        FieldError {
            feature: Some(feature.into()),
            ..FieldError::new("file", message_key)
        }
    }

    /// A field error in line `line`, column `column` of a file.
    pub fn at(line: u64, column: u64, field: &str, message_key: &str) -> Self {
        FieldError {
            line: Some(line),
            column: Some(column),
            ..FieldError::new(field, message_key)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Not found, saying what is missing (a page past the list's end).
    #[error("not found: {0}")]
    Missing(String),
    /// Withdrawn: the URL stays, with why it is gone.
    #[error("gone: {0}")]
    Gone(String),
    #[error("bad request: {detail}")]
    BadRequest {
        detail: String,
        field: Option<String>,
    },
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("authentication required")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid or missing CSRF token")]
    Csrf,
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The address takes no such method, saying why.
    #[error("method not allowed: {0}")]
    MethodNotAllowed(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A lifecycle step that its table does not allow (for this user).
    #[error("cannot move from {from} to {to}")]
    Transition {
        from: &'static str,
        to: String,
        allowed: Vec<&'static str>,
    },
    /// The object changed since the client read it (`If-Match`): 412.
    #[error("precondition failed")]
    PreconditionFailed,
    /// The object changed since the form was opened: 409.
    #[error("stale edit")]
    Stale,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Overloaded for now: 503 with Retry-After.
    #[error("busy: {detail}")]
    Busy { detail: String, retry_after: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn bad_request(detail: impl Into<String>, field: Option<&str>) -> Self {
        AppError::BadRequest {
            detail: detail.into(),
            field: field.map(str::to_string),
        }
    }

    /// The i18n key of the short title of this kind of error.
    pub fn title_key(&self) -> &'static str {
        match self {
            AppError::NotFound | AppError::Missing(_) => "error_not_found",
            AppError::Gone(_) => "error_gone",
            AppError::BadRequest { .. } => "error_bad_request",
            AppError::Validation(_) => "error_validation",
            AppError::Unauthenticated => "error_unauthenticated",
            AppError::Forbidden => "error_forbidden",
            AppError::Csrf => "error_csrf",
            AppError::TooManyRequests { .. } => "error_too_many",
            AppError::PayloadTooLarge => "error_too_large",
            AppError::UnsupportedMediaType => "error_media_type",
            AppError::MethodNotAllowed(_) => "error_method",
            AppError::Conflict(_) => "error_conflict",
            AppError::Transition { .. } => "error_transition",
            AppError::PreconditionFailed => "error_precondition",
            AppError::Stale => "error_stale",
            AppError::Unavailable(_) | AppError::Busy { .. } => "error_unavailable",
            AppError::Internal(_) => "error_internal",
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Unavailable(format!("database: {e}"))
    }
}

impl<E: Into<AppError>> From<crate::db::RunError<E>> for AppError {
    fn from(e: crate::db::RunError<E>) -> Self {
        match e {
            crate::db::RunError::Pool(e) => e.into(),
            crate::db::RunError::Blocking => {
                AppError::Internal(anyhow::anyhow!("blocking task failed"))
            }
            crate::db::RunError::Work(e) => e.into(),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Missing(_) => StatusCode::NOT_FOUND,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) | AppError::Transition { .. } | AppError::Stale => {
                StatusCode::CONFLICT
            }
            AppError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            AppError::Unavailable(_) | AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A bare response; the error middleware renders the body because only
    /// it sees the request (Accept header, language).
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let AppError::TooManyRequests { retry_after } | AppError::Busy { retry_after, .. } = self
        {
            res.insert_header(("Retry-After", retry_after.to_string()));
        }
        if let AppError::Internal(e) = self {
            log::error!("internal error: {e:#}");
        }
        res.finish()
    }
}

pub type AppResult<T> = Result<T, AppError>;

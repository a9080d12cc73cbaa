//! The one error type of `serve`: every refusal carries its HTTP status and a message that
//! names what was wrong (the file, the entry, the limit), sent as plain text.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The request itself is wrong (a bad option, a hostile archive entry, …).
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// Missing or wrong token.
    #[error("{0}")]
    Unauthorized(String),
    /// Cross-site request, foreign Host header, path outside --allow-path.
    #[error("{0}")]
    Forbidden(String),
    /// The upload or an archive inside it is over a cap.
    #[error("{0}")]
    TooLarge(String),
    /// The run is not in a state that allows the action (cancel a finished run, …).
    #[error("{0}")]
    Conflict(String),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("run database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("{0}")]
    Internal(String),
}

pub type Result<T> = std::result::Result<T, ServeError>;

impl ServeError {
    /// An I/O error with what was being done (and on which path).
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ServeError::Io { context: context.into(), source }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ServeError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServeError::NotFound(_) => StatusCode::NOT_FOUND,
            ServeError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ServeError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServeError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ServeError::Conflict(_) => StatusCode::CONFLICT,
            ServeError::Io { .. } | ServeError::Db(_) | ServeError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ServeError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            eprintln!("serve: error: {self}");
        }
        // text/plain (and nosniff, set by the guard): a message never renders as HTML
        (status, [("content-type", "text/plain; charset=utf-8")], format!("{self}\n")).into_response()
    }
}

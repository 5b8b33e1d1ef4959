//! The request being handled: its id, its path and the idempotency key it
//! claimed, carried in a task-local to the code deep below the handler (the
//! problem documents, log lines and transactions it leads to).
//!
//! Only the data lives here, at the bottom of the layers, so that errors
//! and the database can name the request; the middleware that makes the
//! context is `http::request_id`.

use actix_web::http::header::HeaderName;

use crate::messages::Language;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub request_id: String,
    pub path: String,
    /// The `Idempotency-Key` this request claimed: its writes mark it
    /// committed in their own transaction.
    pub idempotency: Option<IdempotencyClaim>,
    /// The language the client's `Accept-Language` asked for, among those
    /// offered: what problem documents are said in.
    pub language: Language,
}

/// An `Idempotency-Key` as it is claimed: the token, the method and path,
/// the client's key (see `idempotency`).
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub token_id: String,
    pub method: String,
    pub path: String,
    pub key: String,
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

/// The context of the request this task is handling, if any.
pub fn current() -> Option<RequestContext> {
    CONTEXT.try_with(Clone::clone).ok()
}

/// Runs `f` as part of the request `context` describes (a middleware that
/// adds to the context runs the rest of the request so).
pub async fn scope<F: std::future::Future>(context: RequestContext, f: F) -> F::Output {
    CONTEXT.scope(context, f).await
}

/// Runs `f` (on another thread: the blocking pool) as part of the request
/// `context` belongs to, so that errors and log lines made there name it.
pub fn within<R>(context: Option<RequestContext>, f: impl FnOnce() -> R) -> R {
    match context {
        Some(context) => CONTEXT.sync_scope(context, f),
        None => f(),
    }
}

/// The language of the request this task is handling (English outside one).
pub fn language() -> Language {
    CONTEXT.try_with(|c| c.language).unwrap_or_default()
}

/// The request id for a log line: the current request's, or "-".
pub fn log_id() -> String {
    current().map_or_else(|| "-".to_owned(), |c| c.request_id)
}

//! One error type for the whole API, answered as RFC 9457 `application/problem+json`.
//!
//! Handlers return `Result<_, ApiError>`. Client mistakes carry a stable `code`
//! and, for invalid input, one [`FieldError`] per bad field. Server faults are
//! logged with their cause and answered with a generic body: internals never
//! reach the client.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

use crate::context;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation-failed", "title": "Invalid input", "status": 422,
    "detail": "1 field is invalid", "instance": "/api/v1/associations",
    "code": "VALIDATION_FAILED", "request_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    "errors": [{"pointer": "/parent_id", "code": "LEVEL_ORDER",
                "detail": "a commune cannot be the parent of a district"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    #[schema(max_length = 100)]
    pub type_: String,
    /// A short summary of the kind of problem.
    #[schema(max_length = 100)]
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    #[schema(max_length = 1000)]
    pub detail: String,
    /// The path of the request that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 1000)]
    pub instance: Option<String>,
    /// A stable UPPER_SNAKE reason that clients can branch on.
    #[schema(max_length = 64)]
    pub code: String,
    /// The request id, as in the `X-Request-Id` response header.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 128)]
    pub request_id: Option<String>,
    /// One entry per invalid field or parameter.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The report of an import refused as a whole: what each row would have
    /// done, and why each rejected row was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = import_report_schema)]
    pub report: Option<serde_json::Value>,
}

/// The schema of [`Problem::report`]: the imports' `ImportReport`, named
/// rather than imported (this type sits below every resource).
fn import_report_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::RefBuilder;
    use utoipa::openapi::schema::{Object, OneOfBuilder, Type};
    let description = "The report of an import refused as a whole: what each row would have\n\
                       done, and why each rejected row was rejected.";
    let report = RefBuilder::new()
        .ref_location_from_schema_name("ImportReport")
        .description(Some(description));
    OneOfBuilder::new()
        .item(report)
        .item(Object::with_type(Type::Null))
        .into()
}

/// What is wrong with one field of the body or one request parameter.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldError {
    /// A JSON Pointer into the request body (`/parent_id`), or the name of the parameter.
    #[schema(max_length = 1000)]
    pub pointer: String,
    /// A stable UPPER_SNAKE reason.
    #[schema(max_length = 64)]
    pub code: String,
    /// A human-readable explanation.
    #[schema(max_length = 1000)]
    pub detail: String,
}

/// The most characters of client-influenced text (a member name, a path)
/// a problem document repeats, as its schema says.
const ECHO_MAX: usize = 1000;

/// `text` cut to [`ECHO_MAX`] characters, ending in '…' when cut.
fn bounded(text: String) -> String {
    match text.char_indices().nth(ECHO_MAX - 1) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, code: &str, detail: impl Into<String>) -> Self {
        Self {
            pointer: bounded(pointer.into()),
            code: code.to_owned(),
            detail: bounded(detail.into()),
        }
    }
}

/// An error answered to the client as a problem document.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: Box<str>,
    errors: Vec<FieldError>,
    headers: Vec<(header::HeaderName, String)>,
    /// A deadlock or serialization failure: the same transaction may succeed
    /// if run again.
    transient: bool,
    /// The import report a refused import answers with.
    report: Option<Box<serde_json::Value>>,
    /// The request the error was made in: an error that actix renders after
    /// the request's task (one a middleware returns) still names it.
    context: Option<Box<context::RequestContext>>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, title: &'static str, detail: String) -> Self {
        Self {
            transient: false,
            report: None,
            context: context::current().map(Box::new),
            status,
            code,
            title,
            detail: detail.into_boxed_str(),
            errors: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// 400: the request itself cannot be read (malformed JSON, bad query parameter).
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request", detail.into())
    }

    /// 400 naming the offending query parameter or header.
    pub fn bad_parameter(name: &str, code: &'static str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let mut error = Self::bad_request(code, format!("{name}: {detail}"));
        error.errors.push(FieldError::new(name, code, detail));
        error
    }

    /// 401: no usable credentials. `invalid_token` when a token was sent but
    /// is unknown, expired or revoked (RFC 6750 §3.1).
    pub fn unauthorized(
        code: &'static str,
        detail: impl Into<String>,
        invalid_token: bool,
    ) -> Self {
        let mut error = Self::new(
            StatusCode::UNAUTHORIZED,
            code,
            "Unauthorized",
            detail.into(),
        );
        let challenge = if invalid_token {
            "Bearer realm=\"khuyenhoc\", error=\"invalid_token\""
        } else {
            "Bearer realm=\"khuyenhoc\""
        };
        error
            .headers
            .push((header::WWW_AUTHENTICATE, challenge.to_owned()));
        error
    }

    /// 403: the caller is known but its role or scope does not allow this.
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, "Forbidden", detail.into())
    }

    /// 404: no such resource (or one the caller may not see).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Not found",
            format!("{what} was not found"),
        )
    }

    /// 404 for a path that names no resource at all.
    pub fn no_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Not found",
            "no resource has this path; the operations are listed at /api-docs/openapi.json"
                .to_owned(),
        )
    }

    /// An error raised by a layer that does not speak problem documents (the
    /// CORS middleware refusing a preflight), with its status and reason.
    pub fn refused(status: StatusCode, detail: impl Into<String>) -> Self {
        let reason = status.canonical_reason().unwrap_or("Error");
        let code = match status.as_u16() {
            400 => "BAD_REQUEST",
            401 => "UNAUTHORIZED",
            403 => "FORBIDDEN",
            404 => "NOT_FOUND",
            405 => "METHOD_NOT_ALLOWED",
            500..=599 => "INTERNAL_ERROR",
            _ => "REQUEST_REFUSED",
        };
        Self::new(status, code, reason, detail.into())
    }

    /// 408: the request body did not arrive in time.
    pub fn request_timeout(limit: std::time::Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "REQUEST_TIMEOUT",
            "Request timeout",
            format!(
                "the request body did not arrive within {} s",
                limit.as_secs_f64()
            ),
        )
    }

    /// 409: the request conflicts with the current state of a resource.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, "Conflict", detail.into())
    }

    /// 412: the `If-Match` precondition does not hold.
    pub fn precondition_failed(current_version: i64) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "PRECONDITION_FAILED",
            "Precondition failed",
            format!(
                "If-Match does not match the current version \"{current_version}\": \
                 read the resource again and retry"
            ),
        )
    }

    /// 428: this write changes an official record and must say which version
    /// it is based on.
    pub fn precondition_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "PRECONDITION_REQUIRED",
            "Precondition required",
            "send If-Match with the ETag of the version this change is based on".to_owned(),
        )
    }

    /// 413: the body is larger than the service accepts.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "Payload too large",
            format!("the request body is larger than {limit} bytes"),
        )
    }

    /// 415: the body is not in a media type the operation accepts.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Unsupported media type",
            detail.into(),
        )
    }

    /// 422: well-formed input that breaks one or more rules.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "1 field is invalid".to_owned(),
            n => format!("{n} fields are invalid"),
        };
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
            "Invalid input",
            detail,
        );
        error.errors = errors;
        error
    }

    /// 422 for a single field.
    pub fn invalid_field(pointer: &str, code: &str, detail: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(pointer, code, detail)])
    }

    /// 503: a resource of the service is exhausted for now; the client may retry.
    /// 429: the token's requests per minute are spent; `wait` until the next.
    pub fn too_many_requests(per_minute: u32, wait: std::time::Duration) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "Too many requests",
            format!("this token may send {per_minute} requests a minute; retry later"),
        );
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        error
            .headers
            .push((header::RETRY_AFTER, seconds.max(1).to_string()));
        error
    }

    /// 429 `code`: the client must wait `wait_secs` before trying again.
    pub fn throttled(code: &'static str, detail: impl Into<String>, wait_secs: u32) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            code,
            "Too many requests",
            detail.into(),
        )
        .retry_after(wait_secs.max(1))
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "Service unavailable",
            detail.into(),
        );
        error.headers.push((header::RETRY_AFTER, "1".to_owned()));
        error
    }

    /// 405: the path exists but does not answer this method; `allow` lists those it does.
    /// 406 when `Accept` admits none of the forms a resource has.
    pub fn not_acceptable(available: &str) -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "NOT_ACCEPTABLE",
            "Not acceptable",
            format!("this resource is available as {available}"),
        )
    }

    pub fn method_not_allowed(method: &str, allow: &str) -> Self {
        let mut error = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "Method not allowed",
            format!("{method} is not allowed here; allowed: {allow}"),
        );
        error.headers.push((header::ALLOW, allow.to_owned()));
        error
    }

    /// 500: a fault of the service. The cause is logged, never sent.
    pub fn internal(cause: impl fmt::Display) -> Self {
        log::error!("internal error (request {}): {cause}", context::log_id());
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "Internal server error",
            "the service failed to handle the request; it has been logged".to_owned(),
        )
    }

    /// 503 for a transaction the database ended to let a concurrent one
    /// through; [`crate::db::Db::write`] runs it again before answering so.
    fn transient() -> Self {
        let mut error = Self::unavailable("a concurrent change interfered; retry the request");
        error.transient = true;
        error
    }

    /// Whether running the same transaction again may succeed.
    /// The same error, made in the current request (one error answers every
    /// write of a group whose commit failed).
    pub fn in_this_request(mut self) -> Self {
        self.context = context::current().map(Box::new);
        self
    }

    pub fn is_transient(&self) -> bool {
        self.transient
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// 422 for a request refused as a whole (`code` says why), not for one field.
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            "Unprocessable request",
            detail.into(),
        )
    }

    /// This error with `Retry-After: seconds`.
    pub fn retry_after(mut self, seconds: u32) -> Self {
        self.headers
            .push((header::RETRY_AFTER, seconds.to_string()));
        self
    }

    /// This error with an import report in its problem document.
    pub fn with_report(mut self, report: serde_json::Value) -> Self {
        self.report = Some(Box::new(report));
        self
    }

    pub fn detail(&self) -> &str {
        &self.detail
    }

    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The problem document for this error in the current request.
    pub fn problem(&self) -> Problem {
        let context = self.context.as_deref().cloned().or_else(context::current);
        Problem {
            type_: format!("/problems/{}", self.code.to_lowercase().replace('_', "-")),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: bounded(self.detail.to_string()),
            instance: context.as_ref().map(|c| bounded(c.path.clone())),
            code: self.code.to_owned(),
            request_id: context.map(|c| c.request_id),
            errors: self.errors.clone(),
            report: self.report.as_deref().cloned(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.as_str()));
        }
        let problem = self.problem();
        if let Some(id) = &problem.request_id {
            response.insert_header((context::X_REQUEST_ID, id.as_str()));
        }
        response.json(problem)
    }
}

/// A database that cannot serve for a while — shut down, restarted, out of
/// connections, out of disk, read-only, locked — answers 503
/// with `Retry-After`: the request was right and may be sent again. The
/// reason given to the client is one of these, never the database's text.
fn database_fault(message: &str) -> Option<&'static str> {
    const FAULTS: [(&str, &str); 11] = [
        (
            "database is locked",
            "the database is busy; retry the request",
        ),
        (
            "database or disk is full",
            "the database has no space left; retry later",
        ),
        ("disk I/O error", "the database cannot write; retry later"),
        (
            "readonly database",
            "the database is read-only; retry later",
        ),
        (
            "read-only transaction",
            "the database is read-only; retry later",
        ),
        (
            "terminating connection",
            "the database is shutting down; retry the request",
        ),
        (
            "shutting down",
            "the database is shutting down; retry the request",
        ),
        ("starting up", "the database is starting; retry the request"),
        (
            "too many connections",
            "the database has no free connection; retry the request",
        ),
        (
            "server closed the connection",
            "the connection to the database was lost; retry the request",
        ),
        (
            "connection",
            "the connection to the database was lost; retry the request",
        ),
    ];
    FAULTS
        .iter()
        .find(|(symptom, _)| message.contains(symptom))
        .map(|(_, reason)| *reason)
}

thread_local! {
    /// Set when a query on this thread met a fault of its connection or of
    /// the server (an error answered 503): `db` then drops the connection in
    /// hand rather than giving it back to the pool.
    static CONNECTION_FAULTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the connection this thread works with as faulty.
pub fn note_connection_fault() {
    CONNECTION_FAULTED.set(true);
}

/// Whether the connection this thread works with met a fault since this
/// was last asked; asking forgets it.
pub fn take_connection_fault() -> bool {
    CONNECTION_FAULTED.take()
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        let error = Self::from_database(error);
        // A fault of the connection or the server (not a transaction the
        // database ended for a concurrent one): the connection is not reused.
        if error.status == StatusCode::SERVICE_UNAVAILABLE && !error.transient {
            note_connection_fault();
        }
        error
    }
}

impl ApiError {
    fn from_database(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Self::not_found("the resource"),
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => Self::conflict(
                    "ALREADY_EXISTS",
                    "a resource with the same unique key already exists",
                ),
                DatabaseErrorKind::ForeignKeyViolation => Self::conflict(
                    "REFERENCED",
                    "the change would break a reference between resources",
                ),
                DatabaseErrorKind::SerializationFailure => Self::transient(),
                DatabaseErrorKind::ClosedConnection => {
                    Self::unavailable("the connection to the database was lost; retry the request")
                }
                _ if info.message().contains("deadlock detected") => Self::transient(),
                _ => match database_fault(info.message()) {
                    Some(reason) => {
                        log::warn!(
                            "database fault (request {}): {}",
                            context::log_id(),
                            info.message()
                        );
                        Self::unavailable(reason)
                    }
                    None => Self::internal(format!("database error: {}", info.message())),
                },
            },
            DieselError::BrokenTransactionManager => {
                Self::unavailable("the database connection broke; retry the request")
            }
            other => Self::internal(format!("database error: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        log::warn!("database pool (request {}): {error}", context::log_id());
        Self::unavailable("no database connection is free; retry the request")
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::internal(format!("blocking task failed: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlocks_and_serialization_failures_may_be_run_again() {
        let error = |kind, message: &str| {
            ApiError::from(DieselError::DatabaseError(
                kind,
                Box::new(message.to_owned()),
            ))
        };
        for transient in [
            error(
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access",
            ),
            error(DatabaseErrorKind::Unknown, "deadlock detected"),
        ] {
            assert!(transient.is_transient());
            assert_eq!(transient.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        }
        for other in [
            error(DatabaseErrorKind::UniqueViolation, "duplicate key"),
            error(DatabaseErrorKind::Unknown, "terminating connection"),
        ] {
            assert!(!other.is_transient());
        }
    }

    #[test]
    fn database_faults_are_told_from_mistakes() {
        for message in [
            "terminating connection due to administrator command",
            "database or disk is full",
            "attempt to write a readonly database",
            "sorry, too many clients already: too many connections",
            "the database system is shutting down",
            "database is locked",
        ] {
            assert!(database_fault(message).is_some(), "{message}");
        }
        for message in ["syntax error at or near \"x\"", "no such table: y"] {
            assert!(database_fault(message).is_none(), "{message}");
        }
    }
}

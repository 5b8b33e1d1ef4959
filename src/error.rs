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
use crate::messages::{Language, Message};
use crate::msg;

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
    pub errors: Vec<FieldProblem>,
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

/// What is wrong with one field of the body or one request parameter, as a
/// problem document says it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = FieldError)]
pub struct FieldProblem {
    /// A JSON Pointer into the request body (`/parent_id`), or the name of the parameter.
    #[schema(max_length = 1000)]
    pub pointer: String,
    /// A stable UPPER_SNAKE reason: the key for programs, the same in every language.
    #[schema(max_length = 64)]
    pub code: String,
    /// What is wrong and what to send instead, in the negotiated language.
    #[schema(max_length = 1000)]
    pub detail: String,
}

/// What is wrong with one field of the body or one request parameter: a
/// pointer, a stable code and a message of the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub pointer: String,
    pub code: String,
    pub message: Message,
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
    pub fn new(pointer: impl Into<String>, code: &str, message: Message) -> Self {
        Self {
            pointer: bounded(pointer.into()),
            code: code.to_owned(),
            message,
        }
    }

    /// The detail in the current request's language.
    pub fn detail(&self) -> String {
        self.message.render(context::language())
    }

    fn render(&self, language: Language) -> FieldProblem {
        FieldProblem {
            pointer: self.pointer.clone(),
            code: self.code.clone(),
            detail: bounded(self.message.render(language)),
        }
    }
}

/// An error answered to the client as a problem document.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    /// The catalogue's id of the title.
    title: &'static str,
    /// Boxed: an error travels in every `Result` of the service.
    detail: Box<Message>,
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
    fn new(status: StatusCode, code: &'static str, title: &'static str, detail: Message) -> Self {
        Self {
            transient: false,
            report: None,
            context: context::current().map(Box::new),
            status,
            code,
            title,
            detail: Box::new(detail),
            errors: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// 400: the request itself cannot be read (malformed JSON, bad query parameter).
    pub fn bad_request(code: &'static str, detail: Message) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "title-bad-request", detail)
    }

    /// 400 naming the offending query parameter or header.
    pub fn bad_parameter(name: &str, code: &'static str, detail: Message) -> Self {
        let mut error = Self::bad_request(
            code,
            msg!("bad-parameter", name = name, reason = detail.clone()),
        );
        error.errors.push(FieldError::new(name, code, detail));
        error
    }

    /// 401: no usable credentials. `invalid_token` when a token was sent but
    /// is unknown, expired or revoked (RFC 6750 §3.1).
    pub fn unauthorized(code: &'static str, detail: Message, invalid_token: bool) -> Self {
        let mut error = Self::new(StatusCode::UNAUTHORIZED, code, "title-unauthorized", detail);
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
    pub fn forbidden(code: &'static str, detail: Message) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, "title-forbidden", detail)
    }

    /// 404: no such resource (or one the caller may not see); `what` names it.
    pub fn not_found(what: Message) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "title-not-found",
            msg!("not-found", what = what),
        )
    }

    /// 404 for a path whose id is not an id at all (`/associations/15`):
    /// ids are UUIDs; `collection` lists the records with their ids, and,
    /// when `searchable`, finds one by the code or name the client meant
    /// with `?q=`.
    pub fn not_an_id(sent: &str, collection: &str, searchable: bool) -> Self {
        let detail = if searchable {
            let query: String = form_urlencoded::byte_serialize(sent.as_bytes()).collect();
            msg!(
                "not-found-not-an-id-search",
                sent = sent,
                search = format!("{collection}?q={query}")
            )
        } else {
            msg!("not-found-not-an-id", sent = sent, list = collection)
        };
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "title-not-found",
            detail,
        )
    }

    /// 404 for a path that names no resource at all.
    pub fn no_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "title-not-found",
            msg!("no-route"),
        )
    }

    /// An error raised by a layer that does not speak problem documents (the
    /// CORS middleware refusing a preflight), with its status; its own words
    /// (English, from a library) are logged, not sent.
    pub fn refused(status: StatusCode, reason: &str) -> Self {
        log::info!(
            "request {} refused with {status}: {reason}",
            context::log_id()
        );
        let (code, title, detail) = match status.as_u16() {
            400 => (
                "BAD_REQUEST",
                "title-bad-request",
                msg!("refused-bad-request"),
            ),
            401 => (
                "UNAUTHORIZED",
                "title-unauthorized",
                msg!("refused-unauthorized"),
            ),
            403 => ("FORBIDDEN", "title-forbidden", msg!("refused-forbidden")),
            404 => ("NOT_FOUND", "title-not-found", msg!("no-route")),
            405 => (
                "METHOD_NOT_ALLOWED",
                "title-method-not-allowed",
                msg!("refused-method"),
            ),
            _ => (
                "REQUEST_REFUSED",
                "title-request-refused",
                msg!("refused-other", status = status.as_u16()),
            ),
        };
        Self::new(status, code, title, detail)
    }

    /// 408: the request body did not arrive in time.
    pub fn request_timeout(limit: std::time::Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "REQUEST_TIMEOUT",
            "title-request-timeout",
            msg!("request-timeout", seconds = limit.as_secs_f64()),
        )
    }

    /// 409: the request conflicts with the current state of a resource.
    pub fn conflict(code: &'static str, detail: Message) -> Self {
        Self::new(StatusCode::CONFLICT, code, "title-conflict", detail)
    }

    /// 412: the `If-Match` precondition does not hold. `sent_strong_tag`:
    /// whether the client sent a strong ETag (`"3"`) at all, rather than a
    /// bare number or a weak one, which never match.
    pub fn precondition_failed(current_version: i64, sent_strong_tag: bool) -> Self {
        let detail = if sent_strong_tag {
            msg!("precondition-failed", current = current_version)
        } else {
            msg!("precondition-failed-form", current = current_version)
        };
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "PRECONDITION_FAILED",
            "title-precondition-failed",
            detail,
        )
    }

    /// 428: this write changes an official record and must say which version
    /// it is based on.
    pub fn precondition_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "PRECONDITION_REQUIRED",
            "title-precondition-required",
            msg!("precondition-required"),
        )
    }

    /// 413: the body is larger than the service accepts.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "title-payload-too-large",
            msg!("payload-too-large", limit = limit),
        )
    }

    /// 415: the body is not in a media type the operation accepts.
    pub fn unsupported_media_type(detail: Message) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "title-unsupported-media-type",
            detail,
        )
    }

    /// 422: well-formed input that breaks one or more rules.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
            "title-validation-failed",
            msg!("fields-invalid", count = errors.len()),
        );
        error.errors = errors;
        error
    }

    /// 422 for a single field.
    pub fn invalid_field(pointer: &str, code: &str, detail: Message) -> Self {
        Self::validation(vec![FieldError::new(pointer, code, detail)])
    }

    /// 429: the token's requests per minute are spent; `wait` until the next.
    pub fn too_many_requests(per_minute: u32, wait: std::time::Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let seconds = seconds.max(1);
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "title-too-many-requests",
            msg!("too-many-requests", per_minute = per_minute, wait = seconds),
        );
        error
            .headers
            .push((header::RETRY_AFTER, seconds.to_string()));
        error
    }

    /// 429 `code`: the client must wait `wait_secs` before trying again.
    pub fn throttled(code: &'static str, detail: Message, wait_secs: u32) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            code,
            "title-too-many-requests",
            detail,
        )
        .retry_after(wait_secs.max(1))
    }

    /// 503: a resource of the service is exhausted for now; the client may retry.
    pub fn unavailable(detail: Message) -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "title-unavailable",
            detail,
        );
        error.headers.push((header::RETRY_AFTER, "1".to_owned()));
        error
    }

    /// 406 when `Accept` admits none of the forms a resource has.
    pub fn not_acceptable(available: &str) -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "NOT_ACCEPTABLE",
            "title-not-acceptable",
            msg!("not-acceptable", available = available),
        )
    }

    /// 405: the path exists but does not answer this method; `allow` lists those it does.
    pub fn method_not_allowed(method: &str, allow: &str) -> Self {
        let mut error = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "title-method-not-allowed",
            msg!("method-not-allowed", method = method, allow = allow),
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
            "title-internal",
            msg!("internal"),
        )
    }

    /// 503 for a transaction the database ended to let a concurrent one
    /// through; [`crate::db::Db::write`] runs it again before answering so.
    fn transient() -> Self {
        let mut error = Self::unavailable(msg!("db-concurrent-change"));
        error.transient = true;
        error
    }

    /// The same error, made in the current request (one error answers every
    /// write of a group whose commit failed).
    pub fn in_this_request(mut self) -> Self {
        self.context = context::current().map(Box::new);
        self
    }

    /// Whether running the same transaction again may succeed.
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
    pub fn unprocessable(code: &'static str, detail: Message) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            "title-unprocessable",
            detail,
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

    /// The detail in the current request's language.
    pub fn detail(&self) -> String {
        self.detail.render(context::language())
    }

    /// The detail as a message, to be said in another's words.
    pub fn message(&self) -> &Message {
        &self.detail
    }

    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The language the problem document is said in: the one its request
    /// negotiated.
    fn language(&self) -> Language {
        self.context
            .as_deref()
            .map_or_else(context::language, |c| c.language)
    }

    /// The problem document for this error in the current request.
    pub fn problem(&self) -> Problem {
        let context = self.context.as_deref().cloned().or_else(context::current);
        let language = self.language();
        Problem {
            type_: format!("/problems/{}", self.code.to_lowercase().replace('_', "-")),
            title: Message::new(self.title).render(language),
            status: self.status.as_u16(),
            detail: bounded(self.detail.render(language)),
            instance: context.as_ref().map(|c| bounded(c.path.clone())),
            code: self.code.to_owned(),
            request_id: context.map(|c| c.request_id),
            errors: self.errors.iter().map(|e| e.render(language)).collect(),
            report: self.report.as_deref().cloned(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let detail = self.detail.render(Language::En);
        write!(f, "{} {}: {detail}", self.status.as_u16(), self.code)
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
        response.insert_header((header::CONTENT_LANGUAGE, self.language().tag()));
        response.append_header((header::VARY, "Accept-Language"));
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
fn database_fault(message: &str) -> Option<Message> {
    const FAULTS: [(&str, &str); 11] = [
        ("database is locked", "db-busy"),
        ("database or disk is full", "db-full"),
        ("disk I/O error", "db-cannot-write"),
        ("readonly database", "db-read-only"),
        ("read-only transaction", "db-read-only"),
        ("terminating connection", "db-shutting-down"),
        ("shutting down", "db-shutting-down"),
        ("starting up", "db-starting"),
        ("too many connections", "db-no-free-connection"),
        ("server closed the connection", "db-connection-lost"),
        ("connection", "db-connection-lost"),
    ];
    FAULTS
        .iter()
        .find(|(symptom, _)| message.contains(symptom))
        .map(|(_, reason)| Message::new(reason))
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
            DieselError::NotFound => Self::not_found(msg!("noun-resource")),
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => Self::duplicate(info.as_ref()),
                DatabaseErrorKind::ForeignKeyViolation => {
                    Self::conflict("REFERENCED", msg!("referenced"))
                }
                DatabaseErrorKind::SerializationFailure => Self::transient(),
                DatabaseErrorKind::ClosedConnection => {
                    Self::unavailable(msg!("db-connection-lost"))
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
            DieselError::BrokenTransactionManager => Self::unavailable(msg!("db-connection-lost")),
            other => Self::internal(format!("database error: {other}")),
        }
    }
}

/// A unique key of a table and the refusal that says it is taken: the same
/// `code` whether a check before the write finds the holder or the database
/// refuses the write of a racing twin. Each resource submits its keys
/// (`inventory::submit!`).
pub struct UniqueKey {
    /// The constraint's name on PostgreSQL (`units_code_key`).
    pub constraint: &'static str,
    /// Its columns as SQLite names them (`units.code`, `t.a, t.b`).
    pub columns: &'static str,
    pub code: &'static str,
    /// The catalogue's message, without arguments.
    pub message: &'static str,
}

inventory::collect!(UniqueKey);

impl ApiError {
    /// 409 for a unique key taken: the key's own code, or `ALREADY_EXISTS`.
    fn duplicate(info: &dyn diesel::result::DatabaseErrorInformation) -> Self {
        let sqlite_columns = info.message().strip_prefix("UNIQUE constraint failed: ");
        let key = inventory::iter::<UniqueKey>().find(|key| {
            info.constraint_name() == Some(key.constraint) || sqlite_columns == Some(key.columns)
        });
        match key {
            Some(key) => Self::conflict(key.code, Message::new(key.message)),
            None => Self::conflict("ALREADY_EXISTS", msg!("already-exists")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        log::warn!("database pool (request {}): {error}", context::log_id());
        Self::unavailable(msg!("db-no-free-connection"))
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

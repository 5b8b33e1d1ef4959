//! The sets of problem responses operations share, so that each operation
//! names its set once (`responses((status = 200, …), UpdateRefusals)`)
//! instead of listing the same statuses again. Each refers to the reusable
//! responses of `openapi` (`#/components/responses/…`).

#![allow(dead_code)] // described in the document, never built: ApiError makes the bodies

use utoipa::IntoResponses;

use super::*;

/// The refusals of a change to one record (PATCH).
#[derive(IntoResponses)]
pub enum UpdateRefusals {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 412)]
    PreconditionFailed(#[ref_response] PreconditionFailed),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 415)]
    UnsupportedMediaType(#[ref_response] UnsupportedMediaType),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    #[response(status = 503)]
    ServiceUnavailable(#[ref_response] ServiceUnavailable),
}

/// The refusals of a creation (POST).
#[derive(IntoResponses)]
pub enum CreateRefusals {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 415)]
    UnsupportedMediaType(#[ref_response] UnsupportedMediaType),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    #[response(status = 503)]
    ServiceUnavailable(#[ref_response] ServiceUnavailable),
}

/// The refusals of a delete.
#[derive(IntoResponses)]
pub enum DeleteRefusals {
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 412)]
    PreconditionFailed(#[ref_response] PreconditionFailed),
    #[response(status = 503)]
    ServiceUnavailable(#[ref_response] ServiceUnavailable),
}

/// The refusals of a read of one record.
#[derive(IntoResponses)]
pub enum ReadRefusals {
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 503)]
    ServiceUnavailable(#[ref_response] ServiceUnavailable),
}

/// The refusals of a list.
#[derive(IntoResponses)]
pub enum ListRefusals {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 503)]
    ServiceUnavailable(#[ref_response] ServiceUnavailable),
}

/// The refusals every operation behind authentication may answer.
#[derive(IntoResponses)]
pub enum Refusals {
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 503)]
    ServiceUnavailable(#[ref_response] ServiceUnavailable),
}

/// The refusals of a list that is also exported as a file.
#[derive(IntoResponses)]
pub enum ExportRefusals {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 406)]
    NotAcceptable(#[ref_response] NotAcceptable),
    #[response(status = 503)]
    ServiceUnavailable(#[ref_response] ServiceUnavailable),
}

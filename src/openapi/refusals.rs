//! The sets of problem responses operations share, so that each operation
//! names its set once (`responses((status = 200, …), UpdateRefusals)`)
//! instead of listing the same statuses again. Each refers to the reusable
//! responses of `openapi` (`#/components/responses/…`).

#![allow(dead_code)] // described in the document, never built: ApiError makes the bodies

use utoipa::IntoResponses;

use super::*;

/// An `IntoResponses` enum of the named reusable responses, by status.
macro_rules! refusals {
    ($(#[$doc:meta])* $name:ident { $($status:literal => $response:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(IntoResponses)]
        pub enum $name {
            $(
                #[response(status = $status)]
                $response(#[ref_response] $response),
            )+
        }
    };
}

refusals!(
    /// The refusals of a change to one record (PATCH).
    UpdateRefusals {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        409 => Conflict,
        412 => PreconditionFailed,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => Unprocessable,
        503 => ServiceUnavailable,
    }
);

refusals!(
    /// The refusals of a creation (POST).
    CreateRefusals {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        409 => Conflict,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => Unprocessable,
        503 => ServiceUnavailable,
    }
);

refusals!(
    /// The refusals of a delete.
    DeleteRefusals {
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        409 => Conflict,
        412 => PreconditionFailed,
        503 => ServiceUnavailable,
    }
);

refusals!(
    /// The refusals of a read of one record.
    ReadRefusals {
        401 => Unauthorized,
        404 => NotFound,
        503 => ServiceUnavailable,
    }
);

refusals!(
    /// The refusals of a list.
    ListRefusals {
        400 => BadRequest,
        401 => Unauthorized,
        503 => ServiceUnavailable,
    }
);

refusals!(
    /// The refusals every operation behind authentication may answer.
    Refusals {
        401 => Unauthorized,
        503 => ServiceUnavailable,
    }
);

refusals!(
    /// The refusals of a list that is also exported as a file.
    ExportRefusals {
        400 => BadRequest,
        401 => Unauthorized,
        406 => NotAcceptable,
        503 => ServiceUnavailable,
    }
);

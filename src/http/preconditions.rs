//! Optimistic concurrency: every resource has a `version`, sent as a strong
//! `ETag: "<version>"`. Writes may carry `If-Match` (412 when stale); reads may
//! carry `If-None-Match` (304 when unchanged).

use actix_web::dev::Payload;
use actix_web::http::header::{self, EntityTag, Header, IfNoneMatch};
use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::future::{ready, Ready};
use serde::Serialize;

use crate::error::ApiError;

pub fn etag(version: i64) -> EntityTag {
    EntityTag::new_strong(version.to_string())
}

/// The client's `If-Match` precondition, read before the database work and
/// checked inside the write transaction against the version it finds.
#[derive(Debug, Clone, Default)]
pub enum IfMatch {
    /// No header: the write goes ahead (last writer wins, but never silently
    /// half-way: each write still checks the version it read).
    #[default]
    Absent,
    /// `If-Match: *`: any current version.
    Any,
    /// One or more entity tags, compared strongly.
    Tags(Vec<EntityTag>),
}

impl IfMatch {
    pub fn is_absent(&self) -> bool {
        matches!(self, IfMatch::Absent)
    }

    /// 428 without an `If-Match`: for writes to official records (criteria
    /// sets, assessments), which must never overwrite unseen changes.
    pub fn required(self) -> Result<Self, ApiError> {
        if self.is_absent() {
            Err(ApiError::precondition_required())
        } else {
            Ok(self)
        }
    }

    /// 412 unless the precondition holds for the current `version`.
    pub fn check(&self, version: i64) -> Result<(), ApiError> {
        let current = etag(version);
        match self {
            IfMatch::Absent | IfMatch::Any => Ok(()),
            IfMatch::Tags(tags) if tags.iter().any(|tag| tag.strong_eq(&current)) => Ok(()),
            // `1` or `W/"1"` never match: say which form is wanted.
            IfMatch::Tags(tags) => {
                let well_formed = !tags.is_empty() && tags.iter().all(|tag| !tag.weak);
                Err(ApiError::precondition_failed(version, well_formed))
            }
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // An empty header names nothing: as if none was sent (428 where one
        // is required), as the idempotency key's digest also takes it.
        let blank =
            |value: &header::HeaderValue| value.as_bytes().iter().all(u8::is_ascii_whitespace);
        if req.headers().get(header::IF_MATCH).is_none_or(blank) {
            return ready(Ok(IfMatch::Absent));
        }
        // A value that is not `*` or a list of entity tags names no version,
        // so the precondition fails (412) rather than being ignored.
        let parsed = match header::IfMatch::parse(req) {
            Ok(header::IfMatch::Any) => IfMatch::Any,
            Ok(header::IfMatch::Items(tags)) => IfMatch::Tags(tags),
            Err(_) => IfMatch::Tags(Vec::new()),
        };
        ready(Ok(parsed))
    }
}

/// A single resource with its `ETag`; `304 Not Modified` when a GET's
/// `If-None-Match` already names the current version.
pub fn resource_response(
    req: &HttpRequest,
    status: StatusCode,
    version: i64,
    body: &impl Serialize,
) -> HttpResponse {
    let tag = etag(version);
    if status == StatusCode::OK && (req.method() == Method::GET || req.method() == Method::HEAD) {
        let unchanged = match IfNoneMatch::parse(req) {
            Ok(IfNoneMatch::Any) => req.headers().contains_key(header::IF_NONE_MATCH),
            Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&tag)),
            Err(_) => false,
        };
        if unchanged {
            return HttpResponse::NotModified()
                .insert_header(header::ETag(tag))
                .finish();
        }
    }
    HttpResponse::build(status)
        .insert_header(header::ETag(tag))
        .json(body)
}

/// `201 Created` for a new resource: its body, `ETag` and `Location`.
pub fn created_response(
    req: &HttpRequest,
    location: &str,
    version: i64,
    body: &impl Serialize,
) -> HttpResponse {
    let mut response = resource_response(req, StatusCode::CREATED, version, body);
    // Locations are built from ids (UUIDs), always valid header values.
    if let Ok(value) = header::HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_if_match_is_none_and_a_malformed_one_matches_nothing() {
        let sent = |value: &str| {
            let req = actix_web::test::TestRequest::default()
                .insert_header((header::IF_MATCH, value))
                .to_http_request();
            IfMatch::extract(&req).into_inner().unwrap()
        };
        assert!(matches!(sent(""), IfMatch::Absent));
        assert!(matches!(sent("  "), IfMatch::Absent));
        assert!(sent(",").check(1).is_err());
        assert!(sent("\"1\"").check(1).is_ok());
    }

    #[test]
    fn if_match_compares_strongly() {
        assert!(IfMatch::Tags(vec![etag(3)]).check(3).is_ok());
        assert!(IfMatch::Tags(vec![etag(2), etag(3)]).check(3).is_ok());
        assert!(IfMatch::Tags(vec![etag(2)]).check(3).is_err());
        assert!(IfMatch::Tags(vec![EntityTag::new_weak("3".into())])
            .check(3)
            .is_err());
        assert!(IfMatch::Any.check(7).is_ok());
        assert!(IfMatch::Absent.check(7).is_ok());
        assert!(IfMatch::Tags(Vec::new()).check(7).is_err());
    }
}

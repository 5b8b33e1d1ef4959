//! Body and query extractors that answer every client mistake with a problem
//! document naming the field: actix's own answer in text/plain without one.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{ready, LocalBoxFuture, Ready};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use crate::error::ApiError;

/// The largest request body accepted (1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON request body (`application/json`, or `application/merge-patch+json`
/// for PATCH), at most [`BODY_LIMIT`] bytes, with unknown fields rejected by
/// the target type.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = check_content_type(req);
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            content_type?;
            if declared_length.is_some_and(|n| n > BODY_LIMIT) {
                return Err(ApiError::payload_too_large(BODY_LIMIT));
            }
            let mut body = Vec::with_capacity(declared_length.unwrap_or(0));
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::bad_request("UNREADABLE_BODY", format!("cannot read the body: {e}"))
                })?;
                if body.len() + chunk.len() > BODY_LIMIT {
                    return Err(ApiError::payload_too_large(BODY_LIMIT));
                }
                body.extend_from_slice(&chunk);
            }
            parse_json(&body).map(JsonBody)
        })
    }
}

fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let expected = "send the body as Content-Type: application/json \
                    (application/merge-patch+json is accepted for PATCH)";
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Err(ApiError::unsupported_media_type(format!(
            "no Content-Type: {expected}"
        )));
    };
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" | "application/merge-patch+json" => Ok(()),
        _ => Err(ApiError::unsupported_media_type(format!(
            "Content-Type {essence:?} is not accepted: {expected}"
        ))),
    }
}

/// Parses a JSON body: broken JSON is a 400; JSON of the wrong shape is a 422
/// with a JSON Pointer to the member at fault.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().clone();
        let inner = error.into_inner();
        let message = strip_location(&inner.to_string());
        if inner.classify() != serde_json::error::Category::Data {
            return ApiError::bad_request(
                "MALFORMED_JSON",
                format!("the body is not valid JSON: {message}"),
            );
        }
        let (pointer, code) = locate(&path, &message, "/");
        ApiError::invalid_field(&pointer, code, message)
    })?;
    deserializer.end().map_err(|error| {
        let message = strip_location(&error.to_string());
        ApiError::bad_request(
            "MALFORMED_JSON",
            format!("the body is not valid JSON: {message}"),
        )
    })?;
    Ok(value)
}

/// serde_json appends " at line L column C", which means little to a client
/// that sent one line.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The pointer to the member at fault and a reason code. serde reports an
/// unknown or missing member at its parent, naming it only in the message.
fn locate(
    path: &serde_path_to_error::Path,
    message: &str,
    separator: &str,
) -> (String, &'static str) {
    let mut segments: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    let (field, code) = if let Some(field) = named("unknown field `") {
        (Some(field), "UNKNOWN_FIELD")
    } else if let Some(field) = named("missing field `") {
        (Some(field), "REQUIRED")
    } else {
        (None, "INVALID_VALUE")
    };
    if let Some(field) = field {
        if segments.last() != Some(&field) {
            segments.push(field);
        }
    }
    let pointer = if separator == "/" {
        segments.iter().map(|s| format!("/{s}")).collect()
    } else {
        segments.join(separator)
    };
    (pointer, code)
}

/// Typed query parameters; an unknown, repeated or malformed parameter is a
/// 400 naming it.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes());
        // No parameter is free text with control characters in it (and
        // PostgreSQL refuses NUL in text outright).
        if let Some((name, _)) = pairs
            .clone()
            .find(|(_, value)| value.chars().any(char::is_control))
        {
            return ready(Err(ApiError::bad_parameter(
                &name,
                "INVALID_PARAMETER",
                "must not contain control characters",
            )));
        }
        let deserializer = serde_urlencoded::Deserializer::new(pairs);
        ready(
            serde_path_to_error::deserialize(deserializer)
                .map(Query)
                .map_err(|error| {
                    let path = error.path().clone();
                    let message = error.into_inner().to_string();
                    let (name, code) = locate(&path, &message, ".");
                    let code = match code {
                        "UNKNOWN_FIELD" => "UNKNOWN_PARAMETER",
                        "REQUIRED" => "MISSING_PARAMETER",
                        _ => "INVALID_PARAMETER",
                    };
                    ApiError::bad_parameter(&name, code, message)
                }),
        )
    }
}

/// The longest `q` a list accepts.
pub const SEARCH_MAX: usize = 200;

/// A list's `q` parameter: trimmed, blank counts as absent, at most
/// [`SEARCH_MAX`] characters (400 otherwise).
pub fn search_param(q: Option<&str>) -> Result<Option<String>, ApiError> {
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    if q.is_some_and(|q| q.chars().count() > SEARCH_MAX) {
        return Err(ApiError::bad_parameter(
            "q",
            "TOO_LONG",
            format!("must be at most {SEARCH_MAX} characters"),
        ));
    }
    Ok(q.map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        let error = parse_json::<Body>(b"{\"name\": ").unwrap_err();
        assert_eq!(error.code(), "MALFORMED_JSON");
    }

    #[test]
    fn wrong_shape_points_at_the_member() {
        let error = parse_json::<Body>(br#"{"name": "a", "inner": {"count": -1}}"#).unwrap_err();
        assert_eq!(error.field_errors()[0].pointer, "/inner/count");
        assert_eq!(error.field_errors()[0].code, "INVALID_VALUE");
    }

    #[test]
    fn unknown_and_missing_members_are_named() {
        let error = parse_json::<Body>(br#"{"name": "a", "nmae": 1}"#).unwrap_err();
        assert_eq!(error.field_errors()[0].pointer, "/nmae");
        assert_eq!(error.field_errors()[0].code, "UNKNOWN_FIELD");
        let error = parse_json::<Body>(br#"{}"#).unwrap_err();
        assert_eq!(error.field_errors()[0].pointer, "/name");
        assert_eq!(error.field_errors()[0].code, "REQUIRED");
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        let error = parse_json::<Body>(br#"{"name": "a"} x"#).unwrap_err();
        assert_eq!(error.code(), "MALFORMED_JSON");
    }
}

//! Body and query extractors that answer every client mistake with a problem
//! document naming the field: actix's own answer in text/plain without one.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{ready, LocalBoxFuture, Ready};
use futures_util::StreamExt;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use serde_path_to_error::Segment;

use crate::error::ApiError;
use crate::http::objects_only::ObjectsOnly;

/// The largest request body accepted (1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// How long a request body may take to arrive (app data; 30 s unless the
/// settings say otherwise): a client that trickles it in is answered 408
/// instead of holding a worker's attention.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub std::time::Duration);

impl Default for BodyTimeout {
    fn default() -> Self {
        BodyTimeout(std::time::Duration::from_secs(30))
    }
}

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
        let timeout = req.app_data::<BodyTimeout>().copied().unwrap_or_default().0;
        Box::pin(async move {
            content_type?;
            if declared_length.is_some_and(|n| n > BODY_LIMIT) {
                return Err(ApiError::payload_too_large(BODY_LIMIT));
            }
            let read = async {
                let mut body = Vec::with_capacity(declared_length.unwrap_or(0).min(BODY_LIMIT));
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|e| {
                        ApiError::bad_request(
                            "UNREADABLE_BODY",
                            format!("cannot read the body: {e}"),
                        )
                    })?;
                    if body.len() + chunk.len() > BODY_LIMIT {
                        return Err(ApiError::payload_too_large(BODY_LIMIT));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(body)
            };
            let body = tokio::time::timeout(timeout, read)
                .await
                .map_err(|_| ApiError::request_timeout(timeout))??;
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
/// with a JSON Pointer to the member at fault. A whole-number float (`2020.0`,
/// as Python's `json.dumps` of a float and Java's `Double` send it) counts as
/// the integer it is, as JSON Schema counts it; a member named twice in an
/// object is refused rather than silently taking one of the two values.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: JsonValue = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| shape_error(error, true))?;
    deserializer.end().map_err(|error| {
        let message = strip_location(&error.to_string());
        ApiError::bad_request(
            "MALFORMED_JSON",
            format!("the body is not valid JSON: {message}"),
        )
    })?;
    from_json_value(value.0)
}

/// A whole request body of at most `limit` bytes (413 past it), each chunk
/// arriving within `idle` (408 otherwise).
pub async fn read_limited<S, E>(
    mut payload: S,
    limit: usize,
    idle: std::time::Duration,
) -> Result<Vec<u8>, ApiError>
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use futures_util::StreamExt;
    let mut body = Vec::new();
    loop {
        match tokio::time::timeout(idle, payload.next()).await {
            Err(_) => return Err(ApiError::request_timeout(idle)),
            Ok(None) => return Ok(body),
            Ok(Some(chunk)) => {
                let chunk = chunk.map_err(|e| ApiError::bad_request("BAD_BODY", e.to_string()))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::payload_too_large(limit));
                }
                body.extend_from_slice(&chunk);
            }
        }
    }
}

/// A JSON value (a row of an import) as `T`: a 422 naming the member at fault.
pub fn from_json_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(ObjectsOnly(value)).map_err(|error| shape_error(error, false))
}

/// A 400 for JSON that does not parse, a 422 naming the member otherwise.
fn shape_error(error: serde_path_to_error::Error<serde_json::Error>, parsing: bool) -> ApiError {
    let path = error.path().clone();
    let inner = error.into_inner();
    let message = plain_words(&strip_location(&inner.to_string()));
    if parsing && inner.classify() != serde_json::error::Category::Data {
        return ApiError::bad_request(
            "MALFORMED_JSON",
            format!("the body is not valid JSON: {message}"),
        );
    }
    let (pointer, code) = locate(&path, &message, "/");
    ApiError::invalid_field(&pointer, code, message)
}

/// Any JSON value, read with whole-number floats made integers and a
/// member named twice refused.
struct JsonValue(serde_json::Value);

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(JsonValueVisitor)
            .map(JsonValue)
    }
}

struct JsonValueVisitor;

/// The largest magnitude below which every whole f64 is exact (2^53).
const EXACT_F64: f64 = 9_007_199_254_740_992.0;

impl<'de> Visitor<'de> for JsonValueVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        if v.fract() == 0.0 && v.abs() <= EXACT_F64 {
            // Exact: |v| ≤ 2^53 fits an i64 without rounding.
            Ok(Value::from(v as i64))
        } else {
            Ok(Value::from(v))
        }
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(JsonValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            let JsonValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// serde names the Rust type a value did not fit ("expected u32"); a client
/// needs the range instead.
fn plain_words(message: &str) -> String {
    // Floats are shown as Rust prints them; say "number".
    let message = message
        .replace("floating point", "number")
        .replace("invalid type: sequence", "invalid type: array")
        .replace("invalid type: map", "invalid type: object");
    const TYPES: [(&str, &str); 12] = [
        ("i8", "a whole number from -128 to 127"),
        ("i16", "a whole number from -32768 to 32767"),
        ("i32", "a whole number from -2147483648 to 2147483647"),
        (
            "i64",
            "a whole number from -9223372036854775808 to 9223372036854775807",
        ),
        ("u8", "a whole number from 0 to 255"),
        ("u16", "a whole number from 0 to 65535"),
        ("u32", "a whole number from 0 to 4294967295"),
        ("u64", "a whole number from 0 to 18446744073709551615"),
        ("usize", "a whole number from 0 to 18446744073709551615"),
        ("f32", "a number"),
        ("f64", "a number"),
        ("char", "a single character"),
    ];
    if let Some((head, expected)) = message.rsplit_once("expected ") {
        if let Some((_, words)) = TYPES.iter().find(|(rust, _)| *rust == expected) {
            return format!("{head}expected {words}");
        }
        for (kind, words) in [
            ("struct ", "a JSON object"),
            ("tuple struct ", "a JSON array"),
            ("enum ", "one of the documented values"),
        ] {
            if expected.starts_with(kind) {
                return format!("{head}expected {words}");
            }
        }
    }
    message
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
    } else if let Some(field) = named("duplicate field `") {
        (Some(field), "DUPLICATE_FIELD")
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
                    let message = plain_words(&error.into_inner().to_string());
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

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Counts {
        year: i32,
        count: u32,
        ratio: f64,
    }

    #[test]
    fn whole_number_floats_are_integers() {
        let counts: Counts = parse_json(br#"{"year": 2020.0, "count": 3e2, "ratio": 1}"#).unwrap();
        assert_eq!((counts.year, counts.count, counts.ratio), (2020, 300, 1.0));
        for (body, pointer) in [
            (
                &br#"{"year": 2020.5, "count": 1, "ratio": 0.5}"#[..],
                "/year",
            ),
            (br#"{"year": 2020, "count": -1.0, "ratio": 0.5}"#, "/count"),
            (br#"{"year": 1e300, "count": 1, "ratio": 0.5}"#, "/year"),
        ] {
            let error = parse_json::<Counts>(body).unwrap_err();
            let field = &error.field_errors()[0];
            assert_eq!(field.pointer, pointer);
            assert!(field.detail.contains("whole number"), "{}", field.detail);
            for rust in ["i32", "u32", "f64", "floating point"] {
                assert!(!field.detail.contains(rust), "{}", field.detail);
            }
        }
    }

    #[test]
    fn a_member_named_twice_is_refused() {
        let error = parse_json::<Body>(br#"{"name": "a", "name": "b"}"#).unwrap_err();
        assert_eq!(error.code(), "VALIDATION_FAILED");
        assert_eq!(error.field_errors()[0].pointer, "/name");
        let error =
            parse_json::<Body>(br#"{"name": "a", "inner": {"count": 1, "count": 2}}"#).unwrap_err();
        assert_eq!(error.field_errors()[0].pointer, "/inner/count");
    }

    #[test]
    fn an_array_is_not_an_object_at_any_depth() {
        for (body, pointer) in [
            (&b"[]"[..], ""),
            (br#"["a", null]"#, ""),
            (br#"{"name": "a", "inner": [1]}"#, "/inner"),
        ] {
            let error = parse_json::<Body>(body).unwrap_err();
            let field = &error.field_errors()[0];
            assert_eq!(field.pointer, pointer);
            assert_eq!(field.detail, "invalid type: array, expected a JSON object");
        }
        let body: Body = parse_json(br#"{"name": "a", "inner": {"count": 2}}"#).unwrap();
        assert_eq!(body.inner.map(|inner| inner.count), Some(2));
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        let error = parse_json::<Body>(br#"{"name": "a"} x"#).unwrap_err();
        assert_eq!(error.code(), "MALFORMED_JSON");
    }
}

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

use crate::error::{ApiError, FieldError};
use crate::http::objects_only::ObjectsOnly;
use crate::messages::Message;
use crate::msg;

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
                    let chunk = chunk.map_err(|e| unreadable(&e))?;
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
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Err(ApiError::unsupported_media_type(msg!(
            "content-type-missing"
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
        _ => Err(ApiError::unsupported_media_type(msg!(
            "content-type-json",
            sent = essence
        ))),
    }
}

/// Parses a JSON body: broken JSON is a 400; JSON of the wrong shape is a 422
/// with a JSON Pointer to each member at fault. A whole-number float
/// (`2020.0`, as Python's `json.dumps` of a float and Java's `Double` send
/// it) counts as the integer it is, as JSON Schema counts it; a member named
/// twice in an object is refused rather than silently taking one of the two
/// values.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value = parse_value(body)?;
    // The value is kept only where its errors are collected.
    if body.len() > COLLECT_BELOW {
        return first_error(value)
            .map_err(|(pointer, code, message)| ApiError::invalid_field(&pointer, code, message));
    }
    from_json_value(value)
}

/// The body as a JSON value: 400 when it is not JSON, 422 for a member
/// named twice.
fn parse_value(body: &[u8]) -> Result<Value, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: JsonValue =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().clone();
            let inner = error.into_inner();
            if inner.classify() != serde_json::error::Category::Data {
                return malformed(&inner);
            }
            let (pointer, code, message) = describe(&path, &inner.to_string(), "/");
            ApiError::invalid_field(&pointer, code, message)
        })?;
    deserializer.end().map_err(|error| malformed(&error))?;
    Ok(value.0)
}

/// 400 for a body that is not JSON, saying where it stops being JSON.
fn malformed(error: &serde_json::Error) -> ApiError {
    ApiError::bad_request(
        "MALFORMED_JSON",
        msg!(
            "body-not-json",
            line = error.line(),
            column = error.column()
        ),
    )
}

/// Bodies larger than this (bytes) are answered with their first error
/// only: collecting every error reads the value once per error.
const COLLECT_BELOW: usize = 64 * 1024;

/// The most member errors collected from one value.
const COLLECT_AT_MOST: usize = 20;

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
                let chunk = chunk.map_err(|e| unreadable(&e))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::payload_too_large(limit));
                }
                body.extend_from_slice(&chunk);
            }
        }
    }
}

/// 400 for a body whose bytes could not be read (a broken chunked encoding).
fn unreadable(cause: &dyn fmt::Display) -> ApiError {
    log::info!(
        "request {}: unreadable body: {cause}",
        crate::context::log_id()
    );
    ApiError::bad_request("UNREADABLE_BODY", msg!("body-unreadable"))
}

/// A JSON value (a body, a row of an import) as `T`: a 422 naming every
/// member at fault. serde stops at the first; each one found is set aside
/// (removed, or replaced by a stand-in of another type) and the value read
/// again, so a client learns of all its mistakes at once.
pub fn from_json_value<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    let mut value = value;
    let mut errors: Vec<FieldError> = Vec::new();
    loop {
        let (pointer, code, message) = match first_error::<T>(value.clone()) {
            Ok(read) if errors.is_empty() => return Ok(read),
            Ok(_) => break,
            Err(error) => error,
        };
        if errors.iter().any(|e| e.pointer == pointer) {
            break;
        }
        errors.push(FieldError::new(pointer.clone(), code, message));
        if errors.len() >= COLLECT_AT_MOST || !set_aside::<T>(&mut value, &pointer) {
            break;
        }
    }
    Err(ApiError::validation(errors))
}

/// `T` read from `value`, or its first error: a pointer, a code and a message.
fn first_error<T: DeserializeOwned>(value: Value) -> Result<T, (String, &'static str, Message)> {
    serde_path_to_error::deserialize(ObjectsOnly(value)).map_err(|error| {
        let path = error.path().clone();
        describe(&path, &error.into_inner().to_string(), "/")
    })
}

/// Sets aside the member at `pointer` so that `T` can be read past it: an
/// unknown member is removed; a wrong or missing one is replaced by the
/// first stand-in that moves the first error elsewhere. False when none does.
fn set_aside<T: DeserializeOwned>(value: &mut Value, pointer: &str) -> bool {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return false;
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    let stand_ins = [
        None,
        Some(Value::Null),
        Some(Value::from(0)),
        Some(Value::from("")),
        Some(Value::from(false)),
        Some(Value::Array(Vec::new())),
        Some(Value::Object(serde_json::Map::new())),
        Some(Value::from("00000000-0000-7000-8000-000000000000")),
        Some(Value::from("2000-01-01")),
    ];
    let original = value.clone();
    for stand_in in stand_ins {
        let Some(container) = value.pointer_mut(parent) else {
            return false;
        };
        match (container, stand_in) {
            (Value::Object(members), None) => {
                members.remove(&key);
            }
            (Value::Object(members), Some(stand_in)) => {
                members.insert(key.clone(), stand_in);
            }
            (Value::Array(items), Some(stand_in)) => match key.parse::<usize>() {
                Ok(index) if index < items.len() => items[index] = stand_in,
                _ => return false,
            },
            _ => continue,
        }
        match first_error::<T>(value.clone()) {
            Err((next, _, _)) if next == pointer => *value = original.clone(),
            _ => return true,
        }
    }
    false
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

/// Members a body may carry back from a read (a record sent back as it was
/// read) and that writes pass over: never listed as members to send.
const PASSED_OVER: [&str; 6] = [
    "id",
    "version",
    "created_at",
    "updated_at",
    "ancestor_ids",
    "depth",
];

/// The pointer to the member at fault, a reason code and what to send
/// instead, from serde's English words for a mistake. serde reports an
/// unknown or missing member at its parent, naming it only in its words.
fn describe(
    path: &serde_path_to_error::Path,
    message: &str,
    separator: &str,
) -> (String, &'static str, Message) {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    let mut segments: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    let (field, code, reason) = reason(message);
    if let Some(field) = field {
        let escaped = field.replace('~', "~0").replace('/', "~1");
        if segments.last() != Some(&escaped) {
            segments.push(escaped);
        }
    }
    let pointer = if separator == "/" {
        segments.iter().map(|s| format!("/{s}")).collect()
    } else {
        segments.join(separator)
    };
    (pointer, code, reason)
}

/// The text between the first pair of backticks after `prefix`.
fn quoted<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message.strip_prefix(prefix)?.split('`').next()
}

/// The names in serde's "expected one of `a`, `b`" (or "expected `a`").
fn listed(message: &str) -> Vec<&str> {
    let Some((_, list)) = message.split_once("expected ") else {
        return Vec::new();
    };
    list.split('`').skip(1).step_by(2).collect()
}

/// The member serde named (when it is named only in its words), the code,
/// and the message.
fn reason(message: &str) -> (Option<String>, &'static str, Message) {
    if let Some(field) = quoted(message, "unknown field `") {
        let allowed: Vec<&str> = listed(message)
            .into_iter()
            .filter(|name| !PASSED_OVER.contains(name))
            .collect();
        let reason = if allowed.is_empty() {
            msg!("member-unknown-none")
        } else {
            msg!("member-unknown", allowed = allowed.join(", "))
        };
        return (Some(field.to_owned()), "UNKNOWN_FIELD", reason);
    }
    if let Some(field) = quoted(message, "missing field `") {
        return (Some(field.to_owned()), "REQUIRED", msg!("member-required"));
    }
    if let Some(field) = quoted(message, "duplicate field `") {
        return (
            Some(field.to_owned()),
            "DUPLICATE_FIELD",
            msg!("member-twice"),
        );
    }
    let invalid = |reason| (None, "INVALID_VALUE", reason);
    if let Some(variant) = quoted(message, "unknown variant `") {
        let allowed = listed(message).join(", ");
        return invalid(msg!("value-not-allowed", sent = variant, allowed = allowed));
    }
    if let Some(range) = message.strip_prefix(WHOLE_NUMBER_BETWEEN) {
        if let Some((min, max)) = range.split_once(" to ") {
            let expected = msg!("expect-whole-number-range", min = min, max = max);
            return invalid(msg!("value-wrong", expected = expected));
        }
    }
    if message == NOT_AN_ID {
        return invalid(msg!("value-not-an-id"));
    }
    if CHRONO_WORDS.contains(&message) {
        return invalid(msg!("value-not-a-date"));
    }
    let typed = message
        .strip_prefix("invalid type: ")
        .map(|rest| (rest, true))
        .or_else(|| {
            message
                .strip_prefix("invalid value: ")
                .map(|rest| (rest, false))
        });
    if let Some((rest, wrong_type)) = typed {
        if let Some((sent, expected)) = rest.rsplit_once(", expected ") {
            let expected = expectation(expected, wrong_type);
            return invalid(if wrong_type {
                msg!(
                    "value-wrong-type",
                    sent = kind_sent(sent),
                    expected = expected
                )
            } else {
                msg!("value-wrong", expected = expected)
            });
        }
    }
    if message.starts_with("invalid length ") {
        return invalid(msg!("value-wrong-length"));
    }
    invalid(msg!("value-not-documented"))
}

/// What the client sent, from serde's words for it ("string \"x\"").
fn kind_sent(sent: &str) -> Message {
    let kind = sent.split([' ', '`', '"']).next().unwrap_or_default();
    match kind {
        "boolean" => msg!("json-boolean"),
        "integer" | "floating" => msg!("json-number"),
        "string" | "character" => msg!("json-string"),
        "sequence" | "array" => msg!("json-array"),
        "map" | "object" => msg!("json-object"),
        "null" | "unit" | "Option" => msg!("json-null"),
        _ => msg!("json-value"),
    }
}

/// What was expected, from serde's words (Rust type names said as JSON:
/// a client needs "a whole number", not "u32").
fn expectation(expected: &str, wrong_type: bool) -> Message {
    const WHOLE: [(&str, i128, i128); 9] = [
        ("i8", -128, 127),
        ("i16", -32768, 32767),
        ("i32", -2147483648, 2147483647),
        ("i64", i64::MIN as i128, i64::MAX as i128),
        ("u8", 0, 255),
        ("u16", 0, 65535),
        ("u32", 0, 4294967295),
        ("u64", 0, u64::MAX as i128),
        ("usize", 0, u64::MAX as i128),
    ];
    if let Some((_, min, max)) = WHOLE.iter().find(|(rust, _, _)| *rust == expected) {
        // A wrong type is told the kind; the range is the rules' to tell
        // (a birth year is not any i32). A number past the type's range is
        // told the range, as nothing larger is ever accepted.
        return if wrong_type {
            msg!("expect-whole-number")
        } else {
            msg!(
                "expect-whole-number-range",
                min = min.to_string(),
                max = max.to_string()
            )
        };
    }
    match expected {
        "f32" | "f64" => msg!("expect-number"),
        "a string" | "a borrowed string" | "char" => msg!("expect-string"),
        "a boolean" => msg!("expect-boolean"),
        "a sequence" | "fewer elements in array" => msg!("expect-array"),
        "a JSON object" | "a map" | "fewer members in object" => msg!("expect-object"),
        "an id (a UUID)" => msg!("expect-id"),
        FRACTION_OR_TARGET => msg!("expect-fraction-or-target"),
        _ if expected.starts_with("struct ") => msg!("expect-object"),
        _ if expected.starts_with("tuple") => msg!("expect-array"),
        _ if expected.contains("date") => msg!("value-not-a-date"),
        _ => msg!("expect-documented"),
    }
}

/// serde's words for a custom error of [`whole_number_between`].
const WHOLE_NUMBER_BETWEEN: &str = "expected a whole number from ";

/// The custom error of an id that is not a UUID (`ids`).
pub const NOT_AN_ID: &str = "not an id: ids are UUIDs";

/// What a threshold expects (`criteria_sets::measure`).
pub const FRACTION_OR_TARGET: &str = "a fraction from 0 to 1 or \"target\"";

/// chrono's words for a date or time that does not parse.
const CHRONO_WORDS: [&str; 7] = [
    "input is out of range",
    "no possible date and time matching input",
    "input is not enough for unique date and time",
    "input contains invalid characters",
    "premature end of input",
    "trailing input",
    "bad or unsupported format string",
];

/// A whole number a member must hold, read so that anything else (text, a
/// fraction) is told the range the rules accept rather than the Rust type's:
/// `#[serde(deserialize_with = …)]` through a function giving the range. A
/// whole number outside it is left to the rules (`OUT_OF_RANGE`).
pub fn whole_number_between<'de, D: Deserializer<'de>>(
    deserializer: D,
    min: i64,
    max: i64,
) -> Result<Option<i32>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_i64().map(i32::try_from) {
            Some(Ok(n)) => Ok(Some(n)),
            _ => Err(de::Error::custom(format_args!(
                "{WHOLE_NUMBER_BETWEEN}{min} to {max}"
            ))),
        },
        _ => Err(de::Error::custom(format_args!(
            "{WHOLE_NUMBER_BETWEEN}{min} to {max}"
        ))),
    }
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
                msg!("parameter-control-characters"),
            )));
        }
        let deserializer = serde_urlencoded::Deserializer::new(pairs);
        ready(
            serde_path_to_error::deserialize(deserializer)
                .map(Query)
                .map_err(|error| {
                    let path = error.path().clone();
                    let message = error.into_inner().to_string();
                    let (name, code, reason) = describe(&path, &message, ".");
                    let (code, reason) = match code {
                        "UNKNOWN_FIELD" => match reason.text_arg("allowed") {
                            Some(allowed) => (
                                "UNKNOWN_PARAMETER",
                                msg!("parameter-unknown", allowed = allowed),
                            ),
                            None => ("UNKNOWN_PARAMETER", msg!("parameter-unknown-none")),
                        },
                        "REQUIRED" => ("MISSING_PARAMETER", msg!("parameter-required")),
                        _ => ("INVALID_PARAMETER", reason),
                    };
                    ApiError::bad_parameter(&name, code, reason)
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
            msg!("too-long-plain", max = SEARCH_MAX),
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
            assert!(
                field.detail().contains("whole number"),
                "{}",
                field.detail()
            );
            for rust in ["i32", "u32", "f64", "floating point"] {
                assert!(!field.detail().contains(rust), "{}", field.detail());
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
            assert_eq!(field.detail(), "must be a JSON object, not an array");
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

//! Ids taken from the URL path. Every id the service makes is a UUID, so a
//! path segment that is not one names nothing: it is answered 404 by the
//! extractor, before any query, whatever bytes it holds (NUL included).
//! Every handler takes its path ids as `web::Path<Id>` (or a tuple of them),
//! and [`path_config`] makes a refusal a problem document.

use std::fmt;
use std::ops::Deref;

use actix_web::web;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::error::ApiError;

/// A UUID from the path, in the canonical form ids are stored in (lower-case,
/// hyphenated), so `/associations/0193A…` finds what `/associations/0193a…` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id(String);

impl Id {
    pub fn parse(value: &str) -> Option<Id> {
        uuid::Uuid::try_parse(value)
            .ok()
            .map(|id| Id(id.hyphenated().to_string()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for Id {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;

        impl Visitor<'_> for IdVisitor {
            type Value = Id;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id (a UUID)")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Id, E> {
                Id::parse(value).ok_or_else(|| E::custom(super::extract::NOT_AN_ID))
            }
        }

        deserializer.deserialize_str(IdVisitor)
    }
}

/// Ids in bodies and query strings, parsed at the edge as path ids are and
/// kept as their canonical string: `#[serde(deserialize_with = "ids::string")]`.
/// Anything but a UUID is refused where it stands (422 in a body, 400 in a
/// query string), before any rule or precondition is looked at.
pub fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Id::deserialize(deserializer).map(Id::into_string)
}

/// An optional id (`Option<String>`, with `#[serde(default, …)]`).
pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Option::<Id>::deserialize(deserializer).map(|id| id.map(Id::into_string))
}

/// An optional list of ids (`Option<Vec<String>>`, with `#[serde(default, …)]`).
pub fn optional_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    Option::<Vec<Id>>::deserialize(deserializer)
        .map(|ids| ids.map(|ids| ids.into_iter().map(Id::into_string).collect()))
}

/// An id as a merge-patch member (`Option<Option<String>>`, with
/// `#[serde(default, …)]`): absent, `null`, or an id.
pub fn member<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    optional(deserializer).map(Some)
}

/// Path segments that do not parse (an id that is not a UUID, a year that is
/// not a number) name no resource: 404 as a problem document, never actix's
/// text/plain answer.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, req| not_an_id(req).into())
}

/// The collections whose list finds a record by code or name (`?q=`).
const SEARCHABLE: [&str; 8] = [
    "associations",
    "citizens",
    "units",
    "communities",
    "households",
    "clans",
    "criteria-sets",
    "users",
];

/// 404 for a path segment that does not parse: for an id that is not a
/// UUID (a code or a row number where an id belongs), the answer says what
/// ids look like and where the record can be found.
fn not_an_id(req: &actix_web::HttpRequest) -> ApiError {
    let not_an_id = req
        .match_info()
        .iter()
        .find(|(name, value)| {
            (*name == "id" || name.ends_with("_id")) && Id::parse(value).is_none()
        })
        .map(|(_, value)| value.to_owned());
    let Some(sent) = not_an_id else {
        return ApiError::not_found(crate::msg!("noun-path-resource"));
    };
    let segments: Vec<&str> = req.path().split('/').collect();
    let at = segments
        .iter()
        .position(|segment| percent_decoded(segment).is_some_and(|segment| segment == sent));
    let collection = segments[..at.unwrap_or(segments.len())].join("/");
    let searchable = at.is_some_and(|at| at > 0 && SEARCHABLE.contains(&segments[at - 1]));
    ApiError::not_an_id(&sent, &collection, searchable)
}

fn percent_decoded(segment: &str) -> Option<String> {
    let bytes: Vec<u8> = form_urlencoded::parse(format!("x={segment}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned().into_bytes())?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_canonical_uuids() {
        let id = Id::parse("0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B").unwrap();
        assert_eq!(&*id, "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        for bad in [
            "",
            "\0",
            "x",
            "0193a1b2",
            "../tokens",
            "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5\0",
        ] {
            assert!(Id::parse(bad).is_none(), "{bad:?}");
        }
    }
}

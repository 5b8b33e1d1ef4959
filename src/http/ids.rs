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
                Id::parse(value).ok_or_else(|| E::custom("not an id: ids are UUIDs"))
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
    web::PathConfig::default()
        .error_handler(|_, _| ApiError::not_found("the resource named by the path").into())
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

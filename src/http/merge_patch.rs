//! JSON Merge Patch (RFC 7396) members: absent stays, `null` clears, a value sets.

use serde::{Deserialize, Deserializer};

use crate::error::FieldError;
use crate::msg;

/// For `#[serde(default, deserialize_with = "merge_patch::member")]` on an
/// `Option<Option<T>>`: `None` when absent, `Some(None)` for `null`.
pub fn member<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Applies a required member: absent keeps `target`, a value sets it, and
/// `null` is reported in `errors` (a required member cannot be cleared).
pub fn required<T>(
    errors: &mut Vec<FieldError>,
    pointer: &str,
    member: Option<Option<T>>,
    target: &mut T,
) {
    match member {
        Some(Some(value)) => *target = value,
        Some(None) => errors.push(FieldError::new(
            pointer,
            "REQUIRED",
            msg!("member-not-null"),
        )),
        None => {}
    }
}

/// Applies an optional member: absent keeps `target`, `null` clears it.
pub fn optional<T>(member: Option<Option<T>>, target: &mut Option<T>) {
    if let Some(value) = member {
        *target = value;
    }
}

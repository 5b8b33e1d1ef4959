//! JSON Merge Patch (RFC 7396) members: absent stays, `null` clears, a value sets.

use serde::{Deserialize, Deserializer};

/// For `#[serde(default, deserialize_with = "merge_patch::member")]` on an
/// `Option<Option<T>>`: `None` when absent, `Some(None)` for `null`.
pub fn member<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

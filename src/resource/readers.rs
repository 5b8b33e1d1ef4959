//! Any record of the change feed, read by its type and id as a caller may
//! see it: what a webhook delivers beside each event.
//!
//! The feed names eleven types; the module of each registers its reader
//! here with `inventory::submit!`, so that whoever delivers events knows no
//! domain module:
//!
//! ```ignore
//! inventory::submit! { Reader { resource_type: "unit", read: read_as::<UnitRow> } }
//! ```

use serde::Serialize;
use serde_json::Value;

use super::http::Served;
use super::Resource;
use crate::auth::Caller;
use crate::db::DbConnection;
use crate::error::ApiError;

/// Reads the record `id` as `caller` would get it from its `GET`; `None`
/// when it is gone or outside the caller's scope.
pub type Read = fn(&mut DbConnection, &Caller, &str) -> Result<Option<Value>, ApiError>;

/// The reader of the records of one type.
pub struct Reader {
    /// The type as the change feed names it.
    pub resource_type: &'static str,
    pub read: Read,
}

inventory::collect!(Reader);

/// The record `id` of type `resource_type` as `caller` may see it; `None`
/// when it is gone, outside the caller's scope, or of a type without a reader.
pub fn read(
    conn: &mut DbConnection,
    caller: &Caller,
    resource_type: &str,
    id: &str,
) -> Result<Option<Value>, ApiError> {
    match inventory::iter::<Reader>
        .into_iter()
        .find(|reader| reader.resource_type == resource_type)
    {
        Some(reader) => (reader.read)(conn, caller, id),
        None => Ok(None),
    }
}

/// The reader of a [`Resource`] served as [`Served`].
pub fn read_as<R: Resource + Served>(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<Option<Value>, ApiError> {
    match R::find(conn, id)? {
        Some((row, path)) if caller.sees(&path) => json(&row.present(caller)).map(Some),
        _ => Ok(None),
    }
}

/// A lookup that answers 404 for a record that is gone or out of scope,
/// as `None`.
pub fn found<T>(result: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.status() == actix_web::http::StatusCode::NOT_FOUND => Ok(None),
        Err(error) => Err(error),
    }
}

/// A served form as a JSON value.
pub fn json(value: &impl Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(ApiError::internal)
}

/// The types that have a reader, for the tests that every feed type has one.
pub fn types() -> Vec<&'static str> {
    inventory::iter::<Reader>
        .into_iter()
        .map(|reader| reader.resource_type)
        .collect()
}

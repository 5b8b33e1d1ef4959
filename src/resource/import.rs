//! What a resource supplies to be imported from files (`imports`): the
//! one-row create it reads each row as, and the natural keys rows are
//! matched on. Defined here, beside [`Resource`], so that a resource
//! implements it without knowing the import machinery above it.

use serde::de::DeserializeOwned;

use super::http::Served;
use super::Resource;
use crate::auth::Actor;
use crate::db::DbConnection;
use crate::error::ApiError;

/// A resource that can be imported.
pub trait Importable: Resource + Served {
    /// The path segment of `/imports/{resource}`.
    const NAME: &'static str;
    /// The body of a one-row create: its members and their rules.
    type Create: DeserializeOwned;
    /// Members of the JSON form a create does not take, passed over on
    /// import (`id` and `version` are read from them).
    const READ_ONLY: &'static [&'static str] = &["id", "version", "created_at", "updated_at"];

    /// The record's association and fields. `association_id` is the row's
    /// member when it is read-only (given in the URL of a create).
    fn fields_from(
        create: Self::Create,
        association_id: Option<String>,
    ) -> Result<(String, Self::Fields), ApiError>;

    /// What to keep of a row refused with `error` so that the refusal can be
    /// audited (a national id found taken: probing for them shows in the
    /// trail, as for the one-row API).
    fn refused_key(_candidate: &Self, _error: &ApiError) -> Option<String> {
        None
    }

    /// Audits the refusals [`refused_key`](Self::refused_key) kept, in a
    /// transaction of its own that stays even when the import is rolled back.
    fn audit_refusals(
        _conn: &mut DbConnection,
        _actor: &Actor,
        _keys: &[String],
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// What the record must hold alone among its kind (what
    /// [`Resource::check_unique`] checks), its natural key first, each naming
    /// its member (`code=…`): a row without an id is matched on the first of
    /// them that a stored record holds.
    fn keys(&self) -> Vec<String>;

    /// The stored records holding a key of any of `rows`, with their
    /// associations' paths, in one statement (more do no harm: they are
    /// matched on their [`keys`](Self::keys)).
    fn holders(conn: &mut DbConnection, rows: &[&Self]) -> Result<Vec<(Self, String)>, ApiError>;
}

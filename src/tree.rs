//! The association tree as every layer above sees it: materialised paths
//! ("/root/…/id/", each association's ancestors' ids and its own), scopes
//! (a caller sees the subtree at its path), and the subtrees lists are
//! bounded by. The associations themselves (their rows, moves and rules)
//! are the `associations` module's.

use diesel::prelude::*;

use crate::db::schema::associations::{self, dsl};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::msg;

/// The end of the range of paths below `path` ("/a/b/" → "/a/b0": '0'
/// follows '/' in byte order, and ids hold no '/').
pub fn subtree_end(path: &str) -> String {
    format!("{}0", &path[..path.len() - 1])
}

/// Whether a caller whose scope is `scope` (a path; `None`: the whole tree)
/// sees the association at `path`.
pub fn in_scope(scope: Option<&str>, path: &str) -> bool {
    scope.is_none_or(|scope| path.starts_with(scope))
}

/// The path of the association `id`, if there is one.
pub fn path_of(conn: &mut DbConnection, id: &str) -> Result<Option<String>, ApiError> {
    // Ids are UUIDs: anything else names nothing, and need not reach the database.
    if uuid::Uuid::try_parse(id).is_err() {
        return Ok(None);
    }
    Ok(associations::table
        .find(id)
        .select(dsl::path)
        .first(conn)
        .optional()?)
}

/// The tree path of an association the caller may attach a record to (a
/// unit, a citizen); a 422 on `/association_id` for one it cannot see, as for
/// one that does not exist.
pub fn placeable_path(
    conn: &mut DbConnection,
    scope: Option<&str>,
    id: &str,
) -> Result<String, ApiError> {
    path_of(conn, id)?
        .filter(|path| in_scope(scope, path))
        .ok_or_else(|| {
            ApiError::invalid_field(
                "/association_id",
                "NOT_FOUND",
                msg!("association-id-unknown"),
            )
        })
}

/// The subtrees a list of records attached to associations (units, citizens,
/// assessments) is bounded by: the caller's scope and the `ancestor_id`
/// filter, each an association and everything below it. `None` when
/// `ancestor_id` names no association, so nothing can match.
pub fn bounding_subtrees(
    conn: &mut DbConnection,
    scope: Option<&str>,
    ancestor_id: Option<&str>,
) -> Result<Option<Vec<String>>, ApiError> {
    let mut paths: Vec<String> = scope.iter().map(|s| s.to_string()).collect();
    if let Some(ancestor_id) = ancestor_id {
        match path_of(conn, ancestor_id)? {
            Some(path) => paths.push(path),
            None => return Ok(None),
        }
    }
    Ok(Some(paths))
}

/// The ids of the associations in the subtree at `path` (itself included), as a subquery.
pub fn ids_in_subtree(path: &str) -> SubtreeIds {
    associations::table
        .filter(dsl::path.ge(path.to_owned()))
        .filter(dsl::path.lt(subtree_end(path)))
        .select(dsl::id)
}

/// The type of [`ids_in_subtree`]'s subquery.
pub type SubtreeIds = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<associations::table, diesel::dsl::GtEq<dsl::path, String>>,
        diesel::dsl::Lt<dsl::path, String>,
    >,
    dsl::id,
>;

//! One layer for the records kept under an association of the tree (units,
//! citizens, households, clans, village communities, yearly statistics,
//! targets): each implements [`Resource`] once (its row, fields, table and
//! the rules only it has) and the create, read, update and delete here do
//! the rest the same way for all: scope on both ends, `If-Match`, a version
//! per change, the audit event and with it the change-feed event, and what
//! depends on a record ([`dependants`]). [`Importable`] adds what bulk
//! import needs; [`http`] and [`export`] serve any of them.

pub mod dependants;
pub mod export;
pub mod http;
mod import;
pub mod readers;

pub use import::Importable;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::audit::model::record_change;
use crate::auth::Actor;
use crate::db::{now, DbConnection};
use crate::error::ApiError;
use crate::http::preconditions::IfMatch;
use crate::messages::Message;
use crate::msg;
use crate::tree::{in_scope, placeable_path};

/// A record that belongs to one association, with an id and a version.
pub trait Resource: Clone + Send + Sized + 'static {
    /// Its name in the audit trail and the change feed: `unit`, `citizen`, …
    const TYPE: &'static str;
    /// The catalogue's message naming it in a sentence ("noun-unit": "the unit").
    const NOUN: &'static str;
    /// Its table (`table_queries!`), for row locks.
    const TABLE: &'static str;
    /// What a client gives and a merge patch changes, validated by `validated`.
    type Fields: Clone + PartialEq + Send;

    fn id(&self) -> &str;
    fn version(&self) -> i64;
    fn association_id(&self) -> &str;
    fn fields(&self) -> Self::Fields;
    fn validated(fields: Self::Fields) -> Result<Self::Fields, ApiError>;
    /// A new row at version 1.
    fn new(id: String, association_id: String, fields: Self::Fields, now: NaiveDateTime) -> Self;
    /// This row with `fields`, one version on.
    fn changed(&self, fields: Self::Fields, now: NaiveDateTime) -> Self;
    /// The association the fields place the record under, where the fields
    /// carry one (a record that does not name it never moves).
    fn placed_in(_fields: &Self::Fields) -> Option<&str> {
        None
    }

    /// The row and its association's path (`table_queries!`).
    fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<(Self, String)>>;
    fn insert(conn: &mut DbConnection, row: &Self) -> QueryResult<Self>;
    /// Inserts rows in bulk (multi-row `INSERT`s, `COPY` on PostgreSQL).
    fn insert_many(conn: &mut DbConnection, rows: &[Self]) -> QueryResult<usize>;
    /// The rows among `ids` that exist, with their associations' paths.
    fn find_many(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<(Self, String)>>;
    /// Writes `row` if the stored version is still `expected`.
    fn save(conn: &mut DbConnection, row: &Self, expected: i64) -> QueryResult<Option<Self>>;
    /// Deletes the row if the stored version is still `expected`.
    fn remove(conn: &mut DbConnection, id: &str, expected: i64) -> QueryResult<usize>;

    /// 422 when `row` may not be placed under its association, whose path
    /// is `path` (the level it needs, say), or names another record the
    /// caller (`scope`) may not point it to.
    fn check_place(
        _conn: &mut DbConnection,
        _scope: Option<&str>,
        _path: &str,
        _row: &Self,
    ) -> Result<(), ApiError> {
        Ok(())
    }
    /// 409 when another row holds what `row` must hold alone.
    fn check_unique(_conn: &mut DbConnection, _row: &Self) -> Result<(), ApiError> {
        Ok(())
    }
}

/// The members of [`Resource`] every row has the same way: `id`, `version`,
/// `association_id`, `created_at` and `updated_at` columns, a `Default`, a
/// `fields()` and a `set_fields()` of its own, and fields with `validated()`.
#[macro_export]
macro_rules! row_basics {
    ($fields:ty) => {
        fn id(&self) -> &str {
            &self.id
        }

        fn version(&self) -> i64 {
            self.version
        }

        fn association_id(&self) -> &str {
            &self.association_id
        }

        fn fields(&self) -> $fields {
            Self::fields(self)
        }

        fn validated(fields: $fields) -> Result<$fields, $crate::error::ApiError> {
            fields.validated()
        }

        fn new(
            id: String,
            association_id: String,
            fields: $fields,
            now: chrono::NaiveDateTime,
        ) -> Self {
            let mut row = Self {
                id,
                association_id,
                version: 1,
                created_at: now,
                updated_at: now,
                ..Self::default()
            };
            row.set_fields(fields);
            row
        }

        fn changed(&self, fields: $fields, now: chrono::NaiveDateTime) -> Self {
            let mut row = self.clone();
            row.set_fields(fields);
            row.version += 1;
            row.updated_at = now;
            row
        }
    };
}

/// The four statements of [`Resource`] for a table with `id`, `version` and
/// `association_id` columns, written once.
#[macro_export]
macro_rules! table_queries {
    ($table:ident) => {
        const TABLE: &'static str = stringify!($table);

        fn find(
            conn: &mut $crate::db::DbConnection,
            id: &str,
        ) -> diesel::QueryResult<Option<(Self, String)>> {
            use $crate::db::schema::{associations, $table};
            $table::table
                .inner_join(associations::table)
                .filter($table::id.eq(id))
                .select(($table::all_columns, associations::path))
                .first(conn)
                .optional()
        }

        fn find_many(
            conn: &mut $crate::db::DbConnection,
            ids: &[&str],
        ) -> diesel::QueryResult<Vec<(Self, String)>> {
            use $crate::db::schema::{associations, $table};
            $table::table
                .inner_join(associations::table)
                .filter($table::id.eq_any(ids))
                .select(($table::all_columns, associations::path))
                .load(conn)
        }

        fn insert_many(
            conn: &mut $crate::db::DbConnection,
            rows: &[Self],
        ) -> diesel::QueryResult<usize> {
            use $crate::db::schema::$table;
            Ok($crate::db::insert_many!(conn, $table::table, rows))
        }

        fn insert(conn: &mut $crate::db::DbConnection, row: &Self) -> diesel::QueryResult<Self> {
            use $crate::db::schema::$table;
            diesel::insert_into($table::table)
                .values(row)
                .returning($table::all_columns)
                .get_result(conn)
        }

        fn save(
            conn: &mut $crate::db::DbConnection,
            row: &Self,
            expected: i64,
        ) -> diesel::QueryResult<Option<Self>> {
            use $crate::db::schema::$table;
            diesel::update(
                $table::table
                    .filter($table::id.eq(&row.id))
                    .filter($table::version.eq(expected)),
            )
            .set(row)
            .returning($table::all_columns)
            .get_result(conn)
            .optional()
        }

        fn remove(
            conn: &mut $crate::db::DbConnection,
            id: &str,
            expected: i64,
        ) -> diesel::QueryResult<usize> {
            use $crate::db::schema::$table;
            diesel::delete(
                $table::table
                    .filter($table::id.eq(id))
                    .filter($table::version.eq(expected)),
            )
            .execute(conn)
        }
    };
}

/// A record the caller may see, with its association's path; 404 otherwise.
pub fn get_visible<R: Resource>(
    conn: &mut DbConnection,
    scope: Option<&str>,
    id: &str,
) -> Result<(R, String), ApiError> {
    let not_found = || ApiError::not_found(Message::new(R::NOUN));
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(not_found());
    }
    R::find(conn, id)?
        .filter(|(_, path)| in_scope(scope, path))
        .ok_or_else(not_found)
}

/// Checks that a record placed under the association at `path` may name
/// the `R` whose id is at `pointer`: it exists, the caller (`scope`) sees
/// it, and it belongs to that association or to one above it (a household
/// of a branch may name its commune's village); 422 on `pointer` otherwise.
/// On PostgreSQL the named row is locked FOR SHARE first, so
/// that a move or a delete of it waits for this write and then sees it.
pub fn check_reference<R: Resource>(
    conn: &mut DbConnection,
    scope: Option<&str>,
    (pointer, id): (&str, &str),
    path: &str,
) -> Result<(), ApiError> {
    let missing = || {
        let detail = msg!("reference-unknown", what = Message::new(R::NOUN));
        ApiError::invalid_field(pointer, "NOT_FOUND", detail)
    };
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(missing());
    }
    lock_row(conn, (R::TABLE, id), RowLock::Share)?;
    let (_, named_path) = R::find(conn, id)?
        .filter(|(_, named_path)| in_scope(scope, named_path))
        .ok_or_else(missing)?;
    if !path.starts_with(&named_path) {
        return Err(ApiError::invalid_field(
            pointer,
            "OUTSIDE_AREA",
            msg!("reference-outside-area", what = Message::new(R::NOUN)),
        ));
    }
    Ok(())
}

/// How a write holds a row it depends on until it commits (PostgreSQL; on
/// SQLite the one writer holds the whole database already).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLock {
    /// The write names the row: a change or delete of it waits.
    Share,
    /// The write changes or deletes the row after checking what depends on it.
    Update,
}

/// Locks the row `id` of `table` (a name from the code, never from a client).
pub fn lock_row(
    conn: &mut DbConnection,
    (table, id): (&str, &str),
    lock: RowLock,
) -> Result<(), ApiError> {
    if let DbConnection::Postgres(pg) = conn {
        use diesel::RunQueryDsl;
        let mode = match lock {
            RowLock::Share => "SHARE",
            RowLock::Update => "UPDATE",
        };
        diesel::sql_query(format!("SELECT 1 FROM {table} WHERE id = $1 FOR {mode}"))
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
    }
    Ok(())
}

/// Records a change to `R` in the audit trail (and so in the change feed).
/// Only ids and versions: the trail never holds personal data.
pub fn audit<R: Resource>(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &'static str,
    id: &str,
    path: &str,
    versions: (Option<i64>, Option<i64>),
) -> Result<(), ApiError> {
    record_change(conn, actor, (R::TYPE, action), id, versions, Some(path))
}

/// Creates a record under the association its fields name, which must be
/// in the caller's scope (422 on `/association_id` otherwise).
pub fn create<R: Resource>(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    fields: R::Fields,
) -> Result<R, ApiError> {
    let association_id = R::placed_in(&fields)
        .ok_or_else(|| ApiError::internal(format!("a {} names no association", R::TYPE)))?
        .to_owned();
    let path = placeable_path(conn, scope, &association_id)?;
    insert_under(conn, (actor, scope), (association_id, &path), None, fields)
}

/// Creates a record under an association found already (`id`, `path`),
/// with the given id (an import keeps the ids it is given) or a new one.
pub fn insert_under<R: Resource>(
    conn: &mut DbConnection,
    (actor, scope): (&Actor, Option<&str>),
    (association_id, path): (String, &str),
    id: Option<String>,
    fields: R::Fields,
) -> Result<R, ApiError> {
    let id = id.unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let row = R::new(id, association_id, fields, now());
    R::check_place(conn, scope, path, &row)?;
    R::check_unique(conn, &row)?;
    let row = R::insert(conn, &row)?;
    audit::<R>(
        conn,
        actor,
        "create",
        row.id(),
        path,
        (None, Some(row.version())),
    )?;
    Ok(row)
}

/// Applies `change` to the fields of a record the caller may see.
pub fn update<R: Resource>(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
    change: impl FnOnce(R::Fields) -> Result<R::Fields, ApiError>,
) -> Result<R, ApiError> {
    let found = get_visible(conn, scope, id)?;
    update_found(conn, actor, scope, found, if_match, change)
}

/// [`update`] of a record found already, with its association's path.
pub fn update_found<R: Resource>(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    (current, mut path): (R, String),
    if_match: &IfMatch,
    change: impl FnOnce(R::Fields) -> Result<R::Fields, ApiError>,
) -> Result<R, ApiError> {
    let fields = R::validated(change(current.fields())?)?;
    if_match.check(current.version())?;
    if fields == current.fields() {
        return Ok(current);
    }
    if let Some(target) = R::placed_in(&fields).filter(|t| *t != current.association_id()) {
        // The record must land inside the caller's scope too.
        path = placeable_path(conn, scope, target)?;
    }
    let row = current.changed(fields, now());
    R::check_place(conn, scope, &path, &row)?;
    R::check_unique(conn, &row)?;
    let saved = R::save(conn, &row, current.version())?
        .ok_or_else(|| ApiError::precondition_failed(current.version(), true))?;
    if saved.association_id() != current.association_id() {
        dependants::follow_move(conn, R::TYPE, saved.id(), saved.association_id())?;
    }
    let versions = (Some(current.version()), Some(saved.version()));
    audit::<R>(conn, actor, "update", saved.id(), &path, versions)?;
    Ok(saved)
}

/// Deletes a record the caller may see.
pub fn delete<R: Resource>(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    let found = get_visible::<R>(conn, scope, id)?;
    delete_found(conn, actor, found, if_match)
}

/// [`delete`] of a record found already, with its association's path.
pub fn delete_found<R: Resource>(
    conn: &mut DbConnection,
    actor: &Actor,
    (current, path): (R, String),
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    if_match.check(current.version())?;
    // Held from the check to the delete: a write that names the record
    // (an assessment of it, say) either went first and is counted, or waits
    // and then finds it gone.
    lock_row(conn, (R::TABLE, current.id()), RowLock::Update)?;
    dependants::refuse_delete(conn, R::TYPE, current.id())?;
    if R::remove(conn, current.id(), current.version())? == 0 {
        return Err(ApiError::precondition_failed(current.version(), true));
    }
    let versions = (Some(current.version()), None);
    audit::<R>(conn, actor, "delete", current.id(), &path, versions)
}

//! Users in the database: create, read, change, delete, with their
//! identities. A user is visible to a caller whose scope covers its
//! association; a user of the whole tree only to a caller of the whole tree.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::rules::{Identity, UserFields};
use crate::audit::model::record;
use crate::auth::{Actor, Role};
use crate::changes::model::Change;
use crate::db::schema::{associations, audit_events, user_identities, users};
use crate::db::{now, DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::http::paging::{Page, PageRequest};
use crate::http::preconditions::IfMatch;
use crate::msg;
use crate::resource::dependants::{refuse_while, Dependant};
use crate::text;
use crate::tree;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub search_text: String,
    pub email: Option<String>,
    pub role: String,
    pub association_id: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A user with the identities that sign in as it.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub row: UserRow,
    pub identities: Vec<Identity>,
}

impl UserRow {
    pub fn role(&self) -> Role {
        // The column has a CHECK constraint listing exactly these values.
        Role::parse(&self.role).unwrap_or(Role::Viewer)
    }

    /// This row with the members of `fields` (the identities are rows of their own).
    fn with_fields(self, fields: &UserFields) -> Self {
        UserRow {
            search_text: text::fold(&fields.name),
            name: fields.name.clone(),
            email: fields.email.clone(),
            role: fields.role.as_str().to_owned(),
            association_id: fields.association_id.clone(),
            active: fields.active,
            ..self
        }
    }
}

impl User {
    pub fn fields(&self) -> UserFields {
        UserFields {
            name: self.row.name.clone(),
            email: self.row.email.clone(),
            role: self.row.role(),
            association_id: self.row.association_id.clone(),
            active: self.row.active,
            identities: self.identities.clone(),
        }
    }
}

/// The filters of the user list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub association_id: Option<String>,
    /// Users of this association and of every association below it.
    pub ancestor_id: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub q: Option<String>,
    /// The caller's scope path.
    pub scope: Option<String>,
}

/// Users whose association lies in `scope` (`None`: every user).
fn visible(scope: Option<&str>) -> users::BoxedQuery<'static, MultiBackend> {
    let mut query = users::table.into_boxed::<MultiBackend>();
    if let Some(scope) = scope {
        let in_scope = tree::ids_in_subtree(scope).select(associations::id.nullable());
        query = query.filter(users::association_id.eq_any(in_scope));
    }
    query
}

/// The identities of `ids`, by user.
fn identities_of(
    conn: &mut DbConnection,
    ids: &[&str],
) -> Result<HashMap<String, Vec<Identity>>, ApiError> {
    let rows: Vec<(String, String, String)> = user_identities::table
        .filter(user_identities::user_id.eq_any(ids))
        .select((
            user_identities::user_id,
            user_identities::issuer,
            user_identities::subject,
        ))
        .order((user_identities::issuer, user_identities::subject))
        .load(conn)?;
    let mut by_user: HashMap<String, Vec<Identity>> = HashMap::new();
    for (user_id, issuer, subject) in rows {
        by_user
            .entry(user_id)
            .or_default()
            .push(Identity { issuer, subject });
    }
    Ok(by_user)
}

fn with_identities(conn: &mut DbConnection, rows: Vec<UserRow>) -> Result<Vec<User>, ApiError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut identities = identities_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| User {
            identities: identities.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// A user the caller may see; 404 otherwise.
pub fn get_visible(
    conn: &mut DbConnection,
    scope: Option<&str>,
    id: &str,
) -> Result<User, ApiError> {
    let not_found = || ApiError::not_found(msg!("noun-user"));
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(not_found());
    }
    let row: UserRow = visible(scope)
        .filter(users::id.eq(id.to_owned()))
        .first(conn)
        .optional()?
        .ok_or_else(not_found)?;
    with_identities(conn, vec![row])?
        .pop()
        .ok_or_else(not_found)
}

/// The path of the association a user of `association_id` is placed
/// under, which must be in the caller's `scope`: 422 on `/association_id`
/// for one it cannot see, 403 for the whole tree from a scoped caller.
fn placed_path(
    conn: &mut DbConnection,
    scope: Option<&str>,
    association_id: Option<&str>,
) -> Result<Option<String>, ApiError> {
    match association_id {
        Some(id) => tree::placeable_path(conn, scope, id).map(Some),
        None if scope.is_some() => Err(ApiError::forbidden(
            "OUTSIDE_SCOPE",
            msg!("user-whole-tree"),
        )),
        None => Ok(None),
    }
}

/// Links `identities` to the user `id`, in place of those it had: 409
/// `IDENTITY_TAKEN` for one linked to another user (the primary key decides
/// between two writes racing for one).
fn link(conn: &mut DbConnection, id: &str, identities: &[Identity]) -> Result<(), ApiError> {
    diesel::delete(user_identities::table.filter(user_identities::user_id.eq(id))).execute(conn)?;
    for identity in identities {
        let linked = diesel::insert_into(user_identities::table)
            .values((
                user_identities::issuer.eq(&identity.issuer),
                user_identities::subject.eq(&identity.subject),
                user_identities::user_id.eq(id),
            ))
            .execute(conn);
        match linked {
            Ok(_) => {}
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                return Err(ApiError::conflict(
                    "IDENTITY_TAKEN",
                    msg!(
                        "identity-taken",
                        subject = &identity.subject,
                        issuer = &identity.issuer
                    ),
                ))
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

fn audit(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &'static str,
    (id, path): (&str, Option<&str>),
    versions: (Option<i64>, Option<i64>),
) -> Result<(), ApiError> {
    record(
        conn,
        actor,
        Change {
            action,
            resource_type: "user",
            resource_id: id,
            version_before: versions.0,
            version_after: versions.1,
            scope_path: path,
        },
    )
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    fields: UserFields,
) -> Result<User, ApiError> {
    let path = placed_path(conn, scope, fields.association_id.as_deref())?;
    let now = now();
    let row = UserRow {
        id: uuid::Uuid::now_v7().to_string(),
        name: String::new(),
        search_text: String::new(),
        email: None,
        role: String::new(),
        association_id: None,
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
    }
    .with_fields(&fields);
    let row: UserRow = diesel::insert_into(users::table)
        .values(&row)
        .returning(users::all_columns)
        .get_result(conn)?;
    link(conn, &row.id, &fields.identities)?;
    audit(
        conn,
        actor,
        "create",
        (&row.id, path.as_deref()),
        (None, Some(row.version)),
    )?;
    Ok(User {
        row,
        identities: fields.identities,
    })
}

/// Applies `change` to a user the caller may see; the user must stay in
/// the caller's scope.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
    change: impl FnOnce(UserFields) -> Result<UserFields, ApiError>,
) -> Result<User, ApiError> {
    let current = get_visible(conn, scope, id)?;
    let fields = change(current.fields())?.validated()?;
    if_match.check(current.row.version)?;
    if fields == current.fields() {
        return Ok(current);
    }
    let path = placed_path(conn, scope, fields.association_id.as_deref())?;
    let row = UserRow {
        version: current.row.version + 1,
        updated_at: now(),
        ..current.row.clone()
    }
    .with_fields(&fields);
    let row: UserRow = diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::version.eq(current.row.version)),
    )
    .set(&row)
    .returning(users::all_columns)
    .get_result(conn)
    .optional()?
    .ok_or_else(|| ApiError::precondition_failed(current.row.version, true))?;
    if fields.identities != current.identities {
        link(conn, id, &fields.identities)?;
    }
    let versions = (Some(current.row.version), Some(row.version));
    audit(conn, actor, "update", (id, path.as_deref()), versions)?;
    Ok(User {
        row,
        identities: fields.identities,
    })
}

/// Deletes a user the audit trail does not name (409 otherwise: deactivate
/// it). The trail's foreign key decides against a write of the user's own
/// committing meanwhile.
pub fn delete(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    let current = get_visible(conn, scope, id)?;
    if_match.check(current.row.version)?;
    let named: i64 = audit_events::table
        .filter(audit_events::actor_user_id.eq(id))
        .count()
        .get_result(conn)?;
    refuse_while(named, "USER_IN_AUDIT_TRAIL", |n| {
        msg!("user-in-audit-trail", count = n)
    })?;
    let path = match &current.row.association_id {
        Some(association) => tree::path_of(conn, association)?,
        None => None,
    };
    let deleted = diesel::delete(
        users::table
            .filter(users::id.eq(id))
            .filter(users::version.eq(current.row.version)),
    )
    .execute(conn);
    match deleted {
        Ok(0) => return Err(ApiError::precondition_failed(current.row.version, true)),
        Ok(_) => {}
        Err(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
            return Err(ApiError::conflict(
                "USER_IN_AUDIT_TRAIL",
                msg!("user-in-audit-trail-any"),
            ))
        }
        Err(error) => return Err(error.into()),
    }
    audit(
        conn,
        actor,
        "delete",
        (id, path.as_deref()),
        (Some(current.row.version), None),
    )
}

/// One page of users, oldest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &UserFilter,
    page: &PageRequest,
) -> Result<Page<User>, ApiError> {
    let Some(subtrees) =
        tree::bounding_subtrees(conn, filter.scope.as_deref(), filter.ancestor_id.as_deref())?
    else {
        return Ok(page.finish(Vec::new(), |user: &User| (vec![], user.row.id.clone())));
    };
    let mut query = visible(None);
    for path in subtrees {
        let in_subtree = tree::ids_in_subtree(&path).select(associations::id.nullable());
        query = query.filter(users::association_id.eq_any(in_subtree));
    }
    if let Some(id) = &filter.association_id {
        query = query.filter(users::association_id.eq(id.clone()));
    }
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(q) = &filter.q {
        query = query.filter(
            users::search_text
                .like(text::contains_pattern(q))
                .escape('\\'),
        );
    }
    if let Some(cursor) = &page.after {
        query = query.filter(users::id.gt(cursor.id.clone()));
    }
    let rows: Vec<UserRow> = query
        .order(users::id.asc())
        .limit(page.fetch_limit())
        .load(conn)?;
    let users = with_identities(conn, rows)?;
    Ok(page.finish(users, |user| (Vec::new(), user.row.id.clone())))
}

/// How many users an association has (it is not deleted while it has any).
fn count_in(conn: &mut DbConnection, association_id: &str) -> Result<i64, ApiError> {
    Ok(users::table
        .filter(users::association_id.eq(association_id))
        .count()
        .get_result(conn)?)
}

inventory::submit! {
    Dependant {
        on: "association",
        order: 80,
        refuse_delete: |conn, id| {
            refuse_while(count_in(conn, id)?, "HAS_USERS", |n| {
                msg!("association-has-users", count = n)
            })
        },
        follow_move: None,
    }
}

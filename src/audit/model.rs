//! Audit rows: written beside every change, listed newest first.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::Actor;
use crate::changes::model::{self as changes, Change};
use crate::db::schema::audit_events::{self, dsl};
use crate::db::{now, DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::http::paging::{Page, PageRequest};
use crate::tree::subtree_end;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_token_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub version_before: Option<i64>,
    pub version_after: Option<i64>,
    pub request_id: Option<String>,
    pub scope_path: Option<String>,
    /// What a bulk import did (JSON text); `None` for other events.
    pub detail: Option<String>,
    pub actor_user_id: Option<String>,
}

/// Records `change` by `actor`; call it inside the write's transaction.
/// It also stages the change's event for the change feed. The rows of a bulk
/// import ([`Actor::bulk`]) go to the change feed only: the import is one
/// audit event of its own ([`record_import`]).
pub fn record(conn: &mut DbConnection, actor: &Actor, change: Change<'_>) -> Result<(), ApiError> {
    changes::stage(&change);
    if actor.bulk && IMPORTED_ACTIONS.contains(&change.action) {
        return Ok(());
    }
    insert(conn, actor, change, None)
}

/// The actions of the rows of an import (refusals stay audited one by one).
const IMPORTED_ACTIONS: [&str; 3] = ["create", "update", "delete"];

/// The action of the one audit event of a bulk import.
pub const IMPORT: &str = "import";

/// Records that `actor` imported rows of `resource_type` within `scope_path`:
/// one event whose `detail` is `report` (the counts; never a row's data).
pub fn record_import(
    conn: &mut DbConnection,
    actor: &Actor,
    resource_type: &'static str,
    scope_path: Option<&str>,
    report: &impl serde::Serialize,
) -> Result<(), ApiError> {
    let id = uuid::Uuid::now_v7().to_string();
    let change = Change {
        action: IMPORT,
        resource_type,
        resource_id: &id,
        version_before: None,
        version_after: None,
        scope_path,
    };
    let detail = serde_json::to_string(report).map_err(|e| ApiError::internal(e.to_string()))?;
    insert(conn, actor, change, Some(detail))
}

fn insert(
    conn: &mut DbConnection,
    actor: &Actor,
    change: Change<'_>,
    detail: Option<String>,
) -> Result<(), ApiError> {
    let row = AuditRow {
        id: uuid::Uuid::now_v7().to_string(),
        occurred_at: now(),
        actor_token_id: actor.token_id.clone(),
        actor_user_id: actor.user_id.clone(),
        actor_name: actor.name.clone(),
        action: change.action.to_owned(),
        resource_type: change.resource_type.to_owned(),
        resource_id: change.resource_id.to_owned(),
        version_before: change.version_before,
        version_after: change.version_after,
        request_id: actor.request_id.clone(),
        scope_path: change.scope_path.map(str::to_owned),
        detail,
    };
    diesel::insert_into(audit_events::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Records `action` on a `resource_type` record (its versions before and
/// after; `scope_path` `None` for the whole tree's records).
pub fn record_change(
    conn: &mut DbConnection,
    actor: &Actor,
    (resource_type, action): (&'static str, &'static str),
    id: &str,
    versions: (Option<i64>, Option<i64>),
    scope_path: Option<&str>,
) -> Result<(), ApiError> {
    let change = Change {
        action,
        resource_type,
        resource_id: id,
        version_before: versions.0,
        version_after: versions.1,
        scope_path,
    };
    record(conn, actor, change)
}

/// The filters of the audit list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub actor: Option<String>,
    pub since: Option<NaiveDateTime>,
    /// Only events of this subtree (the caller's scope).
    pub scope_path: Option<String>,
}

impl AuditFilter {
    pub fn fingerprint(&self) -> String {
        format!("{self:?}")
    }
}

/// One page of events, newest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditRow>, ApiError> {
    let mut query = audit_events::table.into_boxed::<MultiBackend>();
    if let Some(scope) = &filter.scope_path {
        query = query
            .filter(dsl::scope_path.ge(scope.clone()))
            .filter(dsl::scope_path.lt(subtree_end(scope)));
    }
    if let Some(resource_type) = &filter.resource_type {
        query = query.filter(dsl::resource_type.eq(resource_type.clone()));
    }
    if let Some(resource_id) = &filter.resource_id {
        query = query.filter(dsl::resource_id.eq(resource_id.clone()));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(
            dsl::actor_token_id
                .eq(actor.clone())
                .or(dsl::actor_user_id.eq(actor.clone())),
        );
    }
    if let Some(since) = filter.since {
        query = query.filter(dsl::occurred_at.ge(since));
    }
    if let Some(cursor) = &page.after {
        query = query.filter(dsl::id.lt(cursor.id.clone()));
    }
    let rows: Vec<AuditRow> = query
        .order(dsl::id.desc())
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, |row| (Vec::new(), row.id.clone())))
}

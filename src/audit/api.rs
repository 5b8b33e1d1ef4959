//! `GET /api/v1/audit-events`: who changed what, when.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, AuditFilter, AuditRow};
use crate::auth::{Caller, Role};
use crate::db::Db;
use crate::error::ApiError;
use crate::http::extract::Query;
use crate::http::ids;
use crate::http::paging::{self, Page, PageRequest};
use crate::msg;

pub fn configure(config: &mut ServiceConfig) {
    config.service(list_audit_events);
}

/// One recorded write.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "occurred_at": "2026-11-27T10:30:00.125Z",
    "actor_token_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a00", "actor_user_id": null, "actor_name": "Văn phòng Hội tỉnh",
    "action": "update", "resource_type": "association", "resource_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a51",
    "version_before": 2, "version_after": 3, "request_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a77"
}))]
pub struct AuditEvent {
    /// UUIDv7: ids sort in the order the writes happened.
    #[schema(format = Uuid)]
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// The token that made the change; null for a signed-in user and for the command line.
    #[schema(format = Uuid)]
    pub actor_token_id: Option<String>,
    /// The signed-in user who made the change; null for a token and for the command line.
    #[schema(format = Uuid)]
    pub actor_user_id: Option<String>,
    /// The token's or the user's name at the time (or "command line").
    #[schema(max_length = 100)]
    pub actor_name: String,
    /// `create`, `update`, `delete`, `issue`, `revoke`, `import` (a bulk
    /// import, with its counts in `detail`), or a refusal worth seeing
    /// (`refuse_duplicate_national_id`).
    #[schema(max_length = 64)]
    pub action: String,
    /// `association`, `token`, `user`, `criteria_set`, `criterion`, `unit`, `citizen`, `community`, `clan`, `household`,
    /// `assessment`, `yearly_stats` or `target`.
    #[schema(max_length = 64)]
    pub resource_type: String,
    #[schema(format = Uuid)]
    pub resource_id: String,
    /// The resource's version before the change; null for a creation.
    pub version_before: Option<i64>,
    /// The resource's version after the change; null for a deletion.
    pub version_after: Option<i64>,
    /// The `X-Request-Id` of the request that made the change.
    #[schema(max_length = 128)]
    pub request_id: Option<String>,
    /// Only on an `import` event (one per bulk import, whose rows are each
    /// in the change feed): the resource and what happened to its rows —
    /// `total`, `created`, `updated`, `unchanged`, `rejected`, whether it was
    /// `atomic` and whether it `finished`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>, example = json!({"resource": "citizens", "finished": true,
        "atomic": false, "total": 1000, "created": 990, "updated": 5, "unchanged": 3, "rejected": 2}))]
    pub detail: Option<serde_json::Value>,
}

impl From<AuditRow> for AuditEvent {
    fn from(row: AuditRow) -> Self {
        AuditEvent {
            id: row.id,
            occurred_at: row.occurred_at.and_utc(),
            actor_token_id: row.actor_token_id,
            actor_user_id: row.actor_user_id,
            actor_name: row.actor_name,
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            version_before: row.version_before,
            version_after: row.version_after,
            request_id: row.request_id,
            detail: row.detail.and_then(|text| serde_json::from_str(&text).ok()),
        }
    }
}

/// Filters and paging of the audit trail.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAuditEventsParams {
    /// Only changes to this kind of resource (`association`, `token`, `criteria_set`,
    /// `criterion`, `unit`, `citizen`, `community`, `clan`, `household`, `assessment`, `yearly_stats`, `target`).
    pub resource_type: Option<String>,
    /// Only changes to this resource.
    #[serde(default, deserialize_with = "ids::optional")]
    pub resource_id: Option<String>,
    /// Only changes made with this token (its id).
    #[serde(default, deserialize_with = "ids::optional")]
    #[param(format = Uuid)]
    pub actor: Option<String>,
    /// Only changes at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters.
    pub page_token: Option<String>,
}

/// List audit events, newest first.
///
/// Admins see every event of their scope; editors the events of their scope.
#[utoipa::path(
    tag = "audit",
    params(ListAuditEventsParams),
    responses(
        (status = 200, description = "One page of events, newest first", body = Page<AuditEvent>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ListRefusals,
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListAuditEventsParams>,
) -> Result<HttpResponse, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Editor) {
        return Err(ApiError::forbidden(
            "ROLE_CANNOT_AUDIT",
            msg!("audit-admins-editors"),
        ));
    }
    let filter = AuditFilter {
        resource_type: params.resource_type,
        resource_id: params.resource_id,
        actor: params.actor,
        since: params.since.map(|t| t.naive_utc()),
        scope_path: caller.scope_path().map(str::to_owned),
    };
    let page = PageRequest::new(
        params.page_size,
        params.page_token.as_deref(),
        &filter.fingerprint(),
    )?;
    let rows = db
        .run(move |conn| model::list(conn, &filter, &page))
        .await?;
    Ok(paging::page_response(&req, rows.map(AuditEvent::from)))
}

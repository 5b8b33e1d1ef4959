//! `GET /api/v1/changes` and `GET /api/v1/changes/head`: the change feed.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, ChangeRow, FeedFilter};
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::extract::Query;
use crate::msg;

pub fn configure(config: &mut ServiceConfig) {
    config.service(list_changes).service(changes_head);
}

/// The resource types of the feed.
pub const TYPES: [&str; 11] = [
    "association",
    "criteria_set",
    "criterion",
    "unit",
    "citizen",
    "community",
    "clan",
    "household",
    "assessment",
    "yearly_stats",
    "target",
];

/// What happened to a resource.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Created or changed: fetch the resource (at least this version).
    Upsert,
    /// Deleted: a tombstone (type, id and last version only).
    Delete,
}

/// One create, update or delete.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"seq": "1042", "type": "unit", "op": "upsert",
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a70", "version": 3, "changed_at": "2026-11-27T10:30:00.125Z"}))]
pub struct ChangeEvent {
    /// Increases in commit order; a decimal string (it may exceed what a
    /// JSON number holds exactly in some clients).
    #[schema(max_length = 19, pattern = "^[0-9]{1,19}$")]
    pub seq: String,
    /// `association`, `criteria_set`, `criterion`, `unit`, `citizen`, `community`, `clan`, `household`,
    /// `assessment`, `yearly_stats` or `target`.
    #[serde(rename = "type")]
    #[schema(max_length = 64)]
    pub resource_type: String,
    pub op: Op,
    /// The resource's id.
    #[schema(format = Uuid)]
    pub id: String,
    /// The version after an upsert; the last version before a delete.
    pub version: Option<i64>,
    /// The database's time of the change.
    pub changed_at: DateTime<Utc>,
}

impl From<ChangeRow> for ChangeEvent {
    fn from(row: ChangeRow) -> Self {
        ChangeEvent {
            seq: row.seq.to_string(),
            resource_type: row.resource_type,
            op: if row.op == "delete" {
                Op::Delete
            } else {
                Op::Upsert
            },
            id: row.resource_id,
            version: row.version,
            changed_at: row.changed_at.and_utc(),
        }
    }
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    /// Events after the cursor, in increasing `seq`.
    pub items: Vec<ChangeEvent>,
    /// Pass as `cursor` to continue: the `seq` of the last event here, or
    /// the cursor sent when there is none yet.
    #[schema(max_length = 19, pattern = "^[0-9]{1,19}$")]
    pub next_cursor: String,
    /// Whether more events follow at once (else poll again later).
    pub has_more: bool,
}

/// Where the feed is now.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"cursor": "1042"}))]
pub struct ChangeHead {
    /// The `seq` of the latest event ("0" when there is none).
    #[schema(max_length = 19, pattern = "^[0-9]{1,19}$")]
    pub cursor: String,
}

/// Cursor, types and page size of the feed.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListChangesParams {
    /// Events after this `seq`: a `next_cursor` or the `cursor` of
    /// `/changes/head`; "0" (the default) for the whole history.
    #[param(max_length = 18, pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// Comma-separated resource types; all when absent.
    #[param(
        max_length = 200,
        example = "unit,citizen",
        pattern = "^(association|criteria_set|criterion|unit|citizen|assessment|yearly_stats|target)(,(association|criteria_set|criterion|unit|citizen|assessment|yearly_stats|target))*$"
    )]
    pub types: Option<String>,
    /// 1–1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub page_size: Option<u32>,
}

fn parse_cursor(cursor: Option<&str>) -> Result<i64, ApiError> {
    let Some(cursor) = cursor else { return Ok(0) };
    let invalid = || ApiError::bad_parameter("cursor", "INVALID_PARAMETER", msg!("cursor-invalid"));
    if cursor.is_empty() || cursor.len() > 18 || !cursor.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    cursor.parse().map_err(|_| invalid())
}

fn parse_types(types: Option<&str>) -> Result<Vec<String>, ApiError> {
    let Some(types) = types else {
        return Ok(Vec::new());
    };
    types
        .split(',')
        .map(|name| {
            TYPES
                .into_iter()
                .find(|known| *known == name.trim())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::bad_parameter(
                        "types",
                        "INVALID_PARAMETER",
                        msg!("value-not-allowed", sent = name, allowed = TYPES.join(", ")),
                    )
                })
        })
        .collect()
}

/// Read the change feed: every create, update and delete after a cursor.
///
/// Events come in increasing `seq`, which is commit order: a reader that
/// resumes from `next_cursor` never misses an event, even one whose
/// transaction committed late. To make a copy without a gap: take
/// `/changes/head`, export everything, then replay from that cursor. A
/// scoped token sees the events of its subtree; events carry no personal
/// data (fetch the resource for its fields).
#[utoipa::path(
    tag = "changes",
    params(ListChangesParams),
    responses(
        (status = 200, description = "Events after the cursor", body = ChangePage),
        crate::openapi::refusals::ListRefusals,
    )
)]
#[get("/changes")]
pub async fn list_changes(
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListChangesParams>,
) -> Result<HttpResponse, ApiError> {
    let after = parse_cursor(params.cursor.as_deref())?;
    let filter = FeedFilter {
        types: parse_types(params.types.as_deref())?,
        scope: caller.scope_path().map(str::to_owned),
    };
    let size = match params.page_size {
        None => 100,
        Some(size @ 1..=1000) => i64::from(size),
        Some(_) => {
            return Err(ApiError::bad_parameter(
                "page_size",
                "INVALID_PARAMETER",
                msg!("page-size", max = 1000),
            ))
        }
    };
    let mut rows = db
        .run(move |conn| model::list(conn, &filter, after, size + 1))
        .await?;
    let has_more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    let next_cursor = rows.last().map_or(after, |row| row.seq).to_string();
    Ok(HttpResponse::Ok().json(ChangePage {
        items: rows.into_iter().map(ChangeEvent::from).collect(),
        next_cursor,
        has_more,
    }))
}

/// The feed's current cursor, to start following it from now.
#[utoipa::path(
    tag = "changes",
    responses(
        (status = 200, description = "The latest `seq`", body = ChangeHead),
        crate::openapi::refusals::Refusals,
    )
)]
#[get("/changes/head")]
pub async fn changes_head(db: web::Data<Db>, _caller: Caller) -> Result<HttpResponse, ApiError> {
    let seq = db.run(model::head).await?;
    Ok(HttpResponse::Ok().json(ChangeHead {
        cursor: seq.to_string(),
    }))
}

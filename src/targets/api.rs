//! HTTP handlers and DTOs of `/api/v1/targets`.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, TargetFilter, TargetRow};
use super::rules::{Metric, TargetFields};
use crate::auth::Caller;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::http::extract::{JsonBody, Query};
use crate::http::ids::{self, Id};
use crate::http::merge_patch;
use crate::http::paging::{Page, PageRequest};
use crate::http::preconditions::IfMatch;
use crate::resource::export::Listing;
use crate::resource::Importable;
use crate::resource::{self, http::Served};

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_targets)
        .service(export_targets)
        .service(create_target)
        .service(get_target)
        .service(update_target)
        .service(delete_target);
}

/// What an association aims to reach by a year. Ratios are fractions
/// (0.35 for 35 %); `learning_district_criteria_met` is a count. Reports
/// compare a year with the nearest target due that year or later.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4aa0", "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    "metric": "membership_ratio", "year": 2025, "min_value": 0.35, "max_value": 0.4,
    "note": "Nghị quyết Đại hội nhiệm kỳ 2020–2025", "version": 1,
    "created_at": "2026-11-27T09:00:00Z", "updated_at": "2026-11-27T09:00:00Z"
}))]
pub struct Target {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub association_id: String,
    pub metric: Metric,
    /// The year by which the target is to be reached.
    pub year: i32,
    /// The floor (35 % → 0.35).
    pub min_value: f64,
    /// The ceiling of a range target (35–40 % → 0.4), or `null`.
    pub max_value: Option<f64>,
    #[schema(format = "text", max_length = 4000)]
    pub note: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Importable for TargetRow {
    const NAME: &'static str = "targets";
    type Create = CreateTarget;

    fn fields_from(
        body: CreateTarget,
        _: Option<String>,
    ) -> Result<(String, TargetFields), ApiError> {
        let fields = TargetFields {
            association_id: body.association_id,
            metric: body.metric,
            year: body.year,
            min_value: body.min_value,
            max_value: body.max_value,
            note: body.note,
        };
        Ok((fields.association_id.clone(), fields))
    }

    /// The same association, metric and year.
    fn keys(&self) -> Vec<String> {
        vec![format!(
            "{}/{}/{}",
            self.association_id, self.metric, self.year
        )]
    }

    fn holders(conn: &mut DbConnection, rows: &[&Self]) -> Result<Vec<(Self, String)>, ApiError> {
        model::holders(conn, rows)
    }
}

impl Served for TargetRow {
    const COLLECTION: &'static str = "/api/v1/targets";
    type Json = Target;
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "association_id",
        "metric",
        "year",
        "min_value",
        "max_value",
        "note",
        "version",
        "created_at",
        "updated_at",
    ];

    fn present(self, _: &Caller) -> Target {
        Target::from(self)
    }
}

impl From<TargetRow> for Target {
    fn from(row: TargetRow) -> Self {
        Target {
            metric: row.metric(),
            id: row.id,
            association_id: row.association_id,
            year: row.year,
            min_value: row.min_value,
            max_value: row.max_value,
            note: row.note,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A new target. Ratios from 0 to 1; counts from 0 to 1000; `max_value` not below `min_value`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "metric": "membership_ratio",
                          "year": 2025, "min_value": 0.35, "max_value": 0.4}))]
pub struct CreateTarget {
    #[schema(format = Uuid)]
    #[serde(deserialize_with = "ids::string")]
    pub association_id: String,
    pub metric: Metric,
    #[schema(minimum = 1996, maximum = 2100)]
    pub year: i32,
    #[schema(minimum = 0, maximum = 1000)]
    pub min_value: f64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub max_value: Option<f64>,
    #[serde(default)]
    #[schema(max_length = 4000, format = "text")]
    pub note: Option<String>,
}

/// A JSON Merge Patch of a target.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"max_value": null}))]
pub struct UpdateTarget {
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = String, format = Uuid)]
    pub association_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Metric)]
    pub metric: Option<Option<Metric>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = i32, minimum = 1996, maximum = 2100)]
    pub year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = f64, minimum = 0, maximum = 1000)]
    pub min_value: Option<Option<f64>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 1000)]
    pub max_value: Option<Option<f64>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 4000, format = "text")]
    pub note: Option<Option<String>>,
}

impl UpdateTarget {
    fn apply(self, mut f: TargetFields) -> Result<TargetFields, ApiError> {
        let mut errors = Vec::new();
        merge_patch::required(
            &mut errors,
            "/association_id",
            self.association_id,
            &mut f.association_id,
        );
        merge_patch::required(&mut errors, "/metric", self.metric, &mut f.metric);
        merge_patch::required(&mut errors, "/year", self.year, &mut f.year);
        merge_patch::required(&mut errors, "/min_value", self.min_value, &mut f.min_value);
        merge_patch::optional(self.max_value, &mut f.max_value);
        merge_patch::optional(self.note, &mut f.note);
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Filters and paging of the target list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTargetsParams {
    /// Only the targets of this association.
    #[serde(default, deserialize_with = "ids::optional")]
    pub association_id: Option<String>,
    /// Only the targets of this association and of every association below it.
    #[serde(default, deserialize_with = "ids::optional")]
    pub ancestor_id: Option<String>,
    pub metric: Option<Metric>,
    /// Only targets due this year.
    pub year: Option<i32>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters.
    pub page_token: Option<String>,
}

/// List targets, by year.
#[utoipa::path(
    tag = "targets",
    params(ListTargetsParams),
    responses(
        (status = 200, description = "One page of targets. Every one that matches the filters, as a file: `GET /api/v1/exports/targets`", body = Page<Target>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/targets")]
pub async fn list_targets(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListTargetsParams>,
) -> Result<HttpResponse, ApiError> {
    targets(&req, &db, &caller, params, Listing::Page).await
}

/// Export targets: every one that matches the filters of the list, as a
/// file to save or to import elsewhere (no pages).
#[utoipa::path(
    tag = "targets",
    params(ListTargetsParams),
    responses(
        (status = 200, description = "Every one that matches the filters, streamed: CSV (UTF-8 with a byte-order mark, the default), with `Accept: application/x-ndjson` one JSON object per line, or with `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` a workbook (a bold, frozen heading row naming the members as people read them, in the language `Accept-Language` asks for, Vietnamese by default; numbers, booleans, dates and times in their types; written in constant memory, sent when complete); page parameters are checked as the list checks them, then ignored",
         content((String = "text/csv"), (String = "application/x-ndjson"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
         headers(("Content-Disposition" = String, description = "`attachment` with the file's name"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/exports/targets")]
pub async fn export_targets(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListTargetsParams>,
) -> Result<HttpResponse, ApiError> {
    targets(&req, &db, &caller, params, Listing::Export).await
}

/// The list's rows, as a page or as a file.
async fn targets(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: ListTargetsParams,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let filter = TargetFilter {
        association_id: params.association_id,
        ancestor_id: params.ancestor_id,
        metric: params.metric,
        year: params.year,
        scope: caller.scope_path().map(str::to_owned),
    };
    let fingerprint = format!("{filter:?}");
    let paging = (params.page_size, params.page_token.as_deref());
    let fetch = move |conn: &mut DbConnection, page: &PageRequest| model::list(conn, &filter, page);
    resource::http::list::<TargetRow, _>(req, db, caller, listing, paging, fingerprint, fetch).await
}

/// Set a target (editors and admins, for an association in their scope).
#[utoipa::path(
    tag = "targets",
    request_body(content = CreateTarget, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = Target,
         headers(("Location" = String, description = "The target's URL"), ("ETag" = String, description = "The version"))),
        crate::openapi::refusals::CreateRefusals,
    )
)]
#[post("/targets")]
pub async fn create_target(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateTarget>,
) -> Result<HttpResponse, ApiError> {
    let (_, fields) = TargetRow::fields_from(body, None)?;
    let fields = fields.validated()?;
    let row = resource::http::create_row::<TargetRow>(&db, &caller, fields).await?;
    Ok(resource::http::respond_created(&req, &caller, row))
}

/// Get a target.
#[utoipa::path(
    tag = "targets",
    params(("id" = String, Path, description = "The target's id")),
    responses(
        (status = 200, description = "The target", body = Target, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/targets/{id}")]
pub async fn get_target(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    resource::http::get_one::<TargetRow>(&req, &db, &caller, id.into_inner()).await
}

/// Change a target (JSON Merge Patch).
#[utoipa::path(
    tag = "targets",
    params(
        ("id" = String, Path, description = "The target's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on; 412 if stale"),
    ),
    request_body(content = UpdateTarget, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated target", body = Target, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::UpdateRefusals,
    )
)]
#[patch("/targets/{id}")]
pub async fn update_target(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateTarget>,
) -> Result<HttpResponse, ApiError> {
    let apply = move |fields| patch.clone().apply(fields);
    let row = resource::http::update_row(&db, &caller, id.into_inner(), if_match, apply).await?;
    Ok(resource::http::respond::<TargetRow>(&req, &caller, row))
}

/// Delete a target.
#[utoipa::path(
    tag = "targets",
    params(
        ("id" = String, Path, description = "The target's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the delete is based on; 412 if stale"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::refusals::ReadRefusals,
        (status = 403, response = crate::openapi::Forbidden),
        (status = 412, response = crate::openapi::PreconditionFailed),
    )
)]
#[delete("/targets/{id}")]
pub async fn delete_target(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    resource::http::delete_one::<TargetRow>(&db, &caller, id.into_inner(), if_match).await
}

inventory::submit! {
    crate::resource::readers::Reader {
        resource_type: <TargetRow as crate::resource::Resource>::TYPE,
        read: crate::resource::readers::read_as::<TargetRow>,
    }
}

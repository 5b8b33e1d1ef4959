//! HTTP handlers and DTOs of `/api/v1/criteria-sets/{id}/criteria`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::measure::{Measure, Threshold};
use super::model::{self, CriterionRow};
use super::rules::CriterionFields;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::{ApiError, FieldError};
use crate::http::extract::JsonBody;
use crate::http::ids::Id;
use crate::http::merge_patch;
use crate::http::paging::{self, Page};
use crate::http::preconditions::{created_response, resource_response, IfMatch};

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_criteria)
        .service(create_criterion)
        .service(get_criterion)
        .service(update_criterion)
        .service(delete_criterion);
}

/// One criterion of a set.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a61", "criteria_set_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60",
    "code": "TC08", "title": "Số hội viên đạt tỷ lệ mục tiêu so với dân số", "description": null,
    "group": "Kết quả học tập", "position": 8, "max_score": 1, "min_score": null, "required": false,
    "level": 1, "evidence_hint": "Báo cáo thống kê hội viên năm", "version": 1,
    "created_at": "2026-11-27T09:00:00Z", "updated_at": "2026-11-27T09:00:00Z"
}))]
pub struct Criterion {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub criteria_set_id: String,
    /// Unique within the set (`TC01`).
    #[schema(format = "code", max_length = 32)]
    pub code: String,
    #[schema(format = "text-line", max_length = 500)]
    pub title: String,
    #[schema(format = "text", max_length = 4000)]
    pub description: Option<String>,
    /// The group it belongs to (conditions, learning results, effects, …).
    #[schema(format = "text", max_length = 200)]
    pub group: Option<String>,
    /// Criteria are listed by position, then code.
    pub position: i32,
    /// The most points it gives (1 for a met/not-met criterion).
    pub max_score: i32,
    /// A floor: scoring below it fails the assessment whatever the total.
    pub min_score: Option<i32>,
    /// It must be met for any rating above `not_met`.
    pub required: bool,
    /// For `levels` sets: the lowest level (1 or 2) that requires it.
    pub level: Option<i32>,
    /// What evidence an assessor should attach.
    #[schema(format = "text", max_length = 4000)]
    pub evidence_hint: Option<String>,
    /// What the service measures for the criterion; `null` when the assessor decides.
    /// A measured criterion is met when the measured value reaches `threshold`;
    /// the assessor may add a note but not change `met` or `score`.
    pub measure: Option<Measure>,
    /// The bar of a measured criterion: a fraction, or `"target"`.
    pub threshold: Option<Threshold>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CriterionRow> for Criterion {
    fn from(row: CriterionRow) -> Self {
        let (measure, threshold) = (row.measure(), row.threshold());
        Criterion {
            id: row.id,
            criteria_set_id: row.criteria_set_id,
            code: row.code,
            title: row.title,
            description: row.description,
            group: row.group_name,
            position: row.position,
            max_score: row.max_score,
            min_score: row.min_score,
            required: row.required,
            level: row.level,
            measure,
            threshold,
            evidence_hint: row.evidence_hint,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A new criterion of a draft set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "TC20", "title": "Tỷ lệ người lớn biết sử dụng dịch vụ công trực tuyến",
                          "group": "Kết quả học tập", "position": 20, "max_score": 1, "level": 2}))]
pub struct CreateCriterion {
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
    )]
    pub code: String,
    #[schema(min_length = 1, max_length = 500, format = "text-line")]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 4000, format = "text")]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200, format = "text")]
    pub group: Option<String>,
    /// Default 0.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10000)]
    pub position: i32,
    /// Default 1.
    #[serde(default = "one")]
    #[schema(minimum = 1, maximum = 1000)]
    pub max_score: i32,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub min_score: Option<i32>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 2)]
    pub level: Option<i32>,
    #[serde(default)]
    #[schema(max_length = 4000, format = "text")]
    pub evidence_hint: Option<String>,
    /// What the service measures for the criterion (the set's subject kind
    /// decides which measures fit: checked on publish); needs `threshold`.
    #[serde(default)]
    pub measure: Option<Measure>,
    /// With `measure`: a fraction from 0 to 1, or `"target"` (the subject's
    /// own target for the measure's metric and year).
    #[serde(default)]
    pub threshold: Option<Threshold>,
}

fn one() -> i32 {
    1
}

impl From<CreateCriterion> for CriterionFields {
    fn from(body: CreateCriterion) -> Self {
        CriterionFields {
            code: body.code,
            title: body.title,
            description: body.description,
            group: body.group,
            position: body.position,
            max_score: body.max_score,
            min_score: body.min_score,
            required: body.required,
            level: body.level,
            evidence_hint: body.evidence_hint,
            measure: body.measure,
            threshold: body.threshold,
        }
    }
}

/// A JSON Merge Patch of a criterion of a draft set.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCriterion {
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 500, format = "text-line")]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 4000, format = "text")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 200, format = "text")]
    pub group: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = i32, minimum = 0, maximum = 10000)]
    pub position: Option<Option<i32>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = i32, minimum = 1, maximum = 1000)]
    pub max_score: Option<Option<i32>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 1000)]
    pub min_score: Option<Option<i32>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = bool)]
    pub required: Option<Option<bool>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 2)]
    pub level: Option<Option<i32>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 4000, format = "text")]
    pub evidence_hint: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<Measure>)]
    pub measure: Option<Option<Measure>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<Threshold>)]
    pub threshold: Option<Option<Threshold>>,
}

impl UpdateCriterion {
    fn apply(self, mut f: CriterionFields) -> Result<CriterionFields, ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        merge_patch::required(&mut errors, "/code", self.code, &mut f.code);
        merge_patch::required(&mut errors, "/title", self.title, &mut f.title);
        merge_patch::required(&mut errors, "/position", self.position, &mut f.position);
        merge_patch::required(&mut errors, "/max_score", self.max_score, &mut f.max_score);
        merge_patch::required(&mut errors, "/required", self.required, &mut f.required);
        merge_patch::optional(self.description, &mut f.description);
        merge_patch::optional(self.group, &mut f.group);
        merge_patch::optional(self.min_score, &mut f.min_score);
        merge_patch::optional(self.level, &mut f.level);
        merge_patch::optional(self.evidence_hint, &mut f.evidence_hint);
        merge_patch::optional(self.measure, &mut f.measure);
        merge_patch::optional(self.threshold, &mut f.threshold);
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// List the criteria of a set, by position then code.
///
/// A set holds at most 500 criteria, so they all come in one page
/// (`next_page_token` is always null).
#[utoipa::path(
    tag = "criteria-sets",
    params(("id" = String, Path, description = "The set's id")),
    responses(
        (status = 200, description = "Every criterion of the set, in order", body = Page<Criterion>),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/criteria-sets/{id}/criteria")]
pub async fn list_criteria(
    req: HttpRequest,
    db: web::Data<Db>,
    _caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let rows = db
        .run(move |conn| {
            model::get_set(conn, &id)?;
            model::list_criteria(conn, &id)
        })
        .await?;
    let page = Page {
        items: rows.into_iter().map(Criterion::from).collect::<Vec<_>>(),
        next_page_token: None,
        total_size: None,
    };
    Ok(paging::page_response(&req, page))
}

/// Add a criterion to a draft set (admins).
#[utoipa::path(
    tag = "criteria-sets",
    params(("id" = String, Path, description = "The set's id")),
    request_body(content = CreateCriterion, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = Criterion,
         headers(("Location" = String, description = "The criterion's URL"), ("ETag" = String, description = "The version"))),
        crate::openapi::refusals::CreateRefusals,
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[post("/criteria-sets/{id}/criteria")]
pub async fn create_criterion(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    JsonBody(body): JsonBody<CreateCriterion>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let fields = CriterionFields::from(body).validated()?;
    let actor = caller.actor();
    let row = db
        .write(move |conn| model::create_criterion(conn, &actor, &id, fields.clone()))
        .await?;
    let location = format!(
        "/api/v1/criteria-sets/{}/criteria/{}",
        row.criteria_set_id, row.id
    );
    Ok(created_response(
        &req,
        &location,
        row.version,
        &Criterion::from(row),
    ))
}

/// Get a criterion.
#[utoipa::path(
    tag = "criteria-sets",
    params(
        ("id" = String, Path, description = "The set's id"),
        ("criterion_id" = String, Path, description = "The criterion's id"),
    ),
    responses(
        (status = 200, description = "The criterion", body = Criterion, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/criteria-sets/{id}/criteria/{criterion_id}")]
pub async fn get_criterion(
    req: HttpRequest,
    db: web::Data<Db>,
    _caller: Caller,
    path: web::Path<(Id, Id)>,
) -> Result<HttpResponse, ApiError> {
    let (set_id, id) = path.into_inner();
    let row = db
        .run(move |conn| model::get_criterion(conn, &set_id, &id))
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Criterion::from(row),
    ))
}

/// Update a criterion of a draft set (admins; JSON Merge Patch; `If-Match` required).
#[utoipa::path(
    tag = "criteria-sets",
    params(
        ("id" = String, Path, description = "The set's id"),
        ("criterion_id" = String, Path, description = "The criterion's id"),
        ("If-Match" = String, Header, description = "The criterion's `ETag` the change is based on"),
    ),
    request_body(content = UpdateCriterion, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated criterion", body = Criterion, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::UpdateRefusals,
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[patch("/criteria-sets/{id}/criteria/{criterion_id}")]
pub async fn update_criterion(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(Id, Id)>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateCriterion>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let if_match = if_match.required()?;
    let (set_id, id) = path.into_inner();
    let actor = caller.actor();
    let row = db
        .write(move |conn| {
            model::update_criterion(conn, &actor, &set_id, &id, &if_match, |f| {
                patch.clone().apply(f)
            })
        })
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Criterion::from(row),
    ))
}

/// Remove a criterion from a draft set (admins; `If-Match` required).
#[utoipa::path(
    tag = "criteria-sets",
    params(
        ("id" = String, Path, description = "The set's id"),
        ("criterion_id" = String, Path, description = "The criterion's id"),
        ("If-Match" = String, Header, description = "The criterion's `ETag` the delete is based on"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::refusals::DeleteRefusals,
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[delete("/criteria-sets/{id}/criteria/{criterion_id}")]
pub async fn delete_criterion(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(Id, Id)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let if_match = if_match.required()?;
    let (set_id, id) = path.into_inner();
    let actor = caller.actor();
    db.write(move |conn| model::delete_criterion(conn, &actor, &set_id, &id, &if_match))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

inventory::submit! {
    crate::resource::readers::Reader {
        resource_type: "criterion",
        read: |conn, _caller, id| {
            let row = model::find_criterion(conn, id)?;
            row.map(|row| crate::resource::readers::json(&Criterion::from(row))).transpose()
        },
    }
}

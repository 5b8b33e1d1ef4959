//! HTTP handlers and DTOs of `/api/v1/criteria-sets`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, SetFilter, SetRow};
use super::rules::{SetFields, SetStatus, SubjectKind, DEFAULT_RECOGNISED};
use super::scoring::{Band, Rating, ScoringMethod};
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::extract::{search_param, JsonBody, Query};
use crate::http::ids::Id;
use crate::http::merge_patch;
use crate::http::paging::{self, Page, PageRequest};
use crate::http::preconditions::{created_response, resource_response, IfMatch};

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_criteria_sets)
        .service(create_criteria_set)
        .service(get_criteria_set)
        .service(update_criteria_set)
        .service(delete_criteria_set)
        .service(publish_criteria_set)
        .service(retire_criteria_set)
        .service(create_criteria_set_edition);
    super::criteria_api::configure(config);
}

/// A criteria set: the criteria an assessment is made against, in one edition.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60", "code": "learning-district", "edition": "2021-pilot",
    "name": "Huyện học tập (thí điểm 19 tiêu chí)", "description": "Template shipped with khuyenhoc …",
    "subject_kind": "district", "issued_by": "Hội Khuyến học Việt Nam",
    "legal_basis": "Thí điểm xây dựng huyện học tập (2021)", "status": "published",
    "valid_from": 2021, "valid_to": null, "scoring_method": "levels",
    "bands": [{"rating": "excellent", "label": "Tốt", "min_score": null}, {"rating": "good", "label": "Khá", "min_score": null}],
    "recognised_ratings": ["excellent", "good"], "is_template": true, "published_at": "2026-11-27T09:00:00Z",
    "version": 1, "created_at": "2026-11-27T09:00:00Z", "updated_at": "2026-11-27T09:00:00Z"
}))]
pub struct CriteriaSet {
    #[schema(format = Uuid)]
    pub id: String,
    /// The framework, stable across editions (`learning-district`, `citizen`, …).
    #[schema(format = "code", max_length = 32)]
    pub code: String,
    /// The edition (`2021-pilot`, `2023`); unique with `code`.
    #[schema(format = "code", max_length = 32)]
    pub edition: String,
    /// Name, in Vietnamese.
    #[schema(format = "text-line", max_length = 200)]
    pub name: String,
    #[schema(format = "text", max_length = 4000)]
    pub description: Option<String>,
    pub subject_kind: SubjectKind,
    /// The authority that issued the framework.
    #[schema(format = "text", max_length = 200)]
    pub issued_by: Option<String>,
    /// Document numbers, verbatim (e.g. "448/QĐ-KHVN").
    #[schema(format = "text", max_length = 500)]
    pub legal_basis: Option<String>,
    pub status: SetStatus,
    /// First year the edition applies to.
    pub valid_from: Option<i32>,
    /// Last year the edition applies to.
    pub valid_to: Option<i32>,
    pub scoring_method: ScoringMethod,
    /// For `points_bands`: from the highest `min_score` down. For `levels`: the labels of the levels.
    pub bands: Vec<Band>,
    /// The ratings that count as recognised.
    pub recognised_ratings: Vec<Rating>,
    /// A built-in template, to be replaced by an official edition.
    pub is_template: bool,
    pub published_at: Option<DateTime<Utc>>,
    /// Incremented on each write to the set or one of its criteria; also the `ETag`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SetRow> for CriteriaSet {
    fn from(row: SetRow) -> Self {
        CriteriaSet {
            subject_kind: row.subject_kind(),
            status: row.status(),
            scoring_method: row.scoring_method(),
            bands: row.bands(),
            recognised_ratings: row.recognised_ratings(),
            id: row.id,
            code: row.code,
            edition: row.edition,
            name: row.name,
            description: row.description,
            issued_by: row.issued_by,
            legal_basis: row.legal_basis,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
            is_template: row.is_template,
            published_at: row.published_at.map(|t| t.and_utc()),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A new criteria set, made as a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "learning-district", "edition": "2026-yen-bai", "name": "Huyện học tập (Yên Bái 2026)",
    "subject_kind": "district", "issued_by": "Hội Khuyến học tỉnh Yên Bái", "legal_basis": "12/QĐ-KH",
    "valid_from": 2026, "scoring_method": "levels",
    "bands": [{"rating": "excellent", "label": "Tốt"}, {"rating": "good", "label": "Khá"}]
}))]
pub struct CreateCriteriaSet {
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
    )]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
    )]
    pub edition: String,
    #[schema(min_length = 1, max_length = 200, format = "text-line")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 4000, format = "text")]
    pub description: Option<String>,
    pub subject_kind: SubjectKind,
    #[serde(default)]
    #[schema(max_length = 200, format = "text")]
    pub issued_by: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500, format = "text")]
    pub legal_basis: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1990, maximum = 2100)]
    pub valid_from: Option<i32>,
    #[serde(default)]
    #[schema(minimum = 1990, maximum = 2100)]
    pub valid_to: Option<i32>,
    pub scoring_method: ScoringMethod,
    #[serde(default)]
    pub bands: Vec<Band>,
    /// Default: `excellent` and `good`.
    #[serde(default)]
    pub recognised_ratings: Option<Vec<Rating>>,
}

impl From<CreateCriteriaSet> for SetFields {
    fn from(body: CreateCriteriaSet) -> Self {
        SetFields {
            code: body.code,
            edition: body.edition,
            name: body.name,
            description: body.description,
            subject_kind: body.subject_kind,
            issued_by: body.issued_by,
            legal_basis: body.legal_basis,
            valid_from: body.valid_from,
            valid_to: body.valid_to,
            scoring_method: body.scoring_method,
            bands: body.bands,
            recognised_ratings: body
                .recognised_ratings
                .unwrap_or_else(|| DEFAULT_RECOGNISED.to_vec()),
        }
    }
}

/// A JSON Merge Patch of a draft set; `bands` and `recognised_ratings` are replaced whole.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCriteriaSet {
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub edition: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 200, format = "text-line")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 4000, format = "text")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = SubjectKind)]
    pub subject_kind: Option<Option<SubjectKind>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 200, format = "text")]
    pub issued_by: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 500, format = "text")]
    pub legal_basis: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i32>, minimum = 1990, maximum = 2100)]
    pub valid_from: Option<Option<i32>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i32>, minimum = 1990, maximum = 2100)]
    pub valid_to: Option<Option<i32>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = ScoringMethod)]
    pub scoring_method: Option<Option<ScoringMethod>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Vec<Band>)]
    pub bands: Option<Option<Vec<Band>>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Vec<Rating>)]
    pub recognised_ratings: Option<Option<Vec<Rating>>>,
}

impl UpdateCriteriaSet {
    fn apply(self, mut f: SetFields) -> Result<SetFields, ApiError> {
        let mut errors = Vec::new();
        merge_patch::required(&mut errors, "/code", self.code, &mut f.code);
        merge_patch::required(&mut errors, "/edition", self.edition, &mut f.edition);
        merge_patch::required(&mut errors, "/name", self.name, &mut f.name);
        merge_patch::required(
            &mut errors,
            "/subject_kind",
            self.subject_kind,
            &mut f.subject_kind,
        );
        merge_patch::required(
            &mut errors,
            "/scoring_method",
            self.scoring_method,
            &mut f.scoring_method,
        );
        merge_patch::required(&mut errors, "/bands", self.bands, &mut f.bands);
        merge_patch::required(
            &mut errors,
            "/recognised_ratings",
            self.recognised_ratings,
            &mut f.recognised_ratings,
        );
        merge_patch::optional(self.description, &mut f.description);
        merge_patch::optional(self.issued_by, &mut f.issued_by);
        merge_patch::optional(self.legal_basis, &mut f.legal_basis);
        merge_patch::optional(self.valid_from, &mut f.valid_from);
        merge_patch::optional(self.valid_to, &mut f.valid_to);
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// A new edition of a set: a draft copy of it and its criteria.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"edition": "2026-yen-bai", "name": "Huyện học tập (Yên Bái 2026)"}))]
pub struct CreateEdition {
    /// The new edition's name; unique with the set's code.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
    )]
    pub edition: String,
    /// Default: the source set's name.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200, format = "text-line")]
    pub name: Option<String>,
}

/// Filters and paging of the set list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCriteriaSetsParams {
    /// Only editions of this framework (`learning-district`).
    pub code: Option<String>,
    pub subject_kind: Option<SubjectKind>,
    pub status: Option<SetStatus>,
    /// Text in the name, code or edition, ignoring case and diacritics.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters.
    pub page_token: Option<String>,
}

/// List criteria sets, by code then edition.
#[utoipa::path(
    tag = "criteria-sets",
    params(ListCriteriaSetsParams),
    responses(
        (status = 200, description = "One page of sets", body = Page<CriteriaSet>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ListRefusals,
    )
)]
#[get("/criteria-sets")]
pub async fn list_criteria_sets(
    req: HttpRequest,
    db: web::Data<Db>,
    _caller: Caller,
    Query(params): Query<ListCriteriaSetsParams>,
) -> Result<HttpResponse, ApiError> {
    let q = search_param(params.q.as_deref())?;
    let filter = SetFilter {
        code: params.code,
        subject_kind: params.subject_kind,
        status: params.status,
        q,
    };
    let page = PageRequest::new(
        params.page_size,
        params.page_token.as_deref(),
        &format!("{filter:?}"),
    )?;
    let rows = db
        .run(move |conn| model::list_sets(conn, &filter, &page))
        .await?;
    Ok(paging::page_response(&req, rows.map(CriteriaSet::from)))
}

fn created(req: &HttpRequest, row: SetRow) -> Result<HttpResponse, ApiError> {
    let location = format!("/api/v1/criteria-sets/{}", row.id);
    Ok(created_response(
        req,
        &location,
        row.version,
        &CriteriaSet::from(row),
    ))
}

/// Create a criteria set (admins), as a draft.
#[utoipa::path(
    tag = "criteria-sets",
    request_body(content = CreateCriteriaSet, content_type = "application/json"),
    responses(
        (status = 201, description = "Created, as a draft", body = CriteriaSet,
         headers(("Location" = String, description = "The new set's URL"), ("ETag" = String, description = "The version"))),
        crate::openapi::refusals::CreateRefusals,
    )
)]
#[post("/criteria-sets")]
pub async fn create_criteria_set(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateCriteriaSet>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let fields = SetFields::from(body).validated()?;
    let actor = caller.actor();
    let row = db
        .write(move |conn| model::create_set(conn, &actor, fields.clone()))
        .await?;
    created(&req, row)
}

/// Get a criteria set.
#[utoipa::path(
    tag = "criteria-sets",
    params(("id" = String, Path, description = "The set's id")),
    responses(
        (status = 200, description = "The set", body = CriteriaSet, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/criteria-sets/{id}")]
pub async fn get_criteria_set(
    req: HttpRequest,
    db: web::Data<Db>,
    _caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let row = db.run(move |conn| model::get_set(conn, &id)).await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &CriteriaSet::from(row),
    ))
}

/// Update a draft criteria set (admins; JSON Merge Patch; `If-Match` required).
#[utoipa::path(
    tag = "criteria-sets",
    params(
        ("id" = String, Path, description = "The set's id"),
        ("If-Match" = String, Header, description = "The `ETag` the change is based on"),
    ),
    request_body(content = UpdateCriteriaSet, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated set", body = CriteriaSet, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::UpdateRefusals,
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[patch("/criteria-sets/{id}")]
pub async fn update_criteria_set(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateCriteriaSet>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let if_match = if_match.required()?;
    let actor = caller.actor();
    let row = db
        .write(move |conn| {
            model::update_set(conn, &actor, &id, &if_match, |f| patch.clone().apply(f))
        })
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &CriteriaSet::from(row),
    ))
}

/// Delete a draft criteria set with its criteria (admins; `If-Match` required).
#[utoipa::path(
    tag = "criteria-sets",
    params(
        ("id" = String, Path, description = "The set's id"),
        ("If-Match" = String, Header, description = "The `ETag` the delete is based on"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::refusals::DeleteRefusals,
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[delete("/criteria-sets/{id}")]
pub async fn delete_criteria_set(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let if_match = if_match.required()?;
    let actor = caller.actor();
    db.write(move |conn| model::delete_set(conn, &actor, &id, &if_match))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Publish a draft set (admins; `If-Match` required): it is checked, then frozen.
///
/// 422 names every reason it cannot be published (no criteria, bands not
/// strictly decreasing or out of reach, a `levels` criterion without a level).
#[utoipa::path(
    tag = "criteria-sets",
    params(
        ("id" = String, Path, description = "The set's id"),
        ("If-Match" = String, Header, description = "The `ETag` of the set as checked"),
    ),
    responses(
        (status = 200, description = "The published set", body = CriteriaSet, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::DeleteRefusals,
        (status = 422, response = crate::openapi::Unprocessable),
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[post("/criteria-sets/{id}/publish")]
pub async fn publish_criteria_set(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let if_match = if_match.required()?;
    let actor = caller.actor();
    let row = db
        .write(move |conn| model::publish(conn, &actor, &id, &if_match))
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &CriteriaSet::from(row),
    ))
}

/// Retire a published set (admins; `If-Match` required): it stays readable.
#[utoipa::path(
    tag = "criteria-sets",
    params(
        ("id" = String, Path, description = "The set's id"),
        ("If-Match" = String, Header, description = "The `ETag` the retirement is based on"),
    ),
    responses(
        (status = 200, description = "The retired set", body = CriteriaSet, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::DeleteRefusals,
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[post("/criteria-sets/{id}/retire")]
pub async fn retire_criteria_set(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let if_match = if_match.required()?;
    let actor = caller.actor();
    let row = db
        .write(move |conn| model::retire(conn, &actor, &id, &if_match))
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &CriteriaSet::from(row),
    ))
}

/// Make a new edition of a set (admins): a draft copy with its criteria.
#[utoipa::path(
    tag = "criteria-sets",
    params(("id" = String, Path, description = "The id of the set to copy")),
    request_body(content = CreateEdition, content_type = "application/json"),
    responses(
        (status = 201, description = "The new draft edition", body = CriteriaSet,
         headers(("Location" = String, description = "The new set's URL"), ("ETag" = String, description = "The version"))),
        crate::openapi::refusals::CreateRefusals,
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[post("/criteria-sets/{id}/editions")]
pub async fn create_criteria_set_edition(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    JsonBody(body): JsonBody<CreateEdition>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let actor = caller.actor();
    let row = db
        .write(move |conn| {
            model::new_edition(conn, &actor, &id, body.edition.clone(), body.name.clone())
        })
        .await?;
    created(&req, row)
}

inventory::submit! {
    crate::resource::readers::Reader {
        resource_type: "criteria_set",
        read: |conn, _caller, id| {
            let row = crate::resource::readers::found(model::get_set(conn, id))?;
            row.map(|row| crate::resource::readers::json(&CriteriaSet::from(row))).transpose()
        },
    }
}

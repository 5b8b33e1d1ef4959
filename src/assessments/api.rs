//! HTTP handlers and DTOs of `/api/v1/assessments`, and the per-subject views.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, AssessmentFilter, AssessmentRow, DraftChange, NewAssessment};
use super::rules::{ResultEntry, EARLIEST_PERIOD, LATEST_PERIOD};
use crate::auth::Caller;
use crate::criteria_sets::rules::AssessmentStatus;
use crate::criteria_sets::rules::SubjectKind;
use crate::criteria_sets::scoring::Rating;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::http::extract::{JsonBody, Query};
use crate::http::ids::{self, Id};
use crate::http::paging::{Page, PageRequest};
use crate::http::preconditions::{created_response, resource_response, IfMatch};
use crate::msg;
use crate::resource::export::Listing;
use crate::resource::http::Served;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_assessments)
        .service(export_assessments)
        .service(create_assessment)
        .service(get_assessment)
        .service(update_assessment)
        .service(delete_assessment)
        .service(submit_assessment)
        .service(approve_assessment)
        .service(return_assessment)
        .service(list_association_assessments)
        .service(list_unit_assessments)
        .service(list_household_assessments)
        .service(list_clan_assessments)
        .service(list_community_assessments)
        .service(list_citizen_assessments);
}

/// An assessment of a subject against a criteria set for a year, with its computed outcome.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a90", "criteria_set_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60",
    "subject_kind": "citizen", "subject_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a80",
    "subject_association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "period": 2026,
    "assessor_association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
    "results": [{"criterion_code": "CD01", "met": true, "score": 9, "note": null}],
    "total_score": 86, "max_score": 100, "met_count": 10, "required_met": true, "rating": "good",
    "recognised": true, "status": "approved", "submitted_at": "2026-12-01T02:00:00Z",
    "reviewed_at": "2026-12-05T03:00:00Z", "reviewer_note": null, "version": 4,
    "created_at": "2026-11-27T09:00:00Z", "updated_at": "2026-12-05T03:00:00Z"
}))]
pub struct Assessment {
    #[schema(format = Uuid)]
    pub id: String,
    /// The published set it is made against.
    #[schema(format = Uuid)]
    pub criteria_set_id: String,
    pub subject_kind: SubjectKind,
    /// The association, unit or citizen assessed.
    #[schema(format = Uuid)]
    pub subject_id: String,
    /// The association the subject belongs to (itself for an association).
    #[schema(format = Uuid)]
    pub subject_association_id: String,
    /// The year assessed.
    pub period: i32,
    /// The association that made the self-assessment.
    #[schema(format = Uuid)]
    pub assessor_association_id: String,
    /// One entry per criterion (a draft may lack some).
    pub results: Vec<ResultEntry>,
    pub total_score: i32,
    pub max_score: i32,
    pub met_count: i32,
    pub required_met: bool,
    /// Computed by the set's scoring method.
    pub rating: Rating,
    /// The rating is one the set recognises.
    pub recognised: bool,
    pub status: AssessmentStatus,
    pub submitted_at: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
    #[schema(format = "text", max_length = 2000)]
    pub reviewer_note: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AssessmentRow> for Assessment {
    fn from(row: AssessmentRow) -> Self {
        Assessment {
            subject_kind: row.subject_kind(),
            rating: row.rating(),
            status: row.status(),
            results: row.results(),
            id: row.id,
            criteria_set_id: row.criteria_set_id,
            subject_id: row.subject_id,
            subject_association_id: row.subject_association_id,
            period: row.period,
            assessor_association_id: row.assessor_association_id,
            total_score: row.total_score,
            max_score: row.max_score,
            met_count: row.met_count,
            required_met: row.required_met,
            recognised: row.recognised,
            submitted_at: row.submitted_at.map(|t| t.and_utc()),
            reviewed_at: row.reviewed_at.map(|t| t.and_utc()),
            reviewer_note: row.reviewer_note,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A new assessment, made as a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAssessment {
    #[schema(format = Uuid)]
    #[serde(deserialize_with = "ids::string")]
    pub criteria_set_id: String,
    /// Must match the set's `subject_kind`.
    pub subject_kind: SubjectKind,
    #[schema(format = Uuid)]
    #[serde(deserialize_with = "ids::string")]
    pub subject_id: String,
    #[schema(minimum = 2000, maximum = 2100)]
    pub period: i32,
    /// Default: the subject's association (a self-assessment).
    #[serde(default, deserialize_with = "ids::optional")]
    #[schema(format = Uuid)]
    pub assessor_association_id: Option<String>,
    #[serde(default)]
    pub results: Vec<ResultEntry>,
}

impl TryFrom<CreateAssessment> for NewAssessment {
    type Error = ApiError;

    /// The body of a create (or a row of an import), its period checked.
    fn try_from(body: CreateAssessment) -> Result<Self, ApiError> {
        if !(EARLIEST_PERIOD..=LATEST_PERIOD).contains(&body.period) {
            return Err(ApiError::invalid_field(
                "/period",
                "OUT_OF_RANGE",
                msg!("year-range", min = EARLIEST_PERIOD, max = LATEST_PERIOD),
            ));
        }
        Ok(NewAssessment {
            criteria_set_id: body.criteria_set_id,
            subject_kind: body.subject_kind,
            subject_id: body.subject_id,
            period: body.period,
            assessor_association_id: body.assessor_association_id,
            results: body.results,
        })
    }
}

/// A change to a draft: `results` are replaced whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAssessment {
    #[serde(default)]
    pub results: Option<Vec<ResultEntry>>,
    #[serde(default, deserialize_with = "ids::optional")]
    #[schema(format = Uuid)]
    pub assessor_association_id: Option<String>,
}

/// A reviewer's word.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// Required to return an assessment.
    #[serde(default)]
    #[schema(max_length = 2000, format = "text")]
    pub reviewer_note: Option<String>,
}

/// Filters and paging of assessment lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAssessmentsParams {
    #[serde(default, deserialize_with = "ids::optional")]
    pub criteria_set_id: Option<String>,
    pub subject_kind: Option<SubjectKind>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub subject_id: Option<String>,
    /// The year assessed.
    pub period: Option<i32>,
    pub status: Option<AssessmentStatus>,
    pub rating: Option<Rating>,
    pub recognised: Option<bool>,
    /// Subjects anywhere in this association's subtree, itself included.
    #[serde(default, deserialize_with = "ids::optional")]
    pub ancestor_id: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters.
    pub page_token: Option<String>,
}

async fn list_page(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: ListAssessmentsParams,
    subject: Option<(SubjectKind, String)>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let (subject_kind, subject_id) = match subject {
        Some((kind, id)) => (Some(kind), Some(id)),
        None => (params.subject_kind, params.subject_id),
    };
    let filter = AssessmentFilter {
        criteria_set_id: params.criteria_set_id,
        subject_kind,
        subject_id,
        period: params.period,
        status: params.status,
        rating: params.rating,
        recognised: params.recognised,
        ancestor_id: params.ancestor_id,
        scope: caller.scope_path().map(str::to_owned),
    };
    let fingerprint = format!("{filter:?}");
    let fetch = move |conn: &mut DbConnection, page: &PageRequest| model::list(conn, &filter, page);
    let paging = (params.page_size, params.page_token.as_deref());
    crate::resource::http::list(req, db, caller, listing, paging, fingerprint, fetch).await
}

impl Served for AssessmentRow {
    const COLLECTION: &'static str = "/api/v1/assessments";
    type Json = Assessment;
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "criteria_set_id",
        "subject_kind",
        "subject_id",
        "subject_association_id",
        "period",
        "assessor_association_id",
        "results",
        "total_score",
        "max_score",
        "met_count",
        "required_met",
        "rating",
        "recognised",
        "status",
        "submitted_at",
        "reviewed_at",
        "reviewer_note",
        "version",
        "created_at",
        "updated_at",
    ];

    fn present(self, _: &Caller) -> Assessment {
        Assessment::from(self)
    }
}

/// List assessments, in the order they were made.
#[utoipa::path(
    tag = "assessments",
    params(ListAssessmentsParams),
    responses(
        (status = 200, description = "One page of assessments. Every one that matches the filters, as a file: `GET /api/v1/exports/assessments`", body = Page<Assessment>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/assessments")]
pub async fn list_assessments(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListAssessmentsParams>,
) -> Result<HttpResponse, ApiError> {
    list_page(&req, &db, &caller, params, None, Listing::Page).await
}

/// Export assessments: every one that matches the filters of the list, as a
/// file to save or to import elsewhere (no pages).
#[utoipa::path(
    tag = "assessments",
    params(ListAssessmentsParams),
    responses(
        (status = 200, description = "Every one that matches the filters, streamed: CSV (UTF-8 with a byte-order mark, the default), with `Accept: application/x-ndjson` one JSON object per line, or with `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` a workbook (a bold, frozen heading row naming the members as people read them, in the language `Accept-Language` asks for, Vietnamese by default; numbers, booleans, dates and times in their types; written in constant memory, sent when complete); page parameters are checked as the list checks them, then ignored",
         content((String = "text/csv"), (String = "application/x-ndjson"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
         headers(("Content-Disposition" = String, description = "`attachment` with the file's name"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/exports/assessments")]
pub async fn export_assessments(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListAssessmentsParams>,
) -> Result<HttpResponse, ApiError> {
    list_page(&req, &db, &caller, params, None, Listing::Export).await
}

macro_rules! subject_view {
    ($name:ident, $path:literal, $kind:expr, $check:expr, $what:literal) => {
        #[doc = concat!("List the assessments of ", $what, ".")]
        #[utoipa::path(
            tag = "assessments",
            summary = concat!("List the assessments of ", $what),
            description = concat!("The assessments whose subject is this ", $what, ", with the filters of `GET /api/v1/assessments`; 404 when the ", $what, " is outside the token's scope."),
            params(("id" = String, Path, description = concat!("The id of the ", $what)), ListAssessmentsParams),
            responses(
                (status = 200, description = "One page of assessments. Every one, as a file: `GET /api/v1/exports/assessments` with `subject_kind` and `subject_id`", body = Page<Assessment>),
                (status = 400, response = crate::openapi::BadRequest),
                (status = 406, response = crate::openapi::NotAcceptable),
                crate::openapi::refusals::ReadRefusals,
            )
        )]
        #[get($path)]
        pub async fn $name(
            req: HttpRequest,
            db: web::Data<Db>,
            caller: Caller,
            id: web::Path<Id>,
            Query(params): Query<ListAssessmentsParams>,
        ) -> Result<HttpResponse, ApiError> {
            let id = id.into_inner().into_string();
            let (scope, subject) = (caller.scope_path().map(str::to_owned), id.clone());
            let kind = db
                .run(move |conn| ($check)(conn, scope.as_deref(), &subject))
                .await?;
            let subject = Some((kind.unwrap_or($kind), id));
            list_page(&req, &db, &caller, params, subject, Listing::Page).await
        }
    };
}

/// The kind of an association the caller sees, as an assessment subject.
fn association_subject(
    conn: &mut crate::db::DbConnection,
    scope: Option<&str>,
    id: &str,
) -> Result<Option<SubjectKind>, ApiError> {
    let row = crate::associations::model::get_visible(conn, scope, id)?;
    Ok(SubjectKind::parse(&row.level))
}

/// A record of the resource layer the caller sees, as an assessment subject of `kind`.
fn visible<R: crate::resource::Resource>(
    kind: SubjectKind,
) -> impl Fn(&mut crate::db::DbConnection, Option<&str>, &str) -> Result<Option<SubjectKind>, ApiError>
{
    move |conn, scope, id| crate::resource::get_visible::<R>(conn, scope, id).map(|_| Some(kind))
}

subject_view!(
    list_association_assessments,
    "/associations/{id}/assessments",
    SubjectKind::District,
    association_subject,
    "association"
);
subject_view!(
    list_unit_assessments,
    "/units/{id}/assessments",
    SubjectKind::Unit,
    visible::<crate::units::model::UnitRow>(SubjectKind::Unit),
    "unit"
);
subject_view!(
    list_citizen_assessments,
    "/citizens/{id}/assessments",
    SubjectKind::Citizen,
    visible::<crate::citizens::model::CitizenRow>(SubjectKind::Citizen),
    "citizen"
);
subject_view!(
    list_household_assessments,
    "/households/{id}/assessments",
    SubjectKind::Family,
    visible::<crate::households::model::HouseholdRow>(SubjectKind::Family),
    "household"
);
subject_view!(
    list_clan_assessments,
    "/clans/{id}/assessments",
    SubjectKind::Clan,
    visible::<crate::clans::model::ClanRow>(SubjectKind::Clan),
    "clan"
);
subject_view!(
    list_community_assessments,
    "/communities/{id}/assessments",
    SubjectKind::Community,
    visible::<crate::communities::model::CommunityRow>(SubjectKind::Community),
    "village community"
);

/// Create an assessment (editors and admins whose scope covers the subject), as a draft.
#[utoipa::path(
    tag = "assessments",
    request_body(content = CreateAssessment, content_type = "application/json"),
    responses(
        (status = 201, description = "Created, as a draft, with its computed outcome", body = Assessment,
         headers(("Location" = String, description = "The assessment's URL"), ("ETag" = String, description = "The version"))),
        crate::openapi::refusals::CreateRefusals,
    )
)]
#[post("/assessments")]
pub async fn create_assessment(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateAssessment>,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let new = NewAssessment::try_from(body)?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let row = db
        .write(move |conn| model::create(conn, &actor, scope.as_deref(), None, new.clone()))
        .await?;
    let location = format!("/api/v1/assessments/{}", row.id);
    Ok(created_response(
        &req,
        &location,
        row.version,
        &Assessment::from(row),
    ))
}

/// Get an assessment.
#[utoipa::path(
    tag = "assessments",
    params(("id" = String, Path, description = "The assessment's id")),
    responses(
        (status = 200, description = "The assessment", body = Assessment, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/assessments/{id}")]
pub async fn get_assessment(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.scope_path().map(str::to_owned);
    let (row, _) = db
        .run(move |conn| model::get_visible(conn, scope.as_deref(), &id))
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Assessment::from(row),
    ))
}

/// Change a draft assessment (`If-Match` required): its results, replaced whole, or its assessor.
#[utoipa::path(
    tag = "assessments",
    params(
        ("id" = String, Path, description = "The assessment's id"),
        ("If-Match" = String, Header, description = "The `ETag` the change is based on"),
    ),
    request_body(content = UpdateAssessment, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The assessment, recomputed", body = Assessment, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::UpdateRefusals,
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[patch("/assessments/{id}")]
pub async fn update_assessment(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<UpdateAssessment>,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let if_match = if_match.required()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let change = DraftChange {
        results: body.results,
        assessor_association_id: body.assessor_association_id,
    };
    let row = db
        .write(move |conn| {
            model::update(
                conn,
                &actor,
                scope.as_deref(),
                &id,
                &if_match,
                change.clone(),
            )
        })
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Assessment::from(row),
    ))
}

/// Delete a draft assessment (`If-Match` required).
#[utoipa::path(
    tag = "assessments",
    params(
        ("id" = String, Path, description = "The assessment's id"),
        ("If-Match" = String, Header, description = "The `ETag` the delete is based on"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::refusals::DeleteRefusals,
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[delete("/assessments/{id}")]
pub async fn delete_assessment(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let if_match = if_match.required()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    db.write(move |conn| model::delete(conn, &actor, scope.as_deref(), &id, &if_match))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Submit a draft for review (`If-Match` required); every criterion needs a result.
#[utoipa::path(
    tag = "assessments",
    params(
        ("id" = String, Path, description = "The assessment's id"),
        ("If-Match" = String, Header, description = "The `ETag` of the draft as submitted"),
    ),
    responses(
        (status = 200, description = "Submitted", body = Assessment, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::DeleteRefusals,
        (status = 422, response = crate::openapi::Unprocessable),
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[post("/assessments/{id}/submit")]
pub async fn submit_assessment(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let if_match = if_match.required()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let row = db
        .write(move |conn| model::submit(conn, &actor, scope.as_deref(), &id, &if_match))
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Assessment::from(row),
    ))
}

async fn review(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: String,
    if_match: IfMatch,
    body: Option<Review>,
    approve: bool,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let if_match = if_match.required()?;
    let note = body
        .and_then(|b| b.reviewer_note)
        .map(|n| crate::text::optional_text("/reviewer_note", Some(n), 2000))
        .transpose()
        .map_err(|e| ApiError::validation(vec![e]))?
        .flatten();
    let row = db
        .write(move |conn| model::review(conn, &caller, &id, &if_match, approve, note.clone()))
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Assessment::from(row),
    ))
}

/// Approve a submitted assessment (`If-Match` required): its rating becomes the recognised result.
///
/// Only an editor or admin of an association strictly above the subject's may approve.
#[utoipa::path(
    tag = "assessments",
    params(
        ("id" = String, Path, description = "The assessment's id"),
        ("If-Match" = String, Header, description = "The `ETag` of the assessment as reviewed"),
    ),
    request_body(content = Option<Review>, content_type = "application/json"),
    responses(
        (status = 200, description = "Approved", body = Assessment, headers(("ETag" = String, description = "The new version"))),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::DeleteRefusals,
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[post("/assessments/{id}/approve")]
pub async fn approve_assessment(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: Option<JsonBody<Review>>,
) -> Result<HttpResponse, ApiError> {
    review(
        req,
        db,
        caller,
        id.into_inner().into_string(),
        if_match,
        body.map(|b| b.0),
        true,
    )
    .await
}

/// Return a submitted assessment to draft, with a reviewer note (`If-Match` required).
#[utoipa::path(
    tag = "assessments",
    params(
        ("id" = String, Path, description = "The assessment's id"),
        ("If-Match" = String, Header, description = "The `ETag` of the assessment as reviewed"),
    ),
    request_body(content = Review, content_type = "application/json"),
    responses(
        (status = 200, description = "Returned to draft", body = Assessment, headers(("ETag" = String, description = "The new version"))),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::DeleteRefusals,
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[post("/assessments/{id}/return")]
pub async fn return_assessment(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: Option<JsonBody<Review>>,
) -> Result<HttpResponse, ApiError> {
    review(
        req,
        db,
        caller,
        id.into_inner().into_string(),
        if_match,
        body.map(|b| b.0),
        false,
    )
    .await
}

inventory::submit! {
    crate::resource::readers::Reader {
        resource_type: "assessment",
        read: |conn, caller, id| {
            let row = crate::resource::readers::found(model::get_visible(conn, caller.scope_path(), id))?;
            row.map(|(row, _)| crate::resource::readers::json(&row.present(caller))).transpose()
        },
    }
}

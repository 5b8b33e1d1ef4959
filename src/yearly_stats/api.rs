//! HTTP handlers and DTOs of `/api/v1/associations/{id}/yearly-stats` and
//! the flat list `/api/v1/yearly-stats`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, StatsFilter, StatsRow};
use super::rules::StatsFields;
use crate::auth::Caller;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::http::extract::{JsonBody, Query};
use crate::http::ids::{self, Id};
use crate::http::merge_patch;
use crate::http::paging::{self, Page, PageRequest};
use crate::http::preconditions::{created_response, resource_response, IfMatch};
use crate::msg;
use crate::resource::export::Listing;
use crate::resource::Importable;
use crate::resource::{self, http::Served};

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_yearly_stats)
        .service(export_yearly_stats)
        .service(list_association_yearly_stats)
        .service(create_yearly_stats)
        .service(get_yearly_stats)
        .service(update_yearly_stats)
        .service(delete_yearly_stats);
}

/// What an association reports for one calendar year. Counts are its own
/// figures (a district enters only what its communes do not): reports add
/// them up the tree.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a90", "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    "year": 2020, "member_count": 23793, "population": 91161, "households": 24500, "branch_count": 357,
    "fund_raised_vnd": 4500000000_i64, "scholarship_count": 1200, "scholarship_value_vnd": 1800000000_i64,
    "membership_ratio": 0.261, "note": "Báo cáo tổng kết năm 2020", "version": 1,
    "created_at": "2026-11-27T09:00:00Z", "updated_at": "2026-11-27T09:00:00Z"
}))]
pub struct YearlyStats {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub association_id: String,
    pub year: i32,
    /// Members (hội viên).
    pub member_count: i64,
    /// The population the association serves; `null` when not counted.
    pub population: Option<i64>,
    pub households: Option<i64>,
    /// Branches (chi hội) and boards (ban khuyến học).
    pub branch_count: Option<i64>,
    /// The learning-promotion fund raised in the year, in whole đồng.
    pub fund_raised_vnd: Option<i64>,
    pub scholarship_count: Option<i64>,
    /// The value of the scholarships given, in whole đồng.
    pub scholarship_value_vnd: Option<i64>,
    /// `member_count / population` as a fraction (0.261 for 26.1 %), rounded
    /// to 6 decimals; `null` when the population is 0 or absent.
    pub membership_ratio: Option<f64>,
    #[schema(format = "text", max_length = 4000)]
    pub note: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Importable for StatsRow {
    const NAME: &'static str = "yearly-stats";
    type Create = CreateYearlyStats;
    /// A create names the association in its URL; an import row in
    /// `association_id`. `membership_ratio` is computed.
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "version",
        "created_at",
        "updated_at",
        "association_id",
        "membership_ratio",
    ];

    fn fields_from(
        body: CreateYearlyStats,
        association_id: Option<String>,
    ) -> Result<(String, StatsFields), ApiError> {
        let association_id = association_id.ok_or_else(|| {
            ApiError::invalid_field("/association_id", "REQUIRED", msg!("association-required"))
        })?;
        let fields = StatsFields {
            year: body.year,
            member_count: body.member_count,
            population: body.population,
            households: body.households,
            branch_count: body.branch_count,
            fund_raised_vnd: body.fund_raised_vnd,
            scholarship_count: body.scholarship_count,
            scholarship_value_vnd: body.scholarship_value_vnd,
            note: body.note,
        };
        Ok((association_id, fields))
    }

    /// The same association and year.
    fn keys(&self) -> Vec<String> {
        vec![format!("{}/{}", self.association_id, self.year)]
    }

    fn holders(conn: &mut DbConnection, rows: &[&Self]) -> Result<Vec<(Self, String)>, ApiError> {
        model::holders(conn, rows)
    }
}

impl Served for StatsRow {
    const COLLECTION: &'static str = "/api/v1/yearly-stats";
    type Json = YearlyStats;
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "association_id",
        "year",
        "member_count",
        "population",
        "households",
        "branch_count",
        "fund_raised_vnd",
        "scholarship_count",
        "scholarship_value_vnd",
        "membership_ratio",
        "note",
        "version",
        "created_at",
        "updated_at",
    ];

    fn present(self, _: &Caller) -> YearlyStats {
        YearlyStats::from(self)
    }
}

impl From<StatsRow> for YearlyStats {
    fn from(row: StatsRow) -> Self {
        YearlyStats {
            membership_ratio: row.fields().membership_ratio(),
            id: row.id,
            association_id: row.association_id,
            year: row.year,
            member_count: row.member_count,
            population: row.population,
            households: row.households,
            branch_count: row.branch_count,
            fund_raised_vnd: row.fund_raised_vnd,
            scholarship_count: row.scholarship_count,
            scholarship_value_vnd: row.scholarship_value_vnd,
            note: row.note,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// The statistics of a new year. Every count is from 0 to 10^14, and
/// `member_count` at most `population`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"year": 2020, "member_count": 23793, "population": 91161, "households": 24500,
                          "branch_count": 357, "fund_raised_vnd": 4500000000_i64}))]
pub struct CreateYearlyStats {
    #[schema(minimum = 1996, maximum = 2100)]
    pub year: i32,
    #[schema(minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub member_count: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub population: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub households: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub branch_count: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub fund_raised_vnd: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub scholarship_count: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub scholarship_value_vnd: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 4000, format = "text")]
    pub note: Option<String>,
}

/// A JSON Merge Patch of a year's statistics. The year is the key in the
/// URL: to move figures to another year, delete them and create them again.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"member_count": 24120, "note": null}))]
pub struct UpdateYearlyStats {
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = i64, minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub member_count: Option<Option<i64>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub population: Option<Option<i64>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub households: Option<Option<i64>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub branch_count: Option<Option<i64>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub fund_raised_vnd: Option<Option<i64>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub scholarship_count: Option<Option<i64>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub scholarship_value_vnd: Option<Option<i64>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 4000, format = "text")]
    pub note: Option<Option<String>>,
}

impl UpdateYearlyStats {
    fn apply(self, mut f: StatsFields) -> Result<StatsFields, ApiError> {
        let mut errors = Vec::new();
        merge_patch::required(
            &mut errors,
            "/member_count",
            self.member_count,
            &mut f.member_count,
        );
        merge_patch::optional(self.population, &mut f.population);
        merge_patch::optional(self.households, &mut f.households);
        merge_patch::optional(self.branch_count, &mut f.branch_count);
        merge_patch::optional(self.fund_raised_vnd, &mut f.fund_raised_vnd);
        merge_patch::optional(self.scholarship_count, &mut f.scholarship_count);
        merge_patch::optional(self.scholarship_value_vnd, &mut f.scholarship_value_vnd);
        merge_patch::optional(self.note, &mut f.note);
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Filters and paging of the flat statistics list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListYearlyStatsParams {
    /// Only the statistics of this association.
    #[serde(default, deserialize_with = "ids::optional")]
    pub association_id: Option<String>,
    /// Only the statistics of this association and of every association below it.
    #[serde(default, deserialize_with = "ids::optional")]
    pub ancestor_id: Option<String>,
    /// Only this year.
    pub year: Option<i32>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters.
    pub page_token: Option<String>,
}

/// Paging of one association's years.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page.
    pub page_token: Option<String>,
}

/// List yearly statistics across associations, by year.
#[utoipa::path(
    tag = "yearly-stats",
    params(ListYearlyStatsParams),
    responses(
        (status = 200, description = "One page of yearly statistics. Every one that matches the filters, as a file: `GET /api/v1/exports/yearly-stats`", body = Page<YearlyStats>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/yearly-stats")]
pub async fn list_yearly_stats(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListYearlyStatsParams>,
) -> Result<HttpResponse, ApiError> {
    yearly_stats(&req, &db, &caller, params, Listing::Page).await
}

/// Export yearly stats: every one that matches the filters of the list, as a
/// file to save or to import elsewhere (no pages).
#[utoipa::path(
    tag = "yearly-stats",
    params(ListYearlyStatsParams),
    responses(
        (status = 200, description = "Every one that matches the filters, streamed: CSV (UTF-8 with a byte-order mark, the default), with `Accept: application/x-ndjson` one JSON object per line, or with `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` a workbook (a bold, frozen heading row naming the members as people read them, in the language `Accept-Language` asks for, Vietnamese by default; numbers, booleans, dates and times in their types; written in constant memory, sent when complete); page parameters are checked as the list checks them, then ignored",
         content((String = "text/csv"), (String = "application/x-ndjson"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
         headers(("Content-Disposition" = String, description = "`attachment` with the file's name"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/exports/yearly-stats")]
pub async fn export_yearly_stats(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListYearlyStatsParams>,
) -> Result<HttpResponse, ApiError> {
    yearly_stats(&req, &db, &caller, params, Listing::Export).await
}

/// The list's rows, as a page or as a file.
async fn yearly_stats(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: ListYearlyStatsParams,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let filter = StatsFilter {
        association_id: params.association_id,
        ancestor_id: params.ancestor_id,
        year: params.year,
        scope: caller.scope_path().map(str::to_owned),
    };
    let fingerprint = format!("{filter:?}");
    let paging = (params.page_size, params.page_token.as_deref());
    let fetch = move |conn: &mut DbConnection, page: &PageRequest| model::list(conn, &filter, page);
    resource::http::list::<StatsRow, _>(req, db, caller, listing, paging, fingerprint, fetch).await
}

/// List the years an association has reported.
#[utoipa::path(
    tag = "yearly-stats",
    params(("id" = String, Path, description = "The association's id"), PageParams),
    responses(
        (status = 200, description = "One page of the association's years", body = Page<YearlyStats>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/associations/{id}/yearly-stats")]
pub async fn list_association_yearly_stats(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    Query(params): Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(params.page_size, params.page_token.as_deref(), &id)?;
    let scope = caller.scope_path().map(str::to_owned);
    let rows = db
        .run(move |conn| model::list_for_association(conn, scope.as_deref(), &id, &page))
        .await?;
    Ok(paging::page_response(&req, rows.map(YearlyStats::from)))
}

/// Report a year's statistics of an association (editors and admins, in their scope).
#[utoipa::path(
    tag = "yearly-stats",
    params(("id" = String, Path, description = "The association's id")),
    request_body(content = CreateYearlyStats, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = YearlyStats,
         headers(("Location" = String, description = "The URL of the year's statistics"), ("ETag" = String, description = "The version"))),
        crate::openapi::refusals::CreateRefusals,
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[post("/associations/{id}/yearly-stats")]
pub async fn create_yearly_stats(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    JsonBody(body): JsonBody<CreateYearlyStats>,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let (_, fields) = StatsRow::fields_from(body, Some(id.to_string()))?;
    let fields = fields.validated()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let row = db
        .write(move |conn| model::create(conn, &actor, scope.as_deref(), &id, fields.clone()))
        .await?;
    let location = format!(
        "/api/v1/associations/{}/yearly-stats/{}",
        row.association_id, row.year
    );
    Ok(created_response(
        &req,
        &location,
        row.version,
        &YearlyStats::from(row),
    ))
}

/// Get an association's statistics of one year.
#[utoipa::path(
    tag = "yearly-stats",
    params(
        ("id" = String, Path, description = "The association's id"),
        ("year" = i32, Path, description = "The year"),
    ),
    responses(
        (status = 200, description = "The year's statistics", body = YearlyStats, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/associations/{id}/yearly-stats/{year}")]
pub async fn get_yearly_stats(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(Id, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    let scope = caller.scope_path().map(str::to_owned);
    let (row, _) = db
        .run(move |conn| model::get_visible(conn, scope.as_deref(), &id, year))
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &YearlyStats::from(row),
    ))
}

/// Correct an association's statistics of one year (JSON Merge Patch).
#[utoipa::path(
    tag = "yearly-stats",
    params(
        ("id" = String, Path, description = "The association's id"),
        ("year" = i32, Path, description = "The year"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on; 412 if stale"),
    ),
    request_body(content = UpdateYearlyStats, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated statistics", body = YearlyStats, headers(("ETag" = String, description = "The new version"))),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 403, response = crate::openapi::Forbidden),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
#[patch("/associations/{id}/yearly-stats/{year}")]
pub async fn update_yearly_stats(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(Id, i32)>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateYearlyStats>,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let (id, year) = path.into_inner();
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let row = db
        .write(move |conn| {
            model::update(
                conn,
                &actor,
                scope.as_deref(),
                (&id, year),
                &if_match,
                |f| patch.clone().apply(f),
            )
        })
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &YearlyStats::from(row),
    ))
}

/// Delete an association's statistics of one year.
#[utoipa::path(
    tag = "yearly-stats",
    params(
        ("id" = String, Path, description = "The association's id"),
        ("year" = i32, Path, description = "The year"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the delete is based on; 412 if stale"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::refusals::ReadRefusals,
        (status = 403, response = crate::openapi::Forbidden),
        (status = 412, response = crate::openapi::PreconditionFailed),
    )
)]
#[delete("/associations/{id}/yearly-stats/{year}")]
pub async fn delete_yearly_stats(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(Id, i32)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let (id, year) = path.into_inner();
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    db.write(move |conn| model::delete(conn, &actor, scope.as_deref(), (&id, year), &if_match))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

inventory::submit! {
    crate::resource::readers::Reader {
        resource_type: <StatsRow as crate::resource::Resource>::TYPE,
        read: crate::resource::readers::read_as::<StatsRow>,
    }
}

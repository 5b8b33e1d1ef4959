//! HTTP handlers and DTOs of `/api/v1/households`.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, HouseholdFilter, HouseholdRow};
use super::rules::HouseholdFields;
use crate::auth::Caller;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::http::extract::{search_param, JsonBody, Query};
use crate::http::ids::{self, Id};
use crate::http::merge_patch;
use crate::http::paging::PageRequest;
use crate::http::preconditions::IfMatch;
use crate::resource::export::Listing;
use crate::resource::Importable;
use crate::resource::{self, http::Served};

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_households)
        .service(export_households)
        .service(create_household)
        .service(get_household)
        .service(update_household)
        .service(delete_household);
}

/// A family (gia đình học tập) registered with an association, usually a commune or a branch.
/// `phone` is personal data: only admin and editor tokens see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4ab0", "code": "HO-0123", "head_name": "Nguyễn Văn An",
    "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60", "address": "Thôn 3, xã Việt Thành",
    "member_count": 5, "phone": "0912 345 678",
    "clan_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4aa0",
    "community_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a90", "version": 1,
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z"
}))]
pub struct Household {
    #[schema(format = Uuid)]
    pub id: String,
    /// Unique within the association.
    #[schema(format = "code", max_length = 32)]
    pub code: String,
    /// The head of the household.
    #[schema(format = "text-line", max_length = 200)]
    pub head_name: String,
    #[schema(format = Uuid)]
    pub association_id: String,
    #[schema(format = "text-line", max_length = 500)]
    pub address: Option<String>,
    /// The people of the household.
    pub member_count: Option<i32>,
    /// Personal: `null` for viewer and integration tokens.
    #[schema(format = "phone", max_length = 20)]
    pub phone: Option<String>,
    /// The clan the household belongs to, if one.
    #[schema(format = Uuid)]
    pub clan_id: Option<String>,
    /// The village community the household lives in, if one.
    #[schema(format = Uuid)]
    pub community_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Served for HouseholdRow {
    const COLLECTION: &'static str = "/api/v1/households";
    type Json = Household;
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "code",
        "head_name",
        "association_id",
        "address",
        "member_count",
        "phone",
        "clan_id",
        "community_id",
        "version",
        "created_at",
        "updated_at",
    ];

    fn present(self, caller: &Caller) -> Household {
        let personal = caller.role.edits();
        Household {
            id: self.id,
            code: self.code,
            head_name: self.head_name,
            association_id: self.association_id,
            address: self.address,
            member_count: self.member_count,
            phone: self.phone.filter(|_| personal),
            clan_id: self.clan_id,
            community_id: self.community_id,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

/// A new household.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "HO-0123", "head_name": "Nguyễn Văn An",
                          "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60", "member_count": 5,
                          "phone": "0912 345 678", "community_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a90"}))]
pub struct CreateHousehold {
    #[schema(max_length = 32, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200, format = "text-line")]
    pub head_name: String,
    #[schema(format = Uuid)]
    #[serde(deserialize_with = "ids::string")]
    pub association_id: String,
    #[serde(default)]
    #[schema(max_length = 500, format = "text-line-or-blank")]
    pub address: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub member_count: Option<i32>,
    #[serde(default)]
    #[schema(max_length = 20, format = "phone")]
    pub phone: Option<String>,
    /// A clan of the association or of one above it, that the token sees (422 `NOT_FOUND` or
    /// `OUTSIDE_AREA` otherwise).
    #[serde(default, deserialize_with = "ids::optional")]
    #[schema(format = Uuid)]
    pub clan_id: Option<String>,
    /// A village community of the association or of one above it, that the token sees.
    #[serde(default, deserialize_with = "ids::optional")]
    #[schema(format = Uuid)]
    pub community_id: Option<String>,
}

/// A JSON Merge Patch of a household.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateHousehold {
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, max_length = 32, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 200, format = "text-line")]
    pub head_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = String, format = Uuid)]
    pub association_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 500, format = "text-line-or-blank")]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 100)]
    pub member_count: Option<Option<i32>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 20, format = "phone")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub clan_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub community_id: Option<Option<String>>,
}

impl UpdateHousehold {
    fn apply(self, mut f: HouseholdFields) -> Result<HouseholdFields, ApiError> {
        let mut errors = Vec::new();
        merge_patch::required(&mut errors, "/code", self.code, &mut f.code);
        merge_patch::required(&mut errors, "/head_name", self.head_name, &mut f.head_name);
        merge_patch::required(
            &mut errors,
            "/association_id",
            self.association_id,
            &mut f.association_id,
        );
        merge_patch::optional(self.address, &mut f.address);
        merge_patch::optional(self.member_count, &mut f.member_count);
        merge_patch::optional(self.phone, &mut f.phone);
        merge_patch::optional(self.clan_id, &mut f.clan_id);
        merge_patch::optional(self.community_id, &mut f.community_id);
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Filters and paging of the household list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListHouseholdsParams {
    /// Only households of this association.
    #[serde(default, deserialize_with = "ids::optional")]
    pub association_id: Option<String>,
    /// Only households of this association and of every association below it.
    #[serde(default, deserialize_with = "ids::optional")]
    pub ancestor_id: Option<String>,
    /// Only the households of this clan.
    #[serde(default, deserialize_with = "ids::optional")]
    pub clan_id: Option<String>,
    /// Only the households of this village community.
    #[serde(default, deserialize_with = "ids::optional")]
    pub community_id: Option<String>,
    /// Text in the head's name or the code, ignoring case and Vietnamese diacritics.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters.
    pub page_token: Option<String>,
}

/// List households, in registration order.
#[utoipa::path(
    tag = "households",
    params(ListHouseholdsParams),
    responses(
        (status = 200, description = "One page of households. Every one that matches the filters, as a file: `GET /api/v1/exports/households`", body = crate::http::paging::Page<Household>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/households")]
pub async fn list_households(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListHouseholdsParams>,
) -> Result<HttpResponse, ApiError> {
    households(&req, &db, &caller, params, Listing::Page).await
}

/// Export households: every one that matches the filters of the list, as a
/// file to save or to import elsewhere (no pages).
#[utoipa::path(
    tag = "households",
    params(ListHouseholdsParams),
    responses(
        (status = 200, description = "Every one that matches the filters, streamed: CSV (UTF-8 with a byte-order mark, the default), with `Accept: application/x-ndjson` one JSON object per line, or with `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` a workbook (a bold, frozen heading row naming the members as people read them, in the language `Accept-Language` asks for, Vietnamese by default; numbers, booleans, dates and times in their types; written in constant memory, sent when complete); page parameters are checked as the list checks them, then ignored",
         content((String = "text/csv"), (String = "application/x-ndjson"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
         headers(("Content-Disposition" = String, description = "`attachment` with the file's name"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/exports/households")]
pub async fn export_households(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListHouseholdsParams>,
) -> Result<HttpResponse, ApiError> {
    households(&req, &db, &caller, params, Listing::Export).await
}

/// The list's rows, as a page or as a file.
async fn households(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: ListHouseholdsParams,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let q = search_param(params.q.as_deref())?;
    let filter = HouseholdFilter {
        association_id: params.association_id,
        ancestor_id: params.ancestor_id,
        clan_id: params.clan_id,
        community_id: params.community_id,
        q,
        scope: caller.scope_path().map(str::to_owned),
    };
    let fingerprint = format!("{filter:?}");
    let paging = (params.page_size, params.page_token.as_deref());
    let fetch = move |conn: &mut DbConnection, page: &PageRequest| model::list(conn, &filter, page);
    resource::http::list::<HouseholdRow, _>(req, db, caller, listing, paging, fingerprint, fetch)
        .await
}

impl From<CreateHousehold> for HouseholdFields {
    fn from(body: CreateHousehold) -> Self {
        HouseholdFields {
            code: body.code,
            head_name: body.head_name,
            association_id: body.association_id,
            address: body.address,
            member_count: body.member_count,
            phone: body.phone,
            clan_id: body.clan_id,
            community_id: body.community_id,
        }
    }
}

impl Importable for HouseholdRow {
    const NAME: &'static str = "households";
    type Create = CreateHousehold;

    fn fields_from(
        body: CreateHousehold,
        _: Option<String>,
    ) -> Result<(String, HouseholdFields), ApiError> {
        let fields = HouseholdFields::from(body);
        Ok((fields.association_id.clone(), fields))
    }

    /// The same code in the same association.
    fn keys(&self) -> Vec<String> {
        vec![format!("{}/{}", self.association_id, self.code)]
    }

    fn holders(conn: &mut DbConnection, rows: &[&Self]) -> Result<Vec<(Self, String)>, ApiError> {
        let keys = rows
            .iter()
            .map(|r| (r.association_id.as_str(), r.code.as_str()));
        model::holding_codes(conn, keys)
    }
}

/// Register a household (editors and admins, in their scope).
#[utoipa::path(
    tag = "households",
    request_body(content = CreateHousehold, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = Household,
         headers(("Location" = String, description = "The household's URL"), ("ETag" = String, description = "The version"))),
        crate::openapi::refusals::CreateRefusals,
    )
)]
#[post("/households")]
pub async fn create_household(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateHousehold>,
) -> Result<HttpResponse, ApiError> {
    let fields = HouseholdFields::from(body).validated()?;
    let row = resource::http::create_row::<HouseholdRow>(&db, &caller, fields).await?;
    Ok(resource::http::respond_created(&req, &caller, row))
}

/// Get a household.
#[utoipa::path(
    tag = "households",
    params(("id" = String, Path, description = "The household's id")),
    responses(
        (status = 200, description = "The household", body = Household, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/households/{id}")]
pub async fn get_household(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    resource::http::get_one::<HouseholdRow>(&req, &db, &caller, id.into_inner()).await
}

/// Update a household (JSON Merge Patch).
#[utoipa::path(
    tag = "households",
    params(
        ("id" = String, Path, description = "The household's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on; 412 if stale"),
    ),
    request_body(content = UpdateHousehold, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated household", body = Household, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::UpdateRefusals,
    )
)]
#[patch("/households/{id}")]
pub async fn update_household(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateHousehold>,
) -> Result<HttpResponse, ApiError> {
    let apply = move |fields| patch.clone().apply(fields);
    let row = resource::http::update_row(&db, &caller, id.into_inner(), if_match, apply).await?;
    Ok(resource::http::respond::<HouseholdRow>(&req, &caller, row))
}

/// Delete a household.
#[utoipa::path(
    tag = "households",
    params(
        ("id" = String, Path, description = "The household's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the delete is based on; 412 if stale"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::refusals::DeleteRefusals,
    )
)]
#[delete("/households/{id}")]
pub async fn delete_household(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    resource::http::delete_one::<HouseholdRow>(&db, &caller, id.into_inner(), if_match).await
}

inventory::submit! {
    crate::resource::readers::Reader {
        resource_type: <HouseholdRow as crate::resource::Resource>::TYPE,
        read: crate::resource::readers::read_as::<HouseholdRow>,
    }
}

//! HTTP handlers and DTOs of `/api/v1/communities`.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, CommunityFilter, CommunityRow};
use super::rules::{CommunityFields, CommunityKind};
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
        .service(list_communities)
        .service(export_communities)
        .service(create_community)
        .service(get_community)
        .service(update_community)
        .service(delete_community);
}

/// A village learning community (cộng đồng học tập cấp thôn, bản, ấp, tổ dân phố): a village or
/// residential group of a commune association.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a90", "code": "THON-3", "name": "Thôn 3",
    "kind": "village", "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60",
    "household_count": 182, "population": 731, "version": 1,
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z"
}))]
pub struct Community {
    #[schema(format = Uuid)]
    pub id: String,
    /// Unique within the commune.
    #[schema(format = "code", max_length = 32)]
    pub code: String,
    #[schema(format = "text-line", max_length = 200)]
    pub name: String,
    pub kind: CommunityKind,
    /// The commune association the community belongs to.
    #[schema(format = Uuid)]
    pub association_id: String,
    /// The households the commune states live there (those registered one by one are counted apart).
    pub household_count: Option<i32>,
    pub population: Option<i32>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Served for CommunityRow {
    const COLLECTION: &'static str = "/api/v1/communities";
    type Json = Community;
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "code",
        "name",
        "kind",
        "association_id",
        "household_count",
        "population",
        "version",
        "created_at",
        "updated_at",
    ];

    fn present(self, _: &Caller) -> Community {
        Community {
            kind: self.kind(),
            id: self.id,
            code: self.code,
            name: self.name,
            association_id: self.association_id,
            household_count: self.household_count,
            population: self.population,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

/// A new community.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "THON-3", "name": "Thôn 3", "kind": "village",
                          "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60",
                          "household_count": 182, "population": 731}))]
pub struct CreateCommunity {
    #[schema(max_length = 32, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200, format = "text-line")]
    pub name: String,
    pub kind: CommunityKind,
    /// A commune association (422 `NOT_A_COMMUNE` otherwise).
    #[schema(format = Uuid)]
    #[serde(deserialize_with = "ids::string")]
    pub association_id: String,
    /// Not more than `population`.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    pub household_count: Option<i32>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    pub population: Option<i32>,
}

/// A JSON Merge Patch of a community.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCommunity {
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, max_length = 32, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 200, format = "text-line")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = CommunityKind)]
    pub kind: Option<Option<CommunityKind>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = String, format = Uuid)]
    pub association_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 1000000)]
    pub household_count: Option<Option<i32>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 1000000)]
    pub population: Option<Option<i32>>,
}

impl UpdateCommunity {
    fn apply(self, mut f: CommunityFields) -> Result<CommunityFields, ApiError> {
        let mut errors = Vec::new();
        merge_patch::required(&mut errors, "/code", self.code, &mut f.code);
        merge_patch::required(&mut errors, "/name", self.name, &mut f.name);
        merge_patch::required(&mut errors, "/kind", self.kind, &mut f.kind);
        merge_patch::required(
            &mut errors,
            "/association_id",
            self.association_id,
            &mut f.association_id,
        );
        merge_patch::optional(self.household_count, &mut f.household_count);
        merge_patch::optional(self.population, &mut f.population);
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Filters and paging of the community list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCommunitiesParams {
    /// Only communities of this commune association.
    #[serde(default, deserialize_with = "ids::optional")]
    pub association_id: Option<String>,
    /// Only communities of this association and of every association below it.
    #[serde(default, deserialize_with = "ids::optional")]
    pub ancestor_id: Option<String>,
    pub kind: Option<CommunityKind>,
    /// Text in the name or code, ignoring case and Vietnamese diacritics.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters.
    pub page_token: Option<String>,
}

/// List village communities, by name.
#[utoipa::path(
    tag = "communities",
    params(ListCommunitiesParams),
    responses(
        (status = 200, description = "One page of communities. Every one that matches the filters, as a file: `GET /api/v1/exports/communities`", body = crate::http::paging::Page<Community>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/communities")]
pub async fn list_communities(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListCommunitiesParams>,
) -> Result<HttpResponse, ApiError> {
    communities(&req, &db, &caller, params, Listing::Page).await
}

/// Export communities: every one that matches the filters of the list, as a
/// file to save or to import elsewhere (no pages).
#[utoipa::path(
    tag = "communities",
    params(ListCommunitiesParams),
    responses(
        (status = 200, description = "Every one that matches the filters, streamed: CSV (UTF-8 with a byte-order mark, the default), with `Accept: application/x-ndjson` one JSON object per line, or with `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` a workbook (a bold, frozen heading row naming the members as people read them, in the language `Accept-Language` asks for, Vietnamese by default; numbers, booleans, dates and times in their types; written in constant memory, sent when complete); page parameters are checked as the list checks them, then ignored",
         content((String = "text/csv"), (String = "application/x-ndjson"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
         headers(("Content-Disposition" = String, description = "`attachment` with the file's name"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/exports/communities")]
pub async fn export_communities(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListCommunitiesParams>,
) -> Result<HttpResponse, ApiError> {
    communities(&req, &db, &caller, params, Listing::Export).await
}

/// The list's rows, as a page or as a file.
async fn communities(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: ListCommunitiesParams,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let q = search_param(params.q.as_deref())?;
    let filter = CommunityFilter {
        association_id: params.association_id,
        ancestor_id: params.ancestor_id,
        kind: params.kind,
        q,
        scope: caller.scope_path().map(str::to_owned),
    };
    let fingerprint = format!("{filter:?}");
    let paging = (params.page_size, params.page_token.as_deref());
    let fetch = move |conn: &mut DbConnection, page: &PageRequest| model::list(conn, &filter, page);
    resource::http::list::<CommunityRow, _>(req, db, caller, listing, paging, fingerprint, fetch)
        .await
}

impl From<CreateCommunity> for CommunityFields {
    fn from(body: CreateCommunity) -> Self {
        CommunityFields {
            code: body.code,
            name: body.name,
            kind: body.kind,
            association_id: body.association_id,
            household_count: body.household_count,
            population: body.population,
        }
    }
}

impl Importable for CommunityRow {
    const NAME: &'static str = "communities";
    type Create = CreateCommunity;

    fn fields_from(
        body: CreateCommunity,
        _: Option<String>,
    ) -> Result<(String, CommunityFields), ApiError> {
        let fields = CommunityFields::from(body);
        Ok((fields.association_id.clone(), fields))
    }

    /// The same code in the same commune.
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

/// Register a village community under a commune (editors and admins, in their scope).
#[utoipa::path(
    tag = "communities",
    request_body(content = CreateCommunity, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = Community,
         headers(("Location" = String, description = "The community's URL"), ("ETag" = String, description = "The version"))),
        crate::openapi::refusals::CreateRefusals,
    )
)]
#[post("/communities")]
pub async fn create_community(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateCommunity>,
) -> Result<HttpResponse, ApiError> {
    let fields = CommunityFields::from(body).validated()?;
    let row = resource::http::create_row::<CommunityRow>(&db, &caller, fields).await?;
    Ok(resource::http::respond_created(&req, &caller, row))
}

/// Get a village community.
#[utoipa::path(
    tag = "communities",
    params(("id" = String, Path, description = "The community's id")),
    responses(
        (status = 200, description = "The community", body = Community, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/communities/{id}")]
pub async fn get_community(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    resource::http::get_one::<CommunityRow>(&req, &db, &caller, id.into_inner()).await
}

/// Update a village community (JSON Merge Patch).
#[utoipa::path(
    tag = "communities",
    params(
        ("id" = String, Path, description = "The community's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on; 412 if stale"),
    ),
    request_body(content = UpdateCommunity, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated community", body = Community, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::UpdateRefusals,
    )
)]
#[patch("/communities/{id}")]
pub async fn update_community(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateCommunity>,
) -> Result<HttpResponse, ApiError> {
    let apply = move |fields| patch.clone().apply(fields);
    let row = resource::http::update_row(&db, &caller, id.into_inner(), if_match, apply).await?;
    Ok(resource::http::respond::<CommunityRow>(&req, &caller, row))
}

/// Delete a village community.
#[utoipa::path(
    tag = "communities",
    params(
        ("id" = String, Path, description = "The community's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the delete is based on; 412 if stale"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::refusals::DeleteRefusals,
    )
)]
#[delete("/communities/{id}")]
pub async fn delete_community(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    resource::http::delete_one::<CommunityRow>(&db, &caller, id.into_inner(), if_match).await
}

inventory::submit! {
    crate::resource::readers::Reader {
        resource_type: <CommunityRow as crate::resource::Resource>::TYPE,
        read: crate::resource::readers::read_as::<CommunityRow>,
    }
}

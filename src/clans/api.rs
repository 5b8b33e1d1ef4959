//! HTTP handlers and DTOs of `/api/v1/clans`.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, ClanFilter, ClanRow};
use super::rules::ClanFields;
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
        .service(list_clans)
        .service(export_clans)
        .service(create_clan)
        .service(get_clan)
        .service(update_clan)
        .service(delete_clan);
}

/// A learning clan (dòng họ học tập), or one branch of a clan, registered with an association;
/// its households are those that name it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4aa0", "name": "Dòng họ Nguyễn Văn – chi 2",
    "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60",
    "community_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a90", "version": 1,
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z"
}))]
pub struct Clan {
    #[schema(format = Uuid)]
    pub id: String,
    /// The surname, or the clan and its branch.
    #[schema(format = "text-line", max_length = 200)]
    pub name: String,
    #[schema(format = Uuid)]
    pub association_id: String,
    /// The village community the clan lives in, if one.
    #[schema(format = Uuid)]
    pub community_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Served for ClanRow {
    const COLLECTION: &'static str = "/api/v1/clans";
    type Json = Clan;
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "association_id",
        "community_id",
        "version",
        "created_at",
        "updated_at",
    ];

    fn present(self, _: &Caller) -> Clan {
        Clan {
            id: self.id,
            name: self.name,
            association_id: self.association_id,
            community_id: self.community_id,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

/// A new clan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Dòng họ Nguyễn Văn – chi 2",
                          "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60"}))]
pub struct CreateClan {
    #[schema(min_length = 1, max_length = 200, format = "text-line")]
    pub name: String,
    #[schema(format = Uuid)]
    #[serde(deserialize_with = "ids::string")]
    pub association_id: String,
    /// A village community of the association or of one above it, that the token sees
    /// (422 `NOT_FOUND` or `OUTSIDE_AREA` otherwise).
    #[serde(default, deserialize_with = "ids::optional")]
    #[schema(format = Uuid)]
    pub community_id: Option<String>,
}

/// A JSON Merge Patch of a clan. Its association changes only while no household names it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClan {
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 200, format = "text-line")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = String, format = Uuid)]
    pub association_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub community_id: Option<Option<String>>,
}

impl UpdateClan {
    fn apply(self, mut f: ClanFields) -> Result<ClanFields, ApiError> {
        let mut errors = Vec::new();
        merge_patch::required(&mut errors, "/name", self.name, &mut f.name);
        merge_patch::required(
            &mut errors,
            "/association_id",
            self.association_id,
            &mut f.association_id,
        );
        merge_patch::optional(self.community_id, &mut f.community_id);
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Filters and paging of the clan list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListClansParams {
    /// Only clans of this association.
    #[serde(default, deserialize_with = "ids::optional")]
    pub association_id: Option<String>,
    /// Only clans of this association and of every association below it.
    #[serde(default, deserialize_with = "ids::optional")]
    pub ancestor_id: Option<String>,
    /// Only clans of this village community.
    #[serde(default, deserialize_with = "ids::optional")]
    pub community_id: Option<String>,
    /// Text in the name, ignoring case and Vietnamese diacritics.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters.
    pub page_token: Option<String>,
}

/// List clans, by name.
#[utoipa::path(
    tag = "clans",
    params(ListClansParams),
    responses(
        (status = 200, description = "One page of clans. Every one that matches the filters, as a file: `GET /api/v1/exports/clans`", body = crate::http::paging::Page<Clan>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/clans")]
pub async fn list_clans(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListClansParams>,
) -> Result<HttpResponse, ApiError> {
    clans(&req, &db, &caller, params, Listing::Page).await
}

/// Export clans: every one that matches the filters of the list, as a
/// file to save or to import elsewhere (no pages).
#[utoipa::path(
    tag = "clans",
    params(ListClansParams),
    responses(
        (status = 200, description = "Every one that matches the filters, streamed: CSV (UTF-8 with a byte-order mark, the default), with `Accept: application/x-ndjson` one JSON object per line, or with `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` a workbook (a bold, frozen heading row naming the members as people read them, in the language `Accept-Language` asks for, Vietnamese by default; numbers, booleans, dates and times in their types; written in constant memory, sent when complete); page parameters are checked as the list checks them, then ignored",
         content((String = "text/csv"), (String = "application/x-ndjson"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
         headers(("Content-Disposition" = String, description = "`attachment` with the file's name"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/exports/clans")]
pub async fn export_clans(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListClansParams>,
) -> Result<HttpResponse, ApiError> {
    clans(&req, &db, &caller, params, Listing::Export).await
}

/// The list's rows, as a page or as a file.
async fn clans(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: ListClansParams,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let q = search_param(params.q.as_deref())?;
    let filter = ClanFilter {
        association_id: params.association_id,
        ancestor_id: params.ancestor_id,
        community_id: params.community_id,
        q,
        scope: caller.scope_path().map(str::to_owned),
    };
    let fingerprint = format!("{filter:?}");
    let paging = (params.page_size, params.page_token.as_deref());
    let fetch = move |conn: &mut DbConnection, page: &PageRequest| model::list(conn, &filter, page);
    resource::http::list::<ClanRow, _>(req, db, caller, listing, paging, fingerprint, fetch).await
}

impl From<CreateClan> for ClanFields {
    fn from(body: CreateClan) -> Self {
        ClanFields {
            name: body.name,
            association_id: body.association_id,
            community_id: body.community_id,
        }
    }
}

impl Importable for ClanRow {
    const NAME: &'static str = "clans";
    type Create = CreateClan;

    fn fields_from(body: CreateClan, _: Option<String>) -> Result<(String, ClanFields), ApiError> {
        let fields = ClanFields::from(body);
        Ok((fields.association_id.clone(), fields))
    }

    /// None: two branches of a clan may bear one name, so rows without an
    /// `id` are always new clans.
    fn keys(&self) -> Vec<String> {
        Vec::new()
    }

    fn holders(_: &mut DbConnection, _: &[&Self]) -> Result<Vec<(Self, String)>, ApiError> {
        Ok(Vec::new())
    }
}

/// Register a clan (editors and admins, in their scope).
#[utoipa::path(
    tag = "clans",
    request_body(content = CreateClan, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = Clan,
         headers(("Location" = String, description = "The clan's URL"), ("ETag" = String, description = "The version"))),
        crate::openapi::refusals::CreateRefusals,
    )
)]
#[post("/clans")]
pub async fn create_clan(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateClan>,
) -> Result<HttpResponse, ApiError> {
    let fields = ClanFields::from(body).validated()?;
    let row = resource::http::create_row::<ClanRow>(&db, &caller, fields).await?;
    Ok(resource::http::respond_created(&req, &caller, row))
}

/// Get a clan.
#[utoipa::path(
    tag = "clans",
    params(("id" = String, Path, description = "The clan's id")),
    responses(
        (status = 200, description = "The clan", body = Clan, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/clans/{id}")]
pub async fn get_clan(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    resource::http::get_one::<ClanRow>(&req, &db, &caller, id.into_inner()).await
}

/// Update a clan (JSON Merge Patch).
#[utoipa::path(
    tag = "clans",
    params(
        ("id" = String, Path, description = "The clan's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on; 412 if stale"),
    ),
    request_body(content = UpdateClan, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated clan", body = Clan, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::UpdateRefusals,
    )
)]
#[patch("/clans/{id}")]
pub async fn update_clan(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateClan>,
) -> Result<HttpResponse, ApiError> {
    let apply = move |fields| patch.clone().apply(fields);
    let row = resource::http::update_row(&db, &caller, id.into_inner(), if_match, apply).await?;
    Ok(resource::http::respond::<ClanRow>(&req, &caller, row))
}

/// Delete a clan (409 `HAS_HOUSEHOLDS` while households name it).
#[utoipa::path(
    tag = "clans",
    params(
        ("id" = String, Path, description = "The clan's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the delete is based on; 412 if stale"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::refusals::DeleteRefusals,
    )
)]
#[delete("/clans/{id}")]
pub async fn delete_clan(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    resource::http::delete_one::<ClanRow>(&db, &caller, id.into_inner(), if_match).await
}

inventory::submit! {
    crate::resource::readers::Reader {
        resource_type: <ClanRow as crate::resource::Resource>::TYPE,
        read: crate::resource::readers::read_as::<ClanRow>,
    }
}

//! HTTP handlers and DTOs of `/api/v1/units`.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, UnitFilter, UnitRow};
use super::rules::{UnitFields, UnitKind};
use crate::auth::Caller;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::http::extract::{search_param, JsonBody, Query};
use crate::http::ids::{self, Id};
use crate::http::merge_patch;
use crate::http::paging::{Page, PageRequest};
use crate::http::preconditions::IfMatch;
use crate::resource::export::Listing;
use crate::resource::Importable;
use crate::resource::{self, http::Served};

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_units)
        .service(export_units)
        .service(create_unit)
        .service(get_unit)
        .service(update_unit)
        .service(delete_unit);
}

/// A learning unit (đơn vị học tập): an agency, school, enterprise, … in the area of an association.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a70", "code": "THPT-TY", "name": "Trường THPT Trấn Yên",
    "kind": "school", "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    "address": "Thị trấn Cổ Phúc", "head_name": "Lê Văn C", "staff_count": 64, "version": 1,
    "created_at": "2026-11-27T09:00:00Z", "updated_at": "2026-11-27T09:00:00Z"
}))]
pub struct Unit {
    #[schema(format = Uuid)]
    pub id: String,
    /// Optional unique external id.
    #[schema(format = "code", max_length = 32)]
    pub code: Option<String>,
    #[schema(format = "text-line", max_length = 200)]
    pub name: String,
    pub kind: UnitKind,
    /// The association whose area the unit belongs to.
    #[schema(format = Uuid)]
    pub association_id: String,
    #[schema(format = "text-line", max_length = 500)]
    pub address: Option<String>,
    /// The head of the unit.
    #[schema(format = "text-line", max_length = 200)]
    pub head_name: Option<String>,
    pub staff_count: Option<i32>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Served for UnitRow {
    const COLLECTION: &'static str = "/api/v1/units";
    type Json = Unit;
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "code",
        "name",
        "kind",
        "association_id",
        "address",
        "head_name",
        "staff_count",
        "version",
        "created_at",
        "updated_at",
    ];

    fn present(self, _: &Caller) -> Unit {
        Unit::from(self)
    }
}

impl Importable for UnitRow {
    const NAME: &'static str = "units";
    type Create = CreateUnit;

    fn fields_from(body: CreateUnit, _: Option<String>) -> Result<(String, UnitFields), ApiError> {
        let fields = UnitFields {
            code: body.code,
            name: body.name,
            kind: body.kind,
            association_id: body.association_id,
            address: body.address,
            head_name: body.head_name,
            staff_count: body.staff_count,
        };
        Ok((fields.association_id.clone(), fields))
    }

    /// The same code.
    fn keys(&self) -> Vec<String> {
        self.code
            .iter()
            .map(|code| format!("code={code}"))
            .collect()
    }

    fn holders(conn: &mut DbConnection, rows: &[&Self]) -> Result<Vec<(Self, String)>, ApiError> {
        model::holding_codes(conn, rows.iter().filter_map(|row| row.code.as_deref()))
    }
}

impl From<UnitRow> for Unit {
    fn from(row: UnitRow) -> Self {
        Unit {
            kind: row.kind(),
            id: row.id,
            code: row.code,
            name: row.name,
            association_id: row.association_id,
            address: row.address,
            head_name: row.head_name,
            staff_count: row.staff_count,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A new unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "THPT-TY", "name": "Trường THPT Trấn Yên", "kind": "school",
                          "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "staff_count": 64}))]
pub struct CreateUnit {
    #[serde(default)]
    #[schema(max_length = 32, pattern = r"^([A-Za-z0-9][A-Za-z0-9._-]{0,31})?$")]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 200, format = "text-line")]
    pub name: String,
    pub kind: UnitKind,
    #[schema(format = Uuid)]
    #[serde(deserialize_with = "ids::string")]
    pub association_id: String,
    #[serde(default)]
    #[schema(max_length = 500, format = "text-line-or-blank")]
    pub address: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200, format = "text-line-or-blank")]
    pub head_name: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10000000)]
    pub staff_count: Option<i32>,
}

/// A JSON Merge Patch of a unit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnit {
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 32, pattern = r"^([A-Za-z0-9][A-Za-z0-9._-]{0,31})?$")]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 200, format = "text-line")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = UnitKind)]
    pub kind: Option<Option<UnitKind>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = String, format = Uuid)]
    pub association_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 500, format = "text-line-or-blank")]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 200, format = "text-line-or-blank")]
    pub head_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 10000000)]
    pub staff_count: Option<Option<i32>>,
}

impl UpdateUnit {
    fn apply(self, mut f: UnitFields) -> Result<UnitFields, ApiError> {
        let mut errors = Vec::new();
        merge_patch::required(&mut errors, "/name", self.name, &mut f.name);
        merge_patch::required(&mut errors, "/kind", self.kind, &mut f.kind);
        merge_patch::required(
            &mut errors,
            "/association_id",
            self.association_id,
            &mut f.association_id,
        );
        merge_patch::optional(self.code, &mut f.code);
        merge_patch::optional(self.address, &mut f.address);
        merge_patch::optional(self.head_name, &mut f.head_name);
        merge_patch::optional(self.staff_count, &mut f.staff_count);
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Filters and paging of the unit list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUnitsParams {
    /// Only units of this association.
    #[serde(default, deserialize_with = "ids::optional")]
    pub association_id: Option<String>,
    /// Only units of this association and of every association below it.
    #[serde(default, deserialize_with = "ids::optional")]
    pub ancestor_id: Option<String>,
    pub kind: Option<UnitKind>,
    /// Text in the name or code, ignoring case and Vietnamese diacritics.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters.
    pub page_token: Option<String>,
}

/// List units, by name.
#[utoipa::path(
    tag = "units",
    params(ListUnitsParams),
    responses(
        (status = 200, description = "One page of units. Every one that matches the filters, as a file: `GET /api/v1/exports/units`", body = Page<Unit>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/units")]
pub async fn list_units(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListUnitsParams>,
) -> Result<HttpResponse, ApiError> {
    units(&req, &db, &caller, params, Listing::Page).await
}

/// Export units: every one that matches the filters of the list, as a
/// file to save or to import elsewhere (no pages).
#[utoipa::path(
    tag = "units",
    params(ListUnitsParams),
    responses(
        (status = 200, description = "Every one that matches the filters, streamed: CSV (UTF-8 with a byte-order mark, the default), with `Accept: application/x-ndjson` one JSON object per line, or with `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` a workbook (a bold, frozen heading row naming the members as people read them, in the language `Accept-Language` asks for, Vietnamese by default; numbers, booleans, dates and times in their types; written in constant memory, sent when complete); page parameters are checked as the list checks them, then ignored",
         content((String = "text/csv"), (String = "application/x-ndjson"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
         headers(("Content-Disposition" = String, description = "`attachment` with the file's name"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/exports/units")]
pub async fn export_units(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListUnitsParams>,
) -> Result<HttpResponse, ApiError> {
    units(&req, &db, &caller, params, Listing::Export).await
}

/// The list's rows, as a page or as a file.
async fn units(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: ListUnitsParams,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let q = search_param(params.q.as_deref())?;
    let filter = UnitFilter {
        association_id: params.association_id,
        ancestor_id: params.ancestor_id,
        kind: params.kind,
        q,
        scope: caller.scope_path().map(str::to_owned),
    };
    let fingerprint = format!("{filter:?}");
    let paging = (params.page_size, params.page_token.as_deref());
    let fetch = move |conn: &mut DbConnection, page: &PageRequest| model::list(conn, &filter, page);
    resource::http::list::<UnitRow, _>(req, db, caller, listing, paging, fingerprint, fetch).await
}

/// Register a unit (editors and admins, in their scope).
#[utoipa::path(
    tag = "units",
    request_body(content = CreateUnit, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = Unit,
         headers(("Location" = String, description = "The unit's URL"), ("ETag" = String, description = "The version"))),
        crate::openapi::refusals::CreateRefusals,
    )
)]
#[post("/units")]
pub async fn create_unit(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateUnit>,
) -> Result<HttpResponse, ApiError> {
    let (_, fields) = UnitRow::fields_from(body, None)?;
    let fields = fields.validated()?;
    let row = resource::http::create_row::<UnitRow>(&db, &caller, fields).await?;
    Ok(resource::http::respond_created(&req, &caller, row))
}

/// Get a unit.
#[utoipa::path(
    tag = "units",
    params(("id" = String, Path, description = "The unit's id")),
    responses(
        (status = 200, description = "The unit", body = Unit, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/units/{id}")]
pub async fn get_unit(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    resource::http::get_one::<UnitRow>(&req, &db, &caller, id.into_inner()).await
}

/// Update a unit (JSON Merge Patch).
#[utoipa::path(
    tag = "units",
    params(
        ("id" = String, Path, description = "The unit's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on; 412 if stale"),
    ),
    request_body(content = UpdateUnit, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated unit", body = Unit, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::UpdateRefusals,
    )
)]
#[patch("/units/{id}")]
pub async fn update_unit(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateUnit>,
) -> Result<HttpResponse, ApiError> {
    let apply = move |fields| patch.clone().apply(fields);
    let row = resource::http::update_row(&db, &caller, id.into_inner(), if_match, apply).await?;
    Ok(resource::http::respond::<UnitRow>(&req, &caller, row))
}

/// Delete a unit.
#[utoipa::path(
    tag = "units",
    params(
        ("id" = String, Path, description = "The unit's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the delete is based on; 412 if stale"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::refusals::DeleteRefusals,
    )
)]
#[delete("/units/{id}")]
pub async fn delete_unit(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    resource::http::delete_one::<UnitRow>(&db, &caller, id.into_inner(), if_match).await
}

inventory::submit! {
    crate::resource::readers::Reader {
        resource_type: <UnitRow as crate::resource::Resource>::TYPE,
        read: crate::resource::readers::read_as::<UnitRow>,
    }
}

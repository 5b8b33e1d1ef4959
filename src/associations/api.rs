//! HTTP handlers and DTOs of `/api/v1/associations`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, AssociationRow, ListFilter};
use super::rules::{AssociationFields, Level};
use crate::auth::Caller;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::http::extract::{search_param, JsonBody, Query};
use crate::http::ids::{self, Id};
use crate::http::merge_patch;
use crate::http::paging::{self, Page, PageRequest};
use crate::http::preconditions::{created_response, resource_response, IfMatch};
use crate::resource::export;
use crate::resource::export::Listing;
use crate::resource::http::Served;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_associations)
        .service(export_associations)
        .service(create_association)
        .service(get_association)
        .service(update_association)
        .service(delete_association)
        .service(list_association_ancestors);
}

/// A learning-promotion association (Hội Khuyến học) at any level of the tree.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "code": "08170", "name": "Hội Khuyến học huyện Trấn Yên",
    "level": "district", "parent_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a50",
    "ancestor_ids": ["0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a50"], "depth": 1,
    "address": "Thị trấn Cổ Phúc, Trấn Yên, Yên Bái", "phone": "0216 3825 123", "email": "khuyenhoc@tranyen.vn",
    "chair_name": "Nguyễn Văn A", "founded_on": "1997-05-12", "dissolved_on": null, "successor_id": null,
    "version": 3, "created_at": "2026-11-27T09:00:00Z", "updated_at": "2026-11-27T10:30:00.125Z"
}))]
pub struct Association {
    /// Server-made UUIDv7.
    #[schema(format = Uuid)]
    pub id: String,
    /// Unique stable code, such as the administrative-unit code.
    #[schema(format = "code", max_length = 32)]
    pub code: String,
    /// Name, in Vietnamese, as given.
    #[schema(format = "text-line", max_length = 200)]
    pub name: String,
    pub level: Level,
    /// The association directly above; null for a root.
    #[schema(format = Uuid)]
    pub parent_id: Option<String>,
    /// The ids of every association above, root first.
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub ancestor_ids: Vec<String>,
    /// 0 for a root, 1 for its children, and so on.
    pub depth: i32,
    #[schema(format = "text-line", max_length = 500)]
    pub address: Option<String>,
    #[schema(format = "phone", max_length = 20)]
    pub phone: Option<String>,
    #[schema(format = "email", max_length = 254)]
    pub email: Option<String>,
    /// The chair of the association's board.
    #[schema(format = "text-line", max_length = 200)]
    pub chair_name: Option<String>,
    pub founded_on: Option<NaiveDate>,
    /// Set when the association was dissolved (it keeps its history, takes no new children).
    pub dissolved_on: Option<NaiveDate>,
    /// The association that took over after dissolution.
    #[schema(format = Uuid)]
    pub successor_id: Option<String>,
    /// Incremented on each write; also the `ETag`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Served for AssociationRow {
    const COLLECTION: &'static str = "/api/v1/associations";
    type Json = Association;
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "code",
        "name",
        "level",
        "parent_id",
        "ancestor_ids",
        "depth",
        "address",
        "phone",
        "email",
        "chair_name",
        "founded_on",
        "dissolved_on",
        "successor_id",
        "version",
        "created_at",
        "updated_at",
    ];

    fn present(self, _: &Caller) -> Association {
        Association::from(self)
    }
}

impl From<AssociationRow> for Association {
    fn from(row: AssociationRow) -> Self {
        Association {
            ancestor_ids: row.ancestor_ids(),
            level: row.level(),
            id: row.id,
            code: row.code,
            name: row.name,
            parent_id: row.parent_id,
            depth: row.depth,
            address: row.address,
            phone: row.phone,
            email: row.email,
            chair_name: row.chair_name,
            founded_on: row.founded_on,
            dissolved_on: row.dissolved_on,
            successor_id: row.successor_id,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A new association. Output-only members (`id`, `version`, …) are ignored if sent
/// with the types they are read with, so a body read from the API can be sent back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "08170", "name": "Hội Khuyến học huyện Trấn Yên", "level": "district",
    "parent_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a50", "email": "khuyenhoc@tranyen.vn"
}))]
pub struct CreateAssociation {
    /// 1–32 ASCII letters, digits, '.', '_' or '-'; unique.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
    )]
    pub code: String,
    /// 1–200 characters.
    #[schema(min_length = 1, max_length = 200, format = "text-line")]
    pub name: String,
    pub level: Level,
    /// The association directly above, strictly higher in level; absent or null for a root.
    #[serde(default, deserialize_with = "ids::optional")]
    #[schema(format = Uuid)]
    pub parent_id: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500, format = "text-line-or-blank")]
    pub address: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20, format = "phone")]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 254, format = "email")]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200, format = "text-line-or-blank")]
    pub chair_name: Option<String>,
    #[serde(default)]
    pub founded_on: Option<NaiveDate>,
    #[serde(default)]
    pub dissolved_on: Option<NaiveDate>,
    /// Only with `dissolved_on`.
    #[serde(default, deserialize_with = "ids::optional")]
    #[schema(format = Uuid)]
    pub successor_id: Option<String>,
    #[serde(default, deserialize_with = "ids::optional")]
    #[schema(read_only, format = Uuid)]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "ids::optional_list")]
    #[schema(read_only, value_type = Option<Vec<uuid::Uuid>>)]
    pub ancestor_ids: Option<Vec<String>>,
    #[serde(default)]
    #[schema(read_only)]
    pub depth: Option<i32>,
    #[serde(default)]
    #[schema(read_only)]
    pub version: Option<i64>,
    #[serde(default)]
    #[schema(read_only)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[schema(read_only)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<CreateAssociation> for AssociationFields {
    fn from(body: CreateAssociation) -> Self {
        AssociationFields {
            code: body.code,
            name: body.name,
            level: body.level,
            parent_id: body.parent_id,
            address: body.address,
            phone: body.phone,
            email: body.email,
            chair_name: body.chair_name,
            founded_on: body.founded_on,
            dissolved_on: body.dissolved_on,
            successor_id: body.successor_id,
        }
    }
}

/// A JSON Merge Patch: members sent are changed, `null` clears an optional
/// member, absent members stay. Setting `parent_id` moves the association with
/// its whole subtree.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Hội Khuyến học xã Trấn Yên", "parent_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a51", "phone": null}))]
pub struct UpdateAssociation {
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 200, format = "text-line")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Level)]
    pub level: Option<Option<Level>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub parent_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 500, format = "text-line-or-blank")]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 20, format = "phone")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 254, format = "email")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 200, format = "text-line-or-blank")]
    pub chair_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<NaiveDate>)]
    pub founded_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<NaiveDate>)]
    pub dissolved_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub successor_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "ids::optional")]
    #[schema(read_only, format = Uuid)]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "ids::optional_list")]
    #[schema(read_only, value_type = Option<Vec<uuid::Uuid>>)]
    pub ancestor_ids: Option<Vec<String>>,
    #[serde(default)]
    #[schema(read_only)]
    pub depth: Option<i32>,
    #[serde(default)]
    #[schema(read_only)]
    pub version: Option<i64>,
    #[serde(default)]
    #[schema(read_only)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[schema(read_only)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl UpdateAssociation {
    /// The stored fields with this patch applied. Required members cannot be cleared.
    fn apply(self, mut fields: AssociationFields) -> Result<AssociationFields, ApiError> {
        let mut errors = Vec::new();
        merge_patch::required(&mut errors, "/code", self.code, &mut fields.code);
        merge_patch::required(&mut errors, "/name", self.name, &mut fields.name);
        merge_patch::required(&mut errors, "/level", self.level, &mut fields.level);
        merge_patch::optional(self.parent_id, &mut fields.parent_id);
        merge_patch::optional(self.address, &mut fields.address);
        merge_patch::optional(self.phone, &mut fields.phone);
        merge_patch::optional(self.email, &mut fields.email);
        merge_patch::optional(self.chair_name, &mut fields.chair_name);
        merge_patch::optional(self.successor_id, &mut fields.successor_id);
        merge_patch::optional(self.founded_on, &mut fields.founded_on);
        merge_patch::optional(self.dissolved_on, &mut fields.dissolved_on);
        if errors.is_empty() {
            Ok(fields)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Filters, order and paging of the association list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAssociationsParams {
    /// Only the direct children of this association.
    #[serde(default, deserialize_with = "ids::optional")]
    pub parent_id: Option<String>,
    /// Only associations of this level.
    pub level: Option<Level>,
    /// Only associations anywhere below this one (not itself).
    #[serde(default, deserialize_with = "ids::optional")]
    pub ancestor_id: Option<String>,
    /// Text in the name or code, ignoring case and Vietnamese diacritics
    /// (`tran yen` finds "Trấn Yên"). Not served in the list's order: every
    /// match is read and sorted for each page, so narrow a broad search.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only associations changed at or after this time (RFC 3339), for sync.
    /// Not served in the list's order: every change since then is read and
    /// sorted for each page (keep it recent; the change feed suits a sync better).
    pub updated_since: Option<DateTime<Utc>>,
    /// Comma-separated fields among `name`, `code`, each optionally prefixed
    /// with `-` for descending order; the id breaks ties. Default `name`.
    /// A page is read in this order from an index, without sorting the
    /// matches, for `parent_id` or `level` alone sorted by `name`, and for a
    /// large `ancestor_id` subtree alone sorted by `name` or `code` (a small
    /// one is read whole and sorted: it is cheaper).
    #[param(example = "-code")]
    pub sort: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters and sort.
    pub page_token: Option<String>,
    /// Add `total_size`, the number of matching associations.
    pub include_total: Option<bool>,
}

impl ListAssociationsParams {
    fn filter(&self) -> Result<ListFilter, ApiError> {
        let q = search_param(self.q.as_deref())?;
        Ok(ListFilter {
            parent_id: self.parent_id.clone(),
            level: self.level,
            ancestor_id: self.ancestor_id.clone(),
            q,
            updated_since: self.updated_since.map(|t| t.naive_utc()),
            sort: paging::parse_sort(self.sort.as_deref(), &model::SORT_FIELDS, "name")?,
            scope: None,
        })
    }
}

/// List associations.
///
/// Filtered by parent, level, subtree or text, in a stable order, one page at a time.
#[utoipa::path(
    tag = "associations",
    params(ListAssociationsParams),
    responses(
        (status = 200, description = "One page of associations. Every one that matches the filters, as a file: `GET /api/v1/exports/associations`", body = Page<Association>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/associations")]
pub async fn list_associations(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListAssociationsParams>,
) -> Result<HttpResponse, ApiError> {
    associations(&req, &db, &caller, params, Listing::Page).await
}

/// Export associations: every one that matches the filters of the list, as
/// a file to save or to import elsewhere (no pages).
#[utoipa::path(
    tag = "associations",
    params(ListAssociationsParams),
    responses(
        (status = 200, description = "Every one that matches the filters, streamed: CSV (UTF-8 with a byte-order mark, the default), with `Accept: application/x-ndjson` one JSON object per line, or with `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` a workbook (a bold, frozen heading row naming the members as people read them, in the language `Accept-Language` asks for, Vietnamese by default; numbers, booleans, dates and times in their types; written in constant memory, sent when complete); page parameters are checked as the list checks them, then ignored",
         content((String = "text/csv"), (String = "application/x-ndjson"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
         headers(("Content-Disposition" = String, description = "`attachment` with the file's name"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/exports/associations")]
pub async fn export_associations(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListAssociationsParams>,
) -> Result<HttpResponse, ApiError> {
    associations(&req, &db, &caller, params, Listing::Export).await
}

/// The list's rows, as a page or as a file.
async fn associations(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: ListAssociationsParams,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let mut filter = params.filter()?;
    filter.scope = caller.scope_path().map(str::to_owned);
    // Page parameters are checked whatever the form, though a file ignores them.
    let page = PageRequest::new(
        params.page_size,
        params.page_token.as_deref(),
        &filter.fingerprint(),
    )?;
    if let Some(form) = export::negotiate(req, listing)? {
        let fingerprint = filter.fingerprint();
        let fetch = move |conn: &mut DbConnection, page: &PageRequest| {
            model::list(conn, &filter, page, false)
        };
        return export::stream(req, db, caller, form, fingerprint, fetch).await;
    }
    let with_total = params.include_total.unwrap_or(false);
    let rows = db
        .run(move |conn| model::list(conn, &filter, &page, with_total))
        .await?;
    Ok(paging::page_response(req, rows.map(Association::from)))
}

/// Create an association.
#[utoipa::path(
    tag = "associations",
    request_body(content = CreateAssociation, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = Association,
         headers(("Location" = String, description = "The new association's URL"),
                 ("ETag" = String, description = "The version, as a strong entity tag"))),
        crate::openapi::refusals::CreateRefusals,
    )
)]
#[post("/associations")]
pub async fn create_association(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateAssociation>,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let fields = AssociationFields::from(body).validated()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let row = db
        .write(move |conn| model::create(conn, &actor, scope.as_deref(), None, fields.clone()))
        .await?;
    let location = format!("/api/v1/associations/{}", row.id);
    Ok(created_response(
        &req,
        &location,
        row.version,
        &Association::from(row),
    ))
}

/// Get an association.
#[utoipa::path(
    tag = "associations",
    params(
        ("id" = String, Path, description = "The association's id"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An `ETag` seen before: 304 if still current"),
    ),
    responses(
        (status = 200, description = "The association", body = Association,
         headers(("ETag" = String, description = "The version, as a strong entity tag"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/associations/{id}")]
pub async fn get_association(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.scope_path().map(str::to_owned);
    let row = db
        .run(move |conn| model::get_visible(conn, scope.as_deref(), &id))
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Association::from(row),
    ))
}

/// Update an association (JSON Merge Patch).
///
/// Changing `parent_id` moves the association and its subtree; the new parent
/// must be strictly higher in level, not dissolved, and not below it. Both
/// ends stay in the token's scope: the root needs a token for the whole tree
/// (403 `OUTSIDE_SCOPE`), the association a token's scope starts at cannot be
/// moved by that token (403 `SCOPE_ROOT`), and a parent or successor outside
/// the scope is 422 `NOT_FOUND`, as if it did not exist. Concurrent moves and
/// creates below are serialised by the database: of two crossed moves one
/// succeeds and the other is 409 `CYCLE`.
#[utoipa::path(
    tag = "associations",
    params(
        ("id" = String, Path, description = "The association's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on (`\"3\"`, or `*`); 412 if stale"),
    ),
    request_body(content = UpdateAssociation, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated association", body = Association,
         headers(("ETag" = String, description = "The new version, as a strong entity tag"))),
        crate::openapi::refusals::UpdateRefusals,
    )
)]
#[patch("/associations/{id}")]
pub async fn update_association(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateAssociation>,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let row = db
        .write(move |conn| {
            model::update(conn, &actor, scope.as_deref(), &id, &if_match, |fields| {
                patch.clone().apply(fields)
            })
        })
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Association::from(row),
    ))
}

/// Delete an association.
///
/// Refused while it has children or is named as a successor.
#[utoipa::path(
    tag = "associations",
    params(
        ("id" = String, Path, description = "The association's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the delete is based on (`\"3\"`, or `*`); 412 if stale"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::DeleteRefusals,
    )
)]
#[delete("/associations/{id}")]
pub async fn delete_association(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    db.write(move |conn| model::delete(conn, &actor, scope.as_deref(), &id, &if_match))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List the ancestors of an association, root first.
///
/// All of them fit on one page: `next_page_token` is always null.
#[utoipa::path(
    tag = "associations",
    params(("id" = String, Path, description = "The association's id")),
    responses(
        (status = 200, description = "The ancestors, root first", body = Page<Association>),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/associations/{id}/ancestors")]
pub async fn list_association_ancestors(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.scope_path().map(str::to_owned);
    let rows = db
        .run(move |conn| model::ancestors(conn, scope.as_deref(), &id))
        .await?;
    let page = Page {
        items: rows.into_iter().map(Association::from).collect::<Vec<_>>(),
        next_page_token: None,
        total_size: None,
    };
    Ok(paging::page_response(&req, page))
}

inventory::submit! {
    crate::resource::readers::Reader {
        resource_type: "association",
        read: |conn, caller, id| {
            let row = crate::resource::readers::found(model::get_visible(conn, caller.scope_path(), id))?;
            row.map(|row| crate::resource::readers::json(&row.present(caller))).transpose()
        },
    }
}

//! HTTP handlers and DTOs of `/api/v1/citizens`.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, CitizenFilter, CitizenRow};
use super::rules::{self, CitizenFields, Gender};
use crate::auth::{Actor, Caller};
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
        .service(list_citizens)
        .service(export_citizens)
        .service(create_citizen)
        .service(get_citizen)
        .service(update_citizen)
        .service(delete_citizen);
}

/// A citizen. `phone` and `national_id` are personal data: present only for
/// admin and editor tokens (whose scope covers the citizen, or the citizen
/// would not be visible at all).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a80", "external_id": null, "full_name": "Nguyễn Thị Hoa",
    "birth_year": 1985, "gender": "female", "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    "occupation": "Nông dân", "phone": "0912 345 678", "national_id": "015185000123", "version": 1,
    "created_at": "2026-11-27T09:00:00Z", "updated_at": "2026-11-27T09:00:00Z"
}))]
pub struct Citizen {
    #[schema(format = Uuid)]
    pub id: String,
    /// Optional unique id from another system.
    #[schema(format = "code", max_length = 64)]
    pub external_id: Option<String>,
    #[schema(format = "text-line", max_length = 200)]
    pub full_name: String,
    pub birth_year: Option<i32>,
    pub gender: Option<Gender>,
    /// The commune or branch where the citizen lives.
    #[schema(format = Uuid)]
    pub association_id: String,
    #[schema(format = "text", max_length = 200)]
    pub occupation: Option<String>,
    /// Personal data: admins and editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "phone", max_length = 20)]
    pub phone: Option<String>,
    /// Personal data (12 digits): admins and editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 12, pattern = r"^([0-9]{12})?$")]
    pub national_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Importable for CitizenRow {
    const NAME: &'static str = "citizens";
    type Create = CreateCitizen;

    fn fields_from(
        body: CreateCitizen,
        _: Option<String>,
    ) -> Result<(String, CitizenFields), ApiError> {
        let fields = CitizenFields {
            external_id: body.external_id,
            full_name: body.full_name,
            birth_year: body.birth_year,
            gender: body.gender,
            association_id: body.association_id,
            occupation: body.occupation,
            phone: body.phone,
            national_id: body.national_id,
        };
        Ok((fields.association_id.clone(), fields))
    }

    fn refused_key(candidate: &Self, error: &ApiError) -> Option<String> {
        let taken = error.code() == model::DUPLICATE_NATIONAL_ID;
        candidate.national_id.clone().filter(|_| taken)
    }

    fn audit_refusals(
        conn: &mut DbConnection,
        actor: &Actor,
        national_ids: &[String],
    ) -> Result<(), ApiError> {
        log::warn!(
            "{} was refused {} national_id(s) registered already, by import",
            actor.describe(),
            national_ids.len()
        );
        national_ids
            .iter()
            .try_for_each(|national_id| model::audit_refused_national_id(conn, actor, national_id))
    }

    /// The external id, then the national id.
    fn keys(&self) -> Vec<String> {
        let external = self
            .external_id
            .iter()
            .map(|id| format!("external_id={id}"));
        let national = self
            .national_id
            .iter()
            .map(|id| format!("national_id={id}"));
        external.chain(national).collect()
    }

    fn holders(conn: &mut DbConnection, rows: &[&Self]) -> Result<Vec<(Self, String)>, ApiError> {
        model::holding_ids(conn, rows)
    }
}

impl Served for CitizenRow {
    const COLLECTION: &'static str = "/api/v1/citizens";
    type Json = Citizen;
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "external_id",
        "full_name",
        "birth_year",
        "gender",
        "association_id",
        "occupation",
        "phone",
        "national_id",
        "version",
        "created_at",
        "updated_at",
    ];

    fn present(self, caller: &Caller) -> Citizen {
        Citizen::for_caller(self, caller)
    }
}

impl Citizen {
    /// The citizen as `caller` may see them.
    fn for_caller(row: CitizenRow, caller: &Caller) -> Self {
        let personal = caller.role.edits();
        Citizen {
            gender: row.gender(),
            id: row.id,
            external_id: row.external_id,
            full_name: row.full_name,
            birth_year: row.birth_year,
            association_id: row.association_id,
            occupation: row.occupation,
            phone: row.phone.filter(|_| personal),
            national_id: row.national_id.filter(|_| personal),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A new citizen.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"full_name": "Nguyễn Thị Hoa", "birth_year": 1985, "gender": "female",
                          "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "occupation": "Nông dân"}))]
pub struct CreateCitizen {
    #[serde(default)]
    #[schema(max_length = 64, pattern = r"^([A-Za-z0-9][A-Za-z0-9._-]{0,63})?$")]
    pub external_id: Option<String>,
    #[schema(min_length = 1, max_length = 200, format = "text-line")]
    pub full_name: String,
    /// From 1900 to the current year.
    #[serde(default, deserialize_with = "rules::birth_year")]
    #[schema(minimum = 1900, maximum = 2100)]
    pub birth_year: Option<i32>,
    #[serde(default)]
    pub gender: Option<Gender>,
    #[schema(format = Uuid)]
    #[serde(deserialize_with = "ids::string")]
    pub association_id: String,
    #[serde(default)]
    #[schema(max_length = 200, format = "text")]
    pub occupation: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20, format = "phone")]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 12, pattern = r"^([0-9]{12})?$")]
    pub national_id: Option<String>,
}

/// A JSON Merge Patch of a citizen.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCitizen {
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 64, pattern = r"^([A-Za-z0-9][A-Za-z0-9._-]{0,63})?$")]
    pub external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 200, format = "text-line")]
    pub full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "rules::birth_year_member")]
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub birth_year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<Gender>)]
    pub gender: Option<Option<Gender>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = String, format = Uuid)]
    pub association_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 200, format = "text")]
    pub occupation: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 20, format = "phone")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 12, pattern = r"^([0-9]{12})?$")]
    pub national_id: Option<Option<String>>,
}

impl UpdateCitizen {
    fn apply(self, mut f: CitizenFields) -> Result<CitizenFields, ApiError> {
        let mut errors = Vec::new();
        merge_patch::required(&mut errors, "/full_name", self.full_name, &mut f.full_name);
        merge_patch::required(
            &mut errors,
            "/association_id",
            self.association_id,
            &mut f.association_id,
        );
        merge_patch::optional(self.external_id, &mut f.external_id);
        merge_patch::optional(self.birth_year, &mut f.birth_year);
        merge_patch::optional(self.gender, &mut f.gender);
        merge_patch::optional(self.occupation, &mut f.occupation);
        merge_patch::optional(self.phone, &mut f.phone);
        merge_patch::optional(self.national_id, &mut f.national_id);
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Filters and paging of the citizen list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCitizensParams {
    /// Only citizens of this association.
    #[serde(default, deserialize_with = "ids::optional")]
    pub association_id: Option<String>,
    /// Only citizens of this association and of every association below it.
    #[serde(default, deserialize_with = "ids::optional")]
    pub ancestor_id: Option<String>,
    pub birth_year: Option<i32>,
    /// Text in the name, ignoring case and Vietnamese diacritics.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters.
    pub page_token: Option<String>,
}

/// List citizens, in the order they were registered.
#[utoipa::path(
    tag = "citizens",
    params(ListCitizensParams),
    responses(
        (status = 200, description = "One page of citizens. Every one that matches the filters, as a file: `GET /api/v1/exports/citizens`", body = Page<Citizen>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/citizens")]
pub async fn list_citizens(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListCitizensParams>,
) -> Result<HttpResponse, ApiError> {
    citizens(&req, &db, &caller, params, Listing::Page).await
}

/// Export citizens: every one that matches the filters of the list, as a
/// file to save or to import elsewhere (no pages).
#[utoipa::path(
    tag = "citizens",
    params(ListCitizensParams),
    responses(
        (status = 200, description = "Every one that matches the filters, streamed: CSV (UTF-8 with a byte-order mark, the default), with `Accept: application/x-ndjson` one JSON object per line, or with `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` a workbook (a bold, frozen heading row naming the members as people read them, in the language `Accept-Language` asks for, Vietnamese by default; numbers, booleans, dates and times in their types; written in constant memory, sent when complete); page parameters are checked as the list checks them, then ignored",
         content((String = "text/csv"), (String = "application/x-ndjson"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
         headers(("Content-Disposition" = String, description = "`attachment` with the file's name"))),
        crate::openapi::refusals::ExportRefusals,
    )
)]
#[get("/exports/citizens")]
pub async fn export_citizens(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListCitizensParams>,
) -> Result<HttpResponse, ApiError> {
    citizens(&req, &db, &caller, params, Listing::Export).await
}

/// The list's rows, as a page or as a file.
async fn citizens(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: ListCitizensParams,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let q = search_param(params.q.as_deref())?;
    let filter = CitizenFilter {
        association_id: params.association_id,
        ancestor_id: params.ancestor_id,
        birth_year: params.birth_year,
        q,
        scope: caller.scope_path().map(str::to_owned),
    };
    let fingerprint = format!("{filter:?}");
    let paging = (params.page_size, params.page_token.as_deref());
    let fetch = move |conn: &mut DbConnection, page: &PageRequest| model::list(conn, &filter, page);
    resource::http::list::<CitizenRow, _>(req, db, caller, listing, paging, fingerprint, fetch)
        .await
}

/// Register a citizen (editors and admins, in their scope).
///
/// `national_id` is unique in the whole country: one already registered is
/// 409 `DUPLICATE_NATIONAL_ID`, the same answer wherever the holder lives,
/// naming neither the holder nor where. The attempt is recorded in the audit
/// trail on the holder (`refuse_duplicate_national_id`), never the number.
#[utoipa::path(
    tag = "citizens",
    request_body(content = CreateCitizen, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = Citizen,
         headers(("Location" = String, description = "The citizen's URL"), ("ETag" = String, description = "The version"))),
        crate::openapi::refusals::CreateRefusals,
    )
)]
#[post("/citizens")]
pub async fn create_citizen(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateCitizen>,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let (_, fields) = CitizenRow::fields_from(body, None)?;
    let fields = fields.validated()?;
    let national_id = fields.national_id.clone();
    let row = resource::http::create_row::<CitizenRow>(&db, &caller, fields).await;
    let row = audit_refusal(&db, &caller, national_id, row).await?;
    Ok(resource::http::respond_created(&req, &caller, row))
}

async fn audit_refusal<T>(
    db: &Db,
    caller: &Caller,
    national_id: Option<String>,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    match (result, national_id) {
        (Err(error), Some(national_id)) if error.code() == model::DUPLICATE_NATIONAL_ID => {
            log::warn!(
                "{} was refused a national_id registered already",
                caller.actor().describe()
            );
            let actor = caller.actor();
            db.write(move |conn| model::audit_refused_national_id(conn, &actor, &national_id))
                .await?;
            Err(error)
        }
        (result, _) => result,
    }
}

/// Get a citizen.
#[utoipa::path(
    tag = "citizens",
    params(("id" = String, Path, description = "The citizen's id")),
    responses(
        (status = 200, description = "The citizen", body = Citizen, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/citizens/{id}")]
pub async fn get_citizen(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    resource::http::get_one::<CitizenRow>(&req, &db, &caller, id.into_inner()).await
}

/// A `national_id` registered already is refused and audited as on create.
#[utoipa::path(
    tag = "citizens",
    params(
        ("id" = String, Path, description = "The citizen's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on; 412 if stale"),
    ),
    request_body(content = UpdateCitizen, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated citizen", body = Citizen, headers(("ETag" = String, description = "The new version"))),
        crate::openapi::refusals::UpdateRefusals,
    )
)]
#[patch("/citizens/{id}")]
pub async fn update_citizen(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateCitizen>,
) -> Result<HttpResponse, ApiError> {
    let national_id = patch.national_id.clone().flatten();
    let apply = move |fields| patch.clone().apply(fields);
    let row = resource::http::update_row(&db, &caller, id.into_inner(), if_match, apply).await;
    let row = audit_refusal(&db, &caller, national_id, row).await?;
    Ok(resource::http::respond::<CitizenRow>(&req, &caller, row))
}

/// Delete a citizen.
#[utoipa::path(
    tag = "citizens",
    params(
        ("id" = String, Path, description = "The citizen's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the delete is based on; 412 if stale"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::refusals::DeleteRefusals,
    )
)]
#[delete("/citizens/{id}")]
pub async fn delete_citizen(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    resource::http::delete_one::<CitizenRow>(&db, &caller, id.into_inner(), if_match).await
}

inventory::submit! {
    crate::resource::readers::Reader {
        resource_type: <CitizenRow as crate::resource::Resource>::TYPE,
        read: crate::resource::readers::read_as::<CitizenRow>,
    }
}

//! `/api/v1/tokens` (admins).

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, NewToken, TokenRow};
use crate::auth::cache::TokenCache;
use crate::auth::{Caller, Role};
use crate::db::Db;
use crate::error::ApiError;
use crate::http::extract::{JsonBody, Query};
use crate::http::ids::{self, Id};
use crate::http::paging::{self, Page, PageRequest};
use crate::http::preconditions::{resource_response, IfMatch};

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_tokens)
        .service(create_token)
        .service(get_token)
        .service(revoke_token);
}

/// An API token's record. The token value itself is never shown again after creation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a00", "name": "Văn phòng Hội huyện Trấn Yên", "role": "editor",
    "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "created_at": "2026-11-27T09:00:00Z",
    "expires_at": "2027-11-27T09:00:00Z", "last_used_at": null, "revoked_at": null, "version": 1
}))]
pub struct Token {
    #[schema(format = Uuid)]
    pub id: String,
    /// Who or what uses the token.
    #[schema(format = "text-line", max_length = 100)]
    pub name: String,
    pub role: Role,
    /// The association whose subtree the token covers; null for the whole tree (admins only).
    #[schema(format = Uuid)]
    pub association_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// After this time the token is refused.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the token was last used, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Set when the token was revoked: it is refused from then on.
    pub revoked_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl From<TokenRow> for Token {
    fn from(row: TokenRow) -> Self {
        Token {
            role: row.role(),
            id: row.id,
            name: row.name,
            association_id: row.association_id,
            created_at: row.created_at.and_utc(),
            expires_at: row.expires_at.map(|t| t.and_utc()),
            last_used_at: row.last_used_at.map(|t| t.and_utc()),
            revoked_at: row.revoked_at.map(|t| t.and_utc()),
            version: row.version,
        }
    }
}

/// A token just made: its record and, this once, its value.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub record: Token,
    /// The bearer token. Shown only now: store it safely.
    #[schema(
        example = "khk_3q2-7wEvKc5Dk0bX1mZpQeH4s8TjR6uYvN9aLfG2hIo",
        max_length = 64
    )]
    pub token: String,
}

/// A new API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Văn phòng Hội huyện Trấn Yên", "role": "editor",
                          "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
                          "expires_at": "2027-11-27T09:00:00Z"}))]
pub struct CreateToken {
    /// Who or what will use the token, 1–100 characters.
    #[schema(min_length = 1, max_length = 100, format = "text-line")]
    pub name: String,
    pub role: Role,
    /// The association whose subtree the token covers; absent or null only for an admin token.
    #[serde(default, deserialize_with = "ids::optional")]
    #[schema(format = Uuid)]
    pub association_id: Option<String>,
    /// When the token stops working; absent for never.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Paging of the token list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTokensParams {
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page.
    pub page_token: Option<String>,
}

/// List API tokens (admins): those of the admin's scope, oldest first.
#[utoipa::path(
    tag = "tokens",
    params(ListTokensParams),
    responses(
        (status = 200, description = "One page of tokens", body = Page<Token>),
        crate::openapi::refusals::ListRefusals,
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/tokens")]
pub async fn list_tokens(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListTokensParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let scope = caller.scope_path().map(str::to_owned);
    let page = PageRequest::new(
        params.page_size,
        params.page_token.as_deref(),
        &format!("{scope:?}"),
    )?;
    let rows = db
        .run(move |conn| model::list(conn, scope.as_deref(), &page))
        .await?;
    Ok(paging::page_response(&req, rows.map(Token::from)))
}

/// Create an API token (admins).
///
/// The answer carries the token value, shown this once; only its hash is stored.
#[utoipa::path(
    tag = "tokens",
    request_body(content = CreateToken, content_type = "application/json"),
    responses(
        (status = 201, description = "Created; `token` holds the value", body = CreatedToken,
         headers(("Location" = String, description = "The token's URL"))),
        crate::openapi::refusals::ListRefusals,
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
#[post("/tokens")]
pub async fn create_token(
    db: web::Data<Db>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateToken>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let actor = caller.actor();
    let scope = caller.scope_path().map(str::to_owned);
    let new = NewToken {
        name: body.name,
        role: body.role,
        association_id: body.association_id,
        expires_at: body.expires_at.map(|t| t.naive_utc()),
    };
    let (row, token) = db
        .write(move |conn| model::issue(conn, &actor, scope.as_deref(), new.clone()))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/tokens/{}", row.id)))
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]))
        .json(CreatedToken {
            record: Token::from(row),
            token,
        }))
}

/// Get an API token's record (admins).
#[utoipa::path(
    tag = "tokens",
    params(("id" = String, Path, description = "The token's id")),
    responses(
        (status = 200, description = "The token's record", body = Token,
         headers(("ETag" = String, description = "The version, as a strong entity tag"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/tokens/{id}")]
pub async fn get_token(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let scope = caller.scope_path().map(str::to_owned);
    let row = db
        .run(move |conn| model::get(conn, scope.as_deref(), &id))
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Token::from(row),
    ))
}

/// Revoke an API token (admins). It is refused from this moment on.
#[utoipa::path(
    tag = "tokens",
    params(
        ("id" = String, Path, description = "The token's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the revocation is based on; 412 if stale"),
    ),
    responses(
        (status = 200, description = "The revoked token's record", body = Token,
         headers(("ETag" = String, description = "The new version, as a strong entity tag"))),
        crate::openapi::refusals::ReadRefusals,
        (status = 403, response = crate::openapi::Forbidden),
        (status = 412, response = crate::openapi::PreconditionFailed),
    )
)]
#[post("/tokens/{id}/revoke")]
pub async fn revoke_token(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let actor = caller.actor();
    let scope = caller.scope_path().map(str::to_owned);
    let row = db
        .write(move |conn| model::revoke(conn, &actor, scope.as_deref(), &id, &if_match))
        .await?;
    // Refused from now on here; by other instances within the cache's TTL.
    if let Some(cache) = req.app_data::<web::Data<TokenCache>>() {
        cache.forget(&row.id);
    }
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Token::from(row),
    ))
}

//! `/api/v1/users` (read by every role in its scope, managed by admins) and
//! `/api/v1/me` (any caller: a token or a signed-in user).

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{self, User as UserRecord, UserFilter};
use super::rules::{Identity, UserFields};
use crate::auth::cache::TokenCache;
use crate::auth::{self, Caller, Credential, Role};
use crate::db::Db;
use crate::error::ApiError;
use crate::http::extract::{search_param, JsonBody, Query};
use crate::http::ids::{self, Id};
use crate::http::merge_patch;
use crate::http::paging::{self, Page, PageRequest};
use crate::http::preconditions::{created_response, resource_response, IfMatch};
use crate::tokens::api::Token;
use crate::tokens::model as tokens_model;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(delete_user)
        .service(get_me);
}

/// A user: a person or a machine client who signs in through an OpenID
/// Connect provider, with one role and one scope as a token has.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a90", "name": "Nguyễn Thị Hoa", "email": "hoa@yenbai.gov.vn",
    "role": "editor", "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "active": true,
    "identities": [{"issuer": "https://id.yenbai.gov.vn/realms/khuyenhoc", "subject": "8f0c2a4e-51d2-4a7b-9c1e-3b7f6a2d9e10"}],
    "version": 1, "created_at": "2026-12-05T09:00:00Z", "updated_at": "2026-12-05T09:00:00Z"
}))]
pub struct User {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = "text-line", max_length = 100)]
    pub name: String,
    /// Personal data: shown to admins and editors only (absent for viewer
    /// and integration callers), never logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 254, format = Email)]
    pub email: Option<String>,
    pub role: Role,
    /// The association whose subtree the user covers; null for the whole tree (admins only).
    #[schema(format = Uuid)]
    pub association_id: Option<String>,
    /// A deactivated user is refused, whatever its provider says.
    pub active: bool,
    /// The identities that sign in as this user.
    pub identities: Vec<Identity>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// The user as `caller` may see it.
    fn shown_to(user: UserRecord, caller: &Caller) -> Self {
        let row = user.row;
        User {
            role: row.role(),
            id: row.id,
            name: row.name,
            email: row.email.filter(|_| caller.role.edits()),
            association_id: row.association_id,
            active: row.active,
            identities: user.identities,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A new user.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Nguyễn Thị Hoa", "email": "hoa@yenbai.gov.vn", "role": "editor",
    "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    "identities": [{"issuer": "https://id.yenbai.gov.vn/realms/khuyenhoc", "subject": "8f0c2a4e-51d2-4a7b-9c1e-3b7f6a2d9e10"}]}))]
pub struct CreateUser {
    #[schema(min_length = 1, max_length = 100, format = "text-line")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 254, format = Email)]
    pub email: Option<String>,
    pub role: Role,
    /// The association whose subtree the user covers; absent or null only for an admin of the whole tree.
    #[serde(default, deserialize_with = "ids::optional")]
    #[schema(format = Uuid)]
    pub association_id: Option<String>,
    /// Default true.
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// The identities that sign in as the user, each linked to one user only.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub identities: Vec<Identity>,
}

fn active_by_default() -> bool {
    true
}

impl From<CreateUser> for UserFields {
    fn from(body: CreateUser) -> Self {
        UserFields {
            name: body.name,
            email: body.email,
            role: body.role,
            association_id: body.association_id,
            active: body.active,
            identities: body.identities,
        }
    }
}

/// A JSON Merge Patch of a user. `identities` is replaced whole.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, min_length = 1, max_length = 100, format = "text-line")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 254, format = Email)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Role)]
    pub role: Option<Option<Role>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub association_id: Option<Option<String>>,
    /// `false` deactivates the user: refused on its next request.
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = bool)]
    pub active: Option<Option<bool>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Vec<Identity>, max_items = 20)]
    pub identities: Option<Option<Vec<Identity>>>,
}

impl UpdateUser {
    fn apply(self, mut f: UserFields) -> Result<UserFields, ApiError> {
        let mut errors = Vec::new();
        merge_patch::required(&mut errors, "/name", self.name, &mut f.name);
        merge_patch::required(&mut errors, "/role", self.role, &mut f.role);
        merge_patch::required(&mut errors, "/active", self.active, &mut f.active);
        merge_patch::required(
            &mut errors,
            "/identities",
            self.identities,
            &mut f.identities,
        );
        merge_patch::optional(self.email, &mut f.email);
        merge_patch::optional(self.association_id, &mut f.association_id);
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Filters and paging of the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsersParams {
    /// Only users of this association.
    #[serde(default, deserialize_with = "ids::optional")]
    pub association_id: Option<String>,
    /// Only users of this association and of every association below it.
    #[serde(default, deserialize_with = "ids::optional")]
    pub ancestor_id: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Text in the name, ignoring case and Vietnamese diacritics.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page, with the same filters.
    pub page_token: Option<String>,
}

/// Forgets what this instance keeps of the user's sign-ins: its change
/// (deactivated, another role or scope) holds from the next request here,
/// and on other instances within the cache's few seconds.
fn forget_sign_ins(req: &HttpRequest, user_id: &str) {
    if let Some(cache) = req.app_data::<web::Data<TokenCache>>() {
        cache.forget(&auth::user_key(user_id));
    }
}

/// List users: those of the caller's scope, oldest first.
#[utoipa::path(
    tag = "users",
    params(ListUsersParams),
    responses(
        (status = 200, description = "One page of users", body = Page<User>,
         headers(("Link" = String, description = "`<…?page_token=…>; rel=\"next\"` when another page follows"))),
        crate::openapi::refusals::ListRefusals,
    )
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListUsersParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = UserFilter {
        association_id: params.association_id,
        ancestor_id: params.ancestor_id,
        role: params.role,
        active: params.active,
        q: search_param(params.q.as_deref())?,
        scope: caller.scope_path().map(str::to_owned),
    };
    let page = PageRequest::new(
        params.page_size,
        params.page_token.as_deref(),
        &format!("{filter:?}"),
    )?;
    let users = db
        .run(move |conn| model::list(conn, &filter, &page))
        .await?;
    Ok(paging::page_response(
        &req,
        users.map(|user| User::shown_to(user, &caller)),
    ))
}

/// Create a user (admins), within the admin's scope.
#[utoipa::path(
    tag = "users",
    request_body(content = CreateUser, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = User,
         headers(("Location" = String, description = "The new user's URL"),
                 ("ETag" = String, description = "The version, as a strong entity tag"))),
        crate::openapi::refusals::CreateRefusals,
    )
)]
#[post("/users")]
pub async fn create_user(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let fields = UserFields::from(body).validated()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let user = db
        .write(move |conn| model::create(conn, &actor, scope.as_deref(), fields.clone()))
        .await?;
    let location = format!("/api/v1/users/{}", user.row.id);
    let version = user.row.version;
    Ok(created_response(
        &req,
        &location,
        version,
        &User::shown_to(user, &caller),
    ))
}

/// Get a user.
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = User,
         headers(("ETag" = String, description = "The version, as a strong entity tag"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.scope_path().map(str::to_owned);
    let user = db
        .run(move |conn| model::get_visible(conn, scope.as_deref(), &id))
        .await?;
    let version = user.row.version;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        version,
        &User::shown_to(user, &caller),
    ))
}

/// Update a user (admins; JSON Merge Patch). `{"active": false}`
/// deactivates it: refused from its next request on.
#[utoipa::path(
    tag = "users",
    params(
        ("id" = String, Path, description = "The user's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on (`\"3\"`, or `*`); 412 if stale"),
    ),
    request_body(content = UpdateUser, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated user", body = User,
         headers(("ETag" = String, description = "The new version, as a strong entity tag"))),
        crate::openapi::refusals::UpdateRefusals,
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let user = db
        .write(move |conn| {
            model::update(conn, &actor, scope.as_deref(), &id, &if_match, |fields| {
                patch.clone().apply(fields)
            })
        })
        .await?;
    forget_sign_ins(&req, &user.row.id);
    let version = user.row.version;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        version,
        &User::shown_to(user, &caller),
    ))
}

/// Delete a user (admins): refused while the audit trail names it
/// (409 `USER_IN_AUDIT_TRAIL`: deactivate it instead).
#[utoipa::path(
    tag = "users",
    params(
        ("id" = String, Path, description = "The user's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the delete is based on (`\"3\"`, or `*`); 412 if stale"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::DeleteRefusals,
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let user_id = id.to_string();
    db.write(move |conn| model::delete(conn, &actor, scope.as_deref(), &id, &if_match))
        .await?;
    forget_sign_ins(&req, &user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// How a caller signed in.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Through {
    /// An API token.
    Token,
    /// An OpenID Connect access token, mapped to a user.
    OpenidConnect,
}

/// Who is calling: the token, or the signed-in user, with role, scope and
/// permissions.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub through: Through,
    /// The calling token; null for a signed-in user.
    pub token: Option<Token>,
    /// The signed-in user; null for a token.
    pub user: Option<User>,
    /// The issuer of the user's access token; null for a token.
    #[schema(max_length = 500)]
    pub issuer: Option<String>,
    pub role: Role,
    /// The association whose subtree the caller covers; null for the whole tree.
    #[schema(format = Uuid)]
    pub association_id: Option<String>,
    pub permissions: Permissions,
}

/// What a caller may do within its scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct Permissions {
    /// Read the resources of its scope.
    pub read: bool,
    /// Create, change and delete resources of its scope.
    pub edit: bool,
    /// Manage tokens and users.
    pub admin: bool,
    /// Read the audit trail of its scope.
    pub audit: bool,
}

/// Who is calling: what a frontend shows after sign-in.
#[utoipa::path(
    tag = "users",
    responses(
        (status = 200, description = "The caller: its token or user, role, scope and permissions", body = Me),
        crate::openapi::refusals::Refusals,
    )
)]
#[get("/me")]
pub async fn get_me(db: web::Data<Db>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let credential = caller.credential.clone();
    let (token, user) = db
        .run(move |conn| match &credential {
            Credential::Token { id } => Ok((Some(tokens_model::get(conn, None, id)?), None)),
            Credential::User { user_id, .. } => {
                Ok((None, Some(model::get_visible(conn, None, user_id)?)))
            }
            Credential::CommandLine => Ok((None, None)),
        })
        .await?;
    let issuer = match &caller.credential {
        Credential::User { issuer, .. } => Some(issuer.clone()),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(Me {
        through: if user.is_some() {
            Through::OpenidConnect
        } else {
            Through::Token
        },
        token: token.map(Token::from),
        user: user.map(|user| User::shown_to(user, &caller)),
        issuer,
        role: caller.role,
        association_id: caller.scope.as_ref().map(|s| s.association_id.clone()),
        permissions: Permissions {
            read: true,
            edit: caller.role.edits(),
            admin: caller.role == Role::Admin,
            audit: caller.role.edits(),
        },
    }))
}

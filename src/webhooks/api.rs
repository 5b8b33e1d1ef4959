//! `/api/v1/webhooks`: subscriptions, their secrets and delivery logs
//! (admins and integration callers, within their scope).

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::address::{self, Refusal};
use super::events::{EventTypeName, EventTypes};
use super::model::{self, DeliveryRow, StatusChange, WebhookFields, WebhookRow};
use super::signing;
use crate::auth::{Caller, Role};
use crate::config::WebhookSettings;
use crate::db::Db;
use crate::error::{ApiError, FieldError};
use crate::http::extract::{JsonBody, Query};
use crate::http::ids::{self, Id};
use crate::http::merge_patch;
use crate::http::paging::{self, Page, PageRequest};
use crate::http::preconditions::{created_response, resource_response, IfMatch};
use crate::msg;
use crate::text;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(pause_webhook)
        .service(resume_webhook)
        .service(rotate_webhook_secret)
        .service(list_deliveries)
        .service(redeliver);
}

const URL_MAX: usize = 2000;
const DESCRIPTION_MAX: usize = 200;
const EVENT_TYPES_MAX: usize = 50;

/// Whether deliveries are being sent.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WebhookStatus {
    /// Events are sent as they come.
    Active,
    /// Nothing is sent; events wait, and are sent after a resume.
    Paused,
    /// Stopped after an event was refused for too long (`disabled_reason`);
    /// a resume sends from that event on.
    Disabled,
}

/// A webhook subscription. Its secret is shown only on create and rotation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b10", "url": "https://dulieu.yenbai.gov.vn/hooks/khuyenhoc",
    "description": "Kho dữ liệu tỉnh Yên Bái", "event_types": ["unit.*", "assessment.upsert"],
    "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "status": "active", "disabled_reason": null,
    "cursor": "1042", "failing_since": null, "next_attempt_at": null, "previous_secret_expires_at": null,
    "version": 1, "created_at": "2026-12-06T08:00:00Z", "updated_at": "2026-12-06T08:00:00Z"
}))]
pub struct Webhook {
    #[schema(format = Uuid)]
    pub id: String,
    /// Where events are POSTed.
    #[schema(format = "uri", max_length = 2000)]
    pub url: String,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// `*`, `<type>.*` or `<type>.<op>` (the change feed's types; ops `upsert`, `delete`).
    #[schema(value_type = Vec<EventTypeName>)]
    pub event_types: Vec<String>,
    /// The association whose subtree's events are sent; null for the whole tree.
    #[schema(format = Uuid)]
    pub association_id: Option<String>,
    pub status: WebhookStatus,
    /// Why it was disabled.
    #[schema(max_length = 1000)]
    pub disabled_reason: Option<String>,
    /// The `seq` of the last event handled (delivered, or not wanted): the
    /// next delivery is of an event after it.
    #[schema(max_length = 19, pattern = "^[0-9]{1,19}$")]
    pub cursor: String,
    /// Since when the next event has been failing; null when nothing fails.
    pub failing_since: Option<DateTime<Utc>>,
    /// When the failing event is tried again.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Until when the secret before the last rotation also signs.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookRow> for Webhook {
    fn from(row: WebhookRow) -> Self {
        let now = crate::db::now();
        Webhook {
            event_types: row.event_types().names().to_vec(),
            status: match row.status.as_str() {
                "paused" => WebhookStatus::Paused,
                "disabled" => WebhookStatus::Disabled,
                _ => WebhookStatus::Active,
            },
            previous_secret_expires_at: row
                .previous_secret_until
                .filter(|until| *until > now)
                .map(|t| t.and_utc()),
            id: row.id,
            url: row.url,
            description: row.description,
            association_id: row.association_id,
            disabled_reason: row.disabled_reason,
            cursor: row.cursor_seq.to_string(),
            failing_since: row.failing_since.map(|t| t.and_utc()),
            next_attempt_at: row.next_attempt_at.map(|t| t.and_utc()),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A subscription with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub record: Webhook,
    /// The Standard Webhooks secret to verify `webhook-signature` with.
    /// Shown only now: store it safely.
    #[schema(
        example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwXyZ0123abcd=",
        max_length = 64
    )]
    pub secret: String,
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://dulieu.yenbai.gov.vn/hooks/khuyenhoc",
    "description": "Kho dữ liệu tỉnh Yên Bái", "event_types": ["unit.*", "assessment.upsert"],
    "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}))]
pub struct CreateWebhook {
    /// `https://` on a public address.
    #[schema(format = "uri", min_length = 1, max_length = 2000)]
    pub url: String,
    #[serde(default)]
    #[schema(max_length = 200, format = "text-line")]
    pub description: Option<String>,
    /// The events wanted; all (`["*"]`) when absent.
    #[serde(default)]
    #[schema(value_type = Option<Vec<EventTypeName>>, min_items = 1, max_items = 50, example = json!(["unit.*", "citizen.delete"]))]
    pub event_types: Option<Vec<String>>,
    /// The association whose subtree's events are sent: the caller's own
    /// when absent; null (the whole tree) only for a caller of the whole tree.
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub association_id: Option<Option<String>>,
}

/// A change to a subscription (JSON Merge Patch).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"event_types": ["*"]}))]
pub struct UpdateWebhook {
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = String, format = "uri", min_length = 1, max_length = 2000)]
    pub url: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Option<String>, max_length = 200, format = "text-line")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch::member")]
    #[schema(value_type = Vec<EventTypeName>, min_items = 1, max_items = 50)]
    pub event_types: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "ids::member")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub association_id: Option<Option<String>>,
}

/// What a client sends, checked: 422 naming each member that is wrong.
fn checked(
    url: &str,
    description: Option<&str>,
    event_types: Option<&[String]>,
    association_id: Option<String>,
    allow_private: bool,
) -> Result<WebhookFields, ApiError> {
    let mut errors = Vec::new();
    if url.chars().count() > URL_MAX {
        errors.push(FieldError::new(
            "/url",
            "TOO_LONG",
            msg!("too-long-plain", max = URL_MAX),
        ));
    } else if let Err(refusal) = address::check_url(url, allow_private) {
        errors.push(url_refused(refusal));
    }
    let description =
        match description.map(|d| text::single_line("/description", d, DESCRIPTION_MAX)) {
            Some(Ok(d)) if !d.is_empty() => Some(d),
            Some(Err(e)) => {
                errors.push(e);
                None
            }
            _ => None,
        };
    let event_types = match event_types {
        None => EventTypes::all(),
        Some(types) if types.len() > EVENT_TYPES_MAX => {
            errors.push(FieldError::new(
                "/event_types",
                "TOO_MANY",
                msg!("too-many-items", max = EVENT_TYPES_MAX),
            ));
            EventTypes::all()
        }
        Some(types) => EventTypes::parse("/event_types", types).unwrap_or_else(|refused| {
            errors.extend(refused);
            EventTypes::all()
        }),
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(WebhookFields {
        url: url.to_owned(),
        description,
        event_types,
        association_id,
    })
}

fn url_refused(refusal: Refusal) -> FieldError {
    let (code, message) = match &refusal {
        Refusal::NotAUrl => ("INVALID_URL", msg!("webhook-url-invalid")),
        Refusal::NotHttps => ("HTTPS_REQUIRED", msg!("webhook-url-not-https")),
        Refusal::Credentials => ("CREDENTIALS_IN_URL", msg!("webhook-url-credentials")),
        Refusal::NotPublic(ip) => (
            "ADDRESS_NOT_PUBLIC",
            msg!("webhook-url-not-public", address = ip.to_string()),
        ),
        Refusal::LocalName(host) => (
            "ADDRESS_NOT_PUBLIC",
            msg!("webhook-url-local-name", host = host.clone()),
        ),
    };
    FieldError::new("/url", code, message)
}

/// 422 when the URL's host resolves to an address that is not public now.
async fn check_host(url: &str, settings: &WebhookSettings) -> Result<(), ApiError> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(()); // reported by `checked`
    };
    address::check_resolved(&parsed, settings.allow_private_networks)
        .await
        .map_err(|refusal| ApiError::validation(vec![url_refused(refusal)]))
}

/// 403 unless the caller is an admin or an integration caller.
fn require_subscriber(caller: &Caller) -> Result<(), ApiError> {
    match caller.role {
        Role::Admin | Role::Integration => Ok(()),
        role => Err(ApiError::forbidden(
            "ROLE_CANNOT_SUBSCRIBE",
            msg!("webhook-role", role = role.as_str()),
        )),
    }
}

/// The subscription with its secret, shown this once.
fn with_secret(row: WebhookRow) -> (i64, String, WebhookWithSecret) {
    let location = format!("/api/v1/webhooks/{}", row.id);
    let secret = row.secret.clone();
    let version = row.version;
    let body = WebhookWithSecret {
        record: Webhook::from(row),
        secret,
    };
    (version, location, body)
}

/// Paging of the subscriptions and of a delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListWebhooksParams {
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
    /// The `next_page_token` of the previous page.
    pub page_token: Option<String>,
}

/// List webhook subscriptions (admins, integration callers): those of the
/// caller's scope, oldest first.
#[utoipa::path(
    tag = "webhooks",
    params(ListWebhooksParams),
    responses(
        (status = 200, description = "One page of subscriptions", body = Page<Webhook>),
        crate::openapi::refusals::ListRefusals,
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<ListWebhooksParams>,
) -> Result<HttpResponse, ApiError> {
    require_subscriber(&caller)?;
    let scope = caller.scope_path().map(str::to_owned);
    let page = PageRequest::new(
        params.page_size,
        params.page_token.as_deref(),
        &format!("{scope:?}"),
    )?;
    let rows = db
        .run(move |conn| model::list(conn, scope.as_deref(), &page))
        .await?;
    Ok(paging::page_response(&req, rows.map(Webhook::from)))
}

/// Subscribe a receiver to the change feed (admins, integration callers).
///
/// Each event committed from now on whose record lies in the subscription's
/// part of the tree is POSTed to `url` as a `WebhookEvent`, signed as
/// Standard Webhooks says (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`) with the `secret` of this answer, shown this once.
/// Events are sent in `seq` order, at least once; a 2xx within 10 s
/// delivers one, anything else is retried with growing waits for up to a
/// day, after which the subscription is disabled. The URL must be
/// `https://` on a public address (422 `HTTPS_REQUIRED`, `ADDRESS_NOT_PUBLIC`).
#[utoipa::path(
    tag = "webhooks",
    request_body(content = CreateWebhook, content_type = "application/json"),
    responses(
        (status = 201, description = "Created; `secret` holds the signing secret", body = WebhookWithSecret,
         headers(("Location" = String, description = "The subscription's URL"),
                 ("ETag" = String, description = "The version, as a strong entity tag"))),
        crate::openapi::refusals::CreateRefusals,
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<WebhookSettings>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    require_subscriber(&caller)?;
    let association_id = match body.association_id {
        Some(id) => id,
        None => caller.scope.as_ref().map(|s| s.association_id.clone()),
    };
    let fields = checked(
        &body.url,
        body.description.as_deref(),
        body.event_types.as_deref(),
        association_id,
        settings.allow_private_networks,
    )?;
    check_host(&fields.url, &settings).await?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let secret = signing::new_secret()?;
    let row = db
        .write(move |conn| {
            model::create(
                conn,
                &actor,
                scope.as_deref(),
                fields.clone(),
                secret.clone(),
            )
        })
        .await?;
    let (version, location, body) = with_secret(row);
    Ok(created_response(&req, &location, version, &body))
}

/// Get a webhook subscription.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "The subscription", body = Webhook,
         headers(("ETag" = String, description = "The version, as a strong entity tag"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        crate::openapi::refusals::ReadRefusals,
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
) -> Result<HttpResponse, ApiError> {
    require_subscriber(&caller)?;
    let scope = caller.scope_path().map(str::to_owned);
    let row = db
        .run(move |conn| model::get(conn, scope.as_deref(), &id))
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Webhook::from(row),
    ))
}

/// Change a subscription's URL, description, events or association (JSON
/// Merge Patch). Events already handled are not sent again.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The subscription's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on; 412 if stale"),
    ),
    request_body(content = UpdateWebhook, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed subscription", body = Webhook,
         headers(("ETag" = String, description = "The new version, as a strong entity tag"))),
        crate::openapi::refusals::UpdateRefusals,
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<WebhookSettings>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    require_subscriber(&caller)?;
    if let Some(Some(url)) = &patch.url {
        check_host(url, &settings).await?;
    }
    let allow_private = settings.allow_private_networks;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let row = db
        .write(move |conn| {
            let patch = patch.clone();
            model::update(
                conn,
                &actor,
                scope.as_deref(),
                &id,
                &if_match,
                &move |mut f| {
                    let mut errors = Vec::new();
                    merge_patch::required(&mut errors, "/url", patch.url.clone(), &mut f.url);
                    let mut types = Some(f.event_types.names().to_vec());
                    merge_patch::required(
                        &mut errors,
                        "/event_types",
                        patch.event_types.clone(),
                        types.get_or_insert_default(),
                    );
                    merge_patch::optional(patch.description.clone(), &mut f.description);
                    merge_patch::optional(patch.association_id.clone(), &mut f.association_id);
                    if !errors.is_empty() {
                        return Err(ApiError::validation(errors));
                    }
                    checked(
                        &f.url,
                        f.description.as_deref(),
                        types.as_deref(),
                        f.association_id,
                        allow_private,
                    )
                },
            )
        })
        .await?;
    Ok(resource_response(
        &req,
        StatusCode::OK,
        row.version,
        &Webhook::from(row),
    ))
}

/// Delete a subscription and its delivery log. Nothing more is sent.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The subscription's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the delete is based on; 412 if stale"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::DeleteRefusals,
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    require_subscriber(&caller)?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    db.write(move |conn| model::delete(conn, &actor, scope.as_deref(), &id, &if_match))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn change_status(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    id: Id,
    if_match: IfMatch,
    change: StatusChange,
) -> Result<HttpResponse, ApiError> {
    require_subscriber(caller)?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let row = db
        .write(move |conn| {
            model::set_status(conn, &actor, scope.as_deref(), &id, &if_match, change)
        })
        .await?;
    super::dispatcher::wake();
    Ok(resource_response(
        req,
        StatusCode::OK,
        row.version,
        &Webhook::from(row),
    ))
}

/// Pause a subscription: nothing is sent until it is resumed; the events
/// meanwhile wait and are sent then, in order.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The subscription's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on; 412 if stale"),
    ),
    responses(
        (status = 200, description = "The paused subscription", body = Webhook,
         headers(("ETag" = String, description = "The new version, as a strong entity tag"))),
        crate::openapi::refusals::ReadRefusals,
        (status = 403, response = crate::openapi::Forbidden),
        (status = 412, response = crate::openapi::PreconditionFailed),
    )
)]
#[post("/webhooks/{id}/pause")]
pub async fn pause_webhook(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    change_status(
        &req,
        &db,
        &caller,
        id.into_inner(),
        if_match,
        StatusChange::Pause,
    )
    .await
}

/// Resume a paused or disabled subscription: sending starts again with the
/// first event not yet delivered, with a fresh count of failures.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The subscription's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on; 412 if stale"),
    ),
    responses(
        (status = 200, description = "The active subscription", body = Webhook,
         headers(("ETag" = String, description = "The new version, as a strong entity tag"))),
        crate::openapi::refusals::ReadRefusals,
        (status = 403, response = crate::openapi::Forbidden),
        (status = 412, response = crate::openapi::PreconditionFailed),
    )
)]
#[post("/webhooks/{id}/resume")]
pub async fn resume_webhook(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    change_status(
        &req,
        &db,
        &caller,
        id.into_inner(),
        if_match,
        StatusChange::Resume,
    )
    .await
}

/// Rotate the signing secret. The new secret, shown this once, signs from
/// now; the old one also signs for a day (`webhook-signature` then carries
/// two signatures), time to deploy the new one to the receiver.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The subscription's id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on; 412 if stale"),
    ),
    responses(
        (status = 200, description = "The subscription with its new secret", body = WebhookWithSecret,
         headers(("ETag" = String, description = "The new version, as a strong entity tag"))),
        crate::openapi::refusals::ReadRefusals,
        (status = 403, response = crate::openapi::Forbidden),
        (status = 412, response = crate::openapi::PreconditionFailed),
    )
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    require_subscriber(&caller)?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    let secret = signing::new_secret()?;
    let row = db
        .write(move |conn| {
            model::rotate_secret(
                conn,
                &actor,
                scope.as_deref(),
                &id,
                &if_match,
                secret.clone(),
            )
        })
        .await?;
    let (version, _, body) = with_secret(row);
    Ok(resource_response(&req, StatusCode::OK, version, &body))
}

/// What became of an attempt.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Answered 2xx in time.
    Delivered,
    /// Not delivered; tried again at `next_attempt_at`.
    Failed,
    /// Not delivered, and retried for too long: the subscription was disabled.
    GaveUp,
    /// A redelivery asked for, not sent yet.
    Scheduled,
}

/// One attempt to deliver an event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4c01", "seq": "1042", "event_type": "unit.upsert",
    "webhook_id": "msg_5f0c2a9e8b7d4c3e9a1b2c3d4e5f6a7b", "attempt": 2, "outcome": "failed",
    "status_code": 503, "error": null, "duration_ms": 87, "attempted_at": "2026-12-06T08:30:10Z",
    "next_attempt_at": "2026-12-06T08:30:30Z", "redelivery": false
}))]
pub struct Delivery {
    #[schema(format = Uuid)]
    pub id: String,
    /// The event's `seq` in the change feed.
    #[schema(max_length = 19, pattern = "^[0-9]{1,19}$")]
    pub seq: String,
    #[schema(max_length = 64)]
    pub event_type: String,
    /// The `webhook-id` header sent: the same for every attempt at the event.
    #[schema(max_length = 40)]
    pub webhook_id: String,
    /// 1 for the first attempt at the event, then 2, 3, …
    pub attempt: i32,
    pub outcome: Outcome,
    /// The receiver's status code; null when none came.
    pub status_code: Option<i32>,
    /// Why no status came, or why it was not sent: timeout, refused connection, address not public, …
    #[schema(max_length = 1000)]
    pub error: Option<String>,
    /// From sending to the end of the answer.
    pub duration_ms: Option<i32>,
    pub attempted_at: Option<DateTime<Utc>>,
    /// When the event is tried again, after a failure.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Asked for through `redeliver`, outside the subscription's order.
    pub redelivery: bool,
}

impl From<DeliveryRow> for Delivery {
    fn from(row: DeliveryRow) -> Self {
        Delivery {
            outcome: match row.outcome.as_str() {
                "delivered" => Outcome::Delivered,
                "gave_up" => Outcome::GaveUp,
                "scheduled" => Outcome::Scheduled,
                _ => Outcome::Failed,
            },
            id: row.id,
            seq: row.seq.to_string(),
            event_type: row.event_type,
            webhook_id: row.message_id,
            attempt: row.attempt,
            status_code: row.status_code,
            error: row.error,
            duration_ms: row.duration_ms,
            attempted_at: row.attempted_at.map(|t| t.and_utc()),
            next_attempt_at: row.next_attempt_at.map(|t| t.and_utc()),
            redelivery: row.redelivery,
        }
    }
}

/// The delivery log of a subscription, newest attempt first (kept 30 days).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id"), ListWebhooksParams),
    responses(
        (status = 200, description = "One page of attempts", body = Page<Delivery>),
        crate::openapi::refusals::ListRefusals,
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Id>,
    Query(params): Query<ListWebhooksParams>,
) -> Result<HttpResponse, ApiError> {
    require_subscriber(&caller)?;
    let scope = caller.scope_path().map(str::to_owned);
    let page = PageRequest::new(params.page_size, params.page_token.as_deref(), &id)?;
    let rows = db
        .run(move |conn| {
            let hook = model::get(conn, scope.as_deref(), &id)?;
            model::deliveries(conn, &hook.id, &page)
        })
        .await?;
    Ok(paging::page_response(&req, rows.map(Delivery::from)))
}

/// Path of one logged attempt.
#[derive(Debug, Deserialize)]
pub struct DeliveryPath {
    id: Id,
    delivery_id: Id,
}

/// Send the event of a logged attempt again: one attempt, soon, with the
/// same `webhook-id`, outside the subscription's order (a receiver that
/// lost it takes it back). 409 unless the subscription is active.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The subscription's id"),
        ("delivery_id" = String, Path, description = "The id of a logged attempt"),
    ),
    responses(
        (status = 202, description = "Scheduled: its outcome appears in the log", body = Delivery),
        crate::openapi::refusals::ReadRefusals,
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<DeliveryPath>,
) -> Result<HttpResponse, ApiError> {
    require_subscriber(&caller)?;
    let scope = caller.scope_path().map(str::to_owned);
    let DeliveryPath { id, delivery_id } = path.into_inner();
    let row = db
        .write(move |conn| model::redeliver(conn, scope.as_deref(), &id, &delivery_id))
        .await?;
    super::dispatcher::wake();
    Ok(HttpResponse::Accepted().json(Delivery::from(row)))
}

/// The schemas of a delivery, which no operation of this service answers
/// with: collected into the document by themselves.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(super::events::WebhookEvent, super::events::EventData)))]
pub struct WebhookSchemas;

/// The request a receiver gets, in the document's `webhooks` (OpenAPI 3.1).
pub fn describe_delivery(api: &mut utoipa::openapi::OpenApi) {
    let header = |name: &str, description: &str, example: &str| {
        serde_json::json!({"name": name, "in": "header", "required": true,
            "description": description, "schema": {"type": "string"}, "example": example})
    };
    let item = serde_json::json!({
        "post": {
            "tags": ["webhooks"],
            "operationId": "receive_change_event",
            "summary": "An event of the change feed, sent to a subscription's URL",
            "description": "Verify it with a Standard Webhooks library and the subscription's secret \
                before trusting it; answer 2xx within 10 s once it is stored. The same event may come \
                more than once (at least once): `webhook-id` is the same for every attempt at it.",
            "parameters": [
                header("webhook-id", "The message's id: the same for every attempt at one event", "msg_5f0c2a9e8b7d4c3e9a1b2c3d4e5f6a7b"),
                header("webhook-timestamp", "When this attempt was signed, in seconds since 1970 (refuse one too old)", "1765009800"),
                header("webhook-signature", "`v1,<base64 HMAC-SHA256>` for each secret in force, separated by spaces", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
            ],
            "requestBody": {"required": true, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/WebhookEvent"}}}},
            "responses": {
                "2XX": {"description": "Received: the next event follows"},
                "default": {"description": "Not received: the event is sent again later, and no later event before it"}
            },
            "security": []
        }
    });
    if let Ok(item) = serde_json::from_value(item) {
        api.webhooks
            .get_or_insert_with(Default::default)
            .paths
            .insert("change_event".to_owned(), item);
    }
}

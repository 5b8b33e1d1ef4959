//! `Idempotency-Key` on every POST (section 6 of the conventions): a client
//! that retries a POST with the key it sent first gets the first answer
//! again (`Idempotent-Replayed: true`) and the change is made once.
//!
//! The first request claims its key (token, method, path, key) in a
//! transaction of its own: the primary key decides between instances. Its
//! writes mark the claim `committed` inside their own transaction, and its
//! answer is stored after. A retry with the same query, `If-Match` and body
//! replays the answer; with another it is 422 `IDEMPOTENCY_KEY_REUSED`; while
//! the first still runs it is 409 with `Retry-After`. A first request that died
//! before committing leaves its claim to be taken over after [`LEASE`].
//! Answers of 408, 429 and 5xx are not kept (the client may retry them).
//! Keys are kept [`KEEP`] (72 hours).

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderName;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{Error, HttpMessage, HttpResponse};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::context::{self, IdempotencyClaim as KeyId};
use crate::db::schema::idempotency_keys::{self, dsl};
use crate::db::{now, write_transaction, Db, DbConnection};
use crate::error::ApiError;
use crate::http::extract::{read_limited, BodyTimeout, BODY_LIMIT};
use crate::http::limits::ImportLimit;
use crate::msg;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// How long a key and its answer are kept.
pub const KEEP: chrono::TimeDelta = chrono::TimeDelta::hours(72);
/// How long an unanswered, uncommitted claim holds its key.
pub const LEASE: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

/// The headers of an answer that a replay gives again.
const KEPT_HEADERS: [&str; 4] = ["content-type", "location", "etag", "link"];

/// The stored row of a claimed key.
fn key_row(id: &KeyId) -> diesel::dsl::Find<idempotency_keys::table, (&str, &str, &str, &str)> {
    idempotency_keys::table.find((
        id.token_id.as_str(),
        id.method.as_str(),
        id.path.as_str(),
        id.key.as_str(),
    ))
}

#[derive(Debug, Queryable)]
struct KeyRow {
    _token_id: String,
    _method: String,
    _path: String,
    _key: String,
    request_hash: String,
    committed: bool,
    status: Option<i32>,
    response_headers: Option<String>,
    response_body: Option<String>,
    created_at: NaiveDateTime,
}

enum Claim {
    /// The first request with this key: go on.
    First,
    /// Answered already: the status, headers and body to give again.
    Replay(u16, Vec<(String, String)>, String),
    Reused,
    InFlight,
    /// Applied, but the answer was not kept (the instance stopped between).
    AnswerLost,
}

fn claim(conn: &mut DbConnection, id: &KeyId, hash: &str) -> Result<Claim, ApiError> {
    write_transaction(conn, |conn| {
        let now = now();
        let stored: Option<KeyRow> = key_row(id).first(conn).optional()?;
        // Claims the key: only the stale row that was read is taken away
        // (another request's new claim stays), and the primary key decides
        // between two requests that both found none.
        let claim_anew = |conn: &mut DbConnection, stale: Option<NaiveDateTime>| {
            if let Some(created_at) = stale {
                diesel::delete(key_row(id).filter(dsl::created_at.eq(created_at))).execute(conn)?;
            }
            diesel::insert_into(idempotency_keys::table)
                .values((
                    dsl::token_id.eq(&id.token_id),
                    dsl::method.eq(&id.method),
                    dsl::path.eq(&id.path),
                    dsl::idempotency_key.eq(&id.key),
                    dsl::request_hash.eq(hash),
                    dsl::committed.eq(false),
                    dsl::created_at.eq(now),
                ))
                .execute(conn)?;
            Ok::<_, ApiError>(Claim::First)
        };
        match stored {
            None => claim_anew(conn, None),
            Some(row) if row.created_at < now - KEEP => claim_anew(conn, Some(row.created_at)),
            Some(row) if row.request_hash != hash => Ok(Claim::Reused),
            Some(KeyRow {
                status: Some(status),
                response_headers,
                response_body,
                ..
            }) => {
                let headers = response_headers
                    .and_then(|h| serde_json::from_str(&h).ok())
                    .unwrap_or_default();
                let status = u16::try_from(status).unwrap_or(200);
                Ok(Claim::Replay(
                    status,
                    headers,
                    response_body.unwrap_or_default(),
                ))
            }
            // Unanswered: still running (committed or not) within the lease;
            // after it, applied with its answer lost, or abandoned.
            Some(row) if row.created_at >= now - LEASE => Ok(Claim::InFlight),
            Some(row) if row.committed => Ok(Claim::AnswerLost),
            Some(row) => claim_anew(conn, Some(row.created_at)),
        }
    })
}

/// Marks the claim of the current request, if it made one, committed:
/// called by the write journal inside the transaction it commits.
pub fn mark_committed(conn: &mut DbConnection) -> Result<(), ApiError> {
    if let Some(id) = context::current().and_then(|c| c.idempotency) {
        diesel::update(key_row(&id))
            .set(dsl::committed.eq(true))
            .execute(conn)?;
    }
    Ok(())
}

fn answered(
    conn: &mut DbConnection,
    id: &KeyId,
    status: u16,
    headers: String,
    body: String,
) -> Result<(), ApiError> {
    write_transaction(conn, |conn| {
        diesel::update(key_row(id))
            .set((
                dsl::status.eq(i32::from(status)),
                dsl::response_headers.eq(&headers),
                dsl::response_body.eq(&body),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Lets the key go when the answer may be retried and nothing was committed.
fn released(conn: &mut DbConnection, id: &KeyId) -> Result<(), ApiError> {
    write_transaction(conn, |conn| {
        diesel::delete(key_row(id).filter(dsl::committed.eq(false))).execute(conn)?;
        Ok(())
    })
}

/// Deletes the keys older than [`KEEP`]; how many.
pub fn purge_expired(conn: &mut DbConnection) -> Result<usize, ApiError> {
    write_transaction(conn, |conn| {
        Ok(
            diesel::delete(idempotency_keys::table.filter(dsl::created_at.lt(now() - KEEP)))
                .execute(conn)?,
        )
    })
}

fn refuse(req: ServiceRequest, error: ApiError) -> Result<ServiceResponse<BoxBody>, Error> {
    Ok(req.error_response(error))
}

/// The client's key, if it sent a usable one: 1–255 visible ASCII characters.
fn client_key(req: &ServiceRequest) -> Option<Result<String, ApiError>> {
    let value = req.headers().get(&IDEMPOTENCY_KEY)?;
    let key = value
        .to_str()
        .ok()
        .filter(|key| (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()));
    Some(key.map(str::to_owned).ok_or_else(|| {
        ApiError::bad_parameter(
            "Idempotency-Key",
            "INVALID_IDEMPOTENCY_KEY",
            msg!("idempotency-key-form"),
        )
    }))
}

/// Wraps the `/api/v1` scope inside authentication.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match client_key(&req) {
        Some(key) if req.method() == Method::POST => key,
        _ => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
    };
    let key = match key {
        Ok(key) => key,
        Err(error) => return refuse(req, error),
    };
    let (Some(caller), Some(db)) = (
        req.extensions().get::<Caller>().cloned(),
        req.app_data::<web::Data<Db>>().cloned(),
    ) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    if req.path().ends_with("/tokens") {
        return refuse(
            req,
            ApiError::bad_parameter(
                "Idempotency-Key",
                "IDEMPOTENCY_NOT_SUPPORTED",
                msg!("idempotency-not-supported"),
            ),
        );
    }
    // As much as the handler would take: an import file, else a JSON body.
    let limit = if req.path().starts_with("/api/v1/imports/") {
        ImportLimit::of(req.request())
    } else {
        BODY_LIMIT
    };
    let idle = req.app_data::<BodyTimeout>().copied().unwrap_or_default().0;
    let body = match read_limited(req.take_payload(), limit, idle).await {
        Ok(body) => body,
        Err(error) => return refuse(req, error),
    };
    // The request as far as it decides the answer: query, precondition, body.
    let mut digest = Sha256::new();
    digest.update(req.query_string().as_bytes());
    digest.update(b"\n");
    if let Some(if_match) = req.headers().get(actix_web::http::header::IF_MATCH) {
        digest.update(if_match.as_bytes());
    }
    digest.update(b"\n");
    digest.update(&body);
    let hash = format!("{:x}", digest.finalize());
    let id = KeyId {
        token_id: caller.key(),
        method: req.method().to_string(),
        path: req.path().to_owned(),
        key,
    };
    let claimed = {
        let (id, hash) = (id.clone(), hash.clone());
        db.run(move |conn| match claim(conn, &id, &hash) {
            // Another instance claimed it between our read and insert.
            Err(error) if error.code() == "ALREADY_EXISTS" => claim(conn, &id, &hash),
            other => other,
        })
        .await
    };
    match claimed {
        Err(error) => return refuse(req, error),
        Ok(Claim::Replay(status, headers, body)) => {
            let mut response =
                HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
            for (name, value) in headers {
                response.insert_header((name, value));
            }
            response.insert_header((IDEMPOTENT_REPLAYED, "true"));
            return Ok(req.into_response(response.body(body)));
        }
        Ok(Claim::Reused) => {
            return refuse(
                req,
                ApiError::unprocessable("IDEMPOTENCY_KEY_REUSED", msg!("idempotency-key-reused")),
            )
        }
        Ok(Claim::InFlight) => {
            return refuse(
                req,
                ApiError::conflict("IDEMPOTENCY_KEY_IN_FLIGHT", msg!("idempotency-in-flight"))
                    .retry_after(1),
            )
        }
        Ok(Claim::AnswerLost) => {
            return refuse(
                req,
                ApiError::conflict("IDEMPOTENCY_ANSWER_LOST", msg!("idempotency-answer-lost")),
            )
        }
        Ok(Claim::First) => {}
    }
    req.set_payload(Payload::from(Bytes::from(body)));
    let mut context = req
        .extensions()
        .get::<context::RequestContext>()
        .cloned()
        .or_else(context::current)
        .unwrap_or_default();
    context.idempotency = Some(id.clone());
    let answer = context::scope(context, next.call(req)).await;
    let keep = |status: StatusCode| {
        !(status.is_server_error()
            || status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS)
    };
    let response = match answer {
        Ok(response) if keep(response.status()) => response,
        other => {
            let id = id.clone();
            if let Err(error) = db.run(move |conn| released(conn, &id)).await {
                log::warn!("releasing an idempotency key: {error}");
            }
            return other.map(ServiceResponse::map_into_boxed_body);
        }
    };
    let (request, response) = response.into_parts();
    let status = response.status();
    let kept: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| KEPT_HEADERS.contains(&name.as_str()))
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect();
    let mut rebuilt = HttpResponse::build(status);
    for (name, value) in response.headers() {
        rebuilt.append_header((name.clone(), value.clone()));
    }
    let body = to_bytes(response.into_body()).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&body).into_owned();
    let headers = serde_json::to_string(&kept).unwrap_or_default();
    if let Err(error) = db
        .run(move |conn| answered(conn, &id, status.as_u16(), headers, text))
        .await
    {
        log::warn!("keeping the answer of an idempotent request: {error}");
    }
    Ok(ServiceResponse::new(request, rebuilt.body(body)))
}

/// Every ten minutes, the keys past [`KEEP`] go.
pub fn purge_periodically(db: &Db) {
    let db = db.clone();
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(std::time::Duration::from_secs(600)).await;
            match db.run(purge_expired).await {
                Ok(0) => {}
                Ok(purged) => log::info!("purged {purged} idempotency keys older than 72 hours"),
                Err(error) => log::warn!("purging idempotency keys: {error}"),
            }
        }
    });
}

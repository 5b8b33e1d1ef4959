//! Every `/api/v1` request must carry `Authorization: Bearer <credential>`:
//! an API token, or an access token of the configured OpenID Connect
//! provider. The middleware, wrapped around the `/api/v1` scope (not matched
//! against the raw path), resolves it to a [`Caller`] that handlers
//! extract, after the client's address is checked against its failed
//! authentications. Probes, the document and Swagger UI stay open.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, FromRequest, HttpMessage, HttpRequest, ResponseError};
use futures_util::future::{ready, Ready};
use std::net::IpAddr;

use super::cache::TokenCache;
use super::credentials;
use super::oidc::Verifier;
use super::throttle::{client_address, FailedAuthentications};
use super::{Caller, Role};
use crate::db::Db;
use crate::error::ApiError;
use crate::http::limits::RateLimit;
use crate::msg;

fn bearer_token(req: &ServiceRequest) -> Result<String, ApiError> {
    let missing = || ApiError::unauthorized("MISSING_TOKEN", msg!("token-missing"), false);
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?;
    let value = value.to_str().map_err(|_| missing())?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(missing()),
    }
}

/// Integration tokens read everything in their scope, may import into it
/// and manage their webhook subscriptions. (A path spelled otherwise is
/// refused here, never let through.)
fn integration_may_write(caller: &Caller, req: &ServiceRequest) -> bool {
    let path = req.path();
    caller.role == Role::Integration
        && (path.starts_with("/api/v1/imports/")
            || path == "/api/v1/webhooks"
            || path.starts_with("/api/v1/webhooks/"))
}

/// What authentication needs besides the database (app data).
pub struct Authentication {
    /// The OpenID Connect provider whose tokens are accepted, if any.
    pub oidc: Option<Verifier>,
    /// Failed authentications per client address; `None`: not throttled.
    pub failures: Option<FailedAuthentications>,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpAddr>,
}

pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let settings = req.app_data::<web::Data<Authentication>>().cloned();
    let throttled = settings.as_ref().and_then(|s| {
        let failures = s.failures.as_ref()?;
        let address = client_address(req.peer_addr(), req.headers(), &s.trusted_proxies)?;
        Some((failures, address))
    });
    if let Some((failures, address)) = throttled {
        if let Err(error) = failures.admit(address) {
            return Ok(req.error_response(error));
        }
    }
    let verified = caller_of(&req, settings.as_ref().map(|s| s.get_ref())).await;
    if let (Err(error), Some((failures, address))) = (&verified, throttled) {
        if is_failed_authentication(error) {
            failures.failed(address);
        }
    }
    // A caller that may not write is refused before its body is read, so it
    // cannot hold a connection open by sending one slowly.
    let permitted = verified.and_then(|caller| {
        if !(req.method().is_safe() || integration_may_write(&caller, &req)) {
            caller.require_editor()?;
        }
        Ok(caller)
    });
    match permitted {
        Ok(caller) => {
            if let Some(limit) = req.app_data::<web::Data<RateLimit>>() {
                if let Err(error) = limit.admit(&caller.key()) {
                    return Ok(req.error_response(error));
                }
            }
            req.extensions_mut().insert(caller);
            next.call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
        Err(error) => Ok(req.error_response(error)),
    }
}

/// A credential that was sent and refused: it counts towards the address's
/// throttle (a request that sent none does not).
fn is_failed_authentication(error: &ApiError) -> bool {
    match error.code() {
        "MISSING_TOKEN" => false,
        "NOT_REGISTERED" | "USER_DEACTIVATED" => true,
        _ => error.status_code() == actix_web::http::StatusCode::UNAUTHORIZED,
    }
}

/// The caller of the request's bearer credential: an API token, or an
/// OpenID Connect access token of the configured provider mapped to its
/// user. Either is kept a few seconds by its hash ([`TokenCache`]).
async fn caller_of(
    req: &ServiceRequest,
    settings: Option<&Authentication>,
) -> Result<Caller, ApiError> {
    let bearer = bearer_token(req)?;
    let Some(db) = req.app_data::<web::Data<Db>>().cloned() else {
        return Err(ApiError::internal("no database in the app data"));
    };
    let key = credentials::hash(&bearer);
    let cache = req.app_data::<web::Data<TokenCache>>().cloned();
    if let Some(caller) = cache.as_ref().and_then(|cache| cache.get(&key)) {
        return Ok(caller);
    }
    let (caller, expires_in) = if Verifier::looks_like_jwt(&bearer) {
        let verifier = settings.and_then(|s| s.oidc.as_ref()).ok_or_else(|| {
            ApiError::unauthorized("INVALID_TOKEN", msg!("oidc-not-configured"), true)
        })?;
        let subject = verifier.verify(&bearer).await?;
        let expires_in = subject.expires_in;
        let caller = db
            .run(move |conn| credentials::signed_in(conn, &subject))
            .await?;
        (caller, Some(expires_in))
    } else {
        let lookup = key.clone();
        db.run(move |conn| credentials::authenticate(conn, &lookup))
            .await?
    };
    if let Some(cache) = &cache {
        cache.put(key, caller.clone(), expires_in);
    }
    Ok(caller)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Every handler that takes a caller is mounted inside the scope the
        // middleware wraps; should one ever be reached without, it refuses.
        ready(req.extensions().get::<Caller>().cloned().ok_or_else(|| {
            log::error!("a handler that needs a caller was reached without authentication");
            ApiError::unauthorized("MISSING_TOKEN", msg!("token-missing"), false)
        }))
    }
}

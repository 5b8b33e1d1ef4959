//! Every `/api/v1` request must carry `Authorization: Bearer <token>`; the
//! middleware, wrapped around the `/api/v1` scope (not matched against the raw
//! path), resolves it to a [`Caller`] that handlers extract. Probes, the
//! document and Swagger UI stay open.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{ready, Ready};

use super::cache::TokenCache;
use super::credentials;
use super::{Caller, Role};
use crate::db::Db;
use crate::error::ApiError;
use crate::http::limits::RateLimit;

fn bearer_token(req: &ServiceRequest) -> Result<String, ApiError> {
    let missing = || {
        ApiError::unauthorized(
            "MISSING_TOKEN",
            "send an API token as `Authorization: Bearer <token>`",
            false,
        )
    };
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

/// Integration tokens read everything in their scope and may import into
/// it. (A path spelled otherwise is refused here, never let through.)
fn may_import(caller: &Caller, req: &ServiceRequest) -> bool {
    caller.role == Role::Integration && req.path().starts_with("/api/v1/imports/")
}

pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let token = match bearer_token(&req) {
        Ok(token) => token,
        Err(error) => return Ok(req.error_response(error)),
    };
    let Some(db) = req.app_data::<web::Data<Db>>().cloned() else {
        return Ok(req.error_response(ApiError::internal("no database in the app data")));
    };
    let key = credentials::hash(&token);
    let cache = req.app_data::<web::Data<TokenCache>>().cloned();
    let verified = match cache.as_ref().and_then(|cache| cache.get(&key)) {
        Some(caller) => Ok(caller),
        None => {
            let lookup = key.clone();
            let found = db
                .run(move |conn| credentials::authenticate(conn, &lookup))
                .await;
            found.map(|(caller, expires_in)| {
                if let Some(cache) = &cache {
                    cache.put(key, caller.clone(), expires_in);
                }
                caller
            })
        }
    };
    match verified {
        // A token that may not write is refused before its body is read, so
        // it cannot hold a connection open by sending one slowly.
        Ok(caller)
            if !(caller.role.edits() || req.method().is_safe() || may_import(&caller, &req)) =>
        {
            let error = ApiError::forbidden(
                "ROLE_CANNOT_EDIT",
                format!("a {} token reads but does not edit", caller.role.as_str()),
            );
            Ok(req.error_response(error))
        }
        Ok(caller) => {
            if let Some(limit) = req.app_data::<web::Data<RateLimit>>() {
                if let Err(error) = limit.admit(&caller.token_id) {
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

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Every handler that takes a caller is mounted inside the scope the
        // middleware wraps; should one ever be reached without, it refuses.
        ready(req.extensions().get::<Caller>().cloned().ok_or_else(|| {
            log::error!("a handler that needs a caller was reached without authentication");
            ApiError::unauthorized(
                "MISSING_TOKEN",
                "send an API token as `Authorization: Bearer <token>`",
                false,
            )
        }))
    }
}

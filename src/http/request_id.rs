//! `X-Request-Id`: a middleware accepts the client's id (or makes one),
//! echoes it on the response and puts it, with the path, in the request's
//! context (`crate::context`) for the code that builds problem documents and
//! log lines deep below the handler.

use actix_web::body::{to_bytes_limited, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, ACCEPT_LANGUAGE, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError};

use crate::context::{self, RequestContext, X_REQUEST_ID};
use crate::error::ApiError;
use crate::messages::Language;

/// Accepts a client's id when it is short and printable, so that it is safe
/// to echo and to log; otherwise the service makes one.
fn acceptable(id: &HeaderValue) -> Option<String> {
    let id = id.to_str().ok()?;
    let ok = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    ok.then(|| id.to_owned())
}

/// An error answered by something that does not make problem documents.
fn refusal(status: StatusCode, reason: String) -> ApiError {
    if status.is_server_error() {
        ApiError::internal(reason)
    } else {
        ApiError::refused(status, &reason)
    }
}

/// The response, or, for an error answered in another form (the CORS
/// middleware's text for a refused preflight), the same error as a problem
/// document with its reason as the detail.
async fn as_problem(
    response: ServiceResponse<impl MessageBody + 'static>,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response.map_into_boxed_body();
    }
    let (request, response) = response.into_parts();
    let reason = to_bytes_limited(response.into_body(), 4096)
        .await
        .ok()
        .and_then(Result::ok)
        .map(|body| String::from_utf8_lossy(&body).trim().to_owned())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("refused").to_owned());
    ServiceResponse::new(request, refusal(status, reason).error_response())
}

/// The language of a file made for people (a workbook, a chart, a printed
/// page): what `Accept-Language` asks for, Vietnamese when it asks for
/// nothing the service speaks (the sentences of problems default to English).
pub fn file_language(req: &actix_web::HttpRequest) -> Language {
    let asked = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Language::negotiate(asked, Language::Vi)
}

/// Wraps everything but logging: an error that a middleware inside raises
/// instead of answering (a refused CORS preflight) becomes a problem
/// document too, with the request id like any other.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(acceptable)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let accept_language = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let context = RequestContext {
        request_id: request_id.clone(),
        path: req.path().to_owned(),
        idempotency: None,
        language: Language::negotiate(accept_language, Language::En),
    };
    req.extensions_mut().insert(context.clone());
    let mut response = context::scope(context, async move {
        let response = next.call(req).await.map_err(|error| {
            let error = error.as_response_error();
            Error::from(refusal(error.status_code(), error.to_string()))
        })?;
        Ok::<_, Error>(as_problem(response).await)
    })
    .await?;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    Ok(response)
}

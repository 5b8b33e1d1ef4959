//! Liveness and readiness probes for orchestrators and load balancers.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::error::ApiError;

/// The state of a probe.
#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok", max_length = 16)]
    pub status: String,
}

/// Liveness: the process answers. Does not touch the database.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "The service is alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the database answers and every migration is applied.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
#[get("/readyz")]
pub async fn readyz(db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    db.ready().await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready".into(),
    }))
}

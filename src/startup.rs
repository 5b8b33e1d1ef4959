//! Builds the application: routes, middleware, the OpenAPI document and the
//! HTTP server. Shared by `main` and the tests, which bind port 0.

use std::net::TcpListener;

use actix_web::dev::{Server, ServiceFactory, ServiceRequest};
use actix_web::middleware::{from_fn, DefaultHeaders, Logger};
use actix_web::{web, App, HttpServer};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::request_context;
use crate::openapi::ApiDoc;
use crate::{associations, health};

/// Every documented route; the OpenAPI document is collected from them.
fn mount<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(ApiDoc::openapi())
        .service(health::healthz)
        .service(health::readyz)
        .service(scope("/api/v1").configure(associations::api::configure))
}

/// The OpenAPI document, as served at `/api-docs/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    mount(App::new().into_utoipa_app()).split_for_parts().1
}

async fn no_such_route() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found("no resource at this path"))
}

/// A running server and the port it took.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to the database (migrating it) and binds the listener.
    pub fn build(settings: &Settings) -> anyhow::Result<Self> {
        let db = web::Data::new(Db::connect(&settings.database_url, settings.pool_size)?);
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let mut server = HttpServer::new(move || {
            let (app, api) = mount(App::new().into_utoipa_app()).split_for_parts();
            app.app_data(db.clone())
                .service(web::redirect("/docs", "/docs/"))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", api))
                .default_service(web::to(no_such_route))
                .wrap(from_fn(request_context::middleware))
                .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                // The query string is left out: search terms may name people.
                .wrap(
                    Logger::new("%{method}xi %U %s %b %Dms request_id=%{x-request-id}o")
                        .custom_request_replace("method", |req| req.method().to_string()),
                )
        })
        .shutdown_timeout(30)
        .listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

//! Builds the application: routes, middleware, the OpenAPI document and the
//! HTTP server. Shared by `main` and the tests, which bind port 0.

use std::net::TcpListener;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::{ResourceDef, Server, ServiceFactory, ServiceRequest};
use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders, Logger};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt, UtoipaApp};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::auth::cache::TokenCache;
use crate::auth::middleware::{authenticate, Authentication};
use crate::auth::oidc::Verifier;
use crate::auth::throttle::FailedAuthentications;
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::ApiError;
use crate::http::extract::BodyTimeout;
use crate::http::ids::path_config;
use crate::http::limits::{ExpensiveWork, ImportLimit, RateLimit};
use crate::http::request_id;
use crate::idempotency;
use crate::journal::WriteJournal;

use crate::openapi::ApiDoc;
use crate::reports::cache::ReportCache;
use crate::{
    assessments, associations, audit, changes, citizens, clans, communities, criteria_sets, health,
    households, imports, reports, targets, tokens, units, users, webhooks, yearly_stats,
};

/// Every documented route; the OpenAPI document is collected from them.
fn mount<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(
        ApiDoc::openapi()
            .merge_from(imports::api::ImportSchemas::openapi())
            .merge_from(webhooks::api::WebhookSchemas::openapi()),
    )
    .service(health::healthz)
    .service(health::readyz)
    .service(
        // Authentication wraps the scope, so it applies to whatever the
        // router sends here, however the path was spelt (`/%61pi/v1/…`).
        // Idempotency keys are the caller's: that middleware runs inside.
        scope("/api/v1")
            .wrap(from_fn(idempotency::middleware))
            .wrap(from_fn(authenticate))
            .configure(associations::api::configure)
            .configure(tokens::api::configure)
            .configure(users::api::configure)
            .configure(criteria_sets::api::configure)
            .configure(units::api::configure)
            .configure(citizens::api::configure)
            .configure(communities::api::configure)
            .configure(clans::api::configure)
            .configure(households::api::configure)
            .configure(assessments::api::configure)
            .configure(yearly_stats::api::configure)
            .configure(targets::api::configure)
            .configure(reports::api::configure)
            .configure(audit::api::configure)
            .configure(changes::api::configure)
            .configure(webhooks::api::configure)
            .configure(imports::api::configure),
    )
}

/// Where the OpenAPI document is served.
const OPENAPI_JSON: &str = "/api-docs/openapi.json";

/// The OpenAPI document as served, serialised at start, and gzipped once
/// for the clients that accept it (170 KB become about 20).
#[derive(Clone)]
struct OpenApiJson {
    plain: web::Bytes,
    gzip: web::Bytes,
}

impl OpenApiJson {
    fn new(document: &utoipa::openapi::OpenApi) -> anyhow::Result<Self> {
        use std::io::Write;
        let plain = serde_json::to_vec(document)?;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&plain)?;
        Ok(OpenApiJson {
            plain: plain.into(),
            gzip: encoder.finish()?.into(),
        })
    }
}

/// Whether `Accept-Encoding` admits gzip: its quality if named, else that
/// of `*`, above 0 (RFC 9110, 12.5.3).
fn accepts_gzip(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let quality_of = |wanted: &str| {
        value.split(',').find_map(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            name.eq_ignore_ascii_case(wanted).then(|| {
                parts
                    .find_map(|p| p.strip_prefix("q="))
                    .map_or(1.0, |q| q.parse::<f32>().unwrap_or(0.0))
            })
        })
    };
    quality_of("gzip")
        .or_else(|| quality_of("*"))
        .is_some_and(|q| q > 0.0)
}

async fn serve_document(req: HttpRequest, document: web::Data<OpenApiJson>) -> HttpResponse {
    let mut answer = HttpResponse::Ok();
    answer
        .content_type(header::ContentType::json())
        .insert_header((header::VARY, "Accept-Encoding"));
    if accepts_gzip(&req) {
        answer
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(document.gzip.clone())
    } else {
        answer.body(document.plain.clone())
    }
}

/// The OpenAPI document, as served at `/api-docs/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = mount(App::new().into_utoipa_app()).split_for_parts().1;
    webhooks::api::describe_delivery(&mut document);
    crate::openapi::finish(document)
}

/// The methods each documented path answers, so that an unsupported method
/// gets 405 with `Allow` rather than 404.
struct Routes(Vec<(ResourceDef, String)>);

impl Routes {
    fn from_document(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", &item.get),
                    ("POST", &item.post),
                    ("PUT", &item.put),
                    ("PATCH", &item.patch),
                    ("DELETE", &item.delete),
                ];
                let allow: Vec<&str> = methods
                    .iter()
                    .filter(|(_, operation)| operation.is_some())
                    .map(|(method, _)| *method)
                    .collect();
                (ResourceDef::new(path.as_str()), allow.join(", "))
            })
            .collect();
        Routes(routes)
    }
}

async fn no_such_route(
    req: HttpRequest,
    routes: web::Data<Routes>,
) -> Result<HttpResponse, ApiError> {
    match routes.0.iter().find(|(def, _)| def.is_match(req.path())) {
        Some((_, allow)) => Err(ApiError::method_not_allowed(req.method().as_str(), allow)),
        None => Err(ApiError::no_route()),
    }
}

/// CORS for third-party frontends: only the configured origins, exposing the
/// headers clients need to page, cache and report.
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            crate::context::X_REQUEST_ID,
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            crate::context::X_REQUEST_ID,
        ])
        .max_age(3600)
}

/// On a database with no usable admin token, says how to make one (never a token value).
fn first_start_hint(db: &Db) {
    let Ok(mut conn) = db.connection() else {
        return;
    };
    if let Ok(false) = tokens::model::admin_exists(&mut conn) {
        log::warn!(
            "no admin token exists: create one with `khuyenhoc token create --role admin --name NAME` \
             (it prints the token once)"
        );
    }
}

/// Resolves on the first SIGINT or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            _ => {
                log::error!("cannot listen for SIGINT and SIGTERM: stop the process with SIGKILL");
                std::future::pending::<()>().await
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// What the database layer is opened with: the write journal every
/// transaction writes last, and the criteria-set templates every database
/// is seeded with.
pub const DB_SETUP: db::Setup = db::Setup {
    journal: &WriteJournal,
    seed: |conn| criteria_sets::templates::seed(conn).map(drop),
};

/// Swagger UI at `/docs`; with a client id of the provider, it signs in
/// through it (authorization code with PKCE, as a single-page app does).
fn swagger_ui(client_id: Option<&str>) -> SwaggerUi {
    let ui = SwaggerUi::new("/docs/{_:.*}").config(Config::new([OPENAPI_JSON]));
    match client_id {
        Some(client_id) => ui.oauth(
            utoipa_swagger_ui::oauth::Config::new()
                .client_id(client_id)
                .scopes(vec!["openid".to_owned()])
                .use_pkce_with_authorization_code_grant(true),
        ),
        None => ui,
    }
}

/// A running server and the port it took.
pub struct Application {
    port: u16,
    server: Server,
    db: Db,
}

impl Application {
    /// Connects to the database (migrating it) and binds the listener.
    pub fn build(settings: &Settings) -> anyhow::Result<Self> {
        let db = web::Data::new(Db::connect(
            &settings.database_url,
            settings.pool_size,
            settings.pool_timeout,
            DB_SETUP,
        )?);
        let mut document = openapi();
        if let Some(oidc) = &settings.oidc {
            // The served document names this instance's provider.
            if let Some(components) = document.components.as_mut() {
                components.add_security_scheme(
                    "openid_connect",
                    crate::openapi::openid_connect(&oidc.discovery_url()),
                );
            }
        }
        let docs_client_id = settings.docs_oidc_client_id.clone();
        let routes = web::Data::new(Routes::from_document(&document));
        // Serialised once: the document is 170 KB, and the same for every request.
        let document = OpenApiJson::new(&document)?;
        let cors_origins = settings.cors_allowed_origins.clone();
        let body_timeout = BodyTimeout(settings.body_timeout);
        let import_body_limit = settings.import_body_limit;
        // One bound for the whole instance, shared by its workers.
        let expensive = web::Data::new(ExpensiveWork::new(settings.report_concurrency));
        let tokens = web::Data::new(TokenCache::new());
        let authentication = web::Data::new(Authentication {
            oidc: settings.oidc.clone().map(Verifier::new).transpose()?,
            failures: (settings.auth_failures_per_minute > 0)
                .then(|| FailedAuthentications::new(settings.auth_failures_per_minute)),
            trusted_proxies: settings.trusted_proxies.clone(),
        });
        if authentication.oidc.is_some() {
            // The provider's keys read now, so that the first sign-ins wait for nothing.
            let authentication = authentication.clone();
            actix_web::rt::spawn(async move {
                if let Some(verifier) = &authentication.oidc {
                    verifier.prefetch().await;
                }
            });
        }
        let reports = web::Data::new(ReportCache::default());
        let rate_limit = settings
            .rate_limit_per_minute
            .map(|per_minute| web::Data::new(RateLimit::per_minute(per_minute)));
        first_start_hint(&db);
        db.keep_wal_bounded(Duration::from_secs(10));
        idempotency::purge_periodically(&db);
        webhooks::dispatcher::start(db.get_ref().clone(), settings.webhooks.clone())?;
        let webhook_settings = web::Data::new(settings.webhooks.clone());
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let app_db = db.clone();
        let mut server = HttpServer::new(move || {
            let (app, _) = mount(App::new().into_utoipa_app()).split_for_parts();
            let app = match &rate_limit {
                Some(limit) => app.app_data(limit.clone()),
                None => app,
            };
            app.app_data(app_db.clone())
                .app_data(routes.clone())
                // A person who opens the service's address finds its documentation.
                .service(web::redirect("/", "/docs/"))
                .service(web::redirect("/docs", "/docs/"))
                .route(OPENAPI_JSON, web::get().to(serve_document))
                .app_data(web::Data::new(document.clone()))
                .service(swagger_ui(docs_client_id.as_deref()))
                .app_data(path_config())
                .app_data(body_timeout)
                .app_data(ImportLimit(import_body_limit))
                .app_data(expensive.clone())
                .app_data(reports.clone())
                .app_data(webhook_settings.clone())
                .app_data(tokens.clone())
                .app_data(authentication.clone())
                .default_service(web::to(no_such_route))
                .wrap(cors(&cors_origins))
                .wrap(from_fn(request_id::middleware))
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        // Answers depend on the caller's token: never cache them in shared caches.
                        .add(("Cache-Control", "no-store")),
                )
                // The query string is left out: search terms may name people.
                .wrap(
                    Logger::new("%{method}xi %U %s %b %Dms request_id=%{x-request-id}o")
                        .custom_request_replace("method", |req| req.method().to_string()),
                )
        })
        .client_request_timeout(settings.header_timeout)
        .shutdown_timeout(settings.shutdown_grace.as_secs())
        // SIGINT and SIGTERM alike finish the requests in flight (actix's
        // own handling stops at once on SIGINT): see `run_until_stopped`.
        .disable_signals()
        .listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.run(),
            db: db.get_ref().clone(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The application's database, for tests and tools running beside it.
    pub fn db(&self) -> Db {
        self.db.clone()
    }

    /// Serves until SIGINT or SIGTERM, then stops accepting connections and
    /// finishes the requests in flight (within the shutdown grace).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        actix_web::rt::spawn(async move {
            stop_signal().await;
            log::info!("stopping: finishing the requests in flight");
            handle.stop(true).await;
        });
        self.server.await
    }
}

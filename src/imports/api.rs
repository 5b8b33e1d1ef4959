//! `POST /api/v1/imports/{resource}`.

use std::time::Duration;

use actix_web::http::header::{self, Header};
use actix_web::web::Bytes;
use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{DataResource, IdScheme, ImportReport, Importer, Options, Source, Strategy};
use crate::auth::{Caller, Role};
use crate::db::Db;
use crate::error::ApiError;
use crate::http::extract::{BodyTimeout, Query};
use crate::http::limits::{ExpensiveWork, ImportLimit};
use crate::msg;

pub fn configure(config: &mut ServiceConfig) {
    config.service(import);
}

/// The schemas the import parameters name: a parameter's type is not
/// collected into the document by itself.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(super::Strategy, super::IdScheme)))]
pub struct ImportSchemas;

/// How the rows are applied.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Run every row through the real code path, report, and write nothing.
    pub dry_run: Option<bool>,
    /// `upsert` (the default), `create` or `update`.
    pub strategy: Option<Strategy>,
    /// Whether `association_id` holds ids (the default) or association codes.
    pub id_scheme: Option<IdScheme>,
    /// All rows or none (the default): any rejected row refuses the import
    /// with 422. With `false`, good rows are written (a transaction per
    /// 1,000 rows) and rejected rows reported.
    pub atomic: Option<bool>,
}

/// Import rows of a resource from a file.
///
/// The body is NDJSON (`application/x-ndjson`, one object a line), JSON
/// (`application/json`, `{"items": […]}`) or CSV (`text/csv`, a header line
/// of member names; UTF-8 with or without a byte-order mark). A row is the
/// resource's JSON form as an export gives it: the members of a create, plus
/// `id` and `version` (other read-only members are passed over), so a file
/// exported from one instance imports into another unchanged, ids included.
/// For `yearly-stats` a row also names its `association_id`.
///
/// Rows are matched on `id` when given, else on the natural key (an
/// association's or a unit's `code`; a citizen's `external_id`, else
/// `national_id`; a target's association, metric and year; statistics'
/// association and year). A row with `version` is applied only if the stored
/// record is at that version (`VERSION_CONFLICT` otherwise). A row that
/// changes nothing counts as `unchanged`, so importing a file twice writes
/// nothing the second time. Every row ends as the one-row API would end it
/// (scope at both ends included), in file order: rows are read in batches of
/// 1,000, new records written in bulk and the others one by one. The import
/// is one audit event (action `import`, its counts in `detail`); each record
/// written is an event of the change feed.
///
/// `associations`: a row may come before the row of its parent (or
/// successor) in the file; parents are written first. With `id_scheme=code`
/// `parent_id` and `successor_id` hold codes, of rows of the file or of
/// stored associations. The file is read whole before it is written.
///
/// Editors, admins and integration tokens, within their scope.
#[utoipa::path(
    tag = "imports",
    params(("resource" = inline(DataResource), Path, description = "What the rows are"), ImportParams),
    request_body(
        description = "The rows",
        content(
            (String = "application/x-ndjson",
             example = "{\"code\": \"THPT-TY\", \"name\": \"Trường THPT Trấn Yên\", \"kind\": \"school\", \"association_id\": \"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\"}\n"),
            (Object = "application/json"),
            (String = "text/csv",
             example = "code,name,kind,association_id\nTHPT-TY,Trường THPT Trấn Yên,school,08170\n"),
        )
    ),
    responses(
        (status = 200, description = "What happened to each row (for a dry run: what would have)", body = ImportReport),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 408, description = "The body stopped arriving", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "An atomic import with a rejected row: nothing was written; `report` says why", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
#[post("/imports/{resource}")]
pub async fn import(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    resource: web::Path<DataResource>,
    Query(params): Query<ImportParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !(caller.role.edits() || caller.role == Role::Integration) {
        return Err(ApiError::forbidden(
            "ROLE_CANNOT_EDIT",
            msg!("role-cannot-import", role = caller.role.as_str()),
        ));
    }
    let format = content_format(&req)?;
    let options = Options {
        dry_run: params.dry_run.unwrap_or(false),
        strategy: params.strategy.unwrap_or_default(),
        id_scheme: params.id_scheme.unwrap_or_default(),
        atomic: params.atomic.unwrap_or(true),
    };
    let _turn = match req.app_data::<web::Data<ExpensiveWork>>() {
        Some(limits) => Some(limits.turn().await?),
        None => None,
    };
    let limit = ImportLimit::of(&req);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::payload_too_large(limit));
    }
    let idle: Duration = req.app_data::<BodyTimeout>().copied().unwrap_or_default().0;
    let importer = Importer {
        actor: caller.actor(),
        scope: caller.scope_path().map(str::to_owned),
        options,
        progress: None,
    };
    // The body flows to the import as it arrives: the event loop forwards
    // its chunks, the import reads them on its blocking thread.
    let (sender, receiver) = tokio::sync::mpsc::channel(16);
    let source = Source {
        format,
        reader: Box::new(std::io::BufReader::with_capacity(
            1 << 16,
            BodyReader::new(receiver),
        )),
    };
    let resource = resource.into_inner();
    let import = db.with_writer(move |conn| resource.import(&importer, conn, source));
    let ((), report) =
        futures_util::future::join(forward(payload, sender, limit, idle), import).await;
    let report = report?;
    log::info!(
        "import of {}: {} rows, {} created, {} updated, {} unchanged, {} rejected{}",
        report.resource,
        report.total,
        report.created,
        report.updated,
        report.unchanged,
        report.rejected,
        if report.dry_run { " (dry run)" } else { "" }
    );
    respond(report)
}

/// 200 with the report, or 422 with it inside for a refused atomic import.
fn respond(report: ImportReport) -> Result<HttpResponse, ApiError> {
    if report.atomic && report.rejected > 0 {
        let detail = msg!(
            "import-rejected",
            rejected = report.rejected,
            total = report.total
        );
        let report = serde_json::to_value(&report).map_err(ApiError::internal)?;
        return Err(ApiError::unprocessable("IMPORT_REJECTED", detail).with_report(report));
    }
    Ok(HttpResponse::Ok().json(report))
}

fn content_format(req: &HttpRequest) -> Result<super::Format, ApiError> {
    let essence = header::ContentType::parse(req)
        .map(|ct| ct.0.essence_str().to_ascii_lowercase())
        .unwrap_or_default();
    super::Format::from_content_type(&essence).ok_or_else(|| {
        ApiError::unsupported_media_type(msg!("content-type-import", sent = essence))
    })
}

/// Sends the body's chunks to `sender` as they arrive; past `limit` bytes
/// 413, after `idle` without a chunk 408, in place of the rest. Stops when
/// the import no longer reads.
async fn forward(
    mut payload: web::Payload,
    sender: tokio::sync::mpsc::Sender<Result<Bytes, ApiError>>,
    limit: usize,
    idle: Duration,
) {
    let mut received = 0;
    loop {
        let chunk = match tokio::time::timeout(idle, payload.next()).await {
            Ok(None) => return,
            Err(_) => Err(ApiError::request_timeout(idle)),
            Ok(Some(Err(error))) => {
                log::info!(
                    "request {}: unreadable body: {error}",
                    crate::context::log_id()
                );
                Err(ApiError::bad_request("BAD_BODY", msg!("body-unreadable")))
            }
            Ok(Some(Ok(chunk))) => {
                received += chunk.len();
                if received > limit {
                    Err(ApiError::payload_too_large(limit))
                } else {
                    Ok(chunk)
                }
            }
        };
        let failed = chunk.is_err();
        if sender.send(chunk).await.is_err() || failed {
            return;
        }
    }
}

/// The body as the import reads it, on its blocking thread: the chunks
/// `forward` sends, then the end (or the error that stopped them).
struct BodyReader {
    chunks: tokio::sync::mpsc::Receiver<Result<Bytes, ApiError>>,
    current: Bytes,
}

impl BodyReader {
    fn new(chunks: tokio::sync::mpsc::Receiver<Result<Bytes, ApiError>>) -> Self {
        BodyReader {
            chunks,
            current: Bytes::new(),
        }
    }
}

impl std::io::Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                None => return Ok(0),
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(error)) => return Err(std::io::Error::other(error)),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

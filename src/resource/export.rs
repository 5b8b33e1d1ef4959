//! Lists as files: `/api/v1/exports/{resource}` (or a list asked for
//! `text/csv` or `application/x-ndjson`) streams every row that matches the
//! list's filters (no page limit), batch by batch on its own keyset order,
//! so memory stays the same for a thousand rows or a million. Each row is
//! the JSON the API serves (personal fields as the token's role allows), so
//! the import endpoint takes the file back unchanged.

use actix_web::http::header::{self, Accept, ContentDisposition, DispositionParam, Header};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

use super::http::Served;
use crate::auth::Caller;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::http::csv_cells::neutralise;
use crate::http::limits::ExpensiveWork;
use crate::http::paging::{Page, PageRequest, MAX_PAGE_SIZE};

pub const TEXT_CSV: &str = "text/csv; charset=utf-8";
pub const NDJSON: &str = "application/x-ndjson";
/// The byte-order mark Excel needs to read a CSV file as UTF-8.
const BOM: &str = "\u{feff}";

/// A list's file forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Csv,
    Ndjson,
}

/// Which operation of a list answers: the list (a JSON page, the typed
/// answer of generated clients; `curl` may still ask it for a file with
/// `Accept`), or its export (a file: CSV by default, or NDJSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Page,
    Export,
}

/// The form a list request prefers: `None` for a JSON page (the list's own
/// form without `Accept`; an export's is CSV); 406 when it accepts none of
/// the operation's forms.
pub fn negotiate(req: &HttpRequest, listing: Listing) -> Result<Option<Form>, ApiError> {
    let default = match listing {
        Listing::Page => None,
        Listing::Export => Some(Form::Csv),
    };
    let accept = match Accept::parse(req) {
        Ok(accept) if !accept.is_empty() => accept,
        _ => return Ok(default),
    };
    for mime in accept.ranked() {
        match (mime.type_().as_str(), mime.subtype().as_str()) {
            ("text", "csv") | ("text", "*") => return Ok(Some(Form::Csv)),
            ("application", "x-ndjson") => return Ok(Some(Form::Ndjson)),
            ("application", "json") if listing == Listing::Page => return Ok(None),
            ("application", "*") | ("*", "*") => return Ok(default),
            _ => {}
        }
    }
    Err(ApiError::not_acceptable(match listing {
        Listing::Page => "application/json, text/csv, application/x-ndjson",
        Listing::Export => "text/csv, application/x-ndjson",
    }))
}

/// Streams every row `fetch` pages through, in `form`. `fingerprint` names
/// the filters, as for the JSON pages. Holds a turn of the instance's
/// expensive work to the last row.
pub async fn stream<R, F>(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    form: Form,
    fingerprint: String,
    fetch: F,
) -> Result<HttpResponse, ApiError>
where
    R: Served,
    F: Fn(&mut DbConnection, &PageRequest) -> Result<Page<R>, ApiError> + Clone + Send + 'static,
{
    let turn = match req.app_data::<web::Data<ExpensiveWork>>() {
        Some(limits) => Some(limits.turn().await?),
        None => None,
    };
    let start = Batch {
        token: None,
        first: true,
        done: false,
        _turn: turn,
    };
    let (db, caller) = (db.clone(), caller.clone());
    let body = futures_util::stream::unfold(start, move |mut batch| {
        let (db, caller, fetch, fingerprint) = (
            db.clone(),
            caller.clone(),
            fetch.clone(),
            fingerprint.clone(),
        );
        async move {
            if batch.done {
                return None;
            }
            let token = batch.token.take();
            let rows = db
                .run(move |conn| {
                    let page =
                        PageRequest::new(Some(MAX_PAGE_SIZE), token.as_deref(), &fingerprint)?;
                    fetch(conn, &page)
                })
                .await;
            let page = match rows {
                Ok(page) => page,
                Err(error) => {
                    // The 200 is on its way: end the transfer unfinished, so
                    // the client sees a broken download, not a short file.
                    log::warn!("an export stopped: {error}");
                    batch.done = true;
                    return Some((
                        Err(actix_web::error::ErrorServiceUnavailable(error.to_string())),
                        batch,
                    ));
                }
            };
            let bytes = encode(form, batch.first, page.items, &caller);
            batch.first = false;
            batch.token = page.next_page_token;
            batch.done = batch.token.is_none();
            Some((bytes.map(Bytes::from), batch))
        }
    });
    let (content_type, extension) = match form {
        Form::Csv => (TEXT_CSV, "csv"),
        Form::Ndjson => (NDJSON, "ndjson"),
    };
    let name = R::COLLECTION.rsplit('/').next().unwrap_or("export");
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, "Accept"))
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header(ContentDisposition {
            disposition: header::DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!("{name}.{extension}"))],
        })
        .streaming(body))
}

/// Writes every row `fetch` pages through to `out` in `form`, on one
/// connection (the command line's export); how many rows.
pub fn write_all<R, F>(
    conn: &mut DbConnection,
    caller: &Caller,
    form: Form,
    out: &mut dyn std::io::Write,
    fetch: F,
) -> Result<u64, ApiError>
where
    R: Served,
    F: Fn(&mut DbConnection, &PageRequest) -> Result<Page<R>, ApiError>,
{
    let (mut token, mut first, mut rows) = (None::<String>, true, 0u64);
    loop {
        let page = PageRequest::new(Some(MAX_PAGE_SIZE), token.as_deref(), "command line")?;
        let page = fetch(conn, &page)?;
        rows += page.items.len() as u64;
        let bytes = encode(form, first, page.items, caller).map_err(ApiError::internal)?;
        out.write_all(&bytes).map_err(ApiError::internal)?;
        first = false;
        token = page.next_page_token;
        if token.is_none() {
            return Ok(rows);
        }
    }
}

/// Where an export is: the next page token, and the turn it holds.
struct Batch {
    token: Option<String>,
    first: bool,
    done: bool,
    /// Held, never read: the turn ends when the last batch is sent.
    _turn: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// One batch of rows in `form`; the first CSV batch starts with the BOM and
/// the header line (so an empty export is a header alone).
fn encode<R: Served>(
    form: Form,
    first: bool,
    rows: Vec<R>,
    caller: &Caller,
) -> Result<Vec<u8>, actix_web::Error> {
    fn fault(error: impl std::fmt::Display) -> actix_web::Error {
        log::error!("writing an export: {error}");
        actix_web::error::ErrorInternalServerError(error.to_string())
    }
    match form {
        Form::Ndjson => {
            let mut out = Vec::new();
            for row in rows {
                serde_json::to_writer(&mut out, &row.present(caller)).map_err(fault)?;
                out.push(b'\n');
            }
            Ok(out)
        }
        Form::Csv => {
            let mut out = Vec::new();
            if first {
                out.extend_from_slice(BOM.as_bytes());
            }
            let mut writer = csv::Writer::from_writer(out);
            if first {
                writer.write_record(R::COLUMNS).map_err(fault)?;
            }
            for row in rows {
                let json = serde_json::to_value(row.present(caller)).map_err(fault)?;
                writer
                    .write_record(R::COLUMNS.iter().map(|column| cell(json.get(*column))))
                    .map_err(fault)?;
            }
            writer.into_inner().map_err(|e| fault(e.into_error()))
        }
    }
}

/// A CSV cell of a JSON member, safe for spreadsheets.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => neutralise(text).into_owned(),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::Bool(flag)) => flag.to_string(),
        Some(other) => neutralise(&other.to_string()).into_owned(),
    }
}

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
use crate::http::request_id::file_language;
use crate::messages::{column_heading, Language};

pub const TEXT_CSV: &str = "text/csv; charset=utf-8";
pub const NDJSON: &str = "application/x-ndjson";
/// The byte-order mark Excel needs to read a CSV file as UTF-8.
const BOM: &str = "\u{feff}";

/// A list's file forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Csv,
    Ndjson,
    /// A workbook: one sheet, a row per record.
    Xlsx,
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

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
            ("application", subtype) if XLSX.ends_with(subtype) && subtype.starts_with("vnd.") => {
                return Ok(Some(Form::Xlsx))
            }
            ("application", "json") if listing == Listing::Page => return Ok(None),
            ("application", "*") | ("*", "*") => return Ok(default),
            _ => {}
        }
    }
    Err(ApiError::not_acceptable(match listing {
        Listing::Page => "application/json, text/csv, application/x-ndjson, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Listing::Export => "text/csv, application/x-ndjson, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
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
    if form == Form::Xlsx {
        let language = file_language(req);
        return stream_workbook(db, caller, fingerprint, fetch, turn, language).await;
    }
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
    Ok(file_response::<R>(form).streaming(body))
}

/// The headers of an export in `form`, named after the collection.
fn file_response<R: Served>(form: Form) -> actix_web::HttpResponseBuilder {
    let (content_type, extension) = match form {
        Form::Csv => (TEXT_CSV, "csv"),
        Form::Ndjson => (NDJSON, "ndjson"),
        Form::Xlsx => (XLSX, "xlsx"),
    };
    let name = R::COLLECTION.rsplit('/').next().unwrap_or("export");
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::VARY, "Accept"))
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header(ContentDisposition {
            disposition: header::DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!("{name}.{extension}"))],
        });
    response
}

/// An export as a workbook. A workbook cannot be sent before its last row
/// is written, so the rows are written batch by batch into a sheet in
/// rust_xlsxwriter's constant-memory mode (each row goes to a temporary
/// file as it is written), the workbook is saved to a temporary file, and
/// that file is streamed: memory stays flat for a million rows.
async fn stream_workbook<R, F>(
    db: &Db,
    caller: &Caller,
    fingerprint: String,
    fetch: F,
    turn: Option<tokio::sync::OwnedSemaphorePermit>,
    language: Language,
) -> Result<HttpResponse, ApiError>
where
    R: Served,
    F: Fn(&mut DbConnection, &PageRequest) -> Result<Page<R>, ApiError> + Clone + Send + 'static,
{
    let mut sheet = RecordSheet::new::<R>(language).map_err(ApiError::internal)?;
    let mut token: Option<String> = None;
    loop {
        let (fetch, fingerprint, caller) = (fetch.clone(), fingerprint.clone(), caller.clone());
        let (written, next) = db
            .run(move |conn| {
                let page = PageRequest::new(Some(MAX_PAGE_SIZE), token.as_deref(), &fingerprint)?;
                let page = fetch(conn, &page)?;
                let rows: Result<Vec<Value>, _> = page
                    .items
                    .into_iter()
                    .map(|row| serde_json::to_value(row.present(&caller)))
                    .collect();
                let mut sheet = sheet;
                sheet.write::<R>(&rows.map_err(ApiError::internal)?)?;
                Ok((sheet, page.next_page_token))
            })
            .await?;
        sheet = written;
        token = next;
        if token.is_none() {
            break;
        }
    }
    let file = web::block(move || sheet.save()).await??;
    // The turn is held until the last chunk is sent.
    let chunks = futures_util::stream::unfold(Some((file, turn)), |state| async move {
        let (mut file, turn) = state?;
        let read = web::block(move || {
            use std::io::Read;
            let mut chunk = vec![0; 64 * 1024];
            let n = file.read(&mut chunk)?;
            chunk.truncate(n);
            Ok::<_, std::io::Error>((chunk, file))
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|read| read.map_err(|e| e.to_string()));
        match read {
            Ok((chunk, _)) if chunk.is_empty() => None,
            Ok((chunk, file)) => Some((Ok(Bytes::from(chunk)), Some((file, turn)))),
            // The 200 is on its way: end the transfer unfinished, so the
            // client sees a broken download, not a short file.
            Err(error) => {
                log::warn!("an export stopped: {error}");
                Some((Err(actix_web::error::ErrorServiceUnavailable(error)), None))
            }
        }
    });
    Ok(file_response::<R>(Form::Xlsx)
        .insert_header((header::CONTENT_LANGUAGE, language.tag()))
        .insert_header((header::VARY, "Accept, Accept-Language"))
        .streaming(chunks))
}

/// The sheet of a workbook export: a bold, frozen heading row naming the
/// record's members as people read them (in the language asked for), then
/// a row per record, cells typed from the JSON
/// (numbers, booleans, dates and times, text; an array or object as its
/// JSON text; never a formula).
struct RecordSheet {
    workbook: rust_xlsxwriter::Workbook,
    next_row: u32,
}

impl RecordSheet {
    fn new<R: Served>(language: Language) -> Result<Self, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::Format;
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory();
        let heading = Format::new().set_bold().set_text_wrap();
        for (col, name) in R::COLUMNS.iter().enumerate() {
            let text =
                column_heading(name).map_or_else(|| (*name).to_owned(), |h| h.render(language));
            let width = text.chars().count() + 4;
            sheet.write_string_with_format(0, col as u16, &text, &heading)?;
            sheet.set_column_width(col as u16, width.clamp(12, 40) as f64)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(RecordSheet {
            workbook,
            next_row: 1,
        })
    }

    fn write<R: Served>(&mut self, rows: &[Value]) -> Result<(), ApiError> {
        self.write_rows::<R>(rows).map_err(ApiError::internal)
    }

    fn write_rows<R: Served>(&mut self, rows: &[Value]) -> Result<(), rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{ExcelDateTime, Format};
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let time = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let sheet = self.workbook.worksheet_from_index(0)?;
        for json in rows {
            let row = self.next_row;
            for (col, name) in R::COLUMNS.iter().enumerate() {
                let col = col as u16;
                match json.get(*name) {
                    None | Some(Value::Null) => {}
                    Some(Value::Number(n)) => {
                        sheet.write_number(row, col, n.as_f64().unwrap_or_default())?;
                    }
                    Some(Value::Bool(b)) => {
                        sheet.write_boolean(row, col, *b)?;
                    }
                    Some(Value::String(text)) => {
                        let format = if name.ends_with("_on") {
                            Some(&date)
                        } else if name.ends_with("_at") {
                            Some(&time)
                        } else {
                            None
                        };
                        match format.zip(ExcelDateTime::parse_from_str(text).ok()) {
                            Some((format, when)) => {
                                sheet.write_datetime_with_format(row, col, &when, format)?
                            }
                            None => sheet.write_string(row, col, text)?,
                        };
                    }
                    Some(other) => {
                        sheet.write_string(row, col, other.to_string())?;
                    }
                }
            }
            self.next_row += 1;
        }
        Ok(())
    }

    /// The workbook, saved to a temporary file (gone when dropped), at its start.
    fn save(mut self) -> Result<std::fs::File, ApiError> {
        use std::io::Seek;
        let mut file = tempfile::tempfile().map_err(ApiError::internal)?;
        self.workbook
            .save_to_writer(&mut file)
            .map_err(ApiError::internal)?;
        file.rewind().map_err(ApiError::internal)?;
        Ok(file)
    }
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
    // A workbook is written as the HTTP export writes it: into a
    // constant-memory sheet, saved to a temporary file, then copied out.
    let mut sheet = match form {
        Form::Xlsx => Some(RecordSheet::new::<R>(Language::Vi).map_err(ApiError::internal)?),
        _ => None,
    };
    loop {
        let page = PageRequest::new(Some(MAX_PAGE_SIZE), token.as_deref(), "command line")?;
        let page = fetch(conn, &page)?;
        rows += page.items.len() as u64;
        if let Some(sheet) = sheet.as_mut() {
            let items: Result<Vec<Value>, _> = page
                .items
                .into_iter()
                .map(|row| serde_json::to_value(row.present(caller)))
                .collect();
            sheet.write::<R>(&items.map_err(ApiError::internal)?)?;
        } else {
            let bytes = encode(form, first, page.items, caller).map_err(ApiError::internal)?;
            out.write_all(&bytes).map_err(ApiError::internal)?;
        }
        first = false;
        token = page.next_page_token;
        if token.is_none() {
            break;
        }
    }
    if let Some(sheet) = sheet {
        std::io::copy(&mut sheet.save()?, out).map_err(ApiError::internal)?;
    }
    Ok(rows)
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
        Form::Xlsx => Err(fault("a workbook is written whole, not in batches")),
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

//! The rows of an import file, each a JSON object, whatever the format.

use std::collections::HashSet;
use std::io::{BufRead, Read};

use serde::Deserialize;
use serde_json::{Map, Number, Value};

use crate::error::ApiError;
use crate::http::extract::parse_json;
use crate::messages::Message;
use crate::msg;

/// The formats an import takes, by `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/x-ndjson`: one JSON object a line.
    Ndjson,
    /// `application/json`: `{"items": [ … ]}`.
    Json,
    /// `text/csv`: a header line of member names, then one row a line
    /// (UTF-8, with or without a byte-order mark).
    Csv,
}

impl Format {
    pub fn from_content_type(essence: &str) -> Option<Format> {
        match essence {
            "application/x-ndjson" => Some(Format::Ndjson),
            "application/json" => Some(Format::Json),
            "text/csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// An import file, read as it arrives.
pub struct Source {
    pub format: Format,
    pub reader: Box<dyn BufRead + Send>,
}

/// Where a row is: its index from 0 and its line from 1 (line formats).
pub type Place = (u64, Option<u64>);

pub(super) type Row = (Place, Result<Map<String, Value>, ApiError>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Items {
    items: Vec<Value>,
}

impl Source {
    /// A file held in memory.
    pub fn from_bytes(format: Format, body: Vec<u8>) -> Self {
        Source {
            format,
            reader: Box::new(std::io::Cursor::new(body)),
        }
    }

    /// The rows, one by one, read as they come: NDJSON and CSV a line at a
    /// time (memory stays flat however long the file); JSON `{"items"}` is
    /// one document, read whole. `columns` are the members a row may have (a
    /// CSV header naming another is refused), `typed` those a CSV cell holds
    /// as JSON (numbers, booleans, lists). A file that cannot be read at all (a JSON body without
    /// `items`, a CSV header naming a column twice) is refused as a whole; a
    /// body that stops arriving ends the rows with its error ([`aborts`]).
    pub fn rows(
        mut self,
        columns: &[&str],
        typed: HashSet<String>,
    ) -> Result<Box<dyn Iterator<Item = Row>>, ApiError> {
        skip_bom(&mut self.reader).map_err(body_error)?;
        match self.format {
            Format::Ndjson => Ok(Box::new(
                self.reader
                    .split(b'\n')
                    .enumerate()
                    .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim_ascii().is_empty()))
                    .enumerate()
                    .map(|(index, (line, text))| {
                        let row = text.map_err(body_error).and_then(|text| {
                            utf8(&text, line as u64 + 1)?;
                            parse_json::<Map<String, Value>>(&text)
                        });
                        ((index as u64, Some(line as u64 + 1)), row)
                    }),
            )),
            Format::Json => {
                let mut body = Vec::new();
                self.reader.read_to_end(&mut body).map_err(body_error)?;
                let items = parse_json::<Items>(&body)?.items;
                Ok(Box::new(items.into_iter().enumerate().map(
                    |(index, item)| {
                        let row = match item {
                            Value::Object(map) => Ok(map),
                            _ => Err(ApiError::invalid_field(
                                "",
                                "INVALID_ROW",
                                msg!("row-not-object"),
                            )),
                        };
                        ((index as u64, None), row)
                    },
                )))
            }
            Format::Csv => csv_rows(self.reader, columns, typed),
        }
    }
}

/// Whether a row's error ends the import: the body failed to arrive (408,
/// 413, a broken upload), not the row.
pub fn aborts(error: &ApiError) -> bool {
    error.status().is_server_error()
        || matches!(
            error.code(),
            "REQUEST_TIMEOUT" | "PAYLOAD_TOO_LARGE" | "BAD_BODY" | "NOT_UTF8"
        )
}

/// What is wrong with a CSV line (`what`: the header or a row): a row with
/// more or fewer fields than the header says so; the csv crate's other
/// words are logged.
fn csv_error(what: &'static str, error: &csv::Error) -> Message {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => msg!("csv-field-count", fields = *len, columns = *expected_len),
        _ => {
            log::info!("request {}: CSV: {error}", crate::context::log_id());
            Message::new(what)
        }
    }
}

/// A file that is not UTF-8 text is the wrong file, not a wrong row: 400.
fn utf8(line: &[u8], number: u64) -> Result<(), ApiError> {
    std::str::from_utf8(line)
        .map(|_| ())
        .map_err(|_| ApiError::bad_request("NOT_UTF8", msg!("line-not-utf8", line = number)))
}

/// The error a reader of the body met: the one the body's sender put in
/// (408, 413), else a broken body.
fn body_error(error: std::io::Error) -> ApiError {
    match error.into_inner().map(|inner| inner.downcast::<ApiError>()) {
        Some(Ok(error)) => *error,
        Some(Err(other)) => {
            log::info!(
                "request {}: unreadable body: {other}",
                crate::context::log_id()
            );
            ApiError::bad_request("BAD_BODY", msg!("body-unreadable"))
        }
        None => ApiError::bad_request("BAD_BODY", msg!("body-unreadable")),
    }
}

fn skip_bom(reader: &mut dyn BufRead) -> std::io::Result<()> {
    let bom = "\u{feff}".as_bytes();
    if reader.fill_buf()?.starts_with(bom) {
        reader.consume(bom.len());
    }
    Ok(())
}

fn csv_rows(
    body: Box<dyn BufRead + Send>,
    columns: &[&str],
    typed: HashSet<String>,
) -> Result<Box<dyn Iterator<Item = Row>>, ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ApiError::bad_request("INVALID_CSV", csv_error("csv-header-unreadable", &e)))?
        .iter()
        .map(|name| name.trim().to_owned())
        .collect();
    if let Some(unknown) = header.iter().find(|name| !columns.contains(&name.as_str())) {
        return Err(ApiError::bad_request(
            "UNKNOWN_COLUMN",
            msg!(
                "csv-unknown-column",
                column = unknown,
                columns = columns.join(", ")
            ),
        ));
    }
    let mut seen = HashSet::new();
    if let Some(twice) = header.iter().find(|name| !seen.insert(name.as_str())) {
        return Err(ApiError::bad_request(
            "INVALID_CSV",
            msg!("csv-column-twice", column = twice),
        ));
    }
    Ok(Box::new(reader.into_records().enumerate().map(
        move |(index, record)| {
            let line = record
                .as_ref()
                .ok()
                .and_then(|r| r.position())
                .map(|p| p.line());
            let row = record
                .map_err(|e| {
                    if let csv::ErrorKind::Utf8 { pos, .. } = e.kind() {
                        let line = pos.as_ref().map_or(0, |p| p.line());
                        return ApiError::bad_request(
                            "NOT_UTF8",
                            msg!("line-not-utf8", line = line),
                        );
                    }
                    if !e.is_io_error() {
                        let detail = csv_error("csv-line-unreadable", &e);
                        return ApiError::invalid_field("", "INVALID_CSV", detail);
                    }
                    match e.into_kind() {
                        csv::ErrorKind::Io(io) => body_error(io),
                        _ => ApiError::bad_request("BAD_BODY", msg!("body-unreadable")),
                    }
                })
                .map(|record| {
                    header
                        .iter()
                        .zip(record.iter())
                        .filter(|(_, cell)| !cell.is_empty())
                        .map(|(name, cell)| (name.clone(), cell_value(cell, typed.contains(name))))
                        .collect()
                });
            ((index as u64, line), row)
        },
    )))
}

/// A CSV cell as the JSON member an export wrote it from: a number, a
/// boolean or a list where the member is one, the text otherwise, with the
/// `'` that the export put before a formula character taken off again.
fn cell_value(cell: &str, typed: bool) -> Value {
    if typed {
        if let Ok(whole) = cell.parse::<i64>() {
            return Value::from(whole);
        }
        if let Some(number) = cell.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(number);
        }
        if let Some(value) = serde_json::from_str::<Value>(cell)
            .ok()
            .filter(|v| !v.is_string())
        {
            return value;
        }
    }
    let unquoted = cell
        .strip_prefix('\'')
        .filter(|rest| rest.starts_with(['=', '+', '-', '@', '\t', '\r']));
    Value::String(unquoted.unwrap_or(cell).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_cell_is_what_the_export_wrote_it_from() {
        assert_eq!(cell_value("64", true), Value::from(64));
        assert_eq!(cell_value("0.35", true), serde_json::json!(0.35));
        assert_eq!(cell_value("64", false), Value::from("64"));
        assert_eq!(cell_value("true", true), Value::from(true));
        assert_eq!(
            cell_value(r#"[{"criterion_code": "CD01"}]"#, true),
            serde_json::json!([{"criterion_code": "CD01"}])
        );
        assert_eq!(cell_value("[", true), Value::from("["));
        assert_eq!(cell_value("'=SUM(A1)", false), Value::from("=SUM(A1)"));
        assert_eq!(cell_value("'quoted", false), Value::from("'quoted"));
    }

    #[test]
    fn rows_keep_their_place_in_the_file() {
        let numeric = || HashSet::from(["staff_count".to_owned()]);
        let columns = ["name", "staff_count", "code"];
        let csv = Source::from_bytes(
            Format::Csv,
            "\u{feff}name,staff_count,code\nA,3,\n\"B, b\",x,B1\n"
                .as_bytes()
                .to_vec(),
        );
        let rows: Vec<Row> = csv.rows(&columns, numeric()).unwrap().collect();
        assert_eq!(rows[0].0, (0, Some(2)));
        assert_eq!(rows[0].1.as_ref().unwrap()["staff_count"], 3);
        assert!(!rows[0].1.as_ref().unwrap().contains_key("code"));
        assert_eq!(rows[1].0, (1, Some(3)));
        assert_eq!(rows[1].1.as_ref().unwrap()["name"], "B, b");
        assert_eq!(rows[1].1.as_ref().unwrap()["staff_count"], "x");

        let ndjson = Source::from_bytes(Format::Ndjson, b"{\"name\": \"A\"}\n\n{broken\n".to_vec());
        let rows: Vec<Row> = ndjson.rows(&columns, numeric()).unwrap().collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, (1, Some(3)));
        assert_eq!(rows[1].1.as_ref().unwrap_err().code(), "MALFORMED_JSON");

        let latin1 = Source::from_bytes(Format::Ndjson, b"{\"name\": \"Tr\xf0\"}\n".to_vec());
        let rows: Vec<Row> = latin1.rows(&columns, numeric()).unwrap().collect();
        let refused = rows[0].1.as_ref().unwrap_err();
        assert_eq!(refused.code(), "NOT_UTF8");
        assert!(aborts(refused));

        let unknown = Source::from_bytes(Format::Csv, b"name,colour\nA,red\n".to_vec());
        let refused = unknown.rows(&columns, numeric()).err().unwrap();
        assert_eq!(refused.code(), "UNKNOWN_COLUMN");
    }

    #[test]
    fn a_body_that_fails_to_arrive_ends_the_rows_with_its_error() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other(ApiError::request_timeout(
                    std::time::Duration::from_secs(30),
                )))
            }
        }
        let source = Source {
            format: Format::Ndjson,
            reader: Box::new(std::io::BufReader::new(Failing)),
        };
        let refused = source.rows(&["name"], HashSet::new()).err().unwrap();
        assert_eq!(refused.code(), "REQUEST_TIMEOUT");
        assert!(aborts(&refused));
    }
}

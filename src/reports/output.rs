//! The forms of a report: JSON, CSV (UTF-8 with a byte-order mark, so that
//! Excel shows Vietnamese intact), a workbook (`workbook`), a chart as SVG
//! or PNG (`chart`) and a printable PDF (`print`). The JSON operation
//! answers JSON unless `Accept` asks for another form; its `/file` twin
//! answers a workbook unless `Accept` asks for CSV or PDF, its `/chart` twin
//! SVG unless PNG. One report is built, then rendered into the form asked
//! for.

use actix_web::http::header::{self, Accept, ContentDisposition, DispositionParam, Header};
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::cache::{ReportCache, ReportKey};
use super::chart::{self, Chart, PNG, SVG};
use super::print::{self, Printout, PDF};
use super::workbook::{workbook, Cell, XLSX};
use super::TargetComparison;
use crate::auth::Caller;
use crate::changes::model as changes;
use crate::db::{read_snapshot, Db, DbConnection};
use crate::error::ApiError;
use crate::http::csv_cells;
use crate::http::limits::ExpensiveWork;
use crate::http::request_id::file_language;
use crate::messages::{Language, Message};

/// What every report gives besides its JSON body: the lines of its CSV
/// form (flat structs, or tuples of them), which its workbook's sheet shows
/// too, and the name of its files.
pub trait Report: Serialize {
    /// The catalogue's message naming the workbook's sheet.
    const SHEET: &'static str;

    /// `Default` gives the header line of a report without lines.
    type Line<'a>: Serialize + Default
    where
        Self: 'a;

    fn csv_lines(&self) -> Vec<Self::Line<'_>>;

    /// The files' name without its extension (`membership-2020`).
    fn file_stem(&self) -> String;

    /// The first sheet of its workbook, a heading and a value a row, for a
    /// report that is a form sent up the tree (none by default).
    fn summary(&self) -> Vec<(Message, Cell)> {
        Vec::new()
    }

    /// The report draws a chart (`chart` gives it).
    const CHARTED: bool = false;

    /// The chart of the report, for one that draws one.
    fn chart(&self) -> Option<Chart> {
        None
    }

    /// The report prints (`printout` gives its pages).
    const PRINTABLE: bool = false;

    /// The report ready to print in `language`, for one that prints.
    fn printout(&self, _language: Language) -> Option<Printout> {
        None
    }
}

/// Builds a report with `build` off the event loop, on one snapshot of the
/// database, and answers it in the form the request prefers (406 before any
/// work when it accepts neither). `build` is given the caller's scope. A
/// report asked again before any change was committed is answered from the
/// [`ReportCache`].
pub async fn answer<R, F>(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    operation: Operation,
    build: F,
) -> Result<HttpResponse, ApiError>
where
    R: Report + Send + 'static,
    F: FnOnce(&mut DbConnection, Option<&str>) -> Result<R, ApiError> + Send + 'static,
{
    let format = negotiate(req, &operation.forms::<R>())?;
    let language = file_language(req);
    let limits = req.app_data::<web::Data<ExpensiveWork>>().cloned();
    let _turn = match &limits {
        Some(limits) => Some(limits.turn().await?),
        None => None,
    };
    let cache = req.app_data::<web::Data<ReportCache>>().cloned();
    let key = ReportKey {
        request: format!("{format:?} {language:?} {}", req.uri()),
        scope: caller.scope_path().map(str::to_owned),
    };
    let rendered = db
        .run(move |conn| {
            read_snapshot(conn, |conn| {
                let Some(cache) = cache else {
                    return render(format, language, &build(conn, key.scope.as_deref())?);
                };
                let head = changes::head(conn)?;
                if let Some(kept) = cache.get(&key, head) {
                    return Ok(kept);
                }
                let rendered = render(format, language, &build(conn, key.scope.as_deref())?)?;
                cache.put(key, head, rendered.clone());
                Ok(rendered)
            })
        })
        .await?;
    Ok(rendered.response())
}

/// A report written in one form, ready to send again.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub body: Bytes,
    content_type: &'static str,
    /// The file's name, for a file form.
    file_name: Option<String>,
    /// Shown where it lands (an image, a printable page) rather than saved.
    inline: bool,
    /// The language of a file's words (headings, titles, labels).
    language: Option<Language>,
}

impl Rendered {
    pub fn json(body: Vec<u8>) -> Self {
        Rendered {
            body: body.into(),
            content_type: "application/json",
            file_name: None,
            inline: false,
            language: None,
        }
    }

    fn response(self) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        response
            .insert_header((header::VARY, "Accept, Accept-Language"))
            .insert_header((header::CONTENT_TYPE, self.content_type));
        if let Some(language) = self.language {
            response.insert_header((header::CONTENT_LANGUAGE, language.tag()));
        }
        if let Some(name) = self.file_name {
            response.insert_header(ContentDisposition {
                disposition: if self.inline {
                    header::DispositionType::Inline
                } else {
                    header::DispositionType::Attachment
                },
                parameters: vec![DispositionParam::Filename(name)],
            });
        }
        response.body(self.body)
    }
}

/// The byte-order mark Excel needs to read a CSV file as UTF-8.
pub const BOM: &str = "\u{feff}";
pub const TEXT_CSV: &str = "text/csv; charset=utf-8";

/// A form a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
    Svg,
    Png,
    Pdf,
}

impl Format {
    /// The media type without parameters, as `Accept` names it.
    pub fn essence(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv",
            Format::Xlsx => XLSX,
            Format::Svg => SVG,
            Format::Png => PNG,
            Format::Pdf => PDF,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Pdf => "pdf",
        }
    }
}

/// Which operation of a report answers: the JSON one (whose document
/// states JSON, the typed default of generated clients; `curl` may still
/// ask it for any form of the report with `Accept`), its `/file` twin (a
/// workbook by default, CSV, or a printable PDF for a report that has one),
/// or its `/chart` twin (SVG by default, or PNG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Json,
    File,
    Chart,
}

impl Operation {
    /// The forms the operation answers for a report of type `R`, its default first.
    pub fn forms<R: Report>(self) -> Vec<Format> {
        let print = R::PRINTABLE.then_some(Format::Pdf);
        let chart = R::CHARTED.then_some([Format::Svg, Format::Png]);
        match self {
            Operation::Json => [Format::Json, Format::Csv, Format::Xlsx]
                .into_iter()
                .chain(print)
                .chain(chart.into_iter().flatten())
                .collect(),
            Operation::File => [Format::Xlsx, Format::Csv]
                .into_iter()
                .chain(print)
                .collect(),
            Operation::Chart => vec![Format::Svg, Format::Png],
        }
    }
}

/// The form the client prefers among `forms`: the first acceptable media
/// range by quality (`type/*` takes the first form of that type); the
/// operation's default (the first) for no `Accept` or `*/*`; 406 naming the
/// forms when none is acceptable.
pub fn negotiate(req: &HttpRequest, forms: &[Format]) -> Result<Format, ApiError> {
    let default = forms[0];
    let accept = match Accept::parse(req) {
        Ok(accept) if !accept.is_empty() => accept,
        _ => return Ok(default),
    };
    for mime in accept.ranked() {
        let (kind, subtype) = (mime.type_().as_str(), mime.subtype().as_str());
        let found = match (kind, subtype) {
            ("*", "*") => Some(default),
            (kind, "*") => forms
                .iter()
                .copied()
                .find(|f| f.essence().split('/').next() == Some(kind)),
            _ => forms
                .iter()
                .copied()
                .find(|f| mime.essence_str().eq_ignore_ascii_case(f.essence())),
        };
        if let Some(format) = found {
            return Ok(format);
        }
    }
    let offered: Vec<&str> = forms.iter().map(|f| f.essence()).collect();
    Err(ApiError::not_acceptable(&offered.join(", ")))
}

/// The target columns that end a CSV line: a line is serialised as the
/// tuple `(row, TargetColumns)`, which the csv crate writes flat.
#[derive(Debug, Default, Serialize)]
pub struct TargetColumns {
    target_year: Option<i32>,
    target_min_value: Option<f64>,
    target_max_value: Option<f64>,
    target_gap_to_min: Option<f64>,
    target_status: Option<&'static str>,
}

impl From<Option<&TargetComparison>> for TargetColumns {
    fn from(target: Option<&TargetComparison>) -> Self {
        TargetColumns {
            target_year: target.map(|t| t.year),
            target_min_value: target.map(|t| t.min_value),
            target_max_value: target.and_then(|t| t.max_value),
            target_gap_to_min: target.and_then(|t| t.gap_to_min),
            target_status: target.map(|t| t.status.as_str()),
        }
    }
}

/// The report in the negotiated form; a file's words in `language`.
pub fn render<R: Report>(
    format: Format,
    language: Language,
    report: &R,
) -> Result<Rendered, ApiError> {
    let body: Vec<u8> = match format {
        Format::Json => {
            return Ok(Rendered::json(
                serde_json::to_vec(report).map_err(ApiError::internal)?,
            ))
        }
        Format::Csv => {
            let lines = csv_lines(report).map_err(ApiError::internal)?;
            csv_cells::write_safe(&lines, BOM.as_bytes().to_vec()).map_err(ApiError::internal)?
        }
        Format::Xlsx => {
            let lines = csv_lines(report).map_err(ApiError::internal)?;
            workbook(&report.summary(), &Message::new(R::SHEET), &lines, language)?
        }
        Format::Svg | Format::Png => {
            let chart = report
                .chart()
                .ok_or_else(|| ApiError::internal("no chart"))?;
            let svg = chart::svg(&chart, language);
            match format {
                Format::Png => chart::png(&svg)?,
                _ => svg.into_bytes(),
            }
        }
        Format::Pdf => {
            let printout = report
                .printout(language)
                .ok_or_else(|| ApiError::internal("no printout"))?;
            print::pdf(&printout, language)?
        }
    };
    Ok(Rendered {
        body: body.into(),
        content_type: match format {
            Format::Csv => TEXT_CSV,
            other => other.essence(),
        },
        file_name: Some(format!("{}.{}", report.file_stem(), format.extension())),
        inline: matches!(format, Format::Svg | Format::Png | Format::Pdf),
        // CSV says its column names, which are the same in every language.
        language: (format != Format::Csv).then_some(language),
    })
}

/// The header line and a line per row, as the csv crate writes them.
fn csv_lines<R: Report>(report: &R) -> Result<Vec<u8>, csv::Error> {
    let lines = report.csv_lines();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let raw = if lines.is_empty() {
        // The csv crate writes the header with the first record: write a
        // blank one and keep the header line alone.
        writer.serialize(R::Line::default())?;
        let mut body = writer.into_inner().map_err(|e| e.into_error())?;
        let header_end = body
            .iter()
            .position(|b| *b == b'\n')
            .map_or(body.len(), |i| i + 1);
        body.truncate(header_end);
        body
    } else {
        for line in lines {
            writer.serialize(line)?;
        }
        writer.into_inner().map_err(|e| e.into_error())?
    };
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn format(forms: &[Format], accept: Option<&str>) -> Result<Format, ApiError> {
        let mut req = TestRequest::default();
        if let Some(accept) = accept {
            req = req.insert_header((header::ACCEPT, accept));
        }
        negotiate(&req.to_http_request(), forms)
    }

    const JSON: [Format; 3] = [Format::Json, Format::Csv, Format::Xlsx];
    const FILE: [Format; 3] = [Format::Xlsx, Format::Csv, Format::Pdf];
    const CHART: [Format; 2] = [Format::Svg, Format::Png];

    #[test]
    fn a_file_is_a_workbook_unless_csv_or_pdf_is_preferred() {
        assert_eq!(format(&FILE, None).unwrap(), Format::Xlsx);
        assert_eq!(format(&FILE, Some("*/*")).unwrap(), Format::Xlsx);
        assert_eq!(format(&FILE, Some("text/csv")).unwrap(), Format::Csv);
        assert_eq!(format(&FILE, Some("application/pdf")).unwrap(), Format::Pdf);
        assert_eq!(format(&JSON, Some(XLSX)).unwrap(), Format::Xlsx);
        let refused = format(&FILE[..2], Some("application/json")).unwrap_err();
        assert_eq!(refused.code(), "NOT_ACCEPTABLE");
    }

    #[test]
    fn json_unless_csv_is_preferred() {
        assert_eq!(format(&JSON, None).unwrap(), Format::Json);
        assert_eq!(format(&JSON, Some("*/*")).unwrap(), Format::Json);
        assert_eq!(format(&JSON, Some("application/*")).unwrap(), Format::Json);
        assert_eq!(format(&JSON, Some("text/csv")).unwrap(), Format::Csv);
        assert_eq!(
            format(&JSON, Some("application/json;q=0.5, text/csv")).unwrap(),
            Format::Csv
        );
        assert_eq!(
            format(&JSON, Some("text/csv;q=0.2, application/json")).unwrap(),
            Format::Json
        );
        assert_eq!(
            format(&JSON, Some("image/png")).unwrap_err().code(),
            "NOT_ACCEPTABLE"
        );
    }

    #[test]
    fn a_chart_is_svg_unless_png_is_preferred() {
        assert_eq!(format(&CHART, None).unwrap(), Format::Svg);
        assert_eq!(format(&CHART, Some("image/*")).unwrap(), Format::Svg);
        assert_eq!(format(&CHART, Some("image/png")).unwrap(), Format::Png);
        assert_eq!(
            format(&CHART, Some("image/svg+xml;q=0.5, image/png")).unwrap(),
            Format::Png
        );
        assert_eq!(
            format(&CHART, Some("application/json")).unwrap_err().code(),
            "NOT_ACCEPTABLE"
        );
    }
}

//! The workbook form of a report (`.xlsx`): the lines of its CSV form as a
//! sheet whose cells keep their types — counts and money as numbers, years
//! as whole numbers, ratios as percentages, yes/no as booleans — under a
//! frozen, bold heading row in the reader's language. Text is written as
//! text, never as a formula, whatever it begins with.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::error::ApiError;
use crate::messages::{column_heading, Language, Message};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What a column holds, and so how its cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    /// A year or a period: a whole number without a thousands separator.
    Year,
    /// A count or an amount: a whole number with thousands separators.
    Count,
    /// A fraction, shown as a percentage.
    Ratio,
    /// Any other number (a score, a measured value, a threshold).
    Number,
    Boolean,
    /// An association's level (text), or a criterion's (a whole number).
    Level,
}

/// The kind of each column of the reports' lines, by its name in the CSV
/// form (its heading is the catalogue's, `messages::column_heading`).
const KINDS: [(&str, Kind); 61] = [
    ("row", Kind::Text),
    ("association_id", Kind::Text),
    ("association_code", Kind::Text),
    ("association_name", Kind::Text),
    ("level", Kind::Level),
    ("year", Kind::Year),
    ("period", Kind::Year),
    ("reporting_count", Kind::Count),
    ("association_count", Kind::Count),
    ("member_count", Kind::Count),
    ("population", Kind::Count),
    ("households", Kind::Count),
    ("branch_count", Kind::Count),
    ("fund_raised_vnd", Kind::Count),
    ("scholarship_count", Kind::Count),
    ("scholarship_value_vnd", Kind::Count),
    ("membership_ratio", Kind::Ratio),
    ("target_metric", Kind::Text),
    ("target_year", Kind::Year),
    ("target_min_value", Kind::Number),
    ("target_max_value", Kind::Number),
    ("target_gap_to_min", Kind::Number),
    ("target_status", Kind::Text),
    ("criteria_set_code", Kind::Text),
    ("criteria_set_edition", Kind::Text),
    ("assessment_count", Kind::Count),
    ("draft", Kind::Count),
    ("submitted", Kind::Count),
    ("approved", Kind::Count),
    ("excellent", Kind::Count),
    ("good", Kind::Count),
    ("fair", Kind::Count),
    ("not_met", Kind::Count),
    ("assessed_count", Kind::Count),
    ("recognised_count", Kind::Count),
    ("recognised_ratio", Kind::Ratio),
    ("good_or_above_ratio", Kind::Ratio),
    ("subject_count", Kind::Count),
    ("subject_count_source", Kind::Text),
    ("registered_count", Kind::Count),
    ("recognised_of_registered_ratio", Kind::Ratio),
    ("recognised_of_all_ratio", Kind::Ratio),
    ("criterion_code", Kind::Text),
    ("criterion_title", Kind::Text),
    ("group_name", Kind::Text),
    ("required", Kind::Boolean),
    ("score", Kind::Number),
    ("max_score", Kind::Number),
    ("met", Kind::Boolean),
    ("note", Kind::Text),
    ("measure", Kind::Text),
    ("measured_value", Kind::Number),
    ("threshold", Kind::Number),
    ("threshold_source", Kind::Text),
    ("numerator", Kind::Number),
    ("denominator", Kind::Number),
    ("denominator_source", Kind::Text),
    ("rating", Kind::Text),
    ("status", Kind::Text),
    ("metric", Kind::Text),
    ("value", Kind::Number),
];

/// The heading and kind of the column `name` (text under its own name for
/// one the table does not know).
fn column(name: &str) -> (Option<Message>, Kind) {
    let kind = KINDS
        .iter()
        .find(|(known, _)| *known == name)
        .map_or(Kind::Text, |(_, kind)| *kind);
    (column_heading(name), kind)
}

/// A value of a report's summary sheet.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    /// A whole number (a year, a count) or a score.
    Number(f64),
    Boolean(bool),
    /// A word of the catalogue (a rating, a status), said in the sheet's language.
    Word(Message),
}

/// The widest a column is made, in characters.
const WIDTH_MAX: usize = 60;

/// A workbook: a summary sheet first when the report has one (a heading
/// and a value a row), then the sheet named `sheet`: the heading row, then
/// `lines` (the CSV form's header and records, before any spreadsheet
/// escaping).
pub fn workbook(
    summary: &[(Message, Cell)],
    sheet: &Message,
    lines: &[u8],
    language: Language,
) -> Result<Vec<u8>, ApiError> {
    write(summary, sheet, lines, language).map_err(ApiError::internal)
}

/// A sheet's name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &Message, language: Language) -> String {
    name.render(language)
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

fn write_summary(
    workbook: &mut Workbook,
    summary: &[(Message, Cell)],
    language: Language,
) -> Result<(), XlsxError> {
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet_name(&Message::new("sheet-summary"), language))?;
    let heading = Format::new().set_bold();
    let number = Format::new().set_num_format("#,##0.###");
    for (row, (name, value)) in summary.iter().enumerate() {
        let row = row as u32;
        worksheet.write_string_with_format(row, 0, name.render(language), &heading)?;
        match value {
            Cell::Text(text) => worksheet.write_string(row, 1, text)?,
            Cell::Number(n) => worksheet.write_number_with_format(row, 1, *n, &number)?,
            Cell::Boolean(b) => worksheet.write_boolean(row, 1, *b)?,
            Cell::Word(word) => worksheet.write_string(row, 1, word.render(language))?,
        };
    }
    worksheet.set_column_width(0, 32)?;
    worksheet.set_column_width(1, WIDTH_MAX as f64)?;
    Ok(())
}

fn write(
    summary: &[(Message, Cell)],
    sheet: &Message,
    lines: &[u8],
    language: Language,
) -> Result<Vec<u8>, XlsxError> {
    let mut reader = csv::Reader::from_reader(lines);
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| XlsxError::ParameterError(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let columns: Vec<(String, Kind)> = names
        .iter()
        .map(|name| {
            let (heading, kind) = column(name);
            let heading = heading.map_or_else(|| name.clone(), |h| h.render(language));
            (heading, kind)
        })
        .collect();
    let heading = Format::new().set_bold().set_text_wrap();
    let year = Format::new().set_num_format("0");
    let count = Format::new().set_num_format("#,##0");
    let ratio = Format::new().set_num_format("0.0%");
    let number = Format::new().set_num_format("#,##0.###");

    let mut workbook = Workbook::new();
    if !summary.is_empty() {
        write_summary(&mut workbook, summary, language)?;
    }
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet_name(sheet, language))?;
    let mut widths: Vec<usize> = columns.iter().map(|(h, _)| h.chars().count()).collect();
    for (col, (text, _)) in columns.iter().enumerate() {
        worksheet.write_string_with_format(0, col as u16, text, &heading)?;
    }
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| XlsxError::ParameterError(e.to_string()))?;
        let row = index as u32 + 1;
        for (col, value) in record.iter().enumerate() {
            let Some((_, kind)) = columns.get(col) else {
                continue;
            };
            let col = col as u16;
            if value.is_empty() {
                continue;
            }
            widths[col as usize] = widths[col as usize].max(value.chars().count());
            let parsed = value.parse::<f64>().ok().filter(|n| n.is_finite());
            match (kind, parsed) {
                (Kind::Year | Kind::Level, Some(n)) => {
                    worksheet.write_number_with_format(row, col, n, &year)?
                }
                (Kind::Count, Some(n)) => {
                    worksheet.write_number_with_format(row, col, n, &count)?
                }
                (Kind::Ratio, Some(n)) => {
                    worksheet.write_number_with_format(row, col, n, &ratio)?
                }
                (Kind::Number, Some(n)) => {
                    worksheet.write_number_with_format(row, col, n, &number)?
                }
                (Kind::Boolean, _) if value == "true" || value == "false" => {
                    worksheet.write_boolean(row, col, value == "true")?
                }
                _ => worksheet.write_string(row, col, value)?,
            };
        }
    }
    for (col, width) in widths.into_iter().enumerate() {
        let width = (width + 2).clamp(8, WIDTH_MAX);
        worksheet.set_column_width(col as u16, width as f64)?;
    }
    worksheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}

//! The printable form of a report: an A4 PDF written with `krilla` (text
//! as text, the embedded font subset into the file, so that it prints and
//! reads back the same everywhere). A title and the facts of the report
//! (association, year, date made), then a table whose heading row repeats
//! on every page, lines after it (a total, a rating), and the places where
//! whoever prepared and whoever approved the report sign. Every page says
//! its number and the number of pages.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document;

use super::fonts;
use crate::error::ApiError;
use crate::messages::{Language, Message};
use crate::msg;

pub const PDF: &str = "application/pdf";

/// A4, in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 42.0;
const TABLE_SIZE: f32 = 8.5;
const PAD: f32 = 3.0;
/// The room kept at the foot of each page for its number.
const FOOT: f32 = 28.0;
/// The height of the signature block.
const SIGNATURES: f32 = 120.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Centre,
}

/// A column of the table: its heading, its share of the page's width and
/// how its cells align.
#[derive(Debug, Clone)]
pub struct Column {
    pub heading: String,
    pub share: f32,
    pub align: Align,
}

impl Column {
    /// A column headed by the catalogue's message `heading`, said in `language`.
    pub fn named(heading: &'static str, share: f32, align: Align, language: Language) -> Column {
        Column {
            heading: Message::new(heading).render(language),
            share,
            align,
        }
    }
}

/// A report ready to print, in the reader's language.
#[derive(Debug, Clone)]
pub struct Printout {
    pub title: String,
    /// What the report is about: a label and a value a line.
    pub facts: Vec<(String, String)>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// A last row in bold (a total), if any.
    pub total: Option<Vec<String>>,
    /// Lines after the table: a label and a value a line.
    pub closing: Vec<(String, String)>,
}

/// A row laid out: its cells' lines and its height.
struct Laid {
    cells: Vec<Vec<String>>,
    height: f32,
    bold: bool,
    /// The heading row: shaded, its cells centred.
    heading: bool,
}

/// Today's date as a printed report gives it (`05/12/2026`).
pub fn made_on() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%d/%m/%Y")
        .to_string()
}

fn line_height(size: f32) -> f32 {
    size * 1.3
}

/// The printout as a PDF, its fixed words (signatures, page numbers) in `language`.
pub fn pdf(printout: &Printout, language: Language) -> Result<Vec<u8>, ApiError> {
    let regular = Font::new(fonts::REGULAR.into(), 0)
        .ok_or_else(|| ApiError::internal("the embedded font does not load"))?;
    let bold = Font::new(fonts::BOLD.into(), 0)
        .ok_or_else(|| ApiError::internal("the embedded font does not load"))?;
    let widths = column_widths(&printout.columns);
    let headings: Vec<String> = printout.columns.iter().map(|c| c.heading.clone()).collect();
    let heading = Laid {
        heading: true,
        ..lay(&headings, &widths, true)
    };
    let centred = vec![Align::Centre; widths.len()];
    let aligns: Vec<Align> = printout.columns.iter().map(|c| c.align).collect();
    let mut rows: Vec<Laid> = printout
        .rows
        .iter()
        .map(|r| lay(r, &widths, false))
        .collect();
    if let Some(total) = &printout.total {
        rows.push(lay(total, &widths, true));
    }
    let pages = paginate(printout, &heading, &rows);

    let mut document = Document::new();
    let mut metadata = Metadata::new()
        .title(printout.title.clone())
        .language(language.tag().to_owned())
        .creator("khuyenhoc".to_owned());
    if let Some((_, name)) = printout.facts.first() {
        metadata = metadata.description(name.clone());
    }
    document.set_metadata(metadata);
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| ApiError::internal("an A4 page"))?;
    let count = pages.len();
    for (number, page_rows) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut pen = Pen {
            surface: page.surface(),
            regular: regular.clone(),
            bold: bold.clone(),
        };
        let mut y = MARGIN;
        if number == 0 {
            y = pen.head(printout, y);
        } else {
            pen.text(MARGIN, y + 8.0, 8.0, false, &printout.title);
            y += 18.0;
        }
        if !page_rows.is_empty() {
            y = pen.row(&heading, &widths, &centred, y);
        }
        for row in &rows[page_rows.clone()] {
            y = pen.row(row, &widths, &aligns, y);
        }
        if number + 1 == count {
            y = pen.labelled(&printout.closing, y + 10.0);
            pen.signatures(language, y + 16.0);
        }
        let foot = msg!("print-page", page = number + 1, pages = count).render(language);
        let x = PAGE_WIDTH - MARGIN - fonts::width(&foot, 8.0, false);
        pen.text(x, PAGE_HEIGHT - MARGIN / 2.0, 8.0, false, &foot);
        pen.surface.finish();
    }
    document
        .finish()
        .map_err(|e| ApiError::internal(format!("{e:?}")))
}

fn column_widths(columns: &[Column]) -> Vec<f32> {
    let shares: f32 = columns.iter().map(|c| c.share).sum();
    let room = PAGE_WIDTH - 2.0 * MARGIN;
    columns.iter().map(|c| room * c.share / shares).collect()
}

fn lay(cells: &[String], widths: &[f32], bold: bool) -> Laid {
    let cells: Vec<Vec<String>> = cells
        .iter()
        .zip(widths)
        .map(|(text, width)| fonts::wrap(text, TABLE_SIZE, width - 2.0 * PAD, bold))
        .collect();
    let lines = cells.iter().map(Vec::len).max().unwrap_or(1);
    Laid {
        height: lines as f32 * line_height(TABLE_SIZE) + 2.0 * PAD,
        cells,
        bold,
        heading: false,
    }
}

/// The height of the first page's head: the title and the facts.
fn head_height(printout: &Printout) -> f32 {
    let title = fonts::wrap(&printout.title, 14.0, PAGE_WIDTH - 2.0 * MARGIN, true).len();
    title as f32 * line_height(14.0) + printout.facts.len() as f32 * line_height(10.0) + 16.0
}

/// The rows on each page: as many as fit under the heading row, the last
/// page keeping room for the closing lines and the signatures (a page of
/// its own for them if need be).
fn paginate(printout: &Printout, heading: &Laid, rows: &[Laid]) -> Vec<std::ops::Range<usize>> {
    let bottom = PAGE_HEIGHT - MARGIN - FOOT;
    let ending = printout.closing.len() as f32 * line_height(10.0) + 26.0 + SIGNATURES;
    let mut pages = Vec::new();
    let mut start = 0;
    let mut y = MARGIN + head_height(printout) + heading.height;
    for (index, row) in rows.iter().enumerate() {
        if y + row.height > bottom && index > start {
            pages.push(start..index);
            start = index;
            y = MARGIN + 18.0 + heading.height;
        }
        y += row.height;
    }
    pages.push(start..rows.len());
    if y + ending > bottom {
        pages.push(rows.len()..rows.len());
    }
    pages
}

/// Draws on one page.
struct Pen<'a> {
    surface: Surface<'a>,
    regular: Font,
    bold: Font,
}

impl Pen<'_> {
    fn text(&mut self, x: f32, baseline: f32, size: f32, bold: bool, text: &str) {
        if text.is_empty() {
            return;
        }
        let font = if bold { &self.bold } else { &self.regular };
        self.surface.set_fill(Some(Fill::default()));
        self.surface.draw_text(
            Point::from_xy(x, baseline),
            font.clone(),
            size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, fill: Option<rgb::Color>) {
        let Some(rect) = Rect::from_xywh(x, y, width, height) else {
            return;
        };
        let mut path = PathBuilder::new();
        path.push_rect(rect);
        let Some(path) = path.finish() else {
            return;
        };
        self.surface.set_fill(fill.map(|colour| Fill {
            paint: colour.into(),
            ..Fill::default()
        }));
        self.surface.set_stroke(Some(Stroke {
            paint: rgb::Color::new(120, 120, 120).into(),
            width: 0.5,
            ..Stroke::default()
        }));
        self.surface.draw_path(&path);
        self.surface.set_stroke(None);
    }

    /// The title and the facts; returns the y under them.
    fn head(&mut self, printout: &Printout, mut y: f32) -> f32 {
        for line in fonts::wrap(&printout.title, 14.0, PAGE_WIDTH - 2.0 * MARGIN, true) {
            let x = (PAGE_WIDTH - fonts::width(&line, 14.0, true)) / 2.0;
            y += line_height(14.0);
            self.text(x, y, 14.0, true, &line);
        }
        self.labelled(&printout.facts, y + 6.0) + 10.0
    }

    /// One row of the table at `y`; returns the y under it.
    fn row(&mut self, row: &Laid, widths: &[f32], aligns: &[Align], y: f32) -> f32 {
        let mut x = MARGIN;
        let fill = row.heading.then(|| rgb::Color::new(229, 231, 235));
        for width in widths {
            self.rect(x, y, *width, row.height, fill);
            x += width;
        }
        let mut x = MARGIN;
        for ((lines, width), align) in row.cells.iter().zip(widths).zip(aligns) {
            for (i, line) in lines.iter().enumerate() {
                let baseline = y + PAD + (i + 1) as f32 * line_height(TABLE_SIZE) - 2.5;
                let room = width - 2.0 * PAD;
                let used = fonts::width(line, TABLE_SIZE, row.bold);
                let left = match align {
                    Align::Left => x + PAD,
                    Align::Right => x + PAD + room - used,
                    Align::Centre => x + PAD + (room - used) / 2.0,
                };
                self.text(left, baseline, TABLE_SIZE, row.bold, line);
            }
            x += width;
        }
        y + row.height
    }

    /// Lines of a bold label and its value from `y`; returns the y under them.
    fn labelled(&mut self, lines: &[(String, String)], mut y: f32) -> f32 {
        for (label, value) in lines {
            y += line_height(10.0);
            self.text(MARGIN, y, 10.0, true, &format!("{label}:"));
            let x = MARGIN + fonts::width(&format!("{label}: "), 10.0, true);
            self.text(x, y, 10.0, false, value);
        }
        y
    }

    /// Who prepared the report and who approved it: a title, the place
    /// and date line, and room for a signature and a name, side by side.
    fn signatures(&mut self, language: Language, y: f32) {
        let half = (PAGE_WIDTH - 2.0 * MARGIN) / 2.0;
        let date = msg!("print-place-date").render(language);
        self.centred(MARGIN + half, half, y + 10.0, 10.0, false, &date);
        for (i, who) in [msg!("print-prepared-by"), msg!("print-approved-by")]
            .iter()
            .enumerate()
        {
            let left = MARGIN + half * i as f32;
            self.centred(left, half, y + 28.0, 10.0, true, &who.render(language));
            let hint = msg!("print-sign-hint").render(language);
            self.centred(left, half, y + 42.0, 9.0, false, &hint);
        }
    }

    fn centred(&mut self, left: f32, width: f32, baseline: f32, size: f32, bold: bool, text: &str) {
        let x = left + (width - fonts::width(text, size, bold)) / 2.0;
        self.text(x, baseline, size, bold, text);
    }
}

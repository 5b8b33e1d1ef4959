//! The chart form of a report: an SVG written here (bars, a line of points
//! or stacked bars, against targets), and the same picture as a PNG drawn
//! from that SVG by `resvg` with the embedded font. A chart says what it
//! shows, for which association and year, and in which unit; a label too
//! long for its room is shortened, the full name kept in the `<title>` of
//! its bar or point (shown on hover, read by screen readers and tests).

use std::sync::{Arc, LazyLock};

use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};
use xmlwriter::XmlWriter;

use super::figures;
use super::fonts;
use crate::error::ApiError;
use crate::messages::{Language, Message};
use crate::msg;

pub const SVG: &str = "image/svg+xml";
pub const PNG: &str = "image/png";

const WIDTH: f32 = 960.0;
const HEIGHT: f32 = 540.0;
/// The PNG's pixels per SVG unit: sharp enough to print or project.
const PNG_SCALE: f32 = 2.0;
const LEFT: f32 = 84.0;
const RIGHT: f32 = 28.0;
const TOP: f32 = 104.0;
const LABEL_SIZE: f32 = 12.0;
const BAR_COLOUR: &str = "#2f6fb0";
const TARGET_COLOUR: &str = "#c0392b";
const MUTED: &str = "#6b7280";
/// The colours of stacked series, best first (Tốt, Khá, Trung bình, Chưa đạt).
const SERIES_COLOURS: [&str; 4] = ["#1b7f3b", "#5fb35f", "#f2b134", "#c9c9c9"];

/// How the vertical axis reads its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Fractions, shown as percentages.
    Percent,
    /// Counts.
    Count,
}

/// One bar: a child association and its value, against its own target.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub target: Option<f64>,
}

/// One point of a line: a year and its value, against the target due then.
#[derive(Debug, Clone)]
pub struct Point {
    pub year: i32,
    pub value: Option<f64>,
    pub target: Option<f64>,
}

/// One stacked bar: a child association and a count per series.
#[derive(Debug, Clone)]
pub struct Stack {
    pub label: String,
    pub counts: Vec<i64>,
}

#[derive(Debug, Clone)]
pub enum Plot {
    /// A bar per child, and the report's own target across them all.
    Bars {
        bars: Vec<Bar>,
        target: Option<(Message, f64)>,
    },
    /// A point per year, the targets as a dashed line.
    Line(Vec<Point>),
    /// A stacked bar per child, a segment per series (named in the legend).
    Stacked {
        series: Vec<Message>,
        stacks: Vec<Stack>,
    },
}

/// A chart before it is drawn: what it shows, and the data.
#[derive(Debug, Clone)]
pub struct Chart {
    /// What it shows.
    pub title: Message,
    /// For which association and year(s), and the unit.
    pub about: Message,
    pub unit: Unit,
    pub plot: Plot,
}

/// The chart as an SVG document in `language`.
pub fn svg(chart: &Chart, language: Language) -> String {
    Drawing::new(chart, language).finish()
}

/// The fonts the PNG is drawn with: the embedded ones alone.
static FONTS: LazyLock<Arc<fontdb::Database>> = LazyLock::new(|| {
    let mut fonts = fontdb::Database::new();
    fonts.load_font_data(fonts::REGULAR.to_vec());
    fonts.load_font_data(fonts::BOLD.to_vec());
    fonts.set_sans_serif_family("DejaVu Sans");
    Arc::new(fonts)
});

/// An SVG drawn as a PNG, `PNG_SCALE` pixels per unit, on white.
pub fn png(svg: &str) -> Result<Vec<u8>, ApiError> {
    let options = usvg::Options {
        font_family: "DejaVu Sans".to_owned(),
        fontdb: FONTS.clone(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(ApiError::internal)?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(PNG_SCALE)
        .ok_or_else(|| ApiError::internal("a chart of no size"))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| ApiError::internal("a chart of no size"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(PNG_SCALE, PNG_SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(ApiError::internal)
}

/// The axis' top: the least of 1, 2, 2.5 or 5 times a power of ten that
/// holds `max`.
fn axis_top(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * power)
}

/// The labels without the words they all begin with ("Hội Khuyến học …"),
/// which would fill every slot with the same text; the whole names stay in
/// the `<title>`s.
fn distinct_labels<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<String> {
    let words: Vec<Vec<&str>> = labels.map(|l| l.split_whitespace().collect()).collect();
    let shared = match words.as_slice() {
        [first, _, ..] => (0..first.len())
            .take_while(|&i| words.iter().all(|w| w.len() > i + 1 && w[i] == first[i]))
            .count(),
        _ => 0,
    };
    words.iter().map(|w| w[shared..].join(" ")).collect()
}

/// The drawing of one chart: the SVG written so far and the plot's frame.
struct Drawing<'a> {
    chart: &'a Chart,
    language: Language,
    svg: XmlWriter,
    /// The plot area's bottom, and the axis' top value.
    bottom: f32,
    top_value: f64,
}

impl<'a> Drawing<'a> {
    fn new(chart: &'a Chart, language: Language) -> Self {
        let mut svg = XmlWriter::new(xmlwriter::Options {
            indent: xmlwriter::Indent::None,
            attributes_indent: xmlwriter::Indent::None,
            ..xmlwriter::Options::default()
        });
        svg.start_element("svg");
        svg.write_attribute("xmlns", "http://www.w3.org/2000/svg");
        svg.write_attribute("width", &WIDTH);
        svg.write_attribute("height", &HEIGHT);
        svg.write_attribute_fmt("viewBox", format_args!("0 0 {WIDTH} {HEIGHT}"));
        svg.write_attribute("font-family", fonts::FAMILIES);
        svg.write_attribute("role", "img");
        svg.write_attribute("lang", language.tag());
        let title = chart.title.render(language);
        let about = chart.about.render(language);
        svg.start_element("title");
        svg.write_text(&format!("{title} — {about}"));
        svg.end_element();
        svg.start_element("rect");
        svg.write_attribute("width", &WIDTH);
        svg.write_attribute("height", &HEIGHT);
        svg.write_attribute("fill", "#ffffff");
        svg.end_element();
        let mut drawing = Drawing {
            chart,
            language,
            svg,
            bottom: HEIGHT - 56.0,
            top_value: 1.0,
        };
        drawing.text(LEFT - 60.0, 34.0, 20.0, "bold", "start", &title, None);
        drawing.text(LEFT - 60.0, 58.0, 13.0, "normal", "start", &about, None);
        drawing
    }

    fn finish(mut self) -> String {
        match &self.chart.plot {
            Plot::Bars { bars, target } => self.bars(bars, target.as_ref()),
            Plot::Line(points) => self.line(points),
            Plot::Stacked { series, stacks } => self.stacked(series, stacks),
        }
        self.svg.end_document()
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        weight: &str,
        anchor: &str,
        text: &str,
        rotate: Option<f32>,
    ) {
        self.svg.start_element("text");
        self.svg.write_attribute("x", &x);
        self.svg.write_attribute("y", &y);
        self.svg.write_attribute("font-size", &size);
        if weight != "normal" {
            self.svg.write_attribute("font-weight", weight);
        }
        self.svg.write_attribute("text-anchor", anchor);
        if let Some(angle) = rotate {
            self.svg
                .write_attribute_fmt("transform", format_args!("rotate({angle} {x} {y})"));
        }
        self.svg.write_text(text);
        self.svg.end_element();
    }

    fn line_element(&mut self, class: &str, from: (f32, f32), to: (f32, f32), colour: &str) {
        self.svg.start_element("line");
        self.svg.write_attribute("class", class);
        self.svg.write_attribute("x1", &from.0);
        self.svg.write_attribute("y1", &from.1);
        self.svg.write_attribute("x2", &to.0);
        self.svg.write_attribute("y2", &to.1);
        self.svg.write_attribute("stroke", colour);
        if class.starts_with("target") {
            self.svg.write_attribute("stroke-width", "2");
            self.svg.write_attribute("stroke-dasharray", "6 4");
        }
        self.svg.end_element();
    }

    /// `value` as the unit reads it.
    fn value_text(&self, value: f64) -> String {
        match self.chart.unit {
            Unit::Percent => figures::percent(value, self.language),
            Unit::Count => figures::decimal(value, 1, self.language),
        }
    }

    /// The y of `value`.
    fn y(&self, value: f64) -> f32 {
        let share = (value / self.top_value).clamp(0.0, 1.0) as f32;
        self.bottom - share * (self.bottom - TOP)
    }

    /// The frame for `count` categories: the space their labels need under
    /// the plot (turned when they are many), the axis up to `max`, its grid
    /// and labels. Returns the width of one category's slot.
    fn frame(&mut self, count: usize, max: f64) -> (f32, bool) {
        let slot = (WIDTH - LEFT - RIGHT) / count.max(1) as f32;
        let turned = slot < 90.0;
        self.bottom = if turned {
            HEIGHT - 150.0
        } else {
            HEIGHT - 56.0
        };
        self.top_value = axis_top(max);
        for step in 0..=5 {
            let value = self.top_value * f64::from(step) / 5.0;
            let y = self.y(value);
            let colour = if step == 0 { "#333333" } else { "#e5e7eb" };
            self.line_element("grid", (LEFT, y), (WIDTH - RIGHT, y), colour);
            let label = self.value_text(value);
            self.text(
                LEFT - 8.0,
                y + 4.0,
                LABEL_SIZE,
                "normal",
                "end",
                &label,
                None,
            );
        }
        (slot, turned)
    }

    /// The label of a category under its slot: on up to two lines, the
    /// rest shortened; turned and on one line when the slots are narrow.
    fn category_label(&mut self, centre: f32, slot: f32, turned: bool, label: &str) {
        if turned {
            let shown = fonts::shorten(label, LABEL_SIZE, 140.0);
            let y = self.bottom + 14.0;
            self.text(centre, y, LABEL_SIZE, "normal", "end", &shown, Some(-40.0));
            return;
        }
        let room = slot - 6.0;
        let mut lines = fonts::wrap(label, LABEL_SIZE, room, false);
        if lines.len() > 2 {
            let rest = lines[1..].join(" ");
            lines.truncate(1);
            lines.push(fonts::shorten(&rest, LABEL_SIZE, room));
        }
        self.svg.start_element("text");
        self.svg.write_attribute("x", &centre);
        self.svg.write_attribute("y", &(self.bottom + 18.0));
        self.svg.write_attribute("font-size", &LABEL_SIZE);
        self.svg.write_attribute("text-anchor", "middle");
        for (i, line) in lines.iter().enumerate() {
            self.svg.start_element("tspan");
            self.svg.write_attribute("x", &centre);
            self.svg
                .write_attribute("dy", if i == 0 { "0" } else { "1.2em" });
            self.svg.write_text(line);
            self.svg.end_element();
        }
        self.svg.end_element();
    }

    /// A legend entry at `x` on the legend's line; returns the next x.
    fn legend(&mut self, x: f32, colour: &str, dashed: bool, label: &str) -> f32 {
        let y = 82.0;
        if dashed {
            self.line_element("target-legend", (x, y - 4.0), (x + 22.0, y - 4.0), colour);
        } else {
            self.rect("legend", x, y - 10.0, 22.0, 10.0, colour);
        }
        self.text(x + 28.0, y, LABEL_SIZE, "normal", "start", label, None);
        x + 28.0 + fonts::width(label, LABEL_SIZE, false) + 22.0
    }

    fn rect(&mut self, class: &str, x: f32, y: f32, width: f32, height: f32, colour: &str) {
        self.svg.start_element("rect");
        self.svg.write_attribute("class", class);
        self.svg.write_attribute("x", &x);
        self.svg.write_attribute("y", &y);
        self.svg.write_attribute("width", &width.max(0.0));
        self.svg.write_attribute("height", &height.max(0.0));
        self.svg.write_attribute("fill", colour);
        self.svg.end_element();
    }

    /// A `<title>`: the full name and what is drawn for it.
    fn tooltip(&mut self, text: &str) {
        self.svg.start_element("title");
        self.svg.write_text(text);
        self.svg.end_element();
    }

    /// Opens the group of one bar or point, titled with its full name, its
    /// value and its own target; returns the value as shown.
    fn open_group(
        &mut self,
        class: &str,
        name: &str,
        value: Option<f64>,
        target: Option<f64>,
    ) -> String {
        self.svg.start_element("g");
        self.svg.write_attribute("class", class);
        let shown = value.map_or_else(|| self.no_data(), |v| self.value_text(v));
        let mut tip = format!("{name}: {shown}");
        if let Some(target) = target {
            let target = self.value_text(target);
            let said = msg!("chart-own-target", value = target).render(self.language);
            tip = format!("{tip} ({said})");
        }
        self.tooltip(&tip);
        shown
    }

    fn no_data(&self) -> String {
        msg!("chart-no-data").render(self.language)
    }

    fn bars(&mut self, bars: &[Bar], target: Option<&(Message, f64)>) {
        let max = bars
            .iter()
            .flat_map(|b| [b.value, b.target])
            .chain([target.map(|t| t.1)])
            .flatten()
            .fold(0.0, f64::max);
        let (slot, turned) = self.frame(bars.len(), max);
        let legend = self.legend(LEFT, BAR_COLOUR, false, &self.actual_label());
        if let Some((label, _)) = target {
            let label = label.render(self.language);
            self.legend(legend, TARGET_COLOUR, true, &label);
        }
        let labels = distinct_labels(bars.iter().map(|b| b.label.as_str()));
        for (i, (bar, label)) in bars.iter().zip(&labels).enumerate() {
            let x = LEFT + slot * i as f32;
            let centre = x + slot / 2.0;
            let width = (slot * 0.7).min(64.0);
            let shown = self.open_group("bar", &bar.label, bar.value, bar.target);
            let top = self.y(bar.value.unwrap_or(0.0));
            self.rect(
                "value",
                centre - width / 2.0,
                top,
                width,
                self.bottom - top,
                BAR_COLOUR,
            );
            if let Some(target) = bar.target {
                let y = self.y(target);
                let half = width / 2.0 + 4.0;
                self.line_element(
                    "target-own",
                    (centre - half, y),
                    (centre + half, y),
                    TARGET_COLOUR,
                );
            }
            if !turned {
                self.text(centre, top - 5.0, 11.0, "normal", "middle", &shown, None);
            }
            self.category_label(centre, slot, turned, label);
            self.svg.end_element();
        }
        if let Some((_, value)) = target {
            let y = self.y(*value);
            self.line_element("target", (LEFT, y), (WIDTH - RIGHT, y), TARGET_COLOUR);
        }
    }

    fn line(&mut self, points: &[Point]) {
        let max = points
            .iter()
            .flat_map(|p| [p.value, p.target])
            .flatten()
            .fold(0.0, f64::max);
        let (slot, _) = self.frame(points.len(), max);
        let legend = self.legend(LEFT, BAR_COLOUR, false, &self.actual_label());
        if points.iter().any(|p| p.target.is_some()) {
            let label = msg!("chart-target-legend").render(self.language);
            self.legend(legend, TARGET_COLOUR, true, &label);
        }
        let centre = |i: usize| LEFT + slot * i as f32 + slot / 2.0;
        let path = |values: &mut dyn Iterator<Item = (usize, Option<f64>)>, this: &Self| {
            values
                .filter_map(|(i, v)| v.map(|v| format!("{},{}", centre(i), this.y(v))))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let targets = path(&mut points.iter().map(|p| p.target).enumerate(), self);
        let values = path(&mut points.iter().map(|p| p.value).enumerate(), self);
        for (class, line, colour) in [
            ("target", targets, TARGET_COLOUR),
            ("values", values, BAR_COLOUR),
        ] {
            if line.is_empty() {
                continue;
            }
            self.svg.start_element("polyline");
            self.svg.write_attribute("class", class);
            self.svg.write_attribute("points", &line);
            self.svg.write_attribute("fill", "none");
            self.svg.write_attribute("stroke", colour);
            self.svg.write_attribute("stroke-width", "2.5");
            if class == "target" {
                self.svg.write_attribute("stroke-dasharray", "6 4");
            }
            self.svg.end_element();
        }
        for (i, point) in points.iter().enumerate() {
            let x = centre(i);
            let year = point.year.to_string();
            let shown = self.open_group("point", &year, point.value, point.target);
            let y = self.y(point.value.unwrap_or(0.0));
            self.svg.start_element("circle");
            self.svg.write_attribute("cx", &x);
            self.svg.write_attribute("cy", &y);
            self.svg.write_attribute("r", "5");
            let (fill, stroke) = match point.value {
                Some(_) => (BAR_COLOUR, BAR_COLOUR),
                None => ("#ffffff", MUTED),
            };
            self.svg.write_attribute("fill", fill);
            self.svg.write_attribute("stroke", stroke);
            self.svg.end_element();
            if point.value.is_some() && points.len() <= 16 {
                self.text(x, y - 10.0, 11.0, "normal", "middle", &shown, None);
            }
            self.category_label(x, slot, false, &point.year.to_string());
            self.svg.end_element();
        }
    }

    fn stacked(&mut self, series: &[Message], stacks: &[Stack]) {
        let max = stacks
            .iter()
            .map(|s| s.counts.iter().sum::<i64>())
            .max()
            .unwrap_or(0);
        let (slot, turned) = self.frame(stacks.len(), max as f64);
        let mut x = LEFT;
        let names: Vec<String> = series.iter().map(|s| s.render(self.language)).collect();
        for (i, name) in names.iter().enumerate() {
            x = self.legend(x, SERIES_COLOURS[i % SERIES_COLOURS.len()], false, name);
        }
        let labels = distinct_labels(stacks.iter().map(|s| s.label.as_str()));
        for (i, (stack, label)) in stacks.iter().zip(&labels).enumerate() {
            let centre = LEFT + slot * i as f32 + slot / 2.0;
            let width = (slot * 0.7).min(64.0);
            self.svg.start_element("g");
            self.svg.write_attribute("class", "bar");
            let parts: Vec<String> = names
                .iter()
                .zip(&stack.counts)
                .map(|(name, n)| format!("{name} {}", figures::whole(*n, self.language)))
                .collect();
            self.tooltip(&format!("{}: {}", stack.label, parts.join(", ")));
            let mut below = 0;
            for (s, count) in stack.counts.iter().enumerate() {
                let bottom = self.y(below as f64);
                below += count;
                let top = self.y(below as f64);
                let colour = SERIES_COLOURS[s % SERIES_COLOURS.len()];
                self.rect(
                    "segment",
                    centre - width / 2.0,
                    top,
                    width,
                    bottom - top,
                    colour,
                );
            }
            self.category_label(centre, slot, turned, label);
            self.svg.end_element();
        }
    }

    /// The legend of the bars or points: what was reached.
    fn actual_label(&self) -> String {
        msg!("chart-actual").render(self.language)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_drop_the_words_every_name_begins_with() {
        let names = [
            "Hội Khuyến học huyện Trấn Yên",
            "Hội Khuyến học thị xã Nghĩa Lộ",
        ];
        assert_eq!(
            distinct_labels(names.iter().copied()),
            ["huyện Trấn Yên", "thị xã Nghĩa Lộ"]
        );
        // A name is never emptied, and one name is kept whole.
        let same = ["Xã An Bình", "Xã An Bình"];
        assert_eq!(distinct_labels(same.iter().copied()), ["Bình", "Bình"]);
        assert_eq!(
            distinct_labels(["Xã An Bình"].iter().copied()),
            ["Xã An Bình"]
        );
    }

    #[test]
    fn the_axis_ends_at_a_round_value_above_the_largest() {
        assert_eq!(axis_top(0.261), 0.5);
        assert_eq!(axis_top(0.4), 0.5);
        assert_eq!(axis_top(19.0), 20.0);
        assert_eq!(axis_top(0.0), 1.0);
        assert_eq!(axis_top(1.0), 1.0);
    }
}

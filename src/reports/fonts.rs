//! The typeface of charts and printed reports: DejaVu Sans (regular and
//! bold), embedded in the binary so that Vietnamese renders the same on
//! every machine, with no system fonts (its licence is `fonts/LICENSE`).
//! Text is measured with the font's own advances, to shorten a label or
//! wrap a table cell where it will be drawn.

use std::sync::LazyLock;

pub const REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
pub const BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

/// The family charts name first; the others cover Vietnamese too, for an
/// SVG opened where DejaVu is not installed.
pub const FAMILIES: &str = "'DejaVu Sans', 'Noto Sans', Arial, sans-serif";

/// The width of each character the fonts draw, in units of the em.
struct Advances {
    per_em: f32,
    face: ttf_parser::Face<'static>,
}

impl Advances {
    fn of(data: &'static [u8]) -> Advances {
        let face = ttf_parser::Face::parse(data, 0).expect("the embedded font parses");
        Advances {
            per_em: f32::from(face.units_per_em()),
            face,
        }
    }

    fn width(&self, text: &str) -> f32 {
        let fallback = self.face.glyph_index('?');
        text.chars()
            .filter_map(|c| self.face.glyph_index(c).or(fallback))
            .filter_map(|glyph| self.face.glyph_hor_advance(glyph))
            .map(f32::from)
            .sum::<f32>()
            / self.per_em
    }
}

static REGULAR_ADVANCES: LazyLock<Advances> = LazyLock::new(|| Advances::of(REGULAR));
static BOLD_ADVANCES: LazyLock<Advances> = LazyLock::new(|| Advances::of(BOLD));

/// The width of `text` set at `size`, in the units of `size`.
pub fn width(text: &str, size: f32, bold: bool) -> f32 {
    let advances = if bold {
        &*BOLD_ADVANCES
    } else {
        &*REGULAR_ADVANCES
    };
    advances.width(text) * size
}

/// `text` as it fits in `room`: whole, or cut at a character and ended
/// with an ellipsis.
pub fn shorten(text: &str, size: f32, room: f32) -> String {
    if width(text, size, false) <= room {
        return text.to_owned();
    }
    let mut kept = String::new();
    for c in text.chars() {
        kept.push(c);
        if width(&kept, size, false) + width("…", size, false) > room {
            kept.pop();
            break;
        }
    }
    format!("{}…", kept.trim_end())
}

/// `text` in lines no wider than `room`: broken between words, and inside
/// a word too long for a line of its own.
pub fn wrap(text: &str, size: f32, room: f32, bold: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let joined = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(&joined, size, bold) <= room {
                line = joined;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                line.push(c);
                if width(&line, size, bold) > room && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::replace(&mut line, c.to_string()));
                }
            }
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_draws_every_vietnamese_letter() {
        let face = ttf_parser::Face::parse(REGULAR, 0).unwrap();
        for c in "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
            .chars()
            .flat_map(|c| [c, c.to_uppercase().next().unwrap()])
        {
            assert!(face.glyph_index(c).is_some(), "no glyph for {c}");
        }
    }

    #[test]
    fn a_long_name_is_shortened_to_its_room_and_a_short_one_kept() {
        let name = "Hội Khuyến học xã Nghĩa Lộ, thị xã Nghĩa Lộ, tỉnh Yên Bái";
        assert_eq!(shorten("Hội Khuyến học", 12.0, 400.0), "Hội Khuyến học");
        let short = shorten(name, 12.0, 120.0);
        assert!(short.ends_with('…') && width(&short, 12.0, false) <= 120.0);
        assert!(name.starts_with(short.trim_end_matches('…')));
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let text = "Huyện ủy, UBND huyện ban hành và thực hiện kế hoạch xây dựng xã hội học tập";
        let lines = wrap(text, 9.0, 100.0, false);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| width(l, 9.0, false) <= 100.0));
        assert_eq!(lines.join(" "), text);
    }
}

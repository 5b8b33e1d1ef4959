//! Numbers as people read them on a chart or a printed page, in the
//! reader's language: Vietnamese groups thousands with `.` and writes
//! decimals with `,` (23.793; 26,1 %), English the other way round.

use crate::messages::Language;

fn separators(language: Language) -> (char, char) {
    match language {
        Language::Vi => ('.', ','),
        Language::En => (',', '.'),
    }
}

/// A whole number with its thousands grouped.
pub fn whole(n: i64, language: Language) -> String {
    let (group, _) = separators(language);
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// A number with at most `places` decimals, trailing zeros dropped.
pub fn decimal(x: f64, places: usize, language: Language) -> String {
    let (_, point) = separators(language);
    let fixed = format!("{:.*}", places, x.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let frac = frac.trim_end_matches('0');
    let int: i64 = int.parse().unwrap_or(0);
    let sign = if x < 0.0 && (int != 0 || !frac.is_empty()) {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{}", whole(int, language))
    } else {
        format!("{sign}{}{point}{frac}", whole(int, language))
    }
}

/// A fraction as a percentage with one decimal (`0.261` → `26,1 %` / `26.1%`).
pub fn percent(fraction: f64, language: Language) -> String {
    let number = decimal(fraction * 100.0, 1, language);
    match language {
        Language::Vi => format!("{number} %"),
        Language::En => format!("{number}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_each_language_writes_them() {
        assert_eq!(whole(23793, Language::Vi), "23.793");
        assert_eq!(whole(1_000_000, Language::En), "1,000,000");
        assert_eq!(whole(-512, Language::Vi), "-512");
        assert_eq!(percent(0.261, Language::Vi), "26,1 %");
        assert_eq!(percent(0.35, Language::En), "35%");
        assert_eq!(decimal(17.0, 2, Language::Vi), "17");
        assert_eq!(decimal(0.9368, 3, Language::Vi), "0,937");
        assert_eq!(decimal(-0.0001, 2, Language::En), "0");
    }
}

//! Text handling shared by every resource: cleaning user input and folding
//! Vietnamese for accent-insensitive search.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::error::FieldError;

/// Folds text for search: lower case, diacritics removed, `đ` → `d`, runs of
/// white space made one space. "Trấn Yên", "TRẤN YÊN" and "tran yen" all fold
/// to "tran yen". Computed in Rust so both backends search alike.
pub fn fold(text: &str) -> String {
    let stripped: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The LIKE pattern that finds `q` anywhere in a folded search column:
/// folded like the column, with LIKE's wildcards taken literally (escape `\\`).
pub fn contains_pattern(q: &str) -> String {
    let folded = fold(q)
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{folded}%")
}

/// Cleans one line of user text: NFC-normalised and trimmed, not empty, no
/// control characters, at most `max_chars` characters.
pub fn single_line(pointer: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    let value: String = value.trim().nfc().collect();
    if value.is_empty() {
        return Err(FieldError::new(pointer, "REQUIRED", "must not be empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            pointer,
            "INVALID_CHARACTERS",
            "must not contain control characters (line breaks, tabs, NUL)",
        ));
    }
    let length = value.chars().count();
    if length > max_chars {
        return Err(FieldError::new(
            pointer,
            "TOO_LONG",
            format!("must be at most {max_chars} characters (is {length})"),
        ));
    }
    Ok(value)
}

/// Cleans optional free text that may span lines (descriptions, notes):
/// NFC, trimmed, blank counts as absent, no control characters but line
/// breaks and tabs, at most `max_chars` characters.
pub fn optional_text(
    pointer: &str,
    value: Option<String>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    let Some(value) = value else { return Ok(None) };
    let value: String = value.trim().nfc().collect();
    if value.is_empty() {
        return Ok(None);
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            pointer,
            "INVALID_CHARACTERS",
            "must not contain control characters",
        ));
    }
    let length = value.chars().count();
    if length > max_chars {
        return Err(FieldError::new(
            pointer,
            "TOO_LONG",
            format!("must be at most {max_chars} characters (is {length})"),
        ));
    }
    Ok(Some(value))
}

/// Checks a stable machine key (`code`, `edition`): 1 to `max` ASCII letters,
/// digits, '.', '_' or '-', starting with a letter or digit.
pub fn machine_code(pointer: &str, code: &str, max: usize) -> Result<(), FieldError> {
    let mut chars = code.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if first_ok && rest_ok && code.len() <= max {
        Ok(())
    } else {
        Err(FieldError::new(
            pointer,
            "INVALID_CODE",
            format!("must be 1 to {max} ASCII letters, digits, '.', '_' or '-', starting with a letter or digit"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_and_diacritics() {
        assert_eq!(fold("Trấn Yên"), "tran yen");
        assert_eq!(fold("TRẤN YÊN"), "tran yen");
        assert_eq!(fold("  Tran   Yen "), "tran yen");
        assert_eq!(fold("Đồng Đăng"), "dong dang");
        assert_eq!(fold("Hội Khuyến học Lào Cai"), "hoi khuyen hoc lao cai");
    }

    #[test]
    fn search_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("Trấn Yên"), "%tran yen%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn folding_matches_decomposed_input() {
        // "ấ" typed as a + combining circumflex + combining acute.
        assert_eq!(fold("Tra\u{0302}\u{0301}n"), "tran");
    }

    #[test]
    fn codes_are_machine_keys() {
        for good in ["15", "08170", "HKH-YB", "a.b_c", "2021-pilot"] {
            assert!(machine_code("/code", good, 32).is_ok(), "{good}");
        }
        for bad in ["", "-15", "mã", "a b", &"1".repeat(33)] {
            assert!(machine_code("/code", bad, 32).is_err(), "{bad}");
        }
    }

    #[test]
    fn free_text_keeps_line_breaks() {
        assert_eq!(
            optional_text("/d", Some(" a\nb ".into()), 10)
                .unwrap()
                .as_deref(),
            Some("a\nb")
        );
        assert_eq!(optional_text("/d", Some("  ".into()), 10).unwrap(), None);
        assert!(optional_text("/d", Some("a\u{0}".into()), 10).is_err());
    }

    #[test]
    fn single_line_text_is_cleaned_and_checked() {
        assert_eq!(single_line("/name", "  Trấn Yên ", 10).unwrap(), "Trấn Yên");
        assert_eq!(
            single_line("/name", "Tra\u{0302}\u{0301}n", 10).unwrap(),
            "Trấn"
        );
        assert_eq!(
            single_line("/name", "   ", 10).unwrap_err().code,
            "REQUIRED"
        );
        assert_eq!(
            single_line("/name", "a\u{0}b", 10).unwrap_err().code,
            "INVALID_CHARACTERS"
        );
        assert_eq!(single_line("/name", "ấấấ", 2).unwrap_err().code, "TOO_LONG");
    }
}

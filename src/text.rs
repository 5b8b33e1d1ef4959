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

/// Whether `c` makes text look like something else: it is invisible, or it
/// reorders what is shown (bidirectional controls, as in "Trojan Source"),
/// or it breaks a line without being a line break. A name holding one can
/// pass for another name, or show a different code, in every list and file
/// it appears in; no Vietnamese text needs any of them.
pub fn is_deceptive(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                 // soft hyphen
        | '\u{034F}'               // combining grapheme joiner
        | '\u{061C}'               // Arabic letter mark
        | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
        | '\u{180E}'               // Mongolian vowel separator
        | '\u{200B}'..='\u{200F}'   // zero-width space, (non-)joiner, direction marks
        | '\u{2028}'..='\u{202E}'   // line and paragraph separators, bidi embeddings and overrides
        | '\u{2060}'..='\u{206F}'   // word joiner, invisible operators, bidi isolates
        | '\u{FE00}'..='\u{FE0F}'   // variation selectors
        | '\u{FEFF}'               // byte-order mark, zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotations
        | '\u{E0000}'..='\u{E007F}' // tags
    )
}

/// The first character `allowed` refuses, as a field error naming it.
fn refuse_characters(
    pointer: &str,
    value: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), FieldError> {
    match value.chars().find(|c| !allowed(*c)) {
        None => Ok(()),
        Some(c) => Err(FieldError::new(
            pointer,
            "INVALID_CHARACTERS",
            format!(
                "must not contain control, invisible or text-direction characters \
                 (found U+{:04X})",
                u32::from(c)
            ),
        )),
    }
}

/// Cleans one line of user text: NFC-normalised and trimmed, not empty, no
/// control characters and nothing [`is_deceptive`], at most `max_chars` characters.
pub fn single_line(pointer: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    let value: String = value.trim().nfc().collect();
    if value.is_empty() {
        return Err(FieldError::new(pointer, "REQUIRED", "must not be empty"));
    }
    refuse_characters(pointer, &value, |c| !c.is_control() && !is_deceptive(c))?;
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
/// breaks and tabs, nothing [`is_deceptive`], at most `max_chars` characters.
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
    refuse_characters(pointer, &value, |c| {
        (!c.is_control() || matches!(c, '\n' | '\r' | '\t')) && !is_deceptive(c)
    })?;
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

    #[test]
    fn invisible_and_direction_characters_are_refused() {
        for bad in [
            "abc\u{202E}fed",     // right-to-left override
            "Trấn\u{200B}Yên",    // zero-width space
            "\u{FEFF}Trấn Yên",   // byte-order mark (not white space: trim keeps it)
            "a\u{2028}b",         // line separator
            "a\u{2066}b\u{2069}", // bidi isolate
            "a\u{00AD}b",         // soft hyphen
        ] {
            let error = single_line("/name", bad, 100).unwrap_err();
            assert_eq!(error.code, "INVALID_CHARACTERS", "{bad:?}");
            assert!(error.detail.contains("U+"), "{}", error.detail);
            assert_eq!(
                optional_text("/note", Some(bad.into()), 100)
                    .unwrap_err()
                    .code,
                "INVALID_CHARACTERS",
                "{bad:?}"
            );
        }
        // Vietnamese, typed composed or decomposed, is kept (as NFC).
        assert_eq!(
            single_line("/name", "Tra\u{0302}\u{0301}n Ye\u{0302}n", 100).unwrap(),
            "Trấn Yên"
        );
    }
}

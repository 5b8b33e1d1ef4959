//! Text handling shared by every resource: cleaning user input and folding
//! Vietnamese for accent-insensitive search.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::error::FieldError;
use crate::msg;

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

/// Characters that make text look like something else: invisible ones, ones
/// that reorder what is shown (bidirectional controls, as in "Trojan
/// Source") and ones that break a line without being a line break. A name
/// holding one can pass for another name, or show a different code, in every
/// list and file it appears in; no Vietnamese text needs any of them.
const DECEPTIVE: [(char, char); 15] = [
    ('\u{00AD}', '\u{00AD}'), // soft hyphen
    ('\u{034F}', '\u{034F}'), // combining grapheme joiner
    ('\u{061C}', '\u{061C}'), // Arabic letter mark
    ('\u{115F}', '\u{1160}'), // Hangul fillers
    ('\u{180E}', '\u{180E}'), // Mongolian vowel separator
    ('\u{200B}', '\u{200F}'), // zero-width space, (non-)joiner, direction marks
    ('\u{2028}', '\u{202E}'), // line and paragraph separators, bidi embeddings and overrides
    ('\u{2060}', '\u{206F}'), // word joiner, invisible operators, bidi isolates
    ('\u{3164}', '\u{3164}'), // Hangul filler
    ('\u{FE00}', '\u{FE0F}'), // variation selectors
    ('\u{FEFF}', '\u{FEFF}'), // byte-order mark, zero-width no-break space
    ('\u{FFA0}', '\u{FFA0}'), // halfwidth Hangul filler
    ('\u{FFF9}', '\u{FFFB}'), // interlinear annotations
    // Controls (general category Cc): refused in every text, but the line
    // breaks and tab of multi-line text (see `refused_in_text`).
    ('\u{0000}', '\u{001F}'),
    ('\u{007F}', '\u{009F}'),
];

/// Whether `c` is refused in one line of text: a control character or one
/// that makes text look like something else.
pub fn refused_in_line(c: char) -> bool {
    DECEPTIVE
        .iter()
        .any(|(first, last)| (*first..=*last).contains(&c))
}

/// Whether `c` is refused in multi-line text: as in a line, but for line
/// breaks and tabs.
pub fn refused_in_text(c: char) -> bool {
    refused_in_line(c) && !matches!(c, '\n' | '\r' | '\t')
}

/// The JSON Schema character class (ECMA-262 syntax, which Python's `re`
/// reads alike) of what `refused` refuses, for the OpenAPI document.
fn class_of(refused: fn(char) -> bool) -> String {
    let mut class = String::new();
    let mut push = |first: u32, last: u32| {
        class.push_str(&format!("\\u{first:04X}"));
        if last > first {
            class.push_str(&format!("-\\u{last:04X}"));
        }
    };
    let mut run: Option<(u32, u32)> = None;
    for code in 0..=0xFFFF_u32 {
        let refused = char::from_u32(code).is_some_and(refused);
        run = match (run, refused) {
            (Some((first, last)), true) if last + 1 == code => Some((first, code)),
            (Some((first, last)), _) => {
                push(first, last);
                refused.then_some((code, code))
            }
            (None, true) => Some((code, code)),
            (None, false) => None,
        };
    }
    if let Some((first, last)) = run {
        push(first, last);
    }
    class
}

/// The pattern of a required line ([`single_line`]): refused characters
/// nowhere, and something besides white space.
pub fn line_pattern() -> String {
    let refused = class_of(refused_in_line);
    format!("^[^{refused}]*[^\\s{refused}][^{refused}]*$")
}

/// The pattern of an optional line ([`optional_line`]): blank is absent.
pub fn optional_line_pattern() -> String {
    format!("^[^{}]*$", class_of(refused_in_line))
}

/// The pattern of multi-line text ([`optional_text`]).
pub fn text_pattern() -> String {
    format!("^[^{}]*$", class_of(refused_in_text))
}

/// Checks text as sent: at most `max_chars` characters (counted before any
/// cleaning, as JSON Schema's `maxLength` counts them), and none `refused`.
fn check(
    pointer: &str,
    value: &str,
    max_chars: usize,
    refused: fn(char) -> bool,
) -> Result<(), FieldError> {
    let length = value.chars().count();
    if length > max_chars {
        return Err(FieldError::new(
            pointer,
            "TOO_LONG",
            msg!("too-long", max = max_chars, length = length),
        ));
    }
    match value.chars().find(|c| refused(*c)) {
        None => Ok(()),
        Some(c) => Err(FieldError::new(
            pointer,
            "INVALID_CHARACTERS",
            msg!(
                "invalid-characters",
                found = format!("U+{:04X}", u32::from(c))
            ),
        )),
    }
}

/// Trimmed and NFC-normalised.
fn clean(value: &str) -> String {
    value.trim().nfc().collect()
}

/// Cleans one line of user text: at most `max_chars` characters, nothing
/// [`refused_in_line`], then trimmed and NFC-normalised, and not empty.
pub fn single_line(pointer: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    check(pointer, value, max_chars, refused_in_line)?;
    let value = clean(value);
    if value.is_empty() {
        return Err(FieldError::new(pointer, "REQUIRED", msg!("text-empty")));
    }
    Ok(value)
}

/// An optional line of text, checked as [`single_line`]; blank counts as absent.
pub fn optional_line(
    pointer: &str,
    value: Option<String>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    let Some(value) = value else { return Ok(None) };
    check(pointer, &value, max_chars, refused_in_line)?;
    let value = clean(&value);
    Ok((!value.is_empty()).then_some(value))
}

/// Cleans optional free text that may span lines (descriptions, notes): at
/// most `max_chars` characters, nothing [`refused_in_text`], then trimmed and
/// NFC-normalised; blank counts as absent.
pub fn optional_text(
    pointer: &str,
    value: Option<String>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    let Some(value) = value else { return Ok(None) };
    check(pointer, &value, max_chars, refused_in_text)?;
    let value = clean(&value);
    Ok((!value.is_empty()).then_some(value))
}

/// The white space that trimming removes and no text refuses, as a class.
const TRIMMED_SPACE: &str = "[ \\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]";

/// The longest telephone number, in characters as sent.
pub const PHONE_MAX: usize = 20;

/// The pattern of [`optional_phone`].
pub fn phone_pattern() -> String {
    format!("^{TRIMMED_SPACE}*(\\+?[ .()-]*([0-9][ .()-]*){{3,15}})?{TRIMMED_SPACE}*$")
}

/// An optional telephone number, checked as [`optional_line`] (blank is
/// absent), then: 3 to 15 digits, spaces, '.', '-', '(' and ')', and an
/// optional leading '+'.
pub fn optional_phone(pointer: &str, value: Option<String>) -> Result<Option<String>, FieldError> {
    let Some(phone) = optional_line(pointer, value, PHONE_MAX)? else {
        return Ok(None);
    };
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let body = phone.strip_prefix('+').unwrap_or(&phone);
    if (3..=15).contains(&digits)
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || " .()-".contains(c))
    {
        Ok(Some(phone))
    } else {
        Err(FieldError::new(
            pointer,
            "INVALID_PHONE",
            msg!("invalid-phone"),
        ))
    }
}

/// The pattern of [`machine_code`].
pub const CODE_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]*$";

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
            msg!("invalid-code", max = max),
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
        assert_eq!(single_line("/name", "  Trấn Yên ", 11).unwrap(), "Trấn Yên");
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

    /// The document's pattern, in the syntax of the regex crate.
    fn regex(pattern: &str) -> regex::Regex {
        let mut out = String::new();
        let mut rest = pattern;
        while let Some(i) = rest.find("\\u") {
            out.push_str(&rest[..i]);
            out.push_str(&format!("\\x{{{}}}", &rest[i + 2..i + 6]));
            rest = &rest[i + 6..];
        }
        out.push_str(rest);
        regex::Regex::new(&out).unwrap()
    }

    #[test]
    fn the_documented_patterns_say_what_the_checks_do() {
        let (line, optional, text) = (
            regex(&line_pattern()),
            regex(&optional_line_pattern()),
            regex(&text_pattern()),
        );
        for code in 0..=0xFFFF_u32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            for value in [format!("a{c}b"), format!("{c}"), format!(" {c} ")] {
                assert_eq!(
                    single_line("/x", &value, 10).is_ok(),
                    line.is_match(&value),
                    "line U+{code:04X} in {value:?}"
                );
                assert_eq!(
                    optional_line("/x", Some(value.clone()), 10).is_ok(),
                    optional.is_match(&value),
                    "optional line U+{code:04X}"
                );
                assert_eq!(
                    optional_text("/x", Some(value.clone()), 10).is_ok(),
                    text.is_match(&value),
                    "text U+{code:04X}"
                );
            }
        }
    }

    #[test]
    fn the_phone_pattern_says_what_the_check_does() {
        let pattern = regex(&phone_pattern());
        let alphabet = ['1', '+', ' ', '(', '.', 'a', '\u{3000}', '\t', '\u{202E}'];
        let mut values = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = values
                .iter()
                .filter(|v| v.chars().count() == values.last().map_or(0, |l| l.chars().count()))
                .flat_map(|v| alphabet.iter().map(move |c| format!("{v}{c}")))
                .collect();
            values.extend(longer);
        }
        for value in values
            .iter()
            .chain(&["+84 (216) 385-2222".to_owned(), "1".repeat(16)])
        {
            assert_eq!(
                optional_phone("/phone", Some(value.clone())).is_ok(),
                pattern.is_match(value),
                "{value:?}"
            );
        }
        // What trimming removes and no text refuses is the class the pattern names.
        let trimmed = regex(&format!("^{TRIMMED_SPACE}$"));
        for code in 0..=0xFFFF_u32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            assert_eq!(
                c.is_whitespace() && !refused_in_line(c),
                trimmed.is_match(&c.to_string()),
                "U+{code:04X}"
            );
        }
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
            assert!(error.detail().contains("U+"), "{}", error.detail());
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

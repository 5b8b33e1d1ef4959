//! The catalogue's own checks: both languages hold the same messages with
//! the same arguments, every message the code names is there, and the
//! Vietnamese is Vietnamese.

use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast;

use super::*;

/// Each message of a catalogue with the arguments it uses.
fn messages(language: Language) -> BTreeMap<String, BTreeSet<String>> {
    let resource = fluent_syntax::parser::parse(language.source())
        .unwrap_or_else(|(_, errors)| panic!("{}.ftl does not parse: {errors:?}", language.tag()));
    let mut messages = BTreeMap::new();
    for entry in resource.body {
        match entry {
            ast::Entry::Message(message) => {
                let mut arguments = BTreeSet::new();
                if let Some(pattern) = &message.value {
                    pattern_arguments(pattern, &mut arguments);
                }
                let id = message.id.name.to_owned();
                assert!(
                    messages.insert(id.clone(), arguments).is_none(),
                    "{id} is twice in {}.ftl",
                    language.tag()
                );
            }
            ast::Entry::Junk { content } => {
                panic!("{}.ftl cannot read: {content}", language.tag())
            }
            _ => {}
        }
    }
    messages
}

fn pattern_arguments(pattern: &ast::Pattern<&str>, arguments: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_arguments(expression, arguments);
        }
    }
}

fn expression_arguments(expression: &ast::Expression<&str>, arguments: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Inline(inline) => inline_arguments(inline, arguments),
        ast::Expression::Select { selector, variants } => {
            inline_arguments(selector, arguments);
            for variant in variants {
                pattern_arguments(&variant.value, arguments);
            }
        }
    }
}

fn inline_arguments(inline: &ast::InlineExpression<&str>, arguments: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            arguments.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => {
            expression_arguments(expression, arguments)
        }
        _ => {}
    }
}

#[test]
fn every_message_has_both_languages_with_the_same_arguments() {
    let english = messages(Language::En);
    let vietnamese = messages(Language::Vi);
    let ids = |m: &BTreeMap<String, BTreeSet<String>>| m.keys().cloned().collect::<BTreeSet<_>>();
    let only_english: Vec<_> = ids(&english)
        .difference(&ids(&vietnamese))
        .cloned()
        .collect();
    let only_vietnamese: Vec<_> = ids(&vietnamese)
        .difference(&ids(&english))
        .cloned()
        .collect();
    assert!(
        only_english.is_empty(),
        "no Vietnamese for {only_english:?}"
    );
    assert!(
        only_vietnamese.is_empty(),
        "no English for {only_vietnamese:?}"
    );
    for (id, arguments) in &english {
        assert_eq!(arguments, &vietnamese[id], "the arguments of {id} differ");
    }
    assert!(english.len() > 250, "{} messages", english.len());
}

#[test]
fn the_vietnamese_is_in_nfc() {
    use unicode_normalization::UnicodeNormalization;
    let source = Language::Vi.source();
    for (number, line) in source.lines().enumerate() {
        let nfc: String = line.nfc().collect();
        assert_eq!(line, nfc, "line {} of vi.ftl is not NFC", number + 1);
    }
}

/// Every `.rs` file under `src/`, with its text.
fn sources() -> Vec<(std::path::PathBuf, String)> {
    fn walk(dir: &std::path::Path, files: &mut Vec<(std::path::PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                files.push((path, text));
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files
}

#[test]
fn every_message_the_code_names_is_in_the_catalogue() {
    let catalogue = messages(Language::En);
    let named = regex::Regex::new(
        r#"(?x)
        msg!\(\s*"([a-z0-9-]+)"
        | Message::new\(\s*"([a-z0-9-]+)"\)
        | message:\s*"([a-z0-9-]+)"
        | NOUN:\s*&'static\s+str\s*=\s*"([a-z0-9-]+)"
        | "((?:title|db|level|subject|set-status|assessment-status|done|csv|column|sheet)-[a-z0-9-]+)"
        "#,
    )
    .unwrap();
    let mut missing = Vec::new();
    let mut count = 0;
    for (path, text) in sources() {
        for found in named.captures_iter(&text) {
            let id = (1..=5).find_map(|i| found.get(i)).unwrap().as_str();
            count += 1;
            if !catalogue.contains_key(id) {
                missing.push(format!("{}: {id}", path.display()));
            }
        }
    }
    assert!(missing.is_empty(), "not in the catalogue: {missing:#?}");
    assert!(count > 250, "{count} messages named");
}

#[test]
fn every_message_of_the_catalogue_is_used() {
    let code: String = sources()
        .into_iter()
        .filter(|(path, _)| !path.ends_with("messages/tests.rs"))
        .map(|(_, text)| text)
        .collect();
    let unused: Vec<String> = messages(Language::En)
        .into_keys()
        .filter(|id| !code.contains(&format!("\"{id}\"")))
        .collect();
    assert!(unused.is_empty(), "no code says {unused:?}");
}

#[test]
fn messages_are_said_with_their_arguments_in_each_language() {
    let one = crate::msg!("fields-invalid", count = 1);
    assert_eq!(one.render(Language::En), "1 field is invalid");
    assert_eq!(one.render(Language::Vi), "Có 1 trường chưa hợp lệ");
    let three = crate::msg!("fields-invalid", count = 3);
    assert_eq!(three.render(Language::En), "3 fields are invalid");
    let nested = crate::msg!("not-found", what = crate::msg!("noun-association"));
    assert_eq!(nested.render(Language::En), "the association was not found");
    assert_eq!(nested.render(Language::Vi), "Không tìm thấy hội");
}

#[test]
fn accept_language_is_negotiated_by_weight() {
    let negotiate = |header| Language::negotiate(Some(header), Language::En);
    assert_eq!(Language::negotiate(None, Language::En), Language::En);
    assert_eq!(Language::negotiate(None, Language::Vi), Language::Vi);
    assert_eq!(negotiate("vi"), Language::Vi);
    assert_eq!(negotiate("vi-VN"), Language::Vi);
    assert_eq!(negotiate("VI"), Language::Vi);
    assert_eq!(negotiate("en"), Language::En);
    assert_eq!(negotiate("fr"), Language::En);
    assert_eq!(negotiate("*"), Language::En);
    assert_eq!(negotiate("fr, vi;q=0.5, en;q=0.4"), Language::Vi);
    assert_eq!(negotiate("en;q=0.3, vi;q=0.9"), Language::Vi);
    assert_eq!(negotiate("vi;q=0.5, en;q=0.5"), Language::Vi);
    assert_eq!(negotiate("en;q=0, *"), Language::Vi);
    assert_eq!(negotiate("vi;q=0"), Language::En);
    assert_eq!(negotiate("vi;q=2"), Language::En);
    assert_eq!(negotiate(""), Language::En);
}

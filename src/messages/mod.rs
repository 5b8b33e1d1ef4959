//! The message catalogue: every sentence the service says to a person, in
//! every language it offers, kept in Fluent files (`en.ftl`, `vi.ftl`) beside
//! this module.
//!
//! Code never writes a sentence: it names a message and its arguments
//! ([`msg!`]), and the sentence is made when the answer is rendered, in the
//! language the request negotiated ([`Language::negotiate`]). Codes (a
//! problem's `code`, a field error's `code`) are not messages: they are the
//! stable keys programs branch on and never change with the language.

mod columns;

pub use columns::column_heading;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;

/// A language the service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// English: what a request that asks for no language gets.
    #[default]
    En,
    /// Vietnamese.
    Vi,
}

impl Language {
    /// Every language offered, in the order the documentation lists them.
    pub const ALL: [Language; 2] = [Language::Vi, Language::En];

    /// The language's tag, as `Content-Language` says it.
    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Vi => "vi",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Language::En => include_str!("en.ftl"),
            Language::Vi => include_str!("vi.ftl"),
        }
    }

    /// The language an `Accept-Language` header asks for (RFC 9110 §12.5.4):
    /// the offered language with the highest weight, a range matching by
    /// its primary subtag (`vi-VN` is `vi`), `*` meaning `default` unless
    /// that is refused with `q=0`. `default` when nothing offered is asked for
    /// or the header cannot be read.
    pub fn negotiate(header: Option<&str>, default: Language) -> Language {
        let Some(header) = header else {
            return default;
        };
        let mut ranges: Vec<(&str, u16)> = Vec::new();
        for item in header.split(',') {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or_default().trim();
            if range.is_empty() {
                continue;
            }
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
                .map_or(Some(1000), quality);
            match weight {
                Some(weight) => ranges.push((range, weight)),
                None => return default,
            }
        }
        // A stable sort: equal weights keep the order the client listed.
        ranges.sort_by_key(|&(_, weight)| std::cmp::Reverse(weight));
        let offered = |range: &str| {
            let primary = range.split(['-', '_']).next().unwrap_or_default();
            Language::ALL
                .into_iter()
                .find(|l| l.tag().eq_ignore_ascii_case(primary))
        };
        let refused = |language: Language| {
            ranges
                .iter()
                .any(|&(range, weight)| weight == 0 && offered(range) == Some(language))
        };
        for &(range, weight) in &ranges {
            if weight == 0 {
                break;
            }
            if range == "*" {
                let mut any = std::iter::once(default).chain(Language::ALL);
                if let Some(language) = any.find(|&l| !refused(l)) {
                    return language;
                }
            } else if let Some(language) = offered(range) {
                return language;
            }
        }
        default
    }
}

/// A weight (`q=0.8`) in thousandths; `None` when it is not one.
fn quality(text: &str) -> Option<u16> {
    let value: f64 = text.trim().parse().ok()?;
    ((0.0..=1.0).contains(&value) && text.trim().len() <= 5)
        .then_some((value * 1000.0).round() as u16)
}

/// A message of the catalogue with its arguments: a sentence to be.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    id: &'static str,
    args: Vec<(&'static str, Arg)>,
}

/// An argument of a message: text (a name, a value the client sent), a
/// number, or another message (a noun, a clause) said in the same language.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Number(f64),
    Message(Box<Message>),
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(value.to_owned())
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Text(value)
    }
}

impl From<&String> for Arg {
    fn from(value: &String) -> Self {
        Arg::Text(value.clone())
    }
}

impl From<Message> for Arg {
    fn from(value: Message) -> Self {
        Arg::Message(Box::new(value))
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(value: $t) -> Self {
                Arg::Number(value as f64)
            }
        }
    )*};
}
number_args!(i16, i32, i64, u8, u16, u32, u64, usize, f64);

/// A [`Message`]: `msg!("too-long", max = 200, length = n)`.
#[macro_export]
macro_rules! msg {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::messages::Message::new($id)$(.arg(stringify!($name), $value))*
    };
}

impl Message {
    pub fn new(id: &'static str) -> Self {
        Message {
            id,
            args: Vec::new(),
        }
    }

    /// This message with one more argument.
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The value of an argument, when it is text or a number.
    pub fn text_arg(&self, name: &str) -> Option<String> {
        self.args
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, a)| match a {
                Arg::Text(text) => Some(text.clone()),
                Arg::Number(n) => Some(n.to_string()),
                Arg::Message(_) => None,
            })
    }

    /// The sentence in `language`. A message the catalogue lacks (the
    /// catalogue test keeps that from shipping) is said as its id.
    pub fn render(&self, language: Language) -> String {
        let bundle = bundle(language);
        let Some(pattern) = bundle.get_message(self.id).and_then(|m| m.value()) else {
            log::error!(
                "message {} is not in the {} catalogue",
                self.id,
                language.tag()
            );
            return self.id.to_owned();
        };
        let mut args = FluentArgs::new();
        for (name, value) in &self.args {
            let value = match value {
                Arg::Text(text) => FluentValue::from(text.as_str()),
                Arg::Number(n) => FluentValue::from(*n),
                Arg::Message(inner) => FluentValue::from(inner.render(language)),
            };
            args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
        if !errors.is_empty() {
            log::error!("message {} in {}: {errors:?}", self.id, language.tag());
        }
        text.into_owned()
    }
}

/// The catalogue of one language, parsed once.
fn bundle(language: Language) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: [OnceLock<FluentBundle<FluentResource>>; Language::ALL.len()] =
        [const { OnceLock::new() }; Language::ALL.len()];
    BUNDLES[language as usize].get_or_init(|| {
        let resource = FluentResource::try_new(language.source().to_owned())
            .unwrap_or_else(|(_, errors)| panic!("{}.ftl: {errors:?}", language.tag()));
        let tag = language.tag().parse().expect("a language tag");
        let mut bundle = FluentBundle::new_concurrent(vec![tag]);
        // No Unicode isolation marks around arguments: the text goes into JSON
        // and CSV that programs read, not only into bidirectional layouts.
        bundle.set_use_isolating(false);
        bundle
            .add_resource(resource)
            .unwrap_or_else(|errors| panic!("{}.ftl: {errors:?}", language.tag()));
        bundle
    })
}

#[cfg(test)]
mod tests;

//! Keyset (cursor) paging shared by every list (AIP-158).
//!
//! A page token is opaque to clients: base64url of the last row's sort key
//! and id, plus a fingerprint of the filters and sort it was made for, so a
//! token reused with other filters is refused instead of skipping rows.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::messages::Message;
use crate::msg;

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page, in the requested order.
    pub items: Vec<T>,
    /// Pass as `page_token` to get the next page; null on the last page.
    #[schema(max_length = 4096)]
    pub next_page_token: Option<String>,
    /// How many items match the filters, over all pages; only with `include_total=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_size: Option<i64>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_page_token: self.next_page_token,
            total_size: self.total_size,
        }
    }
}

/// One key of a sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: &'static str,
    pub descending: bool,
}

/// Parses `sort=name,-code` against the fields a list allows. The id is
/// always the final tie-break and is not named here.
pub fn parse_sort(
    raw: Option<&str>,
    allowed: &[&'static str],
    default: &str,
) -> Result<Vec<SortKey>, ApiError> {
    let raw = raw.unwrap_or(default);
    let mut keys: Vec<SortKey> = Vec::new();
    for part in raw.split(',') {
        let (name, descending) = match part.strip_prefix('-') {
            Some(name) => (name, true),
            None => (part, false),
        };
        let field = allowed.iter().find(|f| **f == name).ok_or_else(|| {
            ApiError::bad_parameter(
                "sort",
                "INVALID_SORT",
                msg!("sort-unknown", sent = part, allowed = allowed.join(", ")),
            )
        })?;
        if keys.iter().any(|k| k.field == *field) {
            return Err(ApiError::bad_parameter(
                "sort",
                "INVALID_SORT",
                msg!("sort-twice", field = *field),
            ));
        }
        keys.push(SortKey { field, descending });
    }
    Ok(keys)
}

/// Where the previous page ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort-key values of the last row, in sort order.
    #[serde(rename = "k")]
    pub keys: Vec<String>,
    /// The id of the last row.
    #[serde(rename = "i")]
    pub id: String,
    #[serde(rename = "f")]
    fingerprint: String,
}

/// A validated page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub size: u32,
    pub after: Option<Cursor>,
    fingerprint: String,
}

impl PageRequest {
    /// `fingerprint_of` is every filter and the sort, in a fixed order.
    pub fn new(
        page_size: Option<u32>,
        page_token: Option<&str>,
        fingerprint_of: &str,
    ) -> Result<Self, ApiError> {
        let size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(ApiError::bad_parameter(
                "page_size",
                "INVALID_PAGE_SIZE",
                msg!("page-size", max = MAX_PAGE_SIZE),
            ));
        }
        let digest = Sha256::digest(fingerprint_of.as_bytes());
        let fingerprint = URL_SAFE_NO_PAD.encode(&digest[..9]);
        let after = match page_token {
            None | Some("") => None,
            Some(token) => {
                let invalid =
                    |why: Message| ApiError::bad_parameter("page_token", "INVALID_PAGE_TOKEN", why);
                let cursor: Cursor = URL_SAFE_NO_PAD
                    .decode(token)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                    .filter(|cursor: &Cursor| {
                        !cursor
                            .keys
                            .iter()
                            .chain([&cursor.id])
                            .any(|k| k.chars().any(char::is_control))
                    })
                    .ok_or_else(|| invalid(msg!("page-token-foreign")))?;
                if cursor.fingerprint != fingerprint {
                    return Err(invalid(msg!("page-token-other-list")));
                }
                Some(cursor)
            }
        };
        Ok(Self {
            size,
            after,
            fingerprint,
        })
    }

    /// Where the previous page ended, for a list sorted by one key and the id:
    /// the key parsed as `T` and the id; 400 for a token whose key is not a `T`.
    pub fn after_single_key<T: std::str::FromStr>(&self) -> Result<Option<(T, String)>, ApiError> {
        let Some(cursor) = &self.after else {
            return Ok(None);
        };
        match cursor.keys.as_slice() {
            [key] => match key.parse() {
                Ok(key) => Ok(Some((key, cursor.id.clone()))),
                Err(_) => Err(foreign_token()),
            },
            _ => Err(foreign_token()),
        }
    }

    /// How many rows to fetch: one more than a page, to learn whether another follows.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.size) + 1
    }

    /// The page made of `rows` (fetched with [`Self::fetch_limit`]): the extra
    /// row is cut off, and the token for the next page is made from the last
    /// row kept.
    pub fn finish<R>(
        &self,
        mut rows: Vec<R>,
        cursor_of: impl Fn(&R) -> (Vec<String>, String),
    ) -> Page<R> {
        let mut next_page_token = None;
        if rows.len() > self.size as usize {
            rows.truncate(self.size as usize);
            next_page_token = rows.last().map(|last| {
                let (keys, id) = cursor_of(last);
                let cursor = Cursor {
                    keys,
                    id,
                    fingerprint: self.fingerprint.clone(),
                };
                URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
            });
        }
        Page {
            items: rows,
            next_page_token,
            total_size: None,
        }
    }
}

fn foreign_token() -> ApiError {
    ApiError::bad_parameter(
        "page_token",
        "INVALID_PAGE_TOKEN",
        msg!("page-token-foreign"),
    )
}

/// A page as JSON, with `Link: <…>; rel="next"` when another page follows.
pub fn page_response<T: Serialize>(req: &HttpRequest, page: Page<T>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some(token) = &page.next_page_token {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
            if name != "page_token" {
                query.append_pair(&name, &value);
            }
        }
        query.append_pair("page_token", token);
        let link = format!("<{}?{}>; rel=\"next\"", req.path(), query.finish());
        response.insert_header((header::LINK, link));
    }
    response.json(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_accepts_allowed_fields_in_both_directions() {
        let keys = parse_sort(Some("-code,name"), &["name", "code"], "name").unwrap();
        assert_eq!(
            keys,
            vec![
                SortKey {
                    field: "code",
                    descending: true
                },
                SortKey {
                    field: "name",
                    descending: false
                }
            ]
        );
        assert!(parse_sort(Some("population"), &["name"], "name").is_err());
        assert!(parse_sort(Some("name,-name"), &["name"], "name").is_err());
        assert!(parse_sort(Some(""), &["name"], "name").is_err());
    }

    #[test]
    fn page_size_is_bounded() {
        assert!(PageRequest::new(Some(0), None, "").is_err());
        assert!(PageRequest::new(Some(501), None, "").is_err());
        assert_eq!(PageRequest::new(None, None, "").unwrap().size, 50);
    }

    #[test]
    fn a_token_only_serves_the_filters_it_was_made_for() {
        let first = PageRequest::new(Some(1), None, "level=commune").unwrap();
        let page = first.finish(vec![1, 2], |n| (vec![n.to_string()], n.to_string()));
        assert_eq!(page.items, vec![1]);
        let token = page.next_page_token.unwrap();
        let again = PageRequest::new(Some(1), Some(&token), "level=commune").unwrap();
        assert_eq!(again.after.unwrap().id, "1");
        assert!(PageRequest::new(Some(1), Some(&token), "level=district").is_err());
        assert!(PageRequest::new(Some(1), Some("garbage"), "level=commune").is_err());
    }
}

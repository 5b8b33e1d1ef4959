//! Messages in the reader's language (`Accept-Language`), and messages that
//! say what to do next.

use std::collections::BTreeSet;

use futures_util::future::join_all;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_invalid, assert_problem, english_in, spawn_app};
use khuyenhoc::auth::Role;
use khuyenhoc::messages::{Language, Message};

/// The catalogue's message ids with their arguments, from its source.
fn catalogue(language: &str) -> Vec<(String, BTreeSet<String>)> {
    let path = format!("{}/src/messages/{language}.ftl", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(path).unwrap();
    let arguments = regex::Regex::new(r"\{\s*\$([a-z_]+)").unwrap();
    let mut messages: Vec<(String, BTreeSet<String>)> = Vec::new();
    for line in source.lines() {
        if let Some((id, _)) = line
            .split_once(" = ")
            .filter(|_| !line.starts_with(['#', ' ']))
        {
            messages.push((id.to_owned(), BTreeSet::new()));
        }
        if let Some((_, found)) = messages.last_mut() {
            for argument in arguments.captures_iter(line) {
                found.insert(argument[1].to_owned());
            }
        }
    }
    messages
}

#[test]
fn no_vietnamese_message_says_an_english_sentence() {
    let messages = catalogue("vi");
    assert!(messages.len() > 250, "{} messages", messages.len());
    for (id, arguments) in messages {
        let mut message = Message::new(Box::leak(id.clone().into_boxed_str()));
        for argument in arguments {
            message = message.arg(Box::leak(argument.into_boxed_str()), 2);
        }
        let text = message.render(Language::Vi);
        assert!(!text.is_empty() && text != id, "{id} says nothing");
        let english = english_in(&text);
        assert!(english.is_empty(), "{id}: {text:?} has {english:?}");
    }
}

/// The problem of `request` sent with `accept` as `Accept-Language`
/// (none: no header at all), with its `Content-Language`.
async fn in_language(
    request: impl Fn() -> reqwest::RequestBuilder,
    accept: Option<&str>,
) -> (Value, String) {
    let mut request = request();
    // The suites' client asks for Vietnamese; an explicit header replaces it,
    // and "none" is sent by a client without that default.
    if let Some(accept) = accept {
        request = request.header("Accept-Language", accept);
    }
    let (client, request) = request.build_split();
    let request = request.unwrap();
    let response = match accept {
        Some(_) => client.execute(request).await.unwrap(),
        None => {
            let mut bare = request;
            bare.headers_mut().remove("accept-language");
            reqwest::Client::new().execute(bare).await.unwrap()
        }
    };
    let language = header(&response, "content-language");
    let vary = header(&response, "vary");
    assert!(
        vary.to_lowercase().contains("accept-language"),
        "Vary: {vary}"
    );
    (response.json().await.unwrap(), language)
}

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Every sentence of a problem: title, detail, each field's detail.
fn sentences(problem: &Value) -> Vec<String> {
    let mut sentences = vec![
        problem["title"].as_str().unwrap().to_owned(),
        problem["detail"].as_str().unwrap().to_owned(),
    ];
    for error in problem["errors"].as_array().into_iter().flatten() {
        sentences.push(error["detail"].as_str().unwrap().to_owned());
    }
    sentences
}

#[actix_web::test]
async fn refusals_are_said_in_the_language_asked_for_and_codes_stay() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    let district_path = format!("/api/v1/associations/{}", district["id"].as_str().unwrap());
    let commune = app
        .create_association("08171", "Xã Minh Quân", "commune", Some(&district))
        .await;
    let editor = app.issue_token("xã", Role::Editor, Some(&commune), None);
    let scoped = app.with_token(&editor);
    let base = app.address.clone();
    type Request = Box<dyn Fn() -> reqwest::RequestBuilder>;
    let refusals: Vec<(&str, Request)> = vec![
        ("VALIDATION_FAILED", {
            let app = app.clone();
            Box::new(move || {
                app.request(Method::POST, "/api/v1/associations")
                    .json(&json!({"code": "", "name": "", "level": "hamlet"}))
            })
        }),
        ("NOT_FOUND", {
            let app = app.clone();
            Box::new(move || {
                app.request(
                    Method::GET,
                    "/api/v1/associations/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
                )
            })
        }),
        ("DUPLICATE_CODE", {
            let app = app.clone();
            Box::new(move || {
                app.request(Method::POST, "/api/v1/associations")
                    .json(&json!({"code": "08170", "name": "Trùng mã", "level": "district"}))
            })
        }),
        ("PRECONDITION_FAILED", {
            let (app, path) = (app.clone(), district_path.clone());
            Box::new(move || {
                app.request(Method::PATCH, &path)
                    .header("Content-Type", "application/merge-patch+json")
                    .header("If-Match", "\"99\"")
                    .body(r#"{"name": "Huyện Trấn Yên mới"}"#)
            })
        }),
        ("OUTSIDE_SCOPE", {
            let scoped = scoped.clone();
            Box::new(move || {
                scoped
                    .request(Method::POST, "/api/v1/associations")
                    .json(&json!({"code": "T1", "name": "Tỉnh mới", "level": "province"}))
            })
        }),
        ("MISSING_TOKEN", {
            let client = app.client.clone();
            Box::new(move || client.get(format!("{base}/api/v1/associations")))
        }),
    ];
    for (code, request) in &refusals {
        let (vietnamese, language) = in_language(request, Some("vi-VN, vi;q=0.9")).await;
        assert_eq!(language, "vi", "{code}");
        assert_eq!(vietnamese["code"], *code, "{vietnamese}");
        for sentence in sentences(&vietnamese) {
            assert!(english_in(&sentence).is_empty(), "{code}: {sentence}");
        }
        // What a frontend shows an officer reads as Vietnamese.
        assert!(
            sentences(&vietnamese).iter().any(|s| s
                .chars()
                .any(|c| "ạảãàáâậầấẩẫăắằặẳẵđêềếệểễôồốộổỗơờớợởỡưừứựửữ".contains(c))),
            "{vietnamese}"
        );
        for accept in [Some("en"), Some("*"), None, Some("fr"), Some("vi;q=0, fr")] {
            let (english, language) = in_language(request, accept).await;
            assert_eq!(language, "en", "{code} with {accept:?}");
            assert_eq!(english["code"], *code);
            assert_eq!(english["type"], vietnamese["type"]);
            let codes = |p: &Value| {
                p["errors"].as_array().map(|e| {
                    e.iter()
                        .map(|e| (e["pointer"].clone(), e["code"].clone()))
                        .collect::<Vec<_>>()
                })
            };
            assert_eq!(codes(&english), codes(&vietnamese), "{code}");
            assert_ne!(sentences(&english), sentences(&vietnamese), "{code}");
        }
    }
}

#[actix_web::test]
async fn an_if_match_that_is_not_a_strong_etag_is_told_the_form_wanted() {
    let app = spawn_app().await;
    let created = app
        .create_association("15", "Tỉnh Yên Bái", "province", None)
        .await;
    let path = format!("/api/v1/associations/{}", created["id"].as_str().unwrap());
    for sent in ["1", "W/\"1\""] {
        let response = app
            .request(Method::PATCH, &path)
            .header("Accept-Language", "en")
            .header("Content-Type", "application/merge-patch+json")
            .header("If-Match", sent)
            .body(r#"{"name": "Tỉnh Yên Bái mới"}"#)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(
            response,
            StatusCode::PRECONDITION_FAILED,
            "PRECONDITION_FAILED",
        )
        .await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("If-Match: \"1\""), "{sent}: {detail}");
        assert!(
            detail.contains("double quotes") && detail.contains("weak"),
            "{detail}"
        );
    }
    // A stale but well-formed tag is told the record changed.
    let stale = app
        .patch_json(&path, &json!({"name": "Tỉnh Yên Bái mới"}), Some("\"7\""))
        .await;
    let problem = assert_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("\"1\""),
        "{problem}"
    );
    let kept: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(kept["version"], 1);
}

#[actix_web::test]
async fn a_code_where_an_id_belongs_is_told_ids_are_uuids_and_where_to_search() {
    let app = spawn_app().await;
    let created = app
        .create_association("15", "Tỉnh Yên Bái", "province", None)
        .await;
    let response = app
        .request(Method::GET, "/api/v1/associations/15")
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::NOT_FOUND, "NOT_FOUND").await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("UUID"), "{detail}");
    let search = "/api/v1/associations?q=15";
    assert!(detail.contains(search), "{detail}");
    // The search the answer names finds the association meant.
    let found = app.list(search).await;
    assert_eq!(found[0]["id"], created["id"]);
    // A collection without `?q=` points to its list instead.
    let response = app.get("/api/v1/tokens/abc").await;
    let problem = assert_problem(response, StatusCode::NOT_FOUND, "NOT_FOUND").await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("/api/v1/tokens") && !detail.contains("?q="),
        "{detail}"
    );
}

#[actix_web::test]
async fn every_wrongly_typed_member_is_reported_at_once() {
    let app = spawn_app().await;
    let body = json!({"code": 15, "name": ["Yên Bái"], "level": "hamlet",
                      "parent_id": "not-an-id", "founded_on": "yesterday", "colour": "red"});
    let response = app.post_json("/api/v1/associations", &body).await;
    // One error per member, in the order of their names.
    let problem = assert_invalid(
        response,
        &[
            ("/code", "INVALID_VALUE"),
            ("/colour", "UNKNOWN_FIELD"),
            ("/founded_on", "INVALID_VALUE"),
            ("/level", "INVALID_VALUE"),
            ("/name", "INVALID_VALUE"),
            ("/parent_id", "INVALID_VALUE"),
        ],
    )
    .await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 6);
    assert!(app.list("/api/v1/associations").await.is_empty());
}

#[actix_web::test]
async fn a_birth_year_sent_as_text_is_told_the_years_accepted() {
    use chrono::Datelike;
    let app = spawn_app().await;
    let commune = app
        .create_association("08171", "Xã Minh Quân", "commune", None)
        .await;
    let this_year = chrono::Utc::now().year();
    for birth_year in [json!("1985"), json!(1985.5)] {
        let response = app
            .request(Method::POST, "/api/v1/citizens")
            .header("Accept-Language", "en")
            .json(
                &json!({"full_name": "Nguyễn Thị Hoa", "birth_year": birth_year,
                          "association_id": commune["id"]}),
            )
            .send()
            .await
            .unwrap();
        let problem = assert_invalid(response, &[("/birth_year", "INVALID_VALUE")]).await;
        let detail = problem["errors"][0]["detail"].as_str().unwrap();
        assert_eq!(
            detail,
            format!("must be a whole number from 1900 to {this_year}")
        );
    }
    // Out of range, as a number: the same years, with the rules' own code.
    let response = app
        .post_json(
            "/api/v1/citizens",
            &json!({"full_name": "Nguyễn Thị Hoa", "birth_year": 1850,
                    "association_id": commune["id"]}),
        )
        .await;
    let problem = assert_invalid(response, &[("/birth_year", "OUT_OF_RANGE")]).await;
    let detail = problem["errors"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("1900") && detail.contains(&this_year.to_string()),
        "{detail}"
    );
}

#[actix_web::test]
async fn an_unknown_member_is_told_the_members_to_send_not_those_only_read() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/api/v1/associations")
        .header("Accept-Language", "en")
        .json(&json!({"code": "15", "name": "Yên Bái", "level": "province", "nmae": "x"}))
        .send()
        .await
        .unwrap();
    let problem = assert_invalid(response, &[("/nmae", "UNKNOWN_FIELD")]).await;
    let detail = problem["errors"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("code") && detail.contains("parent_id"),
        "{detail}"
    );
    for read_only in [
        "version",
        "created_at",
        "updated_at",
        "ancestor_ids",
        "depth",
    ] {
        assert!(!detail.contains(read_only), "{detail}");
    }
    assert!(
        !detail.contains(" id,") && !detail.ends_with(" id"),
        "{detail}"
    );
}

#[actix_web::test]
async fn the_service_address_leads_to_its_documentation() {
    let app = spawn_app().await;
    let response = app.anonymous(Method::GET, "/").send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(header(&response, "location"), "/docs/");
    let response = app.get("/no/such/path").await;
    let problem = assert_problem(response, StatusCode::NOT_FOUND, "NOT_FOUND").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("/docs"),
        "{problem}"
    );
}

/// One condition, one code: a code taken is `DUPLICATE_CODE` whether the
/// check before the write finds the holder or the database refuses a racing
/// twin's write (PostgreSQL lets them race; SQLite has one writer).
#[actix_web::test]
async fn racing_duplicates_are_refused_with_one_code() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    for round in 0..3 {
        let code = format!("X{round}");
        let posts = (0..25).map(|i| {
            let (app, code) = (app.clone(), code.clone());
            let parent = district["id"].clone();
            async move {
                let body = json!({"code": code, "name": format!("Xã {i}"), "level": "commune",
                                  "parent_id": parent});
                app.post_json("/api/v1/associations", &body).await
            }
        });
        let units = (0..25).map(|i| {
            let (app, code) = (app.clone(), code.clone());
            let district = district["id"].clone();
            async move {
                let body = json!({"code": code, "name": format!("Trường {i}"), "kind": "school",
                                  "association_id": district});
                app.post_json("/api/v1/units", &body).await
            }
        });
        let (posts, units) = futures_util::join!(join_all(posts), join_all(units));
        for responses in [posts, units] {
            let mut created = 0;
            let mut refused = Vec::new();
            for response in responses {
                match response.status() {
                    StatusCode::CREATED => created += 1,
                    _ => {
                        let problem: Value = response.json().await.unwrap();
                        refused.push(problem["code"].as_str().unwrap().to_owned());
                    }
                }
            }
            assert_eq!(created, 1, "{refused:?}");
            assert_eq!(refused.len(), 24);
            assert!(
                refused.iter().all(|code| code == "DUPLICATE_CODE"),
                "{refused:?}"
            );
        }
    }
}

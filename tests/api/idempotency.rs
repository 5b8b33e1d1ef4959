//! `Idempotency-Key` on POST: a retry gets the first answer, the change is
//! made once.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};

async fn post_with_key(app: &TestApp, path: &str, key: &str, body: &Value) -> reqwest::Response {
    app.request(Method::POST, path)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn unit_events(app: &TestApp) -> usize {
    let feed: Value = app
        .get("/api/v1/changes?types=unit")
        .await
        .json()
        .await
        .unwrap();
    feed["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn a_retry_with_the_same_key_gets_the_first_answer_and_writes_once() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let body = json!({"name": "Trường A", "kind": "school", "association_id": commune["id"]});
    let first = post_with_key(&app, "/api/v1/units", "key-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let location = first.headers()["location"].clone();
    let created: Value = first.json().await.unwrap();

    let retry = post_with_key(&app, "/api/v1/units", "key-1", &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.headers()["location"], location);
    assert_eq!(retry.headers()["etag"], "\"1\"");
    let replayed: Value = retry.json().await.unwrap();
    assert_eq!(replayed, created);
    assert_eq!(app.list("/api/v1/units").await.len(), 1);
    assert_eq!(unit_events(&app).await, 1);

    // The same key with another body is a mistake, not a retry.
    let other = json!({"name": "Trường B", "kind": "school", "association_id": commune["id"]});
    let reused = post_with_key(&app, "/api/v1/units", "key-1", &other).await;
    assert_problem(
        reused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "IDEMPOTENCY_KEY_REUSED",
    )
    .await;
    // Keys are the token's own: another token's same key is another request.
    let editor = app.issue_token(
        "editor",
        khuyenhoc::auth::Role::Editor,
        Some(&commune),
        None,
    );
    let theirs = post_with_key(&app.with_token(&editor), "/api/v1/units", "key-1", &other).await;
    assert_eq!(theirs.status(), StatusCode::CREATED);
    assert_eq!(app.list("/api/v1/units").await.len(), 2);
}

#[actix_web::test]
async fn concurrent_requests_with_one_key_write_once() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    for round in 0..5 {
        let body = json!({"name": format!("Trường {round}"), "kind": "school", "association_id": commune["id"]});
        let key = format!("same-key-{round}");
        let attempts = (0..8).map(|_| post_with_key(&app, "/api/v1/units", &key, &body));
        let answers = futures_util::future::join_all(attempts).await;
        let mut fresh = 0;
        for answer in answers {
            match answer.status() {
                StatusCode::CREATED if answer.headers().get("idempotent-replayed").is_none() => {
                    fresh += 1
                }
                StatusCode::CREATED => {}
                StatusCode::CONFLICT => {
                    let retry_after = answer.headers().contains_key("retry-after");
                    let problem =
                        assert_problem(answer, StatusCode::CONFLICT, "IDEMPOTENCY_KEY_IN_FLIGHT")
                            .await;
                    assert!(retry_after, "{problem}");
                }
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(fresh, 1, "round {round}");
    }
    assert_eq!(app.list("/api/v1/units").await.len(), 5);
    assert_eq!(unit_events(&app).await, 5);
}

#[actix_web::test]
async fn an_import_retried_with_its_key_is_not_run_again() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let csv = format!(
        "name,kind,association_id\nTrường A,school,{}\n",
        commune["id"].as_str().unwrap()
    );
    let send = || {
        app.request(Method::POST, "/api/v1/imports/units")
            .header("Idempotency-Key", "nightly-2026-11-27")
            .header("Content-Type", "text/csv")
            .body(csv.clone())
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(first["created"], 1);
    let retry = send().await.unwrap();
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let replayed: Value = retry.json().await.unwrap();
    assert_eq!(replayed, first);
    // Without a code there is no natural key: a second run would have made a twin.
    assert_eq!(app.list("/api/v1/units").await.len(), 1);
}

#[actix_web::test]
async fn keys_the_service_cannot_keep_are_refused() {
    let app = spawn_app().await;
    let body = json!({"code": "15", "name": "Yên Bái", "level": "province"});
    for key in ["", &"k".repeat(256), "with space", "khóa"] {
        let response = app
            .request(Method::POST, "/api/v1/associations")
            .header("Idempotency-Key", key.as_bytes())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST, "INVALID_IDEMPOTENCY_KEY").await;
    }
    let token = post_with_key(
        &app,
        "/api/v1/tokens",
        "k",
        &json!({"name": "x", "role": "admin"}),
    )
    .await;
    assert_problem(token, StatusCode::BAD_REQUEST, "IDEMPOTENCY_NOT_SUPPORTED").await;
    assert!(app.list("/api/v1/associations").await.is_empty());
    // The key is documented on every POST but the one that issues tokens.
    let document = app.document().await;
    for (path, item) in document["paths"].as_object().unwrap() {
        if let Some(post) = item.get("post") {
            let has_key = post["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
            assert_eq!(has_key, !path.ends_with("/tokens"), "{path}");
        }
    }
}

#[actix_web::test]
async fn a_keyed_body_is_held_no_longer_than_its_handler_would_take() {
    let app = spawn_app().await;
    let big = json!({"code": "15", "name": "x".repeat(2 << 20), "level": "province"});
    let refused = post_with_key(&app, "/api/v1/associations", "big", &big).await;
    assert_problem(refused, StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE").await;
}

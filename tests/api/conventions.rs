//! The conventions every endpoint keeps: problem documents, content types,
//! body limits, request ids.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let response = app
        .request(reqwest::Method::POST, "/api/v1/associations")
        .header("Content-Type", "application/json")
        .body("{\"code\": \"15\",")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "MALFORMED_JSON").await;
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    let app = spawn_app().await;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = app
            .request(reqwest::Method::POST, "/api/v1/associations")
            .body(json!({"code": "15", "name": "Yên Bái", "level": "province"}).to_string());
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_problem(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        )
        .await;
    }
    assert!(app.list("/api/v1/associations").await.is_empty());
}

#[actix_web::test]
async fn a_body_over_one_mebibyte_is_a_413_problem() {
    let app = spawn_app().await;
    let name = "a".repeat(1024 * 1024 + 1);
    let body = json!({"code": "15", "name": name, "level": "province"});
    let response = app.post_json("/api/v1/associations", &body).await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE").await;
}

#[actix_web::test]
async fn a_wrong_type_in_the_body_is_a_422_pointing_at_the_member() {
    let app = spawn_app().await;
    let body = json!({"code": "15", "name": "Yên Bái", "level": "village"});
    let response = app.post_json("/api/v1/associations", &body).await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/level");
    let response = app.post_json("/api/v1/associations", &json!([1, 2])).await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    let response = app
        .post_json(
            "/api/v1/associations",
            &json!({"name": "x", "level": "province"}),
        )
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/code");
    assert_eq!(problem["errors"][0]["code"], "REQUIRED");
}

#[actix_web::test]
async fn an_array_where_an_object_belongs_is_a_422_and_changes_nothing() {
    let app = spawn_app().await;
    let created = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let path = format!("/api/v1/associations/{}", created["id"].as_str().unwrap());
    let etag = format!("\"{}\"", created["version"]);
    // serde would read `[]` as an empty patch and `[code, name]` as a
    // struct's fields in order; the schema says object.
    for body in [json!([]), json!(["16", "Lào Cai"])] {
        let response = app.patch_json(&path, &body, Some(&etag)).await;
        let problem = assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
        )
        .await;
        assert_eq!(
            problem["errors"][0]["detail"],
            "Phải là một đối tượng JSON, không phải một mảng"
        );
    }
    let kept: serde_json::Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(kept["version"], created["version"]);
    assert_eq!(kept["name"], "Yên Bái");
}

#[actix_web::test]
async fn an_unknown_path_is_a_404_problem() {
    let app = spawn_app().await;
    let problem = assert_problem(
        app.get("/api/v1/nothing-here").await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    assert_eq!(problem["instance"], "/api/v1/nothing-here");
}

#[actix_web::test]
async fn the_request_id_is_echoed_or_made_and_appears_in_problems() {
    let app = spawn_app().await;
    let response = app
        .request(reqwest::Method::GET, "/api/v1/associations/unknown")
        .header("X-Request-Id", "sync-job-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "sync-job-42");
    let problem = assert_problem(response, StatusCode::NOT_FOUND, "NOT_FOUND").await;
    assert_eq!(problem["request_id"], "sync-job-42");

    let response = app.get("/healthz").await;
    let made = response.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(made).is_ok(), "{made}");

    // An id that is not safe to log is replaced.
    let response = app
        .request(reqwest::Method::GET, "/healthz")
        .header("X-Request-Id", "a b\tc")
        .send()
        .await
        .unwrap();
    assert_ne!(response.headers()["x-request-id"], "a b\tc");
}

#[actix_web::test]
async fn responses_tell_browsers_not_to_sniff() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/associations").await;
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

#[actix_web::test]
async fn a_method_a_path_does_not_answer_is_a_405_with_allow() {
    let app = spawn_app().await;
    let response = app.delete("/api/v1/associations", None).await;
    assert_eq!(response.headers()["allow"], "GET, POST");
    assert_problem(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
    )
    .await;
    let response = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/associations/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, PATCH, DELETE");
    assert_problem(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
    )
    .await;
}

#[actix_web::test]
async fn nul_bytes_anywhere_are_refused_never_a_server_error() {
    let app = spawn_app().await;
    for query in ["q=%00", "parent_id=%00", "ancestor_id=a%00", "sort=name%00"] {
        let response = app.get(&format!("/api/v1/associations?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    assert_problem(
        app.get("/api/v1/associations/%00").await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    let body = json!({"code": "1", "name": "x", "level": "commune", "parent_id": "\u{0}"});
    let response = app.post_json("/api/v1/associations", &body).await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    // A forged page token carrying a NUL.
    let forged = base64_url(r#"{"k":["a\u0000"],"i":"x","f":"y"}"#);
    let response = app
        .get(&format!("/api/v1/associations?page_token={forged}"))
        .await;
    assert_problem(response, StatusCode::BAD_REQUEST, "INVALID_PAGE_TOKEN").await;
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

//! The OpenAPI document as client generators and fuzzers read it: one type
//! per thing, every rule stated, every operation described and linked.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_invalid, assert_problem, spawn_app};

/// Every string schema below `value` (properties, items) with where it is.
fn strings<'a>(value: &'a Value, at: String, found: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            let types: Vec<&str> = match &map.get("type") {
                Some(Value::String(t)) => vec![t.as_str()],
                Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if types.contains(&"string") && !map.contains_key("enum") {
                found.push((at.clone(), value));
            }
            for (key, child) in map {
                if !["example", "examples", "links"].contains(&key.as_str()) {
                    strings(child, format!("{at}/{key}"), found);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                strings(child, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[actix_web::test]
async fn the_document_states_every_rule_once() {
    let app = spawn_app().await;
    let doc: Value = app.document().await;
    let problem = &doc["components"]["schemas"]["Problem"];
    assert!(problem.is_object());
    let mut broken = Vec::new();

    // No inline copy of the problem schema, anywhere.
    let text = doc.to_string();
    let problem_text = problem.to_string();
    assert_eq!(
        text.matches(&problem_text).count(),
        1,
        "the problem schema is copied"
    );

    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            if operation["summary"].as_str().unwrap_or_default().is_empty() {
                broken.push(format!("{name}: no summary"));
            }
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let referenced = response.get("$ref").is_some()
                        || response["content"]["application/problem+json"]["schema"]["$ref"]
                            == json!("#/components/schemas/Problem");
                    if !referenced {
                        broken.push(format!("{name} {status}: not the Problem schema"));
                    }
                }
            }
            if method == "patch" {
                for content_type in ["application/json", "application/merge-patch+json"] {
                    if operation["requestBody"]["content"][content_type].is_null() {
                        broken.push(format!("{name}: takes no {content_type}"));
                    }
                }
            }
        }
    }
    // Every string property states its length or its format.
    let mut found = Vec::new();
    strings(
        &doc["components"]["schemas"],
        "#/components/schemas".into(),
        &mut found,
    );
    for (at, schema) in found {
        if schema.get("maxLength").is_none() && schema.get("format").is_none() {
            broken.push(format!("{at}: a string without maxLength or format"));
        }
    }
    // Page schemas refer to their items.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if let Some(item) = name.strip_prefix("Page_") {
            let items = &schema["properties"]["items"]["items"];
            if items["$ref"] != json!(format!("#/components/schemas/{item}")) {
                broken.push(format!("{name}: items are not a reference"));
            }
        }
    }
    assert!(doc["servers"][0]["url"] == "/", "a servers entry");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[actix_web::test]
async fn responses_link_to_what_follows_them() {
    let app = spawn_app().await;
    let doc: Value = app.document().await;
    let links = |path: &str, method: &str, status: &str| -> Vec<String> {
        doc["paths"][path][method]["responses"][status]["links"]
            .as_object()
            .map(|l| l.keys().cloned().collect())
            .unwrap_or_default()
    };
    let created = links("/api/v1/associations", "post", "201");
    for operation in [
        "get_association",
        "update_association",
        "delete_association",
    ] {
        assert!(created.contains(&operation.to_owned()), "{created:?}");
    }
    let assessment = links("/api/v1/assessments", "post", "201");
    for operation in ["submit_assessment", "get_assessment"] {
        assert!(assessment.contains(&operation.to_owned()), "{assessment:?}");
    }
    let submitted = links("/api/v1/assessments/{id}/submit", "post", "200");
    assert!(
        submitted.contains(&"approve_assessment".to_owned()),
        "{submitted:?}"
    );
    let unit = links("/api/v1/units", "post", "201");
    assert!(
        unit.contains(&"list_unit_assessments".to_owned()),
        "{unit:?}"
    );
    let listed = &doc["paths"]["/api/v1/units"]["get"]["responses"]["200"]["links"]["get_unit"];
    assert_eq!(listed["parameters"]["id"], "$response.body#/items/0/id");
}

#[actix_web::test]
async fn whole_number_floats_are_integers_and_halves_are_refused() {
    let app = spawn_app().await;
    let association = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let url = format!(
        "/api/v1/associations/{}/yearly-stats",
        association["id"].as_str().unwrap()
    );
    let response = app
        .request(reqwest::Method::POST, &url)
        .header("Content-Type", "application/json")
        .body(r#"{"year": 2020.0, "member_count": 23793.0, "population": 91161}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let stats: Value = response.json().await.unwrap();
    assert_eq!(stats["year"], 2020);
    assert_eq!(stats["member_count"], 23793);

    let response = app
        .request(reqwest::Method::POST, &url)
        .header("Content-Type", "application/json")
        .body(r#"{"year": 2020.5, "member_count": 1}"#)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    let problem = assert_invalid(response, &[("/year", "INVALID_VALUE")]).await;
    let detail = problem["errors"][0]["detail"].as_str().unwrap();
    assert_eq!(detail, "must be a whole number, not a number");
    assert!(!detail.contains("i32"), "{detail}");
}

#[actix_web::test]
async fn control_characters_are_refused_as_the_documented_pattern_says() {
    let app = spawn_app().await;
    let doc: Value = app.document().await;
    let name = &doc["components"]["schemas"]["CreateAssociation"]["properties"]["name"];
    assert_eq!(name["format"], "text-line");
    let pattern = name["pattern"].as_str().unwrap();
    // The pattern names the characters the server refuses.
    for refused in [
        "\\u0000-\\u001F",
        "\\u2028-\\u202E",
        "\\u200B-\\u200F",
        "\\uFEFF",
    ] {
        assert!(pattern.contains(refused), "{refused} in {pattern}");
    }
    for value in ["Trấn\u{0007}Yên", "Trấn\u{202E}Yên"] {
        let response = app
            .post_json(
                "/api/v1/associations",
                &json!({"code": "X", "name": value, "level": "province"}),
            )
            .await;
        assert_invalid(response, &[("/name", "INVALID_CHARACTERS")]).await;
    }
}

#[actix_web::test]
async fn a_refused_cors_preflight_is_a_problem_document_with_a_request_id() {
    let app = spawn_app().await;
    for (origin, method) in [
        ("https://elsewhere.example", "GET"),
        ("https://frontend.example", "PUT"),
    ] {
        let response = app
            .anonymous(reqwest::Method::OPTIONS, "/api/v1/associations")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .send()
            .await
            .unwrap();
        assert!(response.headers().get("x-request-id").is_some());
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, "BAD_REQUEST").await;
        assert!(!problem["detail"].as_str().unwrap().is_empty());
    }
}

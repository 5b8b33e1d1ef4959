//! API tokens: issuing, listing, revoking, `/me`, and the command line.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, field_errors, spawn_app};
use khuyenhoc::auth::Role;

#[actix_web::test]
async fn an_admin_issues_a_token_that_is_shown_once_and_works_at_once() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    let body = json!({"name": "Văn phòng Hội huyện", "role": "editor", "association_id": district["id"],
                      "expires_at": "2099-01-01T00:00:00Z"});
    let response = app.post_json("/api/v1/tokens", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("khk_") && token.len() > 40);
    assert_eq!(created["role"], "editor");
    assert_eq!(created["association_id"], district["id"]);
    assert_eq!(created["expires_at"], "2099-01-01T00:00:00Z");
    assert_eq!(
        location,
        format!("/api/v1/tokens/{}", created["id"].as_str().unwrap())
    );

    // The record never shows the value (nor its hash) again.
    let record: Value = app.get(&location).await.json().await.unwrap();
    assert!(record.get("token").is_none() && record.get("token_hash").is_none());
    let listed = app.list("/api/v1/tokens").await;
    assert_eq!(listed.len(), 2);
    assert!(!listed.iter().any(|t| t.to_string().contains(&token)));

    let me: Value = app
        .with_token(&token)
        .get("/api/v1/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["token"]["id"], created["id"]);
    assert_eq!(
        me["permissions"],
        json!({"read": true, "edit": true, "admin": false, "audit": true})
    );
    assert!(me["token"]["last_used_at"].is_string());

    let events = app.list("/api/v1/audit-events?resource_type=token").await;
    assert_eq!(events[0]["action"], "issue");
    assert_eq!(events[0]["resource_id"], created["id"]);
}

#[actix_web::test]
async fn token_rules_are_checked() {
    let app = spawn_app().await;
    let response = app
        .post_json("/api/v1/tokens", &json!({"name": "x", "role": "viewer"}))
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/association_id".to_owned(), "SCOPE_REQUIRED".to_owned())]
    );
    let body = json!({"name": "", "role": "admin", "expires_at": "2001-01-01T00:00:00Z",
                      "association_id": "01939f3c-0000-7000-8000-000000000000"});
    let problem = assert_problem(
        app.post_json("/api/v1/tokens", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![
            ("/name".to_owned(), "REQUIRED".to_owned()),
            ("/expires_at".to_owned(), "IN_THE_PAST".to_owned()),
            ("/association_id".to_owned(), "NOT_FOUND".to_owned()),
        ]
    );
    let response = app
        .post_json("/api/v1/tokens", &json!({"name": "x", "role": "root"}))
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
}

#[actix_web::test]
async fn only_admins_manage_tokens_and_a_scoped_admin_only_within_its_scope() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Tỉnh Yên Bái", "province", None)
        .await;
    let other = app
        .create_association("10", "Tỉnh Lào Cai", "province", None)
        .await;
    let editor = app.with_token(&app.issue_token("editor", Role::Editor, Some(&province), None));
    assert_problem(
        editor.get("/api/v1/tokens").await,
        StatusCode::FORBIDDEN,
        "ADMIN_ONLY",
    )
    .await;
    let body = json!({"name": "x", "role": "viewer", "association_id": province["id"]});
    assert_problem(
        editor.post_json("/api/v1/tokens", &body).await,
        StatusCode::FORBIDDEN,
        "ADMIN_ONLY",
    )
    .await;

    let scoped_admin =
        app.with_token(&app.issue_token("province admin", Role::Admin, Some(&province), None));
    let response = scoped_admin.post_json("/api/v1/tokens", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let outside = json!({"name": "x", "role": "viewer", "association_id": other["id"]});
    let response = scoped_admin.post_json("/api/v1/tokens", &outside).await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    let whole_tree = json!({"name": "x", "role": "admin"});
    let response = scoped_admin.post_json("/api/v1/tokens", &whole_tree).await;
    assert_problem(response, StatusCode::FORBIDDEN, "OUTSIDE_SCOPE").await;

    // It sees the tokens of its province (the editor, itself, the new viewer), not the others.
    let names: Vec<String> = scoped_admin
        .list("/api/v1/tokens")
        .await
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, vec!["editor", "province admin", "x"]);
}

#[actix_web::test]
async fn a_revoked_token_is_refused_and_revoking_twice_changes_nothing() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Tỉnh Yên Bái", "province", None)
        .await;
    let body = json!({"name": "sync job", "role": "integration", "association_id": province["id"]});
    let created: Value = app
        .post_json("/api/v1/tokens", &body)
        .await
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap();
    assert_eq!(
        app.with_token(token)
            .get("/api/v1/associations")
            .await
            .status(),
        StatusCode::OK
    );
    let revoke = format!("/api/v1/tokens/{}/revoke", created["id"].as_str().unwrap());
    let response = app
        .request(reqwest::Method::POST, &revoke)
        .header("If-Match", "\"7\"")
        .send()
        .await
        .unwrap();
    assert_problem(
        response,
        StatusCode::PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
    )
    .await;
    let response = app
        .request(reqwest::Method::POST, &revoke)
        .header("If-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let revoked: Value = response.json().await.unwrap();
    assert!(revoked["revoked_at"].is_string());
    assert_eq!(revoked["version"], 2);
    let again: Value = app
        .request(reqwest::Method::POST, &revoke)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["version"], 2);
    let response = app.with_token(token).get("/api/v1/associations").await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "TOKEN_REVOKED").await;
    let actions: Vec<String> = app
        .list("/api/v1/audit-events?resource_type=token")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, vec!["revoke", "issue", "issue"]);
}

#[test]
fn the_command_line_creates_lists_and_revokes_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("cli.db");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_khuyenhoc"))
            .args(args)
            .env("DATABASE_URL", &database)
            .env("RUST_LOG", "off")
            .output()
            .expect("the binary runs");
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let token = run(&[
        "token",
        "create",
        "--role",
        "admin",
        "--name",
        "first admin",
        "--expires-in-days",
        "30",
    ]);
    let token = token.trim();
    assert!(token.starts_with("khk_"), "{token}");
    let listing = run(&["token", "list"]);
    assert!(listing.contains("first admin") && listing.contains("(whole tree)"));
    assert!(
        !listing.contains(token),
        "the list never shows a token value"
    );
    let id = listing
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_owned();
    run(&["token", "revoke", &id]);
    assert!(
        !run(&["token", "list"])
            .lines()
            .nth(1)
            .unwrap()
            .ends_with("\t-"),
        "revoked_at is set"
    );

    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_khuyenhoc"))
        .args(["token", "create", "--role", "viewer", "--name", "x"])
        .env("DATABASE_URL", &database)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("/association_id"));
}

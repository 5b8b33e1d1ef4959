//! Access control: tokens, roles and scopes over the association endpoints,
//! and the audit trail of what was allowed.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, codes, field_errors, spawn_app, TestApp};
use khuyenhoc::auth::Role;

fn path(association: &Value) -> String {
    format!(
        "/api/v1/associations/{}",
        association["id"].as_str().unwrap()
    )
}

#[actix_web::test]
async fn api_requests_without_a_usable_token_are_401_while_probes_and_docs_stay_open() {
    let app = spawn_app().await;
    let response = app
        .anonymous(Method::GET, "/api/v1/associations")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"khuyenhoc\""
    );
    assert_problem(response, StatusCode::UNAUTHORIZED, "MISSING_TOKEN").await;

    let response = app
        .with_token("khk_not-a-real-token")
        .get("/api/v1/associations")
        .await;
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"khuyenhoc\", error=\"invalid_token\""
    );
    assert_problem(response, StatusCode::UNAUTHORIZED, "INVALID_TOKEN").await;

    let response = app
        .anonymous(Method::GET, "/api/v1/associations")
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "MISSING_TOKEN").await;

    for open in ["/healthz", "/readyz", "/api-docs/openapi.json", "/docs/"] {
        let response = app.anonymous(Method::GET, open).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{open}");
    }
}

#[actix_web::test]
async fn revoked_and_expired_tokens_are_401() {
    let app = spawn_app().await;
    let root = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let token = app.issue_token("viewer", Role::Viewer, Some(&root), None);
    assert_eq!(
        app.with_token(&token).get("/api/v1/me").await.status(),
        StatusCode::OK
    );

    let id = app
        .with_token(&token)
        .get("/api/v1/me")
        .await
        .json::<Value>()
        .await
        .unwrap()["token"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .post_json(&format!("/api/v1/tokens/{id}/revoke"), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.with_token(&token).get("/api/v1/associations").await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "TOKEN_REVOKED").await;

    let expiring = app.issue_token("soon", Role::Viewer, Some(&root), None);
    app.execute_sql("UPDATE api_tokens SET expires_at = '2000-01-01 00:00:00' WHERE name = 'soon'");
    let response = app.with_token(&expiring).get("/api/v1/associations").await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "TOKEN_EXPIRED").await;
}

/// A province with two districts; the first has two communes.
struct Tree {
    province: Value,
    district: Value,
    other_district: Value,
    commune: Value,
    second_commune: Value,
}

async fn tree(app: &TestApp) -> Tree {
    let province = app
        .create_association("15", "Tỉnh Yên Bái", "province", None)
        .await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", Some(&province))
        .await;
    let other_district = app
        .create_association("08171", "Huyện Văn Yên", "district", Some(&province))
        .await;
    let commune = app
        .create_association("04576", "Xã Đào Thịnh", "commune", Some(&district))
        .await;
    let second_commune = app
        .create_association("04579", "Xã Việt Thành", "commune", Some(&district))
        .await;
    Tree {
        province,
        district,
        other_district,
        commune,
        second_commune,
    }
}

async fn audit_count(app: &TestApp) -> usize {
    app.list("/api/v1/audit-events?resource_type=association&page_size=500")
        .await
        .len()
}

#[actix_web::test]
async fn a_scoped_token_sees_only_its_subtree() {
    let app = spawn_app().await;
    let t = tree(&app).await;
    for role in [Role::Editor, Role::Viewer, Role::Integration] {
        let scoped = app.with_token(&app.issue_token("district", role, Some(&t.district), None));
        let visible = scoped.list("/api/v1/associations?sort=code").await;
        assert_eq!(codes(&visible), vec!["04576", "04579", "08170"], "{role:?}");
        assert_eq!(scoped.get(&path(&t.commune)).await.status(), StatusCode::OK);
        assert_eq!(
            scoped.get(&path(&t.district)).await.status(),
            StatusCode::OK
        );
        // Outside the scope is as if it did not exist.
        for hidden in [&t.province, &t.other_district] {
            assert_problem(
                scoped.get(&path(hidden)).await,
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
            )
            .await;
        }
        let ancestors = scoped
            .list(&format!("{}/ancestors", path(&t.commune)))
            .await;
        assert_eq!(codes(&ancestors), vec!["08170"]);
        let below_province = scoped
            .list(&format!(
                "/api/v1/associations?ancestor_id={}",
                t.province["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(below_province.len(), 3, "filters combine with the scope");
    }
}

#[actix_web::test]
async fn read_only_roles_cannot_write_and_nothing_is_audited_for_them() {
    let app = spawn_app().await;
    let t = tree(&app).await;
    let before = audit_count(&app).await;
    for role in [Role::Viewer, Role::Integration] {
        let reader = app.with_token(&app.issue_token("reader", role, Some(&t.district), None));
        let body = json!({"code": "X1", "name": "Xã mới", "level": "commune", "parent_id": t.district["id"]});
        let response = reader.post_json("/api/v1/associations", &body).await;
        assert_problem(response, StatusCode::FORBIDDEN, "ROLE_CANNOT_EDIT").await;
        let response = reader
            .patch_json(&path(&t.commune), &json!({"name": "Đổi tên"}), None)
            .await;
        assert_problem(response, StatusCode::FORBIDDEN, "ROLE_CANNOT_EDIT").await;
        let response = reader.delete(&path(&t.second_commune), None).await;
        assert_problem(response, StatusCode::FORBIDDEN, "ROLE_CANNOT_EDIT").await;
        let response = reader.get("/api/v1/audit-events").await;
        assert_problem(response, StatusCode::FORBIDDEN, "ROLE_CANNOT_AUDIT").await;
    }
    assert_eq!(audit_count(&app).await, before);
    let unchanged: Value = app.get(&path(&t.commune)).await.json().await.unwrap();
    assert_eq!(unchanged["version"], 1);
}

#[actix_web::test]
async fn an_editor_writes_inside_its_scope_only_and_every_allowed_write_is_audited() {
    let app = spawn_app().await;
    let t = tree(&app).await;
    let before = audit_count(&app).await;
    assert_eq!(before, 5, "the five creations of the fixture");
    let editor = app.with_token(&app.issue_token(
        "Hội huyện Trấn Yên",
        Role::Editor,
        Some(&t.district),
        None,
    ));

    // Allowed: create below its district, edit and delete inside it.
    let body = json!({"code": "04580", "name": "Xã Minh Quân", "level": "commune", "parent_id": t.district["id"]});
    let response = editor.post_json("/api/v1/associations", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let response = editor
        .patch_json(
            &path(&t.commune),
            &json!({"chair_name": "Nguyễn Văn A"}),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = editor
        .patch_json(&path(&t.district), &json!({"phone": "0216 3825 123"}), None)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "its own association is in scope"
    );
    let response = editor.delete(&path(&created), None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Refused: outside the subtree, a root, a move out of the scope.
    let response = editor
        .patch_json(&path(&t.other_district), &json!({"name": "x"}), None)
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "NOT_FOUND").await;
    let response = editor.delete(&path(&t.province), None).await;
    assert_problem(response, StatusCode::NOT_FOUND, "NOT_FOUND").await;
    let body =
        json!({"code": "X2", "name": "x", "level": "commune", "parent_id": t.other_district["id"]});
    let problem = assert_problem(
        editor.post_json("/api/v1/associations", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/parent_id".to_owned(), "NOT_FOUND".to_owned())]
    );
    let response = editor
        .post_json(
            "/api/v1/associations",
            &json!({"code": "X3", "name": "x", "level": "province"}),
        )
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "OUTSIDE_SCOPE").await;
    let response = editor
        .patch_json(
            &path(&t.commune),
            &json!({"parent_id": t.other_district["id"]}),
            None,
        )
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;

    // The trail holds exactly the four allowed writes, newest first, by the editor.
    let events = app
        .list("/api/v1/audit-events?resource_type=association&page_size=500")
        .await;
    assert_eq!(events.len(), before + 4);
    let actions: Vec<&str> = events[..4]
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["delete", "update", "update", "create"]);
    for event in &events[..4] {
        assert_eq!(event["actor_name"], "Hội huyện Trấn Yên");
        assert!(event["request_id"].is_string());
    }
    let update = &events[2];
    assert_eq!(update["resource_id"], t.commune["id"]);
    assert_eq!(
        (
            update["version_before"].as_i64(),
            update["version_after"].as_i64()
        ),
        (Some(1), Some(2))
    );
    let delete = &events[0];
    assert_eq!(
        (
            delete["version_before"].as_i64(),
            delete["version_after"].as_i64()
        ),
        (Some(1), None)
    );

    // The editor reads the trail of its own subtree only.
    let seen_by_editor = editor.list("/api/v1/audit-events?page_size=500").await;
    assert!(seen_by_editor.iter().all(
        |e| e["resource_id"] != t.other_district["id"] && e["resource_id"] != t.province["id"]
    ));
    assert!(seen_by_editor
        .iter()
        .any(|e| e["resource_id"] == t.commune["id"]));
}

#[actix_web::test]
async fn the_audit_trail_filters_by_resource_actor_and_time_and_pages() {
    let app = spawn_app().await;
    let t = tree(&app).await;
    let by_resource = app
        .list(&format!(
            "/api/v1/audit-events?resource_id={}",
            t.commune["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_resource.len(), 1);
    assert_eq!(by_resource[0]["action"], "create");
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    let mine = app
        .list(&format!(
            "/api/v1/audit-events?actor={}&page_size=500",
            me["token"]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(mine.len(), 5);
    let future = app
        .list("/api/v1/audit-events?since=2100-01-01T00:00:00Z")
        .await;
    assert!(future.is_empty());
    let first: Value = app
        .get("/api/v1/audit-events?page_size=2")
        .await
        .json()
        .await
        .unwrap();
    let token = first["next_page_token"].as_str().unwrap();
    let second: Value = app
        .get(&format!(
            "/api/v1/audit-events?page_size=2&page_token={token}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(first["items"][1]["id"].as_str().unwrap() > second["items"][0]["id"].as_str().unwrap());
}

#[actix_web::test]
async fn browsers_of_configured_origins_get_cors_headers_and_answers_are_not_cached() {
    let app = spawn_app().await;
    let response = app
        .anonymous(Method::OPTIONS, "/api/v1/associations")
        .header("Origin", "https://frontend.example")
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "authorization, if-match, content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://frontend.example"
    );

    let response = app
        .request(Method::GET, "/api/v1/associations")
        .header("Origin", "https://frontend.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://frontend.example"
    );
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in ["etag", "link", "location", "retry-after", "x-request-id"] {
        assert!(exposed.contains(header), "{header} in {exposed}");
    }
    assert_eq!(response.headers()["cache-control"], "no-store");

    let response = app
        .request(Method::GET, "/api/v1/associations")
        .header("Origin", "https://elsewhere.example")
        .send()
        .await
        .unwrap();
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

//! `/api/v1/users`: who may make whom, where, and what each role sees.

use futures_util::future::join_all;
use khuyenhoc::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    assert_invalid, assert_problem, province_with_two_districts as tree, spawn_app,
};

const ISSUER: &str = "https://id.yenbai.gov.vn/realms/khuyenhoc";

fn officer(name: &str, role: &str, association: &Value, subject: &str) -> Value {
    json!({"name": name, "email": format!("{subject}@yenbai.gov.vn"), "role": role,
           "association_id": association["id"], "identities": [{"issuer": ISSUER, "subject": subject}]})
}

#[actix_web::test]
async fn a_user_is_made_read_changed_and_deleted_by_an_admin() {
    let app = spawn_app().await;
    let (_, district, _) = tree(&app).await;
    let created = app
        .post_json(
            "/api/v1/users",
            &officer("  Nguyễn Thị Hoa ", "editor", &district, "hoa"),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let hoa: Value = created.json().await.unwrap();
    assert_eq!(hoa["name"], "Nguyễn Thị Hoa");
    assert_eq!(hoa["active"], true);
    assert_eq!(
        hoa["identities"],
        json!([{"issuer": ISSUER, "subject": "hoa"}])
    );
    assert_eq!(app.get(&location).await.json::<Value>().await.unwrap(), hoa);

    // Deactivated with a merge patch; identities replaced whole.
    let changed = app
        .patch_json(
            &location,
            &json!({"active": false, "identities": [{"issuer": ISSUER, "subject": "hoa.nguyen"}]}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(
        (changed["active"].clone(), changed["version"].clone()),
        (json!(false), json!(2))
    );
    assert_eq!(changed["identities"][0]["subject"], "hoa.nguyen");
    assert_problem(
        app.patch_json(&location, &json!({"name": "X"}), Some("\"1\""))
            .await,
        StatusCode::PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
    )
    .await;

    let listed = app
        .list(&format!(
            "/api/v1/users?association_id={}&active=false",
            district["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(listed.len(), 1);
    assert_eq!(app.list("/api/v1/users?q=nguyen%20thi").await.len(), 1);
    // Not in the change feed: users hold personal data.
    let feed: Value = app.get("/api/v1/changes").await.json().await.unwrap();
    assert!(feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["type"] != "user"));

    // Named by no audit event as an actor: it may go.
    assert_eq!(
        app.delete(&location, Some("\"2\"")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&location).await.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn bad_users_are_refused_with_every_reason() {
    let app = spawn_app().await;
    let (_, district, _) = tree(&app).await;
    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"name": "", "email": "not mail", "role": "viewer",
                    "identities": [{"issuer": "id.yenbai.gov.vn", "subject": "x"}, {"issuer": ISSUER, "subject": ""}]}),
        )
        .await;
    assert_invalid(
        response,
        &[
            ("/name", "REQUIRED"),
            ("/email", "INVALID_EMAIL"),
            ("/association_id", "SCOPE_REQUIRED"),
            ("/identities/0/issuer", "INVALID_ISSUER"),
            ("/identities/1/subject", "INVALID_SUBJECT"),
        ],
    )
    .await;
    let unknown = app.post_json("/api/v1/users", &json!({"name": "A", "role": "viewer", "association_id": district["id"], "password": "x"})).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn a_scoped_admin_makes_users_and_tokens_only_within_its_role_and_scope() {
    let app = spawn_app().await;
    let (_, district, other) = tree(&app).await;
    let district_admin =
        app.with_token(&app.issue_token("district admin", Role::Admin, Some(&district), None));
    // Within its subtree, any role up to its own.
    let made = district_admin
        .post_json("/api/v1/users", &officer("Hoa", "admin", &district, "hoa"))
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    // Not outside it, nor for the whole tree.
    let outside = district_admin
        .post_json("/api/v1/users", &officer("Lan", "editor", &other, "lan"))
        .await;
    assert_invalid(outside, &[("/association_id", "NOT_FOUND")]).await;
    let whole = district_admin
        .post_json(
            "/api/v1/users",
            &json!({"name": "Root", "role": "admin", "identities": []}),
        )
        .await;
    assert_problem(whole, StatusCode::FORBIDDEN, "OUTSIDE_SCOPE").await;
    let token = district_admin
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "t", "role": "admin", "association_id": other["id"]}),
        )
        .await;
    assert_invalid(token, &[("/association_id", "NOT_FOUND")]).await;
    let whole_token = district_admin
        .post_json("/api/v1/tokens", &json!({"name": "t", "role": "admin"}))
        .await;
    assert_problem(whole_token, StatusCode::FORBIDDEN, "OUTSIDE_SCOPE").await;
    // Nor move one of its users out of its scope, nor see the others'.
    let hoa: Value = made.json().await.unwrap();
    let moved = district_admin
        .patch_json(
            &format!("/api/v1/users/{}", hoa["id"].as_str().unwrap()),
            &json!({"association_id": other["id"]}),
            None,
        )
        .await;
    assert_invalid(moved, &[("/association_id", "NOT_FOUND")]).await;
    let lan: Value = app
        .post_json("/api/v1/users", &officer("Lan", "editor", &other, "lan"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        district_admin
            .get(&format!("/api/v1/users/{}", lan["id"].as_str().unwrap()))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Editors read users of their scope but do not make them.
    let editor =
        app.with_token(&app.issue_token("district editor", Role::Editor, Some(&district), None));
    assert_problem(
        editor
            .post_json("/api/v1/users", &officer("Mai", "viewer", &district, "mai"))
            .await,
        StatusCode::FORBIDDEN,
        "ADMIN_ONLY",
    )
    .await;
    assert_eq!(editor.list("/api/v1/users").await.len(), 1);
}

#[actix_web::test]
async fn an_email_is_shown_to_admins_and_editors_only() {
    let app = spawn_app().await;
    let (_, district, _) = tree(&app).await;
    app.post_json("/api/v1/users", &officer("Hoa", "editor", &district, "hoa"))
        .await;
    for (role, shown) in [
        (Role::Admin, true),
        (Role::Editor, true),
        (Role::Viewer, false),
        (Role::Integration, false),
    ] {
        let caller = app.with_token(&app.issue_token("t", role, Some(&district), None));
        let users = caller.list("/api/v1/users").await;
        assert_eq!(users[0].get("email").is_some(), shown, "{role:?}");
        assert_eq!(users[0]["name"], "Hoa");
    }
}

#[actix_web::test]
async fn an_identity_signs_in_as_one_user_only_even_when_two_admins_race_for_it() {
    let app = spawn_app().await;
    let (_, district, other) = tree(&app).await;
    app.post_json("/api/v1/users", &officer("Hoa", "editor", &district, "hoa"))
        .await;
    let taken = app
        .post_json(
            "/api/v1/users",
            &officer("Hoa again", "viewer", &other, "hoa"),
        )
        .await;
    assert_problem(taken, StatusCode::CONFLICT, "IDENTITY_TAKEN").await;
    // Twelve creates of one new identity at once: one is made, the others
    // refused with the same code, however the database detects it.
    let attempts = join_all((0..12).map(|i| {
        let app = app.clone();
        let body = officer(&format!("Racer {i}"), "viewer", &district, "racer");
        async move { app.post_json("/api/v1/users", &body).await }
    }))
    .await;
    let mut made = 0;
    for response in attempts {
        match response.status() {
            StatusCode::CREATED => made += 1,
            _ => {
                assert_problem(response, StatusCode::CONFLICT, "IDENTITY_TAKEN").await;
            }
        }
    }
    assert_eq!(made, 1);
    assert_eq!(app.list("/api/v1/users?q=racer").await.len(), 1);
}

#[actix_web::test]
async fn an_association_with_users_is_not_deleted() {
    let app = spawn_app().await;
    let (_, district, _) = tree(&app).await;
    app.post_json("/api/v1/users", &officer("Hoa", "editor", &district, "hoa"))
        .await;
    let refused = app
        .delete(
            &format!("/api/v1/associations/{}", district["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_problem(refused, StatusCode::CONFLICT, "HAS_USERS").await;
}

#[actix_web::test]
async fn me_says_a_token_calls_with_its_role_and_scope() {
    let app = spawn_app().await;
    let (_, district, _) = tree(&app).await;
    let viewer = app.with_token(&app.issue_token("Phòng xem", Role::Viewer, Some(&district), None));
    let me: Value = viewer.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["through"], "token");
    assert_eq!(me["token"]["name"], "Phòng xem");
    assert_eq!(me["user"], Value::Null);
    assert_eq!(me["role"], "viewer");
    assert_eq!(me["association_id"], district["id"]);
    assert_eq!(
        me["permissions"],
        json!({"read": true, "edit": false, "admin": false, "audit": false})
    );
}

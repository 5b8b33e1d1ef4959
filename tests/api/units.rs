//! Learning units: registration, scope, filters, and the association they belong to.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, field_errors, spawn_app, TestApp};
use khuyenhoc::auth::Role;

fn path(unit: &Value) -> String {
    format!("/api/v1/units/{}", unit["id"].as_str().unwrap())
}

async fn create_unit(
    app: &TestApp,
    code: &str,
    name: &str,
    kind: &str,
    association: &Value,
) -> Value {
    let body =
        json!({"code": code, "name": name, "kind": kind, "association_id": association["id"]});
    let response = app.post_json("/api/v1/units", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "creating {code}");
    response.json().await.unwrap()
}

fn names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_unit_is_registered_read_updated_and_deleted() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    let body = json!({"code": "THPT-TY", "name": "Trường THPT Trấn Yên", "kind": "school",
                      "association_id": district["id"], "staff_count": 64, "head_name": "Lê Văn C"});
    let response = app.post_json("/api/v1/units", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let unit: Value = response.json().await.unwrap();
    assert_eq!(location, path(&unit));
    assert_eq!(
        (unit["kind"].as_str(), unit["staff_count"].as_i64()),
        (Some("school"), Some(64))
    );
    assert_eq!(
        app.get(&location).await.json::<Value>().await.unwrap(),
        unit
    );

    let response = app
        .patch_json(
            &location,
            &json!({"staff_count": 70, "head_name": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(
        (updated["staff_count"].as_i64(), updated["version"].as_i64()),
        (Some(70), Some(2))
    );
    assert_eq!(updated["head_name"], Value::Null);
    let response = app
        .patch_json(&location, &json!({"staff_count": 1}), Some("\"1\""))
        .await;
    assert_problem(
        response,
        StatusCode::PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
    )
    .await;

    // The association cannot go while the unit belongs to it.
    let association = format!("/api/v1/associations/{}", district["id"].as_str().unwrap());
    assert_problem(
        app.delete(&association, None).await,
        StatusCode::CONFLICT,
        "HAS_UNITS",
    )
    .await;
    assert_eq!(
        app.delete(&location, Some("\"2\"")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&location).await, StatusCode::NOT_FOUND, "NOT_FOUND").await;
    assert_eq!(
        app.delete(&association, None).await.status(),
        StatusCode::NO_CONTENT
    );

    let actions: Vec<String> = app
        .list("/api/v1/audit-events?resource_type=unit")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, vec!["delete", "update", "create"]);
}

#[actix_web::test]
async fn unit_rules_are_checked() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    create_unit(&app, "UBND-TY", "UBND huyện Trấn Yên", "agency", &district).await;
    let body = json!({"code": "UBND-TY", "name": "Khác", "kind": "agency", "association_id": district["id"]});
    assert_problem(
        app.post_json("/api/v1/units", &body).await,
        StatusCode::CONFLICT,
        "DUPLICATE_CODE",
    )
    .await;
    let body = json!({"name": "", "kind": "agency", "staff_count": -3,
                      "association_id": "01939f3c-0000-7000-8000-000000000000"});
    let problem = assert_problem(
        app.post_json("/api/v1/units", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![
            ("/name".to_owned(), "REQUIRED".to_owned()),
            ("/staff_count".to_owned(), "OUT_OF_RANGE".to_owned())
        ]
    );
    let body = json!({"name": "x", "kind": "agency", "association_id": "01939f3c-0000-7000-8000-000000000000"});
    let problem = assert_problem(
        app.post_json("/api/v1/units", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/association_id".to_owned(), "NOT_FOUND".to_owned())]
    );
    let body = json!({"name": "x", "kind": "bank", "association_id": district["id"]});
    assert_problem(
        app.post_json("/api/v1/units", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
}

#[actix_web::test]
async fn units_are_filtered_by_subtree_kind_and_text_and_scoped_to_the_token() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Tỉnh Yên Bái", "province", None)
        .await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", Some(&province))
        .await;
    let other = app
        .create_association("08171", "Huyện Văn Yên", "district", Some(&province))
        .await;
    let commune = app
        .create_association("04576", "Xã Đào Thịnh", "commune", Some(&district))
        .await;
    create_unit(&app, "U1", "Trường THCS Đào Thịnh", "school", &commune).await;
    create_unit(&app, "U2", "UBND huyện Trấn Yên", "agency", &district).await;
    let elsewhere = create_unit(&app, "U3", "Công ty Chè Văn Yên", "enterprise", &other).await;

    let below_district = app
        .list(&format!(
            "/api/v1/units?ancestor_id={}",
            district["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        names(&below_district),
        vec!["Trường THCS Đào Thịnh", "UBND huyện Trấn Yên"]
    );
    let of_commune = app
        .list(&format!(
            "/api/v1/units?association_id={}",
            commune["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(names(&of_commune), vec!["Trường THCS Đào Thịnh"]);
    assert_eq!(
        names(&app.list("/api/v1/units?kind=enterprise").await),
        vec!["Công ty Chè Văn Yên"]
    );
    assert_eq!(
        names(&app.list("/api/v1/units?q=dao%20thinh").await),
        vec!["Trường THCS Đào Thịnh"]
    );
    let first: Value = app
        .get("/api/v1/units?page_size=2")
        .await
        .json()
        .await
        .unwrap();
    let token = first["next_page_token"].as_str().unwrap();
    let second = app
        .list(&format!("/api/v1/units?page_size=2&page_token={token}"))
        .await;
    assert_eq!(names(&second), vec!["UBND huyện Trấn Yên"]);

    let editor = app.with_token(&app.issue_token("huyện", Role::Editor, Some(&district), None));
    assert_eq!(editor.list("/api/v1/units").await.len(), 2);
    assert_problem(
        editor.get(&path(&elsewhere)).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    let body = json!({"name": "Trường mới", "kind": "school", "association_id": other["id"]});
    let problem = assert_problem(
        editor.post_json("/api/v1/units", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/association_id".to_owned(), "NOT_FOUND".to_owned())]
    );
    let body = json!({"name": "Trường mới", "kind": "school", "association_id": commune["id"]});
    assert_eq!(
        editor.post_json("/api/v1/units", &body).await.status(),
        StatusCode::CREATED
    );
    let viewer = app.with_token(&app.issue_token("xem", Role::Viewer, Some(&district), None));
    assert_problem(
        viewer.post_json("/api/v1/units", &body).await,
        StatusCode::FORBIDDEN,
        "ROLE_CANNOT_EDIT",
    )
    .await;
}

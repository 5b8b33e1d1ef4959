//! Citizens: registration, personal data by role, scope, filters.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, field_errors, spawn_app};
use khuyenhoc::auth::Role;

fn path(citizen: &Value) -> String {
    format!("/api/v1/citizens/{}", citizen["id"].as_str().unwrap())
}

#[actix_web::test]
async fn personal_data_is_shown_to_editors_and_admins_only() {
    let app = spawn_app().await;
    let commune = app
        .create_association("04576", "Xã Đào Thịnh", "commune", None)
        .await;
    let body = json!({"full_name": "Nguyễn Thị Hoa", "birth_year": 1985, "gender": "female",
                      "association_id": commune["id"], "occupation": "Nông dân",
                      "phone": "0912 345 678", "national_id": "015185000123"});
    let response = app.post_json("/api/v1/citizens", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        (created["phone"].as_str(), created["national_id"].as_str()),
        (Some("0912 345 678"), Some("015185000123"))
    );

    let editor = app.with_token(&app.issue_token("xã", Role::Editor, Some(&commune), None));
    let seen: Value = editor.get(&path(&created)).await.json().await.unwrap();
    assert_eq!(seen["national_id"], "015185000123");
    for role in [Role::Viewer, Role::Integration] {
        let reader = app.with_token(&app.issue_token("đọc", role, Some(&commune), None));
        let seen: Value = reader.get(&path(&created)).await.json().await.unwrap();
        assert_eq!(seen["full_name"], "Nguyễn Thị Hoa");
        assert!(
            seen.get("phone").is_none() && seen.get("national_id").is_none(),
            "{role:?}: {seen}"
        );
        let listed = reader.list("/api/v1/citizens").await;
        assert!(listed[0].get("national_id").is_none());
    }
    // The audit trail names the citizen by id only.
    let events = app.list("/api/v1/audit-events?resource_type=citizen").await;
    assert_eq!(events.len(), 1);
    assert!(
        !events[0].to_string().contains("Hoa") && !events[0].to_string().contains("015185000123")
    );
}

#[actix_web::test]
async fn citizen_rules_are_checked() {
    let app = spawn_app().await;
    let commune = app
        .create_association("04576", "Xã Đào Thịnh", "commune", None)
        .await;
    let body = json!({"full_name": "Trần Văn Nam", "association_id": commune["id"], "national_id": "015185000123"});
    assert_eq!(
        app.post_json("/api/v1/citizens", &body).await.status(),
        StatusCode::CREATED
    );
    let response = app.post_json("/api/v1/citizens", &body).await;
    assert_problem(response, StatusCode::CONFLICT, "DUPLICATE_NATIONAL_ID").await;
    let body = json!({"full_name": "", "association_id": commune["id"], "national_id": "12345",
                      "birth_year": 1800, "gender": "female"});
    let problem = assert_problem(
        app.post_json("/api/v1/citizens", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![
            ("/full_name".to_owned(), "REQUIRED".to_owned()),
            ("/birth_year".to_owned(), "OUT_OF_RANGE".to_owned()),
            ("/national_id".to_owned(), "INVALID_NATIONAL_ID".to_owned()),
        ]
    );
    let body = json!({"full_name": "x", "association_id": commune["id"], "gender": "unknown"});
    assert_problem(
        app.post_json("/api/v1/citizens", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;

    // The association where citizens live is not deleted under them.
    let association = format!("/api/v1/associations/{}", commune["id"].as_str().unwrap());
    assert_problem(
        app.delete(&association, None).await,
        StatusCode::CONFLICT,
        "HAS_CITIZENS",
    )
    .await;
}

#[actix_web::test]
async fn citizens_are_filtered_and_scoped_and_can_be_updated_and_deleted() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    let commune = app
        .create_association("04576", "Xã Đào Thịnh", "commune", Some(&district))
        .await;
    let other = app
        .create_association("04579", "Xã Việt Thành", "commune", Some(&district))
        .await;
    let mut ids = Vec::new();
    for (name, year, association) in [
        ("Nguyễn Thị Hoa", 1985, &commune),
        ("Lê Văn Đức", 1990, &commune),
        ("Phạm Thị Lan", 1985, &other),
    ] {
        let body =
            json!({"full_name": name, "birth_year": year, "association_id": association["id"]});
        let created: Value = app
            .post_json("/api/v1/citizens", &body)
            .await
            .json()
            .await
            .unwrap();
        ids.push(created);
    }
    let names = |items: Vec<Value>| -> Vec<String> {
        items
            .iter()
            .map(|c| c["full_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let below = app
        .list(&format!(
            "/api/v1/citizens?ancestor_id={}",
            district["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        names(below),
        vec!["Nguyễn Thị Hoa", "Lê Văn Đức", "Phạm Thị Lan"]
    );
    assert_eq!(
        names(app.list("/api/v1/citizens?birth_year=1985").await),
        vec!["Nguyễn Thị Hoa", "Phạm Thị Lan"]
    );
    assert_eq!(
        names(app.list("/api/v1/citizens?q=duc").await),
        vec!["Lê Văn Đức"]
    );
    let of_commune = app
        .list(&format!(
            "/api/v1/citizens?association_id={}",
            commune["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(of_commune.len(), 2);
    let first: Value = app
        .get("/api/v1/citizens?page_size=2")
        .await
        .json()
        .await
        .unwrap();
    let token = first["next_page_token"].as_str().unwrap();
    assert_eq!(
        names(
            app.list(&format!("/api/v1/citizens?page_size=2&page_token={token}"))
                .await
        ),
        vec!["Phạm Thị Lan"]
    );

    let editor = app.with_token(&app.issue_token("xã", Role::Editor, Some(&commune), None));
    assert_eq!(editor.list("/api/v1/citizens").await.len(), 2);
    assert_problem(
        editor.get(&path(&ids[2])).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    let response = editor
        .patch_json(
            &path(&ids[0]),
            &json!({"occupation": "Giáo viên"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = editor
        .patch_json(
            &path(&ids[0]),
            &json!({"association_id": other["id"]}),
            None,
        )
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        editor.delete(&path(&ids[1]), None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.get(&path(&ids[1])).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
}

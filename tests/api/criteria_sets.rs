//! Criteria sets: the built-in templates, the lifecycle, editions, criteria.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, field_errors, spawn_app, TestApp};
use khuyenhoc::auth::Role;

/// The pilot's template as shipped (edition `2021-pilot`).
async fn learning_district(app: &TestApp) -> Value {
    let sets = app
        .list("/api/v1/criteria-sets?code=learning-district")
        .await;
    let editions: Vec<_> = sets.iter().map(|s| s["edition"].clone()).collect();
    assert_eq!(editions, ["2021-pilot", "2021-pilot-computed"]);
    sets[0].clone()
}

fn set_path(set: &Value) -> String {
    format!("/api/v1/criteria-sets/{}", set["id"].as_str().unwrap())
}

/// POST to a lifecycle action with an If-Match.
async fn act(
    app: &TestApp,
    set: &Value,
    action: &str,
    if_match: Option<&str>,
) -> reqwest::Response {
    let mut request = app.request(Method::POST, &format!("{}/{action}", set_path(set)));
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    request.send().await.unwrap()
}

fn etag(set: &Value) -> String {
    format!("\"{}\"", set["version"])
}

#[actix_web::test]
async fn a_fresh_database_holds_the_published_templates_with_the_19_district_criteria() {
    let app = spawn_app().await;
    let all = app.list("/api/v1/criteria-sets").await;
    let keys: Vec<String> = all
        .iter()
        .map(|s| {
            format!(
                "{}/{}",
                s["code"].as_str().unwrap(),
                s["edition"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        keys,
        vec![
            "citizen/2022",
            "learning-clan/2015",
            "learning-community-commune/2023",
            "learning-community-village/2015",
            "learning-district/2021-pilot",
            "learning-district/2021-pilot-computed",
            "learning-family/2015",
            "unit/2020"
        ]
    );
    assert!(all
        .iter()
        .all(|s| s["status"] == "published" && s["is_template"] == true));
    assert!(all
        .iter()
        .all(|s| s["description"].as_str().unwrap().contains("Template")));

    let district = learning_district(&app).await;
    assert_eq!(district["edition"], "2021-pilot");
    assert_eq!(district["subject_kind"], "district");
    assert_eq!(district["scoring_method"], "levels");
    let criteria = app.list(&format!("{}/criteria", set_path(&district))).await;
    assert_eq!(criteria.len(), 19);
    let codes: Vec<&str> = criteria
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (1..=19).map(|n| format!("TC{n:02}")).collect();
    assert_eq!(codes, expected);
    let count = |group: &str| criteria.iter().filter(|c| c["group"] == group).count();
    assert_eq!(
        (
            count("Điều kiện"),
            count("Kết quả học tập"),
            count("Tác động")
        ),
        (7, 9, 3)
    );
    assert!(criteria[..14].iter().all(|c| c["level"] == 1));
    assert!(criteria[14..].iter().all(|c| c["level"] == 2));

    let citizen = &app.list("/api/v1/criteria-sets?code=citizen").await[0];
    assert_eq!(
        citizen["bands"],
        json!([{"rating": "good", "label": "Đạt", "min_score": 80}])
    );
    let unit = &app.list("/api/v1/criteria-sets?subject_kind=unit").await[0];
    let mins: Vec<i64> = unit["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["min_score"].as_i64().unwrap())
        .collect();
    assert_eq!(mins, vec![85, 70, 50]);
    assert_eq!(
        app.list("/api/v1/criteria-sets?q=huyen%20hoc%20tap")
            .await
            .len(),
        2
    );

    // Seeding again (as every start does) adds nothing.
    app.db().migrate().unwrap();
    assert_eq!(app.list("/api/v1/criteria-sets").await.len(), 8);
}

#[actix_web::test]
async fn a_published_set_and_its_criteria_are_frozen() {
    let app = spawn_app().await;
    let district = learning_district(&app).await;
    let tag = etag(&district);
    let response = app
        .patch_json(
            &set_path(&district),
            &json!({"name": "Đổi tên"}),
            Some(&tag),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT, "SET_FROZEN").await;
    let criteria = app.list(&format!("{}/criteria", set_path(&district))).await;
    let criterion_path = format!(
        "{}/criteria/{}",
        set_path(&district),
        criteria[0]["id"].as_str().unwrap()
    );
    let response = app
        .patch_json(&criterion_path, &json!({"title": "x"}), Some("\"1\""))
        .await;
    assert_problem(response, StatusCode::CONFLICT, "SET_FROZEN").await;
    let body = json!({"code": "TC20", "title": "Thêm", "level": 2});
    let response = app
        .post_json(&format!("{}/criteria", set_path(&district)), &body)
        .await;
    assert_problem(response, StatusCode::CONFLICT, "SET_FROZEN").await;
    let response = app.delete(&criterion_path, Some("\"1\"")).await;
    assert_problem(response, StatusCode::CONFLICT, "SET_FROZEN").await;
    let response = app.delete(&set_path(&district), Some(&tag)).await;
    assert_problem(response, StatusCode::CONFLICT, "SET_NOT_DRAFT").await;
    assert_eq!(
        app.list(&format!("{}/criteria", set_path(&district)))
            .await
            .len(),
        19
    );
}

#[actix_web::test]
async fn a_new_edition_is_an_editable_draft_that_can_be_published_and_later_retired() {
    let app = spawn_app().await;
    let template = learning_district(&app).await;
    let body = json!({"edition": "2026-yen-bai", "name": "Huyện học tập (Yên Bái 2026)"});
    let response = app
        .post_json(&format!("{}/editions", set_path(&template)), &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let draft: Value = response.json().await.unwrap();
    assert_eq!(
        (draft["status"].as_str(), draft["is_template"].as_bool()),
        (Some("draft"), Some(false))
    );
    assert_eq!(draft["description"], Value::Null);
    let criteria = app.list(&format!("{}/criteria", set_path(&draft))).await;
    assert_eq!(criteria.len(), 19);
    assert_ne!(
        criteria[0]["id"],
        app.list(&format!("{}/criteria", set_path(&template))).await[0]["id"]
    );

    // Change a criterion: the criterion and its set get new versions.
    let criterion_path = format!(
        "{}/criteria/{}",
        set_path(&draft),
        criteria[7]["id"].as_str().unwrap()
    );
    let response = app
        .patch_json(
            &criterion_path,
            &json!({"title": "Hội viên đạt 35 % dân số", "required": true}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(
        (changed["version"].as_i64(), changed["required"].as_bool()),
        (Some(2), Some(true))
    );
    let draft_now: Value = app.get(&set_path(&draft)).await.json().await.unwrap();
    assert_eq!(draft_now["version"], 2);

    // Publishing needs the set's current ETag.
    assert_problem(
        act(&app, &draft, "publish", None).await,
        StatusCode::PRECONDITION_REQUIRED,
        "PRECONDITION_REQUIRED",
    )
    .await;
    assert_problem(
        act(&app, &draft, "publish", Some("\"1\"")).await,
        StatusCode::PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
    )
    .await;
    let response = act(&app, &draft, "publish", Some("\"2\"")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let published: Value = response.json().await.unwrap();
    assert_eq!(published["status"], "published");
    assert!(published["published_at"].is_string());
    assert_eq!(
        app.list("/api/v1/criteria-sets?code=learning-district&status=published")
            .await
            .len(),
        3
    );

    // Retired sets stay readable.
    let response = act(&app, &published, "retire", Some(&etag(&published))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let retired: Value = app.get(&set_path(&draft)).await.json().await.unwrap();
    assert_eq!(retired["status"], "retired");
    assert_eq!(
        app.list(&format!("{}/criteria", set_path(&draft)))
            .await
            .len(),
        19
    );
    let response = act(&app, &retired, "retire", Some(&etag(&retired))).await;
    assert_problem(response, StatusCode::CONFLICT, "SET_NOT_PUBLISHED").await;

    // The edition name is taken now.
    let response = app
        .post_json(&format!("{}/editions", set_path(&template)), &body)
        .await;
    assert_problem(response, StatusCode::CONFLICT, "DUPLICATE_EDITION").await;

    let actions: Vec<String> = app
        .list("/api/v1/audit-events?resource_type=criteria_set")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, vec!["retire", "publish", "create"]);
}

#[actix_web::test]
async fn publishing_an_invalid_set_is_422_naming_every_problem() {
    let app = spawn_app().await;
    let body = json!({"code": "unit", "edition": "2026-draft", "name": "Đơn vị học tập 2026",
                      "subject_kind": "unit", "scoring_method": "points_bands",
                      "bands": [{"rating": "excellent", "label": "Tốt", "min_score": 70},
                                {"rating": "good", "label": "Khá", "min_score": 85}]});
    let response = app.post_json("/api/v1/criteria-sets", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let draft: Value = response.json().await.unwrap();
    let problem = assert_problem(
        act(&app, &draft, "publish", Some(&etag(&draft))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![
            ("/criteria".to_owned(), "EMPTY".to_owned()),
            ("/bands/0/min_score".to_owned(), "ABOVE_MAXIMUM".to_owned()),
            ("/bands/1/min_score".to_owned(), "NOT_DECREASING".to_owned()),
            ("/bands/1/min_score".to_owned(), "ABOVE_MAXIMUM".to_owned()),
        ]
    );

    // Fix it: one criterion of 100 points and decreasing bands.
    let response = app
        .post_json(
            &format!("{}/criteria", set_path(&draft)),
            &json!({"code": "A", "title": "Tổng hợp", "max_score": 100}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = app
        .post_json(
            &format!("{}/criteria", set_path(&draft)),
            &json!({"code": "A", "title": "Lặp", "max_score": 1}),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT, "DUPLICATE_CODE").await;
    let current: Value = app.get(&set_path(&draft)).await.json().await.unwrap();
    let bands = json!({"bands": [{"rating": "excellent", "label": "Tốt", "min_score": 85},
                                 {"rating": "good", "label": "Khá", "min_score": 70}]});
    let response = app.patch_json(&set_path(&draft), &bands, None).await;
    assert_problem(
        response,
        StatusCode::PRECONDITION_REQUIRED,
        "PRECONDITION_REQUIRED",
    )
    .await;
    let response = app
        .patch_json(&set_path(&draft), &bands, Some(&etag(&current)))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let fixed: Value = response.json().await.unwrap();
    let response = act(&app, &fixed, "publish", Some(&etag(&fixed))).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn every_token_reads_sets_but_only_admins_write_them() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Tỉnh Yên Bái", "province", None)
        .await;
    let editor = app.with_token(&app.issue_token("editor", Role::Editor, Some(&province), None));
    let viewer = app.with_token(&app.issue_token("viewer", Role::Viewer, Some(&province), None));
    assert_eq!(viewer.list("/api/v1/criteria-sets").await.len(), 8);
    let district = learning_district(&viewer).await;
    assert_eq!(
        viewer
            .list(&format!("{}/criteria", set_path(&district)))
            .await
            .len(),
        19
    );
    let body = json!({"code": "x", "edition": "1", "name": "x", "subject_kind": "unit", "scoring_method": "levels"});
    assert_problem(
        editor.post_json("/api/v1/criteria-sets", &body).await,
        StatusCode::FORBIDDEN,
        "ADMIN_ONLY",
    )
    .await;
    let response = editor
        .post_json(
            &format!("{}/editions", set_path(&district)),
            &json!({"edition": "x"}),
        )
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "ADMIN_ONLY").await;
    assert_problem(
        act(&editor, &district, "retire", Some("\"1\"")).await,
        StatusCode::FORBIDDEN,
        "ADMIN_ONLY",
    )
    .await;
    assert_eq!(app.list("/api/v1/criteria-sets").await.len(), 8);
}

#[actix_web::test]
async fn a_draft_set_can_be_deleted_with_its_criteria() {
    let app = spawn_app().await;
    let template = learning_district(&app).await;
    let draft: Value = app
        .post_json(
            &format!("{}/editions", set_path(&template)),
            &json!({"edition": "throwaway"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let response = app.delete(&set_path(&draft), Some(&etag(&draft))).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get(&set_path(&draft)).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    assert_eq!(app.list("/api/v1/criteria-sets").await.len(), 8);
}

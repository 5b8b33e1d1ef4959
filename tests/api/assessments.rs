//! Assessments: each subject kind end to end, results, ratings at band edges,
//! the review workflow and who may review, and what they protect.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, field_errors, spawn_app, TestApp};
use khuyenhoc::auth::Role;

pub async fn set_id(app: &TestApp, code: &str) -> String {
    app.list(&format!(
        "/api/v1/criteria-sets?code={code}&status=published"
    ))
    .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn path(assessment: &Value) -> String {
    format!("/api/v1/assessments/{}", assessment["id"].as_str().unwrap())
}

fn etag(value: &Value) -> String {
    format!("\"{}\"", value["version"])
}

pub async fn act(
    app: &TestApp,
    assessment: &Value,
    action: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app
        .request(Method::POST, &format!("{}/{action}", path(assessment)))
        .header("If-Match", etag(assessment));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// Citizen results: one score per indicator CD01..CD10.
pub fn citizen_results(scores: [i32; 10]) -> Value {
    let entries: Vec<Value> = scores
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"criterion_code": format!("CD{:02}", i + 1), "met": *s >= 5, "score": s}))
        .collect();
    Value::Array(entries)
}

struct Tree {
    province: Value,
    district: Value,
    commune: Value,
}

async fn tree(app: &TestApp) -> Tree {
    let province = app
        .create_association("15", "Tỉnh Yên Bái", "province", None)
        .await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", Some(&province))
        .await;
    let commune = app
        .create_association("04576", "Xã Đào Thịnh", "commune", Some(&district))
        .await;
    Tree {
        province,
        district,
        commune,
    }
}

#[actix_web::test]
async fn a_citizen_is_assessed_submitted_and_approved_from_the_district() {
    let app = spawn_app().await;
    let t = tree(&app).await;
    let citizen: Value = app
        .post_json(
            "/api/v1/citizens",
            &json!({"full_name": "Nguyễn Thị Hoa", "association_id": t.commune["id"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let commune_editor =
        app.with_token(&app.issue_token("xã", Role::Editor, Some(&t.commune), None));
    let district_editor =
        app.with_token(&app.issue_token("huyện", Role::Editor, Some(&t.district), None));

    let body = json!({"criteria_set_id": set_id(&app, "citizen").await, "subject_kind": "citizen",
                      "subject_id": citizen["id"], "period": 2026, "results": citizen_results([9; 10])});
    let response = commune_editor.post_json("/api/v1/assessments", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let draft: Value = response.json().await.unwrap();
    assert_eq!(draft["status"], "draft");
    assert_eq!(
        (draft["total_score"].as_i64(), draft["max_score"].as_i64()),
        (Some(90), Some(100))
    );
    assert_eq!(
        (draft["rating"].as_str(), draft["recognised"].as_bool()),
        (Some("good"), Some(true))
    );
    assert_eq!(draft["assessor_association_id"], t.commune["id"]);
    assert_problem(
        commune_editor.post_json("/api/v1/assessments", &body).await,
        StatusCode::CONFLICT,
        "DUPLICATE_ASSESSMENT",
    )
    .await;

    let response = commune_editor
        .request(Method::POST, &format!("{}/submit", path(&draft)))
        .send()
        .await
        .unwrap();
    assert_problem(
        response,
        StatusCode::PRECONDITION_REQUIRED,
        "PRECONDITION_REQUIRED",
    )
    .await;
    let response = act(&commune_editor, &draft, "submit", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let submitted: Value = response.json().await.unwrap();
    assert!(submitted["submitted_at"].is_string());

    // The commune cannot approve its own work; the district above can.
    let response = act(&commune_editor, &submitted, "approve", None).await;
    assert_problem(response, StatusCode::FORBIDDEN, "NOT_ABOVE_SUBJECT").await;
    let viewer = app.with_token(&app.issue_token("xem", Role::Viewer, Some(&t.district), None));
    assert_problem(
        act(&viewer, &submitted, "approve", None).await,
        StatusCode::FORBIDDEN,
        "ROLE_CANNOT_EDIT",
    )
    .await;
    let response = act(
        &district_editor,
        &submitted,
        "approve",
        Some(json!({"reviewer_note": "Đạt"})),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let approved: Value = response.json().await.unwrap();
    assert_eq!(
        (
            approved["status"].as_str(),
            approved["reviewer_note"].as_str()
        ),
        (Some("approved"), Some("Đạt"))
    );

    // Approved results are immutable.
    let response = app
        .patch_json(
            &path(&approved),
            &json!({"results": []}),
            Some(&etag(&approved)),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT, "NOT_DRAFT").await;
    assert_problem(
        act(
            &district_editor,
            &approved,
            "return",
            Some(json!({"reviewer_note": "x"})),
        )
        .await,
        StatusCode::CONFLICT,
        "NOT_SUBMITTED",
    )
    .await;

    let mine = app
        .list(&format!(
            "/api/v1/citizens/{}/assessments",
            citizen["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(mine.len(), 1);
    let approved_in_district = app
        .list(&format!(
            "/api/v1/assessments?ancestor_id={}&period=2026&status=approved&recognised=true",
            t.district["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(approved_in_district.len(), 1);
    assert!(app.list("/api/v1/assessments?period=2025").await.is_empty());

    // What has assessments is kept.
    let citizen_path = format!("/api/v1/citizens/{}", citizen["id"].as_str().unwrap());
    assert_problem(
        app.delete(&citizen_path, None).await,
        StatusCode::CONFLICT,
        "HAS_ASSESSMENTS",
    )
    .await;
    let actions: Vec<String> = app
        .list("/api/v1/audit-events?resource_type=assessment")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, vec!["approve", "submit", "create"]);
}

#[actix_web::test]
async fn a_unit_is_rated_at_the_band_edges_and_a_returned_draft_can_be_corrected() {
    let app = spawn_app().await;
    let t = tree(&app).await;
    let unit: Value = app
        .post_json("/api/v1/units", &json!({"name": "Trường THCS Đào Thịnh", "kind": "school", "association_id": t.commune["id"]}))
        .await
        .json()
        .await
        .unwrap();
    let results = |a: i32, b: i32, c: i32| {
        json!([{"criterion_code": "DV1", "met": true, "score": a}, {"criterion_code": "DV2", "met": true, "score": b},
               {"criterion_code": "DV3", "met": true, "score": c}])
    };
    let body = json!({"criteria_set_id": set_id(&app, "unit").await, "subject_kind": "unit",
                      "subject_id": unit["id"], "period": 2026, "results": results(30, 25, 30)});
    let mut current: Value = app
        .post_json("/api/v1/assessments", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (current["total_score"].as_i64(), current["rating"].as_str()),
        (Some(85), Some("excellent"))
    );
    for (scores, rating, recognised) in [
        ((30, 24, 30), "good", true),
        ((20, 20, 30), "good", true),
        ((20, 19, 30), "fair", false),
        ((10, 9, 30), "not_met", false),
    ] {
        let response = app
            .patch_json(
                &path(&current),
                &json!({"results": results(scores.0, scores.1, scores.2)}),
                Some(&etag(&current)),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        current = response.json().await.unwrap();
        assert_eq!(
            (current["rating"].as_str(), current["recognised"].as_bool()),
            (Some(rating), Some(recognised)),
            "{scores:?}"
        );
    }
    let response = app
        .patch_json(&path(&current), &json!({"results": []}), None)
        .await;
    assert_problem(
        response,
        StatusCode::PRECONDITION_REQUIRED,
        "PRECONDITION_REQUIRED",
    )
    .await;

    let submitted: Value = act(&app, &current, "submit", None)
        .await
        .json()
        .await
        .unwrap();
    let district_editor =
        app.with_token(&app.issue_token("huyện", Role::Editor, Some(&t.district), None));
    let response = act(&district_editor, &submitted, "return", None).await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    let response = act(
        &district_editor,
        &submitted,
        "return",
        Some(json!({"reviewer_note": "Thiếu minh chứng"})),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let returned: Value = response.json().await.unwrap();
    assert_eq!(
        (
            returned["status"].as_str(),
            returned["reviewer_note"].as_str()
        ),
        (Some("draft"), Some("Thiếu minh chứng"))
    );
    let response = app
        .patch_json(
            &path(&returned),
            &json!({"results": results(30, 30, 40)}),
            Some(&etag(&returned)),
        )
        .await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["rating"],
        "excellent"
    );

    let corrected: Value = app.get(&path(&returned)).await.json().await.unwrap();
    let resubmitted: Value = act(&app, &corrected, "submit", None)
        .await
        .json()
        .await
        .unwrap();
    let approved: Value = act(&district_editor, &resubmitted, "approve", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (approved["status"].as_str(), approved["rating"].as_str()),
        (Some("approved"), Some("excellent"))
    );

    let unit_path = format!("/api/v1/units/{}", unit["id"].as_str().unwrap());
    assert_problem(
        app.delete(&unit_path, None).await,
        StatusCode::CONFLICT,
        "HAS_ASSESSMENTS",
    )
    .await;
    assert_eq!(app.list(&format!("{unit_path}/assessments")).await.len(), 1);
}

#[actix_web::test]
async fn a_district_is_rated_by_the_19_criteria_levels() {
    let app = spawn_app().await;
    let t = tree(&app).await;
    let met = |count: usize| -> Value {
        Value::Array((1..=19).map(|n| json!({"criterion_code": format!("TC{n:02}"), "met": n <= count, "score": i32::from(n <= count)})).collect())
    };
    let body = json!({"criteria_set_id": set_id(&app, "learning-district").await, "subject_kind": "district",
                      "subject_id": t.district["id"], "period": 2026, "results": met(19)});
    let assessment: Value = app
        .post_json("/api/v1/assessments", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            assessment["rating"].as_str(),
            assessment["met_count"].as_i64()
        ),
        (Some("excellent"), Some(19))
    );
    for (count, rating) in [(14, "good"), (13, "not_met"), (18, "good")] {
        let current: Value = app.get(&path(&assessment)).await.json().await.unwrap();
        let response = app
            .patch_json(
                &path(&assessment),
                &json!({"results": met(count)}),
                Some(&etag(&current)),
            )
            .await;
        assert_eq!(
            response.json::<Value>().await.unwrap()["rating"],
            rating,
            "{count} met"
        );
    }
    let district_path = format!(
        "/api/v1/associations/{}",
        t.district["id"].as_str().unwrap()
    );
    assert_eq!(
        app.list(&format!("{district_path}/assessments"))
            .await
            .len(),
        1
    );

    // The district reports to the province, which approves.
    let current: Value = app.get(&path(&assessment)).await.json().await.unwrap();
    let submitted: Value = act(&app, &current, "submit", None)
        .await
        .json()
        .await
        .unwrap();
    let district_editor =
        app.with_token(&app.issue_token("huyện", Role::Editor, Some(&t.district), None));
    assert_problem(
        act(&district_editor, &submitted, "approve", None).await,
        StatusCode::FORBIDDEN,
        "NOT_ABOVE_SUBJECT",
    )
    .await;
    let province_editor =
        app.with_token(&app.issue_token("tỉnh", Role::Editor, Some(&t.province), None));
    let approved: Value = act(&province_editor, &submitted, "approve", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (approved["status"].as_str(), approved["rating"].as_str()),
        (Some("approved"), Some("good"))
    );

    // A commune against the commune framework, approved by its district.
    let commune_results: Value = (1..=5).map(|n| json!({"criterion_code": format!("XA{n}"), "met": n <= 3, "score": i32::from(n <= 3)})).collect();
    let body = json!({"criteria_set_id": set_id(&app, "learning-community-commune").await, "subject_kind": "commune",
                      "subject_id": t.commune["id"], "period": 2026, "results": commune_results});
    let commune: Value = app
        .post_json("/api/v1/assessments", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (commune["rating"].as_str(), commune["met_count"].as_i64()),
        (Some("good"), Some(3))
    );
    let submitted: Value = act(&app, &commune, "submit", None)
        .await
        .json()
        .await
        .unwrap();
    let approved: Value = act(&district_editor, &submitted, "approve", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved["status"], "approved");

    // The commune is a commune, not a district.
    let body = json!({"criteria_set_id": set_id(&app, "learning-district").await, "subject_kind": "district",
                      "subject_id": t.commune["id"], "period": 2026});
    let problem = assert_problem(
        app.post_json("/api/v1/assessments", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/subject_id".to_owned(), "LEVEL_MISMATCH".to_owned())]
    );
}

#[actix_web::test]
async fn results_and_subjects_are_validated_against_the_set() {
    let app = spawn_app().await;
    let t = tree(&app).await;
    let citizen: Value = app
        .post_json(
            "/api/v1/citizens",
            &json!({"full_name": "Lê Văn Đức", "association_id": t.commune["id"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let citizen_set = set_id(&app, "citizen").await;
    let body = json!({"criteria_set_id": citizen_set, "subject_kind": "citizen", "subject_id": citizen["id"], "period": 2026,
                      "results": [{"criterion_code": "CD01", "met": true, "score": 11},
                                  {"criterion_code": "XX99", "met": true, "score": 1},
                                  {"criterion_code": "CD02", "met": true, "score": 5},
                                  {"criterion_code": "CD02", "met": true, "score": 5}]});
    let problem = assert_problem(
        app.post_json("/api/v1/assessments", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![
            ("/results/0/score".to_owned(), "OUT_OF_RANGE".to_owned()),
            (
                "/results/1/criterion_code".to_owned(),
                "UNKNOWN_CRITERION".to_owned()
            ),
            (
                "/results/3/criterion_code".to_owned(),
                "DUPLICATE".to_owned()
            ),
        ]
    );
    // The set assesses citizens, not units; periods are years 2000–2100.
    let body = json!({"criteria_set_id": citizen_set, "subject_kind": "unit", "subject_id": citizen["id"], "period": 2026});
    let problem = assert_problem(
        app.post_json("/api/v1/assessments", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/subject_kind".to_owned(), "SET_MISMATCH".to_owned())]
    );
    let body = json!({"criteria_set_id": citizen_set, "subject_kind": "citizen", "subject_id": citizen["id"], "period": 1999});
    assert_problem(
        app.post_json("/api/v1/assessments", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    // An incomplete draft cannot be submitted.
    let body = json!({"criteria_set_id": citizen_set, "subject_kind": "citizen", "subject_id": citizen["id"], "period": 2026,
                      "results": [{"criterion_code": "CD01", "met": true, "score": 8}]});
    let draft: Value = app
        .post_json("/api/v1/assessments", &body)
        .await
        .json()
        .await
        .unwrap();
    let problem = assert_problem(
        act(&app, &draft, "submit", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 9);
    assert_problem(
        act(&app, &draft, "approve", None).await,
        StatusCode::CONFLICT,
        "NOT_SUBMITTED",
    )
    .await;

    // A family set assesses households: a citizen's id names no household.
    let family_set = json!({"code": "family", "edition": "2015", "name": "Gia đình học tập", "subject_kind": "family",
                            "scoring_method": "levels"});
    let set: Value = app
        .post_json("/api/v1/criteria-sets", &family_set)
        .await
        .json()
        .await
        .unwrap();
    let set_path = format!("/api/v1/criteria-sets/{}", set["id"].as_str().unwrap());
    app.post_json(
        &format!("{set_path}/criteria"),
        &json!({"code": "GD1", "title": "Tiêu chí 1", "level": 1}),
    )
    .await;
    let set: Value = app.get(&set_path).await.json().await.unwrap();
    let response = app
        .request(Method::POST, &format!("{set_path}/publish"))
        .header("If-Match", etag(&set))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = json!({"criteria_set_id": set["id"], "subject_kind": "family", "subject_id": citizen["id"], "period": 2026});
    let problem = assert_problem(
        app.post_json("/api/v1/assessments", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/subject_id".to_owned(), "NOT_FOUND".to_owned())]
    );

    // An association whose area has assessments is kept.
    let commune_path = format!("/api/v1/associations/{}", t.commune["id"].as_str().unwrap());
    assert_problem(
        app.delete(&commune_path, None).await,
        StatusCode::CONFLICT,
        "HAS_ASSESSMENTS",
    )
    .await;
}

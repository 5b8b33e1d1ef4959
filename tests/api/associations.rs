//! Creating, reading, updating and deleting single associations.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, field_errors, spawn_app};

#[actix_web::test]
async fn creating_an_association_answers_201_with_location_etag_and_body() {
    let app = spawn_app().await;
    let body = json!({
        "code": "15", "name": "Hội Khuyến học tỉnh Yên Bái", "level": "province",
        "email": "hkh@yenbai.gov.vn", "phone": "+84 216 385 2222", "founded_on": "1997-05-12"
    });
    let response = app.post_json("/api/v1/associations", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/associations/{id}"));
    let uuid = uuid::Uuid::parse_str(id).expect("the id is a UUID");
    assert_eq!(uuid.get_version_num(), 7);
    assert_eq!(created["name"], "Hội Khuyến học tỉnh Yên Bái");
    assert_eq!(created["level"], "province");
    assert_eq!(created["parent_id"], Value::Null);
    assert_eq!(created["ancestor_ids"], json!([]));
    assert_eq!(created["depth"], 0);
    assert_eq!(created["founded_on"], "1997-05-12");
    assert_eq!(created["version"], 1);
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));

    let fetched: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(fetched, created);
}

#[actix_web::test]
async fn vietnamese_text_is_stored_as_nfc() {
    let app = spawn_app().await;
    // "Trấn" typed with combining marks comes back precomposed.
    let created = app
        .create_association(
            "08170",
            "Tra\u{0302}\u{0301}n Ye\u{0302}n",
            "district",
            None,
        )
        .await;
    assert_eq!(created["name"], "Trấn Yên");
}

#[actix_web::test]
async fn output_only_members_in_a_body_are_ignored() {
    let app = spawn_app().await;
    let mine = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    let body = json!({"code": "15", "name": "Yên Bái", "level": "province",
                      "id": mine, "version": 99, "depth": 4, "ancestor_ids": [mine],
                      "created_at": "2000-01-01T00:00:00Z"});
    let response = app.post_json("/api/v1/associations", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_ne!(created["id"], mine);
    assert_eq!(created["version"], 1);
    assert_eq!(created["depth"], 0);

    // Output-only members of another type or form than they are read with
    // (ids are UUIDs) are still mistakes.
    for (member, value, pointer) in [
        ("ancestor_ids", json!("x"), "/ancestor_ids"),
        ("ancestor_ids", json!(["x"]), "/ancestor_ids/0"),
        ("id", json!("mine"), "/id"),
    ] {
        let mut body = json!({"code": "16", "name": "Lào Cai", "level": "province"});
        body[member] = value;
        let response = app.post_json("/api/v1/associations", &body).await;
        let problem = assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
        )
        .await;
        assert_eq!(problem["errors"][0]["pointer"], pointer);
    }
}

#[actix_web::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = spawn_app().await;
    let body = json!({"code": "bad code", "name": "  ", "level": "province",
                      "email": "not-an-email", "founded_on": "2020-01-01", "dissolved_on": "2019-12-31"});
    let response = app.post_json("/api/v1/associations", &body).await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![
            ("/code".to_owned(), "INVALID_CODE".to_owned()),
            ("/name".to_owned(), "REQUIRED".to_owned()),
            ("/email".to_owned(), "INVALID_EMAIL".to_owned()),
            ("/dissolved_on".to_owned(), "DATE_ORDER".to_owned()),
        ]
    );
    assert!(
        app.list("/api/v1/associations").await.is_empty(),
        "nothing was written"
    );
}

#[actix_web::test]
async fn control_characters_and_overlong_text_are_refused_not_stored() {
    let app = spawn_app().await;
    for (body, pointer, code) in [
        (
            json!({"code": "1", "name": "a\u{0}b", "level": "province"}),
            "/name",
            "INVALID_CHARACTERS",
        ),
        (
            json!({"code": "1", "name": "ấ".repeat(201), "level": "province"}),
            "/name",
            "TOO_LONG",
        ),
        (
            json!({"code": "1".repeat(33), "name": "a", "level": "province"}),
            "/code",
            "INVALID_CODE",
        ),
        (
            json!({"code": "1", "name": "a", "level": "province", "founded_on": "1800-01-01"}),
            "/founded_on",
            "OUT_OF_RANGE",
        ),
    ] {
        let response = app.post_json("/api/v1/associations", &body).await;
        let problem = assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
        )
        .await;
        assert_eq!(
            field_errors(&problem),
            vec![(pointer.to_owned(), code.to_owned())]
        );
    }
}

#[actix_web::test]
async fn a_duplicate_code_is_a_conflict_on_create_and_on_update() {
    let app = spawn_app().await;
    app.create_association("15", "Yên Bái", "province", None)
        .await;
    let other = app
        .create_association("10", "Lào Cai", "province", None)
        .await;
    let response = app
        .post_json(
            "/api/v1/associations",
            &json!({"code": "15", "name": "Khác", "level": "province"}),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT, "DUPLICATE_CODE").await;
    let path = format!("/api/v1/associations/{}", other["id"].as_str().unwrap());
    let response = app.patch_json(&path, &json!({"code": "15"}), None).await;
    assert_problem(response, StatusCode::CONFLICT, "DUPLICATE_CODE").await;
}

#[actix_web::test]
async fn unknown_ids_are_not_found() {
    let app = spawn_app().await;
    let path = "/api/v1/associations/01939f3c-0000-7000-8000-000000000000";
    assert_problem(app.get(path).await, StatusCode::NOT_FOUND, "NOT_FOUND").await;
    assert_problem(
        app.patch_json(path, &json!({"name": "x"}), None).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    assert_problem(
        app.delete(path, None).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    let ancestors = format!("{path}/ancestors");
    assert_problem(
        app.get(&ancestors).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
}

#[actix_web::test]
async fn a_merge_patch_changes_sent_members_clears_nulls_and_keeps_the_rest() {
    let app = spawn_app().await;
    let body = json!({"code": "15", "name": "Yên Bái", "level": "province",
                      "phone": "0216 385 2222", "chair_name": "Nguyễn Văn A"});
    let created: Value = app
        .post_json("/api/v1/associations", &body)
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/associations/{}", created["id"].as_str().unwrap());

    let response = app
        .patch_json(&path, &json!({"name": "Lào Cai", "phone": null}), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["name"], "Lào Cai");
    assert_eq!(updated["phone"], Value::Null);
    assert_eq!(updated["chair_name"], "Nguyễn Văn A");
    assert_eq!(updated["code"], "15");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_ne!(updated["updated_at"], created["updated_at"]);

    // application/json is accepted for PATCH too.
    let response = app
        .request(reqwest::Method::PATCH, &path)
        .json(&json!({"chair_name": "Trần Thị B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["chair_name"], "Trần Thị B");
    assert_eq!(updated["version"], 3);
}

#[actix_web::test]
async fn a_patch_that_changes_nothing_keeps_the_version() {
    let app = spawn_app().await;
    let created = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let path = format!("/api/v1/associations/{}", created["id"].as_str().unwrap());
    let response = app
        .patch_json(&path, &json!({"name": "Yên Bái"}), Some("\"1\""))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let same: Value = response.json().await.unwrap();
    assert_eq!(same, created);
}

#[actix_web::test]
async fn required_members_cannot_be_cleared_and_unknown_members_are_refused() {
    let app = spawn_app().await;
    let created = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let path = format!("/api/v1/associations/{}", created["id"].as_str().unwrap());
    let response = app
        .patch_json(&path, &json!({"name": null, "level": null}), None)
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![
            ("/name".to_owned(), "REQUIRED".to_owned()),
            ("/level".to_owned(), "REQUIRED".to_owned())
        ]
    );
    let response = app.patch_json(&path, &json!({"nmae": "typo"}), None).await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/nmae".to_owned(), "UNKNOWN_FIELD".to_owned())]
    );
    let unchanged: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(unchanged, created);
}

#[actix_web::test]
async fn a_stale_if_match_is_refused_with_412_and_changes_nothing() {
    let app = spawn_app().await;
    let created = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let path = format!("/api/v1/associations/{}", created["id"].as_str().unwrap());
    let response = app
        .patch_json(&path, &json!({"name": "Lào Cai"}), Some("\"1\""))
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    for stale in ["\"1\"", "W/\"2\"", "\"7\""] {
        let response = app
            .patch_json(&path, &json!({"name": "Khác"}), Some(stale))
            .await;
        assert_problem(
            response,
            StatusCode::PRECONDITION_FAILED,
            "PRECONDITION_FAILED",
        )
        .await;
    }
    let response = app.delete(&path, Some("\"1\"")).await;
    assert_problem(
        response,
        StatusCode::PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
    )
    .await;
    let current: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(current["name"], "Lào Cai");
    assert_eq!(current["version"], 2);

    let response = app
        .patch_json(&path, &json!({"name": "Lào Cai mới"}), Some("\"1\", \"2\""))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app
        .patch_json(&path, &json!({"name": "Lào Cai"}), Some("*"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app
        .patch_json(&path, &json!({"name": "x"}), Some("not-a-tag"))
        .await;
    // A value that names no entity tag matches no version.
    assert_problem(
        response,
        StatusCode::PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
    )
    .await;
}

#[actix_web::test]
async fn of_two_concurrent_writers_with_the_same_if_match_exactly_one_wins() {
    let app = spawn_app().await;
    let created = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let path = format!("/api/v1/associations/{}", created["id"].as_str().unwrap());
    let first_body = json!({"name": "Một"});
    let second_body = json!({"name": "Hai"});
    let first = app.patch_json(&path, &first_body, Some("\"1\""));
    let second = app.patch_json(&path, &second_body, Some("\"1\""));
    let (first, second) = futures_util::join!(first, second);
    let mut statuses = vec![first.status().as_u16(), second.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 412]);
    let current: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(current["version"], 2);
}

#[actix_web::test]
async fn if_none_match_with_the_current_etag_answers_304() {
    let app = spawn_app().await;
    let created = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let path = format!("/api/v1/associations/{}", created["id"].as_str().unwrap());
    let response = app
        .request(reqwest::Method::GET, &path)
        .header("If-None-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let response = app
        .request(reqwest::Method::GET, &path)
        .header("If-None-Match", "\"0\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn deleting_a_leaf_answers_204_and_it_is_gone() {
    let app = spawn_app().await;
    let created = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let path = format!("/api/v1/associations/{}", created["id"].as_str().unwrap());
    let response = app.delete(&path, Some("\"1\"")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path).await, StatusCode::NOT_FOUND, "NOT_FOUND").await;
}

//! The association tree: levels, subtrees, ancestors, moves, cycles, deletes.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, codes, field_errors, spawn_app, TestApp};

fn id(association: &Value) -> &str {
    association["id"].as_str().unwrap()
}

fn path(association: &Value) -> String {
    format!("/api/v1/associations/{}", id(association))
}

/// A province with a district, two communes and a branch, and another province.
async fn tree(app: &TestApp) -> (Value, Value, Value, Value, Value, Value) {
    let province = app
        .create_association("15", "Hội Khuyến học tỉnh Yên Bái", "province", None)
        .await;
    let district = app
        .create_association(
            "08170",
            "Hội Khuyến học huyện Trấn Yên",
            "district",
            Some(&province),
        )
        .await;
    let commune_a = app
        .create_association(
            "04576",
            "Hội Khuyến học xã Đào Thịnh",
            "commune",
            Some(&district),
        )
        .await;
    let commune_b = app
        .create_association(
            "04579",
            "Hội Khuyến học xã Việt Thành",
            "commune",
            Some(&district),
        )
        .await;
    let branch = app
        .create_association(
            "04576-01",
            "Chi hội thôn Đồng Đăng",
            "branch",
            Some(&commune_a),
        )
        .await;
    let other = app
        .create_association("10", "Hội Khuyến học tỉnh Lào Cai", "province", None)
        .await;
    (province, district, commune_a, commune_b, branch, other)
}

#[actix_web::test]
async fn children_know_their_ancestors_root_first() {
    let app = spawn_app().await;
    let (province, district, commune_a, _, branch, _) = tree(&app).await;
    assert_eq!(
        branch["ancestor_ids"],
        json!([id(&province), id(&district), id(&commune_a)])
    );
    assert_eq!(branch["depth"], 3);
    let ancestors = app.list(&format!("{}/ancestors", path(&branch))).await;
    assert_eq!(codes(&ancestors), vec!["15", "08170", "04576"]);
    assert!(app
        .list(&format!("{}/ancestors", path(&province)))
        .await
        .is_empty());
}

#[actix_web::test]
async fn a_subtree_is_listed_with_ancestor_id_and_children_with_parent_id() {
    let app = spawn_app().await;
    let (province, district, commune_a, _, _, _) = tree(&app).await;
    let below_province = app
        .list(&format!(
            "/api/v1/associations?ancestor_id={}&sort=code",
            id(&province)
        ))
        .await;
    assert_eq!(
        codes(&below_province),
        vec!["04576", "04576-01", "04579", "08170"]
    );
    let below_district = app
        .list(&format!(
            "/api/v1/associations?ancestor_id={}&level=commune&sort=code",
            id(&district)
        ))
        .await;
    assert_eq!(codes(&below_district), vec!["04576", "04579"]);
    let children = app
        .list(&format!(
            "/api/v1/associations?parent_id={}&sort=-code",
            id(&district)
        ))
        .await;
    assert_eq!(codes(&children), vec!["04579", "04576"]);
    let leaf = app
        .list(&format!(
            "/api/v1/associations?ancestor_id={}",
            id(&commune_a)
        ))
        .await;
    assert_eq!(codes(&leaf), vec!["04576-01"]);
    let nobody = app
        .list("/api/v1/associations?ancestor_id=01939f3c-0000-7000-8000-000000000000")
        .await;
    assert!(nobody.is_empty());
    let provinces = app
        .list("/api/v1/associations?level=province&sort=code")
        .await;
    assert_eq!(codes(&provinces), vec!["10", "15"]);
}

#[actix_web::test]
async fn search_ignores_case_and_vietnamese_diacritics() {
    let app = spawn_app().await;
    tree(&app).await;
    for q in [
        "tran%20yen",
        "TR%E1%BA%A4N%20Y%C3%8AN",
        "Tran%20Yen",
        "tr%E1%BA%A5n%20y%C3%AAn",
    ] {
        let found = app.list(&format!("/api/v1/associations?q={q}")).await;
        assert_eq!(codes(&found), vec!["08170"], "q={q}");
    }
    // đ folds to d, and the code is searchable too.
    assert_eq!(
        codes(&app.list("/api/v1/associations?q=dong%20dang").await),
        vec!["04576-01"]
    );
    assert_eq!(
        codes(&app.list("/api/v1/associations?q=08170").await),
        vec!["08170"]
    );
    // LIKE wildcards in q are plain characters.
    assert!(app.list("/api/v1/associations?q=%25").await.is_empty());
    assert!(app.list("/api/v1/associations?q=_").await.is_empty());
}

#[actix_web::test]
async fn a_parent_must_be_strictly_above_its_child_but_levels_may_be_skipped() {
    let app = spawn_app().await;
    let (province, _, commune_a, _, _, _) = tree(&app).await;
    let body = json!({"code": "X1", "name": "Huyện dưới xã", "level": "district", "parent_id": id(&commune_a)});
    let problem = assert_problem(
        app.post_json("/api/v1/associations", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/parent_id".to_owned(), "LEVEL_ORDER".to_owned())]
    );
    let body = json!({"code": "X2", "name": "Tỉnh dưới tỉnh", "level": "province", "parent_id": id(&province)});
    let response = app.post_json("/api/v1/associations", &body).await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    // Since the 2025 reform communes sit directly under provinces.
    let commune = app
        .create_association("X3", "Xã Trấn Yên", "commune", Some(&province))
        .await;
    assert_eq!(commune["depth"], 1);
    let body = json!({"code": "X4", "name": "x", "level": "commune", "parent_id": "01939f3c-0000-7000-8000-000000000000"});
    let problem = assert_problem(
        app.post_json("/api/v1/associations", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/parent_id".to_owned(), "NOT_FOUND".to_owned())]
    );
}

#[actix_web::test]
async fn a_level_change_must_stay_between_parent_and_children() {
    let app = spawn_app().await;
    let (_, district, commune_a, _, _, _) = tree(&app).await;
    let response = app
        .patch_json(&path(&district), &json!({"level": "branch"}), None)
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/level".to_owned(), "LEVEL_ORDER".to_owned())]
    );
    let response = app
        .patch_json(&path(&commune_a), &json!({"level": "province"}), None)
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/parent_id".to_owned(), "LEVEL_ORDER".to_owned())]
    );
}

#[actix_web::test]
async fn moving_an_association_moves_its_whole_subtree() {
    let app = spawn_app().await;
    let (province, _, commune_a, _, branch, other) = tree(&app).await;
    // The 2025 reform: the commune goes directly under another province.
    let response = app
        .patch_json(
            &path(&commune_a),
            &json!({"parent_id": id(&other)}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let moved: Value = response.json().await.unwrap();
    assert_eq!(moved["ancestor_ids"], json!([id(&other)]));
    assert_eq!(moved["depth"], 1);

    let branch_now: Value = app.get(&path(&branch)).await.json().await.unwrap();
    assert_eq!(
        branch_now["ancestor_ids"],
        json!([id(&other), id(&commune_a)])
    );
    assert_eq!(branch_now["depth"], 2);
    assert_eq!(
        branch_now["version"], 2,
        "a moved descendant is a new version"
    );

    let below_other = app
        .list(&format!(
            "/api/v1/associations?ancestor_id={}&sort=code",
            id(&other)
        ))
        .await;
    assert_eq!(codes(&below_other), vec!["04576", "04576-01"]);
    let below_province = app
        .list(&format!(
            "/api/v1/associations?ancestor_id={}&sort=code",
            id(&province)
        ))
        .await;
    assert_eq!(codes(&below_province), vec!["04579", "08170"]);
}

#[actix_web::test]
async fn moving_an_association_under_itself_or_a_descendant_is_a_conflict() {
    let app = spawn_app().await;
    let (province, district, _, _, branch, _) = tree(&app).await;
    for new_parent in [&province, &district, &branch] {
        let response = app
            .patch_json(
                &path(&province),
                &json!({"parent_id": id(new_parent)}),
                None,
            )
            .await;
        assert_problem(response, StatusCode::CONFLICT, "CYCLE").await;
    }
    let unchanged: Value = app.get(&path(&province)).await.json().await.unwrap();
    assert_eq!(unchanged["parent_id"], Value::Null);
}

#[actix_web::test]
async fn deleting_an_association_with_children_is_a_conflict() {
    let app = spawn_app().await;
    let (province, district, _, _, branch, _) = tree(&app).await;
    assert_problem(
        app.delete(&path(&district), None).await,
        StatusCode::CONFLICT,
        "HAS_CHILDREN",
    )
    .await;
    assert_problem(
        app.delete(&path(&province), None).await,
        StatusCode::CONFLICT,
        "HAS_CHILDREN",
    )
    .await;
    assert_eq!(
        app.delete(&path(&branch), None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.list("/api/v1/associations").await.len(), 5);
}

#[actix_web::test]
async fn a_dissolved_association_takes_no_new_children_and_may_name_a_successor() {
    let app = spawn_app().await;
    let (_, district, _, _, _, other) = tree(&app).await;
    // Only a dissolved association has a successor.
    let response = app
        .patch_json(&path(&district), &json!({"successor_id": id(&other)}), None)
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/successor_id".to_owned(), "NOT_DISSOLVED".to_owned())]
    );

    let response = app
        .patch_json(
            &path(&district),
            &json!({"dissolved_on": "2025-07-01", "successor_id": id(&other)}),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let dissolved: Value = response.json().await.unwrap();
    assert_eq!(dissolved["successor_id"], other["id"]);

    let body =
        json!({"code": "X1", "name": "Xã mới", "level": "commune", "parent_id": id(&district)});
    let response = app.post_json("/api/v1/associations", &body).await;
    assert_problem(response, StatusCode::CONFLICT, "PARENT_DISSOLVED").await;

    // The successor cannot be deleted while it is named.
    assert_problem(
        app.delete(&path(&other), None).await,
        StatusCode::CONFLICT,
        "IS_SUCCESSOR",
    )
    .await;

    let response = app
        .patch_json(
            &path(&district),
            &json!({"successor_id": id(&district)}),
            None,
        )
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/successor_id".to_owned(), "SELF_REFERENCE".to_owned())]
    );
}

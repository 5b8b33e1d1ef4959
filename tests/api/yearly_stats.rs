//! Yearly statistics and targets: the rules on counts, one row per
//! association and year, concurrency, scope, and what they protect.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, field_errors, spawn_app};
use khuyenhoc::auth::Role;

fn stats_path(association: &Value) -> String {
    format!(
        "/api/v1/associations/{}/yearly-stats",
        association["id"].as_str().unwrap()
    )
}

#[actix_web::test]
async fn a_year_is_reported_once_and_corrected_with_if_match() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    let path = stats_path(&district);
    let response = app
        .post_json(
            &path,
            &json!({"year": 2020, "member_count": 23793, "population": 91161, "households": 24500,
                    "branch_count": 357, "fund_raised_vnd": 4_500_000_000_i64, "note": "Tổng kết năm 2020"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("{path}/2020")
    );
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["membership_ratio"], 0.261);
    assert_eq!(created["association_id"], district["id"]);
    assert_eq!(created["fund_raised_vnd"], 4_500_000_000_i64);

    assert_problem(
        app.post_json(&path, &json!({"year": 2020, "member_count": 1}))
            .await,
        StatusCode::CONFLICT,
        "DUPLICATE_YEAR",
    )
    .await;

    let stale = app
        .patch_json(
            &format!("{path}/2020"),
            &json!({"member_count": 24000}),
            Some("\"7\""),
        )
        .await;
    assert_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
    )
    .await;
    let response = app
        .patch_json(
            &format!("{path}/2020"),
            &json!({"member_count": 24000, "note": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(
        (updated["version"].as_i64(), updated["note"].is_null()),
        (Some(2), true)
    );
    assert_eq!(updated["membership_ratio"], 0.26327);

    // The population taken away: no ratio rather than a wrong one.
    let response = app
        .patch_json(&format!("{path}/2020"), &json!({"population": null}), None)
        .await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["membership_ratio"],
        Value::Null
    );
    let got: Value = app.get(&format!("{path}/2020")).await.json().await.unwrap();
    assert_eq!(
        (got["member_count"].as_i64(), got["version"].as_i64()),
        (Some(24000), Some(3))
    );
    assert_problem(
        app.get(&format!("{path}/2019")).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    assert_problem(
        app.get(&format!("{path}/năm")).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;

    // Statistics are history: the association stays while it has some.
    let association_path = format!("/api/v1/associations/{}", district["id"].as_str().unwrap());
    assert_problem(
        app.delete(&association_path, None).await,
        StatusCode::CONFLICT,
        "HAS_STATISTICS",
    )
    .await;
    assert_eq!(
        app.delete(&format!("{path}/2020"), Some("\"3\""))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete(&association_path, None).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[actix_web::test]
async fn counts_are_checked_and_nothing_is_half_written() {
    let app = spawn_app().await;
    let commune = app
        .create_association("04576", "Xã Đào Thịnh", "commune", None)
        .await;
    let path = stats_path(&commune);
    let problem = assert_problem(
        app.post_json(
            &path,
            &json!({"year": 1980, "member_count": 5000, "population": 4000, "households": -1}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![
            ("/year".to_owned(), "OUT_OF_RANGE".to_owned()),
            ("/households".to_owned(), "OUT_OF_RANGE".to_owned()),
            (
                "/member_count".to_owned(),
                "MEMBERS_ABOVE_POPULATION".to_owned()
            ),
        ]
    );
    // Zero population is allowed (with zero members) and gives no ratio.
    let response = app
        .post_json(
            &path,
            &json!({"year": 2020, "member_count": 0, "population": 0}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.json::<Value>().await.unwrap()["membership_ratio"],
        Value::Null
    );
    let problem = assert_problem(
        app.patch_json(&format!("{path}/2020"), &json!({"member_count": 10}), None)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![(
            "/member_count".to_owned(),
            "MEMBERS_ABOVE_POPULATION".to_owned()
        )]
    );
    let problem = assert_problem(
        app.post_json(&path, &json!({"year": 2021, "member_count": 1, "year_": 1}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![("/year_".to_owned(), "UNKNOWN_FIELD".to_owned())]
    );
    assert_eq!(app.list(&path).await.len(), 1);
}

#[actix_web::test]
async fn statistics_are_listed_within_the_token_scope() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Tỉnh Yên Bái", "province", None)
        .await;
    let d1 = app
        .create_association("08170", "Huyện Trấn Yên", "district", Some(&province))
        .await;
    let d2 = app
        .create_association("08180", "Huyện Văn Yên", "district", Some(&province))
        .await;
    for (association, year, members) in [(&d1, 2020, 100), (&d1, 2021, 120), (&d2, 2020, 90)] {
        let response = app
            .post_json(
                &stats_path(association),
                &json!({"year": year, "member_count": members, "population": 1000}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let province_id = province["id"].as_str().unwrap();
    let members = |items: Vec<Value>| -> Vec<i64> {
        items
            .iter()
            .map(|i| i["member_count"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(
        members(
            app.list(&format!(
                "/api/v1/yearly-stats?ancestor_id={province_id}&year=2020"
            ))
            .await
        )
        .len(),
        2
    );
    assert_eq!(members(app.list(&stats_path(&d1)).await), vec![100, 120]);

    let d2_viewer = app.with_token(&app.issue_token("văn yên", Role::Viewer, Some(&d2), None));
    assert_eq!(
        members(d2_viewer.list("/api/v1/yearly-stats").await),
        vec![90]
    );
    assert_problem(
        d2_viewer.get(&stats_path(&d1)).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    assert_problem(
        d2_viewer
            .post_json(&stats_path(&d2), &json!({"year": 2021, "member_count": 1}))
            .await,
        StatusCode::FORBIDDEN,
        "ROLE_CANNOT_EDIT",
    )
    .await;
    let d2_editor = app.with_token(&app.issue_token("văn yên", Role::Editor, Some(&d2), None));
    assert_problem(
        d2_editor
            .post_json(&stats_path(&d1), &json!({"year": 2022, "member_count": 1}))
            .await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
}

#[actix_web::test]
async fn targets_are_fractions_with_an_optional_ceiling_one_per_metric_and_year() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    let body = json!({"association_id": district["id"], "metric": "membership_ratio", "year": 2025,
                      "min_value": 0.35, "max_value": 0.4, "note": "Nghị quyết Đại hội"});
    let response = app.post_json("/api/v1/targets", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let target: Value = response.json().await.unwrap();
    assert_eq!(
        (target["min_value"].as_f64(), target["max_value"].as_f64()),
        (Some(0.35), Some(0.4))
    );
    assert_problem(
        app.post_json("/api/v1/targets", &body).await,
        StatusCode::CONFLICT,
        "DUPLICATE_TARGET",
    )
    .await;

    let problem = assert_problem(
        app.post_json(
            "/api/v1/targets",
            &json!({"association_id": district["id"], "metric": "membership_ratio", "year": 2030,
                    "min_value": 35, "max_value": 0.3}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        vec![
            ("/min_value".to_owned(), "OUT_OF_RANGE".to_owned()),
            ("/max_value".to_owned(), "BELOW_MIN_VALUE".to_owned()),
        ]
    );
    let response = app
        .post_json(
            "/api/v1/targets",
            &json!({"association_id": district["id"], "metric": "learning_district_criteria_met",
                    "year": 2025, "min_value": 19}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let target_path = format!("/api/v1/targets/{}", target["id"].as_str().unwrap());
    let response = app
        .patch_json(&target_path, &json!({"max_value": null}), Some("\"1\""))
        .await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["max_value"],
        Value::Null
    );
    let district_id = district["id"].as_str().unwrap();
    let listed = app
        .list(&format!(
            "/api/v1/targets?association_id={district_id}&metric=membership_ratio"
        ))
        .await;
    assert_eq!(listed.len(), 1);
    let outsider = app
        .create_association("08180", "Huyện Văn Yên", "district", None)
        .await;
    let other = app.with_token(&app.issue_token("văn yên", Role::Editor, Some(&outsider), None));
    assert_problem(
        other.get(&target_path).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    assert!(other.list("/api/v1/targets").await.is_empty());
    assert_eq!(
        app.delete(&target_path, Some("\"2\"")).await.status(),
        StatusCode::NO_CONTENT
    );
}

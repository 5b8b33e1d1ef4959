//! Reports, checked against numbers computed by hand from one fixture: a
//! province with two districts and five communes, their yearly statistics,
//! targets and commune assessments. Both forms (JSON and CSV) and scope.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, csv_records, spawn_app, TestApp};
use khuyenhoc::auth::Role;

pub struct Fixture {
    pub app: TestApp,
    pub province: Value,
    pub d1: Value,
    pub d2: Value,
    pub communes: Vec<Value>,
    pub commune_set: String,
}

pub fn id(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

pub async fn set_id(app: &TestApp, code: &str) -> String {
    app.list(&format!(
        "/api/v1/criteria-sets?code={code}&status=published"
    ))
    .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn stats(app: &TestApp, association: &Value, body: Value) {
    let path = format!("/api/v1/associations/{}/yearly-stats", id(association));
    let response = app.post_json(&path, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
}

pub async fn target(
    app: &TestApp,
    association: &Value,
    metric: &str,
    year: i32,
    min: f64,
    max: Option<f64>,
) {
    let body = json!({"association_id": association["id"], "metric": metric, "year": year,
                      "min_value": min, "max_value": max});
    let response = app.post_json("/api/v1/targets", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
}

/// Makes an assessment and takes it to `status` (the test token is an admin
/// of the whole tree, above every subject).
pub async fn assess(
    app: &TestApp,
    set: &str,
    kind: &str,
    subject: &Value,
    period: i32,
    results: Value,
    status: &str,
) -> Value {
    let body = json!({"criteria_set_id": set, "subject_kind": kind, "subject_id": subject["id"],
                      "period": period, "results": results});
    let response = app.post_json("/api/v1/assessments", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let mut assessment: Value = response.json().await.unwrap();
    let steps: &[&str] = match status {
        "draft" => &[],
        "submitted" => &["submit"],
        _ => &["submit", "approve"],
    };
    for step in steps {
        let response = app
            .request(
                Method::POST,
                &format!("/api/v1/assessments/{}/{step}", id(&assessment)),
            )
            .header("If-Match", format!("\"{}\"", assessment["version"]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{step}");
        assessment = response.json().await.unwrap();
    }
    assessment
}

/// The commune framework: `met` of its 5 criteria met, in order.
fn commune_results(met: usize) -> Value {
    (1..=5)
        .map(|n| json!({"criterion_code": format!("XA{n}"), "met": n <= met, "score": i32::from(n <= met)}))
        .collect()
}

/// Province P (own members 500) → D1 (own members 300) → C11 (1,000 of
/// 4,000), C12 (1,500 of 5,000); D2 (no report) → C21 (0 of 0), C22 (800
/// of 3,200), C23 (no report). Year 2020; C11 also reports 2021.
pub async fn fixture() -> Fixture {
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
    let mut communes = Vec::new();
    for (code, name, parent) in [
        ("04576", "Xã Đào Thịnh", &d1),
        ("04579", "Xã Hưng Khánh", &d1),
        ("04600", "Xã An Bình", &d2),
        ("04603", "Xã Đông Cuông", &d2),
        ("04606", "Xã Mậu Đông", &d2),
    ] {
        communes.push(
            app.create_association(code, name, "commune", Some(parent))
                .await,
        );
    }
    stats(
        &app,
        &province,
        json!({"year": 2020, "member_count": 500, "branch_count": 2}),
    )
    .await;
    stats(&app, &d1, json!({"year": 2020, "member_count": 300})).await;
    stats(
        &app,
        &communes[0],
        json!({"year": 2020, "member_count": 1000, "population": 4000,
                                     "households": 1000, "scholarship_value_vnd": 20_000_000}),
    )
    .await;
    stats(
        &app,
        &communes[1],
        json!({"year": 2020, "member_count": 1500, "population": 5000,
                                     "households": 1200, "scholarship_value_vnd": 30_000_000}),
    )
    .await;
    stats(
        &app,
        &communes[2],
        json!({"year": 2020, "member_count": 0, "population": 0}),
    )
    .await;
    stats(
        &app,
        &communes[3],
        json!({"year": 2020, "member_count": 800, "population": 3200}),
    )
    .await;
    stats(
        &app,
        &communes[0],
        json!({"year": 2021, "member_count": 1200, "population": 4000}),
    )
    .await;
    target(&app, &province, "membership_ratio", 2025, 0.35, Some(0.4)).await;
    target(&app, &d2, "membership_ratio", 2020, 0.2, None).await;
    target(
        &app,
        &province,
        "communes_good_or_above_ratio",
        2020,
        1.0,
        None,
    )
    .await;

    let commune_set = set_id(&app, "learning-community-commune").await;
    for (commune, met, status) in [
        (0, 5, "approved"),
        (1, 3, "approved"),
        (2, 2, "approved"),
        (3, 3, "submitted"),
        (4, 5, "draft"),
    ] {
        assess(
            &app,
            &commune_set,
            "commune",
            &communes[commune],
            2020,
            commune_results(met),
            status,
        )
        .await;
    }
    Fixture {
        app,
        province,
        d1,
        d2,
        communes,
        commune_set,
    }
}

pub async fn json_report(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

/// The CSV form of a report: checks the BOM and the content type, and
/// returns the lines as maps of column → value.
async fn csv_report(app: &TestApp, path: &str) -> Vec<std::collections::HashMap<String, String>> {
    let response = app
        .request(Method::GET, path)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "a UTF-8 byte-order mark comes first"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header = reader.headers().expect("a header line").clone();
    assert!(!header.is_empty(), "a header line, even without rows");
    reader
        .records()
        .map(|record| {
            let record = record.expect("a well-formed CSV line");
            header
                .iter()
                .map(str::to_owned)
                .zip(record.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

#[actix_web::test]
async fn membership_adds_members_and_population_up_the_tree() {
    let f = fixture().await;
    let report = json_report(
        &f.app,
        &format!(
            "/api/v1/reports/membership?association_id={}&year=2020",
            id(&f.province)
        ),
    )
    .await;
    assert_eq!(report["association"]["name"], "Tỉnh Yên Bái");
    assert_eq!(report["own"]["member_count"], 500);
    assert_eq!(report["own"]["membership_ratio"], Value::Null);
    let children = report["children"].as_array().unwrap();
    assert_eq!(children.len(), 2);
    // D1: 300 + 1,000 + 1,500 members over 4,000 + 5,000 people.
    let d1 = &children[0];
    assert_eq!(d1["association"]["id"], f.d1["id"]);
    assert_eq!(
        (
            &d1["figures"]["member_count"],
            &d1["figures"]["population"],
            &d1["figures"]["households"]
        ),
        (&json!(2800), &json!(9000), &json!(2200))
    );
    assert_eq!(d1["figures"]["membership_ratio"], 0.311111);
    assert_eq!(
        (
            &d1["figures"]["reporting_count"],
            &d1["figures"]["association_count"]
        ),
        (&json!(3), &json!(3))
    );
    assert_eq!(d1["figures"]["scholarship_value_vnd"], 50_000_000);
    assert_eq!(d1["target"], Value::Null);
    // D2: 0 + 800 over 0 + 3,200; two of its four associations reported; its own 20 % target is met.
    let d2 = &children[1];
    assert_eq!(
        (&d2["figures"]["member_count"], &d2["figures"]["population"]),
        (&json!(800), &json!(3200))
    );
    assert_eq!(d2["figures"]["membership_ratio"], 0.25);
    assert_eq!(
        (
            &d2["figures"]["reporting_count"],
            &d2["figures"]["association_count"]
        ),
        (&json!(2), &json!(4))
    );
    assert_eq!(d2["figures"]["scholarship_value_vnd"], Value::Null);
    assert_eq!(
        (&d2["target"]["status"], &d2["target"]["gap_to_min"]),
        (&json!("within"), &json!(-0.05))
    );
    // The total is a sum over a sum (4,100 / 12,200), not an average of ratios.
    let total = &report["total"];
    assert_eq!(
        (
            &total["figures"]["member_count"],
            &total["figures"]["population"]
        ),
        (&json!(4100), &json!(12200))
    );
    assert_eq!(total["figures"]["membership_ratio"], 0.336066);
    assert_eq!(
        (
            &total["figures"]["reporting_count"],
            &total["figures"]["association_count"]
        ),
        (&json!(6), &json!(8))
    );
    assert_eq!(total["figures"]["branch_count"], 2);
    assert_eq!(
        total["target"],
        json!({"target_id": total["target"]["target_id"], "year": 2025, "min_value": 0.35, "max_value": 0.4,
               "actual": 0.336066, "gap_to_min": 0.013934, "status": "below"})
    );

    // The CSV form: the same numbers, Vietnamese intact.
    let lines = csv_report(
        &f.app,
        &format!(
            "/api/v1/reports/membership?association_id={}&year=2020",
            id(&f.province)
        ),
    )
    .await;
    assert_eq!(
        lines.iter().map(|l| l["row"].as_str()).collect::<Vec<_>>(),
        vec!["own", "child", "child", "total"]
    );
    assert_eq!(lines[1]["association_name"], "Huyện Trấn Yên");
    assert_eq!(
        (
            lines[1]["member_count"].as_str(),
            lines[1]["membership_ratio"].as_str()
        ),
        ("2800", "0.311111")
    );
    let total = &lines[3];
    assert_eq!(
        (
            total["member_count"].as_str(),
            total["population"].as_str(),
            total["membership_ratio"].as_str()
        ),
        ("4100", "12200", "0.336066")
    );
    assert_eq!(
        (
            total["target_min_value"].as_str(),
            total["target_status"].as_str()
        ),
        ("0.35", "below")
    );
}

#[actix_web::test]
async fn an_empty_year_reports_zeros_and_no_ratio() {
    let f = fixture().await;
    let report = json_report(
        &f.app,
        &format!(
            "/api/v1/reports/membership?association_id={}&year=2019",
            id(&f.province)
        ),
    )
    .await;
    let total = &report["total"]["figures"];
    assert_eq!(
        (
            &total["member_count"],
            &total["population"],
            &total["membership_ratio"]
        ),
        (&json!(0), &Value::Null, &Value::Null)
    );
    assert_eq!(
        (&total["reporting_count"], &total["association_count"]),
        (&json!(0), &json!(8))
    );
    // The 2025 target still applies to 2019, with nothing to compare.
    assert_eq!(
        (
            &report["total"]["target"]["status"],
            &report["total"]["target"]["actual"]
        ),
        (&json!("unknown"), &Value::Null)
    );
    // A commune with zero population has no ratio.
    let c21 = json_report(
        &f.app,
        &format!(
            "/api/v1/reports/membership?association_id={}&year=2020",
            id(&f.communes[2])
        ),
    )
    .await;
    assert_eq!(
        (
            &c21["total"]["figures"]["population"],
            &c21["total"]["figures"]["membership_ratio"]
        ),
        (&json!(0), &Value::Null)
    );
    assert!(c21["children"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn assessment_counts_roll_up_by_status_and_rating() {
    let f = fixture().await;
    let path = format!(
        "/api/v1/reports/assessments?association_id={}&criteria_set_id={}&period=2020",
        id(&f.province),
        f.commune_set
    );
    let report = json_report(&f.app, &path).await;
    assert_eq!(report["criteria_set"]["code"], "learning-community-commune");
    assert_eq!(report["target_metric"], "communes_good_or_above_ratio");
    let total = &report["total"]["counts"];
    assert_eq!(total["assessment_count"], 5);
    assert_eq!(
        total["by_status"],
        json!({"draft": 1, "submitted": 1, "approved": 3})
    );
    // Ratings count approved results only: Tốt, Khá and one Chưa đạt.
    assert_eq!(
        total["by_rating"],
        json!({"excellent": 1, "good": 1, "fair": 0, "not_met": 1})
    );
    assert_eq!(
        (&total["assessed_count"], &total["recognised_count"]),
        (&json!(3), &json!(2))
    );
    assert_eq!(
        (&total["recognised_ratio"], &total["good_or_above_ratio"]),
        (&json!(0.666667), &json!(0.666667))
    );
    assert_eq!(
        (
            &report["total"]["target"]["min_value"],
            &report["total"]["target"]["gap_to_min"],
            &report["total"]["target"]["status"]
        ),
        (&json!(1.0), &json!(0.333333), &json!("below"))
    );
    let children = report["children"].as_array().unwrap();
    // D1: both communes approved Khá or above: 100 %.
    assert_eq!(children[0]["counts"]["good_or_above_ratio"], 1.0);
    assert_eq!(children[0]["counts"]["assessed_count"], 2);
    // D2: one approved (Chưa đạt), one submitted, one draft.
    assert_eq!(
        children[1]["counts"]["by_status"],
        json!({"draft": 1, "submitted": 1, "approved": 1})
    );
    assert_eq!(children[1]["counts"]["good_or_above_ratio"], 0.0);
    assert_eq!(report["own"]["assessment_count"], 0);

    let lines = csv_report(&f.app, &path).await;
    let total = lines.last().unwrap();
    assert_eq!(total["row"], "total");
    assert_eq!(
        (
            total["assessment_count"].as_str(),
            total["approved"].as_str(),
            total["excellent"].as_str(),
            total["not_met"].as_str()
        ),
        ("5", "3", "1", "1")
    );
    assert_eq!(
        (
            total["good_or_above_ratio"].as_str(),
            total["target_metric"].as_str()
        ),
        ("0.666667", "communes_good_or_above_ratio")
    );
    assert_eq!(lines[2]["association_name"], "Huyện Văn Yên");

    // Another year: nothing assessed, no ratio.
    let empty = json_report(&f.app, &path.replace("period=2020", "period=2021")).await;
    assert_eq!(
        (
            &empty["total"]["counts"]["assessment_count"],
            &empty["total"]["counts"]["recognised_ratio"]
        ),
        (&json!(0), &Value::Null)
    );
}

#[actix_web::test]
async fn the_learning_district_report_shows_each_criterion_and_what_is_missing() {
    let f = fixture().await;
    let set = set_id(&f.app, "learning-district").await;
    let results: Value = (1..=19)
        .map(|n| json!({"criterion_code": format!("TC{n:02}"), "met": n <= 17, "score": i32::from(n <= 17),
                        "note": if n == 8 { json!("26,1 % dân số là hội viên") } else { Value::Null }}))
        .collect();
    assess(&f.app, &set, "district", &f.d1, 2021, results, "approved").await;
    target(
        &f.app,
        &f.d1,
        "learning_district_criteria_met",
        2025,
        19.0,
        None,
    )
    .await;

    let path = format!(
        "/api/v1/reports/learning-district?association_id={}&period=2021",
        id(&f.d1)
    );
    let report = json_report(&f.app, &path).await;
    assert_eq!(
        (&report["status"], &report["rating"], &report["recognised"]),
        (&json!("approved"), &json!("good"), &json!(true))
    );
    assert_eq!(
        (&report["met_count"], &report["criteria_count"]),
        (&json!(17), &json!(19))
    );
    let criteria = report["criteria"].as_array().unwrap();
    assert_eq!(criteria.len(), 19);
    assert_eq!(
        (
            &criteria[7]["code"],
            &criteria[7]["met"],
            &criteria[7]["note"]
        ),
        (
            &json!("TC08"),
            &json!(true),
            &json!("26,1 % dân số là hội viên")
        )
    );
    assert_eq!(criteria[18]["met"], false);
    let missing: Vec<(&str, i64)> = report["missing_required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["code"].as_str().unwrap(), c["level"].as_i64().unwrap()))
        .collect();
    assert_eq!(missing, vec![("TC18", 2), ("TC19", 2)]);
    assert_eq!(
        (&report["target"]["actual"], &report["target"]["gap_to_min"]),
        (&json!(17.0), &json!(2.0))
    );

    let lines = csv_report(&f.app, &path).await;
    assert_eq!(lines.len(), 19);
    assert_eq!(
        (
            lines[0]["criterion_code"].as_str(),
            lines[0]["met"].as_str(),
            lines[0]["rating"].as_str()
        ),
        ("TC01", "true", "good")
    );
    assert_eq!(lines[18]["met"], "false");
    assert_eq!(lines[0]["group_name"], "Điều kiện");

    // No assessment that year: an empty report, not an error.
    let none = json_report(
        &f.app,
        &format!(
            "/api/v1/reports/learning-district?association_id={}&period=2021",
            id(&f.d2)
        ),
    )
    .await;
    assert_eq!(
        (&none["assessment_id"], &none["rating"]),
        (&Value::Null, &Value::Null)
    );
    assert!(none["criteria"].as_array().unwrap().is_empty());
    let lines = csv_report(
        &f.app,
        &format!(
            "/api/v1/reports/learning-district?association_id={}&period=2021",
            id(&f.d2)
        ),
    )
    .await;
    assert!(lines.is_empty());
}

#[actix_web::test]
async fn a_trend_gives_one_point_per_year() {
    let f = fixture().await;
    let path = format!(
        "/api/v1/reports/trend?association_id={}&metric=membership_ratio&from=2019&to=2021",
        id(&f.province)
    );
    let report = json_report(&f.app, &path).await;
    let points: Vec<(i64, Value, i64, i64)> = report["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["year"].as_i64().unwrap(),
                p["value"].clone(),
                p["numerator"].as_i64().unwrap(),
                p["denominator"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        points,
        vec![
            (2019, Value::Null, 0, 0),
            (2020, json!(0.336066), 4100, 12200),
            (2021, json!(0.3), 1200, 4000)
        ]
    );
    assert_eq!(report["points"][1]["target"]["year"], 2025);

    let communes = json_report(&f.app, &format!(
        "/api/v1/reports/trend?association_id={}&metric=communes_good_or_above_ratio&from=2020&to=2020", id(&f.province))).await;
    assert_eq!(
        (
            &communes["points"][0]["numerator"],
            &communes["points"][0]["denominator"]
        ),
        (&json!(2), &json!(3))
    );
    assert_eq!(communes["points"][0]["target"]["status"], "below");

    let lines = csv_report(&f.app, &path).await;
    assert_eq!(
        lines
            .iter()
            .map(|l| (l["year"].as_str(), l["value"].as_str()))
            .collect::<Vec<_>>(),
        vec![("2019", ""), ("2020", "0.336066"), ("2021", "0.3")]
    );
}

#[actix_web::test]
async fn reports_cover_only_what_the_token_sees() {
    let f = fixture().await;
    let d2_viewer =
        f.app.with_token(
            &f.app
                .issue_token("văn yên", Role::Viewer, Some(&f.d2), None),
        );
    for path in [
        format!(
            "/api/v1/reports/membership?association_id={}&year=2020",
            id(&f.province)
        ),
        format!(
            "/api/v1/reports/membership?association_id={}&year=2020",
            id(&f.d1)
        ),
        format!(
            "/api/v1/reports/assessments?association_id={}&criteria_set_id={}&period=2020",
            id(&f.d1),
            f.commune_set
        ),
        format!(
            "/api/v1/reports/learning-district?association_id={}&period=2020",
            id(&f.d1)
        ),
        format!(
            "/api/v1/reports/trend?association_id={}&metric=membership_ratio&from=2020&to=2020",
            id(&f.province)
        ),
    ] {
        // Built for the admin first: what the admin saw is not the viewer's.
        assert_eq!(f.app.get(&path).await.status(), StatusCode::OK);
        assert_problem(
            d2_viewer.get(&path).await,
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        )
        .await;
    }
    let own = json_report(
        &d2_viewer,
        &format!(
            "/api/v1/reports/membership?association_id={}&year=2020",
            id(&f.d2)
        ),
    )
    .await;
    assert_eq!(own["total"]["figures"]["member_count"], 800);
}

#[actix_web::test]
async fn a_report_asked_again_shows_what_was_committed_meanwhile() {
    let f = fixture().await;
    let path = format!(
        "/api/v1/reports/membership?association_id={}&year=2020",
        id(&f.province)
    );
    let total = |report: &Value| report["total"]["figures"]["member_count"].clone();
    let before = json_report(&f.app, &path).await;
    assert_eq!(total(&before), json!(4100));
    assert_eq!(json_report(&f.app, &path).await, before);
    let csv_before = csv_report(&f.app, &path).await;

    // C23 reports its year: both forms count it at once.
    stats(
        &f.app,
        &f.communes[4],
        json!({"year": 2020, "member_count": 250, "population": 1000}),
    )
    .await;
    let after = json_report(&f.app, &path).await;
    assert_eq!(total(&after), json!(4350));
    let csv_after = csv_report(&f.app, &path).await;
    let csv_total = |lines: &[std::collections::HashMap<String, String>]| {
        lines.iter().find(|l| l["row"] == "total").unwrap()["member_count"].clone()
    };
    assert_eq!(
        (csv_total(&csv_before), csv_total(&csv_after)),
        ("4100".to_owned(), "4350".to_owned())
    );

    // A rename shows in the report's names; a delete takes the figures out.
    let commune = format!("/api/v1/associations/{}", id(&f.communes[4]));
    let renamed = f
        .app
        .patch_json(&commune, &json!({"name": "Xã Mậu Đông mới"}), None)
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let d2 = format!(
        "/api/v1/reports/membership?association_id={}&year=2020",
        id(&f.d2)
    );
    let report = json_report(&f.app, &d2).await;
    let names: Vec<_> = report["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["association"]["name"].clone())
        .collect();
    assert!(names.contains(&json!("Xã Mậu Đông mới")), "{names:?}");
    let stats_path = format!("{commune}/yearly-stats/2020");
    assert_eq!(
        f.app.delete(&stats_path, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(total(&json_report(&f.app, &path).await), json!(4100));
}

#[actix_web::test]
async fn report_parameters_are_checked() {
    let f = fixture().await;
    let province = id(&f.province);
    for (query, status, code) in [
        (
            format!("membership?association_id={province}"),
            StatusCode::BAD_REQUEST,
            "MISSING_PARAMETER",
        ),
        (
            format!("membership?association_id={province}&year=1800"),
            StatusCode::BAD_REQUEST,
            "OUT_OF_RANGE",
        ),
        (
            format!("trend?association_id={province}&metric=membership_ratio&from=2021&to=2020"),
            StatusCode::BAD_REQUEST,
            "BEFORE_FROM",
        ),
        (
            format!("trend?association_id={province}&metric=happiness&from=2020&to=2020"),
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETER",
        ),
        (
            format!("assessments?association_id={province}&criteria_set_id=nope&period=2020"),
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETER",
        ),
        (
            format!(
                "assessments?association_id={province}&criteria_set_id={}&period=2020",
                uuid::Uuid::now_v7()
            ),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
    ] {
        assert_problem(
            f.app.get(&format!("/api/v1/reports/{query}")).await,
            status,
            code,
        )
        .await;
    }
    let response = f
        .app
        .request(
            Method::GET,
            &format!("/api/v1/reports/membership?association_id={province}&year=2020"),
        )
        .header("Accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE").await;
}

/// A report's workbook as `/file` answers it: its sheet's name and rows (as
/// calamine reads them back), and the raw XML of its sheet and styles.
struct Workbook {
    sheet: String,
    rows: Vec<Vec<calamine::Data>>,
    /// The summary sheet's rows (heading, value), when there is one.
    summary: Vec<Vec<calamine::Data>>,
    sheet_xml: String,
    styles_xml: String,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn workbook(app: &TestApp, path: &str, language: &str) -> Workbook {
    use calamine::Reader;
    use std::io::Read;
    let (base, query) = path.split_once('?').unwrap();
    let response = app
        .request(Method::GET, &format!("{base}/file?{query}"))
        .header("Accept-Language", language)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(response.headers()["content-type"], XLSX);
    assert_eq!(response.headers()["content-language"], language);
    let disposition = response.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.contains(".xlsx"), "{disposition}");
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let names = book.sheet_names();
    let sheet = names.last().unwrap().clone();
    let mut rows_of = |name: &str| -> Vec<Vec<calamine::Data>> {
        let range = book.worksheet_range(name).unwrap();
        range.rows().map(<[calamine::Data]>::to_vec).collect()
    };
    let rows = rows_of(&sheet);
    let summary = if names.len() > 1 {
        rows_of(&names[0])
    } else {
        Vec::new()
    };
    let lines_part = format!("xl/worksheets/sheet{}.xml", names.len());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut part = |name: &str| {
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    Workbook {
        sheet,
        sheet_xml: part(&lines_part),
        styles_xml: part("xl/styles.xml"),
        rows,
        summary,
    }
}

/// The CSV form's header and lines, in order.
async fn csv_lines(app: &TestApp, path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let response = app
        .request(Method::GET, path)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    csv_records(&response.text().await.unwrap())
}

/// Every cell of the workbook holds the CSV form's value of the same report,
/// in a type: numbers as numbers, yes/no as booleans, the rest as text (a
/// CSV cell's formula escape `'` is the CSV's own).
fn assert_same_values(book: &Workbook, (header, lines): &(Vec<String>, Vec<Vec<String>>)) {
    use calamine::Data;
    assert_eq!(
        book.rows.len(),
        lines.len() + 1,
        "a heading row and a row per line"
    );
    assert_eq!(book.rows[0].len(), header.len());
    for (line, row) in lines.iter().zip(&book.rows[1..]) {
        for ((name, csv), cell) in header.iter().zip(line).zip(row) {
            match cell {
                Data::Empty => assert!(csv.is_empty(), "{name}: {csv:?} left out"),
                Data::Float(n) => {
                    assert_eq!(*n, csv.parse::<f64>().unwrap(), "{name}")
                }
                Data::Int(n) => assert_eq!(*n as f64, csv.parse::<f64>().unwrap(), "{name}"),
                Data::Bool(b) => assert_eq!(b.to_string(), *csv, "{name}"),
                Data::String(text) => {
                    assert_eq!(text, csv.strip_prefix('\'').unwrap_or(csv), "{name}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }
    assert!(!book.sheet_xml.contains("<f>"), "no formula is written");
}

/// The value of the column headed `heading` in `row`.
fn cell<'a>(book: &'a Workbook, row: usize, heading: &str) -> &'a calamine::Data {
    let col = book.rows[0]
        .iter()
        .position(|h| *h == heading)
        .unwrap_or_else(|| panic!("no column {heading}: {:?}", book.rows[0]));
    &book.rows[row][col]
}

#[actix_web::test]
async fn each_report_is_a_workbook_of_the_same_values_in_their_types() {
    use calamine::Data;
    let f = fixture().await;
    // A name that looks like a formula stays text in the workbook.
    let formula = f
        .app
        .create_association(
            "08190",
            "=HYPERLINK(\"http://x\")",
            "district",
            Some(&f.province),
        )
        .await;
    stats(
        &f.app,
        &formula,
        json!({"year": 2020, "member_count": 10, "population": 40}),
    )
    .await;
    let membership = format!(
        "/api/v1/reports/membership?association_id={}&year=2020",
        id(&f.province)
    );
    let report = json_report(&f.app, &membership).await;
    let book = workbook(&f.app, &membership, "vi").await;
    assert_eq!(book.sheet, "Hội viên");
    assert_eq!(book.rows[0][0], Data::String("Dòng".into()));
    assert_same_values(&book, &csv_lines(&f.app, &membership).await);
    let total = book.rows.len() - 1;
    assert_eq!(cell(&book, total, "Mã hội"), &Data::String("15".into()));
    assert_eq!(
        cell(&book, total, "Số hội viên"),
        &Data::Float(report["total"]["figures"]["member_count"].as_f64().unwrap())
    );
    assert_eq!(
        cell(&book, total, "Tỉ lệ hội viên / dân số"),
        &Data::Float(
            report["total"]["figures"]["membership_ratio"]
                .as_f64()
                .unwrap()
        )
    );
    assert_eq!(cell(&book, total, "Năm"), &Data::Float(2020.0));
    assert!(
        book.styles_xml.contains("formatCode=\"0.0%\""),
        "ratios as percentages"
    );
    assert!(
        book.sheet_xml.contains("<pane ySplit=\"1\""),
        "the heading row is frozen"
    );
    let names: Vec<String> = book.rows.iter().map(|r| r[3].to_string()).collect();
    assert!(
        names.contains(&"=HYPERLINK(\"http://x\")".to_owned()),
        "{names:?}"
    );
    // Headings in English when asked for.
    let english = workbook(&f.app, &membership, "en").await;
    assert_eq!(english.sheet, "Membership");
    assert!(english.rows[0].contains(&Data::String("Members".into())));

    // The other three reports, cell by cell against their CSV lines.
    // The fixture's communes are assessed for 2020; the district is, here, for 2021.
    let district_set = set_id(&f.app, "learning-district").await;
    let criteria: Value = (1..=19)
        .map(|n| json!({"criterion_code": format!("TC{n:02}"), "met": n <= 17, "score": i32::from(n <= 17)}))
        .collect();
    assess(
        &f.app,
        &district_set,
        "district",
        &f.d1,
        2021,
        criteria,
        "approved",
    )
    .await;
    for (path, sheet) in [
        (
            format!(
                "/api/v1/reports/assessments?association_id={}&criteria_set_id={}&period=2020",
                id(&f.province),
                f.commune_set
            ),
            "Kết quả đánh giá",
        ),
        (
            format!(
                "/api/v1/reports/learning-district?association_id={}&period=2021",
                id(&f.d1)
            ),
            "Huyện học tập",
        ),
        (
            format!(
                "/api/v1/reports/trend?association_id={}&metric=membership_ratio&from=2019&to=2021",
                id(&f.province)
            ),
            "Diễn biến",
        ),
    ] {
        let book = workbook(&f.app, &path, "vi").await;
        assert_eq!(book.sheet, sheet);
        assert_same_values(&book, &csv_lines(&f.app, &path).await);
    }
    let district = format!(
        "/api/v1/reports/learning-district?association_id={}&period=2021",
        id(&f.d1)
    );
    let book = workbook(&f.app, &district, "vi").await;
    let report = json_report(&f.app, &district).await;
    // The form's summary sheet comes first: whose, which year, the result.
    let summary = |heading: &str| {
        book.summary
            .iter()
            .find(|row| row[0] == Data::String(heading.into()))
            .unwrap_or_else(|| panic!("no {heading}: {:?}", book.summary))[1]
            .clone()
    };
    assert_eq!(summary("Hội"), Data::String("Huyện Trấn Yên".into()));
    assert_eq!(summary("Mã hội"), Data::String("08170".into()));
    assert_eq!(summary("Kỳ đánh giá"), Data::Float(2021.0));
    assert_eq!(
        summary("Số tiêu chí đạt"),
        Data::Float(report["met_count"].as_f64().unwrap())
    );
    let rating = match report["rating"].as_str().unwrap() {
        "excellent" => "Tốt",
        "good" => "Khá",
        "fair" => "Trung bình",
        _ => "Chưa đạt",
    };
    assert_eq!(summary("Xếp loại"), Data::String(rating.into()));
    assert_eq!(summary("Điểm"), Data::Float(17.0));
    assert_eq!(book.rows.len(), 20, "a heading and a row per criterion");
    assert_eq!(cell(&book, 1, "Tiêu chí"), &Data::String("TC01".into()));
    assert_eq!(cell(&book, 1, "Đạt"), &Data::Bool(true));
    assert_eq!(cell(&book, 19, "Đạt"), &Data::Bool(false));
    assert_eq!(cell(&book, 1, "Điểm tối đa"), &Data::Float(1.0));
}

#[actix_web::test]
async fn a_report_file_offers_a_workbook_or_csv_and_the_json_operation_stays_json() {
    let f = fixture().await;
    let path = format!(
        "/api/v1/reports/membership/file?association_id={}&year=2020",
        id(&f.province)
    );
    let csv = f
        .app
        .request(Method::GET, &path)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let json = f
        .app
        .request(Method::GET, &path)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(json, StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("text/csv"),
        "{problem}"
    );
    // The JSON operation answers JSON, and a workbook to whoever asks for one.
    let plain = path.replace("/file", "");
    let response = f.app.get(&plain).await;
    assert_eq!(response.headers()["content-type"], "application/json");
    let response = f
        .app
        .request(Method::GET, &plain)
        .header("Accept", XLSX)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], XLSX);
    // The document states JSON alone for the JSON operation, the files on `/file`.
    let doc = f.app.document().await;
    let content = |path: &str| {
        doc["paths"][path]["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    for report in ["membership", "assessments", "learning-district", "trend"] {
        assert_eq!(
            content(&format!("/api/v1/reports/{report}")),
            ["application/json"]
        );
        let mut files = vec![XLSX, "text/csv"];
        if ["membership", "learning-district"].contains(&report) {
            files.push("application/pdf");
        }
        let mut offered = content(&format!("/api/v1/reports/{report}/file"));
        offered.sort_by_key(|form| files.iter().position(|f| f == form));
        assert_eq!(offered, files);
    }
}

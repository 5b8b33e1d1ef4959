//! Families, clans and village communities assessed, and criteria the
//! service measures from the data: the family template's bands, the clan's
//! "half of its households" at its edge, a measure taken on create, again on
//! submit and frozen on approval, and the learning district's criteria 9–11
//! against a fixture of a district's size whose shares were computed by hand.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use khuyenhoc::criteria_sets::model::template_id;

fn id(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

fn etag(value: &Value) -> String {
    format!("\"{}\"", value["version"])
}

fn path(assessment: &Value) -> String {
    format!("/api/v1/assessments/{}", id(assessment))
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let response = app.post_json(path, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    response.json().await.unwrap()
}

async fn patched(app: &TestApp, current: &Value, body: Value) -> Value {
    let response = app
        .patch_json(&path(current), &body, Some(&etag(current)))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    response.json().await.unwrap()
}

async fn acted(app: &TestApp, current: &Value, action: &str) -> Value {
    let response = app
        .request(Method::POST, &format!("{}/{action}", path(current)))
        .header("If-Match", etag(current))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{action}");
    response.json().await.unwrap()
}

async fn fetched(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

/// The result of criterion `code` in an assessment or a report.
fn result<'a>(results: &'a Value, code: &str) -> &'a Value {
    results
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["criterion_code"] == code || r["code"] == code)
        .unwrap_or_else(|| panic!("no result for {code}"))
}

/// Inserts one row for each `i` in `numbers`, in one statement: fixtures
/// of a district's size, which the API would take minutes to build.
fn seed(app: &TestApp, numbers: std::ops::RangeInclusive<usize>, insert: &str, select: &str) {
    let (start, end) = numbers.into_inner();
    app.execute_sql(&format!(
        "WITH RECURSIVE n(i) AS (SELECT {start} UNION ALL SELECT i + 1 FROM n WHERE i < {end}) \
         INSERT INTO {insert} SELECT {select} FROM n"
    ));
}

const STAMP: &str = "'2025-06-01 00:00:00', '2025-06-01 00:00:00'";

/// Households `{prefix}-1` … `{prefix}-{count}` of an association, naming a
/// clan or a village when given.
fn seed_households(
    app: &TestApp,
    prefix: &str,
    association: &Value,
    (clan, village): (Option<&Value>, Option<&Value>),
    count: usize,
) {
    let quoted = |v: Option<&Value>| v.map_or("NULL".to_owned(), |v| format!("'{}'", id(v)));
    seed(
        app,
        1..=count,
        "households (id, code, head_name, search_text, association_id, address, member_count, \
         phone, clan_id, community_id, version, created_at, updated_at)",
        &format!(
            "'{prefix}-' || i, '{prefix}-' || i, 'Hộ ' || i, 'ho ' || i, '{}', NULL, 4, NULL, {}, {}, 1, {STAMP}",
            id(association),
            quoted(clan),
            quoted(village),
        ),
    );
}

/// Assessments of 2025 against template `set` of subjects `{prefix}-{i}`
/// for `i` in `range`: approved and recognised, approved and not, or drafts.
fn seed_assessments(
    app: &TestApp,
    (kind, set): (&str, (&str, &str)),
    prefix: &str,
    association: &Value,
    range: std::ops::RangeInclusive<usize>,
    (status, recognised): (&str, bool),
) {
    let (rating, score) = if recognised {
        ("good", 85)
    } else {
        ("not_met", 40)
    };
    seed(
        app,
        range,
        "assessments (id, criteria_set_id, subject_kind, subject_id, subject_association_id, \
         period, assessor_association_id, results, total_score, max_score, met_count, \
         required_met, rating, recognised, status, submitted_at, reviewed_at, reviewer_note, \
         version, created_at, updated_at)",
        &format!(
            "'a-{prefix}-' || i, '{set_id}', '{kind}', '{prefix}-' || i, '{association}', 2025, \
             '{association}', '[]', {score}, 100, 0, TRUE, '{rating}', {recognised}, '{status}', \
             NULL, NULL, NULL, 1, {STAMP}",
            set_id = template_id(set.0, set.1),
            association = id(association),
        ),
    );
}

const FAMILY: (&str, (&str, &str)) = ("family", ("learning-family", "2015"));
const CLAN: (&str, (&str, &str)) = ("clan", ("learning-clan", "2015"));
const COMMUNITY: (&str, (&str, &str)) = ("community", ("learning-community-village", "2015"));

struct District {
    app: TestApp,
    district: Value,
    commune: Value,
    village: Value,
}

async fn district() -> District {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Tỉnh Yên Bái", "province", None)
        .await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", Some(&province))
        .await;
    let commune = app
        .create_association("04576", "Xã Việt Thành", "commune", Some(&district))
        .await;
    let village = created(
        &app,
        "/api/v1/communities",
        json!({"code": "THON-3", "name": "Thôn 3", "kind": "village", "association_id": commune["id"]}),
    )
    .await;
    District {
        app,
        district,
        commune,
        village,
    }
}

/// Family results scoring `total` points: full marks on indicators from
/// GD01 on, the rest on the next one.
fn family_results(total: i32) -> Value {
    let results: Vec<Value> = (1..=10)
        .map(|n| {
            let score = (total - (n - 1) * 10).clamp(0, 10);
            json!({"criterion_code": format!("GD{n:02}"), "met": score > 0, "score": score})
        })
        .collect();
    Value::Array(results)
}

#[actix_web::test]
async fn a_family_is_rated_at_the_edges_of_the_templates_bands() {
    let d = district().await;
    let household = created(
        &d.app,
        "/api/v1/households",
        json!({"code": "HO-01", "head_name": "Nguyễn Văn An", "association_id": d.commune["id"],
               "community_id": d.village["id"]}),
    )
    .await;
    let mut assessment = created(
        &d.app,
        "/api/v1/assessments",
        json!({"criteria_set_id": template_id("learning-family", "2015"), "subject_kind": "family",
               "subject_id": household["id"], "period": 2025, "results": family_results(79)}),
    )
    .await;
    assert_eq!(
        (
            &assessment["total_score"],
            &assessment["rating"],
            &assessment["recognised"]
        ),
        (&json!(79), &json!("not_met"), &json!(false))
    );
    for (total, rating, recognised) in [
        (80, "good", true),
        (89, "good", true),
        (90, "excellent", true),
        (100, "excellent", true),
    ] {
        assessment = patched(
            &d.app,
            &assessment,
            json!({"results": family_results(total)}),
        )
        .await;
        assert_eq!(assessment["total_score"], total);
        assert_eq!(assessment["rating"], rating, "{total} points");
        assert_eq!(assessment["recognised"], recognised, "{total} points");
    }
    // The household's own view lists it; a family set takes no citizen.
    let view = fetched(
        &d.app,
        &format!("/api/v1/households/{}/assessments", id(&household)),
    )
    .await;
    assert_eq!(view["items"].as_array().unwrap().len(), 1);
    assert_eq!(view["items"][0]["subject_kind"], "family");
    // A household with an assessment is kept.
    let location = format!("/api/v1/households/{}", id(&household));
    let response = d.app.delete(&location, Some(&etag(&household))).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[actix_web::test]
async fn a_clan_is_recognised_with_half_of_its_households_and_not_with_fewer() {
    let d = district().await;
    let clan = created(
        &d.app,
        "/api/v1/clans",
        json!({"name": "Dòng họ Nguyễn Văn – chi 2", "association_id": d.commune["id"]}),
    )
    .await;
    seed_households(&d.app, "HC", &d.commune, (Some(&clan), None), 1000);
    seed_assessments(
        &d.app,
        FAMILY,
        "HC",
        &d.commune,
        1..=500,
        ("approved", true),
    );
    // Families whose assessment is not yet approved do not count.
    seed_assessments(&d.app, FAMILY, "HC", &d.commune, 501..=520, ("draft", true));
    // The assessor claims DH01 is not met; the data decides it is.
    let others = json!([
        {"criterion_code": "DH01", "met": false, "score": 0, "note": "Sổ theo dõi của dòng họ"},
        {"criterion_code": "DH02", "met": true, "score": 20},
        {"criterion_code": "DH03", "met": true, "score": 20},
        {"criterion_code": "DH04", "met": true, "score": 20},
    ]);
    let assessment = created(
        &d.app,
        "/api/v1/assessments",
        json!({"criteria_set_id": template_id("learning-clan", "2015"), "subject_kind": "clan",
               "subject_id": clan["id"], "period": 2025, "results": others}),
    )
    .await;
    let half = result(&assessment["results"], "DH01");
    assert_eq!(half["met"], true, "{half}");
    assert_eq!(half["score"], 40);
    assert_eq!(half["note"], "Sổ theo dõi của dòng họ");
    let measured = &half["measured"];
    assert_eq!(
        (
            &measured["value"],
            &measured["numerator"],
            &measured["denominator"]
        ),
        (&json!(0.5), &json!(500), &json!(1000))
    );
    assert_eq!(measured["measure"], "member_households_recognised_ratio");
    assert_eq!(measured["denominator_source"], "registered_households");
    assert_eq!(
        (&measured["threshold"], &measured["threshold_source"]),
        (&json!(0.5), &json!("fixed"))
    );
    assert_eq!(assessment["rating"], "good");
    assert_eq!(assessment["recognised"], true);

    // One family fewer: 499 of 1,000 is 49.9 %, below the bar.
    d.app
        .execute_sql("UPDATE assessments SET recognised = FALSE WHERE id = 'a-HC-500'");
    let changed = patched(
        &d.app,
        &assessment,
        json!({"results": others.as_array().unwrap()[1..]}),
    )
    .await;
    let half = result(&changed["results"], "DH01");
    assert_eq!(half["measured"]["value"], 0.499);
    assert_eq!(half["met"], false);
    assert_eq!(half["score"], 0);
    assert_eq!(changed["total_score"], 60);
    assert_eq!(changed["rating"], "not_met");
    assert_eq!(changed["recognised"], false);
}

#[actix_web::test]
async fn a_measure_is_taken_on_create_again_on_submit_and_frozen_on_approval() {
    let d = district().await;
    seed_households(&d.app, "HV", &d.commune, (None, Some(&d.village)), 10);
    seed_assessments(&d.app, FAMILY, "HV", &d.commune, 1..=4, ("approved", true));
    let results = json!([
        {"criterion_code": "TH02", "met": true, "score": 20},
        {"criterion_code": "TH03", "met": true, "score": 20},
        {"criterion_code": "TH04", "met": true, "score": 20},
    ]);
    let draft = created(
        &d.app,
        "/api/v1/assessments",
        json!({"criteria_set_id": template_id("learning-community-village", "2015"),
               "subject_kind": "community", "subject_id": d.village["id"], "period": 2025,
               "results": results}),
    )
    .await;
    let first = result(&draft["results"], "TH01");
    assert_eq!(
        (&first["measured"]["value"], &first["met"]),
        (&json!(0.4), &json!(false))
    );
    assert_eq!(draft["rating"], "not_met");

    // A fifth family recognised before the village sends its assessment up.
    seed_assessments(&d.app, FAMILY, "HV", &d.commune, 5..=5, ("approved", true));
    let submitted = acted(&d.app, &draft, "submit").await;
    let sent = result(&submitted["results"], "TH01");
    assert_eq!(
        (&sent["measured"]["value"], &sent["met"]),
        (&json!(0.5), &json!(true))
    );
    assert_eq!(sent["measured"]["numerator"], 5);
    assert_eq!(submitted["rating"], "good");
    assert_eq!(submitted["recognised"], true);
    let approved = acted(&d.app, &submitted, "approve").await;

    // Later the data changes; the approved result does not.
    d.app.execute_sql(
        "UPDATE assessments SET recognised = FALSE WHERE id IN ('a-HV-1', 'a-HV-2', 'a-HV-3')",
    );
    let kept = fetched(&d.app, &path(&approved)).await;
    assert_eq!(kept["status"], "approved");
    let kept_result = result(&kept["results"], "TH01");
    assert_eq!(kept_result["measured"], sent["measured"]);
    assert_eq!(kept_result["met"], true);
    assert_eq!(kept["rating"], "good");
    let view = fetched(
        &d.app,
        &format!("/api/v1/communities/{}/assessments", id(&d.village)),
    )
    .await;
    assert_eq!(view["items"][0]["id"], approved["id"]);
    // `khuyenhoc check` finds every family and village assessment where its subject is.
    crate::integrity::assert_consistent(&d.app);
}

#[actix_web::test]
async fn the_district_report_fills_criteria_9_to_11_as_computed_by_hand() {
    let d = district().await;
    let app = &d.app;
    // 24,785 households, 23,218 of them learning families (93.68 %); 23,230
    // registered for the title (7 approved without it, 5 drafts): 99.95 %.
    seed_households(app, "H", &d.commune, (None, None), 24_785);
    seed_assessments(app, FAMILY, "H", &d.commune, 1..=23_218, ("approved", true));
    seed_assessments(
        app,
        FAMILY,
        "H",
        &d.commune,
        23_219..=23_225,
        ("approved", false),
    );
    seed_assessments(
        app,
        FAMILY,
        "H",
        &d.commune,
        23_226..=23_230,
        ("draft", false),
    );
    // 48 clans, 35 recognised (72.92 %); 60 villages (Thôn 3 and 59 more),
    // 45 recognised (75 %).
    seed(
        app,
        1..=48,
        "clans (id, name, search_text, association_id, community_id, version, created_at, updated_at)",
        &format!("'C-' || i, 'Dòng họ ' || i, 'dong ho ' || i, '{}', NULL, 1, {STAMP}", id(&d.commune)),
    );
    seed_assessments(app, CLAN, "C", &d.commune, 1..=35, ("approved", true));
    seed(
        app,
        1..=59,
        "communities (id, code, name, search_text, kind, association_id, household_count, \
         population, version, created_at, updated_at)",
        &format!("'V-' || i, 'V-' || i, 'Thôn ' || i, 'thon ' || i, 'village', '{}', NULL, NULL, 1, {STAMP}", id(&d.commune)),
    );
    seed_assessments(app, COMMUNITY, "V", &d.commune, 1..=45, ("approved", true));
    // The district's targets for 2025 (Decision 387/QĐ-TTg), none for membership.
    for (metric, min) in [
        ("recognised_family_ratio", 0.7),
        ("recognised_clan_ratio", 0.65),
        ("recognised_community_ratio", 0.8),
    ] {
        created(
            app,
            "/api/v1/targets",
            json!({"association_id": d.district["id"], "metric": metric, "year": 2025, "min_value": min}),
        )
        .await;
    }
    let assessment = created(
        app,
        "/api/v1/assessments",
        json!({"criteria_set_id": template_id("learning-district", "2021-pilot-computed"),
               "subject_kind": "district", "subject_id": d.district["id"], "period": 2025}),
    )
    .await;
    // The service filled in the seven measured criteria without being asked.
    assert_eq!(assessment["results"].as_array().unwrap().len(), 7);

    let report = fetched(
        app,
        &format!(
            "/api/v1/reports/learning-district?association_id={}&period=2025",
            id(&d.district)
        ),
    )
    .await;
    assert_eq!(report["criteria_set"]["edition"], "2021-pilot-computed");
    let criteria = &report["criteria"];
    for (code, value, numerator, denominator, source, threshold, met) in [
        (
            "TC09",
            0.936776,
            23_218,
            24_785,
            "registered_households",
            0.7,
            true,
        ),
        ("TC10", 0.729167, 35, 48, "registered_clans", 0.65, true),
        ("TC11", 0.75, 45, 60, "registered_communities", 0.8, false),
    ] {
        let c = result(criteria, code);
        let m = &c["measured"];
        assert_eq!(m["value"], value, "{code}");
        assert_eq!(
            (&m["numerator"], &m["denominator"]),
            (&json!(numerator), &json!(denominator))
        );
        assert_eq!(m["denominator_source"], source, "{code}");
        assert_eq!(
            (&m["threshold"], &m["threshold_source"]),
            (&json!(threshold), &json!("target"))
        );
        assert_eq!(c["met"], met, "{code}");
    }
    // Without a membership target, criterion 8 is measured and not met.
    let membership = result(criteria, "TC08");
    assert_eq!(membership["measured"]["threshold_source"], "no_target");
    assert_eq!(membership["met"], false);
    // Criteria 1–7 are the assessor's: no result yet, nothing measured.
    assert!(result(criteria, "TC01")["measured"].is_null());
    assert!(report["missing_required"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["code"] == "TC11"));

    // The assessments report counts families against registered and against all.
    let families = fetched(
        app,
        &format!(
            "/api/v1/reports/assessments?association_id={}&criteria_set_id={}&period=2025",
            id(&d.district),
            template_id("learning-family", "2015")
        ),
    )
    .await;
    let total = &families["total"]["counts"];
    assert_eq!(
        (
            &total["recognised_count"],
            &total["assessment_count"],
            &total["subject_count"]
        ),
        (&json!(23_218), &json!(23_230), &json!(24_785))
    );
    assert_eq!(total["recognised_of_registered_ratio"], 0.999483);
    assert_eq!(total["recognised_of_all_ratio"], 0.936776);
    assert_eq!(total["subject_count_source"], "registered_households");
    assert_eq!(families["target_metric"], "recognised_family_ratio");
    assert_eq!(families["total"]["target"]["actual"], 0.936776);
    // And so does the trend, year by year.
    let trend = fetched(
        app,
        &format!(
            "/api/v1/reports/trend?association_id={}&metric=recognised_family_ratio&from=2024&to=2025",
            id(&d.district)
        ),
    )
    .await;
    let year = &trend["points"][1];
    assert_eq!(
        (&year["year"], &year["value"]),
        (&json!(2025), &json!(0.936776))
    );
    assert_eq!(year["registered_count"], 23_230);
    assert_eq!(year["recognised_of_registered_ratio"], 0.999483);
    assert_eq!(year["denominator_source"], "registered_households");
    assert_eq!(trend["points"][0]["numerator"], 0);
}

#[actix_web::test]
async fn without_registered_households_families_are_counted_against_the_yearly_statistics() {
    let d = district().await;
    let app = &d.app;
    created(
        app,
        &format!("/api/v1/associations/{}/yearly-stats", id(&d.commune)),
        json!({"year": 2025, "member_count": 900, "population": 4000, "households": 1000}),
    )
    .await;
    let families = fetched(
        app,
        &format!(
            "/api/v1/reports/assessments?association_id={}&criteria_set_id={}&period=2025",
            id(&d.district),
            template_id("learning-family", "2015")
        ),
    )
    .await;
    let total = &families["total"]["counts"];
    assert_eq!(total["subject_count"], 1000);
    assert_eq!(total["subject_count_source"], "yearly_stats_households");
    assert_eq!(total["recognised_of_all_ratio"], 0.0);
    assert!(total["recognised_of_registered_ratio"].is_null());
    // A household registered anywhere in the district makes the register the denominator.
    created(
        app,
        "/api/v1/households",
        json!({"code": "HO-01", "head_name": "Nguyễn Văn An", "association_id": d.commune["id"]}),
    )
    .await;
    let trend = fetched(
        app,
        &format!(
            "/api/v1/reports/trend?association_id={}&metric=recognised_family_ratio&from=2025&to=2025",
            id(&d.district)
        ),
    )
    .await;
    assert_eq!(trend["points"][0]["denominator"], 1);
    assert_eq!(
        trend["points"][0]["denominator_source"],
        "registered_households"
    );
}

#[actix_web::test]
async fn a_household_deleted_or_moved_while_it_is_assessed_leaves_no_assessment_behind() {
    // On PostgreSQL an assessment's write locks its subject FOR SHARE and a
    // delete locks it FOR UPDATE before counting assessments: the delete
    // waits and is refused, or goes first and the assessments find no
    // household. A move waits and carries the assessments along.
    let d = district().await;
    let other = d
        .app
        .create_association("04579", "Xã Hưng Khánh", "commune", Some(&d.district))
        .await;
    let assess = |app: &TestApp, household: &Value| {
        (2021..2025).map({
            let (app, household) = (app.clone(), household["id"].clone());
            move |period| {
                let app = app.clone();
                let body = json!({"criteria_set_id": template_id("learning-family", "2015"),
                                  "subject_kind": "family", "subject_id": household, "period": period});
                async move { app.post_json("/api/v1/assessments", &body).await.status() }
            }
        })
    };
    for round in 0..6 {
        let household = created(
            &d.app,
            "/api/v1/households",
            json!({"code": format!("D{round}"), "head_name": "Hộ", "association_id": d.commune["id"]}),
        )
        .await;
        let app = d.app.clone();
        let location = format!("/api/v1/households/{}", id(&household));
        let delete = async move { app.delete(&location, None).await.status() };
        let (statuses, deleted) = futures_util::future::join(
            futures_util::future::join_all(assess(&d.app, &household)),
            delete,
        )
        .await;
        let kept = d
            .app
            .list(&format!(
                "/api/v1/assessments?subject_id={}",
                id(&household)
            ))
            .await
            .len();
        let made = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        assert_eq!(kept, made, "{statuses:?} {deleted}");
        match deleted {
            StatusCode::NO_CONTENT => assert_eq!(made, 0, "{statuses:?}"),
            StatusCode::CONFLICT => assert!(made > 0, "{statuses:?}"),
            other => panic!("the delete answered {other}"),
        }
    }
    for round in 0..6 {
        let household = created(
            &d.app,
            "/api/v1/households",
            json!({"code": format!("M{round}"), "head_name": "Hộ", "association_id": d.commune["id"]}),
        )
        .await;
        let app = d.app.clone();
        let location = format!("/api/v1/households/{}", id(&household));
        let to = json!({"association_id": other["id"]});
        let moved = async move { app.patch_json(&location, &to, None).await.status() };
        let (_, moved) = futures_util::future::join(
            futures_util::future::join_all(assess(&d.app, &household)),
            moved,
        )
        .await;
        assert_eq!(moved, StatusCode::OK);
        for assessment in d
            .app
            .list(&format!(
                "/api/v1/assessments?subject_id={}",
                id(&household)
            ))
            .await
        {
            assert_eq!(
                assessment["subject_association_id"], other["id"],
                "round {round}"
            );
        }
    }
    crate::integrity::assert_consistent(&d.app);
}

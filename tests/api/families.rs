//! Households and clans: registration, the personal phone, the clan and
//! village they name (seen by the caller, in the household's area), and
//! the deletes their references hold back.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, field_errors, spawn_app, TestApp};
use khuyenhoc::auth::Role;

fn id(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let response = app.post_json(path, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    response.json().await.unwrap()
}

struct Area {
    app: TestApp,
    commune: Value,
    branch: Value,
    other: Value,
    village: Value,
}

/// A district with two communes; the first has a branch and a village.
async fn area() -> Area {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    let commune = app
        .create_association("04576", "Xã Việt Thành", "commune", Some(&district))
        .await;
    let branch = app
        .create_association("04576-T3", "Chi hội thôn 3", "branch", Some(&commune))
        .await;
    let other = app
        .create_association("04579", "Xã Hưng Khánh", "commune", Some(&district))
        .await;
    let village = created(
        &app,
        "/api/v1/communities",
        json!({"code": "THON-3", "name": "Thôn 3", "kind": "village", "association_id": commune["id"]}),
    )
    .await;
    Area {
        app,
        commune,
        branch,
        other,
        village,
    }
}

#[actix_web::test]
async fn a_household_is_registered_and_its_phone_shown_only_to_editors() {
    let a = area().await;
    let clan = created(
        &a.app,
        "/api/v1/clans",
        json!({"name": "Dòng họ Nguyễn Văn – chi 2", "association_id": a.commune["id"],
               "community_id": a.village["id"]}),
    )
    .await;
    // A household of the branch names its commune's clan and village.
    let household = created(
        &a.app,
        "/api/v1/households",
        json!({"code": "HO-01", "head_name": "Nguyễn Văn An", "association_id": a.branch["id"],
               "member_count": 5, "phone": "0912 345 678", "clan_id": clan["id"],
               "community_id": a.village["id"]}),
    )
    .await;
    assert_eq!(household["phone"], "0912 345 678");
    let location = format!("/api/v1/households/{}", id(&household));

    let editor = a.app.with_token(
        &a.app
            .issue_token("xã", Role::Editor, Some(&a.commune), None),
    );
    let viewer = a.app.with_token(
        &a.app
            .issue_token("xem", Role::Viewer, Some(&a.commune), None),
    );
    let integration =
        a.app.with_token(
            &a.app
                .issue_token("sync", Role::Integration, Some(&a.commune), None),
        );
    let seen = |v: Value| v["phone"].clone();
    assert_eq!(
        seen(editor.get(&location).await.json().await.unwrap()),
        json!("0912 345 678")
    );
    for reader in [&viewer, &integration] {
        let one: Value = reader.get(&location).await.json().await.unwrap();
        assert_eq!(
            (one["phone"].clone(), one["head_name"].clone()),
            (Value::Null, json!("Nguyễn Văn An"))
        );
        let listed = reader
            .list(&format!("/api/v1/households?clan_id={}", id(&clan)))
            .await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["phone"], Value::Null);
        let csv = reader
            .request(reqwest::Method::GET, "/api/v1/households")
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(csv.contains("HO-01") && !csv.contains("0912"), "{csv}");
    }

    // The clan's and the village's households, without diacritics.
    let found = a
        .app
        .list(&format!(
            "/api/v1/households?community_id={}&q=nguyen%20van%20an",
            id(&a.village)
        ))
        .await;
    assert_eq!(found.len(), 1);
    let changed = a
        .app
        .patch_json(
            &location,
            &json!({"phone": null, "member_count": 6}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(
        (changed["phone"].clone(), changed["member_count"].clone()),
        (Value::Null, json!(6))
    );
    let again =
        json!({"code": "HO-01", "head_name": "Trần Thị Bình", "association_id": a.branch["id"]});
    assert_problem(
        a.app.post_json("/api/v1/households", &again).await,
        StatusCode::CONFLICT,
        "DUPLICATE_CODE",
    )
    .await;
}

#[actix_web::test]
async fn a_household_names_only_a_clan_and_village_it_may() {
    let a = area().await;
    let elsewhere = created(
        &a.app,
        "/api/v1/clans",
        json!({"name": "Dòng họ Lê", "association_id": a.other["id"]}),
    )
    .await;
    let household = |extra: Value| {
        let mut body = json!({"code": "HO-02", "head_name": "Lê Văn Cường", "association_id": a.commune["id"]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    // Another commune's clan: not of this area.
    let refused = assert_problem(
        a.app
            .post_json(
                "/api/v1/households",
                &household(json!({"clan_id": elsewhere["id"]})),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&refused),
        [("/clan_id".to_owned(), "OUTSIDE_AREA".to_owned())]
    );
    // A clan that does not exist, and a village the token does not see.
    let missing = household(json!({"clan_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}));
    let refused = assert_problem(
        a.app.post_json("/api/v1/households", &missing).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&refused),
        [("/clan_id".to_owned(), "NOT_FOUND".to_owned())]
    );
    let branch_editor =
        a.app.with_token(
            &a.app
                .issue_token("thôn", Role::Editor, Some(&a.branch), None),
        );
    let body = json!({"code": "HO-03", "head_name": "Phạm Văn Dũng", "association_id": a.branch["id"],
                      "community_id": a.village["id"]});
    let refused = assert_problem(
        branch_editor.post_json("/api/v1/households", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&refused),
        [("/community_id".to_owned(), "NOT_FOUND".to_owned())]
    );
    // A village is named by id only from its commune down: not by a clan of the other commune.
    let refused = assert_problem(
        a.app
            .post_json(
                "/api/v1/clans",
                &json!({"name": "Dòng họ Hà", "association_id": a.other["id"], "community_id": a.village["id"]}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&refused),
        [("/community_id".to_owned(), "OUTSIDE_AREA".to_owned())]
    );
}

#[actix_web::test]
async fn what_households_name_is_not_deleted_nor_moved_from_under_them() {
    let a = area().await;
    let clan = created(
        &a.app,
        "/api/v1/clans",
        json!({"name": "Dòng họ Nguyễn", "association_id": a.commune["id"], "community_id": a.village["id"]}),
    )
    .await;
    let household = created(
        &a.app,
        "/api/v1/households",
        json!({"code": "HO-01", "head_name": "Nguyễn Văn An", "association_id": a.commune["id"],
               "clan_id": clan["id"]}),
    )
    .await;
    let clan_path = format!("/api/v1/clans/{}", id(&clan));
    let village_path = format!("/api/v1/communities/{}", id(&a.village));
    assert_problem(
        a.app.delete(&clan_path, None).await,
        StatusCode::CONFLICT,
        "HAS_HOUSEHOLDS",
    )
    .await;
    assert_problem(
        a.app
            .patch_json(
                &clan_path,
                &json!({"association_id": a.other["id"], "community_id": null}),
                None,
            )
            .await,
        StatusCode::CONFLICT,
        "HAS_HOUSEHOLDS",
    )
    .await;
    assert_problem(
        a.app.delete(&village_path, None).await,
        StatusCode::CONFLICT,
        "HAS_CLANS",
    )
    .await;
    created(
        &a.app,
        "/api/v1/households",
        json!({"code": "HO-09", "head_name": "Lê Thị Hoa", "association_id": a.other["id"]}),
    )
    .await;
    let other_path = format!("/api/v1/associations/{}", id(&a.other));
    assert_problem(
        a.app.delete(&other_path, None).await,
        StatusCode::CONFLICT,
        "HAS_HOUSEHOLDS",
    )
    .await;

    let household_path = format!("/api/v1/households/{}", id(&household));
    assert_eq!(
        a.app.delete(&household_path, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        a.app.delete(&clan_path, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        a.app.delete(&village_path, None).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[actix_web::test]
async fn a_clan_deleted_or_moved_while_households_name_it_leaves_none_outside() {
    // On PostgreSQL a household's write locks the clan it names: the delete
    // waits and then sees the household, or goes first and the households
    // find no clan. Either way no household names a clan that is gone.
    let a = area().await;
    for round in 0..5 {
        let clan = created(
            &a.app,
            "/api/v1/clans",
            json!({"name": format!("Dòng họ {round}"), "association_id": a.commune["id"]}),
        )
        .await;
        let creates = (0..8).map(|i| {
            let app = a.app.clone();
            let body = json!({"code": format!("R{round}-{i}"), "head_name": "Hộ", "association_id": a.commune["id"],
                              "clan_id": clan["id"]});
            async move { app.post_json("/api/v1/households", &body).await.status() }
        });
        let app = a.app.clone();
        let clan_path = format!("/api/v1/clans/{}", id(&clan));
        let delete = async move { app.delete(&clan_path, None).await.status() };
        let (statuses, deleted) =
            futures_util::future::join(futures_util::future::join_all(creates), delete).await;
        let named = a
            .app
            .list(&format!("/api/v1/households?clan_id={}", id(&clan)))
            .await
            .len();
        let made = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        assert_eq!(named, made, "{statuses:?} {deleted}");
        match deleted {
            StatusCode::NO_CONTENT => assert_eq!(made, 0, "{statuses:?}"),
            StatusCode::CONFLICT => assert!(made > 0, "{statuses:?}"),
            other => panic!("delete answered {other}"),
        }
    }

    // A clan moved to another commune while households name it: the move
    // waits for their writes and is refused, or goes first and they are
    // refused (the clan is no longer of their area). Never both.
    for round in 0..5 {
        let clan = created(
            &a.app,
            "/api/v1/clans",
            json!({"name": format!("Dòng họ chuyển {round}"), "association_id": a.commune["id"]}),
        )
        .await;
        let creates = (0..8).map(|i| {
            let app = a.app.clone();
            let body = json!({"code": format!("M{round}-{i}"), "head_name": "Hộ", "association_id": a.commune["id"],
                              "clan_id": clan["id"]});
            async move { app.post_json("/api/v1/households", &body).await.status() }
        });
        let app = a.app.clone();
        let clan_path = format!("/api/v1/clans/{}", id(&clan));
        let to = json!({"association_id": a.other["id"]});
        let moved = async move { app.patch_json(&clan_path, &to, None).await.status() };
        let (statuses, moved) =
            futures_util::future::join(futures_util::future::join_all(creates), moved).await;
        let named = a
            .app
            .list(&format!("/api/v1/households?clan_id={}", id(&clan)))
            .await
            .len();
        match moved {
            StatusCode::OK => assert_eq!(named, 0, "{statuses:?}"),
            StatusCode::CONFLICT => assert!(named > 0, "{statuses:?}"),
            other => panic!("the move answered {other}"),
        }
    }
}

#[actix_web::test]
async fn a_clan_moved_while_a_household_naming_it_is_written_waits_for_it() {
    use diesel::connection::SimpleConnection;
    use khuyenhoc::db::DbConnection;
    use khuyenhoc::households::{model::HouseholdRow, rules::HouseholdFields};
    let a = area().await;
    let mut writer = a.app.db().connection().unwrap();
    if !matches!(&**writer, DbConnection::Postgres(_)) {
        return; // SQLite's one writer cannot interleave two writes.
    }
    let clan = created(
        &a.app,
        "/api/v1/clans",
        json!({"name": "Dòng họ Trần", "association_id": a.commune["id"]}),
    )
    .await;
    // A household's write, left open after it named the clan.
    writer.batch_execute("BEGIN").unwrap();
    let actor = khuyenhoc::auth::Actor {
        name: "test".into(),
        ..khuyenhoc::auth::Actor::command_line()
    };
    let fields = HouseholdFields {
        code: "HO-01".into(),
        head_name: "Trần Văn Bảo".into(),
        association_id: id(&a.commune).into(),
        address: None,
        member_count: None,
        phone: None,
        clan_id: Some(id(&clan).into()),
        community_id: None,
    };
    khuyenhoc::resource::create::<HouseholdRow>(&mut writer, &actor, None, fields).unwrap();
    // Meanwhile the clan is moved to the other commune: it waits for the household.
    let app = a.app.clone();
    let clan_path = format!("/api/v1/clans/{}", id(&clan));
    let to = json!({"association_id": a.other["id"]});
    let moving = actix_web::rt::spawn(async move { app.patch_json(&clan_path, &to, None).await });
    actix_web::rt::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(
        !moving.is_finished(),
        "the move did not wait for the household"
    );
    writer.batch_execute("COMMIT").unwrap();
    assert_problem(
        moving.await.unwrap(),
        StatusCode::CONFLICT,
        "HAS_HOUSEHOLDS",
    )
    .await;
}

//! Village learning communities: registration under a commune, scope, the
//! code unique within the commune, and the commune's delete.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, field_errors, spawn_app, TestApp};
use khuyenhoc::auth::Role;

async fn create_community(app: &TestApp, code: &str, name: &str, commune: &Value) -> Value {
    let body = json!({"code": code, "name": name, "kind": "village",
                      "association_id": commune["id"], "household_count": 180, "population": 720});
    let response = app.post_json("/api/v1/communities", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "creating {code}");
    response.json().await.unwrap()
}

fn path(community: &Value) -> String {
    format!("/api/v1/communities/{}", community["id"].as_str().unwrap())
}

#[actix_web::test]
async fn a_community_is_registered_read_updated_listed_and_deleted() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    let commune = app
        .create_association("04576", "Xã Việt Thành", "commune", Some(&district))
        .await;
    let body = json!({"code": "THON-3", "name": "Thôn 3", "kind": "village",
                      "association_id": commune["id"], "household_count": 182, "population": 731});
    let response = app.post_json("/api/v1/communities", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let community: Value = response.json().await.unwrap();
    assert_eq!(location, path(&community));
    assert_eq!(
        (&community["kind"], &community["household_count"]),
        (&json!("village"), &json!(182))
    );
    assert_eq!(
        app.get(&location).await.json::<Value>().await.unwrap(),
        community
    );

    let renamed = app
        .patch_json(
            &location,
            &json!({"name": "Thôn Đồng Tâm", "kind": "residential_group", "population": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(
        (
            &renamed["name"],
            &renamed["kind"],
            &renamed["population"],
            &renamed["version"]
        ),
        (
            &json!("Thôn Đồng Tâm"),
            &json!("residential_group"),
            &Value::Null,
            &json!(2)
        )
    );
    let stale = app
        .patch_json(&location, &json!({"name": "Thôn 4"}), Some("\"1\""))
        .await;
    assert_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
    )
    .await;

    create_community(&app, "THON-5", "Thôn 5", &commune).await;
    // Below the district, without diacritics.
    let found = app
        .list(&format!(
            "/api/v1/communities?ancestor_id={}&q=dong%20tam",
            district["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], community["id"]);
    let all = app
        .list(&format!(
            "/api/v1/communities?association_id={}",
            commune["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(all.len(), 2);

    // The commune keeps its villages: deleting it is refused while they are there.
    let commune_path = format!("/api/v1/associations/{}", commune["id"].as_str().unwrap());
    assert_problem(
        app.delete(&commune_path, None).await,
        StatusCode::CONFLICT,
        "HAS_COMMUNITIES",
    )
    .await;
    assert_eq!(
        app.delete(&location, Some("\"2\"")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&location).await.status(), StatusCode::NOT_FOUND);

    // Every change is in the feed, the delete as a tombstone.
    let feed: Value = app
        .get("/api/v1/changes?types=community&page_size=100")
        .await
        .json()
        .await
        .unwrap();
    let ops: Vec<(&str, i64)> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["id"] == community["id"])
        .map(|e| (e["op"].as_str().unwrap(), e["version"].as_i64().unwrap()))
        .collect();
    assert_eq!(ops, [("upsert", 1), ("upsert", 2), ("delete", 2)]);
}

#[actix_web::test]
async fn a_community_belongs_to_a_commune_and_holds_its_code_alone_there() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    let commune = app
        .create_association("04576", "Xã Việt Thành", "commune", Some(&district))
        .await;
    let other = app
        .create_association("04579", "Xã Hưng Khánh", "commune", Some(&district))
        .await;
    let under_district = json!({"code": "THON-1", "name": "Thôn 1", "kind": "village",
                                "association_id": district["id"]});
    let refused = assert_problem(
        app.post_json("/api/v1/communities", &under_district).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&refused),
        [("/association_id".to_owned(), "NOT_A_COMMUNE".to_owned())]
    );

    let first = create_community(&app, "THON-1", "Thôn 1", &commune).await;
    let again = json!({"code": "THON-1", "name": "Thôn Một", "kind": "village",
                       "association_id": commune["id"]});
    assert_problem(
        app.post_json("/api/v1/communities", &again).await,
        StatusCode::CONFLICT,
        "DUPLICATE_CODE",
    )
    .await;
    // The same code in another commune is another village.
    create_community(&app, "THON-1", "Thôn 1", &other).await;
    // Moving the first there would make two.
    assert_problem(
        app.patch_json(&path(&first), &json!({"association_id": other["id"]}), None)
            .await,
        StatusCode::CONFLICT,
        "DUPLICATE_CODE",
    )
    .await;

    let crowded = json!({"code": "THON-9", "name": "Thôn 9", "kind": "hamlet",
                         "association_id": commune["id"], "household_count": 300, "population": 200});
    let refused = assert_problem(
        app.post_json("/api/v1/communities", &crowded).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        field_errors(&refused),
        [(
            "/household_count".to_owned(),
            "MORE_THAN_POPULATION".to_owned()
        )]
    );
    let unknown = json!({"code": "THON-9", "name": "Thôn 9", "kind": "castle",
                         "association_id": commune["id"]});
    assert!(app
        .post_json("/api/v1/communities", &unknown)
        .await
        .status()
        .is_client_error());
}

#[actix_web::test]
async fn an_editor_registers_and_sees_the_communities_of_its_commune_only() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    let commune = app
        .create_association("04576", "Xã Việt Thành", "commune", Some(&district))
        .await;
    let other = app
        .create_association("04579", "Xã Hưng Khánh", "commune", Some(&district))
        .await;
    let theirs = create_community(&app, "THON-2", "Thôn 2", &other).await;
    let editor = app.with_token(&app.issue_token("việt thành", Role::Editor, Some(&commune), None));
    let ours = create_community(&editor, "THON-1", "Thôn 1", &commune).await;

    // Outside its commune: not seen, not created, not moved to.
    assert_eq!(
        editor.get(&path(&theirs)).await.status(),
        StatusCode::NOT_FOUND
    );
    let listed = editor.list("/api/v1/communities").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], ours["id"]);
    let elsewhere = json!({"code": "THON-7", "name": "Thôn 7", "kind": "village",
                           "association_id": other["id"]});
    let refused = assert_problem(
        editor.post_json("/api/v1/communities", &elsewhere).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(field_errors(&refused)[0].0, "/association_id");
    let moved = editor
        .patch_json(&path(&ours), &json!({"association_id": other["id"]}), None)
        .await;
    assert_eq!(moved.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get(&path(&ours)).await.json::<Value>().await.unwrap()["association_id"],
        commune["id"]
    );

    // A viewer reads but does not write.
    let viewer = app.with_token(&app.issue_token("xem", Role::Viewer, Some(&commune), None));
    assert_eq!(viewer.get(&path(&ours)).await.status(), StatusCode::OK);
    let body = json!({"code": "THON-8", "name": "Thôn 8", "kind": "village",
                      "association_id": commune["id"]});
    assert_eq!(
        viewer
            .post_json("/api/v1/communities", &body)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

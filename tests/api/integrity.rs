//! The tree under concurrent writers, and the scope of a token when it moves
//! what it edits. The races only show on PostgreSQL (SQLite has one writer);
//! the same tests run on both.

use futures_util::future::join_all;
use khuyenhoc::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_invalid, assert_problem, spawn_app, TestApp};

/// The invariants `khuyenhoc check` verifies, asserted to hold.
pub fn assert_consistent(app: &TestApp) {
    let mut conn = app.db().connection().expect("a connection");
    let violations = khuyenhoc::check::run(&mut conn).expect("the check runs");
    assert!(
        violations.is_empty(),
        "broken rows: {:#?}",
        violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
}

async fn move_under(app: &TestApp, moved: &Value, parent: &Value, level: &str) -> StatusCode {
    let body = json!({"parent_id": parent["id"], "level": level});
    app.patch_json(
        &format!("/api/v1/associations/{}", moved["id"].as_str().unwrap()),
        &body,
        None,
    )
    .await
    .status()
}

#[actix_web::test]
async fn crossed_moves_leave_no_cycle_and_exactly_one_wins() {
    let app = spawn_app().await;
    let province = app.create_association("P", "Tỉnh", "province", None).await;
    for round in 0..30 {
        let a = app
            .create_association(&format!("A{round}"), "A", "district", Some(&province))
            .await;
        let b = app
            .create_association(&format!("B{round}"), "B", "district", Some(&province))
            .await;
        let (a_under_b, b_under_a) = futures_util::join!(
            move_under(&app, &a, &b, "commune"),
            move_under(&app, &b, &a, "commune"),
        );
        let mut statuses = [a_under_b.as_u16(), b_under_a.as_u16()];
        statuses.sort();
        assert_eq!(
            statuses[0], 200,
            "round {round}: one move wins ({statuses:?})"
        );
        // The other finds the winner's move: a cycle (409), or a commune
        // under a commune (422), never a second success or a server error.
        assert!(
            [409, 422].contains(&statuses[1]),
            "round {round}: the other move is refused ({statuses:?})"
        );
        assert_consistent(&app);
    }
}

#[actix_web::test]
async fn children_created_while_their_parent_moves_get_the_new_path() {
    let app = spawn_app().await;
    let old_province = app
        .create_association("P1", "Tỉnh cũ", "province", None)
        .await;
    let new_province = app
        .create_association("P2", "Tỉnh mới", "province", None)
        .await;
    let district = app
        .create_association("D", "Huyện", "district", Some(&old_province))
        .await;
    let creates = (0..150).map(|i| {
        let app = app.clone();
        let body = json!({"code": format!("C{i:03}"), "name": format!("Xã {i}"),
                          "level": "commune", "parent_id": district["id"]});
        async move { app.post_json("/api/v1/associations", &body).await.status() }
    });
    let mut creates: Vec<_> = creates.map(futures_util::FutureExt::boxed_local).collect();
    // The move starts among the creates, so that they interleave in the database.
    let mover = app.clone();
    let moved = district.clone();
    let target = new_province.clone();
    creates.insert(
        40,
        Box::pin(async move { move_under(&mover, &moved, &target, "district").await }),
    );
    let statuses = join_all(creates).await;
    assert_eq!(statuses[40], StatusCode::OK, "the move succeeds");
    assert!(
        statuses.iter().all(|s| s.is_success()),
        "every create lands: {statuses:?}"
    );
    assert_consistent(&app);

    // Every commune is under the new province, for its editor and nobody else's.
    let new_editor =
        app.with_token(&app.issue_token("new", Role::Editor, Some(&new_province), None));
    let old_editor =
        app.with_token(&app.issue_token("old", Role::Editor, Some(&old_province), None));
    let below_new = new_editor
        .list("/api/v1/associations?level=commune&page_size=500")
        .await;
    assert_eq!(below_new.len(), 150);
    assert!(below_new
        .iter()
        .all(|c| c["ancestor_ids"][0] == new_province["id"]));
    let below_old = old_editor
        .list("/api/v1/associations?level=commune&page_size=500")
        .await;
    assert!(below_old.is_empty());
}

#[actix_web::test]
async fn a_moved_subtree_and_creates_below_it_stay_consistent() {
    let app = spawn_app().await;
    let p1 = app.create_association("P1", "P1", "province", None).await;
    let p2 = app.create_association("P2", "P2", "province", None).await;
    let district = app
        .create_association("D", "D", "district", Some(&p1))
        .await;
    let commune = app
        .create_association("C", "C", "commune", Some(&district))
        .await;
    // Branches created under a commune while its district moves back and forth.
    let mut work: Vec<futures_util::future::LocalBoxFuture<'_, StatusCode>> = Vec::new();
    for i in 0..60 {
        let body = json!({"code": format!("B{i:02}"), "name": "Chi hội",
                          "level": "branch", "parent_id": commune["id"]});
        let creator = app.clone();
        work.push(Box::pin(async move {
            creator
                .post_json("/api/v1/associations", &body)
                .await
                .status()
        }));
        if i % 10 == 5 {
            let target = if (i / 10) % 2 == 0 { &p2 } else { &p1 };
            work.push(Box::pin(move_under(&app, &district, target, "district")));
        }
    }
    let statuses = join_all(work).await;
    assert!(
        statuses.iter().all(|s| s.is_success()),
        "no failure: {statuses:?}"
    );
    assert_consistent(&app);
}

#[actix_web::test]
async fn an_editor_cannot_lift_its_scope_or_move_out_of_it() {
    let app = spawn_app().await;
    let province = app.create_association("P", "P", "province", None).await;
    let other = app.create_association("Q", "Q", "province", None).await;
    let district = app
        .create_association("D", "D", "district", Some(&province))
        .await;
    let commune = app
        .create_association("C", "C", "commune", Some(&district))
        .await;
    let commune2 = app
        .create_association("C2", "C2", "commune", Some(&district))
        .await;
    let editor = app.with_token(&app.issue_token("d", Role::Editor, Some(&district), None));
    let url = |a: &Value| format!("/api/v1/associations/{}", a["id"].as_str().unwrap());

    // To the root: the scope's own root or anything below it.
    for (moved, code) in [(&district, "SCOPE_ROOT"), (&commune, "OUTSIDE_SCOPE")] {
        let response = editor
            .patch_json(
                &url(moved),
                &json!({"parent_id": null, "level": "province"}),
                None,
            )
            .await;
        assert_problem(response, StatusCode::FORBIDDEN, code).await;
    }
    // The scope's root under another parent, even one the token cannot see.
    let response = editor
        .patch_json(&url(&district), &json!({"parent_id": other["id"]}), None)
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "SCOPE_ROOT").await;
    // Something inside the scope, under a parent outside it: as if missing.
    let response = editor
        .patch_json(
            &url(&commune),
            &json!({"parent_id": other["id"], "level": "district"}),
            None,
        )
        .await;
    assert_invalid(response, &[("/parent_id", "NOT_FOUND")]).await;
    // A successor outside the scope is not revealed either.
    let response = editor
        .patch_json(
            &url(&commune),
            &json!({"dissolved_on": "2025-07-01", "successor_id": other["id"]}),
            None,
        )
        .await;
    assert_invalid(response, &[("/successor_id", "NOT_FOUND")]).await;
    // Nothing changed.
    for (a, parent) in [(&district, &province), (&commune, &district)] {
        let now: Value = app.get(&url(a)).await.json().await.unwrap();
        assert_eq!(now["parent_id"], parent["id"]);
        assert_eq!(now["version"], 1);
    }
    // Moves inside the scope still work.
    let response = editor
        .patch_json(
            &url(&commune2),
            &json!({"parent_id": commune["id"], "level": "branch"}),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_consistent(&app);
}

#[actix_web::test]
async fn the_check_names_each_broken_row() {
    let app = spawn_app().await;
    let province = app.create_association("P", "P", "province", None).await;
    let district = app
        .create_association("D", "D", "district", Some(&province))
        .await;
    let commune = app
        .create_association("C", "C", "commune", Some(&district))
        .await;
    assert_consistent(&app);
    let (p, d, c) = (
        province["id"].as_str().unwrap(),
        district["id"].as_str().unwrap(),
        commune["id"].as_str().unwrap(),
    );
    // A stale path, a wrong depth, a commune under a commune, and a cycle.
    app.execute_sql(&format!(
        "UPDATE associations SET path = '/{d}/{c}/', depth = 5 WHERE id = '{c}'"
    ));
    app.execute_sql(&format!(
        "UPDATE associations SET level = 'commune' WHERE id = '{d}'"
    ));
    app.execute_sql(&format!(
        "UPDATE associations SET parent_id = '{d}' WHERE id = '{p}'"
    ));
    let mut conn = app.db().connection().unwrap();
    let found: Vec<String> = khuyenhoc::check::run(&mut conn)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    let about = |id: &str, what: &str| {
        found
            .iter()
            .any(|v| v.starts_with(&format!("association {id}:")) && v.contains(what))
    };
    assert!(about(c, "path is"), "{found:#?}");
    assert!(about(c, "depth is 5"), "{found:#?}");
    assert!(about(c, "a commune under a commune"), "{found:#?}");
    assert!(about(p, "a cycle"), "{found:#?}");
    assert!(about(d, "a cycle"), "{found:#?}");
}

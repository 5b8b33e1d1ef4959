//! The change feed: every create, update and delete, in commit order.

use std::collections::{BTreeMap, BTreeSet};

use khuyenhoc::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};

/// Every event after `cursor`, following `next_cursor` page by page.
async fn follow(app: &TestApp, cursor: &str, query: &str) -> (Vec<Value>, String) {
    let mut cursor = cursor.to_owned();
    let mut events = Vec::new();
    loop {
        let response = app
            .get(&format!(
                "/api/v1/changes?cursor={cursor}&page_size=7{query}"
            ))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let page: Value = response.json().await.unwrap();
        events.extend(page["items"].as_array().unwrap().iter().cloned());
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == false {
            return (events, cursor);
        }
    }
}

async fn head(app: &TestApp) -> String {
    let head: Value = app.get("/api/v1/changes/head").await.json().await.unwrap();
    head["cursor"].as_str().unwrap().to_owned()
}

/// The live units and citizens of the source, as the copy should hold them.
async fn live(app: &TestApp) -> BTreeMap<(String, String), i64> {
    let mut state = BTreeMap::new();
    for (kind, path) in [
        ("unit", "/api/v1/units?page_size=500"),
        ("citizen", "/api/v1/citizens?page_size=500"),
    ] {
        for item in app.list(path).await {
            state.insert(
                (kind.to_owned(), item["id"].as_str().unwrap().to_owned()),
                item["version"].as_i64().unwrap(),
            );
        }
    }
    state
}

#[actix_web::test]
async fn replaying_the_feed_into_an_empty_copy_gives_the_source() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let commune_id = commune["id"].as_str().unwrap();
    let mut units = Vec::new();
    for i in 0..5 {
        let unit: Value = app
            .post_json(
                "/api/v1/units",
                &json!({"name": format!("Trường {i}"), "kind": "school",
                                                 "association_id": commune_id}),
            )
            .await
            .json()
            .await
            .unwrap();
        units.push(unit["id"].as_str().unwrap().to_owned());
    }
    let citizen: Value = app
        .post_json(
            "/api/v1/citizens",
            &json!({"full_name": "Nguyễn Văn An",
                                                "association_id": commune_id}),
        )
        .await
        .json()
        .await
        .unwrap();
    let citizen_id = citizen["id"].as_str().unwrap().to_owned();
    // Updates and deletes among the creates.
    let updated = app
        .patch_json(
            &format!("/api/v1/units/{}", units[1]),
            &json!({"staff_count": 12}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(updated.status(), StatusCode::OK);
    for id in [&units[2], &units[4]] {
        let deleted = app
            .delete(&format!("/api/v1/units/{id}"), Some("\"1\""))
            .await;
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    }

    // Replay: an upsert puts the resource (at its version) into the copy, a
    // delete takes it out.
    let (events, cursor) = follow(&app, "0", "&types=unit,citizen").await;
    let mut copy = BTreeMap::new();
    let mut last_seq = 0u64;
    for event in &events {
        let seq: u64 = event["seq"].as_str().unwrap().parse().unwrap();
        assert!(seq > last_seq, "seq increases: {events:?}");
        last_seq = seq;
        let key = (
            event["type"].as_str().unwrap().to_owned(),
            event["id"].as_str().unwrap().to_owned(),
        );
        match event["op"].as_str().unwrap() {
            "upsert" => {
                copy.insert(key, event["version"].as_i64().unwrap());
            }
            "delete" => {
                assert_eq!(event["version"], 1, "a tombstone carries the last version");
                copy.remove(&key);
            }
            other => panic!("unknown op {other}"),
        }
        assert!(event["changed_at"].is_string());
        // No personal data rides in the feed.
        assert!(!event.to_string().contains("Nguyễn"), "{event}");
    }
    assert_eq!(events.len(), 5 + 1 + 1 + 2);
    assert_eq!(copy, live(&app).await);
    assert!(copy.contains_key(&("citizen".to_owned(), citizen_id)));
    assert_eq!(cursor, last_seq.to_string());
    // Associations are in the feed too (and left out by the filter above).
    let (all, _) = follow(&app, "0", "").await;
    assert_eq!(all.len(), events.len() + 1);
    assert_eq!(all[0]["type"], "association");

    // From the head on: only what happens after it.
    let from = head(&app).await;
    assert_eq!(from, cursor);
    let (nothing, same) = follow(&app, &from, "").await;
    assert!(nothing.is_empty());
    assert_eq!(same, from);
    let deleted = app
        .delete(&format!("/api/v1/units/{}", units[0]), Some("\"1\""))
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (after, _) = follow(&app, &from, "").await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["op"], "delete");
    assert_eq!(after[0]["id"], units[0].as_str());
}

#[actix_web::test]
async fn a_scoped_token_follows_the_changes_of_its_subtree_only() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let one = app
        .create_association("08170", "Trấn Yên", "district", Some(&province))
        .await;
    let other = app
        .create_association("08180", "Văn Yên", "district", Some(&province))
        .await;
    for district in [&one, &other] {
        let created = app
            .post_json(
                "/api/v1/units",
                &json!({"name": "Trường", "kind": "school",
                                                 "association_id": district["id"]}),
            )
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let viewer = app.issue_token("district viewer", Role::Viewer, Some(&one), None);
    let (events, _) = follow(&app.with_token(&viewer), "0", "").await;
    let ids: BTreeSet<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(events.len(), 2, "the district and its unit: {events:?}");
    assert_eq!(ids, BTreeSet::from(["association", "unit"]));
    assert_eq!(events[0]["id"], one["id"]);
}

#[actix_web::test]
async fn a_cursor_or_type_the_feed_does_not_know_is_a_client_error() {
    let app = spawn_app().await;
    for query in [
        "cursor=abc",
        "cursor=-1",
        "cursor=99999999999999999999",
        "types=unit,token",
        "page_size=0",
        "page_size=1001",
    ] {
        let response = app.get(&format!("/api/v1/changes?{query}")).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "INVALID_PARAMETER").await;
    }
}

#[actix_web::test]
async fn a_reader_following_concurrent_writers_misses_no_event() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let writers = (0..8).map(|w| {
        let app = app.clone();
        let commune_id = commune["id"].clone();
        async move {
            for i in 0..25 {
                let created = app
                    .post_json("/api/v1/units", &json!({"name": format!("Đơn vị {w}-{i}"),
                                                         "kind": "agency", "association_id": commune_id}))
                    .await;
                assert_eq!(created.status(), StatusCode::CREATED);
            }
        }
    });
    let done = std::sync::atomic::AtomicBool::new(false);
    let reader = async {
        // Polls while the writers write, as a sync client would.
        let mut cursor = "0".to_owned();
        let mut seen = Vec::new();
        loop {
            let finished = done.load(std::sync::atomic::Ordering::SeqCst);
            let (events, next) = follow(&app, &cursor, "&types=unit").await;
            seen.extend(events);
            cursor = next;
            if finished {
                return seen;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    let write_all = async {
        futures_util::future::join_all(writers).await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let (seen, ()) = futures_util::join!(reader, write_all);
    let ids: BTreeSet<String> = seen
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen.len(), 200, "every event once");
    assert_eq!(ids.len(), 200);
    let live: BTreeSet<String> = app
        .list("/api/v1/units?page_size=500")
        .await
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, live);
}

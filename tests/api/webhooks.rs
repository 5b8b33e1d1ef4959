//! Webhooks: the change feed delivered to a real receiver on loopback,
//! which verifies every request with the Standard Webhooks library.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use khuyenhoc::auth::Role;
use khuyenhoc::config::Settings;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_invalid, assert_problem, spawn_app_with, TestApp};
use crate::instance::{admin_token, Instance};
use crate::receiver::{Received, Receiver};

/// Retries and polls made short, so that a test sees them within seconds.
fn quick(settings: &mut Settings) {
    settings.webhooks.first_wait = Duration::from_millis(50);
    settings.webhooks.longest_wait = Duration::from_millis(400);
    settings.webhooks.poll_every = Duration::from_millis(100);
    settings.webhooks.timeout = Duration::from_secs(2);
}

/// Subscribes `url`; returns the subscription and its secret.
async fn subscribe(app: &TestApp, body: Value) -> (Value, String) {
    let response = app.post_json("/api/v1/webhooks", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    let created: Value = response.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (created, secret)
}

async fn deliveries(app: &TestApp, webhook: &Value) -> Vec<Value> {
    app.list(&format!(
        "/api/v1/webhooks/{}/deliveries?page_size=500",
        webhook["id"].as_str().unwrap()
    ))
    .await
}

/// Waits until `done` holds of the delivery log (newest first), at most `within`.
async fn log_until(
    app: &TestApp,
    webhook: &Value,
    within: Duration,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let log = deliveries(app, webhook).await;
        if done(&log) || started.elapsed() > within {
            return log;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The seqs received, first arrival of each, in arrival order.
fn first_arrivals(received: &[Received]) -> Vec<i64> {
    let mut seen = BTreeSet::new();
    received
        .iter()
        .map(Received::seq)
        .filter(|seq| seen.insert(*seq))
        .collect()
}

/// Each event's `webhook-id` is one value, whatever the number of attempts.
fn ids_are_stable(received: &[Received]) {
    let mut ids: HashMap<i64, &str> = HashMap::new();
    for r in received {
        let id = ids.entry(r.seq()).or_insert(&r.webhook_id);
        assert_eq!(*id, r.webhook_id, "two ids for event {}", r.seq());
    }
}

/// `count` communes under a new district: `count + 2` association events.
async fn make_changes(app: &TestApp, count: usize) -> Value {
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let district = app
        .create_association("15-080", "Trấn Yên", "district", Some(&province))
        .await;
    for i in 0..count {
        let code = format!("15-080-{i:03}");
        app.create_association(&code, &format!("Xã {i}"), "commune", Some(&district))
            .await;
    }
    district
}

#[actix_web::test]
async fn changes_made_while_the_receiver_is_down_all_arrive_in_order_once_it_is_up() {
    let app = spawn_app_with(quick).await;
    let receiver = Receiver::down();
    let (webhook, secret) = subscribe(&app, json!({"url": receiver.url()})).await;
    receiver.add_secret(&secret);
    make_changes(&app, 198).await; // 200 events
                                   // The first event is tried and retried while nothing listens.
    let log = log_until(&app, &webhook, Duration::from_secs(10), |log| {
        log.len() >= 3
    })
    .await;
    assert!(log.len() >= 3, "{log:?}");
    assert!(log
        .iter()
        .all(|d| d["outcome"] == "failed" && d["status_code"].is_null()));
    assert!(log.iter().all(|d| d["webhook_id"] == log[0]["webhook_id"]));
    assert!(
        log[0]["error"]
            .as_str()
            .unwrap()
            .contains("could not connect"),
        "{log:?}"
    );
    let first_seq: i64 = log[0]["seq"].as_str().unwrap().parse().unwrap();

    receiver.start();
    let received = receiver
        .wait_for(Duration::from_secs(60), |r| first_arrivals(r).len() >= 200)
        .await;
    let seqs = first_arrivals(&received);
    assert_eq!(seqs.len(), 200, "received {}", received.len());
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "out of order: {seqs:?}"
    );
    assert!(
        received.iter().all(Received::verified),
        "a delivery did not verify"
    );
    ids_are_stable(&received);
    // The event retried while the receiver was down came with the id its
    // failed attempts logged.
    let first = received.iter().find(|r| r.seq() == first_seq).unwrap();
    assert_eq!(first.webhook_id, log[0]["webhook_id"]);
    // What arrived is the change feed's events, with the records.
    let feed: Value = app
        .get("/api/v1/changes?page_size=1000")
        .await
        .json()
        .await
        .unwrap();
    let feed_seqs: Vec<i64> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(seqs, feed_seqs);
    let last = received.last().unwrap();
    assert_eq!(last.body["type"], "association.upsert");
    assert_eq!(last.body["data"]["record"]["level"], "commune");
    assert_eq!(last.body["data"]["id"], last.body["data"]["record"]["id"]);
    // The cursor is stored: the subscription says where it stands.
    let stored: Value = app
        .get(&format!(
            "/api/v1/webhooks/{}",
            webhook["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["cursor"], json!(seqs.last().unwrap().to_string()));
    assert!(stored["failing_since"].is_null());
}

#[actix_web::test]
async fn a_receiver_that_always_fails_is_retried_with_growing_waits_then_disabled() {
    let app = spawn_app_with(|s| {
        quick(s);
        s.webhooks.first_wait = Duration::from_millis(100);
        s.webhooks.longest_wait = Duration::from_millis(800);
        s.webhooks.give_up_after = Duration::from_secs(3);
    })
    .await;
    let receiver = Receiver::up();
    receiver.answer(500);
    let (webhook, secret) = subscribe(&app, json!({"url": receiver.url()})).await;
    receiver.add_secret(&secret);
    app.create_association("15", "Yên Bái", "province", None)
        .await;
    let path = format!("/api/v1/webhooks/{}", webhook["id"].as_str().unwrap());
    let started = Instant::now();
    let disabled = loop {
        let now: Value = app.get(&path).await.json().await.unwrap();
        if now["status"] == "disabled" || started.elapsed() > Duration::from_secs(20) {
            break now;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(disabled["status"], "disabled", "{disabled}");
    let reason = disabled["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("answered 500"), "{reason}");

    let mut log = deliveries(&app, &webhook).await;
    log.reverse(); // oldest first
    assert!(log.len() >= 4, "{log:?}");
    let (last, tries) = log.split_last().unwrap();
    assert_eq!(last["outcome"], "gave_up");
    assert!(last["next_attempt_at"].is_null());
    for (i, attempt) in tries.iter().enumerate() {
        assert_eq!(attempt["attempt"], json!(i + 1));
        assert_eq!(attempt["outcome"], "failed");
        assert_eq!(attempt["status_code"], 500);
        assert_eq!(attempt["seq"], log[0]["seq"]);
    }
    // Each wait is at least half the doubled wait before (jitter), and
    // the waits grow up to the longest.
    let wait = |d: &Value| {
        let at = |k: &str| chrono::DateTime::parse_from_rfc3339(d[k].as_str().unwrap()).unwrap();
        (at("next_attempt_at") - at("attempted_at")).num_milliseconds()
    };
    let waits: Vec<i64> = tries.iter().map(wait).collect();
    for (i, w) in waits.iter().enumerate() {
        let full = (100i64 << i).min(800);
        assert!(
            *w >= full / 2 - 5 && *w <= full + 5,
            "wait {i}: {w} ms of {full}: {waits:?}"
        );
    }
    assert!(waits.last().unwrap() > waits.first().unwrap(), "{waits:?}");
    // Every attempt was the same message, verified.
    let received = receiver.received();
    assert_eq!(received.len(), log.len());
    assert!(received
        .iter()
        .all(|r| r.webhook_id == received[0].webhook_id && r.verified()));

    // Resumed once the receiver is mended, the event it gave up on comes.
    receiver.answer(200);
    let resumed = app
        .request(Method::POST, &format!("{path}/resume"))
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), StatusCode::OK);
    let resumed: Value = resumed.json().await.unwrap();
    assert_eq!(resumed["status"], "active");
    assert!(resumed["disabled_reason"].is_null());
    let log = log_until(&app, &webhook, Duration::from_secs(10), |log| {
        log[0]["outcome"] == "delivered"
    })
    .await;
    assert_eq!(log[0]["outcome"], "delivered");
    assert_eq!(log[0]["attempt"], 1);
    assert_eq!(log[0]["webhook_id"], json!(received[0].webhook_id));
}

#[actix_web::test]
async fn loopback_addresses_are_refused_at_create_and_never_sent_to_without_the_setting() {
    let app = spawn_app_with(|s| {
        quick(s);
        s.webhooks.allow_private_networks = false;
    })
    .await;
    // Something listening on loopback, counting every connection.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    for (url, code) in [
        (format!("http://127.0.0.1:{port}/hook"), "HTTPS_REQUIRED"),
        (
            format!("https://127.0.0.1:{port}/hook"),
            "ADDRESS_NOT_PUBLIC",
        ),
        (
            format!("https://localhost:{port}/hook"),
            "ADDRESS_NOT_PUBLIC",
        ),
        (format!("https://[::1]:{port}/hook"), "ADDRESS_NOT_PUBLIC"),
        (
            format!("https://[::ffff:127.0.0.1]:{port}/hook"),
            "ADDRESS_NOT_PUBLIC",
        ),
        (
            "https://169.254.169.254/latest/meta-data".to_owned(),
            "ADDRESS_NOT_PUBLIC",
        ),
        ("https://10.0.0.8/hook".to_owned(), "ADDRESS_NOT_PUBLIC"),
    ] {
        let response = app
            .post_json("/api/v1/webhooks", &json!({"url": url}))
            .await;
        assert_invalid(response, &[("/url", code)]).await;
    }
    // A subscription whose URL came to name loopback after it was made
    // (an old row, a name that resolves elsewhere now): nothing is sent.
    let (webhook, _) = subscribe(&app, json!({"url": "https://hooks.example.vn/khuyenhoc"})).await;
    let id = webhook["id"].as_str().unwrap();
    for (i, url) in [
        format!("https://127.0.0.1:{port}/hook"),
        format!("https://localhost:{port}/hook"),
    ]
    .iter()
    .enumerate()
    {
        app.execute_sql(&format!(
            "UPDATE webhooks SET url = '{url}' WHERE id = '{id}'"
        ));
        app.create_association(&format!("1{i}"), "Hội", "province", None)
            .await;
        let log = log_until(&app, &webhook, Duration::from_secs(10), |log| {
            log.iter().any(|d| {
                d["error"].as_str().is_some_and(|e| {
                    e.contains("not a public address") || e.contains("names this machine")
                })
            })
        })
        .await;
        let refusal = log[0]["error"].as_str().unwrap_or_default();
        assert!(refusal.starts_with("not sent"), "{log:?}");
        assert!(log.iter().all(|d| d["outcome"] == "failed"), "{log:?}");
    }
    assert!(
        listener.accept().is_err(),
        "the service connected to a loopback address"
    );
}

#[actix_web::test]
async fn a_redirect_is_not_followed() {
    let app = spawn_app_with(quick).await;
    let elsewhere = Receiver::up();
    let receiver = Receiver::up();
    receiver.redirect_to(&elsewhere.url());
    let (webhook, _) = subscribe(&app, json!({"url": receiver.url()})).await;
    app.create_association("15", "Yên Bái", "province", None)
        .await;
    let log = log_until(&app, &webhook, Duration::from_secs(10), |log| {
        !log.is_empty()
    })
    .await;
    assert_eq!(log[0]["status_code"], 307);
    assert_eq!(log[0]["outcome"], "failed");
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert!(elsewhere.received().is_empty());
}

#[actix_web::test]
async fn a_subscription_sees_its_scope_only_and_no_personal_data() {
    let app = spawn_app_with(quick).await;
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let ours = app
        .create_association("15-080", "Trấn Yên", "district", Some(&province))
        .await;
    let theirs = app
        .create_association("15-081", "Văn Yên", "district", Some(&province))
        .await;
    let integration =
        app.with_token(&app.issue_token("sync", Role::Integration, Some(&ours), None));
    let editor = app.with_token(&app.issue_token("editor", Role::Editor, Some(&ours), None));
    let receiver = Receiver::up();

    // Who may subscribe, and to what.
    let refused = editor
        .post_json("/api/v1/webhooks", &json!({"url": receiver.url()}))
        .await;
    assert_problem(refused, StatusCode::FORBIDDEN, "ROLE_CANNOT_SUBSCRIBE").await;
    let outside = integration
        .post_json(
            "/api/v1/webhooks",
            &json!({"url": receiver.url(), "association_id": theirs["id"]}),
        )
        .await;
    assert_invalid(outside, &[("/association_id", "NOT_FOUND")]).await;
    let whole = integration
        .post_json(
            "/api/v1/webhooks",
            &json!({"url": receiver.url(), "association_id": null}),
        )
        .await;
    assert_problem(whole, StatusCode::FORBIDDEN, "OUTSIDE_SCOPE").await;
    let (webhook, secret) = subscribe(
        &integration,
        json!({"url": receiver.url(), "event_types": ["citizen.*", "unit.upsert"]}),
    )
    .await;
    receiver.add_secret(&secret);
    assert_eq!(webhook["association_id"], ours["id"]);
    assert_eq!(webhook["event_types"], json!(["citizen.*", "unit.upsert"]));
    // The district's subscription is the district's: not another's to see.
    let other = app.with_token(&app.issue_token("other", Role::Admin, Some(&theirs), None));
    let hidden = other
        .get(&format!(
            "/api/v1/webhooks/{}",
            webhook["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let moved = integration
        .patch_json(
            &format!("/api/v1/webhooks/{}", webhook["id"].as_str().unwrap()),
            &json!({"association_id": theirs["id"]}),
            None,
        )
        .await;
    assert_invalid(moved, &[("/association_id", "NOT_FOUND")]).await;

    for (association, name, national_id) in [
        (&theirs, "Lê Văn Khác", "015185000999"),
        (&ours, "Nguyễn Thị Hoa", "015185000123"),
    ] {
        let citizen = app
            .post_json(
                "/api/v1/citizens",
                &json!({"full_name": name, "birth_year": 1985, "association_id": association["id"],
                        "phone": "0912345678", "national_id": national_id}),
            )
            .await;
        assert_eq!(citizen.status(), StatusCode::CREATED);
    }
    // Not wanted: a unit's delete and a yearly figure; wanted: the unit.
    let unit: Value = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Trường THCS Báo Đáp", "kind": "school", "association_id": ours["id"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let gone = app
        .delete(
            &format!("/api/v1/units/{}", unit["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let received = receiver
        .wait_for(Duration::from_secs(10), |r| r.len() >= 2)
        .await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let received = if receiver.received().len() > received.len() {
        receiver.received()
    } else {
        received
    };
    let types: Vec<&str> = received
        .iter()
        .map(|r| r.body["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["citizen.upsert", "unit.upsert"], "{received:?}");
    let citizen = &received[0].body["data"]["record"];
    assert_eq!(citizen["full_name"], "Nguyễn Thị Hoa");
    assert_eq!(citizen["association_id"], ours["id"]);
    for personal in ["phone", "national_id"] {
        assert!(
            citizen.get(personal).is_none_or(Value::is_null),
            "{citizen}"
        );
    }
    let raw = serde_json::to_string(&received.iter().map(|r| &r.body).collect::<Vec<_>>()).unwrap();
    assert!(
        !raw.contains("0912345678") && !raw.contains("015185000123"),
        "{raw}"
    );
    assert!(!raw.contains("Lê Văn Khác"));
    assert!(received.iter().all(Received::verified));
}

#[actix_web::test]
async fn after_a_rotation_both_secrets_verify_until_the_old_one_expires() {
    let app = spawn_app_with(quick).await;
    let receiver = Receiver::up();
    let (webhook, old) = subscribe(&app, json!({"url": receiver.url()})).await;
    let path = format!("/api/v1/webhooks/{}", webhook["id"].as_str().unwrap());
    let stale = app
        .request(Method::POST, &format!("{path}/rotate-secret"))
        .header("If-Match", "\"7\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let rotated = app
        .request(Method::POST, &format!("{path}/rotate-secret"))
        .header("If-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Value = rotated.json().await.unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated["previous_secret_expires_at"].is_string());
    // The secret is shown on create and rotation only.
    let shown: Value = app.get(&path).await.json().await.unwrap();
    assert!(shown.get("secret").is_none(), "{shown}");
    receiver.add_secret(&old);
    receiver.add_secret(&new);
    app.create_association("15", "Yên Bái", "province", None)
        .await;
    let received = receiver
        .wait_for(Duration::from_secs(10), |r| !r.is_empty())
        .await;
    assert_eq!(
        received[0].verifies,
        [true, true],
        "{:?}",
        received[0].signature
    );
    assert_eq!(received[0].signature.split(' ').count(), 2);

    // Past the overlap, only the new one signs.
    let id = webhook["id"].as_str().unwrap();
    app.execute_sql(&format!(
        "UPDATE webhooks SET previous_secret_until = created_at WHERE id = '{id}'"
    ));
    app.create_association("16", "Lào Cai", "province", None)
        .await;
    let received = receiver
        .wait_for(Duration::from_secs(10), |r| r.len() >= 2)
        .await;
    assert_eq!(received[1].verifies, [false, true]);
}

#[actix_web::test]
async fn a_logged_delivery_is_sent_again_on_request_with_its_id() {
    let app = spawn_app_with(quick).await;
    let receiver = Receiver::up();
    let (webhook, secret) = subscribe(&app, json!({"url": receiver.url()})).await;
    receiver.add_secret(&secret);
    app.create_association("15", "Yên Bái", "province", None)
        .await;
    let log = log_until(&app, &webhook, Duration::from_secs(10), |log| {
        !log.is_empty()
    })
    .await;
    assert_eq!(log[0]["outcome"], "delivered");
    assert!(log[0]["duration_ms"].as_i64().is_some());
    let path = format!(
        "/api/v1/webhooks/{}/deliveries/{}/redeliver",
        webhook["id"].as_str().unwrap(),
        log[0]["id"].as_str().unwrap()
    );
    let scheduled = app.request(Method::POST, &path).send().await.unwrap();
    assert_eq!(scheduled.status(), StatusCode::ACCEPTED);
    let scheduled: Value = scheduled.json().await.unwrap();
    assert_eq!(scheduled["outcome"], "scheduled");
    assert_eq!(scheduled["redelivery"], true);
    let received = receiver
        .wait_for(Duration::from_secs(10), |r| r.len() >= 2)
        .await;
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].webhook_id, received[1].webhook_id);
    assert!(received[1].verified());
    let log = log_until(&app, &webhook, Duration::from_secs(10), |log| {
        log[0]["outcome"] == "delivered"
    })
    .await;
    assert_eq!(log[0]["id"], scheduled["id"]);
    assert_eq!(log[0]["redelivery"], true);
    // An attempt of another subscription, or none at all: 404.
    let unknown = app
        .request(
            Method::POST,
            &format!(
                "/api/v1/webhooks/{}/deliveries/{}/redeliver",
                webhook["id"].as_str().unwrap(),
                uuid::Uuid::now_v7()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_paused_subscription_keeps_its_events_for_the_resume() {
    let app = spawn_app_with(quick).await;
    let receiver = Receiver::up();
    let (webhook, _) = subscribe(
        &app,
        json!({"url": receiver.url(), "description": "Kho dữ liệu tỉnh"}),
    )
    .await;
    let path = format!("/api/v1/webhooks/{}", webhook["id"].as_str().unwrap());
    let paused = app
        .request(Method::POST, &format!("{path}/pause"))
        .send()
        .await
        .unwrap();
    assert_eq!(paused.status(), StatusCode::OK);
    assert_eq!(paused.json::<Value>().await.unwrap()["status"], "paused");
    app.create_association("15", "Yên Bái", "province", None)
        .await;
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    assert!(receiver.received().is_empty());
    app.request(Method::POST, &format!("{path}/resume"))
        .send()
        .await
        .unwrap();
    let received = receiver
        .wait_for(Duration::from_secs(10), |r| !r.is_empty())
        .await;
    assert_eq!(received.len(), 1);
    // Bad input is named; a delete takes the log with it.
    let bad = app
        .patch_json(
            &path,
            &json!({"event_types": ["unit.create"], "url": "ftp://x"}),
            None,
        )
        .await;
    assert_invalid(
        bad,
        &[
            ("/url", "INVALID_URL"),
            ("/event_types/0", "UNKNOWN_EVENT_TYPE"),
        ],
    )
    .await;
    let etag = app.get(&path).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let gone = app.delete(&path, Some(&etag)).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("{path}/deliveries")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn two_instances_on_one_database_deliver_each_event_once() {
    let app = spawn_app_with(quick).await;
    let second = app.second_instance(quick).await;
    let receiver = Receiver::up();
    let (_, secret) = subscribe(&app, json!({"url": receiver.url()})).await;
    receiver.add_secret(&secret);
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    for i in 0..100 {
        let on = if i % 2 == 0 { &app } else { &second };
        on.create_association(
            &format!("15-{i:03}"),
            &format!("Huyện {i}"),
            "district",
            Some(&province),
        )
        .await;
    }
    receiver
        .wait_for(Duration::from_secs(30), |r| first_arrivals(r).len() >= 101)
        .await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let received = receiver.received();
    let seqs: Vec<i64> = received.iter().map(Received::seq).collect();
    assert_eq!(seqs.len(), 101, "duplicates or losses: {seqs:?}");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(received.iter().all(Received::verified));
}

#[actix_web::test]
async fn a_service_killed_mid_delivery_loses_nothing_when_restarted() {
    let (_database, url) = crate::helpers::TestDatabase::create();
    let url = crate::helpers::url_text(&url);
    let start = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_khuyenhoc"));
        command
            .arg("serve")
            .env("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
            .env("WEBHOOK_TIMEOUT_SECS", "1")
            .env("WEBHOOK_RETRY_FIRST_MS", "50")
            .env("WEBHOOK_RETRY_LONGEST_SECS", "1")
            .env("WEBHOOK_POLL_MS", "100");
        Instance::start_with(command, &url)
    };
    let mut instance = start();
    instance.ready().await.expect("the service starts");
    let token = admin_token(&url);
    let client = reqwest::Client::new();
    let base = |port: u16| format!("http://127.0.0.1:{port}/api/v1");
    let receiver = Receiver::up();
    receiver.delay(Duration::from_millis(30));
    let created: Value = client
        .post(format!("{}/webhooks", base(instance.port)))
        .bearer_auth(&token)
        .json(&json!({"url": receiver.url()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    receiver.add_secret(created["secret"].as_str().unwrap());
    let mut parent = Value::Null;
    for i in 0..100 {
        let level = if i == 0 { "province" } else { "district" };
        let made: Value = client
            .post(format!("{}/associations", base(instance.port)))
            .bearer_auth(&token)
            .json(
                &json!({"code": format!("K{i:03}"), "name": format!("Hội {i}"), "level": level,
                          "parent_id": parent.get("id")}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if i == 0 {
            parent = made;
        }
    }
    // Killed while deliveries are under way.
    receiver
        .wait_for(Duration::from_secs(30), |r| r.len() >= 20)
        .await;
    instance.signal("KILL");
    let _ = instance.child.wait();
    let before = receiver.received().len();
    assert!(before < 100, "all delivered before the kill ({before})");

    let mut restarted = start();
    restarted.ready().await.expect("the service starts again");
    let received = receiver
        .wait_for(Duration::from_secs(60), |r| first_arrivals(r).len() >= 100)
        .await;
    let seqs = first_arrivals(&received);
    assert_eq!(seqs.len(), 100, "lost events: {} arrived", seqs.len());
    // In order, each event once, but for the one in flight at the kill,
    // sent again with its id.
    let all: Vec<i64> = received.iter().map(Received::seq).collect();
    assert!(all.windows(2).all(|w| w[0] <= w[1]), "{all:?}");
    assert!(all.len() <= 101, "{all:?}");
    ids_are_stable(&received);
    assert!(received.iter().all(Received::verified));
    drop(restarted);
}

#[actix_web::test]
async fn the_python_receiver_of_the_readme_verifies_and_prints_each_event() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("docs/examples/webhook_receiver.py");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let code = std::fs::read_to_string(&script).unwrap();
    assert!(
        readme.contains(&code),
        "the README shows docs/examples/webhook_receiver.py as it is"
    );

    let venv = crate::python::python_packages("webhook-receiver", "webhook-receiver");
    let app = spawn_app_with(quick).await;
    let port = Receiver::down().port;
    let (webhook, secret) = subscribe(
        &app,
        json!({"url": format!("http://127.0.0.1:{port}/"), "event_types": ["association.upsert"]}),
    )
    .await;
    let output = tempfile::NamedTempFile::new().unwrap();
    let mut receiver = std::process::Command::new(venv.join("bin/python"))
        .arg(&script)
        .env("WEBHOOK_SECRET", &secret)
        .env("PORT", port.to_string())
        .stdout(output.reopen().unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the receiver starts");
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    app.create_association("15-080", "Trấn Yên", "district", Some(&province))
        .await;
    let log = log_until(&app, &webhook, Duration::from_secs(20), |log| {
        log.iter().filter(|d| d["outcome"] == "delivered").count() >= 2
    })
    .await;
    let printed = std::fs::read_to_string(output.path()).unwrap();
    let _ = receiver.kill();
    let _ = receiver.wait();
    assert_eq!(
        log.iter().filter(|d| d["outcome"] == "delivered").count(),
        2,
        "{log:?}"
    );
    assert!(log
        .iter()
        .all(|d| d["status_code"] == 204 || d["outcome"] == "failed"));
    // The receiver may come up after the first attempt: a failure then is a retry.
    let lines: Vec<Value> = printed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{printed}");
    assert_eq!(lines[0]["id"], province["id"]);
    assert!(lines.iter().all(|l| l["type"] == "association.upsert"));
}

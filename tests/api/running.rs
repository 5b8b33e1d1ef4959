//! Running it for real: slow clients, shutdown, several instances, backups.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use khuyenhoc::auth::Role;
use khuyenhoc::config::DatabaseUrl;
use khuyenhoc::db::{Db, DEFAULT_POOL_TIMEOUT};
use khuyenhoc::startup::DB_SETUP;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, url_text, TestDatabase};
use crate::instance::{admin_token, Instance};

/// Sends the head of a POST announcing `length` bytes of body and `sent` of
/// them, then reads whatever answer comes within `wait`.
fn partial_post(
    host: &str,
    token: &str,
    length: usize,
    sent: &str,
    wait: Duration,
) -> (String, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(host).expect("connect");
    stream.set_read_timeout(Some(wait)).unwrap();
    write!(
        stream,
        "POST /api/v1/associations HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{sent}"
    )
    .unwrap();
    let mut answer = vec![0; 4096];
    let read = stream.read(&mut answer).unwrap_or(0);
    (
        String::from_utf8_lossy(&answer[..read]).into_owned(),
        started.elapsed(),
    )
}

#[actix_web::test]
async fn a_token_that_may_not_write_is_refused_before_its_body() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let viewer = app.issue_token("viewer", Role::Viewer, Some(&province), None);
    let host = app.host().to_owned();
    let (answer, took) = actix_web::rt::task::spawn_blocking(move || {
        partial_post(&host, &viewer, 1000, "{", Duration::from_secs(10))
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("ROLE_CANNOT_EDIT"), "{answer}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[actix_web::test]
async fn a_body_that_trickles_in_is_cut_off_with_408() {
    let app = spawn_app().await; // body timeout: 2 s in the tests
    let (host, token) = (app.host().to_owned(), app.token.clone());
    let (answer, took) = actix_web::rt::task::spawn_blocking(move || {
        partial_post(&host, &token, 1000, "{\"code\": ", Duration::from_secs(10))
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
    assert!(answer.to_lowercase().contains("x-request-id"), "{answer}");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[actix_web::test]
async fn sigint_and_sigterm_finish_the_requests_in_flight() {
    for signal in ["INT", "TERM"] {
        let (_database, url) = TestDatabase::create();
        let url = url_text(&url);
        let mut instance = Instance::start(&url);
        instance.ready().await.expect("the instance starts");
        let token = admin_token(&url);
        let host = format!("127.0.0.1:{}", instance.port);
        // A request in flight: its body arrives after the signal.
        let body = json!({"code": "15", "name": "Yên Bái", "level": "province"}).to_string();
        let upload = {
            let (host, token, body) = (host.clone(), token.clone(), body.clone());
            actix_web::rt::task::spawn_blocking(move || {
                let mut stream = TcpStream::connect(&host).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                write!(
                    stream,
                    "POST /api/v1/associations HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
                     Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                    body.len(),
                    &body[..5]
                )
                .unwrap();
                std::thread::sleep(Duration::from_millis(800));
                stream.write_all(&body.as_bytes()[5..]).unwrap();
                let mut answer = vec![0; 4096];
                let read = stream.read(&mut answer).unwrap_or(0);
                String::from_utf8_lossy(&answer[..read]).into_owned()
            })
        };
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        instance.signal(signal);
        let answer = upload.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 201"), "SIG{signal}: {answer}");
        // Then it stops, and accepts nothing more.
        let mut stopped = false;
        for _ in 0..50 {
            if let Ok(Some(_)) = instance.child.try_wait() {
                stopped = true;
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(stopped, "SIG{signal}: the process exits");
    }
}

#[actix_web::test]
async fn instances_started_together_on_one_database_all_come_up() {
    let (_database, url) = TestDatabase::create();
    if !matches!(url, DatabaseUrl::Postgres(_)) {
        // One SQLite file is served by one process; the race is PostgreSQL's.
        return;
    }
    let url = url_text(&url);
    let mut instances: Vec<Instance> = (0..4).map(|_| Instance::start(&url)).collect();
    for instance in &mut instances {
        instance.ready().await.expect("every instance starts");
    }
    // They serve one database: each write through one is read through the next.
    let token = admin_token(&url);
    let client = reqwest::Client::new();
    let base = |i: usize| format!("http://127.0.0.1:{}/api/v1", instances[i % 4].port);
    let created: serde_json::Value = client
        .post(format!("{}/associations", base(0)))
        .bearer_auth(&token)
        .json(&json!({"code": "15", "name": "Yên Bái", "level": "province"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    for round in 0..8 {
        let name = format!("Yên Bái {round}");
        let written = client
            .patch(format!("{}/associations/{id}", base(round)))
            .bearer_auth(&token)
            .json(&json!({"name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(written.status(), reqwest::StatusCode::OK);
        let read: serde_json::Value = client
            .get(format!("{}/associations/{id}", base(round + 1)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(read["name"], name.as_str(), "round {round}");
    }
    // Two instances racing on the same ETag: exactly one wins.
    let etag = format!("\"{}\"", 9);
    let race = |i: usize| {
        client
            .patch(format!("{}/associations/{id}", base(i)))
            .bearer_auth(&token)
            .header("If-Match", etag.clone())
            .json(&json!({"chair_name": format!("Chủ tịch {i}")}))
            .send()
    };
    let (a, b) = futures_util::join!(race(1), race(2));
    let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
}

#[actix_web::test]
async fn a_backup_of_a_running_sqlite_database_is_a_consistent_database() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    app.create_association("08170", "Trấn Yên", "district", Some(&province))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    if let Err(error) = app.db().backup(&copy) {
        // PostgreSQL is backed up with pg_dump; the command says so.
        assert!(error.to_string().contains("pg_dump"), "{error}");
        return;
    }
    assert!(
        app.db().backup(&copy).is_err(),
        "an existing file is not overwritten"
    );
    let restored = Db::connect(
        &DatabaseUrl::Sqlite(copy.to_string_lossy().into_owned()),
        1,
        DEFAULT_POOL_TIMEOUT,
        DB_SETUP,
    )
    .unwrap();
    let mut conn = restored.connection().unwrap();
    assert!(khuyenhoc::check::run(&mut conn).unwrap().is_empty());
    let count: i64 = diesel::RunQueryDsl::get_result(
        diesel::QueryDsl::count(khuyenhoc::db::schema::associations::table),
        &mut **conn,
    )
    .unwrap();
    assert_eq!(count, 2);
}

#[actix_web::test]
async fn sixty_four_concurrent_writers_all_land() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let creates = (0..64).map(|i| {
        let app = app.clone();
        let body = json!({"code": format!("W{i:02}"), "name": format!("Xã {i}"),
                          "level": "commune", "parent_id": province["id"]});
        async move { app.post_json("/api/v1/associations", &body).await.status() }
    });
    let statuses = futures_util::future::join_all(creates).await;
    assert!(
        statuses.iter().all(|s| *s == reqwest::StatusCode::CREATED),
        "{statuses:?}"
    );
    assert_eq!(
        app.list("/api/v1/associations?level=commune&page_size=100")
            .await
            .len(),
        64
    );
}

#[actix_web::test]
async fn concurrent_writes_that_fail_or_panic_lose_nothing_of_the_others() {
    // On SQLite the writes that wait together share one transaction, each
    // in a savepoint: a refused or panicking one must take back its own
    // work only, and the others must all be committed and answered.
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let bump = "UPDATE associations SET name = name || '+' WHERE code = '15'";
    let writes = (0..48).map(|i| {
        let db = app.db();
        async move {
            db.write(move |conn| {
                diesel::RunQueryDsl::execute(diesel::sql_query(bump), conn)?;
                match i % 4 {
                    0 => Err(khuyenhoc::error::ApiError::conflict(
                        "REFUSED",
                        khuyenhoc::msg!("already-exists"),
                    )),
                    1 if i == 13 => panic!("a write that panics halfway"),
                    _ => Ok(i),
                }
            })
            .await
        }
    });
    let answers = futures_util::future::join_all(writes).await;
    let codes: Vec<_> = answers
        .iter()
        .map(|a| a.as_ref().map_or_else(|e| e.code(), |_| "OK"))
        .collect();
    let committed = codes.iter().filter(|c| **c == "OK").count();
    assert_eq!(committed, 48 - 12 - 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == "REFUSED").count(), 12);
    let stored = app
        .get(&format!(
            "/api/v1/associations/{}",
            province["id"].as_str().unwrap()
        ))
        .await;
    let stored: serde_json::Value = stored.json().await.unwrap();
    assert_eq!(stored["name"], format!("Yên Bái{}", "+".repeat(committed)));

    // Refused creates among concurrent ones: each code is taken once, and
    // the change feed holds an event for each create that was answered 201.
    let creates = (0..48).map(|i| {
        let app = app.clone();
        let body = json!({"code": format!("D{:02}", i % 32), "name": format!("Xã {i}"),
                          "level": "commune", "parent_id": province["id"]});
        async move { app.post_json("/api/v1/associations", &body).await.status() }
    });
    let statuses = futures_util::future::join_all(creates).await;
    let created = statuses
        .iter()
        .filter(|s| **s == reqwest::StatusCode::CREATED);
    assert_eq!(created.count(), 32, "{statuses:?}");
    let conflicts = statuses
        .iter()
        .filter(|s| **s == reqwest::StatusCode::CONFLICT);
    assert_eq!(conflicts.count(), 16, "{statuses:?}");
    let feed: serde_json::Value = app
        .get("/api/v1/changes?types=association&page_size=500")
        .await
        .json()
        .await
        .unwrap();
    let events = feed["items"].as_array().unwrap();
    // The province's create and the 32 communes (the updates above, in
    // plain SQL, write no events).
    assert_eq!(events.len(), 1 + 32, "{feed}");
}

#[actix_web::test]
async fn a_write_answered_is_kept_and_one_refused_is_not_when_the_database_ends_a_transaction() {
    // SQLite ends a whole transaction itself on a full disk or an I/O
    // error; here a write ends it by hand among concurrent writes.
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let writes = (0..24).map(|i| {
        let db = app.db();
        async move {
            db.write(move |conn| {
                let mark =
                    format!("UPDATE associations SET name = name || ',{i}' WHERE code = '15'");
                diesel::RunQueryDsl::execute(diesel::sql_query(mark), conn)?;
                if i == 5 {
                    diesel::connection::SimpleConnection::batch_execute(conn, "ROLLBACK")?;
                    return Err(khuyenhoc::error::ApiError::unavailable(khuyenhoc::msg!(
                        "db-transaction-ended"
                    )));
                }
                Ok(i)
            })
            .await
        }
    });
    let answers = futures_util::future::join_all(writes).await;
    let answered: std::collections::BTreeSet<String> = answers
        .iter()
        .filter_map(|a| a.as_ref().ok().map(|i| i.to_string()))
        .collect();
    assert!(!answered.contains("5"));
    let stored = app
        .get(&format!(
            "/api/v1/associations/{}",
            province["id"].as_str().unwrap()
        ))
        .await;
    let stored: serde_json::Value = stored.json().await.unwrap();
    let kept: std::collections::BTreeSet<String> = stored["name"]
        .as_str()
        .unwrap()
        .split(',')
        .skip(1)
        .map(str::to_owned)
        .collect();
    assert_eq!(kept, answered);
    // Writes go on afterwards.
    let after = app.db().write(|_| Ok("written")).await;
    assert_eq!(after.unwrap(), "written");
}

#[actix_web::test]
async fn a_transaction_the_database_ends_for_a_deadlock_is_run_again() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let app = spawn_app().await;
    let attempts = Arc::new(AtomicU64::new(0));
    let seen = attempts.clone();
    let written = app
        .db()
        .write(move |conn| {
            // The first two attempts are ended as PostgreSQL ends a deadlock victim.
            diesel::RunQueryDsl::execute(
                diesel::sql_query("UPDATE criteria_sets SET version = version"),
                conn,
            )?;
            if seen.fetch_add(1, Ordering::SeqCst) < 2 {
                return Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::Unknown,
                    Box::new("deadlock detected".to_owned()),
                )
                .into());
            }
            Ok("written")
        })
        .await;
    assert_eq!(written.unwrap(), "written");
    assert_eq!(attempts.load(Ordering::SeqCst), 3);

    // Past the attempts it is a 503 the client may retry.
    let attempts = Arc::new(AtomicU64::new(0));
    let seen = attempts.clone();
    let refused = app
        .db()
        .write(move |_| -> Result<(), khuyenhoc::error::ApiError> {
            seen.fetch_add(1, Ordering::SeqCst);
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::SerializationFailure,
                Box::new("could not serialize access".to_owned()),
            )
            .into())
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "SERVICE_UNAVAILABLE");
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        khuyenhoc::db::WRITE_ATTEMPTS
    );
}

#[actix_web::test]
async fn past_its_rate_a_token_gets_429_and_others_go_on() {
    let app = spawn_app_with(|settings| {
        settings.rate_limit_per_minute = std::num::NonZeroU32::new(5);
    })
    .await;
    for _ in 0..5 {
        let answer = app.get("/api/v1/associations").await;
        assert_eq!(answer.status(), reqwest::StatusCode::OK);
    }
    let refused = app.get("/api/v1/associations").await;
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // One request comes back every 12 s at 5 a minute.
    assert!((1..=12).contains(&retry_after), "{retry_after}");
    assert_problem(
        refused,
        reqwest::StatusCode::TOO_MANY_REQUESTS,
        "TOO_MANY_REQUESTS",
    )
    .await;
    // Another token has an allowance of its own; probes are not counted.
    let other = app.issue_token("other", Role::Admin, None, None);
    let answer = app
        .anonymous(reqwest::Method::GET, "/api/v1/associations")
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    let probe = app
        .anonymous(reqwest::Method::GET, "/readyz")
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status(), reqwest::StatusCode::OK);
}

#[actix_web::test]
async fn processes_migrating_one_database_at_once_all_succeed() {
    let (_database, url) = TestDatabase::create();
    let url = url_text(&url);
    let processes: Vec<Child> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_khuyenhoc"))
                .arg("migrate")
                .env("DATABASE_URL", &url)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for process in processes {
        let output = process.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // The templates were seeded once.
    let db = Db::open(
        &DatabaseUrl::parse(Some(&url)).unwrap(),
        1,
        DEFAULT_POOL_TIMEOUT,
        DB_SETUP,
    )
    .unwrap();
    let mut conn = db.connection().unwrap();
    let templates: i64 = diesel::RunQueryDsl::get_result(
        diesel::QueryDsl::count(khuyenhoc::db::schema::criteria_sets::table),
        &mut **conn,
    )
    .unwrap();
    assert_eq!(templates, 8);
}

#[actix_web::test]
async fn a_postgresql_database_restored_from_pg_dump_passes_the_check() {
    let app = spawn_app().await;
    let Some(database) = app.database_url.strip_prefix("postgres") else {
        return; // SQLite: `khuyenhoc backup` (the test above)
    };
    let source = format!("postgres{database}");
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    app.create_association("08170", "Trấn Yên", "district", Some(&province))
        .await;
    // As the README's "Backups" says: pg_dump, a new database, pg_restore, check.
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("khuyenhoc.dump");
    let ran = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if !ran(
        "pg_dump",
        &["--format=custom", "--file", dump.to_str().unwrap(), &source],
    ) {
        eprintln!("skipped: pg_dump is not on this machine");
        return;
    }
    let (_restored, target) = TestDatabase::create();
    let target = url_text(&target);
    assert!(ran(
        "pg_restore",
        &["--dbname", &target, "--no-owner", dump.to_str().unwrap()]
    ));
    let restored = Db::open(
        &DatabaseUrl::parse(Some(&target)).unwrap(),
        1,
        DEFAULT_POOL_TIMEOUT,
        DB_SETUP,
    )
    .unwrap();
    let mut conn = restored.connection().unwrap();
    assert!(khuyenhoc::check::run(&mut conn).unwrap().is_empty());
    let count: i64 = diesel::RunQueryDsl::get_result(
        diesel::QueryDsl::count(khuyenhoc::db::schema::associations::table),
        &mut **conn,
    )
    .unwrap();
    assert_eq!(count, 2);
    drop(conn);
    // The restored database serves: its migrations are all there.
    let ready = restored.ready().await;
    assert!(ready.is_ok(), "{ready:?}");
}

/// Queries beyond the pool's connections wait for their turn in the order
/// they came, and one that waits longer than the pool's timeout is answered
/// 503 (not left hanging, nor let through to wait on the pool again).
#[actix_web::test]
async fn queries_beyond_the_pool_wait_in_order_and_give_up_after_the_timeout() {
    use actix_web::ResponseError;
    use std::sync::{Arc, Mutex};

    let (_database, url) = TestDatabase::create();
    // One turn on either backend: SQLite keeps a connection for its writer.
    let pool_size = if matches!(url, DatabaseUrl::Sqlite(_)) {
        2
    } else {
        1
    };
    let db = Db::open(&url, pool_size, Duration::from_millis(400), DB_SETUP).unwrap();
    let (holding, held) = tokio::sync::oneshot::channel();
    let holder = {
        let db = db.clone();
        actix_web::rt::spawn(async move {
            db.run(move |_| {
                let _ = holding.send(());
                std::thread::sleep(Duration::from_millis(300));
                Ok(())
            })
            .await
        })
    };
    held.await.unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut waiting = Vec::new();
    for i in 0..5 {
        let (db, order) = (db.clone(), order.clone());
        waiting.push(actix_web::rt::spawn(async move {
            db.run(move |_| {
                order.lock().unwrap().push(i);
                Ok(())
            })
            .await
        }));
        // Each asks before the next does.
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    holder.await.unwrap().unwrap();
    for query in waiting {
        query.await.unwrap().unwrap();
    }
    assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3, 4]);

    // Held longer than the timeout: the next query gives up after it.
    let slow = {
        let db = db.clone();
        actix_web::rt::spawn(async move {
            db.run(|_| {
                std::thread::sleep(Duration::from_millis(1500));
                Ok(())
            })
            .await
        })
    };
    actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let refused = db.run(|_| Ok(())).await.unwrap_err();
    let waited = started.elapsed();
    assert_eq!(refused.status_code().as_u16(), 503);
    assert!(
        waited >= Duration::from_millis(350) && waited < Duration::from_millis(1200),
        "{waited:?}"
    );
    slow.await.unwrap().unwrap();
}

//! The database fails under a running service: PostgreSQL stopped and
//! started again, a SQLite disk that fills up. Each test makes the fault on
//! a server or file system of its own, and skips (saying why) where this
//! machine cannot make one.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::instance::{admin_token, Instance};

/// Runs `program` as the `postgres` user when the tests run as root
/// (PostgreSQL refuses to run as root), else as the caller.
fn as_postgres_user(program: &str) -> Command {
    if rustix::process::geteuid().is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", program]);
        command
    } else {
        Command::new(program)
    }
}

fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A PostgreSQL server of the test's own, in a temporary directory on a
/// free loopback port, that the test may stop and start.
struct OwnPostgres {
    dir: tempfile::TempDir,
    port: u16,
}

impl OwnPostgres {
    /// `None` where this machine has no `initdb`, or it cannot run it.
    fn start() -> Option<OwnPostgres> {
        let dir = tempfile::tempdir().ok()?;
        let data = dir.path().join("data");
        if rustix::process::geteuid().is_root()
            && !succeeds(Command::new("chown").args([
                "-R",
                "postgres:",
                &dir.path().to_string_lossy(),
            ]))
        {
            return None;
        }
        let initialised = succeeds(as_postgres_user("initdb").args([
            "-D",
            &data.to_string_lossy(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ]));
        if !initialised {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let server = OwnPostgres { dir, port };
        server.up().then_some(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn up(&self) -> bool {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        succeeds(as_postgres_user("pg_ctl").args([
            "-D",
            &self.data().to_string_lossy(),
            "-o",
            &options,
            "-l",
            &self.dir.path().join("log").to_string_lossy(),
            "-w",
            "start",
        ]))
    }

    /// Stops the server as an operator would (`-m fast`: sessions in flight
    /// are ended with "terminating connection due to administrator command").
    fn down(&self) -> bool {
        succeeds(as_postgres_user("pg_ctl").args([
            "-D",
            &self.data().to_string_lossy(),
            "-m",
            "fast",
            "-w",
            "stop",
        ]))
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = as_postgres_user("pg_ctl")
            .args([
                "-D",
                &self.data().to_string_lossy(),
                "-m",
                "immediate",
                "stop",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// One request to the instance: its status, its body and how long it took.
async fn call(
    client: &reqwest::Client,
    request: reqwest::RequestBuilder,
) -> (StatusCode, reqwest::header::HeaderMap, Value, Duration) {
    let started = Instant::now();
    let response = client.execute(request.build().unwrap()).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body, started.elapsed())
}

fn assert_unavailable(status: StatusCode, headers: &reqwest::header::HeaderMap, body: &Value) {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(
        headers["content-type"], "application/problem+json",
        "{body}"
    );
    assert!(headers.contains_key("retry-after"), "{headers:?}");
    assert!(headers.contains_key("x-request-id"), "{headers:?}");
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE", "{body}");
}

#[actix_web::test]
async fn postgres_stopped_and_started_under_a_running_service() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |url| url.is_empty()) {
        return; // the PostgreSQL run of the suite covers it
    }
    let Some(postgres) = OwnPostgres::start().map(Arc::new) else {
        eprintln!("skipped: this machine cannot start a PostgreSQL server of the test's own");
        return;
    };
    let url = postgres.url();
    // More pooled connections than the load below keeps busy: some sit idle
    // while the server is down.
    let mut command = Command::new(env!("CARGO_BIN_EXE_khuyenhoc"));
    command.arg("serve").env("DATABASE_POOL_SIZE", "12");
    let mut instance = Instance::start_with(command, &url);
    instance.ready().await.expect("the instance starts");
    let token = admin_token(&url);
    let base = format!("http://127.0.0.1:{}", instance.port);
    let client = reqwest::Client::new();
    let create = |code: String| {
        client
            .post(format!("{base}/api/v1/associations"))
            .bearer_auth(&token)
            .json(&json!({"code": code, "name": "Yên Bái", "level": "province"}))
    };
    let (status, _, province, _) = call(&client, create("15".into())).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = province["id"].as_str().unwrap().to_owned();
    let read = || {
        client
            .get(format!("{base}/api/v1/associations/{id}"))
            .bearer_auth(&token)
    };

    // Writers and readers keep going while the server is stopped under them.
    let load = async {
        let mut statuses = Vec::new();
        for i in 0..100 {
            let (status, ..) = call(&client, create(format!("L{i:03}"))).await;
            statuses.push(status);
            let (status, ..) = call(&client, read()).await;
            statuses.push(status);
            let refused = statuses
                .iter()
                .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE);
            if refused.count() >= 4 {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        statuses
    };
    let stop = async {
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        let postgres = postgres.clone();
        let stopped = actix_web::rt::task::spawn_blocking(move || postgres.down())
            .await
            .unwrap();
        assert!(stopped, "pg_ctl stops the server");
    };
    let (statuses, ()) = futures_util::join!(load, stop);
    let answered = [
        StatusCode::OK,
        StatusCode::CREATED,
        StatusCode::SERVICE_UNAVAILABLE,
    ];
    assert!(
        statuses.iter().all(|s| answered.contains(s)),
        "{statuses:?}"
    );
    assert!(statuses.contains(&StatusCode::SERVICE_UNAVAILABLE));

    // While it is down: a 503 problem with Retry-After, fast, and /readyz
    // says why within a second.
    for request in [read(), create("D1".into())] {
        let (status, headers, body, took) = call(&client, request).await;
        assert_unavailable(status, &headers, &body);
        assert!(took < Duration::from_millis(2500), "{took:?}");
    }
    let (status, headers, body, took) = call(&client, client.get(format!("{base}/readyz"))).await;
    assert_unavailable(status, &headers, &body);
    assert!(took < Duration::from_millis(1200), "/readyz took {took:?}");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));

    // Started again, the service is back without a restart of its own.
    assert!(postgres.up(), "pg_ctl starts the server again");
    let mut back = None;
    for _ in 0..50 {
        let (status, ..) = call(&client, client.get(format!("{base}/readyz"))).await;
        if status == StatusCode::OK {
            back = Some(());
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(back.is_some(), "ready again within 10 s");
    let (status, _, body, _) = call(&client, read()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["code"], "15");
    // Concurrent reads take pooled connections the stopped server dropped
    // while they sat idle: each is tested before use, and no read fails.
    let burst = (0..24).map(|_| call(&client, read()));
    let statuses: Vec<_> = futures_util::future::join_all(burst)
        .await
        .into_iter()
        .map(|(status, ..)| status)
        .collect();
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let (status, _, body, _) = call(&client, create("AFTER".into())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(
        !instance.log().contains("internal error"),
        "{}",
        instance.log()
    );
}

/// The free bytes of the file system holding `dir`.
fn free_bytes(dir: &Path) -> u64 {
    let stats = rustix::fs::statvfs(dir).unwrap();
    stats.f_bavail * stats.f_frsize
}

#[actix_web::test]
async fn a_sqlite_disk_that_fills_up_gives_503_and_readyz_says_so() {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        return; // the SQLite run of the suite covers it
    }
    // A small file system of the service's own: a tmpfs of 8 MiB mounted in
    // a mount namespace made for it (unshare), seen from here through
    // /proc/<pid>/root.
    let outer = tempfile::tempdir().unwrap();
    let disk = outer.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let token_file = outer.path().join("token");
    let mut command = Command::new("unshare");
    command
        .args(["--map-root-user", "--mount", "sh", "-c"])
        .arg(
            "mount -t tmpfs -o size=8m khuyenhoc-test \"$1\" \
             && \"$2\" token create --role admin --name test > \"$3\" \
             && exec \"$2\" serve",
        )
        .args([
            "sh",
            &disk.to_string_lossy(),
            env!("CARGO_BIN_EXE_khuyenhoc"),
        ])
        .arg(&token_file);
    let mut instance = Instance::start_with(command, &disk.join("k.db").to_string_lossy());
    if let Err(log) = instance.ready().await {
        eprintln!("skipped: this machine cannot mount a small file system for the test: {log}");
        return;
    }
    let token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_owned();
    let seen = PathBuf::from(format!("/proc/{}/root", instance.child.id()))
        .join(disk.strip_prefix("/").unwrap());
    // Fill it up to 1.5 MiB of room.
    let filler = seen.join("filler");
    let room = free_bytes(&seen).saturating_sub(1536 << 10);
    std::fs::write(&filler, vec![0u8; room as usize]).unwrap();

    let base = format!("http://127.0.0.1:{}", instance.port);
    let client = reqwest::Client::new();
    let create = |i: usize| {
        client
            .post(format!("{base}/api/v1/associations"))
            .bearer_auth(&token)
            .json(&json!({"code": format!("P{i:05}"), "level": "province",
                          "name": format!("Tỉnh {i} {}", "x".repeat(180))}))
    };
    let mut created = 0;
    let mut refusal = None;
    for i in 0..5000 {
        let (status, headers, body, _) = call(&client, create(i)).await;
        match status {
            StatusCode::CREATED => created += 1,
            _ => {
                refusal = Some((status, headers, body));
                break;
            }
        }
    }
    let (status, headers, body) = refusal.expect("the disk fills up");
    assert_unavailable(status, &headers, &body);
    let (status, headers, body, took) = call(&client, client.get(format!("{base}/readyz"))).await;
    assert_unavailable(status, &headers, &body);
    assert!(took < Duration::from_millis(1200), "/readyz took {took:?}");
    assert!(
        body["detail"].as_str().is_some_and(|d| d.contains("full")),
        "{body}"
    );
    // Reads go on while the disk is full.
    let list = client
        .get(format!(
            "{base}/api/v1/associations?page_size=1&include_total=true"
        ))
        .bearer_auth(&token);
    let (status, _, body, _) = call(&client, list).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Room again: ready, writes land, and nothing was half-written.
    std::fs::remove_file(&filler).unwrap();
    let (status, ..) = call(&client, client.get(format!("{base}/readyz"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body, _) = call(&client, create(9999)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let list = client
        .get(format!(
            "{base}/api/v1/associations?page_size=1&include_total=true"
        ))
        .bearer_auth(&token);
    let (_, _, body, _) = call(&client, list).await;
    assert_eq!(body["total_size"], created + 1);
    assert!(
        !instance.log().contains("internal error"),
        "{}",
        instance.log()
    );
}

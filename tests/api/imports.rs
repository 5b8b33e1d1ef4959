//! Bulk import: `POST /api/v1/imports/{resource}` with NDJSON, JSON or CSV.

use khuyenhoc::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_sqlite_app, TestApp};

/// Sends `body` as `content_type` to `/imports/{resource}?{query}`.
async fn import(
    app: &TestApp,
    resource: &str,
    query: &str,
    content_type: &str,
    body: &str,
) -> (StatusCode, Value) {
    let response = app
        .request(Method::POST, &format!("/api/v1/imports/{resource}?{query}"))
        .header("Content-Type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn counts(report: &Value) -> [u64; 5] {
    ["total", "created", "updated", "unchanged", "rejected"].map(|k| report[k].as_u64().unwrap())
}

/// The index and code of each rejection of a report, in order.
fn rejections(report: &Value) -> Vec<(u64, String)> {
    report["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().unwrap(),
                r["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The JSON answer of `GET path`.
async fn read(app: &TestApp, path: &str) -> Value {
    app.get(path).await.json().await.unwrap()
}

async fn export(app: &TestApp, path: &str, accept: &str) -> String {
    let response = app
        .request(Method::GET, path)
        .header("Accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

#[actix_web::test]
async fn every_resource_imports_from_csv_ndjson_and_json() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Trấn Yên", "district", None)
        .await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", Some(&district))
        .await;
    let commune_id = commune["id"].as_str().unwrap();

    // Units from a spreadsheet: CSV with a BOM, associations named by code.
    let csv = "\u{feff}code,name,kind,association_id,staff_count\n\
               THPT-TY,Trường THPT Trấn Yên,school,08170,64\n\
               UBND-BD,\"UBND xã Báo Đáp, Trấn Yên\",agency,02,\n";
    let (status, report) = import(&app, "units", "id_scheme=code", "text/csv", csv).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), [2, 2, 0, 0, 0]);
    let units = app.list("/api/v1/units").await;
    assert_eq!(units.len(), 2);
    assert_eq!(units[1]["name"], "UBND xã Báo Đáp, Trấn Yên");
    assert_eq!(units[0]["staff_count"], 64);
    assert_eq!(units[0]["association_id"], district["id"]);

    // Citizens as NDJSON.
    let ndjson = format!(
        "{{\"full_name\": \"Nguyễn Văn An\", \"association_id\": \"{commune_id}\", \"external_id\": \"CD-1\"}}\n\
         {{\"full_name\": \"Trần Thị Bình\", \"association_id\": \"{commune_id}\", \"birth_year\": 1980}}\n"
    );
    let (status, report) = import(&app, "citizens", "", "application/x-ndjson", &ndjson).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), [2, 2, 0, 0, 0]);
    assert_eq!(app.list("/api/v1/citizens").await.len(), 2);

    // Targets as JSON items.
    let items = json!({"items": [
        {"association_id": district["id"], "metric": "membership_ratio", "year": 2025,
         "min_value": 0.35, "max_value": 0.4}
    ]});
    let (status, report) =
        import(&app, "targets", "", "application/json", &items.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), [1, 1, 0, 0, 0]);

    // Yearly statistics as CSV: the row names its association.
    let csv = format!("association_id,year,member_count,population\n{commune_id},2024,2100,8000\n");
    let (status, report) = import(&app, "yearly-stats", "", "text/csv", &csv).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), [1, 1, 0, 0, 0]);
    let stats = app.list("/api/v1/yearly-stats").await;
    assert_eq!(stats[0]["membership_ratio"], 0.2625);

    // Each row is audited and in the change feed.
    let feed: Value = app
        .get("/api/v1/changes?types=unit,citizen,target,yearly_stats")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(feed["items"].as_array().unwrap().len(), 6);
}

#[actix_web::test]
async fn a_dry_run_reports_what_the_real_run_does_and_writes_nothing() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let id = commune["id"].as_str().unwrap();
    let ndjson = format!(
        "{{\"code\": \"A\", \"name\": \"Trường A\", \"kind\": \"school\", \"association_id\": \"{id}\"}}\n\
         {{\"code\": \"B\", \"name\": \"Trường B\", \"kind\": \"castle\", \"association_id\": \"{id}\"}}\n\
         {{\"code\": \"C\", \"name\": \"Trường C\", \"kind\": \"school\", \"association_id\": \"{id}\"}}\n"
    );
    let (status, dry) = import(
        &app,
        "units",
        "dry_run=true&atomic=false",
        "application/x-ndjson",
        &ndjson,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert!(
        app.list("/api/v1/units").await.is_empty(),
        "a dry run writes nothing"
    );
    let feed: Value = app
        .get("/api/v1/changes?types=unit")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        feed["items"].as_array().unwrap().is_empty(),
        "nor any change event"
    );

    let (status, real) = import(
        &app,
        "units",
        "atomic=false",
        "application/x-ndjson",
        &ndjson,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{real}");
    assert_eq!(counts(&dry), counts(&real));
    assert_eq!(counts(&real), [3, 2, 0, 0, 1]);
    assert_eq!(dry["rejections"], real["rejections"]);
    let rejection = &real["rejections"][0];
    assert_eq!(rejection["index"], 1);
    assert_eq!(rejection["line"], 2);
    assert_eq!(rejection["pointer"], "/kind");
    assert_eq!(
        app.list("/api/v1/units").await.len(),
        2,
        "the good rows are written"
    );
}

#[actix_web::test]
async fn an_atomic_import_with_a_rejected_row_writes_nothing() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let id = commune["id"].as_str().unwrap();
    let csv = format!(
        "code,name,kind,association_id\nA,Trường A,school,{id}\nB,,school,{id}\nC,Trường C,school,not-an-association\n"
    );
    let response = app
        .request(Method::POST, "/api/v1/imports/units")
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "IMPORT_REJECTED",
    )
    .await;
    let report = &problem["report"];
    assert_eq!(counts(report), [3, 1, 0, 0, 2]);
    let lines: Vec<u64> = report["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4]);
    assert!(app.list("/api/v1/units").await.is_empty());
}

#[actix_web::test]
async fn importing_a_file_twice_changes_nothing_the_second_time() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let id = commune["id"].as_str().unwrap();
    let csv =
        format!("code,name,kind,association_id\nA,Trường A,school,{id}\nB,Trường B,agency,{id}\n");
    let (_, first) = import(&app, "units", "", "text/csv", &csv).await;
    assert_eq!(counts(&first), [2, 2, 0, 0, 0]);
    let (_, second) = import(&app, "units", "", "text/csv", &csv).await;
    assert_eq!(counts(&second), [2, 0, 0, 2, 0]);
    // A changed cell updates that row only (matched on the code).
    let changed = csv.replace("Trường B", "Trường B mới");
    let (_, third) = import(&app, "units", "", "text/csv", &changed).await;
    assert_eq!(counts(&third), [2, 0, 1, 1, 0]);
    // strategy=create refuses rows that exist; strategy=update rows that do not.
    let (status, problem) = import(&app, "units", "strategy=create", "text/csv", &csv).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["report"]["rejections"][0]["code"], "ALREADY_EXISTS");
    let new_one = format!("code,name,kind,association_id\nZ,Trường Z,school,{id}\n");
    let (status, problem) = import(&app, "units", "strategy=update", "text/csv", &new_one).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["report"]["rejections"][0]["code"], "NOT_FOUND");
}

#[actix_web::test]
async fn households_are_matched_on_their_code_within_the_association() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let other = app
        .create_association("03", "Xã Đào Thịnh", "commune", None)
        .await;
    let (a, b) = (
        commune["id"].as_str().unwrap(),
        other["id"].as_str().unwrap(),
    );
    // HO-1 in two communes is two households.
    let csv = format!(
        "code,head_name,association_id,member_count\nHO-1,Lê Văn A,{a},4\nHO-2,Lê Thị B,{a},3\nHO-1,Trần Văn C,{b},5\n"
    );
    let (_, first) = import(&app, "households", "", "text/csv", &csv).await;
    assert_eq!(counts(&first), [3, 3, 0, 0, 0]);
    let (_, second) = import(&app, "households", "", "text/csv", &csv).await;
    assert_eq!(counts(&second), [3, 0, 0, 3, 0]);
    let changed = csv.replace("Trần Văn C,", "Trần Văn Cường,");
    let (_, third) = import(&app, "households", "", "text/csv", &changed).await;
    assert_eq!(counts(&third), [3, 0, 1, 2, 0]);
    assert_eq!(app.list("/api/v1/households").await.len(), 3);
}

#[actix_web::test]
async fn a_row_based_on_an_older_version_is_a_version_conflict() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    for code in ["A", "B"] {
        let created = app
            .post_json("/api/v1/units", &json!({"code": code, "name": format!("Trường {code}"),
                                                 "kind": "school", "association_id": commune["id"]}))
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let exported = export(&app, "/api/v1/units", "application/x-ndjson").await;
    // Someone edits A after the export; the file's edit of A must not overwrite it.
    let a = &app.list("/api/v1/units?q=A").await[0];
    let edited = app
        .patch_json(
            &format!("/api/v1/units/{}", a["id"].as_str().unwrap()),
            &json!({"staff_count": 5}),
            None,
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let file = exported
        .replace("Trường A", "Trường A (sửa)")
        .replace("Trường B", "Trường B (sửa)");
    let (status, report) =
        import(&app, "units", "atomic=false", "application/x-ndjson", &file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), [2, 0, 1, 0, 1]);
    assert_eq!(report["rejections"][0]["code"], "VERSION_CONFLICT");
    let a = &app.list("/api/v1/units?q=A").await[0];
    assert_eq!(a["name"], "Trường A");
    assert_eq!(a["staff_count"], 5);
}

#[actix_web::test]
async fn an_export_imports_into_a_fresh_database_with_its_ids() {
    // The source is the backend under test; the copy is SQLite (so with
    // TEST_DATABASE_URL: PostgreSQL into SQLite); then back into another
    // database of the backend under test.
    let source = spawn_app().await;
    let district = source
        .create_association("08170", "Trấn Yên", "district", None)
        .await;
    let commune = source
        .create_association("02", "Xã Báo Đáp", "commune", Some(&district))
        .await;
    for i in 0..30 {
        source
            .post_json(
                "/api/v1/units",
                &json!({"code": format!("U{i}"), "name": format!("=Đơn vị {i}"),
                                                 "kind": "agency", "association_id": commune["id"],
                                                 "staff_count": i}),
            )
            .await;
        source
            .post_json(
                "/api/v1/citizens",
                &json!({"full_name": format!("Công dân {i}"),
                                                    "association_id": commune["id"],
                                                    "phone": format!("09123456{i:02}")}),
            )
            .await;
    }
    source
        .post_json(
            &format!(
                "/api/v1/associations/{}/yearly-stats",
                commune["id"].as_str().unwrap()
            ),
            &json!({"year": 2024, "member_count": 2100, "population": 8000}),
        )
        .await;
    source
        .post_json(
            "/api/v1/targets",
            &json!({"association_id": district["id"], "metric": "membership_ratio",
                                               "year": 2025, "min_value": 0.35}),
        )
        .await;

    // A village, a clan living there and five of its households (with phones).
    let village: Value = source
        .post_json(
            "/api/v1/communities",
            &json!({"code": "THON-1", "name": "Thôn 1", "kind": "village",
                    "association_id": commune["id"], "household_count": 120}),
        )
        .await
        .json()
        .await
        .unwrap();
    let clan: Value = source
        .post_json(
            "/api/v1/clans",
            &json!({"name": "Dòng họ Hoàng", "association_id": commune["id"],
                    "community_id": village["id"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    for i in 0..5 {
        let response = source
            .post_json(
                "/api/v1/households",
                &json!({"code": format!("HO-{i}"), "head_name": format!("Hoàng Văn {i}"),
                        "association_id": commune["id"], "member_count": i + 1,
                        "phone": format!("09876543{i:02}"), "clan_id": clan["id"],
                        "community_id": village["id"]}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    // Draft assessments of five citizens (results as JSON in a CSV cell).
    let citizens = source.list("/api/v1/citizens?page_size=500").await;
    let set = crate::assessments::set_id(&source, "citizen").await;
    for (i, citizen) in citizens.iter().enumerate().take(5) {
        let results = crate::assessments::citizen_results([i as i32 + 5; 10]);
        let response = source
            .post_json(
                "/api/v1/assessments",
                &json!({"criteria_set_id": set, "subject_kind": "citizen",
                        "subject_id": citizen["id"], "period": 2026, "results": results}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    let copy = spawn_sqlite_app().await;
    let back = spawn_app().await;
    for (from, to) in [(&source, &copy), (&copy, &back)] {
        for (path, resource, accept) in [
            (
                "/api/v1/associations",
                "associations",
                "application/x-ndjson",
            ),
            ("/api/v1/units", "units", "text/csv"),
            ("/api/v1/citizens", "citizens", "application/x-ndjson"),
            ("/api/v1/assessments", "assessments", "text/csv"),
            ("/api/v1/yearly-stats", "yearly-stats", "text/csv"),
            ("/api/v1/targets", "targets", "application/x-ndjson"),
            ("/api/v1/communities", "communities", "text/csv"),
            ("/api/v1/clans", "clans", "application/x-ndjson"),
            ("/api/v1/households", "households", "text/csv"),
        ] {
            let mut file = export(from, path, accept).await;
            if resource == "associations" {
                // Children first: the import writes parents first anyway.
                file = file.lines().rev().map(|line| format!("{line}\n")).collect();
            }
            let (status, report) =
                import(to, resource, "", accept.split(';').next().unwrap(), &file).await;
            assert_eq!(status, StatusCode::OK, "{resource}: {report}");
            assert_eq!(report["rejected"], 0);
            // The same records, ids and fields; versions and times are the copy's own.
            let strip = |items: Vec<Value>| -> Vec<Value> {
                items
                    .into_iter()
                    .map(|mut item| {
                        for member in ["version", "created_at", "updated_at"] {
                            item.as_object_mut().unwrap().remove(member);
                        }
                        item
                    })
                    .collect()
            };
            let list = format!("{path}?page_size=500");
            assert_eq!(
                strip(from.list(&list).await),
                strip(to.list(&list).await),
                "{resource}"
            );
        }
    }
    assert_eq!(back.list("/api/v1/units?page_size=500").await.len(), 30);
    assert_eq!(back.list("/api/v1/assessments").await.len(), 5);
    assert_eq!(back.list("/api/v1/households").await.len(), 5);
}

#[actix_web::test]
async fn who_may_import_and_what_the_body_must_be() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let elsewhere = app
        .create_association("03", "Xã Đào Thịnh", "commune", None)
        .await;
    let row = |association: &Value| {
        format!(
            "{{\"name\": \"Trường\", \"kind\": \"school\", \"association_id\": {}}}\n",
            association["id"]
        )
    };
    // A viewer may not; an integration token may, within its scope.
    let viewer = app.with_token(&app.issue_token("viewer", Role::Viewer, Some(&commune), None));
    let (status, _) = import(&viewer, "units", "", "application/x-ndjson", &row(&commune)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let integration =
        app.with_token(&app.issue_token("sync", Role::Integration, Some(&commune), None));
    let (status, report) = import(
        &integration,
        "units",
        "",
        "application/x-ndjson",
        &row(&commune),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let (status, problem) = import(
        &integration,
        "units",
        "",
        "application/x-ndjson",
        &row(&elsewhere),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["report"]["rejections"][0]["pointer"],
        "/association_id"
    );
    // Integration tokens still may not write one row at a time.
    let one = integration
        .post_json(
            "/api/v1/units",
            &json!({"name": "Trường", "kind": "school", "association_id": commune["id"]}),
        )
        .await;
    assert_eq!(one.status(), StatusCode::FORBIDDEN);

    // Bodies the import does not take.
    let (status, problem) = import(&app, "units", "", "text/plain", "x").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");
    let (status, _) = import(&app, "units", "", "application/json", "{\"rows\": []}").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = import(&app, "units", "", "text/csv", "name,name\na,b\n").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = import(&app, "castles", "", "text/csv", "name\na\n").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = import(&app, "units", "strategy=merge", "text/csv", "name\na\n").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let big = "x".repeat(9 << 20); // the tests' limit is 8 MiB
    let (status, _) = import(&app, "units", "", "text/csv", &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[actix_web::test]
async fn the_command_line_exports_and_imports_without_a_server() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    for code in ["A", "B", "C"] {
        app.post_json(
            "/api/v1/units",
            &json!({"code": code, "name": format!("Trường {code}"),
                                                "kind": "school", "association_id": commune["id"]}),
        )
        .await;
    }
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_khuyenhoc"))
            .args(args)
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "off")
            .output()
            .unwrap()
    };
    let exported = cli(&["export", "--resource", "units", "--format", "csv"]);
    assert!(exported.status.success());
    let csv = String::from_utf8(exported.stdout).unwrap();
    assert_eq!(csv.lines().count(), 4);
    // The same rows as a workbook: a heading row and a row per unit.
    let workbook = cli(&["export", "--resource", "units", "--format", "xlsx"]);
    assert!(workbook.status.success());
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(workbook.stdout)).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
        .unwrap()
        .unwrap();
    assert_eq!(sheet.height(), 4);
    let names: Vec<String> = sheet.rows().skip(1).map(|row| row[2].to_string()).collect();
    assert!(names.contains(&"Trường B".to_owned()), "{names:?}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("units.csv");
    std::fs::write(&file, csv.replace("Trường B", "Trường B mới")).unwrap();
    let file = file.to_str().unwrap();

    let dry = cli(&["import", file, "--resource", "units", "--dry-run"]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let report: Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(counts(&report), [3, 0, 1, 2, 0]);
    assert_eq!(app.list("/api/v1/units?q=moi").await.len(), 0);

    let real = cli(&["import", file, "--resource", "units"]);
    assert!(real.status.success());
    assert_eq!(app.list("/api/v1/units?q=moi").await.len(), 1);
    // A rejected row: the report says why, and the exit status says so.
    std::fs::write(dir.path().join("bad.ndjson"), "{\"name\": \"X\"}\n").unwrap();
    let bad = cli(&[
        "import",
        dir.path().join("bad.ndjson").to_str().unwrap(),
        "--resource",
        "units",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(report["rejected"], 1);
}

#[actix_web::test]
async fn an_upload_that_stops_ends_the_import_with_408_and_writes_nothing() {
    use std::io::{Read, Write};
    let app = spawn_app().await; // body timeout: 2 s in the tests
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let rows = format!(
        "name,kind,association_id\nTrường A,school,{}\n",
        commune["id"].as_str().unwrap()
    );
    let (host, token) = (app.host().to_owned(), app.token.clone());
    let answer = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&host).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        write!(
            stream,
            "POST /api/v1/imports/units?atomic=false HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: text/csv\r\nContent-Length: 100000\r\n\r\n{rows}"
        )
        .unwrap();
        let mut answer = vec![0; 4096];
        let read = stream.read(&mut answer).unwrap_or(0);
        String::from_utf8_lossy(&answer[..read]).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
    // The row that did arrive was in a batch that never committed.
    assert!(app.list("/api/v1/units").await.is_empty());
}

#[actix_web::test]
async fn an_import_that_finds_national_ids_taken_leaves_the_refusals_in_the_audit_trail() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let other = app
        .create_association("03", "Xã Đào Thịnh", "commune", None)
        .await;
    let holder: Value = app
        .post_json(
            "/api/v1/citizens",
            &json!({"full_name": "Nguyễn Thị Hoa", "association_id": commune["id"],
                                                "national_id": "015185000123"}),
        )
        .await
        .json()
        .await
        .unwrap();
    // Another commune's editor imports the same number: refused, and the
    // holder's trail shows who tried, though the import wrote nothing.
    let editor = app.with_token(&app.issue_token("other editor", Role::Editor, Some(&other), None));
    let row = format!(
        "{{\"full_name\": \"Trần Văn B\", \"association_id\": {}, \"national_id\": \"015185000123\"}}\n",
        other["id"]
    );
    let (status, problem) = import(&editor, "citizens", "", "application/x-ndjson", &row).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["report"]["rejections"][0]["code"],
        "DUPLICATE_NATIONAL_ID"
    );
    assert!(!problem.to_string().contains(holder["id"].as_str().unwrap()));
    let trail = app
        .list(&format!(
            "/api/v1/audit-events?resource_id={}",
            holder["id"].as_str().unwrap()
        ))
        .await;
    let refusal = trail
        .iter()
        .find(|e| e["action"] == "refuse_duplicate_national_id")
        .expect("the refusal is audited");
    assert_eq!(refusal["actor_name"], "other editor");
    assert!(!refusal.to_string().contains("015185000123"));
}

#[actix_web::test]
async fn statistics_imported_under_another_association_are_refused() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let other = app
        .create_association("03", "Xã Đào Thịnh", "commune", None)
        .await;
    let created: Value = app
        .post_json(
            &format!(
                "/api/v1/associations/{}/yearly-stats",
                commune["id"].as_str().unwrap()
            ),
            &json!({"year": 2024, "member_count": 10}),
        )
        .await
        .json()
        .await
        .unwrap();
    let row = json!({"id": created["id"], "association_id": other["id"], "year": 2024, "member_count": 12});
    let (status, problem) = import(
        &app,
        "yearly-stats",
        "",
        "application/x-ndjson",
        &format!("{row}\n"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["report"]["rejections"][0]["code"],
        "ASSOCIATION_FIXED"
    );
    let stored = app.list("/api/v1/yearly-stats").await;
    assert_eq!(stored[0]["member_count"], 10);
    assert_eq!(stored[0]["association_id"], commune["id"]);
}

/// A file of 2,500 rows (three batches) whose rows meet earlier rows of the
/// same file and stored records: each row ends as it would one by one.
#[actix_web::test]
async fn rows_meet_earlier_rows_of_the_file_as_one_by_one_and_the_import_is_one_audit_event() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let commune_id = commune["id"].as_str().unwrap();
    let stored = app
        .post_json(
            "/api/v1/citizens",
            &json!({"full_name": "Lê Văn Sơn", "association_id": commune_id, "external_id": "S-1"}),
        )
        .await;
    assert_eq!(stored.status(), StatusCode::CREATED);
    let feed_head: Value = app.get("/api/v1/changes/head").await.json().await.unwrap();
    let repeated_id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a99";
    let row = |i: usize| -> Value {
        let mut row = json!({"full_name": format!("Công dân {i}"), "association_id": commune_id,
                             "external_id": format!("B-{i}")});
        match i {
            10 => {
                row = json!({"id": repeated_id, "full_name": "Phạm Thu", "association_id": commune_id,
                               "external_id": "D-1"})
            }
            // The record row 10 created, changed in the same batch and in a later one.
            20 => {
                row = json!({"id": repeated_id, "full_name": "Phạm Thu Hà", "association_id": commune_id,
                               "external_id": "D-1"})
            }
            1500 => {
                row = json!({"id": repeated_id, "full_name": "Phạm Thu Hằng",
                                 "association_id": commune_id, "external_id": "D-1"})
            }
            // A national id given twice in one batch to two records (the
            // second names its id, so it is not matched on the national id):
            // the second is refused.
            30 => row["national_id"] = json!("015185000777"),
            40 => {
                row["national_id"] = json!("015185000777");
                row["id"] = json!("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a40");
            }
            // The stored citizen, matched on its external id.
            50 => {
                row = json!({"full_name": "Lê Văn Sơn (mới)", "association_id": commune_id,
                               "external_id": "S-1"})
            }
            // Row 0 again, as it was.
            60 => {
                row = json!({"full_name": "Công dân 0", "association_id": commune_id,
                               "external_id": "B-0"})
            }
            1200 => row["association_id"] = json!("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a00"),
            _ => {}
        }
        row
    };
    let body: String = (0..2500).map(|i| format!("{}\n", row(i))).collect();
    let (status, report) = import(
        &app,
        "citizens",
        "atomic=false",
        "application/x-ndjson",
        &body,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), [2500, 2494, 3, 1, 2]);
    assert_eq!(
        rejections(&report),
        [
            (40, "DUPLICATE_NATIONAL_ID".to_owned()),
            (1200, "NOT_FOUND".to_owned())
        ]
    );
    let repeated = read(&app, &format!("/api/v1/citizens/{repeated_id}")).await;
    assert_eq!(
        (&repeated["full_name"], &repeated["version"]),
        (&json!("Phạm Thu Hằng"), &json!(3))
    );

    // The trail has the import as one event with its counts, not its rows
    // (and the refused national id, on its holder).
    let trail = app.list("/api/v1/audit-events?resource_type=citizen").await;
    let actions: Vec<&str> = trail
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["import", "refuse_duplicate_national_id", "create"]
    );
    let detail = &trail[0]["detail"];
    assert_eq!(
        ["total", "created", "updated", "unchanged", "rejected"]
            .map(|k| detail[k].as_u64().unwrap()),
        [2500, 2494, 3, 1, 2]
    );
    assert_eq!(
        (&detail["resource"], &detail["finished"]),
        (&json!("citizens"), &json!(true))
    );
    assert!(trail[2].get("detail").is_none());

    // The change feed has every row written: 2,494 creates, 3 updates.
    let mut cursor = feed_head["cursor"].as_str().unwrap().to_owned();
    let mut events = Vec::new();
    loop {
        let page: Value = app
            .get(&format!("/api/v1/changes?cursor={cursor}&page_size=1000"))
            .await
            .json()
            .await
            .unwrap();
        events.extend(page["items"].as_array().unwrap().iter().cloned());
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == false {
            break;
        }
    }
    assert_eq!(events.len(), 2497);
    let versions_of_repeated: Vec<i64> = events
        .iter()
        .filter(|e| e["id"] == repeated_id)
        .map(|e| e["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions_of_repeated, [1, 2, 3]);
}

/// A tree from a spreadsheet: children before their parents, associations
/// named by code, then moved and edited by a second file.
#[actix_web::test]
async fn associations_import_with_parents_later_in_the_file() {
    let app = spawn_app().await;
    let csv = "code,name,level,parent_id,dissolved_on,successor_id\n\
               02,Xã Báo Đáp,commune,08170,,\n\
               03,Xã Đào Thịnh,commune,08170,2025-07-01,02\n\
               08170,Huyện Trấn Yên,district,15,,\n\
               15,Tỉnh Yên Bái,province,,,\n\
               04,Xã Lương Thịnh,commune,NOPE,,\n";
    let (status, report) = import(
        &app,
        "associations",
        "id_scheme=code&atomic=false",
        "text/csv",
        csv,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), [5, 4, 0, 0, 1]);
    assert_eq!(
        (
            &report["rejections"][0]["index"],
            &report["rejections"][0]["pointer"],
            &report["rejections"][0]["code"]
        ),
        (&json!(4), &json!("/parent_id"), &json!("NOT_FOUND"))
    );
    let by_code = |items: &[Value], code: &str| -> Value {
        items.iter().find(|a| a["code"] == code).cloned().unwrap()
    };
    let tree = app.list("/api/v1/associations?page_size=100").await;
    let (province, district) = (by_code(&tree, "15"), by_code(&tree, "08170"));
    let (bao_dap, dao_thinh) = (by_code(&tree, "02"), by_code(&tree, "03"));
    assert_eq!(
        bao_dap["ancestor_ids"],
        json!([province["id"], district["id"]])
    );
    assert_eq!(dao_thinh["successor_id"], bao_dap["id"]);
    assert_eq!(district["parent_id"], province["id"]);

    // The same file again changes nothing; a file that moves a commune under
    // a new district (listed after it) moves it, matched on its code.
    let (_, report) = import(
        &app,
        "associations",
        "id_scheme=code&atomic=false",
        "text/csv",
        csv,
    )
    .await;
    assert_eq!(counts(&report), [5, 0, 0, 4, 1]);
    let moves = "code,name,level,parent_id\n\
                 02,Xã Báo Đáp,commune,08171\n\
                 08171,Huyện Văn Yên,district,15\n";
    let (status, report) = import(&app, "associations", "id_scheme=code", "text/csv", moves).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), [2, 1, 1, 0, 0]);
    let moved: Value = read(
        &app,
        &format!("/api/v1/associations/{}", bao_dap["id"].as_str().unwrap()),
    )
    .await;
    let van_yen = by_code(
        &app.list("/api/v1/associations?page_size=100").await,
        "08171",
    );
    assert_eq!(
        moved["ancestor_ids"],
        json!([province["id"], van_yen["id"]])
    );
    assert_eq!(moved["version"], 2);

    // An editor of the district imports within it only: a commune placed
    // outside is refused as if the parent were missing, and a code taken
    // outside the scope is refused as a create of it would be.
    let editor = app.with_token(&app.issue_token("district", Role::Editor, Some(&district), None));
    let rows = format!(
        "{{\"code\": \"05\", \"name\": \"Xã Minh Quân\", \"level\": \"commune\", \"parent_id\": {}}}\n\
         {{\"code\": \"06\", \"name\": \"Xã Hòa Cuông\", \"level\": \"commune\", \"parent_id\": {}}}\n\
         {{\"code\": \"02\", \"name\": \"Xã Báo Đáp (mới)\", \"level\": \"commune\", \"parent_id\": {}}}\n",
        district["id"], van_yen["id"], district["id"]
    );
    let (status, report) = import(
        &editor,
        "associations",
        "atomic=false",
        "application/x-ndjson",
        &rows,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), [3, 1, 0, 0, 2]);
    assert_eq!(
        rejections(&report),
        [
            (1, "NOT_FOUND".to_owned()),
            (2, "DUPLICATE_CODE".to_owned())
        ]
    );
    let untouched: Value = read(
        &app,
        &format!("/api/v1/associations/{}", bao_dap["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(untouched["name"], "Xã Báo Đáp");
}

/// Assessments are imported as drafts through the workflow's rules.
#[actix_web::test]
async fn assessments_import_as_drafts_matched_on_set_subject_and_period() {
    use crate::assessments::{act, citizen_results, set_id};
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let citizen: Value = app
        .post_json(
            "/api/v1/citizens",
            &json!({"full_name": "Nguyễn Thị Hoa", "association_id": commune["id"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let set = set_id(&app, "citizen").await;
    let row = |scores: [i32; 10], extra: Value| -> String {
        let mut row = json!({"criteria_set_id": set, "subject_kind": "citizen",
                             "subject_id": citizen["id"], "period": 2026,
                             "results": citizen_results(scores),
                             // Computed and workflow members are passed over.
                             "status": "approved", "total_score": 100});
        row.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        format!("{row}\n")
    };
    let ndjson = "application/x-ndjson";
    let (status, report) = import(&app, "assessments", "", ndjson, &row([9; 10], json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), [1, 1, 0, 0, 0]);
    let made = app.list("/api/v1/assessments").await;
    assert_eq!(
        (&made[0]["status"], &made[0]["total_score"]),
        (&json!("draft"), &json!(90))
    );
    assert_eq!(made[0]["assessor_association_id"], commune["id"]);

    let (_, report) = import(&app, "assessments", "", ndjson, &row([9; 10], json!({}))).await;
    assert_eq!(counts(&report), [1, 0, 0, 1, 0]);
    let (_, report) = import(&app, "assessments", "", ndjson, &row([8; 10], json!({}))).await;
    assert_eq!(counts(&report), [1, 0, 1, 0, 0]);
    let draft: Value = read(
        &app,
        &format!("/api/v1/assessments/{}", made[0]["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        (&draft["total_score"], &draft["version"]),
        (&json!(80), &json!(2))
    );

    // A stale version, another period under the same id, a period out of
    // range and (once it is submitted) new results are each refused, and
    // nothing changes.
    let id = draft["id"].clone();
    let stale = row([7; 10], json!({"id": id, "version": 1}));
    let moved = row([8; 10], json!({"id": id, "period": 2025}));
    let ancient = row([8; 10], json!({"period": 1500}));
    let body = format!("{stale}{moved}{ancient}");
    let (status, problem) = import(&app, "assessments", "", ndjson, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        rejections(&problem["report"]),
        [
            (0, "VERSION_CONFLICT".to_owned()),
            (1, "IMMUTABLE".to_owned()),
            (2, "OUT_OF_RANGE".to_owned())
        ]
    );
    assert_eq!(
        act(&app, &draft, "submit", None).await.status(),
        StatusCode::OK
    );
    let (status, problem) = import(&app, "assessments", "", ndjson, &row([7; 10], json!({}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["report"]["rejections"][0]["code"], "NOT_DRAFT");
    let kept = app.list("/api/v1/assessments").await;
    assert_eq!(
        (&kept[0]["status"], &kept[0]["total_score"]),
        (&json!("submitted"), &json!(80))
    );
}

/// With `id_scheme=code`, a code held outside the caller's scope is answered
/// as a code nobody has: an import tells nothing of the rest of the tree.
#[actix_web::test]
async fn a_code_outside_the_scope_is_answered_as_an_unknown_one() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Trấn Yên", "district", None)
        .await;
    let other = app
        .create_association("08171", "Văn Yên", "district", None)
        .await;
    app.create_association("02", "Xã Báo Đáp", "commune", Some(&other))
        .await;
    let editor = app.with_token(&app.issue_token("district", Role::Editor, Some(&district), None));
    let units = "code,name,kind,association_id\nU1,Trường A,school,02\nU2,Trường B,school,99\n";
    let (_, problem) = import(&editor, "units", "id_scheme=code", "text/csv", units).await;
    let associations = "code,name,level,parent_id\n03,Xã A,commune,08171\n04,Xã B,commune,99999\n";
    let (_, problem2) = import(
        &editor,
        "associations",
        "id_scheme=code",
        "text/csv",
        associations,
    )
    .await;
    for problem in [problem, problem2] {
        let rejections = problem["report"]["rejections"].as_array().unwrap();
        assert_eq!(rejections.len(), 2, "{problem}");
        let answer = |r: &Value| (r["pointer"].clone(), r["code"].clone(), r["detail"].clone());
        assert_eq!(answer(&rejections[0]), answer(&rejections[1]));
        assert_eq!(rejections[0]["code"], "NOT_FOUND");
    }
    assert!(app.list("/api/v1/units").await.is_empty());
}

//! Lists as files: `Accept: text/csv` and `application/x-ndjson` stream
//! every matching row.

use khuyenhoc::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, csv_records, spawn_app, TestApp};

/// Every list that exports, by its path under `/api/v1/exports/`.
const LISTS: [&str; 9] = [
    "associations",
    "units",
    "citizens",
    "communities",
    "households",
    "clans",
    "yearly-stats",
    "targets",
    "assessments",
];

/// The response to a list asked for in `accept`, after checking its headers.
async fn export(app: &TestApp, path: &str, accept: &str) -> String {
    let response = app
        .request(Method::GET, path)
        .header("Accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with(accept), "{content_type}");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    response.text().await.unwrap()
}

fn ndjson(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[actix_web::test]
async fn a_list_streams_every_matching_row_as_csv_or_ndjson() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let other = app
        .create_association("03", "Xã Đào Thịnh", "commune", None)
        .await;
    // More rows than one batch (500), written straight to the table.
    let values: Vec<String> = (0..1203)
        .map(|i| {
            format!(
                "('{}', 'U{i:04}', 'Đơn vị {i:04}', 'don vi {i:04}', 'agency', '{}', NULL, NULL, NULL, 1, \
                 '2026-11-27 09:00:00', '2026-11-27 09:00:00')",
                uuid::Uuid::now_v7(),
                commune["id"].as_str().unwrap()
            )
        })
        .collect();
    app.execute_sql(&format!("INSERT INTO units VALUES {}", values.join(", ")));
    let created = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "=HYPERLINK(\"http://x\")", "kind": "school",
                                             "association_id": other["id"]}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);

    // Every row of the filter, in the list's order, past the page limit.
    let path = format!(
        "/api/v1/units?association_id={}&page_size=5",
        commune["id"].as_str().unwrap()
    );
    let lines = ndjson(&export(&app, &path, "application/x-ndjson").await);
    assert_eq!(lines.len(), 1203);
    assert_eq!(lines[0]["name"], "Đơn vị 0000");
    assert_eq!(lines[1202]["name"], "Đơn vị 1202");
    // Each line is the row as the JSON list gives it.
    let first_page = app.list(&path).await;
    assert_eq!(lines[..5], first_page[..]);

    let (header, rows) = csv_records(&export(&app, &path, "text/csv").await);
    assert_eq!(header[..4], ["id", "code", "name", "kind"]);
    assert_eq!(rows.len(), 1203);
    assert_eq!(rows[7][1], "U0007");
    assert_eq!(rows[7][2], "Đơn vị 0007");
    assert_eq!(rows[7][7], "", "a null is an empty cell");

    // A formula is written as text.
    let path = format!(
        "/api/v1/units?association_id={}",
        other["id"].as_str().unwrap()
    );
    let (_, rows) = csv_records(&export(&app, &path, "text/csv").await);
    assert_eq!(rows[0][2], "'=HYPERLINK(\"http://x\")");

    // Nothing matches: the header alone; NDJSON: nothing.
    let path = "/api/v1/units?q=nowhere";
    let (header, rows) = csv_records(&export(&app, path, "text/csv").await);
    assert_eq!(header.len(), 11);
    assert!(rows.is_empty());
    assert_eq!(export(&app, path, "application/x-ndjson").await, "");

    // A form none of the three: 406; a bad filter: 400 before any row.
    let refused = app
        .request(Method::GET, "/api/v1/units")
        .header("Accept", "image/png")
        .send()
        .await
        .unwrap();
    assert_problem(refused, StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE").await;
    let refused = app
        .request(Method::GET, "/api/v1/units?kind=castle")
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn an_export_shows_personal_fields_as_the_json_list_does() {
    let app = spawn_app().await;
    let commune = app
        .create_association("02", "Xã Báo Đáp", "commune", None)
        .await;
    let created = app
        .post_json("/api/v1/citizens", &json!({"full_name": "Nguyễn Thị Hoa", "association_id": commune["id"],
                                                "phone": "0912345678", "national_id": "015185000123"}))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let editor = app.issue_token("editor", Role::Editor, Some(&commune), None);
    let viewer = app.issue_token("viewer", Role::Viewer, Some(&commune), None);
    for (token, personal) in [(&editor, true), (&viewer, false)] {
        let as_caller = app.with_token(token);
        let lines = ndjson(&export(&as_caller, "/api/v1/citizens", "application/x-ndjson").await);
        assert_eq!(lines, as_caller.list("/api/v1/citizens").await);
        assert_eq!(lines[0]["phone"].is_string(), personal, "{}", lines[0]);
        let (header, rows) = csv_records(&export(&as_caller, "/api/v1/citizens", "text/csv").await);
        let phone = header.iter().position(|h| h == "phone").unwrap();
        let national_id = header.iter().position(|h| h == "national_id").unwrap();
        assert_eq!(rows[0][phone].is_empty(), !personal);
        assert_eq!(rows[0][national_id].is_empty(), !personal);
    }
    // Out of scope: nothing.
    let elsewhere = app
        .create_association("03", "Xã Đào Thịnh", "commune", None)
        .await;
    let outsider =
        app.with_token(&app.issue_token("outsider", Role::Editor, Some(&elsewhere), None));
    assert_eq!(
        export(&outsider, "/api/v1/citizens", "application/x-ndjson").await,
        ""
    );
}

#[actix_web::test]
async fn associations_export_as_the_list_gives_them() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    app.create_association("08170", "Trấn Yên", "district", Some(&province))
        .await;
    let path = format!(
        "/api/v1/associations?ancestor_id={}",
        province["id"].as_str().unwrap()
    );
    let lines = ndjson(&export(&app, &path, "application/x-ndjson").await);
    assert_eq!(lines, app.list(&path).await);
    let (header, rows) = csv_records(&export(&app, &path, "text/csv").await);
    let ancestors = header.iter().position(|h| h == "ancestor_ids").unwrap();
    let district = rows.iter().find(|r| r[1] == "08170").unwrap();
    assert_eq!(district[ancestors], format!("[{}]", province["id"]));
}

/// Each list's files live on an export operation of their own: CSV by
/// default, NDJSON when asked, never a JSON page; the list states JSON only
/// (its typed answer), while `curl` may still ask it for a file.
#[actix_web::test]
async fn each_list_has_an_export_of_its_own_and_states_json_alone() {
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    let commune = app
        .create_association("04576", "Xã Đào Thịnh", "commune", Some(&district))
        .await;
    let query = format!("?ancestor_id={}", district["id"].as_str().unwrap());
    let default = app
        .get(&format!("/api/v1/exports/associations{query}"))
        .await;
    assert_eq!(default.status(), StatusCode::OK);
    assert_eq!(default.headers()["content-type"], "text/csv; charset=utf-8");
    let (header, rows) = csv_records(&default.text().await.unwrap());
    let code = header.iter().position(|c| c == "code").unwrap();
    assert_eq!(
        rows.iter().map(|r| r[code].as_str()).collect::<Vec<_>>(),
        ["04576"]
    );
    let ndjson = export(
        &app,
        &format!("/api/v1/exports/associations{query}"),
        "application/x-ndjson",
    )
    .await;
    let line: Value = serde_json::from_str(ndjson.lines().next().unwrap()).unwrap();
    assert_eq!(line["id"], commune["id"]);
    let json = app
        .request(Method::GET, &format!("/api/v1/exports/associations{query}"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_problem(json, StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE").await;
    // The list itself still answers a file to whoever asks.
    let csv = export(&app, &format!("/api/v1/associations{query}"), "text/csv").await;
    assert!(csv.contains("04576"));

    let doc = app.document().await;
    let content = |path: &str| {
        doc["paths"][path]["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap_or_else(|| panic!("{path}"))
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    for list in LISTS {
        assert_eq!(
            content(&format!("/api/v1/{list}")),
            ["application/json"],
            "{list}"
        );
        assert_eq!(
            content(&format!("/api/v1/exports/{list}")),
            [
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/x-ndjson",
                "text/csv"
            ],
            "{list}"
        );
    }
    // No operation states JSON beside a file: a generated client's answer
    // is one type.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(content) = operation["responses"]["200"]["content"].as_object() else {
                continue;
            };
            assert!(
                !(content.contains_key("application/json") && content.len() > 1),
                "{method} {path}: {:?}",
                content.keys().collect::<Vec<_>>()
            );
        }
    }
}

/// A list exported as a workbook holds the CSV export's rows, each cell in
/// its type: numbers as numbers, booleans as booleans, dates as dates, text
/// as text (a formula-looking name too).
#[actix_web::test]
async fn a_list_exports_as_a_workbook_of_typed_cells() {
    use calamine::{Data, Reader};
    let app = spawn_app().await;
    let district = app
        .create_association("08170", "Huyện Trấn Yên", "district", None)
        .await;
    for (code, name, staff) in [
        ("THPT-TY", "Trường THPT Trấn Yên", 85),
        ("UB-TY", "=HYPERLINK(\"http://x\")", 40),
        ("0123", "Trường Tiểu học Minh Quân", 31),
    ] {
        let body = json!({"code": code, "name": name, "kind": "school", "staff_count": staff,
                          "association_id": district["id"]});
        let response = app.post_json("/api/v1/units", &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let path = format!(
        "/api/v1/exports/units?association_id={}",
        district["id"].as_str().unwrap()
    );
    let response = app
        .request(Method::GET, &path)
        .header(
            "Accept",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("units.xlsx"));
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let rows: Vec<Vec<Data>> = book
        .worksheet_range(&sheet)
        .unwrap()
        .rows()
        .map(<[Data]>::to_vec)
        .collect();
    let (header, lines) = csv_records(&export(&app, &path, "text/csv").await);
    assert_eq!(rows.len(), lines.len() + 1);
    // The headings are for people, in Vietnamese unless asked otherwise.
    let headings: Vec<String> = rows[0].iter().map(|h| h.to_string()).collect();
    assert_eq!(headings.len(), header.len());
    assert_eq!(
        [&headings[0], &headings[1], &headings[2]],
        ["Id", "Mã", "Tên"],
        "{headings:?}"
    );
    let staff = header.iter().position(|h| h == "staff_count").unwrap();
    assert_eq!(headings[staff], "Số cán bộ, nhân viên");
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (line, row) in lines.iter().zip(&rows[1..]) {
        for (at, (csv, cell)) in line.iter().zip(row).enumerate() {
            match cell {
                Data::Empty => assert!(csv.is_empty(), "{}", header[at]),
                Data::Float(n) => assert_eq!(*n, csv.parse::<f64>().unwrap(), "{}", header[at]),
                Data::Bool(b) => assert_eq!(b.to_string(), *csv),
                Data::String(text) => {
                    assert_eq!(
                        text,
                        csv.strip_prefix('\'').unwrap_or(csv),
                        "{}",
                        header[at]
                    )
                }
                Data::DateTime(_) => {
                    assert!(header[at].ends_with("_at") || header[at].ends_with("_on"))
                }
                other => panic!("{}: {other:?}", header[at]),
            }
        }
        assert!(matches!(row[column("staff_count")], Data::Float(_)));
        assert!(
            matches!(row[column("code")], Data::String(_)),
            "a code of digits stays text"
        );
        assert!(matches!(row[column("created_at")], Data::DateTime(_)));
    }
    let names: Vec<String> = rows.iter().map(|r| r[column("name")].to_string()).collect();
    assert!(names.contains(&"=HYPERLINK(\"http://x\")".to_owned()));
}

/// Every list's workbook names each column as people read it, in the
/// language asked for: no member name (`full_name`) left as a heading.
#[actix_web::test]
async fn every_list_workbook_has_readable_headings() {
    use calamine::Reader;
    let app = spawn_app().await;
    for list in LISTS {
        for (language, sample) in [("vi", "Thời điểm tạo"), ("en", "Created at")] {
            let response = app
                .request(Method::GET, &format!("/api/v1/exports/{list}"))
                .header(
                    "Accept",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                .header("Accept-Language", language)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()["content-language"], language);
            let bytes = response.bytes().await.unwrap().to_vec();
            let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            let sheet = book.sheet_names()[0].clone();
            let range = book.worksheet_range(&sheet).unwrap();
            let headings: Vec<String> = range
                .rows()
                .next()
                .unwrap()
                .iter()
                .map(|h| h.to_string())
                .collect();
            assert!(
                headings.iter().all(|h| !h.contains('_')),
                "{list} ({language}): {headings:?}"
            );
            assert!(headings.iter().any(|h| h == sample), "{list}: {headings:?}");
        }
    }
}

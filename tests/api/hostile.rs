//! Requests a hostile caller would send: paths spelt another way to slip past
//! authentication, bytes in path ids that no id holds, text that looks like
//! other text, formulas for the spreadsheets reports are opened in, and
//! probing for people registered elsewhere.

use khuyenhoc::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_invalid, assert_problem, field_errors, spawn_app, TestApp};

/// Every operation of the served document: method and path template.
async fn operations(app: &TestApp) -> Vec<(Method, String)> {
    let document: Value = app.document().await;
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in ["get", "post", "patch", "delete"] {
            if item.get(method).is_some() {
                operations.push((
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    path.clone(),
                ));
            }
        }
    }
    assert!(operations.len() > 60, "{} operations", operations.len());
    operations
}

/// The template with each `{parameter}` replaced by `value(name)`.
fn fill(template: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').unwrap() + start;
        out.push_str(&rest[..start]);
        out.push_str(&value(&rest[start + 1..end]));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn any_id(name: &str) -> String {
    if name == "year" {
        "2024".to_owned()
    } else {
        uuid::Uuid::now_v7().to_string()
    }
}

async fn send(app: &TestApp, method: &Method, path: &str, token: bool) -> StatusCode {
    let mut request = if token {
        app.request(method.clone(), path)
    } else {
        app.anonymous(method.clone(), path)
    };
    if [Method::POST, Method::PATCH].contains(method) {
        request = request
            .header("Content-Type", "application/json")
            .body("{}");
    }
    request.send().await.expect("a response").status()
}

#[actix_web::test]
async fn no_spelling_of_a_path_reaches_an_operation_without_a_token() {
    let app = spawn_app().await;
    for (method, template) in operations(&app).await {
        if !template.starts_with("/api/") {
            continue;
        }
        let path = fill(&template, any_id);
        let rest = &path["/api/".len()..];
        for spelt in [
            format!("/%61pi/{rest}"),
            format!("/%61%70%69/{rest}"),
            format!("/api/%76{}", &rest[1..]),
            format!("/api/v1/{}", rest["v1/".len()..].replacen('s', "%73", 1)),
            format!("/api/v1/./{}", &rest["v1/".len()..]),
            format!("/api/v1/x/../{}", &rest["v1/".len()..]),
            format!("/API/{rest}"),
            format!("//api/{rest}"),
            format!("/api%2F{rest}"),
        ] {
            let status = send(&app, &method, &spelt, false).await;
            assert!(
                status == StatusCode::UNAUTHORIZED || status == StatusCode::NOT_FOUND,
                "{method} {spelt}: {status}"
            );
        }
    }
}

#[actix_web::test]
async fn nul_and_other_junk_in_any_path_id_is_a_client_error() {
    let app = spawn_app().await;
    for (method, template) in operations(&app).await {
        if !template.contains('{') {
            continue;
        }
        let names: Vec<String> = template
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().unwrap().to_owned())
            .collect();
        for junk in ["%00", "a%00b", "%E2%80%AE", "%FF", "..%2F..", "0"] {
            for target in &names {
                let path = fill(&template, |name| {
                    if name == target {
                        junk.to_owned()
                    } else {
                        any_id(name)
                    }
                });
                let status = send(&app, &method, &path, true).await;
                assert!(status.is_client_error(), "{method} {path}: {status}");
            }
        }
    }
    // The problem document of such a path.
    let response = app.get("/api/v1/tokens/%00").await;
    assert_problem(response, StatusCode::NOT_FOUND, "NOT_FOUND").await;
}

#[actix_web::test]
async fn an_id_in_upper_case_names_the_same_association() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let id = province["id"].as_str().unwrap();
    let response = app
        .get(&format!("/api/v1/associations/{}", id.to_uppercase()))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], id);
}

#[actix_web::test]
async fn names_are_stored_composed_and_invisible_characters_are_refused() {
    let app = spawn_app().await;
    // "Trấn Yên" typed decomposed (a + circumflex + acute) is stored as NFC.
    let decomposed = "Tra\u{0302}\u{0301}n Ye\u{0302}n";
    let created = app
        .create_association("08170", decomposed, "district", None)
        .await;
    assert_eq!(created["name"], "Trấn Yên");
    let found = app.list("/api/v1/associations?q=Trấn%20Yên").await;
    assert_eq!(found.len(), 1);

    for (field, value) in [
        ("name", "Trấn Yên\u{202E}nêY nấrT"),
        ("name", "Trấn\u{200B}Yên"),
        ("name", "\u{FEFF}Trấn Yên"),
        ("name", "Trấn\u{2028}Yên"),
        ("code", "08\u{200D}171"),
        ("code", "\u{2066}08172"),
        ("address", "Thôn 1\u{202D}"),
    ] {
        let mut body = json!({"code": "X1", "name": "Xã", "level": "province"});
        body[field] = json!(value);
        let response = app.post_json("/api/v1/associations", &body).await;
        let problem = assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
        )
        .await;
        let errors = field_errors(&problem);
        assert_eq!(errors.len(), 1, "{value:?}: {problem}");
        assert_eq!(errors[0].0, format!("/{field}"));
        assert!(
            ["INVALID_CHARACTERS", "INVALID_CODE"].contains(&errors[0].1.as_str()),
            "{value:?}: {problem}"
        );
    }
    let units = app
        .post_json(
            "/api/v1/units",
            &json!({"association_id": created["id"], "code": "T1", "kind": "school",
                    "name": "Trường\u{202E}"}),
        )
        .await;
    assert_invalid(units, &[("/name", "INVALID_CHARACTERS")]).await;
}

#[actix_web::test]
async fn formulas_in_names_come_out_of_every_csv_as_text() {
    let app = spawn_app().await;
    let formula = "=HYPERLINK(\"http://evil.example/\",\"Bấm\")";
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let district = app
        .create_association("08170", formula, "district", Some(&province))
        .await;
    app.create_association("08171", "@SUM(A1:A9)", "district", Some(&province))
        .await;
    let stats = app
        .post_json(
            &format!(
                "/api/v1/associations/{}/yearly-stats",
                district["id"].as_str().unwrap()
            ),
            &json!({"year": 2020, "member_count": 23793, "population": 91161}),
        )
        .await;
    assert_eq!(stats.status(), StatusCode::CREATED);
    let set: Value = app.list("/api/v1/criteria-sets?code=citizen").await[0].clone();
    let id = province["id"].as_str().unwrap();
    for report in [
        format!("/api/v1/reports/membership?association_id={id}&year=2020"),
        format!(
            "/api/v1/reports/assessments?association_id={id}&period=2020&criteria_set_id={}",
            set["id"].as_str().unwrap()
        ),
    ] {
        let response = app
            .request(Method::GET, &report)
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{report}");
        let body = response.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
        let cells: Vec<String> = reader
            .records()
            .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        assert!(cells.contains(&format!("'{formula}")), "{report}: {body}");
        assert!(
            cells.contains(&"'@SUM(A1:A9)".to_owned()),
            "{report}: {body}"
        );
        assert!(
            cells.iter().all(|c| !c.starts_with(['=', '@', '+'])),
            "{report}: {body}"
        );
    }
}

#[actix_web::test]
async fn a_taken_national_id_reveals_nothing_and_the_attempt_is_audited() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Yên Bái", "province", None)
        .await;
    let a = app
        .create_association("A", "Huyện A", "district", Some(&province))
        .await;
    let b = app
        .create_association("B", "Huyện B", "district", Some(&province))
        .await;
    let national_id = "015185000123";
    let holder = app
        .post_json(
            "/api/v1/citizens",
            &json!({"full_name": "Nguyễn Văn An", "association_id": b["id"],
                    "national_id": national_id}),
        )
        .await;
    assert_eq!(holder.status(), StatusCode::CREATED);
    let holder: Value = holder.json().await.unwrap();
    let editor_a = app.with_token(&app.issue_token("editor A", Role::Editor, Some(&a), None));
    let editor_b = app.with_token(&app.issue_token("editor B", Role::Editor, Some(&b), None));

    // The same answer inside and outside the caller's scope, naming no one.
    let mut details = Vec::new();
    for editor in [&editor_a, &editor_b] {
        let association = if std::ptr::eq(editor, &editor_a) {
            &a
        } else {
            &b
        };
        let response = editor
            .post_json(
                "/api/v1/citizens",
                &json!({"full_name": "Trần Thị Bình", "association_id": association["id"],
                        "national_id": national_id}),
            )
            .await;
        let problem = assert_problem(response, StatusCode::CONFLICT, "DUPLICATE_NATIONAL_ID").await;
        let text = problem.to_string();
        for secret in [
            holder["id"].as_str().unwrap(),
            b["id"].as_str().unwrap(),
            "Huyện B",
            "Nguyễn",
        ] {
            assert!(!text.contains(secret), "{text}");
        }
        details.push(problem["detail"].clone());
    }
    assert_eq!(details[0], details[1]);

    // A change to it is refused alike.
    let own = editor_a
        .post_json(
            "/api/v1/citizens",
            &json!({"full_name": "Lê Văn Cường", "association_id": a["id"]}),
        )
        .await;
    let own: Value = own.json().await.unwrap();
    let response = editor_a
        .patch_json(
            &format!("/api/v1/citizens/{}", own["id"].as_str().unwrap()),
            &json!({"national_id": national_id}),
            None,
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT, "DUPLICATE_NATIONAL_ID").await;

    // Each attempt is in the trail of the holder's scope, with who tried,
    // and never the number itself.
    let events = editor_b
        .list(&format!(
            "/api/v1/audit-events?resource_id={}",
            holder["id"].as_str().unwrap()
        ))
        .await;
    let refusals: Vec<&Value> = events
        .iter()
        .filter(|e| e["action"] == "refuse_duplicate_national_id")
        .collect();
    assert_eq!(refusals.len(), 3, "{events:#?}");
    let names: Vec<&str> = refusals
        .iter()
        .map(|e| e["actor_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.iter().filter(|n| **n == "editor A").count(), 2);
    assert!(!Value::Array(events.clone())
        .to_string()
        .contains(national_id));
    // Editor A's own trail does not show the holder.
    let own_trail = editor_a.list("/api/v1/audit-events").await;
    assert!(own_trail.iter().all(|e| e["resource_id"] != holder["id"]));
}

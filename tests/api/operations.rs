//! Probes, the OpenAPI document, Swagger UI and migrations.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn liveness_and_readiness_answer_ok() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[actix_web::test]
async fn the_committed_openapi_document_matches_the_code() {
    let generated = khuyenhoc::startup::openapi().to_pretty_json().unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is out of date: regenerate it with \
         `cargo run --quiet -- openapi > openapi/openapi.json` and commit it"
    );
}

#[actix_web::test]
async fn the_document_is_gzipped_for_a_client_that_accepts_it() {
    use std::io::Read;
    let app = spawn_app().await;
    let fetch = |accept: &'static str| {
        app.anonymous(reqwest::Method::GET, "/api-docs/openapi.json")
            .header("Accept-Encoding", accept)
            .send()
    };
    let plain = fetch("identity").await.unwrap();
    assert_eq!(plain.headers().get("content-encoding"), None);
    let vary = plain.headers()["vary"].to_str().unwrap();
    assert!(vary.contains("Accept-Encoding"), "{vary}");
    let plain = plain.bytes().await.unwrap();
    for accept in ["gzip", "br, gzip;q=0.8", "*"] {
        let gzipped = fetch(accept).await.unwrap();
        assert_eq!(gzipped.headers()["content-encoding"], "gzip", "{accept}");
        let gzipped = gzipped.bytes().await.unwrap();
        assert!(
            gzipped.len() * 4 < plain.len(),
            "{} of {}",
            gzipped.len(),
            plain.len()
        );
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, plain, "{accept}");
    }
    let refused = fetch("gzip;q=0, identity").await.unwrap();
    assert_eq!(refused.headers().get("content-encoding"), None);
    // A refusal of gzip by name outweighs `*`.
    let refused = fetch("gzip;q=0, *").await.unwrap();
    assert_eq!(refused.headers().get("content-encoding"), None);
}

#[actix_web::test]
async fn the_served_document_is_the_generated_one_and_swagger_ui_works_offline() {
    let app = spawn_app().await;
    let served: Value = app
        .get("/api-docs/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let generated: Value = serde_json::to_value(khuyenhoc::startup::openapi()).unwrap();
    assert_eq!(served, generated);
    for operation in [
        "list_associations",
        "create_association",
        "get_association",
        "update_association",
        "delete_association",
        "list_association_ancestors",
    ] {
        assert!(
            served
                .to_string()
                .contains(&format!("\"operationId\":\"{operation}\"")),
            "{operation}"
        );
    }

    let response = app.get("/docs").await;
    assert!(response.status().is_redirection());
    let page = app.get("/docs/").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    // The UI's assets are served by the binary itself, not fetched from a CDN.
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status(), StatusCode::OK);
}

#[test]
fn every_migration_exists_for_both_backends() {
    let names = |backend: &str| {
        let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert!(!names("sqlite").is_empty());
    assert_eq!(names("sqlite"), names("postgres"));
}

#[test]
fn every_migration_reverts_cleanly_on_sqlite() {
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    use diesel_migrations::MigrationHarness;

    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let tables = |conn: &mut SqliteConnection| -> Vec<String> {
        diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .load::<Name>(conn)
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.run_pending_migrations(khuyenhoc::db::SQLITE_MIGRATIONS)
        .unwrap();
    assert!(tables(&mut conn).contains(&"associations".to_owned()));
    conn.revert_all_migrations(khuyenhoc::db::SQLITE_MIGRATIONS)
        .unwrap();
    assert_eq!(
        tables(&mut conn),
        vec!["__diesel_schema_migrations".to_owned()]
    );
    conn.run_pending_migrations(khuyenhoc::db::SQLITE_MIGRATIONS)
        .unwrap();
    assert!(tables(&mut conn).contains(&"associations".to_owned()));
}

use diesel::{Connection, PgConnection, RunQueryDsl};
use std::sync::Arc;

use chrono::NaiveDateTime;
use khuyenhoc::auth::{Actor, Role};
use khuyenhoc::config::{DatabaseUrl, Settings};
use khuyenhoc::db::{write_transaction, Db};
use khuyenhoc::startup::Application;
use khuyenhoc::tokens::{self, model::NewToken};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

/// A fresh database that is dropped with the test.
pub enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh database of the backend under test, and its URL.
    pub fn create() -> (Self, DatabaseUrl) {
        Self::create_on(std::env::var("TEST_DATABASE_URL").ok())
    }

    /// A fresh database on the PostgreSQL server of `admin_url`, else SQLite.
    pub fn create_on(admin_url: Option<String>) -> (Self, DatabaseUrl) {
        match admin_url {
            Some(admin_url) if !admin_url.is_empty() => {
                let name = format!("khuyenhoc_test_{}", uuid::Uuid::now_v7().simple());
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("TEST_DATABASE_URL must reach PostgreSQL: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create the test database");
                let url = with_database(&admin_url, &name);
                let parsed = DatabaseUrl::parse(Some(&url)).expect("a postgres url");
                (TestDatabase::Postgres { admin_url, name }, parsed)
            }
            _ => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let path = dir.path().join("khuyenhoc.db");
                let url = DatabaseUrl::Sqlite(path.to_string_lossy().into_owned());
                (TestDatabase::Sqlite(dir), url)
            }
        }
    }
}

/// The same server and options, another database.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

/// The URL as `DATABASE_URL` takes it.
pub fn url_text(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Postgres(url) | DatabaseUrl::Sqlite(url) => url.clone(),
    }
}

/// The running application, and the token its requests carry.
#[derive(Clone)]
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// The bearer token sent with every request (an admin's for the whole tree by default).
    pub token: String,
    /// The database, as `DATABASE_URL` names it.
    pub database_url: String,
    db: Db,
    _database: Arc<TestDatabase>,
}

/// Starts the application on a free port with a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] on SQLite, whatever the backend under test.
pub async fn spawn_sqlite_app() -> TestApp {
    spawn_app_on(TestDatabase::create_on(None), |_| {}).await
}

/// [`spawn_app`] with settings of the test's own.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(TestDatabase::create(), adjust).await
}

async fn spawn_app_on(
    (database, database_url): (TestDatabase, DatabaseUrl),
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut settings = test_settings(database_url);
    adjust(&mut settings);
    let mut test_app = start(&settings, Arc::new(database));
    test_app.token = test_app.issue_token("test admin", Role::Admin, None, None);
    test_app
}

/// The settings of a test instance on `database_url`.
fn test_settings(database_url: DatabaseUrl) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        database_url,
        pool_size: 4,
        pool_timeout: khuyenhoc::db::DEFAULT_POOL_TIMEOUT,
        workers: Some(1),
        cors_allowed_origins: vec!["https://frontend.example".into()],
        header_timeout: std::time::Duration::from_secs(5),
        body_timeout: std::time::Duration::from_secs(2),
        shutdown_grace: std::time::Duration::from_secs(5),
        report_concurrency: 2,
        rate_limit_per_minute: None,
        import_body_limit: 8 << 20,
        oidc: None,
        docs_oidc_client_id: None,
        auth_failures_per_minute: 0,
        trusted_proxies: Vec::new(),
        webhooks: khuyenhoc::config::WebhookSettings {
            allow_private_networks: true,
            ..Default::default()
        },
    }
}

/// Starts an instance with `settings`; its requests carry no token yet.
fn start(settings: &Settings, database: Arc<TestDatabase>) -> TestApp {
    let app = Application::build(settings).expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(walk_language())
            // The server closes a connection idle for 5 s (actix's keep-alive):
            // the client lets go of it first, rather than race the close with
            // its next request (which then fails as an incomplete message).
            .pool_idle_timeout(std::time::Duration::from_secs(3))
            .build()
            .expect("an HTTP client"),
        token: String::new(),
        database_url: url_text(&settings.database_url),
        db,
        _database: database,
    }
}

impl TestApp {
    /// Another instance on this app's database, with settings of its own,
    /// calling with this app's token.
    pub async fn second_instance(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let url = DatabaseUrl::parse(Some(&self.database_url)).expect("the app's database");
        let mut settings = test_settings(url);
        adjust(&mut settings);
        start(&settings, self._database.clone()).with_token(&self.token)
    }

    /// A request with this app's token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.anonymous(method, path).bearer_auth(&self.token)
    }

    /// A request without any token.
    pub fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
    }

    /// The same app, calling with another token.
    pub fn with_token(&self, token: &str) -> TestApp {
        TestApp {
            token: token.to_owned(),
            ..self.clone()
        }
    }

    /// Issues a token straight in the database, as `khuyenhoc token create` does.
    pub fn issue_token(
        &self,
        name: &str,
        role: Role,
        association: Option<&Value>,
        expires_at: Option<NaiveDateTime>,
    ) -> String {
        let mut conn = self.db.connection().expect("a connection");
        let new = NewToken {
            name: name.to_owned(),
            role,
            association_id: association.map(|a| a["id"].as_str().expect("an id").to_owned()),
            expires_at,
        };
        write_transaction(&mut conn, |conn| {
            tokens::model::issue(conn, &Actor::command_line(), None, new)
        })
        .expect("the token is issued")
        .1
    }

    /// The address the app listens on (`127.0.0.1:PORT`).
    pub fn host(&self) -> &str {
        self.address.trim_start_matches("http://")
    }

    /// The app's database, for what the API does not reach.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Runs a statement on the app's database (to set up states the API cannot reach).
    pub fn execute_sql(&self, sql: &str) {
        let mut conn = self.db.connection().expect("a connection");
        diesel::sql_query(sql)
            .execute(&mut **conn)
            .expect("the statement runs");
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.expect("GET")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn patch_json(&self, path: &str, body: &Value, if_match: Option<&str>) -> Response {
        let mut request = self
            .request(Method::PATCH, path)
            .header("Content-Type", "application/merge-patch+json")
            .body(body.to_string());
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        request.send().await.expect("PATCH")
    }

    pub async fn delete(&self, path: &str, if_match: Option<&str>) -> Response {
        let mut request = self.request(Method::DELETE, path);
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        request.send().await.expect("DELETE")
    }

    /// Creates an association and returns its body; panics unless 201.
    pub async fn create_association(
        &self,
        code: &str,
        name: &str,
        level: &str,
        parent: Option<&Value>,
    ) -> Value {
        let body = json!({
            "code": code, "name": name, "level": level,
            "parent_id": parent.map(|p| p["id"].clone()),
        });
        let response = self.post_json("/api/v1/associations", &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "creating {code}");
        response.json().await.expect("an association")
    }

    /// The served OpenAPI document.
    pub async fn document(&self) -> Value {
        let response = self.get("/api-docs/openapi.json").await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("the OpenAPI document")
    }

    /// The items of a list, after checking it answered 200.
    pub async fn list(&self, path: &str) -> Vec<Value> {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        let page: Value = response.json().await.expect("a page");
        page["items"].as_array().expect("items").clone()
    }
}

/// The codes of a list of associations, in order.
pub fn codes(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The language the suites' requests ask for: Vietnamese, so that every
/// refusal they provoke is also a walk through the Vietnamese catalogue
/// ([`assert_problem`] finds no English sentence in it). A test of the
/// English a request without `Accept-Language` gets sends its own header or
/// uses a client of its own.
fn walk_language() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        reqwest::header::HeaderValue::from_static("vi"),
    );
    headers
}

/// Words of English sentences that Vietnamese text never holds, once the
/// values it quotes (`code`, "text", paths, URLs) are taken out.
const ENGLISH_WORDS: [&str; 28] = [
    "the", "is", "are", "was", "must", "not", "cannot", "be", "of", "and", "to", "with", "this",
    "that", "has", "have", "no", "only", "send", "retry", "again", "found", "from", "an", "a",
    "invalid", "expected", "type",
];

/// The English words in `text`, a Vietnamese sentence whose quoted values
/// (client input, codes, paths) are taken out first.
pub fn english_in(text: &str) -> Vec<String> {
    let quoted = regex::Regex::new(r#"`[^`]*`|"[^"]*"|https?://\S+|/[\w/{}.?=~%-]*"#).unwrap();
    quoted
        .replace_all(text, " ")
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|word| ENGLISH_WORDS.contains(&word.to_lowercase().as_str()))
        .map(str::to_owned)
        .collect()
}

/// Asserts that a problem document asked for in Vietnamese says every
/// sentence (title, detail, each field's detail, each rejected row's of an
/// import report) in Vietnamese.
fn assert_vietnamese(problem: &Value) {
    let field_details = ["/errors", "/report/rejections"]
        .into_iter()
        .filter_map(|pointer| problem.pointer(pointer).and_then(Value::as_array))
        .flatten()
        .map(|e| &e["detail"]);
    for text in [&problem["title"], &problem["detail"]]
        .into_iter()
        .chain(field_details)
    {
        let text = text.as_str().unwrap_or_default();
        let english = english_in(text);
        assert!(english.is_empty(), "English {english:?} in {problem}");
    }
}

/// Asserts a problem document with this status and code, and returns it. A
/// problem asked for in Vietnamese (as the suites ask) is said in it.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let language = header("content-language");
    assert!(
        matches!(language.as_deref(), Some("vi" | "en")),
        "Content-Language: {language:?}"
    );
    assert!(
        header("vary").is_some_and(|v| v.to_lowercase().contains("accept-language")),
        "Vary: {:?}",
        header("vary")
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let problem: Value = response.json().await.expect("a problem document");
    assert_eq!(problem["status"], status.as_u16());
    assert_eq!(problem["code"], code, "{problem}");
    assert!(
        problem["title"].is_string()
            && problem["detail"].is_string()
            && problem["type"].is_string()
    );
    assert_eq!(problem["request_id"].as_str(), request_id.as_deref());
    if language.as_deref() == Some("vi") {
        assert_vietnamese(&problem);
    }
    problem
}

/// Asserts a 422 whose field errors are exactly `expected` (pointer, code);
/// returns the problem.
pub async fn assert_invalid(response: Response, expected: &[(&str, &str)]) -> Value {
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
    )
    .await;
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(pointer, code)| (pointer.to_string(), code.to_string()))
        .collect();
    assert_eq!(field_errors(&problem), expected, "{problem}");
    problem
}

/// A CSV file the service wrote: its header and lines, after its byte-order mark.
pub fn csv_records(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let body = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// The pointers and codes of a problem's field errors.
pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["pointer"].as_str().unwrap_or_default().to_owned(),
                        e["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_test_database_url_keeps_server_and_options() {
    assert_eq!(
        with_database("postgres://root@127.0.0.1:5432/ci", "t1"),
        "postgres://root@127.0.0.1:5432/t1"
    );
    assert_eq!(
        with_database("postgres://h/ci?sslmode=disable", "t1"),
        "postgres://h/t1?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "t1"), "postgres://h/t1");
}

/// Yên Bái province with two districts, Trấn Yên and Yên Bình.
pub async fn province_with_two_districts(app: &TestApp) -> (Value, Value, Value) {
    let province = app
        .create_association("15", "Hội Khuyến học tỉnh Yên Bái", "province", None)
        .await;
    let mut districts = Vec::new();
    for (code, name) in [
        ("08170", "Hội Khuyến học huyện Trấn Yên"),
        ("08172", "Hội Khuyến học huyện Yên Bình"),
    ] {
        districts.push(
            app.create_association(code, name, "district", Some(&province))
                .await,
        );
    }
    let other = districts.pop().expect("Yên Bình");
    let district = districts.pop().expect("Trấn Yên");
    (province, district, other)
}

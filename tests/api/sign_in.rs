//! Officers and integration jobs signing in through a real OpenID Connect
//! provider (`oidc_provider`), on both backends: tokens of the provider's
//! real flows, and tokens made from them the way an attacker would.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use khuyenhoc::config::OidcSettings;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{province_with_two_districts as tree, spawn_app_with, TestApp};
use crate::oidc_provider::{Provider, AUDIENCE};

/// An app that accepts the provider's tokens for the audience [`AUDIENCE`].
async fn app_trusting(provider: &Provider, leeway: Duration) -> TestApp {
    let settings = OidcSettings::new(&provider.issuer, AUDIENCE, leeway).unwrap();
    spawn_app_with(|s| s.oidc = Some(settings)).await
}

/// Creates a user with one identity at `issuer`; its body.
async fn user(
    app: &TestApp,
    name: &str,
    role: &str,
    association: &Value,
    issuer: &str,
    subject: &str,
) -> Value {
    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"name": name, "email": format!("{subject}@yenbai.gov.vn"), "role": role,
                    "association_id": association["id"],
                    "identities": [{"issuer": issuer, "subject": subject}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// A provider, an app that trusts it, Yên Bái's tree, and Hoa, an editor
/// of the first district who signs in as `hoa`.
struct Setup {
    keys: tempfile::TempDir,
    provider: Provider,
    app: TestApp,
    province: Value,
    district: Value,
    other: Value,
    hoa: Value,
}

/// [`Setup`] with access tokens that live `ttl_secs` and the clock skew `leeway`.
async fn setup_with(ttl_secs: u64, leeway: Duration) -> Setup {
    let keys = tempfile::tempdir().unwrap();
    let provider = Provider::start_with(keys.path(), "k1", ttl_secs).await;
    let app = app_trusting(&provider, leeway).await;
    let (province, district, other) = tree(&app).await;
    let hoa = user(
        &app,
        "Nguyễn Thị Hoa",
        "editor",
        &district,
        &provider.issuer,
        "hoa",
    )
    .await;
    Setup {
        keys,
        provider,
        app,
        province,
        district,
        other,
        hoa,
    }
}

async fn setup() -> Setup {
    setup_with(600, Duration::from_secs(60)).await
}

async fn code_of(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[actix_web::test]
async fn an_officer_signed_in_through_the_provider_works_within_its_scope_and_is_named_in_the_audit_trail(
) {
    let Setup {
        provider,
        app,
        district,
        other,
        hoa,
        ..
    } = setup().await;

    let officer = app.with_token(&provider.sign_in("hoa", AUDIENCE).await);
    let me: Value = officer.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["through"], "openid_connect");
    assert_eq!(me["user"]["id"], hoa["id"]);
    assert_eq!(me["user"]["name"], "Nguyễn Thị Hoa");
    assert_eq!(me["issuer"], provider.issuer.as_str());
    assert_eq!(me["role"], "editor");
    assert_eq!(me["association_id"], district["id"]);
    assert_eq!(me["token"], Value::Null);

    // Within the scope: read and write. Outside it: as for a token of that scope.
    assert_eq!(
        officer
            .get(&format!(
                "/api/v1/associations/{}",
                district["id"].as_str().unwrap()
            ))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        officer
            .get(&format!(
                "/api/v1/associations/{}",
                other["id"].as_str().unwrap()
            ))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let commune = officer
        .create_association(
            "04576",
            "Hội Khuyến học xã Đào Thịnh",
            "commune",
            Some(&district),
        )
        .await;
    let outside = officer
        .post_json("/api/v1/associations", &json!({"code": "04600", "name": "Xã Cảm Nhân", "level": "commune", "parent_id": other["id"]}))
        .await;
    assert_eq!(
        code_of(outside).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED".into())
    );

    // The audit event of the write names the user, not a token.
    let events: Value = app
        .get(&format!(
            "/api/v1/audit-events?resource_id={}",
            commune["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    let created = &events["items"][0];
    assert_eq!(created["action"], "create");
    assert_eq!(created["actor_user_id"], hoa["id"]);
    assert_eq!(created["actor_token_id"], Value::Null);
    assert_eq!(created["actor_name"], "Nguyễn Thị Hoa");
    // The user the trail names is deactivated, not deleted.
    let tag = format!("\"{}\"", hoa["version"]);
    let refused = app
        .delete(
            &format!("/api/v1/users/{}", hoa["id"].as_str().unwrap()),
            Some(&tag),
        )
        .await;
    assert_eq!(
        code_of(refused).await,
        (StatusCode::CONFLICT, "USER_IN_AUDIT_TRAIL".into())
    );
}

#[actix_web::test]
async fn a_machine_client_credentials_token_acts_as_its_integration_user() {
    let Setup {
        provider,
        app,
        province,
        district,
        ..
    } = setup().await;
    // The client-credentials grant gives the client's id as the subject.
    user(
        &app,
        "Đồng bộ dữ liệu tỉnh",
        "integration",
        &province,
        &provider.issuer,
        "integration-job",
    )
    .await;

    let job = app.with_token(&provider.client_credentials(AUDIENCE).await);
    let me: Value = job.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(
        (me["role"].as_str(), me["through"].as_str()),
        (Some("integration"), Some("openid_connect"))
    );
    let page: Value = job
        .get(&format!(
            "/api/v1/associations?ancestor_id={}",
            province["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    // The two districts below the province.
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    // It reads, exports and imports; it does not edit one by one.
    let edit = job
        .patch_json(
            &format!("/api/v1/associations/{}", district["id"].as_str().unwrap()),
            &json!({"name": "X"}),
            None,
        )
        .await;
    assert_eq!(
        code_of(edit).await,
        (StatusCode::FORBIDDEN, "ROLE_CANNOT_EDIT".into())
    );
    let export = job
        .request(Method::GET, "/api/v1/associations")
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), StatusCode::OK);
}

/// `token` with its payload replaced by `payload`, header and signature kept.
fn with_payload(token: &str, payload: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    )
}

fn payload_of(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[actix_web::test]
async fn tokens_that_do_not_verify_are_refused_each_with_its_reason_and_a_stranger_is_not_registered(
) {
    let Setup {
        keys,
        provider,
        app,
        ..
    } = setup().await;
    // The same keys, another issuer: its signatures verify, its `iss` does not.
    let impostor = Provider::start(keys.path(), "k1").await;
    let refusal = |token: String| {
        let app = app.with_token(&token);
        async move { code_of(app.get("/api/v1/me").await).await }
    };
    let good = provider.sign_in("hoa", AUDIENCE).await;
    assert_eq!(refusal(good.clone()).await.0, StatusCode::OK);

    let unauthorized = |code: &str| (StatusCode::UNAUTHORIZED, code.to_owned());
    assert_eq!(
        refusal(provider.sign_in("hoa", "https://other.example").await).await,
        unauthorized("WRONG_AUDIENCE")
    );
    assert_eq!(
        refusal(impostor.sign_in("hoa", AUDIENCE).await).await,
        unauthorized("WRONG_ISSUER")
    );

    // `alg: none`, with the payload of a real token and no signature.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        good.split('.').nth(1).unwrap()
    );
    assert_eq!(refusal(none).await.0, StatusCode::UNAUTHORIZED);
    // HS256 with the provider's public key as the secret (the classic key confusion).
    let public_key = provider.jwks().await["keys"][0].to_string();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("k1".into());
    let confused = jsonwebtoken::encode(
        &header,
        &payload_of(&good),
        &jsonwebtoken::EncodingKey::from_secret(public_key.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        refusal(confused).await,
        unauthorized("UNSUPPORTED_ALGORITHM")
    );
    // A payload changed after signing: another subject.
    let mut changed = payload_of(&good);
    changed["sub"] = json!("admin");
    assert_eq!(
        refusal(with_payload(&good, &changed)).await,
        unauthorized("INVALID_SIGNATURE")
    );
    // A key id the provider never published (looked up once, then refused).
    let mut header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(good.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    header["kid"] = json!("made-up");
    let parts: Vec<&str> = good.split('.').collect();
    let unknown = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        parts[1],
        parts[2]
    );
    assert_eq!(refusal(unknown).await, unauthorized("UNKNOWN_KEY"));

    // A person the provider knows and no user holds.
    assert_eq!(
        refusal(provider.sign_in("stranger", AUDIENCE).await).await,
        (StatusCode::FORBIDDEN, "NOT_REGISTERED".into())
    );
    // API tokens keep working beside.
    assert_eq!(app.get("/api/v1/me").await.status(), StatusCode::OK);
}

#[actix_web::test]
async fn an_expired_token_says_so() {
    // Tokens of a second, no leeway: one second old, a token is expired without a minute's wait.
    let Setup { provider, app, .. } = setup_with(1, Duration::ZERO).await;
    let token = provider.sign_in("hoa", AUDIENCE).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response = app.with_token(&token).get("/api/v1/me").await;
    assert!(response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
    assert_eq!(
        code_of(response).await,
        (StatusCode::UNAUTHORIZED, "TOKEN_EXPIRED".into())
    );
}

#[actix_web::test]
async fn a_rotated_key_is_fetched_without_a_restart_and_known_keys_outlive_the_provider() {
    // The keys stay: the provider reads them again when it restarts.
    let Setup {
        keys: _keys,
        mut provider,
        app,
        ..
    } = setup().await;
    let first = provider.sign_in("hoa", AUDIENCE).await;
    assert_eq!(
        app.with_token(&first).get("/api/v1/me").await.status(),
        StatusCode::OK
    );

    // The provider rotates: k2 signs, k1 is still published.
    provider.restart("k2,k1").await;
    let rotated = provider.sign_in("hoa", AUDIENCE).await;
    // The keys are fetched again for an unknown key id at most every 5 seconds.
    tokio::time::sleep(khuyenhoc::auth::oidc::REFETCH_AFTER).await;
    assert_eq!(
        app.with_token(&rotated).get("/api/v1/me").await.status(),
        StatusCode::OK
    );

    // The provider stops: both tokens still verify, once the few seconds
    // in which a verified token is kept are over.
    provider.stop();
    tokio::time::sleep(khuyenhoc::auth::cache::TokenCache::TTL + Duration::from_millis(200)).await;
    for token in [&first, &rotated] {
        assert_eq!(
            app.with_token(token).get("/api/v1/me").await.status(),
            StatusCode::OK
        );
    }
}

#[actix_web::test]
async fn a_deactivated_user_is_refused_at_once_here_and_within_five_seconds_elsewhere() {
    let Setup {
        provider, app, hoa, ..
    } = setup().await;
    let token = provider.sign_in("hoa", AUDIENCE).await;
    // A second instance on the same database, which has just served the officer.
    let settings = OidcSettings::new(&provider.issuer, AUDIENCE, Duration::from_secs(60)).unwrap();
    let elsewhere = app
        .second_instance(|s| s.oidc = Some(settings))
        .await
        .with_token(&token);
    assert_eq!(elsewhere.get("/api/v1/me").await.status(), StatusCode::OK);
    assert_eq!(
        app.with_token(&token).get("/api/v1/me").await.status(),
        StatusCode::OK
    );

    let tag = format!("\"{}\"", hoa["version"]);
    let deactivated = app
        .patch_json(
            &format!("/api/v1/users/{}", hoa["id"].as_str().unwrap()),
            &json!({"active": false}),
            Some(&tag),
        )
        .await;
    assert_eq!(deactivated.status(), StatusCode::OK);
    assert_eq!(
        code_of(app.with_token(&token).get("/api/v1/me").await).await,
        (StatusCode::FORBIDDEN, "USER_DEACTIVATED".into())
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let status = elsewhere.get("/api/v1/me").await.status();
        if status == StatusCode::FORBIDDEN {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still served after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[actix_web::test]
async fn a_hundred_wrong_credentials_from_one_address_are_throttled_and_another_address_is_served()
{
    let app = spawn_app_with(|s| {
        s.auth_failures_per_minute = 30;
        // Behind a proxy on loopback: X-Forwarded-For names the client.
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let from = |address: &'static str, token: &str| {
        app.anonymous(Method::GET, "/api/v1/me")
            .bearer_auth(token)
            .header("X-Forwarded-For", address)
    };
    let mut first_throttled = None;
    for attempt in 1..=100 {
        let response = from("198.51.100.7", &format!("khk_wrong{attempt}"))
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key("retry-after"));
            first_throttled.get_or_insert(attempt);
        } else {
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "attempt {attempt}"
            );
            assert!(
                first_throttled.is_none(),
                "401 again after 429 at {attempt}"
            );
        }
    }
    assert_eq!(first_throttled, Some(31));
    // The same address with a good token waits too; another address is served.
    assert_eq!(
        from("198.51.100.7", &app.token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        from("203.0.113.9", &app.token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // A client that names its own address without a trusted proxy is its peer.
    let direct = spawn_app_with(|s| s.auth_failures_per_minute = 30).await;
    for attempt in 0..31 {
        let spoofed = format!("192.0.2.{attempt}");
        direct
            .anonymous(Method::GET, "/api/v1/me")
            .bearer_auth("khk_wrong")
            .header("X-Forwarded-For", spoofed)
            .send()
            .await
            .unwrap();
    }
    let throttled = direct
        .anonymous(Method::GET, "/api/v1/me")
        .bearer_auth(&direct.token)
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
}

//! A real OpenID Connect provider on loopback for the sign-in tests:
//! `oidc-provider` (OpenID Certified), run by Node.js from the lock file in
//! `tests/oidc/`. The first use installs it (`npm ci`) into
//! `target/oidc-provider/`; later runs reuse it while the lock file is the
//! same.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::node::npm_package;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use regex::Regex;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The audience the tests' access tokens are for (the provider takes
/// absolute URIs as resource indicators).
pub const AUDIENCE: &str = "urn:khuyenhoc:api";

/// Where the tests sign in from (a registered redirect of `officer-app`).
const REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// The installed provider: its folder, with `node_modules` and the script.
fn installed() -> &'static Path {
    static INSTALLED: OnceLock<PathBuf> = OnceLock::new();
    INSTALLED.get_or_init(|| npm_package("oidc", "oidc-provider", &["provider.mjs"]))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A provider process; stopped when dropped.
pub struct Provider {
    child: Option<Child>,
    port: u16,
    keys: PathBuf,
    ttl_secs: u64,
    pub issuer: String,
    http: reqwest::Client,
}

impl Provider {
    /// Starts a provider whose signing keys live in `keys` (made there when
    /// missing), signing with the first of `key_ids`.
    pub async fn start(keys: &Path, key_ids: &str) -> Provider {
        Self::start_with(keys, key_ids, 600).await
    }

    /// [`start`](Self::start) with access tokens that live `ttl_secs`.
    pub async fn start_with(keys: &Path, key_ids: &str, ttl_secs: u64) -> Provider {
        let port = free_port();
        let mut provider = Provider {
            child: None,
            port,
            keys: keys.to_owned(),
            ttl_secs,
            issuer: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .expect("an HTTP client"),
        };
        provider.run(key_ids).await;
        provider
    }

    async fn run(&mut self, key_ids: &str) {
        let node = Command::new("node")
            .arg("provider.mjs")
            .current_dir(installed())
            .env("PORT", self.port.to_string())
            .env("AUDIENCE", AUDIENCE)
            .env("KEYS_DIR", &self.keys)
            .env("KEY_IDS", key_ids)
            .env("ACCESS_TOKEN_TTL", self.ttl_secs.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts (install Node.js 20 or newer)");
        self.child = Some(node);
        let ready = Instant::now() + Duration::from_secs(20);
        let discovery = format!("{}/.well-known/openid-configuration", self.issuer);
        while Instant::now() < ready {
            if let Ok(response) = self.http.get(&discovery).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the OpenID Connect provider did not start within 20 s");
    }

    /// Stops the provider (its port stays its own for a restart).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and keys, signing with the first of
    /// `key_ids`: a key rotation when that one is new.
    pub async fn restart(&mut self, key_ids: &str) {
        self.stop();
        self.run(key_ids).await;
    }

    /// An access token for `resource` through the client-credentials grant
    /// of the machine client `integration-job`.
    pub async fn client_credentials(&self, resource: &str) -> String {
        let response = self
            .http
            .post(format!("{}/token", self.issuer))
            .basic_auth("integration-job", Some("job-secret"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", "api"),
                ("resource", resource),
            ])
            .send()
            .await
            .expect("the token endpoint answers");
        access_token(response).await
    }

    /// An access token for `resource` of the person who signs in as
    /// `login`, through the authorization-code flow with PKCE of the
    /// single-page app `officer-app`: the provider's own sign-in and consent
    /// pages, submitted as a browser would.
    pub async fn sign_in(&self, login: &str, resource: &str) -> String {
        let verifier = URL_SAFE_NO_PAD.encode(uuid::Uuid::now_v7().as_bytes().repeat(3));
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        // A browser of its own: the provider's session cookies belong to this sign-in.
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("an HTTP client");
        let mut url = reqwest::Url::parse(&format!("{}/auth", self.issuer)).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", "officer-app")
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("scope", "openid api")
            .append_pair("resource", resource)
            .append_pair("state", "khuyenhoc-test")
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        let mut response = browser.get(url).send().await.expect("/auth answers");
        let form = Regex::new(r#"<form[^>]*action="([^"]+)""#).unwrap();
        let hidden = Regex::new(r#"<input type="hidden" name="([^"]+)" value="([^"]*)""#).unwrap();
        for _ in 0..12 {
            if let Some(location) = response.headers().get("location") {
                let location = location.to_str().expect("a location").to_owned();
                if let Some(query) = location.strip_prefix(&format!("{REDIRECT_URI}?")) {
                    let code = form_urlencoded::parse(query.as_bytes())
                        .find(|(name, _)| name == "code")
                        .map(|(_, code)| code.into_owned())
                        .unwrap_or_else(|| panic!("no code in {location}"));
                    return self.exchange(&code, &verifier, resource).await;
                }
                let next = reqwest::Url::parse(&self.issuer)
                    .unwrap()
                    .join(&location)
                    .unwrap();
                response = browser.get(next).send().await.expect("a redirect answers");
                continue;
            }
            let page = response.text().await.expect("a page");
            let action = form
                .captures(&page)
                .unwrap_or_else(|| panic!("no form on the provider's page: {page}"))[1]
                .to_owned();
            let mut fields: Vec<(String, String)> = hidden
                .captures_iter(&page)
                .map(|c| (c[1].to_owned(), c[2].to_owned()))
                .collect();
            if page.contains(r#"name="login""#) {
                fields.push(("login".into(), login.into()));
                fields.push(("password".into(), "any password".into()));
            }
            let next = reqwest::Url::parse(&self.issuer)
                .unwrap()
                .join(&action)
                .unwrap();
            response = browser
                .post(next)
                .form(&fields)
                .send()
                .await
                .expect("a form answers");
        }
        panic!("the sign-in did not come back to the app");
    }

    async fn exchange(&self, code: &str, verifier: &str, resource: &str) -> String {
        let response = self
            .http
            .post(format!("{}/token", self.issuer))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
                ("client_id", "officer-app"),
                ("code_verifier", verifier),
                ("resource", resource),
            ])
            .send()
            .await
            .expect("the token endpoint answers");
        access_token(response).await
    }

    /// The provider's published signing keys (its JWKS).
    pub async fn jwks(&self) -> Value {
        self.http
            .get(format!("{}/jwks", self.issuer))
            .send()
            .await
            .expect("the JWKS answers")
            .json()
            .await
            .expect("a JWKS")
    }
}

/// The access token of a token endpoint's answer.
async fn access_token(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("a token response");
    body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token: {body}"))
        .to_owned()
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.stop();
    }
}

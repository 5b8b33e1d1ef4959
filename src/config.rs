//! Settings from flags and the environment.

use std::fmt;

/// Where the data lives; the scheme of `DATABASE_URL` chooses the backend.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    /// A file path.
    Sqlite(String),
}

pub const DEFAULT_SQLITE_FILE: &str = "khuyenhoc.db";

impl DatabaseUrl {
    /// `postgres://…` or `postgresql://…` → PostgreSQL; `sqlite://PATH`, a
    /// plain path or nothing → SQLite (default `khuyenhoc.db`).
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        let raw = raw.map(str::trim).unwrap_or_default();
        if raw.is_empty() {
            return Ok(DatabaseUrl::Sqlite(DEFAULT_SQLITE_FILE.to_owned()));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        let path = raw.strip_prefix("sqlite://").unwrap_or(raw);
        if path.is_empty() || path == ":memory:" || path.contains("mode=memory") {
            return Err(format!(
                "DATABASE_URL {raw:?}: give the SQLite database a file (each pooled connection \
                 would see its own empty in-memory database)"
            ));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            if scheme != "sqlite" {
                return Err(format!(
                    "DATABASE_URL scheme {scheme:?} is not supported: use postgres://, postgresql://, \
                     sqlite:// or a file path"
                ));
            }
        }
        Ok(DatabaseUrl::Sqlite(path.to_owned()))
    }

    pub fn backend(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "postgresql",
            DatabaseUrl::Sqlite(_) => "sqlite",
        }
    }
}

/// Shows the backend and where the data is: for SQLite the file's full
/// path (a relative one names another file in another folder), for
/// PostgreSQL the server and database; never a user or a password.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Postgres(url) => {
                let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
                let without_user = after_scheme
                    .rsplit_once('@')
                    .map_or(after_scheme, |(_, r)| r);
                let place = without_user.split('?').next().unwrap_or_default();
                match place.split_once('/') {
                    Some((server, name)) if !name.is_empty() => {
                        write!(f, "postgresql database {name} on {server}")
                    }
                    _ => write!(f, "postgresql database on {place}"),
                }
            }
            DatabaseUrl::Sqlite(path) => match std::path::absolute(path) {
                Ok(full) => write!(f, "sqlite database {}", full.display()),
                Err(_) => write!(f, "sqlite database {path}"),
            },
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The most clock skew allowed to a token's times.
pub const MAX_LEEWAY: std::time::Duration = std::time::Duration::from_secs(60);

/// The provider this instance accepts tokens of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// The issuer URL, exactly as the provider writes it in `iss`.
    pub issuer: String,
    /// The audience (`aud`) a token must be for: this service.
    pub audience: String,
    /// Clock skew allowed to `exp` and `nbf`, at most [`MAX_LEEWAY`].
    pub leeway: std::time::Duration,
}

impl OidcSettings {
    /// The settings, or why they cannot be: an issuer is `https://`, or
    /// `http://` on a loopback address only (a test's provider).
    pub fn new(issuer: &str, audience: &str, leeway: std::time::Duration) -> Result<Self, String> {
        check_provider_url(issuer).map_err(|why| format!("OIDC_ISSUER_URL {issuer:?}: {why}"))?;
        if audience.trim().is_empty() {
            return Err(
                "OIDC_AUDIENCE must name this service's audience (the `aud` its tokens carry)"
                    .into(),
            );
        }
        Ok(OidcSettings {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            leeway: leeway.min(MAX_LEEWAY),
        })
    }

    /// Where the provider's metadata is.
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        )
    }
}

/// Whether an identity provider's URL may be used: `https://`, or `http://` on loopback.
pub fn check_provider_url(url: &str) -> Result<(), String> {
    let (scheme, rest) = url.split_once("://").ok_or("not a URL")?;
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    if host.is_empty() {
        return Err("names no host".into());
    }
    match scheme {
        "https" => Ok(()),
        "http"
            if host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback()) =>
        {
            Ok(())
        }
        "http" => {
            Err("an http:// provider is accepted on a loopback address only: use https://".into())
        }
        _ => Err("not an http(s) URL".into()),
    }
}

/// What the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address and port to listen on; port 0 takes a free one.
    pub bind: String,
    pub database_url: DatabaseUrl,
    /// Connections kept in the pool.
    pub pool_size: u32,
    /// How long a request waits for a connection before it is answered 503.
    pub pool_timeout: std::time::Duration,
    /// HTTP worker threads; `None` for one per core.
    pub workers: Option<usize>,
    /// Origins of browser frontends allowed by CORS; none by default.
    pub cors_allowed_origins: Vec<String>,
    /// How long a client may take to send a request's headers (408 after).
    pub header_timeout: std::time::Duration,
    /// How long a client may take to send a request's body (408 after).
    pub body_timeout: std::time::Duration,
    /// How long requests in flight may take to finish on SIGINT or SIGTERM.
    pub shutdown_grace: std::time::Duration,
    /// Reports built at once by this instance (503 with Retry-After past it).
    pub report_concurrency: usize,
    /// The largest import body, in bytes.
    pub import_body_limit: usize,
    /// Requests per minute allowed to each token on this instance; `None`: no limit.
    pub rate_limit_per_minute: Option<std::num::NonZeroU32>,
    /// The OpenID Connect provider whose access tokens are accepted beside
    /// API tokens; `None`: API tokens only.
    pub oidc: Option<OidcSettings>,
    /// The client id Swagger UI signs in with at the provider (authorization
    /// code with PKCE); `None`: Swagger UI takes a pasted token.
    pub docs_oidc_client_id: Option<String>,
    /// Failed authentications allowed per client address and minute (429
    /// past it); 0: not throttled.
    pub auth_failures_per_minute: u32,
    /// Proxies whose `X-Forwarded-For` names the client address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How webhooks are delivered.
    pub webhooks: WebhookSettings,
}

/// How webhooks are delivered: where to, how long to wait, how long to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Whether receivers on loopback, private and link-local addresses, and
    /// `http://` URLs, are allowed (tests, closed networks); never by default.
    pub allow_private_networks: bool,
    /// How long a receiver has to answer a delivery.
    pub timeout: std::time::Duration,
    /// The wait after the first failed attempt; each next wait doubles it
    /// (with jitter) up to `longest_wait`.
    pub first_wait: std::time::Duration,
    pub longest_wait: std::time::Duration,
    /// How long an event is retried before the subscription is disabled.
    pub give_up_after: std::time::Duration,
    /// How often the dispatcher looks for work when no write of this
    /// instance woke it (a write of another instance, a retry falling due).
    pub poll_every: std::time::Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        use std::time::Duration;
        WebhookSettings {
            allow_private_networks: false,
            timeout: Duration::from_secs(10),
            first_wait: Duration::from_secs(10),
            longest_wait: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(24 * 3600),
            poll_every: Duration::from_secs(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_chooses_the_backend() {
        assert_eq!(
            DatabaseUrl::parse(None).unwrap(),
            DatabaseUrl::Sqlite("khuyenhoc.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse(Some("")).unwrap(),
            DatabaseUrl::Sqlite("khuyenhoc.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse(Some("sqlite:///var/lib/k.db")).unwrap(),
            DatabaseUrl::Sqlite("/var/lib/k.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse(Some("data/k.db")).unwrap(),
            DatabaseUrl::Sqlite("data/k.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse(Some("postgresql://u@h/db"))
                .unwrap()
                .backend(),
            "postgresql"
        );
        assert_eq!(
            DatabaseUrl::parse(Some("postgres://u@h/db"))
                .unwrap()
                .backend(),
            "postgresql"
        );
        assert!(DatabaseUrl::parse(Some("mysql://u@h/db")).is_err());
        assert!(DatabaseUrl::parse(Some(":memory:")).is_err());
    }

    #[test]
    fn a_postgres_password_is_never_shown() {
        let url = DatabaseUrl::parse(Some("postgres://user:secret@h/db")).unwrap();
        assert!(!format!("{url} {url:?}").contains("secret"));
    }

    #[test]
    fn a_database_is_shown_by_where_it_is_and_never_with_its_password() {
        let shown = |url: &str| DatabaseUrl::parse(Some(url)).unwrap().to_string();
        assert_eq!(
            shown("postgres://app:secret@db.example:5432/khuyenhoc?sslmode=require"),
            "postgresql database khuyenhoc on db.example:5432"
        );
        let sqlite = shown("data/k.db");
        assert!(sqlite.starts_with("sqlite database /"), "{sqlite}");
        assert!(sqlite.ends_with("/data/k.db"), "{sqlite}");
    }

    #[test]
    fn a_provider_is_https_or_on_loopback() {
        let check = |url| OidcSettings::new(url, "khuyenhoc", MAX_LEEWAY).map(|_| ());
        assert!(check("https://id.example.vn/realms/k").is_ok());
        assert!(check("http://127.0.0.1:9000").is_ok());
        assert!(check("http://localhost:9000/realms/k").is_ok());
        assert!(check("http://[::1]:9000").is_ok());
        assert!(check("http://id.example.vn").is_err());
        assert!(check("http://10.0.0.5").is_err());
        assert!(check("ftp://id.example.vn").is_err());
        assert!(check("id.example.vn").is_err());
        assert!(OidcSettings::new("https://id.example.vn", " ", MAX_LEEWAY).is_err());
        let wide =
            OidcSettings::new("https://i", "a", std::time::Duration::from_secs(600)).unwrap();
        assert_eq!(wide.leeway, MAX_LEEWAY);
    }
}

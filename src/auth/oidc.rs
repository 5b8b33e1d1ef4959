//! OpenID Connect access tokens of one provider, verified as a resource
//! server verifies them: the provider's metadata is read from
//! `/.well-known/openid-configuration`, its signing keys (JWKS) are fetched
//! and kept, and a bearer JWT is accepted only when a key of that issuer
//! signed it with RS256, ES256 or EdDSA (never `none`, never an HMAC, never
//! a key of another type), for this service's audience, within its times.
//!
//! Keys are fetched again when a token names a key id not known yet, at
//! most once every [`REFETCH_AFTER`], so that a flood of made-up key ids
//! cannot hammer the provider; while the provider cannot be reached, tokens
//! signed with keys known already keep working.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::config::{check_provider_url, OidcSettings};
use crate::error::ApiError;
use crate::messages::Message;
use crate::msg;

/// The least time between two fetches of the provider's keys.
pub const REFETCH_AFTER: Duration = Duration::from_secs(5);
/// How long the provider has to answer.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The most of a provider's answer that is read.
const MAX_DOCUMENT: usize = 1 << 20;

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub issuer: String,
    pub subject: String,
    /// How long the token stays valid.
    pub expires_in: Duration,
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    exp: u64,
}

#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

/// A signing key of the provider and the one algorithm it verifies.
struct Key {
    decoding: DecodingKey,
    algorithm: Algorithm,
}

/// The algorithm a JWK verifies, from its type and curve: an RSA key RS256,
/// a P-256 key ES256, an Ed25519 key EdDSA; `None` for any other key
/// (symmetric `oct` keys above all), or one whose own `alg` disagrees.
fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    let algorithm = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        _ => return None,
    };
    let stated = jwk.common.key_algorithm;
    let agrees = match stated {
        None => true,
        Some(KeyAlgorithm::RS256) => algorithm == Algorithm::RS256,
        Some(KeyAlgorithm::ES256) => algorithm == Algorithm::ES256,
        Some(KeyAlgorithm::EdDSA) => algorithm == Algorithm::EdDSA,
        Some(_) => false,
    };
    let signs = jwk
        .common
        .public_key_use
        .as_ref()
        .is_none_or(|usage| *usage == jsonwebtoken::jwk::PublicKeyUse::Signature);
    (agrees && signs).then_some(algorithm)
}

/// The keys of a JWKS this service can verify with, by key id.
fn usable_keys(set: &JwkSet) -> HashMap<String, Key> {
    set.keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let algorithm = algorithm_of(jwk)?;
            let decoding = DecodingKey::from_jwk(jwk).ok()?;
            Some((
                kid,
                Key {
                    decoding,
                    algorithm,
                },
            ))
        })
        .collect()
}

/// 401 for a token that does not verify, with what is wrong and what to do.
fn refused(code: &'static str, detail: Message) -> ApiError {
    ApiError::unauthorized(code, detail, true)
}

/// Verifies the access tokens of one provider.
pub struct Verifier {
    settings: OidcSettings,
    http: reqwest::Client,
    keys: RwLock<HashMap<String, Key>>,
    /// When the keys were last fetched or tried.
    last_fetch: Mutex<Option<Instant>>,
    /// One fetch at a time: requests waiting for it find its keys.
    fetching: tokio::sync::Mutex<()>,
}

impl Verifier {
    pub fn new(settings: OidcSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            // Fetches are rare, and each actix worker has a runtime of its
            // own: no connection is kept to be used from another.
            .pool_max_idle_per_host(0)
            .build()?;
        Ok(Verifier {
            settings,
            http,
            keys: RwLock::new(HashMap::new()),
            last_fetch: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// Whether a bearer value is a JWT (three base64url parts), rather than
    /// an API token.
    pub fn looks_like_jwt(bearer: &str) -> bool {
        bearer.starts_with("eyJ") && bearer.split('.').count() == 3
    }

    /// Fetches the provider's metadata and keys now (at start-up); a
    /// provider that cannot be reached is tried again when a token needs it.
    pub async fn prefetch(&self) {
        // Under the fetch lock: a token arriving meanwhile waits for these keys.
        let _one_at_a_time = self.fetching.lock().await;
        if let Err(error) = self.fetch_keys().await {
            log::warn!(
                "the OpenID Connect provider {} could not be read: {error}; tried again when a token needs it",
                self.settings.issuer
            );
        }
    }

    /// The caller's identity at the provider, if `token` verifies.
    pub async fn verify(&self, token: &str) -> Result<Subject, ApiError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| refused("INVALID_TOKEN", msg!("oidc-not-a-jwt")))?;
        if !matches!(
            header.alg,
            Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA
        ) {
            return Err(refused(
                "UNSUPPORTED_ALGORITHM",
                msg!("oidc-algorithm", algorithm = format!("{:?}", header.alg)),
            ));
        }
        let kid = header
            .kid
            .ok_or_else(|| refused("UNKNOWN_KEY", msg!("oidc-no-kid")))?;
        if !self.knows(&kid) {
            self.refetch_for(&kid).await?;
        }
        let keys = self
            .keys
            .read()
            .map_err(|_| ApiError::internal("the key store is poisoned"))?;
        let key = keys
            .get(&kid)
            .ok_or_else(|| refused("UNKNOWN_KEY", msg!("oidc-unknown-kid", kid = kid.as_str())))?;
        if key.algorithm != header.alg {
            return Err(refused(
                "UNSUPPORTED_ALGORITHM",
                msg!(
                    "oidc-key-algorithm",
                    kid = kid.as_str(),
                    verifies = format!("{:?}", key.algorithm),
                    algorithm = format!("{:?}", header.alg)
                ),
            ));
        }
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.settings.leeway.as_secs();
        let data = jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation)
            .map_err(|error| self.why(error))?;
        let now = jsonwebtoken::get_current_timestamp();
        Ok(Subject {
            issuer: data.claims.iss,
            subject: data.claims.sub,
            expires_in: Duration::from_secs(data.claims.exp.saturating_sub(now)),
        })
    }

    fn why(&self, error: jsonwebtoken::errors::Error) -> ApiError {
        use jsonwebtoken::errors::ErrorKind;
        match error.kind() {
            ErrorKind::ExpiredSignature => refused("TOKEN_EXPIRED", msg!("oidc-expired")),
            ErrorKind::ImmatureSignature => {
                refused("TOKEN_NOT_YET_VALID", msg!("oidc-not-yet-valid"))
            }
            ErrorKind::InvalidAudience => refused(
                "WRONG_AUDIENCE",
                msg!("oidc-audience", audience = self.settings.audience.as_str()),
            ),
            ErrorKind::InvalidIssuer => refused(
                "WRONG_ISSUER",
                msg!("oidc-issuer", issuer = self.settings.issuer.as_str()),
            ),
            ErrorKind::InvalidSignature => refused("INVALID_SIGNATURE", msg!("oidc-signature")),
            ErrorKind::MissingRequiredClaim(claim) => refused(
                "INVALID_TOKEN",
                msg!("oidc-missing-claim", claim = claim.as_str()),
            ),
            _ => refused("INVALID_TOKEN", msg!("oidc-unreadable")),
        }
    }

    fn knows(&self, kid: &str) -> bool {
        self.keys.read().is_ok_and(|keys| keys.contains_key(kid))
    }

    /// Fetches the keys again for a token naming `kid`, unless they were
    /// fetched within [`REFETCH_AFTER`]: 503 when the provider cannot be
    /// reached (a token with a known key would have been served).
    async fn refetch_for(&self, kid: &str) -> Result<(), ApiError> {
        let _one_at_a_time = self.fetching.lock().await;
        if self.knows(kid) {
            return Ok(()); // fetched by the request that held the lock
        }
        let recent = self
            .last_fetch
            .lock()
            .map_err(|_| ApiError::internal("the fetch clock is poisoned"))?
            .is_some_and(|at| at.elapsed() < REFETCH_AFTER);
        if recent {
            return Ok(());
        }
        self.fetch_keys().await.map_err(|error| {
            log::warn!(
                "the keys of the OpenID Connect provider {} could not be fetched: {error}",
                self.settings.issuer
            );
            ApiError::unavailable(msg!("oidc-keys-unavailable"))
                .retry_after(REFETCH_AFTER.as_secs() as u32)
        })
    }

    /// Reads the metadata, then the keys, and keeps the provider's usable
    /// keys in place of those known before: a key the provider retired (a
    /// rotation, a key thought compromised) verifies nothing from then on.
    async fn fetch_keys(&self) -> anyhow::Result<()> {
        if let Ok(mut last) = self.last_fetch.lock() {
            *last = Some(Instant::now());
        }
        let discovery: Discovery = self.get_json(&self.settings.discovery_url()).await?;
        if discovery.issuer != self.settings.issuer {
            anyhow::bail!(
                "the provider's metadata names the issuer {:?}, not {:?}",
                discovery.issuer,
                self.settings.issuer
            );
        }
        check_provider_url(&discovery.jwks_uri)
            .map_err(|why| anyhow::anyhow!("jwks_uri: {why}"))?;
        let set: JwkSet = self.get_json(&discovery.jwks_uri).await?;
        let keys = usable_keys(&set);
        if keys.is_empty() {
            anyhow::bail!(
                "the provider's JWKS holds no RS256, ES256 or EdDSA signing key with a kid"
            );
        }
        log::info!(
            "{} signing key(s) of the OpenID Connect provider {} in use",
            keys.len(),
            self.settings.issuer
        );
        *self
            .keys
            .write()
            .map_err(|_| anyhow::anyhow!("the key store is poisoned"))? = keys;
        Ok(())
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> anyhow::Result<T> {
        let response = self.http.get(url).send().await?.error_for_status()?;
        if response
            .content_length()
            .is_some_and(|n| n > MAX_DOCUMENT as u64)
        {
            anyhow::bail!("{url} answered more than {MAX_DOCUMENT} bytes");
        }
        let body = response.bytes().await?;
        if body.len() > MAX_DOCUMENT {
            anyhow::bail!("{url} answered more than {MAX_DOCUMENT} bytes");
        }
        Ok(serde_json::from_slice(&body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_signing_keys_of_the_accepted_types_are_kept() {
        let set: JwkSet = serde_json::from_value(serde_json::json!({"keys": [
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "EC", "kid": "p256", "crv": "P-256", "use": "sig",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "EC", "kid": "p256-enc", "crv": "P-256", "use": "enc",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "OKP", "kid": "ed", "crv": "Ed25519",
             "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
        ]}))
        .unwrap();
        let keys = usable_keys(&set);
        let mut kept: Vec<_> = keys
            .iter()
            .map(|(kid, key)| format!("{kid} {:?}", key.algorithm))
            .collect();
        kept.sort();
        assert_eq!(kept, ["ed EdDSA", "p256 ES256"]);
    }
}

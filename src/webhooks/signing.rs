//! Standard Webhooks signatures (standardwebhooks.com): a secret
//! `whsec_<base64 key>`, and for each message `v1,<base64 HMAC-SHA256 of
//! "<webhook-id>.<webhook-timestamp>.<body>">`, one per secret in force,
//! separated by spaces.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ApiError;

pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: [`SECRET_PREFIX`] and 32 random bytes in base64.
pub fn new_secret() -> Result<String, ApiError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(key)))
}

/// The `webhook-signature` header of a message: one `v1,` signature per
/// secret (the current one, and the previous one during a rotation's overlap).
pub fn signature_header<'a>(
    secrets: impl IntoIterator<Item = &'a str>,
    message_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .into_iter()
        .filter_map(|secret| {
            let key = STANDARD
                .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
                .ok()?;
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
            mac.update(format!("{message_id}.{timestamp}.").as_bytes());
            mac.update(body);
            Some(format!(
                "v1,{}",
                STANDARD.encode(mac.finalize().into_bytes())
            ))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's test vectors.
    #[test]
    fn signs_as_the_specification_says() {
        let header = signature_header(
            ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_secret_is_prefixed_and_random() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert!(a.starts_with(SECRET_PREFIX) && a.len() == 6 + 44, "{a}");
        assert_ne!(a, b);
        let both = signature_header([a.as_str(), b.as_str()], "msg_1", 1, b"{}");
        assert_eq!(both.split(' ').count(), 2);
    }
}

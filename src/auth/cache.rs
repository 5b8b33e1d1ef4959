//! Tokens verified a moment ago, kept a few seconds so that most requests
//! skip the token's lookup: one pool checkout and one trip to the blocking
//! pool fewer per request.
//!
//! An entry is keyed by the token's hash (never the token) and lives
//! [`TokenCache::TTL`], or until the token expires if that is sooner. A token
//! revoked through the API is forgotten at once by the instance that revoked
//! it; other instances (and a revocation at the command line) refuse it
//! within the TTL. A scope moved in the tree is seen within the TTL too
//! (until then the token sees the subtree under its old path: nothing).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Caller;

pub struct TokenCache {
    entries: Mutex<HashMap<String, (Caller, Instant)>>,
}

impl TokenCache {
    /// How long a verified token is trusted without a look at the database.
    pub const TTL: Duration = Duration::from_secs(5);
    /// Past this many tokens the cache starts again empty.
    const MAX_ENTRIES: usize = 10_000;

    pub fn new() -> Self {
        TokenCache {
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The caller of the token whose hash is `key`, if verified within the TTL.
    pub fn get(&self, key: &str) -> Option<Caller> {
        let mut entries = self.entries.lock().ok()?;
        match entries.get(key) {
            Some((caller, until)) if *until > Instant::now() => Some(caller.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Keeps `caller`, just verified, for the TTL or until `expires_in`.
    pub fn put(&self, key: String, caller: Caller, expires_in: Option<Duration>) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
        let ttl = expires_in.map_or(Self::TTL, |left| left.min(Self::TTL));
        entries.insert(key, (caller, Instant::now() + ttl));
    }

    /// Forgets the callers whose [`Caller::key`] is `key` (a token revoked,
    /// a user changed).
    pub fn forget(&self, key: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (caller, _)| caller.key() != key);
        }
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn caller(token_id: &str) -> Caller {
        Caller {
            credential: super::super::Credential::Token {
                id: token_id.to_owned(),
            },
            name: "xã".to_owned(),
            role: Role::Viewer,
            scope: None,
        }
    }

    #[test]
    fn a_verified_token_is_kept_until_revoked_or_expired() {
        let cache = TokenCache::new();
        cache.put("h1".to_owned(), caller("t1"), None);
        cache.put("h2".to_owned(), caller("t2"), None);
        assert_eq!(cache.get("h1").map(|c| c.key()), Some("t1".to_owned()));
        cache.forget("t1");
        assert!(cache.get("h1").is_none());
        assert!(cache.get("h2").is_some());
        // A token that expires now is not kept past its expiry.
        cache.put("h3".to_owned(), caller("t3"), Some(Duration::ZERO));
        assert!(cache.get("h3").is_none());
        assert!(cache.get("unknown").is_none());
    }
}

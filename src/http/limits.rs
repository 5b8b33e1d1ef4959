//! Bounds per instance. Expensive work (reports over large subtrees now,
//! imports and exports later): past the bound a request waits a moment for
//! its turn, then is answered 503 with `Retry-After`, so a burst of heavy
//! requests cannot take every connection and thread from the light ones.
//! Requests per token (optional): past the rate, 429 with `Retry-After`.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;
use crate::msg;

/// How long a request waits for a turn before it is told to come back.
const WAIT: Duration = Duration::from_secs(1);

/// The turns for expensive work (app data).
pub struct ExpensiveWork {
    turns: Arc<Semaphore>,
    size: usize,
}

impl ExpensiveWork {
    pub fn new(concurrency: usize) -> Self {
        let size = concurrency.max(1);
        ExpensiveWork {
            turns: Arc::new(Semaphore::new(size)),
            size,
        }
    }

    /// A turn, held until the permit is dropped (a streamed export keeps it
    /// to its last row); 503 when none frees up in time.
    pub async fn turn(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(WAIT, self.turns.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::unavailable(msg!(
                "expensive-work-busy",
                count = self.size
            ))),
        }
    }
}

/// At most so many requests per minute for each token, refilled evenly (a
/// token that was idle may spend a whole minute's worth at once). Counted
/// per instance: behind a load balancer, N instances allow N times the rate.
pub struct RateLimit {
    per_minute: NonZeroU32,
    limiter: DefaultKeyedRateLimiter<String>,
}

impl RateLimit {
    pub fn per_minute(per_minute: NonZeroU32) -> Self {
        RateLimit {
            per_minute,
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)),
        }
    }

    /// Counts one request of the token; 429 with `Retry-After` past the rate.
    pub fn admit(&self, token_id: &str) -> Result<(), ApiError> {
        if self.limiter.len() > 100_000 {
            // Tokens that have not been seen for a minute hold a full bucket.
            self.limiter.retain_recent();
        }
        let key = token_id.to_owned();
        self.limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::too_many_requests(self.per_minute.get(), wait)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_rate_a_token_is_told_when_to_come_back() {
        let limit = RateLimit::per_minute(NonZeroU32::new(3).unwrap());
        for _ in 0..3 {
            limit.admit("a").unwrap();
        }
        let refused = limit.admit("a").unwrap_err();
        assert_eq!(refused.code(), "TOO_MANY_REQUESTS");
        assert_eq!(refused.status().as_u16(), 429);
        // Another token has its own allowance.
        limit.admit("b").unwrap();
    }

    #[actix_web::test]
    async fn past_the_bound_a_request_is_told_to_retry() {
        let work = ExpensiveWork::new(2);
        let first = work.turn().await.unwrap();
        let _second = work.turn().await.unwrap();
        let refused = work.turn().await.unwrap_err();
        assert_eq!(refused.code(), "SERVICE_UNAVAILABLE");
        drop(first);
        assert!(work.turn().await.is_ok());
    }
}

/// The largest import body by default (`IMPORT_BODY_LIMIT_MB`).
pub const DEFAULT_IMPORT_LIMIT: usize = 256 << 20;

/// The largest import body this instance takes (app data, from the settings).
#[derive(Debug, Clone, Copy)]
pub struct ImportLimit(pub usize);

impl ImportLimit {
    /// The instance's limit for the request.
    pub fn of(req: &actix_web::HttpRequest) -> usize {
        req.app_data::<ImportLimit>()
            .map_or(DEFAULT_IMPORT_LIMIT, |limit| limit.0)
    }
}

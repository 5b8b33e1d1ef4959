//! Bounds on expensive work per instance: reports over large subtrees now,
//! imports and exports later. Past the bound a request waits a moment for
//! its turn, then is answered 503 with `Retry-After`, so a burst of heavy
//! requests cannot take every connection and thread from the light ones.

use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::ApiError;

/// How long a request waits for a turn before it is told to come back.
const WAIT: Duration = Duration::from_secs(1);

/// The turns for expensive work (app data).
pub struct ExpensiveWork {
    turns: Semaphore,
    size: usize,
}

impl ExpensiveWork {
    pub fn new(concurrency: usize) -> Self {
        let size = concurrency.max(1);
        ExpensiveWork {
            turns: Semaphore::new(size),
            size,
        }
    }

    /// A turn, held until the permit is dropped; 503 when none frees up in time.
    pub async fn turn(&self) -> Result<SemaphorePermit<'_>, ApiError> {
        match tokio::time::timeout(WAIT, self.turns.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::unavailable(format!(
                "{} expensive requests (reports) are being answered already; retry shortly",
                self.size
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! Failed authentication, throttled per client address: past the limit in
//! a minute, every request from that address is answered 429 with
//! `Retry-After` until the minute is over, before any credential is looked
//! at, while other addresses are served as before.
//!
//! The client address is the connection's peer, or, behind a configured
//! proxy (`TRUSTED_PROXIES`), the last address of `X-Forwarded-For` that
//! is not one of those proxies: a client cannot choose its address by
//! sending the header itself.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header::HeaderMap;

use crate::error::ApiError;
use crate::msg;

const WINDOW: Duration = Duration::from_secs(60);
/// Past this many addresses counted, those whose minute is over are dropped.
const MAX_ADDRESSES: usize = 100_000;

/// The address a request comes from.
pub fn client_address(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted_proxies: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?.ip();
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|entry| entry.trim().parse::<IpAddr>())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|address| !trusted_proxies.contains(address))
            .unwrap_or(peer),
    )
}

/// The failures of each address in its current minute.
pub struct FailedAuthentications {
    per_minute: u32,
    counts: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl FailedAuthentications {
    pub fn new(per_minute: u32) -> Self {
        FailedAuthentications {
            per_minute,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// 429 while `address` is over its failures for the minute.
    pub fn admit(&self, address: IpAddr) -> Result<(), ApiError> {
        let Ok(counts) = self.counts.lock() else {
            return Ok(());
        };
        match counts.get(&address) {
            Some((started, failures))
                if *failures >= self.per_minute && started.elapsed() < WINDOW =>
            {
                let wait = WINDOW.saturating_sub(started.elapsed()).as_secs() as u32 + 1;
                Err(ApiError::throttled(
                    "TOO_MANY_FAILED_AUTHENTICATIONS",
                    msg!(
                        "too-many-failed-authentications",
                        count = self.per_minute,
                        wait = wait
                    ),
                    wait,
                ))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed authentication of `address`.
    pub fn failed(&self, address: IpAddr) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        if counts.len() >= MAX_ADDRESSES {
            counts.retain(|_, (started, _)| started.elapsed() < WINDOW);
        }
        let entry = counts.entry(address).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(forwarded: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_str(forwarded).unwrap(),
        );
        map
    }

    #[test]
    fn x_forwarded_for_is_believed_from_a_trusted_proxy_only() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let peer = |s: &str| Some(SocketAddr::new(ip(s), 4000));
        let proxy = [ip("10.0.0.2")];
        let sent = headers("203.0.113.9, 198.51.100.7");
        // From the proxy: the last address before it.
        assert_eq!(
            client_address(peer("10.0.0.2"), &sent, &proxy),
            Some(ip("198.51.100.7"))
        );
        // From anyone else: the header is the client's own word.
        assert_eq!(
            client_address(peer("192.0.2.1"), &sent, &proxy),
            Some(ip("192.0.2.1"))
        );
        assert_eq!(
            client_address(peer("10.0.0.2"), &headers("not an address"), &proxy),
            Some(ip("10.0.0.2"))
        );
    }

    #[test]
    fn an_address_over_its_failures_waits_and_others_do_not() {
        let throttle = FailedAuthentications::new(3);
        let (a, b) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            assert!(throttle.admit(a).is_ok());
            throttle.failed(a);
        }
        let refused = throttle.admit(a).unwrap_err();
        assert_eq!(refused.code(), "TOO_MANY_FAILED_AUTHENTICATIONS");
        assert!(throttle.admit(b).is_ok());
    }
}

//! Where a webhook may be delivered: `https://` URLs of hosts on public
//! addresses only, so that a subscription cannot make this service reach
//! into its own network (its database, a cloud's metadata service, an
//! admin interface on loopback).
//!
//! The rule is checked twice: when a subscription is made or changed (the
//! URL, and the addresses its host resolves to then), and at each delivery,
//! where the client resolves the host through [`PublicOnly`] and connects
//! only to an address that passed, so a name that resolves elsewhere by then
//! (DNS rebinding) reaches nothing. Redirects are never followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

/// Why a URL may not receive webhooks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not an absolute http(s) URL")]
    NotAUrl,
    #[error("not https://")]
    NotHttps,
    #[error("the URL carries a user name or password")]
    Credentials,
    #[error("{0} is not a public address")]
    NotPublic(IpAddr),
    #[error("{0} names this machine")]
    LocalName(String),
}

/// Whether `ip` is an address on the public internet: not loopback,
/// private, shared (carrier-grade NAT), link-local (which holds the cloud
/// metadata address 169.254.169.254), multicast, documentation, benchmarking
/// or reserved; IPv6 addresses that carry an IPv4 one (mapped, compatible,
/// NAT64, 6to4) are judged by it.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space, 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments, 192.0.0/24
        || (a == 198 && (18..20).contains(&b)) // benchmarking, 198.18/15
        || a >= 240) // reserved, 240/4
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local, fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local, fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated), fec0::/10
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || ip.segments()[..4] == [0x0100, 0, 0, 0] // discard, 100::/64
        || ip.segments()[..6] == [0; 6]) // IPv4-compatible and the rest of ::/96
}

/// The IPv4 address an IPv6 one stands for: mapped (`::ffff:a.b.c.d`),
/// NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let from = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    match s {
        [0x0064, 0xff9b, 0, 0, 0, 0, high, low] => Some(from(high, low)),
        [0x2002, high, low, ..] => Some(from(high, low)),
        _ => None,
    }
}

/// Host names that always mean this machine or its own network, whatever
/// a resolver says.
fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.ends_with(".internal")
        || host.ends_with(".home.arpa")
}

/// The URL, parsed, if webhooks may be sent to it as written (its host's
/// addresses are checked apart, in [`check_resolved`] and at delivery).
/// With `allow_private`, `http://` and any address pass.
pub fn check_url(url: &str, allow_private: bool) -> Result<Url, Refusal> {
    let parsed = Url::parse(url).map_err(|_| Refusal::NotAUrl)?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err(Refusal::NotHttps),
        _ => return Err(Refusal::NotAUrl),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refusal::Credentials);
    }
    match parsed.host() {
        None => return Err(Refusal::NotAUrl),
        Some(_) if allow_private => {}
        Some(url::Host::Ipv4(ip)) => refuse_private(IpAddr::V4(ip))?,
        Some(url::Host::Ipv6(ip)) => refuse_private(IpAddr::V6(ip))?,
        Some(url::Host::Domain(name)) if is_local_name(name) => {
            return Err(Refusal::LocalName(name.to_owned()))
        }
        Some(url::Host::Domain(_)) => {}
    }
    Ok(parsed)
}

fn refuse_private(ip: IpAddr) -> Result<(), Refusal> {
    if is_public(ip) {
        Ok(())
    } else {
        Err(Refusal::NotPublic(ip))
    }
}

/// Refuses a host that resolves to any address that is not public. A name
/// that does not resolve now passes: it is checked again at each delivery.
pub async fn check_resolved(url: &Url, allow_private: bool) -> Result<(), Refusal> {
    let Some(url::Host::Domain(name)) = url.host() else {
        return Ok(());
    };
    if allow_private {
        return Ok(());
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let lookup = tokio::net::lookup_host((name, port));
    let Ok(Ok(addresses)) = tokio::time::timeout(std::time::Duration::from_secs(2), lookup).await
    else {
        return Ok(());
    };
    addresses.map(|a| a.ip()).try_for_each(refuse_private)
}

/// The resolver of the delivery client: the system's, keeping only public
/// addresses (or all, with `allow_private`), so that the address checked
/// is the address connected to.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly {
    pub allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            if !allow_private && is_local_name(&host) {
                return Err(Box::new(Refusal::LocalName(host)) as _);
            }
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            match (allowed.is_empty(), found.first()) {
                (false, _) => Ok(Box::new(allowed.into_iter()) as Addrs),
                (true, Some(refused)) => Err(Box::new(Refusal::NotPublic(refused.ip())) as _),
                (true, None) => Err(format!("{host} has no address").into()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public(text.parse().unwrap())
    }

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_not_public() {
        for address in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.254",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.0.1",
            "192.168.255.254",
            "169.254.169.254", // cloud metadata
            "169.254.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "192.0.0.170",
            "192.0.2.10",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
            "2002:c0a8:0101::1",  // 6to4 of 192.168.1.1
            "fc00::1",
            "fd00:ec2::254", // AWS metadata over IPv6
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "100::1",
        ] {
            assert!(!public(address), "{address} passed as public");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "14.225.0.1", // Việt Nam
            "172.15.255.255",
            "172.32.0.1",
            "192.167.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "198.20.0.1",
            "2001:4860:4860::8888",
            "2402:800::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(public(address), "{address} refused");
        }
    }

    #[test]
    fn a_url_is_https_on_a_public_host_unless_private_networks_are_allowed() {
        let check = |url| check_url(url, false).map(|_| ());
        assert_eq!(check("https://hooks.example.vn/khuyenhoc"), Ok(()));
        assert_eq!(check("https://8.8.8.8/x"), Ok(()));
        assert_eq!(check("http://hooks.example.vn/x"), Err(Refusal::NotHttps));
        assert!(matches!(
            check("https://127.0.0.1/x"),
            Err(Refusal::NotPublic(_))
        ));
        assert!(matches!(
            check("https://[::1]:8443/x"),
            Err(Refusal::NotPublic(_))
        ));
        assert!(matches!(
            check("https://[::ffff:127.0.0.1]/x"),
            Err(Refusal::NotPublic(_))
        ));
        assert!(matches!(
            check("https://169.254.169.254/latest"),
            Err(Refusal::NotPublic(_))
        ));
        // Spellings of 127.0.0.1 that URL parsers turn into it.
        assert!(matches!(
            check("https://2130706433/x"),
            Err(Refusal::NotPublic(_))
        ));
        assert!(matches!(
            check("https://0x7f.1/x"),
            Err(Refusal::NotPublic(_))
        ));
        assert!(matches!(
            check("https://localhost/x"),
            Err(Refusal::LocalName(_))
        ));
        assert!(matches!(
            check("https://LOCALHOST./x"),
            Err(Refusal::LocalName(_))
        ));
        assert!(matches!(
            check("https://api.localhost/x"),
            Err(Refusal::LocalName(_))
        ));
        assert!(matches!(
            check("https://metadata.google.internal/x"),
            Err(Refusal::LocalName(_))
        ));
        assert_eq!(
            check("https://u:p@hooks.example.vn/x"),
            Err(Refusal::Credentials)
        );
        assert_eq!(check("ftp://hooks.example.vn/x"), Err(Refusal::NotAUrl));
        assert_eq!(check("hooks.example.vn/x"), Err(Refusal::NotAUrl));
        assert!(check_url("http://127.0.0.1:9000/x", true).is_ok());
        assert!(check_url("http://localhost:9000/x", true).is_ok());
    }

    #[actix_web::test]
    async fn the_delivery_resolver_hands_out_no_private_address() {
        let resolver = PublicOnly {
            allow_private: false,
        };
        let refused = |name: &str| resolver.resolve(name.parse().unwrap());
        assert!(refused("localhost").await.is_err());
        // A name (here from /etc/hosts) that resolves to loopback.
        let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        if hosts.contains("ip6-localhost") {
            assert!(refused("ip6-localhost").await.is_err());
        }
        let allowed = PublicOnly {
            allow_private: true,
        }
        .resolve("localhost".parse().unwrap())
        .await
        .expect("localhost resolves");
        assert!(allowed.into_iter().all(|a| a.ip().is_loopback()));
    }
}

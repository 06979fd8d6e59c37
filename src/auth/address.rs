//! The client address a request comes from, as the sign-in throttle counts
//! it: the socket's peer, or, only when `auth.trust_forwarded_for` is set, the
//! last entry of `X-Forwarded-For` (the one the proxy in front of us appended;
//! earlier entries are whatever the client chose to send). An IPv6 address
//! counts as its /64 network, since a single host is commonly given a whole
//! /64 and could otherwise rotate through it to escape its counters.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use actix_web::HttpRequest;

/// The header a trusted reverse proxy appends the client's address to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// Where a request comes from, for counting attempts per client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddress(IpAddr);

impl ClientAddress {
    /// The address of the client behind `req`. Without a peer address (which
    /// only happens on non-TCP transports) every such request shares the
    /// unspecified address, so they are throttled together rather than not at all.
    pub fn of(req: &HttpRequest, trust_forwarded_for: bool) -> Self {
        let forwarded = if trust_forwarded_for { forwarded_for(req) } else { None };
        let ip = forwarded
            .or_else(|| req.peer_addr().map(|peer| peer.ip()))
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Self::from_ip(ip)
    }

    /// Counts IPv4 (and IPv4-mapped IPv6) addresses one by one, IPv6 ones by /64.
    pub fn from_ip(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(IpAddr::V4(v4)),
                None => Self(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX)))),
            },
        }
    }
}

impl fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => v4.fmt(f),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

/// The last entry of the last `X-Forwarded-For` header, when it is an IP
/// address (some proxies add the port: `1.2.3.4:5678`, `[2001:db8::1]:443`).
fn forwarded_for(req: &HttpRequest) -> Option<IpAddr> {
    let header = req.headers().get_all(FORWARDED_FOR).last()?.to_str().ok()?;
    let entry = header.rsplit(',').next()?.trim();
    entry.parse::<IpAddr>().ok().or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn request(peer: &str, forwarded: Option<&str>) -> HttpRequest {
        let mut request = TestRequest::default().peer_addr(peer.parse().unwrap());
        if let Some(value) = forwarded {
            request = request.insert_header((FORWARDED_FOR, value));
        }
        request.to_http_request()
    }

    #[test]
    fn the_peer_counts_and_a_forwarded_header_is_ignored_unless_trusted() {
        let req = request("192.0.2.7:5000", Some("203.0.113.9"));
        assert_eq!(ClientAddress::of(&req, false).to_string(), "192.0.2.7");
    }

    #[test]
    fn a_trusted_proxy_header_counts_by_its_last_entry_which_the_client_cannot_forge() {
        let req = request("10.0.0.1:5000", Some("198.51.100.1, 203.0.113.9"));
        assert_eq!(ClientAddress::of(&req, true).to_string(), "203.0.113.9");
        let with_port = request("10.0.0.1:5000", Some("[2001:db8::1]:443"));
        assert_eq!(ClientAddress::of(&with_port, true).to_string(), "2001:db8::/64");
        let garbage = request("10.0.0.1:5000", Some("not an address"));
        assert_eq!(ClientAddress::of(&garbage, true).to_string(), "10.0.0.1");
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_bit_network() {
        let a = ClientAddress::from_ip("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ClientAddress::from_ip("2001:db8:1:2:bbbb::2".parse().unwrap());
        let other = ClientAddress::from_ip("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, other);
        let mapped = ClientAddress::from_ip("::ffff:192.0.2.7".parse().unwrap());
        assert_eq!(mapped.to_string(), "192.0.2.7");
    }
}

//! The SSRF guard: feed URLs must not reach loopback, private, link-local or unique-local
//! addresses (the newsroom's own network, a cloud's metadata service) unless allow-listed.
//! It is applied where addresses are resolved, so a redirect or a DNS answer cannot slip past.

use std::net::IpAddr;

use crate::domain::Network;

/// Whether an address is internal: loopback, private, link-local, unique-local, unspecified,
/// broadcast, shared (CGNAT) or documentation ranges, also as IPv4-mapped IPv6.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// The guard with its allow list.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    allowed: Vec<Network>,
}

impl Guard {
    pub fn new(allowed: Vec<Network>) -> Guard {
        Guard { allowed }
    }

    /// Whether herald may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_internal(ip) || self.allowed.iter().any(|n| n.contains(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn internal_addresses_are_refused_unless_allowed() {
        let guard = Guard::new(Network::parse("127.0.0.1").into_iter().collect());
        for internal in [
            "10.0.0.1",
            "192.168.1.1",
            "172.16.5.4",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
            "127.0.0.2",
        ] {
            assert!(!guard.permits(ip(internal)), "{internal}");
        }
        assert!(guard.permits(ip("127.0.0.1")));
        assert!(guard.permits(ip("93.184.216.34")));
        assert!(guard.permits(ip("2a00:1450::1")));
    }
}

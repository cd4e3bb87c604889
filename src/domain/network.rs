//! An IP network an operator allows feeds and photos to reach despite the SSRF guard
//! (`ingest.allow_private`): parsed once from the settings, then trusted by the guard.

use std::net::IpAddr;

/// An allowed network: an address and a prefix length (`127.0.0.1`, `10.1.0.0/16`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `address` or `address/prefix`; `None` when it is neither.
    pub fn parse(input: &str) -> Option<Network> {
        let (address, prefix) = match input.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
            None => {
                let a = input.trim().parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if address.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Network { address, prefix })
    }

    /// Whether `ip` lies in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_longer_than_the_address_is_not_a_network() {
        assert!(Network::parse("10.0.0.0/33").is_none());
        assert!(Network::parse("not an ip").is_none());
        let net = Network::parse("10.1.0.0/16");
        assert!(net.is_some_and(|n| n.contains(IpAddr::from([10, 1, 200, 3]))));
        assert!(net.is_some_and(|n| !n.contains(IpAddr::from([10, 2, 0, 1]))));
    }
}

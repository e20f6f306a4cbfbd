//! The operator's allow-list of internal hosts (a brand's own gateway), and
//! the checks that combine it with the address rule.

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::address::{Internal, internal_range};
use crate::url::{Host, WebhookUrl};

/// One network of the allow-list: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip.to_canonical()) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Internal hosts a subscription may reach all the same: host names (a
/// name listed may resolve to any internal unicast address), IP addresses
/// and CIDR networks (an address inside may be reached whatever the name
/// that led to it). Empty by default: no internal address is reachable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    names: BTreeSet<String>,
    networks: Vec<Network>,
}

impl AllowList {
    /// Parses a comma-separated list, e.g.
    /// `gateway.brand.internal, 10.20.0.0/16, 127.0.0.1, [fd00::1]`. Blank
    /// entries are ignored. Names are compared case-insensitively, without a
    /// trailing dot; IP addresses may be spelled as a URL may spell them.
    pub fn parse(list: &str) -> Result<AllowList, String> {
        let mut allow = AllowList::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Some((address, prefix)) = entry.split_once('/') {
                let base: IpAddr = address
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse()
                    .map_err(|_| format!("{entry:?}: not an IP network (address/prefix)"))?;
                let max = if base.is_ipv4() { 32 } else { 128 };
                let prefix = prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("{entry:?}: the prefix length must be 0 to {max}"))?;
                let network = Network::new(base, prefix)
                    .ok_or_else(|| format!("{entry:?}: an IPv4-mapped network needs a prefix of at least 96"))?;
                allow.networks.push(network);
                continue;
            }
            let ip = match entry.parse::<IpAddr>() {
                Ok(ip) => Some(ip),
                Err(_) => match ::url::Host::parse(entry)
                    .map_err(|e| format!("{entry:?}: not a host name or IP address ({e})"))?
                {
                    ::url::Host::Ipv4(a) => Some(IpAddr::V4(a)),
                    ::url::Host::Ipv6(a) => Some(IpAddr::V6(a)),
                    ::url::Host::Domain(name) => {
                        let name = name.trim_end_matches('.').to_ascii_lowercase();
                        if name.is_empty() {
                            return Err(format!("{entry:?}: not a host name"));
                        }
                        allow.names.insert(name);
                        None
                    }
                },
            };
            if let Some(ip) = ip {
                let prefix = if ip.is_ipv4() { 32 } else { 128 };
                allow.networks.extend(Network::new(ip, prefix));
            }
        }
        allow.networks.sort();
        allow.networks.dedup();
        Ok(allow)
    }

    /// True when nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.networks.is_empty()
    }

    /// True when `name` (a URL host name, as [`Host::Name`] holds it) is listed.
    pub fn allows_name(&self, name: &str) -> bool {
        self.names.contains(name.trim_end_matches('.').to_ascii_lowercase().as_str())
    }

    /// True when `ip` is a listed address or inside a listed network
    /// (`::ffff:a.b.c.d` counts as `a.b.c.d`).
    pub fn allows_address(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(ip))
    }
}

impl Network {
    /// A network; an IPv4-mapped IPv6 one (`::ffff:10.0.0.0/104`) is kept as
    /// the IPv4 network it maps (`10.0.0.0/8`). `None` for a mapped base
    /// with a prefix shorter than 96, which would reach beyond IPv4.
    fn new(base: IpAddr, prefix: u8) -> Option<Network> {
        let canonical = base.to_canonical();
        if canonical == base {
            return Some(Network { base, prefix });
        }
        prefix.checked_sub(96).map(|prefix| Network { base: canonical, prefix })
    }
}

/// Why a delivery may not go to an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The address is not public and the allow-list does not open it.
    Internal {
        /// The name that resolved to it; `None` for an IP literal.
        name: Option<String>,
        address: IpAddr,
        range: Internal,
    },
    /// The name resolved to no address at all.
    NoAddress { name: String },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Internal { name: Some(name), address, range } => {
                write!(f, "refused: {name} resolves to an internal address ({address}, {range})")
            }
            Refusal::Internal { name: None, address, range } => {
                write!(f, "refused: {address} is an internal address ({range})")
            }
            Refusal::NoAddress { name } => write!(f, "{name} resolves to no address"),
        }
    }
}

impl std::error::Error for Refusal {}

/// Whether a delivery may connect to `address`, reached through `name` (or
/// an IP literal when `None`): yes if it is public; if it is internal, only
/// when the allow-list names the host or the address — and never for
/// unspecified, multicast or broadcast addresses.
pub fn check_address(name: Option<&str>, address: IpAddr, allow: &AllowList) -> Result<(), Refusal> {
    let Some(range) = internal_range(address) else { return Ok(()) };
    let allowed =
        range.may_be_allowed() && (allow.allows_address(address) || name.is_some_and(|n| allow.allows_name(n)));
    if allowed { Ok(()) } else { Err(Refusal::Internal { name: name.map(str::to_owned), address, range }) }
}

/// Whether a delivery may go to `name` now that it resolved to `addresses`:
/// every one must pass [`check_address`] — one internal address among
/// public ones refuses the lot, since the sender may pick any of them.
pub fn check_resolved(name: &str, addresses: &[IpAddr], allow: &AllowList) -> Result<(), Refusal> {
    if addresses.is_empty() {
        return Err(Refusal::NoAddress { name: name.to_owned() });
    }
    addresses.iter().try_for_each(|a| check_address(Some(name), *a, allow))
}

/// For a URL whose host is an IP literal, whether it may be reached;
/// `None` for a name, which must be resolved first ([`check_resolved`]).
pub fn check_url_literal(url: &WebhookUrl, allow: &AllowList) -> Option<Result<(), Refusal>> {
    match url.host() {
        Host::Ip(ip) => Some(check_address(None, *ip, allow)),
        Host::Name(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parsing_the_list() {
        let allow =
            AllowList::parse(" Gateway.Brand.Internal. , 10.20.0.0/16,127.0.0.1, [fd00::1], ::2 ,, 0x7f.0.0.2 ")
                .unwrap();
        assert!(allow.allows_name("gateway.brand.internal"));
        assert!(allow.allows_name("GATEWAY.brand.internal."));
        assert!(!allow.allows_name("brand.internal"));
        assert!(allow.allows_address(ip("10.20.3.4")));
        assert!(!allow.allows_address(ip("10.21.0.1")));
        assert!(allow.allows_address(ip("127.0.0.1")));
        assert!(allow.allows_address(ip("::ffff:127.0.0.1")), "a mapped address is its IPv4 address");
        assert!(allow.allows_address(ip("127.0.0.2")), "IPv4 spelled as a URL may spell it");
        assert!(!allow.allows_address(ip("127.0.0.3")));
        assert!(allow.allows_address(ip("fd00::1")));
        assert!(allow.allows_address(ip("::2")));
        assert!(AllowList::parse("").unwrap().is_empty());
        assert!(AllowList::parse(" , ").unwrap().is_empty());
        for bad in ["10.0.0.0/33", "fd00::/129", "nope/8", "10.0.0.0/x", "exa mple.com", "a/b/c", "."] {
            assert!(AllowList::parse(bad).is_err(), "{bad}");
        }
        let mapped = AllowList::parse("::ffff:10.0.0.0/104").unwrap();
        assert!(mapped.allows_address(ip("10.1.2.3")), "{mapped:?}");
        assert!(!mapped.allows_address(ip("11.0.0.0")));
    }

    #[test]
    fn public_addresses_pass_internal_ones_need_the_list() {
        let none = AllowList::default();
        assert_eq!(check_address(None, ip("93.184.215.14"), &none), Ok(()));
        assert_eq!(
            check_address(Some("hooks.example.com"), ip("127.0.0.1"), &none),
            Err(Refusal::Internal {
                name: Some("hooks.example.com".into()),
                address: ip("127.0.0.1"),
                range: Internal::Loopback
            })
        );
        let allow = AllowList::parse("gateway.brand.internal, 10.9.0.0/16").unwrap();
        assert_eq!(check_address(Some("gateway.brand.internal"), ip("10.1.1.1"), &allow), Ok(()), "a listed name");
        assert_eq!(check_address(Some("other.internal"), ip("10.9.1.1"), &allow), Ok(()), "a listed network");
        assert!(check_address(Some("other.internal"), ip("10.1.1.1"), &allow).is_err());
        assert!(check_address(None, ip("169.254.169.254"), &allow).is_err());
        let everything = AllowList::parse("0.0.0.0/0, ::/0, gateway.brand.internal").unwrap();
        for never in ["0.0.0.0", "255.255.255.255", "224.0.0.1", "::", "ff02::1"] {
            assert!(check_address(Some("gateway.brand.internal"), ip(never), &everything).is_err(), "{never}");
        }
    }

    #[test]
    fn one_internal_address_refuses_the_name() {
        let none = AllowList::default();
        let mixed = [ip("93.184.215.14"), ip("10.0.0.1")];
        let refused = check_resolved("rebind.example.com", &mixed, &none);
        assert_eq!(
            refused.map_err(|e| e.to_string()),
            Err("refused: rebind.example.com resolves to an internal address (10.0.0.1, private network)".into())
        );
        assert_eq!(check_resolved("hooks.example.com", &[ip("93.184.215.14")], &none), Ok(()));
        assert_eq!(
            check_resolved("gone.example.com", &[], &none),
            Err(Refusal::NoAddress { name: "gone.example.com".into() })
        );
    }

    #[test]
    fn literal_urls_are_checked_without_a_lookup() {
        let none = AllowList::default();
        let url = |s: &str| WebhookUrl::parse(s).unwrap();
        assert!(matches!(check_url_literal(&url("http://2130706433/"), &none), Some(Err(_))));
        assert!(matches!(check_url_literal(&url("http://8.8.8.8/"), &none), Some(Ok(()))));
        assert_eq!(check_url_literal(&url("http://localhost/"), &none), None);
    }
}

//! Which IP addresses are public: the rule a delivery's every address must
//! pass (unless the operator's allow-list names it).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not a public unicast address (RFC 6890 and the IANA
/// special-purpose registries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Internal {
    /// `0.0.0.0`, `::`: "any address" — connecting to it reaches this host.
    Unspecified,
    /// `0.0.0.0/8`.
    ThisNetwork,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, and the local-use
    /// NAT64 prefix `64:ff9b:1::/48`.
    Private,
    /// `100.64.0.0/10` (carrier-grade NAT).
    SharedAddressSpace,
    /// `169.254.0.0/16` (where cloud metadata services answer), `fe80::/10`.
    LinkLocal,
    /// `fc00::/7`.
    UniqueLocal,
    /// `fec0::/10` (deprecated, still routed by some networks).
    SiteLocal,
    /// `192.0.0.0/24`.
    ProtocolAssignments,
    /// `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// `198.18.0.0/15`, `2001:2::/48`.
    Benchmarking,
    /// `192.88.99.0/24` (the former 6to4 relay anycast).
    Relay6to4,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// `240.0.0.0/4`, `100::/64` (discard), `::/96` (IPv4-compatible, deprecated).
    Reserved,
}

impl Internal {
    /// True for ranges an allow-list may open (a brand's gateway can sit on
    /// a private or loopback address); false for addresses no single host
    /// answers on — unspecified, multicast, broadcast — which stay refused.
    pub fn may_be_allowed(self) -> bool {
        !matches!(self, Internal::Unspecified | Internal::Multicast | Internal::Broadcast)
    }

    /// A short English name, for messages and the delivery log.
    pub fn describe(self) -> &'static str {
        match self {
            Internal::Unspecified => "unspecified",
            Internal::ThisNetwork => "this network",
            Internal::Loopback => "loopback",
            Internal::Private => "private network",
            Internal::SharedAddressSpace => "shared address space",
            Internal::LinkLocal => "link-local",
            Internal::UniqueLocal => "unique local",
            Internal::SiteLocal => "site-local",
            Internal::ProtocolAssignments => "IETF protocol assignments",
            Internal::Documentation => "documentation",
            Internal::Benchmarking => "benchmarking",
            Internal::Relay6to4 => "6to4 relay",
            Internal::Multicast => "multicast",
            Internal::Broadcast => "broadcast",
            Internal::Reserved => "reserved",
        }
    }
}

impl std::fmt::Display for Internal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// The range an address belongs to when it is not a public unicast address;
/// `None` for a public one. IPv6 forms that carry an IPv4 address — mapped
/// (`::ffff:a.b.c.d`), translated (`::ffff:0:a.b.c.d`), NAT64
/// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::/48`) — are judged by
/// that IPv4 address.
pub fn internal_range(ip: IpAddr) -> Option<Internal> {
    match ip {
        IpAddr::V4(a) => v4(a),
        IpAddr::V6(a) => v6(a),
    }
}

/// True when `ip` is a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    internal_range(ip).is_none()
}

fn in_v4(n: u32, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    n & mask == u32::from_be_bytes(net) & mask
}

fn in_v6(n: u128, net: u128, prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
    n & mask == net & mask
}

fn v4(a: Ipv4Addr) -> Option<Internal> {
    let n = u32::from(a);
    let within = |net, prefix| in_v4(n, net, prefix);
    let range = if a.is_broadcast() {
        Internal::Broadcast
    } else if a.is_unspecified() {
        Internal::Unspecified
    } else if within([0, 0, 0, 0], 8) {
        Internal::ThisNetwork
    } else if within([127, 0, 0, 0], 8) {
        Internal::Loopback
    } else if within([10, 0, 0, 0], 8) || within([172, 16, 0, 0], 12) || within([192, 168, 0, 0], 16) {
        Internal::Private
    } else if within([100, 64, 0, 0], 10) {
        Internal::SharedAddressSpace
    } else if within([169, 254, 0, 0], 16) {
        Internal::LinkLocal
    } else if within([192, 0, 0, 0], 24) {
        Internal::ProtocolAssignments
    } else if within([192, 0, 2, 0], 24) || within([198, 51, 100, 0], 24) || within([203, 0, 113, 0], 24) {
        Internal::Documentation
    } else if within([198, 18, 0, 0], 15) {
        Internal::Benchmarking
    } else if within([192, 88, 99, 0], 24) {
        Internal::Relay6to4
    } else if within([224, 0, 0, 0], 4) {
        Internal::Multicast
    } else if within([240, 0, 0, 0], 4) {
        Internal::Reserved
    } else {
        return None;
    };
    Some(range)
}

fn v6(a: Ipv6Addr) -> Option<Internal> {
    let n = u128::from(a);
    let within = |net: u128, prefix| in_v6(n, net, prefix);
    let low32 = Ipv4Addr::from(n as u32);
    let range = if a.is_unspecified() {
        Internal::Unspecified
    } else if a.is_loopback() {
        Internal::Loopback
    } else if within(0xffff_0000_0000, 96) || within(0xffff_0000_0000_0000, 96) {
        // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated).
        return v4(low32);
    } else if within(0x0064_ff9b << 96, 96) {
        return v4(low32);
    } else if within(0x2002 << 112, 16) {
        return v4(Ipv4Addr::from((n >> 80) as u32));
    } else if within(0, 96) {
        Internal::Reserved
    } else if within((0x0064_ff9b << 96) | (1 << 80), 48) {
        Internal::Private
    } else if within(0x0100 << 112, 64) {
        Internal::Reserved
    } else if within(0x2001_0db8 << 96, 32) || within(0x3fff << 112, 20) {
        Internal::Documentation
    } else if within((0x2001 << 112) | (2 << 96), 48) {
        Internal::Benchmarking
    } else if within(0xfc00 << 112, 7) {
        Internal::UniqueLocal
    } else if within(0xfe80 << 112, 10) {
        Internal::LinkLocal
    } else if within(0xfec0 << 112, 10) {
        Internal::SiteLocal
    } else if within(0xff00 << 112, 8) {
        Internal::Multicast
    } else {
        return None;
    };
    Some(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(s: &str) -> Option<Internal> {
        internal_range(s.parse().unwrap())
    }

    #[test]
    fn internal_addresses_by_range() {
        use Internal::*;
        for (addr, expected) in [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", ThisNetwork),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("100.64.0.1", SharedAddressSpace),
            ("100.127.255.255", SharedAddressSpace),
            ("169.254.169.254", LinkLocal),
            ("192.0.0.8", ProtocolAssignments),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("192.88.99.1", Relay6to4),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("240.0.0.1", Reserved),
            ("255.255.255.255", Broadcast),
            ("::", Unspecified),
            ("::1", Loopback),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::ffff:0:10.0.0.1", Private),
            ("64:ff9b::127.0.0.1", Loopback),
            ("64:ff9b::192.168.0.1", Private),
            ("64:ff9b:1::1", Private),
            ("2002:7f00:1::1", Loopback),
            ("2002:a9fe:a9fe::", LinkLocal),
            ("::127.0.0.1", Reserved),
            ("100::1", Reserved),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("2001:2::1", Benchmarking),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fec0::1", SiteLocal),
            ("ff02::1", Multicast),
        ] {
            assert_eq!(range(addr), Some(expected), "{addr}");
        }
    }

    #[test]
    fn public_addresses() {
        for addr in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:82a::200e",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
            "::ffff:8.8.8.8",
            "fbff::1",
            "2400::1",
        ] {
            assert_eq!(range(addr), None, "{addr}");
        }
    }

    #[test]
    fn only_unicast_ranges_may_be_allowed() {
        assert!(Internal::Loopback.may_be_allowed());
        assert!(Internal::Private.may_be_allowed());
        assert!(!Internal::Unspecified.may_be_allowed());
        assert!(!Internal::Multicast.may_be_allowed());
        assert!(!Internal::Broadcast.may_be_allowed());
    }
}

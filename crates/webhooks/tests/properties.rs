//! Property tests of the webhook address rules: no spelling of an internal
//! IPv4 address gets past the URL check, IPv6 forms that carry an IPv4
//! address are judged by it, the allow-list opens only what it names, and
//! the log excerpt is bounded and printable whatever the answer.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use clientele_webhooks::{
    AllowList, Host, Refusal, WebhookUrl, answer_excerpt, check_address, check_resolved, check_url_literal,
    internal_range, is_public, sanitise,
};
use proptest::prelude::*;

/// One IPv4 address in every spelling a resolver (inet_aton) or a browser
/// (WHATWG) accepts: 1 to 4 parts, the last filling the remaining bytes,
/// each part decimal, octal (leading 0) or hex (0x).
fn spellings(a: Ipv4Addr) -> Vec<String> {
    let [b0, b1, b2, b3] = a.octets();
    let n = u32::from(a);
    let parts: [Vec<u32>; 4] = [
        vec![n],
        vec![u32::from(b0), n & 0x00ff_ffff],
        vec![u32::from(b0), u32::from(b1), n & 0xffff],
        vec![u32::from(b0), u32::from(b1), u32::from(b2), u32::from(b3)],
    ];
    let radix = |v: u32, r: usize| match r {
        0 => v.to_string(),
        1 => format!("0{v:o}"),
        2 => format!("0x{v:x}"),
        _ => format!("0X{v:X}"),
    };
    let mut out = Vec::new();
    for p in &parts {
        for r in 0..4 {
            out.push(p.iter().enumerate().map(|(i, v)| radix(*v, (r + i) % 4)).collect::<Vec<_>>().join("."));
        }
    }
    out
}

fn internal_v4() -> impl Strategy<Value = Ipv4Addr> {
    prop_oneof![
        any::<u32>().prop_map(|n| Ipv4Addr::from(0x7f00_0000 | (n & 0x00ff_ffff))),
        any::<u32>().prop_map(|n| Ipv4Addr::from(0x0a00_0000 | (n & 0x00ff_ffff))),
        any::<u32>().prop_map(|n| Ipv4Addr::from(0xac10_0000 | (n & 0x000f_ffff))),
        any::<u32>().prop_map(|n| Ipv4Addr::from(0xc0a8_0000 | (n & 0x0000_ffff))),
        any::<u32>().prop_map(|n| Ipv4Addr::from(0xa9fe_0000 | (n & 0x0000_ffff))),
        any::<u32>().prop_map(|n| Ipv4Addr::from(0x6440_0000 | (n & 0x003f_ffff))),
        any::<u32>().prop_map(|n| Ipv4Addr::from(n & 0x00ff_ffff)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_spelling_of_an_address_is_that_address(n in any::<u32>()) {
        let a = Ipv4Addr::from(n);
        for spelling in spellings(a) {
            let url = WebhookUrl::parse(&format!("http://{spelling}:8080/hook"));
            prop_assert_eq!(url.map(|u| u.host().clone()), Ok(Host::Ip(IpAddr::V4(a))), "{}", spelling);
        }
    }

    #[test]
    fn no_spelling_of_an_internal_address_passes(a in internal_v4()) {
        let none = AllowList::default();
        for spelling in spellings(a) {
            let url = WebhookUrl::parse(&format!("http://{spelling}/")).map_err(|e| e.to_string());
            prop_assert!(url.is_ok(), "{}", spelling);
            let url = url.map_err(TestCaseError::fail)?;
            prop_assert!(matches!(check_url_literal(&url, &none), Some(Err(Refusal::Internal { .. }))), "{}", spelling);
        }
        let mapped = WebhookUrl::parse(&format!("http://[{}]/", a.to_ipv6_mapped()));
        prop_assert!(matches!(mapped.map(|u| check_url_literal(&u, &none)), Ok(Some(Err(_)))));
    }

    #[test]
    fn ipv6_forms_carrying_an_ipv4_address_are_judged_by_it(n in any::<u32>()) {
        let a = Ipv4Addr::from(n);
        let expected = internal_range(IpAddr::V4(a));
        let nat64 = Ipv6Addr::from((0x0064_ff9b_u128 << 96) | u128::from(n));
        let six_to_four = Ipv6Addr::from((0x2002_u128 << 112) | (u128::from(n) << 80) | 1);
        prop_assert_eq!(internal_range(IpAddr::V6(a.to_ipv6_mapped())), expected);
        prop_assert_eq!(internal_range(IpAddr::V6(nat64)), expected);
        prop_assert_eq!(internal_range(IpAddr::V6(six_to_four)), expected);
    }

    #[test]
    fn the_allow_list_opens_only_what_it_names(n in any::<u32>(), listed in internal_v4()) {
        let a = IpAddr::V4(Ipv4Addr::from(n));
        let allow = AllowList::parse(&format!("{listed}, gateway.brand.internal")).map_err(TestCaseError::fail)?;
        let verdict = check_address(Some("hooks.example.com"), a, &allow);
        let expected = is_public(a) || a == IpAddr::V4(listed);
        prop_assert_eq!(verdict.is_ok(), expected, "{} with {}", a, listed);
        // A listed name reaches any unicast address; an unlisted name with a
        // mixture of addresses is refused as soon as one is internal.
        let unicast = internal_range(a).is_none_or(|r| r.may_be_allowed());
        prop_assert_eq!(check_address(Some("gateway.brand.internal"), a, &allow).is_ok(), unicast);
        let mixed = [IpAddr::V4(Ipv4Addr::new(93, 184, 215, 14)), IpAddr::V4(listed), a];
        prop_assert_eq!(check_resolved("other.example.com", &mixed, &AllowList::default()).is_ok(), false);
    }

    #[test]
    fn excerpts_are_bounded_and_printable(body in proptest::collection::vec(any::<u8>(), 0..600), max in 0usize..100) {
        let e = answer_excerpt(&body);
        prop_assert!(e.chars().count() <= clientele_webhooks::ANSWER_EXCERPT_CHARS);
        prop_assert!(!e.chars().any(|c| c.is_control()), "{:?}", e);
        let s = sanitise(&String::from_utf8_lossy(&body), max);
        prop_assert!(s.chars().count() <= max);
        prop_assert!(!s.chars().any(|c| c.is_control() || c == '\u{202E}'), "{:?}", s);
        prop_assert_eq!(s.trim(), s.as_str());
    }
}

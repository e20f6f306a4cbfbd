//! Clientele's webhook address rules: which URL a subscription may name,
//! which IP addresses a delivery may reach, the operator's allow-list of
//! internal hosts, and the bounded, sanitised excerpt of a receiver's answer
//! kept in the delivery log.
//!
//! # Invariant
//!
//! This crate does no I/O: no DNS lookup, no socket, no clock. It decides
//! from values it is given — a URL, an address, a list of addresses a name
//! resolved to, the allow-list — so every rule here is a pure function with
//! property tests. Resolving names, at registration and again at every
//! delivery, is the API's job (`clientele-api`'s `webhook_guard`), which
//! hands the addresses found to [`check_resolved`].
//!
//! A URL's host is read by the same parser the sender (reqwest) uses, the
//! WHATWG URL standard's (crate `url`): `http://2130706433/`,
//! `http://0177.0.0.1/`, `http://0x7f.1/` and `http://[::ffff:127.0.0.1]/`
//! are the IP literals they are to a resolver (127.0.0.1), so no spelling
//! reaches an address the check did not see.
//!
//! ```
//! use clientele_webhooks::{AllowList, Host, WebhookUrl, check_url_literal};
//! use std::net::{IpAddr, Ipv4Addr};
//!
//! let url = WebhookUrl::parse("http://0x7f.1:8080/hook").map_err(|e| e.to_string())?;
//! assert_eq!(url.host(), &Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)));
//! assert!(check_url_literal(&url, &AllowList::default()).is_some_and(|r| r.is_err()));
//! let allow = AllowList::parse("127.0.0.1, gateway.brand.internal")?;
//! assert!(check_url_literal(&url, &allow).is_some_and(|r| r.is_ok()));
//! # Ok::<(), String>(())
//! ```
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod address;
pub mod allow;
pub mod excerpt;
pub mod url;

pub use address::{Internal, internal_range, is_public};
pub use allow::{AllowList, Refusal, check_address, check_resolved, check_url_literal};
pub use excerpt::{ANSWER_EXCERPT_CHARS, ERROR_TEXT_CHARS, answer_excerpt, log_error, sanitise};
pub use url::{Host, WebhookUrl, parse_description};

//! Clientele's webhook rules: the events there are and the data each one
//! carries ([`Event`]), which events a subscription receives
//! ([`EventFilter`]), when a failed delivery is tried again or given up
//! ([`RetryPolicy`]) and how long a claimed delivery is reserved
//! ([`CLAIM_LEASE_SECONDS`]); and the address rules: which URL a
//! subscription may name, which IP addresses a delivery may reach, the
//! operator's allow-list of internal hosts, and the bounded, sanitised
//! excerpt of a receiver's answer kept in the delivery log.
//!
//! # Invariant
//!
//! This crate does no I/O: no DNS lookup, no socket, no database, no clock.
//! It decides from values it is given — a URL, an address, a list of
//! addresses a name resolved to, the allow-list, a list of event types, a
//! number of failed attempts — so every rule here is a pure function with
//! property tests. It knows the wire format of an event's data, not the
//! domain types it is made from: the store fills an [`Event`] in where it
//! writes it to the outbox. Resolving names, at registration and again at every
//! delivery, is the application layer's job (`clientele-app`'s
//! `webhook_guard`, which the API calls at registration and the sender
//! resolves through), which hands the addresses found to [`check_resolved`].
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
pub mod event;
pub mod excerpt;
pub mod retry;
pub mod subscription;
pub mod url;

pub use address::{Internal, internal_range, is_public};
pub use allow::{AllowList, Refusal, check_address, check_resolved, check_url_literal};
pub use event::{
    CampaignMessage, CustomerCreated, CustomerMerged, Event, EventType, MessageVariables, OrderIngested, OrderReturned,
    PointsChanged, PointsExpiring, RefundDeductionData, TierChangeData, TierChanged,
};
pub use excerpt::{ANSWER_EXCERPT_CHARS, ERROR_TEXT_CHARS, answer_excerpt, log_error, sanitise};
pub use retry::{CLAIM_LEASE_SECONDS, RetryPolicy};
pub use subscription::{ALL_EVENTS, EventFilter};
pub use url::{Host, WebhookUrl, parse_description};

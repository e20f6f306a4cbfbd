//! Next-best-product from co-purchase affinity: which items are bought
//! together more often than by chance, counted over baskets (each order, or
//! each customer's whole history in a date window), by product or by
//! category; and, for one client, what to suggest from what they own, each
//! suggestion with its reason in words.
//!
//! # Invariant
//!
//! This crate is pure: it knows nothing of databases, HTTP, async or the
//! clock, draws no random numbers and keeps no hidden state. Dates come in
//! with the purchase lines, the [`Window`] is a parameter, and so is how
//! many threads counting may use ([`Params::with_threads`]; it never asks
//! the machine). Items are counted as [`ItemId`]s, small integers an
//! [`Interner`] gives to the caller's keys (SKUs, category names); what the
//! client owns is passed in with returned items already left out.
//!
//! The rules it guarantees (each stated by a property test in
//! `tests/properties.rs`, and checked against an independent pandas count
//! on a public retail data set in `tests/reference.rs`):
//! - a basket is a set: an item bought twice in one basket counts once, and
//!   an empty basket is no basket;
//! - every rule's counts are what a naive recount of the baskets gives, and
//!   no rule has fewer shared baskets than [`Params::min_shared`];
//! - rules come in pairs: a → b exists exactly when b → a does, with the
//!   same shared count;
//! - support = shared / N, confidence = shared / antecedent count, lift =
//!   shared · N / (antecedent count · consequent count), computed from the
//!   integer counts in one documented way ([`PairCounts`]), and rankings
//!   compare the integers exactly;
//! - a suggestion is never an item the client owns, no item is suggested
//!   twice, there are at most `limit`, and they come in the documented
//!   order ([`suggest()`]);
//! - filtering by window keeps exactly the baskets dated inside it, and a
//!   customer's basket is the union of what they bought in it.
//!
//! The steps of the daily job: intern the keys ([`Interner`]); form the
//! baskets ([`group_lines`], keyed by order or by customer, in a
//! [`Window`]); for affinity by category, map each product to its category
//! ([`Baskets::map_items`]); count ([`pairs`]); store the rules, keyed back
//! to SKUs or categories ([`Rule::new`], [`Rules::new`]). For one client:
//! [`suggest`](suggest()) from what they own, and [`reason`] in words.
//!
//! Counting is linear in the item lines plus the pairs actually present,
//! with no allocation per pair (see [`count`] for the steps and their
//! cost).
//!
//! ```
//! use chrono::NaiveDate;
//! use clientele_affinity::{
//!     AffinityError, Interner, Owned, Params, PurchaseLine, Window, group_lines, pairs, suggest,
//! };
//!
//! # fn main() -> Result<(), AffinityError> {
//! let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
//! let mut products = Interner::new();
//! let mut line = |order: u32, d: u32, sku: &str| -> Result<PurchaseLine<u32>, AffinityError> {
//!     Ok(PurchaseLine { basket: order, date: day(d), item: products.intern(&sku.to_owned())? })
//! };
//! let lines = vec![
//!     line(1, 1, "eye shadow")?, line(1, 1, "mascara")?,
//!     line(2, 3, "eye shadow")?, line(2, 3, "mascara")?, line(2, 3, "lipstick")?,
//!     line(3, 4, "lipstick")?,
//!     line(4, 6, "serum")?,
//!     line(5, 9, "mascara")?, line(5, 9, "eye shadow")?,
//!     line(6, 30, "eye shadow")?, // outside the window
//! ];
//! // Each order a basket, October 1st to 20th.
//! let orders = group_lines(&lines, &Window::new(day(1), day(20))?)?;
//! let rules = pairs(orders.baskets(), &Params::new(2)?)?;
//!
//! // A client who kept an eye shadow bought on 2 October.
//! let shadow = products.get("eye shadow").unwrap();
//! let owned = [Owned { item: shadow, last_bought: day(2) }];
//! let suggestions = suggest(&owned, &rules, 3);
//! assert_eq!(suggestions.len(), 1);
//! let mascara = &suggestions[0];
//! assert_eq!(products.key(mascara.item).map(String::as_str), Some("mascara"));
//! assert_eq!(mascara.shared(), 3);
//! assert_eq!(
//!     mascara.reason("eye shadow", "mascara"),
//!     "bought eye shadow on 2 Oct → mascara: bought together 1.7× more often than by chance"
//! );
//! # Ok(())
//! # }
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod basket;
pub mod count;
pub mod error;
pub mod item;
pub mod params;
pub mod rule;
pub mod suggest;
pub mod window;

pub use basket::{Baskets, Grouped, PurchaseLine, group_lines};
pub use count::pairs;
pub use error::AffinityError;
pub use item::{Interner, ItemId};
pub use params::Params;
pub use rule::{PairCounts, Rule, Rules, rank};
pub use suggest::{Owned, Suggestion, reason, suggest};
pub use window::Window;

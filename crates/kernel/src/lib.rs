//! The value types every Clientele domain crate shares, and the macros they
//! are all built with.
//!
//! # Invariant
//!
//! This crate knows nothing of databases, HTTP, async or the clock, and of
//! no domain: no customer, order or loyalty rule lives here, only values
//! that more than one domain crate holds. Every type can only hold a valid
//! value: it is built through `parse` or `new`, which normalise and check
//! their input, and deserialising goes through the same checks. A refusal is
//! an [`InvalidValue`] with a stable code. Nothing here reads the clock or
//! the operating system's random source, or generates an id; the one
//! generator of numbers, [`random::SplitMix64`], is a pure function of its
//! seed (for demo data and tests).
//!
//! ```
//! use clientele_kernel::{Currency, FieldErrors, InvalidValue, Phone};
//!
//! # fn main() -> Result<(), InvalidValue> {
//! assert_eq!(Phone::parse("138 1234 5678")?.as_str(), "+8613812345678");
//! let mut errors = FieldErrors::new();
//! let currency = errors.check("currency", Currency::parse("euro"));
//! assert!(currency.is_none());
//! assert_eq!(errors.iter().next().map(|e| e.code), Some("invalid_currency"));
//! # Ok(())
//! # }
//! ```
//!
//! # Map
//!
//! - [`validation`]: [`InvalidValue`] (why one value was refused) and
//!   [`FieldErrors`] (which fields of a form were refused, and why).
//! - the macros: [`string_newtype!`], [`bounded_text!`], [`text_id!`],
//!   [`slug_newtype!`], [`uuid_id!`], [`keyword_enum!`].
//! - [`ids`]: [`CustomerId`], [`StoreId`], [`LineId`].
//! - [`member_no`] and [`phone`]: the keys a member is found by.
//! - [`money`]: [`Currency`], [`Money`].
//! - [`time`]: [`TimeZone`], [`Moment`].
//! - [`text`]: [`ShortText`], [`LongText`], [`Label`], [`Actor`].
//! - [`random`]: [`SplitMix64`](random::SplitMix64), the seeded generator
//!   the demo data, the examples and the tests share.
#![cfg_attr(test, allow(clippy::unwrap_used))]

#[macro_use]
mod macros;

pub mod ids;
pub mod member_no;
pub mod money;
pub mod phone;
pub mod random;
pub mod text;
pub mod time;
pub mod validation;

pub use ids::{CustomerId, LineId, StoreId};
pub use member_no::MemberNo;
pub use money::{Currency, Money};
pub use phone::Phone;
pub use text::{Actor, Label, LongText, ShortText};
pub use time::{Moment, MomentParts, TimeZone};
pub use validation::{FieldError, FieldErrors, InvalidValue};

/// What the macros name in the crates that expand them.
#[doc(hidden)]
pub mod __macro_support {
    pub use uuid::Uuid;
}

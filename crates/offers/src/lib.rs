//! Offers at the till, the pure part (issue #13): coupons, points offers,
//! gifts with purchase, the rewards catalogue and tier entitlements.
//!
//! # Invariant
//!
//! This crate is pure: it knows nothing of databases, HTTP, async or the
//! clock, and keeps no hidden state. Time is a parameter (`at`, `today`);
//! randomness is a parameter (coupon codes are drawn from the
//! [`rand::RngCore`] passed in — the operating system's in production, a
//! seeded one in tests); what the store knows (a code's state and uses, a
//! member's balance, a reward's stock) comes in as facts. Every decision is
//! a function of its inputs: the same basket and coupons give the same
//! discounts on every instance and every re-run. Money is
//! `rust_decimal::Decimal` in cents ([`Amount`]), never a float, and every
//! rounding is stated where it happens.
//!
//! The rules it guarantees (each stated by a property test in `tests/`):
//! - no combination of coupons takes more off a line than the discount
//!   ceiling × its gross, or more than its gross; discounts are never
//!   negative, and the lines' discounts add up to the reported total;
//! - a code reads back as itself through any mix of case and separators,
//!   and normalising is idempotent; a batch of generated codes has no
//!   duplicates;
//! - the coupon state machine never leaves its five states, and a redeemed
//!   code is never redeemed again without a release in between;
//! - returning a line in any steps takes back exactly the extra points an
//!   offer gave it, never more.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use clientele_kernel::{Label, LineId};
//! use clientele_offers::{
//!     Amount, Basket, BasketLine, CodeFacts, CouponDefinition, CouponDefinitionParts, CouponKindParts,
//!     CouponOutcome, CouponRequest, CouponState, DiscountCeiling, Eligibility, Percent, PresentedCoupon, Sku,
//!     apply_coupons, normalize,
//! };
//!
//! let line = |id: &str, category: &str, price: &str| BasketLine {
//!     line_id: LineId::parse(id).unwrap(),
//!     sku: Sku::parse(id).unwrap(),
//!     category: Some(Label::parse(category).unwrap()),
//!     collection: None,
//!     quantity: 1,
//!     unit_price: Amount::parse(price).unwrap(),
//!     discount: Amount::ZERO,
//! };
//! let basket = Basket::new(vec![line("1", "bags", "12000"), line("2", "scarves", "2000")]).unwrap();
//! // 15 % off bags, from 5,000 spent on bags.
//! let coupon = CouponDefinition::new(CouponDefinitionParts {
//!     kind: CouponKindParts::Percent("15".parse().unwrap()),
//!     min_spend: Some("5000".parse().unwrap()),
//!     eligibility: Eligibility { categories: vec![Label::parse("bags").unwrap()], ..Eligibility::default() },
//!     valid_from: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
//!     valid_to: Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
//!     stackable: false,
//!     max_discount: None,
//!     uses_per_customer: 1,
//!     max_uses: None,
//! })
//! .unwrap();
//! let facts = CodeFacts {
//!     state: CouponState::Issued,
//!     owner: None,
//!     presenter: None,
//!     uses_by_presenter: 0,
//!     uses_total: 0,
//!     held_by_this_order: false,
//! };
//! let presented = [PresentedCoupon { code: normalize("bag-15-off").unwrap(), definition: coupon, facts }];
//! let ceiling = DiscountCeiling { programme: Percent::parse("20").unwrap(), campaign: None };
//! let at = Utc.with_ymd_and_hms(2026, 6, 15, 15, 0, 0).unwrap();
//! let result = apply_coupons(&CouponRequest { basket: &basket, tier: None, at, ceiling, coupons: &presented });
//! assert_eq!(result.total_discount, Amount::parse("1800").unwrap());
//! assert!(matches!(&result.coupons[0].outcome, CouponOutcome::Applied(a) if a.lines.len() == 1));
//! assert_eq!(result.lines[1].discount, Amount::ZERO);
//! ```
//!
//! # Map
//!
//! - [`values`]: [`Amount`] (cents), [`Percent`], [`PointsMultiplier`],
//!   [`Sku`], the validity [`Window`].
//! - [`basket`]: [`Basket`] and [`BasketLine`]; [`Eligibility`] of lines
//!   and tiers.
//! - [`coupon`]: [`CouponDefinition`] (percent or fixed amount, minimum
//!   spend, window, stacking, cap, uses).
//! - [`apply`]: [`apply_coupons`] — coupons applied in order under the
//!   [`DiscountCeiling`], each [`CouponOutcome`] applied with its lines or
//!   refused with a [`CouponRefusal`] code.
//! - [`code`]: [`CouponCode`], [`normalize`], [`CodeFormat`], [`generate`],
//!   [`generate_batch`] (Crockford base32, 60 bits by default).
//! - [`state`]: the coupon state machine, [`transition`].
//! - [`points`]: [`PointsOffer`] (bonus or multiplier), [`offer_points`]
//!   per line and [`take_back`] on returns.
//! - [`gift`]: [`GiftOffer`] and [`gifts_for`].
//! - [`reward`]: the catalogue's [`Reward`], [`check_redemption`] and the
//!   fulfilment states.
//! - [`entitlement`]: per-tier [`Entitlement`]s per member or calendar
//!   year, [`entitlement_status`] and [`check_entitlement`].
//! - [`cost`]: [`unit_cost`] and [`expected_cost`] of any offer, for the
//!   dry run.
//! - [`error`]: [`OfferError`], with stable codes ([`CodeError`] for
//!   codes).
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod allocate;
pub mod apply;
pub mod basket;
pub mod code;
pub mod cost;
pub mod coupon;
pub mod entitlement;
pub mod error;
pub mod gift;
pub mod points;
pub mod reward;
pub mod settings;
pub mod state;
pub mod values;

pub use apply::{
    Application, AppliedCoupon, CodeFacts, CouponOutcome, CouponRefusal, CouponRequest, CouponResult, DiscountCeiling,
    LineDiscount, LineResult, PresentedCoupon, apply_coupons,
};
pub use basket::{Basket, BasketLine, Eligibility};
pub use code::{ALPHABET, CodeError, CodeFormat, CodeFormatParts, CouponCode, generate, generate_batch, normalize};
pub use cost::{CostAssumptions, OfferRef, expected_cost, unit_cost};
pub use coupon::{CouponDefinition, CouponDefinitionParts, CouponKind, CouponKindParts};
pub use entitlement::{
    BenefitKey, Entitlement, EntitlementPeriod, EntitlementRefusal, EntitlementStatus, check_entitlement,
    current_period, entitlement_status,
};
pub use error::OfferError;
pub use gift::{GiftDecision, GiftOffer, GiftOfferParts, gifts_for};
pub use points::{
    LineExtra, OfferRefusal, PaidLine, PointsOffer, PointsOfferKind, PointsOfferKindParts, PointsOfferParts,
    offer_points, take_back,
};
pub use reward::{
    Cancellation, FulfilmentEvent, FulfilmentState, RedemptionFacts, Reward, RewardKind, RewardParts, RewardRefusal,
    cancel_fulfilment, check_redemption, fulfil,
};
pub use settings::OffersSettings;
pub use state::{CouponEvent, CouponState, TransitionFacts, after_give_back, after_use, transition};
pub use values::{Amount, Percent, PointsMultiplier, Sku, Window, WindowParts, WindowPhase};

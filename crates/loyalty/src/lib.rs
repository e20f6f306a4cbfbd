//! Clientele's loyalty rules: points in lots, growth value (成长值), tiers
//! S1–S6, earning per order line, returns, redemption and expiry.
//!
//! # Invariant
//!
//! This crate is pure: it knows nothing of databases, HTTP, async or the
//! clock, draws no random numbers and keeps no hidden state. Time is a
//! parameter ([`Moment`](clientele_kernel::Moment): an instant and the
//! business date), ids are passed
//! in, and the current state (a member's [`Wallet`] of lots, their
//! [`TierState`], a [`Reservation`]) is passed as a value. Every operation
//! returns what to write — new and updated lots, ledger entries, the totals
//! after, the tier state after and the tier change to emit — or an error,
//! in which case nothing is to be written. Every value type can only hold a
//! valid value, and deserialising goes through the same checks.
//!
//! The rules it guarantees (each stated by a property test in
//! `tests/properties.rs`):
//! - the points balance is the sum of the ledger's points deltas, and growth
//!   value the sum of its growth deltas;
//! - a balance never goes negative through redemption: a reservation is
//!   refused unless the available points (balance − held) cover it, and
//!   refused outright while the member owes points after a return;
//! - a balance goes below zero only through a return, in a program whose
//!   [`ReturnShortfall`] is `negative_balance`; the points owed are repaid
//!   first from the next points that come in, and expiry never touches them;
//! - redemption never reduces growth value;
//! - the tier is monotone in growth value;
//! - an order's points are allocated to its lines so that they add up to the
//!   floored order total, independently of the order of the lines, and a
//!   return (whole or in parts) takes back exactly what the lines earned;
//! - points are drawn earliest expiry first and never from expired lots;
//!   expiry removes exactly the points left in expired lots.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use clientele_kernel::{LineId, Moment};
//! use clientele_loyalty::{
//!     BaseAmount, LotId, LoyaltyError, OrderId, OrderToEarn, PaidLine, ProgramConfig, Quantity, Tier, TierState,
//!     Wallet, calculate_order_earning, post_order_earning,
//! };
//!
//! # fn main() -> Result<(), LoyaltyError> {
//! let config = ProgramConfig::default_plan();
//! let moment = Moment::utc(Utc.with_ymd_and_hms(2026, 5, 1, 10, 0, 0).unwrap());
//! let order = OrderToEarn::new(
//!     OrderId::parse("POS-1001")?,
//!     vec![PaidLine { line: LineId::parse("1")?, quantity: Quantity::ONE, paid: BaseAmount::parse("12345.67")? }],
//! )?;
//! let tier = TierState::new_member().effective_on(moment.date());
//! let earning = calculate_order_earning(&config, tier, &order)?;
//! assert_eq!(earning.points().get(), 12_345);
//! assert_eq!(earning.growth().get(), 12_345);
//! let change = post_order_earning(&config, &Wallet::empty(), &earning, &LotId::parse("lot-1")?, moment)?;
//! assert_eq!(change.balance().get(), 12_345);
//! assert_eq!(config.tier_for_growth(change.growth()), Tier::S2);
//! # Ok(())
//! # }
//! ```
//!
//! # Map
//!
//! - [`config`]: [`ProgramConfig`] (earn rate, tier table, expiry policy,
//!   re-qualification window, what a return's shortfall does).
//! - [`values`], [`ids`], [`text`]: value types ([`Points`],
//!   [`GrowthValue`], [`BaseAmount`], [`LotId`], [`Reason`], …); the
//!   values other crates hold too (the line id, the currency, the moment,
//!   the actor, [`InvalidValue`](clientele_kernel::InvalidValue)) are
//!   `clientele_kernel`'s.
//! - [`tier`]: the tier for a growth value, [`TierState`], upgrades,
//!   reviews, manual floors.
//! - [`earning`]: what an order earns per line, and posting it.
//! - [`returns`]: what a return takes back, and posting it.
//! - [`postings`]: activity points and manual adjustments.
//! - [`lots`]: [`Lot`], [`Wallet`], [`WalletChange`], expiry.
//! - [`opening`]: opening balances brought from a previous system.
//! - [`redemption`]: reserve → confirm | cancel | expire.
//! - [`ledger`]: [`LedgerEntry`] and sums over entries.
//! - [`account`]: [`Account`], the in-memory reference model.
//! - [`error`]: [`LoyaltyError`], with stable codes.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod account;
pub mod config;
pub mod earning;
pub mod error;
pub mod hold;
pub mod ids;
pub mod ledger;
pub mod limits;
pub mod lots;
pub mod opening;
pub mod postings;
pub mod redemption;
pub mod returns;
pub mod text;
pub mod tier;
pub mod values;

pub use account::Account;
pub use config::{
    DateRange, ExpiryPolicy, MonthCount, ProgramConfig, RequalificationParts, RequalificationWindow, ReturnShortfall,
};
pub use earning::{
    EarnedLine, OrderEarning, OrderEarningParts, OrderToEarn, OrderToEarnParts, PaidLine, calculate_order_earning,
    post_order_earning,
};
pub use error::LoyaltyError;
pub use hold::{HoldMinutes, RedemptionKey, points_to_redeem};
pub use ids::{ActivityId, LotId, OrderId, RedemptionId, ReturnId};
pub use ledger::{EntryKind, LedgerEntry, Source, growth_value_of, growth_value_within, points_balance_of};
pub use limits::{LimitsParts, ProgramLimits};
pub use lots::{ExpiringPoints, Lot, LotParts, Wallet, WalletChange, expire_lots};
pub use opening::{Opening, OpeningBalance, OpeningError, OpeningLot, open_balance, order_earns};
pub use postings::{
    ActivityGrant, ActivityGrantParts, ManualAdjustment, ManualPoints, adjust_manually, grant_activity_points,
};
pub use redemption::{
    Draw, RedemptionPosting, RedemptionRequest, Reservation, ReservationParts, ReservationState, cancel_reservation,
    confirm_reservation, expire_reservation, reserve_points,
};
pub use returns::{
    LineReturn, LineTakeBack, RefundDeduction, ReturnPosting, ReturnRequest, ReturnRequestParts, TakeBack,
    points_and_growth_to_take_back, take_back_for_return,
};
pub use text::{BenefitText, Reason, TierName};
pub use tier::{
    Tier, TierBenefits, TierChange, TierChangeReason, TierFloor, TierFloorPosting, TierFloorRequest, TierRule,
    TierState, TierStateParts, TierTable, TierUpdate, end_lapsed_tier_floor, remove_tier_floor, review_tier,
    set_tier_floor, tier_after_growth_change, tier_for_growth, tier_under_new_table,
};
pub use values::{
    BaseAmount, DiscountRate, EarnRate, GrowthDelta, GrowthValue, MAX_POINTS, Multiplier, PointValue, Points,
    PointsBalance, PointsDelta, Quantity,
};

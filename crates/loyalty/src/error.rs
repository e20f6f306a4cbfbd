//! Errors: [`LoyaltyError`] (an operation refused), with a stable
//! machine-readable code for the API's error table. One value refused by
//! its constructor is the kernel's [`InvalidValue`], the same for every
//! domain crate.

use clientele_kernel::{Currency, InvalidValue, LineId};

use crate::ids::{LotId, OrderId, RedemptionId};
use crate::redemption::ReservationState;
use crate::values::Points;

/// Why a loyalty operation was refused. Nothing was computed to be written:
/// the caller's state is as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoyaltyError {
    /// A value was refused by its constructor.
    #[error("invalid value: {0}")]
    Invalid(#[from] InvalidValue),
    /// An order must have at least one line.
    #[error("an order needs at least one line")]
    NoLines,
    /// The same line id appears twice in one order or one return.
    #[error("line {0} appears more than once")]
    DuplicateLine(LineId),
    /// A return names a line the order does not have.
    #[error("order has no line {0}")]
    UnknownLine(LineId),
    /// A stored earning whose offers' points do not add up to its lines'.
    #[error("the points offers' points do not add up to the lines' offer points")]
    OfferPointsMismatch,
    /// A return would bring back more of a line than was bought.
    #[error("line {line}: {bought} bought, {already_returned} already returned, {requested} more requested")]
    ReturnExceedsQuantity {
        /// The line.
        line: LineId,
        /// Quantity bought.
        bought: u32,
        /// Quantity returned by earlier returns.
        already_returned: u32,
        /// Quantity this return asked for.
        requested: u32,
    },
    /// The order has already earned (the store deduplicates on source + external id).
    #[error("order {0} has already earned points")]
    OrderAlreadyEarned(OrderId),
    /// A return refers to an order that never earned.
    #[error("order {0} is not known")]
    UnknownOrder(OrderId),
    /// The member does not have the points this operation needs.
    #[error("{requested} points requested, {available} available")]
    InsufficientPoints {
        /// Points the operation needs.
        requested: Points,
        /// Points available (balance minus held, unexpired lots only).
        available: Points,
    },
    /// A manual adjustment would bring growth value below zero.
    #[error("growth value would become negative")]
    GrowthWouldBeNegative,
    /// A manual adjustment that changes nothing.
    #[error("a manual adjustment must change points or growth value")]
    EmptyAdjustment,
    /// A lot id that the member already has.
    #[error("lot {0} already exists")]
    DuplicateLot(LotId),
    /// A lot the operation needs is missing from the state passed in.
    #[error("lot {0} is not in the member's lots")]
    LotNotFound(LotId),
    /// A reservation's draw does not match the held points of its lot: the
    /// state passed in is not the one the reservation was made on.
    #[error("lot {0} holds fewer points than the reservation drew from it")]
    InconsistentHold(LotId),
    /// A redemption id that is already in use.
    #[error("redemption {0} already exists")]
    DuplicateRedemption(RedemptionId),
    /// No redemption of this id.
    #[error("redemption {0} is not known")]
    UnknownRedemption(RedemptionId),
    /// A reservation can only move from `held` to one of the closed states.
    #[error("a {from} reservation cannot become {to}")]
    IllegalTransition {
        /// State it is in.
        from: ReservationState,
        /// State that was asked for.
        to: ReservationState,
    },
    /// The hold ran out before the confirmation arrived: expire it instead.
    #[error("the reservation's hold ended; it can only be expired or cancelled")]
    ReservationLapsed,
    /// A reservation cannot be expired before its hold ends.
    #[error("the reservation is held until its hold ends")]
    ReservationStillHeld,
    /// The hold must end after the moment of reservation.
    #[error("a hold must end after it starts")]
    HoldEndsBeforeItStarts,
    /// A tier review on a program without a re-qualification window, or on a
    /// day that is not a review date.
    #[error("{0} is not a tier review date of this program")]
    NotAReviewDate(chrono::NaiveDate),
    /// A manual tier floor whose end date has already passed.
    #[error("a tier floor must last until today or later")]
    FloorEndsInThePast,
    /// No manual tier floor to remove.
    #[error("no manual tier floor is set")]
    NoTierFloor,
    /// The numbers are beyond what the engine accepts (over 10^15 points).
    #[error("amount too large")]
    AmountTooLarge,
    /// A grant or adjustment moves more than the programme's limit per grant.
    #[error("{field}: at most {limit} per grant or adjustment (programme limit)")]
    OverGrantLimit {
        /// `points` or `growth`.
        field: &'static str,
        /// The programme's `limits.max_points_per_grant`.
        limit: i64,
    },
    /// The member owes points after a return (their balance is negative):
    /// no redemption until later earnings have repaid them.
    #[error("the member owes {owed} points after a return; no redemption until later earnings repay them")]
    PointsInDebt {
        /// Points owed.
        owed: Points,
    },
    /// A programme change to another base currency while orders exist.
    #[error(
        "the base currency is {current} and is fixed once orders exist (they are stored and valued in it); it cannot become {requested}"
    )]
    BaseCurrencyLocked {
        /// The base currency in force.
        current: Currency,
        /// The one asked for.
        requested: Currency,
    },
}

impl LoyaltyError {
    /// A stable machine-readable code (the API serves it as it is).
    pub fn code(&self) -> &'static str {
        match self {
            LoyaltyError::Invalid(e) => e.code,
            LoyaltyError::NoLines => "no_lines",
            LoyaltyError::DuplicateLine(_) => "duplicate_line",
            LoyaltyError::UnknownLine(_) => "unknown_line",
            LoyaltyError::OfferPointsMismatch => "offer_points_mismatch",
            LoyaltyError::ReturnExceedsQuantity { .. } => "return_exceeds_quantity",
            LoyaltyError::OrderAlreadyEarned(_) => "order_already_earned",
            LoyaltyError::UnknownOrder(_) => "unknown_order",
            LoyaltyError::InsufficientPoints { .. } => "insufficient_points",
            LoyaltyError::GrowthWouldBeNegative => "growth_would_be_negative",
            LoyaltyError::EmptyAdjustment => "empty_adjustment",
            LoyaltyError::DuplicateLot(_) => "duplicate_lot",
            LoyaltyError::LotNotFound(_) => "lot_not_found",
            LoyaltyError::InconsistentHold(_) => "inconsistent_hold",
            LoyaltyError::DuplicateRedemption(_) => "duplicate_redemption",
            LoyaltyError::UnknownRedemption(_) => "unknown_redemption",
            LoyaltyError::IllegalTransition { .. } => "illegal_transition",
            LoyaltyError::ReservationLapsed => "reservation_lapsed",
            LoyaltyError::ReservationStillHeld => "reservation_still_held",
            LoyaltyError::HoldEndsBeforeItStarts => "hold_ends_before_it_starts",
            LoyaltyError::NotAReviewDate(_) => "not_a_review_date",
            LoyaltyError::FloorEndsInThePast => "floor_ends_in_the_past",
            LoyaltyError::NoTierFloor => "no_tier_floor",
            LoyaltyError::AmountTooLarge => "amount_too_large",
            LoyaltyError::OverGrantLimit { .. } => "out_of_range",
            LoyaltyError::PointsInDebt { .. } => "points_in_debt",
            LoyaltyError::BaseCurrencyLocked { .. } => "base_currency_locked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_name_the_numbers() {
        let e = LoyaltyError::InsufficientPoints { requested: Points::new(10).unwrap(), available: Points::ZERO };
        assert_eq!(e.code(), "insufficient_points");
        assert_eq!(e.to_string(), "10 points requested, 0 available");
        let e = LoyaltyError::from(InvalidValue::new("out_of_range", "must be at least 0"));
        assert_eq!(e.code(), "out_of_range");
        let e = LoyaltyError::IllegalTransition { from: ReservationState::Confirmed, to: ReservationState::Cancelled };
        assert_eq!(e.to_string(), "a confirmed reservation cannot become cancelled");
    }
}

//! Every stable error code the API answers with, each with its own HTTP
//! status and title: the one table. docs/errors.md lists exactly these codes
//! with the same statuses (a test below keeps the two in step).
//!
//! Clients branch on the code. A new refusal gets a code of its own here,
//! never a generic one.

use actix_web::http::StatusCode;
use clientele_loyalty::LoyaltyError;

macro_rules! error_codes {
    ($($variant:ident = $status:literal, $name:literal, $title:literal;)*) => {
        /// A stable error code (the `code` of a problem body).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $(
                #[doc = $title]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in the order of the table.
            pub const ALL: &[Code] = &[$(Code::$variant),*];

            /// The code as clients see it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The HTTP status it is always answered with.
            pub fn status(self) -> StatusCode {
                let status = match self {
                    $(Code::$variant => $status,)*
                };
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }

            /// A short summary, the problem body's `title`.
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title,)*
                }
            }
        }
    };
}

error_codes! {
    MalformedJson = 400, "malformed_json", "Malformed JSON";
    Unauthorized = 401, "unauthorized", "Authentication required";
    Forbidden = 403, "forbidden", "Not allowed for this role";
    NotFound = 404, "not_found", "Not found";
    NoRoute = 404, "no_route", "No such endpoint";
    SnapshotNotFound = 404, "snapshot_not_found", "No segment snapshot";
    UnknownOrder = 404, "unknown_order", "Order not known to the loyalty ledger";
    UnknownRedemption = 404, "unknown_redemption", "Redemption not known";
    CustomerErased = 409, "customer_erased", "Customer erased";
    MemberNoTaken = 409, "member_no_taken", "Member number taken";
    ExternalIdTaken = 409, "external_id_taken", "External id taken";
    StoreCodeTaken = 409, "store_code_taken", "Store code taken";
    AssociateCodeTaken = 409, "associate_code_taken", "Associate code taken";
    AmbiguousPhone = 409, "ambiguous_phone", "Several customers have this phone";
    OrderConflict = 409, "order_conflict", "Another order was sent under this external id";
    CampaignNotDraft = 409, "campaign_not_draft", "The campaign has run and is changed no more";
    CampaignStatus = 409, "campaign_status", "The campaign's status does not allow this";
    FollowUpClosed = 409, "follow_up_closed", "The follow-up is done or cancelled";
    CouponCodeTaken = 409, "coupon_code_taken", "The coupon code is already issued";
    CouponState = 409, "coupon_state", "The coupon code's state does not allow it";
    CouponRefused = 409, "coupon_refused", "A coupon code of the order does not apply";
    RewardNotAvailable = 409, "reward_not_available", "The reward is not offered now";
    RewardOutOfStock = 409, "reward_out_of_stock", "The reward is out of stock";
    RewardTier = 409, "reward_tier", "The reward is not for the member's tier";
    RewardLimitReached = 409, "reward_limit_reached", "The member has taken this reward as often as allowed";
    RewardInsufficientPoints = 409, "reward_insufficient_points", "Not enough points available for the reward";
    RewardState = 409, "reward_state", "The reward redemption's state does not allow it";
    EntitlementUsedUp = 409, "entitlement_used_up", "No use of the benefit is left this period";
    ReturnExceedsQuantity = 409, "return_exceeds_quantity", "More returned than bought";
    OrderAlreadyEarned = 409, "order_already_earned", "Order has already earned";
    InsufficientPoints = 409, "insufficient_points", "Not enough points";
    GrowthWouldBeNegative = 409, "growth_would_be_negative", "Growth value would become negative";
    DuplicateLot = 409, "duplicate_lot", "Points lot exists";
    LotNotFound = 409, "lot_not_found", "Points lot missing";
    InconsistentHold = 409, "inconsistent_hold", "Held points do not match the reservation";
    DuplicateRedemption = 409, "duplicate_redemption", "Redemption exists";
    IllegalTransition = 409, "illegal_transition", "Reservation cannot move to this state";
    ReservationLapsed = 409, "reservation_lapsed", "The reservation's hold ended";
    ReservationStillHeld = 409, "reservation_still_held", "The reservation is still held";
    NotAReviewDate = 409, "not_a_review_date", "Not a tier review date";
    NoTierFloor = 409, "no_tier_floor", "No tier floor set";
    PointsInDebt = 409, "points_in_debt", "Member owes points";
    BaseCurrencyLocked = 409, "base_currency_locked", "Base currency fixed once orders exist";
    CustomerMerged = 410, "customer_merged", "Customer merged into another record";
    PayloadTooLarge = 413, "payload_too_large", "Request body too large";
    UnsupportedMediaType = 415, "unsupported_media_type", "Unsupported media type";
    ValidationFailed = 422, "validation_failed", "Invalid input";
    IdempotencyKeyReused = 422, "idempotency_key_reused", "Idempotency key reused with another request";
    MergeWithSelf = 422, "merge_with_self", "Cannot merge a customer into itself";
    NoLines = 422, "no_lines", "Order without lines";
    DuplicateLine = 422, "duplicate_line", "Line named twice";
    UnknownLine = 422, "unknown_line", "No such line in the order";
    EmptyAdjustment = 422, "empty_adjustment", "Adjustment changes nothing";
    HoldEndsBeforeItStarts = 422, "hold_ends_before_it_starts", "Hold ends before it starts";
    FloorEndsInThePast = 422, "floor_ends_in_the_past", "Tier floor ends in the past";
    AmountTooLarge = 422, "amount_too_large", "Amount too large";
    InternalError = 500, "internal_error", "Internal error";
    DatabaseUnavailable = 503, "database_unavailable", "Database unavailable";
}

/// The code of a loyalty rule's refusal. Value errors (`Invalid`,
/// `OverGrantLimit`) are validation problems and never reach this.
pub fn loyalty_code(e: &LoyaltyError) -> Code {
    use LoyaltyError as L;
    match e {
        L::Invalid(_) | L::OverGrantLimit { .. } => Code::ValidationFailed,
        L::NoLines => Code::NoLines,
        L::DuplicateLine(_) => Code::DuplicateLine,
        L::UnknownLine(_) => Code::UnknownLine,
        L::ReturnExceedsQuantity { .. } => Code::ReturnExceedsQuantity,
        L::OrderAlreadyEarned(_) => Code::OrderAlreadyEarned,
        L::UnknownOrder(_) => Code::UnknownOrder,
        L::InsufficientPoints { .. } => Code::InsufficientPoints,
        L::GrowthWouldBeNegative => Code::GrowthWouldBeNegative,
        L::EmptyAdjustment => Code::EmptyAdjustment,
        L::DuplicateLot(_) => Code::DuplicateLot,
        L::LotNotFound(_) => Code::LotNotFound,
        L::InconsistentHold(_) => Code::InconsistentHold,
        L::DuplicateRedemption(_) => Code::DuplicateRedemption,
        L::UnknownRedemption(_) => Code::UnknownRedemption,
        L::IllegalTransition { .. } => Code::IllegalTransition,
        L::ReservationLapsed => Code::ReservationLapsed,
        L::ReservationStillHeld => Code::ReservationStillHeld,
        L::HoldEndsBeforeItStarts => Code::HoldEndsBeforeItStarts,
        L::NotAReviewDate(_) => Code::NotAReviewDate,
        L::FloorEndsInThePast => Code::FloorEndsInThePast,
        L::NoTierFloor => Code::NoTierFloor,
        L::AmountTooLarge => Code::AmountTooLarge,
        L::PointsInDebt { .. } => Code::PointsInDebt,
        L::BaseCurrencyLocked { .. } => Code::BaseCurrencyLocked,
        // Only a stored earning that does not add up: corrupt data.
        L::OfferPointsMismatch => Code::InternalError,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// The codes of docs/errors.md's table (the first, status, column and the
    /// backquoted codes of the second), with their statuses.
    fn documented() -> BTreeMap<String, u16> {
        let doc = include_str!("../../docs/errors.md");
        let mut codes = BTreeMap::new();
        for line in doc.lines().filter(|l| l.starts_with('|')) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let Ok(status) = cells[1].parse::<u16>() else { continue };
            for code in cells[2].split('`').skip(1).step_by(2) {
                assert!(codes.insert(code.to_owned(), status).is_none(), "{code} is listed twice in docs/errors.md");
            }
        }
        codes
    }

    #[test]
    fn docs_errors_md_lists_exactly_the_table() {
        let table: BTreeMap<String, u16> =
            Code::ALL.iter().map(|c| (c.name().to_owned(), c.status().as_u16())).collect();
        let documented = documented();
        let missing: BTreeSet<_> = table.keys().filter(|c| !documented.contains_key(*c)).collect();
        let extra: BTreeSet<_> = documented.keys().filter(|c| !table.contains_key(*c)).collect();
        assert!(missing.is_empty(), "codes missing from docs/errors.md: {missing:?}");
        assert!(extra.is_empty(), "docs/errors.md lists codes the API does not have: {extra:?}");
        for (code, status) in &table {
            assert_eq!(
                documented[code], *status,
                "{code}: docs/errors.md says {}, the table {status}",
                documented[code]
            );
        }
    }

    #[test]
    fn codes_are_unique_and_statuses_are_errors() {
        let names: BTreeSet<_> = Code::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), Code::ALL.len());
        for code in Code::ALL {
            let status = code.status().as_u16();
            assert!((400..600).contains(&status), "{code:?}");
            assert!(code.name().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code:?}");
        }
    }

    #[test]
    fn each_loyalty_refusal_keeps_the_code_the_domain_gives_it() {
        use clientele_kernel::{Currency, LineId};
        use clientele_loyalty::{LotId, OrderId, Points, RedemptionId, ReservationState as S};
        let line = LineId::parse("1").unwrap();
        let lot = LotId::parse("1").unwrap();
        let order = OrderId::parse("1").unwrap();
        let redemption = RedemptionId::parse("1").unwrap();
        let points = Points::new(1).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let cny = Currency::parse("CNY").unwrap();
        let refusals = [
            LoyaltyError::NoLines,
            LoyaltyError::DuplicateLine(line.clone()),
            LoyaltyError::UnknownLine(line.clone()),
            LoyaltyError::ReturnExceedsQuantity { line, bought: 1, already_returned: 0, requested: 2 },
            LoyaltyError::OrderAlreadyEarned(order.clone()),
            LoyaltyError::UnknownOrder(order),
            LoyaltyError::InsufficientPoints { requested: points, available: Points::ZERO },
            LoyaltyError::GrowthWouldBeNegative,
            LoyaltyError::EmptyAdjustment,
            LoyaltyError::DuplicateLot(lot.clone()),
            LoyaltyError::LotNotFound(lot.clone()),
            LoyaltyError::InconsistentHold(lot),
            LoyaltyError::DuplicateRedemption(redemption.clone()),
            LoyaltyError::UnknownRedemption(redemption),
            LoyaltyError::IllegalTransition { from: S::Confirmed, to: S::Cancelled },
            LoyaltyError::ReservationLapsed,
            LoyaltyError::ReservationStillHeld,
            LoyaltyError::HoldEndsBeforeItStarts,
            LoyaltyError::NotAReviewDate(day),
            LoyaltyError::FloorEndsInThePast,
            LoyaltyError::NoTierFloor,
            LoyaltyError::AmountTooLarge,
            LoyaltyError::PointsInDebt { owed: points },
            LoyaltyError::BaseCurrencyLocked { current: cny.clone(), requested: cny },
        ];
        for e in refusals {
            assert_eq!(loyalty_code(&e).name(), e.code(), "{e:?}");
        }
    }
}

//! The life of a coupon code: issued → reserved (an order holds it) →
//! redeemed (the order is confirmed), and the ways back and out.
//!
//! | from | event | to | when |
//! |---|---|---|---|
//! | issued | `reserve` | reserved | within the validity window |
//! | reserved | `confirm` | redeemed | the code's last use (a single-use code) |
//! | reserved | `confirm` | issued | uses are left (`uses_left > 0`) |
//! | reserved | `release` | issued | the order let it go (cancelled, timed out) |
//! | redeemed | `release_by_return` | issued | a full return, the programme gives coupons back, still within validity |
//! | issued, reserved | `expire` | expired | at or after `valid_to` |
//! | issued, reserved | `void` | void | a manager cancels it |
//!
//! Every other pair is refused with [`OfferError::TransitionNotAllowed`];
//! `expired` and `void` are final. A reservation taken within the window
//! may be confirmed after it ends (the order was placed in time).
//!
//! A personal code follows this machine for every use. A code with several
//! uses (`uses_per_customer` > 1) goes back to `issued` after each
//! confirmed use until its last. A shared code with a global `max_uses` is
//! held per use by the store (one row per order), so its own state stays
//! `issued` until it expires or is voided; the limits are checked at the
//! till from the counts the store keeps (see [`crate::apply_coupons`]).

use chrono::{DateTime, Utc};
use clientele_kernel::keyword_enum;
use serde::{Deserialize, Serialize};

use crate::error::OfferError;
use crate::values::{Window, WindowPhase};

keyword_enum! {
    /// Where a coupon code is in its life.
    pub enum CouponState {
        /// Given to a customer (or published), usable.
        Issued => "issued",
        /// Held by an order not yet confirmed.
        Reserved => "reserved",
        /// Used by a confirmed order.
        Redeemed => "redeemed",
        /// Its validity ended unused. Final.
        Expired => "expired",
        /// Cancelled by a manager. Final.
        Void => "void",
    }
}

/// Something that happens to a code. Serialised with its name in `event`:
/// `{"event": "confirm", "uses_left": 0}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CouponEvent {
    /// An order holds the code.
    Reserve,
    /// The order is confirmed.
    Confirm {
        /// Uses of the code left after this one (0 for a single-use code).
        uses_left: u32,
    },
    /// The order lets the code go (cancelled, hold timed out).
    Release,
    /// The order was returned in full: the code comes back, if the
    /// programme allows it.
    ReleaseByReturn,
    /// Its validity has ended.
    Expire,
    /// A manager cancels it.
    Void,
}

impl CouponEvent {
    /// The event's stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CouponEvent::Reserve => "reserve",
            CouponEvent::Confirm { .. } => "confirm",
            CouponEvent::Release => "release",
            CouponEvent::ReleaseByReturn => "release_by_return",
            CouponEvent::Expire => "expire",
            CouponEvent::Void => "void",
        }
    }
}

/// What a transition needs to know besides the state and the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TransitionFacts {
    /// When it happens.
    pub at: DateTime<Utc>,
    /// The coupon's validity window.
    pub window: Window,
    /// The programme gives a coupon back after a full return of its order
    /// (a programme setting).
    pub release_on_return: bool,
}

/// The state after `event`, or why it is refused (nothing changes then).
pub fn transition(state: CouponState, event: CouponEvent, facts: &TransitionFacts) -> Result<CouponState, OfferError> {
    use CouponEvent as E;
    use CouponState as S;
    let phase = facts.window.phase(facts.at);
    match (state, event) {
        (S::Issued, E::Reserve) => match phase {
            WindowPhase::NotYet => Err(OfferError::NotYetValid),
            WindowPhase::Open => Ok(S::Reserved),
            WindowPhase::Over => Err(OfferError::ValidityOver),
        },
        (S::Reserved, E::Confirm { uses_left: 0 }) => Ok(S::Redeemed),
        (S::Reserved, E::Confirm { .. }) | (S::Reserved, E::Release) => Ok(S::Issued),
        (S::Redeemed, E::ReleaseByReturn) => {
            if !facts.release_on_return {
                Err(OfferError::ReleaseNotAllowed)
            } else if phase == WindowPhase::Over {
                Err(OfferError::ValidityOver)
            } else {
                Ok(S::Issued)
            }
        }
        (S::Issued | S::Reserved, E::Expire) => {
            if phase == WindowPhase::Over {
                Ok(S::Expired)
            } else {
                Err(OfferError::StillValid)
            }
        }
        (S::Issued | S::Reserved, E::Void) => Ok(S::Void),
        (from, event) => Err(OfferError::TransitionNotAllowed { from: from.as_str(), event: event.as_str() }),
    }
}

/// A code's state after an order uses it, with `uses_left` uses left to
/// the buyer afterwards: it is reserved and confirmed in the order's
/// transaction, so a personal code ends redeemed at its last use and
/// issued while uses are left; a shared code stays issued (its uses are
/// counted by the store, see the module's documentation). Refused, as
/// [`transition`] refuses, outside the validity window or from a state
/// that cannot be reserved.
pub fn after_use(
    state: CouponState,
    shared: bool,
    uses_left: u32,
    facts: &TransitionFacts,
) -> Result<CouponState, OfferError> {
    let held = transition(state, CouponEvent::Reserve, facts)?;
    if shared {
        transition(held, CouponEvent::Release, facts)
    } else {
        transition(held, CouponEvent::Confirm { uses_left }, facts)
    }
}

/// A code's state after a full return gives back an order's use of it,
/// when the programme gives coupons back and the coupon is still valid: a
/// redeemed code is issued again, an issued one (uses left, or shared)
/// stays issued. Else why not ([`OfferError::ReleaseNotAllowed`],
/// [`OfferError::ValidityOver`], or an expired or void code's
/// [`OfferError::TransitionNotAllowed`]).
pub fn after_give_back(state: CouponState, facts: &TransitionFacts) -> Result<CouponState, OfferError> {
    match state {
        CouponState::Redeemed => transition(state, CouponEvent::ReleaseByReturn, facts),
        CouponState::Issued => transition(CouponState::Redeemed, CouponEvent::ReleaseByReturn, facts).map(|_| state),
        other => Err(OfferError::TransitionNotAllowed { from: other.as_str(), event: "release_by_return" }),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn facts(day: u32, release_on_return: bool) -> TransitionFacts {
        let window = Window::new(
            Utc.with_ymd_and_hms(2026, 6, 10, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 6, 20, 0, 0, 0).unwrap(),
        )
        .unwrap();
        TransitionFacts { at: Utc.with_ymd_and_hms(2026, 6, day, 12, 0, 0).unwrap(), window, release_on_return }
    }

    #[test]
    fn the_happy_path_and_the_way_back() {
        let f = facts(12, true);
        let held = transition(CouponState::Issued, CouponEvent::Reserve, &f).unwrap();
        assert_eq!(held, CouponState::Reserved);
        assert_eq!(transition(held, CouponEvent::Release, &f).unwrap(), CouponState::Issued);
        let used = transition(held, CouponEvent::Confirm { uses_left: 0 }, &f).unwrap();
        assert_eq!(used, CouponState::Redeemed);
        assert_eq!(transition(held, CouponEvent::Confirm { uses_left: 2 }, &f).unwrap(), CouponState::Issued);
        assert_eq!(transition(used, CouponEvent::ReleaseByReturn, &f).unwrap(), CouponState::Issued);
        assert_eq!(
            transition(used, CouponEvent::Confirm { uses_left: 0 }, &f).unwrap_err(),
            OfferError::TransitionNotAllowed { from: "redeemed", event: "confirm" }
        );
        // Confirmed after the window: the hold was taken in time.
        assert_eq!(transition(held, CouponEvent::Confirm { uses_left: 0 }, &facts(25, true)).unwrap(), used);
    }

    #[test]
    fn a_use_and_its_give_back() {
        let f = facts(12, true);
        assert_eq!(after_use(CouponState::Issued, false, 0, &f), Ok(CouponState::Redeemed));
        assert_eq!(after_use(CouponState::Issued, false, 1, &f), Ok(CouponState::Issued));
        assert_eq!(after_use(CouponState::Issued, true, 0, &f), Ok(CouponState::Issued));
        assert_eq!(after_use(CouponState::Issued, false, 0, &facts(20, true)), Err(OfferError::ValidityOver));
        assert_eq!(after_use(CouponState::Redeemed, false, 0, &f).unwrap_err().code(), "transition_not_allowed");
        assert_eq!(after_give_back(CouponState::Redeemed, &f), Ok(CouponState::Issued));
        assert_eq!(after_give_back(CouponState::Issued, &f), Ok(CouponState::Issued));
        assert_eq!(after_give_back(CouponState::Redeemed, &facts(12, false)), Err(OfferError::ReleaseNotAllowed));
        assert_eq!(after_give_back(CouponState::Issued, &facts(21, true)), Err(OfferError::ValidityOver));
        assert_eq!(after_give_back(CouponState::Void, &f).unwrap_err().code(), "transition_not_allowed");
    }

    #[test]
    fn refusals_say_why() {
        let e = |s, ev, f: &TransitionFacts| transition(s, ev, f).unwrap_err();
        assert_eq!(e(CouponState::Issued, CouponEvent::Reserve, &facts(5, true)), OfferError::NotYetValid);
        assert_eq!(e(CouponState::Issued, CouponEvent::Reserve, &facts(20, true)), OfferError::ValidityOver);
        let used = CouponState::Redeemed;
        assert_eq!(e(used, CouponEvent::ReleaseByReturn, &facts(12, false)), OfferError::ReleaseNotAllowed);
        assert_eq!(e(used, CouponEvent::ReleaseByReturn, &facts(21, true)), OfferError::ValidityOver);
        assert_eq!(e(CouponState::Issued, CouponEvent::Expire, &facts(19, true)), OfferError::StillValid);
        assert_eq!(transition(CouponState::Reserved, CouponEvent::Expire, &facts(20, true)), Ok(CouponState::Expired));
        assert_eq!(transition(CouponState::Reserved, CouponEvent::Void, &facts(1, true)), Ok(CouponState::Void));
        for last in [CouponState::Expired, CouponState::Void] {
            for ev in [CouponEvent::Reserve, CouponEvent::Release, CouponEvent::Void, CouponEvent::Expire] {
                assert_eq!(e(last, ev, &facts(12, true)).code(), "transition_not_allowed");
            }
        }
        assert_eq!(e(CouponState::Redeemed, CouponEvent::Void, &facts(12, true)).code(), "transition_not_allowed");
        let json = serde_json::to_value(CouponEvent::Confirm { uses_left: 0 }).unwrap();
        assert_eq!(json, serde_json::json!({"event": "confirm", "uses_left": 0}));
    }
}

//! Redemption: points for rewards or as payment at the POS.
//!
//! A redemption is first **reserved**: the points are drawn from the lots
//! in draw order (earliest expiry first, never from expired lots) and held
//! until a stated time. A hold does not change the balance, but held points
//! are not available, and a reservation is refused unless the available
//! points (balance − held, unexpired lots only) cover it, so however many
//! reservations are made, the held points never exceed the balance and the
//! balance never goes negative through redemption.
//!
//! A held reservation then becomes exactly one of:
//! - **confirmed** (before the hold ends): the held points are spent;
//! - **cancelled** (any time): the held points go back to their lots;
//! - **expired** (once the hold has ended): the same as cancelled.
//!
//! Held points are protected from lot expiry while the hold lasts, so a
//! confirmation always succeeds. If a lot reached its expiry date in the
//! meantime, points released from it by a cancellation or an expiry do not
//! come back: they expire at once (an `expire` entry), as they would have
//! without the reservation. Any other transition is an error.

use chrono::{DateTime, Utc};
use clientele_kernel::{InvalidValue, Moment, keyword_enum};
use serde::{Deserialize, Serialize};

use crate::error::LoyaltyError;
use crate::ids::{LotId, RedemptionId};
use crate::ledger::{EntryKind, Source};
use crate::lots::{Draft, Wallet, WalletChange};
use crate::text::Reason;
use crate::values::{GrowthDelta, Points, PointsDelta};

keyword_enum! {
    /// Where a reservation is in its life.
    pub enum ReservationState {
        /// Points held, waiting for confirmation.
        Held => "held",
        /// Points spent.
        Confirmed => "confirmed",
        /// Cancelled; points released.
        Cancelled => "cancelled",
        /// The hold ran out; points released.
        Expired => "expired",
    }
}

/// Points drawn from one lot for a reservation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Draw {
    /// The lot.
    pub lot: LotId,
    /// How many points (at least 1).
    pub points: Points,
}

/// A request to reserve points.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RedemptionRequest {
    /// The redemption's id (chosen by the caller).
    pub redemption: RedemptionId,
    /// How many points (at least 1).
    pub points: Points,
    /// What for ("silk scarf", "payment at POS, order 1001").
    pub reason: Reason,
}

/// A reservation of points and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ReservationParts", into = "ReservationParts")]
pub struct Reservation {
    id: RedemptionId,
    points: Points,
    draws: Vec<Draw>,
    reason: Reason,
    reserved_at: DateTime<Utc>,
    hold_until: DateTime<Utc>,
    state: ReservationState,
    closed_at: Option<DateTime<Utc>>,
}

/// The parts of a [`Reservation`], for storing and loading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationParts {
    /// Its id.
    pub id: RedemptionId,
    /// Points reserved.
    pub points: Points,
    /// Where they were drawn from.
    pub draws: Vec<Draw>,
    /// What for.
    pub reason: Reason,
    /// When it was reserved.
    pub reserved_at: DateTime<Utc>,
    /// When the hold ends.
    pub hold_until: DateTime<Utc>,
    /// Its state.
    pub state: ReservationState,
    /// When it left `held` (`None` while held).
    pub closed_at: Option<DateTime<Utc>>,
}

impl Reservation {
    /// Checks a stored reservation: draws of at least one point each adding
    /// up to the points, the hold ending after the reservation, and a close
    /// time exactly when the state is not `held` (code `out_of_range`).
    pub fn from_parts(parts: ReservationParts) -> Result<Reservation, InvalidValue> {
        let invalid = |message: &str| InvalidValue::new("out_of_range", message);
        if parts.draws.iter().any(|draw| draw.points.is_zero()) {
            return Err(invalid("every draw takes at least one point"));
        }
        let drawn: i128 = parts.draws.iter().map(|draw| i128::from(draw.points.get())).sum();
        if parts.points.is_zero() || drawn != i128::from(parts.points.get()) {
            return Err(invalid("the draws must add up to the points reserved"));
        }
        if parts.hold_until <= parts.reserved_at {
            return Err(invalid("the hold must end after the reservation"));
        }
        if (parts.state == ReservationState::Held) != parts.closed_at.is_none() {
            return Err(invalid("a reservation has a close time exactly when it is no longer held"));
        }
        Ok(Reservation {
            id: parts.id,
            points: parts.points,
            draws: parts.draws,
            reason: parts.reason,
            reserved_at: parts.reserved_at,
            hold_until: parts.hold_until,
            state: parts.state,
            closed_at: parts.closed_at,
        })
    }

    /// The parts, for storing.
    pub fn to_parts(&self) -> ReservationParts {
        ReservationParts {
            id: self.id.clone(),
            points: self.points,
            draws: self.draws.clone(),
            reason: self.reason.clone(),
            reserved_at: self.reserved_at,
            hold_until: self.hold_until,
            state: self.state,
            closed_at: self.closed_at,
        }
    }

    /// Its id.
    pub fn id(&self) -> &RedemptionId {
        &self.id
    }

    /// Points reserved.
    pub fn points(&self) -> Points {
        self.points
    }

    /// Where they were drawn from, in draw order.
    pub fn draws(&self) -> &[Draw] {
        &self.draws
    }

    /// What for.
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    /// When it was reserved.
    pub fn reserved_at(&self) -> DateTime<Utc> {
        self.reserved_at
    }

    /// When the hold ends.
    pub fn hold_until(&self) -> DateTime<Utc> {
        self.hold_until
    }

    /// Its state.
    pub fn state(&self) -> ReservationState {
        self.state
    }

    /// When it left `held`.
    pub fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.closed_at
    }

    /// True if the hold has ended at `at` (a held reservation may then be
    /// expired).
    pub fn hold_has_ended(&self, at: DateTime<Utc>) -> bool {
        at >= self.hold_until
    }

    fn closed(&self, state: ReservationState, at: DateTime<Utc>) -> Reservation {
        Reservation { state, closed_at: Some(at), ..self.clone() }
    }
}

impl TryFrom<ReservationParts> for Reservation {
    type Error = InvalidValue;

    fn try_from(parts: ReservationParts) -> Result<Reservation, InvalidValue> {
        Reservation::from_parts(parts)
    }
}

impl From<Reservation> for ReservationParts {
    fn from(reservation: Reservation) -> ReservationParts {
        reservation.to_parts()
    }
}

/// A redemption step worked out: the reservation's new value and what to
/// write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionPosting {
    /// The reservation after the step.
    pub reservation: Reservation,
    /// What to write (lot updates and entries).
    pub change: WalletChange,
}

/// Reserves points: draws them from the available points of unexpired lots
/// in draw order and holds them until `hold_until` (one `redeem_reserve`
/// entry per lot, points delta 0). Refused while the member owes points
/// after a return (`points_in_debt`: a negative balance blocks redemption
/// until earnings repay it), and if fewer points are available than
/// requested (`insufficient_points`).
pub fn reserve_points(
    wallet: &Wallet,
    request: &RedemptionRequest,
    moment: Moment,
    hold_until: DateTime<Utc>,
) -> Result<RedemptionPosting, LoyaltyError> {
    if request.points.is_zero() {
        return Err(InvalidValue::new("out_of_range", "a redemption is at least 1 point").into());
    }
    if hold_until <= moment.at() {
        return Err(LoyaltyError::HoldEndsBeforeItStarts);
    }
    if !wallet.owed().is_zero() {
        return Err(LoyaltyError::PointsInDebt { owed: wallet.owed() });
    }
    let available = wallet.available_on(moment.date());
    if request.points > available {
        return Err(LoyaltyError::InsufficientPoints { requested: request.points, available });
    }
    let source = Source::Redemption(request.redemption.clone());
    let mut draft = Draft::new(wallet, moment);
    let mut draws = Vec::new();
    for (lot, points) in draft.plan_draws(request.points, None) {
        draft.hold(&lot, points)?;
        let reason = Reason::generated(format!("{points} points of lot {lot} held for: {}", request.reason));
        draft.entry(EntryKind::RedeemReserve, PointsDelta::ZERO, GrowthDelta::ZERO, Some(&lot), &source, &reason);
        draws.push(Draw { lot, points });
    }
    let reservation = Reservation::from_parts(ReservationParts {
        id: request.redemption.clone(),
        points: request.points,
        draws,
        reason: request.reason.clone(),
        reserved_at: moment.at(),
        hold_until,
        state: ReservationState::Held,
        closed_at: None,
    })?;
    Ok(RedemptionPosting { reservation, change: draft.finish() })
}

fn check_held(reservation: &Reservation, to: ReservationState) -> Result<(), LoyaltyError> {
    if reservation.state == ReservationState::Held {
        Ok(())
    } else {
        Err(LoyaltyError::IllegalTransition { from: reservation.state, to })
    }
}

/// Confirms a held reservation before its hold ends: the held points are
/// spent (one `redeem_confirm` entry per lot). Growth value is untouched.
pub fn confirm_reservation(
    wallet: &Wallet,
    reservation: &Reservation,
    moment: Moment,
) -> Result<RedemptionPosting, LoyaltyError> {
    check_held(reservation, ReservationState::Confirmed)?;
    if reservation.hold_has_ended(moment.at()) {
        return Err(LoyaltyError::ReservationLapsed);
    }
    let source = Source::Redemption(reservation.id.clone());
    let mut draft = Draft::new(wallet, moment);
    for draw in &reservation.draws {
        draft.spend_held(&draw.lot, draw.points)?;
        let reason =
            Reason::generated(format!("{} points of lot {} spent on: {}", draw.points, draw.lot, reservation.reason));
        draft.entry(
            EntryKind::RedeemConfirm,
            PointsDelta::debit(draw.points),
            GrowthDelta::ZERO,
            Some(&draw.lot),
            &source,
            &reason,
        );
    }
    Ok(RedemptionPosting {
        reservation: reservation.closed(ReservationState::Confirmed, moment.at()),
        change: draft.finish(),
    })
}

fn release(
    wallet: &Wallet,
    reservation: &Reservation,
    moment: Moment,
    to: ReservationState,
    kind: EntryKind,
) -> Result<RedemptionPosting, LoyaltyError> {
    let source = Source::Redemption(reservation.id.clone());
    let mut draft = Draft::new(wallet, moment);
    let mut returned = Vec::new();
    for draw in &reservation.draws {
        draft.release(&draw.lot, draw.points)?;
        let reason = Reason::generated(format!("{} points of lot {} released ({to})", draw.points, draw.lot));
        draft.entry(kind, PointsDelta::ZERO, GrowthDelta::ZERO, Some(&draw.lot), &source, &reason);
        let expired = draft.lot(&draw.lot).is_some_and(|lot| lot.is_expired_on(moment.date()));
        if expired {
            draft.take(&draw.lot, draw.points)?;
            let reason = Reason::generated(format!(
                "{} points of lot {} released after the lot's expiry date",
                draw.points, draw.lot
            ));
            draft.entry(
                EntryKind::Expire,
                PointsDelta::debit(draw.points),
                GrowthDelta::ZERO,
                Some(&draw.lot),
                &Source::Program,
                &reason,
            );
        } else {
            returned.push(draw.lot.clone());
        }
    }
    draft.settle_owed_from(&returned, &source)?;
    Ok(RedemptionPosting { reservation: reservation.closed(to, moment.at()), change: draft.finish() })
}

/// Cancels a held reservation (at any time): the held points go back to
/// their lots, or expire if their lot is past its expiry date.
pub fn cancel_reservation(
    wallet: &Wallet,
    reservation: &Reservation,
    moment: Moment,
) -> Result<RedemptionPosting, LoyaltyError> {
    check_held(reservation, ReservationState::Cancelled)?;
    release(wallet, reservation, moment, ReservationState::Cancelled, EntryKind::RedeemCancel)
}

/// Expires a held reservation whose hold has ended (the job that sweeps
/// stale holds calls this): as a cancellation. Refused before the hold ends.
pub fn expire_reservation(
    wallet: &Wallet,
    reservation: &Reservation,
    moment: Moment,
) -> Result<RedemptionPosting, LoyaltyError> {
    check_held(reservation, ReservationState::Expired)?;
    if !reservation.hold_has_ended(moment.at()) {
        return Err(LoyaltyError::ReservationStillHeld);
    }
    release(wallet, reservation, moment, ReservationState::Expired, EntryKind::RedeemExpire)
}

//! Activity points (campaigns and events) and manual adjustments by a CRM
//! manager.

use clientele_kernel::{Actor, InvalidValue, Moment};
use serde::{Deserialize, Serialize};

use crate::config::ProgramConfig;
use crate::error::LoyaltyError;
use crate::ids::{ActivityId, LotId};
use crate::ledger::{EntryKind, Source};
use crate::lots::{Draft, Wallet, WalletChange};
use crate::text::Reason;
use crate::values::{GrowthDelta, GrowthValue, Points, PointsDelta, Quantity};

/// A grant of activity points: an amount per event, times the number of
/// events (a salon attended, a review written, a referral that joined).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ActivityGrantParts", into = "ActivityGrantParts")]
pub struct ActivityGrant {
    activity: ActivityId,
    points_per_event: Points,
    events: Quantity,
    reason: Reason,
}

/// The serialised form of an [`ActivityGrant`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityGrantParts {
    /// Which grant (campaign or event, and occasion).
    pub activity: ActivityId,
    /// Points per event (at least 1).
    pub points_per_event: Points,
    /// How many events.
    pub events: Quantity,
    /// Why, in words.
    pub reason: Reason,
}

impl ActivityGrant {
    /// Checks that the grant gives at least one point and at most
    /// [`Points::MAX`] in all.
    pub fn new(
        activity: ActivityId,
        points_per_event: Points,
        events: Quantity,
        reason: Reason,
    ) -> Result<ActivityGrant, LoyaltyError> {
        if points_per_event.is_zero() {
            return Err(InvalidValue::new("out_of_range", "an activity grants at least 1 point per event").into());
        }
        Points::from_wide(i128::from(points_per_event.get()) * i128::from(events.get()))?;
        Ok(ActivityGrant { activity, points_per_event, events, reason })
    }

    /// Which grant.
    pub fn activity(&self) -> &ActivityId {
        &self.activity
    }

    /// Points per event.
    pub fn points_per_event(&self) -> Points {
        self.points_per_event
    }

    /// How many events.
    pub fn events(&self) -> Quantity {
        self.events
    }

    /// Why.
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    /// Points granted in all: per event × events.
    pub fn total(&self) -> Points {
        Points::from_wide(i128::from(self.points_per_event.get()) * i128::from(self.events.get()))
            .unwrap_or(Points::MAX)
    }
}

impl TryFrom<ActivityGrantParts> for ActivityGrant {
    type Error = LoyaltyError;

    fn try_from(parts: ActivityGrantParts) -> Result<ActivityGrant, LoyaltyError> {
        ActivityGrant::new(parts.activity, parts.points_per_event, parts.events, parts.reason)
    }
}

impl From<ActivityGrant> for ActivityGrantParts {
    fn from(grant: ActivityGrant) -> ActivityGrantParts {
        ActivityGrantParts {
            activity: grant.activity,
            points_per_event: grant.points_per_event,
            events: grant.events,
            reason: grant.reason,
        }
    }
}

/// Grants activity points: a new lot `lot` of [`ActivityGrant::total`]
/// points, expiring by the program's policy, and one `earn_activity` entry.
/// Points and growth value are earned together (SPEC §4), so the grant adds
/// the same amount of growth value; no tier multiplier applies. Points owed
/// after an earlier return are paid from the new lot first.
pub fn grant_activity_points(
    config: &ProgramConfig,
    wallet: &Wallet,
    grant: &ActivityGrant,
    lot: &LotId,
    moment: Moment,
) -> Result<WalletChange, LoyaltyError> {
    let total = grant.total();
    within_grant_limit(config, "points", total.get())?;
    let growth = GrowthValue::new(total.get())?;
    let source = Source::Activity(grant.activity.clone());
    let mut draft = Draft::new(wallet, moment);
    draft.create_lot(lot, &source, total, config.expiry().expires_on(moment.date()))?;
    draft.add_growth(growth)?;
    let reason = Reason::generated(format!(
        "{} × {} points for activity {}: {}",
        grant.events, grant.points_per_event, grant.activity, grant.reason
    ));
    draft.entry(
        EntryKind::EarnActivity,
        PointsDelta::credit(total),
        GrowthDelta::credit(growth),
        Some(lot),
        &source,
        &reason,
    );
    draft.settle_owed_from(std::slice::from_ref(lot), &source)?;
    Ok(draft.finish())
}

/// Refuses a grant or adjustment beyond the programme's limit per grant.
fn within_grant_limit(config: &ProgramConfig, field: &'static str, amount: i64) -> Result<(), LoyaltyError> {
    let limit = config.limits().max_points_per_grant();
    if amount > limit { Err(LoyaltyError::OverGrantLimit { field, limit }) } else { Ok(()) }
}

/// The points side of a manual adjustment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ManualPoints {
    /// Points untouched (a growth-only correction).
    Unchanged,
    /// Points given, in a new lot expiring by the program's policy.
    Credit {
        /// How many (at least 1).
        points: Points,
        /// The new lot's id.
        lot: LotId,
    },
    /// Points taken, in draw order from available points; refused if the
    /// member does not have them (a manual debit never makes a debt).
    Debit {
        /// How many (at least 1).
        points: Points,
    },
}

/// A manual adjustment by a CRM manager: points and/or growth value, with
/// who and why (both recorded in the ledger).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ManualAdjustment {
    /// The points side.
    pub points: ManualPoints,
    /// The growth value side (signed).
    pub growth: GrowthDelta,
    /// Who.
    pub actor: Actor,
    /// Why.
    pub reason: Reason,
}

/// Applies a manual adjustment (entries of kind `adjust_manual`, source the
/// actor, reason the manager's). Refused when it changes nothing, when a
/// debit exceeds the available points, or when growth would go below zero.
pub fn adjust_manually(
    config: &ProgramConfig,
    wallet: &Wallet,
    adjustment: &ManualAdjustment,
    moment: Moment,
) -> Result<WalletChange, LoyaltyError> {
    let source = Source::Manual(adjustment.actor.clone());
    let reason = &adjustment.reason;
    let growth = adjustment.growth;
    if matches!(adjustment.points, ManualPoints::Unchanged) && growth.is_zero() {
        return Err(LoyaltyError::EmptyAdjustment);
    }
    if let ManualPoints::Credit { points, .. } | ManualPoints::Debit { points } = &adjustment.points {
        within_grant_limit(config, "points", points.get())?;
    }
    within_grant_limit(config, "growth", growth.magnitude()?.get())?;
    let mut draft = Draft::new(wallet, moment);
    if growth.is_negative() {
        let take = growth.magnitude()?;
        if take > wallet.growth() {
            return Err(LoyaltyError::GrowthWouldBeNegative);
        }
        draft.remove_growth(take);
    } else {
        draft.add_growth(growth.magnitude()?)?;
    }
    let at_least_one = |points: Points| {
        if points.is_zero() {
            Err(LoyaltyError::from(InvalidValue::new("out_of_range", "a credit or debit is at least 1 point")))
        } else {
            Ok(points)
        }
    };
    match &adjustment.points {
        ManualPoints::Unchanged => {
            draft.entry(EntryKind::AdjustManual, PointsDelta::ZERO, growth, None, &source, reason);
        }
        ManualPoints::Credit { points, lot } => {
            let points = at_least_one(*points)?;
            draft.create_lot(lot, &source, points, config.expiry().expires_on(moment.date()))?;
            draft.entry(EntryKind::AdjustManual, PointsDelta::credit(points), growth, Some(lot), &source, reason);
            draft.settle_owed_from(std::slice::from_ref(lot), &source)?;
        }
        ManualPoints::Debit { points } => {
            let points = at_least_one(*points)?;
            let available = wallet.available_on(moment.date());
            if points > available {
                return Err(LoyaltyError::InsufficientPoints { requested: points, available });
            }
            for (lot, drawn) in draft.plan_draws(points, None) {
                draft.take(&lot, drawn)?;
                draft.entry(
                    EntryKind::AdjustManual,
                    PointsDelta::debit(drawn),
                    GrowthDelta::ZERO,
                    Some(&lot),
                    &source,
                    reason,
                );
            }
            if !growth.is_zero() {
                draft.entry(EntryKind::AdjustManual, PointsDelta::ZERO, growth, None, &source, reason);
            }
        }
    }
    Ok(draft.finish())
}

//! The loyalty area's request and response shapes: redemptions, points
//! grants and adjustments, the tier floor, the programme, and a member's
//! balance and ledger.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, FieldErrors, InvalidValue};
use clientele_loyalty::{
    ActivityGrant, ActivityId, GrowthDelta, HoldMinutes, ManualAdjustment, ManualPoints, Points, ProgramConfig,
    Quantity, Reason, RedemptionKey, Tier, TierFloorRequest, points_to_redeem,
};
use clientele_store::{LedgerLine, LoyaltySummary, NewRedemption, PointsGrant, StoredRedemption};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;
use crate::routes::shared::{actor_named, bad_cursor};

// ---- redemptions -----------------------------------------------------------------------

/// A reservation of points: at the POS as payment, or for a reward.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRedemptionRequest {
    pub customer_id: Uuid,
    pub points: i64,
    /// What for: "silk scarf", "payment, receipt 1001".
    pub reason: String,
    /// How long the points are held before the hold lapses (1..=1440, default 15).
    pub hold_minutes: Option<u32>,
    /// With `external_id`, makes a retried reservation safe: made once.
    pub source: Option<String>,
    pub external_id: Option<String>,
}

impl CreateRedemptionRequest {
    /// The reservation to make, held from `now`, or every bad field.
    pub fn into_domain(self, now: DateTime<Utc>) -> Result<NewRedemption, ApiError> {
        let req = self;
        let mut e = FieldErrors::new();
        let points = e.check("points", points_to_redeem(req.points));
        let reason = e.check("reason", Reason::parse(&req.reason));
        let hold = e.check("hold_minutes", HoldMinutes::new(req.hold_minutes));
        let key = e.check("external_id", RedemptionKey::from_parts(req.source.as_deref(), req.external_id.as_deref()));
        let (Some(points), Some(reason), Some(hold), Some(key)) = (points, reason, hold, key) else {
            return Err(e.into());
        };
        Ok(NewRedemption {
            customer: CustomerId::from_uuid(req.customer_id),
            points,
            reason,
            hold_until: hold.until(now),
            source: key.as_ref().map(|k| k.source().to_owned()),
            external_id: key.map(|k| k.external_id().to_owned()),
        })
    }
}

/// A redemption and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedemptionView {
    pub id: String,
    pub customer_id: Uuid,
    /// `held`, `confirmed`, `cancelled`, `expired`.
    pub state: String,
    pub points: i64,
    pub reason: String,
    pub reserved_at: DateTime<Utc>,
    pub hold_until: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The lots the points come from, earliest expiry first.
    #[schema(value_type = Vec<Object>)]
    pub draws: serde_json::Value,
    pub source: Option<String>,
    pub external_id: Option<String>,
}

impl RedemptionView {
    pub fn new(r: &StoredRedemption) -> Result<Self, ApiError> {
        let res = &r.reservation;
        Ok(RedemptionView {
            id: res.id().as_str().to_owned(),
            customer_id: r.customer.as_uuid(),
            state: res.state().as_str().to_owned(),
            points: res.points().get(),
            reason: res.reason().as_str().to_owned(),
            reserved_at: res.reserved_at(),
            hold_until: res.hold_until(),
            closed_at: res.closed_at(),
            draws: serde_json::to_value(res.draws()).map_err(|e| ApiError::Internal(e.into()))?,
            source: r.source.clone(),
            external_id: r.external_id.clone(),
        })
    }
}

// ---- points and tiers -----------------------------------------------------------------

/// Activity points or a manual adjustment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsRequest {
    /// `activity` (a campaign or event: points and growth value, in a new lot) or `adjustment` (a correction by hand).
    pub kind: String,
    /// For `activity`: which campaign or event.
    pub activity_id: Option<String>,
    /// For `activity`: points per event (≥ 1); for `adjustment`: points to add (> 0) or take (< 0).
    pub points: i64,
    /// For `activity`: how many events (default 1).
    pub events: Option<u32>,
    /// For `adjustment`: growth value to add or take (default 0).
    pub growth: Option<i64>,
    pub reason: String,
}

impl PointsRequest {
    /// The grant asked for, or every bad field. `key_name` is the actor
    /// of a manual adjustment.
    pub fn into_domain(self, key_name: &str) -> Result<PointsGrant, ApiError> {
        let mut e = FieldErrors::new();
        let reason = e.check("reason", Reason::parse(&self.reason));
        let grant = match self.kind.as_str() {
            "activity" => self.activity(&mut e, reason),
            "adjustment" => self.adjustment(&mut e, reason, key_name)?,
            other => {
                e.push(
                    "kind",
                    InvalidValue::new("invalid_format", format!("unknown kind {other:?}: use activity or adjustment")),
                );
                None
            }
        };
        let Some(grant) = grant.filter(|_| e.is_empty()) else { return Err(e.into()) };
        Ok(grant)
    }

    /// Activity points: per event, times the events, in a new lot.
    fn activity(&self, e: &mut FieldErrors, reason: Option<Reason>) -> Option<PointsGrant> {
        let req = self;
        let activity = match &req.activity_id {
            Some(a) => e.check("activity_id", ActivityId::parse(a)),
            None => {
                e.push("activity_id", InvalidValue::new("required", "required for kind activity"));
                None
            }
        };
        let per_event = e.check("points", Points::new(req.points));
        let events = e.check("events", Quantity::new(req.events.unwrap_or(1)));
        match (activity, per_event, events, reason) {
            (Some(a), Some(p), Some(n), Some(r)) => match ActivityGrant::new(a, p, n, r) {
                Ok(g) => Some(PointsGrant::Activity(g)),
                Err(err) => {
                    e.push("points", InvalidValue::new(err.code(), err.to_string()));
                    None
                }
            },
            _ => None,
        }
    }

    /// A correction by hand: points added (in a new lot) or taken, and growth value.
    fn adjustment(
        &self,
        e: &mut FieldErrors,
        reason: Option<Reason>,
        key_name: &str,
    ) -> Result<Option<PointsGrant>, ApiError> {
        let req = self;
        let points = if req.points > 0 {
            e.check("points", Points::new(req.points)).map(|points| {
                let lot = clientele_loyalty::LotId::parse(&Uuid::now_v7().to_string());
                lot.map(|lot| ManualPoints::Credit { points, lot })
            })
        } else if req.points < 0 {
            e.check(
                "points",
                req.points
                    .checked_neg()
                    .ok_or_else(|| InvalidValue::new("out_of_range", "too large"))
                    .and_then(Points::new),
            )
            .map(|points| Ok(ManualPoints::Debit { points }))
        } else {
            Some(Ok(ManualPoints::Unchanged))
        };
        let growth = GrowthDelta::new(req.growth.unwrap_or(0));
        if growth.magnitude().is_err() {
            e.push("growth", InvalidValue::new("out_of_range", "growth value change too large"));
        }
        Ok(match (points, reason) {
            (Some(Ok(points)), Some(reason)) => {
                Some(PointsGrant::Manual(ManualAdjustment { points, growth, actor: actor_named(key_name)?, reason }))
            }
            _ => None,
        })
    }
}

/// A manual tier floor: the member holds at least `tier` until `until` (inclusive).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierFloorBody {
    /// `S1` … `S6`.
    pub tier: String,
    pub until: NaiveDate,
    /// Why (recorded in the ledger with who set it).
    pub reason: String,
}

impl TierFloorBody {
    /// The floor to set, by the calling key, or every bad field.
    pub fn into_domain(self, key_name: &str) -> Result<TierFloorRequest, ApiError> {
        let req = self;
        let mut e = FieldErrors::new();
        let tier = e.check("tier", req.tier.parse::<Tier>());
        let reason = e.check("reason", Reason::parse(&req.reason));
        let (Some(tier), Some(reason)) = (tier, reason) else { return Err(e.into()) };
        Ok(TierFloorRequest { tier, until: req.until, set_by: actor_named(key_name)?, reason })
    }
}

/// The loyalty programme in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramView {
    /// Increases with every change.
    pub version: i32,
    /// Base currency, earn rate, tier table S1–S6 with benefits, expiry policy, re-qualification window,
    /// `return_shortfall` (a return of points already redeemed: `negative_balance` (default), `cap_at_zero`,
    /// `deduct_from_refund`), `redemption_value_per_point` (optional, base currency).
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

impl ProgramView {
    pub fn new(config: &ProgramConfig, version: i32) -> Result<Self, ApiError> {
        Ok(ProgramView { version, config: serde_json::to_value(config).map_err(|e| ApiError::Internal(e.into()))? })
    }
}

// ---- a member's balance and ledger ---------------------------------------------------

/// Points expiring on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiringView {
    pub expires_on: NaiveDate,
    pub points: i64,
}

/// The next tier and what it takes.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextTierView {
    pub tier: String,
    pub name: String,
    /// Growth value still needed.
    pub growth_needed: i64,
}

/// A member's points, growth value and tier.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoyaltyView {
    pub customer_id: Uuid,
    /// Points in the balance (held ones included).
    pub points: i64,
    /// Points held by open redemptions.
    pub points_held: i64,
    /// Points that can be redeemed now.
    pub points_available: i64,
    /// Points owed after returns (programmes that allow a negative balance).
    pub points_owed: i64,
    pub growth_value: i64,
    /// `S1` … `S6`.
    pub tier: String,
    pub tier_name: String,
    /// Discount rate, multiplier, birthday gift, privileges of the tier.
    #[schema(value_type = Object)]
    pub benefits: serde_json::Value,
    /// A manual tier floor, if one is set.
    #[schema(value_type = Option<Object>)]
    pub tier_floor: Option<serde_json::Value>,
    pub next_tier: Option<NextTierView>,
    /// Points expiring in the next 90 days, by date.
    pub expiring_next_90_days: Vec<ExpiringView>,
}

impl LoyaltyView {
    pub fn new(s: &LoyaltySummary) -> Result<Self, ApiError> {
        let rule = s.config.tiers().rule(s.tier);
        Ok(LoyaltyView {
            customer_id: s.customer.as_uuid(),
            points: s.balance,
            points_held: s.held,
            points_available: s.available,
            points_owed: s.owed,
            growth_value: s.growth_value.get(),
            tier: s.tier.as_str().to_owned(),
            tier_name: rule.name.to_string(),
            benefits: serde_json::to_value(&rule.benefits).map_err(|e| ApiError::Internal(e.into()))?,
            tier_floor: s
                .tier_state
                .floor()
                .map(serde_json::to_value)
                .transpose()
                .map_err(|e| ApiError::Internal(e.into()))?,
            next_tier: s.next_tier.map(|(tier, needed)| NextTierView {
                tier: tier.as_str().to_owned(),
                name: s.config.tiers().rule(tier).name.to_string(),
                growth_needed: needed,
            }),
            expiring_next_90_days: s
                .expiring
                .iter()
                .map(|x| ExpiringView { expires_on: x.expires_on, points: x.points.get() })
                .collect(),
        })
    }
}

/// One ledger entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryView {
    pub entry_no: i64,
    pub at: DateTime<Utc>,
    pub business_date: NaiveDate,
    /// `earn_order`, `earn_activity`, `return`, `redeem_reserve`, `redeem_confirm`, `redeem_cancel`, `redeem_expire`, `expire`, `adjust_manual`, `settle_owed`, `tier_floor_set`, `tier_floor_removed`, `migration` (an opening balance brought from the previous system at go-live: a lot, the growth value or the tier floor kept; source `{"type": "migration"}`).
    pub kind: String,
    pub points: i64,
    pub growth: i64,
    pub points_not_taken: i64,
    pub lot_id: Option<String>,
    #[schema(value_type = Object)]
    pub source: serde_json::Value,
    pub reason: String,
    pub actor: Option<String>,
}

impl LedgerEntryView {
    pub fn new(r: &LedgerLine) -> Self {
        LedgerEntryView {
            entry_no: r.entry_no,
            at: r.at,
            business_date: r.business_date,
            kind: r.kind.clone(),
            points: r.points,
            growth: r.growth,
            points_not_taken: r.points_not_taken,
            lot_id: r.lot_id.clone(),
            source: r.source.clone(),
            reason: r.reason.clone(),
            actor: r.actor.clone(),
        }
    }
}

/// A page of a ledger, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerList {
    pub items: Vec<LedgerEntryView>,
    pub next_cursor: Option<String>,
}

impl LedgerList {
    /// A page of entries; `next` is the entry the next page starts after.
    pub fn new(rows: &[LedgerLine], next: Option<i64>) -> Self {
        LedgerList {
            items: rows.iter().map(LedgerEntryView::new).collect(),
            next_cursor: next.map(|n| URL_SAFE_NO_PAD.encode(format!("l:{n}"))),
        }
    }
}

/// Decodes a ledger cursor.
pub fn parse_ledger_cursor(c: &str) -> Result<i64, ApiError> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(c).map_err(|_| bad_cursor())?).map_err(|_| bad_cursor())?;
    text.strip_prefix("l:").and_then(|n| n.parse::<i64>().ok()).ok_or_else(bad_cursor)
}

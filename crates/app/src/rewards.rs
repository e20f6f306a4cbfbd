//! The rewards catalogue (issue #13): a gift, a service, an event seat or
//! a partner's voucher a member takes for points. Redeeming one is the
//! loyalty redemption's reserve → confirm path — the points held, then
//! spent or given back — with the reward's rules (`clientele_offers`'
//! `check_redemption`) checked under the member's account lock and a unit
//! of stock taken by a conditional update, so stock never goes below zero
//! however many members ask at once. A confirmed reward waits `to_collect`
//! at the store the member chose until it is `collected`; a cancelled or
//! lapsed hold puts its unit back.

use chrono::{DateTime, Utc};
use clientele_kernel::{CustomerId, FieldErrors, InvalidValue, StoreId};
use clientele_loyalty::{PointsBalance, Reason};
use clientele_offers::{
    FulfilmentEvent, FulfilmentState, RedemptionFacts, Reward, RewardRefusal, cancel_fulfilment, check_redemption,
    fulfil,
};
use clientele_profiles::StoreScope;
use clientele_store::offers::{RewardRedemption, StoredReward};
use clientele_store::{
    AuditContext, Conflict, NewAuditEntry, NewRedemption, PgConnection, StoreError, StoredRedemption,
};
use serde_json::json;
use uuid::Uuid;

/// Keeps a reward with its whole stock (audited).
pub fn create_reward(conn: &mut PgConnection, reward: Reward, ctx: &AuditContext) -> Result<StoredReward, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let stored = StoredReward {
            id: Uuid::now_v7(),
            stock_left: reward.stock(),
            reward,
            created_at: ctx.at,
            created_by: ctx.actor_name(),
        };
        clientele_store::offers::insert_reward(tx.conn()?, &stored)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "create",
                entity: "reward",
                entity_id: stored.id.to_string(),
                customer: None,
                changes: json!({ "reward": stored.reward }),
            },
        );
        Ok(stored)
    })
}

/// A reward, or NotFound.
pub fn reward(conn: &mut PgConnection, id: Uuid) -> Result<StoredReward, StoreError> {
    clientele_store::offers::reward(conn, id)?.ok_or(StoreError::NotFound)
}

/// The catalogue, newest first.
pub fn list_rewards(conn: &mut PgConnection, limit: i64) -> Result<Vec<StoredReward>, StoreError> {
    clientele_store::offers::rewards(conn, limit)
}

/// The rewards the member may take now (what the till shows): within
/// their window, in stock, for the member's tier, under the member's
/// limit, and affordable with the points available (`position`, the
/// member's loyalty position) — cheapest first.
pub fn affordable_rewards(
    conn: &mut PgConnection,
    position: &clientele_store::LoyaltySummary,
    at: DateTime<Utc>,
) -> Result<Vec<StoredReward>, StoreError> {
    let taken = clientele_store::offers::member_reward_counts(conn, position.customer)?;
    let mut rewards: Vec<StoredReward> = clientele_store::offers::rewards(conn, 1_000)?
        .into_iter()
        .filter(|r| {
            let facts = RedemptionFacts {
                tier: position.tier,
                available_points: PointsBalance::new(position.available),
                redeemed_by_member: taken.get(&r.id).copied().unwrap_or(0),
                stock_left: r.stock_left,
                at,
            };
            check_redemption(&r.reward, &facts).is_ok()
        })
        .collect();
    rewards.sort_by_key(|r| (r.reward.points_cost(), r.id));
    Ok(rewards)
}

/// A member's request for a reward.
#[derive(Debug, Clone)]
pub struct RewardRequest {
    pub reward: Uuid,
    pub customer: CustomerId,
    /// Where they will collect it (within the caller's stores).
    pub store: Option<StoreId>,
    /// Until when the points are held unless confirmed.
    pub hold_until: DateTime<Utc>,
    /// With `external_id`: a retried request is made once.
    pub source: Option<String>,
    pub external_id: Option<String>,
}

/// A reward redeemed: what was taken, and the redemption holding its points.
#[derive(Debug, Clone)]
pub struct Redeemed {
    pub reward: RewardRedemption,
    pub redemption: StoredRedemption,
    /// The same (source, external id) was redeemed before: this is it.
    pub replayed: bool,
}

fn refused(reason: RewardRefusal) -> StoreError {
    StoreError::Conflict(Conflict::RewardRefused { reason: reason.as_str() })
}

/// Holds the member's points for one of a reward, and a unit of its
/// stock. Refused with the reward's stable codes (409 `reward_*`), the
/// first rule broken: outside its window, out of stock, not for the
/// member's tier, taken as often as allowed, not enough points available.
pub fn redeem_reward(
    conn: &mut PgConnection,
    req: RewardRequest,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<Redeemed, StoreError> {
    clientele_store::transaction(conn, |tx| {
        if let Some(store) = req.store {
            if !scope.covers(Some(store)) {
                return Err(field("store_id", "not_allowed", "this key may only name its own stores"));
            }
            clientele_store::get_store(tx.conn()?, store)
                .map_err(|_| field("store_id", "unknown_reference", "no such store"))?;
        }
        let (config, mut account) = crate::loyalty::lock_member(tx, req.customer, scope, ctx.at)?;
        if let (Some(source), Some(external_id)) = (&req.source, &req.external_id)
            && let Some((customer, id)) = clientele_store::find_redemption_by_key(tx.conn()?, source, external_id)?
        {
            let redemption = clientele_store::load_redemption(tx.conn()?, customer, &id, false)?;
            let reward = clientele_store::offers::reward_redemption(tx.conn()?, &id, false)?
                .filter(|r| r.reward_id == req.reward)
                .ok_or_else(|| field("external_id", "duplicate", "this key was used by another redemption"))?;
            return Ok(Redeemed { reward, redemption, replayed: true });
        }
        let stored = clientele_store::offers::reward(tx.conn()?, req.reward)?.ok_or(StoreError::NotFound)?;
        let date = ctx.at.date_naive();
        let facts = RedemptionFacts {
            tier: account.tier.effective_on(date),
            available_points: PointsBalance::new(account.wallet.available_on(date).get()),
            redeemed_by_member: clientele_store::offers::redeemed_by_member(tx.conn()?, req.customer, stored.id)?,
            stock_left: stored.stock_left,
            at: ctx.at,
        };
        check_redemption(&stored.reward, &facts).map_err(refused)?;
        if !clientele_store::offers::take_stock(tx.conn()?, stored.id)? {
            return Err(refused(RewardRefusal::OutOfStock));
        }
        let reason = Reason::parse(&format!("reward: {}", stored.reward.name()))
            .map_err(|e| StoreError::Corrupt(format!("reward name: {}", e.message)))?;
        let new = NewRedemption {
            customer: req.customer,
            points: stored.reward.points_cost(),
            reason,
            hold_until: req.hold_until,
            source: req.source.clone(),
            external_id: req.external_id.clone(),
        };
        let redemption = crate::loyalty::hold_points(tx, (&config, &mut account), new, ctx)?;
        let reward = RewardRedemption {
            redemption_id: redemption.reservation.id().as_str().to_owned(),
            reward_id: stored.id,
            customer: req.customer,
            store: req.store.map(|s| s.as_uuid()),
            state: "held".to_owned(),
            points: stored.reward.points_cost().get(),
            unit_cost: stored.reward.unit_cost().get(),
            created_at: ctx.at,
            changed_at: ctx.at,
        };
        clientele_store::offers::insert_reward_redemption(tx.conn()?, &reward)?;
        Ok(Redeemed { reward, redemption, replayed: false })
    })
}

fn field(name: &str, code: &'static str, message: &str) -> StoreError {
    StoreError::Invalid(FieldErrors::single(name, InvalidValue::new(code, message)))
}

/// Follows a loyalty redemption that is a reward's: confirmed, the reward
/// waits to be collected; cancelled or lapsed, its unit of stock goes back.
/// Nothing for another redemption, or one already past its hold.
pub(crate) fn follow_redemption(
    conn: &mut PgConnection,
    redemption_id: &str,
    confirmed: bool,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(taken) = clientele_store::offers::reward_redemption(conn, redemption_id, true)? else {
        return Ok(());
    };
    if taken.state != "held" {
        return Ok(());
    }
    if confirmed {
        clientele_store::offers::set_reward_redemption_state(
            conn,
            redemption_id,
            FulfilmentState::ToCollect.as_str(),
            at,
        )
    } else {
        clientele_store::offers::give_back_stock(conn, taken.reward_id)?;
        clientele_store::offers::set_reward_redemption_state(
            conn,
            redemption_id,
            FulfilmentState::Cancelled.as_str(),
            at,
        )
    }
}

/// The member collects a reward at the store (audited): `to_collect` →
/// `collected`. A reward whose points are still held, or that was
/// collected or cancelled, is 409 `reward_state`; a redemption that is no
/// reward's, or out of the caller's scope, is NotFound.
pub fn collect(
    conn: &mut PgConnection,
    redemption_id: &str,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<RewardRedemption, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let taken =
            clientele_store::offers::reward_redemption(tx.conn()?, redemption_id, true)?.ok_or(StoreError::NotFound)?;
        clientele_store::check_visible(tx.conn()?, taken.customer, scope)?;
        let state_of = |s: &str| StoreError::Conflict(Conflict::RewardState { state: s.to_owned() });
        let from: FulfilmentState = taken.state.parse().map_err(|_| state_of(&taken.state))?;
        let to = fulfil(from, FulfilmentEvent::Collect).map_err(|_| state_of(&taken.state))?;
        clientele_store::offers::set_reward_redemption_state(tx.conn()?, redemption_id, to.as_str(), ctx.at)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "collect",
                entity: "reward_redemption",
                entity_id: redemption_id.to_owned(),
                customer: Some(taken.customer),
                changes: json!({ "reward_id": taken.reward_id, "state": [taken.state, to.as_str()] }),
            },
        );
        Ok(RewardRedemption { state: to.as_str().to_owned(), changed_at: ctx.at, ..taken })
    })
}

/// Cancels a confirmed reward not yet collected (audited): `to_collect` →
/// `cancelled`, the points it cost credited back to the member (a new lot
/// expiring by the programme's policy, an `adjust_manual` entry naming the
/// caller; no growth value) and its unit put back in stock. A reward whose
/// points are still held is cancelled with `POST
/// /v1/redemptions/{id}/cancel`; one collected or cancelled is 409
/// `reward_state`.
pub fn cancel_reward(
    conn: &mut PgConnection,
    redemption_id: &str,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<RewardRedemption, StoreError> {
    use clientele_kernel::{Actor, Moment};
    use clientele_loyalty::{GrowthDelta, LotId, ManualAdjustment, ManualPoints, Points, adjust_manually};
    clientele_store::transaction(conn, |tx| {
        let taken =
            clientele_store::offers::reward_redemption(tx.conn()?, redemption_id, true)?.ok_or(StoreError::NotFound)?;
        let state_of = |s: &str| StoreError::Conflict(Conflict::RewardState { state: s.to_owned() });
        let from: FulfilmentState = taken.state.parse().map_err(|_| state_of(&taken.state))?;
        let stored = clientele_store::offers::reward(tx.conn()?, taken.reward_id)?.ok_or(StoreError::NotFound)?;
        let cancellation = cancel_fulfilment(from, &stored.reward).map_err(|_| state_of(&taken.state))?;
        let (config, mut account) = crate::loyalty::lock_member(tx, taken.customer, scope, ctx.at)?;
        let text = |e: clientele_kernel::InvalidValue| StoreError::Corrupt(e.message);
        let adjustment = ManualAdjustment {
            points: ManualPoints::Credit {
                points: Points::new(taken.points).map_err(text)?,
                lot: LotId::parse(&Uuid::now_v7().to_string()).map_err(text)?,
            },
            growth: GrowthDelta::ZERO,
            actor: Actor::parse(&ctx.actor_name()).map_err(text)?,
            reason: Reason::parse(&format!("reward cancelled: {}", stored.reward.name())).map_err(text)?,
        };
        let change = adjust_manually(&config, &account.wallet, &adjustment, Moment::utc(ctx.at))?;
        let actor = ctx.key_name.as_deref();
        clientele_store::write_wallet_change(tx, &mut account, &change, &config, actor, ctx.at)?;
        if cancellation.stock > 0 {
            clientele_store::offers::give_back_stock(tx.conn()?, taken.reward_id)?;
        }
        let to = cancellation.state.as_str();
        clientele_store::offers::set_reward_redemption_state(tx.conn()?, redemption_id, to, ctx.at)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "cancel",
                entity: "reward_redemption",
                entity_id: redemption_id.to_owned(),
                customer: Some(taken.customer),
                changes: json!({ "reward_id": taken.reward_id, "points_back": taken.points, "state": [taken.state, to] }),
            },
        );
        Ok(RewardRedemption { state: to.to_owned(), changed_at: ctx.at, ..taken })
    })
}

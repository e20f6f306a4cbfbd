//! The rewards catalogue in PostgreSQL: rewards with the stock they have
//! left, and each redemption of one. The rules — whether a member may take
//! a reward, what a collection or a cancellation does — are
//! `clientele_offers`'; the stock is taken by a conditional update, so it
//! never goes below zero however many members ask at once.

use chrono::{DateTime, Utc};
use clientele_kernel::CustomerId;
use clientele_offers::Reward;
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::{reward_redemptions, rewards};

/// A reward as kept, with its stock left (None: unlimited).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReward {
    pub id: Uuid,
    pub reward: Reward,
    pub stock_left: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

type RewardRow = (Uuid, serde_json::Value, Option<i32>, DateTime<Utc>, String);

const REWARD_COLUMNS: (
    rewards::id,
    rewards::definition,
    rewards::stock_left,
    rewards::created_at,
    rewards::created_by,
) = (rewards::id, rewards::definition, rewards::stock_left, rewards::created_at, rewards::created_by);

fn reward_from(row: RewardRow) -> Result<StoredReward, StoreError> {
    let (id, definition, stock_left, created_at, created_by) = row;
    Ok(StoredReward {
        id,
        reward: serde_json::from_value(definition).map_err(corrupt("rewards.definition"))?,
        stock_left: stock_left.map(|s| u32::try_from(s).map_err(corrupt("rewards.stock_left"))).transpose()?,
        created_at,
        created_by,
    })
}

/// Keeps a reward, its whole stock left.
pub fn insert_reward(conn: &mut PgConnection, r: &StoredReward) -> Result<(), StoreError> {
    let definition = serde_json::to_value(&r.reward).map_err(corrupt("rewards.definition"))?;
    let stock = r.stock_left.map(|s| i32::try_from(s).map_err(corrupt("rewards.stock_left"))).transpose()?;
    diesel::insert_into(rewards::table)
        .values((
            rewards::id.eq(r.id),
            rewards::definition.eq(definition),
            rewards::stock_left.eq(stock),
            rewards::created_at.eq(r.created_at),
            rewards::created_by.eq(&r.created_by),
        ))
        .execute(conn)?;
    Ok(())
}

/// A reward by id.
pub fn reward(conn: &mut PgConnection, id: Uuid) -> Result<Option<StoredReward>, StoreError> {
    let row: Option<RewardRow> = rewards::table.find(id).select(REWARD_COLUMNS).first(conn).optional()?;
    row.map(reward_from).transpose()
}

/// The catalogue, newest first, at most `limit`.
pub fn rewards(conn: &mut PgConnection, limit: i64) -> Result<Vec<StoredReward>, StoreError> {
    let rows: Vec<RewardRow> = rewards::table
        .order((rewards::created_at.desc(), rewards::id))
        .limit(limit)
        .select(REWARD_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(reward_from).collect()
}

/// Takes one unit of a reward's stock; false when none is left. A reward
/// of unlimited stock always has one.
pub fn take_stock(conn: &mut PgConnection, id: Uuid) -> Result<bool, StoreError> {
    let taken =
        diesel::update(rewards::table.find(id).filter(rewards::stock_left.is_null().or(rewards::stock_left.gt(0))))
            .set(rewards::stock_left.eq(rewards::stock_left - 1))
            .execute(conn)?;
    Ok(taken == 1)
}

/// Puts one unit back (nothing for a reward of unlimited stock).
pub fn give_back_stock(conn: &mut PgConnection, id: Uuid) -> Result<(), StoreError> {
    diesel::update(rewards::table.find(id).filter(rewards::stock_left.is_not_null()))
        .set(rewards::stock_left.eq(rewards::stock_left + 1))
        .execute(conn)?;
    Ok(())
}

/// A redemption of a reward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardRedemption {
    /// The loyalty redemption holding or spending its points.
    pub redemption_id: String,
    pub reward_id: Uuid,
    pub customer: CustomerId,
    /// Where the member collects it.
    pub store: Option<Uuid>,
    /// `held`, `to_collect`, `collected` or `cancelled`.
    pub state: String,
    pub points: i64,
    /// What it costs the brand.
    pub unit_cost: Decimal,
    pub created_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

type RedemptionRow = (String, Uuid, Uuid, Option<Uuid>, String, i64, Decimal, DateTime<Utc>, DateTime<Utc>);

/// Keeps a redemption of a reward.
pub fn insert_reward_redemption(conn: &mut PgConnection, r: &RewardRedemption) -> Result<(), StoreError> {
    diesel::insert_into(reward_redemptions::table)
        .values((
            reward_redemptions::redemption_id.eq(&r.redemption_id),
            reward_redemptions::reward_id.eq(r.reward_id),
            reward_redemptions::customer_id.eq(r.customer.as_uuid()),
            reward_redemptions::store_id.eq(r.store),
            reward_redemptions::state.eq(&r.state),
            reward_redemptions::points.eq(r.points),
            reward_redemptions::unit_cost.eq(r.unit_cost),
            reward_redemptions::created_at.eq(r.created_at),
            reward_redemptions::changed_at.eq(r.changed_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The redemption of a reward that a loyalty redemption is, if any; `lock`
/// holds its row for the rest of the transaction.
pub fn reward_redemption(
    conn: &mut PgConnection,
    redemption_id: &str,
    lock: bool,
) -> Result<Option<RewardRedemption>, StoreError> {
    let query = reward_redemptions::table.find(redemption_id).select((
        reward_redemptions::redemption_id,
        reward_redemptions::reward_id,
        reward_redemptions::customer_id,
        reward_redemptions::store_id,
        reward_redemptions::state,
        reward_redemptions::points,
        reward_redemptions::unit_cost,
        reward_redemptions::created_at,
        reward_redemptions::changed_at,
    ));
    let row: Option<RedemptionRow> =
        if lock { query.for_update().first(conn).optional()? } else { query.first(conn).optional()? };
    Ok(row.map(|(redemption_id, reward_id, customer, store, state, points, unit_cost, created_at, changed_at)| {
        RewardRedemption {
            redemption_id,
            reward_id,
            customer: CustomerId::from_uuid(customer),
            store,
            state,
            points,
            unit_cost,
            created_at,
            changed_at,
        }
    }))
}

/// How many of a reward the member has taken (cancelled ones not counted).
pub fn redeemed_by_member(conn: &mut PgConnection, customer: CustomerId, reward: Uuid) -> Result<u32, StoreError> {
    let n: i64 = reward_redemptions::table
        .filter(reward_redemptions::customer_id.eq(customer.as_uuid()))
        .filter(reward_redemptions::reward_id.eq(reward))
        .filter(reward_redemptions::state.ne("cancelled"))
        .count()
        .get_result(conn)?;
    u32::try_from(n).map_err(corrupt("reward_redemptions"))
}

/// How many of each reward the member has taken (cancelled ones not
/// counted).
pub fn member_reward_counts(
    conn: &mut PgConnection,
    customer: CustomerId,
) -> Result<std::collections::HashMap<Uuid, u32>, StoreError> {
    let rows: Vec<(Uuid, i64)> = reward_redemptions::table
        .filter(reward_redemptions::customer_id.eq(customer.as_uuid()))
        .filter(reward_redemptions::state.ne("cancelled"))
        .group_by(reward_redemptions::reward_id)
        .select((reward_redemptions::reward_id, diesel::dsl::count_star()))
        .load(conn)?;
    rows.into_iter().map(|(id, n)| Ok((id, u32::try_from(n).map_err(corrupt("reward_redemptions"))?))).collect()
}

/// Moves a redemption of a reward to `state`.
pub fn set_reward_redemption_state(
    conn: &mut PgConnection,
    redemption_id: &str,
    state: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(reward_redemptions::table.find(redemption_id))
        .set((reward_redemptions::state.eq(state), reward_redemptions::changed_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

//! Points and tiers: redemptions (reserve → confirm | cancel, and the
//! release of lapsed holds), activity points and manual adjustments, the
//! manual tier floor, a new programme, and the daily expiry, expiry notices
//! and tier re-evaluation. Each change of a member runs in one transaction
//! under the member's account lock (`clientele_store::lock_account`), so
//! however many requests arrive at once, points are checked against the
//! points really there; the rules are `clientele_loyalty`'s.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, Moment};
use clientele_loyalty::{
    LotId, ProgramConfig, RedemptionId, RedemptionRequest, ReservationState, cancel_reservation, confirm_reservation,
    expire_reservation, reserve_points,
};
use clientele_profiles::StoreScope;
use clientele_store::{
    AuditContext, FloorChange, LockedAccount, LoyaltySummary, NewAuditEntry, NewRedemption, PgConnection, PointsGrant,
    RedemptionStep, StoreError, StoredRedemption, Tx, corrupt,
};
use clientele_webhooks::PointsExpiring;
use serde_json::json;
use uuid::Uuid;

/// The programme and the member's account, locked for the rest of the
/// transaction, for a change the caller's scope allows.
pub(crate) fn lock_member(
    tx: &mut Tx<'_>,
    customer: CustomerId,
    scope: &StoreScope,
    at: DateTime<Utc>,
) -> Result<(ProgramConfig, LockedAccount), StoreError> {
    clientele_store::check_writable(tx.conn()?, customer, scope)?;
    let (config, _) = clientele_store::program(tx.conn()?)?;
    let account = clientele_store::lock_account(tx.conn()?, customer, at)?;
    Ok((config, account))
}

/// The audit entry of a change to a member's loyalty account.
fn account_entry(action: &'static str, customer: CustomerId, changes: serde_json::Value) -> NewAuditEntry<'static> {
    NewAuditEntry {
        action,
        entity: "loyalty_account",
        entity_id: customer.to_string(),
        customer: Some(customer),
        changes,
    }
}

/// Reserves points. Refused (`insufficient_points`) when the member's
/// available points — balance minus what other reservations hold — do not
/// cover it. Returns the redemption and whether it was made before.
pub fn reserve(
    conn: &mut PgConnection,
    new: NewRedemption,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<(StoredRedemption, bool), StoreError> {
    clientele_store::transaction(conn, |tx| {
        let (config, mut account) = lock_member(tx, new.customer, scope, ctx.at)?;
        // Checked under the account lock, so a concurrent retry sees the
        // reservation the first request made.
        if let (Some(source), Some(external_id)) = (&new.source, &new.external_id)
            && let Some((customer, id)) = clientele_store::find_redemption_by_key(tx.conn()?, source, external_id)?
        {
            return Ok((clientele_store::load_redemption(tx.conn()?, customer, &id, false)?, true));
        }
        let made = hold_points(tx, (&config, &mut account), new, ctx)?;
        Ok((made, false))
    })
}

/// Holds a member's points for a redemption, under their account lock (the
/// caller's): the ledger entry, the redemption kept, the audit entry.
pub(crate) fn hold_points(
    tx: &mut Tx<'_>,
    (config, account): (&ProgramConfig, &mut LockedAccount),
    new: NewRedemption,
    ctx: &AuditContext,
) -> Result<StoredRedemption, StoreError> {
    let id = RedemptionId::parse(&Uuid::now_v7().to_string()).map_err(corrupt("redemption id"))?;
    let request = RedemptionRequest { redemption: id.clone(), points: new.points, reason: new.reason.clone() };
    let posting = reserve_points(&account.wallet, &request, Moment::utc(ctx.at), new.hold_until)?;
    let actor = ctx.key_name.as_deref();
    clientele_store::write_wallet_change(tx, account, &posting.change, config, actor, ctx.at)?;
    let made = StoredRedemption {
        customer: new.customer,
        reservation: posting.reservation,
        source: new.source,
        external_id: new.external_id,
    };
    clientele_store::insert_redemption(tx, &made, actor)?;
    tx.audit(
        ctx,
        NewAuditEntry {
            action: "reserve",
            entity: "redemption",
            entity_id: id.as_str().to_owned(),
            customer: Some(made.customer),
            changes: json!({ "points": made.reservation.points() }),
        },
    );
    Ok(made)
}

/// Confirms or cancels a redemption.
pub fn settle(
    conn: &mut PgConnection,
    id: &str,
    step: RedemptionStep,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<StoredRedemption, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let customer = clientele_store::redemption_owner(tx.conn()?, id, scope)?;
        let (config, _) = clientele_store::program(tx.conn()?)?;
        let mut account = clientele_store::lock_account(tx.conn()?, customer, ctx.at)?;
        let mut stored = clientele_store::load_redemption(tx.conn()?, customer.as_uuid(), id, true)?;
        let moment = Moment::utc(ctx.at);
        let (posting, action) = match step {
            RedemptionStep::Confirm => (confirm_reservation(&account.wallet, &stored.reservation, moment)?, "confirm"),
            RedemptionStep::Cancel => (cancel_reservation(&account.wallet, &stored.reservation, moment)?, "cancel"),
        };
        let actor = ctx.key_name.as_deref();
        clientele_store::write_wallet_change(tx, &mut account, &posting.change, &config, actor, ctx.at)?;
        clientele_store::save_reservation(tx.conn()?, customer, &posting.reservation)?;
        crate::rewards::follow_redemption(tx.conn()?, id, step == RedemptionStep::Confirm, ctx.at)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action,
                entity: "redemption",
                entity_id: id.to_owned(),
                customer: Some(customer),
                changes: json!({ "points": posting.reservation.points() }),
            },
        );
        stored.reservation = posting.reservation;
        Ok(stored)
    })
}

/// Releases every reservation whose hold ended before `now` (the job), at
/// most `limit`, each in its own transaction. Returns how many were released.
pub fn expire_lapsed_reservations(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<usize, StoreError> {
    let mut released = 0;
    for (customer, id) in clientele_store::lapsed_reservations(conn, now, limit)? {
        clientele_store::transaction(conn, |tx| {
            let (config, _) = clientele_store::program(tx.conn()?)?;
            let mut account = clientele_store::lock_account(tx.conn()?, customer, now)?;
            let stored = clientele_store::load_redemption(tx.conn()?, customer.as_uuid(), &id, true)?;
            if stored.reservation.state() != ReservationState::Held {
                return Ok(());
            }
            let posting = expire_reservation(&account.wallet, &stored.reservation, Moment::utc(now))?;
            clientele_store::write_wallet_change(tx, &mut account, &posting.change, &config, Some("system"), now)?;
            clientele_store::save_reservation(tx.conn()?, customer, &posting.reservation)?;
            crate::rewards::follow_redemption(tx.conn()?, &id, false, now)?;
            released += 1;
            Ok(())
        })?;
    }
    Ok(released)
}

/// Grants activity points or applies a manual adjustment; answers the
/// member's position after it.
pub fn grant_points(
    conn: &mut PgConnection,
    customer: CustomerId,
    grant: PointsGrant,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<LoyaltySummary, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let (config, mut account) = lock_member(tx, customer, scope, ctx.at)?;
        let moment = Moment::utc(ctx.at);
        let (change, action) = match &grant {
            PointsGrant::Activity(g) => {
                let lot = LotId::parse(&Uuid::now_v7().to_string()).map_err(corrupt("lot id"))?;
                let change = clientele_loyalty::grant_activity_points(&config, &account.wallet, g, &lot, moment)?;
                (change, "grant_activity_points")
            }
            PointsGrant::Manual(m) => {
                (clientele_loyalty::adjust_manually(&config, &account.wallet, m, moment)?, "adjust_points")
            }
        };
        let actor = ctx.key_name.as_deref();
        clientele_store::write_wallet_change(tx, &mut account, &change, &config, actor, ctx.at)?;
        let changes = json!({ "points_delta": change.points_delta(), "growth_delta": change.growth_delta() });
        tx.audit(ctx, account_entry(action, customer, changes));
        clientele_store::summary_of(&config, &account, ctx.at.date_naive())
    })
}

/// Sets or removes a member's manual tier floor; the ledger records who and
/// why.
pub fn set_tier_floor(
    conn: &mut PgConnection,
    customer: CustomerId,
    change: FloorChange,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<LoyaltySummary, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let (config, mut account) = lock_member(tx, customer, scope, ctx.at)?;
        let moment = Moment::utc(ctx.at);
        let (posting, action) = match &change {
            FloorChange::Set(request) => {
                (clientele_loyalty::set_tier_floor(&account.tier, request, moment)?, "set_tier_floor")
            }
            FloorChange::Remove { by, why } => {
                (clientele_loyalty::remove_tier_floor(&account.tier, by, why, moment)?, "remove_tier_floor")
            }
        };
        clientele_store::write_ledger_entry(tx, customer, &posting.entry, ctx.key_name.as_deref())?;
        account.tier = posting.update.state;
        clientele_store::save_account(tx, &account, moment.date(), ctx.at)?;
        if let Some(c) = &posting.update.change {
            tx.emit(&clientele_store::tier_changed(customer, c), ctx.at)?;
        }
        tx.audit(ctx, account_entry(action, customer, json!({ "tier_floor": account.tier.floor() })));
        clientele_store::summary_of(&config, &account, moment.date())
    })
}

/// Replaces the programme; returns its new version. Refused
/// (`base_currency_locked`) when it changes the base currency while orders
/// exist: they are stored and valued in it. Tiers are re-evaluated after
/// it by [`reevaluate_tiers_if_pending`] (the caller's, and the job's).
pub fn save_program(conn: &mut PgConnection, config: &ProgramConfig, ctx: &AuditContext) -> Result<i32, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let (old, version) = clientele_store::lock_program(tx.conn()?)?;
        if old.base_currency() != config.base_currency() {
            let orders_exist = clientele_store::orders_exist_settled(tx.conn()?)?;
            old.check_replacement(config, orders_exist)?;
        }
        let new_version = version + 1;
        clientele_store::write_program(tx.conn()?, config, new_version, ctx)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "update",
                entity: "loyalty_program",
                entity_id: "1".to_owned(),
                customer: None,
                changes: json!({ "config": { "old": old, "new": config }, "version": { "old": version, "new": new_version } }),
            },
        );
        Ok(new_version)
    })
}

/// Expires the lots that ended before `as_of` (their last usable day is
/// before it), member by member. Returns (members touched, points expired).
pub fn expire_points(conn: &mut PgConnection, as_of: NaiveDate, at: DateTime<Utc>) -> Result<(usize, i64), StoreError> {
    let (mut members, mut points) = (0, 0i64);
    let moment = Moment::new(at, as_of).map_err(corrupt("as-of date"))?;
    for customer in clientele_store::members_with_expired_lots(conn, as_of)? {
        clientele_store::transaction(conn, |tx| {
            let (config, _) = clientele_store::program(tx.conn()?)?;
            let mut account = clientele_store::lock_account(tx.conn()?, customer, at)?;
            let change = clientele_loyalty::expire_lots(&account.wallet, moment)?;
            if change.entries().is_empty() {
                return Ok(());
            }
            points -= change.points_delta().get();
            members += 1;
            clientele_store::write_wallet_change(tx, &mut account, &change, &config, Some("system"), at).map(|_| ())
        })?;
    }
    Ok((members, points))
}

/// Tells members, once per lot, that points expire within `days` days: one
/// `points.expiring` event per member and expiry date. Returns how many
/// events were written.
pub fn announce_expiring_points(
    conn: &mut PgConnection,
    today: NaiveDate,
    days: i64,
    at: DateTime<Utc>,
) -> Result<usize, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let last = today + chrono::Duration::days(days);
        let due = clientele_store::take_expiring_unannounced(tx.conn()?, today, last, at)?;
        for (customer, expires_on, points) in &due {
            let expiring = PointsExpiring { customer_id: customer.as_uuid(), points: *points, expires_on: *expires_on };
            tx.emit(&expiring.into(), at)?;
        }
        Ok(due.len())
    })
}

/// Re-evaluates every member's tier under the programme in force (after
/// its tier table changed), one member per transaction. Returns how many
/// members changed tier.
pub fn reevaluate_tiers(conn: &mut PgConnection, today: NaiveDate, at: DateTime<Utc>) -> Result<usize, StoreError> {
    let mut changed = 0;
    let mut after = None;
    loop {
        let page = clientele_store::accounts_after(conn, after, 500)?;
        let Some(last) = page.last().copied() else { break };
        after = Some(last);
        for customer in page {
            clientele_store::transaction(conn, |tx| {
                let (config, _) = clientele_store::program(tx.conn()?)?;
                let mut account = clientele_store::lock_account(tx.conn()?, customer, at)?;
                let growth = account.wallet.growth();
                let qualifying = clientele_store::qualifying_growth(tx.conn()?, &config, customer, growth, today)?;
                let update = clientele_loyalty::tier_under_new_table(&config, &account.tier, qualifying, today);
                if update.state != account.tier {
                    account.tier = update.state;
                    clientele_store::save_account(tx, &account, today, at)?;
                }
                if let Some(c) = &update.change {
                    changed += 1;
                    tx.emit(&clientele_store::tier_changed(customer, c), at)?;
                }
                Ok(())
            })?;
        }
    }
    Ok(changed)
}

/// Re-evaluates every member's tier if the programme was saved since the
/// last complete re-evaluation, and records the version it finished under.
/// Run after a save and by the loyalty job, so one that failed or was cut
/// short is retried. Returns how many members changed tier, None when
/// nothing was pending.
pub fn reevaluate_tiers_if_pending(
    conn: &mut PgConnection,
    today: NaiveDate,
    at: DateTime<Utc>,
) -> Result<Option<usize>, StoreError> {
    let Some((version, evaluated)) = clientele_store::tiers_pending(conn)? else { return Ok(None) };
    tracing::info!(version, evaluated, "re-evaluating tiers under the programme");
    let changed = reevaluate_tiers(conn, today, at)?;
    clientele_store::mark_tiers_evaluated(conn, version)?;
    Ok(Some(changed))
}

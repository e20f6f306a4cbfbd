//! Redemptions of points: reserve → confirm | cancel | expire. Every step
//! runs under the member's account lock, so however many requests arrive at
//! once, the available points are checked against the points really there.

use chrono::{DateTime, Utc};
use clientele_kernel::{CustomerId, Moment};
use clientele_loyalty::{
    Points, Reason, RedemptionId, RedemptionRequest, Reservation, ReservationState, cancel_reservation,
    confirm_reservation, expire_reservation, reserve_points,
};
use clientele_profiles::StoreScope;
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::access::{check_visible, check_writable};
use crate::audit::{self, AuditContext};
use crate::batch::Batch;
use crate::error::{StoreError, corrupt};
use crate::loyalty::{lock_account, program, write_change, write_change_into};
use crate::schema::{redemption_index, redemption_keys, redemptions};

/// A redemption and whose it is.
#[derive(Debug, Clone)]
pub struct StoredRedemption {
    pub customer: CustomerId,
    pub reservation: Reservation,
    pub source: Option<String>,
    pub external_id: Option<String>,
}

/// What to reserve.
#[derive(Debug, Clone)]
pub struct NewRedemption {
    pub customer: CustomerId,
    pub points: Points,
    pub reason: Reason,
    /// How long the points are held before the hold lapses.
    pub hold_until: DateTime<Utc>,
    /// With `external_id`: a retried reservation is made once.
    pub source: Option<String>,
    pub external_id: Option<String>,
}

fn load(conn: &mut PgConnection, customer: Uuid, id: &str, lock: bool) -> Result<StoredRedemption, StoreError> {
    let query = redemptions::table.find((customer, id)).select((
        redemptions::reservation,
        redemptions::source,
        redemptions::external_id,
    ));
    let row: Option<(Value, Option<String>, Option<String>)> =
        if lock { query.for_update().first(conn).optional()? } else { query.first(conn).optional()? };
    let (reservation, source, external_id) = row.ok_or(StoreError::NotFound)?;
    Ok(StoredRedemption {
        customer: CustomerId::from_uuid(customer),
        reservation: serde_json::from_value(reservation).map_err(corrupt("redemptions.reservation"))?,
        source,
        external_id,
    })
}

fn save(conn: &mut PgConnection, customer: CustomerId, r: &Reservation) -> Result<(), StoreError> {
    diesel::update(redemptions::table.find((customer.as_uuid(), r.id().as_str())))
        .set((
            redemptions::state.eq(r.state().as_str()),
            redemptions::closed_at.eq(r.closed_at()),
            redemptions::reservation.eq(serde_json::to_value(r)?),
        ))
        .execute(conn)?;
    Ok(())
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
    conn.transaction(|conn| {
        check_writable(conn, new.customer, scope)?;
        let (config, _) = program(conn)?;
        let mut account = lock_account(conn, new.customer, ctx.at)?;
        // Checked under the account lock, so a concurrent retry sees the
        // reservation the first request made.
        if let (Some(source), Some(external_id)) = (&new.source, &new.external_id) {
            let existing: Option<(Uuid, String)> = redemption_keys::table
                .find((source, external_id))
                .select((redemption_keys::customer_id, redemption_keys::redemption_id))
                .first(conn)
                .optional()?;
            if let Some((customer, id)) = existing {
                return Ok((load(conn, customer, &id, false)?, true));
            }
        }
        let id = RedemptionId::parse(&Uuid::now_v7().to_string()).map_err(corrupt("redemption id"))?;
        let request = RedemptionRequest { redemption: id.clone(), points: new.points, reason: new.reason.clone() };
        let posting = reserve_points(&account.wallet, &request, Moment::utc(ctx.at), new.hold_until)?;
        let mut batch = Batch::new();
        write_change_into(conn, &mut batch, &mut account, &posting.change, &config, ctx.key_name.as_deref(), ctx.at)?;
        let r = &posting.reservation;
        diesel::insert_into(redemptions::table)
            .values((
                redemptions::customer_id.eq(new.customer.as_uuid()),
                redemptions::redemption_id.eq(id.as_str()),
                redemptions::state.eq(r.state().as_str()),
                redemptions::points.eq(r.points().get()),
                redemptions::reason.eq(r.reason().as_str()),
                redemptions::reserved_at.eq(r.reserved_at()),
                redemptions::hold_until.eq(r.hold_until()),
                redemptions::reservation.eq(serde_json::to_value(r)?),
                redemptions::source.eq(&new.source),
                redemptions::external_id.eq(&new.external_id),
                redemptions::created_by.eq(&ctx.key_name),
            ))
            .execute(conn)?;
        diesel::insert_into(redemption_index::table)
            .values((
                redemption_index::redemption_id.eq(id.as_str()),
                redemption_index::customer_id.eq(new.customer.as_uuid()),
            ))
            .execute(conn)?;
        if let (Some(source), Some(external_id)) = (&new.source, &new.external_id) {
            diesel::insert_into(redemption_keys::table)
                .values((
                    redemption_keys::source.eq(source),
                    redemption_keys::external_id.eq(external_id),
                    redemption_keys::customer_id.eq(new.customer.as_uuid()),
                    redemption_keys::redemption_id.eq(id.as_str()),
                ))
                .execute(conn)?;
        }
        audit::record_into(
            &mut batch,
            ctx,
            "reserve",
            "redemption",
            id.as_str(),
            Some(new.customer),
            json!({ "points": r.points() }),
        );
        batch.execute(conn)?;
        Ok((
            StoredRedemption {
                customer: new.customer,
                reservation: r.clone(),
                source: new.source,
                external_id: new.external_id,
            },
            false,
        ))
    })
}

/// What to do with a held reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedemptionStep {
    Confirm,
    Cancel,
}

/// Confirms or cancels a redemption.
pub fn settle(
    conn: &mut PgConnection,
    id: &str,
    step: RedemptionStep,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<StoredRedemption, StoreError> {
    conn.transaction(|conn| {
        let customer: Uuid = redemption_index::table
            .find(id)
            .select(redemption_index::customer_id)
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
        let customer_id = CustomerId::from_uuid(customer);
        match check_visible(conn, customer_id, scope) {
            Ok(()) | Err(StoreError::Merged { .. }) => {}
            Err(e) => return Err(e),
        }
        let (config, _) = program(conn)?;
        let mut account = lock_account(conn, customer_id, ctx.at)?;
        let mut stored = load(conn, customer, id, true)?;
        let moment = Moment::utc(ctx.at);
        let posting = match step {
            RedemptionStep::Confirm => confirm_reservation(&account.wallet, &stored.reservation, moment)?,
            RedemptionStep::Cancel => cancel_reservation(&account.wallet, &stored.reservation, moment)?,
        };
        let mut batch = Batch::new();
        write_change_into(conn, &mut batch, &mut account, &posting.change, &config, ctx.key_name.as_deref(), ctx.at)?;
        save(conn, customer_id, &posting.reservation)?;
        let action = match step {
            RedemptionStep::Confirm => "confirm",
            RedemptionStep::Cancel => "cancel",
        };
        audit::record_into(
            &mut batch,
            ctx,
            action,
            "redemption",
            id,
            Some(customer_id),
            json!({ "points": posting.reservation.points() }),
        );
        batch.execute(conn)?;
        stored.reservation = posting.reservation;
        Ok(stored)
    })
}

/// One redemption.
pub fn get_redemption(conn: &mut PgConnection, id: &str, scope: &StoreScope) -> Result<StoredRedemption, StoreError> {
    let customer: Uuid = redemption_index::table
        .find(id)
        .select(redemption_index::customer_id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    match check_visible(conn, CustomerId::from_uuid(customer), scope) {
        Ok(()) | Err(StoreError::Merged { .. }) => {}
        Err(e) => return Err(e),
    }
    load(conn, customer, id, false)
}

/// Releases every reservation whose hold ended before `now` (the job).
/// Returns how many were released.
pub fn expire_lapsed_reservations(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<usize, StoreError> {
    let due: Vec<(Uuid, String)> = redemptions::table
        .filter(redemptions::state.eq(ReservationState::Held.as_str()))
        .filter(redemptions::hold_until.le(now))
        .order(redemptions::hold_until.asc())
        .limit(limit)
        .select((redemptions::customer_id, redemptions::redemption_id))
        .load(conn)?;
    let mut released = 0;
    for (customer, id) in due {
        conn.transaction(|conn| {
            let customer_id = CustomerId::from_uuid(customer);
            let (config, _) = program(conn)?;
            let mut account = lock_account(conn, customer_id, now)?;
            let stored = load(conn, customer, &id, true)?;
            if stored.reservation.state() != ReservationState::Held {
                return Ok::<_, StoreError>(());
            }
            let posting = expire_reservation(&account.wallet, &stored.reservation, Moment::utc(now))?;
            write_change(conn, &mut account, &posting.change, &config, Some("system"), now)?;
            save(conn, customer_id, &posting.reservation)?;
            released += 1;
            Ok(())
        })?;
    }
    Ok(released)
}

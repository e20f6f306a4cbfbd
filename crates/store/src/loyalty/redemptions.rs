//! Redemptions of points as stored: reserve → confirm | cancel | expire.
//! The steps (`clientele_app::loyalty`) run under the member's account
//! lock, so however many requests arrive at once, the available points are
//! checked against the points really there.

use chrono::{DateTime, Utc};
use clientele_kernel::CustomerId;
use clientele_loyalty::{Points, Reason, Reservation, ReservationState};
use clientele_profiles::StoreScope;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::access::check_visible;
use crate::error::{StoreError, corrupt};
use crate::schema::{redemption_index, redemption_keys, redemptions};
use crate::tx::Tx;

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

/// One redemption of a customer; `lock` holds its row for the rest of the
/// transaction.
pub fn load_redemption(
    conn: &mut PgConnection,
    customer: Uuid,
    id: &str,
    lock: bool,
) -> Result<StoredRedemption, StoreError> {
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

/// Stores a reservation's new state.
pub fn save_reservation(conn: &mut PgConnection, customer: CustomerId, r: &Reservation) -> Result<(), StoreError> {
    diesel::update(redemptions::table.find((customer.as_uuid(), r.id().as_str())))
        .set((
            redemptions::state.eq(r.state().as_str()),
            redemptions::closed_at.eq(r.closed_at()),
            redemptions::reservation.eq(serde_json::to_value(r)?),
        ))
        .execute(conn)?;
    Ok(())
}

/// The redemption made before under (source, external id): its customer
/// and id.
pub fn find_redemption_by_key(
    conn: &mut PgConnection,
    source: &str,
    external_id: &str,
) -> Result<Option<(Uuid, String)>, StoreError> {
    Ok(redemption_keys::table
        .find((source, external_id))
        .select((redemption_keys::customer_id, redemption_keys::redemption_id))
        .first(conn)
        .optional()?)
}

/// Writes a new reservation (with the writes of the unit of work).
pub fn insert_redemption(tx: &mut Tx<'_>, made: &StoredRedemption, created_by: Option<&str>) -> Result<(), StoreError> {
    let (customer, r) = (made.customer.as_uuid(), &made.reservation);
    let batch = tx.writes();
    batch.insert(
        "redemptions",
        &[
            "customer_id",
            "redemption_id",
            "state",
            "points",
            "reason",
            "reserved_at",
            "hold_until",
            "reservation",
            "source",
            "external_id",
            "created_by",
        ],
        vec![vec![
            customer.into(),
            r.id().as_str().into(),
            r.state().as_str().into(),
            r.points().get().into(),
            r.reason().as_str().into(),
            r.reserved_at().into(),
            r.hold_until().into(),
            serde_json::to_value(r)?.into(),
            made.source.clone().into(),
            made.external_id.clone().into(),
            created_by.into(),
        ]],
        "",
    );
    batch.insert(
        "redemption_index",
        &["redemption_id", "customer_id"],
        vec![vec![r.id().as_str().into(), customer.into()]],
        "",
    );
    if let (Some(source), Some(external_id)) = (&made.source, &made.external_id) {
        batch.insert(
            "redemption_keys",
            &["source", "external_id", "customer_id", "redemption_id"],
            vec![vec![source.clone().into(), external_id.clone().into(), customer.into(), r.id().as_str().into()]],
            "",
        );
    }
    Ok(())
}

/// Whose a redemption is, if the caller may see that customer (a merged
/// customer's redemptions stay reachable).
pub fn redemption_owner(conn: &mut PgConnection, id: &str, scope: &StoreScope) -> Result<CustomerId, StoreError> {
    let customer: Uuid = redemption_index::table
        .find(id)
        .select(redemption_index::customer_id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    let customer = CustomerId::from_uuid(customer);
    match check_visible(conn, customer, scope) {
        Ok(()) | Err(StoreError::Merged { .. }) => Ok(customer),
        Err(e) => Err(e),
    }
}

/// What to do with a held reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedemptionStep {
    Confirm,
    Cancel,
}

/// One redemption.
pub fn get_redemption(conn: &mut PgConnection, id: &str, scope: &StoreScope) -> Result<StoredRedemption, StoreError> {
    let customer = redemption_owner(conn, id, scope)?;
    load_redemption(conn, customer.as_uuid(), id, false)
}

/// The reservations whose hold ended by `now`, oldest first: (customer, id).
pub fn lapsed_reservations(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(CustomerId, String)>, StoreError> {
    let due: Vec<(Uuid, String)> = redemptions::table
        .filter(redemptions::state.eq(ReservationState::Held.as_str()))
        .filter(redemptions::hold_until.le(now))
        .order(redemptions::hold_until.asc())
        .limit(limit)
        .select((redemptions::customer_id, redemptions::redemption_id))
        .load(conn)?;
    Ok(due.into_iter().map(|(c, id)| (CustomerId::from_uuid(c), id)).collect())
}

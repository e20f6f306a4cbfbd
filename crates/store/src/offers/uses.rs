//! Each use of a coupon code by an order, and a use given back when the
//! order is returned in full. Whether a code may be used or given back is
//! `clientele_offers`' rule; these are the facts it changes, under the
//! code's row lock.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use clientele_offers::{CouponCode, CouponState};
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{StoredCode, StoredCoupon, presented};
use crate::error::{StoreError, corrupt};
use crate::schema::{coupon_codes, coupon_uses};

/// Locks these codes' rows until the transaction ends, in code order (two
/// orders presenting the same codes never wait on each other in a circle).
/// What the transaction reads of them afterwards is what it may change: a
/// second order with the same single-use code waits here, then sees it
/// redeemed.
pub fn lock_codes(conn: &mut PgConnection, codes: &[CouponCode]) -> Result<(), StoreError> {
    if codes.is_empty() {
        return Ok(());
    }
    let texts: Vec<&str> = codes.iter().map(CouponCode::as_str).collect();
    let _: Vec<String> = coupon_codes::table
        .filter(coupon_codes::code.eq_any(texts))
        .order(coupon_codes::code)
        .select(coupon_codes::code)
        .for_update()
        .load(conn)?;
    Ok(())
}

/// One use of a code by an order, to record.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeUse<'a> {
    pub code: &'a CouponCode,
    /// The buyer (the anonymous id for a walk-in).
    pub customer: Uuid,
    pub order_id: Uuid,
    /// What the code took off the order, in the base currency.
    pub discount: Decimal,
    /// The code's state after this use (`redeemed` at its last).
    pub state_after: CouponState,
    pub at: DateTime<Utc>,
}

/// Records a use: its row, and the code's count of uses up by one with its
/// state after.
pub fn record_use(conn: &mut PgConnection, u: &CodeUse<'_>) -> Result<(), StoreError> {
    diesel::insert_into(coupon_uses::table)
        .values((
            coupon_uses::code.eq(u.code.as_str()),
            coupon_uses::customer_id.eq(u.customer),
            coupon_uses::order_id.eq(u.order_id),
            coupon_uses::discount.eq(u.discount),
            coupon_uses::used_at.eq(u.at),
        ))
        .execute(conn)?;
    diesel::update(coupon_codes::table.find(u.code.as_str()))
        .set((
            coupon_codes::uses.eq(coupon_codes::uses + 1),
            coupon_codes::state.eq(u.state_after.as_str()),
            coupon_codes::changed_at.eq(u.at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A code an order used, as the order shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCouponUse {
    /// Canonical.
    pub code: String,
    /// As it was issued (what the customer was given).
    pub shown_as: String,
    pub coupon_id: Uuid,
    /// What it took off the order, in the base currency.
    pub discount: Decimal,
    pub used_at: DateTime<Utc>,
    /// When a full return gave the use back.
    pub released_at: Option<DateTime<Utc>>,
}

type UseRow = (Uuid, String, String, Uuid, Decimal, DateTime<Utc>, Option<DateTime<Utc>>);

/// The codes each of these orders used, in the order they were presented.
pub fn order_uses(
    conn: &mut PgConnection,
    order_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<OrderCouponUse>>, StoreError> {
    let rows: Vec<UseRow> = coupon_uses::table
        .inner_join(coupon_codes::table)
        .filter(coupon_uses::order_id.eq_any(order_ids))
        .order((coupon_uses::order_id, coupon_uses::used_at, coupon_uses::code))
        .select((
            coupon_uses::order_id,
            coupon_uses::code,
            coupon_codes::shown_as,
            coupon_codes::coupon_id,
            coupon_uses::discount,
            coupon_uses::used_at,
            coupon_uses::released_at,
        ))
        .load(conn)?;
    let mut uses: HashMap<Uuid, Vec<OrderCouponUse>> = HashMap::new();
    for (order_id, code, shown_as, coupon_id, discount, used_at, released_at) in rows {
        let seen = OrderCouponUse { code, shown_as, coupon_id, discount, used_at, released_at };
        uses.entry(order_id).or_default().push(seen);
    }
    Ok(uses)
}

/// The uses of an order not given back yet, each with its code and coupon,
/// the codes locked (see [`lock_codes`]).
pub fn uses_to_give_back(
    conn: &mut PgConnection,
    order_id: Uuid,
) -> Result<Vec<(StoredCode, StoredCoupon)>, StoreError> {
    let texts: Vec<String> = coupon_uses::table
        .filter(coupon_uses::order_id.eq(order_id))
        .filter(coupon_uses::released_at.is_null())
        .select(coupon_uses::code)
        .load(conn)?;
    let codes: Vec<CouponCode> = texts
        .iter()
        .map(|t| clientele_offers::normalize(t).map_err(corrupt("coupon_uses.code")))
        .collect::<Result<_, _>>()?;
    lock_codes(conn, &codes)?;
    let mut found = presented(conn, &codes)?;
    codes.iter().map(|c| found.remove(c).ok_or_else(|| StoreError::Corrupt(format!("coupon code {c} lost")))).collect()
}

/// Gives an order's use of a code back: the use is marked released, the
/// code's count goes down by one and it takes `state_after`.
pub fn give_back_use(
    conn: &mut PgConnection,
    (code, order_id): (&CouponCode, Uuid),
    state_after: CouponState,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(
        coupon_uses::table
            .filter(coupon_uses::code.eq(code.as_str()))
            .filter(coupon_uses::order_id.eq(order_id))
            .filter(coupon_uses::released_at.is_null()),
    )
    .set(coupon_uses::released_at.eq(at))
    .execute(conn)?;
    diesel::update(coupon_codes::table.find(code.as_str()))
        .set((
            coupon_codes::uses.eq(coupon_codes::uses - 1),
            coupon_codes::state.eq(state_after.as_str()),
            coupon_codes::changed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

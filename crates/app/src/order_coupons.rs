//! Coupon codes carried by an order (issue #13): checked with the rules of
//! `POST /v1/coupons/validate` under the codes' row locks, their discount
//! put on the order's lines, and each use recorded in the order's
//! transaction — so a refused code stores nothing, a retried order uses
//! nothing twice, and of many orders racing for one single-use code exactly
//! one gets it. A full return gives the uses back when the programme says
//! so ([`give_back_on_full_return`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use clientele_kernel::{Currency, CustomerId, FieldErrors, InvalidValue, Label, LineId};
use clientele_offers::{
    Amount, Basket, BasketLine, CouponCode, CouponOutcome, OffersSettings, Sku, TransitionFacts, after_give_back,
    after_use,
};
use clientele_orders::Order;
use clientele_store::offers::{CodeUse, OrderCouponUse, StoredCode, StoredCoupon};
use clientele_store::{Conflict, PgConnection, StoreError, StoredOrder};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A code the order uses, to record once the order is written.
pub(crate) struct PendingUse {
    code: StoredCode,
    coupon: StoredCoupon,
    discount: Decimal,
    state_after: clientele_offers::CouponState,
}

/// Checks the order's coupon codes for its buyer and puts what they take
/// off on its lines. Refused: 422 on `coupon_codes` for an order not in
/// the programme's currency (coupons are priced in it), 422 on a line
/// priced in fractions of a cent, and 409 `coupon_refused` naming every
/// code that does not apply — the order is then not stored. Nothing to do,
/// and nothing read, for an order without codes.
pub(crate) fn apply_order_coupons(
    conn: &mut PgConnection,
    order: Order,
    customer: Option<CustomerId>,
    base: &Currency,
) -> Result<(Order, Vec<PendingUse>), StoreError> {
    if order.coupon_codes().is_empty() {
        return Ok((order, Vec::new()));
    }
    if order.currency() != base {
        return Err(StoreError::invalid(
            "coupon_codes",
            "not_allowed",
            format!("coupons are priced in the programme's currency: send the order in {base} to use them"),
        ));
    }
    let basket = basket_of(&order)?;
    let typed: Vec<&str> = order.coupon_codes().iter().map(|c| c.as_str()).collect();
    let mut canonical: Vec<CouponCode> = typed.iter().filter_map(|t| clientele_offers::normalize(t).ok()).collect();
    canonical.sort();
    clientele_store::offers::lock_codes(conn, &canonical)?;
    let mut checked = crate::offers::check_codes(conn, (&typed, customer), &basket, order.ordered_at())?;
    let refused: Vec<(String, &'static str)> = checked
        .validation
        .codes
        .iter()
        .filter_map(|c| match &c.outcome {
            CouponOutcome::Refused { reason } => Some((c.typed.clone(), reason.as_str())),
            CouponOutcome::Applied(_) => None,
        })
        .collect();
    if !refused.is_empty() {
        return Err(StoreError::Conflict(Conflict::CouponRefused { codes: refused }));
    }
    let (settings, _) = clientele_store::settings::settings::<OffersSettings>(conn)?;
    let application = &checked.validation.application;
    let discounts: BTreeMap<LineId, Decimal> = application
        .lines
        .iter()
        .filter(|l| l.discount > Amount::ZERO)
        .map(|l| (l.line_id.clone(), l.discount.get()))
        .collect();
    let mut pending = Vec::new();
    for (code, applied) in application.applied() {
        let (stored, coupon) = checked.found.remove(code).ok_or(StoreError::NotFound)?;
        let used_before = checked.uses.get(code).copied().unwrap_or(0);
        let uses_left = coupon.definition.uses_per_customer().saturating_sub(used_before + 1);
        let facts = TransitionFacts {
            at: order.ordered_at(),
            window: coupon.definition.window(),
            release_on_return: settings.release_on_return,
        };
        let state_after = after_use(stored.state, stored.customer.is_none(), uses_left, &facts)
            .map_err(|e| StoreError::Corrupt(format!("coupon code {code} applied but cannot be used: {e}")))?;
        pending.push(PendingUse { code: stored, coupon, discount: applied.discount.get(), state_after });
    }
    let order = order.with_coupon_discounts(&discounts).map_err(StoreError::Invalid)?;
    Ok((order, pending))
}

/// The order's lines as the coupon rules see them: the sender's discount
/// is the till's own, every amount in whole cents.
pub(crate) fn basket_of(order: &Order) -> Result<Basket, StoreError> {
    let mut errors = FieldErrors::new();
    let mut lines = Vec::with_capacity(order.lines().len());
    for line in order.lines() {
        let at = |f: &str| format!("{}.{f}", order.line_field(&line.line_id));
        let cents = |v: Decimal, field: &str, errors: &mut FieldErrors| match Amount::new(v) {
            Ok(a) => Some(a),
            Err(_) => {
                let message = "with coupon codes, prices and discounts are in whole cents";
                errors.push(at(field), InvalidValue::new("out_of_range", message));
                None
            }
        };
        let unit_price = cents(line.unit_price, "unit_price", &mut errors);
        let discount = cents(line.discount, "discount", &mut errors);
        let sku = Sku::parse(line.sku.as_str()).map_err(|e| StoreError::Invalid(FieldErrors::single(at("sku"), e)))?;
        let label = |l: &Option<Label>| l.clone();
        if let (Some(unit_price), Some(discount)) = (unit_price, discount) {
            lines.push(BasketLine {
                line_id: line.line_id.clone(),
                sku,
                category: label(&line.category),
                collection: label(&line.collection),
                quantity: line.quantity,
                unit_price,
                discount,
            });
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    Basket::new(lines).map_err(|e| StoreError::Corrupt(format!("an order's basket: {e}")))
}

/// Records each use of the order's codes; returns them as the order shows
/// them.
pub(crate) fn record_order_coupons(
    conn: &mut PgConnection,
    pending: Vec<PendingUse>,
    (customer, order_id): (Uuid, Uuid),
    at: DateTime<Utc>,
) -> Result<Vec<OrderCouponUse>, StoreError> {
    let mut shown = Vec::with_capacity(pending.len());
    for p in pending {
        let use_ =
            CodeUse { code: &p.code.code, customer, order_id, discount: p.discount, state_after: p.state_after, at };
        clientele_store::offers::record_use(conn, &use_)?;
        shown.push(OrderCouponUse {
            code: p.code.code.to_string(),
            shown_as: p.code.shown_as,
            coupon_id: p.coupon.id,
            discount: p.discount,
            used_at: at,
            released_at: None,
        });
    }
    Ok(shown)
}

/// True when the codes sent with an order are the ones its stored version
/// used (compared in canonical form, in any order).
pub(crate) fn same_codes(order: &Order, stored: &StoredOrder) -> bool {
    let mut sent: Vec<String> = order
        .coupon_codes()
        .iter()
        .map(|c| clientele_offers::normalize(c.as_str()).map_or_else(|_| c.as_str().to_owned(), |c| c.to_string()))
        .collect();
    let mut used: Vec<String> = stored.coupon_uses.iter().map(|u| u.code.clone()).collect();
    sent.sort();
    used.sort();
    sent == used
}

/// After a return that leaves nothing of the order unreturned: gives back
/// each use of its codes the programme's setting and the coupon's validity
/// allow (the rule is `clientele_offers::after_give_back`); the others stay
/// used. Returns how many were given back.
pub(crate) fn give_back_on_full_return(
    conn: &mut PgConnection,
    order_id: Uuid,
    at: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let (settings, _) = clientele_store::settings::settings::<OffersSettings>(conn)?;
    if !settings.release_on_return {
        return Ok(0);
    }
    let mut given = 0;
    for (code, coupon) in clientele_store::offers::uses_to_give_back(conn, order_id)? {
        let facts = TransitionFacts { at, window: coupon.definition.window(), release_on_return: true };
        if let Ok(state) = after_give_back(code.state, &facts) {
            clientele_store::offers::give_back_use(conn, (&code.code, order_id), state, at)?;
            given += 1;
        }
    }
    Ok(given)
}

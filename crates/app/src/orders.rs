//! Orders and returns: storing an order once and awarding what it earns,
//! and taking back what returned lines earned — each one transaction of
//! store calls, `clientele_orders` and `clientele_loyalty` rules, the
//! outbox event and the audit entry; and the exchange rates orders are
//! priced at.

use std::collections::BTreeMap;

use clientele_kernel::{CustomerId, LineId, Moment, StoreId};
use clientele_loyalty::{
    BaseAmount, LineReturn, LotId, OrderEarning, OrderId, OrderToEarn, PaidLine, ProgramConfig, Quantity, ReturnId,
    WalletChange, calculate_order_earning, post_order_earning, take_back_for_return,
};
use clientele_orders::{FxRate, Order, PricedOrder, ReturnRequest, business_date, price_in_base, validate_return};
use clientele_profiles::StoreScope;
use clientele_store::{
    ANONYMOUS, AuditContext, Conflict, LockedAccount, NewAuditEntry, NewOrder, NewReturn, PgConnection, ReturnTaken,
    StoreError, StoredLine, StoredOrder, Tx, corrupt,
};
use clientele_webhooks::{OrderIngested, OrderReturned, RefundDeductionData};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use crate::order_coupons;

/// The outcome of sending an order.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub order: StoredOrder,
    /// True when the same (source, external id) was stored before: nothing
    /// was written, and this is the stored order.
    pub replayed: bool,
}

/// Stores an order and awards what it earns, once: the same (source,
/// external id) sent again — or many times at once — is stored once and
/// answered with the stored order.
pub fn ingest_order(
    conn: &mut PgConnection,
    order: Order,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<Ingested, StoreError> {
    // Round trips are what this path costs on a small machine, so it makes
    // few: resolve the customer, claim the key (which also brings the
    // programme and the store's time zone), lock the account, read its lots,
    // then one statement for every write (the unit of work's batch).
    clientele_store::transaction(conn, |tx| {
        let resolved = if scope.covers(order.store()) {
            clientele_store::resolve_customer(tx.conn()?, order.customer(), scope)
        } else {
            Err(StoreError::invalid("store_id", "not_allowed", "this key may only send orders of its own stores"))
        };
        let customer = match resolved {
            Ok(customer) => customer,
            // A repeat is answered with the stored order even if the customer
            // has since been erased or the key cannot send it again.
            Err(e) => {
                return match stored_under_key(tx, &order)? {
                    Some(existing) => replay(tx, &order, existing, scope),
                    None => Err(e),
                };
            }
        };
        let order_id = Uuid::now_v7();
        let customer_uuid = customer.map(|c| c.as_uuid()).unwrap_or(ANONYMOUS);
        let Some(claim) = clientele_store::claim_key(tx.conn()?, &order, customer_uuid, order_id)? else {
            // Stored before, or by another request meanwhile (the claim waited
            // for its commit).
            let existing = stored_under_key(tx, &order)?.ok_or(StoreError::NotFound)?;
            return replay(tx, &order, existing, scope);
        };
        let associate = order
            .sold_by()
            .map(|sold_by| clientele_store::resolve_associate(tx.conn()?, sold_by, order.store()))
            .transpose()?;
        let date = business_date(order.ordered_at(), claim.time_zone);
        let config = claim.program;
        // Its coupon codes, locked and checked before the account is.
        let (order, coupons) = order_coupons::apply_order_coupons(tx.conn()?, order, customer, config.base_currency())?;
        let held = |c| claim.held_out_of.contains(&c);
        let gift_offers = crate::offers::open_to(&claim.gift_offers, |o| o.campaign, held);
        let points_offers = crate::offers::open_to(&claim.points_offers, |o| o.campaign, held);
        let gifts = gifts_given(tx, &order, customer, (&gift_offers, config.base_currency()))?;
        let priced = price(tx, order, &config, date)?;
        order_limits(&config).check(&priced, ctx.at).map_err(StoreError::Invalid)?;

        // The earning is worked out first, so the order and its lines are
        // written once, with their points.
        let new = NewOrder {
            priced: &priced,
            customer: customer_uuid,
            order_id,
            business_date: date,
            earning: None,
            associate,
            at: ctx.at,
        };
        let earned = match customer {
            Some(customer) => earn(tx, (&config, &points_offers), &new, customer)?,
            None => None,
        };
        let new = NewOrder { earning: earned.as_ref().map(|(e, _)| e), ..new };
        let mut stored = clientele_store::insert_order(tx, &new)?;
        if !coupons.is_empty() {
            let ids = (customer_uuid, order_id);
            stored.coupon_uses = order_coupons::record_order_coupons(tx.conn()?, coupons, ids, ctx.at)?;
        }
        if !gifts.is_empty() {
            clientele_store::offers::insert_order_gifts(tx.conn()?, (order_id, customer_uuid), &gifts, ctx.at)?;
            stored.gifts = gifts;
        }
        if let Some((_, mut posting)) = earned {
            let actor = ctx.key_name.as_deref();
            clientele_store::write_wallet_change(tx, &mut posting.account, &posting.change, &config, actor, ctx.at)?;
        }
        announce_order(tx, &stored, customer, ctx)?;
        Ok(Ingested { order: stored, replayed: false })
    })
}

/// The gifts with purchase the order qualifies for (the buyer's tier read
/// only when a gift offer is open).
fn gifts_given(
    tx: &mut Tx<'_>,
    order: &Order,
    customer: Option<CustomerId>,
    (offers, base): (&[clientele_store::offers::StoredGiftOffer], &clientele_kernel::Currency),
) -> Result<Vec<clientele_store::offers::OrderGift>, StoreError> {
    if offers.is_empty() {
        return Ok(Vec::new());
    }
    let tier = match customer {
        Some(id) => clientele_store::offers::member_tier(tx.conn()?, id)?,
        None => None,
    };
    Ok(crate::gifts::gifts_for_order(order, tier, offers, base))
}

fn stored_under_key(tx: &mut Tx<'_>, order: &Order) -> Result<Option<StoredOrder>, StoreError> {
    clientele_store::find_by_key(tx.conn()?, order.source().as_str(), order.external_id().as_str())
}

/// The order in the programme's base currency, at the rate of its business
/// date when it was paid in another currency.
fn price(
    tx: &mut Tx<'_>,
    order: Order,
    config: &ProgramConfig,
    date: chrono::NaiveDate,
) -> Result<PricedOrder, StoreError> {
    let base = config.base_currency();
    let rate = if order.currency() == base {
        None
    } else {
        clientele_store::rate_on(tx.conn()?, order.currency(), base, date)?
    };
    price_in_base(order, base, rate.as_ref()).map_err(StoreError::Invalid)
}

/// The `order.ingested` event and the audit entry of a stored order.
fn announce_order(
    tx: &mut Tx<'_>,
    stored: &StoredOrder,
    customer: Option<CustomerId>,
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    let header = &stored.header;
    let ingested = OrderIngested {
        order_id: header.order_id,
        customer_id: customer.map(|c| c.as_uuid()),
        source: header.source.clone(),
        external_id: header.external_id.clone(),
        amount_paid_base: header.amount_paid_base,
        points_earned: header.points_earned,
    };
    tx.emit(&ingested.into(), ctx.at)?;
    tx.audit(
        ctx,
        NewAuditEntry {
            action: "ingest",
            entity: "order",
            entity_id: header.order_id.to_string(),
            customer,
            changes: json!({ "source": header.source, "external_id": header.external_id, "amount_paid_base": header.amount_paid_base }),
        },
    );
    Ok(())
}

/// The answer to an order sent again: the stored order, if the key may see
/// it and the resend says the same about the sale; 409 `order_conflict`
/// naming what differs if it does not (another order under a used key). An
/// order key used by an order out of the caller's scope is a plain conflict
/// of keys, saying nothing about that order.
fn replay(tx: &mut Tx<'_>, sent: &Order, existing: StoredOrder, scope: &StoreScope) -> Result<Ingested, StoreError> {
    match clientele_store::locate(tx.conn()?, existing.header.order_id, scope) {
        Ok(_) => {
            let mut differences = sent.content().differences(&clientele_store::stored_content(&existing));
            if !order_coupons::same_codes(sent, &existing) {
                differences.push("coupon_codes");
            }
            if let Some(sold_by) = sent.sold_by() {
                let named = clientele_store::resolve_associate(tx.conn()?, sold_by, sent.store()).ok();
                if named != existing.header.associate_id {
                    differences.push(sold_by.field());
                }
            }
            if differences.is_empty() {
                Ok(Ingested { order: existing, replayed: true })
            } else {
                Err(StoreError::Conflict(Conflict::OrderDiffers {
                    order_id: existing.header.order_id,
                    fields: differences,
                }))
            }
        }
        Err(StoreError::NotFound) => Err(StoreError::invalid(
            "external_id",
            "duplicate",
            "this source already sent an order with this external id",
        )),
        Err(e) => Err(e),
    }
}

/// What an order earns, worked out under the member's account lock, and
/// written after the order (its lot and ledger entries name it).
struct PendingEarning {
    account: LockedAccount,
    change: WalletChange,
}

/// Locks the member's account and works out what the order earns per line
/// (with the points offers open when it was placed) and what to write for
/// it. Nothing for an order placed before the member's opening balance was
/// taken (go-live): its points are in that balance.
fn earn(
    tx: &mut Tx<'_>,
    (config, offers): (&ProgramConfig, &[clientele_store::offers::StoredPointsOffer]),
    order: &NewOrder<'_>,
    customer: CustomerId,
) -> Result<Option<(OrderEarning, PendingEarning)>, StoreError> {
    let NewOrder { priced, order_id, business_date: date, at, .. } = *order;
    let account = clientele_store::lock_account(tx.conn()?, customer, at)?;
    if !clientele_loyalty::order_earns(account.opened_as_of, priced.order.ordered_at()) {
        return Ok(None);
    }
    let to_earn = order_to_earn(priced, order_id)?;
    let moment = Moment::new(priced.order.ordered_at(), date).map_err(corrupt("moment"))?;
    let tier = account.tier.effective_on(date);
    let earning = calculate_order_earning(config, tier, &to_earn).map_err(StoreError::loyalty_rule)?;
    let earning = crate::points_offers::add_offer_points(earning, priced, offers, tier)?;
    let lot = LotId::parse(&order_id.to_string()).map_err(corrupt("lot id"))?;
    let change =
        post_order_earning(config, &account.wallet, &earning, &lot, moment).map_err(StoreError::loyalty_rule)?;
    Ok(Some((earning, PendingEarning { account, change })))
}

/// The outcome of a return.
#[derive(Debug, Clone)]
pub struct Returned {
    pub order: StoredOrder,
    pub return_id: Uuid,
    pub replayed: bool,
}

/// Records a return of some lines of an order and takes back what they
/// earned; idempotent on the return's (source, external id).
pub fn record_return(
    conn: &mut PgConnection,
    order_id: Uuid,
    request: ReturnRequest,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<Returned, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let customer = clientele_store::locate(tx.conn()?, order_id, scope)?;
        let sent_before =
            clientele_store::find_return_by_key(tx.conn()?, request.source.as_str(), request.external_id.as_str())?;
        if let Some((_, return_id, order_of_return)) = sent_before {
            if order_of_return != order_id {
                return Err(StoreError::invalid("external_id", "duplicate", "this return id belongs to another order"));
            }
            let order = clientele_store::load_order(tx.conn()?, customer, order_id)?;
            return Ok(Returned { order, return_id, replayed: true });
        }
        // Locks the order, so two returns of it are applied one after the other.
        let earning = clientele_store::lock_order_earning(tx.conn()?, customer, order_id)?;
        let stored = clientele_store::load_order(tx.conn()?, customer, order_id)?;
        check_return(&stored, &request)?;

        let return_id = Uuid::now_v7();
        clientele_store::claim_return(tx.conn()?, &request, customer, order_id, return_id)?;
        // Codes before the account: the lock order of `ingest_order`.
        if !stored.coupon_uses.is_empty() && returns_the_rest(&stored, &request) {
            order_coupons::give_back_on_full_return(tx.conn()?, order_id, ctx.at)?;
        }
        let (taken, earning_after) = match (earning, customer != ANONYMOUS) {
            (Some(earning), true) => {
                let (taken, after) = take_back(tx, &stored, earning, &request, return_id, ctx)?;
                (taken, Some(after))
            }
            _ => (ReturnTaken::default(), None),
        };
        let new = NewReturn {
            customer,
            order_id,
            return_id,
            request: &request,
            amount_base: returned_amount(&stored.lines, &request),
            earning_after: earning_after.as_ref(),
            taken,
            at: ctx.at,
        };
        clientele_store::insert_return(tx, &new)?;
        announce_return(tx, &new, ctx)?;
        let order = clientele_store::load_order(tx.conn()?, customer, order_id)?;
        Ok(Returned { order, return_id, replayed: false })
    })
}

/// The return rules of `clientele_orders`, against what the order holds
/// and what was returned of it before.
fn check_return(stored: &StoredOrder, request: &ReturnRequest) -> Result<(), StoreError> {
    let lines: Vec<clientele_orders::OrderLine> =
        stored.lines.iter().map(clientele_store::to_order_line).collect::<Result<_, _>>()?;
    let already: BTreeMap<LineId, u32> = stored
        .lines
        .iter()
        .filter(|l| l.returned_quantity > 0)
        .map(|l| {
            Ok((LineId::parse(&l.line_id).map_err(corrupt("order_lines.line_id"))?, l.returned_quantity.unsigned_abs()))
        })
        .collect::<Result<_, StoreError>>()?;
    validate_return(stored.header.ordered_at, &lines, &already, request).map_err(StoreError::Invalid)
}

/// True when, after this return, nothing of the order is left unreturned.
fn returns_the_rest(stored: &StoredOrder, request: &ReturnRequest) -> bool {
    stored.lines.iter().all(|l| {
        let now: u32 = request.lines.iter().filter(|r| r.line_id.as_str() == l.line_id).map(|r| r.quantity).sum();
        i64::from(l.returned_quantity) + i64::from(now) >= i64::from(l.quantity)
    })
}

/// What the returned units were paid, in the base currency: each line's
/// share, rounded to the cent.
fn returned_amount(lines: &[StoredLine], request: &ReturnRequest) -> Decimal {
    request
        .lines
        .iter()
        .filter_map(|r| {
            let l = lines.iter().find(|l| l.line_id == r.line_id.as_str())?;
            Some((l.paid_base * Decimal::from(r.quantity) / Decimal::from(l.quantity)).round_dp(2))
        })
        .sum()
}

/// Takes back what the returned lines earned, under the member's account
/// lock; returns what was taken and the order's earning after the return.
fn take_back(
    tx: &mut Tx<'_>,
    stored: &StoredOrder,
    earning: OrderEarning,
    request: &ReturnRequest,
    return_id: Uuid,
    ctx: &AuditContext,
) -> Result<(ReturnTaken, OrderEarning), StoreError> {
    let customer = stored.customer().ok_or(StoreError::NotFound)?;
    let (config, _) = clientele_store::program(tx.conn()?)?;
    let mut account = clientele_store::lock_account(tx.conn()?, customer, ctx.at)?;
    let lines = request
        .lines
        .iter()
        .map(|r| {
            Ok(LineReturn {
                line: r.line_id.clone(),
                quantity: Quantity::new(r.quantity).map_err(corrupt("quantity"))?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let loyalty_request = clientele_loyalty::ReturnRequest::new(
        ReturnId::parse(&return_id.to_string()).map_err(corrupt("return id"))?,
        lines,
    )
    .map_err(StoreError::loyalty_rule)?;
    let store = stored.header.store_id.map(StoreId::from_uuid);
    let date = business_date(request.returned_at, clientele_store::store_time_zone(tx.conn()?, store)?);
    let moment = Moment::new(request.returned_at, date).map_err(corrupt("moment"))?;
    let posting = take_back_for_return(&config, &account.wallet, &earning, &loyalty_request, moment)
        .map_err(StoreError::loyalty_rule)?;
    let actor = ctx.key_name.as_deref();
    clientele_store::write_wallet_change(tx, &mut account, &posting.change, &config, actor, ctx.at)?;
    let taken = ReturnTaken {
        points_taken: posting.points_taken.get() + posting.points_owed.get(),
        points_not_taken: posting.points_not_taken.get(),
        points_owed: posting.points_owed.get(),
        growth_taken: posting.growth_taken.get(),
        refund_deduction: posting.refund_deduction,
    };
    Ok((taken, posting.take_back.earning_after))
}

/// The `order.returned` event and the audit entry of a return.
fn announce_return(tx: &mut Tx<'_>, new: &NewReturn<'_>, ctx: &AuditContext) -> Result<(), StoreError> {
    let customer = (new.customer != ANONYMOUS).then(|| CustomerId::from_uuid(new.customer));
    let taken = new.taken;
    let returned = OrderReturned {
        customer_id: customer.map(|c| c.as_uuid()),
        order_id: new.order_id,
        return_id: new.return_id,
        points_taken: taken.points_taken,
        points_owed: taken.points_owed,
        points_not_taken: taken.points_not_taken,
        growth_taken: taken.growth_taken,
        refund_deduction: taken
            .refund_deduction
            .map(|d| RefundDeductionData { points: d.points.get(), value: d.value }),
    };
    tx.emit(&returned.into(), ctx.at)?;
    tx.audit(
        ctx,
        NewAuditEntry {
            action: "return",
            entity: "order",
            entity_id: new.order_id.to_string(),
            customer,
            changes: json!({ "return_id": new.return_id, "lines": new.request.lines, "points_taken": taken.points_taken }),
        },
    );
    Ok(())
}

/// Sets exchange rates into the base currency (a rate for the same pair
/// and day is replaced), all or none.
pub fn put_fx_rates(conn: &mut PgConnection, rates: &[FxRate], ctx: &AuditContext) -> Result<(), StoreError> {
    clientele_store::transaction(conn, |tx| {
        clientele_store::write_fx_rates(tx.conn()?, rates, ctx.at, ctx.key_name.as_deref())?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "put",
                entity: "fx_rates",
                entity_id: "*".into(),
                customer: None,
                changes: json!({ "rates": rates }),
            },
        );
        Ok(())
    })
}

/// The programme's bounds on one order, as the orders crate checks them.
pub(crate) fn order_limits(config: &clientele_loyalty::ProgramConfig) -> clientele_orders::OrderLimits {
    let limits = config.limits();
    clientele_orders::OrderLimits {
        max_quantity_per_line: limits.max_quantity_per_line(),
        max_line_amount: limits.max_line_amount(),
        max_order_amount: limits.max_order_amount(),
        earliest_order_date: limits.earliest_order_date(),
        max_ahead: chrono::TimeDelta::minutes(i64::from(limits.max_minutes_ahead())),
    }
}

/// The order as the loyalty engine sees it: its lines with the amounts
/// paid in the base currency.
pub(crate) fn order_to_earn(priced: &PricedOrder, order_id: Uuid) -> Result<OrderToEarn, StoreError> {
    let lines = priced
        .lines
        .iter()
        .map(|l| {
            Ok(PaidLine {
                line: l.line.line_id.clone(),
                quantity: Quantity::new(l.line.quantity).map_err(corrupt("quantity"))?,
                paid: BaseAmount::new(l.paid_base)
                    .map_err(|e| StoreError::invalid("amount_paid", "out_of_range", e.to_string()))?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    OrderToEarn::new(OrderId::parse(&order_id.to_string()).map_err(corrupt("order id"))?, lines)
        .map_err(StoreError::loyalty_rule)
}

//! Orders and returns: idempotent ingestion, the points and growth value
//! they earn or take back (by `clientele_loyalty`'s rules), and reading them.

pub(crate) mod fx;
pub(crate) mod reads;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, FieldErrors, InvalidValue, LineId, Moment, StoreId, TimeZone};
use clientele_loyalty::{
    BaseAmount, LineReturn, LotId, OrderEarning, OrderId, OrderToEarn, PaidLine, ProgramConfig, Quantity, ReturnId,
    calculate_order_earning, post_order_earning, take_back_for_return,
};
use clientele_orders::{CustomerRef, Order, PricedOrder, ReturnRequest, business_date, price_in_base, validate_return};
use clientele_profiles::StoreScope;
use clientele_webhooks::{OrderIngested, OrderReturned, RefundDeductionData};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize as _;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::access::{CustomerState, check_writable, judge_writable};
use crate::audit::{self, AuditContext};
use crate::batch::Batch;
use crate::error::{StoreError, corrupt};
use crate::loyalty::{lock_account, program, write_change_into};
use crate::outbox;
use crate::schema::{customers, member_numbers, order_lines, order_returns, orders, phone_index, return_keys, stores};

pub use crate::orders::reads::{
    ANONYMOUS, OrderCursor, OrderHeader, StoredLine, StoredOrder, StoredReturn, customer_orders, get_order,
};
use crate::orders::reads::{find_by_key, load_order, locate};

/// What a stored order says about the sale, to compare a resend with.
fn stored_content(stored: &StoredOrder) -> clientele_orders::OrderContent {
    clientele_orders::OrderContent {
        store: stored.header.store_id.map(StoreId::from_uuid),
        currency: stored.header.currency.clone(),
        amount_paid: stored.header.amount_paid,
        lines: stored
            .lines
            .iter()
            .map(|l| {
                let quantity = u32::try_from(l.quantity).unwrap_or(0);
                (l.line_id.clone(), (l.sku.clone(), quantity, l.unit_price, l.discount))
            })
            .collect(),
    }
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

fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(FieldErrors::single(field, InvalidValue::new(code, message)))
}

/// Finds the customer an order names; out of the caller's scope is unknown.
fn resolve_customer(
    conn: &mut PgConnection,
    who: &CustomerRef,
    scope: &StoreScope,
) -> Result<Option<CustomerId>, StoreError> {
    let id = match who {
        CustomerRef::Anonymous => return Ok(None),
        CustomerRef::Id(id) => Some(*id),
        CustomerRef::MemberNo(m) => {
            // The number and the customer's state in one statement: this is
            // on the path of every order a till sends.
            let row: Option<(Uuid, CustomerState)> = customers::table
                .filter(
                    customers::customer_id
                        .nullable()
                        .eq(member_numbers::table.find(m.as_str()).select(member_numbers::customer_id).single_value()),
                )
                .select((
                    customers::customer_id,
                    (customers::home_store_id, customers::merged_into, customers::erased_at),
                ))
                .first(conn)
                .optional()?;
            let Some((id, state)) = row else {
                return Err(invalid("customer.member_no", "unknown_reference", "no such customer"));
            };
            let id = CustomerId::from_uuid(id);
            return match judge_writable(id, state, scope) {
                Ok(()) => Ok(Some(id)),
                Err(StoreError::NotFound) => {
                    Err(invalid("customer.member_no", "unknown_reference", "no such customer"))
                }
                Err(StoreError::Merged { into, .. }) => Ok(Some(into)),
                Err(other) => Err(other),
            };
        }
        CustomerRef::Phone(p) => {
            let ids: Vec<Uuid> = phone_index::table
                .filter(phone_index::phone.eq(p.as_str()))
                .select(phone_index::customer_id)
                .load(conn)?;
            let visible: Vec<Uuid> =
                ids.into_iter().filter(|id| check_writable(conn, CustomerId::from_uuid(*id), scope).is_ok()).collect();
            match visible.as_slice() {
                [] => None,
                [one] => Some(CustomerId::from_uuid(*one)),
                _ => {
                    return Err(invalid(
                        "customer.phone",
                        "ambiguous",
                        "several customers have this phone: send the member number",
                    ));
                }
            }
        }
    };
    let field = match who {
        CustomerRef::Id(_) => "customer.id",
        CustomerRef::MemberNo(_) => "customer.member_no",
        _ => "customer.phone",
    };
    let id = id.ok_or_else(|| invalid(field, "unknown_reference", "no such customer"))?;
    match check_writable(conn, id, scope) {
        Ok(()) => Ok(Some(id)),
        Err(StoreError::NotFound) => Err(invalid(field, "unknown_reference", "no such customer")),
        Err(StoreError::Merged { into, .. }) => Ok(Some(into)),
        Err(other) => Err(other),
    }
}

/// The business date of an instant at a store (its time zone), or in UTC.
fn business_date_at(
    conn: &mut PgConnection,
    store: Option<StoreId>,
    at: DateTime<Utc>,
) -> Result<NaiveDate, StoreError> {
    let zone = match store {
        None => None,
        Some(store) => {
            let tz: Option<String> =
                stores::table.find(store.as_uuid()).select(stores::time_zone).first(conn).optional()?;
            let tz = tz.ok_or_else(|| invalid("store_id", "unknown_reference", format!("no store with id {store}")))?;
            Some(TimeZone::parse(&tz).map_err(corrupt("stores.time_zone"))?)
        }
    };
    Ok(business_date(at, zone))
}

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
    // then one statement for every write.
    conn.transaction(|conn| {
        let resolved = if scope.covers(order.store()) {
            resolve_customer(conn, order.customer(), scope)
        } else {
            Err(invalid("store_id", "not_allowed", "this key may only send orders of its own stores"))
        };
        let customer = match resolved {
            Ok(customer) => customer,
            // A repeat is answered with the stored order even if the customer
            // has since been erased or the key cannot send it again.
            Err(e) => {
                return match find_by_key(conn, order.source().as_str(), order.external_id().as_str())? {
                    Some(existing) => replay(conn, &order, existing, scope),
                    None => Err(e),
                };
            }
        };
        let order_id = Uuid::now_v7();
        let customer_uuid = customer.map(|c| c.as_uuid()).unwrap_or(ANONYMOUS);
        let Some(claim) = claim_key(conn, &order, customer_uuid, order_id)? else {
            // Stored before, or by another request meanwhile (the claim waited
            // for its commit).
            let existing =
                find_by_key(conn, order.source().as_str(), order.external_id().as_str())?.ok_or(StoreError::NotFound)?;
            return replay(conn, &order, existing, scope);
        };
        let date = claim.business_date(order.store(), order.ordered_at())?;
        let config = claim.program()?;
        let base = config.base_currency().clone();
        let rate = if order.currency() == &base { None } else { crate::orders::fx::rate_on(conn, order.currency(), &base, date)? };
        let priced = price_in_base(order, &base, rate.as_ref()).map_err(StoreError::Invalid)?;
        order_limits(&config).check(&priced, ctx.at).map_err(StoreError::Invalid)?;

        // The earning is worked out first, so the order and its lines are
        // written once, with their points.
        let earned = match customer {
            Some(customer) => Some(earn(conn, &config, &priced, customer, order_id, date, ctx)?),
            None => None,
        };
        let mut batch = Batch::new();
        let stored =
            insert_order_into(&mut batch, &priced, customer_uuid, order_id, date, earned.as_ref().map(|(e, _)| e), ctx.at)?;
        if let Some((_, mut posting)) = earned {
            write_change_into(
                conn,
                &mut batch,
                &mut posting.account,
                &posting.change,
                &config,
                ctx.key_name.as_deref(),
                ctx.at,
            )?;
        }
        let ingested = OrderIngested {
            order_id,
            customer_id: customer.map(|c| c.as_uuid()),
            source: stored.header.source.clone(),
            external_id: stored.header.external_id.clone(),
            amount_paid_base: stored.header.amount_paid_base,
            points_earned: stored.header.points_earned,
        };
        outbox::emit_into(&mut batch, &ingested.into(), ctx.at)?;
        audit::record_into(
            &mut batch,
            ctx,
            "ingest",
            "order",
            &order_id.to_string(),
            customer,
            json!({ "source": stored.header.source, "external_id": stored.header.external_id, "amount_paid_base": stored.header.amount_paid_base }),
        );
        batch.execute(conn)?;
        Ok(Ingested { order: stored, replayed: false })
    })
}

/// What claiming an order key brings back with it.
#[derive(QueryableByName)]
struct Claim {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Jsonb>)]
    config: Option<Value>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    time_zone: Option<String>,
}

impl Claim {
    fn program(&self) -> Result<ProgramConfig, StoreError> {
        match &self.config {
            None => Ok(ProgramConfig::default_plan()),
            // Read from the borrowed JSON: no copy of the programme per order.
            Some(config) => ProgramConfig::deserialize(config).map_err(corrupt("loyalty_program.config")),
        }
    }

    /// The business date of the order at its store (its time zone), or in UTC.
    fn business_date(&self, store: Option<StoreId>, at: DateTime<Utc>) -> Result<NaiveDate, StoreError> {
        let zone = match store {
            None => None,
            Some(store) => {
                let tz = self
                    .time_zone
                    .as_deref()
                    .ok_or_else(|| invalid("store_id", "unknown_reference", format!("no store with id {store}")))?;
                Some(TimeZone::parse(tz).map_err(corrupt("stores.time_zone"))?)
            }
        };
        Ok(business_date(at, zone))
    }
}

/// Claims (source, external id) for a new order; None when it is taken.
/// The programme and the store's time zone come back in the same round trip.
fn claim_key(
    conn: &mut PgConnection,
    order: &Order,
    customer: Uuid,
    order_id: Uuid,
) -> Result<Option<Claim>, StoreError> {
    use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
    Ok(diesel::sql_query(
        "INSERT INTO order_keys (source, external_id, customer_id, order_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING \
         RETURNING (SELECT config FROM loyalty_program WHERE id = 1) AS config, \
                   (SELECT time_zone FROM stores WHERE id = $5) AS time_zone",
    )
    .bind::<Text, _>(order.source().as_str())
    .bind::<Text, _>(order.external_id().as_str())
    .bind::<SqlUuid, _>(customer)
    .bind::<SqlUuid, _>(order_id)
    .bind::<Nullable<SqlUuid>, _>(order.store().map(|s| s.as_uuid()))
    .get_result::<Claim>(conn)
    .optional()?)
}

/// Answers a repeat with the stored order — if the caller may see it; an
/// order key used by an order out of the caller's scope is a plain conflict
/// of keys, saying nothing about that order.
/// The answer to an order sent again: the stored order, if the key may see
/// it and the resend says the same about the sale; 409 `order_conflict`
/// naming what differs if it does not (another order under a used key).
fn replay(
    conn: &mut PgConnection,
    sent: &Order,
    existing: StoredOrder,
    scope: &StoreScope,
) -> Result<Ingested, StoreError> {
    match locate(conn, existing.header.order_id, scope) {
        Ok(_) => {
            let differences = sent.content().differences(&stored_content(&existing));
            if differences.is_empty() {
                Ok(Ingested { order: existing, replayed: true })
            } else {
                Err(StoreError::Conflict(crate::error::Conflict::OrderDiffers {
                    order_id: existing.header.order_id,
                    fields: differences,
                }))
            }
        }
        Err(StoreError::NotFound) => {
            Err(invalid("external_id", "duplicate", "this source already sent an order with this external id"))
        }
        Err(e) => Err(e),
    }
}

fn insert_order_into(
    batch: &mut Batch,
    priced: &PricedOrder,
    customer: Uuid,
    order_id: Uuid,
    business_date: NaiveDate,
    earning: Option<&OrderEarning>,
    at: DateTime<Utc>,
) -> Result<StoredOrder, StoreError> {
    let o = &priced.order;
    batch.insert("order_index", &["order_id", "customer_id"], vec![vec![order_id.into(), customer.into()]], "");
    let header = OrderHeader {
        customer_id: customer,
        order_id,
        source: o.source().as_str().to_owned(),
        external_id: o.external_id().as_str().to_owned(),
        store_id: o.store().map(|s| s.as_uuid()),
        channel: o.channel().as_str().to_owned(),
        ordered_at: o.ordered_at(),
        currency: o.currency().as_str().to_owned(),
        amount_paid: o.amount_paid(),
        base_currency: priced.base_currency.as_str().to_owned(),
        fx_rate: priced.fx_rate,
        amount_paid_base: priced.paid_base,
        payment_method: o.payment_method().as_str().to_owned(),
        coupons: o.coupons().iter().map(|c| c.as_str().to_owned()).collect(),
        points_redeemed: i64::try_from(o.points_redeemed()).unwrap_or(i64::MAX),
        tier_at_order: earning.map(|e| e.tier().as_str().to_owned()),
        points_earned: earning.map(|e| e.points().get()).unwrap_or(0),
        growth_earned: earning.map(|e| e.growth().get()).unwrap_or(0),
        created_at: at,
        business_date,
    };
    batch.insert(
        "orders",
        &[
            "customer_id",
            "order_id",
            "source",
            "external_id",
            "store_id",
            "channel",
            "ordered_at",
            "currency",
            "amount_paid",
            "base_currency",
            "fx_rate",
            "amount_paid_base",
            "payment_method",
            "coupons",
            "points_redeemed",
            "tier_at_order",
            "points_earned",
            "growth_earned",
            "earning",
            "created_at",
            "business_date",
        ],
        vec![vec![
            customer.into(),
            order_id.into(),
            header.source.clone().into(),
            header.external_id.clone().into(),
            header.store_id.into(),
            header.channel.clone().into(),
            header.ordered_at.into(),
            header.currency.clone().into(),
            header.amount_paid.into(),
            header.base_currency.clone().into(),
            header.fx_rate.into(),
            header.amount_paid_base.into(),
            header.payment_method.clone().into(),
            header.coupons.clone().into(),
            header.points_redeemed.into(),
            header.tier_at_order.clone().into(),
            header.points_earned.into(),
            header.growth_earned.into(),
            earning.map(serde_json::to_value).transpose()?.into(),
            at.into(),
            business_date.into(),
        ]],
        "",
    );
    let lines: Vec<StoredLine> = priced
        .lines
        .iter()
        .map(|l| {
            let line = &l.line;
            let earned = earning.and_then(|e| e.line(&line.line_id).cloned());
            StoredLine {
                line_id: line.line_id.as_str().to_owned(),
                sku: line.sku.as_str().to_owned(),
                name: line.name.as_ref().map(|n| n.as_str().to_owned()),
                category: line.category.as_ref().map(|c| c.as_str().to_owned()),
                collection: line.collection.as_ref().map(|c| c.as_str().to_owned()),
                quantity: i32::try_from(line.quantity).unwrap_or(i32::MAX),
                unit_price: line.unit_price,
                discount: line.discount,
                paid: line.paid,
                paid_base: l.paid_base,
                points: earned.as_ref().map(|e| e.points.get()).unwrap_or(0),
                growth: earned.as_ref().map(|e| e.growth.get()).unwrap_or(0),
                returned_quantity: 0,
            }
        })
        .collect();
    batch.insert(
        "order_lines",
        &[
            "customer_id",
            "order_id",
            "line_id",
            "sku",
            "name",
            "category",
            "collection",
            "quantity",
            "unit_price",
            "discount",
            "paid",
            "paid_base",
            "points",
            "growth",
        ],
        lines
            .iter()
            .map(|l| {
                vec![
                    customer.into(),
                    order_id.into(),
                    l.line_id.clone().into(),
                    l.sku.clone().into(),
                    l.name.clone().into(),
                    l.category.clone().into(),
                    l.collection.clone().into(),
                    l.quantity.into(),
                    l.unit_price.into(),
                    l.discount.into(),
                    l.paid.into(),
                    l.paid_base.into(),
                    l.points.into(),
                    l.growth.into(),
                ]
            })
            .collect(),
        "",
    );
    // Products are learned from order lines: the latest name wins; one row
    // per SKU (an upsert may not touch a row twice).
    let mut by_sku: BTreeMap<&str, &StoredLine> = BTreeMap::new();
    for l in &lines {
        by_sku.insert(&l.sku, l);
    }
    batch.insert(
        "products",
        &["sku", "name", "category", "collection", "first_seen_at", "last_seen_at"],
        by_sku
            .values()
            .map(|l| {
                vec![
                    l.sku.clone().into(),
                    l.name.clone().into(),
                    l.category.clone().into(),
                    l.collection.clone().into(),
                    at.into(),
                    at.into(),
                ]
            })
            .collect(),
        "ON CONFLICT (sku) DO UPDATE SET name = COALESCE(excluded.name, products.name), \
         category = COALESCE(excluded.category, products.category), \
         collection = COALESCE(excluded.collection, products.collection), last_seen_at = excluded.last_seen_at",
    );
    Ok(StoredOrder { header, lines, returns: Vec::new() })
}

fn loyalty_error(e: clientele_loyalty::LoyaltyError) -> StoreError {
    invalid("loyalty", "loyalty_rule", e.to_string())
}

/// What an order earns, worked out under the member's account lock, and
/// written after the order (its lot and ledger entries name it).
struct PendingEarning {
    account: crate::loyalty::LockedAccount,
    change: clientele_loyalty::WalletChange,
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
                    .map_err(|e| invalid("amount_paid", "out_of_range", e.to_string()))?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    OrderToEarn::new(OrderId::parse(&order_id.to_string()).map_err(corrupt("order id"))?, lines).map_err(loyalty_error)
}

/// Locks the member's account and works out what the order earns per line
/// and what to write for it.
fn earn(
    conn: &mut PgConnection,
    config: &ProgramConfig,
    priced: &PricedOrder,
    customer: CustomerId,
    order_id: Uuid,
    date: NaiveDate,
    ctx: &AuditContext,
) -> Result<(OrderEarning, PendingEarning), StoreError> {
    let account = lock_account(conn, customer, ctx.at)?;
    let to_earn = order_to_earn(priced, order_id)?;
    let moment = Moment::new(priced.order.ordered_at(), date).map_err(corrupt("moment"))?;
    let tier = account.tier.effective_on(date);
    let earning = calculate_order_earning(config, tier, &to_earn).map_err(loyalty_error)?;
    let lot = LotId::parse(&order_id.to_string()).map_err(corrupt("lot id"))?;
    let change = post_order_earning(config, &account.wallet, &earning, &lot, moment).map_err(loyalty_error)?;
    Ok((earning, PendingEarning { account, change }))
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
    conn.transaction(|conn| {
        let customer = locate(conn, order_id, scope)?;
        let existing: Option<(Uuid, Uuid)> = return_keys::table
            .find((request.source.as_str(), request.external_id.as_str()))
            .select((return_keys::customer_id, return_keys::return_id))
            .first(conn)
            .optional()?;
        if let Some((c, return_id)) = existing {
            let order_of_return: Uuid =
                order_returns::table.find((c, return_id)).select(order_returns::order_id).first(conn)?;
            if order_of_return != order_id {
                return Err(invalid("external_id", "duplicate", "this return id belongs to another order"));
            }
            return Ok(Returned { order: load_order(conn, customer, order_id)?, return_id, replayed: true });
        }
        // Lock the order so two returns of it are applied one after the other.
        let earning: Option<Value> =
            orders::table.find((customer, order_id)).select(orders::earning).for_update().first(conn)?;
        let stored = load_order(conn, customer, order_id)?;
        let lines: Vec<clientele_orders::OrderLine> =
            stored.lines.iter().map(to_order_line).collect::<Result<_, _>>()?;
        let already: BTreeMap<LineId, u32> = stored
            .lines
            .iter()
            .filter(|l| l.returned_quantity > 0)
            .map(|l| {
                Ok((
                    LineId::parse(&l.line_id).map_err(corrupt("order_lines.line_id"))?,
                    l.returned_quantity.unsigned_abs(),
                ))
            })
            .collect::<Result<_, StoreError>>()?;
        validate_return(stored.header.ordered_at, &lines, &already, &request).map_err(StoreError::Invalid)?;

        let return_id = Uuid::now_v7();
        diesel::insert_into(return_keys::table)
            .values((
                return_keys::source.eq(request.source.as_str()),
                return_keys::external_id.eq(request.external_id.as_str()),
                return_keys::customer_id.eq(customer),
                return_keys::return_id.eq(return_id),
            ))
            .execute(conn)?;
        let mut amount_base = Decimal::ZERO;
        for r in &request.lines {
            if let Some(l) = stored.lines.iter().find(|l| l.line_id == r.line_id.as_str()) {
                amount_base += (l.paid_base * Decimal::from(r.quantity) / Decimal::from(l.quantity)).round_dp(2);
                diesel::update(order_lines::table.find((customer, order_id, l.line_id.as_str())))
                    .set(
                        order_lines::returned_quantity
                            .eq(order_lines::returned_quantity + i32::try_from(r.quantity).unwrap_or(i32::MAX)),
                    )
                    .execute(conn)?;
            }
        }
        let (mut taken, mut not_taken, mut owed, mut growth_taken) = (0i64, 0i64, 0i64, 0i64);
        let mut deduction: Option<clientele_loyalty::RefundDeduction> = None;
        let mut batch = Batch::new();
        if let (Some(earning), true) = (earning, customer != ANONYMOUS) {
            let earning: OrderEarning = serde_json::from_value(earning).map_err(corrupt("orders.earning"))?;
            let customer_id = CustomerId::from_uuid(customer);
            let (config, _) = program(conn)?;
            let mut account = lock_account(conn, customer_id, ctx.at)?;
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
            .map_err(loyalty_error)?;
            let date = business_date_at(conn, stored.header.store_id.map(StoreId::from_uuid), request.returned_at)?;
            let moment = Moment::new(request.returned_at, date).map_err(corrupt("moment"))?;
            let posting = take_back_for_return(&config, &account.wallet, &earning, &loyalty_request, moment)
                .map_err(loyalty_error)?;
            write_change_into(
                conn,
                &mut batch,
                &mut account,
                &posting.change,
                &config,
                ctx.key_name.as_deref(),
                ctx.at,
            )?;
            diesel::update(orders::table.find((customer, order_id)))
                .set(orders::earning.eq(Some(serde_json::to_value(&posting.take_back.earning_after)?)))
                .execute(conn)?;
            taken = posting.points_taken.get() + posting.points_owed.get();
            not_taken = posting.points_not_taken.get();
            owed = posting.points_owed.get();
            growth_taken = posting.growth_taken.get();
            deduction = posting.refund_deduction;
        }
        diesel::insert_into(order_returns::table)
            .values((
                order_returns::customer_id.eq(customer),
                order_returns::return_id.eq(return_id),
                order_returns::order_id.eq(order_id),
                order_returns::source.eq(request.source.as_str()),
                order_returns::external_id.eq(request.external_id.as_str()),
                order_returns::returned_at.eq(request.returned_at),
                order_returns::lines.eq(serde_json::to_value(&request.lines)?),
                order_returns::amount_base.eq(amount_base),
                order_returns::points_taken.eq(taken),
                order_returns::points_not_taken.eq(not_taken),
                order_returns::growth_taken.eq(growth_taken),
                order_returns::created_at.eq(ctx.at),
                order_returns::points_owed.eq(owed),
                order_returns::refund_deduction_points.eq(deduction.map_or(0, |d| d.points.get())),
                order_returns::refund_deduction_value.eq(deduction.and_then(|d| d.value)),
            ))
            .execute(conn)?;
        let customer_id = (customer != ANONYMOUS).then(|| CustomerId::from_uuid(customer));
        let returned = OrderReturned {
            customer_id: customer_id.map(|c| c.as_uuid()),
            order_id,
            return_id,
            points_taken: taken,
            points_owed: owed,
            points_not_taken: not_taken,
            growth_taken,
            refund_deduction: deduction.map(|d| RefundDeductionData { points: d.points.get(), value: d.value }),
        };
        outbox::emit_into(&mut batch, &returned.into(), ctx.at)?;
        audit::record_into(
            &mut batch,
            ctx,
            "return",
            "order",
            &order_id.to_string(),
            customer_id,
            json!({ "return_id": return_id, "lines": request.lines, "points_taken": taken }),
        );
        batch.execute(conn)?;
        Ok(Returned { order: load_order(conn, customer, order_id)?, return_id, replayed: false })
    })
}

fn to_order_line(l: &StoredLine) -> Result<clientele_orders::OrderLine, StoreError> {
    Ok(clientele_orders::OrderLine {
        line_id: LineId::parse(&l.line_id).map_err(corrupt("order_lines.line_id"))?,
        sku: clientele_orders::Sku::parse(&l.sku).map_err(corrupt("order_lines.sku"))?,
        name: None,
        category: None,
        collection: None,
        quantity: l.quantity.unsigned_abs(),
        unit_price: l.unit_price,
        discount: l.discount,
        paid: l.paid,
    })
}

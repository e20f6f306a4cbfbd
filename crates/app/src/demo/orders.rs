//! The customers' orders: a few per customer on average, over their
//! history since joining, with seasonality; stored in bulk through the same
//! rules as the API, then some returns and redemptions.

use crate::bulk::BulkOrderOutcome;
use chrono::{Duration, NaiveDate, TimeZone as _, Utc};
use clientele_kernel::random::SplitMix64;
use clientele_kernel::{CustomerId, LineId};
use clientele_orders::{
    CustomerRef, ExternalOrderId, NewOrder, NewOrderLine, Order, OrderSource, PaymentMethod, ReturnLine, ReturnRequest,
    SalesChannel, Sku,
};
use clientele_profiles::{Customer, Store, StoreScope};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::catalogue::{CATALOGUE, Category, collection_of, money, on_sale, seasonality};
use super::{HISTORY_DAYS, Loader, label, text};

/// Orders are generated for a chunk of customers and stored this many per transaction.
const ORDERS_PER_BATCH: usize = 5_000;
/// Per mille of orders with a return, and percent of members who redeem points.
const RETURNS_PER_MILLE: u64 = 8;
const REDEEMERS_PERCENT: u64 = 3;
/// Percent of members who lapse: they buy at their own pace until a day
/// drawn from their history (at least `LAPSE_AFTER_DAYS` after they start)
/// and never again, so recency, P(alive) and the At Risk, Hibernating and
/// Lost segments have something to find.
const LAPSED_PERCENT: u64 = 35;
const LAPSE_AFTER_DAYS: u64 = 60;

/// Who buys: the customer, their home store, the first day they may buy
/// on, the days they stay active after it, and their number in the run.
struct Buyer<'a> {
    customer: &'a Customer,
    home: &'a Store,
    since: NaiveDate,
    active: u64,
    index: u64,
}

/// What every order of a run shares.
struct OrderContext<'a> {
    stores: &'a [Store],
    now: chrono::DateTime<Utc>,
    seed: u64,
    pos: OrderSource,
    eshop: OrderSource,
}

/// The orders drawn, waiting to be stored, and the ones picked for a return.
struct Drafts {
    batch: Vec<Order>,
    returns: Vec<(Uuid, Order)>,
}

impl Loader<'_> {
    /// Orders of a chunk of new customers (the `first_index`-th of the run
    /// onwards), then some returns and redemptions.
    pub(super) fn orders_for(&mut self, created: &[Customer], first_index: u32) -> anyhow::Result<()> {
        let context = OrderContext {
            stores: self.stores,
            now: self.now,
            seed: self.options.seed,
            pos: OrderSource::parse("pos").map_err(anyhow::Error::msg)?,
            eshop: OrderSource::parse("eshop").map_err(anyhow::Error::msg)?,
        };
        let mut drafts = Drafts { batch: Vec::with_capacity(ORDERS_PER_BATCH), returns: Vec::new() };
        let mut redeemers: Vec<CustomerId> = Vec::new();
        for (offset, customer) in created.iter().enumerate() {
            let index = u64::from(first_index) + offset as u64;
            let count = self.customer_orders(&context, customer, index, &mut drafts)?;
            if count > 0 && self.rng.below(100) < REDEEMERS_PERCENT {
                redeemers.push(customer.id);
            }
        }
        self.store_orders(std::mem::take(&mut drafts.batch), &mut drafts.returns)?;
        self.record_returns(drafts.returns)?;
        self.redeem(redeemers)
    }

    /// One customer's orders, stored whenever a batch is full; how many
    /// were drawn (orders dated after now are drawn, then dropped).
    fn customer_orders(
        &mut self,
        context: &OrderContext<'_>,
        customer: &Customer,
        index: u64,
        drafts: &mut Drafts,
    ) -> anyhow::Result<u64> {
        let today = self.now.date_naive();
        let mean = u64::from(self.options.orders_per_customer);
        let count = self.rng.below(2 * mean + 1);
        let since = customer.relationship.joined_on.max(today - Duration::days(HISTORY_DAYS));
        let span = (today - since).num_days().max(1) as u64;
        let active = if span > LAPSE_AFTER_DAYS && self.rng.chance(LAPSED_PERCENT) {
            LAPSE_AFTER_DAYS + self.rng.below(span - LAPSE_AFTER_DAYS)
        } else {
            span
        };
        let stores = context.stores;
        let home =
            customer.relationship.home_store.and_then(|h| stores.iter().find(|s| s.id == h)).unwrap_or(&stores[0]);
        let buyer = Buyer { customer, home, since, active, index };
        for k in 0..count {
            let Some(new) = context.draw(&mut self.rng, &buyer, k)? else { continue };
            let order = Order::new(new).map_err(|e| anyhow::anyhow!("demo order is invalid: {e:?}"))?;
            drafts.batch.push(order);
            if drafts.batch.len() >= ORDERS_PER_BATCH {
                self.store_orders(std::mem::take(&mut drafts.batch), &mut drafts.returns)?;
            }
        }
        Ok(count)
    }

    /// Stores a batch in bulk, keeping the orders picked for a return.
    fn store_orders(&mut self, batch: Vec<Order>, returns: &mut Vec<(Uuid, Order)>) -> anyhow::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        // Only the orders picked for a return are kept.
        let kept: Vec<Option<Order>> =
            batch.iter().map(|o| (self.rng.below(1000) < RETURNS_PER_MILLE).then(|| o.clone())).collect();
        let report = crate::bulk::ingest_orders_bulk(self.conn, batch, &StoreScope::All, self.ctx)?;
        for (outcome, order) in report.outcomes.into_iter().zip(kept) {
            match outcome {
                BulkOrderOutcome::Imported { order_id, .. } => {
                    self.summary.orders += 1;
                    if let Some(order) = order {
                        returns.push((order_id, order));
                    }
                }
                BulkOrderOutcome::AlreadyPresent => {}
                BulkOrderOutcome::Refused(e) => anyhow::bail!("a demo order was refused: {e}"),
            }
        }
        self.orders_bar.set_position(self.summary.orders);
        Ok(())
    }

    /// One unit of each returned order's first line, 1 to 14 days later.
    fn record_returns(&mut self, returns: Vec<(Uuid, Order)>) -> anyhow::Result<()> {
        for (order_id, order) in returns {
            let Some(line) = order.lines().first() else { continue };
            let request = ReturnRequest {
                source: order.source().clone(),
                external_id: ExternalOrderId::parse(&format!("RET-{}", order.external_id()))
                    .map_err(anyhow::Error::msg)?,
                returned_at: (order.ordered_at() + Duration::days(1 + self.rng.below(14) as i64)).min(self.now),
                lines: vec![ReturnLine { line_id: line.line_id.clone(), quantity: 1 }],
            };
            crate::orders::record_return(self.conn, order_id, request, &StoreScope::All, self.ctx)?;
            self.summary.returns += 1;
        }
        Ok(())
    }

    /// Half of the balance (in hundreds) of each redeemer with 1,000 points
    /// or more, reserved and confirmed.
    fn redeem(&mut self, redeemers: Vec<CustomerId>) -> anyhow::Result<()> {
        for customer in redeemers {
            let balance =
                clientele_store::loyalty_summary(self.conn, customer, &StoreScope::All, self.now.date_naive())?
                    .available;
            if balance < 1_000 {
                continue;
            }
            let points =
                clientele_loyalty::Points::new((balance / 2 / 100 * 100).max(100)).map_err(anyhow::Error::msg)?;
            let new = clientele_store::NewRedemption {
                customer,
                points,
                reason: clientele_loyalty::Reason::parse("demo: gift wrapping and a private styling session")
                    .map_err(anyhow::Error::msg)?,
                hold_until: self.now + Duration::minutes(15),
                source: None,
                external_id: None,
            };
            let (reserved, _) = crate::loyalty::reserve(self.conn, new, &StoreScope::All, self.ctx)?;
            crate::loyalty::settle(
                self.conn,
                reserved.reservation.id().as_str(),
                clientele_store::RedemptionStep::Confirm,
                &StoreScope::All,
                self.ctx,
            )?;
            self.summary.redemptions += 1;
        }
        Ok(())
    }
}

impl OrderContext<'_> {
    /// The buyer's `k`-th order, or `None` when the time drawn is after now.
    fn draw(&self, rng: &mut SplitMix64, buyer: &Buyer<'_>, k: u64) -> anyhow::Result<Option<NewOrder>> {
        let date = draw_date(rng, buyer.since, buyer.active);
        let store =
            if rng.chance(85) { buyer.home } else { &self.stores[rng.below(self.stores.len() as u64) as usize] };
        let eur = store.currency.as_str() == "EUR";
        let hour = 10 + rng.below(11) as u32;
        let local = date
            .and_hms_opt(hour, rng.below(60) as u32, rng.below(60) as u32)
            .ok_or_else(|| anyhow::anyhow!("time"))?;
        let offset_hours = if eur { 1 } else { 8 };
        let ordered_at = Utc.from_utc_datetime(&(local - Duration::hours(offset_hours)));
        if ordered_at > self.now {
            return Ok(None);
        }
        let channel = match rng.below(100) {
            0..=74 => SalesChannel::Store,
            75..=86 => SalesChannel::Wechat,
            87..=96 => SalesChannel::Eshop,
            _ => SalesChannel::Remote,
        };
        let lines = draw_lines(rng, date, eur)?;
        let net: Decimal = lines.iter().filter_map(NewOrderLine::net).sum();
        // Now and then a coupon takes 5% off what is paid.
        let amount_paid = if rng.chance(4) { (net * Decimal::new(95, 2)).round_dp(2) } else { net };
        let payment_method = if eur {
            PaymentMethod::Card
        } else {
            *[PaymentMethod::WechatPay, PaymentMethod::Alipay, PaymentMethod::UnionPay, PaymentMethod::Card]
                .get(rng.below(4) as usize)
                .unwrap_or(&PaymentMethod::Card)
        };
        // A few walk-ins pay without giving their membership.
        let who = if rng.chance(3) { CustomerRef::Anonymous } else { CustomerRef::Id(buyer.customer.id) };
        // At the home store, in person or by phone, the client's own
        // associate sells (no draw: the stream of the demo is unchanged).
        let in_person = matches!(channel, SalesChannel::Store | SalesChannel::Remote);
        let sold_by = (in_person && store.id == buyer.home.id && who != CustomerRef::Anonymous)
            .then_some(buyer.customer.relationship.associate)
            .flatten()
            .map(|a| clientele_orders::SoldBy::Id(a.as_uuid()));
        Ok(Some(NewOrder {
            source: if channel == SalesChannel::Eshop { self.eshop.clone() } else { self.pos.clone() },
            external_id: ExternalOrderId::parse(&format!("D{}-{}-{k}", self.seed, buyer.index))
                .map_err(anyhow::Error::msg)?,
            store: (channel != SalesChannel::Eshop).then_some(store.id),
            channel,
            customer: who,
            ordered_at,
            currency: store.currency.clone(),
            lines,
            amount_paid,
            payment_method,
            coupons: Vec::new(),
            coupon_codes: Vec::new(),
            points_redeemed: 0,
            sold_by,
        }))
    }
}

/// A day within the `active` days from `since`, by rejection sampling on
/// the seasonality (at most eight tries: the last one stands).
fn draw_date(rng: &mut SplitMix64, since: NaiveDate, active: u64) -> NaiveDate {
    let mut date = since;
    for _ in 0..8 {
        date = since + Duration::days(rng.below(active) as i64);
        if rng.below(400) < seasonality(date) {
            break;
        }
    }
    date
}

/// One to three lines (65 %, 25 %, 10 %).
fn draw_lines(rng: &mut SplitMix64, date: NaiveDate, eur: bool) -> anyhow::Result<Vec<NewOrderLine>> {
    let sale = on_sale(date);
    let line_count = match rng.below(100) {
        0..=64 => 1,
        65..=89 => 2,
        _ => 3,
    };
    (0..line_count).map(|l| draw_line(rng, l + 1, date, sale, eur)).collect()
}

/// A category, drawn by the catalogue's shares.
fn draw_category(rng: &mut SplitMix64) -> &'static Category {
    let mut roll = rng.below(100);
    let mut category = &CATALOGUE[0];
    for c in CATALOGUE {
        if roll < c.share {
            category = c;
            break;
        }
        roll -= c.share;
    }
    category
}

/// Line `number`: a product of a category, its price (in EUR at a European
/// store), a quantity, and a discount, more often on sale days.
fn draw_line(
    rng: &mut SplitMix64,
    number: u32,
    date: NaiveDate,
    sale: bool,
    eur: bool,
) -> anyhow::Result<NewOrderLine> {
    let category = draw_category(rng);
    let product = rng.below(category.products.len() as u64) as usize;
    let variant = rng.below(8);
    let unit_price = money(rng.between(category.price.0, category.price.1), eur);
    let quantity: u32 = if category.name == "beauty" { 1 + rng.below(3) as u32 } else { 1 };
    let gross = unit_price * Decimal::from(quantity);
    let discount = if sale && rng.chance(60) || rng.chance(5) {
        (gross * Decimal::new(10 + 10 * rng.below(3) as i64, 2)).round_dp(0)
    } else {
        Decimal::ZERO
    };
    Ok(NewOrderLine {
        line_id: LineId::parse(&number.to_string()).map_err(anyhow::Error::msg)?,
        sku: Sku::parse(&format!("{}-{:02}{}", category.prefix, product, variant)).map_err(anyhow::Error::msg)?,
        name: Some(text(category.products[product])?),
        category: Some(label(category.name)?),
        collection: Some(label(&collection_of(date))?),
        quantity,
        unit_price,
        discount,
    })
}

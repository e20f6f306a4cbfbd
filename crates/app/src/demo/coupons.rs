//! The demo's coupons, so the till has codes to check from the first
//! start: 10 % off leather goods from 3,000 for the 200 members with the
//! most growth value (a personal code each), and 200 off beauty from 1,000
//! with the shared code `BEAUTY200` (10,000 uses in all). Both run from the
//! day before the load for 90 days. Codes are drawn from a seeded
//! generator: the same at every load. On the day of the load, 20 of those
//! members use their code on a bag bought online and 12 walk-in online
//! buyers use `BEAUTY200`: orders sent one by one, as a till sends them,
//! the discount worked out by `validate` first. Beauty orders of 1,000 or
//! more (after discounts) get two serum samples, a gift with purchase.

use chrono::{DateTime, Duration, Utc};
use clientele_kernel::{CustomerId, InvalidValue, Label, LineId, ShortText};
use clientele_offers::{
    Amount, Basket, BasketLine, CouponDefinition, CouponDefinitionParts, CouponKindParts, Eligibility, Sku,
};
use clientele_orders::{
    CustomerRef, ExternalOrderId, NewOrder, NewOrderLine, Order, OrderSource, PaymentMethod, SalesChannel,
};
use clientele_profiles::StoreScope;
use clientele_store::{AuditContext, PgConnection};
use rand::SeedableRng;
use rust_decimal::Decimal;

use crate::offers::{Issue, create_coupon, issue_codes_drawn};

/// What the demo's coupons came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCoupons {
    pub coupons: usize,
    pub codes: usize,
    /// Orders that used a code.
    pub orders: usize,
}

fn definition(
    kind: CouponKindParts,
    (min_spend, category): (i64, &str),
    max_uses: Option<u32>,
    now: DateTime<Utc>,
) -> anyhow::Result<CouponDefinition> {
    let category = clientele_kernel::Label::parse(category).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    CouponDefinition::new(CouponDefinitionParts {
        kind,
        min_spend: Some(min_spend.into()),
        eligibility: Eligibility { categories: vec![category], ..Eligibility::default() },
        valid_from: now - Duration::days(1),
        valid_to: now + Duration::days(90),
        stackable: false,
        max_discount: None,
        uses_per_customer: 1,
        max_uses,
    })
    .map_err(|e| anyhow::anyhow!("demo coupon: {e}"))
}

/// The demo's points offer, made before the history is loaded so that its
/// orders earn it: double points on everything for members in the week of
/// the last 11.11 (Singles' Day) before `now`, 8 to 15 November.
pub fn points_week(conn: &mut PgConnection, ctx: &AuditContext, now: DateTime<Utc>) -> anyhow::Result<()> {
    use chrono::{Datelike, TimeZone};
    let eleven = |year: i32| Utc.with_ymd_and_hms(year, 11, 11, 0, 0, 0).single();
    let year =
        if eleven(now.year()).is_some_and(|d| d < now - Duration::days(1)) { now.year() } else { now.year() - 1 };
    let start = eleven(year).ok_or_else(|| anyhow::anyhow!("no 11 November in {year}"))? - Duration::days(3);
    let week = clientele_offers::PointsOffer::new(clientele_offers::PointsOfferParts {
        kind: clientele_offers::PointsOfferKindParts::Multiplier(2.into()),
        min_spend: None,
        eligibility: Eligibility::default(),
        valid_from: start,
        valid_to: start + Duration::days(7),
    })
    .map_err(|e| anyhow::anyhow!("demo points offer: {e}"))?;
    crate::points_offers::create_points_offer(conn, ("Double 11: double points week".to_owned(), None), week, ctx)?;
    Ok(())
}

/// Creates the two coupons and issues their codes.
pub fn coupons(conn: &mut PgConnection, ctx: &AuditContext, now: DateTime<Utc>) -> anyhow::Result<DemoCoupons> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(20_261_205);
    let leather = definition(CouponKindParts::Percent(10.into()), (3_000, "leather goods"), None, now)?;
    let top = create_coupon(conn, ("Top clients: 10 % off leather goods".to_owned(), None), leather, ctx)?;
    let members = clientele_store::offers::top_members(conn, 200)?;
    let personal = if members.is_empty() {
        Vec::new()
    } else {
        issue_codes_drawn(conn, (top.id, &Issue::Personal(members)), &StoreScope::All, ctx, &mut rng)?
    };
    let beauty = definition(CouponKindParts::FixedAmount(200.into()), (1_000, "beauty"), Some(10_000), now)?;
    let shared = create_coupon(conn, ("Beauty: 200 off from 1,000".to_owned(), None), beauty, ctx)?;
    let issue = Issue::Shared(Some("BEAUTY200".to_owned()));
    let shared = issue_codes_drawn(conn, (shared.id, &issue), &StoreScope::All, ctx, &mut rng)?;
    beauty_sample(conn, ctx, now)?;
    let mut orders = 0;
    for (i, code) in personal.iter().take(20).enumerate() {
        let line = ("LG-DEMO-MINI", "Mini Bag", "leather goods", 1, 12_000);
        orders += coupon_order(conn, (format!("DEMO-CPN-{i}"), code.customer), line, &code.shown_as, ctx)?;
    }
    for i in 0..12 {
        let line = ("BT-DEMO-CREAM", "Face Cream", "beauty", 2, 650);
        orders += coupon_order(conn, (format!("DEMO-BTY-{i}"), None), line, "BEAUTY200", ctx)?;
    }
    Ok(DemoCoupons { coupons: 2, codes: personal.len() + shared.len(), orders })
}

/// The demo's gift with purchase: two 5 ml serum samples with 1,000 or
/// more of beauty (after discounts), for the same 90 days.
fn beauty_sample(conn: &mut PgConnection, ctx: &AuditContext, now: DateTime<Utc>) -> anyhow::Result<()> {
    let category = Label::parse("beauty").map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let sample = clientele_offers::GiftOffer::new(clientele_offers::GiftOfferParts {
        sku: "BT-SERUM-5ML".to_owned(),
        name: "Serum 5 ml".to_owned(),
        unit_cost: 35.into(),
        quantity: 2,
        min_spend: Some(1_000.into()),
        eligibility: Eligibility { categories: vec![category], ..Eligibility::default() },
        valid_from: now - Duration::days(1),
        valid_to: now + Duration::days(90),
    })
    .map_err(|e| anyhow::anyhow!("demo gift: {e}"))?;
    let name = "Beauty: two serum samples from 1,000".to_owned();
    crate::gifts::create_gift_offer(conn, (name, None), sample, ctx)?;
    Ok(())
}

/// One online order of one line that uses `code`: the till's discount is
/// what `validate` says, and the order is sent as a till sends it. Returns
/// 1 when stored.
fn coupon_order(
    conn: &mut PgConnection,
    (external_id, customer): (String, Option<CustomerId>),
    (sku, name, category, quantity, unit_price): (&str, &str, &str, u32, i64),
    code: &str,
    ctx: &AuditContext,
) -> anyhow::Result<usize> {
    let (config, _) = clientele_store::program(conn)?;
    let parse = |e: InvalidValue| anyhow::anyhow!("demo coupon order: {}", e.message);
    let unit_price = Decimal::from(unit_price);
    let basket = Basket::new(vec![BasketLine {
        line_id: LineId::parse("1").map_err(parse)?,
        sku: Sku::parse(sku).map_err(parse)?,
        category: Some(Label::parse(category).map_err(parse)?),
        collection: None,
        quantity,
        unit_price: Amount::new(unit_price).map_err(parse)?,
        discount: Amount::ZERO,
    }])
    .map_err(|e| anyhow::anyhow!("demo basket: {e}"))?;
    let checked = crate::offers::validate(conn, (&[code.to_owned()], customer), &basket, &StoreScope::All, ctx.at)?;
    let order = Order::new(NewOrder {
        source: OrderSource::parse("eshop").map_err(parse)?,
        external_id: ExternalOrderId::parse(&external_id).map_err(parse)?,
        store: None,
        channel: SalesChannel::Eshop,
        customer: customer.map_or(CustomerRef::Anonymous, CustomerRef::Id),
        ordered_at: ctx.at,
        currency: config.base_currency().clone(),
        lines: vec![NewOrderLine {
            line_id: LineId::parse("1").map_err(parse)?,
            sku: clientele_orders::Sku::parse(sku).map_err(parse)?,
            name: Some(ShortText::parse(name).map_err(parse)?),
            category: Some(Label::parse(category).map_err(parse)?),
            collection: None,
            quantity,
            unit_price,
            discount: Decimal::ZERO,
        }],
        amount_paid: basket.gross().get() - checked.application.total_discount.get(),
        payment_method: PaymentMethod::Card,
        coupons: Vec::new(),
        coupon_codes: vec![ShortText::parse(code).map_err(parse)?],
        points_redeemed: 0,
        sold_by: None,
    })
    .map_err(|e| anyhow::anyhow!("demo coupon order: {e}"))?;
    crate::orders::ingest_order(conn, order, &StoreScope::All, ctx)?;
    Ok(1)
}

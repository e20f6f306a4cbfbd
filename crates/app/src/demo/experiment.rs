//! The seed's experiment (issue #14, docs/experiments.md): samples of a
//! new serum given to a random half of the brand's beauty buyers, the other
//! half held out, and after 60 days the repurchase of the serum in each
//! group. A campaign 75 days before the load — "Serum samples for beauty
//! buyers", to every customer who bought beauty in the year before, half
//! held out, promoting the full-size serum `BT-SERUM-50ML` — with a gift
//! with purchase of two 5 ml samples for its treated customers' next
//! order. Then the customers buy: each buys the full-size serum within 60
//! days of the campaign with a probability of 5 % (15 % for a treated
//! customer the message reached: the sample works — the planted effect the
//! results should find), on a day drawn uniformly in the window; orders
//! sent one by one, as a till sends them (a treated customer's order gets
//! the samples). Drawn from a seeded generator: the same at every load.
//! The programme's margin rate is set to 65 % if it was not set, so the
//! results show an incremental margin and an ROI.

use chrono::{DateTime, Duration, DurationRound, Utc};
use clientele_campaigns::{CampaignSettings, CampaignSpec, MarginRate};
use clientele_kernel::random::SplitMix64;
use clientele_kernel::{CustomerId, InvalidValue, Label, LineId, ShortText};
use clientele_orders::{
    CustomerRef, ExternalOrderId, NewOrder, NewOrderLine, Order, OrderSource, PaymentMethod, SalesChannel,
};
use clientele_profiles::StoreScope;
use clientele_store::{AuditContext, PgConnection};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use crate::campaigns::{StatusChange, change_status, create_campaign, deliver_due, plan_campaigns};

/// The full-size serum the campaign promotes.
pub const SERUM: &str = "BT-SERUM-50ML";
/// How long before the load the campaign ran, and the window measured.
pub const DAYS_AGO: i64 = 75;
pub const WINDOW_DAYS: i64 = 60;
/// Per mille of customers who buy the serum in the window: untouched, and
/// reached by the campaign.
const BASE_PER_MILLE: u64 = 50;
const SAMPLED_PER_MILLE: u64 = 150;

/// What the experiment came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoExperiment {
    pub campaign: Uuid,
    pub treated: usize,
    pub held_out: usize,
    /// Orders of the serum in the window.
    pub orders: usize,
}

fn definition() -> serde_json::Value {
    json!({
        "name": "Serum samples for beauty buyers",
        "audience": {"bought": {"category": "beauty", "within_days": 365}},
        "schedule": {"once": {"at": null}},
        "channel": "sms",
        "action": {"message": {"template": "serum_sample"}},
        "holdout_percent": 50,
        "priority": 70,
        "cost_per_message": "0.35",
        "promoted": {"skus": [SERUM]},
    })
}

/// The gift with purchase of the campaign: two 5 ml samples with the next
/// order in the window, whatever it is.
fn samples(conn: &mut PgConnection, campaign: Uuid, start: DateTime<Utc>, ctx: &AuditContext) -> anyhow::Result<()> {
    let sample = clientele_offers::GiftOffer::new(clientele_offers::GiftOfferParts {
        sku: "BT-SERUM-5ML".to_owned(),
        name: "Serum 5 ml".to_owned(),
        unit_cost: 35.into(),
        quantity: 2,
        min_spend: None,
        eligibility: clientele_offers::Eligibility::default(),
        valid_from: start,
        valid_to: start + Duration::days(WINDOW_DAYS),
    })
    .map_err(|e| anyhow::anyhow!("demo experiment gift: {e}"))?;
    let name = "Serum samples for beauty buyers: two 5 ml samples".to_owned();
    crate::gifts::create_gift_offer(conn, (name, Some(campaign)), sample, ctx)?;
    Ok(())
}

/// One online order of the full-size serum.
fn serum_order(
    n: usize,
    customer: Uuid,
    at: DateTime<Utc>,
    currency: &clientele_kernel::Currency,
) -> anyhow::Result<Order> {
    let parse = |e: InvalidValue| anyhow::anyhow!("demo experiment order: {}", e.message);
    let price = Decimal::from(1_280);
    Order::new(NewOrder {
        source: OrderSource::parse("eshop").map_err(parse)?,
        external_id: ExternalOrderId::parse(&format!("DEMO-SERUM-{n}")).map_err(parse)?,
        store: None,
        channel: SalesChannel::Eshop,
        customer: CustomerRef::Id(CustomerId::from_uuid(customer)),
        ordered_at: at,
        currency: currency.clone(),
        lines: vec![NewOrderLine {
            line_id: LineId::parse("1").map_err(parse)?,
            sku: clientele_orders::Sku::parse(SERUM).map_err(parse)?,
            name: Some(ShortText::parse("Serum 50 ml").map_err(parse)?),
            category: Some(Label::parse("beauty").map_err(parse)?),
            collection: None,
            quantity: 1,
            unit_price: price,
            discount: Decimal::ZERO,
        }],
        amount_paid: price,
        payment_method: PaymentMethod::Card,
        coupons: Vec::new(),
        coupon_codes: Vec::new(),
        points_redeemed: 0,
        sold_by: None,
    })
    .map_err(|e| anyhow::anyhow!("demo experiment order: {e}"))
}

/// Runs the experiment (see the [module documentation](self)) with the
/// history loaded up to `now`.
pub fn experiment(
    conn: &mut PgConnection,
    ctx: &AuditContext,
    now: DateTime<Utc>,
    seed: u64,
) -> anyhow::Result<DemoExperiment> {
    // 02:00 UTC: ten in the morning in China, outside the quiet hours.
    let day = (now - Duration::days(DAYS_AGO)).duration_trunc(Duration::days(1))?;
    let start = day + Duration::hours(2);
    let then = AuditContext { at: start, ..ctx.clone() };
    let spec = CampaignSpec::from_json(&definition()).map_err(|e| anyhow::anyhow!("demo experiment: {e:?}"))?;
    let campaign = create_campaign(conn, &spec, &StoreScope::All, &then)?;
    samples(conn, campaign.id, start, &then)?;
    change_status(conn, campaign.id, StatusChange::Launch, &StoreScope::All, &then)?;
    plan_campaigns(conn, start)?;
    deliver_due(conn, start + Duration::days(1))?;
    plan_campaigns(conn, start + Duration::days(1))?;

    // The brand's gross margin, so the results show a margin and an ROI.
    let (mut settings, _) = clientele_store::settings::settings::<CampaignSettings>(conn)?;
    if settings.margin_rate.is_none() {
        settings.margin_rate = MarginRate::try_from(Decimal::new(65, 2)).ok();
        crate::settings::save(conn, &settings, ctx)?;
    }
    let (config, _) = clientele_store::program(conn)?;
    let mut rng = SplitMix64::new(seed ^ 0x5e_e0_5a_3e);
    let people = clientele_store::campaigns::results::assignments(conn, campaign.id)?;
    let mut orders = 0;
    for a in &people {
        let per_mille = if a.reached { SAMPLED_PER_MILLE } else { BASE_PER_MILLE };
        if rng.below(1_000) >= per_mille {
            continue;
        }
        let minutes = 60 + rng.below((WINDOW_DAYS as u64 - 1) * 24 * 60);
        let at = a.first_contact + Duration::minutes(minutes as i64);
        let order = serum_order(orders, a.customer, at, config.base_currency())?;
        crate::orders::ingest_order(conn, order, &StoreScope::All, &AuditContext { at, ..ctx.clone() })?;
        orders += 1;
    }
    let held_out = people.iter().filter(|a| a.held_out).count();
    Ok(DemoExperiment { campaign: campaign.id, treated: people.len() - held_out, held_out, orders })
}

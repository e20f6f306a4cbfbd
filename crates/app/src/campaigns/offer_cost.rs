//! What a campaign's offers are expected to cost (issue #13, shown by the
//! dry run): for each coupon, points offer and gift with purchase of the
//! campaign, its unit cost by `clientele_offers::unit_cost` and the
//! redemptions expected from the contacts the launch would make.

use chrono::NaiveDate;
use clientele_loyalty::{PointValue, Points};
use clientele_offers::{Amount, CostAssumptions, OfferRef, OffersSettings, expected_cost, unit_cost};
use clientele_store::{PgConnection, StoreError};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use uuid::Uuid;

/// One offer of the campaign, costed.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferCost {
    /// `coupon`, `points_offer`, `gift_offer`.
    pub kind: &'static str,
    pub id: Uuid,
    pub name: String,
    /// What one redemption costs, base currency.
    pub unit_cost: Decimal,
    pub expected_redemptions: u32,
    pub expected_cost: Decimal,
}

/// The campaign's offers costed, with the assumptions used.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferCosts {
    pub offers: Vec<OfferCost>,
    /// The sum of the offers' expected costs.
    pub total: Decimal,
    /// The share of contacts expected to redeem each offer.
    pub redemption_rate: f64,
    /// The average spend per order a coupon is costed on: the population
    /// mean of the latest customer-value fit (None: no fit yet, 0 used).
    pub average_spend: Option<Decimal>,
    /// What a point costs (the programme's value of a point; None: not set,
    /// points offers costed at 0).
    pub cost_per_point: Option<Decimal>,
}

/// The expected cost of the offers of campaign `id` if `contacts` are
/// made, each offer redeemed by `redemption_rate` of them (rounded down).
pub fn campaign_offer_costs(
    conn: &mut PgConnection,
    id: Uuid,
    (contacts, redemption_rate): (u64, f64),
    today: NaiveDate,
) -> Result<OfferCosts, StoreError> {
    let coupons = clientele_store::offers::coupons_of_campaign(conn, id)?;
    let points = clientele_store::offers::points_offers_of_campaign(conn, id)?;
    let gifts = clientele_store::offers::gift_offers_of_campaign(conn, id)?;
    let mut costs = OfferCosts {
        offers: Vec::new(),
        total: Decimal::ZERO,
        redemption_rate,
        average_spend: None,
        cost_per_point: None,
    };
    if coupons.is_empty() && points.is_empty() && gifts.is_empty() {
        return Ok(costs);
    }
    let fit = clientele_store::previous_fit(conn, today.succ_opt().unwrap_or(today))?;
    costs.average_spend = fit
        .gamma_gamma
        .map(|g| g.population_mean_spend())
        .and_then(Decimal::from_f64)
        .map(|d| d.round_dp(2))
        .filter(|d| !d.is_sign_negative());
    let (config, _) = clientele_store::program(conn)?;
    costs.cost_per_point = config.redemption_value_per_point().map(PointValue::get);
    let (settings, _) = clientele_store::settings::settings::<OffersSettings>(conn)?;
    let spend = costs.average_spend.unwrap_or_default();
    let base_points = (spend * config.earn_rate().get()).floor();
    let assumptions = CostAssumptions {
        average_eligible_spend: Amount::new(spend).unwrap_or(Amount::ZERO),
        average_base_points: base_points.try_into().ok().and_then(|p: i64| Points::new(p).ok()).unwrap_or(Points::ZERO),
        // Without a value per point, points offers are costed at 0 (below);
        // this placeholder is used by no other kind.
        cost_per_point: match config.redemption_value_per_point() {
            Some(v) => v,
            None => PointValue::new(Decimal::ONE).map_err(|e| StoreError::Corrupt(e.message))?,
        },
        ceiling: settings.ceiling(None),
    };
    let redemptions = u32::try_from((contacts as f64 * redemption_rate).floor() as u64).unwrap_or(u32::MAX);
    let offers = coupons
        .iter()
        .map(|c| ("coupon", c.id, c.name.clone(), OfferRef::Coupon(&c.definition)))
        .chain(points.iter().map(|p| ("points_offer", p.id, p.name.clone(), OfferRef::Points(&p.definition))))
        .chain(gifts.iter().map(|g| ("gift_offer", g.id, g.name.clone(), OfferRef::Gift(&g.definition))));
    let priced = costs.cost_per_point.is_some();
    for (kind, id, name, offer) in offers {
        let unpriced_points = matches!(offer, OfferRef::Points(_)) && !priced;
        let cost = if unpriced_points { Decimal::ZERO } else { expected_cost(offer, redemptions, &assumptions) };
        costs.total += cost;
        costs.offers.push(OfferCost {
            kind,
            id,
            name,
            unit_cost: if unpriced_points { Decimal::ZERO } else { unit_cost(offer, &assumptions) },
            expected_redemptions: redemptions,
            expected_cost: cost,
        });
    }
    Ok(costs)
}

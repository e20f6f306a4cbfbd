//! What an offer costs the brand, per redemption and for a number of
//! redemptions: the figure a campaign's dry run shows before launch.
//!
//! Per redemption ([`unit_cost`]):
//! - a **coupon** costs the discount it gives an average order: the
//!   fixed amount, or p % of the average eligible spend (rounded as at the
//!   till: nearest cent, a half cent down), capped as at the till by its
//!   `max_discount`, by the eligible spend itself and by the discount
//!   ceiling (of the spend, rounded down to the cent);
//! - a **points offer** costs its extra points × the programme's cost per
//!   point: the bonus, or `floor((m − 1) × average base points)`;
//! - a **gift with purchase** costs its unit cost × the quantity given;
//! - a **reward** costs its unit cost (the points it takes were already
//!   counted as a cost when they were earned).
//!
//! The expected cost of N redemptions ([`expected_cost`]) is N × the unit
//! cost, exact (no further rounding; the unit costs are in cents except a
//! points offer's, which has the decimals of the cost per point).

use clientele_loyalty::{PointValue, Points};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::apply::DiscountCeiling;
use crate::coupon::{CouponDefinition, CouponKind};
use crate::gift::GiftOffer;
use crate::points::{PointsOffer, PointsOfferKind};
use crate::reward::Reward;
use crate::values::Amount;

/// The programme's figures and the campaign's expectations a cost needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CostAssumptions {
    /// The average gross of the eligible lines of an order using a coupon.
    pub average_eligible_spend: Amount,
    /// The average base points of the qualifying lines of an order using a
    /// multiplier.
    pub average_base_points: Points,
    /// What one point costs the programme, in the base currency.
    pub cost_per_point: PointValue,
    /// The discount ceiling per line.
    pub ceiling: DiscountCeiling,
}

/// An offer of any kind, for costing.
#[derive(Debug, Clone, Copy)]
pub enum OfferRef<'a> {
    /// A coupon.
    Coupon(&'a CouponDefinition),
    /// A points offer.
    Points(&'a PointsOffer),
    /// A gift with purchase.
    Gift(&'a GiftOffer),
    /// A reward of the catalogue.
    Reward(&'a Reward),
}

/// What one redemption of `offer` costs (see the module's documentation).
pub fn unit_cost(offer: OfferRef<'_>, assumptions: &CostAssumptions) -> Decimal {
    match offer {
        OfferRef::Coupon(coupon) => coupon_cost(coupon, assumptions).get(),
        OfferRef::Points(points) => {
            let extra = match points.kind() {
                PointsOfferKind::Bonus(bonus) => i128::from(bonus.get()),
                PointsOfferKind::Multiplier(m) => {
                    i128::from(assumptions.average_base_points.get()) * m.extra_hundredths() / 100
                }
            };
            Decimal::from_i128_with_scale(extra, 0)
                .checked_mul(assumptions.cost_per_point.get())
                .unwrap_or(Decimal::MAX)
                .normalize()
        }
        OfferRef::Gift(gift) => gift.unit_cost().get() * Decimal::from(gift.quantity()),
        OfferRef::Reward(reward) => reward.unit_cost().get(),
    }
}

fn coupon_cost(coupon: &CouponDefinition, assumptions: &CostAssumptions) -> Amount {
    let spend = assumptions.average_eligible_spend.cents();
    let nominal = match coupon.kind() {
        CouponKind::Percent(p) => p.of_cents_half_down(spend),
        CouponKind::FixedAmount(a) => a.cents(),
    };
    let ceiling = assumptions.ceiling.effective().of_cents_floor(spend);
    let max = coupon.max_discount().map_or(i128::MAX, Amount::cents);
    Amount::from_cents(nominal.min(max).min(spend).min(ceiling))
}

/// What `redemptions` redemptions of `offer` are expected to cost:
/// redemptions × [`unit_cost`], exact.
pub fn expected_cost(offer: OfferRef<'_>, redemptions: u32, assumptions: &CostAssumptions) -> Decimal {
    unit_cost(offer, assumptions).checked_mul(Decimal::from(redemptions)).unwrap_or(Decimal::MAX)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::coupon::{CouponDefinitionParts, CouponKindParts};
    use crate::gift::GiftOfferParts;
    use crate::points::{PointsOfferKindParts, PointsOfferParts};
    use crate::reward::{RewardKind, RewardParts};
    use crate::values::Percent;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn assumptions(ceiling: &str) -> CostAssumptions {
        CostAssumptions {
            average_eligible_spend: Amount::parse("3000").unwrap(),
            average_base_points: Points::new(3_001).unwrap(),
            cost_per_point: PointValue::parse("0.005").unwrap(),
            ceiling: DiscountCeiling { programme: Percent::parse(ceiling).unwrap(), campaign: None },
        }
    }

    fn coupon(kind: CouponKindParts, max_discount: Option<&str>) -> CouponDefinition {
        CouponDefinition::new(CouponDefinitionParts {
            kind,
            min_spend: None,
            eligibility: Default::default(),
            valid_from: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
            valid_to: Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
            stackable: false,
            max_discount: max_discount.map(d),
            uses_per_customer: 1,
            max_uses: None,
        })
        .unwrap()
    }

    #[test]
    fn coupons_cost_their_capped_discount() {
        let a = assumptions("100");
        let fifteen = coupon(CouponKindParts::Percent(d("15")), None);
        assert_eq!(unit_cost(OfferRef::Coupon(&fifteen), &a), d("450"));
        assert_eq!(expected_cost(OfferRef::Coupon(&fifteen), 1_000, &a), d("450000"));
        let capped = coupon(CouponKindParts::Percent(d("15")), Some("300"));
        assert_eq!(unit_cost(OfferRef::Coupon(&capped), &a), d("300"));
        let fixed = coupon(CouponKindParts::FixedAmount(d("500")), None);
        assert_eq!(unit_cost(OfferRef::Coupon(&fixed), &a), d("500"));
        assert_eq!(unit_cost(OfferRef::Coupon(&fixed), &assumptions("10")), d("300"));
    }

    #[test]
    fn points_gifts_and_rewards() {
        let a = assumptions("100");
        let window =
            (Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(), Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap());
        let offer = |kind| {
            PointsOffer::new(PointsOfferParts {
                kind,
                min_spend: None,
                eligibility: Default::default(),
                valid_from: window.0,
                valid_to: window.1,
            })
            .unwrap()
        };
        let bonus = offer(PointsOfferKindParts::Bonus(500));
        assert_eq!(unit_cost(OfferRef::Points(&bonus), &a), d("2.5"));
        // 3,001 × 0.5 = 1,500.5 → 1,500 points × 0.005.
        let half = offer(PointsOfferKindParts::Multiplier(d("1.5")));
        assert_eq!(unit_cost(OfferRef::Points(&half), &a), d("7.5"));
        assert_eq!(expected_cost(OfferRef::Points(&half), 200, &a), d("1500"));
        let gift = GiftOffer::new(GiftOfferParts {
            sku: "KIT".into(),
            name: "Kit".into(),
            unit_cost: d("35.50"),
            quantity: 2,
            min_spend: None,
            eligibility: Default::default(),
            valid_from: window.0,
            valid_to: window.1,
        })
        .unwrap();
        assert_eq!(expected_cost(OfferRef::Gift(&gift), 10, &a), d("710"));
        let reward = Reward::new(RewardParts {
            kind: RewardKind::Service,
            name: "Cleaning".into(),
            points_cost: 800,
            unit_cost: d("60"),
            stock: None,
            tiers: vec![],
            per_member_limit: None,
            valid_from: window.0,
            valid_to: window.1,
        })
        .unwrap();
        assert_eq!(expected_cost(OfferRef::Reward(&reward), 3, &a), d("180"));
    }
}

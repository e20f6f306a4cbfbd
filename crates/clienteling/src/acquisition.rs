//! Acquisition channels by count, cost and later value (docs/kpis.md): the
//! customers who joined in a period, per channel, what acquiring them cost
//! in the base currency, and their average lifetime value in the latest
//! segment snapshot.
//!
//! The store counts groups of customers (same channel, same cost currency
//! and rate); [`channel_figures`] adds the groups up per channel, converts
//! the costs and works out the averages.

use std::collections::BTreeMap;

use clientele_profiles::AcquisitionChannel;
use rust_decimal::Decimal;

use crate::figures::ratio;

/// What acquiring a group of customers cost, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupCost {
    /// No cost was recorded for them.
    NotRecorded,
    /// Σ of their costs in one currency, and the rate into the base currency
    /// valid on the day they joined (1 for the base currency itself).
    Known { amount: Decimal, rate: Decimal },
    /// A cost in a currency without a rate on the day they joined.
    NoRate,
}

/// Customers who joined in the period through one channel, with one cost
/// currency and rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquisitionGroup {
    /// None when no channel was recorded ("unknown").
    pub channel: Option<AcquisitionChannel>,
    pub customers: u64,
    pub cost: GroupCost,
    /// Of them, those with a lifetime value in the latest snapshot.
    pub with_clv: u64,
    /// Σ of those lifetime values, base currency.
    pub clv: Decimal,
}

/// One channel's figures over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelFigures {
    /// None for "unknown".
    pub channel: Option<AcquisitionChannel>,
    /// Customers who joined through it in the period.
    pub customers: u64,
    /// Of them, those whose cost is known in the base currency.
    pub customers_with_cost: u64,
    /// What acquiring those cost, base currency (2 decimals).
    pub cost: Decimal,
    /// `cost ÷ customers_with_cost` (2 decimals).
    pub cost_per_customer: Option<Decimal>,
    /// Of `customers`, those with a lifetime value in the latest snapshot.
    pub customers_with_clv: u64,
    /// Their average lifetime value (2 decimals).
    pub average_clv: Option<Decimal>,
}

#[derive(Default)]
struct Sums {
    customers: u64,
    with_cost: u64,
    cost: Decimal,
    with_clv: u64,
    clv: Decimal,
}

/// The figures per channel, most customers first (then by channel name,
/// "unknown" last among equals). Costs are converted group by group at
/// their rate, summed and rounded to the cent once (half away from zero).
pub fn channel_figures(groups: &[AcquisitionGroup]) -> Vec<ChannelFigures> {
    let mut by_channel: BTreeMap<Option<AcquisitionChannel>, Sums> = BTreeMap::new();
    for g in groups {
        let s = by_channel.entry(g.channel).or_default();
        s.customers += g.customers;
        if let GroupCost::Known { amount, rate } = g.cost {
            s.with_cost += g.customers;
            s.cost += amount * rate;
        }
        s.with_clv += g.with_clv;
        s.clv += g.clv;
    }
    let round = |d: Decimal| d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let mut figures: Vec<ChannelFigures> = by_channel
        .into_iter()
        .filter(|(_, s)| s.customers > 0)
        .map(|(channel, s)| ChannelFigures {
            channel,
            customers: s.customers,
            customers_with_cost: s.with_cost,
            cost: round(s.cost),
            cost_per_customer: ratio(s.cost, Decimal::from(s.with_cost), 2),
            customers_with_clv: s.with_clv,
            average_clv: ratio(s.clv, Decimal::from(s.with_clv), 2),
        })
        .collect();
    figures.sort_by(|a, b| {
        b.customers
            .cmp(&a.customers)
            .then_with(|| a.channel.is_none().cmp(&b.channel.is_none()))
            .then_with(|| a.channel.map(AcquisitionChannel::as_str).cmp(&b.channel.map(AcquisitionChannel::as_str)))
    });
    figures
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn group(channel: Option<AcquisitionChannel>, customers: u64, cost: GroupCost) -> AcquisitionGroup {
        AcquisitionGroup { channel, customers, cost, with_clv: 0, clv: Decimal::ZERO }
    }

    #[test]
    fn costs_are_converted_per_group_and_averaged_over_known_costs() {
        let referral = Some(AcquisitionChannel::Referral);
        let groups = [
            group(referral, 2, GroupCost::Known { amount: Decimal::new(300, 0), rate: Decimal::ONE }),
            // 10 EUR at 7.8123 (78.123 CNY) for one customer.
            group(referral, 1, GroupCost::Known { amount: Decimal::new(10, 0), rate: Decimal::new(78_123, 4) }),
            group(referral, 4, GroupCost::NotRecorded),
            group(referral, 1, GroupCost::NoRate),
            AcquisitionGroup {
                channel: None,
                customers: 3,
                cost: GroupCost::NotRecorded,
                with_clv: 2,
                clv: Decimal::new(1001, 0),
            },
        ];
        let f = channel_figures(&groups);
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].channel, f[0].customers, f[0].customers_with_cost), (referral, 8, 3));
        assert_eq!(f[0].cost, Decimal::new(37_812, 2));
        assert_eq!(f[0].cost_per_customer, Some(Decimal::new(12_604, 2)));
        assert_eq!((f[0].customers_with_clv, f[0].average_clv), (0, None));
        assert_eq!((f[1].channel, f[1].cost, f[1].cost_per_customer), (None, Decimal::ZERO, None));
        assert_eq!(f[1].average_clv, Some(Decimal::new(50_050, 2)));
        assert!(channel_figures(&[]).is_empty());
    }

    fn channel() -> impl Strategy<Value = Option<AcquisitionChannel>> {
        prop::option::of(prop::sample::select(AcquisitionChannel::ALL.to_vec()))
    }

    fn cost() -> impl Strategy<Value = GroupCost> {
        prop_oneof![
            Just(GroupCost::NotRecorded),
            Just(GroupCost::NoRate),
            (0_i64..10_000_000, 1_i64..100_000)
                .prop_map(|(a, r)| GroupCost::Known { amount: Decimal::new(a, 2), rate: Decimal::new(r, 4) }),
        ]
    }

    fn groups() -> impl Strategy<Value = Vec<AcquisitionGroup>> {
        prop::collection::vec(
            (channel(), 0_u64..50, cost(), 0_u64..50, 0_i64..100_000_000).prop_map(
                |(channel, customers, cost, v, clv)| {
                    let with_clv = v.min(customers);
                    let clv = if with_clv == 0 { Decimal::ZERO } else { Decimal::new(clv, 2) };
                    AcquisitionGroup { channel, customers, cost, with_clv, clv }
                },
            ),
            0..20,
        )
    }

    proptest! {
        /// Nothing is lost or counted twice: the channels' customers add up
        /// to the groups', each channel appears once, the list does not
        /// depend on the groups' order, and an average times its count is
        /// the total within rounding.
        #[test]
        fn channels_add_up_to_their_groups(groups in groups()) {
            let f = channel_figures(&groups);
            prop_assert_eq!(f.iter().map(|c| c.customers).sum::<u64>(), groups.iter().map(|g| g.customers).sum::<u64>());
            let mut seen: Vec<_> = f.iter().map(|c| c.channel).collect();
            seen.dedup();
            prop_assert_eq!(seen.len(), f.len());
            prop_assert!(f.windows(2).all(|w| w[0].customers >= w[1].customers));
            let mut reversed = groups.clone();
            reversed.reverse();
            prop_assert_eq!(channel_figures(&reversed), f.clone());
            for c in &f {
                prop_assert!(c.customers_with_cost <= c.customers && c.customers_with_clv <= c.customers);
                if let Some(per) = c.cost_per_customer {
                    let back = per * Decimal::from(c.customers_with_cost);
                    prop_assert!((back - c.cost).abs() <= Decimal::new(1, 2) * Decimal::from(c.customers_with_cost));
                }
                prop_assert_eq!(c.cost_per_customer.is_none(), c.customers_with_cost == 0);
                prop_assert_eq!(c.average_clv.is_none(), c.customers_with_clv == 0);
            }
        }
    }
}

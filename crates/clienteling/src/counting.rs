//! What a store's figures are counted from (docs/kpis.md): for each of
//! three periods — the period, the year before, and the year before that
//! (the year before's churn) — the sales, which add up across stores, and
//! the customers who bought with a kept order, which do not (a customer of
//! two stores is one customer of both together); with the first two order
//! days of the customers whose first order falls in the period or the year
//! before. [`counts`] turns them into the [`StoreCounts`] of the period and
//! of the year before.

use std::collections::{HashMap, HashSet};

use clientele_kernel::CustomerId;
use rust_decimal::Decimal;

use crate::{FirstOrders, Period, StoreCounts};

/// Money, orders and units of a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sales {
    /// Paid for the period's orders, base currency.
    pub gross: Decimal,
    /// The part of it paid by known customers.
    pub member: Decimal,
    /// Refunded by the period's returns.
    pub refunds: Decimal,
    pub orders: u64,
    pub units: u64,
}

impl std::ops::AddAssign<&Sales> for Sales {
    fn add_assign(&mut self, other: &Sales) {
        self.gross += other.gross;
        self.member += other.member;
        self.refunds += other.refunds;
        self.orders += other.orders;
        self.units += other.units;
    }
}

/// One period of a store (or of an associate, or of several stores
/// together): its sales, and the customers (known, not merged away or
/// erased) with an order in it that was not wholly returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodFacts {
    pub sales: Sales,
    pub buyers: HashSet<CustomerId>,
}

/// The facts of the period, the year before and the year before that.
pub type ThreePeriods = [PeriodFacts; 3];

/// The facts of several stores together: their sales added up, their
/// buyers united.
pub fn combined<'a>(stores: impl IntoIterator<Item = &'a ThreePeriods>) -> ThreePeriods {
    let mut all = ThreePeriods::default();
    for store in stores {
        for (sum, one) in all.iter_mut().zip(store) {
            sum.sales += &one.sales;
            sum.buyers.extend(one.buyers.iter().copied());
        }
    }
    all
}

/// The counts of `period` and of the year before, each period's churn
/// measured against the year before it. `firsts` holds the first orders of
/// (at least) every customer whose first order falls in the period or the
/// year before; a buyer without one there first bought before the period
/// they bought in.
pub fn counts(
    facts: &ThreePeriods,
    firsts: &HashMap<CustomerId, FirstOrders>,
    period: &Period,
) -> (StoreCounts, StoreCounts) {
    let year_before = period.year_before();
    (count(&facts[0], &facts[1], firsts, period), count(&facts[1], &facts[2], firsts, &year_before))
}

fn count(
    now: &PeriodFacts,
    before: &PeriodFacts,
    firsts: &HashMap<CustomerId, FirstOrders>,
    period: &Period,
) -> StoreCounts {
    let n = |x: usize| u64::try_from(x).unwrap_or(u64::MAX);
    let new: Vec<&FirstOrders> =
        now.buyers.iter().filter_map(|c| firsts.get(c)).filter(|f| f.is_new_in(period)).collect();
    let repeat = new.iter().filter(|f| f.repeated_by_end_of(period)).count();
    let s = &now.sales;
    StoreCounts {
        gross_sales: s.gross,
        member_sales: s.member,
        refunds: s.refunds,
        orders: s.orders,
        units: s.units,
        customers: n(now.buyers.len()),
        returning: n(now.buyers.len() - new.len()),
        new_customers: n(new.len()),
        new_repeat: n(repeat),
        before_customers: n(before.buyers.len()),
        lapsed: n(before.buyers.difference(&now.buyers).count()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::NaiveDate;
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;

    fn day(n: u16) -> NaiveDate {
        NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + chrono::Days::new(u64::from(n))
    }

    fn customer(n: u8) -> CustomerId {
        CustomerId::from_uuid(Uuid::from_u128(u128::from(n) + 1))
    }

    /// An order: (customer, store, day, kept).
    type Order = (u8, u8, u16, bool);

    fn orders() -> impl Strategy<Value = Vec<Order>> {
        prop::collection::vec((0_u8..12, 0_u8..3, 0_u16..1500, prop::bool::weighted(0.9)), 0..60)
    }

    /// The buyers of `stores` in `p`, as docs/kpis.md says.
    fn buyers(orders: &[Order], stores: &BTreeSet<u8>, p: &Period) -> HashSet<CustomerId> {
        orders
            .iter()
            .filter(|(_, s, d, kept)| *kept && stores.contains(s) && p.contains(day(*d)))
            .map(|(c, ..)| customer(*c))
            .collect()
    }

    proptest! {
        /// The counts are the definitions of docs/kpis.md restated on the
        /// orders themselves, for one store and for stores together, and a
        /// long period overlapping the year before is counted on its own.
        #[test]
        fn counts_are_the_definitions(orders in orders(), start in 366_u16..1100, len in 0_u16..500, two in any::<bool>()) {
            let period = Period::new(day(start), day(start + len), ("from", "to")).unwrap();
            let periods = [period, period.year_before(), period.year_before().year_before()];
            let stores: BTreeSet<u8> = if two { [0, 1].into() } else { [0].into() };
            let facts_of = |store: u8| -> ThreePeriods {
                periods.map(|p| PeriodFacts { sales: Sales::default(), buyers: buyers(&orders, &[store].into(), &p) })
            };
            let facts = combined(stores.iter().map(|s| facts_of(*s)).collect::<Vec<_>>().iter());
            let mut firsts: HashMap<CustomerId, FirstOrders> = HashMap::new();
            for (c, _, d, _) in &orders {
                let f = firsts.get(&customer(*c)).map_or(FirstOrders::one(day(*d)), |f| f.and_order_on(day(*d)));
                firsts.insert(customer(*c), f);
            }
            // Only the customers whose first order is in the period or the year before are needed.
            let needed: HashMap<CustomerId, FirstOrders> = firsts
                .iter()
                .filter(|(_, f)| periods[..2].iter().any(|p| p.contains(f.first())))
                .map(|(c, f)| (*c, *f))
                .collect();
            let (now, then) = counts(&facts, &needed, &period);
            for (got, p, before) in [(now, periods[0], periods[1]), (then, periods[1], periods[2])] {
                let (these, those) = (buyers(&orders, &stores, &p), buyers(&orders, &stores, &before));
                let all_orders = |c: CustomerId| orders.iter().filter(move |(x, ..)| customer(*x) == c);
                let first = |c: &CustomerId| all_orders(*c).map(|(_, _, d, _)| day(*d)).min().unwrap();
                let new: Vec<&CustomerId> = these.iter().filter(|c| first(c) >= p.from()).collect();
                let repeat = new.iter().filter(|c| all_orders(***c).filter(|(_, _, d, _)| day(*d) <= p.to()).count() >= 2).count();
                prop_assert_eq!(got.customers, these.len() as u64);
                prop_assert_eq!(got.new_customers, new.len() as u64);
                prop_assert_eq!(got.returning, (these.len() - new.len()) as u64);
                prop_assert_eq!(got.new_repeat, repeat as u64);
                prop_assert_eq!(got.before_customers, those.len() as u64);
                prop_assert_eq!(got.lapsed, those.difference(&these).count() as u64);
            }
        }
    }

    #[test]
    fn sales_add_up_and_buyers_unite() {
        let one = |c: u8, paid: i64| PeriodFacts {
            sales: Sales {
                gross: Decimal::from(paid),
                member: Decimal::from(paid),
                refunds: Decimal::ONE,
                orders: 1,
                units: 2,
            },
            buyers: [customer(c)].into(),
        };
        let a: ThreePeriods = [one(1, 100), one(2, 50), PeriodFacts::default()];
        let b: ThreePeriods = [one(1, 30), one(3, 20), PeriodFacts::default()];
        let both = combined([&a, &b]);
        assert_eq!(both[0].sales.gross, Decimal::from(130));
        assert_eq!((both[0].sales.orders, both[0].sales.units, both[0].buyers.len()), (2, 4, 1));
        assert_eq!(both[1].buyers.len(), 2);
    }
}

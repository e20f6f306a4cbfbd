//! A customer's first two order days: all a store's figures need to tell a
//! new customer from a returning one, and a new customer who came back
//! (docs/kpis.md). Every order of the customer record counts, returned or
//! not, at any store; orders are never taken away, so the pair only ever
//! moves earlier as orders (or older history) arrive.

use chrono::NaiveDate;

use crate::Period;

/// The business days of a customer's first and second orders (the same day
/// twice for two orders on one day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FirstOrders {
    first: NaiveDate,
    second: Option<NaiveDate>,
}

impl FirstOrders {
    /// A customer with one order, on `day`.
    pub const fn one(day: NaiveDate) -> FirstOrders {
        FirstOrders { first: day, second: None }
    }

    /// The first two of `days` (in any order); None without a day.
    pub fn of(days: impl IntoIterator<Item = NaiveDate>) -> Option<FirstOrders> {
        days.into_iter().map(FirstOrders::one).reduce(FirstOrders::merge)
    }

    /// With one more order, on `day`.
    pub fn and_order_on(self, day: NaiveDate) -> FirstOrders {
        self.merge(FirstOrders::one(day))
    }

    /// The first two orders of both (two customers' records seen as one, or
    /// what was stored and a new batch).
    pub fn merge(self, other: FirstOrders) -> FirstOrders {
        let (early, late) = if other.first < self.first { (other, self) } else { (self, other) };
        let second = match early.second {
            Some(s) if s <= late.first => s,
            _ => late.first,
        };
        FirstOrders { first: early.first, second: Some(second) }
    }

    pub const fn first(&self) -> NaiveDate {
        self.first
    }

    pub const fn second(&self) -> Option<NaiveDate> {
        self.second
    }

    /// A customer of `period` is new in it when their first order falls in
    /// it; otherwise (an order before it) they are returning.
    pub fn is_new_in(&self, period: &Period) -> bool {
        period.from() <= self.first
    }

    /// Two orders or more by the end of `period`.
    pub fn repeated_by_end_of(&self, period: &Period) -> bool {
        self.second.is_some_and(|s| s <= period.to())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn day(n: u16) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(u64::from(n))
    }

    #[test]
    fn two_orders_on_one_day_make_a_repeat_that_day() {
        let f = FirstOrders::one(day(5)).and_order_on(day(5));
        assert_eq!((f.first(), f.second()), (day(5), Some(day(5))));
        let q = Period::new(day(0), day(5), ("from", "to")).unwrap();
        assert!(f.is_new_in(&q) && f.repeated_by_end_of(&q));
        let later = FirstOrders::one(day(5)).and_order_on(day(9));
        assert!(!later.repeated_by_end_of(&q));
        assert!(!FirstOrders::one(day(3)).is_new_in(&Period::new(day(4), day(9), ("from", "to")).unwrap()));
        assert_eq!(FirstOrders::of([]), None);
    }

    proptest! {
        /// Whatever the order days come in, and however they are split into
        /// batches, the pair is the two earliest days of all of them.
        #[test]
        fn the_pair_is_the_two_earliest_days(days in prop::collection::vec(0_u16..2000, 1..30), split in 0_usize..30) {
            let days: Vec<NaiveDate> = days.into_iter().map(day).collect();
            let mut sorted = days.clone();
            sorted.sort();
            let all = FirstOrders::of(days.iter().copied()).unwrap();
            prop_assert_eq!((all.first(), all.second()), (sorted[0], sorted.get(1).copied()));
            let split = split.min(days.len());
            let (a, b) = days.split_at(split);
            let merged = match (FirstOrders::of(a.iter().copied()), FirstOrders::of(b.iter().copied())) {
                (Some(x), Some(y)) => y.merge(x),
                (x, y) => x.or(y).unwrap(),
            };
            prop_assert_eq!(merged, all);
            let added = days[1..].iter().fold(FirstOrders::one(days[0]), |f, d| f.and_order_on(*d));
            prop_assert_eq!(added, all);
        }
    }
}

//! From a customer's [`PurchaseFacts`] to their [`History`]: how the
//! value models see them, in days.

use std::fmt;

use chrono::NaiveDate;
use clientele_rfm::PurchaseSummary;
use clientele_value::CustomerSummary;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::SegmentsError;

/// What is known of one customer's purchases up to the as-of date, as the
/// store aggregates it from orders and returns.
///
/// A *purchase day* is a business day with at least one order not returned
/// in full by the as-of date; *net* is what was paid (base currency) less
/// what was returned by then. The window is the days after
/// [`RefreshConfig::window_start`](crate::RefreshConfig::window_start) up to
/// the as-of date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseFacts<K> {
    /// Who: the caller's key, carried through to the snapshot line.
    pub customer: K,
    /// The first purchase day.
    pub first_day: NaiveDate,
    /// The last purchase day (on or before the as-of date).
    pub last_day: NaiveDate,
    /// Distinct purchase days (at least one).
    pub purchase_days: u32,
    /// Orders in the window (less those returned in full).
    pub window_orders: u32,
    /// Net paid in the window.
    pub window_net: Decimal,
    /// Orders over the whole history (less those returned in full).
    pub total_orders: u32,
    /// Net paid over the whole history.
    pub total_net: Decimal,
    /// Net paid on the first purchase day.
    pub first_day_net: Decimal,
}

impl<K> PurchaseFacts<K> {
    /// What the RFM settings score, under another key (the refresh keys
    /// customers by their position).
    pub fn summary<J>(&self, key: J) -> PurchaseSummary<J> {
        PurchaseSummary {
            customer: key,
            first_purchase: self.first_day,
            last_purchase: self.last_day,
            window_orders: self.window_orders,
            window_net: self.window_net,
            lifetime_orders: self.total_orders,
            lifetime_net: self.total_net,
        }
    }
}

/// One customer's history as the value models see it, in days: the first
/// purchase day does not count as a repeat purchase, and its spend is not in
/// the average repeat spend (Fader, Hardie & Lee).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct History {
    first_purchase: NaiveDate,
    repeat_purchases: u32,
    average_repeat_spend: Decimal,
    summary: Option<CustomerSummary>,
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub(crate) fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

impl History {
    /// The history of `facts` as of `as_of`: x = purchase days − 1 repeat
    /// purchases, tₓ = days from the first to the last purchase day, T =
    /// days from the first purchase day to `as_of`, and the average net of
    /// the repeat purchase days (never below zero, 2 places).
    ///
    /// Refuses facts that contradict each other or `as_of`
    /// ([`SegmentsError::InvalidFacts`]): the first day after the last, the
    /// last after `as_of`, no purchase day, or more purchase days than days
    /// from the first to the last (one day exactly when they are the same).
    pub fn of<K: fmt::Debug>(facts: &PurchaseFacts<K>, as_of: NaiveDate) -> Result<History, SegmentsError> {
        let invalid = |reason| SegmentsError::InvalidFacts { customer: format!("{:?}", facts.customer), reason };
        check(facts, as_of).map_err(invalid)?;
        let repeat_purchases = facts.purchase_days - 1;
        let average_repeat_spend = if repeat_purchases > 0 {
            facts
                .total_net
                .checked_sub(facts.first_day_net)
                .and_then(|repeat_net| repeat_net.checked_div(Decimal::from(repeat_purchases)))
                .ok_or_else(|| invalid("net paid out of range"))?
                .max(Decimal::ZERO)
                .round_dp(2)
        } else {
            Decimal::ZERO
        };
        let age = days_between(facts.first_day, as_of);
        let summary = if age > 0 {
            let recency = days_between(facts.first_day, facts.last_day) as f64;
            let monetary = average_repeat_spend.to_f64().unwrap_or(0.0);
            let summary = CustomerSummary::new(repeat_purchases, recency, age as f64, monetary)
                .map_err(|source| SegmentsError::Summary { customer: format!("{:?}", facts.customer), source })?;
            Some(summary)
        } else {
            None
        };
        Ok(History { first_purchase: facts.first_day, repeat_purchases, average_repeat_spend, summary })
    }

    /// The first purchase day.
    pub fn first_purchase(&self) -> NaiveDate {
        self.first_purchase
    }

    /// x: purchase days after the first.
    pub fn repeat_purchases(&self) -> u32 {
        self.repeat_purchases
    }

    /// The average net paid per repeat purchase day (0 without one).
    pub fn average_repeat_spend(&self) -> Decimal {
        self.average_repeat_spend
    }

    /// (x, tₓ, T, average repeat spend) in days for the value models; None
    /// when the customer first bought on the as-of date (T = 0: no time
    /// observed, outside the models).
    pub fn summary(&self) -> Option<CustomerSummary> {
        self.summary
    }
}

/// Why `facts` cannot be a customer's facts as of `as_of`, if they cannot.
fn check<K>(facts: &PurchaseFacts<K>, as_of: NaiveDate) -> Result<(), &'static str> {
    if facts.first_day > facts.last_day {
        return Err("the first purchase day is after the last");
    }
    if facts.last_day > as_of {
        return Err("the last purchase day is after the as-of date");
    }
    if facts.purchase_days == 0 {
        return Err("no purchase day");
    }
    if facts.total_orders < facts.purchase_days || facts.total_orders < facts.window_orders {
        return Err("fewer orders than purchase days, or than orders in the window");
    }
    let span = days_between(facts.first_day, facts.last_day);
    let fits = if span == 0 { facts.purchase_days == 1 } else { facts.purchase_days >= 2 };
    if !fits || i64::from(facts.purchase_days) > span + 1 {
        return Err("the purchase days do not fit between the first and the last");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, d).unwrap()
    }

    fn facts(first: u32, last: u32, purchase_days: u32, total: i64, first_day: i64) -> PurchaseFacts<&'static str> {
        PurchaseFacts {
            customer: "c",
            first_day: day(first),
            last_day: day(last),
            purchase_days,
            window_orders: purchase_days,
            total_orders: purchase_days,
            window_net: Decimal::new(total, 0),
            total_net: Decimal::new(total, 0),
            first_day_net: Decimal::new(first_day, 0),
        }
    }

    #[test]
    fn a_history_counts_the_days_after_the_first_and_their_average_spend() {
        let h = History::of(&facts(1, 21, 4, 1000, 100), day(30)).unwrap();
        assert_eq!((h.first_purchase(), h.repeat_purchases()), (day(1), 3));
        assert_eq!(h.average_repeat_spend(), Decimal::new(300, 0));
        let s = h.summary().unwrap();
        assert_eq!((s.frequency(), s.recency(), s.age(), s.monetary()), (3, 20.0, 29.0, 300.0));
    }

    #[test]
    fn the_average_is_rounded_to_cents_and_never_negative() {
        let h = History::of(&facts(1, 4, 4, 200, 100), day(30)).unwrap();
        assert_eq!(h.average_repeat_spend(), Decimal::new(3333, 2));
        let h = History::of(&facts(1, 4, 2, 100, 300), day(30)).unwrap();
        assert_eq!(h.average_repeat_spend(), Decimal::ZERO);
    }

    #[test]
    fn a_customer_first_seen_on_the_as_of_date_has_no_summary() {
        let h = History::of(&facts(30, 30, 1, 500, 500), day(30)).unwrap();
        assert_eq!((h.repeat_purchases(), h.average_repeat_spend(), h.summary()), (0, Decimal::ZERO, None));
    }

    #[test]
    fn contradictory_facts_are_refused_naming_the_customer() {
        for (bad, reason) in [
            (facts(5, 4, 2, 1, 1), "the first purchase day is after the last"),
            (facts(1, 4, 0, 1, 1), "no purchase day"),
            (facts(4, 4, 2, 1, 1), "the purchase days do not fit between the first and the last"),
            (facts(1, 4, 1, 1, 1), "the purchase days do not fit between the first and the last"),
            (facts(1, 4, 5, 1, 1), "the purchase days do not fit between the first and the last"),
        ] {
            assert_eq!(
                History::of(&bad, day(30)),
                Err(SegmentsError::InvalidFacts { customer: "\"c\"".into(), reason })
            );
        }
        let late = History::of(&facts(1, 4, 2, 1, 1), day(3)).unwrap_err();
        assert_eq!(late.to_string(), "purchase facts of \"c\": the last purchase day is after the as-of date");
    }
}

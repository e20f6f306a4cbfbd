//! A store's figures over a period (docs/kpis.md): the counts the store
//! reads, and the ratios worked out from them.

use rust_decimal::Decimal;

/// What the store counts over a period (see docs/kpis.md for each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// Paid for the orders of the period, base currency.
    pub gross_sales: Decimal,
    /// The part of it paid by known customers.
    pub member_sales: Decimal,
    /// Refunded for returns made in the period (by the store's local day).
    pub refunds: Decimal,
    pub orders: u64,
    /// Units on those orders.
    pub units: u64,
    /// Known customers with a kept order at the store in the period.
    pub customers: u64,
    /// Of them, those whose first order anywhere came before the period.
    pub returning: u64,
    /// Of them, those whose first order anywhere falls in the period.
    pub new_customers: u64,
    /// Of the new ones, those with two orders or more by the period's end.
    pub new_repeat: u64,
    /// Known customers with a kept order at the store in the comparison period.
    pub before_customers: u64,
    /// Of them, those without one in the period (the lapsed list).
    pub lapsed: u64,
}

/// The figures of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreFigures {
    pub sales: Decimal,
    pub gross_sales: Decimal,
    pub refunds: Decimal,
    /// Members' share of gross sales, 0–1.
    pub members_share: Option<Decimal>,
    pub orders: u64,
    pub average_ticket: Option<Decimal>,
    pub units_per_ticket: Option<Decimal>,
    /// Refunds over gross sales, 0–1 (or more, when returns of earlier sales outweigh the period's).
    pub return_rate: Option<Decimal>,
    pub customers: u64,
    pub returning_customer_rate: Option<Decimal>,
    pub new_customers: u64,
    /// Share of the new customers with two orders or more, 0–1.
    pub new_customer_repeat_rate: Option<Decimal>,
    /// Share of the comparison period's customers lost, 0–1.
    pub churn: Option<Decimal>,
}

/// `a / b` rounded to `dp` decimals (half away from zero); None when `b` is 0.
pub(crate) fn ratio(a: Decimal, b: Decimal, dp: u32) -> Option<Decimal> {
    (!b.is_zero()).then(|| (a / b).round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
}

impl StoreFigures {
    pub fn from_counts(c: &StoreCounts) -> StoreFigures {
        let n = Decimal::from;
        StoreFigures {
            sales: c.gross_sales - c.refunds,
            gross_sales: c.gross_sales,
            refunds: c.refunds,
            members_share: ratio(c.member_sales, c.gross_sales, 4),
            orders: c.orders,
            average_ticket: ratio(c.gross_sales, n(c.orders), 2),
            units_per_ticket: ratio(n(c.units), n(c.orders), 2),
            return_rate: ratio(c.refunds, c.gross_sales, 4),
            customers: c.customers,
            returning_customer_rate: ratio(n(c.returning), n(c.customers), 4),
            new_customers: c.new_customers,
            new_customer_repeat_rate: ratio(n(c.new_repeat), n(c.new_customers), 4),
            churn: ratio(n(c.lapsed), n(c.before_customers), 4),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_round_and_empty_periods_have_none() {
        let c = StoreCounts {
            gross_sales: Decimal::new(100_000, 2),
            member_sales: Decimal::new(75_000, 2),
            refunds: Decimal::new(10_000, 2),
            orders: 3,
            units: 7,
            customers: 3,
            returning: 1,
            new_customers: 2,
            new_repeat: 1,
            before_customers: 4,
            lapsed: 3,
        };
        let f = StoreFigures::from_counts(&c);
        assert_eq!(f.sales, Decimal::new(90_000, 2));
        assert_eq!(f.average_ticket, Some(Decimal::new(33_333, 2)));
        assert_eq!(f.units_per_ticket, Some(Decimal::new(233, 2)));
        assert_eq!(f.members_share, Some(Decimal::new(7_500, 4)));
        assert_eq!(f.returning_customer_rate, Some(Decimal::new(3_333, 4)));
        assert_eq!(f.churn, Some(Decimal::new(7_500, 4)));
        let empty = StoreFigures::from_counts(&StoreCounts::default());
        assert_eq!((empty.average_ticket, empty.churn, empty.members_share), (None, None, None));
    }
}

//! [`measure`]: every figure of a campaign's results from its two groups —
//! response (any purchase, and the promoted products), revenue per
//! customer, incremental revenue and margin, ROI.

use serde::Serialize;

use crate::bootstrap::{Bootstrap, bootstrap_difference};
use crate::economics::{incremental_revenue, roi};
use crate::estimate::{Confidence, Estimate};
use crate::means::{MeanComparison, RevenueSample, welch};
use crate::proportions::{Proportion, RateComparison, compare_rates};

/// One group: its customers, how many bought anything in the window, how
/// many bought the promoted products (None: the campaign promotes none),
/// and each customer's revenue in the window net of returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub responders: u64,
    pub promoted_responders: Option<u64>,
    pub revenue: RevenueSample,
}

impl Group {
    pub fn customers(&self) -> u64 {
        self.revenue.customers()
    }
}

/// What the figures are computed with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assumptions {
    pub confidence: Confidence,
    pub bootstrap: Bootstrap,
    /// The programme's gross margin rate, in [0, 1] (None: not known; no
    /// margin and no ROI).
    pub margin_rate: Option<f64>,
    /// What the campaign cost (messages and offers), base currency.
    pub cost: f64,
}

/// The treated group against the control group. Every comparison is None
/// when a group is empty (a campaign without a control group measures no
/// uplift) or, for revenue, when there is nothing to compare (see
/// [`welch`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    pub response: Option<RateComparison>,
    pub promoted_response: Option<RateComparison>,
    /// Mean revenue per customer, Welch's interval.
    pub revenue: Option<MeanComparison>,
    /// The same difference with the bootstrap interval.
    pub revenue_bootstrap: Option<Estimate>,
    /// Difference × treated customers, with the bootstrap interval (Welch's
    /// when there is no bootstrap).
    pub incremental_revenue: Option<Estimate>,
    /// Incremental revenue × the margin rate (None without one).
    pub incremental_margin: Option<Estimate>,
    /// (Incremental margin − cost) / cost; None at no cost or without a
    /// margin rate.
    pub roi: Option<Estimate>,
}

fn rates(treated: u64, t_n: u64, control: u64, c_n: u64, confidence: Confidence) -> Option<RateComparison> {
    Some(compare_rates(Proportion::new(treated, t_n)?, Proportion::new(control, c_n)?, confidence))
}

/// Every figure of the comparison (see [`Measurement`]).
pub fn measure(treated: &Group, control: &Group, a: &Assumptions) -> Measurement {
    let (t_n, c_n) = (treated.customers(), control.customers());
    let response = rates(treated.responders, t_n, control.responders, c_n, a.confidence);
    let promoted_response = match (treated.promoted_responders, control.promoted_responders) {
        (Some(t), Some(c)) => rates(t, t_n, c, c_n, a.confidence),
        _ => None,
    };
    let revenue = welch(&treated.revenue, &control.revenue, a.confidence);
    let revenue_bootstrap = bootstrap_difference(&treated.revenue, &control.revenue, a.confidence, a.bootstrap)
        .filter(|_| t_n > 0 && c_n > 0);
    let difference = revenue_bootstrap.or(revenue.map(|r| r.difference));
    let incremental = difference.map(|d| incremental_revenue(d, t_n));
    let rate = a.margin_rate.filter(|m| (0.0..=1.0).contains(m));
    let margin = incremental.zip(rate).map(|(r, m)| r.scaled(m));
    Measurement {
        response,
        promoted_response,
        revenue,
        revenue_bootstrap,
        incremental_revenue: incremental,
        incremental_margin: margin,
        roi: incremental.zip(rate).and_then(|(r, m)| roi(r, m, a.cost)),
    }
}

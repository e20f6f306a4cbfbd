//! Customer lifetime value: margin × expected spend × discounted expected
//! purchases, month by month, as `lifetimes`' `customer_lifetime_value`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::ValueError;
use crate::bgnbd::BgNbdParams;
use crate::gamma_gamma::GammaGammaParams;
use crate::summary::CustomerSummary;

/// The time unit of the summaries, which fixes how many periods make a
/// month. The factors are `lifetimes`' (a week is 1/4.345 month, a day
/// 1/30, an hour 1/720), so that results agree with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Hours: 720 a month.
    Hours,
    /// Days: 30 a month.
    Days,
    /// Weeks: 4.345 a month.
    Weeks,
    /// Months.
    Months,
}

impl TimeUnit {
    /// Periods of this unit in one month.
    pub fn periods_per_month(self) -> f64 {
        match self {
            TimeUnit::Hours => 720.0,
            TimeUnit::Days => 30.0,
            TimeUnit::Weeks => 4.345,
            TimeUnit::Months => 1.0,
        }
    }
}

/// How CLV is computed: over `horizon_months` whole months, cash flows of
/// month i discounted by (1 + monthly_discount_rate)^i, spend multiplied by
/// `margin`. Checked: horizon ≥ 1 month, rate finite and ≥ 0, margin
/// finite in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawClvConfig")]
pub struct ClvConfig {
    horizon_months: u32,
    monthly_discount_rate: f64,
    margin: f64,
    time_unit: TimeUnit,
}

#[derive(Debug, Deserialize)]
struct RawClvConfig {
    horizon_months: u32,
    monthly_discount_rate: f64,
    margin: f64,
    time_unit: TimeUnit,
}

impl TryFrom<RawClvConfig> for ClvConfig {
    type Error = ValueError;

    fn try_from(raw: RawClvConfig) -> Result<Self, Self::Error> {
        ClvConfig::new(raw.horizon_months, raw.monthly_discount_rate, raw.margin, raw.time_unit)
    }
}

impl ClvConfig {
    /// Checks the rules above.
    pub fn new(
        horizon_months: u32,
        monthly_discount_rate: f64,
        margin: f64,
        time_unit: TimeUnit,
    ) -> Result<Self, ValueError> {
        if horizon_months == 0 {
            return Err(ValueError::InvalidClvConfig { field: "horizon_months", reason: "must be at least 1" });
        }
        if !monthly_discount_rate.is_finite() || monthly_discount_rate < 0.0 {
            return Err(ValueError::InvalidClvConfig {
                field: "monthly_discount_rate",
                reason: "must be finite and not negative",
            });
        }
        if !margin.is_finite() || !(0.0..=1.0).contains(&margin) {
            return Err(ValueError::InvalidClvConfig { field: "margin", reason: "must be between 0 and 1" });
        }
        Ok(ClvConfig { horizon_months, monthly_discount_rate, margin, time_unit })
    }

    /// Months covered.
    pub fn horizon_months(&self) -> u32 {
        self.horizon_months
    }

    /// Discount rate per month.
    pub fn monthly_discount_rate(&self) -> f64 {
        self.monthly_discount_rate
    }

    /// Fraction of spend kept as profit.
    pub fn margin(&self) -> f64 {
        self.margin
    }

    /// Time unit of the summaries.
    pub fn time_unit(&self) -> TimeUnit {
        self.time_unit
    }

    /// The horizon in the summaries' time unit.
    pub fn horizon_periods(&self) -> f64 {
        f64::from(self.horizon_months) * self.time_unit.periods_per_month()
    }
}

/// CLV = Σ_{i=1..months} margin × E[spend] × (E[N(i)] − E[N(i−1)]) /
/// (1 + d)^i, where E[N(i)] is the expected number of purchases in the
/// first i months after T and E[spend] the Gamma-Gamma expected average
/// spend. With margin 1 this is `lifetimes`' `customer_lifetime_value`.
pub fn customer_lifetime_value(
    purchases: &BgNbdParams,
    spend: &GammaGammaParams,
    customer: &CustomerSummary,
    config: &ClvConfig,
) -> f64 {
    let unit = config.time_unit.periods_per_month();
    let cumulative =
        (1..=config.horizon_months).map(|month| purchases.expected_purchases(customer, f64::from(month) * unit));
    config.margin * spend.expected_average_spend(customer) * discounted(cumulative, config).0
}

/// Σ_i (E[N(i)] − E[N(i−1)]) / (1 + d)^i over the months' cumulative
/// expected purchases, and the last of them (the whole horizon).
fn discounted(cumulative: impl Iterator<Item = f64>, config: &ClvConfig) -> (f64, f64) {
    let (mut total, mut previous, mut discount) = (0.0, 0.0, 1.0);
    for cumulative in cumulative {
        discount /= 1.0 + config.monthly_discount_rate;
        total += (cumulative - previous) * discount;
        previous = cumulative;
    }
    (total, previous)
}

/// What the purchase model says of one customer over a horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PurchaseForecast {
    /// Expected purchases in (T, T + horizon].
    pub expected_purchases: f64,
    /// Probability the customer is still active at T.
    pub probability_alive: f64,
    /// The expected purchases month by month, each discounted to T: CLV is
    /// margin × expected spend × this ([`customer_lifetime_value`]).
    pub discounted_purchases: f64,
}

impl PurchaseForecast {
    /// CLV for an expected spend per purchase, under `config`'s margin.
    pub fn clv(&self, expected_average_spend: f64, config: &ClvConfig) -> f64 {
        config.margin * expected_average_spend * self.discounted_purchases
    }
}

/// Forecasts for many customers under one fitted BG/NBD. The expensive
/// part of the expected purchases (a hypergeometric series for each month
/// of the horizon) depends on x and T only, so it is summed once per
/// distinct (x, T) and kept: a million customers have some tens of
/// thousands of them. Gives what [`BgNbdParams::expected_purchases`],
/// [`BgNbdParams::probability_alive`] and [`customer_lifetime_value`] give,
/// whatever the order customers are asked for in.
#[derive(Debug, Clone)]
pub struct Forecaster {
    purchases: BgNbdParams,
    config: ClvConfig,
    /// Per (x, T bits): the numerator of the expectation at the end of each month.
    numerators: HashMap<(u32, u64), Box<[f64]>>,
}

impl Forecaster {
    pub fn new(purchases: BgNbdParams, config: ClvConfig) -> Forecaster {
        Forecaster { purchases, config, numerators: HashMap::new() }
    }

    /// The forecast for one customer.
    pub fn forecast(&mut self, customer: &CustomerSummary) -> PurchaseForecast {
        let (purchases, config) = (&self.purchases, &self.config);
        let numerators = self.numerators.entry((customer.frequency(), customer.age().to_bits())).or_insert_with(|| {
            let unit = config.time_unit.periods_per_month();
            (1..=config.horizon_months)
                .map(|month| {
                    purchases.purchases_numerator(customer.frequency(), customer.age(), f64::from(month) * unit)
                })
                .collect()
        });
        let denominator = purchases.purchases_denominator(customer);
        let (discounted_purchases, expected_purchases) =
            discounted(numerators.iter().map(|n| (n / denominator).max(0.0)), config);
        PurchaseForecast {
            expected_purchases,
            probability_alive: purchases.probability_alive(customer),
            discounted_purchases,
        }
    }
}

/// Everything predicted for one customer over a [`ClvConfig`]'s horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CustomerValue {
    /// Expected purchases in (T, T + horizon].
    pub expected_purchases: f64,
    /// Probability the customer is still active at T.
    pub probability_alive: f64,
    /// Expected average spend per future purchase (before margin).
    pub expected_average_spend: f64,
    /// Discounted margin over the horizon ([`customer_lifetime_value`]).
    pub clv: f64,
}

/// All four predictions for one customer.
pub fn predict(
    purchases: &BgNbdParams,
    spend: &GammaGammaParams,
    customer: &CustomerSummary,
    config: &ClvConfig,
) -> CustomerValue {
    CustomerValue {
        expected_purchases: purchases.expected_purchases(customer, config.horizon_periods()),
        probability_alive: purchases.probability_alive(customer),
        expected_average_spend: spend.expected_average_spend(customer),
        clv: customer_lifetime_value(purchases, spend, customer, config),
    }
}

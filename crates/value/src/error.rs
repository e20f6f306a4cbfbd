//! [`ValueError`]: everything that can go wrong, each with a stable code.

use serde::Serialize;

/// Which model an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// The BG/NBD purchase-count model.
    BgNbd,
    /// The Gamma-Gamma spend model.
    GammaGamma,
}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Model::BgNbd => "BG/NBD",
            Model::GammaGamma => "Gamma-Gamma",
        })
    }
}

/// The errors of this crate. Every fit or constructor that could otherwise
/// produce NaN or ∞ returns one of these instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    /// A customer summary breaks a rule (named by `field`).
    #[error("invalid customer summary: {field} {reason}")]
    InvalidSummary {
        /// The offending field: `frequency`, `recency`, `age` or `monetary`.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Too few customers to fit the model.
    #[error("{model} needs at least {required} customers, got {found}")]
    TooFewCustomers {
        /// The model being fitted.
        model: Model,
        /// Customers given (for Gamma-Gamma: repeat buyers).
        found: usize,
        /// Customers required.
        required: usize,
    },
    /// Nobody bought twice: repeat-purchase behaviour cannot be estimated.
    #[error("{model} cannot be fitted: no customer made a repeat purchase")]
    NoRepeatBuyers {
        /// The model being fitted.
        model: Model,
    },
    /// A repeat buyer has an average spend of zero, which the Gamma-Gamma
    /// model (spend > 0) cannot explain.
    #[error("Gamma-Gamma cannot be fitted: repeat buyer at position {index} has zero average spend")]
    ZeroSpend {
        /// Position of the customer in the input slice.
        index: usize,
    },
    /// The maximum likelihood has no interior solution for this data (a
    /// parameter runs off to 0 or ∞), or the optimiser did not converge.
    #[error("{model} fit did not converge: {reason}")]
    DidNotConverge {
        /// The model being fitted.
        model: Model,
        /// What happened.
        reason: &'static str,
    },
    /// A model parameter is not a finite positive number (or breaks a
    /// model-specific rule, stated in `reason`).
    #[error("invalid {model} parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// The model.
        model: Model,
        /// The parameter's name (`r`, `alpha`, `a`, `b`, `p`, `q`, `v`).
        name: &'static str,
        /// Its value.
        value: f64,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// A CLV setting breaks a rule (named by `field`).
    #[error("invalid CLV setting: {field} {reason}")]
    InvalidClvConfig {
        /// `horizon_months`, `monthly_discount_rate` or `margin`.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl ValueError {
    /// A stable, machine-readable code for the error, for the API's error
    /// table. Codes never change meaning once published.
    pub fn code(&self) -> &'static str {
        match self {
            ValueError::InvalidSummary { .. } => "value.invalid_summary",
            ValueError::TooFewCustomers { .. } => "value.too_few_customers",
            ValueError::NoRepeatBuyers { .. } => "value.no_repeat_buyers",
            ValueError::ZeroSpend { .. } => "value.zero_spend",
            ValueError::DidNotConverge { .. } => "value.did_not_converge",
            ValueError::InvalidParameter { .. } => "value.invalid_parameter",
            ValueError::InvalidClvConfig { .. } => "value.invalid_clv_config",
        }
    }
}

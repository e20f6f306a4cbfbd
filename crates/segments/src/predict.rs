//! Every customer's predictions under the fitted models, rounded for
//! storage.

use std::num::NonZeroUsize;

use clientele_value::{ClvConfig, Forecaster};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use crate::{History, Models};

/// Below this many customers predictions are made on one thread: a thread
/// costs more than it saves.
pub const PARALLEL_FROM: usize = 10_000;

/// Most threads [`predict_all`] uses, however many it is allowed.
const MAX_THREADS: usize = 8;

/// Predictions for one customer, rounded for storage: expected purchases
/// over the CLV horizon (4 places), probability alive (5), expected average
/// spend per purchase and CLV (2, money in the base currency). None where
/// the models or the customer's history give none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prediction {
    pub expected_purchases: Option<Decimal>,
    pub p_alive: Option<Decimal>,
    pub expected_spend: Option<Decimal>,
    pub clv: Option<Decimal>,
}

/// `value` rounded to `places`; None when it is not finite.
fn decimal(value: f64, places: u32) -> Option<Decimal> {
    if value.is_finite() { Decimal::from_f64(value).map(|d| d.round_dp(places)) } else { None }
}

/// One prediction per history, in order. Nothing without a fitted BG/NBD
/// or for a history without time observed; no spend or CLV without a
/// fitted Gamma-Gamma. From [`PARALLEL_FROM`] histories on, on up to
/// `threads` threads (at most eight), each with its own [`Forecaster`]
/// (which sums the expensive series once per distinct x and T): the
/// predictions are the same whatever `threads` is.
pub fn predict_all(
    histories: &[History],
    models: &Models,
    config: &ClvConfig,
    threads: NonZeroUsize,
) -> Vec<Prediction> {
    let Some(bgnbd) = models.bgnbd else {
        return vec![Prediction::default(); histories.len()];
    };
    let threads = threads.get().min(MAX_THREADS);
    let chunk = histories.len().div_ceil(threads).max(1);
    let predict_chunk = |part: &[History]| -> Vec<Prediction> {
        let mut forecaster = Forecaster::new(bgnbd, *config);
        part.iter()
            .map(|h| {
                let Some(s) = h.summary() else { return Prediction::default() };
                let forecast = forecaster.forecast(&s);
                let spend = models.gamma_gamma.map(|gg| gg.expected_average_spend(&s));
                Prediction {
                    expected_purchases: decimal(forecast.expected_purchases, 4),
                    p_alive: decimal(forecast.probability_alive, 5),
                    expected_spend: spend.and_then(|v| decimal(v, 2)),
                    clv: spend.and_then(|spend| decimal(forecast.clv(spend, config), 2)),
                }
            })
            .collect()
    };
    if threads == 1 || histories.len() < PARALLEL_FROM {
        return predict_chunk(histories);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = histories.chunks(chunk).map(|part| scope.spawn(move || predict_chunk(part))).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_rounded_and_only_finite() {
        assert_eq!(decimal(0.123456, 4), Some(Decimal::new(1235, 4)));
        assert_eq!(decimal(2.5, 0), Some(Decimal::new(2, 0)));
        assert_eq!(decimal(f64::NAN, 2), None);
        assert_eq!(decimal(f64::INFINITY, 2), None);
    }
}

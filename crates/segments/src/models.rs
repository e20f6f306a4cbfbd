//! The value models of a refresh: BG/NBD on every history, Gamma-Gamma on
//! the repeat buyers' spend, each started at the previous run's fit.

use std::num::NonZeroUsize;

use clientele_value::{
    BgNbdParams, CompressedSummaries, CustomerSummary, GammaGammaParams, ValueError, fit_bgnbd_starting_at,
    fit_gamma_gamma_starting_at,
};
use serde::{Deserialize, Serialize};

use crate::History;

/// The models fitted by the latest run before the date, where it has them:
/// only a place to start from.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PreviousFit {
    pub bgnbd: Option<BgNbdParams>,
    pub gamma_gamma: Option<GammaGammaParams>,
}

/// Why a value model could not be fitted on a date's data (a
/// `clientele_value` error code and message). The RFM part of the snapshot
/// is made anyway; predictions are left empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelError {
    pub code: String,
    pub message: String,
}

impl From<&ValueError> for ModelError {
    fn from(e: &ValueError) -> ModelError {
        ModelError { code: e.code().to_owned(), message: e.to_string() }
    }
}

/// The fitted models (either may be missing) and the first fitting error.
#[derive(Debug, Clone, PartialEq)]
pub struct Models {
    pub bgnbd: Option<BgNbdParams>,
    pub gamma_gamma: Option<GammaGammaParams>,
    pub error: Option<ModelError>,
}

/// Fits both models, each starting at `previous` (the latest earlier
/// run's fit) when there is one: a day's new orders move the maximum
/// little, so BFGS needs a few steps instead of dozens. BG/NBD is fitted on
/// every history with time observed (T > 0); Gamma-Gamma on the repeat
/// buyers who kept something (`lifetimes`' practice: a zero average is
/// outside the model). Either fitting on up to `threads` threads.
pub fn fit(histories: &[History], previous: &PreviousFit, threads: NonZeroUsize) -> Models {
    let summaries: Vec<CustomerSummary> = histories.iter().filter_map(History::summary).collect();
    let bgnbd = fit_bgnbd_starting_at(&CompressedSummaries::from_summaries(&summaries), previous.bgnbd, threads)
        .map(|f| f.params);
    let spenders: Vec<CustomerSummary> =
        summaries.iter().filter(|s| s.frequency() > 0 && s.monetary() > 0.0).copied().collect();
    let gamma_gamma = fit_gamma_gamma_starting_at(&spenders, previous.gamma_gamma, threads).map(|f| f.params);
    let error = match (&bgnbd, &gamma_gamma) {
        (Err(e), _) | (Ok(_), Err(e)) => Some(ModelError::from(e)),
        (Ok(_), Ok(_)) => None,
    };
    Models { bgnbd: bgnbd.ok(), gamma_gamma: gamma_gamma.ok(), error }
}

//! [`RefreshConfig`]: how a refresh scores and values customers.

use std::num::NonZeroU32;

use chrono::{Days, NaiveDate};
use clientele_rfm::{ScoringMethod, SegmentMap};
use clientele_value::{ClvConfig, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::SegmentsError;

/// How a refresh scores and values customers. Stored with each run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RefreshConfig {
    window_days: NonZeroU32,
    clv: ClvConfig,
}

impl RefreshConfig {
    /// Frequency and monetary count the orders of the `window_days` days
    /// ending on the as-of date; CLV as `clv` says (its time unit must be
    /// days, the unit histories are summarised in).
    pub fn new(window_days: NonZeroU32, clv: ClvConfig) -> Result<RefreshConfig, SegmentsError> {
        if clv.time_unit() != TimeUnit::Days {
            return Err(SegmentsError::ClvNotInDays);
        }
        Ok(RefreshConfig { window_days, clv })
    }

    /// Days of the RFM window.
    pub fn window_days(&self) -> u32 {
        self.window_days.get()
    }

    /// The last day before the window of `as_of`: the window is the days
    /// after it, up to and including `as_of`.
    pub fn window_start(&self, as_of: NaiveDate) -> Result<NaiveDate, SegmentsError> {
        as_of.checked_sub_days(Days::new(u64::from(self.window_days()))).ok_or(SegmentsError::NoWindow { as_of })
    }

    /// The CLV horizon, discount rate and margin.
    pub fn clv(&self) -> &ClvConfig {
        &self.clv
    }

    /// How R, F and M are scored: quintiles of the population on each.
    pub fn scoring(&self) -> ScoringMethod {
        ScoringMethod::QUINTILES
    }

    /// Which segment each score combination is in: the default map.
    pub fn segment_map(&self) -> SegmentMap {
        SegmentMap::default()
    }
}

impl Default for RefreshConfig {
    /// A 365-day window; CLV over 12 months, 1 % a month discount, margin 1
    /// (CLV is discounted expected spend), as `lifetimes`' defaults.
    fn default() -> RefreshConfig {
        const YEAR: NonZeroU32 = NonZeroU32::new(365).expect("365 is not zero");
        let clv = ClvConfig::new(12, 0.01, 1.0, TimeUnit::Days).expect("the default CLV settings are valid");
        RefreshConfig { window_days: YEAR, clv }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_default_config_values_in_days() {
        let config = RefreshConfig::default();
        assert_eq!(config.window_days(), 365);
        assert_eq!(config.clv().horizon_months(), 12);
        assert_eq!(config.clv().time_unit(), TimeUnit::Days);
        let weeks = ClvConfig::new(12, 0.01, 1.0, TimeUnit::Weeks).unwrap();
        assert!(RefreshConfig::new(NonZeroU32::new(90).unwrap(), weeks).is_err());
    }

    #[test]
    fn the_window_is_the_days_after_its_start_up_to_the_as_of_date() {
        let config = RefreshConfig::default();
        assert_eq!(config.window_start(day(2026, 6, 30)), Ok(day(2025, 6, 30)));
        assert_eq!(config.window_start(NaiveDate::MIN), Err(SegmentsError::NoWindow { as_of: NaiveDate::MIN }));
    }
}

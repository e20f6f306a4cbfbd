//! [`RefreshConfig`]: how a refresh scores and values customers.

use chrono::NaiveDate;
use clientele_rfm::{RfmSettings, SegmentMap};
use clientele_value::{ClvConfig, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::SegmentsError;

/// How a refresh scores and values customers. Stored with each run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RefreshConfig {
    rfm: RfmSettings,
    clv: ClvConfig,
}

impl RefreshConfig {
    /// RFM as the programme's settings say (`rfm`); CLV as `clv` says (its
    /// time unit must be days, the unit histories are summarised in).
    pub fn new(rfm: RfmSettings, clv: ClvConfig) -> Result<RefreshConfig, SegmentsError> {
        if clv.time_unit() != TimeUnit::Days {
            return Err(SegmentsError::ClvNotInDays);
        }
        Ok(RefreshConfig { rfm, clv })
    }

    /// The RFM settings: window, bands, New Customers.
    pub fn rfm(&self) -> &RfmSettings {
        &self.rfm
    }

    /// The last day before the RFM window of `as_of`: the window is the
    /// days after it, up to and including `as_of`.
    pub fn window_start(&self, as_of: NaiveDate) -> Result<NaiveDate, SegmentsError> {
        self.rfm.window_start(as_of).ok_or(SegmentsError::NoWindow { as_of })
    }

    /// The CLV horizon, discount rate and margin.
    pub fn clv(&self) -> &ClvConfig {
        &self.clv
    }

    /// Which segment each score combination is in: the default map.
    pub fn segment_map(&self) -> SegmentMap {
        SegmentMap::default()
    }
}

impl Default for RefreshConfig {
    /// The default RFM settings ([`RfmSettings::default`]: a 24-month
    /// window); CLV over 12 months, 1 % a month discount, margin 1 (CLV is
    /// discounted expected spend), as `lifetimes`' defaults.
    fn default() -> RefreshConfig {
        let clv = ClvConfig::new(12, 0.01, 1.0, TimeUnit::Days).expect("the default CLV settings are valid");
        RefreshConfig { rfm: RfmSettings::default(), clv }
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
        assert_eq!(config.rfm().window_months(), 24);
        assert_eq!(config.clv().horizon_months(), 12);
        assert_eq!(config.clv().time_unit(), TimeUnit::Days);
        let weeks = ClvConfig::new(12, 0.01, 1.0, TimeUnit::Weeks).unwrap();
        assert!(RefreshConfig::new(RfmSettings::default(), weeks).is_err());
    }

    #[test]
    fn the_window_is_the_days_after_its_start_up_to_the_as_of_date() {
        let config = RefreshConfig::default();
        assert_eq!(config.window_start(day(2026, 6, 30)), Ok(day(2024, 6, 30)));
        assert_eq!(config.window_start(NaiveDate::MIN), Err(SegmentsError::NoWindow { as_of: NaiveDate::MIN }));
    }
}

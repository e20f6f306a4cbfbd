//! [`CampaignError`]: why a campaign setting was refused, each with a stable
//! machine-readable code for the API's error table. (An audience rule's
//! refusals carry a field path and have a type of their own, in the
//! audience module.)

/// Why a setting was refused. Nothing was built: the caller's data is as it
/// was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    /// A holdout percentage outside 0–50, with more than two decimals, or
    /// not a number.
    #[error("holdout_percent: {reason}")]
    InvalidHoldoutPercent {
        /// Why, in words.
        reason: String,
    },
    /// A frequency cap out of its range; `field` names the part refused
    /// (`max_messages` or `window_days`).
    #[error("{field}: {reason}")]
    InvalidCapRule {
        /// The field refused.
        field: &'static str,
        /// Why, in words.
        reason: String,
    },
    /// Quiet hours that start when they end (they would be empty or the
    /// whole day; a programme without quiet hours sets none).
    #[error("quiet_hours: {reason}")]
    InvalidQuietHours {
        /// Why, in words.
        reason: String,
    },
}

impl CampaignError {
    /// A stable machine-readable code (the API serves it as it is).
    pub fn code(&self) -> &'static str {
        match self {
            CampaignError::InvalidHoldoutPercent { .. } => "invalid_holdout_percent",
            CampaignError::InvalidCapRule { .. } => "invalid_cap_rule",
            CampaignError::InvalidQuietHours { .. } => "invalid_quiet_hours",
        }
    }

    /// The field the refusal is about, as the settings' JSON names it.
    pub fn field(&self) -> &'static str {
        match self {
            CampaignError::InvalidHoldoutPercent { .. } => "holdout_percent",
            CampaignError::InvalidCapRule { field, .. } => field,
            CampaignError::InvalidQuietHours { .. } => "quiet_hours",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_name_the_field() {
        let e = CampaignError::InvalidHoldoutPercent { reason: "must be between 0 and 50, got 60".into() };
        assert_eq!(e.code(), "invalid_holdout_percent");
        assert_eq!(e.field(), "holdout_percent");
        assert_eq!(e.to_string(), "holdout_percent: must be between 0 and 50, got 60");
        let e = CampaignError::InvalidCapRule { field: "window_days", reason: "must be between 1 and 90".into() };
        assert_eq!(e.code(), "invalid_cap_rule");
        assert_eq!(e.field(), "window_days");
        assert_eq!(e.to_string(), "window_days: must be between 1 and 90");
        let e = CampaignError::InvalidQuietHours { reason: "start and end are both 21:00".into() };
        assert_eq!(e.code(), "invalid_quiet_hours");
        assert_eq!(e.field(), "quiet_hours");
    }
}

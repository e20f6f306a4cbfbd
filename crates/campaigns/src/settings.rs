//! [`CampaignSettings`]: the programme's rules every campaign obeys — the
//! frequency cap across campaigns and the quiet hours.

use serde::{Deserialize, Serialize};

use crate::caps::CapRule;
use crate::quiet_hours::QuietHours;

/// The programme's campaign settings. Serialised as
/// `{"cap": {"max_messages": 2, "window_days": 7}, "quiet_hours": {"start": "21:00:00", "end": "09:00:00"}}`;
/// each part is checked as it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignSettings {
    /// At most this many campaign messages per customer per channel in any
    /// rolling window (default 2 in 7 days).
    pub cap: CapRule,
    /// No message goes out in these hours of the customer's home store's
    /// time zone (default 21:00–09:00).
    pub quiet_hours: QuietHours,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_defaults_round_trip_and_bad_parts_are_refused() {
        let d = CampaignSettings::default();
        let json = serde_json::to_value(d).unwrap();
        assert_eq!(
            json,
            json!({"cap": {"max_messages": 2, "window_days": 7}, "quiet_hours": {"start": "21:00:00", "end": "09:00:00"}})
        );
        assert_eq!(serde_json::from_value::<CampaignSettings>(json).unwrap(), d);
        let zero = json!({"cap": {"max_messages": 0, "window_days": 7}, "quiet_hours": {"start": "21:00:00", "end": "09:00:00"}});
        assert!(serde_json::from_value::<CampaignSettings>(zero).is_err());
    }
}

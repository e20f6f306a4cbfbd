//! [`CampaignSettings`]: the programme's rules every campaign obeys — the
//! frequency cap across campaigns and the quiet hours — and the gross
//! margin rate its results are valued at.

use rust_decimal::Decimal;
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
    /// The programme's gross margin rate (0–1): a campaign's incremental
    /// revenue times this is its incremental margin, which its ROI
    /// weighs against its cost. Not set: results show no margin and no ROI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_rate: Option<MarginRate>,
}

/// A gross margin rate, 0 to 1 with at most 4 decimals (`"0.65"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct MarginRate(Decimal);

impl MarginRate {
    pub fn get(self) -> Decimal {
        self.0
    }
}

impl TryFrom<Decimal> for MarginRate {
    type Error = &'static str;

    fn try_from(d: Decimal) -> Result<MarginRate, &'static str> {
        if d.is_sign_negative() || d > Decimal::ONE || d.scale() > 4 {
            return Err("margin_rate must be 0 to 1 with at most 4 decimals");
        }
        Ok(MarginRate(d.normalize()))
    }
}

impl From<MarginRate> for Decimal {
    fn from(m: MarginRate) -> Decimal {
        m.0
    }
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
        let margin = json!({"cap": {"max_messages": 2, "window_days": 7}, "quiet_hours": {"start": "21:00:00", "end": "09:00:00"}, "margin_rate": "0.65"});
        let read = serde_json::from_value::<CampaignSettings>(margin.clone()).unwrap();
        assert_eq!(read.margin_rate.map(MarginRate::get), Some(Decimal::new(65, 2)));
        assert_eq!(serde_json::to_value(read).unwrap(), margin);
        for bad in [json!("1.5"), json!("-0.1"), json!("0.123456")] {
            let mut v = margin.clone();
            v["margin_rate"] = bad.clone();
            assert!(serde_json::from_value::<CampaignSettings>(v).is_err(), "{bad}");
        }
    }
}

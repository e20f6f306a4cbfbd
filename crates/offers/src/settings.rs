//! The programme's offer settings (the `offers` row of the programme
//! settings): the discount ceiling no combination of offers may pass on a
//! line, whether a full return gives a used coupon back, and the tier
//! benefits counted as entitlements.

use serde::{Deserialize, Serialize};

use crate::apply::DiscountCeiling;
use crate::entitlement::Entitlement;
use crate::values::Percent;

/// The programme's offer settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffersSettings {
    /// The most any line may be discounted by coupons together, as a
    /// percent of its gross (a campaign may set a lower one). Default 20:
    /// a brand that discounts more than that cheapens itself.
    #[serde(default = "default_ceiling")]
    pub discount_ceiling: Percent,
    /// A full return gives back a coupon it used, if still valid.
    #[serde(default = "yes")]
    pub release_on_return: bool,
    /// The tier benefits drawn down at the till (a birthday gift once per
    /// member year, two jewelry cleanings a year for S5), each benefit key
    /// once.
    #[serde(default, deserialize_with = "unique_benefits")]
    pub entitlements: Vec<Entitlement>,
}

fn unique_benefits<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Entitlement>, D::Error> {
    let list = Vec::<Entitlement>::deserialize(d)?;
    let mut seen = std::collections::BTreeSet::new();
    match list.iter().find(|e| !seen.insert(&e.benefit)) {
        Some(twice) => Err(serde::de::Error::custom(format!("the benefit {} is listed twice", twice.benefit))),
        None => Ok(list),
    }
}

/// The default ceiling: 20 % off a line.
pub fn default_ceiling() -> Percent {
    Percent::TWENTY
}

fn yes() -> bool {
    true
}

impl Default for OffersSettings {
    fn default() -> OffersSettings {
        OffersSettings { discount_ceiling: default_ceiling(), release_on_return: true, entitlements: Vec::new() }
    }
}

impl OffersSettings {
    /// The ceiling of an offer of a campaign with its own ceiling (or none).
    pub fn ceiling(&self, campaign: Option<Percent>) -> DiscountCeiling {
        DiscountCeiling { programme: self.discount_ceiling, campaign }
    }

    /// The entitlement of a benefit, if the programme counts it.
    pub fn entitlement(&self, benefit: &str) -> Option<&Entitlement> {
        self.entitlements.iter().find(|e| e.benefit.as_str() == benefit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_json() {
        let s: OffersSettings = serde_json::from_str("{}").expect("defaults");
        assert_eq!(s, OffersSettings::default());
        assert_eq!(s.discount_ceiling, Percent::parse("20").expect("20"));
        let s: OffersSettings =
            serde_json::from_str(r#"{"discount_ceiling": "15", "release_on_return": false}"#).expect("set");
        assert_eq!(s.ceiling(Some(Percent::parse("10").expect("10"))).effective(), Percent::parse("10").expect("10"));
        assert!(!s.release_on_return);
        assert!(serde_json::from_str::<OffersSettings>(r#"{"discount_ceiling": "120"}"#).is_err());
        assert!(serde_json::from_str::<OffersSettings>(r#"{"ceiling": "10"}"#).is_err());
        let twice = r#"{"entitlements": [{"benefit": "cleaning", "period": "calendar_year"},
            {"benefit": "cleaning", "period": "member_year"}]}"#;
        assert!(serde_json::from_str::<OffersSettings>(twice).unwrap_err().to_string().contains("listed twice"));
        let one = r#"{"entitlements": [{"benefit": "cleaning", "period": "calendar_year", "per_tier": {"S5": 2}, "unit_cost": "120"}]}"#;
        let s: OffersSettings = serde_json::from_str(one).expect("one");
        assert_eq!(s.entitlement("cleaning").map(|e| e.per_tier[&clientele_loyalty::Tier::S5]), Some(2));
    }
}

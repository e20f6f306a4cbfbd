//! How a customer came to the brand: the acquisition channel, the referring
//! member and what acquiring them cost.

use clientele_kernel::{CustomerId, FieldErrors, InvalidValue, Money, keyword_enum};
use serde::{Deserialize, Serialize};

keyword_enum! {
    /// How a customer was acquired.
    pub enum AcquisitionChannel {
        /// Walked into a store in a mall.
        MallWalkIn => "mall_walk_in",
        /// Referred by an existing member.
        Referral => "referral",
        /// An online campaign.
        OnlineCampaign => "online_campaign",
        /// A street promotion.
        StreetPromotion => "street_promotion",
        /// A partner from another industry (a hotel, a bank, an airline).
        CrossIndustryPartner => "cross_industry_partner",
        /// An event (a show, a private sale).
        Event => "event",
        /// The brand's e-shop.
        Ecommerce => "ecommerce",
        /// Anything else.
        Other => "other",
    }
}

/// How a customer was acquired: a referrer only for a referral, a cost never
/// negative.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "AcquisitionFields", into = "AcquisitionFields")]
pub struct Acquisition {
    channel: AcquisitionChannel,
    referrer: Option<CustomerId>,
    cost: Option<Money>,
}

/// The serialised form of [`Acquisition`], checked by `TryFrom`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AcquisitionFields {
    channel: AcquisitionChannel,
    #[serde(default)]
    referrer: Option<CustomerId>,
    #[serde(default)]
    cost: Option<Money>,
}

impl Acquisition {
    /// Costs must stay below this: one trillion (the store keeps 12 digits and 2 decimals).
    pub const MAX_COST: rust_decimal::Decimal = rust_decimal::Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

    /// Checks and builds: a referrer is only allowed for
    /// [`AcquisitionChannel::Referral`] (field `referrer`, code
    /// `not_allowed`); the cost may not be negative, has at most 2 decimals
    /// and stays below [`Acquisition::MAX_COST`] (field `cost`, code
    /// `out_of_range`). A referral without a known referrer is allowed.
    pub fn new(
        channel: AcquisitionChannel,
        referrer: Option<CustomerId>,
        cost: Option<Money>,
    ) -> Result<Acquisition, FieldErrors> {
        let mut errors = FieldErrors::new();
        if referrer.is_some() && channel != AcquisitionChannel::Referral {
            errors.push("referrer", InvalidValue::new("not_allowed", "only a referral can have a referrer"));
        }
        if let Some(c) = &cost {
            if c.amount < rust_decimal::Decimal::ZERO {
                errors.push("cost", InvalidValue::new("out_of_range", "the acquisition cost cannot be negative"));
            } else if c.amount.normalize().scale() > c.currency.minor_units().min(2) {
                errors.push(
                    "cost",
                    InvalidValue::new(
                        "out_of_range",
                        format!(
                            "the acquisition cost has at most {} decimal(s) in {}",
                            c.currency.minor_units().min(2),
                            c.currency
                        ),
                    ),
                );
            } else if c.amount >= Self::MAX_COST {
                errors
                    .push("cost", InvalidValue::new("out_of_range", "the acquisition cost is below 1,000,000,000,000"));
            }
        }
        errors.into_result(Acquisition { channel, referrer, cost })
    }

    /// The channel.
    pub fn channel(&self) -> AcquisitionChannel {
        self.channel
    }

    /// The member who referred this customer (referrals only).
    pub fn referrer(&self) -> Option<CustomerId> {
        self.referrer
    }

    /// What acquiring the customer cost.
    pub fn cost(&self) -> Option<&Money> {
        self.cost.as_ref()
    }

    /// The same acquisition without the referrer (used by erasure: who
    /// referred an erased person is personal data of both).
    pub fn without_referrer(&self) -> Acquisition {
        Acquisition { channel: self.channel, referrer: None, cost: self.cost.clone() }
    }
}

impl TryFrom<AcquisitionFields> for Acquisition {
    type Error = String;

    fn try_from(f: AcquisitionFields) -> Result<Self, Self::Error> {
        Acquisition::new(f.channel, f.referrer, f.cost).map_err(|errors| {
            errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
        })
    }
}

impl From<Acquisition> for AcquisitionFields {
    fn from(a: Acquisition) -> Self {
        AcquisitionFields { channel: a.channel, referrer: a.referrer, cost: a.cost }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_kernel::Currency;
    use rust_decimal::Decimal;
    use uuid::Uuid;

    fn cny(amount: i64) -> Money {
        Money::new(Decimal::new(amount, 0), Currency::parse("CNY").unwrap())
    }

    #[test]
    fn referrer_only_for_referrals() {
        let referrer = Some(CustomerId::from_uuid(Uuid::from_u128(9)));
        let a = Acquisition::new(AcquisitionChannel::Referral, referrer, Some(cny(50))).unwrap();
        assert_eq!(a.referrer(), referrer);
        assert_eq!(a.cost(), Some(&cny(50)));
        assert_eq!(a.without_referrer().referrer(), None);
        assert_eq!(a.without_referrer().channel(), AcquisitionChannel::Referral);
        let err = Acquisition::new(AcquisitionChannel::MallWalkIn, referrer, Some(cny(-1))).unwrap_err();
        let got: Vec<(&str, &str)> = err.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(got, [("referrer", "not_allowed"), ("cost", "out_of_range")]);
        assert!(Acquisition::new(AcquisitionChannel::Event, None, Some(cny(0))).is_ok());
        assert!(Acquisition::new(AcquisitionChannel::Referral, None, None).is_ok());
    }

    #[test]
    fn serde_validates() {
        let a = Acquisition::new(AcquisitionChannel::OnlineCampaign, None, Some(cny(30))).unwrap();
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"channel": "online_campaign", "referrer": null, "cost": {"amount": "30", "currency": "CNY"}})
        );
        assert_eq!(serde_json::from_value::<Acquisition>(json).unwrap(), a);
        let bad = r#"{"channel":"event","referrer":"67e55044-10b1-426f-9247-bb680e5fe0c8"}"#;
        let err = serde_json::from_str::<Acquisition>(bad).unwrap_err().to_string();
        assert!(err.contains("referrer"), "{err}");
        assert!(serde_json::from_str::<Acquisition>(r#"{"channel":"event"}"#).is_ok());
    }
}

#[cfg(test)]
mod cost_tests {
    use clientele_kernel::Currency;

    use super::*;

    fn cost(s: &str) -> Option<Money> {
        Some(Money { amount: s.parse().unwrap(), currency: Currency::parse("CNY").unwrap() })
    }

    #[test]
    fn costs_keep_to_what_can_be_stored() {
        let ch = AcquisitionChannel::Event;
        assert!(Acquisition::new(ch, None, cost("999999999999.99")).is_ok());
        assert_eq!(Acquisition::MAX_COST, "1000000000000".parse().unwrap());
        for bad in ["1000000000000", "12.345", "-1"] {
            let err = Acquisition::new(ch, None, cost(bad)).unwrap_err();
            assert_eq!(err.0[0].field, "cost", "{bad}");
        }
        assert!(Acquisition::new(ch, None, cost("12.50")).is_ok());
        let yen = Money::new("12.5".parse().unwrap(), Currency::parse("JPY").unwrap());
        assert_eq!(Acquisition::new(ch, None, Some(yen)).unwrap_err().0[0].field, "cost");
    }
}

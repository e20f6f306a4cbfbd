//! Gifts with purchase: a gift or a sample given when a basket qualifies.
//!
//! A basket qualifies for a [`GiftOffer`] when the order is placed within
//! the offer's window, the buyer's tier is eligible, some eligible line has
//! something to pay, and the eligible lines' **spend** reaches the
//! minimum. The spend is what the eligible lines cost after the coupons of
//! the order (gross − the till's discount − coupon discounts) when an
//! [`Application`] is given, else gross − the till's discount: a "spend 5,000, get the travel kit" offer counts what
//! the client pays, not the list price.

use chrono::{DateTime, Utc};
use clientele_kernel::{FieldErrors, ShortText};
use clientele_loyalty::Tier;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::apply::Application;
use crate::basket::{Basket, Eligibility};
use crate::error::OfferError;
use crate::points::OfferRefusal;
use crate::values::{Amount, Sku, Window, WindowPhase, check};

/// A gift (or sample) with purchase, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "GiftOfferParts", into = "GiftOfferParts")]
pub struct GiftOffer {
    sku: Sku,
    name: ShortText,
    unit_cost: Amount,
    quantity: u32,
    min_spend: Option<Amount>,
    eligibility: Eligibility,
    window: Window,
}

fn one() -> u32 {
    1
}

/// The unchecked form of a [`GiftOffer`], as the API reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GiftOfferParts {
    /// The gift's SKU.
    pub sku: String,
    /// Its name, as the associate sees it.
    pub name: String,
    /// What one costs the brand (0 or more).
    pub unit_cost: Decimal,
    /// How many are given to a qualifying basket (default 1).
    #[serde(default = "one")]
    pub quantity: u32,
    /// Least spend on the eligible lines.
    #[serde(default)]
    pub min_spend: Option<Decimal>,
    /// Which lines count and which tiers may have it.
    #[serde(default)]
    pub eligibility: Eligibility,
    /// First valid instant.
    pub valid_from: DateTime<Utc>,
    /// First instant no longer valid.
    pub valid_to: DateTime<Utc>,
}

impl GiftOffer {
    /// Checks every field; the error lists each refused one (`sku`, `name`,
    /// `unit_cost`, `quantity`, `min_spend`, `valid_to`).
    pub fn new(parts: GiftOfferParts) -> Result<GiftOffer, OfferError> {
        let mut errors = FieldErrors::new();
        let sku = errors.check("sku", Sku::parse(&parts.sku));
        let name = errors.check("name", ShortText::parse(&parts.name));
        let unit_cost = check::amount(&mut errors, "unit_cost", parts.unit_cost);
        let quantity = check::at_least_one(&mut errors, "quantity", parts.quantity);
        let min_spend = parts.min_spend.map(|m| check::amount(&mut errors, "min_spend", m));
        let window = check::window(&mut errors, parts.valid_from, parts.valid_to);
        match (sku, name, unit_cost, quantity, window) {
            (Some(sku), Some(name), Some(unit_cost), Some(quantity), Some(window)) if errors.is_empty() => {
                Ok(GiftOffer {
                    sku,
                    name,
                    unit_cost,
                    quantity,
                    min_spend: min_spend.flatten(),
                    eligibility: parts.eligibility,
                    window,
                })
            }
            _ => Err(OfferError::InvalidFields(errors)),
        }
    }

    /// The gift's SKU.
    pub fn sku(&self) -> &Sku {
        &self.sku
    }

    /// Its name.
    pub fn name(&self) -> &ShortText {
        &self.name
    }

    /// What one costs the brand.
    pub fn unit_cost(&self) -> Amount {
        self.unit_cost
    }

    /// How many a qualifying basket gets.
    pub fn quantity(&self) -> u32 {
        self.quantity
    }

    /// Least spend on the eligible lines, if any.
    pub fn min_spend(&self) -> Option<Amount> {
        self.min_spend
    }

    /// Which lines count and which tiers may have it.
    pub fn eligibility(&self) -> &Eligibility {
        &self.eligibility
    }

    /// The window.
    pub fn window(&self) -> Window {
        self.window
    }

    /// Whether a basket qualifies (see the module's documentation).
    pub fn check(
        &self,
        basket: &Basket,
        coupons: Option<&Application>,
        tier: Option<Tier>,
        at: DateTime<Utc>,
    ) -> Result<(), OfferRefusal> {
        if self.window.phase(at) != WindowPhase::Open {
            return Err(OfferRefusal::NotAvailable);
        }
        if !self.eligibility.admits_tier(tier) {
            return Err(OfferRefusal::Tier);
        }
        let spends: Vec<i128> = basket
            .lines()
            .iter()
            .filter(|l| self.eligibility.admits_line(l))
            .map(|l| l.before_offers_cents() - coupons.map_or(0, |a| a.discount_of(&l.line_id).cents()))
            .filter(|spend| *spend > 0)
            .collect();
        if spends.is_empty() {
            return Err(OfferRefusal::NotApplicable);
        }
        if self.min_spend.is_some_and(|min| spends.iter().sum::<i128>() < min.cents()) {
            return Err(OfferRefusal::MinSpend);
        }
        Ok(())
    }
}

impl TryFrom<GiftOfferParts> for GiftOffer {
    type Error = OfferError;

    fn try_from(parts: GiftOfferParts) -> Result<GiftOffer, OfferError> {
        GiftOffer::new(parts)
    }
}

impl From<GiftOffer> for GiftOfferParts {
    fn from(g: GiftOffer) -> GiftOfferParts {
        GiftOfferParts {
            sku: g.sku.into_string(),
            name: g.name.into_string(),
            unit_cost: g.unit_cost.get(),
            quantity: g.quantity,
            min_spend: g.min_spend.map(Amount::get),
            eligibility: g.eligibility,
            valid_from: g.window.valid_from(),
            valid_to: g.window.valid_to(),
        }
    }
}

/// One gift offer's answer for a basket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GiftDecision {
    /// The gift's SKU.
    pub sku: Sku,
    /// How many the basket gets (0 when refused).
    pub quantity: u32,
    /// Why the basket does not qualify, if it does not.
    pub refusal: Option<OfferRefusal>,
}

/// For each of `offers`, in order, whether the basket qualifies and how many
/// gifts it gets. `coupons` is the order's [`Application`], if coupons were
/// applied (the spend is then counted after them).
pub fn gifts_for(
    basket: &Basket,
    coupons: Option<&Application>,
    tier: Option<Tier>,
    at: DateTime<Utc>,
    offers: &[GiftOffer],
) -> Vec<GiftDecision> {
    offers
        .iter()
        .map(|offer| {
            let refusal = offer.check(basket, coupons, tier, at).err();
            let quantity = if refusal.is_some() { 0 } else { offer.quantity };
            GiftDecision { sku: offer.sku.clone(), quantity, refusal }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use clientele_kernel::{Label, LineId};

    use super::*;
    use crate::basket::BasketLine;

    fn parts(min_spend: &str) -> GiftOfferParts {
        GiftOfferParts {
            sku: "KIT-TRAVEL".into(),
            name: "Travel kit".into(),
            unit_cost: "35.50".parse().unwrap(),
            quantity: 1,
            min_spend: Some(min_spend.parse().unwrap()),
            eligibility: Eligibility { categories: vec![Label::parse("beauty").unwrap()], ..Eligibility::default() },
            valid_from: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
            valid_to: Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
        }
    }

    fn basket() -> Basket {
        let line = |id: &str, category: &str, price: &str| BasketLine {
            line_id: LineId::parse(id).unwrap(),
            sku: Sku::parse(id).unwrap(),
            category: Some(Label::parse(category).unwrap()),
            collection: None,
            quantity: 1,
            unit_price: Amount::parse(price).unwrap(),
            discount: Amount::ZERO,
        };
        Basket::new(vec![line("1", "beauty", "3000"), line("2", "beauty", "2500"), line("3", "bags", "9000")]).unwrap()
    }

    #[test]
    fn a_basket_qualifies_on_its_eligible_spend() {
        let at = Utc.with_ymd_and_hms(2026, 6, 15, 0, 0, 0).unwrap();
        let offers = [GiftOffer::new(parts("5000")).unwrap(), GiftOffer::new(parts("6000")).unwrap()];
        let decisions = gifts_for(&basket(), None, Some(Tier::S2), at, &offers);
        assert_eq!(decisions[0], GiftDecision { sku: Sku::parse("KIT-TRAVEL").unwrap(), quantity: 1, refusal: None });
        assert_eq!(decisions[1].refusal, Some(OfferRefusal::MinSpend));
        assert_eq!(decisions[1].quantity, 0);
        let late = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
        assert_eq!(offers[0].check(&basket(), None, None, late), Err(OfferRefusal::NotAvailable));
    }

    #[test]
    fn fields_are_named() {
        let bad = GiftOfferParts { sku: " ".into(), unit_cost: "-1".parse().unwrap(), quantity: 0, ..parts("1") };
        let err = GiftOffer::new(bad).unwrap_err();
        let fields: Vec<&str> = err.fields().unwrap().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["sku", "unit_cost", "quantity"]);
        let gift = GiftOffer::new(parts("5000")).unwrap();
        let json = serde_json::to_value(&gift).unwrap();
        assert_eq!(serde_json::from_value::<GiftOffer>(json).unwrap(), gift);
    }
}

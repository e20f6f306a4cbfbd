//! The basket at the till and which of its lines an offer is for.
//!
//! A [`Basket`] is the order's lines before any offer: each with its SKU,
//! category and collection, quantity, unit price and what the till already
//! took off it (a markdown, a staff discount). A line's gross is quantity ×
//! unit price; offers apply to what is left of it after the till's own
//! discount, and the discount ceiling counts that discount too (a line
//! marked down to the ceiling gets no coupon on top). A line of quantity 0
//! is allowed (a POS sends them) and earns and is discounted nothing.
//!
//! An offer's [`Eligibility`] says which lines it is for and which members
//! may have it: a line qualifies if it matches any of the lists that are not
//! empty (its category is listed, or its collection, or its SKU); with all
//! three lists empty every line qualifies. Categories and collections are
//! compared without regard to case (`"Bags"` matches `"bags"`), SKUs
//! exactly. An empty tier list admits every member and anonymous buyers; a
//! tier list admits only members of those tiers, never an anonymous buyer.

use std::collections::BTreeSet;

use clientele_kernel::{FieldErrors, InvalidValue, Label, LineId};
use clientele_loyalty::Tier;
use serde::{Deserialize, Serialize};

use crate::error::OfferError;
use crate::values::{Amount, Sku};

/// One line of a basket, before offers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasketLine {
    /// The line's id within the order; ties in allocations are broken by it.
    pub line_id: LineId,
    /// The product.
    pub sku: Sku,
    /// The product's category (`"bags"`), if the POS sends it.
    #[serde(default)]
    pub category: Option<Label>,
    /// The product's collection (`"SS26"`), if the POS sends it.
    #[serde(default)]
    pub collection: Option<Label>,
    /// Units; 0 is allowed and gets nothing.
    pub quantity: u32,
    /// Price of one unit before offers.
    pub unit_price: Amount,
    /// What the till already took off the whole line before offers (0 when
    /// it took nothing); at most the line's gross.
    #[serde(default)]
    pub discount: Amount,
}

impl BasketLine {
    /// Quantity × unit price, in cents (exact; at most 10^12 in a
    /// [`Basket`]).
    pub fn gross_cents(&self) -> i128 {
        i128::from(self.quantity) * self.unit_price.cents()
    }

    /// Quantity × unit price.
    pub fn gross(&self) -> Amount {
        Amount::from_cents(self.gross_cents())
    }

    /// What is left to pay before offers: gross − the till's discount.
    pub fn before_offers_cents(&self) -> i128 {
        self.gross_cents() - self.discount.cents()
    }
}

/// A basket: at most [`Basket::MAX_LINES`] lines, each line id once, each
/// line's gross and the basket's gross at most 10^12 (so every discount
/// and every sum is an [`Amount`]). Serialised as the list of lines.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<BasketLine>", into = "Vec<BasketLine>")]
pub struct Basket(Vec<BasketLine>);

impl Basket {
    /// Most lines a basket may have.
    pub const MAX_LINES: usize = 1_000;

    /// Checks the lines; every refusal names its field (`lines`,
    /// `lines[2].line_id`, `lines[2].quantity`, `lines[2].discount`). Lines
    /// keep their order.
    pub fn new(lines: Vec<BasketLine>) -> Result<Basket, OfferError> {
        let mut errors = FieldErrors::new();
        if lines.len() > Self::MAX_LINES {
            errors.push("lines", InvalidValue::new("too_long", format!("at most {} lines", Self::MAX_LINES)));
        }
        if lines.iter().map(BasketLine::gross_cents).sum::<i128>() > Amount::MAX_CENTS {
            errors.push("lines", InvalidValue::new("out_of_range", "the basket's gross must be at most 10^12"));
        }
        let mut seen = BTreeSet::new();
        for (i, line) in lines.iter().enumerate() {
            if !seen.insert(&line.line_id) {
                errors.push(format!("lines[{i}].line_id"), InvalidValue::new("duplicate", "a line id appears twice"));
            }
            if line.gross_cents() > Amount::MAX_CENTS {
                errors.push(
                    format!("lines[{i}].quantity"),
                    InvalidValue::new("out_of_range", "quantity × unit price must be at most 10^12"),
                );
            } else if line.discount.cents() > line.gross_cents() {
                errors.push(
                    format!("lines[{i}].discount"),
                    InvalidValue::new("out_of_range", "the discount exceeds quantity × unit price"),
                );
            }
        }
        errors.into_result(Basket(lines)).map_err(OfferError::from)
    }

    /// The lines, in the order given.
    pub fn lines(&self) -> &[BasketLine] {
        &self.0
    }

    /// The sum of the lines' gross.
    pub fn gross(&self) -> Amount {
        Amount::from_cents(self.0.iter().map(BasketLine::gross_cents).sum())
    }
}

impl TryFrom<Vec<BasketLine>> for Basket {
    type Error = OfferError;

    fn try_from(lines: Vec<BasketLine>) -> Result<Basket, OfferError> {
        Basket::new(lines)
    }
}

impl From<Basket> for Vec<BasketLine> {
    fn from(basket: Basket) -> Vec<BasketLine> {
        basket.0
    }
}

/// Which lines an offer is for and which members may have it (see the
/// module's documentation for the rule). The default admits everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Categories that qualify.
    #[serde(default)]
    pub categories: Vec<Label>,
    /// Collections that qualify.
    #[serde(default)]
    pub collections: Vec<Label>,
    /// SKUs that qualify.
    #[serde(default)]
    pub skus: Vec<Sku>,
    /// Member tiers that may have the offer; empty = everyone.
    #[serde(default)]
    pub tiers: Vec<Tier>,
}

fn same_label(a: &Label, b: &Label) -> bool {
    a.as_str().to_lowercase() == b.as_str().to_lowercase()
}

impl Eligibility {
    /// Every line, every member.
    pub fn everything() -> Eligibility {
        Eligibility::default()
    }

    /// True when a product with this SKU, category and collection
    /// qualifies.
    pub fn admits_product(&self, sku: &Sku, category: Option<&Label>, collection: Option<&Label>) -> bool {
        if self.categories.is_empty() && self.collections.is_empty() && self.skus.is_empty() {
            return true;
        }
        let listed =
            |list: &[Label], value: Option<&Label>| value.is_some_and(|v| list.iter().any(|l| same_label(l, v)));
        listed(&self.categories, category) || listed(&self.collections, collection) || self.skus.contains(sku)
    }

    /// True when the line's product qualifies (whatever its quantity).
    pub fn admits_line(&self, line: &BasketLine) -> bool {
        self.admits_product(&line.sku, line.category.as_ref(), line.collection.as_ref())
    }

    /// True when a buyer of this tier (None: anonymous) may have the offer.
    pub fn admits_tier(&self, tier: Option<Tier>) -> bool {
        self.tiers.is_empty() || tier.is_some_and(|t| self.tiers.contains(&t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, sku: &str, category: Option<&str>, quantity: u32, price: &str) -> BasketLine {
        BasketLine {
            line_id: LineId::parse(id).unwrap(),
            sku: Sku::parse(sku).unwrap(),
            category: category.map(|c| Label::parse(c).unwrap()),
            collection: None,
            quantity,
            unit_price: Amount::parse(price).unwrap(),
            discount: Amount::ZERO,
        }
    }

    #[test]
    fn gross_and_checks() {
        let basket =
            Basket::new(vec![line("1", "BAG-1", Some("Bags"), 2, "6000"), line("2", "SC-1", None, 0, "9")]).unwrap();
        assert_eq!(basket.lines()[0].gross().cents(), 1_200_000);
        assert_eq!(basket.lines()[1].gross(), Amount::ZERO);
        assert_eq!(basket.gross().cents(), 1_200_000);
        let err = Basket::new(vec![line("1", "A", None, 1, "1"), line("1", "B", None, 1, "1")]).unwrap_err();
        assert_eq!(err.fields().unwrap().iter().next().unwrap().field, "lines[1].line_id");
        let err = Basket::new(vec![line("1", "A", None, 2, "1000000000000")]).unwrap_err();
        let fields: Vec<&str> = err.fields().unwrap().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lines", "lines[0].quantity"]);
        let marked_down = BasketLine { discount: Amount::parse("2.01").unwrap(), ..line("1", "A", None, 2, "1") };
        let err = Basket::new(vec![marked_down]).unwrap_err();
        assert_eq!(err.fields().unwrap().iter().next().unwrap().field, "lines[0].discount");
        let json = serde_json::to_value(&basket).unwrap();
        assert_eq!(serde_json::from_value::<Basket>(json).unwrap(), basket);
    }

    #[test]
    fn eligibility_matches_any_listed_and_tiers() {
        let bag = line("1", "BAG-1", Some("Bags"), 1, "1");
        let scarf = line("2", "SC-1", Some("scarves"), 1, "1");
        assert!(Eligibility::everything().admits_line(&bag));
        let bags = Eligibility { categories: vec![Label::parse("bags").unwrap()], ..Eligibility::default() };
        assert!(bags.admits_line(&bag) && !bags.admits_line(&scarf));
        let or_sku = Eligibility { skus: vec![Sku::parse("SC-1").unwrap()], ..bags.clone() };
        assert!(or_sku.admits_line(&bag) && or_sku.admits_line(&scarf));
        let sku_case = Eligibility { skus: vec![Sku::parse("sc-1").unwrap()], ..Eligibility::default() };
        assert!(!sku_case.admits_line(&scarf));
        assert!(Eligibility::everything().admits_tier(None));
        let top = Eligibility { tiers: vec![Tier::S5, Tier::S6], ..Eligibility::default() };
        assert!(top.admits_tier(Some(Tier::S6)) && !top.admits_tier(Some(Tier::S4)) && !top.admits_tier(None));
    }
}

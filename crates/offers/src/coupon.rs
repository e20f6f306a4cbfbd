//! A coupon's definition: what it takes off, on which lines, for whom,
//! when, with what else, and how often.
//!
//! - `percent`: that percent off the eligible lines (0 < p ≤ 100);
//!   `fixed_amount`: that amount off the eligible lines together (> 0).
//! - `min_spend`: what the eligible lines cost before any offer (gross −
//!   the till's own discount) must reach it.
//! - `eligibility`: which lines and which member tiers (see
//!   [`Eligibility`]).
//! - `valid_from` / `valid_to`: the validity window `[from, to)`.
//! - `stackable`: whether it may be used with another coupon in the same
//!   order. A coupon that is not stackable is alone in its order.
//! - `max_discount`: a cap on the coupon's whole discount.
//! - `uses_per_customer` (default 1: single use per customer) and
//!   `max_uses` (a shared code's global limit, none for a personal code).
//!
//! A definition is built through [`CouponDefinition::new`], which names
//! every refused field, so the API answers 422 with the list.

use chrono::{DateTime, Utc};
use clientele_kernel::{FieldErrors, InvalidValue};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::basket::Eligibility;
use crate::error::OfferError;
use crate::values::{Amount, Percent, Window, check};

/// What a coupon takes off. Serialised as `{"percent": "15"}` or
/// `{"fixed_amount": "500.00"}`; read through [`CouponKindParts`] (a
/// definition checks it), so a percent of 0 is never held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CouponKind {
    /// That percent off each eligible line (above 0, at most 100).
    Percent(Percent),
    /// That amount off the eligible lines together (above 0).
    FixedAmount(Amount),
}

/// The unchecked form of a [`CouponKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CouponKindParts {
    /// A percent.
    Percent(Decimal),
    /// An amount.
    FixedAmount(Decimal),
}

/// A coupon's definition, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "CouponDefinitionParts", into = "CouponDefinitionParts")]
pub struct CouponDefinition {
    kind: CouponKind,
    min_spend: Option<Amount>,
    eligibility: Eligibility,
    window: Window,
    stackable: bool,
    max_discount: Option<Amount>,
    uses_per_customer: u32,
    max_uses: Option<u32>,
}

fn one() -> u32 {
    1
}

/// The unchecked form of a [`CouponDefinition`], as the API reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CouponDefinitionParts {
    /// What it takes off.
    pub kind: CouponKindParts,
    /// Least gross of the eligible lines.
    #[serde(default)]
    pub min_spend: Option<Decimal>,
    /// Which lines and tiers.
    #[serde(default)]
    pub eligibility: Eligibility,
    /// First valid instant.
    pub valid_from: DateTime<Utc>,
    /// First instant no longer valid.
    pub valid_to: DateTime<Utc>,
    /// May be used with other coupons.
    #[serde(default)]
    pub stackable: bool,
    /// Cap on the coupon's whole discount.
    #[serde(default)]
    pub max_discount: Option<Decimal>,
    /// Uses per customer (default 1).
    #[serde(default = "one")]
    pub uses_per_customer: u32,
    /// A shared code's global limit of uses.
    #[serde(default)]
    pub max_uses: Option<u32>,
}

impl CouponDefinition {
    /// Checks every field; the error lists each refused one (`kind.percent`,
    /// `kind.fixed_amount`, `min_spend`, `valid_to`, `max_discount`,
    /// `uses_per_customer`, `max_uses`).
    pub fn new(parts: CouponDefinitionParts) -> Result<CouponDefinition, OfferError> {
        let mut errors = FieldErrors::new();
        let kind = match parts.kind {
            CouponKindParts::Percent(p) => {
                let percent = errors.check("kind.percent", Percent::new(p));
                match percent {
                    Some(p) if p.basis_points() == 0 => {
                        errors.push("kind.percent", InvalidValue::new("out_of_range", "must be above 0"));
                        None
                    }
                    other => other.map(CouponKind::Percent),
                }
            }
            CouponKindParts::FixedAmount(a) => {
                check::positive_amount(&mut errors, "kind.fixed_amount", a).map(CouponKind::FixedAmount)
            }
        };
        let min_spend = parts.min_spend.map(|m| check::amount(&mut errors, "min_spend", m));
        let window = check::window(&mut errors, parts.valid_from, parts.valid_to);
        let max_discount = parts.max_discount.map(|m| check::positive_amount(&mut errors, "max_discount", m));
        let uses_per_customer = check::at_least_one(&mut errors, "uses_per_customer", parts.uses_per_customer);
        let max_uses = parts.max_uses.map(|m| check::at_least_one(&mut errors, "max_uses", m));
        match (kind, min_spend, window, max_discount, uses_per_customer, max_uses) {
            (Some(kind), min_spend, Some(window), max_discount, Some(uses_per_customer), max_uses)
                if errors.is_empty() =>
            {
                Ok(CouponDefinition {
                    kind,
                    min_spend: min_spend.flatten(),
                    eligibility: parts.eligibility,
                    window,
                    stackable: parts.stackable,
                    max_discount: max_discount.flatten(),
                    uses_per_customer,
                    max_uses: max_uses.flatten(),
                })
            }
            _ => Err(OfferError::InvalidFields(errors)),
        }
    }

    /// What it takes off.
    pub fn kind(&self) -> CouponKind {
        self.kind
    }

    /// Least gross of the eligible lines, if any.
    pub fn min_spend(&self) -> Option<Amount> {
        self.min_spend
    }

    /// Which lines and tiers.
    pub fn eligibility(&self) -> &Eligibility {
        &self.eligibility
    }

    /// The validity window.
    pub fn window(&self) -> Window {
        self.window
    }

    /// May be used with other coupons.
    pub fn stackable(&self) -> bool {
        self.stackable
    }

    /// Cap on the coupon's whole discount, if any.
    pub fn max_discount(&self) -> Option<Amount> {
        self.max_discount
    }

    /// Uses per customer (1 unless stated).
    pub fn uses_per_customer(&self) -> u32 {
        self.uses_per_customer
    }

    /// A shared code's global limit, if any.
    pub fn max_uses(&self) -> Option<u32> {
        self.max_uses
    }

    /// How many more times a member may use their code of this coupon at
    /// `at` — what the till shows them — or None when they may not now:
    /// the code is not issued (held, used up, expired, void), the coupon is
    /// outside its validity, their tier is not eligible, or their uses are
    /// spent.
    pub fn uses_left(
        &self,
        (state, used): (crate::state::CouponState, u32),
        tier: Option<clientele_loyalty::Tier>,
        at: DateTime<Utc>,
    ) -> Option<u32> {
        let open = state == crate::state::CouponState::Issued
            && self.window.phase(at) == crate::values::WindowPhase::Open
            && self.eligibility.admits_tier(tier);
        let left = self.uses_per_customer.saturating_sub(used);
        (open && left > 0).then_some(left)
    }
}

impl TryFrom<CouponDefinitionParts> for CouponDefinition {
    type Error = OfferError;

    fn try_from(parts: CouponDefinitionParts) -> Result<CouponDefinition, OfferError> {
        CouponDefinition::new(parts)
    }
}

impl From<CouponDefinition> for CouponDefinitionParts {
    fn from(d: CouponDefinition) -> CouponDefinitionParts {
        CouponDefinitionParts {
            kind: match d.kind {
                CouponKind::Percent(p) => CouponKindParts::Percent(p.get()),
                CouponKind::FixedAmount(a) => CouponKindParts::FixedAmount(a.get()),
            },
            min_spend: d.min_spend.map(Amount::get),
            eligibility: d.eligibility,
            valid_from: d.window.valid_from(),
            valid_to: d.window.valid_to(),
            stackable: d.stackable,
            max_discount: d.max_discount.map(Amount::get),
            uses_per_customer: d.uses_per_customer,
            max_uses: d.max_uses,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_member_may_use_an_issued_code_in_its_window_for_their_tier_while_uses_last() {
        use crate::state::CouponState as S;
        use clientele_loyalty::Tier;
        let definition: CouponDefinition = serde_json::from_value(json!({
            "kind": { "percent": "10" }, "eligibility": { "tiers": ["S3"] },
            "valid_from": "2026-06-01T00:00:00Z", "valid_to": "2026-07-01T00:00:00Z", "uses_per_customer": 2
        }))
        .expect("a definition");
        let june: DateTime<Utc> = "2026-06-15T00:00:00Z".parse().expect("june");
        let july: DateTime<Utc> = "2026-07-01T00:00:00Z".parse().expect("july");
        assert_eq!(definition.uses_left((S::Issued, 0), Some(Tier::S3), june), Some(2));
        assert_eq!(definition.uses_left((S::Issued, 1), Some(Tier::S3), june), Some(1));
        assert_eq!(definition.uses_left((S::Issued, 2), Some(Tier::S3), june), None);
        assert_eq!(definition.uses_left((S::Issued, 0), Some(Tier::S3), july), None);
        assert_eq!(definition.uses_left((S::Issued, 0), Some(Tier::S2), june), None);
        assert_eq!(definition.uses_left((S::Issued, 0), None, june), None);
        for state in [S::Reserved, S::Redeemed, S::Expired, S::Void] {
            assert_eq!(definition.uses_left((state, 0), Some(Tier::S3), june), None, "{state}");
        }
    }

    #[test]
    fn a_definition_reads_from_json_and_back() {
        let json = json!({
            "kind": {"percent": "15"},
            "min_spend": "5000",
            "eligibility": {"categories": ["bags"]},
            "valid_from": "2026-06-01T00:00:00Z",
            "valid_to": "2026-07-01T00:00:00Z",
        });
        let coupon: CouponDefinition = serde_json::from_value(json).unwrap();
        assert_eq!(coupon.kind(), CouponKind::Percent(Percent::parse("15").unwrap()));
        assert_eq!(coupon.min_spend().unwrap().cents(), 500_000);
        assert_eq!((coupon.uses_per_customer(), coupon.max_uses(), coupon.stackable()), (1, None, false));
        let back = serde_json::to_value(&coupon).unwrap();
        assert_eq!(back["kind"], json!({"percent": "15"}));
        assert_eq!(serde_json::from_value::<CouponDefinition>(back).unwrap(), coupon);
    }

    #[test]
    fn every_refused_field_is_named() {
        let parts = CouponDefinitionParts {
            kind: CouponKindParts::Percent(Decimal::ZERO),
            min_spend: Some(Decimal::new(-1, 0)),
            eligibility: Eligibility::default(),
            valid_from: "2026-07-01T00:00:00Z".parse().unwrap(),
            valid_to: "2026-06-01T00:00:00Z".parse().unwrap(),
            stackable: true,
            max_discount: Some(Decimal::ZERO),
            uses_per_customer: 0,
            max_uses: Some(0),
        };
        let err = CouponDefinition::new(parts.clone()).unwrap_err();
        let fields: Vec<&str> = err.fields().unwrap().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind.percent", "min_spend", "valid_to", "max_discount", "uses_per_customer", "max_uses"]);
        let fixed = CouponDefinitionParts { kind: CouponKindParts::FixedAmount(Decimal::new(1, 3)), ..parts.clone() };
        let err = CouponDefinition::new(fixed).unwrap_err();
        assert_eq!(err.fields().unwrap().iter().next().unwrap().field, "kind.fixed_amount");
        let over = CouponDefinitionParts { kind: CouponKindParts::Percent(Decimal::new(101, 0)), ..parts };
        let err = CouponDefinition::new(over).unwrap_err();
        assert_eq!(err.fields().unwrap().iter().next().unwrap().code, "out_of_range");
    }
}

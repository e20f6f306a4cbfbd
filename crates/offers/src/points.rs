//! Points offers: bonus points for a qualifying order, or a multiplier on
//! the consumption points of qualifying lines, within a window, with a
//! minimum spend and an eligibility — and what a return takes back.
//!
//! The extra points are allocated to the order's lines, so that a return
//! takes back exactly what the offer added for the units returned:
//!
//! - a line **qualifies** when its product is eligible, its quantity is
//!   above 0 and something was paid for it; the minimum spend is on the
//!   qualifying lines' amounts paid (after discounts);
//! - **bonus** (`{"bonus": 500}`): the fixed number of points, split over
//!   the qualifying lines in proportion to their amounts paid, by largest
//!   remainder (ties to the smaller line id), so the lines add up to the
//!   bonus exactly;
//! - **multiplier** (`{"multiplier": "1.5"}`): the order earns
//!   (m − 1) × the qualifying lines' base points on top, **rounded down** to
//!   a whole point on the order's total (as the loyalty crate rounds an
//!   order's points), split over those lines in proportion to their base
//!   points by largest remainder. A line's base points are what the
//!   loyalty crate allocated to it.
//!
//! A return takes back, from a line's extra points, `floor(extra ×
//! returned so far / quantity)` minus what earlier returns took
//! ([`take_back`]): returning every unit, at once or in any number of
//! steps, takes back exactly the line's extra points, and never more.

use chrono::{DateTime, Utc};
use clientele_kernel::{FieldErrors, InvalidValue, Label, LineId, keyword_enum};
use clientele_loyalty::{Points, Tier};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocate::largest_remainder;
use crate::basket::Eligibility;
use crate::error::OfferError;
use crate::values::{Amount, PointsMultiplier, Sku, Window, WindowPhase, check};

keyword_enum! {
    /// Why a points offer or a gift with purchase does not apply to an
    /// order: a stable code.
    pub enum OfferRefusal {
        /// Outside the offer's window.
        NotAvailable => "offer_not_available",
        /// The member's tier is not eligible (or the buyer is anonymous).
        Tier => "offer_tier",
        /// The qualifying lines do not reach the minimum spend.
        MinSpend => "offer_min_spend",
        /// No line qualifies.
        NotApplicable => "offer_not_applicable",
    }
}

/// What a points offer gives. Serialised as `{"bonus": 500}` or
/// `{"multiplier": "2"}`; read through [`PointsOfferKindParts`] (an offer
/// checks it), so a bonus of 0 is never held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PointsOfferKind {
    /// That many points per qualifying order (above 0).
    Bonus(Points),
    /// The qualifying lines' consumption points times this (above 1).
    Multiplier(PointsMultiplier),
}

/// The unchecked form of a [`PointsOfferKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointsOfferKindParts {
    /// Bonus points.
    Bonus(i64),
    /// A multiplier.
    Multiplier(Decimal),
}

/// A points offer, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PointsOfferParts", into = "PointsOfferParts")]
pub struct PointsOffer {
    kind: PointsOfferKind,
    min_spend: Option<Amount>,
    eligibility: Eligibility,
    window: Window,
}

/// The unchecked form of a [`PointsOffer`], as the API reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointsOfferParts {
    /// What it gives.
    pub kind: PointsOfferKindParts,
    /// Least amount paid on the qualifying lines.
    #[serde(default)]
    pub min_spend: Option<Decimal>,
    /// Which lines and tiers.
    #[serde(default)]
    pub eligibility: Eligibility,
    /// First valid instant.
    pub valid_from: DateTime<Utc>,
    /// First instant no longer valid.
    pub valid_to: DateTime<Utc>,
}

impl PointsOffer {
    /// Checks every field; the error lists each refused one
    /// (`kind.bonus`, `kind.multiplier`, `min_spend`, `valid_to`).
    pub fn new(parts: PointsOfferParts) -> Result<PointsOffer, OfferError> {
        let mut errors = FieldErrors::new();
        let kind = match parts.kind {
            PointsOfferKindParts::Bonus(n) => {
                let points = errors.check("kind.bonus", Points::new(n));
                if points.is_some_and(Points::is_zero) {
                    errors.push("kind.bonus", InvalidValue::new("out_of_range", "must be above 0"));
                }
                points.map(PointsOfferKind::Bonus)
            }
            PointsOfferKindParts::Multiplier(m) => {
                errors.check("kind.multiplier", PointsMultiplier::new(m)).map(PointsOfferKind::Multiplier)
            }
        };
        let min_spend = parts.min_spend.map(|m| check::amount(&mut errors, "min_spend", m));
        let window = check::window(&mut errors, parts.valid_from, parts.valid_to);
        match (kind, window) {
            (Some(kind), Some(window)) if errors.is_empty() => {
                Ok(PointsOffer { kind, min_spend: min_spend.flatten(), eligibility: parts.eligibility, window })
            }
            _ => Err(OfferError::InvalidFields(errors)),
        }
    }

    /// What it gives.
    pub fn kind(&self) -> PointsOfferKind {
        self.kind
    }

    /// Least amount paid on the qualifying lines, if any.
    pub fn min_spend(&self) -> Option<Amount> {
        self.min_spend
    }

    /// Which lines and tiers.
    pub fn eligibility(&self) -> &Eligibility {
        &self.eligibility
    }

    /// The window.
    pub fn window(&self) -> Window {
        self.window
    }
}

impl TryFrom<PointsOfferParts> for PointsOffer {
    type Error = OfferError;

    fn try_from(parts: PointsOfferParts) -> Result<PointsOffer, OfferError> {
        PointsOffer::new(parts)
    }
}

impl From<PointsOffer> for PointsOfferParts {
    fn from(o: PointsOffer) -> PointsOfferParts {
        PointsOfferParts {
            kind: match o.kind {
                PointsOfferKind::Bonus(p) => PointsOfferKindParts::Bonus(p.get()),
                PointsOfferKind::Multiplier(m) => PointsOfferKindParts::Multiplier(m.get()),
            },
            min_spend: o.min_spend.map(Amount::get),
            eligibility: o.eligibility,
            valid_from: o.window.valid_from(),
            valid_to: o.window.valid_to(),
        }
    }
}

/// One line of an order as paid, with the consumption points the loyalty
/// crate allocated to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PaidLine {
    /// The line (unique within the order).
    pub line_id: LineId,
    /// The product.
    pub sku: Sku,
    /// Its category.
    #[serde(default)]
    pub category: Option<Label>,
    /// Its collection.
    #[serde(default)]
    pub collection: Option<Label>,
    /// Units bought.
    pub quantity: u32,
    /// What was actually paid for the line, after discounts.
    pub paid: Amount,
    /// The consumption points the line earned.
    pub base_points: Points,
}

/// The extra points an offer gives one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LineExtra {
    /// The line.
    pub line_id: LineId,
    /// Points on top of its base points (0 for a line that does not
    /// qualify).
    pub extra: Points,
}

fn points_of(value: i128) -> Points {
    i64::try_from(value).ok().and_then(|v| Points::new(v).ok()).unwrap_or(Points::MAX)
}

/// The extra points `offer` gives an order of these lines placed at `at` by
/// a buyer of tier `tier` (None: anonymous), one entry per line in the
/// order given, or why it gives none. See the module's documentation for
/// the rounding. A total beyond [`Points::MAX`] (10^15, beyond any order)
/// saturates.
pub fn offer_points(
    lines: &[PaidLine],
    offer: &PointsOffer,
    at: DateTime<Utc>,
    tier: Option<Tier>,
) -> Result<Vec<LineExtra>, OfferRefusal> {
    if offer.window.phase(at) != WindowPhase::Open {
        return Err(OfferRefusal::NotAvailable);
    }
    if !offer.eligibility.admits_tier(tier) {
        return Err(OfferRefusal::Tier);
    }
    let qualifies = |l: &PaidLine| {
        l.quantity > 0
            && !l.paid.is_zero()
            && offer.eligibility.admits_product(&l.sku, l.category.as_ref(), l.collection.as_ref())
    };
    let qualifying: Vec<usize> = (0..lines.len()).filter(|&i| qualifies(&lines[i])).collect();
    if qualifying.is_empty() {
        return Err(OfferRefusal::NotApplicable);
    }
    let spend: i128 = qualifying.iter().map(|&i| lines[i].paid.cents()).sum();
    if offer.min_spend.is_some_and(|min| spend < min.cents()) {
        return Err(OfferRefusal::MinSpend);
    }
    let (total, weights): (i128, Vec<(&LineId, i128)>) = match offer.kind {
        PointsOfferKind::Bonus(points) => {
            (i128::from(points.get()), qualifying.iter().map(|&i| (&lines[i].line_id, lines[i].paid.cents())).collect())
        }
        PointsOfferKind::Multiplier(m) => {
            let base: i128 = qualifying.iter().map(|&i| i128::from(lines[i].base_points.get())).sum();
            (
                base * m.extra_hundredths() / 100,
                qualifying.iter().map(|&i| (&lines[i].line_id, i128::from(lines[i].base_points.get()))).collect(),
            )
        }
    };
    let shares = largest_remainder(total, &weights);
    let mut extra = vec![0_i128; lines.len()];
    for (&i, share) in qualifying.iter().zip(shares) {
        extra[i] = share;
    }
    Ok(lines.iter().zip(extra).map(|(l, e)| LineExtra { line_id: l.line_id.clone(), extra: points_of(e) }).collect())
}

/// The extra points to take back when `returned_now` more units of a line
/// come back: `floor(extra × (already_returned + returned_now) / quantity)
/// − floor(extra × already_returned / quantity)`. Every unit returned, in
/// any steps, gives back exactly `extra`. Refused
/// ([`OfferError::ReturnExceedsQuantity`]) if more units would be returned
/// than were bought.
pub fn take_back(extra: Points, quantity: u32, already_returned: u32, returned_now: u32) -> Result<Points, OfferError> {
    let after = already_returned
        .checked_add(returned_now)
        .filter(|after| *after <= quantity)
        .ok_or(OfferError::ReturnExceedsQuantity { quantity, already_returned, returned_now })?;
    if quantity == 0 {
        return Ok(Points::ZERO);
    }
    let share = |units: u32| i128::from(extra.get()) * i128::from(units) / i128::from(quantity);
    Ok(points_of(share(after) - share(already_returned)))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
    }

    fn offer(kind: PointsOfferKindParts, min_spend: Option<&str>, tiers: Vec<Tier>) -> PointsOffer {
        PointsOffer::new(PointsOfferParts {
            kind,
            min_spend: min_spend.map(|m| m.parse().unwrap()),
            eligibility: Eligibility { tiers, ..Eligibility::default() },
            valid_from: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
            valid_to: Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
        })
        .unwrap()
    }

    fn paid(id: &str, quantity: u32, paid: &str, base: i64) -> PaidLine {
        PaidLine {
            line_id: LineId::parse(id).unwrap(),
            sku: Sku::parse("SKU").unwrap(),
            category: None,
            collection: None,
            quantity,
            paid: Amount::parse(paid).unwrap(),
            base_points: Points::new(base).unwrap(),
        }
    }

    fn extras(result: &[LineExtra]) -> Vec<i64> {
        result.iter().map(|l| l.extra.get()).collect()
    }

    #[test]
    fn a_bonus_is_split_by_amount_paid_and_adds_up() {
        let lines = [paid("1", 1, "300", 300), paid("2", 2, "700", 700), paid("3", 0, "0", 0)];
        let bonus = offer(PointsOfferKindParts::Bonus(500), Some("1000"), vec![]);
        assert_eq!(extras(&offer_points(&lines, &bonus, at(), None).unwrap()), [150, 350, 0]);
        let odd = offer(PointsOfferKindParts::Bonus(100), None, vec![]);
        let three = [paid("a", 1, "1", 1), paid("b", 1, "1", 1), paid("c", 1, "1", 1)];
        assert_eq!(extras(&offer_points(&three, &odd, at(), None).unwrap()), [34, 33, 33]);
        assert_eq!(offer_points(&lines[..1], &bonus, at(), None), Err(OfferRefusal::MinSpend));
    }

    #[test]
    fn a_multiplier_rounds_down_on_the_order() {
        let lines = [paid("1", 1, "1001", 1001), paid("2", 1, "1001", 1001)];
        let half_again = offer(PointsOfferKindParts::Multiplier("1.5".parse().unwrap()), None, vec![]);
        // 2,002 × 0.5 = 1,001, split 501 / 500 (the tie to line "1").
        assert_eq!(extras(&offer_points(&lines, &half_again, at(), None).unwrap()), [501, 500]);
        let double = offer(PointsOfferKindParts::Multiplier("2".parse().unwrap()), None, vec![]);
        assert_eq!(extras(&offer_points(&lines, &double, at(), None).unwrap()), [1001, 1001]);
        let one = [paid("1", 1, "3", 3)];
        assert_eq!(extras(&offer_points(&one, &half_again, at(), None).unwrap()), [1]);
    }

    #[test]
    fn refusals() {
        let lines = [paid("1", 1, "100", 100)];
        let top = offer(PointsOfferKindParts::Bonus(10), None, vec![Tier::S6]);
        assert_eq!(offer_points(&lines, &top, at(), Some(Tier::S5)), Err(OfferRefusal::Tier));
        assert_eq!(offer_points(&lines, &top, at(), None), Err(OfferRefusal::Tier));
        let late = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
        assert_eq!(offer_points(&lines, &top, late, Some(Tier::S6)), Err(OfferRefusal::NotAvailable));
        let free = [paid("1", 1, "0", 0)];
        assert_eq!(offer_points(&free, &top, at(), Some(Tier::S6)), Err(OfferRefusal::NotApplicable));
        assert_eq!(OfferRefusal::MinSpend.as_str(), "offer_min_spend");
        let err = PointsOffer::new(PointsOfferParts { kind: PointsOfferKindParts::Bonus(0), ..top.clone().into() });
        assert_eq!(err.unwrap_err().fields().unwrap().iter().next().unwrap().field, "kind.bonus");
        let err = PointsOffer::new(PointsOfferParts {
            kind: PointsOfferKindParts::Multiplier(Decimal::ONE),
            ..top.clone().into()
        });
        assert_eq!(err.unwrap_err().fields().unwrap().iter().next().unwrap().field, "kind.multiplier");
        let json = serde_json::to_value(&top).unwrap();
        assert_eq!(json["kind"], serde_json::json!({"bonus": 10}));
        assert_eq!(serde_json::from_value::<PointsOffer>(json).unwrap(), top);
    }

    #[test]
    fn returns_take_back_exactly_the_extra() {
        let extra = Points::new(100).unwrap();
        let steps: Vec<i64> = (0..3).map(|k| take_back(extra, 3, k, 1).unwrap().get()).collect();
        assert_eq!(steps, [33, 33, 34]);
        assert_eq!(take_back(extra, 3, 0, 3).unwrap().get(), 100);
        assert_eq!(take_back(extra, 3, 2, 2).unwrap_err().code(), "return_exceeds_quantity");
        assert_eq!(take_back(extra, 0, 0, 0).unwrap(), Points::ZERO);
        assert!(take_back(extra, 3, u32::MAX, 1).is_err());
    }
}

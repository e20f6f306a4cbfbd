//! Applying coupons to a basket: the rule behind `POST /v1/coupons/validate`
//! and behind an order that carries codes.
//!
//! # Which coupons apply
//!
//! Coupons are taken in the order presented. Each is checked in this order,
//! and the first rule it breaks is its refusal ([`CouponRefusal`]):
//!
//! 1. the code is void → `coupon_void`; expired (its state, or `at` at or
//!    after `valid_to`) → `coupon_expired`; `at` before `valid_from` →
//!    `coupon_not_yet_valid`;
//! 2. a personal code presented by anyone but its owner (or by an anonymous
//!    buyer) → `coupon_not_yours`;
//! 3. redeemed, presented twice in this order, or the presenter has used it
//!    `uses_per_customer` times → `coupon_used`;
//! 4. held by another order → `coupon_reserved` (a code this order holds
//!    is fine: re-validating an order changes nothing);
//! 5. a shared code at its global `max_uses` → `coupon_limit_reached`;
//! 6. the buyer's tier is not eligible (an anonymous buyer has no tier) →
//!    `coupon_tier`;
//! 7. no eligible line with something to pay → `coupon_not_applicable`;
//! 8. what the eligible lines cost before offers (gross − the till's own
//!    discount) below `min_spend` → `coupon_min_spend`;
//! 9. another coupon is already applied and this one, or that one, is not
//!    stackable → `coupon_not_stackable`. So a coupon that is not stackable
//!    is alone in its order, and the first one presented wins.
//!
//! A refused coupon takes nothing and leaves the basket to the next.
//!
//! # How much each takes off
//!
//! Every applied coupon sees the amounts left by the till's own discount
//! and the earlier coupons (a line's *remaining* = gross − the till's
//! discount − coupon discounts so far) and works in whole cents:
//!
//! - **percent**: the coupon's total is p % of the eligible lines'
//!   remaining amounts together, rounded to the nearest cent with an exact
//!   half cent rounded down (never above the stated percent at a tie); the
//!   total is then capped by `max_discount` and split over the eligible
//!   lines in proportion to their remaining amounts by largest remainder
//!   (ties to the smaller line id), so each line gets its own p % to within
//!   a cent and the parts add up exactly;
//! - **fixed amount**: the amount, capped by `max_discount` and by what the
//!   eligible lines have left, split over them in proportion to their
//!   remaining amounts by largest remainder; a line that reaches its
//!   ceiling keeps its ceiling and passes the rest on to the other eligible
//!   lines.
//!
//! # The ceiling
//!
//! A programme (and a campaign) sets the most a line may be discounted, as
//! a percent of its gross ([`DiscountCeiling`]; the lower of the two
//! applies). A line's ceiling is that percent of its gross rounded down to
//! the cent, so no combination of coupons ever takes more than
//! ceiling × gross off a line, the till's own discount counted (a property
//! test states it): a line the till marked down to its ceiling or beyond
//! gets nothing from a coupon. What the
//! ceiling, `max_discount` or the basket cut from a coupon is reported in
//! its [`AppliedCoupon`] (`capped` and the amounts cut), never silently.
//!
//! The result is a function of the inputs alone: same basket, same coupons
//! in the same order, same answer.

use chrono::{DateTime, Utc};
use clientele_kernel::{CustomerId, LineId, keyword_enum};
use clientele_loyalty::Tier;
use serde::{Deserialize, Serialize};

use crate::allocate::{largest_remainder, largest_remainder_capped};
use crate::basket::{Basket, BasketLine};
use crate::code::CouponCode;
use crate::coupon::{CouponDefinition, CouponKind};
use crate::state::CouponState;
use crate::values::{Amount, Percent, WindowPhase};

keyword_enum! {
    /// Why a coupon does not apply: a stable code the API serves as it is.
    pub enum CouponRefusal {
        /// No such code (the store's finding; never produced here).
        Unknown => "coupon_unknown",
        /// Before its validity window.
        NotYetValid => "coupon_not_yet_valid",
        /// After its validity window, or expired.
        Expired => "coupon_expired",
        /// A personal code presented by someone else.
        NotYours => "coupon_not_yours",
        /// Already used (by this customer, as often as allowed).
        Used => "coupon_used",
        /// Cancelled by a manager.
        Void => "coupon_void",
        /// Held by another order.
        Reserved => "coupon_reserved",
        /// A shared code's global limit is reached.
        LimitReached => "coupon_limit_reached",
        /// The member's tier is not eligible.
        Tier => "coupon_tier",
        /// The eligible lines do not reach the minimum spend.
        MinSpend => "coupon_min_spend",
        /// No line of the basket is eligible.
        NotApplicable => "coupon_not_applicable",
        /// Not stackable, and another coupon is in the order.
        NotStackable => "coupon_not_stackable",
    }
}

/// The most discount a line may get, as a percent of its gross: the
/// programme's, and optionally the campaign's; the lower applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscountCeiling {
    /// The programme's ceiling (e.g. 20 %).
    pub programme: Percent,
    /// The campaign's ceiling, if it sets one.
    #[serde(default)]
    pub campaign: Option<Percent>,
}

impl DiscountCeiling {
    /// No ceiling beyond the line itself (100 %).
    pub const NONE: DiscountCeiling = DiscountCeiling { programme: Percent::HUNDRED, campaign: None };

    /// The percent that applies: the lower of the two.
    pub fn effective(&self) -> Percent {
        self.campaign.map_or(self.programme, |c| c.min(self.programme))
    }

    /// The most discount a line of this gross may get: the effective
    /// percent of it, rounded down to the cent.
    pub fn cap(&self, gross: Amount) -> Amount {
        Amount::from_cents(self.effective().of_cents_floor(gross.cents()))
    }
}

/// What the store knows about a presented code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CodeFacts {
    /// The code's state.
    pub state: CouponState,
    /// Its owner, for a personal code; None for a shared code.
    pub owner: Option<CustomerId>,
    /// Who presents it (None: an anonymous buyer).
    pub presenter: Option<CustomerId>,
    /// Confirmed uses by the presenter so far (this order not counted).
    pub uses_by_presenter: u32,
    /// Confirmed uses by everyone so far (a shared code's count).
    pub uses_total: u32,
    /// The code is reserved by the order being validated itself.
    pub held_by_this_order: bool,
}

/// A code presented at the till, with its definition and facts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PresentedCoupon {
    /// The code, canonical.
    pub code: CouponCode,
    /// Its coupon.
    pub definition: CouponDefinition,
    /// What the store knows about it.
    pub facts: CodeFacts,
}

/// Everything [`apply_coupons`] looks at.
#[derive(Debug, Clone, Copy)]
pub struct CouponRequest<'a> {
    /// The basket, before offers.
    pub basket: &'a Basket,
    /// The buyer's tier (None: anonymous).
    pub tier: Option<Tier>,
    /// When the order is placed.
    pub at: DateTime<Utc>,
    /// The discount ceiling per line.
    pub ceiling: DiscountCeiling,
    /// The codes, in the order presented.
    pub coupons: &'a [PresentedCoupon],
}

/// One line's share of one coupon.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LineDiscount {
    /// The line.
    pub line_id: LineId,
    /// What the coupon takes off it.
    pub discount: Amount,
}

/// An applied coupon: what it takes off, per line, and what was cut.
/// `discount` = `nominal` − the three cuts = the sum of the lines.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AppliedCoupon {
    /// What it takes off in all.
    pub discount: Amount,
    /// What it would take off uncapped: the fixed amount, or p % of the
    /// eligible lines' remaining amounts (rounded as documented).
    pub nominal: Amount,
    /// Per eligible line, in basket order (a line may get 0).
    pub lines: Vec<LineDiscount>,
    /// Cut by the coupon's `max_discount`.
    pub cut_by_max_discount: Amount,
    /// Cut because the eligible lines had less left than a fixed amount.
    pub cut_by_basket: Amount,
    /// Cut by the lines' discount ceiling.
    pub cut_by_ceiling: Amount,
    /// True when anything was cut.
    pub capped: bool,
}

/// What became of one presented coupon. Serialised with `status`:
/// `{"status": "refused", "reason": "coupon_min_spend"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CouponOutcome {
    /// It applies.
    Applied(AppliedCoupon),
    /// It does not, and why.
    Refused {
        /// The stable reason.
        reason: CouponRefusal,
    },
}

/// One presented coupon and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CouponResult {
    /// The code.
    pub code: CouponCode,
    /// Applied or refused.
    pub outcome: CouponOutcome,
}

/// One line after every applied coupon.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LineResult {
    /// The line.
    pub line_id: LineId,
    /// Quantity × unit price.
    pub gross: Amount,
    /// The most discount it may get, the till's own counted (its ceiling).
    pub ceiling: Amount,
    /// What the coupons take off it together (the till's own discount not
    /// included).
    pub discount: Amount,
    /// Gross − the till's discount − the coupons' discount.
    pub net: Amount,
}

/// The coupons of one order applied to its basket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Application {
    /// Each presented coupon, in the order presented.
    pub coupons: Vec<CouponResult>,
    /// Each basket line, in basket order.
    pub lines: Vec<LineResult>,
    /// The sum of the lines' discounts.
    pub total_discount: Amount,
}

impl Application {
    /// The applied coupons with their codes.
    pub fn applied(&self) -> impl Iterator<Item = (&CouponCode, &AppliedCoupon)> {
        self.coupons.iter().filter_map(|c| match &c.outcome {
            CouponOutcome::Applied(a) => Some((&c.code, a)),
            CouponOutcome::Refused { .. } => None,
        })
    }

    /// What the coupons take off a line (0 for a line not in the basket).
    pub fn discount_of(&self, line: &LineId) -> Amount {
        self.lines.iter().find(|l| &l.line_id == line).map_or(Amount::ZERO, |l| l.discount)
    }
}

/// The lines' figures in cents while coupons are applied: `discount` is
/// the till's own discount and the coupons' so far.
struct Lines<'a> {
    lines: &'a [BasketLine],
    gross: Vec<i128>,
    cap: Vec<i128>,
    discount: Vec<i128>,
}

impl<'a> Lines<'a> {
    fn new(basket: &'a Basket, ceiling: DiscountCeiling) -> Lines<'a> {
        let lines = basket.lines();
        let gross: Vec<i128> = lines.iter().map(BasketLine::gross_cents).collect();
        let cap = gross.iter().map(|g| ceiling.effective().of_cents_floor(*g)).collect();
        let discount = lines.iter().map(|l| l.discount.cents()).collect();
        Lines { lines, discount, gross, cap }
    }

    /// The lines a coupon is for: eligible products with something to pay.
    fn eligible(&self, definition: &CouponDefinition) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&i| {
                self.lines[i].before_offers_cents() > 0 && definition.eligibility().admits_line(&self.lines[i])
            })
            .collect()
    }

    /// What the coupons took off line `i`.
    fn by_coupons(&self, i: usize) -> i128 {
        self.discount[i] - self.lines[i].discount.cents()
    }

    fn remaining(&self, i: usize) -> i128 {
        self.gross[i] - self.discount[i]
    }

    fn room(&self, i: usize) -> i128 {
        (self.cap[i] - self.discount[i]).max(0)
    }
}

/// The coupons presented for an order, applied to its basket (see the
/// module's documentation for the rules).
pub fn apply_coupons(request: &CouponRequest<'_>) -> Application {
    let mut lines = Lines::new(request.basket, request.ceiling);
    let mut earlier = Earlier { codes: Vec::new(), alone: false };
    let mut coupons = Vec::with_capacity(request.coupons.len());
    for presented in request.coupons {
        let outcome = match refusal(presented, request, &lines, &earlier) {
            Some(reason) => CouponOutcome::Refused { reason },
            None => {
                earlier.codes.push(&presented.code);
                earlier.alone |= !presented.definition.stackable();
                CouponOutcome::Applied(take_off(&presented.definition, &mut lines))
            }
        };
        coupons.push(CouponResult { code: presented.code.clone(), outcome });
    }
    let results: Vec<LineResult> = lines
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| LineResult {
            line_id: line.line_id.clone(),
            gross: Amount::from_cents(lines.gross[i]),
            ceiling: Amount::from_cents(lines.cap[i]),
            discount: Amount::from_cents(lines.by_coupons(i)),
            net: Amount::from_cents(lines.remaining(i)),
        })
        .collect();
    let total = (0..lines.lines.len()).map(|i| lines.by_coupons(i)).sum();
    Application { coupons, lines: results, total_discount: Amount::from_cents(total) }
}

/// The coupons applied so far.
struct Earlier<'a> {
    codes: Vec<&'a CouponCode>,
    /// One of them is not stackable.
    alone: bool,
}

/// The first rule `presented` breaks, in the documented order.
fn refusal(
    presented: &PresentedCoupon,
    request: &CouponRequest<'_>,
    lines: &Lines<'_>,
    earlier: &Earlier<'_>,
) -> Option<CouponRefusal> {
    use CouponRefusal as R;
    let (definition, facts) = (&presented.definition, &presented.facts);
    match (facts.state, definition.window().phase(request.at)) {
        (CouponState::Void, _) => return Some(R::Void),
        (CouponState::Expired, _) | (_, WindowPhase::Over) => return Some(R::Expired),
        (_, WindowPhase::NotYet) => return Some(R::NotYetValid),
        _ => {}
    }
    if facts.owner.is_some_and(|owner| facts.presenter != Some(owner)) {
        return Some(R::NotYours);
    }
    if facts.state == CouponState::Redeemed
        || earlier.codes.contains(&&presented.code)
        || facts.uses_by_presenter >= definition.uses_per_customer()
    {
        return Some(R::Used);
    }
    if facts.state == CouponState::Reserved && !facts.held_by_this_order {
        return Some(R::Reserved);
    }
    if definition.max_uses().is_some_and(|max| facts.uses_total >= max) {
        return Some(R::LimitReached);
    }
    if !definition.eligibility().admits_tier(request.tier) {
        return Some(R::Tier);
    }
    let eligible = lines.eligible(definition);
    if eligible.is_empty() {
        return Some(R::NotApplicable);
    }
    let eligible_spend: i128 = eligible.iter().map(|&i| lines.lines[i].before_offers_cents()).sum();
    if definition.min_spend().is_some_and(|min| eligible_spend < min.cents()) {
        return Some(R::MinSpend);
    }
    if !earlier.codes.is_empty() && (earlier.alone || !definition.stackable()) {
        return Some(R::NotStackable);
    }
    None
}

/// Takes one applicable coupon off the lines (see the module's
/// documentation) and reports it.
fn take_off(definition: &CouponDefinition, lines: &mut Lines<'_>) -> AppliedCoupon {
    let eligible = lines.eligible(definition);
    let left: i128 = eligible.iter().map(|&i| lines.remaining(i)).sum();
    let max = definition.max_discount().map_or(i128::MAX, Amount::cents);
    let (nominal, cut_by_max, cut_by_basket, parts) = match definition.kind() {
        CouponKind::Percent(p) => {
            let nominal = p.of_cents_half_down(left);
            let target = nominal.min(max);
            let weights: Vec<(&LineId, i128)> =
                eligible.iter().map(|&i| (&lines.lines[i].line_id, lines.remaining(i))).collect();
            let shares = largest_remainder(target, &weights);
            let parts: Vec<i128> = eligible.iter().zip(shares).map(|(&i, s)| s.min(lines.room(i))).collect();
            (nominal, nominal - target, 0, parts)
        }
        CouponKind::FixedAmount(a) => {
            let nominal = a.cents();
            let after_max = nominal.min(max);
            let target = after_max.min(left);
            let weights: Vec<(&LineId, i128, i128)> =
                eligible.iter().map(|&i| (&lines.lines[i].line_id, lines.remaining(i), lines.room(i))).collect();
            (nominal, nominal - after_max, after_max - target, largest_remainder_capped(target, &weights))
        }
    };
    let discount: i128 = parts.iter().sum();
    let cut_by_ceiling = nominal - cut_by_max - cut_by_basket - discount;
    let mut per_line = Vec::with_capacity(eligible.len());
    for (&i, part) in eligible.iter().zip(parts) {
        lines.discount[i] += part;
        per_line.push(LineDiscount { line_id: lines.lines[i].line_id.clone(), discount: Amount::from_cents(part) });
    }
    AppliedCoupon {
        discount: Amount::from_cents(discount),
        nominal: Amount::from_cents(nominal),
        lines: per_line,
        cut_by_max_discount: Amount::from_cents(cut_by_max),
        cut_by_basket: Amount::from_cents(cut_by_basket),
        cut_by_ceiling: Amount::from_cents(cut_by_ceiling),
        capped: discount < nominal,
    }
}

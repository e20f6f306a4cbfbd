//! Builders the tests share: baskets, coupons and the facts of a fresh
//! shared code, with the amounts written as a CRM manager reads them.
#![allow(clippy::unwrap_used, dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use clientele_kernel::{Label, LineId};
use clientele_offers::{
    Amount, Basket, BasketLine, CodeFacts, CouponDefinition, CouponDefinitionParts, CouponKindParts, CouponState,
    DiscountCeiling, Eligibility, Percent, PresentedCoupon, Sku, normalize,
};
use rust_decimal::Decimal;

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub fn amount(s: &str) -> Amount {
    Amount::parse(s).unwrap()
}

/// 15 June 2026, mid-afternoon: within every test coupon's window.
pub fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 15, 0, 0).unwrap()
}

pub fn line(id: &str, category: &str, quantity: u32, price: &str) -> BasketLine {
    BasketLine {
        line_id: LineId::parse(id).unwrap(),
        sku: Sku::parse(&format!("SKU-{id}")).unwrap(),
        category: Some(Label::parse(category).unwrap()),
        collection: None,
        quantity,
        unit_price: amount(price),
        discount: Amount::ZERO,
    }
}

pub fn basket(lines: Vec<BasketLine>) -> Basket {
    Basket::new(lines).unwrap()
}

/// A coupon valid all June 2026, for every line and tier, not stackable.
pub fn parts(kind: CouponKindParts) -> CouponDefinitionParts {
    CouponDefinitionParts {
        kind,
        min_spend: None,
        eligibility: Eligibility::default(),
        valid_from: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        valid_to: Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
        stackable: false,
        max_discount: None,
        uses_per_customer: 1,
        max_uses: None,
    }
}

pub fn percent(p: &str) -> CouponDefinitionParts {
    parts(CouponKindParts::Percent(d(p)))
}

pub fn fixed(a: &str) -> CouponDefinitionParts {
    parts(CouponKindParts::FixedAmount(d(a)))
}

pub fn categories(names: &[&str]) -> Eligibility {
    Eligibility { categories: names.iter().map(|n| Label::parse(n).unwrap()).collect(), ..Eligibility::default() }
}

/// A shared code nobody has used, presented anonymously.
pub fn fresh() -> CodeFacts {
    CodeFacts {
        state: CouponState::Issued,
        owner: None,
        presenter: None,
        uses_by_presenter: 0,
        uses_total: 0,
        held_by_this_order: false,
    }
}

pub fn presented(code: &str, parts: CouponDefinitionParts, facts: CodeFacts) -> PresentedCoupon {
    PresentedCoupon { code: normalize(code).unwrap(), definition: CouponDefinition::new(parts).unwrap(), facts }
}

pub fn ceiling(programme: &str, campaign: Option<&str>) -> DiscountCeiling {
    DiscountCeiling {
        programme: Percent::parse(programme).unwrap(),
        campaign: campaign.map(|c| Percent::parse(c).unwrap()),
    }
}

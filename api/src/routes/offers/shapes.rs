//! Coupons as the API reads and shows them.

use chrono::{DateTime, Utc};
use clientele_kernel::{FieldErrors, Label, LineId, LongText};
use clientele_offers::{
    Amount, Basket, BasketLine, CouponDefinition, CouponDefinitionParts, CouponKindParts, Eligibility, OfferError, Sku,
};
use clientele_store::offers::{StoredCode, StoredCoupon};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;

/// What a coupon takes off: exactly one of the two.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponKindShape {
    /// Percent off each eligible line (above 0, at most 100), e.g. `"15"`.
    #[schema(value_type = Option<String>)]
    pub percent: Option<Decimal>,
    /// An amount off the eligible lines together, e.g. `"500.00"`.
    #[schema(value_type = Option<String>)]
    pub fixed_amount: Option<Decimal>,
}

/// Which lines and members a coupon is for; every list empty = all.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityShape {
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub collections: Vec<String>,
    #[serde(default)]
    pub skus: Vec<String>,
    /// Member tiers (`S1` … `S6`).
    #[serde(default)]
    pub tiers: Vec<String>,
}

/// A coupon to define.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCouponRequest {
    /// What the CRM team calls it (1–4,000 characters).
    pub name: String,
    /// The campaign that offers it.
    pub campaign_id: Option<Uuid>,
    pub kind: CouponKindShape,
    /// Least gross of the eligible lines.
    #[schema(value_type = Option<String>)]
    pub min_spend: Option<Decimal>,
    #[serde(default)]
    pub eligibility: EligibilityShape,
    /// First valid instant.
    pub valid_from: DateTime<Utc>,
    /// First instant no longer valid.
    pub valid_to: DateTime<Utc>,
    /// May be used with other coupons in one order (default false).
    #[serde(default)]
    pub stackable: bool,
    /// Cap on the coupon's whole discount in one order.
    #[schema(value_type = Option<String>)]
    pub max_discount: Option<Decimal>,
    /// Uses per customer (default 1).
    pub uses_per_customer: Option<u32>,
    /// A shared code's limit of uses in all.
    pub max_uses: Option<u32>,
}

/// An offer's name as the CRM team gives it: 1–4,000 characters, not
/// blank, trimmed; refused on `name` otherwise.
pub(crate) fn offer_name(errors: &mut FieldErrors, raw: &str) -> Option<String> {
    let name = errors.check("name", LongText::parse(raw))?;
    let name = name.as_str().trim();
    if name.is_empty() {
        errors.push("name", clientele_kernel::InvalidValue::new("required", "must not be empty"));
        return None;
    }
    Some(name.to_owned())
}

pub(crate) fn offer_fields(e: OfferError) -> ApiError {
    match e {
        OfferError::InvalidFields(fields) => ApiError::from(fields),
        other => ApiError::field("definition", other.code(), other.to_string()),
    }
}

fn labels<T, E: Into<clientele_kernel::InvalidValue>>(
    errors: &mut FieldErrors,
    field: &str,
    raw: &[String],
    parse: impl Fn(&str) -> Result<T, E>,
) -> Vec<T> {
    raw.iter()
        .enumerate()
        .filter_map(|(i, v)| errors.check(&format!("{field}[{i}]"), parse(v).map_err(Into::into)))
        .collect()
}

impl EligibilityShape {
    pub(crate) fn into_eligibility(self, errors: &mut FieldErrors) -> Eligibility {
        Eligibility {
            categories: labels(errors, "eligibility.categories", &self.categories, Label::parse),
            collections: labels(errors, "eligibility.collections", &self.collections, Label::parse),
            skus: labels(errors, "eligibility.skus", &self.skus, Sku::parse),
            tiers: labels(errors, "eligibility.tiers", &self.tiers, |t| t.parse::<clientele_loyalty::Tier>()),
        }
    }
}

impl CreateCouponRequest {
    /// The name, campaign and checked definition; every refused field
    /// named.
    pub fn into_parts(self) -> Result<(String, Option<Uuid>, CouponDefinition), ApiError> {
        let mut errors = FieldErrors::new();
        let name = offer_name(&mut errors, &self.name);
        let kind = match (self.kind.percent, self.kind.fixed_amount) {
            (Some(p), None) => Some(CouponKindParts::Percent(p)),
            (None, Some(a)) => Some(CouponKindParts::FixedAmount(a)),
            _ => {
                let why = "exactly one of percent and fixed_amount";
                errors.push("kind", clientele_kernel::InvalidValue::new("invalid_value", why));
                None
            }
        };
        let eligibility = self.eligibility.into_eligibility(&mut errors);
        let (Some(name), Some(kind), true) = (name, kind, errors.is_empty()) else {
            return Err(ApiError::from(errors));
        };
        let definition = CouponDefinition::new(CouponDefinitionParts {
            kind,
            min_spend: self.min_spend,
            eligibility,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            stackable: self.stackable,
            max_discount: self.max_discount,
            uses_per_customer: self.uses_per_customer.unwrap_or(1),
            max_uses: self.max_uses,
        })
        .map_err(offer_fields)?;
        Ok((name, self.campaign_id, definition))
    }
}

/// A coupon.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouponView {
    pub id: Uuid,
    pub name: String,
    pub campaign_id: Option<Uuid>,
    /// The definition as given (kind, min_spend, eligibility, valid_from,
    /// valid_to, stackable, max_discount, uses_per_customer, max_uses).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl CouponView {
    pub fn new(c: &StoredCoupon) -> CouponView {
        CouponView {
            id: c.id,
            name: c.name.clone(),
            campaign_id: c.campaign,
            definition: serde_json::to_value(&c.definition).unwrap_or_default(),
            created_at: c.created_at,
            created_by: c.created_by.clone(),
        }
    }
}

/// Codes to issue: `customers` (one personal code each), or `shared`
/// (one code anyone may use: `{"code": "WELCOME10"}`, or `{}` for a
/// random one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueCodesRequest {
    pub customers: Option<Vec<Uuid>>,
    pub shared: Option<SharedCodeShape>,
}

/// A shared code: the brand's own text, or none for a random one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharedCodeShape {
    pub code: Option<String>,
}

/// A code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeView {
    /// As it is shown and typed (any case and separators work).
    pub code: String,
    /// The canonical form it is compared in.
    pub canonical: String,
    pub coupon_id: Uuid,
    /// The owner of a personal code (null: shared).
    pub customer_id: Option<Uuid>,
    /// issued, reserved, redeemed, expired or void.
    pub state: String,
    pub uses: u32,
    pub issued_at: DateTime<Utc>,
}

impl CodeView {
    pub fn new(c: &StoredCode) -> CodeView {
        CodeView {
            code: c.shown_as.clone(),
            canonical: c.code.to_string(),
            coupon_id: c.coupon,
            customer_id: c.customer.map(|id| id.as_uuid()),
            state: c.state.as_str().to_owned(),
            uses: c.uses,
            issued_at: c.issued_at,
        }
    }
}

/// Codes.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeList {
    pub items: Vec<CodeView>,
    /// Pass as `after` for the next page (null: no more).
    pub next_after: Option<String>,
}

/// A page of a coupon's codes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CodeQuery {
    /// The `next_after` of the page before.
    pub after: Option<String>,
    /// 1–1,000, default 100.
    pub limit: Option<i64>,
}

/// A basket line as the till sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BasketLineShape {
    pub line_id: String,
    pub sku: String,
    pub category: Option<String>,
    pub collection: Option<String>,
    pub quantity: u32,
    /// Price of one unit before offers.
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    /// What the till already took off the whole line (a markdown), as on
    /// the order's line; default 0. Coupons apply to what is left and the
    /// discount ceiling counts it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub discount: Decimal,
}

/// Codes to check against a basket, for a customer (none: an anonymous
/// buyer), without using them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// 1–10 codes, as typed (any case and separators).
    pub codes: Vec<String>,
    pub customer_id: Option<Uuid>,
    /// When the order is placed (default: now).
    pub at: Option<DateTime<Utc>>,
    pub lines: Vec<BasketLineShape>,
}

impl ValidateRequest {
    /// The basket, every refused field named (`lines[i].sku`, …).
    pub fn basket(&self) -> Result<Basket, ApiError> {
        if self.codes.is_empty() || self.codes.len() > 10 {
            return Err(ApiError::field("codes", "invalid_length", "1 to 10 codes"));
        }
        let mut errors = FieldErrors::new();
        let mut lines = Vec::with_capacity(self.lines.len());
        for (i, l) in self.lines.iter().enumerate() {
            let at = |f: &str| format!("lines[{i}].{f}");
            let line_id = errors.check(&at("line_id"), LineId::parse(&l.line_id));
            let sku = errors.check(&at("sku"), Sku::parse(&l.sku));
            let category = l.category.as_deref().and_then(|c| errors.check(&at("category"), Label::parse(c)));
            let collection = l.collection.as_deref().and_then(|c| errors.check(&at("collection"), Label::parse(c)));
            let unit_price = errors.check(&at("unit_price"), Amount::new(l.unit_price));
            let discount = errors.check(&at("discount"), Amount::new(l.discount));
            if let (Some(line_id), Some(sku), Some(unit_price), Some(discount)) = (line_id, sku, unit_price, discount) {
                let quantity = l.quantity;
                lines.push(BasketLine { line_id, sku, category, collection, quantity, unit_price, discount });
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::from(errors));
        }
        Basket::new(lines).map_err(offer_fields)
    }
}

/// What became of one code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckedCodeView {
    /// As typed.
    pub code: String,
    /// Its canonical form (null: not a code).
    pub canonical: Option<String>,
    pub coupon_id: Option<Uuid>,
    /// `applied` or `refused`.
    pub status: String,
    /// With `refused`: `coupon_unknown`, `coupon_expired`, `coupon_not_yours`,
    /// `coupon_min_spend`, `coupon_not_applicable`, `coupon_used`, …
    pub reason: Option<String>,
    /// With `applied`: what it takes off in all, per line, and what a cap
    /// cut (`nominal`, `cut_by_max_discount`, `cut_by_basket`,
    /// `cut_by_ceiling`, `capped`, `lines`).
    #[schema(value_type = Option<Object>)]
    pub applied: Option<serde_json::Value>,
}

/// The answer to `validate`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationView {
    /// True when every code applies.
    pub applicable: bool,
    pub codes: Vec<CheckedCodeView>,
    /// Each line: gross, ceiling, discount, net.
    #[schema(value_type = Vec<Object>)]
    pub lines: serde_json::Value,
    #[schema(value_type = String)]
    pub total_discount: Decimal,
    /// The gifts with purchase the basket qualifies for, after the coupons that apply: what the order would be given.
    pub gifts: Vec<GiftView>,
}

/// A gift with purchase a basket qualifies for.
#[derive(Debug, Serialize, ToSchema)]
pub struct GiftView {
    pub gift_offer_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity: u32,
}

impl ValidationView {
    pub fn new(v: &clientele_app::offers::Validation) -> ValidationView {
        use clientele_offers::CouponOutcome;
        let codes: Vec<CheckedCodeView> = v
            .codes
            .iter()
            .map(|c| {
                let (status, reason, applied) = match &c.outcome {
                    CouponOutcome::Applied(a) => ("applied", None, serde_json::to_value(a).ok()),
                    CouponOutcome::Refused { reason } => ("refused", Some(reason.as_str().to_owned()), None),
                };
                CheckedCodeView {
                    code: c.typed.clone(),
                    canonical: c.code.as_ref().map(ToString::to_string),
                    coupon_id: c.coupon,
                    status: status.to_owned(),
                    reason,
                    applied,
                }
            })
            .collect();
        ValidationView {
            applicable: codes.iter().all(|c| c.status == "applied"),
            codes,
            lines: serde_json::to_value(&v.application.lines).unwrap_or_default(),
            total_discount: v.application.total_discount.into(),
            gifts: v
                .gifts
                .iter()
                .map(|g| GiftView {
                    gift_offer_id: g.gift_offer_id,
                    sku: g.sku.clone(),
                    name: g.name.clone(),
                    quantity: g.quantity,
                })
                .collect(),
        }
    }
}

/// The offer settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct OffersSettingsView {
    /// 0 until first saved (the defaults).
    pub version: i32,
    /// `{"discount_ceiling": "20", "release_on_return": true}`: the most
    /// any line may be discounted by coupons together, percent of its
    /// gross (default 20); a full return gives back a coupon it used if
    /// still valid (default true).
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

impl OffersSettingsView {
    pub fn new(settings: &clientele_offers::OffersSettings, version: i32) -> Self {
        OffersSettingsView { version, config: serde_json::to_value(settings).unwrap_or(serde_json::Value::Null) }
    }
}

/// A coupon the member may use now.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsableCouponView {
    /// As issued (type it in any case, with any separators).
    pub code: String,
    pub canonical: String,
    pub coupon_id: Uuid,
    pub name: String,
    /// The coupon's definition (kind, min_spend, eligibility, validity, …).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    pub valid_to: DateTime<Utc>,
    /// Uses the member has left of it.
    pub uses_left: u32,
}

/// What the till shows of a member's offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerOffersView {
    /// Their personal codes usable now, the soonest to end first.
    pub coupons: Vec<UsableCouponView>,
    /// The rewards they may take now, cheapest first.
    pub rewards: Vec<super::rewards::RewardView>,
    /// Each tier benefit the programme counts: allowed, used and left this period.
    pub entitlements: Vec<super::entitlements::EntitlementView>,
}

impl CustomerOffersView {
    pub fn new(offers: &clientele_app::offers::TillOffers) -> CustomerOffersView {
        CustomerOffersView {
            entitlements: offers.entitlements.iter().map(super::entitlements::EntitlementView::new).collect(),
            rewards: offers.rewards.iter().map(super::rewards::RewardView::new).collect(),
            coupons: offers
                .coupons
                .iter()
                .map(|u| UsableCouponView {
                    code: u.code.shown_as.clone(),
                    canonical: u.code.code.to_string(),
                    coupon_id: u.coupon.id,
                    name: u.coupon.name.clone(),
                    definition: serde_json::to_value(&u.coupon.definition).unwrap_or_default(),
                    valid_to: u.coupon.definition.window().valid_to(),
                    uses_left: u.uses_left,
                })
                .collect(),
        }
    }
}

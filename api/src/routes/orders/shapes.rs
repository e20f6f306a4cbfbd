//! Request and response shapes of orders, returns and exchange rates, and
//! their conversion to and from domain types.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{
    Currency, CustomerId, FieldErrors, InvalidValue, Label, LineId, MemberNo, Phone, ShortText, StoreId,
};
use clientele_orders::{
    CustomerRef, ExternalOrderId, FxRate, NewOrder, NewOrderLine, Order, OrderSource, PaymentMethod, ReturnLine,
    ReturnRequest, SalesChannel, Sku, SoldBy,
};
use clientele_profiles::Code;
use clientele_store::{StoredFxRate, StoredLine, StoredOrder, StoredReturn};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;
use crate::routes::shared::bad_cursor;

/// Who bought: exactly one of `id`, `member_no`, `phone`; leave the whole
/// object out (or `null`) for an anonymous sale.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerRefDto {
    pub id: Option<Uuid>,
    pub member_no: Option<String>,
    pub phone: Option<String>,
}

/// An order line.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    /// The line's id in the source system (default: its position, "1", "2", …).
    pub line_id: Option<String>,
    pub sku: String,
    pub name: Option<String>,
    /// e.g. `ready-to-wear`, `leather goods`, `jewelry`, `beauty`, `accessories`.
    pub category: Option<String>,
    /// e.g. `AW26`.
    pub collection: Option<String>,
    /// Units; 0 keeps a free item or a correction as a line that is paid
    /// nothing and earns nothing.
    pub quantity: u32,
    /// More than 4 decimals are rounded to 4; the amount paid may exceed
    /// the lines' net total by their unit prices' rounding (half a unit of
    /// the last decimal per unit).
    #[schema(value_type = String, example = "12345.67")]
    pub unit_price: Decimal,
    /// Discount on the whole line (default 0).
    #[schema(value_type = Option<String>)]
    pub discount: Option<Decimal>,
}

/// An order from a POS, e-shop or ERP. Idempotent on (`source`, `external_id`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrderRequest {
    /// The sending system: `pos`, `eshop`, `erp`, `import`, …
    pub source: String,
    /// The order's id in that system (receipt number).
    pub external_id: String,
    pub store_id: Option<Uuid>,
    /// `store` (default), `eshop`, `wechat`, `remote`, `other`.
    pub channel: Option<String>,
    pub customer: Option<CustomerRefDto>,
    /// Default: now.
    pub ordered_at: Option<DateTime<Utc>>,
    /// ISO 4217; an order in another currency than the programme's base is converted at the rate valid on its date.
    pub currency: String,
    pub lines: Vec<OrderLineInput>,
    /// What the customer actually paid for the whole order (after discounts, coupons and points used).
    #[schema(value_type = String, example = "12345.67")]
    pub amount_paid: Decimal,
    /// `card`, `cash`, `alipay`, `wechat_pay`, `union_pay`, `gift_card`, `bank_transfer`, `points`, `other`.
    pub payment_method: String,
    /// The POS's own references of the promotions it applied (free text, kept as sent).
    #[serde(default)]
    pub coupons: Vec<String>,
    /// Codes of Clientele coupons the customer presented, as typed (at most 10; any case and
    /// separators). Each is checked as `POST /v1/coupons/validate` checks it and used with the
    /// order, in its transaction: send the lines with the till's own discount only; what the
    /// coupons take off is added to the lines' `discount` (and shown in `coupon_discount`), and
    /// `amount_paid` must not exceed what the lines come to after it. A code that does not apply
    /// refuses the whole order with 409 `coupon_refused`; a resend of a stored order uses nothing
    /// again. Only for orders in the programme's currency.
    #[serde(default)]
    pub coupon_codes: Vec<String>,
    /// Points used as payment on this order.
    #[serde(default)]
    pub points_redeemed: u64,
    /// The associate who sold it (they must work at the order's store).
    pub associate_id: Option<Uuid>,
    /// Or the associate's code, instead of the id.
    pub associate_code: Option<String>,
}

/// The customer an order names: by id, member number or phone, or nobody.
fn customer_ref(e: &mut FieldErrors, dto: Option<CustomerRefDto>) -> Option<CustomerRef> {
    match dto {
        None => Some(CustomerRef::Anonymous),
        Some(c) => match (c.id, c.member_no, c.phone) {
            (None, None, None) => Some(CustomerRef::Anonymous),
            (Some(id), None, None) => Some(CustomerRef::Id(CustomerId::from_uuid(id))),
            (None, Some(m), None) => e.check("customer.member_no", MemberNo::parse(&m)).map(CustomerRef::MemberNo),
            (None, None, Some(p)) => e.check("customer.phone", Phone::parse(&p)).map(CustomerRef::Phone),
            _ => {
                e.push("customer", InvalidValue::new("invalid_format", "give one of id, member_no or phone"));
                None
            }
        },
    }
}

/// The associate an order names: by id or by code, not both.
fn sold_by(e: &mut FieldErrors, id: Option<Uuid>, code: Option<&str>) -> Option<SoldBy> {
    match (id, code) {
        (None, None) => None,
        (Some(id), None) => Some(SoldBy::Id(id)),
        (None, Some(code)) => e.check("associate_code", Code::parse(code)).map(|c| SoldBy::Code(c.as_str().to_owned())),
        (Some(_), Some(_)) => {
            e.push("associate_code", InvalidValue::new("not_allowed", "give associate_id or associate_code, not both"));
            None
        }
    }
}

impl CreateOrderRequest {
    /// The checked domain order, or every bad field.
    pub fn into_domain(self, now: DateTime<Utc>) -> Result<Order, ApiError> {
        let mut e = FieldErrors::new();
        let source = e.check("source", OrderSource::parse(&self.source));
        let external_id = e.check("external_id", ExternalOrderId::parse(&self.external_id));
        let channel = match &self.channel {
            Some(c) => e.check("channel", SalesChannel::parse(c)),
            None => Some(SalesChannel::Store),
        };
        let sold_by = sold_by(&mut e, self.associate_id, self.associate_code.as_deref());
        let customer = customer_ref(&mut e, self.customer);
        let currency = e.check("currency", Currency::parse(&self.currency));
        let payment_method = e.check("payment_method", PaymentMethod::parse(&self.payment_method));
        let coupons: Vec<ShortText> = self
            .coupons
            .iter()
            .enumerate()
            .filter_map(|(i, c)| e.check(&format!("coupons[{i}]"), ShortText::parse(c)))
            .collect();
        let coupon_codes: Vec<ShortText> = self
            .coupon_codes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| e.check(&format!("coupon_codes[{i}]"), ShortText::parse(c)))
            .collect();
        let lines: Vec<NewOrderLine> = self
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let at = |f: &str| format!("lines[{i}].{f}");
                let line_id = match &l.line_id {
                    Some(id) => e.check(&at("line_id"), LineId::parse(id)),
                    None => LineId::parse(&(i + 1).to_string()).ok(),
                };
                let sku = e.check(&at("sku"), Sku::parse(&l.sku));
                let name = l.name.as_deref().and_then(|n| e.check(&at("name"), ShortText::parse(n)));
                let category = l.category.as_deref().and_then(|c| e.check(&at("category"), Label::parse(c)));
                let collection = l.collection.as_deref().and_then(|c| e.check(&at("collection"), Label::parse(c)));
                Some(NewOrderLine {
                    line_id: line_id?,
                    sku: sku?,
                    name,
                    category,
                    collection,
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    discount: l.discount.unwrap_or_default(),
                })
            })
            .collect();
        let (Some(source), Some(external_id), Some(channel), Some(customer), Some(currency), Some(payment_method)) =
            (source, external_id, channel, customer, currency, payment_method)
        else {
            return Err(e.into());
        };
        if !e.is_empty() {
            return Err(e.into());
        }
        let new = NewOrder {
            source,
            external_id,
            store: self.store_id.map(StoreId::from_uuid),
            channel,
            customer,
            ordered_at: self.ordered_at.map(crate::clock::stored).unwrap_or(now),
            currency,
            lines,
            amount_paid: self.amount_paid,
            payment_method,
            coupons,
            coupon_codes,
            points_redeemed: self.points_redeemed,
            sold_by,
        };
        Order::new(new).map_err(ApiError::from)
    }
}

/// An order line, as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineView {
    pub line_id: String,
    pub sku: String,
    pub name: Option<String>,
    pub category: Option<String>,
    pub collection: Option<String>,
    pub quantity: i32,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    /// Everything taken off the line: the sender's discount and `coupon_discount`.
    #[schema(value_type = String)]
    pub discount: Decimal,
    /// The part of `discount` that Clientele's coupon codes took off.
    #[schema(value_type = String)]
    pub coupon_discount: Decimal,
    /// This line's share of the amount paid, in the order's currency.
    #[schema(value_type = String)]
    pub paid: Decimal,
    /// The same in the base currency.
    #[schema(value_type = String)]
    pub paid_base: Decimal,
    /// Points and growth value this line earned.
    pub points: i64,
    pub growth: i64,
    pub returned_quantity: i32,
}

/// A return, as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnView {
    pub id: Uuid,
    pub source: String,
    pub external_id: String,
    pub returned_at: DateTime<Utc>,
    #[schema(value_type = Vec<Object>)]
    pub lines: serde_json::Value,
    #[schema(value_type = String)]
    pub amount_base: Decimal,
    /// Points taken back: from the member's lots, plus any now owed.
    pub points_taken: i64,
    /// Points the member had already spent and that were not taken back
    /// (programme policy `cap_at_zero` or `deduct_from_refund`).
    pub points_not_taken: i64,
    /// Of `points_taken`, points the member had already spent and now owes:
    /// their balance went negative by them (policy `negative_balance`).
    pub points_owed: i64,
    pub growth_taken: i64,
    /// What to deduct from the refund for points already redeemed (policy
    /// `deduct_from_refund`); null when there is nothing to deduct.
    pub refund_deduction: Option<RefundDeductionView>,
}

/// Points the member redeemed before returning what earned them, for the
/// POS to keep from the refund.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundDeductionView {
    pub points: i64,
    /// Their value at the programme's `redemption_value_per_point`; null
    /// when the programme sets none (the POS values them itself).
    #[schema(value_type = Option<String>)]
    pub value: Option<Decimal>,
    /// The currency of `value`: the order's base currency.
    pub currency: String,
}

/// An order, as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    /// None for an anonymous sale.
    pub customer_id: Option<Uuid>,
    pub source: String,
    pub external_id: String,
    pub store_id: Option<Uuid>,
    /// The associate who sold it.
    pub associate_id: Option<Uuid>,
    pub channel: String,
    pub ordered_at: DateTime<Utc>,
    pub currency: String,
    #[schema(value_type = String)]
    pub amount_paid: Decimal,
    pub base_currency: String,
    /// The rate used to convert into the base currency (1 for the base currency).
    #[schema(value_type = String)]
    pub fx_rate: Decimal,
    #[schema(value_type = String)]
    pub amount_paid_base: Decimal,
    pub payment_method: String,
    pub coupons: Vec<String>,
    /// The Clientele coupon codes the order used.
    pub coupon_codes: Vec<OrderCouponView>,
    /// The gifts with purchase it was given: for the associate to hand over.
    pub gifts: Vec<OrderGiftView>,
    pub points_redeemed: i64,
    /// The member's tier when the order was placed.
    pub tier_at_order: Option<String>,
    pub points_earned: i64,
    pub growth_earned: i64,
    pub lines: Vec<OrderLineView>,
    pub returns: Vec<ReturnView>,
    pub created_at: DateTime<Utc>,
}

impl OrderView {
    pub fn new(o: &StoredOrder) -> Self {
        let h = &o.header;
        OrderView {
            id: h.order_id,
            customer_id: o.customer().map(|c| c.as_uuid()),
            source: h.source.clone(),
            external_id: h.external_id.clone(),
            store_id: h.store_id,
            associate_id: h.associate_id,
            channel: h.channel.clone(),
            ordered_at: h.ordered_at,
            currency: h.currency.clone(),
            amount_paid: h.amount_paid.normalize(),
            base_currency: h.base_currency.clone(),
            fx_rate: h.fx_rate.normalize(),
            amount_paid_base: h.amount_paid_base.normalize(),
            payment_method: h.payment_method.clone(),
            coupons: h.coupons.clone(),
            coupon_codes: o.coupon_uses.iter().map(OrderCouponView::new).collect(),
            gifts: o.gifts.iter().map(OrderGiftView::new).collect(),
            points_redeemed: h.points_redeemed,
            tier_at_order: h.tier_at_order.clone(),
            points_earned: h.points_earned,
            growth_earned: h.growth_earned,
            lines: o.lines.iter().map(line_view).collect(),
            returns: o.returns.iter().map(|r| return_view(r, &h.base_currency)).collect(),
            created_at: h.created_at,
        }
    }
}

/// A coupon code an order used.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderCouponView {
    /// As it was issued to the customer.
    pub code: String,
    pub coupon_id: Uuid,
    /// What it took off the order, in the base currency.
    #[schema(value_type = String)]
    pub discount: Decimal,
    /// When a full return gave the use back (the code can be used again); null while used.
    pub released_at: Option<DateTime<Utc>>,
}

impl OrderCouponView {
    fn new(u: &clientele_store::offers::OrderCouponUse) -> Self {
        OrderCouponView {
            code: u.shown_as.clone(),
            coupon_id: u.coupon_id,
            discount: u.discount.normalize(),
            released_at: u.released_at,
        }
    }
}

/// A gift with purchase an order was given.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderGiftView {
    pub gift_offer_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity: u32,
}

impl OrderGiftView {
    fn new(g: &clientele_store::offers::OrderGift) -> Self {
        OrderGiftView { gift_offer_id: g.gift_offer_id, sku: g.sku.clone(), name: g.name.clone(), quantity: g.quantity }
    }
}

fn line_view(l: &StoredLine) -> OrderLineView {
    OrderLineView {
        line_id: l.line_id.clone(),
        sku: l.sku.clone(),
        name: l.name.clone(),
        category: l.category.clone(),
        collection: l.collection.clone(),
        quantity: l.quantity,
        unit_price: l.unit_price.normalize(),
        discount: l.discount.normalize(),
        coupon_discount: l.coupon_discount.normalize(),
        paid: l.paid.normalize(),
        paid_base: l.paid_base.normalize(),
        points: l.points,
        growth: l.growth,
        returned_quantity: l.returned_quantity,
    }
}

fn return_view(r: &StoredReturn, base_currency: &str) -> ReturnView {
    ReturnView {
        id: r.return_id,
        source: r.source.clone(),
        external_id: r.external_id.clone(),
        returned_at: r.returned_at,
        lines: r.lines.clone(),
        amount_base: r.amount_base.normalize(),
        points_taken: r.points_taken,
        points_not_taken: r.points_not_taken,
        points_owed: r.points_owed,
        growth_taken: r.growth_taken,
        refund_deduction: (r.refund_deduction_points > 0).then(|| RefundDeductionView {
            points: r.refund_deduction_points,
            value: r.refund_deduction_value.map(|v| v.normalize()),
            currency: base_currency.to_owned(),
        }),
    }
}

/// A page of orders, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderList {
    pub items: Vec<OrderView>,
    pub next_cursor: Option<String>,
}

impl OrderList {
    /// A page of orders; `next` is where the next page starts.
    pub fn new(orders: &[StoredOrder], next: Option<(DateTime<Utc>, Uuid)>) -> Self {
        OrderList { items: orders.iter().map(OrderView::new).collect(), next_cursor: next.map(encode_order_cursor) }
    }
}

fn encode_order_cursor((at, id): (DateTime<Utc>, Uuid)) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{}:{id}", at.timestamp_micros()))
}

pub fn decode_order_cursor(s: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(s).map_err(|_| bad_cursor())?).map_err(|_| bad_cursor())?;
    let rest = text.strip_prefix("o:").ok_or_else(bad_cursor)?;
    let (micros, id) = rest.split_once(':').ok_or_else(bad_cursor)?;
    let at = micros.parse::<i64>().ok().and_then(DateTime::<Utc>::from_timestamp_micros).ok_or_else(bad_cursor)?;
    Ok((at, id.parse().map_err(|_| bad_cursor())?))
}

/// A returned quantity of one line.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    pub line_id: String,
    pub quantity: u32,
}

/// A whole or partial return. Idempotent on (`source`, `external_id`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReturnRequest {
    pub source: String,
    /// The return's id in the source system.
    pub external_id: String,
    /// Default: now.
    pub returned_at: Option<DateTime<Utc>>,
    pub lines: Vec<ReturnLineInput>,
}

impl CreateReturnRequest {
    pub fn into_domain(self, now: DateTime<Utc>) -> Result<ReturnRequest, ApiError> {
        let mut e = FieldErrors::new();
        let source = e.check("source", OrderSource::parse(&self.source));
        let external_id = e.check("external_id", ExternalOrderId::parse(&self.external_id));
        let lines: Vec<ReturnLine> = self
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                e.check(&format!("lines[{i}].line_id"), LineId::parse(&l.line_id))
                    .map(|line_id| ReturnLine { line_id, quantity: l.quantity })
            })
            .collect();
        let returned_at = self.returned_at.map(crate::clock::stored).unwrap_or(now);
        if returned_at > now + chrono::Duration::minutes(5) {
            e.push("returned_at", InvalidValue::new("out_of_range", "a return cannot happen in the future"));
        }
        match (source, external_id) {
            (Some(source), Some(external_id)) if e.is_empty() => {
                Ok(ReturnRequest { source, external_id, returned_at, lines })
            }
            _ => Err(e.into()),
        }
    }
}

/// A return recorded, with the order after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnResult {
    pub return_id: Uuid,
    /// This return's deduction from the refund for points already redeemed
    /// (policy `deduct_from_refund`), as in `order.returns`; null when there
    /// is nothing to deduct.
    pub refund_deduction: Option<RefundDeductionView>,
    pub order: OrderView,
}

impl ReturnResult {
    pub fn new(return_id: Uuid, order: &StoredOrder) -> Self {
        let order = OrderView::new(order);
        let refund_deduction =
            order.returns.iter().find(|r| r.id == return_id).and_then(|r| r.refund_deduction.clone());
        ReturnResult { return_id, refund_deduction, order }
    }
}

/// One exchange rate: 1 `currency` = `rate` `base_currency`, from `valid_from` until the next rate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FxRateDto {
    pub currency: String,
    /// Default: the programme's base currency.
    pub base_currency: Option<String>,
    pub valid_from: NaiveDate,
    #[schema(value_type = String, example = "7.8512")]
    pub rate: Decimal,
}

/// Rates to set.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutFxRatesRequest {
    pub rates: Vec<FxRateDto>,
}

impl PutFxRatesRequest {
    pub fn into_domain(self, base: &Currency) -> Result<Vec<FxRate>, ApiError> {
        let mut e = FieldErrors::new();
        if self.rates.is_empty() {
            e.push("rates", InvalidValue::new("required", "give at least one rate"));
        }
        let rates = self
            .rates
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let from = e.check(&format!("rates[{i}].currency"), Currency::parse(&r.currency));
                let to = match &r.base_currency {
                    Some(b) => e.check(&format!("rates[{i}].base_currency"), Currency::parse(b)),
                    None => Some(base.clone()),
                };
                if r.rate <= Decimal::ZERO
                    || r.rate.normalize().scale() > 10
                    || r.rate >= Decimal::from(10_000_000_000i64)
                {
                    e.push(
                        format!("rates[{i}].rate"),
                        InvalidValue::new("out_of_range", "a positive rate below 1e10 with at most 10 decimals"),
                    );
                    return None;
                }
                let (from, to) = (from?, to?);
                if from == to {
                    e.push(
                        format!("rates[{i}].currency"),
                        InvalidValue::new("not_allowed", "a currency has no rate to itself"),
                    );
                    return None;
                }
                Some(FxRate { from, to, valid_from: r.valid_from, rate: r.rate })
            })
            .collect();
        if e.is_empty() { Ok(rates) } else { Err(e.into()) }
    }
}

/// A stored rate.
#[derive(Debug, Serialize, ToSchema)]
pub struct FxRateView {
    pub currency: String,
    pub base_currency: String,
    pub valid_from: NaiveDate,
    #[schema(value_type = String)]
    pub rate: Decimal,
    pub set_at: DateTime<Utc>,
    pub set_by: Option<String>,
}

impl FxRateView {
    pub fn new(r: &StoredFxRate) -> Self {
        FxRateView {
            currency: r.rate.from.as_str().to_owned(),
            base_currency: r.rate.to.as_str().to_owned(),
            valid_from: r.rate.valid_from,
            rate: r.rate.rate.normalize(),
            set_at: r.set_at,
            set_by: r.set_by.clone(),
        }
    }
}

/// Which rates.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FxQuery {
    /// Only this currency.
    pub currency: Option<String>,
}

impl FxQuery {
    /// The currency asked for, if any.
    pub fn currency(&self) -> Result<Option<Currency>, ApiError> {
        self.currency
            .as_deref()
            .map(Currency::parse)
            .transpose()
            .map_err(|e| ApiError::Validation(FieldErrors::single("currency", e)))
    }
}

//! Orders, their lines, and returns.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{
    Currency, CustomerId, FieldErrors, InvalidValue, Label, LineId, MemberNo, Phone, ShortText, StoreId, keyword_enum,
    slug_newtype,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocate::allocate;

mod coupons;
mod returns;

pub use returns::{ReturnLine, ReturnRequest, validate_return};

slug_newtype!(
    /// The system an order comes from: `pos`, `eshop`, `erp`, `import`, or a
    /// brand's own name for it. With [`ExternalOrderId`] it identifies an
    /// order: the same pair sent twice is the same order.
    OrderSource, 32, "the source system"
);
slug_newtype!(
    /// The order's id in its source system (receipt number, e-shop order number).
    ExternalOrderId, 64, "the external order id"
);
slug_newtype!(
    /// A stock-keeping unit.
    Sku, 64, "the SKU"
);

keyword_enum! {
    /// How the order was placed.
    pub enum SalesChannel {
        /// At a store's till.
        Store => "store",
        /// On the brand's e-shop.
        Eshop => "eshop",
        /// Through a WeChat mini-program or an associate's WeChat.
        Wechat => "wechat",
        /// By phone or remote clienteling.
        Remote => "remote",
        /// Anything else.
        Other => "other",
    }
}

keyword_enum! {
    /// How it was paid (the main method, when several were used).
    pub enum PaymentMethod {
        /// Bank card.
        Card => "card",
        /// Cash.
        Cash => "cash",
        /// Alipay.
        Alipay => "alipay",
        /// WeChat Pay.
        WechatPay => "wechat_pay",
        /// UnionPay.
        UnionPay => "union_pay",
        /// Gift card.
        GiftCard => "gift_card",
        /// Bank transfer.
        BankTransfer => "bank_transfer",
        /// Loyalty points only.
        Points => "points",
        /// Anything else.
        Other => "other",
        /// Not recorded by the system the order came from (an import's
        /// default).
        Unknown => "unknown",
    }
}

impl SalesChannel {
    /// Parses a stable name, trimmed (code `invalid_format`; the message
    /// lists the names each followed by a space, as it always has).
    pub fn parse(s: &str) -> Result<SalesChannel, InvalidValue> {
        parse_name(s, &SalesChannel::ALL, SalesChannel::as_str)
    }
}

impl PaymentMethod {
    /// Parses a stable name, trimmed (code `invalid_format`; the message
    /// lists the names each followed by a space, as it always has).
    pub fn parse(s: &str) -> Result<PaymentMethod, InvalidValue> {
        parse_name(s, &PaymentMethod::ALL, PaymentMethod::as_str)
    }
}

/// The value named `s` (trimmed). An unknown name is refused with
/// `invalid_format` and "must be one of: " then every name followed by a
/// space: the message the order endpoints and the CSV import have always
/// served, kept as it is (the `FromStr` of `keyword_enum!` separates the
/// names with commas and does not trim).
fn parse_name<T: Copy + std::str::FromStr>(s: &str, all: &[T], name: fn(T) -> &'static str) -> Result<T, InvalidValue> {
    s.trim().parse().map_err(|_| {
        let names: String = all.iter().map(|v| format!("{} ", name(*v))).collect();
        InvalidValue::new("invalid_format", format!("must be one of: {names}"))
    })
}

/// Who bought: the customer by id, member number or phone, or nobody known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerRef {
    /// By id.
    Id(CustomerId),
    /// By member number (current or absorbed by a merge).
    MemberNo(MemberNo),
    /// By phone number.
    Phone(Phone),
    /// A walk-in who is not a member.
    Anonymous,
}

/// A line as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrderLine {
    pub line_id: LineId,
    pub sku: Sku,
    pub name: Option<ShortText>,
    pub category: Option<Label>,
    pub collection: Option<Label>,
    pub quantity: u32,
    /// Price of one unit, in the order's currency.
    pub unit_price: Decimal,
    /// Discount on the whole line, in the order's currency.
    pub discount: Decimal,
}

impl NewOrderLine {
    /// `quantity × unit_price − discount`, None if it does not fit a `Decimal`.
    pub fn net(&self) -> Option<Decimal> {
        Decimal::from(self.quantity).checked_mul(self.unit_price)?.checked_sub(self.discount)
    }
}

/// How much more than `quantity × unit_price` a line may have been charged
/// because its unit price is itself rounded to its decimals (a till's 2.99
/// for three units, sent as a unit price of 0.9967): half a unit in the
/// unit price's last decimal place, per unit. A line of quantity 0 has
/// none. A price cut rather than rounded (0.99) may fall short by more:
/// send it with more decimals.
pub fn rounding_allowance(quantity: u32, unit_price: Decimal) -> Decimal {
    let places = unit_price.scale().min(UNIT_PRICE_PLACES);
    Decimal::from(quantity).saturating_mul(Decimal::new(5, places + 1))
}

/// Decimals a unit price is kept to: one sent with more is rounded to this
/// (the amount paid, not the unit price, is what earns).
pub const UNIT_PRICE_PLACES: u32 = 4;

/// An order as sent, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub source: OrderSource,
    pub external_id: ExternalOrderId,
    pub store: Option<StoreId>,
    pub channel: SalesChannel,
    pub customer: CustomerRef,
    pub ordered_at: DateTime<Utc>,
    pub currency: Currency,
    pub lines: Vec<NewOrderLine>,
    /// What the customer actually paid for the whole order, in its currency,
    /// after discounts, coupons and points used.
    pub amount_paid: Decimal,
    pub payment_method: PaymentMethod,
    /// The POS's own references of the promotions it applied (free text,
    /// kept as sent).
    pub coupons: Vec<ShortText>,
    /// Codes of Clientele coupons the customer presented, as typed (at most
    /// [`MAX_COUPON_CODES`]): checked and used with the order, their
    /// discount added to its lines ([`Order::with_coupon_discounts`]).
    pub coupon_codes: Vec<ShortText>,
    /// Points used as payment on this order.
    pub points_redeemed: u64,
    /// The associate who sold it, if the sender says.
    pub sold_by: Option<crate::SoldBy>,
}

/// A line of a checked order, with its share of the amount paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub line_id: LineId,
    pub sku: Sku,
    pub name: Option<ShortText>,
    pub category: Option<Label>,
    pub collection: Option<Label>,
    pub quantity: u32,
    pub unit_price: Decimal,
    /// Everything taken off the line: the sender's discount and
    /// `coupon_discount`.
    pub discount: Decimal,
    /// The part of `discount` Clientele's coupons took off (0 without).
    pub coupon_discount: Decimal,
    /// This line's share of the amount paid, in the order's currency.
    pub paid: Decimal,
}

impl OrderLine {
    /// `quantity × unit_price − discount`: the most this line can have been
    /// paid. Cannot overflow: [`Order::new`] bounds every part.
    pub fn net_total(&self) -> Decimal {
        Decimal::from(self.quantity).saturating_mul(self.unit_price).saturating_sub(self.discount)
    }

    /// See [`rounding_allowance`].
    pub fn rounding_allowance(&self) -> Decimal {
        rounding_allowance(self.quantity, self.unit_price)
    }
}

/// A checked order: lines unique by id, amounts consistent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    source: OrderSource,
    external_id: ExternalOrderId,
    store: Option<StoreId>,
    channel: SalesChannel,
    customer: CustomerRef,
    ordered_at: DateTime<Utc>,
    currency: Currency,
    lines: Vec<OrderLine>,
    amount_paid: Decimal,
    payment_method: PaymentMethod,
    coupons: Vec<ShortText>,
    coupon_codes: Vec<ShortText>,
    points_redeemed: u64,
    sold_by: Option<crate::SoldBy>,
    /// Where each line was in the order as sent (lines are kept sorted by
    /// id), so a later check can name `lines[i]` as the sender knows it.
    sent_positions: SentPositions,
}

/// Where each line was in the order as sent. Not part of what the order is:
/// two orders with the same lines sent in another order are equal.
#[derive(Debug, Clone, Default)]
struct SentPositions(BTreeMap<LineId, usize>);

impl PartialEq for SentPositions {
    fn eq(&self, _: &SentPositions) -> bool {
        true
    }
}
impl Eq for SentPositions {}

/// Most lines an order may have.
pub const MAX_LINES: usize = 500;

/// Most units of one line that any order may have, whatever the programme
/// allows ([`OrderLimits`] sets the brand's own, lower bound).
pub const MAX_QUANTITY: u32 = 1_000_000;

/// Every unit price and discount is below this, in any currency (what the
/// database stores: 16 digits, 4 of them decimals).
pub const MAX_UNIT_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0); // 1e12

/// Every amount paid, in its currency and in the base currency, is below
/// this (16 digits, 2 of them decimals).
pub const MAX_ORDER_AMOUNT: Decimal = Decimal::from_parts(276_447_232, 23_283, 0, false, 0); // 1e14

/// Most coupon codes one order may carry.
pub const MAX_COUPON_CODES: usize = 10;

/// Most points an order may say were used as payment.
pub const MAX_POINTS_REDEEMED: u64 = i64::MAX as u64;

fn money_places(v: Decimal) -> bool {
    v.normalize().scale() <= 4
}

/// The checks of the lines on their own: at least one, at most
/// `MAX_LINES`, ids unique, quantities, prices and discounts in range.
fn check_lines(lines: &[NewOrderLine], e: &mut FieldErrors) {
    if lines.is_empty() {
        e.push("lines", InvalidValue::new("required", "an order has at least one line"));
    }
    if lines.len() > MAX_LINES {
        e.push("lines", InvalidValue::new("too_long", format!("an order has at most {MAX_LINES} lines")));
    }
    let mut seen = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        let at = |f: &str| format!("lines[{i}].{f}");
        if !seen.insert(line.line_id.clone()) {
            e.push(at("line_id"), InvalidValue::new("duplicate", format!("line id {} is used twice", line.line_id)));
        }
        // 0 is a line kept at zero (a free item, a correction): it earns nothing.
        if line.quantity > MAX_QUANTITY {
            e.push(
                at("quantity"),
                InvalidValue::new("out_of_range", format!("quantity must be between 0 and {MAX_QUANTITY}")),
            );
        }
        let unit_price_ok = !line.unit_price.is_sign_negative() && line.unit_price < MAX_UNIT_AMOUNT;
        if !unit_price_ok {
            e.push(
                at("unit_price"),
                InvalidValue::new("out_of_range", format!("unit price must be ≥ 0 and below {MAX_UNIT_AMOUNT}")),
            );
        }
        if line.discount.is_sign_negative() || !money_places(line.discount) || line.discount >= MAX_UNIT_AMOUNT {
            e.push(
                at("discount"),
                InvalidValue::new(
                    "out_of_range",
                    format!("discount must be ≥ 0 and below {MAX_UNIT_AMOUNT}, with at most 4 decimals"),
                ),
            );
        } else if unit_price_ok && line.net().is_none_or(|net| net.is_sign_negative()) {
            e.push(at("discount"), InvalidValue::new("out_of_range", "discount exceeds quantity × unit price"));
        }
    }
}

/// The checks of the order's own amounts on their own: the amount paid in
/// range and in the currency's minor units, the points redeemed in range.
fn check_amounts(new: &NewOrder, e: &mut FieldErrors) {
    let places = new.currency.minor_units();
    if new.amount_paid.is_sign_negative() || new.amount_paid >= MAX_ORDER_AMOUNT {
        e.push(
            "amount_paid",
            InvalidValue::new("out_of_range", format!("amount paid must be ≥ 0 and below {MAX_ORDER_AMOUNT}")),
        );
    } else if new.amount_paid.normalize().scale() > places {
        e.push(
            "amount_paid",
            InvalidValue::new(
                "out_of_range",
                format!("{} has {places} decimal(s): the amount paid cannot have more", new.currency),
            ),
        );
    }
    if new.coupon_codes.len() > MAX_COUPON_CODES {
        e.push(
            "coupon_codes",
            InvalidValue::new("too_long", format!("an order carries at most {MAX_COUPON_CODES} coupon codes")),
        );
    }
    if new.points_redeemed > MAX_POINTS_REDEEMED {
        e.push(
            "points_redeemed",
            InvalidValue::new("out_of_range", format!("points redeemed must be at most {MAX_POINTS_REDEEMED}")),
        );
    }
}

/// `amount_paid` is more than the lines' net total (`after`: what changed it).
fn exceeds_net(net: Decimal, allowance: Decimal, after: &str) -> InvalidValue {
    InvalidValue::new(
        "out_of_range",
        format!(
            "amount paid exceeds the lines' net total of {net}{after} by more than their unit prices' rounding ({})",
            allowance.normalize()
        ),
    )
}

/// The lines with their share of `amount_paid` (largest remainder, to the
/// cent), sorted by id.
fn paid_lines(lines: Vec<NewOrderLine>, amount_paid: Decimal) -> Vec<OrderLine> {
    let mut lines: Vec<OrderLine> = lines
        .into_iter()
        .map(|l| OrderLine {
            paid: Decimal::ZERO,
            line_id: l.line_id,
            sku: l.sku,
            name: l.name,
            category: l.category,
            collection: l.collection,
            quantity: l.quantity,
            unit_price: l.unit_price,
            discount: l.discount,
            coupon_discount: Decimal::ZERO,
        })
        .collect();
    share_paid(&mut lines, amount_paid);
    lines.sort_by(|a, b| a.line_id.cmp(&b.line_id));
    lines
}

/// Shares `amount_paid` over the lines of quantity 1 or more in proportion
/// to their net totals (largest remainder, to the cent); a line of
/// quantity 0 gets nothing.
fn share_paid(lines: &mut [OrderLine], amount_paid: Decimal) {
    let weights: Vec<(LineId, Decimal)> =
        lines.iter().filter(|l| l.quantity > 0).map(|l| (l.line_id.clone(), l.net_total())).collect();
    let shares: BTreeMap<LineId, Decimal> = allocate(amount_paid, &weights, 2).into_iter().collect();
    for line in lines {
        line.paid = shares.get(&line.line_id).copied().unwrap_or_default();
    }
}

impl Order {
    /// Checks an order; every problem is reported with the field it is in
    /// (`lines[2].quantity`, `amount_paid`, …). Lines come out sorted by id.
    ///
    /// A line may have quantity 0 (it is kept, paid nothing, earns
    /// nothing). A unit price with more than [`UNIT_PRICE_PLACES`] decimals
    /// is rounded to them; the amount paid may exceed the lines' net total
    /// by at most the rounding their unit prices allow
    /// ([`rounding_allowance`]), and is then shared over the lines as it is.
    pub fn new(mut new: NewOrder) -> Result<Order, FieldErrors> {
        for line in &mut new.lines {
            if line.unit_price.scale() > UNIT_PRICE_PLACES {
                line.unit_price = line
                    .unit_price
                    .round_dp_with_strategy(UNIT_PRICE_PLACES, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            }
        }
        let mut e = FieldErrors::new();
        check_lines(&new.lines, &mut e);
        check_amounts(&new, &mut e);
        if !e.is_empty() {
            return Err(e);
        }
        // Every part is bounded now, so these sums fit (500 lines × 10^6 × 10^12).
        let gross = new.lines.iter().filter_map(NewOrderLine::net).fold(Decimal::ZERO, Decimal::saturating_add);
        let allowance = new
            .lines
            .iter()
            .map(|l| rounding_allowance(l.quantity, l.unit_price))
            .fold(Decimal::ZERO, Decimal::saturating_add);
        if new.amount_paid > gross.saturating_add(allowance) {
            e.push("amount_paid", exceeds_net(gross, allowance, ""));
            return Err(e);
        }
        let sent_positions = SentPositions(new.lines.iter().enumerate().map(|(i, l)| (l.line_id.clone(), i)).collect());
        let lines = paid_lines(new.lines, new.amount_paid);
        Ok(Order {
            source: new.source,
            external_id: new.external_id,
            store: new.store,
            channel: new.channel,
            customer: new.customer,
            ordered_at: new.ordered_at,
            currency: new.currency,
            amount_paid: lines.iter().map(|l| l.paid).sum(),
            lines,
            payment_method: new.payment_method,
            coupons: new.coupons,
            coupon_codes: new.coupon_codes,
            points_redeemed: new.points_redeemed,
            sold_by: new.sold_by,
            sent_positions,
        })
    }

    /// The field path of a line as the sender numbered it (`lines[2]`).
    pub fn line_field(&self, line_id: &LineId) -> String {
        match self.sent_positions.0.get(line_id) {
            Some(i) => format!("lines[{i}]"),
            None => "lines".to_owned(),
        }
    }

    /// The source system.
    pub fn source(&self) -> &OrderSource {
        &self.source
    }
    /// The order's id in its source system.
    pub fn external_id(&self) -> &ExternalOrderId {
        &self.external_id
    }
    /// The store it was placed at, if any.
    pub fn store(&self) -> Option<StoreId> {
        self.store
    }

    /// The associate who sold it, as the sender named them.
    pub fn sold_by(&self) -> Option<&crate::SoldBy> {
        self.sold_by.as_ref()
    }
    /// How it was placed.
    pub fn channel(&self) -> SalesChannel {
        self.channel
    }
    /// Who bought.
    pub fn customer(&self) -> &CustomerRef {
        &self.customer
    }
    /// When it was placed.
    pub fn ordered_at(&self) -> DateTime<Utc> {
        self.ordered_at
    }
    /// The order's currency.
    pub fn currency(&self) -> &Currency {
        &self.currency
    }
    /// Lines, sorted by line id.
    pub fn lines(&self) -> &[OrderLine] {
        &self.lines
    }
    /// The amount paid, rounded to the cent (the sum of the lines' shares).
    pub fn amount_paid(&self) -> Decimal {
        self.amount_paid
    }
    /// How it was paid.
    pub fn payment_method(&self) -> PaymentMethod {
        self.payment_method
    }
    /// The POS's own promotion references.
    pub fn coupons(&self) -> &[ShortText] {
        &self.coupons
    }
    /// Codes of Clientele coupons presented, as typed.
    pub fn coupon_codes(&self) -> &[ShortText] {
        &self.coupon_codes
    }
    /// Points used as payment.
    pub fn points_redeemed(&self) -> u64 {
        self.points_redeemed
    }
}

/// What an order says about the sale, to tell a resend of the same order
/// from another order sent under the same (`source`, `external_id`): the
/// store, the currency, the amount paid and each line's SKU, quantity,
/// unit price and discount as sent (before Clientele's coupons; the codes
/// are compared by the caller, which knows their canonical form). When it
/// was placed is left out (a till that
/// leaves `ordered_at` to the server sends a new "now" each time), and so
/// are names, categories, payment details and how the customer was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderContent {
    pub store: Option<StoreId>,
    pub currency: String,
    pub amount_paid: Decimal,
    /// By line id: SKU, quantity, unit price, discount.
    pub lines: BTreeMap<String, (String, u32, Decimal, Decimal)>,
}

impl OrderContent {
    /// The fields in which two contents differ, by their names in the
    /// request (`store_id`, `currency`, `amount_paid`, `lines`); empty when
    /// they are the same order. Amounts compare by value (`100` = `100.00`).
    pub fn differences(&self, other: &OrderContent) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.store != other.store {
            out.push("store_id");
        }
        if self.currency != other.currency {
            out.push("currency");
        }
        if self.amount_paid != other.amount_paid {
            out.push("amount_paid");
        }
        if self.lines != other.lines {
            out.push("lines");
        }
        out
    }
}

impl Order {
    /// What this order says about the sale.
    pub fn content(&self) -> OrderContent {
        OrderContent {
            store: self.store,
            currency: self.currency.as_str().to_owned(),
            amount_paid: self.amount_paid,
            lines: self
                .lines
                .iter()
                .map(|l| {
                    let sent_discount = l.discount - l.coupon_discount;
                    (
                        l.line_id.as_str().to_owned(),
                        (l.sku.as_str().to_owned(), l.quantity, l.unit_price, sent_discount),
                    )
                })
                .collect(),
        }
    }
}

/// An exchange rate: one unit of `from` is `rate` units of the base
/// currency, valid from a date until the next rate for the same currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FxRate {
    pub from: Currency,
    pub to: Currency,
    pub valid_from: NaiveDate,
    pub rate: Decimal,
}

/// A line with its amounts in the base currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub line: OrderLine,
    /// The line's share of the amount paid, in the base currency.
    pub paid_base: Decimal,
}

/// An order with every line priced in the base currency: what loyalty earns on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedOrder {
    pub order: Order,
    pub base_currency: Currency,
    /// The rate used (1 for an order in the base currency).
    pub fx_rate: Decimal,
    pub paid_base: Decimal,
    pub lines: Vec<PricedLine>,
}

/// Prices an order in the base currency. An order in another currency needs
/// the rate valid on its date (`rate` must be for the order's currency into
/// the base, and valid on or before the order's date): none, and the order
/// is refused rather than guessed. The total is converted and rounded to the
/// cent, then split over the lines like the amount paid was.
pub fn price_in_base(order: Order, base: &Currency, rate: Option<&FxRate>) -> Result<PricedOrder, FieldErrors> {
    let fx = if order.currency() == base {
        Decimal::ONE
    } else {
        match rate {
            Some(r)
                if &r.from == order.currency()
                    && &r.to == base
                    && r.valid_from <= order.ordered_at().date_naive()
                    && r.rate > Decimal::ZERO =>
            {
                r.rate
            }
            _ => {
                return Err(FieldErrors::single(
                    "currency",
                    InvalidValue::new(
                        "no_fx_rate",
                        format!(
                            "no exchange rate from {} to {} valid on {}: set one with PUT /v1/fx-rates",
                            order.currency(),
                            base,
                            order.ordered_at().date_naive()
                        ),
                    ),
                ));
            }
        }
    };
    let total_base = match order.amount_paid().checked_mul(fx).map(|t| t.round_dp(2)) {
        Some(total) if total < MAX_ORDER_AMOUNT => total,
        _ => {
            return Err(FieldErrors::single(
                "amount_paid",
                InvalidValue::new(
                    "out_of_range",
                    format!("the amount paid is {MAX_ORDER_AMOUNT} {base} or more once converted at {fx}"),
                ),
            ));
        }
    };
    let weights: Vec<(LineId, Decimal)> = order.lines().iter().map(|l| (l.line_id.clone(), l.paid)).collect();
    let shares: BTreeMap<LineId, Decimal> = allocate(total_base, &weights, 2).into_iter().collect();
    let lines = order
        .lines()
        .iter()
        .map(|l| PricedLine { paid_base: shares.get(&l.line_id).copied().unwrap_or_default(), line: l.clone() })
        .collect();
    Ok(PricedOrder { base_currency: base.clone(), fx_rate: fx, paid_base: total_base, lines, order })
}

/// Bounds on what one order may carry, which a luxury brand's real orders
/// never reach but a typo does (a price typed with three zeros too many, a
/// quantity of a million): a programme setting. Amounts are in the
/// programme's base currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLimits {
    /// Most units of one line.
    pub max_quantity_per_line: u32,
    /// Most a line may cost before the amount paid is split
    /// (`quantity × unit_price − discount`, in the base currency).
    pub max_line_amount: Decimal,
    /// Most an order may have been paid, in the base currency.
    pub max_order_amount: Decimal,
    /// Orders before this date are refused: the programme's start, or the
    /// oldest history a brand imports.
    pub earliest_order_date: NaiveDate,
    /// How far ahead of the server's clock an order may be dated (tills'
    /// clocks drift; a date a year ahead is a typo).
    pub max_ahead: chrono::TimeDelta,
}

impl OrderLimits {
    /// Checks a priced order; every breach names the field as the sender
    /// sent it (`lines[3].quantity`, `lines[0].unit_price`, `amount_paid`,
    /// `ordered_at`), code `out_of_range`.
    pub fn check(&self, priced: &PricedOrder, now: DateTime<Utc>) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        let order = &priced.order;
        for line in order.lines() {
            let at = order.line_field(&line.line_id);
            if line.quantity > self.max_quantity_per_line {
                e.push(
                    format!("{at}.quantity"),
                    InvalidValue::new(
                        "out_of_range",
                        format!("at most {} units per line (programme limit)", self.max_quantity_per_line),
                    ),
                );
            }
            let line_base = line.net_total().checked_mul(priced.fx_rate);
            if line_base.is_none_or(|amount| amount > self.max_line_amount) {
                e.push(
                    format!("{at}.unit_price"),
                    InvalidValue::new(
                        "out_of_range",
                        format!(
                            "a line may cost at most {} {} (programme limit)",
                            self.max_line_amount, priced.base_currency
                        ),
                    ),
                );
            }
        }
        if priced.paid_base > self.max_order_amount {
            e.push(
                "amount_paid",
                InvalidValue::new(
                    "out_of_range",
                    format!(
                        "an order may be paid at most {} {} (programme limit)",
                        self.max_order_amount, priced.base_currency
                    ),
                ),
            );
        }
        if now.checked_add_signed(self.max_ahead).is_some_and(|latest| order.ordered_at() > latest) {
            e.push(
                "ordered_at",
                InvalidValue::new(
                    "out_of_range",
                    format!(
                        "an order cannot be dated more than {} minute(s) ahead of now (programme limit)",
                        self.max_ahead.num_minutes()
                    ),
                ),
            );
        }
        if order.ordered_at().date_naive() < self.earliest_order_date {
            e.push(
                "ordered_at",
                InvalidValue::new(
                    "out_of_range",
                    format!("orders before {} are not accepted (programme limit)", self.earliest_order_date),
                ),
            );
        }
        if e.is_empty() { Ok(()) } else { Err(e) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_and_payment_names_are_trimmed_and_their_refusal_is_unchanged() {
        assert_eq!(SalesChannel::parse(" wechat "), Ok(SalesChannel::Wechat));
        assert_eq!(PaymentMethod::parse("wechat_pay"), Ok(PaymentMethod::WechatPay));
        let err = SalesChannel::parse("shop").unwrap_err();
        assert_eq!(err.code, "invalid_format");
        assert_eq!(err.message, "must be one of: store eshop wechat remote other ");
        assert_eq!(
            PaymentMethod::parse("").unwrap_err().message,
            "must be one of: card cash alipay wechat_pay union_pay gift_card bank_transfer points other unknown "
        );
        for method in PaymentMethod::ALL {
            assert_eq!(serde_json::to_value(method).unwrap(), serde_json::json!(method.as_str()));
        }
        assert_eq!(serde_json::from_str::<SalesChannel>("\"eshop\"").unwrap(), SalesChannel::Eshop);
    }
}

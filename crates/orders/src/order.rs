//! Orders, their lines, and returns.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use clientele_profiles::{Currency, CustomerId, FieldErrors, InvalidValue, Label, MemberNo, Phone, ShortText, StoreId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocate::allocate;

macro_rules! slug_newtype {
    ($(#[$meta:meta])* $name:ident, $max:expr, $what:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Trims and checks: 1 to
            #[doc = stringify!($max)]
            /// characters, no whitespace or control characters.
            pub fn parse(s: &str) -> Result<$name, InvalidValue> {
                let v = s.trim();
                if v.is_empty() {
                    return Err(InvalidValue::new("required", concat!($what, " is required")));
                }
                if v.chars().count() > $max {
                    return Err(InvalidValue::new("too_long", format!("{} has at most {} characters", $what, $max)));
                }
                if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(InvalidValue::new("invalid_format", concat!($what, " may not contain spaces or control characters")));
                }
                Ok($name(v.to_owned()))
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(s: String) -> Result<Self, InvalidValue> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

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
slug_newtype!(
    /// A line's id within its order, as the source system numbers lines
    /// ("1", "2", … when it does not).
    LineId, 32, "the line id"
);

/// How the order was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesChannel {
    /// At a store's till.
    Store,
    /// On the brand's e-shop.
    Eshop,
    /// Through a WeChat mini-program or an associate's WeChat.
    Wechat,
    /// By phone or remote clienteling.
    Remote,
    /// Anything else.
    Other,
}

/// How it was paid (the main method, when several were used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Bank card.
    Card,
    /// Cash.
    Cash,
    /// Alipay.
    Alipay,
    /// WeChat Pay.
    WechatPay,
    /// UnionPay.
    UnionPay,
    /// Gift card.
    GiftCard,
    /// Bank transfer.
    BankTransfer,
    /// Loyalty points only.
    Points,
    /// Anything else.
    Other,
}

macro_rules! keyword_parse {
    ($name:ident, $($variant:ident => $text:literal),+) => {
        impl $name {
            /// The stable name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// Parses a stable name.
            pub fn parse(s: &str) -> Result<$name, InvalidValue> {
                match s.trim() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(InvalidValue::new("invalid_format", concat!("must be one of: ", $($text, " "),+))),
                }
            }
        }
    };
}
keyword_parse!(SalesChannel, Store => "store", Eshop => "eshop", Wechat => "wechat", Remote => "remote", Other => "other");
keyword_parse!(PaymentMethod, Card => "card", Cash => "cash", Alipay => "alipay", WechatPay => "wechat_pay",
    UnionPay => "union_pay", GiftCard => "gift_card", BankTransfer => "bank_transfer", Points => "points", Other => "other");

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
    /// `quantity × unit_price − discount`.
    pub fn net(&self) -> Decimal {
        Decimal::from(self.quantity) * self.unit_price - self.discount
    }
}

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
    pub coupons: Vec<ShortText>,
    /// Points used as payment on this order.
    pub points_redeemed: u64,
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
    pub discount: Decimal,
    /// This line's share of the amount paid, in the order's currency.
    pub paid: Decimal,
}

impl OrderLine {
    /// `quantity × unit_price − discount`: the most this line can have been paid.
    pub fn net_total(&self) -> Decimal {
        Decimal::from(self.quantity) * self.unit_price - self.discount
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
    points_redeemed: u64,
}

/// Most lines an order may have.
pub const MAX_LINES: usize = 500;

fn money_places(v: Decimal) -> bool {
    v.normalize().scale() <= 4
}

impl Order {
    /// Checks an order; every problem is reported with the field it is in
    /// (`lines[2].quantity`, `amount_paid`, …). Lines come out sorted by id.
    pub fn new(new: NewOrder, now: DateTime<Utc>) -> Result<Order, FieldErrors> {
        let mut e = FieldErrors::new();
        if new.lines.is_empty() {
            e.push("lines", InvalidValue::new("required", "an order has at least one line"));
        }
        if new.lines.len() > MAX_LINES {
            e.push("lines", InvalidValue::new("too_long", format!("an order has at most {MAX_LINES} lines")));
        }
        if new.ordered_at > now + chrono::Duration::minutes(5) {
            e.push("ordered_at", InvalidValue::new("out_of_range", "an order cannot be placed in the future"));
        }
        let mut seen = BTreeSet::new();
        for (i, line) in new.lines.iter().enumerate() {
            let at = |f: &str| format!("lines[{i}].{f}");
            if !seen.insert(line.line_id.clone()) {
                e.push(
                    at("line_id"),
                    InvalidValue::new("duplicate", format!("line id {} is used twice", line.line_id)),
                );
            }
            if line.quantity == 0 {
                e.push(at("quantity"), InvalidValue::new("out_of_range", "quantity must be at least 1"));
            }
            if line.unit_price.is_sign_negative() || !money_places(line.unit_price) {
                e.push(
                    at("unit_price"),
                    InvalidValue::new("out_of_range", "unit price must be ≥ 0 with at most 4 decimals"),
                );
            }
            if line.discount.is_sign_negative() || !money_places(line.discount) {
                e.push(
                    at("discount"),
                    InvalidValue::new("out_of_range", "discount must be ≥ 0 with at most 4 decimals"),
                );
            } else if line.discount > Decimal::from(line.quantity) * line.unit_price {
                e.push(at("discount"), InvalidValue::new("out_of_range", "discount exceeds quantity × unit price"));
            }
        }
        let gross: Decimal = new.lines.iter().map(NewOrderLine::net).sum();
        if new.amount_paid.is_sign_negative() || !money_places(new.amount_paid) {
            e.push("amount_paid", InvalidValue::new("out_of_range", "amount paid must be ≥ 0 with at most 4 decimals"));
        } else if e.is_empty() && new.amount_paid > gross {
            e.push(
                "amount_paid",
                InvalidValue::new("out_of_range", format!("amount paid exceeds the lines' net total of {gross}")),
            );
        }
        if !e.is_empty() {
            return Err(e);
        }
        let weights: Vec<(LineId, Decimal)> = new.lines.iter().map(|l| (l.line_id.clone(), l.net())).collect();
        let shares: BTreeMap<LineId, Decimal> = allocate(new.amount_paid, &weights, 2).into_iter().collect();
        let mut lines: Vec<OrderLine> = new
            .lines
            .into_iter()
            .map(|l| OrderLine {
                paid: shares.get(&l.line_id).copied().unwrap_or_default(),
                line_id: l.line_id,
                sku: l.sku,
                name: l.name,
                category: l.category,
                collection: l.collection,
                quantity: l.quantity,
                unit_price: l.unit_price,
                discount: l.discount,
            })
            .collect();
        lines.sort_by(|a, b| a.line_id.cmp(&b.line_id));
        Ok(Order {
            source: new.source,
            external_id: new.external_id,
            store: new.store,
            channel: new.channel,
            customer: new.customer,
            ordered_at: new.ordered_at,
            currency: new.currency,
            amount_paid: shares.values().copied().sum(),
            lines,
            payment_method: new.payment_method,
            coupons: new.coupons,
            points_redeemed: new.points_redeemed,
        })
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
    /// Coupons used.
    pub fn coupons(&self) -> &[ShortText] {
        &self.coupons
    }
    /// Points used as payment.
    pub fn points_redeemed(&self) -> u64 {
        self.points_redeemed
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
    let total_base = (order.amount_paid() * fx).round_dp(2);
    let weights: Vec<(LineId, Decimal)> = order.lines().iter().map(|l| (l.line_id.clone(), l.paid)).collect();
    let shares: BTreeMap<LineId, Decimal> = allocate(total_base, &weights, 2).into_iter().collect();
    let lines = order
        .lines()
        .iter()
        .map(|l| PricedLine { paid_base: shares.get(&l.line_id).copied().unwrap_or_default(), line: l.clone() })
        .collect();
    Ok(PricedOrder { base_currency: base.clone(), fx_rate: fx, paid_base: total_base, lines, order })
}

/// A quantity of one line being returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    pub line_id: LineId,
    pub quantity: u32,
}

/// A return as sent: which lines, how many of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRequest {
    pub source: OrderSource,
    pub external_id: ExternalOrderId,
    pub returned_at: DateTime<Utc>,
    pub lines: Vec<ReturnLine>,
}

/// Checks a return against the order's lines and what was returned before:
/// every line exists, each at most once in the request, and no line is
/// returned beyond the quantity bought. `already_returned` maps line id to
/// the quantity returned so far.
pub fn validate_return(
    lines: &[OrderLine],
    already_returned: &BTreeMap<LineId, u32>,
    request: &ReturnRequest,
) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::new();
    if request.lines.is_empty() {
        e.push("lines", InvalidValue::new("required", "a return names at least one line"));
    }
    let mut seen = BTreeSet::new();
    for (i, r) in request.lines.iter().enumerate() {
        let at = |f: &str| format!("lines[{i}].{f}");
        if !seen.insert(r.line_id.clone()) {
            e.push(at("line_id"), InvalidValue::new("duplicate", "a line is named twice"));
            continue;
        }
        let Some(line) = lines.iter().find(|l| l.line_id == r.line_id) else {
            e.push(
                at("line_id"),
                InvalidValue::new("unknown_reference", format!("the order has no line {}", r.line_id)),
            );
            continue;
        };
        let before = already_returned.get(&r.line_id).copied().unwrap_or(0);
        if r.quantity == 0 {
            e.push(at("quantity"), InvalidValue::new("out_of_range", "quantity must be at least 1"));
        } else if u64::from(before) + u64::from(r.quantity) > u64::from(line.quantity) {
            e.push(
                at("quantity"),
                InvalidValue::new(
                    "out_of_range",
                    format!("line {} was bought {} time(s) and {} returned already", r.line_id, line.quantity, before),
                ),
            );
        }
    }
    if e.is_empty() { Ok(()) } else { Err(e) }
}

//! One order's CSV rows checked into an [`Order`], each problem with the
//! line and column it is about.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use clientele_kernel::{
    Currency, CustomerId, FieldErrors, InvalidValue, Label, LineId, MemberNo, Phone, ShortText, StoreId,
};
use clientele_orders::{
    CustomerRef, ExternalOrderId, NewOrder, NewOrderLine, Order, OrderSource, PaymentMethod, SalesChannel, Sku,
};
use clientele_store::StoreError;
use rust_decimal::Decimal;

use super::{CsvRow, Group, RowError};

fn opt(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

fn decimal(e: &mut FieldErrors, field: &str, s: &str, default: Option<Decimal>) -> Option<Decimal> {
    match (opt(s), default) {
        (None, Some(d)) => Some(d),
        (None, None) => {
            e.push(field, InvalidValue::new("required", format!("{field} is required")));
            None
        }
        (Some(v), _) => e.check(
            field,
            v.parse::<Decimal>().map_err(|_| InvalidValue::new("invalid_format", "not a decimal number")),
        ),
    }
}

/// The order's own columns, checked (from the first row of its group).
struct Head {
    source: OrderSource,
    external_id: ExternalOrderId,
    ordered_at: DateTime<Utc>,
    store: Option<StoreId>,
    channel: SalesChannel,
    customer: CustomerRef,
    currency: Currency,
    amount_paid: Decimal,
    payment_method: PaymentMethod,
    coupons: Vec<ShortText>,
    points_redeemed: u64,
    sold_by: Option<clientele_orders::SoldBy>,
}

/// `ordered_at`: required in an import, RFC 3339, stored to the precision
/// the database keeps.
fn ordered_at_of(e: &mut FieldErrors, value: &str) -> Option<DateTime<Utc>> {
    match opt(value) {
        None => {
            e.push("ordered_at", InvalidValue::new("required", "ordered_at is required in an import"));
            None
        }
        Some(v) => e.check(
            "ordered_at",
            DateTime::parse_from_rfc3339(v)
                .map(|t| crate::clock::stored(t.with_timezone(&Utc)))
                .map_err(|_| InvalidValue::new("invalid_format", "an RFC 3339 time, e.g. 2025-11-11T14:03:00+08:00")),
        ),
    }
}

/// `store_code`: none (`Some(None)`), a known store, or an error (`None`).
fn store_of(e: &mut FieldErrors, value: &str, stores: &HashMap<String, StoreId>) -> Option<Option<StoreId>> {
    match opt(value) {
        None => Some(None),
        Some(code) => match stores.get(code) {
            Some(id) => Some(Some(*id)),
            None => {
                e.push("store_code", InvalidValue::new("unknown_reference", format!("no store with code {code}")));
                None
            }
        },
    }
}

/// The customer: anonymous, or by one of id, member number, phone. A member
/// number may come with a phone: the member is found by the number, the
/// phone is what `--create-customers` gives a member who is not there yet.
fn customer_of(e: &mut FieldErrors, head: &CsvRow) -> Option<CustomerRef> {
    match (opt(&head.customer_id), opt(&head.customer_member_no), opt(&head.customer_phone)) {
        (None, None, None) => Some(CustomerRef::Anonymous),
        (Some(id), None, None) => e.check(
            "customer_id",
            id.parse::<uuid::Uuid>()
                .map(|u| CustomerRef::Id(CustomerId::from_uuid(u)))
                .map_err(|_| InvalidValue::new("invalid_format", "not a UUID")),
        ),
        (None, Some(m), phone) => {
            let phone = phone.map(|p| e.check("customer_phone", Phone::parse(p)));
            let member = e.check("customer_member_no", MemberNo::parse(m)).map(CustomerRef::MemberNo);
            if matches!(phone, Some(None)) { None } else { member }
        }
        (None, None, Some(p)) => e.check("customer_phone", Phone::parse(p)).map(CustomerRef::Phone),
        _ => {
            e.push(
                "customer",
                InvalidValue::new(
                    "invalid_format",
                    "give customer_id alone, customer_member_no (with customer_phone for a new member), or customer_phone",
                ),
            );
            None
        }
    }
}

/// Checks the order's own columns, every one of them (each problem goes to
/// `e`, in column order); `None` if any was refused.
fn head_of(head: &CsvRow, stores: &HashMap<String, StoreId>, e: &mut FieldErrors) -> Option<Head> {
    let source = e.check("source", OrderSource::parse(&head.source));
    let external_id = e.check("external_id", ExternalOrderId::parse(&head.external_id));
    let ordered_at = ordered_at_of(e, &head.ordered_at);
    let store = store_of(e, &head.store_code, stores);
    let channel = match opt(&head.channel) {
        None => Some(SalesChannel::Store),
        Some(c) => e.check("channel", SalesChannel::parse(c)),
    };
    let customer = customer_of(e, head);
    let currency = e.check("currency", Currency::parse(&head.currency));
    let amount_paid = decimal(e, "amount_paid", &head.amount_paid, None);
    // A source without payment methods: `unknown` (docs/import.md).
    let payment_method = match opt(&head.payment_method) {
        None => Some(PaymentMethod::Unknown),
        Some(p) => e.check("payment_method", PaymentMethod::parse(p)),
    };
    let coupons: Vec<ShortText> = head
        .coupons
        .split(';')
        .filter(|c| !c.trim().is_empty())
        .filter_map(|c| e.check("coupons", ShortText::parse(c)))
        .collect();
    let points_redeemed = match opt(&head.points_redeemed) {
        None => Some(0),
        Some(v) => e.check(
            "points_redeemed",
            v.parse::<u64>().map_err(|_| InvalidValue::new("invalid_format", "a whole number ≥ 0")),
        ),
    };
    let sold_by = opt(&head.associate_code).and_then(|c| {
        e.check("associate_code", clientele_profiles::Code::parse(c))
            .map(|code| clientele_orders::SoldBy::Code(code.as_str().to_owned()))
    });
    Some(Head {
        source: source?,
        external_id: external_id?,
        ordered_at: ordered_at?,
        store: store?,
        channel: channel?,
        customer: customer?,
        currency: currency?,
        amount_paid: amount_paid?,
        payment_method: payment_method?,
        coupons,
        points_redeemed: points_redeemed?,
        sold_by,
    })
}

/// The order's own columns must be the same on each of its rows: an error
/// for each one that is not.
fn differing_rows(group: &Group, head: &CsvRow, first_line: u64) -> Vec<RowError> {
    let mut errors = Vec::new();
    for (line, row) in group.iter().skip(1) {
        let differs = [
            ("ordered_at", &row.ordered_at, &head.ordered_at),
            ("store_code", &row.store_code, &head.store_code),
            ("associate_code", &row.associate_code, &head.associate_code),
            ("customer_id", &row.customer_id, &head.customer_id),
            ("customer_member_no", &row.customer_member_no, &head.customer_member_no),
            ("customer_phone", &row.customer_phone, &head.customer_phone),
            ("currency", &row.currency, &head.currency),
            ("amount_paid", &row.amount_paid, &head.amount_paid),
        ];
        for (field, a, b) in differs {
            if a.trim() != b.trim() {
                errors.push(RowError {
                    line: *line,
                    field: field.to_owned(),
                    code: "differs".to_owned(),
                    message: format!("differs from line {first_line} of the same order"),
                });
            }
        }
    }
    errors
}

/// The `i`-th row of an order as a line (its id defaults to `i + 1`); its
/// problems go to `e`.
fn order_line(i: usize, row: &CsvRow, e: &mut FieldErrors) -> Option<NewOrderLine> {
    let line_id = match opt(&row.line_id) {
        Some(id) => e.check("line_id", LineId::parse(id)),
        None => LineId::parse(&(i + 1).to_string()).ok(),
    };
    let sku = e.check("sku", Sku::parse(&row.sku));
    let name = opt(&row.product_name).and_then(|n| e.check("product_name", ShortText::parse(n)));
    let category = opt(&row.category).and_then(|c| e.check("category", Label::parse(c)));
    let collection = opt(&row.collection).and_then(|c| e.check("collection", Label::parse(c)));
    let quantity = e.check(
        "quantity",
        row.quantity.trim().parse::<u32>().map_err(|_| InvalidValue::new("invalid_format", "a whole number ≥ 0")),
    );
    let unit_price = decimal(e, "unit_price", &row.unit_price, None);
    let discount = decimal(e, "discount", &row.discount, Some(Decimal::ZERO));
    Some(NewOrderLine {
        line_id: line_id?,
        sku: sku?,
        name,
        category,
        collection,
        quantity: quantity?,
        unit_price: unit_price?,
        discount: discount?,
    })
}

/// The problems of one row, all on its line.
fn row_errors(line: u64, e: &FieldErrors) -> impl Iterator<Item = RowError> + '_ {
    e.iter().map(move |f| RowError {
        line,
        field: f.field.clone(),
        code: f.code.to_owned(),
        message: f.message.clone(),
    })
}

/// Turns the rows of one order into a checked order, or errors with the
/// (line, column) they are about.
pub(super) fn to_order(group: &Group, stores: &HashMap<String, StoreId>) -> Result<Order, Vec<RowError>> {
    let first_line = group.first().map(|(l, _)| *l).unwrap_or(0);
    let Some((_, head)) = group.first() else { return Err(Vec::new()) };
    let mut e = FieldErrors::new();
    let checked = head_of(head, stores, &mut e);
    let mut errors: Vec<RowError> = row_errors(first_line, &e).collect();
    errors.extend(differing_rows(group, head, first_line));
    let mut lines = Vec::with_capacity(group.len());
    for (i, (line, row)) in group.iter().enumerate() {
        let mut le = FieldErrors::new();
        let checked_line = order_line(i, row, &mut le);
        errors.extend(row_errors(*line, &le));
        lines.extend(checked_line);
    }
    let Some(head) = checked.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    let new = NewOrder {
        source: head.source,
        external_id: head.external_id,
        store: head.store,
        channel: head.channel,
        customer: head.customer,
        ordered_at: head.ordered_at,
        currency: head.currency,
        lines,
        amount_paid: head.amount_paid,
        payment_method: head.payment_method,
        coupons: head.coupons,
        coupon_codes: Vec::new(),
        points_redeemed: head.points_redeemed,
        sold_by: head.sold_by,
    };
    let line_numbers: Vec<u64> = group.iter().map(|(l, _)| *l).collect();
    Order::new(new).map_err(|fe| field_errors_to_rows(&fe, &line_numbers))
}

/// Maps `lines[2].quantity` to the third row of the order and its column;
/// order-level fields to the order's first row.
fn field_errors_to_rows(fe: &FieldErrors, lines: &[u64]) -> Vec<RowError> {
    let first = lines.first().copied().unwrap_or(0);
    fe.iter()
        .map(|f| {
            let (line, field) = f
                .field
                .strip_prefix("lines[")
                .and_then(|rest| rest.split_once("]."))
                .and_then(|(i, col)| i.parse::<usize>().ok().map(|i| (lines.get(i).copied().unwrap_or(first), col)))
                .map(|(l, col)| (l, if col == "name" { "product_name".to_owned() } else { col.to_owned() }))
                .unwrap_or((first, f.field.replace("customer.", "customer_").replace("store_id", "store_code")));
            RowError { line, field, code: f.code.to_owned(), message: f.message.clone() }
        })
        .collect()
}

pub(super) fn store_error_to_rows(e: &StoreError, lines: &[u64]) -> Vec<RowError> {
    match e {
        StoreError::Invalid(fe) => field_errors_to_rows(fe, lines),
        other => vec![RowError {
            line: lines.first().copied().unwrap_or(0),
            field: "customer".to_owned(),
            code: "refused".to_owned(),
            message: other.to_string(),
        }],
    }
}

/// The phone of an order's rows, when it comes with a member number (what
/// `--create-customers` gives a new member).
pub(super) fn new_member_phone(group: &Group) -> Option<Phone> {
    let (_, head) = group.first()?;
    opt(&head.customer_member_no)?;
    Phone::parse(opt(&head.customer_phone)?).ok()
}

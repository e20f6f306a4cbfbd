//! Clientele's coupons on an order's lines.

use std::collections::BTreeMap;

use clientele_kernel::{FieldErrors, InvalidValue, LineId};
use rust_decimal::Decimal;

use super::{Order, exceeds_net, money_places, share_paid};

impl Order {
    /// The order with what Clientele's coupons take off each line (in the
    /// order's currency): the line's `discount` grows by it and
    /// `coupon_discount` records it, and the amount paid is shared again
    /// over what the lines come to now. Lines not named keep theirs.
    ///
    /// Refused, naming the field, when a part is negative or has more than
    /// 4 decimals, names no line of the order, or would take a line below
    /// zero — and on `amount_paid` when the amount paid is more than the
    /// lines come to after the coupons (the till charged the customer
    /// without the coupon's discount).
    pub fn with_coupon_discounts(mut self, discounts: &BTreeMap<LineId, Decimal>) -> Result<Order, FieldErrors> {
        let mut e = FieldErrors::new();
        for (line_id, part) in discounts {
            let field = format!("{}.discount", self.line_field(line_id));
            let Some(line) = self.lines.iter_mut().find(|l| &l.line_id == line_id) else {
                e.push("lines", InvalidValue::new("unknown_reference", format!("no line {line_id} in the order")));
                continue;
            };
            if part.is_sign_negative() || !money_places(*part) {
                e.push(field, InvalidValue::new("out_of_range", "a coupon's discount is ≥ 0 with at most 4 decimals"));
                continue;
            }
            line.discount = line.discount.saturating_add(*part);
            line.coupon_discount = line.coupon_discount.saturating_add(*part);
            if line.net_total().is_sign_negative() {
                e.push(field, InvalidValue::new("out_of_range", "the coupons take more off the line than it costs"));
            }
        }
        if !e.is_empty() {
            return Err(e);
        }
        let net: Decimal =
            self.lines.iter().map(super::OrderLine::net_total).fold(Decimal::ZERO, Decimal::saturating_add);
        let allowance: Decimal =
            self.lines.iter().map(super::OrderLine::rounding_allowance).fold(Decimal::ZERO, Decimal::saturating_add);
        if self.amount_paid > net.saturating_add(allowance) {
            e.push("amount_paid", exceeds_net(net, allowance, " after the coupons' discount"));
            return Err(e);
        }
        share_paid(&mut self.lines, self.amount_paid);
        Ok(self)
    }

    /// What Clientele's coupons took off the order, all lines together.
    pub fn coupon_discount(&self) -> Decimal {
        self.lines.iter().map(|l| l.coupon_discount).sum()
    }
}

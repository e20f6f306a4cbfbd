//! Orders as Clientele receives them from POS, e-shop and ERP systems.
//!
//! # Invariant
//!
//! Knows nothing of databases, HTTP, async or the clock. An [`Order`] can
//! only be built valid: at least one line, positive quantities, prices and
//! discounts that make sense, an amount paid that the lines can carry, and
//! — before anything is earned on it — an amount in the program's base
//! currency for every line ([`PricedOrder`]). Amounts are
//! `rust_decimal::Decimal`, never floats.
//!
//! The amount *actually paid* is given for the whole order (after
//! discounts, coupons and points used). [`allocate`] splits it over the
//! lines in proportion to their net prices, to the cent, so that the lines
//! add up exactly to what was paid, the split does not depend on the order
//! in which the lines were sent, and a later return of some lines refers to
//! exactly what those lines cost the customer.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod allocate;
mod business_date;
mod order;
mod sold_by;

pub use allocate::allocate;
pub use business_date::business_date;
pub use order::{
    CustomerRef, ExternalOrderId, FxRate, MAX_ORDER_AMOUNT, MAX_QUANTITY, MAX_UNIT_AMOUNT, NewOrder, NewOrderLine,
    Order, OrderContent, OrderLimits, OrderLine, OrderSource, PaymentMethod, PricedLine, PricedOrder, ReturnLine,
    ReturnRequest, SalesChannel, Sku, UNIT_PRICE_PLACES, price_in_base, rounding_allowance, validate_return,
};
pub use sold_by::{Seller, SoldBy};

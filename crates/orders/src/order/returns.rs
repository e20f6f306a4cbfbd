//! A return as sent, checked against the order's lines.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use clientele_kernel::{FieldErrors, InvalidValue, LineId};
use serde::{Deserialize, Serialize};

use super::{ExternalOrderId, OrderLine, OrderSource};

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
/// the quantity returned so far. A return cannot come before its order
/// (`returned_at` before `ordered_at`).
pub fn validate_return(
    ordered_at: DateTime<Utc>,
    lines: &[OrderLine],
    already_returned: &BTreeMap<LineId, u32>,
    request: &ReturnRequest,
) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::new();
    if request.returned_at < ordered_at {
        e.push(
            "returned_at",
            InvalidValue::new(
                "out_of_range",
                format!("the order was placed at {ordered_at}: a return cannot come before it"),
            ),
        );
    }
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

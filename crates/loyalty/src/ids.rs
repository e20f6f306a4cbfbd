//! Identifiers, all passed in by the caller: this crate never makes one up
//! (that would need randomness or a clock). Each kind has its own type, so a
//! lot id can never be passed where a return id is expected. A line of an
//! order is the kernel's [`LineId`](clientele_kernel::LineId), the id the
//! order came with.

use clientele_kernel::text_id;

text_id!(
    /// Identifies a lot of points (one award). The store chooses it (a UUID,
    /// a sequence number as text) before calling the function that creates
    /// the lot.
    LotId
);
text_id!(
    /// Identifies an order (the store's id for it, stable across retries).
    OrderId
);
text_id!(
    /// Identifies a return (or the return half of an exchange) of an order.
    ReturnId
);
text_id!(
    /// Identifies a redemption (a reservation of points and what became of it).
    RedemptionId
);
text_id!(
    /// Identifies one granting of activity points: a campaign or event and
    /// the occasion it rewarded (e.g. `"spring-salon-2026:member-123"`).
    ActivityId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_trimmed_and_checked() {
        assert_eq!(LotId::parse(" 42 ").unwrap().as_str(), "42");
        assert_eq!(ReturnId::parse("").unwrap_err().code, "required");
        assert_eq!(OrderId::parse(&"9".repeat(129)).unwrap_err().code, "too_long");
        assert!(serde_json::from_str::<RedemptionId>("\"r\\u0000\"").is_err());
        assert!(LotId::parse("10").unwrap() < LotId::parse("9").unwrap(), "ordered as text");
        assert_eq!(ActivityId::parse(" spring  salon ").unwrap().as_str(), "spring salon");
    }
}

//! Free text with limits: [`Reason`] (why an entry was written),
//! [`TierName`] and [`BenefitText`], each one line of bounded length (the
//! kernel's [`bounded_text!`](clientele_kernel::bounded_text)). Who did
//! something is [`clientele_kernel::Actor`]. Lengths are counted in
//! characters, not bytes.

use clientele_kernel::bounded_text;

bounded_text!(
    /// Why a ledger entry, a tier floor or an adjustment was made: one line of
    /// 1..=500 characters. Entries the engine writes itself get a generated
    /// reason ("earned by order 1001").
    Reason,
    500
);

impl Reason {
    /// A reason written by the engine. Ids are at most 128 characters without
    /// control characters, so generated text always fits; it is cut to the
    /// limit all the same.
    pub(crate) fn generated(text: String) -> Reason {
        let text: String = text.chars().take(Self::MAX_CHARS).collect();
        Reason(text)
    }
}

bounded_text!(
    /// A tier's display name ("level 1"), 1..=50 characters.
    TierName,
    50
);

impl TierName {
    /// The plan's name of level `n` ("level 3").
    pub(crate) fn level(n: u8) -> TierName {
        TierName(format!("level {n}"))
    }
}

bounded_text!(
    /// A line of benefit text: a birthday gift, a service privilege
    /// ("private viewing before each collection"), 1..=300 characters.
    BenefitText,
    300
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_collapsed_and_bounded() {
        assert_eq!(Reason::parse("  VIP \n gesture ").unwrap().as_str(), "VIP gesture");
        assert_eq!(Reason::parse("   ").unwrap_err().code, "required");
        assert_eq!(Reason::parse("a\u{7}b").unwrap_err().code, "invalid_format");
        assert_eq!(TierName::parse(&"x".repeat(51)).unwrap_err().code, "too_long");
        assert!(TierName::parse(&"级".repeat(50)).is_ok());
        assert!(serde_json::from_str::<BenefitText>("\"\"").is_err());
        assert_eq!(serde_json::from_str::<BenefitText>("\" li \"").unwrap().as_str(), "li");
        assert_eq!(Reason::generated("r".repeat(600)).as_str().len(), 500);
    }
}

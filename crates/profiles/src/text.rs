//! [`Code`]: the code of a store or a member of staff. The free texts
//! (`ShortText`, `LongText`, `Label`) are [`clientele_kernel::text`]'s.

use clientele_kernel::text::check_length;
use clientele_kernel::{InvalidValue, string_newtype};

/// A code for a store or a member of staff: trimmed, uppercased, 1..=32
/// characters of `A-Z`, `0-9`, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

impl Code {
    /// Longest accepted code, in characters.
    pub const MAX_CHARS: usize = 32;

    /// Normalises and checks.
    pub fn parse(s: &str) -> Result<Code, InvalidValue> {
        let code = check_length(s.trim().to_ascii_uppercase(), Self::MAX_CHARS)?;
        if !code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-') {
            return Err(InvalidValue::new("invalid_format", "may contain only letters A-Z, digits, '_' and '-'"));
        }
        Ok(Code(code))
    }
}
string_newtype!(Code);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_uppercased_and_restricted() {
        assert_eq!(Code::parse(" sh-01_a ").unwrap().as_str(), "SH-01_A");
        assert_eq!(Code::parse("").unwrap_err().code, "required");
        assert_eq!(Code::parse("SH 01").unwrap_err().code, "invalid_format");
        assert_eq!(Code::parse("straße").unwrap_err().code, "invalid_format");
        assert_eq!(Code::parse(&"A".repeat(33)).unwrap_err().code, "too_long");
    }

    #[test]
    fn serde_goes_through_parse() {
        assert!(serde_json::from_str::<Code>("\"a b\"").is_err());
        assert_eq!(serde_json::from_str::<Code>("\" mil-01 \"").unwrap().as_str(), "MIL-01");
    }
}

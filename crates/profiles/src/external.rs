//! A customer's ids in other systems (ERP, e-shop, WeChat openid/unionid).

use clientele_kernel::{InvalidValue, string_newtype};
use serde::{Deserialize, Serialize};

/// Which other system an id belongs to: a slug of `[a-z][a-z0-9_]{0,31}`
/// (input trimmed and lowercased), e.g. `erp`, `eshop`, `wechat_openid`,
/// `wechat_unionid`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExternalSystem(String);

impl ExternalSystem {
    /// Trims, lowercases and checks (code `invalid_format`; empty is
    /// `required`).
    pub fn parse(s: &str) -> Result<ExternalSystem, InvalidValue> {
        let slug = s.trim().to_ascii_lowercase();
        if slug.is_empty() {
            return Err(InvalidValue::new("required", "must not be empty"));
        }
        let starts_with_letter = slug.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        let rest_ok = slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !starts_with_letter || !rest_ok || slug.len() > 32 {
            return Err(InvalidValue::new(
                "invalid_format",
                "must be 1 to 32 characters of a-z, 0-9 and '_', starting with a letter",
            ));
        }
        Ok(ExternalSystem(slug))
    }
}
string_newtype!(ExternalSystem);

/// An id in another system: trimmed, 1 to 128 characters, no whitespace or
/// control characters. Case is kept (WeChat openids are case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExternalValue(String);

impl ExternalValue {
    /// Longest accepted value, in characters.
    pub const MAX_CHARS: usize = 128;

    /// Trims and checks (codes `required`, `too_long`, `invalid_format`).
    pub fn parse(s: &str) -> Result<ExternalValue, InvalidValue> {
        let value = s.trim();
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidValue::new("invalid_format", "must not contain whitespace or control characters"));
        }
        clientele_kernel::text::check_length(value.to_owned(), Self::MAX_CHARS).map(ExternalValue)
    }
}
string_newtype!(ExternalValue);

/// A customer's id in another system, e.g. `erp` / `C-000123`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ExternalId {
    /// The system.
    pub system: ExternalSystem,
    /// The id there.
    pub value: ExternalValue,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systems() {
        assert_eq!(ExternalSystem::parse(" WeChat_OpenID ").unwrap().as_str(), "wechat_openid");
        assert!(ExternalSystem::parse(&format!("a{}", "b".repeat(31))).is_ok());
        for bad in ["1erp", "_erp", "e-shop", "e shop", "ä", &format!("a{}", "b".repeat(32))] {
            assert_eq!(ExternalSystem::parse(bad).unwrap_err().code, "invalid_format", "{bad:?}");
        }
        assert_eq!(ExternalSystem::parse("").unwrap_err().code, "required");
    }

    #[test]
    fn values() {
        assert_eq!(ExternalValue::parse(" oAbC-123 ").unwrap().as_str(), "oAbC-123");
        assert_eq!(ExternalValue::parse("a b").unwrap_err().code, "invalid_format");
        assert_eq!(ExternalValue::parse("").unwrap_err().code, "required");
        assert_eq!(ExternalValue::parse(&"x".repeat(129)).unwrap_err().code, "too_long");
    }

    #[test]
    fn serde() {
        let id =
            ExternalId { system: ExternalSystem::parse("erp").unwrap(), value: ExternalValue::parse("C-1").unwrap() };
        let json = serde_json::to_value(&id).unwrap();
        assert_eq!(json, serde_json::json!({"system": "erp", "value": "C-1"}));
        assert_eq!(serde_json::from_value::<ExternalId>(json).unwrap(), id);
        assert!(serde_json::from_str::<ExternalId>(r#"{"system":"9","value":"x"}"#).is_err());
    }
}

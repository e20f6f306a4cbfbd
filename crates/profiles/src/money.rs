//! Money: a decimal amount with its ISO 4217 currency. Never a float.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::validation::InvalidValue;

/// An ISO 4217 currency code, e.g. `CNY`, `EUR` (three ASCII letters,
/// uppercased).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    /// Trims, uppercases and checks (code `invalid_currency`).
    pub fn parse(s: &str) -> Result<Currency, InvalidValue> {
        let code = s.trim().to_ascii_uppercase();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(InvalidValue::new(
                "invalid_currency",
                "must be a three-letter ISO 4217 currency code, e.g. CNY",
            ));
        }
        Ok(Currency(code))
    }
}
string_newtype!(Currency);

/// An amount of money in a currency. The amount is serialised as a string
/// (`{"amount": "12.50", "currency": "EUR"}`) so no precision is lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount, exact.
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// An amount in a currency.
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse(" cny").unwrap().as_str(), "CNY");
        for bad in ["CN", "CNYY", "C1Y", "", "€"] {
            assert_eq!(Currency::parse(bad).unwrap_err().code, "invalid_currency", "{bad:?}");
        }
    }

    #[test]
    fn money_serialises_amount_as_string() {
        let m = Money::new(Decimal::new(1250, 2), Currency::parse("EUR").unwrap());
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json, serde_json::json!({"amount": "12.50", "currency": "EUR"}));
        assert_eq!(serde_json::from_value::<Money>(json).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"EURO"}"#).is_err());
    }
}

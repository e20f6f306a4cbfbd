//! Money: a decimal amount with its ISO 4217 currency. Never a float.
//! [`Currency`] is also the loyalty programme's base currency.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::validation::InvalidValue;

/// An ISO 4217 currency code, e.g. `CNY`, `EUR` (three ASCII letters,
/// uppercased).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    /// Trims, uppercases and checks against the ISO 4217 list (code
    /// `invalid_currency`). Codes that are not money a till takes (gold,
    /// funds, the test code `XTS`, "no currency" `XXX`) have no minor unit
    /// in the list and are refused too.
    pub fn parse(s: &str) -> Result<Currency, InvalidValue> {
        let code = s.trim().to_ascii_uppercase();
        if iso_minor_units(&code).is_none() {
            return Err(InvalidValue::new(
                "invalid_currency",
                "must be a three-letter ISO 4217 currency code, e.g. CNY",
            ));
        }
        Ok(Currency(code))
    }

    /// Chinese yuan, the plan's base currency.
    pub fn cny() -> Currency {
        Currency("CNY".to_owned())
    }

    /// Decimals of its minor unit: 2 for CNY and EUR, 0 for JPY and KRW, 3 for KWD.
    pub fn minor_units(&self) -> u32 {
        iso_minor_units(&self.0).unwrap_or(2)
    }
}

/// The decimals of an ISO 4217 currency's minor unit, None for a code that is
/// not in the list or is not a currency of payment.
pub fn iso_minor_units(code: &str) -> Option<u32> {
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    iso_currency::Currency::from_code(code)?.exponent().map(u32::from)
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
        assert_eq!(Currency::parse("jpy").unwrap().minor_units(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_units(), 3);
        assert_eq!(Currency::parse("EUR").unwrap().minor_units(), 2);
        for bad in ["CN", "CNYY", "C1Y", "", "€", "XQZ", "ABC", "XTS", "XXX", "XAU"] {
            assert_eq!(Currency::parse(bad).unwrap_err().code, "invalid_currency", "{bad:?}");
        }
        assert_eq!(Currency::parse(" cny").unwrap(), Currency::cny());
        assert_eq!(Currency::cny().minor_units(), 2);
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

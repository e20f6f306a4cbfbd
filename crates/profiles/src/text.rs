//! Free text with limits: [`ShortText`] (one line), [`LongText`] (notes),
//! [`Label`] (short tags of taste and size) and [`Code`] (store and staff
//! codes). Lengths are counted in characters, not bytes.

use crate::validation::InvalidValue;

/// Trims, collapses every run of whitespace (newlines included) to one space,
/// refuses other control characters, and checks the length in characters.
pub(crate) fn single_line(input: &str, max: usize) -> Result<String, InvalidValue> {
    if input.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err(InvalidValue::new("invalid_format", "must not contain control characters"));
    }
    let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
    check_length(collapsed, max)
}

/// Refuses an empty string with `required` and one longer than `max`
/// characters with `too_long`.
pub(crate) fn check_length(s: String, max: usize) -> Result<String, InvalidValue> {
    if s.is_empty() {
        return Err(InvalidValue::new("required", "must not be empty"));
    }
    if s.chars().count() > max {
        return Err(InvalidValue::new("too_long", format!("must be at most {max} characters")));
    }
    Ok(s)
}

/// One line of text: trimmed, whitespace runs (newlines included) collapsed to
/// one space, 1..=200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ShortText(String);

impl ShortText {
    /// Longest accepted text, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Normalises and checks; empty after trimming is `required`.
    pub fn parse(s: &str) -> Result<ShortText, InvalidValue> {
        single_line(s, Self::MAX_CHARS).map(ShortText)
    }
}
string_newtype!(ShortText);

/// Several lines of text (a note): trimmed, 1..=4000 characters; line breaks
/// (`\r\n` and `\r` become `\n`) and tabs are kept, other control characters
/// are refused.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LongText(String);

impl LongText {
    /// Longest accepted text, in characters.
    pub const MAX_CHARS: usize = 4000;

    /// Normalises line breaks, trims and checks.
    pub fn parse(s: &str) -> Result<LongText, InvalidValue> {
        let unified = s.replace("\r\n", "\n").replace('\r', "\n");
        let trimmed = unified.trim();
        if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(InvalidValue::new(
                "invalid_format",
                "must not contain control characters other than line breaks and tabs",
            ));
        }
        check_length(trimmed.to_owned(), Self::MAX_CHARS).map(LongText)
    }
}
string_newtype!(LongText);

/// A short label (a preference such as "likes films", a size such as "EU 38"):
/// the rules of [`ShortText`] with at most 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Label(String);

impl Label {
    /// Longest accepted label, in characters.
    pub const MAX_CHARS: usize = 64;

    /// Normalises and checks; empty after trimming is `required`.
    pub fn parse(s: &str) -> Result<Label, InvalidValue> {
        single_line(s, Self::MAX_CHARS).map(Label)
    }
}
string_newtype!(Label);

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
    fn short_text_trims_and_collapses() {
        let t = ShortText::parse("  Rue \n de\t\tRivoli  ").unwrap();
        assert_eq!(t.as_str(), "Rue de Rivoli");
        assert_eq!(ShortText::parse(t.as_str()), Ok(t));
        assert_eq!(ShortText::parse(" \n ").unwrap_err().code, "required");
        assert_eq!(ShortText::parse("a\u{7}b").unwrap_err().code, "invalid_format");
    }

    #[test]
    fn short_text_counts_chars_not_bytes() {
        assert!(ShortText::parse(&"王".repeat(200)).is_ok());
        assert_eq!(ShortText::parse(&"王".repeat(201)).unwrap_err().code, "too_long");
        assert_eq!(Label::parse(&"x".repeat(64)).unwrap().as_str().len(), 64);
        assert_eq!(Label::parse(&"x".repeat(65)).unwrap_err().code, "too_long");
    }

    #[test]
    fn long_text_keeps_lines_and_tabs() {
        let t = LongText::parse("  first line\r\n\tsecond\rthird \n").unwrap();
        assert_eq!(t.as_str(), "first line\n\tsecond\nthird");
        assert_eq!(LongText::parse(t.as_str()), Ok(t));
        assert_eq!(LongText::parse("a\u{0}b").unwrap_err().code, "invalid_format");
        assert_eq!(LongText::parse("").unwrap_err().code, "required");
        assert!(LongText::parse(&"é".repeat(4000)).is_ok());
        assert_eq!(LongText::parse(&"é".repeat(4001)).unwrap_err().code, "too_long");
    }

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
        let t: ShortText = serde_json::from_str("\"  a   b \"").unwrap();
        assert_eq!(t.as_str(), "a b");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"a b\"");
        assert!(serde_json::from_str::<ShortText>("\"   \"").is_err());
        assert!(serde_json::from_str::<Code>("\"a b\"").is_err());
    }
}

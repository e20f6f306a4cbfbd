//! Free text with limits: [`ShortText`] (one line), [`LongText`] (notes),
//! [`Label`] (short tags of taste and size) and [`Actor`] (who did
//! something), and the two rules every bounded text of the domain crates is
//! built from ([`single_line`], [`check_length`]). Lengths are counted in
//! characters, not bytes.

use crate::validation::InvalidValue;

/// Trims, collapses every run of whitespace (newlines included) to one space,
/// refuses other control characters, and checks the length in characters
/// (codes `invalid_format`, `required`, `too_long`).
pub fn single_line(input: &str, max: usize) -> Result<String, InvalidValue> {
    if input.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err(InvalidValue::new("invalid_format", "must not contain control characters"));
    }
    let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
    check_length(collapsed, max)
}

/// Refuses an empty string with `required` and one longer than `max`
/// characters with `too_long`.
pub fn check_length(s: String, max: usize) -> Result<String, InvalidValue> {
    if s.is_empty() {
        return Err(InvalidValue::new("required", "must not be empty"));
    }
    if s.chars().count() > max {
        return Err(InvalidValue::new("too_long", format!("must be at most {max} characters")));
    }
    Ok(s)
}

bounded_text!(
    /// One line of text: trimmed, whitespace runs (newlines included)
    /// collapsed to one space, 1..=200 characters, no control characters.
    ShortText,
    200
);

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

bounded_text!(
    /// A short label (a preference such as "likes films", a size such as
    /// "EU 38"): the rules of [`ShortText`] with at most 64 characters.
    Label,
    64
);

/// Who did something: an API key's name, or `system` for the engine itself.
/// Trimmed, 1 to 200 characters, no control characters; inner spaces are
/// kept as they are, so an actor is exactly the key name it came from. It
/// sets tags, records interactions, adjusts points and sets tier floors.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Actor(String);

impl Actor {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Checks a name.
    pub fn new(name: impl Into<String>) -> Result<Actor, InvalidValue> {
        Actor::parse(&name.into())
    }

    /// Checks a name (same as [`Actor::new`]).
    pub fn parse(s: &str) -> Result<Actor, InvalidValue> {
        let name = s.trim();
        if name.chars().any(char::is_control) {
            return Err(InvalidValue::new("invalid_format", "must not contain control characters"));
        }
        check_length(name.to_owned(), Self::MAX_CHARS).map(Actor)
    }

    /// The engine itself (rules, imports, merges).
    pub fn system() -> Actor {
        Actor("system".to_owned())
    }
}
string_newtype!(Actor);

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
    fn serde_goes_through_parse() {
        let t: ShortText = serde_json::from_str("\"  a   b \"").unwrap();
        assert_eq!(t.as_str(), "a b");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"a b\"");
        assert!(serde_json::from_str::<ShortText>("\"   \"").is_err());
    }

    #[test]
    fn actors() {
        assert_eq!(Actor::system().as_str(), "system");
        assert_eq!(Actor::new("").unwrap_err().code, "required");
        assert_eq!(Actor::new("x".repeat(201)).unwrap_err().code, "too_long");
        assert_eq!(Actor::new("pos-milan").unwrap().as_str(), "pos-milan");
        assert!(serde_json::from_str::<Actor>("\"\"").is_err());
        assert_eq!(serde_json::from_str::<Actor>("\" li \"").unwrap().as_str(), "li");
    }

    #[test]
    fn an_actor_is_the_key_name_as_it_is() {
        // An API key's name passes `Actor::parse` when the key is made; the
        // actor its calls record (tags, interactions, points, tier floors)
        // is that name unchanged.
        assert_eq!(Actor::parse("ops  team").unwrap().as_str(), "ops  team");
        assert_eq!(Actor::parse("ops\tteam").unwrap_err().code, "invalid_format");
        assert_eq!(Actor::parse("ops\nteam").unwrap_err().code, "invalid_format");
    }
}

//! Coupon codes: random, not sequential, not guessable, typed by people.
//!
//! # The alphabet
//!
//! Generated codes use Crockford's base32: `0-9 A-Z` without `I`, `L`, `O`
//! and `U` (32 symbols, 5 bits each). The letters a person confuses with
//! digits are left out, and so is `U` (so that no generated code spells a
//! rude word by accident).
//!
//! # Entropy
//!
//! Each symbol is 5 bits drawn uniformly from the generator passed in (32
//! is a power of two: no bias). The default is 12 symbols, **60 bits**
//! (about 10^18 codes): guessing one valid code among a million issued
//! takes on average 5 × 10^11 tries. The length is configurable from
//! [`CodeFormat::MIN_SYMBOLS`] = 8 symbols (**40 bits**) to
//! [`CodeFormat::MAX_SYMBOLS`] = 24 (120 bits). The brand prefix adds no
//! entropy. The generator must be a cryptographically secure one in
//! production (the app passes the operating system's); tests pass a seeded
//! one.
//!
//! # The canonical form
//!
//! [`normalize`] gives the form codes are stored and compared in: case is
//! ignored, separators are ignored (spaces, hyphens, underscores, dots, and
//! their full-width forms a Chinese keyboard types), and confusable
//! letters are read as Crockford reads them: `O` → `0`, `I` and `L` → `1`.
//! So `ch-abcd efgh.ijkl` and `CHABCDEFGH1JK1` are the same code.
//!
//! A generated code is already canonical. A code imported from a brand's
//! file may use any of `A-Z 0-9` (so `U` too) with separators; after
//! normalisation it is 4 to 32 characters from `0-9 A-Z` without `I`, `L`,
//! `O`. Normalising a canonical code gives it back unchanged (normalisation
//! is idempotent), so the store keeps the canonical form under a unique
//! index, and may keep the imported text beside it for display.
//!
//! # Collisions
//!
//! [`generate_batch`] draws again when a code is already taken (in the set
//! passed in, or earlier in the batch). Two batches generated at once can
//! still collide: the store's unique index on the canonical code decides,
//! and the app draws again for the rows it refuses.

use std::collections::BTreeSet;
use std::fmt;

use rand::RngCore;
use serde::{Deserialize, Serialize};

/// The 32 symbols of a generated code, in Crockford's order.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Why a code (or a code format) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Nothing but separators.
    #[error("a coupon code is required")]
    Empty,
    /// Fewer than 4 symbols once separators are removed.
    #[error("a coupon code has at least {min} characters, not {found}")]
    TooShort {
        /// The minimum.
        min: usize,
        /// Symbols found.
        found: usize,
    },
    /// More than 32 symbols once separators are removed.
    #[error("a coupon code has at most {max} characters, not {found}")]
    TooLong {
        /// The maximum.
        max: usize,
        /// Symbols found.
        found: usize,
    },
    /// A character that is neither a letter, a digit nor a separator.
    #[error("a coupon code may not contain {character:?}")]
    InvalidCharacter {
        /// The character refused.
        character: char,
    },
    /// A code format out of range; `field` is `prefix`, `symbols` or
    /// `group`.
    #[error("{field}: {reason}")]
    InvalidFormat {
        /// The setting refused.
        field: &'static str,
        /// Why, in words.
        reason: String,
    },
    /// A batch could not find enough free codes: the format is too short
    /// for the number of codes already taken.
    #[error("only {produced} free codes found of {wanted}: use more symbols")]
    Exhausted {
        /// Codes asked for.
        wanted: usize,
        /// Codes found.
        produced: usize,
    },
}

impl CodeError {
    /// A stable machine-readable code (the API serves it as it is).
    pub fn code(&self) -> &'static str {
        match self {
            CodeError::Empty => "coupon_code_required",
            CodeError::TooShort { .. } => "coupon_code_too_short",
            CodeError::TooLong { .. } => "coupon_code_too_long",
            CodeError::InvalidCharacter { .. } => "coupon_code_invalid_character",
            CodeError::InvalidFormat { .. } => "invalid_code_format",
            CodeError::Exhausted { .. } => "coupon_code_space_exhausted",
        }
    }
}

/// A coupon code in canonical form (see the module's documentation):
/// 4 to 32 characters of `0-9 A-Z` without `I`, `L`, `O`. Built only by
/// [`normalize`] and the generators; deserialising normalises.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CouponCode(String);

impl CouponCode {
    /// Fewest symbols of a code.
    pub const MIN_CHARS: usize = 4;
    /// Most symbols of a code.
    pub const MAX_CHARS: usize = 32;

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code in groups of `group` symbols joined by hyphens, for reading
    /// (`ABCD-EFGH-JKMN`); 0 means no grouping. [`normalize`] reads it back
    /// as the same code.
    pub fn grouped(&self, group: usize) -> String {
        group_symbols(&self.0, group)
    }
}

fn group_symbols(text: &str, group: usize) -> String {
    if group == 0 {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(group).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

impl fmt::Display for CouponCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CouponCode {
    type Error = CodeError;

    fn try_from(s: String) -> Result<CouponCode, CodeError> {
        normalize(&s)
    }
}

impl From<CouponCode> for String {
    fn from(code: CouponCode) -> String {
        code.0
    }
}

/// True for the characters a code's reader skips.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '-' | '_' | '.' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{3000}')
}

/// Reads one character of a code: separators give `None`, full-width forms
/// their ASCII letter or digit, letters are uppercased and the confusable
/// ones read as digits.
fn canonical_char(c: char) -> Result<Option<char>, CodeError> {
    let c = match c {
        // Full-width ASCII (a Chinese IME's ＡＢＣ１２３): the ASCII character.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    if is_separator(c) {
        return Ok(None);
    }
    match c.to_ascii_uppercase() {
        'O' => Ok(Some('0')),
        'I' | 'L' => Ok(Some('1')),
        u @ ('0'..='9' | 'A'..='Z') => Ok(Some(u)),
        _ => Err(CodeError::InvalidCharacter { character: c }),
    }
}

/// The canonical form of a code as a person typed it or a brand's file
/// holds it (see the module's documentation). Idempotent:
/// `normalize(normalize(s)?.as_str()) == normalize(s)`.
pub fn normalize(input: &str) -> Result<CouponCode, CodeError> {
    let mut text = String::with_capacity(input.len());
    for c in input.chars() {
        if let Some(c) = canonical_char(c)? {
            text.push(c);
        }
    }
    let found = text.chars().count();
    if found == 0 {
        return Err(CodeError::Empty);
    }
    if found < CouponCode::MIN_CHARS {
        return Err(CodeError::TooShort { min: CouponCode::MIN_CHARS, found });
    }
    if found > CouponCode::MAX_CHARS {
        return Err(CodeError::TooLong { max: CouponCode::MAX_CHARS, found });
    }
    Ok(CouponCode(text))
}

/// How generated codes look: an optional brand prefix, a number of random
/// symbols, and the size of the groups they are shown in. The prefix is
/// 1..=8 characters of the canonical alphabet (no `I`, `L`, `O`, which
/// would be read as digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "CodeFormatParts", into = "CodeFormatParts")]
pub struct CodeFormat {
    prefix: Option<String>,
    symbols: usize,
    group: usize,
}

/// The serialised form of a [`CodeFormat`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeFormatParts {
    /// The brand's prefix (`"LX"`), uppercased.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Random symbols, 8..=24 (5 bits each).
    pub symbols: usize,
    /// Symbols per group when shown, 0 for none.
    pub group: usize,
}

impl CodeFormat {
    /// Fewest random symbols: 8 × 5 = 40 bits.
    pub const MIN_SYMBOLS: usize = 8;
    /// Most random symbols: 24 × 5 = 120 bits.
    pub const MAX_SYMBOLS: usize = 24;
    /// The default: 12 symbols, 60 bits.
    pub const DEFAULT_SYMBOLS: usize = 12;
    /// Longest prefix.
    pub const MAX_PREFIX: usize = 8;

    /// Checks the settings (error [`CodeError::InvalidFormat`] naming the
    /// field). The prefix is uppercased; `group` is at most 8.
    pub fn new(prefix: Option<&str>, symbols: usize, group: usize) -> Result<CodeFormat, CodeError> {
        let invalid = |field, reason: &str| CodeError::InvalidFormat { field, reason: reason.to_owned() };
        let prefix = prefix.map(|p| p.trim().to_ascii_uppercase()).filter(|p| !p.is_empty());
        if let Some(p) = &prefix {
            if p.chars().count() > Self::MAX_PREFIX {
                return Err(invalid("prefix", "a prefix has at most 8 characters"));
            }
            if !p.bytes().all(|b| ALPHABET.contains(&b) || b == b'U') {
                return Err(invalid("prefix", "a prefix uses 0-9 and A-Z without I, L and O"));
            }
        }
        if !(Self::MIN_SYMBOLS..=Self::MAX_SYMBOLS).contains(&symbols) {
            return Err(invalid("symbols", "between 8 (40 bits) and 24 (120 bits) random symbols"));
        }
        if group > 8 {
            return Err(invalid("group", "groups of at most 8 symbols, or 0 for none"));
        }
        Ok(CodeFormat { prefix, symbols, group })
    }

    /// The prefix, if any.
    pub fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    /// Random symbols per code.
    pub fn symbols(&self) -> usize {
        self.symbols
    }

    /// Bits of entropy of a code: 5 per random symbol.
    pub fn entropy_bits(&self) -> usize {
        self.symbols * 5
    }

    /// A code as shown to a customer: the prefix as its own group, then the
    /// rest in groups (`LX-ABCD-EFGH-JKMN`). [`normalize`] reads it back as
    /// the same code.
    pub fn display(&self, code: &CouponCode) -> String {
        match self.prefix.as_deref().and_then(|p| code.as_str().strip_prefix(p).map(|rest| (p, rest))) {
            Some((p, rest)) if self.group > 0 => format!("{p}-{}", group_symbols(rest, self.group)),
            _ => code.grouped(self.group),
        }
    }
}

impl Default for CodeFormat {
    /// No prefix, 12 symbols (60 bits), groups of 4.
    fn default() -> CodeFormat {
        CodeFormat { prefix: None, symbols: Self::DEFAULT_SYMBOLS, group: 4 }
    }
}

impl TryFrom<CodeFormatParts> for CodeFormat {
    type Error = CodeError;

    fn try_from(parts: CodeFormatParts) -> Result<CodeFormat, CodeError> {
        CodeFormat::new(parts.prefix.as_deref(), parts.symbols, parts.group)
    }
}

impl From<CodeFormat> for CodeFormatParts {
    fn from(format: CodeFormat) -> CodeFormatParts {
        CodeFormatParts { prefix: format.prefix, symbols: format.symbols, group: format.group }
    }
}

/// One new code: the prefix and `format.symbols()` symbols, each 5 bits of
/// `rng` (12 symbols per 64-bit draw). Already canonical.
pub fn generate(rng: &mut impl RngCore, format: &CodeFormat) -> CouponCode {
    let mut text = format.prefix.clone().unwrap_or_default();
    let mut left = format.symbols;
    while left > 0 {
        let mut bits = rng.next_u64();
        for _ in 0..left.min(12) {
            text.push(char::from(ALPHABET[(bits & 31) as usize]));
            bits >>= 5;
        }
        left = left.saturating_sub(12);
    }
    CouponCode(text)
}

/// `count` new codes, all different from each other and from `taken`
/// (the codes the store already holds for this brand), in the order drawn.
/// A code drawn twice is drawn again; after `4 × count + 64` draws without
/// enough free codes it gives up with [`CodeError::Exhausted`] (with 40 bits
/// or more that needs about 10^12 codes taken).
pub fn generate_batch(
    rng: &mut impl RngCore,
    format: &CodeFormat,
    count: usize,
    taken: &BTreeSet<CouponCode>,
) -> Result<Vec<CouponCode>, CodeError> {
    let mut made = BTreeSet::new();
    let mut codes = Vec::with_capacity(count);
    let mut draws = 0_usize;
    let budget = count.saturating_mul(4).saturating_add(64);
    while codes.len() < count {
        if draws == budget {
            return Err(CodeError::Exhausted { wanted: count, produced: codes.len() });
        }
        draws += 1;
        let code = generate(rng, format);
        if !taken.contains(&code) && made.insert(code.clone()) {
            codes.push(code);
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn normalisation_reads_what_people_type() {
        let code = normalize("ch-abcd efgh.ijkl").unwrap();
        assert_eq!(code.as_str(), "CHABCDEFGH1JK1");
        assert_eq!(normalize("CH_ABCD-EFGH-1JK1").unwrap(), code);
        assert_eq!(normalize("ｃｈ－ＡＢＣＤ　ＥＦＧＨ　ＩＪＫＬ").unwrap(), code);
        assert_eq!(normalize("lo1i-0OlI").unwrap().as_str(), "10110011");
        assert_eq!(normalize("WELCOME10").unwrap().as_str(), "WE1C0ME10");
        assert_eq!(normalize("summer-2026").unwrap().as_str(), "SUMMER2026");
        assert_eq!(normalize(" - . ").unwrap_err(), CodeError::Empty);
        assert_eq!(normalize("AB-C").unwrap_err(), CodeError::TooShort { min: 4, found: 3 });
        assert_eq!(normalize(&"A".repeat(33)).unwrap_err().code(), "coupon_code_too_long");
        assert_eq!(normalize("ABC/D").unwrap_err(), CodeError::InvalidCharacter { character: '/' });
        assert_eq!(normalize("ÄBCD").unwrap_err().code(), "coupon_code_invalid_character");
        assert_eq!(serde_json::from_str::<CouponCode>("\"abcd-efgh\"").unwrap().as_str(), "ABCDEFGH");
        assert!(serde_json::from_str::<CouponCode>("\"ab\"").is_err());
    }

    #[test]
    fn generated_codes_are_canonical_and_shown_in_groups() {
        let mut rng = StdRng::seed_from_u64(7);
        let format = CodeFormat::new(Some("ch"), 12, 4).unwrap();
        assert_eq!(format.entropy_bits(), 60);
        let code = generate(&mut rng, &format);
        assert_eq!(code.as_str().len(), 14);
        assert!(code.as_str().starts_with("CH"));
        assert_eq!(normalize(code.as_str()).unwrap(), code);
        let shown = format.display(&code);
        assert_eq!(shown.len(), 17);
        assert_eq!(&shown[..3], "CH-");
        assert_eq!(normalize(&shown).unwrap(), code);
        assert_eq!(CodeFormat::default().entropy_bits(), 60);
        assert_eq!(generate(&mut rng, &CodeFormat::new(None, 24, 0).unwrap()).as_str().len(), 24);
    }

    #[test]
    fn formats_are_checked() {
        assert_eq!(CodeFormat::new(None, 7, 4).unwrap_err().code(), "invalid_code_format");
        assert!(CodeFormat::new(None, 25, 4).is_err());
        assert!(CodeFormat::new(None, 8, 9).is_err());
        assert!(matches!(CodeFormat::new(Some("LV"), 8, 4), Err(CodeError::InvalidFormat { field: "prefix", .. })));
        assert!(CodeFormat::new(Some("ABCDEFGHJ"), 8, 4).is_err());
        assert_eq!(CodeFormat::new(Some("  "), 8, 4).unwrap().prefix(), None);
        let json = serde_json::to_value(CodeFormat::default()).unwrap();
        assert_eq!(serde_json::from_value::<CodeFormat>(json).unwrap(), CodeFormat::default());
    }

    #[test]
    fn a_batch_avoids_taken_codes_and_gives_up_when_there_are_none() {
        let format = CodeFormat::new(None, 8, 4).unwrap();
        let taken: BTreeSet<CouponCode> =
            generate_batch(&mut StdRng::seed_from_u64(1), &format, 50, &BTreeSet::new()).unwrap().into_iter().collect();
        // The same seed draws the same codes first: all taken, so redrawn.
        let again = generate_batch(&mut StdRng::seed_from_u64(1), &format, 100, &taken).unwrap();
        assert_eq!(again.len(), 100);
        assert!(again.iter().all(|c| !taken.contains(c)));
        /// A generator that always gives the same number.
        struct Stuck;
        impl RngCore for Stuck {
            fn next_u32(&mut self) -> u32 {
                0
            }
            fn next_u64(&mut self) -> u64 {
                0
            }
            fn fill_bytes(&mut self, dest: &mut [u8]) {
                dest.fill(0);
            }
        }
        assert_eq!(
            generate_batch(&mut Stuck, &format, 3, &BTreeSet::new()).unwrap_err(),
            CodeError::Exhausted { wanted: 3, produced: 1 }
        );
    }
}

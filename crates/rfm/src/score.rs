//! [`Score`] (one dimension, 1..=5, higher is better) and [`RfmScore`]
//! (recency, frequency, monetary together).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::RfmError;

/// A score on one dimension: 1 (worst) to 5 (best). For recency "best"
/// means "most recent". Serialised as the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Score(u8);

impl Score {
    /// The lowest score, 1.
    pub const MIN: Score = Score(1);
    /// The highest score, 5.
    pub const MAX: Score = Score(5);
    /// The five scores, lowest first.
    pub const ALL: [Score; 5] = [Score(1), Score(2), Score(3), Score(4), Score(5)];

    /// Checks `1..=5` (code `invalid_score`).
    pub const fn new(value: u8) -> Result<Score, RfmError> {
        if value >= 1 && value <= 5 { Ok(Score(value)) } else { Err(RfmError::InvalidScore(value)) }
    }

    /// The score for a literal in a constant; fails the build if out of range.
    pub(crate) const fn literal(value: u8) -> Score {
        assert!(value >= 1 && value <= 5, "a score is 1..=5");
        Score(value)
    }

    /// The score reached by `steps` steps up from 1, capped at 5.
    pub(crate) const fn from_steps(steps: usize) -> Score {
        if steps >= 4 { Score(5) } else { Score(steps as u8 + 1) }
    }

    /// The number, 1..=5.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// 0 for score 1 … 4 for score 5.
    pub(crate) const fn index(self) -> usize {
        self.0 as usize - 1
    }
}

impl TryFrom<u8> for Score {
    type Error = RfmError;

    fn try_from(value: u8) -> Result<Score, RfmError> {
        Score::new(value)
    }
}

impl From<Score> for u8 {
    fn from(score: Score) -> u8 {
        score.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The three scores of one customer. Displayed (and parsed) as the usual
/// three-digit cell code, recency first: `"545"`. Serialised as
/// `{"r": 5, "f": 4, "m": 5}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RfmScore {
    r: Score,
    f: Score,
    m: Score,
}

impl RfmScore {
    /// The number of combinations, 5 × 5 × 5.
    pub const COMBINATIONS: usize = 125;

    /// The three scores together.
    pub const fn new(r: Score, f: Score, m: Score) -> RfmScore {
        RfmScore { r, f, m }
    }

    /// Recency: 5 for the most recent purchases.
    pub const fn r(self) -> Score {
        self.r
    }

    /// Frequency: 5 for the most orders.
    pub const fn f(self) -> Score {
        self.f
    }

    /// Monetary: 5 for the most paid.
    pub const fn m(self) -> Score {
        self.m
    }

    /// The position of this combination in (r, f, m) order, 0..125.
    pub const fn index(self) -> usize {
        self.r.index() * 25 + self.f.index() * 5 + self.m.index()
    }

    /// The combination at `index` (0..125) of (r, f, m) order; indices past
    /// the end are taken modulo 125.
    pub const fn from_index(index: usize) -> RfmScore {
        let i = index % Self::COMBINATIONS;
        RfmScore { r: Score::from_steps(i / 25), f: Score::from_steps((i / 5) % 5), m: Score::from_steps(i % 5) }
    }

    /// Every combination, 111 to 555, in (r, f, m) order.
    pub fn all() -> impl ExactSizeIterator<Item = RfmScore> {
        (0..Self::COMBINATIONS).map(RfmScore::from_index)
    }
}

impl fmt::Display for RfmScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.r, self.f, self.m)
    }
}

impl FromStr for RfmScore {
    type Err = RfmError;

    /// Parses the three-digit cell code, e.g. `"545"` (code `invalid_score`).
    fn from_str(s: &str) -> Result<RfmScore, RfmError> {
        let digits: Vec<u8> = s.trim().bytes().collect();
        let [r, f, m] = digits.as_slice() else {
            return Err(RfmError::InvalidScore(0));
        };
        let digit = |b: u8| if b.is_ascii_digit() { Score::new(b - b'0') } else { Err(RfmError::InvalidScore(0)) };
        Ok(RfmScore::new(digit(*r)?, digit(*f)?, digit(*m)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_one_to_five() {
        assert_eq!(Score::new(0), Err(RfmError::InvalidScore(0)));
        assert_eq!(Score::new(6), Err(RfmError::InvalidScore(6)));
        assert_eq!(Score::ALL.map(Score::get), [1, 2, 3, 4, 5]);
        assert_eq!(Score::from_steps(0), Score::MIN);
        assert_eq!(Score::from_steps(9), Score::MAX);
        assert!(serde_json::from_str::<Score>("0").is_err());
        assert_eq!(serde_json::from_str::<Score>("4").unwrap().get(), 4);
    }

    #[test]
    fn combinations_are_indexed_in_r_f_m_order() {
        let all: Vec<RfmScore> = RfmScore::all().collect();
        assert_eq!(all.len(), 125);
        assert_eq!(all[0].to_string(), "111");
        assert_eq!(all[1].to_string(), "112");
        assert_eq!(all[5].to_string(), "121");
        assert_eq!(all[124].to_string(), "555");
        for (i, score) in all.iter().enumerate() {
            assert_eq!(score.index(), i);
        }
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(sorted, all);
    }

    #[test]
    fn cell_codes_parse_and_print() {
        let s: RfmScore = "545".parse().unwrap();
        assert_eq!((s.r().get(), s.f().get(), s.m().get()), (5, 4, 5));
        assert_eq!(s.to_string(), "545");
        assert!("54".parse::<RfmScore>().is_err());
        assert!("065".parse::<RfmScore>().is_err());
        assert!("5a5".parse::<RfmScore>().is_err());
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"r":5,"f":4,"m":5}"#);
        assert_eq!(serde_json::from_str::<RfmScore>(&json).unwrap(), s);
        assert!(serde_json::from_str::<RfmScore>(r#"{"r":6,"f":4,"m":5}"#).is_err());
    }
}

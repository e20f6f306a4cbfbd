//! The eleven named [`Segment`]s and the [`SegmentMap`] that assigns each
//! of the 125 score combinations to exactly one of them.
//!
//! A map is a list of [`SegmentRule`]s, each a box of score ranges
//! (`r` in a..=b, `f` in c..=d, `m` in e..=g) naming one segment. Rules are
//! not applied first-match-wins: a map is accepted only if every
//! combination falls in the boxes of exactly one segment and every segment
//! gets at least one combination ([`SegmentMap::new`] lists what is wrong
//! otherwise). So the order of the rules never matters, and no rule can be
//! shadowed by an earlier one — the trap of the rule tables copied around
//! the web, where several segments can never be reached.
//!
//! # The default map
//!
//! [`SegmentMap::default`] (rows: recency; `f`, `m`: frequency and
//! monetary scores; every cell of the 5 × 5 × 5 cube is covered once):
//!
//! | R | F | M | Segment | Cells |
//! |---|---|---|---|---|
//! | 4–5 | 4–5 | 4–5 | Champions | 8 |
//! | 4–5 | 4–5 | 1–3 | Loyal Customers | 12 |
//! | 3 | 4–5 | 3–5 | Loyal Customers | 6 |
//! | 4–5 | 2–3 | any | Potential Loyalists | 20 |
//! | 5 | 1 | any | New Customers | 5 |
//! | 4 | 1 | any | Promising | 5 |
//! | 3 | 2–3 | any | Need Attention | 10 |
//! | 3 | 4–5 | 1–2 | Need Attention | 4 |
//! | 3 | 1 | any | About to Sleep | 5 |
//! | 2 | 1–2 | 1–3 | About to Sleep | 6 |
//! | 2 | 3 | 1–2 | About to Sleep | 2 |
//! | 2 | 3–5 | 3–5 | At Risk | 9 |
//! | 2 | 4–5 | 1–2 | At Risk | 4 |
//! | 2 | 1–2 | 4–5 | At Risk | 4 |
//! | 1 | 3 | 3–5 | At Risk | 3 |
//! | 1 | 4–5 | 3 | At Risk | 2 |
//! | 1 | 4–5 | 4–5 | Can't Lose Them | 4 |
//! | 1 | 1–2 | 3–5 | Hibernating | 6 |
//! | 1 | 3–5 | 1–2 | Hibernating | 6 |
//! | 1 | 1–2 | 1–2 | Lost | 4 |
//!
//! In words: recent customers (R 4–5) are New (first order, R 5),
//! Promising (first order, R 4), Potential Loyalists (2nd–3rd frequency
//! band), and among frequent buyers Champions (high spend) or Loyal
//! Customers. In the middle (R 3), frequent buyers who spend stay Loyal,
//! first-timers are About to Sleep, the rest Need Attention. Cooling off
//! (R 2), those who bought often or spent a lot are At Risk, the others
//! About to Sleep. Lapsed (R 1), the best buyers are Can't Lose Them, good
//! ones At Risk, the lowest Lost, the rest (low frequency or low spend)
//! Hibernating. The table is checked when the crate is compiled: a gap, an
//! overlap or an unreachable segment fails the build.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{RfmError, SegmentConflict, SegmentMapProblems};
use crate::score::{RfmScore, Score};

/// A named RFM segment. Serialised as its stable snake_case [`code`]
/// (`"champions"`, …, `"cant_lose_them"`); shown to people by its
/// [`display_name`]. Ordered as declared (best first, roughly).
///
/// [`code`]: Segment::code
/// [`display_name`]: Segment::display_name
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// Bought recently, buy often and spend the most.
    Champions,
    /// Buy often and spend well; still reasonably recent.
    LoyalCustomers,
    /// Recent customers with a few orders: could become loyal.
    PotentialLoyalists,
    /// Bought for the first time, very recently.
    NewCustomers,
    /// Recent first-time buyers, a little less recent than new customers.
    Promising,
    /// Middling recency with average frequency, or frequent but low spend.
    NeedAttention,
    /// Below-average recency and frequency: slipping away.
    AboutToSleep,
    /// Bought often or spent a lot, but a while ago.
    AtRisk,
    /// The best buyers of the past, gone the longest.
    CantLoseThem,
    /// Gone a long time, with low frequency or low spend.
    Hibernating,
    /// Lowest recency, frequency and spend.
    Lost,
}

impl Segment {
    /// Every segment, in declaration order.
    pub const ALL: [Segment; 11] = [
        Segment::Champions,
        Segment::LoyalCustomers,
        Segment::PotentialLoyalists,
        Segment::NewCustomers,
        Segment::Promising,
        Segment::NeedAttention,
        Segment::AboutToSleep,
        Segment::AtRisk,
        Segment::CantLoseThem,
        Segment::Hibernating,
        Segment::Lost,
    ];

    /// The number of segments.
    pub const COUNT: usize = 11;

    /// The stable machine code, as in JSON and in the database.
    pub const fn code(self) -> &'static str {
        match self {
            Segment::Champions => "champions",
            Segment::LoyalCustomers => "loyal_customers",
            Segment::PotentialLoyalists => "potential_loyalists",
            Segment::NewCustomers => "new_customers",
            Segment::Promising => "promising",
            Segment::NeedAttention => "need_attention",
            Segment::AboutToSleep => "about_to_sleep",
            Segment::AtRisk => "at_risk",
            Segment::CantLoseThem => "cant_lose_them",
            Segment::Hibernating => "hibernating",
            Segment::Lost => "lost",
        }
    }

    /// The name shown to people (English).
    pub const fn display_name(self) -> &'static str {
        match self {
            Segment::Champions => "Champions",
            Segment::LoyalCustomers => "Loyal Customers",
            Segment::PotentialLoyalists => "Potential Loyalists",
            Segment::NewCustomers => "New Customers",
            Segment::Promising => "Promising",
            Segment::NeedAttention => "Need Attention",
            Segment::AboutToSleep => "About to Sleep",
            Segment::AtRisk => "At Risk",
            Segment::CantLoseThem => "Can't Lose Them",
            Segment::Hibernating => "Hibernating",
            Segment::Lost => "Lost",
        }
    }

    /// 0 for the first segment of [`Segment::ALL`] … 10 for the last.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Every code, comma-separated (for messages).
    pub(crate) fn codes_joined() -> String {
        Segment::ALL.map(Segment::code).join(", ")
    }
}

impl fmt::Display for Segment {
    /// The code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Segment {
    type Err = RfmError;

    /// Parses a code (code `unknown_segment`).
    fn from_str(s: &str) -> Result<Segment, RfmError> {
        Segment::ALL.into_iter().find(|seg| seg.code() == s).ok_or_else(|| RfmError::UnknownSegment(s.to_owned()))
    }
}

impl Serialize for Segment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Segment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Segment, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

/// An inclusive range of scores, `min..=max` with `min <= max`. Serialised
/// as `{"min": 4, "max": 5}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ScoreRangeParts", into = "ScoreRangeParts")]
pub struct ScoreRange {
    min: Score,
    max: Score,
}

/// The fields of a [`ScoreRange`], unchecked (for serde).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoreRangeParts {
    min: Score,
    max: Score,
}

impl ScoreRange {
    /// Every score, 1..=5.
    pub const ANY: ScoreRange = ScoreRange { min: Score::MIN, max: Score::MAX };

    /// Checks `min <= max` (code `invalid_score_range`).
    pub const fn new(min: Score, max: Score) -> Result<ScoreRange, RfmError> {
        if min.get() <= max.get() {
            Ok(ScoreRange { min, max })
        } else {
            Err(RfmError::InvalidScoreRange { min: min.get(), max: max.get() })
        }
    }

    /// Just this score.
    pub const fn exactly(score: Score) -> ScoreRange {
        ScoreRange { min: score, max: score }
    }

    /// A range of literals in a constant; fails the build if invalid.
    const fn literal(min: u8, max: u8) -> ScoreRange {
        assert!(min <= max, "a score range must not end before it starts");
        ScoreRange { min: Score::literal(min), max: Score::literal(max) }
    }

    /// The lowest score in the range.
    pub const fn min(self) -> Score {
        self.min
    }

    /// The highest score in the range.
    pub const fn max(self) -> Score {
        self.max
    }

    /// True if `score` is in the range.
    pub const fn contains(self, score: Score) -> bool {
        self.min.get() <= score.get() && score.get() <= self.max.get()
    }
}

impl Default for ScoreRange {
    /// [`ScoreRange::ANY`].
    fn default() -> ScoreRange {
        ScoreRange::ANY
    }
}

impl TryFrom<ScoreRangeParts> for ScoreRange {
    type Error = RfmError;

    fn try_from(parts: ScoreRangeParts) -> Result<ScoreRange, RfmError> {
        ScoreRange::new(parts.min, parts.max)
    }
}

impl From<ScoreRange> for ScoreRangeParts {
    fn from(range: ScoreRange) -> ScoreRangeParts {
        ScoreRangeParts { min: range.min, max: range.max }
    }
}

impl fmt::Display for ScoreRange {
    /// `4–5`, or `3` for a single score.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max { write!(f, "{}", self.min) } else { write!(f, "{}–{}", self.min, self.max) }
    }
}

/// One rule of a segment map: the combinations inside the box
/// `recency × frequency × monetary` belong to `segment`. A range left out
/// of the JSON is [`ScoreRange::ANY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRule {
    /// The segment the box belongs to.
    pub segment: Segment,
    /// The recency scores of the box.
    #[serde(default)]
    pub recency: ScoreRange,
    /// The frequency scores of the box.
    #[serde(default)]
    pub frequency: ScoreRange,
    /// The monetary scores of the box.
    #[serde(default)]
    pub monetary: ScoreRange,
}

impl SegmentRule {
    /// True if the combination is inside the box.
    pub const fn matches(&self, score: RfmScore) -> bool {
        self.recency.contains(score.r()) && self.frequency.contains(score.f()) && self.monetary.contains(score.m())
    }

    const fn literal(segment: Segment, r: (u8, u8), f: (u8, u8), m: (u8, u8)) -> SegmentRule {
        SegmentRule {
            segment,
            recency: ScoreRange::literal(r.0, r.1),
            frequency: ScoreRange::literal(f.0, f.1),
            monetary: ScoreRange::literal(m.0, m.1),
        }
    }
}

/// The rules of the default map (see the module documentation).
const DEFAULT_RULES: [SegmentRule; 20] = {
    use Segment::*;
    const ANY: (u8, u8) = (1, 5);
    [
        SegmentRule::literal(Champions, (4, 5), (4, 5), (4, 5)),
        SegmentRule::literal(LoyalCustomers, (4, 5), (4, 5), (1, 3)),
        SegmentRule::literal(LoyalCustomers, (3, 3), (4, 5), (3, 5)),
        SegmentRule::literal(PotentialLoyalists, (4, 5), (2, 3), ANY),
        SegmentRule::literal(NewCustomers, (5, 5), (1, 1), ANY),
        SegmentRule::literal(Promising, (4, 4), (1, 1), ANY),
        SegmentRule::literal(NeedAttention, (3, 3), (2, 3), ANY),
        SegmentRule::literal(NeedAttention, (3, 3), (4, 5), (1, 2)),
        SegmentRule::literal(AboutToSleep, (3, 3), (1, 1), ANY),
        SegmentRule::literal(AboutToSleep, (2, 2), (1, 2), (1, 3)),
        SegmentRule::literal(AboutToSleep, (2, 2), (3, 3), (1, 2)),
        SegmentRule::literal(AtRisk, (2, 2), (3, 5), (3, 5)),
        SegmentRule::literal(AtRisk, (2, 2), (4, 5), (1, 2)),
        SegmentRule::literal(AtRisk, (2, 2), (1, 2), (4, 5)),
        SegmentRule::literal(AtRisk, (1, 1), (3, 3), (3, 5)),
        SegmentRule::literal(AtRisk, (1, 1), (4, 5), (3, 3)),
        SegmentRule::literal(CantLoseThem, (1, 1), (4, 5), (4, 5)),
        SegmentRule::literal(Hibernating, (1, 1), (1, 2), (3, 5)),
        SegmentRule::literal(Hibernating, (1, 1), (3, 5), (1, 2)),
        SegmentRule::literal(Lost, (1, 1), (1, 2), (1, 2)),
    ]
};

/// The default table, computed and checked at compile time: a combination
/// covered by no rule or by two, or a segment with no combination, is a
/// build error.
const DEFAULT_TABLE: [Segment; RfmScore::COMBINATIONS] = {
    let mut cells: [Option<Segment>; RfmScore::COMBINATIONS] = [None; RfmScore::COMBINATIONS];
    let mut reached = [false; Segment::COUNT];
    let mut i = 0;
    while i < RfmScore::COMBINATIONS {
        let score = RfmScore::from_index(i);
        let mut k = 0;
        while k < DEFAULT_RULES.len() {
            let rule = DEFAULT_RULES[k];
            if rule.matches(score) {
                assert!(cells[i].is_none(), "default segment map: a combination is covered twice");
                cells[i] = Some(rule.segment);
                reached[rule.segment.index()] = true;
            }
            k += 1;
        }
        i += 1;
    }
    let mut s = 0;
    while s < Segment::COUNT {
        assert!(reached[s], "default segment map: a segment is unreachable");
        s += 1;
    }
    let mut table = [Segment::Lost; RfmScore::COMBINATIONS];
    let mut i = 0;
    while i < RfmScore::COMBINATIONS {
        match cells[i] {
            Some(segment) => table[i] = segment,
            None => panic!("default segment map: a combination is not covered"),
        }
        i += 1;
    }
    table
};

/// Assigns each of the 125 score combinations to exactly one segment, with
/// every segment assigned at least one combination. Built from rules
/// ([`SegmentMap::new`]) or the default ([`SegmentMap::default`]);
/// serialised as its list of rules, and deserialising checks them again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<SegmentRule>", into = "Vec<SegmentRule>")]
pub struct SegmentMap {
    rules: Vec<SegmentRule>,
    table: [Segment; RfmScore::COMBINATIONS],
}

impl SegmentMap {
    /// Checks that the rules assign every combination to exactly one
    /// segment (rules of the same segment may overlap) and that every
    /// segment gets at least one combination. Otherwise
    /// [`RfmError::InvalidSegmentMap`] lists every unassigned combination,
    /// every combination claimed by two segments, and every unreachable
    /// segment. The order of the rules does not matter.
    pub fn new(rules: Vec<SegmentRule>) -> Result<SegmentMap, RfmError> {
        let mut table = [Segment::Lost; RfmScore::COMBINATIONS];
        let mut reached = [false; Segment::COUNT];
        let mut problems = SegmentMapProblems::default();
        for score in RfmScore::all() {
            let mut claimed: Vec<Segment> = Vec::new();
            for rule in rules.iter().filter(|rule| rule.matches(score)) {
                if !claimed.contains(&rule.segment) {
                    claimed.push(rule.segment);
                }
            }
            match claimed.as_slice() {
                [] => problems.unassigned.push(score),
                [segment] => {
                    table[score.index()] = *segment;
                    reached[segment.index()] = true;
                }
                _ => problems.conflicts.push(SegmentConflict { score, segments: claimed }),
            }
        }
        // A segment that only appears in conflicting cells is reported as a
        // conflict, not as unreachable.
        for conflict in &problems.conflicts {
            for segment in &conflict.segments {
                reached[segment.index()] = true;
            }
        }
        problems.unreachable = Segment::ALL.into_iter().filter(|s| !reached[s.index()]).collect();
        if problems.is_empty() { Ok(SegmentMap { rules, table }) } else { Err(RfmError::InvalidSegmentMap(problems)) }
    }

    /// The segment of a combination.
    pub fn segment(&self, score: RfmScore) -> Segment {
        self.table[score.index()]
    }

    /// The rules the map was built from, as given.
    pub fn rules(&self) -> &[SegmentRule] {
        &self.rules
    }

    /// The combinations assigned to `segment`, in (r, f, m) order.
    pub fn combinations(&self, segment: Segment) -> impl Iterator<Item = RfmScore> + '_ {
        RfmScore::all().filter(move |score| self.segment(*score) == segment)
    }
}

impl Default for SegmentMap {
    /// The default map (see the module documentation).
    fn default() -> SegmentMap {
        SegmentMap { rules: DEFAULT_RULES.to_vec(), table: DEFAULT_TABLE }
    }
}

impl TryFrom<Vec<SegmentRule>> for SegmentMap {
    type Error = RfmError;

    fn try_from(rules: Vec<SegmentRule>) -> Result<SegmentMap, RfmError> {
        SegmentMap::new(rules)
    }
}

impl From<SegmentMap> for Vec<SegmentRule> {
    fn from(map: SegmentMap) -> Vec<SegmentRule> {
        map.rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(code: &str) -> RfmScore {
        code.parse().unwrap()
    }

    fn range(min: u8, max: u8) -> ScoreRange {
        ScoreRange::new(Score::new(min).unwrap(), Score::new(max).unwrap()).unwrap()
    }

    fn rule(segment: Segment, r: (u8, u8), f: (u8, u8), m: (u8, u8)) -> SegmentRule {
        SegmentRule { segment, recency: range(r.0, r.1), frequency: range(f.0, f.1), monetary: range(m.0, m.1) }
    }

    #[test]
    fn codes_names_and_serde_agree() {
        assert_eq!(Segment::ALL.len(), Segment::COUNT);
        for (i, segment) in Segment::ALL.into_iter().enumerate() {
            assert_eq!(segment.index(), i);
            assert_eq!(segment.code().parse::<Segment>().unwrap(), segment);
            assert_eq!(serde_json::to_string(&segment).unwrap(), format!("\"{}\"", segment.code()));
            assert_eq!(serde_json::from_str::<Segment>(&format!("\"{segment}\"")).unwrap(), segment);
        }
        assert_eq!(Segment::CantLoseThem.code(), "cant_lose_them");
        assert_eq!(Segment::CantLoseThem.display_name(), "Can't Lose Them");
        assert_eq!(Segment::AboutToSleep.display_name(), "About to Sleep");
        assert_eq!("Champions".parse::<Segment>().unwrap_err().code(), "unknown_segment");
        assert!(serde_json::from_str::<Segment>("\"vip\"").unwrap_err().to_string().contains("unknown segment"));
    }

    #[test]
    fn the_default_map_is_total_and_reaches_every_segment() {
        let map = SegmentMap::default();
        // Rebuilding it through the checked constructor accepts it and gives the same table.
        assert_eq!(SegmentMap::new(DEFAULT_RULES.to_vec()).unwrap(), map);
        // Exactly one rule covers each combination (no overlap even within a segment).
        for s in RfmScore::all() {
            assert_eq!(DEFAULT_RULES.iter().filter(|r| r.matches(s)).count(), 1, "{s}");
        }
        let mut sizes = [0_usize; Segment::COUNT];
        for s in RfmScore::all() {
            sizes[map.segment(s).index()] += 1;
        }
        assert_eq!(sizes, [8, 18, 20, 5, 5, 14, 13, 22, 4, 12, 4]);
        assert_eq!(sizes.iter().sum::<usize>(), 125);
    }

    #[test]
    fn the_default_map_reads_as_intended() {
        let map = SegmentMap::default();
        let expect = [
            ("555", Segment::Champions),
            ("444", Segment::Champions),
            ("551", Segment::LoyalCustomers),
            ("345", Segment::LoyalCustomers),
            ("535", Segment::PotentialLoyalists),
            ("515", Segment::NewCustomers),
            ("511", Segment::NewCustomers),
            ("411", Segment::Promising),
            ("333", Segment::NeedAttention),
            ("351", Segment::NeedAttention),
            ("315", Segment::AboutToSleep),
            ("221", Segment::AboutToSleep),
            ("255", Segment::AtRisk),
            ("215", Segment::AtRisk),
            ("133", Segment::AtRisk),
            ("155", Segment::CantLoseThem),
            ("144", Segment::CantLoseThem),
            ("115", Segment::Hibernating),
            ("151", Segment::Hibernating),
            ("111", Segment::Lost),
            ("122", Segment::Lost),
        ];
        for (code, segment) in expect {
            assert_eq!(map.segment(score(code)), segment, "{code}");
        }
        assert_eq!(
            map.combinations(Segment::CantLoseThem).map(|s| s.to_string()).collect::<Vec<_>>(),
            ["144", "145", "154", "155"]
        );
    }

    #[test]
    fn a_first_match_table_from_the_web_is_refused_with_every_problem_named() {
        // A typical table, meant to be applied first-match-wins: the boxes
        // overlap, leave gaps, and "lost" sits entirely under "hibernating".
        let rules = vec![
            rule(Segment::Champions, (4, 5), (4, 5), (4, 5)),
            rule(Segment::LoyalCustomers, (2, 5), (3, 5), (3, 5)),
            rule(Segment::Hibernating, (1, 2), (1, 2), (1, 2)),
            rule(Segment::Lost, (1, 1), (1, 1), (1, 1)),
        ];
        let RfmError::InvalidSegmentMap(problems) = SegmentMap::new(rules).unwrap_err() else { panic!() };
        assert!(problems.unassigned.contains(&score("511")));
        assert!(!problems.unassigned.contains(&score("555")));
        assert!(problems.conflicts.contains(&SegmentConflict {
            score: score("444"),
            segments: vec![Segment::Champions, Segment::LoyalCustomers]
        }));
        assert!(
            problems.conflicts.contains(&SegmentConflict {
                score: score("111"),
                segments: vec![Segment::Hibernating, Segment::Lost]
            })
        );
        assert_eq!(
            problems.unreachable,
            [
                Segment::PotentialLoyalists,
                Segment::NewCustomers,
                Segment::Promising,
                Segment::NeedAttention,
                Segment::AboutToSleep,
                Segment::AtRisk,
                Segment::CantLoseThem,
            ]
        );
    }

    #[test]
    fn a_total_map_missing_a_segment_is_refused() {
        let mut rules = DEFAULT_RULES.to_vec();
        for r in &mut rules {
            if r.segment == Segment::Promising {
                r.segment = Segment::NewCustomers;
            }
        }
        let e = SegmentMap::new(rules).unwrap_err();
        assert_eq!(e.code(), "invalid_segment_map");
        let RfmError::InvalidSegmentMap(problems) = e else { panic!() };
        assert_eq!(problems.unreachable, [Segment::Promising]);
        assert!(problems.unassigned.is_empty() && problems.conflicts.is_empty());
    }

    #[test]
    fn rule_order_does_not_matter_and_same_segment_overlap_is_fine() {
        let mut rules = DEFAULT_RULES.to_vec();
        rules.reverse();
        rules.push(rule(Segment::Champions, (5, 5), (5, 5), (5, 5)));
        let map = SegmentMap::new(rules).unwrap();
        for s in RfmScore::all() {
            assert_eq!(map.segment(s), SegmentMap::default().segment(s));
        }
    }

    #[test]
    fn maps_serialise_as_rules_and_are_checked_on_the_way_in() {
        let json = serde_json::to_string(&SegmentMap::default()).unwrap();
        assert!(json.starts_with(r#"[{"segment":"champions","recency":{"min":4,"max":5}"#), "{json}");
        assert_eq!(serde_json::from_str::<SegmentMap>(&json).unwrap(), SegmentMap::default());
        let partial = r#"[{"segment":"champions","recency":{"min":4,"max":5}}]"#;
        let err = serde_json::from_str::<SegmentMap>(partial).unwrap_err().to_string();
        assert!(err.contains("assigned to no segment"), "{err}");
        let backwards = r#"[{"segment":"lost","recency":{"min":4,"max":2}}]"#;
        assert!(serde_json::from_str::<SegmentMap>(backwards).unwrap_err().to_string().contains("must not end"));
        // A rule that leaves out ranges covers them all.
        let r: SegmentRule = serde_json::from_str(r#"{"segment":"lost"}"#).unwrap();
        assert!(RfmScore::all().all(|s| r.matches(s)));
    }

    #[test]
    fn score_ranges() {
        assert_eq!(ScoreRange::new(Score::MAX, Score::MIN), Err(RfmError::InvalidScoreRange { min: 5, max: 1 }));
        let r = range(2, 4);
        assert!(!r.contains(Score::MIN) && r.contains(Score::new(2).unwrap()) && !r.contains(Score::MAX));
        assert_eq!(r.to_string(), "2–4");
        assert_eq!(ScoreRange::exactly(Score::MAX).to_string(), "5");
        assert_eq!(ScoreRange::default(), ScoreRange::ANY);
    }
}

//! [`RfmSettings`]: the programme's RFM rules — the window, the bands and
//! who is a New Customer — and [`segment_customers`], which applies them to
//! a whole population.
//!
//! # Why these rules
//!
//! A luxury client buys one to three times a year, and many stop. Scored by
//! quintiles over a 365-day window, the customers who did not buy in the
//! window tie at frequency 0 and take the whole F 1 band, so F 1 comes to
//! mean "no purchase in the window" (hence a low R), and R 1 means frequency
//! and spend 0: four of the eleven segments (New Customers, Promising, Can't
//! Lose Them, Hibernating) can never hold anybody. The rules here make each
//! band mean one thing:
//!
//! - **The window** is `window_months` long (default 24: a luxury client who
//!   bought twice in two years is a regular). F and M count the orders (not
//!   returned in full) and the net paid in it.
//! - **R** is by days since the last purchase: R 5 up to `recency_days[0]`
//!   (default 90), R 4 up to `recency_days[1]` (180), R 3 up to
//!   `recency_days[2]` (365), R 2 up to the start of the window, and **R 1
//!   means exactly "no purchase in the window"**.
//! - **A client with no purchase in the window is scored on the whole
//!   history** for F and M: what is known of a lapsed client is all they
//!   bought, and it is what tells a lapsed regular (Can't Lose Them) from a
//!   lapsed one-time buyer (Lost). Their own band (F 0) would make F say
//!   nothing about them; recency alone would put every lapsed client in one
//!   segment. Because only R 1 clients are scored this way, a client who
//!   comes back is never scored lower for it on F: the window of an R 2–5
//!   client and the history of an R 1 client are compared only within their
//!   own R bands by the segment map.
//! - **F by thresholds** (default `[2, 3, 5, 8]`: F 1 = one order, F 2 =
//!   two, F 3 = three or four, F 4 = five to seven, F 5 = eight or more).
//!   Quintiles of frequency on such data are a few huge tie groups; order
//!   counts are comparable across brands, spend is not.
//! - **M by quintiles** of the population by default (the brand's own
//!   spend decides what "spends a lot" means; thresholds in the base
//!   currency can be set instead).
//! - **New Customers** are the clients whose first purchase was within
//!   `new_customer_days` (default 90) of the as-of date, whatever their
//!   scores. The segment map's New Customers cells (R 5, F 1) hold only
//!   them: a client who lands there with an older first purchase bought once
//!   in the window after years away, and is Promising.
//!
//! These defaults were tuned on the demo data (`clientele demo`) and on the
//! generated luxury populations of the property tests: every one of the
//! eleven segments holds customers, and each holds what its name says.

use std::fmt;
use std::num::NonZeroUsize;

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::RfmError;
use crate::score::RfmScore;
use crate::scoring::{CustomerFacts, Scale, ScoringMethod, Thresholds, recency_days, score_customers};
use crate::segment::{Segment, SegmentMap};

/// The longest window, in months (ten years).
pub const MAX_WINDOW_MONTHS: u32 = 120;

/// The programme's RFM rules; see the [module documentation](self).
/// Serialised as
/// `{"window_months": 24, "recency_days": [90, 180, 365], "frequency": {"thresholds": [2, 3, 5, 8]}, "monetary": "quintiles", "new_customer_days": 90}`;
/// deserialising goes through [`RfmSettings::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RfmSettingsParts", into = "RfmSettingsParts")]
pub struct RfmSettings {
    window_months: u32,
    recency_days: [u32; 3],
    frequency: Scale<u32>,
    monetary: Scale<Decimal>,
    new_customer_days: u32,
}

/// The fields of [`RfmSettings`], unchecked (for serde).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RfmSettingsParts {
    window_months: u32,
    recency_days: [u32; 3],
    frequency: Scale<u32>,
    monetary: Scale<Decimal>,
    new_customer_days: u32,
}

impl TryFrom<RfmSettingsParts> for RfmSettings {
    type Error = RfmError;

    fn try_from(p: RfmSettingsParts) -> Result<RfmSettings, RfmError> {
        RfmSettings::new(p.window_months, p.recency_days, p.frequency, p.monetary, p.new_customer_days)
    }
}

impl From<RfmSettings> for RfmSettingsParts {
    fn from(s: RfmSettings) -> RfmSettingsParts {
        RfmSettingsParts {
            window_months: s.window_months,
            recency_days: s.recency_days,
            frequency: s.frequency,
            monetary: s.monetary,
            new_customer_days: s.new_customer_days,
        }
    }
}

/// The fewest days a window of `months` months can have (a year is at
/// least 365 days, a month at least 28).
fn shortest_window_days(months: u32) -> u32 {
    months / 12 * 365 + months % 12 * 28
}

impl RfmSettings {
    /// Checks the settings; each refusal is [`RfmError::InvalidSetting`]
    /// naming its field:
    /// - `window_months` in 1..=[`MAX_WINDOW_MONTHS`];
    /// - `recency_days` strictly ascending, from 1 day, the last shorter
    ///   than the window (or R 2 could hold nobody);
    /// - `frequency`: a first cut point of at least 2 orders when thresholds
    ///   (everyone scored has at least one order: a cut at 1 leaves F 1
    ///   empty), strictly ascending;
    /// - `monetary`: strictly ascending thresholds, or quintiles;
    /// - `new_customer_days` in 1..=365.
    pub fn new(
        window_months: u32,
        recency_days: [u32; 3],
        frequency: Scale<u32>,
        monetary: Scale<Decimal>,
        new_customer_days: u32,
    ) -> Result<RfmSettings, RfmError> {
        let invalid = |field: &'static str, reason: String| RfmError::InvalidSetting { field, reason };
        if !(1..=MAX_WINDOW_MONTHS).contains(&window_months) {
            return Err(invalid("window_months", format!("must be between 1 and {MAX_WINDOW_MONTHS} months")));
        }
        let shortest = shortest_window_days(window_months);
        if recency_days[0] == 0 || !recency_days.windows(2).all(|w| w[0] < w[1]) {
            return Err(invalid("recency_days", "must be three strictly ascending numbers of days, from 1".into()));
        }
        if recency_days[2] + 1 >= shortest {
            return Err(invalid(
                "recency_days",
                format!(
                    "the last (most days still scoring R 3) must be shorter than the {window_months}-month window \
                     ({shortest} days at the least), or R 2 could hold nobody"
                ),
            ));
        }
        if let Scale::Thresholds(t) = frequency
            && t.cuts()[0] < 2
        {
            return Err(invalid(
                "frequency",
                "the first cut point must be at least 2 orders: everyone scored has bought once".into(),
            ));
        }
        if !(1..=365).contains(&new_customer_days) {
            return Err(invalid("new_customer_days", "must be between 1 and 365 days".into()));
        }
        Ok(RfmSettings { window_months, recency_days, frequency, monetary, new_customer_days })
    }

    /// Months of the window F and M are counted over.
    pub fn window_months(&self) -> u32 {
        self.window_months
    }

    /// The most days since the last purchase that still score R 5, 4 and 3.
    pub fn recency_days(&self) -> [u32; 3] {
        self.recency_days
    }

    /// How frequency is scored.
    pub fn frequency(&self) -> &Scale<u32> {
        &self.frequency
    }

    /// How monetary value is scored.
    pub fn monetary(&self) -> &Scale<Decimal> {
        &self.monetary
    }

    /// A first purchase within this many days (of the as-of date) makes a
    /// New Customer.
    pub fn new_customer_days(&self) -> u32 {
        self.new_customer_days
    }

    /// The last day before the window of `as_of`: the window is the days
    /// after it, up to and including `as_of`. None before the calendar's
    /// start.
    pub fn window_start(&self, as_of: NaiveDate) -> Option<NaiveDate> {
        as_of.checked_sub_months(Months::new(self.window_months))
    }

    /// The scoring method as of `as_of`: recency thresholds ending at the
    /// window's start (R 2 up to the day after it, R 1 beyond), frequency
    /// and monetary as set.
    pub fn method_on(&self, as_of: NaiveDate) -> Result<ScoringMethod, RfmError> {
        let start = self.window_start(as_of).ok_or(RfmError::NoWindow { as_of })?;
        // Days from the window's first day to `as_of`: the most that scores R 2.
        let last_in_window = recency_days(start, as_of).unwrap_or(0).saturating_sub(1);
        let [r5, r4, r3] = self.recency_days;
        let recency = Thresholds::new([r5, r4, r3, last_in_window])?;
        ScoringMethod::new(Scale::Thresholds(recency), self.frequency, self.monetary)
    }

    /// The segment of a customer scored `score` whose first purchase was
    /// `first_purchase`, under `map`: New Customers if the first purchase is
    /// within [`new_customer_days`](Self::new_customer_days) of `as_of`;
    /// otherwise the map's segment, with its New Customers cells read as
    /// Promising.
    pub fn segment(&self, map: &SegmentMap, score: RfmScore, first_purchase: NaiveDate, as_of: NaiveDate) -> Segment {
        if recency_days(first_purchase, as_of).is_some_and(|d| d < self.new_customer_days) {
            return Segment::NewCustomers;
        }
        match map.segment(score) {
            Segment::NewCustomers => Segment::Promising,
            other => other,
        }
    }
}

impl Default for RfmSettings {
    /// 24 months; R 5/4/3 up to 90/180/365 days; F thresholds 2, 3, 5, 8
    /// orders; M quintiles; New Customers within 90 days.
    fn default() -> RfmSettings {
        RfmSettings {
            window_months: 24,
            recency_days: [90, 180, 365],
            frequency: Scale::Thresholds(Thresholds::DEFAULT_FREQUENCY),
            monetary: Scale::Quintiles,
            new_customer_days: 90,
        }
    }
}

/// What the settings need of one customer: first and last purchase, and
/// orders and net paid both in the window and over the whole history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseSummary<K> {
    pub customer: K,
    pub first_purchase: NaiveDate,
    pub last_purchase: NaiveDate,
    /// Orders in the window (not returned in full).
    pub window_orders: u32,
    /// Net paid in the window, base currency.
    pub window_net: Decimal,
    /// Orders over the whole history.
    pub lifetime_orders: u32,
    /// Net paid over the whole history.
    pub lifetime_net: Decimal,
}

impl<K> PurchaseSummary<K> {
    /// The facts R, F and M are scored on: the window's orders and net if
    /// the last purchase is in the window, the whole history's otherwise.
    pub fn scored_facts<J>(&self, key: J, window_start: NaiveDate) -> CustomerFacts<J> {
        let (orders, net_paid) = if self.last_purchase > window_start {
            (self.window_orders, self.window_net)
        } else {
            (self.lifetime_orders, self.lifetime_net)
        };
        CustomerFacts { customer: key, last_purchase: self.last_purchase, orders, net_paid }
    }
}

/// Scores and segments a whole population as of `as_of` under `settings`
/// and `map`: one (score, segment) per customer, in the order of `people`.
/// Refuses a last purchase after `as_of`, or a first purchase after the
/// last ([`RfmError::PurchaseAfterAsOf`], [`RfmError::FirstAfterLast`]).
/// `threads` as for [`score_customers`]: the result does not depend on it.
pub fn segment_customers<K: fmt::Debug>(
    people: &[PurchaseSummary<K>],
    as_of: NaiveDate,
    settings: &RfmSettings,
    map: &SegmentMap,
    threads: NonZeroUsize,
) -> Result<Vec<(RfmScore, Segment)>, RfmError> {
    let start = settings.window_start(as_of).ok_or(RfmError::NoWindow { as_of })?;
    if u32::try_from(people.len()).is_err() {
        return Err(RfmError::PopulationTooLarge(people.len()));
    }
    let mut facts = Vec::with_capacity(people.len());
    for (i, p) in people.iter().enumerate() {
        if p.first_purchase > p.last_purchase {
            return Err(RfmError::FirstAfterLast { customer: format!("{:?}", p.customer) });
        }
        if p.last_purchase > as_of {
            let customer = format!("{:?}", p.customer);
            return Err(RfmError::PurchaseAfterAsOf { customer, last_purchase: p.last_purchase, as_of });
        }
        // Fits u32: checked above.
        facts.push(p.scored_facts(i as u32, start));
    }
    let scores = score_customers(&facts, as_of, &settings.method_on(as_of)?, threads)?;
    Ok(scores
        .into_iter()
        .zip(people)
        .map(|(score, p)| (score, settings.segment(map, score, p.first_purchase, as_of)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_defaults_are_valid_and_round_trip() {
        let s = RfmSettings::default();
        let json = serde_json::to_value(s).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"window_months": 24, "recency_days": [90, 180, 365],
                "frequency": {"thresholds": [2, 3, 5, 8]}, "monetary": "quintiles", "new_customer_days": 90})
        );
        assert_eq!(serde_json::from_value::<RfmSettings>(json).unwrap(), s);
    }

    #[test]
    fn each_refusal_names_its_field() {
        let d = RfmSettings::default();
        let field = |r: Result<RfmSettings, RfmError>| match r {
            Err(RfmError::InvalidSetting { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(RfmSettings::new(0, d.recency_days, d.frequency, d.monetary, 90)), "window_months");
        assert_eq!(field(RfmSettings::new(121, d.recency_days, d.frequency, d.monetary, 90)), "window_months");
        assert_eq!(field(RfmSettings::new(24, [90, 90, 365], d.frequency, d.monetary, 90)), "recency_days");
        assert_eq!(field(RfmSettings::new(24, [0, 90, 365], d.frequency, d.monetary, 90)), "recency_days");
        assert_eq!(field(RfmSettings::new(12, [90, 180, 365], d.frequency, d.monetary, 90)), "recency_days");
        assert!(RfmSettings::new(12, [60, 120, 240], d.frequency, d.monetary, 90).is_ok());
        let one = Scale::Thresholds(Thresholds::new([1, 3, 5, 8]).unwrap());
        assert_eq!(field(RfmSettings::new(24, d.recency_days, one, d.monetary, 90)), "frequency");
        assert_eq!(field(RfmSettings::new(24, d.recency_days, d.frequency, d.monetary, 0)), "new_customer_days");
        let err = serde_json::from_value::<RfmSettings>(serde_json::json!({"window_months": 24,
            "recency_days": [90, 180, 365], "frequency": "quintiles", "monetary": "quintiles",
            "new_customer_days": 400}))
        .unwrap_err();
        assert!(err.to_string().contains("new_customer_days"), "{err}");
    }

    #[test]
    fn r1_is_exactly_no_purchase_in_the_window() {
        let s = RfmSettings::default();
        let as_of = day(2026, 6, 30);
        let start = s.window_start(as_of).unwrap();
        assert_eq!(start, day(2024, 6, 30));
        let method = s.method_on(as_of).unwrap();
        let score = |last: NaiveDate| {
            let facts = [CustomerFacts { customer: 0, last_purchase: last, orders: 1, net_paid: Decimal::ONE }];
            score_customers(&facts, as_of, &method, NonZeroUsize::MIN).unwrap()[0].r().get()
        };
        assert_eq!(score(day(2024, 7, 1)), 2, "the window's first day");
        assert_eq!(score(start), 1, "the day before the window");
        assert_eq!(score(day(2026, 4, 1)), 5);
        assert_eq!(score(day(2025, 7, 1)), 3);
    }

    #[test]
    fn lapsed_clients_are_scored_on_their_whole_history() {
        let p = PurchaseSummary {
            customer: "c",
            first_purchase: day(2018, 1, 1),
            last_purchase: day(2023, 1, 1),
            window_orders: 0,
            window_net: Decimal::ZERO,
            lifetime_orders: 9,
            lifetime_net: Decimal::new(90_000, 0),
        };
        let facts = p.scored_facts(0, day(2024, 6, 30));
        assert_eq!((facts.orders, facts.net_paid), (9, Decimal::new(90_000, 0)));
        let active = PurchaseSummary { last_purchase: day(2025, 1, 1), window_orders: 1, ..p };
        assert_eq!(active.scored_facts(0, day(2024, 6, 30)).orders, 1);
    }

    fn score(r: u8, f: u8, m: u8) -> RfmScore {
        let s = |v| crate::Score::new(v).unwrap();
        RfmScore::new(s(r), s(f), s(m))
    }

    #[test]
    fn new_customers_are_a_matter_of_the_first_purchase() {
        let s = RfmSettings::default();
        let map = SegmentMap::default();
        let as_of = day(2026, 6, 30);
        let champion = score(5, 5, 5);
        let new_cell = score(5, 1, 3);
        assert_eq!(s.segment(&map, champion, day(2026, 5, 1), as_of), Segment::NewCustomers);
        assert_eq!(s.segment(&map, champion, day(2026, 4, 1), as_of), Segment::Champions);
        assert_eq!(s.segment(&map, new_cell, day(2026, 4, 1), as_of), Segment::Promising);
        assert_eq!(s.segment(&map, new_cell, day(2026, 6, 30), as_of), Segment::NewCustomers);
    }
}

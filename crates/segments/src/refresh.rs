//! [`refresh`]: from every customer's facts as of a date to the lines of
//! that date's snapshot, the segment counts and the fitted models.

use std::fmt;
use std::num::NonZeroUsize;

use chrono::NaiveDate;
use clientele_rfm::{CustomerFacts, PurchaseSummary, RfmError, RfmScore, Segment, recency_days, segment_customers};
use rust_decimal::Decimal;

use crate::{History, Models, Prediction, PreviousFit, PurchaseFacts, RefreshConfig, SegmentsError, fit, predict_all};

/// What a refresh works from.
#[derive(Debug, Clone)]
pub struct RefreshInput<K> {
    /// Every customer with a purchase on or before `as_of`, once each: the
    /// whole population (quintiles are taken over it). The lines come out
    /// in this order.
    pub facts: Vec<PurchaseFacts<K>>,
    /// The date of the snapshot.
    pub as_of: NaiveDate,
    pub config: RefreshConfig,
    /// Where the fits start (the latest earlier run's models).
    pub previous: PreviousFit,
    /// How many threads scoring, fitting and predicting may use; the result
    /// is the same whatever it is.
    pub threads: NonZeroUsize,
}

/// A step of [`refresh`] done, for a progress display or timings (the
/// caller's clock: this crate has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Every customer's history made.
    Summarised(usize),
    /// Every customer scored and segmented.
    Scored(usize),
    /// The value models fitted (or found not to fit).
    Fitted,
    /// Every customer's predictions made.
    Valued(usize),
}

/// One customer's line of a snapshot: RFM facts, scores and segment, the
/// value models' view of their history, and the predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerSnapshot<K> {
    pub customer: K,
    /// Days from the last purchase to the as-of date.
    pub recency_days: u32,
    /// The orders F was scored on: in the window, or over the whole history
    /// for a customer who did not buy in the window (R 1).
    pub frequency: u32,
    /// The net paid M was scored on (the window's, or the whole history's
    /// for R 1), 2 places.
    pub monetary: Decimal,
    pub score: RfmScore,
    pub segment: Segment,
    pub first_purchase: NaiveDate,
    pub last_purchase: NaiveDate,
    pub repeat_purchases: u32,
    pub average_repeat_spend: Decimal,
    pub prediction: Prediction,
}

/// A refresh's result: a line per customer (see [`Refreshed::lines`]), the
/// segment counts and the fitted models. Kept column by column, as it was
/// computed: a line is put together when it is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Refreshed<K> {
    as_of: NaiveDate,
    customers: Vec<K>,
    facts: Vec<CustomerFacts<u32>>,
    histories: Vec<History>,
    scores: Vec<RfmScore>,
    segments: Vec<Segment>,
    predictions: Vec<Prediction>,
    counts: [(Segment, usize); Segment::COUNT],
    models: Models,
}

impl<K: Clone> Refreshed<K> {
    /// The date of the snapshot.
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// Customers in the snapshot.
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// True when nobody had bought by the date.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// Customers per segment, in the order of [`Segment::ALL`] (empty
    /// segments included).
    pub fn segment_counts(&self) -> [(Segment, usize); Segment::COUNT] {
        self.counts
    }

    /// The fitted models, or why they could not be fitted.
    pub fn models(&self) -> &Models {
        &self.models
    }

    /// The line of the customer at `index` in the input.
    pub fn line(&self, index: usize) -> Option<CustomerSnapshot<K>> {
        (index < self.len()).then(|| self.line_at(index))
    }

    /// Every customer's line, in the order of the input.
    pub fn lines(&self) -> impl ExactSizeIterator<Item = CustomerSnapshot<K>> + '_ {
        (0..self.len()).map(|i| self.line_at(i))
    }

    /// The line at `i` (< `len()`: every column has one entry per customer).
    fn line_at(&self, i: usize) -> CustomerSnapshot<K> {
        let (fact, history) = (&self.facts[i], &self.histories[i]);
        CustomerSnapshot {
            customer: self.customers[i].clone(),
            recency_days: recency_days(fact.last_purchase, self.as_of).unwrap_or(0),
            frequency: fact.orders,
            monetary: fact.net_paid.round_dp(2),
            score: self.scores[i],
            segment: self.segments[i],
            first_purchase: history.first_purchase(),
            last_purchase: fact.last_purchase,
            repeat_purchases: history.repeat_purchases(),
            average_repeat_spend: history.average_repeat_spend(),
            prediction: self.predictions[i],
        }
    }
}

/// Scores, segments and values every customer of `input` as of its date:
/// histories from the facts ([`History::of`]), RFM scores and segments by
/// the config's RFM settings and segment map ([`segment_customers`]), the value models fitted from the previous fit
/// ([`fit`]) and every customer's predictions ([`predict_all`]).
/// `on_stage` hears of each step as it is done.
///
/// Refuses contradictory facts ([`SegmentsError::InvalidFacts`]) and more
/// than `u32::MAX` customers. The value models failing on degenerate data
/// (no repeat buyers, too few customers, …) is not an error: the lines are
/// made without predictions and [`Models::error`] says why.
pub fn refresh<K: fmt::Debug>(
    input: RefreshInput<K>,
    on_stage: &mut dyn FnMut(Stage),
) -> Result<Refreshed<K>, SegmentsError> {
    let RefreshInput { facts: population, as_of, config, previous, threads } = input;
    let total = population.len();
    if u32::try_from(total).is_err() {
        return Err(RfmError::PopulationTooLarge(total).into());
    }
    let window_start = config.window_start(as_of)?;
    let mut customers: Vec<K> = Vec::with_capacity(total);
    let mut summaries: Vec<PurchaseSummary<u32>> = Vec::with_capacity(total);
    let mut histories: Vec<History> = Vec::with_capacity(total);
    for row in population {
        histories.push(History::of(&row, as_of)?);
        // Keyed by position (fits u32: checked above), not by the caller's key.
        summaries.push(row.summary(customers.len() as u32));
        customers.push(row.customer);
    }
    on_stage(Stage::Summarised(total));

    let scored = segment_customers(&summaries, as_of, config.rfm(), &config.segment_map(), threads)?;
    let facts: Vec<CustomerFacts<u32>> = summaries.iter().map(|s| s.scored_facts(s.customer, window_start)).collect();
    drop(summaries);
    let mut counts = Segment::ALL.map(|s| (s, 0_usize));
    let (scores, segments): (Vec<RfmScore>, Vec<Segment>) =
        scored.into_iter().inspect(|(_, segment)| counts[segment.index()].1 += 1).unzip();
    on_stage(Stage::Scored(total));

    let models = fit(&histories, &previous, threads);
    on_stage(Stage::Fitted);
    let predictions = predict_all(&histories, &models, config.clv(), threads);
    on_stage(Stage::Valued(total));
    Ok(Refreshed { as_of, customers, facts, histories, scores, segments, predictions, counts, models })
}

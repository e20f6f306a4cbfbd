//! [`CustomerSummary`], the per-customer input of every model, and
//! [`CompressedSummaries`], identical (x, tₓ, T) triples grouped with a
//! count so that a likelihood costs one term per distinct triple.

use serde::{Deserialize, Serialize};

use crate::ValueError;

/// One customer's purchase history, summarised the way the BG/NBD and
/// Gamma-Gamma models see it. Times are in one unit of the caller's choice
/// (days, weeks, …) used for every customer and every horizon; the fitted
/// `alpha` is in that unit.
///
/// Money enters as `f64`: these are statistical model quantities, not
/// amounts to be booked. Convert the average spend (e.g. a `Decimal`) at
/// the boundary; predictions of spend and CLV come back as `f64` estimates.
///
/// Rules (checked by [`CustomerSummary::new`] and on deserialising):
/// - `age` (T, time from the first purchase to the end of observation) is
///   finite and > 0;
/// - `recency` (tₓ, time from the first to the last purchase) is finite and
///   0 ≤ tₓ ≤ T;
/// - a customer with no repeat purchase (`frequency` x = 0) has tₓ = 0;
/// - `monetary` (average spend of the repeat purchases) is finite and ≥ 0;
///   it is ignored when x = 0 (the first purchase is not counted, as in
///   Fader, Hardie & Lee).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawSummary")]
pub struct CustomerSummary {
    frequency: u32,
    recency: f64,
    age: f64,
    monetary: f64,
}

/// The unchecked shape [`CustomerSummary`] deserialises from.
#[derive(Debug, Deserialize)]
struct RawSummary {
    frequency: u32,
    recency: f64,
    age: f64,
    monetary: f64,
}

impl TryFrom<RawSummary> for CustomerSummary {
    type Error = ValueError;

    fn try_from(raw: RawSummary) -> Result<Self, Self::Error> {
        CustomerSummary::new(raw.frequency, raw.recency, raw.age, raw.monetary)
    }
}

fn invalid(field: &'static str, reason: &'static str) -> ValueError {
    ValueError::InvalidSummary { field, reason }
}

impl CustomerSummary {
    /// Checks the rules above: frequency x (repeat purchases), recency tₓ,
    /// age T and average repeat spend.
    pub fn new(frequency: u32, recency: f64, age: f64, monetary: f64) -> Result<Self, ValueError> {
        if !age.is_finite() || age <= 0.0 {
            return Err(invalid("age", "must be finite and greater than zero"));
        }
        if !recency.is_finite() || recency < 0.0 {
            return Err(invalid("recency", "must be finite and not negative"));
        }
        if recency > age {
            return Err(invalid("recency", "must not exceed age"));
        }
        if frequency == 0 && recency != 0.0 {
            return Err(invalid("recency", "must be zero when frequency is zero"));
        }
        if !monetary.is_finite() || monetary < 0.0 {
            return Err(invalid("monetary", "must be finite and not negative"));
        }
        Ok(CustomerSummary { frequency, recency, age, monetary })
    }

    /// x: the number of repeat purchases (purchases after the first).
    pub fn frequency(&self) -> u32 {
        self.frequency
    }

    /// tₓ: time from the first purchase to the last one.
    pub fn recency(&self) -> f64 {
        self.recency
    }

    /// T: time from the first purchase to the end of observation.
    pub fn age(&self) -> f64 {
        self.age
    }

    /// Average spend of the repeat purchases (0 or ignored when x = 0).
    pub fn monetary(&self) -> f64 {
        self.monetary
    }
}

/// One distinct (x, tₓ, T) and how many customers share it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedTriple {
    /// x, repeat purchases.
    pub frequency: u32,
    /// tₓ.
    pub recency: f64,
    /// T.
    pub age: f64,
    /// Number of customers with exactly this triple (≥ 1).
    pub count: u64,
}

/// The distinct (x, tₓ, T) triples of a population with their counts, in
/// ascending order. The BG/NBD likelihood depends on a customer only
/// through the triple, so fitting on this is exact and costs one term per
/// distinct triple. Deterministic: the order does not depend on the input
/// order.
#[derive(Debug, Clone, PartialEq)]
pub struct CompressedSummaries {
    triples: Vec<WeightedTriple>,
    customers: u64,
}

impl CompressedSummaries {
    /// Groups identical triples (sort, then merge runs).
    pub fn from_summaries(summaries: &[CustomerSummary]) -> Self {
        let mut keys: Vec<(u32, f64, f64)> = summaries.iter().map(|s| (s.frequency, s.recency, s.age)).collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.total_cmp(&b.2)));
        let mut triples: Vec<WeightedTriple> = Vec::new();
        for (frequency, recency, age) in keys {
            match triples.last_mut() {
                Some(last) if last.frequency == frequency && last.recency == recency && last.age == age => {
                    last.count += 1;
                }
                _ => triples.push(WeightedTriple { frequency, recency, age, count: 1 }),
            }
        }
        CompressedSummaries { triples, customers: summaries.len() as u64 }
    }

    /// The distinct triples, ascending by (x, tₓ, T).
    pub fn triples(&self) -> &[WeightedTriple] {
        &self.triples
    }

    /// The number of customers summarised (the sum of the counts).
    pub fn customers(&self) -> u64 {
        self.customers
    }

    /// The number of customers with at least one repeat purchase.
    pub fn repeat_buyers(&self) -> u64 {
        self.triples.iter().filter(|t| t.frequency > 0).map(|t| t.count).sum()
    }
}

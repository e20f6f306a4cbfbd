//! Who moved between segments from one snapshot to a later one: a
//! [`TransitionMatrix`] of (from segment, to segment) cells, each holding
//! the customers behind it.
//!
//! Both axes have a twelfth position, "absent" (`None`): a customer only in
//! the later snapshot is in the cell `(None, Some(to))` (new), a customer
//! only in the earlier one in `(Some(from), None)` (gone). The cell
//! `(None, None)` is always empty. So every customer of either snapshot is
//! in exactly one cell, and the counts add up to the number of distinct
//! customers in the two snapshots together.

use chrono::NaiveDate;

use crate::error::RfmError;
use crate::segment::Segment;
use crate::snapshot::Snapshot;

/// The number of positions on each axis: the eleven segments and "absent".
const SIDE: usize = Segment::COUNT + 1;

fn position(side: Option<Segment>) -> usize {
    side.map_or(Segment::COUNT, Segment::index)
}

fn side_at(position: usize) -> Option<Segment> {
    Segment::ALL.get(position).copied()
}

/// Every (from, to) pair, segments in the order of [`Segment::ALL`], then
/// absent.
fn sides() -> impl Iterator<Item = (Option<Segment>, Option<Segment>)> {
    (0..SIDE * SIDE).map(|i| (side_at(i / SIDE), side_at(i % SIDE)))
}

/// One non-empty cell of a [`TransitionMatrix`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionCell<'a, K> {
    /// The segment in the earlier snapshot, `None` for customers new in the
    /// later one.
    pub from: Option<Segment>,
    /// The segment in the later snapshot, `None` for customers gone from it.
    pub to: Option<Segment>,
    /// The customers, sorted.
    pub customers: &'a [K],
}

/// Segment moves between two snapshots: for each (from, to) pair the
/// customers who made it, sorted. See the [module documentation](self) for
/// the absent position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionMatrix<K> {
    from_as_of: NaiveDate,
    to_as_of: NaiveDate,
    /// `SIDE × SIDE` cells, row-major by `from` position.
    cells: Vec<Vec<K>>,
}

impl<K> TransitionMatrix<K> {
    /// The date of the earlier snapshot.
    pub fn from_as_of(&self) -> NaiveDate {
        self.from_as_of
    }

    /// The date of the later snapshot.
    pub fn to_as_of(&self) -> NaiveDate {
        self.to_as_of
    }

    /// The customers who were in `from` and are in `to` (`None`: absent
    /// from that snapshot), sorted.
    pub fn customers(&self, from: Option<Segment>, to: Option<Segment>) -> &[K] {
        &self.cells[position(from) * SIDE + position(to)]
    }

    /// How many customers were in `from` and are in `to`.
    pub fn count(&self, from: Option<Segment>, to: Option<Segment>) -> usize {
        self.customers(from, to).len()
    }

    /// How many customers the earlier snapshot had in `from` (`None`: how
    /// many are new).
    pub fn from_total(&self, from: Option<Segment>) -> usize {
        Segment::ALL.iter().map(|s| Some(*s)).chain([None]).map(|to| self.count(from, to)).sum()
    }

    /// How many customers the later snapshot has in `to` (`None`: how many
    /// are gone).
    pub fn to_total(&self, to: Option<Segment>) -> usize {
        Segment::ALL.iter().map(|s| Some(*s)).chain([None]).map(|from| self.count(from, to)).sum()
    }

    /// The number of customers in either snapshot (each counted once).
    pub fn total(&self) -> usize {
        self.cells.iter().map(Vec::len).sum()
    }

    /// The non-empty cells, `from` segments in the order of
    /// [`Segment::ALL`] then absent, and within each the same for `to`.
    pub fn cells(&self) -> impl Iterator<Item = TransitionCell<'_, K>> {
        sides()
            .zip(&self.cells)
            .filter(|(_, customers)| !customers.is_empty())
            .map(|((from, to), customers)| TransitionCell { from, to, customers })
    }
}

/// The transitions from `from` to `to`. Refuses a `from` snapshot later
/// than `to` ([`RfmError::SnapshotsOutOfOrder`]); two snapshots of the
/// same date are fine (e.g. two segment maps compared). One pass over both
/// snapshots (they are sorted by customer).
pub fn transitions<K: Ord + Clone>(from: &Snapshot<K>, to: &Snapshot<K>) -> Result<TransitionMatrix<K>, RfmError> {
    if from.as_of() > to.as_of() {
        return Err(RfmError::SnapshotsOutOfOrder { from: from.as_of(), to: to.as_of() });
    }
    let mut cells: Vec<Vec<K>> = (0..SIDE * SIDE).map(|_| Vec::new()).collect();
    let mut put = |f: Option<Segment>, t: Option<Segment>, customer: &K| {
        cells[position(f) * SIDE + position(t)].push(customer.clone());
    };
    let (before, after) = (from.entries(), to.entries());
    let (mut i, mut j) = (0, 0);
    while i < before.len() && j < after.len() {
        let (b, a) = (&before[i], &after[j]);
        match b.customer.cmp(&a.customer) {
            std::cmp::Ordering::Less => {
                put(Some(b.segment), None, &b.customer);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                put(None, Some(a.segment), &a.customer);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                put(Some(b.segment), Some(a.segment), &b.customer);
                i += 1;
                j += 1;
            }
        }
    }
    for b in &before[i..] {
        put(Some(b.segment), None, &b.customer);
    }
    for a in &after[j..] {
        put(None, Some(a.segment), &a.customer);
    }
    Ok(TransitionMatrix { from_as_of: from.as_of(), to_as_of: to.as_of(), cells })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::RfmScore;
    use crate::snapshot::SnapshotEntry;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 4, d).unwrap()
    }

    fn snapshot(as_of: NaiveDate, rows: &[(u32, Segment)]) -> Snapshot<u32> {
        let score: RfmScore = "333".parse().unwrap();
        Snapshot::new(
            as_of,
            rows.iter().map(|&(customer, segment)| SnapshotEntry { customer, score, segment }).collect(),
        )
        .unwrap()
    }

    #[test]
    fn moves_new_and_gone_customers_each_land_in_one_cell() {
        use Segment::*;
        let before = snapshot(day(1), &[(1, Champions), (2, Champions), (3, Lost), (5, AtRisk)]);
        let after = snapshot(day(30), &[(1, AtRisk), (2, Champions), (4, NewCustomers), (5, AtRisk), (6, Lost)]);
        let m = transitions(&before, &after).unwrap();
        assert_eq!((m.from_as_of(), m.to_as_of()), (day(1), day(30)));
        assert_eq!(m.customers(Some(Champions), Some(AtRisk)), [1]);
        assert_eq!(m.customers(Some(Champions), Some(Champions)), [2]);
        assert_eq!(m.customers(Some(Lost), None), [3]);
        assert_eq!(m.customers(None, Some(NewCustomers)), [4]);
        assert_eq!(m.customers(Some(AtRisk), Some(AtRisk)), [5]);
        assert_eq!(m.customers(None, Some(Lost)), [6]);
        assert_eq!(m.count(None, None), 0);
        assert_eq!(m.total(), 6);
        assert_eq!(m.from_total(Some(Champions)), 2);
        assert_eq!(m.from_total(None), 2);
        assert_eq!(m.to_total(Some(AtRisk)), 2);
        assert_eq!(m.to_total(None), 1);
        let cells: Vec<(Option<Segment>, Option<Segment>, Vec<u32>)> =
            m.cells().map(|c| (c.from, c.to, c.customers.to_vec())).collect();
        assert_eq!(
            cells,
            [
                (Some(Champions), Some(Champions), vec![2]),
                (Some(Champions), Some(AtRisk), vec![1]),
                (Some(AtRisk), Some(AtRisk), vec![5]),
                (Some(Lost), None, vec![3]),
                (None, Some(NewCustomers), vec![4]),
                (None, Some(Lost), vec![6]),
            ]
        );
    }

    #[test]
    fn snapshots_must_be_passed_in_date_order() {
        let a = snapshot(day(1), &[]);
        let b = snapshot(day(2), &[]);
        assert_eq!(transitions(&b, &a).unwrap_err().code(), "snapshots_out_of_order");
        assert_eq!(transitions(&a, &a).unwrap().total(), 0);
    }
}

//! [`Window`]: the days whose purchases are counted, both ends included.

use chrono::NaiveDate;

use crate::error::AffinityError;

/// The days whose purchases are counted: from `from` to `to`, both
/// included. A window always has at least one day (`from <= to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    from: NaiveDate,
    to: NaiveDate,
}

impl Window {
    /// The days from `from` to `to`, both included; refused when `from` is
    /// after `to`.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, AffinityError> {
        if from > to {
            return Err(AffinityError::WindowReversed { from, to });
        }
        Ok(Window { from, to })
    }

    /// Every day there is: for a computation that should not filter by date.
    pub fn all_time() -> Self {
        Window { from: NaiveDate::MIN, to: NaiveDate::MAX }
    }

    /// The first day in the window.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day in the window.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// True when `date` is one of the window's days.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ends_are_inside_and_a_reversed_window_is_refused() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
        let window = Window::new(day(2), day(9)).unwrap();
        assert!(window.contains(day(2)) && window.contains(day(9)));
        assert!(!window.contains(day(1)) && !window.contains(day(10)));
        assert!(Window::new(day(5), day(5)).unwrap().contains(day(5)));
        assert_eq!(Window::new(day(9), day(2)), Err(AffinityError::WindowReversed { from: day(9), to: day(2) }));
        assert!(Window::all_time().contains(NaiveDate::MIN) && Window::all_time().contains(NaiveDate::MAX));
    }
}

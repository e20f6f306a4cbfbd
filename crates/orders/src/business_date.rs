//! The business date of an order or a return: the day it happened where it
//! happened.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::TimeZone;

/// The date of `at` in the store's time zone, or in UTC for an order
/// without a store (an e-shop order). Prices are converted at the rate of
/// this date, points earned and returns counted on it, and the segment
/// refresh groups purchases by it.
pub fn business_date(at: DateTime<Utc>, store_zone: Option<TimeZone>) -> NaiveDate {
    match store_zone {
        Some(zone) => at.with_timezone(&zone.tz()).date_naive(),
        None => at.date_naive(),
    }
}

//! [`AudienceFacts`]: what an audience rule can ask of one customer, as the
//! store aggregates it.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use clientele_kernel::StoreId;
use clientele_loyalty::Tier;
use clientele_profiles::{AssociateId, Birthday, Channel, Gender, ImportantDate, TagName};
use clientele_rfm::{RfmScore, Segment};
use rust_decimal::Decimal;

/// One line bought: when, and what (its SKU, and the category and collection
/// of the product if known). Returned lines are left out by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoughtItem {
    /// The business date of the order.
    pub on: NaiveDate,
    pub sku: String,
    pub category: Option<String>,
    pub collection: Option<String>,
}

/// Points that expire on a date (what remains of a lot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiringPoints {
    pub on: NaiveDate,
    pub points: i64,
}

/// One customer's facts, as an audience rule sees them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AudienceFacts {
    /// The segment in the latest snapshot (None: not in it).
    pub segment: Option<Segment>,
    /// The segment in the snapshot before the latest (None: not in it).
    pub previous_segment: Option<Segment>,
    /// The scores in the latest snapshot.
    pub rfm: Option<RfmScore>,
    /// Predicted lifetime value in the latest snapshot, base currency.
    pub clv: Option<Decimal>,
    /// Probability of being alive in the latest snapshot, 0–1.
    pub p_alive: Option<Decimal>,
    /// The tier in force today (S1 for a customer without an account).
    pub tier: Option<Tier>,
    pub tags: BTreeSet<TagName>,
    pub last_purchase: Option<NaiveDate>,
    /// What they bought (lines kept, not returned).
    pub bought: Vec<BoughtItem>,
    pub birthday: Option<Birthday>,
    pub important_dates: Vec<ImportantDate>,
    pub home_store: Option<StoreId>,
    pub associate: Option<AssociateId>,
    pub gender: Option<Gender>,
    /// Points available today.
    pub points: i64,
    /// Points left on lots with an expiry date.
    pub expiring: Vec<ExpiringPoints>,
    /// The channels the customer has consented to marketing on.
    pub consents: BTreeSet<Channel>,
}

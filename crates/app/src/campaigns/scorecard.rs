//! The programme scorecard (issue #14): every campaign that contacted
//! customers in a period, with its audience, control group, cost,
//! incremental revenue with its interval and ROI — a one-off campaign as
//! one row, an always-on trigger as one row per month (the customers it
//! first contacted that month, and what it cost that month).

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use clientele_campaigns::Schedule;
use clientele_profiles::StoreScope;
use clientele_store::campaigns::StoredCampaign;
use clientele_store::{PgConnection, StoreError};

use super::results::{CampaignResults, Metric, ResultsRequest, campaign_results};

/// What the scorecard is sorted by: largest first, rows without the figure
/// (no control group, no margin rate) last, ties by campaign then month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScorecardSort {
    /// Newest launch first (the default).
    LaunchedAt,
    Roi,
    IncrementalRevenue,
    Cost,
    Audience,
}

impl ScorecardSort {
    pub const ALL: [ScorecardSort; 5] = [
        ScorecardSort::LaunchedAt,
        ScorecardSort::Roi,
        ScorecardSort::IncrementalRevenue,
        ScorecardSort::Cost,
        ScorecardSort::Audience,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ScorecardSort::LaunchedAt => "launched_at",
            ScorecardSort::Roi => "roi",
            ScorecardSort::IncrementalRevenue => "incremental_revenue",
            ScorecardSort::Cost => "cost",
            ScorecardSort::Audience => "audience",
        }
    }

    /// The row's figure this sorts by (None: the row has none).
    fn key(self, row: &ScorecardRow) -> Option<f64> {
        let r = &row.results;
        let measured = r.has_control.then_some(&r.figures.measurement);
        match self {
            ScorecardSort::LaunchedAt => row.campaign.launched_at.map(|t| t.timestamp_millis() as f64),
            ScorecardSort::Roi => measured.and_then(|m| m.roi).map(|e| e.value),
            ScorecardSort::IncrementalRevenue => measured.and_then(|m| m.incremental_revenue).map(|e| e.value),
            ScorecardSort::Cost => rust_decimal::prelude::ToPrimitive::to_f64(&r.cost.total),
            ScorecardSort::Audience => Some((r.figures.treated.customers + r.figures.control.customers) as f64),
        }
    }

    /// Sorts `rows` (see the type's documentation).
    pub fn sort(self, rows: &mut [ScorecardRow]) {
        rows.sort_by(|a, b| {
            let order = match (self.key(a), self.key(b)) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            order.then_with(|| a.campaign.id.cmp(&b.campaign.id)).then_with(|| a.month.cmp(&b.month))
        });
    }
}

/// One row: a campaign, or a month of a trigger campaign.
#[derive(Debug, Clone)]
pub struct ScorecardRow {
    pub campaign: StoredCampaign,
    /// The month (its first day) of a trigger campaign's row.
    pub month: Option<NaiveDate>,
    pub results: CampaignResults,
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default()
}

/// The months (first days) that meet [from, to].
fn months(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut m = from.with_day(1).unwrap_or(from);
    let mut all = Vec::new();
    while m <= to {
        all.push(m);
        let Some(next) = m.checked_add_months(Months::new(1)) else { break };
        m = next;
    }
    all
}

/// The scorecard of the campaigns `scope` may see that contacted customers
/// between `from` and `to` (days in UTC, both included), measured over
/// `window_days` after each contact, at `now`.
pub fn scorecard(
    conn: &mut PgConnection,
    scope: &StoreScope,
    (from, to): (NaiveDate, NaiveDate),
    window_days: u32,
    now: DateTime<Utc>,
) -> Result<Vec<ScorecardRow>, StoreError> {
    let end = to.succ_opt().unwrap_or(to);
    let ids = clientele_store::campaigns::results::campaigns_contacting(conn, (midnight(from), midnight(end)))?;
    let mut rows = Vec::new();
    for id in ids {
        let Some(campaign) = clientele_store::campaigns::get_campaign(conn, id, false)? else { continue };
        if !campaign.visible_to(scope) {
            continue;
        }
        let request = |first_contact| ResultsRequest { window_days, metric: Metric::Purchase, by: None, first_contact };
        match campaign.spec.schedule {
            Schedule::Once { .. } => {
                let results = campaign_results(conn, &campaign, request(None), now)?;
                rows.push(ScorecardRow { campaign, month: None, results });
            }
            Schedule::Trigger(_) => {
                for month in months(from, to) {
                    let next = month.checked_add_months(Months::new(1)).unwrap_or(month);
                    let range = (midnight(month), midnight(next));
                    let results = campaign_results(conn, &campaign, request(Some(range)), now)?;
                    if results.figures.treated.customers + results.figures.control.customers > 0 {
                        rows.push(ScorecardRow { campaign: campaign.clone(), month: Some(month), results });
                    }
                }
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_months_of_a_period() {
        assert_eq!(months(day(2026, 11, 15), day(2027, 1, 3)), [day(2026, 11, 1), day(2026, 12, 1), day(2027, 1, 1)]);
        assert_eq!(months(day(2026, 3, 1), day(2026, 3, 31)), [day(2026, 3, 1)]);
    }
}

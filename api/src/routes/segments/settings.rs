//! The shapes of the programme's RFM settings (`GET/PUT /v1/segments/config`)
//! and of a preview of candidate settings (`POST /v1/segments/preview`).

use chrono::NaiveDate;
use clientele_kernel::{FieldErrors, InvalidValue};
use clientele_rfm::{RfmError, RfmSettings, Scale, Segment};
use clientele_segments::Preview;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::shapes::TransitionCellView;
use crate::error::ApiError;

/// The programme's RFM settings (see docs/segments.md), as GET returns them
/// and PUT and the preview take them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RfmSettingsBody {
    /// Months of the window F and M count orders and net paid over (1–120;
    /// 12, 24 or 36 are the usual choices). A customer with no purchase in
    /// it is R 1 and scored on the whole history.
    #[schema(example = 24)]
    pub window_months: u32,
    /// The most days since the last purchase still scoring R 5, R 4 and R 3:
    /// strictly ascending, from 1, the last shorter than the window.
    #[schema(example = json!([90, 180, 365]))]
    pub recency_days: [u32; 3],
    /// `"quintiles"`, or `{"thresholds": [2, 3, 5, 8]}`: the least orders
    /// scoring F 2, 3, 4, 5 (the first at least 2).
    #[schema(value_type = Value, example = json!({"thresholds": [2, 3, 5, 8]}))]
    pub frequency: Scale<u32>,
    /// `"quintiles"`, or `{"thresholds": ["5000", "15000", "40000", "100000"]}`:
    /// the least net paid (base currency) scoring M 2, 3, 4, 5.
    #[schema(value_type = Value, example = "quintiles")]
    pub monetary: Scale<Decimal>,
    /// A first purchase within this many days makes a New Customer (1–365).
    #[schema(example = 90)]
    pub new_customer_days: u32,
}

impl RfmSettingsBody {
    pub fn new(s: &RfmSettings) -> Self {
        RfmSettingsBody {
            window_months: s.window_months(),
            recency_days: s.recency_days(),
            frequency: *s.frequency(),
            monetary: *s.monetary(),
            new_customer_days: s.new_customer_days(),
        }
    }

    /// The settings, or 422 naming the setting refused.
    pub fn into_domain(self) -> Result<RfmSettings, ApiError> {
        RfmSettings::new(self.window_months, self.recency_days, self.frequency, self.monetary, self.new_customer_days)
            .map_err(|e| match e {
                RfmError::InvalidSetting { field, reason } => {
                    ApiError::Validation(FieldErrors::single(field, InvalidValue::new("invalid_setting", reason)))
                }
                other => ApiError::Validation(FieldErrors::single(
                    "body",
                    InvalidValue::new(other.code(), other.to_string()),
                )),
            })
    }
}

/// The RFM settings in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentSettingsView {
    /// 0 until they are first saved (the defaults).
    pub version: i32,
    pub config: RfmSettingsBody,
}

/// One segment's size in the latest snapshot and under the candidate settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewSegmentView {
    pub segment: String,
    pub name: String,
    /// Customers in it in the latest snapshot.
    pub now: u64,
    /// Customers in it under the candidate settings.
    pub preview: u64,
}

/// What candidate RFM settings would do to the latest snapshot; nothing is written.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewView {
    /// The latest snapshot's date; the population is read as of it.
    pub as_of: NaiveDate,
    pub settings: RfmSettingsBody,
    /// Every segment, in the order of the summary.
    pub segments: Vec<PreviewSegmentView>,
    /// Who would move: the non-empty cells of the matrix latest snapshot →
    /// candidate, segments best first, then null (a customer in only one
    /// of the two: merged or erased since, or whose orders changed).
    pub moves: Vec<TransitionCellView>,
}

impl PreviewView {
    pub fn new(p: &Preview, settings: &RfmSettings) -> Self {
        let code = |s: Option<Segment>| s.map(|s| s.code().to_owned());
        PreviewView {
            as_of: p.as_of,
            settings: RfmSettingsBody::new(settings),
            segments: p
                .current
                .iter()
                .zip(&p.candidate)
                .map(|((segment, now), (_, preview))| PreviewSegmentView {
                    segment: segment.code().to_owned(),
                    name: segment.display_name().to_owned(),
                    now: *now as u64,
                    preview: *preview as u64,
                })
                .collect(),
            moves: p
                .cells
                .iter()
                .map(|c| TransitionCellView {
                    from_segment: code(c.from),
                    to_segment: code(c.to),
                    customers: c.customers as u64,
                })
                .collect(),
        }
    }
}

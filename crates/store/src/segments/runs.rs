//! The runs of the segment refresh (`segment_runs`): one per snapshot date,
//! with its settings and fitted models.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_rfm::RfmSettings;
use clientele_segments::{ModelError, Models, PreviousFit, RefreshConfig};
use clientele_value::{BgNbdParams, ClvConfig, GammaGammaParams};
use diesel::prelude::*;
use serde_json::json;

use crate::error::StoreError;
use crate::schema::segment_runs;

/// One refresh as stored: its date, settings and fitted models.
#[derive(Debug, Clone)]
pub struct SegmentRun {
    pub as_of: NaiveDate,
    pub customers: u64,
    /// The RFM settings it scored by (None for a run stored before they
    /// were settings: a 365-day window and quintiles).
    pub rfm: Option<RfmSettings>,
    pub clv: Option<ClvConfig>,
    pub bgnbd: Option<BgNbdParams>,
    pub gamma_gamma: Option<GammaGammaParams>,
    pub model_error: Option<ModelError>,
    pub created_at: DateTime<Utc>,
    pub duration_ms: i64,
}

/// A read named a snapshot date that has none (`as_of` None: there is no
/// snapshot at all yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingSnapshot {
    pub as_of: Option<NaiveDate>,
}

type RunRow = (
    NaiveDate,
    serde_json::Value,
    Option<serde_json::Value>,
    Option<serde_json::Value>,
    Option<serde_json::Value>,
    i64,
    DateTime<Utc>,
    i64,
);

fn run_from_row(row: RunRow) -> Result<SegmentRun, StoreError> {
    let (as_of, config, bgnbd, gamma_gamma, model_error, customers, created_at, duration_ms) = row;
    Ok(SegmentRun {
        as_of,
        customers: u64::try_from(customers).unwrap_or(0),
        rfm: serde_json::from_value(config["rfm"].clone()).ok(),
        clv: serde_json::from_value(config["clv"].clone()).ok(),
        bgnbd: bgnbd.map(serde_json::from_value).transpose()?,
        gamma_gamma: gamma_gamma.map(serde_json::from_value).transpose()?,
        model_error: model_error.map(serde_json::from_value).transpose()?,
        created_at,
        duration_ms,
    })
}

/// The run of `as_of`, or the latest one when `as_of` is None.
pub fn segment_run(
    conn: &mut PgConnection,
    as_of: Option<NaiveDate>,
) -> Result<Result<SegmentRun, MissingSnapshot>, StoreError> {
    let query = segment_runs::table
        .select((
            segment_runs::as_of,
            segment_runs::config,
            segment_runs::bgnbd,
            segment_runs::gamma_gamma,
            segment_runs::model_error,
            segment_runs::customers,
            segment_runs::created_at,
            segment_runs::duration_ms,
        ))
        .order(segment_runs::as_of.desc())
        .into_boxed();
    let query = match as_of {
        Some(date) => query.filter(segment_runs::as_of.eq(date)),
        None => query,
    };
    let row: Option<RunRow> = query.first(conn).optional()?;
    match row {
        Some(row) => Ok(Ok(run_from_row(row)?)),
        None => Ok(Err(MissingSnapshot { as_of })),
    }
}

/// The dates that have a snapshot, newest first.
pub fn snapshot_dates(conn: &mut PgConnection) -> Result<Vec<NaiveDate>, StoreError> {
    Ok(segment_runs::table.select(segment_runs::as_of).order(segment_runs::as_of.desc()).load(conn)?)
}

/// The fit of the latest run before `as_of` (only a place to start from:
/// anything unreadable is simply not used).
pub fn previous_fit(conn: &mut PgConnection, as_of: NaiveDate) -> Result<PreviousFit, StoreError> {
    let row: Option<(Option<serde_json::Value>, Option<serde_json::Value>)> = segment_runs::table
        .filter(segment_runs::as_of.lt(as_of))
        .order(segment_runs::as_of.desc())
        .select((segment_runs::bgnbd, segment_runs::gamma_gamma))
        .first(conn)
        .optional()?;
    let Some((bgnbd, gamma_gamma)) = row else { return Ok(PreviousFit::default()) };
    Ok(PreviousFit {
        bgnbd: bgnbd.and_then(|v| serde_json::from_value(v).ok()),
        gamma_gamma: gamma_gamma.and_then(|v| serde_json::from_value(v).ok()),
    })
}

/// A refresh's run, as [`record_run`] stores it.
#[derive(Debug, Clone, Copy)]
pub struct NewRun<'a> {
    pub as_of: NaiveDate,
    pub config: &'a RefreshConfig,
    pub models: &'a Models,
    pub customers: usize,
    pub created_at: DateTime<Utc>,
    pub duration_ms: i64,
}

/// Stores the run of a date, replacing one of the same date, in the
/// caller's transaction. The settings are stored whole: the RFM settings,
/// the segment map and the CLV settings.
pub fn record_run(conn: &mut PgConnection, run: NewRun<'_>) -> Result<(), StoreError> {
    let config = json!({
        "rfm": run.config.rfm(),
        "segment_map": run.config.segment_map(),
        "clv": run.config.clv(),
        "time_unit": "days",
    });
    let values = (
        segment_runs::as_of.eq(run.as_of),
        segment_runs::config.eq(&config),
        segment_runs::bgnbd.eq(run.models.bgnbd.map(|p| json!(p))),
        segment_runs::gamma_gamma.eq(run.models.gamma_gamma.map(|p| json!(p))),
        segment_runs::model_error.eq(run.models.error.as_ref().map(|e| json!(e))),
        segment_runs::customers.eq(i64::try_from(run.customers).unwrap_or(i64::MAX)),
        segment_runs::created_at.eq(run.created_at),
        segment_runs::duration_ms.eq(run.duration_ms),
    );
    diesel::insert_into(segment_runs::table)
        .values(values.clone())
        .on_conflict(segment_runs::as_of)
        .do_update()
        .set(values)
        .execute(conn)?;
    Ok(())
}

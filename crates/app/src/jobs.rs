//! Scheduled loyalty jobs, run by every instance of the service; each run
//! takes a PostgreSQL advisory lock, so with several instances one does the
//! work and the others skip that round.
//!
//! - releases redemptions whose hold lapsed (their points become available
//!   again, or expire if their lot expired meanwhile);
//! - expires point lots whose last usable day has passed;
//! - tells members, once per lot, that points expire within 30 days
//!   (`points.expiring` events, sent out by the webhook dispatcher).
//!
//! `clientele expire-points --as-of DATE` runs the same by hand.
//!
//! Then the campaign job (`crate::campaigns::run_campaigns`): a round over
//! the running campaigns and the delivery of messages whose time has come;
//! and the thank-you follow-ups (`crate::follow_ups::thank_you_follow_ups`).
//!
//! After them, the segment refresh (RFM segments and customer value, see
//! `crate::segments`) runs once per date: if yesterday —
//! the last whole day (UTC) — has no snapshot yet, the instance that takes
//! the segments lock writes it. A snapshot of today taken at 00:05 would
//! miss the day's sales for good.
//! `clientele refresh-segments [--as-of DATE]` refreshes by hand (and
//! replaces a snapshot of the same date). A new snapshot is followed by the
//! count of co-purchase affinity over the last year (next-best-product,
//! `crate::suggestions::refresh_affinity`) and by the build of every
//! associate's worklist for their store's day
//! (`crate::worklist::build_all`); a worklist not built yet is built by its
//! first read.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_store::{Db, PgConnection, StoreError};

use crate::segments::{RefreshReport, RefreshRun, RefreshStep};

/// Advisory lock key of the loyalty jobs.
const LOYALTY_JOBS_LOCK: i64 = 0x636c_6965_6e74_0010;

/// Advisory lock key of the segment refresh (kept apart from the loyalty
/// jobs': a refresh of a million customers takes seconds).
pub const SEGMENTS_LOCK: i64 = 0x636c_6965_6e74_0011;

/// How long before their expiry members are told.
pub const EXPIRY_NOTICE_DAYS: i64 = 30;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobReport {
    /// Redemptions released because their hold lapsed.
    pub reservations_released: usize,
    /// Members whose lots expired.
    pub members_with_expired_points: usize,
    /// Points expired.
    pub points_expired: i64,
    /// `points.expiring` notices written.
    pub expiry_notices: usize,
    /// Members whose tier changed in a pending re-evaluation after a
    /// programme change (None: none was pending).
    pub tiers_reevaluated: Option<usize>,
    /// False when another instance held the lock and this run did nothing.
    pub ran: bool,
}

impl std::fmt::Display for JobReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.ran {
            return f.write_str("another instance is running the loyalty jobs; nothing done");
        }
        write!(
            f,
            "released {} lapsed redemption(s); expired {} point(s) of {} member(s); {} expiry notice(s)",
            self.reservations_released, self.points_expired, self.members_with_expired_points, self.expiry_notices
        )?;
        match self.tiers_reevaluated {
            Some(changed) => write!(f, "; tiers re-evaluated after a programme change: {changed} member(s) moved"),
            None => Ok(()),
        }
    }
}

/// One run, as of a business date.
pub fn run_once(conn: &mut PgConnection, as_of: NaiveDate, now: DateTime<Utc>) -> Result<JobReport, StoreError> {
    // Entries written for another day than today (a catch-up run by hand)
    // are dated at the start of that day.
    let at = if (now.date_naive() - as_of).num_days().abs() <= 1 {
        now
    } else {
        as_of.and_time(chrono::NaiveTime::MIN).and_utc()
    };
    let report = clientele_store::with_job_lock(conn, LOYALTY_JOBS_LOCK, |conn| {
        let mut report = JobReport { ran: true, ..JobReport::default() };
        loop {
            let released = crate::loyalty::expire_lapsed_reservations(conn, now, 500)?;
            report.reservations_released += released;
            if released < 500 {
                break;
            }
        }
        let (members, points) = crate::loyalty::expire_points(conn, as_of, at)?;
        report.members_with_expired_points = members;
        report.points_expired = points;
        report.expiry_notices = crate::loyalty::announce_expiring_points(conn, as_of, EXPIRY_NOTICE_DAYS, at)?;
        // A re-evaluation after a programme change that failed or was cut
        // short (the service stopped) is finished here.
        report.tiers_reevaluated = crate::loyalty::reevaluate_tiers_if_pending(conn, now.date_naive(), now)?;
        Ok(report)
    })?;
    Ok(report.unwrap_or_default())
}

/// Connections for a segment refresh to read with besides its own: one per
/// core of this machine beyond the first, at most three (PostgreSQL groups
/// the orders of one query on one core; see `refresh_segments`).
pub fn refresh_readers(db: &clientele_store::Db) -> Result<Vec<clientele_store::Conn>, StoreError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    (1..cores).map(|_| db.conn()).collect()
}

/// The scheduled segment refresh: writes the snapshot of `as_of` unless it
/// exists, reading with `readers` besides `conn`. None when there was
/// nothing to do (the snapshot exists, or another instance holds the lock —
/// it is writing it).
pub fn refresh_segments_if_due(
    conn: &mut PgConnection,
    readers: &mut [&mut PgConnection],
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<RefreshReport>, StoreError> {
    let report = clientele_store::with_job_lock(conn, SEGMENTS_LOCK, |conn| {
        if clientele_store::segment_run(conn, Some(as_of))?.is_ok() {
            return Ok(None);
        }
        let config = crate::segments::refresh_config(conn)?;
        let run = RefreshRun { as_of, config: &config, now, threads: crate::machine_threads() };
        crate::segments::refresh_segments(conn, readers, &run, &mut |_| {}).map(Some)
    })?;
    Ok(report.flatten())
}

/// Runs `f` on a pooled connection on a blocking thread.
pub async fn on_connection<T, F>(db: &Db, f: F) -> anyhow::Result<T>
where
    F: FnOnce(&Db, &mut PgConnection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let db = db.clone();
    let span = tracing::Span::current();
    let result = tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut conn = db.conn()?;
        f(&db, &mut conn)
    })
    .await?;
    Ok(result?)
}

/// Runs the jobs every `interval`, the first round at once, until the
/// future is dropped (the service's `serve` stops it with the HTTP server).
pub async fn run_until_stopped(db: Db, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let now = crate::clock::now();
        match on_connection(&db, move |_, conn| run_once(conn, now.date_naive(), now)).await {
            Ok(report) if report.ran => tracing::info!(%report, "loyalty jobs"),
            Ok(_) => tracing::debug!("loyalty jobs skipped: another instance holds the lock"),
            Err(e) => tracing::error!(error = %e, "loyalty jobs failed; retrying next round"),
        }
        match on_connection(&db, move |_, conn| crate::campaigns::run_campaigns(conn, now)).await {
            Ok(report) if report.ran => tracing::info!(%report, "campaign job"),
            Ok(_) => tracing::debug!("campaign job skipped: another instance holds the lock"),
            Err(e) => tracing::error!(error = %e, "campaign job failed; retrying next round"),
        }
        match on_connection(&db, move |_, conn| crate::follow_ups::thank_you_follow_ups(conn, now)).await {
            Ok(Some(made)) => tracing::info!(made, "thank-you follow-ups"),
            Ok(None) => tracing::debug!("thank-you follow-ups skipped: another instance holds the lock"),
            Err(e) => tracing::error!(error = %e, "thank-you follow-ups failed; retrying next round"),
        }
        let yesterday = now.date_naive().pred_opt().unwrap_or(now.date_naive());
        let refresh = move |db: &Db, conn: &mut PgConnection| {
            let mut readers = refresh_readers(db)?;
            let mut readers: Vec<&mut PgConnection> = readers.iter_mut().map(|c| &mut **c).collect();
            refresh_segments_if_due(conn, &mut readers, yesterday, now)
        };
        match on_connection(&db, refresh).await {
            Ok(Some(report)) => {
                tracing::info!(%report, "segments refreshed");
                let today = now.date_naive();
                let affinity = move |_: &Db, conn: &mut PgConnection| {
                    crate::suggestions::refresh_affinity(conn, today, now, crate::machine_threads().get())
                };
                match on_connection(&db, affinity).await {
                    Ok(r) => tracing::info!(lines = r.lines, rules = r.rules, ms = r.duration_ms, "affinity counted"),
                    Err(e) => tracing::error!(error = %e, "affinity count failed; the last rules stay"),
                }
                // The new snapshot is what the worklists read.
                match on_connection(&db, move |_, conn| crate::worklist::build_all(conn, now)).await {
                    Ok(built) => tracing::info!(clients = built.clients, entries = built.entries, "worklists built"),
                    Err(e) => tracing::error!(error = %e, "worklist build failed; each is built at its first read"),
                }
            }
            Ok(None) => tracing::debug!("segments up to date, or being refreshed by another instance"),
            Err(e) => tracing::error!(error = %e, "segment refresh failed; retrying next round"),
        }
    }
}

/// `clientele refresh-segments`: refreshes the snapshot of `as_of` now (and
/// replaces one of the same date), showing its steps on a terminal.
pub fn refresh_segments(
    conn: &mut PgConnection,
    readers: &mut [&mut PgConnection],
    as_of: NaiveDate,
    now: DateTime<Utc>,
    progress: bool,
) -> anyhow::Result<RefreshReport> {
    let bar = if progress {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                .map_err(|e| anyhow::anyhow!("progress template: {e}"))?,
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut show = |step: RefreshStep| {
        bar.set_message(match step {
            RefreshStep::Aggregating => "aggregating orders …".to_owned(),
            RefreshStep::Read(n) => format!("read {n} customers"),
            RefreshStep::Scored(n) => format!("scored {n} customers; fitting the value models …"),
            RefreshStep::Valued(n) => format!("valued {n} customers; writing …"),
            RefreshStep::Writing { written, total } => format!("written {written} of {total}"),
            RefreshStep::Done => "done".to_owned(),
        });
    };
    let report = clientele_store::with_job_lock(conn, SEGMENTS_LOCK, |conn| {
        let config = crate::segments::refresh_config(conn)?;
        let run = RefreshRun { as_of, config: &config, now, threads: crate::machine_threads() };
        crate::segments::refresh_segments(conn, readers, &run, &mut show)
    })?;
    bar.finish_and_clear();
    report.ok_or_else(|| anyhow::anyhow!("another instance is refreshing the segments now; try again in a moment"))
}

//! The refresh of segments: the facts of every customer who has bought,
//! read by the store (`clientele_store::read_population`, over ranges of
//! customer ids on several connections at once, in one snapshot); turned
//! into histories, scores, segments, fitted models and predictions by
//! `clientele_segments::refresh` on the threads it is given; written as
//! the date's snapshot with its run in one transaction
//! (`clientele_store::write_snapshot`, `record_run`). The programme's RFM
//! settings: read for a refresh, and previewed against the latest snapshot
//! before they are saved (saving is [`crate::settings::save`]).

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use clientele_rfm::{RfmSettings, Segment};
use clientele_segments::{ModelError, Preview, RefreshConfig, RefreshInput, SegmentsError, Stage, refresh};
use clientele_store::{NewRun, PgConnection, StoreError};
use clientele_value::{BgNbdParams, GammaGammaParams};

/// How far a refresh has got, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshStep {
    /// The aggregate query is running (nothing read yet).
    Aggregating,
    /// Customers read so far.
    Read(usize),
    /// Every customer scored and segmented.
    Scored(usize),
    /// The value models fitted (or found not to fit) and applied.
    Valued(usize),
    /// Snapshot rows written so far, of the total.
    Writing { written: usize, total: usize },
    /// Committed.
    Done,
}

/// What a refresh did.
#[derive(Debug, Clone)]
pub struct RefreshReport {
    pub as_of: NaiveDate,
    /// Customers in the snapshot (live customers with a purchase up to the date).
    pub customers: usize,
    /// Customers per segment, in the order of [`Segment::ALL`].
    pub segments: [(Segment, usize); Segment::COUNT],
    pub bgnbd: Option<BgNbdParams>,
    pub gamma_gamma: Option<GammaGammaParams>,
    pub model_error: Option<ModelError>,
    /// True when a snapshot of the same date was replaced.
    pub replaced: bool,
    pub elapsed: Duration,
}

impl std::fmt::Display for RefreshReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "segments as of {}: {} customers in {:.1} s{}",
            self.as_of,
            self.customers,
            self.elapsed.as_secs_f64(),
            if self.replaced { " (replaced the earlier snapshot of that date)" } else { "" }
        )?;
        for (segment, n) in &self.segments {
            write!(f, "\n  {:<20} {n}", segment.code())?;
        }
        match (&self.bgnbd, &self.gamma_gamma, &self.model_error) {
            (_, _, Some(e)) => write!(f, "\n  value model not fitted: {} ({})", e.message, e.code),
            (Some(b), Some(g), None) => write!(
                f,
                "\n  BG/NBD r={:.4} alpha={:.4} a={:.4} b={:.4}; Gamma-Gamma p={:.4} q={:.4} v={:.4}",
                b.r(),
                b.alpha(),
                b.a(),
                b.b(),
                g.p(),
                g.q(),
                g.v()
            ),
            _ => Ok(()),
        }
    }
}

/// What to refresh: the date, the settings, the time it runs at, and how
/// many threads the pure part may use.
#[derive(Debug, Clone, Copy)]
pub struct RefreshRun<'a> {
    pub as_of: NaiveDate,
    pub config: &'a RefreshConfig,
    pub now: DateTime<Utc>,
    pub threads: NonZeroUsize,
}

/// Computes and writes the snapshot of `as_of` (see the module
/// documentation), replacing one of the same date. The facts are read on
/// `conn` and the `readers` together (see [`read_facts_in_parallel`]; none
/// is fine). `progress` hears of each step. The value models failing on
/// degenerate data (no repeat buyers, too few customers, …) is not an
/// error: the RFM part is written and the model error recorded in the run.
pub fn refresh_segments(
    conn: &mut PgConnection,
    readers: &mut [&mut PgConnection],
    run: &RefreshRun<'_>,
    progress: &mut dyn FnMut(RefreshStep),
) -> Result<RefreshReport, StoreError> {
    let RefreshRun { as_of, config, now, threads } = *run;
    let started = Instant::now();
    let window_start = config.window_start(as_of).map_err(segments_error)?;
    progress(RefreshStep::Aggregating);
    let previous = clientele_store::previous_fit(conn, as_of)?;
    let facts = clientele_store::read_population(conn, readers, as_of, window_start, &mut |n| {
        progress(RefreshStep::Read(n));
    })?;
    progress(RefreshStep::Read(facts.len()));
    let mut marks = Marks::default();
    let input = RefreshInput { facts, as_of, config: *config, previous, threads };
    let refreshed = refresh(input, &mut |stage| match stage {
        // Reading includes making the histories, as it always has.
        Stage::Summarised(_) => marks.aggregated = started.elapsed(),
        Stage::Scored(n) => {
            progress(RefreshStep::Scored(n));
            marks.scored = started.elapsed();
        }
        Stage::Fitted => marks.fitted = started.elapsed(),
        Stage::Valued(n) => {
            progress(RefreshStep::Valued(n));
            marks.valued = started.elapsed();
        }
    })
    .map_err(segments_error)?;
    let replaced = clientele_store::transaction(conn, |tx| {
        let replaced = clientele_store::write_snapshot(tx.conn()?, &refreshed, &mut |written, total| {
            progress(RefreshStep::Writing { written, total });
        })?;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let run = NewRun {
            as_of,
            config,
            models: refreshed.models(),
            customers: refreshed.len(),
            created_at: now,
            duration_ms,
        };
        clientele_store::record_run(tx.conn()?, run)?;
        Ok(replaced)
    })?;
    progress(RefreshStep::Done);
    let elapsed = started.elapsed();
    marks.log(as_of, refreshed.len(), elapsed);
    let models = refreshed.models().clone();
    Ok(RefreshReport {
        as_of,
        customers: refreshed.len(),
        segments: refreshed.segment_counts(),
        bgnbd: models.bgnbd,
        gamma_gamma: models.gamma_gamma,
        model_error: models.error,
        replaced,
        elapsed,
    })
}

fn segments_error(e: SegmentsError) -> StoreError {
    StoreError::Corrupt(format!("segment refresh: {e}"))
}

/// When each step of a refresh was done, from its start.
#[derive(Debug, Default)]
struct Marks {
    aggregated: Duration,
    scored: Duration,
    fitted: Duration,
    valued: Duration,
}

impl Marks {
    fn log(&self, as_of: NaiveDate, customers: usize, elapsed: Duration) {
        tracing::info!(
            %as_of,
            customers,
            aggregate_ms = self.aggregated.as_millis() as u64,
            score_ms = (self.scored - self.aggregated).as_millis() as u64,
            fit_ms = (self.fitted - self.scored).as_millis() as u64,
            predict_ms = (self.valued - self.fitted).as_millis() as u64,
            write_ms = (elapsed - self.valued).as_millis() as u64,
            "segments refreshed"
        );
    }
}

/// The refresh's settings: the programme's RFM settings as stored (the
/// defaults until saved) and the default CLV settings.
pub fn refresh_config(conn: &mut PgConnection) -> Result<RefreshConfig, StoreError> {
    let (rfm, _) = clientele_store::settings::settings::<RfmSettings>(conn)?;
    RefreshConfig::new(rfm, *RefreshConfig::default().clv()).map_err(segments_error)
}

/// What `settings` would do to the latest snapshot: each segment's size now
/// and under them, and who would move where (see
/// [`clientele_segments::preview`]). The population is read as of the
/// snapshot's date, as a refresh would read it; nothing is written. None
/// when there is no snapshot yet.
pub fn preview_settings(
    conn: &mut PgConnection,
    settings: &RfmSettings,
    threads: NonZeroUsize,
) -> Result<Option<Preview>, StoreError> {
    let Ok(run) = clientele_store::segment_run(conn, None)? else { return Ok(None) };
    let as_of = run.as_of;
    let window_start = settings.window_start(as_of).ok_or_else(|| segments_error(SegmentsError::NoWindow { as_of }))?;
    let facts = clientele_store::read_population(conn, &mut [], as_of, window_start, &mut |_| {})?;
    let current = clientele_store::snapshot_segments(conn, as_of)?;
    clientele_segments::preview(facts, as_of, settings, current, threads).map(Some).map_err(segments_error)
}

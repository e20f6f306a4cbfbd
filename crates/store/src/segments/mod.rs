//! RFM segments and customer value over time: the refresh that writes a
//! dated snapshot of every customer who has bought ([`refresh`]: what it
//! reads and writes; the refresh is `clientele_app::segments`), the runs
//! that record each refresh ([`runs`]), and the reads over snapshots
//! ([`reads`]).
//!
//! What a snapshot holds — histories, scores, segments, fitted models and
//! predictions — is worked out by `clientele_segments`; this area reads
//! the facts it needs, writes what it returns, and reads it back. Row types
//! stay in here: callers get domain types.

mod reads;
mod refresh;
mod runs;
mod settings;

pub use reads::{
    AssociateRef, CategoryShare, CellCustomer, CellPage, CellRequest, CustomerValueReport, SegmentCuts, SegmentFigures,
    SegmentHistoryEntry, SegmentMember, SegmentPage, SegmentPageRequest, SegmentSummary, StoreVisits, TopCustomer,
    TopCustomers, TransitionCount, Transitions, ValueCursor, ValueSnapshot, customer_value, segment_customers,
    segment_summary, segment_transitions, top_customers,
};
pub use refresh::{read_population, write_snapshot};
pub use runs::{MissingSnapshot, NewRun, SegmentRun, previous_fit, record_run, segment_run, snapshot_dates};
pub use settings::snapshot_segments;

//! Go-live imports (issue #15, docs/import.md): a brand's past brought in
//! from CSV files — `clientele import stores` so far — with what every
//! such import shares: the header read once (unknown columns ignored, named
//! in one warning), every refused row written to a reject file as it
//! happens (the original row, its line, a stable reason code and a
//! message), refusals counted by reason, `--max-rejects` to stop a run
//! that goes wrong, and `--check` to validate a whole file writing nothing
//! but the reject file.

mod rejects;
pub mod stores;

pub use rejects::{Header, Refusal, Rejects};

/// How a go-live import runs.
#[derive(Debug, Clone, Default)]
pub struct GoLiveOptions {
    /// Where refused rows go (None: not written; still counted).
    pub rejects: Option<std::path::PathBuf>,
    /// Stop after this many refused rows (None: never).
    pub max_rejects: Option<u64>,
    /// Validate only: write nothing but the reject file.
    pub check: bool,
}

//! Structured logs: `RUST_LOG` filters (default `info`), `CLIENTELE_LOG_FORMAT=json`
//! writes one JSON object per line (with the request span's fields), anything
//! else writes human-readable lines. Logs go to stderr.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls do nothing.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("CLIENTELE_LOG_FORMAT").map(|v| v == "json").unwrap_or(false);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ =
        if json { builder.json().with_current_span(true).with_span_list(false).try_init() } else { builder.try_init() };
}

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

/// Longest log line written for one failure (panic message and backtrace,
/// or an error's cause chain): a flood of failing requests must not fill
/// the disk (one panic per request once wrote 222 KB each).
pub const MAX_FAILURE_LOG_BYTES: usize = 4096;

/// Cuts `text` to at most `max` bytes on a character boundary, saying so.
pub fn bounded(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} bytes cut]", &text[..end], text.len() - end)
}

/// Text on one line: each line trimmed, joined with ` | `.
pub fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" | ")
}

/// Replaces the default panic hook (a multi-line message, and a full
/// backtrace per panic when `RUST_BACKTRACE` is set) with one log line in
/// the current span — so it carries the request id — holding the message,
/// the place and a backtrace, all bounded by [`MAX_FAILURE_LOG_BYTES`].
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_owned());
        let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::force_capture().to_string();
        let message = bounded(&one_line(&message), 512);
        let backtrace = bounded(&one_line(&backtrace), MAX_FAILURE_LOG_BYTES.saturating_sub(message.len()));
        tracing::error!(panic = %message, location = %location, backtrace = %backtrace, "panicked");
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_cuts_on_a_character_boundary_and_says_how_much() {
        assert_eq!(bounded("short", 10), "short");
        let cut = bounded("王芳王芳王芳", 7);
        assert!(cut.starts_with("王芳") && cut.contains("bytes cut"), "{cut}");
        assert!(bounded(&"x".repeat(100_000), MAX_FAILURE_LOG_BYTES).len() < MAX_FAILURE_LOG_BYTES + 40);
    }
}

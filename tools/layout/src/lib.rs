//! Nothing here: the checks are `tests/layout.rs`.

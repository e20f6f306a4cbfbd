//! When a delivery is tried again, when it is given up, and how long a
//! claimed delivery is reserved for the instance that claimed it.

use std::time::Duration;

/// How long a claimed delivery is reserved for the instance that claimed it
/// before another may claim it again, in seconds. Must exceed the time a
/// batch of sends can take (the sender's timeout is 5 s and it sends a batch
/// concurrently). An instance that dies mid-send leaves its deliveries to be
/// claimed again once the lease runs out: delivery is at least once.
pub const CLAIM_LEASE_SECONDS: i64 = 60;

/// When to try again, and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; it doubles after each one.
    pub base: Duration,
    /// The longest wait between two attempts.
    pub cap: Duration,
    /// After this many failed attempts the delivery is `failed` for good
    /// (at least one attempt is made whatever it says).
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 10 s, doubling, at most 1 h apart, 8 attempts (about 21 minutes in all).
    fn default() -> Self {
        RetryPolicy { base: Duration::from_secs(10), cap: Duration::from_secs(3600), max_attempts: 8 }
    }
}

impl RetryPolicy {
    /// The wait after `failed_attempts` (≥ 1) failures: base × 2^(n−1), capped.
    pub fn delay_after(&self, failed_attempts: u32) -> Duration {
        let doublings = failed_attempts.saturating_sub(1).min(31);
        self.base.saturating_mul(1u32 << doublings).min(self.cap)
    }

    /// True when a delivery that has failed `failed_attempts` times is given up.
    pub fn gives_up_after(&self, failed_attempts: u32) -> bool {
        failed_attempts >= self.max_attempts.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let p = RetryPolicy { base: Duration::from_secs(10), cap: Duration::from_secs(100), max_attempts: 8 };
        let waits: Vec<u64> = (1..=6).map(|n| p.delay_after(n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 100, 100]);
        assert_eq!(p.delay_after(u32::MAX), Duration::from_secs(100), "no overflow");
        assert!(!p.gives_up_after(7));
        assert!(p.gives_up_after(8));
    }

    #[test]
    fn the_default_schedule() {
        let p = RetryPolicy::default();
        let total: u64 = (1..p.max_attempts).map(|n| p.delay_after(n).as_secs()).sum();
        assert_eq!(total, 10 + 20 + 40 + 80 + 160 + 320 + 640);
    }
}

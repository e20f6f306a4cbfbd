//! One small deterministic generator of numbers ([`SplitMix64`]) for
//! everything that needs made-up but repeatable data: the demo data, the
//! synthetic populations of the examples and benchmarks, the shuffles of
//! the property tests. Same seed, same numbers, on any machine and in any
//! build: nothing here reads the clock or the operating system's random
//! source.
//!
//! It is not for secrets: API keys and webhook secrets come from the
//! operating system's source (in the API), never from here.
//!
//! ```
//! use clientele_kernel::random::SplitMix64;
//!
//! let mut a = SplitMix64::new(7);
//! let mut b = SplitMix64::new(7);
//! assert_eq!(a.next_u64(), b.next_u64());
//! let die = a.between(1, 6);
//! assert!((1..=6).contains(&die));
//! ```

/// The increment of the state per draw: 2⁶⁴ / φ, rounded to an odd number.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// 2⁻⁵³: one step of a 53-bit fraction (an `f64`'s precision).
const STEP_53: f64 = 1.0 / (1_u64 << 53) as f64;

/// SplitMix64 (Steele, Lea and Flood, 2014; Vigna's `splitmix64.c`): the
/// state moves by a constant per draw and a bijective mix of it is the
/// output. Fast, passes BigCrush, and its whole state is one `u64`: the
/// seed.
///
/// The helpers reduce a draw with `%` (no rejection), so a number below `n`
/// is off uniform by at most `n / 2⁶⁴`: nothing for demo data and tests, and
/// each helper takes exactly one draw, so a stream stays easy to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

/// The output function: a bijection of `u64` that spreads every input bit
/// over the whole output (Stafford's "Mix13" finaliser).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SplitMix64 {
    /// The generator whose numbers follow from `seed` (any value, 0
    /// included).
    pub const fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next number, uniform over all of `u64`.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// Skips `draws` numbers at once, as if `next_u64` had been called that
    /// many times (the state only moves by a constant per draw). The `n`-th
    /// number of a stream is one jump and one draw away.
    pub fn advance(&mut self, draws: u64) {
        self.state = self.state.wrapping_add(GAMMA.wrapping_mul(draws));
    }

    /// A number in `0..n` (one draw); 0 when `n` is 0, so an empty range
    /// gives the index of nothing rather than a panic.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A number from `low` to `high`, both included (one draw); the two
    /// may come in either order.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        let (low, high) = (low.min(high), low.max(high));
        match (high - low).checked_add(1) {
            Some(len) => low + self.below(len),
            None => self.next_u64(),
        }
    }

    /// True `percent` times in a hundred (one draw): never for 0, always
    /// from 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`, each as likely (one draw).
    ///
    /// # Panics
    ///
    /// If `items` is empty.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        assert!(!items.is_empty(), "pick from an empty slice");
        items[self.below(items.len() as u64) as usize]
    }

    /// Puts `items` in an order drawn uniformly from all of them
    /// (Fisher–Yates, from the end: one draw per item but the first).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// A number in `[0, 1)`: the top 53 bits of a draw as a fraction, so
    /// every value is a multiple of 2⁻⁵³, exactly.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * STEP_53
    }

    /// A number in `(0, 1]`, never 0, so its logarithm is finite (what an
    /// inverse-transform draw such as `-u.ln() / rate` needs): the middle of
    /// the 2⁻⁵³ step `next_f64` would give, rounded to the nearest `f64`
    /// (which makes it 1.0 for the top step).
    pub fn next_f64_nonzero(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * STEP_53
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first<const N: usize>(seed: u64) -> [u64; N] {
        let mut rng = SplitMix64::new(seed);
        std::array::from_fn(|_| rng.next_u64())
    }

    /// The reference outputs of `splitmix64.c` (and of Java's
    /// `SplittableRandom` mixing), so the demo data and every synthetic
    /// population keep the stream they had with their own copies.
    #[test]
    fn the_stream_is_the_published_splitmix64() {
        assert_eq!(
            first(1_234_567),
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821
            ]
        );
        assert_eq!(first(0), [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F]);
    }

    #[test]
    fn the_helpers_take_one_draw_each_from_the_same_stream() {
        let raw = first::<6>(42);
        let mut rng = SplitMix64::new(42);
        assert_eq!(rng.below(1000), raw[0] % 1000);
        assert_eq!(rng.between(10, 20), 10 + raw[1] % 11);
        assert_eq!(rng.chance(30), raw[2] % 100 < 30);
        assert_eq!(rng.pick(&[1, 2, 3]), [1, 2, 3][(raw[3] % 3) as usize]);
        assert_eq!(rng.next_f64(), (raw[4] >> 11) as f64 / 9_007_199_254_740_992.0);
        assert_eq!(rng.next_f64_nonzero(), ((raw[5] >> 11) as f64 + 0.5) / 9_007_199_254_740_992.0);
    }

    #[test]
    fn the_edges_of_the_ranges() {
        let mut rng = SplitMix64::new(1);
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
        assert_eq!(rng.between(5, 5), 5);
        assert_eq!(rng.clone().between(20, 10), rng.between(10, 20));
        let any = rng.clone().next_u64();
        assert_eq!(rng.between(0, u64::MAX), any);
        // The largest 53-bit fraction, and the one whose middle rounds up.
        assert!(((1_u64 << 53) - 1) as f64 * STEP_53 < 1.0);
        assert_eq!((((1_u64 << 53) - 1) as f64 + 0.5) * STEP_53, 1.0);
        assert_eq!(0.5 * STEP_53, 2f64.powi(-54));
    }

    /// Not a test of randomness (BigCrush did that), only that nothing in
    /// the helpers skews it: 100,000 draws land evenly.
    #[test]
    fn draws_spread_evenly() {
        let mut rng = SplitMix64::new(2026);
        let mut buckets = [0_u32; 10];
        let mut sum = 0.0;
        for _ in 0..100_000 {
            buckets[rng.below(10) as usize] += 1;
            sum += rng.next_f64();
        }
        // 10,000 expected per bucket, standard deviation about 95.
        assert!(buckets.iter().all(|b| (9_500..=10_500).contains(b)), "{buckets:?}");
        // Mean 0.5, standard deviation of the mean about 0.0009.
        assert!((sum / 100_000.0 - 0.5).abs() < 0.005, "{}", sum / 100_000.0);
    }

    /// Each of the six orders of three items comes out about as often (an
    /// off-by-one in Fisher–Yates would make some impossible).
    #[test]
    fn shuffles_reach_every_order_evenly() {
        let mut rng = SplitMix64::new(11);
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..60_000 {
            let mut items = [0, 1, 2];
            rng.shuffle(&mut items);
            *seen.entry(items).or_insert(0_u32) += 1;
        }
        // 10,000 expected each, standard deviation about 91.
        assert_eq!(seen.len(), 6);
        assert!(seen.values().all(|n| (9_500..=10_500).contains(n)), "{seen:?}");
    }
}

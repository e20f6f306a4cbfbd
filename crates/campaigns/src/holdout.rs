//! The control group: [`HoldoutPercent`], and [`held_out`], which says
//! whether one customer is held out of one campaign.
//!
//! # The rule
//!
//! Whether a customer is held out is a function of the campaign's id and the
//! customer's id only: the same on every re-run, re-launch and instance, in
//! every version of the engine, and however the audience is ordered or
//! split. Each (campaign, customer) pair gets a draw in `0..10_000`
//! ([`holdout_draw`]); the customer is held out when the draw is below the
//! percentage in basis points (hundredths of a percent). So:
//!
//! - a percentage of `p` holds out each customer with probability `p`,
//!   independently of the others (the draws are uniform), and 0 % nobody;
//! - raising a campaign's percentage only adds customers to its control
//!   group, lowering it only removes some;
//! - two campaigns draw independently: being held out of one says nothing
//!   about the other, so no customer is systematically left out of
//!   everything.
//!
//! # The hash (fixed: changing it would move customers between groups)
//!
//! Each id is read as its two big-endian 64-bit halves
//! ([`Uuid::as_u64_pair`]). Starting from the state `0x636C_6965_6E74_656C`
//! (the ASCII bytes of "clientel"), each of the four words — campaign high,
//! campaign low, customer high, customer low — is absorbed as
//! `state = mix(state + γ ⊕ word)` (wrapping addition), where γ is
//! SplitMix64's increment `0x9E37_79B9_7F4A_7C15` and `mix` its output
//! function (Stafford's Mix13:
//! `z ^= z >> 30; z *= 0xBF58_476D_1CE4_E5B9; z ^= z >> 27;
//! z *= 0x94D0_49BB_1331_11EB; z ^= z >> 31`, multiplications wrapping).
//! The draw is the final state modulo 10,000 (off uniform by at most
//! 10⁴ / 2⁶⁴). It is written out here, not taken from the standard
//! library's hasher, whose output may change between Rust versions and is
//! seeded per process; literal test vectors pin it.
//!
//! PostgreSQL has no wrapping 64-bit multiplication, so SQL does not compute
//! the draw: the store computes it here and keeps it if a query needs it.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};
use uuid::Uuid;

use crate::error::CampaignError;

/// The number of possible draws: a draw is in `0..DRAWS`, one per basis
/// point of a percentage.
pub const DRAWS: u32 = 10_000;

/// The state the hash starts from: "clientel" in ASCII.
const SEED: u64 = 0x636C_6965_6E74_656C;

/// SplitMix64's increment, 2⁶⁴ / φ rounded to an odd number.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function (Stafford's Mix13), a bijection of `u64`
/// that spreads every input bit over the whole output.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 64-bit hash of a (campaign, customer) pair, as the
/// [module documentation](self) defines it.
pub fn holdout_hash(campaign: Uuid, customer: Uuid) -> u64 {
    let (campaign_high, campaign_low) = campaign.as_u64_pair();
    let (customer_high, customer_low) = customer.as_u64_pair();
    [campaign_high, campaign_low, customer_high, customer_low]
        .into_iter()
        .fold(SEED, |state, word| mix(state.wrapping_add(GAMMA) ^ word))
}

/// The customer's draw for the campaign, in `0..10_000`: uniform over the
/// pairs, the same for a pair forever. The customer is held out at a
/// percentage of `p` basis points exactly when the draw is below `p`, so a
/// store that keeps the draw can select a control group of any size in SQL
/// (`draw < basis_points`).
pub fn holdout_draw(campaign: Uuid, customer: Uuid) -> u32 {
    // The remainder is below 10,000, so it fits.
    (holdout_hash(campaign, customer) % u64::from(DRAWS)) as u32
}

/// Whether the customer is held out of the campaign (receives nothing, and
/// is recorded as held out so the campaign's effect can be measured).
/// Deterministic in (campaign, customer), for a given percentage.
pub fn held_out(campaign: Uuid, customer: Uuid, percent: HoldoutPercent) -> bool {
    holdout_draw(campaign, customer) < u32::from(percent.basis_points())
}

/// A campaign's holdout percentage: from 0 to 50 %, with at most two
/// decimals (so a whole number of basis points, 0 to 5,000). Serialised as
/// a JSON number, `20` or `12.5`; deserialising goes through
/// [`HoldoutPercent::from_f64`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Deserialize)]
#[serde(try_from = "f64")]
pub struct HoldoutPercent(u16);

impl HoldoutPercent {
    /// Nobody held out.
    pub const ZERO: HoldoutPercent = HoldoutPercent(0);

    /// The largest percentage, in basis points (50 %: a control group
    /// larger than the treated group measures no better and costs sales).
    pub const MAX_BASIS_POINTS: u16 = 5_000;

    fn refused(reason: impl Into<String>) -> CampaignError {
        CampaignError::InvalidHoldoutPercent { reason: reason.into() }
    }

    fn out_of_range(shown: impl fmt::Display) -> CampaignError {
        HoldoutPercent::refused(format!("must be between 0 and 50 (percent of the audience), got {shown}"))
    }

    /// A percentage in basis points, hundredths of a percent: 0 to 5,000
    /// (`1250` is 12.5 %).
    pub fn from_basis_points(basis_points: u32) -> Result<HoldoutPercent, CampaignError> {
        match u16::try_from(basis_points) {
            Ok(bp) if bp <= HoldoutPercent::MAX_BASIS_POINTS => Ok(HoldoutPercent(bp)),
            _ => Err(HoldoutPercent::out_of_range(format_args!("{basis_points} basis points"))),
        }
    }

    /// A percentage as a decimal: 0 to 50, at most two decimals (`12.5`,
    /// `0.25`; `12.345` is refused, not rounded).
    pub fn new(percent: Decimal) -> Result<HoldoutPercent, CampaignError> {
        let percent = percent.normalize();
        if percent.is_sign_negative() && !percent.is_zero() || percent > Decimal::from(50) {
            return Err(HoldoutPercent::out_of_range(percent));
        }
        if percent.scale() > 2 {
            return Err(HoldoutPercent::refused(format!("has at most two decimals, got {percent}")));
        }
        let mut hundredths = percent.abs();
        hundredths.rescale(2);
        // 0 ..= 5,000 after the checks above.
        let basis_points = u32::try_from(hundredths.mantissa()).unwrap_or(u32::MAX);
        HoldoutPercent::from_basis_points(basis_points)
    }

    /// A percentage as JSON carries it. The number is read as its shortest
    /// decimal form (`12.34` is 12.34, not the binary fraction nearest it),
    /// then checked as [`HoldoutPercent::new`] does.
    pub fn from_f64(percent: f64) -> Result<HoldoutPercent, CampaignError> {
        if !percent.is_finite() {
            return Err(HoldoutPercent::refused("must be a number from 0 to 50"));
        }
        if !(0.0..=50.0).contains(&percent) {
            return Err(HoldoutPercent::out_of_range(percent));
        }
        // Rust prints the shortest decimal that reads back as the same f64,
        // without an exponent; within 0..=50 it always parses as a Decimal.
        let decimal = Decimal::from_str(&percent.to_string())
            .map_err(|_| HoldoutPercent::refused(format!("is not a decimal number: {percent}")))?;
        HoldoutPercent::new(decimal)
    }

    /// The percentage in basis points, 0 to 5,000.
    pub const fn basis_points(self) -> u16 {
        self.0
    }

    /// The percentage as a decimal, e.g. `12.5`.
    pub fn percent(self) -> Decimal {
        Decimal::new(i64::from(self.0), 2).normalize()
    }

    /// The share of the audience held out, 0.0 to 0.5.
    pub fn fraction(self) -> f64 {
        f64::from(self.0) / f64::from(DRAWS)
    }
}

impl TryFrom<f64> for HoldoutPercent {
    type Error = CampaignError;

    fn try_from(percent: f64) -> Result<HoldoutPercent, CampaignError> {
        HoldoutPercent::from_f64(percent)
    }
}

impl Serialize for HoldoutPercent {
    /// A whole percentage as an integer (`20`), another as a float (`12.5`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(100) {
            serializer.serialize_u16(self.0 / 100)
        } else {
            // One correctly rounded division: the f64 nearest the exact
            // percentage, whose shortest form has the two decimals.
            serializer.serialize_f64(f64::from(self.0) / 100.0)
        }
    }
}

impl fmt::Display for HoldoutPercent {
    /// The number as in JSON, with a percent sign: `12.5%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.percent())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Uuid {
        Uuid::parse_str(s).unwrap()
    }

    /// The draws are pinned: they were computed by an independent Python
    /// transcription of the definition in the module documentation
    /// (`int.from_bytes(uuid.bytes[:8], "big")`, masks to 64 bits). If one of
    /// these changes, every campaign's control group changes with it.
    #[test]
    fn the_hash_is_pinned() {
        let nil = Uuid::nil();
        let max = Uuid::max();
        let campaign = id("0190d3b4-6f2a-7c3e-9a41-5be2f0c8a7d1");
        let customer = id("6a1f3c2e-8b4d-4e5f-a7c9-0d1e2f3a4b5c");
        assert_eq!(holdout_hash(nil, nil), 0x_BBE4_74B9_1A44_2BF3);
        assert_eq!(holdout_hash(campaign, customer), 0x_11BD_B594_6F9C_DC9E);
        assert_eq!(holdout_hash(customer, campaign), 0x_A2BF_259E_341F_F057);
        assert_eq!(holdout_hash(max, nil), 0x_DDBD_2645_1CC4_63F8);
        assert_eq!(holdout_draw(nil, nil), 691);
        assert_eq!(holdout_draw(campaign, customer), 7_230);
        assert_eq!(holdout_draw(customer, campaign), 9_783);
        assert_eq!(holdout_draw(max, nil), 9_448);
    }

    #[test]
    fn held_out_compares_the_draw_with_the_basis_points() {
        let (campaign, customer) = (Uuid::nil(), Uuid::nil());
        // The draw is 691: held out from 6.92 %, not at 6.91 %.
        assert!(held_out(campaign, customer, HoldoutPercent::from_basis_points(692).unwrap()));
        assert!(!held_out(campaign, customer, HoldoutPercent::from_basis_points(691).unwrap()));
        assert!(!held_out(campaign, customer, HoldoutPercent::ZERO));
        assert!(held_out(campaign, customer, HoldoutPercent::from_f64(50.0).unwrap()));
    }

    #[test]
    fn percentages_are_read_from_numbers_decimals_and_basis_points() {
        let bp = |p: HoldoutPercent| p.basis_points();
        assert_eq!(bp(HoldoutPercent::from_f64(20.0).unwrap()), 2_000);
        assert_eq!(bp(HoldoutPercent::from_f64(12.5).unwrap()), 1_250);
        assert_eq!(bp(HoldoutPercent::from_f64(12.34).unwrap()), 1_234);
        assert_eq!(bp(HoldoutPercent::from_f64(0.01).unwrap()), 1);
        assert_eq!(bp(HoldoutPercent::from_f64(50.0).unwrap()), 5_000);
        assert_eq!(bp(HoldoutPercent::from_f64(-0.0).unwrap()), 0);
        assert_eq!(bp(HoldoutPercent::new(Decimal::new(1_250, 3)).unwrap()), 125, "1.250 is 1.25");
        assert_eq!(bp(HoldoutPercent::from_basis_points(5_000).unwrap()), 5_000);
        assert_eq!(HoldoutPercent::from_f64(12.5).unwrap().percent(), Decimal::new(125, 1));
        assert_eq!(HoldoutPercent::from_f64(20.0).unwrap().fraction(), 0.2);
        assert_eq!(HoldoutPercent::from_f64(12.5).unwrap().to_string(), "12.5%");
        assert_eq!(HoldoutPercent::ZERO.to_string(), "0%");
    }

    #[test]
    fn out_of_range_and_over_precise_percentages_are_refused() {
        let reason = |r: Result<HoldoutPercent, CampaignError>| match r.unwrap_err() {
            CampaignError::InvalidHoldoutPercent { reason } => reason,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            reason(HoldoutPercent::from_f64(60.0)),
            "must be between 0 and 50 (percent of the audience), got 60"
        );
        assert!(reason(HoldoutPercent::from_f64(-1.0)).contains("got -1"));
        assert!(reason(HoldoutPercent::from_f64(50.01)).contains("between 0 and 50"));
        assert_eq!(reason(HoldoutPercent::from_f64(12.345)), "has at most two decimals, got 12.345");
        assert!(reason(HoldoutPercent::from_f64(1e-7)).contains("at most two decimals"));
        assert!(reason(HoldoutPercent::from_f64(f64::NAN)).contains("must be a number"));
        assert!(reason(HoldoutPercent::from_f64(f64::INFINITY)).contains("must be a number"));
        assert!(reason(HoldoutPercent::from_basis_points(5_001)).contains("5001 basis points"));
        assert!(reason(HoldoutPercent::from_basis_points(70_000)).contains("70000 basis points"));
        assert!(reason(HoldoutPercent::new(Decimal::new(-5, 0))).contains("got -5"));
    }

    #[test]
    fn serde_writes_and_reads_plain_numbers() {
        let json = |bp| serde_json::to_string(&HoldoutPercent::from_basis_points(bp).unwrap()).unwrap();
        assert_eq!(json(2_000), "20");
        assert_eq!(json(1_250), "12.5");
        assert_eq!(json(1_234), "12.34");
        assert_eq!(json(1), "0.01");
        assert_eq!(json(0), "0");
        let read = |s: &str| serde_json::from_str::<HoldoutPercent>(s).map(HoldoutPercent::basis_points);
        assert_eq!(read("20").unwrap(), 2_000);
        assert_eq!(read("12.5").unwrap(), 1_250);
        assert_eq!(read("0.25").unwrap(), 25);
        let err = read("60").unwrap_err().to_string();
        assert!(err.contains("holdout_percent: must be between 0 and 50"), "{err}");
        assert!(read("12.345").unwrap_err().to_string().contains("at most two decimals"));
        assert!(read("\"20\"").is_err(), "a number, not a string");
        for bp in 0..=5_000 {
            assert_eq!(u32::from(read(&json(bp)).unwrap()), bp, "{bp} basis points round-trip");
        }
    }
}

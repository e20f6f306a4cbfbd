//! Our figures against scipy and statsmodels (issue #14, item 1), to 1e-9.
//!
//! Every expected value is read from `reference/reference_output.txt`, the
//! output of `reference/experiments_reference.py` (statsmodels'
//! `proportion_confint(method="wilson")`,
//! `confint_proportions_2indep(method="newcomb")`, `proportions_ztest`,
//! `CompareMeans.tconfint_diff(usevar="unequal")`, scipy's
//! `ttest_ind(equal_var=False)`, and the minimum detectable uplift solved
//! by scipy's `brentq`) on the cases the script lists and the revenue data
//! set `reference/revenue.csv`.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use clientele_experiments::{
    Confidence, Estimate, Proportion, RevenueSample, compare_rates, minimum_detectable_uplift, welch, wilson,
};

/// `case figure` → value.
fn reference() -> HashMap<String, f64> {
    include_str!("../reference/reference_output.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let mut f = l.split(' ');
            let key = format!("{} {}", f.next().unwrap(), f.next().unwrap());
            (key, f.next().unwrap().parse().unwrap())
        })
        .collect()
}

/// Within 1e-9 of the reference, relative (absolute 1e-12 around 0).
fn assert_matches(r: &HashMap<String, f64>, key: &str, got: f64) {
    let want = *r.get(key).unwrap_or_else(|| panic!("no reference figure {key}"));
    let error = (got - want).abs();
    assert!(error <= 1e-9 * want.abs() || error <= 1e-12, "{key}: got {got}, reference {want} (error {error:e})");
}

fn assert_interval(r: &HashMap<String, f64>, prefix: &str, e: Estimate) {
    assert_matches(r, &format!("{prefix}_low"), e.low);
    assert_matches(r, &format!("{prefix}_high"), e.high);
}

/// The cases of the script's `PROPORTIONS`.
const PROPORTIONS: [(&str, u64, u64, u64, u64); 6] = [
    ("newcombe_a", 56, 70, 48, 80),
    ("newcombe_h", 0, 10, 0, 20),
    ("campaign", 1200, 10000, 100, 1000),
    ("small_uplift", 412, 5000, 71, 1250),
    ("all_but_one", 9, 10, 3, 10),
    ("million", 51234, 800000, 12011, 200000),
];

#[test]
fn wilson_newcombe_and_the_z_test_match_statsmodels() {
    let r = reference();
    for (case, x1, n1, x0, n0) in PROPORTIONS {
        let (t, c) = (Proportion::new(x1, n1).unwrap(), Proportion::new(x0, n0).unwrap());
        assert_interval(&r, &format!("{case} treated_wilson"), wilson(t, Confidence::NINETY_FIVE));
        assert_interval(&r, &format!("{case} control_wilson"), wilson(c, Confidence::NINETY_FIVE));
        let compared = compare_rates(t, c, Confidence::NINETY_FIVE);
        assert_interval(&r, &format!("{case} difference"), compared.difference);
        match compared.p_value {
            Some(p) => assert_matches(&r, &format!("{case} p_value"), p),
            None => assert!(!r.contains_key(&format!("{case} p_value")), "{case}: a p-value is expected"),
        }
    }
}

fn revenue() -> (RevenueSample, RevenueSample) {
    let mut groups: HashMap<&str, Vec<f64>> = HashMap::new();
    for line in include_str!("../reference/revenue.csv").lines().skip(1) {
        let (group, value) = line.split_once(',').unwrap();
        groups.entry(group).or_default().push(value.parse().unwrap());
    }
    let sample = |g: &str| RevenueSample::from_values(groups[g].iter().copied()).unwrap();
    (sample("treated"), sample("control"))
}

#[test]
fn welch_matches_scipy_and_statsmodels() {
    let r = reference();
    let (treated, control) = revenue();
    assert_eq!((treated.customers(), control.customers()), (3_000, 800));
    let w = welch(&treated, &control, Confidence::NINETY_FIVE).unwrap();
    assert_matches(&r, "revenue treated_mean", w.treated_mean);
    assert_matches(&r, "revenue control_mean", w.control_mean);
    assert_interval(&r, "revenue difference", w.difference);
    assert_matches(&r, "revenue p_value", w.p_value);
    assert_matches(&r, "revenue degrees_of_freedom", w.degrees_of_freedom);
}

#[test]
fn the_minimum_detectable_uplift_matches_a_root_finder() {
    let r = reference();
    for (case, p0, nt, nc) in [
        ("mde_5pc_20k_5k", 0.05, 20_000, 5_000),
        ("mde_2pc_80k_20k", 0.02, 80_000, 20_000),
        ("mde_30pc_900_100", 0.30, 900, 100),
    ] {
        assert_matches(&r, &format!("{case} uplift"), minimum_detectable_uplift(p0, nt, nc).unwrap());
    }
}

//! The rules of the customer-value models, stated as properties (SPEC §5,
//! §9), and the errors for degenerate input.
#![allow(clippy::unwrap_used)]

use clientele_value::{
    BgNbdParams, ClvConfig, CompressedSummaries, CustomerSummary, Forecaster, GammaGammaParams, Model, TimeUnit,
    ValueError, customer_lifetime_value, fit_bgnbd, fit_gamma_gamma, predict,
};
use proptest::prelude::*;

// ---------------------------------------------------------------- strategies

/// Any valid summary: T in (0, 400], tₓ in [0, T] (0 when x = 0), x up to
/// 300, spend up to 10,000.
fn summary() -> impl Strategy<Value = CustomerSummary> {
    (0_u32..300, 0.0_f64..=1.0, 0.01_f64..400.0, 0.0_f64..10_000.0).prop_map(|(x, share, age, m)| {
        let recency = if x == 0 { 0.0 } else { share * age };
        CustomerSummary::new(x, recency, age, m).unwrap()
    })
}

/// Summaries on a coarse grid, so that duplicates are common.
fn gridded_summary() -> impl Strategy<Value = CustomerSummary> {
    (0_u32..5, 0_u32..=4, 1_u32..4).prop_map(|(x, share, age)| {
        let age = f64::from(age * 10);
        let recency = if x == 0 { 0.0 } else { age * f64::from(share) / 4.0 };
        CustomerSummary::new(x, recency, age, 0.0).unwrap()
    })
}

fn bgnbd() -> impl Strategy<Value = BgNbdParams> {
    (0.05_f64..5.0, 0.1_f64..100.0, 0.05_f64..5.0, 0.05_f64..10.0)
        .prop_map(|(r, alpha, a, b)| BgNbdParams::new(r, alpha, a, b).unwrap())
}

fn gamma_gamma() -> impl Strategy<Value = GammaGammaParams> {
    (0.1_f64..20.0, 1.05_f64..20.0, 0.1_f64..500.0).prop_map(|(p, q, v)| GammaGammaParams::new(p, q, v).unwrap())
}

// ---------------------------------------------------------------- properties

proptest! {
    #[test]
    fn probability_alive_is_a_probability_and_one_exactly_without_repeat_purchases(
        params in bgnbd(), customer in summary()
    ) {
        let alive = params.probability_alive(&customer);
        prop_assert!((0.0..=1.0).contains(&alive), "{alive}");
        if customer.frequency() == 0 {
            prop_assert_eq!(alive, 1.0);
        } else {
            // Mathematically < 1; in floating point it may round to 1 only
            // when the odds of dropout are below machine epsilon.
            prop_assert!(alive < 1.0 || params.a() / (params.b() + f64::from(customer.frequency()) - 1.0) < 1e-15);
        }
    }

    #[test]
    fn expected_purchases_are_finite_non_negative_and_non_decreasing_in_the_horizon(
        params in bgnbd(), customer in summary(), t in 0.0_f64..500.0, extra in 0.0_f64..500.0
    ) {
        let shorter = params.expected_purchases(&customer, t);
        let longer = params.expected_purchases(&customer, t + extra);
        prop_assert!(shorter.is_finite() && longer.is_finite(), "{shorter} {longer}");
        prop_assert!(shorter >= 0.0);
        prop_assert!(longer >= shorter - 1e-9 * shorter.max(1.0), "{shorter} > {longer}");
        prop_assert_eq!(params.expected_purchases(&customer, 0.0), 0.0);
    }

    #[test]
    fn expected_spend_lies_between_own_average_and_population_mean(
        params in gamma_gamma(), customer in summary()
    ) {
        let spend = params.expected_average_spend(&customer);
        let mean = params.population_mean_spend();
        prop_assert!(spend.is_finite());
        if customer.frequency() == 0 {
            prop_assert!((spend - mean).abs() <= 1e-12 * mean);
        } else {
            let (low, high) = (mean.min(customer.monetary()), mean.max(customer.monetary()));
            prop_assert!(spend >= low * (1.0 - 1e-12) && spend <= high * (1.0 + 1e-12), "{low} {spend} {high}");
        }
    }

    #[test]
    fn clv_is_finite_non_negative_and_grows_with_margin_and_horizon(
        bg in bgnbd(), gg in gamma_gamma(), customer in summary(),
        months in 1_u32..36, rate in 0.0_f64..0.2, margin in 0.0_f64..0.5
    ) {
        let config = |months, margin| ClvConfig::new(months, rate, margin, TimeUnit::Weeks).unwrap();
        let clv = customer_lifetime_value(&bg, &gg, &customer, &config(months, margin));
        let more_margin = customer_lifetime_value(&bg, &gg, &customer, &config(months, margin * 2.0));
        let longer = customer_lifetime_value(&bg, &gg, &customer, &config(months + 1, margin));
        prop_assert!(clv.is_finite() && clv >= 0.0, "{clv}");
        prop_assert!(more_margin >= clv);
        prop_assert!(longer >= clv * (1.0 - 1e-12));
    }

    #[test]
    fn a_forecaster_gives_what_the_customer_by_customer_formulas_give(
        bg in bgnbd(), gg in gamma_gamma(), customers in prop::collection::vec(gridded_summary(), 1..30),
        months in 1_u32..24, rate in 0.0_f64..0.1
    ) {
        // Gridded summaries repeat (x, T), so the kept series are reused.
        let config = ClvConfig::new(months, rate, 0.4, TimeUnit::Weeks).unwrap();
        let mut forecaster = Forecaster::new(bg, config);
        for customer in customers.iter().filter(|c| c.age() > 0.0) {
            let forecast = forecaster.forecast(customer);
            let one = predict(&bg, &gg, customer, &config);
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300);
            prop_assert!(close(forecast.expected_purchases, one.expected_purchases), "{forecast:?} {one:?}");
            prop_assert_eq!(forecast.probability_alive, one.probability_alive);
            let clv = forecast.clv(gg.expected_average_spend(customer), &config);
            prop_assert!(close(clv, one.clv), "{clv} vs {}", one.clv);
        }
    }

    #[test]
    fn compression_does_not_change_the_log_likelihood(
        params in bgnbd(), customers in prop::collection::vec(gridded_summary(), 1..60)
    ) {
        let compressed = CompressedSummaries::from_summaries(&customers);
        let one_by_one: f64 = customers.iter().map(|c| params.customer_log_likelihood(c)).sum();
        let weighted = params.log_likelihood(&compressed);
        prop_assert!((weighted - one_by_one).abs() <= 1e-9 * one_by_one.abs().max(1.0), "{weighted} {one_by_one}");
        prop_assert_eq!(compressed.customers(), customers.len() as u64);
        // Order does not matter: compressing the reversed input gives the same triples.
        let mut reversed = customers.clone();
        reversed.reverse();
        prop_assert_eq!(CompressedSummaries::from_summaries(&reversed), compressed);
    }

    #[test]
    fn predictions_are_finite_for_any_valid_summary(
        bg in bgnbd(), gg in gamma_gamma(), customer in summary(), horizon in 0.0_f64..10_000.0
    ) {
        prop_assert!(bg.customer_log_likelihood(&customer).is_finite());
        prop_assert!(bg.expected_purchases(&customer, horizon).is_finite());
        prop_assert!(bg.probability_alive(&customer).is_finite());
        prop_assert!(gg.expected_average_spend(&customer).is_finite());
    }

    #[test]
    fn invalid_summaries_are_rejected_naming_the_field(
        x in 1_u32..50, age in 0.1_f64..100.0, over in 0.001_f64..10.0
    ) {
        let too_recent = CustomerSummary::new(x, age + over, age, 1.0);
        let names_recency = matches!(too_recent, Err(ValueError::InvalidSummary { field: "recency", .. }));
        prop_assert!(names_recency);
        let no_repeat_but_recent = CustomerSummary::new(0, age / 2.0, age, 0.0);
        let names_recency = matches!(no_repeat_but_recent, Err(ValueError::InvalidSummary { field: "recency", .. }));
        prop_assert!(names_recency);
    }
}

// ---------------------------------------------------------------- degenerate input

fn customer(x: u32, recency: f64, age: f64, m: f64) -> CustomerSummary {
    CustomerSummary::new(x, recency, age, m).unwrap()
}

#[test]
fn no_repeat_buyers_is_an_error_for_both_models() {
    let data: Vec<_> = (1..20).map(|i| customer(0, 0.0, f64::from(i), 0.0)).collect();
    assert_eq!(fit_bgnbd(&data), Err(ValueError::NoRepeatBuyers { model: Model::BgNbd }));
    assert_eq!(fit_gamma_gamma(&data).unwrap_err().code(), "value.no_repeat_buyers");
}

#[test]
fn one_customer_is_too_few() {
    let data = [customer(3, 10.0, 20.0, 50.0)];
    let error = fit_bgnbd(&data).unwrap_err();
    assert_eq!(error, ValueError::TooFewCustomers { model: Model::BgNbd, found: 1, required: 5 });
    assert_eq!(error.code(), "value.too_few_customers");
    assert!(matches!(fit_gamma_gamma(&data), Err(ValueError::TooFewCustomers { found: 1, .. })));
}

#[test]
fn zero_spend_of_a_repeat_buyer_is_an_error() {
    let data = [customer(0, 0.0, 9.0, 0.0), customer(2, 5.0, 9.0, 30.0), customer(1, 3.0, 9.0, 0.0)];
    let error = fit_gamma_gamma(&data).unwrap_err();
    assert_eq!(error, ValueError::ZeroSpend { index: 2 });
    assert_eq!(error.code(), "value.zero_spend");
}

#[test]
fn identical_spend_everywhere_is_fitted_on_the_edge_and_predicts_that_spend() {
    // Every repeat buyer spends exactly 20: spend varies neither between
    // nor within customers, so the likelihood keeps rising as the model's
    // mixing distributions collapse (q and v run off together). The fit
    // holds a parameter on the edge of the box, says so, and predicts 20.
    let data: Vec<_> = (1..30).map(|i| customer(1 + i % 4, 5.0, 40.0, 20.0)).collect();
    let fit = fit_gamma_gamma(&data).unwrap();
    assert!(!fit.at_bound.is_empty(), "{fit:?}");
    assert!(fit.log_likelihood.is_finite());
    for c in &data {
        let spend = fit.params.expected_average_spend(c);
        assert!((spend - 20.0).abs() < 0.01, "{spend} for {c:?} ({fit:?})");
    }
}

#[test]
fn everybody_buying_until_the_end_does_not_converge_or_gives_finite_parameters() {
    // Nobody ever looks dead (tₓ = T for everyone): the dropout probability
    // goes to zero. The fit must report it, never return NaN.
    let data: Vec<_> = (1..40).map(|i| customer(1 + i % 5, 30.0, 30.0, 10.0)).collect();
    match fit_bgnbd(&data) {
        Ok(fit) => assert!(fit.log_likelihood.is_finite() && fit.params.a().is_finite()),
        Err(error) => assert_eq!(error.code(), "value.did_not_converge"),
    }
}

#[test]
fn bad_parameters_and_settings_are_rejected() {
    assert_eq!(BgNbdParams::new(f64::NAN, 1.0, 1.0, 1.0).unwrap_err().code(), "value.invalid_parameter");
    assert!(matches!(GammaGammaParams::new(1.0, 0.9, 1.0), Err(ValueError::InvalidParameter { name: "q", .. })));
    assert!(matches!(
        ClvConfig::new(0, 0.01, 1.0, TimeUnit::Days),
        Err(ValueError::InvalidClvConfig { field: "horizon_months", .. })
    ));
    assert!(matches!(
        ClvConfig::new(12, 0.01, 1.5, TimeUnit::Days),
        Err(ValueError::InvalidClvConfig { field: "margin", .. })
    ));
}

#[test]
fn deserialising_goes_through_the_checks() {
    let bad = r#"{"frequency": 0, "recency": 3.0, "age": 10.0, "monetary": 0.0}"#;
    assert!(serde_json::from_str::<CustomerSummary>(bad).is_err());
    let good = r#"{"frequency": 2, "recency": 3.0, "age": 10.0, "monetary": 12.5}"#;
    assert_eq!(serde_json::from_str::<CustomerSummary>(good).unwrap(), customer(2, 3.0, 10.0, 12.5));
    assert!(serde_json::from_str::<GammaGammaParams>(r#"{"p": 1.0, "q": 1.0, "v": 1.0}"#).is_err());
}

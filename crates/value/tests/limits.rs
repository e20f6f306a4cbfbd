//! Fits whose likelihood rises towards a limit of the model: the BG/NBD
//! when every customer has the same dropout probability (its Beta collapses
//! to a point: a and b run off together at a fixed ratio). `lifetimes`
//! 0.11.3 stops there with a ConvergenceError (tried on the demo generator's
//! data, where 35 % of members lapse at a uniform date); we hold the
//! parameter that runs off on the edge of the search box and fit the rest.
#![allow(clippy::unwrap_used)]

#[path = "support/simulate.rs"]
mod simulate;

use clientele_value::{BgNbdParams, ClvConfig, CompressedSummaries, TimeUnit, fit_bgnbd, fit_gamma_gamma, predict};
use simulate::{Dropout, Truth, simulate};

/// A fit has the same bits on any number of threads; these use one.
const ONE: std::num::NonZeroUsize = std::num::NonZeroUsize::MIN;

const HOMOGENEOUS: Truth =
    Truth { r: 0.9, alpha: 30.0, dropout: Dropout::Fixed(0.05), p: 6.0, q: 4.0, v: 15.0, max_age: 1000.0 };

#[test]
fn one_dropout_probability_for_everyone_is_found_on_the_edge() {
    let data = simulate(50_000, 7, &HOMOGENEOUS);
    let fit = fit_bgnbd(&data).unwrap();
    let params = fit.params;
    // Far along the ridge (a and b in the hundreds or more, or held on the
    // edge of the box): the likelihood is flat there to 1e-10 per customer.
    assert!(params.a() > 50.0 && params.b() > 1000.0, "the Beta collapses: {fit:?}");
    // The point the Beta collapses to is the true dropout probability, and
    // the purchase rates are recovered (5 % and 10 %: sampling error on
    // 50,000 customers, 29 % of whom buy again).
    let dropout = params.a() / (params.a() + params.b());
    assert!((dropout - 0.05).abs() < 0.05 * 0.05, "dropout {dropout} ({fit:?})");
    assert!((params.r() - 0.9).abs() < 0.1 * 0.9, "{fit:?}");
    assert!((params.r() / params.alpha() - 0.03).abs() < 0.05 * 0.03, "mean rate ({fit:?})");
    // It is at least as likely as the true model written with a large
    // finite Beta, and as any interior point on the way to the edge.
    let compressed = CompressedSummaries::from_summaries(&data);
    for scale in [1e3, 1e5] {
        let interior = BgNbdParams::new(0.9, 30.0, 0.05 * scale, 0.95 * scale).unwrap();
        assert!(fit.log_likelihood >= interior.log_likelihood(&compressed), "scale {scale}");
    }
    // Predictions from an edge fit are finite and in range.
    let spend = fit_gamma_gamma(&data).unwrap().params;
    let config = ClvConfig::new(12, 0.01, 1.0, TimeUnit::Days).unwrap();
    for customer in data.iter().step_by(97) {
        let value = predict(&params, &spend, customer, &config);
        assert!((0.0..=1.0).contains(&value.probability_alive), "{value:?}");
        assert!(value.expected_purchases.is_finite() && value.expected_purchases >= 0.0, "{value:?}");
        assert!(value.clv.is_finite() && value.clv >= 0.0, "{value:?}");
    }
}

#[test]
fn an_interior_maximum_holds_nothing_on_the_edge() {
    let data = simulate(20_000, 11, &simulate::CDNOW_IN_DAYS);
    let fit = fit_bgnbd(&data).unwrap();
    assert!(fit.at_bound.is_empty(), "{fit:?}");
    assert!(fit_gamma_gamma(&data).unwrap().at_bound.is_empty());
}

#[test]
fn a_fit_started_near_its_answer_finds_the_same_answer_in_fewer_steps() {
    // Two days of the same population: the second day's customers observed
    // one day longer. Started at the first day's fit, the second day's fit
    // lands where a cold start lands.
    let day_one = simulate(20_000, 3, &simulate::CDNOW_IN_DAYS);
    let day_two: Vec<_> = day_one
        .iter()
        .map(|c| {
            clientele_value::CustomerSummary::new(c.frequency(), c.recency(), c.age() + 1.0, c.monetary()).unwrap()
        })
        .collect();
    let yesterday = fit_bgnbd(&day_one).unwrap().params;
    let compressed = CompressedSummaries::from_summaries(&day_two);
    let cold = clientele_value::fit_bgnbd_compressed(&compressed).unwrap();
    let warm = clientele_value::fit_bgnbd_starting_at(&compressed, Some(yesterday), ONE).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-5 * b.abs();
    let (c, w) = (cold.params, warm.params);
    assert!(
        close(w.r(), c.r()) && close(w.alpha(), c.alpha()) && close(w.a(), c.a()) && close(w.b(), c.b()),
        "{w:?} vs {c:?}"
    );
    assert!(warm.iterations < cold.iterations, "{} vs {}", warm.iterations, cold.iterations);

    let spend_yesterday = fit_gamma_gamma(&day_one).unwrap().params;
    let cold = fit_gamma_gamma(&day_two).unwrap();
    let warm = clientele_value::fit_gamma_gamma_starting_at(&day_two, Some(spend_yesterday), ONE).unwrap();
    let (c, w) = (cold.params, warm.params);
    assert!(close(w.p(), c.p()) && close(w.q(), c.q()) && close(w.v(), c.v()), "{w:?} vs {c:?}");
    assert!(warm.iterations < cold.iterations, "{} vs {}", warm.iterations, cold.iterations);
}

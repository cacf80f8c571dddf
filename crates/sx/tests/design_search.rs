//! Rigorous design search: the least-cost candidate meets both purity targets, is the
//! cheapest of all candidates solved, closes the component balances, and Xu's closed-form
//! stage numbers are optimistic against the rigorous model at Xu's own flows (sx-data §5.3:
//! "typically about two stages per section optimistic").

use repm_sx::design::search::{SearchSpec, search};
use repm_sx::dynamics::{StageHoldup, steady_state};

fn spec() -> SearchSpec {
    SearchSpec {
        beta: 1.5,
        feed_fraction_a: 0.75,
        purity_a: 0.99,
        purity_b: 0.99,
        feed_re_rate: 0.2,
        feed_conc: 300.0,
        capacity: 150.0,
        affinity_b: 1.0,
        scrub_to_feed: 2.0,
        holdup: StageHoldup::default(),
        cost: Default::default(),
        window: 12,
        max_phase_ratio: 10.0,
    }
}

#[test]
fn least_cost_design_meets_targets_and_balances() {
    let s = spec();
    let r = search(&s).unwrap();
    let best = r.best.clone().expect("a feasible design");
    assert!((best.purity_a - s.purity_a).abs() < 1e-8, "{best:?}");
    assert!((best.purity_b - s.purity_b).abs() < 1e-8, "{best:?}");
    assert!(r.candidates.iter().all(|c| c.cost >= best.cost));
    // recoveries follow from the purities and the feed (Xu's identities hold for any design)
    assert!((best.recovery_a - r.xu.recovery_a).abs() < 1e-6);
    assert!((best.recovery_b - r.xu.recovery_b).abs() < 1e-6);
    // component balances of the rigorous steady state: feed = both products, 1e-10
    let cs = s.cascade(best.n, best.m, best.organic_flow, best.reflux);
    let ss = steady_state(&cs, None).unwrap();
    assert!(ss.converged);
    for (j, fin) in cs.inflow().iter().enumerate() {
        let out = ss.products.organic_product[j] + ss.products.raffinate[j];
        assert!(
            (out - fin).abs() <= 1e-10 * fin,
            "component {j}: {out} vs {fin}"
        );
    }
}

#[test]
fn xu_is_optimistic_against_the_rigorous_model() {
    let r = search(&spec()).unwrap();
    let at = r.at_xu.clone().expect("rigorous model at Xu's point");
    // Xu's S is reproduced exactly in the rigorous model
    assert!((at.s - r.xu.s).abs() < 1e-9 * r.xu.s);
    assert!((at.w - r.xu.w).abs() < 1e-9 * r.xu.w);
    let added = r
        .added_stages_at_xu_flows()
        .expect("reached within the window");
    assert!((0..=8).contains(&added), "added {added}");
}

/// A phase-ratio limit below the needed organic-to-scrub ratio leaves no feasible design.
#[test]
fn phase_ratio_limit_makes_designs_infeasible() {
    let r = search(&SearchSpec {
        max_phase_ratio: 1.0,
        ..spec()
    })
    .unwrap();
    assert!(r.best.is_none() && r.candidates.is_empty());
    let ok = search(&spec()).unwrap();
    let b = ok.best.unwrap();
    assert!(b.organic_flow / b.scrub_flow <= 10.0);
}

#[test]
fn invalid_search_inputs_are_rejected() {
    for (bad, field) in [
        (
            SearchSpec {
                capacity: 0.0,
                ..spec()
            },
            "capacity",
        ),
        (
            SearchSpec {
                feed_re_rate: -1.0,
                ..spec()
            },
            "feed_re_rate",
        ),
        (
            SearchSpec {
                beta: 1.0,
                ..spec()
            },
            "beta",
        ),
        (
            SearchSpec {
                purity_a: 0.5,
                ..spec()
            },
            "purity_a",
        ),
    ] {
        let e = search(&bad).unwrap_err().to_string();
        assert!(e.contains(field), "{field}: {e}");
    }
}

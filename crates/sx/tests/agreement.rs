//! All solvers agree on shared cases (to 1e-8), close the component balances (to 1e-10), and
//! handle recycles (organic recycle from strip to extraction, reflux of the strip liquor).

use std::collections::BTreeMap;

use repm_sx::{
    CascadeSpec, ComponentSpec, DrawSpec, EquilibriumSpec, FeedSpec, KremserExact, Newton,
    OutletRef, Phase, RecycleSpec, SectionKind, SectionSpec, Solution, SteadySolver,
    SuccessiveSubstitution, cases,
};

fn m(p: &[(&str, f64)]) -> BTreeMap<String, f64> {
    p.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn sec(name: &str, kind: SectionKind, stages: usize, d: &[(&str, f64)]) -> SectionSpec {
    SectionSpec {
        name: name.into(),
        kind,
        stages,
        equilibrium: EquilibriumSpec::ConstantD { d: m(d) },
        aqueous_holdup: 1.0,
        organic_holdup: 1.0,
        murphree_efficiency: 1.0,
    }
}

fn feed(name: &str, stage: usize, phase: Phase, flow: f64, c: &[(&str, f64)]) -> FeedSpec {
    FeedSpec {
        name: name.into(),
        stage,
        phase,
        flow,
        concentrations: m(c),
        acid: 0.0,
        sulfate: 0.0,
        extractant: 0.0,
        saponification: None,
    }
}

/// Strip (4) + scrub (6) + extraction (8), constant D per section; the stripped organic is
/// recycled from stage 0 to stage 17 (a tear), part of the strip liquor is refluxed to the
/// first scrub stage.
fn strip_scrub_extract() -> CascadeSpec {
    CascadeSpec {
        components: vec![
            ComponentSpec::new("Pr"),
            ComponentSpec::new("Nd"),
            ComponentSpec::new("Fe"),
        ],
        sections: vec![
            sec(
                "strip",
                SectionKind::Strip,
                4,
                &[("Pr", 0.05), ("Nd", 0.08), ("Fe", 0.5)],
            ),
            sec(
                "scrub",
                SectionKind::Scrub,
                6,
                &[("Pr", 0.9), ("Nd", 1.4), ("Fe", 5.0)],
            ),
            sec(
                "extraction",
                SectionKind::Extraction,
                8,
                &[("Pr", 1.1), ("Nd", 1.65), ("Fe", 8.0)],
            ),
        ],
        feeds: vec![
            feed("strip_acid", 0, Phase::Aqueous, 1.0, &[]),
            feed("scrub_acid", 4, Phase::Aqueous, 0.6, &[]),
            feed(
                "feed",
                10,
                Phase::Aqueous,
                1.0,
                &[("Pr", 25.0), ("Nd", 75.0), ("Fe", 0.5)],
            ),
            feed("makeup", 17, Phase::Organic, 0.1, &[]),
        ],
        draws: vec![DrawSpec {
            name: "strip_liquor".into(),
            stage: 3,
            phase: Phase::Aqueous,
            fraction: 1.0,
        }],
        recycles: vec![
            RecycleSpec {
                name: "organic".into(),
                from: OutletRef::LoadedOrganic,
                to_stage: 17,
                flow: 2.0,
            },
            RecycleSpec {
                name: "reflux".into(),
                from: OutletRef::Draw("strip_liquor".into()),
                to_stage: 4,
                flow: 0.3,
            },
        ],
        log10_ka_hso4: -1.99,
        entrainment: 30e-6,
    }
}

fn max_rel_diff(a: &Solution, b: &Solution) -> f64 {
    let mut worst: f64 = 0.0;
    for (ra, rb) in a
        .profiles
        .aqueous
        .iter()
        .zip(&b.profiles.aqueous)
        .chain(a.profiles.organic.iter().zip(&b.profiles.organic))
    {
        for (x, y) in ra.iter().zip(rb) {
            // relative to the larger of the two, ignoring vanishing traces (< 1e-200)
            let s = x.abs().max(y.abs());
            if s > 1e-200 {
                worst = worst.max((x - y).abs() / s);
            }
        }
    }
    worst
}

fn solvers() -> [Box<dyn SteadySolver>; 3] {
    [
        Box::new(KremserExact),
        Box::new(SuccessiveSubstitution::default()),
        Box::new(Newton::default()),
    ]
}

#[test]
fn constant_d_with_recycles_all_solvers_agree() {
    let cascade = strip_scrub_extract().validate().unwrap();
    let sols: Vec<Solution> = solvers().iter().map(|s| s.solve(&cascade)).collect();
    for s in &sols {
        assert!(
            s.status.is_converged(),
            "{}: {:?} (residual {})",
            s.solver,
            s.status,
            s.residual
        );
        assert!(
            s.max_balance_error() < 1e-10,
            "{}: balance {}",
            s.solver,
            s.max_balance_error()
        );
    }
    for s in &sols[1..] {
        let d = max_rel_diff(&sols[0], s);
        assert!(d < 1e-8, "{} vs kremser_exact: {d:e}", s.solver);
    }
    // the recycle really is closed: the organic entering stage 17 carries the loaded organic's
    // composition, so the product organic flow is 0.1 (the make-up)
    let lo = sols[0].product("loaded_organic").unwrap();
    assert!((lo.flow - 0.1).abs() < 1e-12);
}

#[test]
fn nonlinear_cases_substitution_and_newton_agree() {
    for (name, spec) in [("a", cases::bench_case_a()), ("b", cases::bench_case_b())] {
        let cascade = spec.validate().unwrap();
        // the substitution's linear convergence is stopped tighter than its default so that the
        // profile error (≈ condition × residual) is well inside 1e-8
        let sub = SuccessiveSubstitution {
            tolerance: 1e-14,
            ..Default::default()
        }
        .solve(&cascade);
        let newton = Newton::default().solve(&cascade);
        for s in [&sub, &newton] {
            assert!(
                s.status.is_converged(),
                "case {name} {}: {:?}",
                s.solver,
                s.status
            );
            assert!(
                s.max_balance_error() < 1e-10,
                "case {name} {}: balance {}",
                s.solver,
                s.max_balance_error()
            );
        }
        let d = max_rel_diff(&sub, &newton);
        assert!(d < 1e-8, "case {name}: substitution vs newton {d:e}");
    }
}

#[test]
fn newton_restarts_from_a_given_profile() {
    let cascade = cases::bench_case_b().validate().unwrap();
    let first = Newton::default().solve(&cascade);
    let again = Newton::default().solve_from(&cascade, Some(&first.profiles));
    assert!(again.status.is_converged());
    assert!(
        again.iterations <= 2,
        "restart from the solution took {} steps",
        again.iterations
    );
}

#[test]
fn solution_serialises() {
    let cascade = cases::bench_case_a().validate().unwrap();
    let sol = Newton::default().solve(&cascade);
    let json = serde_json::to_string(&sol).unwrap();
    let back: Solution = serde_json::from_str(&json).unwrap();
    assert_eq!(back.status, sol.status);
    assert_eq!(back.profiles.aqueous.len(), 60);
}

/// Case (c), 300 stages × 15 components: the Eu/Gd front sits in a pinched extraction section,
/// where moving it along the cascade is a direction in which the Jacobian is singular to
/// working precision (`docs/science/sx.md` §4.3). Before the pseudo-transient shift and the
/// concentration update, Newton started from this 1e-3 profile stalled (its steps moved the
/// front by O(1) log units from round-off) and the solver fell back to substitution sweeps.
#[test]
fn newton_converges_on_the_pinched_15_component_train_without_fallback() {
    let cascade = cases::bench_case_c().validate().unwrap();
    let start = SuccessiveSubstitution {
        tolerance: 1e-3,
        anderson_depth: 5,
        ..Default::default()
    }
    .solve(&cascade);
    assert!(start.status.is_converged(), "{:?}", start.status);
    // from a given profile Newton has no fallback: it converges or reports the stall
    let newton = Newton::default().solve_from(&cascade, Some(&start.profiles));
    assert!(
        newton.status.is_converged(),
        "{:?} after {} steps, residual {:e}, balance {:e}",
        newton.status,
        newton.iterations,
        newton.residual,
        newton.max_balance_error()
    );
    assert!(newton.iterations <= 10, "{} steps", newton.iterations);
    assert!(newton.residual <= 1e-11);
    assert!(newton.max_balance_error() < 1e-10);
    // The same steady state as tightly converged substitution, where the state is determined:
    // every product flow above 1e-12 of its product agrees to 1e-8 (they agree to ~1e-14).
    // Inside the pinched sections the profile is not: translating the front changes the stage
    // residuals by less than 1e-13 per 5e-4 of relative change (condition ~1e10), so the two
    // solvers' profiles and the 1e-22-level cross impurities differ by up to ~5e-4 relative
    // (`docs/science/sx.md` §4.3).
    let sub = SuccessiveSubstitution {
        tolerance: 1e-13,
        anderson_depth: 5,
        ..Default::default()
    }
    .solve(&cascade);
    assert!(sub.status.is_converged(), "{:?}", sub.status);
    for (pa, pb) in sub.products.iter().zip(&newton.products) {
        let total: f64 = pa.molar_flows.iter().sum();
        for (j, (a, b)) in pa.molar_flows.iter().zip(&pb.molar_flows).enumerate() {
            let rel = (a - b).abs() / a.abs().max(b.abs());
            if *a > 1e-12 * total {
                assert!(rel < 1e-8, "{} component {j}: {a:e} vs {b:e}", pa.name);
            } else if *a > 1e-200 {
                assert!(rel < 1e-2, "{} trace {j}: {a:e} vs {b:e}", pa.name);
            }
        }
    }
    assert!(max_rel_diff(&sub, &newton) < 1e-2);
}

/// The shift changes the path, not the solution: with and without it Newton lands on the same
/// steady state of cases (a) and (b).
#[test]
fn pseudo_transient_shift_does_not_change_the_solution() {
    for spec in [cases::bench_case_a(), cases::bench_case_b()] {
        let cascade = spec.validate().unwrap();
        let with = Newton::default().solve(&cascade);
        let without = Newton {
            shift: 0.0,
            ..Newton::default()
        }
        .solve(&cascade);
        assert!(with.status.is_converged() && without.status.is_converged());
        let d = max_rel_diff(&with, &without);
        assert!(d < 1e-9, "{d:e}");
    }
}

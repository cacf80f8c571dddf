//! Dynamic cascade: conservation of every component, the analytic response of one
//! well-mixed stage, approach to the Kremser steady state, the Skogestad–Morari time-constant
//! estimate (Comput. Chem. Eng. 11 (1987) 607) as an order-of-magnitude check, state events.

use approx::assert_relative_eq;
use repm_sx::design::kremser_unextracted_fraction;
use repm_sx::design::search::SearchSpec;
use repm_sx::dynamics::{
    AdvanceOutcome, Closure, DynamicCascade, FeedPhase, IntegratorConfig, StageHoldup, StepMethod,
    TwoOutletSpec, skogestad_morari_time_constant, steady_state,
};

fn linear_cascade(n: usize, d: f64, qf: f64, qo: f64) -> TwoOutletSpec {
    TwoOutletSpec {
        n_stages: n,
        feed_stage: 0,
        feed_phase: FeedPhase::Aqueous,
        feed_flow: qf,
        feed_conc: vec![100.0],
        scrub_flow: 0.0,
        scrub_conc: vec![0.0],
        organic_flow: qo,
        organic_conc: vec![0.0],
        reflux_organic_end: 0.0,
        reflux_aqueous_end: 0.0,
        closure: Closure::Linear { d: vec![d] },
        holdup: StageHoldup {
            mixer_volume: 0.5,
            settler_aqueous: 1.0,
            settler_organic: 1.5,
        },
    }
}

/// Pr/Nd (β = 1.5, 25/75, Nd = component 0 more extractable) at moderate purity so the
/// test cascade is short.
fn prnd_search_spec() -> SearchSpec {
    SearchSpec {
        beta: 1.5,
        feed_fraction_a: 0.75,
        purity_a: 0.98,
        purity_b: 0.98,
        feed_re_rate: 0.05,
        feed_conc: 300.0,
        capacity: 150.0,
        affinity_b: 1.0,
        scrub_to_feed: 0.5,
        holdup: StageHoldup::default(),
        cost: Default::default(),
        window: 10,
        max_phase_ratio: 10.0,
    }
}

/// One well-mixed stage with constant D: c(t) = c_ss (1 − e^(−t/τ)),
/// τ = (V_aq + V_org D)/(Q_aq + Q_org D), c_ss = Q_F c_F/(Q_aq + Q_org D).
#[test]
fn single_stage_matches_analytic_response() {
    let (d, qf, qo) = (2.0, 1e-3, 1.5e-3);
    let spec = linear_cascade(1, d, qf, qo);
    let (va, vo) = spec.holdups();
    let tau = (va[0] + vo[0] * d) / (qf + qo * d);
    let css = qf * 100.0 / (qf + qo * d);
    let cfg = IntegratorConfig {
        rtol: 1e-7,
        atol: 1e-9,
        h_init: 1e-3,
        ..Default::default()
    };
    let mut cas = DynamicCascade::new(spec, &[0.0], cfg).unwrap();
    for k in [0.1, 0.5, 1.0, 3.0, 10.0] {
        cas.advance_to(k * tau).unwrap();
        let exact = css * (1.0 - (-k).exp());
        assert_relative_eq!(cas.profile()[0], exact, max_relative = 2e-3);
    }
}

/// BDF2 (default) and backward Euler both follow the analytic single-stage response at the
/// same tolerance; the second-order formula needs fewer steps.
#[test]
fn bdf2_and_backward_euler_agree_bdf2_takes_fewer_steps() {
    let (d, qf, qo) = (2.0, 1e-3, 1.5e-3);
    let spec = linear_cascade(1, d, qf, qo);
    let (va, vo) = spec.holdups();
    let tau = (va[0] + vo[0] * d) / (qf + qo * d);
    let css = qf * 100.0 / (qf + qo * d);
    let mut steps = Vec::new();
    for method in [StepMethod::BackwardEuler, StepMethod::Bdf2] {
        let cfg = IntegratorConfig {
            rtol: 1e-5,
            atol: 1e-8,
            h_init: 1e-2,
            method,
            ..Default::default()
        };
        let mut cas = DynamicCascade::new(spec.clone(), &[0.0], cfg).unwrap();
        cas.advance_to(5.0 * tau).unwrap();
        let exact = css * (1.0 - (-5.0f64).exp());
        assert_relative_eq!(cas.profile()[0], exact, max_relative = 1e-3);
        steps.push(cas.stats().accepted);
    }
    assert!(
        steps[1] < steps[0],
        "BDF2 {} vs backward Euler {} steps",
        steps[1],
        steps[0]
    );
}

/// A constant-D extraction cascade integrated to steady state lands on Kremser; the direct
/// steady-state solve equals Kremser to 1e-9.
#[test]
fn constant_d_cascade_approaches_kremser() {
    let (n, d, qf, qo) = (8, 1.3, 1e-3, 1e-3);
    let spec = linear_cascade(n, d, qf, qo);
    let kremser = kremser_unextracted_fraction(d * qo / qf, n as f64).unwrap();
    let ss = steady_state(&spec, None).unwrap();
    assert!(ss.converged);
    assert_relative_eq!(ss.conc[n - 1] / 100.0, kremser, max_relative = 1e-9);
    let mut cas = DynamicCascade::new(spec, &[0.0], IntegratorConfig::default()).unwrap();
    cas.advance_to(2e6).unwrap();
    assert_relative_eq!(cas.profile()[n - 1] / 100.0, kremser, max_relative = 1e-6);
}

fn assert_conserved(cas: &DynamicCascade, initial: &[f64]) {
    let h = cas.holdup();
    for j in 0..h.len() {
        let lhs = h[j] + cas.cumulative_out()[j];
        let rhs = initial[j] + cas.cumulative_in()[j];
        let scale = rhs.abs().max(lhs.abs());
        assert!(
            (lhs - rhs).abs() <= 1e-9 * scale,
            "component {j}: holdup+out {lhs} vs initial+in {rhs}"
        );
    }
}

/// Holdup + cumulative outflow = initial holdup + cumulative inflow, every component, to
/// 1e-9 relative: start-up from empty, a flow change, and total reflux (closed system).
#[test]
fn integrator_conserves_every_component() {
    let s = prnd_search_spec();
    let spec = s.cascade(8, 10, 0.05 * 2.0 / 150.0, 0.7);
    let mut cas =
        DynamicCascade::new(spec.clone(), &[0.0, 0.0], IntegratorConfig::default()).unwrap();
    let init = cas.holdup();
    cas.advance_to(3.0 * 86_400.0).unwrap();
    assert_conserved(&cas, &init);
    let mut changed = spec.clone();
    changed.organic_flow *= 1.2;
    changed.feed_conc = vec![200.0, 100.0];
    cas.set_spec(changed).unwrap();
    cas.advance_to(6.0 * 86_400.0).unwrap();
    assert_conserved(&cas, &init);
    assert!(cas.stats().accepted > 10);

    // total reflux, feed off: the holdup itself is conserved
    let mut closed = spec;
    closed.feed_flow = 0.0;
    closed.reflux_organic_end = 1.0;
    closed.reflux_aqueous_end = 1.0;
    let mut tr = DynamicCascade::new(closed, &[75.0, 25.0], IntegratorConfig::default()).unwrap();
    let h0 = tr.holdup();
    tr.advance_to(10.0 * 86_400.0).unwrap();
    for (a, b) in tr.holdup().iter().zip(&h0) {
        assert_relative_eq!(*a, *b, max_relative = 1e-9);
    }
    // total reflux separates: A enriched at the organic end
    let p = tr.profile();
    assert!(
        p[0] / (p[0] + p[1]) > 0.75 && p[p.len() - 2] / (p[p.len() - 2] + p[p.len() - 1]) < 0.75
    );
}

/// The slowest mode of a Pr/Nd cascade after a feed-composition step against the
/// Skogestad–Morari estimate: same order of magnitude (factor 3).
#[test]
fn slow_mode_matches_skogestad_morari_order_of_magnitude() {
    let s = prnd_search_spec();
    let (n, m) = (12, 14);
    let qo = 0.05 * 2.6 / 150.0;
    let spec = s.cascade(n, m, qo, 0.7);
    let ss = steady_state(&spec, None).unwrap();
    assert!(ss.converged);
    let mut stepped = spec.clone();
    stepped.feed_conc = vec![0.72 * 300.0, 0.28 * 300.0];
    let ss2 = steady_state(&stepped, Some(&ss.conc)).unwrap();
    let y_inf = ss2.products.organic_purity(0);
    let mut cas =
        DynamicCascade::new(stepped.clone(), &[0.0, 0.0], IntegratorConfig::default()).unwrap();
    cas.set_profile(&ss.conc).unwrap();
    // sample the deviation of the organic-product purity; fit the late exponential
    let mut samples = Vec::new();
    let mut t = 0.0;
    for _ in 0..60 {
        t += 4.0 * 3600.0;
        cas.advance_to(t).unwrap();
        samples.push((t, (cas.products().organic_purity(0) - y_inf).abs()));
    }
    let (t1, d1) = samples[30];
    let (t2, d2) = samples[50];
    assert!(d2 < d1 && d2 > 0.0);
    let tau_sim = (t2 - t1) / (d1 / d2).ln();
    // estimate from the new steady state
    let sys_hold: f64 = {
        let mut c = DynamicCascade::new(stepped, &[0.0, 0.0], IntegratorConfig::default()).unwrap();
        c.set_profile(&ss2.conc).unwrap();
        c.holdup().iter().sum()
    };
    let p = &ss2.products;
    let b: f64 = p.raffinate.iter().sum();
    let d: f64 = p.organic_product.iter().sum();
    let tau_sm =
        skogestad_morari_time_constant(sys_hold, b, p.raffinate_purity(0), d, p.organic_purity(0))
            .unwrap();
    let ratio = tau_sim / tau_sm;
    assert!(
        (1.0 / 3.0..3.0).contains(&ratio),
        "τ_sim {tau_sim} s vs τ_SM {tau_sm} s"
    );
}

/// A state event fires when the raffinate reaches a purity during start-up, and the
/// located time brackets the crossing.
#[test]
fn state_event_on_purity() {
    let s = prnd_search_spec();
    let spec = s.cascade(10, 12, 0.05 * 2.6 / 150.0, 0.7);
    let ss = steady_state(&spec, None).unwrap();
    let target = 0.5 * (0.75 + ss.products.organic_purity(0));
    let mut cas = DynamicCascade::new(spec, &[0.0, 0.0], IntegratorConfig::default()).unwrap();
    let out = cas
        .advance_until(60.0 * 86_400.0, |p| p.organic_purity(0) - target)
        .unwrap();
    let AdvanceOutcome::StateEvent { time } = out else {
        panic!("no event: {out:?}")
    };
    assert!(time > 0.0);
    assert!((cas.products().organic_purity(0) - target).abs() < 1e-3);
}

#[test]
fn invalid_specs_are_rejected_with_field_names() {
    let good = linear_cascade(3, 1.0, 1e-3, 1e-3);
    for (spec, field) in [
        (
            TwoOutletSpec {
                n_stages: 0,
                ..good.clone()
            },
            "n_stages",
        ),
        (
            TwoOutletSpec {
                feed_stage: 3,
                ..good.clone()
            },
            "feed_stage",
        ),
        (
            TwoOutletSpec {
                feed_flow: -1.0,
                ..good.clone()
            },
            "feed_flow",
        ),
        (
            TwoOutletSpec {
                reflux_organic_end: 1.5,
                ..good.clone()
            },
            "reflux_organic_end",
        ),
        (
            TwoOutletSpec {
                feed_conc: vec![1.0, 2.0],
                ..good.clone()
            },
            "feed_conc",
        ),
        (
            TwoOutletSpec {
                closure: Closure::Linear { d: vec![-1.0] },
                ..good.clone()
            },
            "closure.d",
        ),
    ] {
        let e = steady_state(&spec, None).unwrap_err().to_string();
        assert!(e.contains(field), "{field}: {e}");
    }
    assert!(skogestad_morari_time_constant(1.0, 1.0, 0.9, 1.0, 0.1).is_err());
}

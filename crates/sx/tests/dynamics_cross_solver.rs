//! Cross-check of two independent steady-state codes on a shared case: the core block-
//! tridiagonal `Newton` on benchmark case (a) (60-stage Pr/Nd, saturated organic at constant
//! β, sx-A's `cases::bench_case_a`) against `dynamics::steady_state` (pseudo-transient
//! continuation + Newton on the holdup equations) with a competitive-Langmuir organic whose
//! affinity is so large (a = 1e9·β m³·mol⁻¹) that it equals the saturated law to ~1e-11.
//! Different unknowns, residual scaling and start, same physics: profiles must agree.

use repm_sx::dynamics::{Closure, FeedPhase, StageHoldup, TwoOutletSpec, steady_state};
use repm_sx::topology::Phase;
use repm_sx::{Newton, SteadySolver, cases};

#[test]
fn dynamics_steady_state_equals_core_newton_on_case_a() {
    let spec = cases::bench_case_a();
    let cascade = spec.validate().unwrap();
    let sol = Newton::default().solve(&cascade);
    assert!(sol.status.is_converged(), "{:?}", sol.status);

    let comps: Vec<String> = spec.components.iter().map(|c| c.symbol.clone()).collect();
    let conc = |m: &std::collections::BTreeMap<String, f64>| -> Vec<f64> {
        comps
            .iter()
            .map(|c| m.get(c).copied().unwrap_or(0.0))
            .collect()
    };
    let feed = spec.feeds.iter().find(|f| f.name == "feed").unwrap();
    let scrub = spec.feeds.iter().find(|f| f.name == "scrub").unwrap();
    let org = spec
        .feeds
        .iter()
        .find(|f| f.phase == Phase::Organic)
        .unwrap();
    // β relative to the first component (Pr = 1, Nd = 1.5) and the loading, as in case (a)
    let beta = [1.0, 1.5];
    let k = 1e9;
    let mine = TwoOutletSpec {
        n_stages: spec.n_stages(),
        feed_stage: feed.stage,
        feed_phase: FeedPhase::Aqueous,
        feed_flow: feed.flow,
        feed_conc: conc(&feed.concentrations),
        scrub_flow: scrub.flow,
        scrub_conc: conc(&scrub.concentrations),
        organic_flow: org.flow,
        organic_conc: conc(&org.concentrations),
        reflux_organic_end: 0.0,
        reflux_aqueous_end: 0.0,
        closure: Closure::CompetitiveLangmuir {
            capacity: 150.0,
            affinity: beta.iter().map(|b| k * b).collect(),
        },
        holdup: StageHoldup::default(),
    };
    let ss = steady_state(&mine, None).unwrap();
    assert!(ss.converged);
    let nc = comps.len();
    let mut worst: f64 = 0.0;
    for (kst, row) in sol.profiles.aqueous.iter().enumerate() {
        let total: f64 = row.iter().sum();
        for (j, x) in row.iter().enumerate() {
            let y = ss.conc[kst * nc + j];
            worst = worst.max((x - y).abs() / x.abs().max(1e-6 * total));
        }
    }
    // measured 2.4e-8 (relative, floored at 1e-6 of the stage total)
    assert!(
        worst < 1e-7,
        "largest relative profile difference {worst:e}"
    );
}

//! Murphree stage efficiency E < 1 in the dynamic cascade (`HoldupCascade`): the long-time
//! limit is the steady-state Newton solution of the same `Cascade` (which models E < 1 with
//! ln y unknowns, `docs/science/sx.md` §3.1) to 1e-8 relative, with and without recycles, and
//! every component and the protons are conserved over a transient (1e-9).

use repm_sx::dynamics::{HoldupCascade, IntegratorConfig, prnd_mass_action_case};
use repm_sx::{CascadeSpec, OutletRef, RecycleSpec};

mod common;
use common::{DAY, case_b_cut, feed_fill, ledger_errors, long_time_limit_error, rel};

fn prnd_murphree(e_scrub: f64, e_extraction: f64) -> CascadeSpec {
    let mut s = prnd_mass_action_case(10, 10);
    s.sections[0].murphree_efficiency = e_scrub;
    s.sections[1].murphree_efficiency = e_extraction;
    s
}

fn assert_long_time_limit(spec: CascadeSpec) {
    let worst = long_time_limit_error(spec);
    assert!(worst < 1e-8, "worst relative difference {worst:e}");
}

#[test]
fn long_time_limit_with_murphree_is_newton_prnd() {
    assert_long_time_limit(prnd_murphree(0.8, 0.9));
}

#[test]
fn long_time_limit_with_murphree_is_newton_case_b_cut() {
    let mut s = case_b_cut();
    s.sections[0].murphree_efficiency = 0.7;
    assert_long_time_limit(s);
}

/// Murphree stages and an organic recycle (a fifth of the loaded organic into the
/// fresh-organic stage, entering y_in of a Murphree stage).
#[test]
fn long_time_limit_with_murphree_and_recycle_is_newton() {
    let mut s = prnd_murphree(0.85, 0.75);
    s.recycles.push(RecycleSpec {
        name: "organic".into(),
        from: OutletRef::LoadedOrganic,
        to_stage: 19,
        flow: 5e-4,
    });
    assert_long_time_limit(s);
}

/// Total reflux for 2 days, feed on for 10, an outage (no organic flow: stages relax to
/// equilibrium at fixed holdups): every component and the protons close to 1e-9.
#[test]
fn murphree_transient_conserves_components_and_protons() {
    let spec = prnd_murphree(0.7, 0.8);
    let fill = feed_fill(&spec);
    let mut cas = HoldupCascade::filled(spec, &fill, IntegratorConfig::default()).unwrap();
    let init = cas.holdup();
    cas.total_reflux("feed").unwrap();
    cas.advance_to(2.0 * DAY).unwrap();
    for e in ledger_errors(&cas, &init) {
        assert!(e < 1e-9, "total reflux: {e:e}");
    }
    cas.set_end_reflux(0.0, 0.0).unwrap();
    cas.set_feed_on("feed", true).unwrap();
    cas.advance_to(12.0 * DAY).unwrap();
    cas.set_stopped(true).unwrap();
    let before = cas.holdup();
    cas.advance_to(12.5 * DAY).unwrap();
    for (a, b) in cas.holdup().iter().zip(&before) {
        assert!(rel(*a, *b) < 1e-12, "outage: {a} vs {b}");
    }
    cas.set_stopped(false).unwrap();
    cas.advance_to(14.0 * DAY).unwrap();
    let errs = ledger_errors(&cas, &init);
    for e in &errs {
        assert!(*e < 1e-9, "{errs:?}");
    }
}

/// Lower efficiency at the same stages and flows: the raffinate (Pr) purity does not rise
/// (the same monotone trend the steady-state proptest checks), here after 30 days.
#[test]
fn lower_efficiency_does_not_raise_raffinate_purity() {
    let mut purity = Vec::new();
    for e in [1.0, 0.8, 0.6] {
        let spec = prnd_murphree(e, e);
        let fill = feed_fill(&spec);
        let mut cas = HoldupCascade::filled(spec, &fill, IntegratorConfig::default()).unwrap();
        cas.advance_to(30.0 * DAY).unwrap();
        purity.push(cas.products().raffinate_purity(0));
    }
    assert!(
        purity[0] >= purity[1] && purity[1] >= purity[2],
        "{purity:?}"
    );
}

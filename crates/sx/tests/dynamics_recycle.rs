//! Recycles in the dynamic cascade (`HoldupCascade`): the long-time limit of a cascade with
//! organic and aqueous recycles is the steady-state Newton solution of the same `Cascade`
//! (1e-8 relative), every component and the protons are conserved over a transient with
//! recycles (holdup change = ∫(in − out) dt to 1e-9), and a recycle of vanishing flow gives
//! the trajectory without it.

use repm_sx::dynamics::{HoldupCascade, IntegratorConfig, prnd_mass_action_case};
use repm_sx::{CascadeSpec, OutletRef, RecycleSpec};

mod common;
use common::{DAY, case_b_cut, feed_fill, ledger_errors, long_time_limit_error, rel};

/// The 10 + 10 stage Pr/Nd mass-action cascade with a fifth of the loaded organic returned
/// to the fresh-organic stage and a tenth of the raffinate to the feed stage.
fn prnd_recycled(organic: f64, raffinate: f64) -> CascadeSpec {
    let mut s = prnd_mass_action_case(10, 10);
    s.recycles.push(RecycleSpec {
        name: "organic".into(),
        from: OutletRef::LoadedOrganic,
        to_stage: 19,
        flow: organic,
    });
    s.recycles.push(RecycleSpec {
        name: "raffinate".into(),
        from: OutletRef::Raffinate,
        to_stage: 10,
        flow: raffinate,
    });
    s
}

/// The case (b) cut with half of its aqueous side draw (stage 8) returned to the feed stage.
fn case_b_recycled() -> CascadeSpec {
    let mut s = case_b_cut();
    let draw = s
        .validate()
        .unwrap()
        .outlets
        .iter()
        .find(|o| o.name == "side")
        .unwrap()
        .flow;
    s.recycles.push(RecycleSpec {
        name: "side-back".into(),
        from: OutletRef::Draw("side".into()),
        to_stage: 6,
        flow: 0.5 * draw,
    });
    s
}

fn assert_long_time_limit(spec: CascadeSpec) {
    let worst = long_time_limit_error(spec);
    assert!(worst < 1e-8, "worst relative difference {worst:e}");
}

#[test]
fn long_time_limit_with_organic_and_raffinate_recycles_is_newton() {
    assert_long_time_limit(prnd_recycled(5e-4, 3e-4));
}

#[test]
fn long_time_limit_with_a_draw_recycle_is_newton() {
    assert_long_time_limit(case_b_recycled());
}

/// Total reflux for 2 days, then the feed on for 10 days, with both recycles running: every
/// component and the protons close to 1e-9 relative through the events.
#[test]
fn transient_with_recycles_conserves_components_and_protons() {
    let spec = prnd_recycled(5e-4, 3e-4);
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
    let errs = ledger_errors(&cas, &init);
    for e in &errs {
        assert!(*e < 1e-9, "after feed-on: {errs:?}");
    }
    // an outage stops the recycles with everything else: the holdup is frozen
    cas.set_stopped(true).unwrap();
    let before = cas.holdup();
    cas.advance_to(13.0 * DAY).unwrap();
    for (a, b) in cas.holdup().iter().zip(&before) {
        assert!(rel(*a, *b) < 1e-12, "{a} vs {b}");
    }
}

#[test]
fn case_b_draw_recycle_conserves() {
    let spec = case_b_recycled();
    let fill = feed_fill(&spec);
    let mut cas = HoldupCascade::filled(spec, &fill, IntegratorConfig::default()).unwrap();
    let init = cas.holdup();
    cas.advance_to(3.0 * DAY).unwrap();
    let errs = ledger_errors(&cas, &init);
    for e in &errs {
        assert!(*e < 1e-9, "{errs:?}");
    }
}

/// A recycle of vanishing flow (1e-12 of the organic flow; flow 0 itself is refused by the
/// spec's validation, and is bit-identical in the unit tests) follows the trajectory without
/// recycles.
#[test]
fn vanishing_recycle_equals_no_recycle() {
    let plain = prnd_mass_action_case(10, 10);
    let tiny = prnd_recycled(2.5e-15, 3.1e-15);
    let fill = feed_fill(&plain);
    let cfg = IntegratorConfig::default();
    let mut a = HoldupCascade::filled(plain, &fill, cfg).unwrap();
    let mut b = HoldupCascade::filled(tiny, &fill, cfg).unwrap();
    for day in [0.5, 1.0, 2.0, 5.0] {
        a.advance_to(day * DAY).unwrap();
        b.advance_to(day * DAY).unwrap();
        let mut worst: f64 = 0.0;
        for k in 0..a.n_stages() {
            for j in 0..a.n_components() {
                worst = worst.max(rel(a.aqueous(k, j), b.aqueous(k, j)));
            }
            worst = worst.max(rel(a.h_plus(k), b.h_plus(k)));
        }
        assert!(worst < 1e-8, "day {day}: {worst:e}");
    }
}

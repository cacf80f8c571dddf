//! The dynamic cascade on the steady-state equilibrium models (`HoldupCascade`): its
//! long-time limit is the steady-state Newton solution of the same cascade, every component
//! and the protons are conserved over a start-up (holdup + cumulative out − cumulative in),
//! feed steps and outages work as `repm-des` events, and the purity state event fires where
//! dense sampling of the trajectory says it should.

use std::time::Duration;

use repm_des::{SimTime, Simulation};
use repm_sx::CascadeSpec;
use repm_sx::dynamics::des_model::{
    CascadeCommand, CascadeDynamics, CascadeModel, CascadeModelConfig, CommandSchedule,
};
use repm_sx::dynamics::{
    AdvanceOutcome, Fill, HoldupCascade, IntegratorConfig, prnd_mass_action_case,
};

mod common;
use common::{DAY, Msg, case_b_cut, feed_fill, ledger_errors, long_time_limit_error, rel};

/// Long-time limit = steady-state Newton solution (public API) of the same cascade, to 1e-6
/// relative in every aqueous and organic concentration, the free H⁺ and the free extractant.
fn assert_long_time_limit(spec: CascadeSpec) {
    let worst = long_time_limit_error(spec);
    assert!(worst < 1e-6, "worst relative difference {worst:e}");
}

#[test]
fn long_time_limit_is_the_newton_steady_state_prnd() {
    assert_long_time_limit(prnd_mass_action_case(10, 10));
}

#[test]
fn long_time_limit_is_the_newton_steady_state_case_b_cut() {
    assert_long_time_limit(case_b_cut());
}

/// Start-up at total reflux (feed off, both ends refluxed) for 3 days, then the feed on for
/// 20 days: every component and the protons close to 1e-9 relative, through the event.
#[test]
fn startup_conserves_components_and_protons() {
    let spec = prnd_mass_action_case(30, 30);
    let fill = feed_fill(&spec);
    let mut cas = HoldupCascade::filled(spec, &fill, IntegratorConfig::default()).unwrap();
    let init = cas.holdup();
    assert_eq!(init.len(), 3);
    assert!(init[2] > 0.0);
    cas.total_reflux("feed").unwrap();
    cas.advance_to(3.0 * DAY).unwrap();
    for e in ledger_errors(&cas, &init) {
        assert!(e < 1e-9, "total reflux: {e:e}");
    }
    // at total reflux nothing but the acid liquors moves metal in or out
    assert!(cas.cumulative_in()[0] <= 0.0);
    cas.set_end_reflux(0.0, 0.0).unwrap();
    cas.set_feed_on("feed", true).unwrap();
    cas.advance_to(23.0 * DAY).unwrap();
    let errs = ledger_errors(&cas, &init);
    for e in &errs {
        assert!(*e < 1e-9, "after feed-on: {errs:?}");
    }
    assert!(cas.cumulative_in()[1] > 0.0 && cas.cumulative_out()[2] > 0.0);
}

/// The same for the case (b) cut: six components, sulfate speciation and a side draw.
#[test]
fn case_b_cut_conserves_components_and_protons() {
    let spec = case_b_cut();
    let fill = Fill {
        aqueous: vec![0.0; 6],
        acid: 50.0,
    };
    let mut cas = HoldupCascade::filled(spec, &fill, IntegratorConfig::default()).unwrap();
    let init = cas.holdup();
    cas.advance_to(5.0 * DAY).unwrap();
    let errs = ledger_errors(&cas, &init);
    for e in &errs {
        assert!(*e < 1e-9, "{errs:?}");
    }
}

/// A feed step and an outage as `repm-des` events on a mass-action cascade: the des model
/// equals the stand-alone integration of the same sequence, the outage freezes the holdups,
/// and the ledger closes across every event.
#[test]
fn feed_step_and_outage_as_des_events() {
    let spec = prnd_mass_action_case(10, 10);
    let fill = feed_fill(&spec);
    let cfg = IntegratorConfig::default();
    let stepped = vec![12.0, 18.0];
    // stand-alone
    let mut alone = HoldupCascade::filled(spec.clone(), &fill, cfg).unwrap();
    let init = alone.holdup();
    alone.advance_to(DAY).unwrap();
    let step = CascadeCommand::SetFeed {
        flow: 1.5e-4,
        conc: stepped.clone(),
    };
    alone.apply_command(&step).unwrap();
    alone.advance_to(2.0 * DAY).unwrap();
    alone.set_stopped(true).unwrap();
    let frozen = alone.holdup();
    alone.advance_to(3.0 * DAY).unwrap();
    for (a, b) in alone.holdup().iter().zip(&frozen) {
        assert!((a - b).abs() <= 1e-12 * b.abs(), "outage moved {a} -> {b}");
    }
    assert!(alone.products().raffinate.iter().all(|x| *x <= 0.0));
    alone.set_stopped(false).unwrap();
    alone.advance_to(5.0 * DAY).unwrap();

    // des model
    let mut sim = Simulation::<Msg>::new(3, 0);
    let cas = HoldupCascade::filled(spec, &fill, cfg).unwrap();
    let model = sim
        .add_model(
            "pr-nd-mass-action",
            CascadeModel::new(cas, vec![], CascadeModelConfig::default()),
        )
        .unwrap();
    let ops = sim
        .add_model(
            "operator",
            CommandSchedule::new(vec![
                (Duration::from_secs(86_400), step),
                (Duration::from_secs(2 * 86_400), CascadeCommand::Outage),
                (Duration::from_secs(3 * 86_400), CascadeCommand::Resume),
            ]),
        )
        .unwrap();
    sim.connect(ops, "out", model, "cmd").unwrap();
    sim.run_until(SimTime::from_secs(5 * 86_400).unwrap())
        .unwrap();
    sim.advance_all().unwrap();
    let c = sim
        .model::<CascadeModel<HoldupCascade>>(model)
        .unwrap()
        .cascade();
    assert!((c.time() - 5.0 * DAY).abs() < 1e-6);
    assert!((c.spec().feeds[0].concentrations["Nd"] - 18.0).abs() < 1e-12);
    for k in 0..c.n_stages() {
        for j in 0..c.n_components() {
            let (a, b) = (c.aqueous(k, j), alone.aqueous(k, j));
            assert!(rel(a, b) < 1e-9, "stage {k} comp {j}: {a} vs {b}");
        }
    }
    for e in ledger_errors(c, &init) {
        assert!(e < 1e-9, "{e:e}");
    }
}

/// The purity state event (organic Nd purity reaching 0.99 after feed-on from a
/// feed-filled cascade) against dense sampling of the same trajectory every 30 min.
#[test]
fn purity_event_matches_dense_sampling() {
    let spec = prnd_mass_action_case(20, 20);
    let fill = feed_fill(&spec);
    let cfg = IntegratorConfig {
        rtol: 1e-6,
        atol: 1e-9,
        ..IntegratorConfig::default()
    };
    let target = 0.99;
    let g = |p: &repm_sx::dynamics::Products| p.organic_purity(1) - target;
    let mut cas = HoldupCascade::filled(spec.clone(), &fill, cfg).unwrap();
    assert!(g(&cas.products()) < 0.0);
    let out = cas.advance_until(60.0 * DAY, g).unwrap();
    let AdvanceOutcome::StateEvent { time } = out else {
        panic!("no crossing: {out:?}")
    };
    assert!(g(&cas.products()).abs() < 1e-6, "{}", g(&cas.products()));
    let mut dense = HoldupCascade::filled(spec, &fill, cfg).unwrap();
    let dt = 1800.0;
    let mut t_prev = 0.0;
    loop {
        let t = dense.time() + dt;
        dense.advance_to(t).unwrap();
        if g(&dense.products()) >= 0.0 {
            break;
        }
        t_prev = t;
        assert!(t < 60.0 * DAY);
    }
    let t_dense = dense.time();
    assert!(
        time > t_prev - 60.0 && time <= t_dense + 60.0,
        "event at {time} s, dense sampling brackets [{t_prev}, {t_dense}]"
    );
}

/// Operating changes that move the inert carriers (a stronger organic: E_T up; sulfate added
/// to the feed: H_T speciation changes) re-equilibrate the stages at fixed holdups, so the
/// ledger still closes; a flow change, an outage and end reflux on top.
#[test]
fn carrier_changes_keep_the_ledger() {
    let spec = prnd_mass_action_case(8, 8);
    let fill = feed_fill(&spec);
    let mut cas = HoldupCascade::filled(spec.clone(), &fill, IntegratorConfig::default()).unwrap();
    let init = cas.holdup();
    cas.advance_to(DAY).unwrap();
    let before = cas.holdup();
    let mut stronger = spec.clone();
    stronger.feeds[2].extractant = 600.0;
    stronger.feeds[0].sulfate = 150.0;
    let op = cas.operation().clone();
    cas.set_operation(stronger, op).unwrap();
    // the flash moved metal between the phases, not in or out of a stage
    for (a, b) in cas.holdup().iter().zip(&before) {
        assert!(rel(*a, *b) < 1e-12, "{a} vs {b}");
    }
    cas.advance_to(2.0 * DAY).unwrap();
    cas.set_feed_flow("organic", 3e-3).unwrap();
    cas.advance_to(3.0 * DAY).unwrap();
    cas.set_stopped(true).unwrap();
    cas.advance_to(3.5 * DAY).unwrap();
    cas.set_stopped(false).unwrap();
    cas.set_end_reflux(0.5, 0.2).unwrap();
    cas.advance_to(5.0 * DAY).unwrap();
    let errs = ledger_errors(&cas, &init);
    for e in &errs {
        assert!(*e < 1e-9, "{errs:?}");
    }
    // bad input is an error, not a panic, and changes nothing
    assert!(cas.set_feed_flow("nope", 1.0).is_err());
    assert!(cas.set_end_reflux(1.5, 0.0).is_err());
    // Murphree stages are modelled (tests/dynamics_murphree.rs); an efficiency above 1 is not
    let mut murphree = spec.clone();
    murphree.sections[0].murphree_efficiency = 1.5;
    let err = HoldupCascade::filled(murphree, &fill, IntegratorConfig::default())
        .expect_err("a Murphree efficiency above 1");
    assert!(err.to_string().contains("murphree_efficiency"), "{err}");
    // recycles are modelled (tests/dynamics_recycle.rs); one to a missing stage is refused
    let mut recycled = spec;
    recycled.recycles.push(repm_sx::RecycleSpec {
        name: "r".into(),
        from: repm_sx::OutletRef::LoadedOrganic,
        to_stage: 99,
        flow: 1e-4,
    });
    let err = HoldupCascade::filled(recycled, &fill, IntegratorConfig::default())
        .expect_err("a recycle to a stage that does not exist");
    assert!(err.to_string().contains("recycles[0].to_stage"), "{err}");
}

/// Checkpoint: `CascadeModel<HoldupCascade>` snapshot → JSON → restore → continue equals the
/// uninterrupted run.
#[test]
fn checkpoint_restore_continues_identically() {
    let spec = prnd_mass_action_case(8, 8);
    let fill = feed_fill(&spec);
    let cfg = IntegratorConfig::default();
    let build = || {
        let mut sim = Simulation::<Msg>::new(5, 0);
        let cas = HoldupCascade::filled(spec.clone(), &fill, cfg).unwrap();
        let m = sim
            .add_model(
                "c",
                CascadeModel::new(cas, vec![], CascadeModelConfig::default()),
            )
            .unwrap();
        let ops = sim
            .add_model(
                "op",
                CommandSchedule::new(vec![
                    (Duration::from_secs(43_200), CascadeCommand::TotalReflux),
                    (
                        Duration::from_secs(3 * 86_400),
                        CascadeCommand::SetFeedFlow {
                            name: "feed".into(),
                            flow: 1.2e-4,
                        },
                    ),
                ]),
            )
            .unwrap();
        sim.connect(ops, "out", m, "cmd").unwrap();
        (sim, m)
    };
    let (mut whole, wm) = build();
    whole
        .run_until(SimTime::from_secs(5 * 86_400).unwrap())
        .unwrap();
    whole.advance_all().unwrap();
    let (mut first, _) = build();
    first
        .run_until(SimTime::from_secs(2 * 86_400).unwrap())
        .unwrap();
    let json = serde_json::to_string(&first.checkpoint().unwrap()).unwrap();
    let (mut second, sm) = build();
    second
        .restore(serde_json::from_str(&json).unwrap())
        .unwrap();
    second
        .run_until(SimTime::from_secs(5 * 86_400).unwrap())
        .unwrap();
    second.advance_all().unwrap();
    let a = whole
        .model::<CascadeModel<HoldupCascade>>(wm)
        .unwrap()
        .cascade();
    let b = second
        .model::<CascadeModel<HoldupCascade>>(sm)
        .unwrap()
        .cascade();
    assert!((a.time() - 5.0 * DAY).abs() < 1e-6);
    assert!((a.spec().feeds[0].flow - 1.2e-4).abs() < 1e-18);
    assert!(a.operation().feed_on[0] && b.operation().feed_on[0]);
    for k in 0..a.n_stages() {
        for j in 0..a.n_components() {
            let (x, y) = (a.aqueous(k, j), b.aqueous(k, j));
            assert!(rel(x, y) < 1e-12, "{x} vs {y}");
        }
        assert!(rel(a.h_plus(k), b.h_plus(k)) < 1e-12);
        assert!(rel(a.free_extractant(k), b.free_extractant(k)) < 1e-12);
    }
}

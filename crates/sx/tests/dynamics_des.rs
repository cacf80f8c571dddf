//! The cascade as a `repm-des` model: a start-up at total reflux followed by feed-on as
//! scheduled commands, a purity state event that matches the stand-alone integration of the
//! same operating sequence, notices on the output port, and an outage that freezes the
//! holdup (conservation across events).

use std::time::Duration;

use repm_des::{SimTime, Simulation};
use repm_sx::design::search::SearchSpec;
use repm_sx::dynamics::des_model::{
    CascadeCommand, CascadeModel, CascadeModelConfig, CommandSchedule, Outlet, PurityWatch,
};
use repm_sx::dynamics::{
    AdvanceOutcome, DynamicCascade, IntegratorConfig, StageHoldup, TwoOutletSpec,
};

mod common;
use common::{DAY, Msg, Sink};

fn design() -> TwoOutletSpec {
    let s = SearchSpec {
        beta: 1.5,
        feed_fraction_a: 0.75,
        purity_a: 0.98,
        purity_b: 0.98,
        feed_re_rate: 0.05,
        feed_conc: 300.0,
        capacity: 150.0,
        affinity_b: 1.0,
        scrub_to_feed: 2.0,
        holdup: StageHoldup::default(),
        cost: Default::default(),
        window: 10,
        max_phase_ratio: 10.0,
    };
    s.cascade(10, 12, 0.05 * 2.6 / 150.0, 0.7)
}

/// Raffinate Pr purity rises through 0.85 after feed-on (steady state 0.872).
fn watch() -> PurityWatch {
    PurityWatch {
        outlet: Outlet::Raffinate,
        component: 1,
        value: 0.85,
    }
}

/// Organic Nd purity overshoots 0.95 after feed-on and falls back (steady state 0.927).
fn watch_overshoot() -> PurityWatch {
    PurityWatch {
        outlet: Outlet::OrganicProduct,
        component: 0,
        value: 0.95,
    }
}

/// Total reflux for 1 day from a feed-filled cascade, then feed on: the purity event of the
/// des model equals the stand-alone integration of the same sequence; a second watch sees
/// the organic purity overshoot (one crossing up, one down).
#[test]
fn startup_state_event_matches_standalone() {
    let spec = design();
    let fill = [225.0, 75.0];
    let cfg = IntegratorConfig::default();
    // stand-alone
    let mut alone = DynamicCascade::new(spec.total_reflux(), &fill, cfg).unwrap();
    alone.advance_to(DAY).unwrap();
    alone.set_spec(spec.clone()).unwrap();
    let w = watch();
    let out = alone
        .advance_until(60.0 * DAY, |p| p.raffinate_purity(1) - w.value)
        .unwrap();
    let AdvanceOutcome::StateEvent { time: t_alone } = out else {
        panic!("{out:?}")
    };

    // des model
    let mut sim = Simulation::<Msg>::new(7, 0);
    let cas = DynamicCascade::new(spec.total_reflux(), &fill, cfg).unwrap();
    let model = sim
        .add_model(
            "pr-nd",
            CascadeModel::new(
                cas,
                vec![w, watch_overshoot()],
                CascadeModelConfig::default(),
            ),
        )
        .unwrap();
    let ops = sim
        .add_model(
            "operator",
            CommandSchedule::new(vec![(
                Duration::from_secs(86_400),
                CascadeCommand::SetSpec { spec: spec.clone() },
            )]),
        )
        .unwrap();
    let sink = sim.add_model("sink", Sink::default()).unwrap();
    sim.connect(ops, "out", model, "cmd").unwrap();
    sim.connect(model, "notice", sink, "in").unwrap();
    sim.run_until(SimTime::from_secs(60 * 86_400).unwrap())
        .unwrap();

    let m = sim.model::<CascadeModel>(model).unwrap();
    assert_eq!(m.log.len(), 1);
    let raff: Vec<_> = m.crossings.iter().filter(|c| c.1 == 0).collect();
    let org: Vec<_> = m.crossings.iter().filter(|c| c.1 == 1).collect();
    assert_eq!(raff.len(), 1, "{:?}", m.crossings);
    assert_eq!(org.len(), 2, "{:?}", m.crossings);
    assert!(org[0].2 >= 0.95 && org[1].2 <= 0.95 && org[1].0 > org[0].0);
    let (t_ev, _, purity) = *raff[0];
    assert!(purity >= w.value);
    let t_des = t_ev.as_secs_f64();
    assert!(
        (t_des - t_alone).abs() <= 1e-3 * (t_alone - DAY),
        "des {t_des} s vs stand-alone {t_alone} s"
    );
    let notices = &sim.model::<Sink>(sink).unwrap().notices;
    assert_eq!(notices.len(), m.crossings.len());
    assert!(notices.iter().any(|n| n.at == t_ev && n.watch == 0));
}

/// An outage stops every flow: the holdup is frozen, products vanish, and after the resume
/// the component balances still close to 1e-9.
#[test]
fn outage_freezes_holdup_and_conserves() {
    let spec = design();
    let cfg = IntegratorConfig::default();
    let cas = DynamicCascade::new(spec, &[0.0, 0.0], cfg).unwrap();
    let init = cas.holdup();
    let mut sim = Simulation::<Msg>::new(1, 0);
    let model = sim
        .add_model(
            "pr-nd",
            CascadeModel::new(cas, vec![], CascadeModelConfig::default()),
        )
        .unwrap();
    let ops = sim
        .add_model(
            "operator",
            CommandSchedule::new(vec![
                (Duration::from_secs(2 * 86_400), CascadeCommand::Outage),
                (Duration::from_secs(3 * 86_400), CascadeCommand::Resume),
            ]),
        )
        .unwrap();
    sim.connect(ops, "out", model, "cmd").unwrap();
    sim.run_until(SimTime::from_secs(2 * 86_400 + 1).unwrap())
        .unwrap();
    sim.advance_all().unwrap();
    let h_stop = sim.model::<CascadeModel>(model).unwrap().cascade().holdup();
    sim.run_until(SimTime::from_secs(3 * 86_400 - 1).unwrap())
        .unwrap();
    sim.advance_all().unwrap();
    let m = sim.model::<CascadeModel>(model).unwrap();
    for (a, b) in m.cascade().holdup().iter().zip(&h_stop) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }
    assert!(
        m.cascade()
            .products()
            .organic_product
            .iter()
            .all(|x| *x == 0.0)
    );
    sim.run_until(SimTime::from_secs(5 * 86_400).unwrap())
        .unwrap();
    sim.advance_all().unwrap();
    let c = sim.model::<CascadeModel>(model).unwrap().cascade();
    assert!(c.products().raffinate.iter().sum::<f64>() > 0.0);
    let holdup = c.holdup();
    for (j, h) in holdup.iter().enumerate() {
        let lhs = h + c.cumulative_out()[j];
        let rhs = init[j] + c.cumulative_in()[j];
        assert!(
            (lhs - rhs).abs() <= 1e-9 * rhs,
            "component {j}: {lhs} vs {rhs}"
        );
    }
}

fn build_startup_sim(spec: &TwoOutletSpec) -> (Simulation<Msg>, repm_des::ModelId) {
    let mut sim = Simulation::<Msg>::new(11, 0);
    let cas = DynamicCascade::new(
        spec.total_reflux(),
        &[225.0, 75.0],
        IntegratorConfig::default(),
    )
    .unwrap();
    let model = sim
        .add_model(
            "pr-nd",
            CascadeModel::new(
                cas,
                vec![watch(), watch_overshoot()],
                CascadeModelConfig::default(),
            ),
        )
        .unwrap();
    let ops = sim
        .add_model(
            "operator",
            CommandSchedule::new(vec![
                (
                    Duration::from_secs(86_400),
                    CascadeCommand::SetSpec { spec: spec.clone() },
                ),
                (
                    Duration::from_secs(9 * 86_400),
                    CascadeCommand::SetOrganicFlow {
                        flow: 1.1 * spec.organic_flow,
                    },
                ),
            ]),
        )
        .unwrap();
    sim.connect(ops, "out", model, "cmd").unwrap();
    (sim, model)
}

/// Checkpoint at day 3 → JSON → restore into a rebuilt simulation → continue to day 20
/// equals the uninterrupted run to 1e-12 (running in pieces without JSON is bit-identical;
/// the residual difference is serde_json's float parsing, exact only with its
/// `float_roundtrip` feature).
#[test]
fn checkpoint_restore_continue_equals_uninterrupted() {
    let spec = design();
    let end = SimTime::from_secs(20 * 86_400).unwrap();
    let (mut whole, wm) = build_startup_sim(&spec);
    whole.run_until(end).unwrap();
    whole.advance_all().unwrap();

    let (mut first, _) = build_startup_sim(&spec);
    first
        .run_until(SimTime::from_secs(3 * 86_400).unwrap())
        .unwrap();
    let json = serde_json::to_string(&first.checkpoint().unwrap()).unwrap();
    let (mut second, sm) = build_startup_sim(&spec);
    second
        .restore(serde_json::from_str(&json).unwrap())
        .unwrap();
    second.run_until(end).unwrap();
    second.advance_all().unwrap();

    let a = whole.model::<CascadeModel>(wm).unwrap();
    let b = second.model::<CascadeModel>(sm).unwrap();
    assert_eq!(a.log.len(), 2);
    assert_eq!(a.log.len(), b.log.len());
    assert_eq!(a.crossings.len(), b.crossings.len());
    assert!(!a.crossings.is_empty());
    for (x, y) in a.crossings.iter().zip(&b.crossings) {
        assert_eq!(x.1, y.1);
        assert!((x.0.as_secs_f64() - y.0.as_secs_f64()).abs() <= 1e-6);
    }
    for (x, y) in a.cascade().profile().iter().zip(b.cascade().profile()) {
        assert!((x - y).abs() <= 1e-12 * x.abs().max(1e-9), "{x} vs {y}");
    }
}

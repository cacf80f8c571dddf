//! Kernel tests: event ordering (same-time FIFO, priorities), cancellation, run/continue
//! equivalence, and errors for past scheduling, unknown ids and misconnected ports.

use std::time::Duration;

use repm_des::{
    Context, DesError, Event, EventHandle, Model, ModelId, OutPort, Port, Ports, Priority, Result,
    RunOutcome, SimTime, Simulation,
};

/// Records every event it receives as (time ns, tag or message).
#[derive(Default)]
struct Recorder {
    log: Vec<(u64, u64)>,
}

impl Model<u64> for Recorder {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("in", "num")];
        Ports {
            inputs: IN,
            outputs: &[],
        }
    }
    fn handle(&mut self, ctx: &mut Context<'_, u64>, ev: Event<u64>) -> Result<()> {
        let v = match ev {
            Event::Timer { tag } => tag,
            Event::Message { msg, .. } => msg,
        };
        self.log.push((ctx.now().as_nanos(), v));
        Ok(())
    }
}

fn ns(t: u64) -> SimTime {
    SimTime::from_nanos(t)
}

#[test]
fn same_time_events_are_fifo_and_priorities_order() {
    let mut sim = Simulation::<u64>::new(1, 0);
    let r = sim.add_model("rec", Recorder::default()).unwrap();
    for tag in 0..100 {
        sim.schedule(r, ns(10), Priority::NORMAL, tag).unwrap();
    }
    sim.schedule(r, ns(10), Priority(-5), 1000).unwrap();
    sim.schedule(r, ns(10), Priority(5), 2000).unwrap();
    sim.schedule(r, ns(5), Priority::LOWEST, 3000).unwrap();
    sim.run().unwrap();
    let log = &sim.model::<Recorder>(r).unwrap().log;
    let tags: Vec<u64> = log.iter().map(|e| e.1).collect();
    let mut expected = vec![3000, 1000];
    expected.extend(0..100);
    expected.push(2000);
    assert_eq!(tags, expected);
}

/// Fires a burst of zero-delay messages and timers at the same time; delivery must follow
/// scheduling order.
struct Burst;
impl Model<u64> for Burst {
    fn ports(&self) -> Ports {
        const OUT: &[Port] = &[Port::typed("out", "num")];
        Ports {
            inputs: &[],
            outputs: OUT,
        }
    }
    fn init(&mut self, ctx: &mut Context<'_, u64>) -> Result<()> {
        ctx.schedule_in(Duration::from_secs(1), 0)?;
        Ok(())
    }
    fn handle(&mut self, ctx: &mut Context<'_, u64>, _ev: Event<u64>) -> Result<()> {
        for i in 0..10 {
            ctx.send(OutPort(0), i)?;
        }
        ctx.send_in(OutPort(0), Duration::from_nanos(1), 99)?;
        Ok(())
    }
}

#[test]
fn zero_delay_messages_keep_send_order() {
    let mut sim = Simulation::<u64>::new(1, 0);
    let b = sim.add_model("burst", Burst).unwrap();
    let r = sim.add_model("rec", Recorder::default()).unwrap();
    sim.connect(b, "out", r, "in").unwrap();
    assert_eq!(sim.run().unwrap(), RunOutcome::Exhausted);
    let log = &sim.model::<Recorder>(r).unwrap().log;
    let mut expected: Vec<(u64, u64)> = (0..10).map(|i| (1_000_000_000, i)).collect();
    expected.push((1_000_000_001, 99));
    assert_eq!(log, &expected);
}

#[test]
fn cancellation_results_are_clear() {
    let mut sim = Simulation::<u64>::new(1, 0);
    let r = sim.add_model("rec", Recorder::default()).unwrap();
    let a = sim.schedule(r, ns(10), Priority::NORMAL, 1).unwrap();
    let b = sim.schedule(r, ns(20), Priority::NORMAL, 2).unwrap();
    let c = sim.schedule(r, ns(30), Priority::NORMAL, 3).unwrap();
    assert_eq!(sim.cancel(b), Ok(true));
    assert_eq!(sim.cancel(b), Ok(false), "second cancel is a no-op");
    sim.run_until(ns(15)).unwrap();
    assert_eq!(sim.cancel(a), Ok(false), "already fired");
    // A handle from another simulation is reported, not a panic.
    let mut other = Simulation::<u64>::new(1, 0);
    let o = other.add_model("rec", Recorder::default()).unwrap();
    let mut foreign: EventHandle = c;
    for i in 0..10 {
        foreign = other.schedule(o, ns(5), Priority::NORMAL, i).unwrap();
    }
    assert!(matches!(
        sim.cancel(foreign),
        Err(DesError::UnknownEvent { .. })
    ));
    sim.run().unwrap();
    let tags: Vec<u64> = sim
        .model::<Recorder>(r)
        .unwrap()
        .log
        .iter()
        .map(|e| e.1)
        .collect();
    assert_eq!(tags, [1, 3]);
}

#[test]
fn errors_for_past_unknown_and_misconnected() {
    let mut sim = Simulation::<u64>::new(1, 0);
    let r = sim.add_model("rec", Recorder::default()).unwrap();
    let b = sim.add_model("burst", Burst).unwrap();
    sim.run_until(ns(100)).unwrap();
    assert!(matches!(
        sim.schedule(r, ns(50), Priority::NORMAL, 0),
        Err(DesError::ScheduleInPast { .. })
    ));
    assert!(matches!(
        sim.run_until(ns(10)),
        Err(DesError::ScheduleInPast { .. })
    ));
    let bogus = ModelId::from_index(7);
    assert!(matches!(
        sim.schedule(bogus, ns(200), Priority::NORMAL, 0),
        Err(DesError::UnknownModel { id: 7, count: 2 })
    ));
    assert!(matches!(
        sim.connect(b, "out", bogus, "in"),
        Err(DesError::UnknownModel { .. })
    ));
    assert!(matches!(
        sim.connect(b, "nope", r, "in"),
        Err(DesError::UnknownPort { .. })
    ));
    assert!(matches!(
        sim.connect(r, "in", b, "out"),
        Err(DesError::UnknownPort { .. })
    ));
    assert!(matches!(
        sim.add_model("rec", Recorder::default()),
        Err(DesError::DuplicateModelName { .. })
    ));
    assert!(matches!(
        sim.model::<Burst>(r),
        Err(DesError::WrongModelType { .. })
    ));
    // Burst fires at 1 s with its output unconnected: the run reports it.
    let err = sim.run_until(SimTime::from_secs(2).unwrap()).unwrap_err();
    assert!(
        matches!(err, DesError::UnconnectedPort { ref model, .. } if model == "burst"),
        "{err}"
    );
}

/// An output of kind "lot" cannot feed an input of kind "num".
struct LotSource;
impl Model<u64> for LotSource {
    fn ports(&self) -> Ports {
        const OUT: &[Port] = &[Port::typed("out", "lot")];
        Ports {
            inputs: &[],
            outputs: OUT,
        }
    }
    fn handle(&mut self, _: &mut Context<'_, u64>, _: Event<u64>) -> Result<()> {
        Ok(())
    }
}

#[test]
fn port_kinds_are_checked_and_outputs_connect_once() {
    let mut sim = Simulation::<u64>::new(1, 0);
    let s = sim.add_model("src", LotSource).unwrap();
    let r = sim.add_model("rec", Recorder::default()).unwrap();
    let err = sim.connect(s, "out", r, "in").unwrap_err();
    assert!(matches!(
        err,
        DesError::PortKindMismatch {
            out_kind: "lot",
            in_kind: "num",
            ..
        }
    ));
    let b = sim.add_model("burst", Burst).unwrap();
    sim.connect(b, "out", r, "in").unwrap();
    assert!(matches!(
        sim.connect(b, "out", r, "in"),
        Err(DesError::PortAlreadyConnected { .. })
    ));
}

/// Model error messages name the model and the time.
struct Failing;
impl Model<u64> for Failing {
    fn init(&mut self, ctx: &mut Context<'_, u64>) -> Result<()> {
        ctx.schedule_in(Duration::from_secs(3), 0).map(|_| ())
    }
    fn handle(&mut self, _: &mut Context<'_, u64>, _: Event<u64>) -> Result<()> {
        Err(DesError::model("furnace overheated"))
    }
}

#[test]
fn model_errors_are_attributed() {
    let mut sim = Simulation::<u64>::new(1, 0);
    sim.add_model("furnace", Failing).unwrap();
    let err = sim.run().unwrap_err();
    assert_eq!(
        err,
        DesError::Model {
            model: "furnace".into(),
            at: SimTime::from_secs(3).unwrap(),
            message: "furnace overheated".into()
        }
    );
}

#[test]
fn condition_step_run_for_and_inject() {
    let mut sim = Simulation::<u64>::new(1, 0);
    let r = sim.add_model("rec", Recorder::default()).unwrap();
    for i in 1..=10 {
        sim.schedule(r, ns(i * 100), Priority::NORMAL, i).unwrap();
    }
    sim.inject(r, "in", ns(250), 777).unwrap();
    assert!(matches!(
        sim.inject(r, "nope", ns(250), 1),
        Err(DesError::UnknownPort { .. })
    ));
    assert_eq!(sim.next_event_time(), Some(ns(100)));
    assert_eq!(sim.step().unwrap(), Some(ns(100)));
    let out = sim
        .run_until_condition(SimTime::MAX, |s| {
            s.model::<Recorder>(r)
                .unwrap()
                .log
                .iter()
                .any(|e| e.1 == 777)
        })
        .unwrap();
    assert_eq!(out, RunOutcome::ConditionMet);
    assert_eq!(sim.now(), ns(250));
    assert_eq!(
        sim.run_for(Duration::from_nanos(300)).unwrap(),
        RunOutcome::ReachedLimit
    );
    assert_eq!(sim.now(), ns(550));
    assert_eq!(sim.events_delivered(), 6);
    assert_eq!(sim.pending(), 5);
    assert_eq!(sim.run_events(2).unwrap(), RunOutcome::ReachedLimit);
    assert_eq!(sim.now(), ns(700));
    assert_eq!(sim.run().unwrap(), RunOutcome::Exhausted);
    assert_eq!(sim.now(), ns(1000));
    assert_eq!(sim.step().unwrap(), None);
    assert_eq!(sim.events_scheduled(), 11);
    assert_eq!(sim.model_id("rec"), Some(r));
    assert_eq!(sim.model_name(r).unwrap(), "rec");
}

/// Schedules itself with f64 seconds, including an invalid delay.
struct SecsTimer(Vec<SimTime>, Option<DesError>);
impl Model<u64> for SecsTimer {
    fn init(&mut self, ctx: &mut Context<'_, u64>) -> Result<()> {
        ctx.schedule_in_secs(1.5e-9, 0)?; // rounds to 2 ns
        ctx.schedule_in_secs(2.25, 1)?;
        self.1 = ctx.schedule_in_secs(-1.0, 2).err();
        Ok(())
    }
    fn handle(&mut self, ctx: &mut Context<'_, u64>, _: Event<u64>) -> Result<()> {
        self.0.push(ctx.now());
        Ok(())
    }
}

#[test]
fn schedule_in_secs_rounds_and_validates() {
    let mut sim = Simulation::<u64>::new(1, 0);
    let m = sim.add_model("t", SecsTimer(vec![], None)).unwrap();
    sim.run().unwrap();
    let t = sim.model::<SecsTimer>(m).unwrap();
    assert_eq!(t.0, [ns(2), ns(2_250_000_000)]);
    assert!(matches!(t.1, Some(DesError::InvalidTime { .. })));
}

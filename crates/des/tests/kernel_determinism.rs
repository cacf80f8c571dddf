//! Determinism of the kernel: same seed → bit-identical runs; `run_until` in pieces equals one
//! long run; checkpoint → JSON → restore into a rebuilt simulation → continue equals an
//! uninterrupted run (models, RNG states, pending and cancelled events, clock, counters).

use std::time::Duration;

use rand::Rng;
use repm_des::{
    Checkpoint, Context, DesError, Event, EventHandle, Model, OutPort, Port, Ports, Result,
    RunOutcome, SimTime, Simulation, checkpoint,
};
use serde::{Deserialize, Serialize};

/// A station that wakes up at random, forwards jobs to its neighbour with random delays, and
/// arms/cancels timeouts, hashing everything it sees into `digest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Station {
    digest: u64,
    seen: u64,
    timeouts: Vec<EventHandle>,
    cancelled: u64,
    timeouts_fired: u64,
}

impl Station {
    fn new() -> Self {
        Station {
            digest: 0xcbf2_9ce4_8422_2325,
            seen: 0,
            timeouts: vec![],
            cancelled: 0,
            timeouts_fired: 0,
        }
    }
    fn mix(&mut self, x: u64) {
        self.digest = (self.digest ^ x).wrapping_mul(0x100_0000_01b3);
    }
}

const WAKE: u64 = 0;
const TIMEOUT: u64 = 1;

impl Model<u64> for Station {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::new("in")];
        const OUT: &[Port] = &[Port::new("out")];
        Ports {
            inputs: IN,
            outputs: OUT,
        }
    }
    fn init(&mut self, ctx: &mut Context<'_, u64>) -> Result<()> {
        let d = ctx.rng().random_range(1..1_000_000u64);
        ctx.schedule_in_nanos(d, WAKE).map(|_| ())
    }
    fn handle(&mut self, ctx: &mut Context<'_, u64>, ev: Event<u64>) -> Result<()> {
        self.seen += 1;
        self.mix(ctx.now().as_nanos());
        match ev {
            Event::Timer { tag: WAKE } => {
                self.mix(1);
                let job: u64 = ctx.rng().random();
                // Zero or positive delay, half the time each.
                if ctx.rng().random::<bool>() {
                    ctx.send(OutPort(0), job)?;
                } else {
                    let d = ctx.rng().random_range(0..500_000u64);
                    ctx.send_in(OutPort(0), Duration::from_nanos(d), job)?;
                }
                let t = ctx.rng().random_range(1..3_000_000u64);
                let h = ctx.schedule_in_nanos(t, TIMEOUT)?;
                self.timeouts.push(h);
                // Cancel a random earlier timeout (possibly already fired: must be harmless).
                if self.timeouts.len() > 3 {
                    let i = ctx.rng().random_range(0..self.timeouts.len());
                    let h = self.timeouts.swap_remove(i);
                    if ctx.cancel(h)? {
                        self.cancelled += 1;
                    }
                }
                let d = ctx.rng().random_range(1..1_000_000u64);
                ctx.schedule_in_nanos(d, WAKE)?;
            }
            Event::Timer { tag } => {
                self.mix(10 + tag);
                self.timeouts_fired += 1;
            }
            Event::Message { from, msg, .. } => {
                self.mix(msg ^ from.index() as u64);
            }
        }
        Ok(())
    }
    fn snapshot(&self) -> Result<serde_json::Value> {
        checkpoint::to_value(self)
    }
    fn restore(&mut self, v: serde_json::Value) -> Result<()> {
        *self = checkpoint::from_value(v)?;
        Ok(())
    }
}

/// A ring of `n` stations.
fn build(seed: u64, n: usize) -> Simulation<u64> {
    let mut sim = Simulation::new(seed, 0);
    let ids: Vec<_> = (0..n)
        .map(|i| sim.add_model(format!("st{i}"), Station::new()).unwrap())
        .collect();
    for i in 0..n {
        sim.connect(ids[i], "out", ids[(i + 1) % n], "in").unwrap();
    }
    sim
}

fn states(sim: &Simulation<u64>) -> Vec<Station> {
    (0..sim.model_count())
        .filter_map(|i| {
            sim.model::<Station>(repm_des::ModelId::from_index(i as u32))
                .ok()
                .cloned()
        })
        .collect()
}

fn ms(x: u64) -> SimTime {
    SimTime::from_nanos(x * 1_000_000)
}

#[test]
fn same_seed_is_bit_identical_and_seeds_differ() {
    let run = |seed| {
        let mut s = build(seed, 5);
        s.run_until(ms(200)).unwrap();
        (states(&s), s.events_delivered())
    };
    let (a, na) = run(11);
    let (b, nb) = run(11);
    assert_eq!(a, b);
    assert_eq!(na, nb);
    assert!(na > 1000, "{na} events");
    assert!(
        a.iter().map(|s| s.cancelled).sum::<u64>() > 10,
        "cancellations exercised"
    );
    assert_ne!(run(12).0, a);
}

#[test]
fn run_until_in_pieces_equals_one_long_run() {
    let mut whole = build(5, 4);
    whole.run_until(ms(300)).unwrap();
    let mut pieces = build(5, 4);
    for t in [0, 1, 17, 17, 120, 250, 300] {
        assert_eq!(pieces.run_until(ms(t)).unwrap(), RunOutcome::ReachedLimit);
        assert_eq!(pieces.now(), ms(t));
    }
    assert_eq!(states(&whole), states(&pieces));
    assert_eq!(whole.events_delivered(), pieces.events_delivered());
    assert_eq!(
        whole.checkpoint().unwrap().queue_json(),
        pieces.checkpoint().unwrap().queue_json()
    );
}

/// Helper to compare the queue part of two checkpoints.
trait QueueJson {
    fn queue_json(&self) -> String;
}
impl QueueJson for Checkpoint<u64> {
    fn queue_json(&self) -> String {
        // The whole checkpoint minus nothing: models, RNGs, queue image, clock and counters.
        serde_json::to_string(self).unwrap()
    }
}

#[test]
fn checkpoint_restore_continue_equals_uninterrupted() {
    let mut whole = build(99, 6);
    whole.run_until(ms(400)).unwrap();

    let mut first = build(99, 6);
    first.run_until(ms(123)).unwrap();
    let json = serde_json::to_string(&first.checkpoint().unwrap()).unwrap();
    drop(first);
    let mut second = build(99, 6);
    second
        .restore(serde_json::from_str(&json).unwrap())
        .unwrap();
    assert_eq!(second.now(), ms(123));
    second.run_until(ms(400)).unwrap();

    assert_eq!(states(&whole), states(&second));
    assert_eq!(whole.events_delivered(), second.events_delivered());
    assert_eq!(whole.events_scheduled(), second.events_scheduled());
    assert_eq!(
        whole.checkpoint().unwrap().queue_json(),
        second.checkpoint().unwrap().queue_json()
    );
}

#[test]
fn checkpoint_after_stop_mid_time_continues_identically() {
    // Stop in the middle of a burst of same-time events, checkpoint, restore, continue.
    struct Stopper;
    impl Model<u64> for Stopper {
        fn init(&mut self, ctx: &mut Context<'_, u64>) -> Result<()> {
            ctx.schedule_in_nanos(50_000_000, 0).map(|_| ())
        }
        fn handle(&mut self, ctx: &mut Context<'_, u64>, _: Event<u64>) -> Result<()> {
            ctx.stop();
            Ok(())
        }
        fn snapshot(&self) -> Result<serde_json::Value> {
            Ok(serde_json::Value::Null)
        }
        fn restore(&mut self, _: serde_json::Value) -> Result<()> {
            Ok(())
        }
    }
    let build2 = || {
        let mut s = build(3, 3);
        s.add_model("stopper", Stopper).unwrap();
        s
    };
    let mut whole = build2();
    assert_eq!(whole.run_until(ms(100)).unwrap(), RunOutcome::Stopped);
    assert_eq!(whole.run_until(ms(100)).unwrap(), RunOutcome::ReachedLimit);
    let mut a = build2();
    assert_eq!(a.run_until(ms(100)).unwrap(), RunOutcome::Stopped);
    assert_eq!(a.now(), ms(50));
    let cp = a.checkpoint().unwrap();
    let mut b = build2();
    b.restore(cp).unwrap();
    b.run_until(ms(100)).unwrap();
    assert_eq!(states(&whole), states(&b));
    assert_eq!(states(&b).len(), 3);
}

#[test]
fn restore_rejects_mismatched_simulations() {
    let mut a = build(1, 3);
    a.run_until(ms(10)).unwrap();
    let cp = a.checkpoint().unwrap();
    let err = |r: std::result::Result<(), DesError>| match r {
        Err(DesError::Checkpoint { message }) => message,
        other => panic!("expected a checkpoint error, got {other:?}"),
    };
    assert!(err(build(1, 4).restore(cp.clone())).contains("models"));
    assert!(err(build(2, 3).restore(cp.clone())).contains("streams"));
    let mut renamed = Simulation::new(1, 0);
    for name in ["st0", "stX", "st2"] {
        renamed.add_model(name, Station::new()).unwrap();
    }
    assert!(err(renamed.restore(cp.clone())).contains("stX"));
    let mut unwired = Simulation::new(1, 0);
    for i in 0..3 {
        unwired.add_model(format!("st{i}"), Station::new()).unwrap();
    }
    assert!(err(unwired.restore(cp)).contains("connections"));
}

#[test]
fn models_without_snapshot_are_reported() {
    struct Plain;
    impl Model<u64> for Plain {
        fn handle(&mut self, _: &mut Context<'_, u64>, _: Event<u64>) -> Result<()> {
            Ok(())
        }
    }
    let mut sim = Simulation::<u64>::new(1, 0);
    sim.add_model("plain", Plain).unwrap();
    assert_eq!(
        sim.checkpoint().unwrap_err(),
        DesError::CheckpointUnsupported {
            model: "plain".into()
        }
    );
}

/// Records its first draws in `init`.
#[derive(Default)]
struct Drawer(Vec<u64>);
impl Model<u64> for Drawer {
    fn init(&mut self, ctx: &mut Context<'_, u64>) -> Result<()> {
        self.0 = (0..4).map(|_| ctx.rng().random::<u64>()).collect();
        Ok(())
    }
    fn handle(&mut self, _: &mut Context<'_, u64>, _: Event<u64>) -> Result<()> {
        Ok(())
    }
}

#[test]
fn common_random_numbers_across_scenarios() {
    // Scenario A: models "furnace", "press"; scenario B adds "mill" first and drops "press".
    let mut a = Simulation::<u64>::new(2024, 3);
    let fa = a.add_model("furnace", Drawer::default()).unwrap();
    let pa = a.add_model("press", Drawer::default()).unwrap();
    let mut b = Simulation::<u64>::new(2024, 3);
    b.add_model("mill", Drawer::default()).unwrap();
    let fb = b.add_model("furnace", Drawer::default()).unwrap();
    a.run_until(SimTime::ZERO).unwrap();
    b.run_until(SimTime::ZERO).unwrap();
    let draws = |s: &Simulation<u64>, id| s.model::<Drawer>(id).unwrap().0.clone();
    assert_eq!(
        draws(&a, fa),
        draws(&b, fb),
        "same name, same stream, whatever the other models"
    );
    assert_ne!(draws(&a, fa), draws(&a, pa));
    // And the model's stream is exactly the documented one.
    let mut expected = repm_des::rng::stream(2024, 3, "furnace");
    let e: Vec<u64> = (0..4).map(|_| expected.random::<u64>()).collect();
    assert_eq!(draws(&a, fa), e);
    // Another replication differs.
    let mut c = Simulation::<u64>::new(2024, 4);
    let fc = c.add_model("furnace", Drawer::default()).unwrap();
    c.run_until(SimTime::ZERO).unwrap();
    assert_ne!(draws(&c, fc), draws(&a, fa));
}

/// Continuous-valued state must survive the JSON checkpoint bit for bit.
#[derive(Serialize, Deserialize)]
struct Floats(Vec<f64>);
impl Model<u64> for Floats {
    fn init(&mut self, ctx: &mut Context<'_, u64>) -> Result<()> {
        self.0 = (0..20_000)
            .map(|i| {
                let u: f64 = ctx.rng().random();
                // Values over many magnitudes, including subnormal-ish and huge ones.
                (u - 0.5) * 10f64.powi((i % 600) - 300)
            })
            .collect();
        Ok(())
    }
    fn handle(&mut self, _: &mut Context<'_, u64>, _: Event<u64>) -> Result<()> {
        Ok(())
    }
    fn snapshot(&self) -> Result<serde_json::Value> {
        checkpoint::to_value(self)
    }
    fn restore(&mut self, v: serde_json::Value) -> Result<()> {
        *self = checkpoint::from_value(v)?;
        Ok(())
    }
}

#[test]
fn f64_state_round_trips_exactly_through_json() {
    let mut a = Simulation::<u64>::new(8, 0);
    let id = a.add_model("floats", Floats(vec![])).unwrap();
    a.run_until(SimTime::ZERO).unwrap();
    let json = serde_json::to_string(&a.checkpoint().unwrap()).unwrap();
    let mut b = Simulation::<u64>::new(8, 0);
    b.add_model("floats", Floats(vec![])).unwrap();
    b.restore(serde_json::from_str(&json).unwrap()).unwrap();
    let (x, y) = (
        &a.model::<Floats>(id).unwrap().0,
        &b.model::<Floats>(id).unwrap().0,
    );
    assert_eq!(x.len(), y.len());
    let differ = x
        .iter()
        .zip(y)
        .filter(|(p, q)| p.to_bits() != q.to_bits())
        .count();
    assert_eq!(
        differ,
        0,
        "{differ} of {} values changed through JSON",
        x.len()
    );
}

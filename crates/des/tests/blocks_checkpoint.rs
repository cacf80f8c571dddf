//! The building blocks inside a checkpoint: a model owning a preemptive-priority [`Resource`]
//! (whose jobs hold pending event handles), a [`Store`], a [`Machine`] with a calendar and random
//! failures, a [`Container`] and a [`Statistics`] registry is checkpointed mid-run, serialised to
//! JSON, restored into a freshly built simulation and continued; its final state and event count
//! equal those of the uninterrupted run bit for bit.

use std::time::Duration;

use repm_des::calendar::{Calendar, CalendarConfig};
use repm_des::container::Container;
use repm_des::failure::{
    Distribution, FailureClock, FailureConfig, InterruptPolicy, Machine, MachineOutcome, WakeUp,
};
use repm_des::resource::{Admission, Discipline, Resource, ServiceToken};
use repm_des::rng::{ChaCha8Rng, stream};
use repm_des::stats::Statistics;
use repm_des::store::{Put, Store};
use repm_des::{
    Checkpoint, Context, DesError, Event, EventHandle, Model, Priority, SimTime, Simulation,
    checkpoint,
};
use serde::{Deserialize, Serialize};

const ARRIVE: u64 = 0;
const DONE: u64 = 1;
const WAKE: u64 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Job {
    arrived: SimTime,
    remaining: u64,
    completion: Option<(EventHandle, SimTime)>,
}

#[derive(Serialize, Deserialize)]
struct Cell {
    server: Resource<Job>,
    /// Token of the service in progress on each server.
    tokens: Vec<Option<ServiceToken>>,
    finished: Store<SimTime>,
    machine: Machine<u32>,
    wake: WakeUp,
    tank: Container,
    stats: Statistics,
    rng: ChaCha8Rng,
}

impl Cell {
    fn new(seed: u64, rep: u64) -> Result<Self, DesError> {
        let cal = Calendar::new(&CalendarConfig::weekly(&[0, 1, 2, 3, 4], 6.0, 22.0))?;
        let failures = FailureConfig {
            time_to_failure: Distribution::Exponential { mean: 7200.0 },
            time_to_repair: Distribution::Exponential { mean: 900.0 },
            clock: FailureClock::Calendar,
            on_interrupt: InterruptPolicy::Restart,
        };
        Ok(Self {
            server: Resource::new("server", 2, Discipline::PreemptivePriority, SimTime::ZERO)?,
            tokens: vec![None; 2],
            finished: Store::new("finished", 50, SimTime::ZERO)?,
            machine: Machine::new(
                "machine",
                SimTime::ZERO,
                cal,
                Some(failures),
                stream(seed, rep, "machine"),
            )?,
            wake: WakeUp::default(),
            tank: Container::new("tank", 100.0, 10.0, SimTime::ZERO)?,
            stats: Statistics::new(),
            rng: stream(seed, rep, "cell"),
        })
    }

    fn begin(&mut self, ctx: &mut Context<'_, ()>, token: ServiceToken) -> Result<(), DesError> {
        let now = ctx.now();
        let job = self
            .server
            .job_mut(token)
            .ok_or_else(|| DesError::model("stale"))?;
        let end = now.checked_add_nanos(job.remaining)?;
        // The completion tag carries the server index.
        let h = ctx.schedule_at(
            end,
            Priority::default(),
            DONE + 16 * u64::from(token.server),
        )?;
        job.completion = Some((h, end));
        self.tokens[token.server as usize] = Some(token);
        Ok(())
    }

    fn machine_step(&mut self, ctx: &mut Context<'_, ()>) -> Result<(), DesError> {
        let now = ctx.now();
        while let Some(o) = self.machine.advance(now)? {
            if let MachineOutcome::Finished { at, .. } = o {
                if let Put::Full(_) = self.finished.put(now, at)? {
                    self.finished.get(now)?;
                }
                self.tank.put(now, 1.0)?;
            }
        }
        if !self.machine.is_busy() {
            let w = Distribution::Uniform {
                min: 600.0,
                max: 5400.0,
            }
            .sample(&mut self.rng);
            self.machine.start(now, 1, w)?;
        }
        if let Some(t) = self.wake.schedule(self.machine.next_event()) {
            ctx.schedule_at(t, Priority::default(), WAKE)?;
        }
        Ok(())
    }
}

impl Model<()> for Cell {
    fn init(&mut self, ctx: &mut Context<'_, ()>) -> repm_des::Result<()> {
        ctx.schedule_in(Duration::from_secs(10), ARRIVE)?;
        self.tank.set_rate(ctx.now(), -0.0005)?;
        self.machine_step(ctx)
    }

    fn handle(&mut self, ctx: &mut Context<'_, ()>, ev: Event<()>) -> repm_des::Result<()> {
        let Event::Timer { tag } = ev else {
            return Ok(());
        };
        let now = ctx.now();
        match tag {
            ARRIVE => {
                let work = Distribution::Exponential { mean: 50.0 }.sample_nanos(&mut self.rng);
                let prio = i32::from(rand::Rng::random_bool(&mut self.rng, 0.3));
                let job = Job {
                    arrived: now,
                    remaining: work,
                    completion: None,
                };
                match self.server.request_with_priority(now, job, prio)? {
                    Admission::Started(t) => self.begin(ctx, t)?,
                    Admission::Queued => {}
                    Admission::Preempted { token, mut victim } => {
                        if let Some((h, end)) = victim.job.completion.take() {
                            ctx.cancel(h)?;
                            victim.job.remaining = end.as_nanos() - now.as_nanos();
                        }
                        self.begin(ctx, token)?;
                        self.server.requeue(now, victim)?;
                    }
                }
                self.stats.count("arrivals", now, 1);
                let d = Distribution::Exponential { mean: 30.0 }.sample_nanos(&mut self.rng);
                ctx.schedule_in_nanos(d, ARRIVE)?;
            }
            WAKE => {
                self.wake.fired(now);
                self.machine_step(ctx)?;
            }
            _ => {
                let server = ((tag - DONE) / 16) as usize;
                let token = self.tokens[server]
                    .take()
                    .ok_or_else(|| DesError::model("idle server"))?;
                let done = self.server.release(now, token)?;
                self.stats
                    .record("sojourn", now.secs_since(done.job.arrived));
                if let Some(next) = done.next {
                    self.begin(ctx, next)?;
                }
            }
        }
        self.stats
            .set_level("in_system", now, self.server.in_system() as f64)?;
        Ok(())
    }

    fn snapshot(&self) -> repm_des::Result<serde_json::Value> {
        checkpoint::to_value(self)
    }

    fn restore(&mut self, state: serde_json::Value) -> repm_des::Result<()> {
        *self = checkpoint::from_value(state)?;
        Ok(())
    }
}

fn build(seed: u64) -> (Simulation<()>, repm_des::ModelId) {
    let mut sim = Simulation::<()>::new(seed, 0);
    let id = sim.add_model("cell", Cell::new(seed, 0).unwrap()).unwrap();
    (sim, id)
}

#[test]
fn checkpoint_restore_continue_with_building_blocks() {
    let (t1, t2) = (
        SimTime::from_hours(30.0).unwrap(),
        SimTime::from_hours(200.0).unwrap(),
    );
    let (mut a, ida) = build(8);
    a.run_until(t1).unwrap();
    let cp: Checkpoint<()> = a.checkpoint().unwrap();
    let delivered_at_t1 = a.events_delivered();
    let json = serde_json::to_string(&cp).unwrap();
    a.run_until(t2).unwrap();

    let (mut b, idb) = build(8);
    b.restore(serde_json::from_str(&json).unwrap()).unwrap();
    // The restored simulation really starts at t1 (not a re-run from zero).
    assert_eq!(b.now(), t1);
    assert_eq!(b.events_delivered(), delivered_at_t1);
    assert!(delivered_at_t1 > 1_000);
    b.run_until(t2).unwrap();

    assert_eq!(a.events_delivered(), b.events_delivered());
    let sa = serde_json::to_string(&a.model::<Cell>(ida).unwrap().snapshot().unwrap()).unwrap();
    let sb = serde_json::to_string(&b.model::<Cell>(idb).unwrap().snapshot().unwrap()).unwrap();
    assert_eq!(sa, sb);
    let cell = a.model::<Cell>(ida).unwrap();
    assert!(cell.server.preemptions() > 10 && cell.machine.failures() > 5);
    assert!(cell.stats.tally("sojourn").unwrap().count() > 1_000);
}

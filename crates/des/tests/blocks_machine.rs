//! Calendars and failures on the kernel: a [`Machine`] kept permanently loaded (a saturated
//! bottleneck) inside a kernel `Model`.
//!
//! * Calendar unavailability: no work is done off-shift or in a planned shutdown — every job's
//!   work equals exactly the calendar's available time between its start and finish — and the
//!   machine's working fraction equals the calendar's analytic available fraction.
//! * Failure/repair: long-run availability equals `MTBF/(MTBF + MTTR)` (renewal-reward theorem;
//!   e.g. Barlow & Proschan 1965, ch. 7; Ross, *Stochastic Processes*, 2nd ed. 1996, §3.6)
//!   within the replications' confidence interval; operating-hours failures never happen idle;
//!   work is conserved under the resume policy.

use std::time::Duration;

use repm_des::calendar::{Calendar, CalendarConfig};
use repm_des::failure::{
    Distribution, FailureClock, FailureConfig, InterruptPolicy, Machine, MachineOutcome,
};
use repm_des::replication::ReplicationRunner;
use repm_des::rng::{ChaCha8Rng, stream};
use repm_des::{Context, DesError, Event, Model, SimTime, Simulation};

/// Keeps one machine loaded: a new job (work drawn from `work`) starts when the previous one
/// finishes or is scrapped. Wake-ups are scheduled at [`Machine::next_event`]; a stale one is
/// harmless because `advance` is idempotent.
struct Saturated {
    machine: Machine<u64>,
    work: Distribution,
    rng: ChaCha8Rng,
    /// Whether a job is loaded at all (false = the machine is left idle).
    feed: bool,
    next_id: u64,
    /// (start, finish, work [ns]) of every finished job.
    finished: Vec<(SimTime, SimTime, u64)>,
    current: Option<(SimTime, u64)>,
    scrapped: u64,
    wake: Option<SimTime>,
}

impl Saturated {
    fn new(machine: Machine<u64>, work: Distribution, rng: ChaCha8Rng, feed: bool) -> Self {
        Self {
            machine,
            work,
            rng,
            feed,
            next_id: 0,
            finished: Vec::new(),
            current: None,
            scrapped: 0,
            wake: None,
        }
    }

    fn load(&mut self, now: SimTime) -> Result<(), DesError> {
        if !self.feed {
            return Ok(());
        }
        let w = self.work.sample_nanos(&mut self.rng).max(1);
        self.next_id += 1;
        let early = self
            .machine
            .start(now, self.next_id, Duration::from_nanos(w))?;
        assert!(early.is_none());
        self.current = Some((now, w));
        Ok(())
    }

    fn schedule_wake(&mut self, ctx: &mut Context<'_, ()>) -> Result<(), DesError> {
        if let Some(t) = self.machine.next_event()
            && self.wake != Some(t)
        {
            ctx.schedule_at(t, repm_des::Priority::default(), 0)?;
            self.wake = Some(t);
        }
        Ok(())
    }

    /// Working time done so far [ns]: finished jobs plus progress on the current one.
    fn work_done(&self) -> u64 {
        let done: u64 = self.finished.iter().map(|f| f.2).sum();
        done + self
            .current
            .map_or(0, |(_, w)| w - self.machine.remaining_work().unwrap_or(w))
    }
}

impl Model<()> for Saturated {
    fn init(&mut self, ctx: &mut Context<'_, ()>) -> repm_des::Result<()> {
        self.load(ctx.now())?;
        self.schedule_wake(ctx)
    }

    fn handle(&mut self, ctx: &mut Context<'_, ()>, _ev: Event<()>) -> repm_des::Result<()> {
        let now = ctx.now();
        if self.wake == Some(now) {
            self.wake = None;
        }
        while let Some(outcome) = self.machine.advance(now)? {
            let (start, work) = self.current.take().expect("a job was loaded");
            match outcome {
                MachineOutcome::Finished { at, .. } => self.finished.push((start, at, work)),
                MachineOutcome::Scrapped { .. } => self.scrapped += 1,
            }
            self.load(now)?;
        }
        self.schedule_wake(ctx)
    }
}

fn h(x: f64) -> SimTime {
    SimTime::from_hours(x).unwrap()
}

#[test]
fn calendar_unavailability() {
    // Two shifts Mon–Fri 06:00–22:00 and a planned shutdown from hour 200 to 260.
    let cfg = CalendarConfig::weekly(&[0, 1, 2, 3, 4], 6.0, 22.0).with_shutdown(200.0, 260.0);
    let cal = Calendar::new(&cfg).unwrap();
    let machine =
        Machine::new("press", SimTime::ZERO, cal.clone(), None, stream(5, 0, "m")).unwrap();
    let work = Distribution::Exponential { mean: 3600.0 };
    let mut sim = Simulation::<()>::new(5, 0);
    let id = sim
        .add_model(
            "press",
            Saturated::new(machine, work, stream(5, 0, "work"), true),
        )
        .unwrap();
    let end = h(10.0 * 168.0);
    sim.run_until(end).unwrap();
    let m = sim.model_mut::<Saturated>(id).unwrap();
    m.machine.advance(end).unwrap();
    assert!(m.finished.len() > 500);
    for &(start, finish, w) in &m.finished {
        // Work progressed only while available: available time in [start, finish) = work.
        assert_eq!(
            cal.available_between(start, finish).as_nanos(),
            u128::from(w)
        );
        // The last nanosecond before completion was working time (no off-shift completion).
        assert!(cal.is_available(SimTime::from_nanos(finish.as_nanos() - 1)));
    }
    // Working fraction = the calendar's available fraction over the horizon (the machine is
    // never starved), and the work done equals the available time exactly.
    let avail = cal.available_between(SimTime::ZERO, end);
    assert_eq!(u128::from(m.work_done()), avail.as_nanos());
    let util = m.machine.utilisation(end).unwrap();
    assert!((util - avail.as_secs_f64() / end.as_secs_f64()).abs() < 1e-12);
    // Analytic: 10 weeks × 80 h minus the shutdown's working hours. Hour 200 is Tuesday 08:00
    // of week 2 and hour 260 Thursday 20:00: Tue 08–22 (14 h) + Wed 06–22 (16 h) + Thu 06–20
    // (14 h) = 44 h lost.
    assert_eq!(avail.as_secs(), (800 - 44) * 3600);
    // Without the shutdown the long-run fraction is 80/168 exactly.
    let cal2 = Calendar::new(&CalendarConfig::weekly(&[0, 1, 2, 3, 4], 6.0, 22.0)).unwrap();
    assert!((cal2.available_fraction() - 80.0 / 168.0).abs() < 1e-15);
    let machine = Machine::new("press", SimTime::ZERO, cal2, None, stream(6, 0, "m")).unwrap();
    let mut sim = Simulation::<()>::new(6, 0);
    let id = sim
        .add_model(
            "press",
            Saturated::new(machine, work, stream(6, 0, "work"), true),
        )
        .unwrap();
    sim.run_until(end).unwrap();
    let m = sim.model_mut::<Saturated>(id).unwrap();
    m.machine.advance(end).unwrap();
    assert!((m.machine.utilisation(end).unwrap() - 80.0 / 168.0).abs() < 1e-12);
}

/// Availability of a machine with calendar-time failures, 20 replications.
#[test]
fn failure_repair_availability() {
    let (mtbf, mttr) = (10.0 * 3600.0, 2.0 * 3600.0);
    let exact = mtbf / (mtbf + mttr);
    let failures = FailureConfig {
        time_to_failure: Distribution::Exponential { mean: mtbf },
        time_to_repair: Distribution::Exponential { mean: mttr },
        clock: FailureClock::Calendar,
        on_interrupt: InterruptPolicy::Resume,
    };
    let runner = ReplicationRunner::new(20, 77).unwrap();
    let (warm, end) = (h(50.0), h(3050.0));
    let reps = runner
        .run(|rep| -> Result<(f64, f64, u64), DesError> {
            let m = Machine::new(
                "furnace",
                SimTime::ZERO,
                Calendar::always(),
                Some(failures),
                stream(rep.seed, rep.index, "furnace.failures"),
            )?;
            let work = Distribution::Exponential { mean: 4.0 * 3600.0 };
            let model = Saturated::new(m, work, stream(rep.seed, rep.index, "work"), true);
            let mut sim = Simulation::<()>::new(rep.seed, rep.index);
            let id = sim.add_model("furnace", model)?;
            sim.run_until(warm)?;
            sim.model_mut::<Saturated>(id)?.machine.reset_stats(warm)?;
            sim.run_until(end)?;
            let s = sim.model_mut::<Saturated>(id)?;
            s.machine.advance(end)?;
            let a = s.machine.availability(end).unwrap_or(f64::NAN);
            let u = s.machine.utilisation(end).unwrap_or(f64::NAN);
            // Always loaded, always on shift: working exactly when up.
            assert!((a - u).abs() < 1e-12);
            Ok((a, u, s.machine.failures()))
        })
        .unwrap();
    let ci = reps.interval(|r| r.0).unwrap();
    let tol = (3.0 * ci.half_width).max(0.005 * exact);
    println!("availability {ci} (exact {exact:.5}, tol {tol:.5})");
    assert!(
        (ci.mean - exact).abs() <= tol,
        "availability {ci} vs {exact}"
    );
    // ≈ 3000 h / 12 h = 250 failures per replication.
    let fails = reps.interval(|r| r.2 as f64).unwrap();
    assert!(
        (fails.mean - 3000.0 / 12.0).abs() < 0.1 * 250.0,
        "failures {fails}"
    );
}

/// Operating-hours failures: an idle machine never fails; a loaded one fails and, with the
/// resume policy, all work done is accounted for exactly.
#[test]
fn operating_hours_failures_and_work_conservation() {
    let failures = FailureConfig {
        time_to_failure: Distribution::Weibull {
            shape: 1.5,
            scale: 8.0 * 3600.0,
        },
        time_to_repair: Distribution::LogNormal {
            mean: 3600.0,
            cv: 0.5,
        },
        clock: FailureClock::Operating,
        on_interrupt: InterruptPolicy::Resume,
    };
    let cal = Calendar::new(&CalendarConfig::weekly(&[0, 1, 2, 3, 4, 5], 6.0, 22.0)).unwrap();
    let work = Distribution::Triangular {
        min: 600.0,
        mode: 1800.0,
        max: 7200.0,
    };
    let end = h(4.0 * 168.0);
    for feed in [false, true] {
        let m = Machine::new(
            "mill",
            SimTime::ZERO,
            cal.clone(),
            Some(failures),
            stream(9, 0, "f"),
        )
        .unwrap();
        let mut sim = Simulation::<()>::new(9, 0);
        let id = sim
            .add_model("mill", Saturated::new(m, work, stream(9, 0, "w"), feed))
            .unwrap();
        sim.run_until(end).unwrap();
        let s = sim.model_mut::<Saturated>(id).unwrap();
        s.machine.advance(end).unwrap();
        if !feed {
            assert_eq!(s.machine.failures(), 0);
            assert!((s.machine.availability(end).unwrap() - 1.0).abs() < 1e-15);
            continue;
        }
        assert!(s.machine.failures() > 5);
        let worked = s.machine.utilisation(end).unwrap() * end.as_secs_f64();
        let done = s.work_done() as f64 / 1e9;
        assert!(
            (worked - done).abs() <= 1e-9 * done,
            "worked {worked} s vs done {done} s"
        );
        // Never works off-shift: working time ≤ available time.
        assert!(done <= cal.available_between(SimTime::ZERO, end).as_secs_f64() + 1e-9);
    }
}

/// Scrap policy: every failure that hits a loaded machine scraps its job, and jobs are
/// conserved: loaded = finished + scrapped + in progress.
#[test]
fn scrap_policy_conserves_jobs() {
    let failures = FailureConfig {
        time_to_failure: Distribution::Exponential { mean: 5.0 * 3600.0 },
        time_to_repair: Distribution::Constant { value: 1800.0 },
        clock: FailureClock::Operating,
        on_interrupt: InterruptPolicy::Scrap,
    };
    let m = Machine::new(
        "sinter",
        SimTime::ZERO,
        Calendar::always(),
        Some(failures),
        stream(3, 0, "f"),
    )
    .unwrap();
    let work = Distribution::Constant {
        value: 3.0 * 3600.0,
    };
    let mut sim = Simulation::<()>::new(3, 0);
    let id = sim
        .add_model("sinter", Saturated::new(m, work, stream(3, 0, "w"), true))
        .unwrap();
    let end = h(2000.0);
    sim.run_until(end).unwrap();
    let s = sim.model_mut::<Saturated>(id).unwrap();
    s.machine.advance(end).unwrap();
    assert!(s.scrapped > 50);
    // Operating clock + always loaded: every failure scraps a job.
    assert_eq!(s.scrapped, s.machine.failures());
    assert_eq!(
        s.next_id,
        s.finished.len() as u64 + s.scrapped + u64::from(s.machine.is_busy())
    );
    // P(job of 3 h survives an Exp(5 h) TTF) = e^{−3/5} ≈ 0.549 (memoryless).
    let p = s.finished.len() as f64 / (s.finished.len() as f64 + s.scrapped as f64);
    assert!((p - (-0.6_f64).exp()).abs() < 0.06, "survival fraction {p}");
}

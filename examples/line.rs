//! A small sintered-magnet line on the `repm-des` core, run as independent replications.
//!
//! ```text
//!   press ──trays──▶ buffer (finite) ──batches of trays──▶ sintering furnace A
//!   (two shifts, Mon–Fri;                                 ▶ sintering furnace B
//!    breakdowns in operating hours)                         (24/7; breakdowns scrap the batch)
//! ```
//!
//! The press compacts one tray of green magnets at a time; a finished tray waits in the press
//! (the press is *blocked*) while the buffer is full. A furnace that is empty takes a full batch
//! of trays from the buffer (it is *starved* while fewer are waiting) and sinters it; a furnace
//! breakdown scraps the batch in progress. Each machine is a [`Machine`] (calendar + failures +
//! one job), the buffer a [`Store`]; all three are owned by one kernel model that wakes each
//! machine at its [`Machine::next_event`].
//!
//! Output: utilisation, availability, blocking, throughput, scrap, WIP and lead time, each with a
//! 95 % Student-t confidence interval over the replications.
//!
//! Run: `cargo run --release --example line` (set `RUST_LOG=debug` for event logs on stderr).

use std::collections::BTreeMap;
use std::time::Duration;

use repm_des::calendar::{Calendar, CalendarConfig};
use repm_des::failure::{
    Distribution, FailureClock, FailureConfig, InterruptPolicy, Machine, MachineOutcome, WakeUp,
};
use repm_des::replication::ReplicationRunner;
use repm_des::rng::{ChaCha8Rng, stream};
use repm_des::stats::{Tally, TimeWeighted};
use repm_des::store::{Put, Store};
use repm_des::{Context, DesError, Event, Model, Priority, SimTime, Simulation};

// ----- experiment -----------------------------------------------------------------------
/// Base seed of the experiment.
const SEED: u64 = 2026;
/// Independent replications.
const REPLICATIONS: u32 = 20;
/// Warm-up deleted from the statistics [weeks].
const WARM_UP_WEEKS: f64 = 4.0;
/// Observation period after the warm-up [weeks].
const RUN_WEEKS: f64 = 52.0;

// ----- press ------------------------------------------------------------------------------
/// Press working days (0 = Monday).
const PRESS_DAYS: [u8; 5] = [0, 1, 2, 3, 4];
/// Press shift start and end, two shifts back to back [h of the day].
const PRESS_SHIFT: (f64, f64) = (6.0, 22.0);
/// Pressing time of one tray: triangular (min, mode, max) [min].
const PRESS_TIME_MIN: (f64, f64, f64) = (20.0, 25.0, 35.0);
/// Press time to failure: Weibull (shape [-], scale [h]) in operating hours.
const PRESS_TTF: (f64, f64) = (1.5, 45.0);
/// Press time to repair: log-normal (mean [h], coefficient of variation [-]).
const PRESS_TTR: (f64, f64) = (1.5, 0.6);

// ----- buffer and trays -------------------------------------------------------------------
/// Buffer capacity [trays].
const BUFFER_TRAYS: usize = 18;
/// Green-magnet mass per tray [kg].
const TRAY_MASS_KG: f64 = 25.0;

// ----- furnaces ---------------------------------------------------------------------------
/// Number of sintering furnaces.
const FURNACES: usize = 2;
/// Trays per furnace batch.
const BATCH_TRAYS: usize = 6;
/// Sintering cycle (heat-up, dwell, cool-down): triangular (min, mode, max) [h].
const SINTER_CYCLE_H: (f64, f64, f64) = (9.0, 10.0, 12.0);
/// Furnace mean time between failures, calendar time, exponential [h].
const FURNACE_MTBF_H: f64 = 150.0;
/// Furnace mean time to repair, exponential [h].
const FURNACE_MTTR_H: f64 = 6.0;

/// Seconds per hour [s·h⁻¹].
const S_PER_H: f64 = 3600.0;
/// Hours per week [h].
const H_PER_WEEK: f64 = 168.0;

/// A tray of green magnets; carries the time it left the press.
#[derive(Debug, Clone, Copy)]
struct Tray {
    pressed: SimTime,
}

/// The whole line as one kernel model.
struct Line {
    press: Machine<u64>,
    press_work: Distribution,
    press_rng: ChaCha8Rng,
    /// A pressed tray waiting for buffer space (the press is blocked).
    press_output: Option<Tray>,
    trays_started: u64,
    buffer: Store<Tray>,
    furnaces: Vec<Machine<Vec<Tray>>>,
    furnace_work: Distribution,
    furnace_rng: ChaCha8Rng,
    /// Wake-up already scheduled per machine (press, furnace 0, furnace 1, …).
    wakes: Vec<WakeUp>,
    // Statistics (reset after the warm-up).
    blocked: TimeWeighted,
    wip: TimeWeighted,
    trays_sintered: u64,
    trays_scrapped: u64,
    lead_time_h: Tally,
}

impl Line {
    fn new(seed: u64, rep: u64) -> Result<Self, DesError> {
        let press_cal = Calendar::new(&CalendarConfig::weekly(
            &PRESS_DAYS,
            PRESS_SHIFT.0,
            PRESS_SHIFT.1,
        ))?;
        let press_failures = FailureConfig {
            time_to_failure: Distribution::Weibull {
                shape: PRESS_TTF.0,
                scale: PRESS_TTF.1 * S_PER_H,
            },
            time_to_repair: Distribution::LogNormal {
                mean: PRESS_TTR.0 * S_PER_H,
                cv: PRESS_TTR.1,
            },
            clock: FailureClock::Operating,
            on_interrupt: InterruptPolicy::Resume,
        };
        let press = Machine::new(
            "press",
            SimTime::ZERO,
            press_cal,
            Some(press_failures),
            stream(seed, rep, "press.failures"),
        )?;
        let press_work = Distribution::Triangular {
            min: PRESS_TIME_MIN.0 * 60.0,
            mode: PRESS_TIME_MIN.1 * 60.0,
            max: PRESS_TIME_MIN.2 * 60.0,
        };
        press_work.validate("press.work")?;
        let furnace_failures = FailureConfig {
            time_to_failure: Distribution::Exponential {
                mean: FURNACE_MTBF_H * S_PER_H,
            },
            time_to_repair: Distribution::Exponential {
                mean: FURNACE_MTTR_H * S_PER_H,
            },
            clock: FailureClock::Calendar,
            on_interrupt: InterruptPolicy::Scrap,
        };
        let furnaces = (0..FURNACES)
            .map(|i| {
                let name = format!("furnace{i}");
                let rng = stream(seed, rep, &format!("{name}.failures"));
                Machine::new(
                    name,
                    SimTime::ZERO,
                    Calendar::always(),
                    Some(furnace_failures),
                    rng,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let furnace_work = Distribution::Triangular {
            min: SINTER_CYCLE_H.0 * S_PER_H,
            mode: SINTER_CYCLE_H.1 * S_PER_H,
            max: SINTER_CYCLE_H.2 * S_PER_H,
        };
        furnace_work.validate("furnace.work")?;
        Ok(Self {
            press,
            press_work,
            press_rng: stream(seed, rep, "press.work"),
            press_output: None,
            trays_started: 0,
            buffer: Store::new("buffer", BUFFER_TRAYS, SimTime::ZERO)?,
            furnaces,
            furnace_work,
            furnace_rng: stream(seed, rep, "furnace.work"),
            wakes: vec![WakeUp::default(); FURNACES + 1],
            blocked: TimeWeighted::new(SimTime::ZERO, 0.0)?,
            wip: TimeWeighted::new(SimTime::ZERO, 0.0)?,
            trays_sintered: 0,
            trays_scrapped: 0,
            lead_time_h: Tally::new(),
        })
    }

    /// Trays in the line after the press: blocked in the press, buffered, in furnaces.
    fn wip_now(&self) -> f64 {
        let in_furnaces: usize = self
            .furnaces
            .iter()
            .filter_map(Machine::job)
            .map(Vec::len)
            .sum();
        (usize::from(self.press_output.is_some()) + self.buffer.len() + in_furnaces) as f64
    }

    /// Brings every machine to `now` and moves material until nothing more can move.
    fn step(&mut self, now: SimTime) -> Result<(), DesError> {
        loop {
            let mut moved = false;
            while let Some(outcome) = self.press.advance(now)? {
                if let MachineOutcome::Finished { at, .. } = outcome {
                    self.press_output = Some(Tray { pressed: at });
                }
            }
            if let Some(tray) = self.press_output.take() {
                match self.buffer.put(now, tray)? {
                    Put::Stored => moved = true,
                    Put::Full(tray) => self.press_output = Some(tray),
                }
            }
            if !self.press.is_busy() && self.press_output.is_none() {
                self.trays_started += 1;
                let work = self.press_work.sample(&mut self.press_rng);
                self.press.start(now, self.trays_started, work)?;
                moved = true;
            }
            for f in &mut self.furnaces {
                while let Some(outcome) = f.advance(now)? {
                    match outcome {
                        MachineOutcome::Finished { job, at } => {
                            self.trays_sintered += job.len() as u64;
                            for tray in &job {
                                self.lead_time_h
                                    .record(at.secs_since(tray.pressed) / S_PER_H);
                            }
                        }
                        MachineOutcome::Scrapped { job, .. } => {
                            self.trays_scrapped += job.len() as u64
                        }
                    }
                }
                if !f.is_busy() && self.buffer.len() >= BATCH_TRAYS {
                    let mut batch = Vec::with_capacity(BATCH_TRAYS);
                    while batch.len() < BATCH_TRAYS {
                        match self.buffer.get(now)? {
                            Some(t) => batch.push(t),
                            None => break,
                        }
                    }
                    let work = self.furnace_work.sample(&mut self.furnace_rng);
                    f.start(now, batch, work)?;
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        self.blocked.set(
            now,
            if self.press_output.is_some() {
                1.0
            } else {
                0.0
            },
        )?;
        self.wip.set(now, self.wip_now())?;
        Ok(())
    }

    /// Schedules a wake-up at each machine's next event (unless one is already pending then).
    fn schedule_wakes(&mut self, ctx: &mut Context<'_, ()>) -> Result<(), DesError> {
        let next: Vec<Option<SimTime>> = std::iter::once(self.press.next_event())
            .chain(self.furnaces.iter().map(Machine::next_event))
            .collect();
        for (i, t) in next.into_iter().enumerate() {
            if let Some(t) = self.wakes[i].schedule(t) {
                ctx.schedule_at(t, Priority::default(), i as u64)?;
            }
        }
        Ok(())
    }

    fn reset_stats(&mut self, now: SimTime) -> Result<(), DesError> {
        self.step(now)?;
        self.press.reset_stats(now)?;
        for f in &mut self.furnaces {
            f.reset_stats(now)?;
        }
        self.buffer.reset_stats(now)?;
        self.blocked.reset(now)?;
        self.wip.reset(now)?;
        self.trays_sintered = 0;
        self.trays_scrapped = 0;
        self.lead_time_h.reset();
        Ok(())
    }

    /// One replication's record at `end` (statistics window of `weeks`).
    fn record(&mut self, end: SimTime, weeks: f64) -> Result<BTreeMap<String, f64>, DesError> {
        self.step(end)?;
        let nan = f64::NAN;
        let furnace_util = self
            .furnaces
            .iter()
            .map(|f| f.utilisation(end).unwrap_or(nan))
            .sum::<f64>()
            / FURNACES as f64;
        let furnace_avail = self
            .furnaces
            .iter()
            .map(|f| f.availability(end).unwrap_or(nan))
            .sum::<f64>()
            / FURNACES as f64;
        Ok(BTreeMap::from([
            (
                "press_utilisation".to_owned(),
                self.press.utilisation(end).unwrap_or(nan),
            ),
            (
                "press_availability".to_owned(),
                self.press.availability(end).unwrap_or(nan),
            ),
            (
                "press_blocked".to_owned(),
                self.blocked.mean(end).unwrap_or(nan),
            ),
            ("furnace_utilisation".to_owned(), furnace_util),
            ("furnace_availability".to_owned(), furnace_avail),
            (
                "throughput_trays".to_owned(),
                self.trays_sintered as f64 / weeks,
            ),
            (
                "throughput_t".to_owned(),
                self.trays_sintered as f64 * TRAY_MASS_KG / 1000.0 / weeks,
            ),
            ("scrap_trays".to_owned(), self.trays_scrapped as f64 / weeks),
            ("wip_trays".to_owned(), self.wip.mean(end).unwrap_or(nan)),
            (
                "buffer_trays".to_owned(),
                self.buffer.mean_level(end).unwrap_or(nan),
            ),
            (
                "lead_time_h".to_owned(),
                self.lead_time_h.mean().unwrap_or(nan),
            ),
        ]))
    }
}

impl Model<()> for Line {
    fn init(&mut self, ctx: &mut Context<'_, ()>) -> repm_des::Result<()> {
        self.step(ctx.now())?;
        self.schedule_wakes(ctx)
    }

    fn handle(&mut self, ctx: &mut Context<'_, ()>, event: Event<()>) -> repm_des::Result<()> {
        let now = ctx.now();
        if let Event::Timer { tag } = event
            && let Some(w) = self.wakes.get_mut(tag as usize)
        {
            w.fired(now);
        }
        self.step(now)?;
        self.schedule_wakes(ctx)
    }
}

/// Rows of the report: (record key, label, unit, decimals).
const ROWS: [(&str, &str, &str, usize); 11] = [
    ("press_utilisation", "press utilisation (pressing)", "-", 3),
    (
        "press_availability",
        "press availability (not in repair)",
        "-",
        3,
    ),
    ("press_blocked", "press blocked by a full buffer", "-", 3),
    (
        "furnace_utilisation",
        "furnace utilisation (sintering)",
        "-",
        3,
    ),
    ("furnace_availability", "furnace availability", "-", 3),
    ("throughput_trays", "throughput", "trays/week", 1),
    ("throughput_t", "throughput", "t/week", 2),
    (
        "scrap_trays",
        "scrapped in furnace breakdowns",
        "trays/week",
        2,
    ),
    ("wip_trays", "WIP after the press", "trays", 2),
    ("buffer_trays", "buffer level", "trays", 2),
    ("lead_time_h", "lead time press → sintered", "h", 1),
];

fn main() -> Result<(), DesError> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let warm = SimTime::from_hours(WARM_UP_WEEKS * H_PER_WEEK)?;
    let end = SimTime::from_hours((WARM_UP_WEEKS + RUN_WEEKS) * H_PER_WEEK)?;
    let started = std::time::Instant::now();
    let runner = ReplicationRunner::new(REPLICATIONS, SEED)?;
    let result = runner.run(|rep| -> Result<_, DesError> {
        let mut sim = Simulation::<()>::new(rep.seed, rep.index);
        let id = sim.add_model("line", Line::new(rep.seed, rep.index)?)?;
        sim.run_until(warm)?;
        sim.model_mut::<Line>(id)?.reset_stats(warm)?;
        sim.run_until(end)?;
        sim.model_mut::<Line>(id)?.record(end, RUN_WEEKS)
    })?;
    let summary = result.summary()?;
    let elapsed: Duration = started.elapsed();

    println!(
        "repm — small sintered-magnet line: press → buffer ({BUFFER_TRAYS} trays) → {FURNACES} sintering furnaces ({BATCH_TRAYS} trays per batch)"
    );
    println!(
        "{REPLICATIONS} replications × {RUN_WEEKS} weeks after a {WARM_UP_WEEKS}-week warm-up, seed {SEED}; \
         mean ± half-width of the 95 % Student-t confidence interval"
    );
    println!();
    println!(
        "{:<38} {:>11} {:>10} {:>9}",
        "metric", "unit", "mean", "± 95 % CI"
    );
    println!("{}", "-".repeat(71));
    for (key, label, unit, dp) in ROWS {
        let ci = &summary[key];
        println!(
            "{label:<38} {unit:>11} {:>10.dp$} {:>9.dp$}",
            ci.mean, ci.half_width
        );
    }
    println!();
    println!(
        "({:.2} s wall time for {REPLICATIONS} replications)",
        elapsed.as_secs_f64()
    );
    Ok(())
}

//! The optional equipment trace of a replication (for the Gantt chart): the state of each
//! traced unit over a time window, recorded by the line only when a trace recorder is attached
//! (off by default: a normal run neither records nor pays for it, and its results do not
//! depend on it — the sampler only reads the line's state and advances *clones* of idle
//! machines).

use std::collections::BTreeMap;

use repm_des::SimTime;
use repm_material::{ElementVector, Lot};
use serde::{Deserialize, Serialize};

use crate::line::Step;
use crate::models::BatchOutcome;

/// Element masses through one step over the measured horizon \[kg\] (what the step's model
/// made of its finished batches, plus the batches failures scrapped).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepElementFlows {
    /// Good output (to the next step or the product sink).
    pub good: ElementVector,
    /// Scrap, routed by the step's `scrap` route (incl. batches scrapped by failures).
    pub scrap: ElementVector,
    /// Losses booked by the model (off-gas, unused additions, …).
    pub losses: ElementVector,
    /// Reagents and additions drawn from outside.
    pub reagents: ElementVector,
    /// Recycled powder blended into the step's batches.
    pub recycled_in: ElementVector,
    /// Named co-products leaving the plant.
    pub coproducts: BTreeMap<String, ElementVector>,
}

/// What a unit is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UnitState {
    /// A batch is loaded and progressing.
    Working,
    /// Up, on shift, no batch (starved).
    Idle,
    /// Holding a finished lot the next buffer has no room for (blocking after service).
    Blocked,
    /// Under repair.
    Down,
    /// Outside its working calendar (a loaded batch is paused).
    OffShift,
}

impl UnitState {
    /// Every state, in legend order.
    pub const ALL: [UnitState; 5] = [
        UnitState::Working,
        UnitState::Idle,
        UnitState::Blocked,
        UnitState::Down,
        UnitState::OffShift,
    ];

    /// Lower-case name (`"working"`, `"off-shift"`, …).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            UnitState::Working => "working",
            UnitState::Idle => "idle",
            UnitState::Blocked => "blocked",
            UnitState::Down => "down",
            UnitState::OffShift => "off-shift",
        }
    }

    /// Colour in the Gantt chart.
    #[must_use]
    pub fn colour(self) -> &'static str {
        match self {
            UnitState::Working => "#009E73",
            UnitState::Idle => "#d9d9d9",
            UnitState::Blocked => "#E69F00",
            UnitState::Down => "#D55E00",
            UnitState::OffShift => "#8c8cc8",
        }
    }
}

/// A unit entered `state` at time `at`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StateChange {
    /// Step index (flow order).
    pub step: usize,
    /// Unit index within the step.
    pub unit: usize,
    /// Time since the start of the replication \[s\].
    pub at: f64,
    /// The new state.
    pub state: UnitState,
}

/// One state interval of one unit, clipped to the trace window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StateInterval {
    /// Step index.
    pub step: usize,
    /// Unit index within the step.
    pub unit: usize,
    /// Start \[s\] since the start of the replication.
    pub start: f64,
    /// End \[s\].
    pub end: f64,
    /// State.
    pub state: UnitState,
}

/// Recorder of unit states over a window, attached to the line (see the module docs).
///
/// States are sampled after every event of the line (the line has an event whenever a unit
/// starts, finishes, fails, is repaired or crosses a shift edge while loaded); shift edges of
/// idle units, which have no event, are inserted exactly from the unit's calendar, and idle
/// units' breakdowns (caught up lazily by the line) are found by advancing a clone.
#[derive(Debug, Clone)]
pub(crate) struct Trace {
    start: SimTime,
    end: SimTime,
    /// Units traced per step (the first `n` of each step).
    per_step: usize,
    /// Last state per (step, unit), and the time it was sampled.
    last: Vec<Vec<Option<UnitState>>>,
    last_t: SimTime,
    started: bool,
    pub(crate) changes: Vec<StateChange>,
    /// Per-step element flows after the warm-up.
    pub(crate) steps: Vec<StepElementFlows>,
}

impl Trace {
    /// A trace of the first `per_step` units of every step over \[start, end\].
    pub(crate) fn new(start: SimTime, end: SimTime, per_step: usize) -> Self {
        Self {
            start,
            end,
            per_step,
            last: Vec::new(),
            last_t: SimTime::ZERO,
            started: false,
            changes: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// Whether flows at `now` count: after the warm-up (the line resets its flows at the
    /// warm-up instant after every other event of that instant), or from 0 without warm-up.
    fn counts(&self, now: SimTime) -> bool {
        now > self.start || self.start == SimTime::ZERO
    }

    fn step_mut(&mut self, i: usize) -> &mut StepElementFlows {
        if self.steps.len() <= i {
            self.steps.resize_with(i + 1, StepElementFlows::default);
        }
        &mut self.steps[i]
    }

    /// A finished batch of step `i` at `now` became `out`.
    pub(crate) fn batch(&mut self, i: usize, now: SimTime, out: &BatchOutcome) {
        if !self.counts(now) {
            return;
        }
        let s = self.step_mut(i);
        if let Some(g) = &out.good {
            s.good += g.element_masses();
        }
        s.scrap += out.scrap;
        s.losses += out.losses;
        s.reagents += out.reagents;
        for (name, v) in &out.coproducts {
            *s.coproducts
                .entry(name.clone())
                .or_insert_with(ElementVector::zeros) += *v;
        }
    }

    /// A failure at `now` scrapped a batch of step `i` with element masses `m`.
    pub(crate) fn scrapped(&mut self, i: usize, now: SimTime, m: &ElementVector) {
        if self.counts(now) {
            self.step_mut(i).scrap += *m;
        }
    }

    /// Step `i` blended the recycled `pieces` into a batch at `now`.
    pub(crate) fn recycled(&mut self, i: usize, now: SimTime, pieces: &[Lot]) {
        if self.counts(now) {
            let s = self.step_mut(i);
            for p in pieces {
                s.recycled_in += p.element_masses();
            }
        }
    }

    fn state_of(unit: &crate::line::Unit, now: SimTime) -> UnitState {
        let m = &unit.machine;
        let down = if m.is_busy() {
            m.is_down()
        } else {
            // an idle machine's failures are caught up lazily: look ahead on a clone
            let mut probe = m.clone();
            probe.advance(now).is_ok() && probe.is_down()
        };
        if down {
            UnitState::Down
        } else if unit.blocked.is_some() {
            UnitState::Blocked
        } else if !m.calendar().is_available(now) {
            UnitState::OffShift
        } else if m.is_busy() {
            UnitState::Working
        } else {
            UnitState::Idle
        }
    }

    /// Samples every traced unit at `now` (after the line has handled an event).
    pub(crate) fn sample(&mut self, now: SimTime, steps: &[Step]) {
        if now > self.end {
            return;
        }
        if self.last.len() != steps.len() {
            self.last = steps
                .iter()
                .map(|s| vec![None; s.units.len().min(self.per_step)])
                .collect();
        }
        let in_window = now >= self.start;
        if in_window && !self.started {
            // state at the window start = the state after the last event before it
            self.started = true;
            for (i, row) in self.last.iter().enumerate() {
                for (u, st) in row.iter().enumerate() {
                    if let Some(st) = st {
                        self.changes.push(StateChange {
                            step: i,
                            unit: u,
                            at: self.start.as_secs_f64(),
                            state: *st,
                        });
                    }
                }
            }
            self.insert_shift_edges(self.start.max(self.last_t), now, steps);
        } else if in_window {
            self.insert_shift_edges(self.last_t, now, steps);
        }
        for (i, step) in steps.iter().enumerate() {
            for u in 0..self.last[i].len() {
                let st = Self::state_of(&step.units[u], now);
                if self.last[i][u] != Some(st) {
                    if in_window {
                        self.changes.push(StateChange {
                            step: i,
                            unit: u,
                            at: now.as_secs_f64(),
                            state: st,
                        });
                    }
                    self.last[i][u] = Some(st);
                }
            }
        }
        self.last_t = now;
    }

    /// Shift edges in (from, to) of units that were idle or off shift (no event marks them).
    fn insert_shift_edges(&mut self, from: SimTime, to: SimTime, steps: &[Step]) {
        for (i, step) in steps.iter().enumerate() {
            for u in 0..self.last[i].len() {
                let Some(mut st) = self.last[i][u] else {
                    continue;
                };
                if !matches!(st, UnitState::Idle | UnitState::OffShift) {
                    continue;
                }
                let cal = step.units[u].machine.calendar();
                let mut t = from;
                while let Some(next) = cal.next_change(t) {
                    if next >= to {
                        break;
                    }
                    st = if cal.is_available(next) {
                        UnitState::Idle
                    } else {
                        UnitState::OffShift
                    };
                    if next >= self.start {
                        self.changes.push(StateChange {
                            step: i,
                            unit: u,
                            at: next.as_secs_f64(),
                            state: st,
                        });
                    }
                    t = next;
                }
                self.last[i][u] = Some(st);
            }
        }
    }

    /// The recorded intervals, each unit's changes turned into intervals ending at the next
    /// change or at the window end, sorted by (step, unit, start).
    pub(crate) fn intervals(&self) -> Vec<StateInterval> {
        let mut ch = self.changes.clone();
        ch.sort_by(|a, b| {
            (a.step, a.unit)
                .cmp(&(b.step, b.unit))
                .then(a.at.total_cmp(&b.at))
        });
        let end = self.end.as_secs_f64();
        let mut out: Vec<StateInterval> = Vec::with_capacity(ch.len());
        for (k, c) in ch.iter().enumerate() {
            let next = ch
                .get(k + 1)
                .filter(|n| n.step == c.step && n.unit == c.unit)
                .map_or(end, |n| n.at);
            if next <= c.at {
                continue;
            }
            if let Some(prev) = out.last_mut()
                && prev.step == c.step
                && prev.unit == c.unit
                && prev.state == c.state
            {
                prev.end = next;
                continue;
            }
            out.push(StateInterval {
                step: c.step,
                unit: c.unit,
                start: c.at,
                end: next,
                state: c.state,
            });
        }
        out
    }
}

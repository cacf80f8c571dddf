//! Working calendars: shift patterns, weekends and planned shutdowns.
//!
//! A [`Calendar`] says when equipment *may* work. It repeats a cycle (usually one week; t = 0 is
//! the start of the cycle, e.g. Monday 00:00) of working windows, minus planned shutdowns given
//! in absolute time. It is a pure function of time — no events, no state — so any model can ask
//! it [`is_available`](Calendar::is_available), [`next_change`](Calendar::next_change),
//! [`available_between`](Calendar::available_between) or
//! [`finish_time`](Calendar::finish_time) (when `w` of working time started at `t` completes
//! if work pauses while unavailable). [`crate::failure::Machine`] uses it to stop equipment
//! off-shift.
//! Equations (C1)–(C3): `docs/science/des.md`, §13 "Plant building blocks".
//!
//! ```
//! use repm_des::calendar::{Calendar, CalendarConfig};
//! use repm_des::SimTime;
//! // Two 8-hour shifts (06:00–22:00) Monday to Friday.
//! let cal = Calendar::new(&CalendarConfig::weekly(&[0, 1, 2, 3, 4], 6.0, 22.0))?;
//! assert!((cal.available_fraction() - 80.0 / 168.0).abs() < 1e-12);
//! assert!(!cal.is_available(SimTime::from_hours(5.0)?));
//! assert!(cal.is_available(SimTime::from_hours(6.0)?));
//! # Ok::<(), repm_des::DesError>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::error::DesError;
use crate::time::SimTime;

/// Nanoseconds per hour.
const NS_PER_H: f64 = 3.6e12;
/// Hours per week \[h\].
pub const HOURS_PER_WEEK: f64 = 168.0;

/// An interval `[start, end)` in hours \[h\].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// Start \[h\] (within the cycle for shifts; since t = 0 for shutdowns).
    pub start: f64,
    /// End \[h\], after `start`.
    pub end: f64,
}

/// Serde description of a calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// Length of the repeating cycle \[h\]. Default 168 (one week).
    #[serde(default = "default_cycle")]
    pub cycle: f64,
    /// Working windows within one cycle [h from the cycle start]. A window may run past the end
    /// of the cycle (e.g. a night shift from 166 h to 174 h); the excess wraps to the start.
    /// Overlapping windows are merged. Empty = available around the clock.
    #[serde(default)]
    pub shifts: Vec<Window>,
    /// Planned shutdowns in absolute time [h since t = 0]; overlapping ones are merged.
    #[serde(default)]
    pub shutdowns: Vec<Window>,
}

fn default_cycle() -> f64 {
    HOURS_PER_WEEK
}

impl Default for CalendarConfig {
    /// Around the clock, no shutdowns.
    fn default() -> Self {
        Self {
            cycle: HOURS_PER_WEEK,
            shifts: Vec::new(),
            shutdowns: Vec::new(),
        }
    }
}

impl CalendarConfig {
    /// A weekly pattern: on each day in `days` (0 = Monday … 6 = Sunday, t = 0 is Monday
    /// 00:00) work from `start` to `end` [h of the day]; `end` may exceed 24 for a shift that
    /// runs past midnight.
    #[must_use]
    pub fn weekly(days: &[u8], start: f64, end: f64) -> Self {
        let shifts = days
            .iter()
            .map(|&d| Window {
                start: 24.0 * f64::from(d) + start,
                end: 24.0 * f64::from(d) + end,
            })
            .collect();
        Self {
            cycle: HOURS_PER_WEEK,
            shifts,
            shutdowns: Vec::new(),
        }
    }

    /// Adds a planned shutdown from `start` to `end` [h since t = 0].
    #[must_use]
    pub fn with_shutdown(mut self, start: f64, end: f64) -> Self {
        self.shutdowns.push(Window { start, end });
        self
    }
}

/// A validated calendar (see the module docs). Times are integer nanoseconds internally.
/// Deserialisation (e.g. from a checkpoint) re-checks the invariants and rejects a corrupted
/// calendar with an error instead of panicking later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CalendarState")]
pub struct Calendar {
    /// Cycle length \[ns\].
    cycle: u64,
    /// Sorted, disjoint, non-adjacent working windows within `[0, cycle]` \[ns\]. Empty means
    /// always available.
    windows: Vec<(u64, u64)>,
    /// Working time per cycle \[ns\].
    on_per_cycle: u64,
    /// Sorted, disjoint shutdowns \[ns\].
    shutdowns: Vec<(u64, u64)>,
}

/// Serialised form of [`Calendar`], validated on the way in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarState {
    cycle: u64,
    windows: Vec<(u64, u64)>,
    on_per_cycle: u64,
    shutdowns: Vec<(u64, u64)>,
}

/// Whether `v` is a sorted list of disjoint, non-empty, non-adjacent intervals.
fn sorted_disjoint(v: &[(u64, u64)]) -> bool {
    v.iter().all(|&(a, b)| a < b) && v.windows(2).all(|w| w[0].1 < w[1].0)
}

impl TryFrom<CalendarState> for Calendar {
    type Error = DesError;
    fn try_from(s: CalendarState) -> Result<Self, DesError> {
        let on: u64 = s.windows.iter().map(|(a, b)| b.saturating_sub(*a)).sum();
        let ok = s.cycle > 0
            && sorted_disjoint(&s.windows)
            && s.windows.last().is_none_or(|w| w.1 <= s.cycle)
            && s.on_per_cycle == if s.windows.is_empty() { s.cycle } else { on }
            && sorted_disjoint(&s.shutdowns);
        if !ok {
            return Err(DesError::InvalidParameter {
                name: "calendar (deserialised)".to_owned(),
                value: format!("cycle {} ns, {} windows", s.cycle, s.windows.len()),
                reason: "inconsistent calendar state (cycle > 0, sorted disjoint windows within \
                         the cycle, matching working time, sorted disjoint shutdowns)"
                    .to_owned(),
            });
        }
        Ok(Self {
            cycle: s.cycle,
            windows: s.windows,
            on_per_cycle: s.on_per_cycle,
            shutdowns: s.shutdowns,
        })
    }
}

fn hours_to_ns(name: &str, h: f64) -> Result<u64, DesError> {
    let ns = (h * NS_PER_H).round();
    if !(0.0..1.8e19).contains(&ns) {
        return Err(DesError::InvalidParameter {
            name: name.to_owned(),
            value: h.to_string(),
            reason: "must be a finite, non-negative number of hours".to_owned(),
        });
    }
    Ok(ns as u64)
}

fn merge(mut v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    v.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

impl Calendar {
    /// Always available.
    #[must_use]
    pub fn always() -> Self {
        Self {
            cycle: 1,
            windows: Vec::new(),
            on_per_cycle: 1,
            shutdowns: Vec::new(),
        }
    }

    /// Validates a configuration.
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] naming the field (`calendar.cycle`,
    /// `calendar.shifts[i].end`, …) when a value is negative, NaN, infinite, a window is empty
    /// or reversed, or a shift is longer than the cycle.
    pub fn new(config: &CalendarConfig) -> Result<Self, DesError> {
        let cycle = hours_to_ns("calendar.cycle", config.cycle)?;
        if cycle == 0 {
            return Err(DesError::InvalidParameter {
                name: "calendar.cycle".to_owned(),
                value: config.cycle.to_string(),
                reason: "must be positive".to_owned(),
            });
        }
        let mut windows = Vec::new();
        for (i, w) in config.shifts.iter().enumerate() {
            let a = hours_to_ns(&format!("calendar.shifts[{i}].start"), w.start)?;
            let b = hours_to_ns(&format!("calendar.shifts[{i}].end"), w.end)?;
            if b <= a || b - a > cycle || a >= cycle {
                return Err(DesError::InvalidParameter {
                    name: format!("calendar.shifts[{i}].end"),
                    value: w.end.to_string(),
                    reason: format!(
                        "a shift needs start < end, start < cycle and a length ≤ cycle ({} h); start = {}",
                        config.cycle, w.start
                    ),
                });
            }
            if b <= cycle {
                windows.push((a, b));
            } else {
                windows.push((a, cycle));
                windows.push((0, b - cycle));
            }
        }
        let windows = merge(windows);
        let always = config.shifts.is_empty() || windows == [(0, cycle)];
        let windows = if always { Vec::new() } else { windows };
        let on_per_cycle = if always {
            cycle
        } else {
            windows.iter().map(|(a, b)| b - a).sum()
        };
        let mut shutdowns = Vec::new();
        for (i, w) in config.shutdowns.iter().enumerate() {
            let a = hours_to_ns(&format!("calendar.shutdowns[{i}].start"), w.start)?;
            let b = hours_to_ns(&format!("calendar.shutdowns[{i}].end"), w.end)?;
            if b <= a {
                return Err(DesError::InvalidParameter {
                    name: format!("calendar.shutdowns[{i}].end"),
                    value: w.end.to_string(),
                    reason: format!("must exceed the start ({} h)", w.start),
                });
            }
            shutdowns.push((a, b));
        }
        Ok(Self {
            cycle,
            windows,
            on_per_cycle,
            shutdowns: merge(shutdowns),
        })
    }

    /// Whether the cyclic pattern (ignoring shutdowns) is on at time `t` \[ns\].
    fn pattern_on(&self, t: u64) -> bool {
        if self.windows.is_empty() {
            return true;
        }
        let p = t % self.cycle;
        // Windows are sorted and disjoint: the candidate is the last one starting at or before p.
        let i = self.windows.partition_point(|w| w.0 <= p);
        i > 0 && p < self.windows[i - 1].1
    }

    /// Next boundary of the cyclic pattern strictly after `t` \[ns\], `None` if always on.
    fn pattern_next_boundary(&self, t: u64) -> Option<u64> {
        if self.windows.is_empty() {
            return None;
        }
        let base = t - t % self.cycle;
        let p = t % self.cycle;
        for &(a, b) in &self.windows {
            for edge in [a, b] {
                if edge > p {
                    return base.checked_add(edge);
                }
            }
        }
        base.checked_add(self.cycle + self.windows[0].0)
    }

    fn in_shutdown(&self, t: u64) -> bool {
        let i = self.shutdowns.partition_point(|s| s.0 <= t);
        i > 0 && t < self.shutdowns[i - 1].1
    }

    fn shutdown_next_boundary(&self, t: u64) -> Option<u64> {
        let i = self.shutdowns.partition_point(|s| s.1 <= t);
        let s = self.shutdowns.get(i)?;
        Some(if s.0 > t { s.0 } else { s.1 })
    }

    /// Whether work may proceed at time `t`.
    #[must_use]
    pub fn is_available(&self, t: SimTime) -> bool {
        let t = t.as_nanos();
        self.pattern_on(t) && !self.in_shutdown(t)
    }

    /// The first time after `t` at which availability changes, `None` if it never does.
    #[must_use]
    pub fn next_change(&self, t: SimTime) -> Option<SimTime> {
        let t0 = t.as_nanos();
        let state = self.is_available(t);
        let mut cur = t0;
        loop {
            let next = match (
                self.pattern_next_boundary(cur),
                self.shutdown_next_boundary(cur),
            ) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => return None,
            };
            if self.is_available(SimTime::from_nanos(next)) != state {
                return Some(SimTime::from_nanos(next));
            }
            // No shift pattern: availability can only change at shutdown edges, which are
            // finite; with a pattern it changes every cycle unless inside a long shutdown.
            cur = next;
        }
    }

    /// Pattern-on time in `[0, t)` \[ns\] (ignoring shutdowns), saturating.
    fn pattern_on_before(&self, t: u64) -> u128 {
        if self.windows.is_empty() {
            return u128::from(t);
        }
        let full = u128::from(t / self.cycle) * u128::from(self.on_per_cycle);
        let p = t % self.cycle;
        let part: u64 = self
            .windows
            .iter()
            .map(|&(a, b)| p.min(b).saturating_sub(a))
            .sum();
        full + u128::from(part)
    }

    fn pattern_on_between(&self, a: u64, b: u64) -> u128 {
        self.pattern_on_before(b) - self.pattern_on_before(a)
    }

    /// Available (working) time in `[a, b)`; zero when `b ≤ a`.
    #[must_use]
    pub fn available_between(&self, a: SimTime, b: SimTime) -> std::time::Duration {
        let (a, b) = (a.as_nanos(), b.as_nanos());
        if b <= a {
            return std::time::Duration::ZERO;
        }
        let mut on = self.pattern_on_between(a, b);
        for &(s0, s1) in &self.shutdowns {
            let (lo, hi) = (s0.max(a), s1.min(b));
            if lo < hi {
                on -= self.pattern_on_between(lo, hi);
            }
        }
        std::time::Duration::from_nanos(u64::try_from(on).unwrap_or(u64::MAX))
    }

    /// Long-run fraction of time available, ignoring shutdowns: working time per cycle divided
    /// by the cycle length [-].
    #[must_use]
    pub fn available_fraction(&self) -> f64 {
        self.on_per_cycle as f64 / self.cycle as f64
    }

    /// The time at which `work` [ns of working time] started at `start` completes when work
    /// proceeds only while the calendar is available; `None` if the calendar never provides
    /// that much working time (or the result exceeds [`SimTime::MAX`]).
    #[must_use]
    pub fn finish_time(&self, start: SimTime, work: u64) -> Option<SimTime> {
        let mut cur = start.as_nanos();
        let mut left = work;
        loop {
            let t = SimTime::from_nanos(cur);
            let next = self.next_change(t).map(SimTime::as_nanos);
            if self.is_available(t) {
                match next {
                    Some(n) if n - cur < left => {
                        left -= n - cur;
                        cur = n;
                    }
                    _ => return cur.checked_add(left).map(SimTime::from_nanos),
                }
            } else {
                if left == 0 {
                    return Some(t);
                }
                cur = next?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(x: f64) -> SimTime {
        SimTime::from_hours(x).unwrap()
    }

    #[test]
    fn weekly_two_shift_pattern() {
        let cal = Calendar::new(&CalendarConfig::weekly(&[0, 1, 2, 3, 4], 6.0, 22.0)).unwrap();
        assert!(!cal.is_available(h(0.0)));
        assert!(cal.is_available(h(6.0)));
        assert!(!cal.is_available(h(22.0)));
        assert!(!cal.is_available(h(24.0 * 5.0 + 10.0))); // Saturday
        assert!(cal.is_available(h(168.0 + 7.0))); // next Monday
        assert_eq!(cal.next_change(h(0.0)), Some(h(6.0)));
        assert_eq!(cal.next_change(h(6.0)), Some(h(22.0)));
        assert_eq!(cal.next_change(h(4.0 * 24.0 + 23.0)), Some(h(168.0 + 6.0)));
        assert_eq!(cal.available_between(h(0.0), h(168.0)).as_secs(), 80 * 3600);
        assert_eq!(cal.available_between(h(5.0), h(7.0)).as_secs(), 3600);
        // 20 h of work from Monday 06:00: 16 h Monday, 4 h Tuesday → Tuesday 10:00.
        assert_eq!(cal.finish_time(h(6.0), h(20.0).as_nanos()), Some(h(34.0)));
        // From Friday 21:00, 2 h of work ends next Monday 07:00.
        assert_eq!(
            cal.finish_time(h(4.0 * 24.0 + 21.0), h(2.0).as_nanos()),
            Some(h(168.0 + 7.0))
        );
    }

    #[test]
    fn shutdowns_and_wrapping_night_shift() {
        // Night shift every day 22:00–06:00, a planned shutdown from 100 h to 150 h.
        let days: Vec<u8> = (0..7).collect();
        let cfg = CalendarConfig::weekly(&days, 22.0, 30.0).with_shutdown(100.0, 150.0);
        let cal = Calendar::new(&cfg).unwrap();
        assert!(cal.is_available(h(1.0))); // Sunday's night shift wraps into Monday
        assert!(!cal.is_available(h(12.0)));
        assert!(!cal.is_available(h(4.0 * 24.0 + 23.0))); // 119 h: inside the shutdown
        assert!((cal.available_fraction() - 8.0 / 24.0).abs() < 1e-12);
        // One week: 56 h minus the night hours inside [100, 150): nights 94–102, 118–126,
        // 142–150 overlap by 2 + 8 + 8 = 18 h.
        assert_eq!(
            cal.available_between(h(0.0), h(168.0)).as_secs(),
            (56 - 18) * 3600
        );
        assert_eq!(cal.next_change(h(99.0)), Some(h(100.0)));
        assert_eq!(cal.next_change(h(100.0)), Some(h(166.0)));
    }

    #[test]
    fn always_and_invalid() {
        let cal = Calendar::new(&CalendarConfig::default()).unwrap();
        assert!(cal.is_available(h(1e4)));
        assert_eq!(cal.next_change(h(3.0)), None);
        assert_eq!(
            cal.finish_time(h(1.0), 5),
            Some(SimTime::from_nanos(h(1.0).as_nanos() + 5))
        );
        for bad in [
            CalendarConfig {
                cycle: 0.0,
                ..Default::default()
            },
            CalendarConfig {
                cycle: f64::NAN,
                ..Default::default()
            },
            CalendarConfig::weekly(&[0], 8.0, 7.0),
            CalendarConfig::weekly(&[0], -1.0, 7.0),
            CalendarConfig::default().with_shutdown(5.0, 5.0),
        ] {
            let err = Calendar::new(&bad).unwrap_err();
            assert!(matches!(err, DesError::InvalidParameter { .. }), "{err}");
        }
        // Always off within a shutdown that never ends → finish_time is None only if the
        // calendar never gives the work; a finite shutdown just delays it.
        let cal = Calendar::new(&CalendarConfig::default().with_shutdown(0.0, 10.0)).unwrap();
        assert_eq!(cal.finish_time(h(0.0), h(1.0).as_nanos()), Some(h(11.0)));
    }

    #[test]
    fn corrupted_state_is_rejected_on_deserialise() {
        let cal = Calendar::new(&CalendarConfig::weekly(&[0, 1], 6.0, 14.0)).unwrap();
        let json = serde_json::to_string(&cal).unwrap();
        let back: Calendar = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cal);
        let zero_cycle = json.replacen("\"cycle\":604800000000000", "\"cycle\":0", 1);
        assert_ne!(zero_cycle, json);
        assert!(serde_json::from_str::<Calendar>(&zero_cycle).is_err());
    }
}

//! Continuous-level container (a tank, a silo, a powder hopper) with discrete puts/gets and a
//! continuous net flow rate.
//!
//! The level `V(t)` [unit, e.g. kg or m³] changes by discrete [`Container::put`] /
//! [`Container::get`] and by a constant net rate `q` [unit·s⁻¹] between calls
//! ([`Container::set_rate`]): `V(t) = V(t₀) + q·(t − t₀)`, clamped to `[0, capacity]`. What a
//! flow would push above the capacity is counted as *spilled*, what it would draw below zero as
//! *unmet*, so the balance
//! `V₀ + Σput − Σget + ∫q dt = V(t) + spilled − unmet` holds exactly (checked in the tests).
//! [`Container::time_to_level`] gives the time at which the current rate reaches a threshold —
//! the *state event* a model schedules (e.g. "tank full", "hopper empty").
//! The time-average level integrates the piecewise-linear `V(t)` exactly (trapezoids).
//! Equations (B1)–(B2): `docs/science/des.md`, §13 "Plant building blocks".

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::DesError;
use crate::time::SimTime;

/// Nanoseconds per second.
const NS_PER_S: f64 = 1e9;

/// A continuous-level container (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Container {
    name: String,
    capacity: f64,
    level: f64,
    rate: f64,
    last: u64,
    start: u64,
    /// `∫ V dt` since `start` [unit·ns].
    area: f64,
    put_total: f64,
    get_total: f64,
    flow_total: f64,
    spilled: f64,
    unmet: f64,
}

fn invalid(name: String, value: f64, reason: &str) -> DesError {
    DesError::InvalidParameter {
        name,
        value: value.to_string(),
        reason: reason.to_owned(),
    }
}

impl Container {
    /// A container of `capacity` \[unit\] holding `initial` \[unit\] at `now`, with zero flow.
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] unless `capacity > 0` (∞ allowed) and
    /// `0 ≤ initial ≤ capacity`, both non-NaN.
    pub fn new(
        name: impl Into<String>,
        capacity: f64,
        initial: f64,
        now: SimTime,
    ) -> Result<Self, DesError> {
        let name = name.into();
        if capacity.is_nan() || capacity <= 0.0 {
            return Err(invalid(format!("{name}.capacity"), capacity, "must be > 0"));
        }
        if !initial.is_finite() || initial < 0.0 || initial > capacity {
            return Err(invalid(
                format!("{name}.initial"),
                initial,
                "must lie in [0, capacity]",
            ));
        }
        let t = now.as_nanos();
        Ok(Self {
            name,
            capacity,
            level: initial,
            rate: 0.0,
            last: t,
            start: t,
            area: 0.0,
            put_total: 0.0,
            get_total: 0.0,
            flow_total: 0.0,
            spilled: 0.0,
            unmet: 0.0,
        })
    }

    /// Brings the level to time `t` under the current rate, with clamping.
    fn advance(&mut self, now: SimTime) -> Result<(), DesError> {
        let t = now.as_nanos();
        if t < self.last {
            return Err(DesError::TimeWentBackwards {
                what: format!("container `{}`", self.name),
                at: now,
                last: SimTime::from_nanos(self.last),
            });
        }
        let dt = (t - self.last) as f64;
        self.last = t;
        if dt == 0.0 {
            return Ok(());
        }
        let q = self.rate / NS_PER_S; // [unit·ns⁻¹]
        self.flow_total += q * dt;
        let bound = if q > 0.0 { self.capacity } else { 0.0 };
        // Time until the bound is hit [ns] (∞ when q = 0 or the capacity is infinite).
        let t_hit = if q == 0.0 {
            f64::INFINITY
        } else {
            (bound - self.level) / q
        };
        if t_hit >= dt {
            let end = self.level + q * dt;
            self.area += 0.5 * (self.level + end) * dt;
            self.level = end.clamp(0.0, self.capacity);
        } else {
            self.area += 0.5 * (self.level + bound) * t_hit + bound * (dt - t_hit);
            let excess = q * (dt - t_hit);
            if q > 0.0 {
                self.spilled += excess
            } else {
                self.unmet -= excess
            }
            self.level = bound;
        }
        Ok(())
    }

    /// Sets the net flow rate `rate` [unit·s⁻¹] (inflow − outflow) from `now` on.
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] for a non-finite rate; [`DesError::TimeWentBackwards`].
    pub fn set_rate(&mut self, now: SimTime, rate: f64) -> Result<(), DesError> {
        if !rate.is_finite() {
            return Err(invalid(
                format!("{}.rate", self.name),
                rate,
                "must be finite",
            ));
        }
        self.advance(now)?;
        self.rate = rate;
        Ok(())
    }

    /// Adds `amount` \[unit\] at `now` if it fits; returns whether it did (all or nothing).
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] for a negative or non-finite amount;
    /// [`DesError::TimeWentBackwards`].
    pub fn put(&mut self, now: SimTime, amount: f64) -> Result<bool, DesError> {
        if !amount.is_finite() || amount < 0.0 {
            return Err(invalid(
                format!("{}.put", self.name),
                amount,
                "must be finite and ≥ 0",
            ));
        }
        self.advance(now)?;
        if self.level + amount > self.capacity {
            return Ok(false);
        }
        self.level += amount;
        self.put_total += amount;
        Ok(true)
    }

    /// Removes `amount` \[unit\] at `now` if available; returns whether it was (all or nothing).
    ///
    /// # Errors
    /// As [`put`](Self::put).
    pub fn get(&mut self, now: SimTime, amount: f64) -> Result<bool, DesError> {
        if !amount.is_finite() || amount < 0.0 {
            return Err(invalid(
                format!("{}.get", self.name),
                amount,
                "must be finite and ≥ 0",
            ));
        }
        self.advance(now)?;
        if amount > self.level {
            return Ok(false);
        }
        self.level -= amount;
        self.get_total += amount;
        Ok(true)
    }

    /// Level at `now` under the current rate \[unit\] (without changing the state); `None` if
    /// `now` precedes the last update.
    #[must_use]
    pub fn level_at(&self, now: SimTime) -> Option<f64> {
        let mut c = self.clone();
        c.advance(now).ok()?;
        Some(c.level)
    }

    /// Level at the last update \[unit\].
    #[must_use]
    pub fn level(&self) -> f64 {
        self.level
    }

    /// Capacity \[unit\].
    #[must_use]
    pub fn capacity(&self) -> f64 {
        self.capacity
    }

    /// Net flow rate [unit·s⁻¹].
    #[must_use]
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Time from the last update until the level reaches `target` \[unit\] under the current
    /// rate; `Some(0)` if it is there, `None` if it never gets there (rate zero or pointing
    /// away, or the target outside `[0, capacity]`). Schedule a state event at
    /// `last update + this` and re-ask after every rate change.
    #[must_use]
    pub fn time_to_level(&self, target: f64) -> Option<Duration> {
        if !(0.0..=self.capacity).contains(&target) {
            return None;
        }
        let gap = target - self.level;
        if gap == 0.0 {
            return Some(Duration::ZERO);
        }
        if self.rate == 0.0 || gap.signum() != self.rate.signum() {
            return None;
        }
        let secs = gap / self.rate;
        Duration::try_from_secs_f64(secs).ok()
    }

    /// Time-average level since creation or reset, up to `now` \[unit\].
    #[must_use]
    pub fn mean_level(&self, now: SimTime) -> Option<f64> {
        let mut c = self.clone();
        c.advance(now).ok()?;
        let span = (c.last - c.start) as f64;
        (span > 0.0).then(|| c.area / span)
    }

    /// Totals since creation \[unit\]: (puts, gets, ∫ rate dt, spilled, unmet).
    #[must_use]
    pub fn totals(&self) -> (f64, f64, f64, f64, f64) {
        (
            self.put_total,
            self.get_total,
            self.flow_total,
            self.spilled,
            self.unmet,
        )
    }

    /// Warm-up deletion of the time-average level at `now`.
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`].
    pub fn reset_stats(&mut self, now: SimTime) -> Result<(), DesError> {
        self.advance(now)?;
        self.start = now.as_nanos();
        self.area = 0.0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn s(x: u64) -> SimTime {
        SimTime::from_nanos(x * 1_000_000_000)
    }

    #[test]
    fn rates_clamp_and_balance_closes() {
        let mut c = Container::new("tank", 10.0, 2.0, s(0)).unwrap();
        c.set_rate(s(0), 1.0).unwrap();
        assert_eq!(c.time_to_level(10.0), Some(Duration::from_secs(8)));
        assert_eq!(c.time_to_level(1.0), None);
        assert_relative_eq!(c.level_at(s(5)).unwrap(), 7.0);
        // At 12 s: full since 8 s, 4 spilled.
        c.set_rate(s(12), -2.0).unwrap();
        assert_relative_eq!(c.level(), 10.0);
        assert!(!c.put(s(12), 0.5).unwrap());
        assert!(c.get(s(12), 4.0).unwrap());
        // 6 left, −2/s: empty at 15 s, unmet 2 by 16 s.
        c.set_rate(s(16), 0.0).unwrap();
        assert_relative_eq!(c.level(), 0.0);
        assert!(!c.get(s(16), 1.0).unwrap());
        assert!(c.put(s(16), 3.0).unwrap());
        let (put, get, flow, spilled, unmet) = c.totals();
        assert_relative_eq!(spilled, 4.0, max_relative = 1e-12);
        assert_relative_eq!(unmet, 2.0, max_relative = 1e-12);
        // Balance: V0 + puts − gets + ∫q = V + spilled − unmet (to 1e-12).
        assert_relative_eq!(
            2.0 + put - get + flow,
            c.level() + spilled - unmet,
            max_relative = 1e-12
        );
        // ∫V over [0,16]: trapezoid 2→10 over 8 s = 48, 10 over 4 s = 40, 6→0 over 3 s = 9.
        assert_relative_eq!(
            c.mean_level(s(16)).unwrap(),
            97.0 / 16.0,
            max_relative = 1e-12
        );
        assert!(Container::new("x", 0.0, 0.0, s(0)).is_err());
        assert!(Container::new("x", 1.0, 2.0, s(0)).is_err());
        assert!(c.set_rate(s(17), f64::NAN).is_err());
        assert!(c.put(s(17), -1.0).is_err());
        assert!(c.put(s(1), 1.0).is_err());
    }
}

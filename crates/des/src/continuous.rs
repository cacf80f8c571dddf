//! Continuous models: advancing state between events and scheduling *state events*.
//!
//! A model with continuous state (an SX cascade, a tank, an electrolysis cell) integrates its
//! ODE in `f64` between events. The pattern, which the kernel supports with two hooks:
//!
//! 1. **Advance.** Return `true` from [`Model::is_continuous`](crate::Model::is_continuous).
//!    The simulation then calls [`Model::advance_to`](crate::Model::advance_to)`(now)` before
//!    every event delivered to the model, so `handle` always sees the state at `ctx.now()`.
//!    The model keeps the time it was last advanced to and integrates from there (its own
//!    solver; `repm-des` fixes no integrator).
//! 2. **Predict.** At the end of each `handle` (the inputs may just have changed), the model
//!    predicts when a monitored quantity `g(t)` (level − setpoint, purity − spec) crosses zero,
//!    e.g. by integrating ahead over a horizon and locating the root with [`locate_crossing`]
//!    on its dense output, and (re)schedules a timer at that time with
//!    [`StateEvent::schedule`], which cancels the previous prediction. If another event
//!    arrives first, the prediction is redone with the new inputs; if the state event fires,
//!    the crossing happened (to within the locator's tolerance, rounded *up* to the next
//!    nanosecond so that the threshold has been reached when the event is delivered).
//!
//! `tests/kernel_continuous.rs` demonstrates it on a tank filled at a piecewise-constant rate:
//! the level event arrives within 1 ns of the analytic time.

use serde::{Deserialize, Serialize};

use crate::error::{DesError, Result};
use crate::queue::{EventHandle, Priority};
use crate::sim::Context;
use crate::time::SimTime;

/// Result of [`locate_crossing`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crossing {
    /// `g` changes sign in the bracket; the root lies within `tol` \[s\] of `t` \[s\] (and `t`
    /// is on the side where the sign has already changed).
    Found {
        /// Crossing time \[s\] (same origin as the bracket).
        t: f64,
        /// Iterations used.
        iterations: u32,
    },
    /// `g(t_lo)` and `g(t_hi)` have the same sign: no crossing in the bracket.
    NoSignChange,
    /// The iteration limit was reached; `t` is the best bracketed estimate \[s\].
    NotConverged {
        /// Best estimate \[s\] (on the crossed side).
        t: f64,
    },
}

/// Locate the first zero of `g` in `[t_lo, t_hi]` (seconds \[s\], any origin) to within
/// `tol` \[s\], for `g(t_lo)` and `g(t_hi)` of opposite signs (a crossing already at `t_lo`,
/// `g(t_lo) = 0`, is reported at `t_lo`).
///
/// Method: Illinois-modified regula falsi (Dowell & Jarratt 1971, BIT 11:168–174), which keeps
/// the bracket like bisection but converges superlinearly; at most 200 iterations. The
/// returned `t` lies on the *crossed* side of the bracket, so scheduling the state event at
/// `t` (rounded up to whole nanoseconds) never fires before the threshold is reached. Non
/// convergence is reported as [`Crossing::NotConverged`], never a panic.
///
/// ```
/// use repm_des::continuous::{locate_crossing, Crossing};
/// // Level 2 + 0.5 t reaches 5 at t = 6 s.
/// let c = locate_crossing(|t| 2.0 + 0.5 * t - 5.0, 0.0, 100.0, 1e-9);
/// let Crossing::Found { t, .. } = c else { panic!() };
/// assert!((t - 6.0).abs() <= 1e-9);
/// ```
pub fn locate_crossing(mut g: impl FnMut(f64) -> f64, t_lo: f64, t_hi: f64, tol: f64) -> Crossing {
    let (mut a, mut b) = (t_lo, t_hi);
    let (mut ga, mut gb) = (g(a), g(b));
    if ga == 0.0 {
        return Crossing::Found {
            t: a,
            iterations: 0,
        };
    }
    if !(ga.is_finite() && gb.is_finite()) || ga.signum() == gb.signum() && gb != 0.0 {
        return Crossing::NoSignChange;
    }
    let mut side = 0i8;
    for it in 1..=200u32 {
        if (b - a).abs() <= tol {
            return Crossing::Found {
                t: b,
                iterations: it - 1,
            };
        }
        let mut c = (a * gb - b * ga) / (gb - ga);
        if !c.is_finite() || c <= a.min(b) || c >= a.max(b) {
            c = 0.5 * (a + b);
        }
        let gc = g(c);
        if gc == 0.0 {
            return Crossing::Found {
                t: c,
                iterations: it,
            };
        }
        if gc.signum() == gb.signum() {
            // Root in [a, c]: c replaces b (the crossed end).
            b = c;
            gb = gc;
            if side == -1 {
                ga *= 0.5;
            }
            side = -1;
        } else {
            a = c;
            ga = gc;
            if side == 1 {
                gb *= 0.5;
            }
            side = 1;
        }
    }
    if (b - a).abs() <= tol {
        Crossing::Found {
            t: b,
            iterations: 200,
        }
    } else {
        Crossing::NotConverged { t: b }
    }
}

/// A cancellable, reschedulable state event of one model (e.g. "tank level reaches 5 m³").
///
/// Holds the handle of the currently predicted event and the timer tag it uses. Keep it in
/// the model's state; it is `serde` and survives checkpoints (handles stay valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateEvent {
    /// Timer tag of the event (tells it apart from the model's other timers).
    pub tag: u64,
    handle: Option<EventHandle>,
}

impl StateEvent {
    /// A state event delivered as `Event::Timer { tag }`.
    pub const fn new(tag: u64) -> Self {
        StateEvent { tag, handle: None }
    }

    /// (Re)schedule the event at `at` with `priority`, cancelling the previous prediction.
    ///
    /// # Errors
    /// [`DesError::ScheduleInPast`] if `at < now`.
    pub fn schedule<M>(
        &mut self,
        ctx: &mut Context<'_, M>,
        at: SimTime,
        priority: Priority,
    ) -> Result<()> {
        self.cancel(ctx)?;
        self.handle = Some(ctx.schedule_at(at, priority, self.tag)?);
        Ok(())
    }

    /// (Re)schedule at `now + dt_s` seconds \[s\], rounding *up* to whole nanoseconds.
    ///
    /// # Errors
    /// [`DesError::InvalidTime`] if `dt_s` is negative, NaN or too large.
    pub fn schedule_in_secs<M>(
        &mut self,
        ctx: &mut Context<'_, M>,
        dt_s: f64,
        priority: Priority,
    ) -> Result<()> {
        let at = ctx.now().checked_add_nanos(secs_to_ns_ceil(dt_s)?)?;
        self.schedule(ctx, at, priority)
    }

    /// Cancel the pending prediction, if any.
    ///
    /// # Errors
    /// Only for a corrupted handle ([`DesError::UnknownEvent`]).
    pub fn cancel<M>(&mut self, ctx: &mut Context<'_, M>) -> Result<()> {
        if let Some(h) = self.handle.take() {
            ctx.cancel(h)?;
        }
        Ok(())
    }

    /// Call when the event with this tag is delivered (forgets the fired handle).
    pub fn fired(&mut self) {
        self.handle = None;
    }

    /// Whether a prediction is pending.
    pub fn is_scheduled<M>(&self, ctx: &Context<'_, M>) -> bool {
        self.handle.is_some_and(|h| ctx.is_pending(h))
    }
}

/// `f64` seconds \[s\] to nanoseconds, rounded up, validated.
///
/// # Errors
/// [`DesError::InvalidTime`] if `s` is negative, NaN, infinite or ≥ 2⁶⁴ ns.
pub fn secs_to_ns_ceil(s: f64) -> Result<u64> {
    let ns = (s * 1e9).ceil();
    if !(0.0..18_446_744_073_709_551_616.0).contains(&ns) || s < 0.0 {
        return Err(DesError::InvalidTime {
            what: "state-event delay",
            value: s,
            unit: "s",
        });
    }
    Ok(ns as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_roots_of_nonlinear_functions() {
        // exp(t) = 10 at t = ln 10.
        let Crossing::Found { t, iterations } =
            locate_crossing(|t| t.exp() - 10.0, 0.0, 5.0, 1e-12)
        else {
            panic!("no root")
        };
        assert!((t - 10f64.ln()).abs() <= 1e-12, "{t}");
        assert!(iterations < 60, "{iterations}");
        // Decreasing function: purity falling below spec.
        let Crossing::Found { t, .. } =
            locate_crossing(|t| 0.999 - 1e-4 * t * t - 0.99, 0.0, 100.0, 1e-9)
        else {
            panic!()
        };
        assert!((t - 90f64.sqrt()).abs() <= 1e-9);
    }

    #[test]
    fn reports_no_sign_change_and_nan() {
        assert_eq!(
            locate_crossing(|t| t + 1.0, 0.0, 1.0, 1e-9),
            Crossing::NoSignChange
        );
        assert_eq!(
            locate_crossing(|_| f64::NAN, 0.0, 1.0, 1e-9),
            Crossing::NoSignChange
        );
        assert_eq!(
            locate_crossing(|t| t, 0.0, 1.0, 1e-9),
            Crossing::Found {
                t: 0.0,
                iterations: 0
            }
        );
    }

    #[test]
    fn ceil_conversion() {
        assert_eq!(secs_to_ns_ceil(1.0000000001).unwrap(), 1_000_000_001);
        assert_eq!(secs_to_ns_ceil(0.0).unwrap(), 0);
        assert!(secs_to_ns_ceil(-1.0).is_err());
        assert!(secs_to_ns_ceil(f64::NAN).is_err());
    }
}

//! Simulated time: [`SimTime`], integer nanoseconds since the start of a run.
//!
//! Event times are never `f64`: a `u64` count of nanoseconds gives an exact, platform-independent
//! total order and covers 2⁶⁴−1 ns ≈ 584 years, far beyond any plant horizon. Durations are
//! [`std::time::Duration`]. Conversions from `f64` seconds/hours/days round to the nearest
//! nanosecond and reject negative, NaN, infinite and out-of-range inputs with
//! [`DesError::InvalidTime`] instead of panicking.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{DesError, Result};

/// Nanoseconds per second.
const NS_PER_S: f64 = 1e9;
/// Seconds per hour [s·h⁻¹].
const S_PER_H: f64 = 3600.0;
/// Seconds per day [s·d⁻¹].
const S_PER_D: f64 = 86_400.0;
/// 2⁶⁴ as f64: the first value out of range.
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

/// A point in simulated time: integer nanoseconds \[ns\] since the start of the run (t = 0).
///
/// `u64` (not `i64`): simulated time never precedes the start, and the unsigned range gives
/// ≈ 584 years. Serialises as a plain integer number of nanoseconds.
///
/// ```
/// use repm_des::SimTime;
/// let t = SimTime::from_hours(1.5).unwrap();
/// assert_eq!(t.as_nanos(), 5_400_000_000_000);
/// assert!(SimTime::from_secs_f64(-1.0).is_err());
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(u64);

impl SimTime {
    /// The start of the run, t = 0.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable time (2⁶⁴−1 ns ≈ 584 years); used as "run forever".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// From integer nanoseconds \[ns\].
    #[inline]
    pub const fn from_nanos(ns: u64) -> Self {
        SimTime(ns)
    }

    /// Integer nanoseconds since the start \[ns\].
    #[inline]
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// From whole seconds \[s\]; errors on overflow.
    pub fn from_secs(s: u64) -> Result<Self> {
        match s.checked_mul(1_000_000_000) {
            Some(ns) => Ok(SimTime(ns)),
            None => Err(DesError::InvalidTime {
                what: "time",
                value: s as f64,
                unit: "s",
            }),
        }
    }

    /// From seconds \[s\] as `f64`, rounded to the nearest nanosecond.
    ///
    /// # Errors
    /// [`DesError::InvalidTime`] if `s` is negative, NaN, infinite or ≥ 2⁶⁴ ns.
    pub fn from_secs_f64(s: f64) -> Result<Self> {
        f64_to_ns(s, NS_PER_S, "time", "s").map(SimTime)
    }

    /// From hours \[h\] as `f64`, rounded to the nearest nanosecond.
    ///
    /// # Errors
    /// [`DesError::InvalidTime`] if `h` is negative, NaN, infinite or out of range.
    pub fn from_hours(h: f64) -> Result<Self> {
        f64_to_ns(h, S_PER_H * NS_PER_S, "time", "h").map(SimTime)
    }

    /// From days \[d\] as `f64`, rounded to the nearest nanosecond.
    ///
    /// # Errors
    /// [`DesError::InvalidTime`] if `d` is negative, NaN, infinite or out of range.
    pub fn from_days(d: f64) -> Result<Self> {
        f64_to_ns(d, S_PER_D * NS_PER_S, "time", "d").map(SimTime)
    }

    /// Seconds since the start \[s\] (may round for times above 2⁵³ ns ≈ 104 days).
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S
    }

    /// Hours since the start \[h\].
    #[inline]
    pub fn as_hours(self) -> f64 {
        self.as_secs_f64() / S_PER_H
    }

    /// Days since the start \[d\].
    #[inline]
    pub fn as_days(self) -> f64 {
        self.as_secs_f64() / S_PER_D
    }

    /// The time elapsed since the start, as a [`Duration`].
    #[inline]
    pub fn as_duration(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    /// `self + d`.
    ///
    /// # Errors
    /// [`DesError::TimeOverflow`] if the sum exceeds [`SimTime::MAX`].
    #[inline]
    pub fn checked_add(self, d: Duration) -> Result<Self> {
        match duration_to_ns(d).and_then(|ns| self.0.checked_add(ns)) {
            Some(t) => Ok(SimTime(t)),
            None => Err(overflow(self, d.as_nanos())),
        }
    }

    /// `self + ns` nanoseconds.
    ///
    /// # Errors
    /// [`DesError::TimeOverflow`] if the sum exceeds [`SimTime::MAX`].
    #[inline]
    pub fn checked_add_nanos(self, ns: u64) -> Result<Self> {
        // A `match` rather than `ok_or(..)`: the error must not be built (and dropped) on the
        // hot path.
        match self.0.checked_add(ns) {
            Some(t) => Ok(SimTime(t)),
            None => Err(overflow(self, u128::from(ns))),
        }
    }

    /// The duration from `earlier` to `self`, or `None` if `earlier > self`.
    #[inline]
    pub fn duration_since(self, earlier: SimTime) -> Option<Duration> {
        self.0.checked_sub(earlier.0).map(Duration::from_nanos)
    }

    /// Seconds from `earlier` to `self` as `f64` \[s\] (negative if `earlier > self`); exact to
    /// the nanosecond for spans below 2⁵³ ns.
    #[inline]
    pub fn secs_since(self, earlier: SimTime) -> f64 {
        if self.0 >= earlier.0 {
            (self.0 - earlier.0) as f64 / NS_PER_S
        } else {
            -((earlier.0 - self.0) as f64 / NS_PER_S)
        }
    }
}

impl TryFrom<Duration> for SimTime {
    type Error = DesError;
    /// The time `d` after the start.
    fn try_from(d: Duration) -> Result<Self> {
        SimTime::ZERO.checked_add(d)
    }
}

impl From<SimTime> for Duration {
    fn from(t: SimTime) -> Duration {
        t.as_duration()
    }
}

impl fmt::Display for SimTime {
    /// Seconds with nanosecond digits, e.g. `12.000000500 s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:09} s",
            self.0 / 1_000_000_000,
            self.0 % 1_000_000_000
        )
    }
}

/// The overflow error, built out of line.
#[cold]
#[inline(never)]
fn overflow(base: SimTime, delay_ns: u128) -> DesError {
    DesError::TimeOverflow { base, delay_ns }
}

/// A [`Duration`] in integer nanoseconds, `None` if it does not fit in `u64`.
#[inline]
pub fn duration_to_ns(d: Duration) -> Option<u64> {
    d.as_secs()
        .checked_mul(1_000_000_000)?
        .checked_add(u64::from(d.subsec_nanos()))
}

/// A [`Duration`] from `f64` seconds \[s\], validated (negative/NaN/infinite/overflow → error).
///
/// ```
/// use repm_des::time::duration_from_secs_f64;
/// assert_eq!(duration_from_secs_f64(1.5).unwrap().as_millis(), 1500);
/// assert!(duration_from_secs_f64(f64::NAN).is_err());
/// ```
pub fn duration_from_secs_f64(s: f64) -> Result<Duration> {
    f64_to_ns(s, NS_PER_S, "duration", "s").map(Duration::from_nanos)
}

/// A [`Duration`] from `f64` hours \[h\], validated.
pub fn duration_from_hours(h: f64) -> Result<Duration> {
    f64_to_ns(h, S_PER_H * NS_PER_S, "duration", "h").map(Duration::from_nanos)
}

/// A [`Duration`] from `f64` days \[d\], validated.
pub fn duration_from_days(d: f64) -> Result<Duration> {
    f64_to_ns(d, S_PER_D * NS_PER_S, "duration", "d").map(Duration::from_nanos)
}

/// `value·scale` rounded to the nearest integer nanosecond, validated.
#[inline]
fn f64_to_ns(value: f64, scale: f64, what: &'static str, unit: &'static str) -> Result<u64> {
    let ns = (value * scale).round();
    // `contains` is false for NaN, so NaN is rejected too.
    if !(0.0..TWO_POW_64).contains(&ns) || value < 0.0 {
        return Err(DesError::InvalidTime { what, value, unit });
    }
    Ok(ns as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip() {
        assert_eq!(
            SimTime::from_secs_f64(1.0).unwrap().as_nanos(),
            1_000_000_000
        );
        assert_eq!(
            SimTime::from_hours(1.0).unwrap().as_nanos(),
            3_600_000_000_000
        );
        assert_eq!(
            SimTime::from_days(1.0).unwrap().as_nanos(),
            86_400_000_000_000
        );
        assert_eq!(SimTime::from_secs(2).unwrap().as_nanos(), 2_000_000_000);
        let t = SimTime::from_days(2.25).unwrap();
        approx::assert_relative_eq!(t.as_days(), 2.25);
        approx::assert_relative_eq!(t.as_hours(), 54.0);
        assert_eq!(
            SimTime::try_from(Duration::from_millis(3))
                .unwrap()
                .as_nanos(),
            3_000_000
        );
        assert_eq!(
            Duration::from(SimTime::from_nanos(7)),
            Duration::from_nanos(7)
        );
        assert_eq!(SimTime::from_secs_f64(1.4e-9).unwrap().as_nanos(), 1);
        assert_eq!(SimTime::from_secs_f64(-0.0).unwrap(), SimTime::ZERO);
    }

    #[test]
    fn invalid_inputs_are_errors() {
        for v in [
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e12,
            -1e-12,
        ] {
            assert!(SimTime::from_secs_f64(v).is_err(), "{v}");
            assert!(duration_from_secs_f64(v).is_err(), "{v}");
        }
        assert!(SimTime::from_days(1e9).is_err());
        assert!(SimTime::from_secs(u64::MAX).is_err());
        assert!(SimTime::MAX.checked_add(Duration::from_nanos(1)).is_err());
        assert!(SimTime::ZERO.checked_add(Duration::MAX).is_err());
    }

    #[test]
    fn display_and_since() {
        assert_eq!(
            SimTime::from_nanos(12_000_000_500).to_string(),
            "12.000000500 s"
        );
        let a = SimTime::from_nanos(5);
        let b = SimTime::from_nanos(2);
        assert_eq!(a.duration_since(b), Some(Duration::from_nanos(3)));
        assert_eq!(b.duration_since(a), None);
        approx::assert_relative_eq!(b.secs_since(a), -3e-9);
    }
}

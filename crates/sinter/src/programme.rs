//! Piecewise-linear time–temperature programmes (ramps and holds) and exact Arrhenius
//! integrals over them.
//!
//! A [`TemperatureProgramme`] is a list of knots (time \[s\], temperature \[K\]) joined by straight
//! lines. Every thermally activated model in this crate (master sintering curve, grain growth,
//! grain-boundary diffusion, furnace energy) integrates over one. The integrals
//! `∫ T^{-m} exp(−Q/RT) dt` (m = 0, 1) are evaluated in closed form per segment through the
//! exponential integral (docs/science/sinter.md, eqs. S2–S4), so they are exact up to rounding.

use repm_material::units::{Temperature, TimeSpan};
use serde::{Deserialize, Serialize};

use crate::error::{Result, SinterError, non_negative, positive};
use crate::special::{expint_e1, one_over_u_minus_scaled_e1};

/// Molar gas constant R \[J·mol⁻¹·K⁻¹\] (CODATA 2018, exact).
pub const GAS_CONSTANT: f64 = 8.314_462_618;

/// Offset between kelvin and degrees Celsius \[K\].
pub const ZERO_CELSIUS: f64 = 273.15;

/// One segment of a programme as written in a configuration, e.g.
/// `{"kind": "ramp", "to": "1060 degC", "rate_k_per_min": 5}` or
/// `{"kind": "hold", "duration": "4 h"}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Segment {
    /// Linear ramp to `to` at `rate_k_per_min` (magnitude; direction from the temperatures).
    Ramp {
        /// Target temperature (string with unit, or K).
        to: Temperature,
        /// Magnitude of the heating or cooling rate \[K·min⁻¹\] (repm-material has no rate unit).
        rate_k_per_min: f64,
    },
    /// Hold at the current temperature.
    Hold {
        /// Hold duration (string with unit, or s).
        duration: TimeSpan,
    },
}

/// A programme as written in a configuration: start temperature plus segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeConfig {
    /// Temperature at t = 0 (string with unit, or K).
    pub start: Temperature,
    /// Segments in order.
    pub segments: Vec<Segment>,
}

impl TryFrom<ProgrammeConfig> for TemperatureProgramme {
    type Error = SinterError;
    fn try_from(c: ProgrammeConfig) -> Result<Self> {
        let mut p = TemperatureProgramme::starting_at(c.start.si())?;
        for s in c.segments {
            p = match s {
                Segment::Ramp { to, rate_k_per_min } => {
                    p.ramp_to(to.si(), rate_k_per_min / 60.0)?
                }
                Segment::Hold { duration } => p.hold(duration.si())?,
            };
        }
        Ok(p)
    }
}

/// A piecewise-linear temperature programme T(t).
///
/// Invariants (enforced by the constructors and by deserialisation, which goes through
/// [`TemperatureProgramme::from_knots`]): at least one knot, times start at 0 and are
/// non-decreasing, temperatures finite and > 0. Serialised as a list of
/// `[time [s], temperature [K]]` knots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<(f64, f64)>", into = "Vec<(f64, f64)>")]
pub struct TemperatureProgramme {
    /// Knot times \[s\].
    times: Vec<f64>,
    /// Knot temperatures \[K\].
    temps: Vec<f64>,
}

impl TryFrom<Vec<(f64, f64)>> for TemperatureProgramme {
    type Error = SinterError;
    fn try_from(knots: Vec<(f64, f64)>) -> Result<Self> {
        Self::from_knots(&knots)
    }
}

impl From<TemperatureProgramme> for Vec<(f64, f64)> {
    fn from(p: TemperatureProgramme) -> Self {
        p.times.into_iter().zip(p.temps).collect()
    }
}

impl TemperatureProgramme {
    /// A programme that starts at `temperature` \[K\] at t = 0.
    ///
    /// # Errors
    /// [`SinterError::Config`] if the temperature is not finite and > 0.
    pub fn starting_at(temperature: f64) -> Result<Self> {
        positive("start temperature [K]", temperature)?;
        Ok(Self {
            times: vec![0.0],
            temps: vec![temperature],
        })
    }

    /// Build from knots `(time \[s\], temperature \[K\])`; times must start at 0 and not decrease.
    ///
    /// # Errors
    /// [`SinterError::Config`] naming the first bad knot.
    pub fn from_knots(knots: &[(f64, f64)]) -> Result<Self> {
        let Some(&(t0, _)) = knots.first() else {
            return Err(SinterError::config("knots", "[]", "need at least one knot"));
        };
        if t0 != 0.0 {
            return Err(SinterError::config("knots[0].time [s]", t0, "must be 0"));
        }
        let mut times = Vec::with_capacity(knots.len());
        let mut temps = Vec::with_capacity(knots.len());
        for (i, &(t, temp)) in knots.iter().enumerate() {
            non_negative("knot time [s]", t)?;
            positive("knot temperature [K]", temp)?;
            if i > 0 && t < times[i - 1] {
                return Err(SinterError::config(
                    "knot time [s]",
                    t,
                    "times must not decrease",
                ));
            }
            times.push(t);
            temps.push(temp);
        }
        Ok(Self { times, temps })
    }

    /// Append a ramp to `to` \[K\] at `rate` \[K·s⁻¹\] (magnitude; direction from the temperatures).
    ///
    /// # Errors
    /// [`SinterError::Config`] for a non-positive temperature or rate.
    pub fn ramp_to(mut self, to: f64, rate: f64) -> Result<Self> {
        positive("ramp target temperature [K]", to)?;
        positive("ramp rate [K/s]", rate)?;
        let dt = (to - self.end_temperature()).abs() / rate;
        let t = self.duration() + dt;
        self.times.push(t);
        self.temps.push(to);
        Ok(self)
    }

    /// Append a hold of `duration` \[s\] at the current temperature.
    ///
    /// # Errors
    /// [`SinterError::Config`] for a negative or non-finite duration.
    pub fn hold(mut self, duration: f64) -> Result<Self> {
        non_negative("hold duration [s]", duration)?;
        let t = self.duration() + duration;
        let temp = self.end_temperature();
        self.times.push(t);
        self.temps.push(temp);
        Ok(self)
    }

    /// Append another programme, shifting its times; its start temperature must equal this
    /// programme's end temperature (within 1e-9 K).
    ///
    /// # Errors
    /// [`SinterError::Config`] if the temperatures do not join.
    pub fn then(mut self, other: &TemperatureProgramme) -> Result<Self> {
        if (other.temps[0] - self.end_temperature()).abs() > 1e-9 {
            return Err(SinterError::config(
                "appended programme start [K]",
                other.temps[0],
                &format!("must equal the end temperature {}", self.end_temperature()),
            ));
        }
        let off = self.duration();
        for (t, temp) in other.times.iter().zip(&other.temps).skip(1) {
            self.times.push(off + t);
            self.temps.push(*temp);
        }
        Ok(self)
    }

    /// Total duration \[s\].
    #[must_use]
    pub fn duration(&self) -> f64 {
        *self.times.last().unwrap_or(&0.0)
    }

    /// Temperature at the end \[K\].
    #[must_use]
    pub fn end_temperature(&self) -> f64 {
        *self.temps.last().unwrap_or(&0.0)
    }

    /// Highest temperature reached \[K\].
    #[must_use]
    pub fn peak_temperature(&self) -> f64 {
        self.temps.iter().copied().fold(0.0, f64::max)
    }

    /// Knots as `(time \[s\], temperature \[K\])`.
    pub fn knots(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.times.iter().copied().zip(self.temps.iter().copied())
    }

    /// Temperature at time `t` \[s\] (clamped to the ends).
    #[must_use]
    pub fn temperature_at(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return self.temps[0];
        }
        for i in 1..self.times.len() {
            if t <= self.times[i] {
                let (t0, t1) = (self.times[i - 1], self.times[i]);
                if t1 <= t0 {
                    return self.temps[i];
                }
                let w = (t - t0) / (t1 - t0);
                return self.temps[i - 1] + w * (self.temps[i] - self.temps[i - 1]);
            }
        }
        self.end_temperature()
    }

    /// The programme cut at time `t` \[s\] (the part 0..t).
    #[must_use]
    pub fn truncated(&self, t: f64) -> Self {
        let t = t.clamp(0.0, self.duration());
        let mut times = vec![0.0];
        let mut temps = vec![self.temps[0]];
        for i in 1..self.times.len() {
            if self.times[i] < t {
                times.push(self.times[i]);
                temps.push(self.temps[i]);
            } else {
                break;
            }
        }
        if t > *times.last().unwrap_or(&0.0) {
            times.push(t);
            temps.push(self.temperature_at(t));
        }
        Self { times, temps }
    }

    /// Segments as `(t0, T0, t1, T1)`, skipping zero-length ones.
    pub(crate) fn segments(&self) -> impl Iterator<Item = (f64, f64, f64, f64)> + '_ {
        self.times
            .windows(2)
            .zip(self.temps.windows(2))
            .filter_map(|(t, temp)| (t[1] > t[0]).then_some((t[0], temp[0], t[1], temp[1])))
    }

    /// Time spent strictly above `threshold` \[K\] \[s\].
    #[must_use]
    pub fn time_above(&self, threshold: f64) -> f64 {
        self.segments()
            .map(
                |(t0, a, t1, b)| match clip_segment(t0, a, t1, b, threshold) {
                    Some((s0, _, s1, _)) => s1 - s0,
                    None => 0.0,
                },
            )
            .sum()
    }

    /// The Arrhenius integral `∫ T^{-m} exp(−Q/(R·T)) dt` over the whole programme, counting
    /// only the time where T > `threshold` \[K\] (use 0 for no threshold).
    ///
    /// `q` is the activation energy \[J·mol⁻¹\] (≥ 0); `m` ∈ {0, 1}. Unit: \[s·K^{-m}\].
    /// Closed form per segment (docs/science/sinter.md, eqs. S2–S4).
    #[must_use]
    pub fn arrhenius_integral(&self, q: f64, m: ArrheniusKind, threshold: f64) -> f64 {
        let a = q / GAS_CONSTANT;
        self.segments()
            .filter_map(|(t0, a0, t1, b1)| clip_segment(t0, a0, t1, b1, threshold))
            .map(|(t0, temp0, t1, temp1)| segment_integral(a, m, t0, temp0, t1, temp1))
            .sum()
    }

    /// The master-sintering-curve work of sintering Θ = ∫₀ᵗ (1/T)·exp(−Q/RT) dt \[s·K⁻¹\]
    /// (Su & Johnson 1996; docs/science/sinter.md eq. S1) over the whole programme.
    #[must_use]
    pub fn work_of_sintering(&self, q: f64) -> f64 {
        self.arrhenius_integral(q, ArrheniusKind::OverT, 0.0)
    }
}

/// Which Arrhenius integrand: `exp(−Q/RT)` or `(1/T)·exp(−Q/RT)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrheniusKind {
    /// `exp(−Q/RT)` (grain growth, diffusion: a time-temperature-equivalent time) \[s\].
    Plain,
    /// `(1/T)·exp(−Q/RT)` (master sintering curve Θ) \[s·K⁻¹\].
    OverT,
}

/// Clip the linear segment (t0,T0)–(t1,T1) to the part where T > threshold.
fn clip_segment(t0: f64, a: f64, t1: f64, b: f64, thr: f64) -> Option<(f64, f64, f64, f64)> {
    match (a > thr, b > thr) {
        (true, true) => Some((t0, a, t1, b)),
        (false, false) => None,
        (true, false) => {
            let tc = t0 + (t1 - t0) * (a - thr) / (a - b);
            (tc > t0).then_some((t0, a, tc, thr))
        }
        (false, true) => {
            let tc = t0 + (t1 - t0) * (thr - a) / (b - a);
            (t1 > tc).then_some((tc, thr, t1, b))
        }
    }
}

/// Gauss–Legendre 8-point nodes and weights on \[-1, 1\].
const GL8: [(f64, f64); 8] = [
    (-0.960_289_856_497_536_3, 0.101_228_536_290_376_26),
    (-0.796_666_477_413_626_7, 0.222_381_034_453_374_47),
    (-0.525_532_409_916_329, 0.313_706_645_877_887_3),
    (-0.183_434_642_495_649_8, 0.362_683_783_378_362),
    (0.183_434_642_495_649_8, 0.362_683_783_378_362),
    (0.525_532_409_916_329, 0.313_706_645_877_887_3),
    (0.796_666_477_413_626_7, 0.222_381_034_453_374_47),
    (0.960_289_856_497_536_3, 0.101_228_536_290_376_26),
];

fn integrand(a: f64, m: ArrheniusKind, temp: f64) -> f64 {
    let e = (-a / temp).exp();
    match m {
        ArrheniusKind::Plain => e,
        ArrheniusKind::OverT => e / temp,
    }
}

/// Exact integral over one linear segment.
fn segment_integral(a: f64, m: ArrheniusKind, t0: f64, temp0: f64, t1: f64, temp1: f64) -> f64 {
    let dt = t1 - t0;
    if a == 0.0 {
        return match m {
            ArrheniusKind::Plain => dt,
            ArrheniusKind::OverT if (temp1 - temp0).abs() <= 1e-12 * temp0 => dt / temp0,
            ArrheniusKind::OverT => dt * (temp1 / temp0).ln() / (temp1 - temp0),
        };
    }
    let (u0, u1) = (a / temp0, a / temp1);
    if (u0 - u1).abs() < 1e-3 {
        // Nearly isothermal: the closed form would cancel; 8-point Gauss–Legendre is exact to
        // rounding for an integrand this flat across the segment.
        let half = 0.5 * (temp1 - temp0);
        let mid = 0.5 * (temp0 + temp1);
        let s: f64 = GL8
            .iter()
            .map(|&(x, w)| w * integrand(a, m, mid + half * x))
            .sum();
        return 0.5 * dt * s;
    }
    let rate = (temp1 - temp0) / dt;
    // F(T1) − F(T0) with F an antiderivative in T; then ∫ f dt = (F(T1) − F(T0)) / rate.
    let diff = match m {
        // ∫ (1/T) e^{-a/T} dT = −E1(a/T)  (eq. S3)
        ArrheniusKind::OverT => expint_e1(u1) - expint_e1(u0),
        // ∫ e^{-a/T} dT = a·e^{-u}·(1/u − eᵘE1(u)), u = a/T  (eq. S4)
        ArrheniusKind::Plain => {
            a * ((-u1).exp() * one_over_u_minus_scaled_e1(u1)
                - (-u0).exp() * one_over_u_minus_scaled_e1(u0))
        }
    };
    diff / rate
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn builder_and_lookup() {
        let p = TemperatureProgramme::starting_at(300.0)
            .unwrap()
            .ramp_to(1300.0, 10.0)
            .unwrap()
            .hold(100.0)
            .unwrap();
        assert_relative_eq!(p.duration(), 200.0);
        assert_relative_eq!(p.temperature_at(50.0), 800.0);
        assert_relative_eq!(p.temperature_at(150.0), 1300.0);
        assert_relative_eq!(p.time_above(800.0), 150.0);
        let tr = p.truncated(50.0);
        assert_relative_eq!(tr.end_temperature(), 800.0);
        assert!(TemperatureProgramme::starting_at(-1.0).is_err());
        assert!(TemperatureProgramme::from_knots(&[(0.0, 300.0), (-1.0, 400.0)]).is_err());
    }

    #[test]
    fn config_with_units() {
        let json = r#"{"start": "25 degC", "segments": [
            {"kind": "ramp", "to": "1060 degC", "rate_k_per_min": 5},
            {"kind": "hold", "duration": "4 h"}]}"#;
        let c: ProgrammeConfig = serde_json::from_str(json).unwrap();
        let p = TemperatureProgramme::try_from(c).unwrap();
        assert_relative_eq!(p.end_temperature(), 1333.15, max_relative = 1e-12);
        assert_relative_eq!(
            p.duration(),
            1035.0 / 5.0 * 60.0 + 4.0 * 3600.0,
            max_relative = 1e-12
        );
        let bad =
            r#"{"start": "25 degC", "segments": [{"kind": "hold", "duration": "4 h", "x": 1}]}"#;
        assert!(serde_json::from_str::<ProgrammeConfig>(bad).is_err());
        // Knot lists round-trip and are validated on the way in.
        let text = serde_json::to_string(&p).unwrap();
        assert_eq!(
            serde_json::from_str::<TemperatureProgramme>(&text).unwrap(),
            p
        );
        assert!(
            serde_json::from_str::<TemperatureProgramme>("[[0.0, 300.0], [-5.0, 400.0]]").is_err()
        );
        assert!(serde_json::from_str::<TemperatureProgramme>("[[1.0, 300.0]]").is_err());
    }
}

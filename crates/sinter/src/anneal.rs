//! Post-sinter two-stage annealing: an empirical coercivity response
//! (docs/science/sinter.md, eq. S27).
//!
//! The response is a factor a ∈ \[a₀, 1\] on the Kronmüller coercivity
//! ([`crate::magnet::Microstructure::anneal_factor`]):
//! a = a₀ + (1 − a₀)·\[w_h·R_h + (1 − w_h)·R_l\], with
//! R_h = (1 − e^{−t_h/τ_h})·g_h(T_h) (window 850–950 °C, Gaussian fall-off outside) and
//! R_l = (1 − e^{−t_l/τ_l})·exp(−(T_l − T_opt)²/(2σ²))·e^{−t_l/τ_deg}, T_opt just above the
//! grain-boundary eutectic (492 °C as sintered, 451 °C after Dy₇₀Cu₃₀ GBD: Qian et al.,
//! J. Rare Earths 2022, doi 10.1016/j.jre.2022.11.015). Sources: process-data.md §7.

use serde::{Deserialize, Serialize};

use crate::error::{Result, in_range, non_negative, positive};
use crate::programme::{TemperatureProgramme, ZERO_CELSIUS};

/// One isothermal annealing stage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnealStage {
    /// Temperature \[K\].
    pub temperature: f64,
    /// Hold time \[s\].
    pub duration: f64,
}

/// The usual two-stage programme.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwoStageAnneal {
    /// First (high-temperature) stage, typically 850–950 °C for 1–3 h.
    pub high: AnnealStage,
    /// Second (low-temperature) stage, typically 450–600 °C for 1–2 h.
    pub low: AnnealStage,
}

impl Default for TwoStageAnneal {
    /// 900 °C × 2 h, then 500 °C × 2 h (process-data.md §7).
    fn default() -> Self {
        Self {
            high: AnnealStage {
                temperature: ZERO_CELSIUS + 900.0,
                duration: 7200.0,
            },
            low: AnnealStage {
                temperature: ZERO_CELSIUS + 500.0,
                duration: 7200.0,
            },
        }
    }
}

impl TwoStageAnneal {
    /// The furnace programme: ramp from `start` \[K\] to the high stage, hold, cool to the low
    /// stage, hold, cool to `start`; heating and cooling at `rate` \[K·s⁻¹\].
    ///
    /// # Errors
    /// [`crate::SinterError::Config`] for invalid temperatures or rate.
    pub fn programme(&self, start: f64, rate: f64) -> Result<TemperatureProgramme> {
        TemperatureProgramme::starting_at(start)?
            .ramp_to(self.high.temperature, rate)?
            .hold(self.high.duration)?
            .ramp_to(self.low.temperature, rate)?
            .hold(self.low.duration)?
            .ramp_to(start, rate)
    }
}

/// Parameters of the empirical response (all **est.** unless a source is named).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnnealResponse {
    /// Factor of the as-sintered state a₀ \[-\]. Default 0.55 ("coercivity roughly doubles",
    /// advancedmagnets.com / bearheart-magnet.com, vendor; a 1.8× gain is used).
    pub as_sintered_factor: f64,
    /// Share of the gain from the high stage w_h \[-\]. Default 0.3 (est.).
    pub high_stage_weight: f64,
    /// Lower edge of the high-stage window \[K\]. Default 1123.15 K (850 °C).
    pub high_window_low: f64,
    /// Upper edge of the high-stage window \[K\]. Default 1223.15 K (950 °C).
    pub high_window_high: f64,
    /// Gaussian fall-off width outside the high window \[K\]. Default 40 K (est.).
    pub high_window_width: f64,
    /// Time constant of the high stage τ_h \[s\]. Default 1800 s (gains come in the first
    /// 1–2 h, Univ. Tabriz, IJE).
    pub high_time_constant: f64,
    /// Low-stage optimum as sintered \[K\]. Default 765.15 K (492 °C, Qian 2022).
    pub low_optimum: f64,
    /// Low-stage optimum after GBD \[K\]. Default 724.15 K (451 °C, Qian 2022).
    pub low_optimum_after_gbd: f64,
    /// Width σ of the low-stage optimum \[K\]. Default 40 K (est.).
    pub low_width: f64,
    /// Time constant of the low stage τ_l \[s\]. Default 1800 s (first 1–2 h).
    pub low_time_constant: f64,
    /// Degradation time τ_deg of over-long low-stage holds \[s\]. Default 1.08e6 s (300 h;
    /// "400 °C for 300 h degrades strongly", Univ. Tabriz, IJE; est.).
    pub degradation_time: f64,
}

impl Default for AnnealResponse {
    fn default() -> Self {
        Self {
            as_sintered_factor: 0.55,
            high_stage_weight: 0.3,
            high_window_low: ZERO_CELSIUS + 850.0,
            high_window_high: ZERO_CELSIUS + 950.0,
            high_window_width: 40.0,
            high_time_constant: 1800.0,
            low_optimum: ZERO_CELSIUS + 492.0,
            low_optimum_after_gbd: ZERO_CELSIUS + 451.0,
            low_width: 40.0,
            low_time_constant: 1800.0,
            degradation_time: 300.0 * 3600.0,
        }
    }
}

impl AnnealResponse {
    /// The coercivity factor a ∈ \[a₀, 1\] after `anneal` (eq. S27); `after_gbd` selects the
    /// lower eutectic optimum.
    ///
    /// # Errors
    /// [`crate::SinterError::Config`] for invalid stages or parameters.
    pub fn factor(&self, anneal: &TwoStageAnneal, after_gbd: bool) -> Result<f64> {
        in_range("as_sintered_factor [-]", self.as_sintered_factor, 0.3, 1.0)?;
        in_range("high_stage_weight [-]", self.high_stage_weight, 0.0, 1.0)?;
        positive("high_window_width [K]", self.high_window_width)?;
        positive("low_width [K]", self.low_width)?;
        positive("high_time_constant [s]", self.high_time_constant)?;
        positive("low_time_constant [s]", self.low_time_constant)?;
        positive("degradation_time [s]", self.degradation_time)?;
        positive("high.temperature [K]", anneal.high.temperature)?;
        positive("low.temperature [K]", anneal.low.temperature)?;
        non_negative("high.duration [s]", anneal.high.duration)?;
        non_negative("low.duration [s]", anneal.low.duration)?;
        let th = anneal.high.temperature;
        let outside = if th < self.high_window_low {
            self.high_window_low - th
        } else if th > self.high_window_high {
            th - self.high_window_high
        } else {
            0.0
        };
        let g_h = (-0.5 * (outside / self.high_window_width).powi(2)).exp();
        let r_h = (1.0 - (-anneal.high.duration / self.high_time_constant).exp()) * g_h;
        let t_opt = if after_gbd {
            self.low_optimum_after_gbd
        } else {
            self.low_optimum
        };
        let dl = anneal.low.temperature - t_opt;
        let r_l = (1.0 - (-anneal.low.duration / self.low_time_constant).exp())
            * (-0.5 * (dl / self.low_width).powi(2)).exp()
            * (-anneal.low.duration / self.degradation_time).exp();
        let w = self.high_stage_weight;
        Ok(self.as_sintered_factor + (1.0 - self.as_sintered_factor) * (w * r_h + (1.0 - w) * r_l))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimum_just_above_eutectic_and_bounds() {
        let r = AnnealResponse::default();
        let mut best = (0.0, 0.0);
        for tc in (400..=650).step_by(2) {
            let mut a = TwoStageAnneal::default();
            a.low.temperature = ZERO_CELSIUS + f64::from(tc);
            let f = r.factor(&a, false).unwrap();
            assert!((0.55..=1.0).contains(&f));
            if f > best.0 {
                best = (f, f64::from(tc));
            }
        }
        assert!((best.1 - 492.0).abs() <= 2.0, "optimum at {} °C", best.1);
        let none = TwoStageAnneal {
            high: AnnealStage {
                temperature: 1173.15,
                duration: 0.0,
            },
            low: AnnealStage {
                temperature: 765.15,
                duration: 0.0,
            },
        };
        assert!((r.factor(&none, false).unwrap() - 0.55).abs() < 1e-12);
        // 300 h at 400 °C is worse than 2 h at the optimum.
        let long = TwoStageAnneal {
            low: AnnealStage {
                temperature: 673.15,
                duration: 300.0 * 3600.0,
            },
            ..TwoStageAnneal::default()
        };
        assert!(
            r.factor(&long, false).unwrap() < r.factor(&TwoStageAnneal::default(), false).unwrap()
        );
    }
}

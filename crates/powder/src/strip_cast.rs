//! Strip casting: melt poured onto a water-cooled Cu wheel → alloy flakes.
//!
//! docs/science/powder.md §2 (eqs. P-4 … P-9), data process-data.md §1:
//!
//! ```text
//! t      = q / (ρ v)                                     (P-4)  flake thickness
//! Ṫ      = h (T_melt − T_wheel) / (ρ c_p t)              (P-5)  mean cooling rate (Newtonian,
//!                                                                interface-controlled)
//! P_αFe  = 1 / (1 + exp(−(t − t_αFe)/w_αFe))             (P-6)  α-Fe risk, step near 0.5 mm
//! f_col  = f_max exp(−ln²(t/t_opt) / (2 s²))             (P-7)  columnar fraction, 91 % at 0.3 mm
//! λ      = λ_ref (Ṫ / Ṫ_ref)^(−n)                        (P-8)  Nd-rich lamella spacing
//! m_loss = f_loss · m_melt                               (P-9)  skull, dross, spatter
//! ```
//!
//! Composition passes through unchanged (flakes and loss carry the melt composition), so every
//! element balances exactly.

use repm_material::ElementVector;
use repm_material::units::{Density, Length, Temperature};
use serde::{Deserialize, Serialize};

use crate::error::{PowderError, check_pos, check_range, input_err};

/// Strip-caster configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StripCasterConfig {
    /// Melt feed per unit roll width `q` \[kg·m⁻¹·s⁻¹\]. Default 2.0 (est.; the patent asks
    /// ≥ 1, process-data.md §1).
    pub feed_per_width: f64,
    /// Roll (wheel) width \[m\]. Default 0.3 (est.).
    pub roll_width: Length,
    /// Wheel surface speed `v` \[m·s⁻¹\]. Default 1.0 (est.; derived from t = q/(ρv) for
    /// 0.2–0.4 mm flakes, process-data.md §1).
    pub wheel_speed: f64,
    /// Solid flake density `ρ` \[kg·m⁻³\]. Default 7000 (process-data.md §1).
    pub flake_density: Density,
    /// Wheel-side heat-transfer coefficient `h` \[W·m⁻²·K⁻¹\]. Default 5000 (est.; puts 0.3 mm
    /// flakes inside the 500–10 000 K/s patent window).
    pub heat_transfer_coefficient: f64,
    /// Melt temperature on the wheel \[K\]. Default 1723 (1450 °C, est.).
    pub melt_temperature: Temperature,
    /// Wheel surface temperature \[K\]. Default 373 (est.).
    pub wheel_temperature: Temperature,
    /// Alloy heat capacity `c_p` \[J·kg⁻¹·K⁻¹\]. Default 600 (est.; includes latent heat smeared).
    pub heat_capacity: f64,
    /// α-Fe threshold thickness \[m\]. Default 0.5e-3 (Wang et al., JMMM 396 (2015) 283).
    pub alpha_fe_threshold: Length,
    /// Width of the α-Fe step \[m\]. Default 0.03e-3 (est.).
    pub alpha_fe_width: Length,
    /// Peak columnar-grain fraction \[-\]. Default 0.91 (Wang et al. 2015).
    pub columnar_peak: f64,
    /// Thickness of the columnar peak \[m\]. Default 0.3e-3 (Wang et al. 2015).
    pub columnar_optimum: Length,
    /// Log-width of the columnar peak `s` \[-\]. Default 0.5 (est.).
    pub columnar_log_width: f64,
    /// Lamella spacing at the reference cooling rate \[m\]. Default 3e-6 (est.).
    pub lamella_ref_spacing: Length,
    /// Reference cooling rate \[K·s⁻¹\]. Default 5000.
    pub lamella_ref_cooling_rate: f64,
    /// Exponent n of the spacing law \[-\]. Default 0.4 (process-data.md §1: 1/3–1/2).
    pub lamella_exponent: f64,
    /// Melt loss fraction \[-\]. Default 0.015 (98.5 % yield, process-data.md §11.2).
    pub melt_loss: f64,
}

impl Default for StripCasterConfig {
    fn default() -> Self {
        Self {
            feed_per_width: 2.0,
            roll_width: Length::from_si(0.3),
            wheel_speed: 1.0,
            flake_density: Density::from_si(7000.0),
            heat_transfer_coefficient: 5000.0,
            melt_temperature: Temperature::from_si(1723.0),
            wheel_temperature: Temperature::from_si(373.0),
            heat_capacity: 600.0,
            alpha_fe_threshold: Length::from_si(0.5e-3),
            alpha_fe_width: Length::from_si(0.03e-3),
            columnar_peak: 0.91,
            columnar_optimum: Length::from_si(0.3e-3),
            columnar_log_width: 0.5,
            lamella_ref_spacing: Length::from_si(3e-6),
            lamella_ref_cooling_rate: 5000.0,
            lamella_exponent: 0.4,
            melt_loss: 0.015,
        }
    }
}

impl StripCasterConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`PowderError::Config`] naming the field.
    pub fn validate(&self) -> Result<(), PowderError> {
        check_pos("strip_cast.feed_per_width", self.feed_per_width)?;
        check_pos("strip_cast.roll_width.si()", self.roll_width.si())?;
        check_pos("strip_cast.wheel_speed", self.wheel_speed)?;
        check_pos("strip_cast.flake_density.si()", self.flake_density.si())?;
        check_pos(
            "strip_cast.heat_transfer_coefficient",
            self.heat_transfer_coefficient,
        )?;
        check_pos(
            "strip_cast.melt_temperature.si()",
            self.melt_temperature.si(),
        )?;
        check_pos(
            "strip_cast.wheel_temperature.si()",
            self.wheel_temperature.si(),
        )?;
        if self.wheel_temperature.si() >= self.melt_temperature.si() {
            return Err(crate::error::config_err(
                "strip_cast.wheel_temperature.si()",
                self.wheel_temperature.si(),
                "must be below melt_temperature [K]",
            ));
        }
        check_pos("strip_cast.heat_capacity", self.heat_capacity)?;
        check_pos(
            "strip_cast.alpha_fe_threshold.si()",
            self.alpha_fe_threshold.si(),
        )?;
        check_pos("strip_cast.alpha_fe_width.si()", self.alpha_fe_width.si())?;
        check_range("strip_cast.columnar_peak", self.columnar_peak, 0.0, 1.0)?;
        check_pos(
            "strip_cast.columnar_optimum.si()",
            self.columnar_optimum.si(),
        )?;
        check_pos("strip_cast.columnar_log_width", self.columnar_log_width)?;
        check_pos(
            "strip_cast.lamella_ref_spacing.si()",
            self.lamella_ref_spacing.si(),
        )?;
        check_pos(
            "strip_cast.lamella_ref_cooling_rate",
            self.lamella_ref_cooling_rate,
        )?;
        check_range(
            "strip_cast.lamella_exponent",
            self.lamella_exponent,
            0.0,
            2.0,
        )?;
        check_range("strip_cast.melt_loss", self.melt_loss, 0.0, 0.5)
    }
}

/// Flake quality from the caster settings (no composition).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FlakeQuality {
    /// Flake thickness \[m\] (eq. P-4).
    pub thickness: f64,
    /// Mean cooling rate \[K·s⁻¹\] (eq. P-5).
    pub cooling_rate: f64,
    /// α-Fe risk \[-\] in (0, 1) (eq. P-6).
    pub alpha_fe_risk: f64,
    /// Columnar-grain fraction \[-\] (eq. P-7).
    pub columnar_fraction: f64,
    /// Nd-rich lamella spacing \[m\] (eq. P-8).
    pub lamella_spacing: f64,
    /// Casting rate \[kg·s⁻¹\] (q × roll width).
    pub casting_rate: f64,
    /// True if the cooling rate lies in the 500–10 000 K/s window of Santoku EP 0 632 471.
    pub in_patent_window: bool,
}

/// Result of casting one heat.
#[derive(Debug, Clone, PartialEq)]
pub struct CastResult {
    /// Flake quality.
    pub quality: FlakeQuality,
    /// Flakes element masses \[kg\].
    pub flakes: ElementVector,
    /// Melt loss element masses \[kg\].
    pub loss: ElementVector,
    /// Pouring time \[s\].
    pub pour_time: f64,
}

/// A strip caster.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StripCaster {
    config: StripCasterConfig,
}

impl StripCaster {
    /// Validate and build.
    ///
    /// # Errors
    /// [`PowderError::Config`].
    pub fn new(config: StripCasterConfig) -> Result<Self, PowderError> {
        config.validate()?;
        Ok(Self { config })
    }

    /// The configuration.
    pub fn config(&self) -> &StripCasterConfig {
        &self.config
    }

    /// Flake quality from the settings (eqs. P-4 … P-8).
    pub fn quality(&self) -> FlakeQuality {
        let c = &self.config;
        let t = c.feed_per_width / (c.flake_density.si() * c.wheel_speed);
        let cooling_rate = c.heat_transfer_coefficient
            * (c.melt_temperature.si() - c.wheel_temperature.si())
            / (c.flake_density.si() * c.heat_capacity * t);
        let alpha_fe_risk =
            1.0 / (1.0 + (-(t - c.alpha_fe_threshold.si()) / c.alpha_fe_width.si()).exp());
        let l = (t / c.columnar_optimum.si()).ln();
        let columnar_fraction =
            c.columnar_peak * (-l * l / (2.0 * c.columnar_log_width * c.columnar_log_width)).exp();
        let lamella_spacing = c.lamella_ref_spacing.si()
            * (cooling_rate / c.lamella_ref_cooling_rate).powf(-c.lamella_exponent);
        let q = FlakeQuality {
            thickness: t,
            cooling_rate,
            alpha_fe_risk,
            columnar_fraction,
            lamella_spacing,
            casting_rate: c.feed_per_width * c.roll_width.si(),
            in_patent_window: (500.0..=10_000.0).contains(&cooling_rate),
        };
        if !(0.1e-3..=1.0e-3).contains(&t) {
            tracing::warn!(
                thickness = t,
                "flake thickness outside the 0.1–1 mm range of the strip-casting data"
            );
        }
        q
    }

    /// Cast a melt of element masses `melt` \[kg\].
    ///
    /// # Errors
    /// [`PowderError::Input`] for invalid masses or an empty melt.
    pub fn cast(&self, melt: &ElementVector) -> Result<CastResult, PowderError> {
        if let Some((e, x)) = melt.first_invalid() {
            return Err(input_err(
                &format!("strip_cast.melt[{}]", e.symbol()),
                x,
                "must be finite and >= 0 [kg]",
            ));
        }
        let m = melt.sum();
        if m <= 0.0 {
            return Err(input_err(
                "strip_cast.melt",
                m,
                "melt mass must be > 0 [kg]",
            ));
        }
        let quality = self.quality();
        let loss = *melt * self.config.melt_loss;
        let flakes = *melt - loss;
        tracing::info!(
            mass = m,
            thickness = quality.thickness,
            cooling_rate = quality.cooling_rate,
            "strip-cast heat"
        );
        Ok(CastResult {
            quality,
            flakes,
            loss,
            pour_time: m / quality.casting_rate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn thickness_is_mass_balance() {
        let c = StripCaster::new(StripCasterConfig::default()).unwrap();
        let q = c.quality();
        assert_relative_eq!(q.thickness, 2.0 / 7000.0, max_relative = 1e-12);
        assert!(q.in_patent_window, "{q:?}");
        assert!(q.alpha_fe_risk < 0.01);
        // thicker flakes (slower wheel) -> α-Fe
        let slow = StripCaster::new(StripCasterConfig {
            wheel_speed: 0.5,
            ..Default::default()
        })
        .unwrap()
        .quality();
        assert!(slow.thickness > 0.5e-3 && slow.alpha_fe_risk > 0.5);
        assert!(slow.columnar_fraction < q.columnar_fraction);
    }
}

//! Densification by liquid-phase sintering: master sintering curve plus a liquid-phase
//! rearrangement term, anisotropic shrinkage, and grain growth, over any
//! [`TemperatureProgramme`].
//!
//! Equations S1–S9 of docs/science/sinter.md. The master sintering curve (MSC) is that of
//! Su & Johnson, J. Am. Ceram. Soc. 79 (1996) 3211, restricted to the time the Nd-rich
//! grain-boundary phase is liquid (the caveat of process-data.md §6: NdFeB densifies by
//! rearrangement and solution–reprecipitation in a liquid, not by one solid-state mechanism).

use serde::{Deserialize, Serialize};

use crate::error::{Result, SinterError, in_range, non_negative, positive};
use crate::programme::{ArrheniusKind, TemperatureProgramme, ZERO_CELSIUS};

/// Master-sintering-curve parameters (eq. S5): ρ follows a sigmoid in ln Θ.
///
/// No NdFeB activation energy has been published openly (process-data.md §6): the defaults
/// are **estimates** calibrated so that a 2 h hold densifies to ≈ 0.91 of full density at
/// 1010 °C and ≈ 0.985 at 1030 °C (green 0.58, liquid fraction 0.05, 10 K/min ramp) (Shang et al., AIP Adv. 7 (2017) 056215: 6.85 → 7.52 g/cm³
/// for 1010 → 1030 °C) and a conventional 1060 °C × 4 h cycle reaches ≥ 0.99.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MasterSinteringCurve {
    /// Apparent activation energy Q \[J·mol⁻¹\]. Default 500 kJ·mol⁻¹ (est.).
    pub activation_energy: f64,
    /// Sigmoid centre a, the ln Θ at half densification \[ln(s·K⁻¹)\]. Default −45.44 (est., fitted).
    pub ln_theta_mid: f64,
    /// Sigmoid width b \[-\] (in ln Θ). Default 0.294 (est., fitted).
    pub width: f64,
}

impl Default for MasterSinteringCurve {
    fn default() -> Self {
        Self {
            activation_energy: 500.0e3,
            ln_theta_mid: -45.44,
            width: 0.294,
        }
    }
}

/// The liquid-phase contributions (eqs. S6–S7).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiquidPhase {
    /// Temperature above which the Nd-rich grain-boundary phase is liquid \[K\].
    /// Default 928 K (655 °C, Nd-rich ternary eutectic, standard literature (K)).
    pub eutectic_temperature: f64,
    /// Liquid volume fraction at which the MSC parameters apply \[-\]. Default 0.05 (est.).
    pub reference_liquid_fraction: f64,
    /// Exponent p of the liquid-amount factor (f_L/f_ref)^p on Θ \[-\]. Default 1 (est.).
    pub liquid_exponent: f64,
    /// Rearrangement densification per unit liquid volume fraction \[-\]. Default 1.5 (est.).
    pub rearrangement_per_liquid: f64,
    /// Cap on rearrangement densification \[-\] (relative density). Default 0.10 (est.).
    pub max_rearrangement: f64,
    /// Time constant of rearrangement once liquid is present \[s\]. Default 600 s (est.;
    /// rearrangement takes minutes, Kingery 1959).
    pub rearrangement_time: f64,
}

impl Default for LiquidPhase {
    fn default() -> Self {
        Self {
            eutectic_temperature: ZERO_CELSIUS + 655.0,
            reference_liquid_fraction: 0.05,
            liquid_exponent: 1.0,
            rearrangement_per_liquid: 1.5,
            max_rearrangement: 0.10,
            rearrangement_time: 600.0,
        }
    }
}

/// The whole densification model (eqs. S5–S8).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DensificationModel {
    /// Master sintering curve.
    pub msc: MasterSinteringCurve,
    /// Liquid-phase terms.
    pub liquid: LiquidPhase,
    /// Highest reachable relative density \[-\] (closed porosity). Default 0.995 (est.; sintered
    /// magnets reach 7.50–7.65 g/cm³, process-data.md §6).
    pub max_relative_density: f64,
    /// Shrinkage anisotropy ε∥/ε⊥ \[-\]. Default 2.0 (Hugonnet, Rado, Martin & Missiaen, Mater.
    /// Des.: aligned compacts shrink about twice as much along the easy axis).
    pub shrinkage_anisotropy: f64,
}

impl Default for DensificationModel {
    fn default() -> Self {
        Self {
            msc: MasterSinteringCurve::default(),
            liquid: LiquidPhase::default(),
            max_relative_density: 0.995,
            shrinkage_anisotropy: 2.0,
        }
    }
}

/// Linear shrinkage strains of a sintered body (eq. S8).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Shrinkage {
    /// Linear shrinkage along the alignment (easy) axis ε∥ \[-\] (positive = shrinks).
    pub parallel: f64,
    /// Linear shrinkage across the alignment axis ε⊥ \[-\].
    pub perpendicular: f64,
}

/// Result of sintering a compact through a programme.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DensificationResult {
    /// Final relative density ρ/ρ₀ \[-\].
    pub relative_density: f64,
    /// Work of sintering above the eutectic Θ \[s·K⁻¹\] (eq. S1).
    pub theta: f64,
    /// Liquid-amount-scaled Θ used in the MSC \[s·K⁻¹\] (eq. S6).
    pub theta_effective: f64,
    /// Densification by liquid-phase rearrangement Δρ_r \[-\] (eq. S7).
    pub rearrangement: f64,
    /// Time with the grain-boundary phase liquid \[s\].
    pub time_liquid: f64,
    /// Linear shrinkages.
    pub shrinkage: Shrinkage,
}

impl DensificationModel {
    /// Check every parameter's domain.
    ///
    /// # Errors
    /// [`SinterError::Config`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        positive("msc.activation_energy [J/mol]", self.msc.activation_energy)?;
        if !self.msc.ln_theta_mid.is_finite() {
            return Err(SinterError::config(
                "msc.ln_theta_mid",
                self.msc.ln_theta_mid,
                "finite",
            ));
        }
        positive("msc.width [-]", self.msc.width)?;
        positive(
            "liquid.eutectic_temperature [K]",
            self.liquid.eutectic_temperature,
        )?;
        positive(
            "liquid.reference_liquid_fraction [-]",
            self.liquid.reference_liquid_fraction,
        )?;
        non_negative("liquid.liquid_exponent [-]", self.liquid.liquid_exponent)?;
        non_negative(
            "liquid.rearrangement_per_liquid [-]",
            self.liquid.rearrangement_per_liquid,
        )?;
        in_range(
            "liquid.max_rearrangement [-]",
            self.liquid.max_rearrangement,
            0.0,
            0.5,
        )?;
        positive(
            "liquid.rearrangement_time [s]",
            self.liquid.rearrangement_time,
        )?;
        in_range(
            "max_relative_density [-]",
            self.max_relative_density,
            0.5,
            1.0,
        )?;
        in_range(
            "shrinkage_anisotropy [-]",
            self.shrinkage_anisotropy,
            0.2,
            5.0,
        )?;
        Ok(())
    }

    /// Sinter a green compact of relative density `green` \[-\] containing a liquid-forming
    /// grain-boundary phase of volume fraction `liquid_fraction` \[-\] through `programme`.
    ///
    /// # Errors
    /// [`SinterError::Config`] for invalid parameters or inputs (green density outside
    /// (0.2, max_relative_density), liquid fraction outside \[0, 0.5\]).
    pub fn densify(
        &self,
        green: f64,
        liquid_fraction: f64,
        programme: &TemperatureProgramme,
    ) -> Result<DensificationResult> {
        self.validate()?;
        in_range(
            "green relative density [-]",
            green,
            0.2,
            self.max_relative_density,
        )?;
        in_range("liquid volume fraction [-]", liquid_fraction, 0.0, 0.5)?;
        let liq = &self.liquid;
        let theta = programme.arrhenius_integral(
            self.msc.activation_energy,
            ArrheniusKind::OverT,
            liq.eutectic_temperature,
        );
        let scale = (liquid_fraction / liq.reference_liquid_fraction).powf(liq.liquid_exponent);
        let theta_eff = theta * scale;
        let time_liquid = if liquid_fraction > 0.0 {
            programme.time_above(liq.eutectic_temperature)
        } else {
            0.0
        };
        let rearr_cap = (liq.rearrangement_per_liquid * liquid_fraction)
            .min(liq.max_rearrangement)
            .min(self.max_relative_density - green);
        let rearrangement = rearr_cap * (1.0 - (-time_liquid / liq.rearrangement_time).exp());
        let rho1 = green + rearrangement;
        let psi = if theta_eff > 0.0 {
            let x = (theta_eff.ln() - self.msc.ln_theta_mid) / self.msc.width;
            1.0 / (1.0 + (-x).exp())
        } else {
            0.0
        };
        let relative_density = rho1 + (self.max_relative_density - rho1) * psi;
        let shrinkage = anisotropic_shrinkage(green, relative_density, self.shrinkage_anisotropy)?;
        tracing::trace!(theta, theta_eff, relative_density, "densify");
        Ok(DensificationResult {
            relative_density,
            theta,
            theta_effective: theta_eff,
            rearrangement,
            time_liquid,
            shrinkage,
        })
    }

    /// Relative density along the programme at `n` + 1 equally spaced times:
    /// `(time \[s\], temperature \[K\], relative density \[-\])`.
    ///
    /// # Errors
    /// As [`DensificationModel::densify`]; `n` must be ≥ 1.
    pub fn trajectory(
        &self,
        green: f64,
        liquid_fraction: f64,
        programme: &TemperatureProgramme,
        n: usize,
    ) -> Result<Vec<(f64, f64, f64)>> {
        if n == 0 {
            return Err(SinterError::config("n", n, "need at least one interval"));
        }
        let total = programme.duration();
        (0..=n)
            .map(|i| {
                let t = total * i as f64 / n as f64;
                let r = self.densify(green, liquid_fraction, &programme.truncated(t))?;
                Ok((t, programme.temperature_at(t), r.relative_density))
            })
            .collect()
    }
}

/// Linear shrinkages from the densification `green → final` with anisotropy k = ε∥/ε⊥,
/// conserving mass: (1 − ε∥)(1 − ε⊥)² = ρ_green/ρ_final (eq. S8).
///
/// # Errors
/// [`SinterError::Config`] if the densities are not in (0, 1] or final < green, or k ≤ 0.
pub fn anisotropic_shrinkage(green: f64, final_density: f64, k: f64) -> Result<Shrinkage> {
    in_range("green relative density [-]", green, 1e-6, 1.0)?;
    in_range("final relative density [-]", final_density, green, 1.0)?;
    positive("shrinkage anisotropy [-]", k)?;
    let r = green / final_density;
    // f(e) = (1 − k e)(1 − e)² − r is decreasing on [0, min(1, 1/k)); bisection.
    let f = |e: f64| (1.0 - k * e) * (1.0 - e) * (1.0 - e) - r;
    let (mut lo, mut hi) = (0.0_f64, (1.0_f64).min(1.0 / k));
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-15 {
            break;
        }
    }
    let e = 0.5 * (lo + hi);
    Ok(Shrinkage {
        parallel: k * e,
        perpendicular: e,
    })
}

/// Grain growth dⁿ − d₀ⁿ = k₀·∫exp(−Q/RT) dt over the time the grain-boundary phase is liquid
/// (eq. S9; Baldan, J. Mater. Sci. 37 (2002) 2171: n = 3 for LSW diffusion control).
///
/// No NdFeB k₀, Q have been published openly (process-data.md §6): the defaults are
/// **estimates** chosen so that 3 µm powder grows to ≈ 6 µm in a 4 h hold at 1060 °C, in the
/// range of sintered-magnet grain sizes (3.5–10 µm).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GrainGrowth {
    /// Growth exponent n \[-\]. Default 3 (LSW).
    pub exponent: f64,
    /// Rate constant k₀ \[mⁿ·s⁻¹\]. Default 7.5e-9 m³·s⁻¹ (est.).
    pub rate_constant: f64,
    /// Activation energy Q \[J·mol⁻¹\]. Default 300 kJ·mol⁻¹ (est.).
    pub activation_energy: f64,
    /// Growth counts only above this temperature \[K\]. Default 928 K (the Nd-rich eutectic).
    pub onset_temperature: f64,
    /// Above this temperature abnormal grain growth is likely; a warning is logged \[K\].
    /// Default 1353 K (1080 °C; Shang 2017 saw coarsening at 1050 °C in MM magnets, est.).
    pub abnormal_growth_temperature: f64,
}

impl Default for GrainGrowth {
    fn default() -> Self {
        Self {
            exponent: 3.0,
            rate_constant: 7.5e-9,
            activation_energy: 300.0e3,
            onset_temperature: ZERO_CELSIUS + 655.0,
            abnormal_growth_temperature: ZERO_CELSIUS + 1080.0,
        }
    }
}

impl GrainGrowth {
    /// Grain size \[m\] after `programme`, starting from `d0` \[m\].
    ///
    /// # Errors
    /// [`SinterError::Config`] for non-positive `d0` or invalid parameters.
    pub fn grow(&self, d0: f64, programme: &TemperatureProgramme) -> Result<f64> {
        positive("initial grain size [m]", d0)?;
        in_range("grain_growth.exponent [-]", self.exponent, 1.0, 6.0)?;
        non_negative("grain_growth.rate_constant [m^n/s]", self.rate_constant)?;
        non_negative(
            "grain_growth.activation_energy [J/mol]",
            self.activation_energy,
        )?;
        if programme.peak_temperature() > self.abnormal_growth_temperature {
            tracing::warn!(
                peak_k = programme.peak_temperature(),
                limit_k = self.abnormal_growth_temperature,
                "sintering above the abnormal-grain-growth temperature: normal-growth law may underestimate grain size"
            );
        }
        let i = programme.arrhenius_integral(
            self.activation_energy,
            ArrheniusKind::Plain,
            self.onset_temperature,
        );
        Ok((d0.powf(self.exponent) + self.rate_constant * i).powf(1.0 / self.exponent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn shrinkage_conserves_mass() {
        let s = anisotropic_shrinkage(0.58, 0.99, 2.0).unwrap();
        let r = (1.0 - s.parallel) * (1.0 - s.perpendicular).powi(2);
        assert_relative_eq!(r, 0.58 / 0.99, max_relative = 1e-12);
        assert_relative_eq!(s.parallel / s.perpendicular, 2.0, max_relative = 1e-9);
        let iso = anisotropic_shrinkage(0.5, 1.0, 1.0).unwrap();
        assert_relative_eq!(iso.parallel, 1.0 - 0.5_f64.cbrt(), max_relative = 1e-12);
    }
}

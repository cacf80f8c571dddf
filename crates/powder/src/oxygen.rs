//! O and C bookkeeping: how much rare earth is left for the liquid-forming grain-boundary phase.
//!
//! Phase budget (docs/science/powder.md §6, eqs. P-30 … P-33), per lot, in mol:
//!
//! ```text
//! RE_matrix  = min(2 n_B, RE_total)                    (P-30)  Nd₂Fe₁₄B takes 2 RE per B
//! RE_oxide   = min(2/3 n_O, RE_total − RE_matrix)       (P-31)  O binds RE as RE₂O₃
//! RE_carbide = min(c_RE · n_C, remaining)               (P-32)  optional C binding
//! RE_free    = RE_total − RE_matrix − RE_oxide − RE_carbide  (P-33)  liquid-forming GB phase
//! ```
//!
//! Process-data.md §4: "O binds RE as RE₂O₃ (3 O per 2 RE): model it as a sink on the RE
//! available for the liquid-forming grain-boundary phase".

use repm_material::{Element, ElementVector};
use serde::{Deserialize, Serialize};

use crate::error::{PowderError, check_range};

/// How C ties up rare earth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarbonBinding {
    /// RE atoms bound per C atom \[mol·mol⁻¹\]. Default 0 (C assumed dissolved in the 2:14:1
    /// phase, substituting B; set 2/3 to bind it as RE₂C₃). (est.)
    pub re_per_c: f64,
}

impl Default for CarbonBinding {
    fn default() -> Self {
        Self { re_per_c: 0.0 }
    }
}

impl CarbonBinding {
    /// Check `re_per_c ∈ [0, 2]`.
    ///
    /// # Errors
    /// [`PowderError::Config`].
    pub fn validate(&self) -> Result<(), PowderError> {
        check_range("carbon_binding.re_per_c", self.re_per_c, 0.0, 2.0)
    }
}

/// Where the rare earth of a lot sits (eqs. P-30 … P-33).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhaseBudget {
    /// Total mass of the lot \[kg\].
    pub mass: f64,
    /// All rare-earth atoms \[mol\].
    pub re_total: f64,
    /// RE in the 2:14:1 matrix \[mol\].
    pub re_matrix: f64,
    /// RE bound as RE₂O₃ \[mol\].
    pub re_oxide: f64,
    /// RE bound to C \[mol\].
    pub re_carbide: f64,
    /// RE left for the grain-boundary (Nd-rich) phase \[mol\] (≥ 0).
    pub re_free: f64,
    /// Mean molar mass of the lot's RE \[kg·mol⁻¹\] (0 if none).
    pub re_molar_mass: f64,
    /// O content \[kg·kg⁻¹\] (multiply by 1e6 for ppm by mass).
    pub o_mass_fraction: f64,
    /// C content \[kg·kg⁻¹\].
    pub c_mass_fraction: f64,
    /// H content \[kg·kg⁻¹\].
    pub h_mass_fraction: f64,
    /// Mass fraction of free (grain-boundary) RE \[kg·kg⁻¹\].
    pub free_re_mass_fraction: f64,
    /// Mass fraction of RE₂O₃ \[kg·kg⁻¹\].
    pub oxide_mass_fraction: f64,
}

impl PhaseBudget {
    /// Budget of element masses `m` \[kg\].
    pub fn of(m: &ElementVector, carbon: CarbonBinding) -> Self {
        let mass = m.sum();
        let mut re_mol = 0.0;
        let mut re_kg = 0.0;
        for (e, x) in m.iter_nonzero() {
            if e.is_rare_earth() {
                re_kg += x;
                re_mol += x / e.molar_mass();
            }
        }
        let n_b = m[Element::B] / Element::B.molar_mass();
        let n_o = m[Element::O] / Element::O.molar_mass();
        let n_c = m[Element::C] / Element::C.molar_mass();
        let re_matrix = (2.0 * n_b).min(re_mol);
        let re_oxide = (2.0 / 3.0 * n_o).min(re_mol - re_matrix);
        let re_carbide = (carbon.re_per_c * n_c).min(re_mol - re_matrix - re_oxide);
        let re_free = (re_mol - re_matrix - re_oxide - re_carbide).max(0.0);
        let re_molar_mass = if re_mol > 0.0 { re_kg / re_mol } else { 0.0 };
        let frac = |x: f64| if mass > 0.0 { x / mass } else { 0.0 };
        let oxide_mass = re_oxide * re_molar_mass + 1.5 * re_oxide * Element::O.molar_mass();
        Self {
            mass,
            re_total: re_mol,
            re_matrix,
            re_oxide,
            re_carbide,
            re_free,
            re_molar_mass,
            o_mass_fraction: frac(m[Element::O]),
            c_mass_fraction: frac(m[Element::C]),
            h_mass_fraction: frac(m[Element::H]),
            free_re_mass_fraction: frac(re_free * re_molar_mass),
            oxide_mass_fraction: frac(oxide_mass),
        }
    }
}

/// Mass fraction of `e` in `m` \[kg·kg⁻¹\] (0 for an empty vector).
pub fn mass_fraction(m: &ElementVector, e: Element) -> f64 {
    let s = m.sum();
    if s > 0.0 { m[e] / s } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn stoichiometric_2_14_1_has_no_free_re() {
        // Nd2Fe14B: 2 Nd per B, everything in the matrix.
        let mut m = ElementVector::zeros();
        m[Element::Nd] = 2.0 * Element::Nd.molar_mass();
        m[Element::Fe] = 14.0 * Element::Fe.molar_mass();
        m[Element::B] = Element::B.molar_mass();
        let b = PhaseBudget::of(&m, CarbonBinding::default());
        assert_relative_eq!(b.re_matrix, 2.0, max_relative = 1e-12);
        assert!(b.re_free.abs() < 1e-12);
    }

    #[test]
    fn oxygen_binds_two_thirds_re_per_o() {
        let mut m = ElementVector::zeros();
        m[Element::Nd] = 3.0 * Element::Nd.molar_mass();
        m[Element::B] = Element::B.molar_mass();
        m[Element::O] = 0.75 * Element::O.molar_mass();
        let b = PhaseBudget::of(&m, CarbonBinding::default());
        assert_relative_eq!(b.re_oxide, 0.5, max_relative = 1e-12);
        assert_relative_eq!(b.re_free, 0.5, max_relative = 1e-12);
    }
}

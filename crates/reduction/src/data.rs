//! Constants embedded from `data/constants.json` (value, unit and source per record).

use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::{ReductionError, Result};

/// A named global-warming-potential set for perfluorocarbons.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GwpSet {
    /// Name (`"SAR"`, `"AR5"`).
    pub name: String,
    /// GWP-100 of CF₄ \[kg CO₂e·kg⁻¹\].
    pub cf4: f64,
    /// GWP-100 of C₂F₆ \[kg CO₂e·kg⁻¹\].
    pub c2f6: f64,
    /// Unit note.
    pub unit: String,
    /// Source.
    pub source: String,
}

/// A standard formation enthalpy at 298.15 K.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FormationEnthalpy {
    /// Species.
    pub species: String,
    /// ΔfH°298 \[J·mol⁻¹\].
    pub dfh298: f64,
    /// Unit note.
    pub unit: String,
    /// Source.
    pub source: String,
}

#[derive(Debug, Deserialize)]
struct Valued {
    value: f64,
}

#[derive(Debug, Deserialize)]
struct Constants {
    faraday: Valued,
    gwp_sets: Vec<GwpSet>,
    formation_enthalpies: Vec<FormationEnthalpy>,
}

fn constants() -> &'static Constants {
    static C: OnceLock<Constants> = OnceLock::new();
    C.get_or_init(|| {
        // The file is part of the crate and covered by a test: a parse failure is a build bug.
        serde_json::from_str(include_str!("../data/constants.json"))
            .expect("data/constants.json is valid (checked by tests)")
    })
}

/// Faraday constant F \[C·mol⁻¹\] (exact since the 2019 SI).
pub fn faraday() -> f64 {
    constants().faraday.value
}

/// The GWP set called `name` (`"SAR"` or `"AR5"`).
///
/// # Errors
/// [`ReductionError::InvalidParameter`] naming the unknown set.
pub fn gwp_set(name: &str) -> Result<&'static GwpSet> {
    constants()
        .gwp_sets
        .iter()
        .find(|g| g.name == name)
        .ok_or_else(|| ReductionError::invalid("gwp_set", name, "known sets: SAR, AR5"))
}

/// Standard formation enthalpy ΔfH°298 \[J·mol⁻¹\] of a species listed in the data file.
///
/// # Errors
/// [`ReductionError::InvalidParameter`] for a species not in the file.
pub fn formation_enthalpy(species: &str) -> Result<f64> {
    constants()
        .formation_enthalpies
        .iter()
        .find(|r| r.species == species)
        .map(|r| r.dfh298)
        .ok_or_else(|| {
            ReductionError::invalid(
                "formation_enthalpy.species",
                species,
                "not in data/constants.json",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_parses_and_faraday_is_exact() {
        // F = N_A · e = 6.022 140 76e23 · 1.602 176 634e-19 (both exact in the 2019 SI).
        let f = 6.022_140_76e23 * 1.602_176_634e-19;
        assert!((faraday() - f).abs() < 1e-6, "F = {}", faraday());
        assert_eq!(gwp_set("AR5").unwrap().name, "AR5");
        assert!(gwp_set("AR7").is_err());
        assert!(formation_enthalpy("Ca(OH)2").unwrap() < 0.0);
    }
}

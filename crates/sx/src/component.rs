//! Components (extractable ions) of a cascade.
//!
//! A component is named by a symbol: an element symbol (`"Nd"`, `"Fe"`, `"Ca"`) or `"NH4"` for
//! the ammonium of an ammonia-saponified extractant. Each carries its aqueous charge `z` and the
//! number of extractant dimer units `n` its organic complex binds (RE³⁺ + 3 (HA)₂ ⇌ RE(A·HA)₃ +
//! 3 H⁺: `z = 3`, `n = 3`; Ca²⁺: `z = n = 2`; Na⁺/NH₄⁺ as NaA·HA: `z = n = 1`). See
//! `docs/science/sx.md` eq. (1)–(3).

use serde::{Deserialize, Serialize};

use crate::SxError;

/// Configuration of one component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSpec {
    /// Element symbol (`"Nd"`) or `"NH4"`.
    pub symbol: String,
    /// Aqueous charge z [-]; default from [`default_charge`] (3 for rare earths, Al, Fe(III);
    /// 2 for Ca, UO₂²⁺; 4 for Th; 1 for Na, K, NH₄).
    #[serde(default)]
    pub charge: Option<f64>,
    /// Extractant dimer units bound per extracted ion n [-]; default = charge (issue 4:
    /// 3 per RE³⁺, 2 per Ca²⁺).
    #[serde(default)]
    pub extractant_units: Option<f64>,
}

impl ComponentSpec {
    /// A component with default charge and stoichiometry.
    pub fn new(symbol: &str) -> Self {
        Self {
            symbol: symbol.to_string(),
            charge: None,
            extractant_units: None,
        }
    }
}

/// A validated component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// Symbol.
    pub symbol: String,
    /// Aqueous charge z [-].
    pub charge: f64,
    /// Extractant dimer units per ion n [-].
    pub extractant_units: f64,
}

/// Rare-earth symbols in order of atomic number (Sc and Y included, as rare earths).
pub const RARE_EARTHS: [&str; 17] = [
    "Sc", "Y", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb",
    "Lu",
];

/// Symbols accepted as components: the rare earths, the usual impurities and saponification
/// cations.
pub const KNOWN_SYMBOLS: [&str; 26] = [
    "Sc", "Y", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb",
    "Lu", "Al", "Fe", "Ca", "Th", "U", "Mg", "Na", "K", "NH4",
];

/// Default aqueous charge of a known symbol [-], `None` for an unknown symbol.
pub fn default_charge(symbol: &str) -> Option<f64> {
    match symbol {
        "Th" => Some(4.0),
        "Ca" | "Mg" | "U" => Some(2.0),
        "Na" | "K" | "NH4" => Some(1.0),
        s if KNOWN_SYMBOLS.contains(&s) => Some(3.0),
        _ => None,
    }
}

/// Whether the symbol is a rare earth (Sc, Y, La–Lu).
pub fn is_rare_earth(symbol: &str) -> bool {
    RARE_EARTHS.contains(&symbol)
}

/// Molar mass of NH₄⁺ \[kg·mol⁻¹\] (N 14.007 + 4 × H 1.008, IUPAC 2021 conventional values).
pub const NH4_MOLAR_MASS: f64 = 0.018039;

impl Component {
    /// The element this component is, from `repm-material` (`None` for `"NH4"`).
    pub fn element(&self) -> Option<repm_material::Element> {
        repm_material::Element::from_symbol(&self.symbol)
    }

    /// Molar mass \[kg·mol⁻¹\]: the element's standard atomic weight, or NH₄⁺'s.
    pub fn molar_mass(&self) -> f64 {
        self.element().map_or(NH4_MOLAR_MASS, |e| e.molar_mass())
    }

    /// Validates a spec; `field` names it in errors.
    pub fn from_spec(spec: &ComponentSpec, field: &str) -> Result<Self, SxError> {
        let default = default_charge(&spec.symbol);
        let charge = match (spec.charge, default) {
            (Some(z), _) => z,
            (None, Some(z)) => z,
            (None, None) => {
                return Err(SxError::UnknownComponent {
                    field: format!("{field}.symbol"),
                    name: spec.symbol.clone(),
                });
            }
        };
        if !(charge.is_finite() && charge > 0.0) {
            return Err(SxError::config(
                format!("{field}.charge"),
                charge,
                "must be > 0",
            ));
        }
        let n = spec.extractant_units.unwrap_or(charge);
        if !(n.is_finite() && n > 0.0) {
            return Err(SxError::config(
                format!("{field}.extractant_units"),
                n,
                "must be > 0",
            ));
        }
        Ok(Self {
            symbol: spec.symbol.clone(),
            charge,
            extractant_units: n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_symbols_are_repm_material_elements() {
        for s in KNOWN_SYMBOLS {
            let c = Component::from_spec(&ComponentSpec::new(s), "c").unwrap();
            if s == "NH4" {
                assert!(c.element().is_none());
            } else {
                let e = c
                    .element()
                    .unwrap_or_else(|| panic!("{s} is not a repm-material element"));
                assert_eq!(e.symbol(), s);
                assert!(c.molar_mass() > 0.0);
            }
        }
        // Nd: IUPAC 144.242 g/mol
        let nd = Component::from_spec(&ComponentSpec::new("Nd"), "c").unwrap();
        assert!((nd.molar_mass() - 0.144242).abs() < 1e-9);
        assert!(matches!(
            Component::from_spec(&ComponentSpec::new("Zz"), "components[3]"),
            Err(SxError::UnknownComponent { .. })
        ));
    }
}

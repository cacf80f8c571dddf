//! Process gases as explicit inputs (N₂ or Ar milling gas with an O₂ impurity; H₂ for HD).
//!
//! Every model that exchanges an element with a gas takes the gas as an input and returns the
//! spent gas as an output, so element balances close with the gas included.

use repm_material::{Element, ElementVector};
use serde::{Deserialize, Serialize};

use crate::error::{PowderError, check_range};

/// The carrier gas species.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CarrierGas {
    /// Nitrogen, N₂.
    N2,
    /// Argon, Ar.
    Ar,
    /// Hydrogen, H₂.
    H2,
}

impl CarrierGas {
    fn parts(self) -> (Element, f64) {
        match self {
            Self::N2 => (Element::N, 2.0),
            Self::Ar => (Element::Ar, 1.0),
            Self::H2 => (Element::H, 2.0),
        }
    }

    /// Molar mass \[kg·mol⁻¹\].
    pub fn molar_mass(self) -> f64 {
        let (e, n) = self.parts();
        n * e.molar_mass()
    }
}

/// A gas: carrier plus an O₂ impurity given as a mole fraction \[mol·mol⁻¹\].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessGas {
    /// Carrier species.
    pub carrier: CarrierGas,
    /// O₂ mole fraction \[mol·mol⁻¹\] (e.g. 20e-6 for 20 ppm).
    pub o2_mole_fraction: f64,
}

impl ProcessGas {
    /// Check the O₂ fraction is in `[0, 0.21]`.
    ///
    /// # Errors
    /// [`PowderError::Config`].
    pub fn validate(&self) -> Result<(), PowderError> {
        check_range("gas.o2_mole_fraction", self.o2_mole_fraction, 0.0, 0.21)
    }

    /// Mean molar mass \[kg·mol⁻¹\].
    pub fn molar_mass(&self) -> f64 {
        let x = self.o2_mole_fraction;
        (1.0 - x) * self.carrier.molar_mass() + x * 2.0 * Element::O.molar_mass()
    }

    /// Element masses \[kg\] in `mass` \[kg\] of this gas.
    pub fn element_masses(&self, mass: f64) -> ElementVector {
        let mol = mass / self.molar_mass();
        let (e, n) = self.carrier.parts();
        let mut v = ElementVector::zeros();
        v[e] += mol * (1.0 - self.o2_mole_fraction) * n * e.molar_mass();
        v[Element::O] += mol * self.o2_mole_fraction * 2.0 * Element::O.molar_mass();
        v
    }

    /// O mass fraction of the gas \[kg·kg⁻¹\].
    pub fn oxygen_mass_fraction(&self) -> f64 {
        self.element_masses(1.0)[Element::O]
    }
}

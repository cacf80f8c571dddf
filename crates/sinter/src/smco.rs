//! Sm–Co magnets (SmCo₅ and Sm₂Co₁₇) from datasheet values (data/smco.json, magnet-data.md §8),
//! with the same demagnetisation-curve machinery as NdFeB.

use serde::{Deserialize, Serialize};

use crate::data;
use crate::demag::DemagCurve;
use crate::error::{Result, SinterError, positive};
use crate::programme::ZERO_CELSIUS;

/// Which Sm–Co family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SmCoKind {
    /// SmCo₅ (1:5).
    SmCo5,
    /// Sm₂(Co,Fe,Cu,Zr)₁₇ (2:17).
    Sm2Co17,
}

/// A Sm–Co magnet at 20 °C with linear temperature coefficients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmCoMagnet {
    /// Family.
    pub kind: SmCoKind,
    /// Remanence at 20 °C \[T\].
    pub remanence: f64,
    /// Intrinsic coercivity at 20 °C \[A·m⁻¹\].
    pub coercivity: f64,
    /// α(Br) \[%/K\].
    pub alpha_br: f64,
    /// β(Hcj) \[%/K\].
    pub beta_hcj: f64,
    /// Curie temperature \[K\].
    pub curie_temperature: f64,
    /// Maximum service temperature \[K\].
    pub max_service_temperature: f64,
    /// Density \[kg·m⁻³\].
    pub density: f64,
    /// Recoil permeability \[-\] (1.05, as for the NdFeB datasheets).
    pub recoil_permeability: f64,
    /// Squareness exponent \[-\] (40, est.).
    pub squareness_exponent: f64,
}

impl SmCoMagnet {
    /// The datasheet magnet of a family.
    ///
    /// # Panics
    /// Never: both families are in the embedded data (unit-tested).
    #[must_use]
    pub fn datasheet(kind: SmCoKind) -> Self {
        let key = match kind {
            SmCoKind::SmCo5 => "SmCo5",
            SmCoKind::Sm2Co17 => "Sm2Co17",
        };
        let r = data::smco()
            .grades
            .iter()
            .find(|r| r.kind == key)
            .expect("Sm-Co row present");
        Self {
            kind,
            remanence: r.br_t,
            coercivity: r.hcj_ka_m * 1e3,
            alpha_br: r.alpha_br,
            beta_hcj: r.beta_hcj,
            curie_temperature: ZERO_CELSIUS + r.tc_c,
            max_service_temperature: ZERO_CELSIUS + r.max_service_c,
            density: r.density_kg_m3,
            recoil_permeability: data::grades().datasheet.recoil_permeability,
            squareness_exponent: 40.0,
        }
    }

    /// Demagnetisation curve at `temperature` \[K\].
    ///
    /// # Errors
    /// [`SinterError::Validity`] at or above T_C or where the linear coefficients fail.
    pub fn curve_at(&self, temperature: f64) -> Result<DemagCurve> {
        positive("temperature [K]", temperature)?;
        let dt = temperature - (ZERO_CELSIUS + 20.0);
        let fb = 1.0 + self.alpha_br / 100.0 * dt;
        let fh = 1.0 + self.beta_hcj / 100.0 * dt;
        if temperature >= self.curie_temperature || fb <= 0.05 || fh <= 0.05 {
            return Err(SinterError::Validity {
                what: "Sm-Co temperature",
                detail: format!("{temperature:.1} K outside the linear-coefficient range"),
            });
        }
        DemagCurve::uniform(
            self.remanence * fb,
            self.coercivity * fh,
            self.recoil_permeability,
            self.squareness_exponent,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datasheet_energy_products_in_range() {
        // SmCo5 128–200 kJ/m3, Sm2Co17 160–280 kJ/m3 (magnet-data.md §8).
        let a = SmCoMagnet::datasheet(SmCoKind::SmCo5)
            .curve_at(293.15)
            .unwrap();
        let b = SmCoMagnet::datasheet(SmCoKind::Sm2Co17)
            .curve_at(293.15)
            .unwrap();
        let (bha, bhb) = (a.max_energy_product().0, b.max_energy_product().0);
        assert!((128e3..=200e3).contains(&bha), "{bha}");
        assert!((160e3..=280e3).contains(&bhb), "{bhb}");
        // Sm2Co17 keeps more of its Br at 200 °C than NdFeB's −0.12 %/K would.
        let hot = SmCoMagnet::datasheet(SmCoKind::Sm2Co17)
            .curve_at(473.15)
            .unwrap();
        assert!(hot.remanence() / b.remanence() > 1.0 - 0.0012 * 180.0);
    }
}

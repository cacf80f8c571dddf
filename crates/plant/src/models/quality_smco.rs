//! The `smco` quality model: Br, Hcj and (BH)max of a sintered Sm–Co magnet lot from
//! repm-sinter's datasheet magnet ([`repm_sinter::smco::SmCoMagnet`], data/smco.json,
//! magnet-data.md §8) corrected for the lot's hard-phase content, graded against a target and
//! a downgrade class (docs/science/plant.md, "Sm–Co QC").
//!
//! Hard-phase fraction φ: O binds the residual Ca first (CaO), then Sm (Sm₂O₃); the remaining
//! Sm and Co form the 1:5 (or 2:17) phase up to the lesser of the two; free Co, free Sm,
//! oxides and other elements are non-hard. Br = Br_datasheet · φ/φ_ref · (1 + cv_Br·N);
//! Hcj = Hcj_datasheet · (1 + cv_Hcj·N) (no composition dependence of Hcj is modelled);
//! (BH)max from the repm-sinter demagnetisation curve of a uniform magnet with the datasheet
//! recoil permeability and squareness (eq. S18).

use repm_des::ChaCha8Rng;
use repm_material::{Element, Lot};
use repm_sinter::demag::DemagCurve;
use repm_sinter::smco::{SmCoKind, SmCoMagnet};
use serde::{Deserialize, Serialize};

use super::sheet::normal;
use super::{BuildContext, QcClass, QcResult, QualityModel, QualitySpec};
use crate::config::{bad, check_nonneg};
use crate::error::PlantError;

/// A grade threshold: minimum Br, Hcj and (BH)max.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmCoGrade {
    /// Grade label (reports).
    pub name: String,
    /// Minimum remanence \[T\].
    pub br_min_t: f64,
    /// Minimum intrinsic coercivity \[kA·m⁻¹\].
    pub hcj_min_ka_m: f64,
    /// Minimum (BH)max \[kJ·m⁻³\].
    pub bhmax_min_kj_m3: f64,
}

fn d_family() -> SmCoKind {
    SmCoKind::SmCo5
}
fn d_ref() -> f64 {
    0.97
}
fn d_br_cv() -> f64 {
    0.01
}
fn d_hcj_cv() -> f64 {
    0.03
}

/// `[quality] kind = "smco"` (module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmCoQualityConfig {
    /// Datasheet family: `"SmCo5"` or `"Sm2Co17"`. Default `"SmCo5"`.
    #[serde(default = "d_family")]
    pub family: SmCoKind,
    /// Target grade (pass).
    pub target: SmCoGrade,
    /// Lower grade a lot missing the target may be sold as; absent: reject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downgrade: Option<SmCoGrade>,
    /// Hard-phase mass fraction of the magnets the datasheet describes \[-\]. Default 0.97
    /// **(est.)**.
    #[serde(default = "d_ref")]
    pub reference_hard_fraction: f64,
    /// Lot-to-lot CV of Br \[-\]. Default 0.01 **(est.)**.
    #[serde(default = "d_br_cv")]
    pub br_cv: f64,
    /// Lot-to-lot CV of Hcj \[-\]. Default 0.03 **(est.)**.
    #[serde(default = "d_hcj_cv")]
    pub hcj_cv: f64,
}

/// Runtime Sm–Co QC.
#[derive(Debug)]
pub(crate) struct SmCoQuality {
    cfg: SmCoQualityConfig,
    magnet: SmCoMagnet,
    /// Co per Sm of the hard phase \[-\] (5 or 8.5).
    co_per_sm: f64,
}

impl SmCoQuality {
    /// Hard-phase mass fraction of element masses `m` \[-\].
    pub(crate) fn hard_fraction(&self, m: &repm_material::ElementVector) -> f64 {
        let n = m.masses_to_amounts();
        let mut o = n[Element::O];
        let ca_o = o.min(n[Element::Ca]);
        o -= ca_o;
        let sm = (n[Element::Sm] - o / 1.5).max(0.0);
        let units = sm.min(n[Element::Co] / self.co_per_sm);
        let hard = units * (Element::Sm.molar_mass() + self.co_per_sm * Element::Co.molar_mass());
        let total = m.sum();
        if total > 0.0 { hard / total } else { 0.0 }
    }

    fn meets(g: &SmCoGrade, br: f64, hcj: f64, bh: f64) -> bool {
        br >= g.br_min_t && hcj >= g.hcj_min_ka_m * 1e3 && bh >= g.bhmax_min_kj_m3 * 1e3
    }
}

impl QualityModel for SmCoQuality {
    fn assess(
        &mut self,
        lot: &mut Lot,
        _kg: f64,
        rng: &mut ChaCha8Rng,
    ) -> Result<QcResult, PlantError> {
        let phi = self.hard_fraction(&lot.element_masses());
        let br = (self.magnet.remanence * phi / self.cfg.reference_hard_fraction
            * (1.0 + self.cfg.br_cv * normal(rng)))
        .max(0.0);
        let hcj = (self.magnet.coercivity * (1.0 + self.cfg.hcj_cv * normal(rng))).max(1.0);
        let curve = DemagCurve::uniform(
            br,
            hcj,
            self.magnet.recoil_permeability,
            self.magnet.squareness_exponent,
        )
        .map_err(|e| PlantError::Model {
            model: "smco quality (repm-sinter demag)".into(),
            message: e.to_string(),
        })?;
        let bh = curve.max_energy_product().0;
        let class = if Self::meets(&self.cfg.target, br, hcj, bh) {
            QcClass::Pass
        } else if self
            .cfg
            .downgrade
            .as_ref()
            .is_some_and(|g| Self::meets(g, br, hcj, bh))
        {
            QcClass::Downgrade
        } else {
            QcClass::Reject
        };
        Ok(QcResult {
            class,
            properties: vec![
                ("br_t", br),
                ("hcj_ka_m", hcj / 1e3),
                ("bhmax_kj_m3", bh / 1e3),
                ("hard_phase_fraction", phi),
            ],
        })
    }
}

fn check_grade(g: &SmCoGrade, field: &str) -> Result<(), PlantError> {
    check_nonneg(format!("{field}.br_min_t"), g.br_min_t)?;
    check_nonneg(format!("{field}.hcj_min_ka_m"), g.hcj_min_ka_m)?;
    check_nonneg(format!("{field}.bhmax_min_kj_m3"), g.bhmax_min_kj_m3)
}

impl QualitySpec for SmCoQualityConfig {
    fn validate(&self, _ctx: &BuildContext<'_>) -> Result<(), PlantError> {
        check_grade(&self.target, "quality.target")?;
        if let Some(g) = &self.downgrade {
            check_grade(g, "quality.downgrade")?;
        }
        if !(self.reference_hard_fraction > 0.0 && self.reference_hard_fraction <= 1.0) {
            return Err(bad(
                "quality.reference_hard_fraction",
                self.reference_hard_fraction,
                "must be in (0, 1]",
            ));
        }
        check_nonneg("quality.br_cv".into(), self.br_cv)?;
        check_nonneg("quality.hcj_cv".into(), self.hcj_cv)
    }

    fn build(&self, ctx: &BuildContext<'_>) -> Result<Box<dyn QualityModel>, PlantError> {
        self.validate(ctx)?;
        Ok(Box::new(SmCoQuality {
            cfg: self.clone(),
            magnet: SmCoMagnet::datasheet(self.family),
            co_per_sm: match self.family {
                SmCoKind::SmCo5 => 5.0,
                SmCoKind::Sm2Co17 => 8.5,
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use repm_material::ElementVector;

    #[test]
    fn stoichiometric_smco5_is_all_hard_phase_and_oxygen_binds_sm() {
        let cfg = SmCoQualityConfig {
            family: SmCoKind::SmCo5,
            target: SmCoGrade {
                name: "t".into(),
                br_min_t: 0.8,
                hcj_min_ka_m: 1000.0,
                bhmax_min_kj_m3: 100.0,
            },
            downgrade: None,
            reference_hard_fraction: 0.97,
            br_cv: 0.0,
            hcj_cv: 0.0,
        };
        let q = SmCoQuality {
            cfg,
            magnet: SmCoMagnet::datasheet(SmCoKind::SmCo5),
            co_per_sm: 5.0,
        };
        let mut m = ElementVector::zeros();
        m[Element::Sm] = Element::Sm.molar_mass();
        m[Element::Co] = 5.0 * Element::Co.molar_mass();
        assert!((q.hard_fraction(&m) - 1.0).abs() < 1e-12);
        // 0.15 mol O binds 0.1 mol Sm as Sm2O3: hard phase 0.9 mol SmCo5
        m[Element::O] = 0.15 * Element::O.molar_mass();
        let hard = 0.9 * (Element::Sm.molar_mass() + 5.0 * Element::Co.molar_mass());
        assert!((q.hard_fraction(&m) - hard / m.sum()).abs() < 1e-12);
    }
}

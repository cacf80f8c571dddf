//! The `purity` quality model: purity of a rare-earth product (oxide, salt or metal) on the
//! total-rare-earth-oxide basis (docs/science/plant.md, "Purity QC").
//!
//! Each RE element of the lot is converted to its oxide (`RE2O3`, or the formula given in
//! `oxides`, e.g. `Pr6O11`); the purity is the oxide mass of the named `elements` over the
//! total rare-earth oxide (TREO) [-], plus a normal measurement error `measurement_sd`. A lot
//! at or above `target` passes; at or above `downgrade_to` (if given) it is downgraded (sold as
//! a lower grade); below it is rejected.

use std::collections::BTreeMap;

use repm_des::ChaCha8Rng;
use repm_material::{Element, Formula, Lot};
use serde::{Deserialize, Serialize};

use super::sheet::normal;
use super::{BuildContext, QcClass, QcResult, QualityModel, QualitySpec};
use crate::config::{bad, check_nonneg, element};
use crate::error::PlantError;

/// `[quality] kind = "purity"` (module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurityQualityConfig {
    /// Elements whose oxides count as product (e.g. `["Nd"]` or `["Nd", "Pr"]`).
    pub elements: Vec<String>,
    /// Pass threshold on the purity \[-\] (e.g. 0.999 for 99.9 % Nd₂O₃/TREO).
    pub target: f64,
    /// Downgrade threshold \[-\] (≤ `target`); absent: every lot below target is rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downgrade_to: Option<f64>,
    /// Oxide formula per element when not `RE2O3` (e.g. `{ Pr = "Pr6O11", Ce = "CeO2" }`).
    #[serde(default)]
    pub oxides: BTreeMap<String, String>,
    /// Standard deviation of the assay \[-\] (absolute, on the purity). Default 0.
    #[serde(default)]
    pub measurement_sd: f64,
}

/// Runtime purity QC.
#[derive(Debug)]
pub(crate) struct PurityQuality {
    elements: Vec<Element>,
    /// Oxide mass per kg of element, per RE element \[kg·kg⁻¹\].
    oxide_factor: BTreeMap<Element, f64>,
    target: f64,
    downgrade: Option<f64>,
    sd: f64,
}

/// Oxide mass per element mass of `formula` (a binary oxide of `e`) \[kg·kg⁻¹\].
pub(crate) fn oxide_factor(e: Element, formula: &str, field: &str) -> Result<f64, PlantError> {
    let f = Formula::parse(formula).map_err(|x| bad(field, formula, &x.to_string()))?;
    let c = f.counts();
    if c[e] <= 0.0 || c[Element::O] <= 0.0 || c.iter_nonzero().count() != 2 {
        return Err(bad(
            field,
            formula,
            &format!("must be a binary oxide of {e}"),
        ));
    }
    Ok(f.molar_mass() / (c[e] * e.molar_mass()))
}

fn is_re(e: Element) -> bool {
    repm_sx::component::is_rare_earth(e.symbol())
}

impl PurityQuality {
    fn factor(&self, e: Element) -> f64 {
        self.oxide_factor
            .get(&e)
            .copied()
            .unwrap_or_else(|| 1.0 + 1.5 * Element::O.molar_mass() / e.molar_mass())
    }

    /// Purity of element masses on the TREO basis \[-\] (0 for a lot without RE).
    pub(crate) fn purity(&self, m: &repm_material::ElementVector) -> f64 {
        let mut treo = 0.0;
        let mut num = 0.0;
        for (e, x) in m.iter_nonzero() {
            if is_re(e) {
                let o = x * self.factor(e);
                treo += o;
                if self.elements.contains(&e) {
                    num += o;
                }
            }
        }
        if treo > 0.0 { num / treo } else { 0.0 }
    }
}

impl QualityModel for PurityQuality {
    fn assess(
        &mut self,
        lot: &mut Lot,
        kg: f64,
        rng: &mut ChaCha8Rng,
    ) -> Result<QcResult, PlantError> {
        let m = lot.element_masses();
        let mut p = self.purity(&m);
        if self.sd > 0.0 {
            p = (p + self.sd * normal(rng)).clamp(0.0, 1.0);
        }
        let treo: f64 = m
            .iter_nonzero()
            .filter(|(e, _)| is_re(*e))
            .map(|(e, x)| x * self.factor(e))
            .sum();
        let class = if p >= self.target {
            QcClass::Pass
        } else if self.downgrade.is_some_and(|d| p >= d) {
            QcClass::Downgrade
        } else {
            QcClass::Reject
        };
        Ok(QcResult {
            class,
            properties: vec![
                ("purity", p),
                ("treo_fraction", treo / kg.max(f64::MIN_POSITIVE)),
            ],
        })
    }
}

impl QualitySpec for PurityQualityConfig {
    fn validate(&self, _ctx: &BuildContext<'_>) -> Result<(), PlantError> {
        if self.elements.is_empty() {
            return Err(bad("quality.elements", "[]", "name at least one element"));
        }
        for s in &self.elements {
            let e = element("quality.elements", s)?;
            if !is_re(e) {
                return Err(bad("quality.elements", s, "must be a rare earth"));
            }
        }
        if !(self.target > 0.0 && self.target <= 1.0) {
            return Err(bad("quality.target", self.target, "must be in (0, 1]"));
        }
        if let Some(d) = self.downgrade_to
            && !(d > 0.0 && d <= self.target)
        {
            return Err(bad("quality.downgrade_to", d, "must be in (0, target]"));
        }
        for (s, f) in &self.oxides {
            let e = element("quality.oxides", s)?;
            oxide_factor(e, f, &format!("quality.oxides.{s}"))?;
        }
        check_nonneg("quality.measurement_sd".into(), self.measurement_sd)
    }

    fn build(&self, ctx: &BuildContext<'_>) -> Result<Box<dyn QualityModel>, PlantError> {
        self.validate(ctx)?;
        let mut oxide = BTreeMap::new();
        for (s, f) in &self.oxides {
            let e = element("quality.oxides", s)?;
            oxide.insert(e, oxide_factor(e, f, "quality.oxides")?);
        }
        Ok(Box::new(PurityQuality {
            elements: self
                .elements
                .iter()
                .map(|s| element("quality.elements", s))
                .collect::<Result<_, _>>()?,
            oxide_factor: oxide,
            target: self.target,
            downgrade: self.downgrade_to,
            sd: self.measurement_sd,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use repm_material::ElementVector;

    #[test]
    fn purity_on_the_oxide_basis() {
        let q = PurityQuality {
            elements: vec![Element::Nd],
            oxide_factor: [(
                Element::Pr,
                oxide_factor(Element::Pr, "Pr6O11", "x").unwrap(),
            )]
            .into(),
            target: 0.999,
            downgrade: Some(0.99),
            sd: 0.0,
        };
        let mut m = ElementVector::zeros();
        m[Element::Nd] = 0.99;
        m[Element::Pr] = 0.01;
        m[Element::O] = 0.2;
        // Nd2O3 per Nd: 336.48/288.48; Pr6O11 per Pr: 1021.44/845.46 (IUPAC masses)
        let nd = 0.99 * (2.0 * 144.242 + 3.0 * 15.999) / (2.0 * 144.242);
        let pr = 0.01 * (6.0 * 140.908 + 11.0 * 15.999) / (6.0 * 140.908);
        assert!((q.purity(&m) - nd / (nd + pr)).abs() < 1e-6);
    }
}

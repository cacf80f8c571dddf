//! The `ndfeb` quality model (default): Br and Hcj of each finished lot from repm-sinter's
//! magnet model (`repm_sinter::magnet::evaluate`, eqs. S11–S17 of docs/science/sinter.md) for
//! the lot's own composition and microstructure, then a normal lot-to-lot factor, then QC
//! against the target grade.
//!
//! Microstructure: a lot that went through the physics-coupled `sinter` step carries its
//! relative density and grain size (lot properties); otherwise the `[quality]` values apply.
//! A lot that went through the `gbd` step carries the coercivity gain and remanence factor of
//! the layered GBD model (eq. S26) and its absorbed heavy RE: the host magnet is evaluated
//! without that heavy RE and the gain is added. Without the `gbd` model, heavy RE added as a
//! sheet `addition` counts as bulk (conservative).

use std::borrow::Cow;

use repm_des::ChaCha8Rng;
use repm_material::{Element, ElementVector, Form, Lot};
use repm_sinter::magnet::{CoercivityModel, MagnetComposition, MagnetProperties, Microstructure};
use serde::{Deserialize, Serialize};

use super::props;
use super::sheet::normal;
use super::{BuildContext, QcClass, QcResult, QualityModel, QualitySpec};
use crate::config::{bad, check_fraction, check_nonneg, element};
use crate::error::PlantError;

/// `[quality]` of kind `ndfeb` (the default; `kind` may be omitted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NdfebQualityConfig {
    /// Target grade checked at final QC (e.g. `"N45SH"`); a lot that does not meet it is
    /// downgraded to the grade it meets. Default `"N42SH"`.
    #[serde(default = "default_grade")]
    pub target_grade: String,
    /// Lot-to-lot coefficient of variation of Br \[-\]. Default 0.01.
    #[serde(default = "default_br_cv")]
    pub br_cv: f64,
    /// Lot-to-lot coefficient of variation of Hcj \[-\]. Default 0.025 (§11.3: 2–3 %).
    #[serde(default = "default_hcj_cv")]
    pub hcj_cv: f64,
    /// Sintered relative density \[-\] (lots from a `sinter` model step carry their own).
    /// Default 0.99.
    #[serde(default = "default_rel_density")]
    pub relative_density: f64,
    /// Mean grain size \[m\] (e.g. `"5 um"`; lots from a `sinter` model step carry their own).
    /// Default 5 µm.
    #[serde(
        default = "default_grain",
        deserialize_with = "crate::config::de_length"
    )]
    pub grain_size: f64,
    /// Degree of alignment ⟨cos θ⟩ \[-\]. Default 0.96.
    #[serde(default = "default_alignment")]
    pub alignment: f64,
}

fn default_grade() -> String {
    "N42SH".to_owned()
}
fn default_br_cv() -> f64 {
    0.01
}
fn default_hcj_cv() -> f64 {
    0.025
}
fn default_rel_density() -> f64 {
    0.99
}
fn default_grain() -> f64 {
    5e-6
}
fn default_alignment() -> f64 {
    0.96
}

impl Default for NdfebQualityConfig {
    fn default() -> Self {
        Self {
            target_grade: default_grade(),
            br_cv: default_br_cv(),
            hcj_cv: default_hcj_cv(),
            relative_density: default_rel_density(),
            grain_size: default_grain(),
            alignment: default_alignment(),
        }
    }
}

impl NdfebQualityConfig {
    /// The target grade.
    ///
    /// # Errors
    /// [`PlantError::Invalid`] naming `quality.target_grade`.
    pub fn grade(&self) -> Result<repm_sinter::grade::Grade, PlantError> {
        self.target_grade
            .parse()
            .map_err(|e: repm_sinter::SinterError| {
                bad("quality.target_grade", &self.target_grade, &e.to_string())
            })
    }

    /// The configured microstructure (anneal factor 1).
    #[must_use]
    pub fn microstructure(&self) -> Microstructure {
        Microstructure {
            relative_density: self.relative_density,
            grain_size: self.grain_size,
            alignment: self.alignment,
            anneal_factor: 1.0,
        }
    }
}

impl QualitySpec for NdfebQualityConfig {
    fn validate(&self, _ctx: &BuildContext<'_>) -> Result<(), PlantError> {
        self.grade()?;
        check_nonneg("quality.br_cv".into(), self.br_cv)?;
        check_nonneg("quality.hcj_cv".into(), self.hcj_cv)?;
        if !(self.relative_density >= 0.5 && self.relative_density <= 1.0) {
            return Err(bad(
                "quality.relative_density",
                self.relative_density,
                "must be in [0.5, 1]",
            ));
        }
        if !(self.grain_size >= 1e-8 && self.grain_size <= 1e-3) {
            return Err(bad(
                "quality.grain_size",
                self.grain_size,
                "must be in [10 nm, 1 mm]",
            ));
        }
        check_fraction("quality.alignment".into(), self.alignment, true)
    }

    fn build(&self, _ctx: &BuildContext<'_>) -> Result<Box<dyn QualityModel>, PlantError> {
        Ok(Box::new(NdfebQuality {
            micro: self.microstructure(),
            model: CoercivityModel::default(),
            target: self.grade()?,
            br_cv: self.br_cv,
            hcj_cv: self.hcj_cv,
            cache: Vec::new(),
            binned: std::collections::BTreeMap::new(),
        }))
    }
}

/// The runtime `ndfeb` QC.
#[derive(Debug)]
pub(crate) struct NdfebQuality {
    micro: Microstructure,
    model: CoercivityModel,
    target: repm_sinter::grade::Grade,
    br_cv: f64,
    hcj_cv: f64,
    /// Magnet properties at the configured microstructure by composition (≤ 64 entries,
    /// matched to 1e-4 in every mass fraction).
    cache: Vec<(ElementVector, MagnetProperties)>,
    /// Magnet properties by binned composition for lots with their own microstructure.
    binned: std::collections::BTreeMap<Vec<(u8, i64)>, MagnetProperties>,
}

fn sinter_err(e: repm_sinter::SinterError) -> PlantError {
    PlantError::Model {
        model: "repm-sinter magnet properties".into(),
        message: e.to_string(),
    }
}

impl NdfebQuality {
    /// Magnet properties at the configured microstructure of mass fractions `w`.
    fn nominal(&mut self, w: &ElementVector) -> Result<Cow<'_, MagnetProperties>, PlantError> {
        let hit = self.cache.iter().position(|(k, _)| {
            k.iter()
                .zip(w.iter())
                .all(|((_, a), (_, b))| (a - b).abs() <= 1e-4)
        });
        if let Some(k) = hit {
            return Ok(Cow::Borrowed(&self.cache[k].1));
        }
        let comp = MagnetComposition::from_mass_fractions(*w).map_err(sinter_err)?;
        let p =
            repm_sinter::magnet::evaluate(&comp, &self.micro, &self.model).map_err(sinter_err)?;
        if self.cache.len() < 64 {
            self.cache.push((*w, p));
            Ok(Cow::Borrowed(&self.cache[self.cache.len() - 1].1))
        } else {
            Ok(Cow::Owned(p))
        }
    }
}

/// μ₀ \[T·m·A⁻¹\].
const MU0: f64 = 4e-7 * std::f64::consts::PI;

impl QualityModel for NdfebQuality {
    fn assess(
        &mut self,
        lot: &mut Lot,
        kg: f64,
        rng: &mut ChaCha8Rng,
    ) -> Result<QcResult, PlantError> {
        let masses = lot.element_masses();
        let mut w = masses * (1.0 / kg);
        // heavy RE placed by the gbd model: not bulk; its gain is added below
        let gbd = match (
            props::get(lot, props::GBD_ABSORBED),
            lot.tags.get(props::GBD_ELEMENT),
        ) {
            (Some(a), Some(sym)) => {
                let e = element("gbd_element", sym)?;
                w[e] = (w[e] - a).max(0.0);
                let s = w.sum();
                w *= 1.0 / s;
                Some((
                    props::get(lot, props::GBD_DHCJ).unwrap_or(0.0),
                    props::get(lot, props::GBD_BR).unwrap_or(1.0),
                ))
            }
            _ => None,
        };
        let rd = props::get(lot, props::REL_DENSITY);
        let grain = props::get(lot, props::GRAIN);
        let micro = Microstructure {
            relative_density: rd.unwrap_or(self.micro.relative_density),
            grain_size: grain.unwrap_or(self.micro.grain_size),
            ..self.micro
        };
        let model = self.model;
        let custom = rd.is_some() || grain.is_some();
        let (mut br0, mut hcj0, density) = if custom {
            // binned by composition (2.5e-4 in every mass fraction: well inside the lot-to-lot
            // scatter), evaluated at the lot's own microstructure
            let key = super::composition_key(&w, 2.5e-4);
            if !self.binned.contains_key(&key) {
                let comp = MagnetComposition::from_mass_fractions(w).map_err(sinter_err)?;
                let p = repm_sinter::magnet::evaluate(&comp, &self.micro, &self.model)
                    .map_err(sinter_err)?;
                self.binned.insert(key.clone(), p);
            }
            let p = &self.binned[&key];
            let q = p.with_microstructure(&micro, &model).map_err(sinter_err)?;
            (q.remanence, q.coercivity, q.density)
        } else {
            let p = self.nominal(&w)?;
            (p.remanence, p.coercivity, p.density)
        };
        if let Some((dh, fb)) = gbd {
            hcj0 += dh;
            br0 *= fb;
        }
        let br = br0 * (1.0 + self.br_cv * normal(rng));
        let hcj = (hcj0 * (1.0 + self.hcj_cv * normal(rng))).max(0.0);
        // (BH)max of an ideal square loop with recoil ≈ 1: Br²/(4 µ0), capped by Hcj.
        let bhmax = if hcj * MU0 >= br / 2.0 {
            br * br / (4.0 * MU0)
        } else {
            hcj * (br - MU0 * hcj)
        };
        let meets = self
            .target
            .is_met_by(bhmax, br, hcj)
            .map_err(|e| PlantError::Model {
                model: "grade".into(),
                message: e.to_string(),
            })?;
        let class = if meets {
            QcClass::Pass
        } else if repm_sinter::grade::classify(bhmax, br, hcj).is_some() {
            QcClass::Downgrade
        } else {
            QcClass::Reject
        };
        let lot_density = match &mut lot.form {
            Form::SinteredMagnet {
                remanence,
                coercivity,
                density: d,
                ..
            } => {
                *remanence = Some(br);
                *coercivity = Some(hcj);
                if custom { density } else { *d }
            }
            _ => density,
        };
        Ok(QcResult {
            class,
            properties: vec![
                ("br_t", br),
                ("hcj_a_m", hcj),
                ("o_ppm", 1e6 * masses[Element::O] / kg),
                ("density_kg_m3", lot_density),
            ],
        })
    }
}

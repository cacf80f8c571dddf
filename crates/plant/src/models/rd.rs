//! The `reduction_diffusion` step model: Sm₂O₃ + Co (+ oxides) reduced by Ca to SmCo₅ (or a
//! 2:17-type) powder, then leached and washed — repm-reduction's R-D model
//! ([`repm_reduction::rd::reduce_diffuse`], docs/science/reduction.md §R, eqs. R1–R7) per
//! batch (docs/science/plant.md, "Reduction–diffusion").
//!
//! At build time the model is solved once for the configured [`RdConfig`] (nominal batch).
//! Its furnace feed ([`RdResult::feed`]: Sm₂O₃, oxides, metal powders) is what the plant's
//! feed lot must contain; per batch the result is scaled ([`RdResult::scaled`]; the model is
//! homogeneous of degree one in batch size) by the largest factor k the lot supports, k =
//! min over feed elements of (lot amount / nominal amount). What the lot carries beyond k ×
//! the nominal feed (a composition off the configured ratio) passes into the product
//! unreacted. Reagents per batch: k × (Ca, leach water, wash acid); losses: k × (leachate +
//! off-gas: Ca(OH)₂, wash liquor, H₂, Sm vapour). With `temperature_sd` > 0 the hold
//! temperature of each batch is drawn (normal) and the model is solved for that batch.

use repm_des::ChaCha8Rng;
use repm_material::{Element, ElementVector, Form, Lot, LotIdSource};
use repm_reduction::rd::{RdConfig, RdResult, reduce_diffuse};
use serde::{Deserialize, Serialize};

use super::sheet::normal;
use super::{BatchOutcome, BuildContext, StepModel, StepModelSpec};
use crate::config::check_nonneg;
use crate::error::PlantError;

fn d_ca_price() -> f64 {
    8.0
}
fn d_ca_co2() -> f64 {
    12.0
}
fn d_acid_price() -> f64 {
    1.0
}
fn d_min_alloyed() -> f64 {
    0.98
}

/// `[steps.model] kind = "reduction_diffusion"` (module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReductionDiffusionConfig {
    /// The repm-reduction R-D model (`product`, `sm_excess`, `ca_excess`, `temperature`,
    /// `hold_time`, …; every field optional, defaults of [`RdConfig`]).
    #[serde(default)]
    pub rd: RdConfig,
    /// Standard deviation of the hold temperature from batch to batch \[K\]. Default 0.
    #[serde(default)]
    pub temperature_sd: f64,
    /// Calcium price \[$·kg⁻¹\]. Default 8 **(est.)**.
    #[serde(default = "d_ca_price")]
    pub calcium_price: f64,
    /// Calcium footprint \[kg CO₂e·kg⁻¹\]. Default 12 **(est.; metallothermic Ca)**.
    #[serde(default = "d_ca_co2")]
    pub calcium_co2e: f64,
    /// Wash acid price \[$·kg⁻¹\] (acetic acid). Default 1 **(est.)**.
    #[serde(default = "d_acid_price")]
    pub acid_price: f64,
    /// A batch whose alloyed fraction (R3) falls below this is counted as downgraded
    /// ("incomplete alloying") \[-\]. Default 0.98 **(est.)**.
    #[serde(default = "d_min_alloyed")]
    pub min_alloyed_fraction: f64,
}

fn red_err(e: impl std::fmt::Display) -> PlantError {
    PlantError::Model {
        model: "reduction_diffusion (repm-reduction rd)".into(),
        message: e.to_string(),
    }
}

/// Element masses \[kg\] of a ledger.
fn masses(l: &repm_reduction::Ledger) -> Result<ElementVector, PlantError> {
    Ok(l.element_amounts().map_err(red_err)?.amounts_to_masses())
}

/// The nominal solve, in element masses.
#[derive(Debug, Clone)]
pub(crate) struct RdBatch {
    /// The repm-reduction result of the nominal batch.
    pub(crate) result: RdResult,
    /// Furnace feed \[kg per element\].
    pub(crate) feed: ElementVector,
    /// Reagents \[kg per element\].
    pub(crate) reagents: ElementVector,
    /// Leached product \[kg per element\].
    pub(crate) product: ElementVector,
    /// Leachate + off-gas \[kg per element\].
    pub(crate) losses: ElementVector,
    /// Ca \[kg\], wash acid \[kg\].
    pub(crate) ca_kg: f64,
    pub(crate) acid_kg: f64,
}

impl RdBatch {
    pub(crate) fn of(cfg: &RdConfig) -> Result<Self, PlantError> {
        let r = reduce_diffuse(cfg).map_err(red_err)?;
        let feed = masses(&r.feed())?;
        let reagents = masses(&r.reagents())?;
        let product = masses(&r.product)?;
        let losses = masses(&r.leachate)? + masses(&r.gas)?;
        let ca_kg = r.reagents().get("Ca") * Element::Ca.molar_mass();
        let acid_kg = r.acid_per_kg * r.product_mass;
        Ok(Self {
            result: r,
            feed,
            reagents,
            product,
            losses,
            ca_kg,
            acid_kg,
        })
    }

    /// The batch scale factor a lot of element masses `m` supports \[-\].
    pub(crate) fn scale_for(&self, m: &ElementVector) -> f64 {
        self.feed
            .iter_nonzero()
            .map(|(e, f)| m[e] / f)
            .fold(f64::INFINITY, f64::min)
    }
}

/// Runtime R-D step.
#[derive(Debug)]
pub(crate) struct ReductionDiffusion {
    cfg: ReductionDiffusionConfig,
    nominal: RdBatch,
}

impl StepModel for ReductionDiffusion {
    fn process(
        &mut self,
        lot: &Lot,
        rng: &mut ChaCha8Rng,
        ids: &mut LotIdSource,
    ) -> Result<BatchOutcome, PlantError> {
        let drawn;
        let b = if self.cfg.temperature_sd > 0.0 {
            let t = self.cfg.rd.temperature + self.cfg.temperature_sd * normal(rng);
            let c = RdConfig {
                temperature: t.clamp(900.0, 1593.0),
                ..self.cfg.rd.clone()
            };
            drawn = RdBatch::of(&c)?;
            &drawn
        } else {
            &self.nominal
        };
        let m = lot.element_masses();
        let k = b.scale_for(&m);
        if !(k.is_finite() && k > 0.0) {
            return Err(PlantError::Model {
                model: "reduction_diffusion".into(),
                message: format!(
                    "the batch lacks part of the R-D feed (Sm2O3 and the metal powders): scale {k}"
                ),
            });
        }
        let leftover = m - b.feed * k;
        let good = b.product * k + leftover;
        let mut out = BatchOutcome::good(None);
        out.reagents = b.reagents * k;
        out.losses = b.losses * k;
        out.energy_kwh = b.result.electric_energy.unwrap_or(0.0) * k / 3.6e6;
        out.reagent_cost = k * (b.ca_kg * self.cfg.calcium_price + b.acid_kg * self.cfg.acid_price);
        out.co2e_kg = k * b.ca_kg * self.cfg.calcium_co2e;
        if b.result.alloyed_fraction < self.cfg.min_alloyed_fraction {
            out.downgrade = Some("incomplete alloying".into());
        }
        let mut g = Lot::from_element_masses(ids.next(), Form::Alloy, &good)?;
        g.parents = vec![lot.id];
        g.recycled_fraction = lot.recycled_fraction;
        out.good = Some(g);
        Ok(out)
    }
}

impl StepModelSpec for ReductionDiffusionConfig {
    fn validate(&self, _ctx: &BuildContext<'_>, field: &str) -> Result<(), PlantError> {
        self.rd.validate().map_err(|e| PlantError::Invalid {
            field: format!("{field}.rd"),
            value: String::new(),
            reason: e.to_string(),
        })?;
        check_nonneg(format!("{field}.temperature_sd"), self.temperature_sd)?;
        check_nonneg(format!("{field}.calcium_price"), self.calcium_price)?;
        check_nonneg(format!("{field}.calcium_co2e"), self.calcium_co2e)?;
        check_nonneg(format!("{field}.acid_price"), self.acid_price)?;
        crate::config::check_fraction(
            format!("{field}.min_alloyed_fraction"),
            self.min_alloyed_fraction,
            false,
        )
    }

    fn build(&self, _ctx: &BuildContext<'_>) -> Result<Box<dyn StepModel>, PlantError> {
        Ok(Box::new(ReductionDiffusion {
            cfg: self.clone(),
            nominal: RdBatch::of(&self.rd)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn batch_matches_the_repm_reduction_model_and_closes() {
        let cfg = ReductionDiffusionConfig {
            rd: RdConfig {
                oxide_fed: vec![],
                ..RdConfig::default()
            },
            temperature_sd: 0.0,
            calcium_price: 8.0,
            calcium_co2e: 12.0,
            acid_price: 1.0,
            min_alloyed_fraction: 0.98,
        };
        let nominal = RdBatch::of(&cfg.rd).unwrap();
        let mut m = ReductionDiffusion {
            cfg: cfg.clone(),
            nominal: nominal.clone(),
        };
        // a lot of 2.5 nominal furnace feeds plus 1 kg extra Co
        let mut feed = nominal.feed * 2.5;
        feed[Element::Co] += 1.0;
        let lot = Lot::from_element_masses(repm_material::LotId(1), Form::Alloy, &feed).unwrap();
        let mut ids = LotIdSource::starting_at(5);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let out = m.process(&lot, &mut rng, &mut ids).unwrap();
        out.check_balance("rd", &lot).unwrap();
        // against an independent solve of a batch 2.5× the nominal product mass
        let r = reduce_diffuse(&RdConfig {
            batch_product_mass: 2.5 * cfg.rd.batch_product_mass,
            ..cfg.rd.clone()
        })
        .unwrap();
        let good = out.good.unwrap();
        assert!((good.mass() - (r.product_mass + 1.0)).abs() < 1e-9 * r.product_mass);
        let ca = r.inputs.get("Ca") * Element::Ca.molar_mass();
        assert!((out.reagents[Element::Ca] - ca).abs() < 1e-9 * ca);
        let e = r.electric_energy.unwrap() / 3.6e6;
        assert!((out.energy_kwh - e).abs() < 1e-9 * e);
        // drawn temperatures still close the balance
        m.cfg.temperature_sd = 15.0;
        for _ in 0..3 {
            let o = m.process(&lot, &mut rng, &mut ids).unwrap();
            o.check_balance("rd", &lot).unwrap();
        }
    }
}

//! `kind = "jet_mill"`: repm-powder's jet mill (fixed-pivot population balance, classifier
//! with recycle, cyclone; eqs. P-16 … P-24 of docs/science/powder.md) coupled per batch.
//!
//! At build time the mill is solved once at steady state for the HD product PSD of
//! repm-powder's default HD furnace (RRSB x′ 150 µm, n 1.3): product/fines split, product d50
//! and the O the product and the fines pick up per kg at the configured gas O₂ content
//! (eq. P-23, O mass per unit new surface) with the O₂ supply cap of the gas used per kg
//! (eq. P-24). Per batch the O₂ content of the milling gas is drawn log-normal with CV
//! `o2_cv` around `o2_ppm`, and with probability `upset_probability` an upset (leak, purge
//! failure) multiplies it by `upset_factor` (process-data §11.3: O pickup event p = 0.5 % per
//! lot); pickup scales as (x_O₂/x_ref)^n (the model's own law) and is capped by the O₂ in the
//! gas. The O is a reagent (drawn from the gas); the fines are the step's scrap. A batch whose
//! powder exceeds `o_limit_ppm` O is downgraded (counted; the lot goes on). The good lot
//! carries the product d50 (the sinter step's starting grain size).

use repm_des::ChaCha8Rng;
use repm_material::{Element, ElementVector, Lot, LotIdSource};
use repm_powder::jet_mill::{JetMill, JetMillConfig};
use serde::{Deserialize, Serialize};

use super::sheet::{FormDefaults, normal};
use super::{BatchOutcome, BuildContext, StepModel, StepModelSpec, props};
use crate::config::{OutputForm, bad, check_fraction, check_nonneg, check_positive};
use crate::error::PlantError;

/// `[steps.model] kind = "jet_mill"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JetMillModelConfig {
    /// O₂ content of the milling gas \[ppm by mole\]. Default 100 (repm-powder default: N₂ with
    /// a small controlled O₂ bleed, est.).
    #[serde(default = "default_o2")]
    pub o2_ppm: f64,
    /// Lot-to-lot CV of the gas O₂ content (log-normal) \[-\]. Default 0.3 (est.).
    #[serde(default = "default_o2_cv")]
    pub o2_cv: f64,
    /// Probability of an O₂ upset per lot \[-\]. Default 0.005 (process-data §11.3, est.).
    #[serde(default = "default_upset_p")]
    pub upset_probability: f64,
    /// Factor on the gas O₂ content during an upset \[-\]. Default 20 (est.).
    #[serde(default = "default_upset_factor")]
    pub upset_factor: f64,
    /// Powder O content above which the lot is downgraded \[ppm by mass\]. Default 3000 (est.;
    /// 1000–2700 ppm in practice, process-data §3–4).
    #[serde(default = "default_o_limit")]
    pub o_limit_ppm: f64,
    /// The mill (repm-powder `JetMillConfig`; its gas O₂ content is replaced by `o2_ppm`).
    /// Default: repm-powder's defaults (D50 ≈ 4 µm, ≈ 150 kg/h, 2.5 % fines).
    #[serde(default)]
    pub mill: JetMillConfig,
}

fn default_o2() -> f64 {
    100.0
}
fn default_o2_cv() -> f64 {
    0.3
}
fn default_upset_p() -> f64 {
    0.005
}
fn default_upset_factor() -> f64 {
    20.0
}
fn default_o_limit() -> f64 {
    3000.0
}

impl Default for JetMillModelConfig {
    fn default() -> Self {
        Self {
            o2_ppm: default_o2(),
            o2_cv: default_o2_cv(),
            upset_probability: default_upset_p(),
            upset_factor: default_upset_factor(),
            o_limit_ppm: default_o_limit(),
            mill: JetMillConfig::default(),
        }
    }
}

fn powder_err(field: &str, e: &repm_powder::PowderError) -> PlantError {
    bad(field, "", &e.to_string())
}

/// The mill response per kg of feed, solved once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MillResponse {
    /// Product share of the feed mass \[-\].
    pub(crate) product_fraction: f64,
    /// O wanted by the product per kg of product at the reference O₂ \[kg·kg⁻¹\].
    pub(crate) o_product_ref: f64,
    /// O wanted by the fines per kg of fines at the reference O₂ \[kg·kg⁻¹\].
    pub(crate) o_fines_ref: f64,
    /// O₂-borne O in the gas per kg of feed at the reference O₂ \[kg·kg⁻¹\].
    pub(crate) o_gas_ref: f64,
    /// Product d50 \[m\].
    pub(crate) d50: f64,
    /// Exponent of the pickup law \[-\].
    pub(crate) exponent: f64,
}

impl JetMillModelConfig {
    fn mill_config(&self) -> JetMillConfig {
        let mut m = self.mill;
        m.gas.gas.o2_mole_fraction = self.o2_ppm * 1e-6;
        m
    }

    /// Solves the mill once for `feed` mass fractions.
    pub(crate) fn response(&self, feed: &ElementVector) -> Result<MillResponse, PlantError> {
        let f = "model.mill";
        let mill = JetMill::new(self.mill_config()).map_err(|e| powder_err(f, &e))?;
        let hd = repm_powder::hd::HdConfig::default();
        let grid = mill.grid().clone();
        let feed_psd =
            repm_powder::psd::Psd::rrsb(grid, hd.product_x_prime.si(), hd.product_spread)
                .map_err(|e| powder_err(f, &e))?;
        let mut unit = *feed * (1.0 / feed.sum());
        unit[Element::O] = unit[Element::O].max(0.0);
        let r = mill
            .mill_lot(&unit, &feed_psd)
            .map_err(|e| powder_err(f, &e))?;
        let prod_share = (r.product.sum() - r.product[Element::O])
            / (r.product.sum() - r.product[Element::O] + r.fines.sum() - r.fines[Element::O]);
        let o_in_prod = r.product[Element::O] - unit[Element::O] * prod_share;
        let o_in_fines = r.fines[Element::O] - unit[Element::O] * (1.0 - prod_share);
        // undo the supply cap to get the wanted pickup at the reference O₂
        let scale = if r.oxygen_supply_limited && r.oxygen_pickup > 0.0 {
            // want/avail unknown here: recompute from the law
            let sigma = mill.areal_oxygen_uptake();
            let rho = self.mill.particle_density.si();
            let s_feed = feed_psd.specific_surface(rho);
            let want = sigma
                * ((r.steady.product_psd.specific_surface(rho) - s_feed).max(0.0) * prod_share
                    + (r.steady.fines_psd.specific_surface(rho) - s_feed).max(0.0)
                        * (1.0 - prod_share));
            want / r.oxygen_pickup
        } else {
            1.0
        };
        Ok(MillResponse {
            product_fraction: prod_share,
            o_product_ref: o_in_prod * scale / prod_share,
            o_fines_ref: if prod_share < 1.0 {
                o_in_fines * scale / (1.0 - prod_share)
            } else {
                0.0
            },
            o_gas_ref: r.gas_in[Element::O],
            d50: r.steady.product_psd.d50(),
            exponent: self.mill.oxygen.exponent,
        })
    }
}

impl StepModelSpec for JetMillModelConfig {
    fn validate(&self, ctx: &BuildContext<'_>, field: &str) -> Result<(), PlantError> {
        let f = |k: &str| format!("{field}.{k}");
        check_positive(f("o2_ppm"), self.o2_ppm)?;
        if self.o2_ppm > 210_000.0 {
            return Err(bad(f("o2_ppm"), self.o2_ppm, "must be <= 210000 (air)"));
        }
        check_nonneg(f("o2_cv"), self.o2_cv)?;
        check_fraction(f("upset_probability"), self.upset_probability, false)?;
        check_positive(f("upset_factor"), self.upset_factor)?;
        check_positive(f("o_limit_ppm"), self.o_limit_ppm)?;
        self.mill_config()
            .validate()
            .map_err(|e| bad(f("mill"), "", &e.to_string()))?;
        self.response(&ctx.feed_fractions)?;
        Ok(())
    }

    fn build(&self, ctx: &BuildContext<'_>) -> Result<Box<dyn StepModel>, PlantError> {
        let s = ctx.step()?;
        Ok(Box::new(JetMillModel {
            resp: self.response(&ctx.feed_fractions)?,
            cfg: self.clone(),
            output: s.output_form,
            forms: FormDefaults::of(ctx),
        }))
    }
}

/// The runtime jet-mill model.
#[derive(Debug)]
pub(crate) struct JetMillModel {
    resp: MillResponse,
    cfg: JetMillModelConfig,
    output: OutputForm,
    forms: FormDefaults,
}

impl StepModel for JetMillModel {
    fn process(
        &mut self,
        lot: &Lot,
        rng: &mut ChaCha8Rng,
        ids: &mut LotIdSource,
    ) -> Result<BatchOutcome, PlantError> {
        use rand::Rng as _;
        let c = &self.cfg;
        let r = &self.resp;
        // gas O₂ of this lot: log-normal with mean o2_ppm and CV o2_cv, times an upset factor
        let sigma2 = (1.0 + c.o2_cv * c.o2_cv).ln();
        let z = normal(rng);
        let upset = rng.random::<f64>() < c.upset_probability;
        let mut ratio = (sigma2.sqrt() * z - 0.5 * sigma2).exp();
        if upset {
            ratio *= c.upset_factor;
        }
        let m = lot.mass();
        let k = ratio.powf(r.exponent);
        let want_p = r.o_product_ref * k * r.product_fraction * m;
        let want_f = r.o_fines_ref * k * (1.0 - r.product_fraction) * m;
        let avail = r.o_gas_ref * ratio * m;
        let cap = if want_p + want_f > avail && want_p + want_f > 0.0 {
            avail / (want_p + want_f)
        } else {
            1.0
        };
        let masses = lot.element_masses();
        let mut good = lot.scaled(r.product_fraction)?;
        good.id = ids.next();
        good.parents = vec![lot.id];
        let mut out = BatchOutcome::good(None);
        out.scrap = masses - good.element_masses();
        out.scrap[Element::O] += want_f * cap;
        out.reagents[Element::O] = (want_p + want_f) * cap;
        good.add_species(
            repm_material::Formula::element(Element::O),
            want_p * cap / Element::O.molar_mass(),
        )?;
        good.form = self.forms.form(self.output, &lot.form);
        props::set(&mut good, props::D50, r.d50);
        let o_ppm = 1e6 * good.mass_fraction(Element::O);
        if o_ppm > c.o_limit_ppm {
            out.downgrade = Some(format!("powder O above {} ppm", c.o_limit_ppm));
        }
        out.good = Some(good);
        Ok(out)
    }
}

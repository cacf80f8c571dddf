//! `kind = "hd"`: repm-powder's hydrogen-decrepitation furnace (two-stage JMAK H uptake with
//! self-heating, partial degassing, EoL coating removal; eqs. P-10 … P-15 of
//! docs/science/powder.md) coupled per batch.
//!
//! At build time the furnace is run once per point of a small table of absorption-time factors
//! (0.6 … 1.4 of the configured absorption time) for one kg of the plant feed (the magnet body
//! of an EoL feed, without its coating): H retained per kg, extent of grain-boundary hydriding
//! X_GB and the extraction efficiency. Per batch the absorption time factor is drawn normal with
//! CV `absorption_cv` (clipped to the table) and the table is interpolated linearly. H₂ is a
//! reagent (`h2_excess` × the stoichiometric demand); what is not retained leaves as off-gas
//! (a loss). For an end-of-life feed (`coating_wt_percent` given) the coating elements are
//! removed first (up to their listed share of the batch) and, with the unliberated share of the
//! body (1 − extraction efficiency, Walton et al. 2015: 90 ± 5 %), go to the step's scrap
//! route. A batch with X_GB < `min_decrepitation` is downgraded (coarse, undecrepitated
//! fragments).

use std::collections::BTreeMap;

use repm_des::ChaCha8Rng;
use repm_material::{Element, ElementVector, Lot, LotIdSource};
use repm_powder::hd::{HdConfig, HdFeed, HdFurnace};
use serde::{Deserialize, Serialize};

use super::sheet::{FormDefaults, normal};
use super::{BatchOutcome, BuildContext, StepModel, StepModelSpec};
use crate::config::{OutputForm, bad, check_fraction, check_nonneg, check_positive, element};
use crate::error::PlantError;

/// `[steps.model] kind = "hd"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HdModelConfig {
    /// H₂ supplied as a multiple of the stoichiometric demand of the charge \[-\], ≥ 1.
    /// Default 1.2 (est.).
    #[serde(default = "default_excess")]
    pub h2_excess: f64,
    /// Batch-to-batch CV of the effective absorption time \[-\]. Default 0.1 (est.).
    #[serde(default = "default_cv")]
    pub absorption_cv: f64,
    /// Coating of an end-of-life feed: element symbol → mass percent of the batch \[wt %\]
    /// (e.g. Ni-Cu-Ni: `{ Ni = 1.2, Cu = 0.3 }`). Empty (default): strip-cast flakes.
    #[serde(default)]
    pub coating_wt_percent: BTreeMap<String, f64>,
    /// Extent of grain-boundary hydriding below which a batch is downgraded \[-\]. Default 0.9.
    #[serde(default = "default_min_x")]
    pub min_decrepitation: f64,
    /// The furnace (repm-powder `HdConfig`). Default: repm-powder's defaults (1 bar, 3 h
    /// absorption, degassing at 500 °C, EoL extraction 0.90).
    #[serde(default)]
    pub furnace: HdConfig,
}

fn default_excess() -> f64 {
    1.2
}
fn default_cv() -> f64 {
    0.1
}
fn default_min_x() -> f64 {
    0.9
}

/// Absorption-time factors of the response table.
const FACTORS: [f64; 9] = [0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4];

/// One table point per kg of body.
#[derive(Debug, Clone, Copy)]
struct Point {
    /// H retained \[kg·kg⁻¹\].
    h_retained: f64,
    /// H₂ supplied \[kg·kg⁻¹\].
    h2_supplied: f64,
    /// X_GB \[-\].
    x_gb: f64,
}

impl HdModelConfig {
    fn coating(&self) -> Result<Vec<(Element, f64)>, PlantError> {
        self.coating_wt_percent
            .iter()
            .map(|(s, w)| Ok((element("model.coating_wt_percent", s)?, w / 100.0)))
            .collect()
    }

    /// The response table (memoised process-wide: a pure function of this config and feed).
    fn table(&self, feed: &ElementVector) -> Result<(Vec<Point>, f64), PlantError> {
        let key = format!(
            "{}|{:?}",
            serde_json::to_string(self).map_err(|e| bad("model", "", &e.to_string()))?,
            feed.iter().map(|(_, v)| v.to_bits()).collect::<Vec<_>>()
        );
        super::memoised(key, || self.table_uncached(feed))
    }

    fn table_uncached(&self, feed: &ElementVector) -> Result<(Vec<Point>, f64), PlantError> {
        let mut body = *feed * (1.0 / feed.sum());
        for (e, w) in self.coating()? {
            body[e] = (body[e] - w).max(0.0);
        }
        body = body * (1.0 / body.sum());
        let eol = !self.coating_wt_percent.is_empty();
        let mut pts = Vec::with_capacity(FACTORS.len());
        let mut eta = 1.0;
        for f in FACTORS {
            let mut c = self.furnace;
            c.absorption_time = repm_material::units::TimeSpan::from_si(c.absorption_time.si() * f);
            c.time_step = repm_material::units::TimeSpan::from_si(c.time_step.si().max(5.0));
            let furnace =
                HdFurnace::new(c).map_err(|e| bad("model.furnace", "", &e.to_string()))?;
            let feed = if eol {
                HdFeed::EndOfLife {
                    magnet: body,
                    coating: ElementVector::zeros(),
                }
            } else {
                HdFeed::Flakes(body)
            };
            let h2 = self.h2_excess * furnace.h2_demand(&feed);
            let r = furnace
                .run(&feed, h2)
                .map_err(|e| bad("model.furnace", "", &e.to_string()))?;
            eta = if eol {
                c.eol.extraction_efficiency
            } else {
                1.0
            };
            pts.push(Point {
                h_retained: r.h_retained,
                h2_supplied: h2,
                x_gb: r.x_gb,
            });
        }
        Ok((pts, eta))
    }
}

impl StepModelSpec for HdModelConfig {
    fn validate(&self, ctx: &BuildContext<'_>, field: &str) -> Result<(), PlantError> {
        let f = |k: &str| format!("{field}.{k}");
        if !(self.h2_excess.is_finite() && self.h2_excess >= 1.0) {
            return Err(bad(f("h2_excess"), self.h2_excess, "must be >= 1"));
        }
        check_nonneg(f("absorption_cv"), self.absorption_cv)?;
        check_fraction(f("min_decrepitation"), self.min_decrepitation, false)?;
        let mut sum = 0.0;
        for (s, w) in &self.coating_wt_percent {
            element(&f(&format!("coating_wt_percent.{s}")), s)?;
            check_nonneg(f(&format!("coating_wt_percent.{s}")), *w)?;
            sum += w;
        }
        if sum >= 50.0 {
            return Err(bad(f("coating_wt_percent"), sum, "must sum to < 50 wt %"));
        }
        self.furnace
            .validate()
            .map_err(|e| bad(f("furnace"), "", &e.to_string()))?;
        check_positive(
            f("furnace.absorption_time"),
            self.furnace.absorption_time.si(),
        )?;
        let _ = ctx;
        Ok(())
    }

    fn build(&self, ctx: &BuildContext<'_>) -> Result<Box<dyn StepModel>, PlantError> {
        let s = ctx.step()?;
        let (table, eta) = self.table(&ctx.feed_fractions)?;
        Ok(Box::new(HdModel {
            table,
            eta,
            coating: self.coating()?,
            cv: self.absorption_cv,
            min_x: self.min_decrepitation,
            output: s.output_form,
            forms: FormDefaults::of(ctx),
        }))
    }
}

/// The runtime HD model.
#[derive(Debug)]
pub(crate) struct HdModel {
    table: Vec<Point>,
    eta: f64,
    coating: Vec<(Element, f64)>,
    cv: f64,
    min_x: f64,
    output: OutputForm,
    forms: FormDefaults,
}

impl HdModel {
    fn at(&self, factor: f64) -> Point {
        let (k, t) = super::table_bracket(&FACTORS, factor);
        let (a, b) = (self.table[k], self.table[k + 1]);
        let l = |u: f64, v: f64| super::lerp(u, v, t);
        Point {
            h_retained: l(a.h_retained, b.h_retained),
            h2_supplied: l(a.h2_supplied, b.h2_supplied),
            x_gb: l(a.x_gb, b.x_gb),
        }
    }
}

impl StepModel for HdModel {
    fn process(
        &mut self,
        lot: &Lot,
        rng: &mut ChaCha8Rng,
        ids: &mut LotIdSource,
    ) -> Result<BatchOutcome, PlantError> {
        let factor = 1.0 + self.cv * normal(rng);
        let p = self.at(factor);
        let masses = lot.element_masses();
        let m = masses.sum();
        let mut coat = ElementVector::zeros();
        for &(e, w) in &self.coating {
            coat[e] = masses[e].min(w * m);
        }
        let body = masses - coat;
        let bm = body.sum();
        let mut powder = body * self.eta;
        let h_ret = p.h_retained * bm * self.eta;
        powder[Element::H] += h_ret;
        let mut out = BatchOutcome::good(None);
        out.scrap = body - body * self.eta + coat;
        out.reagents[Element::H] = p.h2_supplied * bm;
        out.losses[Element::H] = (p.h2_supplied * bm - h_ret).max(0.0);
        // H retained may exceed the supply only through rounding: the balance check catches it
        let mut good = Lot::from_element_masses(ids.next(), lot.form.clone(), &powder)?
            .with_parents(vec![lot.id])
            .with_recycled_fraction(lot.recycled_fraction)?;
        good.tags = lot.tags.clone();
        good.form = self.forms.form(self.output, &lot.form);
        if p.x_gb < self.min_x {
            out.downgrade = Some(format!("decrepitation below {}", self.min_x));
        }
        out.good = Some(good);
        Ok(out)
    }
}

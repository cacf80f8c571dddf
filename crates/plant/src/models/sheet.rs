//! The sheet-yield model (the default): a random yield splits the batch into good output and
//! scrap, a whole batch is scrapped with a probability, and `additions` are added to the good
//! output (GBD Tb from a coating, O picked up from the milling gas), the unused part of each
//! addition being a loss. The numbers are the plant sheet's (process-data.md §11.2–11.3).

use rand::Rng;
use repm_des::ChaCha8Rng;
use repm_material::{Element, Form, Formula, Lot, LotIdSource};
use serde::{Deserialize, Serialize};

use super::{BatchOutcome, BuildContext, StepModel, StepModelSpec};
use crate::config::{OutputForm, element};
use crate::error::PlantError;

/// `[steps.model] kind = "sheet"`: no fields; the step's own `yield`, `yield_sd`,
/// `batch_scrap_probability` and `additions` apply (the same as no `[steps.model]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetModelConfig {}

/// Standard normal draw (Box–Muller, one value; u1 in (0, 1]).
pub(crate) fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Output forms of the sheet model: relative density, grain size and alignment of the
/// `ndfeb` quality settings (defaults otherwise).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FormDefaults {
    pub(crate) relative_density: f64,
    pub(crate) grain_size: f64,
    pub(crate) alignment: f64,
}

impl FormDefaults {
    pub(crate) fn of(ctx: &BuildContext<'_>) -> Self {
        let d = super::ndfeb::NdfebQualityConfig::default();
        let q = ctx.plant.quality.ndfeb().unwrap_or(&d);
        Self {
            relative_density: q.relative_density,
            grain_size: q.grain_size,
            alignment: q.alignment,
        }
    }

    /// The form of an output lot of kind `f` made from an input of form `input` (an input
    /// already of that kind keeps its state, e.g. the density of a sintered magnet).
    pub(crate) fn form(&self, f: OutputForm, input: &Form) -> Form {
        match (f, input) {
            (OutputForm::GreenCompact, Form::GreenCompact { .. })
            | (OutputForm::SinteredMagnet, Form::SinteredMagnet { .. }) => input.clone(),
            (OutputForm::Alloy, _) => Form::Alloy,
            (OutputForm::GreenCompact, _) => Form::GreenCompact {
                density: 4300.0,
                alignment: self.alignment,
            },
            (OutputForm::SinteredMagnet, _) => Form::SinteredMagnet {
                density: 7550.0 * self.relative_density / 0.99 * 0.99,
                grain_size: self.grain_size,
                remanence: None,
                coercivity: None,
            },
        }
    }
}

/// The runtime sheet model of one step.
#[derive(Debug)]
pub(crate) struct SheetModel {
    yield_mean: f64,
    yield_sd: f64,
    p_scrap: f64,
    /// (element, applied \[kg per kg good\], utilisation \[-\]).
    additions: Vec<(Element, f64, f64)>,
    output: OutputForm,
    forms: FormDefaults,
}

impl SheetModel {
    /// The sheet model of the step in `ctx`.
    pub(crate) fn of(ctx: &BuildContext<'_>) -> Result<Self, PlantError> {
        let s = ctx.step()?;
        let additions = s
            .additions
            .iter()
            .map(|a| {
                Ok((
                    element("additions.element", &a.element)?,
                    a.applied_g_per_kg / 1000.0,
                    a.utilisation,
                ))
            })
            .collect::<Result<Vec<_>, PlantError>>()?;
        let yield_mean = s.yield_mean.ok_or_else(|| PlantError::Invalid {
            field: format!("steps.{}.yield", s.name),
            value: "(missing)".into(),
            reason: "the step's model applies the sheet yield".into(),
        })?;
        Ok(Self {
            yield_mean,
            yield_sd: s.yield_sd,
            p_scrap: s.batch_scrap_probability,
            additions,
            output: s.output_form,
            forms: FormDefaults::of(ctx),
        })
    }

    /// Draws the batch yield: 0 for a whole-batch scrap, else normal(mean, sd) clipped.
    pub(crate) fn draw_yield(&self, rng: &mut ChaCha8Rng) -> f64 {
        let whole = self.p_scrap > 0.0 && rng.random::<f64>() < self.p_scrap;
        if whole {
            0.0
        } else if self.yield_sd > 0.0 {
            (self.yield_mean + self.yield_sd * normal(rng)).clamp(0.0, 1.0)
        } else {
            self.yield_mean
        }
    }

    /// Splits `lot` by yield `y` into a good lot (fresh id) and the scrap masses, adds the
    /// additions to the good lot and sets its form.
    pub(crate) fn split(
        &self,
        lot: &Lot,
        y: f64,
        ids: &mut LotIdSource,
    ) -> Result<BatchOutcome, PlantError> {
        let masses_in = lot.element_masses();
        let mut good = lot.scaled(y)?;
        good.id = ids.next();
        good.parents = vec![lot.id];
        let mut out = BatchOutcome::good(None);
        out.scrap = masses_in - good.element_masses();
        let gm0 = good.mass();
        for &(e, applied, util) in &self.additions {
            let add = applied * gm0;
            if add > 0.0 {
                out.reagents[e] += add;
                out.losses[e] += add * (1.0 - util);
                let kept = add * util;
                good.add_species(Formula::element(e), kept / e.molar_mass())?;
            }
        }
        good.form = self.forms.form(self.output, &lot.form);
        out.good = Some(good);
        Ok(out)
    }
}

impl StepModel for SheetModel {
    fn process(
        &mut self,
        lot: &Lot,
        rng: &mut ChaCha8Rng,
        ids: &mut LotIdSource,
    ) -> Result<BatchOutcome, PlantError> {
        let y = self.draw_yield(rng);
        self.split(lot, y, ids)
    }
}

impl StepModelSpec for SheetModelConfig {
    fn uses_sheet_yield(&self) -> bool {
        true
    }

    fn validate(&self, _ctx: &BuildContext<'_>, _field: &str) -> Result<(), PlantError> {
        Ok(())
    }

    fn build(&self, ctx: &BuildContext<'_>) -> Result<Box<dyn StepModel>, PlantError> {
        Ok(Box::new(SheetModel::of(ctx)?))
    }
}

//! `kind = "sinter"`: repm-sinter's liquid-phase sintering (master sintering curve with the
//! liquid-amount scaling and rearrangement, eqs. S5–S8, and grain growth dⁿ − d₀ⁿ, eq. S9, of
//! docs/science/sinter.md) coupled per charge.
//!
//! Per charge the furnace temperature offset is drawn normal with SD `temperature_sd`
//! (process-data §8: control within ±3–5 °C) and added to every knot of the configured
//! programme above the start; the RE-rich (liquid-forming) volume fraction comes from the
//! lot's own composition (`repm_sinter::magnet::phase_constitution`: O binds RE as RE₂O₃, so
//! an oxidised powder has less liquid and densifies less); the starting grain size is the
//! powder d50 the lot carries from a `jet_mill` model step (else `initial_grain_size`). Both
//! laws are closed-form Arrhenius integrals over the programme (exponential integral), cheap
//! enough to evaluate per charge. The cracked/warped share is the step's sheet `yield` /
//! `batch_scrap_probability`; all H (from HD) leaves as off-gas during vacuum sintering (a
//! loss). The good lot becomes a sintered magnet with density ρ_rel·ρ_th and carries its
//! relative density and grain size to the QC. A charge below `min_relative_density` is
//! downgraded.

use repm_des::ChaCha8Rng;
use repm_material::{Element, ElementVector, Form, Lot, LotIdSource};
use repm_sinter::densification::{DensificationModel, GrainGrowth};
use repm_sinter::magnet::MagnetComposition;
use repm_sinter::programme::{ProgrammeConfig, Segment, TemperatureProgramme};
use serde::{Deserialize, Serialize};

use super::sheet::{SheetModel, normal};
use super::{BatchOutcome, BuildContext, StepModel, StepModelSpec, props};
use crate::config::{bad, check_nonneg, check_positive};
use crate::error::PlantError;

/// `[steps.model] kind = "sinter"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinterModelConfig {
    /// Sintering programme (start temperature and ramp/hold segments). Default: 20 °C,
    /// 5 K/min to 1060 °C, 4 h hold, 3 K/min to 20 °C (process-data §6: 1040–1080 °C, 4–6 h).
    #[serde(default = "default_programme")]
    pub programme: ProgrammeConfig,
    /// Green relative density of the compacts \[-\]. Default 0.58 (die + CIP 200 MPa ≈ 0.60,
    /// process-data §5).
    #[serde(default = "default_green")]
    pub green_density: f64,
    /// Starting grain size when the lot carries no powder d50 \[m\]. Default 4 µm.
    #[serde(default = "default_d0", deserialize_with = "crate::config::de_length")]
    pub initial_grain_size: f64,
    /// SD of the charge temperature offset \[K\]. Default 4 (process-data §8: ±3–5 °C).
    #[serde(default = "default_tsd")]
    pub temperature_sd: f64,
    /// Relative density below which a charge is downgraded \[-\]. Default 0.97 (est.).
    #[serde(default = "default_min_rd")]
    pub min_relative_density: f64,
    /// Densification parameters (repm-sinter). Default: repm-sinter's (MSC Q = 500 kJ/mol).
    #[serde(default)]
    pub densification: DensificationModel,
    /// Grain-growth parameters (repm-sinter). Default: repm-sinter's (n = 3).
    #[serde(default)]
    pub grain_growth: GrainGrowth,
}

pub(crate) fn degc(t: f64) -> repm_material::units::Temperature {
    repm_material::units::Temperature::from_si(t + 273.15)
}

fn default_programme() -> ProgrammeConfig {
    ProgrammeConfig {
        start: degc(20.0),
        segments: vec![
            Segment::Ramp {
                to: degc(1060.0),
                rate_k_per_min: 5.0,
            },
            Segment::Hold {
                duration: repm_material::units::TimeSpan::from_si(4.0 * 3600.0),
            },
            Segment::Ramp {
                to: degc(20.0),
                rate_k_per_min: 3.0,
            },
        ],
    }
}
fn default_green() -> f64 {
    0.58
}
fn default_d0() -> f64 {
    4e-6
}
fn default_tsd() -> f64 {
    4.0
}
fn default_min_rd() -> f64 {
    0.97
}

fn sinter_err(field: &str, e: &repm_sinter::SinterError) -> PlantError {
    bad(field, "", &e.to_string())
}

/// The programme shifted by `dt` \[K\] at every knot hotter than the start.
pub(crate) fn shifted(
    p: &TemperatureProgramme,
    dt: f64,
) -> Result<TemperatureProgramme, PlantError> {
    let t0 = p.knots().next().map_or(0.0, |k| k.1);
    let knots: Vec<(f64, f64)> = p
        .knots()
        .map(|(t, temp)| (t, if temp > t0 + 1.0 { temp + dt } else { temp }))
        .collect();
    TemperatureProgramme::from_knots(&knots).map_err(|e| sinter_err("model.programme", &e))
}

impl SinterModelConfig {
    fn programme(&self) -> Result<TemperatureProgramme, PlantError> {
        TemperatureProgramme::try_from(self.programme.clone())
            .map_err(|e| sinter_err("model.programme", &e))
    }
}

impl StepModelSpec for SinterModelConfig {
    fn uses_sheet_yield(&self) -> bool {
        true
    }

    fn validate(&self, ctx: &BuildContext<'_>, field: &str) -> Result<(), PlantError> {
        let f = |k: &str| format!("{field}.{k}");
        let p = TemperatureProgramme::try_from(self.programme.clone())
            .map_err(|e| sinter_err(&f("programme"), &e))?;
        if !(self.green_density > 0.2 && self.green_density < 0.99) {
            return Err(bad(
                f("green_density"),
                self.green_density,
                "must be in (0.2, 0.99)",
            ));
        }
        check_positive(f("initial_grain_size"), self.initial_grain_size)?;
        check_nonneg(f("temperature_sd"), self.temperature_sd)?;
        if self.temperature_sd > 100.0 {
            return Err(bad(
                f("temperature_sd"),
                self.temperature_sd,
                "must be <= 100 K",
            ));
        }
        check_nonneg(f("min_relative_density"), self.min_relative_density)?;
        self.densification
            .validate()
            .map_err(|e| sinter_err(&f("densification"), &e))?;
        // one nominal evaluation for the plant feed
        let comp = MagnetComposition::from_mass_fractions(ctx.feed_fractions)
            .map_err(|e| sinter_err(&f("(feed composition)"), &e))?;
        let ph = repm_sinter::magnet::phase_constitution(&comp)
            .map_err(|e| sinter_err(&f("(feed composition)"), &e))?;
        self.densification
            .densify(self.green_density, ph.re_rich, &p)
            .map_err(|e| sinter_err(&f("programme"), &e))?;
        self.grain_growth
            .grow(self.initial_grain_size, &p)
            .map_err(|e| sinter_err(&f("grain_growth"), &e))?;
        Ok(())
    }

    fn build(&self, ctx: &BuildContext<'_>) -> Result<Box<dyn StepModel>, PlantError> {
        Ok(Box::new(SinterModel {
            sheet: SheetModel::of(ctx)?,
            programme: self.programme()?,
            cfg: self.clone(),
            phase_cache: std::collections::BTreeMap::new(),
        }))
    }
}

/// The runtime sinter model.
#[derive(Debug)]
pub(crate) struct SinterModel {
    sheet: SheetModel,
    programme: TemperatureProgramme,
    cfg: SinterModelConfig,
    /// (RE-rich volume fraction, theoretical density) by binned composition (2.5e-4).
    phase_cache: std::collections::BTreeMap<Vec<(u8, i64)>, (f64, f64)>,
}

impl SinterModel {
    fn phases(&mut self, w: &ElementVector) -> Result<(f64, f64), PlantError> {
        let key = super::composition_key(w, 2.5e-4);
        if let Some(v) = self.phase_cache.get(&key) {
            return Ok(*v);
        }
        let err = |e: repm_sinter::SinterError| PlantError::Model {
            model: "sinter".into(),
            message: e.to_string(),
        };
        let comp = MagnetComposition::from_mass_fractions(*w).map_err(err)?;
        let ph = repm_sinter::magnet::phase_constitution(&comp).map_err(err)?;
        let v = (ph.re_rich, ph.theoretical_density);
        self.phase_cache.insert(key, v);
        Ok(v)
    }
}

impl StepModel for SinterModel {
    fn process(
        &mut self,
        lot: &Lot,
        rng: &mut ChaCha8Rng,
        ids: &mut LotIdSource,
    ) -> Result<BatchOutcome, PlantError> {
        let y = self.sheet.draw_yield(rng);
        let dt = self.cfg.temperature_sd * normal(rng);
        let mut out = self.sheet.split(lot, y, ids)?;
        let Some(good) = out.good.take() else {
            return Ok(out);
        };
        let mut gm = good.element_masses();
        // vacuum sintering degasses the hydride: all H leaves
        out.losses[Element::H] += gm[Element::H];
        gm[Element::H] = 0.0;
        if gm.sum() <= 0.0 {
            out.scrap += gm;
            return Ok(out);
        }
        let w = gm * (1.0 / gm.sum());
        let (liquid, rho_th) = self.phases(&w)?;
        let prog = shifted(&self.programme, dt)?;
        let err = |e: repm_sinter::SinterError| PlantError::Model {
            model: "sinter".into(),
            message: e.to_string(),
        };
        let dens = self
            .cfg
            .densification
            .densify(self.cfg.green_density, liquid.clamp(0.0, 0.5), &prog)
            .map_err(err)?;
        let d0 = props::get(&good, props::D50).unwrap_or(self.cfg.initial_grain_size);
        let grain = self.cfg.grain_growth.grow(d0, &prog).map_err(err)?;
        let rd = dens.relative_density;
        let mut lot2 = Lot::from_element_masses(
            good.id,
            Form::SinteredMagnet {
                density: rd * rho_th,
                grain_size: grain,
                remanence: None,
                coercivity: None,
            },
            &gm,
        )?
        .with_parents(good.parents.clone())
        .with_recycled_fraction(good.recycled_fraction)?;
        lot2.tags = good.tags;
        lot2.tags.remove(props::D50);
        props::set(&mut lot2, props::REL_DENSITY, rd);
        props::set(&mut lot2, props::GRAIN, grain);
        if rd < self.cfg.min_relative_density {
            out.downgrade = Some(format!(
                "relative density below {}",
                self.cfg.min_relative_density
            ));
        }
        out.good = Some(lot2);
        Ok(out)
    }
}

//! `kind = "gbd"`: repm-sinter's grain-boundary diffusion (finite-volume Crank–Nicolson over
//! the diffusion programme, eqs. S20–S25) and the layered coercivity model (eq. S26: one
//! demagnetisation layer per depth cell) coupled per charge.
//!
//! At build time the coating is diffused into a magnet of the configured thickness (both large
//! faces coated, `applied_g_per_kg` × ρ·L/2 per face) for a table of coating factors 0.6 …
//! 1.4; each profile gives the absorbed, lost and residual heavy RE per kg applied and, through
//! `MagnetProperties::after_gbd` on the host magnet (the plant feed with the `[quality]`
//! microstructure), the coercivity gain ΔHcj and the remanence factor. Per charge the coating
//! factor is drawn normal with CV `coating_cv` and the table is interpolated. The applied
//! heavy RE is a reagent; the absorbed part joins the magnets; the lost part (evaporation,
//! fixtures) is a loss; the residual coating is ground off with the step's scrap. The lot
//! carries ΔHcj, the remanence factor and the absorbed heavy RE per kg, so the `ndfeb` QC
//! evaluates the host without that heavy RE and adds the gain (instead of counting it as bulk
//! heavy RE). The sheet `yield`/`batch_scrap_probability` give the handling losses; do not
//! also list the heavy RE under `additions`.

use repm_des::ChaCha8Rng;
use repm_material::{Element, Formula, Lot, LotIdSource};
use repm_sinter::gbd::{GbdDiffusivity, GbdOptions, GbdSetup, diffuse};
use repm_sinter::magnet::{CoercivityModel, GbdCoercivity, MagnetComposition, evaluate};
use repm_sinter::programme::{ProgrammeConfig, Segment, TemperatureProgramme};
use serde::{Deserialize, Serialize};

use super::sheet::{SheetModel, normal};
use super::sinter::degc;
use super::{BatchOutcome, BuildContext, StepModel, StepModelSpec, props};
use crate::config::{bad, check_nonneg, check_positive, element};
use crate::error::PlantError;

/// `[steps.model] kind = "gbd"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GbdModelConfig {
    /// Heavy rare earth diffused: `"Tb"` or `"Dy"`. Default `"Tb"`.
    #[serde(default = "default_element")]
    pub element: String,
    /// Coating applied per kg of magnet \[g·kg⁻¹\]. Default 8.6 (process-data §11.1, est.).
    #[serde(default = "default_applied")]
    pub applied_g_per_kg: f64,
    /// Magnet thickness along the diffusion direction \[m\] (e.g. `"5 mm"`). Default 5 mm
    /// (process-data §9: GBD dominates 5–8 mm pole pieces).
    #[serde(
        default = "default_thickness",
        deserialize_with = "crate::config::de_length"
    )]
    pub thickness: f64,
    /// Charge-to-charge CV of the applied coating \[-\]. Default 0.05 (est.).
    #[serde(default = "default_cv")]
    pub coating_cv: f64,
    /// Diffusion programme. Default: 20 °C, 10 K/min to 900 °C, 10 h, 10 K/min to 20 °C
    /// (process-data §9: 8–24 h at 800–1000 °C).
    #[serde(default = "default_programme")]
    pub programme: ProgrammeConfig,
}

fn default_element() -> String {
    "Tb".to_owned()
}
fn default_applied() -> f64 {
    8.6
}
fn default_thickness() -> f64 {
    5e-3
}
fn default_cv() -> f64 {
    0.05
}
fn default_programme() -> ProgrammeConfig {
    ProgrammeConfig {
        start: degc(20.0),
        segments: vec![
            Segment::Ramp {
                to: degc(900.0),
                rate_k_per_min: 10.0,
            },
            Segment::Hold {
                duration: repm_material::units::TimeSpan::from_si(10.0 * 3600.0),
            },
            Segment::Ramp {
                to: degc(20.0),
                rate_k_per_min: 10.0,
            },
        ],
    }
}

/// Coating factors of the response table.
const FACTORS: [f64; 9] = [0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4];

/// Response per kg of magnet at one coating factor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GbdPoint {
    /// Applied \[kg·kg⁻¹\].
    pub(crate) applied: f64,
    /// Absorbed \[kg·kg⁻¹\].
    pub(crate) absorbed: f64,
    /// Lost \[kg·kg⁻¹\].
    pub(crate) lost: f64,
    /// Coercivity gain \[A·m⁻¹\].
    pub(crate) dhcj: f64,
    /// Remanence factor \[-\].
    pub(crate) br_factor: f64,
}

impl GbdModelConfig {
    fn hre(&self) -> Result<Element, PlantError> {
        let e = element("model.element", &self.element)?;
        if matches!(e, Element::Tb | Element::Dy) {
            Ok(e)
        } else {
            Err(bad("model.element", &self.element, "must be Tb or Dy"))
        }
    }

    /// The response table on the host magnet of `ctx` (plant feed, `[quality]` microstructure).
    pub(crate) fn table(&self, ctx: &BuildContext<'_>) -> Result<Vec<GbdPoint>, PlantError> {
        let err = |e: repm_sinter::SinterError| bad("model (gbd)", "", &e.to_string());
        let hre = self.hre()?;
        let programme = TemperatureProgramme::try_from(self.programme.clone()).map_err(err)?;
        let d = super::ndfeb::NdfebQualityConfig::default();
        let q = ctx.plant.quality.ndfeb().unwrap_or(&d);
        let comp = MagnetComposition::from_mass_fractions(ctx.feed_fractions).map_err(err)?;
        let model = CoercivityModel::default();
        let host = evaluate(&comp, &q.microstructure(), &model).map_err(err)?;
        let data = repm_sinter::data::gbd_data();
        let opts = GbdOptions {
            cells: 60,
            max_time_step: 600.0,
            ..GbdOptions::default()
        };
        let diff = GbdDiffusivity::dy_sintered_ndfeb();
        let per_area = host.density * self.thickness; // kg of magnet per m² of one face
        let mut out = Vec::with_capacity(FACTORS.len());
        for f in FACTORS {
            let applied = f * self.applied_g_per_kg / 1000.0; // kg/kg
            let per_face = applied * per_area / 2.0;
            let setup = GbdSetup {
                thickness: self.thickness,
                coating_per_face: [per_face, per_face],
                loss_fraction: data.process_defaults.loss_fraction,
                surface_mass_fraction: data.process_defaults.surface_mass_fraction,
                magnet_density: host.density,
                grain_size: host.microstructure.grain_size,
            };
            let prof = diffuse(&setup, &diff, &programme, &opts).map_err(err)?;
            let m = host
                .after_gbd(hre, &prof, &GbdCoercivity::default(), &model)
                .map_err(err)?;
            out.push(GbdPoint {
                applied: prof.applied / per_area,
                absorbed: prof.absorbed / per_area,
                lost: prof.lost / per_area,
                dhcj: m.coercivity - host.coercivity,
                br_factor: m.remanence / host.remanence,
            });
        }
        Ok(out)
    }
}

impl StepModelSpec for GbdModelConfig {
    fn uses_sheet_yield(&self) -> bool {
        true
    }

    fn validate(&self, ctx: &BuildContext<'_>, field: &str) -> Result<(), PlantError> {
        let f = |k: &str| format!("{field}.{k}");
        self.hre()
            .map_err(|_| bad(f("element"), &self.element, "must be Tb or Dy"))?;
        check_nonneg(f("applied_g_per_kg"), self.applied_g_per_kg)?;
        if self.applied_g_per_kg > 100.0 {
            return Err(bad(
                f("applied_g_per_kg"),
                self.applied_g_per_kg,
                "must be <= 100",
            ));
        }
        check_positive(f("thickness"), self.thickness)?;
        if self.thickness > 0.1 {
            return Err(bad(f("thickness"), self.thickness, "must be <= 0.1 m"));
        }
        check_nonneg(f("coating_cv"), self.coating_cv)?;
        TemperatureProgramme::try_from(self.programme.clone())
            .map_err(|e| bad(f("programme"), "", &e.to_string()))?;
        if ctx.plant.quality.ndfeb().is_none() {
            return Err(bad(f("kind"), "gbd", "needs the `ndfeb` quality model"));
        }
        Ok(())
    }

    fn build(&self, ctx: &BuildContext<'_>) -> Result<Box<dyn StepModel>, PlantError> {
        Ok(Box::new(GbdModel {
            sheet: SheetModel::of(ctx)?,
            table: self.table(ctx)?,
            hre: self.hre()?,
            cv: self.coating_cv,
        }))
    }
}

/// The runtime GBD model.
#[derive(Debug)]
pub(crate) struct GbdModel {
    sheet: SheetModel,
    table: Vec<GbdPoint>,
    hre: Element,
    cv: f64,
}

impl GbdModel {
    fn at(&self, factor: f64) -> GbdPoint {
        let (k, t) = super::table_bracket(&FACTORS, factor);
        let (a, b) = (self.table[k], self.table[k + 1]);
        let l = |u: f64, v: f64| super::lerp(u, v, t);
        GbdPoint {
            applied: l(a.applied, b.applied),
            absorbed: l(a.absorbed, b.absorbed),
            lost: l(a.lost, b.lost),
            dhcj: l(a.dhcj, b.dhcj),
            br_factor: l(a.br_factor, b.br_factor),
        }
    }
}

impl StepModel for GbdModel {
    fn process(
        &mut self,
        lot: &Lot,
        rng: &mut ChaCha8Rng,
        ids: &mut LotIdSource,
    ) -> Result<BatchOutcome, PlantError> {
        let y = self.sheet.draw_yield(rng);
        let p = self.at(1.0 + self.cv * normal(rng));
        let mut out = self.sheet.split(lot, y, ids)?;
        let Some(mut good) = out.good.take() else {
            return Ok(out);
        };
        let m = good.mass();
        if m <= 0.0 {
            out.good = Some(good);
            return Ok(out);
        }
        let e = self.hre;
        let applied = p.applied * m;
        let absorbed = p.absorbed * m;
        let lost = p.lost * m;
        let residual = (applied - absorbed - lost).max(0.0);
        out.reagents[e] += applied;
        out.losses[e] += lost;
        out.scrap[e] += residual;
        // the rounding remainder of applied − absorbed − lost − residual is zero by construction
        out.losses[e] += applied - absorbed - lost - residual;
        good.add_species(Formula::element(e), absorbed / e.molar_mass())?;
        let mt = good.mass();
        props::set(&mut good, props::GBD_ABSORBED, absorbed / mt);
        props::set(&mut good, props::GBD_DHCJ, p.dhcj);
        props::set(&mut good, props::GBD_BR, p.br_factor);
        good.tags
            .insert(props::GBD_ELEMENT.to_owned(), e.symbol().to_owned());
        out.good = Some(good);
        Ok(out)
    }
}

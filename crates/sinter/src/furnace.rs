//! Batch furnaces (sintering, annealing, GBD) on the `repm-des` event core, and the pure
//! furnace energy model they use (docs/science/sinter.md, eqs. S33–S34).
//!
//! Layer 1 (pure): [`cycle_energy`] — hot-zone losses integrated over the programme plus the
//! sensible heat of charge and fixtures (process-data.md §8).
//! Layer 2 (events): [`HeatTreatFurnace`] — lots arrive on port `charge`; when the waiting
//! mass reaches the batch size (or the longest wait expires) the lots are charged together,
//! the duty's pure model runs, and after the programme's duration (scattered by the model's
//! own random stream, which also draws breakdowns: MTBF/MTTR, repair added to the cycle) the
//! charge leaves on `product`, or on `scrap` when the whole charge is lost (cracks;
//! probability per cycle), with GBD losses on `losses`.

use std::time::Duration;

use rand::Rng;
use repm_des::{Context, DesError, Event, Model, OutPort, Port, Ports};
use repm_material::units::{Mass, TimeSpan};
use repm_material::{Element, ElementVector, Form, LOT_PORT_KIND, Lot, LotIdSource};
use serde::{Deserialize, Serialize};

use crate::anneal::{AnnealResponse, TwoStageAnneal};
use crate::densification::{DensificationModel, GrainGrowth};
use crate::error::{Result, SinterError, in_range, non_negative, positive};
use crate::gbd::{GbdDiffusivity, GbdOptions, GbdSetup, apply_to_lot, diffuse};
use crate::magnet::{
    CoercivityModel, MagnetComposition, Microstructure, evaluate, phase_constitution,
};
use crate::programme::TemperatureProgramme;

/// Furnace thermal parameters (all **est.** unless stated).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FurnaceThermal {
    /// Hot-zone heat loss at the reference temperature \[W\]. Default 100 kW (est.: with an
    /// 800 kg charge and a ~26 h cycle this gives the plant sheet's ~4 kWh/kg, process-data.md
    /// §11.2).
    pub loss_power_reference: f64,
    /// Reference temperature for the loss \[K\]. Default 1353.15 K (1080 °C).
    pub reference_temperature: f64,
    /// Ambient temperature \[K\]. Default 298.15 K.
    pub ambient_temperature: f64,
    /// Specific heat of the charge \[J·kg⁻¹·K⁻¹\]. Default 440 (process-data.md §8).
    pub charge_heat_capacity: f64,
    /// Fixture (boats, racks) heat capacity \[J·K⁻¹\]. Default 0.5 kg/kg of charge × 500 J/(kg·K)
    /// for an 800 kg charge = 2.0e5 J/K (est.).
    pub fixture_heat_capacity: f64,
}

impl Default for FurnaceThermal {
    fn default() -> Self {
        Self {
            loss_power_reference: 100e3,
            reference_temperature: 1353.15,
            ambient_temperature: 298.15,
            charge_heat_capacity: 440.0,
            fixture_heat_capacity: 2.0e5,
        }
    }
}

/// Energy of one furnace cycle \[J\] (eq. S33–S34):
/// E = ∫ P_ref·(T − T_amb)/(T_ref − T_amb) dt + (m·c_p + C_fix)·(T_max − T_amb).
///
/// # Errors
/// [`SinterError::Config`] for invalid parameters or a negative charge mass.
pub fn cycle_energy(
    programme: &TemperatureProgramme,
    charge_mass: f64,
    thermal: &FurnaceThermal,
) -> Result<f64> {
    non_negative("charge mass [kg]", charge_mass)?;
    non_negative("loss_power_reference [W]", thermal.loss_power_reference)?;
    positive("ambient_temperature [K]", thermal.ambient_temperature)?;
    if thermal.reference_temperature <= thermal.ambient_temperature {
        return Err(SinterError::config(
            "reference_temperature [K]",
            thermal.reference_temperature,
            "must exceed the ambient temperature",
        ));
    }
    let k = thermal.loss_power_reference
        / (thermal.reference_temperature - thermal.ambient_temperature);
    // ∫ (T − T_amb) dt over piecewise-linear segments: trapezoid is exact.
    let mut loss = 0.0;
    let knots: Vec<(f64, f64)> = programme.knots().collect();
    for w in knots.windows(2) {
        let (t0, a) = w[0];
        let (t1, b) = w[1];
        let above = 0.5
            * ((a - thermal.ambient_temperature).max(0.0)
                + (b - thermal.ambient_temperature).max(0.0));
        loss += k * above * (t1 - t0);
    }
    let sensible = (charge_mass * thermal.charge_heat_capacity + thermal.fixture_heat_capacity)
        * (programme.peak_temperature() - thermal.ambient_temperature).max(0.0);
    Ok(loss + sensible)
}

/// What the furnace does to a charge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "duty", rename_all = "snake_case", deny_unknown_fields)]
pub enum FurnaceDuty {
    /// Sinter green compacts into as-sintered magnets.
    Sinter {
        /// Temperature programme.
        programme: TemperatureProgramme,
        /// Densification model.
        densification: DensificationModel,
        /// Grain growth.
        grain_growth: GrainGrowth,
        /// Initial (powder) grain size \[m\] (the green-compact form carries no particle size).
        initial_grain_size: f64,
    },
    /// Two-stage anneal of sintered magnets.
    Anneal {
        /// Stages.
        anneal: TwoStageAnneal,
        /// Heating/cooling rate \[K·s⁻¹\].
        rate: f64,
        /// Response model.
        response: AnnealResponse,
        /// Whether the magnets were GBD-treated (lower optimum).
        after_gbd: bool,
    },
    /// Grain-boundary diffusion of coated magnets.
    Gbd {
        /// Dy or Tb.
        hre: Element,
        /// Coating per face \[kg·m⁻²\].
        coating_per_face: f64,
        /// Magnet thickness \[m\].
        thickness: f64,
        /// Diffusion programme.
        programme: TemperatureProgramme,
    },
}

impl FurnaceDuty {
    /// The temperature programme of one cycle (anneal: built from the stages from 298.15 K).
    ///
    /// # Errors
    /// Programme construction errors.
    pub fn programme(&self) -> Result<TemperatureProgramme> {
        match self {
            FurnaceDuty::Sinter { programme, .. } | FurnaceDuty::Gbd { programme, .. } => {
                Ok(programme.clone())
            }
            FurnaceDuty::Anneal { anneal, rate, .. } => anneal.programme(298.15, *rate),
        }
    }
}

/// Event-level settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FurnaceConfig {
    /// The duty.
    pub duty: FurnaceDuty,
    /// Charge mass that starts a cycle. Default 800 kg (process-data.md §11.2, est.).
    pub batch_mass: Mass,
    /// Longest a partial charge waits before the furnace starts anyway. Default 8 h (est.).
    pub max_wait: TimeSpan,
    /// Loading + unloading time added to the programme. Default 1 h (est.).
    pub handling_time: TimeSpan,
    /// Coefficient of variation of the cycle time \[-\]. Default 0.03 (est.).
    pub cycle_cv: f64,
    /// Probability the whole charge is scrapped (cracks, leaks) per cycle \[-\]. Default 0.005
    /// (process-data.md §11.3, est.).
    pub charge_scrap_probability: f64,
    /// Mean time between breakdowns (vacuum leak, heater) while running. Default 2000 h
    /// (process-data.md §11.3, est.).
    pub mtbf: TimeSpan,
    /// Mean time to repair. Default 24 h (process-data.md §11.3, est.).
    pub mttr: TimeSpan,
    /// Thermal parameters.
    pub thermal: FurnaceThermal,
    /// Coercivity model for the magnet properties written into the lots.
    pub coercivity: CoercivityModel,
}

impl FurnaceConfig {
    /// Defaults named in the field docs around a duty.
    #[must_use]
    pub fn new(duty: FurnaceDuty) -> Self {
        Self {
            duty,
            batch_mass: Mass::from_si(800.0),
            max_wait: TimeSpan::from_si(8.0 * 3600.0),
            handling_time: TimeSpan::from_si(3600.0),
            cycle_cv: 0.03,
            charge_scrap_probability: 0.005,
            mtbf: TimeSpan::from_si(2000.0 * 3600.0),
            mttr: TimeSpan::from_si(24.0 * 3600.0),
            thermal: FurnaceThermal::default(),
            coercivity: CoercivityModel::default(),
        }
    }

    /// Validate.
    ///
    /// # Errors
    /// [`SinterError::Config`] naming the bad field.
    pub fn validate(&self) -> Result<()> {
        positive("batch_mass [kg]", self.batch_mass.si())?;
        positive("max_wait [s]", self.max_wait.si())?;
        non_negative("handling_time [s]", self.handling_time.si())?;
        in_range("cycle_cv [-]", self.cycle_cv, 0.0, 0.5)?;
        in_range(
            "charge_scrap_probability [-]",
            self.charge_scrap_probability,
            0.0,
            1.0,
        )?;
        self.duty.programme().map(|_| ())
    }
}

/// Lot tag carrying the alignment factor ⟨cos θ⟩ from pressing through sintering (the
/// sintered-magnet form has no alignment field).
pub const ALIGNMENT_TAG: &str = "alignment";

/// Outcome of processing one charge (pure; used by the event model and usable alone).
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeOutcome {
    /// The processed charge.
    pub product: Lot,
    /// GBD losses (lost + residual coating), if any.
    pub losses: Vec<Lot>,
    /// Heavy RE applied as coating \[kg\] per element (an input of the balance).
    pub applied: ElementVector,
    /// Programme duration \[s\].
    pub programme_duration: f64,
    /// Energy of the cycle \[J\].
    pub energy: f64,
}

fn alignment_of(lot: &Lot) -> f64 {
    lot.tags
        .get(ALIGNMENT_TAG)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.96)
}

/// Process one charge through the duty (pure: no clock, no RNG).
///
/// # Errors
/// [`SinterError::Validity`] if the lot has the wrong form for the duty; model errors.
pub fn process_charge(
    cfg: &FurnaceConfig,
    charge: &Lot,
    ids: &mut LotIdSource,
) -> Result<ChargeOutcome> {
    let programme = cfg.duty.programme()?;
    let energy = cycle_energy(&programme, charge.mass(), &cfg.thermal)?;
    let comp = MagnetComposition::from_lot(charge)?;
    let phases = phase_constitution(&comp)?;
    let mut applied = ElementVector::zeros();
    let mut losses = Vec::new();
    let product = match (&cfg.duty, &charge.form) {
        (
            FurnaceDuty::Sinter {
                densification,
                grain_growth,
                initial_grain_size,
                ..
            },
            Form::GreenCompact { density, alignment },
        ) => {
            let green = density / phases.theoretical_density;
            let r = densification.densify(green, phases.re_rich, &programme)?;
            let d = grain_growth.grow(*initial_grain_size, &programme)?;
            let micro = Microstructure {
                relative_density: r.relative_density,
                grain_size: d,
                alignment: *alignment,
                anneal_factor: AnnealResponse::default().as_sintered_factor,
            };
            let m = evaluate(&comp, &micro, &cfg.coercivity)?;
            let form = Form::SinteredMagnet {
                density: m.density,
                grain_size: d,
                remanence: Some(m.remanence),
                coercivity: Some(m.coercivity),
            };
            Lot::from_element_masses(ids.next(), form, &charge.element_masses())?
                .with_parents(vec![charge.id])
                .with_tag(ALIGNMENT_TAG, format!("{alignment}"))
        }
        (
            FurnaceDuty::Anneal {
                anneal,
                response,
                after_gbd,
                ..
            },
            Form::SinteredMagnet {
                density,
                grain_size,
                ..
            },
        ) => {
            let a = response.factor(anneal, *after_gbd)?;
            let micro = Microstructure {
                relative_density: (density / phases.theoretical_density).min(1.0),
                grain_size: *grain_size,
                alignment: alignment_of(charge),
                anneal_factor: a,
            };
            let m = evaluate(&comp, &micro, &cfg.coercivity)?;
            let mut lot = charge.clone();
            lot.id = ids.next();
            lot.parents = vec![charge.id];
            lot.form = Form::SinteredMagnet {
                density: *density,
                grain_size: *grain_size,
                remanence: Some(m.remanence),
                coercivity: Some(m.coercivity),
            };
            lot
        }
        (
            FurnaceDuty::Gbd {
                hre,
                coating_per_face,
                thickness,
                ..
            },
            Form::SinteredMagnet {
                density,
                grain_size,
                ..
            },
        ) => {
            let d = crate::data::gbd_data();
            let setup = GbdSetup {
                thickness: *thickness,
                coating_per_face: [*coating_per_face, *coating_per_face],
                loss_fraction: d.process_defaults.loss_fraction,
                surface_mass_fraction: d.process_defaults.surface_mass_fraction,
                magnet_density: *density,
                grain_size: *grain_size,
            };
            let prof = diffuse(
                &setup,
                &GbdDiffusivity::dy_sintered_ndfeb(),
                &programme,
                &GbdOptions {
                    cells: 80,
                    ..GbdOptions::default()
                },
            )?;
            let lots = apply_to_lot(
                charge,
                *hre,
                &prof,
                *thickness,
                *density,
                [ids.next(), ids.next(), ids.next()],
            )?;
            applied = lots.applied;
            losses = vec![lots.lost, lots.residual];
            let mut m = lots.magnets;
            m.tags = charge.tags.clone();
            m
        }
        (duty, form) => {
            return Err(SinterError::Validity {
                what: "furnace charge",
                detail: format!(
                    "a {} charge cannot go through a {} duty",
                    form.kind(),
                    match duty {
                        FurnaceDuty::Sinter { .. } => "sinter",
                        FurnaceDuty::Anneal { .. } => "anneal",
                        FurnaceDuty::Gbd { .. } => "gbd",
                    }
                ),
            });
        }
    };
    Ok(ChargeOutcome {
        product,
        losses,
        applied,
        programme_duration: programme.duration(),
        energy,
    })
}

/// Statistics of a furnace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FurnaceStats {
    /// Cycles completed.
    pub cycles: u64,
    /// Charges scrapped.
    pub scrapped_cycles: u64,
    /// Mass received \[kg\].
    pub mass_in: f64,
    /// Product mass sent \[kg\].
    pub product_mass: f64,
    /// Scrap mass sent \[kg\].
    pub scrap_mass: f64,
    /// Energy used \[J\].
    pub energy: f64,
    /// Time busy \[s\] (cycles plus repairs).
    pub busy_time: f64,
    /// Breakdowns.
    pub breakdowns: u64,
    /// Time under repair \[s\].
    pub repair_time: f64,
    /// Heavy RE applied as GBD coating \[kg\] per element (an extra input of the balance).
    pub applied: ElementVector,
}

const TAG_DONE: u64 = 1;
const TAG_WAIT: u64 = 2;

fn des_err(e: impl std::fmt::Display) -> DesError {
    DesError::model(e.to_string())
}

/// A batch heat-treatment furnace on the event core. Input port `charge`; outputs `product`,
/// `scrap`, `losses`.
#[derive(Debug)]
pub struct HeatTreatFurnace {
    cfg: FurnaceConfig,
    ids: LotIdSource,
    waiting: Vec<Lot>,
    busy: bool,
    pending: Vec<(u16, Lot)>,
    /// Statistics.
    pub stats: FurnaceStats,
}

impl HeatTreatFurnace {
    /// Build.
    ///
    /// # Errors
    /// [`SinterError::Config`] for an invalid configuration.
    pub fn new(cfg: FurnaceConfig, ids: LotIdSource) -> Result<Self> {
        cfg.validate()?;
        Ok(Self {
            cfg,
            ids,
            waiting: Vec::new(),
            busy: false,
            pending: Vec::new(),
            stats: FurnaceStats::default(),
        })
    }

    fn start<M>(&mut self, ctx: &mut Context<'_, M>, force: bool) -> repm_des::Result<()> {
        if self.busy || self.waiting.is_empty() {
            return Ok(());
        }
        let mass: f64 = self.waiting.iter().map(Lot::mass).sum();
        if mass < self.cfg.batch_mass.si() && !force {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.waiting);
        let charge = if batch.len() == 1 {
            batch.into_iter().next().expect("one lot")
        } else {
            let form = batch[0].form.clone();
            let tags = batch[0].tags.clone();
            let mut l = Lot::mix_as(batch.iter(), self.ids.next(), form).map_err(des_err)?;
            l.tags = tags;
            l
        };
        let out = process_charge(&self.cfg, &charge, &mut self.ids).map_err(des_err)?;
        let u: f64 = ctx.rng().random();
        let scrap = ctx.rng().random::<f64>() < self.cfg.charge_scrap_probability;
        let scatter = 1.0 + self.cfg.cycle_cv * 3f64.sqrt() * (2.0 * u - 1.0);
        let mut dur = (out.programme_duration + self.cfg.handling_time.si()) * scatter;
        // Breakdown during the cycle with probability 1 − exp(−dur/MTBF); the repair time is
        // exponential with mean MTTR and is added to the cycle (the charge waits, est.).
        let p_fail = 1.0 - (-dur / self.cfg.mtbf.si()).exp();
        if ctx.rng().random::<f64>() < p_fail {
            let v: f64 = ctx.rng().random();
            let repair = -self.cfg.mttr.si() * (1.0 - v).ln();
            dur += repair;
            self.stats.breakdowns += 1;
            self.stats.repair_time += repair;
            tracing::debug!(repair_s = repair, "furnace breakdown");
        }
        self.stats.energy += out.energy;
        self.stats.applied += out.applied;
        self.stats.busy_time += dur;
        self.pending.clear();
        if scrap {
            let mut s = out.product;
            s.form = Form::Scrap;
            self.pending.push((1, s));
            self.stats.scrapped_cycles += 1;
        } else {
            self.pending.push((0, out.product));
        }
        for l in out.losses {
            self.pending.push((2, l));
        }
        self.busy = true;
        let d = Duration::try_from_secs_f64(dur).map_err(des_err)?;
        ctx.schedule_in(d, TAG_DONE)?;
        tracing::info!(lot = %charge.id, mass = charge.mass(), scrap, "furnace cycle started");
        Ok(())
    }
}

impl<M: From<Lot> + TryInto<Lot> + 'static> Model<M> for HeatTreatFurnace {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("charge", LOT_PORT_KIND)];
        const OUT: &[Port] = &[
            Port::typed("product", LOT_PORT_KIND),
            Port::typed("scrap", LOT_PORT_KIND),
            Port::typed("losses", LOT_PORT_KIND),
        ];
        Ports {
            inputs: IN,
            outputs: OUT,
        }
    }

    fn handle(&mut self, ctx: &mut Context<'_, M>, event: Event<M>) -> repm_des::Result<()> {
        match event {
            Event::Message { msg, .. } => {
                let lot: Lot = msg
                    .try_into()
                    .map_err(|_| des_err("message is not a Lot"))?;
                self.stats.mass_in += lot.mass();
                let first = self.waiting.is_empty();
                self.waiting.push(lot);
                if first && !self.busy {
                    let d = Duration::try_from_secs_f64(self.cfg.max_wait.si()).map_err(des_err)?;
                    ctx.schedule_in(d, TAG_WAIT)?;
                }
                self.start(ctx, false)
            }
            Event::Timer { tag: TAG_DONE } => {
                for (port, lot) in std::mem::take(&mut self.pending) {
                    let m = lot.mass();
                    match port {
                        0 => self.stats.product_mass += m,
                        1 => self.stats.scrap_mass += m,
                        _ => {}
                    }
                    let p = OutPort(port);
                    if ctx.is_connected(p) {
                        ctx.send(p, M::from(lot))?;
                    }
                }
                self.stats.cycles += 1;
                self.busy = false;
                if !self.waiting.is_empty() {
                    let d = Duration::try_from_secs_f64(self.cfg.max_wait.si()).map_err(des_err)?;
                    ctx.schedule_in(d, TAG_WAIT)?;
                }
                self.start(ctx, false)
            }
            Event::Timer { tag: TAG_WAIT } => self.start(ctx, true),
            Event::Timer { .. } => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn energy_of_an_isothermal_hold() {
        let t = FurnaceThermal::default();
        let p = TemperatureProgramme::starting_at(t.reference_temperature)
            .unwrap()
            .hold(3600.0)
            .unwrap();
        let e = cycle_energy(&p, 0.0, &t).unwrap();
        let sensible = t.fixture_heat_capacity * (t.reference_temperature - t.ambient_temperature);
        assert_relative_eq!(
            e,
            t.loss_power_reference * 3600.0 + sensible,
            max_relative = 1e-12
        );
    }
}

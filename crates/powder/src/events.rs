//! Event wrappers: the pure models as `repm-des` models exchanging `repm_material::Lot`s.
//!
//! Each wrapper is a thin layer (DESIGN.md "Physics first, events second"): lots arrive on an
//! input port, the pure model computes the outputs at once, a timer for the processing time is
//! scheduled, and the output lots leave on the output ports when it fires. Randomness (cycle-time
//! scatter, heat failures, O-excursion events) comes only from the model's own stream
//! (`ctx.rng()`), so runs are reproducible per (seed, replication). Outputs on unconnected ports
//! are dropped and counted in the model's statistics (e.g. off-gas to a scrubber not modelled).
//!
//! Message type: any `M: From<Lot> + TryInto<Lot>`; a message that is not a lot is an error.
//!
//! | model | inputs | outputs | timing |
//! |---|---|---|---|
//! | [`StripCasterModel`] | `melt` | `flakes`, `loss` | pour time + turnaround per heat; a failed heat goes to `loss` (remelt) and the caster is repaired |
//! | [`HdFurnaceModel`] | `charge` | `powder`, `reject`, `offgas` | batches of ≥ `batch_mass` (or what waited `max_wait`), prep + absorption + degassing + cooling |
//! | [`JetMillModel`] | `feed` | `powder`, `fines`, `offgas` | continuous: one lot after another at the steady-state feed rate |
//! | [`PressModel`] | `powder` | `compacts`, `loss` | strokes × cycle time |

use std::collections::VecDeque;
use std::time::Duration;

use rand::Rng;
use repm_des::{Context, DesError, Event, Model, OutPort, Port, Ports};
use repm_material::units::{Mass, TimeSpan};
use repm_material::{ElementVector, LOT_PORT_KIND, Lot, LotIdSource};
use serde::{Deserialize, Serialize};

use crate::error::{PowderError, check_nonneg, check_range};
use crate::hd::HdFurnace;
use crate::jet_mill::JetMill;
use crate::lots;
use crate::press::FieldPress;
use crate::strip_cast::StripCaster;

const TAG_DONE: u64 = 1;
const TAG_WAIT: u64 = 2;
const TAG_REPAIRED: u64 = 3;

fn des_err(e: impl std::fmt::Display) -> DesError {
    DesError::model(e.to_string())
}

fn secs(s: f64) -> repm_des::Result<Duration> {
    if s.is_finite() && s >= 0.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(des_err(format!("invalid duration {s} s")))
    }
}

fn take_lot<M: TryInto<Lot>>(ev: Event<M>) -> repm_des::Result<Option<Lot>> {
    match ev {
        Event::Message { msg, .. } => msg
            .try_into()
            .map(Some)
            .map_err(|_| des_err("message is not a Lot")),
        Event::Timer { .. } => Ok(None),
    }
}

/// Uniform scatter factor with mean 1 and coefficient of variation `cv` (`1 + cv·√3·(2u − 1)`).
fn scatter<R: Rng + ?Sized>(rng: &mut R, cv: f64) -> f64 {
    if cv <= 0.0 {
        return 1.0;
    }
    let u: f64 = rng.random();
    1.0 + cv * 3f64.sqrt() * (2.0 * u - 1.0)
}

/// Output statistics shared by the wrappers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitStats {
    /// Lots received \[-\].
    pub lots_in: u64,
    /// Mass received \[kg\].
    pub mass_in: f64,
    /// Jobs (heats, batches, lots) completed \[-\].
    pub jobs: u64,
    /// Mass sent on the main product port \[kg\].
    pub product_mass: f64,
    /// Mass sent on loss/reject/fines ports \[kg\].
    pub loss_mass: f64,
    /// Mass dropped because the port was not connected \[kg\].
    pub dropped_mass: f64,
    /// Busy time \[s\].
    pub busy_time: f64,
    /// Failed jobs \[-\].
    pub failures: u64,
}

impl UnitStats {
    /// Count a lot received.
    fn count_in(&mut self, lot: &Lot) {
        self.lots_in += 1;
        self.mass_in += lot.mass();
    }
}

fn emit<M: From<Lot>>(
    ctx: &mut Context<'_, M>,
    port: usize,
    lot: Lot,
    stats: &mut UnitStats,
    product: bool,
) -> repm_des::Result<()> {
    let m = lot.mass();
    let p = OutPort(port as u16);
    if ctx.is_connected(p) {
        ctx.send(p, M::from(lot))?;
        if product {
            stats.product_mass += m;
        } else {
            stats.loss_mass += m;
        }
    } else {
        stats.dropped_mass += m;
    }
    Ok(())
}

/// Emit every lot a finished job left pending (see [`emit`]).
fn emit_all<M: From<Lot>>(
    ctx: &mut Context<'_, M>,
    pending: &mut Vec<(usize, Lot, bool)>,
    stats: &mut UnitStats,
) -> repm_des::Result<()> {
    for (port, lot, product) in std::mem::take(pending) {
        emit(ctx, port, lot, stats, product)?;
    }
    Ok(())
}

/// The tag of a timer event (`None` for a message).
fn timer_tag<M>(event: &Event<M>) -> Option<u64> {
    match event {
        Event::Timer { tag } => Some(*tag),
        Event::Message { .. } => None,
    }
}

// ------------------------------------------------------------------------------------------

/// Timing and failure settings of the strip caster (defaults process-data.md §11.2–11.3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StripCasterEvents {
    /// Minimum heat cycle (melt, pour, turnaround) \[s\]. Default 5400 (~1.5 h/heat, est.).
    pub heat_cycle: TimeSpan,
    /// Probability that a heat fails (nozzle/wheel) \[-\]. Default 0.02.
    pub failure_probability: f64,
    /// Repair time after a failed heat \[s\]. Default 14 400 (MTTR 4 h).
    pub repair_time: TimeSpan,
}

impl Default for StripCasterEvents {
    fn default() -> Self {
        Self {
            heat_cycle: TimeSpan::from_si(5400.0),
            failure_probability: 0.02,
            repair_time: TimeSpan::from_si(14_400.0),
        }
    }
}

/// A strip caster on the event core. Inputs `melt`; outputs `flakes`, `loss`.
#[derive(Debug)]
pub struct StripCasterModel {
    caster: StripCaster,
    cfg: StripCasterEvents,
    ids: LotIdSource,
    queue: VecDeque<Lot>,
    busy: bool,
    pending: Vec<(usize, Lot, bool)>,
    /// Statistics.
    pub stats: UnitStats,
}

impl StripCasterModel {
    /// Build; `ids` allocates the output lot ids (give each model its own range).
    ///
    /// # Errors
    /// [`PowderError::Config`] for invalid timing.
    pub fn new(
        caster: StripCaster,
        cfg: StripCasterEvents,
        ids: LotIdSource,
    ) -> Result<Self, PowderError> {
        check_nonneg("strip_cast_events.heat_cycle.si()", cfg.heat_cycle.si())?;
        check_range(
            "strip_cast_events.failure_probability",
            cfg.failure_probability,
            0.0,
            1.0,
        )?;
        check_nonneg("strip_cast_events.repair_time.si()", cfg.repair_time.si())?;
        Ok(Self {
            caster,
            cfg,
            ids,
            queue: VecDeque::new(),
            busy: false,
            pending: Vec::new(),
            stats: UnitStats::default(),
        })
    }

    fn start<M>(&mut self, ctx: &mut Context<'_, M>) -> repm_des::Result<()> {
        if self.busy {
            return Ok(());
        }
        let Some(melt) = self.queue.pop_front() else {
            return Ok(());
        };
        self.busy = true;
        let failed = ctx.rng().random::<f64>() < self.cfg.failure_probability;
        let (r, flakes, loss) = lots::cast(&self.caster, &melt, &mut self.ids).map_err(des_err)?;
        let dur = r.pour_time.max(self.cfg.heat_cycle.si());
        if failed {
            // the whole heat goes back to the melt shop; then repair
            let scrap = melt
                .clone()
                .with_id(self.ids.next())
                .with_parents(vec![melt.id])
                .with_tag("failed_heat", "true");
            self.pending = vec![(1, scrap, false)];
            self.stats.failures += 1;
            ctx.schedule_in(secs(r.pour_time)?, TAG_REPAIRED)?;
            self.stats.busy_time += r.pour_time + self.cfg.repair_time.si();
            tracing::info!(lot = %melt.id, "strip caster: heat failed");
        } else {
            self.pending = vec![(0, flakes, true), (1, loss, false)];
            ctx.schedule_in(secs(dur)?, TAG_DONE)?;
            self.stats.busy_time += dur;
        }
        Ok(())
    }
}

impl<M: From<Lot> + TryInto<Lot> + 'static> Model<M> for StripCasterModel {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("melt", LOT_PORT_KIND)];
        const OUT: &[Port] = &[
            Port::typed("flakes", LOT_PORT_KIND),
            Port::typed("loss", LOT_PORT_KIND),
        ];
        Ports {
            inputs: IN,
            outputs: OUT,
        }
    }

    fn handle(&mut self, ctx: &mut Context<'_, M>, event: Event<M>) -> repm_des::Result<()> {
        let tag = timer_tag(&event);
        if let Some(lot) = take_lot(event)? {
            self.stats.count_in(&lot);
            self.queue.push_back(lot);
            return self.start(ctx);
        }
        match tag {
            Some(TAG_DONE) => {
                emit_all(ctx, &mut self.pending, &mut self.stats)?;
                self.stats.jobs += 1;
                self.busy = false;
                self.start(ctx)
            }
            Some(TAG_REPAIRED) => {
                // pour time of the failed heat elapsed: send it back, then repair
                emit_all(ctx, &mut self.pending, &mut self.stats)?;
                ctx.schedule_in(secs(self.cfg.repair_time.si())?, TAG_DONE)?;
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

// ------------------------------------------------------------------------------------------

/// Timing and batching of the HD furnace (defaults process-data.md §2, §11.2, est.).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HdFurnaceEvents {
    /// Batch size \[kg\]: a batch starts when this much waits. Default 1000.
    pub batch_mass: Mass,
    /// Longest wait before a partial batch starts \[s\]. Default 14 400.
    pub max_wait: TimeSpan,
    /// Loading and evacuation \[s\]. Default 3600.
    pub prep_time: TimeSpan,
    /// Heating to and hold at the degassing temperature \[s\]. Default 14 400.
    pub degas_time: TimeSpan,
    /// Cooling and unloading \[s\]. Default 7200 (with 3 h absorption: ~12 h per cycle, §11.2).
    pub cool_time: TimeSpan,
    /// Coefficient of variation of the cycle time \[-\]. Default 0.05 (est.).
    pub cycle_cv: f64,
    /// H₂ supplied per batch as a multiple of the saturating demand \[-\]. Default 1.2.
    pub h2_excess: f64,
    /// Coating of EoL lots per kg of lot \[kg·kg⁻¹\] by element (e.g. Ni 0.0125, Cu 0.0025).
    /// Default none.
    pub eol_coating: ElementVector,
}

impl Default for HdFurnaceEvents {
    fn default() -> Self {
        Self {
            batch_mass: Mass::from_si(1000.0),
            max_wait: TimeSpan::from_si(14_400.0),
            prep_time: TimeSpan::from_si(3600.0),
            degas_time: TimeSpan::from_si(14_400.0),
            cool_time: TimeSpan::from_si(7200.0),
            cycle_cv: 0.05,
            h2_excess: 1.2,
            eol_coating: ElementVector::zeros(),
        }
    }
}

/// A batch HD furnace on the event core. Input `charge`; outputs `powder`, `reject`, `offgas`.
///
/// Lots of the same form kind are batched (flakes with flakes, scrap with scrap) and mixed into
/// one charge; the pure model runs at the start of the cycle and the lots leave at its end.
#[derive(Debug)]
pub struct HdFurnaceModel {
    furnace: HdFurnace,
    cfg: HdFurnaceEvents,
    ids: LotIdSource,
    waiting: Vec<Lot>,
    busy: bool,
    pending: Vec<(usize, Lot, bool)>,
    /// Statistics.
    pub stats: UnitStats,
    /// Peak charge temperature of each batch \[K\].
    pub peak_temperatures: Vec<f64>,
    /// Element masses of the H₂ fed \[kg\] (an input of the element balance).
    pub h2_fed: ElementVector,
}

impl HdFurnaceModel {
    /// Build.
    ///
    /// # Errors
    /// [`PowderError::Config`] for invalid settings.
    pub fn new(
        furnace: HdFurnace,
        cfg: HdFurnaceEvents,
        ids: LotIdSource,
    ) -> Result<Self, PowderError> {
        check_nonneg("hd_events.batch_mass.si()", cfg.batch_mass.si())?;
        check_nonneg("hd_events.max_wait.si()", cfg.max_wait.si())?;
        check_nonneg("hd_events.prep_time.si()", cfg.prep_time.si())?;
        check_nonneg("hd_events.degas_time.si()", cfg.degas_time.si())?;
        check_nonneg("hd_events.cool_time.si()", cfg.cool_time.si())?;
        check_range("hd_events.cycle_cv", cfg.cycle_cv, 0.0, 0.5)?;
        check_range("hd_events.h2_excess", cfg.h2_excess, 0.0, 10.0)?;
        if let Some((e, x)) = cfg.eol_coating.first_invalid() {
            return Err(crate::error::config_err(
                &format!("hd_events.eol_coating[{}]", e.symbol()),
                x,
                "must be finite and >= 0",
            ));
        }
        Ok(Self {
            furnace,
            cfg,
            ids,
            waiting: Vec::new(),
            busy: false,
            pending: Vec::new(),
            stats: UnitStats::default(),
            peak_temperatures: Vec::new(),
            h2_fed: ElementVector::zeros(),
        })
    }

    fn start<M>(&mut self, ctx: &mut Context<'_, M>, force: bool) -> repm_des::Result<()> {
        if self.busy || self.waiting.is_empty() {
            return Ok(());
        }
        let kind = self.waiting[0].form.kind();
        let same: f64 = self
            .waiting
            .iter()
            .filter(|l| l.form.kind() == kind)
            .map(Lot::mass)
            .sum();
        if same < self.cfg.batch_mass.si() && !force {
            return Ok(());
        }
        let mut batch = Vec::new();
        let mut mass = 0.0;
        let mut rest = Vec::new();
        for l in std::mem::take(&mut self.waiting) {
            if l.form.kind() == kind && (mass < self.cfg.batch_mass.si() || batch.is_empty()) {
                mass += l.mass();
                batch.push(l);
            } else {
                rest.push(l);
            }
        }
        self.waiting = rest;
        let charge = if batch.len() == 1 {
            batch.pop().expect("one lot")
        } else {
            let form = batch[0].form.clone();
            Lot::mix_as(batch.iter(), self.ids.next(), form).map_err(des_err)?
        };
        let coating = self.cfg.eol_coating * charge.mass();
        let out = lots::decrepitate(
            &self.furnace,
            &charge,
            &coating,
            self.cfg.h2_excess,
            &mut self.ids,
        )
        .map_err(des_err)?;
        self.peak_temperatures.push(out.result.peak_temperature);
        self.h2_fed += out.h2_in.element_masses();
        self.pending = vec![(0, out.powder, true), (2, out.offgas, false)];
        if let Some(r) = out.reject {
            self.pending.push((1, r, false));
        }
        let c = self.furnace.config();
        let nominal = self.cfg.prep_time.si()
            + c.absorption_time.si()
            + self.cfg.degas_time.si()
            + self.cfg.cool_time.si();
        let dur = nominal * scatter(ctx.rng(), self.cfg.cycle_cv);
        self.busy = true;
        self.stats.busy_time += dur;
        ctx.schedule_in(secs(dur)?, TAG_DONE)?;
        tracing::info!(lot = %charge.id, mass = charge.mass(), "HD batch started");
        Ok(())
    }
}

impl<M: From<Lot> + TryInto<Lot> + 'static> Model<M> for HdFurnaceModel {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("charge", LOT_PORT_KIND)];
        const OUT: &[Port] = &[
            Port::typed("powder", LOT_PORT_KIND),
            Port::typed("reject", LOT_PORT_KIND),
            Port::typed("offgas", LOT_PORT_KIND),
        ];
        Ports {
            inputs: IN,
            outputs: OUT,
        }
    }

    fn handle(&mut self, ctx: &mut Context<'_, M>, event: Event<M>) -> repm_des::Result<()> {
        let tag = timer_tag(&event);
        if let Some(lot) = take_lot(event)? {
            self.stats.count_in(&lot);
            let first = self.waiting.is_empty();
            self.waiting.push(lot);
            if first && !self.busy {
                ctx.schedule_in(secs(self.cfg.max_wait.si())?, TAG_WAIT)?;
            }
            return self.start(ctx, false);
        }
        match tag {
            Some(TAG_DONE) => {
                emit_all(ctx, &mut self.pending, &mut self.stats)?;
                self.stats.jobs += 1;
                self.busy = false;
                if !self.waiting.is_empty() {
                    ctx.schedule_in(secs(self.cfg.max_wait.si())?, TAG_WAIT)?;
                }
                self.start(ctx, false)
            }
            Some(TAG_WAIT) => self.start(ctx, true),
            _ => Ok(()),
        }
    }
}

// ------------------------------------------------------------------------------------------

/// Event settings of the jet mill (defaults process-data.md §11.3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JetMillEvents {
    /// Probability of an O-pickup event per lot (lot tagged `quality = downgraded`) \[-\].
    /// Default 0.005.
    pub o_event_probability: f64,
}

impl Default for JetMillEvents {
    fn default() -> Self {
        Self {
            o_event_probability: 0.005,
        }
    }
}

/// A continuous jet mill on the event core: lots are milled one after another at the
/// steady-state feed rate of the pure model (the hold-up is assumed at steady state; use
/// [`JetMill::advance`] for start-up transients). Input `feed`; outputs `powder`, `fines`,
/// `offgas`.
#[derive(Debug)]
pub struct JetMillModel {
    mill: JetMill,
    cfg: JetMillEvents,
    ids: LotIdSource,
    queue: VecDeque<Lot>,
    busy: bool,
    pending: Vec<(usize, Lot, bool)>,
    /// Statistics.
    pub stats: UnitStats,
    /// Energy used \[J\].
    pub energy: f64,
    /// Element masses of the milling gas used \[kg\] (an input of the element balance).
    pub gas_used: ElementVector,
    /// Downgraded lots \[-\].
    pub downgraded: u64,
}

impl JetMillModel {
    /// Build.
    ///
    /// # Errors
    /// [`PowderError::Config`] for an invalid probability.
    pub fn new(mill: JetMill, cfg: JetMillEvents, ids: LotIdSource) -> Result<Self, PowderError> {
        check_range(
            "jet_mill_events.o_event_probability",
            cfg.o_event_probability,
            0.0,
            1.0,
        )?;
        Ok(Self {
            mill,
            cfg,
            ids,
            queue: VecDeque::new(),
            busy: false,
            pending: Vec::new(),
            stats: UnitStats::default(),
            energy: 0.0,
            gas_used: ElementVector::zeros(),
            downgraded: 0,
        })
    }

    fn start<M>(&mut self, ctx: &mut Context<'_, M>) -> repm_des::Result<()> {
        if self.busy {
            return Ok(());
        }
        let Some(feed) = self.queue.pop_front() else {
            return Ok(());
        };
        let out = lots::mill(&self.mill, &feed, &mut self.ids).map_err(des_err)?;
        let mut product = out.product;
        if ctx.rng().random::<f64>() < self.cfg.o_event_probability {
            product = product.with_tag("quality", "downgraded");
            self.downgraded += 1;
        }
        let dur = out.result.duration;
        self.energy += out.result.steady.power * dur;
        self.gas_used += out.gas_in.element_masses();
        self.pending = vec![
            (0, product, true),
            (1, out.fines, false),
            (2, out.gas_out, false),
        ];
        self.busy = true;
        self.stats.busy_time += dur;
        ctx.schedule_in(secs(dur)?, TAG_DONE)?;
        Ok(())
    }
}

impl<M: From<Lot> + TryInto<Lot> + 'static> Model<M> for JetMillModel {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("feed", LOT_PORT_KIND)];
        const OUT: &[Port] = &[
            Port::typed("powder", LOT_PORT_KIND),
            Port::typed("fines", LOT_PORT_KIND),
            Port::typed("offgas", LOT_PORT_KIND),
        ];
        Ports {
            inputs: IN,
            outputs: OUT,
        }
    }

    fn handle(&mut self, ctx: &mut Context<'_, M>, event: Event<M>) -> repm_des::Result<()> {
        let tag = timer_tag(&event);
        if let Some(lot) = take_lot(event)? {
            self.stats.count_in(&lot);
            self.queue.push_back(lot);
            return self.start(ctx);
        }
        if tag == Some(TAG_DONE) {
            emit_all(ctx, &mut self.pending, &mut self.stats)?;
            self.stats.jobs += 1;
            self.busy = false;
            return self.start(ctx);
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------

/// A field press on the event core. Input `powder`; outputs `compacts`, `loss`.
#[derive(Debug)]
pub struct PressModel {
    press: FieldPress,
    ids: LotIdSource,
    queue: VecDeque<Lot>,
    busy: bool,
    pending: Vec<(usize, Lot, bool)>,
    /// Statistics.
    pub stats: UnitStats,
}

impl PressModel {
    /// Build.
    pub fn new(press: FieldPress, ids: LotIdSource) -> Self {
        Self {
            press,
            ids,
            queue: VecDeque::new(),
            busy: false,
            pending: Vec::new(),
            stats: UnitStats::default(),
        }
    }

    fn start<M>(&mut self, ctx: &mut Context<'_, M>) -> repm_des::Result<()> {
        if self.busy {
            return Ok(());
        }
        let Some(powder) = self.queue.pop_front() else {
            return Ok(());
        };
        let out = lots::press(&self.press, &powder, &mut self.ids).map_err(des_err)?;
        let dur = out.result.duration;
        self.pending = vec![(0, out.compacts, true), (1, out.loss, false)];
        self.busy = true;
        self.stats.busy_time += dur;
        ctx.schedule_in(secs(dur)?, TAG_DONE)?;
        Ok(())
    }
}

impl<M: From<Lot> + TryInto<Lot> + 'static> Model<M> for PressModel {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("powder", LOT_PORT_KIND)];
        const OUT: &[Port] = &[
            Port::typed("compacts", LOT_PORT_KIND),
            Port::typed("loss", LOT_PORT_KIND),
        ];
        Ports {
            inputs: IN,
            outputs: OUT,
        }
    }

    fn handle(&mut self, ctx: &mut Context<'_, M>, event: Event<M>) -> repm_des::Result<()> {
        let tag = timer_tag(&event);
        if let Some(lot) = take_lot(event)? {
            self.stats.count_in(&lot);
            self.queue.push_back(lot);
            return self.start(ctx);
        }
        if tag == Some(TAG_DONE) {
            emit_all(ctx, &mut self.pending, &mut self.stats)?;
            self.stats.jobs += 1;
            self.busy = false;
            return self.start(ctx);
        }
        Ok(())
    }
}

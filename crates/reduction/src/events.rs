//! `repm-des` event wrappers: the calciothermic batch furnace and the electrolysis cell.
//!
//! Message type: any `M: From<Lot>`; metal leaves on output port `"metal"` (and slag on
//! `"slag"`), each only if connected (otherwise it is counted as dropped). Random durations and
//! yield variations come from the model's own named stream; the pure models
//! ([`crate::calciothermic`], [`crate::electrolysis`]) do the physics.

use std::time::Duration;

use rand_distr::{Distribution as _, LogNormal};
use repm_des::checkpoint::{from_value, to_value};
use repm_des::failure::Distribution;
use repm_des::{
    Context, DesError, Event, EventHandle, Model, OutPort, Port, Ports, Priority, SimTime,
};
use repm_material::units::{Mass, TimeSpan, de_si};
use repm_material::{Form, LOT_PORT_KIND, Lot, LotIdSource};
use serde::{Deserialize, Serialize};

use crate::calciothermic::{CalciothermicConfig, RemeltConfig, reduce, remelt};
use crate::electrolysis::{Cell, CellConfig, CellState, Regime};
use crate::error::{ReductionError, Result, in_range, non_negative, positive};
use crate::ledger::Ledger;

/// Multiplicative log-normal factor with mean 1 and coefficient of variation `cv` (1 when cv = 0).
fn lognormal_factor<R: rand::Rng + ?Sized>(rng: &mut R, cv: f64) -> f64 {
    if cv <= 0.0 {
        return 1.0;
    }
    let s2 = (1.0 + cv * cv).ln();
    // Parameters are validated (cv > 0 finite), so construction cannot fail.
    LogNormal::new(-0.5 * s2, s2.sqrt()).map_or(1.0, |d| d.sample(rng))
}

fn secs(d: f64) -> std::result::Result<Duration, DesError> {
    Duration::try_from_secs_f64(d).map_err(|_| DesError::model(format!("invalid duration {d} s")))
}

fn to_des(e: ReductionError) -> DesError {
    match e {
        ReductionError::Des(d) => d,
        other => DesError::model(other.to_string()),
    }
}

// ------------------------------------------------------------------------------------------

/// Durations of the phases of one calciothermic batch. Defaults **(est.)**: industrial cycle
/// times are not published (thermo-data.md §9.5: "hours").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchTiming {
    /// Loading the crucible.
    pub charge: Distribution,
    /// Heating to ignition and the tapping temperature.
    pub heat: Distribution,
    /// Reaction.
    pub react: Distribution,
    /// Hold at temperature (metal/slag separation).
    pub hold: Distribution,
    /// Cooling.
    pub cool: Distribution,
    /// Breaking out metal and slag.
    pub discharge: Distribution,
}

impl Default for BatchTiming {
    fn default() -> Self {
        BatchTiming {
            charge: Distribution::Constant { value: 1800.0 },
            heat: Distribution::Triangular {
                min: 3.0 * 3600.0,
                mode: 4.0 * 3600.0,
                max: 6.0 * 3600.0,
            },
            react: Distribution::Constant { value: 1800.0 },
            hold: Distribution::Constant { value: 1800.0 },
            cool: Distribution::Triangular {
                min: 6.0 * 3600.0,
                mode: 8.0 * 3600.0,
                max: 10.0 * 3600.0,
            },
            discharge: Distribution::Constant { value: 1800.0 },
        }
    }
}

impl BatchTiming {
    fn phases(&self) -> [Distribution; 6] {
        [
            self.charge,
            self.heat,
            self.react,
            self.hold,
            self.cool,
            self.discharge,
        ]
    }
}

/// A calciothermic furnace running a campaign of batches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalciothermicFurnaceConfig {
    /// The batch recipe and physics.
    #[serde(default)]
    pub batch: CalciothermicConfig,
    /// Phase durations.
    #[serde(default)]
    pub timing: BatchTiming,
    /// Coefficient of variation of the metal entrained in the slag, batch to batch \[-\].
    /// Default 0.3 **(est.)**.
    #[serde(default = "default_entrainment_cv")]
    pub entrainment_cv: f64,
    /// Number of batches of the campaign (`None`: until the run stops).
    #[serde(default)]
    pub batches: Option<u64>,
    /// Vacuum remelting of each batch's raw metal (`None`: raw metal leaves as is).
    #[serde(default)]
    pub remelt: Option<RemeltConfig>,
}

fn default_entrainment_cv() -> f64 {
    0.3
}

impl Default for CalciothermicFurnaceConfig {
    fn default() -> Self {
        CalciothermicFurnaceConfig {
            batch: CalciothermicConfig::default(),
            timing: BatchTiming::default(),
            entrainment_cv: default_entrainment_cv(),
            batches: None,
            remelt: Some(RemeltConfig::default()),
        }
    }
}

impl CalciothermicFurnaceConfig {
    /// Validate every field.
    ///
    /// # Errors
    /// [`ReductionError::InvalidParameter`] naming the field and the value.
    pub fn validate(&self) -> Result<()> {
        self.batch.validate()?;
        for (name, d) in ["charge", "heat", "react", "hold", "cool", "discharge"]
            .iter()
            .zip(self.timing.phases())
        {
            d.validate(&format!("furnace.timing.{name}"))?;
        }
        in_range("furnace.entrainment_cv", self.entrainment_cv, 0.0, 2.0)?;
        Ok(())
    }
}

/// Running totals of a furnace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FurnaceStats {
    /// Batches completed.
    pub batches: u64,
    /// Metal produced \[kg\].
    pub metal: f64,
    /// RE metal in the product \[kg\] (Ca, Ta, O excluded).
    pub re_metal: f64,
    /// Slag \[kg\].
    pub slag: f64,
    /// Electric energy \[J\].
    pub electric_energy: f64,
    /// Calcium charged \[kg\].
    pub calcium: f64,
    /// Tantalum worn from crucibles \[kg\].
    pub tantalum: f64,
    /// Mass sent to unconnected ports \[kg\].
    pub dropped: f64,
}

/// A calciothermic batch furnace on the event clock: charge → heat → react → hold → cool →
/// discharge, then the next batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CalciothermicFurnace {
    cfg: CalciothermicFurnaceConfig,
    phase: usize,
    ids: LotIdSource,
    /// Running totals.
    pub stats: FurnaceStats,
    /// Everything charged so far \[mol\] (for balances).
    pub inputs: Ledger,
    /// Everything that left so far \[mol\] (metal, slag, vapour, condensate).
    pub outputs: Ledger,
}

const METAL: OutPort = OutPort(0);
const SLAG: OutPort = OutPort(1);

impl CalciothermicFurnace {
    /// A furnace; lot ids start at `first_lot_id`.
    ///
    /// # Errors
    /// Invalid configuration.
    pub fn new(cfg: CalciothermicFurnaceConfig, first_lot_id: u64) -> Result<Self> {
        cfg.validate()?;
        Ok(CalciothermicFurnace {
            cfg,
            phase: 0,
            ids: LotIdSource::starting_at(first_lot_id),
            stats: FurnaceStats::default(),
            inputs: Ledger::new(),
            outputs: Ledger::new(),
        })
    }

    fn finish_batch<M: From<Lot>>(&mut self, ctx: &mut Context<'_, M>) -> Result<()> {
        let mut batch = self.cfg.batch.clone();
        let f = lognormal_factor(ctx.rng(), self.cfg.entrainment_cv);
        batch.metal_entrainment = (batch.metal_entrainment * f).min(1.0);
        let r = reduce(&batch)?;
        self.inputs.add_scaled(&r.inputs, 1.0);
        self.outputs.add_scaled(&r.slag, 1.0);
        self.outputs.add_scaled(&r.vapour, 1.0);
        let mut energy = r.electric_energy;
        let metal = match &self.cfg.remelt {
            Some(rc) => {
                let rr = remelt(&r.metal, rc)?;
                energy += rr.electric_energy;
                self.outputs.add_scaled(&rr.condensate, 1.0);
                rr.metal
            }
            None => r.metal.clone(),
        };
        self.outputs.add_scaled(&metal, 1.0);
        let metal_lot = metal.to_lot(self.ids.next(), Form::Metal)?;
        let slag_lot = r.slag.to_lot(self.ids.next(), Form::Slag)?;
        let s = &mut self.stats;
        s.batches += 1;
        s.metal += metal_lot.mass();
        s.re_metal += metal
            .items()
            .iter()
            .filter_map(|(sp, n)| {
                repm_material::Element::from_symbol(sp)
                    .filter(|e| e.is_rare_earth())
                    .map(|e| n * e.molar_mass())
            })
            .sum::<f64>();
        s.slag += slag_lot.mass();
        s.electric_energy += energy;
        s.calcium += r.inputs.get("Ca") * repm_material::Element::Ca.molar_mass();
        s.tantalum += r.tantalum;
        tracing::info!(
            batch = s.batches,
            metal_kg = metal_lot.mass(),
            "calciothermic batch discharged"
        );
        for (port, lot) in [(METAL, metal_lot), (SLAG, slag_lot)] {
            if ctx.is_connected(port) {
                ctx.send(port, M::from(lot))?;
            } else {
                self.stats.dropped += lot.mass();
            }
        }
        Ok(())
    }

    fn start_phase<M>(&mut self, ctx: &mut Context<'_, M>) -> repm_des::Result<()> {
        let d = self.cfg.timing.phases()[self.phase].sample(ctx.rng());
        ctx.schedule_in(d, self.phase as u64)?;
        Ok(())
    }
}

impl<M: From<Lot> + 'static> Model<M> for CalciothermicFurnace {
    fn ports(&self) -> Ports {
        const OUT: &[Port] = &[
            Port::typed("metal", LOT_PORT_KIND),
            Port::typed("slag", LOT_PORT_KIND),
        ];
        Ports {
            inputs: &[],
            outputs: OUT,
        }
    }

    fn init(&mut self, ctx: &mut Context<'_, M>) -> repm_des::Result<()> {
        if self.cfg.batches != Some(0) {
            self.start_phase(ctx)?;
        }
        Ok(())
    }

    fn handle(&mut self, ctx: &mut Context<'_, M>, event: Event<M>) -> repm_des::Result<()> {
        if let Event::Timer { .. } = event {
            if self.phase == 5 {
                self.finish_batch(ctx).map_err(to_des)?;
                self.phase = 0;
                if self.cfg.batches.is_some_and(|n| self.stats.batches >= n) {
                    return Ok(());
                }
            } else {
                self.phase += 1;
            }
            self.start_phase(ctx)?;
        }
        Ok(())
    }

    fn snapshot(&self) -> repm_des::Result<serde_json::Value> {
        to_value(self)
    }

    fn restore(&mut self, state: serde_json::Value) -> repm_des::Result<()> {
        *self = from_value(state)?;
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------

/// How oxide is fed to the cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeedPolicy {
    /// A fixed dose at a fixed interval (open loop: drifts if the dose does not match the
    /// consumption).
    Periodic {
        /// Dose \[kg\].
        #[serde(deserialize_with = "de_si::<_, Mass>")]
        dose: f64,
        /// Interval \[s\].
        #[serde(deserialize_with = "de_si::<_, TimeSpan>")]
        interval: f64,
    },
    /// An oxide probe read at an interval; each reading feeds what brings the dissolved oxide
    /// back to the setpoint (closed loop, SINTEF practice).
    OnDemand {
        /// Probe interval \[s\].
        #[serde(deserialize_with = "de_si::<_, TimeSpan>")]
        probe_interval: f64,
        /// Dissolved-oxide setpoint, mass fraction \[-\].
        setpoint: f64,
    },
}

/// An electrolysis cell on the event clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectrolysisCellConfig {
    /// The cell.
    #[serde(default)]
    pub cell: CellConfig,
    /// Feeding policy. Default on demand every 10 min to 2.5 wt % **(est.)**.
    #[serde(default = "default_policy")]
    pub feeding: FeedPolicy,
    /// Coefficient of variation of each dose (feeder scatter) \[-\]. Default 0.1 **(est.)**.
    #[serde(default = "default_dose_cv")]
    pub dose_cv: f64,
    /// Metal tapping interval \[s\]. Default 8 h **(est.)**.
    #[serde(default = "default_tap", deserialize_with = "de_si::<_, TimeSpan>")]
    pub tap_interval: f64,
    /// Operator response time to an anode effect \[s\]. Default 600 s **(est.)**.
    #[serde(
        default = "default_response",
        deserialize_with = "de_si::<_, TimeSpan>"
    )]
    pub anode_effect_response: f64,
    /// Oxide dose that kills an anode effect \[kg\]. Default 5 kg **(est.)**.
    #[serde(default = "default_kill", deserialize_with = "de_si::<_, Mass>")]
    pub anode_effect_kill_dose: f64,
}

fn default_policy() -> FeedPolicy {
    FeedPolicy::OnDemand {
        probe_interval: 600.0,
        setpoint: 0.025,
    }
}
fn default_dose_cv() -> f64 {
    0.1
}
fn default_tap() -> f64 {
    8.0 * 3600.0
}
fn default_response() -> f64 {
    600.0
}
fn default_kill() -> f64 {
    5.0
}

impl Default for ElectrolysisCellConfig {
    fn default() -> Self {
        ElectrolysisCellConfig {
            cell: CellConfig::default(),
            feeding: default_policy(),
            dose_cv: default_dose_cv(),
            tap_interval: default_tap(),
            anode_effect_response: default_response(),
            anode_effect_kill_dose: default_kill(),
        }
    }
}

impl ElectrolysisCellConfig {
    /// Validate every field.
    ///
    /// # Errors
    /// [`ReductionError::InvalidParameter`] naming the field and the value.
    pub fn validate(&self) -> Result<()> {
        self.cell.validate()?;
        match &self.feeding {
            FeedPolicy::Periodic { dose, interval } => {
                non_negative("feeding.dose", *dose)?;
                positive("feeding.interval", *interval)?;
            }
            FeedPolicy::OnDemand {
                probe_interval,
                setpoint,
            } => {
                positive("feeding.probe_interval", *probe_interval)?;
                in_range(
                    "feeding.setpoint",
                    *setpoint,
                    0.0,
                    self.cell.bath.saturation,
                )?;
            }
        }
        in_range("dose_cv", self.dose_cv, 0.0, 2.0)?;
        positive("tap_interval", self.tap_interval)?;
        positive("anode_effect_response", self.anode_effect_response)?;
        non_negative("anode_effect_kill_dose", self.anode_effect_kill_dose)?;
        Ok(())
    }
}

const TAG_FEED: u64 = 1;
const TAG_TAP: u64 = 2;
const TAG_TRANSITION: u64 = 3;
const TAG_KILL: u64 = 4;

/// Serializable state of [`ElectrolysisCellModel`] (checkpoints).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CellModelState {
    cell: CellState,
    last: SimTime,
    transition: Option<EventHandle>,
    kill_pending: bool,
    ids: LotIdSource,
    dropped: f64,
}

/// An electrolysis cell as a continuous `repm-des` model: the cell state is integrated exactly
/// up to each event; feeding, tapping and anode-effect kills are events; the oxide reaching
/// the anode-effect threshold is a state event.
#[derive(Debug, Clone)]
pub struct ElectrolysisCellModel {
    cfg: ElectrolysisCellConfig,
    cell: Cell,
    last: SimTime,
    transition: Option<EventHandle>,
    kill_pending: bool,
    ids: LotIdSource,
    /// Metal sent to an unconnected port \[kg\].
    pub dropped: f64,
}

impl ElectrolysisCellModel {
    /// A cell model; lot ids start at `first_lot_id`.
    ///
    /// # Errors
    /// Invalid configuration; thermochemistry species missing.
    pub fn new(cfg: ElectrolysisCellConfig, first_lot_id: u64) -> Result<Self> {
        cfg.validate()?;
        let cell = Cell::new(cfg.cell.clone())?;
        Ok(ElectrolysisCellModel {
            cfg,
            cell,
            last: SimTime::ZERO,
            transition: None,
            kill_pending: false,
            ids: LotIdSource::starting_at(first_lot_id),
            dropped: 0.0,
        })
    }

    /// The cell (state, rates, report).
    pub fn cell(&self) -> &Cell {
        &self.cell
    }

    fn dose<M>(&mut self, ctx: &mut Context<'_, M>, mass: f64) -> Result<()> {
        let m = mass * lognormal_factor(ctx.rng(), self.cfg.dose_cv);
        self.cell.feed(m)
    }

    fn reschedule_transition<M>(&mut self, ctx: &mut Context<'_, M>) -> repm_des::Result<()> {
        if let Some(h) = self.transition.take() {
            ctx.cancel(h)?;
        }
        if let Some(tau) = self.cell.time_to_transition() {
            // Ceil to the next nanosecond so the transition is reached when the event fires.
            let ns = (tau * 1e9).ceil();
            if ns < 1e18 {
                self.transition =
                    Some(ctx.schedule_in(Duration::from_nanos(ns as u64), TAG_TRANSITION)?);
            }
        }
        if self.cell.state().regime != Regime::Normal && !self.kill_pending {
            self.kill_pending = true;
            ctx.schedule_in(secs(self.cfg.anode_effect_response)?, TAG_KILL)?;
        }
        Ok(())
    }

    fn on_timer<M: From<Lot>>(&mut self, ctx: &mut Context<'_, M>, tag: u64) -> Result<()> {
        match tag {
            TAG_FEED => match self.cfg.feeding.clone() {
                FeedPolicy::Periodic { dose, interval } => {
                    self.dose(ctx, dose)?;
                    ctx.schedule_in(secs(interval)?, TAG_FEED)?;
                }
                FeedPolicy::OnDemand {
                    probe_interval,
                    setpoint,
                } => {
                    let bath = self.cell.bath_mass();
                    let target = setpoint / (1.0 - setpoint) * bath;
                    let need = (target - self.cell.dissolved_mass()).max(0.0);
                    self.dose(ctx, need)?;
                    ctx.schedule_in(secs(probe_interval)?, TAG_FEED)?;
                }
            },
            TAG_TAP => {
                let lot = self.cell.tap(self.ids.next())?;
                tracing::info!(metal_kg = lot.mass(), "electrolysis cell tapped");
                if ctx.is_connected(METAL) {
                    ctx.send(METAL, M::from(lot))?;
                } else {
                    self.dropped += lot.mass();
                }
                ctx.schedule_in(secs(self.cfg.tap_interval)?, TAG_TAP)?;
            }
            TAG_KILL => {
                self.kill_pending = false;
                if self.cell.state().regime != Regime::Normal {
                    self.dose(ctx, self.cfg.anode_effect_kill_dose)?;
                    tracing::debug!("anode effect killed by an oxide dose");
                }
            }
            _ => {} // TAG_TRANSITION: the state was advanced before delivery.
        }
        Ok(())
    }
}

impl<M: From<Lot> + 'static> Model<M> for ElectrolysisCellModel {
    fn ports(&self) -> Ports {
        const OUT: &[Port] = &[Port::typed("metal", LOT_PORT_KIND)];
        Ports {
            inputs: &[],
            outputs: OUT,
        }
    }

    fn init(&mut self, ctx: &mut Context<'_, M>) -> repm_des::Result<()> {
        self.last = ctx.now();
        ctx.schedule_at(ctx.now(), Priority::default(), TAG_FEED)?;
        ctx.schedule_in(secs(self.cfg.tap_interval)?, TAG_TAP)?;
        self.reschedule_transition(ctx)
    }

    fn handle(&mut self, ctx: &mut Context<'_, M>, event: Event<M>) -> repm_des::Result<()> {
        if let Event::Timer { tag } = event {
            if tag == TAG_TRANSITION {
                self.transition = None;
            }
            self.on_timer(ctx, tag).map_err(to_des)?;
        }
        self.reschedule_transition(ctx)
    }

    fn is_continuous(&self) -> bool {
        true
    }

    fn advance_to(&mut self, now: SimTime) -> repm_des::Result<()> {
        let dt = now.as_nanos().saturating_sub(self.last.as_nanos()) as f64 * 1e-9;
        self.cell.advance(dt).map_err(to_des)?;
        self.last = now;
        Ok(())
    }

    fn snapshot(&self) -> repm_des::Result<serde_json::Value> {
        to_value(&CellModelState {
            cell: self.cell.state().clone(),
            last: self.last,
            transition: self.transition,
            kill_pending: self.kill_pending,
            ids: self.ids.clone(),
            dropped: self.dropped,
        })
    }

    fn restore(&mut self, state: serde_json::Value) -> repm_des::Result<()> {
        let s: CellModelState = from_value(state)?;
        self.cell.set_state(s.cell);
        self.last = s.last;
        self.transition = s.transition;
        self.kill_pending = s.kill_pending;
        self.ids = s.ids;
        self.dropped = s.dropped;
        Ok(())
    }
}

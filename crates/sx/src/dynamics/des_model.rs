//! The dynamic cascade as a `repm-des` model: operating changes (feed, flows, reflux,
//! start-up at total reflux, stage outages) are events on the shared clock, and a *state
//! event* fires when a product purity crosses a watched value.
//!
//! The model is continuous ([`repm_des::Model::is_continuous`]): the kernel calls
//! `advance_to(now)` before every event, and the cascade integrates itself up to `now` with
//! its own stiff integrator. After every event the model predicts the next purity crossing by
//! integrating a copy of itself ahead (up to [`CascadeModelConfig::horizon`]) and (re)schedules
//! a [`StateEvent`] at that time (rounded up to the next nanosecond); a command arriving first
//! cancels and redoes the prediction.
//!
//! Messages: the model accepts any message type `M` that converts into a
//! [`CascadeCommand`] (`M: TryInto<CascadeCommand>`) on its input port `"cmd"`, and sends a
//! [`CascadeNotice`] (`M: From<CascadeNotice>`) on its output port `"notice"` (if connected)
//! when a watched purity is crossed. [`CommandSchedule`] is a scripted operator that sends
//! commands at given times.

use std::time::Duration;

use repm_des::continuous::StateEvent;
use repm_des::{Context, DesError, Event, InPort, Model, OutPort, Port, Ports, Priority, SimTime};
use serde::{Deserialize, Serialize};

use super::{AdvanceOutcome, DynamicCascade, HoldupCascade, Products, TwoOutletSpec};
use crate::SxError;
use crate::topology::CascadeSpec;

/// Timer tag of the purity state event.
const PURITY_EVENT: u64 = 1;

/// Which product stream a watch looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outlet {
    /// Loaded organic leaving stage 0.
    OrganicProduct,
    /// Aqueous raffinate leaving stage N−1.
    Raffinate,
}

/// A watched purity: the state event fires when the mole fraction of `component` in
/// `outlet` crosses `value` (either direction).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurityWatch {
    /// Product stream.
    pub outlet: Outlet,
    /// Component index.
    pub component: usize,
    /// Threshold mole fraction \[-\].
    pub value: f64,
}

impl PurityWatch {
    fn g(&self, p: &Products) -> f64 {
        let x = match self.outlet {
            Outlet::OrganicProduct => p.organic_purity(self.component),
            Outlet::Raffinate => p.raffinate_purity(self.component),
        };
        x - self.value
    }
}

/// An operating change delivered to a [`CascadeModel`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CascadeCommand {
    /// Replace the operating spec (same stage and component count).
    SetSpec {
        /// New spec.
        spec: TwoOutletSpec,
    },
    /// Change the feed flow \[m³·s⁻¹\] and concentrations \[mol·m⁻³\].
    SetFeed {
        /// Feed flow \[m³·s⁻¹\].
        flow: f64,
        /// Feed concentrations per component \[mol·m⁻³\].
        conc: Vec<f64>,
    },
    /// Change the fresh organic flow \[m³·s⁻¹\].
    SetOrganicFlow {
        /// Organic flow \[m³·s⁻¹\].
        flow: f64,
    },
    /// Change the scrub liquor flow \[m³·s⁻¹\].
    SetScrubFlow {
        /// Scrub flow \[m³·s⁻¹\].
        flow: f64,
    },
    /// Change the reflux fraction of the organic product's RE \[-\].
    SetReflux {
        /// r_A in \[0, 1\].
        fraction: f64,
    },
    /// Switch to total reflux (feed off, both ends refluxed) at the current flows.
    TotalReflux,
    /// Stage outage: every flow stops (holdups stay); [`CascadeCommand::Resume`] restores
    /// the spec in force before the outage.
    Outage,
    /// End an outage.
    Resume,
    /// Replace the spec of a [`HoldupCascade`] (same stages, components, holdups).
    SetCascade {
        /// New spec.
        spec: CascadeSpec,
    },
    /// Set the flow of a named feed of a [`HoldupCascade`] \[m³·s⁻¹\] (0 switches it off).
    SetFeedFlow {
        /// Feed name.
        name: String,
        /// Flow \[m³·s⁻¹\].
        flow: f64,
    },
    /// Replace the purity watches.
    Watch {
        /// New watch list (empty = no state events).
        watches: Vec<PurityWatch>,
    },
}

/// A continuous cascade that [`CascadeModel`] drives: [`DynamicCascade`] (two-outlet, Linear
/// or Langmuir closure) or [`HoldupCascade`] (the steady-state topology and equilibrium
/// models, mass action with the acid balance included).
pub trait CascadeDynamics:
    Clone + std::fmt::Debug + Serialize + for<'de> Deserialize<'de> + 'static
{
    /// Current time of the cascade \[s\].
    fn now(&self) -> f64;
    /// Product streams at the current state.
    fn current_products(&self) -> Products;
    /// Integrate to `t` \[s\].
    ///
    /// # Errors
    /// The integrator's error.
    fn integrate_to(&mut self, t: f64) -> Result<(), SxError>;
    /// Integrate to `t_end` \[s\] or to the first sign change of `g`.
    ///
    /// # Errors
    /// The integrator's error.
    fn integrate_until(
        &mut self,
        t_end: f64,
        g: &dyn Fn(&Products) -> f64,
    ) -> Result<AdvanceOutcome, SxError>;
    /// Apply an operating command ([`CascadeCommand::Watch`] is handled by the model).
    ///
    /// # Errors
    /// [`SxError::Config`] if the command does not apply to this cascade or is invalid.
    fn apply_command(&mut self, cmd: &CascadeCommand) -> Result<(), SxError>;
}

impl CascadeDynamics for DynamicCascade {
    fn now(&self) -> f64 {
        self.time()
    }
    fn current_products(&self) -> Products {
        self.products()
    }
    fn integrate_to(&mut self, t: f64) -> Result<(), SxError> {
        self.advance_to(t)
    }
    fn integrate_until(
        &mut self,
        t_end: f64,
        g: &dyn Fn(&Products) -> f64,
    ) -> Result<AdvanceOutcome, SxError> {
        self.advance_until(t_end, g)
    }
    fn apply_command(&mut self, cmd: &CascadeCommand) -> Result<(), SxError> {
        let cur = self.spec().clone();
        let next = match cmd {
            CascadeCommand::SetSpec { spec } => spec.clone(),
            CascadeCommand::SetFeed { flow, conc } => TwoOutletSpec {
                feed_flow: *flow,
                feed_conc: conc.clone(),
                ..cur
            },
            CascadeCommand::SetOrganicFlow { flow } => TwoOutletSpec {
                organic_flow: *flow,
                ..cur
            },
            CascadeCommand::SetScrubFlow { flow } => TwoOutletSpec {
                scrub_flow: *flow,
                ..cur
            },
            CascadeCommand::SetReflux { fraction } => TwoOutletSpec {
                reflux_organic_end: *fraction,
                ..cur
            },
            CascadeCommand::TotalReflux => cur.total_reflux(),
            CascadeCommand::Outage => {
                if self.before_outage.is_none() {
                    self.before_outage = Some(cur.clone());
                }
                cur.stopped()
            }
            CascadeCommand::Resume => match self.before_outage.take() {
                Some(s) => s,
                None => cur,
            },
            CascadeCommand::Watch { .. } => return Ok(()),
            CascadeCommand::SetCascade { .. } | CascadeCommand::SetFeedFlow { .. } => {
                return Err(SxError::config(
                    "command",
                    format!("{cmd:?}"),
                    "applies to a HoldupCascade, not a two-outlet DynamicCascade",
                ));
            }
        };
        self.set_spec(next)
    }
}

/// Feed names [`HoldupCascade`] maps the two-outlet commands to.
const FEED: &str = "feed";
/// See [`FEED`].
const ORGANIC: &str = "organic";
/// See [`FEED`].
const SCRUB: &str = "scrub";

impl CascadeDynamics for HoldupCascade {
    fn now(&self) -> f64 {
        self.time()
    }
    fn current_products(&self) -> Products {
        self.products()
    }
    fn integrate_to(&mut self, t: f64) -> Result<(), SxError> {
        self.advance_to(t)
    }
    fn integrate_until(
        &mut self,
        t_end: f64,
        g: &dyn Fn(&Products) -> f64,
    ) -> Result<AdvanceOutcome, SxError> {
        self.advance_until(t_end, g)
    }
    /// The two-outlet commands act on the feeds named `"feed"`, `"organic"` and `"scrub"`:
    /// `SetFeed` sets the feed's flow (0 = off) and its concentrations by component order,
    /// `TotalReflux` switches `"feed"` off with both ends fully refluxed, `SetReflux` sets
    /// the organic-end reflux. `SetSpec` (a two-outlet spec) does not apply.
    fn apply_command(&mut self, cmd: &CascadeCommand) -> Result<(), SxError> {
        match cmd {
            CascadeCommand::SetCascade { spec } => {
                self.set_operation(spec.clone(), self.operation().clone())
            }
            CascadeCommand::SetFeedFlow { name, flow } => self.set_feed_flow(name, *flow),
            CascadeCommand::SetFeed { flow, conc } => {
                let mut spec = self.spec().clone();
                let mut op = self.operation().clone();
                let i = spec
                    .feeds
                    .iter()
                    .position(|f| f.name == FEED)
                    .ok_or_else(|| SxError::config("feed", FEED, "no feed of that name"))?;
                let comps: Vec<String> = spec.components.iter().map(|c| c.symbol.clone()).collect();
                if conc.len() != comps.len() {
                    return Err(SxError::config(
                        "conc",
                        conc.len(),
                        "one concentration per component",
                    ));
                }
                spec.feeds[i].concentrations = comps
                    .into_iter()
                    .zip(conc)
                    .filter(|(_, c)| **c > 0.0)
                    .map(|(s, c)| (s, *c))
                    .collect();
                if *flow > 0.0 {
                    spec.feeds[i].flow = *flow;
                }
                op.feed_on[i] = *flow > 0.0;
                self.set_operation(spec, op)
            }
            CascadeCommand::SetOrganicFlow { flow } => self.set_feed_flow(ORGANIC, *flow),
            CascadeCommand::SetScrubFlow { flow } => self.set_feed_flow(SCRUB, *flow),
            CascadeCommand::SetReflux { fraction } => {
                let rb = self.operation().reflux_aqueous_end;
                self.set_end_reflux(*fraction, rb)
            }
            CascadeCommand::TotalReflux => self.total_reflux(FEED),
            CascadeCommand::Outage => self.set_stopped(true),
            CascadeCommand::Resume => self.set_stopped(false),
            CascadeCommand::Watch { .. } => Ok(()),
            CascadeCommand::SetSpec { .. } => Err(SxError::config(
                "command",
                "SetSpec",
                "a two-outlet spec does not apply to a HoldupCascade: use SetCascade",
            )),
        }
    }
}

/// Sent on the `"notice"` port when a watched purity is crossed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CascadeNotice {
    /// Index of the watch in the current list.
    pub watch: usize,
    /// The watch.
    pub which: PurityWatch,
    /// Purity at the event \[-\].
    pub purity: f64,
    /// Simulated time of the event.
    pub at: SimTime,
}

/// Settings of [`CascadeModel`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CascadeModelConfig {
    /// How far ahead a purity crossing is predicted \[s\] (default 30 days); beyond it the
    /// prediction is redone when the horizon is reached.
    pub horizon: f64,
}

impl Default for CascadeModelConfig {
    fn default() -> Self {
        Self {
            horizon: 30.0 * 86_400.0,
        }
    }
}

/// The cascade as a continuous `repm-des` model (see the module docs), over a
/// [`DynamicCascade`] (default) or a [`HoldupCascade`]. Checkpointable: `snapshot`/`restore`
/// serialise the whole state, integrator history included.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct CascadeModel<D: CascadeDynamics = DynamicCascade> {
    cascade: D,
    origin: Option<SimTime>,
    watches: Vec<PurityWatch>,
    event: StateEvent,
    pending_signs: Vec<f64>,
    cfg: CascadeModelConfig,
    /// Every purity crossing so far: (time, watch index, purity \[-\]).
    pub crossings: Vec<(SimTime, usize, f64)>,
    /// Commands applied so far: (time, command).
    pub log: Vec<(SimTime, CascadeCommand)>,
}

impl<D: CascadeDynamics> CascadeModel<D> {
    /// Wrap a dynamic cascade (its time 0 is the simulated time of `init`).
    #[must_use]
    pub fn new(cascade: D, watches: Vec<PurityWatch>, cfg: CascadeModelConfig) -> Self {
        Self {
            cascade,
            origin: None,
            watches,
            event: StateEvent::new(PURITY_EVENT),
            pending_signs: Vec::new(),
            cfg,
            crossings: Vec::new(),
            log: Vec::new(),
        }
    }

    /// The wrapped cascade (state at the last event).
    #[must_use]
    pub fn cascade(&self) -> &D {
        &self.cascade
    }

    fn combined(&self, signs: &[f64]) -> impl Fn(&Products) -> f64 + '_ {
        let watches = self.watches.clone();
        let signs = signs.to_vec();
        move |p: &Products| {
            watches
                .iter()
                .zip(&signs)
                .map(|(w, s)| s * w.g(p))
                .fold(f64::INFINITY, f64::min)
        }
    }

    /// Predict the next crossing and (re)schedule the state event.
    fn predict<M>(&mut self, ctx: &mut Context<'_, M>) -> repm_des::Result<()> {
        self.event.cancel(ctx)?;
        if self.watches.is_empty() {
            return Ok(());
        }
        let p = self.cascade.current_products();
        // current side of every watch (a watch exactly at its value counts as below)
        let signs: Vec<f64> = self
            .watches
            .iter()
            .map(|w| if w.g(&p) > 0.0 { 1.0 } else { -1.0 })
            .collect();
        self.pending_signs.clone_from(&signs);
        let g = self.combined(&signs);
        let mut ahead = self.cascade.clone();
        let t0 = ahead.now();
        let out = ahead
            .integrate_until(t0 + self.cfg.horizon, &g)
            .map_err(|e| DesError::model(format!("cascade prediction: {e}")))?;
        drop(g);
        let dt = match out {
            AdvanceOutcome::StateEvent { time } => time - t0,
            // nothing within the horizon: wake up at the horizon and predict again
            AdvanceOutcome::ReachedEnd => self.cfg.horizon,
        };
        self.event
            .schedule_in_secs(ctx, dt.max(0.0), Priority::NORMAL)
    }

    fn apply(&mut self, cmd: &CascadeCommand) -> Result<(), SxError> {
        if let CascadeCommand::Watch { watches } = cmd {
            self.watches = watches.clone();
            return Ok(());
        }
        self.cascade.apply_command(cmd)
    }
}

impl<M, D: CascadeDynamics> Model<M> for CascadeModel<D>
where
    M: TryInto<CascadeCommand> + From<CascadeNotice> + 'static,
{
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("cmd", "sx-command")];
        const OUT: &[Port] = &[Port::typed("notice", "sx-notice")];
        Ports {
            inputs: IN,
            outputs: OUT,
        }
    }

    fn init(&mut self, ctx: &mut Context<'_, M>) -> repm_des::Result<()> {
        self.origin = Some(ctx.now());
        self.predict(ctx)
    }

    fn is_continuous(&self) -> bool {
        true
    }

    fn snapshot(&self) -> repm_des::Result<serde_json::Value> {
        repm_des::checkpoint::to_value(self)
    }

    fn restore(&mut self, state: serde_json::Value) -> repm_des::Result<()> {
        *self = repm_des::checkpoint::from_value(state)?;
        Ok(())
    }

    fn advance_to(&mut self, now: SimTime) -> repm_des::Result<()> {
        let origin = *self.origin.get_or_insert(now);
        let t = now.secs_since(origin);
        if t > self.cascade.now() {
            self.cascade
                .integrate_to(t)
                .map_err(|e| DesError::model(format!("cascade integration: {e}")))?;
        }
        Ok(())
    }

    fn handle(&mut self, ctx: &mut Context<'_, M>, event: Event<M>) -> repm_des::Result<()> {
        match event {
            Event::Message {
                port: InPort(0),
                msg,
                ..
            } => {
                let cmd: CascadeCommand = msg
                    .try_into()
                    .map_err(|_| DesError::model("message on `cmd` is not a CascadeCommand"))?;
                tracing::debug!(?cmd, "sx cascade command");
                self.apply(&cmd)
                    .map_err(|e| DesError::model(format!("cascade command: {e}")))?;
                self.log.push((ctx.now(), cmd));
            }
            Event::Timer { tag: PURITY_EVENT } => {
                self.event.fired();
                let p = self.cascade.current_products();
                // report every watch that changed side since the prediction; if the real
                // trajectory has not quite crossed yet, the new prediction fires again soon
                for (i, w) in self.watches.iter().enumerate() {
                    let g = w.g(&p);
                    let s = self.pending_signs.get(i).copied().unwrap_or(1.0);
                    if s * g <= 0.0 {
                        let purity = g + w.value;
                        self.crossings.push((ctx.now(), i, purity));
                        if ctx.is_connected(OutPort(0)) {
                            ctx.send(
                                OutPort(0),
                                M::from(CascadeNotice {
                                    watch: i,
                                    which: *w,
                                    purity,
                                    at: ctx.now(),
                                }),
                            )?;
                        }
                    }
                }
            }
            Event::Message { port, .. } => {
                return Err(DesError::model(format!("unexpected input port {port:?}")));
            }
            Event::Timer { tag } => {
                return Err(DesError::model(format!("unexpected timer tag {tag}")));
            }
        }
        self.predict(ctx)
    }
}

/// A scripted operator: sends each command at its time on output port `"out"`
/// (checkpointable).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommandSchedule {
    items: Vec<(Duration, CascadeCommand)>,
    next: usize,
}

impl CommandSchedule {
    /// Commands at offsets from the start of the run (sorted by time; equal times keep their
    /// order).
    #[must_use]
    pub fn new(mut items: Vec<(Duration, CascadeCommand)>) -> Self {
        items.sort_by_key(|(t, _)| *t);
        Self { items, next: 0 }
    }
}

impl<M> Model<M> for CommandSchedule
where
    M: From<CascadeCommand> + 'static,
{
    fn ports(&self) -> Ports {
        const OUT: &[Port] = &[Port::typed("out", "sx-command")];
        Ports {
            inputs: &[],
            outputs: OUT,
        }
    }

    fn init(&mut self, ctx: &mut Context<'_, M>) -> repm_des::Result<()> {
        if let Some((t, _)) = self.items.first() {
            ctx.schedule_in(*t, 0)?;
        }
        Ok(())
    }

    fn snapshot(&self) -> repm_des::Result<serde_json::Value> {
        repm_des::checkpoint::to_value(self)
    }

    fn restore(&mut self, state: serde_json::Value) -> repm_des::Result<()> {
        *self = repm_des::checkpoint::from_value(state)?;
        Ok(())
    }

    fn handle(&mut self, ctx: &mut Context<'_, M>, _event: Event<M>) -> repm_des::Result<()> {
        let Some((t, cmd)) = self.items.get(self.next).cloned() else {
            return Ok(());
        };
        ctx.send(OutPort(0), M::from(cmd))?;
        self.next += 1;
        if let Some((tn, _)) = self.items.get(self.next) {
            ctx.schedule_in(tn.saturating_sub(t), 0)?;
        }
        Ok(())
    }
}

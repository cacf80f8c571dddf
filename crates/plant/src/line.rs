//! The line model: the steps of a plant on the repm-des clock.
//!
//! One repm-des [`Model`] holds every step of the line. Each step has an input buffer of lots
//! (finite capacity in kg) and `units` parallel [`Machine`]s (calendar, breakdowns, utilisation
//! and availability statistics from repm-des). A unit takes exactly one batch (`batch_size` kg,
//! splitting the last buffered lot when needed and mixing the pieces into one batch lot), works
//! it for a random cycle time, then splits it into a good lot and a scrap lot by a random yield.
//! A good lot that does not fit into the next buffer stays on the unit, which is then blocked
//! (blocking after service). The first step is never starved (raw materials are assumed
//! available); the last step delivers to the product sink, where each lot gets Br and Hcj and a
//! QC outcome. Scrap goes by its route: `recycle` through the HD short loop into a pool that
//! the recycling target step blends into its batches, `swarf` out of the plant, `loss` out.
//!
//! All steps live in one model because blocking needs synchronous access to both sides of a
//! buffer; lots still cross between steps only as [`repm_material::Lot`]s.

use std::collections::{BTreeMap, VecDeque};

use repm_des::calendar::Calendar;
use repm_des::failure::{Distribution, Machine, MachineOutcome, WakeUp};
use repm_des::rng::stream;
use repm_des::stats::{Tally, TimeWeighted};
use repm_des::{ChaCha8Rng, Context, Event, Model, Priority, SimTime};
use repm_material::{ElementVector, Form, Lot, LotIdSource};

use crate::config::{FeedSpec, PlantConfig, ScrapRoute};
use crate::error::PlantError;
use crate::models::{BuildContext, QcClass, QualityModel, StepModel, props};

/// A batch on a unit.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    pub(crate) lot: Lot,
    pub(crate) mass: f64,
}

#[derive(Debug)]
pub(crate) struct Unit {
    pub(crate) machine: Machine<Batch>,
    wake: WakeUp,
    pub(crate) blocked: Option<(Lot, f64)>,
}

/// Per-step counters and statistics.
#[derive(Debug)]
pub(crate) struct Step {
    name: String,
    pub(crate) units: Vec<Unit>,
    pub(crate) buffer: VecDeque<(Lot, f64)>,
    pub(crate) buffer_kg: f64,
    pub(crate) capacity: f64,
    pub(crate) batch: f64,
    cycle: Distribution,
    route: ScrapRoute,
    model: Box<dyn StepModel>,
    rng: ChaCha8Rng,
    /// Mass started (in) \[kg\].
    pub(crate) in_kg: f64,
    /// Good mass out \[kg\].
    pub(crate) good_kg: f64,
    /// Mass of the completed (or failure-scrapped) batches \[kg\].
    pub(crate) done_kg: f64,
    /// Batches completed.
    pub(crate) batches: u64,
    /// Whole batches scrapped.
    pub(crate) batch_scraps: u64,
    /// Off-spec mass routed by the scrap route (yield loss, scrapped batches) \[kg\].
    pub(crate) scrap_kg: f64,
    /// WIP: buffer + on units + blocked \[kg\], time-weighted.
    pub(crate) wip: TimeWeighted,
    /// Recycled mass blended in \[kg\].
    pub(crate) recycled_in_kg: f64,
    /// Batches the model downgraded, by reason.
    pub(crate) downgrades: BTreeMap<String, u64>,
    /// Model electricity on top of `energy_kwh_per_kg` \[kWh\].
    pub(crate) model_kwh: f64,
    /// Reagent cost booked by the model \[$\].
    pub(crate) reagent_cost: f64,
    /// Direct emissions booked by the model \[kg CO₂e\].
    pub(crate) co2e_kg: f64,
}

/// Accumulated plant flows (element masses \[kg\]).
#[derive(Debug, Clone)]
pub(crate) struct Flows {
    pub(crate) feed: ElementVector,
    pub(crate) additions: ElementVector,
    pub(crate) products: ElementVector,
    pub(crate) swarf: ElementVector,
    pub(crate) losses: ElementVector,
    pub(crate) product_kg: f64,
    pub(crate) product_lots: u64,
    pub(crate) recycled_scrap_kg: f64,
    pub(crate) recycled_product_kg: f64,
    /// Named co-products leaving the plant (element masses \[kg\]).
    pub(crate) coproducts: BTreeMap<String, ElementVector>,
}

impl Flows {
    fn zero() -> Self {
        Self {
            feed: ElementVector::zeros(),
            additions: ElementVector::zeros(),
            products: ElementVector::zeros(),
            swarf: ElementVector::zeros(),
            losses: ElementVector::zeros(),
            product_kg: 0.0,
            product_lots: 0,
            recycled_scrap_kg: 0.0,
            recycled_product_kg: 0.0,
            coproducts: BTreeMap::new(),
        }
    }
}

/// Quality results.
#[derive(Debug, Clone, Default)]
pub(crate) struct QualityStats {
    /// Lot-property distributions by name (e.g. `br_t`, `hcj_a_m`, `o_ppm`).
    pub(crate) props: BTreeMap<&'static str, Tally>,
    pub(crate) pass: u64,
    pub(crate) downgrade: u64,
    pub(crate) reject: u64,
    pub(crate) pass_kg: f64,
}

/// The whole line as one repm-des model.
#[derive(Debug)]
pub(crate) struct Line {
    pub(crate) steps: Vec<Step>,
    /// (step, unit) of each global unit index (the timer tag).
    index: Vec<(usize, usize)>,
    pub(crate) pool: VecDeque<(Lot, f64)>,
    pub(crate) pool_kg: f64,
    recycle_into: Option<usize>,
    max_recycled: f64,
    hd_yield: f64,
    feed: FeedSpec,
    ids: LotIdSource,
    pub(crate) flows: Flows,
    quality: Box<dyn QualityModel>,
    pub(crate) qstats: QualityStats,
    qrng: ChaCha8Rng,
    /// End of the warm-up (statistics reset).
    warmup: SimTime,
    /// Element masses in the plant at the end of the warm-up \[kg\].
    pub(crate) initial_inventory: ElementVector,
    /// Equipment-state recorder for the HTML report (`None` = off, the default).
    pub(crate) trace: Option<Box<crate::report::trace::Trace>>,
}

/// Timer tag of the end of the warm-up.
const WARMUP_TAG: u64 = u64::MAX;

impl Line {
    /// Builds the line for replication `rep` of `cfg` (validated).
    pub(crate) fn new(cfg: &PlantConfig, rep: u64) -> Result<Self, PlantError> {
        let seed = cfg.seed;
        let feed = cfg.feed_spec()?;
        let ctx = BuildContext {
            plant: cfg,
            step: None,
            feed_fractions: feed.fractions,
            replication: rep,
        };
        let quality = cfg.quality.spec().build(&ctx)?;
        let mut steps = Vec::with_capacity(cfg.steps.len());
        let mut index = Vec::new();
        for (i, s) in cfg.steps.iter().enumerate() {
            let cal = match cfg.calendars.get(&s.calendar) {
                Some(c) => Calendar::new(&c.to_calendar_config())?,
                None => Calendar::always(),
            };
            let mut units = Vec::with_capacity(s.units as usize);
            for u in 0..s.units {
                let name = format!("{}#{u}", s.name);
                let rng = stream(seed, rep, &format!("{name}.failures"));
                let machine = Machine::new(
                    name,
                    SimTime::ZERO,
                    cal.clone(),
                    s.failure.map(|f| f.to_failure_config()),
                    rng,
                )?;
                units.push(Unit {
                    machine,
                    wake: WakeUp::default(),
                    blocked: None,
                });
                index.push((i, u as usize));
            }
            let model = crate::models::build_step(&BuildContext {
                step: Some(i),
                ..ctx
            })?;
            steps.push(Step {
                name: s.name.clone(),
                units,
                buffer: VecDeque::new(),
                buffer_kg: 0.0,
                capacity: s.buffer_capacity,
                batch: s.batch_size,
                cycle: s.cycle_distribution(),
                route: s.scrap,
                model,
                rng: stream(seed, rep, &format!("{}.process", s.name)),
                in_kg: 0.0,
                good_kg: 0.0,
                done_kg: 0.0,
                batches: 0,
                batch_scraps: 0,
                scrap_kg: 0.0,
                wip: TimeWeighted::new(SimTime::ZERO, 0.0)?,
                recycled_in_kg: 0.0,
                downgrades: BTreeMap::new(),
                model_kwh: 0.0,
                reagent_cost: 0.0,
                co2e_kg: 0.0,
            });
        }
        let recycle_into = if cfg.recycling.enabled {
            cfg.step_index(&cfg.recycling.into_step)
        } else {
            None
        };
        Ok(Self {
            steps,
            index,
            pool: VecDeque::new(),
            pool_kg: 0.0,
            recycle_into,
            max_recycled: cfg.recycling.max_fraction,
            hd_yield: cfg.recycling.hd_yield,
            feed,
            ids: LotIdSource::starting_at(1),
            flows: Flows::zero(),
            quality,
            qstats: QualityStats::default(),
            qrng: stream(seed, rep, "quality"),
            warmup: SimTime::from_secs_f64(cfg.warmup)?,
            initial_inventory: ElementVector::zeros(),
            trace: None,
        })
    }

    fn wip_add(&mut self, i: usize, now: SimTime, dkg: f64) -> Result<(), PlantError> {
        self.steps[i].wip.add(now, dkg)?;
        Ok(())
    }

    /// Takes `mass` kg from the front of a lot queue, splitting the last lot; returns pieces.
    fn take(
        queue: &mut VecDeque<(Lot, f64)>,
        queued_kg: &mut f64,
        mass: f64,
    ) -> Result<Vec<Lot>, PlantError> {
        let mut out = Vec::new();
        let mut need = mass;
        while need > 0.0 {
            let Some((lot, m)) = queue.pop_front() else {
                break;
            };
            if m <= need * (1.0 + 1e-12) {
                need -= m;
                *queued_kg -= m;
                out.push(lot);
            } else {
                let f = need / m;
                let (a, b) = lot.split(f)?;
                let mb = b.mass();
                *queued_kg -= m - mb;
                queue.push_front((b, mb));
                out.push(a);
                need = 0.0;
            }
        }
        if queue.is_empty() {
            *queued_kg = 0.0;
        }
        Ok(out)
    }

    /// Tries to start a batch on unit (i, u); returns whether it did.
    fn try_start(&mut self, i: usize, u: usize, now: SimTime) -> Result<bool, PlantError> {
        let batch = self.steps[i].batch;
        let lot = if i == 0 {
            let id = self.ids.next();
            if self.feed.species.is_none() {
                // `[alloy]`: element masses
                let masses = self.feed.fractions * batch;
                self.flows.feed += masses;
                Lot::from_element_masses(id, Form::Alloy, &masses)?
            } else {
                let lot = self.feed.lot(id, batch)?;
                self.flows.feed += lot.element_masses();
                lot
            }
        } else {
            let s = &self.steps[i];
            let rec = if self.recycle_into == Some(i) {
                self.pool_kg.min(self.max_recycled * batch)
            } else {
                0.0
            };
            if s.buffer_kg + rec < batch * (1.0 - 1e-12) {
                return Ok(false);
            }
            let fresh = batch - rec;
            let mut pieces = {
                let s = &mut self.steps[i];
                Self::take(&mut s.buffer, &mut s.buffer_kg, fresh)?
            };
            if rec > 0.0 {
                let r = Self::take(&mut self.pool, &mut self.pool_kg, rec)?;
                if let Some(t) = self.trace.as_mut() {
                    t.recycled(i, now, &r);
                }
                self.steps[i].recycled_in_kg += rec;
                self.wip_add(i, now, rec)?;
                pieces.extend(r);
            }
            let form = pieces.first().map_or(Form::Alloy, |l| l.form.clone());
            let id = self.ids.next();
            match (pieces.len(), pieces.pop()) {
                (1, Some(mut l)) => {
                    l.parents = vec![l.id];
                    l.id = id;
                    l
                }
                (_, Some(last)) => {
                    pieces.push(last);
                    let mut lot = Lot::mix_as(pieces.iter(), id, form)?;
                    if pieces[0].tags.keys().any(|k| k.starts_with("x.")) {
                        let w: Vec<(&Lot, f64)> = pieces.iter().map(|l| (l, l.mass())).collect();
                        props::mix_into(&mut lot, &w);
                    }
                    lot
                }
                (_, None) => return Ok(false),
            }
        };
        let mass = lot.mass();
        let st = &mut self.steps[i];
        st.in_kg += mass;
        let work = st.cycle.sample(&mut st.rng);
        let unit = &mut st.units[u];
        if let Some(MachineOutcome::Finished { .. } | MachineOutcome::Scrapped { .. }) =
            unit.machine.start(now, Batch { lot, mass }, work)?
        {
            return Err(PlantError::Model {
                model: unit.machine.name().to_owned(),
                message: "an idle unit returned a job".into(),
            });
        }
        if i == 0 {
            self.wip_add(0, now, mass)?;
        }
        Ok(true)
    }

    fn schedule(&mut self, ctx: &mut Context<'_, ()>, g: usize) -> Result<(), PlantError> {
        let (i, u) = self.index[g];
        let unit = &mut self.steps[i].units[u];
        if let Some(t) = unit.wake.schedule(unit.machine.next_event()) {
            ctx.schedule_at(t, Priority::NORMAL, g as u64)?;
        }
        Ok(())
    }

    /// Handles a finished batch of step i: runs the step model, checks the batch balance,
    /// routes scrap, books losses, reagents and co-products; returns the good lot.
    fn complete(
        &mut self,
        i: usize,
        b: Batch,
        now: SimTime,
    ) -> Result<Option<(Lot, f64)>, PlantError> {
        let st = &mut self.steps[i];
        st.batches += 1;
        st.done_kg += b.mass;
        let route = st.route;
        let out = st.model.process(&b.lot, &mut st.rng, &mut self.ids)?;
        out.check_balance(&st.name, &b.lot)?;
        if let Some(t) = self.trace.as_mut() {
            t.batch(i, now, &out);
        }
        let scrap_kg = out.scrap.sum();
        self.steps[i].scrap_kg += scrap_kg;
        if scrap_kg > 0.0 {
            self.route_scrap(&b.lot, &out.scrap, route)?;
        }
        self.flows.additions += out.reagents;
        self.flows.losses += out.losses;
        for (name, v) in &out.coproducts {
            crate::models::add_named(&mut self.flows.coproducts, name, v);
        }
        let st = &mut self.steps[i];
        st.model_kwh += out.energy_kwh;
        st.reagent_cost += out.reagent_cost;
        st.co2e_kg += out.co2e_kg;
        if let Some(reason) = out.downgrade {
            *st.downgrades.entry(reason).or_insert(0) += 1;
        }
        let good = out.good;
        let gm = good.as_ref().map_or(0.0, Lot::mass);
        if gm <= 0.0 {
            st.batch_scraps += 1;
        }
        st.good_kg += gm;
        tracing::debug!(
            step = %st.name,
            lot = good.as_ref().map_or(0, |l| l.id.0),
            at_h = now.as_hours(),
            kg_in = b.mass,
            kg_good = gm,
            "batch finished"
        );
        let dwip = gm - b.mass;
        self.wip_add(i, now, dwip)?;
        match good {
            Some(g) if gm > 0.0 => Ok(Some((g, gm))),
            _ => Ok(None),
        }
    }

    /// Books scrap of element masses `scrap` \[kg\] cut from lot `from` by its route.
    fn route_scrap(
        &mut self,
        from: &Lot,
        scrap: &ElementVector,
        route: ScrapRoute,
    ) -> Result<(), PlantError> {
        match (route, self.recycle_into) {
            (ScrapRoute::Recycle, Some(_)) => {
                let kg = scrap.sum();
                let from_kg = from.mass();
                let fm = from.element_masses();
                // Scrap of the input's composition (sheet yield): the HD'd scrap is a scaled
                // copy of the source lot; otherwise a lot of the scrap's own elements.
                let like_input = from_kg > 0.0
                    && fm.iter().zip(scrap.iter()).all(|((_, a), (_, b))| {
                        (a * kg / from_kg - b).abs() <= 1e-9 * b.abs().max(a * kg / from_kg)
                    });
                let mut ok = if like_input {
                    let k = kg / from_kg * self.hd_yield;
                    from.scaled(k.min(1.0))?
                } else {
                    Lot::from_element_masses(from.id, Form::Alloy, &(*scrap * self.hd_yield))?
                }
                .with_recycled_fraction(1.0)?;
                ok.id = self.ids.next();
                ok.parents = vec![from.id];
                ok.form = Form::Alloy;
                let okm = ok.element_masses();
                self.flows.losses += *scrap - okm;
                let m = ok.mass();
                self.flows.recycled_scrap_kg += kg;
                self.pool_kg += m;
                self.pool.push_back((ok, m));
            }
            (ScrapRoute::Recycle | ScrapRoute::Swarf, _) => {
                self.flows.swarf += *scrap;
            }
            (ScrapRoute::Loss, _) => {
                self.flows.losses += *scrap;
            }
        }
        Ok(())
    }

    fn deliver(&mut self, mut lot: Lot, kg: f64) -> Result<(), PlantError> {
        let masses = lot.element_masses();
        let qc = self.quality.assess(&mut lot, kg, &mut self.qrng)?;
        match qc.class {
            QcClass::Pass => {
                self.qstats.pass += 1;
                self.qstats.pass_kg += kg;
            }
            QcClass::Downgrade => self.qstats.downgrade += 1,
            QcClass::Reject => self.qstats.reject += 1,
        }
        for (name, v) in qc.properties {
            self.qstats.props.entry(name).or_default().record(v);
        }
        self.flows.products += masses;
        self.flows.product_kg += kg;
        self.flows.product_lots += 1;
        self.flows.recycled_product_kg += lot.recycled_fraction * kg;
        Ok(())
    }

    /// Moves a good lot of step i onward; returns it back if the next buffer is full.
    fn push_on(
        &mut self,
        i: usize,
        lot: Lot,
        kg: f64,
        now: SimTime,
    ) -> Result<Option<(Lot, f64)>, PlantError> {
        if i + 1 == self.steps.len() {
            self.wip_add(i, now, -kg)?;
            self.deliver(lot, kg)?;
            return Ok(None);
        }
        let next = &mut self.steps[i + 1];
        if next.buffer_kg + kg <= next.capacity {
            next.buffer_kg += kg;
            next.buffer.push_back((lot, kg));
            self.wip_add(i, now, -kg)?;
            self.wip_add(i + 1, now, kg)?;
            Ok(None)
        } else {
            Ok(Some((lot, kg)))
        }
    }

    /// Starts, unblocks and moves whatever can move at `now`, until nothing changes.
    fn dispatch(&mut self, ctx: &mut Context<'_, ()>) -> Result<(), PlantError> {
        let now = ctx.now();
        loop {
            let mut changed = false;
            let mut g0 = self.index.len();
            for i in (0..self.steps.len()).rev() {
                let n = self.steps[i].units.len();
                g0 -= n;
                for u in 0..n {
                    if let Some((lot, kg)) = self.steps[i].units[u].blocked.take() {
                        match self.push_on(i, lot, kg, now)? {
                            Some(back) => {
                                self.steps[i].units[u].blocked = Some(back);
                                continue;
                            }
                            None => changed = true,
                        }
                    }
                    if !self.steps[i].units[u].machine.is_busy() && self.try_start(i, u, now)? {
                        changed = true;
                        self.schedule(ctx, g0 + u)?;
                    }
                }
            }
            if !changed {
                return Ok(());
            }
        }
    }

    /// Inventory at the end: every lot still in the plant (element masses \[kg\]).
    pub(crate) fn inventory(&mut self, now: SimTime) -> Result<ElementVector, PlantError> {
        let mut inv = ElementVector::zeros();
        for (l, _) in &self.pool {
            inv += l.element_masses();
        }
        for st in &mut self.steps {
            for (l, _) in &st.buffer {
                inv += l.element_masses();
            }
            for u in &mut st.units {
                if let Some((l, _)) = &u.blocked {
                    inv += l.element_masses();
                }
                match u.machine.advance(now)? {
                    Some(
                        MachineOutcome::Finished { job, .. } | MachineOutcome::Scrapped { job, .. },
                    ) => {
                        inv += job.lot.element_masses();
                    }
                    None => {
                        if let Some(b) = u.machine.job() {
                            inv += b.lot.element_masses();
                        }
                    }
                }
            }
        }
        Ok(inv)
    }

    /// Element masses \[kg\] of every lot in the plant, without advancing the machines (valid
    /// when no machine transition is due, e.g. after all normal-priority events of `now`).
    fn inventory_snapshot(&self) -> ElementVector {
        let mut inv = ElementVector::zeros();
        for (l, _) in &self.pool {
            inv += l.element_masses();
        }
        for st in &self.steps {
            for (l, _) in &st.buffer {
                inv += l.element_masses();
            }
            for u in &st.units {
                if let Some((l, _)) = &u.blocked {
                    inv += l.element_masses();
                }
                if let Some(b) = u.machine.job() {
                    inv += b.lot.element_masses();
                }
            }
        }
        inv
    }

    /// End of the warm-up: resets every statistic and flow, keeps the material in the plant as
    /// initial inventory.
    fn end_warmup(&mut self, now: SimTime) -> Result<(), PlantError> {
        self.initial_inventory = self.inventory_snapshot();
        for st in &mut self.steps {
            for u in &mut st.units {
                u.machine.reset_stats(now)?;
            }
            st.in_kg = 0.0;
            st.good_kg = 0.0;
            st.done_kg = 0.0;
            st.batches = 0;
            st.batch_scraps = 0;
            st.recycled_in_kg = 0.0;
            st.downgrades.clear();
            st.model_kwh = 0.0;
            st.reagent_cost = 0.0;
            st.co2e_kg = 0.0;
            st.wip.reset(now)?;
        }
        self.flows = Flows::zero();
        self.qstats = QualityStats::default();
        tracing::info!(at_h = now.as_hours(), "warm-up ended: statistics reset");
        Ok(())
    }

    /// The lot id source's next id (number of lots created + 1).
    pub(crate) fn lots_created(&mut self) -> u64 {
        self.ids.next().0 - 1
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, ()>, g: usize) -> Result<(), PlantError> {
        let now = ctx.now();
        let (i, u) = self.index[g];
        self.steps[i].units[u].wake.fired(now);
        let outcome = self.steps[i].units[u].machine.advance(now)?;
        match outcome {
            Some(MachineOutcome::Finished { job, .. }) => {
                if let Some((lot, kg)) = self.complete(i, job, now)? {
                    let back = self.push_on(i, lot, kg, now)?;
                    self.steps[i].units[u].blocked = back;
                }
            }
            Some(MachineOutcome::Scrapped { job, .. }) => {
                let route = self.steps[i].route;
                self.steps[i].batches += 1;
                self.steps[i].batch_scraps += 1;
                self.steps[i].done_kg += job.mass;
                self.steps[i].scrap_kg += job.mass;
                self.wip_add(i, now, -job.mass)?;
                let m = job.lot.element_masses();
                if let Some(t) = self.trace.as_mut() {
                    t.scrapped(i, now, &m);
                }
                self.route_scrap(&job.lot, &m, route)?;
            }
            None => {}
        }
        self.schedule(ctx, g)?;
        self.dispatch(ctx)
    }
}

fn to_des(e: PlantError) -> repm_des::DesError {
    match e {
        PlantError::Simulation(d) => d,
        other => repm_des::DesError::model(other.to_string()),
    }
}

impl Model<()> for Line {
    fn init(&mut self, ctx: &mut Context<'_, ()>) -> repm_des::Result<()> {
        if self.warmup > SimTime::ZERO {
            // lowest priority: after every machine event of that instant
            ctx.schedule_at(self.warmup, Priority::LOWEST, WARMUP_TAG)?;
        }
        self.dispatch(ctx).map_err(to_des)?;
        if let Some(t) = self.trace.as_mut() {
            t.sample(ctx.now(), &self.steps);
        }
        Ok(())
    }

    fn handle(&mut self, ctx: &mut Context<'_, ()>, event: Event<()>) -> repm_des::Result<()> {
        let out = self.handle_timer(ctx, event);
        if let Some(t) = self.trace.as_mut() {
            t.sample(ctx.now(), &self.steps);
        }
        out
    }
}

impl Line {
    fn handle_timer(
        &mut self,
        ctx: &mut Context<'_, ()>,
        event: Event<()>,
    ) -> repm_des::Result<()> {
        if let Event::Timer { tag } = event {
            if tag == WARMUP_TAG {
                return self.end_warmup(ctx.now()).map_err(to_des);
            }
            let g = usize::try_from(tag).unwrap_or(usize::MAX);
            if g < self.index.len() {
                return self.on_timer(ctx, g).map_err(to_des);
            }
        }
        Ok(())
    }
}

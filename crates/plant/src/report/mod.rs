//! The self-contained HTML report of a run ([`html`]) or a comparison ([`html_with`]).
//!
//! One file, polyglot XHTML5 (well-formed XML, so any XML parser reads it), inline CSS, inline
//! SVG charts drawn by the small chart kit in [`svg`]; no script, no external asset, no web
//! font: it opens offline in any browser. Sections (element ids):
//!
//! | id | content | data |
//! |---|---|---|
//! | `summary` | KPI table, means ± Student-t half-widths; element balance | [`Experiment`] |
//! | `steps` | per-step table; utilisation / availability / OEE bar chart | [`RunResult::steps`] of replication 0 |
//! | `gantt` | equipment Gantt: working / idle / blocked / down / off-shift per unit | re-run of replication 0 with a [`trace`] over a window after the warm-up |
//! | `sankey` | element Sankey diagrams of Nd, Pr, Dy, Tb | element flows of the re-run |
//! | `sx` | solvent-extraction stage profiles | repm-sx, when the plant has an SX step; a note otherwise |
//! | `psd` | jet-mill feed and product PSD, cumulative and density | repm-powder reference chain (strip cast → HD → jet mill) |
//! | `densification` | relative density and temperature over the sintering programme | repm-sinter master sintering curve |
//! | `demag` | B–H and J–H of the product at 20 °C and at the grade's working temperature | repm-sinter magnet model for the product composition of the re-run |
//! | `sensitivity` | tornado chart, when sensitivity results are given | [`Sensitivity`] |
//!
//! The Gantt and the Sankey need what the KPI records do not hold (state intervals, element
//! masses per flow), so the report re-runs replication 0 of the experiment with the trace on;
//! a run is a pure function of (config, seed, replication), so the re-run is the same
//! replication (the report checks that its product mass equals the record's, bit for bit).
//! See `docs/guide.md`, "HTML report".

mod html;
mod physics;
pub mod svg;
pub mod trace;

use std::collections::BTreeMap;

use repm_des::replication::ConfidenceInterval;
use repm_des::{SimTime, Simulation};
use repm_material::{Element, ElementVector};

use crate::config::PlantConfig;
use crate::error::PlantError;
use crate::line::Line;
use crate::run::{Experiment, RunResult, experiment_from_runs};

pub use svg::TornadoBar;
pub use trace::{StateInterval, StepElementFlows, UnitState};

/// Elements shown in the Sankey diagrams.
pub const SANKEY_ELEMENTS: [Element; 4] = [Element::Nd, Element::Pr, Element::Dy, Element::Tb];

/// What the report shows and how much of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Length of the Gantt window after the warm-up \[s\] (default 14 d; clipped to the horizon).
    pub gantt_window: f64,
    /// Units shown per step in the Gantt chart (the first N of each step; default 4).
    pub gantt_units_per_step: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            gantt_window: 14.0 * 86_400.0,
            gantt_units_per_step: 4,
        }
    }
}

/// One-at-a-time sensitivity results of one output (for the tornado chart).
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    /// Output name with unit, e.g. "cost [$/kg]".
    pub metric: String,
    /// Output at the base settings.
    pub base: f64,
    /// One bar per parameter: output at its low and high setting.
    pub bars: Vec<TornadoBar>,
}

/// A base plant to compare the report's plant (the scenario) against.
#[derive(Debug, Clone, Copy)]
pub struct Comparison<'a> {
    /// The base plant.
    pub base_config: &'a PlantConfig,
    /// The base experiment (same seed and replications as the scenario).
    pub base: &'a Experiment,
    /// Paired intervals scenario − base ([`crate::compare`]).
    pub differences: &'a BTreeMap<String, ConfidenceInterval>,
}

/// Element masses of the flows of one replication over the measured horizon \[kg\].
#[derive(Debug, Clone, PartialEq)]
pub struct ElementFlows {
    /// Alloy fed to the first step.
    pub feed: ElementVector,
    /// Additions (GBD Tb, O pickup, …), applied.
    pub additions: ElementVector,
    /// Finished magnets.
    pub products: ElementVector,
    /// Swarf and scrap leaving the plant.
    pub swarf: ElementVector,
    /// Losses (HD rejects, unused additions, loss-route scrap).
    pub losses: ElementVector,
    /// In the plant at the end of the warm-up.
    pub initial_inventory: ElementVector,
    /// In the plant at the end of the horizon.
    pub final_inventory: ElementVector,
}

/// Replication 0 of an experiment run again with the equipment trace on.
#[derive(Debug, Clone)]
pub struct TracedRun {
    /// Gantt window \[s\] since the start (warm-up end … warm-up end + window).
    pub window: (f64, f64),
    /// Units traced per step (the first N of each step).
    pub traced_units: Vec<usize>,
    /// State intervals of the traced units in the window, by (step, unit, start).
    pub intervals: Vec<StateInterval>,
    /// Element flows over the horizon.
    pub flows: ElementFlows,
    /// Element flows per step over the horizon, in flow order.
    pub steps: Vec<StepElementFlows>,
    /// Finished-magnet mass \[kg\] (equals the record's `balance.products_kg`).
    pub product_kg: f64,
}

/// Runs replication `rep` of `cfg` with seed `seed` and the equipment trace on, over the full
/// warm-up + horizon (the trace covers `options.gantt_window` after the warm-up).
///
/// # Errors
/// Simulation, material or model errors of the run.
pub fn traced_replication(
    cfg: &PlantConfig,
    seed: u64,
    rep: u64,
    options: &ReportOptions,
) -> Result<TracedRun, PlantError> {
    let mut c = cfg.clone();
    c.seed = seed;
    let mut line = Line::new(&c, rep)?;
    let start = SimTime::from_secs_f64(c.warmup)?;
    let end = SimTime::from_secs_f64(c.warmup + c.horizon)?;
    let win_end = SimTime::from_secs_f64(c.warmup + options.gantt_window.min(c.horizon).max(0.0))?;
    line.trace = Some(Box::new(trace::Trace::new(
        start,
        win_end,
        options.gantt_units_per_step,
    )));
    let mut sim = Simulation::<()>::new(seed, rep);
    let id = sim.add_model("line", line)?;
    sim.run_until(end)?;
    let line = sim.model_mut::<Line>(id)?;
    let final_inventory = line.inventory(end)?;
    let f = &line.flows;
    let flows = ElementFlows {
        feed: f.feed,
        additions: f.additions,
        products: f.products,
        swarf: f.swarf,
        losses: f.losses,
        initial_inventory: line.initial_inventory,
        final_inventory,
    };
    let product_kg = f.product_kg;
    let intervals = line
        .trace
        .as_ref()
        .map(|t| t.intervals())
        .unwrap_or_default();
    let mut steps = line
        .trace
        .as_ref()
        .map(|t| t.steps.clone())
        .unwrap_or_default();
    steps.resize_with(cfg.steps.len(), StepElementFlows::default);
    Ok(TracedRun {
        window: (start.as_secs_f64(), win_end.as_secs_f64()),
        traced_units: cfg
            .steps
            .iter()
            .map(|s| (s.units as usize).min(options.gantt_units_per_step))
            .collect(),
        intervals,
        flows,
        steps,
        product_kg,
    })
}

/// The HTML report of an experiment of `cfg` (default [`ReportOptions`]).
///
/// # Errors
/// [`PlantError::Invalid`] for an experiment without replications; errors of the re-run of
/// replication 0 or of the process models behind the charts.
pub fn html(e: &Experiment, cfg: &PlantConfig) -> Result<String, PlantError> {
    html_with(e, cfg, &ReportOptions::default(), None, None)
}

/// The HTML report of one replication record of `cfg`.
///
/// # Errors
/// As [`html`].
pub fn html_for_run(r: &RunResult, cfg: &PlantConfig) -> Result<String, PlantError> {
    let e = experiment_from_runs(&cfg.name, cfg.seed, cfg.confidence, vec![r.clone()])?;
    html(&e, cfg)
}

/// The HTML report with options, optional sensitivity results (tornado chart) and an optional
/// base plant the experiment is compared against.
///
/// # Errors
/// As [`html`].
pub fn html_with(
    e: &Experiment,
    cfg: &PlantConfig,
    options: &ReportOptions,
    sensitivity: Option<&Sensitivity>,
    comparison: Option<Comparison<'_>>,
) -> Result<String, PlantError> {
    let Some(r0) = e.runs.first() else {
        return Err(PlantError::Invalid {
            field: "experiment.runs".into(),
            value: "0".into(),
            reason: "the report needs at least one replication".into(),
        });
    };
    let t0 = std::time::Instant::now();
    let traced = traced_replication(cfg, e.seed, r0.replication, options)?;
    if traced.flows.products.sum().to_bits() != r0.balance.products_kg.to_bits() {
        return Err(PlantError::Model {
            model: "report".into(),
            message: format!(
                "the re-run of replication {} delivered {} kg, the record says {} kg (config or seed differ from the experiment's)",
                r0.replication,
                traced.flows.products.sum(),
                r0.balance.products_kg
            ),
        });
    }
    let base_traced = match comparison {
        Some(c) => match c.base.runs.first() {
            Some(b0) => Some(traced_replication(
                c.base_config,
                c.base.seed,
                b0.replication,
                options,
            )?),
            None => None,
        },
        None => None,
    };
    tracing::debug!(
        secs = t0.elapsed().as_secs_f64(),
        "report: traced replication"
    );
    html::document(&html::Inputs {
        cfg,
        e,
        traced: &traced,
        sensitivity,
        comparison,
        base_traced: base_traced.as_ref(),
    })
}

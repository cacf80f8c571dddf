//! `repm run` and `repm validate`: simulate a plant and print the KPI summary.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use repm_plant::{Experiment, PlantConfig, parse_time_span};

use crate::common::{CliError, emit, experiment, load, outputs};

/// Simulate a plant and print the KPI summary (no file: the built-in reference plant).
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Plant file (TOML). Default: the built-in ndfeb-2000tpa reference plant.
    pub(crate) plant: Option<PathBuf>,
    /// Number of replications (default: the plant file's `replications`).
    #[arg(long, short = 'n')]
    pub(crate) replications: Option<u32>,
    /// Base seed (default: the plant file's `seed`).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Worker threads for the replications (default: all cores).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Simulated time per replication, e.g. "30 d" (default: the plant file's `horizon`).
    #[arg(long)]
    pub(crate) horizon: Option<String>,
    /// Write the full results as JSON to this file (written atomically).
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,
    /// Write one CSV row of scalar KPIs per replication to this file (written atomically).
    #[arg(long)]
    pub(crate) csv: Option<PathBuf>,
    /// Write the self-contained HTML report (SVG charts, opens offline) to this file
    /// (written atomically).
    #[arg(long)]
    pub(crate) html: Option<PathBuf>,
}

/// `repm run`.
pub(crate) fn run(args: RunArgs) -> Result<(), CliError> {
    let RunArgs {
        plant,
        replications,
        seed,
        threads,
        horizon,
        json,
        csv,
        html,
    } = args;
    let mut cfg = load(plant.as_deref())?;
    if let Some(h) = horizon {
        cfg.horizon = parse_time_span("--horizon", &h)?;
    }
    let t0 = Instant::now();
    let e = experiment(&cfg, replications, seed, threads)?;
    let secs = t0.elapsed().as_secs_f64();
    emit(&print_summary(&Header::from(&cfg), &e, secs));
    outputs(&e, json.as_deref(), csv.as_deref())?;
    if let Some(path) = html {
        let doc = repm_plant::report::html(&e, &cfg)?;
        crate::common::write_atomic(&path, doc.as_bytes())?;
    }
    Ok(())
}

/// Check a plant file and report the first error (file, line, field).
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Plant file (TOML).
    pub(crate) plant: PathBuf,
}

/// `repm validate`.
pub(crate) fn validate(args: ValidateArgs) -> Result<(), CliError> {
    let ValidateArgs { plant } = args;
    let cfg = PlantConfig::from_file(&plant)?;
    let mut out = String::new();
    wln!(
        out,
        "{}: ok (plant `{}`, {} steps, {} calendars)",
        plant.display(),
        cfg.name,
        cfg.steps.len(),
        cfg.calendars.len()
    );
    emit(&out);
    Ok(())
}

fn fmt_ci(e: &Experiment, key: &str, scale: f64, digits: usize) -> String {
    if let Some(ci) = e.intervals.get(key) {
        format!(
            "{:>12.d$} ± {:<10.d$}",
            ci.mean * scale,
            ci.half_width * scale,
            d = digits
        )
    } else {
        let v = e
            .runs
            .first()
            .and_then(|r| r.metrics().get(key).copied())
            .unwrap_or(f64::NAN);
        format!("{:>12.d$}   {:<10}", v * scale, "", d = digits)
    }
}

/// What the summary header says about the plant.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    pub(crate) name: &'a str,
    pub(crate) horizon: f64,
    pub(crate) warmup: f64,
}

impl<'a> From<&'a PlantConfig> for Header<'a> {
    fn from(cfg: &'a PlantConfig) -> Self {
        Self {
            name: &cfg.name,
            horizon: cfg.horizon,
            warmup: cfg.warmup,
        }
    }
}

pub(crate) fn print_summary(cfg: &Header<'_>, e: &Experiment, secs: f64) -> String {
    let mut out = String::new();
    let n = e.runs.len();
    let Some(r0) = e.runs.first() else {
        return out;
    };
    wln!(
        out,
        "plant `{}`: {} replication(s) of {:.1} d after {:.1} d warm-up, seed {}, {:.0} % intervals ({:.2} s)",
        cfg.name,
        n,
        cfg.horizon / 86_400.0,
        cfg.warmup / 86_400.0,
        e.seed,
        100.0 * e.confidence,
        secs
    );
    wln!(out);
    wln!(out, "{:<40} {:>12}   {:<10}", "KPI", "mean", "± half-width");
    // A KPI the plant does not define (Br and Hcj of an oxide plant) is left out, not printed
    // as NaN.
    for row in repm_plant::summary_rows(&[e]) {
        wln!(
            out,
            "{:<40} {}",
            row.label,
            fmt_ci(e, &row.key, row.scale, row.decimals)
        );
    }
    wln!(
        out,
        "{:<40} {:>12}",
        "bottleneck (replication 0)",
        r0.bottleneck
    );
    wln!(
        out,
        "{:<40} {:>12.2e}   (in {:.0} t + initial {:.0} = products {:.0} + co-products {:.0} + scrap {:.0} + losses {:.0} + inventory {:.0})",
        "element balance, max rel. error",
        e.runs
            .iter()
            .map(|r| r.balance.max_relative_error)
            .fold(0.0, f64::max),
        r0.balance.inputs_kg / 1e3,
        r0.balance.initial_inventory_kg / 1e3,
        r0.balance.products_kg / 1e3,
        r0.balance.coproducts_kg / 1e3,
        r0.balance.scrap_kg / 1e3,
        r0.balance.losses_kg / 1e3,
        r0.balance.inventory_kg / 1e3,
    );
    wln!(out);
    wln!(out, "per step (replication 0):");
    wln!(
        out,
        "{:<14} {:>5} {:>9} {:>7} {:>7} {:>7} {:>7} {:>8} {:>9} {:>8}",
        "step",
        "units",
        "in [t]",
        "yield",
        "util",
        "avail",
        "OEE",
        "WIP [t]",
        "cycle [h]",
        "failures"
    );
    for s in &r0.steps {
        wln!(
            out,
            "{:<14} {:>5} {:>9.1} {:>7.4} {:>7.3} {:>7.3} {:>7.3} {:>8.1} {:>9.1} {:>8}",
            s.name,
            s.units,
            s.mass_in / 1e3,
            s.yield_,
            s.utilisation,
            s.availability,
            s.oee,
            s.wip_mean / 1e3,
            s.cycle_time_h,
            s.failures
        );
    }
    wln!(out);
    wln!(out, "cost breakdown [$/kg] (replication 0):");
    for (k, v) in &r0.cost_breakdown {
        wln!(out, "  {k:<14} {v:>9.2}");
    }
    wln!(out, "  {:<14} {:>9.2}", "total", r0.cost_per_kg);
    if let Some(net) = r0.net_cost_per_kg {
        wln!(
            out,
            "  {:<14} {:>9.2}",
            "co-product cr.",
            net - r0.cost_per_kg
        );
        wln!(out, "  {:<14} {:>9.2}", "net total", net);
    }
    out
}

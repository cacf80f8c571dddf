//! `repm sensitivity`: one-at-a-time sensitivity (tornado) of the KPIs to chosen parameters,
//! with common random numbers and paired intervals against the base plant.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use repm_plant::sensitivity::TornadoBar;
use repm_plant::{
    ParamRange, SensitivityResult, SensitivitySpec, parse_time_span, run_sensitivity_with_base,
};

use crate::common::{CliError, emit, load, pool, write_atomic, write_json};
use crate::progress::Progress;

/// KPIs tabulated when no `--kpi` is given (those the plant defines).
const DEFAULT_KPIS: [&str; 7] = [
    "throughput_t_per_y",
    "cost_per_kg",
    "co2e_per_kg",
    "energy_kwh_per_kg",
    "overall_yield",
    "heavy_re_g_per_kg",
    "qc_pass_fraction",
];

/// Flags of `repm sensitivity`.
#[derive(Debug, Args)]
pub(crate) struct SensitivityArgs {
    /// Plant file (TOML). Default: the built-in ndfeb-2000tpa reference plant.
    pub(crate) plant: Option<PathBuf>,
    /// A parameter as `PATH=LOW,HIGH`: a dotted path into the plant file (as in a scenario's
    /// `[overrides]`) and two values written as in the plant file, e.g.
    /// `steps.sinter.units=12,16` or `steps.sinter.cycle_time.mean=10 h,14 h`. Repeatable.
    #[arg(long = "param", value_name = "PATH=LOW,HIGH")]
    pub(crate) params: Vec<String>,
    /// A TOML file of parameters (`[[param]]` tables with `path`, `low`, `high`), run before
    /// those given with `--param`.
    #[arg(long = "params", value_name = "FILE")]
    pub(crate) params_file: Option<PathBuf>,
    /// Replications of each run (base, each low, each high; default: the plant file's
    /// `replications`; >= 2).
    #[arg(long, short = 'n')]
    pub(crate) replications: Option<u32>,
    /// Base seed of every run (default: the plant file's `seed`).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Worker threads for the replications (default: all cores).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Simulated time per replication, e.g. "90 d" (default: the plant file's `horizon`).
    #[arg(long)]
    pub(crate) horizon: Option<String>,
    /// KPI to tabulate (a metric name of `repm run --json`, e.g. `cost_per_kg`); repeatable.
    /// Default: throughput, cost, CO2e, energy, overall yield, heavy RE, QC pass.
    #[arg(long = "kpi")]
    pub(crate) kpis: Vec<String>,
    /// Write the full result (every KPI, paired intervals) as JSON to this file (atomically).
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,
    /// Write one CSV row per parameter and KPI to this file (atomically).
    #[arg(long)]
    pub(crate) csv: Option<PathBuf>,
    /// Write the HTML report of the base plant with the tornado chart of the first `--kpi`
    /// (default `cost_per_kg`, else the first KPI tabulated) to this file (atomically).
    #[arg(long)]
    pub(crate) html: Option<PathBuf>,
}

/// `repm sensitivity`.
pub(crate) fn sensitivity(args: SensitivityArgs) -> Result<(), CliError> {
    let mut cfg = load(args.plant.as_deref())?;
    if let Some(h) = &args.horizon {
        cfg.horizon = parse_time_span("--horizon", h)?;
    }
    let mut params = Vec::new();
    if let Some(p) = &args.params_file {
        let file = p.display().to_string();
        let text = std::fs::read_to_string(p)
            .map_err(|e| CliError::Input(format!("cannot read `{file}`: {e}")))?;
        params.extend(SensitivitySpec::from_toml_str(&text, &file)?.param);
    }
    for p in &args.params {
        params.push(ParamRange::parse(p)?);
    }
    if params.is_empty() {
        return Err(CliError::Input(
            "no parameters: give `--param PATH=LOW,HIGH` (repeatable) or `--params FILE`".into(),
        ));
    }
    let n = args.replications.unwrap_or(cfg.replications);
    if n < 2 {
        return Err(CliError::Input(format!(
            "invalid `--replications` = {n}: sensitivity needs >= 2 (paired intervals)"
        )));
    }
    let seed = args.seed.unwrap_or(cfg.seed);
    let pool = pool(args.threads)?;
    let total = (2 * params.len() as u64 + 1) * u64::from(n);
    let progress = Progress::new(&format!("{} sensitivity", cfg.name), total);
    let t0 = Instant::now();
    let r =
        pool.install(|| run_sensitivity_with_base(&cfg, &params, n, seed, &|_| progress.tick()));
    progress.finish();
    let (r, base) = r?;
    let secs = t0.elapsed().as_secs_f64();
    let kpis: Vec<String> = if args.kpis.is_empty() {
        DEFAULT_KPIS
            .iter()
            .filter(|k| r.base.contains_key(**k))
            .map(|k| (*k).to_owned())
            .collect()
    } else {
        for k in &args.kpis {
            if !r.base.contains_key(k) {
                return Err(CliError::Input(format!(
                    "invalid `--kpi` = {k:?}: not a KPI of this plant (known: {})",
                    r.kpis().join(", ")
                )));
            }
        }
        args.kpis.clone()
    };
    emit(&table(&r, &kpis, secs));
    if let Some(path) = &args.json {
        let v = serde_json::to_value(&r)
            .map_err(|e| CliError::Run(format!("cannot serialise results: {e}")))?;
        write_json(path, &v)?;
    }
    if let Some(path) = &args.csv {
        write_atomic(path, csv(&r).as_bytes())?;
    }
    if let Some(path) = &args.html {
        let kpi = if args.kpis.is_empty() && r.base.contains_key("cost_per_kg") {
            "cost_per_kg"
        } else {
            kpis.first().map_or("cost_per_kg", String::as_str)
        };
        let tornado = r.report_tornado(kpi);
        let opts = repm_plant::report::ReportOptions::default();
        let doc = pool.install(|| {
            repm_plant::report::html_with(&base, &cfg, &opts, tornado.as_ref(), None)
        })?;
        write_atomic(path, doc.as_bytes())?;
    }
    Ok(())
}

fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn delta(d: f64, hw: f64) -> String {
    format!("{d:+.4} ± {hw:.4}")
}

fn table(r: &SensitivityResult, kpis: &[String], secs: f64) -> String {
    let mut out = String::new();
    wln!(
        out,
        "sensitivity of `{}`: {} parameter(s), low and high each against the base, {} paired replications per run (common random numbers), seed {}, {:.0} % intervals ({:.2} s)",
        r.plant,
        r.parameters.len(),
        r.replications,
        r.seed,
        100.0 * r.confidence,
        secs
    );
    for kpi in kpis {
        wln!(out);
        match r.base.get(kpi) {
            Some(b) => wln!(
                out,
                "{kpi}: base {:.4} ± {:.4}; parameters by swing",
                b.mean,
                b.half_width
            ),
            None => wln!(out, "{kpi}:"),
        }
        wln!(
            out,
            "  {:<34} {:>12} {:>26} {:>12} {:>26} {:>12}",
            "parameter",
            "low",
            "Δ low",
            "high",
            "Δ high",
            "swing"
        );
        let bars: Vec<TornadoBar> = r.tornado(kpi);
        for b in &bars {
            wln!(
                out,
                "  {:<34} {:>12} {:>26} {:>12} {:>26} {:>12.4}",
                b.path,
                value_text(&b.low_value),
                delta(b.low_delta, b.low_half_width),
                value_text(&b.high_value),
                delta(b.high_delta, b.high_half_width),
                b.swing
            );
        }
        if bars.len() < r.parameters.len() {
            wln!(
                out,
                "  ({} parameter(s) left out: the KPI is undefined in some replication)",
                r.parameters.len() - bars.len()
            );
        }
    }
    out
}

/// Quotes a CSV field if it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// One row per (KPI, parameter), KPIs in name order, parameters by decreasing swing.
fn csv(r: &SensitivityResult) -> String {
    let mut out = String::from(
        "kpi,parameter,base_value,low_value,high_value,base_mean,low_delta,low_half_width,high_delta,high_half_width,swing\n",
    );
    for (kpi, base) in &r.base {
        for b in r.tornado(kpi) {
            let base_value = r
                .parameters
                .iter()
                .find(|p| p.path == b.path)
                .and_then(|p| p.base_value.as_ref())
                .map(value_text)
                .unwrap_or_default();
            let row = [
                csv_field(kpi),
                csv_field(&b.path),
                csv_field(&base_value),
                csv_field(&value_text(&b.low_value)),
                csv_field(&value_text(&b.high_value)),
                base.mean.to_string(),
                b.low_delta.to_string(),
                b.low_half_width.to_string(),
                b.high_delta.to_string(),
                b.high_half_width.to_string(),
                b.swing.to_string(),
            ];
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    out
}

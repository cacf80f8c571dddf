//! `repm compare`: a scenario against a base plant with common random numbers.

use std::path::PathBuf;

use clap::Args;
use repm_plant::{PlantConfig, compare as compare_experiments, parse_time_span};

use crate::common::{CliError, emit, experiment, write_json};

/// Compare a scenario with a base plant with common random numbers and paired intervals.
#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// Base plant file.
    pub(crate) base: PathBuf,
    /// Scenario plant file.
    pub(crate) scenario: PathBuf,
    /// Number of replications (default: the base file's `replications`).
    #[arg(long, short = 'n')]
    pub(crate) replications: Option<u32>,
    /// Base seed (default: the base file's `seed`).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Simulated time per replication, e.g. "30 d" (default: each file's `horizon`).
    #[arg(long)]
    pub(crate) horizon: Option<String>,
    /// Write the comparison as JSON to this file (written atomically).
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,
    /// Write the self-contained HTML report of the comparison (written atomically).
    #[arg(long)]
    pub(crate) html: Option<PathBuf>,
}

/// `repm compare`.
pub(crate) fn compare(args: CompareArgs) -> Result<(), CliError> {
    let CompareArgs {
        base,
        scenario,
        replications,
        seed,
        threads,
        horizon,
        json,
        html,
    } = args;
    let mut b = PlantConfig::from_file(&base)?;
    let mut s = PlantConfig::from_file(&scenario)?;
    if let Some(h) = horizon {
        let h = parse_time_span("--horizon", &h)?;
        b.horizon = h;
        s.horizon = h;
    }
    let n = replications.unwrap_or(b.replications);
    if n < 2 {
        return Err(CliError::Input(
            "invalid `--replications`: compare needs >= 2".into(),
        ));
    }
    let seed = seed.or(Some(b.seed));
    let eb = experiment(&b, Some(n), seed, threads)?;
    let es = experiment(&s, Some(n), seed, threads)?;
    let d = compare_experiments(&eb, &es)?;
    let mut out = String::new();
    wln!(
        out,
        "scenario `{}` − base `{}`: {} paired replications (common random numbers), {:.0} % intervals",
        s.name,
        b.name,
        n,
        100.0 * eb.confidence
    );
    wln!(
        out,
        "{:<34} {:>14}   {:<12}",
        "metric",
        "mean diff",
        "± half-width"
    );
    for (k, ci) in &d {
        wln!(out, "{k:<34} {:>14.6} ± {:<12.6}", ci.mean, ci.half_width);
    }
    emit(&out);
    if let Some(path) = json {
        let v = serde_json::json!({ "base": eb, "scenario": es, "differences": d });
        write_json(&path, &v)?;
    }
    if let Some(path) = html {
        let cmp = repm_plant::report::Comparison {
            base_config: &b,
            base: &eb,
            differences: &d,
        };
        let opts = repm_plant::report::ReportOptions::default();
        let doc = repm_plant::report::html_with(&es, &s, &opts, None, Some(cmp))?;
        crate::common::write_atomic(&path, doc.as_bytes())?;
    }
    Ok(())
}

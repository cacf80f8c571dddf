//! The `repm` command: run, validate and compare repm plant configurations.
//!
//! ```text
//! repm run [PLANT.toml] [--replications N] [--seed S] [--threads T] [--horizon H] [--json OUT] [--csv OUT]
//! repm validate PLANT.toml
//! repm compare BASE.toml SCENARIO.toml [--replications N] [--seed S] [--horizon H] [--json OUT]
//! repm sweep [PLANT.toml] --shard i/n --out DIR [--replications N] [--seed S] [--horizon H]
//! repm merge DIR [--json OUT] [--csv OUT]
//! ```
//! Without a plant file, `run` simulates the built-in reference plant
//! (`examples/plants/ndfeb-2000tpa.toml`). Bad input exits with code 2 and a message naming
//! the file, line and field; `RUST_LOG` controls tracing output (stderr).

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::{Parser, Subcommand};
use repm_plant::sweep::{ShardFile, merge_shards, run_shard, shard_replications};
use repm_plant::{
    Experiment, PlantConfig, PlantError, compare, parse_time_span, run_replications_with_progress,
};

/// repm: rare-earth permanent-magnet plant simulation.
#[derive(Debug, Parser)]
#[command(name = "repm", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a plant and print the KPI summary (no file: the built-in reference plant).
    Run {
        /// Plant file (TOML). Default: the built-in ndfeb-2000tpa reference plant.
        plant: Option<PathBuf>,
        /// Number of replications (default: the plant file's `replications`).
        #[arg(long, short = 'n')]
        replications: Option<u32>,
        /// Base seed (default: the plant file's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads for the replications (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Simulated time per replication, e.g. "30 d" (default: the plant file's `horizon`).
        #[arg(long)]
        horizon: Option<String>,
        /// Write the full results as JSON to this file (written atomically).
        #[arg(long)]
        json: Option<PathBuf>,
        /// Write one CSV row of scalar KPIs per replication to this file (written atomically).
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// Check a plant file and report the first error (file, line, field).
    Validate {
        /// Plant file (TOML).
        plant: PathBuf,
    },
    /// Compare a scenario with a base plant with common random numbers and paired intervals.
    Compare {
        /// Base plant file.
        base: PathBuf,
        /// Scenario plant file.
        scenario: PathBuf,
        /// Number of replications (default: the base file's `replications`).
        #[arg(long, short = 'n')]
        replications: Option<u32>,
        /// Base seed (default: the base file's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Simulated time per replication, e.g. "30 d" (default: each file's `horizon`).
        #[arg(long)]
        horizon: Option<String>,
        /// Write the comparison as JSON to this file (written atomically).
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Run one shard of an experiment (replications r with r % n == i) into DIR, for batch
    /// engines (Slurm job arrays, Kubernetes Indexed Jobs); join with `repm merge DIR`.
    Sweep {
        /// Plant file (TOML). Default: the built-in ndfeb-2000tpa reference plant.
        plant: Option<PathBuf>,
        /// Replications of the whole experiment (default: the plant file's `replications`).
        #[arg(long, short = 'n')]
        replications: Option<u32>,
        /// This shard as `i/n`: index i (0-based) of n shards.
        #[arg(long)]
        shard: String,
        /// Output directory (created if missing); the shard is written atomically to
        /// `DIR/shard-<i>-of-<n>.toml`.
        #[arg(long)]
        out: PathBuf,
        /// Base seed (default: the plant file's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads for this shard's replications (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Simulated time per replication, e.g. "30 d" (default: the plant file's `horizon`).
        #[arg(long)]
        horizon: Option<String>,
    },
    /// Join the shards in DIR (checked: same experiment, each replication exactly once) and
    /// print the KPI summary of `repm run`.
    Merge {
        /// Directory holding the `shard-*.toml` files of one experiment.
        dir: PathBuf,
        /// Write the full results as JSON to this file (written atomically).
        #[arg(long)]
        json: Option<PathBuf>,
        /// Write one CSV row of scalar KPIs per replication to this file (written atomically).
        #[arg(long)]
        csv: Option<PathBuf>,
    },
}

/// `writeln!` into a `String` (never fails).
macro_rules! wln {
    ($o:expr) => {
        $o.push('\n')
    };
    ($o:expr, $($t:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($o, $($t)*);
    }};
}

/// Errors of the command, with their exit codes.
#[derive(Debug)]
enum CliError {
    /// Bad input: exit code 2.
    Input(String),
    /// A run failed (balance, model): exit code 1.
    Run(String),
}

impl From<PlantError> for CliError {
    fn from(e: PlantError) -> Self {
        match e {
            PlantError::Io { .. }
            | PlantError::Parse { .. }
            | PlantError::Invalid { .. }
            | PlantError::InvalidAt { .. } => CliError::Input(e.to_string()),
            other => CliError::Run(other.to_string()),
        }
    }
}

fn load(path: Option<&Path>) -> Result<PlantConfig, CliError> {
    Ok(match path {
        Some(p) => PlantConfig::from_file(p)?,
        None => PlantConfig::reference()?,
    })
}

fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, CliError> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        if t == 0 {
            return Err(CliError::Input(
                "invalid `--threads` = 0: must be >= 1".into(),
            ));
        }
        b = b.num_threads(t);
    }
    b.build().map_err(|e| CliError::Run(e.to_string()))
}

fn experiment(
    cfg: &PlantConfig,
    replications: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> Result<Experiment, CliError> {
    let n = replications.unwrap_or(cfg.replications);
    if n == 0 {
        return Err(CliError::Input(
            "invalid `--replications` = 0: must be >= 1".into(),
        ));
    }
    let seed = seed.unwrap_or(cfg.seed);
    let pool = pool(threads)?;
    let progress = Progress::new(&cfg.name, u64::from(n));
    let e = pool.install(|| run_replications_with_progress(cfg, n, seed, &|_| progress.tick()));
    progress.finish();
    Ok(e?)
}

/// A one-line replication counter on stderr (`plant: 12/100 replications, 8 s`), redrawn in
/// place; only when stderr is a terminal, so piped or redirected output never sees it.
#[derive(Debug)]
struct Progress {
    label: String,
    total: u64,
    done: AtomicU64,
    start: Instant,
    enabled: bool,
}

impl Progress {
    fn new(label: &str, total: u64) -> Self {
        Self {
            label: label.to_owned(),
            total,
            done: AtomicU64::new(0),
            start: Instant::now(),
            enabled: total > 1 && std::io::stderr().is_terminal(),
        }
    }

    fn tick(&self) {
        let k = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r{}: {k}/{} replications, {:.0} s ",
                self.label,
                self.total,
                self.start.elapsed().as_secs_f64()
            );
            let _ = err.flush();
        }
    }

    fn finish(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

/// The scalar KPIs of every replication as CSV: a header `replication,<metric>,...` (metrics
/// in name order), one row per replication.
fn csv_text(e: &Experiment) -> String {
    let mut out = String::new();
    let Some(first) = e.runs.first() else {
        return out;
    };
    let keys: Vec<String> = first.metrics().into_keys().collect();
    out.push_str("replication");
    for k in &keys {
        out.push(',');
        out.push_str(k);
    }
    out.push('\n');
    for r in &e.runs {
        let m = r.metrics();
        out.push_str(&r.replication.to_string());
        for k in &keys {
            out.push(',');
            if let Some(v) = m.get(k).filter(|v| v.is_finite()) {
                out.push_str(&v.to_string());
            }
        }
        out.push('\n');
    }
    out
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::Run(format!("cannot write `{}`: {e}", path.display()));
    let file_name = path
        .file_name()
        .ok_or_else(|| CliError::Input(format!("invalid output path `{}`", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    {
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// Writes `value` as pretty JSON to `path` through a temporary file and a rename, so a failed
/// run leaves a previous output intact.
fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), CliError> {
    let mut text = serde_json::to_vec_pretty(value)
        .map_err(|e| CliError::Run(format!("cannot serialise results: {e}")))?;
    text.push(b'\n');
    write_atomic(path, &text)
}

/// Writes the `--json` and `--csv` outputs of an experiment.
fn outputs(e: &Experiment, json: Option<&Path>, csv: Option<&Path>) -> Result<(), CliError> {
    if let Some(path) = json {
        let v = serde_json::to_value(e)
            .map_err(|err| CliError::Run(format!("cannot serialise results: {err}")))?;
        write_json(path, &v)?;
    }
    if let Some(path) = csv {
        write_atomic(path, csv_text(e).as_bytes())?;
    }
    Ok(())
}

/// Parses `--shard i/n`.
fn parse_shard(s: &str) -> Result<(u32, u32), CliError> {
    let bad = |why: &str| CliError::Input(format!("invalid `--shard` = {s:?}: {why}"));
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| bad("expected i/n, e.g. 0/4"))?;
    let i: u32 = i
        .trim()
        .parse()
        .map_err(|_| bad("i must be an integer >= 0"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| bad("n must be an integer >= 1"))?;
    if n == 0 {
        return Err(bad("n must be >= 1"));
    }
    if i >= n {
        return Err(bad("i must be < n (0-based index)"));
    }
    Ok((i, n))
}

/// File name of shard `i` of `n` (zero-padded so a listing sorts by index).
fn shard_file_name(i: u32, n: u32) -> String {
    format!("shard-{i:05}-of-{n:05}.toml")
}

/// Reads every `shard-*.toml` in `dir` (sorted by name; temporary `.`-files are skipped).
fn read_shards(dir: &Path) -> Result<Vec<(String, ShardFile)>, CliError> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| CliError::Input(format!("cannot read directory `{}`: {e}", dir.display())))?;
    let mut paths = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| {
            CliError::Input(format!("cannot read directory `{}`: {e}", dir.display()))
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("shard-") && name.ends_with(".toml") {
            paths.push(entry.path());
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(CliError::Input(format!(
            "no shard files (`shard-*.toml`) in `{}`",
            dir.display()
        )));
    }
    let mut out = Vec::new();
    for p in paths {
        let file = p.display().to_string();
        let text = std::fs::read_to_string(&p)
            .map_err(|e| CliError::Input(format!("cannot read `{file}`: {e}")))?;
        out.push((file.clone(), ShardFile::from_toml_str(&text, &file)?));
    }
    Ok(out)
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
struct Header<'a> {
    name: &'a str,
    horizon: f64,
    warmup: f64,
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

fn print_summary(cfg: &Header<'_>, e: &Experiment, secs: f64) -> String {
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
    wln!(out, "{:<34} {:>12}   {:<10}", "KPI", "mean", "± half-width");
    let rows: [(&str, &str, f64, usize); 11] = [
        ("throughput [t/y]", "throughput_t_per_y", 1.0, 1),
        ("overall yield [%]", "overall_yield", 100.0, 2),
        ("energy [kWh/kg]", "energy_kwh_per_kg", 1.0, 2),
        ("CO2e [kg/kg]", "co2e_per_kg", 1.0, 2),
        ("cost [$/kg]", "cost_per_kg", 1.0, 2),
        ("heavy RE Dy+Tb [g/kg]", "heavy_re_g_per_kg", 1.0, 2),
        ("recycled content [%]", "recycled_fraction", 100.0, 2),
        ("oxygen in product [ppm]", "oxygen_ppm", 1.0, 0),
        ("Br mean [T]", "br_mean", 1.0, 4),
        ("Hcj mean [kA/m]", "hcj_mean_ka_m", 1.0, 1),
        ("QC pass (target grade) [%]", "qc_pass_fraction", 100.0, 2),
    ];
    for (label, key, scale, d) in rows {
        wln!(out, "{label:<34} {}", fmt_ci(e, key, scale, d));
    }
    wln!(
        out,
        "{:<34} {:>12}",
        "bottleneck (replication 0)",
        r0.bottleneck
    );
    wln!(
        out,
        "{:<34} {:>12.2e}   (in {:.0} t + initial {:.0} = products {:.0} + scrap {:.0} + losses {:.0} + inventory {:.0})",
        "element balance, max rel. error",
        e.runs
            .iter()
            .map(|r| r.balance.max_relative_error)
            .fold(0.0, f64::max),
        r0.balance.inputs_kg / 1e3,
        r0.balance.initial_inventory_kg / 1e3,
        r0.balance.products_kg / 1e3,
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
    out
}

/// Prints to stdout; a closed pipe (`repm run | head`) is not an error.
fn emit(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run {
            plant,
            replications,
            seed,
            threads,
            horizon,
            json,
            csv,
        } => {
            let mut cfg = load(plant.as_deref())?;
            if let Some(h) = horizon {
                cfg.horizon = parse_time_span("--horizon", &h)?;
            }
            let t0 = Instant::now();
            let e = experiment(&cfg, replications, seed, threads)?;
            let secs = t0.elapsed().as_secs_f64();
            emit(&print_summary(&Header::from(&cfg), &e, secs));
            outputs(&e, json.as_deref(), csv.as_deref())
        }
        Command::Sweep {
            plant,
            replications,
            shard,
            out,
            seed,
            threads,
            horizon,
        } => {
            let mut cfg = load(plant.as_deref())?;
            if let Some(h) = horizon {
                cfg.horizon = parse_time_span("--horizon", &h)?;
            }
            let (i, n) = parse_shard(&shard)?;
            let reps = replications.unwrap_or(cfg.replications);
            if reps == 0 {
                return Err(CliError::Input(
                    "invalid `--replications` = 0: must be >= 1".into(),
                ));
            }
            let seed = seed.unwrap_or(cfg.seed);
            let pool = pool(threads)?;
            let t0 = Instant::now();
            let progress = Progress::new(
                &format!("{} shard {i}/{n}", cfg.name),
                shard_replications(reps, n, i).len() as u64,
            );
            let s = pool.install(|| run_shard(&cfg, reps, seed, n, i, &|_| progress.tick()));
            progress.finish();
            let mut s = s?;
            s.manifest.elapsed_s = t0.elapsed().as_secs_f64();
            std::fs::create_dir_all(&out)
                .map_err(|e| CliError::Input(format!("cannot create `{}`: {e}", out.display())))?;
            let path = out.join(shard_file_name(i, n));
            write_atomic(&path, s.to_toml()?.as_bytes())?;
            let mut text = String::new();
            wln!(
                text,
                "shard {i}/{n} of `{}` ({} replications, seed {seed}): replications {:?} -> {} ({:.2} s)",
                cfg.name,
                reps,
                s.runs.iter().map(|r| r.replication).collect::<Vec<_>>(),
                path.display(),
                s.manifest.elapsed_s
            );
            emit(&text);
            Ok(())
        }
        Command::Merge { dir, json, csv } => {
            let shards = read_shards(&dir)?;
            let m = merge_shards(shards)?;
            let h = Header {
                name: &m.manifest.plant,
                horizon: m.manifest.horizon_s,
                warmup: m.manifest.warmup_s,
            };
            emit(&print_summary(&h, &m.experiment, m.manifest.elapsed_s));
            outputs(&m.experiment, json.as_deref(), csv.as_deref())
        }
        Command::Validate { plant } => {
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
        Command::Compare {
            base,
            scenario,
            replications,
            seed,
            threads,
            horizon,
            json,
        } => {
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
            let d = compare(&eb, &es)?;
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
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Input(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(CliError::Run(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(1)
        }
    }
}

//! `repm sweep` and `repm merge`: shards of one experiment for batch engines.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use repm_plant::parse_time_span;
use repm_plant::sweep::{ShardFile, merge_shards, run_shard, shard_replications};

use crate::cmd_run::{Header, print_summary};
use crate::common::{CliError, emit, load, outputs, pool, write_atomic};
use crate::progress::Progress;

/// Run one shard of an experiment (replications r with r % n == i) into DIR, for batch
/// engines (Slurm job arrays, Kubernetes Indexed Jobs); join with `repm merge DIR`.
#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    /// Plant file (TOML). Default: the built-in ndfeb-2000tpa reference plant.
    pub(crate) plant: Option<PathBuf>,
    /// Replications of the whole experiment (default: the plant file's `replications`).
    #[arg(long, short = 'n')]
    pub(crate) replications: Option<u32>,
    /// This shard as `i/n`: index i (0-based) of n shards.
    #[arg(long)]
    pub(crate) shard: String,
    /// Output directory (created if missing); the shard is written atomically to
    /// `DIR/shard-<i>-of-<n>.toml`.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Base seed (default: the plant file's `seed`).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Worker threads for this shard's replications (default: all cores).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Simulated time per replication, e.g. "30 d" (default: the plant file's `horizon`).
    #[arg(long)]
    pub(crate) horizon: Option<String>,
    /// Also write this shard's per-replication KPI table as Parquet to
    /// `DIR/shard-<i>-of-<n>.parquet` (atomically; a directory of such files is one Parquet
    /// dataset). Needs the `parquet` cargo feature (default).
    #[arg(long)]
    pub(crate) parquet: bool,
}

/// `repm sweep`.
pub(crate) fn sweep(args: SweepArgs) -> Result<(), CliError> {
    let SweepArgs {
        plant,
        replications,
        shard,
        out,
        seed,
        threads,
        horizon,
        parquet,
    } = args;
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
    if parquet {
        let pq = path.with_extension("parquet");
        write_kpi_parquet(
            &pq,
            &s.manifest.plant,
            &s.manifest.config_hash,
            seed,
            n,
            &s.runs,
        )?;
    }
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

/// Join the shards in DIR (checked: same experiment, each replication exactly once) and
/// print the KPI summary of `repm run`.
#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// Directory holding the `shard-*.toml` files of one experiment.
    pub(crate) dir: PathBuf,
    /// Write the full results as JSON to this file (written atomically).
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,
    /// Write one CSV row of scalar KPIs per replication to this file (written atomically).
    #[arg(long)]
    pub(crate) csv: Option<PathBuf>,
    /// Write the per-replication KPI table (one row per replication: config hash, seed,
    /// shard, replication index, every scalar KPI) as Parquet to this file (atomically).
    /// Needs the `parquet` cargo feature (default).
    #[arg(long, value_name = "FILE")]
    pub(crate) parquet: Option<PathBuf>,
}

/// `repm merge`.
pub(crate) fn merge(args: MergeArgs) -> Result<(), CliError> {
    let MergeArgs {
        dir,
        json,
        csv,
        parquet,
    } = args;
    let shards = read_shards(&dir)?;
    let m = merge_shards(shards)?;
    let h = Header {
        name: &m.manifest.plant,
        horizon: m.manifest.horizon_s,
        warmup: m.manifest.warmup_s,
    };
    emit(&print_summary(&h, &m.experiment, m.manifest.elapsed_s));
    outputs(&m.experiment, json.as_deref(), csv.as_deref())?;
    if let Some(p) = parquet {
        write_kpi_parquet(
            &p,
            &m.manifest.plant,
            &m.manifest.config_hash,
            m.experiment.seed,
            m.manifest.shards,
            &m.experiment.runs,
        )?;
    }
    Ok(())
}

/// Writes the per-replication KPI table as Parquet (atomically).
#[cfg(feature = "parquet")]
fn write_kpi_parquet(
    path: &Path,
    plant: &str,
    config_hash: &str,
    seed: u64,
    shards: u32,
    runs: &[repm_plant::RunResult],
) -> Result<(), CliError> {
    let bytes = crate::parquet_out::to_parquet(&crate::parquet_out::KpiTable {
        plant,
        config_hash,
        seed,
        shards,
        runs,
    })?;
    write_atomic(path, &bytes)
}

/// Without the `parquet` feature, `--parquet` is an input error.
#[cfg(not(feature = "parquet"))]
fn write_kpi_parquet(
    _path: &Path,
    _plant: &str,
    _config_hash: &str,
    _seed: u64,
    _shards: u32,
    _runs: &[repm_plant::RunResult],
) -> Result<(), CliError> {
    Err(CliError::Input(
        "invalid `--parquet`: this repm was built without the `parquet` cargo feature".into(),
    ))
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

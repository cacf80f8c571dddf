//! Shared pieces of the subcommands: errors and exit codes, loading plants, thread pools,
//! atomic output files, stdout.

use std::io::Write as _;
use std::path::Path;

use repm_plant::{Experiment, PlantConfig, PlantError, run_replications_with_progress};

use crate::progress::Progress;

/// Errors of the command, with their exit codes.
#[derive(Debug)]
pub(crate) enum CliError {
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

pub(crate) fn load(path: Option<&Path>) -> Result<PlantConfig, CliError> {
    Ok(match path {
        Some(p) => PlantConfig::from_file(p)?,
        None => PlantConfig::reference()?,
    })
}

pub(crate) fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, CliError> {
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

pub(crate) fn experiment(
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

/// The scalar KPIs of every replication as CSV: a header `replication,<metric>,...` (metrics
/// in name order), one row per replication.
pub(crate) fn csv_text(e: &Experiment) -> String {
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
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
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
pub(crate) fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), CliError> {
    let mut text = serde_json::to_vec_pretty(value)
        .map_err(|e| CliError::Run(format!("cannot serialise results: {e}")))?;
    text.push(b'\n');
    write_atomic(path, &text)
}

/// Writes the `--json` and `--csv` outputs of an experiment.
pub(crate) fn outputs(
    e: &Experiment,
    json: Option<&Path>,
    csv: Option<&Path>,
) -> Result<(), CliError> {
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

/// Prints to stdout; a closed pipe (`repm run | head`) is not an error.
pub(crate) fn emit(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

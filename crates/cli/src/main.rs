//! The `repm` command: run, validate and compare repm plant configurations.
//!
//! ```text
//! repm run [PLANT.toml] [--replications N] [--seed S] [--threads T] [--horizon H] [--json OUT] [--csv OUT]
//! repm validate PLANT.toml
//! repm compare BASE.toml SCENARIO.toml [--replications N] [--seed S] [--horizon H] [--json OUT]
//! repm sweep [PLANT.toml] --shard i/n --out DIR [--replications N] [--seed S] [--horizon H] [--parquet]
//! repm merge DIR [--json OUT] [--csv OUT] [--parquet FILE]
//! repm sensitivity [PLANT.toml] --param PATH=LOW,HIGH ... [--params FILE] [-n N] [--kpi K ...] [--json OUT] [--csv OUT]
//! repm sx design --beta B --feed-a F --purity-a PA --purity-b PB [--rigorous] [--json [OUT]]
//! ```
//! Without a plant file, `run` simulates the built-in reference plant
//! (`examples/plants/ndfeb-2000tpa.toml`). Bad input exits with code 2 and a message naming
//! the file, line and field; `RUST_LOG` controls tracing output (stderr).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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

mod cmd_compare;
mod cmd_run;
mod cmd_sensitivity;
mod cmd_sweep;
mod cmd_sx;
mod common;
#[cfg(feature = "parquet")]
mod parquet_out;
mod progress;

use common::CliError;

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
    Run(cmd_run::RunArgs),
    /// Check a plant file and report the first error (file, line, field).
    Validate(cmd_run::ValidateArgs),
    /// Compare a scenario with a base plant with common random numbers and paired intervals.
    Compare(cmd_compare::CompareArgs),
    /// Run one shard of an experiment (replications r with r % n == i) into DIR, for batch
    /// engines (Slurm job arrays, Kubernetes Indexed Jobs); join with `repm merge DIR`.
    Sweep(cmd_sweep::SweepArgs),
    /// Join the shards in DIR (checked: same experiment, each replication exactly once) and
    /// print the KPI summary of `repm run`.
    Merge(cmd_sweep::MergeArgs),
    /// One-at-a-time sensitivity (tornado): each parameter's low and high value against the
    /// base plant, common random numbers, paired intervals of every KPI, sorted by swing.
    Sensitivity(cmd_sensitivity::SensitivityArgs),
    /// Solvent-extraction tools (`repm sx design`: cascade design from the command line).
    #[command(subcommand)]
    Sx(cmd_sx::SxCommand),
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run(a) => cmd_run::run(a),
        Command::Validate(a) => cmd_run::validate(a),
        Command::Compare(a) => cmd_compare::compare(a),
        Command::Sweep(a) => cmd_sweep::sweep(a),
        Command::Merge(a) => cmd_sweep::merge(a),
        Command::Sensitivity(a) => cmd_sensitivity::sensitivity(a),
        Command::Sx(c) => cmd_sx::sx(c),
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

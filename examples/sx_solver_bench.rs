//! Steady-state cascade solver benchmark: one JSON line per solver × case (issue 4 cases a, b,
//! c from `repm_sx::cases`), the wall time being the median of repeated solves.
//!
//! `cargo run --release --example sx_solver_bench` prints
//! `{"case": "a", "solver": "newton", "stages": 60, "components": 2, "wall_ms": …,
//! "iterations": …, "residual": …, "converged": true, "status": "converged"}`.
//! `-- --export-cases FILE` writes the three case configurations as JSON for the SciPy peer
//! (`benches/peers/sx_scipy.py`) and exits. `-- b --solver newton` runs one case and one solver
//! (e.g. under `valgrind --tool=callgrind`, where the repeat loop stops after 0.5 s).
//! `-- --newton '{"start_tolerance": 1e-4}'` overrides fields of `repm_sx::Newton`.
//! `-- --repeat N` solves exactly N times (instructions per solve under callgrind =
//! (I(N = 3) − I(N = 1)) / 2).

use std::time::Instant;

use repm_sx::{KremserExact, Newton, SteadySolver, SuccessiveSubstitution, cases};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--export-cases") {
        let path = args.get(i + 1).ok_or("--export-cases needs a file name")?;
        let all: serde_json::Map<String, serde_json::Value> = cases::bench_cases()
            .into_iter()
            .map(|(k, v)| Ok((k.to_string(), serde_json::to_value(v)?)))
            .collect::<Result<_, serde_json::Error>>()?;
        std::fs::write(path, serde_json::to_string_pretty(&all)?)?;
        eprintln!("wrote {path}");
        return Ok(());
    }
    // `-- --solver NAME` restricts to one solver (e.g. for a callgrind profile of one case).
    let solver_only: Option<&str> = args
        .iter()
        .position(|a| a == "--solver")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.as_str());
    let repeat: Option<usize> = match args.iter().position(|a| a == "--repeat") {
        Some(i) => Some(
            args.get(i + 1)
                .ok_or("--repeat needs a count")?
                .parse::<usize>()?
                .max(1),
        ),
        None => None,
    };
    let only: Option<&str> = args
        .iter()
        .enumerate()
        .skip(1)
        .find(|(i, a)| {
            !a.starts_with("--")
                && !["--solver", "--repeat", "--newton"].contains(&args[i - 1].as_str())
        })
        .map(|(_, s)| s.as_str());
    // `-- --newton JSON` overrides Newton settings, e.g. `--newton '{"start_tolerance": 1e-4}'`
    // (fields of `repm_sx::Newton`; unknown fields are an error).
    let newton: Newton = match args.iter().position(|a| a == "--newton") {
        Some(i) => serde_json::from_str(args.get(i + 1).ok_or("--newton needs a JSON object")?)
            .map_err(|e| format!("--newton: {e}"))?,
        None => Newton::default(),
    };
    let solvers: [Box<dyn SteadySolver>; 3] = [
        Box::new(KremserExact),
        Box::new(SuccessiveSubstitution::default()),
        Box::new(newton),
    ];
    for (name, spec) in cases::bench_cases() {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let cascade = spec.validate()?;
        for solver in &solvers {
            if solver_only.is_some_and(|o| o != solver.name()) {
                continue;
            }
            let mut times = Vec::new();
            let start = Instant::now();
            let mut sol = solver.solve(&cascade);
            times.push(sol.wall_time);
            while match repeat {
                Some(r) => times.len() < r,
                None => start.elapsed().as_secs_f64() < 0.5 && times.len() < 51,
            } {
                sol = solver.solve(&cascade);
                times.push(sol.wall_time);
            }
            times.sort_by(f64::total_cmp);
            let median = times[times.len() / 2];
            let line = serde_json::json!({
                "case": name,
                "solver": solver.name(),
                "stages": cascade.n_stages(),
                "components": cascade.n_components(),
                "wall_ms": median * 1e3,
                "iterations": sol.iterations,
                "residual": if sol.residual.is_finite() { serde_json::json!(sol.residual) } else { serde_json::Value::Null },
                "converged": sol.status.is_converged(),
                "status": sol.status,
                "max_balance_error": sol.max_balance_error(),
            });
            println!("{line}");
        }
    }
    Ok(())
}

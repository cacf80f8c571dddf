//! End-to-end tests of the `repm` binary: run, validate, compare, exit codes and messages.

use std::path::PathBuf;
use std::process::{Command, Output};

const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/plants/ndfeb-2000tpa.toml"
);

fn repm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_repm"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("runs the binary")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("repm-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes the reference plant with `from` replaced by `to` and returns its path.
fn broken(name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(REFERENCE).unwrap();
    assert!(
        text.contains(from),
        "pattern {from:?} not in the reference plant"
    );
    let p = tmp(name);
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    p
}

#[test]
fn run_builtin_plant_prints_kpis_and_writes_json() {
    let out = tmp("run.json");
    let o = repm(&[
        "run",
        "--horizon",
        "20 d",
        "-n",
        "2",
        "--json",
        out.to_str().unwrap(),
        "--csv",
        tmp("run.csv").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(tmp("run.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(rows[0].starts_with("replication,") && rows[0].contains("throughput_t_per_y"));
    assert_eq!(rows[1].split(',').count(), rows[0].split(',').count());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("throughput [t/y]"), "{text}");
    assert!(text.contains("element balance"), "{text}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["runs"].as_array().unwrap().len(), 2);
    assert!(
        v["runs"][0]["balance"]["max_relative_error"]
            .as_f64()
            .unwrap()
            <= 1e-9
    );
    assert!(v["intervals"]["throughput_t_per_y"]["half_width"].is_number());
}

#[test]
fn validate_accepts_the_reference_plant() {
    let o = repm(&["validate", REFERENCE]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn broken_configs_exit_2_naming_file_line_and_field() {
    let cases = [
        (
            "unknown.toml",
            "units = 6\n",
            "units = 6\nunitz = 1\n",
            "unitz",
        ),
        (
            "unit.toml",
            "batch_size = \"1000 kg\"",
            "batch_size = \"1000 degC\"",
            "batch_size",
        ),
        ("negative.toml", "units = 6\n", "units = -6\n", "units"),
        ("zero.toml", "units = 6\n", "units = 0\n", "steps[1].units"),
        (
            "yield.toml",
            "yield = 0.995",
            "yield = -0.5",
            "steps[1].yield",
        ),
    ];
    for (name, from, to, field) in cases {
        let p = broken(name, from, to);
        for cmd in ["validate", "run"] {
            let o = repm(&[cmd, p.to_str().unwrap()]);
            let e = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{name} {cmd}: {e}");
            assert!(e.contains(field), "{name}: {e}");
            assert!(
                e.contains(&format!("{name}:")),
                "{name}: no file:line in {e}"
            );
            assert!(!e.contains("panicked"), "{e}");
        }
    }
    let o = repm(&["run", "/nonexistent/plant.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = repm(&["run", "--horizon", "5 kg"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--horizon"));
}

#[test]
fn failed_run_leaves_previous_json_intact() {
    let out = tmp("keep.json");
    std::fs::write(&out, "previous").unwrap();
    let p = broken("keep.toml", "units = 6\n", "units = 0\n");
    let o = repm(&["run", p.to_str().unwrap(), "--json", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous");
}

#[test]
fn compare_identical_plants_gives_exactly_zero_differences() {
    let out = tmp("cmp.json");
    let o = repm(&[
        "compare",
        REFERENCE,
        REFERENCE,
        "-n",
        "2",
        "--horizon",
        "15 d",
        "--json",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let d = v["differences"].as_object().unwrap();
    assert!(!d.is_empty());
    for (k, ci) in d {
        assert!(ci["mean"].as_f64() == Some(0.0), "{k}: {ci}");
        assert!(ci["half_width"].as_f64() == Some(0.0), "{k}: {ci}");
    }
}

//! End-to-end tests of `repm sensitivity`: a parameter whose low and high equal its base value
//! gives exactly zero swing (common random numbers); bad parameters exit 2 naming the path
//! and the value; `--json`, `--csv` and `--html` (with the tornado) are written.

use std::path::PathBuf;

mod common;
use common::{REFERENCE, repm, stderr, tmp};

/// The reference plant with a 20-day warm-up (instead of 30) and a 10-day horizon.
fn short_plant() -> PathBuf {
    let text = std::fs::read_to_string(REFERENCE).unwrap();
    let from = "warmup = \"30 d\"";
    assert!(text.contains(from), "reference plant has no {from}");
    let text = text.replacen(from, "warmup = \"20 d\"", 1).replacen(
        "horizon = \"365 d\"",
        "horizon = \"10 d\"",
        1,
    );
    let p = tmp("short.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn base_valued_parameter_has_exactly_zero_swing() {
    let plant = short_plant();
    let json = tmp("s.json");
    let csv = tmp("s.csv");
    let html = tmp("s.html");
    let o = repm(&[
        "sensitivity",
        plant.to_str().unwrap(),
        "-n",
        "2",
        "--param",
        "steps.machining.units=70,70",
        "--param",
        "economics.electricity_price=0.05,0.20",
        "--kpi",
        "cost_per_kg",
        "--json",
        json.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // the HTML report of the base plant carries the tornado of the `--kpi`, the parameter
    // with the larger swing first
    let doc = std::fs::read_to_string(&html).unwrap();
    assert!(doc.trim_end().ends_with("</html>"));
    assert!(doc.contains("id=\"chart-tornado\""), "no tornado chart");
    assert!(!doc.contains("No sensitivity results in this report."));
    let first = doc
        .find("economics.electricity_price")
        .expect("parameter in the chart");
    let second = doc
        .find("steps.machining.units")
        .expect("parameter in the chart");
    assert!(first < second, "sorted by swing");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("cost_per_kg: base"), "{out}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let params = v["parameters"].as_array().unwrap();
    assert_eq!(params.len(), 2);
    assert_eq!(params[0]["path"], "steps.machining.units");
    assert_eq!(
        params[0]["base_value"], 70,
        "the reference plant has 70 machining centres"
    );
    let mut checked = 0;
    for side in ["low", "high"] {
        for (kpi, ci) in params[0][side].as_object().unwrap() {
            for field in ["mean", "half_width"] {
                let x = ci[field].as_f64().unwrap();
                assert!(
                    x.to_bits() == 0.0f64.to_bits(),
                    "{side} {kpi} {field} = {x}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} KPIs");
    // the electricity price moves cost and nothing upstream of it
    let lo = params[1]["low"]["cost_per_kg"]["mean"].as_f64().unwrap();
    let hi = params[1]["high"]["cost_per_kg"]["mean"].as_f64().unwrap();
    assert!(lo < 0.0 && hi > 0.0, "{lo} {hi}");
    let thr = params[1]["high"]["throughput_t_per_y"]["mean"]
        .as_f64()
        .unwrap();
    assert!(thr.to_bits() == 0.0f64.to_bits(), "{thr}");
    // CSV: header + one row per (KPI, parameter)
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[0].starts_with("kpi,parameter,base_value,low_value,high_value"));
    assert_eq!((rows.len() - 1) % 2, 0);
    let cost_rows: Vec<&str> = rows
        .iter()
        .copied()
        .filter(|r| r.starts_with("cost_per_kg,"))
        .collect();
    assert_eq!(cost_rows.len(), 2);
    assert!(
        cost_rows[0].starts_with("cost_per_kg,economics.electricity_price,0.1,0.05,0.2,"),
        "sorted by swing: {cost_rows:?}"
    );
    assert!(cost_rows[1].ends_with(",0,0,0,0,0"), "{cost_rows:?}");
}

#[test]
fn bad_parameters_exit_2_naming_path_and_value() {
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &["--param", "steps.machinng.units=60,80"],
            &["steps.machinng.units", "machinng", "no array element"],
        ),
        (
            &["--param", "steps.machining.unitz=60,80"],
            &["steps.machining.unitz", "unknown field `unitz`"],
        ),
        (
            &["--param", "steps.machining.units=0,80"],
            &["steps.machining.units", "= 0", ">= 1"],
        ),
        (
            &["--param", "steps.machining.yield=0.7,abc"],
            &["steps.machining.yield", "abc"],
        ),
        (
            &["--param", "steps.machining.units"],
            &["--param", "PATH=LOW,HIGH"],
        ),
        (&[], &["no parameters"]),
    ];
    for (args, needles) in cases {
        let mut all = vec!["sensitivity", REFERENCE, "-n", "2"];
        all.extend_from_slice(args);
        let o = repm(&all);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        for n in needles {
            assert!(err.contains(n), "{args:?}: {err:?} lacks {n:?}");
        }
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn params_file_errors_name_file_and_line() {
    let spec = tmp("spec.toml");
    std::fs::write(
        &spec,
        "[[param]]\npath = \"steps.sinter.units\"\nlow = 12\nhigh = 16\n\n[[param]]\npth = \"x\"\n",
    )
    .unwrap();
    let o = repm(&["sensitivity", REFERENCE, "--params", spec.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("spec.toml:7") && err.contains("pth"), "{err}");
}

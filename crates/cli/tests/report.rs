//! `repm run --html` and `repm compare --html`: the report is written (atomically), and a
//! failed run leaves a previous report intact.

use std::path::PathBuf;

mod common;
use common::{REFERENCE, repm, stderr, tmp};

/// The reference plant with a short warm-up and horizon, `from` replaced by `to`.
fn plant(name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(REFERENCE)
        .unwrap()
        .replacen("warmup = \"30 d\"", "warmup = \"3 d\"", 1)
        .replacen("horizon = \"365 d\"", "horizon = \"15 d\"", 1);
    assert!(text.contains(from), "pattern {from:?} not in the plant");
    let p = tmp(name);
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    p
}

fn check_report(path: &PathBuf) -> String {
    let doc = std::fs::read_to_string(path).unwrap();
    assert!(doc.starts_with("<!DOCTYPE html>"));
    assert!(doc.contains("<html xmlns=\"http://www.w3.org/1999/xhtml\""));
    assert!(doc.trim_end().ends_with("</html>"));
    for id in [
        "summary",
        "gantt",
        "sankey",
        "psd",
        "densification",
        "demag",
    ] {
        assert!(doc.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    assert!(!doc.contains("<script"));
    doc
}

#[test]
fn run_html_writes_the_report_and_a_failed_run_keeps_it() {
    let good = plant("short.toml", "name = \"ndfeb-2000tpa\"", "name = \"short\"");
    let out = tmp("report.html");
    let o = repm(&[
        "run",
        good.to_str().unwrap(),
        "-n",
        "2",
        "--html",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = check_report(&out);
    assert!(first.contains("repm report: short"));
    // no temporary file left behind
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // bad input: exit 2, the report is untouched
    let bad = plant("bad.toml", "units = 70", "units = 0");
    let o = repm(&[
        "run",
        bad.to_str().unwrap(),
        "--html",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first);

    // an alloy without a magnet phase: the GBD model refuses it when the plant is built
    // (outside model validity is bad input): exit 2, untouched
    let failing = plant(
        "failing.toml",
        "Nd = 22.5, Pr = 7.5, B = 1.0",
        "Nd = 2.5, Pr = 0.5, B = 1.0",
    );
    let o = repm(&[
        "run",
        failing.to_str().unwrap(),
        "-n",
        "1",
        "--html",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("outside model validity"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first);
}

#[test]
fn compare_html_writes_a_comparison_report() {
    let base = plant("base.toml", "name = \"ndfeb-2000tpa\"", "name = \"base\"");
    let scen = plant("scen.toml", "units = 70", "units = 80");
    let out = tmp("compare.html");
    let o = repm(&[
        "compare",
        base.to_str().unwrap(),
        scen.to_str().unwrap(),
        "-n",
        "2",
        "--html",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = check_report(&out);
    assert!(doc.contains("scenario − base"));
}

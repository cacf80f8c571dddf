//! End-to-end tests of `repm sx design`: exit codes and messages for bad arguments, the
//! Fenske minimum stages against the closed form, Xu's and the rigorous design in `--json`.

use std::process::Output;

use approx::assert_relative_eq;

mod common;
use common::{repm, stderr};

fn design(beta: &str, feed: &str, pa: &str, pb: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "sx",
        "design",
        "--beta",
        beta,
        "--feed-a",
        feed,
        "--purity-a",
        pa,
        "--purity-b",
        pb,
    ];
    args.extend_from_slice(extra);
    repm(&args)
}

#[test]
fn bad_arguments_exit_2_naming_argument_and_value() {
    let cases = [
        (["1", "0.25", "0.999", "0.999"], ["`--beta` = 1", "> 1"]),
        (["0.8", "0.25", "0.999", "0.999"], ["`--beta` = 0.8", "> 1"]),
        (
            ["1.5", "0.25", "1.2", "0.999"],
            ["`--purity-a` = 1.2", "(0, 1)"],
        ),
        (
            ["1.5", "0.25", "0.999", "0"],
            ["`--purity-b` = 0", "(0, 1)"],
        ),
        (["1.5", "1", "0.999", "0.999"], ["`--feed-a` = 1", "(0, 1)"]),
        (
            ["1.5", "0.25", "0.2", "0.999"],
            ["`--purity-a` = 0.2", "feed fraction"],
        ),
    ];
    for ([b, f, pa, pb], needles) in cases {
        let o = design(b, f, pa, pb, &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{b} {f} {pa} {pb}: {err}");
        for n in needles {
            assert!(err.contains(n), "{err:?} lacks {n:?}");
        }
    }
    let o = design("abc", "0.25", "0.999", "0.999", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--beta"));
}

#[test]
fn fenske_matches_closed_form_and_rigorous_design_is_reported() {
    // Pr/Nd on P507: β(Nd/Pr) ≈ 1.5, 75 % Nd feed, 99.9 % at both ends.
    let (beta, pa, pb) = (1.5f64, 0.999f64, 0.995f64);
    let o = design("1.5", "0.75", "0.999", "0.995", &["--rigorous", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    let closed = ((pa / (1.0 - pa)) * (pb / (1.0 - pb))).ln() / beta.ln();
    let fenske = v["fenske_min_stages"].as_f64().unwrap();
    assert_relative_eq!(fenske, closed, max_relative = 1e-12);
    assert_relative_eq!(
        v["xu"]["fenske_min_stages"].as_f64().unwrap(),
        closed,
        max_relative = 1e-12
    );
    // Xu needs more stages than the total-reflux minimum (n + m + 1 ≥ N_min)
    let n = v["xu"]["n_extraction_stages"].as_u64().unwrap();
    let m = v["xu"]["m_scrub_stages"].as_u64().unwrap();
    assert!((n + m + 1) as f64 >= closed, "{n} + {m} + 1 < {closed}");
    // reagents: 3 mol acid per mol RE loaded (S per mol feed)
    let s = v["xu"]["s"].as_f64().unwrap();
    assert_relative_eq!(
        v["reagents"]["acid_per_feed"].as_f64().unwrap(),
        3.0 * s,
        max_relative = 1e-12
    );
    let rig = &v["rigorous"];
    let best = &rig["search"]["best"];
    assert!(best.is_object(), "no rigorous design: {rig}");
    assert!(best["purity_a"].as_f64().unwrap() >= pa - 1e-6);
    assert!(best["purity_b"].as_f64().unwrap() >= pb - 1e-6);
    // the short-cut is optimistic (never pessimistic) at its own flows
    let k = rig["optimistic_at_xu_flows"].as_i64().unwrap();
    assert!(k >= 0, "{k}");
}

#[test]
fn table_output_names_sections() {
    let o = design(
        "2.0",
        "0.5",
        "0.99",
        "0.99",
        &["--extraction-factor", "1.2", "--recovery", "0.99"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for n in [
        "Fenske",
        "Xu Guangxian",
        "extraction n =",
        "scrub m =",
        "recoveries",
        "reagents",
        "Kremser",
    ] {
        assert!(out.contains(n), "{out} lacks {n}");
    }
}

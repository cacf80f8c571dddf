//! End-to-end tests of the `repm` binary: run, validate, compare, exit codes and messages.

use std::path::PathBuf;
use std::process::Output;

mod common;
use common::{REFERENCE, repm, stderr, tmp};

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

fn sweep(dir: &std::path::Path, shard: &str, seed: &str, threads: &str) -> Output {
    repm(&[
        "sweep",
        REFERENCE,
        "-n",
        "6",
        "--horizon",
        "5 d",
        "--seed",
        seed,
        "--threads",
        threads,
        "--shard",
        shard,
        "--out",
        dir.to_str().unwrap(),
    ])
}

/// 6 replications as 3 shards (on different thread counts), merged, equal a direct run of 6
/// replications byte for byte (JSON and CSV) and print the same summary.
#[test]
fn sweep_shards_merge_bit_identical_to_run() {
    let dir = tmp("sweep-ok");
    let _ = std::fs::remove_dir_all(&dir);
    for (i, t) in [("2/3", "1"), ("0/3", "2"), ("1/3", "3")] {
        let o = sweep(&dir, i, "77", t);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (mj, mc) = (tmp("merged.json"), tmp("merged.csv"));
    let m = repm(&[
        "merge",
        dir.to_str().unwrap(),
        "--json",
        mj.to_str().unwrap(),
        "--csv",
        mc.to_str().unwrap(),
    ]);
    assert!(m.status.success(), "{}", stderr(&m));
    let (rj, rc) = (tmp("direct.json"), tmp("direct.csv"));
    let r = repm(&[
        "run",
        REFERENCE,
        "-n",
        "6",
        "--horizon",
        "5 d",
        "--seed",
        "77",
        "--json",
        rj.to_str().unwrap(),
        "--csv",
        rc.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", stderr(&r));
    let merged = std::fs::read_to_string(&mj).unwrap();
    assert_eq!(merged, std::fs::read_to_string(&rj).unwrap());
    assert_eq!(
        std::fs::read_to_string(&mc).unwrap(),
        std::fs::read_to_string(&rc).unwrap()
    );
    let v: serde_json::Value = serde_json::from_str(&merged).unwrap();
    assert_eq!(v["runs"].as_array().unwrap().len(), 6);
    // the summary differs only in the timing at the end of the first line
    let body = |o: &Output| {
        let s = String::from_utf8_lossy(&o.stdout).into_owned();
        let (first, rest) = s.split_once('\n').unwrap();
        (
            first.rsplit_once('(').unwrap().0.to_owned(),
            rest.to_owned(),
        )
    };
    assert_eq!(body(&m), body(&r));
}

/// Missing, duplicate and foreign shards, bad `--shard` values and tampered shards exit 2
/// naming the shard, replication, file or field.
#[test]
fn merge_rejects_incomplete_or_inconsistent_shards() {
    let dir = tmp("sweep-bad");
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    for i in ["0/3", "2/3"] {
        let o = sweep(&dir, i, "5", "2");
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let check = |o: &Output, needles: &[&str]| {
        let e = stderr(o);
        assert_eq!(o.status.code(), Some(2), "{e}");
        assert!(!e.contains("panicked"), "{e}");
        for n in needles {
            assert!(e.contains(n), "{n:?} not in {e}");
        }
    };
    check(&repm(&["merge", d]), &["missing shard(s) [1]", "[1, 4]"]);

    let s0 = dir.join("shard-00000-of-00003.toml");
    let s2 = dir.join("shard-00002-of-00003.toml");
    let dup = dir.join("shard-00000-copy.toml");
    std::fs::copy(&s0, &dup).unwrap();
    check(
        &repm(&["merge", d]),
        &[
            "duplicate",
            "shard-00000-copy.toml",
            "shard-00000-of-00003.toml",
        ],
    );
    std::fs::remove_file(&dup).unwrap();

    // shard 1 of another seed
    let other = tmp("sweep-other");
    let _ = std::fs::remove_dir_all(&other);
    assert!(sweep(&other, "1/3", "6", "1").status.success());
    let s1 = dir.join("shard-00001-of-00003.toml");
    std::fs::copy(other.join("shard-00001-of-00003.toml"), &s1).unwrap();
    check(
        &repm(&["merge", d]),
        &["manifest.seed", "shard-00001-of-00003.toml"],
    );
    assert!(sweep(&dir, "1/3", "5", "1").status.success());
    assert!(repm(&["merge", d]).status.success());

    // a shard that lost a replication record, or holds one twice
    let text = std::fs::read_to_string(&s2).unwrap();
    let cut = text.find("[[runs]]\nreplication = 5").unwrap();
    std::fs::write(&s2, &text[..cut]).unwrap();
    check(
        &repm(&["merge", d]),
        &["shard-00002-of-00003.toml", "runs", "missing [5]"],
    );
    let second = &text[cut..];
    let first_run = text.find("[[runs]]").unwrap();
    std::fs::write(&s2, format!("{}{second}", &text[..first_run]) + second).unwrap();
    check(
        &repm(&["merge", d]),
        &["shard-00002-of-00003.toml", "missing [2]"],
    );
    std::fs::write(&s2, "[manifest]\nformat = 3\n").unwrap();
    check(
        &repm(&["merge", d]),
        &["shard-00002-of-00003.toml", "format"],
    );

    for bad in ["3/3", "1", "a/2", "0/0", "-1/2"] {
        check(&sweep(&dir, bad, "5", "1"), &["--shard"]);
    }
    let empty = tmp("sweep-empty");
    std::fs::create_dir_all(&empty).unwrap();
    check(
        &repm(&["merge", empty.to_str().unwrap()]),
        &["no shard files"],
    );
    check(&repm(&["merge", "/nonexistent/dir"]), &["/nonexistent/dir"]);
}

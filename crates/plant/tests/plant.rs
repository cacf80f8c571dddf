//! End-to-end tests of repm-plant: the reference plant, conservation, determinism, analytic
//! line cases, configuration errors and the guide's config reference.

use approx::assert_relative_eq;
use repm_plant::{PlantConfig, PlantError, RunResult, run_replication, run_replications};

fn reference(days: f64) -> PlantConfig {
    let mut c = PlantConfig::reference().expect("reference plant parses");
    c.horizon = days * 86_400.0;
    c
}

fn json(r: &RunResult) -> String {
    serde_json::to_string(r).expect("serialises")
}

/// A one- or two-step plant in TOML for analytic checks.
const SIMPLE: &str = r#"
schema_version = 1
name = "simple"
horizon = "10.5 h"
[alloy]
composition = { Nd = 30.0, B = 1.0 }
[recycling]
enabled = false
[[steps]]
name = "a"
units = 1
batch_size = "100 kg"
cycle_time = { kind = "constant", value = "1 h" }
yield = 0.9
scrap = "swarf"
"#;

#[test]
fn reference_plant_one_year_closes_its_element_balance() {
    let r = run_replication(&reference(365.0), 0).expect("runs");
    assert!(r.balance.max_relative_error <= 1e-9, "{:?}", r.balance);
    // inputs + initial inventory (end of warm-up) = products + scrap + losses + inventory, kg
    let b = &r.balance;
    assert!(b.initial_inventory_kg > 0.0);
    assert_relative_eq!(
        b.inputs_kg + b.initial_inventory_kg,
        b.products_kg + b.scrap_kg + b.losses_kg + b.inventory_kg,
        max_relative = 1e-9
    );
    // process-data §11: ~2,000 t/y finished magnets, ~67 % overall yield, 6 g/kg Tb, ~26 kWh/kg
    assert!(
        (1700.0..2300.0).contains(&r.throughput_t_per_y),
        "{}",
        r.throughput_t_per_y
    );
    assert!(
        (0.55..0.75).contains(&r.overall_yield),
        "{}",
        r.overall_yield
    );
    // Tb retained from the GBD model (8.6 g/kg applied to 5 mm magnets): 5–9 g/kg
    assert!(
        (5.0..9.0).contains(&r.heavy_re_g_per_kg),
        "{}",
        r.heavy_re_g_per_kg
    );
    // the GBD layer model's Hcj meets the target grade N48SH for (nearly) every lot
    assert!(r.qc_pass_fraction > 0.9, "{}", r.qc_pass_fraction);
    let target: repm_sinter::grade::Grade = "N48SH".parse().unwrap();
    assert!(
        r.hcj_mean_ka_m * 1e3 > target.hcj_min(),
        "{}",
        r.hcj_mean_ka_m
    );
    for k in ["br_t", "hcj_a_m", "o_ppm", "density_kg_m3"] {
        let p = &r.lot_properties[k];
        assert!(p.count == r.product_lots && p.sd > 0.0, "{k}: {p:?}");
    }
    assert!((20.0..32.0).contains(&r.energy_kwh_per_kg));
    assert!(r.recycled_fraction > 0.0 && r.recycled_fraction <= 0.25);
    for s in &r.steps {
        assert!(s.oee >= 0.0 && s.oee <= 1.0, "{}: {}", s.name, s.oee);
        assert!(s.utilisation <= s.availability + 1e-12, "{}", s.name);
    }
}

#[test]
fn same_seed_identical_other_seed_different() {
    let c = reference(60.0);
    let a = run_replication(&c, 3).unwrap();
    let b = run_replication(&c, 3).unwrap();
    assert_eq!(json(&a), json(&b));
    let d = run_replication(&c, 4).unwrap();
    assert_ne!(json(&a), json(&d));
}

#[test]
fn one_and_two_threads_bit_identical() {
    let c = reference(45.0);
    let run = |t: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap()
            .install(|| run_replications(&c, 4, 11).unwrap())
    };
    let one = serde_json::to_string(&run(1)).unwrap();
    let two = serde_json::to_string(&run(2)).unwrap();
    assert_eq!(one, two);
}

#[test]
fn replications_give_intervals_and_paired_zero_difference() {
    let c = reference(45.0);
    let e = run_replications(&c, 3, 5).unwrap();
    let ci = e.intervals["throughput_t_per_y"];
    assert_eq!(ci.n, 3);
    assert!(ci.half_width > 0.0);
    let d = repm_plant::compare(&e, &e.clone()).unwrap();
    for (k, v) in &d {
        assert!(
            v.mean.abs() == 0.0 && v.half_width.abs() == 0.0,
            "{k}: {v:?}"
        );
    }
}

/// Deterministic single step: 1 unit, 1 h per 100 kg batch, yield 0.9; by 10.5 h ten
/// batches are done (900 kg product, 100 kg swarf) and one is half-way (100 kg inventory).
#[test]
fn single_step_analytic() {
    let c = PlantConfig::from_toml_str(SIMPLE, "simple.toml").unwrap();
    let r = run_replication(&c, 0).unwrap();
    assert_relative_eq!(r.balance.products_kg, 900.0, max_relative = 1e-12);
    assert_relative_eq!(r.balance.scrap_kg, 100.0, max_relative = 1e-12);
    assert_relative_eq!(r.balance.inventory_kg, 100.0, max_relative = 1e-12);
    assert_eq!(r.steps[0].batches, 10);
    assert_relative_eq!(r.steps[0].utilisation, 1.0, max_relative = 1e-12);
    // OEE = A·P·Q = 1 · (10 h ideal / 10.5 h) · 0.9
    assert_relative_eq!(r.steps[0].oee, 10.0 / 10.5 * 0.9, max_relative = 1e-12);
}

/// Two steps with a one-batch buffer: the fast step (1 h) blocks behind the slow one (2 h);
/// the slow step completes at 3, 5, …, 99 h → 49 batches by 100.5 h.
#[test]
fn blocking_behind_a_slow_step() {
    let text = SIMPLE
        .replace("horizon = \"10.5 h\"", "horizon = \"100.5 h\"")
        .replace("yield = 0.9", "yield = 1.0")
        + r#"
[[steps]]
name = "b"
units = 1
batch_size = "100 kg"
cycle_time = { kind = "constant", value = "2 h" }
yield = 1.0
buffer_capacity = "100 kg"
"#;
    let c = PlantConfig::from_toml_str(&text, "two.toml").unwrap();
    let r = run_replication(&c, 0).unwrap();
    assert_eq!(r.steps[1].batches, 49);
    assert_relative_eq!(r.balance.products_kg, 4900.0, max_relative = 1e-12);
    // step a is blocked about half the time
    assert!(r.steps[0].utilisation < 0.55, "{}", r.steps[0].utilisation);
    assert_eq!(r.bottleneck, "b");
}

/// Long-run availability with calendar-time failures is MTBF / (MTBF + MTTR)
/// (Barlow & Proschan 1965, ch. 7): 100 h / 110 h.
#[test]
fn availability_matches_renewal_theory() {
    let text = SIMPLE
        .replace("horizon = \"10.5 h\"", "horizon = \"40000 h\"")
        .replace(
            "scrap = \"swarf\"",
            "scrap = \"swarf\"\nfailure = { mtbf = \"100 h\", mttr = \"10 h\" }",
        );
    let c = PlantConfig::from_toml_str(&text, "avail.toml").unwrap();
    let r = run_replication(&c, 0).unwrap();
    // ~360 failure cycles: standard error of the mean availability ≈ 0.5 %
    assert_relative_eq!(r.steps[0].availability, 100.0 / 110.0, max_relative = 0.02);
}

#[test]
fn balance_closes_with_every_scrap_route_and_no_recycling() {
    for route in ["loss", "swarf", "recycle"] {
        let mut c = reference(40.0);
        for s in &mut c.steps {
            s.scrap = match route {
                "loss" => repm_plant::config::ScrapRoute::Loss,
                "swarf" => repm_plant::config::ScrapRoute::Swarf,
                _ => repm_plant::config::ScrapRoute::Recycle,
            };
        }
        let r = run_replication(&c, 1).unwrap();
        assert!(r.balance.max_relative_error <= 1e-9);
    }
    let mut c = reference(40.0);
    c.recycling.enabled = false;
    let r = run_replication(&c, 1).unwrap();
    assert!(r.balance.max_relative_error <= 1e-9);
    assert!(r.recycled_fraction.abs() == 0.0);
}

fn err(text: &str) -> String {
    match PlantConfig::from_toml_str(text, "bad.toml") {
        Ok(_) => panic!("accepted a broken config"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn config_errors_name_file_line_and_field() {
    let unknown = SIMPLE.replace("units = 1", "units = 1\nunitz = 2");
    let m = err(&unknown);
    assert!(m.contains("bad.toml:") && m.contains("unitz"), "{m}");
    let bad_unit = SIMPLE.replace("\"100 kg\"", "\"100 K\"");
    let m = err(&bad_unit);
    assert!(m.contains("batch_size") && m.contains("bad.toml:12"), "{m}");
    let negative = SIMPLE.replace("units = 1", "units = -1");
    let m = err(&negative);
    assert!(m.contains("units") && m.contains("bad.toml:11"), "{m}");
    let zero = SIMPLE.replace("units = 1", "units = 0");
    let m = err(&zero);
    assert!(
        m.contains("steps[0].units") && m.contains("bad.toml:11"),
        "{m}"
    );
    let yield_ = SIMPLE.replace("yield = 0.9", "yield = 1.5");
    assert!(err(&yield_).contains("steps[0].yield"));
    let cal = SIMPLE.replace(
        "scrap = \"swarf\"",
        "scrap = \"swarf\"\ncalendar = \"nights\"",
    );
    assert!(err(&cal).contains("steps[0].calendar"));
    let version = SIMPLE.replace("schema_version = 1", "schema_version = 7");
    assert!(err(&version).contains("schema_version"));
}

#[test]
fn invalid_config_built_in_code_is_rejected_by_validate() {
    let mut c = reference(10.0);
    c.steps[2].batch_size = -1.0;
    assert!(
        matches!(c.validate(), Err(PlantError::Invalid { field, .. }) if field == "steps[2].batch_size")
    );
}

/// Tables that embed a process crate's own config struct (documented field by field, with
/// units, in that crate's rustdoc; the guide names the struct): their inner keys are skipped.
const PROCESS_CONFIGS: [&str; 4] = ["mill", "furnace", "densification", "grain_growth"];

fn walk_json(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                if !PROCESS_CONFIGS.contains(&k.as_str()) {
                    walk_json(x, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| walk_json(x, out)),
        _ => {}
    }
}

/// docs/guide.md documents every config field: walks the keys of the serialised reference
/// plant (every struct, with optional fields present) and of the reference TOML.
#[test]
fn guide_documents_every_config_field() {
    let guide = include_str!("../../../docs/guide.md");
    let c = PlantConfig::reference().unwrap();
    let mut keys = Vec::new();
    walk_json(&serde_json::to_value(&c).unwrap(), &mut keys);
    let t: toml::Value = toml::from_str(repm_plant::REFERENCE_PLANT_TOML).unwrap();
    walk_json(&serde_json::to_value(&t).unwrap(), &mut keys);
    // names of the map entries (element symbols, calendar names) are values, not fields
    let skip = [
        "continuous",
        "six_day",
        "Nd",
        "Pr",
        "B",
        "Co",
        "Cu",
        "Al",
        "Ga",
        "Zr",
        "Tb",
        "Dy",
        "Fe",
    ];
    keys.sort();
    keys.dedup();
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !skip.contains(&k.as_str()) && !guide.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "fields missing from docs/guide.md: {missing:?}"
    );
}

/// Mutated configs never panic: every numeric value of the reference plant is replaced in
/// turn by a set of hostile values; each mutant must either be rejected with an error or run
/// (one simulated day) to a closed balance or an error.
#[test]
fn mutated_configs_never_panic() {
    let base = repm_plant::REFERENCE_PLANT_TOML;
    let lines: Vec<&str> = base.lines().collect();
    let hostile = ["-1", "0", "1e300", "\"x\"", "0.5", "3", "nan", "-0.0"];
    let mut rejected = 0;
    let mut ran = 0;
    for (n, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with('[') || !t.contains('=') {
            continue;
        }
        let Some((key, value)) = t.split_once('=') else {
            continue;
        };
        let value = value.split('#').next().unwrap_or("").trim();
        if value.starts_with('{') || value.starts_with('[') {
            continue;
        }
        for h in hostile {
            let mut m = lines.clone();
            let new = format!("{key}= {h}");
            m[n] = &new;
            let text = m.join("\n");
            match PlantConfig::from_toml_str(&text, "mutant.toml") {
                Err(e) => {
                    rejected += 1;
                    assert!(e.to_string().contains("mutant.toml"), "{e}");
                }
                Ok(mut c) => {
                    c.horizon = c.horizon.min(86_400.0);
                    c.warmup = c.warmup.min(86_400.0);
                    if let Ok(r) = run_replication(&c, 0) {
                        assert!(r.balance.max_relative_error <= 1e-9);
                    }
                    ran += 1;
                }
            }
        }
    }
    assert!(rejected > 50 && ran > 20, "rejected {rejected}, ran {ran}");
}

/// Lots carry genealogy and recycled content end to end: with recycling on, recycled powder
/// reaches the product (bounded by the blend limit); with no scrap, nothing is recycled.
#[test]
fn recycled_content_is_bounded_by_the_blend_limit() {
    let mut c = reference(60.0);
    c.recycling.max_fraction = 0.05;
    let r = run_replication(&c, 2).unwrap();
    assert!(r.recycled_fraction > 0.0 && r.recycled_fraction <= 0.05 + 1e-12);
    let jm = r.steps.iter().find(|s| s.name == "jet_mill").unwrap();
    assert!(jm.recycled_in <= 0.05 * jm.mass_in * (1.0 + 1e-12));
    assert!(r.lots_created > r.product_lots);
}

fn plant_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            plant_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

/// Every example plant and scenario (examples/plants/**.toml) parses, validates, runs and
/// closes its element balance to 1e-9 (30 simulated days each).
#[test]
fn every_example_plant_runs_and_closes_its_balance() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plants");
    let mut files = Vec::new();
    plant_files(&dir, &mut files);
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    for f in &files {
        let mut c = PlantConfig::from_file(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        c.horizon = 20.0 * 86_400.0;
        c.warmup = c.warmup.min(10.0 * 86_400.0);
        let r = run_replication(&c, 0).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(r.balance.max_relative_error <= 1e-9, "{}", f.display());
    }
}

/// Scenario overrides change what they name and nothing else; a bad override path is an
/// error naming it.
#[test]
fn scenario_overrides() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plants");
    let base = PlantConfig::from_file(&dir.join("ndfeb-2000tpa.toml")).unwrap();
    let s = PlantConfig::from_file(&dir.join("intensified/more-machining.toml")).unwrap();
    assert_eq!(s.name, "more-machining");
    let i = s.step_index("machining").unwrap();
    assert_eq!(s.steps[i].units, 80);
    let mut back = s.clone();
    back.steps[i].units = base.steps[i].units;
    back.name = base.name.clone();
    assert_eq!(back, base);
    let bad = std::env::temp_dir().join(format!("repm-bad-scenario-{}.toml", std::process::id()));
    std::fs::write(
        &bad,
        format!(
            "extends = {:?}\n[overrides]\n\"steps.sintr.units\" = 3\n",
            dir.join("ndfeb-2000tpa.toml").display().to_string()
        ),
    )
    .unwrap();
    let e = PlantConfig::from_file(&bad).unwrap_err().to_string();
    assert!(
        e.contains("steps.sintr.units") && e.contains("sintr"),
        "{e}"
    );
    std::fs::write(
        &bad,
        format!(
            "extends = {:?}\n[overrides]\n\"steps.sinter.units\" = 0\n",
            dir.join("ndfeb-2000tpa.toml").display().to_string()
        ),
    )
    .unwrap();
    let e = PlantConfig::from_file(&bad).unwrap_err().to_string();
    assert!(e.contains("steps[4].units") && e.contains(":3:"), "{e}");
}

/// Warm-up deletion: with the buffers filled first, the measured overall yield is the
/// steady-state one (higher than from an empty start) and the balance closes with the initial
/// inventory.
#[test]
fn warmup_resets_statistics_and_keeps_the_balance() {
    let mut cold = reference(120.0);
    cold.warmup = 0.0;
    let mut warm = cold.clone();
    warm.warmup = 30.0 * 86_400.0;
    let rc = run_replication(&cold, 0).unwrap();
    let rw = run_replication(&warm, 0).unwrap();
    assert!(rc.balance.initial_inventory_kg.abs() == 0.0);
    assert!(rw.balance.initial_inventory_kg > 100e3);
    assert!(
        rw.overall_yield > rc.overall_yield + 0.02,
        "{} {}",
        rw.overall_yield,
        rc.overall_yield
    );
    assert!(rw.throughput_t_per_y > rc.throughput_t_per_y);
    assert!(rw.balance.max_relative_error <= 1e-9);
}

/// `yield` is required only where the step's model applies the sheet yield (no model,
/// `sheet`, `sinter`, `gbd`); the error names the field and the step.
#[test]
fn yield_is_required_only_by_models_that_use_it() {
    let m = err(&SIMPLE.replace("yield = 0.9\n", ""));
    assert!(
        m.contains("steps[0].yield") && m.contains("(missing)") && m.contains("step `a`"),
        "{m}"
    );
    let reference = repm_plant::REFERENCE_PLANT_TOML;
    // sinter (the only `yield = 0.97`) and gbd (the first `yield = 0.99`) apply it
    for (line, step) in [("yield = 0.97\n", "sinter"), ("yield = 0.99\n", "gbd")] {
        let m = err(&reference.replacen(line, "", 1));
        assert!(
            m.contains("yield") && m.contains(&format!("step `{step}`")),
            "{m}"
        );
    }
    // hd and jet_mill ignore `yield`: without it the plant is valid
    let text = reference
        .replacen("yield = 0.995\n", "", 1)
        .replacen("yield = 0.975\n", "", 1);
    let c = PlantConfig::from_toml_str(&text, "no-yield.toml").unwrap();
    assert!(c.steps[1].yield_mean.is_none() && c.steps[2].yield_mean.is_none());
}

/// The separation plant without the step-level `yield = 1.0` its models ignore gives
/// bit-identical KPIs (only `chain_yield`, which then counts the measured step yields,
/// differs).
#[test]
fn separation_plant_without_unused_yields_is_bit_identical() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/plants/ndpr-separation.toml");
    let text = std::fs::read_to_string(&p).unwrap();
    let stripped: String = text
        .lines()
        .filter(|l| !l.starts_with("yield = 1.0"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(text.lines().count() - stripped.lines().count(), 5);
    let short = |c: &mut PlantConfig| {
        c.warmup = 86_400.0;
        c.horizon = 5.0 * 86_400.0;
    };
    let mut a = PlantConfig::from_toml_str(&text, "with.toml").unwrap();
    let mut b = PlantConfig::from_toml_str(&stripped, "without.toml").unwrap();
    assert!(b.steps.iter().all(|s| s.yield_mean.is_none()));
    short(&mut a);
    short(&mut b);
    let ra = run_replication(&a, 0).unwrap();
    let mut rb = run_replication(&b, 0).unwrap();
    let measured: f64 = rb.steps.iter().map(|s| s.yield_).product();
    assert_relative_eq!(rb.chain_yield, measured, max_relative = 1e-12);
    rb.chain_yield = ra.chain_yield;
    assert_eq!(json(&ra), json(&rb));
}

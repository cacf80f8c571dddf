//! Tests of the physics-coupled step models: every batch and run closes its element balance,
//! the jet mill downgrades lots whose O exceeds the limit, `kind = "sheet"` equals no model,
//! and the GBD product meets the reference plant's target grade from the layer model.

use repm_plant::{PlantConfig, run_replication};

fn plant(text: &str, days: f64) -> PlantConfig {
    let mut c = PlantConfig::from_toml_str(text, "test.toml").expect("parses");
    c.horizon = days * 86_400.0;
    c.warmup = c.warmup.min(10.0 * 86_400.0);
    c
}

#[test]
fn jet_mill_oxygen_above_limit_is_downgraded() {
    let base = repm_plant::REFERENCE_PLANT_TOML;
    let strict = base.replace("o_limit_ppm = 3000.0", "o_limit_ppm = 1000.0");
    assert_ne!(strict, base);
    let r = run_replication(&plant(&strict, 30.0), 0).unwrap();
    let jm = r.steps.iter().find(|s| s.name == "jet_mill").unwrap();
    assert!(
        jm.downgrades > 0 && r.downgraded_batches >= jm.downgrades,
        "{jm:?}"
    );
    assert!(r.balance.max_relative_error <= 1e-9);
    let lax = base.replace("o_limit_ppm = 3000.0", "o_limit_ppm = 100000.0");
    let r = run_replication(&plant(&lax, 30.0), 0).unwrap();
    let jm = r.steps.iter().find(|s| s.name == "jet_mill").unwrap();
    assert_eq!(jm.downgrades, 0);
    // more O2 in the gas, more O in the product
    let dirty = base.replace("o2_ppm = 100.0", "o2_ppm = 400.0");
    let rd = run_replication(&plant(&dirty, 30.0), 0).unwrap();
    assert!(
        rd.oxygen_ppm > 1.5 * r.oxygen_ppm,
        "{} {}",
        rd.oxygen_ppm,
        r.oxygen_ppm
    );
}

#[test]
fn explicit_sheet_model_equals_no_model() {
    let text = repm_plant::REFERENCE_PLANT_TOML.replace(
        "name = \"machining\"",
        "name = \"machining\"\nmodel = { kind = \"sheet\" }",
    );
    let a = run_replication(&plant(repm_plant::REFERENCE_PLANT_TOML, 20.0), 1).unwrap();
    let b = run_replication(&plant(&text, 20.0), 1).unwrap();
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

#[test]
fn gbd_product_meets_the_target_grade_and_bulk_tb_would_not_count_the_gain() {
    let r = run_replication(&plant(repm_plant::REFERENCE_PLANT_TOML, 40.0), 0).unwrap();
    let n48sh: repm_sinter::grade::Grade = "N48SH".parse().unwrap();
    let hcj = &r.lot_properties["hcj_a_m"];
    assert!(hcj.mean > n48sh.hcj_min(), "{hcj:?}");
    assert!(r.qc_pass_fraction > 0.9);
    // the same Tb as a sheet addition (bulk): lower Hcj
    let bulk = repm_plant::REFERENCE_PLANT_TOML.replace(
        "kind = \"gbd\"\nelement = \"Tb\"\napplied_g_per_kg = 8.6",
        "kind = \"sheet\"",
    );
    let bulk = bulk
        .lines()
        .filter(|l| {
            let gbd_field = l.starts_with("thickness =")
                || l.starts_with("coating_cv =")
                || (l.starts_with("programme =") && l.contains("900 degC"));
            !gbd_field
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replace(
            "output_form = \"sintered_magnet\"\n[steps.model]\n# repm-sinter GBD",
            "output_form = \"sintered_magnet\"\nadditions = [{ element = \"Tb\", applied_g_per_kg = 8.6, utilisation = 0.85 }]\n[steps.model]\n# repm-sinter GBD",
        );
    let rb = run_replication(&plant(&bulk, 40.0), 0).unwrap();
    assert!(
        rb.hcj_mean_ka_m < r.hcj_mean_ka_m - 100.0,
        "{} {}",
        rb.hcj_mean_ka_m,
        r.hcj_mean_ka_m
    );
    assert!(rb.balance.max_relative_error <= 1e-9);
}

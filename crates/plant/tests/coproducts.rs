//! Co-product credits (`[coproducts.<name>]`, net cost and CO₂e) and the recovery-per-element
//! KPI: analytic values on hand-computable plants, exact credit arithmetic on the separation
//! plant, validation errors naming the field and the value.

use std::path::Path;

use approx::assert_relative_eq;
use repm_plant::config::CoproductConfig;
use repm_plant::{PlantConfig, run_replication};

/// Two sheet-yield steps, no recycling, constant cycles: `a` (100 kg in 1 h, yield 0.9) feeds
/// `b` (90 kg in 0.5 h, yield 0.8). By 100.75 h, `a` has started 101 batches (10 100 kg fed,
/// the 101st at 100 h) and `b` has finished 100 (7 200 kg product).
const TWO_STEPS: &str = r#"
schema_version = 1
name = "two-steps"
horizon = "100.75 h"
[alloy]
composition = { Nd = 25.0, Pr = 6.0, B = 1.0 }
[recycling]
enabled = false
[[steps]]
name = "a"
units = 1
batch_size = "100 kg"
cycle_time = { kind = "constant", value = "1 h" }
yield = 0.9
scrap = "loss"
[[steps]]
name = "b"
units = 1
batch_size = "90 kg"
cycle_time = { kind = "constant", value = "0.5 h" }
yield = 0.8
scrap = "loss"
"#;

/// Recovery = y_a · y_b × (batches finished by `b`) / (batches started by `a`) =
/// 0.72 × 100/101, the same for every element (a sheet yield cuts every element alike).
#[test]
fn recovery_of_a_two_step_sheet_plant_is_analytic() {
    let c = PlantConfig::from_toml_str(TWO_STEPS, "two.toml").unwrap();
    let r = run_replication(&c, 0).unwrap();
    assert_eq!(r.steps[1].batches, 100);
    assert_relative_eq!(r.balance.products_kg, 7200.0, max_relative = 1e-12);
    let expect = 0.9 * 0.8 * 100.0 / 101.0;
    assert_eq!(
        r.recovery.keys().map(String::as_str).collect::<Vec<_>>(),
        ["Nd", "Pr"],
        "rare earths of the feed only"
    );
    for (el, v) in &r.recovery {
        assert_relative_eq!(*v, expect, max_relative = 1e-12);
        assert_eq!(
            r.metrics()[&format!("recovery.{el}")].to_bits(),
            v.to_bits()
        );
    }
    // no co-products credited: no net KPIs
    assert!(r.net_cost_per_kg.is_none() && r.net_co2e_per_kg.is_none());
    assert!(!r.metrics().contains_key("net_cost_per_kg"));
}

fn ndpr(days: f64) -> PlantConfig {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plants/ndpr-separation.toml");
    let mut c = PlantConfig::from_file(&p).unwrap();
    c.warmup = 2.0 * 86_400.0;
    c.horizon = days * 86_400.0;
    c
}

/// Net cost = gross − Σ credit × co-product mass / product mass, and the same for CO₂e; the
/// gross KPIs are bit-identical with and without credits.
#[test]
fn credits_change_net_cost_by_exactly_the_sum_of_credit_times_mass() {
    let with = ndpr(8.0);
    assert_eq!(
        with.coproducts.len(),
        3,
        "the example credits its co-products"
    );
    let mut without = with.clone();
    without.coproducts.clear();
    let a = run_replication(&with, 0).unwrap();
    let b = run_replication(&without, 0).unwrap();
    assert_eq!(a.cost_per_kg.to_bits(), b.cost_per_kg.to_bits());
    assert_eq!(a.co2e_per_kg.to_bits(), b.co2e_per_kg.to_bits());
    assert!(b.net_cost_per_kg.is_none());
    let product = a.balance.products_kg;
    assert!(product > 0.0);
    let (mut usd, mut co2) = (0.0, 0.0);
    for (name, c) in &with.coproducts {
        let kg = a.coproducts[name];
        assert!(kg > 0.0, "{name}");
        usd += c.credit_per_kg * kg;
        co2 += c.co2e_credit_per_kg * kg;
    }
    let net = a.net_cost_per_kg.unwrap();
    assert_relative_eq!(a.cost_per_kg - net, usd / product, max_relative = 1e-12);
    let net_co2 = a.net_co2e_per_kg.unwrap();
    assert_relative_eq!(a.co2e_per_kg - net_co2, co2 / product, max_relative = 1e-12);
    assert_eq!(a.metrics()["net_cost_per_kg"].to_bits(), net.to_bits());
    // doubling one credit doubles its share of the difference
    let mut twice = with.clone();
    twice.coproducts.insert(
        "pr_chloride".into(),
        CoproductConfig {
            credit_per_kg: 2.0 * with.coproducts["pr_chloride"].credit_per_kg,
            co2e_credit_per_kg: with.coproducts["pr_chloride"].co2e_credit_per_kg,
        },
    );
    let t = run_replication(&twice, 0).unwrap();
    let extra = with.coproducts["pr_chloride"].credit_per_kg * a.coproducts["pr_chloride"];
    assert_relative_eq!(
        net - t.net_cost_per_kg.unwrap(),
        extra / product,
        max_relative = 1e-9
    );
    // Nd goes to the product, La and Ce to the La-Ce co-product
    assert!(a.recovery["Nd"] > 0.95, "{:?}", a.recovery);
    assert!(a.recovery["La"] < 1e-6 && a.recovery["Ce"] < 1e-6);
}

fn err(text: &str) -> String {
    match PlantConfig::from_toml_str(text, "bad.toml") {
        Ok(_) => panic!("accepted a broken config"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn credit_validation_names_the_field_and_the_value() {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plants/ndpr-separation.toml");
    let text = std::fs::read_to_string(p).unwrap();
    let neg = text.replace("credit_per_kg = 34.0", "credit_per_kg = -3.5");
    let m = err(&neg);
    assert!(
        m.contains("coproducts.pr_chloride.credit_per_kg") && m.contains("-3.5"),
        "{m}"
    );
    let neg = text.replace("co2e_credit_per_kg = 2.83", "co2e_credit_per_kg = -1");
    let m = err(&neg);
    assert!(
        m.contains("coproducts.lace_chloride.co2e_credit_per_kg") && m.contains("-1"),
        "{m}"
    );
    let unknown = text.replace("[coproducts.seg_chloride]", "[coproducts.sm_oxide]");
    let m = err(&unknown);
    assert!(
        m.contains("coproducts.sm_oxide") && m.contains("seg_chloride"),
        "{m}"
    );
    let field = text.replace("credit_per_kg = 5.0", "price = 5.0");
    assert!(err(&field).contains("price"));
    // a plant without co-products cannot credit one
    let m = err(&format!(
        "{TWO_STEPS}\n[coproducts.slag]\ncredit_per_kg = 1.0\n"
    ));
    assert!(m.contains("coproducts.slag") && m.contains("none"), "{m}");
}

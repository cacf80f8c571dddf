//! End-to-end runs of the separation and Sm–Co example plants (the physics-coupled step
//! models `sx_cascade`, `oxalate_precipitation`, `calcination`, `reduction_diffusion` and the
//! `purity` and `smco` QC): each runs and closes its element balance to 1e-9.

use std::path::Path;

use repm_plant::{PlantConfig, run_replication};

fn plant(name: &str, days: f64) -> PlantConfig {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/plants")
        .join(name);
    let mut c = PlantConfig::from_file(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
    c.warmup = 3.0 * 86400.0;
    c.horizon = days * 86400.0;
    c
}

#[test]
fn ndpr_separation_runs_closes_and_meets_purity() {
    let c = plant("ndpr-separation.toml", 60.0);
    let r = run_replication(&c, 0).unwrap();
    println!(
        "ndpr: {:.1} t/y Nd oxide, ${:.2}/kg, {:.2} kg CO2e/kg, QC pass {:.3}, balance {:e}",
        r.throughput_t_per_y,
        r.cost_per_kg,
        r.co2e_per_kg,
        r.qc_pass_fraction,
        r.balance.max_relative_error
    );
    assert!(r.balance.max_relative_error <= 1e-9, "{:?}", r.balance);
    assert!(r.throughput_t_per_y > 100.0);
    assert!(r.qc_pass_fraction > 0.9, "{}", r.qc_pass_fraction);
    for k in ["lace_chloride", "pr_chloride", "seg_chloride"] {
        assert!(r.coproducts.get(k).copied().unwrap_or(0.0) > 0.0, "{k}");
    }
    let p = &r.lot_properties["purity"];
    assert!(p.mean > 0.999, "{p:?}");
}

#[test]
fn smco_runs_and_closes() {
    let c = plant("smco.toml", 60.0);
    let r = run_replication(&c, 0).unwrap();
    println!(
        "smco: {:.1} t/y, ${:.2}/kg, {:.2} kg CO2e/kg, QC pass {:.3}, Br {:.3} T, balance {:e}",
        r.throughput_t_per_y,
        r.cost_per_kg,
        r.co2e_per_kg,
        r.qc_pass_fraction,
        r.br_mean,
        r.balance.max_relative_error
    );
    assert!(r.balance.max_relative_error <= 1e-9, "{:?}", r.balance);
    assert!(r.throughput_t_per_y > 10.0);
    assert!(r.lot_properties.contains_key("bhmax_kj_m3"));
}

#[test]
fn intensified_sx_scenarios_run_and_close() {
    for s in [
        "intensified/more-sx-stages.toml",
        "intensified/more-reflux.toml",
    ] {
        let c = plant(s, 30.0);
        let r = run_replication(&c, 0).unwrap();
        assert!(r.balance.max_relative_error <= 1e-9, "{s}: {:?}", r.balance);
        assert!(r.qc_pass_fraction > 0.9, "{s}: {}", r.qc_pass_fraction);
    }
}

//! A calciothermic DyF₃ campaign: one Ta-crucible furnace runs batches for a week on the
//! repm-des clock (charge, heat, react, hold, cool, discharge, vacuum remelt), 20 replications.
//! Prints batches per week, kg Dy, kWh/kg, Ca and Ta use with 95 % confidence intervals.
//!
//! `cargo run --release --example reduction_dy` (set `RUST_LOG=info` to see each batch).

use std::collections::BTreeMap;

use repm_des::replication::ReplicationRunner;
use repm_des::sink::Sink;
use repm_des::{SimTime, Simulation};
use repm_material::Lot;
use repm_reduction::calciothermic::reduce;
use repm_reduction::events::{CalciothermicFurnace, CalciothermicFurnaceConfig};

/// Campaign length [s]: one week.
const WEEK_S: u64 = 7 * 24 * 3600;
/// Replications.
const REPLICATIONS: u32 = 20;
/// Master seed.
const SEED: u64 = 2026;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cfg = CalciothermicFurnaceConfig::default();
    // The deterministic batch first: what one charge gives.
    let one = reduce(&cfg.batch)?;
    println!(
        "One batch: {} kg DyF3, Ca excess {:.0} %, tapping {:.0} °C",
        cfg.batch.fluoride[0].mass,
        cfg.batch.ca_excess * 100.0,
        cfg.batch.tapping_temperature - 273.15
    );
    let eq = &one.equilibrium.reactions[0];
    println!(
        "  2 DyF3 + 3 Ca = 2 Dy + 3 CaF2: dG = {:.1} kJ, log10 K = {:.2}, conversion {:.5}",
        eq.dg / 1e3,
        eq.log10_k,
        eq.conversion
    );
    println!(
        "  adiabatic temperature of the charge {:.0} K ({:?}); furnace heat to tap {:.1} MJ",
        one.adiabatic.temperature,
        one.adiabatic.status,
        one.heat_to_tap / 1e6
    );
    println!(
        "  raw metal {:.2} kg, RE yield {:.4}, {:.2} kWh/kg, Ca {:.3} kg/kg\n",
        one.metal_mass, one.metal_yield, one.specific_energy_kwh_per_kg, one.calcium_per_kg
    );

    let runner = ReplicationRunner::new(REPLICATIONS, SEED)?;
    let results = runner.run(|rep| -> Result<BTreeMap<String, f64>, String> {
        let e = |e: &dyn std::fmt::Display| e.to_string();
        let mut sim = Simulation::<Lot>::new(rep.seed, rep.index);
        let furnace = CalciothermicFurnace::new(cfg.clone(), 1).map_err(|x| e(&x))?;
        let f = sim.add_model("dy-furnace", furnace).map_err(|x| e(&x))?;
        let s = sim
            .add_model("dy-store", Sink::<Lot>::new())
            .map_err(|x| e(&x))?;
        sim.connect(f, "metal", s, "in").map_err(|x| e(&x))?;
        sim.run_until(SimTime::from_secs(WEEK_S).map_err(|x| e(&x))?)
            .map_err(|x| e(&x))?;
        let st = &sim
            .model::<CalciothermicFurnace>(f)
            .map_err(|x| e(&x))?
            .stats;
        Ok(BTreeMap::from([
            ("batches per week".into(), st.batches as f64),
            ("Dy metal [kg]".into(), st.re_metal),
            ("metal incl. Ca, Ta, O [kg]".into(), st.metal),
            (
                "electric energy [kWh/kg metal]".into(),
                st.electric_energy / 3.6e6 / st.metal,
            ),
            ("Ca charged [kg/kg metal]".into(), st.calcium / st.metal),
            ("Ta worn [g/kg metal]".into(), st.tantalum * 1e3 / st.metal),
        ]))
    })?;
    println!("Campaign of one week, {REPLICATIONS} replications (mean ± 95 % CI half-width):");
    for (name, ci) in results.summary()? {
        println!("  {name:32} {:>10.3} ± {:.3}", ci.mean, ci.half_width);
    }
    Ok(())
}

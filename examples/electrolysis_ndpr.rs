//! A 6 kA NdPr oxide electrolysis cell over one week on the repm-des clock: on-demand oxide
//! feeding from an oxide probe, tapping every 8 h; then the same cell under-fed by a fixed
//! dosing schedule, which drives it into anode effects. Prints kg metal, kWh/kg, CO₂ per t and
//! PFC emissions, anode-effect counts.
//!
//! `cargo run --release --example electrolysis_ndpr`

use repm_des::{SimTime, Simulation};
use repm_material::Lot;
use repm_reduction::electrolysis::CellReport;
use repm_reduction::events::{ElectrolysisCellConfig, ElectrolysisCellModel, FeedPolicy};

/// Simulated time [s]: one week.
const WEEK_S: u64 = 7 * 24 * 3600;

fn run(cfg: ElectrolysisCellConfig) -> Result<CellReport, Box<dyn std::error::Error>> {
    let mut sim = Simulation::<Lot>::new(1, 0);
    let c = sim.add_model("ndpr-cell-1", ElectrolysisCellModel::new(cfg, 1)?)?;
    sim.run_until(SimTime::from_secs(WEEK_S)?)?;
    sim.advance_all()?;
    Ok(sim.model::<ElectrolysisCellModel>(c)?.cell().report()?)
}

fn print(title: &str, r: &CellReport) {
    println!("{title}");
    println!("  metal produced          {:>9.1} kg", r.metal);
    println!("  oxide fed               {:>9.1} kg", r.oxide_fed);
    println!("  current efficiency      {:>9.3}", r.current_efficiency);
    println!(
        "  DC energy               {:>9.2} kWh/kg",
        r.specific_energy_kwh_per_kg
    );
    println!("  anode carbon            {:>9.3} kg/kg", r.carbon_per_kg);
    println!(
        "  direct CO2              {:>9.0} kg/t   (measured potlines: 165-672 kg/t)",
        r.co2_kg_per_t
    );
    println!(
        "  CO                      {:>9.1} kg/t   (measured: 3.0-8.2 kg/t)",
        r.co_kg_per_t
    );
    println!(
        "  PFC (CF4 + C2F6)        {:>9.0} kg CO2e/t",
        r.pfc_co2e_kg_per_t
    );
    println!("  anode effects           {:>9}", r.anode_effects);
    println!("  heat lost by the cell   {:>9.1} GJ", r.heat_loss / 1e9);
    println!(
        "  dissolved oxide at end  {:>9.2} wt %\n",
        r.dissolved_oxide_fraction * 100.0
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let base = ElectrolysisCellConfig::default();
    let cell = repm_reduction::electrolysis::Cell::new(base.cell.clone())?;
    println!(
        "6 kA cell at {:.0} °C: E_rev {:.3} V, cell voltage {:.2} V, CE {:.3}\n",
        base.cell.temperature - 273.15,
        cell.reversible_potential()?,
        cell.normal_voltage(),
        cell.current_efficiency().0
    );
    print(
        "On-demand feeding (probe every 10 min, setpoint 2.5 wt %):",
        &run(base.clone())?,
    );
    let under = ElectrolysisCellConfig {
        feeding: FeedPolicy::Periodic {
            dose: 4.5,
            interval: 1800.0,
        },
        ..base
    };
    print(
        "Fixed dosing 4.5 kg every 30 min (under-fed):",
        &run(under)?,
    );
    Ok(())
}

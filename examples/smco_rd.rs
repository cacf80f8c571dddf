//! One reduction–diffusion batch of SmCo₅ (Sm₂O₃ + 10 Co + 3 Ca → 2 SmCo₅ + 3 CaO, then CaO
//! leaching), and the same route for a Sm₂Co₁₇-type alloy: reagents per kg, yield, leach heat
//! and hydrogen, the diffusion hold needed at several temperatures.
//!
//! `cargo run --release --example smco_rd`

use repm_reduction::rd::{RdConfig, reduce_diffuse};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for product in ["SmCo5", "Sm(Co0.67Fe0.22Cu0.1Zr0.02)7.2"] {
        let cfg = RdConfig {
            product: product.into(),
            ..RdConfig::default()
        };
        let r = reduce_diffuse(&cfg)?;
        println!(
            "{product}: batch of {:.0} kg at {:.0} °C for {:.1} h",
            cfg.batch_product_mass,
            cfg.temperature - 273.15,
            cfg.hold_time / 3600.0
        );
        println!("  charge [kg]:");
        for (s, n) in r.inputs.items() {
            let m = n * repm_material::Formula::parse(&s)?.molar_mass();
            println!("    {s:8} {m:>9.2}");
        }
        println!("  alloyed fraction        {:.4}", r.alloyed_fraction);
        println!(
            "  product                 {:.2} kg (Sm yield {:.3})",
            r.product_mass, r.sm_yield
        );
        println!("  Ca per kg product       {:.3} kg/kg", r.calcium_per_kg);
        println!(
            "  leach water             {:.2} kg/kg, acetic acid {:.3} kg/kg",
            r.water_per_kg, r.acid_per_kg
        );
        match (r.reduction_heat, r.electric_energy) {
            (Some(q), Some(e)) => println!(
                "  reduction heat          {:.1} MJ, furnace electricity {:.1} kWh/kg",
                q / 1e6,
                e / 3.6e6 / r.product_mass
            ),
            _ => println!(
                "  reduction heat          not computed (a species is missing from the data set)"
            ),
        }
        println!(
            "  leach heat released     {:.1} MJ, H2 released {:.1} mol ({:.0} L at STP)\n",
            r.leach_heat / 1e6,
            r.hydrogen,
            r.hydrogen * 22.414
        );
    }
    println!("Diffusion hold for 99 % alloying (parabolic law, Q = 250 kJ/mol):");
    let base = RdConfig::default();
    for t_c in [1100.0, 1150.0, 1200.0] {
        let t = t_c + 273.15;
        let k = base.k0 * (-base.activation_energy / (repm_material::thermo::R * t)).exp();
        println!("  {t_c:.0} °C: {:.1} h", 0.99f64.powi(2) / k / 3600.0);
    }
    Ok(())
}

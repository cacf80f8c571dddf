//! A furnace charge through sintering and two-stage annealing with `repm-sinter`: the pure
//! models step by step (densification along the programme, grain growth, as-sintered and
//! annealed properties), then the same charge through the batch-furnace event models on the
//! `repm-des` core. Prints density, grain size, Br, Hcj, (BH)max and grade.
//!
//! Run: `cargo run --release --example sinter_cycle`.

use repm_des::sink::Sink;
use repm_des::{SimTime, Simulation};
use repm_material::{Form, Lot, LotId, LotIdSource};
use repm_sinter::TemperatureProgramme;
use repm_sinter::anneal::{AnnealResponse, TwoStageAnneal};
use repm_sinter::densification::{DensificationModel, GrainGrowth};
use repm_sinter::furnace::{FurnaceConfig, FurnaceDuty, HeatTreatFurnace, cycle_energy};
use repm_sinter::magnet::{
    CoercivityModel, MagnetComposition, Microstructure, evaluate, phase_constitution,
};
use repm_sinter::programme::ZERO_CELSIUS;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let comp = MagnetComposition::reference_prnd();
    let phases = phase_constitution(&comp)?;
    let green_density = 0.58 * phases.theoretical_density;
    // Sinter: 5 K/min to 1060 °C, 4 h, cool; anneal 900 °C × 2 h then 500 °C × 2 h.
    let sinter = TemperatureProgramme::starting_at(ZERO_CELSIUS + 25.0)?
        .ramp_to(ZERO_CELSIUS + 1060.0, 5.0 / 60.0)?
        .hold(4.0 * 3600.0)?
        .ramp_to(ZERO_CELSIUS + 25.0, 5.0 / 60.0)?;
    let dens = DensificationModel::default();
    let grain = GrainGrowth::default();
    println!(
        "alloy: theoretical density {:.0} kg/m3, RE-rich (liquid) phase {:.1} vol%, oxide {:.2} vol%",
        phases.theoretical_density,
        100.0 * phases.re_rich,
        100.0 * phases.oxide
    );
    println!("\nsintering programme (pure model):");
    println!(
        "  {:>7} {:>8} {:>8} {:>9}",
        "t h", "T °C", "rho/rho0", "d um"
    );
    for (t, temp, rho) in dens.trajectory(0.58, phases.re_rich, &sinter, 12)? {
        let d = grain.grow(3e-6, &sinter.truncated(t))?;
        println!(
            "  {:>7.2} {:>8.0} {:>8.3} {:>9.2}",
            t / 3600.0,
            temp - ZERO_CELSIUS,
            rho,
            d * 1e6
        );
    }
    let r = dens.densify(0.58, phases.re_rich, &sinter)?;
    let d = grain.grow(3e-6, &sinter)?;
    println!(
        "  shrinkage: parallel {:.1} %, perpendicular {:.1} % (anisotropy 2)",
        100.0 * r.shrinkage.parallel,
        100.0 * r.shrinkage.perpendicular
    );
    let model = CoercivityModel::default();
    let anneal = TwoStageAnneal::default();
    let resp = AnnealResponse::default();
    for (label, a) in [
        ("as sintered", resp.as_sintered_factor),
        ("annealed", resp.factor(&anneal, false)?),
    ] {
        let micro = Microstructure {
            relative_density: r.relative_density,
            grain_size: d,
            alignment: 0.96,
            anneal_factor: a,
        };
        let m = evaluate(&comp, &micro, &model)?;
        println!(
            "  {label:<12} density {:.0} kg/m3, d {:.2} um, Br {:.3} T, Hcj {:.0} kA/m, (BH)max {:.0} kJ/m3, grade {}",
            m.density,
            d * 1e6,
            m.remanence,
            m.coercivity / 1e3,
            m.max_energy_product() / 1e3,
            m.grade()
                .map(|g| g.to_string())
                .unwrap_or_else(|| "-".into())
        );
    }
    let thermal = repm_sinter::furnace::FurnaceThermal::default();
    println!(
        "  sinter cycle energy for 800 kg: {:.0} kWh",
        cycle_energy(&sinter, 800.0, &thermal)? / 3.6e6
    );

    // The same charge through the event models.
    let mut sim = Simulation::<Lot>::new(42, 0);
    let f1 = sim.add_model(
        "sinter",
        HeatTreatFurnace::new(
            FurnaceConfig::new(FurnaceDuty::Sinter {
                programme: sinter.clone(),
                densification: dens,
                grain_growth: grain,
                initial_grain_size: 3e-6,
            }),
            LotIdSource::starting_at(100),
        )?,
    )?;
    let f2 = sim.add_model(
        "anneal",
        HeatTreatFurnace::new(
            FurnaceConfig::new(FurnaceDuty::Anneal {
                anneal,
                rate: 5.0 / 60.0,
                response: resp,
                after_gbd: false,
            }),
            LotIdSource::starting_at(200),
        )?,
    )?;
    let out = sim.add_model("out", Sink::<Lot>::new())?;
    let scrap = sim.add_model("scrap", Sink::<Lot>::new())?;
    sim.connect(f1, "product", f2, "charge")?;
    sim.connect(f2, "product", out, "in")?;
    sim.connect(f1, "scrap", scrap, "in")?;
    sim.connect(f2, "scrap", scrap, "in")?;
    let charge = Lot::from_element_masses(
        LotId(1),
        Form::GreenCompact {
            density: green_density,
            alignment: 0.96,
        },
        &(*comp.mass_fractions() * 800.0),
    )?;
    sim.inject(f1, "charge", SimTime::ZERO, charge)?;
    sim.run()?;
    println!("\nevent run (seed 42): 800 kg charge, sinter furnace then anneal furnace");
    for (t, lot) in &sim.model::<Sink<Lot>>(out)?.received {
        if let Form::SinteredMagnet {
            density,
            grain_size,
            remanence,
            coercivity,
        } = &lot.form
        {
            let br = remanence.unwrap_or(0.0);
            let hcj = coercivity.unwrap_or(0.0);
            println!(
                "  lot {} out at {:.1} h: {:.0} kg, density {:.0} kg/m3, d {:.2} um, Br {:.3} T, Hcj {:.0} kA/m",
                lot.id,
                t.as_secs_f64() / 3600.0,
                lot.mass(),
                density,
                grain_size * 1e6,
                br,
                hcj / 1e3
            );
        }
    }
    for (name, id) in [("sinter", f1), ("anneal", f2)] {
        let s = &sim.model::<HeatTreatFurnace>(id)?.stats;
        println!(
            "  {name}: {} cycle(s), {:.0} kWh, busy {:.1} h",
            s.cycles,
            s.energy / 3.6e6,
            s.busy_time / 3600.0
        );
    }
    println!(
        "  scrapped charges: {}",
        sim.model::<Sink<Lot>>(scrap)?.received.len()
    );
    Ok(())
}

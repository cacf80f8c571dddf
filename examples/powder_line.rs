//! `powder_line`: one 1 t melt through strip casting → hydrogen decrepitation → jet milling →
//! field pressing, printing PSDs, O content and yields at each step.
//!
//! Run: `cargo run --release --example powder_line` (set `RUST_LOG=info` for the model logs).

use repm_material::{Element, Form, Lot, LotIdSource};
use repm_powder::hd::{HdConfig, HdFurnace};
use repm_powder::jet_mill::{JetMill, JetMillConfig};
use repm_powder::lots;
use repm_powder::oxygen::{CarbonBinding, PhaseBudget};
use repm_powder::press::{FieldPress, Lubricant, PressConfig};
use repm_powder::recipe::Recipe;
use repm_powder::strip_cast::{StripCaster, StripCasterConfig};

fn ppm(lot: &Lot, e: Element) -> f64 {
    1e6 * lot.mass_fraction(e)
}

fn report(step: &str, lot: &Lot, mass_in: f64) {
    let b = PhaseBudget::of(&lot.element_masses(), CarbonBinding::default());
    println!(
        "{step:<22} {:>9.2} kg  yield {:>6.2} %  O {:>6.0} ppm  C {:>4.0} ppm  H {:>5.0} ppm  free GB RE {:.2} wt %",
        lot.mass(),
        100.0 * lot.mass() / mass_in,
        ppm(lot, Element::O),
        ppm(lot, Element::C),
        ppm(lot, Element::H),
        100.0 * b.free_re_mass_fraction,
    );
}

fn print_psd(name: &str, form: &Form) {
    if let Form::Powder { psd } = form {
        println!(
            "    PSD {name}: D10 {:.2} µm  D50 {:.2} µm  D90 {:.2} µm  Sauter {:.2} µm",
            psd.d10() * 1e6,
            psd.d50() * 1e6,
            psd.d90() * 1e6,
            psd.sauter_mean_diameter() * 1e6
        );
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let mut ids = LotIdSource::starting_at(1);

    // 1. recipe: 1000 kg of metallic alloy, 30 wt % PrNd (Pr:Nd 1:3), 1 wt % B (process-data §11.1)
    let recipe = Recipe::default();
    let charge = recipe.charge(1000.0, &[])?;
    let melt = lots::melt_lot(&charge, vec![], &mut ids)?;
    println!("== powder line: one melt, {:.1} kg ==", melt.mass());
    for add in &charge.virgin {
        println!("    charge: {:<12} {:>8.2} kg", add.name, add.masses.sum());
    }
    report("melt", &melt, melt.mass());

    // 2. strip casting
    let caster = StripCaster::new(StripCasterConfig::default())?;
    let (cast, flakes, _loss) = lots::cast(&caster, &melt, &mut ids)?;
    let q = cast.quality;
    println!(
        "    flakes {:.3} mm, cooling {:.0} K/s (patent window: {}), α-Fe risk {:.3}, columnar {:.0} %, lamellae {:.2} µm, pour {:.0} s",
        q.thickness * 1e3,
        q.cooling_rate,
        q.in_patent_window,
        q.alpha_fe_risk,
        100.0 * q.columnar_fraction,
        q.lamella_spacing * 1e6,
        cast.pour_time
    );
    report("strip-cast flakes", &flakes, melt.mass());

    // 3. hydrogen decrepitation with partial degassing at 500 °C
    let hd = HdFurnace::new(HdConfig::default())?;
    let hdl = lots::decrepitate(
        &hd,
        &flakes,
        &repm_material::ElementVector::zeros(),
        1.2,
        &mut ids,
    )?;
    let r = &hdl.result;
    println!(
        "    HD: peak {:.0} °C, X_GB {:.3}, X_matrix {:.3}, H absorbed {:.3} kg, retained {:.3} kg, heat {:.1} MJ",
        r.peak_temperature - 273.15,
        r.x_gb,
        r.x_matrix,
        r.h_absorbed,
        r.h_retained,
        r.heat_released / 1e6
    );
    report("HD powder", &hdl.powder, melt.mass());
    print_psd("HD", &hdl.powder.form);

    // 4. jet milling in N2 with 100 ppm O2
    let mill = JetMill::new(JetMillConfig::default())?;
    let ml = lots::mill(&mill, &hdl.powder, &mut ids)?;
    let s = &ml.result.steady;
    println!(
        "    mill: {:.0} kg/h, hold-up {:.1} kg, residence {:.0} s, {:.2} kWh/kg, gas/solids {:.0}, fines {:.2} %, O pickup {:.3} kg{}",
        s.feed_rate * 3600.0,
        s.hold_up,
        s.residence_time,
        s.specific_energy / 3.6e6,
        s.gas_solids_ratio,
        100.0 * s.fines_rate / s.feed_rate,
        ml.result.oxygen_pickup,
        if ml.result.oxygen_supply_limited {
            " (O2-limited)"
        } else {
            ""
        }
    );
    report("jet-milled powder", &ml.product, melt.mass());
    print_psd("jet-milled", &ml.product.form);
    print_psd("filter fines", &ml.fines.form);

    // 5. pressing: die 20 MPa in 1.8 T, then CIP 200 MPa; 0.05 wt % methyl stearate
    let press = FieldPress::new(PressConfig {
        lubricant: Some(Lubricant {
            formula: "C19H38O2".into(),
            mass_fraction: 5e-4,
        }),
        ..PressConfig::default()
    })?;
    let pl = lots::press(&press, &ml.product, &mut ids)?;
    let p = &pl.result;
    println!(
        "    press: green density {:.0} kg/m³ ({:.1} % of theoretical), alignment {:.3}, {:.0} compacts, cycle {:.0} s, {:.1} h on one press",
        p.green_density,
        100.0 * p.relative_density,
        p.alignment,
        p.compacts_count.ceil(),
        p.cycle_time,
        p.duration / 3600.0
    );
    report("green compacts", &pl.compacts, melt.mass());
    println!(
        "    genealogy: compacts {} ← {:?}",
        pl.compacts.id, pl.compacts.parents
    );
    Ok(())
}

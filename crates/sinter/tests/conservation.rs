//! Element conservation: machining and GBD at lot level, checked with
//! `repm_material::balance::ElementBalance` to 1e-9 relative.

use proptest::prelude::*;
use repm_material::balance::ElementBalance;
use repm_material::{Element, Form, Lot, LotId};
use repm_sinter::TemperatureProgramme;
use repm_sinter::gbd::{GbdDiffusivity, GbdOptions, GbdSetup, apply_to_lot, diffuse};
use repm_sinter::machining::{MachiningPlan, environment_inputs, machine};
use repm_sinter::magnet::MagnetComposition;

fn block_lot(mass: f64) -> Lot {
    let c = MagnetComposition::reference_prnd();
    let form = Form::SinteredMagnet {
        density: 7500.0,
        grain_size: 5e-6,
        remanence: None,
        coercivity: None,
    };
    Lot::from_element_masses(LotId(1), form, &(*c.mass_fractions() * mass)).unwrap()
}

proptest! {
    #[test]
    fn machining_conserves_every_element(
        mass in 1.0..900.0f64, kerf in 0.0..1e-3f64, grind in 0.0..0.3e-3f64, skin in 0.0..1e-3f64,
        brk in 0.0..0.2f64, o in 0.0..0.1f64, water in 0.0..0.6f64, px in 3e-3..20e-3f64,
    ) {
        let plan = MachiningPlan { kerf, grinding_allowance: grind, skin, breakage_fraction: brk,
            swarf_oxygen_pickup: o, swarf_moisture: water, part: [px, 10e-3, 5e-3], ..MachiningPlan::default() };
        let block = block_lot(mass);
        let out = machine(&block, &plan, [LotId(2), LotId(3), LotId(4)]).unwrap();
        let r = ElementBalance::new()
            .input_lot(&block)
            .input_masses(&environment_inputs(&out))
            .output_lot(&out.parts)
            .output_lot(&out.scrap)
            .output_lot(&out.swarf)
            .check(1e-9);
        prop_assert!(r.is_ok(), "{r:?}");
        prop_assert!(out.parts.mass() <= block.mass());
        prop_assert!(out.swarf.mass_fraction(Element::O) > block.mass_fraction(Element::O) || o == 0.0);
    }

    #[test]
    fn gbd_conserves_every_element(mass in 1.0..800.0f64, coat in 0.0..0.3f64, th_mm in 2.0..10.0f64, loss in 0.0..0.4f64, hours in 1.0..20.0f64) {
        let setup = GbdSetup { thickness: th_mm * 1e-3, coating_per_face: [coat, 0.5 * coat], loss_fraction: loss,
            surface_mass_fraction: 0.02, magnet_density: 7500.0, grain_size: 5e-6 };
        let p = TemperatureProgramme::starting_at(1173.15).unwrap().hold(hours * 3600.0).unwrap();
        let prof = diffuse(&setup, &GbdDiffusivity::dy_sintered_ndfeb(), &p, &GbdOptions { cells: 60, ..GbdOptions::default() }).unwrap();
        let block = block_lot(mass);
        let lots = apply_to_lot(&block, Element::Tb, &prof, th_mm * 1e-3, 7500.0, [LotId(5), LotId(6), LotId(7)]).unwrap();
        let r = ElementBalance::new()
            .input_lot(&block)
            .input_masses(&lots.applied)
            .output_lot(&lots.magnets)
            .output_lot(&lots.lost)
            .output_lot(&lots.residual)
            .check(1e-9);
        prop_assert!(r.is_ok(), "{r:?}");
    }
}

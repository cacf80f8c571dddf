//! Property tests over random valid inputs: the recipe hits its target exactly around any
//! feasible recycled feed; HD and the lot-level bridge conserve every element for random
//! charges, O contents and H₂ supplies; the green density rises with pressure.

use proptest::prelude::*;
use repm_material::balance::ElementBalance;
use repm_material::units::{Pressure, TimeSpan};
use repm_material::{Element, ElementVector, Form, Lot, LotId, LotIdSource};
use repm_powder::hd::{HdConfig, HdFeed, HdFurnace};
use repm_powder::jet_mill::{GridConfig, JetMill, JetMillConfig};
use repm_powder::lots;
use repm_powder::press::{FieldPress, PressConfig, PressMode};
use repm_powder::recipe::{AlloyTarget, Recipe};

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn recipe_hits_target_around_recycled_feed(
        prnd in 0.26..0.33f64,
        pr_share in 0.0..0.5f64,
        dy in 0.0..0.05f64,
        b in 0.009..0.011f64,
        share in 0.0..0.5f64,
    ) {
        let target = AlloyTarget { prnd, pr_share, dy, b, ..AlloyTarget::default() };
        let recipe = Recipe { target, ..Recipe::default() };
        // recycled feed: the same alloy at a fraction `share` of the metal, plus 3000 ppm O
        let mut scrap = target.mass_fractions() * (1000.0 * share);
        scrap[Element::O] += 3e-3 * 1000.0 * share;
        let c = recipe.charge(1000.0, &[scrap]).unwrap();
        let w = target.mass_fractions();
        for (e, we) in w.iter_nonzero() {
            prop_assert!((c.total[e] - 1000.0 * we).abs() <= 1e-9 * 1000.0 * we, "{}", e.symbol());
        }
        let mut bal = ElementBalance::new().input_masses(&scrap);
        for v in &c.virgin { bal = bal.input_masses(&v.masses); }
        prop_assert!(bal.output_masses(&c.total).check(1e-12).is_ok());
        prop_assert!(c.recycled_fraction >= 0.0 && c.recycled_fraction < 1.0);
    }

    #[test]
    fn hd_conserves_every_element(
        mass in 10.0..2000.0f64,
        o_ppm in 0.0..8000.0f64,
        excess in 0.1..2.0f64,
        t_degas in 400.0..950.0f64,
    ) {
        let mut body = Recipe::default().charge(mass, &[]).unwrap().total;
        body[Element::O] += o_ppm * 1e-6 * mass;
        let cfg = HdConfig {
            time_step: TimeSpan::from_si(10.0),
            degassing: repm_powder::hd::DegassingConfig {
                temperature: repm_material::units::Temperature::from_si(t_degas),
                ..Default::default()
            },
            ..HdConfig::default()
        };
        let hd = HdFurnace::new(cfg).unwrap();
        let feed = HdFeed::Flakes(body);
        let h2 = excess * hd.h2_demand(&feed);
        let r = hd.run(&feed, h2).unwrap();
        prop_assert!(r.offgas[Element::H] >= -1e-12);
        prop_assert!(ElementBalance::new()
            .input_masses(&body)
            .input_masses(&ElementVector::unit(Element::H, h2))
            .output_masses(&r.powder)
            .output_masses(&r.offgas)
            .check(1e-9)
            .is_ok());
    }

    #[test]
    fn green_density_rises_with_pressure(p1 in 1e6..300e6f64, dp in 1e5..100e6f64) {
        let rho = |p: f64| FieldPress::new(PressConfig { mode: PressMode::Die { pressure: Pressure::from_si(p) }, ..Default::default() })
            .unwrap()
            .density_and_alignment()
            .0;
        prop_assert!(rho(p1 + dp) > rho(p1));
    }
}

#[test]
fn lot_bridge_conserves_every_element_with_gas_lots() {
    let mut ids = LotIdSource::starting_at(1);
    let charge = Recipe::default().charge(500.0, &[]).unwrap();
    let melt = lots::melt_lot(&charge, vec![LotId(99)], &mut ids).unwrap();
    let caster = repm_powder::strip_cast::StripCaster::new(Default::default()).unwrap();
    let (_, flakes, cast_loss) = lots::cast(&caster, &melt, &mut ids).unwrap();
    let hd = HdFurnace::new(HdConfig::default()).unwrap();
    let h = lots::decrepitate(&hd, &flakes, &ElementVector::zeros(), 1.2, &mut ids).unwrap();
    let mill = JetMill::new(JetMillConfig {
        grid: GridConfig {
            classes: 40,
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    let m = lots::mill(&mill, &h.powder, &mut ids).unwrap();
    let p = lots::press(
        &FieldPress::new(PressConfig::default()).unwrap(),
        &m.product,
        &mut ids,
    )
    .unwrap();
    let ins: [&Lot; 3] = [&melt, &h.h2_in, &m.gas_in];
    let outs: [&Lot; 6] = [
        &cast_loss,
        &h.offgas,
        &m.fines,
        &m.gas_out,
        &p.compacts,
        &p.loss,
    ];
    let mut bal = ElementBalance::new();
    for l in ins {
        bal = bal.input_lot(l);
    }
    for l in outs {
        bal = bal.output_lot(l);
    }
    bal.check(1e-9).unwrap();
    // genealogy and forms
    assert_eq!(flakes.parents, vec![melt.id]);
    assert!(matches!(p.compacts.form, Form::GreenCompact { .. }));
    assert!(p.compacts.parents.contains(&m.product.id));
}

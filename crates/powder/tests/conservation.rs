//! Element conservation of every unit operation of repm-powder: inputs = outputs (+ accumulation)
//! for every element, gases included (H₂ in HD, O₂ of the milling gas), checked with
//! `repm_material::balance::ElementBalance` to 1e-9 relative (1e-12 for pure mixing/splitting).

use repm_material::balance::ElementBalance;
use repm_material::{Element, ElementVector};
use repm_powder::hd::{HdConfig, HdFeed, HdFurnace};
use repm_powder::jet_mill::{JetMill, JetMillConfig};
use repm_powder::press::{FieldPress, Lubricant, PressConfig};
use repm_powder::psd::Psd;
use repm_powder::recipe::Recipe;
use repm_powder::strip_cast::{StripCaster, StripCasterConfig};

fn alloy(mass: f64) -> ElementVector {
    Recipe::default().charge(mass, &[]).unwrap().total
}

fn eol_magnet(mass: f64) -> ElementVector {
    // a Dy-bearing sintered magnet with 4000 ppm O (est. for EoL scrap)
    let mut m = ElementVector::from_pairs([
        (Element::Nd, 0.235),
        (Element::Pr, 0.06),
        (Element::Dy, 0.03),
        (Element::B, 0.0098),
        (Element::Co, 0.01),
        (Element::Cu, 0.001),
        (Element::Al, 0.002),
        (Element::O, 0.004),
        (Element::C, 0.0008),
    ]);
    m[Element::Fe] = 1.0 - m.sum();
    m * mass
}

#[test]
fn recipe_charge_is_virgin_plus_recycled() {
    // recycled powder of the same alloy that picked up 2000 ppm O
    let mut scrap = alloy(150.0);
    scrap[Element::O] += 0.3;
    let c = Recipe::default().charge(1000.0, &[scrap]).unwrap();
    let mut b = ElementBalance::new().input_masses(&scrap);
    for v in &c.virgin {
        b = b.input_masses(&v.masses);
    }
    b.output_masses(&c.total).check(1e-12).unwrap();
    assert!(c.recycled_fraction > 0.14 && c.recycled_fraction < 0.16);
}

#[test]
fn strip_casting_conserves_every_element() {
    let melt = alloy(1000.0);
    let r = StripCaster::new(StripCasterConfig::default())
        .unwrap()
        .cast(&melt)
        .unwrap();
    ElementBalance::new()
        .input_masses(&melt)
        .output_masses(&r.flakes)
        .output_masses(&r.loss)
        .check(1e-12)
        .unwrap();
}

#[test]
fn hd_of_flakes_conserves_every_element_with_the_hydrogen_gas() {
    let flakes = alloy(1000.0);
    let hd = HdFurnace::new(HdConfig::default()).unwrap();
    let feed = HdFeed::Flakes(flakes);
    let h2 = 1.2 * hd.h2_demand(&feed);
    let r = hd.run(&feed, h2).unwrap();
    let gas = ElementVector::unit(Element::H, h2);
    ElementBalance::new()
        .input_masses(&flakes)
        .input_masses(&gas)
        .output_masses(&r.powder)
        .output_masses(&r.reject)
        .output_masses(&r.offgas)
        .check(1e-9)
        .unwrap();
    assert!(r.h_absorbed > r.h_retained && r.h_retained > 0.0);
}

#[test]
fn hd_with_short_hydrogen_supply_still_balances() {
    let flakes = alloy(500.0);
    let hd = HdFurnace::new(HdConfig::default()).unwrap();
    let feed = HdFeed::Flakes(flakes);
    let h2 = 0.3 * hd.h2_demand(&feed);
    let r = hd.run(&feed, h2).unwrap();
    assert!(r.supply_limited);
    assert!(r.offgas[Element::H] >= 0.0);
    ElementBalance::new()
        .input_masses(&flakes)
        .input_masses(&ElementVector::unit(Element::H, h2))
        .output_masses(&r.powder)
        .output_masses(&r.offgas)
        .check(1e-9)
        .unwrap();
}

#[test]
fn hd_of_end_of_life_magnets_conserves_every_element() {
    let magnet = eol_magnet(400.0);
    let coating = ElementVector::from_pairs([(Element::Ni, 4.0), (Element::Cu, 0.8)]);
    let hd = HdFurnace::new(HdConfig::default()).unwrap();
    let feed = HdFeed::EndOfLife { magnet, coating };
    let h2 = 1.1 * hd.h2_demand(&feed);
    let r = hd.run(&feed, h2).unwrap();
    ElementBalance::new()
        .input_masses(&magnet)
        .input_masses(&coating)
        .input_masses(&ElementVector::unit(Element::H, h2))
        .output_masses(&r.powder)
        .output_masses(&r.reject)
        .output_masses(&r.offgas)
        .check(1e-9)
        .unwrap();
    assert!(r.powder[Element::Ni].abs() < 1e-15, "coating removed");
}

#[test]
fn jet_milling_conserves_every_element_with_the_oxygen_of_the_gas() {
    let mill = JetMill::new(JetMillConfig::default()).unwrap();
    let feed = alloy(300.0);
    let psd = Psd::rrsb(mill.grid().clone(), 150e-6, 1.3).unwrap();
    let r = mill.mill_lot(&feed, &psd).unwrap();
    assert!(r.oxygen_pickup > 0.0);
    ElementBalance::new()
        .input_masses(&feed)
        .input_masses(&r.gas_in)
        .output_masses(&r.product)
        .output_masses(&r.fines)
        .output_masses(&r.gas_out)
        .check(1e-9)
        .unwrap();
}

#[test]
fn jet_mill_oxygen_pickup_is_capped_by_the_gas_supply() {
    let mut cfg = JetMillConfig::default();
    cfg.gas.gas.o2_mole_fraction = 1e-6;
    cfg.oxygen.exponent = 0.0; // uptake law independent of O2: demand exceeds the tiny supply
    let mill = JetMill::new(cfg).unwrap();
    let feed = alloy(100.0);
    let psd = Psd::rrsb(mill.grid().clone(), 150e-6, 1.3).unwrap();
    let r = mill.mill_lot(&feed, &psd).unwrap();
    assert!(r.oxygen_supply_limited);
    assert!(r.gas_out[Element::O].abs() <= 1e-12 * r.gas_in[Element::O]);
    ElementBalance::new()
        .input_masses(&feed)
        .input_masses(&r.gas_in)
        .output_masses(&r.product)
        .output_masses(&r.fines)
        .output_masses(&r.gas_out)
        .check(1e-9)
        .unwrap();
}

#[test]
fn jet_mill_transient_conserves_mass() {
    let mill = JetMill::new(JetMillConfig {
        grid: repm_powder::jet_mill::GridConfig {
            classes: 40,
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    let psd = Psd::rrsb(mill.grid().clone(), 150e-6, 1.3).unwrap();
    let mut bed = mill.empty_bed();
    let (rate, dt) = (0.04, 600.0);
    let mut out = 0.0;
    for _ in 0..3 {
        let s = mill.advance(&mut bed, rate, &psd, dt).unwrap();
        assert!(s.status.ok, "{:?}", s.status);
        out += s.product.iter().sum::<f64>() + s.fines.iter().sum::<f64>();
    }
    let fed = 3.0 * rate * dt;
    let held: f64 = bed.masses.iter().sum();
    approx::assert_relative_eq!(fed, held + out, max_relative = 1e-9);
}

#[test]
fn pressing_conserves_every_element_with_the_lubricant() {
    let powder = alloy(200.0);
    let press = FieldPress::new(PressConfig {
        lubricant: Some(Lubricant {
            formula: "C19H38O2".into(),
            mass_fraction: 5e-4,
        }),
        ..Default::default()
    })
    .unwrap();
    let r = press.press(&powder).unwrap();
    assert!(r.lubricant[Element::C] > 0.0);
    ElementBalance::new()
        .input_masses(&powder)
        .input_masses(&r.lubricant)
        .output_masses(&r.compacts)
        .output_masses(&r.loss)
        .check(1e-12)
        .unwrap();
}

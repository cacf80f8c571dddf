//! Property tests over random charges and cell settings: no negative amounts, yield ≤ 1, more
//! excess calcium never lowers the thermodynamic conversion, balances close.

use proptest::prelude::*;
use repm_material::balance::ElementBalance;
use repm_reduction::calciothermic::{CalciothermicConfig, SaltCharge, reduce};
use repm_reduction::electrolysis::{Cell, CellConfig};

fn fluoride() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("NdF3"),
        Just("PrF3"),
        Just("DyF3"),
        Just("TbF3"),
        Just("LaF3")
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn calciothermic_charges_are_physical(
        fl in fluoride(),
        mass in 1.0f64..500.0,
        excess in -0.5f64..1.0,
        more in 0.0f64..1.0,
        t in 1500.0f64..2000.0,
        impurity in 0.0f64..0.05,
        booster in 0.0f64..0.5,
    ) {
        let cfg = CalciothermicConfig {
            fluoride: vec![SaltCharge { formula: fl.into(), mass }],
            ca_excess: excess,
            tapping_temperature: t,
            oxide_impurity: impurity,
            iodine_per_fluoride: booster,
            ..Default::default()
        };
        let r = reduce(&cfg).unwrap();
        for l in [&r.metal, &r.slag, &r.vapour] {
            if let Some((s, n)) = l.min_entry() {
                prop_assert!(n >= 0.0, "negative {s}: {n}");
            }
        }
        prop_assert!(r.metal_yield <= 1.0 && r.metal_yield >= 0.0);
        let x = r.equilibrium.reactions[0].conversion;
        prop_assert!((0.0..=1.0).contains(&x));
        let mut b = ElementBalance::new();
        b.add_input(&r.inputs.element_amounts().unwrap());
        for l in [&r.metal, &r.slag, &r.vapour] {
            b.add_output(&l.element_amounts().unwrap());
        }
        prop_assert!(b.check(1e-9).is_ok());
        // More calcium never lowers the conversion.
        let richer = CalciothermicConfig { ca_excess: (excess + more).min(2.0), ..cfg };
        let x2 = reduce(&richer).unwrap().equilibrium.reactions[0].conversion;
        prop_assert!(x2 >= x - 1e-12, "conversion fell from {x} to {x2}");
    }

    #[test]
    fn electrolysis_cells_are_physical(
        current in 1000.0f64..10000.0,
        t in 1250.0f64..1400.0,
        area in 0.05f64..0.5,
        hours in 0.1f64..48.0,
        feed in 0.0f64..40.0,
    ) {
        let cfg = CellConfig { current, temperature: t, cathode_area: area, ..Default::default() };
        let mut cell = Cell::new(cfg).unwrap();
        let inv0 = cell.inventory().unwrap();
        cell.feed(feed).unwrap();
        cell.advance(hours * 3600.0).unwrap();
        let st = cell.state();
        for l in [&st.bath, &st.dissolved, &st.pool, &st.gas, &st.sludge] {
            if let Some((s, n)) = l.min_entry() {
                prop_assert!(n >= 0.0, "negative {s}: {n}");
            }
        }
        let (ce, _) = cell.current_efficiency();
        prop_assert!((0.0..=1.0).contains(&ce));
        prop_assert!(cell.normal_voltage() > cell.reversible_potential().unwrap());
        // Metal never exceeds the Faraday maximum at unit efficiency.
        let re_metal: f64 = st.pool.items().iter()
            .filter_map(|(s, n)| repm_material::Element::from_symbol(s).map(|e| n * e.molar_mass()))
            .sum();
        let fluoride_metal_bound = current * hours * 3600.0 / 96_485.332_123_310_01 / 3.0 * 0.1449; // heaviest RE of the bath (Pr/Nd) ≤ 0.1449 kg/mol
        prop_assert!(re_metal <= fluoride_metal_bound * (1.0 + 1e-9));
        let mut b = ElementBalance::new();
        b.add_input(&inv0);
        b.add_input(&st.fed.element_amounts().unwrap());
        b.add_output(&st.gas.element_amounts().unwrap());
        b.add_output(&cell.inventory().unwrap());
        prop_assert!(b.check(1e-9).is_ok());
    }
}

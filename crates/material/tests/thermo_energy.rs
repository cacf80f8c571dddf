//! Energy balance of a reacting charge: adiabatic temperature with transition plateaus,
//! heat to a target temperature, input conventions, solver statuses.

use approx::assert_abs_diff_eq;
use proptest::prelude::*;
use repm_material::thermo::{
    AdiabaticOptions, ChargeItem, DataSetName, InputConvention, SolveStatus, ThermoSet,
    adiabatic_temperature, complete_reaction_products, heat_to_temperature,
};

const R: f64 = 8.314_462_618;

/// NASA-7 enthalpy [J/mol] from the coefficients (McBride et al. 1993, as in nasa_condensed.yaml).
fn nasa_h(a: [f64; 7], t: f64) -> f64 {
    R * t
        * (a[0]
            + a[1] * t / 2.0
            + a[2] * t * t / 3.0
            + a[3] * t.powi(3) / 4.0
            + a[4] * t.powi(4) / 5.0
            + a[5] / t)
}

const CAF2_A_LOW: [f64; 7] = [
    -0.391537176,
    0.0574664742,
    -1.30834259e-04,
    1.32738284e-07,
    -4.81641634e-11,
    -1.48963614e+05,
    -1.91796873,
];
const CAF2_B: [f64; 7] = [
    14.2866105,
    -1.10249437e-03,
    1.41775401e-06,
    -2.81232082e-10,
    0.0,
    -1.5545332e+05,
    -79.186636,
];
const CAF2_L: [f64; 7] = [12.016814, 0.0, 0.0, 0.0, 0.0, -1.47908292e+05, -60.4927984];

fn opts() -> AdiabaticOptions {
    AdiabaticOptions::default()
}

#[test]
fn heating_caf2_onto_its_fusion_plateau_gives_1691_k_and_the_hand_fraction() {
    // Hand calculation from the JANAF/NASA coefficients (J12/68): 1 mol CaF2 at 298.15 K plus
    // q = H_b(1691) - H_a(298.15) + 0.3 dH_fus must sit at Tm = 1691 K with 30 % molten.
    let set = ThermoSet::new(DataSetName::NasaJanaf).unwrap();
    let h0 = nasa_h(CAF2_A_LOW, 298.15);
    let hb = nasa_h(CAF2_B, 1691.0);
    let dh_fus = nasa_h(CAF2_L, 1691.0) - hb;
    assert!(
        dh_fus > 2.0e4 && dh_fus < 4.0e4,
        "JANAF fusion enthalpy of CaF2 ~ 30 kJ/mol, got {dh_fus}"
    );
    for frac in [0.02, 0.3, 0.97] {
        let q = hb - h0 + frac * dh_fus;
        let r = adiabatic_temperature(
            &set,
            &[ChargeItem::new("CaF2", 1.0, 298.15)],
            &[("CaF2".into(), 1.0)],
            q,
            InputConvention::MechanicalMixture,
            opts(),
        )
        .unwrap();
        assert_eq!(r.status, SolveStatus::OnPlateau, "{r:?}");
        assert_abs_diff_eq!(r.temperature, 1691.0, epsilon = 1e-6);
        let p = r.plateau.unwrap();
        assert_abs_diff_eq!(p.transformed_fraction, frac, epsilon = 1e-6);
        assert_abs_diff_eq!(p.dh, dh_fus, epsilon = 1e-3);
        assert_eq!(
            p.species,
            vec![("CaF2".to_string(), "b".to_string(), "L".to_string())]
        );
    }
    // just above the plateau: ordinary solution in the liquid, H matches by hand
    let q = nasa_h(CAF2_L, 1700.0) - h0;
    let r = adiabatic_temperature(
        &set,
        &[ChargeItem::new("CaF2", 1.0, 298.15)],
        &[("CaF2".into(), 1.0)],
        q,
        InputConvention::MechanicalMixture,
        opts(),
    )
    .unwrap();
    assert_eq!(r.status, SolveStatus::Converged);
    assert_abs_diff_eq!(r.temperature, 1700.0, epsilon = 1e-6);
}

#[test]
fn reacting_charge_lands_on_the_neodymium_melting_plateau() {
    // 2 NdF3 + 3 Ca at 298.15 K with external heat q chosen by hand so that the products
    // 2 Nd + 3 CaF2 sit half-way through Nd melting (SGTE91 Nd BCC -> liquid at 1289 K).
    let set = ThermoSet::new(DataSetName::FreedDerived).unwrap();
    let nd = set.species("Nd").unwrap();
    let tr = nd.transitions(1200.0, 1400.0);
    assert_eq!(tr.len(), 1);
    let tm = tr[0].t;
    assert_abs_diff_eq!(tm, 1289.0, epsilon = 0.5);
    let dh_m = tr[0].dh;
    let h = |s: &str, t: f64| set.species(s).unwrap().h(t);
    let h_react = 2.0 * h("NdF3", 298.15) + 3.0 * h("Ca", 298.15);
    let h_below = 2.0 * nd.props_in_phase(tm, "BCC_A2").unwrap().h + 3.0 * h("CaF2", tm);
    let q = h_below + 0.5 * 2.0 * dh_m - h_react;
    let reactants = [
        ChargeItem::new("NdF3", 2.0, 298.15),
        ChargeItem::new("Ca", 3.0, 298.15),
    ];
    let products = vec![("Nd".to_string(), 2.0), ("CaF2".to_string(), 3.0)];
    let r = adiabatic_temperature(
        &set,
        &reactants,
        &products,
        q,
        InputConvention::MechanicalMixture,
        opts(),
    )
    .unwrap();
    assert_eq!(r.status, SolveStatus::OnPlateau, "{r:?}");
    assert_abs_diff_eq!(r.temperature, tm, epsilon = 1e-6);
    assert_abs_diff_eq!(
        r.plateau.as_ref().unwrap().transformed_fraction,
        0.5,
        epsilon = 1e-6
    );
    // without external heat the charge reaches at most the Nd melting plateau and stays far
    // below the CaF2 slag liquidus (1691 K): the furnace must supply heat (thermo-data.md §9.1)
    let r0 = adiabatic_temperature(
        &set,
        &reactants,
        &products,
        0.0,
        InputConvention::MechanicalMixture,
        opts(),
    )
    .unwrap();
    assert!(
        r0.temperature <= tm + 1e-6 && r0.temperature > 1000.0,
        "{r0:?}"
    );
}

#[test]
fn heat_to_temperature_inverts_the_adiabatic_solve() {
    for name in DataSetName::ALL {
        let set = ThermoSet::new(name).unwrap();
        let charge = vec![
            ("NdF3".to_string(), 2.0),
            ("Ca".to_string(), 3.0 * 1.15),
            ("CaCl2".to_string(), 0.5),
        ];
        let products = complete_reaction_products(
            &[(-2.0, "NdF3"), (-3.0, "Ca"), (2.0, "Nd"), (3.0, "CaF2")],
            &charge,
        )
        .unwrap();
        let reactants: Vec<ChargeItem> = charge
            .iter()
            .map(|(s, n)| ChargeItem::new(s, *n, 298.15))
            .collect();
        for t in [900.0, 1250.0, 1500.0] {
            let q = heat_to_temperature(
                &set,
                &reactants,
                &products,
                t,
                InputConvention::MechanicalMixture,
            )
            .unwrap();
            let r = adiabatic_temperature(
                &set,
                &reactants,
                &products,
                q,
                InputConvention::MechanicalMixture,
                opts(),
            )
            .unwrap();
            assert_eq!(r.status, SolveStatus::Converged, "{name} {t}: {r:?}");
            assert_abs_diff_eq!(r.temperature, t, epsilon = 1e-6);
        }
    }
}

#[test]
fn complete_conversion_keeps_excess_and_inerts() {
    let charge = vec![
        ("NdF3".to_string(), 2.0),
        ("Ca".to_string(), 3.45),
        ("CaCl2".to_string(), 0.5),
    ];
    let p = complete_reaction_products(
        &[(-2.0, "NdF3"), (-3.0, "Ca"), (2.0, "Nd"), (3.0, "CaF2")],
        &charge,
    )
    .unwrap();
    let get = |s: &str| p.iter().find(|(x, _)| x == s).map_or(0.0, |(_, n)| *n);
    assert_abs_diff_eq!(get("NdF3"), 0.0);
    assert_abs_diff_eq!(get("Ca"), 0.45, epsilon = 1e-12);
    assert_abs_diff_eq!(get("CaCl2"), 0.5);
    assert_abs_diff_eq!(get("Nd"), 2.0);
    assert_abs_diff_eq!(get("CaF2"), 3.0);
    // unbalanced products are refused by the energy balance
    let set = ThermoSet::new(DataSetName::Sgte91).unwrap();
    let bad = adiabatic_temperature(
        &set,
        &[ChargeItem::new("NdF3", 1.0, 298.15)],
        &[("Nd".into(), 1.0)],
        0.0,
        InputConvention::MechanicalMixture,
        opts(),
    );
    assert!(bad.is_err());
}

#[test]
fn statuses_and_conventions() {
    let set = ThermoSet::new(DataSetName::NasaJanaf).unwrap();
    let reactants = [
        ChargeItem::new("NdF3", 2.0, 800.0),
        ChargeItem::new("Ca", 3.0, 800.0),
    ];
    let products = vec![("Nd".to_string(), 2.0), ("CaF2".to_string(), 3.0)];
    let hot = adiabatic_temperature(
        &set,
        &reactants,
        &products,
        1e9,
        InputConvention::MechanicalMixture,
        opts(),
    )
    .unwrap();
    assert_eq!(hot.status, SolveStatus::AboveBracket);
    let cold = adiabatic_temperature(
        &set,
        &reactants,
        &products,
        -1e9,
        InputConvention::MechanicalMixture,
        opts(),
    )
    .unwrap();
    assert_eq!(cold.status, SolveStatus::BelowBracket);
    // equilibrated input: no reaction heat is released in the vessel, T stays at T0
    let eq = adiabatic_temperature(
        &set,
        &reactants,
        &products,
        0.0,
        InputConvention::Equilibrated,
        opts(),
    )
    .unwrap();
    assert_abs_diff_eq!(eq.temperature, 800.0, epsilon = 1e-6);
    let mixed = [
        ChargeItem::new("NdF3", 2.0, 800.0),
        ChargeItem::new("Ca", 3.0, 300.0),
    ];
    assert!(
        adiabatic_temperature(
            &set,
            &mixed,
            &products,
            0.0,
            InputConvention::Equilibrated,
            opts()
        )
        .is_err()
    );
    // mechanical mixture releases the heat of reaction: hotter than T0
    let mm = adiabatic_temperature(
        &set,
        &reactants,
        &products,
        0.0,
        InputConvention::MechanicalMixture,
        opts(),
    )
    .unwrap();
    assert!(mm.temperature > 1200.0, "{mm:?}");
    assert!(
        adiabatic_temperature(
            &set,
            &[ChargeItem::new("NdF3", -1.0, 300.0)],
            &products,
            0.0,
            InputConvention::MechanicalMixture,
            opts()
        )
        .is_err()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Energy is conserved by every solve: H_products(T) = H_charge + q, or T is a transition
    /// temperature and the transformed fraction lies in [0, 1].
    #[test]
    fn adiabatic_solution_closes_the_enthalpy_balance(q in -1.0e5f64..1.5e6, t0 in 298.15f64..900.0, set_i in 0usize..4) {
        let set = ThermoSet::new(DataSetName::ALL[set_i]).unwrap();
        let reactants = [ChargeItem::new("NdF3", 2.0, t0), ChargeItem::new("Ca", 3.0, t0)];
        let products = vec![("Nd".to_string(), 2.0), ("CaF2".to_string(), 3.0)];
        let r = adiabatic_temperature(&set, &reactants, &products, q, InputConvention::MechanicalMixture, opts()).unwrap();
        match r.status {
            SolveStatus::Converged => prop_assert!(r.residual.abs() < 1e-4 * r.enthalpy_target.abs()),
            SolveStatus::OnPlateau => {
                let f = r.plateau.as_ref().unwrap().transformed_fraction;
                prop_assert!((0.0..=1.0).contains(&f));
            }
            _ => prop_assert!(false, "bracket status {:?}", r.status),
        }
        // monotone: more heat never gives a colder product
        let r2 = adiabatic_temperature(&set, &reactants, &products, q + 1.0e4, InputConvention::MechanicalMixture, opts()).unwrap();
        prop_assert!(r2.temperature >= r.temperature - 1e-9);
    }
}

#[test]
fn charge_items_read_units_from_config_text() {
    let c: ChargeItem =
        serde_json::from_str(r#"{"species": "Ca", "amount": "3 mol", "t": "25 degC"}"#).unwrap();
    assert_abs_diff_eq!(c.amount.si(), 3.0);
    assert_abs_diff_eq!(c.t.si(), 298.15, epsilon = 1e-9);
    assert!(
        serde_json::from_str::<ChargeItem>(
            r#"{"species": "Ca", "amount": 3, "t": 300, "phase": "l"}"#
        )
        .is_err()
    );
}

#[test]
fn lots_feed_the_energy_balance() {
    use repm_material::thermo::{charge_from_lot, lot_enthalpy};
    use repm_material::{Form, Lot, LotId};
    let set = ThermoSet::new(DataSetName::FreedDerived).unwrap();
    let lot = Lot::from_formulas(LotId(7), Form::Salt, &[("NdF3", 2.0), ("Ca", 3.0)]).unwrap();
    let items = charge_from_lot(&lot, 298.15);
    assert_eq!(items.len(), 2);
    let h = lot_enthalpy(&set, &lot, 298.15).unwrap();
    let by_hand =
        2.0 * set.species("NdF3").unwrap().h(298.15) + 3.0 * set.species("Ca").unwrap().h(298.15);
    assert_abs_diff_eq!(h, by_hand, epsilon = 1e-9 * by_hand.abs());
}

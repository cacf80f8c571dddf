//! Lot, stream and balance tests: mixing and splitting conserve every element to 1e-12
//! relative (proptest), genealogy and recycled-fraction rules, validation of bad inputs.

use approx::assert_relative_eq;
use proptest::prelude::*;
use repm_material::balance::ElementBalance;
use repm_material::{
    Element, ElementVector, Form, Formula, Lot, LotId, MaterialError, ParticleSizeDistribution,
};

const SPECIES: &[&str] = &[
    "NdF3",
    "Nd2Fe14B",
    "Pr6O11",
    "Dy2O3",
    "CaF2",
    "Ca",
    "Fe",
    "B",
    "H2O",
    "Nd(C16H34O4P(C16H35O4P))3",
    "SmCo5",
    "CaCl2·2H2O",
    "PrO1.833",
    "Tb4O7",
    "NdCl3",
];

fn lot_strategy(id: u64) -> impl Strategy<Value = Lot> {
    (
        prop::collection::vec((prop::sample::select(SPECIES), 0.0f64..1e3), 1..6),
        0.0f64..=1.0,
    )
        .prop_map(move |(sp, r)| {
            Lot::from_formulas(LotId(id), Form::Other, &sp)
                .unwrap()
                .with_recycled_fraction(r)
                .unwrap()
        })
}

proptest! {
    #[test]
    fn mixing_conserves_every_element(a in lot_strategy(1), b in lot_strategy(2), c in lot_strategy(3)) {
        let m = Lot::mix([&a, &b, &c], LotId(10)).unwrap();
        ElementBalance::new().input_lot(&a).input_lot(&b).input_lot(&c).output_lot(&m)
            .check(1e-12).unwrap();
        prop_assert_eq!(&m.parents, &vec![LotId(1), LotId(2), LotId(3)]);
        let mass = a.mass() + b.mass() + c.mass();
        prop_assert!((m.mass() - mass).abs() <= 1e-12 * mass);
        let r = (a.recycled_fraction * a.mass() + b.recycled_fraction * b.mass()
            + c.recycled_fraction * c.mass()) / mass;
        if mass > 0.0 {
            prop_assert!((m.recycled_fraction - r).abs() <= 1e-12);
        }
    }

    #[test]
    fn splitting_conserves_every_element(a in lot_strategy(1), f in 0.0f64..=1.0) {
        let (x, y) = a.split(f).unwrap();
        ElementBalance::new().input_lot(&a).output_lot(&x).output_lot(&y).check(1e-12).unwrap();
        for (sp, n) in a.species() {
            prop_assert!(x.amount(sp) >= 0.0 && y.amount(sp) >= 0.0);
            prop_assert!((x.amount(sp) - f * n).abs() <= 1e-15 * n);
        }
        // split then mix gives the original element amounts back
        let back = Lot::mix([&x, &y], LotId(5)).unwrap();
        ElementBalance::new().input_lot(&a).output_lot(&back).check(1e-12).unwrap();
    }

    #[test]
    fn solution_split_conserves_volume(v in 0.0f64..100.0, h in 0.0f64..5e3, f in 0.0f64..=1.0) {
        let lot = Lot::from_formulas(LotId(1), Form::AqueousSolution { volume: v, acidity: h },
            &[("NdCl3", 3.0), ("HCl", 1.0), ("H2O", 5000.0)]).unwrap();
        let (x, y) = lot.split(f).unwrap();
        let vx = x.form.volume().unwrap();
        let vy = y.form.volume().unwrap();
        prop_assert!((vx + vy - v).abs() <= 1e-15 * v.max(1e-300));
        let m = Lot::mix([&x, &y], LotId(2)).unwrap();
        match m.form {
            Form::AqueousSolution { volume, acidity } => {
                prop_assert!((volume - v).abs() <= 1e-14 * v.max(1e-300));
                if v > 0.0 { prop_assert!((acidity - h).abs() <= 1e-12 * h.max(1.0)); }
            }
            _ => prop_assert!(false),
        }
    }
}

#[test]
fn incompatible_forms_need_an_explicit_form() {
    let a = Lot::from_formulas(LotId(1), Form::Oxide, &[("Nd2O3", 1.0)]).unwrap();
    let b = Lot::from_formulas(LotId(2), Form::Salt, &[("NdF3", 1.0)]).unwrap();
    let err = Lot::mix([&a, &b], LotId(3)).unwrap_err();
    assert!(matches!(err, MaterialError::Composition { .. }), "{err}");
    assert!(err.to_string().contains("oxide") && err.to_string().contains("salt"));
    let m = Lot::mix_as([&a, &b], LotId(3), Form::Other).unwrap();
    assert_eq!(m.form, Form::Other);
    assert!(Lot::mix(std::iter::empty::<&Lot>(), LotId(9)).is_err());
}

#[test]
fn split_into_sets_genealogy() {
    let a = Lot::from_formulas(LotId(1), Form::Metal, &[("Nd", 10.0)]).unwrap();
    let (x, y) = a.split_into(0.25, (LotId(2), LotId(3))).unwrap();
    assert_eq!((x.id, y.id), (LotId(2), LotId(3)));
    assert_eq!(x.parents, vec![LotId(1)]);
    assert_relative_eq!(x.amount(&Formula::element(Element::Nd)), 2.5);
    assert!(a.split(-0.1).is_err());
    assert!(a.split(f64::NAN).is_err());
}

#[test]
fn bad_inputs_are_errors() {
    assert!(Lot::from_formulas(LotId(1), Form::Other, &[("Nd", -1.0)]).is_err());
    assert!(Lot::from_formulas(LotId(1), Form::Other, &[("Nd", f64::INFINITY)]).is_err());
    assert!(Lot::from_formulas(LotId(1), Form::Other, &[("Xx", 1.0)]).is_err());
    let mut m = ElementVector::zeros();
    m[Element::Fe] = f64::NAN;
    assert!(Lot::from_element_masses(LotId(1), Form::Alloy, &m).is_err());
    assert!(
        Lot::new(
            LotId(1),
            Form::AqueousSolution {
                volume: -1.0,
                acidity: 0.0
            }
        )
        .is_err()
    );
    let lot = Lot::new(LotId(1), Form::Metal).unwrap();
    assert!(lot.with_recycled_fraction(1.2).is_err());
    let mut lot = Lot::from_formulas(LotId(1), Form::Other, &[("Nd", 1.0)]).unwrap();
    assert!(
        lot.remove_species(&Formula::element(Element::Nd), 2.0)
            .is_err()
    );
    lot.remove_species(&Formula::element(Element::Nd), 1.0)
        .unwrap();
    assert!(lot.is_empty());
}

#[test]
fn powder_lots_mix_their_psds_by_mass() {
    let fine = ParticleSizeDistribution::single_class(1e-6, 4e-6).unwrap();
    let coarse = ParticleSizeDistribution::single_class(4e-6, 16e-6).unwrap();
    let a = Lot::from_formulas(LotId(1), Form::Powder { psd: fine }, &[("Nd2Fe14B", 1.0)]).unwrap();
    let b =
        Lot::from_formulas(LotId(2), Form::Powder { psd: coarse }, &[("Nd2Fe14B", 3.0)]).unwrap();
    let m = Lot::mix([&a, &b], LotId(3)).unwrap();
    let Form::Powder { psd } = &m.form else {
        panic!("powder expected")
    };
    assert_relative_eq!(psd.fractions()[0], 0.25, max_relative = 1e-12);
    assert_relative_eq!(psd.d50(), 4e-6 * 4f64.powf(1.0 / 3.0), max_relative = 1e-12);
}

#[test]
fn lot_serde_round_trip_is_deterministic() {
    let lot = Lot::from_formulas(
        LotId(4),
        Form::AqueousSolution {
            volume: 2.0,
            acidity: 100.0,
        },
        &[("NdCl3", 1.5), ("PrCl3", 0.5), ("H2O", 100.0)],
    )
    .unwrap()
    .with_parents(vec![LotId(1), LotId(2)])
    .with_tag("campaign", "C7");
    let json = serde_json::to_string(&lot).unwrap();
    let back: Lot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, lot);
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    assert!(
        json.contains(r#""species":{"H2O":100.0,"NdCl3":1.5,"PrCl3":0.5}"#),
        "{json}"
    );
}

#[test]
fn forms_deserialise_from_numbers_or_unit_strings() {
    let f: Form = serde_json::from_str(
        r#"{"kind": "aqueous_solution", "volume": "2 m3", "acidity": "0.5 mol/L"}"#,
    )
    .unwrap();
    assert_eq!(
        f,
        Form::AqueousSolution {
            volume: 2.0,
            acidity: 500.0
        }
    );
    let f: Form = serde_json::from_str(r#"{"kind": "flake", "thickness": "0.3 mm"}"#).unwrap();
    assert_eq!(f, Form::Flake { thickness: 3e-4 });
    let f: Form = serde_json::from_str(
        r#"{"kind": "sintered_magnet", "density": "7.55 g/cm3", "grain_size": "5 um", "coercivity": 1.6e6}"#,
    )
    .unwrap();
    assert_eq!(
        f,
        Form::SinteredMagnet {
            density: 7550.0,
            grain_size: 5e-6,
            remanence: None,
            coercivity: Some(1.6e6)
        }
    );
    assert!(serde_json::from_str::<Form>(r#"{"kind": "flake", "thickness": "3 K"}"#).is_err());
    assert!(
        serde_json::from_str::<Form>(r#"{"kind": "flake", "thickness": 1e-4, "colour": 1}"#)
            .is_err()
    );
    assert!(serde_json::from_str::<Form>(r#"{"kind": "unobtainium"}"#).is_err());
    let json = serde_json::to_string(&Form::Flake { thickness: 3e-4 }).unwrap();
    assert_eq!(json, r#"{"kind":"flake","thickness":0.0003}"#);
}

#[test]
fn stream_balance_over_a_duration() {
    use repm_material::Stream;
    let feed = Stream::from_formulas(Form::Salt, &[("NdF3", 0.002), ("PrF3", 0.0005)]).unwrap();
    let lot = feed.into_lot(3600.0, LotId(1)).unwrap();
    ElementBalance::new()
        .input_stream(&feed, 3600.0)
        .output_lot(&lot)
        .check(1e-12)
        .unwrap();
    let report = ElementBalance::new()
        .input_stream(&feed, 3600.0)
        .output_lot(&lot)
        .report();
    assert_eq!(report.elements.len(), 3); // F, Pr, Nd
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains(r#""element":"Nd""#), "{json}");
}

#[test]
fn deserialisation_validates() {
    let ok = r#"{"id":1,"form":{"kind":"salt"},"species":{"NdF3":2.0}}"#;
    let lot: Lot = serde_json::from_str(ok).unwrap();
    assert_eq!(lot.species_count(), 1);
    for bad in [
        r#"{"id":1,"form":{"kind":"salt"},"species":{"NdF3":-2.0}}"#,
        r#"{"id":1,"form":{"kind":"salt"},"species":{"NdXx":2.0}}"#,
        r#"{"id":1,"form":{"kind":"salt"},"recycled_fraction":2.0}"#,
        r#"{"id":1,"form":{"kind":"flake","thickness":-1.0}}"#,
        r#"{"id":1,"form":{"kind":"salt"},"colour":"blue"}"#,
    ] {
        assert!(serde_json::from_str::<Lot>(bad).is_err(), "{bad}");
    }
    let s: repm_material::Stream =
        serde_json::from_str(r#"{"form":{"kind":"gas"},"flows":{"H2":0.5}}"#).unwrap();
    assert!((s.mass_flow() - 0.5 * 2.016e-3).abs() < 1e-15);
    assert!(
        serde_json::from_str::<repm_material::Stream>(
            r#"{"form":{"kind":"gas"},"flows":{"H2":-0.5}}"#
        )
        .is_err()
    );
}

#[test]
fn species_order_does_not_change_the_lot() {
    let a = Lot::from_formulas(
        LotId(1),
        Form::Oxide,
        &[("Pr6O11", 1.0), ("Nd2O3", 2.0), ("Dy2O3", 0.1)],
    )
    .unwrap();
    let b = Lot::from_formulas(
        LotId(1),
        Form::Oxide,
        &[("Dy2O3", 0.1), ("Nd2O3", 2.0), ("Pr6O11", 1.0)],
    )
    .unwrap();
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert_eq!(a.element_amounts(), b.element_amounts()); // bit-identical: same iteration order
}

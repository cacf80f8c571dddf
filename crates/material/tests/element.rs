//! Element table and ElementVector tests: the 52 elements of the API contract in order, IUPAC
//! 2021 weights and their provenance, rare-earth classes, serde forms.

#![allow(clippy::float_cmp)] // exact copies are compared exactly

use repm_material::{AtomicWeightKind, Element, ElementVector, N_ELEMENTS};

/// The element list and order fixed by the repm-material API contract.
const CONTRACT: &str = "H Li B C N O F Na Mg Al Si P S Cl Ar K Ca Sc Ti Cr Mn Fe Co Ni Cu Zn Ga Y Zr Nb Mo I Ba \
     La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Ta W Th U";

#[test]
fn elements_match_the_contract_order() {
    let syms: Vec<&str> = Element::ALL.iter().map(|e| e.symbol()).collect();
    let want: Vec<&str> = CONTRACT.split_whitespace().collect();
    assert_eq!(syms, want);
    assert_eq!(N_ELEMENTS, 52);
    for (i, e) in Element::ALL.iter().enumerate() {
        assert_eq!(e.index(), i);
        assert_eq!(Element::from_symbol(e.symbol()), Some(*e));
        assert_eq!(e.to_string().parse::<Element>().unwrap(), *e);
    }
    assert!(Element::from_symbol("Xx").is_none());
    assert!(Element::from_symbol("nd").is_none());
    assert!("Cd".parse::<Element>().is_err());
}

#[test]
fn iupac_2021_weights_and_provenance() {
    // a few IUPAC 2021 values written out (Prohaska et al. 2022), in kg/mol
    for (e, ar) in [
        (Element::H, 1.008),
        (Element::O, 15.999),
        (Element::F, 18.998403162),
        (Element::Fe, 55.845),
        (Element::Co, 58.933194),
        (Element::Nd, 144.242),
        (Element::Pr, 140.90766),
        (Element::Dy, 162.500),
        (Element::Tb, 158.925354),
        (Element::Sm, 150.36),
        (Element::U, 238.02891),
    ] {
        assert!((e.molar_mass() - ar * 1e-3).abs() <= 1e-15 * ar, "{e}");
    }
    for e in Element::ALL {
        let r = e.atomic_weight_record();
        assert!(r.source.contains("IUPAC21"), "{e}: {}", r.source);
        assert!(e.molar_mass() > 0.0);
    }
    assert_eq!(
        Element::Pm.atomic_weight_record().kind,
        AtomicWeightKind::MassNumber
    );
    let conventional: Vec<&str> = Element::ALL
        .iter()
        .filter(|e| e.atomic_weight_record().kind == AtomicWeightKind::Conventional)
        .map(|e| e.symbol())
        .collect();
    assert_eq!(
        conventional,
        ["H", "Li", "B", "C", "N", "O", "Mg", "Si", "S", "Cl", "Ar"]
    );
}

#[test]
fn rare_earth_classification() {
    let re: Vec<&str> = Element::ALL
        .iter()
        .filter(|e| e.is_rare_earth())
        .map(|e| e.symbol())
        .collect();
    assert_eq!(
        re,
        "Sc Y La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu"
            .split(' ')
            .collect::<Vec<_>>()
    );
    for e in Element::ALL {
        if e.is_rare_earth() && e != Element::Sc {
            assert!(e.is_light_rare_earth() != e.is_heavy_rare_earth(), "{e}");
        }
    }
    assert!(
        Element::MAGNET_HEAVY_RARE_EARTHS
            .iter()
            .all(|e| e.is_heavy_rare_earth())
    );
    assert!(Element::Y.is_heavy_rare_earth() && !Element::Y.is_lanthanide());
}

#[test]
fn element_vector_serde_is_a_symbol_map_in_z_order_without_zeros() {
    let mut v = ElementVector::zeros();
    v[Element::Nd] = 2.0;
    v[Element::B] = 1.0;
    v[Element::Fe] = 14.0;
    let json = serde_json::to_string(&v).unwrap();
    assert_eq!(json, r#"{"B":1.0,"Fe":14.0,"Nd":2.0}"#);
    let back: ElementVector = serde_json::from_str(&json).unwrap();
    assert_eq!(back, v);
    assert!(serde_json::from_str::<ElementVector>(r#"{"Xx":1.0}"#).is_err());
    assert_eq!(serde_json::to_string(&Element::Dy).unwrap(), r#""Dy""#);
    assert_eq!(
        serde_json::from_str::<Element>(r#""Tb""#).unwrap(),
        Element::Tb
    );
}

#[test]
fn element_vector_arithmetic() {
    let a = ElementVector::from_pairs([(Element::Nd, 1.0), (Element::F, 3.0)]);
    let b = ElementVector::unit(Element::Ca, 1.5);
    let s = a + b;
    assert_eq!(s.sum(), 5.5);
    assert_eq!((s - b), a);
    assert_eq!((a * 2.0)[Element::F], 6.0);
    assert_eq!((2.0 * a)[Element::F], 6.0);
    let total: ElementVector = [a, b].iter().sum();
    assert_eq!(total, s);
    let m = a.amounts_to_masses();
    assert!((m[Element::Nd] - 0.144242).abs() < 1e-15);
    assert!((m.masses_to_amounts()[Element::F] - 3.0).abs() < 1e-14);
    assert_eq!(
        a.iter_nonzero().map(|(e, _)| e).collect::<Vec<_>>(),
        [Element::F, Element::Nd]
    );
}

//! Formula parser tests: molar masses against hand sums of IUPAC 2021 standard atomic weights,
//! error positions, and proptests (counts additive under concatenation, display → parse round trip).

#![allow(clippy::float_cmp)] // exact comparisons of exactly representable counts are intended

use approx::assert_relative_eq;
use proptest::prelude::*;
use repm_material::{Element, ElementVector, Formula, MaterialError};

// IUPAC 2021 standard atomic weights (Prohaska et al., Pure Appl. Chem. 94 (2022) 573,
// doi:10.1515/pac-2019-0603), written out here independently of data/atomic_weights.csv.
// Conventional (abridged) values for interval elements (B, O).
const AR_ND: f64 = 144.242;
const AR_FE: f64 = 55.845;
const AR_B: f64 = 10.81;
const AR_F: f64 = 18.998403162;
const AR_CA: f64 = 40.078;
const AR_DY: f64 = 162.500;
const AR_O: f64 = 15.999;
const AR_SM: f64 = 150.36;
const AR_CO: f64 = 58.933194;

fn mm(s: &str) -> f64 {
    Formula::parse(s).unwrap().molar_mass()
}

#[test]
fn molar_masses_equal_iupac_hand_sums() {
    // [kg/mol] = sum(Ar) * 1e-3
    assert_relative_eq!(
        mm("Nd2Fe14B"),
        (2.0 * AR_ND + 14.0 * AR_FE + AR_B) * 1e-3,
        max_relative = 1e-14
    );
    assert_relative_eq!(
        mm("NdF3"),
        (AR_ND + 3.0 * AR_F) * 1e-3,
        max_relative = 1e-14
    );
    assert_relative_eq!(
        mm("CaF2"),
        (AR_CA + 2.0 * AR_F) * 1e-3,
        max_relative = 1e-14
    );
    assert_relative_eq!(
        mm("Dy2O3"),
        (2.0 * AR_DY + 3.0 * AR_O) * 1e-3,
        max_relative = 1e-14
    );
    assert_relative_eq!(
        mm("SmCo5"),
        (AR_SM + 5.0 * AR_CO) * 1e-3,
        max_relative = 1e-14
    );
    // and the literal totals, as printed in handbooks to 3 decimals [g/mol]
    assert_relative_eq!(mm("Nd2Fe14B") * 1e3, 1081.124, max_relative = 1e-12);
    assert_relative_eq!(mm("Dy2O3") * 1e3, 372.997, max_relative = 1e-12);
}

#[test]
fn element_molar_mass_in_kg_per_mol() {
    assert_relative_eq!(Element::Nd.molar_mass(), 0.144242, max_relative = 1e-15);
    assert_relative_eq!(
        Formula::element(Element::Nd).molar_mass(),
        0.144242,
        max_relative = 1e-15
    );
}

#[test]
fn hydrates_and_groups() {
    let a = Formula::parse("CaCl2·2H2O").unwrap();
    let b = Formula::parse("CaCl2*2H2O").unwrap();
    assert_eq!(a, b);
    assert_eq!(a.counts()[Element::H], 4.0);
    assert_eq!(a.counts()[Element::Cl], 2.0);
    // D2EHPA (HA = C16H35O4P) dimer and a Nd extract complex Nd(A(HA))3 written out
    let ha2 = Formula::parse("(C16H35O4P)2").unwrap();
    assert_eq!(ha2.counts()[Element::C], 32.0);
    let c = Formula::parse("Nd(C16H34O4P(C16H35O4P))3").unwrap();
    assert_eq!(c.counts()[Element::P], 6.0);
    assert_eq!(c.counts()[Element::H], 3.0 * (34.0 + 35.0));
    let p = Formula::parse("Pr6O11").unwrap();
    assert_eq!(p.counts()[Element::O], 11.0);
    let q = Formula::parse("PrO1.833").unwrap();
    assert_relative_eq!(q.counts()[Element::O], 1.833);
}

fn error_at(input: &str) -> (usize, String) {
    match Formula::parse(input) {
        Err(MaterialError::Formula {
            position,
            message,
            input: i,
        }) => {
            assert_eq!(i, input);
            (position, message)
        }
        other => panic!("{input:?}: expected a formula error, got {other:?}"),
    }
}

#[test]
fn bad_formulas_point_at_the_offending_character() {
    let (p, m) = error_at("Nd2Fe14Xy");
    assert_eq!(p, 7);
    assert!(m.contains("unknown element \"Xy\""), "{m}");
    assert_eq!(error_at("Cd").0, 0); // cadmium is not among repm's elements
    assert_eq!(error_at("NdF3)").0, 4);
    assert_eq!(error_at("Nd(F3").0, 2);
    assert_eq!(error_at("Nd2 Fe14B").0, 3);
    assert_eq!(error_at("NdF3·").0, 5);
    assert_eq!(error_at("2NdF3").0, 0);
    let (p, m) = error_at("Nd3+");
    assert_eq!(p, 3);
    assert!(m.contains("ambiguous"), "{m}");
    // position counts characters, not bytes ("·" is two bytes)
    assert_eq!(error_at("CaCl2·2H2Q").0, 9);
    let shown = Formula::parse("NdQ3").unwrap_err().to_string();
    assert!(shown.ends_with("  NdQ3\n    ^"), "{shown}");
}

// ------------------------------------------------------------------------------------------
// proptests

const SYMS: &[&str] = &[
    "H", "B", "C", "N", "O", "F", "Na", "Al", "Cl", "Ca", "Fe", "Co", "Cu", "Nd", "Pr", "Dy", "Tb",
    "Sm", "La", "Ce", "Y", "W", "U",
];

fn count() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        3 => (2u32..20).prop_map(|n| n.to_string()),
        1 => (1u32..2000, 1u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
    ]
}

fn formula_text() -> impl Strategy<Value = String> {
    let atom = (prop::sample::select(SYMS), count()).prop_map(|(s, c)| format!("{s}{c}"));
    let leaf = prop::collection::vec(atom, 1..4).prop_map(|v| v.concat());
    leaf.prop_recursive(3, 24, 4, |inner| {
        (
            prop::collection::vec(inner.clone(), 1..3),
            prop::bool::ANY,
            count(),
            inner,
        )
            .prop_map(|(items, square, c, tail)| {
                let (o, cl) = if square { ('[', ']') } else { ('(', ')') };
                format!("{tail}{o}{}{cl}{c}", items.concat())
            })
    })
}

fn close(a: &ElementVector, b: &ElementVector) -> bool {
    a.iter()
        .zip(b.iter())
        .all(|((_, x), (_, y))| (x - y).abs() <= 1e-12 * x.abs().max(y.abs()))
}

proptest! {
    #[test]
    fn counts_are_additive_under_concatenation(a in formula_text(), b in formula_text()) {
        let fa = Formula::parse(&a).unwrap();
        let fb = Formula::parse(&b).unwrap();
        let fab = Formula::parse(&format!("{a}{b}")).unwrap();
        prop_assert!(close(fab.counts(), &(fa.counts() + fb.counts())), "{a} + {b}");
        // and as a hydrate-style adduct with a coefficient
        let fh = Formula::parse(&format!("{a}·3{b}")).unwrap();
        prop_assert!(close(fh.counts(), &(fa.counts() + &(fb.counts() * 3.0))));
        prop_assert!((fab.molar_mass() - fa.molar_mass() - fb.molar_mass()).abs()
            <= 1e-12 * fab.molar_mass());
    }

    #[test]
    fn display_parse_round_trip(a in formula_text(), b in formula_text(), k in 1u32..5,
                               z in -3i32..4, phase in 0usize..7) {
        let mut s = format!("{a}*{k}{b}");
        if z != 0 { s.push_str(&format!("{}{}", if z > 0 { '+' } else { '-' }, z.abs())); }
        s.push_str(["", "(s)", "(l)", "(g)", "(aq)", "(cr)", "(org)"][phase]);
        let f = Formula::parse(&s).unwrap();
        let shown = f.to_string();
        let g = Formula::parse(&shown).unwrap();
        prop_assert_eq!(&g, &f);
        prop_assert_eq!(g.to_string(), shown);
        prop_assert_eq!(g.counts(), f.counts()); // bit-identical
        prop_assert_eq!(g.charge(), z);
        // serde goes through the same canonical string
        let json = serde_json::to_string(&f).unwrap();
        let h: Formula = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(h, f);
    }

    #[test]
    fn garbage_never_panics(s in "\\PC{0,24}") {
        let _ = Formula::parse(&s);
    }
}

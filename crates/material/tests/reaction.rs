//! Reaction parsing and balancing: known metallurgical reactions are balanced to their textbook
//! coefficients, unbalanced input is rejected naming the element, non-unique and impossible
//! balances are errors.

#![allow(clippy::float_cmp)] // integer coefficients are compared exactly

use repm_material::{Formula, MaterialError, Reaction};

fn coeffs(r: &Reaction) -> (Vec<f64>, Vec<f64>) {
    (
        r.reactants().iter().map(|(c, _)| *c).collect(),
        r.products().iter().map(|(c, _)| *c).collect(),
    )
}

fn balanced(s: &str) -> (Vec<f64>, Vec<f64>) {
    coeffs(&Reaction::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")))
}

#[test]
fn calciothermic_reduction_of_ndf3() {
    // written coefficients are checked ...
    let r = Reaction::parse("2 NdF3 + 3 Ca = 2 Nd + 3 CaF2").unwrap();
    assert_eq!(coeffs(&r), (vec![2.0, 3.0], vec![2.0, 3.0]));
    assert_eq!(r.to_string(), "2 NdF3 + 3 Ca = 2 Nd + 3 CaF2");
    // ... and found when omitted, with every arrow form
    for arrow in ["=", "->", "→", "<=>"] {
        assert_eq!(
            balanced(&format!("NdF3 + Ca {arrow} Nd + CaF2")),
            (vec![2.0, 3.0], vec![2.0, 3.0])
        );
    }
    let nu = r.stoichiometry();
    assert_eq!(nu[0].0, -2.0);
    assert_eq!(nu[0].1, Formula::parse("NdF3").unwrap());
}

#[test]
fn reduction_diffusion_of_smco5() {
    // Sm2O3 + 10 Co + 3 Ca = 2 SmCo5 + 3 CaO (Cech 1974 reduction-diffusion process)
    assert_eq!(
        balanced("Sm2O3 + Co + Ca = SmCo5 + CaO"),
        (vec![1.0, 10.0, 3.0], vec![2.0, 3.0])
    );
    assert!(Reaction::parse("Sm2O3 + 10 Co + 3 Ca = 2 SmCo5 + 3 CaO").is_ok());
}

#[test]
fn praseodymium_oxide_reductions() {
    assert_eq!(
        balanced("Pr6O11 + Ca = Pr + CaO"),
        (vec![1.0, 11.0], vec![6.0, 11.0])
    );
    // hydrogen reduction of Pr6O11 to the sesquioxide
    assert_eq!(
        balanced("Pr6O11 + H2 = Pr2O3 + H2O"),
        (vec![1.0, 2.0], vec![3.0, 2.0])
    );
    // non-integer stoichiometry: PrO1.833 -> PrO1.5 (smallest integers)
    assert_eq!(
        balanced("PrO1.833 + H2 = PrO1.5 + H2O"),
        (vec![1000.0, 333.0], vec![1000.0, 333.0])
    );
}

#[test]
fn hydrometallurgy_and_ions() {
    assert_eq!(
        balanced("Nd2O3 + HCl = NdCl3 + H2O"),
        (vec![1.0, 6.0], vec![2.0, 3.0])
    );
    assert_eq!(
        balanced("NdCl3 + H2C2O4 = Nd2(C2O4)3 + HCl"),
        (vec![2.0, 3.0], vec![1.0, 6.0])
    );
    // electrolytic reduction: charge balance fixes the electrons
    assert_eq!(balanced("Nd+3 + e- = Nd"), (vec![1.0, 3.0], vec![1.0]));
    assert_eq!(balanced("H+ + OH- = H2O"), (vec![1.0, 1.0], vec![1.0]));
    assert!(Reaction::parse("Nd[3+] + 2 e- = Nd").is_err());
    // fractional and glued coefficients
    assert!(Reaction::parse("Nd + 3/2 Cl2 = NdCl3").is_ok());
    assert!(Reaction::parse("2NdF3 + 3Ca = 2Nd + 3CaF2").is_ok());
    assert!(Reaction::parse("NdCl3·6H2O = NdCl3 + 6 H2O").is_ok());
}

#[test]
fn unbalanced_input_is_rejected_naming_the_element() {
    let e = Reaction::parse("2 NdF3 + 2 Ca = 2 Nd + 3 CaF2").unwrap_err();
    match &e {
        MaterialError::Reaction { input, message } => {
            assert_eq!(input, "2 NdF3 + 2 Ca = 2 Nd + 3 CaF2");
            assert!(message.contains("Ca"), "{message}");
        }
        other => panic!("{other}"),
    }
    // as written it can still be inspected
    let r = Reaction::parse_as_written("2 NdF3 + 2 Ca = 2 Nd + 3 CaF2").unwrap();
    let imb = r.imbalance();
    assert_eq!(imb.elements[repm_material::Element::Ca], 1.0);
}

#[test]
fn impossible_and_ambiguous_balances_are_errors() {
    let msg = |s: &str| Reaction::parse(s).unwrap_err().to_string();
    assert!(msg("NdF3 = Nd").contains("cannot be balanced"));
    assert!(msg("H2 + O2 = H2O + H2O2").contains("not unique"));
    assert!(msg("C + O2 = CO + CO2").contains("not unique"));
    // the only balance needs a species on the other side
    assert!(Reaction::parse("Nd + NdF3 = F2").is_err());
    for bad in [
        "NdF3 + Ca",
        "NdF3 = Nd = Ca",
        "NdF3 + = Nd",
        "2 = Nd",
        "NdF3 + Xx = Nd",
        "0 NdF3 = Nd",
        "NdF3+Ca = NdCa",
    ] {
        assert!(Reaction::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn serde_and_display_round_trip() {
    let r = Reaction::parse("Sm2O3 + Co + Ca = SmCo5 + CaO").unwrap();
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(json, r#""Sm2O3 + 10 Co + 3 Ca = 2 SmCo5 + 3 CaO""#);
    let back: Reaction = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
    assert_eq!(r.reversed().reversed(), r);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    const KNOWN: &[&str] = &[
        "2 NdF3 + 3 Ca = 2 Nd + 3 CaF2",
        "Sm2O3 + 10 Co + 3 Ca = 2 SmCo5 + 3 CaO",
        "Pr6O11 + 11 Ca = 6 Pr + 11 CaO",
        "Nd+3 + 3 e- = Nd",
    ];
    /// Species with pairwise independent compositions (distinct element sets).
    const SPECIES: &[&str] = &["NdF3", "CaO", "Fe", "B", "H2O", "Co", "DyCl3", "TbN"];

    proptest! {
        #[test]
        fn scaling_keeps_and_perturbing_breaks_the_balance(
            k in 0.01f64..100.0, which in 0usize..4, delta in 1e-6f64..0.5, pick in 0usize..8,
        ) {
            let r = Reaction::parse(KNOWN[which]).unwrap();
            let s = r.scaled(k).unwrap();
            prop_assert!(s.check_balance().is_ok());
            let mut nu = s.stoichiometry();
            let i = pick % nu.len();
            nu[i].0 *= 1.0 + delta;
            let n_re = s.reactants().len();
            let re: Vec<(f64, Formula)> = nu[..n_re].iter().map(|(c, f)| (-c, f.clone())).collect();
            let pr: Vec<(f64, Formula)> = nu[n_re..].to_vec();
            prop_assert!(Reaction::new(re, pr).is_err());
        }

        #[test]
        fn balancing_recovers_the_coefficients_of_a_synthesised_compound(
            a in 0usize..8, b in 0usize..8, p in 1u32..9, q in 1u32..9,
        ) {
            prop_assume!(a != b);
            let (sa, sb) = (SPECIES[a], SPECIES[b]);
            let product = format!("({sa}){p}({sb}){q}");
            let r = Reaction::parse(&format!("{sa} + {sb} = {product}")).unwrap();
            prop_assert_eq!(coeffs(&r), (vec![f64::from(p), f64::from(q)], vec![1.0]));
        }
    }
}

//! Property tests of the Murphree stage efficiency over random binary constant-β cascades
//! (constant D, D_A = β·D_B): lowering E at fixed stages and flows never raises the raffinate
//! purity of the less extractable component (as removing stages never does); concentrations
//! stay non-negative; Newton and substitution agree with the exact linear solve. (The
//! loaded-organic purity of the more extractable component is *not* monotone in E: a smaller
//! extent of extraction takes a richer first cut, as with fewer stages.)

use std::collections::BTreeMap;

use proptest::prelude::*;
use repm_sx::{
    CascadeSpec, ComponentSpec, EquilibriumSpec, FeedSpec, KremserExact, Newton, Phase,
    SectionKind, SectionSpec, SolveStatus, SteadySolver, SuccessiveSubstitution,
};

#[allow(clippy::too_many_arguments)]
fn spec(n: usize, da: f64, db: f64, qa: f64, qo: f64, ca: f64, cb: f64, eff: f64) -> CascadeSpec {
    let m = |p: &[(&str, f64)]| {
        p.iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<BTreeMap<_, _>>()
    };
    let feed = |name: &str, stage, phase, flow, c: &[(&str, f64)]| FeedSpec {
        name: name.into(),
        stage,
        phase,
        flow,
        concentrations: m(c),
        acid: 0.0,
        sulfate: 0.0,
        extractant: 0.0,
        saponification: None,
    };
    CascadeSpec {
        components: vec![ComponentSpec::new("Nd"), ComponentSpec::new("Pr")],
        sections: vec![SectionSpec {
            name: "x".into(),
            kind: SectionKind::Extraction,
            stages: n,
            equilibrium: EquilibriumSpec::ConstantD {
                d: m(&[("Nd", da), ("Pr", db)]),
            },
            aqueous_holdup: 0.0,
            organic_holdup: 0.0,
            murphree_efficiency: eff,
        }],
        feeds: vec![
            feed("f", 0, Phase::Aqueous, qa, &[("Nd", ca), ("Pr", cb)]),
            feed("o", n - 1, Phase::Organic, qo, &[]),
        ],
        draws: vec![],
        recycles: vec![],
        log10_ka_hso4: -1.99,
        entrainment: 0.0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn purity_never_rises_when_efficiency_is_lowered(
        n in 1usize..30, db in 0.05f64..2.0, beta in 1.05f64..3.0,
        qa in 0.2f64..3.0, qo in 0.2f64..3.0, ca in 1.0f64..300.0, cb in 1.0f64..300.0,
        e_hi in 0.05f64..=1.0, cut in 0.0f64..1.0,
    ) {
        let e_lo = (e_hi * cut).max(0.01);
        let solve = |e: f64| {
            let c = spec(n, db * beta, db, qa, qo, ca, cb, e).validate().unwrap();
            KremserExact.solve(&c)
        };
        let (hi, lo) = (solve(e_hi), solve(e_lo));
        for s in [&hi, &lo] {
            prop_assert_eq!(s.status, SolveStatus::Converged);
            prop_assert!(s.max_balance_error() < 1e-10);
            prop_assert!(s.profiles.aqueous.iter().flatten().all(|v| *v >= 0.0));
            prop_assert!(s.profiles.organic.iter().flatten().all(|v| *v >= 0.0));
        }
        let raf = |s: &repm_sx::Solution| s.product("raffinate").unwrap().purity[1];
        prop_assert!(raf(&lo) <= raf(&hi) + 1e-12, "E {e_hi} -> {e_lo}: raffinate {} -> {}", raf(&hi), raf(&lo));
    }

    #[test]
    fn murphree_solvers_agree_with_the_exact_linear_solve(
        n in 1usize..25, db in 0.05f64..3.0, beta in 1.05f64..4.0,
        qa in 0.1f64..5.0, qo in 0.1f64..5.0, ca in 0.1f64..500.0, cb in 0.1f64..500.0,
        eff in 0.05f64..1.0,
    ) {
        let c = spec(n, db * beta, db, qa, qo, ca, cb, eff).validate().unwrap();
        let k = KremserExact.solve(&c);
        prop_assert_eq!(k.status, SolveStatus::Converged);
        for s in [&SuccessiveSubstitution::default() as &dyn SteadySolver, &Newton::default()] {
            let sol = s.solve(&c);
            prop_assert!(sol.status.is_converged(), "{} {:?} residual {}", s.name(), sol.status, sol.residual);
            prop_assert!(sol.max_balance_error() < 1e-10);
            for (ra, rb) in sol.profiles.aqueous.iter().zip(&k.profiles.aqueous)
                .chain(sol.profiles.organic.iter().zip(&k.profiles.organic))
            {
                for (x, y) in ra.iter().zip(rb) {
                    prop_assert!(*x >= 0.0);
                    prop_assert!((x - y).abs() <= 1e-8 * x.abs().max(y.abs()).max(1e-200));
                }
            }
        }
    }
}

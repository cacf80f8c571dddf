//! The rigorous solvers against the Kremser closed form for constant D (sx-data.md §5.1;
//! Rydberg, Cox, Musikas & Choppin, *Solvent Extraction Principles and Practice*, 2nd ed.,
//! Marcel Dekker 2004; Seader & Henley, *Separation Process Principles*, Wiley). The closed
//! form is written here from the formula, independently of the crate.

use std::collections::BTreeMap;

use repm_sx::{
    CascadeSpec, ComponentSpec, EquilibriumSpec, FeedSpec, KremserExact, Newton, Phase,
    SectionKind, SectionSpec, SteadySolver, SuccessiveSubstitution,
};

/// Kremser, counter-current extraction: (x_N − y_in/D)/(x_F − y_in/D) = (E − 1)/(E^(N+1) − 1),
/// = 1/(N+1) at E = 1.
fn kremser_raffinate(x_f: f64, y_in: f64, d: f64, e: f64, n: usize) -> f64 {
    let ratio = if (e - 1.0).abs() < 1e-12 {
        1.0 / (n as f64 + 1.0)
    } else {
        (e - 1.0) / (e.powi(n as i32 + 1) - 1.0)
    };
    y_in / d + ratio * (x_f - y_in / d)
}

/// One section of N stages, constant D for each component; aqueous feed to stage 0, organic
/// feed (possibly loaded) to stage N−1.
fn extraction(
    n: usize,
    d: &[(&str, f64)],
    qa: f64,
    qo: f64,
    xf: &[(&str, f64)],
    yin: &[(&str, f64)],
) -> CascadeSpec {
    let m = |p: &[(&str, f64)]| {
        p.iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<BTreeMap<_, _>>()
    };
    CascadeSpec {
        components: d.iter().map(|(s, _)| ComponentSpec::new(s)).collect(),
        sections: vec![SectionSpec {
            name: "extraction".into(),
            kind: SectionKind::Extraction,
            stages: n,
            equilibrium: EquilibriumSpec::ConstantD { d: m(d) },
            aqueous_holdup: 0.0,
            organic_holdup: 0.0,
            murphree_efficiency: 1.0,
        }],
        feeds: vec![
            FeedSpec {
                name: "aq".into(),
                stage: 0,
                phase: Phase::Aqueous,
                flow: qa,
                concentrations: m(xf),
                acid: 0.0,
                sulfate: 0.0,
                extractant: 0.0,
                saponification: None,
            },
            FeedSpec {
                name: "org".into(),
                stage: n - 1,
                phase: Phase::Organic,
                flow: qo,
                concentrations: m(yin),
                acid: 0.0,
                sulfate: 0.0,
                extractant: 0.0,
                saponification: None,
            },
        ],
        draws: vec![],
        recycles: vec![],
        log10_ka_hso4: -1.99,
        entrainment: 0.0,
    }
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn rigorous_solvers_equal_kremser_extraction() {
    // (D, Qa, Qo, N, y_in): E below, at and above 1, a loaded entering organic.
    let cases = [
        (2.0, 1.0, 1.0, 5, 0.0),
        (0.7, 2.0, 1.0, 12, 0.0),
        (1.0, 1.0, 1.0, 8, 0.0),
        (3.0, 1.0, 1.0 / 3.0, 10, 0.0),
        (1.5, 1.0, 1.2, 20, 4.0),
        (0.2, 0.5, 4.0, 7, 1.0),
    ];
    for (d, qa, qo, n, yin) in cases {
        let spec = extraction(
            n,
            &[("Nd", d), ("Pr", d / 1.5)],
            qa,
            qo,
            &[("Nd", 100.0), ("Pr", 50.0)],
            &[("Nd", yin), ("Pr", yin * 0.5)],
        );
        let cascade = spec.validate().unwrap();
        for solver in [
            &KremserExact as &dyn SteadySolver,
            &SuccessiveSubstitution::default(),
            &Newton::default(),
        ] {
            let sol = solver.solve(&cascade);
            assert!(
                sol.status.is_converged(),
                "{}: {:?}",
                solver.name(),
                sol.status
            );
            for (j, (dj, xf, y)) in [(d, 100.0, yin), (d / 1.5, 50.0, yin * 0.5)]
                .into_iter()
                .enumerate()
            {
                let e = dj * qo / qa;
                let expect = kremser_raffinate(xf, y, dj, e, n);
                let got = sol.profiles.aqueous[n - 1][j];
                assert!(
                    rel(got, expect) < 1e-9,
                    "{} D={dj} E={e} N={n}: raffinate {got} vs Kremser {expect}",
                    solver.name()
                );
            }
            assert!(
                sol.max_balance_error() < 1e-10,
                "{}: balance {}",
                solver.name(),
                sol.max_balance_error()
            );
        }
    }
}

#[test]
fn rigorous_solvers_equal_kremser_stripping() {
    // Stripping: loaded organic in at stage N−1, strip acid (metal-free) in at stage 0.
    // (y_out − D x_in)/(y_F − D x_in) = (S − 1)/(S^(N+1) − 1), S = Qa/(D Qo).
    for (d, qa, qo, n) in [(0.1, 1.0, 2.0, 6), (0.05, 0.5, 3.0, 9), (0.5, 1.0, 2.0, 4)] {
        let spec = extraction(n, &[("Nd", d)], qa, qo, &[("Nd", 1e-3)], &[("Nd", 80.0)]);
        let cascade = spec.validate().unwrap();
        let s = qa / (d * qo);
        let ratio = if (s - 1.0).abs() < 1e-12 {
            1.0 / (n as f64 + 1.0)
        } else {
            (s - 1.0) / (s.powi(n as i32 + 1) - 1.0)
        };
        let x_in = 1e-3;
        let expect = d * x_in + ratio * (80.0 - d * x_in);
        for solver in [
            &KremserExact as &dyn SteadySolver,
            &SuccessiveSubstitution::default(),
            &Newton::default(),
        ] {
            let sol = solver.solve(&cascade);
            assert!(sol.status.is_converged());
            let got = sol.profiles.organic[0][0];
            assert!(
                rel(got, expect) < 1e-9,
                "{}: stripped organic {got} vs {expect}",
                solver.name()
            );
        }
    }
}

#[test]
fn kremser_exact_reports_not_applicable_for_nonlinear_models() {
    let cascade = repm_sx::cases::bench_case_a().validate().unwrap();
    let sol = KremserExact.solve(&cascade);
    assert_eq!(sol.status, repm_sx::SolveStatus::NotApplicable);
}

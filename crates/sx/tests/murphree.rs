//! Murphree stage efficiency (organic phase, `docs/science/sx.md` §3.1): E = 1 is today's
//! equilibrium stage; constant D with E < 1 is still linear and every solver equals the exact
//! linear solve and the closed forms derived here independently of the crate (single stage;
//! N stages: the Murphree-corrected Kremser equation, King, *Separation Processes*, 2nd ed.,
//! McGraw-Hill 1980, §"stage efficiency"; Treybal, *Mass-Transfer Operations*, 3rd ed. 1980);
//! mass action with E < 1: Newton and substitution agree, balances (metal and protons) close;
//! validation names the field and the value.

use std::collections::BTreeMap;

use repm_sx::{
    CascadeSpec, ComponentSpec, DrawSpec, EquilibriumSpec, FeedSpec, KremserExact, Newton,
    OutletRef, Phase, RecycleSpec, SectionKind, SectionSpec, Solution, SteadySolver,
    SuccessiveSubstitution, SxError, cases,
};

fn m(p: &[(&str, f64)]) -> BTreeMap<String, f64> {
    p.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn feed(name: &str, stage: usize, phase: Phase, flow: f64, c: &[(&str, f64)]) -> FeedSpec {
    FeedSpec {
        name: name.into(),
        stage,
        phase,
        flow,
        concentrations: m(c),
        acid: 0.0,
        sulfate: 0.0,
        extractant: 0.0,
        saponification: None,
    }
}

fn sec(name: &str, stages: usize, d: &[(&str, f64)], eff: f64) -> SectionSpec {
    SectionSpec {
        name: name.into(),
        kind: SectionKind::Extraction,
        stages,
        equilibrium: EquilibriumSpec::ConstantD { d: m(d) },
        aqueous_holdup: 0.0,
        organic_holdup: 0.0,
        murphree_efficiency: eff,
    }
}

/// One section of N stages at efficiency `eff`; aqueous feed to stage 0, organic to N−1.
fn extraction(
    n: usize,
    d: &[(&str, f64)],
    eff: f64,
    (qa, qo): (f64, f64),
    xf: &[(&str, f64)],
    yin: &[(&str, f64)],
) -> CascadeSpec {
    CascadeSpec {
        components: d.iter().map(|(s, _)| ComponentSpec::new(s)).collect(),
        sections: vec![sec("x", n, d, eff)],
        feeds: vec![
            feed("aq", 0, Phase::Aqueous, qa, xf),
            feed("org", n - 1, Phase::Organic, qo, yin),
        ],
        draws: vec![],
        recycles: vec![],
        log10_ka_hso4: -1.99,
        entrainment: 0.0,
    }
}

fn solvers() -> [Box<dyn SteadySolver>; 3] {
    [
        Box::new(KremserExact),
        Box::new(SuccessiveSubstitution::default()),
        Box::new(Newton::default()),
    ]
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
}

/// Largest relative difference of the aqueous and organic profiles, traces < 1e-200 ignored.
fn max_rel_diff(a: &Solution, b: &Solution) -> f64 {
    let mut worst: f64 = 0.0;
    for (ra, rb) in a
        .profiles
        .aqueous
        .iter()
        .zip(&b.profiles.aqueous)
        .chain(a.profiles.organic.iter().zip(&b.profiles.organic))
    {
        for (x, y) in ra.iter().zip(rb) {
            if x.abs().max(y.abs()) > 1e-200 {
                worst = worst.max(rel(*x, *y));
            }
        }
    }
    worst
}

/// Murphree-corrected Kremser (derived in `docs/science/sx.md` §3.1): with the driving force
/// u_n = D x_n − y_{n+1}, u_{n−1} = r·u_n, r = 1 + E(ε − 1), ε = D·Qo/Qa, so
/// (x_N − y_in/D)/(x_F − y_in/D) = (ε − 1)/(ε·r^N − 1) (→ 1/(1 + N·E) at ε = 1; the Kremser
/// form with N_eq = N ln r/ln ε equilibrium stages, King 1980).
fn murphree_kremser_raffinate(x_f: f64, y_in: f64, d: f64, eps: f64, eff: f64, n: usize) -> f64 {
    let ratio = if (eps - 1.0).abs() < 1e-12 {
        1.0 / (1.0 + n as f64 * eff)
    } else {
        let r: f64 = 1.0 + eff * (eps - 1.0);
        (eps - 1.0) / (eps * r.powi(n as i32) - 1.0)
    };
    y_in / d + ratio * (x_f - y_in / d)
}

#[test]
fn efficiency_one_is_the_equilibrium_stage_bit_for_bit() {
    // The default (absent in the config) and an explicit 1 build the same cascade (no Murphree
    // unknowns) and give bit-identical solutions with every solver.
    for spec in [cases::bench_case_a(), cases::bench_case_b()] {
        let mut json = serde_json::to_value(&spec).unwrap();
        for s in json["sections"].as_array().unwrap() {
            assert!(
                s.get("murphree_efficiency").is_none(),
                "E = 1 is not serialised"
            );
        }
        json["sections"][0]["murphree_efficiency"] = serde_json::json!(1.0);
        let explicit: CascadeSpec = serde_json::from_value(json).unwrap();
        let (c0, c1) = (spec.validate().unwrap(), explicit.validate().unwrap());
        assert!(!c0.has_murphree() && !c1.has_murphree());
        for s in solvers() {
            let (a, b) = (s.solve(&c0), s.solve(&c1));
            assert_eq!(a.status, b.status);
            assert_eq!(a.iterations, b.iterations);
            assert_eq!(a.residual.to_bits(), b.residual.to_bits());
            assert_eq!(a.profiles, b.profiles, "{}", s.name());
        }
    }
}

#[test]
fn efficiency_just_below_one_is_continuous_with_the_equilibrium_stage() {
    // E = 1 − 1e-10 takes the Murphree path (2C unknowns per stage) and must land on the
    // equilibrium-stage answer: checks the extended system against the original one.
    let mut spec = cases::bench_case_b();
    spec.sections[0].stages = 10;
    spec.sections[1].stages = 10;
    spec.feeds[0].stage = 10;
    spec.feeds[2].stage = 19;
    let ideal = Newton::default().solve(&spec.validate().unwrap());
    for s in &mut spec.sections {
        s.murphree_efficiency = 1.0 - 1e-10;
    }
    let c = spec.validate().unwrap();
    assert!(c.has_murphree());
    let near = Newton::default().solve(&c);
    assert!(near.status.is_converged(), "{:?}", near.status);
    assert!(
        max_rel_diff(&ideal, &near) < 1e-7,
        "{}",
        max_rel_diff(&ideal, &near)
    );
}

#[test]
fn single_stage_closed_form() {
    // One stage: y = E·D·x + (1 − E)·y_in and Qa(x_F − x) = Qo(y − y_in)
    // ⇒ x = (Qa x_F + E Qo y_in)/(Qa + E Qo D).
    for (d, eff, qa, qo, xf, yin) in [
        (2.0, 0.7, 1.0, 1.0, 100.0, 0.0),
        (0.3, 0.5, 2.0, 1.5, 40.0, 20.0),
        (5.0, 0.95, 1.0, 0.2, 10.0, 3.0),
        (1.0, 0.1, 1.0, 1.0, 1.0, 0.0),
    ] {
        let spec = extraction(
            1,
            &[("Nd", d)],
            eff,
            (qa, qo),
            &[("Nd", xf)],
            &[("Nd", yin)],
        );
        let c = spec.validate().unwrap();
        let x = (qa * xf + eff * qo * yin) / (qa + eff * qo * d);
        let y = eff * d * x + (1.0 - eff) * yin;
        for s in solvers() {
            let sol = s.solve(&c);
            assert!(sol.status.is_converged(), "{}: {:?}", s.name(), sol.status);
            let (gx, gy) = (sol.profiles.aqueous[0][0], sol.profiles.organic[0][0]);
            assert!(rel(gx, x) < 1e-9, "{} E={eff}: x {gx} vs {x}", s.name());
            assert!(rel(gy, y) < 1e-9, "{} E={eff}: y {gy} vs {y}", s.name());
            assert!(sol.max_balance_error() < 1e-12);
        }
    }
}

#[test]
fn n_stages_equal_the_murphree_corrected_kremser() {
    // (D, Qa, Qo, N, y_in, E): extraction factor below, at and above 1; loaded entering
    // organic; a stripping case (ε < 1, metal leaves the organic).
    let cases = [
        (2.0, 1.0, 1.0, 5, 0.0, 0.8),
        (0.7, 2.0, 1.0, 12, 0.0, 0.6),
        (1.0, 1.0, 1.0, 8, 0.0, 0.75),
        (3.0, 1.0, 1.0 / 3.0, 10, 0.0, 0.9),
        (1.5, 1.0, 1.2, 20, 4.0, 0.5),
        (0.05, 1.0, 2.0, 6, 80.0, 0.7),
        (2.5, 1.0, 1.0, 30, 0.0, 0.3),
    ];
    for (d, qa, qo, n, yin, eff) in cases {
        let spec = extraction(
            n,
            &[("Nd", d), ("Pr", d / 1.5)],
            eff,
            (qa, qo),
            &[("Nd", 100.0), ("Pr", 50.0)],
            &[("Nd", yin), ("Pr", yin * 0.5)],
        );
        let c = spec.validate().unwrap();
        let exact = KremserExact.solve(&c);
        for s in solvers() {
            let sol = s.solve(&c);
            assert!(sol.status.is_converged(), "{}: {:?}", s.name(), sol.status);
            for (j, (dj, xf, y)) in [(d, 100.0, yin), (d / 1.5, 50.0, yin * 0.5)]
                .into_iter()
                .enumerate()
            {
                let eps = dj * qo / qa;
                let expect = murphree_kremser_raffinate(xf, y, dj, eps, eff, n);
                let got = sol.profiles.aqueous[n - 1][j];
                assert!(
                    rel(got, expect) < 1e-9,
                    "{} D={dj} ε={eps} E={eff} N={n}: raffinate {got} vs closed form {expect}",
                    s.name()
                );
            }
            assert!(max_rel_diff(&sol, &exact) < 1e-9, "{}", s.name());
            assert!(sol.max_balance_error() < 1e-10, "{}", s.name());
            // Murphree relation on every stage, with the organic entering from above
            for k in 0..n {
                for j in 0..2 {
                    let y_in = if k + 1 < n {
                        sol.profiles.organic[k + 1][j]
                    } else {
                        [yin, yin * 0.5][j]
                    };
                    let ystar = sol.profiles.distribution[k][j] * sol.profiles.aqueous[k][j];
                    let want = y_in + eff * (ystar - y_in);
                    let got = sol.profiles.organic[k][j];
                    assert!((got - want).abs() <= 1e-9 * want.abs().max(ystar.abs()));
                }
            }
        }
    }
}

#[test]
fn lower_efficiency_is_equivalent_to_fewer_equilibrium_stages() {
    // N stages at E ↔ N_eq = N ln(1 + E(ε − 1))/ln ε ideal stages (King 1980): at integer N_eq
    // both cascades give the same raffinate. ε = 2 and E = √2 − 1 give r = √2 and
    // r^6 = 8 = ε^3: 6 stages at E are exactly 3 ideal stages.
    let (d, qa, qo) = (2.0, 1.0, 1.0);
    let eff = 2f64.sqrt() - 1.0;
    let real = extraction(6, &[("Nd", d)], eff, (qa, qo), &[("Nd", 100.0)], &[]);
    let ideal = extraction(3, &[("Nd", d)], 1.0, (qa, qo), &[("Nd", 100.0)], &[]);
    let a = KremserExact.solve(&real.validate().unwrap());
    let b = KremserExact.solve(&ideal.validate().unwrap());
    let (ra, rb) = (a.profiles.aqueous[5][0], b.profiles.aqueous[2][0]);
    assert!(rel(ra, rb) < 1e-12, "{ra} vs {rb}");
}

/// Strip (4) + scrub (6) + extraction (8) with an organic recycle (a tear), a strip-liquor
/// reflux and an organic make-up feed carrying metal, efficiencies 0.6 / 0.8 / 0.9.
fn strip_scrub_extract_murphree() -> CascadeSpec {
    let mut sections = vec![
        sec("strip", 4, &[("Pr", 0.05), ("Nd", 0.08), ("Fe", 0.5)], 0.6),
        sec("scrub", 6, &[("Pr", 0.9), ("Nd", 1.4), ("Fe", 5.0)], 0.8),
        sec(
            "extraction",
            8,
            &[("Pr", 1.1), ("Nd", 1.65), ("Fe", 8.0)],
            0.9,
        ),
    ];
    sections[0].kind = SectionKind::Strip;
    sections[1].kind = SectionKind::Scrub;
    CascadeSpec {
        components: vec![
            ComponentSpec::new("Pr"),
            ComponentSpec::new("Nd"),
            ComponentSpec::new("Fe"),
        ],
        sections,
        feeds: vec![
            feed("strip_acid", 0, Phase::Aqueous, 1.0, &[]),
            feed("scrub_acid", 4, Phase::Aqueous, 0.6, &[]),
            feed(
                "feed",
                10,
                Phase::Aqueous,
                1.0,
                &[("Pr", 25.0), ("Nd", 75.0), ("Fe", 0.5)],
            ),
            feed("makeup", 17, Phase::Organic, 0.1, &[("Nd", 2.0)]),
        ],
        draws: vec![DrawSpec {
            name: "strip_liquor".into(),
            stage: 3,
            phase: Phase::Aqueous,
            fraction: 1.0,
        }],
        recycles: vec![
            RecycleSpec {
                name: "organic".into(),
                from: OutletRef::LoadedOrganic,
                to_stage: 17,
                flow: 2.0,
            },
            RecycleSpec {
                name: "reflux".into(),
                from: OutletRef::Draw("strip_liquor".into()),
                to_stage: 4,
                flow: 0.3,
            },
        ],
        log10_ka_hso4: -1.99,
        entrainment: 30e-6,
    }
}

#[test]
fn recycles_and_sections_with_murphree_agree_with_the_exact_linear_solve() {
    let c = strip_scrub_extract_murphree().validate().unwrap();
    let exact = KremserExact.solve(&c);
    assert!(exact.status.is_converged());
    assert!(exact.max_balance_error() < 1e-12);
    for s in solvers() {
        let sol = s.solve(&c);
        assert!(sol.status.is_converged(), "{}: {:?}", s.name(), sol.status);
        assert!(max_rel_diff(&sol, &exact) < 1e-9, "{}", s.name());
        assert!(sol.max_balance_error() < 1e-10);
    }
    // the recycled organic enters stage 17 with the make-up: y_in = (Q_r y_0 + F_org)/Qo_17
    let p = &exact.profiles;
    let qo = p.organic_flow[17];
    let y_in = (2.0 * p.organic[0][1] + 0.1 * 2.0) / qo;
    let want = y_in + 0.9 * (p.distribution[17][1] * p.aqueous[17][1] - y_in);
    assert!(rel(p.organic[17][1], want) < 1e-10);
    // lower efficiencies separate less: less Nd reaches the strip liquor
    let ideal = {
        let mut s = strip_scrub_extract_murphree();
        for sec in &mut s.sections {
            sec.murphree_efficiency = 1.0;
        }
        KremserExact.solve(&s.validate().unwrap())
    };
    let nd = |s: &Solution| s.product("strip_liquor").unwrap().recovery[1];
    assert!(nd(&exact) < nd(&ideal), "{} vs {}", nd(&exact), nd(&ideal));
}

fn small_case_b(eff: [f64; 2]) -> CascadeSpec {
    let mut s = cases::bench_case_b();
    s.sections[0].stages = 20;
    s.sections[1].stages = 30;
    s.feeds[0].stage = 20;
    s.feeds[2].stage = 49;
    s.sections[0].murphree_efficiency = eff[0];
    s.sections[1].murphree_efficiency = eff[1];
    s
}

#[test]
fn mass_action_with_murphree_newton_equals_substitution_and_balances_close() {
    for eff in [[0.9, 0.9], [0.7, 1.0], [1.0, 0.5]] {
        let c = small_case_b(eff).validate().unwrap();
        let n = Newton::default().solve(&c);
        let s = SuccessiveSubstitution::default().solve(&c);
        assert!(n.status.is_converged(), "newton {eff:?}: {:?}", n.status);
        assert!(
            s.status.is_converged(),
            "substitution {eff:?}: {:?}",
            s.status
        );
        let diff = max_rel_diff(&n, &s);
        assert!(diff < 1e-8, "{eff:?}: {diff}");
        for sol in [&n, &s] {
            assert!(sol.max_balance_error() < 1e-10, "{}", sol.solver);
            // protons: acid leaving in the raffinate = acid fed + 3 H⁺ released per RE³⁺
            // (z per ion) actually carried out by the loaded organic
            let org = sol.product("loaded_organic").unwrap();
            let exchanged: f64 = org
                .molar_flows
                .iter()
                .zip(&c.components)
                .map(|(f, comp)| f * comp.charge)
                .sum();
            let acid = sol.reagents.acid_fed + exchanged;
            assert!(
                rel(acid, sol.reagents.acid_in_products) < 1e-10,
                "{}: {acid} vs {}",
                sol.solver,
                sol.reagents.acid_in_products
            );
            // free extractant follows the actual organic loading (eq. 12)
            for k in 0..c.n_stages() {
                let bound: f64 = sol.profiles.organic[k]
                    .iter()
                    .zip(&c.components)
                    .map(|(y, comp)| y * comp.extractant_units)
                    .sum();
                let et = c.extractant_total()[k];
                assert!((sol.profiles.free_extractant[k] + bound - et).abs() < 1e-9 * et);
            }
            assert!(sol.profiles.organic.iter().flatten().all(|v| *v >= 0.0));
            assert!(sol.profiles.aqueous.iter().flatten().all(|v| *v >= 0.0));
        }
    }
}

#[test]
fn saturated_beta_with_murphree_newton_equals_substitution() {
    let mut spec = cases::bench_case_a();
    spec.sections[0].stages = 12;
    spec.sections[1].stages = 12;
    spec.feeds[0].stage = 12;
    spec.feeds[2].stage = 23;
    let ideal = Newton::default().solve(&spec.validate().unwrap());
    spec.sections[0].murphree_efficiency = 0.85;
    spec.sections[1].murphree_efficiency = 0.7;
    let c = spec.validate().unwrap();
    let n = Newton::default().solve(&c);
    let s = SuccessiveSubstitution::default().solve(&c);
    assert!(n.status.is_converged(), "{:?}", n.status);
    assert!(s.status.is_converged(), "{:?}", s.status);
    assert!(max_rel_diff(&n, &s) < 1e-8, "{}", max_rel_diff(&n, &s));
    assert!(n.max_balance_error() < 1e-10 && s.max_balance_error() < 1e-10);
    // the organic is below saturation where E < 1 loads it from a leaner inflow
    let nd = c.component_index("Nd").unwrap();
    let p = |s: &Solution| s.product("loaded_organic").unwrap().purity[nd];
    assert!(p(&n) < p(&ideal), "{} vs {}", p(&n), p(&ideal));
}

#[test]
fn invalid_efficiencies_name_the_field_and_value() {
    for bad in [0.0, -0.2, 1.5, f64::NAN, f64::INFINITY] {
        let mut spec = cases::bench_case_a();
        spec.sections[1].murphree_efficiency = bad;
        match spec.validate() {
            Err(SxError::Config { field, value, .. }) => {
                assert_eq!(field, "sections[1].murphree_efficiency");
                assert_eq!(value, bad.to_string());
            }
            other => panic!("E = {bad}: {other:?}"),
        }
    }
}

#[test]
fn serde_spec_default_and_unknown_fields() {
    let mut json = serde_json::to_value(cases::bench_case_a()).unwrap();
    json["sections"][1]["murphree_efficiency"] = serde_json::json!(0.85);
    let spec: CascadeSpec = serde_json::from_value(json.clone()).unwrap();
    assert!((spec.sections[1].murphree_efficiency - 0.85).abs() < 1e-15);
    assert!((spec.sections[0].murphree_efficiency - 1.0).abs() < 1e-15);
    let back = serde_json::to_value(&spec).unwrap();
    assert_eq!(back, json);
    json["sections"][1]["murphree"] = serde_json::json!(0.85);
    assert!(serde_json::from_value::<CascadeSpec>(json).is_err());
}

#[test]
fn organic_side_draw_with_murphree_stages() {
    // Half of the organic leaving stage 3 is drawn: the stage below receives only the rest, so
    // its y_in is O_{k+1}·y_{k+1}/Qo_k with O_{k+1} = Qo_{k+1}/2 (eq. 15).
    let mut spec = extraction(
        8,
        &[("Nd", 1.8), ("Pr", 1.2)],
        0.75,
        (1.0, 1.0),
        &[("Nd", 60.0), ("Pr", 30.0)],
        &[],
    );
    spec.feeds
        .push(feed("org2", 3, Phase::Organic, 0.5, &[("Nd", 5.0)]));
    spec.draws.push(DrawSpec {
        name: "org_draw".into(),
        stage: 3,
        phase: Phase::Organic,
        fraction: 0.5,
    });
    let c = spec.validate().unwrap();
    let exact = KremserExact.solve(&c);
    assert!(exact.status.is_converged());
    for s in solvers() {
        let sol = s.solve(&c);
        assert!(sol.status.is_converged(), "{}: {:?}", s.name(), sol.status);
        assert!(max_rel_diff(&sol, &exact) < 1e-9, "{}", s.name());
        assert!(sol.max_balance_error() < 1e-10);
    }
    let p = &exact.profiles;
    for (k, extra) in [(2usize, 0.0), (3, 0.5 * 5.0)] {
        let o_in = if k == 2 {
            0.5 * p.organic_flow[3]
        } else {
            p.organic_flow[4]
        };
        let y_in = (o_in * p.organic[k + 1][0] + extra) / p.organic_flow[k];
        let want = y_in + 0.75 * (p.distribution[k][0] * p.aqueous[k][0] - y_in);
        assert!(rel(p.organic[k][0], want) < 1e-10, "stage {k}");
    }
}

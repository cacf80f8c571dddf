//! The benchmark cases (a), (b), (c) of issue 4, defined once and shared by the criterion
//! bench (`benches/sx.rs`), the example `sx_solver_bench` (which exports them as JSON for the
//! SciPy peer with `--export-cases`), and the tests.

use std::collections::BTreeMap;

use crate::component::ComponentSpec;
use crate::equilibrium::{ComponentLaw, EquilibriumSpec, SeparationBasis};
use crate::topology::{CascadeSpec, FeedSpec, Phase, Saponification, SectionKind, SectionSpec};

fn map(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn section(name: &str, kind: SectionKind, stages: usize, eq: &EquilibriumSpec) -> SectionSpec {
    SectionSpec {
        name: name.into(),
        kind,
        stages,
        equilibrium: eq.clone(),
        aqueous_holdup: 2.0,
        organic_holdup: 2.0,
    }
}

fn aq_feed(name: &str, stage: usize, flow: f64, conc: &[(&str, f64)], acid: f64) -> FeedSpec {
    FeedSpec {
        name: name.into(),
        stage,
        phase: Phase::Aqueous,
        flow,
        concentrations: map(conc),
        acid,
        sulfate: 0.0,
        extractant: 0.0,
        saponification: None,
    }
}

/// Case (a): 60-stage binary Pr/Nd fractional extraction at constant β = 1.5 (P507, sx-data.md
/// §2, confidence H) on a saturated organic (150 mol·m⁻³, half of a 30 vol % P507 capacity),
/// 30 scrub + 30 extraction stages. Feed 1e-4 m³·s⁻¹ at 300 mol·m⁻³ RE, Pr:Nd = 25:75 (issue 4),
/// to stage 30; scrub liquor (Nd reflux, 300 mol·m⁻³) 3.35e-4 m³·s⁻¹ to stage 0; organic
/// 8.2e-4 m³·s⁻¹ to stage 59. Flows from Xu's theory: the scrub section controls, E′_M = √β,
/// reflux W = f′_A/(√β − 1) ≈ 3.34 mol per mol of feed (sx-data.md §5.3).
pub fn bench_case_a() -> CascadeSpec {
    let eq = EquilibriumSpec::SeparationFactors {
        reference: "Pr".into(),
        beta: map(&[("Nd", 1.5)]),
        basis: SeparationBasis::SaturatedOrganic { loading: 150.0 },
    };
    CascadeSpec {
        components: vec![ComponentSpec::new("Pr"), ComponentSpec::new("Nd")],
        sections: vec![
            section("scrub", SectionKind::Scrub, 30, &eq),
            section("extraction", SectionKind::Extraction, 30, &eq),
        ],
        feeds: vec![
            aq_feed("feed", 30, 1e-4, &[("Pr", 75.0), ("Nd", 225.0)], 0.0),
            aq_feed("scrub", 0, 3.35e-4, &[("Nd", 300.0)], 0.0),
            FeedSpec {
                name: "organic".into(),
                stage: 59,
                phase: Phase::Organic,
                flow: 8.2e-4,
                concentrations: BTreeMap::new(),
                acid: 0.0,
                sulfate: 0.0,
                extractant: 0.0,
                saponification: None,
            },
        ],
        draws: vec![],
        recycles: vec![],
        log10_ka_hso4: crate::topology::DEFAULT_LOG10_KA_HSO4,
        entrainment: crate::topology::DEFAULT_ENTRAINMENT,
    }
}

/// Case (b): 100-stage, 6-component cascade with cation-exchange mass action (eq. 2), extractant
/// loading and the proton balance: La, Ce, Pr, Nd, Sm on 30 vol % P507 (0.4675 mol·L⁻¹ dimer),
/// 35 % saponified with Na (the 6th component), HCl scrub; 40 scrub + 60 extraction stages.
/// log₁₀ K_ex anchored on Pr = −1.98 (Wu, Zhang & Bao 2007) and spaced by the P507 separation
/// factors of `data/separation_factors.csv`; log₁₀ K_Na = −1.0 (est.).
pub fn bench_case_b() -> CascadeSpec {
    let k_pr = -1.98;
    let b = |x: f64| x.log10();
    let laws: BTreeMap<String, ComponentLaw> = [
        ("La", k_pr - b(1.7) - b(4.6)),
        ("Ce", k_pr - b(1.7)),
        ("Pr", k_pr),
        ("Nd", k_pr + b(1.5)),
        ("Sm", k_pr + b(1.5) + b(7.0)),
        ("Na", -1.0),
    ]
    .iter()
    .map(|(s, k)| (s.to_string(), ComponentLaw::MassAction { log10_k: *k }))
    .collect();
    let eq = EquilibriumSpec::PerComponent { laws };
    CascadeSpec {
        components: ["La", "Ce", "Pr", "Nd", "Sm", "Na"]
            .iter()
            .map(|s| ComponentSpec::new(s))
            .collect(),
        sections: vec![
            section("scrub", SectionKind::Scrub, 40, &eq),
            section("extraction", SectionKind::Extraction, 60, &eq),
        ],
        feeds: vec![
            aq_feed(
                "feed",
                40,
                1e-4,
                &[
                    ("La", 80.0),
                    ("Ce", 120.0),
                    ("Pr", 30.0),
                    ("Nd", 60.0),
                    ("Sm", 10.0),
                ],
                10.0,
            ),
            aq_feed("scrub", 0, 1.0e-4, &[], 800.0),
            FeedSpec {
                name: "organic".into(),
                stage: 99,
                phase: Phase::Organic,
                flow: 3.0e-4,
                concentrations: BTreeMap::new(),
                acid: 0.0,
                sulfate: 0.0,
                extractant: 467.5,
                saponification: Some(Saponification {
                    cation: "Na".into(),
                    degree: 0.35,
                }),
            },
        ],
        draws: vec![],
        recycles: vec![],
        log10_ka_hso4: crate::topology::DEFAULT_LOG10_KA_HSO4,
        entrainment: crate::topology::DEFAULT_ENTRAINMENT,
    }
}

/// Case (c): 300-stage, 15-component train at constant separation factors on a saturated
/// organic: La…Lu (no Pm) and Y, β from the P507 chain of `data/separation_factors.csv`;
/// 150 scrub + 150 extraction stages, feed to stage 150, an aqueous side draw of half the
/// aqueous at stage 75 (a three-outlet process), scrub liquor of the heavy fraction.
pub fn bench_case_c() -> CascadeSpec {
    let chain = [
        "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
    ];
    let betas = crate::data::cumulative_beta("P507", &chain).expect("P507 chain is tabulated");
    let y_ho = crate::data::separation_factor("P507", "Y", "Ho")
        .expect("Y/Ho tabulated")
        .typical;
    let mut beta: BTreeMap<String, f64> = chain
        .iter()
        .zip(&betas)
        .skip(1)
        .map(|(s, b)| (s.to_string(), *b))
        .collect();
    beta.insert("Y".into(), betas[9] * y_ho);
    let eq = EquilibriumSpec::SeparationFactors {
        reference: "La".into(),
        beta,
        basis: SeparationBasis::SaturatedOrganic { loading: 150.0 },
    };
    // Feed: an ion-adsorption-clay-like distribution [mol·m⁻³] (est.), total 300.
    let feed = [
        ("La", 75.0),
        ("Ce", 15.0),
        ("Pr", 18.0),
        ("Nd", 60.0),
        ("Sm", 12.0),
        ("Eu", 1.5),
        ("Gd", 15.0),
        ("Tb", 2.0),
        ("Dy", 10.0),
        ("Ho", 2.0),
        ("Er", 6.0),
        ("Tm", 1.0),
        ("Yb", 5.0),
        ("Lu", 0.5),
        ("Y", 77.0),
    ];
    let heavy: Vec<(&str, f64)> = feed
        .iter()
        .filter(|(s, _)| !["La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd"].contains(s))
        .map(|(s, c)| (*s, c * 300.0 / 103.5))
        .collect();
    let mut components: Vec<ComponentSpec> = chain.iter().map(|s| ComponentSpec::new(s)).collect();
    components.push(ComponentSpec::new("Y"));
    CascadeSpec {
        components,
        sections: vec![
            section("scrub", SectionKind::Scrub, 150, &eq),
            section("extraction", SectionKind::Extraction, 150, &eq),
        ],
        feeds: vec![
            aq_feed("feed", 150, 1e-4, &feed, 0.0),
            aq_feed("scrub", 0, 1.2e-4, &heavy, 0.0),
            FeedSpec {
                name: "organic".into(),
                stage: 299,
                phase: Phase::Organic,
                flow: 2.9e-4,
                concentrations: BTreeMap::new(),
                acid: 0.0,
                sulfate: 0.0,
                extractant: 0.0,
                saponification: None,
            },
        ],
        draws: vec![crate::topology::DrawSpec {
            name: "middle".into(),
            stage: 75,
            phase: Phase::Aqueous,
            fraction: 0.5,
        }],
        recycles: vec![],
        log10_ka_hso4: crate::topology::DEFAULT_LOG10_KA_HSO4,
        entrainment: crate::topology::DEFAULT_ENTRAINMENT,
    }
}

/// The three cases with their labels.
pub fn bench_cases() -> Vec<(&'static str, CascadeSpec)> {
    vec![
        ("a", bench_case_a()),
        ("b", bench_case_b()),
        ("c", bench_case_c()),
    ]
}

//! The benchmark cases (a), (b), (c) of issue 4, defined once and shared by the criterion
//! bench (`benches/sx.rs`), the example `sx_solver_bench` (which exports them as JSON for the
//! SciPy peer with `--export-cases`), and the tests.

use std::collections::BTreeMap;

use crate::component::ComponentSpec;
use crate::equilibrium::{ComponentLaw, EquilibriumSpec, SeparationBasis};
use crate::topology::{CascadeSpec, FeedSpec, Phase, SectionKind, SectionSpec};

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
        murphree_efficiency: 1.0,
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

/// Case (b): 100-stage, 6-component cascade with cation-exchange mass action (eq. 2),
/// extractant loading (eq. 12) and the proton balance (eq. 11): La, Ce, Pr, Nd, Sm on 30 vol %
/// P507 (0.4675 mol·L⁻¹ dimer, sx-data.md §3) in chloride, with Al as a constant-D impurity
/// (D = 0.02, est.); 40 scrub + 60 extraction stages splitting La–Ce from Pr–Sm.
/// log₁₀ K_ex anchored on Pr = −1.98 (Wu, Zhang & Bao 2007) and spaced by the P507 separation
/// factors of `data/separation_factors.csv`. Feed 1e-4 m³·s⁻¹ (30 mol·m⁻³ RE, 70 mol·m⁻³ HCl)
/// to stage 40; scrub acid 120 mol·m⁻³ at 5e-5 m³·s⁻¹ to stage 0; organic 1.3e-4 m³·s⁻¹ to
/// stage 99. The acidity sets D (slope −3 in pH), so the released protons couple every stage.
pub fn bench_case_b() -> CascadeSpec {
    let k_pr = -1.98;
    let sf = |h: &str, l: &str| {
        crate::data::separation_factor("P507", h, l)
            .expect("tabulated")
            .typical
            .log10()
    };
    let mut laws: BTreeMap<String, ComponentLaw> = [
        ("La", k_pr - sf("Pr", "Ce") - sf("Ce", "La")),
        ("Ce", k_pr - sf("Pr", "Ce")),
        ("Pr", k_pr),
        ("Nd", k_pr + sf("Nd", "Pr")),
        ("Sm", k_pr + sf("Nd", "Pr") + sf("Sm", "Nd")),
    ]
    .iter()
    .map(|(s, k)| (s.to_string(), ComponentLaw::MassAction { log10_k: *k }))
    .collect();
    laws.insert("Al".into(), ComponentLaw::ConstantD { d: 0.02 });
    let eq = EquilibriumSpec::PerComponent { laws };
    CascadeSpec {
        components: ["La", "Ce", "Pr", "Nd", "Sm", "Al"]
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
                    ("La", 8.0),
                    ("Ce", 12.0),
                    ("Pr", 3.0),
                    ("Nd", 6.0),
                    ("Sm", 1.0),
                    ("Al", 2.0),
                ],
                70.0,
            ),
            aq_feed("scrub", 0, 5e-5, &[], 120.0),
            FeedSpec {
                name: "organic".into(),
                stage: 99,
                phase: Phase::Organic,
                flow: 1.3e-4,
                concentrations: BTreeMap::new(),
                acid: 0.0,
                sulfate: 0.0,
                extractant: 467.5,
                saponification: None,
            },
        ],
        draws: vec![],
        recycles: vec![],
        log10_ka_hso4: crate::topology::DEFAULT_LOG10_KA_HSO4,
        entrainment: crate::topology::DEFAULT_ENTRAINMENT,
    }
}

/// A two-outlet fractional extraction `[scrub, extraction]` at constant separation factors on
/// a saturated organic, with flows from Xu Guangxian's optimum (sx-data.md §5.3) for the
/// pseudo-binary split between `components[split - 1]` and `components[split]` (components in
/// increasing β): feed (aqueous, `feed_conc` [mol·m⁻³], `feed_flow` [m³·s⁻¹]) to the first
/// extraction stage, scrub liquor of the heavy fraction at the feed's total concentration
/// (the reflux) to stage 0, metal-free organic to the last stage. `reflux_factor` ≥ 1
/// multiplies Xu's optimum reflux W.
///
/// # Panics
/// If `split` is 0 or ≥ the number of components, or the slices differ in length.
#[allow(clippy::too_many_arguments)]
pub fn fractional_extraction(
    components: &[&str],
    beta: &[f64],
    feed_conc: &[f64],
    feed_flow: f64,
    split: usize,
    scrub_stages: usize,
    extraction_stages: usize,
    loading: f64,
    reflux_factor: f64,
) -> CascadeSpec {
    assert!(
        split > 0
            && split < components.len()
            && beta.len() == components.len()
            && feed_conc.len() == components.len()
    );
    let total: f64 = feed_conc.iter().sum();
    let fa: f64 = feed_conc[split..].iter().sum::<f64>() / total;
    let fb = 1.0 - fa;
    let b = beta[split] / beta[split - 1];
    let sb = b.sqrt();
    let w = if fb > sb / (1.0 + sb) {
        fb / (sb - 1.0) - fa
    } else {
        fa / (sb - 1.0)
    } * reflux_factor;
    let s_org = w + fa;
    let f = feed_flow * total;
    let heavy: Vec<(&str, f64)> = components[split..]
        .iter()
        .zip(&feed_conc[split..])
        .map(|(c, x)| (*c, x / fa))
        .collect();
    let feed: Vec<(&str, f64)> = components
        .iter()
        .zip(feed_conc)
        .map(|(c, x)| (*c, *x))
        .collect();
    let eq = EquilibriumSpec::SeparationFactors {
        reference: components[0].into(),
        beta: components
            .iter()
            .zip(beta)
            .skip(1)
            .map(|(c, b)| (c.to_string(), *b))
            .collect(),
        basis: SeparationBasis::SaturatedOrganic { loading },
    };
    let n = scrub_stages + extraction_stages;
    CascadeSpec {
        components: components.iter().map(|s| ComponentSpec::new(s)).collect(),
        sections: vec![
            section("scrub", SectionKind::Scrub, scrub_stages, &eq),
            section(
                "extraction",
                SectionKind::Extraction,
                extraction_stages,
                &eq,
            ),
        ],
        feeds: vec![
            aq_feed("feed", scrub_stages, feed_flow, &feed, 0.0),
            aq_feed("scrub", 0, w * f / total, &heavy, 0.0),
            FeedSpec {
                name: "organic".into(),
                stage: n - 1,
                phase: Phase::Organic,
                flow: s_org * f / loading,
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

/// Case (c): 300-stage, 15-component train at constant separation factors on a saturated
/// organic (150 mol·m⁻³): La…Lu (no Pm) and Y with β from the P507 chain of
/// `data/separation_factors.csv` (Y placed by its Y/Ho record), feed of an
/// ion-adsorption-clay-like distribution (est.), 150 scrub + 150 extraction stages splitting
/// La–Eu from Gd–Lu + Y, flows from [`fractional_extraction`] with 1.3× Xu's optimum reflux.
pub fn bench_case_c() -> CascadeSpec {
    let chain = [
        "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
    ];
    let betas = crate::data::cumulative_beta("P507", &chain).expect("P507 chain is tabulated");
    let y_ho = crate::data::separation_factor("P507", "Y", "Ho")
        .expect("Y/Ho tabulated")
        .typical;
    // order by β: ... Ho, Y, Er ...
    let mut comps: Vec<(&str, f64)> = chain.iter().copied().zip(betas.iter().copied()).collect();
    comps.insert(10, ("Y", betas[9] * y_ho));
    let feed = [
        75.0, 15.0, 18.0, 60.0, 12.0, 1.5, 15.0, 2.0, 10.0, 2.0, 77.0, 6.0, 1.0, 5.0, 0.5,
    ];
    let names: Vec<&str> = comps.iter().map(|c| c.0).collect();
    let beta: Vec<f64> = comps.iter().map(|c| c.1).collect();
    fractional_extraction(
        &names,
        &beta,
        &feed,
        1e-4,
        CASE_C_SPLIT,
        150,
        150,
        150.0,
        1.3,
    )
}

/// Split index of case (c) in its β-ordered component list.
const CASE_C_SPLIT: usize = 6;

/// The three cases with their labels.
pub fn bench_cases() -> Vec<(&'static str, CascadeSpec)> {
    vec![
        ("a", bench_case_a()),
        ("b", bench_case_b()),
        ("c", bench_case_c()),
    ]
}

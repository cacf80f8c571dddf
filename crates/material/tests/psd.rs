//! Particle-size-distribution tests: analytic cases and proptests (quantiles monotone and inside
//! the support, d32 inside the support, mixing keeps fractions normalised and mass per size range).

use approx::assert_relative_eq;
use proptest::prelude::*;
use repm_material::ParticleSizeDistribution;

fn psd_strategy() -> impl Strategy<Value = ParticleSizeDistribution> {
    (
        1e-7f64..1e-5,
        prop::collection::vec((1.05f64..3.0, 0.0f64..1.0), 1..12),
    )
        .prop_filter_map("needs mass", |(x0, classes)| {
            let mut edges = vec![x0];
            for (r, _) in &classes {
                edges.push(edges.last().unwrap() * r);
            }
            let masses: Vec<f64> = classes.iter().map(|(_, m)| *m).collect();
            ParticleSizeDistribution::from_masses(edges, &masses).ok()
        })
}

fn mass_below(p: &ParticleSizeDistribution, x: f64) -> f64 {
    // cumulative mass below x under the log-uniform class assumption
    let e = p.edges();
    p.fractions()
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let (a, b) = (e[i], e[i + 1]);
            if x <= a {
                0.0
            } else if x >= b {
                *w
            } else {
                w * (x / a).ln() / (b / a).ln()
            }
        })
        .sum()
}

#[test]
fn two_class_quantiles() {
    // 30 % in [1, 2] µm, 70 % in [2, 8] µm
    let p = ParticleSizeDistribution::new(vec![1e-6, 2e-6, 8e-6], vec![0.3, 0.7]).unwrap();
    assert_relative_eq!(p.d10(), 1e-6 * 2f64.powf(1.0 / 3.0), max_relative = 1e-12);
    assert_relative_eq!(p.d50(), 2e-6 * 4f64.powf(0.2 / 0.7), max_relative = 1e-12);
    assert_relative_eq!(p.quantile(0.0).unwrap(), 1e-6, max_relative = 1e-12);
    assert_relative_eq!(p.quantile(1.0).unwrap(), 8e-6, max_relative = 1e-12);
    assert!(p.quantile(1.1).is_err());
    assert!(p.quantile(f64::NAN).is_err());
    let inv_d32 =
        0.3 * (1.0 / 1e-6 - 1.0 / 2e-6) / 2f64.ln() + 0.7 * (1.0 / 2e-6 - 1.0 / 8e-6) / 4f64.ln();
    assert_relative_eq!(
        p.sauter_mean_diameter(),
        1.0 / inv_d32,
        max_relative = 1e-12
    );
    assert!(p.specific_surface(0.0).is_err());
}

proptest! {
    #[test]
    fn quantiles_are_monotone_and_consistent(p in psd_strategy(), q1 in 0.0f64..=1.0, q2 in 0.0f64..=1.0) {
        let (lo, hi) = if q1 <= q2 { (q1, q2) } else { (q2, q1) };
        let (x1, x2) = (p.quantile(lo).unwrap(), p.quantile(hi).unwrap());
        prop_assert!(x1 <= x2 * (1.0 + 1e-12));
        let e = p.edges();
        prop_assert!(x1 >= e[0] * (1.0 - 1e-12) && x2 <= e[e.len() - 1] * (1.0 + 1e-12));
        // the quantile inverts the cumulative distribution
        prop_assert!((mass_below(&p, x1) - lo).abs() <= 1e-9);
        prop_assert!(p.d10() <= p.d50() && p.d50() <= p.d90());
        let d32 = p.sauter_mean_diameter();
        prop_assert!(d32 >= e[0] && d32 <= e[e.len() - 1]);
    }

    #[test]
    fn mixing_keeps_mass_in_every_size_range(a in psd_strategy(), b in psd_strategy(),
                                             wa in 0.01f64..10.0, wb in 0.01f64..10.0, x in 1e-7f64..1e-3) {
        let m = ParticleSizeDistribution::mix(&[(&a, wa), (&b, wb)]).unwrap();
        let s: f64 = m.fractions().iter().sum();
        prop_assert!((s - 1.0).abs() <= 1e-12);
        let want = (wa * mass_below(&a, x) + wb * mass_below(&b, x)) / (wa + wb);
        prop_assert!((mass_below(&m, x) - want).abs() <= 1e-9, "{} vs {}", mass_below(&m, x), want);
    }
}

//! Closed-form design tools: Kremser, Fenske and Xu Guangxian's theory — analytic identities,
//! limits and input validation (sources: sx-data §5; Xu's theory as relayed by Yan et al.,
//! Tsinghua Sci. Technol. 11 (2006) 241 and Cheng et al., AMPC 4 (2014) 275).

use approx::assert_relative_eq;
use proptest::prelude::*;
use repm_sx::design::{
    ControllingSection, FeedPhase, XuOperating, XuSpec, fenske_min_stages, kremser_recovery,
    kremser_stages, kremser_stripping_recovery, kremser_stripping_stages,
    kremser_unextracted_fraction, purification_factors, recoveries_from_purification, xu_design,
    xu_stage_numbers,
};

fn prnd_spec() -> XuSpec {
    XuSpec {
        beta: 1.5,
        beta_scrub: None,
        feed_fraction_a: 0.75,
        purity_a: 0.999,
        purity_b: 0.999,
        feed_phase: FeedPhase::Aqueous,
        operating: XuOperating::Optimum,
    }
}

/// Kremser by direct stage-to-stage computation for a constant-D cascade: the closed form
/// must equal the recursion (fresh solvent, aqueous feed x_F = 1).
#[test]
fn kremser_matches_stage_recursion() {
    for &e in &[0.3, 0.9, 1.0, 1.1, 2.5] {
        for n in 1..12usize {
            // solve the N-stage linear balance by Thomas on x_k (aqueous), y_k = D x_k
            // 0 = x_{k-1} - x_k + E x_{k+1} - E x_k  (flows normalised by Q_aq), x_0 = 1
            let mut a = vec![0.0; n];
            let mut b = vec![0.0; n];
            let mut c = vec![0.0; n];
            let mut d = vec![0.0; n];
            for k in 0..n {
                a[k] = 1.0;
                b[k] = -(1.0 + e);
                c[k] = if k + 1 < n { e } else { 0.0 };
            }
            d[0] = -1.0;
            for k in 1..n {
                let w = a[k] / b[k - 1];
                b[k] -= w * c[k - 1];
                d[k] -= w * d[k - 1];
            }
            let mut x = vec![0.0; n];
            x[n - 1] = d[n - 1] / b[n - 1];
            for k in (0..n - 1).rev() {
                x[k] = (d[k] - c[k] * x[k + 1]) / b[k];
            }
            let closed = kremser_unextracted_fraction(e, n as f64).unwrap();
            assert_relative_eq!(closed, x[n - 1], max_relative = 1e-12);
        }
    }
}

#[test]
fn kremser_e_equal_one_is_exact_and_continuous() {
    assert_relative_eq!(
        kremser_recovery(1.0, 9.0).unwrap(),
        0.9,
        max_relative = 1e-15
    );
    for eps in [1e-14, 1e-10, 1e-7] {
        let up = kremser_recovery(1.0 + eps, 9.0).unwrap();
        let dn = kremser_recovery(1.0 - eps, 9.0).unwrap();
        // dR/dE at E = 1 is N/(2(N+1)) ≈ 0.45: the neighbourhood is smooth, no cancellation
        assert_relative_eq!(up, 0.9, max_relative = eps + 1e-14);
        assert_relative_eq!(dn, 0.9, max_relative = eps + 1e-14);
        assert_relative_eq!(
            kremser_stages(1.0 + eps, 0.9).unwrap(),
            9.0,
            max_relative = 1e-6
        );
    }
}

#[test]
fn kremser_stripping_is_the_same_algebra() {
    assert_relative_eq!(
        kremser_stripping_recovery(1.7, 5.0).unwrap(),
        kremser_recovery(1.7, 5.0).unwrap(),
        max_relative = 1e-15
    );
    let n = kremser_stripping_stages(1.7, 0.99).unwrap();
    assert_relative_eq!(
        kremser_stripping_recovery(1.7, n).unwrap(),
        0.99,
        max_relative = 1e-12
    );
}

#[test]
fn kremser_rejects_unreachable_and_bad_input() {
    let e = kremser_stages(0.8, 0.85).unwrap_err().to_string();
    assert!(e.contains("recovery") && e.contains("0.85"), "{e}");
    assert!(
        kremser_recovery(-1.0, 3.0)
            .unwrap_err()
            .to_string()
            .contains("-1")
    );
    assert!(kremser_recovery(2.0, f64::NAN).is_err());
    assert!(kremser_stages(2.0, 1.0).is_err());
    assert!(
        kremser_stripping_stages(0.0, 0.5)
            .unwrap_err()
            .to_string()
            .contains("stripping")
    );
}

proptest! {
    /// Kremser N(recovery) inverts recovery(N) over the whole domain, both sides of E = 1.
    #[test]
    fn kremser_inversion(e in 0.05f64..4.0, n in 0.0f64..25.0) {
        let r = kremser_recovery(e, n).unwrap();
        prop_assume!(r > 1e-6 && r < 1.0 - 1e-9);
        // for E < 1 the recovery saturates at E; stay where N is still resolvable from R
        prop_assume!(e >= 1.0 || r < e * (1.0 - 1e-6));
        let n2 = kremser_stages(e, r).unwrap();
        prop_assert!((n2 - n).abs() <= 1e-6 * (1.0 + n), "E {e} N {n} -> R {r} -> N {n2}");
    }

    /// Recovery never falls when stages are added.
    #[test]
    fn kremser_monotone_in_stages(e in 0.05f64..20.0, n in 0.0f64..60.0) {
        prop_assert!(kremser_recovery(e, n + 1.0).unwrap() >= kremser_recovery(e, n).unwrap());
    }

    /// Xu identities for random valid specs: recoveries from (a, b), S − W = f′_A,
    /// E_M < 1 < E′_M, and the recovered split closes the balance of each component.
    #[test]
    fn xu_identities(beta in 1.05f64..4.0, fa in 0.05f64..0.95, qa in 0.2f64..0.999, qb in 0.2f64..0.999) {
        let pa = fa + (1.0 - fa) * qa;      // strictly purer than the feed
        let pb = (1.0 - fa) + fa * qb;
        let spec = XuSpec { beta, beta_scrub: None, feed_fraction_a: fa, purity_a: pa.min(0.999999), purity_b: pb.min(0.999999), feed_phase: FeedPhase::Aqueous, operating: XuOperating::Optimum };
        let Ok(d) = xu_design(&spec) else { return Ok(()); };
        let (ya, yb) = recoveries_from_purification(d.a, d.b);
        prop_assert!((ya - d.recovery_a).abs() < 1e-12);
        prop_assert!((yb - d.recovery_b).abs() < 1e-12);
        prop_assert!(((d.s - d.w) - d.product_a).abs() < 1e-12 * (1.0 + d.s));
        prop_assert!(((d.w + 1.0 - d.s) - d.product_b).abs() < 1e-12 * (1.0 + d.s));
        prop_assert!(d.e_m < 1.0 && d.e_m_scrub > 1.0);
        // purity of the organic product from the recoveries equals the target
        let a_in_prod = fa * d.recovery_a;
        prop_assert!((a_in_prod / d.product_a - spec.purity_a).abs() < 1e-9);
        let b_in_raff = (1.0 - fa) * d.recovery_b;
        prop_assert!((b_in_raff / d.product_b - spec.purity_b).abs() < 1e-9);
        prop_assert!(d.n_extraction > 0.0 && d.m_scrub > -1.0);
    }
}

/// Fenske equals Xu's stage formula at total reflux: n + (m + 1) → N_min as E_M, E′_M → 1.
#[test]
fn fenske_is_xu_at_total_reflux() {
    let (a, b) = purification_factors(0.75, 0.999, 0.999).unwrap();
    let nmin = fenske_min_stages(0.999, 0.999, 1.5).unwrap();
    let eps = 1e-9;
    let (n, m) =
        xu_stage_numbers(1.5, 1.5, a, b, 1.0 - eps, 1.0 + eps, FeedPhase::Aqueous).unwrap();
    assert_relative_eq!(n + m + 1.0, nmin, max_relative = 1e-7);
    let (n, m) =
        xu_stage_numbers(1.5, 1.5, a, b, 1.0 - eps, 1.0 + eps, FeedPhase::Organic).unwrap();
    assert_relative_eq!(n + m + 1.0, nmin, max_relative = 1e-7);
    // the design's own Fenske figure
    let d = xu_design(&prnd_spec()).unwrap();
    assert_relative_eq!(d.fenske_min_stages, nmin, max_relative = 1e-15);
    assert!(d.n_extraction + d.m_scrub + 1.0 > nmin);
}

/// Pr/Nd at β = 1.5, 25/75 feed, 99.9 % both ends: hand calculation of eqs. SX-D6…D12.
/// a = 999/3 = 333, b = 999·3 = 2997; f′_B = 0.2495 < √1.5/(1+√1.5) = 0.5505 → scrub
/// controls; W = f′_A/(√1.5 − 1).
#[test]
fn xu_prnd_hand_calculation() {
    let d = xu_design(&prnd_spec()).unwrap();
    assert_relative_eq!(d.a, 333.0, max_relative = 1e-12);
    assert_relative_eq!(d.b, 2997.0, max_relative = 1e-12);
    assert_eq!(d.controlling, ControllingSection::Scrub);
    let fpa = 0.75 * d.recovery_a + 0.25 * (1.0 - d.recovery_b);
    assert_relative_eq!(d.product_a, fpa, max_relative = 1e-14);
    let rb = 1.5f64.sqrt();
    assert_relative_eq!(d.w, fpa / (rb - 1.0), max_relative = 1e-12);
    assert_relative_eq!(d.e_m_scrub, rb, max_relative = 1e-12);
    // n = lg b / lg(β E_M), m + 1 = lg a / lg(β/√β)
    assert_relative_eq!(
        d.n_extraction,
        2997f64.ln() / (1.5 * d.e_m).ln(),
        max_relative = 1e-12
    );
    assert_relative_eq!(d.m_scrub + 1.0, 333f64.ln() / rb.ln(), max_relative = 1e-12);
    assert_eq!((d.n_extraction_stages, d.m_scrub_stages), (24, 28));
    // serde round trip of the report
    let js = serde_json::to_string(&d).unwrap();
    assert!(js.contains("\"controlling\":\"scrub\""));
}

/// Extraction section controls when B dominates the products: E_M = 1/√β.
#[test]
fn xu_extraction_controls_for_b_rich_feed() {
    let spec = XuSpec {
        feed_fraction_a: 0.2,
        ..prnd_spec()
    };
    let d = xu_design(&spec).unwrap();
    assert_eq!(d.controlling, ControllingSection::Extraction);
    assert_relative_eq!(d.e_m, 1.0 / 1.5f64.sqrt(), max_relative = 1e-12);
    assert_relative_eq!(
        d.s,
        d.product_b / (1.5f64.sqrt() - 1.0),
        max_relative = 1e-12
    );
}

/// Organic feed moves the "+1" from the scrub to the extraction section.
#[test]
fn xu_organic_feed_moves_the_plus_one() {
    let aq = xu_design(&prnd_spec()).unwrap();
    let org = xu_design(&XuSpec {
        feed_phase: FeedPhase::Organic,
        ..prnd_spec()
    })
    .unwrap();
    assert_relative_eq!(
        org.n_extraction,
        aq.n_extraction - 1.0,
        max_relative = 1e-12
    );
    assert_relative_eq!(org.m_scrub, aq.m_scrub + 1.0, max_relative = 1e-12);
}

/// More scrub than the optimum: fewer stages; too little: a section cannot separate.
#[test]
fn xu_given_scrub_and_infeasible_operating_point() {
    let opt = xu_design(&prnd_spec()).unwrap();
    let more = xu_design(&XuSpec {
        operating: XuOperating::GivenScrub { w: 3.0 * opt.w },
        ..prnd_spec()
    })
    .unwrap();
    assert!(more.n_extraction + more.m_scrub < opt.n_extraction + opt.m_scrub);
    assert_eq!(more.controlling, ControllingSection::Given);
    let e = xu_design(&XuSpec {
        operating: XuOperating::GivenScrub { w: 0.05 },
        ..prnd_spec()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("E'_M") || e.contains("E_M"), "{e}");
}

#[test]
fn xu_and_fenske_validate_inputs() {
    for (spec, field) in [
        (
            XuSpec {
                beta: 1.0,
                ..prnd_spec()
            },
            "beta",
        ),
        (
            XuSpec {
                beta: 0.7,
                ..prnd_spec()
            },
            "beta",
        ),
        (
            XuSpec {
                purity_a: 1.0,
                ..prnd_spec()
            },
            "purity_a",
        ),
        (
            XuSpec {
                purity_b: 0.0,
                ..prnd_spec()
            },
            "purity_b",
        ),
        (
            XuSpec {
                purity_a: 0.7,
                ..prnd_spec()
            },
            "purity_a",
        ),
        (
            XuSpec {
                feed_fraction_a: 1.2,
                ..prnd_spec()
            },
            "feed_fraction_a",
        ),
        (
            XuSpec {
                beta_scrub: Some(0.9),
                ..prnd_spec()
            },
            "beta_scrub",
        ),
        (
            XuSpec {
                operating: XuOperating::GivenScrub { w: -1.0 },
                ..prnd_spec()
            },
            "w",
        ),
    ] {
        let e = xu_design(&spec).unwrap_err().to_string();
        assert!(e.contains(field), "{field}: {e}");
    }
    assert!(fenske_min_stages(0.3, 0.3, 2.0).is_err());
}

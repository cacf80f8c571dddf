//! The fixed-pivot PBM with exponential time integration against the Ziff–McGrady analytic
//! solution of the breakage equation.
//!
//! Ziff & McGrady, "New solutions to the fragmentation equation", J. Phys. A 18 (1985) 3027,
//! doi 10.1088/0305-4470/18/15/026. Case: selection rate proportional to particle volume,
//! `S(x) = x`, uniform binary breakage `β(x|y) = 2/y`, monodisperse start `n(x,0) = δ(x − 1)`.
//!
//! Exact solution: `n(x,t) = e^{−t} δ(x − 1) + e^{−xt} [2t + t²(1 − x)]` on `0 < x < 1`.
//! Moments derived in the test:
//! * `M1' = ∫ S(y) n(y) [∫₀^y x β dx − y] dy = 0`, so `M1(t) = 1` (mass constant);
//! * `M0' = ∫ S(y) n(y) (2 − 1) dy = M1 = 1`, so `M0(t) = 1 + t`;
//! * `M2(t) = e^{−t} + (2t + t²) I₂(t) − t² I₃(t)`, `I_k(t) = ∫₀¹ x^k e^{−xt} dx`, computed with the
//!   stable series `I_k = Σ_j (−t)^j / (j! (k + j + 1))`.
//!
//! `S ∝ x` in volume is `S ∝ d³` in size, i.e. `SelectionFunction::PowerLaw { alpha: 3 }` with the
//! reference size at the initial particle (volume 1).

use approx::assert_relative_eq;
use repm_powder::pbm::{BreakageFunction, BreakageOperator, SelectionFunction};
use repm_powder::psd::SizeGrid;

fn i_k(k: i32, t: f64) -> f64 {
    // Σ_j (−t)^j / (j! (k + j + 1)); terms are bounded for t ≤ 10 and the series converges fast.
    let mut sum = 0.0;
    let mut term = 1.0; // (−t)^j / j!
    for j in 0..400 {
        sum += term / f64::from(k + j + 1);
        term *= -t / f64::from(j + 1);
        if term.abs() < 1e-30 {
            break;
        }
    }
    sum
}

fn m2_exact(t: f64) -> f64 {
    (-t).exp() + (2.0 * t + t * t) * i_k(2, t) - t * t * i_k(3, t)
}

/// Moments (M0, M1, M2) of the discrete solution at time t on a grid of `per_decade` classes per
/// decade of volume from 1e-`decades` to 1.
fn moments(per_decade: usize, decades: usize, t: f64) -> (f64, f64, f64) {
    let n = per_decade * decades + 1;
    // volume grid 10^-decades .. 1  <=> size grid (10^-decades)^(1/3) .. 1
    let d_min = 10f64.powf(-(decades as f64) / 3.0);
    let grid = SizeGrid::geometric(d_min, 1.0, n).unwrap();
    let sel = SelectionFunction::PowerLaw {
        a: 1.0,
        alpha: 3.0,
        d_ref: 1.0,
    };
    let op = BreakageOperator::new(&grid, &sel, &BreakageFunction::UniformBinary).unwrap();
    let mut m0 = vec![0.0; n];
    m0[n - 1] = 1.0; // one particle of volume 1 (mass = volume)
    let (m, status) = op.batch(&m0, t).unwrap();
    assert!(status.ok, "{status:?}");
    let x: Vec<f64> = grid.pivots().iter().map(|d| d * d * d).collect();
    let mut mo = (0.0, 0.0, 0.0);
    for (mi, xi) in m.iter().zip(&x) {
        mo.0 += mi / xi;
        mo.1 += mi;
        mo.2 += mi * xi;
    }
    (mo.0, mo.1, mo.2)
}

#[test]
fn zeroth_and_first_moments_match_to_1e_minus_6() {
    for t in [0.1, 1.0, 3.0, 10.0] {
        let (m0, m1, _) = moments(12, 14, t);
        eprintln!(
            "t = {t}: M0 rel err {:.2e}, M1 rel err {:.2e}",
            (m0 - 1.0 - t) / (1.0 + t),
            m1 - 1.0
        );
        assert_relative_eq!(m1, 1.0, max_relative = 1e-12);
        assert_relative_eq!(m0, 1.0 + t, max_relative = 1e-6);
    }
}

#[test]
fn zeroth_moment_is_exact_on_a_coarse_grid_too() {
    // The fixed pivot preserves number and mass of every fragment, so M0 and M1 do not depend on
    // the grid spacing (only on the grid reaching far enough down).
    let (m0, m1, _) = moments(2, 24, 10.0);
    assert_relative_eq!(m1, 1.0, max_relative = 1e-12);
    assert_relative_eq!(m0, 11.0, max_relative = 1e-6);
}

#[test]
fn second_moment_converges_with_grid_refinement() {
    let t = 3.0;
    let exact = m2_exact(t);
    let mut errs = Vec::new();
    for per_decade in [3, 6, 12, 24] {
        let (_, _, m2) = moments(per_decade, 14, t);
        errs.push(((m2 - exact) / exact).abs());
    }
    eprintln!("M2 relative errors at 3, 6, 12, 24 classes/decade: {errs:?}");
    // monotone convergence, roughly second order in the volume ratio spacing
    // second order: halving the spacing divides the error by ~4
    for w in errs.windows(2) {
        let order = (w[0] / w[1]).log2();
        assert!((1.8..2.2).contains(&order), "{errs:?}");
    }
    assert!(errs[3] < 2e-3, "{errs:?}");
}

#[test]
fn m2_exact_sanity() {
    // t = 0: all mass at x = 1 -> M2 = 1; dM2/dt at 0 = −M3/3 = −1/3.
    assert_relative_eq!(m2_exact(0.0), 1.0, epsilon = 1e-15);
    let h = 1e-5;
    assert_relative_eq!(
        (m2_exact(h) - m2_exact(0.0)) / h,
        -1.0 / 3.0,
        max_relative = 1e-4
    );
}

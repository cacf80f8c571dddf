//! Master-sintering-curve work of sintering Θ and densification: exactness on isothermal and
//! constant-ramp programmes, monotone trends, proptests over programmes.

use approx::assert_relative_eq;
use proptest::prelude::*;
use repm_sinter::TemperatureProgramme;
use repm_sinter::densification::{DensificationModel, GrainGrowth, anisotropic_shrinkage};
use repm_sinter::programme::{ArrheniusKind, GAS_CONSTANT, ZERO_CELSIUS};

/// Reference quadrature written here, independent of the library: composite Gauss–Legendre
/// (5 points) on 4000 panels of the linear segment, in time.
fn reference_integral(q: f64, t0: f64, temp0: f64, t1: f64, temp1: f64, over_t: bool) -> f64 {
    let nodes = [
        (0.0, 128.0 / 225.0),
        (-0.538_469_310_105_683_1, 0.478_628_670_499_366_47),
        (0.538_469_310_105_683_1, 0.478_628_670_499_366_47),
        (-0.906_179_845_938_664, 0.236_926_885_056_189_08),
        (0.906_179_845_938_664, 0.236_926_885_056_189_08),
    ];
    let panels = 4000;
    let h = (t1 - t0) / f64::from(panels);
    let mut sum = 0.0;
    for p in 0..panels {
        let a = t0 + f64::from(p) * h;
        for (x, w) in nodes {
            let t = a + 0.5 * h * (x + 1.0);
            let temp = temp0 + (temp1 - temp0) * (t - t0) / (t1 - t0);
            let f = (-q / (GAS_CONSTANT * temp)).exp();
            sum += w * 0.5 * h * if over_t { f / temp } else { f };
        }
    }
    sum
}

#[test]
fn theta_isothermal_closed_form() {
    // Θ = t·exp(−Q/RT)/T for an isothermal hold (Su & Johnson 1996).
    let (temp, t, q) = (1333.15, 4.0 * 3600.0, 500e3);
    let p = TemperatureProgramme::starting_at(temp)
        .unwrap()
        .hold(t)
        .unwrap();
    let exact = t * (-q / (GAS_CONSTANT * temp)).exp() / temp;
    assert_relative_eq!(p.work_of_sintering(q), exact, max_relative = 1e-13);
    // Plain Arrhenius integral likewise.
    let exact_plain = t * (-q / (GAS_CONSTANT * temp)).exp();
    assert_relative_eq!(
        p.arrhenius_integral(q, ArrheniusKind::Plain, 0.0),
        exact_plain,
        max_relative = 1e-13
    );
}

#[test]
fn theta_constant_ramp_matches_reference_quadrature() {
    // Heating 300 K → 1373 K at 10 K/min; closed form via E1 vs an independent quadrature.
    for &q in &[100e3, 300e3, 500e3, 800e3] {
        for &(a, b, rate) in &[(300.0, 1373.15, 10.0 / 60.0), (1373.15, 600.0, 5.0 / 60.0)] {
            let p = TemperatureProgramme::starting_at(a)
                .unwrap()
                .ramp_to(b, rate)
                .unwrap();
            let dur = p.duration();
            for over_t in [true, false] {
                let kind = if over_t {
                    ArrheniusKind::OverT
                } else {
                    ArrheniusKind::Plain
                };
                let lib = p.arrhenius_integral(q, kind, 0.0);
                let reference = reference_integral(q, 0.0, a, dur, b, over_t);
                assert_relative_eq!(lib, reference, max_relative = 1e-10);
            }
        }
    }
}

#[test]
fn theta_small_ramp_equals_midpoint_hold() {
    // A ramp over 1 K equals the midpoint isothermal value to O(ΔT²) (exercises the
    // nearly-isothermal branch of the closed form).
    let q = 400e3;
    let p = TemperatureProgramme::starting_at(1300.0)
        .unwrap()
        .ramp_to(1301.0, 1.0 / 60.0)
        .unwrap();
    let mid = 1300.5_f64;
    let approx_mid = 60.0 * (-q / (GAS_CONSTANT * mid)).exp() / mid;
    assert_relative_eq!(p.work_of_sintering(q), approx_mid, max_relative = 1e-5);
}

#[test]
fn threshold_clips_exactly() {
    // Integral above a threshold equals the integral of the programme that starts there.
    let q = 500e3;
    let thr = ZERO_CELSIUS + 655.0;
    let p = TemperatureProgramme::starting_at(300.0)
        .unwrap()
        .ramp_to(1333.15, 0.2)
        .unwrap();
    let q_part = TemperatureProgramme::starting_at(thr)
        .unwrap()
        .ramp_to(1333.15, 0.2)
        .unwrap();
    assert_relative_eq!(
        p.arrhenius_integral(q, ArrheniusKind::OverT, thr),
        q_part.work_of_sintering(q),
        max_relative = 1e-12
    );
}

fn cycle(temp_c: f64, hold_h: f64) -> TemperatureProgramme {
    TemperatureProgramme::starting_at(300.0)
        .unwrap()
        .ramp_to(ZERO_CELSIUS + temp_c, 10.0 / 60.0)
        .unwrap()
        .hold(hold_h * 3600.0)
        .unwrap()
}

#[test]
fn calibration_points_shang_2017() {
    // Defaults are fitted to Shang et al., AIP Adv. 7 (2017) 056215 (1010 → 1030 °C raised
    // density 6.85 → 7.52 g/cm³): ≈ 0.91 and ≈ 0.985 of full density after 2 h.
    let m = DensificationModel::default();
    let r1 = m
        .densify(0.58, 0.05, &cycle(1010.0, 2.0))
        .unwrap()
        .relative_density;
    let r2 = m
        .densify(0.58, 0.05, &cycle(1030.0, 2.0))
        .unwrap()
        .relative_density;
    assert_relative_eq!(r1, 0.91, epsilon = 0.01);
    assert_relative_eq!(r2, 0.985, epsilon = 0.005);
    let conventional = m
        .densify(0.58, 0.05, &cycle(1060.0, 4.0))
        .unwrap()
        .relative_density;
    assert!(conventional > 0.99, "1060 °C × 4 h gives {conventional}");
}

#[test]
fn no_liquid_no_msc_densification() {
    let m = DensificationModel::default();
    let r = m.densify(0.58, 0.0, &cycle(1060.0, 4.0)).unwrap();
    assert_relative_eq!(r.relative_density, 0.58, epsilon = 1e-12);
}

#[test]
fn grain_growth_calibration_and_isothermal_law() {
    let g = GrainGrowth::default();
    let hold = TemperatureProgramme::starting_at(ZERO_CELSIUS + 1060.0)
        .unwrap()
        .hold(4.0 * 3600.0)
        .unwrap();
    let d = g.grow(3e-6, &hold).unwrap();
    assert_relative_eq!(d, 6e-6, max_relative = 0.02);
    // Isothermal law: d³ − d0³ ∝ t.
    let hold2 = TemperatureProgramme::starting_at(ZERO_CELSIUS + 1060.0)
        .unwrap()
        .hold(8.0 * 3600.0)
        .unwrap();
    let d2 = g.grow(3e-6, &hold2).unwrap();
    assert_relative_eq!(
        d2.powi(3) - 27e-18,
        2.0 * (d.powi(3) - 27e-18),
        max_relative = 1e-10
    );
}

proptest! {
    #[test]
    fn hotter_is_denser_and_coarser(t_c in 950.0..1100.0f64, dt in 1.0..40.0f64, hold_h in 0.25..6.0f64, f_l in 0.01..0.12f64) {
        let m = DensificationModel::default();
        let g = GrainGrowth::default();
        let lo = cycle(t_c, hold_h);
        let hi = cycle(t_c + dt, hold_h);
        let r_lo = m.densify(0.58, f_l, &lo).unwrap();
        let r_hi = m.densify(0.58, f_l, &hi).unwrap();
        prop_assert!(r_hi.theta > r_lo.theta);
        prop_assert!(r_hi.relative_density >= r_lo.relative_density);
        prop_assert!(g.grow(3e-6, &hi).unwrap() > g.grow(3e-6, &lo).unwrap());
    }

    #[test]
    fn density_bounded_and_monotone_in_time(t_c in 900.0..1120.0f64, hold_h in 0.0..8.0f64, green in 0.4..0.7f64, f_l in 0.0..0.2f64) {
        let m = DensificationModel::default();
        let p = cycle(t_c, hold_h);
        let traj = m.trajectory(green, f_l, &p, 16).unwrap();
        let mut last = 0.0;
        for (_, _, rho) in traj {
            prop_assert!(rho >= green - 1e-12 && rho <= m.max_relative_density + 1e-12);
            prop_assert!(rho >= last - 1e-12);
            last = rho;
        }
    }

    #[test]
    fn theta_additive_over_programme_pieces(t_c in 900.0..1150.0f64, hold_h in 0.1..5.0f64, q in 50e3..900e3f64) {
        // Θ(whole) = Θ(ramp) + Θ(hold) (closed forms per segment add exactly).
        let ramp = TemperatureProgramme::starting_at(300.0).unwrap().ramp_to(ZERO_CELSIUS + t_c, 0.1).unwrap();
        let hold = TemperatureProgramme::starting_at(ZERO_CELSIUS + t_c).unwrap().hold(hold_h * 3600.0).unwrap();
        let whole = ramp.clone().then(&hold).unwrap();
        let sum = ramp.work_of_sintering(q) + hold.work_of_sintering(q);
        prop_assert!((whole.work_of_sintering(q) - sum).abs() <= 1e-12 * sum);
    }

    #[test]
    fn shrinkage_conserves_volume(green in 0.3..0.8f64, gain in 0.0..0.4f64, k in 0.5..3.0f64) {
        let fin = (green + gain).min(1.0);
        let s = anisotropic_shrinkage(green, fin, k).unwrap();
        let r = (1.0 - s.parallel) * (1.0 - s.perpendicular).powi(2);
        prop_assert!((r - green / fin).abs() < 1e-12);
    }
}

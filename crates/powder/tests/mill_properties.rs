//! Property tests of the PBM and the jet mill: mass conserved, PSD non-negative and normalised,
//! a finer classifier cut gives a finer product and a lower throughput.

use proptest::prelude::*;
use repm_material::units::Length;
use repm_powder::jet_mill::{GradeEfficiency, GridConfig, JetMill, JetMillConfig};
use repm_powder::pbm::{BreakageFunction, BreakageOperator, SelectionFunction};
use repm_powder::psd::{Psd, SizeGrid};

fn breakage() -> impl Strategy<Value = BreakageFunction> {
    prop_oneof![
        Just(BreakageFunction::UniformBinary),
        (0.0..1.0f64, 0.5..4.0f64, 2.0..8.0f64)
            .prop_map(|(phi, gamma, beta)| BreakageFunction::Austin { phi, gamma, beta }),
    ]
}

fn selection() -> impl Strategy<Value = SelectionFunction> {
    (1e-3..10.0f64, 0.5..3.5f64, 1e-4..3e-3f64, 0.0..3.0f64).prop_map(|(a, alpha, mu, lambda)| {
        SelectionFunction::Austin {
            a,
            alpha,
            d_ref: 100e-6,
            mu,
            lambda,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn batch_pbm_conserves_mass_and_stays_non_negative(
        sel in selection(),
        brk in breakage(),
        t in 0.0..500.0f64,
        x_prime in 20e-6..500e-6f64,
    ) {
        let grid = SizeGrid::geometric(0.5e-6, 2e-3, 30).unwrap();
        let op = BreakageOperator::new(&grid, &sel, &brk).unwrap();
        let feed = Psd::rrsb(grid.clone(), x_prime, 1.2).unwrap();
        let (m, status) = op.batch(feed.fractions(), t).unwrap();
        prop_assert!(status.ok, "{:?}", status);
        prop_assert!(m.iter().all(|x| *x >= 0.0));
        let total: f64 = m.iter().sum();
        prop_assert!((total - 1.0).abs() < 1e-10, "mass {}", total);
        // breakage never coarsens: the cumulative undersize at every edge can only grow
        let out = Psd::from_masses(grid.clone(), &m).unwrap();
        for d in grid.edges() {
            prop_assert!(out.cumulative_undersize(d) >= feed.cumulative_undersize(d) - 1e-9);
        }
    }

    #[test]
    fn mill_steady_state_psds_are_normalised_and_mass_closes(
        cut in 2e-6..10e-6f64,
        sharp in 2.0..10.0f64,
        x_prime in 50e-6..400e-6f64,
    ) {
        let mill = JetMill::new(JetMillConfig {
            grid: GridConfig { classes: 50, ..GridConfig::default() },
            classifier: GradeEfficiency { cut_size: Length::from_si(cut), sharpness: sharp },
            ..JetMillConfig::default()
        }).unwrap();
        let feed = Psd::rrsb(mill.grid().clone(), x_prime, 1.3).unwrap();
        let s = mill.steady_state(&feed).unwrap();
        for p in [&s.product_psd, &s.fines_psd, &s.bed_psd] {
            prop_assert!(p.fractions().iter().all(|x| *x >= 0.0));
            prop_assert!((p.fractions().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        prop_assert!(((s.product_rate + s.fines_rate) / s.feed_rate - 1.0).abs() < 1e-9);
    }

    #[test]
    fn finer_cut_gives_finer_product_and_lower_throughput(
        cut in 2e-6..10e-6f64,
        ratio in 1.05..2.0f64,
        sharp in 2.0..10.0f64,
        x_prime in 50e-6..400e-6f64,
    ) {
        let run = |c: f64| {
            let mill = JetMill::new(JetMillConfig {
                grid: GridConfig { classes: 50, ..GridConfig::default() },
                classifier: GradeEfficiency { cut_size: Length::from_si(c), sharpness: sharp },
                ..JetMillConfig::default()
            }).unwrap();
            let feed = Psd::rrsb(mill.grid().clone(), x_prime, 1.3).unwrap();
            mill.steady_state(&feed).unwrap()
        };
        let coarse = run(cut * ratio);
        let fine = run(cut);
        prop_assert!(fine.product_psd.d50() < coarse.product_psd.d50());
        prop_assert!(fine.product_psd.sauter_mean() < coarse.product_psd.sauter_mean());
        prop_assert!(fine.feed_rate < coarse.feed_rate);
        prop_assert!(fine.specific_energy > coarse.specific_energy);
    }
}

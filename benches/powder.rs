//! Criterion benchmarks of repm-powder: the population-balance solve with 100 size classes
//! (operator assembly, exact propagator, one batch solve), the jet-mill steady state, and one
//! transient mill step (augmented 201 × 201 exponential).
//!
//! Run: `cargo bench --bench powder -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use repm_powder::jet_mill::{GridConfig, JetMill, JetMillConfig};
use repm_powder::pbm::{BreakageFunction, BreakageOperator, SelectionFunction};
use repm_powder::psd::{Psd, SizeGrid};

fn bench_pbm(c: &mut Criterion) {
    let grid = SizeGrid::geometric(0.2e-6, 2e-3, 100).unwrap();
    let sel = SelectionFunction::Austin {
        a: 40.0,
        alpha: 3.0,
        d_ref: 100e-6,
        mu: 1e-3,
        lambda: 2.0,
    };
    let brk = BreakageFunction::Austin {
        phi: 0.3,
        gamma: 2.0,
        beta: 5.0,
    };
    let feed = Psd::rrsb(grid.clone(), 150e-6, 1.3).unwrap();
    let op = BreakageOperator::new(&grid, &sel, &brk).unwrap();

    c.bench_function("pbm_assemble_100", |b| {
        b.iter(|| BreakageOperator::new(black_box(&grid), &sel, &brk).unwrap())
    });
    c.bench_function("pbm_batch_solve_100", |b| {
        b.iter(|| {
            op.batch(black_box(feed.fractions()), black_box(60.0))
                .unwrap()
        })
    });
    let prop = op.propagator(60.0).unwrap();
    c.bench_function("pbm_apply_propagator_100", |b| {
        b.iter(|| prop.apply(black_box(feed.fractions())))
    });

    let mill = JetMill::new(JetMillConfig::default()).unwrap();
    c.bench_function("jet_mill_steady_state_100", |b| {
        b.iter(|| mill.steady_state(black_box(&feed)).unwrap())
    });
    let mill40 = JetMill::new(JetMillConfig {
        grid: GridConfig {
            classes: 40,
            ..GridConfig::default()
        },
        ..JetMillConfig::default()
    })
    .unwrap();
    let feed40 = Psd::rrsb(mill40.grid().clone(), 150e-6, 1.3).unwrap();
    c.bench_function("jet_mill_transient_step_40", |b| {
        b.iter(|| {
            let mut bed = mill40.empty_bed();
            mill40
                .advance(&mut bed, 0.04, black_box(&feed40), 60.0)
                .unwrap()
        })
    });
    c.bench_function("jet_mill_transient_step_100", |b| {
        b.iter(|| {
            let mut bed = mill.empty_bed();
            mill.advance(&mut bed, 0.04, black_box(&feed), 60.0)
                .unwrap()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench_pbm
}
criterion_main!(benches);

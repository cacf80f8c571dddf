//! Criterion benchmarks of repm-powder (placeholder until the PBM solver lands).
use criterion::{Criterion, criterion_group, criterion_main};

fn bench_placeholder(c: &mut Criterion) {
    c.bench_function("powder_placeholder", |b| b.iter(|| std::hint::black_box(1.0_f64).sqrt()));
}

criterion_group!(benches, bench_placeholder);
criterion_main!(benches);

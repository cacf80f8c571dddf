//! Criterion benchmarks of the `repm-des` event core.
//!
//! * `hold/N`: the classic hold model — N processes (one model each, own ChaCha8 stream), each
//!   rescheduling itself after an Exp(1) s delay — for N = 10, 1 000 and 100 000. One iteration
//!   delivers `HOLD_BATCH` events on a warmed-up simulation; throughput is in events.
//! * `bare_heap/N`: the same workload on a bare `BinaryHeap` (no models), the floor.
//!
//! Run: `cargo bench --bench des -- --warm-up-time 1 --measurement-time 3`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;
use rand_distr::Exp1;
use repm_des::{Context, Event, Model, Result, Simulation};

/// Events delivered per benchmark iteration.
const HOLD_BATCH: u64 = 100_000;

/// One hold process.
struct Hold;

impl Model<()> for Hold {
    fn init(&mut self, ctx: &mut Context<'_, ()>) -> Result<()> {
        let d: f64 = ctx.rng().sample(Exp1);
        ctx.schedule_in_nanos((d * 1e9) as u64, 0).map(|_| ())
    }
    #[inline]
    fn handle(&mut self, ctx: &mut Context<'_, ()>, _ev: Event<()>) -> Result<()> {
        let d: f64 = ctx.rng().sample(Exp1);
        ctx.schedule_in_nanos((d * 1e9) as u64, 0).map(|_| ())
    }
}

fn hold(c: &mut Criterion) {
    let mut g = c.benchmark_group("hold");
    g.throughput(Throughput::Elements(HOLD_BATCH));
    for n in [10usize, 1_000, 100_000] {
        let mut sim = Simulation::<()>::new(1, 0);
        for i in 0..n {
            sim.add_model(format!("p{i}"), Hold).expect("unique names");
        }
        // Warm up: every process has fired a few times.
        sim.run_events(5 * n as u64).expect("hold never fails");
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| sim.run_events(black_box(HOLD_BATCH)).expect("hold never fails"));
        });

        let mut rng = repm_des::rng::stream(1, 0, "bare");
        let mut heap = BinaryHeap::with_capacity(n);
        let mut seq = 0u64;
        for _ in 0..n {
            let d: f64 = rng.sample(Exp1);
            heap.push(Reverse(((d * 1e9) as u64, seq)));
            seq += 1;
        }
        g.bench_with_input(BenchmarkId::new("bare_heap", n), &n, |b, _| {
            b.iter(|| {
                for _ in 0..HOLD_BATCH {
                    let Reverse((t, _)) = heap.pop().expect("never empty");
                    let d: f64 = rng.sample(Exp1);
                    heap.push(Reverse((t + (d * 1e9) as u64, seq)));
                    seq += 1;
                }
                black_box(heap.peek().copied())
            });
        });
    }
    g.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);

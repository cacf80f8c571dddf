//! Criterion benchmarks of the `repm-des` event core.
//!
//! * `hold/N`: the classic hold model — N processes (one model each, own ChaCha8 stream), each
//!   rescheduling itself after an Exp(1) s delay — for N = 10, 1 000 and 100 000. One iteration
//!   delivers `HOLD_BATCH` events on a warmed-up simulation; throughput is in events.
//! * `hold/one_model/N`: the same N processes as N timers of *one* model sharing one stream:
//!   isolates the queue's scaling from the per-model state (stream, box) that `hold/N` touches
//!   at random for large N.
//! * `bare_heap/N`: the same workload on a bare `BinaryHeap` (no models, one stream), the floor.
//! * `mm1/resource`: M/M/1 at ρ = 0.9 built on the `Resource` building block (queue, busy and
//!   queue-length time averages, waiting/sojourn tallies); one iteration serves `MM1_BATCH`
//!   customers on a warmed-up simulation; throughput is in customers.
//!
//! Run: `cargo bench --bench des -- --warm-up-time 1 --measurement-time 3`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;
use rand_distr::Exp1;
use repm_des::{Context, Event, Model, Result, SimTime, Simulation};
use repm_examples::workloads::{Hold, Mm1Resource};

/// Events delivered per benchmark iteration.
const HOLD_BATCH: u64 = 100_000;

/// N hold processes as N timers of one model (tag = process index).
struct HoldMany(u64);

impl Model<()> for HoldMany {
    fn init(&mut self, ctx: &mut Context<'_, ()>) -> Result<()> {
        for tag in 0..self.0 {
            let d: f64 = ctx.rng().sample(Exp1);
            ctx.schedule_in_nanos((d * 1e9) as u64, tag)?;
        }
        Ok(())
    }
    #[inline]
    fn handle(&mut self, ctx: &mut Context<'_, ()>, ev: Event<()>) -> Result<()> {
        let Event::Timer { tag } = ev else {
            return Ok(());
        };
        let d: f64 = ctx.rng().sample(Exp1);
        ctx.schedule_in_nanos((d * 1e9) as u64, tag).map(|_| ())
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
            b.iter(|| {
                sim.run_events(black_box(HOLD_BATCH))
                    .expect("hold never fails")
            });
        });

        let mut one = Simulation::<()>::new(1, 0);
        one.add_model("hold", HoldMany(n as u64))
            .expect("one model");
        one.run_events(5 * n as u64).expect("hold never fails");
        g.bench_with_input(BenchmarkId::new("one_model", n), &n, |b, _| {
            b.iter(|| {
                one.run_events(black_box(HOLD_BATCH))
                    .expect("hold never fails")
            });
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

/// Customers served per M/M/1 benchmark iteration.
const MM1_BATCH: u64 = 100_000;

fn mm1(c: &mut Criterion) {
    let mut g = c.benchmark_group("mm1");
    g.throughput(Throughput::Elements(MM1_BATCH));
    let mut sim = Simulation::<()>::new(1, 0);
    let model = Mm1Resource::new(0.9, 1.0, MM1_BATCH).expect("capacity 1");
    let id = sim.add_model("mm1", model).expect("one model");
    // Warm up: one batch, so the queue has its steady-state shape.
    sim.run_until(SimTime::MAX).expect("mm1 never fails");
    g.bench_function("resource", |b| {
        b.iter(|| {
            let now = sim.now();
            sim.model_mut::<Mm1Resource>(id)
                .expect("mm1")
                .server
                .reset_stats(now)
                .expect("monotone");
            sim.run_until(SimTime::MAX).expect("mm1 never fails");
            black_box(sim.now())
        });
    });
    g.finish();
}

criterion_group!(benches, hold, mm1);
criterion_main!(benches);

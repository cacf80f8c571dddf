//! Replication runner determinism: the records (and so every summary) are bit-identical whether
//! the replications run on one thread or two, and depend on the seed. The model is an M/M/1
//! built from a [`Resource`] whose outputs go through the [`Statistics`] registry, whose
//! `summary` is the replication record.

use std::collections::BTreeMap;

use repm_des::failure::Distribution;
use repm_des::replication::{ReplicationRunner, Replications, paired_difference};
use repm_des::resource::{Admission, Discipline, Resource, ServiceToken};
use repm_des::rng::{ChaCha8Rng, stream};
use repm_des::stats::{Histogram, Statistics};
use repm_des::{Context, DesError, Event, Model, SimTime, Simulation};

const ARRIVE: u64 = 0;
const DEPART: u64 = 1;

struct Mm1 {
    server: Resource<SimTime>,
    inter: Distribution,
    service: Distribution,
    arrivals: ChaCha8Rng,
    services: ChaCha8Rng,
    in_service: Option<ServiceToken>,
    stats: Statistics,
}

impl Mm1 {
    fn new(seed: u64, rep: u64, service_mean: f64) -> Result<Self, DesError> {
        let mut stats = Statistics::new();
        stats.add_histogram("sojourn", Histogram::new(0.0, 50.0, 500)?);
        Ok(Self {
            server: Resource::new("server", 1, Discipline::Fifo, SimTime::ZERO)?,
            inter: Distribution::exponential(1.25)?,
            service: Distribution::exponential(service_mean)?,
            arrivals: stream(seed, rep, "arrivals"),
            services: stream(seed, rep, "services"),
            in_service: None,
            stats,
        })
    }

    fn begin(&mut self, ctx: &mut Context<'_, ()>, t: ServiceToken) -> Result<(), DesError> {
        self.in_service = Some(t);
        ctx.schedule_in_nanos(self.service.sample_nanos(&mut self.services), DEPART)?;
        Ok(())
    }
}

impl Model<()> for Mm1 {
    fn init(&mut self, ctx: &mut Context<'_, ()>) -> repm_des::Result<()> {
        ctx.schedule_in_nanos(self.inter.sample_nanos(&mut self.arrivals), ARRIVE)?;
        Ok(())
    }

    fn handle(&mut self, ctx: &mut Context<'_, ()>, ev: Event<()>) -> repm_des::Result<()> {
        let now = ctx.now();
        match ev {
            Event::Timer { tag: ARRIVE } => {
                self.stats.count("arrivals", now, 1);
                if let Admission::Started(t) = self.server.request(now, now)? {
                    self.begin(ctx, t)?;
                }
                ctx.schedule_in_nanos(self.inter.sample_nanos(&mut self.arrivals), ARRIVE)?;
            }
            Event::Timer { tag: DEPART } => {
                let t = self
                    .in_service
                    .take()
                    .ok_or_else(|| DesError::model("no job"))?;
                let done = self.server.release(now, t)?;
                let w = now.secs_since(done.job);
                self.stats.record("sojourn_tally", w);
                self.stats.observe("sojourn", w)?;
                if let Some(next) = done.next {
                    self.begin(ctx, next)?;
                }
            }
            _ => {}
        }
        self.stats
            .set_level("in_system", now, self.server.in_system() as f64)?;
        Ok(())
    }
}

fn experiment(seed: u64, service_mean: f64) -> Replications<BTreeMap<String, f64>> {
    ReplicationRunner::new(24, seed)
        .unwrap()
        .run(|rep| -> Result<_, DesError> {
            let mut sim = Simulation::<()>::new(rep.seed, rep.index);
            let id = sim.add_model("mm1", Mm1::new(rep.seed, rep.index, service_mean)?)?;
            let warm = SimTime::from_secs(500)?;
            sim.run_until(warm)?;
            sim.model_mut::<Mm1>(id)?.stats.reset(warm)?;
            let end = SimTime::from_secs(5_500)?;
            sim.run_until(end)?;
            Ok(sim.model::<Mm1>(id)?.stats.summary(end))
        })
        .unwrap()
}

fn bits(r: &Replications<BTreeMap<String, f64>>) -> Vec<Vec<(String, u64)>> {
    r.records
        .iter()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.to_bits())).collect())
        .collect()
}

#[test]
fn one_thread_and_two_threads_are_bit_identical() {
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let one = pool(1).install(|| experiment(11, 1.0));
    let two = pool(2).install(|| experiment(11, 1.0));
    assert_eq!(bits(&one), bits(&two));
    let (s1, s2) = (one.summary().unwrap(), two.summary().unwrap());
    for (k, ci) in &s1 {
        assert_eq!(ci.mean.to_bits(), s2[k].mean.to_bits(), "{k}");
        assert_eq!(ci.half_width.to_bits(), s2[k].half_width.to_bits(), "{k}");
    }
    // The record has the registry's keys, and replications differ from one another.
    let keys: Vec<&str> = one.records[0].keys().map(String::as_str).collect();
    for k in [
        "arrivals.count",
        "arrivals.rate",
        "in_system.time_avg",
        "sojourn.p90",
        "sojourn_tally.mean",
    ] {
        assert!(keys.contains(&k), "missing {k} in {keys:?}");
    }
    assert_ne!(
        one.records[0]["sojourn_tally.mean"].to_bits(),
        one.records[1]["sojourn_tally.mean"].to_bits()
    );
    // Another seed gives other numbers.
    let other = pool(2).install(|| experiment(12, 1.0));
    assert_ne!(bits(&one), bits(&other));
    // Histogram median of an M/M/1 sojourn (Exp(μ − λ) = Exp(0.2 s⁻¹)): ln 2 / 0.2 ≈ 3.47 s.
    let med = one.summary().unwrap()["sojourn.p50"];
    assert!(
        (med.mean - 2.0_f64.ln() / 0.2).abs() < (3.0 * med.half_width).max(0.1),
        "median {med}"
    );
}

/// Common random numbers: a faster server (mean service 0.9 s instead of 1 s) compared with
/// the same seeds. The paired interval of the sojourn difference is much narrower than the
/// interval of either scenario, and the improvement is detected (the interval excludes 0).
/// Exact: W = 1/(μ − λ): 5 s vs 1/(1/0.9 − 0.8) = 3.214 s, difference 1.786 s.
#[test]
fn common_random_numbers_paired_difference() {
    let base = experiment(21, 1.0);
    let fast = experiment(21, 0.9);
    let a: Vec<f64> = base
        .records
        .iter()
        .map(|r| r["sojourn_tally.mean"])
        .collect();
    let b: Vec<f64> = fast
        .records
        .iter()
        .map(|r| r["sojourn_tally.mean"])
        .collect();
    let d = paired_difference(&a, &b, 0.95).unwrap();
    let ia = base.interval(|r| r["sojourn_tally.mean"]).unwrap();
    println!("base {ia}, paired difference {d}");
    assert!(d.lower() > 0.0, "improvement not detected: {d}");
    assert!(
        d.half_width < 0.8 * ia.half_width,
        "CRN gave no variance reduction: {d} vs {ia}"
    );
    let exact = 5.0 - 1.0 / (1.0 / 0.9 - 0.8);
    assert!(
        (d.mean - exact).abs() <= (3.0 * d.half_width).max(0.005 * exact),
        "{d} vs {exact}"
    );
}

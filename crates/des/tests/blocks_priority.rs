//! Priority queueing on the [`Resource`] block against exact results, 20 replications each.
//!
//! Two Poisson classes (class 1 urgent: λ₁ = 0.3 s⁻¹; class 2: λ₂ = 0.4 s⁻¹), one server with
//! exponential service of rate μ = 1 s⁻¹ for both (ρ = 0.7). With σ₀ = 0, σ₁ = ρ₁, σ₂ = ρ and
//! W₀ = Σ λᵢ E[Sᵢ²]/2 = ρ/μ:
//!
//! * non-preemptive priority (Cobham 1954, doi:10.1287/opre.2.1.70; Gross et al. 2008 §3.4.1):
//!   `Wq,k = W₀ / ((1 − σₖ₋₁)(1 − σₖ))`;
//! * preemptive-resume priority (Harchol-Balter, *Performance Modeling and Design of Computer
//!   Systems*, 2013, §32.3; Gross et al. 2008 §3.4.2): class-k sojourn
//!   `Tₖ = (1/μ)/(1 − σₖ₋₁) + (Σᵢ≤ₖ λᵢ E[Sᵢ²]/2) / ((1 − σₖ₋₁)(1 − σₖ))`; class 1 then sees an
//!   M/M/1 of its own, `T₁ = 1/(μ − λ₁)`.
//!
//! Each estimate must lie within `max(3 CI half-widths, 0.5 %)` of the exact value. The
//! preemptive model cancels the victim's completion event and requeues it with its remaining
//! work (resume), which also exercises cancellation, stale tokens and `requeue`.

use repm_des::failure::Distribution;
use repm_des::replication::{ConfidenceInterval, ReplicationRunner};
use repm_des::resource::{Admission, Discipline, Resource, ServiceToken};
use repm_des::rng::{ChaCha8Rng, stream};
use repm_des::stats::Tally;
use repm_des::{Context, DesError, Event, EventHandle, Model, Priority, SimTime, Simulation};

const LAMBDA: [f64; 2] = [0.3, 0.4];
const MU: f64 = 1.0;

#[derive(Debug, Clone, Copy)]
struct Job {
    class: usize,
    arrived: SimTime,
    /// Work left [ns].
    remaining: u64,
    /// Completion event and its time while in service.
    completion: Option<(EventHandle, SimTime)>,
}

struct TwoClass {
    server: Resource<Job>,
    arrivals: [ChaCha8Rng; 2],
    service: ChaCha8Rng,
    in_service: Option<ServiceToken>,
    sojourn: [Tally; 2],
}

impl TwoClass {
    fn new(seed: u64, rep: u64, discipline: Discipline) -> Result<Self, DesError> {
        Ok(Self {
            server: Resource::new("server", 1, discipline, SimTime::ZERO)?,
            arrivals: [
                stream(seed, rep, "arrivals1"),
                stream(seed, rep, "arrivals2"),
            ],
            service: stream(seed, rep, "service"),
            in_service: None,
            sojourn: [Tally::new(), Tally::new()],
        })
    }

    fn next_arrival(&mut self, ctx: &mut Context<'_, ()>, class: usize) -> Result<(), DesError> {
        let d = Distribution::Exponential {
            mean: 1.0 / LAMBDA[class],
        }
        .sample_nanos(&mut self.arrivals[class]);
        ctx.schedule_in_nanos(d, class as u64)?;
        Ok(())
    }

    /// Service of `token` (re)starts now: schedule its completion after the remaining work.
    fn begin(&mut self, ctx: &mut Context<'_, ()>, token: ServiceToken) -> Result<(), DesError> {
        let now = ctx.now();
        let job = self
            .server
            .job_mut(token)
            .ok_or_else(|| DesError::model("stale token"))?;
        let end = now.checked_add_nanos(job.remaining)?;
        let handle = ctx.schedule_at(end, Priority::default(), 2)?;
        job.completion = Some((handle, end));
        self.in_service = Some(token);
        Ok(())
    }
}

impl Model<()> for TwoClass {
    fn init(&mut self, ctx: &mut Context<'_, ()>) -> repm_des::Result<()> {
        self.next_arrival(ctx, 0)?;
        self.next_arrival(ctx, 1)
    }

    fn handle(&mut self, ctx: &mut Context<'_, ()>, ev: Event<()>) -> repm_des::Result<()> {
        let Event::Timer { tag } = ev else {
            return Ok(());
        };
        let now = ctx.now();
        if tag < 2 {
            let class = tag as usize;
            let work = Distribution::Exponential { mean: 1.0 / MU }.sample_nanos(&mut self.service);
            let job = Job {
                class,
                arrived: now,
                remaining: work,
                completion: None,
            };
            // Class 1 (index 0) has the higher priority.
            let priority = if class == 0 { 1 } else { 0 };
            match self.server.request_with_priority(now, job, priority)? {
                Admission::Started(token) => {
                    self.begin(ctx, token)?;
                }
                Admission::Queued => {}
                Admission::Preempted { token, mut victim } => {
                    // Resume: cancel the victim's completion, keep its remaining work.
                    if let Some((h, end)) = victim.job.completion.take() {
                        ctx.cancel(h)?;
                        victim.job.remaining = end.as_nanos() - now.as_nanos();
                    }
                    self.begin(ctx, token)?;
                    let again = self.server.requeue(now, victim)?;
                    assert!(matches!(again, Admission::Queued));
                }
            }
            self.next_arrival(ctx, class)?;
        } else {
            let token = self
                .in_service
                .take()
                .ok_or_else(|| DesError::model("no job in service"))?;
            let done = self.server.release(now, token)?;
            self.sojourn[done.job.class].record(now.secs_since(done.job.arrived));
            if let Some(next) = done.next {
                self.begin(ctx, next)?;
            }
        }
        Ok(())
    }
}

fn run(discipline: Discipline, seed: u64) -> [ConfidenceInterval; 2] {
    let (warm, end) = (
        SimTime::from_secs(1_000).unwrap(),
        SimTime::from_secs(41_000).unwrap(),
    );
    let reps = ReplicationRunner::new(20, seed)
        .unwrap()
        .run(|rep| -> Result<[f64; 2], DesError> {
            let mut sim = Simulation::<()>::new(rep.seed, rep.index);
            let id = sim.add_model("server", TwoClass::new(rep.seed, rep.index, discipline)?)?;
            sim.run_until(warm)?;
            let present_at_reset = {
                let m = sim.model_mut::<TwoClass>(id)?;
                m.server.reset_stats(warm)?;
                m.sojourn.iter_mut().for_each(Tally::reset);
                m.server.in_system() as u64
            };
            sim.run_until(end)?;
            let m = sim.model::<TwoClass>(id)?;
            // Flow conservation on the resource over the window (preemptions and requeues
            // neither create nor lose jobs).
            assert_eq!(
                present_at_reset + m.server.arrivals(),
                m.server.completions() + m.server.in_system() as u64
            );
            Ok([m.sojourn[0].mean().unwrap(), m.sojourn[1].mean().unwrap()])
        })
        .unwrap();
    [
        reps.interval(|r| r[0]).unwrap(),
        reps.interval(|r| r[1]).unwrap(),
    ]
}

fn check(name: &str, ci: &ConfidenceInterval, exact: f64) {
    let tol = (3.0 * ci.half_width).max(0.005 * exact);
    println!("{name}: {ci} (exact {exact:.4}, tol {tol:.4})");
    assert!(
        (ci.mean - exact).abs() <= tol,
        "{name}: {ci} vs exact {exact}"
    );
}

#[test]
fn non_preemptive_priority_cobham() {
    let (r1, r) = (LAMBDA[0] / MU, (LAMBDA[0] + LAMBDA[1]) / MU);
    let w0 = r / MU;
    let t1 = w0 / (1.0 - r1) + 1.0 / MU;
    let t2 = w0 / ((1.0 - r1) * (1.0 - r)) + 1.0 / MU;
    let [c1, c2] = run(Discipline::Priority, 601);
    check("class 1 sojourn (non-preemptive)", &c1, t1);
    check("class 2 sojourn (non-preemptive)", &c2, t2);
}

#[test]
fn preemptive_resume_priority() {
    let (r1, r) = (LAMBDA[0] / MU, (LAMBDA[0] + LAMBDA[1]) / MU);
    let t1 = 1.0 / (MU - LAMBDA[0]);
    let t2 = (1.0 / MU) / (1.0 - r1) + (r / MU) / ((1.0 - r1) * (1.0 - r));
    let [c1, c2] = run(Discipline::PreemptivePriority, 602);
    check("class 1 sojourn (preemptive-resume)", &c1, t1);
    check("class 2 sojourn (preemptive-resume)", &c2, t2);
    // Preemption matters: class 1 does better than without it, class 2 worse.
    let [n1, n2] = run(Discipline::Priority, 602);
    assert!(c1.upper() < n1.lower() && c2.lower() > n2.upper());
}

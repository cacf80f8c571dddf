//! The event-core workloads shared by `benches/des.rs` and `examples/des_throughput.rs`, so
//! the criterion bench and the JSON-printing example measure the same models.

use rand::Rng;
use rand_distr::Exp1;
use repm_des::resource::{Admission, Discipline, Resource, ServiceToken};
use repm_des::{Context, DesError, Event, Model, Result, SimTime};

/// One process of the classic hold model: on each event it reschedules itself after an Exp(1)
/// s delay drawn from its own stream.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hold;

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

/// M/M/1 built on the [`Resource`] building block (what a plant model would write): the
/// resource keeps the queue, the busy/queue time averages and the waiting/sojourn tallies; the
/// job payload is the arrival time. Timer tags: 0 = arrival, 1 = departure. The simulation
/// stops when the resource's completion count reaches `target`.
#[derive(Debug)]
pub struct Mm1Resource {
    /// The single server (FIFO).
    pub server: Resource<SimTime>,
    /// Mean interarrival time \[s\].
    pub arrival_mean: f64,
    /// Mean service time \[s\].
    pub service_mean: f64,
    in_service: Option<ServiceToken>,
    /// Stop after this many completions (counted since the last statistics reset).
    pub target: u64,
}

impl Mm1Resource {
    /// An empty M/M/1 with arrival rate `lambda` and service rate `mu` \[s⁻¹\].
    pub fn new(lambda: f64, mu: f64, target: u64) -> Result<Self> {
        Ok(Self {
            server: Resource::new("server", 1, Discipline::Fifo, SimTime::ZERO)?,
            arrival_mean: 1.0 / lambda,
            service_mean: 1.0 / mu,
            in_service: None,
            target,
        })
    }

    #[inline]
    fn begin(&mut self, ctx: &mut Context<'_, ()>, token: ServiceToken) -> Result<()> {
        self.in_service = Some(token);
        let s: f64 = self.service_mean * ctx.rng().sample::<f64, _>(Exp1);
        ctx.schedule_in_nanos((s * 1e9) as u64, 1).map(|_| ())
    }
}

impl Model<()> for Mm1Resource {
    fn init(&mut self, ctx: &mut Context<'_, ()>) -> Result<()> {
        let a: f64 = self.arrival_mean * ctx.rng().sample::<f64, _>(Exp1);
        ctx.schedule_in_nanos((a * 1e9) as u64, 0).map(|_| ())
    }
    fn handle(&mut self, ctx: &mut Context<'_, ()>, ev: Event<()>) -> Result<()> {
        let now = ctx.now();
        if let Event::Timer { tag: 0 } = ev {
            if let Admission::Started(token) = self.server.request(now, now)? {
                self.begin(ctx, token)?;
            }
            let a: f64 = self.arrival_mean * ctx.rng().sample::<f64, _>(Exp1);
            ctx.schedule_in_nanos((a * 1e9) as u64, 0)?;
        } else {
            let token = self
                .in_service
                .take()
                .ok_or_else(|| DesError::model("no job in service"))?;
            let done = self.server.release(now, token)?;
            if self.server.completions() >= self.target {
                ctx.stop();
            }
            if let Some(next) = done.next {
                self.begin(ctx, next)?;
            }
        }
        Ok(())
    }
}

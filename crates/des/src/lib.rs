//! # repm-des — the discrete-event core of repm
//!
//! Every repm process model (solvent-extraction cascades, reduction cells, furnaces, whole
//! plants) runs on this crate. It provides:
//!
//! * [`SimTime`] — simulated time in integer nanoseconds since the start (no `f64` event
//!   times); durations are [`std::time::Duration`]; validated `f64` conversions in [`time`].
//! * the event queue — total order (time, [`Priority`], insertion sequence), FIFO among equals,
//!   O(log n) schedule/pop, cancellation by [`EventHandle`] with lazy deletion and compaction;
//! * [`Model`] — a synchronous trait: a model reacts to an [`Event`] with `&mut self` and a
//!   [`Context`] (clock, own random stream, timers, messages to connected models, stop);
//! * [`Simulation`] — the model arena (addressed by [`ModelId`]), the port wiring, the clock
//!   and the run loop: build, [`run_until`](Simulation::run_until) a time or
//!   [a condition](Simulation::run_until_condition), inspect with
//!   [`model`](Simulation::model), continue;
//! * [`rng`] — one `ChaCha8Rng` stream per (seed, replication, name), common random numbers
//!   across scenarios;
//! * [`continuous`] — state events for models that integrate an ODE between events;
//! * [`checkpoint`] — save the whole simulation with serde, restore, continue bit-identically;
//! * building blocks every plant needs: [`resource`] (servers with FIFO/priority queueing and
//!   preemption), [`store`] (discrete buffers), [`container`] (continuous levels),
//!   [`calendar`] (shifts, weekends, shutdowns), [`failure`] (breakdowns and repairs);
//! * [`stats`] (tallies, time-weighted averages, counters, histograms, warm-up deletion) and
//!   [`replication`] (N replications in parallel, Student-t confidence intervals,
//!   bit-identical whatever the thread count).
//!
//! ## A two-model simulation
//!
//! A source emits a job every 2 s through its output port; a sink counts them.
//!
//! ```
//! use std::time::Duration;
//! use repm_des::{Context, Event, Model, OutPort, Port, Ports, Result, SimTime, Simulation};
//!
//! struct Source;
//! impl Model<u32> for Source {
//!     fn ports(&self) -> Ports {
//!         const OUT: &[Port] = &[Port::typed("out", "job")];
//!         Ports { inputs: &[], outputs: OUT }
//!     }
//!     fn init(&mut self, ctx: &mut Context<'_, u32>) -> Result<()> {
//!         ctx.schedule_in(Duration::from_secs(2), 0)?;
//!         Ok(())
//!     }
//!     fn handle(&mut self, ctx: &mut Context<'_, u32>, _ev: Event<u32>) -> Result<()> {
//!         ctx.send(OutPort(0), 7)?; // zero-delay message
//!         ctx.schedule_in(Duration::from_secs(2), 0)?; // next job
//!         Ok(())
//!     }
//! }
//!
//! #[derive(Default)]
//! struct Sink { received: u32, last: SimTime }
//! impl Model<u32> for Sink {
//!     fn ports(&self) -> Ports {
//!         const IN: &[Port] = &[Port::typed("in", "job")];
//!         Ports { inputs: IN, outputs: &[] }
//!     }
//!     fn handle(&mut self, ctx: &mut Context<'_, u32>, ev: Event<u32>) -> Result<()> {
//!         if let Event::Message { msg, .. } = ev {
//!             self.received += msg;
//!             self.last = ctx.now();
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let mut sim = Simulation::<u32>::new(/* seed */ 1, /* replication */ 0);
//! let src = sim.add_model("source", Source)?;
//! let sink = sim.add_model("sink", Sink::default())?;
//! sim.connect(src, "out", sink, "in")?;
//! sim.run_until(SimTime::from_secs(9)?)?;          // jobs at 2, 4, 6, 8 s
//! assert_eq!(sim.model::<Sink>(sink)?.received, 4 * 7);
//! sim.run_until(SimTime::from_secs(10)?)?;         // continue
//! assert_eq!(sim.model::<Sink>(sink)?.last, SimTime::from_secs(10)?);
//! # Ok::<(), repm_des::DesError>(())
//! ```
//!
//! ## Determinism and units contract
//!
//! A run is a pure function of (models, wiring, seed, replication): events at the same time
//! are delivered by priority, then in scheduling order; no `HashMap` iteration, no OS entropy,
//! no thread-local RNG. Times are integer nanoseconds; every public `f64` documents its unit
//! in brackets. Bad input (past times, unknown ids, misconnected ports, invalid `f64` times)
//! returns a [`DesError`], never panics.
//!
//! ## Message type and composability
//!
//! `Simulation<M>` is generic over the message type; process crates write
//! `impl<M: From<Lot> + TryInto<Lot> + 'static> Model<M> for Furnace`, so models from
//! different crates assemble into one plant simulation (see [`model`]).
//!
//! ## Statistics
//!
//! Models own their statistics (the [`stats`] types are `serde`), update them in `handle`
//! with `ctx.now()`, and are read after a run through [`Simulation::model`]; they are part of
//! the model's checkpoint snapshot.
//!
//! The science reference (ordering contract, time, RNG scheme, checkpoints, statistics) is
//! `docs/science/des.md` in the repository.

pub mod checkpoint;
pub mod continuous;
pub mod error;
pub mod model;
pub mod queue;
pub mod rng;
pub mod sim;
pub mod sink;
pub mod time;

// Statistics, replications and plant building blocks.
pub mod calendar;
pub mod container;
pub mod failure;
pub mod replication;
pub mod resource;
pub mod stats;
pub mod store;

pub use checkpoint::Checkpoint;
pub use error::{DesError, Result};
pub use model::{Event, InPort, Model, ModelId, OutPort, Port, Ports};
pub use queue::{EventHandle, Priority};
pub use rng::{ChaCha8Rng, Streams};
pub use sim::{Context, RunOutcome, Simulation};
pub use time::SimTime;

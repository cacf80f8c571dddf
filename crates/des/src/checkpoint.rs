//! Checkpoints: save the whole simulation state with serde, restore it, continue
//! bit-identically.
//!
//! A [`Checkpoint`] holds the clock, the event counters, the complete event queue (pending
//! events with their payloads, cancelled-but-not-yet-popped entries, the slot free list and
//! the sequence counter, so that outstanding [`EventHandle`](crate::EventHandle)s stay
//! valid), every model's random-stream state, its `init` flag and its own state as JSON
//! (from [`Model::snapshot`](crate::Model::snapshot)), plus the wiring for verification.
//!
//! Models are trait objects and cannot be deserialised on their own, so restoring is
//! *rebuild, then restore*: build the simulation from its configuration exactly as before
//! (same models, names, order and connections), then call [`Simulation::restore`]; each model
//! receives its JSON state through [`Model::restore`](crate::Model::restore). Statistics owned
//! by models travel inside their snapshots.
//!
//! ```
//! # use repm_des::{checkpoint, Context, Event, Model, Result, SimTime, Simulation};
//! # use std::time::Duration;
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Ticker { ticks: u64 }
//! impl Model<()> for Ticker {
//!     fn init(&mut self, ctx: &mut Context<'_, ()>) -> Result<()> {
//!         ctx.schedule_in(Duration::from_secs(1), 0).map(|_| ())
//!     }
//!     fn handle(&mut self, ctx: &mut Context<'_, ()>, _: Event<()>) -> Result<()> {
//!         self.ticks += 1;
//!         ctx.schedule_in(Duration::from_secs(1), 0).map(|_| ())
//!     }
//!     fn snapshot(&self) -> Result<serde_json::Value> { checkpoint::to_value(self) }
//!     fn restore(&mut self, v: serde_json::Value) -> Result<()> {
//!         *self = checkpoint::from_value(v)?;
//!         Ok(())
//!     }
//! }
//! let build = || -> Result<Simulation<()>> {
//!     let mut sim = Simulation::new(7, 0);
//!     sim.add_model("ticker", Ticker { ticks: 0 })?;
//!     Ok(sim)
//! };
//! let mut a = build()?;
//! a.run_until(SimTime::from_secs(5)?)?;
//! let json = serde_json::to_string(&a.checkpoint()?).unwrap();
//! let mut b = build()?;
//! b.restore(serde_json::from_str(&json).unwrap())?;
//! b.run_until(SimTime::from_secs(9)?)?;
//! let id = b.model_id("ticker").unwrap();
//! assert_eq!(b.model::<Ticker>(id)?.ticks, 9);
//! # Ok::<(), repm_des::DesError>(())
//! ```

use rand_chacha::ChaCha8Rng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{DesError, Result};
use crate::model::{Event, InPort};
use crate::queue::{EventQueue, QueueImage};
use crate::rng::Streams;
use crate::sim::{Simulation, attribute};
use crate::time::SimTime;

/// Version of the checkpoint layout; bumped on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

/// Serialise a model's state for [`Model::snapshot`](crate::Model::snapshot).
///
/// # Errors
/// [`DesError::Checkpoint`] if serde fails.
pub fn to_value<T: Serialize + ?Sized>(state: &T) -> Result<serde_json::Value> {
    serde_json::to_value(state).map_err(|e| DesError::Checkpoint {
        message: format!("snapshot: {e}"),
    })
}

/// Deserialise a model's state for [`Model::restore`](crate::Model::restore).
///
/// # Errors
/// [`DesError::Checkpoint`] if the JSON does not fit `T`.
pub fn from_value<T: DeserializeOwned>(state: serde_json::Value) -> Result<T> {
    serde_json::from_value(state).map_err(|e| DesError::Checkpoint {
        message: format!("restore: {e}"),
    })
}

/// The saved state of one model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelImage {
    name: String,
    initialized: bool,
    rng: ChaCha8Rng,
    state: serde_json::Value,
}

/// One connection `(from model, output port) -> (to model, input port)`.
type Wire = (u32, u16, u32, u16);

/// The complete state of a [`Simulation`], serialisable with serde (e.g. to JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint<M> {
    /// Layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Seed and replication of the simulation.
    pub streams: Streams,
    /// Clock at the checkpoint.
    pub now: SimTime,
    /// Events delivered so far.
    pub delivered: u64,
    models: Vec<ModelImage>,
    wires: Vec<Wire>,
    queue: QueueImage<Event<M>>,
}

impl<M: Clone + 'static> Simulation<M> {
    /// Capture the complete state (between runs).
    ///
    /// # Errors
    /// [`DesError::CheckpointUnsupported`] naming the first model without
    /// `snapshot`; serialisation errors.
    pub fn checkpoint(&self) -> Result<Checkpoint<M>> {
        let mut models = Vec::with_capacity(self.slots.len());
        for (slot, node) in self.slots.iter().zip(&self.core.nodes) {
            let state = slot
                .model
                .snapshot()
                .map_err(|e| attribute(e, &node.name, self.core.now))?;
            models.push(ModelImage {
                name: node.name.clone(),
                initialized: slot.initialized,
                rng: slot.rng.clone(),
                state,
            });
        }
        Ok(Checkpoint {
            format_version: FORMAT_VERSION,
            streams: self.core.streams,
            now: self.core.now,
            delivered: self.delivered,
            models,
            wires: self.wires(),
            queue: self.core.queue.image(),
        })
    }

    /// Restore a checkpoint into this simulation, which must have been rebuilt with the same
    /// models (names, order), connections, seed and replication. On error the simulation is
    /// left unchanged unless a model's own `restore` failed part-way.
    ///
    /// # Errors
    /// [`DesError::Checkpoint`] describing the first mismatch; model restore errors.
    pub fn restore(&mut self, cp: Checkpoint<M>) -> Result<()> {
        let bad = |message: String| Err(DesError::Checkpoint { message });
        if cp.format_version != FORMAT_VERSION {
            return bad(format!(
                "format_version {} (expected {FORMAT_VERSION})",
                cp.format_version
            ));
        }
        if cp.streams != self.core.streams {
            return bad(format!(
                "streams {:?} differ from the simulation's {:?}",
                cp.streams, self.core.streams
            ));
        }
        if cp.models.len() != self.slots.len() {
            return bad(format!(
                "{} models in checkpoint, {} in simulation",
                cp.models.len(),
                self.slots.len()
            ));
        }
        for (i, (m, node)) in cp.models.iter().zip(&self.core.nodes).enumerate() {
            if m.name != node.name {
                return bad(format!(
                    "model #{i} is `{}` in checkpoint but `{}` here",
                    m.name, node.name
                ));
            }
        }
        if cp.wires != self.wires() {
            return bad("connections differ from the simulation's".to_string());
        }
        let n = self.slots.len() as u32;
        if let Some(e) = cp.queue.entries.iter().find(|e| e.target >= n) {
            return bad(format!(
                "queued event targets model #{} (only {n} models)",
                e.target
            ));
        }
        let queue = EventQueue::from_image(cp.queue)?;
        for ((slot, node), m) in self.slots.iter_mut().zip(&self.core.nodes).zip(cp.models) {
            slot.model
                .restore(m.state)
                .map_err(|e| attribute(e, &node.name, cp.now))?;
            slot.rng = m.rng;
            slot.initialized = m.initialized;
        }
        self.core.queue = queue;
        self.core.now = cp.now;
        self.core.stop = false;
        self.delivered = cp.delivered;
        Ok(())
    }

    fn wires(&self) -> Vec<Wire> {
        let mut w = Vec::new();
        for (i, node) in self.core.nodes.iter().enumerate() {
            for (o, dest) in node.outs.iter().enumerate() {
                if let Some((to, InPort(p))) = dest {
                    w.push((i as u32, o as u16, *to, *p));
                }
            }
        }
        w
    }
}

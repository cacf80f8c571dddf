//! The model trait, events, ids and ports.
//!
//! A model is a synchronous state machine: the simulation calls [`Model::handle`] with
//! `&mut self`, a [`Context`] and the [`Event`]; the model updates its state and schedules
//! further events through the context. There is no async runtime and no thread inside a
//! replication.
//!
//! # Composability
//!
//! The message type `M` is a type parameter of [`Simulation<M>`](crate::Simulation) and of
//! [`Model<M>`]; `repm-des` knows nothing about it. A process crate writes its models
//! generically over every message type that can carry what it needs, e.g.
//!
//! ```ignore
//! impl<M> Model<M> for Furnace where M: From<Lot> + TryInto<Lot> + 'static { ... }
//! ```
//!
//! `Lot` itself satisfies both bounds (identity conversions), so the furnace runs in a
//! `Simulation<Lot>`; a plant that also needs other messages defines
//! `enum PlantMsg { Lot(Lot), Order(..) }` with the two conversions and uses
//! `Simulation<PlantMsg>`: models from different crates then share one simulation. Models are
//! stored as `Box<dyn Model<M>>` in an arena and addressed by [`ModelId`].

use std::any::Any;

use serde::{Deserialize, Serialize};

use crate::error::{DesError, Result};
use crate::sim::Context;
use crate::time::SimTime;

/// Handle of a model in a simulation's arena (its index, in order of addition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ModelId(pub(crate) u32);

impl ModelId {
    /// An id from a raw index (e.g. read from a configuration). Not validated here: every
    /// simulation method that takes a `ModelId` checks it and returns
    /// [`DesError::UnknownModel`] if it does not exist.
    pub const fn from_index(index: u32) -> Self {
        ModelId(index)
    }

    /// Index in the arena (0-based, in order of addition).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Index of an input port in the receiving model's [`Ports::inputs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InPort(pub u16);

/// Index of an output port in the sending model's [`Ports::outputs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OutPort(pub u16);

/// Declaration of one port: a name and the kind of message it carries.
///
/// `kind` is a free label (e.g. `"lot"`, `"order"`): [`Simulation::connect`](crate::Simulation::connect)
/// refuses to connect an output to an input whose kinds differ, unless either is `""`
/// (untyped), reporting [`DesError::PortKindMismatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    /// Port name, unique among the model's inputs (resp. outputs).
    pub name: &'static str,
    /// Message kind label; `""` = untyped.
    pub kind: &'static str,
}

impl Port {
    /// An untyped port.
    pub const fn new(name: &'static str) -> Self {
        Port { name, kind: "" }
    }

    /// A port carrying messages of kind `kind`.
    pub const fn typed(name: &'static str, kind: &'static str) -> Self {
        Port { name, kind }
    }
}

/// The ports of a model: index `i` of `inputs` is [`InPort`]`(i)`, of `outputs` [`OutPort`]`(i)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ports {
    /// Input ports.
    pub inputs: &'static [Port],
    /// Output ports.
    pub outputs: &'static [Port],
}

impl Ports {
    /// No ports (a model that only talks to itself).
    pub const NONE: Ports = Ports {
        inputs: &[],
        outputs: &[],
    };
}

/// What a model receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event<M> {
    /// A timer the model scheduled for itself (or that was scheduled for it from outside),
    /// with the model-chosen `tag` to tell timers apart.
    Timer {
        /// Model-chosen label.
        tag: u64,
    },
    /// A message from a connected model.
    Message {
        /// The input port it arrived on.
        port: InPort,
        /// The sending model.
        from: ModelId,
        /// The message.
        msg: M,
    },
}

/// A simulation model: reacts to events with `&mut self` and a [`Context`].
///
/// Only [`handle`](Model::handle) is required. Override [`ports`](Model::ports) to talk to
/// other models, [`init`](Model::init) to schedule the first events,
/// [`is_continuous`](Model::is_continuous)/[`advance_to`](Model::advance_to) for models with
/// continuous state (see `crate::continuous`), and [`snapshot`](Model::snapshot)/
/// [`restore`](Model::restore) for checkpoints (two lines with
/// [`crate::checkpoint::to_value`]/[`from_value`](crate::checkpoint::from_value) for a
/// `serde` model).
///
/// `Model<M>: Any`, so a `&dyn Model<M>` can be inspected as its concrete type with
/// [`Simulation::model`](crate::Simulation::model).
pub trait Model<M>: Any {
    /// The model's ports; read once when the model is added. Default: none.
    fn ports(&self) -> Ports {
        Ports::NONE
    }

    /// Called once, at the simulated time of the first `run*`/`step` call after the model
    /// was added, in [`ModelId`] order, before any event is delivered. Schedule the first
    /// events here. Default: nothing.
    ///
    /// # Errors
    /// Any error stops the run and is returned by it.
    fn init(&mut self, ctx: &mut Context<'_, M>) -> Result<()> {
        let _ = ctx;
        Ok(())
    }

    /// React to one event at time `ctx.now()`.
    ///
    /// # Errors
    /// Any error stops the run and is returned by it. Use [`DesError::model`] for the model's
    /// own failures (the simulation fills in the model name and time).
    fn handle(&mut self, ctx: &mut Context<'_, M>, event: Event<M>) -> Result<()>;

    /// Whether [`advance_to`](Model::advance_to) must be called before each event delivered
    /// to this model; read once when the model is added. Default `false` (no call, no cost).
    fn is_continuous(&self) -> bool {
        false
    }

    /// For continuous models: integrate the internal state from the last time it was advanced
    /// to `now` \[ns\]. Called before every event delivered to the model (when
    /// [`is_continuous`](Model::is_continuous) is true) and by
    /// [`Simulation::advance_all`](crate::Simulation::advance_all). Default: nothing.
    ///
    /// # Errors
    /// Any error stops the run.
    fn advance_to(&mut self, now: SimTime) -> Result<()> {
        let _ = now;
        Ok(())
    }

    /// The model's complete state as JSON (for checkpoints). Default: unsupported.
    ///
    /// # Errors
    /// [`DesError::CheckpointUnsupported`] by default; serialisation errors otherwise.
    fn snapshot(&self) -> Result<serde_json::Value> {
        Err(DesError::CheckpointUnsupported {
            model: String::new(),
        })
    }

    /// Replace the model's state by a [`snapshot`](Model::snapshot). Default: unsupported.
    ///
    /// # Errors
    /// [`DesError::CheckpointUnsupported`] by default; deserialisation errors otherwise.
    fn restore(&mut self, state: serde_json::Value) -> Result<()> {
        let _ = state;
        Err(DesError::CheckpointUnsupported {
            model: String::new(),
        })
    }
}

impl DesError {
    /// A model-reported failure; the simulation fills in the model name and the time.
    pub fn model(message: impl Into<String>) -> Self {
        DesError::Model {
            model: String::new(),
            at: SimTime::ZERO,
            message: message.into(),
        }
    }
}

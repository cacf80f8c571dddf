//! The simulation: model arena, wiring, clock, event queue and the run loop; and the
//! [`Context`] through which a model acts on the simulation.

use std::any::Any;
use std::collections::BTreeMap;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;

use crate::error::{DesError, Result};
use crate::model::{Event, InPort, Model, ModelId, OutPort, Ports};
use crate::queue::{EventHandle, EventQueue, Popped, Priority};
use crate::rng::{Streams, fnv1a64};
use crate::time::SimTime;

/// Per-model wiring and bookkeeping (everything but the model object and its stream).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) ports: Ports,
    /// Destination of each output port.
    pub(crate) outs: Vec<Option<(u32, InPort)>>,
}

/// The part of the simulation a [`Context`] may touch (disjoint from the model arena).
#[derive(Debug)]
pub(crate) struct Core<M> {
    pub(crate) now: SimTime,
    pub(crate) queue: EventQueue<Event<M>>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) stop: bool,
    pub(crate) streams: Streams,
}

/// One arena slot: the model, its random stream and whether `init` ran.
pub(crate) struct Slot<M> {
    pub(crate) model: Box<dyn Model<M>>,
    pub(crate) rng: ChaCha8Rng,
    pub(crate) continuous: bool,
    pub(crate) initialized: bool,
}

impl<M> std::fmt::Debug for Slot<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("continuous", &self.continuous)
            .field("initialized", &self.initialized)
            .finish_non_exhaustive()
    }
}

/// Why a `run*` call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// All events up to the limit were delivered; the clock now equals the limit.
    ReachedLimit,
    /// The queue ran empty during [`Simulation::run`]; the clock stays at the last event.
    Exhausted,
    /// A model called [`Context::stop`]; the clock is at that event's time. Remaining events
    /// stay queued, so the run can be continued.
    Stopped,
    /// The condition of [`Simulation::run_until_condition`] became true after an event; the
    /// clock is at that event's time.
    ConditionMet,
}

/// A discrete-event simulation whose models exchange messages of type `M`.
///
/// Build it (add models, connect ports), run it until a time or a condition, inspect models,
/// continue. See the [crate documentation](crate) for a complete example and the event
/// ordering contract.
pub struct Simulation<M> {
    pub(crate) core: Core<M>,
    pub(crate) slots: Vec<Slot<M>>,
    pub(crate) by_name: BTreeMap<String, u32>,
    pub(crate) by_hash: BTreeMap<u64, u32>,
    pub(crate) delivered: u64,
}

impl<M> std::fmt::Debug for Simulation<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("now", &self.core.now)
            .field(
                "models",
                &self
                    .core
                    .nodes
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("pending", &self.core.queue.len())
            .field("delivered", &self.delivered)
            .finish()
    }
}

/// What a model can do while it handles an event: read the clock, draw random numbers from
/// its own stream, schedule and cancel its own timers, send messages and stop the run.
#[derive(Debug)]
pub struct Context<'a, M> {
    core: &'a mut Core<M>,
    rng: &'a mut ChaCha8Rng,
    me: u32,
}

impl<'a, M> Context<'a, M> {
    /// Current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.core.now
    }

    /// This model's id.
    #[inline]
    pub fn id(&self) -> ModelId {
        ModelId(self.me)
    }

    /// This model's name.
    pub fn name(&self) -> &str {
        &self.core.nodes[self.me as usize].name
    }

    /// This model's own random stream (named by the model name; see [`crate::rng`]).
    #[inline]
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        self.rng
    }

    /// The stream factory of this replication, for models that need further named streams
    /// (create them in [`Model::init`] and keep them in the model's state).
    pub fn streams(&self) -> Streams {
        self.core.streams
    }

    /// Schedule a timer with `tag` for this model after `delay`.
    ///
    /// # Errors
    /// [`DesError::TimeOverflow`] if `now + delay` exceeds [`SimTime::MAX`].
    #[inline]
    pub fn schedule_in(&mut self, delay: Duration, tag: u64) -> Result<EventHandle> {
        let at = self.core.now.checked_add(delay)?;
        self.core
            .queue
            .push(at, Priority::NORMAL, self.me, Event::Timer { tag })
    }

    /// Schedule a timer with `tag` for this model after `delay_ns` nanoseconds \[ns\].
    ///
    /// # Errors
    /// [`DesError::TimeOverflow`] on overflow.
    #[inline]
    pub fn schedule_in_nanos(&mut self, delay_ns: u64, tag: u64) -> Result<EventHandle> {
        let at = self.core.now.checked_add_nanos(delay_ns)?;
        self.core
            .queue
            .push(at, Priority::NORMAL, self.me, Event::Timer { tag })
    }

    /// Schedule a timer with `tag` for this model after `delay_s` seconds \[s\] (e.g. a
    /// duration drawn from a distribution), rounded to the nearest nanosecond.
    ///
    /// # Errors
    /// [`DesError::InvalidTime`] if `delay_s` is negative, NaN or infinite;
    /// [`DesError::TimeOverflow`] on overflow.
    #[inline]
    pub fn schedule_in_secs(&mut self, delay_s: f64, tag: u64) -> Result<EventHandle> {
        let at = self
            .core
            .now
            .checked_add(crate::time::duration_from_secs_f64(delay_s)?)?;
        self.core
            .queue
            .push(at, Priority::NORMAL, self.me, Event::Timer { tag })
    }

    /// Schedule a timer with `tag` for this model at absolute time `at` with `priority`.
    ///
    /// # Errors
    /// [`DesError::ScheduleInPast`] if `at < now`.
    #[inline]
    pub fn schedule_at(
        &mut self,
        at: SimTime,
        priority: Priority,
        tag: u64,
    ) -> Result<EventHandle> {
        if at < self.core.now {
            return Err(DesError::ScheduleInPast {
                at,
                now: self.core.now,
            });
        }
        self.core
            .queue
            .push(at, priority, self.me, Event::Timer { tag })
    }

    /// Cancel a pending event (see [`Simulation::cancel`]).
    ///
    /// # Errors
    /// [`DesError::UnknownEvent`] for a handle this simulation never issued.
    #[inline]
    pub fn cancel(&mut self, handle: EventHandle) -> Result<bool> {
        self.core.queue.cancel(handle)
    }

    /// Whether the event behind `handle` is still pending.
    pub fn is_pending(&self, handle: EventHandle) -> bool {
        self.core.queue.is_pending(handle)
    }

    /// Send `msg` through output port `port` now (zero delay: delivered at the current time,
    /// after the events already scheduled for this time and priority).
    ///
    /// # Errors
    /// [`DesError::UnknownPort`] / [`DesError::UnconnectedPort`].
    #[inline]
    pub fn send(&mut self, port: OutPort, msg: M) -> Result<EventHandle> {
        self.send_at(port, self.core.now, Priority::NORMAL, msg)
    }

    /// Send `msg` through `port`, delivered after `delay`.
    ///
    /// # Errors
    /// As [`send`](Context::send), plus [`DesError::TimeOverflow`].
    pub fn send_in(&mut self, port: OutPort, delay: Duration, msg: M) -> Result<EventHandle> {
        let at = self.core.now.checked_add(delay)?;
        self.send_at(port, at, Priority::NORMAL, msg)
    }

    /// Send `msg` through `port`, delivered at `at` with `priority`.
    ///
    /// # Errors
    /// As [`send`](Context::send), plus [`DesError::ScheduleInPast`].
    pub fn send_at(
        &mut self,
        port: OutPort,
        at: SimTime,
        priority: Priority,
        msg: M,
    ) -> Result<EventHandle> {
        if at < self.core.now {
            return Err(DesError::ScheduleInPast {
                at,
                now: self.core.now,
            });
        }
        let node = &self.core.nodes[self.me as usize];
        let (to, in_port) = match node.outs.get(port.0 as usize) {
            Some(Some(dest)) => *dest,
            Some(None) => {
                return Err(DesError::UnconnectedPort {
                    model: node.name.clone(),
                    port: node.ports.outputs[port.0 as usize].name.to_string(),
                });
            }
            None => {
                return Err(DesError::UnknownPort {
                    model: node.name.clone(),
                    port: format!("#{}", port.0),
                    direction: "output",
                });
            }
        };
        self.core.queue.push(
            at,
            priority,
            to,
            Event::Message {
                port: in_port,
                from: ModelId(self.me),
                msg,
            },
        )
    }

    /// Look up an output port by name (do it once, in `init`, and keep the [`OutPort`]).
    ///
    /// # Errors
    /// [`DesError::UnknownPort`].
    pub fn out_port(&self, name: &str) -> Result<OutPort> {
        let node = &self.core.nodes[self.me as usize];
        find_port(node.ports.outputs, name)
            .map(|i| OutPort(i as u16))
            .ok_or_else(|| DesError::UnknownPort {
                model: node.name.clone(),
                port: name.to_string(),
                direction: "output",
            })
    }

    /// Whether output port `port` is connected.
    pub fn is_connected(&self, port: OutPort) -> bool {
        matches!(
            self.core.nodes[self.me as usize].outs.get(port.0 as usize),
            Some(Some(_))
        )
    }

    /// Stop the run after this event (the `run*` call returns [`RunOutcome::Stopped`]).
    pub fn stop(&mut self) {
        self.core.stop = true;
    }
}

fn find_port(ports: &[crate::model::Port], name: &str) -> Option<usize> {
    ports.iter().position(|p| p.name == name)
}

impl<M: 'static> Simulation<M> {
    /// An empty simulation for replication `replication` of an experiment with master `seed`.
    pub fn new(seed: u64, replication: u64) -> Self {
        Simulation {
            core: Core {
                now: SimTime::ZERO,
                queue: EventQueue::new(),
                nodes: Vec::new(),
                stop: false,
                streams: Streams::new(seed, replication),
            },
            slots: Vec::new(),
            by_name: BTreeMap::new(),
            by_hash: BTreeMap::new(),
            delivered: 0,
        }
    }

    /// Add a model under a unique `name` (which also names its random stream and its entry in
    /// checkpoints). Returns its id.
    ///
    /// # Errors
    /// [`DesError::DuplicateModelName`], [`DesError::StreamNameCollision`].
    pub fn add_model(&mut self, name: impl Into<String>, model: impl Model<M>) -> Result<ModelId> {
        self.add_boxed(name, Box::new(model))
    }

    /// [`add_model`](Simulation::add_model) for an already boxed model (e.g. from a factory).
    ///
    /// # Errors
    /// As [`add_model`](Simulation::add_model).
    pub fn add_boxed(
        &mut self,
        name: impl Into<String>,
        model: Box<dyn Model<M>>,
    ) -> Result<ModelId> {
        let name = name.into();
        if self.by_name.contains_key(&name) {
            return Err(DesError::DuplicateModelName { name });
        }
        let h = fnv1a64(name.as_bytes());
        if let Some(&other) = self.by_hash.get(&h) {
            return Err(DesError::StreamNameCollision {
                a: self.core.nodes[other as usize].name.clone(),
                b: name,
            });
        }
        let id = u32::try_from(self.slots.len()).map_err(|_| DesError::InvalidParameter {
            name: "model count".into(),
            value: self.slots.len().to_string(),
            reason: "at most 2^32 - 1 models".into(),
        })?;
        let ports = model.ports();
        self.core.nodes.push(Node {
            name: name.clone(),
            ports,
            outs: vec![None; ports.outputs.len()],
        });
        let rng = self.core.streams.stream(&name);
        let continuous = model.is_continuous();
        self.slots.push(Slot {
            model,
            rng,
            continuous,
            initialized: false,
        });
        self.by_name.insert(name, id);
        self.by_hash.insert(h, id);
        Ok(ModelId(id))
    }

    /// Connect output port `out` of `from` to input port `input` of `to`. Each output port
    /// has one destination; an input port may receive from many outputs.
    ///
    /// # Errors
    /// [`DesError::UnknownModel`], [`DesError::UnknownPort`], [`DesError::PortKindMismatch`],
    /// [`DesError::PortAlreadyConnected`].
    pub fn connect(&mut self, from: ModelId, out: &str, to: ModelId, input: &str) -> Result<()> {
        self.check_id(from)?;
        self.check_id(to)?;
        let (src, dst) = (&self.core.nodes[from.index()], &self.core.nodes[to.index()]);
        let oi = find_port(src.ports.outputs, out).ok_or_else(|| DesError::UnknownPort {
            model: src.name.clone(),
            port: out.to_string(),
            direction: "output",
        })?;
        let ii = find_port(dst.ports.inputs, input).ok_or_else(|| DesError::UnknownPort {
            model: dst.name.clone(),
            port: input.to_string(),
            direction: "input",
        })?;
        let (ok, ik) = (src.ports.outputs[oi].kind, dst.ports.inputs[ii].kind);
        if !ok.is_empty() && !ik.is_empty() && ok != ik {
            return Err(DesError::PortKindMismatch {
                from: format!("{}.{out}", src.name),
                out_kind: ok,
                to: format!("{}.{input}", dst.name),
                in_kind: ik,
            });
        }
        if src.outs[oi].is_some() {
            return Err(DesError::PortAlreadyConnected {
                model: src.name.clone(),
                port: out.to_string(),
            });
        }
        self.core.nodes[from.index()].outs[oi] = Some((to.0, InPort(ii as u16)));
        Ok(())
    }

    fn check_id(&self, id: ModelId) -> Result<()> {
        if id.index() < self.slots.len() {
            Ok(())
        } else {
            Err(DesError::UnknownModel {
                id: id.0,
                count: self.slots.len(),
            })
        }
    }

    /// The id of the model called `name`.
    pub fn model_id(&self, name: &str) -> Option<ModelId> {
        self.by_name.get(name).map(|&i| ModelId(i))
    }

    /// The name of model `id`.
    ///
    /// # Errors
    /// [`DesError::UnknownModel`].
    pub fn model_name(&self, id: ModelId) -> Result<&str> {
        self.check_id(id)?;
        Ok(&self.core.nodes[id.index()].name)
    }

    /// Number of models.
    pub fn model_count(&self) -> usize {
        self.slots.len()
    }

    /// Inspect model `id` as its concrete type `T`.
    ///
    /// # Errors
    /// [`DesError::UnknownModel`], [`DesError::WrongModelType`].
    pub fn model<T: Model<M>>(&self, id: ModelId) -> Result<&T> {
        self.check_id(id)?;
        let any: &dyn Any = &*self.slots[id.index()].model;
        any.downcast_ref::<T>()
            .ok_or_else(|| DesError::WrongModelType {
                model: self.core.nodes[id.index()].name.clone(),
                expected: std::any::type_name::<T>(),
            })
    }

    /// Mutable access to model `id` as its concrete type `T` (between runs).
    ///
    /// # Errors
    /// [`DesError::UnknownModel`], [`DesError::WrongModelType`].
    pub fn model_mut<T: Model<M>>(&mut self, id: ModelId) -> Result<&mut T> {
        self.check_id(id)?;
        let name = &self.core.nodes[id.index()].name;
        let any: &mut dyn Any = &mut *self.slots[id.index()].model;
        any.downcast_mut::<T>()
            .ok_or_else(|| DesError::WrongModelType {
                model: name.clone(),
                expected: std::any::type_name::<T>(),
            })
    }

    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.core.now
    }

    /// The (seed, replication) stream factory of this simulation.
    pub fn streams(&self) -> Streams {
        self.core.streams
    }

    /// Number of pending (scheduled, not cancelled, not yet delivered) events.
    pub fn pending(&self) -> usize {
        self.core.queue.len()
    }

    /// Number of events delivered so far.
    pub fn events_delivered(&self) -> u64 {
        self.delivered
    }

    /// Number of events scheduled so far (including cancelled and delivered ones).
    pub fn events_scheduled(&self) -> u64 {
        self.core.queue.scheduled()
    }

    /// Time of the next pending event, if any.
    pub fn next_event_time(&mut self) -> Option<SimTime> {
        self.core.queue.peek_time()
    }

    /// Schedule a timer with `tag` for model `target` at `at` (from outside the models).
    ///
    /// # Errors
    /// [`DesError::UnknownModel`], [`DesError::ScheduleInPast`].
    pub fn schedule(
        &mut self,
        target: ModelId,
        at: SimTime,
        priority: Priority,
        tag: u64,
    ) -> Result<EventHandle> {
        self.check_id(target)?;
        if at < self.core.now {
            return Err(DesError::ScheduleInPast {
                at,
                now: self.core.now,
            });
        }
        self.core
            .queue
            .push(at, priority, target.0, Event::Timer { tag })
    }

    /// Deliver `msg` to input port `input` of model `target` at `at` (from outside; the
    /// `from` field of the event is `target` itself).
    ///
    /// # Errors
    /// [`DesError::UnknownModel`], [`DesError::UnknownPort`], [`DesError::ScheduleInPast`].
    pub fn inject(
        &mut self,
        target: ModelId,
        input: &str,
        at: SimTime,
        msg: M,
    ) -> Result<EventHandle> {
        self.check_id(target)?;
        let node = &self.core.nodes[target.index()];
        let ii = find_port(node.ports.inputs, input).ok_or_else(|| DesError::UnknownPort {
            model: node.name.clone(),
            port: input.to_string(),
            direction: "input",
        })?;
        if at < self.core.now {
            return Err(DesError::ScheduleInPast {
                at,
                now: self.core.now,
            });
        }
        self.core.queue.push(
            at,
            Priority::NORMAL,
            target.0,
            Event::Message {
                port: InPort(ii as u16),
                from: target,
                msg,
            },
        )
    }

    /// Cancel a pending event. `Ok(true)`: it was pending and will not be delivered;
    /// `Ok(false)`: it was already delivered or cancelled (nothing happens).
    ///
    /// # Errors
    /// [`DesError::UnknownEvent`] for a handle not issued by this simulation.
    pub fn cancel(&mut self, handle: EventHandle) -> Result<bool> {
        self.core.queue.cancel(handle)
    }

    /// Call [`Model::advance_to`] with the current time on every continuous model (e.g.
    /// before inspecting their state at the end of a run).
    ///
    /// # Errors
    /// The first model error.
    pub fn advance_all(&mut self) -> Result<()> {
        let now = self.core.now;
        for (i, s) in self.slots.iter_mut().enumerate() {
            if s.continuous {
                s.model
                    .advance_to(now)
                    .map_err(|e| attribute(e, &self.core.nodes[i].name, now))?;
            }
        }
        Ok(())
    }

    /// Run `init` of models that have not been initialised yet, in id order.
    fn init_pending(&mut self) -> Result<()> {
        for i in 0..self.slots.len() {
            let slot = &mut self.slots[i];
            if slot.initialized {
                continue;
            }
            slot.initialized = true;
            let mut ctx = Context {
                core: &mut self.core,
                rng: &mut slot.rng,
                me: i as u32,
            };
            let r = slot.model.init(&mut ctx);
            r.map_err(|e| attribute(e, &self.core.nodes[i].name, self.core.now))?;
        }
        Ok(())
    }

    /// Deliver the next event if its time is ≤ `limit`. Returns `Ok(false)` if there is none.
    #[inline]
    fn dispatch_next(&mut self, limit: SimTime, spans: bool) -> Result<bool> {
        let Some(Popped {
            time,
            target,
            payload,
        }) = self.core.queue.pop_until(limit)
        else {
            return Ok(false);
        };
        self.core.now = time;
        self.delivered += 1;
        let slot = &mut self.slots[target as usize];
        let r = if spans {
            let span = tracing::span!(
                target: "repm_des::event",
                tracing::Level::DEBUG,
                "event",
                model = self.core.nodes[target as usize].name.as_str(),
                t_ns = time.as_nanos()
            );
            let _g = span.enter();
            deliver(slot, &mut self.core, target, payload)
        } else {
            deliver(slot, &mut self.core, target, payload)
        };
        match r {
            Ok(()) => Ok(true),
            Err(e) => Err(attribute(e, &self.core.nodes[target as usize].name, time)),
        }
    }

    /// Deliver exactly one event (initialising new models first). Returns its time, or `None`
    /// if the queue is empty.
    ///
    /// # Errors
    /// The model's error, if it fails.
    pub fn step(&mut self) -> Result<Option<SimTime>> {
        self.init_pending()?;
        let spans = spans_enabled();
        if self.dispatch_next(SimTime::MAX, spans)? {
            Ok(Some(self.core.now))
        } else {
            Ok(None)
        }
    }

    /// Deliver every event with time ≤ `limit`, then set the clock to `limit`. Stops early if
    /// a model calls [`Context::stop`]. `run_until(a)` followed by `run_until(b)` delivers
    /// exactly the events of one `run_until(b)`, in the same order.
    ///
    /// # Errors
    /// [`DesError::ScheduleInPast`] if `limit < now`; the first model error (the run stops
    /// there; the failing event is consumed).
    pub fn run_until(&mut self, limit: SimTime) -> Result<RunOutcome> {
        if limit < self.core.now {
            return Err(DesError::ScheduleInPast {
                at: limit,
                now: self.core.now,
            });
        }
        self.init_pending()?;
        let spans = spans_enabled();
        while self.dispatch_next(limit, spans)? {
            if self.core.stop {
                self.core.stop = false;
                return Ok(RunOutcome::Stopped);
            }
        }
        if limit == SimTime::MAX {
            return Ok(RunOutcome::Exhausted);
        }
        self.core.now = limit;
        Ok(RunOutcome::ReachedLimit)
    }

    /// Run for `span` from the current time (`run_until(now + span)`).
    ///
    /// # Errors
    /// As [`run_until`](Simulation::run_until), plus [`DesError::TimeOverflow`].
    pub fn run_for(&mut self, span: Duration) -> Result<RunOutcome> {
        let limit = self.core.now.checked_add(span)?;
        self.run_until(limit)
    }

    /// Deliver at most `n` events (no time limit); the clock stays at the last event.
    /// Returns [`RunOutcome::ReachedLimit`] after `n` events, [`RunOutcome::Exhausted`] if
    /// the queue ran empty first, [`RunOutcome::Stopped`] if a model stopped the run.
    ///
    /// # Errors
    /// The first model error.
    pub fn run_events(&mut self, n: u64) -> Result<RunOutcome> {
        self.init_pending()?;
        let spans = spans_enabled();
        for _ in 0..n {
            if !self.dispatch_next(SimTime::MAX, spans)? {
                return Ok(RunOutcome::Exhausted);
            }
            if self.core.stop {
                self.core.stop = false;
                return Ok(RunOutcome::Stopped);
            }
        }
        Ok(RunOutcome::ReachedLimit)
    }

    /// Run until the queue is empty or a model stops the run.
    ///
    /// # Errors
    /// The first model error.
    pub fn run(&mut self) -> Result<RunOutcome> {
        self.run_until(SimTime::MAX)
    }

    /// Deliver events with time ≤ `limit` until `cond(&self)` — evaluated after each event —
    /// is true ([`RunOutcome::ConditionMet`]), a model stops the run, or the limit is reached.
    ///
    /// # Errors
    /// As [`run_until`](Simulation::run_until).
    pub fn run_until_condition(
        &mut self,
        limit: SimTime,
        mut cond: impl FnMut(&Self) -> bool,
    ) -> Result<RunOutcome> {
        if limit < self.core.now {
            return Err(DesError::ScheduleInPast {
                at: limit,
                now: self.core.now,
            });
        }
        self.init_pending()?;
        let spans = spans_enabled();
        while self.dispatch_next(limit, spans)? {
            if self.core.stop {
                self.core.stop = false;
                return Ok(RunOutcome::Stopped);
            }
            if cond(self) {
                return Ok(RunOutcome::ConditionMet);
            }
        }
        if limit == SimTime::MAX {
            return Ok(RunOutcome::Exhausted);
        }
        self.core.now = limit;
        Ok(RunOutcome::ReachedLimit)
    }
}

/// Whether dispatch spans are wanted: evaluated once per `run*` call, so that the event loop
/// costs one predictable branch per event when no subscriber listens at DEBUG level.
#[inline]
fn spans_enabled() -> bool {
    tracing::enabled!(target: "repm_des::event", tracing::Level::DEBUG)
}

#[inline(always)]
fn deliver<M: 'static>(
    slot: &mut Slot<M>,
    core: &mut Core<M>,
    target: u32,
    payload: Event<M>,
) -> Result<()> {
    if slot.continuous {
        slot.model.advance_to(core.now)?;
    }
    let mut ctx = Context {
        core,
        rng: &mut slot.rng,
        me: target,
    };
    slot.model.handle(&mut ctx, payload)
}

/// Fill in the model name and time of a model-reported error.
pub(crate) fn attribute(e: DesError, name: &str, now: SimTime) -> DesError {
    match e {
        DesError::Model { model, message, .. } if model.is_empty() => DesError::Model {
            model: name.to_string(),
            at: now,
            message,
        },
        DesError::CheckpointUnsupported { model } if model.is_empty() => {
            DesError::CheckpointUnsupported {
                model: name.to_string(),
            }
        }
        e => e,
    }
}

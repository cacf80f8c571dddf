//! The crate's error type: one `#[non_exhaustive]` enum, variants grouped by category.

use crate::time::SimTime;

/// Every error `repm-des` reports. Bad input never panics: it comes back as one of these.
///
/// Variants are grouped by category (time conversion, scheduling, model/port wiring,
/// checkpoint, model-reported errors, configuration). Messages name the offending field or
/// entity and its value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DesError {
    // ----- time -------------------------------------------------------------------------
    /// A floating-point time or duration was negative, NaN, infinite or too large for
    /// [`SimTime`] (which holds up to 2⁶⁴−1 ns ≈ 584 years).
    #[error("invalid {what}: {value} {unit} (must be finite, >= 0 and < 2^64 ns)")]
    InvalidTime {
        /// What was being converted (e.g. "duration", "time").
        what: &'static str,
        /// The offending value, in `unit`.
        value: f64,
        /// Unit of `value` ("s", "h", "d").
        unit: &'static str,
    },
    /// Adding a delay to a time overflowed the [`SimTime`] range.
    #[error("time overflow: {base} + {delay_ns} ns exceeds the SimTime range")]
    TimeOverflow {
        /// The base time.
        base: SimTime,
        /// The delay that was added \[ns\].
        delay_ns: u128,
    },

    // ----- scheduling -------------------------------------------------------------------
    /// An event was scheduled before the current simulated time.
    #[error("cannot schedule an event at {at}: it is before the current time {now}")]
    ScheduleInPast {
        /// Requested event time.
        at: SimTime,
        /// Current simulated time.
        now: SimTime,
    },
    /// An event handle that this simulation never issued (e.g. from another simulation).
    #[error("unknown event handle (sequence number {seq}): not issued by this simulation")]
    UnknownEvent {
        /// Insertion sequence number carried by the handle.
        seq: u64,
    },
    /// The 48-bit insertion sequence counter is exhausted (2⁴⁸ events scheduled).
    #[error("event sequence counter exhausted after {scheduled} scheduled events")]
    SequenceExhausted {
        /// Number of events scheduled so far.
        scheduled: u64,
    },

    // ----- models and ports -------------------------------------------------------------
    /// A model id that does not exist in this simulation.
    #[error("unknown model id {id} (simulation has {count} models)")]
    UnknownModel {
        /// The offending id.
        id: u32,
        /// Number of models in the simulation.
        count: usize,
    },
    /// A model exists but is not of the requested concrete type.
    #[error("model `{model}` is not a `{expected}`")]
    WrongModelType {
        /// Model name.
        model: String,
        /// Requested type name.
        expected: &'static str,
    },
    /// Two models were given the same name (names key the random streams and checkpoints).
    #[error("duplicate model name `{name}`")]
    DuplicateModelName {
        /// The repeated name.
        name: String,
    },
    /// Two different model names hash to the same random-stream id (FNV-1a 64); rename one.
    #[error("model names `{a}` and `{b}` collide in the random-stream hash; rename one")]
    StreamNameCollision {
        /// First name.
        a: String,
        /// Second name.
        b: String,
    },
    /// A port name or index that the model does not declare.
    #[error("model `{model}` has no {direction} port `{port}`")]
    UnknownPort {
        /// Model name.
        model: String,
        /// Port name, or `#index` when addressed by index.
        port: String,
        /// "input" or "output".
        direction: &'static str,
    },
    /// A message was sent through an output port that is not connected.
    #[error("model `{model}` sent a message through output port `{port}`, which is not connected")]
    UnconnectedPort {
        /// Model name.
        model: String,
        /// Output port name.
        port: String,
    },
    /// An output port was connected twice (each output port has exactly one destination).
    #[error("output port `{port}` of model `{model}` is already connected")]
    PortAlreadyConnected {
        /// Model name.
        model: String,
        /// Output port name.
        port: String,
    },
    /// The declared message kinds of the two ends of a connection differ.
    #[error("misconnected ports: `{from}` carries `{out_kind}` but `{to}` expects `{in_kind}`")]
    PortKindMismatch {
        /// Sending end, `model.port`.
        from: String,
        /// Message kind declared by the output port.
        out_kind: &'static str,
        /// Receiving end, `model.port`.
        to: String,
        /// Message kind declared by the input port.
        in_kind: &'static str,
    },

    // ----- checkpoint -------------------------------------------------------------------
    /// A model does not implement [`crate::Model::snapshot`]/[`crate::Model::restore`].
    #[error("model `{model}` does not support checkpointing (implement snapshot/restore)")]
    CheckpointUnsupported {
        /// Model name.
        model: String,
    },
    /// A checkpoint could not be written or does not fit the simulation it is restored into.
    #[error("checkpoint error: {message}")]
    Checkpoint {
        /// What went wrong, naming the field/model.
        message: String,
    },

    // ----- model-reported ---------------------------------------------------------------
    /// A model reported an error while handling an event; the run stops.
    #[error("model `{model}` failed at {at}: {message}")]
    Model {
        /// Model name (filled in by the simulation).
        model: String,
        /// Simulated time of the failing event.
        at: SimTime,
        /// The model's message.
        message: String,
    },

    // ----- statistics and building blocks -----------------------------------------------
    /// A statistic cannot be computed from the data given (e.g. a confidence interval from
    /// fewer than two replications).
    #[error("not enough data for {what}: need {needed}, have {got}")]
    InsufficientData {
        /// What was asked for.
        what: String,
        /// Number of observations needed.
        needed: usize,
        /// Number of observations available.
        got: usize,
    },
    /// A time-stamped update to a statistic or building block arrived earlier than the
    /// previous one.
    #[error("{what}: time {at} precedes the last update at {last}")]
    TimeWentBackwards {
        /// Which statistic or building block.
        what: String,
        /// Time of the rejected update.
        at: SimTime,
        /// Time of the last accepted update.
        last: SimTime,
    },
    /// A building block was used in a way its state does not allow (e.g. releasing a server
    /// that is idle, starting a job on a busy machine).
    #[error("{block} `{name}`: {message}")]
    InvalidState {
        /// Kind of building block ("resource", "machine", ...).
        block: &'static str,
        /// Its name.
        name: String,
        /// What was wrong, with the offending values.
        message: String,
    },

    // ----- configuration ----------------------------------------------------------------
    /// An invalid parameter (e.g. a distribution parameter or configuration value).
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: String,
        /// Offending value, formatted.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
}

/// Shorthand result type of this crate.
pub type Result<T, E = DesError> = std::result::Result<T, E>;

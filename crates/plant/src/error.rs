//! The error type of repm-plant.

use thiserror::Error;

/// Errors of plant configuration, assembly and runs.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PlantError {
    /// A plant file could not be read.
    #[error("cannot read `{path}`: {message}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        message: String,
    },
    /// A plant file is not valid TOML or does not match the schema (unknown field, bad unit,
    /// wrong type). The message names the field.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        /// File name.
        file: String,
        /// 1-based line (0 if unknown).
        line: usize,
        /// 1-based column (0 if unknown).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A configuration value breaks a rule (no file context).
    #[error("invalid `{field}` = {value}: {reason}")]
    Invalid {
        /// Dotted field path, e.g. `steps[3].units`.
        field: String,
        /// The offending value.
        value: String,
        /// The rule broken.
        reason: String,
    },
    /// A configuration value in a file breaks a rule.
    #[error("{file}:{line}: invalid `{field}` = {value}: {reason}")]
    InvalidAt {
        /// File name.
        file: String,
        /// 1-based line of the field (0 if it could not be located).
        line: usize,
        /// Dotted field path.
        field: String,
        /// The offending value.
        value: String,
        /// The rule broken.
        reason: String,
    },
    /// The element balance of a run did not close.
    #[error("element balance does not close: {0}")]
    Balance(String),
    /// An error of the event core during a run.
    #[error("simulation: {0}")]
    Simulation(#[from] repm_des::DesError),
    /// An error of a material operation (lot split/mix) during a run.
    #[error("material: {0}")]
    Material(#[from] repm_material::MaterialError),
    /// An error of a process model (magnet properties).
    #[error("model `{model}`: {message}")]
    Model {
        /// Which model.
        model: String,
        /// What went wrong.
        message: String,
    },
}

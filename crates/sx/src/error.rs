//! The error type of repm-sx.

use thiserror::Error;

/// Errors of repm-sx. Solver non-convergence is *not* an error: it is reported as
/// [`crate::SolveStatus`] data in a [`crate::Solution`].
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum SxError {
    /// A configuration field has an invalid value.
    #[error("invalid configuration: `{field}` = {value}: {reason}")]
    Config {
        /// Dotted path of the offending field, e.g. `feeds[0].stage`.
        field: String,
        /// The offending value, rendered as text.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A component name is not known (not an element symbol repm knows, nor declared).
    #[error("unknown component `{name}` in `{field}`")]
    UnknownComponent {
        /// Dotted path of the field naming the component.
        field: String,
        /// The unknown name.
        name: String,
    },
    /// A model was evaluated outside its validity range (e.g. a non-positive concentration).
    #[error("model validity: {0}")]
    Validity(String),
    /// A data file embedded in the crate could not be parsed (internal bug).
    #[error("embedded data file `{file}` line {line}: {reason}")]
    Data {
        /// File name.
        file: &'static str,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

impl SxError {
    /// Shorthand for a [`SxError::Config`] error.
    pub fn config(
        field: impl Into<String>,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        Self::Config {
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

//! The one error type of `repm-material`.

use crate::element::Element;

/// Everything that can go wrong in `repm-material`.
///
/// Variants are grouped by category: parsing (formula, reaction, unit), invalid values
/// (configuration and model inputs), composition and form rules, conservation checks.
/// Every message names the offending input, field or element and its value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MaterialError {
    /// A chemical formula could not be parsed.
    ///
    /// `position` is the 0-based index of the offending *character* (not byte) in `input`;
    /// `Display` prints the input with a caret under that character.
    #[error("invalid formula {input:?}: {message} (at character {position})\n  {input}\n  {caret}", caret = caret(*position))]
    Formula {
        /// The formula text as given.
        input: String,
        /// 0-based character index of the offending character.
        position: usize,
        /// What is wrong.
        message: String,
    },

    /// A reaction equation could not be parsed, is not balanced, or cannot be balanced uniquely.
    #[error("reaction {input:?}: {message}")]
    Reaction {
        /// The reaction text as given.
        input: String,
        /// What is wrong.
        message: String,
    },

    /// A quantity with a unit could not be parsed or has the wrong dimension.
    #[error("invalid {expected} quantity {input:?}: {message}")]
    Unit {
        /// The text as given.
        input: String,
        /// The dimension expected (e.g. "mass flow").
        expected: &'static str,
        /// What is wrong (unknown unit, wrong dimension, not a number, ...).
        message: String,
    },

    /// A numeric input is out of its valid range (negative amount, NaN, fraction outside [0, 1], ...).
    #[error("invalid value for {field}: {value} ({message})")]
    InvalidValue {
        /// Name of the field or argument.
        field: String,
        /// The offending value.
        value: f64,
        /// The rule it breaks.
        message: String,
    },

    /// A composition, lot or stream is inconsistent (empty mix, incompatible forms, ...).
    #[error("composition: {message}")]
    Composition {
        /// What is wrong.
        message: String,
    },

    /// A particle-size distribution is invalid.
    #[error("particle size distribution: {message}")]
    Psd {
        /// What is wrong.
        message: String,
    },

    /// An element balance does not close within the tolerance.
    #[error(
        "element balance does not close for {element}: in {input:e}, out + accumulation {output:e}, \
         relative error {relative_error:e} > tolerance {tolerance:e} (basis: {basis})"
    )]
    Balance {
        /// The element with the largest relative error.
        element: Element,
        /// Sum of inputs for that element.
        input: f64,
        /// Sum of outputs plus accumulation for that element.
        output: f64,
        /// |in - (out + acc)| / max(in, out + acc, floor).
        relative_error: f64,
        /// The tolerance that was asked for.
        tolerance: f64,
        /// The basis and unit of `input`/`output`, e.g. "amount \[mol\]".
        basis: &'static str,
    },

    /// An embedded thermochemistry record failed to parse or validate.
    #[error("thermochemistry data {record}: {message}")]
    ThermoData {
        /// Species, phase and source of the record (or the file name).
        record: String,
        /// What is wrong.
        message: String,
    },

    /// A species is not served by the data set (or source) asked.
    #[error("species {species:?} not found in thermochemistry data set {data_set}")]
    UnknownSpecies {
        /// The species name as given.
        species: String,
        /// The data set or source asked.
        data_set: String,
    },
}

fn caret(position: usize) -> String {
    let mut s = " ".repeat(position);
    s.push('^');
    s
}

impl MaterialError {
    /// Shorthand for an [`MaterialError::InvalidValue`].
    pub(crate) fn invalid(
        field: impl Into<String>,
        value: f64,
        message: impl Into<String>,
    ) -> Self {
        MaterialError::InvalidValue {
            field: field.into(),
            value,
            message: message.into(),
        }
    }

    /// Shorthand for a [`MaterialError::Composition`].
    pub(crate) fn composition(message: impl Into<String>) -> Self {
        MaterialError::Composition {
            message: message.into(),
        }
    }
}

//! The one error type of `repm-powder`.

/// Everything that can go wrong in `repm-powder`.
///
/// Variants are grouped by category: configuration (a config field out of range), input
/// (a model input out of range or inconsistent), infeasible recipe, solver status, and errors
/// passed through from `repm-material`. Every message names the field or entity and its value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PowderError {
    /// A configuration field is out of its valid range.
    #[error("invalid configuration: {field} = {value}: {reason}")]
    Config {
        /// Dotted path of the field, e.g. `jet_mill.classifier.cut_size`.
        field: String,
        /// The offending value, printed.
        value: String,
        /// Why it is invalid (the valid range).
        reason: String,
    },
    /// A model input (feed, PSD, composition) is invalid.
    #[error("invalid input: {field} = {value}: {reason}")]
    Input {
        /// Name of the input.
        field: String,
        /// The offending value, printed.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The alloy recipe cannot be met with the given feeds (e.g. a recycled feed already
    /// carries more of an element than the target allows).
    #[error("infeasible recipe: element {element}: {reason}")]
    Infeasible {
        /// Element symbol.
        element: String,
        /// What makes it infeasible.
        reason: String,
    },
    /// A numerical solver failed (returned as data elsewhere; this variant is for callers that
    /// insist on a converged result).
    #[error("solver failure in {solver}: {reason}")]
    Solver {
        /// Which solver.
        solver: String,
        /// What went wrong.
        reason: String,
    },
    /// An error from `repm-material` (formula parsing, lots, balances).
    #[error(transparent)]
    Material(#[from] repm_material::MaterialError),
}

/// Shorthand for a configuration error.
pub(crate) fn config_err(field: &str, value: impl std::fmt::Display, reason: &str) -> PowderError {
    PowderError::Config {
        field: field.to_owned(),
        value: value.to_string(),
        reason: reason.to_owned(),
    }
}

/// Shorthand for an input error.
pub(crate) fn input_err(field: &str, value: impl std::fmt::Display, reason: &str) -> PowderError {
    PowderError::Input {
        field: field.to_owned(),
        value: value.to_string(),
        reason: reason.to_owned(),
    }
}

/// Check that `value` is finite and `> 0`.
pub(crate) fn check_pos(field: &str, value: f64) -> Result<(), PowderError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(config_err(field, value, "must be finite and > 0"))
    }
}

/// Check that `value` is finite and `>= 0`.
pub(crate) fn check_nonneg(field: &str, value: f64) -> Result<(), PowderError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(config_err(field, value, "must be finite and >= 0"))
    }
}

/// Check that `value` is in `[lo, hi]`.
pub(crate) fn check_range(field: &str, value: f64, lo: f64, hi: f64) -> Result<(), PowderError> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(config_err(
            field,
            value,
            &format!("must be in [{lo}, {hi}]"),
        ))
    }
}

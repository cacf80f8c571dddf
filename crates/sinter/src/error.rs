//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong in `repm-sinter`, by category.
///
/// Messages name the field or entity and the offending value.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SinterError {
    /// A configuration or input value is invalid (non-finite, negative, out of its domain).
    #[error("invalid input `{field}` = {value}: {reason}")]
    Config {
        /// Name of the offending field or argument.
        field: &'static str,
        /// The offending value, formatted.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The input is valid as data but outside the range where the model applies.
    #[error("outside model validity ({what}): {detail}")]
    Validity {
        /// Which model or quantity.
        what: &'static str,
        /// Details including the offending value.
        detail: String,
    },
    /// An embedded data file could not be parsed (an internal bug: the files ship with the crate).
    #[error("data file `{file}`: {detail}")]
    Data {
        /// The data file name.
        file: &'static str,
        /// Parser message.
        detail: String,
    },
    /// A design or search found no input that meets the target.
    #[error("no feasible design: {0}")]
    Infeasible(String),
    /// An error from `repm-material` (formula parsing, lots, balances).
    #[error(transparent)]
    Material(#[from] repm_material::MaterialError),
}

impl SinterError {
    /// Shorthand for a [`SinterError::Config`].
    pub(crate) fn config(field: &'static str, value: impl std::fmt::Display, reason: &str) -> Self {
        Self::Config {
            field,
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, SinterError>;

/// Check that `v` is finite and strictly positive.
pub(crate) fn positive(field: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(SinterError::config(field, v, "must be finite and > 0"))
    }
}

/// Check that `v` is finite and non-negative.
pub(crate) fn non_negative(field: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(SinterError::config(field, v, "must be finite and >= 0"))
    }
}

/// Check that `v` lies in the closed interval \[lo, hi\].
pub(crate) fn in_range(field: &'static str, v: f64, lo: f64, hi: f64) -> Result<f64> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(v)
    } else {
        Err(SinterError::config(
            field,
            v,
            &format!("must lie in [{lo}, {hi}]"),
        ))
    }
}

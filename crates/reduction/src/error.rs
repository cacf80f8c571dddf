//! The crate's error type: one `#[non_exhaustive]` enum, variants by category.

use repm_des::DesError;
use repm_material::MaterialError;

/// Every error `repm-reduction` reports. Bad input never panics and never gives a silently
/// wrong result: it comes back as one of these, naming the field and the value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReductionError {
    /// A configuration value is out of its valid range (configuration category).
    #[error("invalid parameter `{field}` = {value}: {reason}")]
    InvalidParameter {
        /// Dotted path of the field, e.g. `calciothermic.ca_excess`.
        field: String,
        /// The offending value as text.
        value: String,
        /// What was expected.
        reason: String,
    },
    /// A charge or feed that the model cannot process (model-validity category), e.g. a
    /// fluoride that is not a rare-earth trifluoride.
    #[error("invalid charge: {0}")]
    InvalidCharge(String),
    /// A solver did not reach its tolerance (solver category). Models that can carry on report
    /// non-convergence in their result instead.
    #[error("solver `{solver}` failed: {message}")]
    Solver {
        /// Which solver.
        solver: &'static str,
        /// What happened.
        message: String,
    },
    /// An error from the material crate (formula, lot, thermochemistry data).
    #[error(transparent)]
    Material(#[from] MaterialError),
    /// An error from the event core (scheduling, distributions).
    #[error(transparent)]
    Des(#[from] DesError),
}

impl ReductionError {
    /// Shorthand for [`ReductionError::InvalidParameter`].
    pub fn invalid(
        field: impl Into<String>,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        ReductionError::InvalidParameter {
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, ReductionError>;

/// Check that `value` is finite and > 0.
pub(crate) fn positive(field: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ReductionError::invalid(
            field,
            value,
            "must be finite and > 0",
        ))
    }
}

/// Check that `value` is finite and ≥ 0.
pub(crate) fn non_negative(field: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(ReductionError::invalid(
            field,
            value,
            "must be finite and >= 0",
        ))
    }
}

/// Check that `value` is a fraction in `[0, 1]`.
pub(crate) fn fraction(field: &str, value: f64) -> Result<f64> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(ReductionError::invalid(
            field,
            value,
            "must be a fraction in [0, 1]",
        ))
    }
}

/// Check that `value` lies in `[lo, hi]`.
pub(crate) fn in_range(field: &str, value: f64, lo: f64, hi: f64) -> Result<f64> {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(value)
    } else {
        Err(ReductionError::invalid(
            field,
            value,
            format!("must lie in [{lo}, {hi}]"),
        ))
    }
}

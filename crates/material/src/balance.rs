//! [`ElementBalance`]: the conservation check used by every unit-operation test.
//!
//! Science reference: `docs/science/material.md`, §6 (eq. BAL-1).
//!
//! Basis: element **amounts \[mol\]** (not masses), so the check does not depend on molar-mass
//! rounding and an element's amount is exactly what the stoichiometry moves. Masses \[kg\] can
//! be added with [`ElementBalance::input_masses`] etc. (converted with the IUPAC molar masses).
//!
//! For every element the balance is `in = out + accumulation`; the relative error is
//!
//! ```text
//! ε_e = |in_e − (out_e + acc_e)| / max(|in_e|, |out_e + acc_e|, floor)        (eq. BAL-1)
//! ```
//!
//! where `floor` \[mol\] (default 1e-30 mol, settable with [`ElementBalance::with_floor`]) keeps
//! elements absent on both sides at ε = 0. `check(rel_tol)` fails on the element with the
//! largest ε if that exceeds `rel_tol`, naming the element, its in and out.

use serde::{Deserialize, Serialize};

use crate::element::Element;
use crate::error::MaterialError;
use crate::lot::Lot;
use crate::stream::Stream;
use crate::vector::ElementVector;

const BASIS: &str = "amount [mol]";

/// Default absolute floor of the denominator of eq. BAL-1 \[mol\].
pub const DEFAULT_BALANCE_FLOOR: f64 = 1e-30;

/// Accumulates element amounts \[mol\] in, out and accumulated, and checks they close.
///
/// ```
/// use repm_material::{Form, Lot, LotId, balance::ElementBalance};
/// let feed = Lot::from_formulas(LotId(1), Form::Salt, &[("NdF3", 2.0)])?;
/// let (a, b) = feed.split(0.3)?;
/// ElementBalance::new().input_lot(&feed).output_lot(&a).output_lot(&b).check(1e-12)?;
/// # Ok::<(), repm_material::MaterialError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ElementBalance {
    input: ElementVector,
    output: ElementVector,
    accumulation: ElementVector,
    floor: f64,
}

impl Default for ElementBalance {
    fn default() -> Self {
        Self::new()
    }
}

/// One element's line of a [`BalanceReport`] (amounts \[mol\]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementBalanceLine {
    /// The element.
    pub element: Element,
    /// Total in \[mol\].
    pub input: f64,
    /// Total out \[mol\].
    pub output: f64,
    /// Accumulation (hold-up increase; negative for depletion) \[mol\].
    pub accumulation: f64,
    /// in − out − accumulation \[mol\].
    pub imbalance: f64,
    /// ε of eq. BAL-1 \[-\].
    pub relative_error: f64,
}

/// Result of a balance: one line per element present anywhere, plus the worst element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceReport {
    /// Basis and unit of the amounts: `"amount [mol]"`.
    pub basis: String,
    /// Lines in element order, for elements with a non-zero term.
    pub elements: Vec<ElementBalanceLine>,
    /// The element with the largest relative error (None if nothing was added).
    pub worst: Option<Element>,
    /// The largest relative error \[-\].
    pub max_relative_error: f64,
}

impl ElementBalance {
    /// An empty balance.
    pub fn new() -> Self {
        ElementBalance {
            input: ElementVector::zeros(),
            output: ElementVector::zeros(),
            accumulation: ElementVector::zeros(),
            floor: DEFAULT_BALANCE_FLOOR,
        }
    }

    /// Set the absolute floor \[mol\] of the denominator of eq. BAL-1.
    pub fn with_floor(mut self, floor: f64) -> Self {
        self.floor = floor;
        self
    }

    /// Add element amounts \[mol\] to the inputs.
    pub fn input(mut self, amounts: &ElementVector) -> Self {
        self.add_input(amounts);
        self
    }
    /// Add element amounts \[mol\] to the outputs.
    pub fn output(mut self, amounts: &ElementVector) -> Self {
        self.add_output(amounts);
        self
    }
    /// Add element amounts \[mol\] to the accumulation (negative for depletion).
    pub fn accumulation(mut self, amounts: &ElementVector) -> Self {
        self.add_accumulation(amounts);
        self
    }
    /// Add a lot to the inputs.
    pub fn input_lot(self, lot: &Lot) -> Self {
        self.input(&lot.element_amounts())
    }
    /// Add a lot to the outputs.
    pub fn output_lot(self, lot: &Lot) -> Self {
        self.output(&lot.element_amounts())
    }
    /// Add a lot to the accumulation.
    pub fn accumulation_lot(self, lot: &Lot) -> Self {
        self.accumulation(&lot.element_amounts())
    }
    /// Add element masses \[kg\] to the inputs.
    pub fn input_masses(self, masses: &ElementVector) -> Self {
        self.input(&masses.masses_to_amounts())
    }
    /// Add element masses \[kg\] to the outputs.
    pub fn output_masses(self, masses: &ElementVector) -> Self {
        self.output(&masses.masses_to_amounts())
    }
    /// Add a stream flowing for `duration` \[s\] to the inputs.
    pub fn input_stream(self, stream: &Stream, duration: f64) -> Self {
        self.input(&(stream.element_flows() * duration))
    }
    /// Add a stream flowing for `duration` \[s\] to the outputs.
    pub fn output_stream(self, stream: &Stream, duration: f64) -> Self {
        self.output(&(stream.element_flows() * duration))
    }

    /// In-place: add element amounts \[mol\] to the inputs.
    pub fn add_input(&mut self, amounts: &ElementVector) -> &mut Self {
        self.input += amounts;
        self
    }
    /// In-place: add element amounts \[mol\] to the outputs.
    pub fn add_output(&mut self, amounts: &ElementVector) -> &mut Self {
        self.output += amounts;
        self
    }
    /// In-place: add element amounts \[mol\] to the accumulation.
    pub fn add_accumulation(&mut self, amounts: &ElementVector) -> &mut Self {
        self.accumulation += amounts;
        self
    }

    /// The report (no tolerance applied).
    pub fn report(&self) -> BalanceReport {
        let mut lines = Vec::new();
        let mut worst = None;
        let mut max_err = 0.0f64;
        for e in Element::iter() {
            let (i, o, a) = (self.input[e], self.output[e], self.accumulation[e]);
            if i == 0.0 && o == 0.0 && a == 0.0 {
                continue;
            }
            let right = o + a;
            let imbalance = i - right;
            let denom = i.abs().max(right.abs()).max(self.floor);
            let rel = if imbalance.is_nan() {
                f64::INFINITY
            } else {
                imbalance.abs() / denom
            };
            if worst.is_none() || rel > max_err {
                worst = Some(e);
                max_err = rel;
            }
            lines.push(ElementBalanceLine {
                element: e,
                input: i,
                output: o,
                accumulation: a,
                imbalance,
                relative_error: rel,
            });
        }
        BalanceReport {
            basis: BASIS.to_string(),
            elements: lines,
            worst,
            max_relative_error: max_err,
        }
    }

    /// Check that every element closes within `rel_tol`; the error names the worst element
    /// with its in and out + accumulation. Returns the report on success.
    pub fn check(&self, rel_tol: f64) -> Result<BalanceReport, MaterialError> {
        let r = self.report();
        if let Some(e) = r.worst
            && (r.max_relative_error.is_nan() || r.max_relative_error > rel_tol)
        {
            return Err(MaterialError::Balance {
                element: e,
                input: self.input[e],
                output: self.output[e] + self.accumulation[e],
                relative_error: r.max_relative_error,
                tolerance: rel_tol,
                basis: BASIS,
            });
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_and_names_worst_element() {
        let mut i = ElementVector::zeros();
        i[Element::Nd] = 1.0;
        i[Element::F] = 3.0;
        let mut o = i;
        o[Element::F] = 2.9;
        let err = ElementBalance::new()
            .input(&i)
            .output(&o)
            .check(1e-9)
            .unwrap_err();
        match err {
            MaterialError::Balance {
                element,
                relative_error,
                ..
            } => {
                assert_eq!(element, Element::F);
                assert!((relative_error - 0.1 / 3.0).abs() < 1e-12);
            }
            e => panic!("{e}"),
        }
        assert!(
            ElementBalance::new()
                .input(&i)
                .output(&i)
                .check(0.0)
                .is_ok()
        );
        let mut nan = i;
        nan[Element::Nd] = f64::NAN;
        assert!(
            ElementBalance::new()
                .input(&i)
                .output(&nan)
                .check(1.0)
                .is_err()
        );
        // in = 0, out tiny: relative error 1
        let tiny = ElementVector::unit(Element::Dy, 1e-20);
        assert!(ElementBalance::new().output(&tiny).check(0.5).is_err());
        assert!(
            ElementBalance::new()
                .with_floor(1e-9)
                .output(&tiny)
                .check(1e-9)
                .is_ok()
        );
    }
}

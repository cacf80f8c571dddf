//! [`Stream`]: the continuous counterpart of a [`crate::Lot`] (species molar flows).
//!
//! Science reference: `docs/science/material.md`, §4 (eq. L-7).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::MaterialError;
use crate::form::Form;
use crate::formula::Formula;
use crate::lot::{Lot, LotId};
use crate::vector::ElementVector;

/// A continuous flow of material: species molar flows \[mol·s⁻¹\] and a form. In a stream the
/// extensive fields of the form are flows: the `volume` of a solution or organic phase is a
/// volume flow \[m³·s⁻¹\]. (When deserialising a stream, give that field as a plain number in
/// m³·s⁻¹: the unit-string form of [`Form`] fields parses volumes, not volume flows.)
///
/// Deserialisation validates (negative flows and bad forms are errors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "StreamUnchecked")]
pub struct Stream {
    /// Physical form; extensive fields are per second.
    pub form: Form,
    /// Mass fraction of recycled material \[-\].
    #[serde(default)]
    pub recycled_fraction: f64,
    /// Species molar flows \[mol·s⁻¹\].
    flows: BTreeMap<Formula, f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamUnchecked {
    form: Form,
    #[serde(default)]
    recycled_fraction: f64,
    #[serde(default)]
    flows: BTreeMap<Formula, f64>,
}

impl TryFrom<StreamUnchecked> for Stream {
    type Error = MaterialError;
    fn try_from(u: StreamUnchecked) -> Result<Stream, MaterialError> {
        let mut s = Stream::from_species(u.form, u.flows)?;
        if !(0.0..=1.0).contains(&u.recycled_fraction) {
            return Err(MaterialError::invalid(
                "stream recycled_fraction",
                u.recycled_fraction,
                "must be in [0, 1]",
            ));
        }
        s.recycled_fraction = u.recycled_fraction;
        Ok(s)
    }
}

impl Stream {
    /// An empty stream.
    pub fn new(form: Form) -> Result<Stream, MaterialError> {
        form.validate()?;
        Ok(Stream {
            form,
            recycled_fraction: 0.0,
            flows: BTreeMap::new(),
        })
    }

    /// A stream from `(formula, flow [mol·s⁻¹])` pairs (each finite and >= 0).
    pub fn from_species<I>(form: Form, flows: I) -> Result<Stream, MaterialError>
    where
        I: IntoIterator<Item = (Formula, f64)>,
    {
        let mut s = Stream::new(form)?;
        for (f, q) in flows {
            s.add_species(f, q)?;
        }
        Ok(s)
    }

    /// Like [`Stream::from_species`] with formulas as text.
    pub fn from_formulas(form: Form, flows: &[(&str, f64)]) -> Result<Stream, MaterialError> {
        let parsed = flows
            .iter()
            .map(|(s, q)| Formula::parse(s).map(|f| (f, *q)))
            .collect::<Result<Vec<_>, _>>()?;
        Stream::from_species(form, parsed)
    }

    /// The average stream that delivers `lot` over `duration` \[s\] (> 0).
    pub fn from_lot(lot: &Lot, duration: f64) -> Result<Stream, MaterialError> {
        if !(duration.is_finite() && duration > 0.0) {
            return Err(MaterialError::invalid(
                "duration [s]",
                duration,
                "must be finite and > 0",
            ));
        }
        let mut s = Stream::from_species(
            lot.form.scaled(1.0 / duration),
            lot.species().map(|(f, n)| (f.clone(), n / duration)),
        )?;
        s.recycled_fraction = lot.recycled_fraction;
        Ok(s)
    }

    /// Add a molar flow \[mol·s⁻¹\] of `species`.
    pub fn add_species(&mut self, species: Formula, flow: f64) -> Result<(), MaterialError> {
        if !(flow.is_finite() && flow >= 0.0) {
            return Err(MaterialError::invalid(
                format!("flow of {species} [mol/s]"),
                flow,
                "must be finite and >= 0",
            ));
        }
        *self.flows.entry(species).or_insert(0.0) += flow;
        Ok(())
    }

    /// Molar flow \[mol·s⁻¹\] of `species` (0 if absent).
    pub fn flow(&self, species: &Formula) -> f64 {
        self.flows.get(species).copied().unwrap_or(0.0)
    }

    /// Species and molar flows \[mol·s⁻¹\] in canonical-formula order.
    pub fn species(&self) -> impl Iterator<Item = (&Formula, f64)> + '_ {
        self.flows.iter().map(|(f, q)| (f, *q))
    }

    /// Element molar flows \[mol·s⁻¹\].
    pub fn element_flows(&self) -> ElementVector {
        let mut v = ElementVector::zeros();
        for (f, q) in &self.flows {
            for (e, c) in f.counts().iter_nonzero() {
                v[e] += c * q;
            }
        }
        v
    }

    /// Total mass flow \[kg·s⁻¹\].
    pub fn mass_flow(&self) -> f64 {
        self.flows.iter().map(|(f, q)| f.molar_mass() * q).sum()
    }

    /// The lot collected from this stream over `duration` \[s\] (finite, >= 0): amounts
    /// = flows × duration, extensive form fields × duration.
    pub fn into_lot(&self, duration: f64, id: LotId) -> Result<Lot, MaterialError> {
        if !(duration.is_finite() && duration >= 0.0) {
            return Err(MaterialError::invalid(
                "duration [s]",
                duration,
                "must be finite and >= 0",
            ));
        }
        let lot = Lot::from_species(
            id,
            self.form.scaled(duration),
            self.flows.iter().map(|(f, q)| (f.clone(), q * duration)),
        )?;
        lot.with_recycled_fraction(self.recycled_fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn stream_to_lot() {
        let s = Stream::from_formulas(
            Form::AqueousSolution {
                volume: 1e-3,
                acidity: 500.0,
            },
            &[("NdCl3", 0.01)],
        )
        .unwrap();
        let lot = s.into_lot(3600.0, LotId(3)).unwrap();
        assert_relative_eq!(
            lot.amount(&Formula::parse("NdCl3").unwrap()),
            36.0,
            max_relative = 1e-14
        );
        assert_relative_eq!(lot.form.volume().unwrap(), 3.6, max_relative = 1e-14);
        let back = Stream::from_lot(&lot, 3600.0).unwrap();
        assert_relative_eq!(back.mass_flow(), s.mass_flow(), max_relative = 1e-14);
        assert!(s.into_lot(f64::NAN, LotId(4)).is_err());
    }
}

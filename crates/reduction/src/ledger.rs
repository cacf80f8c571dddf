//! A species ledger: amounts \[mol\] keyed by species name, the bookkeeping behind every model's
//! inputs, outputs and inventories, convertible to [`Lot`]s and element vectors for balances.

use std::collections::BTreeMap;

use repm_material::{ElementVector, Form, Formula, Lot, LotId};
use serde::{Deserialize, Serialize};

use crate::error::{ReductionError, Result};

/// Species amounts \[mol\] keyed by the species name used in the thermochemistry data
/// (`"NdF3"`, `"Ca(g)"`, ...). Ordered (BTreeMap), so every sum is deterministic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger(pub BTreeMap<String, f64>);

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger::default()
    }

    /// Add `amount` \[mol\] (may be negative for a withdrawal) of `species`.
    pub fn add(&mut self, species: &str, amount: f64) {
        if amount == 0.0 {
            return;
        }
        *self.0.entry(species.to_string()).or_insert(0.0) += amount;
    }

    /// Add every entry of `other` scaled by `k` [-].
    pub fn add_scaled(&mut self, other: &Ledger, k: f64) {
        for (s, n) in &other.0 {
            self.add(s, k * n);
        }
    }

    /// Amount of `species` \[mol\] (0 when absent).
    pub fn get(&self, species: &str) -> f64 {
        self.0.get(species).copied().unwrap_or(0.0)
    }

    /// Entries as `(species, amount)` pairs \[mol\] in name order, zeros dropped.
    pub fn items(&self) -> Vec<(String, f64)> {
        self.0
            .iter()
            .filter(|(_, n)| **n != 0.0)
            .map(|(s, n)| (s.clone(), *n))
            .collect()
    }

    /// Element amounts \[mol\].
    ///
    /// # Errors
    /// A species name that is not a valid formula.
    pub fn element_amounts(&self) -> Result<ElementVector> {
        let mut v = ElementVector::zeros();
        for (s, n) in &self.0 {
            let f = Formula::parse(s)?;
            v += *f.counts() * *n;
        }
        Ok(v)
    }

    /// Total mass \[kg\].
    ///
    /// # Errors
    /// A species name that is not a valid formula.
    pub fn mass(&self) -> Result<f64> {
        let mut m = 0.0;
        for (s, n) in &self.0 {
            m += Formula::parse(s)?.molar_mass() * n;
        }
        Ok(m)
    }

    /// The smallest amount in the ledger \[mol\] and its species (for "no negative amount" checks).
    pub fn min_entry(&self) -> Option<(&str, f64)> {
        self.0
            .iter()
            .map(|(s, n)| (s.as_str(), *n))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Clear tiny negative round-off (|n| ≤ `tol` \[mol\]) to zero; larger negatives are an error.
    ///
    /// # Errors
    /// [`ReductionError::Solver`] naming the species when an amount is below `-tol`.
    pub fn clean(&mut self, tol: f64) -> Result<()> {
        for (s, n) in self.0.iter_mut() {
            if *n < -tol {
                return Err(ReductionError::Solver {
                    solver: "ledger",
                    message: format!("negative amount of {s}: {n} mol"),
                });
            }
            if *n < 0.0 {
                *n = 0.0;
            }
        }
        self.0.retain(|_, n| *n > 0.0);
        Ok(())
    }

    /// The ledger as a [`Lot`] of the given form (phase suffixes such as `(g)` kept).
    ///
    /// # Errors
    /// A species name that is not a valid formula, or a negative amount.
    pub fn to_lot(&self, id: LotId, form: Form) -> Result<Lot> {
        let species = self
            .0
            .iter()
            .filter(|(_, n)| **n > 0.0)
            .map(|(s, n)| Formula::parse(s).map(|f| (f, *n)))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Lot::from_species(id, form, species)?)
    }

    /// The species amounts \[mol\] of several lots, summed.
    pub fn from_lots<'a>(lots: impl IntoIterator<Item = &'a Lot>) -> Self {
        let mut l = Ledger::new();
        for lot in lots {
            l.add_scaled(&Ledger::from_lot(lot), 1.0);
        }
        l
    }

    /// A ledger from a lot's species amounts \[mol\].
    pub fn from_lot(lot: &Lot) -> Self {
        let mut l = Ledger::new();
        for (f, n) in lot.species() {
            l.add(f.as_str(), n);
        }
        l
    }
}

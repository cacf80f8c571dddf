//! [`Lot`]: a discrete quantity of material moving between unit operations.
//!
//! Science reference: `docs/science/material.md`, §4 (eqs. L-1 to L-7).
//!
//! A lot carries its composition as species amounts \[mol\] keyed by [`Formula`] (a
//! `BTreeMap`, so iteration and serialisation are deterministic, ordered by canonical formula
//! text), its [`Form`], and its traceability: [`LotId`], parent lots and the recycled fraction.
//!
//! Conservation: [`Lot::mix`] sums species amounts; [`Lot::split`] gives the first part
//! `f·n` and the second `n − f·n` for every species, so the parts add back to the whole with at
//! most one rounding per species (far below the 1e-12 relative the project promises).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::element::Element;
use crate::error::MaterialError;
use crate::form::Form;
use crate::formula::Formula;
use crate::vector::ElementVector;

/// Identifier of a lot. Allocate with [`LotIdSource`] (deterministic counter) or from your own
/// numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LotId(pub u64);

impl fmt::Display for LotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lot-{}", self.0)
    }
}

/// Port kind label for ports that carry [`Lot`]s between `repm-des` models. Every process
/// crate declares its lot ports with it (`Port::typed("metal", LOT_PORT_KIND)`), so a model of
/// one crate connects to a model of another (`connect` refuses differing kinds).
pub const LOT_PORT_KIND: &str = "lot";

/// A deterministic source of fresh [`LotId`]s (a counter; serialisable for checkpoints).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotIdSource {
    next: u64,
}

impl LotIdSource {
    /// A source whose first id is `first`.
    pub fn starting_at(first: u64) -> Self {
        LotIdSource { next: first }
    }

    /// The next fresh id.
    #[allow(clippy::should_implement_trait)] // not an iterator: it never ends
    pub fn next(&mut self) -> LotId {
        let id = LotId(self.next);
        self.next += 1;
        id
    }
}

/// A discrete quantity of material: species amounts \[mol\], form, traceability.
///
/// Invariants (checked by every constructor and mutator): amounts finite and >= 0, the form
/// valid, `recycled_fraction` in \[0, 1\]. The public fields can be changed directly; call
/// [`Lot::validate`] afterwards if you do.
///
/// Deserialisation validates (negative amounts, bad forms and fractions are errors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "LotUnchecked")]
pub struct Lot {
    /// This lot's id.
    pub id: LotId,
    /// Direct parents (the lots mixed or split to make this one), in order, without duplicates.
    /// The full genealogy is the graph of these links (the plant keeps the lot log).
    #[serde(default)]
    pub parents: Vec<LotId>,
    /// Physical form and its state.
    pub form: Form,
    /// Mass fraction of recycled material \[-\] (mass-weighted on mixing).
    #[serde(default)]
    pub recycled_fraction: f64,
    /// Free-form labels (grade, supplier, campaign, ...). Kept on mixing only where all inputs
    /// agree.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Species amounts \[mol\], keyed by formula.
    species: BTreeMap<Formula, f64>,
}

/// Mirror of [`Lot`] used to validate on deserialisation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LotUnchecked {
    id: LotId,
    #[serde(default)]
    parents: Vec<LotId>,
    form: Form,
    #[serde(default)]
    recycled_fraction: f64,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    species: BTreeMap<Formula, f64>,
}

impl TryFrom<LotUnchecked> for Lot {
    type Error = MaterialError;
    fn try_from(u: LotUnchecked) -> Result<Lot, MaterialError> {
        let lot = Lot {
            id: u.id,
            parents: u.parents,
            form: u.form,
            recycled_fraction: u.recycled_fraction,
            tags: u.tags,
            species: u.species,
        };
        lot.validate()?;
        Ok(lot)
    }
}

fn check_amount(species: &Formula, amount: f64) -> Result<(), MaterialError> {
    if amount.is_finite() && amount >= 0.0 {
        Ok(())
    } else {
        Err(MaterialError::invalid(
            format!("amount of {species} [mol]"),
            amount,
            "must be finite and >= 0",
        ))
    }
}

impl Lot {
    /// An empty lot of the given form.
    pub fn new(id: LotId, form: Form) -> Result<Lot, MaterialError> {
        form.validate()?;
        Ok(Lot {
            id,
            parents: Vec::new(),
            form,
            recycled_fraction: 0.0,
            tags: BTreeMap::new(),
            species: BTreeMap::new(),
        })
    }

    /// A lot from `(formula, amount [mol])` pairs; repeated formulas are summed.
    pub fn from_species<I>(id: LotId, form: Form, species: I) -> Result<Lot, MaterialError>
    where
        I: IntoIterator<Item = (Formula, f64)>,
    {
        let mut lot = Lot::new(id, form)?;
        for (f, n) in species {
            lot.add_species(f, n)?;
        }
        Ok(lot)
    }

    /// Like [`Lot::from_species`] with formulas given as text: `&[("NdF3", 2.0), ("Ca", 3.0)]`.
    pub fn from_formulas(
        id: LotId,
        form: Form,
        species: &[(&str, f64)],
    ) -> Result<Lot, MaterialError> {
        let parsed = species
            .iter()
            .map(|(s, n)| Formula::parse(s).map(|f| (f, *n)))
            .collect::<Result<Vec<_>, _>>()?;
        Lot::from_species(id, form, parsed)
    }

    /// A lot from element masses \[kg\] (e.g. an alloy recipe): each element becomes a
    /// single-element species (`"Nd"`, `"Fe"`, ...). Zero masses are skipped.
    pub fn from_element_masses(
        id: LotId,
        form: Form,
        masses: &ElementVector,
    ) -> Result<Lot, MaterialError> {
        if let Some((e, m)) = masses.first_invalid() {
            return Err(MaterialError::invalid(
                format!("mass of {e} [kg]"),
                m,
                "must be finite and >= 0",
            ));
        }
        Lot::from_element_amounts(id, form, &masses.masses_to_amounts())
    }

    /// A lot from element amounts \[mol\]: each element becomes a single-element species.
    pub fn from_element_amounts(
        id: LotId,
        form: Form,
        amounts: &ElementVector,
    ) -> Result<Lot, MaterialError> {
        Lot::from_species(
            id,
            form,
            amounts
                .iter_nonzero()
                .map(|(e, n)| (Formula::element(e), n)),
        )
    }

    /// Builder: set the parents.
    pub fn with_parents(mut self, parents: Vec<LotId>) -> Self {
        self.parents = parents;
        self
    }

    /// Builder: set the recycled fraction \[-\] (must be in \[0, 1\]).
    pub fn with_recycled_fraction(mut self, r: f64) -> Result<Self, MaterialError> {
        if !(0.0..=1.0).contains(&r) {
            return Err(MaterialError::invalid(
                "recycled_fraction",
                r,
                "must be in [0, 1]",
            ));
        }
        self.recycled_fraction = r;
        Ok(self)
    }

    /// Builder: set a tag.
    pub fn with_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// The same material under another id (parents unchanged).
    pub fn with_id(mut self, id: LotId) -> Self {
        self.id = id;
        self
    }

    /// Check all invariants (use after editing public fields directly).
    pub fn validate(&self) -> Result<(), MaterialError> {
        self.form.validate()?;
        if !(0.0..=1.0).contains(&self.recycled_fraction) {
            return Err(MaterialError::invalid(
                format!("{}.recycled_fraction", self.id),
                self.recycled_fraction,
                "must be in [0, 1]",
            ));
        }
        for (f, n) in &self.species {
            check_amount(f, *n)?;
        }
        Ok(())
    }

    /// Add `amount` \[mol\] of `species` (must be finite and >= 0).
    pub fn add_species(&mut self, species: Formula, amount: f64) -> Result<(), MaterialError> {
        check_amount(&species, amount)?;
        *self.species.entry(species).or_insert(0.0) += amount;
        Ok(())
    }

    /// Remove `amount` \[mol\] of `species`. Errors if more is asked than present (beyond a
    /// relative 1e-12 rounding allowance, in which case the species is set to zero).
    pub fn remove_species(&mut self, species: &Formula, amount: f64) -> Result<(), MaterialError> {
        check_amount(species, amount)?;
        let have = self.amount(species);
        let left = have - amount;
        if left < -1e-12 * have.max(amount) {
            return Err(MaterialError::invalid(
                format!("amount of {species} to remove from {} [mol]", self.id),
                amount,
                format!("only {have} mol present"),
            ));
        }
        if let Some(n) = self.species.get_mut(species) {
            *n = left.max(0.0);
        }
        Ok(())
    }

    /// Set the amount \[mol\] of `species` (replacing any previous amount).
    pub fn set_species(&mut self, species: Formula, amount: f64) -> Result<(), MaterialError> {
        check_amount(&species, amount)?;
        self.species.insert(species, amount);
        Ok(())
    }

    /// Amount \[mol\] of `species` (0 if absent).
    pub fn amount(&self, species: &Formula) -> f64 {
        self.species.get(species).copied().unwrap_or(0.0)
    }

    /// Species and amounts \[mol\] in canonical-formula order.
    pub fn species(&self) -> impl Iterator<Item = (&Formula, f64)> + '_ {
        self.species.iter().map(|(f, n)| (f, *n))
    }

    /// Number of species entries (including zero amounts).
    pub fn species_count(&self) -> usize {
        self.species.len()
    }

    /// Remove species with an amount of exactly zero.
    pub fn prune_zeros(&mut self) {
        self.species.retain(|_, n| *n != 0.0);
    }

    /// True if every species amount is zero.
    pub fn is_empty(&self) -> bool {
        self.species.values().all(|n| *n == 0.0)
    }

    /// Element amounts \[mol\].
    pub fn element_amounts(&self) -> ElementVector {
        let mut v = ElementVector::zeros();
        for (f, n) in &self.species {
            for &(e, c) in f.nonzero_counts() {
                v[e] += c * n;
            }
        }
        v
    }

    /// Element masses \[kg\].
    pub fn element_masses(&self) -> ElementVector {
        self.element_amounts().amounts_to_masses()
    }

    /// Total mass \[kg\].
    pub fn mass(&self) -> f64 {
        self.species.iter().map(|(f, n)| f.molar_mass() * n).sum()
    }

    /// Mass fraction of `element` \[kg·kg⁻¹\] (0 for an empty lot). For a powder,
    /// `mass_fraction(Element::O)` is its oxygen content.
    pub fn mass_fraction(&self, element: Element) -> f64 {
        let m = self.mass();
        if m > 0.0 {
            self.element_amounts()[element] * element.molar_mass() / m
        } else {
            0.0
        }
    }

    /// Net charge \[mol of elementary charges\] (Σ zᵢ·nᵢ); 0 for an electroneutral lot.
    pub fn charge(&self) -> f64 {
        self.species
            .iter()
            .map(|(f, n)| f64::from(f.charge()) * n)
            .sum()
    }

    /// Mix lots into a new lot `id`. Species amounts add; forms mix by [`Form::mix`] (error if
    /// incompatible: use [`Lot::mix_as`]); `recycled_fraction` is mass-weighted; parents are
    /// the input ids in order without duplicates; tags are kept where all inputs agree.
    pub fn mix<'a, I>(lots: I, id: LotId) -> Result<Lot, MaterialError>
    where
        I: IntoIterator<Item = &'a Lot>,
    {
        let lots: Vec<&Lot> = lots.into_iter().collect();
        let masses: Vec<f64> = lots.iter().map(|l| l.mass()).collect();
        let parts: Vec<(&Form, f64)> = lots
            .iter()
            .zip(&masses)
            .map(|(l, m)| (&l.form, *m))
            .collect();
        let form = Form::mix(&parts)?;
        Lot::mix_inner(&lots, &masses, id, form)
    }

    /// Mix lots whose forms do not mix by rule, giving the form of the mixture.
    pub fn mix_as<'a, I>(lots: I, id: LotId, form: Form) -> Result<Lot, MaterialError>
    where
        I: IntoIterator<Item = &'a Lot>,
    {
        form.validate()?;
        let lots: Vec<&Lot> = lots.into_iter().collect();
        if lots.is_empty() {
            return Err(MaterialError::composition("cannot mix zero lots"));
        }
        let masses: Vec<f64> = lots.iter().map(|l| l.mass()).collect();
        Lot::mix_inner(&lots, &masses, id, form)
    }

    fn mix_inner(
        lots: &[&Lot],
        masses: &[f64],
        id: LotId,
        form: Form,
    ) -> Result<Lot, MaterialError> {
        let mut out = Lot::new(id, form)?;
        let total: f64 = masses.iter().sum();
        let mut rec = 0.0;
        for (l, m) in lots.iter().zip(masses) {
            for (f, n) in &l.species {
                *out.species.entry(f.clone()).or_insert(0.0) += n;
            }
            rec += l.recycled_fraction * m;
            if !out.parents.contains(&l.id) {
                out.parents.push(l.id);
            }
        }
        out.recycled_fraction = if total > 0.0 {
            (rec / total).clamp(0.0, 1.0)
        } else {
            lots.iter().map(|l| l.recycled_fraction).sum::<f64>() / lots.len() as f64
        };
        if let Some(first) = lots.first() {
            out.tags = first
                .tags
                .iter()
                .filter(|(k, v)| lots.iter().all(|l| l.tags.get(*k) == Some(*v)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
        }
        Ok(out)
    }

    /// Split into two portions of the same lot: the first holds `fraction` of every species
    /// (and of the extensive form fields), the second the rest. Both keep this lot's `id`,
    /// parents, recycled fraction and tags (portions of one lot); give them fresh ids with
    /// [`Lot::split_into`] when genealogy needs them.
    ///
    /// `fraction` must be in \[0, 1\] (NaN is an error).
    pub fn split(&self, fraction: f64) -> Result<(Lot, Lot), MaterialError> {
        if !(0.0..=1.0).contains(&fraction) {
            return Err(MaterialError::invalid(
                "split fraction",
                fraction,
                "must be in [0, 1]",
            ));
        }
        let mut a = self.clone();
        let mut b = self.clone();
        for ((_, na), (_, nb)) in a.species.iter_mut().zip(b.species.iter_mut()) {
            let part = *na * fraction;
            *nb -= part;
            *na = part;
            if *nb < 0.0 {
                // cannot happen for fraction <= 1 in IEEE arithmetic; guard anyway
                *nb = 0.0;
            }
        }
        a.form = self.form.scaled(fraction);
        b.form = self.form.complement(fraction);
        Ok((a, b))
    }

    /// Split into two new lots `ids.0` (holding `fraction`) and `ids.1`, each with this lot as
    /// its only parent.
    pub fn split_into(
        &self,
        fraction: f64,
        ids: (LotId, LotId),
    ) -> Result<(Lot, Lot), MaterialError> {
        let (mut a, mut b) = self.split(fraction)?;
        a.id = ids.0;
        b.id = ids.1;
        a.parents = vec![self.id];
        b.parents = vec![self.id];
        Ok((a, b))
    }

    /// A copy with every amount (and extensive form field) multiplied by `k` >= 0.
    pub fn scaled(&self, k: f64) -> Result<Lot, MaterialError> {
        if !(k.is_finite() && k >= 0.0) {
            return Err(MaterialError::invalid(
                "scale factor",
                k,
                "must be finite and >= 0",
            ));
        }
        let mut l = self.clone();
        for n in l.species.values_mut() {
            *n *= k;
        }
        l.form = self.form.scaled(k);
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn nd_f3_lot() {
        let lot = Lot::from_formulas(LotId(1), Form::Salt, &[("NdF3", 2.0)]).unwrap();
        let n = lot.element_amounts();
        assert_relative_eq!(n[Element::F], 6.0);
        assert_relative_eq!(
            lot.mass(),
            2.0 * (0.144242 + 3.0 * 0.018998403162),
            max_relative = 1e-14
        );
        assert!(Lot::from_formulas(LotId(1), Form::Salt, &[("NdF3", -1.0)]).is_err());
        assert!(Lot::from_formulas(LotId(1), Form::Salt, &[("NdF3", f64::NAN)]).is_err());
        assert!(lot.split(f64::NAN).is_err());
        assert!(lot.split(1.5).is_err());
    }

    #[test]
    fn from_element_masses_round_trips() {
        let mut m = ElementVector::zeros();
        m[Element::Nd] = 0.30;
        m[Element::Fe] = 0.69;
        m[Element::B] = 0.01;
        let lot = Lot::from_element_masses(LotId(7), Form::Alloy, &m).unwrap();
        assert_relative_eq!(lot.mass(), 1.0, max_relative = 1e-14);
        assert_relative_eq!(
            lot.element_masses()[Element::Nd],
            0.30,
            max_relative = 1e-14
        );
        assert_relative_eq!(lot.mass_fraction(Element::B), 0.01, max_relative = 1e-13);
    }
}

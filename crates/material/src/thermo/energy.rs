//! Energy balance of a reacting charge: adiabatic product temperature with transition
//! plateaus, and the heat needed to reach a target temperature (eq. T12, science page
//! "Plateau algorithm").

use serde::{Deserialize, Serialize};

use super::R;
use super::db::ThermoSet;
use super::reaction::check_balance;
use crate::error::MaterialError;
use crate::units::{Amount, Temperature};

/// One reactant of a charge: a species, its amount and its own temperature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChargeItem {
    /// Species name in the data set (e.g. `"NdF3"`, `"Ca"`).
    pub species: String,
    /// Amount \[mol\] (config: `"2.5 mol"` or a number in mol).
    pub amount: Amount,
    /// Temperature at charging \[K\] (config: `"25 degC"` or a number in K).
    pub t: Temperature,
}

impl ChargeItem {
    /// Shorthand constructor: `amount` \[mol\] of `species` at `t` \[K\].
    pub fn new(species: &str, amount: f64, t: f64) -> ChargeItem {
        ChargeItem {
            species: species.to_string(),
            amount: Amount::from_si(amount),
            t: Temperature::from_si(t),
        }
    }
}

/// How the enthalpy of the charge is counted (Thermo-Calc's choice for additions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputConvention {
    /// Each reactant enters with its own H(T) (CaO is not Ca + O): the heat of reaction is
    /// released in the charge. Default; what Thermo-Calc does for additions below 1000 °C
    /// with all components solid.
    #[default]
    MechanicalMixture,
    /// The charge enters already equilibrated at its (common) temperature: its enthalpy is that
    /// of the products at T0, so no reaction heat is released in the vessel.
    Equilibrated,
}

/// Outcome of the adiabatic solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SolveStatus {
    /// Converged inside a single-phase interval (no plateau).
    Converged,
    /// Converged on a transition plateau: see [`AdiabaticResult::plateau`].
    OnPlateau,
    /// The products would be colder than the lower bracket: `temperature` is that bound.
    BelowBracket,
    /// The products would be hotter than the upper bracket: `temperature` is that bound.
    AboveBracket,
}

/// A transition plateau the adiabatic temperature sits on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plateau {
    /// Transition temperature \[K\].
    pub t: f64,
    /// (species, phase below, phase above) for each product species that transforms at `t`.
    pub species: Vec<(String, String, String)>,
    /// Fraction of the transforming species already in the high-temperature phase [-].
    pub transformed_fraction: f64,
    /// Total enthalpy of the transformation for the charge \[J\].
    pub dh: f64,
}

/// Result of [`adiabatic_temperature`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdiabaticResult {
    /// Status (non-convergence is reported here, never as a panic).
    pub status: SolveStatus,
    /// Product temperature \[K\].
    pub temperature: f64,
    /// Plateau details when `status` is [`SolveStatus::OnPlateau`].
    pub plateau: Option<Plateau>,
    /// Enthalpy of the charge plus heat added \[J\].
    pub enthalpy_target: f64,
    /// H_products(temperature) − target \[J\] (0 on a plateau: the fraction absorbs it).
    pub residual: f64,
    /// Function evaluations [-].
    pub evaluations: usize,
    /// Stable phase of each product species at the result (species, phase).
    pub phases: Vec<(String, String)>,
}

/// Bracket and tolerance of the adiabatic solve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdiabaticOptions {
    /// Lower bracket \[K\] (default 250 K).
    pub t_min: Temperature,
    /// Upper bracket \[K\] (default 6000 K, the top of the NASA gas pieces).
    pub t_max: Temperature,
    /// Bracket width at which bisection stops \[K\] (default 1e-9 K).
    pub t_tol: f64,
}

impl Default for AdiabaticOptions {
    fn default() -> Self {
        AdiabaticOptions {
            t_min: Temperature::from_si(250.0),
            t_max: Temperature::from_si(6000.0),
            t_tol: 1e-9,
        }
    }
}

fn check_amount(what: &str, n: f64) -> Result<(), MaterialError> {
    if !(n.is_finite() && n >= 0.0) {
        return Err(MaterialError::invalid(
            format!("amount of {what} [mol]"),
            n,
            "must be finite and >= 0",
        ));
    }
    Ok(())
}

/// Σ nᵢ Hᵢ(t) \[J\] of a mixture of pure species at `t` \[K\] (each in its stable phase).
///
/// # Errors
/// Unknown species, negative or non-finite amounts.
pub fn mixture_enthalpy(
    set: &ThermoSet,
    items: &[(String, f64)],
    t: f64,
) -> Result<f64, MaterialError> {
    let mut h = 0.0;
    for (s, n) in items {
        check_amount(s, *n)?;
        h += n * set.species(s)?.h(t);
    }
    Ok(h)
}

fn charge_enthalpy(
    set: &ThermoSet,
    reactants: &[ChargeItem],
    products: &[(String, f64)],
    convention: InputConvention,
) -> Result<f64, MaterialError> {
    match convention {
        InputConvention::MechanicalMixture => {
            let mut h = 0.0;
            for r in reactants {
                check_amount(&r.species, r.amount.si())?;
                if !(r.t.si().is_finite() && r.t.si() > 0.0) {
                    return Err(MaterialError::invalid(
                        format!("temperature of {} [K]", r.species),
                        r.t.si(),
                        "must be > 0",
                    ));
                }
                h += r.amount.si() * set.species(&r.species)?.h(r.t.si());
            }
            Ok(h)
        }
        InputConvention::Equilibrated => {
            let t0 = reactants.first().map_or(super::T_REF, |r| r.t.si());
            if let Some(r) = reactants.iter().find(|r| (r.t.si() - t0).abs() > 1e-9) {
                return Err(MaterialError::invalid(
                    format!("temperature of {} [K]", r.species),
                    r.t.si(),
                    "the equilibrated convention needs one common charge temperature",
                ));
            }
            mixture_enthalpy(set, products, t0)
        }
    }
}

/// Adiabatic temperature of `products` \[mol\] formed from `reactants` (each at its own T)
/// plus `q_in` \[J\] of external heat, by bisection on the monotone H_products(T).
///
/// The caller states the products (use [`complete_reaction_products`] for complete
/// conversion with excess reagents and inert additions passing through). When the target
/// enthalpy falls inside a phase-change jump of H_products(T) the result is the transition
/// temperature with [`SolveStatus::OnPlateau`] and the transformed fraction (eq. T12).
/// Elements must balance between reactants and products.
///
/// # Errors
/// Unknown species, negative amounts, unbalanced elements, bad options. Non-convergence
/// (target outside the bracket) is a status, not an error.
pub fn adiabatic_temperature(
    set: &ThermoSet,
    reactants: &[ChargeItem],
    products: &[(String, f64)],
    q_in: f64,
    convention: InputConvention,
    opts: AdiabaticOptions,
) -> Result<AdiabaticResult, MaterialError> {
    let (t_min, t_max) = (opts.t_min.si(), opts.t_max.si());
    if !(t_min > 0.0 && t_max > t_min && opts.t_tol > 0.0) {
        return Err(MaterialError::invalid(
            "adiabatic options t_min [K]",
            t_min,
            "need 0 < t_min < t_max and t_tol > 0",
        ));
    }
    if !q_in.is_finite() {
        return Err(MaterialError::invalid("q_in [J]", q_in, "must be finite"));
    }
    let mut stoich: Vec<(f64, &str)> = reactants
        .iter()
        .map(|r| (-r.amount.si(), r.species.as_str()))
        .collect();
    stoich.extend(products.iter().map(|(s, n)| (*n, s.as_str())));
    check_balance(&stoich)?;
    let species = products
        .iter()
        .map(|(s, n)| {
            check_amount(s, *n)?;
            Ok((set.species(s)?, *n))
        })
        .collect::<Result<Vec<_>, MaterialError>>()?;
    let target = charge_enthalpy(set, reactants, products, convention)? + q_in;
    let mut evals = 0usize;
    let mut h_at = |t: f64| {
        evals += 1;
        species.iter().map(|(sp, n)| n * sp.h(t)).sum::<f64>()
    };
    let phases_at =
        |t: f64| -> Vec<usize> { species.iter().map(|(sp, _)| sp.stable_phase(t)).collect() };
    let names = |idx: &[usize]| -> Vec<(String, String)> {
        species
            .iter()
            .zip(idx)
            .map(|((sp, _), &i)| (sp.name().to_string(), sp.phases()[i].name().to_string()))
            .collect()
    };
    let (mut a, mut b) = (t_min, t_max);
    let (ha, hb) = (h_at(a), h_at(b));
    if target < ha {
        let r = AdiabaticResult {
            status: SolveStatus::BelowBracket,
            temperature: a,
            plateau: None,
            enthalpy_target: target,
            residual: ha - target,
            evaluations: evals,
            phases: names(&phases_at(a)),
        };
        tracing::warn!(
            target,
            t_min = a,
            "adiabatic temperature below the lower bracket"
        );
        return Ok(r);
    }
    if target > hb {
        let r = AdiabaticResult {
            status: SolveStatus::AboveBracket,
            temperature: b,
            plateau: None,
            enthalpy_target: target,
            residual: hb - target,
            evaluations: evals,
            phases: names(&phases_at(b)),
        };
        tracing::warn!(
            target,
            t_max = b,
            "adiabatic temperature above the upper bracket"
        );
        return Ok(r);
    }
    while b - a > opts.t_tol {
        let m = 0.5 * (a + b);
        if h_at(m) <= target {
            a = m
        } else {
            b = m
        }
        tracing::trace!(a, b, "adiabatic bisection");
    }
    let (ha, hb) = (h_at(a), h_at(b));
    let n_tot: f64 = species.iter().map(|(_, n)| n).sum();
    let cp_tot: f64 = species.iter().map(|(sp, n)| n * sp.cp(b)).sum();
    // a jump larger than the continuous change over the bracket, on the scale 1e-6·R·T per mol
    let jump_floor = 1e-6 * n_tot.max(1e-300) * R * b + 10.0 * cp_tot.abs() * (b - a);
    let t = 0.5 * (a + b);
    if hb - ha > jump_floor {
        let (pa, pb) = (phases_at(a), phases_at(b));
        let sp_list = species
            .iter()
            .zip(pa.iter().zip(&pb))
            .filter(|(_, (x, y))| x != y)
            .map(|((sp, _), (&x, &y))| {
                (
                    sp.name().to_string(),
                    sp.phases()[x].name().to_string(),
                    sp.phases()[y].name().to_string(),
                )
            })
            .collect();
        let frac = ((target - ha) / (hb - ha)).clamp(0.0, 1.0);
        Ok(AdiabaticResult {
            status: SolveStatus::OnPlateau,
            temperature: t,
            plateau: Some(Plateau {
                t,
                species: sp_list,
                transformed_fraction: frac,
                dh: hb - ha,
            }),
            enthalpy_target: target,
            residual: 0.0,
            evaluations: evals,
            phases: names(&pb),
        })
    } else {
        let h = h_at(t);
        Ok(AdiabaticResult {
            status: SolveStatus::Converged,
            temperature: t,
            plateau: None,
            enthalpy_target: target,
            residual: h - target,
            evaluations: evals,
            phases: names(&phases_at(t)),
        })
    }
}

/// External heat \[J\] to bring `products` to `t_target` \[K\] from the charge `reactants`
/// (positive: heat must be supplied; negative: heat must be removed).
///
/// # Errors
/// Unknown species, negative amounts, unbalanced elements.
pub fn heat_to_temperature(
    set: &ThermoSet,
    reactants: &[ChargeItem],
    products: &[(String, f64)],
    t_target: f64,
    convention: InputConvention,
) -> Result<f64, MaterialError> {
    let mut stoich: Vec<(f64, &str)> = reactants
        .iter()
        .map(|r| (-r.amount.si(), r.species.as_str()))
        .collect();
    stoich.extend(products.iter().map(|(s, n)| (*n, s.as_str())));
    check_balance(&stoich)?;
    Ok(mixture_enthalpy(set, products, t_target)?
        - charge_enthalpy(set, reactants, products, convention)?)
}

/// Products of complete conversion of `reactants` \[mol\] by the reaction `stoich` (ν signed,
/// reactants negative): the extent is set by the limiting reactant, excess reagents remain,
/// species not in the reaction (inert additions) pass through. Deterministic order: charge
/// order, then new products in reaction order.
///
/// # Errors
/// Unbalanced reaction, negative amounts, a reactant of the reaction missing from the charge.
pub fn complete_reaction_products(
    stoich: &[(f64, &str)],
    reactants: &[(String, f64)],
) -> Result<Vec<(String, f64)>, MaterialError> {
    check_balance(stoich)?;
    let mut extent = f64::INFINITY;
    for &(nu, s) in stoich.iter().filter(|(nu, _)| *nu < 0.0) {
        let n: f64 = reactants
            .iter()
            .filter(|(r, _)| r == s)
            .map(|(_, n)| *n)
            .sum();
        extent = extent.min(n / -nu);
    }
    if !extent.is_finite() {
        return Err(MaterialError::Reaction {
            input: super::reaction::describe(stoich),
            message: "no reactant".into(),
        });
    }
    let mut out: Vec<(String, f64)> = Vec::new();
    for (s, n) in reactants {
        check_amount(s, *n)?;
        match out.iter_mut().find(|(x, _)| x == s) {
            Some((_, m)) => *m += n,
            None => out.push((s.clone(), *n)),
        }
    }
    for &(nu, s) in stoich {
        match out.iter_mut().find(|(x, _)| x == s) {
            Some((_, m)) => {
                let new = *m + nu * extent;
                *m = if new.abs() <= 1e-12 * m.abs() {
                    0.0
                } else {
                    new
                };
            }
            None => out.push((s.to_string(), nu * extent)),
        }
    }
    out.retain(|(_, n)| *n > 0.0);
    Ok(out)
}

/// Charge items for every species of a [`crate::lot::Lot`] at one temperature `t` \[K\]
/// (species named by their canonical formula text, e.g. `"NdF3"`, `"Ca"`).
pub fn charge_from_lot(lot: &crate::lot::Lot, t: f64) -> Vec<ChargeItem> {
    lot.species()
        .filter(|(_, n)| *n > 0.0)
        .map(|(f, n)| ChargeItem::new(f.as_str(), n, t))
        .collect()
}

/// Enthalpy Σ nᵢ Hᵢ(t) \[J\] of a lot's species at `t` \[K\] (formation scale, each species in its
/// stable phase).
///
/// # Errors
/// A species the data set does not serve.
pub fn lot_enthalpy(set: &ThermoSet, lot: &crate::lot::Lot, t: f64) -> Result<f64, MaterialError> {
    let mut h = 0.0;
    for (f, n) in lot.species() {
        if n > 0.0 {
            h += n * set.species(f.as_str())?.h(t);
        }
    }
    Ok(h)
}

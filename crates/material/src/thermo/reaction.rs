//! Reaction functions ΔrH, ΔrS, ΔrG, log K (eq. T10) and Ellingham lines (eq. T11).

use serde::Serialize;

use super::R;
use super::db::ThermoSet;
use crate::element::Element;
use crate::error::MaterialError;
use crate::formula::Formula;
use crate::vector::ElementVector;

/// Standard reaction properties at one temperature (all species pure, 1 bar).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReactionProps {
    /// Temperature \[K\].
    pub t: f64,
    /// ΔrH° \[J\] per reaction as written (per mol of reaction extent).
    pub dh: f64,
    /// ΔrS° [J·K⁻¹] per reaction as written.
    pub ds: f64,
    /// ΔrG° = ΔrH° − TΔrS° \[J\] per reaction as written.
    pub dg: f64,
    /// ΔrCp° [J·K⁻¹] per reaction as written.
    pub dcp: f64,
    /// log₁₀ K = −ΔrG°/(RT ln 10) [-].
    pub log10_k: f64,
}

/// Element counts of a species name (phase suffix allowed).
fn counts(name: &str) -> Result<ElementVector, MaterialError> {
    Ok(*Formula::parse(name)?.counts())
}

/// Check that `stoich` (ν signed: reactants negative, products positive) conserves every element.
///
/// # Errors
/// [`MaterialError::Reaction`] naming the unbalanced element.
pub(crate) fn check_balance(stoich: &[(f64, &str)]) -> Result<(), MaterialError> {
    let mut net = ElementVector::zeros();
    let mut scale = ElementVector::zeros();
    for &(nu, name) in stoich {
        let c = counts(name)?;
        for e in Element::ALL {
            net[e] += nu * c[e];
            scale[e] += (nu * c[e]).abs();
        }
    }
    for e in Element::ALL {
        if net[e].abs() > 1e-9 * scale[e].max(1.0) {
            return Err(MaterialError::Reaction {
                input: describe(stoich),
                message: format!(
                    "element {} not balanced: net {:+} mol per reaction",
                    e.symbol(),
                    net[e]
                ),
            });
        }
    }
    Ok(())
}

pub(crate) fn describe(stoich: &[(f64, &str)]) -> String {
    let side = |pos: bool| {
        stoich
            .iter()
            .filter(|(n, _)| (*n > 0.0) == pos)
            .map(|(n, s)| format!("{} {s}", n.abs()))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    format!("{} = {}", side(false), side(true))
}

/// ΔrH°, ΔrS°, ΔrG°, ΔrCp° and log K of a reaction at `t` \[K\] in data set `set`.
///
/// `stoich`: (ν, species) with reactants negative and products positive, e.g.
/// `[(-2.0, "NdF3"), (-3.0, "Ca"), (2.0, "Nd"), (3.0, "CaF2")]`. Each species is in its
/// stable phase at `t` (minimum G); the element balance is checked.
///
/// # Errors
/// Unknown species, unparsable formula, unbalanced reaction, non-positive or non-finite `t`.
pub fn reaction_props(
    set: &ThermoSet,
    stoich: &[(f64, &str)],
    t: f64,
) -> Result<ReactionProps, MaterialError> {
    if !(t.is_finite() && t > 0.0) {
        return Err(MaterialError::invalid(
            "temperature [K]",
            t,
            "must be finite and > 0",
        ));
    }
    check_balance(stoich)?;
    let (mut dh, mut ds, mut dcp) = (0.0, 0.0, 0.0);
    for &(nu, name) in stoich {
        let p = set.species(name)?.props(t);
        dh += nu * p.h;
        ds += nu * p.s;
        dcp += nu * p.cp;
    }
    let dg = dh - t * ds;
    Ok(ReactionProps {
        t,
        dh,
        ds,
        dg,
        dcp,
        log10_k: -dg / (R * t * std::f64::consts::LN_10),
    })
}

/// Ellingham line point: ΔrG° [J per mol X2] of (2a/b) M + X2 = (2/b) MaXb at `t` \[K\],
/// X ∈ {O, F, Cl}, for a compound of one metal M with X (e.g. `"Nd2O3"`, `"CaF2"`, `"PrO1.833"`).
/// The metal is the condensed element species (`"Nd"`), X2 the gas (`"O2"`, `"F2"`, `"Cl2"`).
///
/// Returns the reaction properties per mol X2.
///
/// # Errors
/// If the compound is not a binary of one element with O, F or Cl, or a species is unknown.
pub fn ellingham(set: &ThermoSet, compound: &str, t: f64) -> Result<ReactionProps, MaterialError> {
    let f = Formula::parse(compound)?;
    let c = f.counts();
    let nonzero: Vec<(Element, f64)> = Element::ALL
        .iter()
        .map(|&e| (e, c[e]))
        .filter(|&(_, n)| n > 0.0)
        .collect();
    let bad = || MaterialError::Reaction {
        input: compound.to_string(),
        message: "Ellingham line needs a binary compound of one element with O, F or Cl"
            .to_string(),
    };
    if nonzero.len() != 2 {
        return Err(bad());
    }
    let (x, nx) = *nonzero
        .iter()
        .find(|(e, _)| matches!(e, Element::O | Element::F | Element::Cl))
        .ok_or_else(bad)?;
    let (m, nm) = *nonzero.iter().find(|(e, _)| *e != x).ok_or_else(bad)?;
    let x2 = match x {
        Element::O => "O2",
        Element::F => "F2",
        _ => "Cl2",
    };
    let metal = m.symbol();
    let stoich = [(-2.0 * nm / nx, metal), (-1.0, x2), (2.0 / nx, compound)];
    reaction_props(set, &stoich, t)
}

/// Thermodynamic functions of a parsed [`crate::reaction::Reaction`].
///
/// ```
/// use repm_material::reaction::Reaction;
/// use repm_material::thermo::{DataSetName, ReactionThermo, ThermoSet};
/// let set = ThermoSet::new(DataSetName::NasaJanaf)?;
/// let r = Reaction::parse("2 NdF3 + 3 Ca = 2 Nd + 3 CaF2")?;
/// assert!(r.thermo(&set, 1500.0)?.dg < 0.0);
/// # Ok::<(), repm_material::MaterialError>(())
/// ```
pub trait ReactionThermo {
    /// ΔrH°, ΔrS°, ΔrG°, ΔrCp°, log K at `t` \[K\] per reaction as written (see [`reaction_props`]).
    ///
    /// # Errors
    /// Unknown species in the data set, unbalanced reaction, bad temperature.
    fn thermo(&self, set: &ThermoSet, t: f64) -> Result<ReactionProps, MaterialError>;
}

impl ReactionThermo for crate::reaction::Reaction {
    fn thermo(&self, set: &ThermoSet, t: f64) -> Result<ReactionProps, MaterialError> {
        let st = self.stoichiometry();
        let v: Vec<(f64, &str)> = st.iter().map(|(n, f)| (*n, f.as_str())).collect();
        reaction_props(set, &v, t)
    }
}

/// Standard pressure p° \[Pa\] (1 bar) to which every gas record refers.
pub const P_STANDARD: f64 = 1.0e5;

/// Equilibrium vapour pressure \[Pa\] of a pure condensed species over itself at `t` \[K\]:
/// p = p°·exp(−(G_gas − G_cond)/(RT)) (eq. T13), e.g. `vapour_pressure(&set, "Sm", "Sm(g)", t)`
/// for the lanthanothermic route or `("Ca", "Ca(g)")` for Ca distillation. Ideal gas, pure
/// condensed phase (activity 1).
///
/// # Errors
/// Unknown species, different element contents, bad temperature.
pub fn vapour_pressure(
    set: &ThermoSet,
    condensed: &str,
    gas: &str,
    t: f64,
) -> Result<f64, MaterialError> {
    let r = reaction_props(set, &[(-1.0, condensed), (1.0, gas)], t)?;
    Ok(P_STANDARD * (-r.dg / (R * t)).exp())
}

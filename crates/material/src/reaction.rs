//! Chemical reactions: parsing, element and charge balance, automatic balancing.
//!
//! Science reference: `docs/science/material.md`, §3 (eqs. RX-1, RX-2).
//!
//! Syntax: `"2 NdF3 + 3 Ca = 2 Nd + 3 CaF2"`. The arrow is one of `=`, `->`, `→`, `<=>`,
//! `<->`, `⇌`; species are separated by a `+` **surrounded by whitespace** (so `"H+ + OH- = H2O"`
//! and `"Nd+3 + 3 e- = Nd"` are unambiguous); a coefficient precedes its species, with or
//! without a space (`"2 NdF3"`, `"2NdF3"`), as a decimal (`0.5`) or a fraction (`3/2`). Species
//! are [`Formula`]s (charges, phase suffixes and the electron `e-` allowed).
//!
//! [`Reaction::parse`]:
//! - if **no** coefficient is written, the coefficients are found automatically: the
//!   stoichiometric vector ν spans the null space of the element-and-charge matrix
//!   (eq. RX-1, A·ν = 0); if that null space is one-dimensional and ν has the sign pattern of
//!   the written sides, the smallest integer coefficients are returned (or, when ν is not
//!   rational within 1e-10 with denominators ≤ 10⁶, the real coefficients scaled so the smallest
//!   is 1). Zero dimensions ("cannot be balanced") and more than one ("not unique: n independent
//!   reactions") are errors;
//! - if coefficients are written, the reaction is checked: every element and the charge must
//!   balance within 1e-9 relative (eq. RX-2), otherwise the error names the worst element.
//!
//! [`Reaction::parse_as_written`] skips both (for inspecting unbalanced input).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::element::Element;
use crate::error::MaterialError;
use crate::formula::Formula;
use crate::vector::ElementVector;

/// Relative tolerance of the balance check (eq. RX-2).
pub const BALANCE_TOL: f64 = 1e-9;
/// Largest denominator tried when rationalising automatically found coefficients.
const MAX_DENOMINATOR: i64 = 1_000_000;

/// A chemical reaction: reactants and products with positive coefficients \[mol per mol of
/// reaction extent\].
#[derive(Debug, Clone, PartialEq)]
pub struct Reaction {
    reactants: Vec<(f64, Formula)>,
    products: Vec<(f64, Formula)>,
}

/// Element and charge imbalance of a reaction as written: Σ ν·counts (products − reactants).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Imbalance {
    /// Net element amounts created per mol of reaction \[mol\] (zero when balanced).
    pub elements: ElementVector,
    /// Net charge created per mol of reaction \[mol of elementary charges\].
    pub charge: f64,
}

impl Reaction {
    /// Parse, then balance automatically (no coefficients written) or check the balance
    /// (coefficients written). See the [module documentation](self).
    pub fn parse(input: &str) -> Result<Reaction, MaterialError> {
        let (r, any_coefficient) = parse_sides(input)?;
        if any_coefficient {
            r.check_balance().map_err(|e| rewrap(input, e))?;
            Ok(r)
        } else {
            let re: Vec<Formula> = r.reactants.into_iter().map(|(_, f)| f).collect();
            let pr: Vec<Formula> = r.products.into_iter().map(|(_, f)| f).collect();
            Reaction::balance(&re, &pr).map_err(|e| rewrap(input, e))
        }
    }

    /// Parse exactly as written (missing coefficients = 1), without any balance check.
    pub fn parse_as_written(input: &str) -> Result<Reaction, MaterialError> {
        parse_sides(input).map(|(r, _)| r)
    }

    /// A reaction from explicit sides; checks the element and charge balance.
    pub fn new(
        reactants: Vec<(f64, Formula)>,
        products: Vec<(f64, Formula)>,
    ) -> Result<Reaction, MaterialError> {
        for (c, f) in reactants.iter().chain(&products) {
            if !(c.is_finite() && *c > 0.0) {
                return Err(MaterialError::Reaction {
                    input: Reaction {
                        reactants: reactants.clone(),
                        products: products.clone(),
                    }
                    .to_string(),
                    message: format!("coefficient of {f} must be finite and > 0, got {c}"),
                });
            }
        }
        let r = Reaction {
            reactants,
            products,
        };
        r.check_balance()?;
        Ok(r)
    }

    /// Find the unique coefficients for these reactants and products (eq. RX-1).
    pub fn balance(reactants: &[Formula], products: &[Formula]) -> Result<Reaction, MaterialError> {
        let species: Vec<(&Formula, f64)> = reactants
            .iter()
            .map(|f| (f, -1.0))
            .chain(products.iter().map(|f| (f, 1.0)))
            .collect();
        let describe = || {
            let side = |v: &[Formula]| {
                v.iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join(" + ")
            };
            format!("{} = {}", side(reactants), side(products))
        };
        let err = |message: String| MaterialError::Reaction {
            input: describe(),
            message,
        };
        if reactants.is_empty() || products.is_empty() {
            return Err(err(
                "a reaction needs at least one reactant and one product".into(),
            ));
        }
        // rows: elements present, then charge; columns: species with sign (products +).
        let present: Vec<Element> = Element::iter()
            .filter(|&e| species.iter().any(|(f, _)| f.counts()[e] != 0.0))
            .collect();
        let mut rows: Vec<Vec<f64>> = present
            .iter()
            .map(|&e| species.iter().map(|(f, s)| s * f.counts()[e]).collect())
            .collect();
        if species.iter().any(|(f, _)| f.charge() != 0) {
            rows.push(
                species
                    .iter()
                    .map(|(f, s)| s * f64::from(f.charge()))
                    .collect(),
            );
        }
        let basis = null_space(rows, species.len());
        match basis.len() {
            0 => return Err(err("cannot be balanced: no non-trivial set of coefficients conserves every element and the charge".into())),
            1 => {}
            k => return Err(err(format!(
                "coefficients are not unique: {k} independent reactions among these species; write the coefficients"
            ))),
        }
        let mut nu = basis.into_iter().next().expect("one basis vector");
        // Orient so that the first entry is positive; then all must be positive.
        if nu[0] < 0.0 {
            nu.iter_mut().for_each(|x| *x = -*x);
        }
        let scale = nu.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        if let Some(i) = nu.iter().position(|x| *x <= 1e-12 * scale) {
            return Err(err(format!(
                "the only balance puts {} on the other side (or drops it); rewrite the reaction",
                species[i].0
            )));
        }
        let coeffs = smallest_integers(&nu).unwrap_or_else(|| {
            let min = nu.iter().copied().fold(f64::INFINITY, f64::min);
            nu.iter().map(|x| x / min).collect()
        });
        let n_re = reactants.len();
        let r = Reaction {
            reactants: reactants
                .iter()
                .cloned()
                .zip(&coeffs[..n_re])
                .map(|(f, c)| (*c, f))
                .collect(),
            products: products
                .iter()
                .cloned()
                .zip(&coeffs[n_re..])
                .map(|(f, c)| (*c, f))
                .collect(),
        };
        r.check_balance()?;
        Ok(r)
    }

    /// Reactants with their (positive) coefficients.
    pub fn reactants(&self) -> &[(f64, Formula)] {
        &self.reactants
    }

    /// Products with their (positive) coefficients.
    pub fn products(&self) -> &[(f64, Formula)] {
        &self.products
    }

    /// Signed stoichiometric numbers ν: reactants negative, products positive, in written order.
    pub fn stoichiometry(&self) -> Vec<(f64, Formula)> {
        self.reactants
            .iter()
            .map(|(c, f)| (-c, f.clone()))
            .chain(self.products.iter().map(|(c, f)| (*c, f.clone())))
            .collect()
    }

    /// Net elements and charge created per mol of reaction (zero when balanced).
    pub fn imbalance(&self) -> Imbalance {
        let mut elements = ElementVector::zeros();
        let mut charge = 0.0;
        for (nu, f) in self.stoichiometry() {
            elements += &(f.counts() * nu);
            charge += nu * f64::from(f.charge());
        }
        Imbalance { elements, charge }
    }

    /// Check element and charge balance (eq. RX-2): |Σν·c_e| ≤ 1e-9·Σ|ν·c_e| for every element;
    /// the error names the worst element and its net amount.
    pub fn check_balance(&self) -> Result<(), MaterialError> {
        let mut scale = ElementVector::zeros();
        let mut charge_scale = 0.0;
        for (nu, f) in self.stoichiometry() {
            scale += &f.counts().map(|_, c| (nu * c).abs());
            charge_scale += (nu * f64::from(f.charge())).abs();
        }
        let imb = self.imbalance();
        let mut worst: Option<(Element, f64)> = None;
        for (e, net) in imb.elements.iter() {
            let rel = net.abs() / scale[e].max(f64::MIN_POSITIVE);
            if net != 0.0 && rel > BALANCE_TOL && worst.is_none_or(|(_, w)| rel > w) {
                worst = Some((e, rel));
            }
        }
        if let Some((e, _)) = worst {
            return Err(MaterialError::Reaction {
                input: self.to_string(),
                message: format!(
                    "not balanced in {e}: {:+} mol {e} per mol of reaction (products − reactants)",
                    imb.elements[e]
                ),
            });
        }
        if imb.charge.abs() > BALANCE_TOL * charge_scale.max(1.0) {
            return Err(MaterialError::Reaction {
                input: self.to_string(),
                message: format!("charge not balanced: {:+} per mol of reaction", imb.charge),
            });
        }
        Ok(())
    }

    /// The reverse reaction.
    pub fn reversed(&self) -> Reaction {
        Reaction {
            reactants: self.products.clone(),
            products: self.reactants.clone(),
        }
    }

    /// The reaction with every coefficient multiplied by `k` > 0.
    pub fn scaled(&self, k: f64) -> Result<Reaction, MaterialError> {
        if !(k.is_finite() && k > 0.0) {
            return Err(MaterialError::invalid(
                "reaction scale factor",
                k,
                "must be finite and > 0",
            ));
        }
        let s = |v: &[(f64, Formula)]| v.iter().map(|(c, f)| (c * k, f.clone())).collect();
        Ok(Reaction {
            reactants: s(&self.reactants),
            products: s(&self.products),
        })
    }
}

fn rewrap(input: &str, e: MaterialError) -> MaterialError {
    match e {
        MaterialError::Reaction { message, .. } => MaterialError::Reaction {
            input: input.to_string(),
            message,
        },
        other => other,
    }
}

fn parse_sides(input: &str) -> Result<(Reaction, bool), MaterialError> {
    let err = |message: String| MaterialError::Reaction {
        input: input.to_string(),
        message,
    };
    let tokens: Vec<&str> = input.split_whitespace().collect();
    let arrows = ["=", "->", "→", "<=>", "<->", "⇌", "⟶"];
    let arrow_pos: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| arrows.contains(t))
        .map(|(i, _)| i)
        .collect();
    if arrow_pos.len() != 1 {
        return Err(err(format!(
            "expected exactly one arrow ({}) surrounded by spaces, found {}",
            arrows.join(" "),
            arrow_pos.len()
        )));
    }
    let (left, right) = tokens.split_at(arrow_pos[0]);
    let right = &right[1..];
    let mut any_coeff = false;
    let mut side = |toks: &[&str], name: &str| -> Result<Vec<(f64, Formula)>, MaterialError> {
        let mut out = Vec::new();
        for term in toks.split(|t| *t == "+") {
            let (coef, species) = match term {
                [] => {
                    return Err(err(format!(
                        "empty term on the {name} side (a '+' too many?)"
                    )));
                }
                [s] => split_glued(s).map_err(&err)?,
                [c, s] => (Some(parse_coefficient(c).map_err(&err)?), *s),
                _ => {
                    return Err(err(format!(
                        "term {:?} on the {name} side: expected [coefficient] species (separate species with ' + ')",
                        term.join(" ")
                    )));
                }
            };
            any_coeff |= coef.is_some();
            let f = Formula::parse(species)
                .map_err(|e| err(format!("species {species:?} on the {name} side: {e}")))?;
            out.push((coef.unwrap_or(1.0), f));
        }
        Ok(out)
    };
    let reactants = side(left, "reactant")?;
    let products = side(right, "product")?;
    Ok((
        Reaction {
            reactants,
            products,
        },
        any_coeff,
    ))
}

/// "2NdF3" -> (Some(2), "NdF3"); "NdF3" -> (None, "NdF3").
fn split_glued(s: &str) -> Result<(Option<f64>, &str), String> {
    let i = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '/'))
        .unwrap_or(s.len());
    if i == 0 {
        return Ok((None, s));
    }
    if i == s.len() {
        return Err(format!("coefficient {s:?} without a species"));
    }
    Ok((Some(parse_coefficient(&s[..i])?), &s[i..]))
}

fn parse_coefficient(s: &str) -> Result<f64, String> {
    let v = match s.split_once('/') {
        Some((a, b)) => {
            let a: f64 = a.parse().map_err(|_| format!("bad coefficient {s:?}"))?;
            let b: f64 = b.parse().map_err(|_| format!("bad coefficient {s:?}"))?;
            a / b
        }
        None => s.parse().map_err(|_| {
            format!("bad coefficient {s:?} (or a species without a space before it?)")
        })?,
    };
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("coefficient {s:?} must be finite and > 0"))
    }
}

/// Basis of the null space of the `rows` matrix (n columns) by Gauss–Jordan elimination with
/// partial pivoting; entries below 1e-10·max|a| are treated as zero.
fn null_space(mut a: Vec<Vec<f64>>, n: usize) -> Vec<Vec<f64>> {
    let m = a.len();
    let amax = a.iter().flatten().fold(0.0f64, |x, y| x.max(y.abs()));
    let tol = 1e-10 * amax.max(f64::MIN_POSITIVE);
    let mut pivots: Vec<usize> = Vec::new();
    let mut r = 0;
    for c in 0..n {
        if r == m {
            break;
        }
        let (p, best) = (r..m)
            .map(|i| (i, a[i][c].abs()))
            .fold((r, -1.0), |acc, x| if x.1 > acc.1 { x } else { acc });
        if best <= tol {
            continue;
        }
        a.swap(r, p);
        let piv = a[r][c];
        for x in a[r].iter_mut() {
            *x /= piv;
        }
        for i in 0..m {
            if i != r && a[i][c] != 0.0 {
                let f = a[i][c];
                let (ri, rr) = if i < r {
                    let (lo, hi) = a.split_at_mut(r);
                    (&mut lo[i], &hi[0])
                } else {
                    let (lo, hi) = a.split_at_mut(i);
                    (&mut hi[0], &lo[r])
                };
                for (x, y) in ri.iter_mut().zip(rr.iter()) {
                    *x -= f * y;
                }
            }
        }
        pivots.push(c);
        r += 1;
    }
    (0..n)
        .filter(|c| !pivots.contains(c))
        .map(|free| {
            let mut v = vec![0.0; n];
            v[free] = 1.0;
            for (row, &pc) in pivots.iter().enumerate() {
                v[pc] = -a[row][free];
            }
            v
        })
        .collect()
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

/// Best rational approximation p/q of x > 0 with q ≤ MAX_DENOMINATOR within 1e-10 relative.
fn rationalize(x: f64) -> Option<(i64, i64)> {
    let (mut h0, mut h1, mut k0, mut k1) = (0i64, 1i64, 1i64, 0i64);
    let mut y = x;
    for _ in 0..64 {
        let a = y.floor();
        if a > 1e12 {
            return None;
        }
        let ai = a as i64;
        let h2 = ai.checked_mul(h1)?.checked_add(h0)?;
        let k2 = ai.checked_mul(k1)?.checked_add(k0)?;
        if k2 > MAX_DENOMINATOR {
            return None;
        }
        (h0, h1, k0, k1) = (h1, h2, k1, k2);
        if ((h1 as f64 / k1 as f64) - x).abs() <= 1e-10 * x {
            return Some((h1, k1));
        }
        let frac = y - a;
        if frac <= 0.0 {
            return None;
        }
        y = 1.0 / frac;
    }
    None
}

/// Smallest positive integers proportional to `nu` (all > 0), if rational.
fn smallest_integers(nu: &[f64]) -> Option<Vec<f64>> {
    let min = nu.iter().copied().fold(f64::INFINITY, f64::min);
    let ratios: Vec<(i64, i64)> = nu
        .iter()
        .map(|x| rationalize(x / min))
        .collect::<Option<_>>()?;
    let mut l: i64 = 1;
    for (_, q) in &ratios {
        l = (l / gcd(l, *q)).checked_mul(*q)?;
    }
    let ints: Vec<i64> = ratios
        .iter()
        .map(|(p, q)| p.checked_mul(l / q))
        .collect::<Option<_>>()?;
    let g = ints.iter().fold(0, |g, x| gcd(g, *x));
    if g == 0 || ints.iter().any(|x| *x > 1_000_000_000_000) {
        return None;
    }
    Some(ints.iter().map(|x| (x / g) as f64).collect())
}

impl fmt::Display for Reaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |v: &[(f64, Formula)]| {
            v.iter()
                .map(|(c, s)| {
                    #[allow(clippy::float_cmp)] // a coefficient of exactly 1 is omitted
                    if *c == 1.0 {
                        s.to_string()
                    } else {
                        format!("{c} {s}")
                    }
                })
                .collect::<Vec<_>>()
                .join(" + ")
        };
        write!(f, "{} = {}", side(&self.reactants), side(&self.products))
    }
}

impl FromStr for Reaction {
    type Err = MaterialError;
    fn from_str(s: &str) -> Result<Self, MaterialError> {
        Reaction::parse(s)
    }
}

impl Serialize for Reaction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reaction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Reaction::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rationalize_works() {
        assert_eq!(rationalize(1.5), Some((3, 2)));
        assert_eq!(rationalize(10.0 / 3.0), Some((10, 3)));
        assert_eq!(
            smallest_integers(&[0.5, 1.0, 1.5]),
            Some(vec![1.0, 2.0, 3.0])
        );
        assert_eq!(rationalize(1.0000001), None); // needs q = 1e7 > 1e6
    }

    #[test]
    fn null_space_dims() {
        // H2 + O2 = H2O : rows H, O
        let ns = null_space(vec![vec![-2.0, 0.0, 2.0], vec![0.0, -2.0, 1.0]], 3);
        assert_eq!(ns.len(), 1);
    }
}

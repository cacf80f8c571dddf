//! Particle-size distributions on a geometric size grid.
//!
//! A [`SizeGrid`] holds `n` pivot sizes `d_i` \[m\] in ascending order, geometrically spaced; class
//! `i` spans the edges `e_i = sqrt(d_{i-1} d_i)` .. `e_{i+1}` (outer edges extrapolated with the
//! same ratio). A [`Psd`] holds the mass fraction of each class \[-\]. Cumulative undersize
//! `Q3(d)` is interpolated linearly in `ln d` inside a class; quantiles (`D10`, `D50`, `D90`)
//! invert it. The Sauter mean is `d32 = 1 / Σ_i (w_i / d_i)` (eq. P-13 of
//! `docs/science/powder.md`) and the specific surface of spheres is `6 / (ρ d32)`.
//!
//! `repm-material` will carry a `ParticleSizeDistribution` in `Form::Powder`; until it does this
//! local type is the PSD currency of `repm-powder` (named as a gap in the crate report).

use serde::{Deserialize, Serialize};

use crate::error::{PowderError, config_err, input_err};

/// A geometric grid of particle sizes (pivots) \[m\], ascending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<f64>", into = "Vec<f64>")]
pub struct SizeGrid {
    pivots: Vec<f64>,
}

impl TryFrom<Vec<f64>> for SizeGrid {
    type Error = PowderError;
    fn try_from(pivots: Vec<f64>) -> Result<Self, PowderError> {
        Self::from_pivots(pivots)
    }
}

impl From<SizeGrid> for Vec<f64> {
    fn from(g: SizeGrid) -> Self {
        g.pivots
    }
}

impl SizeGrid {
    /// `n` pivots geometrically spaced from `d_min` to `d_max` \[m\] inclusive (`n >= 2`).
    ///
    /// # Errors
    /// [`PowderError::Config`] if `d_min <= 0`, `d_max <= d_min`, a value is not finite or `n < 2`.
    pub fn geometric(d_min: f64, d_max: f64, n: usize) -> Result<Self, PowderError> {
        if !(d_min.is_finite() && d_min > 0.0) {
            return Err(config_err(
                "size_grid.d_min",
                d_min,
                "must be finite and > 0 [m]",
            ));
        }
        if !(d_max.is_finite() && d_max > d_min) {
            return Err(config_err(
                "size_grid.d_max",
                d_max,
                "must be finite and > d_min [m]",
            ));
        }
        if n < 2 {
            return Err(config_err("size_grid.n", n, "need at least 2 classes"));
        }
        let ratio = (d_max / d_min).ln() / (n - 1) as f64;
        let mut pivots: Vec<f64> = (0..n).map(|i| d_min * (ratio * i as f64).exp()).collect();
        pivots[n - 1] = d_max;
        Ok(Self { pivots })
    }

    /// A grid from explicit pivots \[m\]: finite, positive, strictly ascending, at least 2.
    ///
    /// # Errors
    /// [`PowderError::Config`] naming the first offending pivot.
    pub fn from_pivots(pivots: Vec<f64>) -> Result<Self, PowderError> {
        if pivots.len() < 2 {
            return Err(config_err(
                "size_grid.len",
                pivots.len(),
                "need at least 2 classes",
            ));
        }
        for (i, &d) in pivots.iter().enumerate() {
            if !(d.is_finite() && d > 0.0) {
                return Err(config_err(
                    &format!("size_grid[{i}]"),
                    d,
                    "must be finite and > 0 [m]",
                ));
            }
            if i > 0 && d <= pivots[i - 1] {
                return Err(config_err(
                    &format!("size_grid[{i}]"),
                    d,
                    "pivots must be strictly ascending",
                ));
            }
        }
        Ok(Self { pivots })
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.pivots.len()
    }

    /// Always false (a grid has at least two classes); present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.pivots.is_empty()
    }

    /// Pivot sizes \[m\], ascending.
    pub fn pivots(&self) -> &[f64] {
        &self.pivots
    }

    /// Class edges \[m\] (`len() + 1` values): geometric means between pivots, the outer edges
    /// extrapolated with the neighbouring ratio.
    pub fn edges(&self) -> Vec<f64> {
        let p = &self.pivots;
        let n = p.len();
        let mut e = Vec::with_capacity(n + 1);
        e.push(p[0] * (p[0] / p[1]).sqrt());
        for i in 1..n {
            e.push((p[i - 1] * p[i]).sqrt());
        }
        e.push(p[n - 1] * (p[n - 1] / p[n - 2]).sqrt());
        e
    }

    /// Index of the pivot nearest to `d` in `ln d`.
    pub fn nearest(&self, d: f64) -> usize {
        let mut best = 0;
        let mut best_dist = f64::INFINITY;
        for (i, &p) in self.pivots.iter().enumerate() {
            let dist = (p / d).ln().abs();
            if dist < best_dist {
                best = i;
                best_dist = dist;
            }
        }
        best
    }
}

/// A mass-based particle-size distribution: mass fraction per class of a [`SizeGrid`] \[-\],
/// non-negative and summing to one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Psd {
    grid: SizeGrid,
    fractions: Vec<f64>,
}

impl Psd {
    /// A PSD from class masses (any non-negative unit; normalised here).
    ///
    /// # Errors
    /// [`PowderError::Input`] if the length differs from the grid, a mass is negative or not
    /// finite, or all are zero.
    pub fn from_masses(grid: SizeGrid, masses: &[f64]) -> Result<Self, PowderError> {
        if masses.len() != grid.len() {
            return Err(input_err(
                "psd.masses.len",
                masses.len(),
                &format!("grid has {} classes", grid.len()),
            ));
        }
        for (i, &m) in masses.iter().enumerate() {
            if !(m.is_finite() && m >= 0.0) {
                return Err(input_err(
                    &format!("psd.masses[{i}]"),
                    m,
                    "must be finite and >= 0",
                ));
            }
        }
        let total: f64 = masses.iter().sum();
        if total <= 0.0 {
            return Err(input_err("psd.masses", total, "total mass must be > 0"));
        }
        Ok(Self {
            grid,
            fractions: masses.iter().map(|m| m / total).collect(),
        })
    }

    /// Rosin–Rammler–Sperling–Bennett (RRSB) distribution `Q3(d) = 1 − exp[−(d/x′)ⁿ]`
    /// (eq. P-12) binned on `grid`; the bottom class takes everything below its upper edge and the
    /// top class everything above its lower edge.
    ///
    /// # Errors
    /// [`PowderError::Config`] if `x_prime` \[m\] or `n` \[-\] is not finite and positive.
    pub fn rrsb(grid: SizeGrid, x_prime: f64, n: f64) -> Result<Self, PowderError> {
        crate::error::check_pos("rrsb.x_prime", x_prime)?;
        crate::error::check_pos("rrsb.n", n)?;
        let q = |d: f64| 1.0 - (-(d / x_prime).powf(n)).exp();
        Self::from_cdf(grid, q)
    }

    /// Log-normal distribution (mass basis) with median `d50` \[m\] and geometric standard
    /// deviation `sigma_g` \[-\] (> 1), binned on `grid`.
    ///
    /// # Errors
    /// [`PowderError::Config`] for a non-positive `d50` or `sigma_g <= 1`.
    pub fn lognormal(grid: SizeGrid, d50: f64, sigma_g: f64) -> Result<Self, PowderError> {
        crate::error::check_pos("lognormal.d50", d50)?;
        if !(sigma_g.is_finite() && sigma_g > 1.0) {
            return Err(config_err(
                "lognormal.sigma_g",
                sigma_g,
                "must be finite and > 1",
            ));
        }
        let s = sigma_g.ln();
        let q = |d: f64| 0.5 * erfc(-(d / d50).ln() / (s * std::f64::consts::SQRT_2));
        Self::from_cdf(grid, q)
    }

    /// All mass in the class whose pivot is nearest to `d` \[m\].
    pub fn monodisperse(grid: SizeGrid, d: f64) -> Self {
        let mut fractions = vec![0.0; grid.len()];
        fractions[grid.nearest(d)] = 1.0;
        Self { grid, fractions }
    }

    fn from_cdf(grid: SizeGrid, q: impl Fn(f64) -> f64) -> Result<Self, PowderError> {
        let e = grid.edges();
        let n = grid.len();
        let mut m = Vec::with_capacity(n);
        for i in 0..n {
            let lo = if i == 0 { 0.0 } else { q(e[i]) };
            let hi = if i + 1 == n { 1.0 } else { q(e[i + 1]) };
            m.push((hi - lo).max(0.0));
        }
        Self::from_masses(grid, &m)
    }

    /// The size grid.
    pub fn grid(&self) -> &SizeGrid {
        &self.grid
    }

    /// Mass fractions per class \[-\] (sum 1).
    pub fn fractions(&self) -> &[f64] {
        &self.fractions
    }

    /// Cumulative undersize mass fraction `Q3(d)` \[-\] at size `d` \[m\].
    pub fn cumulative_undersize(&self, d: f64) -> f64 {
        let e = self.grid.edges();
        let mut cum = 0.0;
        for (i, &w) in self.fractions.iter().enumerate() {
            if d >= e[i + 1] {
                cum += w;
            } else {
                if d > e[i] {
                    cum += w * (d / e[i]).ln() / (e[i + 1] / e[i]).ln();
                }
                break;
            }
        }
        cum.min(1.0)
    }

    /// Size \[m\] below which a mass fraction `q` ∈ (0, 1) lies (inverse of
    /// [`Psd::cumulative_undersize`]); `q` is clamped to `[0, 1]`.
    pub fn quantile(&self, q: f64) -> f64 {
        let q = q.clamp(0.0, 1.0);
        let e = self.grid.edges();
        let mut cum = 0.0;
        for (i, &w) in self.fractions.iter().enumerate() {
            if w > 0.0 && cum + w >= q {
                let f = ((q - cum) / w).clamp(0.0, 1.0);
                return e[i] * (e[i + 1] / e[i]).powf(f);
            }
            cum += w;
        }
        e[e.len() - 1]
    }

    /// `D10` \[m\].
    pub fn d10(&self) -> f64 {
        self.quantile(0.1)
    }

    /// `D50` (mass median) \[m\].
    pub fn d50(&self) -> f64 {
        self.quantile(0.5)
    }

    /// `D90` \[m\].
    pub fn d90(&self) -> f64 {
        self.quantile(0.9)
    }

    /// Sauter mean diameter `d32 = 1 / Σ (w_i / d_i)` \[m\] (pivot sizes).
    pub fn sauter_mean(&self) -> f64 {
        let s: f64 = self
            .fractions
            .iter()
            .zip(self.grid.pivots())
            .map(|(w, d)| w / d)
            .sum();
        1.0 / s
    }

    /// Specific surface of spheres `6 / (ρ d32)` \[m²·kg⁻¹\] for particle density `density`
    /// \[kg·m⁻³\].
    pub fn specific_surface(&self, density: f64) -> f64 {
        6.0 / (density * self.sauter_mean())
    }

    /// Mass fraction in classes with pivot below `d` \[m\].
    pub fn fraction_below(&self, d: f64) -> f64 {
        self.fractions
            .iter()
            .zip(self.grid.pivots())
            .filter(|(_, p)| **p < d)
            .map(|(w, _)| w)
            .sum()
    }

    /// Mass fraction in classes with pivot above `d` \[m\].
    pub fn fraction_above(&self, d: f64) -> f64 {
        self.fractions
            .iter()
            .zip(self.grid.pivots())
            .filter(|(_, p)| **p > d)
            .map(|(w, _)| w)
            .sum()
    }

    /// Mass-weighted mixture of PSDs on the same grid (`weights` are masses \[kg\]).
    ///
    /// # Errors
    /// [`PowderError::Input`] if the grids differ, the lists are empty or the weights are invalid.
    pub fn mix(parts: &[(&Psd, f64)]) -> Result<Psd, PowderError> {
        let Some((first, _)) = parts.first() else {
            return Err(input_err("psd.mix", 0, "need at least one part"));
        };
        let n = first.grid.len();
        let mut m = vec![0.0; n];
        for (k, (p, w)) in parts.iter().enumerate() {
            if p.grid != first.grid {
                return Err(input_err(
                    &format!("psd.mix[{k}].grid"),
                    p.grid.len(),
                    "all parts must share one grid",
                ));
            }
            if !(w.is_finite() && *w >= 0.0) {
                return Err(input_err(
                    &format!("psd.mix[{k}].mass"),
                    w,
                    "must be finite and >= 0",
                ));
            }
            for (mi, fi) in m.iter_mut().zip(&p.fractions) {
                *mi += w * fi;
            }
        }
        Psd::from_masses(first.grid.clone(), &m)
    }

    /// The same distribution on another grid: mass per new class from the cumulative curve
    /// (linear in `ln d` inside the old classes). Mass outside the new grid's edges is put into
    /// its bottom or top class, so the result is normalised.
    pub fn rebin(&self, grid: &SizeGrid) -> Psd {
        if &self.grid == grid {
            return self.clone();
        }
        let e = grid.edges();
        let n = grid.len();
        let mut m = Vec::with_capacity(n);
        for i in 0..n {
            let lo = if i == 0 {
                0.0
            } else {
                self.cumulative_undersize(e[i])
            };
            let hi = if i + 1 == n {
                1.0
            } else {
                self.cumulative_undersize(e[i + 1])
            };
            m.push((hi - lo).max(0.0));
        }
        let total: f64 = m.iter().sum();
        Psd {
            grid: grid.clone(),
            fractions: m.iter().map(|x| x / total).collect(),
        }
    }

    /// Summary statistics of this distribution.
    pub fn summary(&self, density: f64) -> PsdSummary {
        PsdSummary {
            d10: self.d10(),
            d50: self.d50(),
            d90: self.d90(),
            sauter_mean: self.sauter_mean(),
            specific_surface: self.specific_surface(density),
        }
    }
}

/// Summary of a PSD.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PsdSummary {
    /// `D10` \[m\].
    pub d10: f64,
    /// `D50` \[m\].
    pub d50: f64,
    /// `D90` \[m\].
    pub d90: f64,
    /// Sauter mean `d32` \[m\].
    pub sauter_mean: f64,
    /// Specific surface of spheres \[m²·kg⁻¹\].
    pub specific_surface: f64,
}

/// Complementary error function (W. J. Cody's rational Chebyshev approximation as given by
/// Numerical Recipes' `erfcc`, |relative error| < 1.2e-7; adequate for binning a PSD).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn rrsb_quantiles_match_closed_form() {
        // RRSB: d_q = x' (−ln(1−q))^(1/n). Fine grid -> small interpolation error.
        let g = SizeGrid::geometric(1e-7, 1e-3, 400).unwrap();
        let p = Psd::rrsb(g, 5e-6, 1.2).unwrap();
        for q in [0.1, 0.5, 0.9] {
            let exact = 5e-6 * (-(1.0f64 - q).ln()).powf(1.0 / 1.2);
            assert_relative_eq!(p.quantile(q), exact, max_relative = 1e-3);
        }
        assert_relative_eq!(p.fractions().iter().sum::<f64>(), 1.0, epsilon = 1e-14);
    }

    #[test]
    fn sauter_of_monodisperse_is_the_pivot() {
        let g = SizeGrid::geometric(1e-6, 1e-4, 11).unwrap();
        let p = Psd::monodisperse(g.clone(), 1e-5);
        assert_relative_eq!(p.sauter_mean(), g.pivots()[5], max_relative = 1e-12);
    }

    #[test]
    fn lognormal_median() {
        let g = SizeGrid::geometric(1e-7, 1e-3, 300).unwrap();
        let p = Psd::lognormal(g, 1e-5, 1.6).unwrap();
        assert_relative_eq!(p.d50(), 1e-5, max_relative = 2e-3);
    }

    #[test]
    fn bad_grid_is_an_error() {
        assert!(SizeGrid::geometric(0.0, 1.0, 10).is_err());
        assert!(SizeGrid::from_pivots(vec![1.0, 1.0]).is_err());
        assert!(Psd::from_masses(SizeGrid::geometric(1.0, 2.0, 2).unwrap(), &[0.0, -1.0]).is_err());
    }
}

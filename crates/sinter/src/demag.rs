//! Second-quadrant demagnetisation curves: recoil line, knee, coercivities, (BH)max, working
//! point (docs/science/sinter.md, eqs. S16–S19).
//!
//! A curve is a volume-weighted sum of *layers* (a uniform magnet has one; a GBD magnet has
//! one per depth cell). Layer i, with remanence B_r,i and coercivity H_c,i, polarisation at a
//! reverse field h ≥ 0 \[A·m⁻¹\]:
//!
//! - h < H_c,i: J_i = max(0, B_r,i − μ₀(μ_rec − 1)·h)·(1 − (h/H_c,i)^p)
//! - h ≥ H_c,i: J_i = −(B_r,i + μ₀(μ_rec − 1)·h)·(1 − (H_c,i/h)^p)
//!
//! with recoil permeability μ_rec ≥ 1 and squareness exponent p. Each J_i decreases
//! monotonically, is continuous, and never exceeds B_r,i, so J(h) ≤ B_r and
//! (BH)max = max_h h·(J − μ₀h) ≤ B_r²/(4μ₀) holds by construction (eq. S19).

use serde::{Deserialize, Serialize};

use crate::error::{Result, SinterError, in_range, non_negative, positive};

/// Vacuum permeability μ₀ \[T·m·A⁻¹\] (CODATA 2018).
pub const MU0: f64 = 1.256_637_062_12e-6;

/// One layer of a (possibly graded) magnet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DemagLayer {
    /// Volume fraction of the magnet \[-\].
    pub volume_fraction: f64,
    /// Remanence B_r of the layer \[T\].
    pub remanence: f64,
    /// Intrinsic coercivity H_cJ of the layer \[A·m⁻¹\].
    pub coercivity: f64,
}

/// A second-quadrant demagnetisation curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemagCurve {
    layers: Vec<DemagLayer>,
    recoil_permeability: f64,
    squareness_exponent: f64,
}

impl DemagCurve {
    /// A uniform magnet.
    ///
    /// # Errors
    /// [`SinterError::Config`] for negative remanence, non-positive coercivity, μ_rec < 1 or
    /// p < 1.
    pub fn uniform(
        remanence: f64,
        coercivity: f64,
        recoil_permeability: f64,
        squareness_exponent: f64,
    ) -> Result<Self> {
        Self::layered(
            vec![DemagLayer {
                volume_fraction: 1.0,
                remanence,
                coercivity,
            }],
            recoil_permeability,
            squareness_exponent,
        )
    }

    /// A graded magnet from layers; volume fractions are normalised to sum to 1.
    ///
    /// # Errors
    /// As [`DemagCurve::uniform`], plus an empty layer list or zero total volume.
    pub fn layered(
        mut layers: Vec<DemagLayer>,
        recoil_permeability: f64,
        squareness_exponent: f64,
    ) -> Result<Self> {
        in_range("recoil_permeability [-]", recoil_permeability, 1.0, 2.0)?;
        in_range("squareness_exponent [-]", squareness_exponent, 1.0, 1000.0)?;
        if layers.is_empty() {
            return Err(SinterError::config(
                "layers",
                "[]",
                "need at least one layer",
            ));
        }
        let mut total = 0.0;
        for l in &layers {
            non_negative("layer.volume_fraction [-]", l.volume_fraction)?;
            non_negative("layer.remanence [T]", l.remanence)?;
            positive("layer.coercivity [A/m]", l.coercivity)?;
            total += l.volume_fraction;
        }
        positive("total layer volume [-]", total)?;
        for l in &mut layers {
            l.volume_fraction /= total;
        }
        Ok(Self {
            layers,
            recoil_permeability,
            squareness_exponent,
        })
    }

    /// The layers (volume fractions normalised).
    #[must_use]
    pub fn layers(&self) -> &[DemagLayer] {
        &self.layers
    }

    /// Recoil permeability μ_rec \[-\].
    #[must_use]
    pub fn recoil_permeability(&self) -> f64 {
        self.recoil_permeability
    }

    /// Squareness exponent p \[-\].
    #[must_use]
    pub fn squareness_exponent(&self) -> f64 {
        self.squareness_exponent
    }

    /// A copy with every layer's remanence and coercivity multiplied by the given factors.
    #[must_use]
    pub fn scaled(&self, remanence_factor: f64, coercivity_factor: f64) -> Self {
        let mut c = self.clone();
        for l in &mut c.layers {
            l.remanence *= remanence_factor.max(0.0);
            l.coercivity = (l.coercivity * coercivity_factor).max(1e-9);
        }
        c
    }

    /// Polarisation J at reverse field `h` ≥ 0 \[A·m⁻¹\] \[T\] (eq. S16).
    #[must_use]
    pub fn polarisation(&self, h: f64) -> f64 {
        let h = h.max(0.0);
        let slope = MU0 * (self.recoil_permeability - 1.0);
        let p = self.squareness_exponent;
        self.layers
            .iter()
            .map(|l| {
                let j = if h < l.coercivity {
                    (l.remanence - slope * h).max(0.0) * (1.0 - (h / l.coercivity).powf(p))
                } else {
                    -(l.remanence + slope * h) * (1.0 - (l.coercivity / h).powf(p))
                };
                l.volume_fraction * j
            })
            .sum()
    }

    /// Flux density B = J − μ₀h at reverse field `h` \[T\].
    #[must_use]
    pub fn flux_density(&self, h: f64) -> f64 {
        self.polarisation(h) - MU0 * h.max(0.0)
    }

    /// Remanence B_r = J(0) \[T\].
    #[must_use]
    pub fn remanence(&self) -> f64 {
        self.layers
            .iter()
            .map(|l| l.volume_fraction * l.remanence)
            .sum()
    }

    fn bracket_max(&self) -> f64 {
        2.0 * self.layers.iter().map(|l| l.coercivity).fold(0.0, f64::max) + 1.0
    }

    /// Intrinsic coercivity H_cJ: the reverse field where J = 0 \[A·m⁻¹\].
    #[must_use]
    pub fn intrinsic_coercivity(&self) -> f64 {
        bisect(|h| self.polarisation(h), 0.0, self.bracket_max())
    }

    /// Normal coercivity H_cB: the reverse field where B = 0 \[A·m⁻¹\].
    #[must_use]
    pub fn normal_coercivity(&self) -> f64 {
        bisect(|h| self.flux_density(h), 0.0, self.bracket_max())
    }

    /// Knee field H_k: the reverse field where J = 0.9·B_r \[A·m⁻¹\].
    #[must_use]
    pub fn knee_field(&self) -> f64 {
        let target = 0.9 * self.remanence();
        bisect(|h| self.polarisation(h) - target, 0.0, self.bracket_max())
    }

    /// Squareness H_k/H_cJ \[-\].
    #[must_use]
    pub fn squareness(&self) -> f64 {
        let hcj = self.intrinsic_coercivity();
        if hcj > 0.0 {
            self.knee_field() / hcj
        } else {
            0.0
        }
    }

    /// Maximum energy product: `(|BH|max \[J·m⁻³\], reverse field at the maximum \[A·m⁻¹\])`
    /// (eq. S18). Dense scan of 512 points on \[0, H_cB\], then golden-section refinement.
    #[must_use]
    pub fn max_energy_product(&self) -> (f64, f64) {
        let hb = self.normal_coercivity();
        if hb <= 0.0 {
            return (0.0, 0.0);
        }
        let g = |h: f64| h * self.flux_density(h);
        let n = 512;
        let mut best = (0.0, 0.0);
        let mut best_i: usize = 0;
        for i in 0..=n {
            let h = hb * i as f64 / n as f64;
            let v = g(h);
            if v > best.0 {
                best = (v, h);
                best_i = i;
            }
        }
        let lo = hb * (best_i.saturating_sub(1)) as f64 / n as f64;
        let hi = hb * ((best_i + 1).min(n)) as f64 / n as f64;
        let (mut a, mut b) = (lo, hi);
        let r = 0.5 * (5.0_f64.sqrt() - 1.0);
        let mut c = b - r * (b - a);
        let mut d = a + r * (b - a);
        for _ in 0..100 {
            if g(c) > g(d) {
                b = d;
            } else {
                a = c;
            }
            c = b - r * (b - a);
            d = a + r * (b - a);
            if b - a < 1e-9 * hb {
                break;
            }
        }
        let h = 0.5 * (a + b);
        let v = g(h);
        if v > best.0 { (v, h) } else { best }
    }

    /// Working point on the load line B = P_c·μ₀·h for permeance coefficient `pc` > 0:
    /// `(reverse field h \[A·m⁻¹\], B \[T\])`.
    ///
    /// # Errors
    /// [`SinterError::Config`] for non-positive `pc`.
    pub fn working_point(&self, pc: f64) -> Result<(f64, f64)> {
        positive("permeance coefficient [-]", pc)?;
        let h = bisect(
            |h| self.flux_density(h) - pc * MU0 * h,
            0.0,
            self.bracket_max(),
        );
        Ok((h, self.flux_density(h)))
    }

    /// Whether the working point at permeance coefficient `pc` lies on the reversible part
    /// of the curve (reverse field below the knee field H_k).
    ///
    /// # Errors
    /// As [`DemagCurve::working_point`].
    pub fn is_reversible_at(&self, pc: f64) -> Result<bool> {
        let (h, _) = self.working_point(pc)?;
        Ok(h <= self.knee_field())
    }

    /// `n` + 1 points `(h \[A·m⁻¹\], J \[T\], B \[T\])` from h = 0 to `h_max`.
    #[must_use]
    pub fn points(&self, h_max: f64, n: usize) -> Vec<(f64, f64, f64)> {
        let n = n.max(1);
        (0..=n)
            .map(|i| {
                let h = h_max * i as f64 / n as f64;
                (h, self.polarisation(h), self.flux_density(h))
            })
            .collect()
    }
}

/// Root of a decreasing function f on \[a, b\] with f(a) ≥ 0 (returns a if f(a) ≤ 0, b if
/// f(b) > 0).
fn bisect(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    if f(a) <= 0.0 {
        return a;
    }
    if f(b) > 0.0 {
        return b;
    }
    let (mut lo, mut hi) = (a, b);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn ideal_square_loop_reaches_the_bound() {
        // μ_rec = 1 and a very square loop with H_cJ ≫ B_r/μ₀: (BH)max → B_r²/(4μ₀).
        let br = 1.4;
        let c = DemagCurve::uniform(br, 3.0 * br / MU0, 1.0, 200.0).unwrap();
        let (bh, h) = c.max_energy_product();
        assert_relative_eq!(bh, br * br / (4.0 * MU0), max_relative = 1e-6);
        assert_relative_eq!(h, br / (2.0 * MU0), max_relative = 1e-3);
        assert_relative_eq!(
            c.intrinsic_coercivity(),
            3.0 * br / MU0,
            max_relative = 1e-9
        );
    }

    #[test]
    fn linear_recoil_bound() {
        // Linear recoil with μ_rec: (BH)max = B_r²/(4μ₀μ_rec) when the knee is far.
        let br = 1.3;
        let c = DemagCurve::uniform(br, 4.0 * br / MU0, 1.05, 200.0).unwrap();
        let (bh, _) = c.max_energy_product();
        assert_relative_eq!(bh, br * br / (4.0 * MU0 * 1.05), max_relative = 1e-6);
    }

    #[test]
    fn layered_hcj_is_volume_median_for_square_layers() {
        let layers = vec![
            DemagLayer {
                volume_fraction: 0.3,
                remanence: 1.3,
                coercivity: 2.0e6,
            },
            DemagLayer {
                volume_fraction: 0.4,
                remanence: 1.3,
                coercivity: 1.5e6,
            },
            DemagLayer {
                volume_fraction: 0.3,
                remanence: 1.3,
                coercivity: 1.0e6,
            },
        ];
        let c = DemagCurve::layered(layers, 1.0, 500.0).unwrap();
        assert_relative_eq!(c.intrinsic_coercivity(), 1.5e6, max_relative = 1e-3);
        assert!(c.knee_field() < 1.0e6 * 1.001);
    }
}

//! The one internal heat-capacity form every data form is converted to (eq. T1–T3 of
//! `docs/science/material.md`), and the Inden–Hillert–Jarl magnetic contribution (eq. T8).

use super::R;

/// Cp(T) = Σ c_k T^k on one temperature piece, with the integration constants of H and S.
///
/// H(T) = h0 + Σ_{k≠−1} c_k T^{k+1}/(k+1) + c_{−1} ln T and
/// S(T) = s0 + c_0 ln T + Σ_{k≠0} c_k T^k / k (eq. T2, T3). NASA-7, Shomate, (extended)
/// Maier–Kelley and SGTE Gibbs polynomials are all exactly of this form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CpPiece {
    /// Lower bound of the piece \[K\].
    pub(crate) t_lo: f64,
    /// Upper bound of the piece \[K\].
    pub(crate) t_hi: f64,
    /// (k, c_k): Cp term c_k·T^k [J·mol⁻¹·K⁻¹].
    pub(crate) terms: Vec<(i32, f64)>,
    /// Integration constant of H [J·mol⁻¹].
    pub(crate) h0: f64,
    /// Integration constant of S [J·mol⁻¹·K⁻¹].
    pub(crate) s0: f64,
}

/// Values of one phase at one temperature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hsc {
    pub(crate) h: f64,
    pub(crate) s: f64,
    pub(crate) cp: f64,
}

impl CpPiece {
    /// Enthalpy, entropy and heat capacity at `t` \[K\] (no range check).
    #[inline]
    pub(crate) fn eval(&self, t: f64) -> Hsc {
        let ln_t = t.ln();
        let mut h = self.h0;
        let mut s = self.s0;
        let mut cp = 0.0;
        for &(k, c) in &self.terms {
            let tk = t.powi(k);
            cp += c * tk;
            if k == -1 {
                h += c * ln_t;
            } else {
                h += c * tk * t / f64::from(k + 1);
            }
            if k == 0 {
                s += c * ln_t;
            } else {
                s += c * tk / f64::from(k);
            }
        }
        Hsc { h, s, cp }
    }

    /// H and S without the constants (used to place h0 and s0 on an anchor).
    pub(crate) fn eval_unanchored(&self, t: f64) -> Hsc {
        let mut p = self.clone();
        p.h0 = 0.0;
        p.s0 = 0.0;
        p.eval(t)
    }

    /// Set h0 and s0 so that H(t) = h and S(t) = s.
    pub(crate) fn anchor(&mut self, t: f64, h: f64, s: f64) {
        let v = self.eval_unanchored(t);
        self.h0 = h - v.h;
        self.s0 = s - v.s;
    }
}

/// Inden–Hillert–Jarl magnetic ordering contribution in the SGTE convention (eq. T8).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Magnetic {
    /// Curie (or effective Néel) temperature Tc \[K\].
    pub tc: f64,
    /// Mean magnetic moment β [Bohr magnetons per atom].
    pub beta: f64,
    /// Structure factor p [-]: 0.40 for bcc, 0.28 for fcc and hcp.
    pub p: f64,
}

impl Magnetic {
    /// Magnetic H, S and Cp at `t` \[K\] (G = H − TS).
    pub(crate) fn eval(&self, t: f64) -> Hsc {
        let p = self.p;
        let a = 518.0 / 1125.0 + 11692.0 / 15975.0 * (1.0 / p - 1.0);
        let tau = t / self.tc;
        let (f, f1, f2) = if tau <= 1.0 {
            let k = 474.0 / 497.0 * (1.0 / p - 1.0);
            let q = 79.0 / (140.0 * p);
            let f = 1.0
                - (q / tau + k * (tau.powi(3) / 6.0 + tau.powi(9) / 135.0 + tau.powi(15) / 600.0))
                    / a;
            let f1 = -(-q / (tau * tau)
                + k * (tau * tau / 2.0 + tau.powi(8) / 15.0 + tau.powi(14) / 40.0))
                / a;
            let f2 = -(2.0 * q / tau.powi(3)
                + k * (tau + 8.0 * tau.powi(7) / 15.0 + 14.0 * tau.powi(13) / 40.0))
                / a;
            (f, f1, f2)
        } else {
            let f = -(tau.powi(-5) / 10.0 + tau.powi(-15) / 315.0 + tau.powi(-25) / 1500.0) / a;
            let f1 = -(-tau.powi(-6) / 2.0 - tau.powi(-16) / 21.0 - tau.powi(-26) / 60.0) / a;
            let f2 =
                -(3.0 * tau.powi(-7) + 16.0 / 21.0 * tau.powi(-17) + 26.0 / 60.0 * tau.powi(-27))
                    / a;
            (f, f1, f2)
        };
        let lb = (self.beta + 1.0).ln();
        // G = R T ln(β+1) f(τ); S = −dG/dT; H = G + TS; Cp = dH/dT.
        let g = R * t * lb * f;
        let s = -R * lb * (f + tau * f1);
        let h = -R * lb * t * tau * f1;
        let cp = -R * lb * (2.0 * tau * f1 + tau * tau * f2);
        debug_assert!((g - (h - t * s)).abs() <= 1e-6 * (1.0 + g.abs()));
        Hsc { h, s, cp }
    }
}

//! Tridiagonal (Thomas) solves with low-rank recycle couplings (Sherman–Morrison–Woodbury).
//!
//! The stage balance of one component at fixed D is tridiagonal; each recycle adds one entry
//! outside the band (row = receiving stage, column = source stage). The coupled system
//! M = T + Σ_r coef_r e_row e_colᵀ is solved exactly: T z = b, T W = U, (I + VᵀW) α = Vᵀz,
//! x = z − W α (`docs/science/sx.md` §4.1).

use crate::blocktri::{BandLu, BlockTridiagonal};

/// One entry outside the tridiagonal band: `M[row][col] += coef`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Coupling {
    pub(crate) row: usize,
    pub(crate) col: usize,
    pub(crate) coef: f64,
}

/// Reusable scratch space for [`LinearWorkspace::solve`] (no allocation once sized).
#[derive(Debug, Default, Clone)]
pub(crate) struct LinearWorkspace {
    cp: Vec<f64>,
    den: Vec<f64>,
    w: Vec<f64>,
    k: Vec<f64>,
    alpha: Vec<f64>,
    unit: Vec<f64>,
}

impl LinearWorkspace {
    /// Factors T (forward sweep of the Thomas algorithm).
    fn factor(&mut self, sub: &[f64], diag: &[f64], sup: &[f64]) {
        let n = diag.len();
        self.cp.resize(n, 0.0);
        self.den.resize(n, 0.0);
        let mut prev_cp = 0.0;
        for i in 0..n {
            let a = if i > 0 { sub[i] } else { 0.0 };
            let den = diag[i] - a * prev_cp;
            self.den[i] = den;
            let c = if i + 1 < n { sup[i] } else { 0.0 };
            self.cp[i] = c / den;
            prev_cp = self.cp[i];
        }
    }

    /// Solves T x = rhs with the stored factors (x may alias nothing; rhs copied in).
    fn solve_factored(cp: &[f64], den: &[f64], sub: &[f64], rhs: &[f64], x: &mut [f64]) {
        let n = den.len();
        let mut prev = 0.0;
        for i in 0..n {
            let a = if i > 0 { sub[i] } else { 0.0 };
            prev = (rhs[i] - a * prev) / den[i];
            x[i] = prev;
        }
        for i in (0..n.saturating_sub(1)).rev() {
            x[i] -= cp[i] * x[i + 1];
        }
    }

    /// Solves (T + couplings) x = rhs. `sub[k]` multiplies x[k−1] (sub[0] ignored), `sup[k]`
    /// multiplies x[k+1] (sup[N−1] ignored).
    pub(crate) fn solve(
        &mut self,
        sub: &[f64],
        diag: &[f64],
        sup: &[f64],
        rhs: &[f64],
        couplings: &[Coupling],
        x: &mut [f64],
    ) {
        let n = diag.len();
        self.factor(sub, diag, sup);
        Self::solve_factored(&self.cp, &self.den, sub, rhs, x);
        let m = couplings.len();
        if m == 0 {
            return;
        }
        // W columns: T w_r = e_{row_r}
        self.w.resize(n * m, 0.0);
        self.unit.resize(n, 0.0);
        for (r, c) in couplings.iter().enumerate() {
            self.unit.fill(0.0);
            self.unit[c.row] = 1.0;
            Self::solve_factored(
                &self.cp,
                &self.den,
                sub,
                &self.unit,
                &mut self.w[r * n..(r + 1) * n],
            );
        }
        // K = I + Vᵀ W, b = Vᵀ z
        self.k.resize(m * m, 0.0);
        self.alpha.resize(m, 0.0);
        for (r, cr) in couplings.iter().enumerate() {
            for s in 0..m {
                self.k[r * m + s] = f64::from(u8::from(r == s)) + cr.coef * self.w[s * n + cr.col];
            }
            self.alpha[r] = cr.coef * x[cr.col];
        }
        dense_solve(&mut self.k, &mut self.alpha, m);
        for s in 0..m {
            let a = self.alpha[s];
            for i in 0..n {
                x[i] -= a * self.w[s * n + i];
            }
        }
    }
}

/// Solver for the coupled (x, y) stage balance of one component with Murphree stages (eqs. 10,
/// 14, 15 at fixed D): 2 × 2 blocks per stage, unknowns interleaved as `[x_0, y_0, x_1, y_1, …]`,
/// factored by the pivoted band LU, recycles by the same Woodbury correction as
/// [`LinearWorkspace::solve`] (couplings indexed in the interleaved vector). Storage is kept
/// between calls; nothing is allocated once sized.
#[derive(Debug, Clone)]
pub(crate) struct PairWorkspace {
    /// The block-tridiagonal matrix (2 × 2 blocks) the caller fills before [`Self::solve`].
    pub(crate) m: BlockTridiagonal,
    lu: BandLu,
    w: Vec<f64>,
    k: Vec<f64>,
    alpha: Vec<f64>,
}

impl PairWorkspace {
    /// Workspace for `n` stages.
    pub(crate) fn new(n: usize) -> Self {
        Self {
            m: BlockTridiagonal::new(n, 2),
            lu: BandLu::new(n, 2),
            w: Vec::new(),
            k: Vec::new(),
            alpha: Vec::new(),
        }
    }

    /// Solves (M + couplings) x = `rhs` in place. Returns false if M is singular.
    pub(crate) fn solve(&mut self, couplings: &[Coupling], rhs: &mut [f64]) -> bool {
        if self.lu.factor_from(&self.m).is_err() {
            return false;
        }
        let dim = rhs.len();
        self.lu.solve(rhs);
        let m = couplings.len();
        if m == 0 {
            return true;
        }
        self.w.resize(dim * m, 0.0);
        for (r, c) in couplings.iter().enumerate() {
            let w = &mut self.w[r * dim..(r + 1) * dim];
            w.fill(0.0);
            w[c.row] = 1.0;
            self.lu.solve(w);
        }
        self.k.resize(m * m, 0.0);
        self.alpha.resize(m, 0.0);
        for (r, cr) in couplings.iter().enumerate() {
            for s in 0..m {
                self.k[r * m + s] =
                    f64::from(u8::from(r == s)) + cr.coef * self.w[s * dim + cr.col];
            }
            self.alpha[r] = cr.coef * rhs[cr.col];
        }
        dense_solve(&mut self.k, &mut self.alpha, m);
        for s in 0..m {
            let a = self.alpha[s];
            for (x, w) in rhs.iter_mut().zip(&self.w[s * dim..(s + 1) * dim]) {
                *x -= a * w;
            }
        }
        true
    }
}

/// Gaussian elimination with partial pivoting on a small dense row-major system, in place;
/// the solution replaces `b`. A zero pivot leaves the corresponding entries non-finite.
pub(crate) fn dense_solve(a: &mut [f64], b: &mut [f64], m: usize) {
    for col in 0..m {
        let mut p = col;
        for r in col + 1..m {
            if a[r * m + col].abs() > a[p * m + col].abs() {
                p = r;
            }
        }
        if p != col {
            for c in 0..m {
                a.swap(col * m + c, p * m + c);
            }
            b.swap(col, p);
        }
        let piv = a[col * m + col];
        for r in col + 1..m {
            let f = a[r * m + col] / piv;
            if f != 0.0 {
                for c in col..m {
                    a[r * m + c] -= f * a[col * m + c];
                }
                b[r] -= f * b[col];
            }
        }
    }
    for col in (0..m).rev() {
        let mut s = b[col];
        for c in col + 1..m {
            s -= a[col * m + c] * b[c];
        }
        b[col] = s / a[col * m + col];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn woodbury_matches_dense() {
        let n = 6;
        let sub: Vec<f64> = (0..n).map(|i| 0.5 + 0.1 * i as f64).collect();
        let diag: Vec<f64> = (0..n).map(|i| -3.0 - 0.2 * i as f64).collect();
        let sup: Vec<f64> = (0..n).map(|i| 0.7 + 0.05 * i as f64).collect();
        let rhs: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
        let cpl = [
            Coupling {
                row: 5,
                col: 0,
                coef: 0.4,
            },
            Coupling {
                row: 1,
                col: 4,
                coef: 0.3,
            },
        ];
        let mut x = vec![0.0; n];
        LinearWorkspace::default().solve(&sub, &diag, &sup, &rhs, &cpl, &mut x);
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = diag[i];
            if i > 0 {
                a[i * n + i - 1] = sub[i];
            }
            if i + 1 < n {
                a[i * n + i + 1] = sup[i];
            }
        }
        for c in cpl {
            a[c.row * n + c.col] += c.coef;
        }
        let mut b = rhs.clone();
        dense_solve(&mut a, &mut b, n);
        for i in 0..n {
            assert!((x[i] - b[i]).abs() < 1e-12, "{i}: {} vs {}", x[i], b[i]);
        }
    }
}

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
/// factored by the block Thomas algorithm with closed-form 2 × 2 inverses (the pivoted band LU
/// as a fallback when a modified diagonal block is near-singular), recycles by the same
/// Woodbury correction as [`LinearWorkspace::solve`] (couplings indexed in the interleaved
/// vector). Storage is kept between calls; nothing is allocated once sized.
#[derive(Debug, Clone)]
pub(crate) struct PairWorkspace {
    /// The block-tridiagonal matrix (2 × 2 blocks) the caller fills before [`Self::solve`].
    pub(crate) m: BlockTridiagonal,
    lu: BandLu,
    /// Block Thomas factors: inverses of the modified diagonal blocks, G_k = D̃_k⁻¹ U_k.
    inv: Vec<[f64; 4]>,
    g: Vec<[f64; 4]>,
    /// Whether the last factorisation fell back to the band LU.
    banded: bool,
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
            inv: vec![[0.0; 4]; n],
            g: vec![[0.0; 4]; n],
            banded: false,
            w: Vec::new(),
            k: Vec::new(),
            alpha: Vec::new(),
        }
    }

    /// Block Thomas factorisation of `m`; false if a modified diagonal block is singular or
    /// badly conditioned (|det| below 1e-12 of the product of its row norms).
    fn factor_thomas(&mut self) -> bool {
        let n = self.inv.len();
        let mut gp = [0.0; 4];
        for k in 0..n {
            let d = &self.m.diag[k * 4..k * 4 + 4];
            let mut a = [d[0], d[1], d[2], d[3]];
            if k > 0 {
                let l = &self.m.lower[k * 4..k * 4 + 4];
                a[0] -= l[0] * gp[0] + l[1] * gp[2];
                a[1] -= l[0] * gp[1] + l[1] * gp[3];
                a[2] -= l[2] * gp[0] + l[3] * gp[2];
                a[3] -= l[2] * gp[1] + l[3] * gp[3];
            }
            let det = a[0] * a[3] - a[1] * a[2];
            let scale = a[0].abs().max(a[1].abs()) * a[2].abs().max(a[3].abs());
            if !(det.is_finite() && det.abs() > 1e-12 * scale) {
                return false;
            }
            let inv = [a[3] / det, -a[1] / det, -a[2] / det, a[0] / det];
            self.inv[k] = inv;
            if k + 1 < n {
                let u = &self.m.upper[k * 4..k * 4 + 4];
                gp = [
                    inv[0] * u[0] + inv[1] * u[2],
                    inv[0] * u[1] + inv[1] * u[3],
                    inv[2] * u[0] + inv[3] * u[2],
                    inv[2] * u[1] + inv[3] * u[3],
                ];
                self.g[k] = gp;
            }
        }
        true
    }

    /// Solves with the current factors, in place.
    fn solve_factored(&self, b: &mut [f64]) {
        if self.banded {
            self.lu.solve(b);
            return;
        }
        let n = self.inv.len();
        let (mut p0, mut p1) = (0.0, 0.0);
        for k in 0..n {
            let (mut r0, mut r1) = (b[2 * k], b[2 * k + 1]);
            if k > 0 {
                let l = &self.m.lower[k * 4..k * 4 + 4];
                r0 -= l[0] * p0 + l[1] * p1;
                r1 -= l[2] * p0 + l[3] * p1;
            }
            let i = &self.inv[k];
            p0 = i[0] * r0 + i[1] * r1;
            p1 = i[2] * r0 + i[3] * r1;
            b[2 * k] = p0;
            b[2 * k + 1] = p1;
        }
        for k in (0..n.saturating_sub(1)).rev() {
            let g = &self.g[k];
            let (n0, n1) = (b[2 * k + 2], b[2 * k + 3]);
            b[2 * k] -= g[0] * n0 + g[1] * n1;
            b[2 * k + 1] -= g[2] * n0 + g[3] * n1;
        }
    }

    /// Solves (M + couplings) x = `rhs` in place. Returns false if M is singular.
    pub(crate) fn solve(&mut self, couplings: &[Coupling], rhs: &mut [f64]) -> bool {
        self.banded = !self.factor_thomas();
        if self.banded && self.lu.factor_from(&self.m).is_err() {
            return false;
        }
        let dim = rhs.len();
        self.solve_factored(rhs);
        let m = couplings.len();
        if m == 0 {
            return true;
        }
        self.w.resize(dim * m, 0.0);
        for (r, c) in couplings.iter().enumerate() {
            let w = &mut self.w[r * dim..(r + 1) * dim];
            w.fill(0.0);
            w[c.row] = 1.0;
        }
        for r in 0..m {
            let mut w = std::mem::take(&mut self.w);
            self.solve_factored(&mut w[r * dim..(r + 1) * dim]);
            self.w = w;
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

    /// The pair solver (block Thomas, or the band-LU fallback when a diagonal block is
    /// singular) with recycle couplings against a dense solve.
    #[test]
    fn pair_solver_matches_dense() {
        let n = 5;
        let dim = 2 * n;
        for singular_first_block in [false, true] {
            let mut pw = PairWorkspace::new(n);
            let mut a = vec![0.0; dim * dim];
            let mut seed = 7u64;
            let mut rnd = || {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((seed >> 11) as f64 / (1u64 << 53) as f64) - 0.5
            };
            for k in 0..n {
                for i in 0..2 {
                    for j in 0..2 {
                        let d = rnd() + if i == j { 4.0 } else { 0.0 };
                        let d = if singular_first_block && k == 0 {
                            1.0
                        } else {
                            d
                        };
                        pw.m.diag[k * 4 + i * 2 + j] = d;
                        a[(2 * k + i) * dim + 2 * k + j] = d;
                        if k > 0 {
                            let l = rnd();
                            pw.m.lower[k * 4 + i * 2 + j] = l;
                            a[(2 * k + i) * dim + 2 * (k - 1) + j] = l;
                        }
                        if k + 1 < n {
                            let u = rnd();
                            pw.m.upper[k * 4 + i * 2 + j] = u;
                            a[(2 * k + i) * dim + 2 * (k + 1) + j] = u;
                        }
                    }
                }
            }
            let cpl = [
                Coupling {
                    row: 8,
                    col: 1,
                    coef: 0.4,
                },
                Coupling {
                    row: 9,
                    col: 1,
                    coef: -0.3,
                },
            ];
            for c in cpl {
                a[c.row * dim + c.col] += c.coef;
            }
            let rhs: Vec<f64> = (0..dim).map(|i| 1.0 + (i as f64).cos()).collect();
            let mut x = rhs.clone();
            assert!(pw.solve(&cpl, &mut x));
            assert_eq!(pw.banded, singular_first_block);
            let mut b = rhs.clone();
            dense_solve(&mut a, &mut b, dim);
            for i in 0..dim {
                assert!((x[i] - b[i]).abs() < 1e-12, "{i}: {} vs {}", x[i], b[i]);
            }
        }
    }

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

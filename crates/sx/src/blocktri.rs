//! Block-tridiagonal LU (block Thomas algorithm) with small dense LU per diagonal block.
//!
//! Hand-written because it *is* the subject of the library: the Naphtali–Sandholm stage system
//! has exactly this structure, the blocks are small (n_c + 2), and a general sparse LU would
//! spend its time on symbolic work and fill that the block Thomas algorithm never creates.
//! All storage is allocated once in [`BlockTridiagonal::new`]; `factor` and `solve` allocate
//! nothing. Lower blocks are scanned for zeros, so the mostly diagonal aqueous-coupling blocks
//! of the stage system cost O(n_b²) instead of O(n_b³). `docs/science/sx.md` §4.3.

/// A block-tridiagonal matrix with `n` block rows of size `nb`, and its factorisation.
///
/// Block row k is `lower[k]·x[k−1] + diag[k]·x[k] + upper[k]·x[k+1]`; blocks are row-major
/// `nb × nb`. After [`factor`](Self::factor), `diag` holds the LU factors of the modified
/// diagonal blocks and `upper` holds G_k = D̃_k⁻¹ U_k.
#[derive(Debug, Clone)]
pub struct BlockTridiagonal {
    n: usize,
    nb: usize,
    /// Lower blocks (block 0 unused).
    pub lower: Vec<f64>,
    /// Diagonal blocks.
    pub diag: Vec<f64>,
    /// Upper blocks (block n−1 unused).
    pub upper: Vec<f64>,
    piv: Vec<usize>,
}

/// A zero pivot met while factoring block row `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SingularBlock {
    /// Block row (stage) of the zero pivot.
    pub stage: usize,
}

impl BlockTridiagonal {
    /// Zeroed storage for `n` block rows of size `nb`.
    pub fn new(n: usize, nb: usize) -> Self {
        Self {
            n,
            nb,
            lower: vec![0.0; n * nb * nb],
            diag: vec![0.0; n * nb * nb],
            upper: vec![0.0; n * nb * nb],
            piv: vec![0; n * nb],
        }
    }

    /// Number of block rows.
    pub fn n_blocks(&self) -> usize {
        self.n
    }
    /// Block size.
    pub fn block_size(&self) -> usize {
        self.nb
    }

    /// Zeroes all blocks.
    pub fn clear(&mut self) {
        self.lower.fill(0.0);
        self.diag.fill(0.0);
        self.upper.fill(0.0);
    }

    /// Copies the blocks of `other` (same shape) into `self`, without allocating.
    ///
    /// # Panics
    /// If the shapes differ.
    pub fn copy_from(&mut self, other: &Self) {
        assert!(
            self.n == other.n && self.nb == other.nb,
            "block shapes differ"
        );
        self.lower.copy_from_slice(&other.lower);
        self.diag.copy_from_slice(&other.diag);
        self.upper.copy_from_slice(&other.upper);
    }

    /// `out = A·x` for an *unfactored* matrix.
    pub fn matvec(&self, x: &[f64], out: &mut [f64]) {
        let (n, nb) = (self.n, self.nb);
        let bs = nb * nb;
        for k in 0..n {
            for i in 0..nb {
                let mut acc = 0.0;
                let d = &self.diag[k * bs + i * nb..k * bs + (i + 1) * nb];
                for p in 0..nb {
                    acc += d[p] * x[k * nb + p];
                }
                if k > 0 {
                    let l = &self.lower[k * bs + i * nb..k * bs + (i + 1) * nb];
                    for p in 0..nb {
                        acc += l[p] * x[(k - 1) * nb + p];
                    }
                }
                if k + 1 < n {
                    let u = &self.upper[k * bs + i * nb..k * bs + (i + 1) * nb];
                    for p in 0..nb {
                        acc += u[p] * x[(k + 1) * nb + p];
                    }
                }
                out[k * nb + i] = acc;
            }
        }
    }

    /// Factors in place. Returns the first singular block row, if any.
    pub fn factor(&mut self) -> Result<(), SingularBlock> {
        let (n, nb) = (self.n, self.nb);
        let bs = nb * nb;
        for k in 0..n {
            if k > 0 {
                // D_k ← D_k − L_k G_{k−1}
                let (g_prev, _) = self.upper[(k - 1) * bs..].split_at(bs);
                let l = &self.lower[k * bs..(k + 1) * bs];
                let d = &mut self.diag[k * bs..(k + 1) * bs];
                for i in 0..nb {
                    for p in 0..nb {
                        let lip = l[i * nb + p];
                        if lip != 0.0 {
                            let grow = &g_prev[p * nb..(p + 1) * nb];
                            let drow = &mut d[i * nb..(i + 1) * nb];
                            for (dv, gv) in drow.iter_mut().zip(grow) {
                                *dv -= lip * gv;
                            }
                        }
                    }
                }
            }
            let d = &mut self.diag[k * bs..(k + 1) * bs];
            let piv = &mut self.piv[k * nb..(k + 1) * nb];
            if !lu_in_place(d, piv, nb) {
                return Err(SingularBlock { stage: k });
            }
            if k + 1 < n {
                // G_k = D̃_k⁻¹ U_k, column by column, in place in `upper`.
                let d = &self.diag[k * bs..(k + 1) * bs];
                let piv = &self.piv[k * nb..(k + 1) * nb];
                let u = &mut self.upper[k * bs..(k + 1) * bs];
                lu_solve_rows(d, piv, nb, u);
            }
        }
        Ok(())
    }

    /// Solves the factored system for `rhs` (length n·nb), in place.
    pub fn solve(&self, rhs: &mut [f64]) {
        let (n, nb) = (self.n, self.nb);
        let bs = nb * nb;
        for k in 0..n {
            if k > 0 {
                let (prev, cur) = rhs[(k - 1) * nb..(k + 1) * nb].split_at_mut(nb);
                let l = &self.lower[k * bs..(k + 1) * bs];
                for i in 0..nb {
                    let mut s = 0.0;
                    for p in 0..nb {
                        s += l[i * nb + p] * prev[p];
                    }
                    cur[i] -= s;
                }
            }
            lu_solve(
                &self.diag[k * bs..(k + 1) * bs],
                &self.piv[k * nb..(k + 1) * nb],
                nb,
                &mut rhs[k * nb..(k + 1) * nb],
            );
        }
        for k in (0..n.saturating_sub(1)).rev() {
            let (cur, next) = rhs[k * nb..(k + 2) * nb].split_at_mut(nb);
            let g = &self.upper[k * bs..(k + 1) * bs];
            for i in 0..nb {
                let mut s = 0.0;
                for p in 0..nb {
                    s += g[i * nb + p] * next[p];
                }
                cur[i] -= s;
            }
        }
    }
}

/// Dense LU with partial pivoting, row-major, in place; `false` on a zero or non-finite pivot.
fn lu_in_place(a: &mut [f64], piv: &mut [usize], n: usize) -> bool {
    for col in 0..n {
        let mut p = col;
        let mut best = a[col * n + col].abs();
        for r in col + 1..n {
            let v = a[r * n + col].abs();
            if v > best {
                best = v;
                p = r;
            }
        }
        piv[col] = p;
        if !(best > 0.0 && best.is_finite()) {
            return false;
        }
        if p != col {
            for c in 0..n {
                a.swap(col * n + c, p * n + c);
            }
        }
        let inv = 1.0 / a[col * n + col];
        for r in col + 1..n {
            let f = a[r * n + col] * inv;
            a[r * n + col] = f;
            if f != 0.0 {
                let (top, bottom) = a.split_at_mut(r * n);
                let prow = &top[col * n + col + 1..col * n + n];
                let rrow = &mut bottom[col + 1..n];
                for (rv, pv) in rrow.iter_mut().zip(prow) {
                    *rv -= f * pv;
                }
            }
        }
    }
    true
}

/// Solves with factors from [`lu_in_place`] for all `n` columns of the row-major `n × n`
/// matrix `b` at once, in place, with contiguous row operations.
fn lu_solve_rows(lu: &[f64], piv: &[usize], n: usize, b: &mut [f64]) {
    for col in 0..n {
        let p = piv[col];
        if p != col {
            for c in 0..n {
                b.swap(col * n + c, p * n + c);
            }
        }
        let (top, bottom) = b.split_at_mut((col + 1) * n);
        let prow = &top[col * n..];
        for r in col + 1..n {
            let f = lu[r * n + col];
            if f != 0.0 {
                let row = &mut bottom[(r - col - 1) * n..(r - col) * n];
                for (v, pv) in row.iter_mut().zip(prow) {
                    *v -= f * pv;
                }
            }
        }
    }
    for r in (0..n).rev() {
        let (top, bottom) = b.split_at_mut((r + 1) * n);
        let row = &mut top[r * n..];
        for c in r + 1..n {
            let f = lu[r * n + c];
            if f != 0.0 {
                let crow = &bottom[(c - r - 1) * n..(c - r) * n];
                for (v, cv) in row.iter_mut().zip(crow) {
                    *v -= f * cv;
                }
            }
        }
        let inv = 1.0 / lu[r * n + r];
        for v in row.iter_mut() {
            *v *= inv;
        }
    }
}

/// Solves with factors from [`lu_in_place`], in place.
fn lu_solve(lu: &[f64], piv: &[usize], n: usize, b: &mut [f64]) {
    for col in 0..n {
        let p = piv[col];
        if p != col {
            b.swap(col, p);
        }
        let bc = b[col];
        if bc != 0.0 {
            for r in col + 1..n {
                b[r] -= lu[r * n + col] * bc;
            }
        }
    }
    for r in (0..n).rev() {
        let mut s = b[r];
        for c in r + 1..n {
            s -= lu[r * n + c] * b[c];
        }
        b[r] = s / lu[r * n + r];
    }
}

/// Banded LU with partial pivoting (LAPACK `dgbtf2` layout) of a block-tridiagonal matrix.
///
/// Block Thomas pivots only inside the diagonal blocks; on wide-β multicomponent cascades the
/// modified diagonal blocks become badly conditioned and its solves lose most of their digits
/// (iterative refinement then fails to converge). Row pivoting across the block boundaries —
/// Gaussian elimination on the band of half-width 2·n_b − 1 — is backward stable and costs
/// O(N·n_b³) like block Thomas. Storage is column-major band: entry (i, j) at
/// `ab[j·ld + kv + i − j]`, kv = kl + ku, ld = 2·kl + ku + 1 (room for the pivoting fill).
#[derive(Debug, Clone)]
pub(crate) struct BandLu {
    n: usize,
    kl: usize,
    ku: usize,
    ld: usize,
    /// Bandwidths of the matrix last factored (at most `kl`, `ku`).
    kl_eff: usize,
    ku_eff: usize,
    ab: Vec<f64>,
    piv: Vec<usize>,
}

impl BandLu {
    /// Storage for the block-tridiagonal shape (`n` blocks of size `nb`).
    pub(crate) fn new(n: usize, nb: usize) -> Self {
        let dim = n * nb;
        let kl = (2 * nb).saturating_sub(1);
        let ku = kl;
        let ld = 2 * kl + ku + 1;
        Self {
            n: dim,
            kl,
            ku,
            ld,
            kl_eff: kl,
            ku_eff: ku,
            ab: vec![0.0; dim * ld],
            piv: vec![0; dim],
        }
    }

    /// Copies an unfactored block-tridiagonal matrix in and factors it. Returns the block row
    /// (stage) of the first zero pivot, if any.
    pub(crate) fn factor_from(&mut self, a: &BlockTridiagonal) -> Result<(), SingularBlock> {
        let (nblk, nb) = (a.n, a.nb);
        let bs = nb * nb;
        let (dim, kl, ku, ld) = (self.n, self.kl, self.ku, self.ld);
        let kv = kl + ku;
        // Actual bandwidths first, so only the band that the factorisation touches (kl_eff
        // below the diagonal, kl_eff + ku_eff above it after pivoting fill) is cleared.
        // (Per row: the first nonzero from the far end decides; no search beyond it.)
        let (mut kle, mut kue) = (0usize, 0usize);
        for k in 0..nblk {
            for r in 0..nb {
                let row = k * bs + r * nb;
                let d = &a.diag[row..row + nb];
                if let Some(c) = (0..r).find(|&c| d[c] != 0.0) {
                    kle = kle.max(r - c);
                }
                if let Some(c) = (r + 1..nb).rev().find(|&c| d[c] != 0.0) {
                    kue = kue.max(c - r);
                }
                if k > 0 {
                    let l = &a.lower[row..row + nb];
                    if let Some(c) = (0..nb).find(|&c| l[c] != 0.0) {
                        kle = kle.max(nb + r - c);
                    }
                }
                if k + 1 < nblk {
                    let u = &a.upper[row..row + nb];
                    if let Some(c) = (0..nb).rev().find(|&c| u[c] != 0.0) {
                        kue = kue.max(nb + c - r);
                    }
                }
            }
        }
        let lo = kv - (kle + kue).min(kv);
        let hi = (kv + kle).min(ld - 1);
        for col in self.ab.chunks_exact_mut(ld) {
            col[lo..=hi].fill(0.0);
        }
        // Entry (i, j) sits at kv + i + j·(ld − 1): along a row, consecutive columns are
        // ld − 1 apart.
        let step = ld - 1;
        for k in 0..nblk {
            for r in 0..nb {
                let i = k * nb + r;
                let row = k * bs + r * nb;
                let mut put = |blk: &[f64], j0: usize| {
                    let mut pos = kv + i + j0 * step;
                    for &v in &blk[row..row + nb] {
                        self.ab[pos] = v;
                        pos += step;
                    }
                };
                put(&a.diag, k * nb);
                if k > 0 {
                    put(&a.lower, (k - 1) * nb);
                }
                if k + 1 < nblk {
                    put(&a.upper, (k + 1) * nb);
                }
            }
        }
        // Work only inside the actual band (the aqueous coupling is nearly diagonal).
        self.kl_eff = kle;
        self.ku_eff = kue;
        let (kl, ku) = (kle, kue);
        let ab = &mut self.ab[..];
        let mut ju = 0usize;
        // Exclusive ranges and one multiplier slice per column (inclusive ranges and per-pair
        // re-slicing cost more than the multiply-adds at these small bandwidths).
        let step = ld - 1;
        for j in 0..dim {
            let km = kl.min(dim - 1 - j);
            let col = j * ld + kv;
            let mut p = 0;
            {
                let cand = &ab[col..col + km + 1];
                let mut best = cand[0].abs();
                for (i, v) in cand.iter().enumerate().skip(1) {
                    let v = v.abs();
                    if v > best {
                        best = v;
                        p = i;
                    }
                }
                self.piv[j] = j + p;
                if !(best > 0.0 && best.is_finite()) {
                    return Err(SingularBlock { stage: j / nb });
                }
            }
            ju = ju.max((j + ku + p).min(dim - 1));
            if p != 0 {
                // row j ↔ row j + p in columns j..=ju: entry (j, c) at col + (c − j)·step
                let mut pos = col;
                for _ in j..ju + 1 {
                    ab.swap(pos, pos + p);
                    pos += step;
                }
            }
            if km == 0 {
                continue;
            }
            let inv = 1.0 / ab[col];
            let (head, tail) = ab.split_at_mut(col + 1 + km);
            let l = &mut head[col + 1..];
            for v in l.iter_mut() {
                *v *= inv;
            }
            let l = &*l;
            // column c (> j): entry (j, c) at tail[(c − j)·step − km − 1], rows j+1.. follow
            let mut start = step - km;
            for _ in j + 1..ju + 1 {
                let f = tail[start - 1];
                if f != 0.0 {
                    let dst = &mut tail[start..start + km];
                    for i in 0..km {
                        dst[i] -= l[i] * f;
                    }
                }
                start += step;
            }
        }
        Ok(())
    }

    /// Solves the factored system for `rhs`, in place.
    pub(crate) fn solve(&self, rhs: &mut [f64]) {
        let (dim, kl, ld) = (self.n, self.kl_eff, self.ld);
        let kv = self.kl + self.ku;
        let kv_eff = kl + self.ku_eff;
        for j in 0..dim {
            let p = self.piv[j];
            if p != j {
                rhs.swap(j, p);
            }
            let km = kl.min(dim - 1 - j);
            let b = rhs[j];
            if b != 0.0 {
                let col = j * ld + kv;
                let l = &self.ab[col + 1..col + 1 + km];
                for (d, lv) in rhs[j + 1..j + 1 + km].iter_mut().zip(l) {
                    *d -= lv * b;
                }
            }
        }
        for j in (0..dim).rev() {
            let col = j * ld + kv;
            let b = rhs[j] / self.ab[col];
            rhs[j] = b;
            if b != 0.0 {
                let i0 = j.saturating_sub(kv_eff);
                let u = &self.ab[col - (j - i0)..col];
                for (d, uv) in rhs[i0..j].iter_mut().zip(u) {
                    *d -= uv * b;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::dense_solve;

    #[test]
    fn block_thomas_and_band_lu_match_dense() {
        let (n, nb) = (5, 3);
        let mut bt = BlockTridiagonal::new(n, nb);
        let mut seed = 1u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let dim = n * nb;
        let mut dense = vec![0.0; dim * dim];
        for k in 0..n {
            for i in 0..nb {
                for j in 0..nb {
                    let d = rnd() + if i == j { 3.0 } else { 0.0 };
                    // put a pivot-requiring permutation into block 2
                    let d = if k == 2 && i == 0 && j == 0 { 1e-3 } else { d };
                    bt.diag[k * nb * nb + i * nb + j] = d;
                    dense[(k * nb + i) * dim + k * nb + j] = d;
                    if k > 0 {
                        let l = rnd();
                        bt.lower[k * nb * nb + i * nb + j] = l;
                        dense[(k * nb + i) * dim + (k - 1) * nb + j] = l;
                    }
                    if k + 1 < n {
                        let u = rnd();
                        bt.upper[k * nb * nb + i * nb + j] = u;
                        dense[(k * nb + i) * dim + (k + 1) * nb + j] = u;
                    }
                }
            }
        }
        let rhs: Vec<f64> = (0..dim).map(|i| (i as f64).sin()).collect();
        let mut band = BandLu::new(n, nb);
        band.factor_from(&bt).unwrap();
        let mut xb = rhs.clone();
        band.solve(&mut xb);
        let mut x = rhs.clone();
        bt.factor().unwrap();
        bt.solve(&mut x);
        let mut b = rhs.clone();
        dense_solve(&mut dense, &mut b, dim);
        for i in 0..dim {
            assert!((x[i] - b[i]).abs() < 1e-10, "{i}: {} vs {}", x[i], b[i]);
            assert!(
                (xb[i] - b[i]).abs() < 1e-10,
                "band {i}: {} vs {}",
                xb[i],
                b[i]
            );
        }
    }
}

//! Block-tridiagonal LU (block Thomas algorithm) with small dense LU per diagonal block.
//!
//! Hand-written because it *is* the subject of the library: the Naphtali–Sandholm stage system
//! has exactly this structure, the blocks are small (n_c + 2), and a general sparse LU would
//! spend its time on symbolic work and fill that the block Thomas algorithm never creates.
//! All storage is allocated once in [`BlockTridiagonal::new`]; `factor` and `solve` allocate
//! nothing. Lower blocks are scanned for zeros, so the mostly diagonal aqueous-coupling blocks
//! of the stage system cost O(n_b²) instead of O(n_b³). `docs/science/sx.md` §4.3.

/// 1 KiB of zeros, the piece in which the band storage is cleared.
static ZEROS: [f64; 128] = [0.0; 128];

/// Calls `$f::<K>($args)` for `$k` among the literals listed (the monomorphised kernels),
/// `$g($args)` otherwise.
macro_rules! dispatch {
    ($k:expr, [$($n:literal)*], $f:ident, $g:ident, $args:tt) => {
        match $k {
            $($n => $f::<$n> $args,)*
            _ => $g $args,
        }
    };
}

/// [`dispatch`] on the lower bandwidth or the block size, 1..=16.
macro_rules! dispatch_kl {
    ($kl:expr, $f:ident, $g:ident, $args:tt) => {
        dispatch!($kl, [1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16], $f, $g, $args)
    };
}

/// [`dispatch`] on the upper bandwidth of U (kl + ku), 1..=48.
macro_rules! dispatch_ku {
    ($ku:expr, $f:ident, $g:ident, $args:tt) => {
        dispatch!($ku, [1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24
            25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48],
            $f, $g, $args)
    };
}

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
            lower: zeroed(n * nb * nb),
            diag: zeroed(n * nb * nb),
            upper: zeroed(n * nb * nb),
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
        // In 1 KiB pieces: memset's vector stores; one large fill would be a `rep stosb`,
        // which callgrind counts per byte.
        for blocks in [&mut self.lower, &mut self.diag, &mut self.upper] {
            for piece in blocks.chunks_mut(ZEROS.len()) {
                piece.fill(0.0);
            }
        }
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
        dispatch_kl!(self.nb, matvec_nb, matvec_any, (self, x, out));
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

/// `out = A·x` for an unfactored block-tridiagonal matrix, any block size.
fn matvec_any(a: &BlockTridiagonal, x: &[f64], out: &mut [f64]) {
    let (n, nb) = (a.n, a.nb);
    let bs = nb * nb;
    for k in 0..n {
        for i in 0..nb {
            let mut acc = 0.0;
            let d = &a.diag[k * bs + i * nb..k * bs + (i + 1) * nb];
            for p in 0..nb {
                acc += d[p] * x[k * nb + p];
            }
            if k > 0 {
                let l = &a.lower[k * bs + i * nb..k * bs + (i + 1) * nb];
                for p in 0..nb {
                    acc += l[p] * x[(k - 1) * nb + p];
                }
            }
            if k + 1 < n {
                let u = &a.upper[k * bs + i * nb..k * bs + (i + 1) * nb];
                for p in 0..nb {
                    acc += u[p] * x[(k + 1) * nb + p];
                }
            }
            out[k * nb + i] = acc;
        }
    }
}

/// [`matvec_any`] for the block size `NB`: the same sums in the same order, on fixed-size
/// block rows.
fn matvec_nb<const NB: usize>(a: &BlockTridiagonal, x: &[f64], out: &mut [f64]) {
    let n = a.n;
    let bs = NB * NB;
    let blk = |v: &[f64], at: usize| -> [f64; NB] { v[at..at + NB].try_into().expect("block row") };
    for k in 0..n {
        let xk = blk(x, k * NB);
        let xp = if k > 0 {
            blk(x, (k - 1) * NB)
        } else {
            [0.0; NB]
        };
        let xn = if k + 1 < n {
            blk(x, (k + 1) * NB)
        } else {
            [0.0; NB]
        };
        let o: &mut [f64; NB] = (&mut out[k * NB..(k + 1) * NB])
            .try_into()
            .expect("block row");
        for (i, oi) in o.iter_mut().enumerate() {
            let row = k * bs + i * NB;
            let mut acc = 0.0;
            let d = blk(&a.diag, row);
            for p in 0..NB {
                acc += d[p] * xk[p];
            }
            if k > 0 {
                let l = blk(&a.lower, row);
                for p in 0..NB {
                    acc += l[p] * xp[p];
                }
            }
            if k + 1 < n {
                let u = blk(&a.upper, row);
                for p in 0..NB {
                    acc += u[p] * xn[p];
                }
            }
            *oi = acc;
        }
    }
}

/// `len` zeros, written in 1 KiB pieces (vector stores; `vec![0.0; len]` is a calloc, whose
/// memset of a reused heap block is one `rep stosb` that callgrind counts per byte).
fn zeroed(len: usize) -> Vec<f64> {
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        let m = (len - v.len()).min(ZEROS.len());
        v.extend_from_slice(&ZEROS[..m]);
    }
    v
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
/// O(N·n_b³) like block Thomas. Storage is column-major band, entry (i, j) at
/// `ab[j·ld + kv + i − j]`, sized by each factorisation for the bandwidths `kl`, `ku` of the
/// matrix: kv = max(kl + ku, 2·n_b − 1) (room for the pivoting fill, and for whole block rows
/// to be copied in), ld = kv + 2·n_b. The elimination and the substitutions work inside the
/// actual band only, in kernels monomorphised on `kl` (1..=16) and kl + ku (1..=48), so the
/// multiplier column and each rank-1 column update are fixed-size arrays. The reciprocals of
/// the pivots are kept, so the back substitution multiplies (no division on its dependent
/// chain).
#[derive(Debug, Clone)]
pub(crate) struct BandLu {
    n: usize,
    /// Bandwidths of the matrix last factored (at most 2·n_b − 1 each).
    kl: usize,
    ku: usize,
    kv: usize,
    ld: usize,
    ab: Vec<f64>,
    piv: Vec<usize>,
    /// Reciprocals of the diagonal of U.
    rdiag: Vec<f64>,
}

/// Shape of the band storage shared by the elimination kernels.
#[derive(Debug, Clone, Copy)]
struct Band {
    dim: usize,
    /// Lower and upper bandwidth of the matrix (U has kl + ku after pivoting).
    kl: usize,
    ku: usize,
    /// Row offset of the diagonal in a stored column, and the column stride.
    kv: usize,
    ld: usize,
    nb: usize,
}

impl BandLu {
    /// Storage for the block-tridiagonal shape (`n` blocks of size `nb`). The band itself is
    /// sized (and zeroed) by each factorisation, at the actual bandwidths.
    pub(crate) fn new(n: usize, nb: usize) -> Self {
        let dim = n * nb;
        let k = (2 * nb).saturating_sub(1);
        let mut ab = Vec::with_capacity((dim + 1) * (2 * k + 2 * nb));
        // a zero diagonal band until the first factorisation (solving with it gives
        // non-finite values, as with any singular factor, rather than a panic)
        ab.resize(dim + 1, 0.0);
        Self {
            n: dim,
            kl: 0,
            ku: 0,
            kv: 0,
            ld: 1,
            ab,
            piv: (0..dim).collect(),
            rdiag: vec![f64::INFINITY; dim],
        }
    }

    /// Copies an unfactored block-tridiagonal matrix in and factors it. Returns the block row
    /// (stage) of the first zero pivot, if any.
    pub(crate) fn factor_from(&mut self, a: &BlockTridiagonal) -> Result<(), SingularBlock> {
        // Actual bandwidths first: the band is stored (and eliminated) only as wide as the
        // matrix needs (the aqueous coupling is nearly diagonal).
        let (kle, kue) = dispatch_kl!(a.nb, bandwidths, bandwidths_any, (a));
        let band = self.load(a, kle, kue);
        let (ab, piv, rd) = (&mut self.ab[..], &mut self.piv[..], &mut self.rdiag[..]);
        dispatch_kl!(band.kl, eliminate, eliminate_any, (ab, piv, rd, band))
    }

    /// Sizes the band storage for the bandwidths `kl`, `ku` of `a` and copies `a` in.
    fn load(&mut self, a: &BlockTridiagonal, kl: usize, ku: usize) -> Band {
        let nb = a.nb;
        let dim = self.n;
        let kv = (kl + ku).max((2 * nb).saturating_sub(1));
        let ld = kv + 2 * nb;
        self.kl = kl;
        self.ku = ku;
        self.kv = kv;
        self.ld = ld;
        // Zeroed in 1 KiB pieces (small copies run as vector stores; a large fill would be one
        // `rep stosb`, which callgrind counts per byte). The capacity is reserved in `new`.
        // one spare column: every stored column below the pivot row spans whole `ld − 1`
        // pieces in the elimination
        let need = (dim + 1) * ld;
        self.ab.clear();
        while self.ab.len() < need {
            let m = (need - self.ab.len()).min(ZEROS.len());
            self.ab.extend_from_slice(&ZEROS[..m]);
        }
        // Entry (i, j) sits at kv + i + j·(ld − 1): along a row, consecutive columns are
        // ld − 1 apart; every entry of a block row lies in the storage of its own column.
        dispatch_kl!(nb, copy_in, copy_in_any, (&mut self.ab, a, kv, ld - 1));
        Band {
            dim,
            kl,
            ku,
            kv,
            ld,
            nb,
        }
    }

    /// Solves the factored system for `rhs`, in place.
    pub(crate) fn solve(&self, rhs: &mut [f64]) {
        let (ab, piv, rd) = (&self.ab[..], &self.piv[..], &self.rdiag[..]);
        let band = Band {
            dim: self.n,
            kl: self.kl,
            ku: self.ku,
            kv: self.kv,
            ld: self.ld,
            nb: 0,
        };
        dispatch_kl!(
            self.kl,
            forward_band,
            forward_band_any,
            (ab, piv, band, rhs)
        );
        dispatch_ku!(
            self.kl + self.ku,
            back_substitute,
            back_substitute_any,
            (ab, rd, band, rhs)
        );
    }
}

/// Lower and upper bandwidth of the block-tridiagonal matrix `a`, any block size. (Per row:
/// the first nonzero from the far end decides; no search beyond it.)
fn bandwidths_any(a: &BlockTridiagonal) -> (usize, usize) {
    let (nblk, nb) = (a.n, a.nb);
    let bs = nb * nb;
    let (mut kl, mut ku) = (0usize, 0usize);
    for k in 0..nblk {
        for r in 0..nb {
            let row = k * bs + r * nb;
            let d = &a.diag[row..row + nb];
            if let Some(c) = (0..r).find(|&c| d[c] != 0.0) {
                kl = kl.max(r - c);
            }
            if let Some(c) = (r + 1..nb).rev().find(|&c| d[c] != 0.0) {
                ku = ku.max(c - r);
            }
            if k > 0 {
                let l = &a.lower[row..row + nb];
                if let Some(c) = (0..nb).find(|&c| l[c] != 0.0) {
                    kl = kl.max(nb + r - c);
                }
            }
            if k + 1 < nblk {
                let u = &a.upper[row..row + nb];
                if let Some(c) = (0..nb).rev().find(|&c| u[c] != 0.0) {
                    ku = ku.max(nb + c - r);
                }
            }
        }
    }
    (kl, ku)
}

/// [`bandwidths_any`] for the block size `NB`, on fixed-size block rows.
fn bandwidths<const NB: usize>(a: &BlockTridiagonal) -> (usize, usize) {
    let nblk = a.n;
    let bs = NB * NB;
    let (mut kl, mut ku) = (0usize, 0usize);
    for k in 0..nblk {
        for r in 0..NB {
            let row = k * bs + r * NB;
            let d: &[f64; NB] = a.diag[row..row + NB].try_into().expect("block row");
            if let Some(c) = (0..r).find(|&c| d[c] != 0.0) {
                kl = kl.max(r - c);
            }
            if let Some(c) = (r + 1..NB).rev().find(|&c| d[c] != 0.0) {
                ku = ku.max(c - r);
            }
            if k > 0 {
                let l: &[f64; NB] = a.lower[row..row + NB].try_into().expect("block row");
                if let Some(c) = (0..NB).find(|&c| l[c] != 0.0) {
                    kl = kl.max(NB + r - c);
                }
            }
            if k + 1 < nblk {
                let u: &[f64; NB] = a.upper[row..row + NB].try_into().expect("block row");
                if let Some(c) = (0..NB).rev().find(|&c| u[c] != 0.0) {
                    ku = ku.max(NB + c - r);
                }
            }
        }
    }
    (kl, ku)
}

/// Copies the blocks of `a` into zeroed band storage (diagonal at row `kv` of a stored column,
/// `step` = ld − 1 between the entries of a matrix row), any block size.
fn copy_in_any(ab: &mut [f64], a: &BlockTridiagonal, kv: usize, step: usize) {
    let (nblk, nb) = (a.n, a.nb);
    let bs = nb * nb;
    for k in 0..nblk {
        for r in 0..nb {
            let i = k * nb + r;
            let row = k * bs + r * nb;
            let mut put = |blk: &[f64], j0: usize| {
                let mut pos = kv + i + j0 * step;
                for &v in &blk[row..row + nb] {
                    ab[pos] = v;
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
}

/// [`copy_in_any`] for the block size `NB`, block column by block column: the NB entries of
/// a block column are contiguous in the band storage, and all offsets inside a block are
/// constants.
fn copy_in<const NB: usize>(ab: &mut [f64], a: &BlockTridiagonal, kv: usize, step: usize) {
    let nblk = a.n;
    let bs = NB * NB;
    for k in 0..nblk {
        for (t, blocks) in [&a.lower, &a.diag, &a.upper].into_iter().enumerate() {
            if (t == 0 && k == 0) || (t == 2 && k + 1 == nblk) {
                continue;
            }
            let (rows, _) = blocks[k * bs..(k + 1) * bs].as_chunks::<NB>();
            let blk: &[[f64; NB]; NB] = rows.try_into().expect("block");
            // entry (k·NB + r, j) at kv + k·NB + r + j·step
            for c in 0..NB {
                let j = (k + t) * NB + c - NB;
                let pos = kv + k * NB + j * step;
                let dst: &mut [f64; NB] = (&mut ab[pos..pos + NB]).try_into().expect("band");
                for r in 0..NB {
                    dst[r] = blk[r][c];
                }
            }
        }
    }
}

/// Partial pivoting for column `j` with `km` entries below the diagonal: records the pivot
/// row, widens `ju` (last column of U touched so far) and swaps the rows in columns j..=ju.
/// Returns the pivot offset `p`.
#[inline(always)]
fn pivot_column(
    ab: &mut [f64],
    piv: &mut [usize],
    b: Band,
    j: usize,
    km: usize,
    ju: &mut usize,
) -> Result<usize, SingularBlock> {
    let col = j * b.ld + b.kv;
    let cand = &ab[col..col + km + 1];
    let mut p = 0;
    let mut best = cand[0].abs();
    for (i, v) in cand.iter().enumerate().skip(1) {
        let v = v.abs();
        if v > best {
            best = v;
            p = i;
        }
    }
    piv[j] = j + p;
    if !(best > 0.0 && best.is_finite()) {
        return Err(SingularBlock { stage: j / b.nb });
    }
    *ju = (*ju).max((j + b.ku + p).min(b.dim - 1));
    if p != 0 {
        // row j ↔ row j + p in columns j..=ju: entry (j, c) at col + (c − j)·(ld − 1)
        let step = b.ld - 1;
        let mut pos = col;
        for _ in j..*ju + 1 {
            ab.swap(pos, pos + p);
            pos += step;
        }
    }
    Ok(p)
}

/// Eliminates column `j` (pivoted) with `km` multipliers, any `km`.
#[inline(always)]
fn eliminate_column_any(ab: &mut [f64], rd: &mut [f64], b: Band, j: usize, km: usize, ju: usize) {
    let col = j * b.ld + b.kv;
    let inv = 1.0 / ab[col];
    rd[j] = inv;
    if km == 0 {
        return;
    }
    let step = b.ld - 1;
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

/// Band LU with partial pivoting for any lower bandwidth.
fn eliminate_any(
    ab: &mut [f64],
    piv: &mut [usize],
    rd: &mut [f64],
    b: Band,
) -> Result<(), SingularBlock> {
    let mut ju = 0usize;
    for j in 0..b.dim {
        let km = b.kl.min(b.dim - 1 - j);
        pivot_column(ab, piv, b, j, km, &mut ju)?;
        eliminate_column_any(ab, rd, b, j, km, ju);
    }
    Ok(())
}

/// Band LU with partial pivoting for the lower bandwidth `KL` (= `b.kl`): the same operations
/// in the same order as [`eliminate_any`], on fixed-size multiplier columns.
fn eliminate<const KL: usize>(
    ab: &mut [f64],
    piv: &mut [usize],
    rd: &mut [f64],
    b: Band,
) -> Result<(), SingularBlock> {
    debug_assert_eq!(b.kl, KL);
    let kv = b.kv;
    let step = b.ld - 1;
    let full = b.dim.saturating_sub(KL);
    let mut ju = 0usize;
    for j in 0..full {
        let col = j * b.ld + kv;
        // pivot search over the KL + 1 candidates
        let mut p = 0;
        {
            let (first, rest) = ab[col..col + 1 + KL].split_at(1);
            let rest: &[f64; KL] = rest.try_into().expect("band column");
            let mut best = first[0].abs();
            for (i, v) in rest.iter().enumerate() {
                let v = v.abs();
                if v > best {
                    best = v;
                    p = i + 1;
                }
            }
            piv[j] = j + p;
            if !(best > 0.0 && best.is_finite()) {
                return Err(SingularBlock { stage: j / b.nb });
            }
        }
        ju = ju.max((j + b.ku + p).min(b.dim - 1));
        if p != 0 {
            // row j ↔ row j + p in columns j..=ju: one piece of `step` per column (p < step)
            let region = &mut ab[col..col + (ju - j) * step + p + 1];
            let (full, last) = region.split_at_mut((ju - j) * step);
            for piece in full.chunks_exact_mut(step) {
                piece.swap(0, p);
            }
            last.swap(0, p);
        }
        let (head, tail) = ab.split_at_mut(col + 1 + KL);
        let inv = 1.0 / head[col];
        rd[j] = inv;
        let lm: &mut [f64; KL] = (&mut head[col + 1..]).try_into().expect("band column");
        for v in lm.iter_mut() {
            *v *= inv;
        }
        let l: [f64; KL] = *lm;
        // column c = j+1..=ju: entry (j, c), then rows j+1..=j+KL, in pieces of `step`
        let start = step - KL - 1;
        let cols = &mut tail[start..start + (ju - j) * step];
        for piece in cols.chunks_exact_mut(step) {
            let (f, rest) = piece.split_first_mut().expect("band column");
            let f = *f;
            // f ≠ 0 (NaN included) as one integer test: the bits without the sign
            if f.to_bits() << 1 != 0 {
                let dst: &mut [f64; KL] = (&mut rest[..KL]).try_into().expect("band column");
                for i in 0..KL {
                    dst[i] -= l[i] * f;
                }
            }
        }
    }
    for j in full..b.dim {
        let km = b.kl.min(b.dim - 1 - j);
        pivot_column(ab, piv, b, j, km, &mut ju)?;
        eliminate_column_any(ab, rd, b, j, km, ju);
    }
    Ok(())
}

/// Back substitution with U (upper bandwidth kl + ku), any bandwidth: the columns in pairs
/// as [`back_substitute`] does, the last ones singly.
fn back_substitute_any(ab: &[f64], rd: &[f64], b: Band, rhs: &mut [f64]) {
    let kuu = b.kl + b.ku;
    let mut j = b.dim;
    // two columns at a time as in `back_substitute`
    while kuu > 0 && j >= kuu + 2 {
        let (j1, j2) = (j - 1, j - 2);
        let (c1, c2) = (j1 * b.ld + b.kv, j2 * b.ld + b.kv);
        let u1 = &ab[c1 - kuu..c1];
        let u2 = &ab[c2 - kuu..c2];
        let (head, tail) = rhs.split_at_mut(j2);
        let (x2r, x1r) = tail.split_at_mut(1);
        let x1 = x1r[0] * rd[j1];
        x1r[0] = x1;
        let x2 = (x2r[0] - u1[kuu - 1] * x1) * rd[j2];
        x2r[0] = x2;
        let d = &mut head[j2 - kuu..];
        d[0] -= u2[0] * x2;
        for i in 1..kuu {
            d[i] -= u1[i - 1] * x1 + u2[i] * x2;
        }
        j = j2;
    }
    back_substitute_cols(ab, rd, b, j, rhs);
}

/// Back substitution in columns `n`−1 down to 0 (the columns above `n` done already).
#[inline(always)]
fn back_substitute_cols(ab: &[f64], rd: &[f64], b: Band, n: usize, rhs: &mut [f64]) {
    let kuu = b.kl + b.ku;
    for j in (0..n).rev() {
        let col = j * b.ld + b.kv;
        let x = rhs[j] * rd[j];
        rhs[j] = x;
        if x != 0.0 {
            let i0 = j.saturating_sub(kuu);
            let u = &ab[col - (j - i0)..col];
            for (d, uv) in rhs[i0..j].iter_mut().zip(u) {
                *d -= uv * x;
            }
        }
    }
}

/// Back substitution for the bandwidth `KU` = kl + ku of U: fixed-size columns, two at a time
/// (columns j and j − 1: x_j, then x_{j−1} from its row updated by column j alone, then one
/// pass `d −= u_j·x_j + u_{j−1}·x_{j−1}` over the rows above, which loads and stores each
/// entry of the right-hand side once per pair of columns); the last columns as
/// [`back_substitute_any`].
fn back_substitute<const KU: usize>(ab: &[f64], rd: &[f64], b: Band, rhs: &mut [f64]) {
    debug_assert_eq!(b.kl + b.ku, KU);
    let mut j = b.dim;
    while j >= KU + 2 {
        let (j1, j2) = (j - 1, j - 2);
        let (c1, c2) = (j1 * b.ld + b.kv, j2 * b.ld + b.kv);
        // column j1: rows j1 − KU..j1; column j2: rows j2 − KU..j2
        let u1: &[f64; KU] = ab[c1 - KU..c1].try_into().expect("band column");
        let u2: &[f64; KU] = ab[c2 - KU..c2].try_into().expect("band column");
        let (head, tail) = rhs.split_at_mut(j2);
        let (x2r, x1r) = tail.split_at_mut(1);
        let x1 = x1r[0] * rd[j1];
        x1r[0] = x1;
        let x2 = (x2r[0] - u1[KU - 1] * x1) * rd[j2];
        x2r[0] = x2;
        let d: &mut [f64; KU] = (&mut head[j2 - KU..]).try_into().expect("band column");
        d[0] -= u2[0] * x2;
        for i in 1..KU {
            d[i] -= u1[i - 1] * x1 + u2[i] * x2;
        }
        j = j2;
    }
    back_substitute_cols(ab, rd, b, j, rhs);
}

/// Forward substitution of column `j` with `km` multipliers, any `km`.
#[inline(always)]
fn forward_column_any(ab: &[f64], piv: &[usize], b: Band, j: usize, rhs: &mut [f64]) {
    let p = piv[j];
    if p != j {
        rhs.swap(j, p);
    }
    let km = b.kl.min(b.dim - 1 - j);
    let x = rhs[j];
    if x != 0.0 {
        let col = j * b.ld + b.kv;
        let l = &ab[col + 1..col + 1 + km];
        for (d, lv) in rhs[j + 1..j + 1 + km].iter_mut().zip(l) {
            *d -= lv * x;
        }
    }
}

/// Forward substitution (row swaps and L) with the factors of [`eliminate_any`].
fn forward_band_any(ab: &[f64], piv: &[usize], b: Band, rhs: &mut [f64]) {
    for j in 0..b.dim {
        forward_column_any(ab, piv, b, j, rhs);
    }
}

/// Forward substitution with the factors of [`eliminate`]`::<KL>`: fixed-size columns, the
/// same operations in the same order as [`forward_band_any`].
fn forward_band<const KL: usize>(ab: &[f64], piv: &[usize], b: Band, rhs: &mut [f64]) {
    let kv = b.kv;
    let full = b.dim.saturating_sub(KL);
    for j in 0..full {
        let p = piv[j];
        if p != j {
            rhs.swap(j, p);
        }
        let (head, tail) = rhs.split_at_mut(j + 1);
        let x = head[j];
        if x != 0.0 {
            let col = j * b.ld + kv;
            let l: &[f64; KL] = ab[col + 1..col + 1 + KL].try_into().expect("band column");
            let d: &mut [f64; KL] = (&mut tail[..KL]).try_into().expect("band column");
            for i in 0..KL {
                d[i] -= l[i] * x;
            }
        }
    }
    for j in full..b.dim {
        forward_column_any(ab, piv, b, j, rhs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::dense_solve;

    /// Uniform numbers in [−½, ½) from a 64-bit linear congruential generator (Knuth's MMIX
    /// constants): reproducible test matrices without an RNG dependency.
    fn lcg(mut state: u64) -> impl FnMut() -> f64 {
        move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        }
    }

    #[test]
    fn block_thomas_and_band_lu_match_dense() {
        let (n, nb) = (5, 3);
        let mut bt = BlockTridiagonal::new(n, nb);
        let mut rnd = lcg(1);
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

    /// A block-tridiagonal matrix with random entries inside the bandwidths `kl`, `ku` (each
    /// at most 2·nb − 1), diagonal blocks scaled by `dscale` (small: pivots from the block
    /// below), and its dense copy.
    fn random_banded(
        n: usize,
        nb: usize,
        kl: usize,
        ku: usize,
        dscale: f64,
        seed: u64,
    ) -> (BlockTridiagonal, Vec<f64>) {
        let mut bt = BlockTridiagonal::new(n, nb);
        let mut rnd = lcg(seed);
        let dim = n * nb;
        let mut dense = vec![0.0; dim * dim];
        for k in 0..n {
            for r in 0..nb {
                let i = k * nb + r;
                for (blk, kc) in [(0usize, k.wrapping_sub(1)), (1, k), (2, k + 1)] {
                    if kc >= n {
                        continue;
                    }
                    for c in 0..nb {
                        let j = kc * nb + c;
                        if i > j + kl || j > i + ku {
                            continue;
                        }
                        let v = rnd() * if blk == 1 { dscale } else { 1.0 };
                        let pos = k * nb * nb + r * nb + c;
                        match blk {
                            0 => bt.lower[pos] = v,
                            1 => bt.diag[pos] = v,
                            _ => bt.upper[pos] = v,
                        }
                        dense[i * dim + j] = v;
                    }
                }
            }
        }
        (bt, dense)
    }

    #[test]
    fn band_lu_solve_before_any_factorisation_does_not_panic() {
        let lu = BandLu::new(3, 2);
        let mut x = vec![1.0; 6];
        lu.solve(&mut x);
        assert!(x.iter().all(|v| !v.is_finite()));
    }

    #[test]
    fn band_lu_kernels_match_the_generic_path_and_dense_solves() {
        let mut swaps_across_blocks = 0;
        let (mut seen_kl, mut seen_kuu) = ([false; 51], [false; 51]);
        for nb in 1..=13usize {
            let n = 6;
            let dim = n * nb;
            for kl in 0..2 * nb {
                for ku in [0, nb.saturating_sub(1), 2 * nb - 1] {
                    for (t, dscale) in [1.0, 1e-3].into_iter().enumerate() {
                        // small diagonal blocks (pivots from the block below) only where the
                        // matrix stays far from singular: triangular bands would not
                        if t == 1 && (kl < nb || ku < nb) {
                            continue;
                        }
                        let seed = (nb * 1000 + kl * 31 + ku * 7 + t) as u64;
                        let (bt, dense) = random_banded(n, nb, kl, ku, dscale, seed);
                        let mut lu = BandLu::new(n, nb);
                        lu.factor_from(&bt)
                            .unwrap_or_else(|e| panic!("nb {nb} kl {kl} ku {ku} t {t}: {e:?}"));
                        assert_eq!(lu.kl, kl, "nb {nb}: bandwidth scan");
                        assert_eq!(lu.ku, ku.min(dim - 1), "nb {nb}: bandwidth scan");
                        seen_kl[kl] = true;
                        seen_kuu[lu.kl + lu.ku] = true;
                        swaps_across_blocks +=
                            (0..dim).filter(|&j| lu.piv[j] / nb != j / nb).count();
                        // the generic kernels on the same band give the same bits
                        let mut generic = BandLu::new(n, nb);
                        let band = generic.load(&bt, lu.kl, lu.ku);
                        // the block-size kernels of the bandwidth scan and the copy as well
                        assert_eq!(bandwidths_any(&bt), (lu.kl, lu.ku));
                        let mut ab = vec![0.0; generic.ab.len()];
                        copy_in_any(&mut ab, &bt, band.kv, band.ld - 1);
                        assert!(ab == generic.ab, "nb {nb}: copy");
                        let xs: Vec<f64> = (0..dim).map(|i| (i as f64 * 0.7).cos()).collect();
                        let (mut y, mut yg) = (vec![0.0; dim], vec![0.0; dim]);
                        bt.matvec(&xs, &mut y);
                        matvec_any(&bt, &xs, &mut yg);
                        assert!(y == yg, "nb {nb}: matvec");
                        eliminate_any(&mut generic.ab, &mut generic.piv, &mut generic.rdiag, band)
                            .unwrap();
                        assert!(
                            generic.ab == lu.ab
                                && generic.piv == lu.piv
                                && generic.rdiag == lu.rdiag,
                            "nb {nb} kl {kl}"
                        );
                        let rhs: Vec<f64> = (0..dim).map(|i| (i as f64 + 0.5).sin()).collect();
                        let mut x = rhs.clone();
                        lu.solve(&mut x);
                        let mut xg = rhs.clone();
                        forward_band_any(&generic.ab, &generic.piv, band, &mut xg);
                        back_substitute_any(&generic.ab, &generic.rdiag, band, &mut xg);
                        assert!(x == xg, "nb {nb} kl {kl}: solve kernels differ");
                        // backward stable: small residual relative to ‖A‖·‖x‖ (the
                        // small-diagonal cases are far too ill-conditioned for forward
                        // comparisons), and the dense solve where it is well conditioned
                        let anorm = dense.iter().fold(0.0f64, |a, v| a.max(v.abs()));
                        let xnorm = x.iter().fold(0.0f64, |a, v| a.max(v.abs()));
                        for i in 0..dim {
                            let ax: f64 = (0..dim).map(|j| dense[i * dim + j] * x[j]).sum();
                            assert!(
                                (ax - rhs[i]).abs() <= 1e-13 * dim as f64 * anorm * xnorm,
                                "nb {nb} kl {kl} ku {ku} t {t} row {i}: residual {}",
                                ax - rhs[i]
                            );
                        }
                        if t == 0 && kl == 2 * nb - 1 && ku == kl {
                            let mut d = dense.clone();
                            let mut b = rhs.clone();
                            dense_solve(&mut d, &mut b, dim);
                            for i in 0..dim {
                                assert!(
                                    (x[i] - b[i]).abs() < 1e-9 * xnorm,
                                    "nb {nb} kl {kl} ku {ku} {i}: {} vs {}",
                                    x[i],
                                    b[i]
                                );
                            }
                        }
                    }
                }
            }
        }
        // every monomorphised kernel and the generic ones beyond
        assert!(
            seen_kl[..26].iter().all(|&s| s),
            "every kl 0..=25 exercised"
        );
        assert!(
            seen_kuu.iter().all(|&s| s),
            "every kl + ku 0..=50 exercised"
        );
        assert!(swaps_across_blocks > 100, "row swaps across blocks");
    }
}

//! The implicit integrator shared by [`DynamicCascade`](super::DynamicCascade) and
//! [`HoldupCascade`](super::HoldupCascade): a stage model supplies the residual and the
//! Jacobian of its implicit stage system ([`ImplicitStages`]), this module supplies the
//! Newton iteration ([`newton`]), the Newton matrix with couplings outside the
//! block-tridiagonal band ([`StepMatrix`], recycles: a Woodbury correction) and the
//! error-controlled variable-step BDF2 / backward-Euler driver ([`Bdf2`]) with the
//! conservation ledger. Science page: `docs/science/sx.md`, section "Dynamics".
//!
//! Every step solves `α·(acc(u⁺) − acc_old) − h·f(u⁺) = 0` (closure rows: `f = 0`), where
//! `acc` are the stage holdups of the balanced quantities and `f` the net in − out rates.

use serde::{Deserialize, Serialize};

use super::{AdvanceOutcome, IntegratorConfig, IntegratorStats, Products, StepMethod};
use crate::SxError;
use crate::blocktri::{BandLu, BlockTridiagonal};

/// Variable-step BDF2 coefficients (a0, a1, a2) for step `h` after step `hp`:
/// `a0 y⁺ + a1 y + a2 y⁻ = h f(y⁺)`; they sum to zero, so linear invariants are kept.
pub(crate) fn bdf2_coefficients(h: f64, hp: f64) -> (f64, f64, f64) {
    let w = h / hp;
    ((1.0 + 2.0 * w) / (1.0 + w), -(1.0 + w), w * w / (1.0 + w))
}

/// A stage model integrated by [`Bdf2`]: its conserved holdups, the residual and Jacobian
/// of the implicit stage system, how a Newton correction is applied, and its boundary flows.
pub(crate) trait ImplicitStages {
    /// Update norm below which a Newton iteration that no longer halves the norm counts as
    /// converged (round-off floor of the model's variables).
    const STALL: f64;

    /// Holdups of the balanced quantities at `u`, per state entry \[mol\] (closure rows 0).
    fn accumulation(&mut self, u: &[f64], acc: &mut [f64]);

    /// Writes the Newton right-hand side `−g` (row-scaled as the model chooses) of
    /// `g = α·(acc(u) − acc_old) − h·f(u)` into `mat.rhs`, and the Jacobian of the same
    /// rows with respect to the model's Newton variables into `mat.bt` and (couplings
    /// outside the band) `mat.extra`, for the links `mat.links`.
    fn assemble(&mut self, u: &[f64], acc_old: &[f64], alpha: f64, h: f64, mat: &mut StepMatrix);

    /// Applies the Newton correction `delta` to `u`; returns the weighted norm of the
    /// correction that the convergence test uses. `scale` \[mol·m⁻³\] is the absolute floor
    /// of the weight where the model uses one.
    fn apply_update(&self, u: &mut [f64], delta: &[f64], scale: f64) -> f64;

    /// Newton start for a step of length `h` from `cur`, the previous point `prev` a step
    /// `hp` back.
    fn predict(&self, cur: &[f64], prev: &[f64], h: f64, hp: f64, out: &mut [f64]);

    /// External inflow per ledger entry \[mol·s⁻¹\].
    fn inflow(&self) -> &[f64];

    /// Outflow per ledger entry at `u` \[mol·s⁻¹\].
    fn outflow(&mut self, u: &[f64]) -> Vec<f64>;

    /// Product streams at `u`.
    fn products(&mut self, u: &[f64]) -> Products;
}

/// The Newton matrix of one implicit step: a block-tridiagonal part plus one dense
/// `nb × nb` block per link outside the band (rows of stage `to`, columns of stage
/// `from`), solved as `J = T + U Vᵀ` by the Woodbury identity with the block-Thomas
/// factors of `T` and one step of iterative refinement against the unfactored matrix.
/// Without links the solve is the plain block-Thomas solve (nothing else is touched).
#[derive(Debug, Clone)]
pub(crate) struct StepMatrix {
    /// Block-tridiagonal part (factored in place by [`StepMatrix::factor`]).
    pub(crate) bt: BlockTridiagonal,
    /// (to_stage, from_stage) of every extra block.
    pub(crate) links: Vec<(usize, usize)>,
    /// Extra blocks, row-major, `links.len() · nb²`.
    pub(crate) extra: Vec<f64>,
    /// Right-hand side on entry of the solve, the Newton correction after it.
    pub(crate) rhs: Vec<f64>,
    /// Whether some extra block is non-zero (else the solve is the plain block-Thomas one,
    /// bit for bit: a recycle of flow 0 changes nothing).
    active: bool,
    /// Unfactored copy of `bt` (refinement; only with links).
    t0: Option<BlockTridiagonal>,
    /// Pivoted band LU used instead of block Thomas (row pivoting across the blocks), for
    /// stage systems whose blocks are not diagonally dominant (Murphree rows).
    band: Option<BandLu>,
    /// Z = T⁻¹U, column-major (`m·nb` columns of length `dim`).
    z: Vec<f64>,
    /// LU of the capacitance matrix K = I + VᵀZ (`m·nb` square) and its pivots.
    k: Vec<f64>,
    piv: Vec<usize>,
    /// Scratch: right-hand side copy, residual, small vector.
    b0: Vec<f64>,
    corr: Vec<f64>,
    small: Vec<f64>,
}

impl Default for StepMatrix {
    fn default() -> Self {
        Self::new(0, 0, Vec::new())
    }
}

/// Dense LU with partial pivoting of the row-major `n × n` matrix `a`; `false` if singular.
pub(crate) fn dense_lu(a: &mut [f64], piv: &mut [usize], n: usize) -> bool {
    for c in 0..n {
        let (mut p, mut best) = (c, a[c * n + c].abs());
        for r in c + 1..n {
            if a[r * n + c].abs() > best {
                best = a[r * n + c].abs();
                p = r;
            }
        }
        if !(best.is_finite() && best > 0.0) {
            return false;
        }
        piv[c] = p;
        if p != c {
            for q in 0..n {
                a.swap(c * n + q, p * n + q);
            }
        }
        let d = a[c * n + c];
        for r in c + 1..n {
            let f = a[r * n + c] / d;
            a[r * n + c] = f;
            if f != 0.0 {
                for q in c + 1..n {
                    a[r * n + q] -= f * a[c * n + q];
                }
            }
        }
    }
    true
}

/// Solves with the factors of [`dense_lu`], in place.
pub(crate) fn dense_solve(a: &[f64], piv: &[usize], n: usize, b: &mut [f64]) {
    for c in 0..n {
        b.swap(c, piv[c]);
        for r in c + 1..n {
            b[r] -= a[r * n + c] * b[c];
        }
    }
    for c in (0..n).rev() {
        for q in c + 1..n {
            b[c] -= a[c * n + q] * b[q];
        }
        b[c] /= a[c * n + c];
    }
}

impl StepMatrix {
    /// Storage for `n` stages of block size `nb` and the given links.
    pub(crate) fn new(n: usize, nb: usize, links: Vec<(usize, usize)>) -> Self {
        let (dim, mr) = (n * nb, links.len() * nb);
        Self {
            bt: BlockTridiagonal::new(n, nb),
            extra: vec![0.0; links.len() * nb * nb],
            rhs: vec![0.0; dim],
            t0: (mr > 0).then(|| BlockTridiagonal::new(n, nb)),
            band: None,
            z: vec![0.0; mr * dim],
            k: vec![0.0; mr * mr],
            piv: vec![0; mr],
            b0: vec![0.0; if mr > 0 { dim } else { 0 }],
            corr: vec![0.0; if mr > 0 { dim } else { 0 }],
            small: vec![0.0; mr],
            active: false,
            links,
        }
    }

    /// The same with the pivoted band LU instead of block Thomas.
    pub(crate) fn new_pivoted(n: usize, nb: usize, links: Vec<(usize, usize)>) -> Self {
        let mut m = Self::new(n, nb, links);
        m.band = Some(BandLu::new(n, nb));
        m
    }

    /// T⁻¹ x in place with the factors of T.
    fn t_solve(&self, x: &mut [f64]) {
        match &self.band {
            Some(b) => b.solve(x),
            None => self.bt.solve(x),
        }
    }

    /// Whether the storage fits `n` stages of size `nb` with these links.
    pub(crate) fn fits(&self, n: usize, nb: usize, links: &[(usize, usize)]) -> bool {
        self.bt.n_blocks() == n && self.bt.block_size() == nb && self.links == links
    }

    /// (block size, dimension, rank of the link correction; 0 when no block is active).
    fn dims(&self) -> (usize, usize, usize) {
        let nb = self.bt.block_size();
        let mr = if self.active {
            self.links.len() * nb
        } else {
            0
        };
        (nb, self.bt.n_blocks() * nb, mr)
    }

    /// Adds the extra blocks times `x` into `out` (rows of the receiving stages).
    fn extra_matvec(&self, x: &[f64], out: &mut [f64]) {
        let nb = self.bt.block_size();
        let bs = nb * nb;
        for (ri, &(to, from)) in self.links.iter().enumerate() {
            let blk = &self.extra[ri * bs..(ri + 1) * bs];
            for i in 0..nb {
                let mut acc = 0.0;
                for p in 0..nb {
                    acc += blk[i * nb + p] * x[from * nb + p];
                }
                out[to * nb + i] += acc;
            }
        }
    }

    /// Factors the matrix; `false` if a block (or the capacitance matrix) is singular.
    pub(crate) fn factor(&mut self) -> bool {
        self.active = self.extra.iter().any(|v| *v != 0.0);
        let (nb, dim, mr) = self.dims();
        if mr > 0 {
            self.t0
                .get_or_insert_with(|| BlockTridiagonal::new(self.bt.n_blocks(), nb))
                .copy_from(&self.bt);
        }
        let ok = match &mut self.band {
            Some(b) => b.factor_from(&self.bt).is_ok(),
            None => self.bt.factor().is_ok(),
        };
        if !ok {
            return false;
        }
        if mr == 0 {
            return true;
        }
        // Z = T⁻¹ U: unit columns on the receiving stages' rows
        for (ri, &(to, _)) in self.links.iter().enumerate() {
            for i in 0..nb {
                let col = ri * nb + i;
                let z = &mut self.z[col * dim..(col + 1) * dim];
                z.fill(0.0);
                z[to * nb + i] = 1.0;
                match &self.band {
                    Some(b) => b.solve(z),
                    None => self.bt.solve(z),
                }
            }
        }
        // K = I + Vᵀ Z, Vᵀ = the extra blocks on the sending stages' columns
        let bs = nb * nb;
        for (ri, &(_, from)) in self.links.iter().enumerate() {
            let blk = &self.extra[ri * bs..(ri + 1) * bs];
            for i in 0..nb {
                let row = ri * nb + i;
                for col in 0..mr {
                    let z = &self.z[col * dim + from * nb..col * dim + (from + 1) * nb];
                    let mut acc = if row == col { 1.0 } else { 0.0 };
                    for p in 0..nb {
                        acc += blk[i * nb + p] * z[p];
                    }
                    self.k[row * mr + col] = acc;
                }
            }
        }
        dense_lu(&mut self.k, &mut self.piv, mr)
    }

    /// `x ← J⁻¹ x` with the factors (Woodbury: `x = y − Z K⁻¹ Vᵀ y`, `y = T⁻¹ x`).
    fn apply_inverse(&mut self, x: &mut [f64]) {
        let (nb, dim, mr) = self.dims();
        self.t_solve(x);
        if mr == 0 {
            return;
        }
        let bs = nb * nb;
        for (ri, &(_, from)) in self.links.iter().enumerate() {
            let blk = &self.extra[ri * bs..(ri + 1) * bs];
            for i in 0..nb {
                let mut acc = 0.0;
                for p in 0..nb {
                    acc += blk[i * nb + p] * x[from * nb + p];
                }
                self.small[ri * nb + i] = acc;
            }
        }
        dense_solve(&self.k, &self.piv, mr, &mut self.small);
        for col in 0..mr {
            let a = self.small[col];
            if a != 0.0 {
                let z = &self.z[col * dim..(col + 1) * dim];
                for (d, zv) in x.iter_mut().zip(z) {
                    *d -= a * zv;
                }
            }
        }
    }

    /// Solves `J δ = rhs` in place in `rhs` (after [`StepMatrix::factor`]). With links, up to
    /// two refinement steps against the unfactored matrix guard the Woodbury correction.
    pub(crate) fn solve(&mut self) {
        let mut x = std::mem::take(&mut self.rhs);
        let (_, _, mr) = self.dims();
        if mr > 0 {
            self.b0.copy_from_slice(&x);
        }
        self.apply_inverse(&mut x);
        if mr > 0 {
            let bnorm = self.b0.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let mut corr = std::mem::take(&mut self.corr);
            let mut last = f64::INFINITY;
            for _ in 0..2 {
                self.t0
                    .as_ref()
                    .expect("unfactored copy kept with links")
                    .matvec(&x, &mut corr);
                self.extra_matvec(&x, &mut corr);
                let mut worst: f64 = 0.0;
                for (c, b) in corr.iter_mut().zip(&self.b0) {
                    *c = b - *c;
                    worst = worst.max(c.abs());
                }
                if worst.is_nan() || worst <= 1e-13 * bnorm || worst >= 0.5 * last {
                    break;
                }
                last = worst;
                self.apply_inverse(&mut corr);
                for (xv, c) in x.iter_mut().zip(&corr) {
                    *xv += c;
                }
            }
            self.corr = corr;
        }
        self.rhs = x;
    }
}

/// Newton on `α·(acc(u) − acc_old) − h·f(u) = 0` from `u` (the model's variables, update
/// and weights: [`ImplicitStages`]). Returns (converged, iterations, last weighted update).
#[allow(clippy::too_many_arguments)] // one private kernel, all scalars documented
pub(crate) fn newton<S: ImplicitStages>(
    sys: &mut S,
    mat: &mut StepMatrix,
    u: &mut [f64],
    acc_old: &[f64],
    alpha: f64,
    h: f64,
    tol: f64,
    max_iter: usize,
    scale: f64,
) -> (bool, usize, f64) {
    let mut last = f64::INFINITY;
    for it in 1..=max_iter {
        sys.assemble(u, acc_old, alpha, h, mat);
        if !mat.factor() {
            return (false, it, f64::INFINITY);
        }
        mat.solve();
        let norm = sys.apply_update(u, &mat.rhs, scale);
        if !norm.is_finite() {
            return (false, it, norm);
        }
        // converged, or stagnating at the round-off floor
        if norm <= tol || (norm < S::STALL && norm > 0.5 * last) {
            return (true, it, norm);
        }
        last = norm;
    }
    (false, max_iter, last)
}

/// The error-controlled variable-step BDF2 (backward Euler after a start or an operating
/// change) integrator state: current state, step history, clock and conservation ledger.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Bdf2 {
    /// State in the model's layout.
    pub(crate) u: Vec<f64>,
    /// (u, h) one step back.
    prev: Option<(Vec<f64>, f64)>,
    /// (u, h) two steps back, for the BDF2 error estimate.
    prev2: Option<(Vec<f64>, f64)>,
    /// (cumulative in, cumulative out) one step back, for the BDF2 quadrature.
    prev_cum: Option<(Vec<f64>, Vec<f64>)>,
    /// Time \[s\].
    pub(crate) t: f64,
    /// Next step \[s\].
    pub(crate) h: f64,
    pub(crate) cfg: IntegratorConfig,
    /// Cumulative inflow per ledger entry \[mol\].
    pub(crate) cum_in: Vec<f64>,
    /// Cumulative outflow per ledger entry \[mol\].
    pub(crate) cum_out: Vec<f64>,
    pub(crate) stats: IntegratorStats,
}

/// Checks the positive settings of an integrator config.
pub(crate) fn check_cfg(cfg: &IntegratorConfig) -> Result<(), SxError> {
    for (name, v) in [
        ("rtol", cfg.rtol),
        ("atol", cfg.atol),
        ("h_init", cfg.h_init),
        ("h_max", cfg.h_max),
        ("newton_tol", cfg.newton_tol),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(SxError::config(name, v, "must be finite and > 0"));
        }
    }
    Ok(())
}

impl Bdf2 {
    /// At time 0 in state `u`, with a ledger of `n_ledger` entries.
    pub(crate) fn new(u: Vec<f64>, cfg: IntegratorConfig, n_ledger: usize) -> Self {
        Self {
            u,
            prev: None,
            prev2: None,
            prev_cum: None,
            t: 0.0,
            h: cfg.h_init,
            cfg,
            cum_in: vec![0.0; n_ledger],
            cum_out: vec![0.0; n_ledger],
            stats: IntegratorStats::default(),
        }
    }

    /// Forgets the step history (after an operating change or a new state).
    pub(crate) fn restart_history(&mut self) {
        self.prev = None;
        self.prev2 = None;
        self.prev_cum = None;
    }

    /// After an operating change: history restarted, next step at most `max(h_init, 1 s)`.
    pub(crate) fn operating_change(&mut self) {
        self.restart_history();
        self.h = self.h.min(self.cfg.h_init.max(1.0));
    }

    /// Whether the next step uses BDF2 (needs one step of history).
    fn uses_bdf2(&self) -> bool {
        self.cfg.method == StepMethod::Bdf2 && self.prev.is_some() && self.prev_cum.is_some()
    }

    /// One implicit step of length `h` from the current state (BDF2 or backward Euler);
    /// returns the new state or `None` if Newton failed.
    fn try_step<S: ImplicitStages>(
        &mut self,
        sys: &mut S,
        mat: &mut StepMatrix,
        h: f64,
    ) -> Option<Vec<f64>> {
        let m = self.u.len();
        let mut acc = vec![0.0; m];
        sys.accumulation(&self.u, &mut acc);
        let (alpha, acc_old) = match (&self.prev, self.uses_bdf2()) {
            (Some((p, hp)), true) => {
                let (a0, a1, a2) = bdf2_coefficients(h, *hp);
                let mut acc_p = vec![0.0; m];
                sys.accumulation(p, &mut acc_p);
                let acc_old: Vec<f64> = acc
                    .iter()
                    .zip(&acc_p)
                    .map(|(x, y)| -(a1 * x + a2 * y) / a0)
                    .collect();
                (a0, acc_old)
            }
            _ => (1.0, acc),
        };
        let mut u = self.u.clone();
        if let Some((p, hp)) = &self.prev {
            sys.predict(&self.u, p, h, *hp, &mut u);
        }
        let (ok, it, _) = newton(
            sys,
            mat,
            &mut u,
            &acc_old,
            alpha,
            h,
            self.cfg.newton_tol,
            self.cfg.newton_max_iter,
            self.cfg.atol,
        );
        self.stats.newton_iterations += it;
        ok.then_some(u)
    }

    /// Weighted local-error estimate of the step `u_new` of length `h` (≤ 1 accepts).
    fn error_estimate(&self, u_new: &[f64], h: f64) -> f64 {
        let w = |i: usize| self.cfg.atol + self.cfg.rtol * u_new[i].abs();
        match (&self.prev, &self.prev2, self.uses_bdf2()) {
            (Some((p, hp)), Some((pp, hpp)), true) => {
                // quadratic extrapolation through the last three points; the BDF2 local
                // error is ≈ 2/7 of the corrector–predictor difference (constant-step value)
                let (t0, t1, x) = (-(hp + hpp), -hp, h);
                let l0 = (x - t1) * x / ((t0 - t1) * t0);
                let l1 = (x - t0) * x / ((t1 - t0) * t1);
                let l2 = (x - t0) * (x - t1) / (t0 * t1);
                (0..u_new.len())
                    .map(|i| {
                        let pred = l0 * pp[i] + l1 * p[i] + l2 * self.u[i];
                        (2.0 / 7.0) * (u_new[i] - pred).abs() / w(i)
                    })
                    .fold(0.0, f64::max)
            }
            (Some((p, hp)), _, _) => {
                // backward Euler: difference of its error and the linear predictor's
                let fac = h / (2.0 * h + hp);
                (0..u_new.len())
                    .map(|i| {
                        let pred = self.u[i] + h / hp * (self.u[i] - p[i]);
                        fac * (u_new[i] - pred).abs() / w(i)
                    })
                    .fold(0.0, f64::max)
            }
            _ => 0.5,
        }
    }

    /// Accepts the step: ledger (the same BDF2 combination for the cumulative boundary flows
    /// keeps Σ holdup + ∫out − ∫in invariant, the coefficients sum to zero), history, clock.
    fn commit<S: ImplicitStages>(&mut self, sys: &mut S, u_new: Vec<f64>, h: f64) {
        let out = sys.outflow(&u_new);
        let inflow = sys.inflow();
        let old_cum = (self.cum_in.clone(), self.cum_out.clone());
        if let (Some((_, hp)), Some((ci_p, co_p)), true) =
            (&self.prev, &self.prev_cum, self.uses_bdf2())
        {
            let (a0, a1, a2) = bdf2_coefficients(h, *hp);
            for j in 0..inflow.len() {
                self.cum_in[j] = (h * inflow[j] - a1 * old_cum.0[j] - a2 * ci_p[j]) / a0;
                self.cum_out[j] = (h * out[j] - a1 * old_cum.1[j] - a2 * co_p[j]) / a0;
            }
        } else {
            for j in 0..inflow.len() {
                self.cum_in[j] += h * inflow[j];
                self.cum_out[j] += h * out[j];
            }
        }
        let old = std::mem::replace(&mut self.u, u_new);
        self.prev2 = self.prev.take();
        self.prev = Some((old, h));
        self.prev_cum = Some(old_cum);
        self.t += h;
        self.stats.accepted += 1;
    }

    /// Integrates to `t_end` \[s\], stopping early at the first time `g(products)` changes
    /// sign (secant iteration on the step length to ~1e-6 of the step).
    ///
    /// # Errors
    /// [`SxError::Config`] if `t_end` is before the current time, or with field "step" if
    /// the step size underflows.
    pub(crate) fn advance_until<S: ImplicitStages>(
        &mut self,
        sys: &mut S,
        mat: &mut StepMatrix,
        t_end: f64,
        g: impl Fn(&Products) -> f64,
    ) -> Result<AdvanceOutcome, SxError> {
        if !(t_end.is_finite() && t_end >= self.t) {
            return Err(SxError::config(
                "t_end",
                t_end,
                "must be finite and >= current time",
            ));
        }
        let mut g_old = g(&sys.products(&self.u));
        while self.t < t_end {
            let h = self.h.min(t_end - self.t).min(self.cfg.h_max);
            let Some(u_new) = self.try_step(sys, mat, h) else {
                self.stats.rejected += 1;
                self.h = h * 0.25;
                if self.h < 1e-9 {
                    return Err(SxError::config("step", self.h, "step size underflow"));
                }
                continue;
            };
            let order = if self.uses_bdf2() { 3.0 } else { 2.0 };
            let err = self.error_estimate(&u_new, h);
            if err > 1.0 {
                self.stats.rejected += 1;
                self.h = h * (0.9 * err.powf(-1.0 / order)).max(0.2);
                continue;
            }
            let growth = if err > 0.0 {
                (0.9 * err.powf(-1.0 / order)).clamp(0.2, 5.0)
            } else {
                5.0
            };
            // state event?
            let g_new = g(&sys.products(&u_new));
            if g_old.signum() != g_new.signum() && g_new != 0.0 {
                // secant on the step length from the saved state
                let (mut ha, mut ga) = (0.0, g_old);
                let (mut hb, mut gb) = (h, g_new);
                let mut best = u_new;
                for _ in 0..40 {
                    let hm = hb - gb * (hb - ha) / (gb - ga);
                    let hm = hm.clamp(ha + 1e-3 * (hb - ha), hb - 1e-3 * (hb - ha));
                    let Some(um) = self.try_step(sys, mat, hm) else {
                        break;
                    };
                    let gm = g(&sys.products(&um));
                    if gm.signum() == ga.signum() {
                        ha = hm;
                        ga = gm;
                    } else {
                        hb = hm;
                        gb = gm;
                        best = um;
                    }
                    if hb - ha < 1e-6 * h {
                        break;
                    }
                }
                // commit the step that ends past the crossing
                self.commit(sys, best, hb);
                self.h = h;
                return Ok(AdvanceOutcome::StateEvent { time: self.t });
            }
            g_old = g_new;
            self.commit(sys, u_new, h);
            self.h = (h * growth).min(self.cfg.h_max);
        }
        Ok(AdvanceOutcome::ReachedEnd)
    }
}

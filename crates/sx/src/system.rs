//! The stage system shared by the solvers: state evaluation, residuals (eqs. 10–12),
//! analytic Jacobian blocks, row scales, and the fixed-D transport solves used by the
//! Kremser-exact and successive-substitution solvers.
//!
//! Unknowns per stage k (block of n_b = C, or C + 2 when the acid is tracked):
//! `[ln c_aq,0 … ln c_aq,C−1, ln [H⁺], ln [(HA)₂]_free]`. When some stage has a Murphree
//! efficiency below 1, every block is extended by the organic concentrations
//! `[…, ln c_org,0 … ln c_org,C−1]` (n_b = 2C or 2C + 2) and the block gains the Murphree rows
//! (eq. 14); `y` then holds the actual organic and `ys` the equilibrium organic y*. With every
//! E = 1 nothing changes: no extra unknowns, `y` = y* = D·x.

use crate::blocktri::BlockTridiagonal;
use crate::equilibrium::{DistributionDerivatives, StageState};
use crate::linear::{Coupling, LinearWorkspace, PairWorkspace};
use crate::topology::{Cascade, Phase, free_h_from_total};

/// Smallest concentration admitted before taking a logarithm [mol·m⁻³].
pub(crate) const CONC_FLOOR: f64 = 1e-280;

/// From this many components on, the fixed-D component transport runs stage-major (see
/// `transport_components_plain`).
const STAGE_MAJOR_COMPONENTS: usize = 4;

/// Calls `$self.$f::<NC>($args)` for NC = `$nc` in 1..=16 and evaluates to true, or to false
/// for other component counts (the caller then takes its generic loop): the stage loops of
/// equilibrium-stage cascades without acid (block size = C) on fixed-size rows.
macro_rules! plain_nc {
    ($nc:expr, $self:ident . $f:ident ( $($arg:expr),* )) => {
        match $nc {
            1 => { $self.$f::<1>($($arg),*); true }
            2 => { $self.$f::<2>($($arg),*); true }
            3 => { $self.$f::<3>($($arg),*); true }
            4 => { $self.$f::<4>($($arg),*); true }
            5 => { $self.$f::<5>($($arg),*); true }
            6 => { $self.$f::<6>($($arg),*); true }
            7 => { $self.$f::<7>($($arg),*); true }
            8 => { $self.$f::<8>($($arg),*); true }
            9 => { $self.$f::<9>($($arg),*); true }
            10 => { $self.$f::<10>($($arg),*); true }
            11 => { $self.$f::<11>($($arg),*); true }
            12 => { $self.$f::<12>($($arg),*); true }
            13 => { $self.$f::<13>($($arg),*); true }
            14 => { $self.$f::<14>($($arg),*); true }
            15 => { $self.$f::<15>($($arg),*); true }
            16 => { $self.$f::<16>($($arg),*); true }
            _ => false,
        }
    };
}

/// Like [`plain_nc!`] for stages with the acid tracked (block size NC + 2, no Murphree rows):
/// calls `$self.$f::<NC, { NC + 2 }>($args)` for NC in 1..=16 and evaluates to true, or to false
/// for other component counts.
macro_rules! acid_nc {
    ($nc:expr, $self:ident . $f:ident ( $($arg:expr),* )) => {
        match $nc {
            1 => { $self.$f::<1, 3>($($arg),*); true }
            2 => { $self.$f::<2, 4>($($arg),*); true }
            3 => { $self.$f::<3, 5>($($arg),*); true }
            4 => { $self.$f::<4, 6>($($arg),*); true }
            5 => { $self.$f::<5, 7>($($arg),*); true }
            6 => { $self.$f::<6, 8>($($arg),*); true }
            7 => { $self.$f::<7, 9>($($arg),*); true }
            8 => { $self.$f::<8, 10>($($arg),*); true }
            9 => { $self.$f::<9, 11>($($arg),*); true }
            10 => { $self.$f::<10, 12>($($arg),*); true }
            11 => { $self.$f::<11, 13>($($arg),*); true }
            12 => { $self.$f::<12, 14>($($arg),*); true }
            13 => { $self.$f::<13, 15>($($arg),*); true }
            14 => { $self.$f::<14, 16>($($arg),*); true }
            15 => { $self.$f::<15, 17>($($arg),*); true }
            16 => { $self.$f::<16, 18>($($arg),*); true }
            _ => false,
        }
    };
}

/// Total acid H_tot = h + s·h/(h + Ka) [mol·m⁻³] of a stage with free [H⁺] `h` and sulfate
/// `s` (eq. 8), and its logarithmic derivative ∂H_tot/∂ln h. Without sulfate both are h
/// exactly (chloride/nitrate stages: no divisions).
#[inline]
fn acid_totals(h: f64, s: f64, ka: f64) -> (f64, f64) {
    if s == 0.0 {
        (h, h)
    } else {
        (
            h + s * h / (h + ka),
            h * (1.0 + s * ka / ((h + ka) * (h + ka))),
        )
    }
}

/// The first NC entries of `v` as a fixed-size row: the per-component constants (charge,
/// extractant units, trace floors, log-derivatives) of the fixed-size kernels.
#[inline(always)]
fn row<const NC: usize>(v: &[f64]) -> &[f64; NC] {
    v.first_chunk::<NC>().expect("one entry per component")
}

/// Running maximum of non-negative entries (|scaled residual|) that does not drop a NaN:
/// `f64::max` returns the non-NaN operand, so a NaN entry used to vanish from the norm. The
/// maximum is taken with a plain comparison (one `maxsd`), and the sum of the entries, which
/// is NaN exactly when some entry is (non-negative terms: no ∞ − ∞), flags a NaN at the end.
#[derive(Debug, Default, Clone, Copy)]
struct MaxNaN {
    max: f64,
    sum: f64,
}

impl MaxNaN {
    #[inline(always)]
    fn add(&mut self, v: f64) {
        self.max = if v > self.max { v } else { self.max };
        self.sum += v;
    }

    /// The maximum, or NaN if some entry was NaN.
    #[inline]
    fn value(self) -> f64 {
        if self.sum.is_nan() {
            f64::NAN
        } else {
            self.max
        }
    }
}

/// max(a, b) for a not NaN, skipping a NaN `b` (as `f64::max` does, in one compare); the
/// callers flag NaN entries separately (a sum of the entries, as [`MaxNaN`] does).
#[inline]
fn max_skip_nan(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// (max |r·w|, max |r·`w_ref`|) over all rows, both NaN if some |r·w| is NaN (then the state is
/// not finite; `w_ref`, the scales of an earlier finite state, cannot make a NaN of its own).
fn scaled_norms(r: &[f64], w: &[f64], w_ref: &[f64]) -> (f64, f64) {
    let (mut own, mut other) = (MaxNaN::default(), 0.0f64);
    for ((ri, wi), vi) in r.iter().zip(w).zip(w_ref) {
        own.add((ri * wi).abs());
        other = max_skip_nan(other, (ri * vi).abs());
    }
    nan_flagged(own, other)
}

/// (`own`'s maximum, `other`), or (NaN, NaN) when `own` met a NaN entry.
#[inline]
fn nan_flagged(own: MaxNaN, other: f64) -> (f64, f64) {
    let v = own.value();
    if v.is_nan() { (v, v) } else { (v, other) }
}

/// Stage throughputs below this fraction of a component's total feed are measured against it
/// instead (eq. 13): balances of such vanishing traces do not steer convergence.
pub(crate) const TRACE_FRACTION: f64 = 1e-200;

#[derive(Debug)]
pub(crate) struct StageSystem<'c> {
    pub(crate) c: &'c Cascade,
    pub(crate) n: usize,
    pub(crate) nc: usize,
    pub(crate) nb: usize,
    pub(crate) acid: bool,
    /// Murphree mode: the organic concentrations are unknowns (at offset `ny` of each block).
    pub(crate) mv: bool,
    pub(crate) ny: usize,
    pub(crate) x: Vec<f64>,
    pub(crate) d: Vec<f64>,
    pub(crate) y: Vec<f64>,
    pub(crate) h: Vec<f64>,
    pub(crate) e: Vec<f64>,
    htot: Vec<f64>,
    dhtot: Vec<f64>,
    p: Vec<f64>,
    dy: Vec<f64>,
    dp: Vec<f64>,
    dlx: Vec<f64>,
    trace: Vec<f64>,
    dlh: Vec<f64>,
    dle: Vec<f64>,
    /// Murphree mode: equilibrium organic y* = D·x and its derivatives (layout of `dy`).
    pub(crate) ys: Vec<f64>,
    dys: Vec<f64>,
    pair: Option<PairWorkspace>,
    prhs: Vec<f64>,
    // fixed-D transport scratch
    lin: LinearWorkspace,
    sub: Vec<f64>,
    dia: Vec<f64>,
    sup: Vec<f64>,
    rhs: Vec<f64>,
    col: Vec<f64>,
    cpl: Vec<Coupling>,
    /// Charge z_j [-] and extractant units n_j [-] per component (copies of the component
    /// data, contiguous for the sweep kernels).
    charge: Vec<f64>,
    units: Vec<f64>,
    /// Aqueous metal totals per stage of the saturated-organic normalisation (they depend on
    /// the flows and feeds alone): `None` until the first call, `Some(empty)` if the
    /// normalisation does not apply.
    sat_tot: Option<Vec<f64>>,
    /// Equilibrium stages (no Murphree rows) with up to 16 components take the fixed-size-row
    /// kernels (`plain_nc!`) of the residual, scales, Jacobian and equilibrium update; tests
    /// switch them off to compare with the generic loops.
    pub(crate) kernels: bool,
    /// Stage-major Thomas scratch (n·C each, sized on first use).
    cpm: Vec<f64>,
    zm: Vec<f64>,
}

impl<'c> StageSystem<'c> {
    pub(crate) fn new(c: &'c Cascade) -> Self {
        let n = c.n_stages();
        let nc = c.n_components();
        let acid = c.acid_tracked();
        let mv = c.has_murphree();
        let ny = if acid { nc + 2 } else { nc };
        let nb = if mv { ny + nc } else { ny };
        Self {
            c,
            n,
            nc,
            nb,
            acid,
            mv,
            ny,
            x: vec![0.0; n * nc],
            d: vec![1.0; n * nc],
            y: vec![0.0; n * nc],
            h: vec![0.0; n],
            e: vec![0.0; n],
            htot: vec![0.0; n],
            dhtot: vec![0.0; n],
            p: vec![0.0; n],
            dy: vec![0.0; n * nc * nb],
            dp: vec![0.0; n * nb],
            dlx: vec![0.0; nc * nc],
            trace: (0..nc).map(|j| TRACE_FRACTION * c.total_feed(j)).collect(),
            dlh: vec![0.0; nc],
            dle: vec![0.0; nc],
            ys: if mv { vec![0.0; n * nc] } else { Vec::new() },
            dys: if mv {
                vec![0.0; n * nc * nb]
            } else {
                Vec::new()
            },
            pair: mv.then(|| PairWorkspace::new(n)),
            prhs: if mv { vec![0.0; 2 * n] } else { Vec::new() },
            lin: LinearWorkspace::default(),
            sub: vec![0.0; n],
            dia: vec![0.0; n],
            sup: vec![0.0; n],
            rhs: vec![0.0; n],
            col: vec![0.0; n],
            cpl: Vec::with_capacity(c.recycles.len()),
            charge: c.components.iter().map(|q| q.charge).collect(),
            units: c.components.iter().map(|q| q.extractant_units).collect(),
            sat_tot: None,
            kernels: true,
            cpm: Vec::new(),
            zm: Vec::new(),
        }
    }

    /// Number of unknowns.
    pub(crate) fn dim(&self) -> usize {
        self.n * self.nb
    }

    /// Writes the state into `v` in the layout of the unknowns (the Newton unknowns are the
    /// logarithms of these concentrations; the vector holds the concentrations themselves, so
    /// a step c ← c·(1 + δ) needs no exp/ln): aqueous concentrations, [H⁺] and free extractant
    /// per stage (and the organic concentrations in Murphree mode) [mol·m⁻³].
    pub(crate) fn pack(&self, v: &mut [f64]) {
        let (nc, nb, ny) = (self.nc, self.nb, self.ny);
        for (k, (vk, xk)) in v
            .chunks_exact_mut(nb)
            .zip(self.x.chunks_exact(nc))
            .enumerate()
        {
            for (vj, xj) in vk[..nc].iter_mut().zip(xk) {
                *vj = xj.max(CONC_FLOOR);
            }
            if self.acid {
                vk[nc] = self.h[k].max(CONC_FLOOR);
                vk[nc + 1] = self.e[k].max(CONC_FLOOR);
            }
            if self.mv {
                for (vj, yj) in vk[ny..ny + nc]
                    .iter_mut()
                    .zip(&self.y[k * nc..(k + 1) * nc])
                {
                    *vj = yj.max(CONC_FLOOR);
                }
            }
        }
    }

    /// Loads the state from concentrations `v` (layout of [`Self::pack`]); computes D, y, H, P
    /// (and derivatives if asked).
    pub(crate) fn load(&mut self, v: &[f64], derivs: bool) {
        let (nc, nb, ny) = (self.nc, self.nb, self.ny);
        for (k, (vk, xk)) in v
            .chunks_exact(nb)
            .zip(self.x.chunks_exact_mut(nc))
            .enumerate()
        {
            for (xj, vj) in xk.iter_mut().zip(&vk[..nc]) {
                *xj = vj.max(CONC_FLOOR);
            }
            if self.acid {
                self.h[k] = vk[nc];
                self.e[k] = vk[nc + 1];
            }
            if self.mv {
                for (yj, vj) in self.y[k * nc..(k + 1) * nc]
                    .iter_mut()
                    .zip(&vk[ny..ny + nc])
                {
                    *yj = vj.max(CONC_FLOOR);
                }
            }
        }
        self.update_equilibrium(derivs);
    }

    /// Murphree mode: sets the organic to its equilibrium value, y = y* (a starting state).
    pub(crate) fn organic_from_equilibrium(&mut self) {
        if self.mv {
            self.update_equilibrium(false);
            self.y.copy_from_slice(&self.ys);
        }
    }

    /// Recomputes D, y, H, P (and derivatives) from x, h, e. In Murphree mode y* (`ys`) is
    /// recomputed instead of y, P follows the actual y, and `dy` holds the derivatives of the
    /// actual y (its own unknowns).
    pub(crate) fn update_equilibrium(&mut self, derivs: bool) {
        // Monomorphised on the mode, so the equilibrium-stage path is the code it always was.
        if self.mv {
            self.update_equilibrium_impl::<true>(derivs);
        } else if !self.kernels {
            self.update_equilibrium_impl::<false>(derivs);
        } else if !self.acid {
            if !plain_nc!(self.nc, self.update_equilibrium_plain(derivs)) {
                self.update_equilibrium_impl::<false>(derivs);
            }
        } else if derivs {
            if !acid_nc!(self.nc, self.update_equilibrium_acid_derivs()) {
                self.update_equilibrium_impl::<false>(true);
            }
        } else if !plain_nc!(self.nc, self.update_equilibrium_acid()) {
            self.update_equilibrium_impl::<false>(false);
        }
    }

    /// [`Self::update_equilibrium`] with derivatives for NC components with the acid tracked
    /// (block size NB = NC + 2), no Murphree rows: D and its derivatives per stage, then the
    /// rows of ∂y/∂(ln x, ln h, ln e), y, H_tot, P and ∂P on fixed-size rows (the same
    /// operations in the same order as `update_equilibrium_impl`).
    fn update_equilibrium_acid_derivs<const NC: usize, const NB: usize>(&mut self) {
        debug_assert_eq!(NB, NC + 2);
        let ka = self.c.ka;
        let charge: [f64; NC] = *row(&self.charge);
        for k in 0..self.n {
            let comp = self.stage_derivatives(k);
            let xk: &[f64; NC] = self.x[k * NC..(k + 1) * NC]
                .try_into()
                .expect("NC per stage");
            let dk: &[f64; NC] = self.d[k * NC..(k + 1) * NC]
                .try_into()
                .expect("NC per stage");
            let dlh: &[f64; NC] = row(&self.dlh);
            let dle: &[f64; NC] = row(&self.dle);
            let (dy, _) = self.dy[k * NC * NB..(k + 1) * NC * NB].as_chunks_mut::<NB>();
            let mut yk = [0.0; NC];
            for j in 0..NC {
                let yj = dk[j] * xk[j];
                let mut row = [0.0; NB];
                row[j] = yj;
                if comp {
                    for i in 0..NC {
                        row[i] += yj * self.dlx[j * NC + i];
                    }
                }
                row[NC] = yj * dlh[j];
                row[NC + 1] = yj * dle[j];
                dy[j] = row;
                yk[j] = yj;
            }
            self.y[k * NC..(k + 1) * NC].copy_from_slice(&yk);
            (self.htot[k], self.dhtot[k]) = acid_totals(self.h[k], self.c.sulfate[k], ka);
            let mut p = 0.0;
            for j in 0..NC {
                p -= charge[j] * yk[j];
            }
            self.p[k] = p;
            let mut dp = [0.0; NB];
            for j in 0..NC {
                let z = charge[j];
                for i in 0..NB {
                    dp[i] -= z * dy[j][i];
                }
            }
            self.dp[k * NB..(k + 1) * NB].copy_from_slice(&dp);
        }
    }

    /// [`Self::update_equilibrium`] without derivatives for NC components with the acid
    /// tracked, no Murphree rows: D per run of stages, then y = D·x, H_tot and P per stage on
    /// fixed-size rows (the same operations in the same order).
    fn update_equilibrium_acid<const NC: usize>(&mut self) {
        self.update_distribution();
        let ka = self.c.ka;
        let charge: &[f64; NC] = row(&self.charge);
        let (x, _) = self.x.as_chunks::<NC>();
        let (d, _) = self.d.as_chunks::<NC>();
        let (y, _) = self.y.as_chunks_mut::<NC>();
        for k in 0..self.n {
            let mut yk = [0.0; NC];
            for j in 0..NC {
                yk[j] = d[k][j] * x[k][j];
            }
            y[k] = yk;
            (self.htot[k], self.dhtot[k]) = acid_totals(self.h[k], self.c.sulfate[k], ka);
            let mut p = 0.0;
            for j in 0..NC {
                p -= charge[j] * yk[j];
            }
            self.p[k] = p;
        }
    }

    /// [`Self::update_equilibrium`] for NC components, no acid, no Murphree rows: D per run of
    /// stages, y = D·x, and the derivative rows on fixed-size arrays (the same operations in
    /// the same order).
    fn update_equilibrium_plain<const NC: usize>(&mut self, derivs: bool) {
        if !derivs {
            self.update_distribution();
        }
        let nb = self.nb;
        debug_assert_eq!(nb, NC);
        for k in 0..self.n {
            if derivs {
                let comp = self.stage_derivatives(k);
                let d = &self.d[k * NC..(k + 1) * NC];
                let xk = &self.x[k * NC..(k + 1) * NC];
                let (dy, _) = self.dy[k * NC * NC..(k + 1) * NC * NC].as_chunks_mut::<NC>();
                let (dlx, _) = self.dlx.as_chunks::<NC>();
                for j in 0..NC {
                    let yj = d[j] * xk[j];
                    let mut row = [0.0; NC];
                    row[j] = yj;
                    if comp {
                        for i in 0..NC {
                            row[i] += yj * dlx[j][i];
                        }
                    }
                    dy[j] = row;
                }
            }
            let xk = &self.x[k * NC..(k + 1) * NC];
            let yk = &mut self.y[k * NC..(k + 1) * NC];
            for j in 0..NC {
                yk[j] = self.d[k * NC + j] * xk[j];
            }
        }
    }

    /// Whether D on every stage is a function of [H⁺] and the free extractant alone (acid
    /// tracked, no composition-dependent model): the substitution sweeps then iterate on
    /// (ln h, ln F) per stage instead of ln D per component.
    pub(crate) fn distribution_from_acid_and_extractant(&self) -> bool {
        self.acid && (0..self.n).all(|k| !self.c.model(k).composition_dependent())
    }

    /// Whether every stage's D is β_j times one stage factor f_k
    /// ([`Equilibrium::separation_factors`]): the substitution sweeps then iterate on ln f_k.
    ///
    /// [`Equilibrium::separation_factors`]: crate::equilibrium::Equilibrium::separation_factors
    pub(crate) fn distribution_from_stage_factor(&self) -> bool {
        (0..self.n).all(|k| {
            self.c
                .model(k)
                .separation_factors()
                .is_some_and(|b| b.len() == self.nc && b[0] > 0.0)
        })
    }

    /// ln f_k = ln(D_k,0 / β_0) of every stage into `g` (see
    /// [`Self::distribution_from_stage_factor`]).
    pub(crate) fn ln_stage_factors(&self, g: &mut [f64]) {
        let nc = self.nc;
        let (mut sec, mut b0) = (usize::MAX, 1.0);
        for (k, gk) in g.iter_mut().enumerate().take(self.n) {
            if self.c.stage_section[k] != sec {
                sec = self.c.stage_section[k];
                b0 = self.c.model(k).separation_factors().map_or(1.0, |b| b[0]);
            }
            *gk = (self.d[k * nc] / b0).ln();
        }
    }

    /// D_kj = β_j exp(u_k) on every stage (see [`Self::distribution_from_stage_factor`]).
    pub(crate) fn set_stage_factors(&mut self, u: &[f64]) {
        if self.kernels && plain_nc!(self.nc, self.set_stage_factors_nc(u)) {
            return;
        }
        let nc = self.nc;
        let c = self.c;
        let (mut sec, mut beta) = (usize::MAX, None);
        for (k, uk) in u.iter().enumerate().take(self.n) {
            if c.stage_section[k] != sec {
                sec = c.stage_section[k];
                beta = c.model(k).separation_factors();
            }
            if let Some(b) = beta {
                let f = uk.exp();
                for (d, bj) in self.d[k * nc..(k + 1) * nc].iter_mut().zip(b) {
                    *d = bj * f;
                }
            }
        }
    }

    /// [`Self::set_stage_factors`] for NC components on fixed-size rows (the same products).
    fn set_stage_factors_nc<const NC: usize>(&mut self, u: &[f64]) {
        let c = self.c;
        let (d, _) = self.d.as_chunks_mut::<NC>();
        let (mut sec, mut beta) = (usize::MAX, None);
        for (k, (uk, dk)) in u.iter().zip(d.iter_mut()).enumerate().take(self.n) {
            if c.stage_section[k] != sec {
                sec = c.stage_section[k];
                beta = c.model(k).separation_factors();
            }
            if let Some(b) = beta {
                let f = uk.exp();
                match <&[f64; NC]>::try_from(b) {
                    Ok(b) => {
                        for j in 0..NC {
                            dk[j] = b[j] * f;
                        }
                    }
                    Err(_) => {
                        for (d, bj) in dk.iter_mut().zip(b) {
                            *d = bj * f;
                        }
                    }
                }
            }
        }
    }

    /// Recomputes D alone from the stage state (x, h, e), leaving y, H, P as they are (the
    /// next transport sweep recomputes them).
    pub(crate) fn update_distribution(&mut self) {
        let (n, nc) = (self.n, self.nc);
        let c = self.c;
        // one call per run of stages with the same section (model)
        let sections = &c.stage_section[..n];
        let mut k0 = 0;
        while k0 < n {
            let sec = sections[k0];
            let k1 = sections[k0..]
                .iter()
                .position(|&s| s != sec)
                .map_or(n, |i| k0 + i);
            c.model(k0).distribution_stages(
                &self.x[k0 * nc..k1 * nc],
                &self.h[k0..k1],
                &self.e[k0..k1],
                &mut self.d[k0 * nc..k1 * nc],
            );
            k0 = k1;
        }
    }

    /// D of stage `k` and its logarithmic derivatives (into `dlx`, `dlh`, `dle`) at the
    /// loaded state; returns whether the stage's model is composition dependent (`dlx` then
    /// holds ∂ln D_j/∂ln x_i, else it is not touched).
    fn stage_derivatives(&mut self, k: usize) -> bool {
        let nc = self.nc;
        let model = self.c.model(k);
        let state = StageState {
            aqueous: &self.x[k * nc..(k + 1) * nc],
            h_plus: self.h[k],
            free_extractant: self.e[k],
        };
        let comp = model.composition_dependent();
        if comp {
            self.dlx.fill(0.0);
        }
        let mut der = DistributionDerivatives {
            d_ln_aqueous: &mut self.dlx,
            d_ln_h: &mut self.dlh,
            d_ln_extractant: &mut self.dle,
        };
        model.distribution_derivatives(&state, &mut self.d[k * nc..(k + 1) * nc], &mut der);
        comp
    }

    fn update_equilibrium_impl<const MV: bool>(&mut self, derivs: bool) {
        let (nc, nb) = (self.nc, self.nb);
        let ka = self.c.ka;
        if !derivs {
            self.update_distribution();
        }
        for k in 0..self.n {
            if derivs {
                let comp = self.stage_derivatives(k);
                let d = &self.d[k * nc..(k + 1) * nc];
                let dy = if MV {
                    let dy = &mut self.dy[k * nc * nb..(k + 1) * nc * nb];
                    dy.fill(0.0);
                    for j in 0..nc {
                        dy[j * nb + self.ny + j] = self.y[k * nc + j];
                    }
                    &mut self.dys[k * nc * nb..(k + 1) * nc * nb]
                } else {
                    &mut self.dy[k * nc * nb..(k + 1) * nc * nb]
                };
                dy.fill(0.0);
                for j in 0..nc {
                    let yj = d[j] * self.x[k * nc + j];
                    let row = &mut dy[j * nb..(j + 1) * nb];
                    row[j] = yj;
                    if comp {
                        for i in 0..nc {
                            row[i] += yj * self.dlx[j * nc + i];
                        }
                    }
                    if self.acid {
                        row[nc] = yj * self.dlh[j];
                        row[nc + 1] = yj * self.dle[j];
                    }
                }
            }
            let y = if MV { &mut self.ys } else { &mut self.y };
            let (yk, dk, xk) = (
                &mut y[k * nc..(k + 1) * nc],
                &self.d[k * nc..(k + 1) * nc],
                &self.x[k * nc..(k + 1) * nc],
            );
            for j in 0..nc {
                yk[j] = dk[j] * xk[j];
            }
            if self.acid {
                (self.htot[k], self.dhtot[k]) = acid_totals(self.h[k], self.c.sulfate[k], ka);
                let mut p = 0.0;
                let (charge, yk) = (&self.charge[..nc], &self.y[k * nc..(k + 1) * nc]);
                for j in 0..nc {
                    p -= charge[j] * yk[j];
                }
                self.p[k] = p;
                if derivs {
                    let dp = &mut self.dp[k * nb..(k + 1) * nb];
                    dp.fill(0.0);
                    for j in 0..nc {
                        let z = self.c.components[j].charge;
                        for i in 0..nb {
                            dp[i] -= z * self.dy[(k * nc + j) * nb + i];
                        }
                    }
                }
            }
        }
    }

    /// The component rows of [`Self::residual`] for NC components, no acid, no Murphree rows
    /// (block size NC): the same operations in the same order on fixed-size rows.
    fn residual_plain<const NC: usize>(&self, r: &mut [f64]) {
        let n = self.n;
        let f = &self.c.flows;
        let (x, _) = self.x.as_chunks::<NC>();
        let (y, _) = self.y.as_chunks::<NC>();
        let (feed, _) = self.c.feed.as_chunks::<NC>();
        let (rs, _) = r.as_chunks_mut::<NC>();
        for k in 0..n {
            let (qa, qo) = (f.aqueous_out[k], f.organic_out[k]);
            let mut v = [0.0; NC];
            for j in 0..NC {
                v[j] = feed[k][j] - qa * x[k][j] - qo * y[k][j];
            }
            if k > 0 {
                let a = f.aqueous_pass[k - 1];
                for j in 0..NC {
                    v[j] += a * x[k - 1][j];
                }
            }
            if k + 1 < n {
                let o = f.organic_pass[k + 1];
                for j in 0..NC {
                    v[j] += o * y[k + 1][j];
                }
            }
            rs[k] = v;
        }
    }

    /// [`Self::residual`]'s stage rows for NC components with the acid tracked (block size
    /// NC + 2), no Murphree rows: the same operations in the same order on fixed-size rows.
    fn residual_acid<const NC: usize>(&self, r: &mut [f64]) {
        let n = self.n;
        let f = &self.c.flows;
        let (x, _) = self.x.as_chunks::<NC>();
        let (y, _) = self.y.as_chunks::<NC>();
        let (feed, _) = self.c.feed.as_chunks::<NC>();
        let units: &[f64; NC] = row(&self.units);
        for (k, rk) in r.chunks_exact_mut(NC + 2).enumerate().take(n) {
            let (qa, qo) = (f.aqueous_out[k], f.organic_out[k]);
            let mut v = [0.0; NC];
            for j in 0..NC {
                v[j] = feed[k][j] - qa * x[k][j] - qo * y[k][j];
            }
            let mut pr = self.c.feed_proton[k] - qa * self.htot[k] - qo * self.p[k];
            if k > 0 {
                let a = f.aqueous_pass[k - 1];
                for j in 0..NC {
                    v[j] += a * x[k - 1][j];
                }
                pr += a * self.htot[k - 1];
            }
            if k + 1 < n {
                let o = f.organic_pass[k + 1];
                for j in 0..NC {
                    v[j] += o * y[k + 1][j];
                }
                pr += o * self.p[k + 1];
            }
            let mut b = self.e[k] - self.c.extractant_total[k];
            for j in 0..NC {
                b += units[j] * y[k][j];
            }
            rk[..NC].copy_from_slice(&v);
            rk[NC] = pr;
            rk[NC + 1] = b;
        }
    }

    /// [`Self::scales`] for NC components, no acid, no Murphree rows.
    fn scales_plain<const NC: usize>(&self, w: &mut [f64]) {
        let f = &self.c.flows;
        let (x, _) = self.x.as_chunks::<NC>();
        let (y, _) = self.y.as_chunks::<NC>();
        let (ws, _) = w.as_chunks_mut::<NC>();
        let tr: &[f64; NC] = row(&self.trace);
        for k in 0..self.n {
            let (qa, qo) = (f.aqueous_out[k], f.organic_out[k]);
            for j in 0..NC {
                ws[k][j] = 1.0 / (qa * x[k][j] + qo * y[k][j]).max(tr[j]);
            }
        }
    }

    /// The stage blocks of [`Self::jacobian`] for NC components, no acid, no Murphree rows
    /// (block size NC): the same operations in the same order on fixed-size rows.
    fn jacobian_plain<const NC: usize>(&self, w: &[f64], bt: &mut BlockTridiagonal) {
        let n = self.n;
        let f = &self.c.flows;
        let (x, _) = self.x.as_chunks::<NC>();
        let (ws, _) = w.as_chunks::<NC>();
        let (dy, _) = self.dy.as_chunks::<NC>();
        let (dg, _) = bt.diag.as_chunks_mut::<NC>();
        for k in 0..n {
            let (qa, qo) = (f.aqueous_out[k], f.organic_out[k]);
            for j in 0..NC {
                let (row, dyr, wr) = (&mut dg[k * NC + j], &dy[k * NC + j], ws[k][j]);
                for i in 0..NC {
                    row[i] = -qo * dyr[i] * wr;
                }
                row[j] -= qa * x[k][j] * wr;
            }
        }
        let (lo, _) = bt.lower.as_chunks_mut::<NC>();
        for k in 1..n {
            let a = f.aqueous_pass[k - 1];
            for j in 0..NC {
                lo[k * NC + j][j] = a * x[k - 1][j] * ws[k][j];
            }
        }
        let (up, _) = bt.upper.as_chunks_mut::<NC>();
        for k in 0..n.saturating_sub(1) {
            let o = f.organic_pass[k + 1];
            for j in 0..NC {
                let (row, dyr, wr) = (&mut up[k * NC + j], &dy[(k + 1) * NC + j], ws[k][j]);
                for i in 0..NC {
                    row[i] = o * dyr[i] * wr;
                }
            }
        }
    }

    /// The stage blocks of [`Self::jacobian`] for NC components with the acid tracked (block
    /// size NB = NC + 2), no Murphree rows: the same operations in the same order on
    /// fixed-size rows.
    fn jacobian_acid<const NC: usize, const NB: usize>(
        &self,
        w: &[f64],
        bt: &mut BlockTridiagonal,
    ) {
        debug_assert_eq!(NB, NC + 2);
        let n = self.n;
        let f = &self.c.flows;
        let (x, _) = self.x.as_chunks::<NC>();
        let (ws, _) = w.as_chunks::<NB>();
        let (dy, _) = self.dy.as_chunks::<NB>();
        let (dp, _) = self.dp.as_chunks::<NB>();
        let units: &[f64; NC] = row(&self.units);
        let (dg, _) = bt.diag.as_chunks_mut::<NB>();
        for k in 0..n {
            let (qa, qo) = (f.aqueous_out[k], f.organic_out[k]);
            let wk = &ws[k];
            let dyk = &dy[k * NC..(k + 1) * NC];
            let blk = &mut dg[k * NB..(k + 1) * NB];
            for j in 0..NC {
                let (row, dyr, wr) = (&mut blk[j], &dyk[j], wk[j]);
                for i in 0..NB {
                    row[i] = -qo * dyr[i] * wr;
                }
                row[j] -= qa * x[k][j] * wr;
            }
            let wr = wk[NC];
            let row = &mut blk[NC];
            for i in 0..NB {
                row[i] = -qo * dp[k][i] * wr;
            }
            row[NC] -= qa * self.dhtot[k] * wr;
            let we = wk[NC + 1];
            let mut row = [0.0; NB];
            for j in 0..NC {
                let nj = units[j];
                for i in 0..NB {
                    row[i] += nj * dyk[j][i] * we;
                }
            }
            row[NC + 1] += self.e[k] * we;
            blk[NC + 1] = row;
        }
        let (lo, _) = bt.lower.as_chunks_mut::<NB>();
        for k in 1..n {
            let a = f.aqueous_pass[k - 1];
            let blk = &mut lo[k * NB..(k + 1) * NB];
            for j in 0..NC {
                blk[j][j] = a * x[k - 1][j] * ws[k][j];
            }
            blk[NC][NC] = a * self.dhtot[k - 1] * ws[k][NC];
        }
        let (up, _) = bt.upper.as_chunks_mut::<NB>();
        for k in 0..n.saturating_sub(1) {
            let o = f.organic_pass[k + 1];
            let blk = &mut up[k * NB..(k + 1) * NB];
            let dyn_ = &dy[(k + 1) * NC..(k + 2) * NC];
            for j in 0..NC {
                let (row, dyr, wr) = (&mut blk[j], &dyn_[j], ws[k][j]);
                for i in 0..NB {
                    row[i] = o * dyr[i] * wr;
                }
            }
            let wr = ws[k][NC];
            for i in 0..NB {
                blk[NC][i] = o * dp[k + 1][i] * wr;
            }
        }
    }

    /// [`Self::residual_scaled`] for NC components with the acid tracked (block size
    /// NB = NC + 2), no Murphree rows, no recycles: the stage rows of [`Self::residual`] and
    /// [`Self::scales`] in one pass over the stages (the same operations), and the two norms.
    fn residual_scaled_acid<const NC: usize, const NB: usize>(
        &self,
        r: &mut [f64],
        w: &mut [f64],
        w_ref: &[f64],
        out: &mut (f64, f64),
    ) {
        debug_assert_eq!(NB, NC + 2);
        let n = self.n;
        let c = self.c;
        let f = &c.flows;
        let (x, _) = self.x.as_chunks::<NC>();
        let (y, _) = self.y.as_chunks::<NC>();
        let (feed, _) = c.feed.as_chunks::<NC>();
        let units: &[f64; NC] = row(&self.units);
        let charge: &[f64; NC] = row(&self.charge);
        let tr: &[f64; NC] = row(&self.trace);
        let (rs, _) = r.as_chunks_mut::<NB>();
        let (ws, _) = w.as_chunks_mut::<NB>();
        let (wr, _) = w_ref.as_chunks::<NB>();
        // one running max per row of the block (no serial chain over all rows; the max is
        // exact, so the order does not matter)
        let (mut own, mut other) = ([0.0f64; NB], [0.0f64; NB]);
        let mut probe = 0.0;
        for k in 0..n {
            let (qa, qo) = (f.aqueous_out[k], f.organic_out[k]);
            let mut v = [0.0; NB];
            let mut s = [0.0; NB];
            let mut pt = 0.0;
            for j in 0..NC {
                v[j] = feed[k][j] - qa * x[k][j] - qo * y[k][j];
                s[j] = 1.0 / (qa * x[k][j] + qo * y[k][j]).max(tr[j]);
                pt += charge[j] * qo * y[k][j];
            }
            let mut pr = c.feed_proton[k] - qa * self.htot[k] - qo * self.p[k];
            if k > 0 {
                let a = f.aqueous_pass[k - 1];
                for j in 0..NC {
                    v[j] += a * x[k - 1][j];
                }
                pr += a * self.htot[k - 1];
            }
            if k + 1 < n {
                let o = f.organic_pass[k + 1];
                for j in 0..NC {
                    v[j] += o * y[k + 1][j];
                }
                pr += o * self.p[k + 1];
            }
            let mut b = self.e[k] - c.extractant_total[k];
            for j in 0..NC {
                b += units[j] * y[k][j];
            }
            v[NC] = pr;
            v[NC + 1] = b;
            let t = pt + qa * self.htot[k] + c.feed_proton[k].abs();
            s[NC] = if t > 0.0 { 1.0 / t } else { 1.0 };
            s[NC + 1] = 1.0 / c.extractant_total[k];
            for i in 0..NB {
                let a = (v[i] * s[i]).abs();
                own[i] = max_skip_nan(own[i], a);
                other[i] = max_skip_nan(other[i], (v[i] * wr[k][i]).abs());
                probe += a;
            }
            rs[k] = v;
            ws[k] = s;
        }
        // a NaN entry is skipped by the maxima but not by the sum (non-negative terms)
        *out = nan_flagged(
            MaxNaN {
                max: own.into_iter().fold(0.0, max_skip_nan),
                sum: probe,
            },
            other.into_iter().fold(0.0, max_skip_nan),
        );
    }

    /// [`Self::residual_scaled`] for NC components, no acid, no Murphree rows, no recycles.
    fn residual_scaled_plain<const NC: usize>(
        &self,
        r: &mut [f64],
        w: &mut [f64],
        w_ref: &[f64],
        out: &mut (f64, f64),
    ) {
        self.residual_plain::<NC>(r);
        self.scales_plain::<NC>(w);
        *out = scaled_norms(r, w, w_ref);
    }

    /// The residual `r` and the row scales `w` at the loaded state, and the scaled norms
    /// (max |r·w|, max |r·`w_ref`|): [`Self::residual`], [`Self::scales`] and the two max
    /// norms (both NaN when some entry is NaN), fused into one pass over the stages
    /// where a fixed-size kernel applies (the same values bit for bit).
    pub(crate) fn residual_scaled(
        &self,
        r: &mut [f64],
        w: &mut [f64],
        w_ref: &[f64],
    ) -> (f64, f64) {
        let mut out = (0.0, 0.0);
        let fused = self.kernels
            && !self.mv
            && self.c.recycles.is_empty()
            && if self.acid {
                acid_nc!(self.nc, self.residual_scaled_acid(r, w, w_ref, &mut out))
            } else {
                plain_nc!(self.nc, self.residual_scaled_plain(r, w, w_ref, &mut out))
            };
        if !fused {
            self.residual(r);
            self.scales(w);
            out = scaled_norms(r, w, w_ref);
        }
        out
    }

    /// Residuals at the loaded state: component balances and the proton balance [mol·s⁻¹],
    /// free-extractant closure [mol·m⁻³].
    pub(crate) fn residual(&self, r: &mut [f64]) {
        let (n, nc, nb) = (self.n, self.nc, self.nb);
        let f = &self.c.flows;
        let plain = self.kernels
            && !self.mv
            && if self.acid {
                plain_nc!(nc, self.residual_acid(r))
            } else {
                plain_nc!(nc, self.residual_plain(r))
            };
        // Per stage on slices of one length (no bounds checks in the loops); the same
        // operations in the same order as the balance (10) term by term.
        for k in 0..if plain { 0 } else { n } {
            let rk = &mut r[k * nb..k * nb + nc];
            let (qa, qo) = (f.aqueous_out[k], f.organic_out[k]);
            let xs = &self.x[k * nc..(k + 1) * nc];
            let ys = &self.y[k * nc..(k + 1) * nc];
            let fs = &self.c.feed[k * nc..(k + 1) * nc];
            for (((rj, fj), xj), yj) in rk.iter_mut().zip(fs).zip(xs).zip(ys) {
                *rj = fj - qa * xj - qo * yj;
            }
            if k > 0 {
                let a = f.aqueous_pass[k - 1];
                for (rj, xj) in rk.iter_mut().zip(&self.x[(k - 1) * nc..k * nc]) {
                    *rj += a * xj;
                }
            }
            if k + 1 < n {
                let o = f.organic_pass[k + 1];
                for (rj, yj) in rk.iter_mut().zip(&self.y[(k + 1) * nc..(k + 2) * nc]) {
                    *rj += o * yj;
                }
            }
            let rk = &mut r[k * nb..(k + 1) * nb];
            if self.acid {
                let mut v = self.c.feed_proton[k]
                    - f.aqueous_out[k] * self.htot[k]
                    - f.organic_out[k] * self.p[k];
                if k > 0 {
                    v += f.aqueous_pass[k - 1] * self.htot[k - 1];
                }
                if k + 1 < n {
                    v += f.organic_pass[k + 1] * self.p[k + 1];
                }
                rk[nc] = v;
                let mut b = self.e[k] - self.c.extractant_total[k];
                for j in 0..nc {
                    b += self.c.components[j].extractant_units * self.y[k * nc + j];
                }
                rk[nc + 1] = b;
            }
        }
        if self.mv {
            for k in 0..n {
                // (14)·Qo: Qo y − (1 − E)·(organic entering) − E·Qo·y*
                let (e, qo) = (self.c.efficiency[k], f.organic_out[k]);
                for j in 0..nc {
                    let mut yin = self.c.feed_organic[k * nc + j];
                    if k + 1 < n {
                        yin += f.organic_pass[k + 1] * self.y[(k + 1) * nc + j];
                    }
                    r[k * nb + self.ny + j] =
                        qo * self.y[k * nc + j] - (1.0 - e) * yin - e * qo * self.ys[k * nc + j];
                }
            }
        }
        for rec in &self.c.recycles {
            let (t, s) = (rec.to_stage, rec.from_stage);
            for j in 0..nc {
                let src = match rec.phase {
                    Phase::Aqueous => self.x[s * nc + j],
                    Phase::Organic => self.y[s * nc + j],
                };
                r[t * nb + j] += rec.flow * src;
            }
            if self.mv && rec.phase == Phase::Organic {
                let g = (1.0 - self.c.efficiency[t]) * rec.flow;
                for j in 0..nc {
                    r[t * nb + self.ny + j] -= g * self.y[s * nc + j];
                }
            }
            if self.acid {
                let src = match rec.phase {
                    Phase::Aqueous => self.htot[s],
                    Phase::Organic => self.p[s],
                };
                r[t * nb + nc] += rec.flow * src;
            }
        }
    }

    /// Row scales at the loaded state: 1 / (stage throughput of the balanced quantity).
    pub(crate) fn scales(&self, w: &mut [f64]) {
        let (nc, nb) = (self.nc, self.nb);
        let f = &self.c.flows;
        let plain = self.kernels && !(self.acid || self.mv) && plain_nc!(nc, self.scales_plain(w));
        for k in 0..if plain { 0 } else { self.n } {
            let (qa, qo) = (f.aqueous_out[k], f.organic_out[k]);
            let xs = &self.x[k * nc..(k + 1) * nc];
            let ys = &self.y[k * nc..(k + 1) * nc];
            for (((wj, xj), yj), tr) in w[k * nb..k * nb + nc]
                .iter_mut()
                .zip(xs)
                .zip(ys)
                .zip(&self.trace)
            {
                *wj = 1.0 / (qa * xj + qo * yj).max(*tr);
            }
            if self.acid {
                let mut pt = 0.0;
                for (comp, yj) in self.c.components.iter().zip(ys) {
                    pt += comp.charge * qo * yj;
                }
                let t = pt + f.aqueous_out[k] * self.htot[k] + self.c.feed_proton[k].abs();
                w[k * nb + nc] = if t > 0.0 { 1.0 / t } else { 1.0 };
                w[k * nb + nc + 1] = 1.0 / self.c.extractant_total[k];
            }
        }
        if self.mv {
            for k in 0..self.n {
                for j in 0..nc {
                    let t = f.organic_out[k] * (self.y[k * nc + j] + self.ys[k * nc + j]);
                    w[k * nb + self.ny + j] = 1.0 / t.max(self.trace[j]);
                }
            }
        }
    }

    /// Writes the analytic Jacobian (rows scaled by `w`) into `bt`, and the recycle blocks
    /// (one `nb × nb` block per recycle, row-scaled) into `rec`. Needs `load(.., true)`.
    /// `bt` must be zero outside this system's structural nonzeros (a new matrix, or one this
    /// function filled before, also after `pseudo_transient_shift`): every structural entry is
    /// overwritten on each call, so the matrix is not cleared (clearing it was ~150k
    /// instructions per Newton factorisation on bench case b).
    pub(crate) fn jacobian(&self, w: &[f64], bt: &mut BlockTridiagonal, rec: &mut [f64]) {
        let (n, nc, nb) = (self.n, self.nc, self.nb);
        let bs = nb * nb;
        let f = &self.c.flows;
        let plain = self.kernels
            && !self.mv
            && if self.acid {
                acid_nc!(nc, self.jacobian_acid(w, bt))
            } else {
                plain_nc!(nc, self.jacobian_plain(w, bt))
            };
        for k in 0..if plain { 0 } else { n } {
            let (qa, qo) = (f.aqueous_out[k], f.organic_out[k]);
            let dg = &mut bt.diag[k * bs..(k + 1) * bs];
            let dyk = &self.dy[k * nc * nb..(k + 1) * nc * nb];
            let xs = &self.x[k * nc..(k + 1) * nc];
            let ws = &w[k * nb..k * nb + nc];
            for (j, ((row, dyr), (xj, wr))) in dg
                .chunks_exact_mut(nb)
                .zip(dyk.chunks_exact(nb))
                .zip(xs.iter().zip(ws))
                .enumerate()
            {
                for (d, dv) in row.iter_mut().zip(dyr) {
                    *d = -qo * dv * wr;
                }
                row[j] -= qa * xj * wr;
            }
            if self.acid {
                let wr = w[k * nb + nc];
                let dpr = &self.dp[k * nb..(k + 1) * nb];
                for i in 0..nb {
                    dg[nc * nb + i] = -qo * dpr[i] * wr;
                }
                dg[nc * nb + nc] -= qa * self.dhtot[k] * wr;
                let we = w[k * nb + nc + 1];
                let row = (nc + 1) * nb;
                dg[row..row + nb].fill(0.0);
                for j in 0..nc {
                    let nj = self.c.components[j].extractant_units;
                    let dyr = &self.dy[(k * nc + j) * nb..(k * nc + j + 1) * nb];
                    for i in 0..nb {
                        dg[row + i] += nj * dyr[i] * we;
                    }
                }
                dg[row + nc + 1] += self.e[k] * we;
            }
            if self.mv {
                let e = self.c.efficiency[k];
                for j in 0..nc {
                    let wr = w[k * nb + self.ny + j];
                    let dsr = &self.dys[(k * nc + j) * nb..(k * nc + j + 1) * nb];
                    let row = (self.ny + j) * nb;
                    for i in 0..nb {
                        dg[row + i] = -e * qo * dsr[i] * wr;
                    }
                    dg[row + self.ny + j] += qo * self.y[k * nc + j] * wr;
                }
            }
            if k > 0 {
                let a = f.aqueous_pass[k - 1];
                let lo = &mut bt.lower[k * bs..(k + 1) * bs];
                for j in 0..nc {
                    lo[j * nb + j] = a * self.x[(k - 1) * nc + j] * w[k * nb + j];
                }
                if self.acid {
                    lo[nc * nb + nc] = a * self.dhtot[k - 1] * w[k * nb + nc];
                }
            }
            if k + 1 < n {
                let o = f.organic_pass[k + 1];
                let up = &mut bt.upper[k * bs..(k + 1) * bs];
                let dyn_ = &self.dy[(k + 1) * nc * nb..(k + 2) * nc * nb];
                for ((row, dyr), wr) in up
                    .chunks_exact_mut(nb)
                    .zip(dyn_.chunks_exact(nb))
                    .zip(&w[k * nb..k * nb + nc])
                {
                    for (u, dv) in row.iter_mut().zip(dyr) {
                        *u = o * dv * wr;
                    }
                }
                if self.acid {
                    let wr = w[k * nb + nc];
                    let dpr = &self.dp[(k + 1) * nb..(k + 2) * nb];
                    for i in 0..nb {
                        up[nc * nb + i] = o * dpr[i] * wr;
                    }
                }
                if self.mv {
                    let g = -(1.0 - self.c.efficiency[k]) * o;
                    for j in 0..nc {
                        let (row, col) = (self.ny + j, self.ny + j);
                        up[row * nb + col] = g * self.y[(k + 1) * nc + j] * w[k * nb + self.ny + j];
                    }
                }
            }
        }
        for (ri, r) in self.c.recycles.iter().enumerate() {
            let blk = &mut rec[ri * bs..(ri + 1) * bs];
            blk.fill(0.0);
            let (t, s) = (r.to_stage, r.from_stage);
            for j in 0..nc {
                let wr = w[t * nb + j] * r.flow;
                match r.phase {
                    Phase::Aqueous => blk[j * nb + j] = wr * self.x[s * nc + j],
                    Phase::Organic => {
                        for i in 0..nb {
                            blk[j * nb + i] = wr * self.dy[(s * nc + j) * nb + i];
                        }
                        if self.mv {
                            let (row, col) = (self.ny + j, self.ny + j);
                            blk[row * nb + col] = -(1.0 - self.c.efficiency[t])
                                * r.flow
                                * self.y[s * nc + j]
                                * w[t * nb + row];
                        }
                    }
                }
            }
            if self.acid {
                let wr = w[t * nb + nc] * r.flow;
                match r.phase {
                    Phase::Aqueous => blk[nc * nb + nc] = wr * self.dhtot[s],
                    Phase::Organic => {
                        for i in 0..nb {
                            blk[nc * nb + i] = wr * self.dp[s * nb + i];
                        }
                    }
                }
            }
        }
    }

    /// Solves every component's stage balance at the current D (tridiagonal + recycles),
    /// writing x and y (eq. 10 at fixed D; exact for constant D).
    pub(crate) fn transport_components(&mut self) {
        if self.mv {
            self.transport_components_murphree();
            return;
        }
        let (n, nc) = (self.n, self.nc);
        let f = &self.c.flows;
        if self.c.recycles.is_empty() {
            self.transport_components_plain();
            return;
        }
        for j in 0..nc {
            for k in 0..n {
                self.sub[k] = if k > 0 { f.aqueous_pass[k - 1] } else { 0.0 };
                self.dia[k] = -(f.aqueous_out[k] + f.organic_out[k] * self.d[k * nc + j]);
                self.sup[k] = if k + 1 < n {
                    f.organic_pass[k + 1] * self.d[(k + 1) * nc + j]
                } else {
                    0.0
                };
                self.rhs[k] = -self.c.feed[k * nc + j];
            }
            self.cpl.clear();
            for r in &self.c.recycles {
                let coef = match r.phase {
                    Phase::Aqueous => r.flow,
                    Phase::Organic => r.flow * self.d[r.from_stage * nc + j],
                };
                self.cpl.push(Coupling {
                    row: r.to_stage,
                    col: r.from_stage,
                    coef,
                });
            }
            self.lin.solve(
                &self.sub,
                &self.dia,
                &self.sup,
                &self.rhs,
                &self.cpl,
                &mut self.col,
            );
            for k in 0..n {
                let x = if self.col[k] > CONC_FLOOR {
                    self.col[k]
                } else {
                    CONC_FLOOR
                };
                self.x[k * nc + j] = x;
                self.y[k * nc + j] = self.d[k * nc + j] * x;
            }
        }
    }

    /// [`transport_components`](Self::transport_components) without recycles: the Thomas
    /// algorithm fused with the assembly of each component's tridiagonal system (no scratch
    /// matrices, one division per stage). From `STAGE_MAJOR_COMPONENTS` components on, the
    /// components advance together stage by stage (bit-identical results): each component's
    /// recurrence is a chain of dependent divisions, latency-bound when run alone, while C
    /// independent chains overlap (case b, 6 components: substitution ≈ 25 % less wall time
    /// for ≈ 2 % more instructions; with 2 components the by-component loop is as fast).
    fn transport_components_plain(&mut self) {
        if self.nc >= STAGE_MAJOR_COMPONENTS {
            if !(self.kernels && plain_nc!(self.nc, self.transport_components_nc())) {
                self.transport_components_by_stage();
            }
        } else {
            self.transport_components_by_component();
        }
    }

    fn transport_components_by_component(&mut self) {
        let (n, nc) = (self.n, self.nc);
        let f = &self.c.flows;
        let (aq_out, org_out) = (&f.aqueous_out[..n], &f.organic_out[..n]);
        let (cp, z) = (&mut self.sup[..n], &mut self.col[..n]);
        let d = &self.d[..n * nc];
        let feed = &self.c.feed[..n * nc];
        let (x, y) = (&mut self.x[..n * nc], &mut self.y[..n * nc]);
        for j in 0..nc {
            // forward elimination: den_k = b_k − a_k cp_{k−1}, cp_k = c_k / den_k,
            // z_k = (rhs_k − a_k z_{k−1}) / den_k
            let (mut cp_prev, mut z_prev) = (0.0, 0.0);
            let mut dk = d[j];
            for k in 0..n {
                let a = if k > 0 { f.aqueous_pass[k - 1] } else { 0.0 };
                let b = -(aq_out[k] + org_out[k] * dk);
                let c = if k + 1 < n {
                    dk = d[(k + 1) * nc + j];
                    f.organic_pass[k + 1] * dk
                } else {
                    0.0
                };
                let inv = 1.0 / (b - a * cp_prev);
                cp_prev = c * inv;
                z_prev = (-feed[k * nc + j] - a * z_prev) * inv;
                cp[k] = cp_prev;
                z[k] = z_prev;
            }
            let mut next = 0.0;
            for k in (0..n).rev() {
                let v = z[k] - cp[k] * next;
                next = v;
                let xv = if v > CONC_FLOOR { v } else { CONC_FLOOR };
                let i = k * nc + j;
                x[i] = xv;
                y[i] = d[i] * xv;
            }
        }
    }

    /// The stage-major variant of [`Self::transport_components_by_component`]: the same
    /// operations on every (stage, component) in the same order.
    fn transport_components_by_stage(&mut self) {
        let (n, nc) = (self.n, self.nc);
        let f = &self.c.flows;
        self.cpm.resize(n * nc, 0.0);
        self.zm.resize(n * nc, 0.0);
        let (cp, z) = (&mut self.cpm[..n * nc], &mut self.zm[..n * nc]);
        let d = &self.d[..n * nc];
        let feed = &self.c.feed[..n * nc];
        let (x, y) = (&mut self.x[..n * nc], &mut self.y[..n * nc]);
        // forward elimination, all components of stage k from those of stage k − 1
        for k in 0..n {
            let (qa, qo) = (f.aqueous_out[k], f.organic_out[k]);
            let a = if k > 0 { f.aqueous_pass[k - 1] } else { 0.0 };
            let (o, dn) = if k + 1 < n {
                (f.organic_pass[k + 1], &d[(k + 1) * nc..(k + 2) * nc])
            } else {
                (0.0, &d[k * nc..(k + 1) * nc])
            };
            let dk = &d[k * nc..(k + 1) * nc];
            let fk = &feed[k * nc..(k + 1) * nc];
            let (cp_done, cp_rest) = cp.split_at_mut(k * nc);
            let (z_done, z_rest) = z.split_at_mut(k * nc);
            let (cpk, zk) = (&mut cp_rest[..nc], &mut z_rest[..nc]);
            let (cp_prev, z_prev): (&[f64], &[f64]) = if k > 0 {
                (&cp_done[(k - 1) * nc..], &z_done[(k - 1) * nc..])
            } else {
                (&[], &[])
            };
            for j in 0..nc {
                let (cpp, zp) = if k > 0 {
                    (cp_prev[j], z_prev[j])
                } else {
                    (0.0, 0.0)
                };
                let b = -(qa + qo * dk[j]);
                let c = if k + 1 < n { o * dn[j] } else { 0.0 };
                let inv = 1.0 / (b - a * cpp);
                cpk[j] = c * inv;
                zk[j] = (-fk[j] - a * zp) * inv;
            }
        }
        // back substitution, stage by stage from the last
        for k in (0..n).rev() {
            for j in 0..nc {
                let i = k * nc + j;
                let next = if k + 1 < n { x[i + nc] } else { 0.0 };
                let v = z[i] - cp[i] * next;
                let xv = if v > CONC_FLOOR { v } else { CONC_FLOOR };
                x[i] = xv;
                y[i] = d[i] * xv;
            }
        }
    }

    /// [`Self::transport_components_by_stage`] for NC components on fixed-size rows: the
    /// same operations in the same order, the forward recurrence carried in registers.
    fn transport_components_nc<const NC: usize>(&mut self) {
        let n = self.n;
        let f = &self.c.flows;
        self.cpm.resize(n * NC, 0.0);
        self.zm.resize(n * NC, 0.0);
        let (cp, _) = self.cpm.as_chunks_mut::<NC>();
        let (z, _) = self.zm.as_chunks_mut::<NC>();
        let (d, _) = self.d.as_chunks::<NC>();
        let (feed, _) = self.c.feed.as_chunks::<NC>();
        let (cp, z, d, feed) = (&mut cp[..n], &mut z[..n], &d[..n], &feed[..n]);
        let (aq_out, org_out) = (&f.aqueous_out[..n], &f.organic_out[..n]);
        let (aq_pass, org_pass) = (&f.aqueous_pass[..n], &f.organic_pass[..n]);
        // forward elimination, all components of stage k from those of stage k − 1
        let (mut cpp, mut zp) = ([0.0; NC], [0.0; NC]);
        for k in 0..n {
            let (qa, qo) = (aq_out[k], org_out[k]);
            let a = if k > 0 { aq_pass[k - 1] } else { 0.0 };
            let mut c = [0.0; NC];
            if k + 1 < n {
                let (o, dn) = (org_pass[k + 1], &d[k + 1]);
                for j in 0..NC {
                    c[j] = o * dn[j];
                }
            }
            let (dk, fk) = (&d[k], &feed[k]);
            for j in 0..NC {
                let b = -(qa + qo * dk[j]);
                let inv = 1.0 / (b - a * cpp[j]);
                cpp[j] = c[j] * inv;
                zp[j] = (-fk[j] - a * zp[j]) * inv;
            }
            cp[k] = cpp;
            z[k] = zp;
        }
        // back substitution, stage by stage from the last
        let (x, _) = self.x.as_chunks_mut::<NC>();
        let (y, _) = self.y.as_chunks_mut::<NC>();
        let (x, y) = (&mut x[..n], &mut y[..n]);
        let mut next = [0.0; NC];
        for k in (0..n).rev() {
            let (xk, yk, dk) = (&mut x[k], &mut y[k], &d[k]);
            for j in 0..NC {
                let v = z[k][j] - cp[k][j] * next[j];
                let xv = if v > CONC_FLOOR { v } else { CONC_FLOOR };
                xk[j] = xv;
                yk[j] = dk[j] * xv;
                next[j] = xv;
            }
        }
    }

    /// Fills the pair matrix of the (x, y) stage system of one component (eqs. 10 and 14·Qo)
    /// with distribution ratios `d(k)` (0 for the saturated-total pseudo-component), and the
    /// recycle couplings into `cpl` (interleaved indices 2k for x, 2k + 1 for y).
    fn fill_pair(&mut self, d: impl Fn(usize) -> f64) {
        let n = self.n;
        let c = self.c;
        let f = &c.flows;
        let pair = self
            .pair
            .as_mut()
            .expect("Murphree mode has a pair workspace");
        let m = &mut pair.m;
        m.clear();
        for k in 0..n {
            let (qa, qo, e) = (f.aqueous_out[k], f.organic_out[k], c.efficiency[k]);
            let dg = &mut m.diag[k * 4..(k + 1) * 4];
            dg[0] = -qa;
            dg[1] = -qo;
            dg[2] = -e * qo * d(k);
            dg[3] = qo;
            if k > 0 {
                m.lower[k * 4] = f.aqueous_pass[k - 1];
            }
            if k + 1 < n {
                let o = f.organic_pass[k + 1];
                m.upper[k * 4 + 1] = o;
                m.upper[k * 4 + 3] = -(1.0 - e) * o;
            }
        }
        self.cpl.clear();
        for r in &c.recycles {
            let (t, s) = (r.to_stage, r.from_stage);
            match r.phase {
                Phase::Aqueous => self.cpl.push(Coupling {
                    row: 2 * t,
                    col: 2 * s,
                    coef: r.flow,
                }),
                Phase::Organic => {
                    self.cpl.push(Coupling {
                        row: 2 * t,
                        col: 2 * s + 1,
                        coef: r.flow,
                    });
                    let g = (1.0 - c.efficiency[t]) * r.flow;
                    if g != 0.0 {
                        self.cpl.push(Coupling {
                            row: 2 * t + 1,
                            col: 2 * s + 1,
                            coef: -g,
                        });
                    }
                }
            }
        }
    }

    /// Murphree mode of [`Self::transport_components`]: per component, the coupled linear
    /// system in (x_k, y_k) at fixed D (block-bidiagonal in y, tridiagonal in x; exact for
    /// constant D, the Murphree analogue of the Kremser equation).
    fn transport_components_murphree(&mut self) {
        let (n, nc) = (self.n, self.nc);
        let c = self.c;
        for j in 0..nc {
            let d = std::mem::take(&mut self.d);
            self.fill_pair(|k| d[k * nc + j]);
            self.d = d;
            for k in 0..n {
                self.prhs[2 * k] = -c.feed[k * nc + j];
                self.prhs[2 * k + 1] = (1.0 - c.efficiency[k]) * c.feed_organic[k * nc + j];
            }
            let pair = self
                .pair
                .as_mut()
                .expect("Murphree mode has a pair workspace");
            if !pair.solve(&self.cpl, &mut self.prhs) {
                self.prhs.fill(f64::NAN);
            }
            for k in 0..n {
                let (x, y) = (self.prhs[2 * k], self.prhs[2 * k + 1]);
                self.x[k * nc + j] = if x > CONC_FLOOR { x } else { CONC_FLOOR };
                self.y[k * nc + j] = if y > CONC_FLOOR { y } else { CONC_FLOOR };
            }
        }
    }

    /// If every stage's model fixes the organic loading (saturated organic), solves the total
    /// metal transport for the aqueous total per stage T_k and rescales each stage's aqueous
    /// concentrations to it (the Wang–Henke normalisation; `docs/science/sx.md` §4.2).
    /// Returns false (and changes nothing) if not applicable or if a total is not positive.
    pub(crate) fn normalise_saturated(&mut self) -> bool {
        if self.mv {
            return self.normalise_saturated_mv();
        }
        let (n, nc) = (self.n, self.nc);
        if self.sat_tot.is_none() {
            let tot = self.saturated_totals();
            self.sat_tot = Some(tot);
        }
        let tot = self.sat_tot.take().unwrap_or_default();
        let applies = tot.len() == n;
        if applies && !(self.kernels && plain_nc!(nc, self.normalise_rows_nc(&tot))) {
            for (xk, t) in self.x[..n * nc].chunks_exact_mut(nc).zip(&tot) {
                let s: f64 = xk.iter().sum();
                if s > 0.0 {
                    let g = t / s;
                    for v in xk {
                        *v *= g;
                    }
                }
            }
        }
        self.sat_tot = Some(tot);
        applies
    }

    /// The rescaling of [`Self::normalise_saturated`] for NC components on fixed-size rows
    /// (the same sum and products).
    fn normalise_rows_nc<const NC: usize>(&mut self, tot: &[f64]) {
        let (x, _) = self.x.as_chunks_mut::<NC>();
        for (xk, t) in x[..self.n].iter_mut().zip(tot) {
            let s: f64 = xk.iter().sum();
            if s > 0.0 {
                let g = t / s;
                for v in xk {
                    *v *= g;
                }
            }
        }
    }

    /// Saturation loading Y_k of every stage if every stage's model fixes it, into `col`.
    fn saturation_loadings(&mut self) -> bool {
        let c = self.c;
        self.col.resize(self.n, 0.0);
        for k in 0..self.n {
            match c.model(k).organic_saturation() {
                Some(y) => self.col[k] = y,
                None => return false,
            }
        }
        true
    }

    /// The aqueous metal totals T_k of [`Self::normalise_saturated`] (empty if it does not
    /// apply or a total is not positive).
    fn saturated_totals(&mut self) -> Vec<f64> {
        if !self.saturation_loadings() {
            return Vec::new();
        }
        let (n, nc) = (self.n, self.nc);
        let c = self.c;
        let f = &c.flows;
        let ysat = &self.col;
        for k in 0..n {
            self.sub[k] = if k > 0 { f.aqueous_pass[k - 1] } else { 0.0 };
            self.dia[k] = -f.aqueous_out[k];
            self.sup[k] = 0.0;
            let mut r: f64 =
                (0..nc).map(|j| c.feed[k * nc + j]).sum::<f64>() - f.organic_out[k] * ysat[k];
            if k + 1 < n {
                r += f.organic_pass[k + 1] * ysat[k + 1];
            }
            self.rhs[k] = -r;
        }
        self.cpl.clear();
        for r in &c.recycles {
            match r.phase {
                Phase::Aqueous => self.cpl.push(Coupling {
                    row: r.to_stage,
                    col: r.from_stage,
                    coef: r.flow,
                }),
                Phase::Organic => self.rhs[r.to_stage] -= r.flow * ysat[r.from_stage],
            }
        }
        let mut tot = vec![0.0; n];
        self.lin.solve(
            &self.sub, &self.dia, &self.sup, &self.rhs, &self.cpl, &mut tot,
        );
        if tot.iter().any(|t| t.is_nan() || *t <= 0.0) {
            return Vec::new();
        }
        tot
    }

    /// Murphree mode of [`Self::normalise_saturated`] (the pair system is solved every call).
    fn normalise_saturated_mv(&mut self) -> bool {
        if !self.saturation_loadings() {
            return false;
        }
        let ysat = std::mem::take(&mut self.col);
        let ok = self.normalise_saturated_murphree(&ysat);
        self.col = ysat;
        ok
    }

    /// Murphree mode of [`Self::normalise_saturated`]: the totals obey the pair system with
    /// y* = Y_sat (Σ_j y*_j = Y on a saturated organic, so the Murphree rows of the totals do
    /// not involve x); x and y of every stage are rescaled to the aqueous and organic totals.
    fn normalise_saturated_murphree(&mut self, ysat: &[f64]) -> bool {
        let (n, nc) = (self.n, self.nc);
        let c = self.c;
        self.fill_pair(|_| 0.0);
        for k in 0..n {
            let (e, qo) = (c.efficiency[k], c.flows.organic_out[k]);
            let fo: f64 = c.feed_organic[k * nc..(k + 1) * nc].iter().sum();
            self.prhs[2 * k] = -c.feed[k * nc..(k + 1) * nc].iter().sum::<f64>();
            self.prhs[2 * k + 1] = (1.0 - e) * fo + e * qo * ysat[k];
        }
        let pair = self
            .pair
            .as_mut()
            .expect("Murphree mode has a pair workspace");
        if !pair.solve(&self.cpl, &mut self.prhs)
            || self.prhs.iter().any(|t| t.is_nan() || *t <= 0.0)
        {
            return false;
        }
        for k in 0..n {
            for (v, tot) in [
                (&mut self.x, self.prhs[2 * k]),
                (&mut self.y, self.prhs[2 * k + 1]),
            ] {
                let s: f64 = v[k * nc..(k + 1) * nc].iter().sum();
                if s > 0.0 {
                    let g = tot / s;
                    for j in 0..nc {
                        v[k * nc + j] *= g;
                    }
                }
            }
        }
        true
    }

    /// With y fixed, computes the free extractant (eq. 12) and solves the proton balance
    /// (eq. 11) for the aqueous total proton, then the free H⁺ (eq. 8). Returns the number of
    /// stages where the closure had to be clamped (acid exhausted or extractant overloaded).
    pub(crate) fn transport_acid(&mut self) -> usize {
        if !self.acid {
            return 0;
        }
        let (n, nc) = (self.n, self.nc);
        let f = &self.c.flows;
        let mut clamped = 0;
        if !(self.kernels && plain_nc!(nc, self.extractant_closure_nc(&mut clamped))) {
            self.extractant_closure(&mut clamped);
        }
        if self.c.recycles.is_empty() {
            // The proton system is lower bidiagonal (the organic's protons are fixed): forward
            // substitution, the same arithmetic as the Thomas algorithm with a zero upper band.
            let (fp, org_out, aq_out) = (
                &self.c.feed_proton[..n],
                &f.organic_out[..n],
                &f.aqueous_out[..n],
            );
            let (aq_pass, org_pass) = (&f.aqueous_pass[..n], &f.organic_pass[..n]);
            let (p, col) = (&self.p[..n], &mut self.col[..n]);
            let mut prev = 0.0;
            for k in 0..n {
                let a = if k > 0 { aq_pass[k - 1] } else { 0.0 };
                let mut r = fp[k] - org_out[k] * p[k];
                if k + 1 < n {
                    r += org_pass[k + 1] * p[k + 1];
                }
                prev = (-r - a * prev) / -aq_out[k];
                col[k] = prev;
            }
        } else {
            self.proton_system_with_recycles();
        }
        self.free_h_from_proton_totals(&mut clamped);
        clamped
    }

    /// [`Self::extractant_closure`] for NC components on fixed-size rows (the same
    /// operations in the same order).
    fn extractant_closure_nc<const NC: usize>(&mut self, clamped: &mut usize) {
        let n = self.n;
        let units: &[f64; NC] = row(&self.units);
        let charge: &[f64; NC] = row(&self.charge);
        let (y, _) = self.y.as_chunks::<NC>();
        let (y, et) = (&y[..n], &self.c.extractant_total[..n]);
        let (pk, ek) = (&mut self.p[..n], &mut self.e[..n]);
        for k in 0..n {
            let (mut bound, mut p) = (0.0, 0.0);
            for j in 0..NC {
                bound += units[j] * y[k][j];
                p -= charge[j] * y[k][j];
            }
            pk[k] = p;
            let e = et[k] - bound;
            ek[k] = if e > 1e-9 * et[k] {
                e
            } else {
                *clamped += 1;
                1e-9 * et[k]
            };
        }
    }

    /// With y fixed: the organic proton content P and the free extractant (eq. 12) per stage,
    /// clamped to 10⁻⁹ E_T (counted into `clamped`).
    fn extractant_closure(&mut self, clamped: &mut usize) {
        let (n, nc) = (self.n, self.nc);
        let (charge, units) = (&self.charge[..nc], &self.units[..nc]);
        for k in 0..n {
            let mut bound = 0.0;
            let mut p = 0.0;
            let y = &self.y[k * nc..(k + 1) * nc];
            for j in 0..nc {
                bound += units[j] * y[j];
                p -= charge[j] * y[j];
            }
            self.p[k] = p;
            let et = self.c.extractant_total[k];
            let e = et - bound;
            self.e[k] = if e > 1e-9 * et {
                e
            } else {
                *clamped += 1;
                1e-9 * et
            };
        }
    }

    /// [`Self::transport_acid`] with recycles: the proton transport by the general solver.
    fn proton_system_with_recycles(&mut self) {
        let n = self.n;
        let f = &self.c.flows;
        for k in 0..n {
            self.sub[k] = if k > 0 { f.aqueous_pass[k - 1] } else { 0.0 };
            self.dia[k] = -f.aqueous_out[k];
            self.sup[k] = 0.0;
            let mut r = self.c.feed_proton[k] - f.organic_out[k] * self.p[k];
            if k + 1 < n {
                r += f.organic_pass[k + 1] * self.p[k + 1];
            }
            self.rhs[k] = -r;
        }
        self.cpl.clear();
        for r in &self.c.recycles {
            match r.phase {
                Phase::Aqueous => self.cpl.push(Coupling {
                    row: r.to_stage,
                    col: r.from_stage,
                    coef: r.flow,
                }),
                Phase::Organic => self.rhs[r.to_stage] -= r.flow * self.p[r.from_stage],
            }
        }
        self.lin.solve(
            &self.sub,
            &self.dia,
            &self.sup,
            &self.rhs,
            &self.cpl,
            &mut self.col,
        );
    }

    /// Free H⁺ (eq. 8) from the aqueous proton totals in `col`, floored; counts the floored
    /// stages into `clamped`.
    fn free_h_from_proton_totals(&mut self, clamped: &mut usize) {
        let n = self.n;
        let f = &self.c.flows;
        let ka = self.c.ka;
        let fp_max = self
            .c
            .feed_proton
            .iter()
            .map(|v| v.abs())
            .fold(0.0, f64::max);
        for k in 0..n {
            let s = self.c.sulfate[k];
            let h = free_h_from_total(self.col[k], s, ka);
            let floor = 1e-9 * (fp_max / f.aqueous_out[k]).max(1e-12);
            self.h[k] = if h > floor {
                h
            } else {
                *clamped += 1;
                floor
            };
            self.htot[k] = acid_totals(self.h[k], s, ka).0;
        }
    }

    /// Length of the scratch `r`, `w` that [`Self::scaled_norm_inf`] needs: `dim()` with
    /// recycles or Murphree rows, else 0 (the fused pass stores nothing).
    pub(crate) fn norm_scratch_len(&self) -> usize {
        if !self.mv && self.c.recycles.is_empty() {
            0
        } else {
            self.dim()
        }
    }

    /// Max scaled residual at the loaded state (the convergence measure reported by every
    /// solver). `r`, `w` are scratch of length `dim()`.
    pub(crate) fn scaled_norm_inf(&self, r: &mut [f64], w: &mut [f64]) -> f64 {
        if self.norm_scratch_len() == 0 {
            return self.scaled_norm_inf_plain();
        }
        self.residual(r);
        self.scales(w);
        let mut worst = MaxNaN::default();
        for (a, b) in r.iter().zip(w.iter()) {
            worst.add((a * b).abs());
        }
        worst.value()
    }

    /// [`Self::scaled_norm_inf`] without recycles and Murphree rows: the residual and the row
    /// scales fused into one pass over the stages, nothing stored (the same arithmetic, so the
    /// same value bit for bit).
    fn scaled_norm_inf_plain(&self) -> f64 {
        let mut worst = MaxNaN::default();
        if !(self.kernels && plain_nc!(self.nc, self.scaled_norm_inf_nc(&mut worst))) {
            self.scaled_norm_inf_generic(&mut worst);
        }
        worst.value()
    }

    /// [`Self::scaled_norm_inf_plain`] for NC components on fixed-size rows: the same
    /// arithmetic per entry (so the same maximum), end stages by the generic loop.
    fn scaled_norm_inf_nc<const NC: usize>(&self, worst: &mut MaxNaN) {
        let n = self.n;
        if n < 3 {
            self.scaled_norm_inf_generic(worst);
            return;
        }
        let c = self.c;
        let f = &c.flows;
        let (x, _) = self.x.as_chunks::<NC>();
        let (y, _) = self.y.as_chunks::<NC>();
        let (feed, _) = c.feed.as_chunks::<NC>();
        let trace: &[f64; NC] = row(&self.trace);
        let charge: &[f64; NC] = row(&self.charge);
        let units: &[f64; NC] = row(&self.units);
        // every per-stage slice cut to n: no bounds checks in the loop
        let (x, y, feed) = (&x[..n], &y[..n], &feed[..n]);
        let (aq_out, org_out) = (&f.aqueous_out[..n], &f.organic_out[..n]);
        let (aq_pass, org_pass) = (&f.aqueous_pass[..n], &f.organic_pass[..n]);
        let (htot, p, e) = (&self.htot[..n], &self.p[..n], &self.e[..n]);
        let (feed_proton, et) = (&c.feed_proton[..n], &c.extractant_total[..n]);
        self.scaled_norm_inf_stages(0..1, worst);
        for k in 1..n - 1 {
            let (qa, qo) = (aq_out[k], org_out[k]);
            let (a_in, o_in) = (aq_pass[k - 1], org_pass[k + 1]);
            let (xk, yk, fk) = (&x[k], &y[k], &feed[k]);
            let (xi, yi) = (&x[k - 1], &y[k + 1]);
            let mut pt = 0.0;
            for j in 0..NC {
                let mut v = fk[j] - qa * xk[j] - qo * yk[j];
                v += a_in * xi[j];
                v += o_in * yi[j];
                let t = qa * xk[j] + qo * yk[j];
                // (= t.max(trace): the trace floor is never NaN)
                let w = 1.0 / if t > trace[j] { t } else { trace[j] };
                worst.add((v * w).abs());
                pt += charge[j] * qo * yk[j];
            }
            if self.acid {
                let mut v = feed_proton[k] - qa * htot[k] - qo * p[k];
                v += a_in * htot[k - 1];
                v += o_in * p[k + 1];
                let t = pt + qa * htot[k] + feed_proton[k].abs();
                let w = if t > 0.0 { 1.0 / t } else { 1.0 };
                worst.add((v * w).abs());
                let mut b = e[k] - et[k];
                for j in 0..NC {
                    b += units[j] * yk[j];
                }
                worst.add((b * (1.0 / et[k])).abs());
            }
        }
        self.scaled_norm_inf_stages(n - 1..n, worst);
    }

    /// [`Self::scaled_norm_inf_plain`] for any component count.
    fn scaled_norm_inf_generic(&self, worst: &mut MaxNaN) {
        self.scaled_norm_inf_stages(0..self.n, worst);
    }

    /// The scaled residual entries of stages `ks` into `worst`.
    fn scaled_norm_inf_stages(&self, ks: std::ops::Range<usize>, worst: &mut MaxNaN) {
        let (n, nc) = (self.n, self.nc);
        let c = self.c;
        let f = &c.flows;
        let (charge, units) = (&self.charge[..nc], &self.units[..nc]);
        let trace = &self.trace[..nc];
        let zero = &self.col[..0];
        for k in ks {
            let (qa, qo) = (f.aqueous_out[k], f.organic_out[k]);
            let x = &self.x[k * nc..(k + 1) * nc];
            let y = &self.y[k * nc..(k + 1) * nc];
            let feed = &c.feed[k * nc..(k + 1) * nc];
            // inflows from the neighbours (none at the ends)
            let (a_in, x_in) = if k > 0 {
                (f.aqueous_pass[k - 1], &self.x[(k - 1) * nc..k * nc])
            } else {
                (0.0, zero)
            };
            let (o_in, y_in) = if k + 1 < n {
                (f.organic_pass[k + 1], &self.y[(k + 1) * nc..(k + 2) * nc])
            } else {
                (0.0, zero)
            };
            let mut pt = 0.0;
            if x_in.len() == nc && y_in.len() == nc {
                // interior stage: both neighbours flow in (same arithmetic, no index checks)
                for (((((&fj, &xj), &yj), (&xi, &yi)), &tr), &zj) in feed
                    .iter()
                    .zip(x)
                    .zip(y)
                    .zip(x_in.iter().zip(y_in))
                    .zip(trace)
                    .zip(charge)
                {
                    let mut v = fj - qa * xj - qo * yj;
                    v += a_in * xi;
                    v += o_in * yi;
                    let t = qa * xj + qo * yj;
                    let w = 1.0 / t.max(tr);
                    worst.add((v * w).abs());
                    pt += zj * qo * yj;
                }
            } else {
                for j in 0..nc {
                    let (xj, yj) = (x[j], y[j]);
                    let mut v = feed[j] - qa * xj - qo * yj;
                    if let Some(xi) = x_in.get(j) {
                        v += a_in * xi;
                    }
                    if let Some(yi) = y_in.get(j) {
                        v += o_in * yi;
                    }
                    let t = qa * xj + qo * yj;
                    let w = 1.0 / t.max(trace[j]);
                    worst.add((v * w).abs());
                    pt += charge[j] * qo * yj;
                }
            }
            if self.acid {
                let mut v = c.feed_proton[k] - qa * self.htot[k] - qo * self.p[k];
                if k > 0 {
                    v += a_in * self.htot[k - 1];
                }
                if k + 1 < n {
                    v += o_in * self.p[k + 1];
                }
                let t = pt + qa * self.htot[k] + c.feed_proton[k].abs();
                let w = if t > 0.0 { 1.0 / t } else { 1.0 };
                worst.add((v * w).abs());
                let mut b = self.e[k] - c.extractant_total[k];
                for j in 0..nc {
                    b += units[j] * y[j];
                }
                worst.add((b * (1.0 / c.extractant_total[k])).abs());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases;

    /// Analytic Jacobian against central finite differences of the residual, at a perturbed
    /// (non-solution) state or at the converged state, for the saturated-β, mass-action and
    /// recycle cases.
    fn check_jacobian(spec: crate::CascadeSpec) {
        check_jacobian_at(spec, false);
    }

    fn check_jacobian_at(spec: crate::CascadeSpec, at_solution: bool) {
        let c = spec.validate().unwrap();
        let mut sys = StageSystem::new(&c);
        let (n, nb, dim) = (sys.n, sys.nb, sys.dim());
        // `v` holds ln c (the Newton unknowns); `load` takes the concentrations.
        let mut v = vec![0.0; dim];
        let conc = |lv: &[f64]| lv.iter().map(|x| x.exp()).collect::<Vec<f64>>();
        if at_solution {
            use crate::SteadySolver;
            // plain substitution: the same converged state the FD noise floors were set on
            let sol = crate::SuccessiveSubstitution {
                anderson_depth: 0,
                ..Default::default()
            }
            .solve(&c);
            assert!(crate::solution::load_profiles(&mut sys, &sol.profiles));
            sys.update_equilibrium(false);
            sys.pack(&mut v);
            for x in &mut v {
                *x = x.ln();
            }
        } else {
            for k in 0..n {
                for j in 0..nb {
                    v[k * nb + j] = 2.0 + 0.3 * ((k * 7 + j * 3) as f64).sin();
                }
            }
        }
        sys.load(&conc(&v), true);
        let w = vec![1.0; dim];
        let mut bt = BlockTridiagonal::new(n, nb);
        let mut rec = vec![0.0; c.recycles.len() * nb * nb];
        sys.jacobian(&w, &mut bt, &mut rec);
        // Refilling a used matrix (`jacobian` does not clear it) gives the same matrix: every
        // structural entry is overwritten on each call.
        {
            let mut used = BlockTridiagonal::new(n, nb);
            let mut rec2 = rec.clone();
            let other: Vec<f64> = v.iter().map(|x| x + 0.1).collect();
            sys.load(&conc(&other), true);
            sys.jacobian(&w, &mut used, &mut rec2);
            sys.load(&conc(&v), true);
            sys.jacobian(&w, &mut used, &mut rec2);
            assert!(
                used.diag == bt.diag && used.lower == bt.lower && used.upper == bt.upper,
                "a refilled Jacobian differs from a fresh one"
            );
        }
        let bs = nb * nb;
        let mut rp = vec![0.0; dim];
        let mut rm = vec![0.0; dim];
        let mut worst: f64 = 0.0;
        for col in 0..dim {
            let h = 1e-6;
            let mut vp = v.clone();
            vp[col] += h;
            sys.load(&conc(&vp), false);
            sys.residual(&mut rp);
            vp[col] -= 2.0 * h;
            sys.load(&conc(&vp), false);
            sys.residual(&mut rm);
            let (ks, i) = (col / nb, col % nb);
            for row in 0..dim {
                let fd = (rp[row] - rm[row]) / (2.0 * h);
                let (kr, r) = (row / nb, row % nb);
                let mut an = 0.0;
                if kr == ks {
                    an += bt.diag[kr * bs + r * nb + i];
                } else if kr == ks + 1 {
                    an += bt.lower[kr * bs + r * nb + i];
                } else if ks == kr + 1 {
                    an += bt.upper[kr * bs + r * nb + i];
                }
                for (ri, l) in c.recycles.iter().enumerate() {
                    if l.to_stage == kr && l.from_stage == ks {
                        an += rec[ri * bs + r * nb + i];
                    }
                }
                // FD round-off ~ 1e-16 × row magnitude / h: the extractant closure rows are
                // of order E_T, the balances of order 1e-2 mol/s in these cases.
                let floor = if sys.acid && r == sys.nc + 1 {
                    1e-6 * c.extractant_total()[kr]
                } else if at_solution && sys.acid && r == sys.nc {
                    // the proton balance sums Qa·H_tot and Qo·P terms of ~1e-2 mol/s each, so
                    // its FD round-off is ~ 4 ε · 1e-2 / (2h) ≈ 5e-12 absolute
                    1e-6
                } else if at_solution {
                    1e-7
                } else {
                    1e-9
                };
                let scale = fd.abs().max(an.abs()).max(floor);
                let err = (fd - an).abs() / scale;
                assert!(
                    err < 1e-5,
                    "row {row} (stage {kr}, eq {r}) col {col} (stage {ks}, var {i}): fd {fd:e} analytic {an:e}"
                );
                worst = worst.max(err);
            }
        }
    }

    /// `spec` (a two-section case: feed to the first extraction stage, organic to the last)
    /// cut to `scrub` + `extraction` stages.
    fn shrunk(mut s: crate::CascadeSpec, scrub: usize, extraction: usize) -> crate::CascadeSpec {
        s.sections[0].stages = scrub;
        s.sections[1].stages = extraction;
        s.feeds[0].stage = scrub;
        s.feeds[2].stage = scrub + extraction - 1;
        s
    }

    /// The fixed-size-row kernels (`plain_nc!`, `acid_nc!`) give the generic loops' residual,
    /// scales (also fused, with their norms), Jacobian, D, y, P, H_tot and derivatives bit for bit: cases a (2 components) and c (15, with a
    /// recycle) without acid, case b (6 + acid, with sulfate on the feed stage) with it.
    #[test]
    fn plain_kernels_equal_the_generic_loops() {
        let mut c15 = shrunk(cases::bench_case_c(), 4, 5);
        c15.recycles.push(crate::RecycleSpec {
            name: "aq".into(),
            from: crate::OutletRef::Raffinate,
            to_stage: 2,
            flow: 0.2e-4,
        });
        let mut b = shrunk(cases::bench_case_b(), 3, 3);
        b.feeds[0].sulfate = 500.0;
        for spec in [shrunk(cases::bench_case_a(), 3, 3), c15, b] {
            let c = spec.validate().unwrap();
            let run = |plain: bool| {
                let mut sys = StageSystem::new(&c);
                sys.kernels = plain;
                let dim = sys.dim();
                let v: Vec<f64> = (0..dim)
                    .map(|i| (1.0 + 0.3 * ((i * 7) as f64).sin()).exp())
                    .collect();
                sys.load(&v, true);
                let (mut r, mut w) = (vec![0.0; dim], vec![0.0; dim]);
                sys.residual(&mut r);
                sys.scales(&mut w);
                let bits = |a: &[f64]| a.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
                // the fused residual, scales and norms give the same values
                let (mut r3, mut w3) = (vec![0.0; dim], vec![0.0; dim]);
                let w_ref: Vec<f64> = (0..dim).map(|i| 1.0 + (i as f64).cos()).collect();
                let (own, other) = sys.residual_scaled(&mut r3, &mut w3, &w_ref);
                assert_eq!(bits(&r3), bits(&r));
                assert_eq!(bits(&w3), bits(&w));
                let norm = |u: &[f64]| {
                    r.iter()
                        .zip(u)
                        .map(|(a, b)| (a * b).abs())
                        .fold(0.0, f64::max)
                };
                assert_eq!(own.to_bits(), norm(&w).to_bits());
                assert_eq!(other.to_bits(), norm(&w_ref).to_bits());
                let mut bt = BlockTridiagonal::new(sys.n, sys.nb);
                let mut rec = vec![0.0; c.recycles.len() * sys.nb * sys.nb];
                sys.jacobian(&w, &mut bt, &mut rec);
                let derivs = (sys.d.clone(), sys.y.clone(), sys.dy.clone());
                let acid = (
                    sys.dp.clone(),
                    sys.p.clone(),
                    sys.htot.clone(),
                    sys.dhtot.clone(),
                );
                sys.load(&v, false);
                let mut r2 = vec![0.0; dim];
                sys.residual(&mut r2);
                [
                    bits(&r),
                    bits(&w),
                    bits(&bt.diag),
                    bits(&bt.lower),
                    bits(&bt.upper),
                    bits(&rec),
                    bits(&derivs.0),
                    bits(&derivs.1),
                    bits(&derivs.2),
                    bits(&acid.0),
                    bits(&acid.1),
                    bits(&acid.2),
                    bits(&acid.3),
                    bits(&sys.d),
                    bits(&sys.y),
                    bits(&r2),
                ]
            };
            assert_eq!(run(true), run(false));
        }
    }

    /// The fixed-size-row kernels of the substitution sweep (scaled residual norm, stage-major
    /// component transport, saturated normalisation, extractant closure, stage factors) give
    /// the generic loops' values bit for bit: case b (6 components + acid, sulfate on the feed
    /// stage) and case c (15, saturated organic, no acid).
    #[test]
    fn sweep_kernels_equal_the_generic_loops() {
        let mut b = shrunk(cases::bench_case_b(), 3, 3);
        b.feeds[0].sulfate = 500.0;
        for spec in [b, shrunk(cases::bench_case_c(), 4, 5)] {
            let c = spec.validate().unwrap();
            let run = |plain: bool| {
                let mut sys = StageSystem::new(&c);
                sys.kernels = plain;
                let dim = sys.dim();
                let v: Vec<f64> = (0..dim)
                    .map(|i| (1.0 + 0.3 * ((i * 7) as f64).sin()).exp())
                    .collect();
                sys.load(&v, false);
                let (mut r, mut w) = (vec![0.0; dim], vec![0.0; dim]);
                let before = sys.scaled_norm_inf(&mut r, &mut w);
                sys.transport_components();
                sys.normalise_saturated();
                sys.transport_acid();
                sys.update_equilibrium(false);
                let after = sys.scaled_norm_inf(&mut r, &mut w);
                let bits = |a: &[f64]| a.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
                let state = (bits(&sys.x), bits(&sys.y), bits(&sys.h), bits(&sys.e));
                if sys.distribution_from_stage_factor() {
                    let u: Vec<f64> = (0..sys.n).map(|k| 0.3 * (k as f64).sin()).collect();
                    sys.set_stage_factors(&u);
                }
                (before.to_bits(), after.to_bits(), state, bits(&sys.d))
            };
            let (kernel, generic) = (run(true), run(false));
            assert!(f64::from_bits(kernel.0) > 0.0 && f64::from_bits(kernel.1) > 0.0);
            assert_eq!(kernel, generic);
        }
    }

    /// A NaN anywhere in one stage's state makes the scaled residual norm non-finite (with
    /// `f64::max` the NaN entries used to drop out of the maximum): the fused kernel, the
    /// generic fused loop, and the residual-and-scales path (with a recycle).
    #[test]
    fn scaled_norms_are_not_finite_with_a_nan_in_the_state() {
        let b = shrunk(cases::bench_case_b(), 3, 3);
        let mut with_recycle = b.clone();
        with_recycle.recycles.push(crate::RecycleSpec {
            name: "aq".into(),
            from: crate::OutletRef::Raffinate,
            to_stage: 2,
            flow: 0.2e-4,
        });
        for spec in [b, with_recycle] {
            let c = spec.validate().unwrap();
            for plain in [true, false] {
                for field in 0..4 {
                    let mut sys = StageSystem::new(&c);
                    sys.kernels = plain;
                    let dim = sys.dim();
                    let v: Vec<f64> = (0..dim)
                        .map(|i| (1.0 + 0.3 * ((i * 7) as f64).sin()).exp())
                        .collect();
                    sys.load(&v, false);
                    let (mut r, mut w) = (vec![0.0; dim], vec![0.0; dim]);
                    assert!(sys.scaled_norm_inf(&mut r, &mut w).is_finite());
                    let (k, nc) = (2, sys.nc);
                    match field {
                        0 => sys.x[k * nc + 1] = f64::NAN,
                        1 => sys.y[k * nc + 3] = f64::NAN,
                        2 => sys.p[k] = f64::NAN,
                        _ => sys.e[k] = f64::NAN,
                    }
                    let res = sys.scaled_norm_inf(&mut r, &mut w);
                    assert!(!res.is_finite(), "field {field}, kernels {plain}: {res}");
                    // Newton's fused residual, scales and norms (the reference scales finite)
                    let w_ref = vec![1.0; dim];
                    let (own, other) = sys.residual_scaled(&mut r, &mut w, &w_ref);
                    assert!(
                        own.is_nan() && other.is_nan(),
                        "residual_scaled, field {field}, kernels {plain}: {own} {other}"
                    );
                }
            }
        }
    }

    #[test]
    fn jacobian_matches_finite_differences_saturated_beta() {
        check_jacobian(shrunk(cases::bench_case_a(), 3, 3));
    }

    #[test]
    fn jacobian_matches_finite_differences_at_the_solution_of_case_b() {
        check_jacobian_at(shrunk(cases::bench_case_b(), 4, 4), true);
    }

    #[test]
    fn jacobian_matches_finite_differences_at_the_solution_of_full_case_b() {
        check_jacobian_at(cases::bench_case_b(), true);
    }

    #[test]
    fn jacobian_matches_finite_differences_murphree_saturated_beta() {
        let mut s = shrunk(cases::bench_case_a(), 3, 3);
        s.sections[0].murphree_efficiency = 0.7;
        s.sections[1].murphree_efficiency = 0.9;
        let c = s.clone().validate().unwrap();
        assert!(c.has_murphree());
        assert_eq!(StageSystem::new(&c).nb, 4);
        check_jacobian(s);
    }

    #[test]
    fn jacobian_matches_finite_differences_murphree_mass_action_with_recycle() {
        let mut s = shrunk(cases::bench_case_b(), 3, 3);
        // one section at E = 1 beside one below: both row kinds in one block layout
        s.sections[1].murphree_efficiency = 0.8;
        s.feeds[0].sulfate = 500.0;
        s.recycles.push(crate::RecycleSpec {
            name: "org".into(),
            from: crate::OutletRef::LoadedOrganic,
            to_stage: 4,
            flow: 0.3e-4,
        });
        s.recycles.push(crate::RecycleSpec {
            name: "aq".into(),
            from: crate::OutletRef::Raffinate,
            to_stage: 1,
            flow: 0.2e-4,
        });
        let c = s.clone().validate().unwrap();
        assert_eq!(StageSystem::new(&c).nb, 2 * 6 + 2);
        check_jacobian(s);
    }

    #[test]
    fn jacobian_matches_finite_differences_murphree_at_the_solution() {
        let mut s = shrunk(cases::bench_case_b(), 4, 4);
        s.sections[0].murphree_efficiency = 0.85;
        s.sections[1].murphree_efficiency = 0.6;
        check_jacobian_at(s, true);
    }

    #[test]
    fn jacobian_matches_finite_differences_mass_action() {
        let mut s = shrunk(cases::bench_case_b(), 3, 3);
        s.feeds[0].sulfate = 500.0;
        check_jacobian(s);
    }
}

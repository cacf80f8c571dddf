//! The three steady-state solvers: [`KremserExact`], [`SuccessiveSubstitution`], [`Newton`].
//! Algorithms: `docs/science/sx.md` §4.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::blocktri::{BandLu, BlockTridiagonal};
use crate::equilibrium::{DistributionDerivatives, Equilibrium, StageState};
use crate::linear::dense_solve;
use crate::solution::{
    Solution, SolveStatus, StageProfiles, SteadySolver, build_solution, load_profiles,
};
use crate::system::StageSystem;
use crate::topology::Cascade;

/// Exact linear solve per component for constant-D cascades: the tridiagonal stage balance
/// (plus recycle couplings) solved directly — the rigorous equivalent of the Kremser equation,
/// valid for any topology. With Murphree stages (E < 1) the problem stays linear: per
/// component a block-tridiagonal system in (x_k, y_k) with 2 × 2 blocks, solved by block
/// Thomas (pivoted band LU as fallback; `docs/science/sx.md` §3.1, §4.1). Reports [`SolveStatus::NotApplicable`] when a model is
/// not constant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct KremserExact;

impl SteadySolver for KremserExact {
    fn name(&self) -> &'static str {
        "kremser_exact"
    }
    fn solve_from(&self, cascade: &Cascade, _initial: Option<&StageProfiles>) -> Solution {
        let t0 = Instant::now();
        let mut sys = StageSystem::new(cascade);
        if !cascade.is_constant_d() {
            tracing::warn!("kremser_exact: the cascade has a non-constant equilibrium model");
            return build_solution(
                &sys,
                self.name(),
                SolveStatus::NotApplicable,
                0,
                f64::NAN,
                t0.elapsed().as_secs_f64(),
            );
        }
        sys.update_equilibrium(false);
        sys.transport_components();
        if sys.mv {
            // y* for the residual check (D is constant, so only y* = D·x changes)
            sys.update_equilibrium(false);
        }
        let mut r = vec![0.0; sys.dim()];
        let mut w = vec![0.0; sys.dim()];
        let res = sys.scaled_norm_inf(&mut r, &mut w);
        let status = if res.is_finite() {
            SolveStatus::Converged
        } else {
            SolveStatus::Diverged
        };
        build_solution(
            &sys,
            self.name(),
            status,
            1,
            res,
            t0.elapsed().as_secs_f64(),
        )
    }
}

/// Successive substitution (Wang–Henke analogue): with D fixed on every stage, one
/// tridiagonal solve per component, then the acid and free-extractant closures, then D
/// updated from the stage state with damping in ln D.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuccessiveSubstitution {
    /// Maximum sweeps (default 50 000).
    pub max_iterations: usize,
    /// Convergence tolerance on the max scaled residual (default 1e-12).
    pub tolerance: f64,
    /// Damping ω in ln D ← (1−ω) ln D + ω ln D_new, in (0, 1] (default 1, undamped).
    pub damping: f64,
    /// Anderson acceleration depth m: the next ln D combines the last m + 1 sweeps (default 0,
    /// plain damped substitution; the Newton start uses 5). Acceleration starts after
    /// consecutive residual decreases and restarts whenever the residual grows. It shortens
    /// the approach (the Newton start) but can stall in the last digits, so the standalone
    /// solver does not use it by default. `docs/science/sx.md` §4.2.
    pub anderson_depth: usize,
}

/// Floor of the adaptive damping ω of the substitution sweeps. Each residual growth on a plain
/// step halves ω down to this floor. A floor of 0.05 (before 2026-11-26) let case (c) crawl
/// through ~100 sweeps at ω = 0.05 before acceleration took over (216 sweeps to the Newton
/// start); 0.25 takes it there in 69; ½ diverges on (c). `docs/science/sx.md` §4.2.
const MIN_DAMPING: f64 = 0.25;

impl Default for SuccessiveSubstitution {
    fn default() -> Self {
        Self {
            max_iterations: 50_000,
            tolerance: 1e-12,
            damping: 1.0,
            anderson_depth: 0,
        }
    }
}

/// Anderson acceleration (type II; Walker & Ni 2011, SIAM J. Numer. Anal. 49, 1715) of the
/// fixed-point map u ↦ G(u), u = ln D (or (ln h, ln F) per stage, see
/// [`StageSystem::distribution_from_acid_and_extractant`]): the next iterate is G(u) − ΔG γ − (1−ω)(f − ΔF γ), f =
/// G(u) − u, γ minimising ‖f − ΔF γ‖₂ over the differences of the last m sweeps.
#[derive(Debug)]
struct Anderson {
    m: usize,
    len: usize,
    next: usize,
    df: Vec<f64>,
    dg: Vec<f64>,
    f_prev: Vec<f64>,
    g_prev: Vec<f64>,
    have_prev: bool,
    gram: Vec<f64>,
    /// ΔF_aᵀ ΔF_b of the stored differences by ring slot (m × m): a new difference changes
    /// only its own slot's row and column.
    dots: Vec<f64>,
    gamma: Vec<f64>,
    trial: Vec<f64>,
    /// Scratch of the extrapolation: the shift Σ γ_a (ΔG_a − (1−ω) ΔF_a) and f − ΔF γ.
    shift: Vec<f64>,
    fres: Vec<f64>,
    /// Largest change of any unknown the extrapolation may add to the damped step.
    max_shift: f64,
}

/// Dot product with four independent partial sums (the serial sum is a chain of dependent
/// additions, latency-bound: 4 cycles per element).
fn dot4(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let (ac, bc) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ar.iter().zip(br) {
        tail += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Largest change of any ln D the Anderson extrapolation may add to the damped step.
const ANDERSON_MAX_SHIFT: f64 = 1.0;
/// Largest change of any ln D in one plain (unaccelerated) substitution step: a factor
/// e⁵ ≈ 150. Far from the solution (the first sweeps of a mass-action cascade from the flat
/// start) D swings by orders of magnitude between sweeps; the cap keeps one swing from
/// throwing the profile further out than it came from.
const SUBSTITUTION_MAX_LN_D_STEP: f64 = 5.0;
/// Largest change of any ln h or ln F in one plain step when the sweeps iterate on them.
const SUBSTITUTION_MAX_LN_HF_STEP: f64 = 1.0;
/// Largest change of any ln h or ln F the Anderson extrapolation may add to the damped step.
const ANDERSON_MAX_SHIFT_HF: f64 = 0.5;
/// Consecutive residual decreases before Anderson acceleration starts (it extrapolates the
/// contractive phase; far from the solution it only amplifies the transients).
const ANDERSON_WARMUP: usize = 2;
/// When the sweeps iterate on (ln h, ln F), they skip the true scaled residual (a full D
/// evaluation, y, H_tot, P and the norm: ~45k instructions per sweep on case b) while the
/// fixed-point change max |g − u| of the iterate is above this multiple of the tolerance; the
/// growth safeguards then compare the changes instead. On case b the ratio residual / change
/// lies in [0.92, 2.05] on every sweep but the sweep-2 blow-up (Newton start to 1e-3 and
/// the standalone solver to 1e-12), so a sweep whose residual could meet the tolerance has a
/// change below ~1.1 × tolerance, and a skipped sweep has a residual above ~9 × tolerance:
/// 10 skips the first seven sweeps of the Newton start (3.88 M → 3.59 M instructions per
/// solve; 100 skipped five, 3.68 M), with every printed iteration count and residual
/// unchanged. Not used when the sweeps iterate on ln D or ln f: D is then
/// the map's value and must be evaluated anyway, and on case (c) the change of ln f misses
/// the residual blow-ups that the damping must see (sweeps 3–7: residual up to 1e12 while
/// the change falls from 1.2 to 0.5).
const PROXY_SKIP_FACTOR: f64 = 10.0;

impl Anderson {
    fn new(m: usize, dim: usize) -> Self {
        Self {
            m,
            len: 0,
            next: 0,
            df: vec![0.0; m * dim],
            dg: vec![0.0; m * dim],
            f_prev: vec![0.0; if m > 0 { dim } else { 0 }],
            g_prev: vec![0.0; if m > 0 { dim } else { 0 }],
            have_prev: false,
            gram: vec![0.0; m * m],
            dots: vec![0.0; m * m],
            gamma: vec![0.0; m],
            trial: vec![0.0; if m > 0 { dim } else { 0 }],
            shift: vec![0.0; if m > 0 { dim } else { 0 }],
            fres: vec![0.0; if m > 0 { dim } else { 0 }],
            max_shift: ANDERSON_MAX_SHIFT,
        }
    }

    /// Forgets the history (after a sweep that raised the residual).
    fn reset(&mut self) {
        self.len = 0;
        self.next = 0;
        self.have_prev = false;
    }

    /// Overwrites `u` (the ln D the sweep started from) with the next iterate, given `g` = the
    /// ln D the sweep produced and the mixing ω.
    fn step(&mut self, u: &mut [f64], g: &[f64], omega: f64) {
        let dim = u.len();
        if self.m == 0 {
            for (ui, gi) in u.iter_mut().zip(g) {
                *ui += omega * (gi - *ui);
            }
            return;
        }
        // f = g − u, stored in u for now.
        for (ui, gi) in u.iter_mut().zip(g) {
            *ui = gi - *ui;
        }
        if self.have_prev {
            let c = self.next;
            let (dfc, dgc) = (
                &mut self.df[c * dim..(c + 1) * dim],
                &mut self.dg[c * dim..(c + 1) * dim],
            );
            for i in 0..dim {
                dfc[i] = u[i] - self.f_prev[i];
                dgc[i] = g[i] - self.g_prev[i];
            }
            self.next = (self.next + 1) % self.m;
            self.len = (self.len + 1).min(self.m);
        }
        self.f_prev.copy_from_slice(u);
        self.g_prev.copy_from_slice(g);
        self.have_prev = true;
        let l = self.len;
        let mut ok = true;
        if l > 0 {
            // the new difference (slot `next − 1`) against every stored one
            let (m, c) = (self.m, (self.next + self.m - 1) % self.m);
            let fc = &self.df[c * dim..(c + 1) * dim];
            for b in 0..l {
                let dot = dot4(fc, &self.df[b * dim..(b + 1) * dim]);
                self.dots[c * m + b] = dot;
                self.dots[b * m + c] = dot;
            }
            // Normal equations (ΔFᵀΔF + λI) γ = ΔFᵀ f, λ a relative Tikhonov floor.
            let mut big: f64 = 0.0;
            for a in 0..l {
                let fa = &self.df[a * dim..(a + 1) * dim];
                for b in 0..=a {
                    let dot = self.dots[a * m + b];
                    self.gram[a * l + b] = dot;
                    self.gram[b * l + a] = dot;
                }
                big = big.max(self.gram[a * l + a]);
                self.gamma[a] = dot4(fa, u);
            }
            for a in 0..l {
                self.gram[a * l + a] += 1e-12 * big;
            }
            dense_solve(&mut self.gram[..l * l], &mut self.gamma[..l], l);
            ok = self.gamma[..l].iter().all(|v| v.is_finite());
        }
        // u ← g − (1−ω) f − Σ γ_a (ΔG_a − (1−ω) ΔF_a); the extrapolation is used only if it
        // moves no ln D by more than `ANDERSON_MAX_SHIFT` from the damped step. One pass: the
        // extrapolated iterate goes to `trial` while the largest shift is measured.
        if ok && l > 0 {
            // slot by slot over all unknowns (the same operations per unknown in the same
            // order as one unknown at a time over the slots, on contiguous rows)
            let (cs, gs, fs) = (
                &mut self.shift[..dim],
                &mut self.trial[..dim],
                &mut self.fres[..dim],
            );
            cs.fill(0.0);
            gs.copy_from_slice(&g[..dim]);
            fs.copy_from_slice(&u[..dim]);
            for (a, &ga) in self.gamma[..l].iter().enumerate() {
                let (dga, dfa) = (
                    &self.dg[a * dim..(a + 1) * dim],
                    &self.df[a * dim..(a + 1) * dim],
                );
                for i in 0..dim {
                    let (dg, df) = (dga[i], dfa[i]);
                    cs[i] += ga * (dg - (1.0 - omega) * df);
                    gs[i] -= ga * dg;
                    fs[i] -= ga * df;
                }
            }
            let mut shift: f64 = 0.0;
            for i in 0..dim {
                shift = shift.max(cs[i].abs());
                gs[i] -= (1.0 - omega) * fs[i];
            }
            let trial = &self.trial[..dim];
            ok = shift <= self.max_shift;
            if ok {
                u.copy_from_slice(trial);
                return;
            }
        }
        for (ui, gi) in u.iter_mut().zip(g) {
            *ui = gi - (1.0 - omega) * *ui;
        }
        if !ok {
            self.reset();
        }
    }
}

/// Initial state when no profile is given: the mixed-feed aqueous concentration on every
/// stage, acid from the mixed aqueous feeds, and the free extractant that closes the extractant
/// balance (eq. 12) at that aqueous state (`free_extractant_closure`).
fn initial_state(sys: &mut StageSystem<'_>) {
    let c = sys.c;
    let (n, nc) = (sys.n, sys.nc);
    let qa: f64 = c.flows.aqueous_out.iter().sum::<f64>() / n as f64;
    for j in 0..nc {
        let x = (c.total_feed(j) / qa).max(1e-12);
        for k in 0..n {
            sys.x[k * nc + j] = x;
        }
    }
    if sys.acid {
        let h = (c.acid_fed / qa).max(1e-3);
        let units: Vec<f64> = c.components.iter().map(|q| q.extractant_units).collect();
        // (section, E_T) → free extractant: the aqueous state is the same on every stage
        let mut last: Option<(usize, f64, f64)> = None;
        for k in 0..n {
            let (sec, et) = (c.stage_section[k], c.extractant_total[k]);
            let e = match last {
                Some((s, t, e)) if s == sec && t.to_bits() == et.to_bits() => e,
                _ => {
                    free_extractant_closure(c.model(k), &sys.x[k * nc..(k + 1) * nc], h, et, &units)
                }
            };
            last = Some((sec, et, e));
            sys.h[k] = h;
            sys.e[k] = e;
        }
    }
    sys.organic_from_equilibrium();
}

/// Free extractant F [mol·m⁻³] of a stage whose aqueous state (`x`, `h`) is given: the root of
/// F + Σ_j n_j D_j(x, h, F) x_j = E_T (eq. 12 with y = D x), by safeguarded Newton in ln F on
/// [10⁻⁹ E_T, E_T] (the left side grows with F). Half of E_T if E_T is not positive.
///
/// The flat start used to put half the extractant free: on case (b) the closure gives ≈ 0.9 E_T
/// (the solution has 0.89–0.99 E_T), and the start sweeps fall from 18 to ~14.
fn free_extractant_closure(
    model: &dyn Equilibrium,
    x: &[f64],
    h: f64,
    et: f64,
    units: &[f64],
) -> f64 {
    if et <= 0.0 || !et.is_finite() {
        return 0.5 * et;
    }
    let nc = x.len();
    let mut d = vec![0.0; nc];
    let (mut dla, mut dlh, mut dle) = (vec![0.0; nc * nc], vec![0.0; nc], vec![0.0; nc]);
    let (mut lo, mut hi) = ((1e-9 * et).ln(), et.ln());
    let mut s = hi;
    for _ in 0..100 {
        let e = s.exp();
        let state = StageState {
            aqueous: x,
            h_plus: h,
            free_extractant: e,
        };
        let mut der = DistributionDerivatives {
            d_ln_aqueous: &mut dla,
            d_ln_h: &mut dlh,
            d_ln_extractant: &mut dle,
        };
        model.distribution_derivatives(&state, &mut d, &mut der);
        let (mut phi, mut dphi) = (e - et, e);
        for j in 0..nc {
            let ny = units[j] * d[j] * x[j];
            phi += ny;
            dphi += ny * dle[j];
        }
        // (a non-finite loading counts as too much extractant bound)
        if phi > 0.0 || !phi.is_finite() {
            hi = s;
        } else {
            lo = s;
        }
        let newton = s - phi / dphi;
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - s).abs() <= 1e-12 * s.abs().max(1.0) || hi - lo <= 1e-12 {
            s = next;
            break;
        }
        s = next;
    }
    s.exp()
}

impl SuccessiveSubstitution {
    /// Runs up to `max` sweeps on a system whose D is loaded; returns (sweeps, status, residual).
    pub(crate) fn sweeps(
        &self,
        sys: &mut StageSystem<'_>,
        max: usize,
    ) -> (usize, SolveStatus, f64) {
        let scratch = sys.norm_scratch_len();
        let (mut r, mut w) = (vec![0.0; scratch], vec![0.0; scratch]);
        let n = sys.n;
        // The iterated variable: (ln h, ln F) per stage when D is a function of them alone,
        // else ln D per component (`docs/science/sx.md` §4.2).
        let hf = sys.distribution_from_acid_and_extractant();
        let sf = !hf && sys.distribution_from_stage_factor();
        let nu = if hf {
            2 * n
        } else if sf {
            n
        } else {
            sys.d.len()
        };
        let cap = if hf {
            SUBSTITUTION_MAX_LN_HF_STEP
        } else {
            SUBSTITUTION_MAX_LN_D_STEP
        };
        let mut u = vec![0.0; nu];
        let mut old = vec![0.0; nu];
        let mut g = vec![0.0; nu];
        let mut aa = Anderson::new(self.anderson_depth, nu);
        aa.max_shift = if hf {
            ANDERSON_MAX_SHIFT_HF
        } else {
            ANDERSON_MAX_SHIFT
        };
        let mut omega = self.damping.clamp(1e-3, 1.0);
        let mut res = f64::INFINITY;
        // The growth test compares two true residuals of consecutive sweeps, else two
        // fixed-point changes (the proxy, computed on every accelerated or damped sweep).
        let (mut prev, mut prev_proxy) = (f64::INFINITY, f64::INFINITY);
        let mut prev_true = true;
        let mut decreasing = 0usize;
        let mut u_set = false;
        for it in 1..=max {
            if !u_set {
                if hf {
                    old[..n].copy_from_slice(&sys.h);
                    old[n..].copy_from_slice(&sys.e);
                } else if sf {
                    // (already logarithms)
                    sys.ln_stage_factors(&mut old);
                } else {
                    old.copy_from_slice(&sys.d);
                }
            }
            sys.transport_components();
            sys.normalise_saturated();
            sys.transport_acid();
            // On an accelerated or damped sweep iterating (ln h, ln F), g needs no D: the
            // equilibrium update only serves the residual, and g, u and the proxy come first.
            // Elsewhere D is the map's value (plain undamped substitution: the step itself),
            // and g, u are filled after the residual (not at all on the converged sweep).
            let early = hf && !(aa.m == 0 && omega >= 1.0);
            if !early {
                sys.update_equilibrium(false);
            }
            let mut proxy = f64::NAN;
            if early {
                fill_iterate(sys, hf, sf, &mut g, &mut u, &old, u_set);
                // max |g − u|, NaN if any entry is
                proxy = 0.0;
                for (gi, ui) in g.iter().zip(&u) {
                    let d = (gi - ui).abs();
                    #[allow(clippy::neg_cmp_op_on_partial_ord)] // NaN takes the branch
                    if !(d <= proxy) {
                        proxy = d;
                    }
                }
            }
            // The true residual (eq. 13) is skipped on (ln h, ln F) sweeps far from the
            // tolerance (the proxy at least PROXY_SKIP_FACTOR times it); it is always computed
            // on the last sweep, when the proxy is not finite and when the transported
            // concentrations are not (a NaN there is caught at once, as before the skip), and
            // convergence is declared on it alone.
            let skip = early
                && it < max
                && proxy.is_finite()
                && proxy > PROXY_SKIP_FACTOR * self.tolerance
                && sys.x.iter().sum::<f64>().is_finite();
            if skip {
                tracing::trace!(sweep = it, proxy, "substitution: residual skipped");
            }
            if !skip {
                if early {
                    sys.update_equilibrium(false);
                }
                res = sys.scaled_norm_inf(&mut r, &mut w);
                tracing::trace!(sweep = it, residual = res, proxy, "substitution");
                if !res.is_finite() {
                    return (it, SolveStatus::Diverged, res);
                }
                if res <= self.tolerance {
                    return (it, SolveStatus::Converged, res);
                }
            }
            let (cur, last) = if !skip && prev_true {
                (res, prev)
            } else {
                (proxy, prev_proxy)
            };
            // Safeguard: when the residual grows, restart the acceleration; if it grows on a
            // plain step, halve the damping (down to MIN_DAMPING).
            if cur > last {
                if aa.len > 0 {
                    aa.reset();
                    tracing::debug!(sweep = it, "substitution: acceleration restarted");
                } else if omega > MIN_DAMPING {
                    omega = (0.5 * omega).max(MIN_DAMPING);
                    tracing::debug!(sweep = it, omega, "substitution: damping reduced");
                }
            }
            decreasing = if cur < last { decreasing + 1 } else { 0 };
            prev = res;
            prev_true = !skip;
            prev_proxy = proxy;
            if aa.m == 0 && omega >= 1.0 {
                u_set = false;
                continue;
            }
            if !early {
                fill_iterate(sys, hf, sf, &mut g, &mut u, &old, u_set);
            }
            if decreasing >= ANDERSON_WARMUP {
                aa.step(&mut u, &g, omega);
            } else {
                aa.reset();
                for (ui, gi) in u.iter_mut().zip(&g) {
                    *ui += (omega * (gi - *ui)).clamp(-cap, cap);
                }
            }
            if hf {
                let (uh, ue) = u.split_at(n);
                for (h, uk) in sys.h.iter_mut().zip(uh) {
                    *h = uk.exp();
                }
                for (e, uk) in sys.e.iter_mut().zip(ue) {
                    *e = uk.exp();
                }
                sys.update_distribution();
            } else if sf {
                sys.set_stage_factors(&u);
            } else {
                for (d, ui) in sys.d.iter_mut().zip(&u) {
                    *d = ui.exp();
                }
            }
            u_set = true;
        }
        (max, SolveStatus::MaxIterations, res)
    }
}

/// Into `g` the sweep's result and (unless `u_set`, when the previous sweep set the state from
/// `u`) into `u` its input, from `old`: (ln h, ln F) per stage if `hf`, ln stage factors if
/// `sf`, else ln D.
fn fill_iterate(
    sys: &StageSystem<'_>,
    hf: bool,
    sf: bool,
    g: &mut [f64],
    u: &mut [f64],
    old: &[f64],
    u_set: bool,
) {
    let n = sys.n;
    if hf {
        let (gh, ge) = g.split_at_mut(n);
        for (gk, h) in gh.iter_mut().zip(&sys.h) {
            *gk = h.ln();
        }
        for (gk, e) in ge.iter_mut().zip(&sys.e) {
            *gk = e.ln();
        }
    } else if sf {
        sys.ln_stage_factors(g);
    } else {
        for (gi, d) in g.iter_mut().zip(&sys.d) {
            *gi = d.ln();
        }
    }
    if !u_set {
        if sf {
            u.copy_from_slice(old);
        } else {
            for (ui, o) in u.iter_mut().zip(old) {
                *ui = o.ln();
            }
        }
    }
}

impl SteadySolver for SuccessiveSubstitution {
    fn name(&self) -> &'static str {
        "substitution"
    }
    fn solve_from(&self, cascade: &Cascade, initial: Option<&StageProfiles>) -> Solution {
        let t0 = Instant::now();
        let mut sys = StageSystem::new(cascade);
        if !initial.is_some_and(|p| load_profiles(&mut sys, p)) {
            initial_state(&mut sys);
        }
        sys.update_equilibrium(false);
        let (it, status, res) = self.sweeps(&mut sys, self.max_iterations);
        if status == SolveStatus::MaxIterations {
            tracing::warn!(
                iterations = it,
                residual = res,
                "substitution: iteration limit reached"
            );
        }
        build_solution(
            &sys,
            self.name(),
            status,
            it,
            res,
            t0.elapsed().as_secs_f64(),
        )
    }
}

/// Newton–Raphson on the full block-tridiagonal stage system (Naphtali–Sandholm form):
/// unknowns ln c_aq per component plus ln [H⁺] and ln [(HA)₂]_free per stage (and ln c_org per
/// component when some stage has a Murphree efficiency below 1), analytic
/// Jacobian with a tiny pseudo-transient diagonal shift ([`Newton::shift`]), banded LU with
/// partial pivoting (row pivoting across stage blocks), recycles by a Woodbury correction,
/// concentration updates c ← c·(1 + δ) (Newton in the concentrations, kept positive; see
/// `log_update`), damping by step halving under Deuflhard's natural monotonicity test,
/// started from a few (Anderson-accelerated) substitution sweeps or a given profile; chord steps
/// reuse the factorisation while they contract the residual twentyfold. A run that stalls
/// (damping fails, two accepted steps in a row are damped below 0.01, or six steps bring no
/// new lowest residual) hands its best iterate back to the substitution fallback.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Newton {
    /// Maximum Newton steps (default 60).
    pub max_iterations: usize,
    /// Convergence tolerance on the max scaled residual (default 1e-11).
    pub tolerance: f64,
    /// Most substitution sweeps for the initial estimate when none is given (default 300).
    pub initial_sweeps: usize,
    /// The sweeps stop once the scaled residual is below this (default 1e-3).
    pub start_tolerance: f64,
    /// Damping of those sweeps (default 1).
    pub initial_damping: f64,
    /// Anderson depth of those sweeps (default 5, see [`SuccessiveSubstitution`]).
    pub anderson_depth: usize,
    /// Largest change of any log unknown in one step (default 3, i.e. a factor e³ ≈ 20): the
    /// whole step is shortened to respect it for significant unknowns; concentrations below
    /// 1e-14 of their stage are clipped to it on their own.
    pub max_log_step: f64,
    /// Maximum step halvings (default 30).
    pub max_halvings: usize,
    /// Pseudo-transient shift μ (default 1e-9): the step solves (J − μM)·δ = −r, M the
    /// component throughputs in the scaled rows (one pseudo-residence time per stage), so
    /// directions along which the Jacobian is singular to working precision (e.g. moving a
    /// separation front along a pinched section) get no step from round-off.
    /// `docs/science/sx.md` §4.3. 0 is plain Newton.
    pub shift: f64,
}

impl Default for Newton {
    fn default() -> Self {
        Self {
            max_iterations: 60,
            tolerance: 1e-11,
            initial_sweeps: 300,
            start_tolerance: 1e-3,
            initial_damping: 1.0,
            anderson_depth: 5,
            max_log_step: 3.0,
            max_halvings: 30,
            shift: 1e-9,
        }
    }
}

/// Preallocated Newton storage (nothing is allocated inside the iteration loop, except the
/// monotonicity test's correction `dbar`, on its first use).
#[derive(Debug)]
struct NewtonWork {
    jac: BlockTridiagonal,
    lu: BandLu,
    /// Right-hand side and refinement correction (only with recycles; empty otherwise).
    rhs: Vec<f64>,
    corr: Vec<f64>,
    rec: Vec<f64>,
    /// Residual and row scales at `v`, and at the trial point `vt`.
    r: Vec<f64>,
    w: Vec<f64>,
    rt: Vec<f64>,
    wt: Vec<f64>,
    /// Row scales of the factorised Jacobian.
    wl: Vec<f64>,
    dx: Vec<f64>,
    dbar: Vec<f64>,
    v: Vec<f64>,
    vt: Vec<f64>,
    z: Vec<f64>,
    k0: Vec<f64>,
    k: Vec<f64>,
    b: Vec<f64>,
    best: Vec<f64>,
    /// 1 for unknowns that steer the step size and the monotonicity test, 0 for negligible
    /// traces (see [`significance`]).
    sig: Vec<f64>,
}

/// Consecutive accepted steps with a damping factor below [`STALL_ALPHA`] after which a run
/// is stalled (it crawls along a near-singular direction; substitution does better there).
const STALL_STEPS: usize = 2;
/// See [`STALL_STEPS`].
const STALL_ALPHA: f64 = 1e-2;
/// Steps without a new lowest residual after which a run is stalled as well.
const NO_PROGRESS_STEPS: usize = 6;
/// A chord step (old factorisation) is kept only if it cuts the scaled residual by at least
/// this factor; a full step whose residual reduction is at least as good enables chord steps.
/// 0.05 (twentyfold) since 2026-11-27: with the cheaper band LU a slowly contracting chord
/// sequence costs more than a new factorisation (instructions per solve against 0.25: a −3 %,
/// b ±0, c −1 %, c in 3 steps instead of 4).
const CHORD_CONTRACTION: f64 = 0.05;

/// Multiple of ε·Σ_k (stage throughput) below which a whole-cascade component imbalance is
/// round-off: each stage residual sums about four flow terms of the order of the stage's
/// throughput, each rounded once.
const BALANCE_ROUNDOFF: f64 = 8.0;
/// A component imbalance above this never counts as converged, whatever its round-off floor
/// (issue 4: element balances close to 1e-10 relative at convergence).
const MAX_BALANCE_ERROR: f64 = 1e-10;

/// Whether every whole-cascade component imbalance |Σ_k r_jk| / feed_j (the stage residuals of
/// a component telescope to inputs − outputs) is within 0.1·`tol`, or within its round-off
/// floor `BALANCE_ROUNDOFF`·ε·Σ_k (Qa x + Qo y)_jk / feed_j where that is larger (a long
/// cascade with large internal reflux, case c: ~3e-12 at a scaled residual of 3e-15), but
/// never above `MAX_BALANCE_ERROR`.
fn balances_closed(sys: &StageSystem<'_>, r: &[f64], tol: f64) -> bool {
    let (n, nc, nb) = (sys.n, sys.nc, sys.nb);
    let f = &sys.c.flows;
    (0..nc).all(|j| {
        let (mut s, mut t) = (0.0, 0.0);
        for k in 0..n {
            s += r[k * nb + j];
            t += f.aqueous_out[k] * sys.x[k * nc + j] + f.organic_out[k] * sys.y[k * nc + j];
        }
        let fed = sys.c.total_feed(j);
        let floor = BALANCE_ROUNDOFF * f64::EPSILON * t / fed;
        (s / fed).abs() <= (0.1 * tol).max(floor.min(MAX_BALANCE_ERROR))
    })
}

fn masked_norm2(v: &[f64], sig: &[f64]) -> f64 {
    v.iter()
        .zip(sig)
        .map(|(x, s)| s * x * x)
        .sum::<f64>()
        .sqrt()
}

/// Concentrations below this fraction of their stage's total (in their phase) are negligible
/// traces: they neither limit the step length nor enter the monotonicity test, and their own
/// step is clipped to the log-step limit.
const NEGLIGIBLE_FRACTION: f64 = 1e-14;

/// Fills `sig` (1 = significant unknown, 0 = negligible trace) at the loaded state.
fn significance(sys: &StageSystem<'_>, sig: &mut [f64]) {
    let (nc, nb) = (sys.nc, sys.nb);
    sig.fill(1.0);
    for k in 0..sys.n {
        for (conc, off) in [(&sys.x, 0), (&sys.y, sys.ny)] {
            if off > 0 && !sys.mv {
                continue;
            }
            let c = &conc[k * nc..(k + 1) * nc];
            let tot: f64 = c.iter().sum();
            for j in 0..nc {
                if c[j] < NEGLIGIBLE_FRACTION * tot {
                    sig[k * nb + off + j] = 0.0;
                }
            }
        }
    }
}

/// The update of a log unknown for a Newton correction `d` (eq. 18 of docs/science/sx.md):
/// ln(1 + d), i.e. the Newton step in the concentration itself, c ← c·(1 + d), while
/// d ≥ −½, continued linearly (C¹) below, so a concentration never turns negative. The balance
/// rows are linear in the concentrations at fixed D, so along directions that leave D alone
/// (e.g. rescaling a trace tail) this update is exact where the plain log update ln c ← ln c + d
/// is not.
#[inline]
fn log_update(d: f64) -> f64 {
    if d >= -0.5 {
        d.ln_1p()
    } else {
        -std::f64::consts::LN_2 + 2.0 * (d + 0.5)
    }
}

/// Subtracts μ·m from the diagonal of the (row-scaled) Jacobian: the implicit-Euler matrix of
/// a pseudo-time in which every stage holds one throughput of each component, m = w·(Q_a x +
/// Q_o y) for the component rows and 1 for the proton rows; closure and Murphree rows are
/// algebraic (m = 0).
fn pseudo_transient_shift(sys: &StageSystem<'_>, w: &[f64], mu: f64, jac: &mut BlockTridiagonal) {
    let (nc, nb) = (sys.nc, sys.nb);
    let f = &sys.c.flows;
    for ((((blk, wk), xk), yk), (qa, qo)) in jac
        .diag
        .chunks_exact_mut(nb * nb)
        .zip(w.chunks_exact(nb))
        .zip(sys.x.chunks_exact(nc))
        .zip(sys.y.chunks_exact(nc))
        .zip(f.aqueous_out.iter().zip(&f.organic_out))
        .take(sys.n)
    {
        for j in 0..nc {
            let t = qa * xk[j] + qo * yk[j];
            blk[j * nb + j] -= mu * (wk[j] * t).min(1.0);
        }
        if sys.acid {
            blk[nc * nb + nc] -= mu;
        }
    }
}

/// Largest step factor α ≤ 1 for which no significant unknown changes by more than `cap` in
/// log space under [`log_update`].
fn step_limit(dx: &[f64], sig: &[f64], cap: f64) -> f64 {
    let up = cap.exp_m1();
    let down = 0.5 + 0.5 * (cap - std::f64::consts::LN_2);
    let mut alpha: f64 = 1.0;
    for (d, s) in dx.iter().zip(sig) {
        if *s > 0.0 {
            if *d > up {
                alpha = alpha.min(up / d);
            } else if -*d > down {
                alpha = alpha.min(down / -d);
            }
        }
    }
    alpha
}

/// vt = v·exp(log_update(α·dx)) on concentrations `v` (layout of `StageSystem::pack`), i.e.
/// vt = v·(1 + α·dx) while α·dx ≥ −½ (no exp/ln on that branch), negligible traces (`sig` = 0)
/// with their log change clipped to ±cap. Returns whether every entry of `dx` is finite (found
/// in the same pass; `vt` is meaningless otherwise).
#[allow(clippy::neg_cmp_op_on_partial_ord)] // `!(d >= -0.5)`: NaN takes the log branch
fn apply_step(v: &[f64], dx: &[f64], alpha: f64, sig: &[f64], cap: f64, vt: &mut [f64]) -> bool {
    let up = cap.exp();
    // Common case first: every α·dx ≥ −½ (no exp/ln), in a branch-free pass; the rest (and
    // NaN, which takes the log branch as before) in a second pass.
    let (mut low, mut finite) = (false, true);
    for (((t, vi), di), si) in vt.iter_mut().zip(v).zip(dx).zip(sig) {
        finite &= di.is_finite();
        let d = alpha * di;
        low |= !(d >= -0.5);
        let g = 1.0 + d;
        let lim = if *si > 0.0 { f64::INFINITY } else { up };
        *t = vi * if g > lim { lim } else { g };
    }
    if low {
        for i in 0..v.len() {
            let d = alpha * dx[i];
            if !(d >= -0.5) {
                let u = log_update(d);
                vt[i] = v[i] * (if sig[i] > 0.0 { u } else { u.max(-cap) }).exp();
            }
        }
    }
    finite
}

/// dst = −r·w elementwise (the right-hand side of a Newton or chord step).
fn neg_scaled(dst: &mut [f64], r: &[f64], w: &[f64]) {
    for ((d, ri), wi) in dst.iter_mut().zip(r).zip(w) {
        *d = -ri * wi;
    }
}

impl Newton {
    fn run(&self, sys: &mut StageSystem<'_>, t0: Instant) -> Solution {
        let (n, nb, dim) = (sys.n, sys.nb, sys.dim());
        let m = sys.c.recycles.len();
        let mr = m * nb;
        let mut v = vec![0.0; dim];
        sys.pack(&mut v);
        let refined = if m > 0 { dim } else { 0 };
        let mut wk = NewtonWork {
            jac: BlockTridiagonal::new(n, nb),
            lu: BandLu::new(n, nb),
            rhs: vec![0.0; refined],
            corr: vec![0.0; refined],
            rec: vec![0.0; m * nb * nb],
            r: vec![0.0; dim],
            w: vec![0.0; dim],
            rt: vec![0.0; dim],
            wt: vec![0.0; dim],
            wl: vec![0.0; dim],
            dx: vec![0.0; dim],
            dbar: Vec::new(),
            vt: vec![0.0; dim],
            z: vec![0.0; mr * dim],
            k0: vec![0.0; mr * mr],
            k: vec![0.0; mr * mr],
            b: vec![0.0; mr],
            // Best iterate so far: a run whose damped steps stay tiny for a few steps in a row
            // is stalled, and leaves the best state behind for the caller's fallback.
            best: v.clone(),
            v,
            sig: vec![1.0; dim],
        };
        let mut status = SolveStatus::MaxIterations;
        let mut iterations = 0;
        let mut best = f64::INFINITY;
        let mut tiny_steps = 0usize;
        let mut best_it = 0usize;
        // `wk.r`, `wk.w` and `res` always hold the residual, the row scales and the scaled
        // residual at `wk.v` (a trial point's, computed into `wk.rt`, `wk.wt` in one pass with
        // the trial's own test, are swapped in when it is accepted); `lu_ok` says the
        // factorisation in `wk.lu` (rows scaled by `wk.wl`) may serve a chord step;
        // `loaded_v` that the loaded state is `wk.v`, `derivs` that the loaded state's
        // derivatives are current (the first load computes them: the first step needs them
        // unless the start has converged already).
        sys.load(&wk.v, true);
        let (mut loaded_v, mut derivs) = (true, true);
        let mut res = sys.residual_scaled(&mut wk.r, &mut wk.w, &wk.wl).0;
        let mut lu_ok = false;
        let mut factorisations = 0usize;
        for it in 0..=self.max_iterations {
            tracing::trace!(iteration = it, residual = res, "newton");
            iterations = it;
            if !res.is_finite() {
                status = SolveStatus::Diverged;
                break;
            }
            if res <= self.tolerance && balances_closed(sys, &wk.r, self.tolerance) {
                status = SolveStatus::Converged;
                break;
            }
            if res < best {
                best = res;
                best_it = it;
                wk.best.copy_from_slice(&wk.v);
            }
            if tiny_steps >= STALL_STEPS || it - best_it >= NO_PROGRESS_STEPS {
                tracing::debug!(iteration = it, residual = res, "newton: no progress");
                status = SolveStatus::Stalled;
                std::mem::swap(&mut wk.v, &mut wk.best);
                loaded_v = false;
                res = best;
                break;
            }
            if it == self.max_iterations {
                break;
            }
            // Chord step (simplified Newton, Deuflhard 2004 §2.1.2): after a full step that
            // cut the residual at least twentyfold (`CHORD_CONTRACTION`), reuse the factorisation
            // while each chord step does too; otherwise refactor at the current point.
            if lu_ok {
                neg_scaled(&mut wk.dx, &wk.r, &wk.wl);
                {
                    let NewtonWork {
                        lu,
                        z,
                        k0,
                        k,
                        b,
                        rec,
                        dx,
                        ..
                    } = &mut wk;
                    newton_solve(sys, dx, lu, z, k0, k, b, rec, nb, dim, mr);
                }
                // (a non-finite correction is not tried: a new factorisation follows)
                if apply_step(&wk.v, &wk.dx, 1.0, &wk.sig, self.max_log_step, &mut wk.vt) {
                    sys.load(&wk.vt, false);
                    (loaded_v, derivs) = (false, false);
                    // the chord's test measures the trial residual with the current scales
                    let (res_t, trial) = sys.residual_scaled(&mut wk.rt, &mut wk.wt, &wk.w);
                    if trial.is_finite() && trial <= CHORD_CONTRACTION * res {
                        tracing::trace!(iteration = it, residual = trial, "newton chord step");
                        std::mem::swap(&mut wk.v, &mut wk.vt);
                        std::mem::swap(&mut wk.r, &mut wk.rt);
                        std::mem::swap(&mut wk.w, &mut wk.wt);
                        res = res_t;
                        loaded_v = true;
                        continue;
                    }
                }
            }
            if !loaded_v {
                sys.load(&wk.v, true);
                (loaded_v, derivs) = (true, true);
            } else if !derivs {
                sys.update_equilibrium(true);
                derivs = true;
            }
            // The factorisation's row scales are those at `wk.v`; `wk.w` is not read again
            // before the accepted trial's scales are swapped into it.
            std::mem::swap(&mut wk.wl, &mut wk.w);
            factorisations += 1;
            sys.jacobian(&wk.wl, &mut wk.jac, &mut wk.rec);
            if self.shift > 0.0 {
                pseudo_transient_shift(sys, &wk.wl, self.shift, &mut wk.jac);
            }
            if let Err(e) = wk.lu.factor_from(&wk.jac) {
                tracing::debug!(stage = e.stage, "newton: singular Jacobian block");
                status = SolveStatus::Stalled;
                break;
            }
            if m > 0 {
                woodbury_prepare(sys, &mut wk, nb, dim, mr);
            }
            neg_scaled(&mut wk.dx, &wk.r, &wk.wl);
            if m > 0 {
                wk.rhs.copy_from_slice(&wk.dx);
            }
            refined_solve(sys, &mut wk, false, nb, dim, mr);
            significance(sys, &mut wk.sig);
            let big = wk.dx.iter().fold(0.0f64, |a, d| a.max(d.abs()));
            if !big.is_finite() {
                status = SolveStatus::Diverged;
                break;
            }
            let ndx = masked_norm2(&wk.dx, &wk.sig);
            // Damping: accept the first step size (halving from the capped full step) that
            // passes Deuflhard's natural monotonicity test: the simplified Newton correction at
            // the trial point, with the same factorisation, shrinks.
            let mut alpha = step_limit(&wk.dx, &wk.sig, self.max_log_step);
            let mut accepted = false;
            let (mut trial, mut res_t) = (f64::INFINITY, f64::INFINITY);
            for _ in 0..=self.max_halvings {
                apply_step(&wk.v, &wk.dx, alpha, &wk.sig, self.max_log_step, &mut wk.vt);
                sys.load(&wk.vt, false);
                (loaded_v, derivs) = (false, false);
                // trial = max |r·w_l| = max |dbar|, the simplified correction's right-hand side
                (res_t, trial) = sys.residual_scaled(&mut wk.rt, &mut wk.wt, &wk.wl);
                // Shortcut: a trial that cuts the scaled residual tenfold is accepted without
                // the (extra solve of the) monotonicity test.
                if trial.is_finite() && trial <= 0.1 * res {
                    accepted = true;
                    break;
                }
                if wk.dbar.is_empty() {
                    wk.dbar = vec![0.0; dim];
                }
                neg_scaled(&mut wk.dbar, &wk.rt, &wk.wl);
                let finite = wk.dbar.iter().all(|x| x.is_finite());
                if finite {
                    refined_solve(sys, &mut wk, true, nb, dim, mr);
                    let nbar = masked_norm2(&wk.dbar, &wk.sig);
                    if nbar.is_finite() && (nbar <= (1.0 - 0.25 * alpha) * ndx || ndx < 1e-10) {
                        accepted = true;
                        break;
                    }
                }
                alpha *= 0.5;
            }
            if !accepted {
                tracing::debug!(iteration = it, residual = res, "newton: damping failed");
                status = SolveStatus::Stalled;
                std::mem::swap(&mut wk.v, &mut wk.best);
                res = best;
                break;
            }
            tracing::trace!(iteration = it, alpha, step = big, "newton step accepted");
            // The contraction of a full step predicts that of chord steps from here on.
            lu_ok = alpha >= 1.0 && trial <= CHORD_CONTRACTION * res;
            if alpha < STALL_ALPHA {
                tiny_steps += 1;
            } else {
                tiny_steps = 0;
            }
            std::mem::swap(&mut wk.v, &mut wk.vt);
            std::mem::swap(&mut wk.r, &mut wk.rt);
            std::mem::swap(&mut wk.w, &mut wk.wt);
            res = res_t;
            loaded_v = true;
        }
        tracing::debug!(
            iterations,
            factorisations,
            residual = res,
            "newton finished"
        );
        // The solution reports the state without the derivative evaluation (as every load
        // without derivatives computes it); a state already loaded that way is not reloaded.
        if !loaded_v || derivs {
            sys.load(&wk.v, false);
        }
        build_solution(
            sys,
            self.name(),
            status,
            iterations,
            res,
            t0.elapsed().as_secs_f64(),
        )
    }
}

/// Recycle correction, part 1 (once per factorisation): Z = T⁻¹U for the unit columns on the
/// receiving stages' rows, and K = I + VᵀZ (J = T + UVᵀ, rank m·n_b).
fn woodbury_prepare(sys: &StageSystem<'_>, wk: &mut NewtonWork, nb: usize, dim: usize, mr: usize) {
    let bs = nb * nb;
    let recs = &sys.c.recycles;
    for (ri, r) in recs.iter().enumerate() {
        for i in 0..nb {
            let col = ri * nb + i;
            let z = &mut wk.z[col * dim..(col + 1) * dim];
            z.fill(0.0);
            z[r.to_stage * nb + i] = 1.0;
            wk.lu.solve(z);
        }
    }
    for (ri, r) in recs.iter().enumerate() {
        let blk = &wk.rec[ri * bs..(ri + 1) * bs];
        let s0 = r.from_stage * nb;
        for i in 0..nb {
            let row = ri * nb + i;
            for col in 0..mr {
                let z = &wk.z[col * dim + s0..col * dim + s0 + nb];
                let mut acc = if row == col { 1.0 } else { 0.0 };
                for p in 0..nb {
                    acc += blk[i * nb + p] * z[p];
                }
                wk.k0[row * mr + col] = acc;
            }
        }
    }
}

/// Solves J x = `wk.rhs` into `wk.dx` (or `wk.dbar` when `bar`), then improves the solution by
/// iterative refinement against the unfactored Jacobian (`wk.jac` plus the recycle blocks).
/// Only with recycles: the pivoted band LU alone is backward stable (on the bench cases the
/// check never found anything to refine and cost a matvec per factorisation), while the
/// Woodbury recycle correction can lose digits and is refined.
fn refined_solve(
    sys: &StageSystem<'_>,
    wk: &mut NewtonWork,
    bar: bool,
    nb: usize,
    dim: usize,
    mr: usize,
) {
    let NewtonWork {
        lu,
        jac,
        rhs,
        corr,
        z,
        k0,
        k,
        b,
        rec,
        dx,
        dbar,
        ..
    } = wk;
    let x: &mut Vec<f64> = if bar { dbar } else { dx };
    newton_solve(sys, x, lu, z, k0, k, b, rec, nb, dim, mr);
    // The monotonicity test only compares norms of the simplified correction: no refinement.
    if bar || mr == 0 {
        return;
    }
    let bnorm = rhs.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let mut last = f64::INFINITY;
    for _ in 0..4 {
        jac.matvec(x, corr);
        let bs = nb * nb;
        for (ri, r) in sys.c.recycles.iter().enumerate() {
            let blk = &rec[ri * bs..(ri + 1) * bs];
            for i in 0..nb {
                let mut acc = 0.0;
                for p in 0..nb {
                    acc += blk[i * nb + p] * x[r.from_stage * nb + p];
                }
                corr[r.to_stage * nb + i] += acc;
            }
        }
        let mut worst: f64 = 0.0;
        for i in 0..dim {
            corr[i] = rhs[i] - corr[i];
            worst = worst.max(corr[i].abs());
        }
        if worst.is_nan() || worst <= 1e-10 * bnorm || worst >= 0.5 * last {
            break;
        }
        last = worst;
        newton_solve(sys, corr, lu, z, k0, k, b, rec, nb, dim, mr);
        for i in 0..dim {
            x[i] += corr[i];
        }
    }
}

/// Solves J x = rhs in place with the block-tridiagonal factors and, if there are recycles,
/// the Woodbury correction x = z − Z (K⁻¹ Vᵀ z).
#[allow(clippy::too_many_arguments)]
fn newton_solve(
    sys: &StageSystem<'_>,
    x: &mut [f64],
    lu: &BandLu,
    zc: &[f64],
    k0: &[f64],
    k: &mut [f64],
    b: &mut [f64],
    rec: &[f64],
    nb: usize,
    dim: usize,
    mr: usize,
) {
    lu.solve(x);
    if mr == 0 {
        return;
    }
    let bs = nb * nb;
    for (ri, r) in sys.c.recycles.iter().enumerate() {
        let blk = &rec[ri * bs..(ri + 1) * bs];
        let s0 = r.from_stage * nb;
        for i in 0..nb {
            let mut acc = 0.0;
            for p in 0..nb {
                acc += blk[i * nb + p] * x[s0 + p];
            }
            b[ri * nb + i] = acc;
        }
    }
    k.copy_from_slice(k0);
    dense_solve(k, b, mr);
    for col in 0..mr {
        let a = b[col];
        if a != 0.0 {
            let z = &zc[col * dim..(col + 1) * dim];
            for (d, zv) in x.iter_mut().zip(z) {
                *d -= a * zv;
            }
        }
    }
}

impl SteadySolver for Newton {
    fn name(&self) -> &'static str {
        "newton"
    }
    fn solve_from(&self, cascade: &Cascade, initial: Option<&StageProfiles>) -> Solution {
        let t0 = Instant::now();
        let mut sys = StageSystem::new(cascade);
        if !initial.is_some_and(|p| load_profiles(&mut sys, p)) {
            initial_state(&mut sys);
            sys.update_equilibrium(false);
            let sub = SuccessiveSubstitution {
                max_iterations: self.initial_sweeps,
                tolerance: self.start_tolerance,
                damping: self.initial_damping,
                anderson_depth: self.anderson_depth,
            };
            let (_it, status, _res) = sub.sweeps(&mut sys, self.initial_sweeps);
            if status == SolveStatus::Diverged {
                initial_state(&mut sys);
            }
            // Fallback: if Newton stalls (an ill-conditioned, far-from-solution start), tighten
            // the start with more substitution sweeps and restart, up to 4 times.
            let mut tol = self.start_tolerance;
            let mut sol = self.run(&mut sys, t0);
            for attempt in 0..4 {
                if sol.status != SolveStatus::Stalled {
                    break;
                }
                tol *= 1e-2;
                tracing::debug!(
                    attempt,
                    start_tolerance = tol,
                    "newton stalled: more substitution sweeps, then restart"
                );
                let sub = SuccessiveSubstitution {
                    max_iterations: self.initial_sweeps,
                    tolerance: tol,
                    damping: self.initial_damping,
                    anderson_depth: self.anderson_depth,
                };
                sys.update_equilibrium(false);
                // (if these sweeps converge, the run below confirms it at its first check)
                sub.sweeps(&mut sys, self.initial_sweeps);
                let iters = sol.iterations;
                sol = self.run(&mut sys, t0);
                sol.iterations += iters;
            }
            return sol;
        } else {
            sys.update_equilibrium(false);
        }
        self.run(&mut sys, t0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_update_is_the_concentration_newton_step_and_c1() {
        // ln(1 + d) above −½: c ← c·(1 + d)
        for d in [-0.5, -0.25, 0.0, 0.3, 2.0, 1e6] {
            assert!((log_update(d) - f64::ln(1.0 + d)).abs() < 1e-15 * (1.0 + d.abs()));
        }
        // continuous and C¹ at −½ (slope 1 / (1 + d) = 2 on both sides)
        let h = 1e-7;
        let left = (log_update(-0.5) - log_update(-0.5 - h)) / h;
        let right = (log_update(-0.5 + h) - log_update(-0.5)) / h;
        assert!((left - 2.0).abs() < 1e-5 && (right - 2.0).abs() < 1e-5);
        // strictly increasing and finite far below −1 (a concentration never turns negative)
        let mut prev = f64::NEG_INFINITY;
        for i in 0..400 {
            let d = -10.0 + 0.05 * f64::from(i);
            let u = log_update(d);
            assert!(u.is_finite() && u > prev);
            prev = u;
        }
        // first order: the update agrees with d to O(d²)
        assert!((log_update(1e-6) - 1e-6).abs() < 1e-12);
    }

    #[test]
    fn balance_test_takes_round_off_but_not_a_real_imbalance() {
        let c = crate::cases::bench_case_a().validate().unwrap();
        let sol = Newton::default().solve(&c);
        let mut sys = StageSystem::new(&c);
        assert!(crate::solution::load_profiles(&mut sys, &sol.profiles));
        sys.update_equilibrium(false);
        let mut r = vec![0.0; sys.dim()];
        sys.residual(&mut r);
        assert!(balances_closed(&sys, &r, 1e-11));
        // one stage off by 1e-11 of the component's feed: above 0.1·tol and above the
        // round-off floor of this 60-stage cascade (~1e-13), so not closed
        let fed = c.total_feed(1);
        r[30 * sys.nb + 1] += 1e-11 * fed;
        assert!(!balances_closed(&sys, &r, 1e-11));
        // a looser tolerance takes it
        assert!(balances_closed(&sys, &r, 1e-9));
    }

    #[test]
    fn step_limit_caps_significant_unknowns_only() {
        let cap = 3.0;
        let dx = [100.0, -10.0, 1e9];
        // the trace (third) does not limit the step
        let sig = [1.0, 1.0, 0.0];
        let a = step_limit(&dx, &sig, cap);
        let mut vt = [0.0; 3];
        apply_step(&[1.0; 3], &dx, a, &sig, cap, &mut vt);
        let lv = vt.map(f64::ln);
        assert!(lv[0] <= cap + 1e-12 && lv[1] >= -cap - 1e-12);
        assert!((lv[0] - cap).abs() < 1e-12 || (lv[1] + cap).abs() < 1e-12);
        // the trace is clipped on its own
        assert!((lv[2] - cap).abs() < 1e-12);
        // a step below −½ continues the log update (eq. 18): never negative, clipped for traces
        let mut vt = [0.0; 2];
        apply_step(&[2.0; 2], &[-10.0; 2], 1.0, &[1.0, 0.0], cap, &mut vt);
        assert!((vt[0] - 2.0 * log_update(-10.0).exp()).abs() < 1e-15 * vt[0].abs().max(1e-300));
        assert!((vt[1] - 2.0 * (-cap).exp()).abs() < 1e-15);
        // small steps are not limited
        assert!((step_limit(&[0.1, -0.2, 0.0], &sig, cap) - 1.0).abs() < 1e-15);
    }
}

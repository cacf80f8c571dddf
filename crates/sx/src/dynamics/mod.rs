//! Dynamic two-outlet cascade: mixer-settler stages with phase holdups, integrated by an
//! error-controlled implicit (backward) Euler method with a block-tridiagonal Newton solve
//! (science page `docs/science/sx.md`, section "Dynamics").
//!
//! # Model
//! Stages `k = 0 … N−1`; the aqueous phase flows 0 → N−1, the organic N−1 → 0. Stages
//! `0 … f−1` form the scrub section, `f … N−1` the extraction section; the feed enters
//! stage `f` (aqueous or organic). The loaded organic leaves stage 0 (product A), the
//! raffinate leaves stage N−1 (product B). A fraction `reflux_organic_end` of the organic
//! product's RE is returned with the scrub aqueous into stage 0 (Xu's reflux W) and a fraction
//! `reflux_aqueous_end` of the raffinate's RE with the fresh organic into stage N−1; both at
//! 1 with the feed off is start-up at total reflux.
//!
//! Each stage is one equilibrium stage whose aqueous and organic holdups (mixer + settler,
//! both treated as well mixed) are in equilibrium at every instant:
//! `d/dt \[V_aq,k c_k + V_org,k φ(c_k)\] = in_k − out_k` (eq. SX-T1), `φ` the equilibrium
//! closure ([`Closure`]).
//!
//! # Integrator
//! Backward Euler, `acc(c⁺) − acc(c) = h f(c⁺)`, solved by Newton with the exact
//! block-tridiagonal Jacobian (block Thomas with dense LU blocks). L-stable, so the fast
//! stage modes (below one residence time) are damped while the slow profile mode
//! (~10⁴ residence times) sets the step. Local error estimated from the difference to a
//! linear extrapolation of the two previous points; steps are accepted when the weighted
//! error ≤ 1. Because the balance is written on the holdups and the boundary fluxes are
//! evaluated at the same `c⁺`, each component's total holdup + cumulative outflow −
//! cumulative inflow is conserved to the Newton tolerance.
//!
//! Why not a crate: see the science page ("Why a hand-written integrator").

mod bdf;
pub mod des_model;
pub mod holdup;

pub use holdup::{Fill, HoldupCascade, Operation, prnd_mass_action_case};

use serde::{Deserialize, Serialize};

use crate::SxError;
use bdf::{Bdf2, ImplicitStages, StepMatrix, newton};

fn invalid(field: &str, value: f64, reason: &str) -> SxError {
    SxError::config(field, value, reason)
}

fn check_nonneg(field: &str, v: f64) -> Result<(), SxError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(invalid(field, v, "must be finite and >= 0"))
    }
}

/// Equilibrium closure `c_org = φ(c_aq)` of one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Closure {
    /// Constant distribution ratios: `c_org,j = D_j c_aq,j` (Kremser-exact).
    Linear {
        /// D_j per component \[-\] (≥ 0).
        d: Vec<f64>,
    },
    /// Competitive (multicomponent) Langmuir loading of a capacity-limited extractant:
    /// `c_org,j = Γ a_j c_j / (1 + Σ_i a_i c_i)` (eq. SX-T2). β_i/j = a_i/a_j exactly; for
    /// `Σ a c ≫ 1` the organic is loaded to Γ (Xu's constant-S picture), for `Σ a c ≪ 1`
    /// it is linear with D_j = Γ a_j.
    CompetitiveLangmuir {
        /// Γ: organic RE capacity \[mol·m⁻³\] (> 0).
        capacity: f64,
        /// a_j: affinity per component \[m³·mol⁻¹\] (≥ 0).
        affinity: Vec<f64>,
    },
}

impl Closure {
    /// Number of components.
    #[must_use]
    pub fn n_components(&self) -> usize {
        match self {
            Self::Linear { d } => d.len(),
            Self::CompetitiveLangmuir { affinity, .. } => affinity.len(),
        }
    }

    fn validate(&self) -> Result<(), SxError> {
        match self {
            Self::Linear { d } => {
                for &x in d {
                    check_nonneg("closure.d", x)?;
                }
            }
            Self::CompetitiveLangmuir { capacity, affinity } => {
                if !(capacity.is_finite() && *capacity > 0.0) {
                    return Err(invalid("closure.capacity", *capacity, "must be > 0"));
                }
                for &x in affinity {
                    check_nonneg("closure.affinity", x)?;
                }
            }
        }
        if self.n_components() == 0 {
            return Err(invalid("closure components", 0.0, "need at least one"));
        }
        Ok(())
    }

    /// `φ(c)` into `out` \[mol·m⁻³\].
    pub(crate) fn phi(&self, c: &[f64], out: &mut [f64]) {
        match self {
            Self::Linear { d } => {
                for j in 0..c.len() {
                    out[j] = d[j] * c[j];
                }
            }
            Self::CompetitiveLangmuir { capacity, affinity } => {
                let den = 1.0 + c.iter().zip(affinity).map(|(x, a)| a * x).sum::<f64>();
                for j in 0..c.len() {
                    out[j] = capacity * affinity[j] * c[j] / den;
                }
            }
        }
    }

    /// `∂φ_j/∂c_i` into `jac` (row-major, `jac\[j*C + i\]`).
    pub(crate) fn jacobian(&self, c: &[f64], jac: &mut [f64]) {
        let nc = c.len();
        jac.iter_mut().for_each(|x| *x = 0.0);
        match self {
            Self::Linear { d } => {
                for j in 0..nc {
                    jac[j * nc + j] = d[j];
                }
            }
            Self::CompetitiveLangmuir { capacity, affinity } => {
                let den = 1.0 + c.iter().zip(affinity).map(|(x, a)| a * x).sum::<f64>();
                for j in 0..nc {
                    for i in 0..nc {
                        let mut v = -capacity * affinity[j] * c[j] * affinity[i] / (den * den);
                        if i == j {
                            v += capacity * affinity[j] / den;
                        }
                        jac[j * nc + i] = v;
                    }
                }
            }
        }
    }
}

pub use crate::design::FeedPhase;

/// Holdups of one mixer-settler stage \[m³\].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageHoldup {
    /// Mixer volume \[m³\]; split between the phases by the nominal flow ratio of the stage.
    pub mixer_volume: f64,
    /// Aqueous volume in the settler \[m³\].
    pub settler_aqueous: f64,
    /// Organic volume in the settler \[m³\].
    pub settler_organic: f64,
}

impl Default for StageHoldup {
    /// 1 m³ mixer, 2 m³ of each phase in the settler: with ~3 m³·h⁻¹ per phase this is a
    /// 20–40 min phase residence per stage, the industrial range of sx-data §6 **(est.)**.
    fn default() -> Self {
        Self {
            mixer_volume: 1.0,
            settler_aqueous: 2.0,
            settler_organic: 2.0,
        }
    }
}

/// Configuration of a two-outlet cascade (see the module docs for the topology).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwoOutletSpec {
    /// N: number of stages \[-\] (≥ 1).
    pub n_stages: usize,
    /// f: 0-based feed stage (scrub section = stages 0…f−1) \[-\] (< N).
    pub feed_stage: usize,
    /// Phase of the feed.
    #[serde(default)]
    pub feed_phase: FeedPhase,
    /// Q_F: feed volumetric flow \[m³·s⁻¹\] (≥ 0).
    pub feed_flow: f64,
    /// c_F: feed concentrations per component \[mol·m⁻³\] (in the feed's phase).
    pub feed_conc: Vec<f64>,
    /// Q_s: scrub aqueous flow into stage 0 \[m³·s⁻¹\] (≥ 0).
    pub scrub_flow: f64,
    /// RE in the fresh scrub liquor per component \[mol·m⁻³\] (usually zero).
    pub scrub_conc: Vec<f64>,
    /// Q_org: fresh organic flow into stage N−1 \[m³·s⁻¹\] (≥ 0).
    pub organic_flow: f64,
    /// RE in the fresh organic per component \[mol·m⁻³\] (usually zero).
    pub organic_conc: Vec<f64>,
    /// r_A: fraction of the organic product's RE refluxed into stage 0's aqueous \[-\], \[0, 1\].
    pub reflux_organic_end: f64,
    /// r_B: fraction of the raffinate's RE refluxed into stage N−1's organic \[-\], \[0, 1\].
    #[serde(default)]
    pub reflux_aqueous_end: f64,
    /// Equilibrium closure (same in every stage).
    pub closure: Closure,
    /// Holdups of every stage.
    #[serde(default)]
    pub holdup: StageHoldup,
}

impl TwoOutletSpec {
    /// Number of components.
    #[must_use]
    pub fn n_components(&self) -> usize {
        self.closure.n_components()
    }

    /// The same cascade at total reflux: feed off, both ends fully refluxed (no products).
    #[must_use]
    pub fn total_reflux(&self) -> Self {
        Self {
            feed_flow: 0.0,
            reflux_organic_end: 1.0,
            reflux_aqueous_end: 1.0,
            ..self.clone()
        }
    }

    /// The same cascade with every flow stopped (an outage: holdups stay, nothing moves).
    #[must_use]
    pub fn stopped(&self) -> Self {
        Self {
            feed_flow: 0.0,
            scrub_flow: 0.0,
            organic_flow: 0.0,
            ..self.clone()
        }
    }

    /// Validate all fields.
    ///
    /// # Errors
    /// [`SxError::Config`] naming the field and value.
    pub fn validate(&self) -> Result<(), SxError> {
        if self.n_stages == 0 {
            return Err(invalid("n_stages", 0.0, "empty cascade"));
        }
        if self.feed_stage >= self.n_stages {
            return Err(invalid(
                "feed_stage",
                self.feed_stage as f64,
                "must be < n_stages",
            ));
        }
        self.closure.validate()?;
        let nc = self.n_components();
        for (name, v) in [
            ("feed_conc", &self.feed_conc),
            ("scrub_conc", &self.scrub_conc),
            ("organic_conc", &self.organic_conc),
        ] {
            if v.len() != nc {
                return Err(invalid(
                    name,
                    v.len() as f64,
                    &format!("length must equal the number of components {nc}"),
                ));
            }
            for &x in v {
                check_nonneg(name, x)?;
            }
        }
        check_nonneg("feed_flow", self.feed_flow)?;
        check_nonneg("scrub_flow", self.scrub_flow)?;
        check_nonneg("organic_flow", self.organic_flow)?;
        for (name, r) in [
            ("reflux_organic_end", self.reflux_organic_end),
            ("reflux_aqueous_end", self.reflux_aqueous_end),
        ] {
            if !(r.is_finite() && (0.0..=1.0).contains(&r)) {
                return Err(invalid(name, r, "must lie in [0, 1]"));
            }
        }
        check_nonneg("holdup.mixer_volume", self.holdup.mixer_volume)?;
        check_nonneg("holdup.settler_aqueous", self.holdup.settler_aqueous)?;
        check_nonneg("holdup.settler_organic", self.holdup.settler_organic)?;
        let (va, vo) = self.holdups();
        for k in 0..self.n_stages {
            if va[k] <= 0.0 {
                return Err(invalid(
                    "aqueous holdup",
                    va[k],
                    "must be > 0 in every stage",
                ));
            }
            let _ = vo[k];
        }
        Ok(())
    }

    /// Aqueous flow leaving each stage \[m³·s⁻¹\].
    pub(crate) fn aqueous_flows(&self) -> Vec<f64> {
        (0..self.n_stages)
            .map(|k| match self.feed_phase {
                FeedPhase::Aqueous if k >= self.feed_stage => self.scrub_flow + self.feed_flow,
                _ => self.scrub_flow,
            })
            .collect()
    }

    /// Organic flow leaving each stage \[m³·s⁻¹\].
    pub(crate) fn organic_flows(&self) -> Vec<f64> {
        (0..self.n_stages)
            .map(|k| match self.feed_phase {
                FeedPhase::Organic if k <= self.feed_stage => self.organic_flow + self.feed_flow,
                _ => self.organic_flow,
            })
            .collect()
    }

    /// Per-stage (aqueous, organic) holdup volumes \[m³\]; the mixer is split by the nominal
    /// flow ratio of the stage (half/half if both flows are zero).
    #[must_use]
    pub fn holdups(&self) -> (Vec<f64>, Vec<f64>) {
        let qa = self.aqueous_flows();
        let qo = self.organic_flows();
        let h = self.holdup;
        let mut va = Vec::with_capacity(self.n_stages);
        let mut vo = Vec::with_capacity(self.n_stages);
        for k in 0..self.n_stages {
            let tot = qa[k] + qo[k];
            let fa = if tot > 0.0 { qa[k] / tot } else { 0.5 };
            va.push(h.mixer_volume * fa + h.settler_aqueous);
            vo.push(h.mixer_volume * (1.0 - fa) + h.settler_organic);
        }
        (va, vo)
    }

    /// External inflow of each component \[mol·s⁻¹\] (feed + scrub liquor + fresh organic).
    #[must_use]
    pub fn inflow(&self) -> Vec<f64> {
        (0..self.n_components())
            .map(|j| {
                self.feed_flow * self.feed_conc[j]
                    + self.scrub_flow * self.scrub_conc[j]
                    + self.organic_flow * self.organic_conc[j]
            })
            .collect()
    }
}

/// Integrator settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegratorConfig {
    /// Relative local-error tolerance \[-\] (default 1e-4).
    pub rtol: f64,
    /// Absolute local-error tolerance \[mol·m⁻³\] (default 1e-6).
    pub atol: f64,
    /// First step \[s\] (default 1).
    pub h_init: f64,
    /// Largest step \[s\] (default 1e7).
    pub h_max: f64,
    /// Newton tolerance on the weighted update \[-\] (default 1e-12).
    pub newton_tol: f64,
    /// Newton iterations per step before the step is cut (default 25).
    pub newton_max_iter: usize,
    /// Step formula (default BDF2).
    #[serde(default)]
    pub method: StepMethod,
}

/// Implicit step formula of [`DynamicCascade`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StepMethod {
    /// Backward Euler (first order, L-stable).
    BackwardEuler,
    /// Variable-step BDF2 (second order, L-stable); backward Euler for the first step after
    /// a start or an operating change.
    #[default]
    Bdf2,
}

impl Default for IntegratorConfig {
    fn default() -> Self {
        Self {
            rtol: 1e-4,
            atol: 1e-6,
            h_init: 1.0,
            h_max: 1e7,
            newton_tol: 1e-12,
            newton_max_iter: 25,
            method: StepMethod::Bdf2,
        }
    }
}

/// Counters of the integration so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IntegratorStats {
    /// Accepted steps.
    pub accepted: usize,
    /// Rejected steps (error test or Newton failure).
    pub rejected: usize,
    /// Newton iterations in total.
    pub newton_iterations: usize,
}

/// Product streams and their quality at the current state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Products {
    /// Organic product (stage 0) component flows \[mol·s⁻¹\].
    pub organic_product: Vec<f64>,
    /// Raffinate (stage N−1) component flows \[mol·s⁻¹\].
    pub raffinate: Vec<f64>,
}

impl Products {
    /// Mole fraction of component `j` in the organic product \[-\] (0 if the stream is empty).
    #[must_use]
    pub fn organic_purity(&self, j: usize) -> f64 {
        frac(&self.organic_product, j)
    }
    /// Mole fraction of component `j` in the raffinate \[-\] (0 if the stream is empty).
    #[must_use]
    pub fn raffinate_purity(&self, j: usize) -> f64 {
        frac(&self.raffinate, j)
    }
}

fn frac(v: &[f64], j: usize) -> f64 {
    let s: f64 = v.iter().sum();
    if s > 0.0 { v[j] / s } else { 0.0 }
}

/// Block-tridiagonal Newton machinery on the stage equations, shared by the dynamic
/// integrator and the steady-state solve used by the design search.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StageSystem {
    pub(crate) spec: TwoOutletSpec,
    qa: Vec<f64>,
    qo: Vec<f64>,
    va: Vec<f64>,
    vo: Vec<f64>,
    inflow: Vec<f64>,
}

impl StageSystem {
    pub(crate) fn new(spec: TwoOutletSpec) -> Result<Self, SxError> {
        spec.validate()?;
        let (va, vo) = spec.holdups();
        Ok(Self {
            qa: spec.aqueous_flows(),
            qo: spec.organic_flows(),
            inflow: spec.inflow(),
            va,
            vo,
            spec,
        })
    }

    /// Same holdups, new flows (an event changes flows, not the vessels).
    fn with_flows(&self, spec: TwoOutletSpec) -> Result<Self, SxError> {
        spec.validate()?;
        Ok(Self {
            qa: spec.aqueous_flows(),
            qo: spec.organic_flows(),
            inflow: spec.inflow(),
            va: self.va.clone(),
            vo: self.vo.clone(),
            spec,
        })
    }

    fn nc(&self) -> usize {
        self.spec.n_components()
    }
    fn ns(&self) -> usize {
        self.spec.n_stages
    }

    /// φ for all stages.
    fn phi_all(&self, c: &[f64]) -> Vec<f64> {
        let nc = self.nc();
        let mut p = vec![0.0; c.len()];
        for k in 0..self.ns() {
            self.spec
                .closure
                .phi(&c[k * nc..(k + 1) * nc], &mut p[k * nc..(k + 1) * nc]);
        }
        p
    }

    /// Holdup \[mol\] per stage and component.
    pub(crate) fn accumulation(&self, c: &[f64]) -> Vec<f64> {
        let nc = self.nc();
        let p = self.phi_all(c);
        (0..c.len())
            .map(|i| self.va[i / nc] * c[i] + self.vo[i / nc] * p[i])
            .collect()
    }

    /// Outflows (organic product, raffinate) \[mol·s⁻¹\] at state `c`.
    pub(crate) fn products(&self, c: &[f64]) -> Products {
        let nc = self.nc();
        let n = self.ns();
        let mut p0 = vec![0.0; nc];
        self.spec.closure.phi(&c[..nc], &mut p0);
        let ra = self.spec.reflux_organic_end;
        let rb = self.spec.reflux_aqueous_end;
        Products {
            organic_product: p0.iter().map(|x| (1.0 - ra) * self.qo[0] * x).collect(),
            raffinate: (0..nc)
                .map(|j| (1.0 - rb) * self.qa[n - 1] * c[(n - 1) * nc + j])
                .collect(),
        }
    }

    /// Net rate f(c) \[mol·s⁻¹\] per stage and component (eq. SX-T1 right-hand side).
    pub(crate) fn rates(&self, c: &[f64]) -> Vec<f64> {
        let nc = self.nc();
        let n = self.ns();
        let s = &self.spec;
        let p = self.phi_all(c);
        let mut f = vec![0.0; c.len()];
        for k in 0..n {
            for j in 0..nc {
                let i = k * nc + j;
                let aq_in = if k == 0 {
                    s.scrub_flow * s.scrub_conc[j] + s.reflux_organic_end * self.qo[0] * p[j]
                } else {
                    self.qa[k - 1] * c[i - nc]
                };
                let org_in = if k == n - 1 {
                    s.organic_flow * s.organic_conc[j]
                        + s.reflux_aqueous_end * self.qa[n - 1] * c[(n - 1) * nc + j]
                } else {
                    self.qo[k + 1] * p[i + nc]
                };
                let feed = if k == s.feed_stage {
                    s.feed_flow * s.feed_conc[j]
                } else {
                    0.0
                };
                f[i] = aq_in + org_in + feed - self.qa[k] * c[i] - self.qo[k] * p[i];
            }
        }
        f
    }

    /// Links outside the tridiagonal band (none: end reflux stays on the diagonal).
    fn matrix(&self) -> StepMatrix {
        StepMatrix::new(self.ns(), self.nc(), Vec::new())
    }
}

/// The stage equations in the aqueous concentrations: `α·(acc(c) − acc_old) − h·f(c) = 0`,
/// Newton with per-component damping (never lose more than 90 % of a concentration per
/// iteration: keeps the Langmuir denominator positive, no negative amounts).
impl ImplicitStages for StageSystem {
    const STALL: f64 = 1e-7;

    fn accumulation(&mut self, u: &[f64], acc: &mut [f64]) {
        acc.copy_from_slice(&StageSystem::accumulation(self, u));
    }

    fn assemble(&mut self, c: &[f64], acc_old: &[f64], alpha: f64, h: f64, mat: &mut StepMatrix) {
        let nc = self.nc();
        let n = self.ns();
        let mut jphi = vec![0.0; nc * nc];
        let acc = StageSystem::accumulation(self, c);
        let f = self.rates(c);
        for i in 0..c.len() {
            mat.rhs[i] = -(alpha * (acc[i] - acc_old[i]) - h * f[i]);
        }
        // blocks of the Jacobian, row-major, into the shared block-tridiagonal solver
        let bs = nc * nc;
        let bt = &mut mat.bt;
        bt.clear();
        let mut jnext = vec![0.0; bs];
        self.spec.closure.jacobian(&c[..nc], &mut jphi);
        for k in 0..n {
            if k + 1 < n {
                self.spec
                    .closure
                    .jacobian(&c[(k + 1) * nc..(k + 2) * nc], &mut jnext);
            }
            let rk = if k == 0 {
                self.spec.reflux_organic_end * self.qo[0]
            } else {
                0.0
            };
            let rbk = if k == n - 1 {
                self.spec.reflux_aqueous_end * self.qa[n - 1]
            } else {
                0.0
            };
            let d = &mut bt.diag[k * bs..(k + 1) * bs];
            for r in 0..nc {
                for q in 0..nc {
                    let jp = jphi[r * nc + q];
                    let id = if r == q { 1.0 } else { 0.0 };
                    // ∂f_k/∂c_k
                    let dfk = -self.qa[k] * id - self.qo[k] * jp + rk * jp + rbk * id;
                    d[r * nc + q] = alpha * (self.va[k] * id + self.vo[k] * jp) - h * dfk;
                    if k > 0 {
                        bt.lower[k * bs + r * nc + q] = -h * self.qa[k - 1] * id;
                    }
                    if k + 1 < n {
                        bt.upper[k * bs + r * nc + q] = -h * self.qo[k + 1] * jnext[r * nc + q];
                    }
                }
            }
            std::mem::swap(&mut jphi, &mut jnext);
        }
    }

    fn apply_update(&self, c: &mut [f64], delta: &[f64], scale: f64) -> f64 {
        let mut wmax: f64 = 0.0;
        for i in 0..c.len() {
            let mut d = delta[i];
            if c[i] + d < 1e-3 * c[i] {
                d = -(1.0 - 1e-3) * c[i];
            }
            wmax = wmax.max(delta[i].abs() / (c[i].abs() + scale));
            c[i] += d;
            if c[i] < 0.0 {
                c[i] = 0.0;
            }
        }
        wmax
    }

    /// Linear extrapolation, clipped at zero.
    fn predict(&self, cur: &[f64], prev: &[f64], h: f64, hp: f64, out: &mut [f64]) {
        for i in 0..out.len() {
            out[i] = (cur[i] + h / hp * (cur[i] - prev[i])).max(0.0);
        }
    }

    fn inflow(&self) -> &[f64] {
        &self.inflow
    }

    fn outflow(&mut self, u: &[f64]) -> Vec<f64> {
        let out = StageSystem::products(self, u);
        out.organic_product
            .iter()
            .zip(&out.raffinate)
            .map(|(a, b)| a + b)
            .collect()
    }

    fn products(&mut self, u: &[f64]) -> Products {
        StageSystem::products(self, u)
    }
}

/// Result of a steady-state solve of a [`TwoOutletSpec`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SteadyState {
    /// Aqueous concentrations, stage-major (`k·C + j`) \[mol·m⁻³\].
    pub conc: Vec<f64>,
    /// Converged to the tolerance.
    pub converged: bool,
    /// Newton iterations in total (continuation steps included).
    pub iterations: usize,
    /// Largest relative balance residual `|f|/(inflow)` at the end \[-\].
    pub residual: f64,
    /// Product streams at the steady state.
    pub products: Products,
}

/// Steady state of a cascade by pseudo-transient continuation: backward-Euler steps on
/// the holdup equations with a step that grows tenfold per converged step, then plain
/// Newton (`α = 0`). Non-convergence is reported in the result, never a panic.
///
/// # Errors
/// [`SxError::Config`] if the spec fails validation.
pub fn steady_state(spec: &TwoOutletSpec, initial: Option<&[f64]>) -> Result<SteadyState, SxError> {
    let mut sys = StageSystem::new(spec.clone())?;
    let mut mat = sys.matrix();
    let nc = sys.nc();
    let n = sys.ns();
    let scale = 1e-12
        * spec
            .feed_conc
            .iter()
            .chain(&spec.scrub_conc)
            .sum::<f64>()
            .max(1e-300);
    let mut c: Vec<f64> = match initial {
        Some(x) if x.len() == n * nc => x.to_vec(),
        _ => {
            // feed composition everywhere, diluted by the flow ratio as a neutral guess
            let qf = spec.feed_flow.max(1e-30);
            let q = (spec.scrub_flow + spec.feed_flow).max(1e-30);
            (0..n * nc)
                .map(|i| (spec.feed_conc[i % nc] * qf / q).max(1e-9))
                .collect()
        }
    };
    let tau = {
        let (va, vo) = (&sys.va, &sys.vo);
        let q = sys
            .qa
            .iter()
            .chain(&sys.qo)
            .cloned()
            .fold(0.0, f64::max)
            .max(1e-30);
        va.iter().zip(vo).map(|(a, b)| a + b).fold(0.0, f64::max) / q
    };
    let mut iters = 0;
    let mut h = tau;
    let mut converged = false;
    let zero = vec![0.0; n * nc];
    if initial.is_some() {
        // warm start: plain Newton first
        let mut trial = c.clone();
        let (ok, it, _) = newton(
            &mut sys, &mut mat, &mut trial, &zero, 0.0, 1.0, 1e-13, 30, scale,
        );
        iters += it;
        if ok {
            let f = sys.rates(&trial);
            let inflow_scale = sys.inflow.iter().cloned().fold(0.0, f64::max).max(1e-300);
            let residual = f.iter().map(|x| x.abs()).fold(0.0, f64::max) / inflow_scale;
            return Ok(SteadyState {
                products: sys.products(&trial),
                conc: trial,
                converged: true,
                iterations: iters,
                residual,
            });
        }
    }
    for _ in 0..60 {
        let acc = sys.accumulation(&c);
        let mut trial = c.clone();
        let (ok, it, _) = newton(
            &mut sys, &mut mat, &mut trial, &acc, 1.0, h, 1e-10, 30, scale,
        );
        iters += it;
        if ok {
            c = trial;
            h *= 10.0;
            if h > 1e14 * tau {
                break;
            }
        } else {
            h *= 0.25;
            if h < 1e-6 * tau {
                break;
            }
        }
    }
    // final plain Newton on f(c) = 0
    let mut trial = c.clone();
    let (ok, it, _) = newton(
        &mut sys, &mut mat, &mut trial, &zero, 0.0, 1.0, 1e-13, 30, scale,
    );
    iters += it;
    if ok {
        c = trial;
        converged = true;
    }
    let f = sys.rates(&c);
    let inflow_scale = sys.inflow.iter().cloned().fold(0.0, f64::max).max(1e-300);
    let residual = f.iter().map(|x| x.abs()).fold(0.0, f64::max) / inflow_scale;
    if !converged {
        tracing::warn!(residual, "cascade steady state did not converge");
    }
    Ok(SteadyState {
        products: sys.products(&c),
        conc: c,
        converged,
        iterations: iters,
        residual,
    })
}

/// Skogestad–Morari estimate of the dominant (slowest) time constant of a two-outlet
/// cascade (Skogestad & Morari, Comput. Chem. Eng. 11 (1987) 607; sx-data §6; eq. SX-T3):
///
/// `τ₁ ≈ M_I / (I_s · ln S_sep)`, `I_s = B·x_B(1 − x_B) + D·y_D(1 − y_D)`,
/// `S_sep = \[y_D/(1 − y_D)\] / \[x_B/(1 − x_B)\]`.
///
/// `holdup` = M_I, total RE holdup of all stages, both phases \[mol\]; `raffinate_flow` = B
/// and `product_flow` = D, RE flows of the raffinate and the organic product \[mol·s⁻¹\];
/// `x_b`, `y_d` = fraction of the *more extractable* component in each \[-\]. Returns \[s\].
/// An order-of-magnitude estimate: the distillation paper's end-holdup terms are absent.
///
/// # Errors
/// [`SxError::Config`] for non-positive flows/holdup, fractions outside (0, 1) or no
/// separation (`S_sep ≤ 1`).
pub fn skogestad_morari_time_constant(
    holdup: f64,
    raffinate_flow: f64,
    x_b: f64,
    product_flow: f64,
    y_d: f64,
) -> Result<f64, SxError> {
    for (name, v) in [
        ("holdup", holdup),
        ("raffinate_flow", raffinate_flow),
        ("product_flow", product_flow),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(invalid(name, v, "must be finite and > 0"));
        }
    }
    for (name, v) in [("x_b", x_b), ("y_d", y_d)] {
        if !(v.is_finite() && v > 0.0 && v < 1.0) {
            return Err(invalid(name, v, "must lie in (0, 1)"));
        }
    }
    let s_sep = (y_d / (1.0 - y_d)) / (x_b / (1.0 - x_b));
    if s_sep <= 1.0 {
        return Err(invalid("S_sep", s_sep, "no separation (must be > 1)"));
    }
    let i_s = raffinate_flow * x_b * (1.0 - x_b) + product_flow * y_d * (1.0 - y_d);
    Ok(holdup / (i_s * s_sep.ln()))
}

/// A dynamic cascade: state, clock and conservation ledger (serde, for checkpoints).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DynamicCascade {
    sys: StageSystem,
    /// Integrator state; `int.u` is the aqueous profile, stage-major.
    int: Bdf2,
    /// Newton matrix (scratch, rebuilt on load).
    #[serde(skip)]
    mat: StepMatrix,
    /// Spec in force before an outage command (restored on resume).
    #[serde(default)]
    pub(crate) before_outage: Option<TwoOutletSpec>,
}

/// Why [`DynamicCascade::advance_until`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum AdvanceOutcome {
    /// Reached the end time without the condition crossing zero.
    ReachedEnd,
    /// The condition crossed zero at the reported time \[s\].
    StateEvent {
        /// Time of the crossing \[s\].
        time: f64,
    },
}

impl DynamicCascade {
    /// A cascade whose every stage starts at aqueous concentrations `initial`
    /// (per component, \[mol·m⁻³\]) in equilibrium with the organic, at time 0.
    ///
    /// # Errors
    /// [`SxError::Config`] for an invalid spec, config or initial vector.
    pub fn new(
        spec: TwoOutletSpec,
        initial: &[f64],
        cfg: IntegratorConfig,
    ) -> Result<Self, SxError> {
        let sys = StageSystem::new(spec)?;
        let nc = sys.nc();
        if initial.len() != nc {
            return Err(invalid(
                "initial",
                initial.len() as f64,
                "length must equal the number of components",
            ));
        }
        for &x in initial {
            check_nonneg("initial", x)?;
        }
        bdf::check_cfg(&cfg)?;
        let c = (0..sys.ns() * nc).map(|i| initial[i % nc]).collect();
        Ok(Self {
            int: Bdf2::new(c, cfg, nc),
            mat: sys.matrix(),
            sys,
            before_outage: None,
        })
    }

    /// Start from a given full profile (stage-major aqueous concentrations \[mol·m⁻³\]).
    ///
    /// # Errors
    /// [`SxError::Config`] if the length is wrong or a value is negative.
    pub fn set_profile(&mut self, conc: &[f64]) -> Result<(), SxError> {
        if conc.len() != self.int.u.len() {
            return Err(invalid("profile", conc.len() as f64, "wrong length"));
        }
        for &x in conc {
            check_nonneg("profile", x)?;
        }
        self.int.u.copy_from_slice(conc);
        self.int.restart_history();
        Ok(())
    }

    /// Current time \[s\].
    #[must_use]
    pub fn time(&self) -> f64 {
        self.int.t
    }
    /// Current aqueous profile, stage-major \[mol·m⁻³\].
    #[must_use]
    pub fn profile(&self) -> &[f64] {
        &self.int.u
    }
    /// The spec in force.
    #[must_use]
    pub fn spec(&self) -> &TwoOutletSpec {
        &self.sys.spec
    }
    /// Integrator counters.
    #[must_use]
    pub fn stats(&self) -> IntegratorStats {
        self.int.stats
    }
    /// Product streams at the current state.
    #[must_use]
    pub fn products(&self) -> Products {
        self.sys.products(&self.int.u)
    }
    /// Total holdup per component \[mol\].
    #[must_use]
    pub fn holdup(&self) -> Vec<f64> {
        let nc = self.sys.nc();
        let acc = self.sys.accumulation(&self.int.u);
        (0..nc)
            .map(|j| acc.iter().skip(j).step_by(nc).sum())
            .collect()
    }
    /// Cumulative external inflow per component since time 0 \[mol\].
    #[must_use]
    pub fn cumulative_in(&self) -> &[f64] {
        &self.int.cum_in
    }
    /// Cumulative outflow (both products) per component since time 0 \[mol\].
    #[must_use]
    pub fn cumulative_out(&self) -> &[f64] {
        &self.int.cum_out
    }

    /// Change the operating spec at the current time (feed, flows, reflux, closure; the
    /// stage count and holdup volumes stay). The integrator restarts its error history.
    ///
    /// # Errors
    /// [`SxError::Config`] if the new spec is invalid or changes the stage/component
    /// count.
    pub fn set_spec(&mut self, spec: TwoOutletSpec) -> Result<(), SxError> {
        if spec.n_stages != self.sys.ns() || spec.n_components() != self.sys.nc() {
            return Err(invalid(
                "n_stages/components",
                spec.n_stages as f64,
                "a running cascade keeps its stages and components",
            ));
        }
        self.sys = self.sys.with_flows(spec)?;
        self.int.operating_change();
        Ok(())
    }

    /// Integrate to `t_end` \[s\] with error control.
    ///
    /// # Errors
    /// [`SxError::Config`] if `t_end` is before the current time;
    /// [`SxError::Config`] with field "step" if the step size underflows (the model
    /// cannot be integrated from this state).
    pub fn advance_to(&mut self, t_end: f64) -> Result<(), SxError> {
        self.advance_until(t_end, |_| 1.0).map(|_| ())
    }

    /// Integrate to `t_end` \[s\], stopping early at the first time the state-event function
    /// `g(products)` changes sign (located by secant iteration to ~1e-6 of the step).
    ///
    /// # Errors
    /// As [`DynamicCascade::advance_to`].
    pub fn advance_until(
        &mut self,
        t_end: f64,
        g: impl Fn(&Products) -> f64,
    ) -> Result<AdvanceOutcome, SxError> {
        if !self.mat.fits(self.sys.ns(), self.sys.nc(), &[]) {
            self.mat = self.sys.matrix();
        }
        self.int
            .advance_until(&mut self.sys, &mut self.mat, t_end, g)
    }
}

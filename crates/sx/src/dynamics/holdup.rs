//! Dynamic cascade on the steady-state topology and equilibrium models: every stage of a
//! validated [`CascadeSpec`] gets its section's aqueous and organic holdups, and the state
//! follows the same stage equations the steady-state solvers solve (eqs. 8–12 of
//! `docs/science/sx.md`), with holdup terms added (section "Dynamics", eqs. SX-T4–T7).
//!
//! Per stage the state is `[c_aq,0 … c_aq,C−1, [H⁺], [(HA)₂]_free]` (the last two only when
//! a section's [`Equilibrium`](crate::Equilibrium) needs acid and extractant, e.g.
//! cation-exchange mass action). Conserved and integrated: every component's holdup
//! `V_aq c_aq + V_org c_org` and the proton holdup `V_aq H_T + V_org P`, where
//! `H_T = [H⁺] + [HSO₄⁻]` is the titratable aqueous acid and `P = −Σ z_j c_org,j` the protons
//! the loaded organic has released (each RE³⁺ extracted moves 3 H⁺ into the aqueous). The free
//! extractant is algebraic: `[(HA)₂]_free + Σ n_j c_org,j = E_T` (extractant balance on the
//! organic holdup). A step is variable-step BDF2 (backward Euler after a start or an operating
//! change) solved by Newton on the logarithms of the state with the analytic
//! block-tridiagonal Jacobian (block size C + 2), so concentrations stay positive.
//!
//! Operating changes keep the holdups: a changed flow or feed changes the stage equations
//! from the current state on; a change of the inert carriers (extractant total E_T or sulfate
//! per stage) re-equilibrates every stage at fixed component and proton holdups, so the
//! conservation ledger is exact across events. Recycles of the spec (part of an outlet
//! returned at fixed flow to a stage in the same phase) are inflows of the outlet stage's
//! composition into the receiving stage: blocks outside the band of the Newton matrix, solved
//! by a Woodbury correction on the block-Thomas factors (eq. SX-T9); the inert carriers close
//! the recycle loops exactly; an outage stops the recycles with every other flow. Sections
//! with a Murphree efficiency E < 1 add the actual organic y of every stage as C more log
//! unknowns with the algebraic rows of eq. 14 (factored by the pivoted band LU). End reflux
//! (the organic product's metal returned to stage 0's aqueous, the raffinate's metal to stage
//! N−1's aqueous) gives start-up at total reflux.

use serde::{Deserialize, Serialize};

use super::bdf::{Bdf2, ImplicitStages, StepMatrix, check_cfg, newton};
use super::{AdvanceOutcome, IntegratorConfig, IntegratorStats, Products};
use crate::SxError;
use crate::equilibrium::{DistributionDerivatives, StageState};
use crate::topology::{Cascade, CascadeSpec, OutletRef, Phase, free_h_from_total};

fn invalid(field: &str, value: f64, reason: &str) -> SxError {
    SxError::config(field, value, reason)
}

/// Largest decrease of a log unknown in one Newton iteration (a factor e² ≈ 7.4).
const MAX_LOG_STEP: f64 = 2.0;

/// Smallest concentration represented \[mol·m⁻³\] (logarithms stay finite).
const FLOOR: f64 = 1e-250;

/// Concentration an empty component is filled with \[mol·m⁻³\] (a trace, 50 decades above
/// [`FLOOR`]).
const FILL_TRACE: f64 = 1e-200;

/// How the stages are filled at time 0 ([`HoldupCascade::filled`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fill {
    /// Aqueous metal concentrations per component \[mol·m⁻³\] (component order of the spec).
    pub aqueous: Vec<f64>,
    /// Titratable acid of the aqueous fill (free H⁺ + HSO₄⁻) \[mol·m⁻³\].
    pub acid: f64,
}

/// Operating state on top of the spec: feeds switched off, end reflux, outage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// Per feed of the spec (same order): whether it runs.
    pub feed_on: Vec<bool>,
    /// Fraction of the loaded organic's metal returned into stage 0's aqueous \[-\], \[0, 1\]
    /// (stripped outside the cascade; the stripping acid is external).
    pub reflux_organic_end: f64,
    /// Fraction of the raffinate's metal returned into stage N−1's aqueous \[-\], \[0, 1\]
    /// (the raffinate end closed for metal; its acid leaves).
    pub reflux_aqueous_end: f64,
    /// Outage: every flow stopped, the holdups stay.
    pub stopped: bool,
}

impl Operation {
    fn normal(n_feeds: usize) -> Self {
        Self {
            feed_on: vec![true; n_feeds],
            reflux_organic_end: 0.0,
            reflux_aqueous_end: 0.0,
            stopped: false,
        }
    }
}

/// A recycle in the runtime arrays: the `phase` outlet of stage `from` returned to stage `to`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Recycle {
    from: usize,
    to: usize,
    phase: Phase,
    /// \[m³·s⁻¹\]
    flow: f64,
}

/// Carrier concentration per stage along one phase's flow direction, with recycle inflows
/// at the tear concentrations `tear` (one per recycle of this phase): `order` is the stage
/// order of the flow, `out`/`pass` the phase flows, `feed` the carrier fed per stage
/// \[mol·s⁻¹\], `keep` the value of a stage without flow.
#[allow(clippy::too_many_arguments)]
fn carrier_sweep(
    order: &[usize],
    out: &[f64],
    pass: &[f64],
    feed: &[f64],
    keep: &dyn Fn(usize) -> f64,
    recs: &[Recycle],
    tear: &[f64],
    conc: &mut [f64],
) {
    let mut carried = 0.0;
    for &k in order {
        let mut inflow = carried + feed[k];
        for (r, t) in recs.iter().zip(tear) {
            if r.to == k {
                inflow += r.flow * t;
            }
        }
        conc[k] = if out[k] > 0.0 {
            inflow / out[k]
        } else {
            keep(k)
        };
        carried = pass[k] * conc[k];
    }
}

/// The carrier profile with the recycles of this phase closed exactly: the sweep is affine
/// in the tear concentrations, so one sweep per recycle gives the linear system for them.
#[allow(clippy::too_many_arguments)]
fn carrier_profile(
    order: &[usize],
    out: &[f64],
    pass: &[f64],
    feed: &[f64],
    keep: &dyn Fn(usize) -> f64,
    recs: &[Recycle],
    field: &str,
) -> Result<Vec<f64>, SxError> {
    let n = out.len();
    let m = recs.len();
    let mut conc = vec![0.0; n];
    if m == 0 {
        carrier_sweep(order, out, pass, feed, keep, recs, &[], &mut conc);
        return Ok(conc);
    }
    let mut tear = vec![0.0; m];
    carrier_sweep(order, out, pass, feed, keep, recs, &tear, &mut conc);
    let base: Vec<f64> = recs.iter().map(|r| conc[r.from]).collect();
    // (I − M) t = base, M[r][s] = ∂ conc[from_r] / ∂ t_s
    let mut a = vec![0.0; m * m];
    for s_ in 0..m {
        tear.fill(0.0);
        tear[s_] = 1.0;
        carrier_sweep(order, out, pass, feed, keep, recs, &tear, &mut conc);
        for (r, rec) in recs.iter().enumerate() {
            a[r * m + s_] = -(conc[rec.from] - base[r]);
        }
    }
    for r in 0..m {
        a[r * m + r] += 1.0;
    }
    let mut piv = vec![0; m];
    let mut t = base;
    if !super::bdf::dense_lu(&mut a, &mut piv, m) {
        return Err(invalid(
            field,
            m as f64,
            "the recycle loop has no through-flow (carrier balance singular)",
        ));
    }
    super::bdf::dense_solve(&a, &piv, m, &mut t);
    carrier_sweep(order, out, pass, feed, keep, recs, &t, &mut conc);
    Ok(conc)
}

/// Runtime arrays derived from (spec, operation).
#[derive(Debug, Clone)]
struct Plant {
    cascade: Cascade,
    n: usize,
    nc: usize,
    nb: usize,
    acid: bool,
    /// Whether some stage has a Murphree efficiency below 1 (then every stage carries its
    /// actual organic y as C extra unknowns at offset `oy`).
    mur: bool,
    /// Offset of y in a stage block (`nc` or `nc + 2`).
    oy: usize,
    /// Murphree efficiency per stage \[-\].
    eff: Vec<f64>,
    /// Organic-feed metal per stage and component \[mol·s⁻¹\].
    feed_org: Vec<f64>,
    z: Vec<f64>,
    nu: Vec<f64>,
    va: Vec<f64>,
    vo: Vec<f64>,
    feed: Vec<f64>,
    feed_proton: Vec<f64>,
    aq_out: Vec<f64>,
    aq_pass: Vec<f64>,
    org_out: Vec<f64>,
    org_pass: Vec<f64>,
    sulfate: Vec<f64>,
    ext_total: Vec<f64>,
    /// (stage, phase, flow \[m³·s⁻¹\]) of each side draw.
    draws: Vec<(usize, Phase, f64)>,
    /// Recycles (flow 0 during an outage).
    recycles: Vec<Recycle>,
    /// Loaded organic leaving the cascade after recycles \[m³·s⁻¹\].
    org_q: f64,
    /// Raffinate leaving the cascade after recycles \[m³·s⁻¹\].
    raff_q: f64,
    r_a: f64,
    r_b: f64,
    /// External inflow per component and (last) protons \[mol·s⁻¹\].
    inflow: Vec<f64>,
}

impl Plant {
    /// Builds the runtime arrays; `prev` supplies the inert carriers where a stage has no
    /// flow of that phase (an outage keeps them).
    fn build(spec: &CascadeSpec, op: &Operation, prev: Option<&Plant>) -> Result<Self, SxError> {
        if op.feed_on.len() != spec.feeds.len() {
            return Err(invalid(
                "operation.feed_on",
                op.feed_on.len() as f64,
                "one entry per feed",
            ));
        }
        for (name, r) in [
            ("reflux_organic_end", op.reflux_organic_end),
            ("reflux_aqueous_end", op.reflux_aqueous_end),
        ] {
            if !(r.is_finite() && (0.0..=1.0).contains(&r)) {
                return Err(invalid(name, r, "must lie in [0, 1]"));
            }
        }
        let cascade = spec.validate()?;
        let n = cascade.n_stages();
        let nc = cascade.n_components();
        let acid = cascade.acid_tracked();
        let mur = cascade.has_murphree();
        let oy = if acid { nc + 2 } else { nc };
        let nb = if mur { oy + nc } else { oy };
        let eff: Vec<f64> = (0..n).map(|k| cascade.murphree_efficiency(k)).collect();
        let mut va = Vec::with_capacity(n);
        let mut vo = Vec::with_capacity(n);
        for (i, s) in spec.sections.iter().enumerate() {
            if s.aqueous_holdup <= 0.0 {
                return Err(invalid(
                    &format!("sections[{i}].aqueous_holdup"),
                    s.aqueous_holdup,
                    "the dynamic cascade needs an aqueous holdup > 0 on every stage",
                ));
            }
            va.extend(std::iter::repeat_n(s.aqueous_holdup, s.stages));
            vo.extend(std::iter::repeat_n(s.organic_holdup, s.stages));
        }
        let z: Vec<f64> = cascade.components.iter().map(|c| c.charge).collect();
        let nu: Vec<f64> = cascade
            .components
            .iter()
            .map(|c| c.extractant_units)
            .collect();
        let idx = |s: &str| cascade.components.iter().position(|c| c.symbol == s);
        let mut feed = vec![0.0; n * nc];
        let mut feed_org = vec![0.0; n * nc];
        let mut feed_proton = vec![0.0; n];
        let mut aq_feed = vec![0.0; n];
        let mut org_feed = vec![0.0; n];
        let mut sulfate_feed = vec![0.0; n];
        let mut ext_feed = vec![0.0; n];
        let run = !op.stopped;
        for (f, &on) in spec.feeds.iter().zip(&op.feed_on) {
            if !(on && run) {
                continue;
            }
            let k = f.stage;
            let mut conc = vec![0.0; nc];
            for (sym, &c) in &f.concentrations {
                conc[idx(sym).expect("validated")] = c;
            }
            if let Some(sap) = &f.saponification {
                conc[idx(&sap.cation).expect("validated")] = sap.degree * 2.0 * f.extractant;
            }
            match f.phase {
                Phase::Aqueous => {
                    aq_feed[k] += f.flow;
                    sulfate_feed[k] += f.flow * f.sulfate;
                    feed_proton[k] += f.flow * f.acid;
                }
                Phase::Organic => {
                    org_feed[k] += f.flow;
                    ext_feed[k] += f.flow * f.extractant;
                    feed_proton[k] -= f.flow * conc.iter().zip(&z).map(|(c, z)| c * z).sum::<f64>();
                }
            }
            for j in 0..nc {
                feed[k * nc + j] += f.flow * conc[j];
                if f.phase == Phase::Organic {
                    feed_org[k * nc + j] += f.flow * conc[j];
                }
            }
        }
        let recycles: Vec<Recycle> = cascade
            .recycles
            .iter()
            .map(|r| Recycle {
                from: r.from_stage,
                to: r.to_stage,
                phase: r.phase,
                flow: if run { r.flow } else { 0.0 },
            })
            .collect();
        for r in &recycles {
            match r.phase {
                Phase::Aqueous => aq_feed[r.to] += r.flow,
                Phase::Organic => org_feed[r.to] += r.flow,
            }
        }
        let mut aq_draw = vec![0.0; n];
        let mut org_draw = vec![0.0; n];
        for d in &spec.draws {
            match d.phase {
                Phase::Aqueous => aq_draw[d.stage] += d.fraction,
                Phase::Organic => org_draw[d.stage] += d.fraction,
            }
        }
        let mut aq_out = vec![0.0; n];
        let mut aq_pass = vec![0.0; n];
        let mut org_out = vec![0.0; n];
        let mut org_pass = vec![0.0; n];
        let mut prev_q = 0.0;
        for k in 0..n {
            aq_out[k] = prev_q + aq_feed[k];
            aq_pass[k] = aq_out[k] * (1.0 - aq_draw[k].min(1.0));
            prev_q = aq_pass[k];
        }
        prev_q = 0.0;
        for k in (0..n).rev() {
            org_out[k] = prev_q + org_feed[k];
            org_pass[k] = org_out[k] * (1.0 - org_draw[k].min(1.0));
            prev_q = org_pass[k];
        }
        // inert carriers: sulfate down the aqueous, extractant up the organic (quasi-steady;
        // a stage without flow keeps its previous value)
        // (recycles: their tear concentrations closed exactly)
        let aq_recs: Vec<Recycle> = recycles
            .iter()
            .filter(|r| r.phase == Phase::Aqueous)
            .copied()
            .collect();
        let org_recs: Vec<Recycle> = recycles
            .iter()
            .filter(|r| r.phase == Phase::Organic)
            .copied()
            .collect();
        let down: Vec<usize> = (0..n).collect();
        let up: Vec<usize> = (0..n).rev().collect();
        let sulfate = carrier_profile(
            &down,
            &aq_out,
            &aq_pass,
            &sulfate_feed,
            &|k| prev.map_or(cascade.sulfate()[k], |p| p.sulfate[k]),
            &aq_recs,
            "recycles (sulfate)",
        )?;
        let ext_total = carrier_profile(
            &up,
            &org_out,
            &org_pass,
            &ext_feed,
            &|k| prev.map_or(cascade.extractant_total()[k], |p| p.ext_total[k]),
            &org_recs,
            "recycles (extractant)",
        )?;
        if acid {
            for (k, e) in ext_total.iter().enumerate() {
                if *e <= 0.0 {
                    return Err(invalid(
                        &format!("stage[{k}].extractant"),
                        *e,
                        "no extractant reaches this stage",
                    ));
                }
            }
        }
        let mut draws = Vec::new();
        for d in &spec.draws {
            let q = match d.phase {
                Phase::Aqueous => aq_out[d.stage],
                Phase::Organic => org_out[d.stage],
            };
            draws.push((d.stage, d.phase, q * d.fraction));
        }
        // outlets after the recycles are taken
        let mut org_q = org_pass[0];
        let mut raff_q = aq_pass[n - 1];
        for (i, r) in spec.recycles.iter().enumerate() {
            let q = recycles[i].flow;
            let left = match &r.from {
                OutletRef::Raffinate => &mut raff_q,
                OutletRef::LoadedOrganic => &mut org_q,
                OutletRef::Draw(name) => {
                    let di = spec
                        .draws
                        .iter()
                        .position(|d| &d.name == name)
                        .expect("validated");
                    &mut draws[di].2
                }
            };
            *left -= q;
            if *left < -1e-12 * q {
                return Err(invalid(
                    &format!("recycles[{i}].flow"),
                    r.flow,
                    "exceeds the flow of its outlet in this operation",
                ));
            }
            *left = left.max(0.0);
        }
        let mut inflow: Vec<f64> = (0..nc)
            .map(|j| (0..n).map(|k| feed[k * nc + j]).sum())
            .collect();
        inflow.push(feed_proton.iter().sum());
        let (r_a, r_b) = if run {
            (op.reflux_organic_end, op.reflux_aqueous_end)
        } else {
            (0.0, 0.0)
        };
        Ok(Self {
            cascade,
            n,
            nc,
            nb,
            acid,
            mur,
            oy,
            eff,
            feed_org,
            z,
            nu,
            va,
            vo,
            feed,
            feed_proton,
            aq_out,
            aq_pass,
            org_out,
            org_pass,
            sulfate,
            ext_total,
            draws,
            recycles,
            org_q,
            raff_q,
            r_a,
            r_b,
            inflow,
        })
    }

    /// Newton matrix storage for this plant.
    fn matrix(&self) -> StepMatrix {
        if self.mur {
            // the Murphree rows make the blocks far from diagonally dominant: block Thomas
            // (pivoting inside blocks only) loses most digits, the band LU pivots across them
            StepMatrix::new_pivoted(self.n, self.nb, self.links())
        } else {
            StepMatrix::new(self.n, self.nb, self.links())
        }
    }

    /// (to, from) stage of every recycle: the Newton matrix blocks outside the band.
    fn links(&self) -> Vec<(usize, usize)> {
        self.recycles.iter().map(|r| (r.to, r.from)).collect()
    }

    fn htot(&self, k: usize, h: f64) -> f64 {
        let s = self.sulfate[k];
        h + s * h / (h + self.cascade.ka())
    }
}

/// Per-stage derived quantities (and their log-derivatives) at a state.
#[derive(Debug, Clone)]
struct Eval {
    /// Actual organic (y* = D x on equilibrium stages, the state y on Murphree cascades).
    y: Vec<f64>,
    dy: Vec<f64>,
    /// Equilibrium organic y* = D x and its log-derivatives (Murphree cascades only).
    ys: Vec<f64>,
    dys: Vec<f64>,
    ht: Vec<f64>,
    dht: Vec<f64>,
    p: Vec<f64>,
    dp: Vec<f64>,
    d: Vec<f64>,
    dlx: Vec<f64>,
    dlh: Vec<f64>,
    dle: Vec<f64>,
}

impl Eval {
    fn new(pl: &Plant) -> Self {
        let (n, nc, nb) = (pl.n, pl.nc, pl.nb);
        Self {
            y: vec![0.0; n * nc],
            dy: vec![0.0; n * nc * nb],
            ys: vec![0.0; if pl.mur { n * nc } else { 0 }],
            dys: vec![0.0; if pl.mur { n * nc * nb } else { 0 }],
            ht: vec![0.0; n],
            dht: vec![0.0; n],
            p: vec![0.0; n],
            dp: vec![0.0; n * nb],
            d: vec![0.0; nc],
            dlx: vec![0.0; nc * nc],
            dlh: vec![0.0; nc],
            dle: vec![0.0; nc],
        }
    }

    /// Equilibrium of every stage at state `u` (concentrations, stage-major blocks of nb).
    fn compute(&mut self, pl: &Plant, u: &[f64], derivs: bool) {
        let (n, nc, nb) = (pl.n, pl.nc, pl.nb);
        for k in 0..n {
            let b = &u[k * nb..(k + 1) * nb];
            let (h, e) = if pl.acid {
                (b[nc], b[nc + 1])
            } else {
                (0.0, 0.0)
            };
            let model = pl.cascade.model(k);
            let state = StageState {
                aqueous: &b[..nc],
                h_plus: h,
                free_extractant: e,
            };
            let comp = model.composition_dependent();
            if derivs {
                self.dlx.fill(0.0);
                let mut der = DistributionDerivatives {
                    d_ln_aqueous: &mut self.dlx,
                    d_ln_h: &mut self.dlh,
                    d_ln_extractant: &mut self.dle,
                };
                model.distribution_derivatives(&state, &mut self.d, &mut der);
            } else {
                model.distribution(&state, &mut self.d);
            }
            for j in 0..nc {
                let yj = self.d[j] * b[j];
                self.y[k * nc + j] = yj;
                if derivs {
                    let row = &mut self.dy[(k * nc + j) * nb..(k * nc + j + 1) * nb];
                    row.fill(0.0);
                    row[j] = yj;
                    if comp {
                        for i in 0..nc {
                            row[i] += yj * self.dlx[j * nc + i];
                        }
                    }
                    if pl.acid {
                        row[nc] = yj * self.dlh[j];
                        row[nc + 1] = yj * self.dle[j];
                    }
                }
            }
            if pl.mur {
                // y* kept aside; the stage's organic is its own unknown y (eq. 14)
                let (a, z) = (k * nc, (k + 1) * nc);
                self.ys[a..z].copy_from_slice(&self.y[a..z]);
                self.y[a..z].copy_from_slice(&b[pl.oy..pl.oy + nc]);
                if derivs {
                    let (a, z) = (a * nb, z * nb);
                    self.dys[a..z].copy_from_slice(&self.dy[a..z]);
                    self.dy[a..z].fill(0.0);
                    for j in 0..nc {
                        self.dy[(k * nc + j) * nb + pl.oy + j] = b[pl.oy + j];
                    }
                }
            }
            if pl.acid {
                let s = pl.sulfate[k];
                let ka = pl.cascade.ka();
                self.ht[k] = pl.htot(k, h);
                self.dht[k] = h * (1.0 + s * ka / ((h + ka) * (h + ka)));
                let mut p = 0.0;
                for j in 0..nc {
                    p -= pl.z[j] * self.y[k * nc + j];
                }
                self.p[k] = p;
                if derivs {
                    let dp = &mut self.dp[k * nb..(k + 1) * nb];
                    dp.fill(0.0);
                    for j in 0..nc {
                        for i in 0..nb {
                            dp[i] -= pl.z[j] * self.dy[(k * nc + j) * nb + i];
                        }
                    }
                }
            }
        }
    }
}

/// The stage equations and their Newton solve.
impl Plant {
    /// Holdups per stage and balanced quantity (components, then protons) \[mol\]; the
    /// closure row carries 0.
    fn accumulation(&self, u: &[f64], ev: &Eval, acc: &mut [f64]) {
        let (nc, nb) = (self.nc, self.nb);
        for k in 0..self.n {
            for j in 0..nc {
                acc[k * nb + j] = self.va[k] * u[k * nb + j] + self.vo[k] * ev.y[k * nc + j];
            }
            if self.acid {
                acc[k * nb + nc] = self.va[k] * ev.ht[k] + self.vo[k] * ev.p[k];
                acc[k * nb + nc + 1] = 0.0;
            }
            if self.mur {
                acc[k * nb + self.oy..(k + 1) * nb].fill(0.0);
            }
        }
    }

    /// Net rates (in − out) \[mol·s⁻¹\] of the balance rows; the closure row gets the
    /// extractant-balance defect \[mol·m⁻³\].
    fn rates(&self, u: &[f64], ev: &Eval, f: &mut [f64]) {
        let (n, nc, nb) = (self.n, self.nc, self.nb);
        for k in 0..n {
            for j in 0..nc {
                let x = |s: usize| u[s * nb + j];
                let y = |s: usize| ev.y[s * nc + j];
                let mut v = self.feed[k * nc + j] - self.aq_out[k] * x(k) - self.org_out[k] * y(k);
                if k > 0 {
                    v += self.aq_pass[k - 1] * x(k - 1);
                }
                if k + 1 < n {
                    v += self.org_pass[k + 1] * y(k + 1);
                }
                if k == 0 {
                    v += self.r_a * self.org_q * y(0);
                }
                if k == n - 1 {
                    v += self.r_b * self.raff_q * x(n - 1);
                }
                f[k * nb + j] = v;
            }
            if self.acid {
                let mut v =
                    self.feed_proton[k] - self.aq_out[k] * ev.ht[k] - self.org_out[k] * ev.p[k];
                if k > 0 {
                    v += self.aq_pass[k - 1] * ev.ht[k - 1];
                }
                if k + 1 < n {
                    v += self.org_pass[k + 1] * ev.p[k + 1];
                }
                f[k * nb + nc] = v;
                let mut b = u[k * nb + nc + 1] - self.ext_total[k];
                for j in 0..nc {
                    b += self.nu[j] * ev.y[k * nc + j];
                }
                f[k * nb + nc + 1] = b;
            }
        }
        // recycles: the outlet's composition into the receiving stage
        for r in &self.recycles {
            let (k, s) = (r.to, r.from);
            for j in 0..nc {
                f[k * nb + j] += r.flow
                    * match r.phase {
                        Phase::Aqueous => u[s * nb + j],
                        Phase::Organic => ev.y[s * nc + j],
                    };
            }
            if self.acid {
                f[k * nb + nc] += r.flow
                    * match r.phase {
                        Phase::Aqueous => ev.ht[s],
                        Phase::Organic => ev.p[s],
                    };
            }
        }
        if self.mur {
            self.murphree_rows(ev, f);
        }
    }

    /// Organic entering stage k per component \[mol·m⁻³\] (eq. 15), `None` without flow.
    fn y_in(&self, ev: &Eval, k: usize, j: usize) -> Option<f64> {
        let q = self.org_out[k];
        if q <= 0.0 {
            return None;
        }
        let nc = self.nc;
        let mut v = self.feed_org[k * nc + j];
        if k + 1 < self.n {
            v += self.org_pass[k + 1] * ev.y[(k + 1) * nc + j];
        }
        for r in &self.recycles {
            if r.to == k && r.phase == Phase::Organic {
                v += r.flow * ev.y[r.from * nc + j];
            }
        }
        Some(v / q)
    }

    /// Murphree closure rows (eq. 14): `y − y_in − E (y* − y_in)` \[mol·m⁻³\]; a stage without
    /// organic flow is at equilibrium (`y − y*`).
    fn murphree_rows(&self, ev: &Eval, f: &mut [f64]) {
        let (nc, nb, oy) = (self.nc, self.nb, self.oy);
        for k in 0..self.n {
            let e = self.eff[k];
            for j in 0..nc {
                let (y, ys) = (ev.y[k * nc + j], ev.ys[k * nc + j]);
                f[k * nb + oy + j] = match self.y_in(ev, k, j) {
                    Some(yin) => y - yin - e * (ys - yin),
                    None => y - ys,
                };
            }
        }
    }

    /// Outflows per component and (last) protons \[mol·s⁻¹\], net of end reflux.
    fn outflow(&self, u: &[f64], ev: &Eval) -> Vec<f64> {
        let (n, nc, nb) = (self.n, self.nc, self.nb);
        let mut out = vec![0.0; nc + 1];
        let last = n - 1;
        for j in 0..nc {
            out[j] += (1.0 - self.r_a) * self.org_q * ev.y[j]
                + (1.0 - self.r_b) * self.raff_q * u[last * nb + j];
        }
        if self.acid {
            out[nc] += self.org_q * ev.p[0] + self.raff_q * ev.ht[last];
        }
        for &(k, ph, q) in &self.draws {
            for j in 0..nc {
                out[j] += q * match ph {
                    Phase::Aqueous => u[k * nb + j],
                    Phase::Organic => ev.y[k * nc + j],
                };
            }
            if self.acid {
                out[nc] += q * match ph {
                    Phase::Aqueous => ev.ht[k],
                    Phase::Organic => ev.p[k],
                };
            }
        }
        out
    }

    /// Products (loaded organic, raffinate) metal flows \[mol·s⁻¹\].
    fn products(&self, u: &[f64], ev: &Eval) -> Products {
        let (n, nc, nb) = (self.n, self.nc, self.nb);
        Products {
            organic_product: (0..nc)
                .map(|j| (1.0 - self.r_a) * self.org_q * ev.y[j])
                .collect(),
            raffinate: (0..nc)
                .map(|j| (1.0 - self.r_b) * self.raff_q * u[(n - 1) * nb + j])
                .collect(),
        }
    }

    /// Residual `ws.g` (unscaled), row scales `ws.w`, the Newton right-hand side `−g·w` in
    /// `mat.rhs` and the row-scaled Jacobian in the log variables in `mat.bt` of
    /// `α·(acc(u) − acc_old) − h·f(u)` (closure rows: `f`).
    fn assemble(
        &self,
        u: &[f64],
        acc_old: &[f64],
        alpha: f64,
        h: f64,
        ws: &mut Work,
        mat: &mut StepMatrix,
    ) {
        let (n, nc, nb) = (self.n, self.nc, self.nb);
        let bs = nb * nb;
        ws.ev.compute(self, u, true);
        self.accumulation(u, &ws.ev, &mut ws.acc);
        self.rates(u, &ws.ev, &mut ws.f);
        let ev = &ws.ev;
        // residual and row scales
        for k in 0..n {
            for r in 0..nb {
                let i = k * nb + r;
                let closure = self.acid && r == nc + 1;
                if self.mur && r >= self.oy {
                    let j = r - self.oy;
                    ws.g[i] = ws.f[i];
                    ws.w[i] = 1.0 / ev.y[k * nc + j].max(ev.ys[k * nc + j]).max(1e-300);
                } else if closure {
                    ws.g[i] = ws.f[i];
                    ws.w[i] = 1.0 / self.ext_total[k];
                } else {
                    ws.g[i] = alpha * (ws.acc[i] - acc_old[i]) - h * ws.f[i];
                    let through = if r < nc {
                        self.aq_out[k] * u[i] + self.org_out[k] * ev.y[k * nc + r]
                    } else {
                        self.aq_out[k] * ev.ht[k]
                            + self.org_out[k] * ev.p[k].abs()
                            + self.feed_proton[k].abs()
                    };
                    let hold = if r < nc {
                        self.va[k] * u[i] + self.vo[k] * ev.y[k * nc + r]
                    } else {
                        self.va[k] * ev.ht[k] + self.vo[k] * ev.p[k].abs()
                    };
                    ws.w[i] = 1.0 / (alpha * hold + h * through).max(1e-300);
                }
            }
        }
        for i in 0..ws.g.len() {
            mat.rhs[i] = -ws.g[i] * ws.w[i];
        }
        // Jacobian blocks (log variables), rows scaled
        let bt = &mut mat.bt;
        bt.clear();
        for k in 0..n {
            let d = &mut bt.diag[k * bs..(k + 1) * bs];
            let last = k == n - 1;
            for j in 0..nc {
                let wr = ws.w[k * nb + j];
                let dyr = &ev.dy[(k * nc + j) * nb..(k * nc + j + 1) * nb];
                let mut og = self.org_out[k];
                if k == 0 {
                    og -= self.r_a * self.org_q;
                }
                for i in 0..nb {
                    d[j * nb + i] = (alpha * self.vo[k] + h * og) * dyr[i] * wr;
                }
                let mut aq = self.aq_out[k];
                if last {
                    aq -= self.r_b * self.raff_q;
                }
                d[j * nb + j] += (alpha * self.va[k] + h * aq) * u[k * nb + j] * wr;
            }
            if self.acid {
                let wr = ws.w[k * nb + nc];
                let dpr = &ev.dp[k * nb..(k + 1) * nb];
                for i in 0..nb {
                    d[nc * nb + i] = (alpha * self.vo[k] + h * self.org_out[k]) * dpr[i] * wr;
                }
                d[nc * nb + nc] += (alpha * self.va[k] + h * self.aq_out[k]) * ev.dht[k] * wr;
                let we = ws.w[k * nb + nc + 1];
                let row = (nc + 1) * nb;
                for i in 0..nb {
                    d[row + i] = 0.0;
                }
                for j in 0..nc {
                    let dyr = &ev.dy[(k * nc + j) * nb..(k * nc + j + 1) * nb];
                    for i in 0..nb {
                        d[row + i] += self.nu[j] * dyr[i] * we;
                    }
                }
                d[row + nc + 1] += u[k * nb + nc + 1] * we;
            }
            if k > 0 {
                let a = self.aq_pass[k - 1];
                let lo = &mut bt.lower[k * bs..(k + 1) * bs];
                for j in 0..nc {
                    lo[j * nb + j] = -h * a * u[(k - 1) * nb + j] * ws.w[k * nb + j];
                }
                if self.acid {
                    lo[nc * nb + nc] = -h * a * ev.dht[k - 1] * ws.w[k * nb + nc];
                }
            }
            if k + 1 < n {
                let o = self.org_pass[k + 1];
                let up = &mut bt.upper[k * bs..(k + 1) * bs];
                for j in 0..nc {
                    let wr = ws.w[k * nb + j];
                    let dyr = &ev.dy[((k + 1) * nc + j) * nb..((k + 1) * nc + j + 1) * nb];
                    for i in 0..nb {
                        up[j * nb + i] = -h * o * dyr[i] * wr;
                    }
                }
                if self.acid {
                    let wr = ws.w[k * nb + nc];
                    let dpr = &ev.dp[(k + 1) * nb..(k + 2) * nb];
                    for i in 0..nb {
                        up[nc * nb + i] = -h * o * dpr[i] * wr;
                    }
                }
            }
        }
        // recycle blocks: rows of the receiving stage, columns of the sending stage
        for (ri, r) in self.recycles.iter().enumerate() {
            let blk = &mut mat.extra[ri * bs..(ri + 1) * bs];
            blk.fill(0.0);
            let (k, s, q) = (r.to, r.from, r.flow);
            for j in 0..nc {
                let wr = ws.w[k * nb + j];
                match r.phase {
                    Phase::Aqueous => blk[j * nb + j] = -h * q * u[s * nb + j] * wr,
                    Phase::Organic => {
                        let dyr = &ev.dy[(s * nc + j) * nb..(s * nc + j + 1) * nb];
                        for i in 0..nb {
                            blk[j * nb + i] = -h * q * dyr[i] * wr;
                        }
                    }
                }
            }
            if self.acid {
                let wr = ws.w[k * nb + nc];
                match r.phase {
                    Phase::Aqueous => blk[nc * nb + nc] = -h * q * ev.dht[s] * wr,
                    Phase::Organic => {
                        let dpr = &ev.dp[s * nb..(s + 1) * nb];
                        for i in 0..nb {
                            blk[nc * nb + i] = -h * q * dpr[i] * wr;
                        }
                    }
                }
            }
        }
        if self.mur {
            self.murphree_jacobian(ev, &ws.w, mat);
        }
    }

    /// Rows of eq. 14 in the log variables (row-scaled by `w`): own y, −E·y* (−y* without
    /// organic flow) on the diagonal, −(1 − E)·∂y_in through the organic from stage k+1 (upper
    /// block) and organic recycles (their blocks).
    fn murphree_jacobian(&self, ev: &Eval, w: &[f64], mat: &mut StepMatrix) {
        let (n, nc, nb, oy) = (self.n, self.nc, self.nb, self.oy);
        let bs = nb * nb;
        for k in 0..n {
            let q = self.org_out[k];
            let e = if q > 0.0 { self.eff[k] } else { 1.0 };
            for j in 0..nc {
                let row = oy + j;
                let wr = w[k * nb + row];
                let d = &mut mat.bt.diag[k * bs..(k + 1) * bs];
                let dys = &ev.dys[(k * nc + j) * nb..(k * nc + j + 1) * nb];
                for i in 0..nb {
                    d[row * nb + i] = -e * dys[i] * wr;
                }
                d[row * nb + oy + j] += ev.y[k * nc + j] * wr;
                if q <= 0.0 || e >= 1.0 {
                    continue;
                }
                let c = -(1.0 - e) / q;
                if k + 1 < n {
                    let o = self.org_pass[k + 1];
                    let dyr = &ev.dy[((k + 1) * nc + j) * nb..((k + 1) * nc + j + 1) * nb];
                    let up = &mut mat.bt.upper[k * bs..(k + 1) * bs];
                    for i in 0..nb {
                        up[row * nb + i] = c * o * dyr[i] * wr;
                    }
                }
                for (ri, r) in self.recycles.iter().enumerate() {
                    if r.to == k && r.phase == Phase::Organic {
                        let dyr = &ev.dy[(r.from * nc + j) * nb..(r.from * nc + j + 1) * nb];
                        let blk = &mut mat.extra[ri * bs..(ri + 1) * bs];
                        for i in 0..nb {
                            blk[row * nb + i] += c * r.flow * dyr[i] * wr;
                        }
                    }
                }
            }
        }
    }
}

/// The runtime arrays and the scratch of the stage equations: the [`ImplicitStages`] of a
/// [`HoldupCascade`] (Newton on ln u).
#[derive(Debug, Clone)]
struct HoldupSys {
    pl: Plant,
    ws: Work,
}

impl ImplicitStages for HoldupSys {
    const STALL: f64 = 1e-9;

    fn accumulation(&mut self, u: &[f64], acc: &mut [f64]) {
        self.ws.ev.compute(&self.pl, u, false);
        self.pl.accumulation(u, &self.ws.ev, acc);
    }

    fn assemble(&mut self, u: &[f64], acc_old: &[f64], alpha: f64, h: f64, mat: &mut StepMatrix) {
        self.pl.assemble(u, acc_old, alpha, h, &mut self.ws, mat);
    }

    /// Increases as the linear Newton step u(1 + Δ) (a component appearing from a trace
    /// arrives in one step), decreases as u·e^Δ with Δ ≥ −MAX_LOG_STEP (stays positive);
    /// the norm is the largest |Δ|.
    fn apply_update(&self, u: &mut [f64], delta: &[f64], _scale: f64) -> f64 {
        let big = delta.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        if !big.is_finite() {
            return big;
        }
        for i in 0..u.len() {
            let d = delta[i];
            u[i] = if d >= 0.0 {
                u[i] * (1.0 + d)
            } else {
                u[i] * d.max(-MAX_LOG_STEP).exp()
            }
            .max(FLOOR);
        }
        big
    }

    /// Extrapolation in the logarithms.
    fn predict(&self, cur: &[f64], prev: &[f64], h: f64, hp: f64, out: &mut [f64]) {
        for i in 0..out.len() {
            let g = (cur[i] / prev[i].max(FLOOR)).ln().clamp(-2.0, 2.0);
            out[i] = cur[i] * (h / hp * g).clamp(-2.0, 2.0).exp();
        }
    }

    fn inflow(&self) -> &[f64] {
        &self.pl.inflow
    }

    fn outflow(&mut self, u: &[f64]) -> Vec<f64> {
        self.ws.ev.compute(&self.pl, u, false);
        self.pl.outflow(u, &self.ws.ev)
    }

    fn products(&mut self, u: &[f64]) -> Products {
        self.ws.ev.compute(&self.pl, u, false);
        self.pl.products(u, &self.ws.ev)
    }
}

/// Scratch of the Newton solve.
#[derive(Debug, Clone)]
struct Work {
    ev: Eval,
    acc: Vec<f64>,
    f: Vec<f64>,
    g: Vec<f64>,
    w: Vec<f64>,
}

impl Work {
    fn new(pl: &Plant) -> Self {
        let m = pl.n * pl.nb;
        Self {
            ev: Eval::new(pl),
            acc: vec![0.0; m],
            f: vec![0.0; m],
            g: vec![0.0; m],
            w: vec![0.0; m],
        }
    }
}

/// Serialised form of [`HoldupCascade`] (the runtime arrays are rebuilt on load).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Saved {
    spec: CascadeSpec,
    op: Operation,
    sulfate: Vec<f64>,
    ext_total: Vec<f64>,
    int: Bdf2,
}

/// A dynamic cascade on the steady-state [`CascadeSpec`] (any section equilibrium model,
/// mass action with loading and the proton balance included). See the module docs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "Saved", into = "Saved")]
pub struct HoldupCascade {
    spec: CascadeSpec,
    op: Operation,
    sys: HoldupSys,
    mat: StepMatrix,
    /// Integrator state; `int.u` holds per stage `[c_aq…, H⁺, (HA)₂ free]`.
    int: Bdf2,
}

impl From<HoldupCascade> for Saved {
    fn from(c: HoldupCascade) -> Self {
        Self {
            sulfate: c.sys.pl.sulfate.clone(),
            ext_total: c.sys.pl.ext_total.clone(),
            spec: c.spec,
            op: c.op,
            int: c.int,
        }
    }
}

impl TryFrom<Saved> for HoldupCascade {
    type Error = SxError;
    fn try_from(s: Saved) -> Result<Self, SxError> {
        check_cfg(&s.int.cfg)?;
        let mut pl = Plant::build(&s.spec, &s.op, None)?;
        if s.sulfate.len() == pl.n && s.ext_total.len() == pl.n {
            pl.sulfate = s.sulfate;
            pl.ext_total = s.ext_total;
        }
        if s.int.u.len() != pl.n * pl.nb {
            return Err(invalid("state", s.int.u.len() as f64, "wrong length"));
        }
        Ok(Self {
            mat: pl.matrix(),
            sys: HoldupSys {
                ws: Work::new(&pl),
                pl,
            },
            spec: s.spec,
            op: s.op,
            int: s.int,
        })
    }
}

impl HoldupCascade {
    fn blank(spec: CascadeSpec, cfg: IntegratorConfig) -> Result<Self, SxError> {
        check_cfg(&cfg)?;
        let op = Operation::normal(spec.feeds.len());
        let pl = Plant::build(&spec, &op, None)?;
        let ncq = pl.nc + 1;
        Ok(Self {
            int: Bdf2::new(vec![0.0; pl.n * pl.nb], cfg, ncq),
            mat: pl.matrix(),
            sys: HoldupSys {
                ws: Work::new(&pl),
                pl,
            },
            spec,
            op,
        })
    }

    /// Every stage filled with the aqueous `fill` and the barren organic of the spec (its
    /// extractant total E_T), then brought to equilibrium at fixed holdups, at time 0.
    ///
    /// # Errors
    /// [`SxError::Config`] for an invalid spec, config or fill;
    /// [`SxError::Config`] with field "fill" if the stage equilibrium cannot be solved.
    pub fn filled(spec: CascadeSpec, fill: &Fill, cfg: IntegratorConfig) -> Result<Self, SxError> {
        let mut me = Self::blank(spec, cfg)?;
        let (n, nc, nb) = (me.sys.pl.n, me.sys.pl.nc, me.sys.pl.nb);
        if fill.aqueous.len() != nc {
            return Err(invalid(
                "fill.aqueous",
                fill.aqueous.len() as f64,
                "length must equal the number of components",
            ));
        }
        for &x in fill.aqueous.iter().chain(std::iter::once(&fill.acid)) {
            if !(x.is_finite() && x >= 0.0) {
                return Err(invalid("fill", x, "must be finite and >= 0"));
            }
        }
        let mut acc = vec![0.0; n * nb];
        for k in 0..n {
            for j in 0..nc {
                // an empty component is filled with a trace far above the representable
                // floor (logarithms stay finite, the trace can still be extracted)
                me.int.u[k * nb + j] = fill.aqueous[j].max(FILL_TRACE);
                acc[k * nb + j] = me.sys.pl.va[k] * fill.aqueous[j].max(FILL_TRACE);
            }
            if me.sys.pl.acid {
                let s = me.sys.pl.sulfate[k];
                me.int.u[k * nb + nc] =
                    free_h_from_total(fill.acid, s, me.sys.pl.cascade.ka()).max(1e-9);
                me.int.u[k * nb + nc + 1] = me.sys.pl.ext_total[k];
                acc[k * nb + nc] = me.sys.pl.va[k] * fill.acid;
            }
        }
        if me.sys.pl.mur {
            // first guess of the organic: in equilibrium with the fill
            let oy = me.sys.pl.oy;
            for k in 0..n {
                for j in 0..nc {
                    me.int.u[k * nb + oy + j] = FILL_TRACE;
                }
            }
            me.sys.ws.ev.compute(&me.sys.pl, &me.int.u, false);
            for k in 0..n {
                for j in 0..nc {
                    me.int.u[k * nb + oy + j] = me.sys.ws.ev.ys[k * nc + j].max(FILL_TRACE);
                }
            }
        }
        me.flash(&acc).map_err(|_| {
            invalid(
                "fill",
                fill.acid,
                "stage equilibrium of the fill did not converge",
            )
        })?;
        Ok(me)
    }

    /// Start from a steady-state profile (e.g. a [`Solution`](crate::Solution)'s
    /// [`StageProfiles`](crate::StageProfiles)): aqueous concentrations per stage and
    /// component \[mol·m⁻³\], free H⁺ and free extractant per stage \[mol·m⁻³\] (ignored when
    /// the acid is not tracked).
    ///
    /// # Errors
    /// [`SxError::Config`] for an invalid spec or config, or profiles of the wrong shape.
    pub fn from_profile(
        spec: CascadeSpec,
        profiles: &crate::StageProfiles,
        cfg: IntegratorConfig,
    ) -> Result<Self, SxError> {
        let mut me = Self::blank(spec, cfg)?;
        let (n, nc, nb) = (me.sys.pl.n, me.sys.pl.nc, me.sys.pl.nb);
        if profiles.aqueous.len() != n
            || profiles.aqueous.iter().any(|r| r.len() != nc)
            || (me.sys.pl.acid
                && (profiles.h_plus.len() != n || profiles.free_extractant.len() != n))
        {
            return Err(invalid(
                "profiles",
                profiles.aqueous.len() as f64,
                "shape must match the cascade (stages × components)",
            ));
        }
        for k in 0..n {
            for j in 0..nc {
                me.int.u[k * nb + j] = profiles.aqueous[k][j].max(FLOOR);
            }
            if me.sys.pl.acid {
                me.int.u[k * nb + nc] = profiles.h_plus[k].max(FLOOR);
                me.int.u[k * nb + nc + 1] = profiles.free_extractant[k].max(FLOOR);
            }
            if me.sys.pl.mur {
                let oy = me.sys.pl.oy;
                for j in 0..nc {
                    me.int.u[k * nb + oy + j] = profiles
                        .organic
                        .get(k)
                        .and_then(|r| r.get(j))
                        .copied()
                        .unwrap_or(FLOOR)
                        .max(FLOOR);
                }
            }
        }
        Ok(me)
    }

    /// Re-solves every stage's equilibrium at the given holdups (no flows); on failure the
    /// state is unchanged.
    fn flash(&mut self, acc: &[f64]) -> Result<(), SxError> {
        self.ensure_matrix();
        let mut u = self.int.u.clone();
        let (ok, it, _) = newton(
            &mut self.sys,
            &mut self.mat,
            &mut u,
            acc,
            1.0,
            0.0,
            1e-13,
            100,
            0.0,
        );
        self.int.stats.newton_iterations += it;
        if !ok {
            return Err(invalid(
                "flash",
                it as f64,
                "stage equilibrium did not converge",
            ));
        }
        self.int.u = u;
        Ok(())
    }

    /// Newton matrix storage matching the plant's recycles.
    fn ensure_matrix(&mut self) {
        let pl = &self.sys.pl;
        if !self.mat.fits(pl.n, pl.nb, &pl.links()) {
            self.mat = pl.matrix();
        }
    }

    /// Current time \[s\].
    #[must_use]
    pub fn time(&self) -> f64 {
        self.int.t
    }
    /// The spec in force (feed flows as configured; see [`HoldupCascade::operation`]).
    #[must_use]
    pub fn spec(&self) -> &CascadeSpec {
        &self.spec
    }
    /// Operating state (feeds on/off, end reflux, outage).
    #[must_use]
    pub fn operation(&self) -> &Operation {
        &self.op
    }
    /// Integrator counters.
    #[must_use]
    pub fn stats(&self) -> IntegratorStats {
        self.int.stats
    }
    /// Number of stages.
    #[must_use]
    pub fn n_stages(&self) -> usize {
        self.sys.pl.n
    }
    /// Number of components.
    #[must_use]
    pub fn n_components(&self) -> usize {
        self.sys.pl.nc
    }
    /// Aqueous concentration of component `j` on stage `k` \[mol·m⁻³\].
    ///
    /// # Panics
    /// If out of range.
    #[must_use]
    pub fn aqueous(&self, k: usize, j: usize) -> f64 {
        assert!(j < self.sys.pl.nc);
        self.int.u[k * self.sys.pl.nb + j]
    }
    /// Free H⁺ on stage `k` \[mol·m⁻³\] (0 when the acid is not tracked).
    ///
    /// # Panics
    /// If out of range.
    #[must_use]
    pub fn h_plus(&self, k: usize) -> f64 {
        assert!(k < self.sys.pl.n);
        if self.sys.pl.acid {
            self.int.u[k * self.sys.pl.nb + self.sys.pl.nc]
        } else {
            0.0
        }
    }
    /// Free extractant dimer on stage `k` \[mol·m⁻³\] (0 when not tracked).
    ///
    /// # Panics
    /// If out of range.
    #[must_use]
    pub fn free_extractant(&self, k: usize) -> f64 {
        assert!(k < self.sys.pl.n);
        if self.sys.pl.acid {
            self.int.u[k * self.sys.pl.nb + self.sys.pl.nc + 1]
        } else {
            0.0
        }
    }
    /// Organic concentrations, stage-major `[k·C + j]` \[mol·m⁻³\].
    #[must_use]
    pub fn organic(&self) -> Vec<f64> {
        let mut ev = Eval::new(&self.sys.pl);
        ev.compute(&self.sys.pl, &self.int.u, false);
        ev.y
    }
    /// Product streams (loaded organic, raffinate) at the current state, net of end reflux.
    #[must_use]
    pub fn products(&self) -> Products {
        let mut ev = Eval::new(&self.sys.pl);
        ev.compute(&self.sys.pl, &self.int.u, false);
        self.sys.pl.products(&self.int.u, &ev)
    }
    /// Total holdup per component and, last, of protons (`V_aq H_T + V_org P`) \[mol\].
    #[must_use]
    pub fn holdup(&self) -> Vec<f64> {
        let mut ev = Eval::new(&self.sys.pl);
        ev.compute(&self.sys.pl, &self.int.u, false);
        let mut acc = vec![0.0; self.int.u.len()];
        self.sys.pl.accumulation(&self.int.u, &ev, &mut acc);
        let (nc, nb) = (self.sys.pl.nc, self.sys.pl.nb);
        let mut out: Vec<f64> = (0..nc)
            .map(|j| acc.iter().skip(j).step_by(nb).sum())
            .collect();
        out.push(if self.sys.pl.acid {
            acc.iter().skip(nc).step_by(nb).sum()
        } else {
            0.0
        });
        out
    }
    /// Cumulative external inflow since time 0, per component and (last) protons \[mol\].
    #[must_use]
    pub fn cumulative_in(&self) -> &[f64] {
        &self.int.cum_in
    }
    /// Cumulative net outflow since time 0, per component and (last) protons \[mol\].
    #[must_use]
    pub fn cumulative_out(&self) -> &[f64] {
        &self.int.cum_out
    }

    /// Changes the operation and/or spec at the current time: same stages, components and
    /// sections; the inert carriers follow the new flows and every stage is re-equilibrated
    /// at its current holdups if they changed. The integrator restarts its history.
    ///
    /// # Errors
    /// [`SxError::Config`] if the new spec is invalid or changes the structure; on error
    /// nothing changes.
    pub fn set_operation(&mut self, spec: CascadeSpec, op: Operation) -> Result<(), SxError> {
        let pl = Plant::build(&spec, &op, Some(&self.sys.pl))?;
        if pl.n != self.sys.pl.n
            || pl.nc != self.sys.pl.nc
            || pl.nb != self.sys.pl.nb
            || pl.va != self.sys.pl.va
            || pl.vo != self.sys.pl.vo
        {
            return Err(invalid(
                "spec",
                pl.n as f64,
                "a running cascade keeps its stages, components and holdups",
            ));
        }
        let carriers_changed =
            pl.sulfate != self.sys.pl.sulfate || pl.ext_total != self.sys.pl.ext_total;
        let mut acc = vec![0.0; self.int.u.len()];
        self.sys.ws.ev.compute(&self.sys.pl, &self.int.u, false);
        self.sys
            .pl
            .accumulation(&self.int.u, &self.sys.ws.ev, &mut acc);
        let old = std::mem::replace(&mut self.sys.pl, pl);
        if carriers_changed && self.sys.pl.acid {
            // keep H_T per stage when the sulfate changes: new free H⁺ first guess
            let nc = self.sys.pl.nc;
            let nb = self.sys.pl.nb;
            for k in 0..self.sys.pl.n {
                let ht = old.htot(k, self.int.u[k * nb + nc]);
                self.int.u[k * nb + nc] =
                    free_h_from_total(ht, self.sys.pl.sulfate[k], self.sys.pl.cascade.ka())
                        .max(FLOOR);
            }
            if let Err(e) = self.flash(&acc) {
                self.sys.pl = old;
                return Err(e);
            }
        }
        self.spec = spec;
        self.op = op;
        self.int.operating_change();
        Ok(())
    }

    /// Switches feed `name` on or off.
    ///
    /// # Errors
    /// [`SxError::Config`] if no feed has that name.
    pub fn set_feed_on(&mut self, name: &str, on: bool) -> Result<(), SxError> {
        let i = self.feed_index(name)?;
        let mut op = self.op.clone();
        op.feed_on[i] = on;
        self.set_operation(self.spec.clone(), op)
    }

    /// Sets the flow of feed `name` \[m³·s⁻¹\]; 0 switches it off, > 0 sets and switches on.
    ///
    /// # Errors
    /// [`SxError::Config`] for an unknown feed or a negative flow.
    pub fn set_feed_flow(&mut self, name: &str, flow: f64) -> Result<(), SxError> {
        let i = self.feed_index(name)?;
        if !(flow.is_finite() && flow >= 0.0) {
            return Err(invalid("flow", flow, "must be finite and >= 0"));
        }
        let mut spec = self.spec.clone();
        let mut op = self.op.clone();
        if flow > 0.0 {
            spec.feeds[i].flow = flow;
        }
        op.feed_on[i] = flow > 0.0;
        self.set_operation(spec, op)
    }

    fn feed_index(&self, name: &str) -> Result<usize, SxError> {
        self.spec
            .feeds
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| SxError::config("feed", name, "no feed of that name"))
    }

    /// Sets the end reflux fractions (see [`Operation`]).
    ///
    /// # Errors
    /// [`SxError::Config`] for fractions outside \[0, 1\].
    pub fn set_end_reflux(&mut self, organic_end: f64, aqueous_end: f64) -> Result<(), SxError> {
        let mut op = self.op.clone();
        op.reflux_organic_end = organic_end;
        op.reflux_aqueous_end = aqueous_end;
        self.set_operation(self.spec.clone(), op)
    }

    /// Start-up at total reflux: the feed named `feed` off and both ends fully refluxed
    /// (scrub liquor and organic keep running).
    ///
    /// # Errors
    /// [`SxError::Config`] if no feed has that name.
    pub fn total_reflux(&mut self, feed: &str) -> Result<(), SxError> {
        let i = self.feed_index(feed)?;
        let mut op = self.op.clone();
        op.feed_on[i] = false;
        op.reflux_organic_end = 1.0;
        op.reflux_aqueous_end = 1.0;
        self.set_operation(self.spec.clone(), op)
    }

    /// Outage (`true`: every flow stops, the holdups stay) or its end (`false`).
    ///
    /// # Errors
    /// Never in practice (the structure is unchanged); kept for symmetry.
    pub fn set_stopped(&mut self, stopped: bool) -> Result<(), SxError> {
        let mut op = self.op.clone();
        op.stopped = stopped;
        self.set_operation(self.spec.clone(), op)
    }

    /// Integrate to `t_end` \[s\] with error control.
    ///
    /// # Errors
    /// As [`DynamicCascade::advance_to`](super::DynamicCascade::advance_to).
    pub fn advance_to(&mut self, t_end: f64) -> Result<(), SxError> {
        self.advance_until(t_end, |_| 1.0).map(|_| ())
    }

    /// Integrate to `t_end` \[s\], stopping at the first sign change of `g(products)`
    /// (located by a secant iteration on the step length to ~1e-6 of the step).
    ///
    /// # Errors
    /// [`SxError::Config`] if `t_end` is before the current time, or with field "step" if
    /// the step size underflows.
    pub fn advance_until(
        &mut self,
        t_end: f64,
        g: impl Fn(&Products) -> f64,
    ) -> Result<AdvanceOutcome, SxError> {
        self.ensure_matrix();
        self.int
            .advance_until(&mut self.sys, &mut self.mat, t_end, g)
    }
}

/// The Pr/Nd fractional extraction on 30 vol % P507 with cation-exchange mass action,
/// loading and the proton balance, used by the `sx_startup` example and the tests:
/// log₁₀ K_ex(Pr) = −1.98 (Wu, Zhang & Bao 2007), Nd/Pr β from `data/separation_factors.csv`
/// (P507, 1.5); `scrub` + `extraction` stages; feed 1e-4 m³·s⁻¹ of 7.5 Pr + 22.5 Nd mol·m⁻³
/// (25/75, issue 4) at 10 mol·m⁻³ HCl to the first extraction stage; scrub liquor 3e-3
/// m³·s⁻¹ of 30 mol·m⁻³ Nd (the Nd reflux) at 15 mol·m⁻³ HCl to stage 0; organic 2.5e-3
/// m³·s⁻¹ at 467.5 mol·m⁻³ dimer to the last stage; 2.5 m³ of each phase per stage (a
/// 13–17 min phase residence, sx-data §6). Flows found by a scan on the steady-state Newton
/// solver (40 + 40 stages: 99.98 % Nd and Pr; see `docs/science/sx.md`, "Dynamics").
///
/// # Panics
/// Never for stage counts ≥ 1 (the P507 Nd/Pr record is embedded).
#[must_use]
pub fn prnd_mass_action_case(scrub_stages: usize, extraction_stages: usize) -> CascadeSpec {
    use crate::component::ComponentSpec;
    use crate::equilibrium::{ComponentLaw, EquilibriumSpec};
    use crate::topology::{FeedSpec, SectionKind, SectionSpec};
    use std::collections::BTreeMap;
    let beta = crate::data::separation_factor("P507", "Nd", "Pr")
        .expect("tabulated")
        .typical;
    let laws: BTreeMap<String, ComponentLaw> = [
        (
            "Pr".to_string(),
            ComponentLaw::MassAction { log10_k: -1.98 },
        ),
        (
            "Nd".to_string(),
            ComponentLaw::MassAction {
                log10_k: -1.98 + beta.log10(),
            },
        ),
    ]
    .into_iter()
    .collect();
    let eq = EquilibriumSpec::PerComponent { laws };
    let section = |name: &str, kind, stages| SectionSpec {
        name: name.into(),
        kind,
        stages,
        equilibrium: eq.clone(),
        aqueous_holdup: 2.5,
        organic_holdup: 2.5,
        murphree_efficiency: 1.0,
    };
    let conc = |pairs: &[(&str, f64)]| -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    let aq = |name: &str, stage, flow, c: BTreeMap<String, f64>, acid| FeedSpec {
        name: name.into(),
        stage,
        phase: Phase::Aqueous,
        flow,
        concentrations: c,
        acid,
        sulfate: 0.0,
        extractant: 0.0,
        saponification: None,
    };
    let n = scrub_stages + extraction_stages;
    CascadeSpec {
        components: vec![ComponentSpec::new("Pr"), ComponentSpec::new("Nd")],
        sections: vec![
            section("scrub", SectionKind::Scrub, scrub_stages),
            section("extraction", SectionKind::Extraction, extraction_stages),
        ],
        feeds: vec![
            aq(
                "feed",
                scrub_stages,
                1e-4,
                conc(&[("Pr", 7.5), ("Nd", 22.5)]),
                10.0,
            ),
            aq("scrub", 0, 3e-3, conc(&[("Nd", 30.0)]), 15.0),
            FeedSpec {
                name: "organic".into(),
                stage: n - 1,
                phase: Phase::Organic,
                flow: 2.5e-3,
                concentrations: BTreeMap::new(),
                acid: 0.0,
                sulfate: 0.0,
                extractant: 467.5,
                saponification: None,
            },
        ],
        draws: vec![],
        recycles: vec![],
        log10_ka_hso4: crate::topology::DEFAULT_LOG10_KA_HSO4,
        entrainment: crate::topology::DEFAULT_ENTRAINMENT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases;
    use crate::topology::DrawSpec;

    /// A 3 + 3 stage cut of case (b) with sulfate (HSO₄⁻ speciation), an aqueous side draw
    /// and end reflux at both ends: every term of the stage equations is exercised.
    fn small_spec() -> CascadeSpec {
        let mut s = cases::bench_case_b();
        s.sections[0].stages = 3;
        s.sections[1].stages = 3;
        s.feeds[0].stage = 3;
        s.feeds[0].sulfate = 300.0;
        s.feeds[2].stage = 5;
        s.draws.push(DrawSpec {
            name: "side".into(),
            stage: 4,
            phase: Phase::Aqueous,
            fraction: 0.2,
        });
        s
    }

    /// The analytic Jacobian of the BDF residual in the log variables against central
    /// finite differences, at a non-equilibrium state, for a step (α, h) and the flash (h = 0).
    #[test]
    fn jacobian_matches_finite_differences() {
        check_jacobian(&small_spec());
    }

    /// The same with an organic recycle (loaded organic to stage 5), an aqueous one (the
    /// side draw to stage 1) and the raffinate to the feed stage: the blocks outside the band.
    #[test]
    fn jacobian_matches_finite_differences_with_recycles() {
        let mut spec = small_spec();
        for (name, from, to, flow) in [
            ("org", OutletRef::LoadedOrganic, 5, 2e-3),
            ("side", OutletRef::Draw("side".into()), 1, 1e-4),
            ("raff", OutletRef::Raffinate, 3, 5e-4),
        ] {
            spec.recycles.push(crate::RecycleSpec {
                name: name.into(),
                from,
                to_stage: to,
                flow,
            });
        }
        check_jacobian(&spec);
    }

    /// The same on a Murphree cascade (E = 0.7 in the scrub, 0.85 in the extraction section)
    /// with the recycles: the rows of eq. 14 and their couplings through y_in.
    #[test]
    fn jacobian_matches_finite_differences_murphree_with_recycles() {
        let mut spec = small_spec();
        spec.sections[0].murphree_efficiency = 0.7;
        spec.sections[1].murphree_efficiency = 0.85;
        spec.recycles.push(crate::RecycleSpec {
            name: "org".into(),
            from: OutletRef::LoadedOrganic,
            to_stage: 2,
            flow: 2e-3,
        });
        spec.recycles.push(crate::RecycleSpec {
            name: "raff".into(),
            from: OutletRef::Raffinate,
            to_stage: 1,
            flow: 5e-4,
        });
        check_jacobian(&spec);
    }

    /// A recycle of flow 0 (refused by the spec's validation, injected here) gives the
    /// trajectory without it bit for bit (the Woodbury correction is skipped exactly).
    #[test]
    fn zero_flow_recycle_is_bit_identical() {
        let spec = small_spec();
        let fill = Fill {
            aqueous: vec![0.0; 6],
            acid: 50.0,
        };
        let mut a = HoldupCascade::filled(spec, &fill, IntegratorConfig::default()).unwrap();
        let mut b = a.clone();
        b.sys.pl.recycles.push(Recycle {
            from: 0,
            to: 5,
            phase: Phase::Organic,
            flow: 0.0,
        });
        b.mat = b.sys.pl.matrix();
        for t in [1e3, 1e4, 1e5] {
            a.advance_to(t).unwrap();
            b.advance_to(t).unwrap();
            assert_eq!(a.int.u, b.int.u);
            assert_eq!(a.int.cum_out, b.int.cum_out);
            assert_eq!(a.int.stats, b.int.stats);
        }
        assert!(b.mat.links.len() == 1 && !b.mat.extra.is_empty());
    }

    fn check_jacobian(spec: &CascadeSpec) {
        let spec = spec.clone();
        let op = Operation {
            feed_on: vec![true; spec.feeds.len()],
            reflux_organic_end: 0.4,
            reflux_aqueous_end: 0.3,
            stopped: false,
        };
        let pl = Plant::build(&spec, &op, None).unwrap();
        let (n, nb) = (pl.n, pl.nb);
        assert_eq!(nb, if pl.mur { 6 + 2 + 6 } else { 6 + 2 });
        let m = n * nb;
        let mut u = vec![0.0; m];
        for k in 0..n {
            for r in 0..nb {
                u[k * nb + r] = 5.0 * (1.3 + ((k * 7 + r * 3) as f64).sin());
            }
            u[k * nb + pl.nc + 1] = 200.0 + 10.0 * k as f64;
        }
        let acc_old: Vec<f64> = (0..m).map(|i| 3.0 + (i as f64).cos()).collect();
        for (alpha, h) in [(1.5, 700.0), (1.0, 0.0)] {
            let mut ws = Work::new(&pl);
            let mut mat = pl.matrix();
            pl.assemble(&u, &acc_old, alpha, h, &mut ws, &mut mat);
            let w = ws.w.clone();
            let bt = mat.bt.clone();
            let extra = mat.extra.clone();
            let bs = nb * nb;
            for col in 0..m {
                let eps: f64 = 1e-5;
                let mut up = u.clone();
                up[col] *= eps.exp();
                pl.assemble(&up, &acc_old, alpha, h, &mut ws, &mut mat);
                let gp = ws.g.clone();
                up[col] = u[col] * (-eps).exp();
                pl.assemble(&up, &acc_old, alpha, h, &mut ws, &mut mat);
                let gm = ws.g.clone();
                let (ks, i) = (col / nb, col % nb);
                for row in 0..m {
                    let fd = (gp[row] - gm[row]) / (2.0 * eps);
                    let (kr, r) = (row / nb, row % nb);
                    let an = if kr == ks {
                        bt.diag[kr * bs + r * nb + i]
                    } else if kr == ks + 1 {
                        bt.lower[kr * bs + r * nb + i]
                    } else if ks == kr + 1 {
                        bt.upper[kr * bs + r * nb + i]
                    } else {
                        0.0
                    };
                    let mut an = an;
                    for (ri, &(to, from)) in mat.links.iter().enumerate() {
                        if (to, from) == (kr, ks) {
                            an += extra[ri * bs + r * nb + i];
                        }
                    }
                    let an = an / w[row];
                    // truncation ~eps² relative, round-off ~1e-16·|g|/eps
                    let roundoff = 1e-14 * gp[row].abs().max(gm[row].abs()) / eps;
                    let scale = fd.abs().max(an.abs()).max(1e-7 / w[row]);
                    assert!(
                        (fd - an).abs() <= 1e-7 * scale + roundoff,
                        "h {h}: row {row} (stage {kr}, eq {r}) col {col} (stage {ks}, var {i}): fd {fd:e} analytic {an:e}"
                    );
                }
            }
        }
    }
}

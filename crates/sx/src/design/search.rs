//! Design search on the rigorous stage-by-stage model: the least-cost integer stage numbers
//! (extraction n, scrub m) and flows (organic flow, scrub reflux) that meet purity targets
//! at both outlets, started from Xu's estimate (science page, section "Design search").
//!
//! For every candidate (n, m) in a window around Xu's estimate the two flows are found by
//! a 2-D Newton root find (finite-difference Jacobian, logit variables) on the two purity
//! specifications, each evaluation a steady state of the competitive-Langmuir cascade
//! ([`crate::dynamics::steady_state`]); the candidate with the least cost per
//! [`CostModel`] wins.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{FeedPhase, XuDesign, XuOperating, XuSpec, xu_design};
use crate::SxError;
use crate::dynamics::{Closure, StageHoldup, SteadyState, TwoOutletSpec, steady_state};

fn default_max_phase_ratio() -> f64 {
    10.0
}

fn invalid(field: &str, value: f64, reason: &str) -> SxError {
    SxError::config(field, value, reason)
}

/// Cost model of a two-outlet cascade per unit time (all **(est.)** defaults, to calibrate).
///
/// `cost rate = N·stage_cost + S·F·(acid_per_re·acid_price + base_per_re·base_price)`
/// (eq. SX-D13): every mol of RE loaded on the organic (S per mol of feed, product plus
/// reflux) is saponified with `base_per_re` mol of base and stripped with `acid_per_re` mol
/// of acid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostModel {
    /// Capital charge + maintenance per installed stage \[currency·s⁻¹\]; default
    /// 50 000 a⁻¹ per stage = 1.585e-3 s⁻¹ **(est.)**.
    pub stage_cost: f64,
    /// Acid price \[currency·mol⁻¹ H⁺\]; default HCl at 0.15 kg⁻¹ = 5.47e-3 mol⁻¹ **(est.)**.
    pub acid_price: f64,
    /// Base price \[currency·mol⁻¹ OH⁻\]; default NaOH at 0.40 kg⁻¹ = 1.6e-2 mol⁻¹ **(est.)**.
    pub base_price: f64,
    /// Acid per mol RE stripped \[mol·mol⁻¹\]; default 3 (RE³⁺, sx-data §3).
    pub acid_per_re: f64,
    /// Base per mol RE loaded (saponification) \[mol·mol⁻¹\]; default 3 (sx-data §3).
    pub base_per_re: f64,
}

impl Default for CostModel {
    fn default() -> Self {
        Self {
            stage_cost: 50_000.0 / (365.25 * 86_400.0),
            acid_price: 0.15 * 0.036_46,
            base_price: 0.40 * 0.039_997,
            acid_per_re: 3.0,
            base_per_re: 3.0,
        }
    }
}

/// A binary (pseudo-binary) design problem for the rigorous search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSpec {
    /// β_A/B \[-\] (> 1).
    pub beta: f64,
    /// f_A: mole fraction of A (more extractable) in the feed RE \[-\].
    pub feed_fraction_a: f64,
    /// Target purity of A in the organic product \[-\].
    pub purity_a: f64,
    /// Target purity of B in the raffinate \[-\].
    pub purity_b: f64,
    /// F: feed RE rate \[mol·s⁻¹\].
    pub feed_re_rate: f64,
    /// Total RE concentration of the aqueous feed \[mol·m⁻³\].
    pub feed_conc: f64,
    /// Γ: organic RE capacity \[mol·m⁻³\] (operating loading, sx-data §3: about half of
    /// saturation; default-like value 150 mol·m⁻³ for 30 % P507).
    pub capacity: f64,
    /// a_B: Langmuir affinity of B \[m³·mol⁻¹\]; a_A = β·a_B.
    pub affinity_b: f64,
    /// Scrub liquor flow as a fraction of the feed flow \[-\] (> 0).
    pub scrub_to_feed: f64,
    /// Stage holdups (used by the continuation that finds steady states).
    #[serde(default)]
    pub holdup: StageHoldup,
    /// Cost model.
    #[serde(default)]
    pub cost: CostModel,
    /// Largest organic-to-aqueous volumetric flow ratio allowed in any section \[-\]
    /// (default 10: 1:10 to 10:1 is the realistic contactor range, sx-data §3); candidates
    /// above it are infeasible.
    #[serde(default = "default_max_phase_ratio")]
    pub max_phase_ratio: f64,
    /// Largest distance of a candidate from Xu's (n, m), per section \[-\] (e.g. 40).
    pub window: usize,
}

/// One rigorous design candidate (all flows at the rigorous steady state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Extraction-section stages \[-\].
    pub n: usize,
    /// Scrub-section stages \[-\].
    pub m: usize,
    /// Organic flow \[m³·s⁻¹\].
    pub organic_flow: f64,
    /// Scrub liquor flow \[m³·s⁻¹\].
    pub scrub_flow: f64,
    /// Fraction of the organic product's RE refluxed as scrub \[-\].
    pub reflux: f64,
    /// S: RE on the loaded organic leaving the scrub end \[mol per mol feed RE\].
    pub s: f64,
    /// W: RE refluxed into the scrub section \[mol per mol feed RE\].
    pub w: f64,
    /// Purity of A in the organic product \[-\].
    pub purity_a: f64,
    /// Purity of B in the raffinate \[-\].
    pub purity_b: f64,
    /// Recovery of A into the organic product \[-\].
    pub recovery_a: f64,
    /// Recovery of B into the raffinate \[-\].
    pub recovery_b: f64,
    /// Acid use \[mol·s⁻¹\].
    pub acid: f64,
    /// Base use \[mol·s⁻¹\].
    pub base: f64,
    /// Cost rate per [`CostModel`] \[currency·s⁻¹\].
    pub cost: f64,
}

/// Outcome of [`search`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// Xu's closed-form estimate.
    pub xu: XuDesign,
    /// Rigorous model at Xu's stage numbers and flows (S, W).
    pub at_xu: Option<Candidate>,
    /// Least stages (n, m) the rigorous model needs at Xu's flows to meet both targets.
    pub stages_at_xu_flows: Option<(usize, usize)>,
    /// Least-cost feasible candidate.
    pub best: Option<Candidate>,
    /// Every feasible candidate evaluated.
    pub candidates: Vec<Candidate>,
    /// Candidates evaluated (feasible or not).
    pub evaluated: usize,
}

impl SearchResult {
    /// Stages the rigorous model adds over Xu's ⌈n⌉ + ⌈m⌉ at Xu's own flows (`None` if not
    /// reached within the window).
    #[must_use]
    pub fn added_stages_at_xu_flows(&self) -> Option<i64> {
        self.stages_at_xu_flows
            .map(|(n, m)| (n + m) as i64 - self.xu.total_stages() as i64)
    }
}

impl SearchSpec {
    fn validate(&self) -> Result<(), SxError> {
        for (name, v) in [
            ("feed_re_rate", self.feed_re_rate),
            ("feed_conc", self.feed_conc),
            ("capacity", self.capacity),
            ("affinity_b", self.affinity_b),
            ("scrub_to_feed", self.scrub_to_feed),
            ("max_phase_ratio", self.max_phase_ratio),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(invalid(name, v, "must be finite and > 0"));
            }
        }
        let c = self.cost;
        for (name, v) in [
            ("cost.stage_cost", c.stage_cost),
            ("cost.acid_price", c.acid_price),
            ("cost.base_price", c.base_price),
            ("cost.acid_per_re", c.acid_per_re),
            ("cost.base_per_re", c.base_per_re),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(name, v, "must be finite and >= 0"));
            }
        }
        Ok(())
    }

    fn xu_spec(&self) -> XuSpec {
        XuSpec {
            beta: self.beta,
            beta_scrub: None,
            feed_fraction_a: self.feed_fraction_a,
            purity_a: self.purity_a,
            purity_b: self.purity_b,
            feed_phase: FeedPhase::Aqueous,
            operating: XuOperating::Optimum,
        }
    }

    fn feed_flow(&self) -> f64 {
        self.feed_re_rate / self.feed_conc
    }

    /// The rigorous cascade for (n, m) at organic flow `qo` and reflux fraction `r`.
    #[must_use]
    pub fn cascade(&self, n: usize, m: usize, qo: f64, r: f64) -> TwoOutletSpec {
        let fa = self.feed_fraction_a;
        TwoOutletSpec {
            n_stages: n + m,
            feed_stage: m,
            feed_phase: FeedPhase::Aqueous,
            feed_flow: self.feed_flow(),
            feed_conc: vec![fa * self.feed_conc, (1.0 - fa) * self.feed_conc],
            scrub_flow: self.scrub_to_feed * self.feed_flow(),
            scrub_conc: vec![0.0, 0.0],
            organic_flow: qo,
            organic_conc: vec![0.0, 0.0],
            reflux_organic_end: r,
            reflux_aqueous_end: 0.0,
            closure: Closure::CompetitiveLangmuir {
                capacity: self.capacity,
                affinity: vec![self.beta * self.affinity_b, self.affinity_b],
            },
            holdup: self.holdup,
        }
    }

    fn candidate(&self, n: usize, m: usize, qo: f64, r: f64, ss: &SteadyState) -> Candidate {
        let f = self.feed_re_rate;
        let p = &ss.products;
        let prod: f64 = p.organic_product.iter().sum();
        let s_total = if r < 1.0 { prod / (1.0 - r) } else { 0.0 };
        let fa = self.feed_fraction_a;
        let acid = self.cost.acid_per_re * s_total;
        let base = self.cost.base_per_re * s_total;
        Candidate {
            n,
            m,
            organic_flow: qo,
            scrub_flow: self.scrub_to_feed * self.feed_flow(),
            reflux: r,
            s: s_total / f,
            w: r * s_total / f,
            purity_a: p.organic_purity(0),
            purity_b: p.raffinate_purity(1),
            recovery_a: p.organic_product[0] / (fa * f),
            recovery_b: p.raffinate[1] / ((1.0 - fa) * f),
            acid,
            base,
            cost: (n + m) as f64 * self.cost.stage_cost
                + acid * self.cost.acid_price
                + base * self.cost.base_price,
        }
    }
}

/// Solved flows of one (n, m): search variables and cost rate.
type Solved = ([f64; 2], f64);

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).ln()
}

/// Evaluate the rigorous cascade; `None` if the steady state did not converge.
fn evaluate(
    spec: &SearchSpec,
    n: usize,
    m: usize,
    qo: f64,
    r: f64,
    warm: Option<&[f64]>,
) -> Option<(SteadyState, [f64; 2])> {
    let cs = spec.cascade(n, m, qo, r);
    let ss = steady_state(&cs, warm).ok()?;
    if !ss.converged {
        return None;
    }
    let g = [
        logit(ss.products.organic_purity(0)) - logit(spec.purity_a),
        logit(ss.products.raffinate_purity(1)) - logit(spec.purity_b),
    ];
    Some((ss, g))
}

/// Map the search variables (ln W_nom, ln θ_nom) — nominal reflux and cut [mol per mol
/// feed RE] on a saturated organic — to (Q_org \[m³·s⁻¹\], r \[-\]).
fn to_flows(spec: &SearchSpec, x: [f64; 2]) -> (f64, f64) {
    let w = x[0].exp();
    let cut = x[1].exp();
    let s = w + cut;
    (s * spec.feed_re_rate / spec.capacity, w / s)
}

/// Find (Q_org, r) meeting both purity targets for fixed (n, m) by a damped 2-D Newton in
/// (ln W_nom, ln θ_nom) with a finite-difference Jacobian; `None` if it does not converge
/// (treated as infeasible).
fn solve_flows(
    spec: &SearchSpec,
    n: usize,
    m: usize,
    x0: [f64; 2],
) -> Option<([f64; 2], SteadyState)> {
    let mut x = x0;
    let (q, r) = to_flows(spec, x);
    let (mut ss, mut g) = evaluate(spec, n, m, q, r, None)?;
    for _ in 0..40 {
        let g0 = g[0].abs().max(g[1].abs());
        if g0 < 1e-6 {
            return Some((x, ss));
        }
        let mut jac = [[0.0; 2]; 2];
        let hstep = 1e-6;
        for k in 0..2 {
            let mut xp = x;
            xp[k] += hstep;
            let (qp, rp) = to_flows(spec, xp);
            let (_, gp) = evaluate(spec, n, m, qp, rp, Some(&ss.conc))?;
            jac[0][k] = (gp[0] - g[0]) / hstep;
            jac[1][k] = (gp[1] - g[1]) / hstep;
        }
        let det = jac[0][0] * jac[1][1] - jac[0][1] * jac[1][0];
        if !det.is_finite() || det.abs() < 1e-300 {
            return None;
        }
        let mut d = [
            -(jac[1][1] * g[0] - jac[0][1] * g[1]) / det,
            -(-jac[1][0] * g[0] + jac[0][0] * g[1]) / det,
        ];
        // trust region: at most a factor e per iteration in W or the cut
        let norm = d[0].abs().max(d[1].abs() * 20.0);
        if norm > 1.0 {
            d = [d[0] / norm, d[1] / norm];
        }
        let mut lam = 1.0;
        let mut accepted = false;
        for _ in 0..10 {
            let xt = [x[0] + lam * d[0], x[1] + lam * d[1]];
            let (qt, rt) = to_flows(spec, xt);
            let trial = evaluate(spec, n, m, qt, rt, Some(&ss.conc))
                .or_else(|| evaluate(spec, n, m, qt, rt, None));
            if let Some((st, gt)) = trial
                && gt[0].abs().max(gt[1].abs()) < (1.0 - 1e-4 * lam) * g0
            {
                x = xt;
                ss = st;
                g = gt;
                accepted = true;
                break;
            }
            lam *= 0.5;
        }
        if !accepted {
            tracing::debug!(n, m, ?g, "design search: flows not found");
            return None;
        }
    }
    None
}

/// Rigorous design search (see the module docs).
///
/// # Errors
/// [`SxError::Config`] for an invalid spec (including everything [`xu_design`]
/// rejects).
pub fn search(spec: &SearchSpec) -> Result<SearchResult, SxError> {
    spec.validate()?;
    let xu = xu_design(&spec.xu_spec())?;
    let f = spec.feed_re_rate;
    // Xu's flows in the rigorous model: reflux fraction r = W/S, and the organic flow
    // adjusted (fixed point) until the RE on the organic leaving the scrub end equals Xu's S,
    // so the product split is exactly Xu's f′_A (purities are very sensitive to the cut).
    let r_xu = xu.w / xu.s;
    let qo_nominal = xu.s * f / spec.capacity;
    let eval_at = |n: usize, m: usize| -> Option<(f64, Candidate)> {
        let mut qo = qo_nominal;
        let mut warm: Option<Vec<f64>> = None;
        for _ in 0..30 {
            let (ss, _) = evaluate(spec, n, m, qo, r_xu, warm.as_deref())?;
            let c = spec.candidate(n, m, qo, r_xu, &ss);
            let ratio = xu.s / c.s;
            if (ratio - 1.0).abs() < 1e-11 {
                return Some((qo, c));
            }
            qo *= ratio;
            warm = Some(ss.conc);
        }
        None
    };
    let (n0, m0) = (xu.n_extraction_stages, xu.m_scrub_stages);
    let at_xu = eval_at(n0, m0);
    let at_xu = at_xu.map(|(_, c)| c);
    // least stages at Xu's flows: grow the section whose product is off-spec; stop at a
    // pinch (no progress) or the window
    let mut stages_at_xu_flows = None;
    let (mut n, mut m) = (n0, m0);
    let mut last_gap = f64::INFINITY;
    while n <= n0 + spec.window && m <= m0 + spec.window {
        let Some((_, c)) = eval_at(n, m) else { break };
        let ok_a = c.purity_a >= spec.purity_a;
        let ok_b = c.purity_b >= spec.purity_b;
        if ok_a && ok_b {
            stages_at_xu_flows = Some((n, m));
            break;
        }
        let gap = (spec.purity_a - c.purity_a).max(0.0) + (spec.purity_b - c.purity_b).max(0.0);
        if gap > 0.999 * last_gap {
            break;
        }
        last_gap = gap;
        if !ok_b {
            n += 1;
        }
        if !ok_a {
            m += 1;
        }
    }
    // least-cost local search from Xu's estimate: move to the cheapest feasible neighbour
    // (n ± 1, m ± 1) until no neighbour is cheaper; every solve warm-started from the
    // current point's flows. Cost is unimodal in (n, m) in practice (stages vs reflux).
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut seen: BTreeMap<(usize, usize), Option<Solved>> = BTreeMap::new();
    let x_xu = [xu.w.ln(), xu.product_a.ln()];
    let in_window = |n: usize, m: usize| {
        n >= 1 && m >= 1 && n.abs_diff(n0) <= spec.window && m.abs_diff(m0) <= spec.window
    };
    let mut visit = |n: usize, m: usize, guess: [f64; 2], candidates: &mut Vec<Candidate>| {
        if let Some(v) = seen.get(&(n, m)) {
            return *v;
        }
        let found = solve_flows(spec, n, m, guess).or_else(|| solve_flows(spec, n, m, x_xu));
        let v = found.and_then(|(x, ss)| {
            let (qo, r) = to_flows(spec, x);
            let c = spec.candidate(n, m, qo, r, &ss);
            // the scrub section has the smallest aqueous flow: it sets the largest O/A
            if qo / c.scrub_flow > spec.max_phase_ratio {
                return None;
            }
            let cost = c.cost;
            candidates.push(c);
            Some((x, cost))
        });
        seen.insert((n, m), v);
        v
    };
    // start: Xu's point, or the first feasible point along the diagonal above it
    let mut cur = None;
    for k in 0..=spec.window {
        if let Some((x, cost)) = visit(n0 + k, m0 + k, x_xu, &mut candidates) {
            cur = Some(((n0 + k, m0 + k), x, cost));
            break;
        }
    }
    while let Some(((n, m), x, cost)) = cur {
        let mut best_nb = None;
        for (dn, dm) in [
            (1i64, 0i64),
            (-1, 0),
            (0, 1),
            (0, -1),
            (1, 1),
            (-1, -1),
            (1, -1),
            (-1, 1),
        ] {
            let (nn, mm) = (n as i64 + dn, m as i64 + dm);
            if nn < 1 || mm < 1 || !in_window(nn as usize, mm as usize) {
                continue;
            }
            let (nn, mm) = (nn as usize, mm as usize);
            if let Some((xn, cn)) = visit(nn, mm, x, &mut candidates)
                && cn < cost
                && best_nb.is_none_or(|(_, _, c)| cn < c)
            {
                best_nb = Some(((nn, mm), xn, cn));
            }
        }
        match best_nb {
            Some(nb) => cur = Some(nb),
            None => break,
        }
    }
    let evaluated = seen.len();
    let best = candidates
        .iter()
        .min_by(|a, b| a.cost.total_cmp(&b.cost))
        .cloned();
    Ok(SearchResult {
        xu,
        at_xu,
        stages_at_xu_flows,
        best,
        candidates,
        evaluated,
    })
}

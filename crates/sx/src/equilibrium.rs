//! Equilibrium models: distribution ratios D_j = c_org,j / c_aq,j of every component on a stage.
//!
//! All models implement [`Equilibrium`], which returns D and its logarithmic derivatives with
//! respect to the stage unknowns (ln c_aq,i, ln [H⁺], ln [(HA)₂]_free) so Newton can build an
//! analytic Jacobian. Configuration is the serde enum [`EquilibriumSpec`], selectable per
//! section. Equations: `docs/science/sx.md` §2, eqs. (1)–(7).
//!
//! Concentration basis: the stage state carries SI concentrations [mol·m⁻³]; the mass-action
//! and correlation constants are on the molar basis [mol·L⁻¹] used in the literature (1 mol·L⁻¹ =
//! 1000 mol·m⁻³), converted inside the model.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::SxError;
use crate::component::Component;

/// Molar concentration conversion: [mol·m⁻³] per [mol·L⁻¹].
pub const MOL_PER_M3_PER_MOLAR: f64 = 1000.0;

/// Stage state an equilibrium model reads.
#[derive(Debug, Clone, Copy)]
pub struct StageState<'a> {
    /// Aqueous concentrations c_aq,j [mol·m⁻³], one per component.
    pub aqueous: &'a [f64],
    /// Free H⁺ in the aqueous phase [mol·m⁻³].
    pub h_plus: f64,
    /// Free extractant (dimer (HA)₂ not bound to a metal) in the organic phase [mol·m⁻³].
    pub free_extractant: f64,
}

/// Logarithmic derivatives of the distribution ratios, written by
/// [`Equilibrium::distribution_derivatives`].
#[derive(Debug)]
pub struct DistributionDerivatives<'a> {
    /// ∂ln D_j/∂ln c_aq,i at `[j * n + i]` (n components); written only if
    /// [`Equilibrium::composition_dependent`] (the caller zeroes it otherwise).
    pub d_ln_aqueous: &'a mut [f64],
    /// ∂ln D_j/∂ln [H⁺] per component.
    pub d_ln_h: &'a mut [f64],
    /// ∂ln D_j/∂ln [(HA)₂]_free per component.
    pub d_ln_extractant: &'a mut [f64],
}

/// A stage equilibrium model.
///
/// Implementations must be pure (no state, no RNG) and return finite positive D for any finite
/// positive stage state.
pub trait Equilibrium: fmt::Debug + Send + Sync {
    /// Number of components the model covers.
    fn n_components(&self) -> usize;
    /// Whether D depends on acidity or free extractant, so the stage system must carry the
    /// proton balance and the free-extractant closure.
    fn needs_acid_and_extractant(&self) -> bool;
    /// Whether D depends on the aqueous composition.
    fn composition_dependent(&self) -> bool;
    /// Whether D is the same constant on every stage state (Kremser-exact solver applies).
    fn is_constant(&self) -> bool {
        !self.composition_dependent() && !self.needs_acid_and_extractant()
    }
    /// Total metal loading of the organic [mol·m⁻³] if the model fixes it (a saturated organic,
    /// Σ_j c_org,j = Y on every stage state), else `None`. Successive substitution uses it to
    /// normalise the aqueous profile (Wang–Henke analogue).
    fn organic_saturation(&self) -> Option<f64> {
        None
    }
    /// Separation factors β_j [-] if the model's D is β_j times one factor of the stage state
    /// (D_j = β_j f, e.g. a saturated organic at constant β), else `None`. Successive
    /// substitution then iterates on ln f per stage instead of ln D per component.
    fn separation_factors(&self) -> Option<&[f64]> {
        None
    }
    /// Writes D_j [-] into `d`.
    fn distribution(&self, state: &StageState<'_>, d: &mut [f64]);
    /// Writes D [-] of consecutive stages that share this model: `aqueous` and `d` hold
    /// n × C values stage by stage, `h_plus` and `free_extractant` n values, in the units of
    /// [`StageState`]. The default calls [`Self::distribution`] per stage; a model may
    /// override it to hoist its per-call work out of the stage loop, giving the same values
    /// bit for bit.
    fn distribution_stages(
        &self,
        aqueous: &[f64],
        h_plus: &[f64],
        free_extractant: &[f64],
        d: &mut [f64],
    ) {
        let nc = self.n_components();
        for (k, (dk, xk)) in d
            .chunks_exact_mut(nc)
            .zip(aqueous.chunks_exact(nc))
            .enumerate()
        {
            let state = StageState {
                aqueous: xk,
                h_plus: h_plus[k],
                free_extractant: free_extractant[k],
            };
            self.distribution(&state, dk);
        }
    }
    /// Writes D_j into `d` and its logarithmic derivatives into `der`.
    fn distribution_derivatives(
        &self,
        state: &StageState<'_>,
        d: &mut [f64],
        der: &mut DistributionDerivatives<'_>,
    );
}

/// Constant distribution ratios.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstantD {
    /// D_j [-] per component.
    pub d: Vec<f64>,
}

impl Equilibrium for ConstantD {
    fn n_components(&self) -> usize {
        self.d.len()
    }
    fn needs_acid_and_extractant(&self) -> bool {
        false
    }
    fn composition_dependent(&self) -> bool {
        false
    }
    fn distribution(&self, _state: &StageState<'_>, d: &mut [f64]) {
        d.copy_from_slice(&self.d);
    }
    fn distribution_derivatives(
        &self,
        _state: &StageState<'_>,
        d: &mut [f64],
        der: &mut DistributionDerivatives<'_>,
    ) {
        d.copy_from_slice(&self.d);
        der.d_ln_h.fill(0.0);
        der.d_ln_extractant.fill(0.0);
    }
}

/// Constant separation factors β_j = D_j / D_ref relative to a reference component, on an
/// organic phase saturated with metal: c_org,j = β_j c_aq,j · Y / Σ_i β_i c_aq,i, i.e.
/// D_j = β_j Y / Σ_i β_i c_aq,i (eq. 4; the model behind Xu Guangxian's cascade theory).
#[derive(Debug, Clone, PartialEq)]
pub struct SaturatedSeparationFactors {
    /// β_j [-] per component (reference = 1).
    pub beta: Vec<f64>,
    /// Total metal loading of the organic Y [mol·m⁻³].
    pub loading: f64,
}

/// Floor of Σβc in [`SaturatedSeparationFactors`] [mol·m⁻³], keeping D finite on a metal-free
/// aqueous phase.
const SATURATED_FLOOR: f64 = 1e-300;

impl Equilibrium for SaturatedSeparationFactors {
    fn n_components(&self) -> usize {
        self.beta.len()
    }
    fn needs_acid_and_extractant(&self) -> bool {
        false
    }
    fn composition_dependent(&self) -> bool {
        true
    }
    fn organic_saturation(&self) -> Option<f64> {
        Some(self.loading)
    }
    fn separation_factors(&self) -> Option<&[f64]> {
        Some(&self.beta)
    }
    fn distribution(&self, state: &StageState<'_>, d: &mut [f64]) {
        let s: f64 = self
            .beta
            .iter()
            .zip(state.aqueous)
            .map(|(b, c)| b * c)
            .sum();
        let f = self.loading / s.max(SATURATED_FLOOR);
        for (dj, b) in d.iter_mut().zip(&self.beta) {
            *dj = b * f;
        }
    }
    fn distribution_derivatives(
        &self,
        state: &StageState<'_>,
        d: &mut [f64],
        der: &mut DistributionDerivatives<'_>,
    ) {
        let n = self.beta.len();
        let s: f64 = self
            .beta
            .iter()
            .zip(state.aqueous)
            .map(|(b, c)| b * c)
            .sum();
        let sf = s.max(SATURATED_FLOOR);
        let f = self.loading / sf;
        for j in 0..n {
            d[j] = self.beta[j] * f;
        }
        // ∂ln D_j/∂ln c_i = −β_i c_i / S (same for every j)
        for i in 0..n {
            let g = if s > SATURATED_FLOOR {
                -self.beta[i] * state.aqueous[i] / s
            } else {
                0.0
            };
            for j in 0..n {
                der.d_ln_aqueous[j * n + i] = g;
            }
        }
        der.d_ln_h.fill(0.0);
        der.d_ln_extractant.fill(0.0);
    }
}

/// One term c · pH^a · F^b · (log₁₀ F)^c of an empirical log₁₀ D correlation, F = free
/// extractant dimer [mol·L⁻¹], pH = −log₁₀([H⁺]/(mol·L⁻¹)) (concentration basis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrelationTerm {
    /// Coefficient c [-].
    pub coef: f64,
    /// Power of pH a (default 0).
    #[serde(default)]
    pub ph: u32,
    /// Power of F b (default 0).
    #[serde(default)]
    pub extractant: u32,
    /// Power of log₁₀ F c (default 0).
    #[serde(default)]
    pub log_extractant: u32,
}

/// Distribution law of one component inside a [`PerComponent`] model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "law", rename_all = "snake_case", deny_unknown_fields)]
pub enum ComponentLaw {
    /// Constant D [-] (e.g. an impurity beside correlated rare earths).
    ConstantD {
        /// D [-].
        d: f64,
    },
    /// Cation-exchange mass action (eq. 1–2): D = K_ex ([(HA)₂]_free)^n / [H⁺]^z on the molar
    /// basis, with z, n from the component.
    MassAction {
        /// log₁₀ K_ex [-] on the molar basis.
        log10_k: f64,
    },
    /// Empirical correlation log₁₀ D = Σ terms (eq. 6).
    Correlation {
        /// Polynomial terms.
        terms: Vec<CorrelationTerm>,
    },
}

/// Per-component laws sharing one stage state (mass action, correlations, constant-D
/// impurities, the saponification cation). Build with [`PerComponent::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct PerComponent {
    /// Law per component.
    pub laws: Vec<ComponentLaw>,
    /// Charge z per component [-].
    pub charge: Vec<f64>,
    /// Extractant dimer units n per component [-].
    pub units: Vec<f64>,
    /// Precomputed per component, derived from the three fields above.
    fast: Vec<FastLaw>,
    /// Whether some law needs ln [H⁺], ln F (correlations, non-integer mass action).
    needs_logs: bool,
    /// Largest n or z of the integer mass-action laws (≤ [`MAX_POW`]).
    max_pow: usize,
    /// The fast laws as K, n, z per component (a constant D as K = D, n = z = 0), for the
    /// stage-batched evaluation (valid when `needs_logs` is false).
    fast_k: Vec<f64>,
    fast_n: Vec<usize>,
    fast_z: Vec<usize>,
}

/// How [`PerComponent`] evaluates one component: mass action with small integer powers by
/// multiplications, everything else through logarithms.
#[derive(Debug, Clone, Copy, PartialEq)]
enum FastLaw {
    /// Constant D [-].
    Constant(f64),
    /// D = K ([(HA)₂]/M)^n / ([H⁺]/M)^z with K [-] = 10^log10_k, integer 0 ≤ n, z ≤ 8.
    MassActionInt { k: f64, n: u32, z: u32 },
    /// Evaluate through ln D (correlations, non-integer stoichiometry).
    Logarithmic,
}

/// Largest integer power evaluated by multiplications in the mass-action fast path.
const MAX_POW: usize = 8;

/// Length of the power tables of [`PerComponent::distribution_stages`]'s fast path (a power
/// of two above [`MAX_POW`], so that an index masked with `POW_MASK` needs no bounds check).
const POW_TABLE: usize = 16;
const POW_MASK: usize = POW_TABLE - 1;
const _: () = assert!(MAX_POW < POW_TABLE);

/// Concentrations [mol·L⁻¹] inside which the tabulated powers of the fast path stay finite
/// and normal (1e35⁸ = 1e280); a product K·F^n·h^−z outside the normal range falls back to the
/// logarithmic path as well.
const FAST_RANGE: (f64, f64) = (1e-35, 1e35);

/// Smallest concentration used inside logarithms [mol·m⁻³].
const LOG_FLOOR: f64 = 1e-300;

impl PerComponent {
    /// The model for laws, charges z [-] and extractant units n [-] (one per component).
    /// Mass action with integer n, z ≤ 8 is then evaluated by multiplications (eq. 2) instead
    /// of exp(ln K + n ln F − z ln h); both are the same law.
    ///
    /// # Panics
    /// If the three vectors differ in length.
    pub fn new(laws: Vec<ComponentLaw>, charge: Vec<f64>, units: Vec<f64>) -> Self {
        assert!(
            laws.len() == charge.len() && laws.len() == units.len(),
            "one law, charge and unit count per component"
        );
        let small_int = |v: f64| v.fract() == 0.0 && (0.0..=MAX_POW as f64).contains(&v);
        let fast: Vec<FastLaw> = laws
            .iter()
            .zip(charge.iter().zip(&units))
            .map(|(law, (&z, &n))| match law {
                ComponentLaw::ConstantD { d } => FastLaw::Constant(*d),
                ComponentLaw::MassAction { log10_k } if small_int(z) && small_int(n) => {
                    let k = 10f64.powf(*log10_k);
                    if k.is_normal() {
                        FastLaw::MassActionInt {
                            k,
                            n: n as u32,
                            z: z as u32,
                        }
                    } else {
                        FastLaw::Logarithmic
                    }
                }
                _ => FastLaw::Logarithmic,
            })
            .collect();
        let needs_logs = fast.iter().any(|f| matches!(f, FastLaw::Logarithmic));
        let max_pow = fast
            .iter()
            .map(|f| match f {
                FastLaw::MassActionInt { n, z, .. } => (*n).max(*z) as usize,
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        let knz = |f: &FastLaw| match *f {
            FastLaw::Constant(d) => (d, 0, 0),
            FastLaw::MassActionInt { k, n, z } => (k, n as usize, z as usize),
            FastLaw::Logarithmic => (f64::NAN, 0, 0),
        };
        Self {
            fast_k: fast.iter().map(|f| knz(f).0).collect(),
            fast_n: fast.iter().map(|f| knz(f).1).collect(),
            fast_z: fast.iter().map(|f| knz(f).2).collect(),
            laws,
            charge,
            units,
            fast,
            needs_logs,
            max_pow,
        }
    }

    #[inline]
    fn eval(
        &self,
        state: &StageState<'_>,
        d: &mut [f64],
        mut der: Option<&mut DistributionDerivatives<'_>>,
    ) {
        let hm = state.h_plus.max(LOG_FLOOR) / MOL_PER_M3_PER_MOLAR;
        let em = state.free_extractant.max(LOG_FLOOR) / MOL_PER_M3_PER_MOLAR;
        let in_range = |v: f64| v > FAST_RANGE.0 && v < FAST_RANGE.1;
        if !self.needs_logs && in_range(hm) && in_range(em) {
            // Mass action by integer powers (eq. 2): no exp/ln per component; the powers
            // F^n and h^−z are tabulated once per stage state.
            let inv_h = 1.0 / hm;
            let (mut pe, mut ph) = ([1.0; MAX_POW + 1], [1.0; MAX_POW + 1]);
            for i in 1..=self.max_pow.min(MAX_POW) {
                pe[i] = pe[i - 1] * em;
                ph[i] = ph[i - 1] * inv_h;
            }
            let d = &mut d[..self.fast.len()];
            for (j, law) in self.fast.iter().enumerate() {
                let (dj, dh, de) = match *law {
                    FastLaw::Constant(dc) => (dc, 0.0, 0.0),
                    FastLaw::MassActionInt { k, n, z } => (
                        k * pe[n as usize] * ph[z as usize],
                        -f64::from(z),
                        f64::from(n),
                    ),
                    FastLaw::Logarithmic => unreachable!("needs_logs is false"),
                };
                if !dj.is_normal() {
                    // K outside the normal range times the powers: the logarithmic path
                    self.eval_logs(state, d, der);
                    return;
                }
                d[j] = dj;
                if let Some(der) = der.as_deref_mut() {
                    der.d_ln_h[j] = dh;
                    der.d_ln_extractant[j] = de;
                }
            }
            return;
        }
        self.eval_logs(state, d, der);
    }

    fn eval_logs(
        &self,
        state: &StageState<'_>,
        d: &mut [f64],
        mut der: Option<&mut DistributionDerivatives<'_>>,
    ) {
        let ln10 = std::f64::consts::LN_10;
        let hm = state.h_plus.max(LOG_FLOOR) / MOL_PER_M3_PER_MOLAR;
        let em = state.free_extractant.max(LOG_FLOOR) / MOL_PER_M3_PER_MOLAR;
        let (ln_h, ln_e) = (hm.ln(), em.ln());
        let ph = -ln_h / ln10;
        let lf = ln_e / ln10;
        for (j, law) in self.laws.iter().enumerate() {
            let (lnd, dh, de) = match law {
                ComponentLaw::ConstantD { d: dc } => {
                    d[j] = *dc;
                    if let Some(der) = der.as_deref_mut() {
                        der.d_ln_h[j] = 0.0;
                        der.d_ln_extractant[j] = 0.0;
                    }
                    continue;
                }
                ComponentLaw::MassAction { log10_k } => {
                    let z = self.charge[j];
                    let n = self.units[j];
                    (log10_k * ln10 + n * ln_e - z * ln_h, -z, n)
                }
                ComponentLaw::Correlation { terms } => {
                    let (mut v, mut dph, mut df, mut dlf) = (0.0, 0.0, 0.0, 0.0);
                    for t in terms {
                        let p = powi(ph, t.ph);
                        let f = powi(em, t.extractant);
                        let l = powi(lf, t.log_extractant);
                        v += t.coef * p * f * l;
                        if t.ph > 0 {
                            dph += t.coef * f64::from(t.ph) * powi(ph, t.ph - 1) * f * l;
                        }
                        if t.extractant > 0 {
                            // ∂(F^b)/∂ln F = b F^b
                            df += t.coef * p * f64::from(t.extractant) * f * l;
                        }
                        if t.log_extractant > 0 {
                            dlf += t.coef
                                * p
                                * f
                                * f64::from(t.log_extractant)
                                * powi(lf, t.log_extractant - 1);
                        }
                    }
                    // ∂pH/∂ln h = −1/ln10; ∂log10F/∂ln e = 1/ln10
                    (v * ln10, -dph, df * ln10 + dlf)
                }
            };
            d[j] = lnd.exp();
            if let Some(der) = der.as_deref_mut() {
                der.d_ln_h[j] = dh;
                der.d_ln_extractant[j] = de;
            }
        }
    }
}

impl PerComponent {
    /// [`Equilibrium::distribution_stages`] with the largest integer power `P` (=
    /// `max_pow`) known at compile time: the power tables are filled by an unrolled loop, the
    /// components read them at indices masked to the table (no bounds checks; the powers are
    /// at most `MAX_POW`, so the mask changes nothing), and `is_normal` is two comparisons.
    fn distribution_stages_pow<const P: usize>(
        &self,
        aqueous: &[f64],
        h_plus: &[f64],
        free_extractant: &[f64],
        d: &mut [f64],
    ) {
        let nc = self.fast.len();
        let in_range = |v: f64| v > FAST_RANGE.0 && v < FAST_RANGE.1;
        // `a.max(LOG_FLOOR)` without the NaN branch of `f64::max` (the floor is not NaN, so
        // a NaN `a` gives the floor either way)
        let floored = |a: f64| if a > LOG_FLOOR { a } else { LOG_FLOOR };
        let (kk, nn, zz) = (&self.fast_k[..nc], &self.fast_n[..nc], &self.fast_z[..nc]);
        // The products K·F^n·h^−z of in-range F, h are never NaN unless a K (a constant D)
        // is: then every stage takes `eval`. Otherwise every D is normal iff the smallest
        // and the largest |D| of the stage are.
        let no_nan = kk.iter().all(|v| !v.is_nan());
        // power tables: entry 0 stays 1, entries 1..=P are rewritten for every stage, the
        // rest is never read
        let (mut pe, mut ph) = ([1.0; POW_TABLE], [1.0; POW_TABLE]);
        for (k, (dk, xk)) in d
            .chunks_exact_mut(nc)
            .zip(aqueous.chunks_exact(nc))
            .enumerate()
        {
            let (h, e) = (h_plus[k], free_extractant[k]);
            let hm = floored(h) / MOL_PER_M3_PER_MOLAR;
            let em = floored(e) / MOL_PER_M3_PER_MOLAR;
            let mut fast = no_nan && !self.needs_logs && in_range(hm) && in_range(em);
            if fast {
                let inv_h = 1.0 / hm;
                for i in 1..P + 1 {
                    pe[i & POW_MASK] = pe[(i - 1) & POW_MASK] * em;
                    ph[i & POW_MASK] = ph[(i - 1) & POW_MASK] * inv_h;
                }
                let dk = &mut dk[..nc];
                let (mut lo, mut hi) = (f64::INFINITY, 0.0);
                for j in 0..nc {
                    let v = kk[j] * pe[nn[j] & POW_MASK] * ph[zz[j] & POW_MASK];
                    let a = v.abs();
                    lo = if a < lo { a } else { lo };
                    hi = if a > hi { a } else { hi };
                    dk[j] = v;
                }
                // (every v.is_normal())
                fast = lo >= f64::MIN_POSITIVE && hi < f64::INFINITY;
            }
            if !fast {
                let state = StageState {
                    aqueous: xk,
                    h_plus: h,
                    free_extractant: e,
                };
                self.eval(&state, dk, None);
            }
        }
    }
}

fn powi(x: f64, k: u32) -> f64 {
    match k {
        0 => 1.0,
        1 => x,
        2 => x * x,
        _ => x.powi(k as i32),
    }
}

impl Equilibrium for PerComponent {
    fn n_components(&self) -> usize {
        self.laws.len()
    }
    fn needs_acid_and_extractant(&self) -> bool {
        self.laws
            .iter()
            .any(|l| !matches!(l, ComponentLaw::ConstantD { .. }))
    }
    fn composition_dependent(&self) -> bool {
        false
    }
    fn distribution(&self, state: &StageState<'_>, d: &mut [f64]) {
        self.eval(state, d, None);
    }
    /// The fast path of `eval` with the per-component law decoded once per call (K, n, z
    /// arrays instead of a match per component and stage): the same products, so the same
    /// bits; a stage outside the fast path's range takes `eval` itself.
    fn distribution_stages(
        &self,
        aqueous: &[f64],
        h_plus: &[f64],
        free_extractant: &[f64],
        d: &mut [f64],
    ) {
        // the power loop unrolled for the largest power of the model's laws
        match self.max_pow.min(MAX_POW) {
            0 => self.distribution_stages_pow::<0>(aqueous, h_plus, free_extractant, d),
            1 => self.distribution_stages_pow::<1>(aqueous, h_plus, free_extractant, d),
            2 => self.distribution_stages_pow::<2>(aqueous, h_plus, free_extractant, d),
            3 => self.distribution_stages_pow::<3>(aqueous, h_plus, free_extractant, d),
            4 => self.distribution_stages_pow::<4>(aqueous, h_plus, free_extractant, d),
            5 => self.distribution_stages_pow::<5>(aqueous, h_plus, free_extractant, d),
            6 => self.distribution_stages_pow::<6>(aqueous, h_plus, free_extractant, d),
            7 => self.distribution_stages_pow::<7>(aqueous, h_plus, free_extractant, d),
            _ => self.distribution_stages_pow::<MAX_POW>(aqueous, h_plus, free_extractant, d),
        }
    }
    fn distribution_derivatives(
        &self,
        state: &StageState<'_>,
        d: &mut [f64],
        der: &mut DistributionDerivatives<'_>,
    ) {
        self.eval(state, d, Some(der));
    }
}

/// Basis on which constant separation factors fix the absolute level of D.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case", deny_unknown_fields)]
pub enum SeparationBasis {
    /// D_ref fixed: D_j = β_j D_ref (a constant-D model).
    FixedReference {
        /// D of the reference component [-].
        d_ref: f64,
    },
    /// Organic saturated with metal at `loading`: D_j = β_j Y / Σ β_i c_aq,i (eq. 4).
    SaturatedOrganic {
        /// Total metal in the organic Y [mol·m⁻³].
        loading: f64,
    },
}

/// Configuration of a section's equilibrium model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum EquilibriumSpec {
    /// Constant D per component (symbol → D [-]).
    ConstantD {
        /// D [-] per component symbol; every cascade component needs an entry.
        d: BTreeMap<String, f64>,
    },
    /// Constant separation factors relative to a reference component.
    SeparationFactors {
        /// Reference component symbol (β = 1).
        reference: String,
        /// β [-] per component symbol (the reference may be omitted).
        beta: BTreeMap<String, f64>,
        /// How the level of D is fixed.
        basis: SeparationBasis,
    },
    /// Per-component laws: cation-exchange mass action, empirical correlations, constant D.
    PerComponent {
        /// Law per component symbol; every cascade component needs an entry.
        laws: BTreeMap<String, ComponentLaw>,
    },
}

fn lookup<'a, T>(
    map: &'a BTreeMap<String, T>,
    components: &[Component],
    field: &str,
) -> Result<Vec<&'a T>, SxError> {
    for k in map.keys() {
        if !components.iter().any(|c| &c.symbol == k) {
            return Err(SxError::UnknownComponent {
                field: field.to_string(),
                name: k.clone(),
            });
        }
    }
    components
        .iter()
        .map(|c| {
            map.get(&c.symbol).ok_or_else(|| {
                SxError::config(
                    format!("{field}.{}", c.symbol),
                    "missing",
                    "every component needs an entry",
                )
            })
        })
        .collect()
}

fn positive(v: f64, field: String) -> Result<f64, SxError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(SxError::config(field, v, "must be finite and > 0"))
    }
}

impl EquilibriumSpec {
    /// Validates the spec against the cascade components and builds the model.
    /// `field` names the spec in errors (e.g. `sections[1].equilibrium`).
    pub fn build(
        &self,
        components: &[Component],
        field: &str,
    ) -> Result<Arc<dyn Equilibrium>, SxError> {
        match self {
            EquilibriumSpec::ConstantD { d } => {
                let f = format!("{field}.d");
                let v = lookup(d, components, &f)?;
                let d = v
                    .iter()
                    .zip(components)
                    .map(|(x, c)| positive(**x, format!("{f}.{}", c.symbol)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Arc::new(ConstantD { d }))
            }
            EquilibriumSpec::SeparationFactors {
                reference,
                beta,
                basis,
            } => {
                if !components.iter().any(|c| &c.symbol == reference) {
                    return Err(SxError::UnknownComponent {
                        field: format!("{field}.reference"),
                        name: reference.clone(),
                    });
                }
                let mut full = beta.clone();
                if let Some(b) = full.get(reference)
                    && (b - 1.0).abs() > 1e-12
                {
                    return Err(SxError::config(
                        format!("{field}.beta.{reference}"),
                        b,
                        "the reference component has β = 1",
                    ));
                }
                full.insert(reference.clone(), 1.0);
                let f = format!("{field}.beta");
                let v = lookup(&full, components, &f)?;
                let beta = v
                    .iter()
                    .zip(components)
                    .map(|(x, c)| positive(**x, format!("{f}.{}", c.symbol)))
                    .collect::<Result<Vec<_>, _>>()?;
                match basis {
                    SeparationBasis::FixedReference { d_ref } => {
                        let d_ref = positive(*d_ref, format!("{field}.d_ref"))?;
                        Ok(Arc::new(ConstantD {
                            d: beta.iter().map(|b| b * d_ref).collect(),
                        }))
                    }
                    SeparationBasis::SaturatedOrganic { loading } => {
                        let loading = positive(*loading, format!("{field}.loading"))?;
                        Ok(Arc::new(SaturatedSeparationFactors { beta, loading }))
                    }
                }
            }
            EquilibriumSpec::PerComponent { laws } => {
                let f = format!("{field}.laws");
                let v = lookup(laws, components, &f)?;
                for (law, c) in v.iter().zip(components) {
                    let lf = format!("{f}.{}", c.symbol);
                    match law {
                        ComponentLaw::ConstantD { d } => {
                            positive(*d, format!("{lf}.d"))?;
                        }
                        ComponentLaw::MassAction { log10_k } => {
                            if !log10_k.is_finite() {
                                return Err(SxError::config(
                                    format!("{lf}.log10_k"),
                                    log10_k,
                                    "must be finite",
                                ));
                            }
                        }
                        ComponentLaw::Correlation { terms } => {
                            if terms.is_empty() {
                                return Err(SxError::config(
                                    format!("{lf}.terms"),
                                    "[]",
                                    "needs at least one term",
                                ));
                            }
                            for (i, t) in terms.iter().enumerate() {
                                if !t.coef.is_finite() {
                                    return Err(SxError::config(
                                        format!("{lf}.terms[{i}].coef"),
                                        t.coef,
                                        "must be finite",
                                    ));
                                }
                            }
                        }
                    }
                }
                Ok(Arc::new(PerComponent::new(
                    v.into_iter().cloned().collect(),
                    components.iter().map(|c| c.charge).collect(),
                    components.iter().map(|c| c.extractant_units).collect(),
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// The integer-power path of mass action equals exp(ln K + n ln F − z ln h) (eq. 2), also
    /// beside constant-D impurities and across the fallback range.
    #[test]
    fn mass_action_powers_equal_the_logarithmic_form() {
        let laws = vec![
            ComponentLaw::MassAction { log10_k: -1.98 },
            ComponentLaw::MassAction { log10_k: 0.7 },
            ComponentLaw::ConstantD { d: 0.02 },
            ComponentLaw::MassAction { log10_k: -3.1 },
        ];
        let model = PerComponent::new(laws, vec![3.0, 3.0, 3.0, 2.0], vec![3.0, 3.0, 3.0, 2.0]);
        let ln10 = std::f64::consts::LN_10;
        for &(h, e) in &[
            (100.0, 300.0),
            (1e-3, 1e4),
            (5e3, 1e-2),
            (1e-40, 1e-40),
            (1e36, 50.0),
        ] {
            let state = StageState {
                aqueous: &[1.0; 4],
                h_plus: h,
                free_extractant: e,
            };
            let mut d = [0.0; 4];
            let (mut dlx, mut dlh, mut dle) = ([0.0; 16], [0.0; 4], [0.0; 4]);
            let mut der = DistributionDerivatives {
                d_ln_aqueous: &mut dlx,
                d_ln_h: &mut dlh,
                d_ln_extractant: &mut dle,
            };
            model.distribution_derivatives(&state, &mut d, &mut der);
            let mut d2 = [0.0; 4];
            model.distribution(&state, &mut d2);
            let (lh, le) = ((h / 1000.0).ln(), (e / 1000.0).ln());
            for (j, (lk, z)) in [(-1.98, 3.0), (0.7, 3.0), (f64::NAN, 0.0), (-3.1, 2.0)]
                .iter()
                .enumerate()
            {
                let want = if lk.is_nan() {
                    0.02
                } else {
                    (lk * ln10 + z * le - z * lh).exp()
                };
                assert_relative_eq!(d[j], want, max_relative = 1e-12);
                assert_relative_eq!(d2[j], d[j], max_relative = 1e-15);
                assert_relative_eq!(dlh[j], -z);
                assert_relative_eq!(dle[j], *z);
            }
        }
    }

    /// The stage-batched evaluation gives the per-stage values bit for bit: fast path, the
    /// fallback range, a K so large that the powers overflow, and a correlation (logarithmic
    /// path) beside mass action.
    #[test]
    fn distribution_stages_equals_distribution_per_stage() {
        let states = [
            (100.0, 300.0),
            (1e-3, 1e4),
            (1e-40, 1e-40),
            (1e36, 50.0),
            (1e-30, 1e30),
        ];
        let mass_action = vec![
            ComponentLaw::MassAction { log10_k: -1.98 },
            ComponentLaw::ConstantD { d: 0.02 },
            ComponentLaw::MassAction { log10_k: 250.0 },
        ];
        let mut with_correlation = mass_action.clone();
        with_correlation[1] = ComponentLaw::Correlation {
            terms: vec![CorrelationTerm {
                coef: 0.5,
                ph: 1,
                extractant: 0,
                log_extractant: 0,
            }],
        };
        for laws in [mass_action, with_correlation] {
            let model = PerComponent::new(laws, vec![3.0, 3.0, 2.0], vec![3.0, 3.0, 2.0]);
            let x = vec![1.0; 3 * states.len()];
            let h: Vec<f64> = states.iter().map(|s| s.0).collect();
            let e: Vec<f64> = states.iter().map(|s| s.1).collect();
            let mut batch = vec![0.0; 3 * states.len()];
            model.distribution_stages(&x, &h, &e, &mut batch);
            for (k, (hk, ek)) in h.iter().zip(&e).enumerate() {
                let state = StageState {
                    aqueous: &x[3 * k..3 * k + 3],
                    h_plus: *hk,
                    free_extractant: *ek,
                };
                let mut one = [0.0; 3];
                model.distribution(&state, &mut one);
                for j in 0..3 {
                    assert_eq!(
                        batch[3 * k + j].to_bits(),
                        one[j].to_bits(),
                        "stage {k}, {j}"
                    );
                }
            }
        }
    }
}

//! Step models and quality models: how a finished batch becomes good output, scrap, losses and
//! co-products, and how a finished lot is graded at the product sink.
//!
//! A step chooses its model with a tagged table, `[steps.model] kind = "..."`; absent, it is
//! the sheet-yield model ([`sheet`], the step's `yield`, `yield_sd`,
//! `batch_scrap_probability` and `additions`). The QC at the product sink chooses its model
//! with `[quality] kind = "..."` (default `ndfeb`, [`ndfeb`]).
//!
//! Every model is built once per replication from the config (expensive solves are done at
//! build time and cached as response tables); per batch it draws its stochastic inputs from
//! the step's own `"<step>.process"` stream. Each batch must close its element balance
//! (input lot + reagents = good + scrap + losses + Σ co-products, 1e-9 relative), checked by
//! the line after every call.
//!
//! ## Registering a model
//! A model lives in its own file under `crates/plant/src/models/`: a serde config struct
//! (`deny_unknown_fields`, documented units and defaults) implementing the crate-internal
//! trait `StepModelSpec` (validate + build), and a runtime struct implementing `StepModel`.
//! Registration is one variant in [`StepModelConfig`] and one arm in
//! `StepModelConfig::spec`. Quality models register the same way in [`QualityConfig`] /
//! `QualityConfig::spec` with `QualitySpec` and `QualityModel`.
//!
//! Science: `docs/science/plant.md` ("Plant coupling").

use std::collections::BTreeMap;

use repm_des::ChaCha8Rng;
use repm_material::{ElementVector, Lot, LotIdSource};
use serde::{Deserialize, Serialize};

use crate::config::{PlantConfig, StepConfig};
use crate::error::PlantError;

pub mod gbd;
pub mod hd;
pub mod jet_mill;
pub mod ndfeb;
pub mod precipitation;
pub mod quality_purity;
pub mod quality_smco;
pub mod rd;
pub mod sheet;
pub mod sinter;
pub mod sx;

// ---------------------------------------------------------------------------------------
// step models

/// What one finished batch of a step became. Element masses in kg.
///
/// Balance (checked per batch, 1e-9 relative, error if not):
/// input lot + reagents = good + scrap + losses + Σ coproducts.
#[derive(Debug, Clone)]
pub(crate) struct BatchOutcome {
    /// Goes on to the next step / the product sink.
    pub(crate) good: Option<Lot>,
    /// Routed by the step's `scrap` route \[kg per element\].
    pub(crate) scrap: ElementVector,
    /// Off-gas, effluent, dust: leave the plant \[kg per element\].
    pub(crate) losses: ElementVector,
    /// Named products leaving the plant \[kg per element\].
    pub(crate) coproducts: Vec<(String, ElementVector)>,
    /// Drawn from outside (Ca, acid, Tb coat, O) \[kg per element\].
    pub(crate) reagents: ElementVector,
    /// Electricity on top of the step's `energy_kwh_per_kg` \[kWh\].
    pub(crate) energy_kwh: f64,
    /// Cost of the reagents not priced by `economics.element_prices` \[$\].
    pub(crate) reagent_cost: f64,
    /// Direct and reagent emissions \[kg CO₂e\].
    pub(crate) co2e_kg: f64,
    /// Reason the batch went off-spec, if it did (counted per step; the lot goes on).
    pub(crate) downgrade: Option<String>,
}

impl BatchOutcome {
    /// An outcome with only a good lot (everything else zero).
    pub(crate) fn good(lot: Option<Lot>) -> Self {
        Self {
            good: lot,
            scrap: ElementVector::zeros(),
            losses: ElementVector::zeros(),
            coproducts: Vec::new(),
            reagents: ElementVector::zeros(),
            energy_kwh: 0.0,
            reagent_cost: 0.0,
            co2e_kg: 0.0,
            downgrade: None,
        }
    }

    /// Checks input lot + reagents = good + scrap + losses + Σ coproducts for every element
    /// (1e-9 relative to the larger side, with a floor of 1e-12 of the batch mass), and that
    /// no amount is negative or non-finite.
    ///
    /// # Errors
    /// [`PlantError::Model`] naming the step, the element and both sides.
    pub(crate) fn check_balance(&self, step: &str, input: &Lot) -> Result<(), PlantError> {
        let inp = input.element_masses() + self.reagents;
        let mut out = self.scrap + self.losses;
        if let Some(g) = &self.good {
            out += g.element_masses();
        }
        for (_, c) in &self.coproducts {
            out += *c;
        }
        let floor = 1e-12 * inp.sum().max(out.sum());
        let err = |msg: String| PlantError::Model {
            model: format!("step `{step}`"),
            message: msg,
        };
        for (name, v) in [
            ("scrap", &self.scrap),
            ("losses", &self.losses),
            ("reagents", &self.reagents),
        ] {
            if let Some((e, x)) = v.iter().find(|(_, x)| !x.is_finite() || *x < -floor) {
                return Err(err(format!(
                    "{name} of {e} = {x} kg is negative or not finite"
                )));
            }
        }
        for (name, c) in &self.coproducts {
            if let Some((e, x)) = c.iter().find(|(_, x)| !x.is_finite() || *x < -floor) {
                return Err(err(format!(
                    "co-product `{name}` of {e} = {x} kg is negative or not finite"
                )));
            }
        }
        for ((e, a), (_, b)) in inp.iter().zip(out.iter()) {
            let closes = (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) + floor;
            if !closes {
                return Err(err(format!(
                    "batch balance of {e} does not close: in {a} kg (lot + reagents), out {b} kg \
                     (good + scrap + losses + co-products)"
                )));
            }
        }
        Ok(())
    }
}

/// A step's physics: what a finished batch becomes.
pub(crate) trait StepModel: std::fmt::Debug + Send {
    /// Processes one finished batch `lot`; draws from `rng` (the step's `"<step>.process"`
    /// stream); new lots take ids from `ids`.
    fn process(
        &mut self,
        lot: &Lot,
        rng: &mut ChaCha8Rng,
        ids: &mut LotIdSource,
    ) -> Result<BatchOutcome, PlantError>;
}

/// What a model config sees when it is validated and built.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BuildContext<'a> {
    /// The whole plant.
    pub(crate) plant: &'a PlantConfig,
    /// Index of the step being built (`None` for quality models).
    pub(crate) step: Option<usize>,
    /// Element mass fractions of the plant feed (alloy or `[feed]`) \[-\].
    pub(crate) feed_fractions: ElementVector,
    /// Replication index.
    #[allow(dead_code)] // for models that precompute per replication
    pub(crate) replication: u64,
}

impl BuildContext<'_> {
    /// The step being built.
    ///
    /// # Errors
    /// [`PlantError::Model`] when called for a quality model.
    pub(crate) fn step(&self) -> Result<&StepConfig, PlantError> {
        self.step
            .and_then(|i| self.plant.steps.get(i))
            .ok_or_else(|| PlantError::Model {
                model: "build".into(),
                message: "no step in this context".into(),
            })
    }
}

/// Validation and construction of a step model from its config (one impl per model kind).
pub(crate) trait StepModelSpec {
    /// Checks the config; errors name `field` (e.g. `steps[3].model`) and the sub-field.
    fn validate(&self, ctx: &BuildContext<'_>, field: &str) -> Result<(), PlantError>;
    /// Builds the runtime model (expensive work here, once per replication).
    fn build(&self, ctx: &BuildContext<'_>) -> Result<Box<dyn StepModel>, PlantError>;
    /// Names of the co-products the model can emit (the keys `[coproducts.<name>]` may
    /// credit). Default none.
    fn coproduct_names(&self) -> Vec<String> {
        Vec::new()
    }
    /// Whether the model applies the step's sheet yield (`yield`, `yield_sd`,
    /// `batch_scrap_probability`), which makes `yield` required. Default false.
    fn uses_sheet_yield(&self) -> bool {
        false
    }
}

/// The model of a step, `[steps.model] kind = "..."`. Absent = `sheet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum StepModelConfig {
    /// Sheet yield: the step's `yield`, `yield_sd`, `batch_scrap_probability`, `additions`.
    Sheet(sheet::SheetModelConfig),
    /// Hydrogen decrepitation with repm-powder's HD furnace model ([`hd`]).
    Hd(hd::HdModelConfig),
    /// Jet milling with repm-powder's population-balance mill and O pickup ([`jet_mill`]).
    JetMill(jet_mill::JetMillModelConfig),
    /// Liquid-phase sintering with repm-sinter's MSC densification and grain growth
    /// ([`sinter`]).
    Sinter(sinter::SinterModelConfig),
    /// Grain-boundary diffusion with repm-sinter's Crank–Nicolson and layered coercivity
    /// models ([`gbd`]).
    Gbd(gbd::GbdModelConfig),
    /// Two-outlet solvent-extraction cascade solved by repm-sx ([`sx`]).
    SxCascade(sx::SxCascadeConfig),
    /// Oxalate precipitation of a rare-earth chloride liquor ([`precipitation`]).
    OxalatePrecipitation(precipitation::OxalatePrecipitationConfig),
    /// Calcination of an oxalate to oxide ([`precipitation`]).
    Calcination(precipitation::CalcinationConfig),
    /// Reduction–diffusion by repm-reduction's R-D model ([`rd`]).
    ReductionDiffusion(rd::ReductionDiffusionConfig),
}

impl StepModelConfig {
    /// The validation/build interface of the chosen kind (one arm per kind).
    pub(crate) fn spec(&self) -> &dyn StepModelSpec {
        match self {
            Self::Sheet(c) => c,
            Self::Hd(c) => c,
            Self::JetMill(c) => c,
            Self::Sinter(c) => c,
            Self::Gbd(c) => c,
            Self::SxCascade(c) => c,
            Self::OxalatePrecipitation(c) => c,
            Self::Calcination(c) => c,
            Self::ReductionDiffusion(c) => c,
        }
    }
}

/// Builds the model of step `i` (sheet yield when the step names none).
pub(crate) fn build_step(ctx: &BuildContext<'_>) -> Result<Box<dyn StepModel>, PlantError> {
    match &ctx.step()?.model {
        Some(m) => m.spec().build(ctx),
        None => sheet::SheetModelConfig::default().build(ctx),
    }
}

// ---------------------------------------------------------------------------------------
// quality models

/// QC outcome of a finished lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QcClass {
    /// Meets the target.
    Pass,
    /// Misses the target, sold as a lower grade.
    Downgrade,
    /// Meets no grade.
    Reject,
}

/// What the QC measured on a lot: the class and named properties (recorded as lot-property
/// distributions; names carry the unit, e.g. `br_t`, `hcj_ka_m`, `o_ppm`).
#[derive(Debug, Clone)]
pub(crate) struct QcResult {
    /// Outcome.
    pub(crate) class: QcClass,
    /// Measured properties, in a fixed order.
    pub(crate) properties: Vec<(&'static str, f64)>,
}

/// The QC at the product sink.
pub(crate) trait QualityModel: std::fmt::Debug + Send {
    /// Grades the finished lot `lot` of mass `kg` \[kg\]; may record measured values on the
    /// lot (form fields, tags); draws measurement/lot scatter from `rng` (stream `"quality"`).
    fn assess(
        &mut self,
        lot: &mut Lot,
        kg: f64,
        rng: &mut ChaCha8Rng,
    ) -> Result<QcResult, PlantError>;
}

/// Validation and construction of a quality model from its config.
pub(crate) trait QualitySpec {
    /// Checks the config; errors name `quality.<field>`.
    fn validate(&self, ctx: &BuildContext<'_>) -> Result<(), PlantError>;
    /// Builds the runtime model.
    fn build(&self, ctx: &BuildContext<'_>) -> Result<Box<dyn QualityModel>, PlantError>;
}

/// Product quality model and QC plan, `[quality] kind = "..."` (default `"ndfeb"`, which may
/// be omitted).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum QualityConfig {
    /// Sintered NdFeB: Br, Hcj from repm-sinter's magnet model, graded against a target grade.
    Ndfeb(ndfeb::NdfebQualityConfig),
    /// Rare-earth product purity on the oxide basis ([`quality_purity`]).
    Purity(quality_purity::PurityQualityConfig),
    /// Sintered Sm–Co magnets from repm-sinter's datasheet magnet ([`quality_smco`]).
    Smco(quality_smco::SmCoQualityConfig),
}

/// Mirror of [`QualityConfig`] with the tag required (the `Deserialize` impl inserts the
/// default tag first).
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum QualityTagged {
    Ndfeb(ndfeb::NdfebQualityConfig),
    Purity(quality_purity::PurityQualityConfig),
    Smco(quality_smco::SmCoQualityConfig),
}

impl From<QualityTagged> for QualityConfig {
    fn from(t: QualityTagged) -> Self {
        match t {
            QualityTagged::Ndfeb(c) => Self::Ndfeb(c),
            QualityTagged::Purity(c) => Self::Purity(c),
            QualityTagged::Smco(c) => Self::Smco(c),
        }
    }
}

impl<'de> Deserialize<'de> for QualityConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut v = serde_json::Value::deserialize(d)?;
        if let serde_json::Value::Object(m) = &mut v {
            m.entry("kind")
                .or_insert_with(|| serde_json::Value::String("ndfeb".into()));
        }
        QualityTagged::deserialize(v)
            .map(Into::into)
            .map_err(|e| D::Error::custom(format!("quality: {e}")))
    }
}

impl Default for QualityConfig {
    fn default() -> Self {
        Self::Ndfeb(ndfeb::NdfebQualityConfig::default())
    }
}

impl QualityConfig {
    /// The validation/build interface of the chosen kind (one arm per kind).
    pub(crate) fn spec(&self) -> &dyn QualitySpec {
        match self {
            Self::Ndfeb(c) => c,
            Self::Purity(c) => c,
            Self::Smco(c) => c,
        }
    }

    /// The NdFeB settings, if this is the `ndfeb` kind.
    #[must_use]
    pub fn ndfeb(&self) -> Option<&ndfeb::NdfebQualityConfig> {
        match self {
            Self::Ndfeb(c) => Some(c),
            _ => None,
        }
    }

    /// Mutable NdFeB settings, if this is the `ndfeb` kind.
    pub fn ndfeb_mut(&mut self) -> Option<&mut ndfeb::NdfebQualityConfig> {
        match self {
            Self::Ndfeb(c) => Some(c),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// numeric lot properties

/// Numeric properties a lot carries from step to step, stored in its tags as shortest
/// round-trip decimal text and mixed mass-weighted when lots are blended into a batch
/// (line.rs). Keys start with `"x."`.
pub(crate) mod props {
    use repm_material::Lot;

    /// Volume-weighted median particle size of the powder \[m\].
    pub(crate) const D50: &str = "x.d50_m";
    /// Sintered relative density \[-\].
    pub(crate) const REL_DENSITY: &str = "x.relative_density";
    /// Mean grain size \[m\].
    pub(crate) const GRAIN: &str = "x.grain_size_m";
    /// Coercivity gain of grain-boundary diffusion (layered model) \[A·m⁻¹\].
    pub(crate) const GBD_DHCJ: &str = "x.gbd_dhcj_a_m";
    /// Remanence factor of grain-boundary diffusion \[-\].
    pub(crate) const GBD_BR: &str = "x.gbd_br_factor";
    /// Heavy RE absorbed by grain-boundary diffusion, per kg of lot \[kg·kg⁻¹\] (excluded from
    /// the bulk composition when the host magnet is evaluated).
    pub(crate) const GBD_ABSORBED: &str = "x.gbd_absorbed";
    /// Element symbol of the GBD heavy RE.
    pub(crate) const GBD_ELEMENT: &str = "gbd_element";

    /// The numeric property `key` of `lot`, if present and parsable.
    pub(crate) fn get(lot: &Lot, key: &str) -> Option<f64> {
        lot.tags.get(key).and_then(|s| s.parse().ok())
    }

    /// Sets the numeric property `key` of `lot`.
    pub(crate) fn set(lot: &mut Lot, key: &str, v: f64) {
        lot.tags.insert(key.to_owned(), format!("{v:?}"));
    }

    /// Mass-weighted mean of the numeric (`"x."`) properties of `pieces` (kg each) onto
    /// `out`; a property missing from some piece is dropped. Non-numeric tags follow the
    /// `Lot::mix` rule (kept where all agree).
    pub(crate) fn mix_into(out: &mut Lot, pieces: &[(&Lot, f64)]) {
        let Some((first, _)) = pieces.first() else {
            return;
        };
        let total: f64 = pieces.iter().map(|(_, m)| m).sum();
        for key in first.tags.keys().filter(|k| k.starts_with("x.")) {
            let mut acc = 0.0;
            let mut all = true;
            for (l, m) in pieces {
                match get(l, key) {
                    Some(v) => acc += v * m,
                    None => {
                        all = false;
                        break;
                    }
                }
            }
            if all && total > 0.0 {
                set(out, key, acc / total);
            }
        }
    }
}

/// Where `x` falls in the ascending response-table abscissae `xs` (≥ 2 points): `(k, t)` with
/// the value `v[k] + t·(v[k+1] − v[k])` (linear interpolation); `x` is clamped to
/// `[xs[0], xs[last]]`, so the table's end values hold outside it.
pub(crate) fn table_bracket(xs: &[f64], x: f64) -> (usize, f64) {
    let n = xs.len();
    if n < 2 {
        return (0, 0.0);
    }
    let x = x.clamp(xs[0], xs[n - 1]);
    let k = xs.windows(2).position(|w| x <= w[1]).unwrap_or(n - 2);
    (k, (x - xs[k]) / (xs[k + 1] - xs[k]))
}

/// `u + t·(v − u)` \[unit of u and v\].
pub(crate) fn lerp(u: f64, v: f64, t: f64) -> f64 {
    u + t * (v - u)
}

/// Name → kg map helper for co-products (deterministic order).
pub(crate) fn add_named(map: &mut BTreeMap<String, ElementVector>, name: &str, v: &ElementVector) {
    match map.get_mut(name) {
        Some(x) => *x += *v,
        None => {
            map.insert(name.to_owned(), *v);
        }
    }
}

/// Quantised key of a composition (mass fractions binned to `step`), for response caches of
/// per-lot model evaluations: lots within one bin share the evaluation of the first lot.
pub(crate) fn composition_key(w: &ElementVector, step: f64) -> Vec<(u8, i64)> {
    w.iter()
        .enumerate()
        .filter(|(_, (_, x))| *x != 0.0)
        .map(|(i, (_, x))| {
            (
                u8::try_from(i).unwrap_or(u8::MAX),
                (x / step).round() as i64,
            )
        })
        .collect()
}

/// Process-wide memo of build-time solves that are pure functions of their key (config text +
/// feed bits): replications and scenarios share them without changing any result (a hit
/// returns a clone of the value the same computation gave). At most 256 entries per type; a
/// poisoned lock just recomputes.
pub(crate) fn memoised<T, F>(key: String, compute: F) -> Result<T, PlantError>
where
    T: Clone + Send + 'static,
    F: FnOnce() -> Result<T, PlantError>,
{
    use std::any::{Any, TypeId};
    use std::sync::{Mutex, OnceLock};
    type Memo = Mutex<Vec<(TypeId, String, Box<dyn Any + Send>)>>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    let memo = MEMO.get_or_init(|| Mutex::new(Vec::new()));
    let id = TypeId::of::<T>();
    if let Ok(m) = memo.lock()
        && let Some(v) = m
            .iter()
            .find(|(t, k, _)| *t == id && *k == key)
            .and_then(|(_, _, v)| v.downcast_ref::<T>())
    {
        return Ok(v.clone());
    }
    let v = compute()?;
    if let Ok(mut m) = memo.lock()
        && m.iter().filter(|(t, _, _)| *t == id).count() < 256
    {
        m.push((id, key, Box::new(v.clone())));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::{lerp, table_bracket};

    #[test]
    fn table_bracket_interpolates_and_clamps() {
        let xs = [0.6, 0.8, 1.0, 1.4];
        let v = [1.0, 3.0, 4.0, 0.0];
        let at = |x: f64| {
            let (k, t) = table_bracket(&xs, x);
            lerp(v[k], v[k + 1], t)
        };
        assert_relative_eq!(at(0.7), 2.0, max_relative = 1e-12);
        assert_relative_eq!(at(1.2), 2.0, max_relative = 1e-12);
        for (x, want) in xs.iter().zip(v) {
            assert_relative_eq!(at(*x), want, max_relative = 1e-12);
        }
        // clamped to the end values outside the table
        assert_relative_eq!(at(0.1), 1.0);
        assert_relative_eq!(at(9.0), 0.0);
        assert_eq!(table_bracket(&[1.0], 2.0), (0, 0.0));
    }
}

//! Plant configuration: the serde structs behind a TOML plant file, their defaults and
//! validation.
//!
//! Every field is documented with its unit; values with units are written as strings
//! (`"600 kg"`, `"1.5 h"`, `"150 kg/h"`) and parsed by [`repm_material::units`], or given as a
//! plain number in the SI unit. The reference for users is `docs/guide.md` ("Config
//! reference"), checked against these structs by a test.

use std::collections::BTreeMap;

use repm_des::calendar::{CalendarConfig, Window};
use repm_des::failure::{Distribution, FailureClock, FailureConfig, InterruptPolicy};
use repm_material::Element;
use repm_material::units::{Mass, MassFlow, TimeSpan, de_si};
use serde::{Deserialize, Serialize};

use crate::error::PlantError;
use crate::models::BuildContext;
pub use crate::models::{QualityConfig, StepModelConfig};
use repm_material::ElementVector;

/// The plant-file schema version this crate reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Seconds per Julian year \[s\] (365.25 d), the year of every "per year" KPI.
pub const SECONDS_PER_YEAR: f64 = 31_557_600.0;

fn de_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    de_si::<D, TimeSpan>(d)
}
fn de_mass<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    de_si::<D, Mass>(d)
}
fn de_mass_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(Some(de_si::<D, MassFlow>(d)?))
}

/// A whole plant: calendars, the chain of steps, recycling, economics, emissions and quality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlantConfig {
    /// Schema version of the file; must equal [`SCHEMA_VERSION`] (1).
    pub schema_version: u32,
    /// Plant name (reports).
    pub name: String,
    /// Base seed of the random streams. Default 1.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated time per replication \[s\] (e.g. `"365 d"`). Default 365 d.
    #[serde(default = "default_horizon", deserialize_with = "de_time")]
    pub horizon: f64,
    /// Warm-up before the measured horizon \[s\] (e.g. `"30 d"`): the plant starts empty, runs
    /// `warmup`, then every statistic and flow is reset and the next `horizon` is measured;
    /// the material in the plant at the end of the warm-up enters the element balance as
    /// initial inventory. Default 0.
    #[serde(default, deserialize_with = "de_time")]
    pub warmup: f64,
    /// Number of replications for `repm run` (≥ 1). Default 10.

    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Confidence level of the replication intervals \[-\], in (0, 1). Default 0.95.
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    /// The alloy fed to the first step (give exactly one of `alloy` and `feed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alloy: Option<AlloyConfig>,
    /// A general feed of the first step: element or species mass fractions, form, recycled
    /// fraction (give exactly one of `alloy` and `feed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed: Option<FeedConfig>,
    /// Named working calendars; steps refer to them by name. A calendar named `always` exists
    /// implicitly (around the clock, no shutdowns).
    #[serde(default)]
    pub calendars: BTreeMap<String, CalendarSpec>,
    /// The process steps in flow order; lots flow from each step to the next.
    pub steps: Vec<StepConfig>,
    /// Clean-scrap short loop (HD back into a step's feed).
    #[serde(default)]
    pub recycling: RecyclingConfig,
    /// Prices and fixed costs.
    #[serde(default)]
    pub economics: EconomicsConfig,
    /// Emission factors.
    #[serde(default)]
    pub emissions: EmissionsConfig,
    /// Credits of the named co-products sold (`[coproducts.<name>]`; a name is the
    /// co-product name of a step model, e.g. the `coproduct` of an `sx_cascade` step). They
    /// give the net cost and CO₂e KPIs next to the gross ones. Default none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub coproducts: BTreeMap<String, CoproductConfig>,
    /// Product quality model and QC plan.
    #[serde(default)]
    pub quality: QualityConfig,
}

fn default_seed() -> u64 {
    1
}
fn default_horizon() -> f64 {
    365.0 * 86_400.0
}
fn default_replications() -> u32 {
    10
}
fn default_confidence() -> f64 {
    0.95
}

/// Alloy composition fed to the first step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlloyConfig {
    /// Element symbol → mass percent \[wt %\] of every element except the balance one.
    pub composition: BTreeMap<String, f64>,
    /// The element that makes up the rest to 100 wt %. Default `"Fe"`.
    #[serde(default = "default_balance")]
    pub balance: String,
}

fn default_balance() -> String {
    "Fe".to_owned()
}

/// A weekly working pattern with planned shutdowns (converted to a
/// [`repm_des::calendar::CalendarConfig`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// Working days, 0 = Monday … 6 = Sunday (t = 0 is Monday 00:00). Default all seven.
    #[serde(default = "default_days")]
    pub days: Vec<u8>,
    /// Start of the working window on each working day \[s after midnight\]. Default `"0 h"`.
    #[serde(default, deserialize_with = "de_time")]
    pub start: f64,
    /// End of the working window \[s after midnight\], may exceed 24 h. Default `"24 h"`.
    #[serde(default = "default_day_end", deserialize_with = "de_time")]
    pub end: f64,
    /// Planned shutdowns.
    #[serde(default)]
    pub shutdowns: Vec<ShutdownSpec>,
}

fn default_days() -> Vec<u8> {
    (0..7).collect()
}
fn default_day_end() -> f64 {
    86_400.0
}

/// A planned shutdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShutdownSpec {
    /// Start \[s since t = 0\] (e.g. `"351 d"`).
    #[serde(deserialize_with = "de_time")]
    pub start: f64,
    /// Duration \[s\] (e.g. `"14 d"`).
    #[serde(deserialize_with = "de_time")]
    pub duration: f64,
}

/// A random duration with units (converted to [`repm_des::failure::Distribution`]);
/// `kind` selects the family.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DurationSpec {
    /// Always `value`.
    Constant {
        /// Duration \[s\].
        #[serde(deserialize_with = "de_time")]
        value: f64,
    },
    /// Exponential with mean `mean`.
    Exponential {
        /// Mean \[s\].
        #[serde(deserialize_with = "de_time")]
        mean: f64,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound \[s\].
        #[serde(deserialize_with = "de_time")]
        min: f64,
        /// Upper bound \[s\].
        #[serde(deserialize_with = "de_time")]
        max: f64,
    },
    /// Triangular on `[min, max]` with mode `mode`.
    Triangular {
        /// Lower bound \[s\].
        #[serde(deserialize_with = "de_time")]
        min: f64,
        /// Most likely value \[s\].
        #[serde(deserialize_with = "de_time")]
        mode: f64,
        /// Upper bound \[s\].
        #[serde(deserialize_with = "de_time")]
        max: f64,
    },
    /// Log-normal with mean `mean` and coefficient of variation `cv`.
    LogNormal {
        /// Mean \[s\].
        #[serde(deserialize_with = "de_time")]
        mean: f64,
        /// Coefficient of variation \[-\].
        cv: f64,
    },
}

impl DurationSpec {
    /// The repm-des distribution (seconds).
    #[must_use]
    pub fn to_distribution(&self) -> Distribution {
        match *self {
            DurationSpec::Constant { value } => Distribution::Constant { value },
            DurationSpec::Exponential { mean } => Distribution::Exponential { mean },
            DurationSpec::Uniform { min, max } => Distribution::Uniform { min, max },
            DurationSpec::Triangular { min, mode, max } => {
                Distribution::Triangular { min, mode, max }
            }
            DurationSpec::LogNormal { mean, cv } => Distribution::LogNormal { mean, cv },
        }
    }
}

/// Breakdowns of one unit of equipment: exponential time to failure with mean `mtbf` and
/// time to repair with mean `mttr` (or a log-normal repair time with `mttr_cv` > 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureSpec {
    /// Mean time between failures \[s\] (e.g. `"1500 h"`).
    #[serde(deserialize_with = "de_time")]
    pub mtbf: f64,
    /// Mean time to repair \[s\] (e.g. `"12 h"`).
    #[serde(deserialize_with = "de_time")]
    pub mttr: f64,
    /// Coefficient of variation of the repair time \[-\]; 0 = exponential. Default 0.
    #[serde(default)]
    pub mttr_cv: f64,
    /// Clock of the time to failure: `"calendar"` (wall time) or `"operating"` (working
    /// time). Default `"calendar"`.
    #[serde(default = "default_clock")]
    pub clock: FailureClock,
    /// Fate of the batch in progress: `"resume"`, `"restart"` or `"scrap"`. Default `"resume"`.
    #[serde(default = "default_interrupt")]
    pub on_interrupt: InterruptPolicy,
}

fn default_clock() -> FailureClock {
    FailureClock::Calendar
}
fn default_interrupt() -> InterruptPolicy {
    InterruptPolicy::Resume
}

impl FailureSpec {
    /// The repm-des failure configuration.
    #[must_use]
    pub fn to_failure_config(&self) -> FailureConfig {
        let ttr = if self.mttr_cv > 0.0 {
            Distribution::LogNormal {
                mean: self.mttr,
                cv: self.mttr_cv,
            }
        } else {
            Distribution::Exponential { mean: self.mttr }
        };
        FailureConfig {
            time_to_failure: Distribution::Exponential { mean: self.mtbf },
            time_to_repair: ttr,
            clock: self.clock,
            on_interrupt: self.on_interrupt,
        }
    }
}

/// Where a step's yield loss goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ScrapRoute {
    /// Clean scrap: through the HD short loop back into the recycling target step's feed.
    #[default]
    Recycle,
    /// Swarf / dirty scrap: leaves the plant (tolled to hydrometallurgy; credited).
    Swarf,
    /// Lost (dust, slag, off-gas): leaves the plant without credit.
    Loss,
}

/// The material form of a step's output lots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OutputForm {
    /// Alloy (cast flake, HD and jet-milled powder are carried as alloy in this slice).
    #[default]
    Alloy,
    /// Pressed green compact.
    GreenCompact,
    /// Sintered magnet.
    SinteredMagnet,
}

/// An element added to the lots of a step (e.g. Tb for grain-boundary diffusion, O pickup).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdditionSpec {
    /// Element symbol (e.g. `"Tb"`).
    pub element: String,
    /// Mass applied per kg of good output \[g·kg⁻¹\].
    pub applied_g_per_kg: f64,
    /// Fraction of the applied mass that ends in the magnet \[-\]; the rest is a loss.
    pub utilisation: f64,
}

/// One process step: `units` identical pieces of equipment in parallel fed from one input
/// buffer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    /// Step name (unique; reports).
    pub name: String,
    /// Number of parallel units (≥ 1).
    pub units: u32,
    /// Mass per batch \[kg\] (e.g. `"600 kg"`); continuous equipment is fed in batches of this
    /// size.
    #[serde(deserialize_with = "de_mass")]
    pub batch_size: f64,
    /// Cycle time of one batch. Give exactly one of `cycle_time` and `rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle_time: Option<DurationSpec>,
    /// Throughput of one unit while working \[kg·s⁻¹\] (e.g. `"150 kg/h"`); the cycle time is
    /// log-normal with mean `batch_size / rate` and CV `rate_cv`.
    #[serde(
        default,
        deserialize_with = "de_mass_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub rate: Option<f64>,
    /// Coefficient of variation of the cycle time when `rate` is given \[-\]. Default 0.05.
    #[serde(default = "default_rate_cv")]
    pub rate_cv: f64,
    /// Mean yield, good mass out / mass in \[-\], in (0, 1]. Required by the steps that use
    /// the sheet yield (no `[steps.model]`, `kind = "sheet"`, `"sinter"`, `"gbd"`); optional
    /// and ignored for the other models (which set their own split).
    #[serde(rename = "yield", default, skip_serializing_if = "Option::is_none")]
    pub yield_mean: Option<f64>,
    /// Standard deviation of the per-batch yield \[-\] (normal, clipped to \[0, 1\]). Default 0.
    #[serde(default)]
    pub yield_sd: f64,
    /// Probability that a whole batch is scrapped (e.g. a cracked sinter charge) \[-\].
    /// Default 0.
    #[serde(default)]
    pub batch_scrap_probability: f64,
    /// Where the yield loss goes: `"recycle"`, `"swarf"` or `"loss"`. Default `"recycle"`.
    #[serde(default)]
    pub scrap: ScrapRoute,
    /// Breakdowns of each unit; none if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureSpec>,
    /// Name of the working calendar. Default `"always"`.
    #[serde(default = "default_calendar")]
    pub calendar: String,
    /// Capacity of the input buffer in front of this step \[kg\]. Default `"1e9 kg"`
    /// (unlimited). Must hold at least one batch of this step and one output lot of the
    /// step before.
    #[serde(default = "default_buffer", deserialize_with = "de_mass")]
    pub buffer_capacity: f64,
    /// Process electricity per kg processed (mass in) \[kWh·kg⁻¹\]. Default 0.
    #[serde(default)]
    pub energy_kwh_per_kg: f64,
    /// Form of the output lots: `"alloy"`, `"green_compact"` or `"sintered_magnet"`.
    /// Default `"alloy"`.
    #[serde(default)]
    pub output_form: OutputForm,
    /// Elements added to the good output: GBD Tb/Dy from a coating, O picked up from the
    /// milling gas (utilisation 1). Default none.
    #[serde(default)]
    pub additions: Vec<AdditionSpec>,
    /// The step's model, `[steps.model] kind = "..."` (module [`crate::models`]). Default
    /// none: the sheet yield (`yield`, `yield_sd`, `batch_scrap_probability`, `additions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<StepModelConfig>,
}

fn default_rate_cv() -> f64 {
    0.05
}
fn default_calendar() -> String {
    "always".to_owned()
}
fn default_buffer() -> f64 {
    1e9
}

/// The clean-scrap short loop: scrap with route `recycle` is hydrogen-decrepitated (yield
/// `hd_yield`, energy `hd_energy_kwh_per_kg`) and blended into the feed of step `into_step`
/// up to `max_fraction` of each batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecyclingConfig {
    /// Whether recycled scrap is blended back at all; if false, recycle-route scrap leaves the
    /// plant as scrap. Default true.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Name of the step whose feed takes the recycled powder. Default `"jet_mill"`.
    #[serde(default = "default_into")]
    pub into_step: String,
    /// Largest recycled mass fraction of one batch of that step \[-\]. Default 0.25.
    #[serde(default = "default_max_fraction")]
    pub max_fraction: f64,
    /// Yield of the scrap HD (sieving off coatings, fines) \[-\]. Default 0.95.
    #[serde(default = "default_hd_yield")]
    pub hd_yield: f64,
    /// Electricity of the scrap HD per kg scrap \[kWh·kg⁻¹\]. Default 0.6.
    #[serde(default = "default_hd_energy")]
    pub hd_energy_kwh_per_kg: f64,
}

fn default_true() -> bool {
    true
}
fn default_into() -> String {
    "jet_mill".to_owned()
}
fn default_max_fraction() -> f64 {
    0.25
}
fn default_hd_yield() -> f64 {
    0.95
}
fn default_hd_energy() -> f64 {
    0.6
}

impl Default for RecyclingConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            into_step: default_into(),
            max_fraction: default_max_fraction(),
            hd_yield: default_hd_yield(),
            hd_energy_kwh_per_kg: default_hd_energy(),
        }
    }
}

/// Prices and fixed costs (currency: USD; the model is currency-agnostic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EconomicsConfig {
    /// Element symbol → price of the element as purchased metal \[$·kg⁻¹\]. Elements
    /// without a price cost nothing.
    #[serde(default)]
    pub element_prices: BTreeMap<String, f64>,
    /// Fraction of the rare-earth value of swarf credited by the hydromet toller \[-\].
    /// Default 0.5.
    #[serde(default = "default_credit")]
    pub swarf_credit_fraction: f64,
    /// Electricity price \[$·kWh⁻¹\]. Default 0.10.
    #[serde(default = "default_elec")]
    pub electricity_price: f64,
    /// Utilities (dry rooms, gases, chillers, HVAC) as a multiplier on process electricity
    /// \[-\], ≥ 1. Default 1.4.
    #[serde(default = "default_utilities")]
    pub utilities_factor: f64,
    /// Staff \[FTE\]. Default 0.
    #[serde(default)]
    pub staff_fte: f64,
    /// Cost per FTE and year \[$·a⁻¹\]. Default 80 000.
    #[serde(default = "default_fte_cost")]
    pub cost_per_fte: f64,
    /// Consumables (wire, wheels, gases, crucibles, plating) per kg finished magnet
    /// \[$·kg⁻¹\]. Default 0.
    #[serde(default)]
    pub consumables_per_kg: f64,
    /// Capital expenditure \[$\]. Default 0.
    #[serde(default)]
    pub capex: f64,
    /// Maintenance per year as a fraction of capex \[a⁻¹\]. Default 0.035.
    #[serde(default = "default_maint")]
    pub maintenance_fraction: f64,
    /// Straight-line depreciation period \[a\], > 0. Default 15.
    #[serde(default = "default_dep")]
    pub depreciation_years: f64,
}

fn default_credit() -> f64 {
    0.5
}
fn default_elec() -> f64 {
    0.10
}
fn default_utilities() -> f64 {
    1.4
}
fn default_fte_cost() -> f64 {
    80_000.0
}
fn default_maint() -> f64 {
    0.035
}
fn default_dep() -> f64 {
    15.0
}

impl Default for EconomicsConfig {
    fn default() -> Self {
        Self {
            element_prices: BTreeMap::new(),
            swarf_credit_fraction: default_credit(),
            electricity_price: default_elec(),
            utilities_factor: default_utilities(),
            staff_fte: 0.0,
            cost_per_fte: default_fte_cost(),
            consumables_per_kg: 0.0,
            capex: 0.0,
            maintenance_fraction: default_maint(),
            depreciation_years: default_dep(),
        }
    }
}

/// Emission factors (kg CO₂-equivalent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmissionsConfig {
    /// Grid electricity \[kg CO₂e·kWh⁻¹\]. Default 0.4.
    #[serde(default = "default_grid")]
    pub grid_kg_per_kwh: f64,
    /// Element symbol → cradle-to-gate footprint of the purchased element \[kg CO₂e·kg⁻¹\].
    #[serde(default)]
    pub element_factors: BTreeMap<String, f64>,
}

fn default_grid() -> f64 {
    0.4
}

impl Default for EmissionsConfig {
    fn default() -> Self {
        Self {
            grid_kg_per_kwh: default_grid(),
            element_factors: BTreeMap::new(),
        }
    }
}

/// What a sold co-product earns (`[coproducts.<name>]`): a price and an avoided footprint per
/// kg of the co-product as it leaves the plant (element mass of the stream).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CoproductConfig {
    /// Credit per kg of co-product sold \[$·kg⁻¹\], ≥ 0. Default 0.
    #[serde(default)]
    pub credit_per_kg: f64,
    /// Footprint credited per kg of co-product \[kg CO₂e·kg⁻¹\], ≥ 0 (system expansion or an
    /// allocated share of the feed's burden). Default 0.
    #[serde(default)]
    pub co2e_credit_per_kg: f64,
}

pub(crate) fn de_length<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    de_si::<D, repm_material::units::Length>(d)
}

fn de_density<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    de_si::<D, repm_material::units::Density>(d)
}

fn de_concentration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    de_si::<D, repm_material::units::Concentration>(d)
}

/// A general feed of the first step (`[feed]`, instead of `[alloy]`): what enters the plant
/// per kg, its form and its recycled share. Mass fractions may be given per element
/// (`composition`) and per species with a formula (`species`); together with the `balance`
/// element they make 100 wt %.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// Element symbol → mass percent \[wt %\]. Default none.
    #[serde(default)]
    pub composition: BTreeMap<String, f64>,
    /// Species formula (`"Nd2O3"`, `"NdCl3"`, `"H2O"`) → mass percent \[wt %\]. Default none.
    #[serde(default)]
    pub species: BTreeMap<String, f64>,
    /// Element making up the rest to 100 wt %; without one, `composition` and `species`
    /// must sum to 100 wt % (± 1e-6). Default none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<String>,
    /// Mass fraction of the feed that is recycled material \[-\], in \[0, 1\]. Default 0.
    #[serde(default)]
    pub recycled_fraction: f64,
    /// Physical form of the feed lots. Default `{ kind = "alloy" }`.
    #[serde(default)]
    pub form: FeedForm,
    /// Price of the recycled share \[$·kg⁻¹\] (e.g. end-of-life magnets bought per kg); if
    /// absent the recycled share is priced by element like the rest. Default none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recycled_price_per_kg: Option<f64>,
    /// Footprint of the recycled share \[kg CO₂e·kg⁻¹\] (e.g. 2.35, HyProMag company LCA,
    /// process-data §10); if absent the element factors apply. Default none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recycled_co2e_per_kg: Option<f64>,
}

/// The form of the feed lots, `form = { kind = "..." }`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeedForm {
    /// Alloy ingot or flake (the `[alloy]` form).
    #[default]
    Alloy,
    /// Metal.
    Metal,
    /// Oxide.
    Oxide,
    /// Salt (chloride, carbonate, oxalate, fluoride).
    Salt,
    /// Sintered magnets (end-of-life magnets, rejects).
    SinteredMagnet {
        /// Bulk density \[kg·m⁻³\] (e.g. `"7550 kg/m3"`).
        #[serde(deserialize_with = "de_density")]
        density: f64,
        /// Mean grain size \[m\] (e.g. `"5 um"`).
        #[serde(deserialize_with = "de_length")]
        grain_size: f64,
    },
    /// Aqueous solution (leach liquor, SX feed).
    AqueousSolution {
        /// Solution density \[kg·m⁻³\] (the volume of a lot is its mass / density).
        #[serde(deserialize_with = "de_density")]
        density: f64,
        /// Free acidity \[mol·m⁻³\] (e.g. `"0.1 mol/L"`).
        #[serde(deserialize_with = "de_concentration")]
        acidity: f64,
    },
}

/// The plant feed resolved: what one kg of feed is.
#[derive(Debug, Clone)]
pub(crate) struct FeedSpec {
    /// Element mass fractions \[-\].
    pub(crate) fractions: ElementVector,
    /// Species amounts per kg \[mol·kg⁻¹\] (`None`: the `[alloy]` path, element masses).
    pub(crate) species: Option<Vec<(repm_material::Formula, f64)>>,
    /// Form of the feed lots.
    pub(crate) form: FeedForm,
    /// Recycled fraction \[-\].
    pub(crate) recycled_fraction: f64,
}

impl FeedSpec {
    /// A feed lot of `kg` \[kg\] with id `id`.
    pub(crate) fn lot(
        &self,
        id: repm_material::LotId,
        kg: f64,
    ) -> Result<repm_material::Lot, PlantError> {
        use repm_material::{Form, Lot};
        let form = match self.form {
            FeedForm::Alloy => Form::Alloy,
            FeedForm::Metal => Form::Metal,
            FeedForm::Oxide => Form::Oxide,
            FeedForm::Salt => Form::Salt,
            FeedForm::SinteredMagnet {
                density,
                grain_size,
            } => Form::SinteredMagnet {
                density,
                grain_size,
                remanence: None,
                coercivity: None,
            },
            FeedForm::AqueousSolution { density, acidity } => Form::AqueousSolution {
                volume: kg / density,
                acidity,
            },
        };
        let lot = match &self.species {
            None => Lot::from_element_masses(id, form, &(self.fractions * kg))?,
            Some(sp) => Lot::from_species(id, form, sp.iter().map(|(f, n)| (f.clone(), n * kg)))?,
        };
        if self.recycled_fraction > 0.0 {
            Ok(lot.with_recycled_fraction(self.recycled_fraction)?)
        } else {
            Ok(lot)
        }
    }
}

// ---------------------------------------------------------------------------------------
// validation

pub(crate) fn bad(field: impl Into<String>, value: impl ToString, reason: &str) -> PlantError {
    PlantError::Invalid {
        field: field.into(),
        value: value.to_string(),
        reason: reason.to_owned(),
    }
}

pub(crate) fn check_fraction(field: String, v: f64, lo_open: bool) -> Result<(), PlantError> {
    let ok = v.is_finite() && v <= 1.0 && if lo_open { v > 0.0 } else { v >= 0.0 };
    if ok {
        Ok(())
    } else {
        Err(bad(
            field,
            v,
            if lo_open {
                "must be in (0, 1]"
            } else {
                "must be in [0, 1]"
            },
        ))
    }
}

pub(crate) fn check_nonneg(field: String, v: f64) -> Result<(), PlantError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(bad(field, v, "must be finite and >= 0"))
    }
}

pub(crate) fn check_positive(field: String, v: f64) -> Result<(), PlantError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(bad(field, v, "must be finite and > 0"))
    }
}

pub(crate) fn element(field: &str, sym: &str) -> Result<Element, PlantError> {
    Element::from_symbol(sym).ok_or_else(|| bad(field, sym, "unknown element symbol"))
}

impl CalendarSpec {
    /// The repm-des calendar configuration (hours).
    #[must_use]
    pub fn to_calendar_config(&self) -> CalendarConfig {
        let (s, e) = (self.start / 3600.0, self.end / 3600.0);
        let mut c = if self.days.len() == 7 && s <= 0.0 && e >= 24.0 {
            CalendarConfig::default()
        } else {
            CalendarConfig::weekly(&self.days, s, e)
        };
        c.shutdowns = self
            .shutdowns
            .iter()
            .map(|w| Window {
                start: w.start / 3600.0,
                end: (w.start + w.duration) / 3600.0,
            })
            .collect();
        c
    }
}

impl StepConfig {
    /// Mean cycle time of one batch \[s\] (the ideal cycle time of the OEE performance term).
    #[must_use]
    pub fn mean_cycle_time(&self) -> f64 {
        match (&self.cycle_time, self.rate) {
            (Some(d), _) => d.to_distribution().mean(),
            (None, Some(r)) => self.batch_size / r,
            (None, None) => f64::NAN,
        }
    }

    /// The cycle-time distribution \[s\].
    #[must_use]
    pub fn cycle_distribution(&self) -> Distribution {
        match (&self.cycle_time, self.rate) {
            (Some(d), _) => d.to_distribution(),
            (None, Some(r)) if self.rate_cv > 0.0 => Distribution::LogNormal {
                mean: self.batch_size / r,
                cv: self.rate_cv,
            },
            (None, Some(r)) => Distribution::Constant {
                value: self.batch_size / r,
            },
            (None, None) => Distribution::Constant { value: 0.0 },
        }
    }
}

impl FeedConfig {
    /// Checks the feed; errors name `feed.<field>`.
    ///
    /// # Errors
    /// [`PlantError::Invalid`] naming the field.
    pub fn validate(&self) -> Result<(), PlantError> {
        let mut sum = 0.0;
        let bal = match &self.balance {
            Some(b) => Some(element("feed.balance", b)?),
            None => None,
        };
        for (sym, w) in &self.composition {
            let f = format!("feed.composition.{sym}");
            let e = element(&f, sym)?;
            if Some(e) == bal {
                return Err(bad(f, w, "the balance element must not be listed"));
            }
            check_nonneg(f, *w)?;
            sum += w;
        }
        for (formula, w) in &self.species {
            let f = format!("feed.species.{formula}");
            let parsed = repm_material::Formula::parse(formula)
                .map_err(|e| bad(f.clone(), formula, &e.to_string()))?;
            if parsed.charge() != 0 || parsed.molar_mass() <= 0.0 {
                return Err(bad(
                    f,
                    formula,
                    "must be a neutral species with a molar mass",
                ));
            }
            check_nonneg(f, *w)?;
            sum += w;
        }
        match bal {
            Some(_) if sum >= 100.0 => {
                return Err(bad(
                    "feed.composition",
                    sum,
                    "listed elements and species must sum to less than 100 wt %",
                ));
            }
            None if (sum - 100.0).abs() > 1e-6 => {
                return Err(bad(
                    "feed.composition",
                    sum,
                    "without `balance`, elements and species must sum to 100 wt %",
                ));
            }
            _ => {}
        }
        check_fraction(
            "feed.recycled_fraction".into(),
            self.recycled_fraction,
            false,
        )?;
        match self.form {
            FeedForm::SinteredMagnet {
                density,
                grain_size,
            } => {
                check_positive("feed.form.density".into(), density)?;
                check_positive("feed.form.grain_size".into(), grain_size)?;
            }
            FeedForm::AqueousSolution { density, acidity } => {
                check_positive("feed.form.density".into(), density)?;
                check_nonneg("feed.form.acidity".into(), acidity)?;
            }
            _ => {}
        }
        if let Some(p) = self.recycled_price_per_kg {
            check_nonneg("feed.recycled_price_per_kg".into(), p)?;
        }
        if let Some(p) = self.recycled_co2e_per_kg {
            check_nonneg("feed.recycled_co2e_per_kg".into(), p)?;
        }
        Ok(())
    }
}

impl PlantConfig {
    /// Element mass fractions of the plant feed (`[alloy]` or `[feed]`) \[-\].
    ///
    /// # Errors
    /// [`PlantError::Invalid`] for unknown symbols or formulas, or when neither or both of
    /// `alloy` and `feed` are given.
    pub fn feed_fractions(&self) -> Result<ElementVector, PlantError> {
        Ok(self.feed_spec()?.fractions)
    }

    /// The resolved plant feed (`[alloy]` or `[feed]`), per kg.
    ///
    /// # Errors
    /// [`PlantError::Invalid`] for unknown symbols or formulas, or when neither or both of
    /// `alloy` and `feed` are given.
    pub(crate) fn feed_spec(&self) -> Result<FeedSpec, PlantError> {
        match (&self.alloy, &self.feed) {
            (Some(a), None) => {
                let mut alloy = ElementVector::zeros();
                let mut listed = 0.0;
                for (sym, w) in &a.composition {
                    alloy[element("alloy.composition", sym)?] += w / 100.0;
                    listed += w / 100.0;
                }
                alloy[element("alloy.balance", &a.balance)?] += 1.0 - listed;
                Ok(FeedSpec {
                    fractions: alloy,
                    species: None,
                    form: FeedForm::Alloy,
                    recycled_fraction: 0.0,
                })
            }
            (None, Some(f)) => {
                let mut species = Vec::new();
                let mut listed = 0.0;
                for (sym, w) in &f.composition {
                    let e = element("feed.composition", sym)?;
                    species.push((
                        repm_material::Formula::element(e),
                        w / 100.0 / e.molar_mass(),
                    ));
                    listed += w / 100.0;
                }
                for (formula, w) in &f.species {
                    let fo = repm_material::Formula::parse(formula).map_err(|e| {
                        bad(format!("feed.species.{formula}"), formula, &e.to_string())
                    })?;
                    let m = fo.molar_mass();
                    species.push((fo, w / 100.0 / m));
                    listed += w / 100.0;
                }
                if let Some(b) = &f.balance {
                    let e = element("feed.balance", b)?;
                    species.push((
                        repm_material::Formula::element(e),
                        (1.0 - listed).max(0.0) / e.molar_mass(),
                    ));
                }
                let mut fractions = ElementVector::zeros();
                for (fo, n) in &species {
                    fractions += *fo.counts() * *n;
                }
                let fractions = fractions.amounts_to_masses();
                Ok(FeedSpec {
                    fractions,
                    species: Some(species),
                    form: f.form,
                    recycled_fraction: f.recycled_fraction,
                })
            }
            _ => Err(bad(
                "alloy",
                "",
                "give exactly one of `[alloy]` and `[feed]`",
            )),
        }
    }

    /// Parse a plant from TOML text. `file` names the source in errors.
    ///
    /// # Errors
    /// [`PlantError::Parse`] with file, line, column and the TOML/serde message (which names
    /// the field); [`PlantError::Invalid`] from [`validate`](Self::validate), with the line of
    /// the field where it can be found.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self, PlantError> {
        let cfg: PlantConfig = toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
        cfg.validate().map_err(|e| match e {
            PlantError::Invalid {
                field,
                value,
                reason,
            } => {
                let line = locate_field(text, &field).unwrap_or(0);
                PlantError::InvalidAt {
                    file: file.to_owned(),
                    line,
                    field,
                    value,
                    reason,
                }
            }
            other => other,
        })?;
        Ok(cfg)
    }

    /// Read and parse a plant file.
    ///
    /// # Errors
    /// [`PlantError::Io`] if the file cannot be read; otherwise as
    /// [`from_toml_str`](Self::from_toml_str).
    pub fn from_file(path: &std::path::Path) -> Result<Self, PlantError> {
        let text = read(path)?;
        let file = path.display().to_string();
        let table = parse_table(&text, &file)?;
        if !table.contains_key("extends") {
            return Self::from_toml_str(&text, &file);
        }
        let merged = resolve_scenario(path, table, 0)?;
        let cfg = PlantConfig::deserialize(toml::Value::Table(merged)).map_err(|e| {
            PlantError::Parse {
                file: file.clone(),
                line: 0,
                column: 0,
                message: format!(
                    "{} (after applying `extends` and `overrides`)",
                    e.message().trim()
                ),
            }
        })?;
        cfg.validate().map_err(|e| match e {
            PlantError::Invalid {
                field,
                value,
                reason,
            } => PlantError::InvalidAt {
                line: locate_override(&text, &field).unwrap_or(0),
                file: file.clone(),
                field,
                value,
                reason,
            },
            other => other,
        })?;
        Ok(cfg)
    }

    /// The built-in reference plant (`examples/plants/ndfeb-2000tpa.toml`, process-data §11).
    ///
    /// # Errors
    /// Only if the embedded file is broken (a test guards it).
    pub fn reference() -> Result<Self, PlantError> {
        Self::from_toml_str(REFERENCE_PLANT_TOML, "<built-in ndfeb-2000tpa.toml>")
    }

    /// Index of the step named `name`.
    #[must_use]
    pub fn step_index(&self, name: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.name == name)
    }

    /// Checks every value; errors name the dotted field path (`steps[3].units`).
    ///
    /// # Errors
    /// [`PlantError::Invalid`] naming the field, the value and the rule broken.
    pub fn validate(&self) -> Result<(), PlantError> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(bad(
                "schema_version",
                self.schema_version,
                "unsupported schema version (this build reads 1)",
            ));
        }
        check_positive("horizon".into(), self.horizon)?;
        if self.horizon > 4.0e9 {
            return Err(bad(
                "horizon",
                self.horizon,
                "too long (at most ~150 years)",
            ));
        }
        if self.replications == 0 {
            return Err(bad("replications", 0, "must be >= 1"));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(bad("confidence", self.confidence, "must be in (0, 1)"));
        }
        // alloy / feed
        match (&self.alloy, &self.feed) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(bad(
                    "alloy",
                    "",
                    "give exactly one of `[alloy]` and `[feed]`",
                ));
            }
            _ => {}
        }
        if let Some(alloy) = &self.alloy {
            let bal = element("alloy.balance", &alloy.balance)?;
            let mut sum = 0.0;
            for (sym, w) in &alloy.composition {
                let f = format!("alloy.composition.{sym}");
                let e = element(&f, sym)?;
                if e == bal {
                    return Err(bad(f, w, "the balance element must not be listed"));
                }
                check_nonneg(f.clone(), *w)?;
                sum += w;
            }
            if sum >= 100.0 {
                return Err(bad(
                    "alloy.composition",
                    sum,
                    "listed elements must sum to less than 100 wt %",
                ));
            }
        }
        if let Some(feed) = &self.feed {
            feed.validate()?;
        }
        // calendars
        for (name, c) in &self.calendars {
            let f = format!("calendars.{name}");
            if name == "always" {
                return Err(bad(f, name, "`always` is built in and cannot be redefined"));
            }
            for (i, d) in c.days.iter().enumerate() {
                if *d > 6 {
                    return Err(bad(
                        format!("{f}.days[{i}]"),
                        d,
                        "must be 0 (Mon) … 6 (Sun)",
                    ));
                }
            }
            if c.end <= c.start {
                return Err(bad(format!("{f}.end"), c.end, "must be after start"));
            }
            for (i, s) in c.shutdowns.iter().enumerate() {
                check_positive(format!("{f}.shutdowns[{i}].duration"), s.duration)?;
            }
            repm_des::calendar::Calendar::new(&c.to_calendar_config())
                .map_err(|e| bad(f, "", &e.to_string()))?;
        }
        // steps
        if self.steps.is_empty() {
            return Err(bad("steps", 0, "a plant needs at least one step"));
        }
        for (i, s) in self.steps.iter().enumerate() {
            let f = |k: &str| format!("steps[{i}].{k}");
            if s.name.trim().is_empty() {
                return Err(bad(f("name"), "", "must not be empty"));
            }
            if self.steps[..i].iter().any(|o| o.name == s.name) {
                return Err(bad(f("name"), &s.name, "duplicate step name"));
            }
            if s.units == 0 {
                return Err(bad(f("units"), s.units, "must be >= 1"));
            }
            if s.units > 10_000 {
                return Err(bad(f("units"), s.units, "must be <= 10000"));
            }
            check_positive(f("batch_size"), s.batch_size)?;
            match (&s.cycle_time, s.rate) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err(bad(
                        f("cycle_time"),
                        "",
                        "give exactly one of `cycle_time` and `rate`",
                    ));
                }
                (Some(d), None) => {
                    d.to_distribution()
                        .validate(&f("cycle_time"))
                        .map_err(|e| bad(f("cycle_time"), "", &e.to_string()))?;
                    check_positive(f("cycle_time"), d.to_distribution().mean())?;
                }
                (None, Some(r)) => {
                    check_positive(f("rate"), r)?;
                    check_nonneg(f("rate_cv"), s.rate_cv)?;
                }
            }
            let uses_yield = s.model.as_ref().is_none_or(|m| m.spec().uses_sheet_yield());
            match s.yield_mean {
                Some(y) => check_fraction(f("yield"), y, true)?,
                None if uses_yield => {
                    return Err(bad(
                        f("yield"),
                        "(missing)",
                        &format!(
                            "step `{}` needs `yield`: its model applies the sheet yield",
                            s.name
                        ),
                    ));
                }
                None => {}
            }
            check_nonneg(f("yield_sd"), s.yield_sd)?;
            check_fraction(
                f("batch_scrap_probability"),
                s.batch_scrap_probability,
                false,
            )?;
            if let Some(fl) = &s.failure {
                check_positive(f("failure.mtbf"), fl.mtbf)?;
                check_positive(f("failure.mttr"), fl.mttr)?;
                check_nonneg(f("failure.mttr_cv"), fl.mttr_cv)?;
                fl.to_failure_config()
                    .validate(&f("failure"))
                    .map_err(|e| bad(f("failure"), "", &e.to_string()))?;
            }
            if s.calendar != "always" && !self.calendars.contains_key(&s.calendar) {
                return Err(bad(f("calendar"), &s.calendar, "no calendar of that name"));
            }
            check_positive(f("buffer_capacity"), s.buffer_capacity)?;
            if s.buffer_capacity < s.batch_size {
                return Err(bad(
                    f("buffer_capacity"),
                    s.buffer_capacity,
                    "must hold at least one batch of this step",
                ));
            }
            if i > 0 && s.buffer_capacity < self.steps[i - 1].batch_size {
                return Err(bad(
                    f("buffer_capacity"),
                    s.buffer_capacity,
                    "must hold at least one batch of the step before",
                ));
            }
            check_nonneg(f("energy_kwh_per_kg"), s.energy_kwh_per_kg)?;
            for (k, a) in s.additions.iter().enumerate() {
                let g = |x: &str| f(&format!("additions[{k}].{x}"));
                element(&g("element"), &a.element)?;
                check_nonneg(g("applied_g_per_kg"), a.applied_g_per_kg)?;
                check_fraction(g("utilisation"), a.utilisation, false)?;
            }
        }
        // recycling
        let r = &self.recycling;
        if r.enabled && self.step_index(&r.into_step).is_none() {
            return Err(bad(
                "recycling.into_step",
                &r.into_step,
                "no step of that name",
            ));
        }
        check_fraction("recycling.max_fraction".into(), r.max_fraction, false)?;
        if r.max_fraction >= 1.0 {
            return Err(bad("recycling.max_fraction", r.max_fraction, "must be < 1"));
        }
        check_fraction("recycling.hd_yield".into(), r.hd_yield, true)?;
        check_nonneg(
            "recycling.hd_energy_kwh_per_kg".into(),
            r.hd_energy_kwh_per_kg,
        )?;
        // economics
        let ec = &self.economics;
        for (sym, p) in &ec.element_prices {
            let fld = format!("economics.element_prices.{sym}");
            element(&fld, sym)?;
            check_nonneg(fld, *p)?;
        }
        check_fraction(
            "economics.swarf_credit_fraction".into(),
            ec.swarf_credit_fraction,
            false,
        )?;
        check_nonneg("economics.electricity_price".into(), ec.electricity_price)?;
        if !(ec.utilities_factor.is_finite() && ec.utilities_factor >= 1.0) {
            return Err(bad(
                "economics.utilities_factor",
                ec.utilities_factor,
                "must be >= 1",
            ));
        }
        check_nonneg("economics.staff_fte".into(), ec.staff_fte)?;
        check_nonneg("economics.cost_per_fte".into(), ec.cost_per_fte)?;
        check_nonneg("economics.consumables_per_kg".into(), ec.consumables_per_kg)?;
        check_nonneg("economics.capex".into(), ec.capex)?;
        check_nonneg(
            "economics.maintenance_fraction".into(),
            ec.maintenance_fraction,
        )?;
        check_positive("economics.depreciation_years".into(), ec.depreciation_years)?;
        // emissions
        check_nonneg(
            "emissions.grid_kg_per_kwh".into(),
            self.emissions.grid_kg_per_kwh,
        )?;
        for (sym, v) in &self.emissions.element_factors {
            let fld = format!("emissions.element_factors.{sym}");
            element(&fld, sym)?;
            check_nonneg(fld, *v)?;
        }
        // co-product credits: every name must be a co-product some step model makes
        for (name, c) in &self.coproducts {
            let fld = format!("coproducts.{name}");
            let known: Vec<String> = self
                .steps
                .iter()
                .filter_map(|s| s.model.as_ref())
                .flat_map(|m| m.spec().coproduct_names())
                .collect();
            if !known.iter().any(|k| k == name) {
                let list = if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                };
                return Err(bad(
                    fld,
                    name,
                    &format!("no step makes a co-product of that name (co-products: {list})"),
                ));
            }
            check_nonneg(format!("{fld}.credit_per_kg"), c.credit_per_kg)?;
            check_nonneg(format!("{fld}.co2e_credit_per_kg"), c.co2e_credit_per_kg)?;
        }
        // step models and quality
        let feed_fractions = self.feed_spec()?.fractions;
        for (i, s) in self.steps.iter().enumerate() {
            if let Some(m) = &s.model {
                let ctx = BuildContext {
                    plant: self,
                    step: Some(i),
                    feed_fractions,
                    replication: 0,
                };
                m.spec().validate(&ctx, &format!("steps[{i}].model"))?;
            }
        }
        let ctx = BuildContext {
            plant: self,
            step: None,
            feed_fractions,
            replication: 0,
        };
        self.quality.spec().validate(&ctx)?;
        Ok(())
    }
}

/// Parses a time span with a unit (`"30 d"`, `"8000 h"`) or a plain number of seconds, for
/// command-line overrides of `horizon`; `what` names the option in errors.
///
/// # Errors
/// [`PlantError::Invalid`] naming `what` for a bad unit, a negative or non-finite value.
pub fn parse_time_span(what: &str, s: &str) -> Result<f64, PlantError> {
    let v = match s.trim().parse::<f64>() {
        Ok(x) => x,
        Err(_) => s
            .parse::<TimeSpan>()
            .map_err(|e| bad(what, s, &e.to_string()))?
            .si(),
    };
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(bad(what, s, "must be a positive time span"))
    }
}

/// A TOML/serde error of `text` (read from `file`) as [`PlantError::Parse`]: line and column
/// of the error's span and the message with the offending source line.
pub(crate) fn toml_error(text: &str, file: &str, e: &toml::de::Error) -> PlantError {
    let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
    let src = text
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .trim();
    let message = if src.is_empty() {
        e.message().trim().to_owned()
    } else {
        format!("{} (in `{src}`)", e.message().trim())
    };
    PlantError::Parse {
        file: file.to_owned(),
        line,
        column,
        message,
    }
}

fn read(path: &std::path::Path) -> Result<String, PlantError> {
    std::fs::read_to_string(path).map_err(|e| PlantError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

fn parse_table(text: &str, file: &str) -> Result<toml::Table, PlantError> {
    text.parse::<toml::Table>()
        .map_err(|e| toml_error(text, file, &e))
}

/// Line of the override key that set `field` (`steps[4].units` ← `"steps.sinter.units"`), or
/// of a plain key, in a scenario file.
fn locate_override(text: &str, field: &str) -> Option<usize> {
    let last = field.rsplit('.').next()?;
    let last = last.split('[').next()?;
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with(&format!("\"{last}")) || t.contains(&format!(".{last}\""))
        })
        .map(|n| n + 1)
        .or_else(|| locate_field(text, field))
}

/// Resolves a scenario: `extends` names a base plant file (relative to this file), whose
/// table is taken, then this file's other top-level keys replace the base's, then each entry
/// of `[overrides]` sets a dotted path (an array of tables is indexed by the `name` of its
/// element or by a number: `"steps.sinter.units" = 15`).
fn resolve_scenario(
    path: &std::path::Path,
    mut table: toml::Table,
    depth: usize,
) -> Result<toml::Table, PlantError> {
    let file = path.display().to_string();
    let err = |field: &str, value: String, reason: &str| PlantError::InvalidAt {
        file: file.clone(),
        line: 0,
        field: field.to_owned(),
        value,
        reason: reason.to_owned(),
    };
    if depth > 8 {
        return Err(err(
            "extends",
            String::new(),
            "more than 8 levels of `extends`",
        ));
    }
    let Some(ext) = table.remove("extends") else {
        return Ok(table);
    };
    let Some(ext) = ext.as_str() else {
        return Err(err(
            "extends",
            ext.to_string(),
            "must be a file path string",
        ));
    };
    let base_path = path
        .parent()
        .unwrap_or_else(|| std::path::Path::new("."))
        .join(ext);
    let base_text = read(&base_path)?;
    let base_table = parse_table(&base_text, &base_path.display().to_string())?;
    let mut merged = resolve_scenario(&base_path, base_table, depth + 1)?;
    let overrides = match table.remove("overrides") {
        None => toml::Table::new(),
        Some(toml::Value::Table(t)) => t,
        Some(v) => return Err(err("overrides", v.to_string(), "must be a table")),
    };
    for (k, v) in table {
        // `feed` and `alloy` are alternatives: giving one replaces the other
        match k.as_str() {
            "feed" => {
                merged.remove("alloy");
            }
            "alloy" => {
                merged.remove("feed");
            }
            _ => {}
        }
        merged.insert(k, v);
    }
    for (key, value) in overrides {
        let field = format!("overrides.\"{key}\"");
        apply_override(&mut merged, &key, value).map_err(|(v, r)| err(&field, v, &r))?;
    }
    Ok(merged)
}

/// Sets the dotted path `key` of a plant table to `value`, as one entry of `[overrides]`
/// does (an array of tables is indexed by the `name` of its element or by a number:
/// `"steps.sinter.units"`). Also used by [`crate::sensitivity`]. The error is (offending
/// value, reason).
pub(crate) fn apply_override(
    merged: &mut toml::Table,
    key: &str,
    value: toml::Value,
) -> Result<(), (String, String)> {
    let segs: Vec<&str> = key.split('.').collect();
    let mut cur = merged;
    for (n, seg) in segs.iter().enumerate() {
        let last = n + 1 == segs.len();
        if last {
            cur.insert((*seg).to_owned(), value.clone());
            break;
        }
        let entry = cur
            .entry((*seg).to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(t) => t,
            toml::Value::Array(a) => {
                let next = segs[n + 1];
                let idx = next.parse::<usize>().ok().or_else(|| {
                    a.iter()
                        .position(|x| x.get("name").and_then(toml::Value::as_str) == Some(next))
                });
                let Some(i) = idx.filter(|i| *i < a.len()) else {
                    return Err((
                        next.to_owned(),
                        "no array element of that name or index".to_owned(),
                    ));
                };
                if n + 2 == segs.len() {
                    a[i] = value.clone();
                    break;
                }
                // skip the selector segment
                match &mut a[i] {
                    toml::Value::Table(t) => {
                        let rest = segs[n + 2..].join(".");
                        apply_path(t, &rest, value.clone()).map_err(|r| (key.to_owned(), r))?;
                        break;
                    }
                    _ => {
                        return Err((key.to_owned(), "array element is not a table".to_owned()));
                    }
                }
            }
            _ => {
                return Err((
                    key.to_owned(),
                    "path goes through a value that is not a table".to_owned(),
                ));
            }
        };
    }
    Ok(())
}

/// Sets a dotted path inside a table (tables only; used below an array selector).
fn apply_path(t: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let mut cur = t;
    let segs: Vec<&str> = path.split('.').collect();
    for (n, seg) in segs.iter().enumerate() {
        if n + 1 == segs.len() {
            cur.insert((*seg).to_owned(), value);
            return Ok(());
        }
        let e = cur
            .entry((*seg).to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match e {
            toml::Value::Table(t) => t,
            _ => return Err(format!("`{seg}` is not a table")),
        };
    }
    Ok(())
}

/// The reference plant file, embedded.
pub const REFERENCE_PLANT_TOML: &str = include_str!("../../../examples/plants/ndfeb-2000tpa.toml");

/// 1-based (line, column) of byte offset `pos` in `text`.
#[must_use]
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(pos, |n| pos - n - 1) + 1;
    (line, col)
}

/// Best-effort 1-based line of a dotted field path (`steps[3].failure.mtbf`) in a TOML
/// plant file written in the usual style (tables and arrays of tables as headers, keys one
/// per line). `None` when it cannot be found.
#[must_use]
pub fn locate_field(text: &str, field: &str) -> Option<usize> {
    // Split "steps[3].failure.mtbf" into segments with optional indices.
    let mut table_path: Vec<(String, Option<usize>)> = Vec::new();
    for seg in field.split('.') {
        if let Some((name, rest)) = seg.split_once('[') {
            let idx = rest.trim_end_matches(']').parse().ok();
            table_path.push((name.to_owned(), idx));
        } else {
            table_path.push((seg.to_owned(), None));
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    // Find the header of the innermost table we can, then the key after it.
    let mut start = 0usize;
    let mut prefix = String::new();
    let mut key_line = None;
    for (depth, (name, idx)) in table_path.iter().enumerate() {
        let header_name = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let last = depth + 1 == table_path.len();
        // key `name` inside the current table
        let end = lines[start..]
            .iter()
            .skip(usize::from(start > 0))
            .position(|l| l.trim_start().starts_with('['))
            .map_or(lines.len(), |p| start + p + usize::from(start > 0));
        if let Some(p) = lines[start..end].iter().position(|l| {
            let t = l.trim_start();
            t.strip_prefix(name.as_str())
                .is_some_and(|r| r.trim_start().starts_with('=') || r.starts_with('.'))
        }) {
            key_line = Some(start + p + 1);
            if last || idx.is_none() {
                // inline value or dotted key: the best we can do
                if last {
                    return key_line;
                }
            }
        }
        let want = match idx {
            Some(k) => (format!("[[{header_name}]]"), *k),
            None => (format!("[{header_name}]"), 0),
        };
        let found = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim() == want.0)
            .nth(want.1)
            .map(|(n, _)| n);
        match found {
            Some(n) => {
                start = n;
                key_line = Some(n + 1);
                prefix = header_name;
            }
            None => return key_line,
        }
    }
    key_line
}

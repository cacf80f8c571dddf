//! Molten-salt electrolysis of rare-earth oxide in a REF₃–LiF bath with a consumable carbon
//! anode (science page `docs/science/reduction.md`, section E, equations E1–E12).
//!
//! The pure model is a [`Cell`]: configuration plus state (bath, dissolved oxide, sludge, metal
//! pool, cumulative inputs and outputs, energy). Between events every rate is constant, so
//! [`Cell::advance`] integrates exactly (piecewise linear), splitting the interval itself where
//! the dissolved oxide crosses the anode-effect threshold or runs out:
//!
//! * normal regime: the current `I` reduces oxide with current efficiency CE(T, j) (E2); metal
//!   forms at `CE·I/(z̄F)` mol RE per second (Faraday, E1); the anode gas is CO₂/CO in the
//!   configured ratio (E6), plus air burn of the anode;
//! * anode effect (dissolved oxide at or below the threshold): a fraction of the current
//!   decomposes the fluoride bath into CF₄ and C₂F₆ (E8), the cell voltage jumps;
//! * starved (no dissolved oxide left): the whole current goes to fluoride decomposition.
//!
//! The event wrapper ([`crate::events::ElectrolysisCellModel`]) feeds oxide, taps metal and
//! kills anode effects on the shared clock.

use repm_material::thermo::{DataSetName, ThermoSet, mixture_enthalpy, reaction_props};
use repm_material::units::{Area, Temperature, de_si};
use repm_material::{Element, ElementVector, Form, Formula, Lot, LotId};
use serde::{Deserialize, Serialize};

use crate::data;
use crate::error::{ReductionError, Result, fraction, in_range, non_negative, positive};
use crate::ledger::Ledger;

/// Reference temperature at which feeds (oxide, anode carbon, air) enter \[K\].
pub const T_FEED: f64 = 298.15;

/// One oxide of the feed with its mass fraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OxideComponent {
    /// Oxide formula of one rare earth, e.g. `"Nd2O3"`, `"Pr2O3"`.
    pub formula: String,
    /// Mass fraction in the feed \[-\].
    pub mass_fraction: f64,
}

/// One salt of the bath with its mass fraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BathComponent {
    /// Salt formula, e.g. `"NdF3"`, `"LiF"`.
    pub formula: String,
    /// Mass fraction in the oxide-free bath \[-\].
    pub mass_fraction: f64,
}

/// Electrolyte bath.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BathConfig {
    /// Salts of the oxide-free bath. Default NdF₃ 65.6 %, PrF₃ 21.9 %, LiF 12.5 % by mass: the
    /// 87.5/12.5 wt % REF₃–LiF electrolyte of MDPI Metals 10 (2020) 576 with Nd:Pr = 3:1.
    pub salts: Vec<BathComponent>,
    /// Mass of the oxide-free bath \[kg\]. Default 800 kg **(est.)** for a 6 kA cell.
    pub mass: f64,
    /// Dissolved-oxide mass fraction at start \[-\]. Default 0.02 (2 wt %, SINTEF practice).
    pub initial_oxide: f64,
    /// Oxide solubility: dissolved-oxide mass fraction above which fed oxide settles as sludge
    /// \[-\]. Default 0.035 (2–4 wt %, J. Sustain. Metall. 2017).
    pub saturation: f64,
    /// Dissolved-oxide mass fraction at or below which an anode effect starts \[-\].
    /// Default 0.005 **(est.)**.
    pub anode_effect_threshold: f64,
}

impl Default for BathConfig {
    fn default() -> Self {
        BathConfig {
            salts: vec![
                BathComponent {
                    formula: "NdF3".into(),
                    mass_fraction: 0.65625,
                },
                BathComponent {
                    formula: "PrF3".into(),
                    mass_fraction: 0.21875,
                },
                BathComponent {
                    formula: "LiF".into(),
                    mass_fraction: 0.125,
                },
            ],
            mass: 800.0,
            initial_oxide: 0.02,
            saturation: 0.035,
            anode_effect_threshold: 0.005,
        }
    }
}

/// Current efficiency CE(T, j) = CE_ref + a_T (T − T_ref) + a_j (j − j_ref), clamped to
/// `[min, max]` (E2). Signs from the FLiNdBa study (CE falls with T, rises with current
/// density); magnitudes **(est.)**.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CurrentEfficiency {
    /// CE at the reference point \[-\]. Default 0.80 (industrial range 70–85 %, Liao et al.,
    /// Metals 14 (2024) 407).
    pub reference: f64,
    /// Reference temperature \[K\]. Default 1313.15 K (1040 °C).
    #[serde(deserialize_with = "de_si::<_, Temperature>")]
    pub reference_temperature: f64,
    /// Reference cathode current density \[A·m⁻²\]. Default 3.6e4 A/m² (3.6 A/cm², FLiNdBa).
    pub reference_current_density: f64,
    /// dCE/dT \[K⁻¹\]. Default −1.0e-3 **(est.)**.
    pub temperature_slope: f64,
    /// dCE/dj \[m²·A⁻¹\]. Default 2.0e-6 (2 % per A/cm²) **(est.)**.
    pub current_density_slope: f64,
    /// Lower clamp \[-\]. Default 0.05.
    pub min: f64,
    /// Upper clamp \[-\]. Default 0.99.
    pub max: f64,
}

impl Default for CurrentEfficiency {
    fn default() -> Self {
        CurrentEfficiency {
            reference: 0.80,
            reference_temperature: 1313.15,
            reference_current_density: 3.6e4,
            temperature_slope: -1.0e-3,
            current_density_slope: 2.0e-6,
            min: 0.05,
            max: 0.99,
        }
    }
}

/// Cell voltage U = E_rev(T) + η_a + I·(R_bath + R_ext) (E4), with the anode overvoltage
/// η_a = η_ref + b·ln(j/j_ref) (Tafel, E5). Defaults reproduce the split measured on a 6 kA
/// NdF₃–LiF cell run at 4010 A (preprints.org 202409.0791: 4.43 V melt, 0.248 V conductors,
/// 1.622 V electrode interfaces, 6.28 V in all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoltageModel {
    /// Anode overvoltage at the reference current density \[V\]. Default 0.17 V: the measured
    /// 1.622 V of the electrode interfaces minus the reversible potential computed for NdPr
    /// oxide with 97 % CO₂ anode gas at 1040 °C (1.453 V, FREED-derived data set).
    pub anode_overvoltage: f64,
    /// Tafel slope b \[V\] (per e-fold of current density). Default 0.05 V **(est.)**.
    pub tafel_slope: f64,
    /// Ohmic resistance of the bath \[Ω\]. Default 1.105e-3 Ω (4.43 V / 4010 A).
    pub bath_resistance: f64,
    /// Ohmic resistance of conductors and contacts \[Ω\]. Default 6.18e-5 Ω (0.248 V / 4010 A).
    pub external_resistance: f64,
    /// Cell voltage during an anode effect \[V\]. Default 25 V **(est.)**.
    pub anode_effect_voltage: f64,
}

impl Default for VoltageModel {
    fn default() -> Self {
        VoltageModel {
            anode_overvoltage: 0.17,
            tafel_slope: 0.05,
            bath_resistance: 1.105e-3,
            external_resistance: 6.18e-5,
            anode_effect_voltage: 25.0,
        }
    }
}

/// Anode gas and carbon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnodeConfig {
    /// Molar fraction of CO₂ in the carbon oxides leaving the anode, r = CO₂/(CO + CO₂) \[-\].
    /// Default 0.97 (CO₂ > 97 % of the carbon in measured industrial potlines).
    pub co2_fraction: f64,
    /// Anode carbon burnt by air ingress, per kg of metal \[kg·kg⁻¹\]. Default 0.03
    /// **(est.)**, within the 46–187 kg C/t RE measured at Chinese plants.
    pub air_burn: f64,
}

impl Default for AnodeConfig {
    fn default() -> Self {
        AnodeConfig {
            co2_fraction: 0.97,
            air_burn: 0.03,
        }
    }
}

/// Anode-effect behaviour (E8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnodeEffectConfig {
    /// Fraction of the current that decomposes fluoride during an anode effect \[-\].
    /// Default 0.5 **(est.)**.
    pub pfc_current_fraction: f64,
    /// Molar ratio C₂F₆/CF₄ in the PFC gas \[-\]. Default 0.1 **(est.)**.
    pub c2f6_to_cf4: f64,
    /// Current efficiency of oxide reduction during an anode effect \[-\]. Default 0.3 **(est.)**.
    pub current_efficiency: f64,
}

impl Default for AnodeEffectConfig {
    fn default() -> Self {
        AnodeEffectConfig {
            pfc_current_fraction: 0.5,
            c2f6_to_cf4: 0.1,
            current_efficiency: 0.3,
        }
    }
}

/// A molten-salt electrolysis cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CellConfig {
    /// Cell current \[A\]. Default 6000 A (a 6 kA cell; 3–10 kA cited).
    pub current: f64,
    /// Bath temperature \[K\]. Default 1313.15 K (1040 °C, SINTEF Metals 11 (2021) 326).
    #[serde(deserialize_with = "de_si::<_, Temperature>")]
    pub temperature: f64,
    /// Active cathode area \[m²\]. Default 0.1667 m² (3.6 A/cm² at 6 kA) **(est.)**.
    #[serde(deserialize_with = "de_si::<_, Area>")]
    pub cathode_area: f64,
    /// Oxide feed composition. Default Nd₂O₃ 75 %, Pr₂O₃ 25 % by mass (NdPr oxide, Pr:Nd ≈ 1:3).
    pub oxide: Vec<OxideComponent>,
    /// The bath.
    pub bath: BathConfig,
    /// Current efficiency model.
    pub current_efficiency: CurrentEfficiency,
    /// Voltage model.
    pub voltage: VoltageModel,
    /// Anode gas and carbon.
    pub anode: AnodeConfig,
    /// Anode effects.
    pub anode_effect: AnodeEffectConfig,
    /// Oxygen in the tapped metal as oxide inclusions, mass fraction \[-\]. Default 3e-4
    /// (300 ppm) **(est.)**; commercial RE metals often carry > 1000 ppm O (TMS 1989).
    pub metal_oxygen: f64,
    /// Thermochemistry data set for E_rev and enthalpies. Default FREED-derived.
    pub thermo_data_set: DataSetName,
    /// GWP set for PFCs: `"SAR"` or `"AR5"`. Default `"AR5"`.
    pub gwp_set: String,
}

impl Default for CellConfig {
    fn default() -> Self {
        CellConfig {
            current: 6000.0,
            temperature: 1313.15,
            cathode_area: 0.1667,
            oxide: vec![
                OxideComponent {
                    formula: "Nd2O3".into(),
                    mass_fraction: 0.75,
                },
                OxideComponent {
                    formula: "Pr2O3".into(),
                    mass_fraction: 0.25,
                },
            ],
            bath: BathConfig::default(),
            current_efficiency: CurrentEfficiency::default(),
            voltage: VoltageModel::default(),
            anode: AnodeConfig::default(),
            anode_effect: AnodeEffectConfig::default(),
            metal_oxygen: 3e-4,
            thermo_data_set: DataSetName::FreedDerived,
            gwp_set: "AR5".into(),
        }
    }
}

/// Operating regime of the cell between two transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Regime {
    /// Dissolved oxide above the anode-effect threshold.
    Normal,
    /// Anode effect: part of the current makes PFCs.
    AnodeEffect,
    /// No dissolved oxide: the whole current makes PFCs.
    Starved,
    /// A rare-earth fluoride of the bath is used up: the cell cannot carry current and stops
    /// (an operating failure the feeding policy must prevent).
    Dead,
}

/// One oxide of the feed, resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OxideInfo {
    formula: String,
    re: Element,
    re_symbol: String,
    /// RE atoms per formula unit.
    a: f64,
    /// O atoms per formula unit.
    b: f64,
    /// Electrons per RE atom z = 2b/a.
    z: f64,
    /// Molar mass \[kg/mol\].
    molar_mass: f64,
    /// Fraction of RE atoms in the feed from this oxide \[-\].
    re_atom_fraction: f64,
    /// Fluoride of this RE in the bath, if any.
    fluoride: Option<String>,
}

/// Rates \[mol·s⁻¹\] and power \[W\] in one regime (E1, E6–E9).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rates {
    /// Dissolved oxide consumed (electrolysed plus carried into the metal) \[mol·s⁻¹\] by species.
    pub oxide: Ledger,
    /// Bath fluoride decomposed \[mol·s⁻¹\] by species.
    pub fluoride: Ledger,
    /// Metal pool growth \[mol·s⁻¹\] by species (RE metals and oxide inclusions).
    pub metal: Ledger,
    /// Carbon consumed (electrochemical + air burn) \[mol·s⁻¹\].
    pub carbon: f64,
    /// O₂ drawn from air by air burn \[mol·s⁻¹\].
    pub air_o2: f64,
    /// Anode gas \[mol·s⁻¹\] by species (CO, CO2, CF4, C2F6).
    pub gas: Ledger,
    /// Cell voltage \[V\].
    pub voltage: f64,
    /// Electric power \[W\].
    pub power: f64,
}

/// Cumulative energy accounts \[J\] (E10–E11).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnergyAccount {
    /// Electric energy into the cell \[J\].
    pub electric: f64,
    /// Enthalpy change of the reactions, feeds at 298.15 K → products at bath temperature \[J\].
    pub reaction_enthalpy: f64,
}

impl EnergyAccount {
    /// Heat lost to the surroundings \[J\]: what the electric energy supplied beyond the
    /// reaction enthalpy (E11). Negative means the cell would cool down.
    pub fn heat_loss(&self) -> f64 {
        self.electric - self.reaction_enthalpy
    }
}

/// State and accounts of a cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellState {
    /// Time since start \[s\].
    pub time: f64,
    /// Current regime.
    pub regime: Regime,
    /// Bath salts \[mol\] by species (fluorides, LiF).
    pub bath: Ledger,
    /// Dissolved oxide \[mol\] by species.
    pub dissolved: Ledger,
    /// Undissolved oxide (sludge) \[mol\] by species.
    pub sludge: Ledger,
    /// Metal pool not yet tapped \[mol\] by species.
    pub pool: Ledger,
    /// Everything fed so far \[mol\] by species (oxide, anode carbon `C`, air `O2`).
    pub fed: Ledger,
    /// Metal tapped so far \[mol\] by species.
    pub tapped: Ledger,
    /// Anode gas released so far \[mol\] by species.
    pub gas: Ledger,
    /// Energy accounts.
    pub energy: EnergyAccount,
    /// Anode effects started so far.
    pub anode_effects: u64,
    /// Time spent in anode effect or starved \[s\].
    pub anode_effect_time: f64,
}

/// A summary of a cell's performance so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellReport {
    /// Elapsed time \[s\].
    pub time: f64,
    /// Metal produced (tapped + pool) \[kg\].
    pub metal: f64,
    /// Oxide fed \[kg\].
    pub oxide_fed: f64,
    /// Mean current efficiency over the run (metal from oxide and fluoride vs charge passed) \[-\].
    pub current_efficiency: f64,
    /// Electric energy per kg metal \[kWh·kg⁻¹\].
    pub specific_energy_kwh_per_kg: f64,
    /// Anode carbon per kg metal \[kg·kg⁻¹\].
    pub carbon_per_kg: f64,
    /// Direct CO₂ per tonne of metal \[kg·t⁻¹\] (CO₂ only, as measured in potlines).
    pub co2_kg_per_t: f64,
    /// CO per tonne of metal \[kg·t⁻¹\].
    pub co_kg_per_t: f64,
    /// PFC emissions as CO₂e per tonne of metal \[kg·t⁻¹\] with the configured GWP set.
    pub pfc_co2e_kg_per_t: f64,
    /// Number of anode effects.
    pub anode_effects: u64,
    /// Heat lost to the surroundings \[J\].
    pub heat_loss: f64,
    /// Dissolved-oxide mass fraction now \[-\].
    pub dissolved_oxide_fraction: f64,
}

/// A molten-salt electrolysis cell: validated configuration, derived constants and state.
#[derive(Debug, Clone)]
pub struct Cell {
    cfg: CellConfig,
    oxides: Vec<OxideInfo>,
    thermo: ThermoSet,
    faraday: f64,
    /// Mean electrons per RE atom of the feed \[-\].
    z_mean: f64,
    ce: f64,
    ce_clamped: bool,
    e_rev: f64,
    gwp: (f64, f64),
    rates: [Rates; 4],
    /// Reaction enthalpy rate per regime \[W\].
    dh_rate: [f64; 4],
    state: CellState,
}

fn regime_index(r: Regime) -> usize {
    match r {
        Regime::Normal => 0,
        Regime::AnodeEffect => 1,
        Regime::Starved => 2,
        Regime::Dead => 3,
    }
}

impl CellConfig {
    /// Validate every field.
    ///
    /// # Errors
    /// [`ReductionError::InvalidParameter`] naming the field and the value.
    pub fn validate(&self) -> Result<()> {
        positive("cell.current", self.current)?;
        in_range("cell.temperature", self.temperature, 900.0, 1600.0)?;
        positive("cell.cathode_area", self.cathode_area)?;
        if self.oxide.is_empty() {
            return Err(ReductionError::invalid(
                "cell.oxide",
                "[]",
                "at least one oxide",
            ));
        }
        let mut sum = 0.0;
        for (i, o) in self.oxide.iter().enumerate() {
            fraction(&format!("cell.oxide[{i}].mass_fraction"), o.mass_fraction)?;
            sum += o.mass_fraction;
        }
        if (sum - 1.0).abs() > 1e-9 {
            return Err(ReductionError::invalid(
                "cell.oxide.mass_fraction (sum)",
                sum,
                "must sum to 1",
            ));
        }
        let mut sum = 0.0;
        for (i, s) in self.bath.salts.iter().enumerate() {
            fraction(
                &format!("cell.bath.salts[{i}].mass_fraction"),
                s.mass_fraction,
            )?;
            Formula::parse(&s.formula)?;
            sum += s.mass_fraction;
        }
        if (sum - 1.0).abs() > 1e-9 {
            return Err(ReductionError::invalid(
                "cell.bath.salts.mass_fraction (sum)",
                sum,
                "must sum to 1",
            ));
        }
        positive("cell.bath.mass", self.bath.mass)?;
        fraction("cell.bath.saturation", self.bath.saturation)?;
        fraction(
            "cell.bath.anode_effect_threshold",
            self.bath.anode_effect_threshold,
        )?;
        if self.bath.anode_effect_threshold >= self.bath.saturation {
            return Err(ReductionError::invalid(
                "cell.bath.anode_effect_threshold",
                self.bath.anode_effect_threshold,
                "must be below cell.bath.saturation",
            ));
        }
        in_range(
            "cell.bath.initial_oxide",
            self.bath.initial_oxide,
            0.0,
            self.bath.saturation,
        )?;
        let ce = &self.current_efficiency;
        fraction("cell.current_efficiency.reference", ce.reference)?;
        positive(
            "cell.current_efficiency.reference_temperature",
            ce.reference_temperature,
        )?;
        positive(
            "cell.current_efficiency.reference_current_density",
            ce.reference_current_density,
        )?;
        if !ce.temperature_slope.is_finite() {
            return Err(ReductionError::invalid(
                "cell.current_efficiency.temperature_slope",
                ce.temperature_slope,
                "must be finite",
            ));
        }
        if !ce.current_density_slope.is_finite() {
            return Err(ReductionError::invalid(
                "cell.current_efficiency.current_density_slope",
                ce.current_density_slope,
                "must be finite",
            ));
        }
        fraction("cell.current_efficiency.min", ce.min)?;
        fraction("cell.current_efficiency.max", ce.max)?;
        if ce.min > ce.max || ce.max <= 0.0 {
            return Err(ReductionError::invalid(
                "cell.current_efficiency.min",
                ce.min,
                "must be <= max and max > 0",
            ));
        }
        let v = &self.voltage;
        non_negative("cell.voltage.anode_overvoltage", v.anode_overvoltage)?;
        non_negative("cell.voltage.tafel_slope", v.tafel_slope)?;
        non_negative("cell.voltage.bath_resistance", v.bath_resistance)?;
        non_negative("cell.voltage.external_resistance", v.external_resistance)?;
        positive("cell.voltage.anode_effect_voltage", v.anode_effect_voltage)?;
        fraction("cell.anode.co2_fraction", self.anode.co2_fraction)?;
        non_negative("cell.anode.air_burn", self.anode.air_burn)?;
        fraction(
            "cell.anode_effect.pfc_current_fraction",
            self.anode_effect.pfc_current_fraction,
        )?;
        non_negative(
            "cell.anode_effect.c2f6_to_cf4",
            self.anode_effect.c2f6_to_cf4,
        )?;
        fraction(
            "cell.anode_effect.current_efficiency",
            self.anode_effect.current_efficiency,
        )?;
        in_range("cell.metal_oxygen", self.metal_oxygen, 0.0, 0.05)?;
        data::gwp_set(&self.gwp_set)?;
        Ok(())
    }
}

fn resolve_oxide(i: usize, o: &OxideComponent) -> Result<(Element, f64, f64, f64)> {
    let f = Formula::parse(&o.formula)?;
    let mut re = None;
    let mut b = 0.0;
    for (e, n) in f.counts().iter_nonzero() {
        if e == Element::O {
            b = n;
        } else if e.is_rare_earth() && re.is_none() {
            re = Some((e, n));
        } else {
            return Err(ReductionError::invalid(
                format!("cell.oxide[{i}].formula"),
                &o.formula,
                "must be an oxide of one rare earth (e.g. Nd2O3)",
            ));
        }
    }
    match re {
        Some((e, a)) if b > 0.0 => Ok((e, a, b, f.molar_mass())),
        _ => Err(ReductionError::invalid(
            format!("cell.oxide[{i}].formula"),
            &o.formula,
            "must be an oxide of one rare earth (e.g. Nd2O3)",
        )),
    }
}

impl Cell {
    /// A cell at time zero with the configured bath and dissolved oxide.
    ///
    /// # Errors
    /// Invalid configuration; species missing from the thermochemistry data set.
    pub fn new(cfg: CellConfig) -> Result<Cell> {
        cfg.validate()?;
        let thermo = ThermoSet::new(cfg.thermo_data_set)?;
        let faraday = data::faraday();
        // Oxides: RE atoms per kg feed → atom fractions.
        let mut oxides = Vec::new();
        let mut re_atoms_total = 0.0;
        for (i, o) in cfg.oxide.iter().enumerate() {
            let (re, a, b, m) = resolve_oxide(i, o)?;
            let re_atoms = o.mass_fraction / m * a;
            re_atoms_total += re_atoms;
            let fluoride = cfg
                .bath
                .salts
                .iter()
                .find(|s| {
                    Formula::parse(&s.formula).is_ok_and(|f| {
                        let c = f.counts();
                        c[re] > 0.0 && (c[Element::F] - 3.0 * c[re]).abs() < 1e-12
                    })
                })
                .map(|s| s.formula.clone());
            oxides.push(OxideInfo {
                formula: o.formula.clone(),
                re,
                re_symbol: re.symbol().to_string(),
                a,
                b,
                z: 2.0 * b / a,
                molar_mass: m,
                re_atom_fraction: re_atoms,
                fluoride,
            });
        }
        for o in &mut oxides {
            o.re_atom_fraction /= re_atoms_total;
        }
        let z_mean = oxides.iter().map(|o| o.re_atom_fraction * o.z).sum::<f64>();
        // Bath and initial dissolved oxide.
        let mut bath = Ledger::new();
        for s in &cfg.bath.salts {
            let m = Formula::parse(&s.formula)?.molar_mass();
            bath.add(&s.formula, cfg.bath.mass * s.mass_fraction / m);
        }
        let oxide_mass0 = cfg.bath.mass * cfg.bath.initial_oxide / (1.0 - cfg.bath.initial_oxide);
        let mut dissolved = Ledger::new();
        for (o, c) in oxides.iter().zip(&cfg.oxide) {
            dissolved.add(&o.formula, oxide_mass0 * c.mass_fraction / o.molar_mass);
        }
        let gwp = data::gwp_set(&cfg.gwp_set)?;
        let mut cell = Cell {
            oxides,
            thermo,
            faraday,
            z_mean,
            ce: 0.0,
            ce_clamped: false,
            e_rev: 0.0,
            gwp: (gwp.cf4, gwp.c2f6),
            rates: Default::default(),
            dh_rate: [0.0; 4],
            state: CellState {
                time: 0.0,
                regime: Regime::Normal,
                bath,
                dissolved,
                sludge: Ledger::new(),
                pool: Ledger::new(),
                fed: Ledger::new(),
                tapped: Ledger::new(),
                gas: Ledger::new(),
                energy: EnergyAccount::default(),
                anode_effects: 0,
                anode_effect_time: 0.0,
            },
            cfg,
        };
        let (ce, clamped) = cell.compute_current_efficiency();
        if clamped {
            tracing::warn!(ce, "current efficiency clamped to its configured range");
        }
        cell.ce = ce;
        cell.ce_clamped = clamped;
        cell.e_rev = cell.reversible_potential()?;
        for r in [Regime::Normal, Regime::AnodeEffect, Regime::Starved] {
            let rates = cell.compute_rates(r)?;
            cell.dh_rate[regime_index(r)] = cell.enthalpy_rate(&rates)?;
            cell.rates[regime_index(r)] = rates;
        }
        cell.update_regime_after_feed();
        Ok(cell)
    }

    /// The configuration.
    pub fn config(&self) -> &CellConfig {
        &self.cfg
    }

    /// The state.
    pub fn state(&self) -> &CellState {
        &self.state
    }

    /// Replace the state (checkpoint restore).
    pub fn set_state(&mut self, state: CellState) {
        self.state = state;
    }

    /// Cathode current density j = I/A \[A·m⁻²\].
    pub fn current_density(&self) -> f64 {
        self.cfg.current / self.cfg.cathode_area
    }

    fn compute_current_efficiency(&self) -> (f64, bool) {
        let c = &self.cfg.current_efficiency;
        let raw = c.reference
            + c.temperature_slope * (self.cfg.temperature - c.reference_temperature)
            + c.current_density_slope * (self.current_density() - c.reference_current_density);
        let ce = raw.clamp(c.min, c.max);
        (ce, raw < c.min || raw > c.max)
    }

    /// Current efficiency of oxide reduction in the normal regime \[-\] (E2), and whether it
    /// was clamped to the configured range.
    pub fn current_efficiency(&self) -> (f64, bool) {
        (self.ce, self.ce_clamped)
    }

    /// Reversible decomposition potential of the feed oxide with the configured anode gas
    /// \[V\] (E3): E_rev = Σ ΔrG_i / (F Σ z_i), per RE atom of the feed.
    ///
    /// # Errors
    /// Species missing from the data set.
    pub fn reversible_potential(&self) -> Result<f64> {
        let t = self.cfg.temperature;
        let r = self.cfg.anode.co2_fraction;
        // Per mol O2 liberated at the anode: 2/(1+r) mol C → 2r/(1+r) CO2 + 2(1-r)/(1+r) CO.
        let c_per_o2 = 2.0 / (1.0 + r);
        let mut dg = 0.0;
        let mut electrons = 0.0;
        for o in &self.oxides {
            // Per mol RE atom: (1/a) RE_aO_b + (b/2a)(2/(1+r)) C = RE + (b/a)(r/(1+r)) CO2 + ...
            let o2 = o.b / (2.0 * o.a);
            let mut stoich: Vec<(f64, &str)> = vec![
                (-1.0 / o.a, o.formula.as_str()),
                (-o2 * c_per_o2, "C"),
                (1.0, o.re_symbol.as_str()),
            ];
            if r > 0.0 {
                stoich.push((o2 * c_per_o2 * r, "CO2"));
            }
            if r < 1.0 {
                stoich.push((o2 * c_per_o2 * (1.0 - r), "CO"));
            }
            let p = reaction_props(&self.thermo, &stoich, t)?;
            dg += o.re_atom_fraction * p.dg;
            electrons += o.re_atom_fraction * o.z;
        }
        Ok(dg / (electrons * self.faraday))
    }

    /// Cell voltage in the normal regime \[V\] (E4, E5).
    pub fn normal_voltage(&self) -> f64 {
        let v = &self.cfg.voltage;
        let j_ratio =
            self.current_density() / self.cfg.current_efficiency.reference_current_density;
        let eta = (v.anode_overvoltage + v.tafel_slope * j_ratio.ln()).max(0.0);
        self.e_rev + eta + self.cfg.current * (v.bath_resistance + v.external_resistance)
    }

    /// Rates in a regime (E1, E6–E9).
    fn compute_rates(&self, regime: Regime) -> Result<Rates> {
        let i = self.cfg.current;
        let f = self.faraday;
        let ae = &self.cfg.anode_effect;
        let (oxide_current, ce, pfc_current, voltage) = match regime {
            Regime::Normal => (i, self.ce, 0.0, self.normal_voltage()),
            Regime::AnodeEffect => (
                i * (1.0 - ae.pfc_current_fraction),
                ae.current_efficiency,
                i * ae.pfc_current_fraction,
                self.cfg.voltage.anode_effect_voltage,
            ),
            Regime::Starved => (0.0, 0.0, i, self.cfg.voltage.anode_effect_voltage),
            Regime::Dead => return Ok(Rates::default()),
        };
        let mut rates = Rates {
            voltage,
            power: voltage * i,
            ..Rates::default()
        };
        // E1: RE atoms from oxide.
        let re_from_oxide = ce * oxide_current / (self.z_mean * f);
        let mut metal_mass_rate = 0.0;
        let mut o_released = 0.0;
        for o in &self.oxides {
            let n_re = o.re_atom_fraction * re_from_oxide;
            rates.oxide.add(&o.formula, n_re / o.a);
            rates.metal.add(&o.re_symbol, n_re);
            o_released += n_re * o.b / o.a;
            metal_mass_rate += n_re * o.re.molar_mass();
        }
        // E8: fluoride decomposition into CF4/C2F6; RE from the bath fluorides pro rata.
        let mut cf4 = 0.0;
        let mut c2f6 = 0.0;
        if pfc_current > 0.0 {
            let f_ions = pfc_current / f; // mol F- discharged per s
            let q = ae.c2f6_to_cf4;
            cf4 = f_ions / (4.0 + 6.0 * q);
            c2f6 = q * cf4;
            let fluorides: Vec<(String, Element, f64)> = self
                .state
                .bath
                .items()
                .into_iter()
                .filter_map(|(s, n)| {
                    let form = Formula::parse(&s).ok()?;
                    let c = form.counts();
                    let re = c.iter_nonzero().find(|(e, _)| e.is_rare_earth())?.0;
                    ((c[Element::F] - 3.0 * c[re]).abs() < 1e-12 && (c[re] - 1.0).abs() < 1e-12)
                        .then_some((s, re, n))
                })
                .collect();
            let total: f64 = fluorides.iter().map(|x| x.2).sum();
            if total <= 0.0 {
                return Err(ReductionError::InvalidCharge(
                    "bath holds no rare-earth trifluoride to decompose during an anode effect"
                        .into(),
                ));
            }
            let n_re = f_ions / 3.0;
            for (s, re, n) in fluorides {
                let k = n / total;
                rates.fluoride.add(&s, k * n_re);
                rates.metal.add(re.symbol(), k * n_re);
                metal_mass_rate += k * n_re * re.molar_mass();
            }
        }
        // Oxygen carried into the metal as oxide inclusions (w_O of the metal mass), taken from
        // the dissolved oxide pro rata; it leaves the anode-gas oxygen budget untouched.
        let w = self.cfg.metal_oxygen;
        if w > 0.0 && metal_mass_rate > 0.0 && oxide_current > 0.0 {
            let o_mass = w / (1.0 - w) * metal_mass_rate;
            let o_mol = o_mass / Element::O.molar_mass();
            let b_mean: f64 = self
                .oxides
                .iter()
                .map(|o| o.re_atom_fraction * o.b / o.a)
                .sum();
            for o in &self.oxides {
                // RE atoms carried per mol O: split by feed composition.
                let n_re = o.re_atom_fraction * o_mol / b_mean;
                rates.oxide.add(&o.formula, n_re / o.a);
                rates.metal.add(&o.formula, n_re / o.a);
            }
        }
        // E6: anode gas from the electrolysed oxide.
        let r = self.cfg.anode.co2_fraction;
        let c_elec = o_released / (1.0 + r);
        rates.gas.add("CO2", r * c_elec);
        rates.gas.add("CO", (1.0 - r) * c_elec);
        // E7: air burn.
        let c_air = self.cfg.anode.air_burn * metal_mass_rate / Element::C.molar_mass();
        rates.gas.add("CO2", c_air);
        rates.air_o2 = c_air;
        rates.gas.add("CF4", cf4);
        rates.gas.add("C2F6", c2f6);
        rates.carbon = c_elec + c_air + cf4 + 2.0 * c2f6;
        Ok(rates)
    }

    /// Enthalpy rate of the reactions \[W\]: products at the bath temperature minus feeds at
    /// 298.15 K (oxide, carbon, air O₂); fluoride decomposed is already at bath temperature (E10).
    fn enthalpy_rate(&self, r: &Rates) -> Result<f64> {
        let t = self.cfg.temperature;
        let mut products = r.metal.items();
        products.extend(r.gas.items());
        let h_out = mixture_enthalpy(&self.thermo, &products, t)?;
        let mut feeds = r.oxide.items();
        feeds.push(("C".into(), r.carbon));
        feeds.push(("O2".into(), r.air_o2));
        feeds.retain(|(_, n)| *n > 0.0);
        let h_in = mixture_enthalpy(&self.thermo, &feeds, T_FEED)?
            + mixture_enthalpy(&self.thermo, &r.fluoride.items(), t)?;
        Ok(h_out - h_in)
    }

    /// Rates of the current regime.
    pub fn rates(&self) -> &Rates {
        &self.rates[regime_index(self.state.regime)]
    }

    /// Rates of a given regime.
    pub fn rates_in(&self, regime: Regime) -> &Rates {
        &self.rates[regime_index(regime)]
    }

    /// Dissolved oxide \[kg\].
    pub fn dissolved_mass(&self) -> f64 {
        self.oxides
            .iter()
            .map(|o| self.state.dissolved.get(&o.formula) * o.molar_mass)
            .sum()
    }

    /// Bath salts \[kg\].
    pub fn bath_mass(&self) -> f64 {
        self.state.bath.mass().unwrap_or(f64::NAN)
    }

    /// Dissolved-oxide mass fraction of the bath \[-\].
    pub fn dissolved_fraction(&self) -> f64 {
        let m = self.dissolved_mass();
        m / (m + self.bath_mass())
    }

    /// Dissolved-oxide consumption in the current regime \[kg·s⁻¹\].
    fn oxide_mass_rate(&self, regime: Regime) -> f64 {
        let r = self.rates_in(regime);
        self.oxides
            .iter()
            .map(|o| r.oxide.get(&o.formula) * o.molar_mass)
            .sum()
    }

    /// Dissolved oxide mass \[kg\] at which the bath sits at the anode-effect threshold.
    fn threshold_mass(&self) -> f64 {
        let w = self.cfg.bath.anode_effect_threshold;
        w / (1.0 - w) * self.bath_mass()
    }

    /// Time \[s\] until the first bath fluoride runs out at the current regime's rates.
    fn time_to_fluoride_exhaustion(&self) -> Option<f64> {
        self.rates()
            .fluoride
            .items()
            .iter()
            .filter(|(_, r)| *r > 0.0)
            .map(|(s, r)| self.state.bath.get(s) / r)
            .min_by(f64::total_cmp)
    }

    /// Time \[s\] until the next regime transition with no feeding, and the regime reached
    /// (None: no transition ahead).
    pub fn next_transition(&self) -> Option<(f64, Regime)> {
        let rate = self.oxide_mass_rate(self.state.regime);
        let fluoride = self
            .time_to_fluoride_exhaustion()
            .map(|t| (t.max(0.0), Regime::Dead));
        let oxide = match self.state.regime {
            Regime::Normal if rate > 0.0 => Some((
                ((self.dissolved_mass() - self.threshold_mass()) / rate).max(0.0),
                Regime::AnodeEffect,
            )),
            Regime::AnodeEffect if rate > 0.0 => {
                Some(((self.dissolved_mass() / rate).max(0.0), Regime::Starved))
            }
            _ => None,
        };
        match (oxide, fluoride) {
            (Some(o), Some(f)) => Some(if f.0 < o.0 { f } else { o }),
            (o, f) => o.or(f),
        }
    }

    /// Time \[s\] until the next regime transition with no feeding (None: none ahead).
    pub fn time_to_transition(&self) -> Option<f64> {
        self.next_transition().map(|(t, _)| t)
    }

    /// Integrate `dt` \[s\] exactly, switching regime where the dissolved oxide reaches the
    /// anode-effect threshold (Normal → AnodeEffect) or runs out (AnodeEffect → Starved).
    /// Returns the number of anode effects that started.
    ///
    /// # Errors
    /// Negative or non-finite `dt`; an inventory going negative (an internal error).
    pub fn advance(&mut self, dt: f64) -> Result<u64> {
        non_negative("advance.dt", dt)?;
        let mut left = dt;
        let mut started = 0;
        // Without feeding the regime only moves forward: at most three transitions.
        for _ in 0..4 {
            match self.next_transition() {
                Some((tau, next)) if tau <= left => {
                    self.apply(tau)?;
                    left -= tau;
                    started += u64::from(self.force_transition(next));
                }
                _ => {
                    self.apply(left)?;
                    break;
                }
            }
        }
        Ok(started)
    }

    /// The transition reached at the computed time: Normal → AnodeEffect, AnodeEffect →
    /// Starved (the dissolved oxide is then exactly zero), any → Dead (a bath fluoride is used
    /// up). Returns whether an anode effect started.
    fn force_transition(&mut self, next: Regime) -> bool {
        let started = self.state.regime == Regime::Normal && next != Regime::Normal;
        match next {
            Regime::AnodeEffect => {
                tracing::debug!(t = self.state.time, "anode effect starts");
            }
            Regime::Starved => {
                // Round-off below the clean tolerance: the oxide is gone.
                self.state.dissolved.0.clear();
            }
            Regime::Dead => {
                tracing::warn!(t = self.state.time, "bath fluoride used up: the cell stops");
                for (s, _) in self.rates().fluoride.items() {
                    if self.state.bath.get(&s) <= 1e-9 * (1.0 + self.cfg.bath.mass) {
                        self.state.bath.0.remove(&s);
                    }
                }
            }
            Regime::Normal => {}
        }
        if started {
            self.state.anode_effects += 1;
        }
        self.state.regime = next;
        started
    }

    /// Regime from the dissolved oxide after a feed (feeding can only end or ease an anode
    /// effect, never start one).
    fn update_regime_after_feed(&mut self) {
        if self.state.regime == Regime::Dead {
            return;
        }
        let m = self.dissolved_mass();
        self.state.regime = if m > self.threshold_mass() {
            Regime::Normal
        } else if m > 0.0 {
            Regime::AnodeEffect
        } else {
            Regime::Starved
        };
    }

    fn apply(&mut self, dt: f64) -> Result<()> {
        if dt <= 0.0 {
            return Ok(());
        }
        let k = regime_index(self.state.regime);
        let r = self.rates[k].clone();
        let st = &mut self.state;
        st.dissolved.add_scaled(&r.oxide, -dt);
        st.bath.add_scaled(&r.fluoride, -dt);
        st.pool.add_scaled(&r.metal, dt);
        st.gas.add_scaled(&r.gas, dt);
        st.fed.add("C", r.carbon * dt);
        st.fed.add("O2", r.air_o2 * dt);
        st.energy.electric += r.power * dt;
        st.energy.reaction_enthalpy += self.dh_rate[k] * dt;
        if st.regime != Regime::Normal {
            st.anode_effect_time += dt;
        }
        st.time += dt;
        let tol = 1e-9 * (1.0 + self.cfg.bath.mass / 0.1);
        st.dissolved.clean(tol)?;
        st.bath.clean(tol)?;
        Ok(())
    }

    /// Feed `mass` \[kg\] of oxide of the configured composition; what exceeds the solubility
    /// settles as sludge. Updates the regime (feeding ends an anode effect once the dissolved
    /// oxide is back above the threshold).
    ///
    /// # Errors
    /// Negative or non-finite mass.
    pub fn feed(&mut self, mass: f64) -> Result<()> {
        non_negative("feed.mass", mass)?;
        let sat = self.cfg.bath.saturation;
        let cap = (sat / (1.0 - sat) * self.bath_mass() - self.dissolved_mass()).max(0.0);
        let dissolved = mass.min(cap);
        for (o, c) in self.oxides.iter().zip(&self.cfg.oxide) {
            let n = mass * c.mass_fraction / o.molar_mass;
            let nd = dissolved * c.mass_fraction / o.molar_mass;
            self.state.fed.add(&o.formula, n);
            self.state.dissolved.add(&o.formula, nd);
            self.state.sludge.add(&o.formula, n - nd);
        }
        self.update_regime_after_feed();
        Ok(())
    }

    /// Tap the metal pool as a [`Lot`] (form `Metal`).
    ///
    /// # Errors
    /// Lot construction errors (internal).
    pub fn tap(&mut self, id: LotId) -> Result<Lot> {
        let lot = self.state.pool.to_lot(id, Form::Metal)?;
        self.state.tapped.add_scaled(&self.state.pool, 1.0);
        self.state.pool = Ledger::new();
        Ok(lot)
    }

    /// Element amounts \[mol\] of the cell inventory (bath, dissolved, sludge, pool).
    ///
    /// # Errors
    /// Invalid species names (internal).
    pub fn inventory(&self) -> Result<ElementVector> {
        Ok(self.state.bath.element_amounts()?
            + self.state.dissolved.element_amounts()?
            + self.state.sludge.element_amounts()?
            + self.state.pool.element_amounts()?)
    }

    /// Performance summary so far.
    ///
    /// # Errors
    /// Invalid species names (internal).
    pub fn report(&self) -> Result<CellReport> {
        let st = &self.state;
        let mut metal = st.tapped.clone();
        metal.add_scaled(&st.pool, 1.0);
        let metal_mass = metal.mass()?;
        let re_metal: f64 = metal
            .items()
            .iter()
            .filter_map(|(s, n)| Element::from_symbol(s).map(|e| n * e.molar_mass()))
            .sum();
        let charge = self.cfg.current * st.time;
        let electrons: f64 = self
            .oxides
            .iter()
            .map(|o| metal.get(&o.re_symbol) * o.z)
            .sum();
        let ce = if charge > 0.0 {
            electrons * self.faraday / charge
        } else {
            0.0
        };
        let per_t = |kg: f64| {
            if re_metal > 0.0 {
                kg / re_metal * 1000.0
            } else {
                0.0
            }
        };
        let mass_of =
            |s: &str| -> Result<f64> { Ok(st.gas.get(s) * Formula::parse(s)?.molar_mass()) };
        let pfc = mass_of("CF4")? * self.gwp.0 + mass_of("C2F6")? * self.gwp.1;
        let oxide_fed: f64 = self
            .oxides
            .iter()
            .map(|o| st.fed.get(&o.formula) * o.molar_mass)
            .sum();
        Ok(CellReport {
            time: st.time,
            metal: metal_mass,
            oxide_fed,
            current_efficiency: ce,
            specific_energy_kwh_per_kg: if metal_mass > 0.0 {
                st.energy.electric / 3.6e6 / metal_mass
            } else {
                0.0
            },
            carbon_per_kg: if metal_mass > 0.0 {
                st.fed.get("C") * Element::C.molar_mass() / metal_mass
            } else {
                0.0
            },
            co2_kg_per_t: per_t(mass_of("CO2")?),
            co_kg_per_t: per_t(mass_of("CO")?),
            pfc_co2e_kg_per_t: per_t(pfc),
            anode_effects: st.anode_effects,
            heat_loss: st.energy.heat_loss(),
            dissolved_oxide_fraction: self.dissolved_fraction(),
        })
    }

    /// Faraday mass of metal \[kg\] for charge `q` \[C\] at current efficiency `ce` \[-\] with the
    /// feed's RE mix (E1): m = q·CE·M̄/(z̄F), M̄ the RE-atom-weighted molar mass.
    pub fn faraday_mass(&self, q: f64, ce: f64) -> f64 {
        let m_mean: f64 = self
            .oxides
            .iter()
            .map(|o| o.re_atom_fraction * o.re.molar_mass())
            .sum();
        q * ce * m_mean / (self.z_mean * self.faraday)
    }
}

//! Calciothermic reduction of rare-earth trifluorides in a tantalum crucible, and vacuum
//! remelting of the raw metal (science page `docs/science/reduction.md`, section C,
//! equations C1–C9).
//!
//! 2 REF₃ + 3 Ca = 2 RE + 3 CaF₂ for each rare earth of the charge, with:
//! * equilibrium conversion from ΔrG°(T) of the configured data set, with the slag
//!   (REF₃, CaF₂, CaCl₂, CaI₂) and the metal (the RE metals) as ideal solutions and calcium as a
//!   separate liquid (Ca and the RE metals are nearly immiscible) whose activity is 1 while it
//!   lasts; when calcium runs short it is consumed entirely and its activity falls until the
//!   calcium balance closes (C2–C4);
//! * an I₂ booster (Ca + I₂ → CaI₂, complete) and a CaCl₂ flux as options;
//! * empirical splits for what thermodynamics omits (C5): Ca picked up by the metal, metal
//!   entrained in the slag, oxide impurity reporting to the metal, Ta worn from the crucible,
//!   excess Ca vaporised;
//! * the energy balance: adiabatic temperature of the charge, external heat to reach the
//!   tapping temperature, electric energy with the furnace efficiency (C6–C8).

use repm_material::thermo::{
    AdiabaticOptions, AdiabaticResult, ChargeItem, DataSetName, InputConvention, ThermoSet,
    adiabatic_temperature, heat_to_temperature, reaction_props,
};
use repm_material::units::{Mass, Power, Temperature, TimeSpan, de_si};
use repm_material::{Element, Formula};
use serde::{Deserialize, Serialize};

use crate::error::{ReductionError, Result, fraction, in_range, non_negative, positive};
use crate::ledger::Ledger;

/// A salt of the charge with its mass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaltCharge {
    /// Formula of a rare-earth trifluoride, e.g. `"DyF3"`.
    pub formula: String,
    /// Mass charged \[kg\] (config: `"50 kg"` or a number in kg).
    #[serde(deserialize_with = "de_si::<_, Mass>")]
    pub mass: f64,
}

/// One calciothermic batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CalciothermicConfig {
    /// Fluorides charged. Default 50 kg DyF₃ **(est.)** (industrial batch sizes are not
    /// published; > 0.4 kg in the Ames lab batches of ISC-149).
    pub fluoride: Vec<SaltCharge>,
    /// Mass fraction of RE₂O₃ impurity in the fluoride feed \[-\]. Default 0.005 **(est.)**.
    pub oxide_impurity: f64,
    /// Calcium over the stoichiometric need of fluoride and booster, as a fraction \[-\]
    /// (−0.5 … 2; negative = short). Default 0.15 (10–25 % **(est.)**, thermo-data.md §9.1).
    pub ca_excess: f64,
    /// I₂ booster per mol of REF₃ \[mol·mol⁻¹\]. Default 0 (no open industrial ratio).
    pub iodine_per_fluoride: f64,
    /// CaCl₂ flux per mass of fluoride \[kg·kg⁻¹\]. Default 0.
    pub cacl2_per_fluoride: f64,
    /// Charge temperature \[K\]. Default 298.15 K.
    #[serde(deserialize_with = "de_si::<_, Temperature>")]
    pub charge_temperature: f64,
    /// Tapping (reaction) temperature \[K\]. Default 1773.15 K (1500 °C; ≥ 1450 °C for the
    /// heavy RE, Gschneidner).
    #[serde(deserialize_with = "de_si::<_, Temperature>")]
    pub tapping_temperature: f64,
    /// Ca mass fraction of the raw metal \[-\]. Default 0.015 (≈ 1.5 wt %, USBM RI 9391).
    pub metal_calcium: f64,
    /// Fraction of the reduced metal entrained in the slag \[-\]. Default 0.02 **(est.)**
    /// (> 97 % yield, Spedding & McGinnis ISC-149).
    pub metal_entrainment: f64,
    /// Fraction of the charge oxide impurity reporting to the metal \[-\]. Default 0.3 **(est.)**.
    pub oxide_to_metal: f64,
    /// Ta worn from the crucible per batch \[kg\]. Default 0.05 kg **(est.)**.
    #[serde(deserialize_with = "de_si::<_, Mass>")]
    pub crucible_wear: f64,
    /// Fraction of the worn Ta dissolved in the metal \[-\] (rest to slag). Default 0.5 **(est.)**.
    pub crucible_to_metal: f64,
    /// Fraction of the calcium left after reaction that vaporises to the condenser \[-\].
    /// Default 0.2 **(est.)** (Ca boils at 1757 K).
    pub ca_vaporised: f64,
    /// Induction furnace efficiency: heat into the charge per electric energy \[-\]. Default 0.6
    /// **(est.)**.
    pub furnace_efficiency: f64,
    /// Electric power to hold the charge at temperature \[W\]. Default 20 kW **(est.)**.
    #[serde(deserialize_with = "de_si::<_, Power>")]
    pub holding_power: f64,
    /// Hold time at the tapping temperature \[s\]. Default 1800 s **(est.)**.
    #[serde(deserialize_with = "de_si::<_, TimeSpan>")]
    pub hold_time: f64,
    /// Thermochemistry data set. Default FREED-derived.
    pub thermo_data_set: DataSetName,
}

impl Default for CalciothermicConfig {
    fn default() -> Self {
        CalciothermicConfig {
            fluoride: vec![SaltCharge {
                formula: "DyF3".into(),
                mass: 50.0,
            }],
            oxide_impurity: 0.005,
            ca_excess: 0.15,
            iodine_per_fluoride: 0.0,
            cacl2_per_fluoride: 0.0,
            charge_temperature: 298.15,
            tapping_temperature: 1773.15,
            metal_calcium: 0.015,
            metal_entrainment: 0.02,
            oxide_to_metal: 0.3,
            crucible_wear: 0.05,
            crucible_to_metal: 0.5,
            ca_vaporised: 0.2,
            furnace_efficiency: 0.6,
            holding_power: 20e3,
            hold_time: 1800.0,
            thermo_data_set: DataSetName::FreedDerived,
        }
    }
}

/// Convergence status of the equilibrium solve (non-convergence is data, not a panic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EquilibriumStatus {
    /// Converged to the tolerance.
    Converged,
    /// The sweep limit was reached; the extents are the last iterate.
    MaxIterations,
}

/// Equilibrium of the reduction reactions at the tapping temperature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Equilibrium {
    /// Per rare earth: (fluoride, ΔrG° \[J\] of 2 REF₃ + 3 Ca = 2 RE + 3 CaF₂, log10 K,
    /// conversion \[-\]).
    pub reactions: Vec<ReactionEquilibrium>,
    /// ln a_Ca at equilibrium (0 while a calcium phase remains) \[-\].
    pub ln_a_ca: f64,
    /// Status.
    pub status: EquilibriumStatus,
    /// Gauss–Seidel sweeps used.
    pub sweeps: usize,
}

/// One reduction reaction at equilibrium.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReactionEquilibrium {
    /// Fluoride formula.
    pub fluoride: String,
    /// Metal symbol.
    pub metal: String,
    /// ΔrG° of 2 REF₃ + 3 Ca = 2 RE + 3 CaF₂ at the tapping temperature \[J\].
    pub dg: f64,
    /// log10 K \[-\].
    pub log10_k: f64,
    /// Fraction of the charged fluoride reduced \[-\].
    pub conversion: f64,
}

/// Result of one calciothermic batch (pure model).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalciothermicResult {
    /// Everything charged, crucible Ta included \[mol\].
    pub inputs: Ledger,
    /// Raw metal \[mol\] (RE, Ca, oxide inclusions, Ta).
    pub metal: Ledger,
    /// Slag \[mol\] (CaF₂, residual REF₃, CaI₂, CaCl₂, oxide, entrained metal, Ta, Ca).
    pub slag: Ledger,
    /// Calcium vapour to the condenser \[mol\].
    pub vapour: Ledger,
    /// Equilibrium details.
    pub equilibrium: Equilibrium,
    /// RE in the raw metal over RE charged \[-\].
    pub metal_yield: f64,
    /// Adiabatic temperature of the charge (no external heat) with the batch products.
    pub adiabatic: AdiabaticResult,
    /// External heat to bring the products to the tapping temperature \[J\] (negative: the
    /// reaction alone overshoots).
    pub heat_to_tap: f64,
    /// Electric energy: heat_to_tap⁺/efficiency + holding power × hold time \[J\].
    pub electric_energy: f64,
    /// Raw metal mass \[kg\].
    pub metal_mass: f64,
    /// Electric energy per kg raw metal \[kWh·kg⁻¹\].
    pub specific_energy_kwh_per_kg: f64,
    /// Calcium charged per kg raw metal \[kg·kg⁻¹\].
    pub calcium_per_kg: f64,
    /// Ta lost from the crucible \[kg\].
    pub tantalum: f64,
}

struct FluorideInfo {
    formula: String,
    re: Element,
    n: f64,
    k_ln: f64,
    dg: f64,
}

impl CalciothermicConfig {
    /// Validate every field.
    ///
    /// # Errors
    /// [`ReductionError::InvalidParameter`] naming the field and the value.
    pub fn validate(&self) -> Result<()> {
        if self.fluoride.is_empty() {
            return Err(ReductionError::invalid(
                "calciothermic.fluoride",
                "[]",
                "at least one fluoride",
            ));
        }
        for (i, f) in self.fluoride.iter().enumerate() {
            positive(&format!("calciothermic.fluoride[{i}].mass"), f.mass)?;
            fluoride_metal(&format!("calciothermic.fluoride[{i}].formula"), &f.formula)?;
        }
        in_range(
            "calciothermic.oxide_impurity",
            self.oxide_impurity,
            0.0,
            0.2,
        )?;
        in_range("calciothermic.ca_excess", self.ca_excess, -0.5, 2.0)?;
        in_range(
            "calciothermic.iodine_per_fluoride",
            self.iodine_per_fluoride,
            0.0,
            2.0,
        )?;
        in_range(
            "calciothermic.cacl2_per_fluoride",
            self.cacl2_per_fluoride,
            0.0,
            2.0,
        )?;
        in_range(
            "calciothermic.charge_temperature",
            self.charge_temperature,
            250.0,
            1000.0,
        )?;
        in_range(
            "calciothermic.tapping_temperature",
            self.tapping_temperature,
            1000.0,
            2200.0,
        )?;
        in_range("calciothermic.metal_calcium", self.metal_calcium, 0.0, 0.2)?;
        fraction("calciothermic.metal_entrainment", self.metal_entrainment)?;
        fraction("calciothermic.oxide_to_metal", self.oxide_to_metal)?;
        non_negative("calciothermic.crucible_wear", self.crucible_wear)?;
        fraction("calciothermic.crucible_to_metal", self.crucible_to_metal)?;
        fraction("calciothermic.ca_vaporised", self.ca_vaporised)?;
        if !(self.furnace_efficiency > 0.0 && self.furnace_efficiency <= 1.0) {
            return Err(ReductionError::invalid(
                "calciothermic.furnace_efficiency",
                self.furnace_efficiency,
                "must lie in (0, 1]",
            ));
        }
        non_negative("calciothermic.holding_power", self.holding_power)?;
        non_negative("calciothermic.hold_time", self.hold_time)?;
        Ok(())
    }
}

/// The rare earth of a trifluoride formula.
pub(crate) fn fluoride_metal(field: &str, formula: &str) -> Result<Element> {
    let f = Formula::parse(formula)?;
    let c = f.counts();
    let nonzero: Vec<(Element, f64)> = c.iter_nonzero().collect();
    let metal = nonzero
        .iter()
        .find(|(e, n)| e.is_rare_earth() && (n - 1.0).abs() < 1e-12)
        .map(|(e, _)| *e);
    match metal {
        Some(e) if nonzero.len() == 2 && (c[Element::F] - 3.0).abs() < 1e-12 => Ok(e),
        _ => Err(ReductionError::invalid(
            field,
            formula,
            "must be a rare-earth trifluoride such as DyF3",
        )),
    }
}

/// Ideal-solution equilibrium of the reduction reactions (C2–C4). `fl` carries the charged
/// fluoride amounts; `ca` \[mol\] calcium available after the booster; `others` \[mol\] the
/// other slag species (CaI₂, CaCl₂). Returns the extents (mol RE reduced per fluoride).
fn solve_equilibrium(
    fl: &[FluorideInfo],
    ca: f64,
    others: f64,
) -> (Vec<f64>, f64, EquilibriumStatus, usize) {
    // Extents for a given ln a_Ca by Gauss–Seidel; each 1-D solve is a bisection on the
    // logarithm of the unreduced amount r_i = n_i − ξ_i (relative precision near full
    // conversion).
    let solve_at = |ln_a: f64, xi: &mut Vec<f64>| -> (EquilibriumStatus, usize) {
        for sweep in 1..=500 {
            let mut change: f64 = 0.0;
            for i in 0..fl.len() {
                let n = fl[i].n;
                let g = |r: f64, xi: &[f64]| -> f64 {
                    let xi_i = n - r;
                    let reduced: f64 = xi
                        .iter()
                        .enumerate()
                        .map(|(j, x)| if j == i { xi_i } else { *x })
                        .sum();
                    let unreduced: f64 = fl
                        .iter()
                        .enumerate()
                        .map(|(j, f)| if j == i { r } else { f.n - xi[j] })
                        .sum();
                    let caf2 = 1.5 * reduced;
                    let slag = unreduced + caf2 + others;
                    let x_re = xi_i / reduced;
                    let x_ref3 = r / slag;
                    let x_caf2 = caf2 / slag;
                    2.0 * x_re.ln() + 3.0 * x_caf2.ln()
                        - 2.0 * x_ref3.ln()
                        - 3.0 * ln_a
                        - fl[i].k_ln
                };
                // g decreases in r (more unreduced → lower quotient); find g(r) = 0.
                let (mut lo, mut hi) = ((n * 1e-300).ln(), n.ln());
                // Largest r: all unreduced is not admissible (x_re = 0); use n(1 − 1e-15).
                hi = hi.min((n * (1.0 - 1e-15)).ln());
                if g(lo.exp(), xi) < 0.0 {
                    lo = hi; // even an almost complete reduction is below K: should not happen
                }
                for _ in 0..200 {
                    let mid = 0.5 * (lo + hi);
                    if g(mid.exp(), xi) > 0.0 {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                    if hi - lo < 1e-14 {
                        break;
                    }
                }
                let r = (0.5 * (lo + hi)).exp();
                let new = n - r;
                change = change.max(((new - xi[i]) / n).abs());
                xi[i] = new;
            }
            if change < 1e-14 {
                return (EquilibriumStatus::Converged, sweep);
            }
        }
        (EquilibriumStatus::MaxIterations, 500)
    };
    let mut xi: Vec<f64> = fl.iter().map(|f| 0.5 * f.n).collect();
    let (status, sweeps) = solve_at(0.0, &mut xi);
    let need: f64 = 1.5 * xi.iter().sum::<f64>();
    if need <= ca {
        return (xi, 0.0, status, sweeps);
    }
    // Calcium-limited: every Ca atom is used; find ln a_Ca < 0 so that 1.5 Σξ = ca.
    let (mut lo, mut hi) = (-2000.0_f64, 0.0_f64);
    let mut total_sweeps = sweeps;
    let mut last_status = status;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let (st, sw) = solve_at(mid, &mut xi);
        total_sweeps += sw;
        last_status = st;
        if 1.5 * xi.iter().sum::<f64>() > ca {
            hi = mid;
        } else {
            lo = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    // Close the Ca balance exactly: scale the extents onto the available calcium.
    let s: f64 = 1.5 * xi.iter().sum::<f64>();
    if s > 0.0 {
        for x in &mut xi {
            *x *= ca / s;
        }
    }
    (xi, 0.5 * (lo + hi), last_status, total_sweeps)
}

/// Run one calciothermic batch (pure model).
///
/// # Errors
/// Invalid configuration, species missing from the data set, material errors.
pub fn reduce(cfg: &CalciothermicConfig) -> Result<CalciothermicResult> {
    cfg.validate()?;
    let set = ThermoSet::new(cfg.thermo_data_set)?;
    let t = cfg.tapping_temperature;
    let mut inputs = Ledger::new();
    let mut fl = Vec::new();
    let mut fluoride_mass = 0.0;
    let mut n_ref3 = 0.0;
    for (i, s) in cfg.fluoride.iter().enumerate() {
        let re = fluoride_metal(&format!("calciothermic.fluoride[{i}].formula"), &s.formula)?;
        let m = Formula::parse(&s.formula)?.molar_mass();
        let n = s.mass * (1.0 - cfg.oxide_impurity) / m;
        let sym = re.symbol();
        let p = reaction_props(
            &set,
            &[(-2.0, &s.formula), (-3.0, "Ca"), (2.0, sym), (3.0, "CaF2")],
            t,
        )?;
        inputs.add(&s.formula, n);
        // Oxide impurity as RE2O3 of the same rare earth.
        let ox = format!("{sym}2O3");
        let m_ox = Formula::parse(&ox)?.molar_mass();
        inputs.add(&ox, s.mass * cfg.oxide_impurity / m_ox);
        fl.push(FluorideInfo {
            formula: s.formula.clone(),
            re,
            n,
            k_ln: -p.dg / (repm_material::thermo::R * t),
            dg: p.dg,
        });
        fluoride_mass += s.mass;
        n_ref3 += n;
    }
    let i2 = cfg.iodine_per_fluoride * n_ref3;
    let ca = (1.5 * n_ref3 + i2) * (1.0 + cfg.ca_excess);
    let cacl2 = cfg.cacl2_per_fluoride * fluoride_mass / Formula::parse("CaCl2")?.molar_mass();
    let ta = cfg.crucible_wear / Element::Ta.molar_mass();
    inputs.add("Ca", ca);
    inputs.add("I2", i2);
    inputs.add("CaCl2", cacl2);
    inputs.add("Ta", ta);
    // Booster first (complete): Ca + I2 → CaI2, limited by calcium.
    let cai2 = i2.min(ca);
    let ca_after_booster = ca - cai2;
    let (xi, ln_a_ca, status, sweeps) = solve_equilibrium(&fl, ca_after_booster, cai2 + cacl2);
    let mut metal = Ledger::new();
    let mut slag = Ledger::new();
    let mut vapour = Ledger::new();
    let mut reactions = Vec::new();
    let mut reduced_total = 0.0;
    let mut re_charged = 0.0;
    let mut re_in_metal = 0.0;
    let mut metal_re_mass = 0.0;
    for (f, x) in fl.iter().zip(&xi) {
        let sym = f.re.symbol();
        reduced_total += x;
        re_charged += f.n;
        slag.add(&f.formula, f.n - x);
        slag.add(sym, x * cfg.metal_entrainment);
        metal.add(sym, x * (1.0 - cfg.metal_entrainment));
        re_in_metal += x * (1.0 - cfg.metal_entrainment);
        metal_re_mass += x * (1.0 - cfg.metal_entrainment) * f.re.molar_mass();
        reactions.push(ReactionEquilibrium {
            fluoride: f.formula.clone(),
            metal: sym.to_string(),
            dg: f.dg,
            log10_k: f.k_ln / std::f64::consts::LN_10,
            conversion: x / f.n,
        });
        // Oxide impurity split.
        let ox = format!("{sym}2O3");
        let n_ox = inputs.get(&ox);
        metal.add(&ox, n_ox * cfg.oxide_to_metal);
        slag.add(&ox, n_ox * (1.0 - cfg.oxide_to_metal));
        re_charged += 2.0 * n_ox;
        re_in_metal += 2.0 * n_ox * cfg.oxide_to_metal;
    }
    slag.add("CaF2", 1.5 * reduced_total);
    slag.add("CaI2", cai2);
    slag.add("CaCl2", cacl2);
    slag.add("I2", i2 - cai2);
    // Calcium left: pickup by the metal first, then vaporised, rest in the slag.
    let mut ca_left = (ca_after_booster - 1.5 * reduced_total).max(0.0);
    let ca_pick = (cfg.metal_calcium / (1.0 - cfg.metal_calcium) * metal_re_mass
        / Element::Ca.molar_mass())
    .min(ca_left);
    metal.add("Ca", ca_pick);
    ca_left -= ca_pick;
    let ca_vap = ca_left * cfg.ca_vaporised;
    vapour.add("Ca(g)", ca_vap);
    slag.add("Ca", ca_left - ca_vap);
    metal.add("Ta", ta * cfg.crucible_to_metal);
    slag.add("Ta", ta * (1.0 - cfg.crucible_to_metal));
    metal.clean(1e-12)?;
    slag.clean(1e-12)?;
    vapour.clean(1e-12)?;
    // Energy balance (C6–C8): charge at T0 → products at T.
    let t0 = cfg.charge_temperature;
    let reactants: Vec<ChargeItem> = inputs
        .items()
        .iter()
        .map(|(s, n)| ChargeItem::new(s, *n, t0))
        .collect();
    let mut products = metal.clone();
    products.add_scaled(&slag, 1.0);
    products.add_scaled(&vapour, 1.0);
    let products = products.items();
    let adiabatic = adiabatic_temperature(
        &set,
        &reactants,
        &products,
        0.0,
        InputConvention::MechanicalMixture,
        AdiabaticOptions::default(),
    )?;
    let heat_to_tap = heat_to_temperature(
        &set,
        &reactants,
        &products,
        t,
        InputConvention::MechanicalMixture,
    )?;
    let electric_energy =
        heat_to_tap.max(0.0) / cfg.furnace_efficiency + cfg.holding_power * cfg.hold_time;
    let metal_mass = metal.mass()?;
    Ok(CalciothermicResult {
        metal_yield: re_in_metal / re_charged,
        equilibrium: Equilibrium {
            reactions,
            ln_a_ca,
            status,
            sweeps,
        },
        adiabatic,
        heat_to_tap,
        electric_energy,
        specific_energy_kwh_per_kg: electric_energy / 3.6e6 / metal_mass,
        calcium_per_kg: ca * Element::Ca.molar_mass() / metal_mass,
        tantalum: cfg.crucible_wear,
        metal_mass,
        inputs,
        metal,
        slag,
        vapour,
    })
}

/// Vacuum remelting of raw metal: calcium distils off to a residual mass fraction, a small
/// fraction of the rare earth evaporates with it (C9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RemeltConfig {
    /// Ca mass fraction left in the refined metal \[-\]. Default 5e-4 **(est.)**.
    pub residual_calcium: f64,
    /// Fraction of each RE metal evaporated to the condenser \[-\]. Default 0.005 **(est.)**;
    /// Dy sublimes readily, so its losses are higher in practice.
    pub re_evaporated: f64,
    /// Electric energy per kg of raw metal \[J·kg⁻¹\]. Default 1.5 kWh/kg = 5.4e6 J/kg **(est.)**.
    pub specific_energy: f64,
}

impl Default for RemeltConfig {
    fn default() -> Self {
        RemeltConfig {
            residual_calcium: 5e-4,
            re_evaporated: 0.005,
            specific_energy: 5.4e6,
        }
    }
}

/// Result of a vacuum remelt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemeltResult {
    /// Refined metal \[mol\].
    pub metal: Ledger,
    /// Condensate (Ca and evaporated RE) \[mol\].
    pub condensate: Ledger,
    /// Electric energy \[J\].
    pub electric_energy: f64,
}

/// Vacuum-remelt raw metal (pure model).
///
/// # Errors
/// Invalid configuration; invalid species in `raw`.
pub fn remelt(raw: &Ledger, cfg: &RemeltConfig) -> Result<RemeltResult> {
    in_range("remelt.residual_calcium", cfg.residual_calcium, 0.0, 0.2)?;
    fraction("remelt.re_evaporated", cfg.re_evaporated)?;
    non_negative("remelt.specific_energy", cfg.specific_energy)?;
    let mut metal = Ledger::new();
    let mut condensate = Ledger::new();
    for (s, n) in raw.items() {
        match Element::from_symbol(&s) {
            Some(e) if e.is_rare_earth() => {
                condensate.add(&s, n * cfg.re_evaporated);
                metal.add(&s, n * (1.0 - cfg.re_evaporated));
            }
            Some(Element::Ca) => {}
            _ => metal.add(&s, n),
        }
    }
    let ca = raw.get("Ca");
    let m_rest = metal.mass()?;
    let keep = (cfg.residual_calcium / (1.0 - cfg.residual_calcium) * m_rest
        / Element::Ca.molar_mass())
    .min(ca);
    metal.add("Ca", keep);
    condensate.add("Ca", ca - keep);
    metal.clean(1e-12)?;
    condensate.clean(1e-12)?;
    Ok(RemeltResult {
        electric_energy: cfg.specific_energy * raw.mass()?,
        metal,
        condensate,
    })
}

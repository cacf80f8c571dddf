//! Lanthanothermic reduction of a volatile rare-earth oxide (Sm, Eu, Tm, Yb) with La under
//! vacuum, with distillation of the metal to a condenser (science page
//! `docs/science/reduction.md`, section L, equations L1–L4).
//!
//! RE₂O₃ + 2 La = La₂O₃ + 2 RE(g). With the condensed phases pure, the equilibrium vapour
//! pressure of RE over the charge is p_eq = p°·exp(−ΔrG°/(2RT)) (L1). The metal leaves at the
//! Hertz–Knudsen–Langmuir rate J = α (p_eq − p_f)/√(2π M R T) per unit evaporating area (L2),
//! limited by the oxide and by the La charged; a fraction reaches the condenser (L3).

use repm_material::thermo::{DataSetName, ThermoSet, mixture_enthalpy, reaction_props};
use repm_material::units::{Area, Mass, Pressure, Temperature, TimeSpan, de_si};
use repm_material::{Element, Formula};
use serde::{Deserialize, Serialize};

use crate::error::{ReductionError, Result, fraction, in_range, non_negative, positive};
use crate::ledger::Ledger;

const R: f64 = repm_material::thermo::R;
/// Standard pressure p° \[Pa\] of the thermochemistry data (1 bar).
pub const P_STANDARD: f64 = 1e5;

/// One lanthanothermic batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LanthanothermicConfig {
    /// Oxide of the volatile rare earth. Default `"Sm2O3"`.
    pub oxide: String,
    /// Oxide charged \[kg\]. Default 100 kg **(est.)**.
    #[serde(deserialize_with = "de_si::<_, Mass>")]
    pub oxide_mass: f64,
    /// La over stoichiometric \[-\]. Default 0.1 **(est.)**.
    pub la_excess: f64,
    /// Charge temperature \[K\]. Default 1873.15 K (1600 °C, Sm practice).
    #[serde(deserialize_with = "de_si::<_, Temperature>")]
    pub temperature: f64,
    /// Furnace (condenser-side) pressure \[Pa\]. Default 1 Pa **(est.)**.
    #[serde(deserialize_with = "de_si::<_, Pressure>")]
    pub furnace_pressure: f64,
    /// Evaporating area of the briquetted charge \[m²\]. Default 0.5 m² **(est.)**.
    #[serde(deserialize_with = "de_si::<_, Area>")]
    pub evaporating_area: f64,
    /// Evaporation (Langmuir) coefficient α \[-\]: 1 for a free surface, lower for a porous
    /// briquette, where heat and mass transfer limit the rate. Default 5e-4 **(est.)**, which
    /// distils a 100 kg Sm₂O₃ charge in about 3 h at 1600 °C (practice: hours).
    pub evaporation_coefficient: f64,
    /// Hold time at temperature \[s\]. Default 4 h **(est.)**.
    #[serde(deserialize_with = "de_si::<_, TimeSpan>")]
    pub hold_time: f64,
    /// Fraction of the distilled metal collected on the condenser \[-\]. Default 0.95 **(est.)**.
    pub condenser_efficiency: f64,
    /// La carried into the condensate, mass fraction of the product \[-\]. Default 1e-4
    /// (99.99 % Sm by direct reduction–distillation).
    pub la_carryover: f64,
    /// Furnace efficiency: heat into the charge per electric energy \[-\]. Default 0.5 **(est.)**.
    pub furnace_efficiency: f64,
    /// Thermochemistry data set. Default FREED-derived.
    pub thermo_data_set: DataSetName,
}

impl Default for LanthanothermicConfig {
    fn default() -> Self {
        LanthanothermicConfig {
            oxide: "Sm2O3".into(),
            oxide_mass: 100.0,
            la_excess: 0.1,
            temperature: 1873.15,
            furnace_pressure: 1.0,
            evaporating_area: 0.5,
            evaporation_coefficient: 5e-4,
            hold_time: 4.0 * 3600.0,
            condenser_efficiency: 0.95,
            la_carryover: 1e-4,
            furnace_efficiency: 0.5,
            thermo_data_set: DataSetName::FreedDerived,
        }
    }
}

/// Result of one batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LanthanothermicResult {
    /// Charge \[mol\].
    pub inputs: Ledger,
    /// Condensed metal \[mol\].
    pub product: Ledger,
    /// Residue in the crucible \[mol\] (La₂O₃, unreacted oxide and La).
    pub residue: Ledger,
    /// Metal vapour not collected \[mol\].
    pub loss: Ledger,
    /// ΔrG° of RE₂O₃ + 2 La = La₂O₃ + 2 RE(g) \[J\].
    pub dg: f64,
    /// Equilibrium vapour pressure of the metal over the charge \[Pa\] (L1).
    pub equilibrium_pressure: f64,
    /// Distillation flux \[mol·m⁻²·s⁻¹\] (L2).
    pub flux: f64,
    /// Metal collected over metal charged \[-\].
    pub yield_fraction: f64,
    /// Time to distil all the metal at the flux \[s\].
    pub time_to_completion: f64,
    /// Heat to bring the charge to temperature and evaporate the metal \[J\].
    pub heat: f64,
    /// Electric energy \[J\].
    pub electric_energy: f64,
}

fn volatile_metal(oxide: &str) -> Result<(Element, f64, f64)> {
    let f = Formula::parse(oxide)?;
    let c = f.counts();
    let nz: Vec<(Element, f64)> = c.iter_nonzero().collect();
    let re = nz
        .iter()
        .find(|(e, _)| e.is_rare_earth())
        .map(|(e, n)| (*e, *n));
    match re {
        Some((e, a)) if nz.len() == 2 && c[Element::O] > 0.0 => {
            if !matches!(e, Element::Sm | Element::Eu | Element::Tm | Element::Yb) {
                tracing::warn!(
                    metal = e.symbol(),
                    "lanthanothermic route is meant for Sm, Eu, Tm, Yb"
                );
            }
            Ok((e, a, c[Element::O]))
        }
        _ => Err(ReductionError::invalid(
            "lanthanothermic.oxide",
            oxide,
            "must be an oxide of one rare earth",
        )),
    }
}

impl LanthanothermicConfig {
    /// Validate every field.
    ///
    /// # Errors
    /// [`ReductionError::InvalidParameter`] naming the field and the value.
    pub fn validate(&self) -> Result<()> {
        volatile_metal(&self.oxide)?;
        positive("lanthanothermic.oxide_mass", self.oxide_mass)?;
        in_range("lanthanothermic.la_excess", self.la_excess, -0.5, 2.0)?;
        in_range(
            "lanthanothermic.temperature",
            self.temperature,
            1000.0,
            2300.0,
        )?;
        non_negative("lanthanothermic.furnace_pressure", self.furnace_pressure)?;
        positive("lanthanothermic.evaporating_area", self.evaporating_area)?;
        fraction(
            "lanthanothermic.evaporation_coefficient",
            self.evaporation_coefficient,
        )?;
        non_negative("lanthanothermic.hold_time", self.hold_time)?;
        fraction(
            "lanthanothermic.condenser_efficiency",
            self.condenser_efficiency,
        )?;
        in_range("lanthanothermic.la_carryover", self.la_carryover, 0.0, 0.1)?;
        if !(self.furnace_efficiency > 0.0 && self.furnace_efficiency <= 1.0) {
            return Err(ReductionError::invalid(
                "lanthanothermic.furnace_efficiency",
                self.furnace_efficiency,
                "must lie in (0, 1]",
            ));
        }
        Ok(())
    }
}

/// Equilibrium vapour pressure \[Pa\] of the metal over RE₂O₃ + La at `t` \[K\] (L1), and ΔrG°
/// \[J\] of the reaction as written with 2 RE(g).
///
/// # Errors
/// Invalid oxide; species missing from the data set (e.g. `Eu(g)`).
pub fn equilibrium_pressure(set: &ThermoSet, oxide: &str, t: f64) -> Result<(f64, f64)> {
    let (re, a, b) = volatile_metal(oxide)?;
    if (a - 2.0).abs() > 1e-12 || (b - 3.0).abs() > 1e-12 {
        return Err(ReductionError::invalid(
            "lanthanothermic.oxide",
            oxide,
            "must be a sesquioxide RE2O3",
        ));
    }
    let gas = format!("{}(g)", re.symbol());
    let p = reaction_props(
        set,
        &[(-1.0, oxide), (-2.0, "La"), (1.0, "La2O3"), (2.0, &gas)],
        t,
    )?;
    Ok((P_STANDARD * (-p.dg / (2.0 * R * t)).exp(), p.dg))
}

/// Run one lanthanothermic batch (pure model).
///
/// # Errors
/// Invalid configuration; species missing from the data set.
pub fn reduce(cfg: &LanthanothermicConfig) -> Result<LanthanothermicResult> {
    cfg.validate()?;
    let set = ThermoSet::new(cfg.thermo_data_set)?;
    let t = cfg.temperature;
    let (re, _, _) = volatile_metal(&cfg.oxide)?;
    let (p_eq, dg) = equilibrium_pressure(&set, &cfg.oxide, t)?;
    let n_ox = cfg.oxide_mass / Formula::parse(&cfg.oxide)?.molar_mass();
    let n_la = 2.0 * n_ox * (1.0 + cfg.la_excess);
    let mut inputs = Ledger::new();
    inputs.add(&cfg.oxide, n_ox);
    inputs.add("La", n_la);
    // L2: Hertz–Knudsen–Langmuir flux.
    let m = re.molar_mass();
    let flux = cfg.evaporation_coefficient * (p_eq - cfg.furnace_pressure).max(0.0)
        / (2.0 * std::f64::consts::PI * m * R * t).sqrt();
    let n_possible = (2.0 * n_ox).min(n_la);
    let distilled = (flux * cfg.evaporating_area * cfg.hold_time).min(n_possible);
    let time_to_completion = if flux > 0.0 {
        n_possible / (flux * cfg.evaporating_area)
    } else {
        f64::INFINITY
    };
    let collected = distilled * cfg.condenser_efficiency;
    let sym = re.symbol();
    let mut product = Ledger::new();
    product.add(sym, collected);
    let mut loss = Ledger::new();
    loss.add(sym, distilled - collected);
    let la_left = n_la - distilled;
    let la_carry = (cfg.la_carryover / (1.0 - cfg.la_carryover) * collected * m
        / Element::La.molar_mass())
    .min(la_left);
    product.add("La", la_carry);
    let mut residue = Ledger::new();
    residue.add("La2O3", distilled / 2.0);
    residue.add(&cfg.oxide, n_ox - distilled / 2.0);
    residue.add("La", la_left - la_carry);
    residue.clean(1e-12)?;
    // Heat: charge from 298.15 K to t, the metal leaving as vapour at t.
    let gas = format!("{sym}(g)");
    let mut hot: Vec<(String, f64)> = residue.items();
    hot.push((gas, distilled));
    hot.push(("La".into(), la_carry));
    hot.retain(|(_, n)| *n > 0.0);
    let heat = mixture_enthalpy(&set, &hot, t)? - mixture_enthalpy(&set, &inputs.items(), 298.15)?;
    Ok(LanthanothermicResult {
        yield_fraction: collected / (2.0 * n_ox),
        electric_energy: heat.max(0.0) / cfg.furnace_efficiency,
        dg,
        equilibrium_pressure: p_eq,
        flux,
        time_to_completion,
        heat,
        inputs,
        product,
        residue,
        loss,
    })
}

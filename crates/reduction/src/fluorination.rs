//! Fluoride feed preparation (science page `docs/science/reduction.md`, section F, F1–F3):
//! dry hydrofluorination of oxide, RE₂O₃ + 6 HF(g) = 2 REF₃ + 3 H₂O(g), or precipitation from
//! chloride solution, RECl₃ + 3 HF = REF₃↓ + 3 HCl. Conversion (or precipitation yield) and the
//! HF excess are parameters; the dry route's heat comes from ΔrH°(T) of the data set.

use repm_material::thermo::{DataSetName, ThermoSet, reaction_props};
use repm_material::units::{Mass, Temperature, de_si};
use repm_material::{Element, Formula};
use serde::{Deserialize, Serialize};

use crate::error::{ReductionError, Result, fraction, in_range, positive};
use crate::ledger::Ledger;

/// The fluorination route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "route", rename_all = "snake_case", deny_unknown_fields)]
pub enum FluorinationConfig {
    /// Oxide + HF gas in a rotary kiln.
    Dry {
        /// Oxide formula, e.g. `"Dy2O3"`.
        oxide: String,
        /// Oxide fed \[kg\].
        #[serde(deserialize_with = "de_si::<_, Mass>")]
        mass: f64,
        /// HF over stoichiometric \[-\] (e.g. 0.3 **(est.)**).
        hf_excess: f64,
        /// Fraction of the oxide converted \[-\] (e.g. 0.995 **(est.)**).
        conversion: f64,
        /// Kiln temperature \[K\] (e.g. 873.15 K **(est.)**).
        #[serde(deserialize_with = "de_si::<_, Temperature>")]
        temperature: f64,
        /// Thermochemistry data set.
        #[serde(default)]
        thermo_data_set: DataSetName,
    },
    /// Precipitation of REF₃ from RECl₃ solution with aqueous HF.
    Wet {
        /// Chloride formula, e.g. `"DyCl3"`.
        chloride: String,
        /// Chloride in solution \[kg\].
        #[serde(deserialize_with = "de_si::<_, Mass>")]
        mass: f64,
        /// HF over stoichiometric \[-\] (e.g. 0.1 **(est.)**).
        hf_excess: f64,
        /// Fraction of the rare earth precipitated \[-\] (e.g. 0.99 **(est.)**).
        precipitation_yield: f64,
    },
}

/// Result of a fluorination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FluorinationResult {
    /// Feed and reagent \[mol\].
    pub inputs: Ledger,
    /// Fluoride product \[mol\] (REF₃ and unconverted oxide, dry route).
    pub fluoride: Ledger,
    /// Off-gas (dry) or filtrate (wet) \[mol\].
    pub effluent: Ledger,
    /// Heat released by the reaction \[J\] (dry route; 0 for the wet route, not modelled).
    pub heat_released: f64,
    /// HF consumed per kg fluoride \[kg·kg⁻¹\].
    pub hf_per_kg: f64,
}

fn re_of(
    field: &str,
    formula: &str,
    anion: Element,
    per_re: f64,
    re_count: f64,
) -> Result<Element> {
    let f = Formula::parse(formula)?;
    let c = f.counts();
    let nz: Vec<(Element, f64)> = c.iter_nonzero().collect();
    match nz.iter().find(|(e, _)| e.is_rare_earth()) {
        Some(&(e, n))
            if nz.len() == 2
                && (n - re_count).abs() < 1e-12
                && (c[anion] - per_re * re_count).abs() < 1e-12 =>
        {
            Ok(e)
        }
        _ => Err(ReductionError::invalid(
            field,
            formula,
            format!(
                "must be {}{}-type",
                if re_count > 1.0 { "RE2" } else { "RE" },
                anion.symbol()
            ),
        )),
    }
}

/// Run a fluorination (pure model).
///
/// # Errors
/// Invalid configuration or formula; species missing from the data set.
pub fn fluorinate(cfg: &FluorinationConfig) -> Result<FluorinationResult> {
    let hf_m = Formula::parse("HF")?.molar_mass();
    match cfg {
        FluorinationConfig::Dry {
            oxide,
            mass,
            hf_excess,
            conversion,
            temperature,
            thermo_data_set,
        } => {
            let re = re_of("fluorination.oxide", oxide, Element::O, 1.5, 2.0)?;
            positive("fluorination.mass", *mass)?;
            in_range("fluorination.hf_excess", *hf_excess, 0.0, 5.0)?;
            fraction("fluorination.conversion", *conversion)?;
            in_range("fluorination.temperature", *temperature, 298.0, 1500.0)?;
            let set = ThermoSet::new(*thermo_data_set)?;
            let n_ox = mass / Formula::parse(oxide)?.molar_mass();
            let hf = 6.0 * n_ox * (1.0 + hf_excess);
            let x = conversion * n_ox;
            let fl = format!("{}F3", re.symbol());
            let mut inputs = Ledger::new();
            inputs.add(oxide, n_ox);
            inputs.add("HF", hf);
            let mut fluoride = Ledger::new();
            fluoride.add(&fl, 2.0 * x);
            fluoride.add(oxide, n_ox - x);
            let mut effluent = Ledger::new();
            effluent.add("HF", hf - 6.0 * x);
            effluent.add("H2O(g)", 3.0 * x);
            let p = reaction_props(
                &set,
                &[(-1.0, oxide), (-6.0, "HF"), (2.0, &fl), (3.0, "H2O(g)")],
                *temperature,
            )?;
            let fl_mass = fluoride.mass()?;
            Ok(FluorinationResult {
                heat_released: -p.dh * x,
                hf_per_kg: hf * hf_m / fl_mass,
                inputs,
                fluoride,
                effluent,
            })
        }
        FluorinationConfig::Wet {
            chloride,
            mass,
            hf_excess,
            precipitation_yield,
        } => {
            let re = re_of("fluorination.chloride", chloride, Element::Cl, 3.0, 1.0)?;
            positive("fluorination.mass", *mass)?;
            in_range("fluorination.hf_excess", *hf_excess, 0.0, 5.0)?;
            fraction("fluorination.precipitation_yield", *precipitation_yield)?;
            let n = mass / Formula::parse(chloride)?.molar_mass();
            let hf = 3.0 * n * (1.0 + hf_excess);
            let x = precipitation_yield * n;
            let fl = format!("{}F3", re.symbol());
            let mut inputs = Ledger::new();
            inputs.add(chloride, n);
            inputs.add("HF", hf);
            let mut fluoride = Ledger::new();
            fluoride.add(&fl, x);
            let mut effluent = Ledger::new();
            effluent.add(chloride, n - x);
            effluent.add("HCl", 3.0 * x);
            effluent.add("HF", hf - 3.0 * x);
            let fl_mass = fluoride.mass()?;
            Ok(FluorinationResult {
                heat_released: 0.0,
                hf_per_kg: if fl_mass > 0.0 {
                    hf * hf_m / fl_mass
                } else {
                    0.0
                },
                inputs,
                fluoride,
                effluent,
            })
        }
    }
}

//! Reduction–diffusion (R-D) of Sm₂O₃ with Co (and Fe, Cu, Zr) by calcium to SmCo₅ or
//! Sm₂Co₁₇-type powder, then CaO leaching (science page `docs/science/reduction.md`,
//! section R, equations R1–R6).
//!
//! * Stoichiometry (R1): for a target intermetallic formula (`"SmCo5"`, `"Sm2Co17"`,
//!   `"Sm(Co0.67Fe0.22Cu0.1Zr0.02)7.2"`), Sm is charged as Sm₂O₃ with an excess that covers
//!   its evaporation, elements listed as oxide-fed (Zr as ZrO₂ by default) as their oxides, the
//!   rest as metal powders; calcium covers all oxide oxygen plus a configured excess.
//! * Reduction is complete at temperature (R2; Ca reduces Sm₂O₃ in contact with Co because
//!   SmCo₅ formation lowers the Sm activity); alloying proceeds by diffusion with a parabolic
//!   law X = min(1, √(k t)), k = k₀ exp(−Q/RT) (R3).
//! * Leaching (R4–R6): CaO + H₂O → Ca(OH)₂ and Ca + 2 H₂O → Ca(OH)₂ + H₂ (heat and hydrogen),
//!   water per kg CaO, residual Ca and O in the product.

use repm_material::thermo::{
    ChargeItem, DataSetName, InputConvention, ThermoSet, heat_to_temperature,
};
use repm_material::units::{Temperature, TimeSpan, de_si};
use repm_material::{Element, Formula};
use serde::{Deserialize, Serialize};

use crate::data;
use crate::error::{ReductionError, Result, fraction, in_range, non_negative, positive};
use crate::ledger::Ledger;

/// Gas constant \[J·mol⁻¹·K⁻¹\] (CODATA 2018, exact).
const R: f64 = repm_material::thermo::R;

/// An element charged as an oxide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OxideFed {
    /// The element, e.g. `"Zr"`.
    pub element: String,
    /// Its oxide formula, e.g. `"ZrO2"`.
    pub oxide: String,
}

/// One reduction–diffusion batch and its leach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RdConfig {
    /// Target intermetallic formula. Default `"SmCo5"`.
    pub product: String,
    /// Product made per batch at full conversion and no losses \[kg\]. Default 100 kg **(est.)**.
    pub batch_product_mass: f64,
    /// Elements charged as oxides besides Sm (always Sm₂O₃). Default Zr as ZrO₂ (the 1994 R-D
    /// study of Sm(Co,Fe,Cu,Zr)₇.₂).
    pub oxide_fed: Vec<OxideFed>,
    /// Sm₂O₃ over stoichiometric, to cover Sm evaporation \[-\]. Default 0.03 **(est.)**.
    pub sm_excess: f64,
    /// Fraction of the Sm charged that evaporates \[-\]. Default 0.02 **(est.)**.
    pub sm_evaporated: f64,
    /// Ca over the oxide-oxygen need \[-\]. Default 0.25 **(est.)**.
    pub ca_excess: f64,
    /// Hold temperature \[K\]. Default 1423.15 K (1150 °C; 1100–1200 °C, Gupta & Krishnamurthy).
    #[serde(deserialize_with = "de_si::<_, Temperature>")]
    pub temperature: f64,
    /// Diffusion hold \[s\]. Default 4.5 h (4–5 h).
    #[serde(deserialize_with = "de_si::<_, TimeSpan>")]
    pub hold_time: f64,
    /// Pre-exponential k₀ of the parabolic alloying law \[s⁻¹\]. Default 9.067e4 **(est.)**,
    /// calibrated so that X = 0.99 after 4.5 h at 1150 °C with Q = 250 kJ/mol.
    pub k0: f64,
    /// Activation energy Q \[J·mol⁻¹\]. Default 250 kJ/mol **(est.)**.
    pub activation_energy: f64,
    /// Leach water per kg CaO \[kg·kg⁻¹\]. Default 20 **(est.)**.
    pub water_per_cao: f64,
    /// Ca mass fraction left in the leached product \[-\]. Default 1e-3 **(est.)**.
    pub residual_calcium: f64,
    /// O mass fraction of the leached product (as Sm₂O₃) \[-\]. Default 3e-3 **(est.)**.
    pub residual_oxygen: f64,
    /// Dilute acetic acid (as CH₃COOH) used in the final wash per kg product \[kg·kg⁻¹\]; it
    /// leaves with the wash liquor (consumption only). Default 0.05 **(est.)** (the 1994 R-D
    /// study washed with aqueous NH₄Cl; acetic acid is the common alternative).
    pub acid_per_product: f64,
    /// Furnace efficiency: heat into the charge per electric energy \[-\]. Default 0.5 **(est.)**.
    pub furnace_efficiency: f64,
    /// Thermochemistry data set for the reduction heat. Default FREED-derived.
    pub thermo_data_set: DataSetName,
}

impl Default for RdConfig {
    fn default() -> Self {
        RdConfig {
            product: "SmCo5".into(),
            batch_product_mass: 100.0,
            oxide_fed: vec![OxideFed {
                element: "Zr".into(),
                oxide: "ZrO2".into(),
            }],
            sm_excess: 0.03,
            sm_evaporated: 0.02,
            ca_excess: 0.25,
            temperature: 1423.15,
            hold_time: 4.5 * 3600.0,
            k0: 9.067e4,
            activation_energy: 250e3,
            water_per_cao: 20.0,
            residual_calcium: 1e-3,
            residual_oxygen: 3e-3,
            acid_per_product: 0.05,
            furnace_efficiency: 0.5,
            thermo_data_set: DataSetName::FreedDerived,
        }
    }
}

/// Result of one R-D batch and leach.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RdResult {
    /// Charge \[mol\] (Sm₂O₃, metals, oxides, Ca) plus leach water.
    pub inputs: Ledger,
    /// Leached product \[mol\] (intermetallic, unalloyed metals, residual Ca as CaO... ).
    pub product: Ledger,
    /// Leach liquor and solids removed \[mol\] (Ca(OH)₂, excess water).
    pub leachate: Ledger,
    /// Off-gas \[mol\] (Sm vapour, H₂ from leaching).
    pub gas: Ledger,
    /// Fraction alloyed by diffusion \[-\] (R3).
    pub alloyed_fraction: f64,
    /// Sm in the product over Sm charged \[-\].
    pub sm_yield: f64,
    /// Product mass \[kg\].
    pub product_mass: f64,
    /// Heat released by leaching \[J\] (R5).
    pub leach_heat: f64,
    /// Hydrogen released by leaching \[mol\].
    pub hydrogen: f64,
    /// Calcium per kg product \[kg·kg⁻¹\].
    pub calcium_per_kg: f64,
    /// Water per kg product \[kg·kg⁻¹\].
    pub water_per_kg: f64,
    /// Acetic acid per kg product \[kg·kg⁻¹\].
    pub acid_per_kg: f64,
    /// Heat to bring the charge from 298.15 K to the hold temperature and react it \[J\]
    /// (R7), `None` when a species is missing from the data set (e.g. a 2:17-type formula).
    pub reduction_heat: Option<f64>,
    /// Electric energy of the reduction furnace \[J\] (`None` as for `reduction_heat`).
    pub electric_energy: Option<f64>,
}

impl RdConfig {
    /// Validate every field.
    ///
    /// # Errors
    /// [`ReductionError::InvalidParameter`] naming the field and the value.
    pub fn validate(&self) -> Result<()> {
        let f = Formula::parse(&self.product)?;
        if f.counts()[Element::Sm] <= 0.0 {
            return Err(ReductionError::invalid(
                "rd.product",
                &self.product,
                "must contain Sm",
            ));
        }
        positive("rd.batch_product_mass", self.batch_product_mass)?;
        for (i, o) in self.oxide_fed.iter().enumerate() {
            let e = Element::from_symbol(&o.element).ok_or_else(|| {
                ReductionError::invalid(
                    format!("rd.oxide_fed[{i}].element"),
                    &o.element,
                    "unknown element",
                )
            })?;
            let of = Formula::parse(&o.oxide)?;
            let c = of.counts();
            if c[e] <= 0.0 || c[Element::O] <= 0.0 || c.iter_nonzero().count() != 2 {
                return Err(ReductionError::invalid(
                    format!("rd.oxide_fed[{i}].oxide"),
                    &o.oxide,
                    format!("must be a binary oxide of {}", o.element),
                ));
            }
        }
        in_range("rd.sm_excess", self.sm_excess, 0.0, 1.0)?;
        fraction("rd.sm_evaporated", self.sm_evaporated)?;
        in_range("rd.ca_excess", self.ca_excess, 0.0, 3.0)?;
        in_range("rd.temperature", self.temperature, 900.0, 1593.0)?;
        non_negative("rd.hold_time", self.hold_time)?;
        positive("rd.k0", self.k0)?;
        non_negative("rd.activation_energy", self.activation_energy)?;
        non_negative("rd.water_per_cao", self.water_per_cao)?;
        in_range("rd.residual_calcium", self.residual_calcium, 0.0, 0.05)?;
        in_range("rd.residual_oxygen", self.residual_oxygen, 0.0, 0.05)?;
        in_range("rd.acid_per_product", self.acid_per_product, 0.0, 1.0)?;
        if !(self.furnace_efficiency > 0.0 && self.furnace_efficiency <= 1.0) {
            return Err(ReductionError::invalid(
                "rd.furnace_efficiency",
                self.furnace_efficiency,
                "must lie in (0, 1]",
            ));
        }
        Ok(())
    }

    /// Alloyed fraction after the hold (R3): X = min(1, √(k₀ e^(−Q/RT) t)).
    pub fn alloyed_fraction(&self) -> f64 {
        (self.k0 * (-self.activation_energy / (R * self.temperature)).exp() * self.hold_time)
            .sqrt()
            .min(1.0)
    }
}

/// Species of the R-D charge that are reagents rather than feed: calcium, leach water, wash acid.
pub const RD_REAGENTS: [&str; 3] = ["Ca", "H2O", "C2H4O2"];

impl RdResult {
    /// The furnace feed: the inputs without the reagents of [`RD_REAGENTS`] (Sm₂O₃, the
    /// oxide-fed elements' oxides and the metal powders) \[mol\].
    #[must_use]
    pub fn feed(&self) -> Ledger {
        let mut l = Ledger::new();
        for (s, n) in self.inputs.items() {
            if !RD_REAGENTS.contains(&s.as_str()) {
                l.add(&s, n);
            }
        }
        l
    }

    /// The reagents of [`RD_REAGENTS`] among the inputs (Ca, leach water, wash acid) \[mol\].
    #[must_use]
    pub fn reagents(&self) -> Ledger {
        let mut l = Ledger::new();
        for (s, n) in self.inputs.items() {
            if RD_REAGENTS.contains(&s.as_str()) {
                l.add(&s, n);
            }
        }
        l
    }

    /// Every extensive quantity scaled by `k` \[-\]: the model is homogeneous of degree one in
    /// `batch_product_mass` (every amount, heat and energy is proportional to it; the per-kg
    /// figures, yields and the alloyed fraction do not change), so a batch of another size
    /// is the nominal result scaled. A plant uses this per batch.
    #[must_use]
    pub fn scaled(&self, k: f64) -> RdResult {
        let sc = |l: &Ledger| {
            let mut o = Ledger::new();
            o.add_scaled(l, k);
            o
        };
        RdResult {
            inputs: sc(&self.inputs),
            product: sc(&self.product),
            leachate: sc(&self.leachate),
            gas: sc(&self.gas),
            product_mass: self.product_mass * k,
            leach_heat: self.leach_heat * k,
            hydrogen: self.hydrogen * k,
            reduction_heat: self.reduction_heat.map(|q| q * k),
            electric_energy: self.electric_energy.map(|q| q * k),
            ..self.clone()
        }
    }
}

/// Run one R-D batch and its leach (pure model).
///
/// # Errors
/// Invalid configuration; invalid formulas.
pub fn reduce_diffuse(cfg: &RdConfig) -> Result<RdResult> {
    cfg.validate()?;
    let prod = Formula::parse(&cfg.product)?;
    let n_prod = cfg.batch_product_mass / prod.molar_mass();
    let counts = *prod.counts();
    let mut inputs = Ledger::new();
    let mut o_total = 0.0;
    // Sm as Sm2O3 with excess.
    let n_sm = counts[Element::Sm] * n_prod * (1.0 + cfg.sm_excess);
    inputs.add("Sm2O3", n_sm / 2.0);
    o_total += 1.5 * n_sm;
    // Other elements: oxide-fed or metal.
    let mut metal_charge = Ledger::new();
    for (e, c) in counts.iter_nonzero() {
        if e == Element::Sm {
            continue;
        }
        let n = c * n_prod;
        match cfg.oxide_fed.iter().find(|o| o.element == e.symbol()) {
            Some(o) => {
                let of = Formula::parse(&o.oxide)?;
                let per = of.counts()[e];
                inputs.add(&o.oxide, n / per);
                o_total += n / per * of.counts()[Element::O];
            }
            None => {
                inputs.add(e.symbol(), n);
                metal_charge.add(e.symbol(), n);
            }
        }
    }
    let ca = o_total * (1.0 + cfg.ca_excess);
    inputs.add("Ca", ca);
    // Reduction (complete): all oxide O → CaO; Sm partly evaporates.
    let cao = o_total;
    let ca_left = ca - cao;
    let sm_vap = n_sm * cfg.sm_evaporated;
    let sm_avail = n_sm - sm_vap;
    // Alloying: X of the stoichiometric product forms; the limiting element is Sm or the rest.
    let x = cfg.alloyed_fraction();
    let n_formed = (x * n_prod).min(sm_avail / counts[Element::Sm]);
    let mut product = Ledger::new();
    product.add(&cfg.product, n_formed);
    // Unalloyed elements stay as metals in the product.
    let mut left = Ledger::new();
    left.add("Sm", sm_avail - n_formed * counts[Element::Sm]);
    for (e, c) in counts.iter_nonzero() {
        if e != Element::Sm {
            left.add(e.symbol(), c * n_prod - c * n_formed);
        }
    }
    // Residual Ca (as CaO) and O (as Sm2O3, from the free Sm) in the leached product; the O of
    // that Sm2O3 comes from CaO, whose Ca then leaches like free Ca.
    let m_alloy = product.mass()? + left.mass()?;
    let ca_res_mol = (cfg.residual_calcium * m_alloy / Element::Ca.molar_mass()).min(cao);
    let o_res = (cfg.residual_oxygen * m_alloy / Element::O.molar_mass())
        .min(1.5 * left.get("Sm"))
        .min(cao - ca_res_mol);
    left.add("Sm", -o_res / 1.5);
    product.add("Sm2O3", o_res / 3.0);
    product.add("CaO", ca_res_mol);
    product.add_scaled(&left, 1.0);
    // Leaching (R4): CaO + H2O → Ca(OH)2; Ca + 2 H2O → Ca(OH)2 + H2.
    let cao_leached = cao - ca_res_mol - o_res;
    let ca_metal_leached = ca_left + o_res;
    let h2o_l = "H2O";
    let water_stoich = cao_leached + 2.0 * ca_metal_leached;
    let m_h2o = Formula::parse(h2o_l)?.molar_mass();
    let water =
        (cfg.water_per_cao * cao * Formula::parse("CaO")?.molar_mass() / m_h2o).max(water_stoich);
    inputs.add(h2o_l, water);
    let mut leachate = Ledger::new();
    leachate.add("Ca(OH)2", cao_leached + ca_metal_leached);
    leachate.add(h2o_l, water - water_stoich);
    // Acid wash: consumption only, leaves with the liquor.
    let acid = "C2H4O2";
    let n_acid = cfg.acid_per_product * cfg.batch_product_mass / Formula::parse(acid)?.molar_mass();
    inputs.add(acid, n_acid);
    leachate.add(acid, n_acid);
    let mut gas = Ledger::new();
    gas.add("Sm", sm_vap);
    gas.add("H2", ca_metal_leached);
    // R5: leach heat from formation enthalpies at 298 K (released heat positive).
    let h_caoh2 = data::formation_enthalpy("Ca(OH)2")?;
    let h_cao = data::formation_enthalpy("CaO")?;
    let h_h2o = data::formation_enthalpy("H2O(l)")?;
    let leach_heat =
        -(cao_leached * (h_caoh2 - h_cao - h_h2o) + ca_metal_leached * (h_caoh2 - 2.0 * h_h2o));
    product.clean(1e-12)?;
    // R7: heat of the reduction step, charge at 298.15 K → products at the hold temperature
    // (before leaching: intermetallic, free metals, CaO, excess Ca, Sm vapour).
    let reduction_heat = reduction_step_heat(cfg, &inputs, &product, cao, ca_left, sm_vap)?;
    let product_mass = product.mass()?;
    let sm_in_product: f64 = product.element_amounts()?[Element::Sm];
    Ok(RdResult {
        alloyed_fraction: x,
        sm_yield: sm_in_product / n_sm,
        product_mass,
        leach_heat,
        hydrogen: ca_metal_leached,
        calcium_per_kg: ca * Element::Ca.molar_mass() / product_mass,
        water_per_kg: water * m_h2o / product_mass,
        acid_per_kg: cfg.acid_per_product * cfg.batch_product_mass / product_mass,
        electric_energy: reduction_heat.map(|q| q.max(0.0) / cfg.furnace_efficiency),
        reduction_heat,
        inputs,
        product,
        leachate,
        gas,
    })
}

/// Heat \[J\] of the reduction step (R7): charge (oxides, metals, Ca) at 298.15 K → products at
/// the hold temperature: the intermetallic and free metals as leached minus the residual oxide
/// bookkeeping, all CaO, the excess Ca and the Sm vapour. `None` when the data set lacks a
/// species (the value would be wrong, not approximate).
fn reduction_step_heat(
    cfg: &RdConfig,
    inputs: &Ledger,
    product: &Ledger,
    cao: f64,
    ca_left: f64,
    sm_vap: f64,
) -> Result<Option<f64>> {
    let set = ThermoSet::new(cfg.thermo_data_set)?;
    let charge: Vec<ChargeItem> = inputs
        .items()
        .iter()
        .filter(|(s, _)| s != "H2O" && s != "C2H4O2")
        .map(|(s, n)| ChargeItem::new(s, *n, 298.15))
        .collect();
    // Before leaching the Sm2O3 and CaO of the product are still Sm and part of the CaO.
    let mut hot = Ledger::new();
    for (s, n) in product.items() {
        match s.as_str() {
            "Sm2O3" => hot.add("Sm", 2.0 * n),
            "CaO" => {}
            _ => hot.add(&s, n),
        }
    }
    hot.add("CaO", cao);
    hot.add("Ca", ca_left);
    hot.add("Sm(g)", sm_vap);
    let items = hot.items();
    let missing = items
        .iter()
        .map(|(s, _)| s.as_str())
        .chain(charge.iter().map(|c| c.species.as_str()))
        .any(|s| set.species(s).is_err());
    if missing {
        tracing::warn!(product = %cfg.product, "reduction heat not computed: a species is missing from the data set");
        return Ok(None);
    }
    Ok(Some(heat_to_temperature(
        &set,
        &charge,
        &items,
        cfg.temperature,
        InputConvention::MechanicalMixture,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-30)
    }

    #[test]
    fn scaled_equals_a_solve_of_the_scaled_batch_and_feed_plus_reagents_is_inputs() {
        let cfg = RdConfig {
            oxide_fed: vec![],
            ..RdConfig::default()
        };
        let r = reduce_diffuse(&cfg).unwrap();
        let r3 = reduce_diffuse(&RdConfig {
            batch_product_mass: 3.0 * cfg.batch_product_mass,
            ..cfg.clone()
        })
        .unwrap();
        let s = r.scaled(3.0);
        for (a, b) in [
            (&s.inputs, &r3.inputs),
            (&s.product, &r3.product),
            (&s.leachate, &r3.leachate),
            (&s.gas, &r3.gas),
        ] {
            assert_eq!(a.items().len(), b.items().len());
            for ((sa, na), (sb, nb)) in a.items().iter().zip(b.items().iter()) {
                assert_eq!(sa, sb);
                assert!(close(*na, *nb), "{sa}: {na} vs {nb}");
            }
        }
        assert!(close(s.product_mass, r3.product_mass));
        assert!(close(
            s.electric_energy.unwrap(),
            r3.electric_energy.unwrap()
        ));
        assert!(close(s.sm_yield, r3.sm_yield));
        // partition of the inputs
        let mut both = r.feed();
        both.add_scaled(&r.reagents(), 1.0);
        let (x, y) = (
            both.element_amounts().unwrap(),
            r.inputs.element_amounts().unwrap(),
        );
        for ((_, a), (_, b)) in x.iter().zip(y.iter()) {
            assert!(close(a, b));
        }
        assert!(r.feed().get("Ca").abs() < 1e-300 && r.reagents().get("Ca") > 0.0);
        assert!(r.feed().get("Sm2O3") > 0.0 && r.feed().get("Co") > 0.0);
    }
}

//! The `oxalate_precipitation` and `calcination` step models: rare-earth chloride liquor to
//! oxalate to oxide (docs/science/plant.md, "Oxalate precipitation and calcination").
//!
//! Precipitation, per rare earth RE (balanced with repm-material's [`Reaction`] at build time):
//!
//! ```text
//! 2 RECl3 + 3 H2C2O4 + 10 H2O → RE2(C2O4)3·10H2O↓ + 6 HCl
//! ```
//!
//! Oxalic acid is dosed at `oxalic_excess` over the stoichiometric 1.5 mol per RE and bought
//! as the dihydrate H₂C₂O₄·2H₂O; a fraction `precipitation_yield` of each RE precipitates,
//! the rest stays in the mother liquor (a loss, with the HCl released, the excess oxalic acid
//! and every element besides the RE and their chloride). The hydrate water is drawn from
//! process water (a reagent).
//!
//! Calcination in air (oxalate → oxide; CO burns to CO₂ in the kiln):
//!
//! ```text
//! RE2(C2O4)3·10H2O + 3/2 O2 → RE2O3 + 6 CO2 + 10 H2O
//! ```
//!
//! generalised per element: each RE leaves as its configured oxide (`RE2O3` by default,
//! `Pr6O11`, `CeO2`, `Tb4O7` as calcined in air), all C as CO₂ (booked as direct CO₂e), all H
//! as H₂O; the O₂ drawn from air closes the O balance. A fraction `1 − yield` of the oxide is
//! lost as dust. Other elements stay in the oxide.

use repm_des::ChaCha8Rng;
use repm_material::{Element, ElementVector, Form, Formula, Lot, LotIdSource, Reaction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::sheet::normal;
use super::{BatchOutcome, BuildContext, StepModel, StepModelSpec};
use crate::config::{bad, check_fraction, check_nonneg, element};
use crate::error::PlantError;

fn model_err(model: &str, e: impl std::fmt::Display) -> PlantError {
    PlantError::Model {
        model: model.into(),
        message: e.to_string(),
    }
}

fn parse(s: &str) -> Result<Formula, PlantError> {
    Formula::parse(s).map_err(|e| model_err("precipitation", e))
}

/// Element masses \[kg\] of `n` mol of `f`.
fn masses_of(f: &Formula, n: f64) -> ElementVector {
    (*f.counts() * n).amounts_to_masses()
}

fn is_re(e: Element) -> bool {
    repm_sx::component::is_rare_earth(e.symbol())
}

fn d_excess() -> f64 {
    0.2
}
fn d_yield() -> f64 {
    0.995
}
fn d_oxalic_price() -> f64 {
    0.9
}
fn d_oxalic_co2() -> f64 {
    2.0
}

/// `[steps.model] kind = "oxalate_precipitation"` (module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OxalatePrecipitationConfig {
    /// Oxalic acid over the stoichiometric 1.5 mol per RE \[-\]. Default 0.2 **(est.;
    /// 10–30 % excess is usual practice)**.
    #[serde(default = "d_excess")]
    pub oxalic_excess: f64,
    /// Mean fraction of each RE that precipitates \[-\], in (0, 1]. Default 0.995 **(est.)**.
    #[serde(default = "d_yield")]
    pub precipitation_yield: f64,
    /// Standard deviation of the per-batch yield \[-\] (normal, clipped). Default 0.
    #[serde(default)]
    pub yield_sd: f64,
    /// Price of oxalic acid dihydrate \[$·kg⁻¹\]. Default 0.9 **(est.)**.
    #[serde(default = "d_oxalic_price")]
    pub oxalic_price: f64,
    /// Footprint of oxalic acid dihydrate \[kg CO₂e·kg⁻¹\]. Default 2.0 **(est.)**.
    #[serde(default = "d_oxalic_co2")]
    pub oxalic_co2e: f64,
}

impl Default for OxalatePrecipitationConfig {
    fn default() -> Self {
        Self {
            oxalic_excess: d_excess(),
            precipitation_yield: d_yield(),
            yield_sd: 0.0,
            oxalic_price: d_oxalic_price(),
            oxalic_co2e: d_oxalic_co2(),
        }
    }
}

/// Runtime oxalate precipitation.
#[derive(Debug)]
pub(crate) struct OxalatePrecipitation {
    cfg: OxalatePrecipitationConfig,
    oxalic: Formula,
    oxalic_dihydrate: Formula,
    water: Formula,
    hcl: Formula,
    /// Oxalate hydrate per RE element (RE₂(C₂O₄)₃(H₂O)₁₀), built and balance-checked lazily.
    hydrates: BTreeMap<Element, Formula>,
}

/// The precipitation reaction of one RE, balanced by repm-material.
///
/// # Errors
/// If the reaction does not balance (an internal bug).
pub(crate) fn precipitation_reaction(re: Element) -> Result<Reaction, PlantError> {
    let s = re.symbol();
    let r = Reaction::parse(&format!(
        "2 {s}Cl3 + 3 H2C2O4 + 10 H2O = {s}2(C2O4)3(H2O)10 + 6 HCl"
    ))
    .map_err(|e| model_err("oxalate_precipitation", e))?;
    r.check_balance()
        .map_err(|e| model_err("oxalate_precipitation", e))?;
    Ok(r)
}

impl OxalatePrecipitation {
    fn hydrate(&mut self, re: Element) -> Result<Formula, PlantError> {
        if let Some(f) = self.hydrates.get(&re) {
            return Ok(f.clone());
        }
        precipitation_reaction(re)?;
        let f = parse(&format!("{}2(C2O4)3(H2O)10", re.symbol()))?;
        self.hydrates.insert(re, f.clone());
        Ok(f)
    }
}

impl StepModel for OxalatePrecipitation {
    fn process(
        &mut self,
        lot: &Lot,
        rng: &mut ChaCha8Rng,
        ids: &mut LotIdSource,
    ) -> Result<BatchOutcome, PlantError> {
        let masses = lot.element_masses();
        let y = if self.cfg.yield_sd > 0.0 {
            (self.cfg.precipitation_yield + self.cfg.yield_sd * normal(rng)).clamp(0.0, 1.0)
        } else {
            self.cfg.precipitation_yield
        };
        let mut out = BatchOutcome::good(None);
        let mut solid = ElementVector::zeros();
        let mut n_re = 0.0;
        let mut n_ppt = 0.0;
        for (e, m) in masses.iter_nonzero() {
            if !is_re(e) || m <= 0.0 {
                continue;
            }
            let n = m / e.molar_mass();
            n_re += n;
            n_ppt += n * y;
            solid += masses_of(&self.hydrate(e)?, 0.5 * n * y);
        }
        let n_cl = masses[Element::Cl] / Element::Cl.molar_mass();
        if n_cl < 3.0 * n_re * (1.0 - 1e-9) {
            return Err(model_err(
                "oxalate_precipitation",
                format!("the batch is not a rare-earth chloride: {n_cl} mol Cl for {n_re} mol RE"),
            ));
        }
        let oxalic = 1.5 * n_re * (1.0 + self.cfg.oxalic_excess);
        let water = 5.0 * n_ppt;
        // oxalic acid bought as the dihydrate: its water joins the liquor
        out.reagents = masses_of(&self.oxalic_dihydrate, oxalic) + masses_of(&self.water, water);
        // mother liquor: everything in + reagents − solid
        out.losses = masses + out.reagents - solid;
        let _ = (&self.oxalic, &self.hcl);
        let kg_ox = oxalic * self.oxalic_dihydrate.molar_mass();
        out.reagent_cost = kg_ox * self.cfg.oxalic_price;
        out.co2e_kg = kg_ox * self.cfg.oxalic_co2e;
        let mut g = Lot::from_element_masses(ids.next(), Form::Salt, &solid)?;
        g.parents = vec![lot.id];
        g.recycled_fraction = lot.recycled_fraction;
        out.good = Some(g);
        Ok(out)
    }
}

impl StepModelSpec for OxalatePrecipitationConfig {
    fn validate(&self, _ctx: &BuildContext<'_>, field: &str) -> Result<(), PlantError> {
        check_nonneg(format!("{field}.oxalic_excess"), self.oxalic_excess)?;
        check_fraction(
            format!("{field}.precipitation_yield"),
            self.precipitation_yield,
            true,
        )?;
        check_nonneg(format!("{field}.yield_sd"), self.yield_sd)?;
        check_nonneg(format!("{field}.oxalic_price"), self.oxalic_price)?;
        check_nonneg(format!("{field}.oxalic_co2e"), self.oxalic_co2e)
    }

    fn build(&self, _ctx: &BuildContext<'_>) -> Result<Box<dyn StepModel>, PlantError> {
        Ok(Box::new(OxalatePrecipitation {
            cfg: self.clone(),
            oxalic: parse("H2C2O4")?,
            oxalic_dihydrate: parse("H2C2O4(H2O)2")?,
            water: parse("H2O")?,
            hcl: parse("HCl")?,
            hydrates: BTreeMap::new(),
        }))
    }
}

// ---------------------------------------------------------------------------------------

fn d_calc_yield() -> f64 {
    0.998
}

/// `[steps.model] kind = "calcination"` (module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalcinationConfig {
    /// Oxide formed per element when not `RE2O3`, e.g. `{ Pr = "Pr6O11", Ce = "CeO2" }`.
    /// Default none (every RE as RE₂O₃).
    #[serde(default)]
    pub oxides: BTreeMap<String, String>,
    /// Fraction of the oxide recovered (the rest is dust, a loss) \[-\], in (0, 1]. Default
    /// 0.998 **(est.)**.
    #[serde(default = "d_calc_yield", rename = "yield")]
    pub yield_mean: f64,
}

impl Default for CalcinationConfig {
    fn default() -> Self {
        Self {
            oxides: BTreeMap::new(),
            yield_mean: d_calc_yield(),
        }
    }
}

/// Runtime calcination.
#[derive(Debug)]
pub(crate) struct Calcination {
    /// O atoms per RE atom of the oxide, per element (default 1.5).
    o_per_re: BTreeMap<Element, f64>,
    yield_mean: f64,
    co2: Formula,
}

/// O per RE atom of an oxide formula of `e`.
fn o_ratio(e: Element, formula: &str, field: &str) -> Result<f64, PlantError> {
    let f = Formula::parse(formula).map_err(|x| bad(field, formula, &x.to_string()))?;
    let c = f.counts();
    if c[e] <= 0.0 || c[Element::O] <= 0.0 || c.iter_nonzero().count() != 2 {
        return Err(bad(
            field,
            formula,
            &format!("must be a binary oxide of {e}"),
        ));
    }
    Ok(c[Element::O] / c[e])
}

impl StepModel for Calcination {
    fn process(
        &mut self,
        lot: &Lot,
        _rng: &mut ChaCha8Rng,
        ids: &mut LotIdSource,
    ) -> Result<BatchOutcome, PlantError> {
        let m = lot.element_masses();
        let n = m.masses_to_amounts();
        let mut oxide = m;
        oxide[Element::C] = 0.0;
        oxide[Element::H] = 0.0;
        let mut o_oxide = 0.0;
        for (e, a) in n.iter_nonzero() {
            if is_re(e) {
                o_oxide += a * self.o_per_re.get(&e).copied().unwrap_or(1.5);
            }
        }
        // O leaving: in the oxide, in CO2 (2 per C), in H2O (1/2 per H)
        let o_needed = o_oxide + 2.0 * n[Element::C] + 0.5 * n[Element::H];
        let o_in = n[Element::O];
        let mut out = BatchOutcome::good(None);
        let o2 = o_needed - o_in;
        if o2 >= 0.0 {
            out.reagents[Element::O] = o2 * Element::O.molar_mass();
        }
        oxide[Element::O] = o_oxide * Element::O.molar_mass();
        // off-gas: CO2 + H2O (+ O2 released if the lot carried more O than it needs)
        let mut gas = ElementVector::zeros();
        gas[Element::C] = m[Element::C];
        gas[Element::H] = m[Element::H];
        gas[Element::O] =
            (2.0 * n[Element::C] + 0.5 * n[Element::H] + (-o2).max(0.0)) * Element::O.molar_mass();
        let good = oxide * self.yield_mean;
        out.losses = gas + (oxide - good);
        out.co2e_kg = n[Element::C] * self.co2.molar_mass();
        let mut g = Lot::from_element_masses(ids.next(), Form::Oxide, &good)?;
        g.parents = vec![lot.id];
        g.recycled_fraction = lot.recycled_fraction;
        out.good = Some(g);
        Ok(out)
    }
}

impl StepModelSpec for CalcinationConfig {
    fn validate(&self, _ctx: &BuildContext<'_>, field: &str) -> Result<(), PlantError> {
        for (sym, f) in &self.oxides {
            let e = element(&format!("{field}.oxides"), sym)?;
            o_ratio(e, f, &format!("{field}.oxides.{sym}"))?;
        }
        check_fraction(format!("{field}.yield"), self.yield_mean, true)
    }

    fn build(&self, _ctx: &BuildContext<'_>) -> Result<Box<dyn StepModel>, PlantError> {
        let mut o_per_re = BTreeMap::new();
        for (sym, f) in &self.oxides {
            let e = element("oxides", sym)?;
            o_per_re.insert(e, o_ratio(e, f, "oxides")?);
        }
        Ok(Box::new(Calcination {
            o_per_re,
            yield_mean: self.yield_mean,
            co2: parse("CO2")?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn nd_chloride(kg_nd: f64) -> Lot {
        let mut m = ElementVector::zeros();
        m[Element::Nd] = kg_nd;
        m[Element::Cl] = 3.0 * kg_nd / Element::Nd.molar_mass() * Element::Cl.molar_mass();
        Lot::from_element_masses(repm_material::LotId(1), Form::Salt, &m).unwrap()
    }

    fn check(out: &BatchOutcome, input: &Lot) {
        out.check_balance("test", input).unwrap();
    }

    #[test]
    fn oxalate_to_oxide_stoichiometry() {
        let mut ids = LotIdSource::starting_at(10);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let cfg = OxalatePrecipitationConfig {
            precipitation_yield: 1.0,
            ..Default::default()
        };
        let mut p = OxalatePrecipitation {
            cfg: cfg.clone(),
            oxalic: parse("H2C2O4").unwrap(),
            oxalic_dihydrate: parse("H2C2O4(H2O)2").unwrap(),
            water: parse("H2O").unwrap(),
            hcl: parse("HCl").unwrap(),
            hydrates: BTreeMap::new(),
        };
        let lot = nd_chloride(1.0);
        let o = p.process(&lot, &mut rng, &mut ids).unwrap();
        check(&o, &lot);
        let ox = o.good.clone().unwrap();
        // independent molar masses (IUPAC 2021 conventional): Nd 144.242, C 12.011,
        // O 15.999, H 1.008 → Nd2(C2O4)3·10H2O = 732.61 g/mol per 2 Nd
        let m_hyd = 2.0 * 144.242 + 6.0 * 12.011 + 22.0 * 15.999 + 20.0 * 1.008;
        let expect = 0.5 / 0.144_242 * m_hyd / 1000.0;
        assert!(
            (ox.mass() - expect).abs() < 1e-3 * expect,
            "{} vs {expect}",
            ox.mass()
        );
        let c = Calcination {
            o_per_re: BTreeMap::new(),
            yield_mean: 1.0,
            co2: parse("CO2").unwrap(),
        };
        let mut c = c;
        let o2 = c.process(&ox, &mut rng, &mut ids).unwrap();
        check(&o2, &ox);
        let oxide = o2.good.unwrap();
        // Nd2O3 per kg Nd: (2·144.242 + 3·15.999)/(2·144.242) = 1.16638
        let k = (2.0 * 144.242 + 3.0 * 15.999) / (2.0 * 144.242);
        assert!((oxide.mass() - k).abs() < 1e-4, "{}", oxide.mass());
        // CO2 per kg Nd2O3: 6 CO2 per Nd2O3 = 6·44.009/336.48 = 0.78475
        let co2_per = 6.0 * 44.009 / (2.0 * 144.242 + 3.0 * 15.999);
        assert!((o2.co2e_kg / oxide.mass() - co2_per).abs() < 1e-4);
        assert!(o2.reagents[Element::O] > 0.0);
    }

    #[test]
    fn yield_and_excess_close_the_balance() {
        let mut ids = LotIdSource::starting_at(10);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let cfg = OxalatePrecipitationConfig {
            precipitation_yield: 0.97,
            yield_sd: 0.01,
            oxalic_excess: 0.3,
            ..Default::default()
        };
        let mut p = cfg.build_model();
        let mut m = ElementVector::zeros();
        m[Element::Nd] = 3.0;
        m[Element::Pr] = 1.0;
        m[Element::Cl] = 3.0
            * (3.0 / Element::Nd.molar_mass() + 1.0 / Element::Pr.molar_mass())
            * Element::Cl.molar_mass()
            + 0.01;
        m[Element::H] = 0.01 / Element::Cl.molar_mass() * Element::H.molar_mass();
        let lot = Lot::from_element_masses(repm_material::LotId(3), Form::Salt, &m).unwrap();
        for _ in 0..5 {
            let o = p.process(&lot, &mut rng, &mut ids).unwrap();
            check(&o, &lot);
        }
        let mut c = CalcinationConfig {
            oxides: [("Pr".to_string(), "Pr6O11".to_string())].into(),
            yield_mean: 0.99,
        }
        .build(&dummy_ctx())
        .unwrap();
        let o = p.process(&lot, &mut rng, &mut ids).unwrap();
        let ox = o.good.unwrap();
        let o2 = c.process(&ox, &mut rng, &mut ids).unwrap();
        check(&o2, &ox);
        assert!(precipitation_reaction(Element::La).is_ok());
    }

    impl OxalatePrecipitationConfig {
        fn build_model(&self) -> OxalatePrecipitation {
            OxalatePrecipitation {
                cfg: self.clone(),
                oxalic: parse("H2C2O4").unwrap(),
                oxalic_dihydrate: parse("H2C2O4(H2O)2").unwrap(),
                water: parse("H2O").unwrap(),
                hcl: parse("HCl").unwrap(),
                hydrates: BTreeMap::new(),
            }
        }
    }

    fn dummy_ctx() -> BuildContext<'static> {
        use std::sync::OnceLock;
        static P: OnceLock<crate::config::PlantConfig> = OnceLock::new();
        let plant = P.get_or_init(|| {
            crate::config::PlantConfig::from_toml_str(crate::REFERENCE_PLANT_TOML, "ref")
                .expect("reference plant")
        });
        BuildContext {
            plant,
            step: None,
            feed_fractions: ElementVector::zeros(),
            replication: 0,
        }
    }
}

//! Cascade topology: sections, feeds, draws, recycles; validation into a [`Cascade`].
//!
//! Stages are numbered globally from 0 to N−1 across the sections in the order given. The
//! aqueous phase flows from stage k to k+1 and leaves stage N−1 as the *raffinate*; the organic
//! flows from stage k to k−1 and leaves stage 0 as the *loaded organic*. A classic fractional
//! extraction is `[scrub, extraction]` with scrub liquor fed to stage 0, the feed to the first
//! extraction stage and fresh organic to stage N−1. A strip section placed before the scrub
//! (`[strip, scrub, extraction]`) takes the strip liquor at stage 0, draws all of its aqueous at
//! its last stage (a draw with fraction 1) and the scrub liquor is fed to the first scrub stage;
//! the stripped organic leaving stage 0 is returned to stage N−1 by a [`RecycleSpec`] (a tear
//! the solvers close exactly). Equations: `docs/science/sx.md` §3.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::SxError;
use crate::component::{Component, ComponentSpec};
use crate::equilibrium::{Equilibrium, EquilibriumSpec, MOL_PER_M3_PER_MOLAR};
use crate::linear::{Coupling, LinearWorkspace};

/// A liquid phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The aqueous phase (flows towards higher stage numbers).
    Aqueous,
    /// The organic phase (flows towards lower stage numbers).
    Organic,
}

/// Purpose of a section (descriptive; the physics comes from feeds and the equilibrium model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// Loading of the organic from the feed.
    Extraction,
    /// Scrubbing of the less extractable components from the loaded organic.
    Scrub,
    /// Stripping of the metal from the organic into acid.
    Strip,
    /// Anything else.
    Other,
}

/// One section of consecutive stages sharing an equilibrium model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    /// Section name (unique).
    pub name: String,
    /// Purpose.
    pub kind: SectionKind,
    /// Number of stages (≥ 1).
    pub stages: usize,
    /// Equilibrium model of every stage of the section.
    pub equilibrium: EquilibriumSpec,
    /// Aqueous holdup per stage \[m³\] (mixer + settler), for inventories and dynamics; default 0.
    #[serde(default)]
    pub aqueous_holdup: f64,
    /// Organic holdup per stage \[m³\] (mixer + settler), for the extractant inventory; default 0.
    #[serde(default)]
    pub organic_holdup: f64,
    /// Organic-phase Murphree efficiency E of every stage of the section, in (0, 1] [-]:
    /// y_k = y_in,k + E (y*_k − y_in,k) (`docs/science/sx.md` §3.1, eq. 14). Default 1, the
    /// equilibrium stage (omitted from serialised configs when 1).
    #[serde(
        default = "default_murphree",
        skip_serializing_if = "is_equilibrium_stage"
    )]
    pub murphree_efficiency: f64,
}

/// Default Murphree efficiency: 1, an equilibrium (ideal) stage.
pub const DEFAULT_MURPHREE_EFFICIENCY: f64 = 1.0;

fn default_murphree() -> f64 {
    DEFAULT_MURPHREE_EFFICIENCY
}

fn is_equilibrium_stage(e: &f64) -> bool {
    e.to_bits() == DEFAULT_MURPHREE_EFFICIENCY.to_bits()
}

/// Saponification of an organic feed: a fraction of the extractant's HA units pre-neutralised
/// with base, carried as the cation's complex M A·HA (one dimer unit per M⁺).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saponification {
    /// Cation component symbol (`"Na"` or `"NH4"`); must be a declared component with a law.
    pub cation: String,
    /// Degree of saponification: fraction of HA monomer units neutralised, in [0, 0.5)
    /// (0.5 would bind every dimer) [-]. Plants run 0.3–0.5 of *monomer* capacity with other
    /// conventions; state your basis (sx-data.md §3).
    pub degree: f64,
}

/// An external feed to one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedSpec {
    /// Feed name (unique).
    pub name: String,
    /// Global stage index (0-based).
    pub stage: usize,
    /// Phase of the feed.
    pub phase: Phase,
    /// Volumetric flow [m³·s⁻¹] (> 0).
    pub flow: f64,
    /// Metal concentrations in the feed phase by component symbol [mol·m⁻³]; absent = 0.
    #[serde(default)]
    pub concentrations: BTreeMap<String, f64>,
    /// Aqueous feeds: total titratable acid (free H⁺ + HSO₄⁻) [mol·m⁻³]; default 0.
    #[serde(default)]
    pub acid: f64,
    /// Aqueous feeds: total sulfate (SO₄²⁻ + HSO₄⁻) [mol·m⁻³]; default 0 (chloride medium).
    #[serde(default)]
    pub sulfate: f64,
    /// Organic feeds: total extractant as dimer (HA)₂, free + bound [mol·m⁻³]; default 0.
    #[serde(default)]
    pub extractant: f64,
    /// Organic feeds: saponification; default none.
    #[serde(default)]
    pub saponification: Option<Saponification>,
}

/// A side draw: a fraction of one phase leaving a stage, taken out as a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawSpec {
    /// Product name (unique among outlets).
    pub name: String,
    /// Global stage index.
    pub stage: usize,
    /// Phase drawn.
    pub phase: Phase,
    /// Fraction of the phase leaving the stage that is drawn, in (0, 1] [-].
    pub fraction: f64,
}

/// Which outlet a recycle takes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutletRef {
    /// The aqueous leaving the last stage.
    Raffinate,
    /// The organic leaving stage 0.
    LoadedOrganic,
    /// A side draw, by name.
    Draw(String),
}

/// A recycle: part of an outlet returned to a stage in the same phase (reflux of a product,
/// organic recycle from strip to extraction). The recycled flow is fixed; its composition is
/// the outlet's (a tear stream closed exactly by every solver).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecycleSpec {
    /// Recycle name (unique).
    pub name: String,
    /// Source outlet.
    pub from: OutletRef,
    /// Receiving stage (global index).
    pub to_stage: usize,
    /// Recycled flow [m³·s⁻¹] (> 0, at most the outlet's flow).
    pub flow: f64,
}

/// Default log₁₀ Ka of HSO₄⁻ ⇌ H⁺ + SO₄²⁻ on molar concentrations, no activity correction
/// (sx-data.md §1).
pub const DEFAULT_LOG10_KA_HSO4: f64 = -1.99;

/// Default organic entrainment and solubility loss [m³ organic per m³ aqueous leaving]:
/// 30 ppm, an engineering estimate inside the 10–100 ppm range of sx-data.md §3.
pub const DEFAULT_ENTRAINMENT: f64 = 30e-6;

fn default_log10_ka() -> f64 {
    DEFAULT_LOG10_KA_HSO4
}
fn default_entrainment() -> f64 {
    DEFAULT_ENTRAINMENT
}

/// Full configuration of a counter-current cascade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CascadeSpec {
    /// Components (extractable ions).
    pub components: Vec<ComponentSpec>,
    /// Sections in stage order (stage 0 first).
    pub sections: Vec<SectionSpec>,
    /// External feeds.
    pub feeds: Vec<FeedSpec>,
    /// Side draws; default none.
    #[serde(default)]
    pub draws: Vec<DrawSpec>,
    /// Recycles; default none.
    #[serde(default)]
    pub recycles: Vec<RecycleSpec>,
    /// log₁₀ Ka of HSO₄⁻ [-] on the molar basis; default −1.99.
    #[serde(default = "default_log10_ka")]
    pub log10_ka_hso4: f64,
    /// Organic lost by entrainment/solubility per aqueous volume leaving the cascade [-];
    /// default 30e-6 (est.).
    #[serde(default = "default_entrainment")]
    pub entrainment: f64,
}

/// A validated section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Name.
    pub name: String,
    /// Purpose.
    pub kind: SectionKind,
    /// First global stage index.
    pub first: usize,
    /// Number of stages.
    pub stages: usize,
}

/// Phase flows on every stage, from the feeds, draws and recycles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flows {
    /// Aqueous leaving stage k, draws included [m³·s⁻¹].
    pub aqueous_out: Vec<f64>,
    /// Organic leaving stage k, draws included [m³·s⁻¹].
    pub organic_out: Vec<f64>,
    /// Aqueous passed from stage k to k+1 (to the raffinate for k = N−1) [m³·s⁻¹].
    pub aqueous_pass: Vec<f64>,
    /// Organic passed from stage k to k−1 (to the loaded organic for k = 0) [m³·s⁻¹].
    pub organic_pass: Vec<f64>,
}

/// A product outlet of the validated cascade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outlet {
    /// Name (`"raffinate"`, `"loaded_organic"` or the draw's name).
    pub name: String,
    /// Stage it leaves.
    pub stage: usize,
    /// Phase.
    pub phase: Phase,
    /// Flow leaving the cascade after recycles are taken [m³·s⁻¹].
    pub flow: f64,
}

/// A validated recycle link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecycleLink {
    /// Name.
    pub name: String,
    /// Stage whose outlet is recycled.
    pub from_stage: usize,
    /// Phase.
    pub phase: Phase,
    /// Receiving stage.
    pub to_stage: usize,
    /// Flow [m³·s⁻¹].
    pub flow: f64,
}

/// A validated, ready-to-solve cascade. Build with [`CascadeSpec::validate`].
#[derive(Debug, Clone)]
pub struct Cascade {
    /// The configuration it was built from.
    pub spec: CascadeSpec,
    /// Components.
    pub components: Vec<Component>,
    /// Sections.
    pub sections: Vec<Section>,
    /// Phase flows.
    pub flows: Flows,
    /// Product outlets.
    pub outlets: Vec<Outlet>,
    /// Recycles.
    pub recycles: Vec<RecycleLink>,
    pub(crate) models: Vec<Arc<dyn Equilibrium>>,
    pub(crate) stage_section: Vec<usize>,
    /// External metal feed per stage and component, `[k * C + j]` [mol·s⁻¹].
    pub(crate) feed: Vec<f64>,
    /// External proton-equivalent feed per stage [mol·s⁻¹] (eq. 9).
    pub(crate) feed_proton: Vec<f64>,
    /// Total extractant (dimer) in the organic leaving each stage [mol·m⁻³].
    pub(crate) extractant_total: Vec<f64>,
    /// Total sulfate in the aqueous leaving each stage [mol·m⁻³].
    pub(crate) sulfate: Vec<f64>,
    /// Ka of HSO₄⁻ [mol·m⁻³].
    pub(crate) ka: f64,
    /// Whether the proton balance and free-extractant closure are part of the stage system.
    pub(crate) acid_tracked: bool,
    /// Saponification cation mask (excluded from purities).
    pub(crate) reagent_component: Vec<bool>,
    /// Reagents fed: acid [mol·s⁻¹], base [mol·s⁻¹].
    pub(crate) acid_fed: f64,
    pub(crate) base_fed: f64,
    /// Murphree efficiency per stage [-] (1 = equilibrium stage).
    pub(crate) efficiency: Vec<f64>,
    /// Whether any stage has a Murphree efficiency below 1 (the stage system then carries the
    /// organic concentrations as unknowns).
    pub(crate) murphree: bool,
    /// Metal fed in organic feeds per stage and component, `[k * C + j]` [mol·s⁻¹] (part of
    /// `feed`; enters the stage with the organic, eq. 15).
    pub(crate) feed_organic: Vec<f64>,
}

fn finite_nonneg(v: f64, field: String) -> Result<(), SxError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(SxError::config(field, v, "must be finite and ≥ 0"))
    }
}

fn finite_pos(v: f64, field: String) -> Result<(), SxError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(SxError::config(field, v, "must be finite and > 0"))
    }
}

/// Free H⁺ h from the total aqueous proton H = h + S·h/(h + Ka) [mol·m⁻³] (eq. 8), the
/// positive root of h² + (Ka + S − H) h − H·Ka = 0. Returns 0 for H ≤ 0.
pub fn free_h_from_total(total: f64, sulfate: f64, ka: f64) -> f64 {
    if total <= 0.0 {
        return 0.0;
    }
    if sulfate <= 0.0 {
        return total;
    }
    let b = ka + sulfate - total;
    let disc = (b * b + 4.0 * total * ka).sqrt();
    // stable root selection
    if b >= 0.0 {
        2.0 * total * ka / (b + disc)
    } else {
        0.5 * (disc - b)
    }
}

impl CascadeSpec {
    /// Number of stages.
    pub fn n_stages(&self) -> usize {
        self.sections.iter().map(|s| s.stages).sum()
    }

    /// Global stage index of stage `i` (0-based) of section `name`, if both exist.
    pub fn stage_of(&self, name: &str, i: usize) -> Option<usize> {
        let mut first = 0;
        for s in &self.sections {
            if s.name == name {
                return (i < s.stages).then_some(first + i);
            }
            first += s.stages;
        }
        None
    }

    /// Validates the configuration and builds a solvable [`Cascade`].
    pub fn validate(&self) -> Result<Cascade, SxError> {
        if self.components.is_empty() {
            return Err(SxError::config(
                "components",
                "[]",
                "at least one component is needed",
            ));
        }
        let mut components = Vec::with_capacity(self.components.len());
        for (i, c) in self.components.iter().enumerate() {
            let comp = Component::from_spec(c, &format!("components[{i}]"))?;
            if components
                .iter()
                .any(|o: &Component| o.symbol == comp.symbol)
            {
                return Err(SxError::config(
                    format!("components[{i}].symbol"),
                    &comp.symbol,
                    "duplicate component",
                ));
            }
            components.push(comp);
        }
        let nc = components.len();
        let idx = |s: &str| components.iter().position(|c| c.symbol == s);
        if self.sections.is_empty() {
            return Err(SxError::config(
                "sections",
                "[]",
                "a cascade needs at least one section",
            ));
        }
        let mut sections = Vec::new();
        let mut models = Vec::new();
        let mut stage_section = Vec::new();
        let mut efficiency = Vec::new();
        let mut first = 0;
        for (i, s) in self.sections.iter().enumerate() {
            if s.stages == 0 {
                return Err(SxError::config(
                    format!("sections[{i}].stages"),
                    0,
                    "a section needs at least one stage",
                ));
            }
            if sections.iter().any(|o: &Section| o.name == s.name) {
                return Err(SxError::config(
                    format!("sections[{i}].name"),
                    &s.name,
                    "duplicate section name",
                ));
            }
            finite_nonneg(s.aqueous_holdup, format!("sections[{i}].aqueous_holdup"))?;
            finite_nonneg(s.organic_holdup, format!("sections[{i}].organic_holdup"))?;
            let eff = s.murphree_efficiency;
            if !(eff.is_finite() && eff > 0.0 && eff <= 1.0) {
                return Err(SxError::config(
                    format!("sections[{i}].murphree_efficiency"),
                    eff,
                    "the Murphree stage efficiency must be finite and in (0, 1]",
                ));
            }
            let model = s
                .equilibrium
                .build(&components, &format!("sections[{i}].equilibrium"))?;
            models.push(model);
            sections.push(Section {
                name: s.name.clone(),
                kind: s.kind,
                first,
                stages: s.stages,
            });
            stage_section.extend(std::iter::repeat_n(i, s.stages));
            efficiency.extend(std::iter::repeat_n(eff, s.stages));
            first += s.stages;
        }
        let n = first;
        let acid_tracked = models.iter().any(|m| m.needs_acid_and_extractant());
        if !self.log10_ka_hso4.is_finite() {
            return Err(SxError::config(
                "log10_ka_hso4",
                self.log10_ka_hso4,
                "must be finite",
            ));
        }
        finite_nonneg(self.entrainment, "entrainment".into())?;
        let ka = 10f64.powf(self.log10_ka_hso4) * MOL_PER_M3_PER_MOLAR;

        // Feeds.
        if self.feeds.is_empty() {
            return Err(SxError::config(
                "feeds",
                "[]",
                "a cascade needs at least one feed",
            ));
        }
        let mut feed = vec![0.0; n * nc];
        let mut feed_organic = vec![0.0; n * nc];
        let mut feed_proton = vec![0.0; n];
        let mut aq_feed_flow = vec![0.0; n];
        let mut org_feed_flow = vec![0.0; n];
        let mut sulfate_feed = vec![0.0; n];
        let mut extractant_feed = vec![0.0; n];
        let mut reagent_component = vec![false; nc];
        let mut acid_fed = 0.0;
        let mut base_fed = 0.0;
        let mut names: Vec<&str> = Vec::new();
        for (i, f) in self.feeds.iter().enumerate() {
            let field = format!("feeds[{i}]");
            if names.contains(&f.name.as_str()) {
                return Err(SxError::config(
                    format!("{field}.name"),
                    &f.name,
                    "duplicate feed name",
                ));
            }
            names.push(&f.name);
            if f.stage >= n {
                return Err(SxError::config(
                    format!("{field}.stage"),
                    f.stage,
                    format!(
                        "stage out of range: the cascade has {n} stages (0..{})",
                        n - 1
                    ),
                ));
            }
            finite_pos(f.flow, format!("{field}.flow"))?;
            finite_nonneg(f.acid, format!("{field}.acid"))?;
            finite_nonneg(f.sulfate, format!("{field}.sulfate"))?;
            finite_nonneg(f.extractant, format!("{field}.extractant"))?;
            let k = f.stage;
            let mut conc = vec![0.0; nc];
            for (sym, &c) in &f.concentrations {
                let j = idx(sym).ok_or_else(|| SxError::UnknownComponent {
                    field: format!("{field}.concentrations"),
                    name: sym.clone(),
                })?;
                finite_nonneg(c, format!("{field}.concentrations.{sym}"))?;
                conc[j] = c;
            }
            match f.phase {
                Phase::Aqueous => {
                    if f.extractant > 0.0 {
                        return Err(SxError::config(
                            format!("{field}.extractant"),
                            f.extractant,
                            "an aqueous feed carries no extractant",
                        ));
                    }
                    if f.saponification.is_some() {
                        return Err(SxError::config(
                            format!("{field}.saponification"),
                            "set",
                            "only organic feeds are saponified",
                        ));
                    }
                    aq_feed_flow[k] += f.flow;
                    sulfate_feed[k] += f.flow * f.sulfate;
                    feed_proton[k] += f.flow * f.acid;
                    acid_fed += f.flow * f.acid;
                }
                Phase::Organic => {
                    if f.acid > 0.0 || f.sulfate > 0.0 {
                        return Err(SxError::config(
                            format!("{field}.acid"),
                            f.acid,
                            "an organic feed carries no aqueous acid or sulfate",
                        ));
                    }
                    if let Some(sap) = &f.saponification {
                        let j = idx(&sap.cation).ok_or_else(|| SxError::UnknownComponent {
                            field: format!("{field}.saponification.cation"),
                            name: sap.cation.clone(),
                        })?;
                        if !(sap.degree.is_finite() && (0.0..0.5).contains(&sap.degree)) {
                            return Err(SxError::config(
                                format!("{field}.saponification.degree"),
                                sap.degree,
                                "must be in [0, 0.5)",
                            ));
                        }
                        if conc[j] > 0.0 {
                            return Err(SxError::config(
                                format!("{field}.concentrations.{}", sap.cation),
                                conc[j],
                                "the saponification cation is set by `saponification`",
                            ));
                        }
                        // M per m³ = degree · 2 · dimer (HA monomer basis), M bound as MA·HA.
                        conc[j] = sap.degree * 2.0 * f.extractant;
                        reagent_component[j] = true;
                        base_fed += f.flow * conc[j];
                    }
                    let bound: f64 = conc
                        .iter()
                        .zip(&components)
                        .map(|(c, m)| c * m.extractant_units)
                        .sum();
                    if acid_tracked && f.extractant - bound <= 0.0 {
                        return Err(SxError::config(
                            format!("{field}.extractant"),
                            f.extractant,
                            format!(
                                "no free extractant left: {bound} mol/m³ of dimer is bound by the feed's metal"
                            ),
                        ));
                    }
                    org_feed_flow[k] += f.flow;
                    extractant_feed[k] += f.flow * f.extractant;
                    feed_proton[k] -= f.flow
                        * conc
                            .iter()
                            .zip(&components)
                            .map(|(c, m)| c * m.charge)
                            .sum::<f64>();
                }
            }
            for j in 0..nc {
                feed[k * nc + j] += f.flow * conc[j];
                if f.phase == Phase::Organic {
                    feed_organic[k * nc + j] += f.flow * conc[j];
                }
            }
        }

        // Draws.
        let mut aq_draw = vec![0.0; n];
        let mut org_draw = vec![0.0; n];
        for (i, d) in self.draws.iter().enumerate() {
            let field = format!("draws[{i}]");
            if d.name == "raffinate"
                || d.name == "loaded_organic"
                || self.draws[..i].iter().any(|o| o.name == d.name)
            {
                return Err(SxError::config(
                    format!("{field}.name"),
                    &d.name,
                    "duplicate outlet name",
                ));
            }
            if d.stage >= n {
                return Err(SxError::config(
                    format!("{field}.stage"),
                    d.stage,
                    format!("stage out of range: the cascade has {n} stages"),
                ));
            }
            if !(d.fraction.is_finite() && d.fraction > 0.0 && d.fraction <= 1.0) {
                return Err(SxError::config(
                    format!("{field}.fraction"),
                    d.fraction,
                    "must be in (0, 1]",
                ));
            }
            let t = match d.phase {
                Phase::Aqueous => &mut aq_draw[d.stage],
                Phase::Organic => &mut org_draw[d.stage],
            };
            *t += d.fraction;
            if *t > 1.0 + 1e-12 {
                return Err(SxError::config(
                    format!("{field}.fraction"),
                    d.fraction,
                    "draws of one phase on one stage sum to more than 1",
                ));
            }
        }

        // Recycles (flows fixed, so phase flows follow without iteration).
        let mut recycles = Vec::new();
        for (i, r) in self.recycles.iter().enumerate() {
            let field = format!("recycles[{i}]");
            finite_pos(r.flow, format!("{field}.flow"))?;
            if r.to_stage >= n {
                return Err(SxError::config(
                    format!("{field}.to_stage"),
                    r.to_stage,
                    format!("stage out of range: the cascade has {n} stages"),
                ));
            }
            let (from_stage, phase) = match &r.from {
                OutletRef::Raffinate => (n - 1, Phase::Aqueous),
                OutletRef::LoadedOrganic => (0, Phase::Organic),
                OutletRef::Draw(name) => {
                    let d = self.draws.iter().find(|d| &d.name == name).ok_or_else(|| {
                        SxError::config(format!("{field}.from"), name, "no draw of that name")
                    })?;
                    (d.stage, d.phase)
                }
            };
            match phase {
                Phase::Aqueous => aq_feed_flow[r.to_stage] += r.flow,
                Phase::Organic => org_feed_flow[r.to_stage] += r.flow,
            }
            recycles.push(RecycleLink {
                name: r.name.clone(),
                from_stage,
                phase,
                to_stage: r.to_stage,
                flow: r.flow,
            });
        }

        // Phase flows.
        let mut flows = Flows {
            aqueous_out: vec![0.0; n],
            organic_out: vec![0.0; n],
            aqueous_pass: vec![0.0; n],
            organic_pass: vec![0.0; n],
        };
        let mut prev = 0.0;
        for k in 0..n {
            flows.aqueous_out[k] = prev + aq_feed_flow[k];
            flows.aqueous_pass[k] = flows.aqueous_out[k] * (1.0 - aq_draw[k].min(1.0));
            prev = flows.aqueous_pass[k];
        }
        let mut prev = 0.0;
        for k in (0..n).rev() {
            flows.organic_out[k] = prev + org_feed_flow[k];
            flows.organic_pass[k] = flows.organic_out[k] * (1.0 - org_draw[k].min(1.0));
            prev = flows.organic_pass[k];
        }
        for k in 0..n {
            if flows.aqueous_out[k] <= 0.0 {
                return Err(SxError::config(
                    format!("stage[{k}].aqueous_flow"),
                    flows.aqueous_out[k],
                    "every stage needs an aqueous phase: add an aqueous feed at or before this stage",
                ));
            }
            if flows.organic_out[k] <= 0.0 {
                return Err(SxError::config(
                    format!("stage[{k}].organic_flow"),
                    flows.organic_out[k],
                    "every stage needs an organic phase: add an organic feed at or after this stage",
                ));
            }
        }

        // Outlets and recycle withdrawals.
        let mut outlets = vec![
            Outlet {
                name: "raffinate".into(),
                stage: n - 1,
                phase: Phase::Aqueous,
                flow: flows.aqueous_pass[n - 1],
            },
            Outlet {
                name: "loaded_organic".into(),
                stage: 0,
                phase: Phase::Organic,
                flow: flows.organic_pass[0],
            },
        ];
        for d in &self.draws {
            let q = match d.phase {
                Phase::Aqueous => flows.aqueous_out[d.stage],
                Phase::Organic => flows.organic_out[d.stage],
            };
            outlets.push(Outlet {
                name: d.name.clone(),
                stage: d.stage,
                phase: d.phase,
                flow: q * d.fraction,
            });
        }
        for (i, r) in self.recycles.iter().enumerate() {
            let name = match &r.from {
                OutletRef::Raffinate => "raffinate".to_string(),
                OutletRef::LoadedOrganic => "loaded_organic".to_string(),
                OutletRef::Draw(s) => s.clone(),
            };
            let o = outlets
                .iter_mut()
                .find(|o| o.name == name)
                .expect("outlet exists: checked above");
            o.flow -= r.flow;
            if o.flow < -1e-12 * r.flow {
                return Err(SxError::config(
                    format!("recycles[{i}].flow"),
                    r.flow,
                    format!("exceeds the flow of outlet `{name}`"),
                ));
            }
            o.flow = o.flow.max(0.0);
        }

        // Inert transport: sulfate in the aqueous, extractant in the organic.
        let mut ws = LinearWorkspace::default();
        let mut sulfate = vec![0.0; n];
        let mut extractant_total = vec![0.0; n];
        let aq_couplings: Vec<Coupling> = recycles
            .iter()
            .filter(|r| r.phase == Phase::Aqueous)
            .map(|r| Coupling {
                row: r.to_stage,
                col: r.from_stage,
                coef: r.flow,
            })
            .collect();
        let org_couplings: Vec<Coupling> = recycles
            .iter()
            .filter(|r| r.phase == Phase::Organic)
            .map(|r| Coupling {
                row: r.to_stage,
                col: r.from_stage,
                coef: r.flow,
            })
            .collect();
        {
            let sub: Vec<f64> = (0..n)
                .map(|k| {
                    if k > 0 {
                        flows.aqueous_pass[k - 1]
                    } else {
                        0.0
                    }
                })
                .collect();
            let diag: Vec<f64> = flows.aqueous_out.iter().map(|q| -q).collect();
            let sup = vec![0.0; n];
            let rhs: Vec<f64> = sulfate_feed.iter().map(|v| -v).collect();
            ws.solve(&sub, &diag, &sup, &rhs, &aq_couplings, &mut sulfate);
            let sub = vec![0.0; n];
            let diag: Vec<f64> = flows.organic_out.iter().map(|q| -q).collect();
            let sup: Vec<f64> = (0..n)
                .map(|k| {
                    if k + 1 < n {
                        flows.organic_pass[k + 1]
                    } else {
                        0.0
                    }
                })
                .collect();
            let rhs: Vec<f64> = extractant_feed.iter().map(|v| -v).collect();
            ws.solve(
                &sub,
                &diag,
                &sup,
                &rhs,
                &org_couplings,
                &mut extractant_total,
            );
        }
        if acid_tracked {
            for (k, e) in extractant_total.iter().enumerate() {
                if e.is_nan() || *e <= 0.0 {
                    return Err(SxError::config(
                        format!("stage[{k}].extractant"),
                        e,
                        "the equilibrium model needs extractant in the organic on every stage: give the organic feed an `extractant` concentration",
                    ));
                }
            }
        }
        for (j, c) in components.iter().enumerate() {
            let tot: f64 = (0..n).map(|k| feed[k * nc + j]).sum();
            if tot.is_nan() || tot <= 0.0 {
                return Err(SxError::config(
                    format!("feeds.concentrations.{}", c.symbol),
                    0.0,
                    "the component is never fed: drop it from `components`",
                ));
            }
        }
        Ok(Cascade {
            spec: self.clone(),
            components,
            sections,
            flows,
            outlets,
            recycles,
            models,
            stage_section,
            feed,
            feed_proton,
            extractant_total,
            sulfate,
            ka,
            acid_tracked,
            reagent_component,
            acid_fed,
            base_fed,
            murphree: efficiency.iter().any(|e| *e < 1.0),
            efficiency,
            feed_organic,
        })
    }
}

impl Cascade {
    /// Number of stages N.
    pub fn n_stages(&self) -> usize {
        self.stage_section.len()
    }
    /// Number of components C.
    pub fn n_components(&self) -> usize {
        self.components.len()
    }
    /// Whether the stage system carries the proton balance and free-extractant closure.
    pub fn acid_tracked(&self) -> bool {
        self.acid_tracked
    }
    /// Murphree efficiency of stage `k` [-] (1 = equilibrium stage).
    ///
    /// # Panics
    /// If `k` ≥ N.
    pub fn murphree_efficiency(&self, k: usize) -> f64 {
        self.efficiency[k]
    }
    /// Whether any stage has a Murphree efficiency below 1 (Newton then carries ln y as extra
    /// unknowns per stage: block size 2C or 2C + 2 instead of C or C + 2).
    pub fn has_murphree(&self) -> bool {
        self.murphree
    }
    /// Whether every section's model is a constant D (the Kremser-exact solver applies).
    pub fn is_constant_d(&self) -> bool {
        self.models.iter().all(|m| m.is_constant())
    }
    /// Equilibrium model of stage `k`.
    ///
    /// # Panics
    /// If `k` ≥ N.
    pub fn model(&self, k: usize) -> &dyn Equilibrium {
        self.models[self.stage_section[k]].as_ref()
    }
    /// External metal feed of component `j` to stage `k` [mol·s⁻¹].
    ///
    /// # Panics
    /// If out of range.
    pub fn feed(&self, k: usize, j: usize) -> f64 {
        self.feed[k * self.n_components() + j]
    }
    /// Total external feed of component `j` [mol·s⁻¹].
    pub fn total_feed(&self, j: usize) -> f64 {
        (0..self.n_stages()).map(|k| self.feed(k, j)).sum()
    }
    /// Total extractant (dimer) in the organic leaving each stage [mol·m⁻³].
    pub fn extractant_total(&self) -> &[f64] {
        &self.extractant_total
    }
    /// Total sulfate in the aqueous leaving each stage [mol·m⁻³].
    pub fn sulfate(&self) -> &[f64] {
        &self.sulfate
    }
    /// Ka of HSO₄⁻ [mol·m⁻³].
    pub fn ka(&self) -> f64 {
        self.ka
    }
    /// Index of the component with this symbol.
    pub fn component_index(&self, symbol: &str) -> Option<usize> {
        self.components.iter().position(|c| c.symbol == symbol)
    }
}

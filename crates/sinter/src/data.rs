//! Embedded data files (crates/sinter/data/*.json), parsed on first use.
//!
//! The files ship inside the binary (`include_str!`), so a fresh install works offline. Each
//! record carries its `source` and a tag (S / K / vendor / est); see data/README.md.
//!
//! # Panics
//! The accessors panic only if an embedded file fails to parse, which is a build defect caught
//! by this module's unit test.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use repm_material::Element;
use serde::Deserialize;

/// Raw text of the data files, for users who want to inspect or re-parse them.
pub mod raw {
    /// `r2fe14b_intrinsic.json`.
    pub const INTRINSIC: &str = include_str!("../data/r2fe14b_intrinsic.json");
    /// `alloying.json`.
    pub const ALLOYING: &str = include_str!("../data/alloying.json");
    /// `grades_sintered_ndfeb.json`.
    pub const GRADES: &str = include_str!("../data/grades_sintered_ndfeb.json");
    /// `gbd_diffusion.json`.
    pub const GBD: &str = include_str!("../data/gbd_diffusion.json");
    /// `smco.json`.
    pub const SMCO: &str = include_str!("../data/smco.json");
    /// `prices.json`.
    pub const PRICES: &str = include_str!("../data/prices.json");
}

/// One R₂Fe₁₄B end member.
#[derive(Debug, Clone, Deserialize)]
pub struct EndMember {
    /// The rare earth R.
    pub element: Element,
    /// Saturation polarisation Js \[T\].
    pub js_t: f64,
    /// Anisotropy field μ₀H_A \[T\]; `None` for easy-plane compounds.
    pub ha_t: Option<f64>,
    /// Curie temperature \[K\].
    pub tc_k: f64,
    /// Reliability tag.
    pub tag: String,
    /// Source.
    pub source: String,
}

/// Lattice of Nd₂Fe₁₄B.
#[derive(Debug, Clone, Deserialize)]
pub struct Lattice {
    /// a \[m\].
    pub a_m: f64,
    /// c \[m\].
    pub c_m: f64,
    /// Formula units per cell.
    pub z: u32,
    /// Space group.
    pub space_group: String,
    /// Source.
    pub source: String,
}

/// Density of a secondary phase.
#[derive(Debug, Clone, Deserialize)]
pub struct PhaseDensity {
    /// Phase key: re_rich, oxide, boride, other, free_iron.
    pub phase: String,
    /// Density \[kg·m⁻³\].
    pub density_kg_m3: f64,
    /// Source.
    pub source: String,
}

/// The sub-linear heavy-RE rule for H_A.
#[derive(Debug, Clone, Deserialize)]
pub struct Sublinear {
    /// RE-site fraction of heavy RE up to which the effect is linear \[-\].
    pub threshold_site_fraction: f64,
    /// Relative slope above the threshold \[-\].
    pub slope_above: f64,
    /// Source.
    pub source: String,
}

/// `r2fe14b_intrinsic.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct IntrinsicData {
    /// End members.
    pub end_members: Vec<EndMember>,
    /// Nd₂Fe₁₄B lattice.
    pub nd2fe14b_lattice: Lattice,
    /// Secondary-phase densities.
    pub phase_densities: Vec<PhaseDensity>,
    /// Heavy-RE sub-linearity.
    pub heavy_re_sublinear: Sublinear,
}

impl IntrinsicData {
    /// The end member of `e`, if tabulated.
    #[must_use]
    pub fn end_member(&self, e: Element) -> Option<&EndMember> {
        self.end_members.iter().find(|m| m.element == e)
    }
    /// Density of a secondary phase by key \[kg·m⁻³\].
    ///
    /// # Panics
    /// If the key is missing from the embedded file (a build defect).
    #[must_use]
    pub fn phase_density(&self, key: &str) -> f64 {
        self.phase_densities
            .iter()
            .find(|p| p.phase == key)
            .map(|p| p.density_kg_m3)
            .expect("phase density key present in r2fe14b_intrinsic.json")
    }
}

/// Effect of one minor addition, per wt %.
#[derive(Debug, Clone, Deserialize)]
pub struct Addition {
    /// The element.
    pub element: Element,
    /// Counts as a transition-metal site of the main phase.
    pub on_t_site: bool,
    /// ΔJs \[T per wt %\].
    pub d_js_t: f64,
    /// Δμ₀H_A \[T per wt %\].
    pub d_ha_t: f64,
    /// ΔT_C \[K per wt %\].
    pub d_tc_k: f64,
    /// ΔHcj (microstructural) \[T per wt %\].
    pub d_hcj_t: f64,
    /// Δα(Br) \[%/K per wt %\].
    pub d_alpha_br: f64,
    /// Δβ(Hcj) \[%/K per wt %\].
    pub d_beta_hcj: f64,
    /// Validity limit \[wt %\].
    pub max_wt_percent: f64,
    /// Source.
    pub source: String,
}

/// A value with its source.
#[derive(Debug, Clone, Deserialize)]
pub struct Sourced {
    /// The value (unit in the field documentation where used).
    pub value: f64,
    /// Source.
    pub source: String,
}

/// `alloying.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct AlloyingData {
    /// Additions.
    pub additions: Vec<Addition>,
    /// α(Br) of a Co-free magnet \[%/K\].
    pub base_alpha_br: Sourced,
}

impl AlloyingData {
    /// The entry for `e`, if any.
    #[must_use]
    pub fn addition(&self, e: Element) -> Option<&Addition> {
        self.additions.iter().find(|a| a.element == e)
    }
}

/// A grade suffix row.
#[derive(Debug, Clone, Deserialize)]
pub struct SuffixRow {
    /// Suffix text ("N" for none).
    pub suffix: String,
    /// Minimum Hcj \[kA·m⁻¹\].
    pub hcj_min_ka_m: f64,
    /// Minimum Hcj for grade numbers ≥ 50 \[kA·m⁻¹\].
    pub hcj_min_ka_m_from_n50: f64,
    /// Maximum working temperature \[°C\].
    pub max_working_temp_c: f64,
    /// Source.
    pub source: String,
}

/// A grade-number row.
#[derive(Debug, Clone, Deserialize)]
pub struct NumberRow {
    /// Nominal (BH)max \[MGOe\].
    pub number: u32,
    /// Minimum Br \[T\].
    pub br_min_t: f64,
    /// Minimum (BH)max \[kJ·m⁻³\].
    pub bhmax_min_kj_m3: f64,
    /// Tag.
    pub tag: String,
    /// Source.
    pub source: String,
}

/// β(Hcj) point.
#[derive(Debug, Clone, Deserialize)]
pub struct BetaRow {
    /// Hcj at 20 °C \[kA·m⁻¹\].
    pub hcj_ka_m: f64,
    /// β \[%/K\].
    pub beta_pct_per_k: f64,
    /// Source.
    pub source: String,
}

/// Datasheet constants.
#[derive(Debug, Clone, Deserialize)]
pub struct Datasheet {
    /// Recoil permeability \[-\].
    pub recoil_permeability: f64,
    /// Permeance coefficient at which working temperatures are quoted \[-\].
    pub permeance_coefficient_for_tw: f64,
    /// Source.
    pub source: String,
}

/// `grades_sintered_ndfeb.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct GradeData {
    /// Suffix rows, ascending Hcj.
    pub suffixes: Vec<SuffixRow>,
    /// Grade-number rows, ascending.
    pub numbers: Vec<NumberRow>,
    /// β by Hcj, ascending Hcj.
    pub beta_by_hcj: Vec<BetaRow>,
    /// Datasheet constants.
    pub datasheet: Datasheet,
}

/// GBD coercivity parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct GbdCoercivityData {
    /// Shell thickness \[m\].
    pub shell_thickness_m: f64,
    /// Fraction of absorbed HRE that enters the shells \[-\].
    pub shell_partition: f64,
    /// Saturation gain in μ₀Hcj by element \[T\].
    pub max_gain_t: BTreeMap<String, f64>,
    /// Source.
    pub source: String,
}

/// GBD process defaults.
#[derive(Debug, Clone, Deserialize)]
pub struct GbdProcessDefaults {
    /// Surface HRE mass fraction \[-\].
    pub surface_mass_fraction: f64,
    /// Lost fraction of the applied HRE \[-\].
    pub loss_fraction: f64,
    /// Source.
    pub source: String,
}

/// `gbd_diffusion.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct GbdData {
    /// Diffusing species.
    pub species: String,
    /// (T \[K\], D \[m²·s⁻¹\]).
    pub points: Vec<(f64, f64)>,
    /// (T \[K\], depth \[m\]) after 8 h.
    pub depths_8h: Vec<(f64, f64)>,
    /// Source of the points.
    pub source: String,
    /// Coercivity parameters.
    pub coercivity: GbdCoercivityData,
    /// Process defaults.
    pub process_defaults: GbdProcessDefaults,
}

/// One Sm–Co datasheet row.
#[derive(Debug, Clone, Deserialize)]
pub struct SmCoRow {
    /// "SmCo5" or "Sm2Co17".
    pub kind: String,
    /// Br \[T\].
    pub br_t: f64,
    /// Hcj \[kA·m⁻¹\].
    pub hcj_ka_m: f64,
    /// Typical (BH)max \[kJ·m⁻³\].
    pub bhmax_kj_m3: f64,
    /// α(Br) \[%/K\].
    pub alpha_br: f64,
    /// β(Hcj) \[%/K\].
    pub beta_hcj: f64,
    /// T_C \[°C\].
    pub tc_c: f64,
    /// Maximum service temperature \[°C\].
    pub max_service_c: f64,
    /// Density \[kg·m⁻³\].
    pub density_kg_m3: f64,
    /// Source.
    pub source: String,
}

/// `smco.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct SmCoData {
    /// Rows.
    pub grades: Vec<SmCoRow>,
}

/// A dated oxide price.
#[derive(Debug, Clone, Deserialize)]
pub struct OxidePrice {
    /// The element the price is used for.
    pub element: Element,
    /// Oxide description.
    pub oxide: String,
    /// Price \[USD·kg⁻¹ oxide\].
    pub usd_per_kg: f64,
    /// Date (ISO, month precision at least).
    pub date: String,
    /// Source.
    pub source: String,
}

/// Oxide formula per element.
#[derive(Debug, Clone, Deserialize)]
pub struct OxideFormula {
    /// Element.
    pub element: Element,
    /// Oxide formula.
    pub formula: String,
}

/// `prices.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct PriceData {
    /// Oxide prices.
    pub oxides: Vec<OxidePrice>,
    /// Oxide formulas.
    pub oxide_per_metal: Vec<OxideFormula>,
    /// Conversion cost \[USD·kg⁻¹ metal\].
    pub conversion_usd_per_kg: Sourced,
    /// GBD process adder \[USD·kg⁻¹ magnet\].
    pub gbd_process_usd_per_kg: Sourced,
    /// Other element prices \[USD·kg⁻¹\] (keys are symbols plus `tag`, `source`).
    pub other_elements_usd_per_kg: BTreeMap<String, serde_json::Value>,
}

fn parse<T: for<'de> Deserialize<'de>>(file: &'static str, text: &str) -> T {
    match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!("embedded data file {file} does not parse: {e}"),
    }
}

/// Intrinsic-property data.
pub fn intrinsic() -> &'static IntrinsicData {
    static D: OnceLock<IntrinsicData> = OnceLock::new();
    D.get_or_init(|| parse("r2fe14b_intrinsic.json", raw::INTRINSIC))
}

/// Alloying-effect data.
pub fn alloying() -> &'static AlloyingData {
    static D: OnceLock<AlloyingData> = OnceLock::new();
    D.get_or_init(|| parse("alloying.json", raw::ALLOYING))
}

/// Grade table.
pub fn grades() -> &'static GradeData {
    static D: OnceLock<GradeData> = OnceLock::new();
    D.get_or_init(|| parse("grades_sintered_ndfeb.json", raw::GRADES))
}

/// GBD data.
pub fn gbd_data() -> &'static GbdData {
    static D: OnceLock<GbdData> = OnceLock::new();
    D.get_or_init(|| parse("gbd_diffusion.json", raw::GBD))
}

/// Sm–Co data.
pub fn smco() -> &'static SmCoData {
    static D: OnceLock<SmCoData> = OnceLock::new();
    D.get_or_init(|| parse("smco.json", raw::SMCO))
}

/// Prices.
pub fn prices() -> &'static PriceData {
    static D: OnceLock<PriceData> = OnceLock::new();
    D.get_or_init(|| parse("prices.json", raw::PRICES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_files_parse_and_are_sourced() {
        let i = intrinsic();
        assert!(i.end_member(Element::Nd).is_some());
        assert!(
            i.end_members
                .iter()
                .all(|m| !m.source.is_empty() && m.js_t > 0.0)
        );
        assert!(alloying().addition(Element::Co).is_some());
        let g = grades();
        assert_eq!(g.suffixes.len(), 7);
        assert!(
            g.numbers
                .windows(2)
                .all(|w| w[0].bhmax_min_kj_m3 < w[1].bhmax_min_kj_m3)
        );
        assert!(
            g.beta_by_hcj
                .windows(2)
                .all(|w| w[0].hcj_ka_m < w[1].hcj_ka_m)
        );
        assert_eq!(gbd_data().points.len(), 2);
        assert_eq!(smco().grades.len(), 2);
        assert_eq!(prices().oxides.len(), 4);
        for p in &prices().oxides {
            assert!(!p.date.is_empty() && !p.source.is_empty());
        }
        let _ = i.phase_density("re_rich");
    }
}

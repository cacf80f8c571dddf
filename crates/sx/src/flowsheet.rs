//! A cascade seen from a flowsheet: per-element split fractions of the *process* feed to each
//! outlet, and reagent use per mole of feed, from a steady-state [`Solution`].
//!
//! A cascade spec may carry feeds that are not fresh material: in a two-outlet fractional
//! extraction the scrub liquor is part of the stripped organic product returned as reflux
//! (Xu Guangxian's theory, `docs/science/sx.md` §5; sx-data.md §5.3). [`split`] subtracts such
//! reflux feeds from the outlet they are taken from, so the net split fractions of every
//! component sum to one over the outlets and a flowsheet can apply them to a batch of feed.
//!
//! Reagents (sx-data.md §3): every metal equivalent that leaves in the loaded organic is
//! stripped by one H⁺ (3 HCl per RE³⁺) and, with a saponified extractant, was loaded by one
//! equivalent of base (3 NaOH or NH₃ per RE³⁺). Scrub reflux multiplies both: the loaded
//! organic carries the product *and* the reflux. Extractant is lost by entrainment with the
//! aqueous outlets at the cascade's `entrainment` [m³ organic per m³ aqueous].
//!
//! [`TwoOutletSpec`] is the compact serde form a plant config uses: stages per section,
//! loading, feed concentration and a reflux factor on Xu's optimum, with separation factors
//! from the embedded data ([`crate::data`]) for the components actually present in a feed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::SxError;
use crate::solution::Solution;
use crate::topology::{Cascade, CascadeSpec, Phase};

/// A feed of the cascade that is internal reflux: taken from an outlet and returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reflux {
    /// Name of the cascade feed that carries the reflux (e.g. `"scrub"`).
    pub feed: String,
    /// Name of the outlet it is taken from (e.g. `"loaded_organic"`, after stripping).
    pub from: String,
}

/// Which feeds are fresh material and which are reflux.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitSpec {
    /// Feeds that are the process feed (fresh material), by name.
    pub process_feeds: Vec<String>,
    /// Feeds that are internal reflux; every other feed must be metal-free (fresh organic,
    /// acid) or listed here.
    #[serde(default)]
    pub refluxes: Vec<Reflux>,
}

impl SplitSpec {
    /// The split of a two-outlet fractional extraction built by
    /// [`crate::cases::fractional_extraction`] or [`TwoOutletSpec::cascade`]: feed `"feed"`,
    /// reflux `"scrub"` taken from the loaded organic.
    pub fn two_outlet() -> Self {
        SplitSpec {
            process_feeds: vec!["feed".into()],
            refluxes: vec![Reflux {
                feed: "scrub".into(),
                from: "loaded_organic".into(),
            }],
        }
    }
}

/// Net flow of the process feed to one outlet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutletSplit {
    /// Outlet name.
    pub name: String,
    /// Phase.
    pub phase: Phase,
    /// Net molar flow per component (outlet minus the reflux taken from it) [mol·s⁻¹].
    pub net_molar_flows: Vec<f64>,
    /// Fraction of each component's process feed leaving here, net of reflux [-].
    pub fractions: Vec<f64>,
}

/// Flowsheet view of a solved cascade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowsheetSplit {
    /// Component symbols (order of every vector).
    pub components: Vec<String>,
    /// Process feed per component [mol·s⁻¹].
    pub process_feed: Vec<f64>,
    /// Net outlets (every outlet of the cascade, in the cascade's order).
    pub outlets: Vec<OutletSplit>,
    /// Metal charge equivalents leaving in the loaded organic, Σ z_j·F_j [mol·s⁻¹]: the acid
    /// that strips it and, with a saponified extractant, the base that loaded it.
    pub organic_equivalents: f64,
    /// Metal leaving in the loaded organic (product + reflux) over metal in the process
    /// feed [-] (Xu's S per unit feed).
    pub organic_loading_ratio: f64,
    /// Acid fed with the aqueous feeds (titratable H⁺) [mol·s⁻¹].
    pub acid_fed: f64,
    /// Base fed as saponification cation [mol·s⁻¹].
    pub base_for_saponification: f64,
    /// Aqueous volume leaving the cascade [m³·s⁻¹].
    pub aqueous_out_flow: f64,
    /// Organic lost by entrainment with the aqueous outlets [m³·s⁻¹].
    pub entrained_organic: f64,
    /// Largest |relative balance error| of the solution [-].
    pub max_balance_error: f64,
}

impl FlowsheetSplit {
    /// The net outlet of that name.
    pub fn outlet(&self, name: &str) -> Option<&OutletSplit> {
        self.outlets.iter().find(|o| o.name == name)
    }
    /// Index of a component.
    pub fn component_index(&self, symbol: &str) -> Option<usize> {
        self.components.iter().position(|c| c == symbol)
    }
    /// Total metal in the process feed [mol·s⁻¹].
    pub fn feed_metal(&self) -> f64 {
        self.process_feed.iter().sum()
    }
}

fn feed_molar(cascade: &Cascade, name: &str, field: &str) -> Result<Vec<f64>, SxError> {
    let f = cascade
        .spec
        .feeds
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| SxError::config(field, name, "no feed of that name"))?;
    Ok(cascade
        .components
        .iter()
        .map(|c| f.flow * f.concentrations.get(&c.symbol).copied().unwrap_or(0.0))
        .collect())
}

/// Net split fractions and reagent use of a solved cascade (module docs).
///
/// # Errors
/// [`SxError::Config`] if a named feed or outlet does not exist, a metal-carrying feed is
/// neither process feed nor reflux, the process feed carries none of a component, or a net
/// outlet flow is negative beyond rounding (the reflux takes more of a component than the
/// outlet delivers); [`SxError::Validity`] if the solution did not converge.
pub fn split(
    cascade: &Cascade,
    solution: &Solution,
    spec: &SplitSpec,
) -> Result<FlowsheetSplit, SxError> {
    if !solution.status.is_converged() {
        return Err(SxError::Validity(format!(
            "cascade solution did not converge ({:?}, residual {:e})",
            solution.status, solution.residual
        )));
    }
    let nc = cascade.n_components();
    let mut process = vec![0.0; nc];
    for (i, name) in spec.process_feeds.iter().enumerate() {
        let m = feed_molar(cascade, name, &format!("process_feeds[{i}]"))?;
        for j in 0..nc {
            process[j] += m[j];
        }
    }
    for f in &cascade.spec.feeds {
        let is_listed =
            spec.process_feeds.contains(&f.name) || spec.refluxes.iter().any(|r| r.feed == f.name);
        let carries_metal = cascade.components.iter().enumerate().any(|(j, c)| {
            !cascade.reagent_component[j]
                && f.concentrations.get(&c.symbol).copied().unwrap_or(0.0) > 0.0
        });
        if carries_metal && !is_listed {
            return Err(SxError::config(
                "process_feeds",
                &f.name,
                "this feed carries metal: list it as a process feed or a reflux",
            ));
        }
    }
    for (j, c) in cascade.components.iter().enumerate() {
        if !cascade.reagent_component[j] && process[j] <= 0.0 {
            return Err(SxError::config(
                "process_feeds",
                &c.symbol,
                "the process feed carries none of this component",
            ));
        }
    }
    let mut outlets: Vec<OutletSplit> = solution
        .products
        .iter()
        .map(|p| OutletSplit {
            name: p.name.clone(),
            phase: p.phase,
            net_molar_flows: p.molar_flows.clone(),
            fractions: vec![0.0; nc],
        })
        .collect();
    for (i, r) in spec.refluxes.iter().enumerate() {
        let m = feed_molar(cascade, &r.feed, &format!("refluxes[{i}].feed"))?;
        let o = outlets
            .iter_mut()
            .find(|o| o.name == r.from)
            .ok_or_else(|| {
                SxError::config(
                    format!("refluxes[{i}].from"),
                    &r.from,
                    "no outlet of that name",
                )
            })?;
        for j in 0..nc {
            o.net_molar_flows[j] -= m[j];
        }
    }
    for o in &mut outlets {
        for j in 0..nc {
            if cascade.reagent_component[j] {
                continue;
            }
            let v = o.net_molar_flows[j];
            // Rounding of the solve may leave −1e-12-level net flows of a component that the
            // reflux carries and the outlet all but lacks; more than that is inconsistent.
            if v < -1e-9 * process[j] {
                return Err(SxError::config(
                    format!("refluxes.{}", o.name),
                    format!("{}: {v:e} mol/s", cascade.components[j].symbol),
                    "the reflux takes more of this component than the outlet delivers",
                ));
            }
            o.fractions[j] = v / process[j];
        }
    }
    let organic_equivalents = solution.product("loaded_organic").map_or(0.0, |p| {
        p.molar_flows
            .iter()
            .zip(&cascade.components)
            .zip(&cascade.reagent_component)
            .filter(|(_, r)| !**r)
            .map(|((m, c), _)| m * c.charge)
            .sum()
    });
    let organic_metal: f64 = solution.product("loaded_organic").map_or(0.0, |p| {
        p.molar_flows
            .iter()
            .zip(&cascade.reagent_component)
            .filter(|(_, r)| !**r)
            .map(|(m, _)| m)
            .sum()
    });
    let feed_metal: f64 = process
        .iter()
        .zip(&cascade.reagent_component)
        .filter(|(_, r)| !**r)
        .map(|(m, _)| m)
        .sum();
    let aqueous_out_flow: f64 = cascade
        .outlets
        .iter()
        .filter(|o| o.phase == Phase::Aqueous)
        .map(|o| o.flow)
        .sum();
    Ok(FlowsheetSplit {
        components: cascade
            .components
            .iter()
            .map(|c| c.symbol.clone())
            .collect(),
        process_feed: process,
        outlets,
        organic_equivalents,
        organic_loading_ratio: organic_metal / feed_metal,
        acid_fed: solution.reagents.acid_fed,
        base_for_saponification: solution.reagents.base_for_saponification,
        aqueous_out_flow,
        entrained_organic: cascade.spec.entrainment * aqueous_out_flow,
        max_balance_error: solution.max_balance_error(),
    })
}

fn default_extractant() -> String {
    "P507".into()
}
fn default_loading() -> f64 {
    150.0
}
fn default_feed_concentration() -> f64 {
    300.0
}
fn default_reflux_factor() -> f64 {
    1.0
}

/// Order of the light lanthanides and yttrium along increasing extractability with acidic
/// organophosphorus extractants (sx-data.md §2; Y sits between Ho and Er in chloride).
pub const EXTRACTION_ORDER: [&str; 15] = [
    "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Y", "Er", "Tm", "Yb", "Lu",
];

/// Compact two-outlet fractional extraction `[scrub, extraction]` (the usual form of one
/// split in a separation plant): the components and their feed ratio come from the feed;
/// flows follow Xu's optimum times `reflux_factor` ([`crate::cases::fractional_extraction`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwoOutletSpec {
    /// Extractant whose tabulated typical separation factors are used; default `"P507"`.
    #[serde(default = "default_extractant")]
    pub extractant: String,
    /// Separation factors overriding the table: component → β relative to any common
    /// reference [-]; when given, every component of the feed needs an entry.
    #[serde(default)]
    pub beta: BTreeMap<String, f64>,
    /// Heaviest component of the light (raffinate) side, e.g. `"Ce"` for La-Ce | Pr-Nd.
    pub split_after: String,
    /// Scrub stages (between the organic product and the feed stage).
    pub scrub_stages: usize,
    /// Extraction stages (from the feed stage to the raffinate).
    pub extraction_stages: usize,
    /// Metal loading of the saturated organic [mol·m⁻³]; default 150 (half of the capacity of
    /// 30 vol % P507 at 3 units per RE, sx-data.md §3).
    #[serde(default = "default_loading")]
    pub loading: f64,
    /// Total metal concentration of the feed liquor [mol·m⁻³]; default 300 (≈ 43 g/L RE).
    #[serde(default = "default_feed_concentration")]
    pub feed_concentration: f64,
    /// Reflux as a multiple of Xu's optimum reflux W, ≥ 1 [-]; default 1.
    #[serde(default = "default_reflux_factor")]
    pub reflux_factor: f64,
}

/// A fed component in β order: (symbol, β [-], amount as given).
pub type OrderedComponent = (String, f64, f64);

/// Nominal feed flow of the compact cascade [m³·s⁻¹] (splits are independent of scale).
pub const NOMINAL_FEED_FLOW: f64 = 1e-4;

impl TwoOutletSpec {
    /// Checks the fields that do not depend on the feed.
    ///
    /// # Errors
    /// [`SxError::Config`] naming the field.
    pub fn validate(&self) -> Result<(), SxError> {
        if self.scrub_stages == 0 {
            return Err(SxError::config("scrub_stages", 0, "must be ≥ 1"));
        }
        if self.extraction_stages == 0 {
            return Err(SxError::config("extraction_stages", 0, "must be ≥ 1"));
        }
        for (name, v) in [
            ("loading", self.loading),
            ("feed_concentration", self.feed_concentration),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(SxError::config(name, v, "must be finite and > 0"));
            }
        }
        if !(self.reflux_factor.is_finite() && self.reflux_factor >= 1.0) {
            return Err(SxError::config(
                "reflux_factor",
                self.reflux_factor,
                "must be ≥ 1 (a multiple of Xu's optimum reflux)",
            ));
        }
        for (s, b) in &self.beta {
            if !(b.is_finite() && *b > 0.0) {
                return Err(SxError::config(format!("beta.{s}"), b, "must be > 0"));
            }
        }
        if !EXTRACTION_ORDER.contains(&self.split_after.as_str()) {
            return Err(SxError::UnknownComponent {
                field: "split_after".into(),
                name: self.split_after.clone(),
            });
        }
        Ok(())
    }

    /// β of one component [-]: the `beta` override if given, else the tabulated typical
    /// separation factors of `extractant` multiplied along [`EXTRACTION_ORDER`] from La.
    ///
    /// # Errors
    /// [`SxError`] for a component without a β.
    pub fn beta_of(&self, symbol: &str) -> Result<f64, SxError> {
        if !self.beta.is_empty() {
            return self.beta.get(symbol).copied().ok_or_else(|| {
                SxError::config(
                    format!("beta.{symbol}"),
                    "missing",
                    "every fed component and `split_after` need a β",
                )
            });
        }
        let chain: Vec<&str> = EXTRACTION_ORDER
            .iter()
            .copied()
            .filter(|s| *s != "Y")
            .collect();
        let cum = crate::data::cumulative_beta(&self.extractant, &chain)?;
        if symbol == "Y" {
            let r = crate::data::separation_factor(&self.extractant, "Y", "Ho")
                .ok_or_else(|| SxError::config("extractant", &self.extractant, "no Y/Ho record"))?;
            let ho = chain.iter().position(|c| *c == "Ho").expect("Ho in chain");
            return Ok(cum[ho] * r.typical);
        }
        let i =
            chain
                .iter()
                .position(|c| *c == symbol)
                .ok_or_else(|| SxError::UnknownComponent {
                    field: "feed".into(),
                    name: symbol.to_string(),
                })?;
        Ok(cum[i])
    }

    /// Components of `feed` (symbol → mole fraction or molar amount, zeros dropped) in
    /// increasing β, as (symbol, β, amount), and the number on the light side of the split.
    ///
    /// # Errors
    /// [`SxError`] for a component without a β, or a feed with nothing on one side of the
    /// split.
    pub fn ordered_components(
        &self,
        feed: &BTreeMap<String, f64>,
    ) -> Result<(Vec<OrderedComponent>, usize), SxError> {
        self.validate()?;
        let mut out = Vec::new();
        for (s, v) in feed.iter().filter(|(_, v)| **v > 0.0) {
            out.push((s.clone(), self.beta_of(s)?, *v));
        }
        out.sort_by(|a, b| a.1.total_cmp(&b.1));
        let split_beta = self.beta_of(&self.split_after)?;
        let light = out.iter().filter(|c| c.1 <= split_beta).count();
        if light == 0 || light == out.len() {
            return Err(SxError::config(
                "split_after",
                &self.split_after,
                "the feed has nothing on one side of this split",
            ));
        }
        Ok((out, light))
    }

    /// The cascade for this feed (symbol → mole fraction or amount; scaled to
    /// `feed_concentration` at [`NOMINAL_FEED_FLOW`]).
    ///
    /// # Errors
    /// As [`TwoOutletSpec::ordered_components`].
    pub fn cascade(&self, feed: &BTreeMap<String, f64>) -> Result<CascadeSpec, SxError> {
        let (comps, split) = self.ordered_components(feed)?;
        let total: f64 = comps.iter().map(|c| c.2).sum();
        let names: Vec<&str> = comps.iter().map(|c| c.0.as_str()).collect();
        let beta: Vec<f64> = comps.iter().map(|c| c.1).collect();
        let conc: Vec<f64> = comps
            .iter()
            .map(|c| c.2 / total * self.feed_concentration)
            .collect();
        Ok(crate::cases::fractional_extraction(
            &names,
            &beta,
            &conc,
            NOMINAL_FEED_FLOW,
            split,
            self.scrub_stages,
            self.extraction_stages,
            self.loading,
            self.reflux_factor,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Newton, SteadySolver, cases};

    #[test]
    fn two_outlet_split_fractions_sum_to_one_and_match_recoveries() {
        let spec = cases::bench_case_a();
        let cascade = spec.validate().unwrap();
        let sol = Newton::default().solve(&cascade);
        let fs = split(&cascade, &sol, &SplitSpec::two_outlet()).unwrap();
        for j in 0..2 {
            let s: f64 = fs.outlets.iter().map(|o| o.fractions[j]).sum();
            assert!((s - 1.0).abs() < 1e-9, "component {j}: {s}");
        }
        // Pr is absent from the scrub liquor: its net split equals the solver's recovery
        let pr = fs.component_index("Pr").unwrap();
        let org = sol.product("loaded_organic").unwrap();
        assert!(
            (fs.outlet("loaded_organic").unwrap().fractions[pr] - org.recovery[pr]).abs() < 1e-12
        );
        // raffinate has no reflux: fractions = molar flow / process feed
        let nd = fs.component_index("Nd").unwrap();
        let raff = sol.product("raffinate").unwrap();
        assert!(
            (fs.outlet("raffinate").unwrap().fractions[nd]
                - raff.molar_flows[nd] / fs.process_feed[nd])
                .abs()
                < 1e-12
        );
        // loaded organic carries product + reflux: S = W + f'_A per mol feed (Xu)
        let scrub_metal = 3.35e-4 * 300.0;
        let net_org: f64 = fs
            .outlet("loaded_organic")
            .unwrap()
            .net_molar_flows
            .iter()
            .sum();
        assert!(
            (fs.organic_loading_ratio * fs.feed_metal() - (net_org + scrub_metal)).abs()
                < 1e-9 * scrub_metal
        );
        assert!(
            (fs.organic_equivalents - 3.0 * (net_org + scrub_metal)).abs() < 1e-9 * scrub_metal
        );
    }

    #[test]
    fn compact_spec_orders_by_beta_and_rejects_bad_input() {
        let spec = TwoOutletSpec {
            extractant: "P507".into(),
            beta: BTreeMap::new(),
            split_after: "Ce".into(),
            scrub_stages: 10,
            extraction_stages: 10,
            loading: 150.0,
            feed_concentration: 300.0,
            reflux_factor: 1.2,
        };
        let feed: BTreeMap<String, f64> = [("Nd", 0.15), ("La", 0.25), ("Pr", 0.05), ("Ce", 0.5)]
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        let (c, light) = spec.ordered_components(&feed).unwrap();
        assert_eq!(light, 2);
        let names: Vec<&str> = c.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(names, ["La", "Ce", "Pr", "Nd"]);
        let cs = spec.cascade(&feed).unwrap();
        assert_eq!(cs.n_stages(), 20);
        let mut bad = spec.clone();
        bad.reflux_factor = 0.5;
        assert!(bad.validate().is_err());
        let mut bad = spec.clone();
        bad.split_after = "Nd".into();
        let only_light: BTreeMap<String, f64> = [("La".to_string(), 1.0)].into();
        assert!(bad.ordered_components(&only_light).is_err());
        let mut bad = spec;
        bad.split_after = "Xx".into();
        assert!(bad.validate().is_err());
    }

    #[test]
    fn metal_feed_not_listed_is_an_error() {
        let cascade = cases::bench_case_a().validate().unwrap();
        let sol = Newton::default().solve(&cascade);
        let spec = SplitSpec {
            process_feeds: vec!["feed".into()],
            refluxes: vec![],
        };
        assert!(split(&cascade, &sol, &spec).is_err());
    }
}

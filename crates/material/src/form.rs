//! [`Form`]: the physical form of a lot or stream, and [`ParticleSizeDistribution`].
//!
//! Science reference: `docs/science/material.md`, §4 (forms, mixing) and §5 (PSD-1 to PSD-4).
//!
//! The composition of a lot (species amounts) and its form are separate: the form carries only
//! the state that the composition does not (volume, acidity, particle sizes, density, magnetic
//! properties). In particular a powder's oxygen content is **not** a field of
//! [`Form::Powder`]: oxygen is part of the composition (e.g. an `"O"` or `"Nd2O3"` species), and
//! [`crate::Lot::mass_fraction`]`(Element::O)` gives it, so it can never be double counted.
//!
//! Extensive fields (the volumes of [`Form::AqueousSolution`] and [`Form::OrganicPhase`]) scale
//! with the amount of material ([`Form::scaled`]). In a [`crate::Stream`] they are flows
//! \[m³·s⁻¹\] instead of volumes \[m³\].
//!
//! Mixing rule ([`Form::mix`]): forms mix only with the same variant. Solutions add volumes
//! (ideal mixing: no volume change) and average concentrations by volume; flakes average their
//! thickness by mass; powders mix their size distributions by mass; forms without state mix
//! trivially; green compacts and sintered magnets (discrete pieces) only mix with identical
//! state. Anything else is an error; the caller may then supply the form of the mixture
//! ([`crate::Lot::mix_as`]).

use serde::{Deserialize, Serialize};

use crate::error::MaterialError;

/// Physical form of a lot (or a stream) with its state. Units in brackets; in a
/// [`crate::Stream`] the extensive fields (volumes) are flows \[m³·s⁻¹\].
///
/// Serialised as a tagged enum: `{"kind": "aqueous_solution", "volume": 1.0, "acidity": 500.0}`
/// (plain numbers in SI). Fields with a unit newtype (volume, acidity, free extractant,
/// thickness, density, grain size) also deserialise from strings with units:
/// `{"kind": "aqueous_solution", "volume": "2 m3", "acidity": "0.5 mol/L"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Form {
    /// An aqueous solution (leach liquor, SX feed, raffinate, strip liquor).
    AqueousSolution {
        /// Volume \[m³\] (extensive).
        #[serde(deserialize_with = "crate::units::de_si::<_, crate::units::Volume>")]
        volume: f64,
        /// Free acidity, concentration of free H⁺ \[mol·m⁻³\] (1 mol/L = 1000 mol·m⁻³).
        #[serde(deserialize_with = "crate::units::de_si::<_, crate::units::Concentration>")]
        acidity: f64,
    },
    /// An organic (solvent-extraction) phase.
    OrganicPhase {
        /// Volume \[m³\] (extensive).
        #[serde(deserialize_with = "crate::units::de_si::<_, crate::units::Volume>")]
        volume: f64,
        /// Concentration of free (unloaded) extractant \[mol·m⁻³\].
        #[serde(deserialize_with = "crate::units::de_si::<_, crate::units::Concentration>")]
        free_extractant: f64,
    },
    /// Oxide (e.g. Nd₂O₃, Pr₆O₁₁, mixed RE oxide).
    Oxide,
    /// Salt: fluorides, chlorides, carbonates, oxalates.
    Salt,
    /// Metal (single rare-earth metal, calcium, iron, ...).
    Metal,
    /// Alloy ingot or master alloy.
    Alloy,
    /// Strip-cast alloy flake.
    Flake {
        /// Mean flake thickness \[m\].
        #[serde(deserialize_with = "crate::units::de_si::<_, crate::units::Length>")]
        thickness: f64,
    },
    /// Powder (hydrogen-decrepitated or jet-milled). Oxygen is in the composition, not here.
    Powder {
        /// Particle size distribution (mass basis).
        psd: ParticleSizeDistribution,
    },
    /// Pressed green compact.
    GreenCompact {
        /// Bulk density \[kg·m⁻³\].
        #[serde(deserialize_with = "crate::units::de_si::<_, crate::units::Density>")]
        density: f64,
        /// Degree of alignment of the easy axes \[-\], 0 (isotropic) to 1 (perfect).
        alignment: f64,
    },
    /// Sintered (and possibly annealed/machined) magnet.
    SinteredMagnet {
        /// Bulk density \[kg·m⁻³\].
        #[serde(deserialize_with = "crate::units::de_si::<_, crate::units::Density>")]
        density: f64,
        /// Mean grain size \[m\].
        #[serde(deserialize_with = "crate::units::de_si::<_, crate::units::Length>")]
        grain_size: f64,
        /// Remanence Br \[T\], once measured or modelled.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remanence: Option<f64>,
        /// Intrinsic coercivity Hcj \[A·m⁻¹\] (1 kOe = 79 577.47 A·m⁻¹), once known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        coercivity: Option<f64>,
    },
    /// Slag (e.g. CaF₂ from calciothermic reduction).
    Slag,
    /// Gas.
    Gas,
    /// Machining swarf / grinding sludge.
    Swarf,
    /// End-of-life or production scrap magnets.
    Scrap,
    /// Anything else.
    Other,
}

impl Form {
    /// The variant name as in serde (`"aqueous_solution"`, `"powder"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Form::AqueousSolution { .. } => "aqueous_solution",
            Form::OrganicPhase { .. } => "organic_phase",
            Form::Oxide => "oxide",
            Form::Salt => "salt",
            Form::Metal => "metal",
            Form::Alloy => "alloy",
            Form::Flake { .. } => "flake",
            Form::Powder { .. } => "powder",
            Form::GreenCompact { .. } => "green_compact",
            Form::SinteredMagnet { .. } => "sintered_magnet",
            Form::Slag => "slag",
            Form::Gas => "gas",
            Form::Swarf => "swarf",
            Form::Scrap => "scrap",
            Form::Other => "other",
        }
    }

    /// Check every field's range (finite, non-negative, fractions in \[0, 1\], ...).
    pub fn validate(&self) -> Result<(), MaterialError> {
        fn nonneg(field: &str, v: f64) -> Result<(), MaterialError> {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(MaterialError::invalid(field, v, "must be finite and >= 0"))
            }
        }
        fn pos(field: &str, v: f64) -> Result<(), MaterialError> {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(MaterialError::invalid(field, v, "must be finite and > 0"))
            }
        }
        match self {
            Form::AqueousSolution { volume, acidity } => {
                nonneg("aqueous_solution.volume [m3]", *volume)?;
                nonneg("aqueous_solution.acidity [mol/m3]", *acidity)
            }
            Form::OrganicPhase {
                volume,
                free_extractant,
            } => {
                nonneg("organic_phase.volume [m3]", *volume)?;
                nonneg("organic_phase.free_extractant [mol/m3]", *free_extractant)
            }
            Form::Flake { thickness } => pos("flake.thickness [m]", *thickness),
            Form::Powder { psd } => psd.validate(),
            Form::GreenCompact { density, alignment } => {
                pos("green_compact.density [kg/m3]", *density)?;
                if (0.0..=1.0).contains(alignment) {
                    Ok(())
                } else {
                    Err(MaterialError::invalid(
                        "green_compact.alignment",
                        *alignment,
                        "must be in [0, 1]",
                    ))
                }
            }
            Form::SinteredMagnet {
                density,
                grain_size,
                remanence,
                coercivity,
            } => {
                pos("sintered_magnet.density [kg/m3]", *density)?;
                pos("sintered_magnet.grain_size [m]", *grain_size)?;
                if let Some(b) = remanence {
                    nonneg("sintered_magnet.remanence [T]", *b)?;
                }
                if let Some(h) = coercivity {
                    nonneg("sintered_magnet.coercivity [A/m]", *h)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The form of `k` times the material: extensive fields (volumes) multiplied by `k`,
    /// intensive ones unchanged.
    pub fn scaled(&self, k: f64) -> Form {
        match self {
            Form::AqueousSolution { volume, acidity } => Form::AqueousSolution {
                volume: volume * k,
                acidity: *acidity,
            },
            Form::OrganicPhase {
                volume,
                free_extractant,
            } => Form::OrganicPhase {
                volume: volume * k,
                free_extractant: *free_extractant,
            },
            other => other.clone(),
        }
    }

    /// Split-consistent scaling: the complement of [`Form::scaled`]`(k)` so that the two parts'
    /// volumes add up exactly (`v - v*k` rather than `v*(1-k)`).
    pub(crate) fn complement(&self, k: f64) -> Form {
        match self {
            Form::AqueousSolution { volume, acidity } => Form::AqueousSolution {
                volume: volume - volume * k,
                acidity: *acidity,
            },
            Form::OrganicPhase {
                volume,
                free_extractant,
            } => Form::OrganicPhase {
                volume: volume - volume * k,
                free_extractant: *free_extractant,
            },
            other => other.clone(),
        }
    }

    /// Volume \[m³\] for solutions and organic phases, `None` otherwise.
    pub fn volume(&self) -> Option<f64> {
        match self {
            Form::AqueousSolution { volume, .. } | Form::OrganicPhase { volume, .. } => {
                Some(*volume)
            }
            _ => None,
        }
    }

    /// Mix forms, each with the mass \[kg\] of material it carries. See the module docs for
    /// the rule. Errors if the variants differ or if discrete pieces with different state are
    /// mixed.
    pub fn mix(parts: &[(&Form, f64)]) -> Result<Form, MaterialError> {
        let Some(&(first, _)) = parts.first() else {
            return Err(MaterialError::composition("cannot mix zero forms"));
        };
        for (f, _) in parts {
            if f.kind() != first.kind() {
                return Err(MaterialError::composition(format!(
                    "cannot mix forms {} and {} (supply the form of the mixture with Lot::mix_as)",
                    first.kind(),
                    f.kind()
                )));
            }
        }
        let total_mass: f64 = parts.iter().map(|(_, m)| m).sum();
        let mass_weight = |m: f64| {
            if total_mass > 0.0 {
                m / total_mass
            } else {
                1.0 / parts.len() as f64
            }
        };
        Ok(match first {
            Form::AqueousSolution { .. } | Form::OrganicPhase { .. } => {
                let mut v = 0.0;
                let mut cv = 0.0;
                let mut c_plain = 0.0;
                for (f, _) in parts {
                    let (vol, c) = match f {
                        Form::AqueousSolution { volume, acidity } => (*volume, *acidity),
                        Form::OrganicPhase {
                            volume,
                            free_extractant,
                        } => (*volume, *free_extractant),
                        _ => unreachable!("kinds checked above"),
                    };
                    v += vol;
                    cv += c * vol;
                    c_plain += c / parts.len() as f64;
                }
                let c = if v > 0.0 { cv / v } else { c_plain };
                match first {
                    Form::AqueousSolution { .. } => Form::AqueousSolution {
                        volume: v,
                        acidity: c,
                    },
                    _ => Form::OrganicPhase {
                        volume: v,
                        free_extractant: c,
                    },
                }
            }
            Form::Flake { .. } => {
                let t = parts
                    .iter()
                    .map(|(f, m)| match f {
                        Form::Flake { thickness } => thickness * mass_weight(*m),
                        _ => unreachable!("kinds checked above"),
                    })
                    .sum();
                Form::Flake { thickness: t }
            }
            Form::Powder { .. } => {
                let psds: Vec<(&ParticleSizeDistribution, f64)> = parts
                    .iter()
                    .map(|(f, m)| match f {
                        Form::Powder { psd } => (psd, mass_weight(*m)),
                        _ => unreachable!("kinds checked above"),
                    })
                    .collect();
                Form::Powder {
                    psd: ParticleSizeDistribution::mix(&psds)?,
                }
            }
            Form::GreenCompact { .. } | Form::SinteredMagnet { .. } => {
                if parts.iter().any(|(f, _)| *f != first) {
                    return Err(MaterialError::composition(format!(
                        "cannot mix {} pieces with different state (supply the form with Lot::mix_as)",
                        first.kind()
                    )));
                }
                first.clone()
            }
            other => other.clone(),
        })
    }
}

/// A particle size distribution on a mass basis: size-class edges \[m\] and the mass fraction
/// \[-\] in each class.
///
/// Within a class the mass is assumed uniformly distributed in ln(size) (log-uniform), which is
/// the usual assumption for sieve and laser-diffraction data on geometric class grids: quantiles
/// interpolate linearly in log size ([`Self::quantile`]) and the Sauter mean uses the exact
/// class mean of 1/x under that assumption ([`Self::sauter_mean_diameter`]). Equations: see
/// `docs/science/material.md`, section "Particle size distributions".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PsdRaw", into = "PsdRaw")]
pub struct ParticleSizeDistribution {
    edges: Vec<f64>,
    fractions: Vec<f64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PsdRaw {
    /// Class edges \[m\], strictly increasing, first > 0.
    edges: Vec<f64>,
    /// Mass fractions per class \[-\].
    fractions: Vec<f64>,
}

impl TryFrom<PsdRaw> for ParticleSizeDistribution {
    type Error = MaterialError;
    fn try_from(r: PsdRaw) -> Result<Self, MaterialError> {
        ParticleSizeDistribution::new(r.edges, r.fractions)
    }
}

impl From<ParticleSizeDistribution> for PsdRaw {
    fn from(p: ParticleSizeDistribution) -> Self {
        PsdRaw {
            edges: p.edges,
            fractions: p.fractions,
        }
    }
}

/// Tolerance on the sum of mass fractions.
const PSD_SUM_TOL: f64 = 1e-9;

impl ParticleSizeDistribution {
    /// From class edges \[m\] (n + 1 values, strictly increasing, first > 0) and mass fractions
    /// \[-\] (n values, each >= 0, summing to 1 within 1e-9).
    pub fn new(edges: Vec<f64>, fractions: Vec<f64>) -> Result<Self, MaterialError> {
        let p = ParticleSizeDistribution { edges, fractions };
        p.validate()?;
        Ok(p)
    }

    /// From class edges \[m\] and class masses (any non-negative unit), normalised to fractions.
    pub fn from_masses(edges: Vec<f64>, masses: &[f64]) -> Result<Self, MaterialError> {
        let total: f64 = masses.iter().sum();
        if !(total.is_finite() && total > 0.0) {
            return Err(MaterialError::Psd {
                message: format!("class masses must have a positive finite sum, got {total}"),
            });
        }
        if let Some(m) = masses.iter().find(|m| !(m.is_finite() && **m >= 0.0)) {
            return Err(MaterialError::Psd {
                message: format!("class mass {m} is negative or not finite"),
            });
        }
        Self::new(edges, masses.iter().map(|m| m / total).collect())
    }

    /// A single size class \[lower, upper\] \[m\] holding all the mass.
    pub fn single_class(lower: f64, upper: f64) -> Result<Self, MaterialError> {
        Self::new(vec![lower, upper], vec![1.0])
    }

    /// Check the invariants (see [`Self::new`]).
    pub fn validate(&self) -> Result<(), MaterialError> {
        let err = |message: String| Err(MaterialError::Psd { message });
        if self.fractions.is_empty() || self.edges.len() != self.fractions.len() + 1 {
            return err(format!(
                "need n >= 1 classes and n + 1 edges, got {} edges and {} fractions",
                self.edges.len(),
                self.fractions.len()
            ));
        }
        if !(self.edges[0].is_finite() && self.edges[0] > 0.0) {
            return err(format!(
                "first edge must be > 0 m (log-size classes), got {}",
                self.edges[0]
            ));
        }
        for (i, w) in self.edges.windows(2).enumerate() {
            if !(w[1].is_finite() && w[1] > w[0]) {
                return err(format!(
                    "edges must be strictly increasing: edge {} = {} after {}",
                    i + 1,
                    w[1],
                    w[0]
                ));
            }
        }
        for (i, f) in self.fractions.iter().enumerate() {
            if !(f.is_finite() && *f >= 0.0) {
                return err(format!("fraction {i} = {f} is negative or not finite"));
            }
        }
        let s: f64 = self.fractions.iter().sum();
        if (s - 1.0).abs() > PSD_SUM_TOL {
            return err(format!(
                "fractions sum to {s}, not 1 (tolerance {PSD_SUM_TOL})"
            ));
        }
        Ok(())
    }

    /// Class edges \[m\].
    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    /// Mass fraction per class \[-\].
    pub fn fractions(&self) -> &[f64] {
        &self.fractions
    }

    /// Size \[m\] below which a mass fraction `q` of the powder lies (0 <= q <= 1), log-linear
    /// within the class: x = a·(b/a)^((q − Qₐ)/wᵢ) (eq. PSD-1).
    pub fn quantile(&self, q: f64) -> Result<f64, MaterialError> {
        if !(0.0..=1.0).contains(&q) {
            return Err(MaterialError::invalid("quantile q", q, "must be in [0, 1]"));
        }
        let mut cum = 0.0;
        let n = self.fractions.len();
        for i in 0..n {
            let w = self.fractions[i];
            let (a, b) = (self.edges[i], self.edges[i + 1]);
            if w > 0.0 && (cum + w >= q || i == n - 1) {
                let t = ((q - cum) / w).clamp(0.0, 1.0);
                return Ok(a * (b / a).powf(t));
            }
            cum += w;
        }
        // all mass in classes before; q = 0 with leading empty classes handled above
        Ok(*self.edges.last().expect("validated: at least two edges"))
    }

    /// D10 \[m\].
    pub fn d10(&self) -> f64 {
        self.quantile(0.1).expect("0.1 is in [0, 1]")
    }

    /// D50 (mass median) \[m\].
    pub fn d50(&self) -> f64 {
        self.quantile(0.5).expect("0.5 is in [0, 1]")
    }

    /// D90 \[m\].
    pub fn d90(&self) -> f64 {
        self.quantile(0.9).expect("0.9 is in [0, 1]")
    }

    /// Sauter mean diameter d₃₂ \[m\] = 1 / Σ wᵢ·⟨1/x⟩ᵢ, with the log-uniform class mean
    /// ⟨1/x⟩ᵢ = (1/a − 1/b)/ln(b/a) (eq. PSD-2).
    pub fn sauter_mean_diameter(&self) -> f64 {
        let s: f64 = self
            .fractions
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let (a, b) = (self.edges[i], self.edges[i + 1]);
                w * (1.0 / a - 1.0 / b) / (b / a).ln()
            })
            .sum();
        1.0 / s
    }

    /// Specific surface area \[m²·kg⁻¹\] of spheres of particle density `density` \[kg·m⁻³\]:
    /// S = 6 / (ρ·d₃₂) (eq. PSD-3).
    pub fn specific_surface(&self, density: f64) -> Result<f64, MaterialError> {
        if !(density.is_finite() && density > 0.0) {
            return Err(MaterialError::invalid(
                "density [kg/m3]",
                density,
                "must be finite and > 0",
            ));
        }
        Ok(6.0 / (density * self.sauter_mean_diameter()))
    }

    /// Mass-weighted mixture of distributions (weights need not be normalised). The result is
    /// defined on the union of all edges; each class is split over the union classes in
    /// proportion to log width (consistent with the log-uniform assumption).
    pub fn mix(parts: &[(&ParticleSizeDistribution, f64)]) -> Result<Self, MaterialError> {
        let total: f64 = parts.iter().map(|(_, w)| w).sum();
        if parts.is_empty() || !(total.is_finite() && total > 0.0) {
            return Err(MaterialError::Psd {
                message: format!("mixing needs positive weights, sum = {total}"),
            });
        }
        if parts.iter().all(|(p, _)| p.edges == parts[0].0.edges) {
            let n = parts[0].0.fractions.len();
            let masses: Vec<f64> = (0..n)
                .map(|i| parts.iter().map(|(p, w)| p.fractions[i] * w).sum())
                .collect();
            return Self::from_masses(parts[0].0.edges.clone(), &masses);
        }
        let mut edges: Vec<f64> = parts
            .iter()
            .flat_map(|(p, _)| p.edges.iter().copied())
            .collect();
        edges.sort_by(f64::total_cmp);
        edges.dedup();
        let mut masses = vec![0.0; edges.len() - 1];
        for (p, w) in parts {
            for i in 0..p.fractions.len() {
                let (a, b) = (p.edges[i], p.edges[i + 1]);
                let lw = (b / a).ln();
                for (j, m) in masses.iter_mut().enumerate() {
                    let (lo, hi) = (edges[j].max(a), edges[j + 1].min(b));
                    if hi > lo {
                        *m += w * p.fractions[i] * (hi / lo).ln() / lw;
                    }
                }
            }
        }
        Self::from_masses(edges, &masses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn psd_single_class_analytics() {
        // log-uniform on [1, 10] µm: D50 = sqrt(10) µm, d32 = ln(10)/(1/1 - 1/10) µm
        let p = ParticleSizeDistribution::single_class(1e-6, 1e-5).unwrap();
        assert_relative_eq!(p.d50(), 10f64.sqrt() * 1e-6, max_relative = 1e-12);
        assert_relative_eq!(p.d10(), 10f64.powf(0.1) * 1e-6, max_relative = 1e-12);
        assert_relative_eq!(
            p.sauter_mean_diameter(),
            10f64.ln() / 0.9 * 1e-6,
            max_relative = 1e-12
        );
        let s = p.specific_surface(7500.0).unwrap();
        assert_relative_eq!(
            s,
            6.0 / (7500.0 * 10f64.ln() / 0.9 * 1e-6),
            max_relative = 1e-12
        );
    }

    #[test]
    fn psd_validation() {
        assert!(ParticleSizeDistribution::new(vec![1e-6, 1e-6], vec![1.0]).is_err());
        assert!(ParticleSizeDistribution::new(vec![0.0, 1e-6], vec![1.0]).is_err());
        assert!(ParticleSizeDistribution::new(vec![1e-6, 2e-6, 3e-6], vec![0.5, 0.4]).is_err());
        assert!(ParticleSizeDistribution::new(vec![1e-6, 2e-6, 3e-6], vec![1.5, -0.5]).is_err());
        assert!(ParticleSizeDistribution::new(vec![1e-6, 2e-6], vec![f64::NAN]).is_err());
        assert!(ParticleSizeDistribution::new(vec![1e-6, 2e-6, 3e-6], vec![0.5, 0.5]).is_ok());
        let json = r#"{"edges":[1e-6,2e-6],"fractions":[0.9]}"#;
        assert!(serde_json::from_str::<ParticleSizeDistribution>(json).is_err());
    }

    #[test]
    fn psd_mix_rebins_and_conserves() {
        let a = ParticleSizeDistribution::new(vec![1e-6, 2e-6, 4e-6], vec![0.25, 0.75]).unwrap();
        let b = ParticleSizeDistribution::single_class(1e-6, 4e-6).unwrap();
        let m = ParticleSizeDistribution::mix(&[(&a, 1.0), (&b, 1.0)]).unwrap();
        assert_eq!(m.edges(), &[1e-6, 2e-6, 4e-6]);
        assert_relative_eq!(m.fractions()[0], (0.25 + 0.5) / 2.0, max_relative = 1e-12);
        let same = ParticleSizeDistribution::mix(&[(&a, 3.0), (&a, 1.0)]).unwrap();
        assert_relative_eq!(same.fractions()[1], 0.75, max_relative = 1e-12);
    }

    #[test]
    fn form_mix_rules() {
        let a = Form::AqueousSolution {
            volume: 1.0,
            acidity: 1000.0,
        };
        let b = Form::AqueousSolution {
            volume: 3.0,
            acidity: 0.0,
        };
        let m = Form::mix(&[(&a, 1.0), (&b, 1.0)]).unwrap();
        assert_eq!(
            m,
            Form::AqueousSolution {
                volume: 4.0,
                acidity: 250.0
            }
        );
        assert!(Form::mix(&[(&a, 1.0), (&Form::Oxide, 1.0)]).is_err());
        let g1 = Form::GreenCompact {
            density: 4000.0,
            alignment: 0.9,
        };
        let g2 = Form::GreenCompact {
            density: 4100.0,
            alignment: 0.9,
        };
        assert!(Form::mix(&[(&g1, 1.0), (&g2, 1.0)]).is_err());
        assert!(Form::mix(&[(&g1, 1.0), (&g1, 1.0)]).is_ok());
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"aqueous_solution","volume":1.0,"acidity":1000.0}"#
        );
        assert!(
            Form::GreenCompact {
                density: 4000.0,
                alignment: 1.5
            }
            .validate()
            .is_err()
        );
    }
}

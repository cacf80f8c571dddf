//! Magnet properties of sintered (R,R′)₂(Fe,T)₁₄B magnets from composition and
//! microstructure (docs/science/sinter.md, eqs. S10–S17).
//!
//! Chain: composition → phase constitution (main phase, RE-rich grain-boundary phase,
//! RE₂O₃ from oxygen, boride, other) → intrinsic properties of the main phase (Js, μ₀H_A, T_C
//! by RE-site mixing of the end members, magnet-data.md §1, plus per-wt % alloying effects)
//! → remanence B_r = Js·(1 − β)·(ρ/ρ₀)·⟨cos θ⟩ → coercivity by the Kronmüller relation
//! μ₀H_cJ = a·(α·φ_gb·μ₀H_A − N_eff(d)·Js + Σ ΔH_k) → demagnetisation curve, temperature
//! coefficients, grade.

use repm_material::{Element, ElementVector, Formula};
use serde::{Deserialize, Serialize};

use crate::data;
use crate::demag::{DemagCurve, DemagLayer, MU0};
use crate::error::{Result, SinterError, in_range, positive};
use crate::gbd::GbdProfile;
use crate::grade::{Grade, classify};
use crate::programme::ZERO_CELSIUS;

/// Avogadro constant \[mol⁻¹\] (SI 2019, exact).
pub const AVOGADRO: f64 = 6.022_140_76e23;

/// Fe atoms the RE-rich grain-boundary phase dissolves per RE atom \[-\] (Nd₇₀Fe₃₀-type phase;
/// est.).
const RE_RICH_FE_PER_RE: f64 = 3.0 / 7.0;

/// Below this μ₀H_cJ \[T\] the Kronmüller estimate is outside its validity (grains not
/// decoupled): `evaluate` returns a validity error instead of a number.
pub const MIN_COERCIVITY_T: f64 = 0.2;

/// Reference temperature of datasheet values, 20 °C \[K\].
pub const T_REF: f64 = ZERO_CELSIUS + 20.0;

/// Theoretical (X-ray) density of a tetragonal R₂Fe₁₄B crystal: ρ = Z·M/(N_A·a²·c) (eq. S10)
/// \[kg·m⁻³\], with molar mass `molar_mass` \[kg·mol⁻¹\], lattice parameters `a`, `c` \[m\] and
/// `z` formula units per cell.
#[must_use]
pub fn lattice_density(molar_mass: f64, a: f64, c: f64, z: u32) -> f64 {
    f64::from(z) * molar_mass / (AVOGADRO * a * a * c)
}

/// Theoretical density of Nd₂Fe₁₄B from the tabulated lattice (Herbst 1991) and the molar
/// mass from `repm-material` \[kg·m⁻³\].
///
/// # Errors
/// A [`SinterError::Material`] if the formula fails to parse (it does not).
pub fn nd2fe14b_theoretical_density() -> Result<f64> {
    let m = Formula::parse("Nd2Fe14B")?.molar_mass();
    let l = &data::intrinsic().nd2fe14b_lattice;
    Ok(lattice_density(m, l.a_m, l.c_m, l.z))
}

/// An alloy composition by mass fraction \[kg·kg⁻¹\] (oxygen included), summing to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MagnetComposition {
    w: ElementVector,
}

impl MagnetComposition {
    /// From mass fractions \[kg·kg⁻¹\] that sum to 1 within 1e-6 (then renormalised exactly).
    ///
    /// # Errors
    /// [`SinterError::Config`] for negative or non-finite entries or a sum away from 1.
    pub fn from_mass_fractions(w: ElementVector) -> Result<Self> {
        if let Some((e, v)) = w.first_invalid() {
            return Err(SinterError::config(
                "mass fraction",
                format!("{e}: {v}"),
                "invalid",
            ));
        }
        if w.iter().any(|(_, v)| v < 0.0) {
            return Err(SinterError::config(
                "mass fraction",
                "negative",
                "must be >= 0",
            ));
        }
        let s = w.sum();
        if (s - 1.0).abs() > 1e-6 {
            return Err(SinterError::config("sum of mass fractions", s, "must be 1"));
        }
        Ok(Self { w: w * (1.0 / s) })
    }

    /// From wt % of every element except iron, iron being the balance (e.g. the usual
    /// "Nd 23.3, Pr 7.7, B 0.97, Co 1.0, Cu 0.15, Fe bal.").
    ///
    /// # Errors
    /// [`SinterError::Config`] for negative values, Fe listed, or a total above 100 %.
    pub fn from_wt_percent_fe_balance(pairs: &[(Element, f64)]) -> Result<Self> {
        let mut w = ElementVector::zeros();
        for &(e, p) in pairs {
            if e == Element::Fe {
                return Err(SinterError::config("element", "Fe", "Fe is the balance"));
            }
            in_range("wt %", p, 0.0, 100.0)?;
            w[e] += p / 100.0;
        }
        let rest = 1.0 - w.sum();
        if rest < 0.0 {
            return Err(SinterError::config(
                "total wt %",
                100.0 * (1.0 - rest),
                "exceeds 100",
            ));
        }
        w[Element::Fe] = rest;
        Self::from_mass_fractions(w)
    }

    /// A sintered-magnet base alloy used in examples and tests: PrNd 30 wt % (Pr:Nd = 1:3),
    /// B 1.0, Co 1.0, Cu 0.12, Ga 0.15, Al 0.10, O 0.10, Fe balance (process-data.md §11.1
    /// product alloy window; est.).
    ///
    /// # Panics
    /// Never (the constants are valid).
    #[must_use]
    pub fn reference_prnd() -> Self {
        Self::from_wt_percent_fe_balance(&[
            (Element::Nd, 22.5),
            (Element::Pr, 7.5),
            (Element::B, 1.0),
            (Element::Co, 1.0),
            (Element::Cu, 0.12),
            (Element::Ga, 0.15),
            (Element::Al, 0.10),
            (Element::O, 0.10),
        ])
        .expect("reference composition is valid")
    }

    /// Mass fractions \[kg·kg⁻¹\].
    #[must_use]
    pub fn mass_fractions(&self) -> &ElementVector {
        &self.w
    }

    /// Mass fraction of `e` \[kg·kg⁻¹\].
    #[must_use]
    pub fn mass_fraction(&self, e: Element) -> f64 {
        self.w[e]
    }

    /// Dy + Tb mass fraction \[kg·kg⁻¹\].
    #[must_use]
    pub fn heavy_re_mass_fraction(&self) -> f64 {
        Element::MAGNET_HEAVY_RARE_EARTHS
            .iter()
            .map(|&e| self.w[e])
            .sum()
    }

    /// Set the mass fraction of heavy rare earth `hre` to `w` \[kg·kg⁻¹\], removing the same
    /// number of moles from the light rare earths (proportionally) and balancing with Fe, so
    /// the phase balance (RE atoms per B) is kept.
    ///
    /// # Errors
    /// [`SinterError::Config`] if `hre` is not Dy or Tb, `w` is out of \[0, 0.2\], or there is
    /// not enough light RE or Fe.
    pub fn with_heavy_re(&self, hre: Element, w: f64) -> Result<Self> {
        if !Element::MAGNET_HEAVY_RARE_EARTHS.contains(&hre) {
            return Err(SinterError::config(
                "heavy rare earth",
                hre,
                "must be Dy or Tb",
            ));
        }
        in_range("heavy RE mass fraction [-]", w, 0.0, 0.2)?;
        let mut v = self.w;
        let d_mol = (w - v[hre]) / hre.molar_mass();
        let light: Vec<Element> = Element::ALL
            .into_iter()
            .filter(|e| e.is_rare_earth() && !Element::MAGNET_HEAVY_RARE_EARTHS.contains(e))
            .filter(|e| v[*e] > 0.0)
            .collect();
        let light_mol: f64 = light.iter().map(|e| v[*e] / e.molar_mass()).sum();
        if light_mol <= d_mol {
            return Err(SinterError::config(
                "heavy RE mass fraction [-]",
                w,
                "exceeds light RE",
            ));
        }
        for e in light {
            let share = (v[e] / e.molar_mass()) / light_mol;
            v[e] -= share * d_mol * e.molar_mass();
        }
        v[hre] = w;
        v[Element::Fe] += 1.0 - v.sum();
        if v[Element::Fe] < 0.0 {
            return Err(SinterError::config(
                "Fe balance [-]",
                v[Element::Fe],
                "negative",
            ));
        }
        Self::from_mass_fractions(v)
    }

    /// The composition of a lot (element masses over lot mass).
    ///
    /// # Errors
    /// [`SinterError::Config`] for an empty lot.
    pub fn from_lot(lot: &repm_material::Lot) -> Result<Self> {
        let m = lot.mass();
        positive("lot mass [kg]", m)?;
        Self::from_mass_fractions(lot.element_masses() * (1.0 / m))
    }

    /// Add `added` kg of `e` per kg of this alloy and renormalise (used after GBD).
    ///
    /// # Errors
    /// [`SinterError::Config`] for a negative or non-finite amount.
    pub fn with_added(&self, e: Element, added: f64) -> Result<Self> {
        crate::error::non_negative("added mass [kg/kg]", added)?;
        let mut v = self.w;
        v[e] += added;
        let s = v.sum();
        Self::from_mass_fractions(v * (1.0 / s))
    }
}

/// Phase constitution per eqs. S11–S12: volume fractions \[-\] of the dense solid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhaseConstitution {
    /// R₂(Fe,T)₁₄B main phase \[-\].
    pub main_phase: f64,
    /// RE-rich grain-boundary phase (liquid during sintering) \[-\].
    pub re_rich: f64,
    /// RE₂O₃ from oxygen \[-\].
    pub oxide: f64,
    /// Boride (excess B as R₁.₁Fe₄B₄) \[-\].
    pub boride: f64,
    /// Other non-magnetic additions (Cu, Nb, Zr, leftover B) \[-\].
    pub other: f64,
    /// Free α-Fe \[-\] (must be ~0 for a hard magnet).
    pub free_iron: f64,
    /// RE-site occupancy of the main phase \[-\] (sums to 1 over the rare earths).
    pub re_site_fractions: ElementVector,
    /// Main-phase formula units per kg of alloy \[mol·kg⁻¹\].
    pub main_phase_amount: f64,
    /// Main-phase molar mass \[kg·mol⁻¹\].
    pub main_phase_molar_mass: f64,
    /// Main-phase density \[kg·m⁻³\].
    pub main_phase_density: f64,
    /// Theoretical density of the alloy (pore-free) \[kg·m⁻³\].
    pub theoretical_density: f64,
}

impl PhaseConstitution {
    /// Non-magnetic volume fraction β = RE-rich + oxide + boride + other \[-\].
    #[must_use]
    pub fn non_magnetic(&self) -> f64 {
        self.re_rich + self.oxide + self.boride + self.other
    }
}

/// Phase constitution of an alloy (eqs. S11–S12).
///
/// Oxygen takes RE as RE₂O₃ (process-data.md §4); the main phase takes min(B, RE/2, T/14)
/// formula units with T = Fe + Co + Ni + Al + Ga on the transition-metal sites; excess B forms
/// R₁.₁Fe₄B₄; the remaining RE (with Cu, and Fe up to Fe/RE = 3/7) forms the RE-rich phase;
/// any remaining Fe is α-Fe.
///
/// # Errors
/// [`SinterError::Validity`] if oxygen exceeds what the RE can bind or there is no main phase.
pub fn phase_constitution(c: &MagnetComposition) -> Result<PhaseConstitution> {
    let w = c.mass_fractions();
    let d = data::intrinsic();
    let n = |e: Element| w[e] / e.molar_mass();
    let res: Vec<Element> = Element::ALL
        .into_iter()
        .filter(|e| e.is_rare_earth() && w[*e] > 0.0)
        .collect();
    let n_re: f64 = res.iter().map(|&e| n(e)).sum();
    let n_o = n(Element::O);
    let n_re_ox = 2.0 / 3.0 * n_o;
    if n_re_ox >= n_re {
        return Err(SinterError::Validity {
            what: "phase constitution",
            detail: format!(
                "oxygen {:.4} wt% binds all the rare earth",
                100.0 * w[Element::O]
            ),
        });
    }
    let t_site = [
        Element::Fe,
        Element::Co,
        Element::Ni,
        Element::Al,
        Element::Ga,
    ];
    let n_t: f64 = t_site.iter().map(|&e| n(e)).sum();
    let n_b = n(Element::B);
    let re_avail = n_re - n_re_ox;
    let n_phi = n_b.min(re_avail / 2.0).min(n_t / 14.0);
    if n_phi <= 0.0 {
        return Err(SinterError::Validity {
            what: "phase constitution",
            detail: "no R2Fe14B main phase can form (B, RE or Fe missing)".into(),
        });
    }
    // RE-site occupancy: RE share after the oxide (proportional), T-site occupancy likewise.
    let mut x = ElementVector::zeros();
    for &e in &res {
        x[e] = n(e) / n_re;
    }
    let m_re_site: f64 = res.iter().map(|&e| x[e] * e.molar_mass()).sum();
    let m_t_site: f64 = t_site
        .iter()
        .map(|&e| n(e) / n_t * e.molar_mass())
        .sum::<f64>();
    let m_phi = 2.0 * m_re_site + 14.0 * m_t_site + Element::B.molar_mass();
    let l = &d.nd2fe14b_lattice;
    let rho_phi = lattice_density(m_phi, l.a_m, l.c_m, l.z);
    // Boride from excess B, limited by what RE and T remain.
    let re_left = re_avail - 2.0 * n_phi;
    let t_left = n_t - 14.0 * n_phi;
    let b_left = n_b - n_phi;
    let eta = (b_left / 4.0).min(re_left / 1.1).min(t_left / 4.0).max(0.0);
    let re_rich_mol = re_left - 1.1 * eta;
    // The RE-rich GB phase dissolves Fe up to Fe/RE = 3/7 (a Nd70Fe30-type phase, est.);
    // only Fe beyond that is free α-Fe.
    let t_rest = (t_left - 4.0 * eta).max(0.0);
    let fe_in_gb = t_rest.min(RE_RICH_FE_PER_RE * re_rich_mol);
    let t_free = t_rest - fe_in_gb;
    let mass_phi = n_phi * m_phi;
    let mass_ox = n_re_ox * m_re_site + n_o * Element::O.molar_mass();
    let mass_eta =
        eta * (1.1 * m_re_site + 4.0 * Element::Fe.molar_mass() + 4.0 * Element::B.molar_mass());
    let mass_re_rich =
        re_rich_mol * m_re_site + fe_in_gb * Element::Fe.molar_mass() + w[Element::Cu];
    let mass_free_fe = t_free * Element::Fe.molar_mass();
    let mass_other = 1.0 - mass_phi - mass_ox - mass_eta - mass_re_rich - mass_free_fe;
    let vols = [
        mass_phi / rho_phi,
        mass_re_rich / d.phase_density("re_rich"),
        mass_ox / d.phase_density("oxide"),
        mass_eta / d.phase_density("boride"),
        mass_other.max(0.0) / d.phase_density("other"),
        mass_free_fe / d.phase_density("free_iron"),
    ];
    let v: f64 = vols.iter().sum();
    Ok(PhaseConstitution {
        main_phase: vols[0] / v,
        re_rich: vols[1] / v,
        oxide: vols[2] / v,
        boride: vols[3] / v,
        other: vols[4] / v,
        free_iron: vols[5] / v,
        re_site_fractions: x,
        main_phase_amount: n_phi,
        main_phase_molar_mass: m_phi,
        main_phase_density: rho_phi,
        theoretical_density: 1.0 / v,
    })
}

/// Intrinsic properties of the main phase at 20 °C.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IntrinsicProperties {
    /// Saturation polarisation Js \[T\].
    pub js: f64,
    /// Anisotropy field μ₀H_A \[T\].
    pub anisotropy_field: f64,
    /// Curie temperature T_C \[K\].
    pub curie_temperature: f64,
}

/// Intrinsic properties from the RE-site occupancy and the additions (eq. S13).
///
/// Js, μ₀H_A and T_C mix linearly over the RE sites (est., magnet-data.md §1), except that the
/// Dy/Tb contribution to H_A turns sub-linear above 10 % of the RE sites; additions shift
/// them by their per-wt % coefficients (data/alloying.json).
///
/// # Errors
/// [`SinterError::Validity`] for a rare earth without end-member data, more than 2 % of
/// easy-plane R on the RE sites, or an addition beyond its validity limit.
pub fn intrinsic_properties(
    c: &MagnetComposition,
    p: &PhaseConstitution,
) -> Result<IntrinsicProperties> {
    let d = data::intrinsic();
    let (mut js, mut tc, mut ha_light, mut x_light) = (0.0, 0.0, 0.0, 0.0);
    let mut heavy: Vec<(f64, f64)> = Vec::new();
    for (e, x) in p.re_site_fractions.iter_nonzero() {
        let m = d.end_member(e).ok_or_else(|| SinterError::Validity {
            what: "intrinsic properties",
            detail: format!("no R2Fe14B end-member data for {e}"),
        })?;
        js += x * m.js_t;
        tc += x * m.tc_k;
        let ha = match m.ha_t {
            Some(h) => h,
            None if x <= 0.02 => 0.0,
            None => {
                return Err(SinterError::Validity {
                    what: "intrinsic properties",
                    detail: format!("{e}2Fe14B is easy-plane; RE-site fraction {x:.3} > 0.02"),
                });
            }
        };
        if Element::MAGNET_HEAVY_RARE_EARTHS.contains(&e) {
            heavy.push((x, ha));
        } else {
            ha_light += x * ha;
            x_light += x;
        }
    }
    let ha_host = if x_light > 0.0 {
        ha_light / x_light
    } else {
        0.0
    };
    let x_heavy: f64 = heavy.iter().map(|h| h.0).sum();
    let sub = &d.heavy_re_sublinear;
    let s = if x_heavy <= sub.threshold_site_fraction || x_heavy <= 0.0 {
        1.0
    } else {
        (sub.threshold_site_fraction + sub.slope_above * (x_heavy - sub.threshold_site_fraction))
            / x_heavy
    };
    let mut ha = ha_host
        + heavy
            .iter()
            .map(|(x, h)| x * (h - ha_host) * s)
            .sum::<f64>();
    for a in &data::alloying().additions {
        let wt = 100.0 * c.mass_fraction(a.element);
        if wt > a.max_wt_percent {
            return Err(SinterError::Validity {
                what: "alloying additions",
                detail: format!(
                    "{} {wt:.3} wt% above the {} wt% limit",
                    a.element, a.max_wt_percent
                ),
            });
        }
        js += a.d_js_t * wt;
        ha += a.d_ha_t * wt;
        tc += a.d_tc_k * wt;
    }
    Ok(IntrinsicProperties {
        js,
        anisotropy_field: ha,
        curie_temperature: tc,
    })
}

/// Microstructure of a sintered magnet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Microstructure {
    /// Relative density ρ/ρ₀ \[-\].
    pub relative_density: f64,
    /// Mean grain size d \[m\].
    pub grain_size: f64,
    /// Alignment factor ⟨cos θ⟩ \[-\] (0.93–0.97 for good sintered magnets).
    pub alignment: f64,
    /// Annealing factor a ∈ \[0.3, 1\] on the Kronmüller coercivity \[-\] (1 = optimally
    /// annealed; see [`crate::anneal`]).
    pub anneal_factor: f64,
}

impl Default for Microstructure {
    /// A well-made, optimally annealed sintered magnet: ρ/ρ₀ 0.99, d = 5 µm, ⟨cos θ⟩ 0.96
    /// (est., magnet-data.md §3–4).
    fn default() -> Self {
        Self {
            relative_density: 0.99,
            grain_size: 5e-6,
            alignment: 0.96,
            anneal_factor: 1.0,
        }
    }
}

/// Coercivity and loop-shape parameters (eqs. S14–S16).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CoercivityModel {
    /// Kronmüller α (= α_K·α_ψ) for an optimally annealed magnet \[-\]. Default 0.44 (est.;
    /// within the 0.35–0.45 range of magnet-data.md §4, calibrated so that the reference PrNd
    /// alloy (with Cu, Ga, Al) at 5 µm reaches Hcj ≈ 1.6 T, an HRE-free M/H-class magnet, and
    /// Vasilenko et al. 2021 (0.5 wt % Dy, 3.5 µm, O ≤ 0.2 wt %: Hcj > 13 kOe) is met).
    pub alpha: f64,
    /// N_eff at the reference grain size \[-\]. Default 1.22 (Bance et al., J. Appl. Phys. 2014,
    /// doi 10.1063/1.4904854: 1.22 at 8.3 µm).
    pub n_eff_reference: f64,
    /// Reference grain size for N_eff \[m\]. Default 8.3 µm (Bance 2014).
    pub n_eff_reference_grain_size: f64,
    /// d N_eff / d ln d \[-\]. Default 0.2033 (through Bance 2014's 0.2 at 55 nm and 1.22 at
    /// 8.3 µm; Hcj linear in log d as in Ramesh/Thomas et al., J. Appl. Phys. 1990).
    pub n_eff_log_slope: f64,
    /// Critical RE-rich volume fraction f_c in φ_gb = 1 − exp(−f_gb/f_c) \[-\]. Default 0.01
    /// (est.: below ~2 vol % the grains are no longer isolated by a continuous GB phase).
    pub gb_critical_fraction: f64,
    /// Squareness exponent p of the demagnetisation curve \[-\]. Default 40 (est.; H_k/H_cJ ≈
    /// 0.94, typical of good sintered magnets).
    pub squareness_exponent: f64,
    /// Recoil permeability μ_rec \[-\]. Default 1.05 (datasheets, magnet-data.md §7).
    pub recoil_permeability: f64,
}

impl Default for CoercivityModel {
    fn default() -> Self {
        Self {
            alpha: 0.44,
            n_eff_reference: 1.22,
            n_eff_reference_grain_size: 8.3e-6,
            n_eff_log_slope: 0.2033,
            gb_critical_fraction: 0.01,
            squareness_exponent: 40.0,
            recoil_permeability: 1.05,
        }
    }
}

impl CoercivityModel {
    /// N_eff(d) = N_ref + s·ln(d/d_ref), floored at 0.05 (eq. S14b).
    #[must_use]
    pub fn n_eff(&self, grain_size: f64) -> f64 {
        (self.n_eff_reference
            + self.n_eff_log_slope * (grain_size / self.n_eff_reference_grain_size).ln())
        .max(0.05)
    }
}

/// Properties of a sintered NdFeB magnet at 20 °C, with what is needed to go to other
/// temperatures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MagnetProperties {
    /// The alloy.
    pub composition: MagnetComposition,
    /// Phase constitution.
    pub phases: PhaseConstitution,
    /// Intrinsic properties of the main phase.
    pub intrinsic: IntrinsicProperties,
    /// Microstructure.
    pub microstructure: Microstructure,
    /// Density \[kg·m⁻³\].
    pub density: f64,
    /// Remanence B_r \[T\].
    pub remanence: f64,
    /// Intrinsic coercivity H_cJ \[A·m⁻¹\].
    pub coercivity: f64,
    /// Effective demagnetising factor used \[-\].
    pub n_eff: f64,
    /// GB-phase factor φ_gb \[-\].
    pub gb_factor: f64,
    /// Temperature coefficient of B_r, α \[%/K\].
    pub alpha_br: f64,
    /// Temperature coefficient of H_cJ, β \[%/K\].
    pub beta_hcj: f64,
    /// Demagnetisation curve at 20 °C.
    pub curve: DemagCurve,
}

fn beta_for(hcj: f64, c: &MagnetComposition) -> f64 {
    let rows = &data::grades().beta_by_hcj;
    let k = hcj / 1e3;
    let base = if k <= rows[0].hcj_ka_m {
        rows[0].beta_pct_per_k
    } else if k >= rows[rows.len() - 1].hcj_ka_m {
        rows[rows.len() - 1].beta_pct_per_k
    } else {
        let i = rows
            .iter()
            .position(|r| r.hcj_ka_m > k)
            .unwrap_or(rows.len() - 1);
        let (a, b) = (&rows[i - 1], &rows[i]);
        a.beta_pct_per_k
            + (b.beta_pct_per_k - a.beta_pct_per_k) * (k - a.hcj_ka_m) / (b.hcj_ka_m - a.hcj_ka_m)
    };
    base + data::alloying()
        .additions
        .iter()
        .map(|a| a.d_beta_hcj * 100.0 * c.mass_fraction(a.element))
        .sum::<f64>()
}

/// Evaluate a magnet (eqs. S11–S17).
///
/// # Errors
/// [`SinterError::Config`] for microstructure values out of range;
/// [`SinterError::Validity`] from the phase and intrinsic models, more than 0.5 vol % α-Fe, or
/// a coercivity below [`MIN_COERCIVITY_T`].
pub fn evaluate(
    composition: &MagnetComposition,
    micro: &Microstructure,
    model: &CoercivityModel,
) -> Result<MagnetProperties> {
    in_range("relative_density [-]", micro.relative_density, 0.5, 1.0)?;
    in_range("grain_size [m]", micro.grain_size, 1e-8, 1e-3)?;
    in_range("alignment [-]", micro.alignment, 0.0, 1.0)?;
    in_range("anneal_factor [-]", micro.anneal_factor, 0.3, 1.0)?;
    positive("alpha [-]", model.alpha)?;
    positive("gb_critical_fraction [-]", model.gb_critical_fraction)?;
    let phases = phase_constitution(composition)?;
    if phases.free_iron > 0.005 {
        return Err(SinterError::Validity {
            what: "magnet properties",
            detail: format!(
                "{:.2} vol% free alpha-Fe: not a hard magnet (add B or RE)",
                100.0 * phases.free_iron
            ),
        });
    }
    let intrinsic = intrinsic_properties(composition, &phases)?;
    finish(composition, phases, intrinsic, micro, model)
}

/// Br, Hcj, coefficients and curve of a magnet whose phases and intrinsic properties are
/// known (the microstructure-dependent part of eqs. S11–S17).
fn finish(
    composition: &MagnetComposition,
    phases: PhaseConstitution,
    intrinsic: IntrinsicProperties,
    micro: &Microstructure,
    model: &CoercivityModel,
) -> Result<MagnetProperties> {
    let remanence = intrinsic.js
        * (1.0 - phases.non_magnetic() - phases.free_iron)
        * micro.relative_density
        * micro.alignment;
    let n_eff = model.n_eff(micro.grain_size);
    let gb_factor = 1.0 - (-phases.re_rich / model.gb_critical_fraction).exp();
    let additions: f64 = data::alloying()
        .additions
        .iter()
        .map(|a| a.d_hcj_t * 100.0 * composition.mass_fraction(a.element))
        .sum();
    let mut hcj_t = micro.anneal_factor
        * (model.alpha * gb_factor * intrinsic.anisotropy_field - n_eff * intrinsic.js + additions);
    if hcj_t < 0.01 {
        tracing::warn!(
            hcj_t,
            "Kronmüller coercivity below 0.01 T: clamped to 0.01 T"
        );
        hcj_t = 0.01;
    }
    let coercivity = hcj_t / MU0;
    let alpha_br = data::alloying().base_alpha_br.value
        + data::alloying()
            .additions
            .iter()
            .map(|a| a.d_alpha_br * 100.0 * composition.mass_fraction(a.element))
            .sum::<f64>();
    let beta_hcj = beta_for(coercivity, composition);
    let curve = DemagCurve::uniform(
        remanence,
        coercivity,
        model.recoil_permeability,
        model.squareness_exponent,
    )?;
    Ok(MagnetProperties {
        composition: *composition,
        phases,
        intrinsic,
        microstructure: *micro,
        density: micro.relative_density * phases.theoretical_density,
        remanence,
        coercivity,
        n_eff,
        gb_factor,
        alpha_br,
        beta_hcj,
        curve,
    })
}

/// Parameters linking local GBD heavy-RE content to local coercivity (eq. S26).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GbdCoercivity {
    /// Thickness δ of the HRE-rich shell on each grain \[m\].
    pub shell_thickness: f64,
    /// Fraction of absorbed HRE that ends in the shells (rest in the GB phase) \[-\].
    pub shell_partition: f64,
    /// Saturation gain in μ₀Hcj for Dy \[T\].
    pub max_gain_dy: f64,
    /// Saturation gain in μ₀Hcj for Tb \[T\].
    pub max_gain_tb: f64,
}

impl Default for GbdCoercivity {
    /// From data/gbd_diffusion.json (est.; see the `source` there).
    fn default() -> Self {
        let c = &data::gbd_data().coercivity;
        Self {
            shell_thickness: c.shell_thickness_m,
            shell_partition: c.shell_partition,
            max_gain_dy: c.max_gain_t.get("Dy").copied().unwrap_or(0.65),
            max_gain_tb: c.max_gain_t.get("Tb").copied().unwrap_or(1.2),
        }
    }
}

impl MagnetProperties {
    /// The same (bulk) magnet with another microstructure: reuses the phase constitution
    /// and intrinsic properties, which depend on the composition only, and recomputes B_r,
    /// H_cJ and the curve (eqs. S13–S17). Bit-identical to [`evaluate`] of the composition
    /// with `micro`, at a fraction of the cost (for per-lot evaluation in plant runs). Not for
    /// a magnet returned by [`MagnetProperties::after_gbd`] (its layered curve is replaced by
    /// a uniform one).
    ///
    /// # Errors
    /// As [`evaluate`] for the microstructure and model values.
    pub fn with_microstructure(
        &self,
        micro: &Microstructure,
        model: &CoercivityModel,
    ) -> Result<MagnetProperties> {
        in_range("relative_density [-]", micro.relative_density, 0.5, 1.0)?;
        in_range("grain_size [m]", micro.grain_size, 1e-8, 1e-3)?;
        in_range("alignment [-]", micro.alignment, 0.0, 1.0)?;
        in_range("anneal_factor [-]", micro.anneal_factor, 0.3, 1.0)?;
        positive("alpha [-]", model.alpha)?;
        positive("gb_critical_fraction [-]", model.gb_critical_fraction)?;
        finish(&self.composition, self.phases, self.intrinsic, micro, model)
    }

    /// Demagnetisation curve at `temperature` \[K\], scaling B_r and H_cJ linearly with α and β
    /// from 20 °C (eq. S17).
    ///
    /// # Errors
    /// [`SinterError::Validity`] at or above the Curie temperature or where the linear
    /// coefficients would make B_r or H_cJ vanish.
    pub fn curve_at(&self, temperature: f64) -> Result<DemagCurve> {
        positive("temperature [K]", temperature)?;
        if temperature >= self.intrinsic.curie_temperature {
            return Err(SinterError::Validity {
                what: "temperature",
                detail: format!(
                    "{temperature:.1} K at or above T_C {:.1} K",
                    self.intrinsic.curie_temperature
                ),
            });
        }
        let dt = temperature - T_REF;
        let fb = 1.0 + self.alpha_br / 100.0 * dt;
        let fh = 1.0 + self.beta_hcj / 100.0 * dt;
        if fb <= 0.05 || fh <= 0.05 {
            return Err(SinterError::Validity {
                what: "temperature coefficients",
                detail: format!("linear coefficients invalid at {temperature:.1} K"),
            });
        }
        if temperature > ZERO_CELSIUS + 250.0 {
            tracing::warn!(
                temperature,
                "linear temperature coefficients used above 250 °C"
            );
        }
        Ok(self.curve.scaled(fb, fh))
    }

    /// (BH)max at `temperature` \[K\] \[J·m⁻³\].
    ///
    /// # Errors
    /// As [`MagnetProperties::curve_at`].
    pub fn max_energy_product_at(&self, temperature: f64) -> Result<f64> {
        Ok(self.curve_at(temperature)?.max_energy_product().0)
    }

    /// (BH)max at 20 °C \[J·m⁻³\].
    #[must_use]
    pub fn max_energy_product(&self) -> f64 {
        self.curve.max_energy_product().0
    }

    /// Grade at 20 °C, if any.
    #[must_use]
    pub fn grade(&self) -> Option<Grade> {
        classify(self.max_energy_product(), self.remanence, self.coercivity)
    }

    /// Highest temperature \[K\] (to 0.5 K) at which the working point at permeance coefficient
    /// `pc` stays above the knee (no irreversible loss), searched from 20 °C to T_C.
    ///
    /// # Errors
    /// [`SinterError::Config`] for a non-positive `pc`.
    pub fn max_working_temperature(&self, pc: f64) -> Result<f64> {
        positive("permeance coefficient [-]", pc)?;
        let ok = |t: f64| -> bool {
            self.curve_at(t)
                .and_then(|c| c.is_reversible_at(pc))
                .unwrap_or(false)
        };
        if !ok(T_REF) {
            return Ok(T_REF);
        }
        let (mut lo, mut hi) = (T_REF, self.intrinsic.curie_temperature - 1.0);
        if ok(hi) {
            return Ok(hi);
        }
        while hi - lo > 0.5 {
            let mid = 0.5 * (lo + hi);
            if ok(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// The magnet after grain-boundary diffusion of `hre` with the depth profile `profile`
    /// (eq. S26): one demagnetisation layer per depth cell, H_cJ from the layered curve.
    ///
    /// # Errors
    /// [`SinterError::Config`] if `hre` is not Dy or Tb; errors of the composition update.
    pub fn after_gbd(
        &self,
        hre: Element,
        profile: &GbdProfile,
        params: &GbdCoercivity,
        model: &CoercivityModel,
    ) -> Result<MagnetProperties> {
        let max_gain = match hre {
            Element::Dy => params.max_gain_dy,
            Element::Tb => params.max_gain_tb,
            _ => return Err(SinterError::config("GBD element", hre, "must be Dy or Tb")),
        };
        let m = data::intrinsic()
            .end_member(hre)
            .ok_or_else(|| SinterError::Validity {
                what: "GBD",
                detail: format!("no end-member data for {hre}"),
            })?;
        let ha_h = m.ha_t.unwrap_or(0.0);
        let d = self.microstructure.grain_size;
        let f_s = if 2.0 * params.shell_thickness >= d {
            1.0
        } else {
            1.0 - (1.0 - 2.0 * params.shell_thickness / d).powi(3)
        };
        // RE sites of the main phase per m³ of magnet [mol·m⁻³].
        let n_sites = 2.0 * self.phases.main_phase_amount * self.density;
        let hcj_host_t = self.coercivity * MU0;
        let mut layers = Vec::with_capacity(profile.mass_fraction.len());
        for &w in &profile.mass_fraction {
            let x_bar = (w.max(0.0) * self.density / hre.molar_mass()) / n_sites;
            let x_s = (params.shell_partition * x_bar / f_s).min(1.0);
            let d_ha = x_s * (ha_h - self.intrinsic.anisotropy_field);
            let lin = self.microstructure.anneal_factor * model.alpha * self.gb_factor * d_ha;
            let gain = if max_gain > 0.0 {
                max_gain * (1.0 - (-lin / max_gain).exp())
            } else {
                0.0
            };
            let br_factor = 1.0
                + params.shell_partition * x_bar * (m.js_t - self.intrinsic.js) / self.intrinsic.js;
            layers.push(DemagLayer {
                volume_fraction: 1.0,
                remanence: self.remanence * br_factor.max(0.0),
                coercivity: (hcj_host_t + gain) / MU0,
            });
        }
        let curve = DemagCurve::layered(
            layers,
            self.curve.recoil_permeability(),
            self.curve.squareness_exponent(),
        )?;
        let absorbed = profile.absorbed_mass_fraction(self.density);
        let composition = self.composition.with_added(hre, absorbed)?;
        let coercivity = curve.intrinsic_coercivity();
        let mut out = self.clone();
        out.composition = composition;
        out.remanence = curve.remanence();
        out.coercivity = coercivity;
        out.beta_hcj = beta_for(coercivity, &composition);
        out.curve = curve;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn reference_alloy_is_a_plausible_magnet() {
        let c = MagnetComposition::reference_prnd();
        let p = phase_constitution(&c).unwrap();
        assert!(p.main_phase > 0.9 && p.main_phase < 0.99, "{p:?}");
        assert!(p.re_rich > 0.01 && p.re_rich < 0.08, "{p:?}");
        assert!(p.free_iron < 1e-9);
        let m = evaluate(&c, &Microstructure::default(), &CoercivityModel::default()).unwrap();
        assert!(m.remanence > 1.3 && m.remanence < 1.5, "Br {}", m.remanence);
        assert!(
            m.coercivity > 1.0e6 && m.coercivity < 1.6e6,
            "Hcj {}",
            m.coercivity
        );
        assert_relative_eq!(p.re_site_fractions.sum(), 1.0, max_relative = 1e-12);
    }

    #[test]
    fn with_microstructure_equals_a_fresh_evaluation() {
        let c = MagnetComposition::reference_prnd();
        let model = CoercivityModel::default();
        let base = evaluate(&c, &Microstructure::default(), &model).unwrap();
        let micro = Microstructure {
            relative_density: 0.973,
            grain_size: 6.4e-6,
            alignment: 0.95,
            anneal_factor: 0.9,
        };
        let fresh = evaluate(&c, &micro, &model).unwrap();
        let fast = base.with_microstructure(&micro, &model).unwrap();
        assert_eq!(fresh, fast);
        assert!(fast.remanence < base.remanence);
        let bad = Microstructure {
            relative_density: 1.5,
            ..micro
        };
        assert!(base.with_microstructure(&bad, &model).is_err());
    }
}

//! Grain-boundary diffusion (GBD) of Dy/Tb into a sintered magnet: 1-D diffusion from both
//! faces with a finite surface source, solved by a conservative finite-volume Crank–Nicolson
//! scheme (docs/science/sinter.md, eqs. S20–S25).
//!
//! The heavy rare earth (HRE) enters from a coating on each face. While a face's coating
//! lasts, the magnet surface is held at the surface concentration c_s (the solubility-limited
//! grain-boundary content); when it is used up the face becomes impermeable. Applied HRE splits
//! into *lost* (evaporated, stuck to fixtures: a fixed fraction), *absorbed* (inside the magnet)
//! and *residual* (left on the surface, ground off later). The split closes exactly.
//!
//! Numerics: cell-centred finite volumes (interior fluxes telescope, so the discrete mass
//! changes by exactly the boundary fluxes), θ-scheme with θ = ½ (Crank–Nicolson) after
//! Rannacher start-up steps with backward Euler that damp the oscillations CN gives for the
//! discontinuous initial data; tridiagonal solve by the Thomas algorithm. Checked against the
//! erfc solution for a semi-infinite slab with constant surface concentration
//! (tests/gbd.rs).

use serde::{Deserialize, Serialize};

use repm_material::{Element, ElementVector, Form, Lot, LotId};

use crate::error::{Result, SinterError, in_range, non_negative, positive};
use crate::programme::{GAS_CONSTANT, TemperatureProgramme};

/// Arrhenius grain-boundary diffusivity D_gb(T) = D₀·exp(−Q/RT) (eq. S20).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GbdDiffusivity {
    /// Pre-exponential factor D₀ \[m²·s⁻¹\].
    pub prefactor: f64,
    /// Effective activation energy Q \[J·mol⁻¹\].
    pub activation_energy: f64,
}

impl GbdDiffusivity {
    /// Fit D₀ and Q through two (temperature \[K\], diffusivity \[m²·s⁻¹\]) points.
    ///
    /// # Errors
    /// [`SinterError::Config`] for non-positive values or equal temperatures.
    pub fn from_two_points(p1: (f64, f64), p2: (f64, f64)) -> Result<Self> {
        for v in [p1.0, p1.1, p2.0, p2.1] {
            positive("diffusivity point", v)?;
        }
        if (p1.0 - p2.0).abs() < 1e-9 {
            return Err(SinterError::config("temperatures [K]", p1.0, "must differ"));
        }
        let q = GAS_CONSTANT * (p2.1 / p1.1).ln() / (1.0 / p1.0 - 1.0 / p2.0);
        let prefactor = p1.1 * (q / (GAS_CONSTANT * p1.0)).exp();
        Ok(Self {
            prefactor,
            activation_energy: q,
        })
    }

    /// Dy along grain boundaries of an e-beam-coated sintered magnet: fitted through
    /// 9.8e-8 cm²/s at 800 °C and 2.4e-7 cm²/s at 900 °C (JMMM 2017, daneshyari 5490670;
    /// process-data.md §9), giving Q ≈ 94 kJ/mol (an effective value).
    /// The same value is used for Tb for want of an open Tb measurement (est.).
    ///
    /// # Panics
    /// Never: the embedded data are valid (checked by a unit test).
    #[must_use]
    pub fn dy_sintered_ndfeb() -> Self {
        let d = crate::data::gbd_data();
        Self::from_two_points(d.points[0], d.points[1]).expect("embedded GBD data are valid")
    }

    /// D_gb at `temperature` \[K\] \[m²·s⁻¹\].
    #[must_use]
    pub fn at(&self, temperature: f64) -> f64 {
        self.prefactor * (-self.activation_energy / (GAS_CONSTANT * temperature)).exp()
    }
}

/// The magnet and coating being diffused.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GbdSetup {
    /// Magnet thickness along the diffusion direction \[m\].
    pub thickness: f64,
    /// HRE applied per unit area on each of the two faces \[kg·m⁻²\].
    pub coating_per_face: [f64; 2],
    /// Fraction of the applied HRE lost before it can enter (evaporation, fixtures) \[-\].
    pub loss_fraction: f64,
    /// HRE mass fraction held at the surface while the coating lasts, w_s \[-\].
    pub surface_mass_fraction: f64,
    /// Magnet density \[kg·m⁻³\].
    pub magnet_density: f64,
    /// Mean grain size of the magnet \[m\].
    pub grain_size: f64,
}

/// Solver and grain-size-scaling options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GbdOptions {
    /// Number of finite-volume cells across the thickness \[-\]. Default 200.
    pub cells: usize,
    /// Largest time step \[s\]. Default 120 s.
    pub max_time_step: f64,
    /// Number of initial steps replaced by two backward-Euler half steps (Rannacher). Default 2.
    pub startup_steps: usize,
    /// Grain size at which `GbdDiffusivity` was measured \[m\]. Default 5 µm (est.).
    pub reference_grain_size: f64,
    /// Exponent γ in D_eff = D_gb·(d_ref/d)^γ: finer grains, denser boundary network
    /// (Materials 15 (2022) 4987: finer grains raise GBD efficiency) \[-\]. Default 1 (est.).
    pub grain_size_exponent: f64,
    /// Penetration depth is where w falls below this fraction of w_s \[-\]. Default 0.015
    /// (est.: the erfc depth at 1.5 % of w_s, 3.4–3.6·√(Dt), reproduces the 1.8 and 3.0 mm
    /// measured after 8 h at 800 and 900 °C in the source of the diffusivities).
    pub depth_threshold: f64,
    /// First-order rate k at which mobile GB heavy RE is immobilised in (HRE,Nd)₂Fe₁₄B shells
    /// (lattice sink, eq. S22b) \[s⁻¹\]. Default 0: no open value for D_lattice or the shell
    /// kinetics was found (process-data.md §9), so the sink is off unless calibrated.
    pub shell_rate: f64,
}

impl Default for GbdOptions {
    fn default() -> Self {
        Self {
            cells: 200,
            max_time_step: 120.0,
            startup_steps: 2,
            reference_grain_size: 5.0e-6,
            grain_size_exponent: 1.0,
            depth_threshold: 0.015,
            shell_rate: 0.0,
        }
    }
}

/// Solver status (non-convergence and limits are data, not panics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GbdStatus {
    /// Completed normally.
    Ok,
    /// Completed; the HRE reached the mid-plane above the depth threshold (magnet thin
    /// enough to be treated through).
    Through,
}

/// Result of a GBD simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdProfile {
    /// Cell-centre positions from face 0 \[m\].
    pub positions: Vec<f64>,
    /// Excess HRE mass fraction in each cell \[-\].
    pub mass_fraction: Vec<f64>,
    /// Cell width \[m\].
    pub cell_width: f64,
    /// HRE applied, both faces \[kg·m⁻²\].
    pub applied: f64,
    /// HRE inside the magnet at the end \[kg·m⁻²\].
    pub absorbed: f64,
    /// HRE lost (loss fraction of the applied) \[kg·m⁻²\].
    pub lost: f64,
    /// HRE left in the coatings at the end \[kg·m⁻²\].
    pub residual: f64,
    /// Depth from face 0 where w falls below the threshold \[m\] (half the thickness if it
    /// never does).
    pub penetration_depth: f64,
    /// Time each face's coating ran out \[s\] (`None`: it lasted).
    pub exhausted_at: [Option<f64>; 2],
    /// Number of time steps taken.
    pub steps: usize,
    /// Completion status.
    pub status: GbdStatus,
}

impl GbdProfile {
    /// Absorbed HRE per kg of magnet \[kg·kg⁻¹\].
    #[must_use]
    pub fn absorbed_mass_fraction(&self, magnet_density: f64) -> f64 {
        let thickness = self.cell_width * self.positions.len() as f64;
        self.absorbed / (magnet_density * thickness)
    }

    /// Utilisation: absorbed / applied \[-\].
    #[must_use]
    pub fn utilisation(&self) -> f64 {
        if self.applied > 0.0 {
            self.absorbed / self.applied
        } else {
            0.0
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Face {
    Dirichlet,
    Flux(f64),
    Closed,
}

/// Run GBD over `programme` (eqs. S20–S25).
///
/// # Errors
/// [`SinterError::Config`] for invalid setup or options.
pub fn diffuse(
    setup: &GbdSetup,
    diffusivity: &GbdDiffusivity,
    programme: &TemperatureProgramme,
    options: &GbdOptions,
) -> Result<GbdProfile> {
    positive("thickness [m]", setup.thickness)?;
    non_negative("coating_per_face[0] [kg/m2]", setup.coating_per_face[0])?;
    non_negative("coating_per_face[1] [kg/m2]", setup.coating_per_face[1])?;
    in_range("loss_fraction [-]", setup.loss_fraction, 0.0, 1.0)?;
    in_range(
        "surface_mass_fraction [-]",
        setup.surface_mass_fraction,
        0.0,
        0.5,
    )?;
    positive("magnet_density [kg/m3]", setup.magnet_density)?;
    positive("grain_size [m]", setup.grain_size)?;
    positive("diffusivity.prefactor [m2/s]", diffusivity.prefactor)?;
    non_negative(
        "diffusivity.activation_energy [J/mol]",
        diffusivity.activation_energy,
    )?;
    if options.cells < 4 {
        return Err(SinterError::config(
            "options.cells",
            options.cells,
            "need >= 4 cells",
        ));
    }
    positive("options.max_time_step [s]", options.max_time_step)?;
    positive(
        "options.reference_grain_size [m]",
        options.reference_grain_size,
    )?;
    non_negative(
        "options.grain_size_exponent [-]",
        options.grain_size_exponent,
    )?;
    in_range(
        "options.depth_threshold [-]",
        options.depth_threshold,
        1e-9,
        1.0,
    )?;
    non_negative("options.shell_rate [1/s]", options.shell_rate)?;

    let n = options.cells;
    let h = setup.thickness / n as f64;
    let c_s = setup.surface_mass_fraction * setup.magnet_density;
    let grain_factor =
        (options.reference_grain_size / setup.grain_size).powf(options.grain_size_exponent);
    let applied = setup.coating_per_face[0] + setup.coating_per_face[1];
    let lost = applied * setup.loss_fraction;
    let mut reservoir = setup
        .coating_per_face
        .map(|m| m * (1.0 - setup.loss_fraction));
    let mut faces = reservoir.map(|m| {
        if m > 0.0 {
            Face::Dirichlet
        } else {
            Face::Closed
        }
    });
    let mut exhausted_at = [None, None];
    let mut c = vec![0.0; n];
    let mut shell = vec![0.0; n];
    let mut work = Workspace::new(n);
    let mut steps = 0usize;
    let mut startup_left = options.startup_steps;

    for (t0, temp0, t1, temp1) in programme.segments() {
        let seg = t1 - t0;
        let nsub = (seg / options.max_time_step).ceil().max(1.0) as usize;
        let dt = seg / nsub as f64;
        for k in 0..nsub {
            let tm = t0 + (k as f64 + 0.5) * dt;
            let temp = temp0 + (temp1 - temp0) * (tm - t0) / seg;
            let d = diffusivity.at(temp) * grain_factor;
            let subs: &[(f64, f64)] = if startup_left > 0 {
                startup_left -= 1;
                &[(1.0, 0.5), (1.0, 0.5)]
            } else {
                &[(0.5, 1.0)]
            };
            let mut t_end = t0 + (k as f64) * dt;
            for &(theta, frac) in subs {
                let sub_dt = dt * frac;
                t_end += sub_dt;
                step_with_sources(
                    &mut c,
                    &mut shell,
                    &mut faces,
                    &mut reservoir,
                    &mut exhausted_at,
                    &mut work,
                    StepArgs {
                        d,
                        dt: sub_dt,
                        h,
                        theta,
                        c_s,
                        t_end,
                        k: options.shell_rate,
                    },
                );
                steps += 1;
            }
        }
    }

    let absorbed: f64 = (c.iter().sum::<f64>() + shell.iter().sum::<f64>()) * h;
    // Local HRE content = mobile + immobilised.
    for (ci, si) in c.iter_mut().zip(&shell) {
        *ci += si;
    }
    let residual = reservoir[0] + reservoir[1];
    let mass_fraction: Vec<f64> = c.iter().map(|ci| ci / setup.magnet_density).collect();
    let positions: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) * h).collect();
    let thr = options.depth_threshold * setup.surface_mass_fraction;
    let half = n / 2;
    let mut penetration_depth = 0.5 * setup.thickness;
    let mut status = GbdStatus::Through;
    for i in 0..half {
        if mass_fraction[i] < thr {
            penetration_depth = if i == 0 {
                0.0
            } else {
                let (w0, w1) = (mass_fraction[i - 1], mass_fraction[i]);
                positions[i - 1] + h * (w0 - thr) / (w0 - w1)
            };
            status = GbdStatus::Ok;
            break;
        }
    }
    tracing::debug!(absorbed, residual, lost, steps, "gbd diffusion done");
    Ok(GbdProfile {
        positions,
        mass_fraction,
        cell_width: h,
        applied,
        absorbed,
        lost,
        residual,
        penetration_depth,
        exhausted_at,
        steps,
        status,
    })
}

struct StepArgs {
    d: f64,
    dt: f64,
    h: f64,
    theta: f64,
    c_s: f64,
    t_end: f64,
    k: f64,
}

struct Workspace {
    old: Vec<f64>,
    rhs: Vec<f64>,
    cprime: Vec<f64>,
    diag: Vec<f64>,
}

impl Workspace {
    fn new(n: usize) -> Self {
        Self {
            old: vec![0.0; n],
            rhs: vec![0.0; n],
            cprime: vec![0.0; n],
            diag: vec![0.0; n],
        }
    }
}

/// One θ-step; if a face would take more than its coating holds, redo the step with that
/// face's flux limited to what is left, then close it.
fn step_with_sources(
    c: &mut [f64],
    shell: &mut [f64],
    faces: &mut [Face; 2],
    reservoir: &mut [f64; 2],
    exhausted_at: &mut [Option<f64>; 2],
    work: &mut Workspace,
    a: StepArgs,
) {
    work.old.copy_from_slice(c);
    for _attempt in 0..3 {
        c.copy_from_slice(&work.old);
        theta_step(c, faces, work, &a);
        let n = c.len();
        let taken = [
            face_uptake(faces[0], work.old[0], c[0], &a),
            face_uptake(faces[1], work.old[n - 1], c[n - 1], &a),
        ];
        let mut redo = false;
        for f in 0..2 {
            if matches!(faces[f], Face::Dirichlet) && taken[f] > reservoir[f] {
                faces[f] = Face::Flux(reservoir[f] / a.dt);
                redo = true;
            }
        }
        if !redo {
            if a.k > 0.0 {
                for ((si, cn), co) in shell.iter_mut().zip(c.iter()).zip(&work.old) {
                    *si += a.dt * a.k * (a.theta * cn + (1.0 - a.theta) * co);
                }
            }
            for f in 0..2 {
                reservoir[f] -= taken[f];
                if let Face::Flux(_) = faces[f] {
                    reservoir[f] = 0.0;
                    faces[f] = Face::Closed;
                    exhausted_at[f] = Some(a.t_end);
                    tracing::debug!(face = f, t = a.t_end, "GBD coating exhausted");
                }
            }
            return;
        }
    }
    // Unreachable in practice: each redo closes a face, and there are two.
    tracing::warn!("GBD source limiting did not settle in 3 attempts");
}

/// Mass that entered through a face during the step \[kg·m⁻²\].
fn face_uptake(face: Face, c_old: f64, c_new: f64, a: &StepArgs) -> f64 {
    match face {
        Face::Dirichlet => {
            let c_avg = a.theta * c_new + (1.0 - a.theta) * c_old;
            a.dt * 2.0 * a.d * (a.c_s - c_avg) / a.h
        }
        Face::Flux(q) => q * a.dt,
        Face::Closed => 0.0,
    }
}

/// Finite-volume θ-step: h·(cⁿ⁺¹ − cⁿ)/Δt = θ·R(cⁿ⁺¹) + (1 − θ)·R(cⁿ) + sources.
fn theta_step(c: &mut [f64], faces: &[Face; 2], work: &mut Workspace, a: &StepArgs) {
    let n = c.len();
    let r = a.d * a.dt / (a.h * a.h);
    let th = a.theta;
    // Off-diagonals are all −θr (interior couplings); diagonal 1 + θ·r·(couplings).
    let lower = -th * r;
    let upper = -th * r;
    for i in 0..n {
        let mut coup = 0.0;
        let mut explicit = 0.0;
        if i > 0 {
            coup += 1.0;
            explicit += work.old[i - 1] - work.old[i];
        }
        if i + 1 < n {
            coup += 1.0;
            explicit += work.old[i + 1] - work.old[i];
        }
        let sink = a.k * a.dt;
        let mut d_i = 1.0 + th * r * coup + th * sink;
        let mut rhs = work.old[i] + (1.0 - th) * r * explicit - (1.0 - th) * sink * work.old[i];
        for (f, at_face) in [(0usize, i == 0), (1usize, i + 1 == n)] {
            if !at_face {
                continue;
            }
            match faces[f] {
                Face::Dirichlet => {
                    d_i += 2.0 * th * r;
                    rhs += 2.0 * r * a.c_s - 2.0 * (1.0 - th) * r * work.old[i];
                }
                Face::Flux(q) => rhs += q * a.dt / a.h,
                Face::Closed => {}
            }
        }
        work.diag[i] = d_i;
        work.rhs[i] = rhs;
    }
    // Thomas algorithm (the matrix is strictly diagonally dominant: stable without pivoting).
    work.cprime[0] = upper / work.diag[0];
    let mut dprime_prev = work.rhs[0] / work.diag[0];
    c[0] = dprime_prev;
    for (i, ci) in c.iter_mut().enumerate().skip(1) {
        let m = work.diag[i] - lower * work.cprime[i - 1];
        work.cprime[i] = upper / m;
        dprime_prev = (work.rhs[i] - lower * dprime_prev) / m;
        *ci = dprime_prev;
    }
    for i in (0..n - 1).rev() {
        c[i] -= work.cprime[i] * c[i + 1];
    }
}

/// Lots after GBD of a whole charge.
#[derive(Debug, Clone, PartialEq)]
pub struct GbdLots {
    /// The treated magnets (input magnets plus the absorbed heavy RE).
    pub magnets: Lot,
    /// Heavy RE lost to the furnace and fixtures.
    pub lost: Lot,
    /// Unabsorbed coating left on the surfaces (ground off later; to recycling).
    pub residual: Lot,
    /// Coating applied (the extra input of the balance) \[kg\] per element.
    pub applied: ElementVector,
}

/// Apply a GBD result computed per unit area to a lot of magnets of thickness `thickness`
/// \[m\] and density `density` \[kg·m⁻³\], coated on both large faces with `hre` (eq. S25).
/// The magnet area per face is A = m/(ρ·L); every per-area amount of `profile` is multiplied
/// by A. Element masses close exactly: magnets + coating = treated + lost + residual.
///
/// `ids` are the new lot ids (treated magnets, lost, residual).
///
/// # Errors
/// [`SinterError::Config`] for bad thickness or density; [`SinterError::Material`] from lots.
pub fn apply_to_lot(
    magnets: &Lot,
    hre: Element,
    profile: &GbdProfile,
    thickness: f64,
    density: f64,
    ids: [LotId; 3],
) -> Result<GbdLots> {
    positive("thickness [m]", thickness)?;
    positive("density [kg/m3]", density)?;
    let area = magnets.mass() / (density * thickness);
    let applied = ElementVector::unit(hre, profile.applied * area);
    let absorbed = ElementVector::unit(hre, profile.absorbed * area);
    let lost_m = ElementVector::unit(hre, profile.lost * area);
    let residual_m = ElementVector::unit(hre, profile.residual * area);
    let treated = Lot::from_element_masses(
        ids[0],
        magnets.form.clone(),
        &(magnets.element_masses() + absorbed),
    )?
    .with_parents(vec![magnets.id]);
    let lost =
        Lot::from_element_masses(ids[1], Form::Other, &lost_m)?.with_parents(vec![magnets.id]);
    let residual =
        Lot::from_element_masses(ids[2], Form::Scrap, &residual_m)?.with_parents(vec![magnets.id]);
    Ok(GbdLots {
        magnets: treated,
        lost,
        residual,
        applied,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn diffusivity_fit_reproduces_points() {
        let d = GbdDiffusivity::dy_sintered_ndfeb();
        assert_relative_eq!(d.at(1073.15), 9.8e-12, max_relative = 1e-9);
        assert_relative_eq!(d.at(1173.15), 2.4e-11, max_relative = 1e-9);
        assert!(d.activation_energy > 80e3 && d.activation_energy < 110e3);
    }
}

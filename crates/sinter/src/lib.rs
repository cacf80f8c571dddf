//! # repm-sinter: sintering, heat treatment, machining, GBD and magnet properties
//!
//! The back end of a sintered NdFeB plant: pressed compacts are sintered (liquid-phase, in
//! vacuum batch furnaces), annealed in two stages, machined into parts (the swarf goes to
//! recycling), optionally given grain-boundary diffusion (GBD) of Dy or Tb, and sold by grade.
//!
//! ## The tour
//!
//! | module | what | equations (docs/science/sinter.md) |
//! |---|---|---|
//! | [`programme`] | piecewise-linear time–temperature programmes; exact Arrhenius integrals (E₁ closed forms) | S1–S4 |
//! | [`densification`] | master sintering curve + liquid-phase rearrangement, anisotropic shrinkage, grain growth dⁿ − d₀ⁿ | S5–S9 |
//! | [`magnet`] | phases from composition, (R,R′)₂Fe₁₄B intrinsic properties, Br, Kronmüller Hcj, temperature coefficients, GBD layering | S10–S17, S26 |
//! | [`demag`] | second-quadrant curves, knee, (BH)max, working point | S16–S19 |
//! | [`grade`] | N/M/H/SH/UH/EH/AH classification against the grade table | — |
//! | [`anneal`] | empirical two-stage annealing response | S27 |
//! | [`gbd`] | Dy/Tb grain-boundary diffusion, finite-volume Crank–Nicolson, applied/absorbed/lost | S20–S25 |
//! | [`machining`] | block → parts, kerf and grinding allowance, swarf lot | S30–S32 |
//! | [`furnace`] | cycle energy; sinter/anneal/GBD batch furnaces on `repm-des` | S33–S34 |
//! | [`design`] | least-heavy-RE composition and route for a grade at a working temperature | — |
//! | [`smco`] | SmCo₅ and Sm₂Co₁₇ from datasheet data | — |
//! | [`data`] | the embedded data files (a source per record) | — |
//!
//! Each unit operation has a pure model (values in, values out, no clock, no RNG) and, for the
//! furnaces, a thin event wrapper ([`furnace::HeatTreatFurnace`]) that draws cycle-time
//! scatter and whole-charge scrap from its own `repm-des` random stream.
//!
//! ## Example: sinter, anneal, grade
//!
//! ```
//! use repm_sinter::TemperatureProgramme;
//! use repm_sinter::anneal::{AnnealResponse, TwoStageAnneal};
//! use repm_sinter::densification::{DensificationModel, GrainGrowth};
//! use repm_sinter::magnet::{CoercivityModel, MagnetComposition, Microstructure, evaluate, phase_constitution};
//!
//! let alloy = MagnetComposition::reference_prnd(); // PrNd 30 wt %, B 1.0, Co, Cu, Ga, Al, O 0.1
//! let phases = phase_constitution(&alloy)?;
//! // 5 K/min to 1060 °C, hold 4 h (temperatures in K, times in s).
//! let cycle = TemperatureProgramme::starting_at(298.15)?.ramp_to(1333.15, 5.0 / 60.0)?.hold(4.0 * 3600.0)?;
//! let sintered = DensificationModel::default().densify(0.58, phases.re_rich, &cycle)?;
//! let grain = GrainGrowth::default().grow(3e-6, &cycle)?;
//! let anneal = AnnealResponse::default().factor(&TwoStageAnneal::default(), false)?;
//! let micro = Microstructure {
//!     relative_density: sintered.relative_density,
//!     grain_size: grain,
//!     alignment: 0.96,
//!     anneal_factor: anneal,
//! };
//! let magnet = evaluate(&alloy, &micro, &CoercivityModel::default())?;
//! assert!(sintered.relative_density > 0.98);
//! assert!(magnet.max_energy_product() <= magnet.remanence.powi(2) / (4.0 * repm_sinter::demag::MU0));
//! println!("Br {:.3} T, Hcj {:.0} kA/m, grade {:?}", magnet.remanence, magnet.coercivity / 1e3,
//!          magnet.grade().map(|g| g.to_string()));
//! # Ok::<(), repm_sinter::SinterError>(())
//! ```
//!
//! ## Units, determinism, errors
//!
//! SI in `f64` everywhere (K, s, m, kg, T for polarisation and μ₀H, A·m⁻¹ for H, J·m⁻³ for
//! energy products); every public field documents its unit in brackets. The pure models are
//! deterministic functions of their inputs; the event wrapper draws only from the model's own
//! ChaCha8 stream, so a run is a pure function of (config, seed). Bad input returns a
//! [`SinterError`] naming the field and value; inputs outside a model's validity (e.g. too
//! little grain-boundary phase for the Kronmüller estimate, temperatures beyond the linear
//! coefficients) return [`SinterError::Validity`] rather than a number.
//!
//! Parameters come from `crates/sinter/data/*.json` (a source and a reliability tag per record)
//! or from config structs whose `Default` cites its source; estimates are marked **est.**
//! The science, numbered equations, validity ranges and uncertainties are in
//! `docs/science/sinter.md`.

pub mod anneal;
pub mod data;
pub mod demag;
pub mod densification;
pub mod design;
pub mod error;
pub mod furnace;
pub mod gbd;
pub mod grade;
pub mod machining;
pub mod magnet;
pub mod programme;
pub mod smco;
pub mod special;

pub use error::{Result, SinterError};
pub use programme::{ArrheniusKind, TemperatureProgramme};

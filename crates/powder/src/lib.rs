//! # repm-powder: from alloy recipe to aligned green compact
//!
//! The powder route of sintered NdFeB, and the hydrogen short loop that brings end-of-life
//! magnets back into it:
//!
//! | step | pure model | what it computes |
//! |---|---|---|
//! | alloy recipe | [`recipe::Recipe`] | element target (PrNd, Pr share, HRE, B, Co/Cu/Ga/Al/Nb/Zr), virgin additions around recycled feed, recycled fraction |
//! | strip casting | [`strip_cast::StripCaster`] | flake thickness `q/(ρv)`, cooling rate, α-Fe risk, columnar fraction, lamella spacing, melt loss |
//! | hydrogen decrepitation | [`hd::HdFurnace`] | two-stage JMAK H uptake (GB phase, matrix) with self-heating, partial degassing, H retained, product PSD; virgin flakes or EoL magnets (coating removal) |
//! | jet milling | [`jet_mill::JetMill`] | population balance (fixed pivot + exact exponential integration), classifier with recycle, throughput vs fineness, specific energy, O pickup from the gas |
//! | field pressing | [`press::FieldPress`] | green density (die / isostatic / die + CIP), alignment from the field, cycle time, lubricant C |
//! | O and C | [`oxygen::PhaseBudget`] | RE in the matrix, as RE₂O₃, as carbide, and left for the grain-boundary phase |
//!
//! [`lots`] lifts each model to `repm_material::Lot`s (genealogy, recycled fraction, forms
//! with PSD, thickness, density and alignment). [`events`] wraps them as `repm-des` models
//! (strip-caster heats with failures, batch HD furnace, continuous jet mill, press) exchanging
//! lots through ports. Every model conserves every element; gases (H₂ in HD, the O₂ of the
//! milling gas) are explicit inputs and outputs.
//!
//! Configs use the unit newtypes of `repm_material::units` for dimensional fields, so a config
//! file may say `"500 degC"`, `"3.5 um"`, `"1 bar"`, `"10 kg"` or give the SI number.
//!
//! ## Example: one heat from recipe to compacts
//!
//! ```
//! use repm_powder::{hd::{HdConfig, HdFeed, HdFurnace}, jet_mill::{JetMill, JetMillConfig},
//!     press::{FieldPress, PressConfig}, recipe::Recipe, strip_cast::{StripCaster, StripCasterConfig}};
//! use repm_material::Element;
//!
//! let melt = Recipe::default().charge(1000.0, &[])?.total;               // [kg] per element
//! let cast = StripCaster::new(StripCasterConfig::default())?.cast(&melt)?;
//! assert!(cast.quality.thickness < 0.5e-3);                               // no α-Fe
//! let hd = HdFurnace::new(HdConfig::default())?;
//! let feed = HdFeed::Flakes(cast.flakes);
//! let hd_out = hd.run(&feed, 1.2 * hd.h2_demand(&feed))?;                // H₂ is an input
//! let mill = JetMill::new(JetMillConfig::default())?;
//! let milled = mill.mill_lot(&hd_out.powder, &hd_out.psd)?;
//! let d50 = milled.steady.product_psd.d50();
//! assert!(d50 > 2e-6 && d50 < 6e-6);                                      // 2–6 µm
//! let green = FieldPress::new(PressConfig::default())?.press(&milled.product)?;
//! let o_ppm = 1e6 * green.compacts[Element::O] / green.compacts.sum();
//! assert!(o_ppm > 500.0 && o_ppm < 3000.0);
//! # Ok::<(), repm_powder::PowderError>(())
//! ```
//!
//! ## Numerics
//!
//! The population balance ([`pbm`]) uses the fixed-pivot discretisation of Kumar & Ramkrishna
//! (1996), which conserves mass and particle number exactly for any grid, and integrates the
//! resulting linear, stiff, triangular system with the exact matrix exponential (Al-Mohy &
//! Higham scaling and squaring, via `nalgebra`), so time-integration error is at round-off
//! whatever the spread of selection rates. It reproduces the Ziff–McGrady analytic moments to
//! ~1e-14 (tests/ziff_mcgrady.rs). The HD kinetics integrate a 3-state ODE with fixed-step RK4.
//!
//! ## Units and determinism
//!
//! SI in every `f64` (m, kg, s, K, Pa, J, mol); each field documents its unit in brackets.
//! Pure models take no clock and no RNG; the same input gives bit-identical output. Configs are
//! serde structs with `deny_unknown_fields`, documented defaults (sources in
//! `docs/science/powder.md` and `/work/shared/reference/process-data.md` §1–5, §10–11), and
//! `validate()`; bad input is an [`PowderError`], never a panic.
//!
//! Science reference: `docs/science/powder.md` (equations P-1 … P-33).

pub mod error;
pub mod events;
pub mod gas;
pub mod hd;
pub mod jet_mill;
pub mod lots;
pub mod oxygen;
pub mod pbm;
pub mod press;
pub mod psd;
pub mod recipe;
pub mod strip_cast;

pub use error::PowderError;

//! # repm-reduction — metal making
//!
//! Separated rare-earth oxides become metal before alloying. This crate models the routes;
//! the equations, assumptions, validity ranges and sources are in `docs/science/reduction.md`
//! in the repository (equation numbers F1–F3, C1–C9, R1–R6, L1–L4, E1–E11 below refer to it).
//!
//! * [`fluorination`] — oxide + HF gas → fluoride, or precipitation from chloride solution (F).
//! * [`calciothermic`] — 2 REF₃ + 3 Ca = 2 RE + 3 CaF₂ in a Ta crucible: equilibrium conversion
//!   from the data set's ΔrG° with ideal slag and metal solutions, I₂ booster and CaCl₂ flux,
//!   Ca/O/Ta pickup, adiabatic temperature and furnace heat to the tapping temperature, and
//!   vacuum remelting (C).
//! * [`rd`] — reduction–diffusion to SmCo₅ / Sm₂Co₁₇-type powder with CaO leaching, its heat and
//!   hydrogen (R).
//! * [`lanthanothermic`] — RE₂O₃ + 2 La → La₂O₃ + 2 RE(g) under vacuum: equilibrium vapour
//!   pressure, Hertz–Knudsen distillation, condenser yield (L).
//! * [`electrolysis`] — a molten-salt cell: Faraday's law, CE(T, j), cell voltage, kWh/kg, anode
//!   carbon and CO/CO₂, anode effects (CF₄, C₂F₆) when the dissolved oxide leaves its window (E).
//! * [`events`] — `repm-des` models: a calciothermic furnace running batch campaigns
//!   (charge, heat, react, hold, cool, discharge with random durations and yields) and an
//!   electrolysis cell with feeding, tapping and anode-effect events.
//!
//! Every model closes every element balance (tests to 1e-9 relative, via [`Ledger`] and
//! `repm_material::balance::ElementBalance`) and reports its energy balance; every parameter
//! comes from a config struct with units and documented defaults (estimates marked
//! **(est.)**); bad input is a [`ReductionError`] naming the field and the value.
//!
//! ```
//! use repm_reduction::calciothermic::{CalciothermicConfig, SaltCharge, reduce};
//! use repm_reduction::electrolysis::{Cell, CellConfig};
//!
//! // One calciothermic batch of 50 kg TbF3 with 20 % excess calcium.
//! let cfg = CalciothermicConfig {
//!     fluoride: vec![SaltCharge { formula: "TbF3".into(), mass: 50.0 }],
//!     ca_excess: 0.2,
//!     ..CalciothermicConfig::default()
//! };
//! let batch = reduce(&cfg)?;
//! assert!(batch.equilibrium.reactions[0].conversion > 0.999);
//! assert!(batch.heat_to_tap > 0.0); // the charge does not self-melt: the furnace heats it
//!
//! // A 6 kA NdPr cell for one hour after a 10 kg oxide feed.
//! let mut cell = Cell::new(CellConfig::default())?;
//! cell.feed(10.0)?;
//! cell.advance(3600.0)?;
//! let report = cell.report()?;
//! assert!(report.metal > 8.0 && report.metal < 9.0); // ≈ 8.6 kg NdPr per hour
//! # Ok::<(), repm_reduction::ReductionError>(())
//! ```
//!
//! ## Units and determinism
//! SI in `f64` (mol, K, J, W, A, V, s); config fields accept unit strings where `repm-material`
//! has a unit newtype (`"1500 degC"`, `"50 kg"`, `"4.5 h"`). Pure models take no random
//! numbers; the event wrappers draw durations and yield variations from their own named
//! `repm-des` stream, so one seed gives one result, bit for bit.

pub mod calciothermic;
pub mod data;
pub mod electrolysis;
pub mod error;
pub mod events;
pub mod fluorination;
pub mod lanthanothermic;
pub mod ledger;
pub mod rd;

pub use error::{ReductionError, Result};
pub use ledger::Ledger;

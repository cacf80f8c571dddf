//! # repm-reduction — metal making
//!
//! Separated rare-earth oxides become metal before alloying. This crate models the routes
//! (science page: `docs/science/reduction.md` in the repository):
//!
//! * [`electrolysis`] — molten-salt electrolysis of oxide in a REF₃–LiF bath (NdPr at scale):
//!   Faraday's law, current efficiency CE(T, j), cell voltage as reversible potential +
//!   overvoltage + ohmic drop, kWh/kg, anode carbon and CO/CO₂, anode effects (CF₄, C₂F₆) when
//!   the dissolved oxide leaves its window, feeding policies;
//!
//! Every model closes every element balance (tests to 1e-9 relative) and reports its energy
//! balance; every parameter comes from a config struct with units and documented defaults
//! (estimates are marked **(est.)**); bad input is a [`ReductionError`] naming the field.
//!
//! ## Units and determinism
//! SI in `f64` (mol, K, J, W, A, V, s); configs accept unit strings where a unit newtype
//! exists (`"1040 degC"`). Pure models take no random numbers; the event wrappers draw
//! durations and yields from their own named `repm-des` stream, so one seed gives one result.

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

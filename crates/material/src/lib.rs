//! # repm-material: elements, formulas, units and material lots
//!
//! Every process crate of repm exchanges material through this crate. The tour:
//!
//! - [`Element`]: the 52 elements repm knows (all 17 rare earths and what the plants use), with
//!   IUPAC 2021 standard atomic weights from `data/atomic_weights.csv`; a dense index so that
//!   compositions are fixed-size [`ElementVector`]s.
//! - [`Formula`]: a chemical formula parser (`"Nd2Fe14B"`, `"CaCl2·2H2O"`, `"PrO1.833"`,
//!   `"Nd[3+](aq)"`), molar mass, element counts, canonical display that parses back.
//!
//! ```
//! use repm_material::{Element, Formula};
//! let magnet = Formula::parse("Nd2Fe14B")?;
//! assert_eq!(magnet.counts()[Element::Nd], 2.0);
//! println!("M(Nd2Fe14B) = {} kg/mol", magnet.molar_mass());
//! # Ok::<(), repm_material::MaterialError>(())
//! ```
//!
//! The science behind the data and conventions is in `docs/science/material.md`.

pub mod balance;
pub mod element;
pub mod error;
pub mod form;
pub mod formula;
pub mod lot;
pub mod reaction;
pub mod stream;
pub mod thermo;
pub mod units;
pub mod vector;

pub use balance::{BalanceReport, ElementBalance};
pub use element::{AtomicWeightKind, AtomicWeightRecord, Element, N_ELEMENTS};
pub use error::MaterialError;
pub use form::{Form, ParticleSizeDistribution};
pub use formula::{Formula, Phase};
pub use lot::{Lot, LotId, LotIdSource};
pub use reaction::Reaction;
pub use stream::Stream;
pub use vector::ElementVector;

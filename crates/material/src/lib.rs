//! # repm-material: elements, formulas, reactions, units, material lots and thermochemistry
//!
//! Every process crate of repm exchanges material through this crate: a unit operation takes
//! [`Lot`]s (or [`Stream`]s) in and gives lots out, and its conservation test is an
//! [`ElementBalance`]. The tour, bottom up:
//!
//! - [`Element`]: the 52 elements repm knows (all 17 rare earths and what the plants use), a
//!   `Copy` enum with a dense index, so compositions are fixed-size [`ElementVector`]s. Molar
//!   masses are the IUPAC 2021 standard atomic weights from `data/atomic_weights.csv` (a source
//!   per record, embedded at compile time).
//! - [`Formula`]: a chemical-formula parser (`"Nd2Fe14B"`, `"CaCl2·2H2O"`, `"PrO1.833"`,
//!   `"(C16H35O4P)2"`, `"Nd[3+](aq)"`) giving element counts, molar mass, charge and phase, with
//!   errors that point at the offending character, and a canonical display that parses back.
//! - [`Reaction`]: `"2 NdF3 + 3 Ca = 2 Nd + 3 CaF2"`, element and charge balance checked, or the
//!   coefficients found when they are unique.
//! - [`Lot`], [`Form`], [`ParticleSizeDistribution`], [`Stream`]: material with its form
//!   (solution, organic phase, oxide, flake, powder with PSD, green compact, sintered magnet, ...)
//!   and traceability (id, parents, recycled fraction). Mixing and splitting conserve every
//!   element to 1e-12 relative.
//! - [`balance::ElementBalance`]: in = out + accumulation per element, with a report naming the
//!   worst element.
//! - [`units`]: SI newtypes (`Temperature`, `MassFlow`, `Concentration`, ...) parsed from
//!   `"850 degC"`, `"12 kg/h"`, `"0.3 mm"` for configs and public APIs.
//! - [`thermo`]: named thermochemistry data sets, species H/S/G/Cp(T), reaction properties,
//!   Ellingham lines and adiabatic temperatures.
//!
//! ```
//! use repm_material::balance::ElementBalance;
//! use repm_material::units::{MassFlow, Temperature};
//! use repm_material::{Element, Form, Formula, Lot, LotId, Reaction};
//!
//! // A formula and its molar mass [kg/mol]
//! let magnet = Formula::parse("Nd2Fe14B")?;
//! assert_eq!(magnet.counts()[Element::Fe], 14.0);
//! assert!((magnet.molar_mass() - 1.081124).abs() < 1e-12);
//!
//! // A reaction balanced automatically
//! let r = Reaction::parse("NdF3 + Ca = Nd + CaF2")?;
//! assert_eq!(r.to_string(), "2 NdF3 + 3 Ca = 2 Nd + 3 CaF2");
//!
//! // Two lots of fluoride (amounts in mol), mixed, then split
//! let a = Lot::from_formulas(LotId(1), Form::Salt, &[("NdF3", 10.0), ("PrF3", 2.5)])?;
//! let b = Lot::from_formulas(LotId(2), Form::Salt, &[("NdF3", 4.0)])?.with_recycled_fraction(1.0)?;
//! let mix = Lot::mix([&a, &b], LotId(3))?;
//! assert_eq!(mix.parents, vec![LotId(1), LotId(2)]);
//! let (left, right) = mix.split(0.4)?;
//!
//! // Every element is conserved (basis: amounts [mol])
//! ElementBalance::new()
//!     .input_lot(&a)
//!     .input_lot(&b)
//!     .output_lot(&left)
//!     .output_lot(&right)
//!     .check(1e-12)?;
//!
//! // Units at the boundary: strings with units in, SI inside
//! let t: Temperature = "850 degC".parse()?;
//! assert_eq!(t.si(), 1123.15);
//! let feed: MassFlow = "12 kg/h".parse()?;
//! assert_eq!(feed.to_string(), "0.0033333333333333335 kg/s");
//! # Ok::<(), repm_material::MaterialError>(())
//! ```
//!
//! ## Units and determinism contract
//!
//! - Inside the numerics everything is SI in `f64`, amounts in mol (not kmol); every public field
//!   and argument documents its unit in brackets, e.g. `[mol·m⁻³]`. The newtypes of [`units`]
//!   are used at API and configuration boundaries; their text form is `"<number> <unit>"` and
//!   they serialise canonically in SI.
//! - No hash-map iteration affects a result: species maps are `BTreeMap`s keyed by the canonical
//!   formula text, element vectors are index-addressed arrays. No randomness in this crate. The
//!   same inputs give bit-identical outputs.
//! - Bad input (negative or NaN amounts, unknown elements, wrong units, unbalanced reactions)
//!   is a [`MaterialError`], never a panic or a silently wrong value.
//!
//! The science (atomic-weight conventions, formula grammar, balancing, PSD equations, units,
//! thermochemistry equations and data sources) is in `docs/science/material.md` at the root of
//! the repository.

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
pub use lot::{LOT_PORT_KIND, Lot, LotId, LotIdSource};
pub use reaction::Reaction;
pub use stream::Stream;
pub use vector::ElementVector;

//! Thermochemistry: species data in several forms, named data sets, reaction functions,
//! Ellingham lines and the energy balance of a reacting charge.
//!
//! Science, equations (T1–T12) and sources: `docs/science/material.md`, section
//! "Thermochemistry". Units: J, mol, K throughout; standard pressure 1 bar.
//!
//! ```
//! use repm_material::thermo::{DataSetName, ThermoSet, reaction_props};
//! let set = ThermoSet::new(DataSetName::FreedDerived)?;
//! let nd_f3 = set.species("NdF3")?;
//! let h = nd_f3.h(1000.0); // [J/mol], formation scale
//! assert!(h < -1.5e6);
//! // 2 NdF3 + 3 Ca = 2 Nd + 3 CaF2 (products positive)
//! let r = reaction_props(&set, &[(-2.0, "NdF3"), (-3.0, "Ca"), (2.0, "Nd"), (3.0, "CaF2")], 1500.0)?;
//! assert!(r.dg < 0.0);
//! println!("{}", set.choice("NdF3")?.source); // FREED-derived
//! # Ok::<(), repm_material::MaterialError>(())
//! ```

mod db;
mod energy;
mod poly;
mod reaction;
mod records;
mod species;
mod validate;

pub use db::{DataSetName, Provenance, Source, SourceChoice, ThermoConfig, ThermoDb, ThermoSet};
pub use energy::{
    AdiabaticOptions, AdiabaticResult, ChargeItem, InputConvention, Plateau, SolveStatus,
    adiabatic_temperature, charge_from_lot, complete_reaction_products, heat_to_temperature,
    lot_enthalpy, mixture_enthalpy,
};
pub use poly::Magnetic;
pub use reaction::{
    P_STANDARD, ReactionProps, ReactionThermo, ellingham, reaction_props, vapour_pressure,
};
pub use records::FitInfo;
pub use species::{PhaseThermo, Props, SpeciesThermo, State, Transition};

/// Molar gas constant R [J·mol⁻¹·K⁻¹] (CODATA 2018, exact).
pub const R: f64 = 8.314_462_618;

/// Reference temperature 298.15 K \[K\].
pub const T_REF: f64 = records::T_REF;

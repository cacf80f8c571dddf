//! # repm-sx — solvent-extraction cascades
//!
//! Rare-earth separation plants split La…Lu in counter-current mixer-settler cascades: an
//! aqueous liquor flows one way, an organic extractant (P507/PC88A, D2EHPA, Cyanex 272 in
//! kerosene, often partly saponified) the other, through extraction, scrub and strip sections.
//! This crate models such cascades at steady state, designs them, and follows them in time.
//!
//! ## Guided tour
//! - [`component`]: the extractable ions, with charge z and extractant stoichiometry n.
//! - [`equilibrium`]: the [`Equilibrium`] trait (D and its log-derivatives from the stage
//!   state) and its models — constant D, constant separation factors (fixed D_ref or a
//!   saturated organic), per-component cation-exchange mass action, empirical log₁₀ D
//!   polynomials and constant-D impurities — configured per section by [`EquilibriumSpec`].
//! - [`topology`]: sections, feeds in either phase at any stage, side draws, recycles
//!   (product reflux, organic recycle from strip to extraction), HSO₄⁻ speciation, an optional
//!   organic-phase Murphree efficiency per section (`SectionSpec::murphree_efficiency`);
//!   [`CascadeSpec::validate`] turns a serde config into a solvable [`Cascade`].
//! - [`solvers`]: three [`SteadySolver`]s — [`KremserExact`] (direct linear solve for
//!   constant D), [`SuccessiveSubstitution`] (per-component Thomas solves, damped D update),
//!   [`Newton`] (block-tridiagonal Naphtali–Sandholm Newton with analytic Jacobian and line
//!   search). Each returns a [`Solution`]: status (non-convergence is data), iterations,
//!   residual, wall time, stage profiles, purities and recoveries, balances, reagent use.
//! - [`blocktri`]: the hand-written block-Thomas LU at the heart of Newton.
//! - [`cases`]: the benchmark cases (a), (b), (c) shared by benches, examples, tests and the
//!   SciPy peer.
//! - [`data`]: separation factors and extractant properties with source and confidence.
//! - [`design`]: Kremser (stages ↔ recovery at constant D, exact at E = 1), Fenske minimum
//!   stages, Xu Guangxian's two-outlet theory (purification factors, optimum extraction ratios,
//!   controlling section, stage numbers) and `design::search`, the least-cost integer stages and
//!   flows on the rigorous model (Xu's formulas are typically a few stages optimistic).
//! - [`dynamics`]: holdup cascades integrated by variable-step BDF2 on the block-tridiagonal
//!   Newton with exact conservation, purity state events, and `dynamics::des_model`, the
//!   cascade as a `repm-des` model (feed/flow changes, total reflux, outages as events).
//!
//! ## Example: a Pr/Nd fractional extraction at constant β
//! ```
//! use repm_sx::{cases, KremserExact, Newton, SteadySolver, SuccessiveSubstitution};
//!
//! let cascade = cases::bench_case_a().validate()?;
//! let sol = Newton::default().solve(&cascade);
//! assert!(sol.status.is_converged());
//! assert!(sol.max_balance_error() < 1e-10);
//! let nd = cascade.component_index("Nd").unwrap();
//! let organic = sol.product("loaded_organic").unwrap();
//! println!("Nd purity in the loaded organic: {:.4}", organic.purity[nd]);
//! // the substitution solver reaches the same profile
//! let sub = SuccessiveSubstitution::default().solve(&cascade);
//! assert!((sub.products[1].purity[nd] - organic.purity[nd]).abs() < 1e-8);
//! // Kremser-exact applies to constant-D models only, and says so
//! assert!(!KremserExact.solve(&cascade).status.is_converged());
//! # Ok::<(), repm_sx::SxError>(())
//! ```
//!
//! ## Units and determinism
//! SI inside: concentrations [mol·m⁻³], flows [m³·s⁻¹], molar flows [mol·s⁻¹]. Mass-action
//! constants and correlations use the literature's molar basis [mol·L⁻¹], converted inside.
//! Solvers are deterministic functions of the cascade (no RNG, no hash-map iteration); only the
//! reported wall time varies.
//!
//! Science reference: `docs/science/sx.md` (equations numbered there are cited in the rustdoc).

// Index loops are the clearest way to write the stage-by-stage numerics.
#![allow(clippy::needless_range_loop)]

pub mod blocktri;
pub mod cases;
pub mod component;
pub mod data;
pub mod design;
pub mod dynamics;
pub mod equilibrium;
mod error;
pub mod flowsheet;
mod linear;
pub mod solution;
pub mod solvers;
mod system;
pub mod topology;

pub use component::{Component, ComponentSpec};
pub use equilibrium::{
    ComponentLaw, CorrelationTerm, Equilibrium, EquilibriumSpec, SeparationBasis, StageState,
};
pub use error::SxError;
pub use solution::{
    ComponentBalance, ProductReport, ReagentReport, Solution, SolveStatus, StageProfiles,
    SteadySolver,
};
pub use solvers::{KremserExact, Newton, SuccessiveSubstitution};
pub use topology::{
    Cascade, CascadeSpec, DrawSpec, FeedSpec, OutletRef, Phase, RecycleSpec, Saponification,
    SectionKind, SectionSpec,
};

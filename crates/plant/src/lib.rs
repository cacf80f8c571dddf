//! # repm-plant — whole plants on the repm-des clock
//!
//! A plant is a chain of process steps described in a TOML file ([`PlantConfig`]): equipment
//! counts, batch sizes or rates, cycle-time distributions, yields, breakdowns (MTBF/MTTR),
//! working calendars, finite buffers, the alloy, the clean-scrap short loop (HD back into the
//! jet-mill feed), prices, emission factors and the QC target grade. [`run_replication`]
//! simulates it: lots ([`repm_material::Lot`], with element masses, recycled fraction and
//! genealogy) flow step to step; each step has N parallel [`repm_des::failure::Machine`]s;
//! scrap and swarf leave as lots. Every run ends with the KPIs ([`RunResult`]) and an element
//! balance (inputs = products + scrap + losses + inventory) that must close to 1e-9 or the run
//! fails with [`PlantError::Balance`]. [`run_replications`] runs N replications in parallel
//! (rayon) with Student-t confidence intervals, bit-identical on any thread count, and
//! [`compare`] gives paired (common-random-number) intervals of scenario − base. [`run_shard`]
//! and [`merge_shards`] split the replications over independent processes (module [`sweep`]).
//!
//! ```
//! use repm_plant::{PlantConfig, run_replication};
//! let mut plant = PlantConfig::reference()?;          // examples/plants/ndfeb-2000tpa.toml
//! plant.horizon = 30.0 * 86_400.0;                    // one month [s]
//! let r = run_replication(&plant, 0)?;
//! assert!(r.balance.max_relative_error <= 1e-9);
//! assert!(r.throughput_t_per_y > 0.0);
//! # Ok::<(), repm_plant::PlantError>(())
//! ```
//!
//! ## Determinism and units
//! A run is a pure function of (config, seed, replication): every random draw comes from a
//! named repm-des stream (`"<step>#<unit>.failures"`, `"<step>.process"`, `"quality"`). SI
//! inside; config values carry units as strings. KPI units are in the field docs.
//!
//! The user guide with the config reference and KPI definitions is `docs/guide.md`.

pub mod config;
pub mod error;
mod line;
pub mod models;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod sweep;

pub use config::{PlantConfig, REFERENCE_PLANT_TOML, SCHEMA_VERSION, parse_time_span};
pub use error::PlantError;
pub use run::{
    BALANCE_TOLERANCE, BalanceSummary, Experiment, PropertyStats, RunResult, StepKpi, SummaryRow,
    compare, experiment_from_runs, run_replication, run_replications,
    run_replications_with_progress, summary_rows,
};
pub use sensitivity::{
    ParamRange, SensitivityResult, SensitivitySpec, apply_overrides, run_sensitivity,
    run_sensitivity_with_base,
};
pub use sweep::{
    ShardFile, ShardManifest, config_hash, merge_shards, run_shard, shard_replications,
};

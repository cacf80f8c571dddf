//! Sintering, annealing, machining, grain-boundary diffusion and magnet properties (under construction).

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

//! Powder preparation for sintered NdFeB (under construction).
pub mod error;
pub mod pbm;
pub mod psd;

pub use error::PowderError;

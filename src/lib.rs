//! Example programs and benchmarks of repm live in `examples/` and `benches/`; this library
//! holds what they share.

pub mod workloads;

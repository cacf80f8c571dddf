//! Example programs and benchmarks of repm live in `examples/` and `benches/`.

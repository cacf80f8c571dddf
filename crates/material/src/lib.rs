//! Materials, units and thermochemistry for repm (under construction).

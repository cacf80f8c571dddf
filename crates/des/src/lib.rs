//! Discrete-event simulation core of repm (under construction).

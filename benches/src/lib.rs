//! keyrack-benches (being built).

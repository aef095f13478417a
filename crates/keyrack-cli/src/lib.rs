//! keyrack-cli (being built).

//! keyrack-node (being built).

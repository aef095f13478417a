//! keyrack-c (being built).

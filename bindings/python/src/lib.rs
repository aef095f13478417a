//! keyrack-python (being built).

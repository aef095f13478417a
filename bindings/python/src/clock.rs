//! `keyrack.ManualClock`: the test clock a store can be opened with.

use keyrack::Clock;
use pyo3::prelude::*;

use crate::convert;

/// A clock for tests: it starts at `start` and moves only when told to.
/// Pass it as `Store(path, clock=...)`.
#[pyclass(module = "keyrack", frozen)]
pub struct ManualClock(pub Clock);

#[pymethods]
impl ManualClock {
    #[new]
    fn new(start: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(ManualClock(Clock::manual(convert::system_time(
            "start", start,
        )?)))
    }
    /// Moves the clock forward.
    fn advance(&self, by: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.advance(convert::duration("by", by)?);
        Ok(())
    }
    /// Sets the clock.
    fn set(&self, to: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.set(convert::system_time("to", to)?);
        Ok(())
    }
    /// The clock's time.
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::datetime(py, self.0.now())
    }
    fn __repr__(&self) -> String {
        format!("ManualClock(ms={})", self.0.now_millis())
    }
}

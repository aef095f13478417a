//! Conversions between Python values and the core's types. Times are
//! timezone-aware `datetime`s (UTC on the way out) and `timedelta`s; no
//! number of seconds is ever guessed from a bare `int`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyBytes, PyDateTime, PyDelta, PyDeltaAccess, PyInt, PyMapping, PyString, PyTzInfo,
};

use crate::clock::ManualClock;
use crate::error::{IntoPy, invalid};
use crate::record::{RateLimit, Refill};

static EPOCH: PyOnceLock<Py<PyDateTime>> = PyOnceLock::new();

const MS_PER_DAY: i64 = 86_400_000;

/// 1970-01-01T00:00:00+00:00.
fn epoch(py: Python<'_>) -> PyResult<&Bound<'_, PyDateTime>> {
    EPOCH
        .get_or_try_init(py, || {
            let utc = PyTzInfo::utc(py)?.to_owned();
            PyDateTime::new(py, 1970, 1, 1, 0, 0, 0, 0, Some(&utc)).map(Bound::unbind)
        })
        .map(|e| e.bind(py))
}

/// A core time as an aware UTC `datetime` (millisecond precision, like the store).
pub fn datetime<'py>(py: Python<'py>, t: SystemTime) -> PyResult<Bound<'py, PyAny>> {
    let ms = keyrack::to_millis(t);
    let days = i32::try_from(ms.div_euclid(MS_PER_DAY))
        .map_err(|_| invalid(py, "time", "out of datetime's range"))?;
    let rest = ms.rem_euclid(MS_PER_DAY);
    let delta = PyDelta::new(
        py,
        days,
        (rest / 1000) as i32,
        ((rest % 1000) * 1000) as i32,
        true,
    )?;
    epoch(py)?.add(delta)
}

/// An optional core time.
pub fn opt_datetime<'py>(
    py: Python<'py>,
    t: Option<SystemTime>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    t.map(|t| datetime(py, t)).transpose()
}

/// An aware `datetime` as a core time; a naive one is refused (it would
/// silently mean the machine's local time).
pub fn system_time(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<SystemTime> {
    let py = obj.py();
    let dt = obj.cast::<PyDateTime>().map_err(|_| {
        PyTypeError::new_err(format!(
            "`{field}` must be a timezone-aware datetime.datetime, not {}",
            type_name(obj)
        ))
    })?;
    if dt.call_method0("utcoffset")?.is_none() {
        return Err(invalid(
            py,
            field,
            "a naive datetime is ambiguous; pass a timezone-aware one (e.g. tzinfo=timezone.utc)",
        ));
    }
    let delta = dt.as_any().sub(epoch(py)?)?;
    let delta = delta.cast::<PyDelta>()?;
    let ms = i64::from(delta.get_days()) * MS_PER_DAY
        + i64::from(delta.get_seconds()) * 1000
        + i64::from(delta.get_microseconds()) / 1000;
    Ok(keyrack::from_millis(ms))
}

/// A non-negative `timedelta` as a core duration.
pub fn duration(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<Duration> {
    let delta = obj.cast::<PyDelta>().map_err(|_| {
        PyTypeError::new_err(format!(
            "`{field}` must be a datetime.timedelta, not {}",
            type_name(obj)
        ))
    })?;
    let days = delta.get_days();
    if days < 0 {
        return Err(invalid(obj.py(), field, "must not be negative"));
    }
    let secs = days as u64 * 86_400 + delta.get_seconds() as u64;
    Ok(Duration::new(secs, delta.get_microseconds() as u32 * 1000))
}

/// A core duration as a `timedelta`.
pub fn timedelta<'py>(py: Python<'py>, d: Duration) -> PyResult<Bound<'py, PyAny>> {
    d.into_pyobject(py).map(Bound::into_any)
}

/// A whole number 0..2**64 (not a bool, not a float).
pub fn u64_arg(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<u64> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be an int, not {}",
            type_name(obj)
        )));
    }
    obj.extract::<u64>()
        .map_err(|_| invalid(obj.py(), field, "must be between 0 and 2**64 - 1"))
}

/// A `str` (lone surrogates are refused as an `InvalidArgument`, not a crash).
pub fn string(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!("`{field}` must be a str, not {}", type_name(obj)))
    })?;
    s.to_str()
        .map(str::to_owned)
        .map_err(|_| invalid(obj.py(), field, "is not valid Unicode (lone surrogate)"))
}

/// An iterable of `str` (a bare `str` is refused: it would be its characters).
pub fn strings(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be an iterable of str (a list or set), not a single str"
        )));
    }
    let iter = obj.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "`{field}` must be an iterable of str, not {}",
            type_name(obj)
        ))
    })?;
    iter.map(|item| string(field, &item?)).collect()
}

/// A set of `str`.
pub fn string_set(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<BTreeSet<String>> {
    strings(field, obj).map(|v| v.into_iter().collect())
}

/// A mapping of `str` to `str`.
pub fn string_map(
    field: &'static str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<BTreeMap<String, String>> {
    let map = obj.cast::<PyMapping>().map_err(|_| {
        PyTypeError::new_err(format!(
            "`{field}` must be a mapping of str to str, not {}",
            type_name(obj)
        ))
    })?;
    let mut out = BTreeMap::new();
    for item in map.items()?.iter() {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        out.insert(string(field, &k)?, string(field, &v)?);
    }
    Ok(out)
}

/// The type's name, for messages (never the value: it may be a secret).
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an object".to_owned())
}

/// A `str` or `os.PathLike`.
pub fn path(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<std::path::PathBuf> {
    obj.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "`{field}` must be a str or os.PathLike, not {}",
            type_name(obj)
        ))
    })
}

/// A `bool` (not a truthy object).
pub fn bool_arg(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.extract::<bool>().map_err(|_| {
        PyTypeError::new_err(format!("`{field}` must be a bool, not {}", type_name(obj)))
    })
}

/// A whole number, saturated to `usize` (a count or a page size).
pub fn usize_arg(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    u64_arg(field, obj).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// A `str` read by the core's `FromStr` (a status, an audit kind): the core
/// names what it accepts.
pub fn parsed<T>(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<T>
where
    T: std::str::FromStr<Err = keyrack::Error>,
{
    string(field, obj)?.parse::<T>().py(obj.py())
}

/// 32 `bytes`, checked by the core.
pub fn pepper(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<keyrack::Pepper> {
    let bytes = obj.cast::<PyBytes>().map_err(|_| {
        PyTypeError::new_err(format!(
            "`{field}` must be 32 bytes, not {}",
            type_name(obj)
        ))
    })?;
    keyrack::Pepper::from_slice(bytes.as_bytes()).py(obj.py())
}

/// One of the binding's classes, or a `TypeError` naming it.
fn class<'a, 'py, T: pyo3::PyClass>(
    field: &'static str,
    obj: &'a Bound<'py, PyAny>,
    name: &str,
) -> PyResult<&'a Bound<'py, T>> {
    obj.cast::<T>().map_err(|_| {
        PyTypeError::new_err(format!(
            "`{field}` must be a keyrack.{name}, not {}",
            type_name(obj)
        ))
    })
}

/// A `keyrack.ManualClock`.
pub fn clock(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<keyrack::Clock> {
    class::<ManualClock>(field, obj, "ManualClock").map(|c| c.get().0.clone())
}

/// A `keyrack.RateLimit`.
pub fn rate_limit(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<keyrack::RateLimit> {
    class::<RateLimit>(field, obj, "RateLimit").map(|r| r.get().0)
}

/// A `keyrack.Refill`.
pub fn refill(field: &'static str, obj: &Bound<'_, PyAny>) -> PyResult<keyrack::Refill> {
    class::<Refill>(field, obj, "Refill").map(|r| r.get().0)
}

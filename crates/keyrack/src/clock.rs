//! Time: a [`Clock`] the store reads, which tests can advance by hand.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where a store reads "now". [`Clock::system`] in production;
/// [`Clock::manual`] in tests, which moves only when told to.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let clock = keyrack::Clock::manual(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now_millis(), 1_700_000_060_000);
/// ```
#[derive(Clone, Default)]
pub struct Clock {
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The operating system's wall clock.
    pub fn system() -> Self {
        Clock { manual: None }
    }

    /// A clock that starts at `start` and moves only by [`advance`](Clock::advance)
    /// or [`set`](Clock::set). Clones share the same time.
    pub fn manual(start: SystemTime) -> Self {
        Clock {
            manual: Some(Arc::new(AtomicI64::new(to_millis(start)))),
        }
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: Duration) {
        if let Some(m) = &self.manual {
            m.fetch_add(duration_millis(by), Ordering::SeqCst);
        }
    }

    /// Sets a manual clock (no effect on the system clock).
    pub fn set(&self, to: SystemTime) {
        if let Some(m) = &self.manual {
            m.store(to_millis(to), Ordering::SeqCst);
        }
    }

    /// Whether this is a manual clock.
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// Now, in milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> i64 {
        match &self.manual {
            Some(m) => m.load(Ordering::SeqCst),
            None => to_millis(SystemTime::now()),
        }
    }

    /// Now.
    pub fn now(&self) -> SystemTime {
        from_millis(self.now_millis())
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.manual {
            Some(m) => write!(f, "Clock::manual({} ms)", m.load(Ordering::SeqCst)),
            None => f.write_str("Clock::system"),
        }
    }
}

/// Milliseconds since the Unix epoch (negative before it).
pub fn to_millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// The time `ms` milliseconds after the Unix epoch.
pub fn from_millis(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn duration_millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

//! Detects use of a store handle in a process forked after it was opened.

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

static GENERATION: AtomicU64 = AtomicU64::new(0);
static INSTALL: Once = Once::new();

#[cfg(unix)]
extern "C" fn in_child() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// Registers the fork handler once per process.
pub(crate) fn install() {
    INSTALL.call_once(|| {
        #[cfg(unix)]
        // SAFETY: registering a handler that only touches an atomic is
        // async-signal-safe, which is all a child handler may do.
        unsafe {
            libc::pthread_atfork(None, None, Some(in_child));
        }
    });
}

/// Bumped in every child right after `fork()`.
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

//! In-memory state of an open store, in three rooms: the verify [`cache`]
//! (keyed hash → entry), the [`counters`] waiting to be flushed (uses,
//! denials, credits, pools and rate-limit windows), and the [`known`] set of
//! stored secret fingerprints that answers unknown keys without the file.

use std::hash::{BuildHasherDefault, Hasher};

mod cache;
mod counters;
mod known;

pub(crate) use cache::{Cache, Cached};
pub(crate) use counters::{Credits, Live, NEVER, PoolState, Spend, Usage};
pub(crate) use known::Known;

/// The map key hashes are already uniform blake3 output: use 8 of their bytes.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8).take(1) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(b);
        }
    }
}

/// A map keyed by something already uniform (a hash or its fingerprint).
pub(crate) type PassThroughMap<K, V> =
    std::collections::HashMap<K, V, BuildHasherDefault<PassThrough>>;

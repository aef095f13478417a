//! The generator of key bodies and ids: ChaCha20 seeded by the OS, reseeded
//! from the OS every [`RESEED_EVERY`] draws and in a process forked since its
//! last seed, and overwritten when dropped so no copy of its state outlives it.

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::fork;

/// Draws between two seeds from the OS (a key takes two: its id, its body).
pub(crate) const RESEED_EVERY: u32 = 4096;

pub(crate) struct KeyRng {
    rng: ChaCha20Rng,
    drawn: u32,
    generation: u64,
    /// Seeds taken from the OS so far (for tests).
    pub(crate) seeds: u64,
}

impl KeyRng {
    pub(crate) fn new() -> Result<KeyRng> {
        let mut rng = KeyRng {
            rng: ChaCha20Rng::from_seed([0; 32]),
            drawn: 0,
            generation: fork::generation(),
            seeds: 0,
        };
        rng.reseed()?;
        Ok(rng)
    }

    fn reseed(&mut self) -> Result<()> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut())
            .map_err(|e| Error::Io(std::io::Error::other(format!("no OS randomness: {e}"))))?;
        self.rng = ChaCha20Rng::from_seed(*seed);
        self.drawn = 0;
        self.generation = fork::generation();
        self.seeds += 1;
        Ok(())
    }

    /// Fills `out` with fresh random bytes.
    pub(crate) fn fill(&mut self, out: &mut [u8]) -> Result<()> {
        if self.drawn >= RESEED_EVERY || self.generation != fork::generation() {
            self.reseed()?;
        }
        self.rng.fill_bytes(out);
        self.drawn += 1;
        Ok(())
    }
}

impl Drop for KeyRng {
    fn drop(&mut self) {
        // SAFETY: `self.rng` is a valid, exclusively borrowed place; the
        // generator holds plain arrays (no destructor to skip). The volatile
        // write keeps the compiler from eliding a store to memory about to
        // be freed.
        unsafe { std::ptr::write_volatile(&mut self.rng, ChaCha20Rng::from_seed([0; 32])) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reseeds_from_the_os_every_so_many_draws() {
        let mut rng = KeyRng::new().unwrap();
        assert_eq!(rng.seeds, 1);
        let mut a = [0u8; 32];
        for _ in 0..RESEED_EVERY {
            rng.fill(&mut a).unwrap();
        }
        assert_eq!(rng.seeds, 1, "one seed serves RESEED_EVERY draws");
        rng.fill(&mut a).unwrap();
        assert_eq!(rng.seeds, 2, "then the OS seeds it again");
        let mut b = [0u8; 32];
        rng.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }
}

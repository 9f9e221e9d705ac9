//! The one seeded generator of the evaluation: ChaCha20 keyed by the recorded seed.
//!
//! The key is the seed's eight bytes (little-endian) followed by zeros, so a seed written
//! in a report gives the same stream on any machine and with any later version of the
//! crate: ChaCha20's output is fixed by its specification, and no seed-expansion routine of
//! a library stands between the number recorded and the key.

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

pub(crate) struct Seeded(ChaCha20Rng);

impl Seeded {
    pub(crate) fn new(seed: u64) -> Seeded {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        Seeded(ChaCha20Rng::from_seed(key))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform integer in 0..n (n ≥ 1), without modulo bias: draws above the largest
    /// multiple of n are drawn again.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        assert!(n >= 1);
        let zone = u64::MAX - (u64::MAX % n + 1) % n;
        loop {
            let v = self.next_u64();
            if v <= zone {
                return v % n;
            }
        }
    }

    /// Fisher–Yates, from the last place down.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_is_in_range_and_the_stream_is_fixed() {
        let mut a = Seeded::new(7);
        let mut b = Seeded::new(7);
        for n in 1..200 {
            let v = a.below(n);
            assert!(v < n);
            assert_eq!(v, b.below(n));
        }
        assert_ne!(Seeded::new(1).next_u64(), Seeded::new(2).next_u64());
    }
}

//! The hasher of the mid-end's tables (value numbering, redundant loads): a
//! multiply-and-rotate hash over the key's words, with a random seed per table and a final
//! mix.
//!
//! Why not the standard `RandomState` (SipHash-1-3): the keys are a few machine words
//! (an opcode, value numbers, an immediate, a type) and SipHash's rounds per word were
//! about a third of value numbering's time. Why not an unkeyed multiplicative hash either:
//! the keys come from untrusted input (a Wasm module picks the immediates and the shape of
//! the code), and with a fixed function a module could be built offline whose instructions
//! all land in a few buckets, making numbering quadratic in the function's size. So each
//! table starts from a seed drawn from the standard library's per-process random keys,
//! and [`Hasher::finish`] mixes every bit of the state into the low bits the table uses
//! for its bucket index (a bare product's low bits depend only on the key's low bits).
//! This is not a cryptographic guarantee (nor is it needed: the worst case is a slower
//! compile, and finding collisions would require learning the seed from compile times),
//! but colliding keys can no longer be chosen in advance.
//!
//! The hash decides only where a key is stored: lookups compare keys exactly, so the seed
//! never changes what the passes do (the output is deterministic).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

/// A hash map with the mid-end's hasher.
pub(super) type FastMap<K, V> = HashMap<K, V, FastState>;

/// An empty [`FastMap`] with room for `capacity` entries and a fresh seed.
pub(super) fn fast_map<K, V>(capacity: usize) -> FastMap<K, V> {
    HashMap::with_capacity_and_hasher(capacity, FastState::new())
}

/// An odd constant with its bits spread evenly (2^64 divided by the golden ratio).
const K: u64 = 0x9e37_79b9_7f4a_7c15;

/// Builds [`FastHasher`]s that all start from one random seed.
#[derive(Clone, Copy, Debug)]
pub(super) struct FastState {
    seed: u64,
}

impl FastState {
    /// A state with a seed from the standard library's random keys (one SipHash of a
    /// constant, once per table).
    pub(super) fn new() -> Self {
        Self { seed: std::hash::RandomState::new().hash_one(0x006c_6174_6865_u64) }
    }
}

impl BuildHasher for FastState {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher { state: self.seed }
    }
}

/// The running state of one key's hash.
#[derive(Clone, Copy, Debug)]
pub(super) struct FastHasher {
    state: u64,
}

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            // The length keeps `[1]` and `[1, 0]` apart.
            self.add(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The final mix of MurmurHash3's 64-bit variant (public domain): every input bit
        // reaches every output bit, the low ones included.
        let mut h = self.state;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(state: &FastState, k: u64) -> u64 {
        state.hash_one(k)
    }

    #[test]
    fn keys_differing_only_in_high_bits_spread_over_the_low_bits() {
        // An unmixed product would give these the same low 16 bits (one bucket).
        let state = FastState { seed: 0 };
        let low: std::collections::HashSet<u64> = (0..256u64).map(|i| hash_of(&state, i << 48) & 0xffff).collect();
        assert!(low.len() > 200, "{} distinct bucket indices of 256", low.len());
    }

    #[test]
    fn the_seed_changes_the_hash_and_the_map_still_finds_equal_keys() {
        let (a, b) = (FastState { seed: 1 }, FastState { seed: 2 });
        assert_ne!(hash_of(&a, 42), hash_of(&b, 42));
        let mut m = fast_map(4);
        m.insert((7u32, [1u8, 0]), 1);
        m.insert((7u32, [1u8, 1]), 2);
        assert_eq!(m.get(&(7u32, [1u8, 0])), Some(&1));
        assert_eq!(m.get(&(7u32, [1u8, 1])), Some(&2));
        assert_eq!(m.get(&(8u32, [1u8, 0])), None);
    }

    #[test]
    fn byte_strings_of_different_lengths_differ() {
        let s = FastState { seed: 3 };
        let h = |bytes: &[u8]| {
            let mut x = s.build_hasher();
            x.write(bytes);
            x.finish()
        };
        assert_ne!(h(&[1]), h(&[1, 0]));
        assert_ne!(h(&[0; 8]), h(&[0; 9]));
    }
}

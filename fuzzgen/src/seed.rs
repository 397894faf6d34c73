//! Deterministic byte buffers for the smoke tests: the same seed gives the same bytes on
//! every machine, so a smoke-test failure names a seed that reproduces it.

/// The splitmix64 step: a small, well-mixed generator that needs no crate.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `len` pseudo-random bytes determined by `seed`.
pub fn seed_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// `text` with a few byte-level edits chosen by `seed` (replace, insert, delete, or copy a
/// span elsewhere): inputs that are nearly valid, which reach deeper into a reader than
/// random bytes do.
pub fn mutate(text: &[u8], seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut out = text.to_vec();
    let edits = 1 + (splitmix64(&mut state) % 4) as usize;
    for _ in 0..edits {
        let r = splitmix64(&mut state);
        let pos = if out.is_empty() { 0 } else { (r >> 8) as usize % out.len() };
        match r % 5 {
            0 if !out.is_empty() => out[pos] = (r >> 40) as u8,
            1 => out.insert(pos, b" \n:(),=%.-0123456789abcdefijvx"[(r >> 40) as usize % 30]),
            2 if !out.is_empty() => {
                let end = (pos + 1 + (r >> 48) as usize % 16).min(out.len());
                out.drain(pos..end);
            }
            3 if !out.is_empty() => {
                let end = (pos + 1 + (r >> 48) as usize % 24).min(out.len());
                let span: Vec<u8> = out[pos..end].to_vec();
                let at = (r >> 20) as usize % (out.len() + 1);
                out.splice(at..at, span);
            }
            _ if !out.is_empty() => out[pos] = out[(r >> 32) as usize % out.len()],
            _ => out.push(b'x'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_deterministic_and_distinct() {
        assert_eq!(seed_bytes(7, 33), seed_bytes(7, 33));
        assert_ne!(seed_bytes(7, 33), seed_bytes(8, 33));
        assert_eq!(seed_bytes(1, 5).len(), 5);
    }

    #[test]
    fn mutation_changes_text_deterministically() {
        let t = b"function %f() { block0: return }";
        assert_eq!(mutate(t, 3), mutate(t, 3));
        assert!((0..20).any(|s| mutate(t, s) != t));
    }
}

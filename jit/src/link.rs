//! Lays the functions of one finalize out in a region and patches their relocations.
//!
//! Input: the functions not yet placed, each with its relocation targets already resolved
//! (to a function placed in this same region, or to an absolute address: a host symbol or
//! a function of an earlier region). Output: the region's bytes.
//!
//! Layout: functions in definition order, each at its `CompiledCode::alignment` (at least
//! 16), then a veneer area. Padding is `int3`. A region is kept under 2 GiB, so
//! `X86PcRel4` between its own functions always fits.
//!
//! Veneers: an `X86PcRel4` to an absolute target more than ±2 GiB away is pointed at a
//! 16-byte veneer in the region instead, `jmp [rip+0]` followed by the 8-byte destination.
//! The destination is `symbol + addend + 4`, i.e. the veneer assumes the 4 patched bytes
//! end a `call rel32` / `jmp rel32` instruction (as the backend emits them). A far
//! PC-relative *data* reference (`lea`, `mov` from a host data symbol) cannot work through
//! a veneer; data symbols should be reached with `Abs8`.

use crate::JitError;
use lathe_codegen::ir::ExternalName;
use lathe_codegen::machinst::{CompiledCode, RelocKind};

/// Every function starts at least this aligned (cache-line friendly, and the backend's
/// constant pools expect 16).
pub(crate) const MIN_FUNC_ALIGN: usize = 16;
/// The size of one veneer slot.
const VENEER_SIZE: usize = 16;
/// A region never grows past this, so rel32 within it always fits.
const MAX_REGION: usize = i32::MAX as usize;

/// Where a relocation's symbol is.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum Target {
    /// The function at this index of the pending list (placed in the same region).
    Local(usize),
    /// An address known before placement.
    Absolute(usize),
}

/// A function to place, with one resolved target per relocation.
pub(crate) struct PendingFunc<'a> {
    pub name: &'a ExternalName,
    pub code: &'a CompiledCode,
    pub targets: Vec<Target>,
}

/// Offsets within the region.
pub(crate) struct Layout {
    /// Start of each pending function.
    pub offsets: Vec<usize>,
    veneer_start: usize,
    /// Bytes needed.
    pub size: usize,
}

/// Computes where each function goes and how much room veneers may need.
pub(crate) fn layout(funcs: &[PendingFunc]) -> Result<Layout, JitError> {
    let mut offsets = Vec::with_capacity(funcs.len());
    let mut off = 0usize;
    let mut far_candidates = 0usize;
    for f in funcs {
        let align = (f.code.alignment as usize).max(MIN_FUNC_ALIGN);
        off = off.next_multiple_of(align);
        offsets.push(off);
        off += f.code.code.len();
        far_candidates += f
            .code
            .relocs
            .iter()
            .zip(&f.targets)
            .filter(|(r, t)| r.kind == RelocKind::X86PcRel4 && matches!(t, Target::Absolute(_)))
            .count();
        if off > MAX_REGION {
            return Err(JitError::Unsupported("more than 2 GiB of code in one finalize".into()));
        }
    }
    let veneer_start = off.next_multiple_of(VENEER_SIZE);
    let size = veneer_start + far_candidates * VENEER_SIZE;
    if size > MAX_REGION {
        return Err(JitError::Unsupported("more than 2 GiB of code in one finalize".into()));
    }
    Ok(Layout { offsets, veneer_start, size })
}

/// Writes the functions into `bytes` (the region, placed at address `base`) and patches
/// their relocations.
pub(crate) fn link(bytes: &mut [u8], base: usize, funcs: &[PendingFunc], layout: &Layout) -> Result<(), JitError> {
    bytes.fill(0xcc);
    for (f, &off) in funcs.iter().zip(&layout.offsets) {
        bytes[off..off + f.code.code.len()].copy_from_slice(&f.code.code);
    }
    // Veneers already written: (destination, veneer offset).
    let mut veneers: Vec<(usize, usize)> = Vec::new();
    for (f, &off) in funcs.iter().zip(&layout.offsets) {
        for (reloc, target) in f.code.relocs.iter().zip(&f.targets) {
            let symbol = match *target {
                Target::Local(k) => base + layout.offsets[k],
                Target::Absolute(a) => a,
            };
            let at = off + reloc.offset as usize;
            let place = (base + at) as i128;
            match reloc.kind {
                RelocKind::Abs8 => {
                    let value = (symbol as i128 + reloc.addend as i128) as u64;
                    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
                }
                RelocKind::X86PcRel4 => {
                    let mut value = symbol as i128 + reloc.addend as i128 - place;
                    if i32::try_from(value).is_err() {
                        if matches!(target, Target::Local(_)) {
                            return Err(bad(f.name, "a rel32 within one region does not fit"));
                        }
                        let dest = (symbol as i128 + reloc.addend as i128 + 4) as usize;
                        let veneer = match veneers.iter().find(|v| v.0 == dest) {
                            Some(v) => v.1,
                            None => {
                                let v = layout.veneer_start + veneers.len() * VENEER_SIZE;
                                write_veneer(&mut bytes[v..v + VENEER_SIZE], dest);
                                veneers.push((dest, v));
                                v
                            }
                        };
                        value = (base + veneer) as i128 - (place + 4);
                    }
                    let value = i32::try_from(value).map_err(|_| bad(f.name, "a veneer is out of rel32 range"))?;
                    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
                }
            }
        }
    }
    Ok(())
}

/// `jmp qword [rip+0]` followed by the destination address, padded with `int3`.
fn write_veneer(slot: &mut [u8], dest: usize) {
    slot[..6].copy_from_slice(&[0xff, 0x25, 0x00, 0x00, 0x00, 0x00]); // jmp [rip+0]
    slot[6..14].copy_from_slice(&(dest as u64).to_le_bytes()); // .quad dest
    slot[14..].fill(0xcc);
}

fn bad(name: &ExternalName, reason: &str) -> JitError {
    JitError::BadCode { name: name.to_string(), reason: reason.into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lathe_codegen::machinst::Reloc;

    #[test]
    fn near_and_far_relocations() {
        let name = ExternalName::TestCase("f".into());
        // call rel32 to a far host symbol, twice, then an Abs8 of it.
        let code = CompiledCode {
            code: vec![0xe8, 0, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            alignment: 1,
            relocs: vec![
                Reloc { offset: 1, kind: RelocKind::X86PcRel4, target: name.clone(), addend: -4 },
                Reloc { offset: 6, kind: RelocKind::X86PcRel4, target: name.clone(), addend: -4 },
                Reloc { offset: 10, kind: RelocKind::Abs8, target: name.clone(), addend: 2 },
            ],
            ..Default::default()
        };
        let far = 0x7000_0000_0000usize;
        let funcs = [PendingFunc { name: &name, code: &code, targets: vec![Target::Absolute(far); 3] }];
        let layout = layout(&funcs).unwrap();
        assert_eq!(layout.size, 32 + 2 * VENEER_SIZE);
        let mut bytes = vec![0; layout.size];
        let base = 0x1000usize;
        link(&mut bytes, base, &funcs, &layout).unwrap();
        // Both calls go to the one veneer at offset 32.
        let rel1 = i32::from_le_bytes(bytes[1..5].try_into().unwrap());
        let rel2 = i32::from_le_bytes(bytes[6..10].try_into().unwrap());
        assert_eq!(5 + rel1 as i64, 32);
        assert_eq!(10 + rel2 as i64, 32);
        assert_eq!(bytes[32..38], [0xff, 0x25, 0, 0, 0, 0]);
        assert_eq!(u64::from_le_bytes(bytes[38..46].try_into().unwrap()), far as u64);
        assert_eq!(u64::from_le_bytes(bytes[10..18].try_into().unwrap()), far as u64 + 2);
        assert_eq!(bytes[18], 0xcc, "padding is int3");
    }
}

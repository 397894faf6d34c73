//! Lays the functions of one finalize out in a region and patches their relocations.
//!
//! Input: the functions not yet placed, each with its relocation targets already resolved
//! (to a function placed in this same region, or to an absolute address: a host symbol or
//! a function of an earlier region). Output: the region's bytes.
//!
//! Layout: functions in definition order, each at its `CompiledCode::alignment` (at least
//! 16), then a veneer area, then a GOT area. Padding is `int3`. A region is kept under
//! 2 GiB, so a rel32 between its own functions, veneers and GOT slots always fits.
//!
//! The relocation kinds applied are the host's ([`applies`]: the x86-64 ones and `Abs8`);
//! [`JitModule::define_function`](crate::JitModule::define_function) refuses code with
//! any other kind.
//!
//! Veneers: an `X86CallPlt4` (the rel32 of a `call` or tail-call `jmp`) to an absolute
//! target more than ±2 GiB away is pointed at a 16-byte veneer in the region instead,
//! `jmp [rip+0]` followed by the 8-byte destination `symbol + addend + 4` (the 4 patched
//! bytes end the instruction, as the addend -4 says): what a linker's PLT entry does. A
//! far `X86PcRel4` (a data reference) cannot go through a veneer: it is an error; data
//! symbols are reached with `Abs8` or `X86GotPcRel4`.
//!
//! GOT: each distinct symbol of an `X86GotPcRel4` gets an 8-byte slot in the region
//! holding its address, and the rel32 points at the slot (`slot + addend - place`).
//!
//! TLS descriptors: each distinct thread-local variable of an `X86TlsGd4` (the `lea` of
//! a `tls_value` sequence) gets a 16-byte slot after the GOT holding its descriptor
//! (`tls.rs`), and the rel32 points at the slot. Thread-local variables are reachable
//! only that way.

use crate::JitError;
use lathe_codegen::ir::ExternalName;
use lathe_codegen::machinst::{CompiledCode, RelocKind};

/// Every function starts at least this aligned (cache-line friendly, and the backend's
/// constant pools expect 16).
pub(crate) const MIN_FUNC_ALIGN: usize = 16;
/// The size of one veneer slot.
const VENEER_SIZE: usize = 16;
/// The size of one GOT slot.
const GOT_SLOT_SIZE: usize = 8;
/// The size of one TLS descriptor slot.
const TLS_SLOT_SIZE: usize = 16;
/// A region never grows past this, so rel32 within it always fits.
const MAX_REGION: usize = i32::MAX as usize;

/// Whether the JIT applies relocations of `kind` on this host: the table of kinds per
/// host architecture.
pub(crate) fn applies(kind: RelocKind) -> bool {
    match kind {
        RelocKind::Abs8 => true,
        RelocKind::X86PcRel4 | RelocKind::X86CallPlt4 | RelocKind::X86GotPcRel4 | RelocKind::X86TlsGd4 => {
            cfg!(target_arch = "x86_64")
        }
        RelocKind::Aarch64Call26
        | RelocKind::Aarch64Jump26
        | RelocKind::Aarch64AdrPrelPgHi21
        | RelocKind::Aarch64AddAbsLo12Nc
        | RelocKind::Aarch64AdrGotPage
        | RelocKind::Aarch64Ld64GotLo12Nc
        | RelocKind::Riscv64CallPlt
        | RelocKind::Riscv64PcrelHi20
        | RelocKind::Riscv64GotHi20
        | RelocKind::Riscv64PcrelLo12I
        | RelocKind::S390xPlt32Dbl
        | RelocKind::S390xPc32Dbl
        | RelocKind::S390xGotEnt => false,
    }
}

/// Where a relocation's symbol is.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum Target {
    /// The function at this index of the pending list (placed in the same region).
    Local(usize),
    /// An address known before placement.
    Absolute(usize),
    /// A thread-local variable, by its key (`tls.rs`).
    ThreadLocal(u64),
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
    got_start: usize,
    tls_start: usize,
    /// Bytes needed.
    pub size: usize,
}

/// Computes where each function goes and how much room veneers and GOT slots may need.
pub(crate) fn layout(funcs: &[PendingFunc]) -> Result<Layout, JitError> {
    let mut offsets = Vec::with_capacity(funcs.len());
    let mut off = 0usize;
    let mut far_candidates = 0usize;
    let mut got_candidates = 0usize;
    let mut tls_candidates = 0usize;
    for f in funcs {
        let align = (f.code.alignment as usize).max(MIN_FUNC_ALIGN);
        off = off.next_multiple_of(align);
        offsets.push(off);
        off += f.code.code.len();
        for (r, t) in f.code.relocs.iter().zip(&f.targets) {
            match r.kind {
                RelocKind::X86CallPlt4 if matches!(t, Target::Absolute(_)) => far_candidates += 1,
                RelocKind::X86GotPcRel4 => got_candidates += 1,
                RelocKind::X86TlsGd4 => tls_candidates += 1,
                _ => {}
            }
        }
        if off > MAX_REGION {
            return Err(JitError::Unsupported("more than 2 GiB of code in one finalize".into()));
        }
    }
    let veneer_start = off.next_multiple_of(VENEER_SIZE);
    let got_start = veneer_start + far_candidates * VENEER_SIZE;
    let tls_start = (got_start + got_candidates * GOT_SLOT_SIZE).next_multiple_of(TLS_SLOT_SIZE);
    let size = tls_start + tls_candidates * TLS_SLOT_SIZE;
    if size > MAX_REGION {
        return Err(JitError::Unsupported("more than 2 GiB of code in one finalize".into()));
    }
    Ok(Layout { offsets, veneer_start, got_start, tls_start, size })
}

/// Slots (veneers or GOT entries) written so far: (destination, offset in the region).
struct Slots {
    start: usize,
    size: usize,
    used: Vec<(usize, usize)>,
}

impl Slots {
    /// The slot for `dest`, written by `write` the first time.
    fn get(&mut self, bytes: &mut [u8], dest: usize, write: fn(&mut [u8], usize)) -> usize {
        if let Some(&(_, at)) = self.used.iter().find(|s| s.0 == dest) {
            return at;
        }
        let at = self.start + self.used.len() * self.size;
        write(&mut bytes[at..at + self.size], dest);
        self.used.push((dest, at));
        at
    }
}

/// Writes the functions into `bytes` (the region, placed at address `base`) and patches
/// their relocations.
pub(crate) fn link(bytes: &mut [u8], base: usize, funcs: &[PendingFunc], layout: &Layout) -> Result<(), JitError> {
    bytes.fill(0xcc);
    for (f, &off) in funcs.iter().zip(&layout.offsets) {
        bytes[off..off + f.code.code.len()].copy_from_slice(&f.code.code);
    }
    let mut veneers = Slots { start: layout.veneer_start, size: VENEER_SIZE, used: Vec::new() };
    let mut got = Slots { start: layout.got_start, size: GOT_SLOT_SIZE, used: Vec::new() };
    let mut tls = Slots { start: layout.tls_start, size: TLS_SLOT_SIZE, used: Vec::new() };
    for (f, &off) in funcs.iter().zip(&layout.offsets) {
        for (reloc, target) in f.code.relocs.iter().zip(&f.targets) {
            let symbol = match (*target, reloc.kind) {
                (Target::Local(k), _) => base + layout.offsets[k],
                (Target::Absolute(a), _) => a,
                (Target::ThreadLocal(key), RelocKind::X86TlsGd4) => key as usize,
                (Target::ThreadLocal(_), _) => {
                    return Err(bad(f.name, &format!("{} is thread-local: only `tls_value` reaches it", reloc.target)));
                }
            };
            if reloc.kind == RelocKind::X86TlsGd4 && !matches!(target, Target::ThreadLocal(_)) {
                return Err(bad(
                    f.name,
                    &format!("`tls_value` of {}, which is not a thread-local variable of the module", reloc.target),
                ));
            }
            let at = off + reloc.offset as usize;
            let place = (base + at) as i128;
            let rel32 = |value: i128, what: &str| i32::try_from(value).map_err(|_| bad(f.name, what));
            let value = match reloc.kind {
                RelocKind::Abs8 => {
                    let value = (symbol as i128 + reloc.addend as i128) as u64;
                    bytes[at..at + 8].copy_from_slice(&value.to_ne_bytes());
                    continue;
                }
                RelocKind::X86PcRel4 => rel32(
                    symbol as i128 + reloc.addend as i128 - place,
                    "a PC-relative data reference is more than 2 GiB away",
                )?,
                RelocKind::X86CallPlt4 => {
                    let value = symbol as i128 + reloc.addend as i128 - place;
                    match i32::try_from(value) {
                        Ok(v) => v,
                        Err(_) if matches!(target, Target::Local(_)) => {
                            return Err(bad(f.name, "a rel32 within one region does not fit"));
                        }
                        Err(_) => {
                            let dest = (symbol as i128 + reloc.addend as i128 + 4) as usize;
                            let veneer = veneers.get(bytes, dest, write_veneer);
                            rel32((base + veneer) as i128 - (place + 4), "a veneer is out of rel32 range")?
                        }
                    }
                }
                RelocKind::X86GotPcRel4 => {
                    let slot = got.get(bytes, symbol, write_got_slot);
                    rel32((base + slot) as i128 + reloc.addend as i128 - place, "a GOT slot is out of rel32 range")?
                }
                RelocKind::X86TlsGd4 => {
                    let slot = tls.get(bytes, symbol, write_tls_slot);
                    rel32((base + slot) as i128 + reloc.addend as i128 - place, "a TLS slot is out of rel32 range")?
                }
                kind => return Err(JitError::UnsupportedRelocation { name: f.name.to_string(), kind }),
            };
            bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
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

/// A TLS descriptor slot: the descriptor of the variable with key `key`.
fn write_tls_slot(slot: &mut [u8], key: usize) {
    slot.copy_from_slice(&crate::tls::descriptor_bytes(key as u64));
}

/// A GOT entry: the symbol's address.
fn write_got_slot(slot: &mut [u8], dest: usize) {
    slot.copy_from_slice(&(dest as u64).to_ne_bytes());
}

fn bad(name: &ExternalName, reason: &str) -> JitError {
    JitError::BadCode { name: name.to_string(), reason: reason.into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lathe_codegen::machinst::Reloc;

    fn reloc(offset: u32, kind: RelocKind, addend: i64) -> Reloc {
        Reloc { offset, kind, target: ExternalName::TestCase("f".into()), addend }
    }

    #[test]
    fn near_and_far_relocations() {
        let name = ExternalName::TestCase("f".into());
        // call rel32 to a far host symbol, twice, then an Abs8 of it, then two GOT loads
        // (`mov rax, [rip+f@GOTPCREL]`, rel32 at 21 and 28).
        let mut bytes = vec![0xe8, 0, 0, 0, 0, 0xe8, 0, 0, 0, 0];
        bytes.extend([0; 8]);
        bytes.extend([0x48, 0x8b, 0x05, 0, 0, 0, 0, 0x48, 0x8b, 0x05, 0, 0, 0, 0]);
        let code = CompiledCode {
            code: bytes,
            alignment: 1,
            relocs: vec![
                reloc(1, RelocKind::X86CallPlt4, -4),
                reloc(6, RelocKind::X86CallPlt4, -4),
                reloc(10, RelocKind::Abs8, 2),
                reloc(21, RelocKind::X86GotPcRel4, -4),
                reloc(28, RelocKind::X86GotPcRel4, -4),
            ],
            ..Default::default()
        };
        let far = 0x7000_0000_0000usize;
        let funcs = [PendingFunc { name: &name, code: &code, targets: vec![Target::Absolute(far); 5] }];
        let layout = layout(&funcs).unwrap();
        assert_eq!(layout.size, 32 + 2 * VENEER_SIZE + 2 * GOT_SLOT_SIZE);
        let mut bytes = vec![0; layout.size];
        let base = 0x1000usize;
        link(&mut bytes, base, &funcs, &layout).unwrap();
        let rel = |at: usize| i32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as i64;
        // Both calls go to the one veneer at offset 32.
        assert_eq!(5 + rel(1), 32);
        assert_eq!(10 + rel(6), 32);
        assert_eq!(bytes[32..38], [0xff, 0x25, 0, 0, 0, 0]);
        assert_eq!(u64::from_le_bytes(bytes[38..46].try_into().unwrap()), far as u64);
        assert_eq!(u64::from_le_bytes(bytes[10..18].try_into().unwrap()), far as u64 + 2);
        assert!(bytes[46..64].iter().all(|&b| b == 0xcc), "padding and the unused veneer slot are int3");
        // Both GOT loads read the one slot at 64, which holds the address.
        assert_eq!(25 + rel(21), 64);
        assert_eq!(32 + rel(28), 64);
        assert_eq!(u64::from_ne_bytes(bytes[64..72].try_into().unwrap()), far as u64);
    }

    #[test]
    fn far_data_references_and_other_isas_kinds_are_errors() {
        let name = ExternalName::TestCase("f".into());
        let far = 0x7000_0000_0000usize;
        let link_one = |kind| {
            let code = CompiledCode { code: vec![0; 8], relocs: vec![reloc(0, kind, 0)], ..Default::default() };
            let funcs = [PendingFunc { name: &name, code: &code, targets: vec![Target::Absolute(far)] }];
            let layout = layout(&funcs).unwrap();
            link(&mut vec![0; layout.size], 0x1000, &funcs, &layout)
        };
        assert!(matches!(link_one(RelocKind::X86PcRel4), Err(JitError::BadCode { .. })));
        assert!(matches!(
            link_one(RelocKind::Aarch64Call26),
            Err(JitError::UnsupportedRelocation { kind: RelocKind::Aarch64Call26, .. })
        ));
        assert!(applies(RelocKind::Abs8) && !applies(RelocKind::S390xPc32Dbl));
    }
}

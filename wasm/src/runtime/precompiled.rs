//! Precompiled modules (`.lwasm`): a compiled [`Module`] written to bytes and loaded back
//! without compiling (`lathe compile prog.wasm -o prog.lwasm`, `lathe run prog.lwasm`).
//!
//! Layout (little-endian): the magic `LATHEWSM`, a format version, the fingerprint of the
//! engine that compiled it (Lathe's version, the target triple, the shared and ISA flags,
//! the translation options: code compiled for another CPU or with other checks must not
//! run), the Wasm bytes themselves (parsed and validated again on load, which is quick;
//! the module's metadata comes from them), then each defined function's compiled code
//! (machine code, relocations, trap sites, call sites, source locations, frame, unwind
//! records), and last an FNV-1a checksum of everything before it.
//!
//! Loading checks every length against the bytes left and every tag against its table,
//! so a truncated, corrupt or foreign file is a [`WasmError::Invalid`] naming what is
//! wrong, never undefined behaviour. (The checksum catches accidental damage; a file is
//! trusted as much as the code it holds, as a native executable is.)

use super::{Engine, Module};
use crate::WasmError;
use lathe_codegen::ir::{ExternalName, LibCall, SourceLoc, TrapCode};
use lathe_codegen::machinst::unwind::{DwarfReg, UnwindInst, UnwindRecord};
use lathe_codegen::machinst::{
    CallSite, CompiledCode, ExceptionSite, FrameLayout, Reloc, RelocKind, SrcLocRange, TrapSite,
};

const MAGIC: &[u8; 8] = b"LATHEWSM";
/// Bumped whenever the layout or `CompiledCode` changes.
const VERSION: u32 = 2;

/// Every relocation kind, in the order of their tags in the file.
const RELOC_KINDS: [RelocKind; 18] = [
    RelocKind::Abs8,
    RelocKind::X86PcRel4,
    RelocKind::X86CallPlt4,
    RelocKind::X86GotPcRel4,
    RelocKind::X86TlsGd4,
    RelocKind::Aarch64Call26,
    RelocKind::Aarch64Jump26,
    RelocKind::Aarch64AdrPrelPgHi21,
    RelocKind::Aarch64AddAbsLo12Nc,
    RelocKind::Aarch64AdrGotPage,
    RelocKind::Aarch64Ld64GotLo12Nc,
    RelocKind::Riscv64CallPlt,
    RelocKind::Riscv64PcrelHi20,
    RelocKind::Riscv64GotHi20,
    RelocKind::Riscv64PcrelLo12I,
    RelocKind::S390xPlt32Dbl,
    RelocKind::S390xPc32Dbl,
    RelocKind::S390xGotEnt,
];

/// The tag of a relocation kind (an exhaustive match, so a new kind must be added here).
fn reloc_tag(k: RelocKind) -> u8 {
    let tag = match k {
        RelocKind::Abs8 => 0,
        RelocKind::X86PcRel4 => 1,
        RelocKind::X86CallPlt4 => 2,
        RelocKind::X86GotPcRel4 => 3,
        RelocKind::X86TlsGd4 => 4,
        RelocKind::Aarch64Call26 => 5,
        RelocKind::Aarch64Jump26 => 6,
        RelocKind::Aarch64AdrPrelPgHi21 => 7,
        RelocKind::Aarch64AddAbsLo12Nc => 8,
        RelocKind::Aarch64AdrGotPage => 9,
        RelocKind::Aarch64Ld64GotLo12Nc => 10,
        RelocKind::Riscv64CallPlt => 11,
        RelocKind::Riscv64PcrelHi20 => 12,
        RelocKind::Riscv64GotHi20 => 13,
        RelocKind::Riscv64PcrelLo12I => 14,
        RelocKind::S390xPlt32Dbl => 15,
        RelocKind::S390xPc32Dbl => 16,
        RelocKind::S390xGotEnt => 17,
    };
    debug_assert_eq!(RELOC_KINDS[tag as usize], k);
    tag
}

/// What must match between the engine that wrote a file and the one loading it, as
/// `name=value` items, one per line.
pub(super) fn fingerprint(engine: &Engine) -> String {
    let c = &engine.config;
    // The optimisation level and the verifier change how the code was made, not what it
    // needs to run: they are left out.
    let mut flags = engine.isa.flags().clone();
    flags.opt_level = Default::default();
    flags.enable_verifier = false;
    let isa_flags = engine.isa.isa_flags();
    let cpu: Vec<&str> =
        isa_flags.names().iter().zip(isa_flags.values()).filter(|(_, on)| **on).map(|(n, _)| *n).collect();
    [
        format!("lathe={}", env!("CARGO_PKG_VERSION")),
        format!("target={}", engine.isa.triple()),
        format!("cpu={}", cpu.join(",")),
        format!("settings={flags:?}"),
        format!("bounds_checks={:?}", c.bounds_checks),
        format!("interruptible={}", c.interruptible),
        format!("consume_fuel={}", c.consume_fuel),
        // Counted first-tier code needs a tiering store (its counters and runtime call).
        format!("tiered={}", c.tiering.is_some()),
    ]
    .join("\n")
}

/// The first item of two fingerprints that differs, as "name: file value, engine value".
fn first_difference(theirs: &str, ours: &str) -> String {
    for (t, o) in theirs.lines().zip(ours.lines()) {
        if t != o {
            let (name, tv) = t.split_once('=').unwrap_or((t, ""));
            let ov = o.split_once('=').map_or("", |(_, v)| v);
            return format!("{name} is `{tv}` in the file and `{ov}` in this engine");
        }
    }
    "the configurations differ".into()
}

/// FNV-1a, 64 bits.
pub(super) fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, x: u8) {
        self.0.push(x);
    }
    fn u32(&mut self, x: u32) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn i32(&mut self, x: i32) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn u64(&mut self, x: u64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn name(&mut self, n: &ExternalName) {
        match n {
            ExternalName::User { namespace, index } => {
                self.u8(0);
                self.u32(*namespace);
                self.u32(*index);
            }
            ExternalName::TestCase(s) => {
                self.u8(1);
                self.bytes(s.as_bytes());
            }
            ExternalName::LibCall(l) => {
                self.u8(2);
                self.bytes(l.name().as_bytes());
            }
        }
    }
    fn trap(&mut self, t: TrapCode) {
        self.u8(match t {
            TrapCode::StackOverflow => 0,
            TrapCode::IntegerOverflow => 1,
            TrapCode::HeapOutOfBounds => 2,
            TrapCode::IntegerDivisionByZero => 3,
            TrapCode::BadConversionToInteger => 4,
            TrapCode::User(n) => 4 + n,
        });
    }
    fn code(&mut self, c: &CompiledCode) {
        self.bytes(&c.code);
        self.u32(c.alignment);
        self.u32(c.relocs.len() as u32);
        for r in &c.relocs {
            self.u32(r.offset);
            self.u8(reloc_tag(r.kind));
            self.name(&r.target);
            self.u64(r.addend as u64);
        }
        self.u32(c.traps.len() as u32);
        for t in &c.traps {
            self.u32(t.offset);
            self.trap(t.code);
        }
        self.u32(c.call_sites.len() as u32);
        for s in &c.call_sites {
            self.u32(s.ret_offset);
        }
        self.u32(c.srclocs.len() as u32);
        for s in &c.srclocs {
            self.u32(s.start);
            self.u32(s.end);
            self.u32(s.loc.bits());
        }
        self.u32(c.frame.frame_size);
        self.u8(c.frame.uses_frame_pointer as u8);
        self.u32(c.unwind.len() as u32);
        for r in &c.unwind {
            self.u32(r.offset);
            match r.inst {
                UnwindInst::CfaSp { offset } => {
                    self.u8(0);
                    self.u32(offset);
                }
                UnwindInst::CfaFp { reg, offset } => {
                    self.u8(1);
                    self.u32(u32::from(reg.0));
                    self.u32(offset);
                }
                UnwindInst::Saved { reg, offset } => {
                    self.u8(2);
                    self.u32(u32::from(reg.0));
                    self.i32(offset);
                }
                UnwindInst::Restored { reg } => {
                    self.u8(3);
                    self.u32(u32::from(reg.0));
                }
                UnwindInst::RememberState => self.u8(4),
                UnwindInst::RestoreState => self.u8(5),
                UnwindInst::NegateRaState => self.u8(6),
            }
        }
        self.u32(c.exception_sites.len() as u32);
        for site in &c.exception_sites {
            self.u32(site.ret_offset);
            self.u32(site.handlers.len() as u32);
            for &(tag, pad) in &site.handlers {
                // A tag as itself plus one, `default` as 0.
                self.u64(tag.map_or(0, |t| u64::from(t) + 1));
                self.u32(pad);
            }
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

fn corrupt(what: &str) -> WasmError {
    WasmError::Invalid(format!("corrupt precompiled module: {what}"))
}

impl Reader<'_> {
    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], WasmError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| corrupt(what))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self, what: &str) -> Result<u8, WasmError> {
        Ok(self.take(1, what)?[0])
    }
    fn u32(&mut self, what: &str) -> Result<u32, WasmError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }
    fn u64(&mut self, what: &str) -> Result<u64, WasmError> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().expect("8 bytes")))
    }
    fn bytes(&mut self, what: &str) -> Result<Vec<u8>, WasmError> {
        let n = usize::try_from(self.u64(what)?).map_err(|_| corrupt(what))?;
        Ok(self.take(n, what)?.to_vec())
    }
    fn string(&mut self, what: &str) -> Result<String, WasmError> {
        String::from_utf8(self.bytes(what)?).map_err(|_| corrupt(what))
    }
    /// A count of items, each at least `min_size` bytes: more than the bytes left is
    /// corrupt (so no huge allocation is made for a damaged count).
    fn count(&mut self, min_size: usize, what: &str) -> Result<usize, WasmError> {
        let n = self.u32(what)? as usize;
        if n.saturating_mul(min_size) > self.bytes.len() - self.at {
            return Err(corrupt(what));
        }
        Ok(n)
    }
    fn name(&mut self) -> Result<ExternalName, WasmError> {
        Ok(match self.u8("a symbol")? {
            0 => ExternalName::User { namespace: self.u32("a symbol")?, index: self.u32("a symbol")? },
            1 => ExternalName::TestCase(self.string("a symbol")?),
            2 => {
                let name = self.string("a library call")?;
                ExternalName::LibCall(LibCall::by_name(&name).ok_or_else(|| corrupt("an unknown library call"))?)
            }
            _ => return Err(corrupt("a symbol tag")),
        })
    }
    fn trap(&mut self) -> Result<TrapCode, WasmError> {
        Ok(match self.u8("a trap code")? {
            0 => TrapCode::StackOverflow,
            1 => TrapCode::IntegerOverflow,
            2 => TrapCode::HeapOutOfBounds,
            3 => TrapCode::IntegerDivisionByZero,
            4 => TrapCode::BadConversionToInteger,
            n => TrapCode::User(n - 4),
        })
    }
    fn code(&mut self) -> Result<CompiledCode, WasmError> {
        let code = self.bytes("machine code")?;
        let alignment = self.u32("an alignment")?;
        let mut relocs = Vec::new();
        for _ in 0..self.count(14, "relocations")? {
            let offset = self.u32("a relocation")?;
            let kind =
                *RELOC_KINDS.get(self.u8("a relocation")? as usize).ok_or_else(|| corrupt("a relocation kind"))?;
            let target = self.name()?;
            let addend = self.u64("a relocation")? as i64;
            if offset as u64 + u64::from(kind.patch_size()) > code.len() as u64 {
                return Err(corrupt("a relocation outside its code"));
            }
            relocs.push(Reloc { offset, kind, target, addend });
        }
        let mut traps = Vec::new();
        for _ in 0..self.count(5, "trap sites")? {
            traps.push(TrapSite { offset: self.u32("a trap site")?, code: self.trap()? });
        }
        let mut call_sites = Vec::new();
        for _ in 0..self.count(4, "call sites")? {
            call_sites.push(CallSite { ret_offset: self.u32("a call site")? });
        }
        let mut srclocs = Vec::new();
        for _ in 0..self.count(12, "source locations")? {
            let (start, end) = (self.u32("a source location")?, self.u32("a source location")?);
            srclocs.push(SrcLocRange { start, end, loc: SourceLoc::new(self.u32("a source location")?) });
        }
        let frame = FrameLayout { frame_size: self.u32("the frame")?, uses_frame_pointer: self.u8("the frame")? != 0 };
        let mut unwind = Vec::new();
        for _ in 0..self.count(5, "unwind records")? {
            let offset = self.u32("an unwind record")?;
            let reg = |r: &mut Self| -> Result<DwarfReg, WasmError> {
                u16::try_from(r.u32("a register")?).map(DwarfReg).map_err(|_| corrupt("a register"))
            };
            let inst = match self.u8("an unwind record")? {
                0 => UnwindInst::CfaSp { offset: self.u32("an unwind record")? },
                1 => UnwindInst::CfaFp { reg: reg(self)?, offset: self.u32("an unwind record")? },
                2 => UnwindInst::Saved { reg: reg(self)?, offset: self.u32("an unwind record")? as i32 },
                3 => UnwindInst::Restored { reg: reg(self)? },
                4 => UnwindInst::RememberState,
                5 => UnwindInst::RestoreState,
                6 => UnwindInst::NegateRaState,
                _ => return Err(corrupt("an unwind record tag")),
            };
            unwind.push(UnwindRecord { offset, inst });
        }
        let mut exception_sites = Vec::new();
        for _ in 0..self.count(8, "exception sites")? {
            let ret_offset = self.u32("an exception site")?;
            let mut handlers = Vec::new();
            for _ in 0..self.count(12, "exception handlers")? {
                let tag = match self.u64("an exception handler")? {
                    0 => None,
                    t => Some(u32::try_from(t - 1).map_err(|_| corrupt("an exception tag"))?),
                };
                let pad = self.u32("an exception handler")?;
                if pad as usize >= code.len() || ret_offset as usize > code.len() {
                    return Err(corrupt("an exception site outside its code"));
                }
                handlers.push((tag, pad));
            }
            exception_sites.push(ExceptionSite { ret_offset, handlers });
        }
        Ok(CompiledCode {
            code,
            alignment,
            relocs,
            traps,
            call_sites,
            exception_sites,
            srclocs,
            frame,
            unwind,
            listing: None,
        })
    }
}

/// Whether `bytes` start like a precompiled module.
pub fn is_precompiled(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

impl Module {
    /// The module as a precompiled file for `engine` (which must be the one that
    /// compiled it), for [`Module::deserialize`].
    pub fn serialize(&self, engine: &Engine) -> Vec<u8> {
        let mut w = Writer(MAGIC.to_vec());
        w.u32(VERSION);
        w.bytes(fingerprint(engine).as_bytes());
        w.bytes(&self.info.bytes);
        w.u32(self.code.len() as u32);
        for c in self.code.iter() {
            w.code(c);
        }
        let sum = checksum(&w.0);
        w.u64(sum);
        w.0
    }

    /// Loads a precompiled module written by [`Module::serialize`] with an engine of the
    /// same configuration on the same kind of CPU; anything else is an error that says
    /// what does not match.
    pub fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module, WasmError> {
        if !is_precompiled(bytes) {
            return Err(WasmError::Invalid("not a precompiled Lathe module (no LATHEWSM header)".into()));
        }
        let body_len = bytes.len().checked_sub(8).ok_or_else(|| corrupt("truncated"))?;
        let stored = u64::from_le_bytes(bytes[body_len..].try_into().expect("8 bytes"));
        if checksum(&bytes[..body_len]) != stored {
            return Err(corrupt("the checksum does not match (the file is damaged or truncated)"));
        }
        let mut r = Reader { bytes: &bytes[..body_len], at: MAGIC.len() };
        let version = r.u32("the version")?;
        if version != VERSION {
            return Err(WasmError::Invalid(format!(
                "precompiled module format {version}, this Lathe reads format {VERSION}: compile it again"
            )));
        }
        let theirs = r.string("the fingerprint")?;
        let ours = fingerprint(engine);
        if theirs != ours {
            return Err(WasmError::Invalid(format!(
                "the module was precompiled for another target or configuration ({}): compile it again",
                first_difference(&theirs, &ours)
            )));
        }
        let wasm = r.bytes("the Wasm bytes")?;
        let info = crate::module::parse_with(&wasm, engine.config.wasm_features)?;
        let n = r.count(1, "functions")?;
        if n != info.bodies.len() {
            return Err(corrupt("the function count does not match the module"));
        }
        let code = (0..n).map(|_| r.code()).collect::<Result<Vec<_>, _>>()?;
        if r.at != r.bytes.len() {
            return Err(corrupt("bytes after the last function"));
        }
        Ok(Module::from_parts(engine, info, code, 0, &wasm))
    }
}

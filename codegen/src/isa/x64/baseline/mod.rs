//! The x86-64 part of the baseline tier (`crate::baseline`): one pass over the function,
//! each IR instruction turned into x64 [`Inst`]s over physical registers and emitted at
//! once into the `MachBuffer` with the ordinary encoder.
//!
//! Input: a function prepared by `crate::baseline::prepare`. Output: `CompiledCode` filled
//! as the optimizing pipeline fills it (relocations, traps with source locations, call
//! sites, the frame and unwind records of the shared prologue and epilogues), or
//! `CodegenError::Unsupported` naming what the tier does not cover yet, so the caller can
//! fall back to `opt_level=none`.
//!
//! Registers: the cache holds values in rax, rcx, rdx, rsi, rdi, r8, r9 and r10; r11 is
//! the scratch register of argument and edge copies and of indirect calls. Values pinned
//! in a loop region (`crate::baseline::Pins`) live in rbx and r12-r15 (callee-saved: the
//! frame saves those used), in regions without calls also r8-r10 (withheld from the cache
//! there), and floats in xmm15 downwards (regions without calls). Register indices from
//! `NCACHE` up name the pinned integer registers: `use_value` returns them for reading,
//! and an instruction that overwrites an operand in place goes through `dest_from`, which
//! never overwrites another value's pinned register. Float values are cached in the rest
//! of xmm2-xmm15 (`float.rs`); xmm0 and xmm1 are scratch. Integer values in registers
//! and homes are 64 bits whose bits above the value's type are undefined: operations whose
//! result depends on those bits (compares, tests, right shifts, divisions, extensions) work
//! at the type's width.
//!
//! This module has the frame, the walk, the register cache plumbing, branches, returns and
//! calls; `ops.rs` has the arithmetic and memory instructions.

mod float;
mod ops;

use super::abi::{SYSV, conv_desc};
use super::inst::args::{Amode, CC, ExtMode, OperandSize, RegMem, RegMemImm};
use super::{FRAME, Inst, X64LabelUse, regs};
use crate::baseline::{PinBudget, Pins, RegCache, Uses, layout_stack_slots, not_covered};
use crate::ir::{
    ArgumentExtension, Block, BlockCall, CallConv, ExternalName, Function, Inst as IrInst, InstructionData, Opcode,
    Signature, Type, Value, types,
};
use crate::machinst::abi::{ArgLoc, CallLayout, ParamLoc, RetLoc};
use crate::machinst::{
    CompileOptions, CompiledCode, FrameInfo, FrameItem, MachBuffer, MachInst, MachLabel, PRegSet, Reg, RegClass,
    UnwindInst, UnwindRecord,
};
use crate::result::CodegenError;
use crate::settings::Flags;
use std::fmt::Write;

/// The hardware numbers of the cache registers, by cache index.
const POOL: [u8; 8] = [0, 1, 2, 6, 7, 8, 9, 10];
/// Cache indices of the registers some instructions need fixed.
const RAX: usize = 0;
const RCX: usize = 1;
const RDX: usize = 2;
/// The hardware numbers of the xmm cache registers (xmm0 and xmm1 are the float
/// instructions' scratch registers, and the first argument and result registers).
const XMM_POOL: [u8; 14] = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/// The scratch register (never cached).
const SCRATCH: u8 = 11;
/// The number of cache registers: register indices from here on name the pinned integer
/// registers (`PINNED[r - NCACHE]`), which the cache never picks.
const NCACHE: usize = POOL.len();
/// The registers that hold pinned integer values, in the order `Pins` numbers them: the
/// callee-saved rbx, r12-r15 (the prologue saves those used), then in regions without
/// calls r8-r10, taken from the cache there (`RegCache::set_reserved`).
const PINNED: [u8; 8] = [3, 12, 13, 14, 15, 8, 9, 10];
/// How many of `PINNED` are callee-saved.
const CALLEE_SAVED_PINS: usize = 5;
/// At most this many floats are pinned (in a function without calls), in the last
/// entries of `XMM_POOL` downwards (xmm15, xmm14, ...), never an argument register.
const PINNED_XMM: usize = 8;

/// Compiles `func` with the baseline tier for a CPU with `isa_flags` (with the levels they
/// imply); see the module documentation.
pub fn compile(
    func: &Function,
    flags: &Flags,
    isa_flags: super::X64Flags,
    options: &mut CompileOptions,
) -> Result<CompiledCode, CodegenError> {
    crate::baseline::run_tier(func, flags, options, |func, want_listing| {
        Emitter::new(func, flags, isa_flags, want_listing).and_then(Emitter::run)
    })
}

/// The state of the one pass over a function.
struct Emitter<'f> {
    func: &'f Function,
    buf: MachBuffer<X64LabelUse>,
    frame: FrameInfo,
    cache: RegCache,
    /// Which float values xmm2-xmm15 hold (`XMM_POOL`): write-through values only, so
    /// every entry is clean and can be dropped or overwritten at any time.
    xcache: RegCache,
    /// Which values are block-local, and where they are last read.
    uses: Uses,
    /// The values that live in a register of their own for the whole function.
    pins: Pins,
    /// The position of the instruction being emitted (as `Uses` numbers them).
    pos: u32,
    /// A compare whose result only the next instruction, a `brif`, reads: its value and
    /// the condition code of the flags it left (no register holds it).
    fused: Option<(Value, CC)>,
    /// An `iadd` whose sum only the next instruction, a load or store, reads as its
    /// address: the sum and its operands (nothing emitted for the `iadd`).
    fused_address: Option<(Value, Value, Value)>,
    /// An instruction already accounted for by the one before it (the extension between
    /// a compare and the `brif` that jumps on its flags).
    skip: Option<IrInst>,
    /// Offsets of the explicit stack slots in their area.
    slots: Vec<u32>,
    /// Where the function's own parameters and results are.
    own: CallLayout,
    unwind: Vec<UnwindRecord>,
    listing: Option<String>,
    /// The label bound right after the code being emitted, if known (branches to it fall
    /// through).
    next: Option<MachLabel>,
    is_pic: bool,
    isa_flags: super::X64Flags,
}

fn gpr(enc: u8) -> Reg {
    regs::gpr(enc)
}

/// The register of index `r`: a cache register, or from `NCACHE` on a pinned one.
fn cached(r: usize) -> Reg {
    match POOL.get(r) {
        Some(&enc) => regs::gpr(enc),
        None => regs::gpr(PINNED[r - NCACHE]),
    }
}

fn label(b: Block) -> MachLabel {
    MachLabel::from_block(crate::entity::EntityRef::index(b) as u32)
}

/// The width of operations that must see exactly the bits of `ty`.
fn exact(ty: Type) -> OperandSize {
    OperandSize::from_bits(ty.bits()).unwrap_or(OperandSize::S64)
}

/// The width of operations whose low bits do not depend on the bits above them (add,
/// multiply, bitwise): 32 bits for types up to 32, else 64.
fn wide(ty: Type) -> OperandSize {
    if ty.bits() <= 32 { OperandSize::S32 } else { OperandSize::S64 }
}

fn check_type(ty: Type) -> Result<(), CodegenError> {
    if (ty.is_int_scalar() && ty.bits() <= 64) || ty == types::F32 || ty == types::F64 {
        Ok(())
    } else {
        Err(not_covered(format_args!("`{ty}` values")))
    }
}

fn is_system_v_family(conv: CallConv) -> bool {
    matches!(conv, CallConv::SystemV | CallConv::Fast | CallConv::Tail)
}

impl<'f> Emitter<'f> {
    fn new(
        func: &'f Function,
        flags: &Flags,
        isa_flags: super::X64Flags,
        want_listing: bool,
    ) -> Result<Self, CodegenError> {
        if !is_system_v_family(func.signature.call_conv) {
            return Err(not_covered(format_args!("the `{}` calling convention", func.signature.call_conv)));
        }
        let own = CallLayout::new(&SYSV, &func.signature)?;
        if own.has_by_ref() {
            return Err(not_covered("signatures with arguments by reference"));
        }
        let mut slots = Vec::new();
        let slots_size = layout_stack_slots(func, &mut slots);
        let outgoing = crate::baseline::outgoing_area_size(func, conv_desc);
        let num_values = func.dfg.num_values();
        let uses = Uses::compute(func);
        let budget = PinBudget {
            int: CALLEE_SAVED_PINS,
            int_without_calls: PINNED.len() - CALLEE_SAVED_PINS,
            float_without_calls: PINNED_XMM,
            float_with_calls: 0,
        };
        let pins = Pins::choose(func, &uses, budget);
        let saved = PINNED[..pins.num_int().min(CALLEE_SAVED_PINS)].iter().map(|&e| gpr(e)).collect();
        let frame = crate::machinst::abi::frame::layout(
            &FRAME,
            outgoing,
            slots_size,
            crate::baseline::home_slots(func),
            saved,
            flags.stack_probe_interval(),
        );
        let mut cache = RegCache::new(POOL.len());
        cache.reset(num_values);
        Ok(Self {
            func,
            buf: {
                let mut buf = MachBuffer::new(func.dfg.num_blocks() as u32, crate::ir::Endianness::Little);
                // The tier makes about 14 bytes of code per IR instruction (bench/big);
                // reserving that up front saves the buffer's copies as it grows.
                buf.reserve(func.dfg.insts.len() * 16 + 64);
                buf
            },
            frame,
            cache,
            xcache: {
                let mut x = RegCache::new(XMM_POOL.len() - pins.num_float());
                x.reset(num_values);
                x
            },
            uses,
            pins,
            pos: 0,
            fused: None,
            fused_address: None,
            skip: None,
            slots,
            own,
            unwind: Vec::new(),
            listing: want_listing.then(String::new),
            next: None,
            is_pic: flags.is_pic,
            isa_flags,
        })
    }

    fn run(mut self) -> Result<CompiledCode, CodegenError> {
        let func = self.func;
        let entry = func.layout.entry_block().ok_or_else(|| not_covered("a function without blocks"))?;
        for block in func.layout.blocks() {
            self.next = func.layout.next_block(block).map(label);
            self.buf.bind_label(label(block));
            if let Some(l) = &mut self.listing {
                let _ = writeln!(l, "{block}:");
            }
            self.cache.clear();
            self.xcache.clear();
            self.enter_region(self.pins.region_of(block));
            self.fused = None;
            self.fused_address = None;
            self.skip = None;
            if block == entry {
                let prologue = Inst::gen_prologue(&self.frame);
                self.put_frame(prologue);
                self.entry_params(entry)?;
            }
            for inst in func.layout.block_insts(block) {
                self.pos += 1;
                if self.skip.take() == Some(inst) {
                    continue;
                }
                let address_pending = self.fused_address.is_some();
                self.buf.start_srcloc(func.srclocs[inst]);
                self.inst(inst)?;
                self.buf.end_srcloc();
                if address_pending && self.fused_address.is_some() {
                    return Err(not_covered("an address addition its load or store did not take"));
                }
                self.cache.unpin_all();
                self.xcache.unpin_all();
            }
        }
        let done = self.buf.finish()?;
        Ok(CompiledCode::from_buffer(done, self.frame.fixed_frame_size, self.unwind, self.listing))
    }

    /// Emits one instruction (after an island, if one is due).
    fn put(&mut self, inst: Inst) {
        let next = self.next;
        self.put_before(inst, next);
    }

    /// Emits one instruction that `next` follows.
    fn put_before(&mut self, inst: Inst, next: Option<MachLabel>) {
        crate::baseline::put_inst(&mut self.buf, &self.frame, next, &mut self.listing, inst);
    }

    fn put_frame(&mut self, items: Vec<FrameItem<Inst>>) {
        let (buf, frame, next) = (&mut self.buf, &self.frame, self.next);
        crate::baseline::put_frame_items(buf, frame, next, &mut self.listing, &mut self.unwind, items);
    }

    /// SP offset of `v`'s home.
    fn home(&self, v: Value) -> u32 {
        self.frame.spill_slot_offset(crate::entity::EntityRef::index(v) as u32)
    }

    fn resolve(&self, v: Value) -> Value {
        self.func.dfg.resolve_aliases(v)
    }

    /// The register `v` is pinned to, if it is.
    fn pinned_reg(&self, v: Value) -> Option<Reg> {
        let n = crate::entity::EntityRef::index(v) as u32;
        if let Some(k) = self.pins.int(n) {
            return Some(gpr(PINNED[k]));
        }
        self.pins.float(n).map(|k| float::xmm(XMM_POOL.len() - 1 - k))
    }

    /// The bits of `v` when it is a constant that is not pinned: such a value has no
    /// home and is rematerialized wherever it is read (its instruction emits nothing).
    fn const_bits(&self, v: Value) -> Option<u64> {
        let dfg = &self.func.dfg;
        let inst = dfg.value_inst(v)?;
        match dfg.insts[inst] {
            InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => Some(imm.bits() as u64),
            _ if self.pins.is_pinned(crate::entity::EntityRef::index(v) as u32) => None,
            InstructionData::UnaryIeee32 { opcode: Opcode::F32const, imm } => Some(u64::from(imm.0)),
            InstructionData::UnaryIeee64 { opcode: Opcode::F64const, imm } => Some(imm.0),
            _ => None,
        }
    }

    /// `dst = src` between any two registers (integer or xmm: the low 8 bytes count).
    fn move_reg(&mut self, src: Reg, dst: Reg) {
        if src == dst {
            return;
        }
        let size = OperandSize::S64;
        self.put(match (src.class(), dst.class()) {
            (RegClass::Int, RegClass::Int) => Inst::MovRR { size, src, dst },
            (RegClass::Int, _) => Inst::GprToXmm { size, src, dst },
            (_, RegClass::Int) => Inst::XmmToGpr { size, src, dst },
            _ => Inst::XmmMovRR { src, dst },
        });
    }

    /// Loads `v`'s home into `dst` (an integer or an xmm register: 8 bytes either way):
    /// its frame slot, its pinned register, or its constant.
    fn load_home(&mut self, v: Value, dst: Reg) {
        if let Some(src) = self.pinned_reg(v) {
            self.move_reg(src, dst);
        } else if let Some(bits) = self.const_bits(v) {
            if dst.class() == RegClass::Int {
                self.put(Inst::MovImm { size: OperandSize::S64, imm: bits, dst });
            } else {
                let double = self.func.dfg.value_type(v) == types::F64;
                self.put(Inst::XmmConst { double, bits, dst });
            }
        } else {
            let offset = self.home(v);
            self.put(Inst::MovFromSp { offset, dst, class: dst.class() });
        }
    }

    /// Stores `src` (an integer or an xmm register) to `v`'s home (nothing for a
    /// constant, whose home is its bits).
    fn store_home(&mut self, v: Value, src: Reg) {
        if let Some(dst) = self.pinned_reg(v) {
            self.move_reg(src, dst);
        } else if self.const_bits(v).is_none() {
            let offset = self.home(v);
            self.put(Inst::MovToSp { offset, src, class: src.class() });
        }
    }

    /// A pinned cache register to overwrite; a dirty value evicted from it that this or a
    /// later instruction reads is stored to its home first.
    fn pick(&mut self) -> Result<usize, CodegenError> {
        let (uses, pos) = (&self.uses, self.pos);
        let cost = |v, dirty| uses.eviction_cost(v, dirty, pos);
        let (r, evicted) =
            self.cache.pick_by(cost).ok_or_else(|| not_covered("an instruction needing more than 8 registers"))?;
        if let Some(v) = evicted {
            self.save_if(v, r, self.uses.read_from(v, self.pos));
        }
        Ok(r)
    }

    /// Stores value number `v`, dirty in cache register `r`, to its home when `needed`.
    fn save_if(&mut self, v: u32, r: usize, needed: bool) {
        if needed {
            self.store_home(Value::from_u32(v), cached(r));
        }
    }

    /// Cache register `r` (holding an operand already read) is about to be overwritten in
    /// place by the instruction being emitted: its value, if dirty and read by a later
    /// instruction, is stored first; the register is then free for the result.
    fn clobber(&mut self, r: usize) {
        if let Some(v) = self.cache.forget_reg(r) {
            self.save_if(v, r, self.uses.read_after(v, self.pos));
        }
    }

    /// Stores every dirty value read at or after position `from`, then forgets the cache
    /// (before a call, a branch or a return: they read homes and clobber registers).
    fn flush(&mut self, from: u32) {
        for r in 0..self.cache.num_regs() {
            if let Some(v) = self.cache.dirty_value(r) {
                self.save_if(v, r, self.uses.read_from(v, from));
            }
        }
        self.cache.clear();
        self.xcache.clear();
    }

    /// The register holding `v`, for reading: its pinned register (index `NCACHE` and
    /// up), or a cache register (loaded from its home if needed), pinned.
    fn use_value(&mut self, v: Value) -> Result<usize, CodegenError> {
        let v = self.resolve(v);
        let n = crate::entity::EntityRef::index(v) as u32;
        if let Some(k) = self.pins.int(n) {
            return Ok(NCACHE + k);
        }
        if let Some(r) = self.cache.lookup(n) {
            self.cache.pin(r);
            return Ok(r);
        }
        let r = self.pick()?;
        self.load_home(v, cached(r));
        self.cache.assign(r, n);
        Ok(r)
    }

    /// A pinned cache register to compute into.
    fn fresh(&mut self) -> Result<usize, CodegenError> {
        self.pick()
    }

    /// A register to compute `res` into, written only after the operands are read or
    /// distinct from them: `res`'s own register when it is pinned, else a cache register.
    fn fresh_for(&mut self, res: Value) -> Result<usize, CodegenError> {
        match self.pins.int(crate::entity::EntityRef::index(res) as u32) {
            Some(k) => Ok(NCACHE + k),
            None => self.fresh(),
        }
    }

    /// The register an instruction computing `res` in place overwrites, starting from
    /// operand register `x`: `res`'s own register when it is pinned (`x` copied there,
    /// left as it is), a copy when `x` is a pinned register (never overwritten but by its
    /// own value's definition), else `x` itself (through [`clobber`](Self::clobber)).
    fn dest_from(&mut self, x: usize, res: Value) -> Result<usize, CodegenError> {
        if let Some(k) = self.pins.int(crate::entity::EntityRef::index(res) as u32) {
            let p = NCACHE + k;
            self.move_reg(cached(x), cached(p));
            return Ok(p);
        }
        if x >= NCACHE {
            let f = self.fresh()?;
            self.move_reg(cached(x), cached(f));
            return Ok(f);
        }
        // A value a later instruction still reads is copied to a free register rather
        // than stored.
        let read_later = self.cache.held(x).is_some_and(|w| self.uses.read_after(w, self.pos));
        if read_later && let Some(f) = self.cache.take_free() {
            self.move_reg(cached(x), cached(f));
            return Ok(f);
        }
        self.clobber(x);
        Ok(x)
    }

    /// Puts `v` in cache register `r` (which must not be pinned), pinned.
    fn use_value_in(&mut self, v: Value, r: usize) -> Result<(), CodegenError> {
        let v = self.resolve(v);
        let n = crate::entity::EntityRef::index(v) as u32;
        debug_assert!(!self.cache.is_pinned(r) || self.cache.lookup(n) == Some(r));
        let at = self.cache.lookup(n);
        if at != Some(r)
            && let Some(w) = self.cache.forget_reg(r)
        {
            self.save_if(w, r, self.uses.read_from(w, self.pos));
        }
        let dirty = at.is_some_and(|at| self.cache.is_dirty(at));
        match at {
            Some(at) if at == r => {}
            Some(at) => self.put(Inst::MovRR { size: OperandSize::S64, src: cached(at), dst: cached(r) }),
            None => self.load_home(v, cached(r)),
        }
        self.cache.assign(r, n);
        self.cache.set_dirty(r, dirty);
        self.cache.pin(r);
        Ok(())
    }

    /// Takes cache register `r` for a fixed use (a dirty value in it that is still read
    /// is stored first), pinned.
    fn claim(&mut self, r: usize) {
        if let Some(w) = self.cache.forget_reg(r) {
            self.save_if(w, r, self.uses.read_from(w, self.pos));
        }
        self.cache.pin(r);
    }

    /// `v` was computed into cache register `r`: records it in the cache, dirty when it is
    /// block-local, else stored to its home (write-through). A dirty value `r` still held
    /// (an operand the instruction left unchanged, as `ireduce` does) is stored first if
    /// a later instruction reads it; operands overwritten in place went through
    /// [`clobber`](Self::clobber) before.
    fn define(&mut self, v: Value, r: usize) {
        let n = crate::entity::EntityRef::index(v) as u32;
        if r >= NCACHE || self.pins.is_pinned(n) {
            // Into the pinned register (a move unless computed there). A cache register
            // `r` keeps what it holds: nothing (`fresh`, `clobber`), or an operand the
            // instruction left unchanged.
            self.store_home(v, cached(r));
            return;
        }
        if let Some(w) = self.cache.forget_reg(r)
            && w != n
        {
            self.save_if(w, r, self.uses.read_after(w, self.pos));
        }
        let local = !self.uses.write_through(n);
        if !local {
            self.store_home(v, cached(r));
        }
        self.cache.assign(r, n);
        self.cache.set_dirty(r, local);
    }

    /// Widens the narrow integer in `reg` as a signature asks (`uext`/`sext`).
    fn extend_for_abi(&mut self, reg: Reg, ty: Type, ext: ArgumentExtension) {
        if ty.bits() >= 64 {
            return;
        }
        let from = exact(ty);
        match ext {
            ArgumentExtension::None => {}
            ArgumentExtension::Uext => {
                self.put(Inst::MovzxRmR { from, to: OperandSize::S64, src: RegMem::Reg(reg), dst: reg })
            }
            ArgumentExtension::Sext => {
                self.put(Inst::MovsxRmR { from, to: OperandSize::S64, src: RegMem::Reg(reg), dst: reg })
            }
        }
    }

    /// SP offset of the slot holding the address of the function's own return area (the
    /// spill slot after the values' homes).
    fn ret_area_slot(&self) -> u32 {
        self.frame.spill_slot_offset(self.func.dfg.num_values() as u32)
    }

    /// Stores the incoming arguments to the entry block parameters' homes (and the
    /// return-area address to its slot).
    fn entry_params(&mut self, entry: Block) -> Result<(), CodegenError> {
        let func = self.func;
        let offset = self.ret_area_slot();
        match self.own.ret_area_ptr {
            None => {}
            Some(ArgLoc::Reg(p)) => self.put(Inst::MovToSp { offset, src: Reg::from_preg(p), class: RegClass::Int }),
            Some(ArgLoc::Stack(at)) => {
                let (addr, dst) = (Amode::IncomingArg { offset: at }, gpr(SCRATCH));
                self.put(Inst::Load { size: OperandSize::S64, ext: ExtMode::None, addr, dst, trap: None });
                self.put(Inst::MovToSp { offset, src: dst, class: RegClass::Int });
            }
        }
        for (i, &v) in func.dfg.block_params(entry).iter().enumerate() {
            check_type(func.dfg.value_type(v))?;
            match &self.own.params[i] {
                ParamLoc::Direct(locs) if locs.len() == 1 => match locs[0] {
                    ArgLoc::Reg(p) => {
                        self.store_home(v, Reg::from_preg(p));
                        // The argument register caches the value, if it is a cache register
                        // (and the value has no register of its own).
                        let int = p.class() == RegClass::Int && self.pinned_reg(v).is_none();
                        if let Some(r) = POOL.iter().position(|&e| int && usize::from(e) == p.hw_enc()) {
                            self.cache.assign(r, crate::entity::EntityRef::index(v) as u32);
                        }
                    }
                    ArgLoc::Stack(offset) => {
                        let addr = Amode::IncomingArg { offset };
                        let dst = gpr(SCRATCH);
                        self.put(Inst::Load { size: OperandSize::S64, ext: ExtMode::None, addr, dst, trap: None });
                        self.store_home(v, dst);
                    }
                },
                _ => return Err(not_covered("parameters in more than one location")),
            }
        }
        Ok(())
    }

    /// Whether taking `call` needs code: copies into the target's parameters, or moving
    /// pinned values between registers and homes (the target is in another region).
    fn edge_has_copies(&self, call: BlockCall) -> bool {
        if self.pins.region_of(call.block) != self.pins.current() {
            return true;
        }
        let dfg = &self.func.dfg;
        let args = call.args_slice(&dfg.value_lists);
        args.iter().zip(dfg.block_params(call.block)).any(|(&a, &p)| self.resolve(a) != p)
    }

    /// SP offset of staging slot `k` of the parallel copies (after the return-area slot).
    fn staging_slot(&self, k: usize) -> u32 {
        self.frame.spill_slot_offset((self.func.dfg.num_values() + 1 + k) as u32)
    }

    /// Writes the arguments of `call` into the target's parameter homes, as a parallel
    /// copy: every argument is read before any parameter is written (up to 8 at once in
    /// the cache registers; more through the staging slots, unless no argument is itself
    /// a parameter of the target, when order cannot matter). The cache must be empty: its
    /// registers are used.
    fn edge_copies(&mut self, call: BlockCall) -> Result<(), CodegenError> {
        let (from, to) = (self.pins.current(), self.pins.region_of(call.block));
        if from == to {
            return self.parallel_copy(call);
        }
        // Into another region: the pinned values of this one go to their homes, the
        // copies go from homes to homes, and the target region's pinned values come
        // from their homes (a value not computed yet carries garbage that nothing reads).
        if let Some(r) = from {
            self.sync_region(r, true);
        }
        self.enter_region(None);
        let copied = self.parallel_copy(call);
        if let Some(r) = to {
            self.sync_region(r, false);
        }
        self.enter_region(from);
        copied
    }

    /// Makes `region`'s pinned values the ones homes resolve to, and keeps the cache off
    /// the caller-saved registers it pins. The cache holds nothing (a block start, or
    /// an edge after the flush).
    fn enter_region(&mut self, region: Option<usize>) {
        self.pins.enter(region);
        let mut reserved = 0u32;
        for &enc in &PINNED[CALLEE_SAVED_PINS..self.pins.current_num_int().max(CALLEE_SAVED_PINS)] {
            if let Some(r) = POOL.iter().position(|&e| e == enc) {
                reserved |= 1 << r;
            }
        }
        self.cache.set_reserved(reserved);
    }

    /// Stores (`out`) or loads the pinned values of `region` to or from their frame
    /// homes.
    fn sync_region(&mut self, region: usize, out: bool) {
        for i in 0..self.pins.region_pins(region).count() {
            let Some((v, at)) = self.pins.region_pins(region).nth(i) else { break };
            let reg = match at {
                Ok(k) => gpr(PINNED[k]),
                Err(k) => float::xmm(XMM_POOL.len() - 1 - k),
            };
            let offset = self.frame.spill_slot_offset(v);
            self.put(match out {
                true => Inst::MovToSp { offset, src: reg, class: reg.class() },
                false => Inst::MovFromSp { offset, dst: reg, class: reg.class() },
            });
        }
    }

    /// The parallel copy of `call`'s arguments into its target's parameters (in the
    /// current region).
    fn parallel_copy(&mut self, call: BlockCall) -> Result<(), CodegenError> {
        let func = self.func;
        let args = call.args_slice(&func.dfg.value_lists);
        let params = func.dfg.block_params(call.block);
        let pairs = || args.iter().zip(params).map(|(&a, &p)| (func.dfg.resolve_aliases(a), p)).filter(|(a, p)| a != p);
        let n = pairs().count();
        // The cache registers free here (those not lent to pinned values).
        let mut free = [0usize; NCACHE];
        let mut num_free = 0;
        for r in (0..NCACHE).filter(|&r| !self.cache.is_reserved(r)) {
            free[num_free] = r;
            num_free += 1;
        }
        if n <= num_free {
            for (k, (a, _)) in pairs().enumerate() {
                self.load_home(a, cached(free[k]));
            }
            for (k, (_, p)) in pairs().enumerate() {
                self.store_home(p, cached(free[k]));
            }
        } else if pairs().all(|(a, _)| !params.contains(&a)) {
            for (a, p) in pairs() {
                self.load_home(a, gpr(SCRATCH));
                self.store_home(p, gpr(SCRATCH));
            }
        } else {
            let scratch = gpr(SCRATCH);
            for (k, (a, _)) in pairs().enumerate() {
                self.load_home(a, scratch);
                let offset = self.staging_slot(k);
                self.put(Inst::MovToSp { offset, src: scratch, class: RegClass::Int });
            }
            for (k, (_, p)) in pairs().enumerate() {
                let offset = self.staging_slot(k);
                self.put(Inst::MovFromSp { offset, dst: scratch, class: RegClass::Int });
                self.store_home(p, scratch);
            }
        }
        Ok(())
    }

    fn jump(&mut self, call: BlockCall) -> Result<(), CodegenError> {
        self.flush(self.pos);
        self.edge_copies(call)?;
        self.put(Inst::Jmp { target: label(call.block) });
        Ok(())
    }

    /// Whether `res`, the result of `inst`, is block-local and read only by the next
    /// instruction, a `brif` on it.
    fn feeds_next_brif(&self, inst: IrInst, res: Value) -> bool {
        if !self.read_only_by_next(res, self.pos) {
            return false;
        }
        let dfg = &self.func.dfg;
        match self.func.layout.next_inst(inst).map(|next| dfg.insts[next]) {
            Some(InstructionData::Brif { arg, .. }) => self.resolve(arg) == res,
            _ => false,
        }
    }

    /// Whether `res` (defined at position `at`) is block-local and read by no instruction
    /// after position `at + 1`.
    fn read_only_by_next(&self, res: Value, at: u32) -> bool {
        let n = crate::entity::EntityRef::index(res) as u32;
        !self.uses.write_through(n) && !self.uses.read_after(n, at + 1)
    }

    /// The extension that follows `inst` when `res`, its result, is read only by it and
    /// the extension's result only by the `brif` after it (`icmp`, `uextend`, `brif`, as
    /// Wasm's compares give): the `brif` can jump on the compare's flags, since the
    /// extension of a 0 or 1 is non-zero exactly when the condition holds.
    pub(super) fn extension_feeding_brif(&self, inst: IrInst, res: Value) -> Option<(IrInst, Value)> {
        if !self.read_only_by_next(res, self.pos) {
            return None;
        }
        let dfg = &self.func.dfg;
        let ext = self.func.layout.next_inst(inst)?;
        match dfg.insts[ext] {
            InstructionData::Unary { opcode: Opcode::Uextend | Opcode::Sextend, arg } if self.resolve(arg) == res => {}
            _ => return None,
        }
        let wide = *dfg.inst_results(ext).first()?;
        if !self.read_only_by_next(wide, self.pos + 1) {
            return None;
        }
        match self.func.layout.next_inst(ext).map(|next| dfg.insts[next]) {
            Some(InstructionData::Brif { arg, .. }) if self.resolve(arg) == wide => Some((ext, wide)),
            _ => None,
        }
    }

    /// Whether `res`, the result of `inst` (a 64-bit `iadd`), is block-local and read
    /// only by the next instruction, a load or store, and only as its address.
    pub(super) fn feeds_next_address(&self, inst: IrInst, res: Value) -> bool {
        let dfg = &self.func.dfg;
        if dfg.value_type(res) != types::I64 || !self.read_only_by_next(res, self.pos) {
            return false;
        }
        let Some(next) = self.func.layout.next_inst(inst) else { return false };
        let big = Some(crate::ir::Endianness::Big);
        match dfg.insts[next] {
            InstructionData::Load { arg, flags, .. } => flags.explicit_endianness() != big && self.resolve(arg) == res,
            InstructionData::Store { args: [value, address], flags, .. } => {
                flags.explicit_endianness() != big && self.resolve(address) == res && self.resolve(value) != res
            }
            _ => false,
        }
    }

    fn brif(&mut self, cond: Value, then: BlockCall, els: BlockCall) -> Result<(), CodegenError> {
        let cond = self.resolve(cond);
        let cc = match self.fused.take() {
            Some((v, cc)) if v == cond => cc,
            _ => {
                let ty = self.func.dfg.value_type(cond);
                let r = self.use_value(cond)?;
                self.put(Inst::Test { size: exact(ty), src1: cached(r), src2: RegMemImm::Reg(cached(r)) });
                CC::NZ
            }
        };
        // Stores only (the flags stay); the condition itself was read.
        self.flush(self.pos + 1);
        let then_copies = self.edge_has_copies(then);
        let else_copies = self.edge_has_copies(els);
        let then_label = if then_copies { self.buf.get_label() } else { label(then.block) };
        let else_label = if else_copies { self.buf.get_label() } else { label(els.block) };
        let after = if then_copies {
            Some(then_label)
        } else if else_copies {
            Some(else_label)
        } else {
            self.next
        };
        self.put_before(Inst::JmpCond { cc, taken: then_label, not_taken: else_label }, after);
        if then_copies {
            self.buf.bind_label(then_label);
            self.edge_copies(then)?;
            let after = if else_copies { Some(else_label) } else { self.next };
            self.put_before(Inst::Jmp { target: label(then.block) }, after);
        }
        if else_copies {
            self.buf.bind_label(else_label);
            self.edge_copies(els)?;
            self.put(Inst::Jmp { target: label(els.block) });
        }
        Ok(())
    }

    fn br_table(&mut self, index: Value, table: crate::ir::JumpTable) -> Result<(), CodegenError> {
        let func = self.func;
        let data = &func.dfg.jump_tables[table];
        let r = self.use_value(index)?;
        let (t1, t2) = (self.fresh()?, self.fresh()?);
        self.flush(self.pos + 1);
        // A target whose edge needs copies goes through a stub after the table: the
        // copies, then the jump.
        let stub = |e: &mut Self, c: BlockCall| match e.edge_has_copies(c) {
            true => e.buf.get_label(),
            false => label(c.block),
        };
        let targets: Vec<MachLabel> = data.as_slice().iter().map(|&c| stub(self, c)).collect();
        let default = stub(self, data.default_block());
        let (index, tmp1, tmp2) = (cached(r), cached(t1), cached(t2));
        self.put(Inst::JmpTable { index, tmp1, tmp2, default, targets: targets.clone() });
        let default_call = data.default_block();
        let calls = data.as_slice().iter().chain(std::iter::once(&default_call));
        let mut stubs =
            calls.zip(targets.iter().chain(std::iter::once(&default))).filter(|(c, l)| **l != label(c.block));
        let mut current = stubs.next();
        while let Some((&c, &l)) = current {
            current = stubs.next();
            // Each stub's jump falls through only into what really follows it: the next
            // stub, or after the last one the next block.
            let after = current.map_or(self.next, |(_, &next)| Some(next));
            self.buf.bind_label(l);
            self.edge_copies(c)?;
            self.put_before(Inst::Jmp { target: label(c.block) }, after);
        }
        Ok(())
    }

    fn ret(&mut self, values: &[Value]) -> Result<(), CodegenError> {
        let func = self.func;
        self.flush(self.pos);
        // Results in the return area first, through r11 (its address) and rax (loaded
        // with its own result only after), then those in registers. Neither holds a
        // pinned value.
        for pass_in_area in [true, false] {
            for (i, &v) in values.iter().enumerate() {
                let param = func.signature.returns[i];
                let loc = match self.own.rets[i].as_slice() {
                    [loc] => *loc,
                    _ => return Err(not_covered("results in more than one location")),
                };
                match (loc, pass_in_area) {
                    (RetLoc::Reg(p), false) => {
                        let reg = Reg::from_preg(p);
                        self.load_home(self.resolve(v), reg);
                        self.extend_for_abi(reg, param.value_type, param.extension);
                    }
                    (RetLoc::Area(off), true) => {
                        let (base, reg) = (gpr(SCRATCH), gpr(0));
                        let offset = self.ret_area_slot();
                        self.put(Inst::MovFromSp { offset, dst: base, class: RegClass::Int });
                        self.load_home(self.resolve(v), reg);
                        self.extend_for_abi(reg, param.value_type, param.extension);
                        let addr = Amode::ImmReg { base, disp: off as i32 };
                        self.put(Inst::Store { size: OperandSize::S64, src: reg, addr, trap: None });
                    }
                    _ => {}
                }
            }
        }
        let at = self.buf.cur_offset();
        self.unwind.push(UnwindRecord { offset: at, inst: UnwindInst::RememberState });
        let epilogue = Inst::gen_epilogue(&self.frame);
        self.put_frame(epilogue);
        self.put(Inst::Ret { rets: Vec::new() });
        let at = self.buf.cur_offset();
        self.unwind.push(UnwindRecord { offset: at, inst: UnwindInst::RestoreState });
        Ok(())
    }

    /// A call of a function with signature `sig`: `callee` is its name, or `None` when
    /// `args[0]` is its address.
    fn call(
        &mut self,
        inst: IrInst,
        sig: &Signature,
        callee: Option<&ExternalName>,
        args: &[Value],
    ) -> Result<(), CodegenError> {
        let desc = conv_desc(sig.call_conv)?;
        let layout = CallLayout::new(desc, sig)?;
        if layout.has_by_ref() {
            return Err(not_covered("calls passing arguments by reference"));
        }
        // The return area sits above the stack arguments in the outgoing area.
        let area = layout.stack_args_size.next_multiple_of(8);
        let (address, args) = match callee {
            Some(_) => (None, args),
            None => (Some(args[0]), &args[1..]),
        };
        // The arguments are read from their homes, and the call clobbers every cache
        // register.
        self.flush(self.pos);
        for (i, &a) in args.iter().enumerate() {
            let a = self.resolve(a);
            let param = sig.params[i];
            let ParamLoc::Direct(locs) = &layout.params[i] else {
                return Err(not_covered("arguments by reference"));
            };
            match locs.as_slice() {
                [ArgLoc::Reg(p)] => {
                    let reg = Reg::from_preg(*p);
                    self.load_home(a, reg);
                    self.extend_for_abi(reg, param.value_type, param.extension);
                }
                [ArgLoc::Stack(offset)] => {
                    let reg = gpr(SCRATCH);
                    self.load_home(a, reg);
                    self.extend_for_abi(reg, param.value_type, param.extension);
                    self.put(Inst::MovToSp { offset: *offset, src: reg, class: RegClass::Int });
                }
                _ => return Err(not_covered("arguments in more than one location")),
            }
        }
        match layout.ret_area_ptr {
            None => {}
            Some(at) => {
                let dst = match at {
                    ArgLoc::Reg(p) => Reg::from_preg(p),
                    ArgLoc::Stack(_) => gpr(SCRATCH),
                };
                let addr = Amode::ImmReg { base: regs::rsp(), disp: area as i32 };
                self.put(Inst::Lea { size: OperandSize::S64, addr, dst });
                if let ArgLoc::Stack(offset) = at {
                    self.put(Inst::MovToSp { offset, src: dst, class: RegClass::Int });
                }
            }
        }
        let (uses, defs, clobbers) = (Vec::new(), Vec::new(), PRegSet::empty());
        match (callee, address) {
            (Some(name), _) => self.put(Inst::CallKnown { callee: name.clone(), uses, defs, clobbers }),
            (None, Some(address)) => {
                let reg = gpr(SCRATCH);
                self.load_home(self.resolve(address), reg);
                self.put(Inst::CallUnknown { target: RegMem::Reg(reg), uses, defs, clobbers });
            }
            (None, None) => unreachable!("an indirect call has its address"),
        }
        for (i, &res) in self.func.dfg.inst_results(inst).iter().enumerate() {
            match layout.rets[i].as_slice() {
                [RetLoc::Reg(p)] => {
                    let reg = Reg::from_preg(*p);
                    match POOL.iter().position(|&e| reg.class() == RegClass::Int && regs::gpr(e) == reg) {
                        // The call left the cache empty: the result stays in its register
                        // (stored only if it is write-through), as if computed there.
                        Some(r) => self.define(res, r),
                        None => self.store_home(res, reg),
                    }
                }
                [RetLoc::Area(off)] => {
                    let reg = gpr(SCRATCH);
                    self.put(Inst::MovFromSp { offset: area + off, dst: reg, class: RegClass::Int });
                    self.store_home(res, reg);
                }
                _ => return Err(not_covered("results in more than one location")),
            }
        }
        Ok(())
    }

    /// Emits one IR instruction.
    fn inst(&mut self, inst: IrInst) -> Result<(), CodegenError> {
        let func = self.func;
        let dfg = &func.dfg;
        for &v in dfg.inst_args(inst).iter().chain(dfg.inst_results(inst)) {
            check_type(dfg.value_type(v))?;
        }
        match dfg.insts[inst] {
            InstructionData::Jump { destination, .. } => self.jump(destination),
            InstructionData::Brif { arg, blocks: [then, els], .. } => self.brif(arg, then, els),
            InstructionData::BranchTable { arg, table, .. } => self.br_table(arg, table),
            InstructionData::MultiAry { opcode: Opcode::Return, args } => self.ret(args.as_slice(&dfg.value_lists)),
            // A constant is materialized where it is read.
            InstructionData::UnaryImm { opcode: Opcode::Iconst, .. }
            | InstructionData::UnaryIeee32 { opcode: Opcode::F32const, .. }
            | InstructionData::UnaryIeee64 { opcode: Opcode::F64const, .. }
                if dfg.inst_results(inst).iter().all(|&r| self.const_bits(r).is_some()) =>
            {
                Ok(())
            }
            InstructionData::Trap { opcode: Opcode::Trap, code } => {
                self.put(Inst::Ud2 { code });
                Ok(())
            }
            InstructionData::Call { opcode: Opcode::Call, func_ref, args } => {
                let ext = &dfg.ext_funcs[func_ref];
                let sig = &dfg.signatures[ext.signature];
                self.call(inst, sig, Some(&ext.name), args.as_slice(&dfg.value_lists))
            }
            InstructionData::CallIndirect { opcode: Opcode::CallIndirect, sig_ref, args } => {
                self.call(inst, &dfg.signatures[sig_ref], None, args.as_slice(&dfg.value_lists))
            }
            data => self.compute(inst, data),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::isa::{TargetIsa, lookup_by_name};
    use crate::machinst::{CompileOptions, CompiledCode};
    use crate::result::CodegenError;
    use crate::settings::{Flags, OptLevel};

    fn isa(name: &str, level: OptLevel) -> Box<dyn TargetIsa> {
        lookup_by_name(name).unwrap().with_flags(Flags { opt_level: level, ..Flags::default() }).finish().unwrap()
    }

    fn compile(text: &str, isa: &dyn TargetIsa) -> (Result<CompiledCode, CodegenError>, CompileOptions) {
        let f = crate::text::parse_functions(text).unwrap().remove(0);
        let mut options = CompileOptions { want_listing: true, ..CompileOptions::default() };
        (isa.compile_function_with(&f, &mut options), options)
    }

    const CALLS_AND_TRAPS: &str = "function %f(i64, i64) -> i64 {
    fn0 = %g(i64) -> i64
block0(v0: i64, v1: i64):
    v2 = udiv v0, v1
    v3 = call fn0(v2)
    v4 = load.i64 v3+8
    return v4
}
";

    #[test]
    fn the_tier_records_what_the_pipeline_records() {
        let (code, options) = compile(CALLS_AND_TRAPS, &*isa("x86_64", OptLevel::Baseline));
        let code = code.unwrap();
        assert_eq!(options.baseline_fallback, None);
        // The call: one call site and one relocation to %g.
        assert_eq!(code.call_sites.len(), 1);
        assert_eq!(code.relocs.len(), 1);
        // Traps: division by zero (the explicit check and the `div`), and the load.
        let codes: Vec<String> = code.traps.iter().map(|t| t.code.to_string()).collect();
        assert_eq!(codes, ["int_divz", "int_divz", "heap_oob"]);
        // The shared prologue and epilogue, with their unwind records.
        assert!(!code.unwind.is_empty());
        let listing = code.listing.unwrap();
        assert!(listing.starts_with("block0:\n  push rbp\n  mov rbp, rsp\n"), "{listing}");
        assert!(listing.trim_end().ends_with("pop rbp\n  ret"), "{listing}");
        // The same records as at opt_level=none, whatever the instructions.
        let (none, _) = compile(CALLS_AND_TRAPS, &*isa("x86_64", OptLevel::None));
        let none = none.unwrap();
        assert_eq!((none.call_sites.len(), none.relocs.len()), (1, 1));
        assert_eq!(none.relocs[0].kind, code.relocs[0].kind);
    }

    #[test]
    fn what_the_tier_does_not_cover_falls_back_to_none_and_says_why() {
        let text = "function %f(i128) -> i128 {\nblock0(v0: i128):\n    v1 = iadd v0, v0\n    return v1\n}\n";
        let (code, options) = compile(text, &*isa("x86_64", OptLevel::Baseline));
        assert!(code.is_ok());
        assert_eq!(options.baseline_fallback.as_deref(), Some("baseline tier: `i128` values"));
        let (none, _) = compile(text, &*isa("x86_64", OptLevel::None));
        assert_eq!(code.unwrap().code, none.unwrap().code, "the fallback is the opt_level=none pipeline");
        let text = "function %f(i64) -> i64 {\nblock0(v0: i64):\n    v1 = popcnt v0\n    return v1\n}\n";
        let (_, options) = compile(text, &*isa("x86_64", OptLevel::Baseline));
        assert_eq!(
            options.baseline_fallback.as_deref(),
            Some("baseline tier: `popcnt` without the CPU feature it needs")
        );
    }

    #[test]
    fn other_isas_refuse_the_tier() {
        let text = "function %f() {\nblock0:\n    return\n}\n";
        for name in ["riscv64", "s390x"] {
            let (code, options) = compile(text, &*isa(name, OptLevel::Baseline));
            let e = code.unwrap_err();
            assert_eq!(e.to_string(), "unsupported: baseline tier: x86_64 and aarch64 only for now", "{name}");
            assert_eq!(options.baseline_fallback, None);
        }
    }
}

//! The aarch64 part of the baseline tier (`crate::baseline`): one pass over the function,
//! each IR instruction turned into aarch64 [`Inst`]s over physical registers and emitted
//! at once into the `MachBuffer` with the ordinary encoder.
//!
//! Input: a function prepared by `crate::baseline::prepare`. Output: `CompiledCode` filled
//! as the optimizing pipeline fills it (relocations, traps with source locations, call
//! sites, the frame and unwind records of the shared prologue and epilogues, with return
//! address signing when the `sign_return_address` flag asks), or
//! `CodegenError::Unsupported` naming what the tier does not cover yet, so the caller can
//! fall back to `opt_level=none`.
//!
//! Registers: the integer cache holds values in x0-x15 (all caller-saved, so the frame
//! saves nothing); x16 and x17 are the scratch registers of one instruction's sequence
//! (x16 also of emission: large frame offsets are built in it, so x16 never carries a value
//! across a load or store of a home). Float values are cached in v16-v31 (`float.rs`);
//! v0 and v1 are scratch. Values are not pinned in registers across blocks on aarch64
//! (`crate::baseline::Pins` is the x86-64 part's): every value that crosses a block goes
//! through its home. Integer values in registers and homes are 64 bits whose bits above
//! the value's type are undefined: operations whose result depends on those bits
//! (compares, right shifts, divisions, extensions, conversions) extend their operands to
//! the type's width first, into x16/x17.
//!
//! This module has the frame, the walk, the register cache plumbing, branches, returns and
//! calls; `ops.rs` has the integer and memory instructions, `float.rs` the float ones.

mod float;
mod ops;
#[cfg(test)]
mod tests;

use super::abi::{AAPCS64, conv_desc};
use super::inst::args::{AMode, AluOp, BitfieldOp, CondBrKind, LoadOp, OperandSize, StoreOp};
use super::inst::imms::Imm12;
use super::{A64Flags, AArch64FrameRules, AArch64LabelUse, FRAME, Inst, regs};
use crate::baseline::{RegCache, Uses, layout_stack_slots, not_covered};
use crate::ir::{
    ArgumentExtension, Block, BlockCall, CallConv, ExternalName, Function, Inst as IrInst, InstructionData, Opcode,
    Signature, Type, Value, types,
};
use crate::machinst::abi::{ArgLoc, CallLayout, ParamLoc, RetLoc};
use crate::machinst::{
    CompileOptions, CompiledCode, FrameInfo, FrameItem, FrameRules, MachBuffer, MachInst, MachLabel, PRegSet, Reg,
    RegClass, UnwindInst, UnwindRecord,
};
use crate::result::CodegenError;
use crate::settings::Flags;
use std::fmt::Write;

/// The hardware numbers of the integer cache registers, by cache index.
const POOL: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/// The float cache registers v16-v31 (caller-saved in full; v0 and v1 are scratch).
const FLOAT_POOL: [u8; 16] = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31];

/// Compiles `func` with the baseline tier for a CPU with `isa_flags`; see the module
/// documentation.
pub fn compile(
    func: &Function,
    flags: &Flags,
    isa_flags: A64Flags,
    options: &mut CompileOptions,
) -> Result<CompiledCode, CodegenError> {
    crate::baseline::run_tier(func, flags, options, |func, want_listing| {
        Emitter::new(func, flags, isa_flags, want_listing).and_then(Emitter::run)
    })
}

/// The state of the one pass over a function.
struct Emitter<'f> {
    func: &'f Function,
    buf: MachBuffer<AArch64LabelUse>,
    frame: FrameInfo,
    cache: RegCache,
    /// Which float values v16-v31 hold: write-through values only, so every entry is
    /// clean and can be dropped or overwritten at any time.
    fcache: RegCache,
    /// Which values are block-local, and where they are last read.
    uses: Uses,
    /// The position of the instruction being emitted (as `Uses` numbers them).
    pos: u32,
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
}

/// The register of integer cache index `r`.
fn cached(r: usize) -> Reg {
    regs::xreg(POOL[r])
}

/// Scratch registers of one instruction's sequence (never cached).
fn x16() -> Reg {
    regs::xreg(16)
}
fn x17() -> Reg {
    regs::xreg(17)
}

fn label(b: Block) -> MachLabel {
    MachLabel::from_block(crate::entity::EntityRef::index(b) as u32)
}

/// The width of operations on `ty`: 32 bits for types up to 32, else 64. The low `ty`
/// bits of add, subtract, multiply, left shift and bitwise results do not depend on the
/// operands' bits above them.
fn size_of(ty: Type) -> OperandSize {
    if ty.bits() <= 32 { OperandSize::S32 } else { OperandSize::S64 }
}

fn check_type(ty: Type) -> Result<(), CodegenError> {
    if (ty.is_int_scalar() && ty.bits() <= 64) || ty == types::F32 || ty == types::F64 {
        Ok(())
    } else {
        Err(not_covered(format_args!("`{ty}` values")))
    }
}

impl<'f> Emitter<'f> {
    fn new(func: &'f Function, flags: &Flags, isa_flags: A64Flags, want_listing: bool) -> Result<Self, CodegenError> {
        if !matches!(func.signature.call_conv, CallConv::SystemV | CallConv::Fast | CallConv::Tail) {
            return Err(not_covered(format_args!("the `{}` calling convention", func.signature.call_conv)));
        }
        let own = CallLayout::new(&AAPCS64, &func.signature)?;
        if own.has_by_ref() {
            return Err(not_covered("signatures with arguments by reference"));
        }
        let mut slots = Vec::new();
        let slots_size = layout_stack_slots(func, &mut slots);
        let outgoing = crate::baseline::outgoing_area_size(func, conv_desc);
        let num_values = func.dfg.num_values();
        // Nothing callee-saved is written.
        let rules = AArch64FrameRules { sign_return_address: isa_flags.sign_return_address };
        let mut frame = crate::machinst::abi::frame::layout(
            &FRAME,
            outgoing,
            slots_size,
            crate::baseline::home_slots(func),
            Vec::new(),
            flags.stack_probe_interval(),
        );
        frame.sign_return_address = rules.sign_return_address();
        frame.emit_flags = rules.emit_flags();
        let mut cache = RegCache::new(POOL.len());
        cache.reset(num_values);
        let mut fcache = RegCache::new(FLOAT_POOL.len());
        fcache.reset(num_values);
        Ok(Self {
            func,
            buf: MachBuffer::new(func.dfg.num_blocks() as u32, crate::ir::Endianness::Little),
            frame,
            cache,
            fcache,
            uses: Uses::compute(func),
            pos: 0,
            slots,
            own,
            unwind: Vec::new(),
            listing: want_listing.then(String::new),
            next: None,
            is_pic: flags.is_pic,
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
            self.fcache.clear();
            if block == entry {
                let prologue = Inst::gen_prologue(&self.frame);
                self.put_frame(prologue);
                self.entry_params(entry)?;
            }
            for inst in func.layout.block_insts(block) {
                self.pos += 1;
                self.buf.start_srcloc(func.srclocs[inst]);
                self.inst(inst)?;
                self.buf.end_srcloc();
                self.cache.unpin_all();
                self.fcache.unpin_all();
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

    fn put_all(&mut self, insts: Vec<Inst>) {
        for inst in insts {
            self.put(inst);
        }
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

    /// The bits of `v` when it is a constant: such a value has no home and is
    /// rematerialized wherever it is read (its instruction emits nothing).
    fn const_bits(&self, v: Value) -> Option<u64> {
        let dfg = &self.func.dfg;
        match dfg.insts[dfg.value_inst(v)?] {
            InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => Some(imm.bits() as u64),
            InstructionData::UnaryIeee32 { opcode: Opcode::F32const, imm } => Some(u64::from(imm.0)),
            InstructionData::UnaryIeee64 { opcode: Opcode::F64const, imm } => Some(imm.0),
            _ => None,
        }
    }

    /// The 8-byte access of `[sp + offset]` with a register of either class.
    fn sp_access(store: bool, r: Reg, offset: u32) -> Inst {
        let mem = AMode::SpOffset { offset: i64::from(offset) };
        match (store, r.class()) {
            (true, RegClass::Int) => Inst::Store { op: StoreOp::StrX, rt: r, mem, trap: None },
            (true, _) => Inst::Store { op: StoreOp::StrD, rt: r, mem, trap: None },
            (false, RegClass::Int) => Inst::Load { op: LoadOp::LdrX, rt: r, mem, trap: None },
            (false, _) => Inst::Load { op: LoadOp::LdrD, rt: r, mem, trap: None },
        }
    }

    /// `dst = src` between any two registers (integer or float: the low 8 bytes count).
    fn move_reg(&mut self, src: Reg, dst: Reg) {
        if src == dst {
            return;
        }
        self.put(match (src.class(), dst.class()) {
            (RegClass::Int, RegClass::Int) => Inst::mov64(dst, src),
            (RegClass::Int, _) => Inst::MovToFpu { size: OperandSize::S64, rd: dst, rn: src },
            (_, RegClass::Int) => Inst::MovFromFpu { size: OperandSize::S64, rd: dst, rn: src },
            _ => Inst::FpuMove { size: super::inst::args::FpSize::S64, rd: dst, rn: src },
        });
    }

    /// Loads `v`'s home into `dst` (an integer or a float register: 8 bytes either way):
    /// its frame slot, or its constant (a float one built in x17).
    fn load_home(&mut self, v: Value, dst: Reg) {
        if let Some(bits) = self.const_bits(v) {
            if dst.class() == RegClass::Int {
                self.put_all(Inst::load_constant(dst, bits, OperandSize::S64));
            } else {
                self.put_all(Inst::load_constant(x17(), bits, OperandSize::S64));
                self.move_reg(x17(), dst);
            }
        } else {
            let offset = self.home(v);
            self.put(Self::sp_access(false, dst, offset));
        }
    }

    /// Stores `src` (an integer or a float register) to `v`'s home (nothing for a
    /// constant, whose home is its bits).
    fn store_home(&mut self, v: Value, src: Reg) {
        if self.const_bits(v).is_none() {
            let offset = self.home(v);
            self.put(Self::sp_access(true, src, offset));
        }
    }

    /// A pinned cache register to overwrite; a dirty value evicted from it that this or a
    /// later instruction reads is stored to its home first.
    fn pick(&mut self) -> Result<usize, CodegenError> {
        let (uses, pos) = (&self.uses, self.pos);
        let cost = |v, dirty| uses.eviction_cost(v, dirty, pos);
        let (r, evicted) =
            self.cache.pick_by(cost).ok_or_else(|| not_covered("an instruction needing more than 16 registers"))?;
        if let Some(v) = evicted
            && self.uses.read_from(v, self.pos)
        {
            self.store_home(Value::from_u32(v), cached(r));
        }
        Ok(r)
    }

    /// Stores every dirty value read at or after position `from`, then forgets the caches
    /// (before a call, a branch or a return: they read homes and clobber registers).
    fn flush(&mut self, from: u32) {
        for r in 0..self.cache.num_regs() {
            if let Some(v) = self.cache.dirty_value(r)
                && self.uses.read_from(v, from)
            {
                self.store_home(Value::from_u32(v), cached(r));
            }
        }
        self.cache.clear();
        self.fcache.clear();
    }

    /// The cache register holding `v`, for reading (loaded from its home if needed),
    /// pinned.
    fn use_value(&mut self, v: Value) -> Result<usize, CodegenError> {
        let v = self.resolve(v);
        let n = crate::entity::EntityRef::index(v) as u32;
        if let Some(r) = self.cache.lookup(n) {
            self.cache.pin(r);
            return Ok(r);
        }
        let r = self.pick()?;
        self.load_home(v, cached(r));
        self.cache.assign(r, n);
        Ok(r)
    }

    /// A pinned cache register to compute into (or to hold a temporary: it holds no
    /// value afterwards until `define`).
    fn fresh(&mut self) -> Result<usize, CodegenError> {
        self.pick()
    }

    /// `v` was computed into cache register `r` (from `fresh`): records it in the cache,
    /// dirty when it is block-local, else stored to its home (write-through).
    fn define(&mut self, v: Value, r: usize) {
        let n = crate::entity::EntityRef::index(v) as u32;
        let local = !self.uses.write_through(n);
        if !local {
            self.store_home(v, cached(r));
        }
        self.cache.assign(r, n);
        self.cache.set_dirty(r, local);
    }

    /// Widens the narrow integer in `reg` as a signature asks (`uext`/`sext`).
    fn extend_for_abi(&mut self, reg: Reg, ty: Type, ext: ArgumentExtension) {
        if ty.bits() >= 64 || !ty.is_int() {
            return;
        }
        let op = match ext {
            ArgumentExtension::None => return,
            ArgumentExtension::Uext => BitfieldOp::Ubfm,
            ArgumentExtension::Sext => BitfieldOp::Sbfm,
        };
        let imms = ty.bits() as u8 - 1;
        self.put(Inst::Bitfield { op, size: OperandSize::S64, rd: reg, rn: reg, immr: 0, imms });
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
            Some(ArgLoc::Reg(p)) => self.put(Self::sp_access(true, Reg::from_preg(p), offset)),
            Some(ArgLoc::Stack(_)) => return Err(not_covered("a return-area address passed on the stack")),
        }
        for (i, &v) in func.dfg.block_params(entry).iter().enumerate() {
            check_type(func.dfg.value_type(v))?;
            match &self.own.params[i] {
                ParamLoc::Direct(locs) if locs.len() == 1 => match locs[0] {
                    ArgLoc::Reg(p) => {
                        self.store_home(v, Reg::from_preg(p));
                        // The argument register caches the value (x0-x7 are cache
                        // registers, and they are clean: the home was just written).
                        if p.class() == RegClass::Int
                            && let Some(r) = POOL.iter().position(|&e| usize::from(e) == p.hw_enc())
                        {
                            self.cache.assign(r, crate::entity::EntityRef::index(v) as u32);
                        }
                    }
                    ArgLoc::Stack(offset) => {
                        let mem = AMode::IncomingArg { offset };
                        self.put(Inst::Load { op: LoadOp::LdrX, rt: x17(), mem, trap: None });
                        self.store_home(v, x17());
                    }
                },
                _ => return Err(not_covered("parameters in more than one location")),
            }
        }
        Ok(())
    }

    /// Whether taking `call` needs copies into the target's parameters.
    fn edge_has_copies(&self, call: BlockCall) -> bool {
        let dfg = &self.func.dfg;
        let args = call.args_slice(&dfg.value_lists);
        args.iter().zip(dfg.block_params(call.block)).any(|(&a, &p)| self.resolve(a) != p)
    }

    /// SP offset of staging slot `k` of the parallel copies (after the return-area slot).
    fn staging_slot(&self, k: usize) -> u32 {
        self.frame.spill_slot_offset((self.func.dfg.num_values() + 1 + k) as u32)
    }

    /// Writes the arguments of `call` into the target's parameter homes, as a parallel
    /// copy: every argument is read before any parameter is written (up to 16 at once in
    /// the cache registers; more through the staging slots, unless no argument is itself
    /// a parameter of the target, when order cannot matter). The cache must be empty (a
    /// flush came before): its registers are used.
    fn edge_copies(&mut self, call: BlockCall) -> Result<(), CodegenError> {
        let func = self.func;
        let args = call.args_slice(&func.dfg.value_lists);
        let params = func.dfg.block_params(call.block);
        if args.iter().any(|&a| !crate::ir::BlockArg::is_value(a)) {
            return Err(not_covered("branch arguments that are not values"));
        }
        let pairs = || args.iter().zip(params).map(|(&a, &p)| (func.dfg.resolve_aliases(a), p)).filter(|(a, p)| a != p);
        let n = pairs().count();
        if n <= POOL.len() {
            for (k, (a, _)) in pairs().enumerate() {
                self.load_home(a, cached(k));
            }
            for (k, (_, p)) in pairs().enumerate() {
                self.store_home(p, cached(k));
            }
        } else if pairs().all(|(a, _)| !params.contains(&a)) {
            for (a, p) in pairs() {
                self.load_home(a, x17());
                self.store_home(p, x17());
            }
        } else {
            for (k, (a, _)) in pairs().enumerate() {
                self.load_home(a, x17());
                let offset = self.staging_slot(k);
                self.put(Self::sp_access(true, x17(), offset));
            }
            for (k, (_, p)) in pairs().enumerate() {
                let offset = self.staging_slot(k);
                self.put(Self::sp_access(false, x17(), offset));
                self.store_home(p, x17());
            }
        }
        Ok(())
    }

    fn jump(&mut self, call: BlockCall) -> Result<(), CodegenError> {
        self.flush(self.pos);
        self.edge_copies(call)?;
        self.put(Inst::Jump { target: label(call.block) });
        Ok(())
    }

    /// The branch condition "`r`, a value of type `ty`, is not zero" (narrow types are
    /// tested at their width with `tst`, which sets the flags).
    fn nonzero(&mut self, r: usize, ty: Type) -> CondBrKind {
        match ty.bits() {
            32 => CondBrKind::NotZero(cached(r), OperandSize::S32),
            64 => CondBrKind::NotZero(cached(r), OperandSize::S64),
            bits => {
                let imm = super::inst::imms::ImmLogic::maybe_from_u64((1u64 << bits) - 1, OperandSize::S32)
                    .expect("a low mask is a bitmask immediate");
                let (rd, rn) = (regs::zr(), cached(r));
                self.put(Inst::AluRRImmLogic { op: AluOp::Ands, size: OperandSize::S32, rd, rn, imm });
                CondBrKind::Cond(super::inst::args::Cond::Ne)
            }
        }
    }

    fn brif(&mut self, cond: Value, then: BlockCall, els: BlockCall) -> Result<(), CodegenError> {
        let cond = self.resolve(cond);
        let ty = self.func.dfg.value_type(cond);
        let r = self.use_value(cond)?;
        let kind = self.nonzero(r, ty);
        // Stores only (the flags and the tested register stay); the condition itself was
        // read.
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
        self.put_before(Inst::CondBr { kind, taken: then_label, not_taken: else_label }, after);
        if then_copies {
            self.buf.bind_label(then_label);
            self.edge_copies(then)?;
            let after = if else_copies { Some(else_label) } else { self.next };
            self.put_before(Inst::Jump { target: label(then.block) }, after);
        }
        if else_copies {
            self.buf.bind_label(else_label);
            self.edge_copies(els)?;
            self.put(Inst::Jump { target: label(els.block) });
        }
        Ok(())
    }

    fn br_table(&mut self, index: Value, table: crate::ir::JumpTable) -> Result<(), CodegenError> {
        let func = self.func;
        let data = &func.dfg.jump_tables[table];
        let ty = func.dfg.value_type(self.resolve(index));
        let x = self.use_value(index)?;
        // The table's clamp reads a `w` index at 32 bits; narrower ones are zero-extended
        // first (into a temporary cache register: the table uses x16 and x17).
        let index = if ty.bits() < 32 {
            let t = self.fresh()?;
            self.put(ops::extend(false, ty.bits(), cached(t), cached(x)));
            cached(t)
        } else {
            cached(x)
        };
        self.flush(self.pos + 1);
        // A target whose edge needs copies goes through a stub after the table: the
        // copies, then the jump.
        let stub = |e: &mut Self, c: BlockCall| match e.edge_has_copies(c) {
            true => e.buf.get_label(),
            false => label(c.block),
        };
        let targets: Vec<MachLabel> = data.as_slice().iter().map(|&c| stub(self, c)).collect();
        let default = stub(self, data.default_block());
        self.put(Inst::JmpTable { index, wide: ty.bits() == 64, default, targets: targets.clone() });
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
            self.put_before(Inst::Jump { target: label(c.block) }, after);
        }
        Ok(())
    }

    fn ret(&mut self, values: &[Value]) -> Result<(), CodegenError> {
        let func = self.func;
        self.flush(self.pos);
        // Results in the return area first, through x17 (its address) and x9 (a cache
        // register, free after the flush, and no result register), then those in
        // registers.
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
                        let (base, reg) = (x17(), regs::xreg(9));
                        let offset = self.ret_area_slot();
                        self.put(Self::sp_access(false, base, offset));
                        self.load_home(self.resolve(v), reg);
                        self.extend_for_abi(reg, param.value_type, param.extension);
                        let mem = AMode::BaseOffset { rn: base, offset: i64::from(off) };
                        self.put(Inst::Store { op: StoreOp::StrX, rt: reg, mem, trap: None });
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
                    // x9: caller-saved, no argument register, free after the flush.
                    let reg = regs::xreg(9);
                    self.load_home(a, reg);
                    self.extend_for_abi(reg, param.value_type, param.extension);
                    let ty = desc.stack_type(param.value_type);
                    let op = match ty.bytes() {
                        1 => StoreOp::Strb,
                        2 => StoreOp::Strh,
                        4 => StoreOp::StrW,
                        _ => StoreOp::StrX,
                    };
                    let mem = AMode::SpOffset { offset: i64::from(*offset) };
                    self.put(Inst::Store { op, rt: reg, mem, trap: None });
                }
                _ => return Err(not_covered("arguments in more than one location")),
            }
        }
        match layout.ret_area_ptr {
            None => {}
            Some(ArgLoc::Reg(p)) => {
                let imm = Imm12::maybe_from_u64(u64::from(area))
                    .ok_or_else(|| not_covered("a return area beyond 4 KiB of stack arguments"))?;
                let (rd, rn) = (Reg::from_preg(p), regs::sp());
                self.put(Inst::AluRRImm12 { op: AluOp::Add, size: OperandSize::S64, rd, rn, imm });
            }
            Some(ArgLoc::Stack(_)) => return Err(not_covered("a return-area address passed on the stack")),
        }
        let (uses, defs, clobbers) = (Vec::new(), Vec::new(), PRegSet::empty());
        match (callee, address) {
            (Some(name), _) => self.put(Inst::Call { callee: name.clone(), uses, defs, clobbers }),
            (None, Some(address)) => {
                self.load_home(self.resolve(address), x17());
                self.put(Inst::CallInd { rn: x17(), uses, defs, clobbers });
            }
            (None, None) => unreachable!("an indirect call has its address"),
        }
        for (i, &res) in self.func.dfg.inst_results(inst).iter().enumerate() {
            match layout.rets[i].as_slice() {
                [RetLoc::Reg(p)] => self.store_home(res, Reg::from_preg(*p)),
                [RetLoc::Area(off)] => {
                    self.put(Self::sp_access(false, x17(), area + off));
                    self.store_home(res, x17());
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
            | InstructionData::UnaryIeee64 { opcode: Opcode::F64const, .. } => Ok(()),
            InstructionData::Trap { opcode: Opcode::Trap, code } => {
                self.put(Inst::Udf { code });
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

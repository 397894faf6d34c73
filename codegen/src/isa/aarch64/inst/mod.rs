//! The aarch64 machine instruction, [`Inst`].
//!
//! Each variant is one A64 instruction (or a family sharing an encoding class, picked by
//! an operation enum) except the documented pseudo-instructions: `CondBr` with two
//! targets, `TrapIf`, `LoadAddr` (`adrp` + `add`), `LoadConst` (a literal-pool load),
//! `AdjustSp`, `Args`, and loads and stores whose [`AMode`] is resolved at emission.
//!
//! Unlike x86-64 there are no two-address forms except the few that read their
//! destination (`movk`, `bfm`, `cas`): they have a separate source that the destination
//! reuses, visited FIRST among the operands (so it is operand 0). Invariant: that source
//! is a virtual register before allocation, as for x86-64's two-address forms.
//!
//! Registers: a field documented "or zr" may hold [`regs::zr`](super::regs::zr), one
//! documented "or sp" [`regs::sp`](super::regs::sp); the encoder refuses the other one.
//! The `MachInst` implementation is in `mach.rs`.

pub mod args;
pub mod imms;
mod mach;

pub use mach::{AArch64FrameRules, FRAME};

use self::args::*;
use self::imms::*;
use crate::ir::{CallConv, ExternalName, TrapCode};
use crate::machinst::{MachLabel, PReg, PRegSet, Reg};

/// An aarch64 machine instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum Inst {
    /// `op rd, rn, rm`: every [`AluOp`] (register form; for the arithmetic and logical
    /// ones, the shifted form with `lsl #0`).
    AluRRR {
        /// The operation.
        op: AluOp,
        /// Width.
        size: OperandSize,
        /// Result (or zr).
        rd: Reg,
        /// First operand (or zr).
        rn: Reg,
        /// Second operand (or zr).
        rm: Reg,
    },
    /// `op rd, rn, rm, shift #amt`: arithmetic (no `ror`) and logical operations.
    AluRRRShift {
        /// The operation.
        op: AluOp,
        /// Width.
        size: OperandSize,
        /// Result (or zr).
        rd: Reg,
        /// First operand (or zr).
        rn: Reg,
        /// Second operand, shifted (or zr).
        rm: Reg,
        /// The shift (amount below the width).
        shift: ShiftOpAndAmt,
    },
    /// `op rd, rn, rm, extend #amount`: `add`, `sub`, `adds`, `subs` with an extended
    /// second operand (amount 0-4).
    AluRRRExtend {
        /// The operation.
        op: AluOp,
        /// Width.
        size: OperandSize,
        /// Result (or sp for `add`/`sub`; or zr for `adds`/`subs`).
        rd: Reg,
        /// First operand (or sp).
        rn: Reg,
        /// Second operand, extended (or zr).
        rm: Reg,
        /// The extension.
        extend: ExtendOp,
        /// Left shift after extending, 0-4.
        amount: u8,
    },
    /// `op rd, rn, #imm{, lsl #12}`: `add`, `sub`, `adds`, `subs`.
    AluRRImm12 {
        /// The operation.
        op: AluOp,
        /// Width.
        size: OperandSize,
        /// Result (or sp for `add`/`sub`; or zr for `adds`/`subs`).
        rd: Reg,
        /// First operand (or sp).
        rn: Reg,
        /// The immediate.
        imm: Imm12,
    },
    /// `op rd, rn, #bitmask`: `and`, `orr`, `eor`, `ands`.
    AluRRImmLogic {
        /// The operation.
        op: AluOp,
        /// Width (must equal `imm.size`).
        size: OperandSize,
        /// Result (or sp, except for `ands`, where zr).
        rd: Reg,
        /// First operand (or zr).
        rn: Reg,
        /// The immediate.
        imm: ImmLogic,
    },
    /// `op rd, rn, rm, ra`: multiply-add family.
    AluRRRR {
        /// The operation.
        op: AluOp3,
        /// Width (`S64` for the widening forms, whose `rn`/`rm` are `w` registers).
        size: OperandSize,
        /// Result (or zr).
        rd: Reg,
        /// First factor (or zr).
        rn: Reg,
        /// Second factor (or zr).
        rm: Reg,
        /// Addend (or zr).
        ra: Reg,
    },
    /// `op rd, rn`: bit reversal and counting.
    BitRR {
        /// The operation.
        op: BitOp,
        /// Width (`rev32` is 64-bit only).
        size: OperandSize,
        /// Result (or zr).
        rd: Reg,
        /// Operand (or zr).
        rn: Reg,
    },
    /// `movz`/`movn rd, #imm16, lsl #shift`.
    MovWide {
        /// The operation.
        op: MoveWideOp,
        /// Width (32-bit: shift 0 or 1).
        size: OperandSize,
        /// Result (or zr).
        rd: Reg,
        /// The chunk.
        imm: MoveWideConst,
    },
    /// `movk rd, #imm16, lsl #shift`: replaces one halfword of `rn`; `rd` reuses `rn`.
    MovK {
        /// Width.
        size: OperandSize,
        /// Result (same register as `rn`).
        rd: Reg,
        /// The value whose halfword is replaced.
        rn: Reg,
        /// The chunk.
        imm: MoveWideConst,
    },
    /// `mov rd, rm` (`orr rd, zr, rm`) between integer registers (not sp: use
    /// [`Inst::mov_sp`]).
    Mov {
        /// Width.
        size: OperandSize,
        /// Destination.
        rd: Reg,
        /// Source (or zr).
        rm: Reg,
    },
    /// `sbfm`/`ubfm rd, rn, #immr, #imms` (printed as their aliases).
    Bitfield {
        /// The operation.
        op: BitfieldOp,
        /// Width (immr, imms below it).
        size: OperandSize,
        /// Result (or zr).
        rd: Reg,
        /// Operand (or zr).
        rn: Reg,
        /// Rotation.
        immr: u8,
        /// Top bit of the field.
        imms: u8,
    },
    /// `bfm rd, rn, #immr, #imms` (`bfi`, `bfxil`): inserts bits of `rn` into `ri`; `rd`
    /// reuses `ri`.
    Bfm {
        /// Width.
        size: OperandSize,
        /// Result (same register as `ri`).
        rd: Reg,
        /// The value the field is inserted into.
        ri: Reg,
        /// The field's source (or zr).
        rn: Reg,
        /// Rotation.
        immr: u8,
        /// Top bit of the field.
        imms: u8,
    },
    /// `extr rd, rn, rm, #lsb` (`ror rd, rn, #lsb` when `rn == rm`): bits `lsb..` of
    /// `rn:rm`.
    Extr {
        /// Width.
        size: OperandSize,
        /// Result (or zr).
        rd: Reg,
        /// High part (or zr).
        rn: Reg,
        /// Low part (or zr).
        rm: Reg,
        /// Lowest bit taken from `rm` (below the width).
        lsb: u8,
    },
    /// `csel`/`csinc`/`csinv`/`csneg rd, rn, rm, cond`.
    CSel {
        /// The operation.
        op: CSelOp,
        /// Width.
        size: OperandSize,
        /// Result (or zr).
        rd: Reg,
        /// Value when `cond` holds (or zr).
        rn: Reg,
        /// Value (before the operation) otherwise (or zr).
        rm: Reg,
        /// The condition.
        cond: Cond,
    },
    /// `ccmp`/`ccmn rn, rhs, #nzcv, cond`.
    CCmp {
        /// The operation.
        op: CCmpOp,
        /// Width.
        size: OperandSize,
        /// First operand (or zr).
        rn: Reg,
        /// Second operand: a register (or zr) or a 5-bit immediate.
        rhs: CCmpRhs,
        /// The flags when `cond` does not hold (0-15).
        nzcv: u8,
        /// The condition.
        cond: Cond,
    },
    /// `adr rd, label` (±1 MiB).
    Adr {
        /// Result.
        rd: Reg,
        /// The address taken.
        label: MachLabel,
    },
    /// `adrp rd, name; add rd, rd, :lo12:name`: the address of a symbol plus `offset`
    /// (±4 GiB), with `Aarch64AdrPrelPgHi21` and `Aarch64AddAbsLo12Nc` relocations.
    LoadAddr {
        /// Result.
        rd: Reg,
        /// The symbol.
        name: ExternalName,
        /// Added to its address.
        offset: i64,
    },
    /// `adrp rd, :got:name; ldr rd, [rd, :got_lo12:name]`: the address of a symbol
    /// read from its GOT slot (position-independent code reaching a symbol the linker
    /// may place in another module), with `Aarch64AdrGotPage` and `Aarch64Ld64GotLo12Nc`
    /// relocations.
    LoadGotAddr {
        /// Result.
        rd: Reg,
        /// The symbol.
        name: ExternalName,
    },
    /// A load; records a trap site when `trap` is set.
    Load {
        /// Size, extension and register file.
        op: LoadOp,
        /// Destination (integer or SIMD&FP as `op` says).
        rt: Reg,
        /// The address.
        mem: AMode,
        /// Trap code recorded for a fault at the access.
        trap: Option<TrapCode>,
    },
    /// A store; records a trap site when `trap` is set.
    Store {
        /// Size and register file.
        op: StoreOp,
        /// The value (or zr).
        rt: Reg,
        /// The address.
        mem: AMode,
        /// Trap code recorded for a fault at the access.
        trap: Option<TrapCode>,
    },
    /// `ldp rt, rt2, mem`.
    LoadPair {
        /// The registers' size.
        size: PairSize,
        /// First destination (lower address).
        rt: Reg,
        /// Second destination.
        rt2: Reg,
        /// The address.
        mem: PairAMode,
    },
    /// `stp rt, rt2, mem`.
    StorePair {
        /// The registers' size.
        size: PairSize,
        /// First value (lower address; or zr).
        rt: Reg,
        /// Second value (or zr).
        rt2: Reg,
        /// The address.
        mem: PairAMode,
    },
    /// `ldr rt, label` (PC-relative literal, ±1 MiB): `LdrW`, `LdrX`, `Ldrsw`, `LdrS`,
    /// `LdrD`, `LdrQ`.
    LoadLiteral {
        /// Size, extension and register file.
        op: LoadOp,
        /// Destination.
        rt: Reg,
        /// The literal.
        label: MachLabel,
    },
    /// A constant from the literal pool: the low bytes of `bits` (as many as `op`
    /// loads) placed by the buffer, loaded with `ldr rt, <literal>`.
    LoadConst {
        /// `LdrW`, `LdrX`, `LdrS`, `LdrD` or `LdrQ`.
        op: LoadOp,
        /// Destination.
        rt: Reg,
        /// The value.
        bits: u128,
    },
    /// `b target`.
    Jump {
        /// The target block.
        target: MachLabel,
    },
    /// A two-way branch: `b.cond`/`cbz`/`cbnz`/`tbz`/`tbnz taken`, then `b not_taken`;
    /// either is left out when its target is the next block (the test is inverted when
    /// `taken` is).
    CondBr {
        /// The test.
        kind: CondBrKind,
        /// The target when it holds.
        taken: MachLabel,
        /// The target otherwise.
        not_taken: MachLabel,
    },
    /// Traps with `code` when `kind` holds: the inverted branch over a `udf`.
    TrapIf {
        /// The trapping test.
        kind: CondBrKind,
        /// The trap code.
        code: TrapCode,
    },
    /// `br rn`: an indirect jump.
    Br {
        /// The target address.
        rn: Reg,
    },
    /// `ret`; the return values are fixed uses. The driver emits the epilogue before it.
    Ret {
        /// Each returned value and its register.
        rets: Vec<(Reg, PReg)>,
    },
    /// `bl callee` with an `Aarch64Call26` relocation.
    Call {
        /// The function called.
        callee: ExternalName,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
        /// Results, fixed in their registers.
        defs: Vec<(Reg, PReg)>,
        /// Registers the call overwrites besides `defs`.
        clobbers: PRegSet,
    },
    /// `blr rn`.
    CallInd {
        /// The address called.
        rn: Reg,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
        /// Results, fixed in their registers.
        defs: Vec<(Reg, PReg)>,
        /// Registers the call overwrites besides `defs`.
        clobbers: PRegSet,
    },
    /// A tail call: `b callee` with an `Aarch64Jump26` relocation, after the epilogue.
    ReturnCall {
        /// The function called.
        callee: ExternalName,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
    },
    /// An indirect tail call: `br x9` after the epilogue (x9 is caller-saved and no
    /// argument register, so neither the epilogue nor the arguments touch it).
    ReturnCallInd {
        /// The address called, fixed in x9.
        rn: Reg,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
    },
    /// Pseudo-instruction at function entry: defines the incoming argument registers and
    /// names the function's calling convention. Emits nothing.
    Args {
        /// Each argument value and its register.
        args: Vec<(Reg, PReg)>,
        /// The function's calling convention.
        call_conv: CallConv,
    },
    /// `udf #n`: an unconditional trap recorded with `code`; `n` is [`trap_imm`] of it.
    Udf {
        /// The trap code.
        code: TrapCode,
    },
    /// `brk #imm`: a breakpoint.
    Brk {
        /// The 16-bit comment field.
        imm: u16,
    },
    /// `nop`.
    Nop,
    /// `dmb ish`: a full barrier for the inner shareable domain.
    Dmb,
    /// `csdb` (consumption of speculative data barrier, a hint: a `nop` on cores
    /// without it): no later instruction uses a `csel` result computed from predicted
    /// flags. Arm's Spectre v1 guidance pairs it with the `csel` of a guard.
    Csdb,
    /// A pointer-authentication hint on x30 (`paciasp`, `autiasp`, ...).
    Pac {
        /// The operation.
        op: PacOp,
    },
    /// `fmov rd, rn` between `s` or `d` registers.
    FpuMove {
        /// Width.
        size: FpSize,
        /// Destination.
        rd: Reg,
        /// Source.
        rn: Reg,
    },
    /// `mov rd.16b, rn.16b`: a whole-register move (the register class's move).
    FpuMove128 {
        /// Destination.
        rd: Reg,
        /// Source.
        rn: Reg,
    },
    /// `op rd, rn`: one-source float operation.
    FpuRR {
        /// The operation.
        op: FpuOp1,
        /// Width.
        size: FpSize,
        /// Result.
        rd: Reg,
        /// Operand.
        rn: Reg,
    },
    /// `fcvt`: from `from` to the other width.
    FpuCvt {
        /// The source width (the result has the other).
        from: FpSize,
        /// Result.
        rd: Reg,
        /// Operand.
        rn: Reg,
    },
    /// `op rd, rn, rm`: two-source float operation.
    FpuRRR {
        /// The operation.
        op: FpuOp2,
        /// Width.
        size: FpSize,
        /// Result.
        rd: Reg,
        /// First operand.
        rn: Reg,
        /// Second operand.
        rm: Reg,
    },
    /// `op rd, rn, rm, ra`: fused multiply-add.
    FpuRRRR {
        /// The operation.
        op: FpuOp3,
        /// Width.
        size: FpSize,
        /// Result.
        rd: Reg,
        /// First factor.
        rn: Reg,
        /// Second factor.
        rm: Reg,
        /// Addend.
        ra: Reg,
    },
    /// `fcmp rn, rm` or `fcmp rn, #0.0`.
    FpuCmp {
        /// Width.
        size: FpSize,
        /// First operand.
        rn: Reg,
        /// Second operand, or `None` for zero.
        rm: Option<Reg>,
    },
    /// `fcsel rd, rn, rm, cond`.
    FpuCSel {
        /// Width.
        size: FpSize,
        /// Result.
        rd: Reg,
        /// Value when `cond` holds.
        rn: Reg,
        /// Value otherwise.
        rm: Reg,
        /// The condition.
        cond: Cond,
    },
    /// `fmov rd, #imm`.
    FpuMoveImm {
        /// Width.
        size: FpSize,
        /// Result.
        rd: Reg,
        /// The immediate.
        imm: FpImm8,
    },
    /// `scvtf`/`ucvtf rd, rn`.
    IntToFpu {
        /// Signed or unsigned.
        op: IntToFpOp,
        /// Width of the integer.
        int_size: OperandSize,
        /// Width of the float.
        fp_size: FpSize,
        /// Result (a SIMD&FP register).
        rd: Reg,
        /// Operand (an integer register, or zr).
        rn: Reg,
    },
    /// `fcvtzs`/`fcvtzu rd, rn`.
    FpuToInt {
        /// Signed or unsigned.
        op: FpToIntOp,
        /// Width of the integer.
        int_size: OperandSize,
        /// Width of the float.
        fp_size: FpSize,
        /// Result (an integer register, or zr).
        rd: Reg,
        /// Operand (a SIMD&FP register).
        rn: Reg,
    },
    /// `fmov s, w` (S32) or `fmov d, x` (S64): bits from an integer register.
    MovToFpu {
        /// Width.
        size: OperandSize,
        /// Result (a SIMD&FP register).
        rd: Reg,
        /// Operand (an integer register, or zr).
        rn: Reg,
    },
    /// `fmov w, s` (S32) or `fmov x, d` (S64): bits to an integer register.
    MovFromFpu {
        /// Width.
        size: OperandSize,
        /// Result (an integer register, or zr).
        rd: Reg,
        /// Operand (a SIMD&FP register).
        rn: Reg,
    },
    /// `cnt rd.8b, rn.8b`: the population count of each byte of the low 64 bits.
    VecCnt {
        /// Result.
        rd: Reg,
        /// Operand.
        rn: Reg,
    },
    /// `addv bd, vn.8b`: the sum of the eight bytes of the low 64 bits.
    VecAddv {
        /// Result.
        rd: Reg,
        /// Operand.
        rn: Reg,
    },
    /// `ldxr`/`ldaxr rt, [rn]` (with `b`/`h` suffixes by size).
    LoadExclusive {
        /// `ldaxr` when true.
        acquire: bool,
        /// Access size.
        size: MemSize,
        /// Destination (or zr).
        rt: Reg,
        /// Address (or sp).
        rn: Reg,
    },
    /// `stxr`/`stlxr rs, rt, [rn]`: `rs` is 0 when the store happened, 1 otherwise.
    StoreExclusive {
        /// `stlxr` when true.
        release: bool,
        /// Access size.
        size: MemSize,
        /// Status (a `w` register, or zr; an early def: it may not share a register
        /// with `rt` or `rn`).
        rs: Reg,
        /// Value (or zr).
        rt: Reg,
        /// Address (or sp).
        rn: Reg,
    },
    /// `ldar rt, [rn]` (load-acquire).
    LoadAcquire {
        /// Access size.
        size: MemSize,
        /// Destination (or zr).
        rt: Reg,
        /// Address (or sp).
        rn: Reg,
    },
    /// `stlr rt, [rn]` (store-release).
    StoreRelease {
        /// Access size.
        size: MemSize,
        /// Value (or zr).
        rt: Reg,
        /// Address (or sp).
        rn: Reg,
    },
    /// An LSE atomic: `ld<op>{a,l,al}{b,h} rs, rt, [rn]` or `swp`: memory becomes
    /// `op(old, rs)`, `rt` receives the old value.
    AtomicRmw {
        /// The operation.
        op: LseOp,
        /// Access size.
        size: MemSize,
        /// Ordering.
        order: Ordering,
        /// The operand (or zr).
        rs: Reg,
        /// The old value (or zr; printed as the `st<op>` alias when not acquiring).
        rt: Reg,
        /// Address (or sp).
        rn: Reg,
    },
    /// `cas{a,l,al}{b,h} rs, rt, [rn]`: if memory equals `rs` it becomes `rt`; the old
    /// value is returned in `rs`'s register (`rd` reuses `rs`).
    Cas {
        /// Access size.
        size: MemSize,
        /// Ordering.
        order: Ordering,
        /// The old value (same register as `rs`).
        rd: Reg,
        /// The expected value.
        rs: Reg,
        /// The replacement (or zr).
        rt: Reg,
        /// Address (or sp).
        rn: Reg,
    },
    /// Moves SP by `amount` bytes (up when positive): one `add`/`sub sp, sp, #imm`, two
    /// with a shifted immediate, or x16 built with `movz`/`movk` then `add`/`sub sp, sp,
    /// x16`.
    AdjustSp {
        /// Bytes.
        amount: i64,
    },
    /// The address of byte `offset` of the explicit stack slots (resolved against the
    /// frame at emission): `add rd, sp, #n` (two `add`s for a shifted and an unshifted
    /// part), or x16 loaded with `n` and `add rd, sp, x16`.
    StackAddr {
        /// Result.
        rd: Reg,
        /// Bytes into the stack-slot area.
        offset: u32,
    },
    /// `br_table`: `mov x17, #len; cmp index, x17; csel x17, index, x17, lo; csdb; adr
    /// x16, table; ldrsw x17, [x16, x17, lsl #2]; add x16, x16, x17; br x16; table: .word
    /// target - table, ..., default - table` (see [`Inst::jump_table_parts`]). The table follows the code, so the whole sequence is
    /// one instruction for the buffer (no island inside it).
    JmpTable {
        /// The index (a `w` register, zero-extended by lowering; an `x` one when `wide`).
        index: Reg,
        /// The index is 64 bits.
        wide: bool,
        /// Where an index past the table goes.
        default: MachLabel,
        /// The table.
        targets: Vec<MachLabel>,
    },
    /// An atomic read-modify-write as a load-exclusive/store-exclusive loop (without LSE,
    /// for `nand`, and for big-endian accesses): `ldaxr rt, [rn]`, the new value computed
    /// into x17 (bytes reversed around the operation when `big`), `stlxr w16, x17, [rn]`,
    /// `cbnz w16` back to the start. See [`Inst::atomic_loop`].
    AtomicRmwLoop {
        /// The operation.
        op: crate::ir::AtomicRmwOp,
        /// Access size.
        size: MemSize,
        /// Memory is big-endian.
        big: bool,
        /// Address.
        rn: Reg,
        /// The operand (zero-extended for narrow `umin`/`umax`, sign-extended to 32 bits
        /// for narrow `smin`/`smax`).
        rs: Reg,
        /// The old value, as in memory (an early def: it is written while `rn` and `rs`
        /// are still read).
        rt: Reg,
    },
    /// A compare-and-swap as a load-exclusive/store-exclusive loop: `ldaxr rt, [rn]`,
    /// compare (after reversing the bytes when `big`) with `expected`, leave if they
    /// differ, else `stlxr w16, replacement, [rn]` and retry until it succeeds.
    AtomicCasLoop {
        /// Access size.
        size: MemSize,
        /// Memory is big-endian.
        big: bool,
        /// Address.
        rn: Reg,
        /// The expected value (zero-extended when narrow).
        expected: Reg,
        /// The value stored, already in memory's byte order.
        replacement: Reg,
        /// The old value, as in memory (an early def).
        rt: Reg,
    },
}

/// The words of a `JmpTable` after its index clamp, before the table: `adr x16, table`
/// (4 words on), `ldrsw x17, [x16, index, uxtw|lsl #2]`, `add x16, x16, x17`, `br x16`.
pub const JUMP_TABLE_ADR_WORD: u32 = 0x1000_0000 | (4 << 5) | 16;

impl Inst {
    /// The instructions of a `JmpTable` around its raw `adr` word: the index clamped to
    /// the table's length, which is the default's entry (x17 := len; `cmp index, x17`;
    /// `csel x17, index, x17, lo`; `csdb`), and the dispatch after the `adr`. A `csel`
    /// rather than a bounds branch, so a misprediction cannot index past the table
    /// (Spectre v1). `None` for other instructions.
    pub fn jump_table_parts(&self) -> Option<(Vec<Inst>, Vec<Inst>)> {
        let Inst::JmpTable { index, wide, targets, .. } = self else { return None };
        let size = if *wide { OperandSize::S64 } else { OperandSize::S32 };
        let zr = super::regs::zr();
        let (x16, x17) = (super::regs::xreg(16), super::regs::xreg(17));
        let mut check = Inst::load_constant(x17, targets.len() as u64, OperandSize::S64);
        check.push(Inst::AluRRR { op: AluOp::Subs, size, rd: zr, rn: *index, rm: x17 });
        // A 32-bit `csel` clears the upper half of x17: the entry index is 64-bit from here.
        check.push(Inst::CSel { op: CSelOp::Csel, size, rd: x17, rn: *index, rm: x17, cond: Cond::Lo });
        check.push(Inst::Csdb);
        let mem = AMode::RegOffset { rn: x16, rm: x17, extend: IndexExtend::Lsl, scaled: true };
        let dispatch = vec![
            Inst::Load { op: LoadOp::Ldrsw, rt: x17, mem, trap: None },
            Inst::AluRRR { op: AluOp::Add, size: OperandSize::S64, rd: x16, rn: x16, rm: x17 },
            Inst::Br { rn: x16 },
        ];
        Some((check, dispatch))
    }
}

/// One step of an atomic loop ([`Inst::atomic_loop`]): an instruction, or a branch by a
/// fixed number of instruction words.
#[derive(Clone, Debug, PartialEq)]
pub enum LoopStep {
    /// An instruction.
    I(Inst),
    /// `b.ne` this many words forward.
    BranchNe(i32),
    /// `cbnz w<reg>` this many words away (backward: negative).
    Cbnz(Reg, i32),
}

/// The 16-bit immediate of the `udf` that traps with `code`: 1-5 for the fixed codes in
/// declaration order, `0x100 + n` for `user<n>`. The trap site records the code; the
/// number only makes a crash dump readable.
pub fn trap_imm(code: TrapCode) -> u16 {
    match code {
        TrapCode::StackOverflow => 1,
        TrapCode::IntegerOverflow => 2,
        TrapCode::HeapOutOfBounds => 3,
        TrapCode::IntegerDivisionByZero => 4,
        TrapCode::BadConversionToInteger => 5,
        TrapCode::User(n) => 0x100 + n as u16,
    }
}

impl Inst {
    /// `mov rd, rn` where either may be sp (`add rd, rn, #0`).
    pub fn mov_sp(rd: Reg, rn: Reg) -> Inst {
        Inst::AluRRImm12 { op: AluOp::Add, size: OperandSize::S64, rd, rn, imm: Imm12::ZERO }
    }
    /// A 64-bit register move.
    pub fn mov64(rd: Reg, rm: Reg) -> Inst {
        Inst::Mov { size: OperandSize::S64, rd, rm }
    }
    /// The instructions that put `value` in `rd` at `size`: a single `movz`, `movn` or
    /// `orr` with a bitmask immediate when one exists, else `movz` or `movn` of the first
    /// chunk and `movk` for each other chunk that differs from the filler. The `movk`s
    /// name `rd` as their own source, so `rd` must be physical (emission's x16); lowering
    /// builds the same chain with a fresh virtual register per step.
    pub fn load_constant(rd: Reg, value: u64, size: OperandSize) -> Vec<Inst> {
        let value = if size.is64() { value } else { value & 0xffff_ffff };
        let chunks = if size.is64() { 4 } else { 2 };
        let mask = if size.is64() { u64::MAX } else { 0xffff_ffff };
        if let Some(imm) = MoveWideConst::maybe_from_u64(value) {
            return vec![Inst::MovWide { op: MoveWideOp::MovZ, size, rd, imm }];
        }
        if let Some(imm) = MoveWideConst::maybe_from_u64(!value & mask) {
            return vec![Inst::MovWide { op: MoveWideOp::MovN, size, rd, imm }];
        }
        if let Some(imm) = ImmLogic::maybe_from_u64(value, size) {
            return vec![Inst::AluRRImmLogic { op: AluOp::Orr, size, rd, rn: super::regs::zr(), imm }];
        }
        let zeros = (0..chunks).filter(|&s| (value >> (16 * s)) & 0xffff == 0).count();
        let ffffs = (0..chunks).filter(|&s| (value >> (16 * s)) & 0xffff == 0xffff).count();
        let (filler, inverted) = if ffffs > zeros { (0xffffu64, true) } else { (0, false) };
        let mut out = Vec::new();
        for s in 0..chunks as u8 {
            let chunk = (value >> (16 * s)) & 0xffff;
            if chunk == filler {
                continue;
            }
            if out.is_empty() {
                let (op, bits) = if inverted { (MoveWideOp::MovN, !chunk & 0xffff) } else { (MoveWideOp::MovZ, chunk) };
                out.push(Inst::MovWide { op, size, rd, imm: MoveWideConst { bits: bits as u16, shift: s } });
            } else {
                out.push(Inst::MovK { size, rd, rn: rd, imm: MoveWideConst { bits: chunk as u16, shift: s } });
            }
        }
        out
    }
}

impl Inst {
    /// The steps of an `AtomicRmwLoop` or `AtomicCasLoop` (every instruction one word,
    /// so branch distances are step counts); `None` for other instructions. x16 holds the
    /// store's status and x17 the new value; neither is ever allocated.
    pub fn atomic_loop(&self) -> Option<Vec<LoopStep>> {
        use crate::ir::AtomicRmwOp as Op;
        let (status, new) = (super::regs::xreg(16), super::regs::xreg(17));
        let rev = |size: MemSize, rd: Reg, rn: Reg| -> Option<Inst> {
            let (op, size) = match size {
                MemSize::B8 => return None,
                MemSize::B16 => (BitOp::Rev16, OperandSize::S32),
                MemSize::B32 => (BitOp::Rev, OperandSize::S32),
                MemSize::B64 => (BitOp::Rev, OperandSize::S64),
            };
            Some(Inst::BitRR { op, size, rd, rn })
        };
        let alu_size = |size: MemSize| if size.is64() { OperandSize::S64 } else { OperandSize::S32 };
        let mut steps = Vec::new();
        match *self {
            Inst::AtomicRmwLoop { op, size, big, rn, rs, rt } => {
                let width = alu_size(size);
                steps.push(LoopStep::I(Inst::LoadExclusive { acquire: true, size, rt, rn }));
                let mut src = rt;
                if big && let Some(r) = rev(size, new, rt) {
                    steps.push(LoopStep::I(r));
                    src = new;
                }
                let alu = |op: AluOp, rn: Reg, rm: Reg| LoopStep::I(Inst::AluRRR { op, size: width, rd: new, rn, rm });
                match op {
                    Op::Add => steps.push(alu(AluOp::Add, src, rs)),
                    Op::Sub => steps.push(alu(AluOp::Sub, src, rs)),
                    Op::And => steps.push(alu(AluOp::And, src, rs)),
                    Op::Or => steps.push(alu(AluOp::Orr, src, rs)),
                    Op::Xor => steps.push(alu(AluOp::Eor, src, rs)),
                    Op::Nand => {
                        steps.push(alu(AluOp::And, src, rs));
                        steps.push(alu(AluOp::Orn, super::regs::zr(), new));
                    }
                    Op::Xchg => steps.push(LoopStep::I(Inst::Mov { size: width, rd: new, rm: rs })),
                    Op::Umin | Op::Umax | Op::Smin | Op::Smax => {
                        let signed = matches!(op, Op::Smin | Op::Smax);
                        if signed && !size.is64() && size != MemSize::B32 {
                            let imms = (8u8 << size as u8) - 1;
                            let op = BitfieldOp::Sbfm;
                            steps.push(LoopStep::I(Inst::Bitfield {
                                op,
                                size: width,
                                rd: new,
                                rn: src,
                                immr: 0,
                                imms,
                            }));
                            src = new;
                        }
                        let zr = super::regs::zr();
                        steps.push(LoopStep::I(Inst::AluRRR { op: AluOp::Subs, size: width, rd: zr, rn: src, rm: rs }));
                        let cond = match op {
                            Op::Umin => Cond::Lo,
                            Op::Umax => Cond::Hi,
                            Op::Smin => Cond::Lt,
                            _ => Cond::Gt,
                        };
                        let csel = Inst::CSel { op: CSelOp::Csel, size: width, rd: new, rn: src, rm: rs, cond };
                        steps.push(LoopStep::I(csel));
                    }
                }
                if big && let Some(r) = rev(size, new, new) {
                    steps.push(LoopStep::I(r));
                }
                steps.push(LoopStep::I(Inst::StoreExclusive { release: true, size, rs: status, rt: new, rn }));
            }
            Inst::AtomicCasLoop { size, big, rn, expected, replacement, rt } => {
                steps.push(LoopStep::I(Inst::LoadExclusive { acquire: true, size, rt, rn }));
                let mut src = rt;
                if big && let Some(r) = rev(size, new, rt) {
                    steps.push(LoopStep::I(r));
                    src = new;
                }
                let zr = super::regs::zr();
                let width = alu_size(size);
                steps.push(LoopStep::I(Inst::AluRRR { op: AluOp::Subs, size: width, rd: zr, rn: src, rm: expected }));
                // Past the store and the retry branch.
                steps.push(LoopStep::BranchNe(3));
                let store = Inst::StoreExclusive { release: true, size, rs: status, rt: replacement, rn };
                steps.push(LoopStep::I(store));
            }
            _ => return None,
        }
        let back = -(steps.len() as i32);
        steps.push(LoopStep::Cbnz(status, back));
        Some(steps)
    }
}

/// The largest byte offset of an unsigned scaled 12-bit address for an access of
/// `1 << log2` bytes.
fn max_scaled(log2: u32) -> i64 {
    4095 << log2
}

/// The machine address for `rn + offset` with an access of `1 << log2` bytes: the scaled
/// unsigned form, the unscaled signed 9-bit form, or, for anything else, x16 loaded with
/// the offset (the instructions returned) as a register index.
pub fn offset_amode(rn: Reg, offset: i64, log2: u32) -> (Vec<Inst>, AMode) {
    if offset >= 0 && offset <= max_scaled(log2) && offset & ((1 << log2) - 1) == 0 {
        return (Vec::new(), AMode::UnsignedOffset { rn, offset: offset as u32 });
    }
    if (-256..=255).contains(&offset) {
        return (Vec::new(), AMode::Unscaled { rn, offset: offset as i16 });
    }
    let tmp = super::regs::spilltmp();
    let prefix = Inst::load_constant(tmp, offset as u64, OperandSize::S64);
    (prefix, AMode::RegOffset { rn, rm: tmp, extend: IndexExtend::Lsl, scaled: false })
}

impl Inst {
    /// The machine instructions a pseudo-form stands for, when it is one: `AdjustSp`, and
    /// loads and stores whose address is resolved at emission (`BaseOffset`, `SpOffset`,
    /// and, given the frame, `StackSlot` and `IncomingArg`). `None` for a machine
    /// instruction, or when the frame is needed and not given. The encoder emits the
    /// expansion and the printer prints it, so both agree by construction.
    pub fn expand(&self, frame: Option<&crate::machinst::FrameInfo>) -> Option<Vec<Inst>> {
        let resolve = |mem: &AMode, log2: u32| -> Option<(Vec<Inst>, AMode)> {
            let sp = super::regs::sp();
            Some(match *mem {
                AMode::BaseOffset { rn, offset } => offset_amode(rn, offset, log2),
                AMode::SpOffset { offset } => offset_amode(sp, offset, log2),
                AMode::StackSlot { offset } => offset_amode(sp, frame?.stack_slot_offset(offset) as i64, log2),
                AMode::IncomingArg { offset } => offset_amode(super::regs::fp(), 16 + offset as i64, log2),
                _ => return None,
            })
        };
        match self {
            Inst::AdjustSp { amount } => Some(adjust_sp(*amount)),
            Inst::StackAddr { rd, offset } => Some(sp_plus(*rd, frame?.stack_slot_offset(*offset) as u64)),
            Inst::Load { op, rt, mem, trap } => {
                let (mut out, mem) = resolve(mem, op.size_log2())?;
                out.push(Inst::Load { op: *op, rt: *rt, mem, trap: *trap });
                Some(out)
            }
            Inst::Store { op, rt, mem, trap } => {
                let (mut out, mem) = resolve(mem, op.size_log2())?;
                out.push(Inst::Store { op: *op, rt: *rt, mem, trap: *trap });
                Some(out)
            }
            _ => None,
        }
    }
}

/// `StackAddr`'s instructions: `rd = sp + n`.
fn sp_plus(rd: Reg, n: u64) -> Vec<Inst> {
    let sp = super::regs::sp();
    let size = OperandSize::S64;
    if let Some(imm) = Imm12::maybe_from_u64(n) {
        return vec![Inst::AluRRImm12 { op: AluOp::Add, size, rd, rn: sp, imm }];
    }
    if n < 0x100_0000 {
        let hi = Imm12 { bits: (n >> 12) as u16, shift12: true };
        let lo = Imm12 { bits: (n & 0xfff) as u16, shift12: false };
        return vec![
            Inst::AluRRImm12 { op: AluOp::Add, size, rd, rn: sp, imm: hi },
            Inst::AluRRImm12 { op: AluOp::Add, size, rd, rn: rd, imm: lo },
        ];
    }
    let tmp = super::regs::spilltmp();
    let mut out = Inst::load_constant(tmp, n, size);
    out.push(Inst::AluRRRExtend { op: AluOp::Add, size, rd, rn: sp, rm: tmp, extend: ExtendOp::Uxtx, amount: 0 });
    out
}

/// `AdjustSp`'s instructions: an immediate `add`/`sub` (two for amounts below 2^24 that
/// need both halves), or x16 loaded with the amount and an extended-register
/// `add`/`sub sp, sp, x16`.
fn adjust_sp(amount: i64) -> Vec<Inst> {
    let sp = super::regs::sp();
    let op = if amount >= 0 { AluOp::Add } else { AluOp::Sub };
    let abs = amount.unsigned_abs();
    let size = OperandSize::S64;
    if abs == 0 {
        return Vec::new();
    }
    if let Some(imm) = Imm12::maybe_from_u64(abs) {
        return vec![Inst::AluRRImm12 { op, size, rd: sp, rn: sp, imm }];
    }
    if abs < 0x100_0000 {
        let hi = Imm12 { bits: (abs >> 12) as u16, shift12: true };
        let lo = Imm12 { bits: (abs & 0xfff) as u16, shift12: false };
        return vec![
            Inst::AluRRImm12 { op, size, rd: sp, rn: sp, imm: hi },
            Inst::AluRRImm12 { op, size, rd: sp, rn: sp, imm: lo },
        ];
    }
    let tmp = super::regs::spilltmp();
    let mut out = Inst::load_constant(tmp, abs, size);
    out.push(Inst::AluRRRExtend { op, size, rd: sp, rn: sp, rm: tmp, extend: ExtendOp::Uxtx, amount: 0 });
    out
}

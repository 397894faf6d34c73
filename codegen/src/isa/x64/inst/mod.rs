//! The x86-64 machine instruction, [`Inst`], and its [`MachInst`] implementation.
//!
//! Lowering (the x64 ISLE rules) builds `Inst`s over virtual registers; the machine layer
//! collects their operands through [`Inst::visit_operands`], register allocation rewrites
//! the registers in place, and [`emit`](super::emit) encodes them. Each variant is one
//! machine instruction except the few documented pseudo-instructions (`Args`, `JmpCond`
//! with two targets, `JmpTable`, `TrapIf`).
//!
//! Two-address forms (`add dst, src`) have a `dst` and the `src1` it overwrites: the
//! instruction visits `src1` FIRST, so it is operand 0, and `dst` is a reuse-def of
//! operand 0. Invariant: `src1` of a two-address form is a virtual register before
//! allocation (or `dst == src1` physically), since physical registers are not collected
//! as operands and the operand index would shift.
//!
//! Scalar float instructions (SSE2, with SSE4.1 rounding and FMA3 behind their ISA flags)
//! work on the low lane of xmm registers; their upper lanes are never looked at.

pub mod args;
pub mod vector;

use self::args::*;
use self::vector::{BlendvOp, MovmskOp, VecOp, VecShiftOp};
use super::regs;
use crate::ir::{CallConv, Endianness, ExternalName, TrapCode};
use crate::machinst::abi::{FrameDesc, SaveStyle};
use crate::machinst::{
    DwarfReg, EmitState, FrameItem, FrameRules, MachBuffer, MachInst, MachLabel, OperandVisitor, PReg, PRegSet, Reg,
    RegClass, TerminatorKind, UnwindInst,
};

/// An x86-64 machine instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum Inst {
    /// `op dst, src2` with `dst` reusing `src1`: add, sub, and, or, xor, adc, sbb. Any size
    /// (8- and 16-bit forms use only the low bits of an immediate).
    AluRmiR {
        /// Operation width.
        size: OperandSize,
        /// The operation.
        op: AluOp,
        /// The first operand, overwritten by the result.
        src1: Reg,
        /// The second operand.
        src2: RegMemImm,
        /// The result (same register as `src1`).
        dst: Reg,
        /// Trap code recorded for a fault at this instruction (`src2` a merged load).
        trap: Option<TrapCode>,
    },
    /// `imul dst, src2` (two-operand signed/unsigned low multiply), `dst` reusing `src1`.
    /// Sizes S16, S32, S64.
    Imul {
        /// Operation width.
        size: OperandSize,
        /// The first factor, overwritten.
        src1: Reg,
        /// The second factor.
        src2: RegMem,
        /// The product (same register as `src1`).
        dst: Reg,
    },
    /// `imul dst, src, imm` (three-operand, no reuse). Sizes S16, S32, S64.
    ImulImm {
        /// Operation width.
        size: OperandSize,
        /// The factor.
        src: RegMem,
        /// The immediate factor.
        imm: i32,
        /// The product.
        dst: Reg,
    },
    /// `neg dst` / `not dst`, `dst` reusing `src`. Any size.
    Unary {
        /// Operation width.
        size: OperandSize,
        /// The operation.
        op: UnaryOp,
        /// The operand, overwritten.
        src: Reg,
        /// The result (same register as `src`).
        dst: Reg,
    },
    /// Shift or rotate `dst` (reusing `src`) by an immediate or by `cl`. Any size.
    Shift {
        /// Operation width.
        size: OperandSize,
        /// Which shift or rotate.
        kind: ShiftKind,
        /// The value, overwritten.
        src: Reg,
        /// The count: an immediate, or a register fixed in rcx.
        amount: ShiftAmount,
        /// The result (same register as `src`).
        dst: Reg,
    },
    /// `div divisor` / `idiv divisor`: rdx:rax / divisor, quotient to rax, remainder to
    /// rdx. Sizes S16, S32, S64. Records a trap site (divide error: division by zero,
    /// or signed overflow) at the instruction.
    Div {
        /// Operation width.
        size: OperandSize,
        /// `idiv` when true.
        signed: bool,
        /// Low half of the dividend, fixed in rax.
        dividend_lo: Reg,
        /// High half of the dividend, fixed in rdx.
        dividend_hi: Reg,
        /// The divisor (any register but rax and rdx, which the fixed operands hold).
        divisor: Reg,
        /// The quotient, fixed in rax.
        quotient: Reg,
        /// The remainder, fixed in rdx.
        remainder: Reg,
        /// The trap code of a divide error.
        trap: TrapCode,
    },
    /// `cwd`/`cdq`/`cqo`: sign-extends rax into rdx (for `idiv`). Sizes S16, S32, S64.
    SignExtendAxDx {
        /// Operation width.
        size: OperandSize,
        /// The value, fixed in rax.
        src: Reg,
        /// Its sign bits, fixed in rdx.
        dst: Reg,
    },
    /// `mul src2` / `imul src2` (one-operand): the full product of rax and `src2` in
    /// rdx:rax. Sizes S16, S32, S64.
    MulHi {
        /// Operation width.
        size: OperandSize,
        /// Signed (`imul`) when true.
        signed: bool,
        /// The first factor, fixed in rax.
        src1: Reg,
        /// The second factor.
        src2: Reg,
        /// Low half of the product, fixed in rax.
        lo: Reg,
        /// High half of the product, fixed in rdx.
        hi: Reg,
    },
    /// `mov dst, src` between integer registers. Sizes S32 (zeroing bits 32-63) and S64.
    MovRR {
        /// Operation width.
        size: OperandSize,
        /// The source.
        src: Reg,
        /// The destination.
        dst: Reg,
    },
    /// Puts a constant in `dst` with the shortest encoding that does not touch the flags:
    /// `mov r32, imm32` when the value (at `size`) fits in 32 unsigned bits, `mov r64,
    /// simm32` (`C7 /0`) when it is a sign-extended 32-bit value, `movabs r64, imm64`
    /// otherwise. With size S32 the low 32 bits of `imm` are used.
    MovImm {
        /// Operation width (S32 or S64).
        size: OperandSize,
        /// The value.
        imm: u64,
        /// The destination.
        dst: Reg,
    },
    /// `lea dst, [addr]`: the address computed at 64 bits, kept whole (`S64`) or its low
    /// 32 bits zero-extended (`S32`, for 32-bit additions).
    Lea {
        /// S32 or S64.
        size: OperandSize,
        /// The address computed.
        addr: Amode,
        /// The destination.
        dst: Reg,
    },
    /// Zero extension from `from` to `to`: `movzx r32, r/m8|16` (a 32-bit destination
    /// already clears bits 32-63, so `to: S64` uses the same shorter encoding), `mov r32,
    /// r/m32` from 32 bits; `from == S64` is a plain 64-bit `mov`.
    MovzxRmR {
        /// Width of the source.
        from: OperandSize,
        /// Width of the result (S32 or S64).
        to: OperandSize,
        /// The source.
        src: RegMem,
        /// The destination.
        dst: Reg,
    },
    /// Sign extension from `from` to `to`: `movsx r32|r64, r/m8|16`, `movsxd r64, r/m32`;
    /// `from` at least `to` is a plain `mov` of size `to`.
    MovsxRmR {
        /// Width of the source.
        from: OperandSize,
        /// Width of the result (S32 or S64).
        to: OperandSize,
        /// The source.
        src: RegMem,
        /// The destination.
        dst: Reg,
    },
    /// A load of `size` bytes from `addr` into `dst`, widened by `ext`; records a trap
    /// site when `trap` is set.
    Load {
        /// Width of the access.
        size: OperandSize,
        /// How the value is widened.
        ext: ExtMode,
        /// The address.
        addr: Amode,
        /// The destination.
        dst: Reg,
        /// Trap code recorded for a fault at this instruction.
        trap: Option<TrapCode>,
    },
    /// A store of the low `size` bytes of `src` to `addr`; records a trap site when
    /// `trap` is set.
    Store {
        /// Width of the access.
        size: OperandSize,
        /// The value.
        src: Reg,
        /// The address.
        addr: Amode,
        /// Trap code recorded for a fault at this instruction.
        trap: Option<TrapCode>,
    },
    /// `mov size ptr [addr], imm`: a store of a constant (at 64 bits, the immediate is
    /// sign-extended from 32); records a trap site when `trap` is set.
    StoreImm {
        /// Width of the store.
        size: OperandSize,
        /// The value (its low `size` bits; sign-extended at S64).
        imm: i32,
        /// The address.
        addr: Amode,
        /// Trap code recorded for a fault at this instruction.
        trap: Option<TrapCode>,
    },
    /// `cmp src1, src2`: sets the flags of `src1 - src2`. Any size.
    Cmp {
        /// Operation width.
        size: OperandSize,
        /// Left operand.
        src1: Reg,
        /// Right operand.
        src2: RegMemImm,
    },
    /// `test src1, src2`: sets the flags of `src1 & src2`. Any size. (With a memory
    /// `src2` the encoding and the text are `test [mem], src1`.)
    Test {
        /// Operation width.
        size: OperandSize,
        /// Left operand.
        src1: Reg,
        /// Right operand.
        src2: RegMemImm,
    },
    /// `setcc dst`: writes 0 or 1 to the LOW BYTE of `dst` only; bits 8-63 are undefined
    /// afterwards, so lowering follows it with `movzx` when it needs the full register.
    Setcc {
        /// The condition.
        cc: CC,
        /// The destination.
        dst: Reg,
    },
    /// `cmovcc dst, consequent` with `dst` reusing `alternative`: dst = cc ? consequent :
    /// alternative. Sizes S16, S32, S64 (a 32-bit cmov zeroes bits 32-63 either way).
    Cmov {
        /// Operation width.
        size: OperandSize,
        /// The condition.
        cc: CC,
        /// The value when the condition holds.
        consequent: RegMem,
        /// The value otherwise; overwritten.
        alternative: Reg,
        /// The result (same register as `alternative`).
        dst: Reg,
    },
    /// `jmp target` (always rel32).
    Jmp {
        /// The target block.
        target: MachLabel,
    },
    /// A two-way branch: `jcc taken` then `jmp not_taken`, either of which is left out
    /// when its target is the next block (the condition is inverted when `taken` is).
    JmpCond {
        /// The condition.
        cc: CC,
        /// The target when the condition holds.
        taken: MachLabel,
        /// The target otherwise.
        not_taken: MachLabel,
    },
    /// A jump through a table: `index` (an unsigned 32-bit value in the low half of its
    /// register) selects `targets[index]`, or `default` when out of range. Emitted as the
    /// index clamped to the table's length by `cmov` (no branch, so a misprediction cannot
    /// index past the table: Spectre v1), a load of a 4-byte offset from a table placed
    /// right after the indirect `jmp` (the default is its last entry), and the `jmp`.
    JmpTable {
        /// The index.
        index: Reg,
        /// Scratch (early def): the table address, then the target address.
        tmp1: Reg,
        /// The index clamped, then the table entry: a def reusing `index`'s register,
        /// so an index not used after the jump needs no copy (the baseline tier gives it
        /// a register of its own).
        tmp2: Reg,
        /// The target when `index >= targets.len()`.
        default: MachLabel,
        /// The targets.
        targets: Vec<MachLabel>,
    },
    /// `ret`; the return values are fixed uses. The driver emits the epilogue before it.
    Ret {
        /// Each returned value and the register it is returned in.
        rets: Vec<(Reg, PReg)>,
    },
    /// `ud2`: an unconditional trap, recorded with `code`.
    Ud2 {
        /// The trap code.
        code: TrapCode,
    },
    /// Traps with `code` when `cc` holds: `j!cc` over a `ud2` (the trap site is the `ud2`).
    TrapIf {
        /// The trapping condition.
        cc: CC,
        /// The trap code.
        code: TrapCode,
    },
    /// Pseudo-instruction at function entry: defines the incoming argument registers
    /// (fixed defs) and names the function's calling convention (which decides the
    /// registers the prologue saves). Emits nothing.
    Args {
        /// Each argument value and the register it arrives in.
        args: Vec<(Reg, PReg)>,
        /// The function's calling convention.
        call_conv: CallConv,
    },
    /// `call callee` (rel32 with an `X86PcRel4` relocation).
    CallKnown {
        /// The function called.
        callee: ExternalName,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
        /// Results, fixed in their registers.
        defs: Vec<(Reg, PReg)>,
        /// Registers the call overwrites besides `defs`.
        clobbers: PRegSet,
    },
    /// `call r/m64`.
    CallUnknown {
        /// The address called.
        target: RegMem,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
        /// Results, fixed in their registers.
        defs: Vec<(Reg, PReg)>,
        /// Registers the call overwrites besides `defs`.
        clobbers: PRegSet,
    },
    /// A `try_call*`'s call, ending its block: `call callee` or `call r/m64`, then `jmp`
    /// to `targets[0]` (the normal edge) unless it is the next block. The call site is
    /// recorded with `targets[1..]` as the landing pads of the handlers tagged `tags`.
    /// `clobbers` holds every allocatable register except `defs`, so nothing lives in a
    /// register across the call (the landing pads rely on it).
    TryCall {
        /// The function called: `Known` is `callee`, otherwise the address in `target`.
        callee: Option<ExternalName>,
        /// The address called when `callee` is `None`.
        target: Option<RegMem>,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
        /// Results, fixed in their registers.
        defs: Vec<(Reg, PReg)>,
        /// Registers the call overwrites besides `defs`.
        clobbers: PRegSet,
        /// The normal edge's block, then each handler's landing pad.
        targets: Vec<MachLabel>,
        /// Each handler's tag (`None` for `default`), in order.
        tags: Vec<Option<u32>>,
    },
    /// Pseudo-instruction at the start of a landing pad: defines the exception payload
    /// registers (rax, rdx) that the thrower set before jumping here. Emits nothing.
    LandingPad {
        /// Each payload value and its register.
        defs: Vec<(Reg, PReg)>,
    },
    /// A tail call: `jmp callee` (rel32 with an `X86PcRel4` relocation) after the
    /// epilogue, which the driver emits before it (`TerminatorKind::Ret`). The arguments
    /// are fixed uses in caller-saved argument registers, which the epilogue leaves alone.
    ReturnCallKnown {
        /// The function called.
        callee: ExternalName,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
    },
    /// An indirect tail call: `jmp r11` after the epilogue (r11 is caller-saved and not an
    /// argument register, so the epilogue and the arguments leave it alone).
    ReturnCallUnknown {
        /// The address called, fixed in r11.
        target: Reg,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
    },
    /// The address of a symbol: `movabs dst, name` (`Abs8`), or in position-independent
    /// code `lea dst, [rip + name]` (`X86PcRel4`, a symbol in the same unit) or
    /// `mov dst, [rip + name@GOTPCREL]` (`X86GotPcRel4`, through the GOT).
    LoadExtName {
        /// The destination.
        dst: Reg,
        /// The symbol.
        name: ExternalName,
        /// How the address is formed.
        mode: SymbolAddress,
    },
    /// The address of thread-local `symbol` in the calling thread, ELF general-dynamic
    /// style: `data16 lea rdi, [rip + symbol@TLSGD]` (`X86TlsGd4`) then
    /// `data16 data16 rex.W call __tls_get_addr` (`X86CallPlt4` to
    /// `LibCall::ElfTlsGetAddr`), exactly these 16 bytes so a linker can relax them. The
    /// result is in rax; the call clobbers what a System V call does.
    ElfTlsGetAddr {
        /// The thread-local variable.
        symbol: ExternalName,
        /// The result, fixed in rax.
        dst: Reg,
    },
    /// `push src` (64-bit).
    Push64 {
        /// The value pushed.
        src: Reg,
    },
    /// `pop dst` (64-bit).
    Pop64 {
        /// The destination.
        dst: Reg,
    },
    /// `add rsp, imm`: releases stack space.
    AddRspImm(u32),
    /// `sub rsp, imm`: allocates stack space.
    SubRspImm(u32),
    /// A spill: stores `src` (8 bytes) at `[rsp + offset]` (`mov` for `Int`, `movsd` for
    /// `Float`).
    MovToSp {
        /// Bytes above SP.
        offset: u32,
        /// The value.
        src: Reg,
        /// The register class of `src`.
        class: RegClass,
    },
    /// A reload: loads 8 bytes at `[rsp + offset]` into `dst` (`mov` or `movsd`).
    MovFromSp {
        /// Bytes above SP.
        offset: u32,
        /// The destination.
        dst: Reg,
        /// The register class of `dst`.
        class: RegClass,
    },
    /// `movups xmmword ptr [rsp + offset], src`: saves all 128 bits of an xmm register (a
    /// callee-saved one in the prologue, or a spill).
    XmmSaveToSp {
        /// Bytes above SP.
        offset: u32,
        /// The register saved.
        src: Reg,
    },
    /// `movups dst, xmmword ptr [rsp + offset]`: restores an xmm register (in the epilogue,
    /// or a reload).
    XmmRestoreFromSp {
        /// Bytes above SP.
        offset: u32,
        /// The register restored.
        dst: Reg,
    },
    /// `movaps dst, src`: the register move of the float/vector classes.
    XmmMovRR {
        /// The source.
        src: Reg,
        /// The destination.
        dst: Reg,
    },
    /// `op dst, src2` of a scalar SSE operation, `dst` reusing `src1`.
    XmmRmR {
        /// The operation.
        op: SseOp,
        /// The first operand, overwritten.
        src1: Reg,
        /// The second operand.
        src2: RegMem,
        /// The result (same register as `src1`).
        dst: Reg,
    },
    /// `op dst, src` of a one-operand scalar SSE operation (`sqrtss`, `cvtss2sd`, ...):
    /// writes the low lane of `dst` (its upper lanes are don't-care).
    XmmUnary {
        /// The operation.
        op: SseOp,
        /// The operand.
        src: RegMem,
        /// The result.
        dst: Reg,
    },
    /// `roundss`/`roundsd dst, src, imm` (SSE4.1); `imm` bits 0-1 are the rounding mode
    /// (0 nearest even, 1 down, 2 up, 3 toward zero), bit 3 suppresses the inexact
    /// exception.
    XmmRound {
        /// `roundsd` when true.
        double: bool,
        /// The immediate.
        imm: u8,
        /// The operand.
        src: Reg,
        /// The result.
        dst: Reg,
    },
    /// F16C, VEX-encoded: `vcvtph2ps dst, src` (the `f16` in the low 16 bits of `src` to
    /// an `f32`, exact) or, with `to_half`, `vcvtps2ph dst, src, 0` (an `f32` to the
    /// nearest-even `f16` in the low 16 bits of `dst`). Both convert four lanes; only the
    /// lowest matters here.
    HalfConvert {
        /// `vcvtps2ph` when true.
        to_half: bool,
        /// The operand.
        src: Reg,
        /// The result.
        dst: Reg,
    },
    /// `ucomiss`/`ucomisd src1, src2`: ZF, PF, CF = 1,1,1 unordered; 0,0,1 less; 1,0,0
    /// equal; 0,0,0 greater.
    XmmCmp {
        /// `ucomisd` when true.
        double: bool,
        /// Left operand.
        src1: Reg,
        /// Right operand.
        src2: RegMem,
    },
    /// `movd`/`movq xmm, r32|r64`. Sizes S32, S64.
    GprToXmm {
        /// Width.
        size: OperandSize,
        /// The integer register.
        src: Reg,
        /// The xmm register.
        dst: Reg,
    },
    /// `movd`/`movq r32|r64, xmm`. Sizes S32, S64.
    XmmToGpr {
        /// Width.
        size: OperandSize,
        /// The xmm register.
        src: Reg,
        /// The integer register.
        dst: Reg,
    },
    /// `cvtsi2ss`/`cvtsi2sd xmm, r32|r64`: a signed integer to float (current rounding
    /// mode, nearest even).
    CvtIntToFloat {
        /// To `f64` when true.
        double: bool,
        /// Width of the integer (S32, S64).
        size: OperandSize,
        /// The integer.
        src: Reg,
        /// The float.
        dst: Reg,
    },
    /// `cvttss2si`/`cvttsd2si r32|r64, xmm`: float to signed integer, toward zero (NaN and
    /// out-of-range give the "integer indefinite" MIN value).
    CvtFloatToInt {
        /// From `f64` when true.
        double: bool,
        /// Width of the integer (S32, S64).
        size: OperandSize,
        /// The float.
        src: Reg,
        /// The integer.
        dst: Reg,
    },
    /// `movss`/`movsd xmm, [addr]`; records a trap site when `trap` is set.
    XmmLoad {
        /// `movsd` when true.
        double: bool,
        /// The address.
        addr: Amode,
        /// The destination.
        dst: Reg,
        /// Trap code recorded for a fault at this instruction.
        trap: Option<TrapCode>,
    },
    /// `movss`/`movsd [addr], xmm`; records a trap site when `trap` is set.
    XmmStore {
        /// `movsd` when true.
        double: bool,
        /// The value.
        src: Reg,
        /// The address.
        addr: Amode,
        /// Trap code recorded for a fault at this instruction.
        trap: Option<TrapCode>,
    },
    /// A float constant: `movss`/`movsd dst, [rip+c]` from the constant pool.
    XmmConst {
        /// An 8-byte `f64` constant when true, else a 4-byte `f32` one.
        double: bool,
        /// The bits (the low 32 for `f32`).
        bits: u64,
        /// The destination.
        dst: Reg,
    },
    /// A packed binary operation `op` (see [`VecOp`]): legacy `op dst, src2` with `dst`
    /// reusing `src1`, or with `vex` the AVX form `vop dst, src1, src2` (no reuse). With
    /// `imm` an immediate byte follows (`shufps`, `cmpps`, ...).
    VecBin {
        /// The operation.
        op: VecOp,
        /// The AVX (VEX-encoded, three-operand) form.
        vex: bool,
        /// The first operand (overwritten by the legacy form).
        src1: Reg,
        /// The second operand.
        src2: RegMem,
        /// The immediate, for the forms that take one.
        imm: Option<u8>,
        /// The result.
        dst: Reg,
        /// Trap code recorded for a fault at this instruction (`src2` a merged load).
        trap: Option<TrapCode>,
    },
    /// A packed one-operand operation `op dst, src` (`pabsb`, `sqrtps`, `pmovsxbw`,
    /// `cvtdq2ps`, ...), legacy or VEX; with `imm` an immediate byte follows (`pshufd`,
    /// `roundps`).
    VecUnary {
        /// The operation.
        op: VecOp,
        /// The AVX form.
        vex: bool,
        /// The operand.
        src: RegMem,
        /// The immediate, for the forms that take one.
        imm: Option<u8>,
        /// The result.
        dst: Reg,
        /// Trap code recorded for a fault at this instruction (a memory operand: the
        /// extending loads' `pmovzx*`/`pmovsx*`).
        trap: Option<TrapCode>,
    },
    /// A packed shift by an immediate: legacy `op dst, imm` with `dst` reusing `src`, or
    /// the AVX form `vop dst, src, imm`.
    VecShiftImm {
        /// The shift.
        op: VecShiftOp,
        /// The AVX form.
        vex: bool,
        /// The value.
        src: Reg,
        /// The count (lanes), or the byte count of `pslldq`/`psrldq`.
        imm: u8,
        /// The result.
        dst: Reg,
    },
    /// `movdqu`/`movdqa dst, xmmword ptr [addr]`: a 128-bit load; records a trap site
    /// when `trap` is set.
    VecLoad {
        /// `movdqa` (faults unless 16-byte aligned) when true.
        aligned: bool,
        /// The address.
        addr: Amode,
        /// The destination.
        dst: Reg,
        /// Trap code recorded for a fault at this instruction.
        trap: Option<TrapCode>,
    },
    /// `movdqu`/`movdqa xmmword ptr [addr], src`: a 128-bit store.
    VecStore {
        /// `movdqa` when true.
        aligned: bool,
        /// The value.
        src: Reg,
        /// The address.
        addr: Amode,
        /// Trap code recorded for a fault at this instruction.
        trap: Option<TrapCode>,
    },
    /// A 128-bit constant: `movdqu dst, xmmword ptr [rip+c]` from the constant pool (the
    /// entry is 16-byte aligned).
    VecConst {
        /// The bits, lane 0 in the low bits.
        bits: u128,
        /// The destination.
        dst: Reg,
    },
    /// All zeros (`pxor dst, dst`) or all ones (`pcmpeqd dst, dst`): the result does not
    /// depend on the register's old value, so `dst` is a plain def.
    VecFill {
        /// All ones when true.
        ones: bool,
        /// The destination.
        dst: Reg,
    },
    /// `pinsr{b,w,d,q} dst, src2, lane` with `dst` reusing `src1` (or the AVX form with
    /// `src1` in VEX.vvvv): replaces lane `lane` of the vector by the low bits of the
    /// general-purpose `src2`. `pinsrw` is SSE2, the others SSE4.1.
    Pinsr {
        /// The lane size.
        size: OperandSize,
        /// The AVX form.
        vex: bool,
        /// The vector.
        src1: Reg,
        /// The lane value (a general-purpose register).
        src2: Reg,
        /// The lane.
        lane: u8,
        /// The result.
        dst: Reg,
    },
    /// `pextr{b,w,d,q} dst, src, lane`: lane `lane` of `src` zero-extended into the
    /// general-purpose `dst`. `pextrw` is SSE2, the others SSE4.1.
    Pextr {
        /// The lane size.
        size: OperandSize,
        /// The AVX form.
        vex: bool,
        /// The vector.
        src: Reg,
        /// The lane.
        lane: u8,
        /// The result.
        dst: Reg,
    },
    /// `pblendvb`/`blendvps`/`blendvpd` (SSE4.1): lane of `src2` where the top bit of
    /// `mask`'s lane is set, else of `src1`. Legacy: `op dst, src2, xmm0` with `dst`
    /// reusing `src1` and `mask` fixed in `xmm0`; AVX: `vop dst, src1, src2, mask`.
    Blendv {
        /// The form.
        op: BlendvOp,
        /// The AVX form.
        vex: bool,
        /// The lanes taken where the mask's top bit is clear (overwritten, legacy).
        src1: Reg,
        /// The lanes taken where it is set.
        src2: Reg,
        /// The mask (`xmm0` in the legacy form).
        mask: Reg,
        /// The result.
        dst: Reg,
    },
    /// `pmovmskb`/`movmskps`/`movmskpd dst32, src`: the top bit of each lane.
    Movmsk {
        /// The form.
        op: MovmskOp,
        /// The AVX form.
        vex: bool,
        /// The vector.
        src: Reg,
        /// The mask (a general-purpose register).
        dst: Reg,
    },
    /// `vfmadd213ss`/`vfmadd213sd dst, src2, src3` (FMA3, VEX): dst = src2 * src1 + src3
    /// with one rounding, `dst` reusing `src1`; with `packed` the 128-bit forms
    /// `vfmadd213ps`/`vfmadd213pd`, every lane.
    Fma {
        /// The `sd`/`pd` form when true.
        double: bool,
        /// The packed (`ps`/`pd`) form when true.
        packed: bool,
        /// The first factor, overwritten.
        src1: Reg,
        /// The second factor.
        src2: Reg,
        /// The addend.
        src3: Reg,
        /// The result (same register as `src1`).
        dst: Reg,
    },
    /// `popcnt`/`lzcnt`/`tzcnt`/`bsr`/`bsf dst, src`. Sizes S32, S64.
    BitCount {
        /// The operation.
        op: BitOp,
        /// Width.
        size: OperandSize,
        /// The operand.
        src: Reg,
        /// The result.
        dst: Reg,
    },
    /// A BMI three-operand instruction (sizes S32, S64): `andn dst, vvvv, rm` is
    /// `!vvvv & rm`; `shlx`/`shrx`/`sarx dst, rm, vvvv` shift `rm` by `vvvv` (taken modulo
    /// the width, as the IR's shifts are).
    Bmi {
        /// Which instruction.
        op: BmiOp,
        /// Width.
        size: OperandSize,
        /// The ModRM r/m source: `andn`'s non-inverted operand, the shifted value.
        rm: Reg,
        /// The VEX.vvvv source: `andn`'s inverted operand, the shift count.
        vvvv: Reg,
        /// The result.
        dst: Reg,
    },
    /// `rorx dst, src, imm` (BMI2): rotate right by an immediate into a separate register,
    /// flags untouched. Sizes S32, S64.
    Rorx {
        /// Width.
        size: OperandSize,
        /// The rotated value.
        src: Reg,
        /// The count, below the width.
        imm: u8,
        /// The result.
        dst: Reg,
    },
    /// `bswap dst`, `dst` reusing `src`. Sizes S32, S64.
    Bswap {
        /// Width.
        size: OperandSize,
        /// The operand, overwritten.
        src: Reg,
        /// The result (same register as `src`).
        dst: Reg,
    },
    /// `mfence`.
    Mfence,
    /// `lock xadd [addr], src` (or `xchg [addr], src`, locked by itself): `dst` (reusing
    /// `src`) receives the old value. Any size.
    AtomicXadd {
        /// `xchg` instead of `lock xadd`.
        xchg: bool,
        /// Width.
        size: OperandSize,
        /// The address.
        addr: Amode,
        /// The operand, overwritten.
        src: Reg,
        /// The old value (same register as `src`).
        dst: Reg,
    },
    /// `lock cmpxchg [addr], replacement` with `expected` fixed in rax; `dst` (fixed in
    /// rax) receives the old value. Any size.
    LockCmpxchg {
        /// Width.
        size: OperandSize,
        /// The address.
        addr: Amode,
        /// The expected value, fixed in rax.
        expected: Reg,
        /// The value stored when the old one equals `expected`.
        replacement: Reg,
        /// The old value, fixed in rax.
        dst: Reg,
    },
    /// Pseudo-instruction: an atomic read-modify-write as a compare-exchange loop:
    ///
    /// ```text
    ///     mov rax-of-size, [addr]
    /// loop:
    ///     mov tmp, rax
    ///     <swap tmp>                 ; big-endian only
    ///     <op> tmp, operand          ; add/sub/and/or/xor; and+not; cmp+cmovcc for min/max
    ///     <swap tmp>                 ; big-endian only
    ///     lock cmpxchg [addr], tmp
    ///     jnz loop
    ///     <swap rax>                 ; big-endian only
    /// ```
    /// With `big`, memory holds the value most significant byte first: the loaded value
    /// is byte-swapped before the operation, the new value back before the `cmpxchg`, and
    /// the old value in rax after the loop, so `dst` is in host order. A swap is `rol r16,
    /// 8` at 16 bits and `bswap` at 32 and 64; at 8 bits there is nothing to swap and
    /// `big` changes nothing.
    /// `addr` and `operand` are late uses (read throughout), `tmp` an early def, `dst`
    /// (the old value) fixed in rax. Any size.
    AtomicRmwLoop {
        /// The operation.
        op: RmwLoopOp,
        /// Width.
        size: OperandSize,
        /// Memory is big-endian (byte swaps around the operation and on the result).
        big: bool,
        /// The address (a register holding it).
        addr: Reg,
        /// The operand.
        operand: Reg,
        /// Scratch: the new value.
        tmp: Reg,
        /// The old value, fixed in rax.
        dst: Reg,
    },
}

fn visit_fixed_uses(list: &mut [(Reg, PReg)], v: &mut dyn OperandVisitor) {
    for (r, p) in list {
        v.reg_fixed_use(r, *p);
    }
}

fn visit_fixed_defs(list: &mut [(Reg, PReg)], v: &mut dyn OperandVisitor) {
    for (r, p) in list {
        v.reg_fixed_def(r, *p);
    }
}

impl Inst {
    /// `mov dst, src` of 64 bits.
    pub fn mov64(src: Reg, dst: Reg) -> Inst {
        Inst::MovRR { size: OperandSize::S64, src, dst }
    }
    /// A 64-bit load from `addr` without trap record.
    pub fn load64(addr: Amode, dst: Reg) -> Inst {
        Inst::Load { size: OperandSize::S64, ext: ExtMode::None, addr, dst, trap: None }
    }
    /// A 64-bit store to `addr` without trap record.
    pub fn store64(src: Reg, addr: Amode) -> Inst {
        Inst::Store { size: OperandSize::S64, src, addr, trap: None }
    }
}

/// `sub rsp, size`, with stack probes for large frames when `interval` (the guard size, a
/// power of two from the `probestack_size_log2` setting) is given: SP goes down one
/// interval at a time and each step reads the word at the new SP (`mov r11, [rsp]`; r11
/// holds nothing at entry in any convention), so a stack overflow faults on the guard page
/// instead of jumping over it into other memory. The remainder is allocated and probed
/// last. A frame of at most `interval - 128` bytes needs no probe: the `sub` moves SP less
/// than the guard below the last push, with room for a call's return address and the
/// callee's pushes, so the first access below cannot land past the guard.
fn stack_probed_sub(out: &mut Vec<Inst>, size: u32, interval: Option<u32>) {
    if size == 0 {
        return;
    }
    let Some(page) = interval.filter(|&page| size > page.saturating_sub(128)) else {
        out.push(Inst::SubRspImm(size));
        return;
    };
    let probe = Inst::MovFromSp { offset: 0, dst: regs::gpr(11), class: RegClass::Int };
    for _ in 0..size / page {
        out.push(Inst::SubRspImm(page));
        out.push(probe.clone());
    }
    if !size.is_multiple_of(page) {
        out.push(Inst::SubRspImm(size % page));
        out.push(probe);
    }
}

/// The x86-64 frame: the return address and the saved rbp above the frame pointer, SP
/// 16-byte aligned after the prologue (it is 8 mod 16 at entry under both System V and
/// Windows x64), integer callee-saved registers pushed, xmm ones (Windows x64) stored
/// whole in 16-byte slots.
pub const FRAME: FrameDesc =
    FrameDesc { setup_area: 16, stack_align: 16, int_save: SaveStyle::Push, float_save: SaveStyle::Store { size: 16 } };

/// The x86-64 frame rules the machine layer's driver asks for, for every convention the
/// backend supports (the name is historical: System V is the default). Which registers
/// the prologue must save when the function writes them comes from the function's
/// convention ([`abi::callee_saved`](super::abi::callee_saved): rbx and r12-r15 under
/// System V; also rdi, rsi and xmm6-xmm15 under Windows x64; rbp is saved by the prologue
/// anyway and never allocated); the layout is [`FRAME`].
#[derive(Copy, Clone, Debug, Default)]
pub struct SysVFrameRules;

impl FrameRules for SysVFrameRules {
    fn callee_saved(&self, conv: CallConv) -> &[PReg] {
        super::abi::callee_saved(conv)
    }
    fn frame_desc(&self) -> &FrameDesc {
        &FRAME
    }
}

impl MachInst for Inst {
    fn reg_name(reg: Reg) -> String {
        regs::reg_name(reg, OperandSize::S64)
    }
    type LabelUse = super::emit::X64LabelUse;

    const ENDIANNESS: Endianness = Endianness::Little;

    /// An instruction is at most 15 bytes and a constant 8 (plus 7 of padding); a few
    /// pseudo-instructions (jump tables, probe loops) are longer. The bound never matters
    /// here: every x86-64 label use reaches ±2 GiB, so no island is due before the code
    /// grows past what a function may hold.
    const WORST_CASE_SIZE: u32 = 64;

    fn visit_operands(&mut self, v: &mut dyn OperandVisitor) {
        match self {
            Inst::AluRmiR { src1, src2, dst, .. } => {
                v.reg_use(src1);
                src2.visit(v);
                v.reg_reuse_def(dst, 0);
            }
            Inst::Imul { src1, src2, dst, .. } => {
                v.reg_use(src1);
                src2.visit(v);
                v.reg_reuse_def(dst, 0);
            }
            Inst::ImulImm { src, dst, .. } => {
                src.visit(v);
                v.reg_def(dst);
            }
            Inst::Unary { src, dst, .. } => {
                v.reg_use(src);
                v.reg_reuse_def(dst, 0);
            }
            Inst::Shift { src, amount, dst, .. } => {
                v.reg_use(src);
                if let ShiftAmount::Cl(count) = amount {
                    v.reg_fixed_use(count, regs::preg_rcx());
                }
                v.reg_reuse_def(dst, 0);
            }
            Inst::Div { dividend_lo, dividend_hi, divisor, quotient, remainder, .. } => {
                v.reg_fixed_use(dividend_lo, regs::preg_rax());
                v.reg_fixed_use(dividend_hi, regs::preg_rdx());
                v.reg_use(divisor);
                v.reg_fixed_def(quotient, regs::preg_rax());
                v.reg_fixed_def(remainder, regs::preg_rdx());
            }
            Inst::SignExtendAxDx { src, dst, .. } => {
                v.reg_fixed_use(src, regs::preg_rax());
                v.reg_fixed_def(dst, regs::preg_rdx());
            }
            Inst::MulHi { src1, src2, lo, hi, .. } => {
                v.reg_fixed_use(src1, regs::preg_rax());
                v.reg_use(src2);
                v.reg_fixed_def(lo, regs::preg_rax());
                v.reg_fixed_def(hi, regs::preg_rdx());
            }
            Inst::MovRR { src, dst, .. } | Inst::XmmMovRR { src, dst } => {
                v.reg_use(src);
                v.reg_def(dst);
            }
            Inst::MovImm { dst, .. } | Inst::Setcc { dst, .. } | Inst::LoadExtName { dst, .. } => v.reg_def(dst),
            Inst::Lea { addr, dst, .. } | Inst::Load { addr, dst, .. } => {
                addr.visit(v);
                v.reg_def(dst);
            }
            Inst::MovzxRmR { src, dst, .. } | Inst::MovsxRmR { src, dst, .. } => {
                src.visit(v);
                v.reg_def(dst);
            }
            Inst::Store { src, addr, .. } => {
                v.reg_use(src);
                addr.visit(v);
            }
            Inst::StoreImm { addr, .. } => addr.visit(v),
            Inst::Cmp { src1, src2, .. } | Inst::Test { src1, src2, .. } => {
                v.reg_use(src1);
                src2.visit(v);
            }
            Inst::Cmov { consequent, alternative, dst, .. } => {
                v.reg_use(alternative);
                consequent.visit(v);
                v.reg_reuse_def(dst, 0);
            }
            Inst::Jmp { .. }
            | Inst::JmpCond { .. }
            | Inst::Ud2 { .. }
            | Inst::TrapIf { .. }
            | Inst::AddRspImm(_)
            | Inst::SubRspImm(_) => {}
            Inst::JmpTable { index, tmp1, tmp2, .. } => {
                v.reg_use(index);
                v.reg_early_def(tmp1);
                v.reg_reuse_def(tmp2, 0);
            }
            Inst::Ret { rets } => visit_fixed_uses(rets, v),
            Inst::Args { args, .. } => visit_fixed_defs(args, v),
            Inst::CallKnown { uses, defs, .. } => {
                visit_fixed_uses(uses, v);
                visit_fixed_defs(defs, v);
            }
            Inst::ElfTlsGetAddr { dst, .. } => v.reg_fixed_def(dst, regs::preg_rax()),
            Inst::CallUnknown { target, uses, defs, .. } => {
                target.visit(v);
                visit_fixed_uses(uses, v);
                visit_fixed_defs(defs, v);
            }
            Inst::TryCall { target, uses, defs, .. } => {
                if let Some(target) = target {
                    target.visit(v);
                }
                visit_fixed_uses(uses, v);
                visit_fixed_defs(defs, v);
            }
            Inst::LandingPad { defs } => visit_fixed_defs(defs, v),
            Inst::ReturnCallKnown { uses, .. } => visit_fixed_uses(uses, v),
            Inst::ReturnCallUnknown { target, uses } => {
                v.reg_fixed_use(target, regs::preg_r11());
                visit_fixed_uses(uses, v);
            }
            Inst::XmmRmR { src1, src2, dst, .. } => {
                v.reg_use(src1);
                src2.visit(v);
                v.reg_reuse_def(dst, 0);
            }
            Inst::XmmUnary { src, dst, .. } => {
                src.visit(v);
                v.reg_def(dst);
            }
            Inst::XmmRound { src, dst, .. }
            | Inst::HalfConvert { src, dst, .. }
            | Inst::GprToXmm { src, dst, .. }
            | Inst::XmmToGpr { src, dst, .. }
            | Inst::CvtIntToFloat { src, dst, .. }
            | Inst::CvtFloatToInt { src, dst, .. }
            | Inst::BitCount { src, dst, .. } => {
                v.reg_use(src);
                v.reg_def(dst);
            }
            Inst::XmmCmp { src1, src2, .. } => {
                v.reg_use(src1);
                src2.visit(v);
            }
            Inst::XmmLoad { addr, dst, .. } => {
                addr.visit(v);
                v.reg_def(dst);
            }
            Inst::XmmStore { src, addr, .. } => {
                v.reg_use(src);
                addr.visit(v);
            }
            Inst::XmmConst { dst, .. } => v.reg_def(dst),
            Inst::VecBin { vex, src1, src2, dst, .. } => {
                v.reg_use(src1);
                src2.visit(v);
                if *vex {
                    v.reg_def(dst);
                } else {
                    v.reg_reuse_def(dst, 0);
                }
            }
            Inst::VecUnary { src, dst, .. } => {
                src.visit(v);
                v.reg_def(dst);
            }
            Inst::VecShiftImm { vex, src, dst, .. } => {
                v.reg_use(src);
                if *vex {
                    v.reg_def(dst);
                } else {
                    v.reg_reuse_def(dst, 0);
                }
            }
            Inst::VecLoad { addr, dst, .. } => {
                addr.visit(v);
                v.reg_def(dst);
            }
            Inst::VecStore { src, addr, .. } => {
                v.reg_use(src);
                addr.visit(v);
            }
            Inst::VecConst { dst, .. } | Inst::VecFill { dst, .. } => v.reg_def(dst),
            Inst::Pinsr { vex, src1, src2, dst, .. } => {
                v.reg_use(src1);
                v.reg_use(src2);
                if *vex {
                    v.reg_def(dst);
                } else {
                    v.reg_reuse_def(dst, 0);
                }
            }
            Inst::Blendv { vex, src1, src2, mask, dst, .. } => {
                v.reg_use(src1);
                v.reg_use(src2);
                if *vex {
                    v.reg_use(mask);
                    v.reg_def(dst);
                } else {
                    v.reg_fixed_use(mask, regs::preg_xmm(0));
                    v.reg_reuse_def(dst, 0);
                }
            }
            Inst::Pextr { src, dst, .. } | Inst::Movmsk { src, dst, .. } => {
                v.reg_use(src);
                v.reg_def(dst);
            }
            Inst::Fma { src1, src2, src3, dst, .. } => {
                v.reg_use(src1);
                v.reg_use(src2);
                v.reg_use(src3);
                v.reg_reuse_def(dst, 0);
            }
            Inst::Bswap { src, dst, .. } => {
                v.reg_use(src);
                v.reg_reuse_def(dst, 0);
            }
            Inst::Bmi { rm, vvvv, dst, .. } => {
                v.reg_use(rm);
                v.reg_use(vvvv);
                v.reg_def(dst);
            }
            Inst::Rorx { src, dst, .. } => {
                v.reg_use(src);
                v.reg_def(dst);
            }
            Inst::Mfence => {}
            Inst::AtomicXadd { addr, src, dst, .. } => {
                v.reg_use(src);
                addr.visit(v);
                v.reg_reuse_def(dst, 0);
            }
            Inst::LockCmpxchg { addr, expected, replacement, dst, .. } => {
                v.reg_fixed_use(expected, regs::preg_rax());
                v.reg_use(replacement);
                addr.visit(v);
                v.reg_fixed_def(dst, regs::preg_rax());
            }
            Inst::AtomicRmwLoop { addr, operand, tmp, dst, .. } => {
                v.reg_late_use(addr);
                v.reg_late_use(operand);
                v.reg_early_def(tmp);
                v.reg_fixed_def(dst, regs::preg_rax());
            }
            Inst::Push64 { src } | Inst::MovToSp { src, .. } | Inst::XmmSaveToSp { src, .. } => v.reg_use(src),
            Inst::Pop64 { dst } | Inst::MovFromSp { dst, .. } | Inst::XmmRestoreFromSp { dst, .. } => v.reg_def(dst),
        }
    }

    fn entry_call_conv(&self) -> Option<CallConv> {
        match self {
            Inst::Args { call_conv, .. } => Some(*call_conv),
            _ => None,
        }
    }

    /// `test r, r` (or `cmp r, 0`) right after an `add`/`sub`/`and`/`or`/`xor` of the same
    /// width that wrote `r`, when the next instruction is the block's conditional branch
    /// on ZF, SF or PF: the operation set those three flags from `r` just as the test
    /// would (only CF and OF differ, and the branch does not read them).
    fn is_redundant_between(&self, prev: &Inst, next: &Inst, same: &dyn Fn(Reg, Reg) -> bool) -> bool {
        let (size, r) = match *self {
            Inst::Test { size, src1, src2: RegMemImm::Reg(b) } if same(b, src1) => (size, src1),
            Inst::Cmp { size, src1, src2: RegMemImm::Imm(0) } => (size, src1),
            _ => return false,
        };
        let sets_flags_of_r = matches!(*prev, Inst::AluRmiR { size: s, op, dst, .. }
            if s == size && same(dst, r) && matches!(op, AluOp::Add | AluOp::Sub | AluOp::And | AluOp::Or | AluOp::Xor));
        let reads_result_flags =
            matches!(next, Inst::JmpCond { cc, .. } if matches!(cc, CC::Z | CC::NZ | CC::S | CC::NS | CC::P | CC::NP));
        sets_flags_of_r && reads_result_flags
    }

    fn clobbers(&self) -> PRegSet {
        match self {
            Inst::CallKnown { clobbers, .. } | Inst::CallUnknown { clobbers, .. } | Inst::TryCall { clobbers, .. } => {
                *clobbers
            }
            Inst::ElfTlsGetAddr { .. } => {
                let mut set = regs::caller_saved_set();
                set.remove(regs::preg_rax());
                set
            }
            _ => PRegSet::empty(),
        }
    }

    fn terminator_kind(&self) -> TerminatorKind {
        match self {
            Inst::Jmp { .. } | Inst::JmpCond { .. } | Inst::JmpTable { .. } | Inst::TryCall { .. } => {
                TerminatorKind::Branch
            }
            Inst::Ret { .. } | Inst::ReturnCallKnown { .. } | Inst::ReturnCallUnknown { .. } => TerminatorKind::Ret,
            Inst::Ud2 { .. } => TerminatorKind::NoReturn,
            _ => TerminatorKind::None,
        }
    }

    fn gen_jump(target: MachLabel) -> Inst {
        Inst::Jmp { target }
    }

    fn map_branch_targets(&mut self, f: &dyn Fn(MachLabel) -> MachLabel) {
        match self {
            Inst::Jmp { target } => *target = f(*target),
            Inst::JmpCond { taken, not_taken, .. } => {
                *taken = f(*taken);
                *not_taken = f(*not_taken);
            }
            Inst::JmpTable { default, targets, .. } => {
                *default = f(*default);
                for t in targets.iter_mut() {
                    *t = f(*t);
                }
            }
            Inst::TryCall { targets, .. } => {
                for t in targets.iter_mut() {
                    *t = f(*t);
                }
            }
            _ => {}
        }
    }

    fn gen_move(dst: Reg, src: Reg, class: RegClass) -> Inst {
        match class {
            RegClass::Int => Inst::mov64(src, dst),
            RegClass::Float | RegClass::Vector => Inst::XmmMovRR { src, dst },
        }
    }

    /// Float-class registers hold vectors too, so they are spilled whole (`movups`, 16
    /// bytes: the size of a float-class spill slot).
    fn gen_spill(sp_offset: u32, src: Reg, class: RegClass) -> Inst {
        match class {
            RegClass::Int => Inst::MovToSp { offset: sp_offset, src, class },
            RegClass::Float | RegClass::Vector => Inst::XmmSaveToSp { offset: sp_offset, src },
        }
    }

    fn gen_reload(dst: Reg, sp_offset: u32, class: RegClass) -> Inst {
        match class {
            RegClass::Int => Inst::MovFromSp { offset: sp_offset, dst, class },
            RegClass::Float | RegClass::Vector => Inst::XmmRestoreFromSp { offset: sp_offset, dst },
        }
    }

    fn gen_frame_setup() -> Vec<FrameItem<Inst>> {
        use FrameItem::{Inst as I, Unwind as U};
        let rbp = regs::dwarf_reg(regs::preg_rbp());
        // After `push rbp` the CFA (the stack pointer before the call) is 16 bytes up:
        // the return address and the saved rbp; from `mov rbp, rsp` on it is rbp + 16.
        vec![
            I(Inst::Push64 { src: regs::rbp() }),
            U(UnwindInst::CfaSp { offset: 16 }),
            U(UnwindInst::Saved { reg: rbp, offset: -16 }),
            I(Inst::mov64(regs::rsp(), regs::rbp())),
            U(UnwindInst::CfaFp { reg: rbp, offset: 16 }),
        ]
    }

    fn gen_frame_teardown() -> Vec<FrameItem<Inst>> {
        use FrameItem::{Inst as I, Unwind as U};
        vec![
            I(Inst::Pop64 { dst: regs::rbp() }),
            U(UnwindInst::CfaSp { offset: 8 }),
            U(UnwindInst::Restored { reg: regs::dwarf_reg(regs::preg_rbp()) }),
        ]
    }

    fn gen_push(r: Reg) -> Vec<Inst> {
        vec![Inst::Push64 { src: r }]
    }

    fn gen_pop(r: Reg) -> Vec<Inst> {
        vec![Inst::Pop64 { dst: r }]
    }

    fn gen_sp_sub(size: u32, probe_interval: Option<u32>) -> Vec<Inst> {
        let mut out = Vec::new();
        stack_probed_sub(&mut out, size, probe_interval);
        out
    }

    fn gen_sp_add(size: u32) -> Inst {
        Inst::AddRspImm(size)
    }

    fn gen_save(r: Reg, sp_offset: u32) -> Inst {
        match r.class() {
            RegClass::Int => Inst::MovToSp { offset: sp_offset, src: r, class: RegClass::Int },
            _ => Inst::XmmSaveToSp { offset: sp_offset, src: r },
        }
    }

    fn gen_restore(r: Reg, sp_offset: u32) -> Inst {
        match r.class() {
            RegClass::Int => Inst::MovFromSp { offset: sp_offset, dst: r, class: RegClass::Int },
            _ => Inst::XmmRestoreFromSp { offset: sp_offset, dst: r },
        }
    }

    fn dwarf_reg(p: PReg) -> DwarfReg {
        regs::dwarf_reg(p)
    }

    fn emit(&self, buf: &mut MachBuffer<Self::LabelUse>, state: &EmitState<'_>) {
        super::emit::emit(self, buf, state);
    }

    fn print(&self) -> String {
        super::print::print(self)
    }

    fn print_emitted(&self, state: &EmitState<'_>) -> String {
        match *self {
            Inst::Jmp { target } if state.next_block == Some(target) => String::new(),
            // The call alone: the jump to the normal edge is left out.
            Inst::TryCall { ref targets, .. } if state.next_block == targets.first().copied() => {
                self.print().lines().next().unwrap_or_default().to_string()
            }
            Inst::JmpCond { cc, taken, not_taken } if state.next_block == Some(not_taken) => {
                format!("j{} {taken:?}", cc.name())
            }
            Inst::JmpCond { cc, taken, not_taken } if state.next_block == Some(taken) => {
                format!("j{} {not_taken:?}", cc.invert().name())
            }
            _ => self.print(),
        }
    }
}

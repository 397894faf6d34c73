//! Executing one instruction: the type checks every instruction goes through, then a
//! dispatch by opcode group to `int`, `float`, `conv`, `mem`, `control`, `vector` and
//! `vector_x86`
//! (lane-wise forms of scalar opcodes run their group's scalar rule once per lane).
//!
//! Input: the current frame and the instruction to run. Output: a [`Flow`] telling the run
//! loop in `lib.rs` where control goes, or a [`Halt`](crate::error::Halt) (trap or error).
//!
//! Invariant: after [`check_types`] succeeds, the controlling type is in the opcode's type
//! set, every fixed operand satisfies its constraint and the results have the types the
//! opcode table derives, so the group modules may rely on operand widths. They still never
//! index unchecked: anything unexpected is `InvalidIr`.

mod control;
mod conv;
mod float;
mod int;
mod mem;
mod vector;
mod vector_x86;

pub(crate) use vector::LaneRun;

use crate::FunctionStore;
use crate::error::{Ex, invalid, unsupported};
use crate::frame::Frame;
use crate::memory::Memory;
use crate::value::{Val, mask};
use lathe_codegen::ir::{BlockCall, CtrlSource, Inst, InstructionData, Opcode, Type, Value};

/// Where control goes after an instruction.
pub(crate) enum Flow {
    /// To the next instruction of the block.
    Next,
    /// To a block, binding its parameters.
    Jump(BlockCall),
    /// Out of the function with these values.
    Return(Vec<Val>),
    /// Into function `callee` of the store; `tail` replaces the current frame.
    Call {
        /// The callee's index in the store.
        callee: usize,
        /// The arguments.
        args: Vec<Val>,
        /// Whether this is a tail call.
        tail: bool,
    },
    /// A call of the throw helper ([`THROW_FUNCTION`](crate::THROW_FUNCTION)): unwind to
    /// the nearest `try_call` whose table catches `tag`, the current frame's first.
    Throw {
        /// The exception's tag.
        tag: u32,
        /// The payload (delivered as `exn0`).
        payload: u64,
    },
}

/// What one instruction may touch.
pub(crate) struct Ctx<'s, 'a> {
    /// The running frame.
    pub frame: &'s mut Frame<'a>,
    /// The address space.
    pub mem: &'s mut Memory,
    /// The pinned register.
    pub pinned: &'s mut u64,
    /// The functions calls resolve in.
    pub store: &'s FunctionStore<'a>,
    /// Set while a lane-wise vector instruction runs its scalar rule on one lane.
    pub lanes: Option<LaneRun>,
}

impl Ctx<'_, '_> {
    /// The value of an operand (in lane mode, a vector operand's current lane).
    #[inline]
    pub fn arg(&self, v: Value) -> Ex<Val> {
        let val = self.frame.get(v)?;
        match &self.lanes {
            Some(run) if val.ty.is_vector() => {
                let lane = val.ty.lane_type();
                Ok(Val::new(lane, val.bits >> (run.index * lane.bits())))
            }
            _ => Ok(val),
        }
    }

    /// Sets result `i` of `inst` to the low bits of `bits`, typed as the result is declared.
    #[inline]
    pub fn result(&mut self, inst: Inst, i: usize, bits: u128) -> Ex<()> {
        if let Some(run) = &mut self.lanes {
            return match run.results.get_mut(i) {
                Some(slot) => {
                    *slot = bits;
                    Ok(())
                }
                None => invalid(format!("{inst} has more results than a lane-wise operation")),
            };
        }
        let dfg = &self.frame.func.dfg;
        let Some(&r) = dfg.inst_results(inst).get(i) else {
            return invalid(format!("{inst} has no result {i}"));
        };
        let ty = dfg.value_type(r);
        self.frame.set(r, Val::new(ty, bits))
    }

    /// Sets the only result of `inst` and continues.
    #[inline]
    pub fn result1(&mut self, inst: Inst, bits: u128) -> Ex<Flow> {
        self.result(inst, 0, bits)?;
        Ok(Flow::Next)
    }
}

/// The bits of a 64-bit immediate used at width `n`: the low `n` bits, sign-extended first
/// when `n` is 128.
#[inline]
pub(crate) fn imm_bits(imm: i64, n: u32) -> u128 {
    (imm as i128 as u128) & mask(n)
}

/// Opcodes that treat a vector as a plain 128-bit pattern, which the interpreter runs.
fn whole_vector(op: Opcode) -> bool {
    use Opcode::*;
    matches!(
        op,
        Vconst
            | Load
            | Store
            | StackLoad
            | StackStore
            | Select
            | SelectSpectreGuard
            | Bitselect
            | Band
            | Bor
            | Bxor
            | Bnot
            | BandNot
            | BorNot
            | BxorNot
            | Bitcast
    )
}

/// Checks the types of `inst` against the opcode table; returns the controlling type.
fn check_types(frame: &Frame<'_>, inst: Inst, data: &InstructionData, op: Opcode) -> Ex<Type> {
    let dfg = &frame.func.dfg;
    let info = op.info();
    let ctrl = dfg.ctrl_typevar(inst);
    if info.ctrl != CtrlSource::None && !info.ctrl_types.contains(ctrl) {
        return invalid(format!("controlling type `{ctrl}` is not {}", info.ctrl_types.describe()));
    }
    let args = data.arguments(&dfg.value_lists);
    if args.len() < info.args.len() {
        return invalid(format!("{} operands where {} are required", args.len(), info.args.len()));
    }
    let mut vector = ctrl.is_vector();
    for (i, (&v, &c)) in args.iter().zip(info.args).enumerate() {
        let ty = frame.get(v)?.ty;
        if !c.allows(ty, ctrl) {
            return invalid(format!("operand {i} ({v}) has type {ty}, expected {}", c.describe(ctrl)));
        }
        vector |= ty.is_vector();
    }
    if !op.is_call() {
        let results = dfg.inst_results(inst);
        let want = dfg.result_types(inst, ctrl);
        let same = results.len() == want.len() && results.iter().zip(&want).all(|(&r, &t)| dfg.value_type(r) == t);
        if !same {
            return invalid(format!("the results do not have the types `{op}` gives for `{ctrl}`"));
        }
    }
    if vector && !whole_vector(op) && !vector::is_lanewise(op) && !is_vector_opcode(op) {
        return unsupported(op, "this opcode has no vector form in the interpreter");
    }
    Ok(ctrl)
}

/// Executes `inst` in the context's frame.
pub(crate) fn execute(ctx: &mut Ctx<'_, '_>, inst: Inst) -> Ex<Flow> {
    let func = ctx.frame.func;
    let Some(data) = func.dfg.insts.get(inst) else {
        return invalid(format!("{inst} is in the layout but does not exist"));
    };
    let op = data.opcode();
    if data.format() != op.format() {
        return invalid(format!("`{op}` has operands of format {:?}", data.format()));
    }
    let ctrl = check_types(ctx.frame, inst, data, op)?;
    let vector_operand = || data.arguments(&func.dfg.value_lists).iter().any(|&v| func.dfg.value_type(v).is_vector());
    if vector::is_lanewise(op) && (ctrl.is_vector() || vector_operand()) {
        let lanes = if ctrl.is_vector() {
            ctrl
        } else {
            data.arguments(&func.dfg.value_lists)
                .iter()
                .map(|&v| func.dfg.value_type(v))
                .find(|t| t.is_vector())
                .unwrap_or(ctrl)
        };
        return vector::lanewise(ctx, inst, data, op, lanes, dispatch);
    }
    dispatch(ctx, inst, data, op, ctrl)
}

/// Whether `op` is one of the vector opcodes proper (`vector.rs`).
fn is_vector_opcode(op: Opcode) -> bool {
    use Opcode::*;
    matches!(
        op,
        Splat
            | ScalarToVector
            | Extractlane
            | Insertlane
            | Shuffle
            | Swizzle
            | VanyTrue
            | VallTrue
            | VhighBits
            | Snarrow
            | Unarrow
            | Uunarrow
            | SwidenLow
            | SwidenHigh
            | UwidenLow
            | UwidenHigh
            | IaddPairwise
            | Vselect
            | SqmulRoundSat
            | FvpromoteLow
            | Fvdemote
            | Uload8x8
            | Sload8x8
            | Uload16x4
            | Sload16x4
            | Uload32x2
            | Sload32x2
            | X86Pshufb
            | X86Blendv
            | X86Pmulhrsw
            | X86Pmaddubsw
            | X86Cvtt2dq
    )
}

/// Runs `inst` by its opcode group with controlling type `ctrl`.
fn dispatch(ctx: &mut Ctx<'_, '_>, inst: Inst, data: &InstructionData, op: Opcode, ctrl: Type) -> Ex<Flow> {
    use Opcode::*;
    match op {
        Iconst | Iadd | Isub | Ineg | Iabs | Imul | Umulhi | Smulhi | Udiv | Sdiv | Urem | Srem | IaddImm | ImulImm
        | UdivImm | SdivImm | UremImm | SremImm | IrsubImm | UaddOverflow | SaddOverflow | UsubOverflow
        | SsubOverflow | UmulOverflow | SmulOverflow | UaddOverflowCin | SaddOverflowCin | UsubOverflowBin
        | SsubOverflowBin | UaddOverflowTrap | Smin | Umin | Smax | Umax | UaddSat | SaddSat | UsubSat | SsubSat
        | AvgRound | Band | Bor | Bxor | Bnot | BandNot | BorNot | BxorNot | BandImm | BorImm | BxorImm | Bitrev
        | Clz | Cls | Ctz | Bswap | Popcnt | Bmask | Ishl | Ushr | Sshr | Rotl | Rotr | IshlImm | UshrImm | SshrImm
        | RotlImm | RotrImm | Icmp | IcmpImm | Select | SelectSpectreGuard | Bitselect => {
            int::exec(ctx, inst, data, op, ctrl)
        }
        F16const | F32const | F64const | Fcmp | Fadd | Fsub | Fmul | Fdiv | Sqrt | Fma | Fneg | Fabs | Fcopysign
        | Fmin | Fmax | Ceil | Floor | Trunc | Nearest => float::exec(ctx, inst, data, op, ctrl),
        Vconst | F128const | Bitcast | Ireduce | Uextend | Sextend | Fpromote | Fdemote | FcvtToUint | FcvtToSint
        | FcvtToUintSat | FcvtToSintSat | FcvtFromUint | FcvtFromSint | Isplit | Iconcat => {
            conv::exec(ctx, inst, data, op, ctrl)
        }
        Load | Store | Uload8 | Sload8 | Istore8 | Uload16 | Sload16 | Istore16 | Uload32 | Sload32 | Istore32
        | StackLoad | StackStore | StackAddr | SymbolValue | TlsValue | GlobalValue | FuncAddr | AtomicRmw
        | AtomicCas | AtomicLoad | AtomicStore | Fence => mem::exec(ctx, inst, data, op, ctrl),
        Jump | Brif | BrTable | Return | Trap | Trapz | Trapnz | Debugtrap | Call | CallIndirect | ReturnCall
        | ReturnCallIndirect | TryCall | TryCallIndirect | GetFramePointer | GetStackPointer | GetReturnAddress
        | GetPinnedReg | SetPinnedReg | Nop => control::exec(ctx, inst, data, op, ctrl),
        Splat | ScalarToVector | Extractlane | Insertlane | Shuffle | Swizzle | VanyTrue | VallTrue | VhighBits
        | Snarrow | Unarrow | Uunarrow | SwidenLow | SwidenHigh | UwidenLow | UwidenHigh | IaddPairwise | Vselect
        | SqmulRoundSat | FvpromoteLow | Fvdemote | Uload8x8 | Sload8x8 | Uload16x4 | Sload16x4 | Uload32x2
        | Sload32x2 => vector::exec(ctx, inst, data, op, ctrl),
        X86Pshufb | X86Blendv | X86Pmulhrsw | X86Pmaddubsw | X86Cvtt2dq => vector_x86::exec(ctx, inst, data, op, ctrl),
    }
}

/// An `InvalidIr` halt for an instruction whose data does not fit the opcode's handler.
pub(crate) fn bad_shape<T>(op: Opcode) -> Ex<T> {
    invalid(format!("`{op}` has operands the interpreter does not expect"))
}

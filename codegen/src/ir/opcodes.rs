//! The opcode table: every IR opcode described once.
//!
//! [`for_each_opcode!`](crate::for_each_opcode) passes the whole table to a macro of the
//! caller's choice. From it come the [`Opcode`](super::Opcode) enum and its per-opcode
//! [`OpcodeInfo`](super::OpcodeInfo) (name, instruction format, how the controlling type is
//! found, operand and result type constraints, properties) in `instructions.rs`, and the
//! typed builder methods of [`InstBuilder`](super::InstBuilder) in `builder.rs`; other
//! crates can generate their own tables from it too. The reader, writer and verifier are
//! driven by `OpcodeInfo`, so adding a row here is how an opcode is added. Its semantics
//! are then written in `docs/ir.md` and in the interpreter.
//!
//! A row is:
//!
//! ```text
//! /// doc
//! Variant method "text" Format ctrl TypeSet [operand constraints] [result constraints] [flags];
//! ```
//!
//! - `Format` names the [`InstructionFormat`](super::InstructionFormat): which immediates
//!   and how many value operands the instruction has.
//! - `ctrl` says where the controlling type variable comes from: `explicit` (written as a
//!   `.type` suffix in text; it is the type of the first result), `arg0` / `arg1` (the type
//!   of that value operand), or `nocontrol`.
//! - `TypeSet` is the set of types the controlling type may take
//!   ([`TypeSet`](super::TypeSet)).
//! - Constraints are [`Constraint`](super::Constraint) names, relative to the controlling
//!   type. Calls and `return` have variable operand lists checked against signatures, and
//!   call results come from the callee's signature.
//! - Flags: `terminator branch call ret trap load store effects`.

/// Invokes `$m! { rows }` with every row of the opcode table (see the module docs).
#[macro_export]
macro_rules! for_each_opcode {
    ($m:ident) => {
        $m! {
            // ---- Constants ----
            /// Integer constant of the controlling type; the immediate's low bits are used.
            Iconst iconst "iconst" UnaryImm explicit IntScalarNo128 [] [Ctrl] [];
            /// 32-bit float constant, given by its exact bits.
            F32const f32const "f32const" UnaryIeee32 nocontrol Any [] [F32] [];
            /// 64-bit float constant, given by its exact bits.
            F64const f64const "f64const" UnaryIeee64 nocontrol Any [] [F64] [];
            /// 16-bit float constant, given by its exact bits.
            F16const f16const "f16const" UnaryIeee16 nocontrol Any [] [F16] [];
            /// 128-bit float constant: its 16 little-endian bytes in the constant pool
            /// (written as a float literal in text).
            F128const f128const "f128const" UnaryConst nocontrol Any [] [F128] [];
            /// Vector constant from the constant pool.
            Vconst vconst "vconst" UnaryConst explicit Vector [] [Ctrl] [];

            // ---- Integer arithmetic ----
            /// Wrapping addition.
            Iadd iadd "iadd" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// Wrapping subtraction.
            Isub isub "isub" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// Wrapping negation.
            Ineg ineg "ineg" Unary arg0 Int [Ctrl] [Ctrl] [];
            /// Absolute value, wrapping (the minimum value stays itself).
            Iabs iabs "iabs" Unary arg0 Int [Ctrl] [Ctrl] [];
            /// Wrapping multiplication (low half of the product).
            Imul imul "imul" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// High half of the unsigned double-width product.
            Umulhi umulhi "umulhi" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// High half of the signed double-width product.
            Smulhi smulhi "smulhi" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// Unsigned division, rounding toward zero. Traps `int_divz` on a zero divisor.
            Udiv udiv "udiv" Binary arg0 IntScalar [Ctrl, Ctrl] [Ctrl] [trap];
            /// Signed division, rounding toward zero. Traps `int_divz` on a zero divisor and
            /// `int_ovf` on MIN / -1.
            Sdiv sdiv "sdiv" Binary arg0 IntScalar [Ctrl, Ctrl] [Ctrl] [trap];
            /// Unsigned remainder. Traps `int_divz` on a zero divisor.
            Urem urem "urem" Binary arg0 IntScalar [Ctrl, Ctrl] [Ctrl] [trap];
            /// Signed remainder, with the sign of the dividend; MIN % -1 is 0. Traps
            /// `int_divz` on a zero divisor.
            Srem srem "srem" Binary arg0 IntScalar [Ctrl, Ctrl] [Ctrl] [trap];
            /// Wrapping addition with a 64-bit immediate.
            IaddImm iadd_imm "iadd_imm" BinaryImm64 arg0 IntScalar [Ctrl] [Ctrl] [];
            /// Wrapping multiplication by an immediate.
            ImulImm imul_imm "imul_imm" BinaryImm64 arg0 IntScalar [Ctrl] [Ctrl] [];
            /// Unsigned division by an immediate (traps like `udiv`).
            UdivImm udiv_imm "udiv_imm" BinaryImm64 arg0 IntScalar [Ctrl] [Ctrl] [trap];
            /// Signed division by an immediate (traps like `sdiv`).
            SdivImm sdiv_imm "sdiv_imm" BinaryImm64 arg0 IntScalar [Ctrl] [Ctrl] [trap];
            /// Unsigned remainder by an immediate (traps like `urem`).
            UremImm urem_imm "urem_imm" BinaryImm64 arg0 IntScalar [Ctrl] [Ctrl] [trap];
            /// Signed remainder by an immediate (traps like `srem`).
            SremImm srem_imm "srem_imm" BinaryImm64 arg0 IntScalar [Ctrl] [Ctrl] [trap];
            /// Reverse subtraction: immediate minus operand, wrapping.
            IrsubImm irsub_imm "irsub_imm" BinaryImm64 arg0 IntScalar [Ctrl] [Ctrl] [];
            /// Unsigned add producing the wrapped sum and a carry-out flag (`i8`).
            UaddOverflow uadd_overflow "uadd_overflow" Binary arg0 IntScalar [Ctrl, Ctrl] [Ctrl, I8] [];
            /// Signed add producing the wrapped sum and an overflow flag.
            SaddOverflow sadd_overflow "sadd_overflow" Binary arg0 IntScalar [Ctrl, Ctrl] [Ctrl, I8] [];
            /// Unsigned subtract producing the wrapped difference and a borrow flag.
            UsubOverflow usub_overflow "usub_overflow" Binary arg0 IntScalar [Ctrl, Ctrl] [Ctrl, I8] [];
            /// Signed subtract producing the wrapped difference and an overflow flag.
            SsubOverflow ssub_overflow "ssub_overflow" Binary arg0 IntScalar [Ctrl, Ctrl] [Ctrl, I8] [];
            /// Unsigned multiply producing the low half and an overflow flag.
            UmulOverflow umul_overflow "umul_overflow" Binary arg0 IntScalar [Ctrl, Ctrl] [Ctrl, I8] [];
            /// Signed multiply producing the low half and an overflow flag.
            SmulOverflow smul_overflow "smul_overflow" Binary arg0 IntScalar [Ctrl, Ctrl] [Ctrl, I8] [];
            /// Unsigned add with carry-in (`i8`, 0 or 1): sum and carry-out.
            UaddOverflowCin uadd_overflow_cin "uadd_overflow_cin" Ternary arg0 IntScalar [Ctrl, Ctrl, I8] [Ctrl, I8] [];
            /// Signed add with carry-in: sum and signed overflow flag.
            SaddOverflowCin sadd_overflow_cin "sadd_overflow_cin" Ternary arg0 IntScalar [Ctrl, Ctrl, I8] [Ctrl, I8] [];
            /// Unsigned subtract with borrow-in: difference and borrow-out.
            UsubOverflowBin usub_overflow_bin "usub_overflow_bin" Ternary arg0 IntScalar [Ctrl, Ctrl, I8] [Ctrl, I8] [];
            /// Signed subtract with borrow-in: difference and signed overflow flag.
            SsubOverflowBin ssub_overflow_bin "ssub_overflow_bin" Ternary arg0 IntScalar [Ctrl, Ctrl, I8] [Ctrl, I8] [];
            /// Unsigned add that traps with the given code on carry-out.
            UaddOverflowTrap uadd_overflow_trap "uadd_overflow_trap" IntAddTrap arg0 IntScalarNo128 [Ctrl, Ctrl] [Ctrl] [trap];
            /// Signed minimum.
            Smin smin "smin" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// Unsigned minimum.
            Umin umin "umin" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// Signed maximum.
            Smax smax "smax" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// Unsigned maximum.
            Umax umax "umax" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// Unsigned saturating addition.
            UaddSat uadd_sat "uadd_sat" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// Signed saturating addition.
            SaddSat sadd_sat "sadd_sat" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// Unsigned saturating subtraction.
            UsubSat usub_sat "usub_sat" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// Signed saturating subtraction.
            SsubSat ssub_sat "ssub_sat" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];
            /// Unsigned average rounding up: `(x + y + 1) >> 1` without overflow.
            AvgRound avg_round "avg_round" Binary arg0 Int [Ctrl, Ctrl] [Ctrl] [];

            // ---- Bit operations ----
            /// Bitwise and.
            Band band "band" Binary arg0 Any [Ctrl, Ctrl] [Ctrl] [];
            /// Bitwise or.
            Bor bor "bor" Binary arg0 Any [Ctrl, Ctrl] [Ctrl] [];
            /// Bitwise exclusive or.
            Bxor bxor "bxor" Binary arg0 Any [Ctrl, Ctrl] [Ctrl] [];
            /// Bitwise not.
            Bnot bnot "bnot" Unary arg0 Any [Ctrl] [Ctrl] [];
            /// `x & !y`.
            BandNot band_not "band_not" Binary arg0 Any [Ctrl, Ctrl] [Ctrl] [];
            /// `x | !y`.
            BorNot bor_not "bor_not" Binary arg0 Any [Ctrl, Ctrl] [Ctrl] [];
            /// `x ^ !y`.
            BxorNot bxor_not "bxor_not" Binary arg0 Any [Ctrl, Ctrl] [Ctrl] [];
            /// Bitwise and with an immediate.
            BandImm band_imm "band_imm" BinaryImm64 arg0 IntScalar [Ctrl] [Ctrl] [];
            /// Bitwise or with an immediate.
            BorImm bor_imm "bor_imm" BinaryImm64 arg0 IntScalar [Ctrl] [Ctrl] [];
            /// Bitwise exclusive or with an immediate.
            BxorImm bxor_imm "bxor_imm" BinaryImm64 arg0 IntScalar [Ctrl] [Ctrl] [];
            /// Reverses the order of the bits.
            Bitrev bitrev "bitrev" Unary arg0 Int [Ctrl] [Ctrl] [];
            /// Count of leading zero bits.
            Clz clz "clz" Unary arg0 Int [Ctrl] [Ctrl] [];
            /// Count of leading bits equal to the sign bit, not counting the sign bit.
            Cls cls "cls" Unary arg0 Int [Ctrl] [Ctrl] [];
            /// Count of trailing zero bits.
            Ctz ctz "ctz" Unary arg0 Int [Ctrl] [Ctrl] [];
            /// Reverses the order of the bytes.
            Bswap bswap "bswap" Unary arg0 Int [Ctrl] [Ctrl] [];
            /// Count of one bits.
            Popcnt popcnt "popcnt" Unary arg0 Int [Ctrl] [Ctrl] [];
            /// All ones if the operand is non-zero, else zero; the result type is the
            /// controlling type.
            Bmask bmask "bmask" Unary explicit Int [IntSameLanes] [Ctrl] [];

            // ---- Shifts and rotates (the amount is taken modulo the lane width; on vectors
            // every lane is shifted by the same scalar amount) ----
            /// Shift left.
            Ishl ishl "ishl" Binary arg0 Int [Ctrl, AnyIntScalar] [Ctrl] [];
            /// Logical shift right.
            Ushr ushr "ushr" Binary arg0 Int [Ctrl, AnyIntScalar] [Ctrl] [];
            /// Arithmetic shift right.
            Sshr sshr "sshr" Binary arg0 Int [Ctrl, AnyIntScalar] [Ctrl] [];
            /// Rotate left.
            Rotl rotl "rotl" Binary arg0 Int [Ctrl, AnyIntScalar] [Ctrl] [];
            /// Rotate right.
            Rotr rotr "rotr" Binary arg0 Int [Ctrl, AnyIntScalar] [Ctrl] [];
            /// Shift left by an immediate.
            IshlImm ishl_imm "ishl_imm" BinaryImm64 arg0 Int [Ctrl] [Ctrl] [];
            /// Logical shift right by an immediate.
            UshrImm ushr_imm "ushr_imm" BinaryImm64 arg0 Int [Ctrl] [Ctrl] [];
            /// Arithmetic shift right by an immediate.
            SshrImm sshr_imm "sshr_imm" BinaryImm64 arg0 Int [Ctrl] [Ctrl] [];
            /// Rotate left by an immediate.
            RotlImm rotl_imm "rotl_imm" BinaryImm64 arg0 Int [Ctrl] [Ctrl] [];
            /// Rotate right by an immediate.
            RotrImm rotr_imm "rotr_imm" BinaryImm64 arg0 Int [Ctrl] [Ctrl] [];

            // ---- Comparisons and selection ----
            /// Integer comparison: `i8` 1 or 0 for scalars; all-ones or zero lanes for vectors.
            Icmp icmp "icmp" IntCompare arg0 Int [Ctrl, Ctrl] [CmpResult] [];
            /// Integer comparison with an immediate.
            IcmpImm icmp_imm "icmp_imm" IntCompareImm arg0 IntScalar [Ctrl] [CmpResult] [];
            /// Float comparison: `i8` 1 or 0 for scalars; all-ones or zero lanes for vectors.
            Fcmp fcmp "fcmp" FloatCompare arg0 Float [Ctrl, Ctrl] [CmpResult] [];
            /// `c != 0 ? x : y`.
            Select select "select" Ternary arg1 Any [AnyIntScalar, Ctrl, Ctrl] [Ctrl] [];
            /// Like `select`, but guaranteed to be computed without a branch or speculation.
            SelectSpectreGuard select_spectre_guard "select_spectre_guard" Ternary arg1 Any [AnyIntScalar, Ctrl, Ctrl] [Ctrl] [];
            /// Bitwise select: `(c & x) | (!c & y)`.
            Bitselect bitselect "bitselect" Ternary arg0 Any [Ctrl, Ctrl, Ctrl] [Ctrl] [];

            // ---- Floating point ----
            /// IEEE addition.
            Fadd fadd "fadd" Binary arg0 Float [Ctrl, Ctrl] [Ctrl] [];
            /// IEEE subtraction.
            Fsub fsub "fsub" Binary arg0 Float [Ctrl, Ctrl] [Ctrl] [];
            /// IEEE multiplication.
            Fmul fmul "fmul" Binary arg0 Float [Ctrl, Ctrl] [Ctrl] [];
            /// IEEE division.
            Fdiv fdiv "fdiv" Binary arg0 Float [Ctrl, Ctrl] [Ctrl] [];
            /// IEEE square root.
            Sqrt sqrt "sqrt" Unary arg0 Float [Ctrl] [Ctrl] [];
            /// Fused multiply-add `x * y + z` with a single rounding.
            Fma fma "fma" Ternary arg0 Float [Ctrl, Ctrl, Ctrl] [Ctrl] [];
            /// Flips the sign bit (also of NaN).
            Fneg fneg "fneg" Unary arg0 Float [Ctrl] [Ctrl] [];
            /// Clears the sign bit (also of NaN).
            Fabs fabs "fabs" Unary arg0 Float [Ctrl] [Ctrl] [];
            /// The magnitude of `x` with the sign bit of `y`.
            Fcopysign fcopysign "fcopysign" Binary arg0 Float [Ctrl, Ctrl] [Ctrl] [];
            /// Minimum; NaN if either operand is NaN; -0.0 is less than +0.0.
            Fmin fmin "fmin" Binary arg0 Float [Ctrl, Ctrl] [Ctrl] [];
            /// Maximum; NaN if either operand is NaN; +0.0 is greater than -0.0.
            Fmax fmax "fmax" Binary arg0 Float [Ctrl, Ctrl] [Ctrl] [];
            /// Round toward +infinity.
            Ceil ceil "ceil" Unary arg0 Float [Ctrl] [Ctrl] [];
            /// Round toward -infinity.
            Floor floor "floor" Unary arg0 Float [Ctrl] [Ctrl] [];
            /// Round toward zero.
            Trunc trunc "trunc" Unary arg0 Float [Ctrl] [Ctrl] [];
            /// Round to nearest, ties to even.
            Nearest nearest "nearest" Unary arg0 Float [Ctrl] [Ctrl] [];

            // ---- Conversions ----
            /// Reinterprets the bits as the controlling type (same size). Takes memory flags
            /// for the lane order of vectors.
            Bitcast bitcast "bitcast" LoadNoOffset explicit Any [SameSize] [Ctrl] [];
            /// Keeps the low bits of a wider integer.
            Ireduce ireduce "ireduce" Unary explicit Int [Wider] [Ctrl] [];
            /// Zero-extends a narrower integer.
            Uextend uextend "uextend" Unary explicit Int [Narrower] [Ctrl] [];
            /// Sign-extends a narrower integer.
            Sextend sextend "sextend" Unary explicit Int [Narrower] [Ctrl] [];
            /// Converts `f32` to `f64` exactly.
            Fpromote fpromote "fpromote" Unary explicit Float [Narrower] [Ctrl] [];
            /// Converts `f64` to `f32`, rounding to nearest even.
            Fdemote fdemote "fdemote" Unary explicit Float [Wider] [Ctrl] [];
            /// Float to unsigned integer, rounding toward zero; traps `bad_toint` on NaN and
            /// `int_ovf` when out of range.
            FcvtToUint fcvt_to_uint "fcvt_to_uint" Unary explicit IntScalar [FloatSameLanes] [Ctrl] [trap];
            /// Float to signed integer, rounding toward zero; traps like `fcvt_to_uint`.
            FcvtToSint fcvt_to_sint "fcvt_to_sint" Unary explicit IntScalar [FloatSameLanes] [Ctrl] [trap];
            /// Float to unsigned integer, saturating; NaN gives 0.
            FcvtToUintSat fcvt_to_uint_sat "fcvt_to_uint_sat" Unary explicit Int [FloatSameLanes] [Ctrl] [];
            /// Float to signed integer, saturating; NaN gives 0.
            FcvtToSintSat fcvt_to_sint_sat "fcvt_to_sint_sat" Unary explicit Int [FloatSameLanes] [Ctrl] [];
            /// Unsigned integer to float, rounding to nearest even.
            FcvtFromUint fcvt_from_uint "fcvt_from_uint" Unary explicit Float [IntSameLanes] [Ctrl] [];
            /// Signed integer to float, rounding to nearest even.
            FcvtFromSint fcvt_from_sint "fcvt_from_sint" Unary explicit Float [IntSameLanes] [Ctrl] [];
            /// Splits an integer into its low and high halves.
            Isplit isplit "isplit" Unary arg0 IntScalarSplittable [Ctrl] [HalfWidth, HalfWidth] [];
            /// Joins a low and a high half into a double-width integer.
            Iconcat iconcat "iconcat" Binary arg0 IntScalarNo128 [Ctrl, Ctrl] [DoubleWidth] [];

            // ---- Memory ----
            /// Loads a value of the controlling type from `p + offset`.
            Load load "load" Load explicit Any [Addr] [Ctrl] [load trap];
            /// Stores `x` to `p + offset`.
            Store store "store" Store arg0 Any [Ctrl, Addr] [] [store trap];
            /// Loads 8 bits and zero-extends.
            Uload8 uload8 "uload8" Load explicit IntScalar [Addr] [Ctrl] [load trap];
            /// Loads 8 bits and sign-extends.
            Sload8 sload8 "sload8" Load explicit IntScalar [Addr] [Ctrl] [load trap];
            /// Stores the low 8 bits.
            Istore8 istore8 "istore8" Store arg0 IntScalar [Ctrl, Addr] [] [store trap];
            /// Loads 16 bits and zero-extends.
            Uload16 uload16 "uload16" Load explicit IntScalar [Addr] [Ctrl] [load trap];
            /// Loads 16 bits and sign-extends.
            Sload16 sload16 "sload16" Load explicit IntScalar [Addr] [Ctrl] [load trap];
            /// Stores the low 16 bits.
            Istore16 istore16 "istore16" Store arg0 IntScalar [Ctrl, Addr] [] [store trap];
            /// Loads 32 bits and zero-extends.
            Uload32 uload32 "uload32" Load explicit IntScalar [Addr] [Ctrl] [load trap];
            /// Loads 32 bits and sign-extends.
            Sload32 sload32 "sload32" Load explicit IntScalar [Addr] [Ctrl] [load trap];
            /// Stores the low 32 bits.
            Istore32 istore32 "istore32" Store arg0 IntScalar [Ctrl, Addr] [] [store trap];
            /// Loads from a stack slot at a constant offset.
            StackLoad stack_load "stack_load" StackLoad explicit Any [] [Ctrl] [load];
            /// Stores to a stack slot at a constant offset.
            StackStore stack_store "stack_store" StackStore arg0 Any [Ctrl] [] [store];
            /// The address of a stack slot plus a constant offset.
            StackAddr stack_addr "stack_addr" StackLoad explicit Addr [] [Ctrl] [];
            /// The address of a symbol global value.
            SymbolValue symbol_value "symbol_value" UnaryGlobalValue explicit Addr [] [Ctrl] [];
            /// The address, in the running thread, of a thread-local symbol (`symbol tls`).
            TlsValue tls_value "tls_value" UnaryGlobalValue explicit Addr [] [Ctrl] [];
            /// The value of a global value.
            GlobalValue global_value "global_value" UnaryGlobalValue explicit Any [] [Ctrl] [];
            /// The address of a function.
            FuncAddr func_addr "func_addr" FuncAddr explicit Addr [] [Ctrl] [];

            // ---- Atomics (sequentially consistent) ----
            /// Atomically applies the operation to memory at `p` with `x`; returns the old value.
            AtomicRmw atomic_rmw "atomic_rmw" AtomicRmw explicit IntScalarNo128 [Addr, Ctrl] [Ctrl] [load store trap];
            /// Atomic compare-and-swap at `p`: stores `new` if memory equals `expected`;
            /// returns the old value.
            AtomicCas atomic_cas "atomic_cas" AtomicCas arg1 IntScalarNo128 [Addr, Ctrl, Ctrl] [Ctrl] [load store trap];
            /// Atomic load.
            AtomicLoad atomic_load "atomic_load" LoadNoOffset explicit IntScalarNo128 [Addr] [Ctrl] [load trap];
            /// Atomic store.
            AtomicStore atomic_store "atomic_store" StoreNoOffset arg0 IntScalarNo128 [Ctrl, Addr] [] [store trap];
            /// A full memory fence.
            Fence fence "fence" Nullary nocontrol Any [] [] [effects];

            // ---- Control flow ----
            /// Jumps to a block with arguments.
            Jump jump "jump" Jump nocontrol Any [] [] [terminator branch];
            /// Branches to the first block if `c` is non-zero, else to the second.
            Brif brif "brif" Brif nocontrol Any [AnyIntScalar] [] [terminator branch];
            /// Branches through a jump table indexed by `x`, to the default when out of range.
            BrTable br_table "br_table" BranchTable nocontrol Any [I32] [] [terminator branch];
            /// Returns from the function.
            Return return_ "return" MultiAry nocontrol Any [] [] [terminator ret];
            /// Traps unconditionally.
            Trap trap "trap" Trap nocontrol Any [] [] [terminator trap];
            /// Traps if `c` is zero.
            Trapz trapz "trapz" CondTrap nocontrol Any [AnyIntScalar] [] [trap];
            /// Traps if `c` is non-zero.
            Trapnz trapnz "trapnz" CondTrap nocontrol Any [AnyIntScalar] [] [trap];
            /// A breakpoint for a debugger; does nothing otherwise.
            Debugtrap debugtrap "debugtrap" Nullary nocontrol Any [] [] [effects];

            // ---- Calls ----
            /// Calls a declared function.
            Call call "call" Call nocontrol Any [] [] [call];
            /// Calls the function at an address with the given signature.
            CallIndirect call_indirect "call_indirect" CallIndirect nocontrol Any [Addr] [] [call];
            /// Tail call: the callee's results are this function's results.
            ReturnCall return_call "return_call" Call nocontrol Any [] [] [terminator call ret];
            /// Indirect tail call.
            ReturnCallIndirect return_call_indirect "return_call_indirect" CallIndirect nocontrol Any [Addr] [] [terminator call ret];
            /// Calls a declared function that may throw: on return, branches to the exception
            /// table's normal destination (passing `retN` results); on a throw, to the handler
            /// whose tag matches or the `default` one (passing `exnN` payloads).
            TryCall try_call "try_call" TryCall nocontrol Any [] [] [terminator branch call];
            /// `try_call` through an address with a signature.
            TryCallIndirect try_call_indirect "try_call_indirect" TryCallIndirect nocontrol Any [Addr] [] [terminator branch call];

            // ---- Special registers ----
            /// The frame pointer of this function.
            GetFramePointer get_frame_pointer "get_frame_pointer" Nullary explicit Addr [] [Ctrl] [];
            /// The stack pointer.
            GetStackPointer get_stack_pointer "get_stack_pointer" Nullary explicit Addr [] [Ctrl] [];
            /// The return address of this function.
            GetReturnAddress get_return_address "get_return_address" Nullary explicit Addr [] [Ctrl] [];
            /// Reads the pinned register.
            GetPinnedReg get_pinned_reg "get_pinned_reg" Nullary explicit IntScalarNo128 [] [Ctrl] [];
            /// Writes the pinned register.
            SetPinnedReg set_pinned_reg "set_pinned_reg" Unary arg0 IntScalarNo128 [Ctrl] [] [effects];
            /// Does nothing.
            Nop nop "nop" Nullary nocontrol Any [] [] [];

            // ---- Vectors ----
            /// A vector with every lane set to `x`.
            Splat splat "splat" Unary explicit Vector [Lane] [Ctrl] [];
            /// A vector with lane 0 set to `x` and the other lanes zero.
            ScalarToVector scalar_to_vector "scalar_to_vector" Unary explicit Vector [Lane] [Ctrl] [];
            /// Lane `imm` of a vector.
            Extractlane extractlane "extractlane" BinaryImm8 arg0 Vector [Ctrl] [Lane] [];
            /// The vector with lane `imm` replaced by `x`.
            Insertlane insertlane "insertlane" TernaryImm8 arg0 Vector [Ctrl, Lane] [Ctrl] [];
            /// Byte shuffle of two `i8x16` vectors by a constant mask of 16 indices (0..32).
            Shuffle shuffle "shuffle" Shuffle arg0 I8x16 [Ctrl, Ctrl] [Ctrl] [];
            /// Byte shuffle by a variable index vector; out-of-range indices give 0.
            Swizzle swizzle "swizzle" Binary arg0 I8x16 [Ctrl, Ctrl] [Ctrl] [];
            /// 1 if any lane is non-zero.
            VanyTrue vany_true "vany_true" Unary arg0 Vector [Ctrl] [I8] [];
            /// 1 if every lane is non-zero.
            VallTrue vall_true "vall_true" Unary arg0 Vector [Ctrl] [I8] [];
            /// The sign bits of the lanes gathered into an integer.
            VhighBits vhigh_bits "vhigh_bits" Unary explicit IntScalar [AnyVector] [Ctrl] [];
            /// Narrows two vectors into one with signed saturation.
            Snarrow snarrow "snarrow" Binary arg0 IntVectorSplittable [Ctrl, Ctrl] [SplitLanes] [];
            /// Narrows two signed vectors into one with unsigned saturation.
            Unarrow unarrow "unarrow" Binary arg0 IntVectorSplittable [Ctrl, Ctrl] [SplitLanes] [];
            /// Narrows two unsigned vectors into one with unsigned saturation.
            Uunarrow uunarrow "uunarrow" Binary arg0 IntVectorSplittable [Ctrl, Ctrl] [SplitLanes] [];
            /// Sign-extends the low half of the lanes to double width.
            SwidenLow swiden_low "swiden_low" Unary arg0 IntVectorMergeable [Ctrl] [MergeLanes] [];
            /// Sign-extends the high half of the lanes to double width.
            SwidenHigh swiden_high "swiden_high" Unary arg0 IntVectorMergeable [Ctrl] [MergeLanes] [];
            /// Zero-extends the low half of the lanes to double width.
            UwidenLow uwiden_low "uwiden_low" Unary arg0 IntVectorMergeable [Ctrl] [MergeLanes] [];
            /// Zero-extends the high half of the lanes to double width.
            UwidenHigh uwiden_high "uwiden_high" Unary arg0 IntVectorMergeable [Ctrl] [MergeLanes] [];
            /// Adds adjacent lane pairs of the concatenation of two vectors.
            IaddPairwise iadd_pairwise "iadd_pairwise" Binary arg0 IntVector [Ctrl, Ctrl] [Ctrl] [];
            /// Lane-wise select: lane `i` of `x` where lane `i` of `c` is non-zero, else of `y`.
            Vselect vselect "vselect" Ternary arg1 Vector [CmpResult, Ctrl, Ctrl] [Ctrl] [];
            /// Fixed-point rounding multiply, signed saturating:
            /// `sat((x * y + 2^(B-2)) >> (B-1))` per lane of `B` bits (Q15, Q31).
            SqmulRoundSat sqmul_round_sat "sqmul_round_sat" Binary arg0 IntVector16Or32 [Ctrl, Ctrl] [Ctrl] [];
            /// Converts the two low `f32` lanes to `f64` exactly.
            FvpromoteLow fvpromote_low "fvpromote_low" Unary nocontrol Any [F32x4] [F64x2] [];
            /// Converts both `f64` lanes to `f32` (nearest even) in lanes 0 and 1; lanes 2 and
            /// 3 are zero.
            Fvdemote fvdemote "fvdemote" Unary nocontrol Any [F64x2] [F32x4] [];
            /// Loads 8 bytes at `p + offset` and zero-extends each to a lane of an `i16x8`.
            Uload8x8 uload8x8 "uload8x8" Load arg0 Addr [Ctrl] [I16x8] [load trap];
            /// Loads 8 bytes at `p + offset` and sign-extends each to a lane of an `i16x8`.
            Sload8x8 sload8x8 "sload8x8" Load arg0 Addr [Ctrl] [I16x8] [load trap];
            /// Loads four 16-bit lanes at `p + offset`, zero-extended to an `i32x4`.
            Uload16x4 uload16x4 "uload16x4" Load arg0 Addr [Ctrl] [I32x4] [load trap];
            /// Loads four 16-bit lanes at `p + offset`, sign-extended to an `i32x4`.
            Sload16x4 sload16x4 "sload16x4" Load arg0 Addr [Ctrl] [I32x4] [load trap];
            /// Loads two 32-bit lanes at `p + offset`, zero-extended to an `i64x2`.
            Uload32x2 uload32x2 "uload32x2" Load arg0 Addr [Ctrl] [I64x2] [load trap];
            /// Loads two 32-bit lanes at `p + offset`, sign-extended to an `i64x2`.
            Sload32x2 sload32x2 "sload32x2" Load arg0 Addr [Ctrl] [I64x2] [load trap];

            // ---- x86-specific vector opcodes (x86 semantics; other backends may refuse them) ----
            /// x86 `pshufb`: byte `i` is 0 if bit 7 of `y[i]` is set, else `x[y[i] & 15]`.
            X86Pshufb x86_pshufb "x86_pshufb" Binary arg0 I8x16 [Ctrl, Ctrl] [Ctrl] [];
            /// x86 `blendv`: lane `i` of `x` where the top bit of lane `i` of `c` is set, else
            /// of `y`.
            X86Blendv x86_blendv "x86_blendv" Ternary arg1 Vector [CmpResult, Ctrl, Ctrl] [Ctrl] [];
            /// x86 `pmulhrsw`: like `sqmul_round_sat`, but MIN * MIN wraps to MIN instead of
            /// saturating.
            X86Pmulhrsw x86_pmulhrsw "x86_pmulhrsw" Binary arg0 IntVector16Or32 [Ctrl, Ctrl] [Ctrl] [];
            /// x86 `pmaddubsw`: signed bytes of `x` times unsigned bytes of `y`, adjacent
            /// products added with signed 16-bit saturation.
            X86Pmaddubsw x86_pmaddubsw "x86_pmaddubsw" Binary nocontrol Any [I8x16, I8x16] [I16x8] [];
            /// x86 `cvttps2dq`: float lanes to signed integer lanes, rounding toward zero; NaN
            /// and out-of-range lanes give the minimum integer.
            X86Cvtt2dq x86_cvtt2dq "x86_cvtt2dq" Unary explicit IntVector [FloatSameLanes] [Ctrl] [];
        }
    };
}

//! The ABI layer, shared by every ISA: where a calling convention puts arguments and
//! results, computed once from a small description an ISA supplies.
//!
//! An ISA describes each of its conventions with a [`ConvDesc`]: its argument and result
//! registers per class, whether arguments take registers by class or by position, how a
//! 128-bit integer travels, where the hidden return-area pointer goes, the reserved area
//! below stack arguments, and the callee-saved and call-clobbered sets. From it,
//! [`CallLayout::new`] computes the location of every parameter and result of a
//! signature; `lower.rs` (in this folder) turns those locations into the instructions of
//! calls, tail calls, returns and the function's parameters through a few
//! instruction-building hooks ([`AbiHooks`]).
//!
//! Conventions this describes: System V x86-64, Windows x64, AAPCS64, RISC-V LP64D and the
//! s390x ELF ABI, which differ only in the knobs of [`ConvDesc`].
//!
//! Invariants: a location list is in signature order; stack offsets count from the start of
//! the argument area (the stack pointer at the call, or the first incoming argument word in
//! the callee) and are multiples of the slot size; the reserved area (Windows' shadow
//! space, s390x's register save area) lies below every stack argument.

pub mod frame;
mod lower;

pub use frame::{FrameDesc, SaveStyle};
pub use lower::{
    AbiBase, AbiHooks, CallTarget, lower_call, lower_params, lower_return, lower_return_call, lower_try_call,
};

use crate::ir::{CallConv, Signature, Type};
use crate::result::CodegenError;
use regalloc2::{PReg, PRegSet};
use smallvec::SmallVec;

/// How arguments are matched with registers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArgAssignment {
    /// Each class counts its own registers: the third integer argument takes the third
    /// integer register whatever floats came before (System V, AAPCS64, RISC-V, s390x).
    /// With `float_to_int`, a float argument that finds no float register left takes an
    /// integer register (RISC-V's hard-float rule).
    ByClass {
        /// Floats fall back to integer registers once float registers run out.
        float_to_int: bool,
    },
    /// An argument's position picks its register, whatever its class: the second argument
    /// is in the second integer or the second float register (Windows x64).
    ByPosition,
}

/// How a 128-bit integer argument is passed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WideArg {
    /// In two integer registers, low half first. `even`: the pair starts at an
    /// even-numbered argument register (AAPCS64). `split`: with one register left, the low
    /// half takes it and the high half the first stack word (RISC-V); otherwise the whole
    /// value goes to the stack and no integer register is used after it.
    Pair {
        /// The pair starts at an even register index.
        even: bool,
        /// The value may be split between the last register and the stack.
        split: bool,
    },
    /// In memory the caller provides (16-byte aligned, low half first); the address is
    /// the argument (Windows x64, s390x).
    ByRef,
}

/// How a 128-bit integer result is returned.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WideRet {
    /// In the first two integer return registers, when no integer result took one before;
    /// otherwise in the return area.
    Pair,
    /// Always in the return area.
    Area,
}

/// Where the address of the return area is passed, when results do not fit their
/// registers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RetAreaPtr {
    /// As a hidden first integer argument, shifting the others.
    FirstArg,
    /// In a dedicated register that is not an argument register (AAPCS64's x8).
    Reg(PReg),
}

/// How 128-bit vector arguments and results travel.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum VectorAbi {
    /// The ISA has no vector support in calls yet: a vector in a signature is an
    /// "unsupported" error naming its type.
    Unsupported,
    /// Like floats, in the float argument and result registers (whole 128 bits); on the
    /// stack in 16-byte slots aligned to 16, and in 16-byte aligned return-area slots
    /// (System V's `__m128` class).
    InFloatRegs,
    /// Arguments by reference: the caller stores the vector in 16-byte aligned memory of
    /// its own frame and passes the address ([`ParamLoc::ByRef`]); a result in the first
    /// float result register when no float result took it before, else in the return
    /// area (Windows x64's `__m128`).
    ByRef,
}

/// How arguments that do not fit in registers are laid out on the stack.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StackPacking {
    /// Each argument takes one slot of [`ConvDesc::slot_size`] bytes (a 128-bit integer
    /// two, aligned to both), whatever its type: narrow integers are widened to the slot.
    Slots,
    /// Each argument takes its natural size, aligned to that size (a 128-bit integer 16
    /// bytes aligned to 16), so consecutive narrow arguments share a word: Apple's arm64
    /// convention. Stack arguments are stored and loaded with their own width.
    Natural,
}

/// One calling convention of an ISA, as the shared ABI layer needs it.
#[derive(Clone, Debug)]
pub struct ConvDesc {
    /// A name for messages (`System V x86-64`).
    pub name: &'static str,
    /// Integer argument registers, in order.
    pub int_args: &'static [PReg],
    /// Float argument registers, in order.
    pub float_args: &'static [PReg],
    /// Integer result registers, in order.
    pub int_rets: &'static [PReg],
    /// Float result registers, in order.
    pub float_rets: &'static [PReg],
    /// By class or by position.
    pub assignment: ArgAssignment,
    /// 128-bit integer arguments.
    pub wide_arg: WideArg,
    /// 128-bit integer results.
    pub wide_ret: WideRet,
    /// The return-area pointer.
    pub ret_area_ptr: RetAreaPtr,
    /// Bytes the caller reserves at the bottom of its outgoing-argument area, below the
    /// stack arguments, even when there are none (Windows' 32-byte shadow space).
    pub reserved_arg_area: u32,
    /// Bytes of each stack argument slot, and of each return-area slot.
    pub slot_size: u32,
    /// How stack arguments are packed.
    pub packing: StackPacking,
    /// The callee-saved registers the register allocator may hand out (a function saves
    /// those it writes). Registers every frame saves anyway (the frame pointer) are not
    /// listed.
    pub callee_saved: &'static [PReg],
    /// Every register a call may overwrite, besides its results.
    pub clobbers: fn() -> PRegSet,
    /// Conventions with the same `family` preserve the same registers and pass arguments
    /// alike, so one may tail-call the other.
    pub family: u8,
    /// 128-bit vector arguments and results.
    pub vectors: VectorAbi,
}

impl ConvDesc {
    /// The type a stack argument's slot holds for one register's worth of a value of
    /// type `ty` (each half of an `i128` is an `i64`): with [`StackPacking::Slots`] a whole
    /// slot (`i64` or `f64`), with [`StackPacking::Natural`] the type itself.
    pub fn stack_type(&self, ty: Type) -> Type {
        match self.packing {
            _ if is_wide(ty) => crate::ir::types::I64,
            _ if is_vector128(ty) => ty,
            StackPacking::Natural => ty,
            StackPacking::Slots if ty.is_float() => crate::ir::types::F64,
            StackPacking::Slots => crate::ir::types::I64,
        }
    }
}

/// Where one register's worth of an argument is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArgLoc {
    /// In a register.
    Reg(PReg),
    /// In the stack slot at this byte offset of the argument area.
    Stack(u32),
}

/// Where one parameter is passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamLoc {
    /// The value itself, one location per register of the value (two for an `i128`, low
    /// half first).
    Direct(SmallVec<[ArgLoc; 2]>),
    /// The value (an `i128`, low half first, or a vector) is in 16-byte aligned memory the
    /// caller provides; its address is at this location.
    ByRef(ArgLoc),
}

/// Where one register's worth of a result is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RetLoc {
    /// In a register.
    Reg(PReg),
    /// In the return area, at this byte offset.
    Area(u32),
}

/// The locations of a signature's parameters and results under one convention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallLayout {
    /// Per parameter, in order.
    pub params: Vec<ParamLoc>,
    /// Per result, in order: one location per register of the value.
    pub rets: Vec<SmallVec<[RetLoc; 2]>>,
    /// Bytes of the argument area: the reserved area and the stack arguments.
    pub stack_args_size: u32,
    /// Bytes of the return area (0 when every result is in a register).
    pub ret_area_size: u32,
    /// Where the return-area pointer goes, when there is a return area.
    pub ret_area_ptr: Option<ArgLoc>,
}

fn check_type(ty: Type, desc: &ConvDesc) -> Result<(), CodegenError> {
    if ty.is_int_scalar() || ty.is_float_scalar() || (is_vector128(ty) && desc.vectors != VectorAbi::Unsupported) {
        Ok(())
    } else {
        Err(CodegenError::Unsupported(format!("passing `{ty}` values in calls ({})", desc.name)))
    }
}

/// The register a value of `ty` occupies, per register: 2 for `i128`, else 1.
fn is_wide(ty: Type) -> bool {
    ty.is_int_scalar() && ty.bits() == 128
}

/// A 128-bit vector (the only vectors calls carry), or an `f128`, which every convention
/// that passes it at all (only x86-64 lowers it so far) passes as it does such a vector:
/// in one vector register, or by reference where vectors go by reference.
pub fn is_vector128(ty: Type) -> bool {
    (ty.is_vector() || ty == crate::ir::types::F128) && ty.bits() == 128
}

impl CallLayout {
    /// The layout of `sig` under `desc`.
    pub fn new(desc: &ConvDesc, sig: &Signature) -> Result<Self, CodegenError> {
        for p in sig.params.iter().chain(&sig.returns) {
            check_type(p.value_type, desc)?;
        }
        let (rets, ret_area_size) = return_locations(desc, sig);
        let hidden = ret_area_size > 0 && desc.ret_area_ptr == RetAreaPtr::FirstArg;
        let mut assigner = Assigner::new(desc);
        let ret_area_ptr = match (ret_area_size > 0, desc.ret_area_ptr) {
            (false, _) => None,
            (true, RetAreaPtr::Reg(p)) => Some(ArgLoc::Reg(p)),
            (true, RetAreaPtr::FirstArg) => Some(assigner.int()),
        };
        debug_assert!(!hidden || ret_area_ptr.is_some());
        let params = sig
            .params
            .iter()
            .map(|p| {
                let ty = p.value_type;
                if is_wide(ty) {
                    match desc.wide_arg {
                        WideArg::ByRef => ParamLoc::ByRef(assigner.int()),
                        WideArg::Pair { even, split } => ParamLoc::Direct(assigner.pair(even, split)),
                    }
                } else if is_vector128(ty) {
                    match desc.vectors {
                        VectorAbi::ByRef => ParamLoc::ByRef(assigner.int()),
                        _ => ParamLoc::Direct(smallvec::smallvec![assigner.next(true, 16)]),
                    }
                } else if ty.is_float() {
                    ParamLoc::Direct(smallvec::smallvec![assigner.next(true, ty.bytes())])
                } else {
                    ParamLoc::Direct(smallvec::smallvec![assigner.next(false, ty.bytes())])
                }
            })
            .collect();
        Ok(CallLayout { params, rets, stack_args_size: assigner.stack_size(), ret_area_size, ret_area_ptr })
    }

    /// The registers the parameters (and the return-area pointer) arrive in.
    pub fn arg_regs(&self) -> impl Iterator<Item = PReg> + '_ {
        let direct = self.params.iter().flat_map(|p| match p {
            ParamLoc::Direct(v) => v.as_slice(),
            ParamLoc::ByRef(a) => std::slice::from_ref(a),
        });
        self.ret_area_ptr.iter().chain(direct).filter_map(|a| match a {
            ArgLoc::Reg(p) => Some(*p),
            ArgLoc::Stack(_) => None,
        })
    }

    /// Whether some parameter is passed by reference.
    pub fn has_by_ref(&self) -> bool {
        self.params.iter().any(|p| matches!(p, ParamLoc::ByRef(_)))
    }
}

/// Hands out argument locations in order.
struct Assigner<'d> {
    desc: &'d ConvDesc,
    /// Next integer and float register index (by class), or the next position.
    ints: usize,
    floats: usize,
    position: usize,
    /// Bytes of stack arguments so far, above the reserved area.
    stack: u32,
}

impl<'d> Assigner<'d> {
    fn new(desc: &'d ConvDesc) -> Self {
        Self { desc, ints: 0, floats: 0, position: 0, stack: 0 }
    }

    /// `size` bytes of the stack argument area aligned to `align`.
    fn stack_bytes(&mut self, size: u32, align: u32) -> ArgLoc {
        self.stack = self.stack.next_multiple_of(align);
        self.stack += size;
        ArgLoc::Stack(self.desc.reserved_arg_area + self.stack - size)
    }

    /// One slot, aligned to `align`.
    fn stack_slot(&mut self, align: u32) -> ArgLoc {
        self.stack_bytes(self.desc.slot_size, align)
    }

    fn stack_size(&self) -> u32 {
        self.desc.reserved_arg_area + self.stack
    }

    /// The next location of an integer (`float: false`) or a float argument of `bytes`
    /// bytes.
    fn next(&mut self, float: bool, bytes: u32) -> ArgLoc {
        let regs = if float { self.desc.float_args } else { self.desc.int_args };
        let reg = match self.desc.assignment {
            ArgAssignment::ByPosition => {
                self.position += 1;
                regs.get(self.position - 1).copied()
            }
            ArgAssignment::ByClass { float_to_int } => {
                let used = if float { &mut self.floats } else { &mut self.ints };
                let reg = regs.get(*used).copied();
                *used += reg.is_some() as usize;
                if reg.is_none() && float && float_to_int {
                    return self.next(false, bytes);
                }
                reg
            }
        };
        match (reg, self.desc.packing) {
            (Some(p), _) => ArgLoc::Reg(p),
            (None, _) if bytes == 16 => self.stack_bytes(16, 16),
            (None, StackPacking::Slots) => self.stack_slot(self.desc.slot_size),
            (None, StackPacking::Natural) => self.stack_bytes(bytes, bytes),
        }
    }

    /// The next location of a pointer-sized integer (a return-area or by-reference
    /// address).
    fn int(&mut self) -> ArgLoc {
        self.next(false, 8)
    }

    /// Two slots for a 128-bit integer passed by value.
    fn pair(&mut self, even: bool, split: bool) -> SmallVec<[ArgLoc; 2]> {
        let n = self.desc.int_args.len();
        if even && self.ints % 2 == 1 && self.ints < n {
            self.ints += 1;
        }
        if self.ints + 2 <= n {
            let (a, b) = (self.desc.int_args[self.ints], self.desc.int_args[self.ints + 1]);
            self.ints += 2;
            return smallvec::smallvec![ArgLoc::Reg(a), ArgLoc::Reg(b)];
        }
        if split && self.ints + 1 == n {
            let lo = ArgLoc::Reg(self.desc.int_args[self.ints]);
            self.ints = n;
            return smallvec::smallvec![lo, self.stack_slot(self.desc.slot_size)];
        }
        self.ints = n;
        let align = 2 * self.desc.slot_size;
        let lo = self.stack_slot(align);
        smallvec::smallvec![lo, self.stack_slot(self.desc.slot_size)]
    }
}

/// Where the results of `sig` go under `desc`, and the size of the return area: integers
/// and floats (and vectors, with the floats) take their class's result registers in order, a 128-bit integer takes the
/// first two integer ones when [`WideRet::Pair`] and none was used before; every result
/// that does not fit goes to the return area, one slot each (two for a 128-bit integer),
/// in result order.
fn return_locations(desc: &ConvDesc, sig: &Signature) -> (Vec<SmallVec<[RetLoc; 2]>>, u32) {
    let slot = desc.slot_size;
    let (mut ints, mut floats, mut area) = (0usize, 0usize, 0u32);
    let mut locs = Vec::with_capacity(sig.returns.len());
    for r in &sig.returns {
        let ty = r.value_type;
        let mut in_area = |words: u32, align: u32| {
            area = area.next_multiple_of(align);
            area += slot * words;
            (0..words).map(|w| RetLoc::Area(area - slot * words + slot * w)).collect::<SmallVec<[RetLoc; 2]>>()
        };
        let l = if is_vector128(ty) {
            // One register's worth: 16 bytes of the area, aligned to 16.
            floats += 1;
            match desc.float_rets.get(floats - 1) {
                Some(&p) => smallvec::smallvec![RetLoc::Reg(p)],
                None => smallvec::smallvec![in_area(16u32.div_ceil(slot), 16)[0]],
            }
        } else if ty.is_float() {
            floats += 1;
            match desc.float_rets.get(floats - 1) {
                Some(&p) => smallvec::smallvec![RetLoc::Reg(p)],
                None => in_area(1, 1),
            }
        } else if is_wide(ty) {
            if desc.wide_ret == WideRet::Pair && ints == 0 && desc.int_rets.len() >= 2 {
                ints = 2;
                smallvec::smallvec![RetLoc::Reg(desc.int_rets[0]), RetLoc::Reg(desc.int_rets[1])]
            } else {
                in_area(2, 1)
            }
        } else {
            ints += 1;
            match desc.int_rets.get(ints - 1) {
                Some(&p) => smallvec::smallvec![RetLoc::Reg(p)],
                None => in_area(1, 1),
            }
        };
        locs.push(l);
    }
    (locs, area)
}

/// The error for a calling convention that `isa` does not implement, with the reason.
pub fn unsupported_conv(conv: CallConv, isa: &str) -> CodegenError {
    let why = match conv {
        // `winch` exists in CLIF for Wasmtime's baseline compiler, whose calling rules
        // Lathe does not describe.
        CallConv::Winch => {
            "Wasmtime's baseline-compiler convention; Lathe's baseline tier uses the ordinary conventions"
        }
        CallConv::PreserveAll => "implemented on x86-64 only",
        CallConv::WindowsFastcall => "the Windows x64 convention, implemented on x86-64 only",
        CallConv::AppleAarch64 => "Apple's arm64 convention, implemented on aarch64 only",
        CallConv::SystemV | CallConv::Fast | CallConv::Tail => "not implemented for this target",
    };
    CodegenError::Unsupported(format!("the `{conv}` calling convention on {isa} ({why})"))
}

/// Checks that a function of convention `caller` may tail-call (`return_call`) a callee
/// with layout `callee`: both conventions of one family (the callee must preserve what
/// the caller's caller expects, and its arguments must survive the caller's epilogue), and
/// no argument by reference (its memory would be in the frame the epilogue pops). How much
/// stack the arguments take is checked by the lowering of the call.
pub fn check_tail_call(caller: &ConvDesc, callee: &ConvDesc, layout: &CallLayout) -> Result<(), CodegenError> {
    if caller.family != callee.family {
        return Err(CodegenError::Unsupported(format!(
            "tail calls from a {} function to a {} one (their callee-saved registers differ)",
            caller.name, callee.name
        )));
    }
    if layout.has_by_ref() {
        return Err(CodegenError::Unsupported(format!(
            "tail calls passing `i128` or vector arguments by reference ({})",
            callee.name
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

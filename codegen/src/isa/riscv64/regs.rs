//! The riscv64 registers as `regalloc2` physical registers, their ABI names, the LP64D
//! register sets, the allocator's [`MachineEnv`] and the DWARF numbers.
//!
//! Integer registers x0..x31 are `PReg`s of class `Int` with their hardware numbers; the
//! float registers f0..f31 are class `Float` 0..31 (F and D share them: a single-precision
//! value lives NaN-boxed in the low 32 bits).
//!
//! Reserved, never allocated:
//! - `zero` (x0), `ra` (x1, the return address), `sp` (x2), `gp` (x3, the linker's global
//!   pointer), `tp` (x4, the thread pointer);
//! - `s0` (x8): the frame pointer, which every frame sets to its CFA;
//! - `t6` (x31): the emission scratch register: large offsets and SP adjustments, constants
//!   built during emission, the address of a float literal, the far-jump veneer (`auipc
//!   t6; jalr zero, t6`) and the tail-call `auipc`. It never lives across an instruction;
//! - `t5` (x30): the second scratch register, kept free for the ABI step (moving stack
//!   arguments of tail calls while `t6` holds an address, stack-probe loops).
//!
//! `t0`..`t4`, `a0`..`a7` and `s1`..`s11` are allocated, as are all 32 float registers.

use crate::machinst::{DwarfReg, PReg, PRegSet, Reg, RegClass};
use regalloc2::MachineEnv;

/// The ABI names of x0..x31, as llvm and the psABI print them.
pub const GPR_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2",
    "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];

/// The ABI names of f0..f31.
pub const FPR_NAMES: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

/// Integer register x`n` (0-31).
pub const fn preg_x(n: u8) -> PReg {
    PReg::new(n as usize, RegClass::Int)
}
/// Integer register x`n` (0-31), as a [`Reg`].
pub fn xreg(n: u8) -> Reg {
    debug_assert!(n < 32, "x{n} is not an integer register");
    Reg::from_preg(preg_x(n))
}
/// Float register f`n` (0-31).
pub const fn preg_f(n: u8) -> PReg {
    PReg::new(n as usize, RegClass::Float)
}
/// Float register f`n` (0-31), as a [`Reg`].
pub fn freg(n: u8) -> Reg {
    debug_assert!(n < 32, "f{n} is not a float register");
    Reg::from_preg(preg_f(n))
}

/// The zero register, x0.
pub fn zero() -> Reg {
    xreg(0)
}
/// The return-address register, x1.
pub fn ra() -> Reg {
    xreg(1)
}
/// The stack pointer, x2.
pub fn sp() -> Reg {
    xreg(2)
}
/// The frame pointer, s0 (x8).
pub fn fp() -> Reg {
    xreg(8)
}
/// The emission scratch register, t6 (x31).
pub fn spilltmp() -> Reg {
    xreg(31)
}
/// The second scratch register, t5 (x30).
pub fn spilltmp2() -> Reg {
    xreg(30)
}

/// Whether `r` is the zero register.
pub fn is_zero(r: Reg) -> bool {
    r.to_preg() == Some(preg_x(0))
}

/// The ABI name of integer register `r` (`a0`, `zero`); a virtual register prints as
/// `%vN`.
pub fn gpr_name(r: Reg) -> String {
    match r.to_preg() {
        Some(p) if p.class() == RegClass::Int => GPR_NAMES[p.hw_enc()].into(),
        Some(p) => format!("<not an integer register: {p}>"),
        None => format!("{r:?}"),
    }
}

/// The ABI name of float register `r` (`fa0`, `ft11`).
pub fn fpr_name(r: Reg) -> String {
    match r.to_preg() {
        Some(p) if p.class() == RegClass::Float => FPR_NAMES[p.hw_enc()].into(),
        Some(p) => format!("<not a float register: {p}>"),
        None => format!("{r:?}"),
    }
}

/// LP64D integer argument registers, in order: a0..a7.
pub const INT_ARG_REGS: [PReg; 8] =
    [preg_x(10), preg_x(11), preg_x(12), preg_x(13), preg_x(14), preg_x(15), preg_x(16), preg_x(17)];
/// LP64D float argument registers, in order: fa0..fa7.
pub const FLOAT_ARG_REGS: [PReg; 8] =
    [preg_f(10), preg_f(11), preg_f(12), preg_f(13), preg_f(14), preg_f(15), preg_f(16), preg_f(17)];
/// Integer result registers: a0, a1.
pub const INT_RET_REGS: [PReg; 2] = [preg_x(10), preg_x(11)];
/// Float result registers: fa0, fa1.
pub const FLOAT_RET_REGS: [PReg; 2] = [preg_f(10), preg_f(11)];

/// LP64D callee-saved registers the allocator may hand out: s1..s11 and fs0..fs11 (s0,
/// the frame pointer, is saved by every frame and not listed).
pub const CALLEE_SAVED: [PReg; 23] = [
    preg_x(9),
    preg_x(18),
    preg_x(19),
    preg_x(20),
    preg_x(21),
    preg_x(22),
    preg_x(23),
    preg_x(24),
    preg_x(25),
    preg_x(26),
    preg_x(27),
    preg_f(8),
    preg_f(9),
    preg_f(18),
    preg_f(19),
    preg_f(20),
    preg_f(21),
    preg_f(22),
    preg_f(23),
    preg_f(24),
    preg_f(25),
    preg_f(26),
    preg_f(27),
];

/// Whether `p` is callee-saved under LP64D (s0 included: every frame saves it).
pub fn is_callee_saved(p: PReg) -> bool {
    p == preg_x(8) || CALLEE_SAVED.contains(&p)
}

/// Every register an LP64D call may overwrite besides its results: ra, t0..t6, a0..a7,
/// ft0..ft11 and fa0..fa7.
pub fn caller_saved_set() -> PRegSet {
    let mut set = PRegSet::empty();
    for n in [1u8, 5, 6, 7].into_iter().chain(10..=17).chain(28..=31) {
        set.add(preg_x(n));
    }
    for n in (0u8..=7).chain(10..=17).chain(28..=31) {
        set.add(preg_f(n));
    }
    set
}

/// The register allocator's view: the caller-saved a0..a7, t0..t4 and the caller-saved
/// float registers first (they cost no save), then s1..s11 and fs0..fs11; no scratch
/// register (t5 and t6 stay free for emission and the ABI).
pub fn machine_env() -> MachineEnv {
    let mut int_pref = PRegSet::empty();
    for n in (10u8..=17).chain([5, 6, 7, 28, 29]) {
        int_pref.add(preg_x(n));
    }
    let mut int_nonpref = PRegSet::empty();
    for p in CALLEE_SAVED.iter().filter(|p| p.class() == RegClass::Int) {
        int_nonpref.add(*p);
    }
    let mut float_pref = PRegSet::empty();
    for n in (0u8..=7).chain(10..=17).chain(28..=31) {
        float_pref.add(preg_f(n));
    }
    let mut float_nonpref = PRegSet::empty();
    for p in CALLEE_SAVED.iter().filter(|p| p.class() == RegClass::Float) {
        float_nonpref.add(*p);
    }
    MachineEnv {
        preferred_regs_by_class: [int_pref, float_pref, PRegSet::empty()],
        non_preferred_regs_by_class: [int_nonpref, float_nonpref, PRegSet::empty()],
        scratch_by_class: [None; 3],
        fixed_stack_slots: vec![],
    }
}

/// The DWARF number of `p` in the RISC-V ELF psABI: x0..x31 are 0..31, f0..f31 32..63.
pub fn dwarf_reg(p: PReg) -> DwarfReg {
    match p.class() {
        RegClass::Int => DwarfReg(p.hw_enc() as u16),
        _ => DwarfReg(32 + p.hw_enc() as u16),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_dwarf_numbers() {
        assert_eq!(gpr_name(xreg(0)), "zero");
        assert_eq!(gpr_name(xreg(8)), "s0");
        assert_eq!(gpr_name(xreg(31)), "t6");
        assert_eq!(fpr_name(freg(10)), "fa0");
        assert_eq!(fpr_name(freg(27)), "fs11");
        assert_eq!(dwarf_reg(preg_x(8)), DwarfReg(8));
        assert_eq!(dwarf_reg(preg_f(8)), DwarfReg(40));
        assert_eq!(dwarf_reg(preg_f(31)), DwarfReg(63));
    }

    #[test]
    fn reserved_registers_are_never_allocated() {
        let env = machine_env();
        let mut all = PRegSet::empty();
        for set in env.preferred_regs_by_class.iter().chain(&env.non_preferred_regs_by_class) {
            for n in [0, 1, 2, 3, 4, 8, 30, 31] {
                assert!(!set.contains(preg_x(n)), "{} is reserved", GPR_NAMES[n as usize]);
            }
            all.union_from(*set);
        }
        assert_eq!(all.len(), 24 + 32, "24 integer and 32 float registers are allocated");
        for p in CALLEE_SAVED {
            assert!(!caller_saved_set().contains(p), "{p} is callee-saved");
        }
        for p in INT_ARG_REGS.into_iter().chain(FLOAT_ARG_REGS) {
            assert!(caller_saved_set().contains(p), "{p} is an argument register");
        }
    }
}

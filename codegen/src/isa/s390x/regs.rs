//! The s390x registers as `regalloc2` physical registers, their assembler names, the s390x
//! ELF ABI register sets, the allocator's [`MachineEnv`] and the DWARF numbers.
//!
//! General registers r0..r15 are `PReg`s of class `Int` with their hardware numbers; the
//! float registers f0..f15 are class `Float` 0..15 (a single-precision value lives in the
//! high 32 bits of its register). The vector registers v0..v31, of which f0..f15 are the
//! high halves of v0..v15, are not modelled yet.
//!
//! Reserved, never allocated:
//! - `r0`: an emission scratch register. It cannot serve as a base or index (0 in those
//!   fields means "none"), so it is used for values only: the stack-probe store, the
//!   even half of nothing;
//! - `r1`: the emission scratch register for addresses: large displacements and SP
//!   adjustments, literal-pool addresses of float constants, far-branch veneers need
//!   none (`brcl` reaches everything). It never lives across an instruction;
//! - `r14`: the return address (`brasl`/`basr` write it);
//! - `r15`: the stack pointer.
//!
//! `r2`..`r13` (twelve) and all sixteen float registers are allocated. No frame pointer is
//! kept: the frame has a fixed size, so the CFA is always `r15` plus a known offset.
//!
//! Register pairs: `dlgr`, `dsgr`, `mlgr`, `mgrk` and `flogr` work on an even/odd pair;
//! this backend always uses the pair `r2`/`r3`, through fixed-register constraints (see
//! `inst/mach.rs`).

use crate::machinst::{DwarfReg, PReg, PRegSet, Reg, RegClass};
use regalloc2::MachineEnv;

/// General register r`n` (0-15).
pub const fn preg_r(n: u8) -> PReg {
    PReg::new(n as usize, RegClass::Int)
}
/// General register r`n` (0-15), as a [`Reg`].
pub fn gpr(n: u8) -> Reg {
    debug_assert!(n < 16, "r{n} is not a general register");
    Reg::from_preg(preg_r(n))
}
/// Float register f`n` (0-15).
pub const fn preg_f(n: u8) -> PReg {
    PReg::new(n as usize, RegClass::Float)
}
/// Float register f`n` (0-15), as a [`Reg`].
pub fn fpr(n: u8) -> Reg {
    debug_assert!(n < 16, "f{n} is not a float register");
    Reg::from_preg(preg_f(n))
}

/// `r0`, which in a base or index field means "none".
pub fn zero_reg() -> Reg {
    gpr(0)
}
/// The address scratch register, `r1`.
pub fn scratch() -> Reg {
    gpr(1)
}
/// The return-address register, `r14`.
pub fn ra() -> Reg {
    gpr(14)
}
/// The stack pointer, `r15`.
pub fn sp() -> Reg {
    gpr(15)
}

/// Whether `r` is `r0` (no base or index when it is in an address).
pub fn is_zero(r: Reg) -> bool {
    r.to_preg() == Some(preg_r(0))
}

/// The assembler name of general register `r` (`%r2`); a virtual register prints as
/// `%vN`.
pub fn gpr_name(r: Reg) -> String {
    match r.to_preg() {
        Some(p) if p.class() == RegClass::Int => format!("%r{}", p.hw_enc()),
        Some(p) => format!("<not a general register: {p}>"),
        None => format!("{r:?}"),
    }
}

/// The assembler name of float register `r` (`%f0`).
pub fn fpr_name(r: Reg) -> String {
    match r.to_preg() {
        Some(p) if p.class() == RegClass::Float => format!("%f{}", p.hw_enc()),
        Some(p) => format!("<not a float register: {p}>"),
        None => format!("{r:?}"),
    }
}

/// Integer argument registers, in order: r2..r6.
pub const INT_ARG_REGS: [PReg; 5] = [preg_r(2), preg_r(3), preg_r(4), preg_r(5), preg_r(6)];
/// Float argument registers, in order: f0, f2, f4, f6.
pub const FLOAT_ARG_REGS: [PReg; 4] = [preg_f(0), preg_f(2), preg_f(4), preg_f(6)];
/// The integer result register: r2.
pub const INT_RET_REGS: [PReg; 1] = [preg_r(2)];
/// The float result register: f0.
pub const FLOAT_RET_REGS: [PReg; 1] = [preg_f(0)];

/// Callee-saved registers the allocator may hand out: r6..r13 and f8..f15 (r14 and r15,
/// also preserved for the caller, are saved by every frame that changes them).
pub const CALLEE_SAVED: [PReg; 16] = [
    preg_r(6),
    preg_r(7),
    preg_r(8),
    preg_r(9),
    preg_r(10),
    preg_r(11),
    preg_r(12),
    preg_r(13),
    preg_f(8),
    preg_f(9),
    preg_f(10),
    preg_f(11),
    preg_f(12),
    preg_f(13),
    preg_f(14),
    preg_f(15),
];

/// Whether `p` is callee-saved under the s390x ELF ABI (r15 included; r14 is not: the
/// return address is the caller's to keep).
pub fn is_callee_saved(p: PReg) -> bool {
    p == preg_r(15) || CALLEE_SAVED.contains(&p)
}

/// Every register a call may overwrite besides its results: r0..r5, r14 and f0..f7.
pub fn caller_saved_set() -> PRegSet {
    let mut set = PRegSet::empty();
    for n in (0u8..=5).chain([14]) {
        set.add(preg_r(n));
    }
    for n in 0u8..=7 {
        set.add(preg_f(n));
    }
    set
}

/// The register allocator's view: the caller-saved r2..r5 and f0..f7 first (they cost
/// no save), then r6..r13 and f8..f15; no scratch register (r0 and r1 stay free for
/// emission).
pub fn machine_env() -> MachineEnv {
    let mut int_pref = PRegSet::empty();
    for n in 2u8..=5 {
        int_pref.add(preg_r(n));
    }
    let mut float_pref = PRegSet::empty();
    for n in 0u8..=7 {
        float_pref.add(preg_f(n));
    }
    let (mut int_nonpref, mut float_nonpref) = (PRegSet::empty(), PRegSet::empty());
    for p in CALLEE_SAVED {
        match p.class() {
            RegClass::Int => int_nonpref.add(p),
            _ => float_nonpref.add(p),
        }
    }
    MachineEnv {
        preferred_regs_by_class: [int_pref, float_pref, PRegSet::empty()],
        non_preferred_regs_by_class: [int_nonpref, float_nonpref, PRegSet::empty()],
        scratch_by_class: [None; 3],
        fixed_stack_slots: vec![],
    }
}

/// The DWARF numbers of f0..f15 in the s390x ELF ABI supplement: the argument registers
/// f0, f2, f4, f6 first (16-19), then f1, f3, f5, f7 (20-23), f8, f10, f12, f14 (24-27)
/// and f9, f11, f13, f15 (28-31).
const FPR_DWARF: [u16; 16] = [16, 20, 17, 21, 18, 22, 19, 23, 24, 28, 25, 29, 26, 30, 27, 31];

/// The DWARF number of `p`: r0..r15 are 0..15, the float registers as [`FPR_DWARF`].
pub fn dwarf_reg(p: PReg) -> DwarfReg {
    match p.class() {
        RegClass::Int => DwarfReg(p.hw_enc() as u16),
        _ => DwarfReg(FPR_DWARF[p.hw_enc()]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_dwarf_numbers() {
        assert_eq!(gpr_name(gpr(15)), "%r15");
        assert_eq!(fpr_name(fpr(8)), "%f8");
        assert_eq!(dwarf_reg(preg_r(14)), DwarfReg(14));
        let order: Vec<u16> = [0u8, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15]
            .into_iter()
            .map(|n| dwarf_reg(preg_f(n)).0)
            .collect();
        assert_eq!(order, (16..32).collect::<Vec<u16>>(), "the ABI's order of the float registers");
    }

    #[test]
    fn reserved_registers_are_never_allocated() {
        let env = machine_env();
        let mut all = PRegSet::empty();
        for set in env.preferred_regs_by_class.iter().chain(&env.non_preferred_regs_by_class) {
            for n in [0u8, 1, 14, 15] {
                assert!(!set.contains(preg_r(n)), "r{n} is reserved");
            }
            all.union_from(*set);
        }
        assert_eq!(all.len(), 12 + 16, "12 general and 16 float registers are allocated");
        for p in CALLEE_SAVED {
            assert!(!caller_saved_set().contains(p), "{p} is callee-saved");
            assert!(is_callee_saved(p));
        }
        for p in INT_ARG_REGS.into_iter().chain(FLOAT_ARG_REGS).filter(|&p| p != preg_r(6)) {
            assert!(caller_saved_set().contains(p), "{p} is an argument register");
        }
    }
}

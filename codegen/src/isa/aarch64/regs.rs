//! The aarch64 registers as `regalloc2` physical registers, their assembly names, the
//! AAPCS64 register sets, the allocator's [`MachineEnv`] and the DWARF numbers.
//!
//! Integer registers are `PReg`s of class `Int`: x0..x30 are numbers 0..30, the zero
//! register (`xzr`/`wzr`) is 31 and the stack pointer (`sp`/`wsp`) is 32. Both of the last
//! two are encoded as 31 in an instruction; which one a field means is fixed by the
//! instruction form, so the encoder checks that a field given `sp` accepts it and one
//! given `xzr` accepts that (see `emit.rs`). Keeping them apart here lets the printer and
//! those checks know which is meant. The SIMD&FP registers v0..v31 are class `Float`
//! 0..31; scalar code names their low 32 (`s`), 64 (`d`) or 128 (`q`) bits.
//!
//! Reserved, never allocated: x16 and x17 (IP0/IP1: the scratch registers of emission,
//! which materializes large offsets and immediates in x16, and of linker veneers), x18 (the
//! platform register on Apple and Windows), x29 (the frame pointer), x30 (the link
//! register), sp and xzr.

use crate::machinst::{DwarfReg, PReg, PRegSet, Reg, RegClass};
use regalloc2::MachineEnv;

/// The hardware number of the zero register's `PReg`.
pub const ZR_NUM: usize = 31;
/// The `PReg` number of the stack pointer (encoded as 31, like the zero register).
pub const SP_NUM: usize = 32;

/// Integer register x`n` (0-30).
pub const fn preg_x(n: u8) -> PReg {
    PReg::new(n as usize, RegClass::Int)
}
/// Integer register x`n` (0-30), as a [`Reg`].
pub fn xreg(n: u8) -> Reg {
    debug_assert!(n <= 30, "x{n} is not a general-purpose register");
    Reg::from_preg(preg_x(n))
}
/// The zero register.
pub const fn preg_zr() -> PReg {
    PReg::new(ZR_NUM, RegClass::Int)
}
/// The zero register (`xzr`/`wzr`), as a [`Reg`].
pub fn zr() -> Reg {
    Reg::from_preg(preg_zr())
}
/// The stack pointer.
pub const fn preg_sp() -> PReg {
    PReg::new(SP_NUM, RegClass::Int)
}
/// The stack pointer (`sp`), as a [`Reg`].
pub fn sp() -> Reg {
    Reg::from_preg(preg_sp())
}
/// The frame pointer, x29.
pub fn fp() -> Reg {
    xreg(29)
}
/// The link register, x30.
pub fn lr() -> Reg {
    xreg(30)
}
/// The first emission scratch register, x16 (IP0).
pub fn spilltmp() -> Reg {
    xreg(16)
}
/// SIMD&FP register v`n` (0-31).
pub const fn preg_v(n: u8) -> PReg {
    PReg::new(n as usize, RegClass::Float)
}
/// SIMD&FP register v`n` (0-31), as a [`Reg`].
pub fn vreg(n: u8) -> Reg {
    Reg::from_preg(preg_v(n))
}

/// Whether `r` is the stack pointer.
pub fn is_sp(r: Reg) -> bool {
    r.to_preg() == Some(preg_sp())
}
/// Whether `r` is the zero register.
pub fn is_zr(r: Reg) -> bool {
    r.to_preg() == Some(preg_zr())
}

/// The name of integer register `r` with 64 bits (`x3`, `xzr`, `sp`) or 32 (`w3`, `wzr`,
/// `wsp`); a virtual register prints as `%vN` at either width.
pub fn gpr_name(r: Reg, is64: bool) -> String {
    match r.to_preg() {
        Some(p) if p.class() == RegClass::Int => {
            let n = p.hw_enc();
            match (n, is64) {
                (ZR_NUM, true) => "xzr".into(),
                (ZR_NUM, false) => "wzr".into(),
                (SP_NUM, true) => "sp".into(),
                (SP_NUM, false) => "wsp".into(),
                (n, true) => format!("x{n}"),
                (n, false) => format!("w{n}"),
            }
        }
        Some(p) => format!("<not an integer register: {p}>"),
        None => format!("{r:?}"),
    }
}

/// The name of SIMD&FP register `r` viewed as `prefix` (`b`, `h`, `s`, `d`, `q`, or `v`
/// for a vector operand, whose arrangement the caller appends).
pub fn fpr_name(r: Reg, prefix: char) -> String {
    match r.to_preg() {
        Some(p) if p.class() == RegClass::Float => format!("{prefix}{}", p.hw_enc()),
        Some(p) => format!("<not a SIMD&FP register: {p}>"),
        None => format!("{r:?}"),
    }
}

/// AAPCS64 integer argument registers, in order: x0..x7.
pub const INT_ARG_REGS: [PReg; 8] =
    [preg_x(0), preg_x(1), preg_x(2), preg_x(3), preg_x(4), preg_x(5), preg_x(6), preg_x(7)];
/// AAPCS64 float argument registers, in order: v0..v7.
pub const FLOAT_ARG_REGS: [PReg; 8] =
    [preg_v(0), preg_v(1), preg_v(2), preg_v(3), preg_v(4), preg_v(5), preg_v(6), preg_v(7)];
/// Integer result registers as Lathe's conventions use them: x0, x1.
pub const INT_RET_REGS: [PReg; 2] = [preg_x(0), preg_x(1)];
/// Float result registers: v0..v3.
pub const FLOAT_RET_REGS: [PReg; 4] = [preg_v(0), preg_v(1), preg_v(2), preg_v(3)];
/// The register of the indirect-result (return area) address: x8.
pub const RET_AREA_REG: PReg = preg_x(8);

/// AAPCS64 callee-saved registers the allocator may hand out: x19..x28, and v8..v15, of
/// which only the low 64 bits are preserved (enough for scalars; vector values must not
/// stay in them across calls).
pub const CALLEE_SAVED: [PReg; 18] = [
    preg_x(19),
    preg_x(20),
    preg_x(21),
    preg_x(22),
    preg_x(23),
    preg_x(24),
    preg_x(25),
    preg_x(26),
    preg_x(27),
    preg_x(28),
    preg_v(8),
    preg_v(9),
    preg_v(10),
    preg_v(11),
    preg_v(12),
    preg_v(13),
    preg_v(14),
    preg_v(15),
];

/// Whether `p` is callee-saved under AAPCS64 (x29 and x30, saved by every frame, are not
/// listed).
pub fn is_callee_saved(p: PReg) -> bool {
    CALLEE_SAVED.contains(&p)
}

/// Every register an AAPCS64 call may overwrite besides its results: x0..x17 (x16, x17
/// by veneers), x30, and every v register except v8..v15 (whose low halves, the only part
/// scalar code uses, survive).
pub fn caller_saved_set() -> PRegSet {
    let mut set = PRegSet::empty();
    for n in 0..=17 {
        set.add(preg_x(n));
    }
    set.add(preg_x(30));
    for n in (0..8).chain(16..32) {
        set.add(preg_v(n));
    }
    set
}

/// The register allocator's view: caller-saved x0..x15 and v0..v7, v16..v31 first (they
/// cost no save), then the callee-saved x19..x28 and v8..v15; no scratch register
/// (regalloc2 finds one when it needs one; x16 and x17 stay free for emission).
pub fn machine_env() -> MachineEnv {
    let mut int_pref = PRegSet::empty();
    for n in 0..=15 {
        int_pref.add(preg_x(n));
    }
    let mut int_nonpref = PRegSet::empty();
    for n in 19..=28 {
        int_nonpref.add(preg_x(n));
    }
    let mut float_pref = PRegSet::empty();
    for n in (0..8).chain(16..32) {
        float_pref.add(preg_v(n));
    }
    let mut float_nonpref = PRegSet::empty();
    for n in 8..16 {
        float_nonpref.add(preg_v(n));
    }
    MachineEnv {
        preferred_regs_by_class: [int_pref, float_pref, PRegSet::empty()],
        non_preferred_regs_by_class: [int_nonpref, float_nonpref, PRegSet::empty()],
        scratch_by_class: [None; 3],
        fixed_stack_slots: vec![],
    }
}

/// The DWARF number of `p` in the AAPCS64 DWARF supplement: x0..x30 are 0..30, sp is 31,
/// v0..v31 are 64..95. The zero register has none (it is never saved); it maps to 31
/// only so that the function is total.
pub fn dwarf_reg(p: PReg) -> DwarfReg {
    match p.class() {
        RegClass::Int => DwarfReg(p.hw_enc().min(31) as u16),
        _ => DwarfReg(64 + p.hw_enc() as u16),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_dwarf_numbers() {
        assert_eq!(gpr_name(xreg(0), true), "x0");
        assert_eq!(gpr_name(xreg(30), false), "w30");
        assert_eq!(gpr_name(zr(), true), "xzr");
        assert_eq!(gpr_name(sp(), false), "wsp");
        assert_eq!(fpr_name(vreg(31), 'q'), "q31");
        assert_eq!(dwarf_reg(preg_x(29)), DwarfReg(29));
        assert_eq!(dwarf_reg(preg_sp()), DwarfReg(31));
        assert_eq!(dwarf_reg(preg_v(8)), DwarfReg(72));
    }

    #[test]
    fn reserved_registers_are_never_allocated() {
        let env = machine_env();
        for set in env.preferred_regs_by_class.iter().chain(&env.non_preferred_regs_by_class) {
            for n in [16, 17, 18, 29, 30] {
                assert!(!set.contains(preg_x(n)), "x{n} is reserved");
            }
            assert!(!set.contains(preg_sp()) && !set.contains(preg_zr()));
        }
        for p in CALLEE_SAVED {
            assert!(!caller_saved_set().contains(p), "{p} is callee-saved");
        }
    }
}

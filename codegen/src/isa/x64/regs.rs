//! The x86-64 registers as `regalloc2` physical registers, their assembly names, the
//! register sets of the System V and Windows x64 (`windows_fastcall`) conventions, and the
//! allocator's [`MachineEnv`].
//!
//! Integer registers are `PReg`s of class `Int` numbered by their hardware encoding
//! (rax=0, rcx=1, rdx=2, rbx=3, rsp=4, rbp=5, rsi=6, rdi=7, r8..r15=8..15); the SSE
//! registers xmm0..xmm15 are class `Float` 0..15. The encoder uses that number directly
//! as the ModRM/SIB/REX register field, so the numbering is an invariant, not a choice.

use super::inst::args::OperandSize;
use crate::machinst::{DwarfReg, PReg, PRegSet, Reg, RegClass};
use regalloc2::MachineEnv;

macro_rules! gpr {
    ($($(#[doc = $d:literal])* $name:ident, $pname:ident = $enc:literal;)*) => {
        $(
            $(#[doc = $d])*
            pub const fn $pname() -> PReg {
                PReg::new($enc, RegClass::Int)
            }
            $(#[doc = $d])*
            pub fn $name() -> Reg {
                Reg::from_preg($pname())
            }
        )*
    };
}

gpr! {
    /// rax (0): return value, dividend and quotient.
    rax, preg_rax = 0;
    /// rcx (1): fourth argument, shift count (cl).
    rcx, preg_rcx = 1;
    /// rdx (2): third argument, second return value, high half of products and dividends.
    rdx, preg_rdx = 2;
    /// rbx (3): callee-saved.
    rbx, preg_rbx = 3;
    /// rsp (4): the stack pointer; never allocated.
    rsp, preg_rsp = 4;
    /// rbp (5): the frame pointer; never allocated.
    rbp, preg_rbp = 5;
    /// rsi (6): second argument.
    rsi, preg_rsi = 6;
    /// rdi (7): first argument.
    rdi, preg_rdi = 7;
    /// r8 (8): fifth argument.
    r8, preg_r8 = 8;
    /// r9 (9): sixth argument.
    r9, preg_r9 = 9;
    /// r10 (10): caller-saved.
    r10, preg_r10 = 10;
    /// r11 (11): caller-saved.
    r11, preg_r11 = 11;
    /// r12 (12): callee-saved.
    r12, preg_r12 = 12;
    /// r13 (13): callee-saved.
    r13, preg_r13 = 13;
    /// r14 (14): callee-saved.
    r14, preg_r14 = 14;
    /// r15 (15): callee-saved.
    r15, preg_r15 = 15;
}

/// The integer register with hardware encoding `enc` (0-15).
pub const fn preg_gpr(enc: u8) -> PReg {
    PReg::new(enc as usize, RegClass::Int)
}

/// The integer register with hardware encoding `enc` (0-15), as a [`Reg`].
pub fn gpr(enc: u8) -> Reg {
    Reg::from_preg(preg_gpr(enc))
}

/// The SSE register xmm`n` (0-15).
pub const fn preg_xmm(n: u8) -> PReg {
    PReg::new(n as usize, RegClass::Float)
}

/// The SSE register xmm`n` (0-15), as a [`Reg`].
pub fn xmm(n: u8) -> Reg {
    Reg::from_preg(preg_xmm(n))
}

const NAMES64: [&str; 16] =
    ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
const NAMES32: [&str; 16] = [
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d",
    "r15d",
];
const NAMES16: [&str; 16] =
    ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"];
// With a REX prefix, encodings 4-7 in byte instructions are spl/bpl/sil/dil (not ah..bh);
// the encoder always emits one in that case, so these are the only byte names used.
const NAMES8: [&str; 16] =
    ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"];
const XMM_NAMES: [&str; 16] = [
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
    "xmm14", "xmm15",
];

/// The assembly name of integer register `enc` accessed at `size` (`al`, `ax`, `eax`, `rax`,
/// `r8b`, `r8w`, `r8d`, `r8`).
pub fn gpr_name(enc: u8, size: OperandSize) -> &'static str {
    let i = (enc & 15) as usize;
    match size {
        OperandSize::S8 => NAMES8[i],
        OperandSize::S16 => NAMES16[i],
        OperandSize::S32 => NAMES32[i],
        OperandSize::S64 => NAMES64[i],
    }
}

/// The assembly name of xmm register `n`.
pub fn xmm_name(n: u8) -> &'static str {
    XMM_NAMES[(n & 15) as usize]
}

/// The name of `reg` at `size`: its physical name, or `%vN` for a virtual register (all
/// sizes print the same, keeping listings before allocation simple).
pub fn reg_name(reg: Reg, size: OperandSize) -> String {
    match reg.to_preg() {
        Some(p) if p.class() == RegClass::Int => gpr_name(p.hw_enc() as u8, size).to_string(),
        Some(p) => xmm_name(p.hw_enc() as u8).to_string(),
        None => format!("{reg:?}"),
    }
}

/// System V integer argument registers, in order: rdi, rsi, rdx, rcx, r8, r9.
pub const INT_ARG_REGS: [PReg; 6] = [preg_rdi(), preg_rsi(), preg_rdx(), preg_rcx(), preg_r8(), preg_r9()];

/// System V float argument registers, in order: xmm0..xmm7.
pub const FLOAT_ARG_REGS: [PReg; 8] =
    [preg_xmm(0), preg_xmm(1), preg_xmm(2), preg_xmm(3), preg_xmm(4), preg_xmm(5), preg_xmm(6), preg_xmm(7)];

/// System V integer return registers, in order: rax, rdx.
pub const INT_RET_REGS: [PReg; 2] = [preg_rax(), preg_rdx()];

/// System V float return registers, in order: xmm0, xmm1.
pub const FLOAT_RET_REGS: [PReg; 2] = [preg_xmm(0), preg_xmm(1)];

/// System V callee-saved integer registers: rbx, rbp, r12, r13, r14, r15 (all xmm
/// registers are caller-saved).
pub const CALLEE_SAVED: [PReg; 6] = [preg_rbx(), preg_rbp(), preg_r12(), preg_r13(), preg_r14(), preg_r15()];

/// System V caller-saved integer registers (every one not callee-saved, except rsp).
pub const CALLER_SAVED_INT: [PReg; 9] =
    [preg_rax(), preg_rcx(), preg_rdx(), preg_rsi(), preg_rdi(), preg_r8(), preg_r9(), preg_r10(), preg_r11()];

/// Whether `p` is callee-saved under System V.
pub fn is_callee_saved(p: PReg) -> bool {
    CALLEE_SAVED.contains(&p)
}

/// Every register a System V call may overwrite: the caller-saved integer registers and
/// all sixteen xmm registers. Calls report this as their clobbers.
pub fn caller_saved_set() -> PRegSet {
    let mut set = PRegSet::empty();
    for p in CALLER_SAVED_INT {
        set.add(p);
    }
    for n in 0..16 {
        set.add(preg_xmm(n));
    }
    set
}

/// Windows x64 integer argument registers, by argument position: rcx, rdx, r8, r9.
pub const WIN_INT_ARG_REGS: [PReg; 4] = [preg_rcx(), preg_rdx(), preg_r8(), preg_r9()];

/// Windows x64 float argument registers, by argument position: xmm0..xmm3.
pub const WIN_FLOAT_ARG_REGS: [PReg; 4] = [preg_xmm(0), preg_xmm(1), preg_xmm(2), preg_xmm(3)];

/// Windows x64 integer return register: rax.
pub const WIN_INT_RET_REGS: [PReg; 1] = [preg_rax()];

/// Windows x64 float return register: xmm0.
pub const WIN_FLOAT_RET_REGS: [PReg; 1] = [preg_xmm(0)];

/// Windows x64 callee-saved (nonvolatile) registers: rbp, then rbx, rdi, rsi, r12-r15 and
/// xmm6-xmm15 (all 128 bits of each xmm register). rbp comes first so that the rest,
/// `WIN_CALLEE_SAVED[1..]`, is what a prologue saves when the function writes them (every
/// prologue saves rbp).
pub const WIN_CALLEE_SAVED: [PReg; 18] = [
    preg_rbp(),
    preg_rbx(),
    preg_rdi(),
    preg_rsi(),
    preg_r12(),
    preg_r13(),
    preg_r14(),
    preg_r15(),
    preg_xmm(6),
    preg_xmm(7),
    preg_xmm(8),
    preg_xmm(9),
    preg_xmm(10),
    preg_xmm(11),
    preg_xmm(12),
    preg_xmm(13),
    preg_xmm(14),
    preg_xmm(15),
];

/// Windows x64 caller-saved (volatile) integer registers: rax, rcx, rdx, r8-r11.
pub const WIN_CALLER_SAVED_INT: [PReg; 7] =
    [preg_rax(), preg_rcx(), preg_rdx(), preg_r8(), preg_r9(), preg_r10(), preg_r11()];

/// Every register a Windows x64 call may overwrite: rax, rcx, rdx, r8-r11 and xmm0-xmm5.
/// Calls to `windows_fastcall` functions report this as their clobbers.
pub fn win_caller_saved_set() -> PRegSet {
    let mut set = PRegSet::empty();
    for p in WIN_CALLER_SAVED_INT {
        set.add(p);
    }
    for n in 0..6 {
        set.add(preg_xmm(n));
    }
    set
}

/// The register allocator's view of x86-64 under System V: every integer register but rsp
/// and rbp (preferring caller-saved ones, which cost no save in the prologue), every xmm
/// register, no fixed stack slots, and no dedicated scratch register (regalloc2 finds one
/// when it needs one). `windows_fastcall` functions use the same view: the rdi, rsi and
/// xmm6-15 it prefers are callee-saved there, so using them costs a save and a restore.
pub fn machine_env() -> MachineEnv {
    let mut int_pref = PRegSet::empty();
    for p in CALLER_SAVED_INT {
        int_pref.add(p);
    }
    let mut int_nonpref = PRegSet::empty();
    for p in CALLEE_SAVED {
        if p != preg_rbp() {
            int_nonpref.add(p);
        }
    }
    let mut float_pref = PRegSet::empty();
    for n in 0..16 {
        float_pref.add(preg_xmm(n));
    }
    MachineEnv {
        preferred_regs_by_class: [int_pref, float_pref, PRegSet::empty()],
        non_preferred_regs_by_class: [int_nonpref, PRegSet::empty(), PRegSet::empty()],
        scratch_by_class: [None; 3],
        fixed_stack_slots: vec![],
    }
}

/// The DWARF register number of `p` in the x86-64 psABI: rax, rdx, rcx, rbx, rsi, rdi,
/// rbp, rsp are 0-7 (not in encoding order), r8-r15 are 8-15, and xmm0-15 are 17-32 (16
/// is the return address).
pub fn dwarf_reg(p: PReg) -> DwarfReg {
    const GPR: [u16; 16] = [0, 2, 1, 3, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15];
    match p.class() {
        RegClass::Int => DwarfReg(GPR[p.hw_enc() & 15]),
        _ => DwarfReg(17 + p.hw_enc() as u16),
    }
}

/// x86-64's call-frame facts at a function's entry: `call` has pushed the return address,
/// so the CFA is rsp + 8 and the return address (DWARF column 16) is at CFA - 8.
pub fn unwind_cie() -> crate::machinst::CieDesc {
    crate::machinst::CieDesc {
        code_alignment: 1,
        data_alignment: -8,
        return_address: DwarfReg(16),
        stack_pointer: DwarfReg(7),
        entry_cfa_offset: 8,
        return_address_saved_at: Some(-8),
    }
}

//! Hand-checked encodings (worked out from the Intel SDM's opcode tables and ModRM/SIB
//! rules, not copied from any tool), operand-collection order, the frame arithmetic and
//! the register sets.

use crate::ir::{CallConv, ExternalName, IntCC, TrapCode};
use crate::isa::x64::X64LabelUse;
use crate::isa::x64::inst::args::*;
use crate::isa::x64::inst::{FRAME, Inst, SysVFrameRules};
use crate::isa::x64::regs::{self, *};
use crate::machinst::abi::frame::layout;
use crate::machinst::{
    EmitState, FrameInfo, FrameItem, FrameRules, LabelUse, MachBuffer, MachInst, MachLabel, OperandCollector, PReg,
    Reg, RegClass, RelocKind, TerminatorKind,
};
use regalloc2::{Operand, OperandConstraint, OperandKind, OperandPos};

fn bytes_of(insts: &[Inst]) -> Vec<u8> {
    let frame = FrameInfo { outgoing_args_size: 8, ..Default::default() };
    let mut buf = MachBuffer::<X64LabelUse>::new(1, Inst::ENDIANNESS);
    buf.bind_label(MachLabel(0));
    for i in insts {
        i.emit(&mut buf, &EmitState { frame: &frame, next_block: None });
    }
    buf.finish().expect("labels bound").data
}

fn bytes(i: Inst) -> Vec<u8> {
    bytes_of(&[i])
}

#[test]
fn alu_and_moves() {
    use OperandSize::*;
    let add = |size, src2| Inst::AluRmiR { size, op: AluOp::Add, src1: rax(), src2, dst: rax(), trap: None };
    assert_eq!(bytes(add(S32, RegMemImm::Reg(rcx()))), [0x01, 0xc8]);
    assert_eq!(bytes(add(S64, RegMemImm::Imm(-1))), [0x48, 0x83, 0xc0, 0xff]);
    // 128 does not fit an imm8: the imm32 form (the short `05 id` rax form is not used).
    assert_eq!(bytes(add(S32, RegMemImm::Imm(128))), [0x81, 0xc0, 0x80, 0, 0, 0]);
    assert_eq!(bytes(add(S8, RegMemImm::Imm(-128))), [0x80, 0xc0, 0x80]);
    assert_eq!(bytes(add(S16, RegMemImm::Imm(300))), [0x66, 0x81, 0xc0, 0x2c, 0x01]);
    assert_eq!(bytes(Inst::load64(Amode::imm_reg(8, rsp()), rax())), [0x48, 0x8b, 0x44, 0x24, 0x08]);
    // r12 as base needs a SIB; r13 as base needs a disp8 of zero.
    assert_eq!(bytes(Inst::load64(Amode::imm_reg(0, r12()), r12())), [0x4d, 0x8b, 0x24, 0x24]);
    assert_eq!(bytes(Inst::load64(Amode::imm_reg(0, r13()), rax())), [0x49, 0x8b, 0x45, 0x00]);
    // lea r13, [rbp+r12*8]: REX.WRX, mod=01 (rbp base needs disp8), SIB scale 8.
    let lea = Inst::Lea { size: OperandSize::S64, addr: Amode::imm_reg_reg_shift(0, rbp(), r12(), 3), dst: r13() };
    assert_eq!(bytes(lea), [0x4e, 0x8d, 0x6c, 0xe5, 0x00]);
    // A disp32.
    assert_eq!(bytes(Inst::store64(rdx(), Amode::imm_reg(0x1000, rdi()))), [0x48, 0x89, 0x97, 0, 0x10, 0, 0]);
    // sil needs an (empty) REX prefix in byte forms.
    let st8 = Inst::Store { size: S8, src: rsi(), addr: Amode::imm_reg(0, rax()), trap: None };
    assert_eq!(bytes(st8), [0x40, 0x88, 0x30]);
    let zx = Inst::MovzxRmR { from: S8, to: S64, src: RegMem::Reg(rdi()), dst: rax() };
    assert_eq!(bytes(zx), [0x40, 0x0f, 0xb6, 0xc7]);
    let sxd = Inst::MovsxRmR { from: S32, to: S64, src: RegMem::Reg(rcx()), dst: rax() };
    assert_eq!(bytes(sxd), [0x48, 0x63, 0xc1]);
    let imm = |size, imm, dst| Inst::MovImm { size, imm, dst };
    assert_eq!(bytes(imm(S64, 0xffff_ffff, rax())), [0xb8, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(bytes(imm(S64, u64::MAX, rax())), [0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(
        bytes(imm(S64, 0x1122_3344_5566_7788, r15())),
        [0x49, 0xbf, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]
    );
}

#[test]
fn flags_division_shifts_and_frame() {
    use OperandSize::*;
    assert_eq!(bytes(Inst::Setcc { cc: CC::Z, dst: rax() }), [0x0f, 0x94, 0xc0]);
    assert_eq!(bytes(Inst::Setcc { cc: CC::NZ, dst: r8() }), [0x41, 0x0f, 0x95, 0xc0]);
    assert_eq!(bytes(Inst::SignExtendAxDx { size: S64, src: rax(), dst: rdx() }), [0x48, 0x99]);
    let div = Inst::Div {
        size: S64,
        signed: true,
        dividend_lo: rax(),
        dividend_hi: rdx(),
        divisor: rcx(),
        quotient: rax(),
        remainder: rdx(),
        trap: TrapCode::IntegerDivisionByZero,
    };
    assert_eq!(bytes(div), [0x48, 0xf7, 0xf9]);
    let shl = Inst::Shift { size: S32, kind: ShiftKind::Shl, src: rax(), amount: ShiftAmount::Cl(rcx()), dst: rax() };
    assert_eq!(bytes(shl), [0xd3, 0xe0]);
    assert_eq!(bytes(Inst::SubRspImm(0x40)), [0x48, 0x83, 0xec, 0x40]);
    assert_eq!(bytes(Inst::Push64 { src: r12() }), [0x41, 0x54]);
    assert_eq!(bytes(Inst::Pop64 { dst: rbp() }), [0x5d]);
    // j!cc over the ud2.
    assert_eq!(bytes(Inst::TrapIf { cc: CC::Z, code: TrapCode::User(1) }), [0x75, 0x02, 0x0f, 0x0b]);
}

#[test]
fn labels_relocations_and_rip_relative_bias() {
    // A backward jmp to offset 0 from offset 0: rel32 = 0 - 5.
    assert_eq!(bytes(Inst::Jmp { target: MachLabel(0) }), [0xe9, 0xfb, 0xff, 0xff, 0xff]);
    // imul r14, [rip+label0], -3 at offset 0: 4c 6b 35 <disp32> fd; RIP is the end of the
    // instruction (8 bytes), so the displacement is -8 even though the disp32 ends at 7.
    let imul = Inst::ImulImm {
        size: OperandSize::S64,
        src: RegMem::Mem(Amode::RipRelative(MachLabel(0))),
        imm: -3,
        dst: r14(),
    };
    assert_eq!(bytes(imul), [0x4c, 0x6b, 0x35, 0xf8, 0xff, 0xff, 0xff, 0xfd]);

    let frame = FrameInfo::default();
    let mut buf = MachBuffer::<X64LabelUse>::new(0, Inst::ENDIANNESS);
    let callee = ExternalName::TestCase("f".into());
    let call = Inst::CallKnown { callee: callee.clone(), uses: vec![], defs: vec![], clobbers: caller_saved_set() };
    call.emit(&mut buf, &EmitState { frame: &frame, next_block: None });
    let out = buf.finish().unwrap();
    assert_eq!(out.data, [0xe8, 0, 0, 0, 0]);
    assert_eq!(out.relocs.len(), 1);
    assert_eq!((out.relocs[0].offset, out.relocs[0].kind, out.relocs[0].addend), (1, RelocKind::X86CallPlt4, -4));
    assert_eq!(out.call_sites[0].ret_offset, 5);
    assert_eq!(call.clobbers(), caller_saved_set());

    // The Rel32 patch adds the distance to the stored bias.
    let mut b = (-4i32).to_le_bytes();
    X64LabelUse::Rel32.patch(&mut b, 10, 100);
    assert_eq!(i32::from_le_bytes(b), 100 - 14 - 4);
}

#[test]
fn jmp_cond_falls_through_to_the_next_block() {
    let frame = FrameInfo::default();
    let emit = |next| {
        let mut buf = MachBuffer::<X64LabelUse>::new(3, Inst::ENDIANNESS);
        let i = Inst::JmpCond { cc: CC::L, taken: MachLabel(1), not_taken: MachLabel(2) };
        i.emit(&mut buf, &EmitState { frame: &frame, next_block: next });
        buf.bind_label(MachLabel(0));
        buf.bind_label(MachLabel(1));
        buf.bind_label(MachLabel(2));
        buf.finish().unwrap().data
    };
    assert_eq!(emit(Some(MachLabel(2))), [0x0f, 0x8c, 0, 0, 0, 0]);
    assert_eq!(emit(Some(MachLabel(1))), [0x0f, 0x8d, 0, 0, 0, 0]);
    assert_eq!(emit(None), [0x0f, 0x8c, 5, 0, 0, 0, 0xe9, 0, 0, 0, 0]);
}

#[test]
fn printing() {
    use OperandSize::*;
    let v = |n| Reg::virt(n, RegClass::Int);
    let add =
        Inst::AluRmiR { size: S32, op: AluOp::Add, src1: v(0), src2: RegMemImm::Reg(v(1)), dst: v(0), trap: None };
    assert_eq!(add.print(), "add %v0, %v1");
    assert_eq!(Inst::store64(rax(), Amode::imm_reg(0x10, rsp())).print(), "mov qword ptr [rsp+0x10], rax");
    let lea = Inst::Lea { size: OperandSize::S64, addr: Amode::imm_reg_reg_shift(8, rdi(), rsi(), 2), dst: rax() };
    assert_eq!(lea.print(), "lea rax, [rdi+rsi*4+0x8]");
    let ld = Inst::Load { size: S8, ext: ExtMode::Zero, addr: Amode::imm_reg(0, rdi()), dst: rax(), trap: None };
    assert_eq!(ld.print(), "movzx eax, byte ptr [rdi]");
    let jz = Inst::JmpCond { cc: CC::NZ, taken: MachLabel(3), not_taken: MachLabel(4) };
    assert_eq!(jz.print(), "jnz label3\njmp label4");
    let call = Inst::CallKnown {
        callee: ExternalName::TestCase("foo".into()),
        uses: vec![],
        defs: vec![],
        clobbers: Default::default(),
    };
    assert_eq!(call.print(), "call %foo");
    assert_eq!(Inst::Ud2 { code: TrapCode::HeapOutOfBounds }.print(), "ud2 ; trap: heap_oob");
    let ld_trap = Inst::Load {
        size: S32,
        ext: ExtMode::Sign,
        addr: Amode::imm_reg(-8, rbp()),
        dst: rax(),
        trap: Some(TrapCode::HeapOutOfBounds),
    };
    assert_eq!(ld_trap.print(), "movsxd rax, dword ptr [rbp-0x8] ; trap: heap_oob");
    let slot = Inst::load64(Amode::StackSlot { offset: 8 }, r8());
    assert_eq!(slot.print(), "mov r8, qword ptr [slot+0x8]");
}

fn collect(mut inst: Inst) -> Vec<Operand> {
    let mut c = OperandCollector::default();
    inst.visit_operands(&mut c);
    c.operands
}

#[test]
fn operands_are_visited_with_their_constraints() {
    use OperandSize::*;
    let v = |n| Reg::virt(n, RegClass::Int);
    // Two-address: src1 first, dst reuses operand 0.
    let ops = collect(Inst::AluRmiR {
        size: S64,
        op: AluOp::Sub,
        src1: v(0),
        src2: RegMemImm::Mem(Amode::imm_reg_reg_shift(0, v(1), v(2), 1)),
        dst: v(3),
        trap: None,
    });
    assert_eq!(ops.len(), 4);
    assert_eq!(ops[0].kind(), OperandKind::Use);
    assert_eq!(ops[3].kind(), OperandKind::Def);
    assert_eq!(ops[3].constraint(), OperandConstraint::Reuse(0));
    // Shift by cl: the count is fixed in rcx.
    let ops =
        collect(Inst::Shift { size: S32, kind: ShiftKind::Sar, src: v(0), amount: ShiftAmount::Cl(v(1)), dst: v(2) });
    assert_eq!(ops[1].constraint(), OperandConstraint::FixedReg(preg_rcx()));
    assert_eq!(ops[2].constraint(), OperandConstraint::Reuse(0));
    // Division: fixed rax/rdx in and out.
    let ops = collect(Inst::Div {
        size: S32,
        signed: false,
        dividend_lo: v(0),
        dividend_hi: v(1),
        divisor: v(2),
        quotient: v(3),
        remainder: v(4),
        trap: TrapCode::IntegerDivisionByZero,
    });
    let fixed: Vec<_> = ops.iter().map(|o| o.constraint()).collect();
    assert_eq!(fixed[0], OperandConstraint::FixedReg(preg_rax()));
    assert_eq!(fixed[1], OperandConstraint::FixedReg(preg_rdx()));
    assert_eq!(fixed[2], OperandConstraint::Reg);
    assert_eq!(fixed[3], OperandConstraint::FixedReg(preg_rax()));
    assert_eq!(fixed[4], OperandConstraint::FixedReg(preg_rdx()));
    // The jump table's address is an early def; the entry's register reuses the index's.
    let ops = collect(Inst::JmpTable { index: v(0), tmp1: v(1), tmp2: v(2), default: MachLabel(0), targets: vec![] });
    assert_eq!(ops[1].pos(), OperandPos::Early);
    assert_eq!(ops[2].kind(), OperandKind::Def);
    assert_eq!(ops[2].constraint(), OperandConstraint::Reuse(0));
    // Cmov reuses the alternative, visited first.
    let ops = collect(Inst::Cmov { size: S64, cc: CC::L, consequent: RegMem::Reg(v(0)), alternative: v(1), dst: v(2) });
    assert_eq!(ops[0].vreg(), v(1).vreg());
    assert_eq!(ops[2].constraint(), OperandConstraint::Reuse(0));
    // Physical registers are not operands.
    assert!(collect(Inst::Push64 { src: rbp() }).is_empty());
}

#[test]
fn terminators() {
    assert_eq!(Inst::Jmp { target: MachLabel(0) }.terminator_kind(), TerminatorKind::Branch);
    assert_eq!(Inst::Ret { rets: vec![] }.terminator_kind(), TerminatorKind::Ret);
    assert_eq!(Inst::Ud2 { code: TrapCode::User(1) }.terminator_kind(), TerminatorKind::NoReturn);
    assert_eq!(Inst::TrapIf { cc: CC::O, code: TrapCode::User(1) }.terminator_kind(), TerminatorKind::None);
    assert_eq!(Inst::gen_jump(MachLabel(2)), Inst::Jmp { target: MachLabel(2) });
}

#[test]
fn frames_are_laid_out_pushed_and_stored() {
    let rules = SysVFrameRules;
    assert_eq!(rules.frame_desc(), &FRAME);
    let sysv = rules.callee_saved(CallConv::SystemV);
    assert!(sysv.iter().all(|&p| regs::is_callee_saved(p) && p != preg_rbp()));
    assert_eq!(sysv.len(), 5);
    assert_eq!(rules.callee_saved(CallConv::Fast), sysv);
    let win = rules.callee_saved(CallConv::WindowsFastcall);
    let mut expected: Vec<PReg> = regs::WIN_CALLEE_SAVED.iter().copied().filter(|&p| p != preg_rbp()).collect();
    expected.sort();
    let mut got = win.to_vec();
    got.sort();
    assert_eq!(got, expected, "every Windows callee-saved register but rbp");
    // 16 + 24 + 24 = 64 bytes of areas; two pushes keep SP 16-byte aligned with 64.
    let f = layout(&FRAME, 16, 20, 3, vec![rbx(), r12()], None);
    assert_eq!(f.fixed_frame_size, 64);
    assert_eq!(f.pushed_saves, [rbx(), r12()]);
    let pro: Vec<String> = Inst::gen_prologue(&f).iter().filter_map(FrameItem::inst).map(|i| i.print()).collect();
    assert_eq!(pro, ["push rbp", "mov rbp, rsp", "push rbx", "push r12", "sub rsp, 0x40"]);
    let epi: Vec<String> = Inst::gen_epilogue(&f).iter().filter_map(FrameItem::inst).map(|i| i.print()).collect();
    assert_eq!(epi, ["add rsp, 0x40", "pop r12", "pop rbx", "pop rbp"]);
    // Windows: xmm registers go to 16-byte slots above the spill slots.
    let f = layout(&FRAME, 32, 0, 1, vec![rsi(), xmm(6), rdi(), xmm(15)], None);
    assert_eq!(f.fixed_frame_size, 80);
    let pro: Vec<String> = Inst::gen_prologue(&f).iter().filter_map(FrameItem::inst).map(|i| i.print()).collect();
    assert_eq!(
        pro,
        [
            "push rbp",
            "mov rbp, rsp",
            "push rsi",
            "push rdi",
            "sub rsp, 0x50",
            "movups xmmword ptr [rsp+0x30], xmm6",
            "movups xmmword ptr [rsp+0x40], xmm15",
        ]
    );
    let epi: Vec<String> = Inst::gen_epilogue(&f).iter().filter_map(FrameItem::inst).map(|i| i.print()).collect();
    assert_eq!(
        epi,
        [
            "movups xmm6, xmmword ptr [rsp+0x30]",
            "movups xmm15, xmmword ptr [rsp+0x40]",
            "add rsp, 0x50",
            "pop rdi",
            "pop rsi",
            "pop rbp",
        ]
    );
}

#[test]
fn register_sets_and_condition_codes() {
    let env = machine_env();
    let pref = env.preferred_regs_by_class[RegClass::Int as usize];
    let nonpref = env.non_preferred_regs_by_class[RegClass::Int as usize];
    assert!(!pref.contains(preg_rsp()) && !nonpref.contains(preg_rsp()));
    assert!(!pref.contains(preg_rbp()) && !nonpref.contains(preg_rbp()));
    for n in 0..16u8 {
        let p = preg_gpr(n);
        if n == 4 || n == 5 {
            continue;
        }
        assert!(pref.contains(p) != nonpref.contains(p), "each allocatable register is in exactly one set");
        assert_eq!(nonpref.contains(p), regs::is_callee_saved(p));
        assert!(env.preferred_regs_by_class[RegClass::Float as usize].contains(preg_xmm(n)));
    }
    assert_eq!(gpr_name(8, OperandSize::S8), "r8b");
    assert_eq!(gpr_name(6, OperandSize::S8), "sil");
    assert_eq!(gpr_name(0, OperandSize::S16), "ax");
    assert_eq!(gpr_name(9, OperandSize::S32), "r9d");
    for cc in CC::ALL {
        assert_ne!(cc, cc.invert());
        assert_eq!(cc.invert().invert(), cc);
    }
    for &icc in IntCC::ALL {
        assert_eq!(CC::from_intcc(icc).invert(), CC::from_intcc(icc.complement()));
    }
    assert_eq!(CC::from_intcc(IntCC::UnsignedLessThan), CC::B);
    assert_eq!(CC::from_intcc(IntCC::SignedGreaterThan), CC::NLE);
}

//! Phase 3: types and immediates of each instruction whose references are valid.
//!
//! The opcode table ([`OpcodeInfo`](crate::ir::OpcodeInfo)) drives the generic part: the
//! controlling type must lie in the opcode's type set, each fixed operand must satisfy its
//! constraint, and the results must be exactly the types derived from the controlling
//! type (or the callee's signature). Then come the rules the table cannot say: narrow
//! loads and stores, `iconst` ranges, lane indices, shuffle masks, `vconst` sizes, memory
//! flags, trap codes, stack-slot bounds and global-value types.

use super::{AnyEntity, Verifier};
use crate::ir::types::{self, Type};
use crate::ir::{ArgumentPurpose, CtrlSource, GlobalValue, GlobalValueData, Inst, InstructionData, Opcode, TrapCode};

impl Verifier<'_> {
    pub(super) fn check_types(&mut self) {
        let ptr = self.pointer_type();
        self.check_global_value_types(ptr);
        let insts: Vec<Inst> = self.checked_insts().map(|(_, i)| i).collect();
        for inst in insts {
            if self.check_table_types(inst) {
                self.check_opcode_rules(inst, ptr);
            }
            self.check_flags_and_codes(inst);
        }
    }

    /// The pointer type of this function, for `vmctx` and symbol global values: the type
    /// of the `vmctx` parameter if there is one, else the type of the first instruction
    /// that reads such a global value. `None` when nothing says.
    fn pointer_type(&self) -> Option<Type> {
        let func = self.func;
        if let Some(p) = func.signature.params.iter().find(|p| p.purpose == ArgumentPurpose::VMContext) {
            return Some(p.value_type);
        }
        self.checked_insts().find_map(|(_, inst)| match func.dfg.insts[inst] {
            InstructionData::UnaryGlobalValue { global_value, .. } => match func.global_values.get(global_value) {
                Some(GlobalValueData::VMContext | GlobalValueData::Symbol { .. }) => {
                    func.dfg.inst_results(inst).first().map(|&r| func.dfg.value_type(r))
                }
                _ => None,
            },
            _ => None,
        })
    }

    /// The type of a global value with a valid base chain (`None`: pointer type unknown).
    fn global_value_type(&self, gv: GlobalValue, ptr: Option<Type>) -> Option<Type> {
        match self.func.global_values.get(gv)? {
            GlobalValueData::VMContext | GlobalValueData::Symbol { .. } => ptr,
            GlobalValueData::Load { global_type, .. } | GlobalValueData::IAddImm { global_type, .. } => {
                Some(*global_type)
            }
        }
    }

    fn check_global_value_types(&mut self, ptr: Option<Type>) {
        if let Some(p) = ptr
            && p != types::I32
            && p != types::I64
        {
            self.error(AnyEntity::Function, format!("the pointer type must be i32 or i64, not {p}"));
        }
        let func = self.func;
        if let Some(gv) = func.stack_limit {
            if !func.global_values.is_valid(gv) {
                self.error(AnyEntity::Function, format!("the stack limit {gv} does not exist"));
            } else if self.gv_ok[gv]
                && let Some(t) = self.global_value_type(gv, ptr)
                && Some(t) != ptr
                && ptr.is_some()
            {
                self.error(AnyEntity::Function, format!("the stack limit {gv} has type {t}, not the pointer type"));
            }
        }
        for (gv, data) in func.global_values.iter() {
            if !self.gv_ok[gv] {
                continue;
            }
            match *data {
                GlobalValueData::Load { base, .. } => {
                    if let Some(bt) = self.global_value_type(base, ptr)
                        && bt != types::I32
                        && bt != types::I64
                    {
                        self.error(
                            AnyEntity::GlobalValue(gv),
                            format!("{gv} loads through {base}, whose type {bt} is not an address type"),
                        );
                    }
                }
                GlobalValueData::IAddImm { base, global_type, .. } => {
                    if let Some(bt) = self.global_value_type(base, ptr)
                        && bt != global_type
                    {
                        self.error(
                            AnyEntity::GlobalValue(gv),
                            format!("{gv} has type {global_type}, but its base {base} has type {bt}"),
                        );
                    }
                    if !global_type.is_int_scalar() {
                        self.error(
                            AnyEntity::GlobalValue(gv),
                            format!("iadd_imm global value {gv} has type {global_type}, which is not an integer"),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    /// The generic checks from the opcode table. Returns whether the controlling type and
    /// operands were good enough for the per-opcode rules to make sense.
    fn check_table_types(&mut self, inst: Inst) -> bool {
        let dfg = &self.func.dfg;
        let data = &dfg.insts[inst];
        let op = data.opcode();
        let info = op.info();
        let ctrl = dfg.ctrl_typevar(inst);
        if info.ctrl != CtrlSource::None && !info.ctrl_types.contains(ctrl) {
            if ctrl.is_invalid() {
                self.inst_error(inst, format!("{op} has no controlling type (it needs a result or operand)"));
            } else {
                self.inst_error(inst, format!("controlling type {ctrl} of {op} is not {}", info.ctrl_types.describe()));
            }
            return false;
        }
        let args = data.arguments(&dfg.value_lists);
        let mut ok = true;
        for (i, (&c, &v)) in info.args.iter().zip(args).enumerate() {
            let ty = dfg.value_type(v);
            if !c.allows(ty, ctrl) {
                self.inst_error(inst, format!("operand {i} ({v}) has type {ty}, but {op} needs {}", c.describe(ctrl)));
                ok = false;
            }
        }
        if op.is_call() && dfg.call_signature(inst).is_none_or(|s| !dfg.signatures.is_valid(s)) {
            return ok;
        }
        let expected = dfg.result_types(inst, ctrl);
        let results = dfg.inst_results(inst);
        if expected.iter().any(|t| t.is_invalid()) {
            self.inst_error(inst, format!("the result types of {op} cannot be derived from controlling type {ctrl}"));
            return false;
        }
        if results.len() != expected.len() {
            self.inst_error(inst, format!("{op} has {} results, but should have {}", results.len(), expected.len()));
            return false;
        }
        for (i, (&r, &want)) in results.iter().zip(&expected).enumerate() {
            let ty = dfg.value_type(r);
            if ty != want {
                self.inst_error(inst, format!("result {i} ({r}) has type {ty}, but {op} produces {want}"));
                ok = false;
            }
        }
        ok
    }

    /// Rules specific to one opcode.
    fn check_opcode_rules(&mut self, inst: Inst, ptr: Option<Type>) {
        let func = self.func;
        let dfg = &func.dfg;
        let data = dfg.insts[inst];
        let op = data.opcode();
        let ctrl = dfg.ctrl_typevar(inst);
        let narrow = match op {
            Opcode::Uload8 | Opcode::Sload8 | Opcode::Istore8 => 8,
            Opcode::Uload16 | Opcode::Sload16 | Opcode::Istore16 => 16,
            Opcode::Uload32 | Opcode::Sload32 | Opcode::Istore32 => 32,
            _ => 0,
        };
        if narrow != 0 && ctrl.bits() <= narrow {
            let what = if op.can_store() { "stored value" } else { "result" };
            self.inst_error(inst, format!("{op} {what} type {ctrl} must be wider than {narrow} bits"));
        }
        match data {
            InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => {
                let bits = ctrl.bits();
                let x = imm.bits();
                let fits = bits >= 64 || {
                    let (lo, hi) = (-(1i64 << (bits - 1)), (1i64 << bits) - 1);
                    (lo..=hi).contains(&x)
                };
                if !fits {
                    self.inst_error(inst, format!("immediate {x} does not fit in {ctrl}"));
                }
            }
            InstructionData::BinaryImm8 { opcode: Opcode::Extractlane, imm, .. }
            | InstructionData::TernaryImm8 { opcode: Opcode::Insertlane, imm, .. }
                if u32::from(imm) >= ctrl.lane_count() =>
            {
                self.inst_error(
                    inst,
                    format!("lane index {imm} is out of range for {ctrl}, which has {} lanes", ctrl.lane_count()),
                );
            }
            InstructionData::Shuffle { mask, .. } => {
                let bytes = &dfg.constants[mask];
                if bytes.len() != 16 {
                    self.inst_error(inst, format!("shuffle mask {mask} has {} bytes, but must have 16", bytes.len()));
                } else if let Some((i, b)) = bytes.iter().enumerate().find(|&(_, &b)| b >= 32) {
                    self.inst_error(
                        inst,
                        format!("shuffle mask {mask} byte {i} is {b}, but lane indices must be below 32"),
                    );
                }
            }
            InstructionData::UnaryConst { opcode: Opcode::Vconst, constant } => {
                let len = dfg.constants[constant].len();
                if len != ctrl.bytes() as usize {
                    self.inst_error(
                        inst,
                        format!("constant {constant} has {len} bytes, but {ctrl} needs {}", ctrl.bytes()),
                    );
                }
            }
            InstructionData::StackLoad { stack_slot, offset, .. }
            | InstructionData::StackStore { stack_slot, offset, .. } => {
                if op == Opcode::StackAddr {
                    return;
                }
                let size = i64::from(func.stack_slots[stack_slot].size);
                let (start, len) = (i64::from(offset.0), i64::from(ctrl.bytes()));
                if start < 0 || start + len > size {
                    self.inst_error(
                        inst,
                        format!(
                            "{op} of {len} bytes at offset {start} is outside {stack_slot}, which has {size} bytes"
                        ),
                    );
                }
            }
            InstructionData::UnaryGlobalValue { global_value: gv, .. } => {
                let tls = match func.global_values[gv] {
                    GlobalValueData::Symbol { tls, .. } => Some(tls),
                    _ => None,
                };
                match (op, tls) {
                    (Opcode::SymbolValue, None) => {
                        self.inst_error(inst, format!("symbol_value needs a symbol global value, but {gv} is not one"))
                    }
                    (Opcode::SymbolValue, Some(true)) => self.inst_error(
                        inst,
                        format!("{gv} is a thread-local symbol: its address is taken with tls_value, not symbol_value"),
                    ),
                    (Opcode::TlsValue, None | Some(false)) => self.inst_error(
                        inst,
                        format!("tls_value needs a thread-local symbol (`symbol tls`), but {gv} is not one"),
                    ),
                    _ => {}
                }
                match self.global_value_type(gv, ptr) {
                    Some(t) if t != ctrl => {
                        self.inst_error(inst, format!("{op} has type {ctrl}, but {gv} has type {t}"));
                    }
                    None if ctrl != types::I32 && ctrl != types::I64 => {
                        self.inst_error(inst, format!("{op} has type {ctrl}, but {gv} is an address (i32 or i64)"));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Memory flags and trap codes, checked whatever the types.
    fn check_flags_and_codes(&mut self, inst: Inst) {
        let data = self.func.dfg.insts[inst];
        if let Some(flags) = data.memflags() {
            if flags.has_conflicting_endianness() {
                self.inst_error(inst, "memory flags cannot be both little and big endian");
            }
            if flags.has_conflicting_alias_classes() {
                self.inst_error(
                    inst,
                    "memory flags name more than one alias class (`heap`, `table`, `vmctx`, `regionN`)",
                );
            }
            if let Some(r) = flags.alias_region().filter(|&r| !self.func.alias_regions.is_valid(r)) {
                self.inst_error(inst, format!("memory flags name {r}, which is not declared"));
            }
            if let Some(code) = flags.trap_code() {
                self.check_trap_code(inst, code);
            }
        }
        if let Some(code) = data.trap_code() {
            self.check_trap_code(inst, code);
        }
    }

    fn check_trap_code(&mut self, inst: Inst, code: TrapCode) {
        if let TrapCode::User(n) = code
            && (n == 0 || n > TrapCode::MAX_USER)
        {
            self.inst_error(
                inst,
                format!("invalid trap code user{n}: user trap codes are 1 to {}", TrapCode::MAX_USER),
            );
        }
    }
}

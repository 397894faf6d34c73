//! The rule context: what an ISA's ISLE lowering rules see while one IR instruction is
//! lowered, and the one way every backend runs its rules on an instruction.
//!
//! Each ISA includes its generated rules with [`isle_rules!`](crate::isle_rules) and
//! implements the generated `isle::Context` trait for `RuleCtx<'_, '_, ItsBackend,
//! ItsInst>` (the trait is the ISA's, so the impl may live in the ISA's folder; the
//! ISA's helper methods are inherent impls on the same type). Its `LowerBackend` then
//! calls [`run_rules`] with the entry point to run.
//!
//! Errors: a rule that cannot handle its input records an "unsupported" error with
//! [`RuleCtx::unsupported`] instead of emitting wrong code; [`run_rules`] returns the
//! first one recorded, naming the instruction, and an instruction no rule matches is an
//! "unsupported" error naming the ISA and the instruction.

use super::{CodegenError, Lower, MachInst, MachLabel, Reg, RegClass};
use crate::ir::{ExternalName, Function, GlobalValueData, Inst, InstructionData};

/// The state of the rules for one instruction. `B` is the ISA's lowering backend (its
/// flags and settings), `I` its machine instruction.
pub struct RuleCtx<'a, 'f, B, I: MachInst> {
    /// The ISA's backend, with the flags and settings the rules may consult.
    pub backend: &'a B,
    /// The lowering driver: values' registers, emission.
    pub lower: &'a mut Lower<'f, I>,
    /// The successor labels of the terminator being lowered (empty for other instructions).
    pub targets: &'a [MachLabel],
    /// The first "unsupported" error a rule recorded.
    pub error: Option<CodegenError>,
    /// The instruction being lowered.
    pub inst: Inst,
}

impl<B, I: MachInst> RuleCtx<'_, '_, B, I> {
    /// Records that the instruction cannot be lowered, and why (the first reason wins).
    pub fn unsupported(&mut self, what: String) {
        if self.error.is_none() {
            self.error = Some(CodegenError::Unsupported(what));
        }
    }
    /// A fresh virtual integer register.
    pub fn tmp(&mut self) -> Reg {
        self.lower.alloc_tmp(RegClass::Int)
    }
    /// A fresh virtual float (or vector) register.
    pub fn ftmp(&mut self) -> Reg {
        self.lower.alloc_tmp(RegClass::Float)
    }
    /// Appends `inst` to the instruction's lowering.
    pub fn emit(&mut self, inst: I) {
        self.lower.emit(inst);
    }
    /// The symbol whose address `inst` (a `func_addr`, `symbol_value` or `tls_value`)
    /// takes: its name, the constant offset and whether it is colocated. A thread-local
    /// symbol is refused here; an ISA that lowers `tls_value` reads it first. `None`, with the reason
    /// recorded as "unsupported", for anything else; `isa` names the target in it.
    pub fn symbol_ref(&mut self, inst: Inst, isa: &str) -> Option<(ExternalName, i64, bool)> {
        let f = self.lower.f;
        let found = match f.dfg.insts[inst] {
            InstructionData::FuncAddr { func_ref, .. } => match f.dfg.ext_funcs.get(func_ref) {
                Some(ext) => Ok((ext.name.clone(), 0, ext.colocated)),
                None => Err("a reference to an undeclared function".to_string()),
            },
            InstructionData::UnaryGlobalValue { global_value, .. } => match f.global_values.get(global_value) {
                Some(GlobalValueData::Symbol { name, offset, tls: false, colocated }) => {
                    Ok((name.clone(), offset.bits(), *colocated))
                }
                Some(GlobalValueData::Symbol { tls: true, .. }) => Err(format!("thread-local symbols on {isa}")),
                _ => Err(format!("global values other than symbols on {isa}")),
            },
            _ => Err(format!("this address computation on {isa}")),
        };
        found.map_err(|why| self.unsupported(why)).ok()
    }
}

/// Runs the entry point `rules` (the generated `constructor_lower` or
/// `constructor_lower_branch`) on `inst` with a fresh context, for the ISA named `isa`.
pub fn run_rules<'a, 'f, B, I: MachInst>(
    isa: &str,
    backend: &'a B,
    lower: &'a mut Lower<'f, I>,
    inst: Inst,
    targets: &'a [MachLabel],
    rules: impl FnOnce(&mut RuleCtx<'a, 'f, B, I>, Inst) -> Option<()>,
) -> Result<(), CodegenError> {
    let f = lower.f;
    let mut ctx = RuleCtx { backend, lower, targets, error: None, inst };
    match rules(&mut ctx, inst) {
        Some(()) => match ctx.error {
            None => Ok(()),
            Some(CodegenError::Unsupported(why)) => {
                Err(CodegenError::Unsupported(format!("{why} (in `{}`)", describe(f, inst))))
            }
            Some(other) => Err(other),
        },
        None => Err(CodegenError::Unsupported(format!("no {isa} lowering for `{}`", describe(f, inst)))),
    }
}

/// The instruction as CLIF text, for error messages.
pub fn describe(f: &Function, inst: Inst) -> String {
    crate::text::display_inst(f, inst).to_string()
}

/// Includes an ISA's generated ISLE rules (`$file` in `OUT_DIR`, written by the build
/// script) as a module named `isle`, with the names every generated file refers to in
/// scope, plus the ISA's own `use` items.
#[macro_export]
macro_rules! isle_rules {
    ($file:literal; $($uses:item)*) => {
        #[allow(missing_docs, clippy::all, unused_imports, unreachable_code, unused_parens, unused_variables)]
        mod isle {
            /// The ISLE prelude's unit type.
            pub type Unit = ();
            use $crate::ir::{AtomicRmwOp, FloatCC, Inst, IntCC, MemFlags, Opcode, StackSlot, TrapCode, Type, Value};
            use $crate::isle_view::{InstData, InstKind};
            use $crate::machinst::{Reg, ValueRegs};
            $($uses)*
            include!(concat!(env!("OUT_DIR"), "/", $file));
        }
    };
}

/// The provenance methods of an ISA's `isle::Context` impl for [`RuleCtx`]: the rule whose
/// right-hand side is running is kept in the lowering driver, which tags each emitted
/// instruction with it when explaining (one store per rule firing otherwise).
#[macro_export]
macro_rules! isle_provenance {
    () => {
        #[inline(always)]
        fn rule_enter(&mut self, rule: u32) -> u32 {
            self.lower.enter_rule(rule)
        }
        #[inline(always)]
        fn rule_exit(&mut self, saved: u32) {
            self.lower.exit_rule(saved)
        }
    };
}

//! The IR verifier: checks that a [`Function`] is well formed before any pass relies on it.
//!
//! Input: any `Function`, including garbage (dangling entity references, alias cycles,
//! instruction data whose variant disagrees with its opcode, values defined by
//! instructions outside the layout). Output: `Ok(())`, or every problem found, each naming
//! the entity at fault and, for instructions, the instruction as text. The verifier never
//! panics and never stops at the first error.
//!
//! The checks run in phases, each in its own module, and each later phase skips what an
//! earlier one already found broken (so one bad reference is reported once, not by every
//! check that would trip over it):
//!
//! 1. `structure`: the layout (each block and instruction once, known to the DFG),
//!    instruction formats, terminators, the entry block's parameters.
//! 2. `entities`: every entity reference of the preamble and of each placed instruction,
//!    result bookkeeping, global-value chains.
//! 3. `types`: operand, result and controlling types from the opcode table, per-opcode
//!    immediates rules, memory flags, trap codes, stack-slot bounds, global-value types.
//! 4. `cfg_checks`: branch arguments against block parameters, returns and calls
//!    against signatures.
//! 5. `ssa`: every use is dominated by its definition (on the CFG and dominator tree of
//!    `crate::flowgraph` and `crate::dominator_tree`).
//!
//! Invariant: a check only follows an entity reference after confirming it exists; entity
//! validity is established by the phases before it and recorded in `Verifier`.

mod cfg_checks;
mod entities;
mod ssa;
mod structure;
mod types;

use crate::entity::SecondaryMap;
use crate::ir::{Block, FuncRef, Function, GlobalValue, Inst, JumpTable, SigRef, StackSlot, Value, ValueDef};
use std::fmt::{self, Write as _};

/// The entity an error is about.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum AnyEntity {
    /// The function as a whole (its signature, its lack of blocks, ...).
    Function,
    /// A block.
    Block(Block),
    /// An instruction.
    Inst(Inst),
    /// A value.
    Value(Value),
    /// A stack slot.
    StackSlot(StackSlot),
    /// A global value.
    GlobalValue(GlobalValue),
    /// A signature reference.
    SigRef(SigRef),
    /// An external function reference.
    FuncRef(FuncRef),
    /// A jump table.
    JumpTable(JumpTable),
}

impl fmt::Display for AnyEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyEntity::Function => f.write_str("function"),
            AnyEntity::Block(e) => e.fmt(f),
            AnyEntity::Inst(e) => e.fmt(f),
            AnyEntity::Value(e) => e.fmt(f),
            AnyEntity::StackSlot(e) => e.fmt(f),
            AnyEntity::GlobalValue(e) => e.fmt(f),
            AnyEntity::SigRef(e) => e.fmt(f),
            AnyEntity::FuncRef(e) => e.fmt(f),
            AnyEntity::JumpTable(e) => e.fmt(f),
        }
    }
}

/// One problem found by the verifier.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifierError {
    /// The entity at fault.
    pub location: AnyEntity,
    /// The offending instruction as text, when the error is about one.
    pub context: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for VerifierError {
    /// `inst3: message (v4 = iadd v1, v2)`: location, message, then the context if any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(ctx) = &self.context {
            write!(f, " ({ctx})")?;
        }
        Ok(())
    }
}

/// Every problem found in a function, in the order the checks found them.
#[derive(Clone, PartialEq, Eq, Debug, Default, thiserror::Error)]
pub struct VerifierErrors(pub Vec<VerifierError>);

impl fmt::Display for VerifierErrors {
    /// One error per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_char('\n')?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl VerifierErrors {
    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Whether some error's message contains `needle` (what `; error:` lines of filetests
    /// match against).
    pub fn has_message(&self, needle: &str) -> bool {
        self.0.iter().any(|e| e.message.contains(needle))
    }
}

/// Checks `func`; returns every problem found.
pub fn verify_function(func: &Function) -> Result<(), VerifierErrors> {
    let mut v = Verifier::new(func);
    v.run();
    if v.errors.is_empty() { Ok(()) } else { Err(VerifierErrors(v.errors)) }
}

/// The state shared by the check phases.
struct Verifier<'a> {
    func: &'a Function,
    errors: Vec<VerifierError>,
    /// The blocks of the layout that the DFG knows, each once, in layout order.
    blocks: Vec<Block>,
    /// The instructions of the layout that the DFG knows, each once, in layout order, with
    /// their block.
    insts: Vec<(Block, Inst)>,
    /// Instructions whose data has the format of their opcode: only these have their
    /// operands checked (the operand positions of any other are meaningless).
    well_formed: SecondaryMap<Inst, bool>,
    /// Instructions all of whose entity references were found valid: type, signature and
    /// dominance checks only look at these.
    refs_ok: SecondaryMap<Inst, bool>,
    /// Global values whose base chain is valid and acyclic.
    gv_ok: SecondaryMap<GlobalValue, bool>,
}

impl<'a> Verifier<'a> {
    fn new(func: &'a Function) -> Self {
        Self {
            func,
            errors: Vec::new(),
            blocks: Vec::new(),
            insts: Vec::new(),
            well_formed: SecondaryMap::new(),
            refs_ok: SecondaryMap::new(),
            gv_ok: SecondaryMap::new(),
        }
    }

    fn run(&mut self) {
        self.check_structure();
        self.check_entities();
        self.check_types();
        self.check_control_flow();
        self.check_ssa();
    }

    /// Records an error about `loc` with no context.
    fn error(&mut self, location: AnyEntity, message: impl Into<String>) {
        self.errors.push(VerifierError { location, context: None, message: message.into() });
    }

    /// Records an error about `inst`, with the instruction as context.
    fn inst_error(&mut self, inst: Inst, message: impl Into<String>) {
        let context = Some(inst_text(self.func, inst));
        self.errors.push(VerifierError { location: AnyEntity::Inst(inst), context, message: message.into() });
    }

    /// Whether `v` exists, is defined (not a placeholder) and its alias chain ends.
    fn value_ok(&self, v: Value) -> bool {
        value_origin(self.func, v).is_some()
    }

    /// The instructions whose references are all valid, for the later phases.
    fn checked_insts(&self) -> impl Iterator<Item = (Block, Inst)> + '_ {
        self.insts.iter().copied().filter(|&(_, i)| self.refs_ok[i])
    }
}

/// A readable one-line rendering of `inst` for error contexts, in the spirit of CLIF.
/// Robust against any garbage: it only reads what exists.
// NOTE: the lead switches the body to `crate::text::display_inst` once the writer is merged.
fn inst_text(func: &Function, inst: Inst) -> String {
    if !func.dfg.insts.is_valid(inst) {
        return format!("{inst} (not in the function)");
    }
    crate::text::display_inst(func, inst).to_string()
}

/// Where a value really comes from after following aliases, if it is defined.
fn value_origin(func: &Function, v: Value) -> Option<ValueDef> {
    let dfg = &func.dfg;
    if !dfg.value_is_defined(v) || dfg.alias_cycle(v) {
        return None;
    }
    match dfg.value_def(dfg.resolve_aliases(v)) {
        ValueDef::Placeholder | ValueDef::Alias(_) => None,
        d => Some(d),
    }
}

#[cfg(test)]
mod tests;

//! The translation's part in tiered execution (`runtime/tier.rs` is the runtime's).
//!
//! Under tiering every function is first translated [`TierMode::Counted`] and compiled
//! at the baseline tier. That code counts: each function has an `i32` in the instance's
//! counter array (`VmCtx::tier_counters`, indexed by defined-function index), taken down
//! by one on function entry and at every loop header. When it goes below zero the code
//! calls the runtime (`RuntimeCall::TierUp` with the function and the site: a loop's
//! ordinal, or [`ENTRY`]), which resets the counter, asks a background thread for the
//! function's optimized code, and installs what is ready. Calls between defined
//! functions go through the function's `VmFuncRef::code`, so once the runtime has
//! installed the optimized code there, every later call runs it.
//!
//! A frame already running the first tier's code leaves it at a loop header (on-stack
//! replacement): when the runtime returns an OSR entry for that loop, the code stores
//! the Wasm state there (every local, then the whole operand stack, one 16-byte slot
//! each) in a stack slot, calls the entry with `(vmctx, state)` and returns what it
//! returns. The entry is the function translated [`TierMode::Optimized`] with
//! `osr_loop`: its entry block jumps to a block that loads the state and jumps into the
//! loop header; the code before the loop is still translated but unreachable. The
//! header takes the outer operand-stack values (those below the loop's parameters)
//! through frontend variables, so that nothing reachable uses a value defined before
//! the loop.
//!
//! Nested loops: an entry at loop l inside loops E1 ⊃ ... ⊃ Ek would enter each Ei in
//! the middle of its body, so Ei's header would not dominate it and the mid-end would
//! not see a natural loop (no hoisting, worse block order). So a branch to Ei's header
//! (`br`, `br_if`, `br_table`, a catch clause) translated after l's `loop` operator
//! *transfers* instead: it asks the runtime for Ei's own OSR entry
//! (`RuntimeCall::TierUp` with the site `ordinal | TRANSFER`; compiled then if it is not
//! ready), stores the state as Ei's header sees it (locals, the operand stack below Ei's
//! frame, the branch arguments as its parameters) and returns what that entry returns.
//! Ei's header then has no way in, nor has any code before l (only Ei's headers led
//! there), so every loop left in the entry is natural. Branches to Ei translated before
//! l are in that dead code and keep their jumps; every loop's entry edge up to l's is a
//! trap, so no header merges a dead value. Ei's entry is the same construction one level
//! out; the outermost loop's has no transfers. Each transfer is a nested call, so at
//! most k+1 entry frames stand on the first tier's frame; fuel and interrupt checks at
//! a header run once per iteration, in whichever entry enters there.
//!
//! Invariants: every translation of a function numbers loops the same way (every `loop`
//! operator in body order, reachable or not; [`enclosing_loops`] too) and sees the same
//! Wasm state at a loop header, so the state layout is the order of [`FuncTranslator::locals`] then
//! [`FuncTranslator::stack`], with the same IR types.

use super::control::FrameKind;
use super::{FuncTranslator, RuntimeCall, trusted};
use crate::WasmError;
use crate::module::ModuleInfo;
use lathe_codegen::ir::{
    AbiParam, Block, CallConv, InstBuilder, IntCC, Signature, StackSlot, StackSlotData, StackSlotKind, Value, types,
};
use lathe_frontend::Variable;

/// How a translation takes part in tiered execution.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub enum TierMode {
    /// Not tiered: direct calls between defined functions are linked calls.
    #[default]
    Off,
    /// The first tier's code: counts entries and loop iterations, asks the runtime for
    /// optimized code, and leaves for an OSR entry when the runtime has one.
    Counted,
    /// The optimized tier's code; with `osr_loop`, the entry at that loop (by ordinal),
    /// of signature `(vmctx, state: i64) -> results`.
    Optimized {
        /// The loop the code is entered at, if it is an OSR entry.
        osr_loop: Option<u32>,
    },
}

impl TierMode {
    /// Whether calls between defined functions go through `VmFuncRef::code`.
    pub(crate) fn calls_through_slots(self) -> bool {
        self != TierMode::Off
    }

    /// The loop an OSR entry starts at.
    pub(crate) fn osr_loop(self) -> Option<u32> {
        match self {
            TierMode::Optimized { osr_loop } => osr_loop,
            _ => None,
        }
    }
}

/// The site argument of `RuntimeCall::TierUp` for a function entry (loops pass their
/// ordinal).
pub const ENTRY: u32 = u32::MAX;

/// Added to a loop's ordinal in the site argument of `RuntimeCall::TierUp`: OSR code
/// leaving for the OSR entry of an enclosing loop asks for that entry, compiled now if
/// it is not ready.
pub const TRANSFER: u32 = 1 << 31;

/// Bytes per value in an OSR state buffer (a `v128` fills one).
pub const STATE_SLOT: i32 = 16;

/// The signature of an OSR entry of a function returning `returns`.
pub fn osr_signature(returns: &[AbiParam]) -> Signature {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params.push(AbiParam::new(types::I64));
    sig.params.push(AbiParam::new(types::I64));
    sig.returns = returns.to_vec();
    sig
}

/// Per-translation state of tiering.
#[derive(Default)]
pub(crate) struct TierState {
    /// The next loop's ordinal.
    pub next_loop: u32,
    /// For an OSR entry: the state pointer and the (not yet filled) block the entry
    /// block jumps to.
    pub osr: Option<(Value, Block)>,
    /// The stack slot OSR exits and transfers store the state in (sized for the
    /// largest state seen so far).
    pub state_slot: Option<StackSlot>,
    /// Transfer blocks of the branch being translated, by frame index (see
    /// [`FuncTranslator::transfer_block`]).
    pub transfers: Vec<(usize, Block)>,
}

impl FuncTranslator<'_> {
    /// Counted code: takes the function's counter down by one and calls the runtime
    /// when it goes below zero. At a loop header (`site` is its ordinal), leaves for the
    /// OSR entry the runtime returns, if any.
    pub(crate) fn tier_count(&mut self, site: u32) {
        let defined = self.func_index - self.module.num_imported_funcs;
        let counters =
            self.b.ins().load(types::I64, trusted().with_readonly(), self.vmctx, crate::vmctx::CTX_TIER_COUNTERS);
        let offset = (defined * 4) as i32;
        let count = self.b.ins().load(types::I32, trusted(), counters, offset);
        let left = self.b.ins().iadd_imm(count, -1);
        self.b.ins().store(trusted(), left, counters, offset);
        let out = self.b.ins().icmp_imm(IntCC::SignedLessThan, left, 0);
        let cold = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(out, cold, &[], cont, &[]);
        self.b.seal_block(cold);
        self.b.switch_to_block(cold);
        let func = self.b.ins().iconst(types::I32, self.func_index as i64);
        let site_v = self.b.ins().iconst(types::I32, site as i32 as i64);
        let entry = self.call_runtime(RuntimeCall::TierUp, &[func, site_v]).expect("returns the OSR entry");
        if site == ENTRY {
            self.b.ins().jump(cont, &[]);
        } else {
            let leave = self.b.create_block();
            self.b.ins().brif(entry, leave, &[], cont, &[]);
            self.b.seal_block(leave);
            self.b.switch_to_block(leave);
            self.osr_exit(entry);
        }
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
    }

    /// Stores the Wasm state, calls the OSR entry `entry` with it and returns its
    /// results. Ends the block.
    fn osr_exit(&mut self, entry: Value) {
        self.osr_call(entry, self.stack.len(), &[]);
    }

    /// Whether a branch to frame `index` leaves for an enclosing loop's OSR entry: in
    /// an OSR entry at loop l, the frame is a loop of smaller ordinal and l has been
    /// opened (so the frame encloses it; see the module docs). Returns the loop's
    /// ordinal.
    pub(crate) fn transfers(&self, index: usize) -> Option<u32> {
        let l = self.tier_mode.osr_loop()?;
        match self.frames[index].kind {
            FrameKind::Loop { ordinal, .. } if ordinal < l && self.tier.next_loop > l => Some(ordinal),
            _ => None,
        }
    }

    /// A branch to frame `index`, a loop that [`Self::transfers`], with `args`: the block
    /// to branch to (its parameters are the loop's), filled by [`Self::osr_fill_transfers`] once
    /// the branch has ended the current block. Branches of one operator to one loop
    /// share it.
    pub(crate) fn transfer_block(&mut self, index: usize, args: &[Value]) -> Block {
        if let Some(&(_, block)) = self.tier.transfers.iter().find(|&&(i, _)| i == index) {
            return block;
        }
        // The header's own parameters are not the loop's: the SSA construction adds
        // some for the locals.
        let block = self.b.create_block();
        for &v in args {
            let ty = self.b.func.dfg.value_type(v);
            self.b.append_block_param(block, ty);
        }
        self.tier.transfers.push((index, block));
        block
    }

    /// Fills the blocks [`Self::transfer_block`] made since the last call. The current
    /// block must be ended; the caller switches to where translation goes on.
    pub(crate) fn osr_fill_transfers(&mut self) {
        for (index, block) in std::mem::take(&mut self.tier.transfers) {
            self.b.seal_block(block);
            self.b.switch_to_block(block);
            let args = self.b.block_params(block).to_vec();
            self.osr_transfer(index, &args);
        }
    }

    /// Leaves for the OSR entry of the loop of frame `index` (which [`Self::transfers`])
    /// with the branch arguments `args`: asks the runtime for the entry (compiled now if
    /// it is not ready), stores the state the loop's header sees and returns what the
    /// entry returns. Ends the block.
    pub(crate) fn osr_transfer(&mut self, index: usize, args: &[Value]) {
        let ordinal = self.transfers(index).expect("a transferring loop");
        let func = self.b.ins().iconst(types::I32, self.func_index as i64);
        let site = self.b.ins().iconst(types::I32, (ordinal | TRANSFER) as i32 as i64);
        let entry = self.call_runtime(RuntimeCall::TierUp, &[func, site]).expect("returns the OSR entry");
        // 0: the entry could not be compiled; the runtime has kept the error aside.
        let failed = self.b.create_block();
        let go = self.b.create_block();
        self.b.ins().brif(entry, go, &[], failed, &[]);
        self.b.seal_block(failed);
        self.b.seal_block(go);
        self.b.switch_to_block(failed);
        self.b.ins().trap(crate::WasmTrap::HostExit.code());
        self.b.switch_to_block(go);
        let height = self.frames[index].height;
        self.osr_call(entry, height, args);
    }

    /// Stores the state (every local, the operand stack's `outer` bottom values, then
    /// `args`) in the state slot, calls the OSR entry `entry` with it and returns its
    /// results. Ends the block.
    fn osr_call(&mut self, entry: Value, outer: usize, args: &[Value]) {
        let count = self.locals.len() + outer + args.len();
        let bytes = (count.max(1) as u32) * STATE_SLOT as u32;
        let slot = match self.tier.state_slot {
            Some(slot) => {
                let data = &mut self.b.func.stack_slots[slot];
                data.size = data.size.max(bytes);
                slot
            }
            None => {
                let slot = self.b.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, bytes, 4));
                self.tier.state_slot = Some(slot);
                slot
            }
        };
        // Indexed loops: no copy of the locals or the stack per loop of counted code.
        for i in 0..self.locals.len() {
            let v = self.b.use_var(self.locals[i]);
            self.b.ins().stack_store(v, slot, i as i32 * STATE_SLOT);
        }
        for j in 0..outer {
            let v = self.stack[j];
            self.b.ins().stack_store(v, slot, (self.locals.len() + j) as i32 * STATE_SLOT);
        }
        for (j, &v) in args.iter().enumerate() {
            self.b.ins().stack_store(v, slot, (self.locals.len() + outer + j) as i32 * STATE_SLOT);
        }
        let state = self.b.ins().stack_addr(types::I64, slot, 0);
        let returns = self.b.func.signature.returns.clone();
        let sig = self.b.import_signature(osr_signature(&returns));
        let call = self.b.ins().call_indirect(sig, entry, &[self.vmctx, state]);
        let results = self.b.inst_results(call).to_vec();
        self.b.ins().return_(&results);
    }

    /// An OSR entry, at the loop it enters, before the jump into its header: routes the
    /// outer stack values (the `height` values below the loop's parameters) through
    /// variables defined here. Returns them, for [`Self::osr_fill`] and
    /// [`Self::osr_header`].
    pub(crate) fn osr_outer_vars(&mut self, height: usize) -> Vec<Variable> {
        self.stack[..height]
            .iter()
            .copied()
            .map(|v| {
                let var = self.b.declare_var(self.b.func.dfg.value_type(v));
                self.b.def_var(var, v);
                var
            })
            .collect()
    }

    /// Fills the OSR block (after the normal way into `header` was emitted): the
    /// state's locals and outer values into their variables, its loop parameters as the
    /// arguments of the jump into `header`.
    pub(crate) fn osr_fill(&mut self, header: Block, outer: &[Variable]) {
        let (state, block) = self.tier.osr.expect("an OSR entry");
        self.b.switch_to_block(block);
        let flags = trusted();
        let mut k = 0;
        for var in self.locals.clone().into_iter().chain(outer.iter().copied()) {
            let ty = self.b.var_type(var).expect("declared");
            let v = self.b.ins().load(ty, flags, state, k * STATE_SLOT);
            self.b.def_var(var, v);
            k += 1;
        }
        let params: Vec<_> = self.b.block_params(header).iter().map(|&p| self.b.func.dfg.value_type(p)).collect();
        let args: Vec<Value> = params
            .into_iter()
            .map(|ty| {
                let v = self.b.ins().load(ty, flags, state, k * STATE_SLOT);
                k += 1;
                v
            })
            .collect();
        self.b.ins().jump(header, &args);
    }

    /// At the OSR loop's header: the outer stack values are the variables' merged values.
    pub(crate) fn osr_header(&mut self, outer: &[Variable]) {
        for (j, &var) in outer.iter().enumerate() {
            self.stack[j] = self.b.use_var(var);
        }
    }
}

/// The ordinals of the loops enclosing loop `l` of function `index`, outermost first
/// (the OSR entries a transfer from `l`'s entry can ask for). Empty if there is no
/// loop `l`.
pub fn enclosing_loops(module: &ModuleInfo, index: u32, l: u32) -> Result<Vec<u32>, WasmError> {
    let defined = index
        .checked_sub(module.num_imported_funcs)
        .ok_or_else(|| WasmError::Invalid(format!("function {index} is imported")))?;
    let range = module.bodies[defined as usize].clone();
    let body =
        wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(&module.bytes[range.clone()], range.start as u64));
    let invalid = |e: wasmparser::BinaryReaderError| WasmError::Invalid(e.to_string());
    let mut reader = body.get_operators_reader().map_err(invalid)?;
    // The open frames: each loop's ordinal, `None` for other constructs.
    let mut frames: Vec<Option<u32>> = Vec::new();
    let mut next = 0;
    while !reader.eof() {
        match reader.read().map_err(invalid)? {
            wasmparser::Operator::Loop { .. } => {
                if next == l {
                    return Ok(frames.into_iter().flatten().collect());
                }
                frames.push(Some(next));
                next += 1;
            }
            wasmparser::Operator::Block { .. }
            | wasmparser::Operator::If { .. }
            | wasmparser::Operator::TryTable { .. } => frames.push(None),
            wasmparser::Operator::End => {
                frames.pop();
            }
            _ => {}
        }
    }
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::{TranslateOptions, translate_function};
    use lathe_codegen::settings::{Flags, OptLevel};

    /// Loop nests whose inner loops' OSR entries leave for the outer loops' entries:
    /// through `br_if`, `br_table` (with loop parameters), and a catch clause.
    const NESTS: &str = r#"(module
      (tag $t)
      (func (param $n i32) (result i32)
        (local $k i32)
        (block $out
          (loop $a
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (loop $b
              (local.set $k (i32.add (local.get $k) (i32.const 3)))
              (br_table $out $a $b (i32.rem_u (local.get $k) (i32.const 3))))))
        (local.get $k))
      (func (param $n i32) (result i64)
        (local $i i32)
        (i64.const 5)
        (i32.const 0) (i64.const 1)
        (loop $a (param i32 i64) (result i32 i64)
          (block $b (param i32 i64) (result i32 i64)
            (loop $c (param i32 i64) (result i32 i64)
              (i64.add (i64.const 3))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_table $c $a $b (i32.and (local.get $i) (i32.const 3))))))
        (drop) (i64.extend_i32_u) (i64.add))
      (func (param $n i32)
        (loop $a
          (try_table (catch_all $a)
            (loop $b
              (br_if $b (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (throw $t)))))"#;

    fn module() -> crate::module::ModuleInfo {
        let buf = wast::parser::ParseBuffer::new(NESTS).expect("lexes");
        let mut w: wast::Wat = wast::parser::parse(&buf).expect("parses");
        crate::module::parse(&w.encode().expect("encodes")).expect("valid")
    }

    #[test]
    fn loops_know_their_enclosing_loops() {
        let m = module();
        assert_eq!(enclosing_loops(&m, 0, 0).unwrap(), Vec::<u32>::new());
        assert_eq!(enclosing_loops(&m, 0, 1).unwrap(), vec![0]);
        assert_eq!(enclosing_loops(&m, 1, 1).unwrap(), vec![0]);
        assert_eq!(enclosing_loops(&m, 2, 1).unwrap(), vec![0]);
        assert_eq!(enclosing_loops(&m, 2, 7).unwrap(), Vec::<u32>::new());
    }

    /// Release builds compile without the verifier: this runs it on every OSR entry.
    #[test]
    fn every_osr_entry_verifies_and_compiles() {
        let m = module();
        let flags = Flags { opt_level: OptLevel::Speed, enable_verifier: true, ..Flags::default() };
        let isa = lathe_codegen::isa::host_builder().expect("host").with_flags(flags).finish().expect("isa");
        let mut ctx = lathe_frontend::FunctionBuilderContext::new();
        for func in 0..3 {
            for l in 0..2 {
                let options =
                    TranslateOptions { tier: TierMode::Optimized { osr_loop: Some(l) }, ..TranslateOptions::default() };
                let ir = translate_function(&m, func, options, &mut ctx).expect("translates");
                // The inner loop's entry has a transfer; the outer one's none.
                let text = ir.to_string();
                assert_eq!(text.contains("call_indirect"), l == 1, "function {func}, loop {l}:\n{text}");
                if let Err(e) = isa.compile_function(&ir, false) {
                    panic!("function {func}, loop {l}: {e}\n{text}");
                }
            }
        }
    }
}

//! Exception handling: `try_table`, `throw`, `throw_ref`, and calls inside a `try_table`.
//!
//! An exception is an `exnref`: a pointer to the runtime's exception object (its tag's
//! `VmTag` pointer, then its values; `vmctx::EXN_SLOT`). Throwing is the IR's throw
//! helper (`%__lathe_throw(i32 tag, i64 payload)`, docs/ir.md "Exceptions") with IR tag 0
//! and the `exnref` as payload: every Wasm exception has the same IR tag, and the Wasm
//! tag is matched by the code that catches.
//!
//! Each `try_table` whose entry is reachable pushes a [`Handler`]. Inside it, every call
//! (direct, indirect, imported) is a `try_call` whose only handler is `default`, going to
//! the handler's *dispatch* block with the `exnref`; a `throw` or `throw_ref` jumps there
//! directly. The dispatch block, emitted at the `try_table`'s `end`, tries the catch
//! clauses in order: it compares the exception's tag pointer with the clause's tag (from
//! the vmctx's tag array, so an imported tag matches its exporter's exceptions), and on a
//! match branches to the clause's label with the exception's values (and the `exnref`
//! for `catch_ref` / `catch_all_ref`). When no clause matches, it hands the exception to
//! the next enclosing `try_table` of the function, or throws it to the caller. Outside
//! any `try_table`, calls are plain calls and a throw calls the throw helper, which
//! unwinds to the nearest frame stopped in a `try_call`.
//!
//! A `return_call*` inside a `try_table` stays a tail call: its frame is gone, so the
//! `try_table` does not catch what the callee throws, as the specification says.

use super::{FuncTranslator, RuntimeCall, trusted};
use crate::WasmTrap;
use crate::vmctx::{CTX_TAGS, EXN_SLOT, EXN_TAG, exn_value};
use lathe_codegen::ir::{
    AbiParam, Block, BlockArg, CallConv, ExceptionTableData, ExtFuncData, ExternalName, FuncRef, InstBuilder, IntCC,
    SigRef, Signature, StackSlotData, StackSlotKind, THROW_FUNCTION, Value, types,
};
use wasmparser::{Catch, Operator};

/// One catch clause of a `try_table`, resolved to the frame its label names.
#[derive(Copy, Clone, Debug)]
struct CatchClause {
    /// The tag index, or `None` for `catch_all`.
    tag: Option<u32>,
    /// Whether the label also receives the `exnref`.
    with_ref: bool,
    /// The index of the target frame in `FuncTranslator::frames`.
    frame: usize,
}

/// An open `try_table` of the function.
#[derive(Debug)]
pub(crate) struct Handler {
    /// The dispatch block (one `i64` parameter, the `exnref`), made on first use.
    dispatch: Option<Block>,
    /// The catch clauses, in order.
    catches: Vec<CatchClause>,
}

/// What a call calls.
pub(crate) enum Callee {
    /// A function of the module, by its `FuncRef`.
    Direct(FuncRef),
    /// An address, with the callee's signature.
    Indirect(SigRef, Value),
}

impl FuncTranslator<'_> {
    /// Handles `try_table`, `throw` and `throw_ref`; false if `op` is none of them.
    pub(crate) fn exceptions(&mut self, op: &Operator<'_>) -> Result<bool, crate::WasmError> {
        match op {
            Operator::TryTable { try_table } => {
                // Labels count from the context outside the try_table.
                let top = self.frames.len() - 1;
                let catches = try_table
                    .catches
                    .iter()
                    .map(|c| match *c {
                        Catch::One { tag, label } => {
                            CatchClause { tag: Some(tag), with_ref: false, frame: top - label as usize }
                        }
                        Catch::OneRef { tag, label } => {
                            CatchClause { tag: Some(tag), with_ref: true, frame: top - label as usize }
                        }
                        Catch::All { label } => CatchClause { tag: None, with_ref: false, frame: top - label as usize },
                        Catch::AllRef { label } => {
                            CatchClause { tag: None, with_ref: true, frame: top - label as usize }
                        }
                    })
                    .collect();
                self.handlers.push(Handler { dispatch: None, catches });
                self.open_block(try_table.ty, super::control::FrameKind::TryTable)?;
            }
            Operator::Throw { tag_index } => {
                let exn = self.new_exception(*tag_index);
                self.raise(exn);
                self.reachable = false;
            }
            Operator::ThrowRef => {
                let exn = self.pop();
                self.b.ins().trapz(exn, WasmTrap::NullReference.code());
                self.raise(exn);
                self.reachable = false;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Calls `callee` with `args`; inside a `try_table`, as a `try_call` whose exceptions
    /// go to the innermost handler's dispatch block. Returns the results.
    pub(crate) fn emit_call(&mut self, callee: Callee, args: &[Value]) -> Vec<Value> {
        let Some(dispatch) = self.dispatch_block() else {
            let inst = match callee {
                Callee::Direct(f) => self.b.ins().call(f, args),
                Callee::Indirect(sig, addr) => self.b.ins().call_indirect(sig, addr, args),
            };
            return self.b.inst_results(inst).to_vec();
        };
        let sig = match callee {
            Callee::Direct(f) => self.b.func.dfg.ext_funcs[f].signature,
            Callee::Indirect(sig, _) => sig,
        };
        let returns: Vec<_> = self.b.func.dfg.signatures[sig].returns.iter().map(|p| p.value_type).collect();
        let cont = self.b.create_block();
        for &t in &returns {
            self.b.append_block_param(cont, t);
        }
        let rets: Vec<Value> = (0..returns.len() as u32).map(|k| BlockArg::TryCallRet(k).encode()).collect();
        let dfg = &mut self.b.func.dfg;
        let normal = dfg.block_call(cont, &rets);
        let caught = dfg.block_call(dispatch, &[BlockArg::TryCallExn(0).encode()]);
        let table = dfg.make_exception_table(ExceptionTableData::new(sig, None, normal, &[(None, caught)]));
        match callee {
            Callee::Direct(f) => self.b.ins().try_call(f, args, table),
            Callee::Indirect(_, addr) => self.b.ins().try_call_indirect(addr, args, table),
        };
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
        self.b.block_params(cont).to_vec()
    }

    /// At the `end` of a `try_table` whose handler was pushed: pops the handler and, if
    /// anything can throw to it, emits its dispatch block (see the module comment). The
    /// current block is filled (the `end` has branched to the frame's exit, if reachable).
    pub(crate) fn end_try_table(&mut self) {
        let handler = self.handlers.pop().expect("a try_table frame has a handler");
        let Some(dispatch) = handler.dispatch else { return };
        self.b.switch_to_block(dispatch);
        self.b.seal_block(dispatch);
        let exn = self.b.block_params(dispatch)[0];
        let thrown_tag = self.b.ins().load(types::I64, trusted().with_readonly(), exn, EXN_TAG);
        for clause in &handler.catches {
            let matched = match clause.tag {
                Some(tag) => {
                    let want = self.vm_pointer(CTX_TAGS, tag);
                    let is = self.b.ins().icmp(IntCC::Equal, thrown_tag, want);
                    let matched = self.b.create_block();
                    let next = self.b.create_block();
                    self.b.ins().brif(is, matched, &[], next, &[]);
                    self.b.seal_block(matched);
                    self.b.seal_block(next);
                    self.b.switch_to_block(matched);
                    let mut args = self.exception_values(exn, tag);
                    if clause.with_ref {
                        args.push(exn);
                    }
                    self.jump_to_frame(clause.frame, &args);
                    self.b.switch_to_block(next);
                    continue;
                }
                None => clause,
            };
            // catch_all: always taken; later clauses are never tried.
            let args = if matched.with_ref { vec![exn] } else { vec![] };
            self.jump_to_frame(matched.frame, &args);
            return;
        }
        self.raise(exn);
    }

    /// Branches to the frame at `index` (its label) with `args` (in an OSR entry, an
    /// enclosing loop's label leaves for that loop's entry; `tier.rs`).
    fn jump_to_frame(&mut self, index: usize, args: &[Value]) {
        if self.transfers(index).is_some() {
            self.osr_transfer(index, args);
            return;
        }
        let f = &mut self.frames[index];
        if !matches!(f.kind, super::control::FrameKind::Loop { .. }) {
            f.dest_used = true;
        }
        let target = f.branch_target();
        self.b.ins().jump(target, args);
    }

    /// The values of exception `exn`, whose tag is known to be tag `tag` of the module.
    fn exception_values(&mut self, exn: Value, tag: u32) -> Vec<Value> {
        let ty = &self.module.types[self.module.tags[tag as usize] as usize];
        let tys: Vec<_> = ty.params().iter().map(|&p| super::ir_type(p).expect("validated value type")).collect();
        let flags = trusted().with_readonly();
        tys.iter().enumerate().map(|(k, &t)| self.b.ins().load(t, flags, exn, exn_value(k))).collect()
    }

    /// A new exception of tag `tag_index` with the values on top of the stack.
    fn new_exception(&mut self, tag_index: u32) -> Value {
        let n = self.module.types[self.module.tags[tag_index as usize] as usize].params().len();
        let values = self.stack.split_off(self.stack.len() - n);
        let bytes = (n.max(1) as u32) * EXN_SLOT as u32;
        let slot = self.b.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, bytes, 4));
        for (k, &v) in values.iter().enumerate() {
            self.b.ins().stack_store(v, slot, k as i32 * EXN_SLOT);
        }
        let addr = self.b.ins().stack_addr(types::I64, slot, 0);
        let tag = self.b.ins().iconst(types::I32, tag_index as i64);
        self.call_runtime(RuntimeCall::ExnNew, &[tag, addr]).expect("returns the exnref")
    }

    /// Throws `exn`: to the innermost handler of this function, or to the caller. Ends
    /// the current block.
    fn raise(&mut self, exn: Value) {
        if let Some(dispatch) = self.dispatch_block() {
            self.b.ins().jump(dispatch, &[exn]);
        } else {
            throw_to_caller(&mut self.b, &mut self.thrower, exn);
        }
    }

    /// The innermost handler's dispatch block (made now if it is the first use), or
    /// `None` outside every `try_table`.
    fn dispatch_block(&mut self) -> Option<Block> {
        let handler = self.handlers.last_mut()?;
        if let Some(d) = handler.dispatch {
            return Some(d);
        }
        let d = self.b.create_block();
        self.b.append_block_param(d, types::I64);
        self.handlers.last_mut().expect("just seen").dispatch = Some(d);
        Some(d)
    }
}

/// Throws `exn` out of the function being built: a call of the throw helper (declared in
/// `thrower` on first use), which never returns, then a trap the code never reaches.
pub(crate) fn throw_to_caller(b: &mut lathe_frontend::FunctionBuilder<'_>, thrower: &mut Option<FuncRef>, exn: Value) {
    let f = *thrower.get_or_insert_with(|| {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params = vec![AbiParam::new(types::I32), AbiParam::new(types::I64)];
        let signature = b.import_signature(sig);
        b.import_function(ExtFuncData {
            name: ExternalName::TestCase(THROW_FUNCTION.to_string()),
            signature,
            colocated: false,
        })
    });
    let tag = b.ins().iconst(types::I32, 0);
    b.ins().call(f, &[tag, exn]);
    b.ins().trap(WasmTrap::Unreachable.code());
}

//! `lathe-interpreter`: the reference interpreter of Lathe IR, the executable form of
//! `docs/ir.md`. Every backend and optimization is checked against it.
//!
//! Put functions in a [`FunctionStore`], make an [`Interpreter`], and call one by name with
//! [`DataValue`] arguments; the outcome is its return values or the trap that stopped it.
//! Malformed IR and limits give a typed [`InterpreterError`]; nothing panics.
//!
//! Exceptions: a call of [`THROW_FUNCTION`] (`%__lathe_throw(i32 tag, i64 payload)`) unwinds
//! frames, innermost first, to the first one stopped in a `try_call*` whose exception table
//! catches the tag; that frame continues at the handler with `exn0` = payload and `exn1` =
//! the tag (zero-extended). With no such frame the top-level call traps
//! [`UNCAUGHT_EXCEPTION`].
//!
//! Structure: `lib.rs` holds the API and the run loop (frames, branches, calls); `frame.rs`
//! the per-call value storage; `memory.rs` the address space; `exec/` the meaning of each
//! opcode group. Calls use an explicit frame stack, so deep recursion in the IR cannot
//! overflow the host stack.
//!
//! Invariant: this crate shares no code with lowering or any backend; it depends only on
//! the IR.

mod error;
mod exec;
mod frame;
mod memory;
mod store;
mod value;

pub use error::InterpreterError;
pub use store::FunctionStore;

use error::{Ex, Halt, invalid};
use exec::{Ctx, Flow};
use frame::Frame;
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::{BlockArg, BlockCall, Inst, TrapCode, Type, types};
use memory::Memory;
use value::Val;

/// The default number of instructions one top-level call may execute.
pub const DEFAULT_STEP_LIMIT: u64 = 10_000_000;
/// The deepest call nesting; a call beyond it traps `stk_ovf`.
pub const MAX_CALL_DEPTH: usize = 100_000;

pub use lathe_codegen::data_value::CallOutcome;
pub use lathe_codegen::ir::{THROW_FUNCTION, UNCAUGHT_EXCEPTION};

/// Runs functions of a [`FunctionStore`].
pub struct Interpreter<'a> {
    store: FunctionStore<'a>,
    step_limit: u64,
    frames: Vec<Frame<'a>>,
    memory: Memory,
    pinned: u64,
    /// Branch arguments being moved (reused to avoid an allocation per branch).
    scratch: Vec<Val>,
}

fn types_of(params: &[lathe_codegen::ir::AbiParam]) -> impl Iterator<Item = Type> + '_ {
    params.iter().map(|p| p.value_type)
}

impl<'a> Interpreter<'a> {
    /// An interpreter over `store`, with the default step limit and the pinned register 0.
    pub fn new(store: FunctionStore<'a>) -> Self {
        Interpreter {
            store,
            step_limit: DEFAULT_STEP_LIMIT,
            frames: Vec::new(),
            memory: Memory::default(),
            pinned: 0,
            scratch: Vec::new(),
        }
    }

    /// The same interpreter with a different limit on instructions per top-level call.
    pub fn with_step_limit(mut self, steps: u64) -> Self {
        self.step_limit = steps;
        self
    }

    /// Calls the function `name` (`fib` for `%fib`) with `args` and runs it to a return or a
    /// trap. The pinned register keeps its value between calls; memory does not.
    pub fn call_by_name(&mut self, name: &str, args: &[DataValue]) -> Result<CallOutcome, InterpreterError> {
        let Some(index) = self.store.index_of(name) else {
            return Err(InterpreterError::UnknownFunction(name.to_string()));
        };
        let vals: Vec<Val> = args.iter().map(Val::from_data).collect();
        self.frames.clear();
        self.memory.clear();
        let result = self.run(index, vals);
        self.frames.clear();
        self.memory.clear();
        match result {
            Ok(vals) => {
                let mut out = Vec::with_capacity(vals.len());
                for v in vals {
                    match v.to_data() {
                        Some(d) => out.push(d),
                        None => return Err(InterpreterError::InvalidIr(format!("returned a value of type {}", v.ty))),
                    }
                }
                Ok(CallOutcome::Return(out))
            }
            Err(Halt::Trap(code)) => Ok(CallOutcome::Trap(code)),
            Err(Halt::Error(e)) => Err(e),
        }
    }

    /// Pushes a frame for function `index` with `args` bound to its entry block.
    fn push_frame(&mut self, index: usize, args: &[Val]) -> Ex<()> {
        if self.frames.len() >= MAX_CALL_DEPTH {
            return Err(Halt::Trap(TrapCode::StackOverflow));
        }
        let Some(func) = self.store.get_by_index(index) else {
            return invalid(format!("function #{index} is not in the store"));
        };
        let params = &func.signature.params;
        if params.len() != args.len() || !types_of(params).zip(args).all(|(t, a)| t == a.ty) {
            let given: Vec<String> = args.iter().map(|a| a.ty.to_string()).collect();
            return Err(Halt::Error(InterpreterError::ArgumentMismatch {
                function: store::name_key(&func.name),
                reason: format!("given ({}), signature is {}", given.join(", "), func.signature),
            }));
        }
        let Some(entry) = func.entry_block().filter(|&b| func.dfg.block_is_valid(b)) else {
            return invalid(format!("{} has no entry block", func.name));
        };
        let mut frame = Frame::new(func);
        let Some(mem) = self.memory.push_frame(&func.stack_slots, &mut frame.slot_addrs) else {
            return Err(Halt::Trap(TrapCode::StackOverflow));
        };
        frame.mem = mem;
        let block_params = func.dfg.block_params(entry);
        if block_params.len() != args.len() {
            self.memory.pop_frame(mem);
            return invalid(format!("the entry block of {} does not match its signature", func.name));
        }
        for (&p, &a) in block_params.iter().zip(args) {
            if let Err(e) = frame.set(p, a) {
                self.memory.pop_frame(mem);
                return Err(e);
            }
        }
        frame.next = func.layout.first_inst(entry);
        self.frames.push(frame);
        if func.stack_limit.is_some()
            && let Some(frame) = self.frames.last_mut()
        {
            let ctx =
                exec::Ctx { frame, mem: &mut self.memory, pinned: &mut self.pinned, store: &self.store, lanes: None };
            ctx.check_stack_limit()?;
        }
        Ok(())
    }

    /// Moves control of the top frame to `dest`, binding its parameters (parallel copy).
    /// `retN` arguments take `special[N]` on a `try_call`'s normal destination, `exnN`
    /// ones on its handlers.
    fn jump(&mut self, dest: BlockCall, special: &[Val]) -> Ex<()> {
        let Some(frame) = self.frames.last_mut() else {
            return invalid("no frame");
        };
        let func = frame.func;
        let dfg = &func.dfg;
        if !dfg.block_is_valid(dest.block) || !func.layout.is_block_inserted(dest.block) {
            return invalid(format!("branch to {}, which is not in the function", dest.block));
        }
        let args = dest.args_slice(&dfg.value_lists);
        let params = dfg.block_params(dest.block);
        if args.len() != params.len() {
            return invalid(format!("{} arguments for the {} parameters of {}", args.len(), params.len(), dest.block));
        }
        self.scratch.clear();
        for &a in args {
            let v = match BlockArg::decode(a) {
                BlockArg::Value(v) => frame.get(v)?,
                BlockArg::TryCallRet(n) | BlockArg::TryCallExn(n) => match special.get(n as usize) {
                    Some(&v) => v,
                    None => return invalid(format!("{} has no value here", BlockArg::decode(a))),
                },
            };
            self.scratch.push(v);
        }
        for (&p, &v) in params.iter().zip(&self.scratch) {
            frame.set(p, v)?;
        }
        frame.next = func.layout.first_inst(dest.block);
        Ok(())
    }

    /// Hands `vals` to the frame below the one that just returned; `None` if there is none
    /// (the top-level call is over).
    fn deliver(&mut self, vals: &[Val]) -> Ex<bool> {
        let Some(caller) = self.frames.last_mut() else {
            return Ok(false);
        };
        let Some(call) = caller.pending_call.take() else {
            return invalid("a frame returned to a caller that is not in a call");
        };
        let dfg = &caller.func.dfg;
        if let Some(table) = dfg.insts[call].exception_table() {
            let Some(t) = dfg.exception_tables.get(table) else {
                return invalid(format!("{table} is not declared"));
            };
            let normal = t.normal_return();
            let owned: Vec<Val> = vals.to_vec();
            self.jump(normal, &owned)?;
            return Ok(true);
        }
        let results = caller.func.dfg.inst_results(call);
        if results.len() != vals.len() {
            return invalid(format!("{call} expects {} results but the callee returned {}", results.len(), vals.len()));
        }
        for (&r, &v) in results.iter().zip(vals) {
            caller.set(r, v)?;
        }
        Ok(true)
    }

    /// Pops frames, innermost first, until one is stopped in a `try_call*` whose table
    /// catches `tag`, and continues that frame at the handler. False when no frame does
    /// (every frame is gone).
    fn unwind(&mut self, tag: u32, payload: u64) -> Ex<bool> {
        let exns = [Val::new(types::I64, u128::from(payload)), Val::new(types::I64, u128::from(tag))];
        while let Some(frame) = self.frames.last_mut() {
            let dfg = &frame.func.dfg;
            let handler = frame
                .pending_call
                .and_then(|call| dfg.insts[call].exception_table())
                .and_then(|t| dfg.exception_tables.get(t))
                .and_then(|t| t.handler_for(tag));
            if let Some((_, dest)) = handler {
                frame.pending_call = None;
                self.jump(dest, &exns)?;
                return Ok(true);
            }
            if let Some(done) = self.frames.pop() {
                self.memory.pop_frame(done.mem);
            }
        }
        Ok(false)
    }

    /// The run loop: executes instructions of the top frame until the first frame returns.
    fn run(&mut self, index: usize, args: Vec<Val>) -> Ex<Vec<Val>> {
        self.push_frame(index, &args)?;
        let mut steps = 0u64;
        loop {
            let Some(frame) = self.frames.last_mut() else {
                return invalid("no frame to run");
            };
            let func = frame.func;
            let Some(inst) = frame.next else {
                return invalid(format!("{}: a block ends without a terminator", func.name));
            };
            if steps >= self.step_limit {
                return Err(Halt::Error(InterpreterError::StepLimitExceeded(self.step_limit)));
            }
            steps += 1;
            frame.next = func.layout.next_inst(inst);
            let mut ctx =
                Ctx { frame, mem: &mut self.memory, pinned: &mut self.pinned, store: &self.store, lanes: None };
            let flow = exec::execute(&mut ctx, inst).map_err(|h| locate(h, func, inst))?;
            match flow {
                Flow::Next => {}
                Flow::Jump(dest) => self.jump(dest, &[]).map_err(|h| locate(h, func, inst))?,
                Flow::Throw { tag, payload } => {
                    if let Some(frame) = self.frames.last_mut() {
                        frame.pending_call = Some(inst);
                    }
                    if !self.unwind(tag, payload)? {
                        return Err(Halt::Trap(UNCAUGHT_EXCEPTION));
                    }
                }
                Flow::Return(vals) => {
                    let rets = &func.signature.returns;
                    if rets.len() != vals.len() || !types_of(rets).zip(&vals).all(|(t, v)| t == v.ty) {
                        let m = format!("`return` does not match the signature {}", func.signature);
                        return Err(locate(Halt::Error(InterpreterError::InvalidIr(m)), func, inst));
                    }
                    if let Some(done) = self.frames.pop() {
                        self.memory.pop_frame(done.mem);
                    }
                    if !self.deliver(&vals)? {
                        return Ok(vals);
                    }
                }
                Flow::Call { callee, args, tail } => {
                    if tail {
                        let same = self
                            .store
                            .get_by_index(callee)
                            .is_some_and(|g| types_of(&g.signature.returns).eq(types_of(&func.signature.returns)));
                        if !same {
                            let m = "a tail call to a function whose returns differ from this one's".to_string();
                            return Err(locate(Halt::Error(InterpreterError::InvalidIr(m)), func, inst));
                        }
                        if let Some(done) = self.frames.pop() {
                            self.memory.pop_frame(done.mem);
                        }
                    } else if let Some(frame) = self.frames.last_mut() {
                        frame.pending_call = Some(inst);
                    }
                    self.push_frame(callee, &args)?;
                }
            }
        }
    }
}

/// Adds the function and instruction to an `InvalidIr` message.
fn locate(h: Halt, func: &lathe_codegen::ir::Function, inst: Inst) -> Halt {
    match h {
        Halt::Error(InterpreterError::InvalidIr(m)) => {
            let op = func.dfg.insts.get(inst).map(|d| d.opcode().name()).unwrap_or("?");
            Halt::Error(InterpreterError::InvalidIr(format!("{}, {inst} (`{op}`): {m}", func.name)))
        }
        other => other,
    }
}

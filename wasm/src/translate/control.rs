//! Control flow: blocks, loops, ifs, branches (`br_on_null` and `br_on_non_null` too),
//! `br_table`, `return`, `unreachable`, locals, `drop` and `select` (and the frames of
//! `try_table`, whose handlers live in `exceptions`).
//!
//! Each frame remembers the stack height below its parameters, its exit block (whose
//! parameters are the frame's results) and, for a loop, its header (whose parameters are
//! the loop's parameters). A branch passes the top values of the stack as block
//! arguments. An exit block nobody branches to is never placed, and what follows it is
//! unreachable.

use super::FuncTranslator;
use crate::WasmError;
use lathe_codegen::ir::{Block, InstBuilder, JumpTableData, Type, Value};
use wasmparser::{BlockType, Operator};

/// What kind of construct a frame is.
#[derive(Debug)]
pub enum FrameKind {
    /// `block` (and the function body).
    Block,
    /// `loop`: branches go to the header.
    Loop {
        /// The header block, parameters = loop parameters.
        header: Block,
        /// The loop's ordinal (every `loop` operator in body order; `tier.rs`).
        ordinal: u32,
    },
    /// `if`.
    If {
        /// Where the false branch goes.
        else_block: Block,
        /// The parameter values on entry, for the else arm (or the implicit one).
        params: Vec<Value>,
        /// Whether `else` was seen.
        has_else: bool,
    },
    /// `try_table` (a block whose handler is `FuncTranslator::handlers`' last; see
    /// `exceptions`).
    TryTable,
    /// A construct inside unreachable code: only its nesting matters.
    Dead,
}

/// A control frame.
#[derive(Debug)]
pub struct Frame {
    /// The kind.
    pub kind: FrameKind,
    /// The exit block.
    pub dest: Block,
    /// The stack height below the frame's parameters.
    pub height: usize,
    /// How many parameters.
    pub num_params: usize,
    /// How many results.
    pub num_results: usize,
    /// Whether the frame's entry was reachable.
    pub entry_reachable: bool,
    /// Whether anything branches to (or falls into) the exit block.
    pub dest_used: bool,
}

impl Frame {
    /// A block frame.
    pub fn block(dest: Block, height: usize, num_results: usize, entry_reachable: bool) -> Frame {
        Frame { kind: FrameKind::Block, dest, height, num_params: 0, num_results, entry_reachable, dest_used: false }
    }

    /// How many values a branch to this frame carries.
    fn branch_arity(&self) -> usize {
        match self.kind {
            FrameKind::Loop { .. } => self.num_params,
            _ => self.num_results,
        }
    }

    /// The block a branch to this frame goes to.
    pub(crate) fn branch_target(&self) -> Block {
        match self.kind {
            FrameKind::Loop { header, .. } => header,
            _ => self.dest,
        }
    }
}

impl FuncTranslator<'_> {
    fn block_type(&self, bt: BlockType) -> Result<(Vec<Type>, Vec<Type>), WasmError> {
        Ok(match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![super::ir_type(t)?]),
            BlockType::FuncType(i) => {
                let ty = &self.module.types[i as usize];
                (
                    ty.params().iter().map(|&t| super::ir_type(t)).collect::<Result<_, _>>()?,
                    ty.results().iter().map(|&t| super::ir_type(t)).collect::<Result<_, _>>()?,
                )
            }
        })
    }

    fn new_block_with(&mut self, tys: &[Type]) -> Block {
        let b = self.b.create_block();
        for &t in tys {
            self.b.append_block_param(b, t);
        }
        b
    }

    /// Takes a branch to the frame `depth` levels out: returns its block and arguments,
    /// and notes the use. In an OSR entry, a branch to an enclosing loop's header goes to
    /// a transfer block instead (`tier.rs`): the operator calls
    /// [`Self::osr_fill_transfers`] once it has ended the block.
    fn branch_to(&mut self, depth: u32) -> (Block, Vec<Value>) {
        let i = self.frames.len() - 1 - depth as usize;
        let f = &mut self.frames[i];
        if !matches!(f.kind, FrameKind::Loop { .. }) {
            f.dest_used = true;
        }
        let n = f.branch_arity();
        let target = f.branch_target();
        let args = self.stack[self.stack.len() - n..].to_vec();
        let target = if self.transfers(i).is_some() { self.transfer_block(i, &args) } else { target };
        (target, args)
    }

    /// Handles control operators; false if `op` is not one.
    pub(crate) fn control(&mut self, op: &Operator<'_>) -> Result<bool, WasmError> {
        match *op {
            Operator::Nop => {}
            Operator::Unreachable => {
                self.b.ins().trap(crate::WasmTrap::Unreachable.code());
                self.reachable = false;
            }
            Operator::Block { blockty } => self.open_block(blockty, FrameKind::Block)?,
            Operator::Loop { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let header = self.new_block_with(&params);
                let dest = self.new_block_with(&results);
                let height = self.stack.len() - params.len();
                let ordinal = self.tier.next_loop;
                self.tier.next_loop += 1;
                let osr = self.tier_mode.osr_loop() == Some(ordinal);
                let outer = if osr { self.osr_outer_vars(height) } else { Vec::new() };
                let args = self.stack.split_off(height);
                if self.tier_mode.osr_loop().is_some_and(|l| ordinal <= l) {
                    // In an OSR entry, all code before the entered loop is unreachable
                    // (branches to enclosing loops leave for their own entries), so this
                    // edge is never taken: without it, a local the loop nest does not
                    // change is one value, not a header parameter, and the mid-end sees
                    // it as loop-invariant (`tier.rs`).
                    self.b.ins().trap(crate::WasmTrap::Unreachable.code());
                } else {
                    self.b.ins().jump(header, &args);
                }
                if osr {
                    self.osr_fill(header, &outer);
                }
                self.b.switch_to_block(header);
                self.stack.extend_from_slice(self.b.block_params(header));
                if osr {
                    self.osr_header(&outer);
                }
                // Counted code may leave for an OSR entry here, which enters at this
                // header and charges the iteration's fuel itself: so the count comes
                // first, and each iteration is charged once either way.
                if self.tier_mode == super::TierMode::Counted {
                    // Every loop can leave, inner ones too: an outer loop may iterate
                    // only a few times around a long inner one (measured: limiting exits
                    // to outer loops halves their code, but then a program that makes a
                    // few passes over a big loop nest runs its first pass in this tier).
                    self.tier_count(ordinal);
                }
                self.metering_checks();
                self.frames.push(Frame {
                    kind: FrameKind::Loop { header, ordinal },
                    dest,
                    height,
                    num_params: params.len(),
                    num_results: results.len(),
                    entry_reachable: true,
                    dest_used: false,
                });
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let cond = self.pop();
                let then_block = self.b.create_block();
                let else_block = self.b.create_block();
                let dest = self.new_block_with(&results);
                self.b.ins().brif(cond, then_block, &[], else_block, &[]);
                self.b.seal_block(then_block);
                self.b.seal_block(else_block);
                self.b.switch_to_block(then_block);
                let height = self.stack.len() - params.len();
                self.frames.push(Frame {
                    kind: FrameKind::If { else_block, params: self.stack[height..].to_vec(), has_else: false },
                    dest,
                    height,
                    num_params: params.len(),
                    num_results: results.len(),
                    entry_reachable: true,
                    dest_used: false,
                });
            }
            Operator::Else => self.else_op(),
            Operator::End => self.end_op(),
            Operator::Br { relative_depth } => {
                let (target, args) = self.branch_to(relative_depth);
                self.b.ins().jump(target, &args);
                self.osr_fill_transfers();
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                let (target, args) = self.branch_to(relative_depth);
                let cont = self.b.create_block();
                self.b.ins().brif(cond, target, &args, cont, &[]);
                self.osr_fill_transfers();
                self.b.seal_block(cont);
                self.b.switch_to_block(cont);
            }
            Operator::BrOnNull { relative_depth } => {
                // Null goes to the label without the reference; otherwise it stays.
                let r = self.pop();
                let (target, args) = self.branch_to(relative_depth);
                self.push(r);
                let cont = self.b.create_block();
                self.b.ins().brif(r, cont, &[], target, &args);
                self.osr_fill_transfers();
                self.b.seal_block(cont);
                self.b.switch_to_block(cont);
            }
            Operator::BrOnNonNull { relative_depth } => {
                // Non-null goes to the label with the reference as its last value;
                // otherwise the reference is dropped.
                let (target, args) = self.branch_to(relative_depth);
                let r = self.pop();
                let cont = self.b.create_block();
                self.b.ins().brif(r, target, &args, cont, &[]);
                self.osr_fill_transfers();
                self.b.seal_block(cont);
                self.b.switch_to_block(cont);
            }
            Operator::BrTable { ref targets } => {
                let index = self.pop();
                let mut calls = Vec::with_capacity(targets.len() as usize);
                for t in targets.targets() {
                    let depth = t.map_err(|e| WasmError::Invalid(e.to_string()))?;
                    let (block, args) = self.branch_to(depth);
                    calls.push(self.b.func.dfg.block_call(block, &args));
                }
                let (block, args) = self.branch_to(targets.default());
                let default = self.b.func.dfg.block_call(block, &args);
                let jt = self.b.create_jump_table(JumpTableData::new(default, &calls));
                self.b.ins().br_table(index, jt);
                self.osr_fill_transfers();
                self.reachable = false;
            }
            Operator::Return => {
                let n = self.frames[0].num_results;
                let rets = self.stack[self.stack.len() - n..].to_vec();
                self.b.ins().return_(&rets);
                self.reachable = false;
            }
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let (a, b, c) = self.pop3();
                let v = self.b.ins().select(c, a, b);
                self.push(v);
            }
            Operator::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[local_index as usize]);
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                self.b.def_var(self.locals[local_index as usize], v);
            }
            Operator::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                self.b.def_var(self.locals[local_index as usize], v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Opens a `block` (or `try_table`) frame of type `blockty`.
    pub(crate) fn open_block(&mut self, blockty: BlockType, kind: FrameKind) -> Result<(), WasmError> {
        let (params, results) = self.block_type(blockty)?;
        let dest = self.new_block_with(&results);
        let height = self.stack.len() - params.len();
        let mut f = Frame::block(dest, height, results.len(), true);
        f.kind = kind;
        f.num_params = params.len();
        self.frames.push(f);
        Ok(())
    }

    fn else_op(&mut self) {
        let reachable = self.reachable;
        let f = self.frames.last_mut().expect("validated: else inside if");
        let height = f.height;
        let n = f.num_results;
        let dest = f.dest;
        let FrameKind::If { else_block, ref params, ref mut has_else } = f.kind else {
            return; // a dead frame: its else stays unreachable
        };
        *has_else = true;
        let params = params.clone();
        if reachable {
            f.dest_used = true;
            let args = self.stack[self.stack.len() - n..].to_vec();
            self.b.ins().jump(dest, &args);
        }
        self.stack.truncate(height);
        self.stack.extend_from_slice(&params);
        self.b.switch_to_block(else_block);
        self.reachable = true;
    }

    fn end_op(&mut self) {
        let mut f = self.frames.pop().expect("validated: end closes a frame");
        if matches!(f.kind, FrameKind::Dead) {
            return;
        }
        if self.reachable {
            f.dest_used = true;
            let args = self.stack[self.stack.len() - f.num_results..].to_vec();
            self.b.ins().jump(f.dest, &args);
        }
        match f.kind {
            FrameKind::If { else_block, ref params, has_else: false } => {
                // The implicit else passes the parameters through as results.
                f.dest_used = true;
                self.b.switch_to_block(else_block);
                self.b.ins().jump(f.dest, params);
            }
            FrameKind::Loop { header, .. } => self.b.seal_block(header),
            FrameKind::TryTable => self.end_try_table(),
            _ => {}
        }
        self.stack.truncate(f.height);
        if f.dest_used {
            self.b.switch_to_block(f.dest);
            self.b.seal_block(f.dest);
            self.stack.extend_from_slice(self.b.block_params(f.dest));
            self.reachable = true;
        } else {
            self.reachable = false;
        }
    }

    /// Operators in unreachable code: only nesting and the frame boundaries matter.
    pub(crate) fn unreachable_operator(&mut self, op: &Operator<'_>) -> Result<(), WasmError> {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } | Operator::TryTable { .. } => {
                if matches!(op, Operator::Loop { .. }) {
                    // Loops are numbered in body order, reachable or not (`tier.rs`).
                    self.tier.next_loop += 1;
                }
                let dest = self.b.create_block();
                self.frames.push(Frame {
                    kind: FrameKind::Dead,
                    dest,
                    height: self.stack.len(),
                    num_params: 0,
                    num_results: 0,
                    entry_reachable: false,
                    dest_used: false,
                });
            }
            Operator::Else => {
                let entry_reachable = self.frames.last().is_some_and(|f| f.entry_reachable);
                if entry_reachable {
                    self.else_op();
                }
            }
            Operator::End => self.end_op(),
            _ => {}
        }
        Ok(())
    }
}

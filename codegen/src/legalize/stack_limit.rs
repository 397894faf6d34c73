//! `stack_limit = gvN` as IR: the entry block starts with a check that the stack pointer,
//! once the prologue has set up the frame, is not below the limit, and traps `stk_ovf`
//! otherwise. Every ISA gets it from one rewrite, run by the pipeline driver
//! (`machinst/compile.rs`) before the ISA's own legalization; the interpreter performs the
//! same comparison when it enters a frame.
//!
//! The check runs after the prologue, so the prologue's own stores (the callee-saved
//! registers, the frame record) happen before it: a limit must leave room for them above
//! any guard region. Large frames are still probed page by page (`stack_probe_interval`).
//!
//! Input: verified IR whose `Function::stack_limit` may be set. Output: the same function
//! with the check in its entry block and `stack_limit` cleared, so running it twice adds
//! nothing.

use crate::ir::{FuncCursor, Function, InstBuilder, IntCC, TrapCode};

/// Whether `func` declares a stack limit still to be expanded.
pub fn has_stack_limit(func: &Function) -> bool {
    func.stack_limit.is_some()
}

/// Inserts the stack-limit check at the top of the entry block of `func` (pointer type
/// `ptr`), and clears `func.stack_limit`.
pub fn expand_stack_limit(func: &mut Function, ptr: crate::ir::Type) {
    let Some(gv) = func.stack_limit.take() else { return };
    let Some(first) = func.entry_block().and_then(|b| func.layout.first_inst(b)) else { return };
    let mut cur = FuncCursor::new(func);
    // Inserted in order before the entry block's first instruction.
    cur.goto_inst(first);
    let limit = cur.ins().global_value(ptr, gv);
    let sp = cur.ins().get_stack_pointer(ptr);
    let below = cur.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
    cur.ins().trapnz(below, TrapCode::StackOverflow);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_functions;

    #[test]
    fn the_check_opens_the_entry_block_once() {
        let src = "function %f(i64 vmctx) -> i64 {\n    gv0 = vmctx\n    stack_limit = gv0\nblock0(v0: i64):\n    return v0\n}";
        let mut f = parse_functions(src).unwrap().remove(0);
        assert!(has_stack_limit(&f));
        expand_stack_limit(&mut f, crate::ir::types::I64);
        assert!(!has_stack_limit(&f));
        expand_stack_limit(&mut f, crate::ir::types::I64);
        let text = f.to_string();
        assert!(!text.contains("stack_limit"), "{text}");
        assert_eq!(text.matches("get_stack_pointer").count(), 1, "{text}");
        let first = text.lines().find(|l| l.contains(" = ") && !l.contains("gv0 = ")).unwrap();
        assert!(first.contains("global_value.i64 gv0"), "{text}");
        assert!(text.contains("icmp ult") && text.contains("trapnz") && text.contains("stk_ovf"), "{text}");
        crate::verifier::verify_function(&f).unwrap();
    }
}

//! Turning hardware traps in JIT code into trap codes, with the process carrying on.
//!
//! Design: Rust calls JIT code only through the host architecture's entry stub
//! (`<arch>/stub.rs`), which saves its callee-saved registers and stack pointer in the
//! call's `CallBlock` and calls an entry trampoline compiled from IR (`crate::entry`).
//! The interrupted context is read and rewritten through a small per-architecture table
//! (`<arch>/context.rs`: PC, SP, resume). Before
//! the call, [`call_in_context`] pushes the block on a per-thread linked list (a
//! thread-local pointer to the innermost block, each block pointing at the enclosing one),
//! so nested calls (JIT → host → JIT) each have their own context; it pops it afterwards.
//! Process-wide `sigaction` handlers for SIGILL, SIGFPE, SIGSEGV, SIGBUS and SIGTRAP
//! (`signals`) run on a per-thread alternate signal stack, so a stack overflow can be
//! handled too. When the faulting PC lies in a registered JIT function (`registry`) and the
//! thread has an active block, the handler picks the trap code, rewrites the interrupted
//! context (PC = the stub's landing code, SP = the block's saved stack pointer, the first
//! two argument registers = the block and the encoded code) and returns; the kernel resumes at the landing
//! code, which records the trap and returns to Rust as from a normal call. Everything
//! between the stub and the fault is JIT code, so no Rust frame is skipped. Faults
//! anywhere else go to the handler that was installed before ours (or the default action).
//!
//! Choosing the code: a SIGSEGV/SIGBUS whose fault address is in the thread's stack guard
//! zone is `stk_ovf`; otherwise an exact trap site at the PC gives its code; otherwise
//! SIGSEGV/SIGBUS give `heap_oob`, SIGFPE gives `int_divz`, and SIGILL/SIGTRAP give
//! [`DEFAULT_ILLEGAL_INSTRUCTION_TRAP`].
//!
//! Limits:
//! - Host code called from JIT code must re-enter JIT code only through
//!   `JitModule::call` (which pushes a new context); JIT code entered any other way (a raw
//!   function pointer) that traps would resume at the outer stub and skip the host
//!   frames in between. A fault in JIT code with no active context is not handled.
//! - Stack overflow is recognised from the thread's stack bounds. A main thread under
//!   `ulimit -s unlimited` has no bound: its stack grows until memory runs out. Code that
//!   must survive unbounded recursion should run on a thread with a fixed stack size (or
//!   the backend should emit stack-limit checks).
//! - A host function that panics aborts the process (`extern "C"` functions do not unwind).
//! - The handler takes the registry's read lock. If a host function (called from JIT code)
//!   faults while holding a lock that a thread registering a module waits for (the
//!   allocator's, say), the handler waits behind that writer and the two deadlock. Such a
//!   fault is a host bug that would end the process anyway.

pub(crate) mod registry;
mod signals;
mod thread;

/// The lowest address of the calling thread's stack, when the system can tell. Runtimes
/// use it to set a stack limit that compiled code checks before the guard page is near.
pub fn thread_stack_low() -> Option<usize> {
    Some(thread::stack_low()).filter(|&low| low != 0)
}

use crate::host::stub::{CallBlock, EntryStub};
use std::cell::Cell;

thread_local! {
    /// The tag and payload of the last exception that no frame caught on this thread.
    static UNCAUGHT: Cell<Option<(u32, u64)>> = const { Cell::new(None) };
}

/// The tag and payload of the exception that ended this thread's last call with the
/// trap `UNCAUGHT_EXCEPTION` (a call of the throw helper no `try_call` caught), taken
/// (the next call returns `None` until another such exception). Runtimes use it to hand
/// the exception to the host.
pub fn take_uncaught_exception() -> Option<(u32, u64)> {
    UNCAUGHT.with(Cell::take)
}

/// Records the exception that no frame caught, for [`take_uncaught_exception`].
pub(crate) fn set_uncaught_exception(tag: u32, payload: u64) {
    UNCAUGHT.with(|c| c.set(Some((tag, payload))));
}
use lathe_codegen::ir::TrapCode;

pub(crate) use signals::install_handlers;

/// The trap code reported for an illegal instruction (SIGILL, or SIGTRAP from `int3`) in
/// JIT code at an offset that has no trap site. The backend records a site for every
/// `ud2` it emits, so this only shows up for code-generation bugs or hand-written code;
/// `user250` is reserved for it (embedders should not rely on user250 for their own use).
pub const DEFAULT_ILLEGAL_INSTRUCTION_TRAP: TrapCode = TrapCode::User(TrapCode::MAX_USER);

/// Encodes a trap code as the word the landing code stores.
fn encode_trap(code: TrapCode) -> u64 {
    match code {
        TrapCode::StackOverflow => 1,
        TrapCode::IntegerOverflow => 2,
        TrapCode::HeapOutOfBounds => 3,
        TrapCode::IntegerDivisionByZero => 4,
        TrapCode::BadConversionToInteger => 5,
        TrapCode::User(n) => 0x100 + n as u64,
    }
}

/// Decodes a word written by [`encode_trap`].
pub(crate) fn decode_trap(word: u64) -> TrapCode {
    match word {
        1 => TrapCode::StackOverflow,
        2 => TrapCode::IntegerOverflow,
        3 => TrapCode::HeapOutOfBounds,
        4 => TrapCode::IntegerDivisionByZero,
        5 => TrapCode::BadConversionToInteger,
        w => TrapCode::User((w - 0x100) as u8),
    }
}

/// Where to resume so that the innermost active call of this thread ends with a trap, as
/// the signal handler resumes it: the landing code, the block's saved stack pointer, and
/// the landing code's two arguments.
pub(crate) struct TrapExit {
    /// The stub's landing code.
    pub landing: usize,
    /// The stack pointer to resume with.
    pub sp: u64,
    /// The first argument (rdi on x86-64): the block.
    pub block: u64,
    /// The second argument: the encoded trap code.
    pub word: u64,
}

/// The [`TrapExit`] for ending this thread's innermost active call with `code`, recorded
/// as raised at `pc`; `None` without an active call. For the exception thrower.
pub(crate) fn trap_exit(pc: usize, code: TrapCode) -> Option<TrapExit> {
    let block = thread::current();
    if block.is_null() {
        return None;
    }
    // SAFETY: `block` is this thread's innermost live block (pushed before the stub call,
    // popped after it returns), and this thread is inside that call.
    let sp = unsafe {
        (*block).trap_pc = pc as u64;
        (*block).trace_len = 0;
        (*block).saved_rsp
    };
    Some(TrapExit { landing: signals::landing(), sp, block: block as u64, word: encode_trap(code) })
}

/// Calls the entry stub with `block` as the innermost trap context of this thread.
///
/// # Safety
/// As for [`EntryStub::call`]: `block` must be valid for the call, its target an entry
/// trampoline for its callee's signature and its buffer as large as that one uses.
pub(crate) unsafe fn call_in_context(tramp: &EntryStub, block: &mut CallBlock) -> std::io::Result<()> {
    install_handlers()?;
    thread::ensure_alt_stack()?;
    block.stack_low = thread::stack_low() as u64;
    let ptr: *mut CallBlock = block;
    let prev = thread::push(ptr);
    // SAFETY: `ptr` comes from a live `&mut CallBlock` used by nothing else during the
    // call; the caller guarantees the rest (see above).
    unsafe { tramp.call(ptr) };
    thread::pop(prev);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_codes_round_trip() {
        let mut all = vec![
            TrapCode::StackOverflow,
            TrapCode::IntegerOverflow,
            TrapCode::HeapOutOfBounds,
            TrapCode::IntegerDivisionByZero,
            TrapCode::BadConversionToInteger,
        ];
        all.extend((1..=TrapCode::MAX_USER).map(TrapCode::User));
        for code in all {
            assert_eq!(decode_trap(encode_trap(code)), code);
        }
    }
}

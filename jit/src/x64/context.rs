//! The x86-64 Linux entries of the trap handler's per-architecture table: where the
//! interrupted context keeps the program counter and stack pointer, and how to resume at
//! the entry stub's landing code with its two arguments.
//!
//! A port to another architecture supplies the same four functions over its `ucontext_t`
//! (aarch64: `pc`, `sp`, `regs[0]`, `regs[1]`; riscv64: `__gregs[0]`, `__gregs[2]`,
//! `__gregs[10]`, `__gregs[11]`; s390x: `psw.addr`, `gregs[15]`, `gregs[2]`, `gregs[3]`).

/// The program counter of the interrupted context.
///
/// # Safety
/// `uc` must be the `ucontext_t` the kernel passed to a signal handler that is running.
pub(crate) unsafe fn pc(uc: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `uc` is the live handler context.
    unsafe { (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] as usize }
}

/// The stack pointer of the interrupted context.
///
/// # Safety
/// As for [`pc`].
pub(crate) unsafe fn sp(uc: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `uc` is the live handler context.
    unsafe { (*uc).uc_mcontext.gregs[libc::REG_RSP as usize] as usize }
}

/// The frame pointer (rbp) of the interrupted context.
///
/// # Safety
/// As for [`pc`].
pub(crate) unsafe fn fp(uc: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `uc` is the live handler context.
    unsafe { (*uc).uc_mcontext.gregs[libc::REG_RBP as usize] as usize }
}

/// Makes the context resume at `pc` with stack pointer `sp` and the first two integer
/// argument registers (rdi, rsi) set to `arg0` and `arg1`.
///
/// # Safety
/// As for [`pc`], and the handler must return right after, so the kernel resumes there.
pub(crate) unsafe fn resume(uc: *mut libc::ucontext_t, pc: usize, sp: usize, arg0: u64, arg1: u64) {
    // SAFETY: the caller guarantees `uc` is the live handler context, ours to modify.
    let gregs = unsafe { &mut (*uc).uc_mcontext.gregs };
    gregs[libc::REG_RIP as usize] = pc as i64;
    gregs[libc::REG_RSP as usize] = sp as i64;
    gregs[libc::REG_RDI as usize] = arg0 as i64;
    gregs[libc::REG_RSI as usize] = arg1 as i64;
}

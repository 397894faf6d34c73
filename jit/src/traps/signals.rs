//! The process-wide signal handlers that resume trapped JIT code at the entry stub's
//! landing code, and chaining to the handlers installed before ours.
//!
//! Installed once per process (thread-safe through a `OnceLock`), with `SA_ONSTACK` so they
//! run on the thread's alternate signal stack (a stack overflow leaves no room on the
//! normal stack). The previous actions are recorded before ours replace them, so a fault
//! outside JIT code reaches them (the Rust runtime's stack-overflow reporter, a debugger
//! helper, or the default action). A handler installed by someone else after ours does
//! not reach us; that is their chaining to do.

use super::registry;
use super::thread;
use super::{DEFAULT_ILLEGAL_INSTRUCTION_TRAP, encode_trap};
use crate::host::context;
use crate::host::stub::stub;
use lathe_codegen::ir::TrapCode;
use libc::c_int;
use std::io;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The signals a trap in JIT code can raise.
const SIGNALS: [c_int; 5] = [libc::SIGILL, libc::SIGFPE, libc::SIGSEGV, libc::SIGBUS, libc::SIGTRAP];

/// The actions in place before ours, in the order of [`SIGNALS`].
static PREVIOUS: OnceLock<[libc::sigaction; SIGNALS.len()]> = OnceLock::new();
/// The outcome of the one installation.
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
/// The trampoline's landing address, read by the handler.
static LANDING: AtomicUsize = AtomicUsize::new(0);

/// How far below the lowest stack address a fault still counts as a stack overflow: the
/// guard area of a thread stack (glibc's guard pages, the kernel's gap below the main stack).
const GUARD_ZONE: usize = 1 << 20;
/// Without known stack bounds, a fault this close to the stack pointer is an overflow.
const NEAR_SP: usize = 64 * 1024;

/// The entry stub's landing address (set when the handlers are installed, before any
/// call through the stub).
pub(super) fn landing() -> usize {
    LANDING.load(Ordering::Acquire)
}

/// Installs the handlers, once per process.
pub(crate) fn install_handlers() -> io::Result<()> {
    INSTALLED.get_or_init(|| install().map_err(|e| e.to_string())).clone().map_err(io::Error::other)
}

fn install() -> io::Result<()> {
    LANDING.store(stub()?.landing(), Ordering::Release);
    // SAFETY: sigaction is plain data; all-zero is a valid (default, empty-mask) value.
    let mut previous: [libc::sigaction; SIGNALS.len()] = unsafe { std::mem::zeroed() };
    for (sig, prev) in SIGNALS.iter().zip(previous.iter_mut()) {
        // SAFETY: a null new action only queries the current one into a valid local.
        if unsafe { libc::sigaction(*sig, std::ptr::null(), prev) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    // Recorded before ours go in, so the handler always finds them.
    let _ = PREVIOUS.set(previous);
    // SAFETY: as above, zero is a valid starting value.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = handler as *const () as usize;
    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
    // SAFETY: initialises the mask of a valid local.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    for sig in SIGNALS {
        // SAFETY: `handler` has the SA_SIGINFO signature and is async-signal-safe (see
        // there); the action is a valid local.
        if unsafe { libc::sigaction(sig, &action, std::ptr::null_mut()) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The signal handler. Async-signal-safe: it reads a thread-local pointer, takes a shared
/// lock the interrupted JIT code cannot hold, does no allocation, and preserves errno.
extern "C" fn handler(sig: c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo and ucontext for an SA_SIGINFO handler, and
    // errno's location is valid for the thread.
    unsafe {
        let errno = libc::__errno_location();
        let saved = *errno;
        let resumed = try_resume(sig, info, ctx.cast());
        *errno = saved;
        if !resumed {
            chain(sig, info, ctx);
        }
    }
}

/// Redirects the interrupted context to the landing code if the fault is a trap in JIT
/// code called through the entry stub on this thread.
///
/// # Safety
/// `info` and `uc` must be the handler's arguments.
unsafe fn try_resume(sig: c_int, info: *mut libc::siginfo_t, uc: *mut libc::ucontext_t) -> bool {
    let block = thread::current();
    if block.is_null() {
        return false;
    }
    // SAFETY: the kernel's ucontext is valid and ours to modify until the handler returns.
    let pc = unsafe { context::pc(uc) };
    // `int3` reports the address after itself.
    let fault_pc = if sig == libc::SIGTRAP { pc.wrapping_sub(1) } else { pc };
    let Some(site) = registry::lookup(fault_pc) else {
        return false;
    };
    // SAFETY: as above.
    let rsp = unsafe { context::sp(uc) };
    // SAFETY: `block` is the innermost live block of this thread (pushed before the
    // stub call, popped after it returns), and `info` is the kernel's siginfo.
    let (stack_low, saved_rsp, fault_addr) =
        unsafe { ((*block).stack_low as usize, (*block).saved_rsp, (*info).si_addr() as usize) };
    let is_access = sig == libc::SIGSEGV || sig == libc::SIGBUS;
    let code = if is_access && is_stack_overflow(fault_addr, rsp, stack_low) {
        TrapCode::StackOverflow
    } else if let Some(code) = site {
        code
    } else if is_access {
        TrapCode::HeapOutOfBounds
    } else if sig == libc::SIGFPE {
        TrapCode::IntegerDivisionByZero
    } else {
        DEFAULT_ILLEGAL_INSTRUCTION_TRAP
    };
    // SAFETY: `block` is this thread's innermost live block (see above).
    unsafe { (*block).trap_pc = fault_pc as u64 };
    // SAFETY: as above, and `uc` is the handler's context.
    unsafe { record_trace(block, context::fp(uc), rsp, saved_rsp as usize) };
    let landing = LANDING.load(Ordering::Acquire);
    // SAFETY: as above; the handler returns right after.
    unsafe { context::resume(uc, landing, saved_rsp as usize, block as u64, encode_trap(code)) };
    true
}

/// Records in `block` the return addresses of the JIT frames that called the trapping
/// one, walking the frame-pointer chain from `fp` (every Lathe frame saves the caller's
/// frame pointer at [fp] and has its return address at [fp + 8]). Only words inside the
/// call's own stack range `[sp, top)` are read, and the walk stops at the first return
/// address outside JIT code (the entry stub), so a frame without a frame pointer ends
/// the trace early but never misleads it into other memory.
///
/// # Safety
/// `block` must be this thread's innermost live call block; `sp` and `top` the bounds of
/// the stack the JIT call runs on (the trapping stack pointer and the stub's saved one).
unsafe fn record_trace(block: *mut crate::host::stub::CallBlock, mut fp: usize, sp: usize, top: usize) {
    let mut n = 0;
    while n < crate::host::stub::TRACE_LEN
        && fp >= sp
        && fp.is_multiple_of(8)
        && fp.checked_add(16).is_some_and(|end| end <= top)
    {
        // SAFETY: `fp .. fp + 16` lies within `[sp, top)`, this thread's live stack.
        let (next, ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        if registry::lookup(ret.wrapping_sub(1)).is_none() {
            break;
        }
        // SAFETY: as in the caller.
        unsafe { (*block).trace[n] = ret as u64 };
        n += 1;
        if next <= fp {
            break;
        }
        fp = next;
    }
    // SAFETY: as in the caller.
    unsafe { (*block).trace_len = n as u64 };
}

/// Whether a bad access at `addr` is the stack running out.
fn is_stack_overflow(addr: usize, rsp: usize, stack_low: usize) -> bool {
    if stack_low != 0 {
        addr >= stack_low.saturating_sub(GUARD_ZONE) && addr < stack_low + 4096
    } else {
        addr.abs_diff(rsp) < NEAR_SP
    }
}

/// Passes a signal we do not handle to the previous action.
///
/// # Safety
/// The arguments must be the handler's.
unsafe fn chain(sig: c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let prev = PREVIOUS.get().and_then(|p| SIGNALS.iter().position(|s| *s == sig).map(|i| &p[i]));
    let action = prev.map_or(libc::SIG_DFL, |p| p.sa_sigaction);
    // SAFETY: `info` is the kernel's siginfo.
    let sent_by_process = unsafe { (*info).si_code } <= 0;
    if action == libc::SIG_IGN && sent_by_process {
        return;
    }
    if action == libc::SIG_DFL || action == libc::SIG_IGN {
        // Restore the default action; a hardware fault then happens again when the
        // instruction re-executes, and a signal sent by a process is raised again.
        // SAFETY: installs the default action from a valid zeroed local.
        unsafe {
            let mut dfl: libc::sigaction = std::mem::zeroed();
            dfl.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(sig, &dfl, std::ptr::null_mut());
            if sent_by_process {
                libc::raise(sig);
            }
        }
        return;
    }
    let flags = prev.map_or(0, |p| p.sa_flags);
    if flags & libc::SA_SIGINFO != 0 {
        // SAFETY: the previous owner registered this address as an SA_SIGINFO handler.
        let f: extern "C" fn(c_int, *mut libc::siginfo_t, *mut libc::c_void) = unsafe { std::mem::transmute(action) };
        f(sig, info, ctx);
    } else {
        // SAFETY: the previous owner registered this address as a plain handler.
        let f: extern "C" fn(c_int) = unsafe { std::mem::transmute(action) };
        f(sig);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_overflow_zone() {
        let low = 0x10_0000_0000usize;
        assert!(is_stack_overflow(low - 8, 0, low));
        assert!(is_stack_overflow(low + 100, 0, low));
        assert!(!is_stack_overflow(low + 8192, 0, low));
        assert!(!is_stack_overflow(0, 0, low));
        assert!(is_stack_overflow(0x5000 - 8, 0x5000, 0));
        assert!(!is_stack_overflow(0, 0x100000, 0));
    }
}

//! The exception thrower for x86-64 JIT code: the function JIT code calls for
//! `%__lathe_throw(i32 tag, i64 payload)` (docs/ir.md, "Exceptions").
//!
//! It walks the frame-pointer chain of JIT frames, innermost first (every x86-64 function
//! Lathe compiles keeps `push rbp; mov rbp, rsp` frames). For each frame it knows the
//! return address into it, its frame pointer, and its stack pointer as it was at the call
//! (`rsp + 8` at the thrower's entry; for an outer frame, the inner frame's `rbp + 16`).
//! The registry (`traps::registry`) maps a return address to its `try_call`'s handlers;
//! the first frame with a handler for the tag is resumed at the landing pad with rsp and
//! rbp restored, rax = payload and rdx = tag. Nothing else needs restoring: a `try_call`
//! clobbers every allocatable register, so no value lives in a register across it, and
//! the function saved in its prologue every callee-saved register it (or its `try_call`)
//! writes, restoring them for its own caller in its epilogue.
//!
//! Limits: only JIT frames are walked. Reaching a return address outside JIT code (the
//! entry trampoline's caller, or a host function that called back into JIT code) ends the
//! walk: the innermost `JitModule::call` of the thread then ends with the trap
//! [`UNCAUGHT_EXCEPTION`], exactly as a hardware trap would (and, like one, skips host
//! frames between it and the thrower, which must not exist; see `traps`), with the tag
//! and payload kept for `take_uncaught_exception`.

use crate::traps::registry;
use lathe_codegen::ir::UNCAUGHT_EXCEPTION;
use std::arch::{asm, naked_asm};

/// The address JIT code calls for `%__lathe_throw`.
pub(crate) fn address() -> usize {
    throw_entry as *const () as usize
}

/// The entry, System V (rdi = tag, rsi = payload): passes the caller's return address
/// (at `[rsp]`), its stack pointer before the call (`rsp + 8`) and its frame pointer
/// (rbp, which nothing has changed yet) to [`unwind`], which never returns. The extra
/// 8 bytes keep the stack 16-byte aligned at `unwind`'s entry.
#[unsafe(naked)]
extern "sysv64" fn throw_entry(tag: u32, payload: u64) -> ! {
    naked_asm!(
        "mov rdx, [rsp]",
        "lea rcx, [rsp + 8]",
        "mov r8, rbp",
        "sub rsp, 8",
        "call {unwind}",
        "ud2",
        unwind = sym unwind,
    )
}

/// Finds the frame that catches `tag` and resumes it (see the module comment).
extern "sysv64" fn unwind(tag: u32, payload: u64, mut ret: usize, mut sp: usize, mut fp: usize) -> ! {
    loop {
        match registry::lookup_handler(ret, tag) {
            Some(Some(landing)) => {
                // SAFETY: `sp` and `fp` are the stack and frame pointers of the live JIT
                // frame that `ret` returns into, as they were during its call, and
                // `landing` is a landing pad of that call, which expects exactly this
                // state (rax, rdx: the payload values). The frames below, ours included,
                // are abandoned; none holds anything that needs dropping.
                unsafe {
                    asm!(
                        "mov rsp, {sp}",
                        "mov rbp, {fp}",
                        "jmp {landing}",
                        sp = in(reg) sp,
                        fp = in(reg) fp,
                        landing = in(reg) landing,
                        in("rax") payload,
                        in("rdx") u64::from(tag),
                        options(noreturn),
                    )
                }
            }
            Some(None) => {
                // SAFETY: `fp` is the frame pointer of a JIT frame (its return address
                // lies in JIT code), whose prologue pushed the caller's rbp at `[fp]`
                // below the return address at `[fp + 8]`.
                let (caller_fp, caller_ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
                sp = fp + 16;
                ret = caller_ret;
                fp = caller_fp;
            }
            None => break,
        }
    }
    let _ = sp;
    crate::traps::set_uncaught_exception(tag, payload);
    match crate::traps::trap_exit(ret, UNCAUGHT_EXCEPTION) {
        Some(exit) => {
            // SAFETY: `exit` is the innermost live call block's resume point: its saved
            // stack pointer and the stub's landing code, which records the trap and
            // returns to Rust as the trap handler's resume does.
            unsafe {
                asm!(
                    "mov rsp, {sp}",
                    "jmp {landing}",
                    sp = in(reg) exit.sp,
                    landing = in(reg) exit.landing,
                    in("rdi") exit.block,
                    in("rsi") exit.word,
                    options(noreturn),
                )
            }
        }
        // JIT code called without the entry stub: there is nowhere to go back to.
        None => std::process::abort(),
    }
}

//! The x86-64 entry stub: the one piece of hand-written machine code Rust calls.
//!
//! It knows no calling convention but the host's for two pointers: it saves rbp and the
//! callee-saved rbx, r12-r15, stores its stack pointer in the [`CallBlock`]
//! (`saved_rsp`) so the trap handler can come back here, and calls the block's `target`,
//! an entry trampoline compiled from IR (`crate::entry`), as `target(callee, args)` under
//! System V. That trampoline loads the arguments from the buffer, calls `callee` with its
//! real signature, and stores the results back; everything about the callee's convention
//! is compiled code made by the backend's ABI layer.
//!
//! The landing label is where the trap handler resumes a trapped call: the handler sets
//! rsp to `saved_rsp`, rdi to the block and rsi to the encoded trap code. The landing code
//! stores the trap flag and code into the block, restores the callee-saved registers and
//! returns normally to Rust. No Rust frame is ever skipped: everything between the stub
//! and the fault is JIT code, which has no destructors.
//!
//! The stub is placed once per process in its own read+execute page and never freed.

use crate::debug::FrameRegistration;
use crate::debug::gdb::GdbRegistration;
use crate::memory::CodeRegion;
use lathe_codegen::machinst::{CompiledCode, DwarfReg, UnwindInst, UnwindRecord};
use lathe_object::image::ImageFunction;
use std::mem::offset_of;
use std::sync::OnceLock;

/// The block shared by Rust, the stub and the trap handler. Field offsets are baked into
/// the stub's bytes (checked below).
#[repr(C)]
pub(crate) struct CallBlock {
    /// The entry trampoline to call.
    pub target: u64,
    /// Its first argument: the function it calls.
    pub callee: u64,
    /// Its second argument: the argument and result buffer.
    pub args: *mut u128,
    /// Set to 1 by the landing code when the call trapped.
    pub trapped: u64,
    /// The encoded trap code (see `traps::encode_trap`), valid when `trapped` is 1.
    pub trap_word: u64,
    /// The stub's stack pointer after saving registers; the handler resumes here.
    pub saved_rsp: u64,
    /// The enclosing active call on this thread (a nested call's outer block), or null.
    pub prev: *mut CallBlock,
    /// The lowest address of this thread's stack (0 if unknown), to recognise overflows.
    pub stack_low: u64,
    /// The address of the trapping instruction, set by the signal handler with `trapped`.
    pub trap_pc: u64,
    /// The return addresses of the JIT frames below the trapping one, innermost first,
    /// read by the signal handler from the frame-pointer chain (`trace_len` of them).
    pub trace: [u64; TRACE_LEN],
    /// How many entries of `trace` are valid.
    pub trace_len: u64,
}

/// The most frames a trap's backtrace records.
pub const TRACE_LEN: usize = 32;

impl CallBlock {
    /// A block that calls the entry trampoline `target` for `callee` with buffer `args`.
    pub(crate) fn new(target: usize, callee: usize, args: *mut u128) -> Self {
        Self {
            target: target as u64,
            callee: callee as u64,
            args,
            trapped: 0,
            trap_word: 0,
            saved_rsp: 0,
            prev: std::ptr::null_mut(),
            stack_low: 0,
            trap_pc: 0,
            trace: [0; TRACE_LEN],
            trace_len: 0,
        }
    }
}

// The stub's bytes below use these offsets as immediates.
const _: () = {
    assert!(offset_of!(CallBlock, target) == 0);
    assert!(offset_of!(CallBlock, callee) == 8);
    assert!(offset_of!(CallBlock, args) == 16);
    assert!(offset_of!(CallBlock, trapped) == 24);
    assert!(offset_of!(CallBlock, trap_word) == 32);
    assert!(offset_of!(CallBlock, saved_rsp) == 40);
};

/// The stub entry, `extern "sysv64" fn(block: *mut CallBlock)`.
#[rustfmt::skip]
const ENTRY: &[u8] = &[
    0x55,                                     // push rbp
    0x48, 0x89, 0xe5,                         // mov rbp, rsp
    0x53,                                     // push rbx
    0x41, 0x54,                               // push r12
    0x41, 0x55,                               // push r13
    0x41, 0x56,                               // push r14
    0x41, 0x57,                               // push r15
    0x48, 0x83, 0xec, 0x08,                   // sub rsp, 8            ; rsp is now 16-byte aligned
    0x48, 0x89, 0xfb,                         // mov rbx, rdi          ; block in a callee-saved reg
    0x48, 0x89, 0x63, 0x28,                   // mov [rbx+40], rsp     ; saved_rsp
    0x48, 0x8b, 0x7b, 0x08,                   // mov rdi, [rbx+8]      ; callee
    0x48, 0x8b, 0x73, 0x10,                   // mov rsi, [rbx+16]     ; args
    0xff, 0x13,                               // call [rbx]            ; the entry trampoline
    0x48, 0x8d, 0x65, 0xd8,                   // lea rsp, [rbp-40]
    0x41, 0x5f,                               // pop r15
    0x41, 0x5e,                               // pop r14
    0x41, 0x5d,                               // pop r13
    0x41, 0x5c,                               // pop r12
    0x5b,                                     // pop rbx
    0x5d,                                     // pop rbp
    0xc3,                                     // ret
];

/// The landing code. Entered from the trap handler with rsp = `saved_rsp`, rdi = the block,
/// rsi = the encoded trap code.
#[rustfmt::skip]
const LANDING: &[u8] = &[
    0x48, 0xc7, 0x47, 0x18, 0x01, 0x00, 0x00, 0x00, // mov qword [rdi+24], 1 ; trapped
    0x48, 0x89, 0x77, 0x20,                   // mov [rdi+32], rsi     ; trap_word
    0x48, 0x83, 0xc4, 0x08,                   // add rsp, 8            ; undo the alignment slot
    0x41, 0x5f,                               // pop r15
    0x41, 0x5e,                               // pop r14
    0x41, 0x5d,                               // pop r13
    0x41, 0x5c,                               // pop r12
    0x5b,                                     // pop rbx
    0x5d,                                     // pop rbp
    0xc3,                                     // ret                   ; back to Rust, as from a normal return
];

/// Offset of the landing code from the stub entry (the landing code follows a 16-byte
/// aligned gap of int3 bytes).
const LANDING_OFFSET: usize = ENTRY.len().next_multiple_of(16);

/// The placed stub.
pub(crate) struct EntryStub {
    /// ENTRY's unwind table, so backtraces from JIT code reach the Rust caller, for the
    /// system unwinder and for gdb.
    _gdb: GdbRegistration,
    _frames: Option<FrameRegistration>,
    _region: CodeRegion,
    entry: usize,
    landing: usize,
}

impl EntryStub {
    /// The landing address the trap handler resumes at.
    pub(crate) fn landing(&self) -> usize {
        self.landing
    }

    /// Calls the stub with `block`.
    ///
    /// # Safety
    /// `block` must be valid for reads and writes for the whole call, and its target an
    /// entry trampoline (System V, two pointer arguments) compiled for the signature of
    /// `callee`, with `args` a buffer of the size that trampoline reads and writes.
    pub(crate) unsafe fn call(&self, block: *mut CallBlock) {
        // SAFETY: `entry` is the start of ENTRY, placed in a sealed read+execute region that
        // is never freed; ENTRY follows the sysv64 convention for one pointer argument and
        // no result, and preserves every callee-saved register (also when it comes back
        // through LANDING).
        let f: unsafe extern "sysv64" fn(*mut CallBlock) = unsafe { std::mem::transmute(self.entry) };
        // SAFETY: the caller guarantees the block's validity (see above).
        unsafe { f(block) }
    }
}

static STUB: OnceLock<Result<EntryStub, String>> = OnceLock::new();

/// The process-wide stub, placed on first use.
pub(crate) fn stub() -> Result<&'static EntryStub, std::io::Error> {
    STUB.get_or_init(|| place().map_err(|e| e.to_string())).as_ref().map_err(|e| std::io::Error::other(e.clone()))
}

/// What ENTRY does to its frame, for unwinders walking from JIT code back into Rust: the
/// DWARF numbers of rbp (6), rbx (3) and r12-r15 (12-15), and the CFA on rbp + 16 once the
/// frame pointer is set. Unwinding only ever starts at the return address of its call.
fn entry_unwind() -> Vec<UnwindRecord> {
    let at = |offset, inst| UnwindRecord { offset, inst };
    let saved = |offset, reg, cfa_offset| at(offset, UnwindInst::Saved { reg: DwarfReg(reg), offset: cfa_offset });
    vec![
        at(1, UnwindInst::CfaSp { offset: 16 }),
        saved(1, 6, -16),
        at(4, UnwindInst::CfaFp { reg: DwarfReg(6), offset: 16 }),
        saved(5, 3, -24),
        saved(7, 12, -32),
        saved(9, 13, -40),
        saved(11, 14, -48),
        saved(13, 15, -56),
    ]
}

fn place() -> std::io::Result<EntryStub> {
    let mut region = CodeRegion::new(LANDING_OFFSET + LANDING.len())?;
    let bytes = region.bytes_mut();
    bytes.fill(0xcc);
    bytes[..ENTRY.len()].copy_from_slice(ENTRY);
    bytes[LANDING_OFFSET..LANDING_OFFSET + LANDING.len()].copy_from_slice(LANDING);
    region.seal()?;
    let entry = region.base();
    let code = CompiledCode { code: ENTRY.to_vec(), unwind: entry_unwind(), ..CompiledCode::default() };
    let described = [ImageFunction { name: "lathe_entry_stub", address: entry as u64, code: &code }];
    let frames = FrameRegistration::register(&described).map_err(std::io::Error::other)?;
    // gdb reads frames only from symbol files: a debugger that stops in JIT code unwinds
    // through the stub with this one (a few hundred bytes, once per process).
    let gdb = GdbRegistration::register(&described, None).map_err(std::io::Error::other)?;
    Ok(EntryStub { _gdb: gdb, _frames: frames, _region: region, entry, landing: entry + LANDING_OFFSET })
}

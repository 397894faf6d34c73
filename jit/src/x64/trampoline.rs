//! The x86-64 call trampoline: the one piece of machine code that Rust calls directly.
//!
//! Rust never calls JIT code through a function type of the JIT function's own signature.
//! It fills a [`CallBlock`] (register values, stack words, target) and calls the trampoline
//! as `extern "sysv64" fn(*mut CallBlock)`. The trampoline:
//! 1. saves rbp and the callee-saved rbx, r12-r15, and stores its stack pointer in the
//!    block (`saved_rsp`), so the trap handler can come back here;
//! 2. pushes the stack argument words (last first, padding so rsp is 16-byte aligned at
//!    the call), loads xmm0-7 and rdi, rsi, rdx, rcx, r8, r9, and calls the target;
//! 3. stores rax, rdx, xmm0, xmm1 into the block and returns.
//!
//! The same trampoline calls System V and Windows x64 (`windows_fastcall`) targets: the
//! block is filled for the target's convention (`args`), so a Windows target finds its
//! arguments in rcx, rdx, r8, r9 and xmm0-3 and its shadow space as the first four stack
//! words; the registers it does not use are loaded with zeros, which it ignores. Windows
//! callees preserve every register System V callees do (and rdi, rsi, xmm6-15 besides),
//! so the trampoline's saves hold for both.
//!
//! The landing label is where the trap handler resumes a trapped call: the handler sets
//! rsp to `saved_rsp`, rdi to the block and rsi to the encoded trap code. The landing code
//! stores the trap flag and code into the block, restores the callee-saved registers and
//! returns normally to Rust. No Rust frame is ever skipped: everything between the
//! trampoline and the fault is JIT code, which has no destructors.
//!
//! The trampoline is placed once per process in its own read+execute page and never freed.

use crate::memory::CodeRegion;
use std::mem::offset_of;
use std::sync::OnceLock;

/// The argument and result block shared by Rust, the trampoline and the trap handler.
/// Field offsets are baked into the trampoline bytes (checked below).
#[repr(C)]
pub(crate) struct CallBlock {
    /// Values for rdi, rsi, rdx, rcx, r8, r9.
    pub int_args: [u64; 6],
    /// Low 64 bits of xmm0-7 (upper bits are zeroed).
    pub float_args: [u64; 8],
    /// The stack argument words, first argument first (lowest address at the call).
    pub stack_args: *const u64,
    /// How many stack words.
    pub stack_count: u64,
    /// The address to call.
    pub target: u64,
    /// rax and rdx after the call.
    pub ret_int: [u64; 2],
    /// Low 64 bits of xmm0 and xmm1 after the call.
    pub ret_float: [u64; 2],
    /// Set to 1 by the landing code when the call trapped.
    pub trapped: u64,
    /// The encoded trap code (see `traps::encode_trap`), valid when `trapped` is 1.
    pub trap_word: u64,
    /// The trampoline's stack pointer after saving registers; the handler resumes here.
    pub saved_rsp: u64,
    /// The enclosing active call on this thread (a nested call's outer block), or null.
    pub prev: *mut CallBlock,
    /// The lowest address of this thread's stack (0 if unknown), to recognise overflows.
    pub stack_low: u64,
    /// The address of the trapping instruction, set by the signal handler with `trapped`.
    /// (Last field: the trampoline's code uses the offsets of the fields before it.)
    pub trap_pc: u64,
}

impl CallBlock {
    /// An empty block that calls `target`.
    pub(crate) fn new(target: usize) -> Self {
        Self {
            int_args: [0; 6],
            float_args: [0; 8],
            stack_args: std::ptr::null(),
            stack_count: 0,
            target: target as u64,
            ret_int: [0; 2],
            ret_float: [0; 2],
            trapped: 0,
            trap_word: 0,
            saved_rsp: 0,
            prev: std::ptr::null_mut(),
            stack_low: 0,
            trap_pc: 0,
        }
    }
}

// The trampoline bytes below use these offsets as immediates.
const _: () = {
    assert!(offset_of!(CallBlock, int_args) == 0);
    assert!(offset_of!(CallBlock, float_args) == 48);
    assert!(offset_of!(CallBlock, stack_args) == 112);
    assert!(offset_of!(CallBlock, stack_count) == 120);
    assert!(offset_of!(CallBlock, target) == 128);
    assert!(offset_of!(CallBlock, ret_int) == 136);
    assert!(offset_of!(CallBlock, ret_float) == 152);
    assert!(offset_of!(CallBlock, trapped) == 168);
    assert!(offset_of!(CallBlock, trap_word) == 176);
    assert!(offset_of!(CallBlock, saved_rsp) == 184);
};

/// The trampoline entry, `extern "sysv64" fn(block: *mut CallBlock)`.
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
    0x48, 0x89, 0xa3, 0xb8, 0x00, 0x00, 0x00, // mov [rbx+184], rsp    ; saved_rsp
    0x48, 0x8b, 0x4b, 0x78,                   // mov rcx, [rbx+120]    ; stack_count
    0xf6, 0xc1, 0x01,                         // test cl, 1
    0x74, 0x04,                               // jz even
    0x48, 0x83, 0xec, 0x08,                   // sub rsp, 8            ; odd count: pad to keep alignment
    // even:
    0x48, 0x8b, 0x73, 0x70,                   // mov rsi, [rbx+112]    ; stack_args
    // loop:
    0x48, 0x85, 0xc9,                         // test rcx, rcx
    0x74, 0x09,                               // jz done
    0xff, 0x74, 0xce, 0xf8,                   // push qword [rsi+rcx*8-8]
    0x48, 0xff, 0xc9,                         // dec rcx
    0xeb, 0xf2,                               // jmp loop
    // done:
    0xf3, 0x0f, 0x7e, 0x43, 0x30,             // movq xmm0, [rbx+48]
    0xf3, 0x0f, 0x7e, 0x4b, 0x38,             // movq xmm1, [rbx+56]
    0xf3, 0x0f, 0x7e, 0x53, 0x40,             // movq xmm2, [rbx+64]
    0xf3, 0x0f, 0x7e, 0x5b, 0x48,             // movq xmm3, [rbx+72]
    0xf3, 0x0f, 0x7e, 0x63, 0x50,             // movq xmm4, [rbx+80]
    0xf3, 0x0f, 0x7e, 0x6b, 0x58,             // movq xmm5, [rbx+88]
    0xf3, 0x0f, 0x7e, 0x73, 0x60,             // movq xmm6, [rbx+96]
    0xf3, 0x0f, 0x7e, 0x7b, 0x68,             // movq xmm7, [rbx+104]
    0x48, 0x8b, 0x3b,                         // mov rdi, [rbx]
    0x48, 0x8b, 0x73, 0x08,                   // mov rsi, [rbx+8]
    0x48, 0x8b, 0x53, 0x10,                   // mov rdx, [rbx+16]
    0x48, 0x8b, 0x4b, 0x18,                   // mov rcx, [rbx+24]
    0x4c, 0x8b, 0x43, 0x20,                   // mov r8, [rbx+32]
    0x4c, 0x8b, 0x4b, 0x28,                   // mov r9, [rbx+40]
    0x4c, 0x8b, 0x9b, 0x80, 0x00, 0x00, 0x00, // mov r11, [rbx+128]    ; target
    0xb8, 0x08, 0x00, 0x00, 0x00,             // mov eax, 8            ; vector-register bound, for variadic targets
    0x41, 0xff, 0xd3,                         // call r11
    0x48, 0x89, 0x83, 0x88, 0x00, 0x00, 0x00, // mov [rbx+136], rax
    0x48, 0x89, 0x93, 0x90, 0x00, 0x00, 0x00, // mov [rbx+144], rdx
    0x66, 0x0f, 0xd6, 0x83, 0x98, 0x00, 0x00, 0x00, // movq [rbx+152], xmm0
    0x66, 0x0f, 0xd6, 0x8b, 0xa0, 0x00, 0x00, 0x00, // movq [rbx+160], xmm1
    0x48, 0x8d, 0x65, 0xd8,                   // lea rsp, [rbp-40]     ; drop stack args and padding
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
    0x48, 0xc7, 0x87, 0xa8, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, // mov qword [rdi+168], 1 ; trapped
    0x48, 0x89, 0xb7, 0xb0, 0x00, 0x00, 0x00, // mov [rdi+176], rsi    ; trap_word
    0x48, 0x83, 0xc4, 0x08,                   // add rsp, 8            ; undo the alignment slot
    0x41, 0x5f,                               // pop r15
    0x41, 0x5e,                               // pop r14
    0x41, 0x5d,                               // pop r13
    0x41, 0x5c,                               // pop r12
    0x5b,                                     // pop rbx
    0x5d,                                     // pop rbp
    0xc3,                                     // ret                   ; back to Rust, as from a normal return
];

/// Offset of the landing code from the trampoline entry (the landing code follows a 16-byte
/// aligned gap of int3 bytes).
const LANDING_OFFSET: usize = ENTRY.len().next_multiple_of(16);

/// The placed trampoline.
pub(crate) struct Trampoline {
    _region: CodeRegion,
    entry: usize,
    landing: usize,
}

impl Trampoline {
    /// The landing address the trap handler resumes at.
    pub(crate) fn landing(&self) -> usize {
        self.landing
    }

    /// Calls the trampoline with `block`.
    ///
    /// # Safety
    /// `block` must be valid for reads and writes for the whole call, its stack argument
    /// pointer valid for `stack_count` words, and its target must be code that follows the
    /// convention the block was filled for (System V, or Windows x64 with the shadow space
    /// as the first four stack words) for the registers and stack words it provides.
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

static TRAMPOLINE: OnceLock<Result<Trampoline, String>> = OnceLock::new();

/// The process-wide trampoline, placed on first use.
pub(crate) fn trampoline() -> Result<&'static Trampoline, std::io::Error> {
    TRAMPOLINE.get_or_init(|| place().map_err(|e| e.to_string())).as_ref().map_err(|e| std::io::Error::other(e.clone()))
}

fn place() -> std::io::Result<Trampoline> {
    let mut region = CodeRegion::new(LANDING_OFFSET + LANDING.len())?;
    let bytes = region.bytes_mut();
    bytes.fill(0xcc);
    bytes[..ENTRY.len()].copy_from_slice(ENTRY);
    bytes[LANDING_OFFSET..LANDING_OFFSET + LANDING.len()].copy_from_slice(LANDING);
    region.seal()?;
    let entry = region.base();
    Ok(Trampoline { _region: region, entry, landing: entry + LANDING_OFFSET })
}

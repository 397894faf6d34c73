//! Memory operations a front end needs for aggregates: copy, fill and move a block of
//! memory, emitted as inline loads and stores when the size is a small constant and as a
//! call to the C library function otherwise.
//!
//! Small means at most [`MemOpConfig::inline_limit`] bytes: four pointer-sized words (32
//! bytes on a 64-bit target). Inline code uses the widest accesses that fit (8, 4, 2, then
//! 1 byte), marked `aligned` where the given alignment proves it, and does every load
//! before any store, so it is also correct when the areas overlap.
//!
//! Libcalls: `%memcpy(dest, src, n) -> dest`, `%memset(dest, c: i32, n) -> dest` and
//! `%memmove(dest, src, n) -> dest`, with pointer-sized addresses and sizes. The builder
//! imports each the first time it is needed (not colocated, the configured calling
//! convention), or uses the function reference given to
//! [`FunctionBuilder::set_libcall`] for it.

use crate::FunctionBuilder;
use lathe_codegen::ir::{
    AbiParam, CallConv, ExtFuncData, ExternalName, FuncRef, InstBuilder, MemFlags, Signature, Type, Value, types,
};

/// What memory operations need to know about the target.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct MemOpConfig {
    /// The type of addresses and sizes (`i32` or `i64`).
    pub pointer_type: Type,
    /// The calling convention of the C library functions.
    pub call_conv: CallConv,
}

impl MemOpConfig {
    /// A configuration for addresses of `pointer_type` and libcalls with `call_conv`.
    pub fn new(pointer_type: Type, call_conv: CallConv) -> Self {
        Self { pointer_type, call_conv }
    }

    /// The largest size, in bytes, emitted inline: four pointer-sized words.
    pub fn inline_limit(&self) -> u64 {
        4 * u64::from(self.pointer_type.bytes())
    }
}

/// A C library function the memory operations may call.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum LibCall {
    /// `memcpy(dest, src, n)`: the areas must not overlap.
    Memcpy,
    /// `memset(dest, c, n)`.
    Memset,
    /// `memmove(dest, src, n)`: the areas may overlap.
    Memmove,
}

impl LibCall {
    /// The symbol name.
    pub fn name(self) -> &'static str {
        match self {
            LibCall::Memcpy => "memcpy",
            LibCall::Memset => "memset",
            LibCall::Memmove => "memmove",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The access widths inline code uses, widest first.
const WIDTHS: [(u64, Type); 4] = [(8, types::I64), (4, types::I32), (2, types::I16), (1, types::I8)];

/// Splits `size` bytes into (offset, width, type) accesses, widest first.
fn chunks(size: u64) -> impl Iterator<Item = (u64, u64, Type)> {
    let mut offset = 0;
    std::iter::from_fn(move || {
        let left = size - offset;
        let &(w, ty) = WIDTHS.iter().find(|&&(w, _)| w <= left)?;
        let at = offset;
        offset += w;
        Some((at, w, ty))
    })
}

/// The flags for an access of `width` bytes at `offset` from an address aligned to
/// `align`: `aligned` is added when that is known.
fn access_flags(flags: MemFlags, align: u8, offset: u64, width: u64) -> MemFlags {
    if u64::from(align) >= width && offset.is_multiple_of(width) { flags.with_aligned() } else { flags }
}

impl FunctionBuilder<'_> {
    /// Uses `func_ref` whenever the memory operations call `which`, instead of importing
    /// it.
    pub fn set_libcall(&mut self, which: LibCall, func_ref: FuncRef) {
        self.libcalls[which.index()] = Some(func_ref);
    }

    /// The function reference for `which`, importing `%memcpy` / `%memset` / `%memmove`
    /// the first time (see the module docs for the signatures).
    pub fn libcall(&mut self, config: MemOpConfig, which: LibCall) -> FuncRef {
        if let Some(f) = self.libcalls[which.index()] {
            return f;
        }
        let ptr = AbiParam::new(config.pointer_type);
        let mut sig = Signature::new(config.call_conv);
        let second = if which == LibCall::Memset { AbiParam::new(types::I32) } else { ptr };
        sig.params.extend([ptr, second, ptr]);
        sig.returns.push(ptr);
        let signature = self.import_signature(sig);
        let f = self.import_function(ExtFuncData {
            name: ExternalName::TestCase(which.name().to_string()),
            signature,
            colocated: false,
        });
        self.libcalls[which.index()] = Some(f);
        f
    }

    /// Calls `memcpy(dest, src, size)`; `size` is pointer-sized.
    pub fn call_memcpy(&mut self, config: MemOpConfig, dest: Value, src: Value, size: Value) {
        let f = self.libcall(config, LibCall::Memcpy);
        self.ins().call(f, &[dest, src, size]);
    }

    /// Calls `memmove(dest, src, size)`; `size` is pointer-sized.
    pub fn call_memmove(&mut self, config: MemOpConfig, dest: Value, src: Value, size: Value) {
        let f = self.libcall(config, LibCall::Memmove);
        self.ins().call(f, &[dest, src, size]);
    }

    /// Calls `memset(buffer, ch, size)`; `ch` is any integer (converted to `i32` as C
    /// wants), `size` is pointer-sized.
    pub fn call_memset(&mut self, config: MemOpConfig, buffer: Value, ch: Value, size: Value) {
        let f = self.libcall(config, LibCall::Memset);
        let ty = self.func.dfg.value_type(ch);
        let ch = match ty.bits() {
            32 => ch,
            b if b < 32 => self.ins().uextend(types::I32, ch),
            _ => self.ins().ireduce(types::I32, ch),
        };
        self.ins().call(f, &[buffer, ch, size]);
    }

    /// Copies `size` bytes from `src` to `dest`: inline when `size` is at most
    /// [`MemOpConfig::inline_limit`], else by calling `memcpy` (when `non_overlapping`) or
    /// `memmove`. `dest_align` and `src_align` are the known alignments in bytes; `flags`
    /// go on every inline access.
    #[allow(clippy::too_many_arguments)]
    pub fn emit_small_memory_copy(
        &mut self,
        config: MemOpConfig,
        dest: Value,
        src: Value,
        size: u64,
        dest_align: u8,
        src_align: u8,
        non_overlapping: bool,
        flags: MemFlags,
    ) {
        if size > config.inline_limit() {
            let n = self.ins().iconst(config.pointer_type, size as i64);
            if non_overlapping {
                self.call_memcpy(config, dest, src, n);
            } else {
                self.call_memmove(config, dest, src, n);
            }
            return;
        }
        // At most 4 words plus 3 narrower tail accesses.
        let mut loaded: smallvec::SmallVec<[(u64, u64, Value); 8]> = smallvec::SmallVec::new();
        for (offset, width, ty) in chunks(size) {
            let f = access_flags(flags, src_align, offset, width);
            let v = self.ins().load(ty, f, src, offset as i32);
            loaded.push((offset, width, v));
        }
        for (offset, width, v) in loaded {
            let f = access_flags(flags, dest_align, offset, width);
            self.ins().store(f, v, dest, offset as i32);
        }
    }

    /// Sets `size` bytes at `buffer` to `ch`: inline stores when `size` is at most
    /// [`MemOpConfig::inline_limit`], else a call to `memset`. `buffer_align` is the known
    /// alignment in bytes; `flags` go on every inline store.
    pub fn emit_small_memset(
        &mut self,
        config: MemOpConfig,
        buffer: Value,
        ch: u8,
        size: u64,
        buffer_align: u8,
        flags: MemFlags,
    ) {
        if size > config.inline_limit() {
            let c = self.ins().iconst(types::I32, i64::from(ch));
            let n = self.ins().iconst(config.pointer_type, size as i64);
            self.call_memset(config, buffer, c, n);
            return;
        }
        // One constant per width used; every byte of it is `ch`, so byte order is moot.
        let mut consts: [Option<Value>; 4] = [None; 4];
        for (offset, width, ty) in chunks(size) {
            let slot = WIDTHS.iter().position(|&(w, _)| w == width).unwrap_or(3);
            let v = match consts[slot] {
                Some(v) => v,
                None => {
                    // The pattern cut to the access width, sign-extended as `iconst` wants.
                    let shift = 64 - 8 * width as u32;
                    let pattern = (i64::from_ne_bytes([ch; 8]) << shift) >> shift;
                    let v = self.ins().iconst(ty, pattern);
                    consts[slot] = Some(v);
                    v
                }
            };
            let f = access_flags(flags, buffer_align, offset, width);
            self.ins().store(f, v, buffer, offset as i32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_size_widest_first() {
        let c: Vec<(u64, u64)> = chunks(15).map(|(o, w, _)| (o, w)).collect();
        assert_eq!(c, [(0, 8), (8, 4), (12, 2), (14, 1)]);
        assert_eq!(chunks(0).count(), 0);
        assert_eq!(chunks(32).count(), 4);
    }

    #[test]
    fn aligned_only_when_proven() {
        let f = MemFlags::new();
        assert!(access_flags(f, 8, 8, 8).aligned());
        assert!(!access_flags(f, 4, 0, 8).aligned());
        assert!(!access_flags(f, 8, 12, 8).aligned());
    }
}

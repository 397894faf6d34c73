//! ELF facts per target: the `object` crate's architecture, the byte order, `e_flags`, the
//! ELF relocation type of each [`RelocKind`], the relocations DWARF and `.eh_frame` need,
//! and the symbols library calls link against.
//!
//! One table per question, keyed by architecture, so a new ISA adds a row to each and
//! nothing else here changes.

use crate::ObjectError;
use lathe_codegen::ir::LibCall;
use lathe_codegen::isa::Triple;
use lathe_codegen::machinst::RelocKind;
use object::{Architecture, Endianness, elf};
use target_lexicon::Architecture as Arch;

/// The ELF facts of one target.
#[derive(Copy, Clone, Debug)]
pub(crate) struct ElfTarget {
    /// The `object` crate's architecture.
    pub arch: Architecture,
    /// The byte order of the file and of every field in it.
    pub endian: Endianness,
    /// `e_flags` of the header.
    pub e_flags: elf::FileFlags,
}

impl ElfTarget {
    /// The target of `triple`, or an error for an architecture Lathe writes no objects for.
    pub fn of(triple: &Triple) -> Result<ElfTarget, ObjectError> {
        let little = Endianness::Little;
        let (arch, endian, e_flags) = match triple.architecture {
            Arch::X86_64 => (Architecture::X86_64, little, elf::FileFlags(0)),
            Arch::Aarch64(_) => (Architecture::Aarch64, little, elf::FileFlags(0)),
            // The psABI's float ABI must match the C objects it links with: Debian's
            // riscv64 toolchain is lp64d, and it uses compressed instructions (RVC).
            Arch::Riscv64(_) => (Architecture::Riscv64, little, elf::EF_RISCV_RVC | elf::EF_RISCV_FLOAT_ABI_DOUBLE),
            Arch::S390x => (Architecture::S390x, Endianness::Big, elf::FileFlags(0)),
            _ => return Err(ObjectError::UnsupportedTarget(triple.to_string())),
        };
        if triple.binary_format != target_lexicon::BinaryFormat::Elf
            && triple.binary_format != target_lexicon::BinaryFormat::Unknown
        {
            return Err(ObjectError::UnsupportedTarget(format!("{triple}: only ELF objects are written")));
        }
        Ok(ElfTarget { arch, endian, e_flags })
    }

    /// The ELF relocation type for `kind`, or `None` when the kind belongs to another
    /// architecture.
    pub fn reloc_type(&self, kind: RelocKind) -> Option<elf::RelocationType> {
        use RelocKind::*;
        Some(match (self.arch, kind) {
            (_, Abs8) => self.abs_reloc(8),
            (Architecture::X86_64, X86PcRel4) => elf::R_X86_64_PC32,
            (Architecture::X86_64, X86CallPlt4) => elf::R_X86_64_PLT32,
            (Architecture::X86_64, X86GotPcRel4) => elf::R_X86_64_GOTPCREL,
            (Architecture::X86_64, X86TlsGd4) => elf::R_X86_64_TLSGD,
            (Architecture::Aarch64, Aarch64Call26) => elf::R_AARCH64_CALL26,
            (Architecture::Aarch64, Aarch64Jump26) => elf::R_AARCH64_JUMP26,
            (Architecture::Aarch64, Aarch64AdrPrelPgHi21) => elf::R_AARCH64_ADR_PREL_PG_HI21,
            (Architecture::Aarch64, Aarch64AddAbsLo12Nc) => elf::R_AARCH64_ADD_ABS_LO12_NC,
            (Architecture::Aarch64, Aarch64AdrGotPage) => elf::R_AARCH64_ADR_GOT_PAGE,
            (Architecture::Aarch64, Aarch64Ld64GotLo12Nc) => elf::R_AARCH64_LD64_GOT_LO12_NC,
            (Architecture::Riscv64, Riscv64CallPlt) => elf::R_RISCV_CALL_PLT,
            (Architecture::Riscv64, Riscv64PcrelHi20) => elf::R_RISCV_PCREL_HI20,
            (Architecture::Riscv64, Riscv64GotHi20) => elf::R_RISCV_GOT_HI20,
            (Architecture::Riscv64, Riscv64PcrelLo12I) => elf::R_RISCV_PCREL_LO12_I,
            (Architecture::S390x, S390xPlt32Dbl) => elf::R_390_PLT32DBL,
            (Architecture::S390x, S390xPc32Dbl) => elf::R_390_PC32DBL,
            (Architecture::S390x, S390xGotEnt) => elf::R_390_GOTENT,
            _ => return None,
        })
    }

    /// The relocation of a `size`-byte absolute field (`S + A`): DWARF addresses (8) and
    /// section offsets (4).
    pub fn abs_reloc(&self, size: u8) -> elf::RelocationType {
        match (self.arch, size) {
            (Architecture::X86_64, 8) => elf::R_X86_64_64,
            (Architecture::X86_64, _) => elf::R_X86_64_32,
            (Architecture::Aarch64, 8) => elf::R_AARCH64_ABS64,
            (Architecture::Aarch64, _) => elf::R_AARCH64_ABS32,
            (Architecture::Riscv64, 8) => elf::R_RISCV_64,
            (Architecture::Riscv64, _) => elf::R_RISCV_32,
            (_, 8) => elf::R_390_64,
            (_, _) => elf::R_390_32,
        }
    }

    /// The relocation of a 4-byte place-relative field (`S + A - P`): `.eh_frame`'s
    /// `DW_EH_PE_pcrel | DW_EH_PE_sdata4` function addresses.
    pub fn pcrel32_reloc(&self) -> elf::RelocationType {
        match self.arch {
            Architecture::X86_64 => elf::R_X86_64_PC32,
            Architecture::Aarch64 => elf::R_AARCH64_PREL32,
            Architecture::Riscv64 => elf::R_RISCV_32_PCREL,
            _ => elf::R_390_PC32,
        }
    }
}

/// The symbol an object file links a library call against. The float routines are C99's
/// (in libm; the `f128` ones glibc's `*f128` functions), the `i128` conversions and
/// divisions and the `f16`/`f128` arithmetic, comparisons and conversions those of libgcc
/// (GCC 12 or later for `f16`) and compiler-rt; the
/// rest have no standard routine with the same contract (a high multiply, a saturating
/// conversion) and are Lathe's own names, which the embedder provides.
pub fn libcall_symbol(call: LibCall) -> &'static str {
    match call {
        LibCall::CeilF32 => "ceilf",
        LibCall::CeilF64 => "ceil",
        LibCall::FloorF32 => "floorf",
        LibCall::FloorF64 => "floor",
        LibCall::TruncF32 => "truncf",
        LibCall::TruncF64 => "trunc",
        LibCall::NearestF32 => "roundevenf",
        LibCall::NearestF64 => "roundeven",
        LibCall::FmaF32 => "fmaf",
        LibCall::FmaF64 => "fma",
        LibCall::UdivI128 => "__udivti3",
        LibCall::SdivI128 => "__divti3",
        LibCall::UremI128 => "__umodti3",
        LibCall::SremI128 => "__modti3",
        LibCall::I128ToF32 => "__floattisf",
        LibCall::I128ToF64 => "__floattidf",
        LibCall::U128ToF32 => "__floatuntisf",
        LibCall::U128ToF64 => "__floatuntidf",
        LibCall::UmulhiI128 => "__lathe_umulhi_i128",
        LibCall::SmulhiI128 => "__lathe_smulhi_i128",
        LibCall::UmulOverflowI128 => "__lathe_umul_overflow_i128",
        LibCall::SmulOverflowI128 => "__lathe_smul_overflow_i128",
        LibCall::F32ToI128Sat => "__lathe_f32_to_i128_sat",
        LibCall::F64ToI128Sat => "__lathe_f64_to_i128_sat",
        LibCall::F32ToU128Sat => "__lathe_f32_to_u128_sat",
        LibCall::F64ToU128Sat => "__lathe_f64_to_u128_sat",
        LibCall::F16ToF32 => "__extendhfsf2",
        LibCall::F32ToF16 => "__truncsfhf2",
        LibCall::F64ToF16 => "__truncdfhf2",
        LibCall::F128ToF16 => "__trunctfhf2",
        LibCall::F32ToF128 => "__extendsftf2",
        LibCall::F64ToF128 => "__extenddftf2",
        LibCall::F128ToF32 => "__trunctfsf2",
        LibCall::F128ToF64 => "__trunctfdf2",
        LibCall::AddF128 => "__addtf3",
        LibCall::SubF128 => "__subtf3",
        LibCall::MulF128 => "__multf3",
        LibCall::DivF128 => "__divtf3",
        LibCall::FmaF128 => "fmaf128",
        LibCall::SqrtF128 => "sqrtf128",
        LibCall::CeilF128 => "ceilf128",
        LibCall::FloorF128 => "floorf128",
        LibCall::TruncF128 => "truncf128",
        LibCall::NearestF128 => "roundevenf128",
        LibCall::EqF128 => "__eqtf2",
        LibCall::NeF128 => "__netf2",
        LibCall::LtF128 => "__lttf2",
        LibCall::LeF128 => "__letf2",
        LibCall::GtF128 => "__gttf2",
        LibCall::GeF128 => "__getf2",
        LibCall::UnordF128 => "__unordtf2",
        LibCall::I32ToF128 => "__floatsitf",
        LibCall::U32ToF128 => "__floatunsitf",
        LibCall::I64ToF128 => "__floatditf",
        LibCall::U64ToF128 => "__floatunditf",
        LibCall::I128ToF128 => "__floattitf",
        LibCall::U128ToF128 => "__floatuntitf",
        LibCall::F128ToI32 => "__fixtfsi",
        LibCall::F128ToU32 => "__fixunstfsi",
        LibCall::F128ToI64 => "__fixtfdi",
        LibCall::F128ToU64 => "__fixunstfdi",
        LibCall::F128ToI128 => "__fixtfti",
        LibCall::F128ToU128 => "__fixunstfti",
        LibCall::ElfTlsGetAddr => "__tls_get_addr",
    }
}

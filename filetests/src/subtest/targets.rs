//! The configurations a file's header asks for: each `target` line with the `set` lines
//! before it, made into an `IsaBuilder` through the same path as `lathe --target`
//! (`isa::lookup_target`: the triple, then each word of the line as a setting). A file without
//! `target` lines means the host, with the ISA features the host has
//! (`isa::host_builder`). Each configuration also knows its ISA family, for `lathe test
//! --target` and the per-ISA counts.

use super::Failure;
use crate::cross::{family_of_name, isa_family};
use lathe_codegen::isa::{self, IsaBuilder, TargetIsa};
use lathe_codegen::settings::Flags;
use lathe_codegen::text::{HeaderLine, TestFile};

/// One configuration: a target (or why it cannot be made), and the shared settings.
pub struct TargetSpec {
    /// The target's builder, or why there is none (an architecture without a backend, an
    /// ISA flag or setting Lathe does not take), with the line.
    pub builder: Result<IsaBuilder, String>,
    /// The shared settings in force for it.
    pub flags: Flags,
    /// Whether the file set `opt_level` itself.
    pub opt_level_set: bool,
    /// The ISA family the target belongs to (`aarch64`), also when it has no builder.
    pub family: String,
}

/// The ISA family a `target` line's first word names (a triple or an architecture), or
/// the word itself when it names none.
pub fn family_of(word: &str) -> String {
    family_of_name(word).unwrap_or_else(|| word.to_string())
}

/// The configurations of `file`; a `set` line Lathe does not take makes the file
/// unsupported.
pub fn target_specs(file: &TestFile) -> Result<Vec<TargetSpec>, Failure> {
    let mut flags = Flags::default();
    let mut opt_level_set = false;
    let mut specs = Vec::new();
    for h in &file.headers {
        match h {
            HeaderLine::Set { name, value, line } => {
                flags.set(name, value.as_deref()).map_err(|e| Failure::Unsupported(format!("line {line}: {e}")))?;
                opt_level_set |= name == "opt_level";
            }
            HeaderLine::Target { arch, flags: words, line } => {
                let family = family_of(arch);
                let words = std::iter::once(arch).chain(words).map(String::as_str);
                let builder = isa::lookup_target(words, flags.clone()).map_err(|e| format!("line {line}: {e}"));
                specs.push(TargetSpec { builder, flags: flags.clone(), opt_level_set, family });
            }
        }
    }
    if specs.is_empty() {
        let builder = isa::host_builder().map(|b| b.with_flags(flags.clone())).map_err(|e| e.to_string());
        let family = isa_family(target_lexicon::HOST.architecture);
        specs.push(TargetSpec { builder, flags, opt_level_set, family });
    }
    Ok(specs)
}

/// Turns on `words` (ISA flags or settings, as in a `target` line) in `spec`'s builder,
/// after its own line's words (`lathe test --target "riscv64 has_c"`). A word the target
/// does not take leaves the configuration without a builder, naming it.
pub fn add_target_words(spec: &mut TargetSpec, words: &[String]) {
    if let Ok(builder) = &mut spec.builder
        && let Some(e) = words.iter().find_map(|w| builder.set_word(w).err())
    {
        spec.builder = Err(format!("--target {}: {e}", spec.family));
    }
}

/// The ISA for a configuration with the shared settings `flags`, or why it is
/// unsupported.
pub fn make_isa(spec: &TargetSpec, flags: Flags) -> Result<Box<dyn TargetIsa>, Failure> {
    let builder = spec.builder.as_ref().map_err(|e| Failure::Unsupported(e.clone()))?;
    builder.clone().with_flags(flags).finish().map_err(|e| Failure::Unsupported(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_words_name_their_family() {
        assert_eq!(family_of("aarch64"), "aarch64");
        assert_eq!(family_of("aarch64-unknown-linux-gnu"), "aarch64");
        assert_eq!(family_of("riscv64gc"), "riscv64");
        assert_eq!(family_of("x86_64-pc-windows-msvc"), "x86_64");
        assert_eq!(family_of("nonsense"), "nonsense");
    }

    #[test]
    fn added_words_apply_after_the_line_and_name_a_bad_flag() {
        let file = lathe_codegen::text::parse_test_file("test run\ntarget riscv64 has_zbb\n").expect("parses");
        let mut specs = target_specs(&file).unwrap_or_else(|_| panic!("specs"));
        add_target_words(&mut specs[0], &["has_c".to_string()]);
        let flags = specs[0].builder.as_ref().expect("a builder").isa_flags();
        assert_eq!(
            (flags.get("has_zbb"), flags.get("has_c"), flags.get("has_zba")),
            (Some(true), Some(true), Some(false))
        );
        add_target_words(&mut specs[0], &["has_bogus".to_string()]);
        let err = specs[0].builder.as_ref().err().expect("refused");
        assert!(err.contains("--target riscv64") && err.contains("has_bogus"), "{err}");
    }
}

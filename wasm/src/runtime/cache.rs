//! The module cache: with [`Config::cache_dir`](super::Config::cache_dir) set,
//! [`Module::new`] looks for the module's compiled code in that directory before
//! compiling, and leaves it there after.
//!
//! An entry is a precompiled module file (see `precompiled.rs`) named after a hash of what
//! decides the code: the engine's fingerprint (target, CPU features, settings, checks),
//! the optimisation level, and the Wasm bytes. A hash can collide, so an entry is used
//! only when the Wasm bytes stored in it equal the ones asked for; everything else the
//! precompiled loader checks (format version, fingerprint, checksum, every length). An
//! entry that fails any check is compiled again and replaced.
//!
//! The cache is best effort: a directory that cannot be read or written costs only the
//! compilation. Entries are written to a temporary name and renamed into place, so
//! processes sharing a directory never see half a file.

use super::precompiled::{checksum, fingerprint};
use super::{Engine, Module};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where the entry for `bytes` compiled by `engine` lives in `dir`.
pub(super) fn entry_path(dir: &Path, engine: &Engine, bytes: &[u8]) -> PathBuf {
    let mut key = fingerprint(engine).into_bytes();
    key.extend_from_slice(match engine.isa.flags().opt_level {
        lathe_codegen::settings::OptLevel::Baseline => b"|baseline|",
        lathe_codegen::settings::OptLevel::None => b"|none|",
        _ => b"|speed|",
    });
    // A module valid with more features must not load from the cache for an engine
    // that validates with fewer.
    key.extend_from_slice(&engine.config.wasm_features.bits().to_le_bytes());
    key.extend_from_slice(bytes);
    dir.join(format!("{:016x}.lwasm", checksum(&key)))
}

/// The cached module for `bytes`, if the entry exists, loads, and holds these bytes.
pub(super) fn load(engine: &Engine, path: &Path, bytes: &[u8]) -> Option<Module> {
    let file = std::fs::read(path).ok()?;
    let mut module = Module::deserialize(engine, &file).ok()?;
    if module.info.bytes != bytes {
        return None;
    }
    module.from_cache = true;
    Some(module)
}

/// Writes `module` as the entry at `path` (ignoring failures: see the module docs).
pub(super) fn store(engine: &Engine, path: &Path, module: &Module) {
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = path.with_extension(format!("tmp{}-{}", std::process::id(), SERIAL.fetch_add(1, Ordering::Relaxed)));
    if std::fs::write(&tmp, module.serialize(engine)).is_ok() && std::fs::rename(&tmp, path).is_ok() {
        return;
    }
    let _ = std::fs::remove_file(&tmp);
}

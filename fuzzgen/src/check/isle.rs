//! The ISLE check: arbitrary bytes into the ISLE compiler.

use super::{Mismatch, Verdict};

/// Compiles `bytes` (as UTF-8, invalid sequences replaced) as one ISLE source file. Errors
/// are fine and are rendered (rendering must not panic either); a panic is the finding.
pub fn check_isle(bytes: &[u8]) -> Result<Verdict, Mismatch> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let sources = [("fuzz.isle".to_string(), text)];
    match lathe_isle::compile_sources(&sources, &lathe_isle::Options::default()) {
        Ok(_) => {}
        Err(e) => {
            let _ = e.to_string();
        }
    }
    Ok(Verdict::Checked)
}

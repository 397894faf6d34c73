//! The reader check: arbitrary bytes into the CLIF reader.

use super::{Mismatch, Verdict};
use lathe_codegen::text::{parse_functions, parse_test_file};

/// Parses `bytes` (as UTF-8, invalid sequences replaced) as a CLIF test file. A parse
/// error is fine; a panic is the finding (the fuzz target crashes). Every function that
/// parses must print to text that parses back to one function printing the same text; it
/// is also verified (the verifier may reject it but must not panic).
pub fn check_reader(bytes: &[u8]) -> Result<Verdict, Mismatch> {
    let text = String::from_utf8_lossy(bytes);
    let file = match parse_test_file(&text) {
        Ok(file) => file,
        Err(e) => {
            // Rendering the error must not panic either.
            let _ = e.to_string();
            return Ok(Verdict::Checked);
        }
    };
    for tf in &file.functions {
        let printed = tf.function.to_string();
        let reparsed = match parse_functions(&printed) {
            Ok(fs) if fs.len() == 1 => fs,
            Ok(fs) => {
                return Err(Mismatch::new(
                    format!("a printed function parses back as {} functions", fs.len()),
                    format!("input:\n{text}\nprinted:\n{printed}"),
                ));
            }
            Err(e) => {
                return Err(Mismatch::new(
                    format!("a printed function does not parse back: {e}"),
                    format!("input:\n{text}\nprinted:\n{printed}"),
                ));
            }
        };
        let again = reparsed[0].to_string();
        if again != printed {
            return Err(Mismatch::new(
                "printing, parsing and printing again changes the text",
                format!("input:\n{text}\nfirst print:\n{printed}\nsecond print:\n{again}"),
            ));
        }
        if let Err(e) = lathe_codegen::verifier::verify_function(&tf.function) {
            let _ = e.to_string();
        }
    }
    Ok(Verdict::Checked)
}

//! Tests of the x86-64 backend: hand-checked encodings, the decoder oracle, and what
//! lowering refuses.

mod encodings;
mod lowering_errors;
mod oracle;
mod unwind;
